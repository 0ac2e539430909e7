"""The Paso 6 grid's model: rows keyed by product code, and edits kept per product.

`st.data_editor` records edits by row position; a search or another specialty changes the
positions. So the page keeps pending edits in a dict keyed by product code, merges the grid's
positional edits through the frame it showed, and overlays them on any later frame.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from core.base.errors import CantidadInvalida
from core.capture import captura as lectura
from core.capture.captura import FilaCaptura

CANTIDADES = ("exc_pacientes", "exc_eventos", "fal_pacientes", "fal_eventos")
CAMPOS = ("exc_pacientes", "exc_eventos", "exc_ambito", "fal_causa", "fal_pacientes", "fal_eventos", "fal_ambito")
_CON_DATO = ("exc_pacientes", "exc_eventos", "fal_causa", "fal_pacientes", "fal_eventos")


def _limpio(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str) and not v.strip():
        return None
    return v


def base(store, cuenta, anio: int, unidad: str, especialidad: str) -> pd.DataFrame:
    """All products of a specialty with this unit's saved values, indexed by product code.

    One SQL join (products LEFT JOIN this unit's lines): fast even on Cirugía's largest specialty.
    """
    lectura.exigir_lectura_unidad(store, cuenta, unidad)
    df = store.df(
        "SELECT p.clave, p.nombre AS producto,"
        " CASE WHEN l.tipo = 'Excedente' THEN l.pacientes END AS exc_pacientes,"
        " CASE WHEN l.tipo = 'Excedente' THEN l.eventos END AS exc_eventos,"
        " CASE WHEN l.tipo = 'Excedente' THEN l.ambito ELSE p.ambito_default END AS exc_ambito,"
        " CASE WHEN l.tipo = 'Faltante' THEN l.causa END AS fal_causa,"
        " CASE WHEN l.tipo = 'Faltante' THEN l.pacientes END AS fal_pacientes,"
        " CASE WHEN l.tipo = 'Faltante' THEN l.eventos END AS fal_eventos,"
        " CASE WHEN l.tipo = 'Faltante' THEN l.ambito ELSE p.ambito_default END AS fal_ambito,"
        " coalesce('✅ ' || l.tipo, '') AS guardado, l.version"
        " FROM producto p LEFT JOIN linea l ON l.producto = p.clave AND l.anio = ? AND l.unidad = ?"
        " WHERE p.especialidad = ? AND p.activo ORDER BY p.clave",
        [anio, unidad, especialidad],
    ).set_index("clave")
    df["version"] = df["version"].astype("Int64")
    for c in CANTIDADES:
        # Text columns in the grid (a number column rewrites what is typed): saved values shown with
        # thousands commas, which core reads back as the same number.
        df[c] = pd.Series([None if pd.isna(x) else f"{int(x):,}" for x in df[c]], index=df.index, dtype=object)
    for c in ("exc_ambito", "fal_ambito", "fal_causa"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df[["producto", *CAMPOS, "guardado", "version"]]


def fila_de(frame: pd.DataFrame, producto: str) -> dict:
    fila = frame.loc[producto]
    d = {c: _limpio(fila[c]) for c in CAMPOS}
    d["version"] = _limpio(fila["version"])
    return d


def fusionar_ediciones(pendientes: dict, mostrado: pd.DataFrame, editadas: dict) -> dict:
    """Fold the grid's positional edits (`edited_rows`) into `pendientes` by product code.

    Idempotent: merging the same edits twice gives the same result. The version recorded is the
    one the row had when it was first shown, so a later save can tell if someone else changed it.
    """
    for pos, cambios in (editadas or {}).items():
        pos = int(pos)
        if pos >= len(mostrado):
            continue
        producto = mostrado.index[pos]
        fila = pendientes.get(producto) or fila_de(mostrado, producto)
        for campo, valor in cambios.items():
            if campo in CAMPOS:
                fila[campo] = _limpio(valor)
        pendientes[producto] = fila
    return pendientes


def superponer(frame: pd.DataFrame, pendientes: dict) -> pd.DataFrame:
    """`frame` with the pending values of its products written over the saved ones."""
    out = frame.copy()
    for producto, fila in pendientes.items():
        if producto in out.index:
            for campo in CAMPOS:
                valor = fila[campo]
                if campo in CANTIDADES and valor is not None:
                    valor = valor if isinstance(valor, str) else _como_texto(valor)
                out.at[producto, campo] = valor
            out.at[producto, "guardado"] = (out.at[producto, "guardado"] + " ✏️").strip()
    return out


def _como_texto(valor: Any) -> str:
    """A pending quantity given by code (an int, as AppTest sends) in the grid's text column."""
    try:
        return f"{lectura.leer_cantidad(valor):,}"
    except CantidadInvalida:
        return str(valor)


def _misma_cantidad(tecleado: Any, guardado: int | None) -> bool:
    """ "2,989" typed equals 2989 saved; text core would refuse ("abc", "1.5") is always a change."""
    if tecleado is None or guardado is None:
        return tecleado is None and guardado is None
    try:
        return lectura.leer_cantidad(tecleado) == guardado
    except CantidadInvalida:
        return False


def _tiene_dato(fila: dict) -> bool:
    return any(_limpio(fila.get(c)) is not None for c in _CON_DATO)


def _guardada(lineas: pd.DataFrame, producto: str) -> dict | None:
    m = lineas[lineas["producto"] == producto]
    if m.empty:
        return None
    linea = m.iloc[0]
    pre = "exc_" if linea["tipo"] == "Excedente" else "fal_"
    d = {c: None for c in CAMPOS}
    d[pre + "pacientes"] = int(linea["pacientes"])
    d[pre + "eventos"] = None if pd.isna(linea["eventos"]) else int(linea["eventos"])
    d[pre + "ambito"] = linea["ambito"]
    d["fal_causa"] = linea["causa"] if linea["tipo"] == "Faltante" else None
    return d


def _igual(fila: dict, guardada: dict) -> bool:
    pre = "exc_" if guardada["exc_pacientes"] is not None else "fal_"
    otro = "fal_" if pre == "exc_" else "exc_"
    for c in CAMPOS:
        if c.startswith(otro) and not c.endswith("ambito"):
            if _limpio(fila.get(c)) is not None:
                return False
        elif c.startswith(pre) or c == "fal_causa":
            a, b = _limpio(fila.get(c)), guardada[c]
            if not (_misma_cantidad(a, b) if c in CANTIDADES else a == b):
                return False
    return True


def cambios(pendientes: dict, lineas: pd.DataFrame) -> list[FilaCaptura]:
    """The rows this person actually changed against what is saved, ready for core.capture.captura.guardar."""
    out = []
    for producto, fila in pendientes.items():
        guardada = _guardada(lineas, producto)
        if guardada is None and not _tiene_dato(fila):
            continue
        if guardada is not None and _igual(fila, guardada):
            continue
        version = fila.get("version")
        out.append(
            FilaCaptura(
                producto, None if version is None else int(version), **{c: _limpio(fila.get(c)) for c in CAMPOS}
            )
        )
    return out


def resumen_cambios(filas: list[FilaCaptura], lineas: pd.DataFrame) -> tuple[int, int, int]:
    """(new, changed, deleted) lines a save would make, for the confirmation."""
    guardadas = set(lineas["producto"])
    nuevas = modificadas = eliminadas = 0
    for f in filas:
        vacia = not _tiene_dato({c: getattr(f, c) for c in CAMPOS})
        if f.producto in guardadas:
            if vacia:
                eliminadas += 1
            else:
                modificadas += 1
        elif not vacia:
            nuevas += 1
    return nuevas, modificadas, eliminadas
