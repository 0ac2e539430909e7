"""Pasos 8-9 in Chromium: from the tablero a finalized OOAD prints its Versión Final, uploads the
signed PDF (a text file renamed .pdf is refused first) and turns Firmado; an OOAD still capturing
can print only the preliminary."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.browser import ui

pytestmark = pytest.mark.navegador

FOLIO = re.compile(r"EYF-\d{4}-\d{2}-V\d+-[0-9A-F]{10}")


def _elegir_en_tablero(page: Page, nombre: str) -> None:
    ui.menu(page, "Tablero de control")
    grid = ui.rejilla(page)
    ui.esperar_rejilla(grid)
    ui.elegir_fila(grid, ui.fila_de(grid, nombre))


def test_version_final_se_imprime_se_sube_firmada_y_queda_verde(page: Page, captura, tmp_path, entrar):
    entrar(page, "coahuila")
    _elegir_en_tablero(page, "Coahuila")
    with page.expect_download() as descarga:
        ui.boton(page, "📄 Versión Final para firmas (PDF)").click()
    pdf = tmp_path / "final.pdf"
    descarga.value.save_as(pdf)
    texto = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes()), strict=True).pages)
    assert "OOAD Coahuila" in texto and "Sin Validez Oficial" not in texto
    folio = FOLIO.search(re.sub(r"\s+", "", texto)).group(0)

    ui.boton(page, "Subir (Paso 9)").click()
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

    ui.menu(page, "Tablero de control")
    grid = ui.rejilla(page)
    ui.esperar_rejilla(grid)
    fila = grid.locator("tbody tr").nth(ui.fila_de(grid, "Coahuila"))
    expect(fila).to_contain_text("🟢 Firmado")
    expect(fila).to_contain_text("Consultar/Modificar")
    assert folio.startswith("EYF-")


def test_sin_finalizar_solo_se_imprime_el_preliminar(page: Page, tmp_path, entrar):
    entrar(page, "durango")
    _elegir_en_tablero(page, "Durango")
    with page.expect_download() as descarga:
        ui.boton(page, "📄 Reporte Preliminar (PDF)").click()
    pdf = tmp_path / "preliminar.pdf"
    descarga.value.save_as(pdf)
    paginas = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes()), strict=True).pages]
    assert all("Sin Validez Oficial" in p for p in paginas)
    expect(page.get_by_role("button", name="📄 Versión Final para firmas (PDF)")).to_have_count(0)
