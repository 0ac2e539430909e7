"""Lifecycle rules at their edges: a signed OOAD/UMAE is as locked as a finalized one, Paso 2 takes
only SI or NO, and answering NO deletes lines only with the exact count the person confirmed."""

from __future__ import annotations

import pytest

from core.base.errors import CapturaBloqueada, ErrorDominio
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO

P = "Persona de prueba"
HGZ6 = "IL-CH-0001"


@pytest.fixture
def chihuahua(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5), FilaCaptura("51.23", exc_pacientes=2)]
    )
    return c


def test_firmado_bloquea_la_captura_como_finalizado(store, chihuahua):
    ciclo.finalizar(store, chihuahua, P, ANIO)
    # The state Paso 9 leaves after a signed PDF is accepted (the upload itself is tested in test_firmados).
    store.escribir(
        lambda tx: tx.execute(
            "UPDATE declaracion SET estado = 'firmado' WHERE anio = ? AND ooad = 'chihuahua'", [ANIO]
        ).fetchall()
    )
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FIRMADO
    assert "ya no se puede modificar" in ciclo.motivo_bloqueo(store, ANIO, "chihuahua")
    with pytest.raises(CapturaBloqueada):
        captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("53.00", exc_pacientes=1)])
    with pytest.raises(CapturaBloqueada):
        ciclo.finalizar(store, chihuahua, P, ANIO)
    assert ciclo.contar_lineas(store, ANIO, "chihuahua") == 2


@pytest.mark.parametrize("respuesta", ["TAL VEZ", "si", "", None])
def test_el_paso_2_solo_admite_si_o_no(store, cuenta, respuesta):
    with pytest.raises(ErrorDominio, match="Conteste SI o NO"):
        ciclo.declarar(store, cuenta("chihuahua"), P, ANIO, respuesta)
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.SIN_INICIAR


def test_no_borra_solo_con_la_cuenta_exacta_confirmada(store, chihuahua):
    """A confirmation for more lines than are saved is stale (someone changed them since): ask again."""
    for confirmadas in (1, 3):
        with pytest.raises(ErrorDominio, match="eliminará 2 línea"):
            ciclo.declarar(store, chihuahua, P, ANIO, "NO", lineas_a_borrar=confirmadas)
    assert ciclo.contar_lineas(store, ANIO, "chihuahua") == 2
    assert ciclo.declarar(store, chihuahua, P, ANIO, "NO", lineas_a_borrar=2).respuesta == "NO"
    assert ciclo.contar_lineas(store, ANIO, "chihuahua") == 0


def test_no_con_una_sola_linea_tambien_pide_confirmar(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    with pytest.raises(ErrorDominio, match="eliminará 1 línea"):
        ciclo.declarar(store, c, P, ANIO, "NO")
    e = ciclo.estado(store, ANIO, "chihuahua")
    assert (e.respuesta, ciclo.contar_lineas(store, ANIO, "chihuahua")) == ("SI", 1)


def test_la_version_final_cuenta_solo_unidades_con_lineas_del_periodo(store, cuenta):
    """Lines of another period (here 2027, whose window overlaps) do not count for 2026's summary."""
    c = cuenta("chihuahua")
    actual = ciclo.periodo(store, ANIO)
    ciclo.crear_periodo(store, cuenta("admin"), ANIO + 1, actual.inicio, actual.fin)
    ciclo.declarar(store, c, P, ANIO + 1, "SI")
    captura.guardar(store, c, P, ANIO + 1, "IL-CH-0003", [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.finalizar(store, c, P, ANIO)
    cab, lineas = ciclo.version_final(store, c, ANIO, "chihuahua")
    assert (cab["unidades_total"], cab["unidades_con"], cab["lineas"], len(lineas)) == (4, 1, 1, 1)
