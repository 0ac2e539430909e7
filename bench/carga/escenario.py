"""One person's session, as the load harness plays it through the websocket client.

Log in through Paso 1's form (OOAD/UMAE, password, then who captures), Paso 2, Paso 3 (the unit),
Paso 4 (Cirugía), Paso 5 (the largest specialty), Paso 6: cells typed one at a time in the grid (each
a component value, as AG Grid sends it), «Guardar» and «Sí, guardar», then the Reporte Preliminar
from Paso 7. Every action is timed; every acknowledged save is kept to compare with the database.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.carga.cliente import Cliente, ErrorCliente

GRUPO = "CIR"  # Cirugía
ESPECIALIDAD = "CIR-TYO"  # Traumatología y Ortopedia: 642 products, the largest
FLASH_GUARDADO = "Líneas guardadas:"


@dataclass
class Plan:
    usuario: str  # the OOAD/UMAE account
    etiqueta: str  # as Paso 1's list shows it
    unidad: str  # a unit of that OOAD/UMAE no other session of the run uses
    productos: list[str]  # products of ESPECIALIDAD to type, in order
    password: str = "demo"


@dataclass
class Resultado:
    tiempos: dict[str, list[float]] = field(default_factory=dict)
    # Server CPU-seconds per action, when `cpu` reads the server's CPU (a session played alone).
    cpu_acciones: dict[str, list[float]] = field(default_factory=dict)
    cpu: Callable[[], float] | None = None
    errores: list[str] = field(default_factory=list)
    # (unit, product) -> pacientes as typed, for each save the page acknowledged.
    guardados: dict[tuple[str, str], int] = field(default_factory=dict)
    replica: str = ""  # HAProxy's EYF_REPLICA cookie the session received (behind the proxy)

    def anotar(self, accion: str, segundos: float, cpu: float | None = None) -> None:
        self.tiempos.setdefault(accion, []).append(segundos)
        if cpu is not None:
            self.cpu_acciones.setdefault(accion, []).append(cpu)


class _Medida:
    """`with _Medida(res, "login"):` times an action (and the server's CPU over it, if read)."""

    def __init__(self, res: Resultado, accion: str) -> None:
        self.res, self.accion = res, accion

    def __enter__(self):
        self.cpu0 = self.res.cpu() if self.res.cpu else None
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, tipo, *_):
        if tipo is None:
            cpu = self.res.cpu() - self.cpu0 if self.res.cpu else None
            self.res.anotar(self.accion, time.perf_counter() - self.t0, cpu)


async def _medir(res: Resultado, accion: str, coro):
    with _Medida(res, accion):
        return await coro


async def jugar(
    base: str,
    plan: Plan,
    res: Resultado,
    *,
    ediciones: int = 6,
    guardados: int = 2,
    pausa: float = 1.0,
    semilla: int = 0,
) -> None:
    """Play the session; an error ends it (counted, with its action)."""
    azar = random.Random(semilla)

    async def pensar() -> None:
        if pausa:
            await asyncio.sleep(pausa * (0.5 + azar.random()))

    c = Cliente(base)
    accion = "conexion"
    try:
        # Paso 1: the real login through the form (one bcrypt check in core; «login» ends where the
        # form of who captures shows), then who captures («persona», ends on Paso 2).
        accion = "abrir"
        await _medir(res, "abrir", c.abrir("paso1"))
        await pensar()
        accion = "login"
        c.poner(c.widget("paso1_seleccion"), plan.etiqueta)
        c.poner(c.widget("paso1_password"), plan.password)
        await _medir(res, "login", c.pulsar(c.widget(etiqueta="Entrar", tipo="button")))
        await pensar()
        accion = "persona"
        c.poner(c.widget(etiqueta="Nombre completo", tipo="text_input"), f"Persona de carga {plan.unidad}")
        c.poner(c.widget(etiqueta="Cargo", tipo="text_input"), "Capturista")
        r = await _medir(res, "persona", c.pulsar(c.widget(etiqueta="Continuar", tipo="button")))
        if "paso2_respuesta" not in " ".join(c.widgets):
            raise ErrorCliente("tras el login no se llegó al Paso 2: " + r.texto()[:300])
        await pensar()
        # Paso 2 was reached by the login; Paso 3, the unit; Paso 4, Cirugía; Paso 5, the specialty.
        accion = "paso3"
        await _medir(res, "paso3", c.ir("paso3"))
        await pensar()
        accion = "paso4"
        await _medir(res, "paso4", c.pulsar(c.widget(f"p3_unidad_{plan.unidad}")))
        await pensar()
        accion = "paso5"
        await _medir(res, "paso5", c.pulsar(c.widget(f"grupo_{GRUPO}")))
        await pensar()
        accion = "paso6"
        await _medir(res, "paso6", c.pulsar(c.widget(f"esp_{ESPECIALIDAD}")))
        productos = iter(plan.productos)
        for ronda in range(guardados):
            tocadas: dict[str, dict] = {}
            valores: dict[str, int] = {}
            # A person types a product's pacientes, then its eventos: two cells, two component values.
            for _ in range(max(ediciones // 2, 1)):
                p = next(productos)
                n = azar.randint(1, 400)
                valores[p] = n
                fila = {
                    "exc_ambito": "Ambulatorio",
                    "exc_eventos": None,
                    "exc_pacientes": f"{n:,}",
                    "fal_causa": None,
                    "fal_ambito": None,
                    "fal_eventos": None,
                    "fal_pacientes": None,
                }
                for campo, valor in (("exc_pacientes", f"{n:,}"), ("exc_eventos", f"{n * 2:,}")):
                    accion = "edicion"
                    fila[campo] = valor
                    tocadas[p] = dict(fila)
                    await pensar()
                    await _medir(res, "edicion", c.cambiar(c.widget(tipo="component_instance"), {"filas": tocadas}))
            await pensar()
            accion = "guardar"
            with _Medida(res, "guardar"):
                await c.pulsar(c.widget("p6_guardar"))
                r = await c.pulsar(c.widget("p6_confirmar"))
            if FLASH_GUARDADO not in r.texto():
                raise ErrorCliente(f"guardado {ronda + 1} sin confirmación: " + r.texto()[-300:])
            for p, n in valores.items():
                res.guardados[(plan.unidad, p)] = n
        await pensar()
        # The Reporte Preliminar of the OOAD/UMAE (Paso 7), built on the click.
        accion = "paso7"
        await _medir(res, "paso7", c.ir("paso7"))
        accion = "reporte"
        pdf = await _medir(
            res, "reporte", c.descargar(c.widget(etiqueta="📄 Reporte Preliminar", tipo="download_button"))
        )
        if not pdf.startswith(b"%PDF"):
            raise ErrorCliente("el reporte no es un PDF")
    except (TimeoutError, ErrorCliente, OSError) as exc:
        res.errores.append(f"{accion}: {type(exc).__name__}: {exc}"[:400])
    except Exception as exc:  # noqa: BLE001 - a harness counts every failure, whatever it is
        res.errores.append(f"{accion}: {type(exc).__name__}: {exc}"[:400])
    finally:
        res.replica = c.cookies.get("EYF_REPLICA", "")
        try:
            await c.cerrar()
        except Exception:  # noqa: BLE001
            pass
