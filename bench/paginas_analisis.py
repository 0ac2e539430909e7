"""Every Análisis page at ~1M lines in a browser (issue 14, «Done when»): `streamlit run` on the bench's
synthetic data (two periods of ~1M lines each, so that Comparar periodos compares two national years),
Chromium headless logged in as the analyst with a session cookie.

    .venv/bin/python -m bench.paginas_analisis [CARPETA]

CARPETA: a data folder from an earlier run (kept and reused), else a temporary one generated here
(~2 min). For each page: the seconds from navigation until the script has finished
(stApp's data-test-script-state «notRunning»), no spinner is left and the page's result element is
visible; and the server's peak RSS (/proc/<pid>/status VmHWM, reset through clear_refs before each
page) over its idle size with the default selection's snapshot loaded.

Order (what an analyst meets on a server that has just been written to): Panorama first, in a
fresh server, builds the análisis snapshot (its own row, peak over the server's size before it);
then each page in a new browser session, as a second analyst opening it. Every page runs the default
filters (only finalized OOAD/UMAE). Comparar periodos builds the other period's snapshot.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import servidor
from bench.analisis import _preparar
from bench.rejilla import ARGS
from core import instalacion
from core.accounts import cuentas

RAIZ = Path(__file__).resolve().parent.parent
CHROMIUM = next(
    (p for p in (Path("/usr/bin/chromium-headless-shell"), Path("/usr/bin/chromium")) if p.exists()),
    Path("/usr/bin/chromium-headless-shell"),
)
LINEAS = 1_000_000
META_S = 30.0
ESPERA_MS = 300_000  # a page that misses the target is still measured, up to 5 minutes

# (address, name in the table, the element that holds its result)
PAGINAS = (
    ("panorama", "Panorama nacional", ".st-key-panorama_mapa .js-plotly-plot"),
    ("cruce", "Cruce por estado y especialidad", ".st-key-cruce_mapa_calor .js-plotly-plot"),
    ("comparar", "Comparar periodos", ".st-key-comparar_descargas_xlsx"),  # after its table
    ("atipicos", "Cifras atípicas confirmadas", ".st-key-atipicos_tablas_xlsx"),
    # Last: the Python heap it grows is not handed back to the system, so a page measured after it
    # would start from a larger RSS.
    ("oportunidades", "Oportunidades de intercambio", ".st-key-oport_sankey .js-plotly-plot"),
)


def generar(carpeta: Path, lineas: int = LINEAS) -> None:
    """~`lineas` lines in the current period (bench.analisis._preparar, seed 5) and as many in the
    year before (seed 6), through core."""
    from bench import sintetico

    carpeta.mkdir(parents=True, exist_ok=True)
    store, _, _ = _preparar(carpeta, lineas)
    try:
        anio = min(a for (a,) in store.filas("SELECT anio FROM periodo"))
        sintetico.generar(
            store,
            cuentas.obtener(store, "admin"),
            [anio - 1],
            lineas,
            semilla=6,
            directorio_firmados=carpeta / "firmados",
        )
    finally:
        store.close()


def _status(pid: int, campo: str) -> int:
    """A /proc/<pid>/status figure, in MB."""
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith(campo + ":"):
            return int(linea.split()[1]) // 1024
    raise KeyError(campo)


def _esperar(page, selector: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(
        1, timeout=ESPERA_MS
    )
    expect(page.locator(selector).first).to_be_visible(timeout=ESPERA_MS)
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=ESPERA_MS)
    expect(page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')).to_have_count(
        1, timeout=ESPERA_MS
    )


def medir_servidor(carpeta: Path) -> list[dict]:
    """The browser run on the data in `carpeta` (see the module's docstring)."""
    from playwright.sync_api import sync_playwright

    store = instalacion.abrir(carpeta)
    try:
        token = cuentas.iniciar_sesion(store, "analista", "bench-analisis").token
        lineas = {
            a: n
            for a, n in store.filas(
                "SELECT v.anio, count(*) FROM version_final_linea v JOIN declaracion d ON d.anio = v.anio"
                " AND d.ooad = v.ooad AND d.version_final = v.version"
                " WHERE d.estado IN ('finalizado', 'firmado') GROUP BY v.anio"
            )
        }
    finally:
        store.close()
    proc, url = servidor.arrancar(carpeta, "d" * 64)
    resultados: list[dict] = []
    try:
        servidor.esperar(proc, url, 180)
        with sync_playwright() as p:
            navegador = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)

            def sesion():
                contexto = navegador.new_context(viewport={"width": 1366, "height": 900}, base_url=url)
                contexto.add_cookies([{"name": "eyf_sesion", "value": token, "url": url, "sameSite": "Strict"}])
                page = contexto.new_page()
                page.set_default_timeout(ESPERA_MS)
                return contexto, page

            def visitar(page, ruta: str, selector: str, base: int) -> dict:
                antes = _status(proc.pid, "VmRSS")
                Path(f"/proc/{proc.pid}/clear_refs").write_text("5")  # VmHWM from here on
                cpu0 = _cpu(proc.pid)
                t0 = time.perf_counter()
                page.goto(f"/{ruta}", timeout=ESPERA_MS)
                _esperar(page, selector)
                segundos = time.perf_counter() - t0
                errores = [e for e in page.get_by_test_id("stAlertContentError").all_inner_texts() if e.strip()]
                return {
                    "segundos": segundos,
                    "cpu_servidor_s": _cpu(proc.pid) - cpu0,
                    "pico_mb": _status(proc.pid, "VmHWM") - base,
                    "rss_base_mb": base,
                    "rss_antes_mb": antes,
                    "errores": errores,
                }

            # The server idle with the app loaded (the Ayuda page: no data), then Panorama builds the snapshot.
            contexto, page = sesion()
            page.goto("/ayuda", timeout=ESPERA_MS)
            _esperar(page, '[data-testid="stMain"]')
            time.sleep(2)
            vacio = _status(proc.pid, "VmRSS")
            r = visitar(page, *PAGINAS[0][::2], vacio)
            resultados.append({"pagina": "panorama_primera", "nombre": PAGINAS[0][1], **r})
            print(json.dumps(resultados[-1], ensure_ascii=False), flush=True)
            contexto.close()
            time.sleep(2)
            base = _status(proc.pid, "VmRSS")  # idle with the default selection's snapshot loaded
            for ruta, nombre, selector in PAGINAS:
                contexto, page = sesion()
                r = visitar(page, ruta, selector, base)
                resultados.append({"pagina": ruta, "nombre": nombre, **r})
                print(json.dumps(resultados[-1], ensure_ascii=False), flush=True)
                contexto.close()
            navegador.close()
        resultados.append({"lineas": lineas, "carga": os.getloadavg()[0]})
    finally:
        servidor.detener(proc)
    return resultados


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) of the server process so far."""
    campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(campos[11]) + int(campos[12])) / os.sysconf("SC_CLK_TCK")


def filas(resultados: list[dict]) -> list[tuple[str, str, str, str]]:
    """Rows of `make bench`'s table."""
    info = resultados[-1]
    anios = sorted(info["lineas"])
    n = info["lineas"][anios[-1]]
    salida = []
    for r in resultados[:-1]:
        if r["pagina"] == "panorama_primera":
            nombre = f"{r['nombre']}, primera visita tras escribir (arma la instantánea de {n:,} líneas)"
        elif r["pagina"] == "comparar":
            nombre = f"{r['nombre']} ({anios[0]}: {info['lineas'][anios[0]]:,} líneas; {anios[-1]}: {n:,})"
        else:
            nombre = f"{r['nombre']} ({n:,} líneas por omisión)"
        cumple = "sí" if r["segundos"] < META_S and not r["errores"] else "NO"
        salida.append(
            (
                f"Navegador, {nombre}: hasta ver el resultado sin spinner",
                f"{r['segundos']:,.1f} s (CPU del servidor {r['cpu_servidor_s']:,.1f} s)",
                f"< {META_S:,.0f} s",
                cumple if not r["errores"] else f"NO ({r['errores'][0][:60]})",
            )
        )
        salida.append(
            (
                f"Navegador, {r['nombre']}: RSS pico del servidor sobre su tamaño en reposo ({r['rss_base_mb']:,} MB"
                f"{'' if r['pagina'] == 'panorama_primera' else ' con la instantánea'}; antes de abrirla "
                f"{r['rss_antes_mb']:,} MB)",
                f"{max(0, r['pico_mb']):,} MB",
                "",
                "",
            )
        )
    salida.append(("Carga media del equipo al terminar (2 núcleos)", f"{info['carga']:,.1f}", "", ""))
    return salida


def medir(carpeta: Path | None = None) -> list[tuple[str, str, str, str]]:
    """`make bench`'s rows: the data generated in a temporary folder unless one is given."""
    if not CHROMIUM.exists():
        return [("Páginas de Análisis en el navegador (~1M líneas)", "sin Chromium", f"< {META_S:,.0f} s", "")]
    temporal = carpeta is None
    carpeta = carpeta or Path(tempfile.mkdtemp(prefix="eyf-bench-paginas-"))
    guardado = os.environ.get("EYF_DATA_DIR")
    try:
        if not (carpeta / "excedentes_faltantes.duckdb").exists():
            # In a process of its own: the generator's memory is not the bench's.
            subprocess.run(
                [sys.executable, "-m", "bench.paginas_analisis", "generar", str(carpeta)],
                cwd=RAIZ,
                env={**os.environ, "EYF_DATA_DIR": str(carpeta)},
                check=True,
            )
        return filas(medir_servidor(carpeta))
    finally:
        if guardado is None:
            os.environ.pop("EYF_DATA_DIR", None)
        else:
            os.environ["EYF_DATA_DIR"] = guardado
        if temporal:
            shutil.rmtree(carpeta, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["generar"]:
        generar(Path(sys.argv[2]))
    else:
        for fila in medir(Path(sys.argv[1]) if sys.argv[1:] else None):
            print(" | ".join(fila))
