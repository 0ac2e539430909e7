"""Unsaved Paso 6 edits in a real browser: kept as drafts, offered back to the same person in a new
browser session, and after a conflict only the conflicting product is reloaded.

Three browser contexts (three sessions): A types two products; A again in another browser gets both
back; B (another person of the same account) saves the first product; A's save is refused naming
only that product, which now shows B's value, and A's next save stores the second one.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import rejilla_ag, tablero_ui, ui

pytestmark = pytest.mark.navegador

UNIDAD = "HGZ 3, Chihuahua"  # no demo lines: the test's own saves are the only ones
A = ("Persona A Borradores", "Capturista")
B = ("Persona B Borradores", "Capturista")


def _ir_a_paso6(page: Page) -> None:
    ui.menu(page, "Paso 3 · Unidad Médica")
    ui.buscar(page, "Buscar Unidad Médica", UNIDAD, re.compile(r"Unidades Médicas tienen Excedentes"))
    expect(tablero_ui.unidades(page)).to_have_text([UNIDAD])
    tablero_ui.abrir_unidad(page, UNIDAD)
    ui.boton(page, re.compile(r"^Hemodiálisis\s+—")).click()  # one specialty: straight to Paso 6
    ui.ver(page, f"Unidad Médica: {UNIDAD}")
    rejilla_ag.esperar(page)


def _pacientes(page: Page) -> list[str]:
    """Excedente pacientes of the grid's first two rows."""
    return [rejilla_ag.valor(page, p, "exc_pacientes") for p in rejilla_ag.filas(page)[:2]]


def _guardar(page: Page) -> None:
    ui.boton(page, "Guardar").click()
    ui.boton(page.get_by_role("dialog"), "Sí, guardar").click()


def test_borradores_vuelven_en_otra_sesion_y_un_conflicto_recarga_solo_su_producto(
    new_context, captura, request, entrar
):
    a, a2, b = (new_context().new_page() for _ in range(3))
    request.node.paginas = [a, a2, b]  # for the screenshots on failure

    # A types on the first two products.
    entrar(a, "chihuahua", A)
    _ir_a_paso6(a)
    x, y = rejilla_ag.filas(a)[:2]
    rejilla_ag.escribir(a, x, "exc_pacientes", "5")
    rejilla_ag.escribir(a, y, "exc_pacientes", "6")
    ui.ver(a, "Cambios sin guardar: 2 nueva(s)")

    # A in another browser (a new session): both edits are offered back and go back into the grid.
    entrar(a2, "chihuahua", A)
    ui.ver(a2, re.compile(r"^Tiene 2 cambio\(s\) sin guardar del \d\d/\d\d/\d{4}"))
    ui.boton(a2, "Volver al Paso 6").click()
    ui.ver(a2, f"Unidad Médica: {UNIDAD}")
    ui.ver(a2, "Cambios sin guardar: 2 nueva(s)")
    ui.hasta(lambda: _pacientes(a2) == ["5", "6"], "los cambios recuperados en la rejilla")
    captura(a2, "borradores_recuperados.png")

    # B sees that A has unsaved edits there, then saves the first product.
    entrar(b, "chihuahua", B)
    _ir_a_paso6(b)
    ui.ver(b, re.compile("Otras personas de su OOAD/UMAE tienen cambios sin guardar en esta Unidad Médica"))
    ui.ver(b, re.compile(r"Persona A Borradores \(Capturista\).*2 producto\(s\)"))
    rejilla_ag.escribir(b, x, "exc_pacientes", "9")
    ui.ver(b, "Cambios sin guardar: 1 nueva(s)")
    _guardar(b)
    ui.ver(b, "Líneas guardadas: 1 nueva(s).")

    # A saves both: refused, naming only the first; it now shows B's 9, the second stays pending.
    _guardar(a)
    ui.ver(a, re.compile("^No se guardó nada: otra persona modificó"))
    ui.ver(a, re.compile(rf"Producto {re.escape(x)} «.+»: modificado por Persona B Borradores"))
    ui.oculto(ui.texto(a, re.compile(rf"Producto {re.escape(y)} «")))
    ui.ver(a, "Cambios sin guardar: 1 nueva(s), 0 modificada(s)")
    ui.hasta(lambda: _pacientes(a) == ["9", "6"], "el producto en conflicto recargado con el valor de B")
    captura(a, "borradores_conflicto.png")

    # A's next save stores the second product; the first keeps B's value.
    _guardar(a)
    ui.ver(a, "Líneas guardadas: 1 nueva(s).")
    ui.oculto(ui.texto(a, "Cambios sin guardar"))
    guardadas = ui.rejilla(a)  # the first dataframe: the Paso 6 grid is AG Grid
    ui.esperar_rejilla(guardadas)
    ui.hasta(
        lambda: {f.get("Clave"): ui.valor(f, "Pacientes") for f in ui.tabla(guardadas)} == {x: "9", y: "6"},
        "las dos líneas guardadas",
    )
