"""The harness's data: a demo database ready for load (every OOAD/UMAE that may capture has answered
SI in Paso 2), the sessions' plans (one unit each, never shared within a run), and the check that
every acknowledged save is in the database afterwards."""

from __future__ import annotations

from bench.carga.escenario import ESPECIALIDAD, Plan
from core.accounts import cuentas
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.capture import captura
from core.lifecycle import acciones, ciclo

PERSONA = "Preparación de la prueba de carga"


def _capturables(store: Store, anio: int) -> list[str]:
    """OOAD/UMAE accounts whose people may capture now; those not started answer SI first."""
    out = []
    for usuario, _ in cuentas.opciones_acceso(store):
        c = cuentas.obtener(store, usuario)
        if c is None or not c.es_capturista:
            continue
        pos = acciones.posibles(store, c, anio, c.ooad)
        if not pos.capturar.permitida and pos.declarar.permitida:
            try:
                ciclo.declarar(store, c, PERSONA, anio, "SI")
            except ErrorDominio:
                continue
            pos = acciones.posibles(store, c, anio, c.ooad)
        if pos.capturar.permitida:
            out.append(usuario)
    return out


def planes(store: Store, n: int, *, productos: int = 6) -> list[Plan]:
    """`n` sessions over the OOAD/UMAE that may capture, round robin, each on its own unit."""
    anio = ciclo.periodo_actual(store).anio
    etiquetas = dict(cuentas.opciones_acceso(store))
    usuarios = _capturables(store, anio)
    if not usuarios:
        raise RuntimeError("ninguna OOAD/UMAE puede capturar en esta base")
    unidades = {}
    for u in usuarios:
        c = cuentas.obtener(store, u)
        unidades[u] = captura.unidades(store, c, anio, c.ooad)["clave"].tolist()
    claves = captura.productos(store, ESPECIALIDAD)["clave"].tolist()
    # Round k takes the k-th unit of every OOAD/UMAE that has one: sessions spread over accounts.
    pares = [
        (u, unidades[u][k]) for k in range(max(map(len, unidades.values()))) for u in usuarios if k < len(unidades[u])
    ]
    if n > len(pares):
        raise RuntimeError(f"solo hay {len(pares):,} unidades para {n:,} sesiones")
    out = []
    for i, (u, unidad) in enumerate(pares[:n]):
        # Products spread over the whole specialty, different for each session.
        inicio = (i * productos) % max(len(claves) - productos, 1)
        out.append(Plan(u, etiquetas[u], unidad, claves[inicio : inicio + productos]))
    return out


def perdidos(store: Store, guardados: dict[tuple[str, str], int]) -> list[str]:
    """Acknowledged saves whose line is not in the database with the value typed."""
    if not guardados:
        return []
    anio = ciclo.periodo_actual(store).anio
    filas = store.df("SELECT unidad, producto, pacientes FROM linea WHERE anio = ? AND tipo = 'Excedente'", [anio])
    en_base = {(u, p): int(v) for u, p, v in zip(filas["unidad"], filas["producto"], filas["pacientes"], strict=True)}
    return [f"{u} {p}: {v} ≠ {en_base.get((u, p))}" for (u, p), v in guardados.items() if en_base.get((u, p)) != v]
