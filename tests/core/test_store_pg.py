"""The PostgreSQL store's bridge from DuckDB's dialect (no server needed), and, on PostgreSQL
(EYF_PRUEBAS_PG=1), what only several processes on one database can show."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from core import instalacion
from core.accounts import cuentas
from core.admin import integridad
from core.base.errors import BaseNoPreparada, ErrorDominio
from core.base.store_pg import traducir
from core.lifecycle import ciclo
from tests.conftest import ANIO, EN_POSTGRES

RAIZ = Path(__file__).resolve().parents[2]


def test_marcadores_posicionales_y_con_nombre():
    assert traducir("SELECT ? + ?, '?', \"a?\" -- ?\n", [1, 2]) == ("SELECT $1 + $2, '?', \"a?\" -- ?\n", [1, 2])
    sql, params = traducir("SELECT $b, $a, $b, '$.x'", {"a": 1, "b": 2})
    assert (sql, params) == ("SELECT $1, $2, $1, '$.x'", [2, 1])


def test_comillas_dobladas_no_cortan_el_literal():
    assert traducir("SELECT 'it''s ?', ?", ["x"])[0] == "SELECT 'it''s ?', $1"


def test_try_cast_y_funciones_renombradas():
    sql, _ = traducir("SELECT TRY_CAST(json_extract(d, '$.n') AS BIGINT), json_object('k', f(x))")
    assert sql == "SELECT _try_cast_bigint((json_extract(d, '$.n'))::text), json_build_object('k', f(x))"
    assert traducir("SELECT json_object_keys FROM t")[0] == "SELECT json_object_keys FROM t"


def test_order_by_all():
    assert traducir("SELECT a, b FROM t ORDER BY ALL")[0] == "SELECT * FROM (SELECT a, b FROM t) AS _t ORDER BY _t"


def test_tuplas_como_listas():
    assert traducir("SELECT list_contains(?, x)", [("a", "b")])[1] == [["a", "b"]]


@pytest.mark.skipif(not EN_POSTGRES, reason="needs PostgreSQL (EYF_PRUEBAS_PG=1)")
def test_otro_proceso_escribe_en_la_misma_base_a_la_vez(store):
    """What DuckDB refuses (a second process on the file) is the point on PostgreSQL."""
    codigo = (
        f"import sys; sys.path.insert(0, {str(RAIZ)!r})\n"
        "from core.base.store import Store\n"
        f"s = Store({store.ruta!r})\n"
        "s.escribir(lambda tx: tx.execute(\"INSERT INTO ajuste VALUES ('otro', 'proceso')\"))\n"
        "print('MIGRADAS:', s.migrar())\n"
    )
    with store.transaction() as tx:  # this process keeps a transaction open meanwhile
        tx.execute("INSERT INTO ajuste VALUES ('este', 'proceso')")
        out = subprocess.run([sys.executable, "-c", codigo], capture_output=True, text=True, timeout=60)
    assert "MIGRADAS: []" in out.stdout, out.stderr
    assert dict(store.filas("SELECT clave, valor FROM ajuste WHERE clave IN ('este', 'otro')")) == {
        "este": "proceso",
        "otro": "proceso",
    }


@pytest.mark.skipif(not EN_POSTGRES, reason="needs PostgreSQL (EYF_PRUEBAS_PG=1)")
def test_dos_intentos_fallidos_a_la_vez_cuentan_dos(store, monkeypatch):
    """READ COMMITTED: two wrong passwords at once on two connections (two replicas) both count,
    because the failed-login write takes the account's lock before re-reading the counter (without
    it both read 0 and write 1)."""
    real = cuentas._estado_acceso

    def lento(fila, ahora):
        time.sleep(0.3)  # widen the window between the re-read and the write
        return real(fila, ahora)

    monkeypatch.setattr(cuentas, "_estado_acceso", lento)
    barrera = threading.Barrier(2)

    def intento():
        barrera.wait()
        with pytest.raises(ErrorDominio):
            cuentas.autenticar(store, "chihuahua", "equivocada")

    hilos = [threading.Thread(target=intento) for _ in range(2)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert store.valor("SELECT fallos FROM acceso_fallido WHERE usuario = 'chihuahua'") == 2


@pytest.mark.skipif(not EN_POSTGRES, reason="needs PostgreSQL (EYF_PRUEBAS_PG=1)")
def test_la_replica_no_migra_y_lee_los_hallazgos_de_preparar(store, monkeypatch):
    from tests.conftest import _BASES_PG

    bases = _BASES_PG[0]
    vacia = bases.cluster.url(bases._nueva())  # a database `preparar` never touched
    monkeypatch.setenv("EYF_DATABASE_URL", vacia)
    with pytest.raises(BaseNoPreparada, match="core.cli preparar"):
        instalacion.abrir_servidor()
    with psycopg.connect(vacia) as con:  # the replica changed nothing
        assert con.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0

    integridad.guardar(
        store, integridad.Revision((integridad.Hallazgo("linea", "x", "1", "2", "chihuahua", "d"),), 1, 1, 0.0)
    )
    monkeypatch.setenv("EYF_DATABASE_URL", store.ruta)
    replica = instalacion.abrir_servidor()
    try:
        assert [(h.tabla, h.ooad) for h in replica.hallazgos] == [("linea", "chihuahua")]
        assert "integridad" in ciclo.motivo_bloqueo(replica, ANIO, "chihuahua")
    finally:
        replica.close()
