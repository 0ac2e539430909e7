"""The folio that identifies one exact final version of an OOAD/UMAE's declaration.

Derived from (OOAD/UMAE, period, version number, lines), never from the signatories: reprinting an
unchanged version gives the same folio; each new final version after a reopen gets its own.
"""

from __future__ import annotations

import hashlib
import json
import re

from core.base.errors import NoEncontrado
from core.base.store import Store

# EYF-<año>-<No. del tablero>-V<versión>-<10 hex of SHA-256>; 40 bits keep accidental collisions
# between the few hundred versions of a year out of reach while staying short enough to type.
PATRON = re.compile(r"EYF-\d{4}-\d{2}-V\d+-[0-9A-F]{10}")


def calcular(store: Store, anio: int, ooad: str, version: int) -> str:
    cab = store.fila(
        "SELECT o.numero, v.respuesta FROM version_final v JOIN ooad o ON o.clave = v.ooad"
        " WHERE v.anio = ? AND v.ooad = ? AND v.version = ?",
        [anio, ooad, version],
    )
    if cab is None:
        raise NoEncontrado(f"No existe la versión final {version} de {ooad} en {anio}.")
    lineas = store.filas(
        "SELECT unidad, producto, tipo, ambito, coalesce(causa, ''), pacientes, coalesce(eventos, 0)"
        " FROM version_final_linea WHERE anio = ? AND ooad = ? AND version = ? ORDER BY unidad, producto",
        [anio, ooad, version],
    )
    contenido = json.dumps(
        {"ooad": ooad, "anio": anio, "version": version, "respuesta": cab[1], "lineas": lineas},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    resumen = hashlib.sha256(contenido.encode("utf-8")).hexdigest()[:10].upper()
    return f"EYF-{anio}-{cab[0]:02d}-V{version}-{resumen}"


def buscar_en_texto(texto: str) -> list[str]:
    """Folios printed in a PDF's text (spaces or line breaks inside one are tolerated)."""
    return PATRON.findall(re.sub(r"\s+", "", texto or ""))
