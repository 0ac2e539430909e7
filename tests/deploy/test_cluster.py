"""`make cluster`'s refusals (deploy/cluster.py): one Spanish line and status 2, never a traceback, and
`detener` stops only the processes its PID files name. The cluster itself runs in
tests/browser/test_cluster.py."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys

import pytest

from deploy import cluster


def _error(capsys, argv: list[str]) -> str:
    assert cluster.main(argv) == 2
    salida = capsys.readouterr()
    assert salida.out == "" and "Traceback" not in salida.err
    lineas = salida.err.strip().splitlines()
    assert len(lineas) == 1, lineas
    return lineas[0]


def test_sin_haproxy_lo_dice_en_una_linea(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _: None)
    monkeypatch.setattr(cluster, "HAPROXY_RUTAS", (tmp_path / "no-existe",))
    linea = _error(capsys, ["iniciar", "--carpeta", str(tmp_path)])
    assert linea == "Error: No se encontró HAProxy: instálelo con «apt-get install haproxy»."
    assert not (tmp_path / "run").exists()


@pytest.mark.skipif(not cluster.HAPROXY_RUTAS[0].exists() and not shutil.which("haproxy"), reason="sin haproxy")
def test_un_puerto_ocupado_lo_dice_en_una_linea(tmp_path, capsys):
    with socket.socket() as ocupado:
        ocupado.bind(("127.0.0.1", 0))
        ocupado.listen()
        puerto = ocupado.getsockname()[1]
        linea = _error(capsys, ["iniciar", "--carpeta", str(tmp_path), "--replicas", "1", "--puerto", str(puerto)])
    assert linea.startswith(f"Error: El puerto {puerto} de 127.0.0.1 ya está en uso: elija otro con PORT=")
    assert not (tmp_path / "pg").exists()  # nothing started


@pytest.mark.skipif(not cluster.HAPROXY_RUTAS[0].exists() and not shutil.which("haproxy"), reason="sin haproxy")
def test_iniciar_dos_veces_lo_dice_y_detener_termina_solo_lo_suyo(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    # A replica still running (any process whose command line names streamlit) and a stale PID file
    # naming a process that is not a replica (a PID reused since): only the first is the cluster's.
    replica = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", "streamlit"], start_new_session=True
    )
    ajeno = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        (run / "r1.pid").write_text(str(replica.pid))
        (run / "r2.pid").write_text(str(ajeno.pid))
        (run / "cluster.json").write_text('{"url": "http://127.0.0.1:8500"}')
        linea = _error(capsys, ["iniciar", "--carpeta", str(tmp_path)])
        assert linea == (
            f"Error: El clúster de {tmp_path.resolve()} ya está en marcha en http://127.0.0.1:8500 (1 proceso(s)); "
            "deténgalo con «make cluster-stop» antes de iniciarlo otra vez."
        )
        assert cluster.main(["detener", "--carpeta", str(tmp_path)]) == 0
        assert replica.wait(timeout=20) == -15  # SIGTERM, by its PID
        assert capsys.readouterr().out.startswith("Clúster detenido: r1")
        assert not list(run.glob("*.pid"))
        assert ajeno.poll() is None  # not the cluster's: left running
    finally:
        for p in (replica, ajeno):
            if p.poll() is None:
                p.kill()
                p.wait()


def test_la_configuracion_de_haproxy_es_valida(tmp_path):
    haproxy = shutil.which("haproxy") or next((str(p) for p in cluster.HAPROXY_RUTAS if p.exists()), None)
    if haproxy is None:
        pytest.skip("sin haproxy")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(cluster.configuracion(8500, [8601, 8602]))
    r = subprocess.run([haproxy, "-c", "-f", str(cfg)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    texto = cfg.read_text()
    for linea in ("cookie EYF_REPLICA insert", "option httpchk GET /_stcore/health", "option redispatch"):
        assert linea in texto
    assert "server r2 127.0.0.1:8602 check cookie r2" in texto
