"""Sessions through the real app.py (AppTest): the page holds only the session's token and core
checks it on every run, so a session ended anywhere (logout, disable, reset, password change) is
out on its next click. Cookies themselves are a browser matter: tests/browser/test_sesiones.py."""

from __future__ import annotations

from core import instalacion
from core.accounts import cuentas
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos

NUEVA = "Mi-clave-segura-2026"


def _como(datos, usuario: str, persona: str | None = None):
    at = iniciar_sesion(abrir_app(datos), usuario, persona=persona, formulario=True)
    at.run()  # the run of Entrar drew the menu before the login: the next one shows the session
    return at


def _ir(at, pagina: str):
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    return at


def _fuera(at) -> bool:
    return not at.session_state["authentication_status"] and not any(b.label == "Cerrar sesión" for b in at.button)


def _valida(datos, token: str) -> str | None:
    store = instalacion.abrir(datos)
    try:
        c = cuentas.sesion_valida(store, token)
        return c.usuario if c else None
    finally:
        store.close()


def _acciones(datos, usuario: str) -> list[str]:
    store = instalacion.abrir(datos)
    try:
        return [a for (a,) in store.filas("SELECT accion FROM auditoria WHERE cuenta = ? ORDER BY id", [usuario])]
    finally:
        store.close()


def test_cerrar_sesion_termina_la_sesion_en_el_servidor(datos):
    at = _como(datos, "analista")
    token = at.session_state["_sesion"]
    assert at.session_state["authentication_status"] and "Cerrar sesión" in [b.label for b in at.button]
    boton(at, "Cerrar sesión").click().run()
    assert _fuera(at)
    assert "_sesion" not in at.session_state
    assert _valida(datos, token) is None  # a copy of the cookie opens nothing
    assert _acciones(datos, "analista")[-2:] == ["inicio de sesión", "cierre de sesión"]


def test_deshabilitar_y_restablecer_sacan_a_quien_esta_dentro_en_su_siguiente_clic(datos):
    dentro = _como(datos, "campeche", persona="Ana Pérez")
    otra = _como(datos, "tabasco", persona="Luis Gómez")
    admin = _ir(_como(datos, "admin"), "ui/admin_cuentas.py")
    for usuario, accion in (("campeche", "Deshabilitar"), ("tabasco", "Restablecer contraseña")):
        admin.selectbox(key="adm_cuentas_elegida").select(usuario).run()
        boton(admin, accion).click().run()
        assert not admin.exception
    for at in (dentro, otra):
        _ir(at, "ui/paso3_unidad.py")
        assert _fuera(at) and "Inicie sesión en el Paso 1" in textos(at)


def test_cambiar_la_contrasena_renueva_esta_sesion_y_saca_a_las_demas(datos):
    at = _como(datos, "analista")
    otra = _como(datos, "analista")  # the same account in another browser
    antes = at.session_state["_sesion"]
    _ir(at, "ui/mi_cuenta.py")
    at.text_input(key="mi_cuenta_actual").input("demo")
    at.text_input(key="mi_cuenta_nueva").input(NUEVA)
    at.text_input(key="mi_cuenta_confirmacion").input(NUEVA)
    boton(at, "Cambiar contraseña").click().run()
    assert "Contraseña cambiada" in textos(at) and "demás sesiones abiertas con esta cuenta se cerraron" in textos(at)
    despues = at.session_state["_sesion"]
    assert despues != antes and _valida(datos, despues) == "analista" and _valida(datos, antes) is None
    _ir(at, "ui/tablero.py")
    assert not _fuera(at)  # this person goes on
    _ir(otra, "ui/tablero.py")
    assert _fuera(otra)
    assert {"sesiones revocadas", "sesión renovada"} <= set(_acciones(datos, "analista"))


def test_un_token_inventado_en_la_sesion_no_da_acceso(datos):
    at = _como(datos, "admin")
    at.session_state["_sesion"] = "x" * 43
    _ir(at, "ui/admin_cuentas.py")
    assert _fuera(at) and "Inicie sesión" in textos(at)
