"""Outlying figures on screen (core/capture/atipicos.py): the question a save asks before writing them.

A save with figures far from what their product usually has raises `ConfirmacionPendiente` and
writes nothing. The page hands the error to `preguntar`; on every run it calls `respuesta`, which
keeps a dialog open naming each figure and its usual range with «Sí, las cifras son correctas;
guardar» and «Revisar». Once confirmed, `respuesta` returns the confirmed warnings (once) and the
page saves again with them in `confirmados`; «Revisar» closes the dialog and the person corrects the
figures (nothing was saved). Core checks again on that save: a confirmation covers the figures
shown, nothing else.

The Excel upload lists its warnings in the preview instead (`lista`), with one checkbox for the file.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.base.errors import ConfirmacionPendiente
from core.capture import atipicos
from core.capture.atipicos import Aviso
from ui.components import avisos, limite_errores
from ui.components.marcado import md

BOTON_SI = "Sí, las cifras son correctas; guardar"
BOTON_REVISAR = "Revisar"


def _clave(clave: str) -> str:
    return f"atipicos_{clave}"


def _respuesta(clave: str) -> str:
    return f"atipicos_{clave}_confirmados"


def _numero(a: Aviso, x: float) -> str:
    return f"{x:,.1f}" if a.cifra == atipicos.RAZON else f"{round(x):,}"


def renglon(a: Aviso) -> str:
    """One warning in one line of Markdown: where, which product, the figure and its usual range
    (names escaped; the figures are core's own digits, commas and words)."""
    return (
        f"**{md(a.unidad_nombre)}** · producto {md(a.producto)} «{md(a.producto_nombre)}» ({md(a.tipo)}): "
        f"**{a.valor_texto}**; lo habitual para este producto es {a.rango} "
        f"(mediana {_numero(a, a.mediana)}, {a.lineas:,} líneas de {a.ooads:,} OOAD/UMAE)."
    )


def lista(lista_avisos: Sequence[Aviso]) -> None:
    """The warnings as a list the person reads before confirming."""
    st.markdown("\n".join(f"- {renglon(a)}" for a in lista_avisos))


def preguntar(clave: str, error: ConfirmacionPendiente) -> None:
    """Open the question for a save refused with `error` (call it in the page's `except`)."""
    st.session_state.pop(_respuesta(clave), None)
    avisos.pedir_confirmacion(_clave(clave), list(error.avisos))


def respuesta(clave: str) -> list[Aviso] | None:
    """Call on every run of the page. While a question is open, shows its dialog and returns None;
    once the person confirmed, returns the confirmed warnings, once, for the save to be repeated
    with them; «Revisar» or closing the dialog returns None and forgets the question."""
    confirmados = st.session_state.pop(_respuesta(clave), None)
    if confirmados is not None:
        return confirmados
    pendientes = avisos.confirmacion_pendiente(_clave(clave))
    if pendientes:
        # Built here so that closing it (Esc, the ×) forgets this page's question.
        dialogo = st.dialog("Cifras poco habituales", width="large", on_dismiss=lambda: _cerrar(clave))
        dialogo(limite_errores.protegido(_dialogo))(clave, pendientes)
    return None


def _cerrar(clave: str) -> None:
    avisos.cerrar_confirmacion(_clave(clave))


def _dialogo(clave: str, pendientes: list[Aviso]) -> None:
    n = len(pendientes)
    st.markdown(
        f"No se ha guardado nada. {'Esta cifra está' if n == 1 else f'Estas {n:,} cifras están'} muy lejos de "
        "lo que ese producto suele tener en el país (este periodo y los anteriores). Si son correctas, "
        "confírmelas y se guardarán; la confirmación queda en la bitácora. Si no, revíselas y corríjalas."
    )
    lista(pendientes)
    si, revisar = st.columns(2)
    if si.button(BOTON_SI, type="primary", key=f"{_clave(clave)}_si"):
        _cerrar(clave)
        st.session_state[_respuesta(clave)] = list(pendientes)
        st.rerun()
    if revisar.button(BOTON_REVISAR, key=f"{_clave(clave)}_revisar"):
        _cerrar(clave)
        st.rerun()


def tabla(lista_avisos: Sequence[Aviso]):
    """The warnings as a table (Spanish headers), for pages that list them instead of asking."""
    return atipicos.tabla(lista_avisos)
