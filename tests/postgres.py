"""A throwaway PostgreSQL cluster for the tests, and the databases the core tests open on it.

`EYF_PRUEBAS_PG=1 pytest tests/core/…` runs the same tests on PostgreSQL: every `Store(":memory:")` or
`Store(path)` a test opens becomes a database of a cluster this module starts under /tmp (Unix socket
only, no TCP port, fsync off) and stops at the end of the run. PostgreSQL refuses to run as root, so
as root the server runs as the `postgres` user (`runuser`). initdb costs 6–9 s on this busy machine,
so its output is kept once under /tmp and copied (about 0.6 s) for each run.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from core.base.store import Store
from deploy.cluster import _vivo  # a zombie counts as dead there too

BIN = Path(os.environ.get("EYF_PG_BIN", "/usr/lib/postgresql/15/bin"))
PLANTILLA = Path(tempfile.gettempdir()) / "eyf-pg15-initdb"
USUARIO = "eyf"


def _como_servidor(args: list[str], **kw) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program as the user that may own the cluster (not root)."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def _dueno(ruta: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(ruta, "postgres", "postgres")


def _plantilla() -> Path:
    """initdb's output, made once per machine (under a lock: xdist workers start together)."""
    with open(str(PLANTILLA) + ".lock", "w") as cerrojo:
        fcntl.flock(cerrojo, fcntl.LOCK_EX)
        if not (PLANTILLA / "PG_VERSION").exists():
            nueva = Path(tempfile.mkdtemp(prefix="eyf-pg15-initdb."))
            _dueno(nueva)
            _como_servidor(
                [
                    str(BIN / "initdb"),
                    "-D",
                    str(nueva / "data"),
                    "-U",
                    USUARIO,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
            shutil.rmtree(PLANTILLA, ignore_errors=True)
            os.replace(nueva / "data", PLANTILLA)
            nueva.rmdir()
    return PLANTILLA


def limpiar_huerfanos() -> list[Path]:
    """Stop and remove the clusters of test runs that died without stopping theirs (a run killed by a
    timeout cannot clean up): each cluster folder names the PID of the run that owns it."""
    quitados = []
    for raiz in Path(tempfile.gettempdir()).glob("eyf-pg-*"):
        dueno = raiz / "dueno.pid"
        try:
            pid = int(dueno.read_text())
        except (OSError, ValueError):
            continue
        if _vivo(pid):
            continue
        if (raiz / "data" / "postmaster.pid").exists():
            try:
                _como_servidor([str(BIN / "pg_ctl"), "-D", str(raiz / "data"), "-m", "immediate", "stop"])
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(raiz, ignore_errors=True)
        quitados.append(raiz)
    return quitados


class Cluster:
    """One PostgreSQL server in a private folder, reachable only through its Unix socket there."""

    # The tests' settings: nothing durable (a throwaway cluster). bench.carga's cluster keeps fsync.
    ajustes = (
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB"
    )

    def __init__(self) -> None:
        self.raiz = Path(tempfile.mkdtemp(prefix="eyf-pg-"))
        self.datos = self.raiz / "data"
        self.segundos_inicio = 0.0

    def iniciar(self) -> Cluster:
        t0 = time.perf_counter()
        limpiar_huerfanos()
        (self.raiz / "dueno.pid").write_text(str(os.getpid()))
        _dueno(self.raiz)
        subprocess.run(["cp", "-a", str(_plantilla()), str(self.datos)], check=True)
        _dueno(self.datos)
        opciones = f"-k {self.raiz} -c listen_addresses='' {self.ajustes}"
        _como_servidor(
            [str(BIN / "pg_ctl"), "-D", str(self.datos), "-o", opciones, "-l", str(self.raiz / "log"), "-w", "start"]
        )
        self.segundos_inicio = time.perf_counter() - t0
        return self

    def url(self, base: str = "postgres") -> str:
        return f"postgresql://{USUARIO}@/{base}?host={self.raiz}"

    def detener(self) -> None:
        try:
            _como_servidor([str(BIN / "pg_ctl"), "-D", str(self.datos), "-m", "immediate", "stop"])
        finally:
            # removed by a detached `rm` the run does not wait for: a worker's cluster holds a few
            # hundred MB of test databases, whose removal took 9-36 s at the end of a run
            subprocess.run(["sh", "-c", 'rm -rf "$1" >/dev/null 2>&1 &', "sh", str(self.raiz)], check=False)


class _Registro(list):
    def __init__(self, bases: Bases) -> None:
        super().__init__()
        self.bases = bases

    def append(self, store) -> None:
        if self.bases.en_prueba:
            super().append(store)


class Bases:
    """The databases tests open, reused from test to test and emptied when handed out again."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.libres: list[str] = []
        self.usadas: dict[str, str] = {}
        # Stores opened by the current test, closed when it ends (strong references: a pool dropped
        # unclosed is collected in any thread, even one of its own); a module fixture's store, opened
        # outside any test, stays open for the tests that use it.
        self.stores = _Registro(self)
        self._n = 0
        # Opened outside a test (a module fixture's base): kept for the whole run.
        self.en_prueba = False
        self.permanentes: dict[str, str] = {}
        self._cerrojo = threading.RLock()
        self._plantilla: tuple[list, list] | None = None  # see poblada

    def sustituto(self, ruta: str) -> str:
        with self._cerrojo:  # a test's threads may open stores at once (test_choque's lanes)
            return self._sustituto(ruta)

    def _sustituto(self, ruta: str, vaciar: bool = True) -> str:
        for mapa in (self.usadas, self.permanentes):
            if ruta != ":memory:" and ruta in mapa:
                return self.cluster.url(mapa[ruta])
        base = self.libres.pop() if self.libres else self._nueva()
        if vaciar:
            self._vaciar(base)
        mapa = self.usadas if self.en_prueba else self.permanentes
        mapa[ruta if ruta != ":memory:" else f":memory:{len(mapa)}"] = base
        return self.cluster.url(base)

    def poblada(self, ruta: str, poblar):
        """A store on the (emptied) database `ruta` stands for, holding what `poblar(store)` leaves:
        `poblar` runs once per process on a database of its own, whose rows (COPY, binary) and
        sequence positions are then written into each database asked for. About 0.1 s instead of
        the 1-1.4 s of populating (catalog load, accounts) a test."""
        with self._cerrojo:
            if self._plantilla is None:
                self._plantilla = self._volcar(poblar)
            # not emptied first: the DELETEs below empty every table the template has, and setval
            # sets every sequence (a third of the time a handout took when it was emptied twice)
            url = self._sustituto(ruta, vaciar=False)
            store = Store(url)  # migrated (a database new to this run has no tables yet)
            tablas, secuencias = self._plantilla
            with store._pool.connection() as con, con.transaction():  # the store's own connection: no new one
                con.execute("; ".join(f'DELETE FROM "{t}"' for t, _ in tablas))  # e.g. migration 007's row
                for tabla, datos in tablas:
                    with con.cursor().copy(f'COPY "{tabla}" FROM STDIN (FORMAT binary)') as copia:
                        copia.write(datos)
                for nombre, valor, llamada in secuencias:
                    con.execute("SELECT setval(%s, %s, %s)", [nombre, valor, llamada])
            return store

    def _volcar(self, poblar) -> tuple[list, list]:
        url = self.sustituto(f":plantilla:{os.getpid()}")
        poblar(Store(url)).close()
        tablas, secuencias = [], []
        with psycopg.connect(url, autocommit=True) as con:
            for (tabla,) in con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
                " ORDER BY tablename"
            ).fetchall():
                datos = bytearray()
                with con.cursor().copy(f'COPY "{tabla}" TO STDOUT (FORMAT binary)') as copia:
                    for bloque in copia:
                        datos += bloque
                tablas.append((tabla, bytes(datos)))
            for (nombre,) in con.execute(
                "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            ).fetchall():
                valor, llamada = con.execute(f'SELECT last_value, is_called FROM "{nombre}"').fetchone()
                secuencias.append((nombre, valor, llamada))
        return tablas, secuencias

    def renombrar(self, origen: str, destino: str) -> None:
        """A database file's folder was renamed: the same database under its new path."""
        for mapa in (self.usadas, self.permanentes):
            if origen in mapa:
                mapa[destino] = mapa.pop(origen)

    def copiar(self, origen: str, destino: str) -> None:
        """What copying a closed database file does: a new database with the same content."""
        fuente = self.usadas.get(origen) or self.permanentes[origen]
        self._n += 1
        base = f"prueba_{self._n}"
        with psycopg.connect(self.cluster.url(), autocommit=True) as con:
            if self.libres:  # a copy is a new database: drop a free one, so their number stays bounded
                con.execute(f"DROP DATABASE {self.libres.pop()}")
            con.execute(f"CREATE DATABASE {base} TEMPLATE {fuente}")
        (self.usadas if self.en_prueba else self.permanentes)[destino] = base

    def fin_de_prueba(self) -> None:
        while self.stores:
            s = self.stores.pop()
            try:
                s.close()
            except Exception:  # noqa: BLE001 - already closed by the test
                pass
        self.libres.extend(dict.fromkeys(self.usadas.values()))
        self.usadas.clear()

    def _nueva(self) -> str:
        self._n += 1
        base = f"prueba_{self._n}"
        with psycopg.connect(self.cluster.url(), autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {base}")
            con.execute(f"CREATE DATABASE {base}")
        return base

    def _vaciar(self, base: str) -> None:
        with psycopg.connect(self.cluster.url(base), autocommit=True) as con:
            tablas = [
                r[0]
                for r in con.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
                ).fetchall()
            ]
            secuencias = [
                r[0]
                for r in con.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'").fetchall()
            ]
            # DELETE, not TRUNCATE: on a few rows it is several times cheaper (no new files)
            con.execute(
                "; ".join(
                    [f'DELETE FROM "{t}"' for t in tablas] + [f'ALTER SEQUENCE "{s}" RESTART' for s in secuencias]
                )
            )
            if "cambios" in tablas:  # migration 007's one row, as a new database has it
                con.execute("INSERT INTO cambios VALUES (1, 0)")
