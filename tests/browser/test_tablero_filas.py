"""Issue 12 §2 in Chromium: the tablero's rows carry their own actions (capturista: its own row;
analista: report downloads in every row, never Finalizar or Subir) and fit a 1366×768 screen with
header and totals in view while the rows scroll; Paso 3 opens a unit in one click; Paso 7 finalizes
only after its confirmation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import tablero_ui, ui
from tests.browser.conftest import ARTEFACTOS

pytestmark = pytest.mark.navegador

UMAE = "umae-hes-no-25-monterrey"  # en captura, SI, one unit with 6 lines: no other browser test uses it
UNIDAD = "HES 25, Monterrey"


def test_capturista_acciones_de_su_renglon_paso3_en_un_clic_y_paso7_confirma(page: Page, entrar):
    entrar(page, UMAE)
    ui.menu(page, "Tablero de control")
    propia = tablero_ui.fila(page, UMAE)
    botones = propia.get_by_role("button")
    expect(botones).to_have_text(["UMAE HES No. 25 Monterrey", "Preliminar", "Finalizar Reporte"])
    expect(tablero_ui.fila(page, "chihuahua").get_by_role("button")).to_have_count(0)
    archivo, datos = ui.descargar(page, "Preliminar", propia)
    assert re.fullmatch(rf"reporte_preliminar_{UMAE}_\d{{4}}\.pdf", archivo), archivo
    assert datos.startswith(b"%PDF")
    tablero_ui.accion(page, UMAE, "Finalizar Reporte").click()
    ui.ver(page, "Finalizar el registro de Excedentes y Faltantes de la OOAD/UMAE")

    # Paso 3: one click on the unit's name opens it in Paso 4.
    ui.menu(page, "Paso 3 · Unidad Médica")
    assert tablero_ui.abrir_unidad(page) == UNIDAD

    # Paso 7: the dialog names the unit and its lines; Cancelar leaves it open; then it finalizes.
    ui.menu(page, "Paso 7 · Finalizar")
    ui.elegir_radio(page, "SI")
    ui.boton(page, "Guardar").click()
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text(f"{UNIDAD}: 6 línea(s) (4 Excedente(s), 2 Faltante(s))")
    expect(dialogo).to_contain_text("Total: 1 Unidad(es) Médica(s), 6 línea(s)")
    ui.boton(dialogo, "Cancelar").click()
    ui.ver(page, "No se finalizó: el registro sigue abierto.")
    tablero_ui.finalizar_paso7(page)

    ui.menu(page, "Tablero de control")
    expect(tablero_ui.fila(page, UMAE).get_by_role("button")).to_have_text(
        ["UMAE HES No. 25 Monterrey", "Versión Final", "Subir"]
    )
    expect(page.get_by_role("button", name=re.compile("Versión Final"))).to_have_count(1)


def test_analista_reportes_en_cada_renglon_a_1366(page: Page, entrar, captura):
    page.set_viewport_size({"width": 1366, "height": 768})
    entrar(page, "analista")
    filas = page.locator("[class*='st-key-fila_']")
    expect(filas).to_have_count(60)
    informes = page.locator(
        "[class*='st-key-fila_'] [class*='st-key-tb_preliminar_'] button, "
        "[class*='st-key-fila_'] [class*='st-key-tb_final_'] button"
    )
    expect(informes).to_have_count(60)
    expect(
        page.get_by_role("button", name=re.compile(r"^(Finalizar Reporte|Subir|Consultar\/Modificar)$"))
    ).to_have_count(0)
    captura(page, "tablero.png")  # the README's (make capturas), rows from the first
    # Every column, semáforo and recepción included, inside the 1366 px window; no sideways scroll.
    cuerpo = page.locator(".st-key-tablero_filas")
    encabezado = page.locator(".eyf-cab")
    totales = page.locator(".eyf-total")
    encabezado.scroll_into_view_if_needed()
    cuerpo.evaluate("e => { e.scrollTop = e.scrollHeight; }")  # the rows scroll, header and totals stay
    page.evaluate("() => document.querySelector('.st-key-tablero_filas').scrollIntoView({block: 'center'})")
    expect(tablero_ui.fila(page, "umae-ho-cmn-siglo-xxi")).to_be_in_viewport()
    for parte in (encabezado, totales):
        expect(parte).to_be_in_viewport(ratio=1)
        caja = parte.bounding_box()
        assert caja and caja["x"] + caja["width"] <= 1366, caja
    for titulo in ("Semáforo", "Recepción (original)"):
        caja = encabezado.get_by_text(titulo, exact=True).bounding_box()
        assert caja and caja["x"] + caja["width"] <= 1366 - 15, (titulo, caja)  # clear of the scrollbar
    assert cuerpo.evaluate("e => e.scrollWidth <= e.clientWidth")
    ARTEFACTOS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTOS / "tablero_1366.png"))
