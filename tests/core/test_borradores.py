"""Drafts: unsaved Paso 6 edits kept in the store per account and person, dropped only by a save, a
conflict on that product or an audited discard."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.accounts import cuentas
from core.base import reloj
from core.base.errors import AccesoDenegado, CapturaBloqueada, ConflictoEdicion
from core.base.store import Store
from core.capture import borradores, captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, poblado

HGZ6 = "IL-CH-0001"  # chihuahua
ANA, LUIS = "Ana Pérez (Jefa de Servicio)", "Luis Gómez (Coordinador)"


def _fila(**valores) -> dict:
    return {"version": None, **valores}


@pytest.fixture
def chi(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, ANA, ANIO, "SI")
    return c


def _textos(store, c, persona) -> dict:
    df = borradores.listar(store, c, persona, ANIO)
    return {(r.unidad, r.producto): (r.exc_pacientes, r.fal_causa, r.fal_pacientes) for r in df.itertuples()}


def test_el_borrador_guarda_el_texto_tal_como_se_escribio_y_se_reemplaza(store, chi):
    borradores.guardar(
        store,
        chi,
        ANA,
        ANIO,
        HGZ6,
        {
            "47.01": _fila(exc_pacientes="1,5", exc_ambito="Ambulatorio"),
            "47.09": _fila(fal_causa="Falta de Equipo", fal_pacientes=4),
        },
    )
    assert _textos(store, chi, ANA) == {
        (HGZ6, "47.01"): ("1,5", None, None),
        (HGZ6, "47.09"): (None, "Falta de Equipo", "4"),
    }
    borradores.guardar(store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="12", exc_ambito="Ambulatorio")})
    assert _textos(store, chi, ANA)[(HGZ6, "47.01")] == ("12", None, None)
    pend = borradores.como_pendientes(borradores.listar(store, chi, ANA, ANIO))
    assert pend[HGZ6]["47.01"]["exc_pacientes"] == "12" and pend[HGZ6]["47.01"]["version"] is None
    assert pend[HGZ6]["47.09"]["fal_pacientes"] == "4" and pend[HGZ6]["47.09"]["exc_eventos"] is None


def test_cada_persona_de_la_cuenta_tiene_sus_borradores_y_ve_los_de_las_demas(store, chi):
    borradores.guardar(
        store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="3"), "47.09": _fila(exc_pacientes="2")}
    )
    assert _textos(store, chi, LUIS) == {}
    otras = borradores.de_otras_personas(store, chi, LUIS, ANIO)
    assert otras[["unidad", "persona", "productos"]].values.tolist() == [[HGZ6, ANA, 2]]
    assert borradores.de_otras_personas(store, chi, ANA, ANIO).empty


def test_capturista_de_otra_ooad_no_lee_ni_escribe_borradores(store, chi, cuenta):
    borradores.guardar(store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="3")})
    intruso = cuenta("quintana-roo")
    with pytest.raises(AccesoDenegado):
        borradores.guardar(store, intruso, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="9")})
    with pytest.raises(AccesoDenegado):
        borradores.descartar(store, intruso, ANA, ANIO, HGZ6)
    with pytest.raises(AccesoDenegado):
        borradores.quitar(store, intruso, ANA, ANIO, HGZ6, ["47.01"])
    # Its own listings never show another OOAD/UMAE's drafts, even under the same person's name.
    assert borradores.listar(store, intruso, ANA, ANIO).empty
    assert borradores.de_otras_personas(store, intruso, LUIS, ANIO).empty
    for division in (cuenta("analista"), cuenta("admin"), None):
        with pytest.raises(AccesoDenegado):
            borradores.listar(store, division, ANA, ANIO)
        with pytest.raises(AccesoDenegado):
            borradores.de_otras_personas(store, division, ANA, ANIO)
    assert _textos(store, chi, ANA) == {(HGZ6, "47.01"): ("3", None, None)}


def test_guardar_borra_solo_los_borradores_de_lo_guardado(store, chi):
    borradores.guardar(
        store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="3"), "47.09": _fila(exc_pacientes="2")}
    )
    res = borradores.guardar_captura(store, chi, ANA, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes="3")])
    assert res.insertadas == 1
    assert list(_textos(store, chi, ANA)) == [(HGZ6, "47.09")]


def test_un_conflicto_descarta_solo_el_producto_en_conflicto_y_lo_demas_se_guarda(store, chi):
    # A (Ana) loaded both rows empty and typed on 47.01 and 47.09; Luis saves 47.01 first.
    borradores.guardar(
        store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="3"), "47.09": _fila(exc_pacientes="2")}
    )
    captura.guardar(store, chi, LUIS, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=8)])
    filas = [FilaCaptura("47.01", exc_pacientes="3"), FilaCaptura("47.09", exc_pacientes="2")]
    with pytest.raises(ConflictoEdicion) as exc:
        borradores.guardar_captura(store, chi, ANA, ANIO, HGZ6, filas)
    assert exc.value.claves == ["47.01"]
    (detalle,) = exc.value.detalle
    assert detalle["Clave"] == "47.01" and "Excedente: 3 pacientes" in detalle["Usted escribió (no se guardó)"]
    assert detalle["Guardado por la otra persona"].startswith("Excedente: 8 pacientes")
    assert detalle["Quién y cuándo"].startswith(LUIS)
    # Nothing of A's save was stored; only 47.01's draft went, and that is in the audit trail.
    assert store.valor("SELECT count(*) FROM linea WHERE producto = '47.09'") == 0
    assert list(_textos(store, chi, ANA)) == [(HGZ6, "47.09")]
    antes = store.valor("SELECT antes FROM auditoria WHERE accion = 'cambios sin guardar descartados por conflicto'")
    assert json.loads(antes) == {"47.01": {"exc_pacientes": "3"}}
    # A saves again with the other edit: stored.
    res = borradores.guardar_captura(store, chi, ANA, ANIO, HGZ6, [FilaCaptura("47.09", exc_pacientes="2")])
    assert res.insertadas == 1 and _textos(store, chi, ANA) == {}
    assert store.valor("SELECT pacientes FROM linea WHERE producto = '47.01'") == 8


def test_con_la_ventana_cerrada_no_hay_borradores_nuevos_pero_los_que_hay_se_leen_y_descartan(store, chi):
    borradores.guardar(store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="3")})
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=1), dt.time(9)))
    with pytest.raises(CapturaBloqueada):
        borradores.guardar(store, chi, ANA, ANIO, HGZ6, {"47.09": _fila(exc_pacientes="1")})
    assert list(_textos(store, chi, ANA)) == [(HGZ6, "47.01")]
    assert borradores.descartar(store, chi, ANA, ANIO) == 1
    assert _textos(store, chi, ANA) == {}
    accion, unidad, antes = store.fila(
        "SELECT accion, unidad, antes FROM auditoria WHERE accion LIKE 'cambios sin guardar%'"
    )
    assert (accion, unidad, json.loads(antes)) == (
        "cambios sin guardar descartados",
        HGZ6,
        {"47.01": {"exc_pacientes": "3"}},
    )


def test_quitar_borra_sin_bitacora_lo_que_ya_es_igual_a_lo_guardado(store, chi):
    borradores.guardar(
        store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="3"), "47.09": _fila(exc_pacientes="2")}
    )
    auditoria_antes = store.valor("SELECT count(*) FROM auditoria")
    assert borradores.quitar(store, chi, ANA, ANIO, HGZ6, ["47.01"]) == 1
    assert list(_textos(store, chi, ANA)) == [(HGZ6, "47.09")]
    assert store.valor("SELECT count(*) FROM auditoria") == auditoria_antes


def test_los_borradores_sobreviven_a_reabrir_la_base(tmp_path):
    ruta = tmp_path / "eyf.duckdb"
    s = poblado(ruta)
    c = cuentas.obtener(s, "chihuahua")
    ciclo.declarar(s, c, ANA, ANIO, "SI")
    borradores.guardar(s, c, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="1,200")})
    s.close()
    s = Store(ruta)
    try:
        assert _textos(s, c, ANA) == {(HGZ6, "47.01"): ("1,200", None, None)}
    finally:
        s.close()


def test_un_valor_demasiado_largo_no_se_conserva(store, chi):
    with pytest.raises(Exception, match="demasiado largo"):
        borradores.guardar(store, chi, ANA, ANIO, HGZ6, {"47.01": _fila(exc_pacientes="9" * 500)})
    assert _textos(store, chi, ANA) == {}
