"""Receipt of the signed paper copy of an OOAD/UMAE's final report, which the guide asks it to mail
to the division besides uploading it (Paso 9). Recorded by an admin, shown on the tablero."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.base.texto import exigir_caracteres
from core.lifecycle import acciones, ciclo

# Who received the paper copy (a name on one line) and a short remark about it.
RECIBIO_MAXIMO, NOTAS_MAXIMO = 120, 500


@dataclass(frozen=True)
class Recepcion:
    version: int
    recibida_el: dt.date
    recibio: str
    notas: str | None
    registrada_en: dt.datetime
    registrada_por: str

    def describir(self) -> str:
        return (
            f"Original firmado de la versión final {self.version} recibido el {reloj.fecha(self.recibida_el)} "
            f"por {self.recibio}."
        )


def registrar(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    ooad: str,
    recibida_el: dt.date,
    recibio: str,
    notas: str = "",
) -> Recepcion:
    """Record that the paper copy of the current final version arrived (date and who received it)."""
    admin = permisos.exigir_division(cuenta, admin=True)
    exigir_caracteres(recibio, "Recibió (nombre)")
    exigir_caracteres(notas, "Notas")
    recibio = " ".join((recibio or "").split())
    notas = " ".join((notas or "").split())
    if len(recibio) < 3:
        raise ErrorDominio("Escriba el nombre de quien recibió el documento.")
    if len(recibio) > RECIBIO_MAXIMO or len(notas) > NOTAS_MAXIMO:
        raise ErrorDominio(f"El nombre admite hasta {RECIBIO_MAXIMO} caracteres y las notas hasta {NOTAS_MAXIMO}.")
    if recibida_el is None:
        raise ErrorDominio("Indique la fecha de recepción.")
    if recibida_el > reloj.hoy():
        raise ErrorDominio(f"La fecha de recepción ({reloj.fecha(recibida_el)}) no puede ser posterior a hoy.")

    def trabajo(tx) -> None:
        acciones.exigir(store, cuenta, anio, ooad, acciones.REGISTRAR_RECEPCION)
        e = ciclo.estado(store, anio, ooad)
        finalizada = tx.execute(
            "SELECT finalizada_en FROM version_final WHERE anio = ? AND ooad = ? AND version = ?",
            [anio, ooad, e.version_final],
        ).fetchone()[0]
        if recibida_el < finalizada.astimezone(reloj.ZONA).date():
            raise ErrorDominio(
                f"La fecha de recepción ({reloj.fecha(recibida_el)}) es anterior a la finalización de la versión "
                f"final vigente ({reloj.fecha(finalizada.astimezone(reloj.ZONA))})."
            )
        antes = _actual(tx, anio, ooad, e.version_final)
        tx.execute(
            "INSERT INTO recepcion (anio, ooad, version, recibida_el, recibio, notas, registrada_en, registrada_por)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [anio, ooad, e.version_final, recibida_el, recibio, notas or None, reloj.ahora(), admin.usuario],
        )
        auditoria.registrar(
            tx,
            cuenta=admin.usuario,
            persona=None,
            accion="recepción del original",
            anio=anio,
            ooad=ooad,
            antes=None if antes is None else {"recibida_el": antes[1], "recibio": antes[2]},
            despues={"version": e.version_final, "recibida_el": recibida_el, "recibio": recibio, "notas": notas},
        )

    store.escribir(trabajo)
    return consultar(store, cuenta, anio, ooad)


def _actual(cur, anio: int, ooad: str, version: int) -> tuple | None:
    return cur.execute(
        "SELECT version, recibida_el, recibio, notas, registrada_en, registrada_por FROM recepcion"
        " WHERE anio = ? AND ooad = ? AND version = ? ORDER BY id DESC LIMIT 1",
        [anio, ooad, version],
    ).fetchone()


def consultar(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> Recepcion | None:
    """The receipt of the current final version, if its paper copy arrived."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    e = ciclo.estado(store, anio, ooad)
    if not e.finalizado:
        return None
    with store.cursor() as cur:
        fila = _actual(cur, anio, ooad, e.version_final)
    return Recepcion(*fila) if fila else None


def del_periodo(store: Store, cuenta: Cuenta | None, anio: int) -> pd.DataFrame:
    """Every finalized OOAD/UMAE of the period and whether its paper copy arrived (admin page)."""
    permisos.exigir_division(cuenta)
    df = store.df(
        "SELECT o.clave, o.numero, " + ETIQUETA_OOAD.format(o="o") + " AS nombre, d.estado, d.version_final,"
        " r.recibida_el, r.recibio, r.notas, r.registrada_por"
        " FROM declaracion d JOIN ooad o ON o.clave = d.ooad"
        " LEFT JOIN (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY anio, ooad, version ORDER BY id DESC)"
        "   AS n FROM recepcion) AS q WHERE n = 1) r"
        "   ON r.anio = d.anio AND r.ooad = d.ooad AND r.version = d.version_final"
        " WHERE d.anio = ? AND list_contains(?, d.estado) ORDER BY o.numero",
        [anio, list(ciclo.FINALIZADOS)],
    )
    return pd.DataFrame(
        {
            "clave": df["clave"],
            "No.": df["numero"].astype(str),
            "OOAD/UMAE": df["nombre"],
            "Semáforo": df["estado"].map(ciclo.semaforo),
            "Versión final": df["version_final"],
            "Recibido el": [reloj.fecha(d) if d is not None and not pd.isna(d) else "" for d in df["recibida_el"]],
            "Recibió": df["recibio"].fillna(""),
            "Notas": df["notas"].fillna(""),
        }
    )
