"""The guide's flow, end to end, as a capturista of OOAD Campeche does it in Chromium.

Tablero → Paso 1 (search the OOAD, password, who captures) → Paso 2 (SI) → Paso 3 (a unit) →
Paso 4 (Cirugía) → Paso 5 (Cirugía General) → Paso 6 (grid edits across a search, a Faltante with
its cause, save; a refused save) → Paso 7 (finalize) → Paso 6 read-only → tablero semáforo.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import rejilla_ag, tablero_ui, ui

pytestmark = pytest.mark.navegador

TITULO = "Recolección de Excedentes y/o Faltantes de Servicios Médicos Institucionales"
# Products of Cirugía General found by code, so that each search shows one row.
PRODUCTO_B = "51.23"  # Colecistectomía laparoscópica
PRODUCTO_MALO = "47.01"  # Apendicectomía laparoscópica


def _solo(producto: str) -> re.Pattern:
    return re.compile(rf"^1 de [\d,]+ productos coinciden con «{re.escape(producto)}»$")


def test_flujo_completo_de_una_ooad(page: Page, captura):
    # 1. Tablero de control: title, semáforo legend, demo banner, OOAD rows.
    page.goto("/")
    ui.visible(page.get_by_role("heading", name=TITULO, level=1))
    ui.visible(page.get_by_test_id("stSidebar").get_by_text("Modo demostración"))
    ui.ver(page, "Semáforo:")
    expect(tablero_ui.fila(page, "campeche")).to_contain_text("🔴 Sin iniciar")
    expect(tablero_ui.fila(page, "chihuahua")).to_contain_text("🟠 En captura")
    captura(page, "tablero_publico.png")

    # 2. Paso 1: the OOAD from the searchable list, its password, then who captures.
    ui.menu(page, "Paso 1 · Acceso")
    ui.ver(page, "Seleccionar OOAD/UMAE")
    lista = page.get_by_role("combobox", name="OOAD/UMAE (escriba para buscar)")
    lista.click()
    lista.press_sequentially("Campe")
    page.get_by_role("option", name="OOAD Campeche", exact=True).click()
    page.get_by_label("Contraseña").fill("demo")
    captura(page, "paso1.png")
    ui.boton(page, "Entrar").click()
    ui.decir_quien(page)

    # 3. Paso 2: SI, Guardar.
    ui.ver(page, "Indicar si alguna de las Unidades Médicas tiene Excedentes y/o Faltantes")
    ui.elegir_radio(page, "SI")
    ui.boton(page, "Guardar").click()
    ui.ver(page, "Respuesta SI guardada.")
    captura(page, "paso2.png")

    # 4. Paso 3: one click on the first unit's name opens it.
    ui.menu(page, "Paso 3 · Unidad Médica")
    ui.ver(page, "Seleccionar Unidad Médica")
    ui.ver(page, "0 de 12 Unidades Médicas tienen Excedentes y/o Faltantes guardados.")
    expect(tablero_ui.unidades(page)).to_have_count(12)
    captura(page, "paso3.png")
    unidad = tablero_ui.abrir_unidad(page)

    # 5. Paso 4: the Cirugía group; Paso 5: Cirugía General.
    ui.ver(page, "Seleccionar Grupo de Servicio")
    ui.boton(page, re.compile(r"^Cirugía\s+—")).click()
    ui.ver(page, "Seleccionar la Especialidad Troncal")
    ui.boton(page, re.compile(r"^Cirugía General\s+—")).click()

    # 6. Paso 6: a quantity in the first product's row ...
    ui.ver(page, re.compile("Registrar Excedentes y Faltantes"))
    ui.ver(page, f"Unidad Médica: {unidad}")
    todos = re.compile(r"^([\d,]+) de \1 productos$")
    ui.ver(page, todos)
    rejilla_ag.esperar(page)
    producto_a = rejilla_ag.filas(page)[0]
    nombre_a = rejilla_ag.valor(page, producto_a, "producto")
    assert producto_a != PRODUCTO_B and rejilla_ag.valor(page, producto_a, "exc_pacientes") == ""
    rejilla_ag.escribir(page, producto_a, "exc_pacientes", "10")
    ui.ver(page, "Cambios sin guardar: 1 nueva(s)")

    # ... a search that hides it; product B now sits in row 0, where A was: a Faltante of 25 ...
    ui.buscar(page, "Buscar producto", PRODUCTO_B, _solo(PRODUCTO_B))
    rejilla_ag.esperar(page)
    ui.hasta(lambda: rejilla_ag.filas(page) == [PRODUCTO_B], f"la rejilla muestra solo {PRODUCTO_B}")
    rejilla_ag.escribir(page, PRODUCTO_B, "fal_pacientes", "25")
    ui.ver(page, "Cambios sin guardar: 2 nueva(s)")
    # ... and its cause, chosen from the cell's list; the Excedente side is now locked (grey).
    rejilla_ag.elegir(page, PRODUCTO_B, "fal_causa", "Falta de Equipo")
    expect(rejilla_ag.celda(page, PRODUCTO_B, "fal_causa")).to_have_text("Falta de Equipo")
    assert [rejilla_ag.valor(page, PRODUCTO_B, c) for c in ("fal_pacientes", "exc_pacientes")] == ["25", ""]
    assert rejilla_ag.bloqueada(page, PRODUCTO_B, "exc_pacientes")

    # Clearing the search: A still has its 10 (edits are kept per product, not per row).
    ui.buscar(page, "Buscar producto", "", todos)
    rejilla_ag.esperar(page)
    ui.hasta(lambda: len(rejilla_ag.filas(page)) > 1, "la rejilla vuelve a mostrar todos los productos")
    filas = rejilla_ag.filas(page)
    assert filas[0] == producto_a, filas
    valores = {
        p: (rejilla_ag.valor(page, p, "exc_pacientes"), rejilla_ag.valor(page, p, "fal_pacientes")) for p in filas
    }
    assert valores.pop(producto_a) == ("10", "") and set(valores.values()) == {("", "")}, valores
    ui.ver(page, "Cambios sin guardar: 2 nueva(s)")

    # Guardar, confirm: two new lines, both listed with their quantities.
    ui.boton(page, "Guardar").click()
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text("Se guardarán 2 línea(s) nueva(s), 0 modificada(s), 0 eliminada(s).")
    ui.boton(dialogo, "Sí, guardar").click()
    ui.ver(page, "Líneas guardadas: 2 nueva(s).")
    ui.oculto(dialogo)
    ui.ver(page, "Líneas guardadas de esta Unidad Médica")
    guardadas = ui.rejilla(page)  # the first dataframe: the Paso 6 grid is AG Grid
    ui.esperar_rejilla(guardadas)
    expect(guardadas.locator("tbody tr")).to_have_count(2)
    lineas = {f["Clave"]: f for f in ui.tabla(guardadas)}
    assert lineas.keys() == {producto_a, PRODUCTO_B}, lineas
    a, b = lineas[producto_a], lineas[PRODUCTO_B]
    assert a["Producto"] == nombre_a and ui.valor(a, "^Tipo") == "Excedente", a
    assert (ui.valor(a, "Causa"), ui.valor(a, "Pacientes")) == ("", "10"), a
    assert (ui.valor(b, "^Tipo"), ui.valor(b, "Causa"), ui.valor(b, "Pacientes")) == (
        "Faltante",
        "Falta de Equipo",
        "25",
    ), b
    rejilla_ag.esperar(page)
    assert rejilla_ag.filas(page)[0] == producto_a
    assert rejilla_ag.valor(page, producto_a, "exc_pacientes") == "10"
    captura(page, "paso6_flujo.png")  # docs/paso6.png comes from test_rejilla_guia.py

    # 7. A Faltante with patients but no cause: refused whole, nothing saved.
    ui.buscar(page, "Buscar producto", PRODUCTO_MALO, _solo(PRODUCTO_MALO))
    rejilla_ag.esperar(page)
    ui.hasta(lambda: rejilla_ag.filas(page) == [PRODUCTO_MALO], f"la rejilla muestra solo {PRODUCTO_MALO}")
    rejilla_ag.escribir(page, PRODUCTO_MALO, "fal_pacientes", "5")
    ui.ver(page, "Cambios sin guardar: 1 nueva(s)")
    ui.boton(page, "Guardar").click()
    ui.boton(page.get_by_role("dialog"), "Sí, guardar").click()
    ui.ver(page, re.compile("^No se guardó nada"))
    ui.ver(page, re.compile(rf"Producto {re.escape(PRODUCTO_MALO)} .*requiere la causa principal"))
    captura(page, "paso6_error.png")
    expect(ui.rejilla(page).locator("tbody tr")).to_have_count(2)
    ui.boton(page, "Descartar cambios").click()
    ui.oculto(ui.texto(page, "Cambios sin guardar"))

    # 8. Paso 7: the summary, SI, Guardar: finalized; Paso 6 becomes read-only.
    ui.menu(page, "Paso 7 · Finalizar")
    ui.ver(page, "Finalizar el registro de Excedentes y Faltantes de la OOAD/UMAE")
    ui.ver(page, "1 de 12 Unidades Médicas reportan Excedentes y/o Faltantes")
    tablero_ui.finalizar_paso7(page)
    captura(page, "paso7.png")
    ui.menu(page, "Paso 6 · Excedentes y Faltantes")
    ui.ver(page, re.compile("Registrar Excedentes y Faltantes"))
    ui.ver(page, re.compile("Pantalla de solo consulta"))
    ui.ver(page, re.compile("se finalizó el"))
    expect(ui.boton(page, "Guardar")).to_be_disabled()  # with the lifecycle's reason as its tooltip
    captura(page, "paso6_consulta.png")

    # 9. Tablero: Campeche is finalized and waits for the signed upload.
    ui.menu(page, "Tablero de control")
    ui.visible(page.get_by_role("heading", name=TITULO, level=1))
    # (the label was "🔵 Finalizado (falta subir firmado)"; the legend now explains the state)
    expect(tablero_ui.fila(page, "campeche")).to_contain_text("🔵 Finalizado")
    captura(page, "tablero_final.png")
