"""The lifecycle model on screen: pages ask core.lifecycle.acciones what the account can do now with
the OOAD/UMAE on screen, enable their buttons from it and show its reason; they never repeat a rule."""

from __future__ import annotations

import streamlit as st

from core.lifecycle import acciones
from core.lifecycle.acciones import Accion, Acciones
from ui.components import almacen


def de(cx) -> Acciones:
    """Every action on the capture screen's OOAD/UMAE in its period, for the logged-in account."""
    return acciones.posibles(almacen.store(), cx.cuenta, cx.periodo.anio, cx.ooad)


def boton(accion: Accion, etiqueta: str, *, en=st, disabled: bool = False, **kwargs) -> bool:
    """A button (in `en`: st, a column, a form) enabled only while the action is possible; disabled,
    its tooltip says why."""
    return en.button(etiqueta, disabled=disabled or not accion.permitida, help=accion.motivo, **kwargs)


def boton_formulario(accion: Accion, etiqueta: str, *, disabled: bool = False, **kwargs) -> bool:
    """A form's submit button, enabled only while the action is possible; disabled, its tooltip says why."""
    return st.form_submit_button(etiqueta, disabled=disabled or not accion.permitida, help=accion.motivo, **kwargs)


def aviso(accion: Accion) -> None:
    """Why the action is not possible now, if it is not."""
    if not accion.permitida:
        st.info(f"🔒 {accion.motivo}")
