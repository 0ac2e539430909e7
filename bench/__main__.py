"""`make bench`: figures measured in one run on this machine, printed as a table.

Targets (issue #3): tablero and Paso 6 on Cirugía at most 3x an empty page's script run; product
search on Cirugía under 50 ms; 20 threads saving at once with 0 lost or duplicated lines.
Targets (issue #4): the largest demo OOAD/UMAE's final report under 2 s; a ~500-page synthetic
report at 80 pages/s or more.
Targets (issue #10): saves/s with 20 threads with the checkpoint after every write, next to the store without
it (ratio in one run); the start-up integrity check at ~1M lines.
Targets (issue #5): the state x specialty cross-tab at 1M lines under 150 ms and at least 3x faster
than pandas pivot_table on the same lines; the national allocation under 1 s; each análisis page at
most 3x an empty page's script run.
Targets (issue 12 §1): the guide's 15 sample lines typed by hand in the Paso 6 grid at ≤ 6 actions a line,
in under 2 minutes (bench/rejilla.py, Chromium).
Targets (issue 14 §2): the full export of ~1M lines in CSV and in Parquet under 15 s and 600 MB each
(bench/exportacion.py).
Targets (issue 14): every Análisis page in Chromium at ~1M lines shows its results with no spinner in under
30 s (bench/paginas_analisis.py, also `make bench-analisis`).
"""

from __future__ import annotations

import io
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from pypdf import PdfReader

from core import instalacion
from core.accounts import cuentas
from core.base import preimagen, rutas
from core.base.store import Store
from core.capture import captura, rejilla
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo

RAIZ = Path(__file__).resolve().parent.parent


def _mediana(fn, n: int) -> float:
    tiempos = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        tiempos.append(time.perf_counter() - t0)
    return statistics.median(tiempos)


def sesion_de(usuario: str, password: str, **extra) -> dict:
    """Session state of a logged-in browser: a server-side session opened through core's login."""
    store = instalacion.abrir()
    try:
        token = cuentas.iniciar_sesion(store, usuario, password).token
    finally:
        store.close()
    return {"authentication_status": True, "username": usuario, "_sesion": token, **extra}


def _apptest_ms(pagina: str, estado: dict, n: int = 15) -> tuple[float, float]:
    """(new session, rerun) medians in ms of the app's script showing `pagina`.

    New session: a browser opening the page (the app's first run, then the page). Rerun: what
    every click on that page costs afterwards.
    """
    from streamlit.testing.v1 import AppTest

    def abrir():
        at = AppTest.from_file(str(RAIZ / "app.py"), default_timeout=60)
        for k, v in estado.items():
            at.session_state[k] = v
        at.run()
        at.switch_page(pagina)
        at.run()
        assert not at.exception, at.exception
        return at

    abrir()  # warm caches (the store, imports) as a running server has them
    nueva = 1000 * _mediana(abrir, n)
    at = abrir()
    return nueva, 1000 * _mediana(at.run, n)


def main() -> None:
    # Cached page functions called outside a Streamlit run warn once per call; the table is the output.
    from streamlit import logger

    logger.set_log_level("error")
    tmp = Path(tempfile.mkdtemp(prefix="eyf-bench-"))
    os.environ["EYF_DATA_DIR"] = str(tmp)
    os.environ.setdefault("EYF_COOKIE_KEY", "b" * 64)
    filas: list[tuple[str, str, str, str]] = []
    try:
        t0 = time.perf_counter()
        store = instalacion.abrir(tmp)
        filas.append(("Primera carga: catálogo + demostración", f"{time.perf_counter() - t0:,.2f} s", "", ""))
        periodo = ciclo.periodo_actual(store)
        cir = store.valor("SELECT clave FROM grupo WHERE nombre = 'Cirugía'")
        esp = store.valor(
            "SELECT s.clave FROM especialidad s JOIN producto p ON p.especialidad = s.clave"
            " WHERE s.grupo = ? GROUP BY s.clave ORDER BY count(*) DESC LIMIT 1",
            [cir],
        )
        n_esp = store.valor("SELECT count(*) FROM producto WHERE especialidad = ?", [esp])
        n_cir = store.valor(
            "SELECT count(*) FROM producto p JOIN especialidad s ON s.clave = p.especialidad WHERE s.grupo = ?", [cir]
        )

        busqueda = _mediana(lambda: captura.productos(store, esp, "colecistectomia laparoscopica"), 50) * 1000
        filas.append(
            (
                f"Búsqueda de producto en Cirugía ({n_esp:,} de {n_cir:,} productos)",
                f"{busqueda:,.1f} ms",
                "< 50 ms",
                "sí" if busqueda < 50 else "NO",
            )
        )
        chih = cuentas.obtener(store, "chihuahua")
        unidad = store.valor("SELECT clave FROM unidad WHERE ooad = 'chihuahua' ORDER BY clave LIMIT 1")

        def rejilla_cirugia():
            rejilla.base(store, chih, periodo.anio, unidad, esp)

        rej = _mediana(rejilla_cirugia, 20) * 1000
        filas.append((f"Rejilla del Paso 6 ({n_esp:,} productos) armada en core", f"{rej:,.1f} ms", "", ""))
        filas.extend(_reportes_demo(store, periodo.anio))
        from reports import muestras

        filas.extend(muestras.medir())
        store.close()
        instalacion_lista = rutas.ruta_base(tmp)

        # Script runs through AppTest, each as a ratio to an empty page run the same way.
        # The baseline is a page with no data of its own (Ayuda: fixed text) run the same way
        # through the same frame (router, session, menu): what tablero and Paso 6 add is compared.
        sesion = sesion_de("chihuahua", "demo", persona="Bench (Capturista)")
        vacia = _apptest_ms("ui/ayuda.py", sesion)
        tablero = _apptest_ms("ui/tablero.py", sesion)
        paso6 = _apptest_ms(
            "ui/paso6_captura.py", {**sesion, "sel_unidad": unidad, "sel_grupo": cir, "sel_especialidad": esp}
        )
        for i, modo in enumerate(("sesión nueva", "re-ejecución")):
            filas.append((f"Página sin datos (Ayuda), {modo} (AppTest, mediana)", f"{vacia[i]:,.0f} ms", "", ""))
            for nombre, ms in (
                ("Tablero de control", tablero[i]),
                (f"Paso 6 en Cirugía ({n_esp:,} productos)", paso6[i]),
            ):
                r = ms / vacia[i]
                filas.append(
                    (
                        f"{nombre}, {modo} (AppTest, mediana)",
                        f"{ms:,.0f} ms",
                        f"{r:,.1f}x sin datos (≤ 3x)",
                        "sí" if r <= 3 else "NO",
                    )
                )

        # 20 threads saving at once through core, on copies of the demo database: the store as it
        # was (commits left in DuckDB's WAL) and as it is (a checkpoint after every committed write,
        # so that a crash never replays an acknowledged save; see core/base/store.py).
        # A third run leaves out the pre-image taken before each checkpoint (core/base/preimagen.py),
        # to show what it costs.
        por_save = {}
        modos = {
            "sin": (False, "sin CHECKPOINT (antes de la corrección)"),
            "sin_preimagen": (True, "con CHECKPOINT, sin pre-imagen"),
            "actual": (True, "con CHECKPOINT y pre-imagen (como está)"),
        }
        guardar_preimagen = preimagen.guardar
        for modo, (asentar, texto) in modos.items():
            copia = Path(tempfile.mkdtemp(prefix="eyf-bench-conc-"))
            shutil.copy(instalacion_lista, rutas.ruta_base(copia))
            if modo == "sin_preimagen":
                preimagen.guardar = lambda *a, **k: None
            try:
                store = Store(rutas.ruta_base(copia), asentar=asentar)
                fila, por_save[modo] = _concurrencia(store, periodo.anio, texto)
            finally:
                preimagen.guardar = guardar_preimagen
            filas.append(fila)
            store.close()
            shutil.rmtree(copia, ignore_errors=True)
        filas.append(
            (
                "Guardados/s con CHECKPOINT ÷ sin CHECKPOINT (misma corrida)",
                f"{por_save['actual'] / por_save['sin']:,.2f}x",
                "",
                "",
            )
        )
        filas.append(
            (
                "Guardados/s con pre-imagen ÷ sin pre-imagen (misma corrida)",
                f"{por_save['actual'] / por_save['sin_preimagen']:,.2f}x",
                "",
                "",
            )
        )

        # Paso 6 typed by hand in Chromium (issue 12 §1): the browser test's scripted person.
        from bench import rejilla as bench_rejilla

        filas.extend(bench_rejilla.medir(instalacion_lista))

        # Análisis (issue #5): each module builds its own data and restores EYF_DATA_DIR.
        from bench import analisis as bench_analisis
        from bench import intercambio as bench_intercambio

        filas.extend(bench_analisis.medir())
        filas.extend(bench_intercambio.medir())

        # The full export (issue 14 §2): each format in a process of its own.
        from bench import exportacion as bench_exportacion

        filas.extend(bench_exportacion.medir())

        # Every Análisis page in Chromium at ~1M lines a period (issue 14, «Done when»).
        from bench import paginas_analisis

        filas.extend(paginas_analisis.medir())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ancho = [max(len(f[i]) for f in filas + [("Medición", "Valor", "Meta", "Cumple")]) for i in range(4)]
    encabezado = ("Medición", "Valor", "Meta", "Cumple")
    print(" | ".join(h.ljust(a) for h, a in zip(encabezado, ancho, strict=False)))
    print("-+-".join("-" * a for a in ancho))
    for f in filas:
        print(" | ".join(c.ljust(a) for c, a in zip(f, ancho, strict=False)))


def _reportes_demo(store, anio: int) -> list[tuple[str, str, str, str]]:
    """The largest finalized demo OOAD/UMAE's final report and the largest one's preliminary."""
    from core.capture import reportes

    analista = cuentas.obtener(store, "analista")
    filas = []
    for estados, nombre, generar in (
        (("finalizado", "firmado"), "Versión Final", lambda o: reportes.final(store, analista, anio, o)[1]),
        (("en captura",), "Reporte Preliminar", lambda o: reportes.preliminar(store, analista, anio, o)),
    ):
        ooad, n = store.fila(
            "SELECT d.ooad, count(l.id) FROM declaracion d LEFT JOIN linea l ON l.ooad = d.ooad AND l.anio = d.anio"
            f" WHERE d.anio = ? AND d.estado IN ({', '.join('?' * len(estados))}) GROUP BY d.ooad"
            " ORDER BY count(l.id) DESC LIMIT 1",
            [anio, *estados],
        )
        pdf = generar(ooad)
        segundos = _mediana(lambda o=ooad, g=generar: g(o), 5)
        paginas = len(PdfReader(io.BytesIO(pdf)).pages)
        filas.append(
            (
                f"{nombre} de la OOAD/UMAE demo más grande ({ooad}: {n:,} líneas, {paginas:,} pág.)",
                f"{segundos:,.2f} s",
                "< 2 s",
                "sí" if segundos < 2 else "NO",
            )
        )
    return filas


def _concurrencia(store, anio: int, modo: str) -> tuple[tuple[str, str, str, str], float]:
    ooads = [
        c
        for (c,) in store.filas(
            "SELECT o.clave FROM ooad o LEFT JOIN declaracion d ON d.ooad = o.clave AND d.anio = ?"
            " WHERE d.ooad IS NULL ORDER BY o.numero LIMIT 10",
            [anio],
        )
    ]
    productos = [p for (p,) in store.filas("SELECT clave FROM producto ORDER BY clave LIMIT 30")]
    trabajos = []
    for ooad in ooads:
        c = cuentas.obtener(store, ooad)
        ciclo.declarar(store, c, "bench", anio, "SI")
        unidades = [u for (u,) in store.filas("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 2", [ooad])]
        for i, u in enumerate(unidades):  # two people of one OOAD, two units each... and shared units
            trabajos.append((c, f"persona {i}", u))
    antes = store.valor("SELECT count(*) FROM linea")
    esperadas = len(trabajos) * len(productos)
    errores: list[Exception] = []
    cola = list(trabajos)
    candado = threading.Lock()

    def trabajador():
        while True:
            with candado:
                if not cola:
                    return
                c, persona, unidad = cola.pop()
            for p in productos:  # one save per product: many small transactions
                try:
                    captura.guardar(store, c, persona, anio, unidad, [FilaCaptura(p, exc_pacientes=4, exc_eventos=8)])
                except Exception as exc:  # noqa: BLE001 - counted in the table
                    errores.append(exc)

    hilos = [threading.Thread(target=trabajador) for _ in range(20)]
    t0 = time.perf_counter()
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    dt = time.perf_counter() - t0
    llegadas = store.valor("SELECT count(*) FROM linea") - antes
    duplicadas = store.valor("SELECT count(*) - count(DISTINCT (anio, unidad, producto)) FROM linea")
    perdidas = esperadas - llegadas
    return (
        f"20 hilos guardando a la vez, {modo} ({esperadas:,} guardados de 1 línea)",
        f"{esperadas / dt:,.0f} guardados/s",
        "0 perdidas, 0 duplicadas",
        "sí"
        if perdidas == 0 and duplicadas == 0 and not errores
        else f"NO ({perdidas} perdidas, {duplicadas} dup., {len(errores)} errores)",
    ), esperadas / dt


if __name__ == "__main__":
    main()
