"""`streamlit run app.py` on loopback for the benchmarks that go through a real server (one copy of how
it is started, waited for and stopped, shared by bench.rejilla, bench.paginas_analisis,
bench.capturas_analisis and bench.carga)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent


def puerto_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sano(url: str) -> bool:
    """Whether the server at `url` (its base address) answers its health check."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def arrancar(
    datos: Path, clave_cookie: str, salida=subprocess.DEVNULL, *extra: str, entorno: dict[str, str] | None = None
) -> tuple[subprocess.Popen, str]:
    """Start the app on `datos` (EYF_DATA_DIR) on a free loopback port; returns the process and its URL.
    `salida`: where its output goes (a file opened for writing, or DEVNULL); `extra`: more options;
    `entorno`: more environment (EYF_DATABASE_URL for a PostgreSQL replica)."""
    puerto = puerto_libre()
    env = {**os.environ, "EYF_DATA_DIR": str(datos), "EYF_COOKIE_KEY": clave_cookie, **(entorno or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(puerto)]
        + ["--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
        + ["--server.fileWatcherType", "none", *extra],
        cwd=RAIZ,
        env=env,
        stdout=salida,
        stderr=subprocess.STDOUT if salida is not subprocess.DEVNULL else subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    return proc, f"http://127.0.0.1:{puerto}"


def esperar(proc: subprocess.Popen, url: str, segundos: float = 120) -> None:
    """Until the server answers; RuntimeError if it ended or took longer than `segundos`."""
    limite = time.monotonic() + segundos
    while not sano(url):
        if proc.poll() is not None or time.monotonic() > limite:
            raise RuntimeError("el servidor no arrancó")
        time.sleep(0.3)


def detener(proc: subprocess.Popen) -> None:
    """SIGTERM to its process group, SIGKILL after 10 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(5)
