"""The states of an OOAD/UMAE in a period and the period itself, as stored: what the lifecycle's
rules (core.lifecycle.acciones) and its transitions (core.lifecycle.ciclo) read. Read-only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.base import reloj
from core.base.errors import NoEncontrado
from core.base.store import Store

SIN_INICIAR, EN_CAPTURA, FINALIZADO, FIRMADO = "sin iniciar", "en captura", "finalizado", "firmado"
ESTADOS = (SIN_INICIAR, EN_CAPTURA, FINALIZADO, FIRMADO)
# A final version is current: the capture no longer changes until an admin reopens it.
FINALIZADOS = (FINALIZADO, FIRMADO)


@dataclass(frozen=True)
class Periodo:
    anio: int
    inicio: dt.date
    fin: dt.date
    cerrado: bool

    def ventana_abierta(self, hoy: dt.date | None = None) -> bool:
        hoy = hoy or reloj.hoy()
        return not self.cerrado and self.inicio <= hoy <= self.fin

    def dias_restantes(self, hoy: dt.date | None = None) -> int:
        """Days of registration left, today included; 0 once the window has passed."""
        hoy = hoy or reloj.hoy()
        if self.cerrado or hoy > self.fin:
            return 0
        return (self.fin - max(hoy, self.inicio)).days + 1

    def describir_ventana(self) -> str:
        return f"del {reloj.fecha(self.inicio)} al {reloj.fecha(self.fin)}"


@dataclass(frozen=True)
class EstadoOoad:
    anio: int
    ooad: str
    estado: str
    respuesta: str | None
    version_final: int
    actualizada_en: dt.datetime | None
    actualizada_por: str | None
    actualizada_persona: str | None

    @property
    def finalizado(self) -> bool:
        """Finalized or signed: a final version is current (Paso 7 done, not reopened since)."""
        return self.estado in FINALIZADOS


def periodos(store: Store) -> list[Periodo]:
    return [Periodo(*f) for f in store.filas("SELECT anio, inicio, fin, cerrado FROM periodo ORDER BY anio DESC")]


def periodo(store: Store, anio: int) -> Periodo:
    f = store.fila("SELECT anio, inicio, fin, cerrado FROM periodo WHERE anio = ?", [anio])
    if f is None:
        raise NoEncontrado(f"No existe el periodo {anio}.")
    return Periodo(*f)


def periodo_actual(store: Store) -> Periodo | None:
    """The newest open period whose registration has begun; else the next one to begin; else the
    newest. Creating next year's period ahead of time must not move everyone to it before it opens."""
    todos = periodos(store)  # newest first
    hoy = reloj.hoy()
    abiertos = [p for p in todos if not p.cerrado]
    iniciados = [p for p in abiertos if p.inicio <= hoy]
    if iniciados:
        return iniciados[0]
    if abiertos:
        return min(abiertos, key=lambda p: p.inicio)
    return (todos or [None])[0]


def cerrado_en(store: Store, anio: int) -> dt.datetime | None:
    return store.valor("SELECT cerrado_en FROM periodo WHERE anio = ?", [anio])


def estado(store: Store, anio: int, ooad: str) -> EstadoOoad:
    f = store.fila(
        "SELECT estado, respuesta, version_final, actualizada_en, actualizada_por, actualizada_persona"
        " FROM declaracion WHERE anio = ? AND ooad = ?",
        [anio, ooad],
    )
    if f is None:
        return EstadoOoad(anio, ooad, SIN_INICIAR, None, 0, None, None, None)
    return EstadoOoad(anio, ooad, *f)


def estados(store: Store, anio: int, ooads: list[str]) -> dict[str, EstadoOoad]:
    """`estado` of several OOAD/UMAE in one query."""
    filas = store.filas(
        "SELECT ooad, estado, respuesta, version_final, actualizada_en, actualizada_por, actualizada_persona"
        " FROM declaracion WHERE anio = ? AND list_contains(?, ooad)",
        [anio, list(ooads)],
    )
    leidos = {f[0]: EstadoOoad(anio, *f) for f in filas}
    return {o: leidos.get(o) or EstadoOoad(anio, o, SIN_INICIAR, None, 0, None, None, None) for o in ooads}


def motivo_integridad(store: Store, ooad: str) -> str | None:
    """Why an OOAD/UMAE is read-only after the start-up integrity check (`core.admin.integridad` keeps
    its findings on the store), in words for its screens."""
    propias = [h for h in store.hallazgos if h.ooad in (None, ooad)]
    if not propias:
        return None
    return (
        f"La revisión de integridad al iniciar el servidor encontró {len(propias):,} dato(s) guardado(s) "
        "que no coinciden con la bitácora. Para no firmar cifras alteradas, esta OOAD/UMAE queda en solo "
        "consulta hasta que la División restaure un respaldo (Administración › Respaldos)."
    )


def contar_lineas(store: Store, anio: int, ooad: str) -> int:
    return store.valor("SELECT count(*) FROM linea WHERE anio = ? AND ooad = ?", [anio, ooad])
