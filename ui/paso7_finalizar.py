"""Paso 7: review what will be reported and finalize (SI + Guardar, then a confirmation naming the units
and line counts that will be locked); nothing changes afterwards."""

import streamlit as st

from core.base.errors import ErrorDominio
from core.capture import captura
from core.lifecycle import ciclo
from ui.components import almacen, avisos, ciclo_vida, limite_errores, paginas
from ui.components import contexto as ctx
from ui.components import reaperturas as reap
from ui.components import reportes as comp
from ui.components.marcado import md

ctx.encabezado(
    "Paso 7",
    "Finalizar el registro de Excedentes y Faltantes de la OOAD/UMAE",
    [
        "Una vez que la OOAD/UMAE indicó si tiene Excedentes y/o Faltantes, deberá finalizar el "
        "registro, lo que conlleva a que **no se podrá modificar lo registrado**.",
        "Antes de finalizar, revise, valide y confirme lo reportado con ayuda del reporte preliminar "
        "«Sin Validez Oficial».",
    ],
)
cx = ctx.contexto_captura(paginas.PASO7)
store = almacen.store()
anio = cx.periodo.anio

if flash := st.session_state.pop("p7_flash", None):
    st.success(flash)
if aviso := st.session_state.pop("p7_flash_info", None):
    st.info(aviso)
if error := st.session_state.pop("p7_error", None):
    st.error(md(error), icon="⚠️")
reap.estado_solicitud(cx, key="p7")

if cx.estado.respuesta is None:
    st.info("Primero conteste la pregunta del Paso 2.")
    st.page_link(paginas.PASO2, label="Ir al Paso 2", icon="⬅️")
    st.stop()

posibles = ciclo_vida.de(cx)
lineas = captura.lineas_ooad(store, cx.cuenta, anio, cx.ooad)
unidades = captura.unidades(store, cx.cuenta, anio, cx.ooad)
con = int((unidades["lineas"] > 0).sum())
st.subheader("Resumen que se reportará")
if posibles.preliminar.permitida:
    st.caption("Sin Validez Oficial. El OOAD aún no cierra el registro de información.")
    comp.boton_preliminar(cx.cuenta, anio, cx.ooad, key="p7_preliminar")
st.markdown(
    f"Respuesta del Paso 2: **{cx.estado.respuesta}** · "
    f"**{con:,} de {len(unidades):,} Unidades Médicas reportan Excedentes y/o Faltantes**"
)
if cx.estado.respuesta == "NO":
    st.info(
        "La OOAD/UMAE indica que ninguna de sus Unidades Médicas tiene Excedentes ni Faltantes. "
        "Al finalizar, «se aceptará de conformidad la inexistencia de oferta y/o demanda de "
        "servicios médicos»."
    )
elif lineas.empty:
    st.warning("Contestó SI pero todavía no hay líneas guardadas.")
else:
    for tipo in ("Excedente", "Faltante"):
        sub = lineas[lineas["tipo"] == tipo]
        st.markdown(
            f"**{tipo}s:** {len(sub):,} línea(s) · {int(sub['pacientes'].sum()):,} pacientes mensuales · "
            f"{int(sub['eventos'].fillna(0).sum()):,} eventos mensuales"
        )
    for unidad_nombre, grupo_lineas in lineas.groupby("unidad_nombre", sort=False):
        with st.expander(f"{md(unidad_nombre)} — {len(grupo_lineas):,} línea(s)"):
            for tipo in ("Faltante", "Excedente"):
                sub = grupo_lineas[grupo_lineas["tipo"] == tipo]
                if sub.empty:
                    continue
                st.markdown(f"**{tipo}s**")
                columnas = (
                    ["grupo", "producto_nombre"]
                    + (["causa"] if tipo == "Faltante" else [])
                    + ["ambito", "eventos", "pacientes"]
                )
                st.dataframe(
                    sub[columnas].reset_index(drop=True).rename(lambda i: i + 1),
                    width="stretch",
                    placeholder="",
                    column_config={
                        "_index": "No.",
                        "grupo": "Grupo de Servicio",
                        "producto_nombre": "Producto",
                        "causa": "Causa Principal",
                        "ambito": "Ambulatorio/ Hospitalario",
                        "eventos": st.column_config.NumberColumn("Eventos Mensuales", format="localized"),
                        "pacientes": st.column_config.NumberColumn("Pacientes Mensuales", format="localized"),
                    },
                )

if posibles.estado.finalizado:
    st.page_link(paginas.PASO8, label="Ver la Versión Final (Paso 8)", icon="📄")
    st.stop()
st.divider()
comp.editor_firmantes(cx, key="p7_firmantes", posibles=posibles)

st.divider()
st.markdown("**¿Desea finalizar el registro de Excedentes y/o Faltantes?** Después no podrá modificarlo.")
decision = st.radio(
    "Finalizar registro",
    ["SI", "NO"],
    index=None,
    horizontal=True,
    key="p7_decision",
    label_visibility="collapsed",
    disabled=not posibles.finalizar.permitida,
)
if ciclo_vida.boton(posibles.finalizar, "Guardar", type="primary", key="p7_guardar", disabled=decision is None):
    if decision != "SI":
        st.info("El registro sigue abierto: puede seguir capturando.")
    else:
        avisos.pedir_confirmacion("p7")


@st.dialog("Confirmar: finalizar el registro", on_dismiss=lambda: avisos.cerrar_confirmacion("p7"))
@limite_errores.protegido
def _confirmar() -> None:
    """What finalizing locks, named before it happens; only «Sí, finalizar» finalizes."""
    st.markdown(f"**{md(cx.ooad_nombre)}** · Captura del periodo {anio}")
    if cx.estado.respuesta == "NO":
        st.markdown(
            "Respuesta del Paso 2: **NO**. Ninguna Unidad Médica reporta Excedentes ni Faltantes; al "
            "finalizar «se aceptará de conformidad la inexistencia de oferta y/o demanda de servicios médicos»."
        )
    else:
        por_unidad = unidades[unidades["lineas"] > 0]
        st.markdown(
            "Quedarán bloqueadas (ya no se podrán modificar) las líneas de estas Unidades Médicas:\n"
            + "\n".join(
                f"- {md(u.nombre)}: **{u.lineas:,}** línea(s) ({u.excedentes:,} Excedente(s), {u.faltantes:,} Faltante(s))"
                for u in por_unidad.itertuples()
            )
        )
        st.markdown(
            f"**Total: {len(por_unidad):,} Unidad(es) Médica(s), {int(por_unidad['lineas'].sum()):,} línea(s)** "
            f"({int(por_unidad['excedentes'].sum()):,} Excedente(s), {int(por_unidad['faltantes'].sum()):,} Faltante(s))."
        )
    st.markdown("¿Desea finalizar el registro? Después solo la División puede reabrirlo.")
    a, b = st.columns(2)
    if a.button("Sí, finalizar", type="primary", key="p7_confirmar"):
        avisos.cerrar_confirmacion("p7")
        try:
            version = ciclo.finalizar(store, cx.cuenta, cx.persona, anio)
        except ErrorDominio as exc:
            st.session_state["p7_error"] = str(exc)
        else:
            # Unsaved Paso 6 edits stay: every capture screen now lists them read-only, to be discarded.
            st.session_state["p7_flash"] = (
                f"Registro finalizado (versión final {version}). Ya puede imprimir la Versión Final "
                "para firmas (Paso 8)."
            )
        st.rerun()
    if b.button("Cancelar", key="p7_cancelar"):
        avisos.cerrar_confirmacion("p7")
        st.session_state["p7_flash_info"] = "No se finalizó: el registro sigue abierto."
        st.rerun()


if avisos.confirmacion_pendiente("p7") is not None and posibles.finalizar.permitida:
    _confirmar()
