"""Streamlit's own English texts, in Chromium: the Enter hint under a text box, a select box's
"No results" and the "Connection error" dialog read in Spanish; "Page not found", the same kind of
dialog, is left alone. The Spanish is CSS generated content (ui/components/textos_streamlit.py),
which the DOM's text does not include: it is read through getComputedStyle."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, WebSocketRoute, expect

from tests.browser import ui

pytestmark = pytest.mark.navegador


# Whether the page already has the Spanish style sheet (it arrives with the app's run).
_HOJA_CARGADA = "Array.from(document.querySelectorAll('style')).some(e => e.textContent.includes('Enter para aplicar'))"


def _generado(elemento: Locator) -> str:
    """The ::after text CSS writes in place of the English one ("" when there is none)."""
    return elemento.evaluate("e => getComputedStyle(e, '::after').content").strip('"').replace("none", "")


def test_pista_de_enter_y_aviso_sin_conexion_en_espanol(page: Page, captura):
    sockets: list[WebSocketRoute] = []
    cortado = {"ya": False}

    def socket(ws: WebSocketRoute) -> None:
        if cortado["ya"]:  # the frontend's attempts to reconnect fail, as with a stopped server
            ws.close()
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/_stcore/stream"), socket)
    # A mistyped address opens Streamlit's "Page not found", the same kind of dialog: not relabelled.
    page.goto("/no-existe")
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text("Page not found")
    ui.hasta(lambda: page.evaluate(_HOJA_CARGADA), "la hoja de estilo en español")
    assert _generado(dialogo.locator("h2")) == ""
    page.keyboard.press("Escape")
    expect(dialogo).to_have_count(0)
    ui.ver(page, "Tablero de control")
    buscar = page.get_by_label("Buscar OOAD/UMAE")
    buscar.click()
    buscar.press_sequentially("mex")
    pista = page.get_by_test_id("InputInstructions").locator("span").first
    expect(pista).to_have_text("Press Enter to apply")  # what Streamlit writes, hidden…
    assert _generado(pista) == "Enter para aplicar"  # …and what is seen

    # A search in a select box that matches nothing.
    ui.menu(page, "Paso 1 · Acceso")
    lista = page.get_by_role("combobox", name="OOAD/UMAE (escriba para buscar)")
    ui.esperar_ejecucion(page, 0)
    lista.click()
    lista.press_sequentially("zzzz")
    nada = page.locator('[role="listbox"][data-empty="true"] [role="option"] > span')
    expect(nada).to_have_text("No results")
    assert _generado(nada) == "Sin resultados"
    page.keyboard.press("Escape")

    # The server goes away: the connection drops and every way back fails.
    cortado["ya"] = True
    page.route(re.compile(r"/_stcore/(health|host-config)"), lambda ruta: ruta.abort())
    for ws in sockets:
        ws.close()
    expect(dialogo).to_contain_text("Connection error")
    assert _generado(dialogo.locator("h2")) == "Sin conexión con el servidor"
    assert _generado(dialogo.locator("h2 + div > div")).startswith("El servidor no responde.")
    assert dialogo.locator("h2").evaluate("e => getComputedStyle(e).fontSize") == "0px"
    captura(page, "sin_conexion.png")
