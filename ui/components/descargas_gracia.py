"""A downloaded file outlives Streamlit's cleanup long enough for the browser to fetch it.

Why: every report, CSV and Excel here is a deferred `st.download_button` (built on click, not on
every run). Streamlit 1.67 stores the file built on click without tying it to any session, and its
cleanup after *any* session's script run marks such a file on one pass and deletes it on the next
(`MediaFileManager.remove_orphaned_files`). With a few dozen people working at once, two passes
often come before the browser asks for the file, and the download answers 404: 3 of 30, 8 of 60
and 23 of 100 report downloads in `make carga` (bench/carga). Here a file marked for deletion is
deleted only once it is at least `GRACIA` seconds old; files shown on a page are untouched (their
session keeps them). Memory: a file built on click is held up to `GRACIA` longer.

Applied once per process, from app.py; checked against the pinned Streamlit by
tests/pages/test_descargas_gracia.py (it fails if the internals it relies on change).
"""

from __future__ import annotations

import time

from streamlit.runtime import media_file_manager

GRACIA = 120.0  # seconds a downloadable file is kept after it was built, however many cleanups run

_Metadatos = media_file_manager.MediaFileMetadata


def _init(self, kind=media_file_manager.MediaFileKind.MEDIA) -> None:
    _init_original(self, kind)
    self._eyf_creado = time.monotonic()


def _marcado_para_borrar(self) -> bool:
    if self._kind != media_file_manager.MediaFileKind.DOWNLOADABLE:
        return self._is_marked_for_delete
    joven = time.monotonic() - getattr(self, "_eyf_creado", 0.0) < GRACIA
    return self._is_marked_for_delete and not joven


if not getattr(_Metadatos, "_eyf_gracia", False):
    _init_original = _Metadatos.__init__
    _Metadatos.__init__ = _init
    _Metadatos.is_marked_for_delete = property(_marcado_para_borrar)
    _Metadatos._eyf_gracia = True


def aplicar() -> None:
    """Importing this module applies it; the call documents it where the app starts."""
