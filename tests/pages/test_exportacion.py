"""Panorama's «Exportación completa del periodo» through AppTest: format, prepare, download."""

from __future__ import annotations

import zipfile

from core.analysis import exportacion
from core.base import temporales
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos

PANORAMA = "ui/analisis_panorama.py"
CLAVE = "panorama_completa"


def test_prepara_el_archivo_y_lo_ofrece_para_descargar(datos, monkeypatch):
    at = abrir_app(datos)
    iniciar_sesion(at, "analista")
    at.switch_page(PANORAMA).run()
    assert not at.exception, at.exception
    radio = at.radio(key=f"{CLAVE}_formato")
    assert radio.options == [f.titulo for f in exportacion.FORMATOS.values()] and radio.value == "csv"
    assert not [b for b in at.get("download_button") if b.label.startswith("⬇️ Descargar lineas")]

    boton(at, "Preparar archivo").click().run()
    assert not at.exception, at.exception
    archivo = at.session_state[f"{CLAVE}_archivo"]
    (descarga,) = [b for b in at.get("download_button") if b.label.startswith("⬇️ Descargar lineas")]
    assert archivo.nombre in descarga.label and archivo.nombre.endswith(".zip")
    # The file is in this session's folder under the data folder, with every line of the selection.
    assert archivo.ruta.parent.parent == temporales.raiz(datos)
    with zipfile.ZipFile(archivo.ruta) as zf:
        (nombre,) = zf.namelist()
        assert zf.read(nombre).decode("utf-8-sig").count("\r\n") == archivo.filas + 1 == 236 + 1
    assert "236 líneas. Se borra al cerrar la sesión." in textos(at)

    # Another selection: the prepared file is not offered for it.
    at.toggle(key="analisis_en_captura").set_value(True).run()
    assert not [b for b in at.get("download_button") if b.label.startswith("⬇️ Descargar lineas")]

    # Excel above its limit: the reason, and nothing to prepare.
    monkeypatch.setattr(exportacion, "FILAS_MAXIMAS_XLSX", 100)
    at.radio(key=f"{CLAVE}_formato").set_value("xlsx").run()
    assert "en Excel (.xlsx) se ofrece hasta 100" in textos(at) + "".join(w.value for w in at.warning)
    assert boton(at, "Preparar archivo").disabled
