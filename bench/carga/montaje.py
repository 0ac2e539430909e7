"""The PostgreSQL setups the load harness starts itself (`python -m bench.carga --montaje pg1|pg2`):
a throwaway PostgreSQL (tests/postgres.py's cluster, with fsync on), the demo installed on it by
`core.cli preparar`, 1 or N `streamlit run app.py` replicas on free loopback ports sharing the cookie
key and the data folder, and for more than one replica HAProxy in front with the
configuration `make cluster` writes (deploy/cluster.py: cookie stickiness, health checks).

The demo is prepared once into a template database; each level gets a fresh copy of it
(`CREATE DATABASE … TEMPLATE`), a fresh data folder and fresh replicas, so a level's peak RSS per
replica is its own and its saves are checked against its own database. Every process started here is
stopped by its PID (process group) at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench import servidor
from bench.carga import datos
from bench.carga.escenario import Plan
from tests.postgres import Cluster

RAIZ = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")


class ClusterCarga(Cluster):
    """The tests' throwaway cluster, but durable as a real one (fsync and synchronous commit on):
    DuckDB's figures include its checkpoint after every write, so PostgreSQL's include its commits."""

    ajustes = "-c max_connections=300 -c shared_buffers=128MB"


# ---- CPU of process trees -------------------------------------------------------------------------
def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _hijos(pid: int) -> list[int]:
    try:
        texto = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in texto.split()]


def cpu_arbol(pid: int) -> float:
    """CPU-seconds of a process, of its children that ended (cutime/cstime: PostgreSQL's postmaster
    reaps the backends that close) and of its live descendants. Differences of two readings count a
    backend that started and ended in between."""
    try:
        campos = _stat(pid)
    except OSError:
        return 0.0
    total = sum(int(campos[i]) for i in (11, 12, 13, 14)) / TICK  # utime stime cutime cstime
    return total + sum(cpu_arbol(h) for h in _hijos(pid))


def config_haproxy(puerto: int, replicas: list[int]) -> str:
    """The configuration `make cluster` writes (deploy/cluster.py), with this run's ports: the load is
    measured against the proxy a deployment runs. Only notices logged (each request is not)."""
    from deploy.cluster import configuracion

    return configuracion(puerto, replicas).replace("local0 info", "local0 notice")


class Montaje:
    """PostgreSQL + `replicas` app processes (+ HAProxy when more than one), level after level."""

    def __init__(self, raiz: Path, replicas: int, registros: Path | None = None) -> None:
        self.raiz = raiz
        self.registros = registros  # where each level's logs are kept (the rest goes with `raiz`)
        self.replicas = replicas
        self.cluster: ClusterCarga | None = None
        self.clave = secrets.token_hex(32)
        self.procesos: list = []  # this level's replicas (servidor.arrancar's processes)
        self.haproxy: subprocess.Popen | None = None
        self.url = ""
        self.base = ""  # this level's database
        self._logs: list = []

    # -- once ------------------------------------------------------------------------------------
    def preparar(self, n: int) -> list[Plan]:
        """Start PostgreSQL, install the demo with `core.cli preparar` into database `plantilla` and
        return `n` plans (every OOAD/UMAE that may capture answers SI first, as on DuckDB)."""
        self.cluster = ClusterCarga().iniciar()
        with psycopg.connect(self.cluster.url(), autocommit=True) as con:
            con.execute("CREATE DATABASE plantilla")
        carpeta = self.raiz / "datos_plantilla"
        carpeta.mkdir(parents=True)
        env = {**os.environ, "EYF_DATABASE_URL": self.cluster.url("plantilla"), "EYF_DATA_DIR": str(carpeta)}
        r = subprocess.run(
            [sys.executable, "-m", "core.cli", "preparar"], cwd=RAIZ, env=env, capture_output=True, text=True
        )
        if r.returncode:
            raise RuntimeError(f"core.cli preparar falló: {r.stderr[-2000:]}")
        from core.base.store import Store

        store = Store(self.cluster.url("plantilla"))
        try:
            return datos.planes(store, n)
        finally:
            store.close()

    def pids_postgres(self) -> list[int]:
        return [int((self.cluster.datos / "postmaster.pid").read_text().split()[0])]

    # -- a level ---------------------------------------------------------------------------------
    def levantar(self, nombre: str) -> str:
        """A fresh copy of the prepared database and data folder, the replicas, the proxy; its URL."""
        self.base = nombre
        with psycopg.connect(self.cluster.url(), autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {nombre}")
            con.execute(f"CREATE DATABASE {nombre} TEMPLATE plantilla")
        carpeta = self.raiz / f"datos_{nombre}"
        shutil.rmtree(carpeta, ignore_errors=True)
        shutil.copytree(self.raiz / "datos_plantilla", carpeta)
        entorno = {"EYF_DATABASE_URL": self.cluster.url(nombre)}
        try:
            for i in range(1, self.replicas + 1):
                log = open(self.raiz / f"{nombre}_r{i}.log", "wb")  # noqa: SIM115 - closed in bajar
                self._logs.append(log)
                self.procesos.append(servidor.arrancar(carpeta, self.clave, log, entorno=entorno))
            for proc, url in self.procesos:
                servidor.esperar(proc, url)
            if self.replicas == 1:
                self.url = self.procesos[0][1]
                return self.url
            puerto = servidor.puerto_libre()
            cfg = self.raiz / f"{nombre}_haproxy.cfg"
            cfg.write_text(config_haproxy(puerto, [int(u.rsplit(":", 1)[1]) for _, u in self.procesos]))
            subprocess.run(["haproxy", "-c", "-q", "-f", str(cfg)], check=True)
            log = open(self.raiz / f"{nombre}_haproxy.log", "wb")  # noqa: SIM115 - closed in bajar
            self._logs.append(log)
            self.haproxy = subprocess.Popen(
                ["haproxy", "-db", "-f", str(cfg)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.url = f"http://127.0.0.1:{puerto}"
            servidor.esperar(self.haproxy, self.url, 30)
            time.sleep(4.5)  # two health checks (inter 2 s, rise 2) of every server
            return self.url
        except BaseException:
            self.bajar()
            raise

    def pids_replicas(self) -> list[int]:
        return [p.pid for p, _ in self.procesos]

    def cpu(self) -> float:
        """Server CPU-seconds so far: every replica, PostgreSQL's processes, HAProxy."""
        return sum(self.cpu_partes().values())

    def cpu_partes(self) -> dict[str, float]:
        return {
            "replicas": sum(cpu_arbol(p) for p in self.pids_replicas()),
            "postgres": sum(cpu_arbol(p) for p in self.pids_postgres()),
            "haproxy": cpu_arbol(self.haproxy.pid) if self.haproxy else 0.0,
        }

    def rss_pico(self) -> list[int]:
        """Peak RSS (VmHWM) of each replica, bytes."""
        out = []
        for pid in self.pids_replicas():
            try:
                lineas = Path(f"/proc/{pid}/status").read_text().splitlines()
            except OSError:
                out.append(0)
                continue
            out.append(next((int(x.split()[1]) * 1024 for x in lineas if x.startswith("VmHWM:")), 0))
        return out

    def perdidos(self, guardados: dict) -> list[str]:
        """Acknowledged saves missing from this level's PostgreSQL database."""
        from core.base.store import Store

        store = Store(self.cluster.url(self.base))
        try:
            return datos.perdidos(store, guardados)
        finally:
            store.close()

    def bajar(self) -> None:
        """Stop this level's proxy and replicas (by their process groups)."""
        if self.haproxy is not None:
            servidor.detener(self.haproxy)
            self.haproxy = None
        for proc, _ in self.procesos:
            servidor.detener(proc)
        self.procesos = []
        for log in self._logs:
            log.close()
        self._logs = []
        if self.registros and self.base:
            self.registros.mkdir(parents=True, exist_ok=True)
            for f in [*self.raiz.glob(f"{self.base}_*"), self.raiz / f"datos_{self.base}" / "errores.log"]:
                if f.is_file():
                    shutil.copy(f, self.registros / (f.name if f.name != "errores.log" else f"{self.base}_errores.log"))

    def detener(self) -> None:
        self.bajar()
        if self.cluster is not None:
            self.cluster.detener()
            self.cluster = None
