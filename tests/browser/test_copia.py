"""Copy forward and «Comparar periodos» in a real browser (issue 12 §4).

Hidalgo has not started this year in the demo; its Versión Final of the previous year has a line of a
unit that closed since and one of a laboratory test withdrawn from the catalog (core/demo.py). No other
browser test uses it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import ui

pytestmark = pytest.mark.navegador

OOAD = "hidalgo"
PERSONA = ("Rosa Martínez Téllez", "Jefa de Prestaciones Médicas")


def _numero(texto: str) -> int:
    return int(texto.replace(",", "").replace("−", "-"))


def _filtrar_estado(page: Page, estado: str) -> None:
    """Pick one state in the Filtros' multiselect; a pick that lands while the page reruns is lost
    (the list closes empty): then once more."""
    caja = ui.campo(page, "stMultiSelect", "Estado")
    for intento in range(3):
        ui.quieto(page, 500)
        entrada = caja.locator("input")
        entrada.click()
        entrada.fill(estado)
        try:
            page.get_by_role("option", name=estado, exact=True).click(timeout=5_000)
            ui.esperar_ejecucion(page)
            expect(caja).to_contain_text(estado, timeout=5_000)
            break
        except (AssertionError, PlaywrightTimeout):
            if intento == 2:
                raise
            page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def test_partir_de_la_version_final_guardar_todo_y_comparar_periodos(
    page: Page, entrar, browser, browser_context_args, captura
):
    anio = dt.date.today().year
    antes = anio - 1
    entrar(page, OOAD, PERSONA)
    ui.ver(page, f"Partir de la Versión Final {antes}")
    descripcion = page.get_by_text(re.compile(rf"^Puede empezar el periodo {anio}"))
    m = re.search(r"(\d+) se copian; (\d+) no se copian porque salieron del catálogo", descripcion.inner_text())
    assert m, descripcion.inner_text()
    copiar, fuera = int(m[1]), int(m[2])
    assert fuera == 2

    ui.boton(page, f"Partir de la Versión Final {antes}").click()
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text(f"Su respuesta del Paso 2 será SI para el periodo {anio}")
    ui.boton(dialogo, f"Sí, copiar {copiar:,} línea(s)").click()
    ui.ver(page, f"Se copiaron {copiar:,} línea(s) de la Versión Final {antes}: están en sus cambios sin guardar.")
    expect(page.get_by_test_id("stRadio").get_by_role("radio", name="SI")).to_be_checked()  # answered SI

    # Per unit: what was copied and, for the two lines left out, the reason.
    grid = ui.rejilla(page)
    ui.esperar_rejilla(grid)
    filas = {f["Unidad Médica"]: f for f in ui.tabla(grid)}
    assert sum(_numero(f["Copiadas, sin guardar"]) for f in filas.values()) == copiar
    cerrada = filas["UMF 33, Mineral del Monte"]
    assert (cerrada["Copiadas, sin guardar"], cerrada["No se copian"]) == ("0", "1"), cerrada
    assert "la Unidad Médica ya no está en el catálogo vigente" in cerrada["Por qué no se copian"]
    retirado = next(f for f in filas.values() if "LAB-R001" in f["Por qué no se copian"])
    assert "el producto ya no está en el catálogo vigente" in retirado["Por qué no se copian"]
    con_lineas = sum(1 for f in filas.values() if _numero(f["Copiadas, sin guardar"]))
    captura(page, "copia.png")

    ui.boton(page, "Guardar todo lo copiado").click()
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text(f"Se guardarán {copiar:,} línea(s) copiadas")
    ui.boton(dialogo, "Sí, guardar todo").click()
    ui.ver(page, f"Se guardaron {copiar:,} línea(s) copiadas en {con_lineas:,} Unidad(es) Médica(s).")
    expect(page.get_by_text(f"Partir de la Versión Final {antes}", exact=True)).to_have_count(0)
    ui.menu(page, "Paso 3 · Unidad Médica")
    ui.ver(page, re.compile(rf"^{con_lineas:,} de [\d,]+ Unidades Médicas tienen Excedentes y/o Faltantes guardados"))

    # The division compares the two years by state, with the OOAD/UMAE en captura: Hidalgo's figures
    # change by exactly the two lines left out (12 surplus patients, 40 shortage patients).
    division = browser.new_context(**browser_context_args)
    try:
        otra = division.new_page()
        ui.entrar_division(otra, "analista")
        ui.menu(otra, "Comparar periodos")
        ui.visible(otra.get_by_role("heading", name="Comparar periodos", level=1))
        ui.elegir_opcion(otra, "Por", "Estado")
        otra.get_by_text("Incluir OOAD/UMAE en captura").click()
        ui.esperar_ejecucion(otra)
        grid = ui.rejilla(otra)
        ui.esperar_rejilla(grid)
        captura(otra, "comparar.png")
        otra.get_by_text("Filtros", exact=True).click()
        _filtrar_estado(otra, "Hidalgo")
        ui.esperar_filas(grid, ["Hidalgo"])
        (hidalgo,) = ui.tabla(grid)
        assert hidalgo["Situación"] == "Cambia", hidalgo
        assert _numero(hidalgo["Cambio en excedentes"]) == -12 and _numero(hidalgo["Cambio en faltantes"]) == -40
        assert _numero(hidalgo["Cambio en el balance"]) == 28
        assert _numero(hidalgo[f"Pacientes faltantes {antes}"]) - 40 == _numero(hidalgo[f"Pacientes faltantes {anio}"])
    finally:
        division.close()
