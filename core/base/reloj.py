"""The clock, read only through here so tests can set it; Mexico City time, as the rules use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

ZONA = ZoneInfo("America/Mexico_City")

_fijo: dt.datetime | None = None


def ahora() -> dt.datetime:
    return _fijo if _fijo is not None else dt.datetime.now(ZONA)


def hoy() -> dt.date:
    return ahora().date()


def fijar(momento: dt.datetime | None) -> None:
    """Set (or with None, release) the clock; naive datetimes are taken as Mexico City time, and an
    instant given in another zone is read in Mexico City, where the registration days are counted."""
    global _fijo
    if momento is not None:
        momento = momento.replace(tzinfo=ZONA) if momento.tzinfo is None else momento.astimezone(ZONA)
    _fijo = momento


@contextmanager
def fijado(momento: dt.datetime) -> Iterator[None]:
    """The clock set to `momento` for a block, then back to what it was (set or running): the demo
    data's earlier period is written as it was, a year ago."""
    global _fijo
    previo = _fijo
    fijar(momento)
    try:
        yield
    finally:
        _fijo = previo


def fecha(d: dt.date | dt.datetime | None) -> str:
    """dd/mm/aaaa, the date format users read."""
    if d is None:
        return ""
    return d.strftime("%d/%m/%Y")


def fecha_hora(d: dt.datetime | None) -> str:
    if d is None:
        return ""
    if d.tzinfo is not None:
        d = d.astimezone(ZONA)
    return d.strftime("%d/%m/%Y %H:%M:%S")
