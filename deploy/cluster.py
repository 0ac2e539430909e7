"""`make cluster` / `make cluster-stop` (issue 13 §2): the app as several processes on this machine.

One DuckDB file can be opened by one process only, so more than one core needs PostgreSQL: this
starts a local PostgreSQL (or uses `EYF_DATABASE_URL`), runs `core.cli preparar` once (migrations,
integrity check, demo data on a new database, as `make run`), then N replicas `streamlit run app.py`
on loopback ports, and HAProxy in front. Streamlit keeps a person's session (its websocket, uploads
and downloads) inside one process, so HAProxy pins each browser to a replica with its EYF_REPLICA
cookie; when that replica dies it sends the browser to a live one (redispatch), where the app's own
session cookie (a row in table `sesion`) logs the person in again, with their drafts (rows too).

Every process started has its PID file under <carpeta>/run/; `detener` stops them by those PIDs,
never by name. Run: `python -m deploy.cluster iniciar [--replicas N] [--puerto 8500]` and
`python -m deploy.cluster detener` (the folder defaults to data/cluster, or $EYF_DATA_DIR/cluster).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[1]
PG_BIN = Path(os.environ.get("EYF_PG_BIN", "/usr/lib/postgresql/15/bin"))
HAPROXY_RUTAS = (Path("/usr/sbin/haproxy"),)  # Debian's, when /usr/sbin is not on PATH
PG_USUARIO = "eyf"
PG_BASE = "eyf"
PUERTO = 8500
ARRANQUE_MAXIMO = 120  # s: a replica on a loaded machine; `preparar` on a new database loads the demo
PARADA_MAXIMA = 15  # s: SIGTERM, then SIGKILL

# What `iniciar` writes to <carpeta>/run/haproxy.cfg (README «Varios procesos (clúster)» shows it).
HAPROXY_CFG = """\
# Written by `python -m deploy.cluster iniciar` (make cluster); rewritten on every start.
global
    maxconn 2000
    log stderr format short local0 info

defaults
    mode http
    log global
    option httplog
    option dontlognull
    timeout connect 5s
    timeout client  1h          # Streamlit's websocket idles between reruns
    timeout server  1h
    timeout tunnel  1h          # once the connection is upgraded to a websocket
    timeout http-request 30s
    option forwardfor

frontend eyf
    bind {direccion}:{puerto}
    default_backend replicas

backend replicas
    balance leastconn
    # Stickiness: the first response sets EYF_REPLICA; the websocket, uploads (/_stcore/upload_file)
    # and downloads (/media) then reach the replica that holds the person's Streamlit session.
    cookie EYF_REPLICA insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect string ok
    # A replica busy with a page still answers its health check, but slowly on a loaded machine: 5 s
    # and 3 failures before it is taken out (a dead one refuses at once: redispatched meanwhile).
    timeout check 5s
    default-server inter 2s fall 3 rise 2 maxconn 200
    # A dead replica's cookie is ignored: its people land on a live one, logged in again by the
    # app's session cookie (sessions and drafts are rows in PostgreSQL).
    option redispatch
    retries 2
{servidores}"""


class ErrorCluster(Exception):
    """A problem the person can fix (a missing program, a port taken): one Spanish line."""


@dataclass
class Carpetas:
    """Where a cluster keeps its things: pg/ (PostgreSQL's data and socket, when local), datos/ (the
    replicas' EYF_DATA_DIR: signed PDFs, backups), run/ (PID files, logs, haproxy.cfg)."""

    raiz: Path

    @property
    def pg(self) -> Path:
        return self.raiz / "pg"

    @property
    def datos(self) -> Path:
        return self.raiz / "datos"

    @property
    def run(self) -> Path:
        return self.raiz / "run"

    @property
    def estado(self) -> Path:
        return self.run / "cluster.json"

    def pid(self, nombre: str) -> Path:
        return self.run / f"{nombre}.pid"


def carpeta_por_omision() -> Path:
    return Path(os.environ.get("EYF_DATA_DIR") or RAIZ / "data") / "cluster"


# -- processes ----------------------------------------------------------------------------------
def _vivo(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (dead, not yet reaped by its parent) is not running
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] != "Z"
    except OSError:
        return False


def _es(pid: int, programa: str) -> bool:
    """The PID still runs `programa` (a PID file outliving its process may name someone else's)."""
    try:
        return programa in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _leer_pid(ruta: Path) -> int | None:
    try:
        return int(ruta.read_text().strip())
    except (OSError, ValueError):
        return None


def _procesos(c: Carpetas) -> dict[str, tuple[int, str]]:
    """{name: (pid, program)} of the PID files in run/ whose process still runs that program."""
    vivos = {}
    for ruta in sorted(c.run.glob("*.pid")):
        nombre = ruta.stem
        programa = "haproxy" if nombre == "haproxy" else "streamlit"
        pid = _leer_pid(ruta)
        if pid is not None and _vivo(pid) and _es(pid, programa):
            vivos[nombre] = (pid, programa)
    return vivos


def _terminar(pids: list[int]) -> None:
    """SIGTERM to each process group (each was started in its own session), SIGKILL after a while."""
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    limite = time.monotonic() + PARADA_MAXIMA
    while any(_vivo(p) for p in pids) and time.monotonic() < limite:
        time.sleep(0.1)
    for pid in pids:
        if _vivo(pid):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _lanzar(args: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    with open(log, "ab") as salida:
        return subprocess.Popen(
            args,
            cwd=RAIZ,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=salida,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole, outlives `make`
        )


def _puerto_libre(puerto: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", puerto))
        except OSError:
            return False
    return True


def _sano(puerto: int) -> bool:
    try:
        con = http.client.HTTPConnection("127.0.0.1", puerto, timeout=2)
        con.request("GET", "/_stcore/health")
        r = con.getresponse()
        r.read()
        con.close()
        return r.status == 200
    except OSError:
        return False


def _cola(ruta: Path, n: int = 5) -> str:
    try:
        return "\n".join(ruta.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


# -- PostgreSQL ---------------------------------------------------------------------------------
def _como_postgres(args: list[str]) -> subprocess.CompletedProcess:
    """PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True)


def _pg_url(c: Carpetas) -> str:
    return f"postgresql://{PG_USUARIO}@/{PG_BASE}?host={c.pg}"


def _pg_en_marcha(c: Carpetas) -> bool:
    return (c.pg / "postmaster.pid").exists() and _como_postgres(
        [str(PG_BIN / "pg_ctl"), "-D", str(c.pg), "status"]
    ).returncode == 0


def _pg_iniciar(c: Carpetas, replicas: int) -> str:
    """The local PostgreSQL in <carpeta>/pg: initdb on first start, reachable only through its Unix
    socket in that folder (no TCP port), started with pg_ctl; returns its URL."""
    if not (PG_BIN / "pg_ctl").exists():
        raise ErrorCluster(
            f"No se encontró PostgreSQL en {PG_BIN}: instálelo con «apt-get install postgresql» "
            "o indique una base existente con EYF_DATABASE_URL=postgresql://…"
        )
    nueva = not (c.pg / "PG_VERSION").exists()
    if nueva:
        c.pg.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(c.pg, "postgres", "postgres")
        c.pg.chmod(0o700)
        r = _como_postgres(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(c.pg),
                "-U",
                PG_USUARIO,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        if r.returncode != 0:
            raise ErrorCluster(f"initdb falló en {c.pg}: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    if not _pg_en_marcha(c):
        log = c.run / "postgres.log"
        log.touch()
        if os.geteuid() == 0:
            shutil.chown(log, "postgres", "postgres")
        opciones = f"-k {c.pg} -c listen_addresses='' -c max_connections={max(100, 12 * replicas + 20)}"
        r = _como_postgres([str(PG_BIN / "pg_ctl"), "-D", str(c.pg), "-o", opciones, "-l", str(log), "-w", "start"])
        if r.returncode != 0:
            raise ErrorCluster(f"PostgreSQL no arrancó (ver {log}): {_cola(log, 1) or r.stderr.strip()}")
    if nueva:
        r = subprocess.run(
            [str(PG_BIN / "createdb"), "-h", str(c.pg), "-U", PG_USUARIO, PG_BASE], capture_output=True, text=True
        )
        if r.returncode != 0:
            raise ErrorCluster(f"No se pudo crear la base «{PG_BASE}»: {r.stderr.strip()}")
    return _pg_url(c)


def _pg_detener(c: Carpetas) -> bool:
    """Stop the local PostgreSQL of this folder (pg_ctl signals the PID in its postmaster.pid)."""
    if not (PG_BIN / "pg_ctl").exists() or not _pg_en_marcha(c):
        return False
    _como_postgres([str(PG_BIN / "pg_ctl"), "-D", str(c.pg), "-m", "fast", "-w", "stop"])
    return True


# -- start and stop -----------------------------------------------------------------------------
def _secreto(c: Carpetas) -> str:
    """Streamlit's cookie secret, the same in every replica (its own signed cookies must validate on
    whichever replica a browser lands); made once, kept next to the data. The app's session cookie is
    a random token checked against the database, not signed: nothing else to share."""
    ruta = c.raiz / "secreto_streamlit"
    if not ruta.exists():
        ruta.write_text(secrets.token_hex(32))
        ruta.chmod(0o600)
    return ruta.read_text().strip()


def configuracion(puerto: int, puertos_replicas: list[int], direccion: str = "127.0.0.1") -> str:
    servidores = "".join(
        f"    server r{i} 127.0.0.1:{p} check cookie r{i}\n" for i, p in enumerate(puertos_replicas, start=1)
    )
    return HAPROXY_CFG.format(direccion=direccion, puerto=puerto, servidores=servidores)


def iniciar(
    carpeta: Path,
    replicas: int,
    puerto: int = PUERTO,
    puerto_replicas: int | None = None,
    url: str | None = None,
    avisar=print,
) -> dict:
    """Start PostgreSQL (unless `url`), `preparar`, the replicas and HAProxy; returns what
    run/cluster.json records (URL, ports, PIDs). On any failure, stops what it started."""
    c = Carpetas(carpeta.resolve())
    haproxy = shutil.which("haproxy") or next((str(p) for p in HAPROXY_RUTAS if p.exists()), None)
    if haproxy is None:
        raise ErrorCluster("No se encontró HAProxy: instálelo con «apt-get install haproxy».")
    if replicas < 1:
        raise ErrorCluster("El número de réplicas debe ser al menos 1.")
    if vivos := _procesos(c):
        anterior = _leer_estado(c)
        donde = f" en {anterior['url']}" if anterior.get("url") else ""
        raise ErrorCluster(
            f"El clúster de {c.raiz} ya está en marcha{donde} ({len(vivos)} proceso(s)); "
            "deténgalo con «make cluster-stop» antes de iniciarlo otra vez."
        )
    base = puerto_replicas or puerto + 100
    puertos = [base + i for i in range(1, replicas + 1)]
    for p in [puerto, *puertos]:
        if not _puerto_libre(p):
            raise ErrorCluster(
                f"El puerto {p} de 127.0.0.1 ya está en uso: elija otro con PORT=… make cluster "
                "(las réplicas usan los puertos PORT+101 en adelante)."
            )
    for d in (c.run, c.datos):
        d.mkdir(parents=True, exist_ok=True)
    for viejo in c.run.glob("*.pid"):  # the processes they named are gone (checked above)
        viejo.unlink()
    estado = {
        "url": f"http://127.0.0.1:{puerto}",
        "puerto": puerto,
        "replicas": {f"r{i}": p for i, p in enumerate(puertos, start=1)},
        "postgres_local": url is None,
        "pids": {},
    }
    try:
        if url is None:
            url = _pg_iniciar(c, replicas)
            avisar(f"PostgreSQL en {c.pg} (solo por su socket Unix).")
        env = {
            **os.environ,
            "EYF_DATABASE_URL": url,
            "EYF_DATA_DIR": str(c.datos),
            "STREAMLIT_SERVER_COOKIE_SECRET": _secreto(c),
            "PYTHONUNBUFFERED": "1",
        }
        t0 = time.monotonic()
        r = subprocess.run(
            [sys.executable, "-m", "core.cli", "preparar"], cwd=RAIZ, env=env, capture_output=True, text=True
        )
        (c.run / "preparar.log").write_text(r.stdout + r.stderr)
        if r.returncode != 0:
            raise ErrorCluster(f"«core.cli preparar» falló: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
        for linea in r.stdout.strip().splitlines():
            avisar(linea)
        avisar(f"Base preparada en {time.monotonic() - t0:.1f} s.")
        t0 = time.monotonic()
        procesos = {}
        for nombre, p in estado["replicas"].items():
            proc = _lanzar(
                [
                    sys.executable,
                    "-m",
                    "streamlit",
                    "run",
                    "app.py",
                    "--server.address",
                    "127.0.0.1",
                    "--server.port",
                    str(p),
                    "--server.headless",
                    "true",
                    "--browser.gatherUsageStats",
                    "false",
                    "--server.fileWatcherType",
                    "none",
                ],
                c.run / f"{nombre}.log",
                {**env, "EYF_REPLICA": nombre},
            )
            c.pid(nombre).write_text(str(proc.pid))
            estado["pids"][nombre] = proc.pid
            procesos[nombre] = proc
        _escribir_estado(c, estado)
        limite = time.monotonic() + ARRANQUE_MAXIMO
        pendientes = dict(procesos)
        while pendientes:
            for nombre, proc in list(pendientes.items()):
                if _sano(estado["replicas"][nombre]):
                    del pendientes[nombre]
                elif proc.poll() is not None:
                    log = c.run / f"{nombre}.log"
                    raise ErrorCluster(f"La réplica {nombre} terminó al arrancar (ver {log}): {_cola(log, 1)}")
            if pendientes and time.monotonic() > limite:
                raise ErrorCluster(f"La(s) réplica(s) {', '.join(pendientes)} no respondieron en {ARRANQUE_MAXIMO} s.")
            time.sleep(0.2)
        avisar(
            f"{replicas} réplica(s) en marcha en {time.monotonic() - t0:.1f} s: puertos {', '.join(map(str, puertos))}."
        )
        cfg = c.run / "haproxy.cfg"
        cfg.write_text(configuracion(puerto, puertos))
        r = subprocess.run([haproxy, "-c", "-q", "-f", str(cfg)], capture_output=True, text=True)
        if r.returncode != 0:
            raise ErrorCluster(f"La configuración de HAProxy {cfg} no es válida: {(r.stderr or r.stdout).strip()}")
        proc = _lanzar([haproxy, "-f", str(cfg)], c.run / "haproxy.log")
        c.pid("haproxy").write_text(str(proc.pid))
        estado["pids"]["haproxy"] = proc.pid
        _escribir_estado(c, estado)
        limite = time.monotonic() + 30
        while not _sano(puerto):
            if proc.poll() is not None:
                raise ErrorCluster(f"HAProxy terminó al arrancar: {_cola(c.run / 'haproxy.log', 1)}")
            if time.monotonic() > limite:
                raise ErrorCluster(f"HAProxy no respondió en 30 s en el puerto {puerto}.")
            time.sleep(0.1)
    except BaseException:
        detener(c.raiz, avisar=lambda _: None)
        raise
    return estado


def _escribir_estado(c: Carpetas, estado: dict) -> None:
    c.estado.write_text(json.dumps(estado, indent=2))


def _leer_estado(c: Carpetas) -> dict:
    try:
        return json.loads(c.estado.read_text())
    except (OSError, ValueError):
        return {}


def detener(carpeta: Path, avisar=print) -> list[str]:
    """Stop HAProxy, the replicas (each by the PID in its file) and the local PostgreSQL of this
    folder; returns the names of what was stopped."""
    c = Carpetas(carpeta.resolve())
    vivos = _procesos(c)
    orden = sorted(vivos, key=lambda n: n != "haproxy")  # the proxy first: no new requests meanwhile
    _terminar([vivos[n][0] for n in orden])
    detenidos = list(orden)
    estado = _leer_estado(c)
    if estado.get("postgres_local", True) and _pg_detener(c):
        detenidos.append("postgres")
    for ruta in c.run.glob("*.pid") if c.run.exists() else []:
        ruta.unlink()
    if detenidos:
        avisar(f"Clúster detenido: {', '.join(detenidos)}.")
    else:
        avisar(f"No había un clúster en marcha en {c.raiz}.")
    return detenidos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="orden", required=True)
    i = sub.add_parser("iniciar", help="PostgreSQL, N réplicas y HAProxy")
    i.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="por omisión, los núcleos")
    i.add_argument("--puerto", type=int, default=PUERTO, help=f"el del proxy (por omisión {PUERTO})")
    i.add_argument("--puerto-replicas", type=int, help="las réplicas usan los siguientes (por omisión puerto+100)")
    i.add_argument("--carpeta", type=Path, default=None)
    d = sub.add_parser("detener", help="detiene todo lo que inició «iniciar»")
    d.add_argument("--carpeta", type=Path, default=None)
    args = parser.parse_args(argv)
    carpeta = args.carpeta or carpeta_por_omision()
    try:
        if args.orden == "iniciar":
            estado = iniciar(
                carpeta,
                args.replicas,
                args.puerto,
                args.puerto_replicas,
                url=os.environ.get("EYF_DATABASE_URL") or None,
            )
            print(f"Listo: abra {estado['url']} (detener: make cluster-stop).")
        else:
            detener(carpeta)
    except ErrorCluster as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrumpido: se detuvo lo que se había iniciado.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
