"""The edges of a captured line: the monthly maximum itself is a valid figure, one more is not; and the
rules that decide a row's kind, its events and its cause hold at their boundaries."""

from __future__ import annotations

import pytest

from core.capture import captura
from core.capture.captura import CANTIDAD_MAXIMA, FilaCaptura, LineaValida, validar_fila
from core.lifecycle import ciclo
from tests.conftest import ANIO

P = "Persona de prueba"
NOMBRE, HOSP = "Apendicectomía laparoscópica", "Hospitalario"
CAUSA = captura.CAUSAS[1]


def _valida(fila: FilaCaptura) -> LineaValida:
    linea, errores = validar_fila(fila, NOMBRE, HOSP)
    assert errores == [] and linea is not None, errores
    return linea


def _errores(fila: FilaCaptura) -> str:
    linea, errores = validar_fila(fila, NOMBRE, HOSP)
    assert linea is None and errores
    return " | ".join(errores)


@pytest.mark.parametrize(
    "fila",
    [
        FilaCaptura("47.01", exc_pacientes=CANTIDAD_MAXIMA),
        FilaCaptura("47.01", exc_pacientes=1, exc_eventos=CANTIDAD_MAXIMA),
        FilaCaptura("47.01", fal_causa=CAUSA, fal_pacientes=CANTIDAD_MAXIMA, fal_eventos=CANTIDAD_MAXIMA),
    ],
    ids=["exc-pacientes", "exc-eventos", "fal-ambos"],
)
def test_el_maximo_mensual_mismo_se_acepta(fila):
    linea = _valida(fila)
    assert CANTIDAD_MAXIMA in (linea.pacientes, linea.eventos)


@pytest.mark.parametrize(
    "fila",
    [
        FilaCaptura("47.01", exc_pacientes=CANTIDAD_MAXIMA + 1),
        FilaCaptura("47.01", exc_pacientes=1, exc_eventos=CANTIDAD_MAXIMA + 1),
        FilaCaptura("47.01", fal_causa=CAUSA, fal_pacientes=CANTIDAD_MAXIMA + 1),
        FilaCaptura("47.01", fal_causa=CAUSA, fal_pacientes=1, fal_eventos=CANTIDAD_MAXIMA + 1),
    ],
    ids=["exc-pacientes", "exc-eventos", "fal-pacientes", "fal-eventos"],
)
def test_uno_mas_que_el_maximo_se_rechaza(fila):
    assert f"excede el máximo mensual permitido de {CANTIDAD_MAXIMA:,}" in _errores(fila)


def test_el_maximo_se_guarda_y_se_lee_igual(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        "IL-CH-0001",
        [FilaCaptura("47.01", exc_pacientes=CANTIDAD_MAXIMA, exc_eventos=CANTIDAD_MAXIMA)],
    )
    assert store.filas("SELECT pacientes, eventos FROM linea") == [(CANTIDAD_MAXIMA, CANTIDAD_MAXIMA)]


def test_uno_es_el_minimo_valido():
    assert _valida(FilaCaptura("47.01", exc_pacientes=1, exc_eventos=1)).pacientes == 1
    assert "al menos 1" in _errores(FilaCaptura("47.01", exc_pacientes=1, exc_eventos=0))


def test_eventos_iguales_a_pacientes_se_aceptan():
    assert _valida(FilaCaptura("47.01", exc_pacientes=7, exc_eventos=7)).eventos == 7
    assert _valida(FilaCaptura("47.01", fal_causa=CAUSA, fal_pacientes=7, fal_eventos=7)).eventos == 7
    assert "no pueden ser menos" in _errores(FilaCaptura("47.01", fal_causa=CAUSA, fal_pacientes=7, fal_eventos=6))


def test_el_tipo_lo_decide_la_columna_capturada():
    exc = _valida(FilaCaptura("47.01", exc_pacientes=3, exc_eventos=4, exc_ambito=" Ambulatorio "))
    assert (exc.tipo, exc.ambito, exc.causa, exc.pacientes, exc.eventos) == ("Excedente", "Ambulatorio", None, 3, 4)
    fal = _valida(
        FilaCaptura("47.01", fal_causa=f"  {CAUSA} ", fal_pacientes=2, fal_eventos=5, fal_ambito="Ambulatorio")
    )
    assert (fal.tipo, fal.ambito, fal.causa, fal.pacientes, fal.eventos) == ("Faltante", "Ambulatorio", CAUSA, 2, 5)
    # The other side's ámbito does not leak into the line.
    assert _valida(FilaCaptura("47.01", exc_pacientes=3, fal_ambito="Ambulatorio")).ambito == HOSP
    assert _valida(FilaCaptura("47.01", fal_causa=CAUSA, fal_pacientes=3, exc_ambito="Ambulatorio")).ambito == HOSP


@pytest.mark.parametrize(
    "fila,regla",
    [
        (FilaCaptura("47.01", exc_eventos=5, fal_causa=CAUSA), "Excedente y Faltante"),
        (FilaCaptura("47.01", exc_pacientes=5, fal_eventos=5), "Excedente y Faltante"),
        (FilaCaptura("47.01", fal_causa=CAUSA, fal_eventos=5), "el Faltante requiere pacientes mensuales"),
        (FilaCaptura("47.01", fal_eventos=5, fal_pacientes=5), "requiere la causa principal"),
    ],
    ids=["eventos-y-causa", "pacientes-y-eventos", "faltante-sin-pacientes", "faltante-sin-causa"],
)
def test_cada_campo_de_un_lado_cuenta_para_decidir_el_tipo(fila, regla):
    assert regla in _errores(fila)


def test_solo_el_ambito_no_es_una_linea():
    assert validar_fila(FilaCaptura("47.01", exc_ambito="Ambulatorio", fal_ambito="Hospitalario"), NOMBRE, HOSP) == (
        None,
        [],
    )


def test_un_error_de_cantidad_no_repite_el_aviso_de_pacientes_faltantes():
    errores = validar_fila(FilaCaptura("47.01", exc_pacientes=0), NOMBRE, HOSP)[1]
    assert len(errores) == 1 and "al menos 1" in errores[0]
