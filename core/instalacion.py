"""First run: schema, shipped catalog and (in demo mode) demo accounts and captures."""

from __future__ import annotations

from pathlib import Path

from core import demo
from core.admin import integridad
from core.base import auditoria, rutas, temporales
from core.base.errors import BaseNoPreparada
from core.base.store import Store, url_configurada
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
    """Open as `core.cli` (and the DuckDB server) do: schema, catalog, demo, then the integrity check
    (its findings make the OOAD/UMAE they touch read-only; the app still starts). On PostgreSQL all
    of it runs under the migrations' advisory lock and the findings are written for the replicas.
    DuckDB: leftover temporary files of earlier processes are removed (core/base/temporales.py); not
    on PostgreSQL, where other replicas share the data folder (their folders' age limit applies)."""
    store = Store(url_configurada() or rutas.ruta_base(directorio))
    if store.dialecto != "postgres":
        # The store is held now: temporary files of any earlier process (a killed server) can go.
        temporales.limpiar_restos(directorio)
        if store.recuperacion:  # the file was repaired from its pre-image (core.base.preimagen): on record
            store.escribir(
                lambda tx: auditoria.registrar(
                    tx,
                    cuenta=None,
                    persona=None,
                    accion="base recuperada",
                    objeto=store.ruta,
                    despues={"detalle": store.recuperacion},
                )
            )
        preparar(store, con_demo=con_demo)
        integridad.revisar(store)
        return store
    with store.exclusivo():
        preparar(store, con_demo=con_demo)
        integridad.guardar(store, integridad.revisar(store))
    return store


def abrir_servidor(directorio: Path | None = None) -> Store:
    """What the app's process opens. DuckDB: `abrir` (the one process prepares its own file).
    PostgreSQL (`EYF_DATABASE_URL`): a replica, one of several, that changes no schema and loads
    nothing: it refuses to start until `core.cli preparar` has migrated the database, and reads the
    integrity findings `preparar` wrote."""
    url = url_configurada()
    if url is None:
        return abrir(directorio)
    store = Store(url, migrar=False)
    if faltan := store.pendientes():
        store.close()
        raise BaseNoPreparada(faltan)
    integridad.cargar(store)
    return store


def modo_demo(store: Store) -> bool:
    return store.valor("SELECT valor FROM ajuste WHERE clave = 'demo'") == "si"
