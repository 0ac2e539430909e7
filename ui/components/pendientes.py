"""Unsaved Paso 6 edits: kept in this session while the person moves around, mirrored as drafts
in the store (core/capture/borradores.py) so that a restart, a crash or an expired session loses
none of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from core.accounts.permisos import Cuenta
from core.base import reloj
from core.base.errors import ErrorDominio
from core.capture import borradores, rejilla
from ui.components import paginas
from ui.components.almacen import store
from ui.components.marcado import md

if TYPE_CHECKING:
    from ui.components.contexto import ContextoCaptura


# What survives a session that expired: the Paso 6 edits not yet saved and where they were made,
# so that after logging in again the grid still has them.
# What survives a session that expired: the Paso 6 edits not yet saved and where they were made,
# so that after logging in again the grid still has them.
CONSERVAR_AL_VENCER = (
    "pendientes",
    "_pendientes_duenio",
    "_borradores_escritos",
    "_borradores_fecha",
    "sel_unidad",
    "sel_grupo",
    "sel_especialidad",
)


def guardar_edicion_de_la_rejilla() -> None:
    """Fold the Paso 6 grid's latest edits into the pending edits before its widget state goes."""
    snap = st.session_state.get("p6_snap")
    if not snap or snap.get("key") not in st.session_state or not st.session_state[snap["key"]]:
        return
    pend = todos().setdefault(snap["unidad"], {})
    rejilla.fusionar(pend, rejilla.superponer(snap["base"], pend), st.session_state[snap["key"]])
    if not pend:
        todos().pop(snap["unidad"], None)


def todos() -> dict:
    """Unsaved Paso 6 edits: {unidad: {producto: row}}; kept while the person moves around, and
    mirrored as drafts in the store (core/capture/borradores.py) so that a restart does not lose them."""
    return st.session_state.setdefault("pendientes", {})


def _escritos() -> dict:
    """What the store holds of this session's drafts: {unidad: {producto: row as text}}."""
    return st.session_state.setdefault("_borradores_escritos", {})


def _escribir_pendientes(c: Cuenta, quien: str, anio: int, unidad: str, sin_cambio: list[str] = ()) -> None:
    pend = todos().get(unidad, {})
    escritos = _escritos().setdefault(unidad, {})
    for producto in sin_cambio:
        pend.pop(producto, None)
    nuevos = {p: f for p, f in pend.items() if borradores.como_texto(f) != escritos.get(p)}
    if nuevos:
        borradores.guardar(store(), c, quien, anio, unidad, nuevos)
        escritos.update({p: borradores.como_texto(f) for p, f in nuevos.items()})
        st.session_state["_borradores_fecha"] = reloj.ahora()
    if quitar := [p for p in sin_cambio if p in escritos]:
        borradores.quitar(store(), c, quien, anio, unidad, quitar)
        for p in quitar:
            escritos.pop(p, None)
    if not pend:
        todos().pop(unidad, None)


def conservar(cx: ContextoCaptura, unidad: str, sin_cambio: list[str] = ()) -> None:
    """Paso 6, every run: the unit's pending edits that changed since the last write become drafts;
    `sin_cambio` (edits that now equal what is saved) stop being pending and lose their drafts."""
    _escribir_pendientes(cx.cuenta, cx.persona, cx.periodo.anio, unidad, list(sin_cambio))


def olvidar(unidad: str, productos: list[str] | None = None) -> None:
    """After a save or a conflict (core already removed those drafts): no longer pending here."""
    pend, escritos = todos().get(unidad, {}), _escritos().get(unidad, {})
    for producto in list(pend) if productos is None else productos:
        pend.pop(producto, None)
        escritos.pop(producto, None)
    if not pend:
        todos().pop(unidad, None)


def descartar(cx: ContextoCaptura, unidad: str | None = None) -> int:
    """The person discards their unsaved edits (of one unit, or all): audited in core."""
    n = borradores.descartar(store(), cx.cuenta, cx.persona, cx.periodo.anio, unidad)
    if unidad is None:
        todos().clear()
        _escritos().clear()
    else:
        todos().pop(unidad, None)
        _escritos().pop(unidad, None)
    return n


def recuperar_borradores(cx: ContextoCaptura) -> None:
    """Once per session and person: the drafts in the store become this session's pending edits.

    A new session (a restart, another browser) or another person at the same account gets exactly
    their own drafts; what the previous person of this account typed last is written as theirs first.
    """
    if not cx.cuenta.es_capturista:
        return
    duenio = (cx.cuenta.usuario, cx.persona, cx.periodo.anio)
    anterior = st.session_state.get("_pendientes_duenio")
    if anterior == duenio:
        return
    if anterior and anterior[0] == cx.cuenta.usuario and anterior[2] == cx.periodo.anio:
        for unidad in list(todos()):
            try:
                _escribir_pendientes(cx.cuenta, anterior[1], anterior[2], unidad)
            except ErrorDominio:
                pass  # capture closed meanwhile: their drafts stay as they were last written
    df = borradores.listar(store(), cx.cuenta, cx.persona, cx.periodo.anio)
    st.session_state["pendientes"] = borradores.como_pendientes(df)
    st.session_state["_borradores_escritos"] = {
        u: {p: borradores.como_texto(f) for p, f in filas.items()} for u, filas in todos().items()
    }
    st.session_state["_borradores_fecha"] = borradores.ultimo_cambio(df)
    st.session_state["_pendientes_duenio"] = duenio
    st.session_state["_borradores_recuperados"] = not df.empty
    # Where "Volver al Paso 6" takes the person: the group and specialty of a recovered edit.
    st.session_state["_borradores_donde"] = {r.unidad: (r.grupo, r.especialidad) for r in df.itertuples()}


def _borradores_no_guardados(cx: ContextoCaptura) -> None:
    """The capture closed (window, period, finalized) with drafts: say how many were not saved,
    show them read-only and let the person discard them once read."""
    df = borradores.listar(store(), cx.cuenta, cx.persona, cx.periodo.anio)
    if df.empty:
        return
    st.warning(
        f"**{len(df):,} cambio(s)** que escribió en el Paso 6 **no se guardaron** y ya no pueden guardarse "
        "(la captura está cerrada; vea el motivo arriba). Aquí están, solo para consulta: revíselos y, "
        "cuando ya no los necesite, descártelos.",
        icon="📝",
    )
    st.dataframe(
        borradores.para_mostrar(df), hide_index=True, width="stretch", placeholder="", key="borradores_no_guardados"
    )
    if st.button(f"Descartar {len(df):,} cambio(s) no guardado(s)", key="borradores_descartar"):
        descartar(cx)
        st.rerun()


def aviso_otras_personas(cx: ContextoCaptura, unidad: str | None = None) -> None:
    """Paso 3 and Paso 6: other people of this OOAD/UMAE with unsaved edits (of this unit, or any)."""
    if not cx.cuenta.es_capturista:
        return
    otras = [
        r
        for r in borradores.de_otras_personas(store(), cx.cuenta, cx.persona, cx.periodo.anio).itertuples()
        if unidad is None or r.unidad == unidad
    ]
    if not otras:
        return
    lineas = [
        f"- **{md(r.persona)}**: {r.productos:,} producto(s)"
        + ("" if unidad else f" en {md(r.unidad_nombre)}")
        + f" (último cambio {reloj.fecha_hora(r.ultimo)})"
        for r in otras
    ]
    donde = "en esta Unidad Médica" if unidad else "en el Paso 6"
    st.info(
        f"Otras personas de su OOAD/UMAE tienen cambios sin guardar {donde}; no cuentan hasta que los "
        "guarden, y si capturan el mismo producto, se conserva lo que se guarde primero:\n" + "\n".join(lineas),
        icon="👥",
    )


def avisar(pagina_actual: str | None = None, cx: ContextoCaptura | None = None) -> None:
    if cx is not None and cx.cuenta.es_capturista:
        recuperar_borradores(cx)
        if not cx.editable:
            _borradores_no_guardados(cx)
            return
    sin_guardar = {u: p for u, p in todos().items() if p}
    if not sin_guardar:
        st.session_state.pop("_borradores_recuperados", None)
        return
    n = sum(len(p) for p in sin_guardar.values())
    fecha = st.session_state.get("_borradores_fecha")
    de = f" del {reloj.fecha_hora(fecha)}" if fecha else ""
    if pagina_actual == paginas.PASO6:
        if st.session_state.get("_borradores_recuperados"):
            st.info(
                f"Tiene {n:,} cambio(s) sin guardar{de}, de una sesión anterior: están en la rejilla (✏️). "
                "Presione «Guardar» para guardarlos o «Descartar cambios».",
                icon="💾",
            )
        return
    st.warning(
        f"Tiene {n:,} cambio(s) sin guardar{de} en el Paso 6. No se han guardado: "
        "regrese al Paso 6 y presione «Guardar», o descártelos ahí.",
        icon="💾",
    )
    if st.button("Volver al Paso 6", key="volver_p6"):
        unidad = next(iter(sin_guardar))
        st.session_state["sel_unidad"] = unidad
        if donde := st.session_state.get("_borradores_donde", {}).get(unidad):
            st.session_state["sel_grupo"], st.session_state["sel_especialidad"] = donde
        st.switch_page(paginas.PASO6)
