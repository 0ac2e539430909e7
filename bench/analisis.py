"""Análisis figures for `make bench`: the state x specialty cross-tab at ~100k and ~1M lines
(DuckDB in core against pandas pivot_table on the same lines) and the análisis pages' script runs.

Targets (issue #5): the cross-tab at 1M lines at least 3x faster than pandas and under 150 ms;
each análisis page's script run at most 3x an empty page's.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench import sintetico
from core import instalacion
from core.accounts import cuentas
from core.analysis import analisis
from core.base import reloj

TAMANOS = (100_000, 1_000_000)


def _mediana_ms(fn, n: int) -> float:
    tiempos = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        tiempos.append(time.perf_counter() - t0)
    return 1000 * statistics.median(tiempos)


def _preparar(carpeta: Path, lineas: int):
    """A store with the shipped catalog and ~`lineas` lines of one period, generated through core."""
    store = instalacion.abrir(carpeta, con_demo=False)
    h = cuentas.hash_password("bench-analisis", costo=4)
    cuentas.crear(store, "admin", "Administración (bench)", "admin", hash_=h)
    cuentas.crear(store, "analista", "Análisis (bench)", "analista", hash_=h)
    t0 = time.perf_counter()
    r = sintetico.generar(
        store,
        cuentas.obtener(store, "admin"),
        [reloj.hoy().year],
        lineas,
        semilla=5,
        directorio_firmados=carpeta / "firmados",
    )
    return store, r.lineas, time.perf_counter() - t0


def _cruce(store, anio: int, objetivo: int) -> list[tuple[str, str, str, str]]:
    analista = cuentas.obtener(store, "analista")
    t0 = time.perf_counter()
    n = analisis.cobertura(store, analista, anio, incluir_en_captura=True)["lineas"]
    primera = 1000 * (time.perf_counter() - t0)

    def duckdb():
        return analisis.cruce(store, analista, anio, "estado", "especialidad", "pacientes", incluir_en_captura=True)

    lineas = analisis.lineas(store, analista, anio, incluir_en_captura=True)[
        ["cve_ent", "especialidad", "tipo", "pacientes"]
    ]

    def pandas():
        return pd.pivot_table(
            lineas, index="cve_ent", columns=["especialidad", "tipo"], values="pacientes", aggfunc="sum", fill_value=0
        )

    # Same answer before timing: per (state, specialty) surplus and shortage.
    a = duckdb().set_index(["estado_clave", "especialidad_clave"])[["excedente", "faltante"]].sort_index()
    b = pandas().stack(level=0, future_stack=True).rename(columns={"Excedente": "excedente", "Faltante": "faltante"})
    b = b[(b["excedente"] != 0) | (b["faltante"] != 0)].sort_index()
    assert a.to_numpy().tolist() == b[["excedente", "faltante"]].to_numpy().tolist(), "DuckDB y pandas no coinciden"

    ms_duck = _mediana_ms(duckdb, 15)
    ms_pandas = _mediana_ms(pandas, 7)
    razon = ms_pandas / ms_duck
    grande = objetivo >= 1_000_000
    return [
        (
            f"Cruce estado × especialidad: primera consulta tras escribir ({n:,} líneas; arma la instantánea)",
            f"{primera:,.0f} ms",
            "",
            "",
        ),
        (
            f"Cruce estado × especialidad en DuckDB (core, {n:,} líneas)",
            f"{ms_duck:,.1f} ms",
            "< 150 ms" if grande else "",
            ("sí" if ms_duck < 150 else "NO") if grande else "",
        ),
        (f"Mismo cruce con pandas pivot_table ({n:,} líneas ya en memoria)", f"{ms_pandas:,.1f} ms", "", ""),
        (
            f"DuckDB frente a pandas ({n:,} líneas)",
            f"{razon:,.1f}x más rápido",
            "≥ 3x" if grande else "",
            ("sí" if razon >= 3 else "NO") if grande else "",
        ),
    ]


def _paginas(carpeta: Path) -> list[tuple[str, str, str, str]]:
    """Whole script runs through AppTest on the 1M-line store, each as a ratio to Ayuda."""
    from bench.__main__ import _apptest_ms, sesion_de

    anterior = os.environ.get("EYF_DATA_DIR")
    os.environ["EYF_DATA_DIR"] = str(carpeta)
    os.environ.setdefault("EYF_COOKIE_KEY", "b" * 64)
    try:
        sesion = sesion_de("analista", "bench-analisis")
        vacia = _apptest_ms("ui/ayuda.py", sesion)
        panorama = _apptest_ms("ui/analisis_panorama.py", sesion)
        cruce = _apptest_ms("ui/analisis_cruce.py", sesion)
    finally:
        if anterior is None:
            os.environ.pop("EYF_DATA_DIR", None)
        else:
            os.environ["EYF_DATA_DIR"] = anterior
    filas = []
    for i, modo in enumerate(("sesión nueva", "re-ejecución")):
        filas.append(
            (f"Página sin datos (Ayuda) como analista, {modo} (AppTest, mediana)", f"{vacia[i]:,.0f} ms", "", "")
        )
        for nombre, ms in (("Panorama nacional", panorama[i]), ("Cruce por estado y especialidad", cruce[i])):
            r = ms / vacia[i]
            filas.append(
                (
                    f"{nombre} con ~1M líneas, {modo} (AppTest, mediana)",
                    f"{ms:,.0f} ms",
                    f"{r:,.1f}x sin datos (≤ 3x)",
                    "sí" if r <= 3 else "NO",
                )
            )
    return filas


def _integridad(store) -> tuple[str, str, str, str]:
    """The start-up integrity check (every table read whole, every line against its audit row)."""
    from core.admin import integridad

    revision = integridad.revisar(store)
    auditoria = store.valor("SELECT count(*) FROM auditoria")
    return (
        f"Revisión de integridad al iniciar ({revision.lineas:,} líneas, {auditoria:,} registros de bitácora,"
        f" {revision.tablas} tablas)",
        f"{revision.segundos:,.2f} s",
        "0 diferencias",
        "sí" if not revision.hallazgos else f"NO ({len(revision.hallazgos):,})",
    )


def medir() -> list[tuple[str, str, str, str]]:
    filas: list[tuple[str, str, str, str]] = []
    anio = reloj.hoy().year
    for objetivo in TAMANOS:
        carpeta = Path(tempfile.mkdtemp(prefix="eyf-bench-analisis-"))
        try:
            store, n, segundos = _preparar(carpeta, objetivo)
            filas.append(
                (
                    f"Generación sintética por core ({n:,} líneas, un periodo, 60 OOAD/UMAE)",
                    f"{segundos:,.1f} s",
                    "",
                    "",
                )
            )
            filas.extend(_cruce(store, anio, objetivo))
            filas.append(_integridad(store))
            store.close()
            if objetivo == TAMANOS[-1]:
                filas.extend(_paginas(carpeta))
        finally:
            shutil.rmtree(carpeta, ignore_errors=True)
    return filas


if __name__ == "__main__":
    for fila in medir():
        print(" | ".join(fila))
