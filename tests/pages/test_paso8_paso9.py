"""Paso 7-9 pages: preliminary download, final version with folio and signatories, signed upload."""

from __future__ import annotations

import io

from reportlab.pdfgen import canvas

from core import instalacion
from core.lifecycle import firmados
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos
from tests.pages.filas_ui import tabla


def _pdf(texto: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, texto)
    c.showPage()
    c.save()
    return buf.getvalue()


def _pdf_con_javascript() -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf("Reporte"))))
    w._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _folio(datos, ooad):
    from core.lifecycle import ciclo, folio

    store = instalacion.abrir(datos)
    try:
        anio = ciclo.periodo_actual(store).anio
        return folio.calcular(store, anio, ooad, ciclo.estado(store, anio, ooad).version_final)
    finally:
        store.close()


def test_paso8_muestra_folio_y_guarda_firmantes(datos):
    folio = _folio(datos, "coahuila")
    at = abrir_app(datos)
    iniciar_sesion(at, "coahuila")
    at.switch_page("ui/paso8_version_final.py").run()
    assert not at.exception
    assert folio in textos(at)
    assert any(b.label.startswith("📄 Versión Final") for b in at.get("download_button"))
    editor = at.session_state["p8_firmantes_editor"] if "p8_firmantes_editor" in at.session_state else None
    at.session_state["p8_firmantes_editor"] = {
        "edited_rows": {},
        "deleted_rows": [],
        "added_rows": [{"nombre": "Dra. Ana Pérez", "cargo": "Titular de la Jefatura de Prestaciones Médicas"}],
    }
    at.run()
    boton(at, "Guardar firmantes").click().run()
    assert "Firmantes guardados." in textos(at), editor


def test_paso9_rechaza_un_texto_renombrado_y_acepta_el_pdf_con_folio(datos):
    folio = _folio(datos, "coahuila")
    at = abrir_app(datos)
    iniciar_sesion(at, "coahuila")
    at.switch_page("ui/paso9_subir.py").run()
    assert firmados.REQUISITOS in [c.value for c in at.caption]  # the limits, in Spanish
    at.get("file_uploader")[0].upload("reporte.pdf", b"esto no es un pdf" * 10, "application/pdf").run()
    boton(at, "Subir").click().run()
    assert "no es un PDF" in textos(at)
    at.get("file_uploader")[0].upload("firmado.pdf", _pdf_con_javascript(), "application/pdf").run()
    boton(at, "Subir").click().run()
    assert "El PDF contiene JavaScript" in textos(at)
    at.get("file_uploader")[0].upload("firmado.pdf", _pdf(f"Folio: {folio}"), "application/pdf").run()
    boton(at, "Subir").click().run()
    assert "Reporte firmado recibido (1 página(s))" in textos(at)
    assert "firmado.pdf" in textos(at) and "folio verificado" in textos(at)
    at.switch_page("ui/tablero.py").run()
    fila = tabla(at).set_index("OOAD/UMAE").loc["Coahuila"]
    assert fila["Semáforo"] == "🟢 Firmado" and fila["Subir (firmado)"] == "Consultar/Modificar"


def test_paso9_antes_de_finalizar_lo_explica(datos):
    at = abrir_app(datos)
    iniciar_sesion(at, "chihuahua")
    at.switch_page("ui/paso9_subir.py").run()
    assert "cuando la OOAD/UMAE haya finalizado" in textos(at)
    assert not at.get("file_uploader")
