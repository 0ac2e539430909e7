"""The PostgreSQL store's bridge from DuckDB's dialect (no server needed), and, on PostgreSQL
(EYF_PRUEBAS_PG=1), what only several processes on one database can show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.base.store_pg import traducir
from tests.conftest import EN_POSTGRES

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
