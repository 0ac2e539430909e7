"""First run: schema, shipped catalog and (in demo mode) demo accounts and captures."""

from __future__ import annotations

import os
from pathlib import Path

from core import catalogo, demo, integridad
from core.store import Store

RAIZ = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Runtime files: EYF_DATA_DIR if set (tests, several installs), else data/ in the checkout."""
    return Path(os.environ.get("EYF_DATA_DIR") or RAIZ / "data")


def ruta_base(directorio: Path | None = None) -> Path:
    return (directorio or data_dir()) / "excedentes_faltantes.duckdb"


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
    (its findings make the OOAD/UMAE they touch read-only; the app still starts)."""
    store = Store(ruta_base(directorio))
    preparar(store, con_demo=con_demo)
    integridad.revisar(store)
    return store


def modo_demo(store: Store) -> bool:
    return store.valor("SELECT valor FROM ajuste WHERE clave = 'demo'") == "si"


def secreto_cookie(directorio: Path | None = None) -> str:
    """The login cookie's signing key: from EYF_COOKIE_KEY, else generated once under data/."""
    desde_entorno = os.environ.get("EYF_COOKIE_KEY")
    if desde_entorno:
        return desde_entorno
    archivo = (directorio or data_dir()) / "cookie_key"
    if not archivo.exists():
        import secrets

        archivo.parent.mkdir(parents=True, exist_ok=True)
        archivo.write_text(secrets.token_hex(32), encoding="ascii")
        archivo.chmod(0o600)
    return archivo.read_text(encoding="ascii").strip()
