"""Bench rows for the exchange allocation (issue 5): the national problem and the page.

Targets: the allocation over all products of a national-size problem (about 2,000 products
and 775k surplus-shortage pairs, the size measured in ../shared/STACK.md) under 1 s; the page's
script run at most 3x an empty page's (Ayuda) run the same way through AppTest. Issue 14: at ~1M
lines (the análisis bench's generator) the allocation and the proposals under 5 s and 1 GB,
measured in a process of their own capped at 3 GB (`python -m bench.intercambio escala` runs
only those rows).
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
    """(max flow, min cost in metres, seconds) of the same network by scipy's HiGHS, two stages.

    `p`: every pair, built by the all-pairs reference (bench/intercambio_pares.py)."""
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


def medir(*, referencia_lp: bool = True, escala: bool = True) -> list[tuple[str, str, str, str]]:
    """Rows (Medición, Valor, Meta, Cumple) for `make bench`."""
    from bench import intercambio_pares

    filas: list[tuple[str, str, str, str]] = []
    df = problema_nacional()
    p = intercambio_pares._pares(df, intercambio_pares.Filtros())
    n_pares = int(p.elegible.sum())
    tam = f"{PRODUCTOS:,} productos, {len(df):,} líneas, {n_pares:,} pares"

    intercambio.asignar(df)  # warm the libraries (POT loads in about 1 s, once per process)
    completo = _mediana(lambda: intercambio.asignar(df), 3)
    filas.append(
        (
            f"Asignación nacional completa ({tam}; bloques, simplex de redes por producto y tablas), mediana de 3",
            f"{completo:,.2f} s",
            "< 1 s",
            "sí" if completo < 1 else "NO",
        )
    )
    antes = _mediana(lambda: intercambio_pares.asignar(df), 3)
    filas.append(
        (
            "La misma asignación con todos los pares a la vez y OR-Tools (antes del issue 14), mediana de 3",
            f"{antes:,.2f} s",
            "",
            "",
        )
    )
    propuestas = _mediana(lambda: intercambio.oportunidades(df, limite=500), 3)
    filas.append(
        (
            f"Propuestas nacionales ordenadas (las 500 mejores de {n_pares:,}, por bloques), mediana de 3",
            f"{propuestas:,.2f} s",
            "",
            "",
        )
    )

    if referencia_lp:
        # HiGHS needs about 2 minutes for the whole national problem here: check a tenth of it.
        parte = df[df["producto"].isin([f"P{k}" for k in range(PRODUCTOS // 10)])]
        a = intercambio.asignar(parte)
        pp = intercambio_pares._pares(parte, intercambio_pares.Filtros())
        flujo, costo_m, segundos = _referencia_lp(pp)
        igual = flujo == a.cubierto and abs(costo_m / 1000 - a.paciente_km) <= 0.001 * a.cubierto + 0.1
        filas.append(
            (
                f"Referencia HiGHS (scipy linprog, 2 etapas) sobre {PRODUCTOS // 10:,} productos "
                f"({int(pp.elegible.sum()):,} pares): {flujo:,} pacientes, {costo_m / 1000:,.0f} pacientes-km",
                f"{segundos:,.1f} s",
                f"mismo óptimo que core ({a.cubierto:,}; {a.paciente_km:,.0f})",
                "sí" if igual else "NO",
            )
        )

    filas.extend(_pagina())
    if escala:
        filas.extend(medir_escala())
    return filas


# -- issue 14: the allocation and the proposals at ~100k and ~1M lines ---------------------------
TAMANOS = (100_000, 1_000_000)
LIMITE_MEMORIA = 3 << 30  # address space of each measuring process: never more than 3 GB


def medir_escala(tamanos=TAMANOS) -> list[tuple[str, str, str, str]]:
    """Time and peak memory of asignar + oportunidades(500) on the análisis bench's synthetic
    lines (bench.sintetico through core, as bench.analisis), default filters, each measured in its
    own process capped at 3 GB; at ~100k also the all-pairs version it replaced."""
    import json
    import subprocess
    import sys

    filas = []
    for n in tamanos:
        carpeta = Path(tempfile.mkdtemp(prefix="eyf-bench-escala-"))
        try:
            subprocess.run([sys.executable, "-m", "bench.intercambio", "generar", str(n), str(carpeta)], check=True)
            versiones = ("nuevo", "todos") if n <= 100_000 else ("nuevo",)
            for version in versiones:
                r = subprocess.run(
                    [sys.executable, "-m", "bench.intercambio", "medir", str(carpeta), version],
                    check=False,
                    capture_output=True,
                    text=True,
                )
                if r.returncode:
                    filas.append((f"Intercambio ~{n:,} líneas ({version})", "falló", "", r.stderr.strip()[-200:]))
                    continue
                m = json.loads(r.stdout.strip().splitlines()[-1])
                grande = n >= 1_000_000 and version == "nuevo"
                nombre = "todos los pares a la vez (antes)" if version == "todos" else "sin todos los pares"
                segundos = m["asignar_s"] + m["propuestas_s"]
                filas.append(
                    (
                        f"Asignación + 500 propuestas, {nombre}: {m['lineas']:,} líneas, {m['pares']:,} pares, "
                        f"filtros por omisión ({m['cubierto']:,} pacientes cubiertos, {m['paciente_km']:,.0f} "
                        "pacientes-km; "
                        + (
                            "ambas en una pasada, intercambio.calcular"
                            if version == "nuevo"
                            else f"propuestas {m['propuestas_s']:,.1f} s + asignación {m['asignar_s']:,.1f} s"
                        )
                        + f"; CPU {m['cpu_s']:,.1f} s; carga {m['carga']:,.1f})",
                        f"{segundos:,.1f} s",
                        "< 5 s" if grande else "",
                        ("sí" if segundos < 5 else "NO") if grande else "",
                    )
                )
                filas.append(
                    (
                        f"Memoria pico de esa corrida, {nombre} (~{n:,} líneas; RSS sobre el proceso con las "
                        "líneas ya cargadas)",
                        f"{m['pico_mb']:,.0f} MB",
                        "< 1,024 MB" if grande else "",
                        ("sí" if m["pico_mb"] < 1024 else "NO") if grande else "",
                    )
                )
                if version == "nuevo":
                    filas.append(
                        (
                            f"Estimación de la guardia para esa petición (~{n:,} líneas; presupuesto "
                            f"{m['presupuesto_mb']:,} MB)",
                            f"{m['estimado_mb']:,.0f} MB",
                            "≥ pico medido y ≤ presupuesto",
                            "sí" if m["pico_mb"] <= m["estimado_mb"] <= m["presupuesto_mb"] else "NO",
                        )
                    )
        finally:
            shutil.rmtree(carpeta, ignore_errors=True)
    return filas


def _generar(n: int, carpeta: Path) -> None:
    """The análisis bench's synthetic store of ~n lines; its lines (default switch) pickled as the
    page reads them (intercambio.lineas: the exchange's columns, text as categoricals)."""
    from bench import analisis as bench_analisis
    from core.accounts import cuentas
    from core.base import reloj

    store, _, _ = bench_analisis._preparar(carpeta, n)
    lineas = intercambio.lineas(store, cuentas.obtener(store, "analista"), reloj.hoy().year)
    store.close()
    lineas.to_pickle(carpeta / "lineas.pkl")


def _medir(carpeta: Path, version: str) -> dict:
    """One measurement in this (capped) process: the peak RSS is reset after loading the lines."""
    import gc
    import json
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (LIMITE_MEMORIA, LIMITE_MEMORIA))
    from bench import intercambio_pares
    from core.analysis import guardia

    modulo = intercambio if version == "nuevo" else intercambio_pares
    lineas = pd.read_pickle(carpeta / "lineas.pkl")
    import ot.lp.emd_wrap  # noqa: F401 - loaded as a running server has it

    estimado = intercambio.estimar(lineas, intercambio.Filtros(), 500)
    exc = lineas["tipo"] == "Excedente"
    por = lineas.groupby(["producto", "tipo"], observed=True).size().unstack(fill_value=0)
    pares = int((por.get("Excedente", 0) * por.get("Faltante", 0)).sum()) if len(por) else 0
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the peak from here on
    base = _vm("VmRSS")
    # What the page runs: both views in one pass (calcular); the all-pairs version, one after the other.
    c0, t0 = time.process_time(), time.perf_counter()
    if version == "nuevo":
        _, a = modulo.calcular(lineas, modulo.Filtros(), limite=500)
        t1 = t0
    else:
        modulo.oportunidades(lineas, modulo.Filtros(), limite=500)
        t1 = time.perf_counter()
        a = modulo.asignar(lineas, modulo.Filtros())
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    pico = _vm("VmHWM") - base
    r = {
        "lineas": len(lineas),
        "excedente": int(exc.sum()),
        "pares": pares,
        "cubierto": a.cubierto,
        "paciente_km": a.paciente_km,
        "asignar_s": t2 - t1,
        "propuestas_s": t1 - t0,
        "cpu_s": cpu,
        "pico_mb": pico / 1024,
        "estimado_mb": estimado / (1 << 20),
        "presupuesto_mb": guardia.PRESUPUESTO_MB,
        "carga": os.getloadavg()[0],
    }
    print(json.dumps(r))
    return r


def _vm(campo: str) -> int:
    """A /proc/self/status figure in kB."""
    for linea in Path("/proc/self/status").read_text().splitlines():
        if linea.startswith(campo + ":"):
            return int(linea.split()[1])
    return 0


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
    import sys

    if sys.argv[1:2] == ["generar"]:
        _generar(int(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1:2] == ["medir"]:
        _medir(Path(sys.argv[2]), sys.argv[3])
    else:
        filas = medir_escala() if sys.argv[1:2] == ["escala"] else medir()
        for fila in filas:
            print(" | ".join(fila))
