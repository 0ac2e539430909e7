"""The memory guard of every análisis request that reads more than a small result.

Before anything is built, a request's memory is estimated from counts (lines it reads; for an
exchange also lines per side and product, distinct places, rows asked for). Over `PRESUPUESTO_MB`
it is refused with a message suggesting a filter, so that one analyst never exhausts the server
that every capturista shares. Line reads (the análisis snapshot behind Panorama, Cruce and Comparar
periodos, the lines of Oportunidades, the lines behind a cell of Cruce, the confirmed outlying
figures, the full export) go through `lectura`; the exchange through `exigir_intercambio`.
A request estimated at `PESADO_MB` or more is heavy: at most one heavy request runs per server
process at a time; another waits up to `ESPERA_S` seconds for its turn and is then told that an
análisis is already running (light ones, such as one specialty, never wait).

The estimate's constants were measured with the bench's synthetic data (bench/RESULTS.md): the
national default at ~1M lines is estimated below the budget.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from core.base.errors import AnalisisDemasiadoGrande, AnalisisEnCurso

PRESUPUESTO_MB = 1_024
PESADO_MB = 64
ESPERA_S = 30.0

# Bytes of any request, per line (arrays and result tables), per candidate pair of the solver's networks, per
# cell of a block pass (two blocks are held at once: one solved while the next is evaluated), per pair of
# distinct places (matrices of km and metres) and per table row.
_BASE = 64 << 20
_POR_LINEA = 800
_POR_ARCO = 220
_POR_CELDA = 200
_POR_LUGARES = 16
_POR_FILA = 1_200

# Bytes a line read holds per line at its peak (measured at ~1M lines, bench/RESULTS.md, with margin).
POR_LINEA_INSTANTANEA = 210  # the análisis snapshot: int32 codes and quantities, DuckDB's result
POR_LINEA_LINEAS = 1_000  # every column of a line as a pandas frame (analisis.lineas)
POR_LINEA_COMPACTA = 500  # the exchange's columns, text as categoricals (analisis.lineas_compactas)
POR_LINEA_DETALLE = 600  # the lines behind a cell: 13 columns, the frame and its Arrow copy
POR_FILA_AUDITORIA = 1_000  # a confirmed outlying figure: an audit row with its JSON and names

_MB = 1 << 20
_turno = threading.Lock()


def exigir(estimado: int, lineas: int, sugerencia: str) -> int:
    """`estimado` (bytes), or AnalisisDemasiadoGrande naming the size, the budget and `sugerencia`
    (what to choose to make the request smaller) when it is over the budget."""
    if estimado > PRESUPUESTO_MB * _MB:
        raise AnalisisDemasiadoGrande(
            f"Este análisis necesitaría unos {estimado / _MB:,.0f} MB de memoria ({lineas:,} líneas) y el "
            f"servidor permite {PRESUPUESTO_MB:,} MB por análisis, para no afectar a quienes capturan. {sugerencia}"
        )
    return estimado


@contextmanager
def lectura(lineas: int, por_linea: int, sugerencia: str) -> Iterator[int]:
    """A read of `lineas` lines at `por_linea` bytes each: refused over the budget (exigir), and run
    in the process's one heavy turn when it is heavy (turno). Yields the estimate."""
    estimado = exigir(int(lineas) * int(por_linea), int(lineas), sugerencia)
    with turno(estimado):
        yield estimado


def estimar_intercambio(producto_e, producto_f, unidad_e, unidad_f, filas_tabla: int | None, retenido: int = 0) -> int:
    """Bytes an exchange request would hold at its peak, from counts of its lines.

    The product and unit of each surplus (`_e`) and shortage (`_f`) line the filters keep;
    `filas_tabla`: the ranked pairs asked for (None: all of them, bounded by the pairs there are);
    `retenido`: bytes already held for the request while it runs (the lines it is computed from,
    kept by the page), counted in its sum: the budget is for what is held at once.
    """
    from core.analysis import transporte

    n_e, n_f = len(producto_e), len(producto_f)
    if not n_e + n_f:
        return int(retenido)
    prod, _ = pd.factorize(pd.concat([pd.Series(producto_e), pd.Series(producto_f)], ignore_index=True))
    por_e = np.bincount(prod[:n_e], minlength=prod.max() + 1)
    por_f = np.bincount(prod[n_e:], minlength=prod.max() + 1)
    pares = int((por_e * por_f).sum())
    celdas = (por_e + 1) * (por_f + 1)
    # Products solved whole hold two dense blocks at a time (_POR_CELDA counts both); larger ones a
    # restricted network that pricing grows (counted at 8 times its first candidates) and a block pass
    # of CELDAS cells.
    grandes = celdas > transporte.DENSO_MAX
    bloque = max(int(celdas[~grandes].max(initial=0)), transporte.CELDAS if grandes.any() else 0)
    arcos = 8 * int((transporte.VECINOS_FALTANTE * por_f + transporte.VECINOS_EXCEDENTE * por_e)[grandes].sum())
    lugares = pd.concat([pd.Series(unidad_e), pd.Series(unidad_f)]).nunique() + 1
    matriz = lugares * lugares * _POR_LUGARES if lugares <= transporte.MAX_LUGARES + 1 else 0
    filas = pares if filas_tabla is None else min(pares, filas_tabla)
    propio = _BASE + (n_e + n_f) * _POR_LINEA + arcos * _POR_ARCO + bloque * _POR_CELDA + matriz + filas * _POR_FILA
    return int(retenido) + propio


def exigir_intercambio(producto_e, producto_f, unidad_e, unidad_f, filas_tabla: int | None, retenido: int = 0) -> int:
    """The estimate, or AnalisisDemasiadoGrande when it is over the budget."""
    estimado = estimar_intercambio(producto_e, producto_f, unidad_e, unidad_f, filas_tabla, retenido)
    return exigir(
        estimado,
        len(producto_e) + len(producto_f),
        "Elija un Grupo de Servicio o una Especialidad Troncal"
        + (" o muestre menos propuestas" if filas_tabla is None or filas_tabla > 0 else "")
        + " para reducirlo.",
    )


@contextmanager
def turno(estimado: int) -> Iterator[None]:
    """Run a heavy request (estimate >= PESADO_MB) only when no other heavy one is running."""
    if estimado < PESADO_MB * _MB:
        yield
        return
    if not _turno.acquire(timeout=ESPERA_S):
        raise AnalisisEnCurso(
            "Ya hay un análisis en curso en el servidor y este espera su turno desde hace "
            f"{ESPERA_S:,.0f} segundos. Intente de nuevo en un momento, o elija un Grupo de Servicio o una "
            "Especialidad Troncal: un análisis más acotado no espera."
        )
    try:
        yield
    finally:
        _turno.release()
