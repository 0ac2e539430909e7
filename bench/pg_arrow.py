"""How fast a selection of lines reaches Arrow from PostgreSQL (issue 13: the análisis snapshot).

Run: .venv/bin/python -m bench.pg_arrow [rows]  (starts its own throwaway cluster, see tests/postgres.py)
Compares psycopg (text and binary rows, then pyarrow), psycopg's binary COPY (rows) and ADBC's
PostgreSQL driver (COPY BINARY straight into Arrow), on a table shaped like version_final_linea.
"""

from __future__ import annotations

import sys
import time

import psycopg
import pyarrow as pa

from tests.postgres import Cluster

SQL = "SELECT anio, ooad, version, unidad, producto, tipo, ambito, causa, pacientes, eventos FROM l"


def _llenar(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(
            "CREATE TABLE l AS SELECT 2026 AS anio, 'ooad-' || (i %% 60) AS ooad, 1 AS version,"
            " 'IL-' || (i %% 9000) AS unidad, 'P' || (i %% 4000) AS producto,"
            " CASE WHEN i %% 2 = 0 THEN 'Excedente' ELSE 'Faltante' END AS tipo,"
            " CASE WHEN i %% 3 = 0 THEN 'Ambulatorio' ELSE 'Hospitalario' END AS ambito,"
            " CASE WHEN i %% 2 = 0 THEN NULL ELSE 'Falta de Personal' END AS causa,"
            " (i %% 500) + 1 AS pacientes, CASE WHEN i %% 5 = 0 THEN NULL ELSE (i %% 900) + 1 END AS eventos"
            " FROM generate_series(1, %s) i",
            [n],
        )
        con.execute("VACUUM ANALYZE l")


def _psycopg(url: str, binary: bool) -> pa.Table:
    with psycopg.connect(url) as con, con.cursor(binary=binary) as cur:
        cur.execute(SQL)
        nombres = [d.name for d in cur.description]
        filas = cur.fetchall()
    return pa.table(dict(zip(nombres, (pa.array(c) for c in zip(*filas, strict=True)), strict=True)))


def _copy(url: str) -> pa.Table:
    tipos = ["int4", "text", "int4", "text", "text", "text", "text", "text", "int4", "int4"]
    with psycopg.connect(url) as con, con.cursor() as cur:
        with cur.copy(f"COPY ({SQL}) TO STDOUT (FORMAT BINARY)") as copia:
            copia.set_types(tipos)
            filas = list(copia.rows())
    return pa.table({f"c{i}": pa.array(c) for i, c in enumerate(zip(*filas, strict=True))})


def _adbc(url: str) -> pa.Table:
    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(url) as con, con.cursor() as cur:
        cur.execute(SQL)
        return cur.fetch_arrow_table()


def main(n: int) -> None:
    cluster = Cluster().iniciar()
    print(f"cluster start (copy of a cached initdb + pg_ctl start): {cluster.segundos_inicio:.2f} s")
    try:
        url = cluster.url()
        _llenar(url, n)
        for nombre, f in [
            ("psycopg text rows -> pyarrow", lambda: _psycopg(url, False)),
            ("psycopg binary rows -> pyarrow", lambda: _psycopg(url, True)),
            ("psycopg COPY BINARY rows -> pyarrow", lambda: _copy(url)),
            ("ADBC postgresql fetch_arrow_table", lambda: _adbc(url)),
        ]:
            mejores = []
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                tabla = f()
                mejores.append((time.perf_counter() - t0, time.process_time() - c0))
            pared, cpu = min(mejores)
            print(
                f"{nombre:38s} {tabla.num_rows:>9,} rows  {pared:6.2f} s wall  {cpu:6.2f} s client CPU"
                f"  {tabla.num_rows / pared:>12,.0f} rows/s"
            )
    finally:
        cluster.detener()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
