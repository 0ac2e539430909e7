"""Messages and confirmations every page shows the same way."""

from __future__ import annotations

import streamlit as st

from core.base.errors import ErrorDominio
from ui.components.marcado import md


def mostrar_error(exc: ErrorDominio) -> None:
    st.error(md(str(exc)), icon="⚠️")


def pedir_confirmacion(clave: str, datos: object = True) -> None:
    """Open a confirmation dialog that survives reruns until confirmed, cancelled or dismissed."""
    st.session_state[f"confirmar_{clave}"] = datos


def confirmacion_pendiente(clave: str):
    return st.session_state.get(f"confirmar_{clave}")


def cerrar_confirmacion(clave: str) -> None:
    st.session_state.pop(f"confirmar_{clave}", None)
