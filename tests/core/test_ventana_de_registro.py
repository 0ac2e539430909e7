"""The registration window includes its first and last days, whole, as days of Mexico City: an OOAD/UMAE
capturing on the first morning or the last night must not be locked out by a boundary or a time zone."""

from __future__ import annotations

import datetime as dt
import types

import pytest

from core.base import reloj
from core.base.errors import CapturaBloqueada
from core.capture import captura
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, INICIO

P = "Persona de prueba"
HGZ6 = "IL-CH-0001"
UTC = dt.UTC


def _captura_permitida(store, c) -> bool:
    """Declare and save one line at the clock's current time; False if core locks the capture."""
    try:
        ciclo.declarar(store, c, P, ANIO, "SI")
        captura.guardar(store, c, P, ANIO, HGZ6, [])
    except CapturaBloqueada:
        return False
    return True


@pytest.mark.parametrize(
    "momento,abierta",
    [
        (dt.datetime.combine(INICIO, dt.time(0, 0)), True),
        (dt.datetime.combine(INICIO - dt.timedelta(days=1), dt.time(23, 59, 59)), False),
        (dt.datetime.combine(FIN, dt.time(23, 59, 59)), True),
        (dt.datetime.combine(FIN + dt.timedelta(days=1), dt.time(0, 0)), False),
    ],
    ids=["primer-dia-00:00", "vispera-23:59", "ultimo-dia-23:59", "dia-siguiente-00:00"],
)
def test_la_ventana_incluye_el_primer_y_el_ultimo_dia_completos(store, cuenta, momento, abierta):
    reloj.fijar(momento)
    p = ciclo.periodo(store, ANIO)
    assert p.ventana_abierta() is abierta
    assert (ciclo.motivo_bloqueo(store, ANIO, "chihuahua") is None) is abierta
    assert _captura_permitida(store, cuenta("chihuahua")) is abierta


def test_el_primer_dia_cuenta_en_los_dias_restantes():
    p = ciclo.Periodo(ANIO, INICIO, FIN, False)
    assert p.dias_restantes(INICIO) == (FIN - INICIO).days + 1 == 30
    assert p.dias_restantes(FIN) == 1
    assert p.dias_restantes(FIN + dt.timedelta(days=1)) == 0
    assert p.ventana_abierta(INICIO) and p.ventana_abierta(FIN)


@pytest.mark.parametrize(
    "instante_utc,abierta",
    [
        # Mexico City is UTC-6 all year since 2022: 30/06 23:59 there is 01/07 05:59 UTC.
        (dt.datetime(2026, 7, 1, 5, 59, tzinfo=UTC), True),
        (dt.datetime(2026, 7, 1, 6, 0, tzinfo=UTC), False),
        # 01/06 00:00 there is 01/06 06:00 UTC; at 01/06 05:59 UTC it is still 31/05 in Mexico City.
        (dt.datetime(2026, 6, 1, 6, 0, tzinfo=UTC), True),
        (dt.datetime(2026, 6, 1, 5, 59, tzinfo=UTC), False),
    ],
)
def test_los_dias_de_la_ventana_son_los_de_la_ciudad_de_mexico(store, cuenta, instante_utc, abierta):
    reloj.fijar(instante_utc)
    assert reloj.ahora() == instante_utc
    assert _captura_permitida(store, cuenta("chihuahua")) is abierta


def test_el_reloj_real_lee_la_hora_de_la_ciudad_de_mexico_aunque_el_servidor_este_en_utc(monkeypatch):
    """With no clock set, `hoy` is Mexico City's date even where the machine's own clock is UTC."""
    instante = dt.datetime(2026, 7, 1, 5, 30, tzinfo=UTC)  # 30/06 23:30 in Mexico City

    class RelojDelServidor(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return instante.astimezone(tz) if tz else instante.replace(tzinfo=None)

    monkeypatch.setattr(reloj, "dt", types.SimpleNamespace(datetime=RelojDelServidor))
    reloj.fijar(None)
    assert reloj.hoy() == FIN
    assert ciclo.Periodo(ANIO, INICIO, FIN, False).ventana_abierta()


def test_un_periodo_cerrado_no_tiene_ventana_ni_dias_aunque_sus_fechas_sigan(store, cuenta):
    ciclo.cerrar_periodo(store, cuenta("admin"), ANIO)
    p = ciclo.periodo(store, ANIO)
    assert INICIO <= reloj.hoy() <= FIN
    assert not p.ventana_abierta() and p.dias_restantes() == 0


def test_una_ventana_de_un_solo_dia_es_valida_y_abre_ese_dia(store, cuenta):
    admin = cuenta("admin")
    dia = dt.date(2027, 3, 10)
    p = ciclo.crear_periodo(store, admin, 2027, dia, dia)
    assert (p.inicio, p.fin) == (dia, dia) and p.ventana_abierta(dia) and p.dias_restantes(dia) == 1
    assert ciclo.cambiar_ventana(store, admin, 2027, dia, dia + dt.timedelta(days=1)).fin == dia + dt.timedelta(days=1)
    assert ciclo.cambiar_ventana(store, admin, 2027, dia, dia).fin == dia


def test_el_periodo_actual_pasa_al_nuevo_en_su_primer_dia(store, cuenta):
    """2026 left open by mistake: from the first day of 2027's window, 2027 is the current period."""
    ciclo.crear_periodo(store, cuenta("admin"), 2027, dt.date(2027, 1, 10), dt.date(2027, 2, 10))
    reloj.fijar(dt.datetime(2027, 1, 9, 23, 59))
    assert ciclo.periodo_actual(store).anio == ANIO
    reloj.fijar(dt.datetime(2027, 1, 10, 0, 0))
    assert ciclo.periodo_actual(store).anio == 2027
