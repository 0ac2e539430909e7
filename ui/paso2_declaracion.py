"""Paso 2: does any unit of the OOAD/UMAE have surplus or shortage? (SI/NO, saved)."""

import streamlit as st

from core.base.errors import ErrorDominio
from core.lifecycle import ciclo
from ui.components import almacen, avisos, ciclo_vida, copiar_anterior, limite_errores, paginas
from ui.components import contexto as ctx
from ui.components.marcado import md

ctx.encabezado(
    "Paso 2",
    "Indicar si alguna de las Unidades Médicas tiene Excedentes y/o Faltantes",
    [
        "Existen OOAD/UMAE que no cuentan con Excedentes y/o Faltantes de algún servicio médico "
        "institucional a reportar.",
        "Si la respuesta es **NO**, ninguna unidad médica registrará Excedentes y/o Faltantes: guarde "
        "la opción y continúe con el Paso 7 para finalizar, con lo cual «se aceptará de conformidad la "
        "inexistencia de oferta y/o demanda de servicios médicos».",
        "Si la respuesta es **SI**, solo las unidades médicas que tienen Excedentes y/o Faltantes "
        "registrarán información: continúe con el Paso 3.",
    ],
)
cx = ctx.contexto_captura(paginas.PASO2)
store = almacen.store()
declarar = ciclo_vida.de(cx).declarar
opciones = ["SI", "NO"]
actual = cx.estado.respuesta
respuesta = st.radio(
    ciclo.PREGUNTA_PASO2,
    opciones,
    index=opciones.index(actual) if actual else None,
    horizontal=True,
    disabled=not declarar.permitida,
    key="paso2_respuesta",
)
if actual:
    st.caption(f"Respuesta guardada: **{actual}** ({md(cx.estado.actualizada_persona or cx.estado.actualizada_por)}).")


def _guardar(lineas_a_borrar: int = 0) -> None:
    try:
        ciclo.declarar(store, cx.cuenta, cx.persona, cx.periodo.anio, respuesta, lineas_a_borrar=lineas_a_borrar)
    except ErrorDominio as exc:
        st.session_state["paso2_error"] = str(exc)
        return
    st.session_state["paso2_ok"] = respuesta


@st.dialog("Confirmar respuesta NO", on_dismiss=lambda: avisos.cerrar_confirmacion("p2"))
@limite_errores.protegido
def _confirmar_no(n: int) -> None:
    st.warning(
        f"Al contestar **NO** se eliminarán **{n:,} línea(s)** ya guardada(s) de sus unidades médicas. "
        "Esta acción queda registrada en la bitácora."
    )
    a, b = st.columns(2)
    if a.button(f"Sí, eliminar {n:,} línea(s) y guardar NO", type="primary", key="p2_confirmar"):
        avisos.cerrar_confirmacion("p2")
        _guardar(n)
        st.rerun()
    if b.button("Cancelar", key="p2_cancelar"):
        avisos.cerrar_confirmacion("p2")
        st.rerun()


if ciclo_vida.boton(declarar, "Guardar", type="primary", disabled=respuesta is None):
    n = ciclo.contar_lineas(store, cx.periodo.anio, cx.ooad)
    if respuesta == "NO" and n:
        avisos.pedir_confirmacion("p2", n)
    else:
        _guardar()
        st.rerun()

if (por_borrar := avisos.confirmacion_pendiente("p2")) is not None:
    _confirmar_no(por_borrar)

if err := st.session_state.pop("paso2_error", None):
    st.error(md(err))
if ok := st.session_state.pop("paso2_ok", None):
    if ok == "NO":
        # The guide: answering NO leads straight to Paso 7 to finalize.
        st.session_state["p7_flash"] = "Respuesta **NO** guardada. Ahora finalice el registro."
        st.switch_page(paginas.PASO7)
    st.success(f"Respuesta **{ok}** guardada.")

# Copy forward: start from the previous period's Versión Final (issue 12 §4).
copiar_anterior.ofrecer(cx)

if cx.estado.respuesta == "SI":
    st.page_link(paginas.PASO3, label="Continuar con el Paso 3 · Seleccionar Unidad Médica", icon="➡️")
elif cx.estado.respuesta == "NO":
    st.page_link(paginas.PASO7, label="Continuar con el Paso 7 · Finalizar el registro", icon="➡️")
