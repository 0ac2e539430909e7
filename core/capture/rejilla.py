"""The Paso 6 grid's model: rows keyed by product code, and edits kept per product.

The grid (ui/components/rejilla_ag.py) returns the values of its rows by product code; a search or
another specialty shows other rows. So the page keeps pending edits in a dict keyed by product code,
folds into it what differs, column by column, from the frame the grid was given (`fusionar`), and
overlays the pending edits on any later frame (`superponer`).
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
# The two sides of a row in the report's order, and the cells that make a side "have a value" (the
# ámbito is prefilled with the product's default, so it does not): once one side has a value the grid
# locks the other (core refuses a product that is both anyway).
LADOS = {
    "exc": ("exc_ambito", "exc_eventos", "exc_pacientes"),
    "fal": ("fal_causa", "fal_ambito", "fal_eventos", "fal_pacientes"),
}
DATO_DE_LADO = {"exc": ("exc_eventos", "exc_pacientes"), "fal": ("fal_causa", "fal_eventos", "fal_pacientes")}


def _limpio(v: Any) -> Any:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str) and not v.strip():
        return None
    return v


def vacio(v: Any) -> bool:
    """An empty cell: None, NaN, NA or only blanks."""
    return _limpio(v) is None


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


def lado_bloqueado(fila: dict) -> str | None:
    """The side ("exc" or "fal") the grid shows locked for this row: the other side has a value."""
    for lado, otro in (("exc", "fal"), ("fal", "exc")):
        if any(_limpio(fila.get(c)) is not None for c in DATO_DE_LADO[otro]):
            return lado
    return None


def _igual_celda(a: Any, b: Any) -> bool:
    a, b = _limpio(a), _limpio(b)
    return a is None and b is None or (a is not None and b is not None and str(a) == str(b) and type(a) is type(b))


def ediciones(mostrado: pd.DataFrame, devuelto: dict | None) -> dict[str, dict[str, Any]]:
    """What the grid returned that differs from the frame it was given, column by column, by product code.

    `devuelto` is {"filas": {product: {field: value}}} (the grid sends the rows it touched; a field left
    out is unchanged). Values are kept exactly as returned (text as typed); products not in the frame
    (a stale grid) and unknown fields are ignored.
    """
    filas = (devuelto or {}).get("filas") or {}
    if not isinstance(filas, dict):
        return {}
    claves = [p for p in filas if p in mostrado.index and isinstance(filas[p], dict)]
    out: dict[str, dict[str, Any]] = {}
    for campo in CAMPOS:
        for producto in claves:
            if campo not in filas[producto]:
                continue
            valor = filas[producto][campo]
            if not _igual_celda(valor, mostrado.at[producto, campo]):
                out.setdefault(producto, {})[campo] = None if _limpio(valor) is None else valor
    return out


def fusionar(pendientes: dict, mostrado: pd.DataFrame, devuelto: dict | None) -> dict:
    """Fold the grid's returned rows into `pendientes` (by product code) and return it.

    A product shown in the grid that now differs from the frame, or that is already pending, becomes
    the frame's row with the grid's values over it: an edit set back to what the frame showed is
    undone. Idempotent. The version kept is the one the row had when it was first shown, so a later
    save can tell if someone else changed it meanwhile.
    """
    cambios_ = ediciones(mostrado, devuelto)
    for producto in [p for p in mostrado.index if p in cambios_ or p in pendientes]:
        fila = fila_de(mostrado, producto)
        if producto in pendientes:
            fila["version"] = pendientes[producto].get("version")
        fila.update(cambios_.get(producto, {}))
        pendientes[producto] = fila
    return pendientes


_POR_CELDA = 4  # up to this many pending rows in a frame, written cell by cell


def huella(pendientes: dict) -> tuple:
    """What `superponer` depends on in `pendientes`, comparable: a frame made for an equal huella is
    the same frame (values with their types: 12 and "12" are written differently)."""
    return tuple(
        (p, tuple((type(v), v) for v in (fila.get(c) for c in CAMPOS))) for p, fila in sorted(pendientes.items())
    )


def superponer(frame: pd.DataFrame, pendientes: dict) -> pd.DataFrame:
    """`frame` with the pending values of its products written over the saved ones."""
    out = frame.copy()
    productos = [p for p in pendientes if p in out.index]

    def celda(producto: str, campo: str) -> Any:
        valor = pendientes[producto][campo]
        if campo in CANTIDADES and valor is not None:
            valor = valor if isinstance(valor, str) else _como_texto(valor)
        return valor

    if len(productos) <= _POR_CELDA:
        for producto in productos:
            for campo in CAMPOS:
                out.at[producto, campo] = celda(producto, campo)
            out.at[producto, "guardado"] = (out.at[producto, "guardado"] + " ✏️").strip()
        return out
    # Many pending rows: column by column over their positions (a cell at a time costs ~0.5 ms a
    # product, and a person may have hundreds pending before saving).
    posiciones = out.index.get_indexer(productos)
    for campo in CAMPOS:
        columna = out[campo].to_numpy(dtype=object, copy=True)
        columna[posiciones] = [celda(p, campo) for p in productos]
        out[campo] = pd.Series(columna, index=out.index, dtype=object)
    guardado = out["guardado"].to_numpy(dtype=object, copy=True)
    guardado[posiciones] = [(g + " ✏️").strip() for g in guardado[posiciones]]
    out["guardado"] = pd.Series(guardado, index=out.index, dtype=frame["guardado"].dtype)
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


def _guardada(linea) -> dict | None:
    if linea is None:
        return None
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
    # The unit's saved lines by product, read once (a filter per pending product cost ~1.7 ms each).
    columnas = ("producto", "tipo", "ambito", "causa", "pacientes", "eventos")
    por_producto: dict[str, dict] = {}
    for valores in zip(*(lineas[c].tolist() for c in columnas), strict=True):
        por_producto.setdefault(valores[0], dict(zip(columnas, valores, strict=True)))
    for producto, fila in pendientes.items():
        guardada = _guardada(por_producto.get(producto))
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
