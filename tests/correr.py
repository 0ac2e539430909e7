"""`make test`'s pytest: the whole suite on DuckDB and, at the same time, the PostgreSQL pass.

The DuckDB run (`pytest -n 2 --dist loadfile`: core, pages, browser) keeps both cores busy only part
of the time: its browser tests wait on Chromium and the servers. The PostgreSQL pass (the core suite
and the page tests named in PAGINAS_EN_POSTGRES, on a throwaway cluster: tests/postgres.py) runs
beside it at low CPU priority (nice 10, inherited by its PostgreSQL server), so it takes the idle CPU
instead of lengthening the run. Its output goes to test-artifacts/pytest-postgres.log and is shown
after the DuckDB run's; the exit status is non-zero if either run fails.

    python -m tests.correr [pytest arguments for the DuckDB run]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
BITACORA = RAIZ / "test-artifacts" / "pytest-postgres.log"
BIN_PG = Path(os.environ.get("EYF_PG_BIN", "/usr/lib/postgresql/15/bin"))

# Page tests that write through the pages, one file per kind of write: drafts and conflicts, the
# lifecycle (declare, finalize), copy-forward, bulk Excel capture, uploads (Pasos 8-9), reopening
# requests, sessions and accounts. They run on PostgreSQL too; the rest of tests/pages reads (the
# análisis, the tablero) or repeats these writes through other screens.
PAGINAS_EN_POSTGRES = [
    "tests/pages/test_borradores.py",
    "tests/pages/test_ciclo_vida.py",
    "tests/pages/test_copia.py",
    "tests/pages/test_excel.py",
    "tests/pages/test_paso8_paso9.py",
    "tests/pages/test_motivo_de_reapertura.py",
    "tests/pages/test_sesiones.py",
    "tests/pages/test_administracion.py",
]


def _pasada_postgres() -> list[str]:
    return [
        "nice",
        "-n",
        "10",
        sys.executable,
        "-m",
        "pytest",
        "-n",  # two workers: they take what CPU the DuckDB run leaves, and both cores once it ends
        "2",
        "--dist",
        "loadfile",
        "-p",
        "no:cacheprovider",
        "-q",
        "tests/core",
        *PAGINAS_EN_POSTGRES,
    ]


def main(argv: list[str]) -> int:
    if not (BIN_PG / "initdb").exists():
        print(
            f"PostgreSQL 15 no está instalado ({BIN_PG}): la suite también corre sobre PostgreSQL. "
            "Instálelo con `apt-get install postgresql` (.ci/run lo hace).",
            file=sys.stderr,
        )
        return 2
    BITACORA.parent.mkdir(exist_ok=True)
    inicio = time.monotonic()
    with open(BITACORA, "wb") as salida:
        postgres = subprocess.Popen(
            _pasada_postgres(),
            cwd=RAIZ,
            env={**os.environ, "EYF_PRUEBAS_PG": "1"},
            stdout=salida,
            stderr=subprocess.STDOUT,
        )
        try:
            duckdb = subprocess.call([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadfile", *argv], cwd=RAIZ)
            fin_duckdb = time.monotonic() - inicio
            if postgres.poll() is None:
                print("\nEsperando la pasada sobre PostgreSQL…", flush=True)
            codigo_pg = postgres.wait()
        finally:
            if postgres.poll() is None:  # interrupted (Ctrl+C): do not leave it behind
                postgres.terminate()
                postgres.wait()
    fin = time.monotonic() - inicio
    print(f"\n===== Pasada sobre PostgreSQL ({BITACORA.relative_to(RAIZ)}) =====")
    lineas = BITACORA.read_text(errors="replace").splitlines()
    resumen = [i for i, linea in enumerate(lineas) if linea.startswith(("=", "FAILED", "ERROR"))]
    print("\n".join(lineas[resumen[0] :] if resumen else lineas[-40:]))
    print(f"\nDuckDB: {fin_duckdb:.0f} s; las dos pasadas: {fin:.0f} s")
    return duckdb or codigo_pg


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
