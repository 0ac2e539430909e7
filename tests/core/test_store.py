"""The store: migrations, the transaction helper, write serialisation, the file lock."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from pathlib import Path

import bcrypt
import duckdb
import pytest

from core.base import auditoria
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, INICIO, PASSWORD, _poblar, poblado

RAIZ = Path(__file__).resolve().parents[2]


def test_migraciones_se_aplican_una_vez(tmp_path):
    s = Store(tmp_path / "a.duckdb")
    assert s.migrar() == []
    assert s.valor("SELECT count(*) FROM schema_migrations") >= 1
    s.close()
    s = Store(tmp_path / "a.duckdb")
    assert s.migrar() == []
    s.close()


def test_transaccion_revierte_todo_ante_un_error():
    s = Store(":memory:")
    with pytest.raises(RuntimeError):
        with s.transaction() as tx:
            tx.execute("INSERT INTO ajuste VALUES ('a', '1')")
            raise RuntimeError("falla a la mitad")
    assert s.valor("SELECT count(*) FROM ajuste") == 0


def test_transaccion_anidada_se_une_a_la_externa():
    s = Store(":memory:")
    with pytest.raises(RuntimeError):
        with s.transaction() as tx:
            tx.execute("INSERT INTO ajuste VALUES ('a', '1')")
            with s.transaction() as tx2:
                assert tx2 is tx
                tx2.execute("INSERT INTO ajuste VALUES ('b', '2')")
            raise RuntimeError
    assert s.valor("SELECT count(*) FROM ajuste") == 0


def test_incrementos_concurrentes_no_se_pierden():
    s = Store(":memory:")
    with s.transaction() as tx:
        tx.execute("INSERT INTO ajuste VALUES ('n', '0')")

    def sumar():
        for _ in range(50):
            s.escribir(
                lambda tx: tx.execute(
                    "UPDATE ajuste SET valor = CAST(CAST(valor AS INTEGER) + 1 AS VARCHAR) WHERE clave = 'n'"
                )
            )

    hilos = [threading.Thread(target=sumar) for _ in range(8)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert s.valor("SELECT valor FROM ajuste") == "400"


@pytest.mark.solo_duckdb
def test_segundo_proceso_recibe_mensaje_claro(store_archivo):
    codigo = (
        f"import sys; sys.path.insert(0, {str(RAIZ)!r})\n"
        "from core.base.store import Store\nfrom core.base.errors import BaseDeDatosOcupada\n"
        f"try:\n    Store({store_archivo.ruta!r})\nexcept BaseDeDatosOcupada as e:\n    print('MENSAJE:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", codigo], capture_output=True, text=True, timeout=60)
    assert "MENSAJE: La base de datos" in out.stdout and "en uso por otro proceso" in out.stdout, out.stderr
    assert "Traceback" not in out.stderr


def test_guardados_simultaneos_no_pierden_ni_duplican(store_archivo):
    """Two people of one OOAD on different units and on the same unit, and another OOAD, at once."""
    from core.accounts import cuentas

    s = store_archivo
    chih, qroo = cuentas.obtener(s, "chihuahua"), cuentas.obtener(s, "quintana-roo")
    ciclo.declarar(s, chih, "x", ANIO, "SI")
    ciclo.declarar(s, qroo, "x", ANIO, "SI")
    productos = ["47.01", "47.09", "51.23", "53.00", "13.41", "14.74", "39.95", "LAB-0001", "LAB-0002", "LAB-0003"]
    trabajos = []
    # Different units of one OOAD, and the same unit by two people (different products).
    for unidad, persona, prods in [
        ("IL-CH-0001", "Ana", productos[:5]),
        ("IL-CH-0002", "Beto", productos),
        ("IL-CH-0001", "Carla", productos[5:]),
        ("IL-QR-0001", "Dora", productos),
        ("IL-QR-0002", "Eli", productos),
    ]:
        c = chih if unidad.startswith("IL-CH") else qroo
        for p in prods:
            trabajos.append((c, persona, unidad, p))
    errores = []

    def correr(c, persona, unidad, p):
        try:
            captura.guardar(s, c, persona, ANIO, unidad, [FilaCaptura(p, exc_pacientes=3)])
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errores.append(e)

    hilos = [threading.Thread(target=correr, args=t) for t in trabajos]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert errores == []
    assert s.valor("SELECT count(*) FROM linea") == len(trabajos)
    assert s.valor("SELECT count(*) FROM (SELECT DISTINCT unidad, producto FROM linea) AS t") == len(trabajos)
    assert s.valor("SELECT count(*) FROM auditoria WHERE accion = 'línea creada'") == len(trabajos)


def test_el_mismo_producto_a_la_vez_uno_gana_el_otro_es_conflicto(store_archivo):
    from core.accounts import cuentas
    from core.base.errors import ConflictoEdicion

    s = store_archivo
    chih = cuentas.obtener(s, "chihuahua")
    ciclo.declarar(s, chih, "x", ANIO, "SI")
    barrera = threading.Barrier(6)
    resultados = []

    def correr(i):
        barrera.wait()
        try:
            captura.guardar(s, chih, f"p{i}", ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=i + 1)])
            resultados.append("ok")
        except ConflictoEdicion:
            resultados.append("conflicto")

    hilos = [threading.Thread(target=correr, args=(i,)) for i in range(6)]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    assert sorted(resultados) == ["conflicto"] * 5 + ["ok"]
    assert s.valor("SELECT count(*) FROM linea") == 1


# -- every acknowledged write is in the database file, not only in DuckDB's WAL -----------------------
def _solo_el_archivo(ruta: Path, destino: Path) -> duckdb.DuckDBPyConnection:
    """The database as a crash would leave it if the WAL were lost or replayed wrongly."""
    shutil.copy(ruta, destino)
    return duckdb.connect(str(destino), read_only=True)


@pytest.mark.solo_duckdb
def test_lo_confirmado_ya_esta_en_el_archivo(tmp_path):
    s = Store(tmp_path / "a.duckdb")
    s.escribir(lambda tx: tx.execute("INSERT INTO ajuste VALUES ('x', 'confirmado')"))
    con = _solo_el_archivo(tmp_path / "a.duckdb", tmp_path / "copia.duckdb")
    assert con.execute("SELECT valor FROM ajuste WHERE clave = 'x'").fetchone() == ("confirmado",)
    con.close()
    s.close()


@pytest.mark.solo_duckdb
def test_se_asienta_aunque_otra_sesion_este_leyendo(tmp_path):
    """A plain CHECKPOINT fails while a reader's transaction is open; FORCE CHECKPOINT waits for it."""
    s = Store(tmp_path / "a.duckdb")
    lector = s._con.cursor()
    lector.begin()
    assert lector.execute("SELECT count(*) FROM ajuste").fetchone() == (0,)
    hilo = threading.Timer(0.3, lector.commit)
    hilo.start()
    s.escribir(lambda tx: tx.execute("INSERT INTO ajuste VALUES ('x', 'con lector')"))
    hilo.join()
    lector.close()
    con = _solo_el_archivo(tmp_path / "a.duckdb", tmp_path / "copia.duckdb")
    assert con.execute("SELECT valor FROM ajuste WHERE clave = 'x'").fetchone() == ("con lector",)
    con.close()
    s.close()


class _ConexionSinCheckpoint:
    """Delegates to a real connection; every CHECKPOINT fails as a full disk would make it."""

    def __init__(self, real):
        self._real = real

    def cursor(self):
        return _CursorSinCheckpoint(self._real.cursor())

    def __getattr__(self, nombre):
        return getattr(self._real, nombre)


class _CursorSinCheckpoint:
    def __init__(self, real):
        self._real = real

    def execute(self, sql, *args, **kw):
        if "CHECKPOINT" in sql.upper():
            raise duckdb.IOException("Could not write file: No space left on device")
        return self._real.execute(sql, *args, **kw)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()

    def __getattr__(self, nombre):
        return getattr(self._real, nombre)


@pytest.mark.solo_duckdb
def test_un_checkpoint_fallido_no_vuelve_error_lo_confirmado(tmp_path, caplog):
    s = Store(tmp_path / "a.duckdb")
    real = s._con
    s._con = _ConexionSinCheckpoint(real)
    s.escribir(lambda tx: tx.execute("INSERT INTO ajuste VALUES ('x', 'en el WAL')"))  # no exception
    assert "Checkpoint after a committed write failed" in caplog.text
    s._con = real
    assert s.valor("SELECT valor FROM ajuste WHERE clave = 'x'") == "en el WAL"
    s.close()
    s = Store(tmp_path / "a.duckdb")  # durable: replayed from the WAL on reopen
    assert s.valor("SELECT valor FROM ajuste WHERE clave = 'x'") == "en el WAL"
    s.close()


_COLUMNAS = {"cuenta": "* EXCLUDE (hash)", "schema_migrations": "nombre"}


def _todo(s: Store) -> dict:
    """Every table's rows, the schema (columns, defaults, constraints, indexes) and each sequence's
    next value; a password hash as whether it checks (its salt is random), no migration timestamps."""
    foto = {
        "columnas": s.filas(
            "SELECT table_name, column_name, column_default, is_nullable, data_type FROM duckdb_columns()"
            " WHERE database_name = current_database() ORDER BY ALL"
        ),
        "restricciones": s.filas(
            "SELECT table_name, constraint_type, constraint_text FROM duckdb_constraints()"
            " WHERE database_name = current_database() ORDER BY ALL"
        ),
        "indices": s.filas(
            "SELECT index_name, table_name, sql FROM duckdb_indexes() WHERE database_name = current_database() ORDER BY 1"
        ),
    }
    for (tabla,) in s.filas("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"):
        foto[tabla] = s.filas(f"SELECT {_COLUMNAS.get(tabla, '*')} FROM {tabla} ORDER BY ALL")
    foto["claves"] = [bcrypt.checkpw(PASSWORD.encode(), h.encode()) for (h,) in s.filas("SELECT hash FROM cuenta")]
    for (sec,) in s.filas("SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database()"):
        foto[sec] = s.valor(f"SELECT nextval('{sec}')")
    return foto


@pytest.mark.solo_duckdb  # on PostgreSQL poblado() populates the database in place: nothing copied
def test_el_store_de_las_pruebas_es_una_copia_fiel_de_poblar(tmp_path):
    """The `store` fixtures copy one populated template (tests/conftest.py, poblado): the copy in
    memory and the file copy hold what populating a new store leaves, and both take writes."""
    nuevo = _poblar(Store(":memory:"))
    esperado = _todo(nuevo)
    nuevo.close()
    assert esperado["claves"] == [True] * 5 and esperado["auditoria"]
    for copia in (poblado(), poblado(tmp_path / "eyf.duckdb")):
        try:
            assert _todo(copia) == esperado
            ciclo.crear_periodo_sistema(copia, ANIO + 1, INICIO, FIN)
            assert copia.valor("SELECT count(*) FROM periodo") == 2
        finally:
            copia.close()
    otra = poblado()
    assert otra.valor("SELECT count(*) FROM periodo") == 1  # each copy is its own database
    otra.close()


def test_cada_escritura_confirmada_cuenta_un_cambio(store):
    """The change counter (the key of the caches and the análisis snapshot) grows with each committed
    write, and not with a write that rolled back (PostgreSQL: the `cambios` row, bumped by the
    transaction helper; DuckDB: the audit trail's last id)."""

    def escribir(tx, clave):
        tx.execute("INSERT INTO ajuste VALUES (?, 'x')", [clave])
        auditoria.registrar(tx, cuenta=None, persona=None, accion="prueba", objeto=clave)

    antes = store.cambios()
    store.escribir(lambda tx: escribir(tx, "uno"))
    uno = store.cambios()
    assert uno > antes
    with pytest.raises(RuntimeError), store.transaction() as tx:
        escribir(tx, "dos")
        raise RuntimeError("abandonada")
    assert store.cambios() == uno
    with store.transaction(), store.transaction() as dentro:  # a nested one joins the outer write
        escribir(dentro, "tres")
    assert store.cambios() > uno
    if store.dialecto == "postgres":
        assert store.cambios() == antes + 2
