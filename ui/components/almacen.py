"""The store of this server process and the cached reads every page shares."""

from __future__ import annotations

import streamlit as st

from core import instalacion
from core.base import reloj, rutas
from core.base.store import Store
from core.lifecycle import acciones, tablero


@st.cache_resource(show_spinner="Preparando la base de datos…")
def _store(ruta: str) -> Store:
    return instalacion.abrir_servidor(rutas.data_dir())


def store() -> Store:
    """One store per server process and data folder (DuckDB allows one process per file; with
    EYF_DATABASE_URL, this replica's pool on the PostgreSQL database `core.cli preparar` readied)."""
    return _store(str(rutas.ruta_base()))


@st.cache_data(max_entries=8, show_spinner=False)
def _tablero_filas(ruta: str, anio: int, generacion: int):
    return tablero.filas(store(), anio)


def tablero_filas(anio: int):
    """The tablero's rows, recomputed only after a write (the audit trail's generation grows)."""
    return _tablero_filas(str(rutas.ruta_base()), anio, store().cambios())


@st.cache_data(max_entries=64, show_spinner=False)
def _tablero_vista(
    ruta: str, anio: int, generacion: int, buscar: str, tipo: str, estados: tuple, con_recepcion: bool = False
):
    vista = tablero.filtrar(_tablero_filas(ruta, anio, generacion), buscar, tipo, list(estados))
    return vista, tablero.tabla_guia(vista, con_recepcion=con_recepcion)


def tablero_vista(anio: int, buscar: str, tipo: str, estados: tuple, con_recepcion: bool = False):
    """(filtered rows, the guide's table of them), cached like tablero_filas; the division's
    view adds when the signed paper copy arrived."""
    return _tablero_vista(str(rutas.ruta_base()), anio, store().cambios(), buscar, tipo, estados, con_recepcion)


@st.cache_data(max_entries=64, show_spinner=False)
def _tablero_acciones(ruta: str, anio: int, generacion: int, hoy, cuenta, ooads: tuple):
    return acciones.posibles_varias(store(), cuenta, anio, list(ooads))


def tablero_acciones(anio: int, cuenta, ooads: list[str]) -> dict:
    """acciones.posibles of each OOAD/UMAE the tablero gives actions to, cached like tablero_filas
    (and by day: the registration window's rules change at midnight)."""
    return _tablero_acciones(str(rutas.ruta_base()), anio, store().cambios(), reloj.hoy(), cuenta, tuple(ooads))
