"""The análisis snapshot and the change counter: on PostgreSQL (several replicas, data changing every
second at the deadline) a selection's snapshot is rebuilt at most once a minute and only when the
counter moved; on DuckDB at once. The rule is checked on both stores by setting the dialect."""

from __future__ import annotations

import pytest

from core.accounts import cuentas
from core.analysis import analisis
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, HOY

P = "Persona de prueba"


def _guardar(store, producto: str) -> None:
    c = cuentas.obtener(store, "chihuahua")
    captura.guardar(store, c, P, ANIO, "IL-CH-0001", [FilaCaptura(producto, exc_pacientes=5)])


def _lineas(store) -> int:
    """The lines the análisis counts (from its snapshot)."""
    df = analisis.agregado(store, cuentas.obtener(store, "analista"), ANIO, ["ooad"], incluir_en_captura=True)
    return int(df["lineas"].sum())


@pytest.fixture
def con_captura(store):
    ciclo.declarar(store, cuentas.obtener(store, "chihuahua"), P, ANIO, "SI")
    _guardar(store, "47.01")
    return store


def test_en_postgres_se_reconstruye_a_lo_mas_una_vez_por_minuto(con_captura, monkeypatch):
    store = con_captura
    monkeypatch.setattr(store, "dialecto", "postgres", raising=False)
    analista = cuentas.obtener(store, "analista")
    assert _lineas(store) == 1
    leida, cambios = analisis.datos_al(store, analista, ANIO, incluir_en_captura=True)
    assert leida == HOY.astimezone() or leida.replace(tzinfo=None) == HOY
    _guardar(store, "39.95")
    assert store.cambios() > cambios
    assert _lineas(store) == 1  # within the minute: the same snapshot, though the counter moved
    assert analisis.datos_al(store, analista, ANIO, incluir_en_captura=True)[1] == cambios
    monkeypatch.setattr(analisis, "REFRESCO_SEGUNDOS", 0.0)  # the minute has passed
    assert _lineas(store) == 2
    nuevo = analisis.datos_al(store, analista, ANIO, incluir_en_captura=True)[1]
    assert nuevo == store.cambios()
    # nothing written since: kept however old it is
    inst = analisis._instantanea(store, ANIO, True)
    assert analisis._instantanea(store, ANIO, True) is inst


def test_en_duckdb_cada_escritura_se_ve_al_momento(con_captura, monkeypatch):
    store = con_captura
    monkeypatch.setattr(store, "dialecto", "duckdb", raising=False)
    assert _lineas(store) == 1
    _guardar(store, "39.95")
    assert _lineas(store) == 2
