"""The DuckDB store: one connection per process, a cursor per unit of work, one writer at a time.

DuckDB raises on concurrent use of one connection from several threads and on write-write
conflicts between transactions (see ../shared/STACK.md). Streamlit serves every browser session
from one process on several threads, so every read takes its own cursor and every write goes
through `transaction()`, which holds a process-wide lock, retries conflicts and joins an
enclosing transaction of the same thread (DuckDB has no SAVEPOINT).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from core.base import preimagen
from core.base.errors import BaseDeDatosDanada, BaseDeDatosOcupada

T = TypeVar("T")

# Extensions that would need a download fail at once instead of hanging on a closed network.
# No automatic checkpoints (at a commit whose WAL passed 16 MB, or in place of the WAL for a large
# one): every checkpoint is the store's own, after a pre-image of what it rewrites (core.base.preimagen).
_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "checkpoint_threshold": "1000 TB",
}

log = logging.getLogger(__name__)

# A conflicting commit is retried this many times; with the writer lock held, conflicts can only
# come from work outside this process's discipline, so a few tries are plenty.
_REINTENTOS_CONFLICTO = 5


# Set by the test suite when it runs on PostgreSQL: maps the DuckDB path a test opens (":memory:" or a
# file) to the URL of a throwaway PostgreSQL database (tests/postgres.py).
sustituto: Callable[[str], str | None] | None = None


def url_postgres(ruta: str | Path) -> str | None:
    """The PostgreSQL URL this path stands for, if any."""
    texto = str(ruta)
    if texto.startswith(("postgresql://", "postgres://")):
        return texto
    if sustituto is not None:
        return sustituto(texto)
    return None


def url_configurada() -> str | None:
    """`EYF_DATABASE_URL`: unset, the DuckDB file under data/; a postgresql:// URL, that database."""
    return os.environ.get("EYF_DATABASE_URL") or None


def bloquear_clave(tx, clave: str) -> None:
    """Inside a write `tx`: wait for the other writes of the same object (`clave`, e.g. "cuenta:ana"),
    held until commit. For writes outside any OOAD/UMAE (accounts, sessions, requests) that read a
    row and then change it: under PostgreSQL's READ COMMITTED two replicas would both read the old
    row. On DuckDB a no-op: the writer lock already runs one write at a time."""
    if getattr(tx, "dialecto", "duckdb") == "postgres":
        tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", ["eyf-clave:" + clave])


class Store:
    dialecto = "duckdb"

    def __new__(cls, ruta: str | Path = ":memory:", **kw):
        """`Store(path)` is DuckDB; `Store("postgresql://…")` is core.base.store_pg.StorePg."""
        if cls is Store and (url := url_postgres(ruta)):
            from core.base.store_pg import StorePg

            return StorePg(url, **kw)
        return super().__new__(cls)

    def __init__(self, ruta: str | Path = ":memory:", *, asentar: bool = True):
        """`asentar=False` keeps committed writes in the WAL until DuckDB's own checkpoint: only for
        the benchmark that measures what checkpointing after every write costs."""
        self.ruta = str(ruta)
        self._asentar_escrituras = asentar and self.ruta != ":memory:"
        # Set by core.admin.integridad at start-up: what did not pass the integrity check.
        self.hallazgos: list = []
        # Set when opening needed the pre-image of an interrupted checkpoint (core.base.preimagen).
        self.recuperacion: str | None = None
        self._invalidada = False  # see _anotar
        if self.ruta != ":memory:":
            Path(self.ruta).parent.mkdir(parents=True, exist_ok=True)
        # The WAL may hold acknowledged saves until the first checkpoint of this process succeeds.
        self._wal_confirmado = self.ruta != ":memory:" and Path(f"{self.ruta}.wal").exists()
        try:
            self._con = self._abrir()
        except duckdb.Error as exc:
            raise self._error_al_abrir(exc) from exc
        # Read by core.base.preimagen; never closed before DuckDB closes the file (see preimagen.guardar).
        self._fd = os.open(self.ruta, os.O_RDONLY) if self._asentar_escrituras else None
        self._escritor = threading.RLock()
        self._local = threading.local()
        try:
            self.migrar()
        except duckdb.Error as exc:
            self.close()
            raise BaseDeDatosDanada(self.ruta, type(exc).__name__) from exc

    def _conectar(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(self.ruta, config=_CONFIG)

    def _abrir(self) -> duckdb.DuckDBPyConnection:
        """Connect; a file that does not open is repaired from its pre-image when that applies
        (core.base.preimagen), then connected again. Raises DuckDB's error otherwise."""
        try:
            return self._conectar()
        except duckdb.Error as exc:
            if self.ruta == ":memory:" or not isinstance(self._error_al_abrir(exc), BaseDeDatosDanada):
                raise
            hecho = preimagen.recuperar(self.ruta)
            if hecho is None:
                raise
            self.recuperacion = hecho
            self._wal_confirmado = Path(f"{self.ruta}.wal").exists()
            return self._conectar()

    def _anotar(self, exc: BaseException) -> None:
        """DuckDB invalidates the whole database after a fatal error (a checkpoint or commit that ran
        out of disk): every later statement fails until it is opened again. Noted here, reopened by
        the next unit of work, so that once the disk has room the server works again unrestarted."""
        if isinstance(exc, duckdb.FatalException):
            self._invalidada = True

    def _reabrir_si_invalidada(self) -> None:
        if not self._invalidada:
            return
        with self._escritor:
            if not self._invalidada:
                return
            try:
                self._con.close()
            except duckdb.Error:
                pass
            self._con = self._abrir()  # repaired as at start-up if the failed checkpoint tore a block
            self._invalidada = False
            self._wal_confirmado = True  # what the failed checkpoint left in the WAL was acknowledged
            log.warning("Database %s reopened after DuckDB invalidated it (a fatal error, e.g. a full disk)", self.ruta)

    def _error_al_abrir(self, exc: duckdb.Error) -> Exception:
        if isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower():
            return BaseDeDatosOcupada(self.ruta)
        return BaseDeDatosDanada(self.ruta, type(exc).__name__)

    def close(self) -> None:
        self._con.close()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    # -- reads -----------------------------------------------------------------------------
    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own for this unit of work (inside a transaction: that transaction's)."""
        tx = getattr(self._local, "tx", None)
        if tx is not None:
            yield tx
            return
        self._reabrir_si_invalidada()
        cur = self._con.cursor()
        try:
            yield cur
        except duckdb.Error as exc:
            self._anotar(exc)
            raise
        finally:
            cur.close()

    def filas(self, sql: str, params: list | tuple | dict | None = None) -> list[tuple]:
        with self.cursor() as cur:
            return cur.execute(sql, params or []).fetchall()

    def fila(self, sql: str, params: list | tuple | dict | None = None) -> tuple | None:
        with self.cursor() as cur:
            return cur.execute(sql, params or []).fetchone()

    def valor(self, sql: str, params: list | tuple | dict | None = None) -> Any:
        r = self.fila(sql, params)
        return None if r is None else r[0]

    def df(self, sql: str, params: list | tuple | dict | None = None):
        """A DataFrame through Arrow (`.df()` is ~25x slower on text with pandas 3)."""
        return self.arrow(sql, params).to_pandas()

    def arrow(self, sql: str, params: list | tuple | dict | None = None):
        with self.cursor() as cur:
            return cur.sql(sql, params=params or []).to_arrow_table()

    # The análisis snapshot: read whole into Arrow, then queried by DuckDB (on PostgreSQL, by an
    # in-memory DuckDB of this process).
    arrow_grande = arrow

    def cursor_analitico(self) -> duckdb.DuckDBPyConnection:
        return self._con.cursor()

    # -- writes ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Begin, commit on success, roll back and re-raise on any exception.

        A nested call on the same thread joins the outer transaction. Writers of this process
        are serialised by one lock, so two saves never interleave.
        """
        outer = getattr(self._local, "tx", None)
        if outer is not None:
            yield outer
            return
        with self._escritor:
            self._reabrir_si_invalidada()
            cur = self._con.cursor()
            cur.begin()
            self._local.tx = cur
            try:
                yield cur
                cur.commit()
            except BaseException as exc:
                self._anotar(exc)
                try:
                    cur.rollback()
                except duckdb.Error:
                    pass
                raise
            finally:
                self._local.tx = None
                cur.close()
            self._asentar()

    def _asentar(self) -> None:
        """Write what was just committed into the database file before the caller is answered.

        Why: DuckDB 2.0.0 replays some UPDATEs wrongly from its WAL after a crash (a line switched
        from Excedente to Faltante came back with `causa` NULL in 8 of 63 kills; see STACK.md and
        duckdb/duckdb#24180, where the statistics of a column updated from NULL are not
        maintained by WAL replay). An acknowledged save that is already checkpointed is never
        replayed, so that bug cannot reach it. The plain CHECKPOINT fails at once while another
        cursor has a transaction open; FORCE CHECKPOINT then waits for those readers (they are
        short: every read fetches its whole result). A checkpoint that still fails leaves the
        save committed in the WAL, durable, and acknowledged: it is logged, retried after the next
        write, and the start-up integrity check (core.admin.integridad) compares every line with its
        audit row. Runs under the writer lock, so no write transaction of this process is open.
        Before it, core.base.preimagen saves what the checkpoint rewrites in place (headers and
        metadata blocks), so a process killed mid-checkpoint leaves a file that opens again.
        Cost: about 8 ms a save on the demo database (bench: saves/s with 20 threads, with and
        without); a group commit that released the lock first measured no better here.
        """
        if not self._asentar_escrituras:
            return
        try:
            with self._con.cursor() as cur:
                preimagen.guardar(cur, self.ruta, self._fd, wal_confirmado=self._wal_confirmado)
                try:
                    cur.execute("CHECKPOINT")
                except duckdb.TransactionException:
                    cur.execute("FORCE CHECKPOINT")
            self._wal_confirmado = False
        except (duckdb.Error, OSError) as exc:  # the save stands: it is committed and durable in the WAL
            self._wal_confirmado = True
            self._anotar(exc)
            log.warning("Checkpoint after a committed write failed (kept in the WAL): %s", exc)

    def carpeta_datos(self) -> Path | None:
        """The data folder next to the database (signed PDFs, backups); None for an in-memory store."""
        return None if self.ruta == ":memory:" else Path(self.ruta).parent

    def bloquear(self, ooad: str | None) -> None:
        """Inside a write: wait for the other writes of this OOAD/UMAE (None: of every one). On DuckDB
        the writer lock already runs one write at a time; on PostgreSQL see StorePg.bloquear."""

    @contextmanager
    def bloqueo_escritura(self) -> Iterator[None]:
        """Hold the process-wide writer lock: no write of this process starts or commits meanwhile.

        For work that must see a still database but cannot run inside a transaction (a backup
        copies the whole database with DuckDB's COPY FROM DATABASE, which opens its own).
        """
        if getattr(self._local, "tx", None) is not None:
            raise RuntimeError("bloqueo_escritura() cannot be taken inside a transaction")
        with self._escritor:
            yield

    def escribir(self, trabajo: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run `trabajo(tx)` in one transaction, retrying it whole on a DuckDB write conflict."""
        for intento in range(_REINTENTOS_CONFLICTO):
            try:
                with self.transaction() as tx:
                    return trabajo(tx)
            except duckdb.TransactionException:
                if getattr(self._local, "tx", None) is not None or intento == _REINTENTOS_CONFLICTO - 1:
                    raise
                time.sleep(0.01 * (2**intento))
        raise AssertionError("unreachable")

    # -- schema ----------------------------------------------------------------------------
    def migrar(self) -> list[str]:
        """Apply, once and in order, the numbered SQL files of core/base/migrations."""
        with self.transaction() as tx:
            tx.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " nombre VARCHAR PRIMARY KEY, aplicada TIMESTAMPTZ DEFAULT now())"
            )
            hechas = {r[0] for r in tx.execute("SELECT nombre FROM schema_migrations").fetchall()}
            aplicadas = []
            for archivo in sorted(_migraciones(), key=lambda p: p.name):
                if archivo.name in hechas:
                    continue
                tx.execute(archivo.read_text(encoding="utf-8"))
                tx.execute("INSERT INTO schema_migrations (nombre) VALUES (?)", [archivo.name])
                aplicadas.append(archivo.name)
        return aplicadas

    def cambios(self) -> int:
        """Grows with every committed write: the key of the UI caches and the análisis snapshot.

        DuckDB: the highest audit row id (every write appends one, and this process's writer lock
        commits them in id order). Not the `cambios` row PostgreSQL bumps (migration 007): an
        UPDATE per write made each checkpointed save 30-45 ms slower here (the crash test's children
        then wrote too little between kills)."""
        return self.valor("SELECT coalesce(max(id), 0) FROM auditoria")


def _migraciones() -> list[Path]:
    carpeta = Path(str(resources.files("core.base").joinpath("migrations")))
    return [p for p in carpeta.glob("[0-9][0-9][0-9]_*.sql")]
