"""Paso 6: capture Excedentes and Faltantes of the chosen unit, group and specialty."""

import time

import streamlit as st

from core.admin import solicitudes
from core.base.errors import CapturaInvalida, ConfirmacionPendiente, ConflictoEdicion, ErrorDominio
from core.capture import borradores, captura, rejilla
from ui.components import almacen, avisos, ciclo_vida, limite_errores, paginas, pendientes, rejilla_ag, sesion
from ui.components import atipicos as atipicos_ui
from ui.components import contexto as ctx
from ui.components.marcado import md

# When this run started: a «Guardar» clicked in it is never "long ago", however slow the run (a busy
# server took over 2 s to reach the confirmation and dropped the click).
inicio = time.monotonic()
ctx.encabezado(
    "Paso 6",
    "Registrar Excedentes y Faltantes",
    [
        "La cantidad mínima es 1. En caso de no tener Excedente y/o Faltante de algún producto, deje "
        "los cuadros vacíos.",
        "Datos obligatorios — Excedentes: pacientes mensuales. Faltantes: causa principal y pacientes mensuales.",
        "Use el buscador de productos: hay grupos de servicio con una cantidad grande de productos "
        "(por ejemplo, Cirugía). Busca por nombre o clave, sin importar mayúsculas ni acentos.",
        "Para guardar dé clic en «Guardar» y confirme que los datos son correctos. Cuando todas las "
        "unidades con Excedentes y/o Faltantes hayan registrado su información, continúe con el Paso 7.",
        "Si requiere algún producto que no esté en el listado, solicítelo en «¿No encuentra el producto?», al "
        "final de esta pantalla: la División lo revisa y usted ve aquí su respuesta.",
    ],
    plegadas=True,
)
st.markdown(
    "La cantidad mínima es 1; deje vacío lo que no aplique. **Obligatorios** — Excedente: pacientes "
    "mensuales. Faltante: causa principal y pacientes mensuales."
)
cx = ctx.contexto_captura(paginas.PASO6)
unidad, unidad_nombre = ctx.unidad_elegida(cx)
posibles = ciclo_vida.de(cx)
# Typing (kept as drafts) and saving lines: the lifecycle model says whether, and why not.
editar, guardar = posibles.borrador, posibles.capturar
store = almacen.store()
esp = st.session_state.get("sel_especialidad")
if not esp:
    st.info("Primero elija el Grupo de Servicio (Paso 4) y la Especialidad Troncal (Paso 5).")
    st.page_link(paginas.PASO4, label="Ir al Paso 4", icon="⬅️")
    st.stop()
grupo = st.session_state.get("sel_grupo")
grupo_nombre, esp_nombre = captura.nombre(store, "grupo", grupo), captura.nombre(store, "especialidad", esp)
st.markdown(f"Grupo de Servicio: **{grupo_nombre}** · Especialidad Troncal: **{esp_nombre}**")

if flash := st.session_state.pop("p6_flash", None):
    st.success(flash)

anio = cx.periodo.anio
lineas = captura.lineas_unidad(store, cx.cuenta, anio, unidad)
todas_pendientes = pendientes.todos()
pend = todas_pendientes.setdefault(unidad, {})

# Fold what the grid returned (the rows it touched, by product code) into the per-product pending
# edits, against what it was showing.
snap = st.session_state.get("p6_snap")
if snap and snap["unidad"] == unidad and snap["key"] in st.session_state:
    rejilla.fusionar(pend, rejilla.superponer(snap["base"], pend), st.session_state[snap["key"]])

buscar = st.text_input(
    "Buscar producto", placeholder="Nombre o clave, p. ej. «hemodialisis» o «39.95»", key="p6_buscar"
)
firma = (unidad, esp, buscar, st.session_state.get("p6_gen", 0))
# A grid drawn before whose state is gone (the person went to another page) is drawn anew, from the
# saved data and the pending edits.
perdida = bool(snap and snap.get("dibujada") and snap["key"] not in st.session_state)
if not snap or snap["firma"] != firma or perdida:
    # A new grid only when the unit, specialty, search or saved data change: the grid keeps its own
    # edits between reruns.
    base = rejilla.base(store, cx.cuenta, anio, unidad, esp)
    claves = captura.productos(store, esp, buscar)["clave"].tolist()
    st.session_state["p6_contador"] = st.session_state.get("p6_contador", 0) + 1
    snap = {
        "firma": firma,
        "unidad": unidad,
        "key": f"p6_rejilla_{st.session_state['p6_contador']}",
        "base": base.loc[claves],
        "total": len(base),
    }
    st.session_state["p6_snap"] = snap
_REJILLA = "rejilla"  # the confirmation of the grid's changes (not of a list of lines to delete)


@st.fragment
@limite_errores.protegido
def _captura(lineas):
    """The grid, what is pending and «Guardar»/«Descartar»: an edit in the grid reruns only this (issue
    13 §3), not the frame, the saved lines or the requests. A full run draws it in place."""
    inicio = time.monotonic()
    completa = st.session_state.pop("_p6_corrida_completa", False)
    if not completa and sesion.vigente() is None:
        st.rerun()  # the session ended (idle, revoked elsewhere): the whole page says so
    pend = pendientes.todos().setdefault(unidad, {})
    snap = st.session_state["p6_snap"]
    if not completa and snap["key"] in st.session_state:
        rejilla.fusionar(pend, _mostrado(snap, pend), st.session_state[snap["key"]])
    # What the grid shows: the saved values with this person's pending edits over them (a grid drawn
    # anew shows them; one already drawn keeps its own).
    snap["frame"] = _mostrado(snap, pend)
    mostrados = len(snap["frame"])
    st.caption(f"{mostrados:,} de {snap['total']:,} productos" + (f" coinciden con «{buscar}»" if buscar else ""))
    if editar.permitida:
        st.caption(
            "Escriba sobre la celda elegida; Tab o Enter pasan a la siguiente. Causa y Amb./Hosp.: un clic abre "
            "la lista. Puede pegar un bloque copiado de Excel. Cuando un lado del renglón tiene datos, el otro queda "
            "gris."
        )
    # The rows' JSON is kept with the snapshot: an edit serialises again only the rows it changed.
    rejilla_ag.mostrar(snap["frame"], snap["key"], editable=editar.permitida, memoria=snap.setdefault("filas_json", {}))
    snap["dibujada"] = True
    filas = rejilla.cambios(pend, lineas)
    nuevas, modificadas, eliminadas = rejilla.resumen_cambios(filas, lineas)
    if editar.permitida and filas:
        st.warning(
            f"Cambios sin guardar: {nuevas:,} nueva(s), {modificadas:,} modificada(s), {eliminadas:,} "
            "por eliminar (incluye otras especialidades de esta unidad).",
            icon="✏️",
        )
    a, b, _ = st.columns([1, 1, 3])
    # A callback, and the lines read again on every run while the confirmation is open: a cell being
    # edited when «Guardar» is clicked reaches the page a moment after the click, and its run cuts the
    # click's. Never disabled for want of changes: the first edit of a grid arrives when the click's
    # press leaves the cell, and a button still disabled at the release drops the click (seen with fast
    # clicks).
    ciclo_vida.boton(guardar, "Guardar", en=a, type="primary", key="p6_guardar", on_click=_pedir_guardado)
    if editar.permitida:
        if b.button("Descartar cambios", disabled=not filas, key="p6_descartar"):
            pendientes.descartar(cx, unidad)
            _rehacer_rejilla()
            st.rerun()
        # Every edit is kept as a draft in the store at once; an edit back to the saved value is no edit.
        cambiadas = {f.producto for f in filas}
        try:
            pendientes.conservar(cx, unidad, [p for p in pend if p not in cambiadas])
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
    if not completa and (pendiente := avisos.confirmacion_pendiente("p6")) is not None:
        # «Guardar» (or the edit its click committed): the page opens the confirmation. A click with
        # nothing to save waits for that edit only so long (as on the page below).
        en = st.session_state.get("p6_guardar_en")
        if pendiente == _REJILLA and en is not None and inicio - en > _ESPERA_EDICION:
            avisos.cerrar_confirmacion("p6")
        else:
            if pendiente == _REJILLA and filas:
                st.session_state["p6_guardar_en"] = None  # the edit is here: the confirmation opens
            st.rerun()
    return filas, nuevas, modificadas, eliminadas


def _mostrado(snap: dict, pend: dict):
    """The snapshot's products with the pending edits over them; the last run's frame while the
    pending edits are the same (an edit then builds it once, not twice)."""
    huella = rejilla.huella(pend)
    if snap.get("frame") is None or snap.get("frame_huella") != huella:
        snap["frame"], snap["frame_huella"] = rejilla.superponer(snap["base"], pend), huella
    return snap["frame"]


def _rehacer_rejilla() -> None:
    """A new grid frame (from the saved data and what is still pending) on the next run."""
    st.session_state.pop("p6_snap", None)
    st.session_state["p6_gen"] = st.session_state.get("p6_gen", 0) + 1


# How long a «Guardar» with nothing to save waits for the edit its own click committed, from the end of
# the click's runs: the grid sends that value just after the click's message, in the next run.
_ESPERA_EDICION = 2.0


def _pedir_guardado() -> None:
    st.session_state["p6_guardar_en"] = time.monotonic()
    avisos.pedir_confirmacion("p6", _REJILLA)


st.session_state["_p6_corrida_completa"] = True
captura_ = _captura(lineas)
if captura_ is None:  # it failed: its message is on screen
    st.stop()
filas, nuevas, modificadas, eliminadas = captura_
if editar.permitida:
    pendientes.aviso_otras_personas(cx, unidad)


def _guardar(filas_a_guardar, confirmados=()) -> None:
    try:
        res = borradores.guardar_captura(
            store, cx.cuenta, cx.persona, anio, unidad, filas_a_guardar, confirmados=confirmados
        )
    except ConfirmacionPendiente as exc:
        # Nothing was written: ask about the unusual figures; a «Sí» saves the same rows again with them.
        st.session_state["p6_atipicos"] = (filas_a_guardar, list(confirmados))
        atipicos_ui.preguntar("p6", exc)
        return
    except ConflictoEdicion as exc:
        # Only the products someone else saved meanwhile are reloaded with their value; the person's
        # other edits stay pending and go with the next «Guardar».
        pendientes.olvidar(unidad, getattr(exc, "claves", None))
        st.session_state["p6_conflicto"] = (exc.productos, getattr(exc, "detalle", []))
        _rehacer_rejilla()
        return
    except (CapturaInvalida, ErrorDominio) as exc:
        st.session_state["p6_error"] = str(exc)
        return
    pendientes.olvidar(unidad, [f.producto for f in filas_a_guardar])
    _rehacer_rejilla()
    st.session_state["p6_flash"] = res.describir()


@st.dialog("Confirmar guardado", on_dismiss=lambda: avisos.cerrar_confirmacion("p6"))
@limite_errores.protegido
def _confirmar(filas_a_guardar, n, m, e) -> None:
    st.markdown(f"Unidad Médica: **{md(unidad_nombre)}**")
    partes = [f"**{n:,}** línea(s) nueva(s)", f"**{m:,}** modificada(s)", f"**{e:,}** eliminada(s)"]
    st.markdown("Se guardarán " + ", ".join(partes) + ". ¿Los datos son correctos?")
    if e:
        st.warning(f"Se eliminarán {e:,} línea(s) guardada(s) cuyos cuadros dejó vacíos.")
    a, b = st.columns(2)
    if a.button("Sí, guardar", type="primary", key="p6_confirmar"):
        avisos.cerrar_confirmacion("p6")
        _guardar(filas_a_guardar)
        st.rerun()
    if b.button("Cancelar", key="p6_cancelar"):
        avisos.cerrar_confirmacion("p6")
        st.rerun()


if err := st.session_state.pop("p6_error", None):
    st.error(md(err))
if conflicto := st.session_state.pop("p6_conflicto", None):
    productos, detalle = conflicto
    st.error(
        md(
            "No se guardó nada: otra persona modificó estas líneas después de que usted las cargó. Se recargaron "
            "con lo que esa persona guardó y se descartó lo que usted escribió en ellas (vea abajo); sus demás "
            "cambios siguen pendientes: presione «Guardar» de nuevo para guardarlos.\n"
            + "\n".join(f"• {p}" for p in productos)
        ),
        icon="⚠️",
    )
    if detalle:  # a static table: the grids of this page keep their order
        st.table(detalle, hide_index=True)

st.subheader("Líneas guardadas de esta Unidad Médica")
if lineas.empty:
    st.caption("Esta unidad todavía no tiene líneas guardadas.")
else:
    vista = lineas.assign(
        cantidad=lineas["pacientes"].map(lambda x: f"{x:,}"),
        eventos_txt=lineas["eventos"].map(lambda x: "" if x != x or x is None else f"{int(x):,}"),
    )
    sel = st.dataframe(
        vista[
            [
                "grupo",
                "especialidad",
                "producto",
                "producto_nombre",
                "tipo",
                "causa",
                "ambito",
                "eventos_txt",
                "cantidad",
            ]
        ],
        hide_index=True,
        placeholder="",
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key="p6_guardadas",
        # Widths that fit the 1366 px screens of the offices (the quantities in view without scrolling
        # sideways; long names end in «…» and show whole on hover); wider windows share out the rest.
        column_config={
            "grupo": st.column_config.TextColumn("Grupo de Servicio", width=100),
            "especialidad": st.column_config.TextColumn("Especialidad Troncal", width=110),
            "producto": st.column_config.TextColumn("Clave", width=70),
            "producto_nombre": st.column_config.TextColumn("Producto", width=160),
            "tipo": st.column_config.TextColumn("Tipo", width=70),
            "causa": st.column_config.TextColumn("Causa Principal", width=110),
            "ambito": st.column_config.TextColumn("Amb./Hosp.", width=80, help="Ambulatorio u Hospitalario"),
            "eventos_txt": st.column_config.TextColumn("Eventos Mensuales", width=75),
            "cantidad": st.column_config.TextColumn("Pacientes Mensuales", width=80),
        },
    )
    elegidas = lineas.iloc[sel.selection.rows] if sel and sel.selection.rows else lineas.iloc[0:0]
    if not elegidas.empty:
        c1, c2, _ = st.columns([1, 1, 3])
        if len(elegidas) == 1:
            linea = elegidas.iloc[0]

            def _editar(g=linea["grupo_clave"], e=linea["especialidad_clave"], p=linea["producto"]) -> None:
                st.session_state.update(sel_grupo=g, sel_especialidad=e, p6_buscar=p)

            ciclo_vida.boton(guardar, "Editar en la rejilla", en=c1, key="p6_editar", on_click=_editar)
        if ciclo_vida.boton(guardar, f"Eliminar {len(elegidas):,} línea(s)", en=c2, key="p6_eliminar"):
            borrar = [
                captura.FilaCaptura(p, int(v)) for p, v in zip(elegidas["producto"], elegidas["version"], strict=False)
            ]
            avisos.pedir_confirmacion("p6", (borrar, 0, 0, len(borrar)))

if (pendiente := avisos.confirmacion_pendiente("p6")) is not None:
    if pendiente != _REJILLA:
        _confirmar(*pendiente)
    elif (en := st.session_state.get("p6_guardar_en")) is not None and inicio - en > _ESPERA_EDICION:
        avisos.cerrar_confirmacion("p6")  # a click with nothing to save, long ago: forgotten
    elif filas:
        st.session_state["p6_guardar_en"] = None  # the confirmation is open: it waits for the person
        _confirmar(filas, nuevas, modificadas, eliminadas)
    else:
        st.info("No hay cambios que guardar: escriba en la rejilla y después presione «Guardar».")
        # The wait counts from here, the end of the click's own runs: on a busy server those runs alone
        # took over 2 s, and the edit that came right after them found the click forgotten.
        st.session_state["p6_guardar_en"] = time.monotonic()
if (confirmadas := atipicos_ui.respuesta("p6")) is not None and "p6_atipicos" in st.session_state:
    filas_atipicas, confirmados_antes = st.session_state.pop("p6_atipicos")
    _guardar(filas_atipicas, [*confirmados_antes, *confirmadas])
    st.rerun()

# PRODUCTO NO CONTEMPLADO: the guide's e-mail request, filed here and answered by the division.
with st.expander("¿No encuentra el producto? Solicitar producto no contemplado"):
    if cx.cuenta.es_capturista:
        with st.form("p6_solicitud", clear_on_submit=True):
            st.caption(f"Se solicitará en {grupo_nombre} › {esp_nombre}.")
            sol_nombre = st.text_input("Nombre del producto (intervención)", max_chars=solicitudes.NOMBRE_MAX)
            sol_ambito = st.radio("Ambulatorio u Hospitalario", captura.AMBITOS, horizontal=True)
            sol_just = st.text_area("Justificación: ¿por qué lo necesita?", max_chars=solicitudes.JUSTIFICACION_MAX)
            if st.form_submit_button("Enviar solicitud"):
                try:
                    sol_id = solicitudes.solicitar_producto(
                        store, cx.cuenta, cx.persona, cx.ooad, esp, sol_nombre, sol_just, sol_ambito, unidad
                    )
                except ErrorDominio as exc:
                    avisos.mostrar_error(exc)
                else:
                    st.success(f"Solicitud {sol_id:,} enviada a la División. Su respuesta aparecerá aquí.")
    else:
        st.caption(
            "Las OOAD/UMAE solicitan aquí los productos que no encuentran; la División las decide en "
            "Administración › Catálogos."
        )
    sol_propias = solicitudes.listar(store, cx.cuenta, ooad=cx.ooad)
    if not sol_propias.empty:
        st.dataframe(
            solicitudes.para_mostrar(sol_propias)[
                [
                    "No.",
                    "Especialidad Troncal",
                    "Producto solicitado",
                    "Solicitada",
                    "Estado",
                    "Clave asignada",
                    "Respuesta",
                ]
            ],
            hide_index=True,
            width="stretch",
            placeholder="",
            key="p6_solicitudes",
        )

st.page_link(paginas.PASO4, label="Otro Grupo de Servicio (Paso 4)", icon="⬅️")
st.page_link(paginas.PASO3, label="Otra Unidad Médica (Paso 3)", icon="⬅️")
st.page_link(paginas.PASO7, label="Finalizar el registro (Paso 7)", icon="➡️")
