"""Backups of the live database and the signed uploads, and their restore.

A backup is a folder `data/respaldos/<aaaammdd-hhmmss>/` holding a fresh copy of the database
(DuckDB's `COPY FROM DATABASE`, a consistent snapshot written by DuckDB itself, never a copy of a
file being written), the `firmados/` tree, and `manifiesto.json` with the SHA-256 of every file
and the row count of every table. It is taken under the store's writer lock, so no save of this
process lands halfway through; the copy is opened and counted before the backup is declared good.

`respaldar` serves the admin's button (the server holds the database); `respaldar_archivo` and
`restaurar` are for the command line with the server stopped (`python -m core.cli respaldar`,
`python -m core.cli restaurar <carpeta>`). A restore first moves the current data aside into
`data/respaldos/antes-de-restaurar-<fecha>/` (with its own manifest), so it can be undone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, preimagen, reloj, rutas
from core.base.errors import BaseDeDatosOcupada, ErrorDominio, RespaldoInvalido
from core.base.store import _CONFIG, Store, url_configurada, url_postgres
from core.lifecycle import firmados

MANIFIESTO = "manifiesto.json"
FORMATO = 1  # manifest format, for a later reader


@dataclass(frozen=True)
class Respaldo:
    ruta: Path
    creado: dt.datetime
    creado_por: str | None
    bytes: int
    firmados: int
    tablas: dict[str, int] | None

    @property
    def nombre(self) -> str:
        return self.ruta.name

    def describir(self) -> str:
        return (
            f"Respaldo {self.nombre} ({reloj.fecha_hora(self.creado)}): {_tamano(self.bytes)}, "
            f"{self.firmados:,} archivo(s) firmado(s)"
            + (f", {self.tablas.get('linea', 0):,} línea(s) capturada(s)" if self.tablas else "")
            + "."
        )


@dataclass(frozen=True)
class Restauracion:
    respaldo: Respaldo
    anterior: Path | None  # where the data it replaced was moved

    def describir(self) -> str:
        texto = f"Restaurado {self.respaldo.describir()}"
        if self.anterior:
            texto += f" Los datos anteriores se movieron a {self.anterior}."
        return texto


def _tamano(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:,.1f} MB"
    return f"{n / 1024:,.1f} KB"


def carpeta(directorio: Path | None = None) -> Path:
    return (directorio or rutas.data_dir()) / "respaldos"


def _directorio_de(store: Store) -> Path:
    return store.carpeta_datos() or rutas.data_dir()


# --------------------------------------------------------------------------------------------------
# Taking a backup


def respaldar(
    store: Store, cuenta: Cuenta | None, destino: Path | None = None, *, directorio: Path | None = None
) -> Respaldo:
    """The admin's button: back up the database the server holds, under its writer lock."""
    cuenta = permisos.exigir_division(cuenta, admin=True)
    return _respaldar(store, cuenta.usuario, destino, directorio or _directorio_de(store))


def respaldar_archivo(directorio: Path | None = None, destino: Path | None = None) -> Respaldo:
    """The command line, with the server stopped: opens the database itself (refused if in use)."""
    base = rutas.ruta_base(directorio)
    url = url_configurada() or url_postgres(base)
    if url is None and not base.exists():
        raise ErrorDominio(f"No hay base de datos en {base}: no hay nada que respaldar.")
    store = Store(url or base)
    try:
        return _respaldar(store, None, destino, directorio or rutas.data_dir())
    finally:
        store.close()


def _respaldar(store: Store, usuario: str | None, destino: Path | None, directorio: Path) -> Respaldo:
    raiz = Path(destino) if destino else carpeta(directorio)
    raiz.mkdir(parents=True, exist_ok=True)
    nombre = reloj.ahora().strftime("%Y%m%d-%H%M%S")
    n = 2
    while (raiz / nombre).exists():
        nombre = f"{reloj.ahora():%Y%m%d-%H%M%S}-{n}"
        n += 1
    parcial = raiz / f".{nombre}.parcial"
    shutil.rmtree(parcial, ignore_errors=True)
    parcial.mkdir()
    base = parcial / rutas.ruta_base(directorio).name
    if store.dialecto == "postgres":
        base = base.with_suffix(".pgdump")
    try:
        with store.bloqueo_escritura():
            if store.dialecto == "postgres":
                tablas = _volcar_pg(store, base)
            else:
                tablas = _conteos(store)
                _copiar_base(store, base)
            origen = firmados.carpeta(directorio)
            if origen.is_dir():
                shutil.copytree(origen, parcial / "firmados")
        copiadas = tablas if store.dialecto == "postgres" else _conteos_archivo(base)
        if copiadas != tablas:
            distintas = sorted(t for t in set(tablas) | set(copiadas) if tablas.get(t) != copiadas.get(t))
            raise RespaldoInvalido(
                f"La copia de la base no coincide con la original en: {', '.join(distintas)}. "
                "No se creó el respaldo; vuelva a intentarlo."
            )
        creado = reloj.ahora()
        manifiesto = {
            "formato": FORMATO,
            "creado": creado.isoformat(),
            "creado_por": usuario,
            "base": base.name,
            "tablas": tablas,
            "migraciones": _migraciones(store),
            "archivos": _huellas(parcial),
        }
        (parcial / MANIFIESTO).write_text(json.dumps(manifiesto, ensure_ascii=False, indent=2), encoding="utf-8")
        final = raiz / nombre
        os.replace(parcial, final)
    except BaseException:
        shutil.rmtree(parcial, ignore_errors=True)
        raise
    respaldo = _leer_manifiesto(final)
    store.escribir(
        lambda tx: auditoria.registrar(
            tx,
            cuenta=usuario,
            persona=None,
            accion="respaldo creado",
            objeto=str(final),
            despues={
                "bytes": respaldo.bytes,
                "firmados": respaldo.firmados,
                "lineas": tablas.get("linea", 0),
                "auditoria": tablas.get("auditoria", 0),
            },
        )
    )
    return respaldo


def _conteos(store: Store) -> dict[str, int]:
    with store.cursor() as cur:
        tablas = [
            t
            for (t,) in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
                " AND table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        return {t: cur.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tablas}


def _conteos_archivo(base: Path) -> dict[str, int]:
    con = duckdb.connect(str(base), read_only=True, config=_CONFIG)
    try:
        tablas = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
                " AND table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tablas}
    finally:
        con.close()


def _pg(programa: str) -> str:
    """A PostgreSQL client program of the server's major version (Debian: postgresql-client-15)."""
    carpeta = Path(os.environ.get("EYF_PG_BIN", "/usr/lib/postgresql/15/bin"))
    return str(carpeta / programa) if (carpeta / programa).exists() else programa


def _volcar_pg(store, destino: Path) -> dict[str, int]:
    """pg_dump (custom format) of one exported snapshot, and the row counts of that same snapshot:
    what the writer lock gives the DuckDB backup, without stopping anyone's writes."""
    import psycopg

    with psycopg.connect(store.ruta, autocommit=True) as con:
        con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        instantanea = con.execute("SELECT pg_export_snapshot()").fetchone()[0]
        tablas = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
                " AND table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
            ).fetchall()
        ]
        conteos = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tablas}
        subprocess.run(
            [
                _pg("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--snapshot={instantanea}",
                "-f",
                str(destino),
                "-d",
                store.ruta,
            ],
            check=True,
            capture_output=True,
        )
        con.execute("COMMIT")
    return conteos


_ESPERA_DESCONEXION = 3.0  # seconds


def _restaurar_pg(url: str, archivo: Path, aparte: Path | None) -> None:
    """Keep the current database aside as a dump, then replace its content by the backup's."""
    import psycopg

    # A client that just closed (the stopped server, the previous command) leaves its server process
    # ending for a moment after: wait a little for it before calling the database in use.
    limite = time.monotonic() + _ESPERA_DESCONEXION
    with psycopg.connect(url, autocommit=True) as con:
        while (
            otras := con.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
        ) and time.monotonic() < limite:
            time.sleep(0.05)
    if otras:
        raise BaseDeDatosOcupada(url.split("@")[-1])
    if aparte is not None:
        subprocess.run(
            [_pg("pg_dump"), "--format=custom", "--no-owner", "-f", str(aparte), "-d", url],
            check=True,
            capture_output=True,
        )
    subprocess.run(
        [_pg("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "-d", url, str(archivo)],
        check=True,
        capture_output=True,
    )


def _copiar_base(store: Store, destino: Path) -> None:
    """A fresh database file with every table, sequence and index of the live one."""
    alias = f"respaldo_{secrets.token_hex(4)}"
    # ATTACH takes no parameters; the path is ours (never a user's), quotes doubled all the same.
    ruta = str(destino).replace("'", "''")
    with store.cursor() as cur:
        origen = cur.execute("SELECT current_database()").fetchone()[0]
        cur.execute(f"ATTACH '{ruta}' AS {alias}")
        try:
            cur.execute(f'COPY FROM DATABASE "{origen}" TO {alias}')
        finally:
            cur.execute(f"DETACH {alias}")


def _migraciones(store: Store) -> list[str]:
    return [n for (n,) in store.filas("SELECT nombre FROM schema_migrations ORDER BY nombre")]


def _sha256(ruta: Path) -> str:
    h = hashlib.sha256()
    with ruta.open("rb") as f:
        for bloque in iter(lambda: f.read(1024 * 1024), b""):
            h.update(bloque)
    return h.hexdigest()


def _huellas(raiz: Path) -> list[dict]:
    return [
        {"ruta": p.relative_to(raiz).as_posix(), "bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(raiz.rglob("*"))
        if p.is_file() and p.name != MANIFIESTO
    ]


# --------------------------------------------------------------------------------------------------
# Listing and checking


def _leer_manifiesto(ruta: Path) -> Respaldo:
    archivo = Path(ruta) / MANIFIESTO
    try:
        m = json.loads(archivo.read_text(encoding="utf-8"))
        archivos = m["archivos"]
        return Respaldo(
            ruta=Path(ruta),
            creado=dt.datetime.fromisoformat(m["creado"]),
            creado_por=m.get("creado_por"),
            bytes=sum(int(a["bytes"]) for a in archivos),
            firmados=sum(1 for a in archivos if a["ruta"].startswith("firmados/")),
            tablas=m.get("tablas"),
        )
    except FileNotFoundError:
        raise RespaldoInvalido(f"{ruta} no es un respaldo: no tiene {MANIFIESTO}.") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise RespaldoInvalido(f"El manifiesto de {ruta} está dañado ({type(exc).__name__}).") from None


def listar(store: Store, cuenta: Cuenta | None, directorio: Path | None = None) -> list[Respaldo]:
    """The backups in data/respaldos, newest first (for the admin page)."""
    permisos.exigir_division(cuenta, admin=True)
    return listar_carpeta(directorio or _directorio_de(store))


def listar_carpeta(directorio: Path | None = None) -> list[Respaldo]:
    """The same, for the command line (no account: whoever runs it owns the machine)."""
    raiz = carpeta(directorio)
    if not raiz.is_dir():
        return []
    salida = []
    for sub in raiz.iterdir():
        if sub.is_dir() and (sub / MANIFIESTO).is_file():
            try:
                salida.append(_leer_manifiesto(sub))
            except RespaldoInvalido:
                continue
    return sorted(salida, key=lambda r: (r.creado, r.nombre), reverse=True)


def tabla(respaldos: list[Respaldo]) -> pd.DataFrame:
    """The backups as the admin page lists them."""
    return pd.DataFrame(
        {
            "Creado": [reloj.fecha_hora(r.creado) for r in respaldos],
            "Carpeta": [r.nombre for r in respaldos],
            "Tamaño": [_tamano(r.bytes) for r in respaldos],
            "Archivos firmados": [f"{r.firmados:,}" for r in respaldos],
            "Líneas capturadas": [f"{r.tablas.get('linea', 0):,}" if r.tablas else "" for r in respaldos],
            "Creado por": [r.creado_por or "línea de comandos" for r in respaldos],
        },
        columns=["Creado", "Carpeta", "Tamaño", "Archivos firmados", "Líneas capturadas", "Creado por"],
    )


def verificar(ruta: Path) -> Respaldo:
    """Check every file of a backup against its manifest's SHA-256; raise RespaldoInvalido if not."""
    ruta = Path(ruta)
    respaldo = _leer_manifiesto(ruta)
    m = json.loads((ruta / MANIFIESTO).read_text(encoding="utf-8"))
    problemas = []
    for a in m["archivos"]:
        archivo = ruta / a["ruta"]
        if not archivo.resolve().is_relative_to(ruta.resolve()):
            problemas.append(f"{a['ruta']}: ruta fuera del respaldo")
        elif not archivo.is_file():
            problemas.append(f"{a['ruta']}: falta")
        elif _sha256(archivo) != a["sha256"]:
            problemas.append(f"{a['ruta']}: su contenido cambió (la huella SHA-256 no coincide)")
    if not (ruta / m["base"]).is_file() and not any("falta" in p for p in problemas):
        problemas.append(f"{m['base']}: falta la base de datos")
    if problemas:
        raise RespaldoInvalido(
            f"El respaldo {ruta} no está completo o fue alterado; no se restauró nada:\n"
            + "\n".join(f"• {p}" for p in problemas)
        )
    return respaldo


# --------------------------------------------------------------------------------------------------
# Restoring


def _ubicar(respaldo: Path | str, directorio: Path | None) -> Path:
    ruta = Path(respaldo)
    if not ruta.is_dir() and (carpeta(directorio) / ruta).is_dir():
        ruta = carpeta(directorio) / ruta
    if not ruta.is_dir():
        raise RespaldoInvalido(f"No existe la carpeta de respaldo {respaldo}.")
    return ruta


def _exigir_libre(base: Path) -> None:
    """Refuse to touch a database another process (the server) holds."""
    if not base.exists():
        return
    try:
        duckdb.connect(str(base), config=_CONFIG).close()
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise BaseDeDatosOcupada(str(base)) from exc
    except duckdb.Error:
        pass  # a damaged file: exactly what a restore replaces


def restaurar(respaldo: Path | str, directorio: Path | None = None) -> Restauracion:
    """Replace the data folder's database and signed uploads by a backup (server stopped).

    The backup is verified first (every SHA-256), the current data is moved aside with its own
    manifest, then the backup is copied in, opened (pending migrations apply), counted against its
    manifest, and the restore is recorded in the restored audit trail.
    """
    ruta = _ubicar(respaldo, directorio)
    info = verificar(ruta)
    datos = directorio or rutas.data_dir()
    base = rutas.ruta_base(datos)
    url = url_configurada() or url_postgres(base)
    if url is None:
        _exigir_libre(base)
    nombre_base = json.loads((ruta / MANIFIESTO).read_text(encoding="utf-8"))["base"]

    anterior = None
    # The pre-image (core.base.preimagen) describes the file being replaced: it goes with it.
    junto = (base, base.with_name(base.name + ".wal"), preimagen.ruta_de(base), firmados.carpeta(datos))
    actuales = [p for p in junto if p.exists()]
    if url is not None:
        actuales = [p for p in actuales if p != base]
        anterior = carpeta(datos) / f"antes-de-restaurar-{reloj.ahora():%Y%m%d-%H%M%S}"
        anterior.mkdir(parents=True, exist_ok=True)
        _restaurar_pg(url, ruta / nombre_base, anterior / base.with_suffix(".pgdump").name)
    if actuales or anterior is not None:
        anterior = anterior or carpeta(datos) / f"antes-de-restaurar-{reloj.ahora():%Y%m%d-%H%M%S}"
        n = 2
        while anterior.exists() and url is None:
            anterior = anterior.with_name(f"antes-de-restaurar-{reloj.ahora():%Y%m%d-%H%M%S}-{n}")
            n += 1
        anterior.mkdir(parents=True, exist_ok=True)
        for p in actuales:
            shutil.move(str(p), anterior / p.name)
        (anterior / MANIFIESTO).write_text(
            json.dumps(
                {
                    "formato": FORMATO,
                    "creado": reloj.ahora().isoformat(),
                    "creado_por": None,
                    "base": (base.with_suffix(".pgdump") if url else base).name,
                    "tablas": None,
                    "nota": f"Datos que había antes de restaurar {ruta.name}.",
                    "archivos": _huellas(anterior),
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )

    base.parent.mkdir(parents=True, exist_ok=True)
    if url is None:
        shutil.copy2(ruta / nombre_base, base)
    if (ruta / "firmados").is_dir():
        shutil.copytree(ruta / "firmados", firmados.carpeta(datos))
    store = Store(url or base)
    try:
        if info.tablas is not None:
            ahora = _conteos(store)
            distintas = sorted(t for t, n in info.tablas.items() if ahora.get(t) != n)
            if distintas:
                raise RespaldoInvalido(
                    f"La base restaurada no tiene las filas que el respaldo registró en: {', '.join(distintas)}."
                )
        store.escribir(
            lambda tx: auditoria.registrar(
                tx,
                cuenta=None,
                persona=None,
                accion="respaldo restaurado",
                objeto=str(ruta),
                despues={
                    "respaldo": ruta.name,
                    "creado": info.creado.isoformat(),
                    "anterior": str(anterior) if anterior else None,
                },
            )
        )
    finally:
        store.close()
    return Restauracion(info, anterior)
