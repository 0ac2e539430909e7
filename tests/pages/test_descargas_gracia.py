"""A file built by a deferred download survives Streamlit's cleanups until the browser fetched it
(ui/components/descargas_gracia.py): with many people at once, two cleanups used to come first."""

from __future__ import annotations

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from ui.components import descargas_gracia


def _archivo_construido() -> tuple[MediaFileManager, MemoryMediaFileStorage, str]:
    """What a click on a deferred «Reporte Preliminar» leaves: a built file that no session holds."""
    almacen = MemoryMediaFileStorage("/media")
    gestor = MediaFileManager(almacen)
    marcador = gestor.add_deferred(lambda: b"%PDF-1.4 reporte", "application/pdf", "1.2", "reporte.pdf")
    url = gestor.execute_deferred(marcador)
    return gestor, almacen, url.rsplit("/", 1)[-1]


def test_dos_limpiezas_seguidas_no_borran_el_archivo_recien_construido():
    gestor, almacen, archivo = _archivo_construido()
    for _ in range(5):  # other people's script runs end, one after another
        gestor.remove_orphaned_files()
    assert almacen.get_file(archivo).content == b"%PDF-1.4 reporte"


def test_pasada_la_gracia_el_archivo_se_borra(monkeypatch):
    gestor, almacen, archivo = _archivo_construido()
    reloj = descargas_gracia.time.monotonic() + descargas_gracia.GRACIA + 1
    monkeypatch.setattr(descargas_gracia.time, "monotonic", lambda: reloj)
    gestor.remove_orphaned_files()
    gestor.remove_orphaned_files()
    with pytest.raises(MediaFileStorageError):
        almacen.get_file(archivo)
