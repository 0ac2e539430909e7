"""Shared fixtures: a fresh store per test, seeded from a small fixture catalog, with a fixed clock."""

from __future__ import annotations

import atexit
import datetime as dt
import fcntl
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from reportlab.pdfgen import canvas

from core import instalacion
from core.accounts import cuentas
from core.base import reloj, rutas
from core.base.store import Store
from core.capture import catalogo
from core.lifecycle import ciclo

FIXTURES = Path(__file__).parent / "fixtures"
CATALOGO_MINI = FIXTURES / "catalogo_mini"
ANIO = 2026
INICIO, FIN = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
HOY = dt.datetime(2026, 6, 15, 10, 0)
PASSWORD = "clave-de-prueba"


# The order files start in, longest first (measured, worker seconds): with `pytest -n 2 --dist
# loadfile` each worker takes the next file when it runs low, so the long browser files spread over
# both workers at the start and the many short files even out the end. xdist would otherwise sort
# files by their number of tests (--loadscope-reorder, on by default), which sends every one-test
# browser file to the end, where a worker sits idle while the other runs a 90 s file. The second
# file needs no demo install: the second worker runs it while the first builds the run's demo
# (demo_instalada) instead of waiting on its lock.
PRIMERO = [
    "tests/browser/test_entrada.py",
    "tests/reports/test_reporte.py",
    "tests/browser/test_analisis.py",
    "tests/browser/test_cluster.py",
    "tests/browser/test_sesiones.py",
    "tests/browser/test_administracion.py",
    "tests/browser/test_rejilla_guia.py",
    "tests/browser/test_flujo.py",
    "tests/browser/test_excel.py",
    "tests/browser/test_tablero_filas.py",
    "tests/browser/test_borradores.py",
    "tests/browser/test_copia.py",
    "tests/browser/test_firmado.py",
    "tests/core/test_analisis.py",
    "tests/core/test_choque.py",
    "tests/core/test_subidas.py",
    "tests/pages/test_administracion.py",
    "tests/core/test_respaldo.py",
    "tests/core/test_permisos_escaneo.py",
    "tests/core/test_integridad.py",
    "tests/browser/test_textos_streamlit.py",
    "tests/browser/test_marcado.py",
]


def pytest_configure(config):
    if getattr(config.option, "dist", "no") in ("loadfile", "loadscope"):
        config.option.loadscopereorder = False  # keep the order below (see PRIMERO)


def pytest_collection_modifyitems(config, items):
    orden = {ruta: i for i, ruta in enumerate(PRIMERO)}
    items.sort(key=lambda item: orden.get(item.nodeid.split("::", 1)[0], len(orden)))  # stable: the rest as collected


def pdf_firmado() -> bytes:
    """A small valid one-page PDF, as a signed report scanned or printed to PDF."""
    buf = io.BytesIO()
    lienzo = canvas.Canvas(buf)
    lienzo.drawString(72, 720, "Reporte firmado")
    lienzo.showPage()
    lienzo.save()
    return buf.getvalue()


@pytest.fixture(autouse=True)
def reloj_fijo():
    reloj.fijar(HOY)
    yield
    reloj.fijar(None)


# Cost 4 keeps hashing out of the tests' time (production's 12 costs 0.25 s a hash or a login), from
# the start of the session: the shared demo databases (pages, browser) are built with it too. The
# production cost is checked on its own (test_tablero_cuentas).
BCRYPT_PRODUCCION = cuentas.BCRYPT_COSTO
cuentas.BCRYPT_COSTO = 4


@pytest.fixture(autouse=True)
def bcrypt_rapido(monkeypatch):
    monkeypatch.setattr(cuentas, "BCRYPT_COSTO", 4)  # a test that changed it gets it back


def _poblar(store: Store) -> Store:
    datos = catalogo.leer_directorio(CATALOGO_MINI)
    with store.transaction() as tx:
        catalogo.cargar(tx, datos)
    ciclo.crear_periodo_sistema(store, ANIO, INICIO, FIN)
    h = cuentas.hash_password(PASSWORD, costo=4)
    for ooad in ("chihuahua", "quintana-roo", "umae-hes-cmn-siglo-xxi"):
        cuentas.crear(store, ooad, f"Capturista {ooad}", "capturista", ooad, hash_=h)
    cuentas.crear(store, "analista", "Analista", "analista", hash_=h)
    cuentas.crear(store, "admin", "Admin", "admin", hash_=h)
    return store


_PLANTILLA: Path | None = None
_PLANTILLA_CERROJO = threading.Lock()  # a test's threads may ask for it at once (test_choque's lanes)


def _plantilla() -> Path:
    """This process's populated database file (what `_poblar` leaves, with the clock at HOY), built
    on first use and copied by every `store`: about 45 ms of CPU a test instead of 115 (running the
    migrations and loading the catalog each time), and a file-backed store skips _poblar's seven
    checkpoints. Closed, so fully checkpointed: the file alone is the database."""
    global _PLANTILLA
    with _PLANTILLA_CERROJO:
        if _PLANTILLA is None:
            _PLANTILLA = _nueva_plantilla()
    return _PLANTILLA


def _nueva_plantilla() -> Path:
    carpeta = Path(tempfile.mkdtemp(prefix="eyf-plantilla-"))
    atexit.register(shutil.rmtree, carpeta, ignore_errors=True)
    ruta = carpeta / "plantilla.duckdb"
    previo = reloj._fijo  # built from inside some test: leave its clock as it was
    reloj.fijar(HOY)
    try:
        _poblar(Store(ruta)).close()
    finally:
        reloj.fijar(previo)
    assert not ruta.with_name(ruta.name + ".wal").exists()
    return ruta


class _StoreCopiado(Store):
    """An in-memory store that starts as a copy of the template (DuckDB's COPY FROM DATABASE: same
    tables, rows, constraints, indexes and sequences' next values), then migrates as any store."""

    def __init__(self, plantilla: Path):
        self._plantilla: Path | None = plantilla
        super().__init__(":memory:")

    def migrar(self) -> list[str]:
        if self._plantilla is not None:
            plantilla, self._plantilla = self._plantilla, None
            with self._con.cursor() as cur:
                cur.execute("ATTACH ? AS plantilla (READ_ONLY)", [str(plantilla)])
                cur.execute("COPY FROM DATABASE plantilla TO memory")
                cur.execute("DETACH plantilla")
        return super().migrar()


def mundo_sintetico(firmados: Path, anios, lineas: int, ooads: int, semilla: int):
    """A store with the shipped catalog, an admin and an analista (cost-4 hashes, password
    «clave-de-prueba») and bench.sintetico's lines for `anios` on the first `ooads` OOAD/UMAE by
    number: the análisis tests' national world in small. Returns (store, what the generator made)."""
    from bench import sintetico

    reloj.fijar(HOY)
    try:
        store = Store(":memory:")
        with store.transaction() as tx:
            catalogo.cargar(tx, catalogo.leer_directorio(catalogo.CATALOGO_DIR))
        h = cuentas.hash_password("clave-de-prueba", costo=4)
        cuentas.crear(store, "admin", "Admin", "admin", hash_=h)
        cuentas.crear(store, "analista", "Analista", "analista", hash_=h)
        claves = [o for (o,) in store.filas("SELECT clave FROM ooad ORDER BY numero LIMIT ?", [ooads])]
        resultado = sintetico.generar(
            store,
            cuentas.obtener(store, "admin"),
            list(anios),
            lineas,
            ooads=claves,
            semilla=semilla,
            directorio_firmados=firmados,
        )
    finally:
        reloj.fijar(None)
    return store, resultado


def en_memoria(base: Path) -> Store:
    """A new writable in-memory store holding a copy of the (closed) database file `base`."""
    if EN_POSTGRES:
        _COPIAS[0] += 1
        copia = f"{base}#copia{_COPIAS[0]}"
        copiar_base(base, Path(copia))
        return Store(copia)
    return _StoreCopiado(base)


_COPIAS = [0]


def poblado(ruta: str | Path = ":memory:") -> Store:
    """A new writable store holding exactly what `_poblar(Store(ruta))` leaves (mini catalog, the
    period, five accounts), copied from this process's template: in memory, or a file at `ruta`.
    On PostgreSQL: the emptied database the path stands for, filled with the rows of this process's
    populated template database (tests/postgres.py, Bases.poblada)."""
    if EN_POSTGRES:

        def poblar(s: Store) -> Store:
            previo = reloj._fijo
            reloj.fijar(HOY)
            try:
                return _poblar(s)
            finally:
                reloj.fijar(previo)

        return _BASES_PG[0].poblada(str(ruta), poblar)
    if str(ruta) == ":memory:":
        return en_memoria(_plantilla())
    ruta = Path(ruta)
    ruta.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_plantilla(), ruta)
    return Store(ruta)


@pytest.fixture
def store():
    s = poblado()
    yield s
    s.close()


@pytest.fixture
def store_archivo(tmp_path):
    s = poblado(tmp_path / "eyf.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="session")
def demo_instalada(tmp_path_factory) -> Path:
    """A data folder with the app installed in demo mode (catalog, accounts, captures), as the first
    start leaves it. Built once per run and shared by the xdist workers (the first one builds it, the
    others wait on a lock; see PRIMERO): copy the folder before use, never change it. Built without
    the checkpoint after each of its ~250 writes (Store._asentar; one at close instead): the same
    rows, in a smaller file, in about half the time (measured 29.8 s -> 15.5 s on a loaded machine)."""
    raiz = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER") and not EN_POSTGRES:  # on PostgreSQL each worker has its cluster
        raiz = raiz.parent  # the run's folder, above every worker's own
    carpeta = raiz / "demo_instalada"
    with open(raiz / "demo_instalada.lock", "w") as cerrojo:
        fcntl.flock(cerrojo, fcntl.LOCK_EX)
        if not carpeta.exists():
            nueva = raiz / f"demo_instalada.{os.getpid()}"
            shutil.rmtree(nueva, ignore_errors=True)
            antes = os.environ.get("EYF_DATA_DIR")
            if EN_POSTGRES:  # no database file: the signed PDFs go to the data folder, this one
                nueva.mkdir(parents=True)
                os.environ["EYF_DATA_DIR"] = str(nueva)
            try:
                with mock.patch.object(Store, "_asentar", lambda self: None):
                    instalacion.abrir(nueva).close()
            finally:
                if EN_POSTGRES:
                    os.environ.pop("EYF_DATA_DIR", None)
                    if antes is not None:
                        os.environ["EYF_DATA_DIR"] = antes
            assert not rutas.ruta_base(nueva).with_suffix(".duckdb.wal").exists()
            nueva.rename(carpeta)
            if EN_POSTGRES:
                _BASES_PG[0].renombrar(str(rutas.ruta_base(nueva)), str(rutas.ruta_base(carpeta)))
    return carpeta


@pytest.fixture
def cuenta(store):
    def _cuenta(usuario: str):
        c = cuentas.obtener(store, usuario)
        assert c is not None, usuario
        return c

    return _cuenta


@contextmanager
def base_retenida(ruta: Path) -> Iterator[None]:
    """The database file held open by another process, as a running server holds it."""
    proceso = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('listo', flush=True); sys.stdin.read()",
            str(ruta),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proceso.stdout.readline().strip() == "listo"
        yield
    finally:
        proceso.stdin.close()
        proceso.wait(timeout=30)
        proceso.stdout.close()


# -- the same core tests on PostgreSQL (EYF_PRUEBAS_PG=1) -------------------------------------------
EN_POSTGRES = os.environ.get("EYF_PRUEBAS_PG") == "1"


def contenido_de_la_base(store) -> bytes:
    """Every byte the store keeps (DuckDB: its file; PostgreSQL: a plain pg_dump), after close()."""
    if store.dialecto == "duckdb":
        return Path(store.ruta).read_bytes()
    from tests.postgres import BIN

    volcado = subprocess.run([str(BIN / "pg_dump"), "-d", store.ruta], check=True, capture_output=True).stdout
    # pg_dump 15.14+ wraps its output in \restrict <random key>: not the database's content
    return b"\n".join(x for x in volcado.split(b"\n") if not x.startswith((b"\\restrict", b"\\unrestrict")))


def pytest_runtest_setup(item):
    if EN_POSTGRES and item.get_closest_marker("solo_duckdb"):
        pytest.skip("about the DuckDB file itself")
    if EN_POSTGRES and sin_base(item):
        pytest.skip("opens no store: it runs once, in the DuckDB pass")


def sin_base(item) -> bool:
    """Marked sin_base, on the test or its module; `sin_base(False)` on a test of such a module
    says that this one does open a store."""
    marca = item.get_closest_marker("sin_base")
    return marca is not None and marca.args[:1] != (False,)


@pytest.fixture(autouse=True)
def _sin_base_no_abre_bases(request, monkeypatch):
    """A test marked sin_base is skipped on PostgreSQL, so the mark must be true: here (DuckDB) a
    store it opens fails it, and so does one a fixture handed it."""
    if not sin_base(request.node):
        yield
        return
    for valor in request.node.funcargs.values():
        assert not isinstance(valor, Store), "marked sin_base but a fixture gives it a store"

    def prohibido(cls, *a, **k):
        raise AssertionError("marked sin_base but opened a store")

    monkeypatch.setattr(Store, "__new__", prohibido)
    yield


@pytest.fixture(scope="session")
def _postgres():
    if not EN_POSTGRES:
        yield None
        return
    from core.base import store as modulo
    from core.base import store_pg
    from tests.postgres import Bases, Cluster

    cluster = Cluster().iniciar()
    print(f"\nPostgreSQL started in {cluster.segundos_inicio:.2f} s at {cluster.raiz}")
    bases = Bases(cluster)
    _BASES_PG[:] = [bases]
    modulo.sustituto = bases.sustituto  # from here on, module fixtures' stores are databases too
    store_pg.abiertos = bases.stores
    try:
        yield bases
    finally:
        modulo.sustituto = None
        store_pg.abiertos = None
        cluster.detener()


@pytest.fixture(autouse=True)
def _store_en_postgres(_postgres):
    """On PostgreSQL, every Store a test opens is an emptied database of the session's cluster."""
    if _postgres is None:
        yield
        return
    _postgres.en_prueba = True
    try:
        yield
    finally:
        _postgres.en_prueba = False
        _postgres.fin_de_prueba()


_BASES_PG = []  # the session's Bases, for copiar_base (set by _postgres)


def copiar_base(origen: Path, destino: Path) -> None:
    """Copy a closed store's database (DuckDB: its file; PostgreSQL: CREATE DATABASE … TEMPLATE)."""
    if not EN_POSTGRES:
        shutil.copy(origen, destino)
        return
    _BASES_PG[0].copiar(str(origen), str(destino))
