"""Paso 6 in Chromium: what is typed in the grid reaches core exactly as typed.

The quantity columns used to be number columns, which rewrote the text before the script saw it
(-1 → 1, 1,5 → 15, 1e3 → 13, 0x10 → 10, a 20-digit number → the maximum) and saved that without a
word. Now each bad value is refused with a message naming the product and the rule, and the line
saved before keeps its value (read back through the app's own screens after a reload: the server
holds the database file).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import rejilla_ag, tablero_ui, ui

pytestmark = pytest.mark.navegador

OOAD = ("Tabas", "OOAD Tabasco")  # sin iniciar in the demo data; no other browser test uses it
PRODUCTO, NOMBRE = "47.01", "Apendicectomía laparoscópica"
REGLA = "no es un número válido: escriba solo dígitos"
# (typed, what the message says about it). At least six, each once rewritten by the number column.
MALAS = [
    ("-1", f"«-1» {REGLA}"),
    ("1.5", f"«1.5» {REGLA}"),
    ("1,5", f"«1,5» {REGLA}"),
    ("1e3", f"«1e3» {REGLA}"),
    ("0x10", f"«0x10» {REGLA}"),
    ("12345678901234567890", "(12345678901234567890) excede el máximo mensual permitido de 100,000"),
    ("１２", f"«１２» {REGLA}"),
]


def _a_la_rejilla(page: Page) -> None:
    """Paso 3 (first unit) → Paso 4 Cirugía → Paso 5 Cirugía General → Paso 6, searched to PRODUCTO."""
    ui.menu(page, "Paso 3 · Unidad Médica")
    unidad = tablero_ui.abrir_unidad(page)
    ui.boton(page, re.compile(r"^Cirugía\s+—")).click()
    ui.ver(page, "Seleccionar la Especialidad Troncal")
    ui.boton(page, re.compile(r"^Cirugía General\s+—")).click()
    ui.ver(page, f"Unidad Médica: {unidad}")
    _solo_el_producto(page)


def _solo_el_producto(page: Page) -> None:
    ui.buscar(page, "Buscar producto", PRODUCTO, re.compile(rf"^1 de [\d,]+ productos coinciden con «{PRODUCTO}»$"))
    rejilla_ag.esperar(page)
    ui.hasta(lambda: rejilla_ag.filas(page) == [PRODUCTO], f"la rejilla muestra solo {PRODUCTO}")


def _guardar(page: Page) -> None:
    ui.boton(page, "Guardar").click()
    ui.boton(page.get_by_role("dialog"), "Sí, guardar").click()
    ui.oculto(page.get_by_role("dialog"))


def _guardado(page: Page) -> str:
    """Pacientes of PRODUCTO in «Líneas guardadas de esta Unidad Médica» (read from the store every run)."""
    guardadas = ui.rejilla(page)  # the first dataframe: the Paso 6 grid is AG Grid
    ui.esperar_rejilla(guardadas)
    expect(guardadas.locator("tbody tr")).to_have_count(1)
    [fila] = ui.tabla(guardadas)
    assert fila["Clave"] == PRODUCTO, fila
    return ui.valor(fila, "Pacientes")


def test_cantidades_mal_escritas_se_rechazan_sin_cambiar_nada(page: Page):
    ui.iniciar_sesion(page, *OOAD)
    ui.elegir_radio(page, "SI")
    ui.boton(page, "Guardar").click()
    ui.ver(page, "Respuesta SI guardada.")
    _a_la_rejilla(page)
    # In the 1366×768 window of the offices (conftest.VENTANA) every column is in view.
    if page.viewport_size and page.viewport_size["width"] <= 1366:
        assert rejilla_ag.fuera_de_vista(page) == []

    # A good value with a thousands comma: stored as 2989, shown back with its comma.
    rejilla_ag.escribir(page, PRODUCTO, "exc_pacientes", "2,989")
    _guardar(page)
    ui.ver(page, "Líneas guardadas: 1 nueva(s).")
    assert _guardado(page) == "2,989"

    # Every bad value at once, one to a product, the last over the saved line; one save refuses them
    # all, each with its own message (core lists every error), and saves nothing. The edits are kept
    # per product across the searches.
    ui.buscar(page, "Buscar producto", "", re.compile(r"^([\d,]+) de \1 productos$"))
    rejilla_ag.esperar(page)
    ui.hasta(lambda: len(rejilla_ag.filas(page)) >= len(MALAS), "la rejilla vuelve a mostrar todos los productos")
    otros = [p for p in rejilla_ag.filas(page) if p != PRODUCTO][: len(MALAS) - 1]
    destinos = [*otros, PRODUCTO]
    for producto, (tecleado, _) in zip(otros, MALAS[:-1], strict=True):
        rejilla_ag.escribir(page, producto, "exc_pacientes", tecleado)  # the cell keeps exactly what was typed
    _solo_el_producto(page)
    rejilla_ag.escribir(page, PRODUCTO, "exc_pacientes", MALAS[-1][0])
    ui.ver(page, f"Cambios sin guardar: {len(otros)} nueva(s), 1 modificada(s)")
    _guardar(page)
    ui.ver(page, re.compile("^No se guardó nada"))
    for producto, (_, regla) in zip(destinos, MALAS, strict=True):
        nombre = re.escape(NOMBRE) if producto == PRODUCTO else "[^»]+"
        ui.ver(
            page,
            re.compile(
                rf"Producto {re.escape(producto)} «{nombre}»: Excedente – pacientes mensuales {re.escape(regla)}"
            ),
        )
    assert _guardado(page) == "2,989"
    # An ámbito that is no option shows exactly as typed, also a name every JavaScript object has.
    rejilla_ag.escribir(page, PRODUCTO, "exc_ambito", "constructor")
    ui.boton(page, "Descartar cambios").click()
    ui.oculto(ui.texto(page, "Cambios sin guardar"))

    # A fresh page load: the store still holds 2,989 and nothing else for this unit.
    # (A new browser session: the cookie brings the login back, the person is asked again. Asked
    # whether the form was there right after the reload, the page had not always drawn it yet.)
    page.reload()
    ui.decir_quien(page)
    _a_la_rejilla(page)
    assert rejilla_ag.valor(page, PRODUCTO, "exc_pacientes") == "2,989"
    assert _guardado(page) == "2,989"
