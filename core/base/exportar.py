"""CSV and Excel (.xlsx) bytes of the tables users see, safe to open in a spreadsheet.

A text cell that begins with =, +, -, @ (or a tab or carriage return) would be run as a formula
by Excel or LibreOffice (CSV injection), so such cells get a leading apostrophe; numeric columns
keep their dtypes, so a negative balance stays a number. `sql_neutralizar` is the same rule as SQL,
for files DuckDB writes itself (core/analysis/exportacion.py). In a CSV, yes/no columns read «Sí» and
«No», as the screen shows them; an .xlsx keeps them as the spreadsheet's own booleans.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re

import numpy as np
import pandas as pd
import xlsxwriter

from core.base import reloj
from core.base.errors import ErrorDominio
from core.base.texto import slug

# What a spreadsheet may take as the start of a formula (OWASP "CSV injection"), plus the fullwidth
# signs an East Asian input method types, which some spreadsheets also read as a formula.
_INICIO_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Excel's hard limits: rows per sheet (header included) and characters of a sheet name.
FILAS_MAXIMAS_XLSX = 1_048_576
_NOMBRE_HOJA_MAX = 31
_NOMBRE_HOJA_PROHIBIDO = re.compile(r"[\[\]:*?/\\]")

# Column widths in characters: enough for a product name, never a screen-wide column.
_ANCHO_MIN, _ANCHO_MAX = 8, 60
# Widths are judged on this many rows: the longest of a million cells costs more than it tells.
_FILAS_PARA_ANCHO = 2_000

_ENCABEZADO = {
    "bold": True,
    "font_color": "#FFFFFF",
    "bg_color": "#13322B",
    "border": 1,
    "text_wrap": True,
    "valign": "top",
}


def _es_texto(serie: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(serie) or pd.api.types.is_string_dtype(serie)


def _neutralizar_valor(v):
    # Apostrophes already there count too ("'=x" -> "''=x"), so that `restaurar` can always undo it.
    if isinstance(v, str) and v.lstrip("'").startswith(_INICIO_FORMULA):
        return "'" + v
    return v


def neutralizar_valor(v):
    """One value as `neutralizar` writes it (a header, a cell)."""
    return _neutralizar_valor(v)


# The same rule for DuckDB: a regular expression (RE2) class of the same characters, written as
# code points so that the SQL text holds no control character.
_CLASE_SQL = "".join(f"\\x{{{ord(c):x}}}" for c in _INICIO_FORMULA)


def sql_neutralizar(expresion: str) -> str:
    """SQL of a text expression as `neutralizar` leaves it: an apostrophe before a value that
    (after any apostrophes already there) starts with a formula sign; NULL stays NULL.

    `expresion` is SQL of this codebase (a column name), never text a person typed. DuckDB SQL only:
    on PostgreSQL `regexp_matches` returns a set, so the export runs it in the in-memory DuckDB."""
    return f"CASE WHEN regexp_matches({expresion}, '^''*[{_CLASE_SQL}]') THEN '''' || {expresion} ELSE {expresion} END"


SI, NO = "Sí", "No"


def sql_si_no(expresion: str) -> str:
    """SQL of a boolean as a CSV shows it: «Sí», «No», or empty."""
    return f"CASE WHEN {expresion} THEN '{SI}' WHEN NOT {expresion} THEN '{NO}' END"


def _si_no(v):
    if isinstance(v, (bool, np.bool_)):
        return SI if v else NO
    return v


def restaurar(texto: str) -> str:
    """The value a neutralised cell stood for: a file downloaded, edited and uploaded back (the catalog
    template) keeps its names instead of gaining an apostrophe each round."""
    if texto.startswith("'") and texto.lstrip("'").startswith(_INICIO_FORMULA):
        return texto[1:]
    return texto


def neutralizar(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells can never run as formulas; numeric columns are left untouched."""
    salida = df.copy()
    for col in salida.columns:
        if _es_texto(salida[col]):
            salida[col] = salida[col].map(_neutralizar_valor, na_action="ignore")
    salida.columns = [_neutralizar_valor(str(c)) for c in salida.columns]
    return salida


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with BOM: Excel then reads accents and ñ right when the file is double-clicked.
    Booleans are written «Sí»/«No», as on screen."""
    datos = neutralizar(df)
    for col in datos.columns:
        serie = datos[col]
        if pd.api.types.is_bool_dtype(serie) or pd.api.types.is_object_dtype(serie):
            datos[col] = serie.map(_si_no, na_action="ignore")
    return datos.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def nombre_archivo(base: str, anio: int, ext: str) -> str:
    """'Cruce por estado' + 2026 + 'xlsx' -> 'cruce-por-estado_2026.xlsx' (ASCII, no spaces)."""
    return f"{slug(base) or 'tabla'}_{int(anio)}.{ext.lstrip('.')}"


def _nombre_hoja(nombre: str, usados: set[str]) -> str:
    limpio = " ".join(_NOMBRE_HOJA_PROHIBIDO.sub(" ", str(nombre)).split()).strip("'") or "Hoja"
    limpio = limpio[:_NOMBRE_HOJA_MAX]
    candidato, n = limpio, 2
    while candidato.lower() in usados:
        sufijo = f" ({n})"
        candidato = limpio[: _NOMBRE_HOJA_MAX - len(sufijo)] + sufijo
        n += 1
    usados.add(candidato.lower())
    return candidato


def _ancho(serie: pd.Series, titulo: str) -> int:
    muestra = serie.head(_FILAS_PARA_ANCHO)
    if isinstance(muestra.dtype, pd.CategoricalDtype):  # map() would give categories back, with no max()
        muestra = muestra.astype(object)
    if pd.api.types.is_numeric_dtype(muestra) and not pd.api.types.is_bool_dtype(muestra):
        largos = muestra.map(lambda v: len(f"{v:,}") if pd.notna(v) else 0, na_action=None)
    else:
        largos = muestra.map(
            lambda v: len(str(v)) if v is not None and not (isinstance(v, float) and math.isnan(v)) else 0
        )
    contenido = int(largos.max()) if len(largos) else 0
    return max(_ANCHO_MIN, min(_ANCHO_MAX, max(contenido, len(str(titulo))) + 2))


def _a_naive(v) -> dt.datetime | dt.date:
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, dt.datetime) and v.tzinfo is not None:
        v = v.astimezone(reloj.ZONA).replace(tzinfo=None)
    return v


def xlsx_bytes(hojas: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table: header row styled and frozen, columns sized, numbers as numbers."""
    if not hojas:
        raise ErrorDominio("No hay ninguna tabla que exportar.")
    for nombre, df in hojas.items():
        if len(df) + 1 > FILAS_MAXIMAS_XLSX:
            raise ErrorDominio(
                f"La tabla «{nombre}» tiene {len(df):,} filas y Excel admite {FILAS_MAXIMAS_XLSX - 1:,}: "
                "descárguela en CSV o aplique filtros."
            )
    salida = io.BytesIO()
    libro = xlsxwriter.Workbook(
        salida,
        {
            "in_memory": True,
            # Neutralised text is written as text: never as a formula, link or number.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    encabezado = libro.add_format(_ENCABEZADO)
    entero = libro.add_format({"num_format": "#,##0"})
    decimal = libro.add_format({"num_format": "#,##0.######"})
    fecha = libro.add_format({"num_format": "dd/mm/yyyy"})
    fecha_hora = libro.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
    usados: set[str] = set()
    for nombre, df in hojas.items():
        hoja = libro.add_worksheet(_nombre_hoja(nombre, usados))
        datos = neutralizar(df)
        hoja.write_row(0, 0, list(datos.columns), encabezado)
        for j, col in enumerate(datos.columns):
            serie = datos[col]
            if pd.api.types.is_bool_dtype(serie):
                tipo, formato = "bool", None
            elif pd.api.types.is_integer_dtype(serie):
                tipo, formato = "numero", entero
            elif pd.api.types.is_float_dtype(serie):
                tipo, formato = "numero", decimal
            elif pd.api.types.is_datetime64_any_dtype(serie):
                tipo, formato = "fecha", fecha_hora
            else:
                tipo, formato = "mixto", None
            hoja.set_column(j, j, _ancho(serie, col), formato)
            for i, v in enumerate(serie.tolist(), start=1):
                if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
                    continue
                if tipo == "numero":
                    hoja.write_number(i, j, v, formato)
                elif tipo == "bool" or isinstance(v, bool):
                    hoja.write_boolean(i, j, bool(v))
                elif tipo == "fecha" or isinstance(v, (dt.datetime, pd.Timestamp)):
                    hoja.write_datetime(i, j, _a_naive(v), fecha_hora)
                elif isinstance(v, dt.date):
                    hoja.write_datetime(i, j, v, fecha)
                elif isinstance(v, (int, float)):
                    hoja.write_number(i, j, v)
                else:
                    hoja.write_string(i, j, str(v))
        hoja.freeze_panes(1, 0)
        if len(datos.columns):
            hoja.autofilter(0, 0, max(len(datos), 1), len(datos.columns) - 1)
    libro.close()
    return salida.getvalue()
