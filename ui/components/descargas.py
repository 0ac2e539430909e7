"""«Descargar CSV / Descargar Excel» for the tables a page shows, built only when clicked."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from core.analysis import exportacion
from core.base import exportar

_CSV = "text/csv"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def botones(tablas: dict[str, pd.DataFrame | Callable[[], pd.DataFrame]], base: str, anio: int, key: str) -> None:
    """One CSV button per table (a CSV holds one table) and one Excel button with a sheet each.

    `tablas` maps the sheet name to the frame exactly as shown (filters applied, Spanish headers),
    or to a function returning it, called only when a button is clicked; `base` names the files,
    with the period appended: "cruce" + 2026 -> cruce_2026.xlsx.
    """
    tablas = {nombre: df for nombre, df in tablas.items() if df is not None}
    if not tablas:
        return

    def marco(t) -> pd.DataFrame:
        return t() if callable(t) else t

    def vacia(t) -> bool:
        return not callable(t) and t.empty

    varias = len(tablas) > 1
    fila = st.container(horizontal=True, gap="small")
    for i, (nombre, df) in enumerate(tablas.items()):
        archivo = base if not varias else f"{base} {nombre}"
        fila.download_button(
            f"⬇️ CSV · {nombre}" if varias else "⬇️ Descargar CSV",
            data=lambda df=df: exportar.csv_bytes(marco(df)),
            file_name=exportar.nombre_archivo(archivo, anio, "csv"),
            mime=_CSV,
            key=f"{key}_csv_{i}",
            on_click="ignore",
            disabled=vacia(df),
        )
    # Excel only up to the full export's limit (xlsxwriter spends ~150 µs of CPU a row in the script's
    # thread: Oportunidades' ~580,000 flows at 1M lines would take minutes); the CSVs have every row.
    filas = sum(len(t) for t in tablas.values() if not callable(t))
    demasiadas = filas > exportacion.FILAS_MAXIMAS_XLSX
    fila.download_button(
        "⬇️ Descargar Excel",
        data=lambda: exportar.xlsx_bytes({nombre: marco(t) for nombre, t in tablas.items()}),
        file_name=exportar.nombre_archivo(base, anio, "xlsx"),
        mime=_XLSX,
        key=f"{key}_xlsx",
        on_click="ignore",
        disabled=all(vacia(t) for t in tablas.values()) or demasiadas,
        help=(
            f"Estas tablas tienen {filas:,} filas y en Excel (.xlsx) se ofrecen hasta "
            f"{exportacion.FILAS_MAXIMAS_XLSX:,}: descargue el CSV de cada tabla, o reduzca la selección con un filtro."
        )
        if demasiadas
        else ("Un archivo .xlsx con una hoja por tabla." if varias else None),
    )


def boton_diferido(
    generar: Callable[[], pd.DataFrame], hoja: str, base: str, anio: int, key: str, *, filas: int | None = None
) -> None:
    """CSV and Excel of a large table that is read only when a button is clicked (a full export
    would otherwise be read on every rerun); `filas`, if known, turns Excel off past its limit."""
    fila = st.container(horizontal=True, gap="small")
    fila.download_button(
        "⬇️ Descargar CSV",
        data=lambda: exportar.csv_bytes(generar()),
        file_name=exportar.nombre_archivo(base, anio, "csv"),
        mime=_CSV,
        key=f"{key}_csv",
        on_click="ignore",
        disabled=filas == 0,
    )
    demasiadas = filas is not None and filas > exportar.FILAS_MAXIMAS_XLSX - 1
    fila.download_button(
        "⬇️ Descargar Excel",
        data=lambda: exportar.xlsx_bytes({hoja: generar()}),
        file_name=exportar.nombre_archivo(base, anio, "xlsx"),
        mime=_XLSX,
        key=f"{key}_xlsx",
        on_click="ignore",
        disabled=filas == 0 or demasiadas,
        help=(f"Excel admite hasta {exportar.FILAS_MAXIMAS_XLSX - 1:,} filas: use el CSV." if demasiadas else None),
    )
