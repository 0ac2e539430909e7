"""Real-browser tests: the app served by `streamlit run` on a fresh data folder, driven by Chromium.

One server per test session (the first start loads the catalog and the demo data); every test
opens its own browser context, so sessions and cookies never leak between tests.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import instalacion
from core.accounts import cuentas
from tests.browser import ui

RAIZ = Path(__file__).resolve().parents[2]
# Debian's headless shell (the old headless mode, the one Playwright itself runs headless tests in):
# the same Blink without the full browser's UI, about a fifth less CPU for these tests (measured
# 60 -> 48 CPU-s on test_administracion). Full Chromium when it is the only one installed.
CHROMIUM = next(
    (p for p in (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium")) if p.exists()),
    Path("/usr/bin/chromium-headless-shell"),
)
ARTEFACTOS = RAIZ / "test-artifacts"
DOCS = RAIZ / "docs"
# Screenshots that the README shows: copied to docs/ only when the whole browser run passed.
PARA_DOCS = {
    "tablero.png": "tablero.png",
    "paso6.png": "paso6.png",
    "panorama.png": "panorama.png",
    "cruce.png": "cruce_demo.png",  # docs/cruce.png is the national-scale one (bench/capturas_analisis.py)
    "oportunidades.png": "oportunidades.png",
    "comparar.png": "comparar.png",
    "admin_reaperturas.png": "admin_reaperturas.png",
    "excel.png": "excel.png",
}
PYTHON = RAIZ / ".venv" / "bin" / "python"
if not PYTHON.exists():  # a checkout installed some other way: the interpreter running pytest
    PYTHON = Path(sys.executable)
ARRANQUE_MAXIMO = 120  # s: the first start loads the catalog and the demo data
MAXIMO_CAPTURA = 4000  # px: tallest screenshot
# The window of every test: the 1366×768 screen common in the offices that capture, so every page is
# tried where people will use it (at this width «Líneas guardadas», the Paso 6 grid and the answered
# reopening requests once hid columns). Measured on the whole browser suite, it costs about the same
# CPU as 1600×1000 (758 against 777 CPU-s, within the noise). The README's screenshots
# (`make capturas`) keep the wider window.
VENTANA = (
    {"width": 1600, "height": 1000} if os.environ.get("EYF_ACTUALIZAR_DOCS") == "1" else {"width": 1366, "height": 768}
)
# Every test's browser: that window, Mexican Spanish, and the system setting "reduce motion" (which
# people turn on too): Streamlit's transitions and spinners then do not redraw the page frame after
# frame while a script runs. Measured on the same sequence (a new context on the analista's tablero,
# a reload, Cruce, back), Chromium took 24 CPU-s instead of 29.5 (three rounds each).
CONTEXTO = {"viewport": VENTANA, "locale": "es-MX", "reduced_motion": "reduce"}

# Sessions opened in core before the server starts (from then on the server holds the database
# file), by account: a test whose subject is not the login form enters with the cookie of one of
# them (`entrar`), as a browser that logged in before does. Each is used once.
SESIONES = {
    "analista": 5,
    "admin": 1,
    "chihuahua": 5,
    "sonora": 1,
    "coahuila": 1,
    "durango": 1,
    "yucatan": 1,
    "hidalgo": 1,
    "tlaxcala": 1,
    "umae-hes-no-25-monterrey": 1,
    "ciudad-de-mexico-sur": 2,
    "zacatecas": 1,
}
COOKIE = "eyf_sesion"  # the app's session cookie: it carries only the session's token

_LOG_SERVIDOR = pytest.StashKey[Path]()
_SESIONES = pytest.StashKey[dict[str, list[str]]]()
_CAPTURAS = pytest.StashKey[set]()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium; without it the browser tests fail on CI and are skipped elsewhere."""
    if not CHROMIUM.exists():
        mensaje = (
            f"No se encontró Chromium en {CHROMIUM}: instálelo con «apt-get install -y chromium-headless-shell» "
            "para correr las pruebas en navegador (tests/browser)."
        )
        if os.environ.get("CI"):
            pytest.fail(mensaje, pytrace=False)
        pytest.skip(mensaje)
    return CHROMIUM


def _puerto_libre() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _sano(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _cola(ruta: Path, n: int = 80) -> str:
    try:
        return "\n".join(ruta.read_text(encoding="utf-8", errors="replace").splitlines()[-n:])
    except OSError:
        return "(sin registro)"


def _detener(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def servidor(chromium, tmp_path_factory, pytestconfig, demo_instalada) -> str:
    """`streamlit run app.py` on a free port and a fresh EYF_DATA_DIR; yields the base URL."""
    datos = tmp_path_factory.mktemp("eyf_datos")
    log = datos.parent / "streamlit.log"
    pytestconfig.stash[_LOG_SERVIDOR] = log
    puerto = _puerto_libre()
    url = f"http://127.0.0.1:{puerto}"
    env = {**os.environ, "EYF_DATA_DIR": str(datos), "EYF_COOKIE_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
    # Catalog and demo: a copy of the run's demo folder (tests/conftest.py, demo_instalada), built
    # with the tests' fast password hashing, so every login in the browser checks a cost-4 hash
    # instead of production's cost 12. Opened here as the server opens it, to open SESIONES.
    shutil.copytree(demo_instalada, datos, dirs_exist_ok=True)
    store = instalacion.abrir(datos)
    try:
        pytestconfig.stash[_SESIONES] = {
            usuario: [cuentas.iniciar_sesion(store, usuario, "demo").token for _ in range(n)]
            for usuario, n in SESIONES.items()
        }
    finally:
        store.close()
    with open(log, "wb") as salida:
        proc = subprocess.Popen(
            [
                str(PYTHON),
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(puerto),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                # No watching of the source files: nothing changes them during the run, and the
                # watcher otherwise goes over the loaded modules on every script run.
                "--server.fileWatcherType",
                "none",
            ],
            cwd=RAIZ,
            env=env,
            stdout=salida,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        limite = time.monotonic() + ARRANQUE_MAXIMO
        while not _sano(f"{url}/_stcore/health"):
            if proc.poll() is not None:
                pytest.fail(
                    f"El servidor de Streamlit terminó al arrancar (código {proc.returncode}):\n{_cola(log)}",
                    pytrace=False,
                )
            if time.monotonic() > limite:
                pytest.fail(f"El servidor no respondió en {ARRANQUE_MAXIMO} s en {url}:\n{_cola(log)}", pytrace=False)
            time.sleep(0.3)
        yield url
    finally:
        _detener(proc)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium):
    return {
        **browser_type_launch_args,
        "executable_path": str(chromium),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def base_url(servidor) -> str:
    """page.goto("/") opens the app under test."""
    return servidor


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, base_url, browser):
    args = {
        **browser_context_args,
        "base_url": base_url,
        **CONTEXTO,
    }
    # The first session loads the catalog and the demo data (the health check answers before
    # that): open the app once here, with the start-up allowance, so tests get their 30 s each.
    contexto = browser.new_context(**args)
    try:
        pagina = contexto.new_page()
        pagina.goto("/", timeout=ARRANQUE_MAXIMO * 1000)
        ui.visible(pagina.get_by_text("Modo demostración"), timeout=ARRANQUE_MAXIMO * 1000)
    finally:
        contexto.close()
    return args


@pytest.fixture
def entrar(pytestconfig, base_url):
    """entrar(page, usuario, persona=…, en=…): the page's browser enters with the cookie of a session
    opened in core (see SESIONES), instead of typing the Paso 1 form (tests of the form itself type
    it). A capturista lands on Paso 2 after naming the person; the division on the tablero, or on
    the page whose address is `en`."""

    def _entrar(page, usuario: str, persona: tuple[str, str] = ui.PERSONA, en: str = "") -> None:
        libres = pytestconfig.stash[_SESIONES].get(usuario)
        assert libres, f"Sin sesión abierta para «{usuario}»: agréguela a SESIONES en tests/browser/conftest.py"
        page.context.add_cookies([{"name": COOKIE, "value": libres.pop(), "url": base_url, "sameSite": "Strict"}])
        if usuario in ("admin", "analista"):
            page.goto(f"/{en}")
            expect(page.get_by_test_id("stSidebar")).to_contain_text(f"({usuario})")
        else:
            page.goto("/paso2")
            ui.decir_quien(page, persona)
            ui.ver(page, "Indicar si alguna de las Unidades Médicas tiene Excedentes y/o Faltantes")

    return _entrar


@pytest.fixture(autouse=True)
def _esperas(request):
    expect.set_options(timeout=ui.ESPERA)
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(ui.ESPERA)


def _pantalla_completa(page, ruta: Path) -> None:
    """Streamlit scrolls inside its main section, so a "full page" screenshot stops at the window:
    make the window as tall as the content for the shot, then put it back."""
    antes = page.viewport_size
    alto = page.evaluate(
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
        " return Math.ceil(m ? m.scrollHeight : document.documentElement.scrollHeight); }"
    )
    if antes and alto > antes["height"]:
        page.set_viewport_size({"width": antes["width"], "height": min(alto, MAXIMO_CAPTURA)})
        # The canvas grids redraw for the new size; the README's shots (make capturas) get longer.
        page.wait_for_timeout(700 if os.environ.get("EYF_ACTUALIZAR_DOCS") == "1" else 300)
    try:
        page.screenshot(path=str(ruta), full_page=True)
    finally:
        if antes and alto > antes["height"]:
            page.set_viewport_size(antes)


@pytest.fixture
def captura(request, pytestconfig):
    """captura(page, "tablero.png"): a full-page screenshot under test-artifacts/."""
    ARTEFACTOS.mkdir(exist_ok=True)
    hechas = pytestconfig.stash.setdefault(_CAPTURAS, set())

    def _captura(page, nombre: str) -> Path:
        ruta = ARTEFACTOS / nombre
        _pantalla_completa(page, ruta)
        hechas.add(nombre)
        return ruta

    return _captura


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if rep.when == "call" and rep.failed:
        # The screen at the moment of failure, for every page the test had open.
        fixtures = getattr(item, "funcargs", {})
        paginas = list(getattr(item, "paginas", []))
        if fixtures.get("page") is not None:
            paginas.append(fixtures["page"])
        for i, p in enumerate(paginas):
            try:
                ARTEFACTOS.mkdir(exist_ok=True)
                _pantalla_completa(p, ARTEFACTOS / f"fallo-{item.name}-{i}.png")
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the failure
                pass
    return rep


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    log = config.stash.get(_LOG_SERVIDOR, None)
    if log is not None and exitstatus != 0 and log.exists():
        terminalreporter.section("registro del servidor de Streamlit (últimas líneas)")
        terminalreporter.write_line(_cola(log, 120))


def pytest_sessionfinish(session, exitstatus):
    """Refresh the README's screenshots only when asked (`make capturas`): a test run changes no
    tracked file; screenshots stay in test-artifacts/ (ignored)."""
    hechas = session.config.stash.get(_CAPTURAS, set())
    if exitstatus != 0 or session.testsfailed or os.environ.get("EYF_ACTUALIZAR_DOCS") != "1":
        return
    for origen, destino in PARA_DOCS.items():
        nueva = ARTEFACTOS / origen
        if origen in hechas and nueva.exists():
            if (DOCS / destino).exists() and (DOCS / destino).read_bytes() == nueva.read_bytes():
                continue
            DOCS.mkdir(exist_ok=True)
            shutil.copyfile(nueva, DOCS / destino)
            print(f"\n{DOCS / destino} actualizado", file=sys.stderr)
