"""Driving the tables whose rows carry their own buttons (the tablero, Paso 3; ui/components/filas.py)
and Paso 7's confirmation in Chromium.

Each row with actions is a horizontal container whose CSS class is `st-key-fila_<key>` (the OOAD/UMAE's
account name on the tablero, the unit's key on Paso 3); its actions are ordinary buttons, found by role
and name inside it. A row without actions is a div whose `data-fila` is `fila_<key>`."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from tests.browser import ui


def fila(page: Page, clave: str) -> Locator:
    """The tablero's row of an OOAD/UMAE (by its account name, e.g. "chihuahua")."""
    renglon = page.locator(f".st-key-fila_{clave}, [data-fila='fila_{clave}']")
    ui.presente(renglon)
    return renglon


def accion(page: Page, clave: str, etiqueta: str) -> Locator:
    """A button of the row (its name, «Preliminar», «Versión Final», «Finalizar Reporte», «Subir»…)."""
    return fila(page, clave).get_by_role("button", name=etiqueta, exact=True)


def buscar_en_tablero(page: Page, nombre: str, clave: str) -> Locator:
    """Filter the tablero by name and return the row (the rows scroll inside their block)."""
    campo = page.get_by_label("Buscar OOAD/UMAE", exact=True)
    campo.fill(nombre)
    campo.press("Enter")
    ui.esperar_ejecucion(page)
    expect(page.locator("[class*='st-key-fila_'], [data-fila^='fila_']")).to_have_count(1)
    return fila(page, clave)


def unidades(page: Page) -> Locator:
    """Paso 3's unit-name buttons, in order."""
    return page.locator(".st-key-paso3_filas [class*='st-key-p3_unidad_'] button")


def abrir_unidad(page: Page, nombre: str | None = None) -> str:
    """Paso 3: one click on the unit's name (the first unit when `nombre` is None); waits for Paso 4
    with that unit and returns its name."""
    boton = (
        unidades(page).first
        if nombre is None
        else unidades(page).filter(has_text=re.compile(rf"^{re.escape(nombre)}$"))
    )
    expect(boton).to_have_count(1)
    nombre = boton.inner_text().strip()
    ui.esperar_ejecucion(page, 0)
    boton.click()
    ui.ver(page, "Seleccionar Grupo de Servicio")
    ui.ver(page, f"Unidad Médica: {nombre}")
    return nombre


def finalizar_paso7(page: Page) -> None:
    """On Paso 7: SI, Guardar, then the confirmation dialog's «Sí, finalizar»."""
    ui.elegir_radio(page, "SI")
    ui.boton(page, "Guardar").click()
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text("Confirmar: finalizar el registro")
    ui.boton(dialogo, "Sí, finalizar").click()
    ui.oculto(dialogo)
    ui.ver(page, re.compile(r"^Registro finalizado \(versión final \d+\)"))
