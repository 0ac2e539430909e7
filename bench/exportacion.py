"""Bench rows for the full export (issue 14 §2): time and memory per format at ~1M lines.

Targets: CSV and Parquet of every line of a ~1M-line period under 15 s and 600 MB. Each format is
measured in a process of its own, its address space capped at 8 GB (`python -m bench.exportacion` runs only these
rows), on the análisis bench's synthetic store (bench.sintetico through core), with the switch
«Incluir OOAD/UMAE en captura» on (the largest selection). Memory is the increase of the process's
peak RSS over its size with the store open and the análisis snapshot built, as a server has them;
«bytes que retiene Streamlit» adds what handing the file to Streamlit's in-memory media storage
costs (a download button's data is held in the server's memory while it can be downloaded).
Excel is measured at ~100k lines: the export offers it only up to exportacion.FILAS_MAXIMAS_XLSX.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TAMANOS = {"csv": 1_000_000, "parquet": 1_000_000, "xlsx": 100_000}
# Address space of each measuring process (DuckDB reserves much more virtual memory than it uses).
LIMITE_MEMORIA = 8 << 30


def medir(tamanos: dict[str, int] | None = None) -> list[tuple[str, str, str, str]]:
    from core.analysis import exportacion

    tamanos = tamanos or TAMANOS
    filas: list[tuple[str, str, str, str]] = []
    for n in sorted(set(tamanos.values())):
        carpeta = Path(tempfile.mkdtemp(prefix="eyf-bench-exportacion-"))
        try:
            subprocess.run([sys.executable, "-m", "bench.exportacion", "generar", str(n), str(carpeta)], check=True)
            for formato in [f for f, t in tamanos.items() if t == n]:
                r = subprocess.run(
                    [sys.executable, "-m", "bench.exportacion", "medir", str(carpeta), formato],
                    check=False,
                    capture_output=True,
                    text=True,
                )
                titulo = exportacion.FORMATOS[formato].titulo
                if r.returncode:
                    filas.append((f"Exportación completa {titulo} (~{n:,} líneas)", "falló", "", r.stderr[-200:]))
                    continue
                m = json.loads(r.stdout.strip().splitlines()[-1])
                meta = formato != "xlsx"
                filas.append(
                    (
                        f"Exportación completa {titulo}: {m['filas']:,} líneas a un archivo de {m['mb_archivo']:,.1f} MB"
                        f" (CPU {m['cpu_s']:,.1f} s)",
                        f"{m['segundos']:,.1f} s",
                        "< 15 s" if meta else "",
                        ("sí" if m["segundos"] < 15 else "NO") if meta else "",
                    )
                )
                filas.append(
                    (
                        f"Memoria pico de esa exportación {titulo} (RSS sobre el proceso con la base abierta y la"
                        " instantánea del análisis)",
                        f"{m['pico_mb']:,.0f} MB",
                        "< 600 MB" if meta else "",
                        ("sí" if m["pico_mb"] < 600 else "NO") if meta else "",
                    )
                )
                filas.append(
                    (
                        f"Descarga {titulo}: Streamlit guarda el archivo entero en memoria (RSS al entregárselo"
                        f" {m['retenido_mb']:,.0f} MB; pico de exportación y descarga juntas {m['pico_descarga_mb']:,.0f} MB)",
                        f"{m['mb_archivo']:,.1f} MB",
                        "< 600 MB" if meta else "",
                        ("sí" if m["pico_descarga_mb"] < 600 else "NO") if meta else "",
                    )
                )
            if n >= 1_000_000:
                filas.extend(_filas_servidor(carpeta))
        finally:
            shutil.rmtree(carpeta, ignore_errors=True)
    return filas


def _filas_servidor(carpeta: Path) -> list[tuple[str, str, str, str]]:
    """`servidor` in a process of its own (streamlit run + Chromium), as table rows."""
    r = subprocess.run(
        [sys.executable, "-m", "bench.exportacion", "servidor", str(carpeta), "5"],
        check=False,
        capture_output=True,
        text=True,
    )
    medidas = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    if r.returncode or len(medidas) < 3:
        return [("Exportación completa en el servidor (Chromium)", "falló", "", (r.stderr or r.stdout)[-200:])]
    filas = []
    for m in medidas[:-1]:
        titulo = {"csv": "CSV (en un .zip)", "parquet": "Parquet"}[m["formato"]]
        filas.append(
            (
                f"En el servidor (streamlit run + Chromium): «Preparar archivo» {titulo} hasta ver el botón"
                f" ({m['con_descarga_s']:,.1f} s con la descarga de {m['mb_archivo']:,.1f} MB,"
                f" {m['filas_descargadas']:,} líneas)",
                f"{m['preparar_s']:,.1f} s",
                "< 15 s",
                "sí" if m["con_descarga_s"] < 15 else "NO",
            )
        )
        filas.append(
            (
                f"RSS del servidor: pico sobre su tamaño con Panorama mostrado ({m['rss_base_mb']:,} MB), {titulo},"
                " exportación y descarga",
                f"{m['pico_total_mb']:,} MB",
                "< 600 MB",
                "sí" if m["pico_total_mb"] < 600 else "NO",
            )
        )
    fin = medidas[-1]
    filas.append(
        (
            "Carpetas temporales de la sesión tras cerrar el navegador y que Streamlit olvide la sesión",
            f"{fin['carpetas_despues']} (había {fin['carpetas_al_cerrar']})",
            "0",
            "sí" if fin["carpetas_despues"] == 0 else "NO",
        )
    )
    return filas


def _filas_del_archivo(ruta: Path, formato: str) -> int:
    """Lines in a downloaded export (the zip's CSV read whole, checked by its CRC)."""
    if formato == "parquet":
        import pyarrow.parquet as pq

        return pq.read_metadata(ruta).num_rows
    import zipfile

    with zipfile.ZipFile(ruta) as zf:
        (nombre,) = zf.namelist()
        with zf.open(nombre) as f:
            return sum(1 for _ in f) - 1


def _generar(n: int, carpeta: Path) -> None:
    from bench import analisis as bench_analisis

    store, _, _ = bench_analisis._preparar(carpeta, n)
    store.close()


def _vm(campo: str) -> int:
    """A /proc/self/status figure in kB."""
    for linea in Path("/proc/self/status").read_text().splitlines():
        if linea.startswith(campo + ":"):
            return int(linea.split()[1])
    return 0


def _medir(carpeta: Path, formato: str) -> dict:
    import gc
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (LIMITE_MEMORIA, LIMITE_MEMORIA))
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from core.accounts import cuentas
    from core.analysis import analisis, exportacion
    from core.base import reloj, rutas, temporales
    from core.base.store import Store

    store = Store(rutas.ruta_base(carpeta))
    analista = cuentas.obtener(store, "analista")
    anio = reloj.hoy().year
    analisis.cobertura(store, analista, anio, incluir_en_captura=True)  # the snapshot, as a server has it
    car = temporales.Carpeta(carpeta)
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the peak from here on
    base = _vm("VmRSS")
    c0, t0 = time.process_time(), time.perf_counter()
    a = exportacion.exportar_completa(store, analista, anio, formato, car, incluir_en_captura=True)
    segundos, cpu = time.perf_counter() - t0, time.process_time() - c0
    pico = _vm("VmHWM") - base
    # What the page's button does when clicked: Streamlit reads the bytes and keeps them in memory.
    antes = _vm("VmRSS")
    almacen = MemoryMediaFileStorage("/media")
    almacen.load_and_get_id(exportacion.leer(a), a.mime, MediaFileKind.DOWNLOADABLE, a.nombre)
    retenido = _vm("VmRSS") - antes
    pico_descarga = _vm("VmHWM") - base
    r = {
        "filas": a.filas,
        "segundos": segundos,
        "cpu_s": cpu,
        "pico_mb": pico / 1024,
        "pico_descarga_mb": pico_descarga / 1024,
        "retenido_mb": retenido / 1024,
        "mb_archivo": a.bytes / 2**20,
    }
    car.cerrar()
    store.close()
    print(json.dumps(r))
    return r


def servidor(carpeta: Path, formatos=("csv", "parquet"), ttl: int = 120) -> list[dict]:
    """The export through a real server and Chromium: `streamlit run` on the store in `carpeta`
    (the análisis bench's, with its analyst), Panorama with the switch on, «Preparar archivo» then
    the download, per format. Server RSS from /proc: its peak over its size with the page shown.
    Then the browser closes and, once Streamlit forgets the session (`ttl`: its
    server.disconnectedSessionTTL; it forgets lazily, when another session comes), the session's
    temporary folder must be gone."""
    import os
    import socket

    from playwright.sync_api import sync_playwright

    from core.accounts import cuentas
    from core.base import rutas, temporales
    from core.base.store import Store

    store = Store(rutas.ruta_base(carpeta))
    token = cuentas.iniciar_sesion(store, "analista", "bench-analisis").token
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        puerto = s.getsockname()[1]
    env = {**os.environ, "EYF_DATA_DIR": str(carpeta), "EYF_COOKIE_KEY": os.environ.get("EYF_COOKIE_KEY", "b" * 64)}
    raiz = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(puerto),
            "--server.headless",
            "true",
            "--server.disconnectedSessionTTL",
            str(ttl),
        ],
        cwd=raiz,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    estado = Path(f"/proc/{proc.pid}/status")

    def vm(campo: str) -> int:
        for linea in estado.read_text().splitlines():
            if linea.startswith(campo + ":"):
                return int(linea.split()[1]) // 1024
        return 0

    resultados = []
    url = f"http://127.0.0.1:{puerto}"
    try:
        with sync_playwright() as p:
            navegador = p.chromium.launch(
                executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
            )
            contexto = navegador.new_context(accept_downloads=True, viewport={"width": 1366, "height": 900})
            for _ in range(120):
                try:
                    contexto.request.get(f"{url}/_stcore/health", timeout=1000)
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    time.sleep(0.5)
            contexto.add_cookies([{"name": "eyf_sesion", "value": token, "url": url, "sameSite": "Strict"}])
            page = contexto.new_page()
            page.set_default_timeout(300_000)
            page.goto(f"{url}/panorama")
            page.get_by_text("Exportación completa del periodo").wait_for()
            page.get_by_text("Incluir OOAD/UMAE en captura").click()
            page.get_by_text("más las líneas actuales").first.wait_for()
            time.sleep(3)
            for formato in formatos:
                from core.analysis import exportacion

                page.get_by_text(exportacion.FORMATOS[formato].titulo, exact=True).click()
                time.sleep(2)
                base = vm("VmRSS")
                Path(f"/proc/{proc.pid}/clear_refs").write_text("5")
                t0 = time.perf_counter()
                page.get_by_role("button", name="Preparar archivo").click()
                boton = page.get_by_role("button", name="⬇️ Descargar lineas")
                boton.wait_for()
                preparado = time.perf_counter() - t0
                pico_preparar = vm("VmHWM") - base
                with page.expect_download() as espera:
                    boton.click()
                descarga = espera.value
                destino = carpeta / f"descargado.{formato}"
                descarga.save_as(destino)
                total = time.perf_counter() - t0
                filas = _filas_del_archivo(destino, formato)
                resultados.append(
                    {
                        "formato": formato,
                        "preparar_s": preparado,
                        "con_descarga_s": total,
                        "rss_base_mb": base,
                        "pico_preparar_mb": pico_preparar,
                        "pico_total_mb": vm("VmHWM") - base,
                        "mb_archivo": destino.stat().st_size / 2**20,
                        "filas_descargadas": filas,
                    }
                )
                print(json.dumps(resultados[-1]), flush=True)
            contexto.close()  # the session ends
            raiz_tmp = temporales.raiz(carpeta)
            antes = len(list(raiz_tmp.iterdir()))
            time.sleep(ttl + 2)
            # Another session comes and goes: Streamlit drops the expired one when it stores this one.
            otra = navegador.new_context()
            otra.new_page().goto(url)
            time.sleep(3)
            otra.close()
            t0 = time.perf_counter()
            while any(raiz_tmp.iterdir()) and time.perf_counter() - t0 < 30:
                time.sleep(0.5)
            resultados.append(
                {
                    "carpetas_al_cerrar": antes,
                    "carpetas_despues": len(list(raiz_tmp.iterdir())),
                    "s_despues": time.perf_counter() - t0,
                }
            )
            print(json.dumps(resultados[-1]), flush=True)
            navegador.close()
    finally:
        proc.terminate()
        proc.wait(30)
    return resultados


if __name__ == "__main__":
    if sys.argv[1:2] == ["generar"]:
        _generar(int(sys.argv[2]), Path(sys.argv[3]))
    elif sys.argv[1:2] == ["medir"]:
        _medir(Path(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["servidor"]:
        servidor(
            Path(sys.argv[2]),
            tuple(sys.argv[4].split(",")) if sys.argv[4:] else ("csv", "parquet"),
            int(sys.argv[3]) if sys.argv[3:] else 120,
        )
    else:
        for fila in medir():
            print(" | ".join(fila))
