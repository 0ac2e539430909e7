"""Pasos 8-9 in Chromium: from the tablero a finalized OOAD prints its Versión Final, uploads the
signed PDF (a text file renamed .pdf is refused first) and turns Firmado; an OOAD still capturing
can print only the preliminary."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser import tablero_ui, ui

pytestmark = pytest.mark.navegador

FOLIO = re.compile(r"EYF-\d{4}-\d{2}-V\d+-[0-9A-F]{10}")


def _en_tablero(page: Page, clave: str):
    """The OOAD/UMAE's own row of the tablero, where its report actions are."""
    ui.menu(page, "Tablero de control")
    return tablero_ui.fila(page, clave)


def test_version_final_se_imprime_se_sube_firmada_y_queda_verde(page: Page, captura, tmp_path, entrar):
    entrar(page, "coahuila")
    _en_tablero(page, "coahuila")
    with page.expect_download() as descarga:
        tablero_ui.accion(page, "coahuila", "Versión Final").click()
    pdf = tmp_path / "final.pdf"
    descarga.value.save_as(pdf)
    texto = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes()), strict=True).pages)
    assert "OOAD Coahuila" in texto and "Sin Validez Oficial" not in texto
    folio = FOLIO.search(re.sub(r"\s+", "", texto)).group(0)

    tablero_ui.accion(page, "coahuila", "Subir").click()
    ui.ver(page, "Subir Reporte «Versión Final» firmado")
    # Streamlit's own English limit line ("110MB per file") cannot be read, its "Upload" reads in
    # Spanish, and the limit that counts is said in Spanish.
    subida = page.get_by_test_id("stFileUploaderDropzone")
    linea = subida.get_by_text(re.compile("per file"))
    expect(linea).to_have_count(1)
    assert linea.evaluate("e => getComputedStyle(e).fontSize") == "0px"
    assert "MB" not in linea.evaluate("e => getComputedStyle(e, '::after').content")
    ui.ver(page, re.compile(r"Solo PDF, de hasta 100 MB \(104,857,600 bytes; 1 MB = 1,048,576 bytes"))
    boton = subida.get_by_role("button").locator("p")
    assert boton.evaluate("e => getComputedStyle(e, '::after').content") == '"Elegir archivo"'
    assert boton.evaluate("e => getComputedStyle(e).fontSize") == "0px"
    falso = tmp_path / "reporte.pdf"
    falso.write_text("esto es texto, no un PDF\n" * 20, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(falso))
    ui.esperar_ejecucion(page)
    ui.boton(page, "Subir").click()
    ui.ver(page, re.compile("no es un PDF"))
    captura(page, "paso9_rechazo.png")

    page.locator("input[type=file]").set_input_files(str(pdf))
    ui.esperar_ejecucion(page)
    ui.boton(page, "Subir").click()
    ui.ver(page, re.compile(r"Reporte firmado recibido \(\d+ página\(s\)\)"))
    ui.ver(page, re.compile("folio verificado"))
    captura(page, "paso9.png")

    fila = _en_tablero(page, "coahuila")
    expect(fila).to_contain_text("🟢 Firmado")
    ui.visible(fila.get_by_role("button", name="Consultar/Modificar"))
    assert folio.startswith("EYF-")


def test_sin_finalizar_solo_se_imprime_el_preliminar(page: Page, tmp_path, entrar):
    entrar(page, "durango")
    fila = _en_tablero(page, "durango")
    with page.expect_download() as descarga:
        tablero_ui.accion(page, "durango", "Preliminar").click()
    pdf = tmp_path / "preliminar.pdf"
    descarga.value.save_as(pdf)
    paginas = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes()), strict=True).pages]
    assert all("Sin Validez Oficial" in p for p in paginas)
    expect(fila.get_by_role("button", name="Versión Final")).to_have_count(0)
