"""Sessions in Chromium: a copy of the session cookie is worth nothing once the session ended.

The server keeps the sessions; the cookie carries only a random token. A copy taken while logged in
still works while the session lives (so the refusals below are not vacuous), and no longer after
«Cerrar sesión», nor after an admin reset the password and the owner chose a new one. A reload keeps
a live session, also the one re-issued by the password change.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import ui

pytestmark = pytest.mark.navegador

COOKIE = "eyf_sesion"
NAYARIT = ("Nayar", "OOAD Nayarit")  # no other browser test uses it: its password changes here
NUEVA = "Tepic-Costa-2026"  # must not contain the user name


def _pagina(contexto: BrowserContext, request) -> Page:
    page = contexto.new_page()
    page.set_default_timeout(ui.ESPERA)
    request.node.paginas = [*getattr(request.node, "paginas", []), page]  # for the screenshots on failure
    return page


def _cookie(contexto: BrowserContext) -> dict:
    """The session cookie as the browser holds it (written by the page right after Entrar)."""
    return ui.hasta(
        lambda: next((c for c in contexto.cookies() if c["name"] == COOKIE), None),
        f"el navegador guarda la cookie {COOKIE}",
    )


def _con_cookie(new_context, request, cookie: dict) -> Page:
    """A new browser (no shared state) that carries only a copy of the cookie, on the help page."""
    contexto = new_context()
    contexto.add_cookies([cookie])
    page = _pagina(contexto, request)
    page.goto("/ayuda")  # a page with no table: the sidebar tells who is in
    ui.ver(page, "Guía de ayuda")
    ui.quieto(page)
    return page


def _dentro(page: Page, usuario: str) -> None:
    barra = page.get_by_test_id("stSidebar")
    expect(barra).to_contain_text(f"({usuario})")
    ui.visible(ui.boton(barra, "Cerrar sesión"))


def _fuera(page: Page) -> None:
    barra = page.get_by_test_id("stSidebar")
    ui.visible(barra.get_by_role("link", name="Paso 1 · Acceso", exact=True))
    expect(ui.boton(barra, "Cerrar sesión")).to_have_count(0)
    expect(barra).not_to_contain_text("Sesión:")


def test_la_copia_de_la_cookie_no_entra_tras_cerrar_sesion(new_context, request):
    page = _pagina(new_context(), request)
    ui.entrar_division(page, "analista")
    copia = _cookie(page.context)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", copia["value"]), copia  # a random token, nothing readable
    # A reload keeps the session (the cookie), and a copy works while the session lives.
    page.reload()
    _dentro(page, "analista")
    otra = _con_cookie(new_context, request, copia)
    _dentro(otra, "analista")

    ui.boton(page.get_by_test_id("stSidebar"), "Cerrar sesión").click()
    _fuera(page)
    _fuera(_con_cookie(new_context, request, copia))
    otra.reload()  # the other browser, which had entered with the copy, is out too
    _fuera(otra)
    page.reload()
    _fuera(page)


def test_la_copia_de_la_cookie_no_entra_tras_restablecer_y_cambiar_la_contrasena(new_context, request):
    # The owner is in, and someone copies the cookie.
    duenio = _pagina(new_context(), request)
    ui.iniciar_sesion(duenio, *NAYARIT)
    vieja = _cookie(duenio.context)

    # The admin resets the password: it is shown once.
    admin = _pagina(new_context(), request)
    ui.entrar_division(admin, "admin")
    ui.menu(admin, "Cuentas y contraseñas")
    ui.elegir_opcion(admin, "Cuenta (escriba para buscar)", "nayarit · Capturista Nayarit · Activa")
    ui.boton(admin, "Restablecer contraseña").click()
    ui.ver(admin, re.compile(r"^Contraseña restablecida\."))
    temporal = admin.get_by_test_id("stCode").inner_text().strip()
    assert len(temporal) >= 16, temporal

    # The owner logs in with it and chooses a new one.
    nuevo = _pagina(new_context(), request)
    ui.a_paso1(nuevo)
    lista = nuevo.get_by_role("combobox", name="OOAD/UMAE (escriba para buscar)")
    ui.esperar_ejecucion(nuevo, 0)
    lista.click()
    lista.press_sequentially(NAYARIT[0])
    nuevo.get_by_role("option", name=NAYARIT[1], exact=True).click()
    nuevo.get_by_label("Contraseña").fill(temporal)
    ui.boton(nuevo, "Entrar").click()
    ui.ver(nuevo, re.compile(r"^Su contraseña es temporal"))
    temporal_cookie = _cookie(nuevo.context)
    nuevo.get_by_role("link", name="Cambiar contraseña (Mi cuenta)").click()
    ui.ver(nuevo, "Cuenta: nayarit")
    nuevo.get_by_label("Contraseña actual", exact=True).fill(temporal)
    nuevo.get_by_label("Nueva contraseña", exact=True).fill(NUEVA)
    nuevo.get_by_label("Confirme la nueva contraseña", exact=True).fill(NUEVA)
    ui.boton(nuevo, "Cambiar contraseña").click()
    ui.ver(nuevo, re.compile(r"^Contraseña cambiada"))
    ui.quieto(nuevo)

    # Neither the old cookie nor the one of the temporary password's session enters any more…
    _fuera(_con_cookie(new_context, request, vieja))
    _fuera(_con_cookie(new_context, request, temporal_cookie))
    duenio.reload()
    _fuera(duenio)
    # …while the session that changed the password goes on with a re-issued cookie, also on reload.
    renovada = ui.hasta(
        lambda: next(
            (c for c in nuevo.context.cookies() if c["name"] == COOKIE and c["value"] != temporal_cookie["value"]), None
        ),
        "el navegador recibe la cookie de la sesión renovada",
    )
    nuevo.reload()
    _dentro(nuevo, "nayarit")
    _dentro(_con_cookie(new_context, request, renovada), "nayarit")
