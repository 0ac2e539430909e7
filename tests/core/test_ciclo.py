"""Lifecycle: declaration, finalization, immutable final versions, and locks enforced in core."""

from __future__ import annotations

import datetime as dt

import pytest

from core.base import reloj
from core.base.errors import AccesoDenegado, CapturaBloqueada, ErrorDominio, TransicionInvalida
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, INICIO

P = "Persona de prueba"
HGZ6 = "IL-CH-0001"


def test_sin_iniciar_hasta_declarar(store, cuenta):
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.SIN_INICIAR
    e = ciclo.declarar(store, cuenta("chihuahua"), P, ANIO, "SI")
    assert (e.estado, e.respuesta, e.actualizada_persona) == (ciclo.EN_CAPTURA, "SI", P)


def test_si_sin_lineas_no_finaliza(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    with pytest.raises(TransicionInvalida, match="no hay ninguna línea"):
        ciclo.finalizar(store, c, P, ANIO)
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.EN_CAPTURA


def test_sin_declarar_no_finaliza(store, cuenta):
    with pytest.raises(TransicionInvalida):
        ciclo.finalizar(store, cuenta("chihuahua"), P, ANIO)


def test_no_finaliza_sin_lineas(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "NO")
    assert ciclo.finalizar(store, c, P, ANIO) == 1
    cab, lineas = ciclo.version_final(store, c, ANIO, "chihuahua")
    assert cab["respuesta"] == "NO" and lineas.empty and cab["unidades_total"] == 4


def test_cambiar_si_a_no_pide_confirmar_cuantas_lineas_se_borran(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5), FilaCaptura("51.23", exc_pacientes=2)]
    )
    with pytest.raises(ErrorDominio, match="eliminará 2 línea"):
        ciclo.declarar(store, c, P, ANIO, "NO")
    with pytest.raises(ErrorDominio, match="eliminará 2 línea"):
        ciclo.declarar(store, c, P, ANIO, "NO", lineas_a_borrar=1)
    assert ciclo.contar_lineas(store, ANIO, "chihuahua") == 2
    ciclo.declarar(store, c, P, ANIO, "NO", lineas_a_borrar=2)
    assert ciclo.contar_lineas(store, ANIO, "chihuahua") == 0
    assert store.valor("SELECT count(*) FROM auditoria WHERE accion = 'línea eliminada (respuesta NO)'") == 2


def _finalizada(store, c):
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        HGZ6,
        [FilaCaptura("39.95", fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989)],
    )
    captura.guardar(
        store, c, P, ANIO, "IL-CH-0002", [FilaCaptura("47.01", exc_pacientes=3), FilaCaptura("47.09", exc_pacientes=3)]
    )
    return ciclo.finalizar(store, c, P, ANIO)


def test_finalizar_guarda_version_inmutable(store, cuenta):
    c = cuenta("chihuahua")
    assert _finalizada(store, c) == 1
    e = ciclo.estado(store, ANIO, "chihuahua")
    assert (e.estado, e.version_final) == (ciclo.FINALIZADO, 1)
    # A later catalog rename does not change what was finalized.
    with store.transaction() as tx:
        tx.execute("UPDATE producto SET nombre = 'Otro nombre' WHERE clave = '39.95'")
    cab, lineas = ciclo.version_final(store, c, ANIO, "chihuahua")
    assert (cab["unidades_total"], cab["unidades_con"], cab["lineas"], cab["finalizada_persona"]) == (4, 2, 3, P)
    hemo = lineas.set_index("producto").loc["39.95"]
    assert hemo["producto_nombre"] == "Hemodiálisis" and int(hemo["eventos"]) == 2989


def test_tras_finalizar_core_rechaza_toda_escritura_y_dice_por_que(store, cuenta):
    c = cuenta("chihuahua")
    _finalizada(store, c)
    with pytest.raises(CapturaBloqueada, match="se finalizó el 15/06/2026 10:00:00 por Persona de prueba"):
        captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    with pytest.raises(CapturaBloqueada):
        ciclo.declarar(store, c, P, ANIO, "NO", lineas_a_borrar=1)
    with pytest.raises(CapturaBloqueada):
        ciclo.finalizar(store, c, P, ANIO)
    assert ciclo.contar_lineas(store, ANIO, "chihuahua") == 3


@pytest.mark.parametrize(
    "dia,mensaje",
    [
        (INICIO - dt.timedelta(days=1), "inicia el 01/06/2026"),
        (FIN + dt.timedelta(days=1), "cerró el 30/06/2026"),
    ],
)
def test_fuera_de_la_ventana_core_rechaza(store, cuenta, dia, mensaje):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    reloj.fijar(dt.datetime.combine(dia, dt.time(9)))
    with pytest.raises(CapturaBloqueada, match=mensaje):
        captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    with pytest.raises(CapturaBloqueada, match=mensaje):
        ciclo.declarar(store, c, P, ANIO, "NO")


def test_ventana_incluye_el_ultimo_dia_hasta_la_medianoche_de_mexico(store, cuenta):
    c = cuenta("chihuahua")
    reloj.fijar(dt.datetime.combine(FIN, dt.time(23, 59)))
    ciclo.declarar(store, c, P, ANIO, "SI")
    p = ciclo.periodo(store, ANIO)
    assert p.dias_restantes() == 1 and p.ventana_abierta()


def test_periodo_cerrado_bloquea(store, cuenta):
    c = cuenta("chihuahua")
    with store.transaction() as tx:
        tx.execute("UPDATE periodo SET cerrado = TRUE")
    with pytest.raises(CapturaBloqueada, match="está cerrado"):
        ciclo.declarar(store, c, P, ANIO, "SI")


@pytest.mark.parametrize("usuario", ["analista", "admin", "quintana-roo"])
def test_solo_la_propia_ooad_declara_y_finaliza(store, cuenta, usuario):
    c = cuenta(usuario)
    with pytest.raises(AccesoDenegado):
        ciclo.declarar(store, c, P, ANIO, "SI") if usuario != "quintana-roo" else captura.guardar(
            store, c, P, ANIO, HGZ6, []
        )
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.SIN_INICIAR


def test_dias_restantes():
    p = ciclo.Periodo(ANIO, INICIO, FIN, False)
    assert p.dias_restantes(dt.date(2026, 6, 15)) == 16
    assert p.dias_restantes(dt.date(2026, 5, 1)) == 30
    assert p.dias_restantes(dt.date(2026, 7, 1)) == 0


def test_periodo_actual_no_salta_a_un_periodo_que_aun_no_abre(store, cuenta):
    admin = cuenta("admin")
    ciclo.crear_periodo(store, admin, 2027, dt.date(2027, 6, 1), dt.date(2027, 6, 30))
    assert ciclo.periodo_actual(store).anio == 2026  # next year's window has not begun
    reloj.fijar(dt.datetime(2027, 6, 2, 9, 0))
    assert ciclo.periodo_actual(store).anio == 2027
    reloj.fijar(dt.datetime(2026, 7, 15, 9, 0))
    ciclo.cerrar_periodo(store, admin, 2026)
    assert ciclo.periodo_actual(store).anio == 2027  # the next one to open, once 2026 is closed
