"""The error boundary: an unexpected failure shows a Spanish message and a reference, never a traceback.

app.py runs every page through `ejecutar(navegacion)`. Dialogs and fragments rerun on their own,
outside navigation.run(), so their bodies carry `@protegido`. Streamlit's control flow (st.stop,
st.rerun, st.switch_page) raises BaseException subclasses, which `except Exception` lets through.
The person sees what to do and a short reference; the full traceback goes to stderr and to
data/errores.log under that reference, for the División's system staff.
"""

from __future__ import annotations

import errno
import functools
import logging
import secrets
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from streamlit.errors import FragmentHandledException

from core.base import rutas
from core.base.errors import ErrorDominio
from ui.components.marcado import md

F = TypeVar("F", bound=Callable[..., Any])

ARCHIVO = "errores.log"

log = logging.getLogger("eyf.errores")


class _ArchivoDeErrores(logging.Handler):
    """Appends to errores.log in the data folder in use when the error happens (tests change it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            with (rutas.data_dir() / ARCHIVO).open("a", encoding="utf-8") as f:
                f.write(self.format(record) + "\n")
        except OSError:
            pass  # a full disk cannot take the log either: stderr still has it


def _preparar_log() -> None:
    if any(isinstance(h, _ArchivoDeErrores) for h in log.handlers):
        return
    formato = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    for handler in (logging.StreamHandler(sys.stderr), _ArchivoDeErrores()):
        handler.setFormatter(formato)
        log.addHandler(handler)
    log.setLevel(logging.INFO)


_preparar_log()


def _cadena(exc: BaseException):
    """The exception and what caused it: a domain wrapper may carry DuckDB's error underneath."""
    vistos = set()
    while exc is not None and id(exc) not in vistos:
        vistos.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def mensaje(exc: BaseException, referencia: str) -> str:
    """What the person reads: what happened in words, that nothing was saved, and what to do."""
    textos = " ".join(str(e).lower() for e in _cadena(exc))
    if "no space left" in textos or any(getattr(e, "errno", None) == errno.ENOSPC for e in _cadena(exc)):
        return (
            "No se pudo completar la acción: **el disco del servidor está lleno**. No se guardó nada de esta "
            f"acción. Avise a la División (referencia **{referencia}**) para que libere espacio; después "
            "vuelva a intentarlo."
        )
    if "corrupt database" in textos or "checksum" in textos:
        return (
            "Ocurrió un error inesperado: **la base de datos del servidor está dañada**. No se guardó nada de "
            f"esta acción. Avise a la División (referencia **{referencia}**): debe restaurar el último respaldo "
            "(Administración › Respaldos)."
        )
    if "invalidated" in textos:  # DuckDB refuses every statement after a fatal error until reopened
        return (
            "Ocurrió un error inesperado: **la base de datos del servidor dejó de responder** tras un error "
            f"grave. No se guardó nada de esta acción. Avise a la División (referencia **{referencia}**): debe "
            "reiniciar el servidor."
        )
    return (
        "Ocurrió un error inesperado. No se guardó nada de esta acción. Vuelva a intentarlo; si el problema "
        f"continúa, avise a la División e indique la referencia **{referencia}**."
    )


def registrar(exc: BaseException) -> str:
    """Log the full traceback under a new short reference and return it."""
    referencia = "E-" + secrets.token_hex(3).upper()
    log.error(
        "referencia %s · cuenta %s · %s: %s",
        referencia,
        st.session_state.get("username"),
        type(exc).__name__,
        exc,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
    return referencia


def mostrar(exc: Exception) -> None:
    """Show an exception that escaped a page: a domain error as it is, anything else as unexpected."""
    if isinstance(exc, ErrorDominio):  # its message may quote what a person typed: shown literally
        st.error(md(str(exc)), icon="⚠️")
        return
    st.error(mensaje(exc, registrar(exc)), icon="🛑")


def ejecutar(navegacion) -> None:
    """Run the page chosen by st.navigation inside the boundary."""
    try:
        navegacion.run()
    except FragmentHandledException:
        raise  # a fragment already showed its own failure
    except Exception as exc:  # noqa: BLE001 — the boundary: nothing unexpected reaches the person raw
        mostrar(exc)


def protegido(funcion: F) -> F:
    """The same boundary for a @st.dialog or @st.fragment body, which reruns outside navigation.run().

    Put it below the Streamlit decorator: `@st.dialog(...)` then `@limite_errores.protegido`.
    """

    @functools.wraps(funcion)
    def envuelta(*args, **kwargs):
        try:
            return funcion(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            mostrar(exc)
            return None

    return envuelta  # type: ignore[return-value]
