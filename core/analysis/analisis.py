"""The division's analysis: which lines count in a period, and the aggregates every page shows.

One selection (`_SELECCION_SQL`) decides the lines for every page, so Panorama, Cruce and
exports always agree: per period, the latest final version of each OOAD/UMAE that is finalizado
or firmado; with `incluir_en_captura`, also the current lines of those en captura (a reopened
OOAD/UMAE is en captura, so its older final version no longer counts). Aggregates are DuckDB SQL
over that selection; pandas only reshapes the small results for display.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.analysis import guardia
from core.base import reloj, texto
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.capture import atipicos, captura, catalogo
from core.lifecycle import ciclo

EXCEDENTE, FALTANTE = "Excedente", "Faltante"
MEDIDAS = {"pacientes": "Pacientes mensuales", "eventos": "Eventos mensuales"}
# The cross-tab's cell values. «Intercambiable»: the smaller of surplus and shortage, what could be
# exchanged within the cell; a balance near 0 hides a cell where large surplus meets large shortage.
VALORES = {
    "balance": "Balance (Excedente − Faltante)",
    "excedente": "Excedente",
    "faltante": "Faltante",
    "intercambiable": "Intercambiable (el menor de Excedente y Faltante)",
}
# The heatmap's colours saturate at this percentile of the cells' absolute values, so that one
# extreme cell does not wash the others out (the true value stays in the hover and the table).
PERCENTIL_COLOR = 95
# Excedentes carry no cause: in a cross-tab by cause they sit in a bucket of their own.
SIN_CAUSA = "Sin causa (Excedentes)"
# Shown when a key is gone from the catalog (a final version keeps lines of a retired unit).
SIN_DATO = "Sin dato"

# Which lines count: latest final version of finalizado/firmado, plus (switch) current lines of
# en captura. Names of final versions are the ones copied when finalizing (what was signed).
_SELECCION_SQL = """
base AS (
    SELECT v.anio, v.ooad, d.estado AS estado_ooad, v.version, v.unidad, v.producto,
           v.unidad_nombre, v.producto_nombre, v.grupo_nombre, v.especialidad_nombre,
           v.tipo, v.ambito, v.causa, v.pacientes, v.eventos
    FROM version_final_linea v
    JOIN declaracion d ON d.anio = v.anio AND d.ooad = v.ooad AND d.version_final = v.version
    WHERE v.anio = $anio AND d.estado IN ('finalizado', 'firmado')
    UNION ALL
    SELECT l.anio, l.ooad, d.estado, NULL::INTEGER, l.unidad, l.producto,
           NULL, NULL, NULL, NULL, l.tipo, l.ambito, l.causa, l.pacientes, l.eventos
    FROM linea l
    JOIN declaracion d ON d.anio = l.anio AND d.ooad = l.ooad
    WHERE $en_captura AND l.anio = $anio AND d.estado = 'en captura'
)"""

# The selection with every column of the contract (unit, state, catalog keys, names), for the
# line-level reads (lines, drill-down, full export).
_LINEAS_SQL = (
    _SELECCION_SQL
    + """,
sel AS (
    SELECT b.anio, b.ooad, """
    + ETIQUETA_OOAD.format(o="o")
    + """ AS ooad_nombre, o.tipo AS ooad_tipo,
           b.estado_ooad, b.version, b.unidad, coalesce(b.unidad_nombre, u.nombre) AS unidad_nombre,
           u.tipo_unidad, u.cve_ent, e.nombre AS estado_nombre, u.municipio, u.lat, u.lon,
           s.grupo, coalesce(b.grupo_nombre, g.nombre) AS grupo_nombre,
           p.especialidad, coalesce(b.especialidad_nombre, s.nombre) AS especialidad_nombre,
           b.producto, coalesce(b.producto_nombre, p.nombre) AS producto_nombre,
           coalesce(p.remoto, FALSE) AS remoto,
           b.tipo, b.ambito, b.causa, b.pacientes, b.eventos
    FROM base b
    LEFT JOIN ooad o ON o.clave = b.ooad
    LEFT JOIN unidad u ON u.clave = b.unidad
    LEFT JOIN estado e ON e.cve_ent = u.cve_ent
    LEFT JOIN producto p ON p.clave = b.producto
    LEFT JOIN especialidad s ON s.clave = p.especialidad
    LEFT JOIN grupo g ON g.clave = s.grupo
)"""
)

COLUMNAS = [
    "anio",
    "ooad",
    "ooad_nombre",
    "ooad_tipo",
    "estado_ooad",
    "version",
    "unidad",
    "unidad_nombre",
    "tipo_unidad",
    "cve_ent",
    "estado_nombre",
    "municipio",
    "lat",
    "lon",
    "grupo",
    "grupo_nombre",
    "especialidad",
    "especialidad_nombre",
    "producto",
    "producto_nombre",
    "remoto",
    "tipo",
    "ambito",
    "causa",
    "pacientes",
    "eventos",
]

# Spanish headers of the full export (one row per line, every column).
ENCABEZADOS = {
    "anio": "Periodo",
    "ooad": "Clave OOAD/UMAE",
    "ooad_nombre": "OOAD/UMAE",
    "ooad_tipo": "Tipo OOAD/UMAE",
    "estado_ooad": "Semáforo (estado del registro)",
    "version": "Versión Final",
    "unidad": "Clave de la Unidad Médica",
    "unidad_nombre": "Unidad Médica",
    "tipo_unidad": "Tipo de unidad",
    "cve_ent": "Clave INEGI del estado",
    "estado_nombre": "Estado",
    "municipio": "Municipio",
    "lat": "Latitud",
    "lon": "Longitud",
    "grupo": "Clave del Grupo de Servicio",
    "grupo_nombre": "Grupo de Servicio",
    "especialidad": "Clave de la Especialidad Troncal",
    "especialidad_nombre": "Especialidad Troncal",
    "producto": "Clave del producto",
    "producto_nombre": "Producto",
    "remoto": "Entrega a distancia",
    "tipo": "Excedente/Faltante",
    "ambito": "Ambulatorio/Hospitalario",
    "causa": "Causa Principal",
    "pacientes": "Pacientes Mensuales",
    "eventos": "Eventos Mensuales",
}


@dataclass(frozen=True)
class Dimension:
    """A way to cut the lines. SQL here is constants of this module, never user text."""

    titulo: str
    columna: str  # over the enriched selection (`sel`) and the snapshot (same name)
    etiqueta: tuple[str, str, str] | None = None  # (table, key column, label SQL on alias {t})


DIMENSIONES = {
    "estado": Dimension("Estado", "cve_ent", ("estado", "cve_ent", "{t}.nombre")),
    "especialidad": Dimension("Especialidad Troncal", "especialidad", ("especialidad", "clave", "{t}.nombre")),
    "grupo": Dimension("Grupo de Servicio", "grupo", ("grupo", "clave", "{t}.nombre")),
    "producto": Dimension("Producto", "producto", ("producto", "clave", "{t}.clave || ' · ' || {t}.nombre")),
    "causa": Dimension("Causa Principal", "causa"),
    "ambito": Dimension("Ambulatorio/Hospitalario", "ambito"),
    "ooad": Dimension("OOAD/UMAE", "ooad", ("ooad", "clave", ETIQUETA_OOAD.format(o="{t}"))),
}


@dataclass(frozen=True)
class Filtros:
    """Empty tuples mean «todos». A cause filter narrows the Faltantes only: Excedentes have none."""

    grupos: tuple[str, ...] = ()
    especialidades: tuple[str, ...] = ()
    estados: tuple[str, ...] = ()
    causas: tuple[str, ...] = ()
    ooads: tuple[str, ...] = field(default=())

    _DIMENSION = {"grupos": "grupo", "especialidades": "especialidad", "estados": "estado", "ooads": "ooad"}

    def sql_lineas(self, params: dict) -> str:
        """WHERE terms over the enriched selection `sel` (line-level reads)."""
        partes = []
        for nombre, d in self._DIMENSION.items():
            valores = [str(v) for v in getattr(self, nombre)]
            if valores:
                params[f"f_{nombre}"] = valores
                partes.append(f"list_contains($f_{nombre}::VARCHAR[], {DIMENSIONES[d].columna})")
        if self.causas:
            params["f_causas"] = [str(c) for c in self.causas]
            partes.append("(tipo = 'Excedente' OR list_contains($f_causas::VARCHAR[], causa))")
        return " AND ".join(partes) or "TRUE"

    def sql_codigos(self, inst: _Instantanea, params: dict) -> str:
        """The same terms over the snapshot's integer codes."""
        partes = []
        for nombre, d in self._DIMENSION.items():
            valores = getattr(self, nombre)
            if valores:
                columna = DIMENSIONES[d].columna
                params[f"f_{nombre}"] = inst.codigos(columna, valores)
                partes.append(f"list_contains($f_{nombre}::INTEGER[], {columna})")
        if self.causas:
            params["f_causas"] = inst.codigos("causa", self.causas)
            params["f_exc"] = inst.codigo("tipo", EXCEDENTE)
            partes.append("(tipo = $f_exc OR list_contains($f_causas::INTEGER[], causa))")
        return " AND ".join(partes) or "TRUE"


# -- the snapshot the aggregates run on -----------------------------------------------------------
# The selection joined to the catalog once, with every key as a small integer code: grouping a
# million lines by two integer columns takes DuckDB ~20 ms here, against ~100 ms joining and
# grouping the strings on every query. It is rebuilt after any write (the audit generation).
_CODIFICADAS = ("cve_ent", "especialidad", "grupo", "ooad", "unidad", "producto", "causa", "ambito", "tipo")
_INSTANTANEA_SQL = (
    "WITH "
    + _SELECCION_SQL
    + f"""
SELECT u.cve_ent, p.especialidad, s.grupo, b.ooad, b.unidad, b.producto,
       coalesce(b.causa, '{SIN_CAUSA}') AS causa, b.ambito, b.tipo, b.pacientes, b.eventos
FROM base b
LEFT JOIN unidad u ON u.clave = b.unidad
LEFT JOIN producto p ON p.clave = b.producto
LEFT JOIN especialidad s ON s.clave = p.especialidad"""
)
# A few periods x with/without en captura; each snapshot of a million lines is about 40 MB.
_INSTANTANEAS_MAX = 4
# PostgreSQL: a selection's snapshot is rebuilt at most this often (see _vigente).
REFRESCO_SEGUNDOS = 60.0


@dataclass(frozen=True)
class _Instantanea:
    tabla: pa.Table  # int32 codes for _CODIFICADAS (null: key missing from the catalog), quantities
    valores: dict[str, list]  # column -> key of each code
    etiquetas: dict[str, list]  # column -> label of each code (catalog names at this generation)
    cambios: int = 0  # the store's change counter, read just before the data
    leida: dt.datetime | None = None  # when the data was read («Datos al …»)
    creada: float = 0.0  # time.monotonic() of that read

    def codigo(self, columna: str, clave: str) -> int:
        try:
            return self.valores[columna].index(clave)
        except ValueError:
            return -1  # matches nothing

    def codigos(self, columna: str, claves) -> list[int]:
        indice = {v: i for i, v in enumerate(self.valores[columna])}
        return [indice[c] for c in map(str, claves) if c in indice]

    def claves(self, columna: str, codigos: pd.Series) -> pd.Series:
        valores = pd.Series(self.valores[columna] + [None], dtype="object")
        pos = codigos.fillna(len(self.valores[columna])).astype("int64")
        return pd.Series(valores.to_numpy()[pos.to_numpy()], index=codigos.index).fillna("")


_instantaneas: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_candado = threading.Lock()


# What the guard suggests when a read of the whole selection is over the memory budget.
SUGERENCIA_SELECCION = (
    "Desactive «Incluir OOAD/UMAE en captura» para leer solo las Versiones Finales, o elija otro periodo."
)


def _en_cache(store: Store, clave: tuple) -> _Instantanea | None:
    """The selection's snapshot (clave = year, include-in-capture) if it still serves (_vigente)."""
    with _candado:
        inst = _instantaneas.setdefault(store, {}).get(clave)
    return inst if inst is not None and _vigente(store, inst, store.cambios()) else None


def contar_lineas(store: Store, anio: int, incluir_en_captura: bool) -> int:
    """Lines of the selection, from counts only (the snapshot's when it is built): what the memory
    guard (core.analysis.guardia) estimates a read of the whole selection from."""
    inst = _en_cache(store, (int(anio), bool(incluir_en_captura)))
    if inst is not None:
        return inst.tabla.num_rows
    return int(store.valor(f"WITH {_SELECCION_SQL} SELECT count(*) FROM base", _params(anio, incluir_en_captura)))


def _instantanea(store: Store, anio: int, incluir_en_captura: bool) -> _Instantanea:
    clave = (int(anio), bool(incluir_en_captura))
    inst = _en_cache(store, clave)
    if inst is not None:
        return inst
    n = contar_lineas(store, anio, incluir_en_captura)
    with guardia.lectura(n, guardia.POR_LINEA_INSTANTANEA, SUGERENCIA_SELECCION):
        # Another request may have built it while this one waited for its turn.
        return _en_cache(store, clave) or _construir(store, anio, incluir_en_captura, clave)


def _construir(store: Store, anio: int, incluir_en_captura: bool, clave: tuple) -> _Instantanea:
    cambios = store.cambios()  # before the data: a snapshot holds at least the writes it counts
    leida, creada = reloj.ahora(), time.monotonic()
    crudo = store.arrow_grande(_INSTANTANEA_SQL, _params(anio, incluir_en_captura))
    columnas, valores = {}, {}
    for nombre in crudo.column_names:
        col = crudo[nombre]
        if nombre in _CODIFICADAS:
            dic = pc.dictionary_encode(col).combine_chunks()
            columnas[nombre] = dic.indices.cast(pa.int32())
            valores[nombre] = dic.dictionary.to_pylist()
        else:
            columnas[nombre] = col.combine_chunks()
    etiquetas = dict(valores)
    for d in DIMENSIONES.values():
        if d.etiqueta:
            tabla, columna_clave, texto = d.etiqueta
            nombres = dict(store.filas(f"SELECT l.{columna_clave}, {texto.format(t='l')} FROM {tabla} l"))
            etiquetas[d.columna] = [nombres.get(v) for v in valores[d.columna]]
    inst = _Instantanea(pa.table(columnas), valores, etiquetas, cambios, leida, creada)
    with _candado:
        propias = _instantaneas.setdefault(store, {})
        propias.pop(clave, None)
        while len(propias) >= _INSTANTANEAS_MAX:
            del propias[next(iter(propias))]
        propias[clave] = inst
    return inst


def _vigente(store: Store, inst: _Instantanea, cambios: int) -> bool:
    """Whether a snapshot still serves: nothing was written since it was read, or (PostgreSQL) it is
    younger than REFRESCO_SEGUNDOS. At the deadline the data changes every second and each replica
    holds its own snapshot: rebuilt at most once a minute while someone views the análisis, and only
    if the change counter moved. On DuckDB (one process, a cheap rebuild) every write shows at once."""
    if inst.cambios == cambios:
        return True
    return store.dialecto == "postgres" and time.monotonic() - inst.creada < REFRESCO_SEGUNDOS


def datos_al(
    store: Store, cuenta: Cuenta | None, anio: int, *, incluir_en_captura: bool = False
) -> tuple[dt.datetime, int]:
    """When the análisis's data for this selection was read («Datos al …»), and the change counter
    it was read at (a key for the pages' caches: the same while the snapshot is the same)."""
    exigir_acceso(cuenta)
    inst = _instantanea(store, anio, incluir_en_captura)
    return inst.leida, inst.cambios


def _consultar(store: Store, inst: _Instantanea, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Run DuckDB SQL over the snapshot, visible as the table `sel`."""
    with store.cursor_analitico() as cur:
        cur.register("sel", inst.tabla)
        try:
            return cur.sql(sql, params=params or {}).to_arrow_table().to_pandas()
        finally:
            cur.unregister("sel")


def _params(anio: int, incluir_en_captura: bool) -> dict:
    return {"anio": int(anio), "en_captura": bool(incluir_en_captura)}


def _medida(medida: str) -> str:
    if medida not in MEDIDAS:
        raise ErrorDominio(f"Medida desconocida: {medida}. Elija pacientes o eventos.")
    return medida


def _dimension(nombre: str) -> Dimension:
    if nombre not in DIMENSIONES:
        raise ErrorDominio(f"Dimensión desconocida: {nombre}.")
    return DIMENSIONES[nombre]


def exigir_acceso(cuenta: Cuenta | None) -> Cuenta:
    """The analysis pages belong to the division (analista, admin); a capturista is refused."""
    return permisos.exigir_division(cuenta)


# -- the selection ------------------------------------------------------------------------------
def lineas(store: Store, cuenta: Cuenta | None, anio: int, *, incluir_en_captura: bool = False) -> pd.DataFrame:
    """Every line of the selection, one row each, with its unit, state, catalog keys and names."""
    exigir_acceso(cuenta)
    n = contar_lineas(store, anio, incluir_en_captura)
    with guardia.lectura(n, guardia.POR_LINEA_LINEAS, SUGERENCIA_SELECCION), store.cursor() as cur:
        tabla = cur.sql(
            f"WITH {_LINEAS_SQL} SELECT {', '.join(COLUMNAS)} FROM sel"
            " ORDER BY ooad_nombre, unidad_nombre, tipo DESC, producto",
            params=_params(anio, incluir_en_captura),
        ).to_arrow_table()
        # Each Arrow column is freed once converted: the lines are never held twice (~200 MB at 658k).
        df = tabla.to_pandas(split_blocks=True, self_destruct=True)
        del tabla
    df["version"] = df["version"].astype("Int64")
    df["eventos"] = df["eventos"].astype("Int64")
    df["pacientes"] = df["pacientes"].astype("Int64")
    return df


# `lineas`' order: the keys of its ORDER BY, and whether each one is descending.
ORDEN_LINEAS = (("ooad_nombre", False), ("unidad_nombre", False), ("tipo", True), ("producto", False))
# Rows per Arrow batch of the compact read.
_LOTE_COMPACTO = 100_000


def lineas_compactas(
    store: Store, cuenta: Cuenta | None, anio: int, columnas, *, incluir_en_captura: bool = False
) -> pd.DataFrame:
    """The selection's lines with only `columnas` (they must include ORDEN_LINEAS' keys), in
    `lineas`' order, every text column a pandas categorical with its categories in code-point order.

    For the exchange at ~1M lines (bench/RESULTS.md): the result streams out of DuckDB unsorted
    (an ORDER BY over the text columns made DuckDB hold every row, ~300 MB it kept afterwards) and
    each batch's text is dictionary-encoded as it arrives; the sort is then on integer ranks. 658,306
    lines take ~28 MB instead of ~260 MB for `lineas` (every column as strings); the read's peak is
    ~60-220 MB over the server's idle size instead of ~600 MB.
    Code-point order is DuckDB's VARCHAR order, NULL last as its ORDER BY puts it; rows equal on
    every key keep the order DuckDB returned them in (insertion order)."""
    columnas = list(columnas)
    faltan = [c for c, _ in ORDEN_LINEAS if c not in columnas]
    if faltan or not set(columnas) <= set(COLUMNAS):
        raise ErrorDominio(
            f"Columnas no válidas para leer las líneas: {faltan or sorted(set(columnas) - set(COLUMNAS))}."
        )
    exigir_acceso(cuenta)
    n = contar_lineas(store, anio, incluir_en_captura)
    with guardia.lectura(n, guardia.POR_LINEA_COMPACTA, SUGERENCIA_SELECCION), store.cursor() as cur:
        lector = cur.sql(
            f"WITH {_LINEAS_SQL} SELECT {', '.join(columnas)} FROM sel", params=_params(anio, incluir_en_captura)
        ).to_arrow_reader(_LOTE_COMPACTO)
        esquema = lector.schema
        lotes = [_codificar(lote) for lote in lector]
        del lector
    tabla = pa.Table.from_batches(lotes) if lotes else _codificar(esquema.empty_table())
    del lotes
    tabla = tabla.unify_dictionaries().combine_chunks()
    df = tabla.to_pandas(split_blocks=True, self_destruct=True)
    del tabla
    if "pacientes" in df.columns:
        df["pacientes"] = df["pacientes"].astype("Int64")
    df = ordenar_como_lineas(df)
    # Arrow's allocator keeps the batches' freed pages (~70 MB at 658,306 lines): hand them back.
    pa.default_memory_pool().release_unused()
    return df


def ordenar_como_lineas(df: pd.DataFrame) -> pd.DataFrame:
    """A frame whose text columns are categoricals, with its categories in code-point order and its
    rows in `lineas`' ORDER BY as DuckDB runs it (VARCHAR by code point, NULL last; ties stay)."""
    for c in df.columns:
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            df[c] = df[c].cat.reorder_categories(sorted(df[c].cat.categories))
    claves = [_rango(df[c], desc) for c, desc in ORDEN_LINEAS]
    return df.take(np.lexsort(claves[::-1])).reset_index(drop=True)


def _codificar(datos):
    """A record batch or table with its text columns dictionary-encoded."""
    columnas = [
        pc.dictionary_encode(c) if pa.types.is_string(c.type) or pa.types.is_large_string(c.type) else c
        for c in datos.columns
    ]
    return type(datos).from_arrays(columnas, names=datos.schema.names)


def _rango(serie: pd.Series, descendente: bool) -> np.ndarray:
    """Sort key of a categorical with sorted categories (its codes), NULL last either way."""
    codigos = serie.cat.codes.to_numpy().astype(np.int64)
    n = len(serie.cat.categories)
    return np.where(codigos < 0, n, n - 1 - codigos if descendente else codigos)


def exportacion_completa(
    store: Store, cuenta: Cuenta | None, anio: int, *, incluir_en_captura: bool = False
) -> pd.DataFrame:
    """The full export of a period for the division: every column, Spanish headers."""
    return lineas(store, cuenta, anio, incluir_en_captura=incluir_en_captura).rename(columns=ENCABEZADOS)


def cobertura(store: Store, cuenta: Cuenta | None, anio: int, *, incluir_en_captura: bool = False) -> dict:
    """How many OOAD/UMAE the selection covers, by lifecycle state, and its lines and units."""
    exigir_acceso(cuenta)
    ciclo.periodo(store, anio)  # a period that does not exist is a clear error, not zeros
    total = store.valor("SELECT count(*) FROM ooad")
    estados = dict(store.filas("SELECT estado, count(*) FROM declaracion WHERE anio = ? GROUP BY estado", [anio]))
    reabiertas = store.valor(
        "SELECT count(*) FROM declaracion WHERE anio = ? AND estado = 'en captura' AND version_final > 0", [anio]
    )
    inst = _instantanea(store, anio, incluir_en_captura)
    lineas_, unidades, con_lineas = (
        _consultar(store, inst, "SELECT count(*), count(DISTINCT unidad), count(DISTINCT ooad) FROM sel")
        .iloc[0]
        .tolist()
    )
    r = {
        "anio": int(anio),
        "incluir_en_captura": bool(incluir_en_captura),
        "total": int(total),
        ciclo.FINALIZADO: int(estados.get(ciclo.FINALIZADO, 0)),
        ciclo.FIRMADO: int(estados.get(ciclo.FIRMADO, 0)),
        ciclo.EN_CAPTURA: int(estados.get(ciclo.EN_CAPTURA, 0)),
        "reabiertas": int(reabiertas),
        "lineas": int(lineas_),
        "unidades": int(unidades),
        "ooad_con_lineas": int(con_lineas),
    }
    r[ciclo.SIN_INICIAR] = r["total"] - r[ciclo.FINALIZADO] - r[ciclo.FIRMADO] - r[ciclo.EN_CAPTURA]
    r["incluidas"] = r[ciclo.FINALIZADO] + r[ciclo.FIRMADO] + (r[ciclo.EN_CAPTURA] if incluir_en_captura else 0)
    return r


def describir_cobertura(c: dict) -> str:
    """The sentence every analysis page shows: period, which data, how many OOAD/UMAE."""
    cerradas = c[ciclo.FINALIZADO] + c[ciclo.FIRMADO]
    texto = (
        f"Periodo {c['anio']} · Datos: última Versión Final de {cerradas:,} OOAD/UMAE finalizadas o firmadas "
        f"({c[ciclo.FINALIZADO]:,} finalizadas, {c[ciclo.FIRMADO]:,} firmadas)"
    )
    en_captura = c[ciclo.EN_CAPTURA]
    reabiertas = f", {c['reabiertas']:,} de ellas reabiertas" if c["reabiertas"] else ""
    if c["incluir_en_captura"]:
        texto += f" más las líneas actuales de {en_captura:,} OOAD/UMAE en captura{reabiertas}"
    elif en_captura:
        texto += f"; no incluye {en_captura:,} OOAD/UMAE en captura{reabiertas}"
    return (
        texto + f" · Cubre {c['incluidas']:,} de {c['total']:,} OOAD/UMAE "
        f"({c['ooad_con_lineas']:,} con líneas) · {c['unidades']:,} Unidades Médicas · {c['lineas']:,} líneas."
    )


# -- aggregates -----------------------------------------------------------------------------------
def agregado(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    dimensiones: list[str] | tuple[str, ...],
    medida: str = "pacientes",
    filtros: Filtros | None = None,
    *,
    incluir_en_captura: bool = False,
) -> pd.DataFrame:
    """Surplus and shortage by one or two dimensions, long form: for each dimension d its
    `d_clave` and `d` (label), then excedente, faltante, balance (= excedente − faltante), lineas."""
    exigir_acceso(cuenta)
    campo = _medida(medida)
    dims = [_dimension(d) for d in dimensiones]
    if not 1 <= len(dims) <= 2 or len(set(dimensiones)) != len(dimensiones):
        raise ErrorDominio("Elija una o dos dimensiones distintas.")
    inst = _instantanea(store, anio, incluir_en_captura)
    params = {"exc": inst.codigo("tipo", EXCEDENTE), "fal": inst.codigo("tipo", FALTANTE)}
    donde = (filtros or Filtros()).sql_codigos(inst, params)
    claves = ", ".join(f"{d.columna} AS k{i}" for i, d in enumerate(dims))
    crudo = _consultar(
        store,
        inst,
        # Grouping by the kind too (one plain sum) is cheaper over a million rows than two
        # FILTERed sums; the small result is then folded into surplus and shortage.
        f"WITH t AS MATERIALIZED (SELECT {claves}, tipo, sum({campo}) AS total, count(*) AS n"
        f" FROM sel WHERE {donde} GROUP BY ALL)"
        " SELECT " + ", ".join(f"k{i}" for i in range(len(dims))) + ","
        " coalesce(sum(total) FILTER (WHERE tipo = $exc), 0)::BIGINT AS excedente,"
        " coalesce(sum(total) FILTER (WHERE tipo = $fal), 0)::BIGINT AS faltante, sum(n)::BIGINT AS lineas"
        " FROM t GROUP BY ALL",
        params,
    )
    # Codes become keys and labels by array lookups on the few hundred rows of the result.
    datos = {}
    for i, (n, d) in enumerate(zip(dimensiones, dims, strict=True)):
        valores, etiquetas = inst.valores[d.columna], inst.etiquetas[d.columna]
        pos = crudo[f"k{i}"].fillna(len(valores)).astype("int64").to_numpy()
        datos[f"{n}_clave"] = np.array([*valores, None], dtype=object)[pos]
        datos[n] = np.array([*etiquetas, None], dtype=object)[pos]
    df = pd.DataFrame(datos)
    for n in dimensiones:
        df[f"{n}_clave"] = df[f"{n}_clave"].fillna("").astype("str")
        df[n] = df[n].fillna(SIN_DATO).astype("str")
    df["excedente"], df["faltante"], df["lineas"] = (
        crudo[c].astype("int64").to_numpy() for c in ("excedente", "faltante", "lineas")
    )
    df["balance"] = df["excedente"] - df["faltante"]
    df = df.sort_values(list(dimensiones), kind="stable", ignore_index=True, key=_clave_serie)
    columnas = [c for n in dimensiones for c in (f"{n}_clave", n)]
    return df[columnas + ["excedente", "faltante", "balance", "lineas"]]


def _clave_serie(s: pd.Series) -> pd.Series:
    """pandas sort key: labels in Spanish order (core.base.texto.clave_orden), as the position of
    each label among the distinct ones (the key is computed once per label, not once per row)."""
    s = s.astype("str")
    return pd.Series(pd.Categorical(s, categories=texto.ordenar(pd.unique(s))).codes, index=s.index)


def _en_orden(ancho: pd.DataFrame) -> pd.DataFrame:
    """A pivot with its rows and columns in Spanish order of their labels."""
    return ancho.loc[texto.ordenar(ancho.index), texto.ordenar(ancho.columns)]


def cruce(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    filas: str = "estado",
    columnas: str = "especialidad",
    medida: str = "pacientes",
    filtros: Filtros | None = None,
    *,
    incluir_en_captura: bool = False,
) -> pd.DataFrame:
    """The cross-tab in long form: one row per (row value, column value) that has lines, with
    its «intercambiable» (the smaller of its surplus and shortage)."""
    largo = agregado(store, cuenta, anio, [filas, columnas], medida, filtros, incluir_en_captura=incluir_en_captura)
    return con_intercambiable(largo)


def con_intercambiable(largo: pd.DataFrame) -> pd.DataFrame:
    """The aggregate with `intercambiable` = min(excedente, faltante) of each of its rows."""
    return largo.assign(intercambiable=np.minimum(largo["excedente"], largo["faltante"]).astype("int64"))


def _valor(valor: str) -> str:
    if valor not in VALORES:
        raise ErrorDominio(f"Valor desconocido: {valor}.")
    return valor


def tabla_cruce(largo: pd.DataFrame, filas: str, columnas: str, valor: str = "balance") -> pd.DataFrame:
    """The long cross-tab pivoted for display: one row per row value, a column per column value,
    and totals; cells without lines are 0; rows and columns in Spanish order.

    Totals add the cells up, except for «intercambiable», whose total of a row, of a column and of
    the whole is the smaller of that row's (column's, whole's) total surplus and total shortage."""
    _valor(valor)
    if largo.empty:
        return pd.DataFrame({DIMENSIONES[filas].titulo: pd.Series(dtype="string")})
    if valor == "intercambiable" and valor not in largo:
        largo = con_intercambiable(largo)

    def pivote(v: str) -> pd.DataFrame:
        ancho = largo.pivot_table(index=filas, columns=columnas, values=v, aggfunc="sum", fill_value=0, sort=False)
        return _en_orden(ancho.astype("int64"))

    ancho = pivote(valor)
    if valor == "intercambiable":
        exc, fal = pivote("excedente"), pivote("faltante")
        ancho["Total"] = np.minimum(exc.sum(axis=1), fal.sum(axis=1))
        ancho.loc["Total"] = [*np.minimum(exc.sum(axis=0), fal.sum(axis=0)), min(exc.sum().sum(), fal.sum().sum())]
    else:
        ancho["Total"] = ancho.sum(axis=1)
        ancho.loc["Total"] = ancho.sum(axis=0)
    ancho = ancho.astype("int64")
    ancho.columns.name = None
    return ancho.reset_index(names=DIMENSIONES[filas].titulo)


def intercambiable_por(largo: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Per value of one dimension of the cross-tab, over its totals: excedente, faltante,
    intercambiable (the smaller of the two) and the share of the shortage it could cover
    (`pct_cubrible`, NaN without shortage); Spanish order, then a «Total» row."""
    if largo.empty:
        sumas = pd.DataFrame(columns=["excedente", "faltante"], dtype="int64")
    else:
        sumas = largo.groupby(dimension, sort=False)[["excedente", "faltante"]].sum().astype("int64")
        sumas = sumas.loc[texto.ordenar(sumas.index)]
    sumas.loc["Total"] = [int(largo["excedente"].sum()), int(largo["faltante"].sum())] if len(largo) else [0, 0]
    sumas = sumas.astype("int64")
    sumas["intercambiable"] = np.minimum(sumas["excedente"], sumas["faltante"])
    fal = sumas["faltante"].astype("float64")
    sumas["pct_cubrible"] = (100 * sumas["intercambiable"] / fal.where(fal > 0)).round(1)
    return sumas.reset_index(names=dimension)


def tabla_intercambiable(largo: pd.DataFrame, dimension: str, medida: str = "pacientes") -> pd.DataFrame:
    """`intercambiable_por` with Spanish headers, as shown and downloaded."""
    m = MEDIDAS[_medida(medida)].split()[0]
    return intercambiable_por(largo, dimension).rename(
        columns={
            dimension: DIMENSIONES[dimension].titulo,
            "excedente": f"{m} excedentes",
            "faltante": f"{m} faltantes",
            "intercambiable": f"Intercambiable ({m.lower()})",
            "pct_cubrible": "% del faltante cubrible",
        }
    )


def limite_color(m: pd.DataFrame, percentil: float = PERCENTIL_COLOR) -> int:
    """Where a heatmap's colour scale saturates: the `percentil` of the absolute values of the
    cells that have any (at least 1). Cells beyond it take the scale's end colour."""
    valores = np.abs(m.to_numpy(dtype="float64")).ravel() if m.size else np.empty(0)
    valores = valores[valores > 0]
    if not len(valores):
        return 1
    return max(1, int(np.ceil(np.percentile(valores, percentil))))


def matriz(
    largo: pd.DataFrame,
    filas: str,
    columnas: str,
    valor: str = "balance",
    *,
    max_filas: int = 40,
    max_columnas: int = 40,
) -> tuple[pd.DataFrame, bool]:
    """(row × column matrix of `valor`, whether it was cut) for a heatmap: the values with the most
    volume (surplus + shortage) when there are more than fit on a chart, in Spanish order. The
    choice does not depend on `valor`: the matrices of two values line up cell by cell."""
    _valor(valor)
    if largo.empty:
        return pd.DataFrame(), False
    if valor == "intercambiable" and valor not in largo:
        largo = con_intercambiable(largo)
    volumen = largo.assign(_v=largo["excedente"] + largo["faltante"])
    top_f = volumen.groupby(filas)["_v"].sum().nlargest(max_filas).index
    top_c = volumen.groupby(columnas)["_v"].sum().nlargest(max_columnas).index
    recortado = len(top_f) < largo[filas].nunique() or len(top_c) < largo[columnas].nunique()
    parte = largo[largo[filas].isin(top_f) & largo[columnas].isin(top_c)]
    m = parte.pivot_table(index=filas, columns=columnas, values=valor, aggfunc="sum", fill_value=0, sort=False)
    return _en_orden(m.astype("int64")), recortado


SUGERENCIA_CELDA = (
    "Elija una celda con menos líneas, o filtre por Grupo de Servicio, Especialidad Troncal o Estado para reducirlo."
)


def _contar_celda(store: Store, anio: int, seleccion: dict[str, str], filtros: Filtros, incluir: bool) -> int:
    """Lines behind a cell, counted on the snapshot's codes (as the cross-tab counts them)."""
    inst = _instantanea(store, anio, incluir)
    params: dict = {}
    condiciones = [filtros.sql_codigos(inst, params)]
    for i, (nombre, clave) in enumerate(seleccion.items()):
        columna = _dimension(nombre).columna
        if str(clave) == "" and columna != "causa":  # a key missing from the catalog: no code
            condiciones.append(f"{columna} IS NULL")
        else:
            params[f"c{i}"] = inst.codigo(columna, str(clave))
            condiciones.append(f"{columna} = $c{i}")
    return int(
        _consultar(store, inst, f"SELECT count(*) AS n FROM sel WHERE {' AND '.join(condiciones)}", params)["n"][0]
    )


def detalle(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    seleccion: dict[str, str],
    filtros: Filtros | None = None,
    *,
    incluir_en_captura: bool = False,
) -> pd.DataFrame:
    """The lines behind a cell: `seleccion` maps dimension -> key (e.g. {"estado": "08",
    "especialidad": "HEM"}); Spanish headers, ready to show and download."""
    exigir_acceso(cuenta)
    params = _params(anio, incluir_en_captura)
    condiciones = [(filtros or Filtros()).sql_lineas(params)]
    for i, (nombre, clave) in enumerate(seleccion.items()):
        params[f"s{i}"] = str(clave)
        columna = _dimension(nombre).columna
        columna = f"coalesce(causa, '{SIN_CAUSA}')" if columna == "causa" else columna
        condiciones.append(f"coalesce({columna}, '') = $s{i}")
    n = _contar_celda(store, anio, seleccion, filtros or Filtros(), incluir_en_captura)
    with guardia.lectura(n, guardia.POR_LINEA_DETALLE, SUGERENCIA_CELDA):
        df = store.df(
            f"WITH {_LINEAS_SQL} SELECT ooad_nombre, unidad_nombre, estado_nombre, grupo_nombre,"
            " especialidad_nombre, producto, producto_nombre, tipo, ambito, causa, eventos, pacientes, version"
            f" FROM sel WHERE {' AND '.join(condiciones)}"
            " ORDER BY tipo DESC, ooad_nombre COLLATE es, unidad_nombre COLLATE es, producto",  # Spanish order (ICU)
            params,
        )
    return pd.DataFrame(
        {
            "OOAD/UMAE": df["ooad_nombre"],
            "Unidad Médica": df["unidad_nombre"],
            "Estado": df["estado_nombre"],
            "Grupo de Servicio": df["grupo_nombre"],
            "Especialidad Troncal": df["especialidad_nombre"],
            "Clave del producto": df["producto"],
            "Producto": df["producto_nombre"],
            "Excedente/Faltante": df["tipo"],
            "Ambulatorio/Hospitalario": df["ambito"],
            "Causa Principal": df["causa"],
            "Eventos Mensuales": df["eventos"].astype("Int64"),
            "Pacientes Mensuales": df["pacientes"].astype("Int64"),
            "Versión Final": df["version"].astype("Int64"),
        }
    )


def atipicas_confirmadas(store: Store, cuenta: Cuenta | None, anio: int) -> pd.DataFrame:
    """Cifras atípicas confirmadas (core.capture.atipicos.confirmados) once the memory guard, from
    the count of their audit rows, let the read through."""
    exigir_acceso(cuenta)
    n = store.valor(
        "SELECT count(*) FROM auditoria WHERE accion = ? AND anio = ?", [atipicos.ACCION_CONFIRMADA, int(anio)]
    )
    with guardia.lectura(n, guardia.POR_FILA_AUDITORIA, "Elija otro periodo."):
        return atipicos.confirmados(store, cuenta, anio)


# -- Panorama -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Panorama:
    """The national picture of one period's selection."""

    unidades: int  # units with at least one line
    ooad_umae: int  # OOAD/UMAE with at least one line
    lineas: int
    por_tipo: pd.DataFrame  # tipo, unidades, ooad_umae, lineas, pacientes, eventos
    causas: pd.DataFrame  # causa, lineas, pacientes, eventos (Faltantes)
    ambitos: pd.DataFrame  # ambito, tipo, lineas, pacientes, eventos
    estados: pd.DataFrame  # every state: cve_ent, estado, excedente, faltante, balance, lineas


def _sumas(
    store: Store, inst: _Instantanea, grupos: list[str], donde: str = "TRUE", params: dict | None = None
) -> pd.DataFrame:
    """Lines, units, OOAD/UMAE, patients and events of the snapshot by `grupos`, keys decoded."""
    crudo = _consultar(
        store,
        inst,
        f"SELECT {', '.join(grupos)}, count(DISTINCT unidad)::BIGINT AS unidades,"
        " count(DISTINCT ooad)::BIGINT AS ooad_umae, count(*)::BIGINT AS lineas,"
        " coalesce(sum(pacientes), 0)::BIGINT AS pacientes, coalesce(sum(eventos), 0)::BIGINT AS eventos"
        f" FROM sel WHERE {donde} GROUP BY ALL",
        params,
    )
    for g in grupos:
        crudo[g] = inst.claves(g, crudo[g]).astype("str")
    return crudo


def _completar(df: pd.DataFrame, indice: pd.Index | pd.MultiIndex, columnas: list[str]) -> pd.DataFrame:
    """Every expected key present (zeros where nothing was reported), in the given order."""
    nombres = list(indice.names)
    completo = df.set_index(nombres)[columnas].reindex(indice, fill_value=0).astype("int64")
    return completo.reset_index()


def panorama(
    store: Store, cuenta: Cuenta | None, anio: int, medida: str = "pacientes", *, incluir_en_captura: bool = False
) -> Panorama:
    exigir_acceso(cuenta)
    inst = _instantanea(store, anio, incluir_en_captura)
    unidades, ooads, n = (
        _consultar(store, inst, "SELECT count(DISTINCT unidad), count(DISTINCT ooad), count(*) FROM sel")
        .iloc[0]
        .tolist()
    )
    tipos = pd.Index([EXCEDENTE, FALTANTE], name="tipo")
    por_tipo = _completar(
        _sumas(store, inst, ["tipo"]), tipos, ["unidades", "ooad_umae", "lineas", "pacientes", "eventos"]
    )
    causas = _completar(
        _sumas(store, inst, ["causa"], "tipo = $fal", {"fal": inst.codigo("tipo", FALTANTE)}),
        pd.Index(list(captura.CAUSAS), name="causa"),
        ["lineas", "pacientes", "eventos"],
    )
    ambitos = _completar(
        _sumas(store, inst, ["ambito", "tipo"]),
        pd.MultiIndex.from_product([list(captura.AMBITOS), [EXCEDENTE, FALTANTE]], names=["ambito", "tipo"]),
        ["lineas", "pacientes", "eventos"],
    )
    return Panorama(
        int(unidades),
        int(ooads),
        int(n),
        por_tipo,
        causas,
        ambitos,
        por_estado(store, cuenta, anio, medida, incluir_en_captura=incluir_en_captura),
    )


def por_estado(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    medida: str = "pacientes",
    filtros: Filtros | None = None,
    *,
    incluir_en_captura: bool = False,
) -> pd.DataFrame:
    """Every state of the catalog (zeros where nothing was reported), for the map."""
    largo = agregado(store, cuenta, anio, ["estado"], medida, filtros, incluir_en_captura=incluir_en_captura)
    estados = store.df("SELECT cve_ent, nombre AS estado FROM estado ORDER BY cve_ent")
    df = estados.merge(
        largo.drop(columns="estado").rename(columns={"estado_clave": "cve_ent"}), on="cve_ent", how="left"
    )
    for c in ("excedente", "faltante", "balance", "lineas"):
        df[c] = df[c].fillna(0).astype("int64")
    return df


def opciones_filtro(store: Store, cuenta: Cuenta | None) -> dict[str, list[tuple[str, str]]]:
    """(key, label) choices for the Cruce filters, from the catalog."""
    exigir_acceso(cuenta)
    return {
        "grupos": store.filas("SELECT clave, nombre FROM grupo ORDER BY orden, nombre"),
        "especialidades": store.filas(
            "SELECT s.clave, s.nombre FROM especialidad s JOIN grupo g ON g.clave = s.grupo"
            " ORDER BY g.orden, s.orden, s.nombre"
        ),
        "estados": sorted(store.filas("SELECT cve_ent, nombre FROM estado"), key=lambda e: texto.clave_orden(e[1])),
        "causas": [(c, c) for c in captura.CAUSAS],
    }


# -- the map's shapes ------------------------------------------------------------------------------
GEOJSON = Path(catalogo.CATALOGO_DIR) / "mexico_estados.geojson"
# The property of each feature that holds the INEGI state code (same as estado.cve_ent).
PROPIEDAD_CVE = "CVE_ENT"
# 0.05° (about 5 km, one pixel of a national map on screen) is as fine as a state-level map can
# show; rounding to it and dropping repeated points cuts the shapes sent to the browser from
# 1.2 MB to about 0.2 MB, and plotly copies them on every draw.
_PRECISION_MAPA = 20  # 1 / 0.05


def _simplificar_anillo(anillo: list) -> list:
    puntos = []
    for x, y in anillo:
        p = [round(x * _PRECISION_MAPA) / _PRECISION_MAPA, round(y * _PRECISION_MAPA) / _PRECISION_MAPA]
        if not puntos or p != puntos[-1]:
            puntos.append(p)
    if len(puntos) < 4:  # a tiny island: keep it as drawn
        return [list(p) for p in anillo]
    if puntos[0] != puntos[-1]:
        puntos.append(puntos[0])
    return puntos


class _Compartido(dict):
    """A dict shared read-only by every figure: copying it returns the same object.

    plotly deep-copies a figure's data each time it is drawn (`Figure.to_dict`); for the state
    shapes that copy took ~35 ms of every Panorama run. Nobody modifies the shapes, so a copy
    would only ever be identical.
    """

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


@functools.lru_cache(maxsize=1)
def geojson_estados() -> dict:
    """The shipped state shapes (simplified for a national map), keyed by INEGI code in
    properties.CVE_ENT. Read once per process and shared: callers must not modify it."""
    datos = _Compartido(json.loads(GEOJSON.read_text(encoding="utf-8")))
    for f in datos["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            g["coordinates"] = [_simplificar_anillo(r) for r in g["coordinates"]]
        elif g["type"] == "MultiPolygon":
            g["coordinates"] = [[_simplificar_anillo(r) for r in poli] for poli in g["coordinates"]]
        f["properties"] = {PROPIEDAD_CVE: f["properties"][PROPIEDAD_CVE], "NOM_ENT": f["properties"].get("NOM_ENT")}
    return datos


# -- tables as shown (Spanish headers), also what the downloads contain -------------------------
def tabla_por_tipo(p: Panorama) -> pd.DataFrame:
    return p.por_tipo.rename(
        columns={
            "tipo": "Excedente/Faltante",
            "unidades": "Unidades Médicas",
            "ooad_umae": "OOAD/UMAE",
            "lineas": "Líneas",
            "pacientes": "Pacientes mensuales",
            "eventos": "Eventos mensuales",
        }
    )


def tabla_causas(p: Panorama) -> pd.DataFrame:
    return p.causas.rename(
        columns={
            "causa": "Causa Principal",
            "lineas": "Líneas",
            "pacientes": "Pacientes mensuales",
            "eventos": "Eventos mensuales",
        }
    )


def tabla_ambitos(p: Panorama) -> pd.DataFrame:
    """Ambulatory against hospital: one row per ámbito, surplus and shortage side by side."""
    a = p.ambitos
    filas = []
    for ambito, g in a.groupby("ambito", sort=True):
        e = g[g["tipo"] == EXCEDENTE].iloc[0]
        f = g[g["tipo"] == FALTANTE].iloc[0]
        filas.append(
            {
                "Ambulatorio/Hospitalario": ambito,
                "Líneas de Excedente": int(e["lineas"]),
                "Líneas de Faltante": int(f["lineas"]),
                "Pacientes excedentes": int(e["pacientes"]),
                "Pacientes faltantes": int(f["pacientes"]),
                "Balance de pacientes": int(e["pacientes"] - f["pacientes"]),
                "Eventos excedentes": int(e["eventos"]),
                "Eventos faltantes": int(f["eventos"]),
                "Balance de eventos": int(e["eventos"] - f["eventos"]),
            }
        )
    return pd.DataFrame(filas)


def tabla_estados(estados: pd.DataFrame, medida: str = "pacientes") -> pd.DataFrame:
    m = MEDIDAS[_medida(medida)].split()[0]
    return estados.rename(
        columns={
            "cve_ent": "Clave INEGI",
            "estado": "Estado",
            "excedente": f"{m} excedentes",
            "faltante": f"{m} faltantes",
            "balance": f"Balance ({m.lower()})",
            "lineas": "Líneas",
        }
    )


def tabla_larga(largo: pd.DataFrame, filas: str, columnas: str, medida: str = "pacientes") -> pd.DataFrame:
    """The long cross-tab with Spanish headers (one row per cell that has lines)."""
    m = MEDIDAS[_medida(medida)].split()[0]
    return largo.drop(columns=[f"{filas}_clave", f"{columnas}_clave"]).rename(
        columns={
            filas: DIMENSIONES[filas].titulo,
            columnas: DIMENSIONES[columnas].titulo,
            "excedente": f"{m} excedentes",
            "faltante": f"{m} faltantes",
            "balance": f"Balance ({m.lower()})",
            "intercambiable": f"Intercambiable ({m.lower()})",
            "lineas": "Líneas",
        }
    )
