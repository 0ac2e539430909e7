"""First run: schema, shipped catalog and (in demo mode) demo accounts and captures."""

from __future__ import annotations

from pathlib import Path

from core import demo
from core.admin import integridad
from core.base import rutas, temporales
from core.base.store import Store
from core.capture import catalogo


def preparar(store: Store, *, con_demo: bool = True, catalogo_dir: Path | None = None) -> None:
    """Idempotent: loads the catalog into an empty store and the demo into a store without accounts."""
    if store.valor("SELECT count(*) FROM ooad") == 0:
        datos = catalogo.leer_directorio(catalogo_dir or catalogo.CATALOGO_DIR)
        with store.transaction() as tx:
            catalogo.cargar(tx, datos)
    if con_demo and store.valor("SELECT count(*) FROM cuenta") == 0:
        demo.cargar(store)


def abrir(directorio: Path | None = None, *, con_demo: bool = True) -> Store:
    """Open as the server and every command do: schema, catalog, demo, then the integrity check
    (its findings make the OOAD/UMAE they touch read-only; the app still starts). Leftover temporary
    files of earlier processes are removed (core/base/temporales.py)."""
    store = Store(rutas.ruta_base(directorio))
    # The store is held now: temporary files of any earlier process (a killed server) can go.
    temporales.limpiar_restos(directorio)
    preparar(store, con_demo=con_demo)
    integridad.revisar(store)
    return store


def modo_demo(store: Store) -> bool:
    return store.valor("SELECT valor FROM ajuste WHERE clave = 'demo'") == "si"
