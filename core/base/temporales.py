"""Temporary files of one browser session (the análisis full export), under the data folder.

Each session gets a folder `data/temporales/<process>-<random>/`. It is removed when its `Carpeta`
is garbage collected (the session ended and Streamlit dropped its state), when it is closed, and at
the process's normal exit. Streamlit keeps a closed tab's session for `server.disconnectedSessionTTL`
(120 s) and drops it lazily, when another session comes or goes; so, as a backstop, every new folder
first removes files and folders older than `VIDA_MAXIMA`. A server that was killed cannot remove
anything, so the store's opening (`core.instalacion.abrir`) removes every folder of another
process: DuckDB lets only one process hold the store, so no other process can still be using them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
import weakref
from pathlib import Path

from core.base import rutas

CARPETA = "temporales"
# No temporary file is kept longer than this, whatever happens to its session.
VIDA_MAXIMA = 2 * 3600
# This process's mark in its folders' names: a restarted server with the same pid still has
# another mark, so the sweep removes what its killed predecessor left.
_PROCESO = f"{os.getpid()}-{secrets.token_hex(4)}"


def raiz(directorio: Path | None = None) -> Path:
    return (directorio or rutas.data_dir()) / CARPETA


def directorio_de(ruta_store: str) -> Path:
    """The data folder of a store (its file's folder; the configured one for an in-memory store or a
    PostgreSQL URL, whose replicas share it)."""
    return rutas.data_dir() if ruta_store == ":memory:" or "://" in ruta_store else Path(ruta_store).parent


class Carpeta:
    """A folder of its own, removed with this object (or by `cerrar`)."""

    def __init__(self, directorio: Path | None = None):
        limpiar_viejos(directorio)
        self.ruta = raiz(directorio) / f"{_PROCESO}-{secrets.token_hex(8)}"
        self.ruta.mkdir(parents=True)
        self._fin = weakref.finalize(self, shutil.rmtree, str(self.ruta), True)

    def archivo(self, nombre: str) -> Path:
        """A path for `nombre` inside the folder (only its last component is used)."""
        if not self._fin.alive:
            raise RuntimeError("La carpeta temporal ya se cerró.")
        self.ruta.mkdir(parents=True, exist_ok=True)
        return self.ruta / Path(nombre).name

    def cerrar(self) -> None:
        self._fin()

    @property
    def abierta(self) -> bool:
        return self._fin.alive


def limpiar_restos(directorio: Path | None = None) -> int:
    """Remove the folders of every other process (call only with the store held); how many."""
    carpeta = raiz(directorio)
    if not carpeta.is_dir():
        return 0
    n = 0
    for hijo in carpeta.iterdir():
        if hijo.name.startswith(_PROCESO + "-"):
            continue
        if hijo.is_dir():
            shutil.rmtree(hijo, ignore_errors=True)
        else:
            hijo.unlink(missing_ok=True)
        n += 1
    return n


def limpiar_viejos(directorio: Path | None = None, vida: float = VIDA_MAXIMA) -> int:
    """Remove temporary files (and then empty folders) last written more than `vida` seconds ago."""
    carpeta = raiz(directorio)
    if not carpeta.is_dir():
        return 0
    limite = time.time() - vida
    n = 0
    for hijo in carpeta.iterdir():
        try:
            viejos = [f for f in hijo.iterdir() if f.stat().st_mtime < limite] if hijo.is_dir() else []
            for f in viejos:
                if f.is_dir():
                    shutil.rmtree(f, ignore_errors=True)
                else:
                    f.unlink(missing_ok=True)
                n += 1
            if hijo.is_dir() and hijo.stat().st_mtime < limite and not any(hijo.iterdir()):
                hijo.rmdir()
        except FileNotFoundError:  # removed meanwhile by its own session
            continue
    return n
