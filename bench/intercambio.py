"""Bench rows for the exchange allocation (issue 5): the national problem and the page.

Targets: the min-cost max-flow over all products of a national-size problem (about 2,000 products
and 775k surplus-shortage pairs, the size measured in ../shared/STACK.md) under 1 s; the page's
script run at most 3x an empty page's (Ayuda) run the same way through AppTest.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from bench.__main__ import _mediana
from core import instalacion
from core.analysis import intercambio

PRODUCTOS = 2_000
UNIDADES = 1_410  # as many as the shipped catalog
# Lines per product and side: 10..30 surplus and 10..30 shortage lines at distinct units give
# about 20 x 20 x 2,000 = 800k candidate pairs.
LINEAS_MIN, LINEAS_MAX = 10, 31
REMOTOS = 26  # products flagged remote in the shipped catalog
SEMILLA = 2026


def problema_nacional(semilla: int = SEMILLA) -> pd.DataFrame:
    """A lines DataFrame shaped like core.analysis.analisis.lineas, built with numpy (seeded)."""
    rng = np.random.default_rng(semilla)
    # Units spread over Mexico's bounding box, each in one of 32 states.
    lat = rng.uniform(14.6, 32.5, UNIDADES)
    lon = rng.uniform(-117.0, -86.8, UNIDADES)
    estado = rng.integers(1, 33, UNIDADES)
    n_exc = rng.integers(LINEAS_MIN, LINEAS_MAX, PRODUCTOS)
    n_fal = rng.integers(LINEAS_MIN, LINEAS_MAX, PRODUCTOS)
    n = n_exc + n_fal
    # Distinct units per product: the first n[p] columns of a random permutation of each row.
    permutacion = np.argsort(rng.random((PRODUCTOS, UNIDADES)), axis=1)
    toma = np.arange(UNIDADES)[None, :] < n[:, None]
    producto = np.repeat(np.arange(PRODUCTOS), n)
    unidad = permutacion[toma]
    rango = np.arange(len(producto)) - np.repeat(np.cumsum(n) - n, n)
    es_excedente = rango < np.repeat(n_exc, n)
    remoto = np.zeros(PRODUCTOS, dtype=bool)
    remoto[rng.choice(PRODUCTOS, REMOTOS, replace=False)] = True
    pacientes = rng.integers(1, 200, len(producto))
    claves_u = np.char.add("U", unidad.astype(str))
    claves_p = np.char.add("P", producto.astype(str))
    ent = np.char.zfill(estado[unidad].astype(str), 2)
    return pd.DataFrame(
        {
            "anio": 2026,
            "ooad": ent,
            "ooad_nombre": np.char.add("OOAD ", ent),
            "ooad_tipo": "OOAD",
            "estado_ooad": "finalizado",
            "version": 1,
            "unidad": claves_u,
            "unidad_nombre": np.char.add("Unidad ", claves_u),
            "tipo_unidad": "HGZ",
            "cve_ent": ent,
            "estado_nombre": np.char.add("Estado ", ent),
            "municipio": "",
            "lat": lat[unidad],
            "lon": lon[unidad],
            "grupo": "G",
            "grupo_nombre": "Grupo",
            "especialidad": "E",
            "especialidad_nombre": "Especialidad",
            "producto": claves_p,
            "producto_nombre": np.char.add("Producto ", claves_p),
            "remoto": remoto[producto],
            "tipo": np.where(es_excedente, "Excedente", "Faltante"),
            "ambito": np.where(rng.random(len(producto)) < 0.7, "Ambulatorio", "Hospitalario"),
            "causa": np.where(es_excedente, None, "Falta de Personal"),
            "pacientes": pacientes,
            "eventos": pacientes,
        }
    )


def _referencia_lp(p) -> tuple[int, float, float]:
    """(max flow, min cost in metres, seconds) of the same network by scipy's HiGHS, two stages."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix, vstack

    sel = np.flatnonzero(p.elegible)
    i, j, k = p.i[sel], p.j[sel], np.arange(len(sel))
    costo = np.rint(p.km_efectivo[sel] * 1000)
    a_ub = vstack(
        [
            csr_matrix((np.ones(len(k)), (i, k)), shape=(len(p.exc), len(k))),
            csr_matrix((np.ones(len(k)), (j, k)), shape=(len(p.fal), len(k))),
        ]
    ).tocsr()
    b_ub = np.concatenate([p.exc["pacientes"].to_numpy(float), p.fal["pacientes"].to_numpy(float)])
    cotas = np.column_stack([np.zeros(len(k)), p.cubrible[sel].astype(float)])
    t0 = time.perf_counter()
    maximo = linprog(-np.ones(len(k)), A_ub=a_ub, b_ub=b_ub, bounds=cotas, method="highs")
    flujo = round(-maximo.fun)
    minimo = linprog(
        costo,
        A_ub=vstack([a_ub, csr_matrix(-np.ones((1, len(k))))]).tocsr(),
        b_ub=np.append(b_ub, -flujo + 1e-6),
        bounds=cotas,
        method="highs",
    )
    return flujo, float(minimo.fun), time.perf_counter() - t0


def medir(*, referencia_lp: bool = True) -> list[tuple[str, str, str, str]]:
    """Rows (Medición, Valor, Meta, Cumple) for `make bench`."""
    filas: list[tuple[str, str, str, str]] = []
    df = problema_nacional()
    p = intercambio._pares(df, intercambio.Filtros())
    n_pares = int(p.elegible.sum())
    tam = f"{PRODUCTOS:,} productos, {len(df):,} líneas, {n_pares:,} pares"

    sel = np.flatnonzero(p.elegible)
    argumentos = (
        p.producto[sel],
        p.i[sel],
        p.j[sel],
        p.cubrible[sel],
        np.rint(p.km_efectivo[sel] * 1000).astype(np.int64),
        p.exc["pacientes"].to_numpy(np.int64),
        p.fal["pacientes"].to_numpy(np.int64),
    )
    intercambio._resolver(*argumentos)  # warm the library
    solo = _mediana(lambda: intercambio._resolver(*argumentos), 5)
    filas.append(
        (
            f"Asignación nacional: min-cost max-flow OR-Tools, una red por producto ({tam}), mediana de 5",
            f"{solo:,.2f} s",
            "< 1 s",
            "sí" if solo < 1 else "NO",
        )
    )
    completo = _mediana(lambda: intercambio.asignar(df), 3)
    filas.append(
        (
            "Asignación nacional completa (pares, distancias, modelo, OR-Tools y tablas), mediana de 3",
            f"{completo:,.2f} s",
            "",
            "",
        )
    )
    propuestas = _mediana(lambda: intercambio.oportunidades(df, limite=500), 3)
    filas.append(
        (
            f"Propuestas nacionales ordenadas (las 500 mejores de {n_pares:,}), mediana de 3",
            f"{propuestas:,.2f} s",
            "",
            "",
        )
    )

    if referencia_lp:
        # HiGHS needs about 2 minutes for the whole national problem here: check a tenth of it.
        parte = df[df["producto"].isin([f"P{k}" for k in range(PRODUCTOS // 10)])]
        a = intercambio.asignar(parte)
        pp = intercambio._pares(parte, intercambio.Filtros())
        flujo, costo_m, segundos = _referencia_lp(pp)
        igual = flujo == a.cubierto and abs(costo_m / 1000 - a.paciente_km) <= 0.001 * a.cubierto + 0.1
        filas.append(
            (
                f"Referencia HiGHS (scipy linprog, 2 etapas) sobre {PRODUCTOS // 10:,} productos "
                f"({int(pp.elegible.sum()):,} pares): {flujo:,} pacientes, {costo_m / 1000:,.0f} pacientes-km",
                f"{segundos:,.1f} s",
                f"mismo óptimo que OR-Tools ({a.cubierto:,}; {a.paciente_km:,.0f})",
                "sí" if igual else "NO",
            )
        )

    filas.extend(_pagina())
    return filas


def _pagina() -> list[tuple[str, str, str, str]]:
    """The page's script run (new session and rerun) over the demo database, against Ayuda."""
    from bench.__main__ import _apptest_ms, sesion_de

    tmp = Path(tempfile.mkdtemp(prefix="eyf-bench-intercambio-"))
    antes = {k: os.environ.get(k) for k in ("EYF_DATA_DIR", "EYF_COOKIE_KEY")}
    os.environ["EYF_DATA_DIR"] = str(tmp)
    os.environ.setdefault("EYF_COOKIE_KEY", "b" * 64)
    filas = []
    try:
        instalacion.abrir(tmp).close()
        sesion = sesion_de("analista", "demo")
        vacia = _apptest_ms("ui/ayuda.py", sesion)
        pagina = _apptest_ms("ui/analisis_oportunidades.py", sesion)
        for i, modo in enumerate(("sesión nueva", "re-ejecución")):
            r = pagina[i] / vacia[i]
            filas.append(
                (
                    f"Oportunidades de intercambio (demo), {modo} (AppTest, mediana)",
                    f"{pagina[i]:,.0f} ms",
                    f"{r:,.1f}x sin datos ({vacia[i]:,.0f} ms; ≤ 3x)",
                    "sí" if r <= 3 else "NO",
                )
            )
    finally:
        for k, v in antes.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)
    return filas


if __name__ == "__main__":
    for fila in medir():
        print(" | ".join(fila))
