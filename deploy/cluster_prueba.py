"""Smoke test of the multi-process setup (issue 13 §2), prototype for `make cluster`:
a throwaway PostgreSQL, `core.cli preparar`, N Streamlit replicas, HAProxy in front; then checks
health, cookie stickiness, a websocket through the proxy, and redispatch when a replica dies.
Every process it starts is stopped by its PID at the end (never by name).

Run: .venv/bin/python -m deploy.cluster_prueba [N]
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.postgres import Cluster

RAIZ = Path(__file__).resolve().parents[1]
PUERTO_PROXY = 8500
PUERTO_BASE = 8600
CONFIG = (RAIZ / "docs/research/postgres/haproxy.cfg").read_text()


def _config(n: int) -> str:
    cuerpo = CONFIG.split("    server r1")[0]
    servidores = "".join(f"    server r{i} 127.0.0.1:{PUERTO_BASE + i} check cookie r{i}\n" for i in range(1, n + 1))
    return cuerpo.replace("127.0.0.1:8500", f"127.0.0.1:{PUERTO_PROXY}") + servidores


def _get(puerto: int, ruta: str, cookie: str | None = None) -> tuple[int, dict, bytes]:
    con = http.client.HTTPConnection("127.0.0.1", puerto, timeout=10)
    con.request("GET", ruta, headers={"Cookie": cookie} if cookie else {})
    r = con.getresponse()
    cuerpo = r.read()
    cabeceras = {k.lower(): v for k, v in r.getheaders()}
    con.close()
    return r.status, cabeceras, cuerpo


def _esperar(puerto: int, segundos: float = 90) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < segundos:
        try:
            if _get(puerto, "/_stcore/health")[0] == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"port {puerto} not healthy")


def _websocket(cookie: str) -> str:
    """The websocket handshake of Streamlit's /_stcore/stream, through the proxy, raw."""
    import base64
    import socket

    clave = base64.b64encode(os.urandom(16)).decode()
    peticion = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: 127.0.0.1:{PUERTO_PROXY}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {clave}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: streamlit\r\nOrigin: http://127.0.0.1:{PUERTO_PROXY}\r\nCookie: {cookie}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", PUERTO_PROXY), timeout=10) as s:
        s.sendall(peticion.encode())
        return s.recv(4096).decode(errors="replace").splitlines()[0]


def main(n: int) -> None:
    cluster = Cluster().iniciar()
    run = Path(tempfile.mkdtemp(prefix="eyf-cluster-"))
    procesos: list[subprocess.Popen] = []
    env = dict(os.environ, EYF_DATABASE_URL=cluster.url(), EYF_DATA_DIR=str(run / "datos"))
    try:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "core.cli", "preparar"], env=env, check=True, capture_output=True)
        print(f"preparar: {time.perf_counter() - t0:.1f} s")
        for i in range(1, n + 1):
            procesos.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "streamlit",
                        "run",
                        str(RAIZ / "app.py"),
                        "--server.headless",
                        "true",
                        "--server.address",
                        "127.0.0.1",
                        "--server.port",
                        str(PUERTO_BASE + i),
                    ],
                    env=env,
                    cwd=RAIZ,
                    stdout=open(run / f"r{i}.log", "w"),
                    stderr=subprocess.STDOUT,
                )
            )
        for i in range(1, n + 1):
            print(f"replica r{i} healthy after {_esperar(PUERTO_BASE + i):.1f} s")
        (run / "haproxy.cfg").write_text(_config(n))
        subprocess.run(["haproxy", "-c", "-q", "-f", str(run / "haproxy.cfg")], check=True)
        procesos.append(
            subprocess.Popen(
                ["haproxy", "-f", str(run / "haproxy.cfg")],
                stdout=open(run / "haproxy.log", "w"),
                stderr=subprocess.STDOUT,
            )
        )
        print(f"proxy healthy after {_esperar(PUERTO_PROXY):.1f} s")
        time.sleep(2.5)  # first health checks of every server
        vistos = {}
        for _ in range(2 * n):
            estado, cab, _ = _get(PUERTO_PROXY, "/")
            cookie = cab.get("set-cookie", "")
            vistos[cookie.split(";")[0]] = estado
        print("first visits got cookies:", sorted(vistos))
        pegado = sorted(vistos)[0]
        r = [_get(PUERTO_PROXY, "/", pegado) for _ in range(5)]
        print(
            f"5 visits with {pegado}: statuses {[x[0] for x in r]}, new cookie set: {any('set-cookie' in x[1] for x in r)}"
        )
        print("websocket through the proxy:", _websocket(pegado))
        victima = int(pegado.split("=r")[1])
        procesos[victima - 1].send_signal(signal.SIGKILL)
        procesos[victima - 1].wait()
        t0 = time.perf_counter()
        estado, cab, _ = _get(PUERTO_PROXY, "/", pegado)
        print(
            f"after SIGKILL of r{victima}: status {estado} in {time.perf_counter() - t0:.2f} s, "
            f"new cookie {cab.get('set-cookie', '(none)').split(';')[0]}"
        )
    finally:
        for p in procesos:
            if p.poll() is None:
                p.terminate()
        for p in procesos:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        cluster.detener()
        print(f"logs kept in {run}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
