"""The bitácora: the audit trail read back with filters, for the admin page and its exports.

Read only: rows are appended by core/base/auditoria.py inside each write's transaction and no code path
updates or deletes them (tests/core/test_administracion.py scans the sources for it).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.base import reloj
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.base.texto import normalizar

# Rows shown (and exported) at once: a season of captures is tens of thousands of rows; more than
# this on one screen helps nobody, and the filters narrow it down.
LIMITE = 10_000

COLUMNAS = (
    "Fecha y hora",
    "Cuenta",
    "Persona",
    "Acción",
    "Periodo",
    "OOAD/UMAE",
    "Unidad Médica",
    "Objeto",
    "Cambio",
    "Antes",
    "Después",
)


def describir_cambio(antes: str | None, despues: str | None) -> str:
    """The before/after JSON as a person reads it: only what changed, «campo: antes → después»."""

    def leer(texto):
        if not texto:
            return None
        try:
            return json.loads(texto)
        except ValueError:
            return texto

    a, d = leer(antes), leer(despues)
    if not isinstance(a, dict) or not isinstance(d, dict):
        if a is None and d is None:
            return ""
        if a is None:
            return _valores(d)
        if d is None:
            return "Quitado: " + _valores(a)
        return f"{_valor(a)} → {_valor(d)}"
    claves = [k for k in dict.fromkeys([*a, *d]) if a.get(k) != d.get(k)]
    return "; ".join(f"{k}: {_valor(a.get(k))} → {_valor(d.get(k))}" for k in claves) or "sin cambios"


def _valor(v) -> str:
    if v is None or v == "":
        return "—"
    if isinstance(v, bool):
        return "sí" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _valores(v) -> str:
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_valor(x)}" for k, x in v.items() if x not in (None, ""))
    return _valor(v)


def _inicio_del_dia(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(0), tzinfo=reloj.ZONA)


def _filtro(
    desde: dt.date | None,
    hasta: dt.date | None,
    usuario: str | None,
    acciones: list[str] | None,
    ooad: str | None,
    texto: str,
    anio: int | None,
) -> tuple[str, list[Any]]:
    if desde and hasta and hasta < desde:
        raise ErrorDominio("La fecha final del filtro no puede ser anterior a la inicial.")
    condiciones, params = ["TRUE"], []
    if desde:
        condiciones.append("a.en >= ?")
        params.append(_inicio_del_dia(desde))
    if hasta:  # the whole last day, in Mexico City time
        condiciones.append("a.en < ?")
        params.append(_inicio_del_dia(hasta + dt.timedelta(days=1)))
    if usuario:
        condiciones.append("a.cuenta = ?")
        params.append(usuario.strip().lower())
    if acciones:
        condiciones.append("list_contains(?, a.accion)")
        params.append(list(acciones))
    if ooad:
        condiciones.append("a.ooad = ?")
        params.append(ooad)
    if anio:
        condiciones.append("a.anio = ?")
        params.append(int(anio))
    for palabra in normalizar(texto).split():
        condiciones.append(
            "contains(strip_accents(lower(concat_ws(' ', a.accion, a.cuenta, a.persona, a.objeto, a.unidad,"
            " u.nombre, o.nombre, p.nombre, a.antes, a.despues))), ?)"
        )
        params.append(palabra)
    return " AND ".join(condiciones), params


# A line's audit row names its product by code in `objeto`: the join adds the name people search by.
_DESDE = (
    " FROM auditoria a LEFT JOIN ooad o ON o.clave = a.ooad"
    " LEFT JOIN unidad u ON u.clave = a.unidad"
    " LEFT JOIN producto p ON p.clave = a.objeto AND a.unidad IS NOT NULL"
)


def consultar(
    store: Store,
    cuenta: Cuenta | None,
    *,
    desde: dt.date | None = None,
    hasta: dt.date | None = None,
    usuario: str | None = None,
    acciones: list[str] | None = None,
    ooad: str | None = None,
    texto: str = "",
    anio: int | None = None,
    limite: int = LIMITE,
) -> pd.DataFrame:
    """Matching rows, newest first, with Spanish headers and dates as users read them."""
    permisos.exigir_division(cuenta, admin=True)
    donde, params = _filtro(desde, hasta, usuario, acciones, ooad, texto, anio)
    df = store.df(
        "SELECT strftime(timezone('America/Mexico_City', a.en), '%d/%m/%Y %H:%M:%S') AS \"Fecha y hora\","
        ' coalesce(a.cuenta, \'\') AS "Cuenta", coalesce(a.persona, \'\') AS "Persona", a.accion AS "Acción",'
        " coalesce(CAST(a.anio AS VARCHAR), '') AS \"Periodo\","
        " coalesce(" + ETIQUETA_OOAD.format(o="o") + ", a.ooad, '') AS \"OOAD/UMAE\","
        " coalesce(u.nombre || ' (' || a.unidad || ')', a.unidad, '') AS \"Unidad Médica\","
        " coalesce(a.objeto || ' · ' || p.nombre, a.objeto, '') AS \"Objeto\", coalesce(a.antes, '') AS \"Antes\","
        " coalesce(a.despues, '') AS \"Después\"" + _DESDE + f" WHERE {donde} ORDER BY a.id DESC LIMIT ?",
        [*params, int(limite)],
    )
    df["Cambio"] = [describir_cambio(a, d) for a, d in zip(df["Antes"], df["Después"], strict=True)]
    return df[list(COLUMNAS)]


def contar(
    store: Store,
    cuenta: Cuenta | None,
    *,
    desde: dt.date | None = None,
    hasta: dt.date | None = None,
    usuario: str | None = None,
    acciones: list[str] | None = None,
    ooad: str | None = None,
    texto: str = "",
    anio: int | None = None,
) -> int:
    """How many rows match, to say so when only the newest LIMITE are shown."""
    permisos.exigir_division(cuenta, admin=True)
    donde, params = _filtro(desde, hasta, usuario, acciones, ooad, texto, anio)
    return int(store.valor("SELECT count(*)" + _DESDE + f" WHERE {donde}", params))


def acciones(store: Store, cuenta: Cuenta | None) -> list[str]:
    """The kinds of action recorded so far, for the filter."""
    permisos.exigir_division(cuenta, admin=True)
    return [a for (a,) in store.filas("SELECT DISTINCT accion FROM auditoria ORDER BY accion")]


def cuentas_registradas(store: Store, cuenta: Cuenta | None) -> list[str]:
    """Every account name that appears in the trail (including failed logins of unknown names)."""
    permisos.exigir_division(cuenta, admin=True)
    return [c for (c,) in store.filas("SELECT DISTINCT cuenta FROM auditoria WHERE cuenta IS NOT NULL ORDER BY cuenta")]
