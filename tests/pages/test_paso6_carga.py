"""Issue 13 §3 under load: a busy server must not drop a «Guardar», and a login checks one password."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import bcrypt

from core.base import rutas
from core.base.store import Store
from core.capture import captura
from tests.pages.conftest import abrir_app, boton, editar_rejilla, iniciar_sesion


def test_paso6_guardar_en_un_servidor_ocupado_abre_la_confirmacion(datos, monkeypatch):
    """The load harness saw «Guardar» dropped at 30 sessions: the run of the click itself took over the
    2 s a click with nothing to save waits, and the page took the click for an old one. A click is never
    old in its own run, however long the run takes."""
    store = Store(rutas.ruta_base(datos))
    try:
        unidad = store.valor("SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    finally:
        store.close()
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    for clave, valor in {"sel_unidad": unidad, "sel_grupo": "LAB", "sel_especialidad": "LAB"}.items():
        at.session_state[clave] = valor
    at.switch_page("ui/paso6_captura.py").run()
    editar_rejilla(at, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": "5"}})
    # A busy server: reading the unit's lines takes 3 s of the run (a clock that jumps, not a sleep).
    desfase = [0.0]
    reloj = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: reloj() + desfase[0])
    leer = captura.lineas_unidad

    def lenta(*args, **kwargs):
        desfase[0] += 3.0
        return leer(*args, **kwargs)

    monkeypatch.setattr(captura, "lineas_unidad", lenta)
    boton(at, "Guardar").click().run()
    assert "Sí, guardar" in [b.label for b in at.button]
    boton(at, "Sí, guardar").click().run()
    assert "Líneas guardadas: 1 nueva(s)." in [s.value for s in at.success]


def test_un_login_verifica_una_sola_contrasena(datos, monkeypatch):
    """Paso 1's form to Paso 2: exactly one bcrypt check, and no hashing (no rehash on login)."""
    at = abrir_app(datos)
    verificaciones = []
    verificar = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *a: verificaciones.append(1) or verificar(*a))
    monkeypatch.setattr(bcrypt, "hashpw", lambda *a: (_ for _ in ()).throw(AssertionError("hash al entrar")))
    iniciar_sesion(at, "campeche", formulario=True)
    assert at.session_state["authentication_status"] and not at.exception
    assert len(verificaciones) == 1


def test_streamlit_no_recoge_toda_la_basura_tras_cada_corrida():
    """Streamlit's default full garbage collection after every script run walks every object of every
    session: 80-100 ms of a Paso 6 edit's ~125 ms server CPU with one person, and more with each person
    connected (`make carga`). The project's config turns it off for every server it starts."""
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
