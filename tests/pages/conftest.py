"""Page tests: AppTest on the real app.py over a copy of one demo database built once per session."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest
from streamlit.components.v2 import manifest_scanner
from streamlit.testing.v1 import AppTest

from core.accounts import cuentas
from core.base import reloj, rutas
from core.base.store import Store
from tests.conftest import EN_POSTGRES, copiar_base

APP = str(Path(__file__).resolve().parents[2] / "app.py")

# Every AppTest scans all ~340 installed distributions for Streamlit v2 components (a server does it
# once, at start): 0.19 s of CPU each, and tests/pages went from 162 to 133 CPU-s without it. The
# installed packages do not change during a run, so the scan is made once per process.
_escaneo = functools.cache(manifest_scanner.scan_component_manifests)
manifest_scanner.scan_component_manifests = lambda max_workers=None: list(_escaneo())


@pytest.fixture(autouse=True)
def reloj_fijo():
    # The demo period is placed around the real date of its creation: use the real clock here.
    reloj.fijar(None)
    yield


@pytest.fixture(scope="session")
def base_demo(tmp_path_factory, demo_instalada):
    carpeta = tmp_path_factory.mktemp("demo")
    shutil.copytree(demo_instalada, carpeta, dirs_exist_ok=True)
    if EN_POSTGRES:  # the folder holds no database file: copy the database itself
        copiar_base(rutas.ruta_base(demo_instalada), rutas.ruta_base(carpeta))
    return rutas.ruta_base(carpeta)


@pytest.fixture
def datos(base_demo, tmp_path, monkeypatch):
    copiar_base(base_demo, rutas.ruta_base(tmp_path))
    monkeypatch.setenv("EYF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EYF_COOKIE_KEY", "k" * 64)
    return tmp_path


def abrir_app(datos) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def iniciar_sesion(
    at: AppTest,
    usuario: str,
    password: str = "demo",
    persona: str | None = "Ana Pérez",
    *,
    formulario: bool = False,
) -> AppTest:
    """Log in and land on Paso 2, as the browser does after Paso 1.

    Tests about the login itself (a wrong password, the lockout, the cookie) pass `formulario=True`
    and go through Paso 1's form. The others enter directly: core opens the session (the same
    password check, audit row and token as the form) and the session state holds what Paso 1 and the
    person's form would leave in it, which saves three script runs a login.
    """
    if formulario or password != "demo":
        return _por_formulario(at, usuario, password, persona)
    store = Store(rutas.ruta_base())
    try:
        sesion = cuentas.iniciar_sesion(store, usuario, password)
    finally:
        store.close()
    estado = {
        "authentication_status": True,
        "username": usuario,
        "_sesion": sesion.token,
        "_ultima_actividad": reloj.ahora(),
    }
    if persona and sesion.cuenta.es_capturista:
        estado["persona"] = cuentas.persona_de_sesion(persona, "Jefa de Servicio")
    for clave, valor in estado.items():
        at.session_state[clave] = valor
    at.switch_page("ui/paso2_declaracion.py").run()
    return at


def _por_formulario(at: AppTest, usuario: str, password: str, persona: str | None) -> AppTest:
    at.switch_page("ui/paso1_acceso.py").run()
    if usuario in _ooad_umae():
        at.radio(key="paso1_tipo").set_value("OOAD/UMAE").run()
        at.selectbox(key="paso1_seleccion").select(usuario)
        at.text_input(key="paso1_password").input(password)
    else:  # the division's accounts are not in the list: they type their user name
        at.radio(key="paso1_tipo").set_value("División").run()
        at.text_input(key="paso1_div_usuario").input(usuario)
        at.text_input(key="paso1_div_password").input(password)
    boton(at, "Entrar").click().run()
    if persona and not at.exception and at.session_state["authentication_status"]:
        if any(t.label.startswith("Nombre completo") for t in at.text_input):
            at.text_input[0].input(persona)
            at.text_input[1].input("Jefa de Servicio")
            boton(at, "Continuar").click().run()
        # AppTest stays on the page after st.switch_page; go where the browser goes.
        at.switch_page("ui/paso2_declaracion.py").run()
    return at


def _ooad_umae() -> set[str]:
    """The accounts Paso 1's list offers (the OOAD/UMAE's), read as Paso 1 reads them."""
    store = Store(rutas.ruta_base())
    try:
        return {u for u, _ in cuentas.opciones_acceso(store)}
    finally:
        store.close()


def boton(at: AppTest, etiqueta: str):
    for b in at.button:
        if b.label == etiqueta:
            return b
    for b in at.button:
        if b.label.startswith(etiqueta):
            return b
    raise AssertionError(f"No hay botón «{etiqueta}»: {[b.label for b in at.button]}")


def textos(at: AppTest) -> str:
    partes = []
    for tipo in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        partes += [getattr(e, "value", "") or getattr(e, "body", "") for e in getattr(at, tipo)]
    return "\n".join(str(p) for p in partes)


def editar_rejilla(at: AppTest, ediciones: dict) -> AppTest:
    """Paso 6: what the grid (a browser component AppTest cannot draw) returns after a person typed
    `ediciones` ({row position or product code: {field: value}}): the rows it touched, by product code,
    every value as text. Then one run."""
    snap = at.session_state["p6_snap"]
    filas = {
        (snap["frame"].index[k] if isinstance(k, int) else k): {c: None if v is None else str(v) for c, v in f.items()}
        for k, f in ediciones.items()
    }
    anterior = at.session_state[snap["key"]] if snap["key"] in at.session_state else None
    at.session_state[snap["key"]] = {"filas": {**((anterior or {}).get("filas") or {}), **filas}}
    return at.run()
