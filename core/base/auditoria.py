"""The append-only audit trail. Rows are only ever inserted, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from typing import Any

import pyarrow as pa

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


def registrar_varios(
    tx,
    *,
    quien: str | None,
    persona: str | None,
    anio: int | None,
    ooad: str | None,
    filas: list[tuple[str, str | None, str | None, Any, Any]],
) -> None:
    """Many rows of one change in one statement, each exactly as `registrar` writes it.

    `quien`: the acting account's name (registrar's `cuenta`); `filas`: (accion, unidad, objeto, antes,
    despues). One INSERT from an Arrow table instead of one
    per row: a bulk save of thousands of lines would otherwise hold the writer lock for about a
    millisecond and a half per row."""
    if not filas:
        return
    tabla = pa.table(
        {
            "n": list(range(len(filas))),
            "accion": [f[0] for f in filas],
            "unidad": [f[1] for f in filas],
            "objeto": [f[2] for f in filas],
            "antes": [_json(f[3]) for f in filas],
            "despues": [_json(f[4]) for f in filas],
        },
        schema=pa.schema(
            [("n", pa.int64())] + [(n, pa.string()) for n in ("accion", "unidad", "objeto", "antes", "despues")]
        ),
    )
    nombre = "_auditoria_varias"
    tx.register(nombre, tabla)
    try:
        tx.execute(
            "INSERT INTO auditoria (en, cuenta, persona, accion, anio, ooad, unidad, objeto, antes, despues)"
            f" SELECT ?, ?, ?, f.accion, ?, ?, f.unidad, f.objeto, f.antes, f.despues FROM {nombre} f ORDER BY f.n",
            [reloj.ahora(), quien, persona, anio, ooad],
        )
    finally:
        tx.unregister(nombre)
