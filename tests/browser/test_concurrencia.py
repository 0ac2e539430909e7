"""Two people share the Chihuahua password and capture the same product of the same unit.

A saves first; B's grid was loaded before A's save, so B's save must be refused whole, naming the
product, and A's value must stay. Two browser contexts: two sessions with their own cookies.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import rejilla_ag, tablero_ui, ui

pytestmark = pytest.mark.navegador

UNIDAD = "HGZ 6, Ciudad Juárez"  # the guide's example unit; its demo line is in Hemodiálisis only
PRODUCTO = "47.01"  # Apendicectomía laparoscópica (Cirugía General)


def _abrir_paso6(page: Page, entrar, persona: tuple[str, str]) -> None:
    entrar(page, "chihuahua", persona)
    _ir_a_paso6(page)


def _ir_a_paso6(page: Page) -> None:
    ui.menu(page, "Paso 3 · Unidad Médica")
    ui.buscar(page, "Buscar Unidad Médica", "HGZ 6", re.compile(r"Unidades Médicas tienen Excedentes"))
    tablero_ui.abrir_unidad(page, UNIDAD)
    ui.boton(page, re.compile(r"^Cirugía\s+—")).click()
    ui.boton(page, re.compile(r"^Cirugía General\s+—")).click()
    ui.ver(page, f"Unidad Médica: {UNIDAD}")
    ui.buscar(page, "Buscar producto", PRODUCTO, re.compile(rf"^1 de [\d,]+ productos coinciden con «{PRODUCTO}»$"))
    rejilla_ag.esperar(page)
    ui.hasta(lambda: rejilla_ag.filas(page) == [PRODUCTO], f"la rejilla muestra solo {PRODUCTO}")


def _capturar_y_guardar(page: Page, valor: str) -> None:
    rejilla_ag.escribir(page, PRODUCTO, "exc_pacientes", valor)
    ui.ver(page, re.compile(r"Cambios sin guardar: 1 nueva\(s\)|Cambios sin guardar: 0 nueva\(s\), 1 modificada"))
    ui.boton(page, "Guardar").click()
    ui.boton(page.get_by_role("dialog"), "Sí, guardar").click()


def _pacientes_guardados(page: Page) -> str:
    """Pacientes Mensuales of PRODUCTO in "Líneas guardadas de esta Unidad Médica" (read from the store on every run)."""
    guardadas = ui.rejilla(page)  # the first dataframe: the Paso 6 grid is AG Grid
    ui.esperar_rejilla(guardadas)

    def fila():  # the table may still be drawing the data of the last run
        return [f for f in ui.tabla(guardadas) if f.get("Clave") == PRODUCTO]

    encontrada = ui.hasta(fila, f"el producto {PRODUCTO} en las líneas guardadas")
    assert len(encontrada) == 1, encontrada
    return ui.valor(encontrada[0], "Pacientes")


def test_el_segundo_guardado_del_mismo_producto_se_rechaza(new_context, captura, request, entrar):
    a = new_context().new_page()
    b = new_context().new_page()
    request.node.paginas = [a, b]  # for the screenshots on failure
    _abrir_paso6(a, entrar, ("Persona A Chihuahua", "Capturista"))
    _abrir_paso6(b, entrar, ("Persona B Chihuahua", "Capturista"))

    # A saves 10 for the product.
    _capturar_y_guardar(a, "10")
    ui.ver(a, "Líneas guardadas: 1 nueva(s).")
    assert _pacientes_guardados(a) == "10"

    # B, whose grid was loaded before A's save, saves 20 for the same product: refused.
    _capturar_y_guardar(b, "20")
    ui.ver(b, re.compile("^No se guardó nada: otra persona modificó"))
    ui.ver(b, re.compile(rf"Producto {re.escape(PRODUCTO)} «.+»: modificado por Persona A Chihuahua"))
    expect(ui.texto(b, "Líneas guardadas:")).to_be_hidden()
    captura(b, "concurrencia_rechazo.png")

    # The stored value is A's: B's own page lists it, and so does B's screen loaded afresh
    # (a reload keeps the login through the cookie; the person names themself again).
    assert _pacientes_guardados(b) == "10"
    b.reload()
    ui.ver(b, "Modo demostración")
    ui.menu(b, "Paso 3 · Unidad Médica")
    ui.decir_quien(b, ("Persona B Chihuahua", "Capturista"))
    _ir_a_paso6(b)
    assert rejilla_ag.valor(b, PRODUCTO, "exc_pacientes") == "10"
    expect(ui.texto(b, "Cambios sin guardar")).to_be_hidden()
    assert _pacientes_guardados(b) == "10"
