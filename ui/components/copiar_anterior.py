"""Paso 2: start the period from the OOAD/UMAE's Versión Final of the previous one (copy forward,
core.capture.copia), and «Guardar todo lo copiado»."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from core.base.errors import ConfirmacionPendiente, ErrorDominio
from core.capture import copia
from core.lifecycle import ciclo
from ui.components import almacen, avisos, ciclo_vida, descargas, limite_errores, paginas
from ui.components.marcado import md

if TYPE_CHECKING:
    from ui.components.contexto import ContextoCaptura


def _recargar_pendientes() -> None:
    """The drafts changed in core (copied, or saved): this session reads them again, as after a login
    (ui.components.pendientes.recuperar_borradores runs once per session and person)."""
    st.session_state.pop("_pendientes_duenio", None)


def _tabla_por_unidad(rev: copia.Revision, columnas: list[str], key: str) -> None:
    tabla = rev.por_unidad()
    tabla = tabla[["Unidad Médica", *columnas, "No se copian", "Por qué no se copian"]]
    st.dataframe(
        tabla,
        hide_index=True,
        width="stretch",
        key=key,
        placeholder="",
        column_config={
            **{c: st.column_config.NumberColumn(format="localized") for c in [*columnas, "No se copian"]},
            "Unidad Médica": st.column_config.TextColumn(width="medium"),
            "Por qué no se copian": st.column_config.TextColumn(width="large"),
        },
    )


def ofrecer(cx: ContextoCaptura) -> None:
    """The offer before copying, or what was copied and the save of all of it; nothing for the division."""
    if not cx.cuenta.es_capturista or not cx.editable:
        return
    store, anio = almacen.store(), cx.periodo.anio
    if flash := st.session_state.pop("copia_flash", None):
        st.success(flash)
    if err := st.session_state.pop("copia_error", None):
        st.error(md(err), icon="⚠️")
    try:
        rev = copia.revisar(store, cx.cuenta, cx.persona, anio)
    except ErrorDominio as exc:
        # Why there is nothing to copy, once the tool has an earlier period (in its first year, nothing).
        anterior = any(p.anio < anio for p in ciclo.periodos(store))
        if anterior and not ciclo.contar_lineas(store, anio, cx.ooad):
            st.caption(f"Partir de la Versión Final del periodo anterior: {md(str(exc))}")
        return
    if rev.pendientes:
        _copiadas(cx, rev)
    elif rev.por_copiar and not ciclo.contar_lineas(store, anio, cx.ooad):
        _oferta(cx, rev)


def _oferta(cx: ContextoCaptura, rev: copia.Revision) -> None:
    with st.container(border=True):
        st.subheader(f"Partir de la Versión Final {rev.anio_origen}")
        st.markdown(
            f"Puede empezar el periodo {cx.periodo.anio} con lo que su OOAD/UMAE reportó en su Versión Final "
            f"{rev.anio_origen}: las líneas se copian como **cambios sin guardar**, para revisarlas y cambiarlas "
            "en el Paso 6; no cuentan hasta que las guarde. " + md(rev.describir())
        )
        _tabla_por_unidad(rev, ["Se copian"], "copia_oferta_tabla")
        posibles = ciclo_vida.de(cx)
        accion = posibles.declarar if cx.estado.respuesta != "SI" else posibles.borrador
        if ciclo_vida.boton(accion, f"Partir de la Versión Final {rev.anio_origen}", key="copia_partir"):
            avisos.pedir_confirmacion("copia", rev.por_copiar)
    if (n := avisos.confirmacion_pendiente("copia")) is not None:
        _confirmar_copia(cx, rev, n)


@st.dialog("Partir de la Versión Final del periodo anterior", on_dismiss=lambda: avisos.cerrar_confirmacion("copia"))
@limite_errores.protegido
def _confirmar_copia(cx: ContextoCaptura, rev: copia.Revision, n: int) -> None:
    unidades = int((rev.por_unidad()["Se copian"] > 0).sum())
    texto = (
        f"Se copiarán **{n:,} línea(s)** de **{unidades:,} Unidad(es) Médica(s)** de la Versión Final "
        f"{rev.anio_origen} como sus cambios sin guardar."
    )
    if cx.estado.respuesta != "SI":
        texto += f" Su respuesta del Paso 2 será **SI** para el periodo {cx.periodo.anio}."
    if len(rev.fuera):
        texto += f" **{len(rev.fuera):,} línea(s) no se copian** porque salieron del catálogo."
    st.warning(texto)
    a, b = st.columns(2)
    if a.button(f"Sí, copiar {n:,} línea(s)", type="primary", key="copia_confirmar", on_click=_copiar, args=(cx, n)):
        st.rerun()
    if b.button("Cancelar", key="copia_cancelar"):
        avisos.cerrar_confirmacion("copia")
        st.rerun()


def _copiar(cx: ContextoCaptura, n: int) -> None:
    """The confirmed copy, as the button's callback: it runs before the page draws Paso 2's radio, which
    can then show the SI just saved."""
    avisos.cerrar_confirmacion("copia")
    try:
        hecho = copia.copiar(almacen.store(), cx.cuenta, cx.persona, cx.periodo.anio, n)
    except ErrorDominio as exc:
        st.session_state["copia_error"] = str(exc)
        return
    _recargar_pendientes()
    st.session_state["paso2_respuesta"] = "SI"
    st.session_state["copia_flash"] = (
        f"Se copiaron {hecho.pendientes:,} línea(s) de la Versión Final {hecho.anio_origen}: "
        "están en sus cambios sin guardar."
    )


def _copiadas(cx: ContextoCaptura, rev: copia.Revision) -> None:
    store, anio = almacen.store(), cx.periodo.anio
    with st.container(border=True):
        st.subheader(f"Líneas copiadas de la Versión Final {rev.anio_origen}")
        st.markdown(
            f"**{rev.pendientes:,} línea(s) copiadas están sin guardar.** Revíselas o cámbielas unidad por unidad "
            "en el Paso 6 (cada una aparece como cambio sin guardar ✏️), o guárdelas todas a la vez. "
            + md(rev.describir())
        )
        _tabla_por_unidad(rev, ["Copiadas, sin guardar", "Ya guardadas"], "copia_tabla")
        with st.expander("Ver cada línea de la Versión Final y qué pasó con ella"):
            detalle = rev.detalle()
            st.dataframe(detalle, hide_index=True, width="stretch", key="copia_detalle", placeholder="")
            descargas.botones(
                {"Versión Final copiada": detalle},
                f"copia version final {rev.anio_origen}",
                anio,
                key="copia_descargas",
            )
        pendientes = rev.lineas[rev.lineas["destino"] == copia.PENDIENTE]
        unidades = dict(zip(pendientes["unidad"], pendientes["unidad_nombre"], strict=False))
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        unidad = c1.selectbox(
            "Revisar en el Paso 6 la Unidad Médica", list(unidades), format_func=unidades.get, key="copia_unidad"
        )
        if c2.button("Revisar en el Paso 6", key="copia_revisar") and unidad:
            primera = pendientes[pendientes["unidad"] == unidad].iloc[0]
            st.session_state["sel_unidad"] = unidad
            st.session_state["sel_grupo"], st.session_state["sel_especialidad"] = (
                primera["grupo"],
                primera["especialidad"],
            )
            st.switch_page(paginas.PASO6)
        guardar = ciclo_vida.de(cx).capturar
        if ciclo_vida.boton(guardar, "Guardar todo lo copiado", type="primary", key="copia_guardar_todo"):
            avisos.pedir_confirmacion("copia_guardar", ())
    if (confirmados := avisos.confirmacion_pendiente("copia_guardar")) is not None:
        _confirmar_guardado(cx, rev, store, anio, confirmados)


@st.dialog("Guardar todo lo copiado", on_dismiss=lambda: avisos.cerrar_confirmacion("copia_guardar"))
@limite_errores.protegido
def _confirmar_guardado(cx: ContextoCaptura, rev: copia.Revision, store, anio: int, confirmados: tuple) -> None:
    if confirmados:
        st.warning(
            "Estas cifras están lejos de lo habitual para su producto. Confírmelas para guardar todo, o "
            "cancele y corríjalas en el Paso 6:\n" + "\n".join(f"- {md(a.mensaje)}" for a in confirmados)
        )
    else:
        st.warning(
            f"Se guardarán **{rev.pendientes:,} línea(s)** copiadas, como estén ahora (con lo que haya cambiado "
            "en el Paso 6), en una sola operación: se guardan todas o ninguna. Queda registrado en la bitácora."
        )
    a, b = st.columns(2)
    if a.button(
        "Confirmar y guardar todo" if confirmados else "Sí, guardar todo", type="primary", key="copia_guardar_ok"
    ):
        try:
            hecho = copia.guardar_todo(store, cx.cuenta, cx.persona, anio, confirmados=confirmados)
        except ConfirmacionPendiente as exc:
            avisos.pedir_confirmacion("copia_guardar", tuple(confirmados) + tuple(exc.avisos))
            st.rerun()
        except ErrorDominio as exc:
            avisos.cerrar_confirmacion("copia_guardar")
            st.session_state["copia_error"] = str(exc)
            st.rerun()
        avisos.cerrar_confirmacion("copia_guardar")
        _recargar_pendientes()
        st.session_state["copia_flash"] = hecho.describir()
        st.rerun()
    if b.button("Cancelar", key="copia_guardar_cancelar"):
        avisos.cerrar_confirmacion("copia_guardar")
        st.rerun()
