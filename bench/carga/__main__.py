"""`make carga`: the load harness (issue 13 §4). Loopback only, bounded in sessions and time.

    python -m bench.carga                       # own `streamlit run` on a copy of the demo (DuckDB)
    python -m bench.carga --niveles 10,30 --pausa 1
    python -m bench.carga --montaje pg1         # own PostgreSQL + 1 replica (bench/carga/montaje.py)
    python -m bench.carga --montaje pg2         # own PostgreSQL + 2 replicas behind HAProxy
    python -m bench.carga --base http://127.0.0.1:8080 --pids 123,456 --planes planes.json \
        --guardados-json guardados.json          # any running setup (PostgreSQL, HAProxy…)
    python -m bench.carga planes --n 100 > planes.json   # plans from EYF_DATABASE_URL or EYF_DATA_DIR's store
    python -m bench.carga verificar guardados.json       # acknowledged saves vs that store, afterwards

Per level: N sessions (bench/carga/escenario.py) start within `--rampa` seconds; each logs in through
Paso 1's form and plays Paso 2-7 with a think time of `--pausa` s (±50 %). Reported: p50/p95 per action,
the server's CPU-seconds (utime+stime of its processes, /proc/<pid>/stat; for --montaje every replica,
PostgreSQL's processes and HAProxy) over the level and per action of a session played alone before
the levels, the server's peak RSS (VmHWM of a server started for the level, per replica; sampled
VmRSS for external ones), errors, saves acknowledged and lost, the load average (the machine may be
shared), and this client's own CPU, which must stay ≤ 25 % of the server's or the level does not count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from unittest import mock

from bench import servidor
from bench.carga import datos
from bench.carga.escenario import Plan, Resultado, jugar

RAIZ = Path(__file__).resolve().parents[2]
TICK = os.sysconf("SC_CLK_TCK")
ACCIONES = ("abrir", "login", "persona", "paso3", "paso4", "paso5", "paso6", "edicion", "guardar", "paso7", "reporte")
LIMITE_NIVEL = 600.0  # s: a level never runs longer
CLIENTE_MAXIMO = 0.25  # the client's CPU over the server's, or the level does not count


# ---- processes --------------------------------------------------------------------------------------
def cpu_de(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        campos = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(campos[11]) + int(campos[12])) / TICK  # utime, stime
    return total


def _memoria(pid: int, campo: str) -> int:
    for linea in Path(f"/proc/{pid}/status").read_text().splitlines():
        if linea.startswith(campo + ":"):
            return int(linea.split()[1]) * 1024
    return 0


def cpu_propia() -> float:
    t = os.times()
    return t.user + t.system


class Servidor:
    """`streamlit run app.py` on loopback, on its own copy of the prepared database."""

    def __init__(self, base_preparada: Path, carpeta: Path) -> None:
        shutil.rmtree(carpeta, ignore_errors=True)
        shutil.copytree(base_preparada, carpeta)
        self.datos = carpeta
        self.log = open(carpeta.parent / f"{carpeta.name}.log", "wb")  # noqa: SIM115
        self.proc, self.url = servidor.arrancar(carpeta, secrets.token_hex(32), self.log)
        self.puerto = int(self.url.rsplit(":", 1)[1])
        try:
            servidor.esperar(self.proc, self.url)
        except RuntimeError:
            self.detener()
            raise RuntimeError(f"el servidor no arrancó; vea {self.log.name}") from None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def detener(self) -> None:
        servidor.detener(self.proc)
        self.log.close()


# ---- data ---------------------------------------------------------------------------------------
def preparar_base(carpeta: Path, n: int) -> list[Plan]:
    """The demo installed in `carpeta` (as the server's first start leaves it), every OOAD/UMAE that
    may capture having answered SI; returns `n` plans."""
    from core import instalacion
    from core.base.store import Store

    with mock.patch.object(Store, "_asentar", lambda self: None):  # one checkpoint at close
        store = instalacion.abrir(carpeta)
    try:
        return datos.planes(store, n)
    finally:
        store.close()


def _store_de(carpeta: Path | None):
    """EYF_DATABASE_URL's PostgreSQL when set, else the DuckDB file of `carpeta` (or EYF_DATA_DIR)."""
    from core.base import rutas
    from core.base.store import Store, url_configurada

    return Store(url_configurada() or rutas.ruta_base(carpeta))


# ---- a level ----------------------------------------------------------------------------------------
async def _nivel(base: str, planes: list[Plan], args, semilla: int) -> list[Resultado]:
    resultados = [Resultado() for _ in planes]

    async def una(i: int) -> None:
        await asyncio.sleep(args.rampa * i / max(len(planes), 1))
        await jugar(
            base,
            planes[i],
            resultados[i],
            ediciones=args.ediciones,
            guardados=args.guardados,
            pausa=args.pausa,
            semilla=semilla + i,
        )

    tareas = [asyncio.create_task(una(i)) for i in range(len(planes))]
    _, pendientes = await asyncio.wait(tareas, timeout=args.limite)
    for t in pendientes:
        t.cancel()
    for i, t in enumerate(tareas):
        if t in pendientes:
            resultados[i].errores.append(f"sesión sin terminar en {args.limite:.0f} s")
    return resultados


def _percentil(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(int(q * len(xs)), len(xs) - 1)] if xs else float("nan")


async def _muestrear_rss(pids: list[int], pico: list[float], alto: asyncio.Event) -> None:
    """Peak summed VmRSS of `pids` (pico[0]) and peak 1-minute load average (pico[1])."""
    while not alto.is_set():
        pico[0] = max(pico[0], sum(_memoria(p, "VmRSS") for p in pids))
        pico[1] = max(pico[1], os.getloadavg()[0])
        try:
            await asyncio.wait_for(alto.wait(), 0.5)
        except TimeoutError:
            pass


def medir_nivel(base: str, pids: list[int], planes: list[Plan], args, semilla: int, cpu=None) -> dict:
    """One level against `base`; `pids`: the app's processes (RSS, and CPU unless `cpu` reads it)."""
    cpu = cpu or (lambda: cpu_de(pids))
    carga0 = os.getloadavg()[0]
    pico = [0, carga0]

    async def todo():
        alto = asyncio.Event()
        muestreo = asyncio.create_task(_muestrear_rss(pids, pico, alto))
        try:
            return await _nivel(base, planes, args, semilla)
        finally:
            alto.set()
            await muestreo

    srv0, cli0, t0 = cpu(), cpu_propia(), time.monotonic()
    resultados = asyncio.run(todo())
    srv, cli, dur = cpu() - srv0, cpu_propia() - cli0, time.monotonic() - t0
    tiempos: dict[str, list[float]] = {}
    guardados: dict = {}
    errores = []
    for r in resultados:
        for k, v in r.tiempos.items():
            tiempos.setdefault(k, []).extend(v)
        guardados.update(r.guardados)
        errores += r.errores
    return {
        "sesiones": len(planes),
        "segundos": dur,
        "cpu_servidor": srv,
        "cpu_cliente": cli,
        "rss_pico": pico[0],
        "carga": [carga0, pico[1]],
        "acciones": {
            k: {"n": len(v), "p50": _percentil(v, 0.5), "p95": _percentil(v, 0.95)} for k, v in tiempos.items()
        },
        "errores": errores,
        "guardados": guardados,
        # Sessions per replica (HAProxy's cookie); "" when no proxy set one.
        "replicas": dict(sorted(Counter(r.replica for r in resultados).items())),
    }


def aislado(base: str, pids: list[int], plan: Plan, args, repeticiones: int, leer=None) -> dict[str, float]:
    """Server CPU-seconds per action (median) from sessions played alone, one at a time."""
    cpu: dict[str, list[float]] = {}
    for i in range(repeticiones):
        r = Resultado(cpu=leer or (lambda: cpu_de(pids)))
        asyncio.run(
            jugar(base, plan, r, ediciones=args.ediciones, guardados=args.guardados, pausa=0.2, semilla=10_000 + i)
        )
        if r.errores:
            raise RuntimeError(f"la sesión aislada falló: {r.errores}")
        for k, v in r.cpu_acciones.items():
            cpu.setdefault(k, []).extend(v)
    return {k: statistics.median(v) for k, v in cpu.items()}


# ---- report -----------------------------------------------------------------------------------------
def tabla(filas: list[dict], cpu_accion: dict[str, float]) -> str:
    out = []
    if cpu_accion:
        out.append("Server CPU per action (median, one session alone):\n")
        out.append("| " + " | ".join(ACCIONES) + " |")
        out.append("|" + "---:|" * len(ACCIONES))
        out.append("| " + " | ".join(f"{cpu_accion.get(a, float('nan')) * 1000:,.0f} ms" for a in ACCIONES) + " |\n")
    out.append(
        "| Sesiones | Duración | CPU servidor | CPU cliente | Cuenta | RSS pico | Carga (1 min) | Errores | Guardados"
        " | Perdidos | " + " | ".join(f"{a} p50/p95 (s)" for a in ACCIONES) + " |"
    )
    out.append("|" + "---:|" * (10 + len(ACCIONES)))
    for f in filas:
        ratio = f["cpu_cliente"] / f["cpu_servidor"] if f["cpu_servidor"] else float("inf")
        cuenta = "sí" if ratio <= CLIENTE_MAXIMO else "**no**"
        celdas = [
            f"{f['sesiones']}",
            f"{f['segundos']:.0f} s",
            f"{f['cpu_servidor']:.1f} s ({f['cpu_servidor'] / f['segundos'] * 100:.0f} %)",
            f"{f['cpu_cliente']:.1f} s ({ratio * 100:.0f} %)",
            cuenta,
            " + ".join(f"{x / 2**20:,.0f}" for x in f.get("rss_replicas") or [f["rss_pico"]]) + " MB",
            "{:.1f}–{:.1f}".format(*f["carga"]),
            f"{len(f['errores'])}",
            f"{len(f['guardados'])}",
            f"{f.get('perdidos', '?')}",
        ]
        for a in ACCIONES:
            x = f["acciones"].get(a)
            celdas.append(f"{x['p50']:.2f}/{x['p95']:.2f}" if x else "–")
        out.append("| " + " | ".join(celdas) + " |")
    if filas:
        out.append(f"\nSesiones sostenidas (p95 < 2 s en cada acción, sin errores, cuenta): {sostenidas(filas):,}")
    return "\n".join(out)


def sostenidas(filas: list[dict]) -> int:
    """The largest level whose every action had p95 < 2 s, with no error, and whose run counts."""
    buenas = [
        f["sesiones"]
        for f in filas
        if not f["errores"]
        and f["cpu_cliente"] <= CLIENTE_MAXIMO * f["cpu_servidor"]
        and f["acciones"]
        and all(x["p95"] < 2.0 for x in f["acciones"].values())
    ]
    return max(buenas, default=0)


def _medir_montaje(args, niveles: list[int], filas: list[dict], *, replicas: int) -> dict[str, float]:
    """The levels against PostgreSQL and `replicas` app processes (+ HAProxy) this process starts."""
    from bench.carga.montaje import Montaje

    cpu_accion: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="eyf_carga_pg_") as tmp:
        montaje = Montaje(Path(tmp), replicas, Path(args.registros) if args.registros else None)
        try:
            print(f"Preparando PostgreSQL y la demostración ({replicas} réplica(s))…", flush=True)
            planes = montaje.preparar(201)
            planes = planes[: max(niveles)] + planes[-1:]
            for i, n in enumerate(niveles):
                url = montaje.levantar(f"nivel{n}")
                try:
                    pids = montaje.pids_replicas()
                    if i == 0 and args.aislado:
                        cpu_accion = aislado(url, pids, planes[-1], args, args.aislado, leer=montaje.cpu)
                        print(tabla([], cpu_accion), flush=True)
                    partes0 = montaje.cpu_partes()
                    f = medir_nivel(url, pids, planes[:n], args, semilla=i * 1000, cpu=montaje.cpu)
                    f["cpu_partes"] = {k: v - partes0[k] for k, v in montaje.cpu_partes().items()}
                    f["rss_replicas"] = montaje.rss_pico()
                    f["rss_pico"] = max(f["rss_pico"], sum(f["rss_replicas"]))
                finally:
                    montaje.bajar()
                f["perdidos"] = len(montaje.perdidos(f["guardados"]))
                filas.append(f)
                print(tabla(filas[-1:], {}), flush=True)
                print("Sesiones por réplica:", f["replicas"], flush=True)
                print(
                    "CPU del servidor por parte (s):", {k: round(v, 1) for k, v in f["cpu_partes"].items()}, flush=True
                )
                for e in f["errores"][:5]:
                    print("  error:", e)
        finally:
            montaje.detener()
    return cpu_accion


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.carga", description=__doc__.split("\n\n")[0])
    p.add_argument("orden", nargs="?", default="medir", choices=["medir", "planes", "verificar"])
    p.add_argument("archivo", nargs="?", help="verificar: the JSON of acknowledged saves")
    p.add_argument("--niveles", default="10,30,60,100")
    p.add_argument("--pausa", type=float, default=1.0, help="think time between actions, s (±50 %%)")
    p.add_argument("--rampa", type=float, default=10.0, help="the level's sessions start within this many s")
    p.add_argument("--ediciones", type=int, default=6, help="grid cells typed before each save")
    p.add_argument("--guardados", type=int, default=2, help="saves per session")
    p.add_argument("--limite", type=float, default=LIMITE_NIVEL, help="a level's time limit, s")
    p.add_argument("--aislado", type=int, default=3, help="sessions played alone for CPU per action (0: none)")
    p.add_argument("--base", help="an already running setup's URL (else: own streamlit run on DuckDB)")
    p.add_argument("--pids", help="its server processes, comma-separated (CPU and RSS)")
    p.add_argument("--planes", help="the sessions' plans (JSON from `planes`), for --base")
    p.add_argument("--guardados-json", help="write the acknowledged saves here (verify them later)")
    p.add_argument("--n", type=int, default=100, help="planes: how many")
    p.add_argument("--json", help="write every figure here")
    p.add_argument("--preparada", help="keep the prepared demo database in this folder and reuse it")
    p.add_argument(
        "--montaje",
        choices=["duckdb", "pg1", "pg2"],
        default="duckdb",
        help="own setup: DuckDB and 1 process; PostgreSQL and 1 replica; PostgreSQL and 2 replicas behind HAProxy",
    )
    p.add_argument("--registros", help="--montaje: keep each level's logs (replicas, HAProxy, errores.log) here")
    args = p.parse_args(argv)
    niveles = [int(x) for x in args.niveles.split(",") if x]
    if max(niveles) > 200:
        p.error("a lo más 200 sesiones por nivel")

    if args.orden == "planes":
        store = _store_de(None)
        try:
            json.dump([asdict(x) for x in datos.planes(store, args.n)], sys.stdout, ensure_ascii=False)
        finally:
            store.close()
        return 0
    if args.orden == "verificar":
        guardados = {tuple(k.split("|")): v for k, v in json.loads(Path(args.archivo).read_text()).items()}
        store = _store_de(None)
        try:
            perdidos = datos.perdidos(store, guardados)
        finally:
            store.close()
        print(f"{len(guardados):,} guardados reconocidos, {len(perdidos):,} perdidos")
        print("\n".join(perdidos[:20]))
        return 1 if perdidos else 0

    filas: list[dict] = []
    cpu_accion: dict[str, float] = {}
    if args.base:
        if not args.pids or not args.planes:
            p.error("--base necesita --pids y --planes")
        pids = [int(x) for x in args.pids.split(",")]
        planes = [Plan(**x) for x in json.loads(Path(args.planes).read_text())]
        if args.aislado:
            cpu_accion = aislado(args.base, pids, planes[-1], args, args.aislado)
        todos: dict = {}
        for i, n in enumerate(niveles):
            f = medir_nivel(args.base, pids, planes[:n], args, semilla=i * 1000)
            todos.update(f["guardados"])
            filas.append(f)
            print(tabla(filas[-1:], {}), flush=True)
        if args.guardados_json:
            Path(args.guardados_json).write_text(json.dumps({"|".join(k): v for k, v in todos.items()}))
    elif args.montaje != "duckdb":
        cpu_accion = _medir_montaje(args, niveles, filas, replicas=int(args.montaje[2:]))
    else:
        from core.base import rutas
        from core.base.store import Store

        with tempfile.TemporaryDirectory(prefix="eyf_carga_") as tmp:
            raiz = Path(tmp)
            preparada = Path(args.preparada) if args.preparada else raiz / "base"
            archivo_planes = preparada.parent / f"{preparada.name}.planes.json"
            if preparada.exists() and archivo_planes.exists():
                planes = [Plan(**x) for x in json.loads(archivo_planes.read_text())]
            else:
                print("Preparando la base de demostración…", flush=True)
                planes = preparar_base(preparada, 201)
                archivo_planes.write_text(json.dumps([asdict(x) for x in planes], ensure_ascii=False))
            planes = planes[: max(niveles)] + planes[-1:]
            for i, n in enumerate(niveles):
                srv = Servidor(preparada, raiz / f"nivel{n}")
                try:
                    if i == 0 and args.aislado:
                        # The plan no level uses: its unit stays free.
                        cpu_accion = aislado(srv.url, [srv.pid], planes[-1], args, args.aislado)
                        print(tabla([], cpu_accion), flush=True)
                    f = medir_nivel(srv.url, [srv.pid], planes[:n], args, semilla=i * 1000)
                    f["rss_pico"] = max(f["rss_pico"], _memoria(srv.pid, "VmHWM"))
                finally:
                    srv.detener()
                store = Store(rutas.ruta_base(srv.datos))
                try:
                    f["perdidos"] = len(datos.perdidos(store, f["guardados"]))
                finally:
                    store.close()
                filas.append(f)
                print(tabla(filas[-1:], {}), flush=True)
                for e in f["errores"][:5]:
                    print("  error:", e)
    print("\n" + tabla(filas, cpu_accion))
    if args.json:
        for f in filas:
            f["guardados"] = len(f["guardados"])
        Path(args.json).write_text(json.dumps({"cpu_accion": cpu_accion, "niveles": filas}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
