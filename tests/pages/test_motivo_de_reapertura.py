"""Every reopen reason box tells the same limits core enforces (one constant, read by both)."""

from __future__ import annotations

from core import instalacion
from core.accounts import cuentas
from core.lifecycle import ciclo, reaperturas
from tests.pages.conftest import abrir_app, iniciar_sesion


def _caja(at, key: str):
    at.run()
    assert not at.exception, at.exception
    caja = at.text_area(key=key)
    assert f"Al menos {ciclo.MOTIVO_MINIMO} caracteres" in caja.placeholder, caja.placeholder
    assert caja.max_chars == ciclo.MOTIVO_MAXIMO
    return caja


def test_las_cajas_de_motivo_dicen_el_minimo_de_core(datos, monkeypatch):
    monkeypatch.setattr(ciclo, "MOTIVO_MINIMO", 17)  # a number no page could have written by hand
    store = instalacion.abrir(datos)
    try:
        reaperturas.solicitar(
            store,
            cuentas.obtener(store, "colima"),
            "Luis",
            ciclo.periodo_actual(store).anio,
            "Queremos cambiar la causa de un Faltante",
        )
    finally:
        store.close()
    ooad = iniciar_sesion(abrir_app(datos), "coahuila", persona="Ana Pérez")
    ooad.switch_page("ui/paso8_version_final.py")
    _caja(ooad, "p8_reapertura_motivo")
    admin = iniciar_sesion(abrir_app(datos), "admin")
    admin.switch_page("ui/admin_reaperturas.py")
    _caja(admin, "adm_reap_razon")
    _caja(admin, "adm_reap_motivo")
