"""Shared fixtures: a fresh store per test, seeded from a small fixture catalog, with a fixed clock."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.accounts import cuentas
from core.base import reloj
from core.base.store import Store
from core.capture import catalogo
from core.lifecycle import ciclo

FIXTURES = Path(__file__).parent / "fixtures"
CATALOGO_MINI = FIXTURES / "catalogo_mini"
ANIO = 2026
INICIO, FIN = dt.date(2026, 6, 1), dt.date(2026, 6, 30)
HOY = dt.datetime(2026, 6, 15, 10, 0)
PASSWORD = "clave-de-prueba"


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


@pytest.fixture
def store():
    s = _poblar(Store(":memory:"))
    yield s
    s.close()


@pytest.fixture
def store_archivo(tmp_path):
    s = _poblar(Store(tmp_path / "eyf.duckdb"))
    yield s
    s.close()


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
