"""Issue 12 §1 in `make bench`: the guide's 15 sample lines typed by hand in the Paso 6 grid by the
scripted person of the browser test (tests/browser/rejilla_ag.py), in Chromium against `streamlit run`
on a copy of the bench's demo database: actions a line (issue's rules) and seconds for the 15 lines,
saves included, navigation to each unit and group not (the issue counts from the open specialty).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from bench import servidor
from core import instalacion
from core.accounts import cuentas
from core.base import rutas
from core.lifecycle import ciclo

CHROMIUM = Path("/usr/bin/chromium")
OOAD = "zacatecas"  # sin iniciar in the demo: its units hold none of these lines
UNIDADES = {"LAB": "HGZ 1, Guadalupe", "HEM": "HGZ 2, Fresnillo"}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
ARGS += ["--disable-component-update", "--disable-sync", "--no-first-run"]


def medir(base: Path) -> list[tuple[str, str, str, str]]:
    """`base`: a demo database file (the bench's first install), copied and never changed."""
    nombre = "Paso 6: acciones por línea (15 líneas de la guía)"
    if not CHROMIUM.exists():
        return [(nombre, "sin Chromium", "≤ 6", "")]
    from playwright.sync_api import expect, sync_playwright

    from tests.browser import rejilla_ag as ra
    from tests.browser import ui

    datos = Path(tempfile.mkdtemp(prefix="eyf-bench-rejilla-"))
    shutil.copy(base, rutas.ruta_base(datos))
    store = instalacion.abrir(datos)
    try:
        cuenta = cuentas.obtener(store, OOAD)
        ciclo.declarar(store, cuenta, "Bench (Capturista)", ciclo.periodo_actual(store).anio, "SI")
        token = cuentas.iniciar_sesion(store, OOAD, "demo").token
    finally:
        store.close()
    proc, url = servidor.arrancar(datos, "c" * 64)
    try:
        try:
            servidor.esperar(proc, url)
        except RuntimeError:
            return [(nombre, "el servidor no arrancó", "≤ 6", "")]
        with sync_playwright() as p:
            navegador = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            contexto = navegador.new_context(viewport={"width": 1600, "height": 1000}, base_url=url)
            contexto.add_cookies([{"name": "eyf_sesion", "value": token, "url": url, "sameSite": "Strict"}])
            page = contexto.new_page()
            page.set_default_timeout(60_000)
            expect.set_options(timeout=60_000)
            page.goto("/paso2", timeout=120_000)
            ui.decir_quien(page)
            cuenta_acciones = ra.Contador()
            segundos = 0.0
            for grupo, lineas in (("LAB", ra.LABORATORIO), ("HEM", ra.HEMO)):
                ra.abrir(page, UNIDADES[grupo], grupo)
                segundos += ra.a_mano(page, lineas, cuenta_acciones)
                assert ra.guardadas(page, lineas) == ra.esperado(lineas)
            navegador.close()
    finally:
        servidor.detener(proc)
        shutil.rmtree(datos, ignore_errors=True)
    por_linea = cuenta_acciones.total / 15
    return [
        (nombre, f"{por_linea:,.2f}", "≤ 6", "sí" if por_linea <= 6 else "NO"),
        (
            "Paso 6: las 15 líneas de la guía a mano (guardados incluidos)",
            f"{segundos:,.1f} s",
            "< 120 s",
            "sí" if segundos < 120 else "NO",
        ),
    ]
