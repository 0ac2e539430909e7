"""Saves from several processes at once on one PostgreSQL (issue 13 §1, design §5): throughput,
retries per save and failed saves, with SERIALIZABLE alone and with a per-OOAD transaction lock.

Run: .venv/bin/python -m bench.pg_concurrencia [processes] [threads] [saves_per_thread]
Each thread owns one (unit, product) line and saves it repeatedly with the right version: there
is no real conflict, so every retry is the cost of the isolation scheme.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

from core.accounts import cuentas
from core.base import reloj, store_pg
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, HOY, _poblar
from tests.postgres import Bases, Cluster

PARES = [
    (u, p)
    for u in ("IL-CH-0001", "IL-CH-0002", "IL-QR-0001", "IL-QR-0002", "IL-CH-0003")
    for p in ("47.01", "47.09", "51.23", "53.00", "13.41", "14.74", "39.95", "LAB-0001")
]


def _trabajador(url: str, pares: list, saves: int, cerrojo: bool, salida) -> None:
    reloj.fijar(HOY)
    if not cerrojo:  # the store's per-OOAD lock (StorePg.bloquear, called by acciones.exigir) switched off
        store_pg.StorePg.bloquear = lambda self, ooad: None
    s = Store(url)
    fallos = []

    def hilo(unidad, producto):
        c = cuentas.obtener(s, "chihuahua" if unidad.startswith("IL-CH") else "quintana-roo")
        version = None
        for i in range(saves):
            try:
                captura.guardar(
                    s, c, "bench", ANIO, unidad, [FilaCaptura(producto, exc_pacientes=i + 1, version=version)]
                )
                version = 1 if version is None else version + 1
            except Exception as e:  # noqa: BLE001 - counted
                fallos.append(type(e).__name__)
                version = s.valor("SELECT version FROM linea WHERE unidad = ? AND producto = ?", [unidad, producto])

    hilos = [threading.Thread(target=hilo, args=p) for p in pares]
    for h in hilos:
        h.start()
    for h in hilos:
        h.join()
    salida.put((store_pg.reintentos_hechos[0], fallos))
    s.close()


def correr(url: str, procesos: int, hilos: int, saves: int, cerrojo: bool, aislamiento: str) -> None:
    os.environ["EYF_PG_AISLAMIENTO"] = aislamiento
    pares = PARES[: procesos * hilos]
    cola = multiprocessing.Queue()
    t0 = time.perf_counter()
    ps = [
        multiprocessing.Process(target=_trabajador, args=(url, pares[i::procesos], saves, cerrojo, cola))
        for i in range(procesos)
    ]
    for p in ps:
        p.start()
    resultados = [cola.get() for _ in ps]
    for p in ps:
        p.join()
    segundos = time.perf_counter() - t0
    total = len(pares) * saves
    reintentos = sum(r for r, _ in resultados)
    fallos = [f for _, fs in resultados for f in fs]
    print(
        f"{aislamiento:15s} {'+ per-OOAD lock' if cerrojo else '':15s} {procesos} proc x {hilos} threads: {total} saves in "
        f"{segundos:5.1f} s ({total / segundos:5.1f}/s), {reintentos / total:.2f} retries/save, "
        f"{len(fallos)} failed {sorted(set(fallos))}"
    )


def main(procesos: int, hilos: int, saves: int) -> None:
    cluster = Cluster().iniciar()
    try:
        bases = Bases(cluster)
        for cerrojo, aislamiento in ((False, "SERIALIZABLE"), (True, "SERIALIZABLE"), (True, "READ COMMITTED")):
            url = bases.sustituto(f"bench-{cerrojo}-{aislamiento}")
            reloj.fijar(HOY)
            s = _poblar(Store(url))
            for o in ("chihuahua", "quintana-roo"):
                ciclo.declarar(s, cuentas.obtener(s, o), "bench", ANIO, "SI")
            s.close()
            correr(url, procesos, hilos, saves, cerrojo, aislamiento)
    finally:
        cluster.detener()


if __name__ == "__main__":
    a = [int(x) for x in sys.argv[1:]] + [4, 10, 10][len(sys.argv) - 1 :]
    main(*a[:3])
