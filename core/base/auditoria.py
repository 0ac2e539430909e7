"""The append-only audit trail. Rows are only ever inserted, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

from core.base import reloj


def _json(valor: Any) -> str | None:
    if valor is None:
        return None

    def _por_defecto(o: Any):
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        if isinstance(o, decimal.Decimal):
            return float(o)
        return str(o)

    return json.dumps(valor, ensure_ascii=False, default=_por_defecto, sort_keys=True)


def registrar(
    tx,
    *,
    cuenta: str | None,
    persona: str | None,
    accion: str,
    anio: int | None = None,
    ooad: str | None = None,
    unidad: str | None = None,
    objeto: str | None = None,
    antes: Any = None,
    despues: Any = None,
) -> None:
    tx.execute(
        "INSERT INTO auditoria (en, cuenta, persona, accion, anio, ooad, unidad, objeto, antes, despues)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [reloj.ahora(), cuenta, persona, accion, anio, ooad, unidad, objeto, _json(antes), _json(despues)],
    )


def generacion(store) -> int:
    """Grows with every write (each one appends an audit row): a cheap key for UI caches."""
    return store.valor("SELECT coalesce(max(id), 0) FROM auditoria")
