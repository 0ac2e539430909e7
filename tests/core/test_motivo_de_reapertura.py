"""One minimum length for every reopen reason (request, answer, reopen without a request), defined once
in core and counted on the text without its surrounding or repeated spaces."""

from __future__ import annotations

import pytest

from core.base.errors import ErrorDominio
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, reaperturas
from tests.conftest import ANIO

P = "Persona de prueba"


def _texto(largo: int) -> str:
    """A reason of exactly `largo` characters once cleaned, padded with spaces that must not count."""
    palabras = ("corregir " * largo)[:largo].rstrip()
    palabras += "x" * (largo - len(palabras))
    assert len(palabras) == largo and palabras == " ".join(palabras.split())
    return "   " + palabras.replace(" ", "   ") + " \n "


@pytest.fixture
def finalizada(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(store, c, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.finalizar(store, c, P, ANIO)
    return c


def test_el_minimo_es_uno_y_cuenta_el_texto_limpio():
    assert ciclo.MOTIVO_MINIMO == 10 and not hasattr(reaperturas, "MOTIVO_MINIMO")
    minimo = ciclo.MOTIVO_MINIMO
    assert ciclo.limpiar_motivo(_texto(minimo)) == _texto(minimo).strip().replace("   ", " ")
    assert len(_texto(minimo - 1)) > minimo  # raw length over the minimum; cleaned, one short
    with pytest.raises(ErrorDominio, match=f"al menos {minimo} caracteres"):
        ciclo.limpiar_motivo(_texto(minimo - 1))
    assert len(ciclo.limpiar_motivo("a" * ciclo.MOTIVO_MAXIMO)) == ciclo.MOTIVO_MAXIMO
    with pytest.raises(ErrorDominio, match="admite hasta 1,000 caracteres"):
        ciclo.limpiar_motivo("a" * (ciclo.MOTIVO_MAXIMO + 1))


def _pendiente(store, chih) -> int:
    return reaperturas.solicitar(store, chih, P, ANIO, "Falta una unidad médica").id


# Each way a reason is written: (action, what it leaves stored once accepted).
ENTRADAS = {
    "ciclo.reabrir": lambda s, admin, chih, m: ciclo.reabrir(s, admin, ANIO, "chihuahua", m),
    "reaperturas.reabrir": lambda s, admin, chih, m: reaperturas.reabrir(s, admin, ANIO, "chihuahua", m),
    "solicitar": lambda s, admin, chih, m: reaperturas.solicitar(s, chih, P, ANIO, m),
    "conceder": lambda s, admin, chih, m: reaperturas.conceder(s, admin, _pendiente(s, chih), m),
    "rechazar": lambda s, admin, chih, m: reaperturas.rechazar(s, admin, _pendiente(s, chih), m),
}


@pytest.mark.parametrize("entrada", list(ENTRADAS))
def test_cada_entrada_acepta_el_minimo_y_rechaza_uno_menos(store, finalizada, cuenta, entrada):
    hacer, admin, corto, justo = (
        ENTRADAS[entrada],
        cuenta("admin"),
        _texto(ciclo.MOTIVO_MINIMO - 1),
        _texto(ciclo.MOTIVO_MINIMO),
    )
    with pytest.raises(ErrorDominio, match=f"al menos {ciclo.MOTIVO_MINIMO} caracteres"):
        hacer(store, admin, finalizada, corto)
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FINALIZADO
    assert store.valor("SELECT count(*) FROM solicitud_reapertura WHERE estado <> 'pendiente'") == 0
    store.escribir(lambda tx: tx.execute("DELETE FROM solicitud_reapertura").fetchall())
    hacer(store, admin, finalizada, justo)
    limpio = " ".join(justo.split())
    if entrada in ("ciclo.reabrir", "reaperturas.reabrir", "conceder"):
        assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.EN_CAPTURA
    guardados = {v for f in store.filas("SELECT motivo, respuesta FROM solicitud_reapertura") for v in f}
    assert limpio in guardados or entrada.endswith("reabrir")


def test_el_minimo_se_define_una_vez(store, finalizada, cuenta, monkeypatch):
    """Raising the one constant raises it for the request and for the admin's reopen alike."""
    monkeypatch.setattr(ciclo, "MOTIVO_MINIMO", 30)
    with pytest.raises(ErrorDominio, match="al menos 30 caracteres"):
        reaperturas.solicitar(store, finalizada, P, ANIO, _texto(29))
    with pytest.raises(ErrorDominio, match="al menos 30 caracteres"):
        ciclo.reabrir(store, cuenta("admin"), ANIO, "chihuahua", _texto(29))
    reaperturas.solicitar(store, finalizada, P, ANIO, _texto(30))
