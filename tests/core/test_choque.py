"""A crash never alters an acknowledged write: a child writing through core is killed with SIGKILL
at random points, the database is reopened, and every acknowledged write is there with exactly its
values, the write in flight is all there or not at all, and the audit trail agrees with the lines.
On PostgreSQL (EYF_PRUEBAS_PG=1) the server survives: this is the client killed mid-write, with its
connections and open transactions dropped by the server.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import bcrypt
import duckdb
import pytest

from core.accounts import cuentas
from core.admin import integridad
from core.base import preimagen
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, EN_POSTGRES, HOY, PASSWORD, poblado
from tests.core import choque_trabajador as trabajador

MATANZAS = 20  # SIGKILLs per run at least, shared by
CARRILES = 2  # lanes running side by side, each with its own database and children (they mostly wait)
MATANZAS_EXTRA = 15  # further kills per lane at most, only while some kind of write was never acknowledged
ESPERA_MAX = 30.0  # seconds a child may take to start and acknowledge its writes (never reached normally)
# A kill comes after the child acknowledged a random 1-6 writes, plus a random 0-100 ms (it writes all
# along, so the kill lands at a random point of some write: before, inside or after its commit and
# checkpoint). Counting acknowledgements rather than milliseconds keeps the number of writes per run,
# and so the kinds of write covered, the same on a loaded machine, where each write takes longer.


def _preparar(ruta) -> str:
    """Populate the lane's database; returns what the child opens (the file, or on PostgreSQL the
    database's URL: the child process has no test hook mapping paths to databases)."""
    s = poblado(ruta)
    c_dec = cuentas.obtener(s, trabajador.DECLARA)
    ciclo.declarar(s, c_dec, "Preparación", ANIO, "SI")
    c = cuentas.obtener(s, trabajador.CICLO)
    ciclo.declarar(s, c, "Preparación", ANIO, "SI")
    unidad = s.valor("SELECT clave FROM unidad WHERE ooad = ? LIMIT 1", [trabajador.CICLO])
    captura.guardar(s, c, "Preparación", ANIO, unidad, [FilaCaptura("47.01", exc_pacientes=5)])
    c = cuentas.obtener(s, trabajador.LINEAS)
    ciclo.declarar(s, c, "Preparación", ANIO, "SI")
    destino = s.ruta
    s.close()
    return destino


def _leer(destino: str) -> dict:
    """The state as the crash left it, read before anything writes (or checkpoints) again."""
    if not EN_POSTGRES:
        con = duckdb.connect(destino, read_only=True)
        try:
            return trabajador.leer(con, ANIO)
        finally:
            con.close()
    # PostgreSQL: the server outlives its killed client; what it committed is what a new client sees
    s = Store(destino)
    try:
        with s.cursor() as cur:
            return trabajador.leer(cur, ANIO)
    finally:
        s.close()


def _para_hijo(destino: str, i: int) -> str:
    """What child `i` opens: on PostgreSQL the URL with its own application_name, by which
    _esperar_desconexion finds its server processes."""
    if not EN_POSTGRES:
        return destino
    return f"{destino}{'&' if '?' in destino else '?'}application_name=choque-{i}"


def _esperar_desconexion(destino: str, i: int) -> None:
    """Wait until the server has ended every connection of killed child `i`. A backend that had
    received the child's COMMIT finishes it after the client is gone: read before that, a write in
    flight would look not applied and then appear, acknowledged by no one."""
    import psycopg

    limite = time.monotonic() + ESPERA_MAX
    with psycopg.connect(destino, autocommit=True) as con:
        while con.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [f"choque-{i}"]
        ).fetchone()[0]:
            assert time.monotonic() < limite, f"kill {i}: the server still holds the child's connections"
            time.sleep(0.01)


def _leer_bitacora(ruta) -> list[tuple[str, dict]]:
    eventos = []
    with open(ruta, encoding="utf-8") as f:
        for linea in f:
            if not linea.endswith("\n"):
                break  # a line cut by the kill: nothing after it was acknowledged
            tipo, _, resto = linea.rstrip("\n").partition(" ")
            eventos.append((tipo, json.loads(resto) if resto else {}))
    return eventos


def _coincide(clave: str, esperado, real: dict) -> bool:
    if clave.startswith("clave|"):
        usuario = clave.split("|", 1)[1]
        if esperado is None:  # a one-time password no one logged: any value
            return True
        return bcrypt.checkpw(esperado.encode(), real[f"hash|{usuario}"].encode())
    return real.get(clave) == esperado


def _guardar_evidencia(ruta, bitacora, i: int) -> Path:
    destino = Path(__file__).resolve().parents[2] / "test-artifacts" / f"choque-{os.getpid()}-{i}"
    destino.mkdir(parents=True, exist_ok=True)
    for origen in (Path(ruta), Path(f"{ruta}.wal"), preimagen.ruta_de(ruta), Path(bitacora)):
        if origen.exists():
            shutil.copy(origen, destino / origen.name)
    return destino


def _carril(ctx, tmp_path, carril: int, clases: set[str], faltan) -> int:
    """Kill children writing to a database of its own, checking after each kill: `MATANZAS /
    CARRILES` times, then while `faltan(clases)` says a kind of write is still missing (at most
    MATANZAS_EXTRA more). Adds the kinds acknowledged to `clases`; returns how many writes were."""
    ruta = tmp_path / f"eyf-{carril}.duckdb"
    destino = _preparar(ruta)
    rnd = random.Random(20261130 + carril)
    esperado = _leer(destino)
    esperado["clave|analista"] = PASSWORD
    claves = {"analista": PASSWORD}
    confirmados = 0
    hechas = 0
    while hechas < MATANZAS // CARRILES or (faltan(clases) and hechas < MATANZAS // CARRILES + MATANZAS_EXTRA):
        i = carril + CARRILES * hechas
        hechas += 1
        bitacora = tmp_path / f"bitacora-{i}.txt"
        bitacora.touch()
        hijo = ctx.Process(
            target=trabajador.trabajar, args=(_para_hijo(destino, i), str(bitacora), i, ANIO, HOY, 4, dict(claves))
        )
        hijo.start()
        limite = time.monotonic() + ESPERA_MAX
        while "READY" not in bitacora.read_text(encoding="utf-8") and hijo.is_alive() and time.monotonic() < limite:
            time.sleep(0.005)
        acks = rnd.randint(1, 6)
        while (
            bitacora.read_text(encoding="utf-8").count("\nACK ") < acks
            and hijo.is_alive()
            and time.monotonic() < limite
        ):
            time.sleep(0.005)
        time.sleep(rnd.uniform(0, 0.1))
        assert hijo.is_alive(), f"the child died on its own: {bitacora.read_text(encoding='utf-8')[-500:]}"
        os.kill(hijo.pid, signal.SIGKILL)
        # Nothing may read the file while the child can still write it: wait for the kill to land
        # (a child inside a write syscall on a busy disk finishes that call first).
        hijo.join(ESPERA_MAX)
        assert hijo.exitcode == -signal.SIGKILL, f"kill {i}: the child did not die ({hijo.exitcode})"
        if EN_POSTGRES:
            _esperar_desconexion(destino, i)
        eventos = _leer_bitacora(bitacora)
        en_vuelo = None
        for tipo, cambios in eventos:
            if tipo == "TRY":
                en_vuelo = cambios
            elif tipo == "ACK":
                esperado.update(cambios)
                confirmados += 1
                clases.update(
                    k.split("|")[0] + ("·borrada" if k.startswith("linea|") and v is None else "")
                    for k, v in cambios.items()
                )
                en_vuelo = None
            elif tipo == "NACK":
                en_vuelo = None

        if EN_POSTGRES:  # the server outlives its killed client
            real = _leer(destino)
        else:
            # Read exactly as the file was left, before anything writes (or checkpoints) again; a file
            # left by a kill inside a checkpoint's in-place write opens as the app opens it (Store:
            # the pre-image written back, core.base.preimagen).
            try:
                con = duckdb.connect(str(ruta), read_only=True)
            except duckdb.Error as exc:
                guardado = _guardar_evidencia(ruta, bitacora, i)  # the file, its WAL and the child's log
                if preimagen.recuperar(ruta) is None:
                    raise AssertionError(
                        f"kill {i}: the database does not open after the kill ({exc}); kept in {guardado}"
                    ) from exc
                print(f"kill {i}: opened after writing the pre-image back ({exc}); the file was kept in {guardado}")
                con = duckdb.connect(str(ruta), read_only=True)
            real = trabajador.leer(con, ANIO)
            con.close()
        if en_vuelo:
            aplicados = {k for k, v in en_vuelo.items() if _coincide(k, v, real)}
            previos = {k for k, v in en_vuelo.items() if _coincide(k, esperado.get(k), real)}
            assert aplicados | previos == set(en_vuelo), (i, en_vuelo, real)
            # all or nothing: the write in flight is either entirely there or not at all
            todo = aplicados == set(en_vuelo)
            nada = previos == set(en_vuelo)
            assert todo or nada, f"kill {i}: half a write: applied {aplicados}, not applied {previos}"
            if todo and not nada:
                esperado.update(en_vuelo)
        for clave, valor in esperado.items():
            if clave.startswith(("hash|", "activa|", "debe_cambiar|")) and clave not in (en_vuelo or {}):
                if not clave.startswith("hash|"):
                    assert real.get(clave) == valor, (i, clave, valor, real.get(clave))
                continue
            assert _coincide(clave, valor, real), f"kill {i}: {clave}: acknowledged {valor}, stored {real.get(clave)}"
        for clave in real:
            if clave.startswith("linea|"):
                assert clave in esperado and esperado[clave] is not None, f"kill {i}: unexpected line {clave}"
        if esperado.get("clave|analista"):
            claves["analista"] = esperado["clave|analista"]
        for k in [k for k, v in esperado.items() if v is None and k.startswith("linea|")]:
            del esperado[k]
        # The audit trail agrees with the data, as the server's start-up check sees it.
        s = Store(ruta)
        try:
            assert integridad.revisar(s).hallazgos == (), f"kill {i}"
        finally:
            s.close()
    return confirmados


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forkserver needs fork")
def test_sigkill_nunca_altera_lo_confirmado(tmp_path):
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "duckdb",
            "pandas",
            "bcrypt",
            "core.capture.captura",
            "core.lifecycle.ciclo",
            "core.capture.reportes",
            "core.lifecycle.reaperturas",
            "tests.core.choque_trabajador",
        ]
    )
    # The lanes run side by side (each mostly waits on its child and the disk), every child with a
    # seed of its own; both add to one set of kinds acknowledged (set.update is atomic under the GIL).
    todas = {"linea", "linea·borrada", "declaracion", "ciclo", "firmantes", "clave", "activa", "debe_cambiar"}
    clases: set[str] = set()
    with ThreadPoolExecutor(CARRILES) as hilos:
        carriles = [hilos.submit(_carril, ctx, tmp_path, c, clases, lambda k: not k >= todas) for c in range(CARRILES)]
        confirmados = sum(c.result() for c in carriles)
    assert confirmados >= MATANZAS  # the children really wrote between kills
    # every kind of write was acknowledged at least once in the run
    assert clases >= todas, clases
