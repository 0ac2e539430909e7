"""Reopen requests: an OOAD/UMAE asks from its own screens (the guide asked for an e-mail), the
division answers with a reason, and the OOAD/UMAE reads the answer where it asked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import ErrorDominio, NoEncontrado
from core.base.store import Store, bloquear_clave
from core.lifecycle import acciones, ciclo

PENDIENTE, CONCEDIDA, RECHAZADA = "pendiente", "concedida", "rechazada"

_COLUMNAS = (
    "id",
    "anio",
    "ooad",
    "version",
    "motivo",
    "solicitada_en",
    "solicitada_por",
    "solicitada_persona",
    "estado",
    "respuesta",
    "resuelta_en",
    "resuelta_por",
)
_SELECT = "SELECT " + ", ".join(_COLUMNAS) + " FROM solicitud_reapertura"


@dataclass(frozen=True)
class Solicitud:
    id: int
    anio: int
    ooad: str
    version: int
    motivo: str
    solicitada_en: dt.datetime
    solicitada_por: str
    solicitada_persona: str | None
    estado: str
    respuesta: str | None
    resuelta_en: dt.datetime | None
    resuelta_por: str | None

    def describir(self) -> str:
        """What the OOAD/UMAE reads about its request, in one sentence."""
        pedida = (
            f"Solicitud de reapertura del {reloj.fecha_hora(self.solicitada_en)} "
            f"(por {self.solicitada_persona or self.solicitada_por})"
        )
        if self.estado == PENDIENTE:
            return f"{pedida}: en espera de respuesta de la División desde hace {espera(self.solicitada_en)}."
        verbo = "concedida" if self.estado == CONCEDIDA else "rechazada"
        return f"{pedida}: {verbo} por la División el {reloj.fecha_hora(self.resuelta_en)}. Motivo: {self.respuesta}"


def espera(desde: dt.datetime, hasta: dt.datetime | None = None) -> str:
    """How long a request has waited, the way people say it: '2 día(s) 3 h', '4 h 10 min', '7 min'."""
    segundos = max(0, int(((hasta or reloj.ahora()) - desde).total_seconds()))
    dias, resto = divmod(segundos, 86_400)
    horas, resto = divmod(resto, 3_600)
    minutos = resto // 60
    if dias:
        return f"{dias:,} día(s) {horas} h"
    if horas:
        return f"{horas} h {minutos} min"
    return f"{minutos} min"


def _leer(cur, id_solicitud: int) -> Solicitud:
    """One request, read on a cursor or inside the caller's transaction."""
    fila = cur.execute(_SELECT + " WHERE id = ?", [id_solicitud]).fetchone()
    if fila is None:
        raise NoEncontrado(f"No existe la solicitud de reapertura {id_solicitud}.")
    return Solicitud(*fila)


def solicitar(store: Store, cuenta: Cuenta | None, persona: str | None, anio: int, motivo: str) -> Solicitud:
    """The OOAD/UMAE's own capturista asks to reopen its finalized capture, with a reason."""
    ooad = cuenta.ooad if cuenta is not None else None
    permisos.exigir_captura_ooad(cuenta, ooad or "")
    motivo = ciclo.limpiar_motivo(motivo, "el motivo de la solicitud")

    def trabajo(tx) -> int:
        acciones.exigir(store, cuenta, anio, ooad, acciones.SOLICITAR_REAPERTURA)
        e = ciclo.estado(store, anio, ooad)
        nuevo = tx.execute(
            "INSERT INTO solicitud_reapertura (anio, ooad, version, motivo, solicitada_en, solicitada_por,"
            " solicitada_persona) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [anio, ooad, e.version_final, motivo, reloj.ahora(), cuenta.usuario, persona],
        ).fetchone()[0]
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="reapertura solicitada",
            anio=anio,
            ooad=ooad,
            objeto=str(nuevo),
            despues={"motivo": motivo, "version_final": e.version_final, "estado": e.estado},
        )
        return nuevo

    nuevo = store.escribir(trabajo)
    with store.cursor() as cur:
        return _leer(cur, nuevo)


def ultima(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> Solicitud | None:
    """The OOAD/UMAE's latest request in the period, pending or answered."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    fila = store.fila(_SELECT + " WHERE anio = ? AND ooad = ? ORDER BY id DESC LIMIT 1", [anio, ooad])
    return Solicitud(*fila) if fila else None


def pendientes(store: Store, cuenta: Cuenta | None) -> pd.DataFrame:
    """The admin's queue, oldest first, with how long each request has waited."""
    permisos.exigir_division(cuenta, admin=True)
    df = store.df(
        "SELECT s.id, s.anio, s.ooad, " + ETIQUETA_OOAD.format(o="o") + " AS ooad_nombre, s.version,"
        " coalesce(d.estado, 'sin iniciar') AS estado, s.motivo, s.solicitada_en,"
        " coalesce(s.solicitada_persona, s.solicitada_por) AS solicito"
        " FROM solicitud_reapertura s JOIN ooad o ON o.clave = s.ooad"
        " LEFT JOIN declaracion d ON d.anio = s.anio AND d.ooad = s.ooad"
        " WHERE s.estado = 'pendiente' ORDER BY s.solicitada_en, s.id"
    )
    ahora = reloj.ahora()
    momentos = [t.to_pydatetime() for t in df["solicitada_en"]]
    return pd.DataFrame(
        {
            "id": df["id"],
            "anio": df["anio"],
            "ooad": df["ooad"],
            "OOAD/UMAE": df["ooad_nombre"],
            "Periodo": df["anio"].astype(str),
            "Semáforo": df["estado"].map(ciclo.semaforo),
            "Versión final": df["version"],
            "Motivo": df["motivo"],
            "Solicitó": df["solicito"],
            "Solicitada": [reloj.fecha_hora(m) for m in momentos],
            "Espera": [espera(m, ahora) for m in momentos],
            "espera_horas": [round((ahora - m).total_seconds() / 3600, 1) for m in momentos],
        }
    )


def resueltas(store: Store, cuenta: Cuenta | None, limite: int = 200) -> pd.DataFrame:
    """Answered requests, newest first, for the admin's record."""
    permisos.exigir_division(cuenta, admin=True)
    df = store.df(
        "SELECT s.anio, " + ETIQUETA_OOAD.format(o="o") + " AS ooad_nombre, s.motivo,"
        " coalesce(s.solicitada_persona, s.solicitada_por) AS solicito, s.solicitada_en, s.estado,"
        " s.respuesta, s.resuelta_en, s.resuelta_por"
        " FROM solicitud_reapertura s JOIN ooad o ON o.clave = s.ooad"
        " WHERE s.estado <> 'pendiente' ORDER BY s.resuelta_en DESC, s.id DESC LIMIT ?",
        [int(limite)],
    )
    return pd.DataFrame(
        {
            "Periodo": df["anio"].astype(str),
            "OOAD/UMAE": df["ooad_nombre"],
            "Motivo": df["motivo"],
            "Solicitó": df["solicito"],
            "Solicitada": [reloj.fecha_hora(t.to_pydatetime()) for t in df["solicitada_en"]],
            "Respuesta": df["estado"].map({CONCEDIDA: "Concedida", RECHAZADA: "Rechazada"}),
            "Razón": df["respuesta"],
            "Resuelta": [reloj.fecha_hora(t.to_pydatetime()) for t in df["resuelta_en"]],
            "Resolvió": df["resuelta_por"],
            "Espera": [
                espera(a.to_pydatetime(), b.to_pydatetime())
                for a, b in zip(df["solicitada_en"], df["resuelta_en"], strict=True)
            ],
        }
    )


def conceder(store: Store, cuenta: Cuenta | None, id_solicitud: int, respuesta: str) -> ciclo.EstadoOoad:
    """Grant: the OOAD/UMAE goes back to `en captura` (ciclo.reabrir answers the request)."""
    permisos.exigir_division(cuenta, admin=True)
    respuesta = ciclo.limpiar_motivo(respuesta, "la razón de la respuesta")

    def trabajo(tx) -> ciclo.EstadoOoad:
        bloquear_clave(tx, f"reapertura:{id_solicitud}")  # two admins answering at once: one wins
        s = _leer(tx, id_solicitud)
        if s.estado != PENDIENTE:
            raise ErrorDominio(f"La solicitud {id_solicitud} ya fue {s.estado}.")
        return ciclo.reabrir(store, cuenta, s.anio, s.ooad, respuesta)

    return store.escribir(trabajo)


def rechazar(store: Store, cuenta: Cuenta | None, id_solicitud: int, respuesta: str) -> Solicitud:
    """Decline with a reason the OOAD/UMAE will read; its capture stays finalized."""
    admin = permisos.exigir_division(cuenta, admin=True)
    respuesta = ciclo.limpiar_motivo(respuesta, "la razón de la respuesta")

    def trabajo(tx) -> None:
        bloquear_clave(tx, f"reapertura:{id_solicitud}")  # two admins answering at once: one wins
        s = _leer(tx, id_solicitud)
        if s.estado != PENDIENTE:
            raise ErrorDominio(f"La solicitud {id_solicitud} ya fue {s.estado}.")
        momento = reloj.ahora()
        tx.execute(
            "UPDATE solicitud_reapertura SET estado = 'rechazada', respuesta = ?, resuelta_en = ?, resuelta_por = ?"
            " WHERE id = ?",
            [respuesta, momento, admin.usuario, id_solicitud],
        )
        auditoria.registrar(
            tx,
            cuenta=admin.usuario,
            persona=None,
            accion="reapertura rechazada",
            anio=s.anio,
            ooad=s.ooad,
            objeto=str(id_solicitud),
            antes={"estado": PENDIENTE, "motivo": s.motivo},
            despues={"estado": RECHAZADA, "respuesta": respuesta},
        )

    store.escribir(trabajo)
    with store.cursor() as cur:
        return _leer(cur, id_solicitud)


def reabrir(store: Store, cuenta: Cuenta | None, anio: int, ooad: str, motivo: str) -> ciclo.EstadoOoad:
    """An admin reopens without a request (a pending one, if any, is answered by it)."""
    permisos.exigir_division(cuenta, admin=True)
    return ciclo.reabrir(store, cuenta, anio, ooad, motivo)


def reabribles(store: Store, cuenta: Cuenta | None, anio: int) -> list[tuple[str, str]]:
    """(clave, label) of the OOAD/UMAE an admin can reopen in the period: finalized or signed."""
    permisos.exigir_division(cuenta, admin=True)
    return [
        tuple(f)
        for f in store.filas(
            "SELECT o.clave, " + ETIQUETA_OOAD.format(o="o") + " || ' · ' || d.estado"
            " FROM declaracion d JOIN ooad o ON o.clave = d.ooad"
            " WHERE d.anio = ? AND list_contains(?, d.estado) ORDER BY o.numero",
            [anio, list(ciclo.FINALIZADOS)],
        )
    ]
