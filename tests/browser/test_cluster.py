"""Two people through HAProxy on two replicas of the app (issue 13 §2, `make cluster`), and a replica
killed under one of them.

The cluster is the one `make cluster` starts (`python -m deploy.cluster iniciar`), on free ports, a
temporary folder and a throwaway PostgreSQL (tests/postgres.py) holding the run's demo. A (Chihuahua)
and B (Sonora) land on different replicas (their EYF_REPLICA cookies), each captures a line in Paso 6
and saves; B finalizes, downloads its Versión Final and uploads it signed (upload and download are
held by B's replica: stickiness). A types an edit and does not save; A's replica gets SIGKILL. A's
next action reaches the other replica, which logs A in again from the session cookie (no login form)
and gives the draft back; every save the app acknowledged is in the database.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import psycopg
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from core.accounts import cuentas
from core.base import reloj, rutas
from core.base.store import Store
from deploy.cluster import _puerto_libre
from tests.browser import rejilla_ag, tablero_ui, ui
from tests.browser.conftest import ARTEFACTOS, CONTEXTO, COOKIE, PYTHON, RAIZ, _cola

pytestmark = pytest.mark.navegador

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
PG_BIN = Path(os.environ.get("EYF_PG_BIN", "/usr/lib/postgresql/15/bin"))
A = ("chihuahua", "HGZ 3, Chihuahua", ("Persona A Clúster", "Capturista"))
B = ("sonora", "HGZ 3, Hermosillo", ("Persona B Clúster", "Capturista"))


def _copiar_demo(duck: Path, url: str) -> None:
    """The run's demo (DuckDB, built once per run: demo_instalada) into the migrated PostgreSQL
    database, table by table: about a second, where `preparar` loading the demo on PostgreSQL takes
    13-29 s (production's bcrypt cost for 62 accounts). There are no foreign keys (001's note)."""
    fuente = duckdb.connect(str(duck), read_only=True)
    try:
        with psycopg.connect(url, autocommit=True) as con, con.transaction():
            tablas = [
                r[0]
                for r in con.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'"
                )
            ]
            con.execute("; ".join(f'DELETE FROM "{t}"' for t in tablas))
            for t in tablas:
                columnas = ", ".join(
                    f'"{r[0]}"'
                    for r in con.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
                        "AND table_name = %s ORDER BY ordinal_position",
                        [t],
                    )
                )
                with con.cursor().copy(f'COPY "{t}" ({columnas}) FROM STDIN') as copia:
                    for fila in fuente.execute(f'SELECT {columnas} FROM "{t}"').fetchall():
                        copia.write_row(fila)
            for nombre, valor in fuente.execute("SELECT sequence_name, last_value FROM duckdb_sequences()").fetchall():
                if valor is not None:
                    con.execute("SELECT setval(%s, %s)", [nombre, valor])
    finally:
        fuente.close()


def _puertos() -> int:
    """A base port with itself (the proxy) and the next two (the replicas) free."""
    for _ in range(50):
        base = random.randint(20_000, 60_000)
        if all(_puerto_libre(base + i) for i in range(3)):
            return base
    raise AssertionError("sin tres puertos libres seguidos en 127.0.0.1")


@pytest.fixture(scope="module")
def cluster(chromium, demo_instalada, tmp_path_factory):
    """`python -m deploy.cluster iniciar --replicas 2` on a throwaway PostgreSQL with the demo;
    yields (proxy URL, cluster folder, database URL, {account: session token})."""
    if not Path(HAPROXY).exists():
        pytest.skip("No se encontró HAProxy: instálelo con «apt-get install haproxy» para la prueba del clúster.")
    if not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"No se encontró PostgreSQL en {PG_BIN}: instálelo con «apt-get install postgresql».")
    from tests.postgres import Cluster

    t0 = time.monotonic()
    pg = Cluster().iniciar()
    carpeta = tmp_path_factory.mktemp("cluster")
    try:
        url = pg.url()
        reloj.fijar(None)  # sessions opened now, on the servers' clock (the tests' fixed clock is months away)
        Store(url).close()  # migrated
        _copiar_demo(rutas.ruta_base(demo_instalada), url)
        shutil.copytree(demo_instalada / "firmados", carpeta / "datos" / "firmados")
        store = Store(url)
        try:
            tokens = {u: cuentas.iniciar_sesion(store, u, "demo").token for u in (A[0], B[0])}
        finally:
            store.close()
        print(f"\n[cluster] PostgreSQL with the demo in {time.monotonic() - t0:.1f} s")
        base = _puertos()
        r = subprocess.run(
            [str(PYTHON), "-m", "deploy.cluster", "iniciar", "--replicas", "2", "--puerto", str(base)]
            + ["--puerto-replicas", str(base), "--carpeta", str(carpeta)],
            cwd=RAIZ,
            env={**os.environ, "EYF_DATABASE_URL": url},
            capture_output=True,
            text=True,
            timeout=300,
        )
        print(f"[cluster] started in {time.monotonic() - t0:.1f} s:\n{r.stdout}{r.stderr}")
        if r.returncode != 0:
            registros = "\n".join(f"{p.name}:\n{_cola(p, 20)}" for p in sorted((carpeta / "run").glob("*.log")))
            pytest.fail(f"make cluster falló:\n{r.stdout}{r.stderr}\n{registros}", pytrace=False)
        yield f"http://127.0.0.1:{base}", carpeta, url, tokens
    finally:
        r = subprocess.run(
            [str(PYTHON), "-m", "deploy.cluster", "detener", "--carpeta", str(carpeta)],
            cwd=RAIZ,
            capture_output=True,
            text=True,
            timeout=60,
        )
        print(f"[cluster] {r.stdout.strip()} {r.stderr.strip()}")
        pg.detener()


def _cpu(pid: int) -> float:
    """CPU-seconds a process has used so far (user + system), for the figures printed."""
    try:
        campos = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except OSError:
        return 0.0
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def _replica(page: Page) -> str:
    return next((c["value"] for c in page.context.cookies() if c["name"] == "EYF_REPLICA"), "")


def _entrar(page: Page, token: str, base: str, persona: tuple[str, str]) -> None:
    """A browser that logged in before: its session cookie, then Paso 2 asks who captures."""
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": base, "sameSite": "Strict"}])
    page.goto("/paso2", timeout=120_000)  # a replica's first page loads its caches
    ui.decir_quien(page, persona)
    ui.ver(page, "Indicar si alguna de las Unidades Médicas tiene Excedentes y/o Faltantes")


def _paso6(page: Page, unidad: str) -> None:
    ui.menu(page, "Paso 3 · Unidad Médica")
    ui.buscar(page, "Buscar Unidad Médica", unidad, re.compile(r"Unidades Médicas tienen Excedentes"))
    tablero_ui.abrir_unidad(page, unidad)
    ui.boton(page, re.compile(r"^Hemodiálisis\s+—")).click()  # one specialty: straight to Paso 6
    ui.ver(page, f"Unidad Médica: {unidad}")
    rejilla_ag.esperar(page)


def _guardar(page: Page) -> None:
    ui.boton(page, "Guardar").click()
    ui.boton(page.get_by_role("dialog"), "Sí, guardar").click()
    ui.ver(page, "Líneas guardadas: 1 nueva(s).")


def _capturar(page: Page, unidad: str) -> tuple[str, str, int]:
    """Paso 6: 5 pacientes de Excedente on the unit's first product, saved; returns what was saved."""
    _paso6(page, unidad)
    producto = rejilla_ag.filas(page)[0]
    rejilla_ag.escribir(page, producto, "exc_pacientes", "5")
    ui.ver(page, "Cambios sin guardar: 1 nueva(s)")
    _guardar(page)
    return unidad, producto, 5


def _persona_b(base: str, token: str, contexto: dict, lanzamiento: dict, a_conectada, salida: dict) -> None:
    """B in a thread of its own (its own Playwright and Chromium: the sync API is one per thread), so
    that both replicas work at once: enters once A's websocket holds A's replica, captures and saves,
    finalizes, downloads its Versión Final (a /media download) and uploads it signed
    (/_stcore/upload_file): both only work on the replica holding B's Streamlit session."""
    with sync_playwright() as p:
        navegador = p.chromium.launch(**lanzamiento)
        page = navegador.new_context(**contexto).new_page()
        page.set_default_timeout(ui.ESPERA)
        try:
            assert a_conectada.wait(ui.ESPERA / 1000), "A no abrió su websocket"
            _entrar(page, token, base, B[2])
            salida["replica"] = _replica(page)
            salida["guardado"] = _capturar(page, B[1])
            print(f"[cluster] B saved at {time.monotonic() - salida['t0']:.1f} s")
            ui.menu(page, "Paso 7 · Finalizar")
            tablero_ui.finalizar_paso7(page)
            ui.menu(page, "Tablero de control")
            with page.expect_download() as descarga:
                tablero_ui.accion(page, B[0], "Versión Final").click()
            pdf = ARTEFACTOS / "cluster_version_final.pdf"
            ARTEFACTOS.mkdir(exist_ok=True)
            descarga.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
            tablero_ui.accion(page, B[0], "Subir").click()
            page.locator("input[type=file]").set_input_files(str(pdf))
            ui.esperar_ejecucion(page)
            ui.boton(page, "Subir").click()
            ui.ver(page, re.compile(r"Reporte firmado recibido \(\d+ página\(s\)\)"))
            salida["replica_al_final"] = _replica(page)
            print(f"[cluster] B uploaded at {time.monotonic() - salida['t0']:.1f} s")
        except BaseException as exc:  # noqa: BLE001 - reported by the test's thread
            salida["error"] = exc
            try:
                page.screenshot(path=str(ARTEFACTOS / "fallo-cluster-B.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the failure
                pass
        finally:
            navegador.close()


def test_dos_personas_en_dos_replicas_y_una_replica_muere(cluster, browser, browser_type_launch_args, captura, request):
    base, carpeta, url, tokens = cluster
    t0 = time.monotonic()
    contexto = {"base_url": base, **CONTEXTO}
    a = browser.new_context(**contexto).new_page()
    a.set_default_timeout(ui.ESPERA)
    request.node.paginas = [a]  # for the screenshot on failure
    a_conectada, b = threading.Event(), {"t0": t0}
    hilo = threading.Thread(
        target=_persona_b, args=(base, tokens[B[0]], contexto, browser_type_launch_args, a_conectada, b)
    )
    hilo.start()
    try:
        # A first; B once A's websocket holds A's replica, so HAProxy's leastconn sends B to the other.
        a.context.add_cookies([{"name": COOKIE, "value": tokens[A[0]], "url": base, "sameSite": "Strict"}])
        with a.expect_websocket(timeout=120_000) as ws:
            a.goto("/paso2", timeout=120_000)
        ws.value.wait_for_event("framereceived", timeout=120_000)
        a_conectada.set()
        ui.decir_quien(a, A[2])
        replica_a = _replica(a)
        print(f"[cluster] A in at {time.monotonic() - t0:.1f} s")
        guardado_a = _capturar(a, A[1])
        print(f"[cluster] A saved at {time.monotonic() - t0:.1f} s")

        # A types an edit and does not save: a draft in the database.
        segundo = ui.hasta(lambda: rejilla_ag.filas(a)[1:2], "la rejilla de A tras guardar")[0]
        rejilla_ag.escribir(a, segundo, "exc_pacientes", "7")
        ui.ver(a, "Cambios sin guardar: 1 nueva(s)")
        with psycopg.connect(url) as con:
            consulta = "SELECT count(*) FROM borrador WHERE cuenta = %s AND producto = %s"
            ui.hasta(lambda: con.execute(consulta, [A[0], segundo]).fetchone()[0] == 1, "el borrador de A en la base")
    finally:
        a_conectada.set()
        hilo.join(timeout=300)
    if "error" in b:
        raise b["error"]
    assert not hilo.is_alive(), "B no terminó en 300 s"
    replica_b = b["replica"]
    assert {replica_a, replica_b} == {"r1", "r2"}, (replica_a, replica_b)
    assert b["replica_al_final"] == replica_b
    print(f"[cluster] two people, a save each, B's upload and download, A's draft: {time.monotonic() - t0:.1f} s")

    # A's replica dies.
    pids = {n: int((carpeta / "run" / f"{n}.pid").read_text()) for n in ("r1", "r2", "haproxy")}
    cpu_muerta = _cpu(pids[replica_a])
    pid = pids[replica_a]
    os.kill(pid, signal.SIGKILL)
    t_muerte = time.monotonic()

    # A's next action (moving to Paso 3) reaches the other replica: logged in by the cookie, no
    # login form; the person names themself again and gets the draft back.
    ui.hasta(lambda: _replica(a) == replica_b, "la cookie EYF_REPLICA de A apunta a la otra réplica", 30)
    ui.menu(a, "Paso 3 · Unidad Médica")
    print(f"[cluster] A served again {time.monotonic() - t_muerte:.1f} s after the SIGKILL")
    expect(a.get_by_label("Contraseña")).to_have_count(0)
    ui.decir_quien(a, A[2])
    ui.ver(a, re.compile(r"^Tiene 1 cambio\(s\) sin guardar del \d\d/\d\d/\d{4}"))
    ui.boton(a, "Volver al Paso 6").click()
    ui.ver(a, f"Unidad Médica: {A[1]}")
    ui.ver(a, "Cambios sin guardar: 1 nueva(s)")
    ui.hasta(lambda: rejilla_ag.valor(a, segundo, "exc_pacientes") == "7", "el borrador de A en la rejilla")
    captura(a, "cluster_tras_la_caida.png")
    assert _replica(a) == replica_b

    # Every acknowledged save is in the database, and the signed PDF in the shared data folder.
    with psycopg.connect(url) as con:
        for usuario, (unidad, producto, pacientes) in ((A[0], guardado_a), (B[0], b["guardado"])):
            fila = con.execute(
                "SELECT l.pacientes FROM linea l JOIN unidad u ON u.clave = l.unidad "
                "WHERE l.ooad = %s AND u.nombre = %s AND l.producto = %s AND l.tipo = 'Excedente'",
                [usuario, unidad, producto],
            ).fetchall()
            assert fila == [(pacientes,)], (usuario, producto, fila)
        ruta, sha = con.execute("SELECT ruta, sha256 FROM firmado WHERE ooad = %s AND vigente", [B[0]]).fetchone()
    firmado = next((carpeta / "datos").rglob(Path(ruta).name))
    assert firmado.stat().st_size > 0 and sha
    print(
        f"[cluster] test body {time.monotonic() - t0:.1f} s; CPU-s: replicas {cpu_muerta:.1f} + "
        f"{_cpu(pids[replica_b]):.1f}, haproxy {_cpu(pids['haproxy']):.2f}"
    )
