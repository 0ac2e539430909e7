"""In Chromium: a person's name with a link, bold text and HTML tags shows as typed, never rendered.

AppTest reads the Markdown the server sends; only the browser shows what Streamlit's renderer makes
of it (GitHub's bare links included).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import ui

pytestmark = pytest.mark.navegador

OOAD = "tlaxcala"  # OOAD Tlaxcala: only logs in; no other browser test uses it (test_sesiones changes Nayarit)
NOMBRE = '<a href="x">y</a> **negrita** [link](http://x)'
CARGO = "Jefa <b>x</b> www.ejemplo.mx https://ejemplo.mx/a ana@ejemplo.mx :red[rojo] :material/home: $x^2$ ~~no~~"


def test_nombre_de_quien_captura_se_ve_tal_cual(page: Page, entrar):
    entrar(page, OOAD, persona=(NOMBRE, CARGO))
    barra = page.get_by_test_id("stSidebar")
    leyenda = barra.get_by_test_id("stCaptionContainer").filter(has_text="Captura:")
    expect(leyenda).to_have_count(1)
    # The text reads as typed (the invisible word joiners that break bare links aside).
    ui.hasta(
        lambda: f"Captura: {NOMBRE} ({CARGO})" in leyenda.inner_text().replace("\u2060", ""),
        "el nombre y el cargo se leen tal como se escribieron",
    )
    expect(leyenda.locator("strong")).to_have_text(["Capturista Tlaxcala"])  # the account's name, bold on purpose
    for etiqueta in ("a", "b", "del", "span[style*=color]", "[class*=katex]", "[class*=material]"):
        expect(leyenda.locator(etiqueta)).to_have_count(0)
