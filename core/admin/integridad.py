"""The start-up integrity check: every table readable, every current line equal to its audit trail.

Why: a crash, a damaged block or a storage bug (DuckDB's WAL replay, see core.base.store) can leave a
stored value that no one typed. The audit trail is written in the same transaction as each line
change and only ever appended to, so it is the independent record a line is compared with. A
finding is never repaired here: the OOAD/UMAE it touches becomes read-only with the reason, and
Administración shows what differs and how to restore a backup.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

import duckdb

from core.accounts import permisos
from core.base.store import Store

log = logging.getLogger(__name__)

# Audit actions that record the state of one line (objeto = product code); `despues` NULL = gone.
_ACCIONES_LINEA = ("línea creada", "línea modificada", "línea eliminada", "línea eliminada (respuesta NO)")
_CAMPOS = ("tipo", "ambito", "causa", "pacientes", "eventos")

RESTAURAR = (
    "Detenga el servidor y restaure el respaldo más reciente anterior al problema: "
    "«.venv/bin/python -m core.cli restaurar» lista los respaldos y "
    "«.venv/bin/python -m core.cli restaurar <nombre>» restaura uno (también «make respaldo» para "
    "guardar antes una copia del estado actual). Después vuelva a iniciar la aplicación."
)


@dataclass(frozen=True)
class Hallazgo:
    """One thing that did not pass: where, what is stored, what the audit trail (or rule) says."""

    tabla: str
    clave: str
    guardado: str
    auditado: str
    ooad: str | None  # None: the whole database is affected (an unreadable table)
    detalle: str


@dataclass(frozen=True)
class Revision:
    hallazgos: tuple[Hallazgo, ...]
    tablas: int
    lineas: int
    segundos: float

    @property
    def ooads_afectadas(self) -> set[str | None]:
        return {h.ooad for h in self.hallazgos}

    def describir(self) -> str:
        if not self.hallazgos:
            return (
                f"Revisión de integridad: {self.tablas:,} tablas legibles, {self.lineas:,} líneas iguales a "
                f"la bitácora ({self.segundos:,.1f} s)."
            )
        return (
            f"Revisión de integridad: {len(self.hallazgos):,} diferencia(s) encontrada(s); las OOAD/UMAE "
            "afectadas quedan en solo consulta. Vea Administración › Respaldos. " + RESTAURAR
        )


def revisar(store: Store) -> Revision:
    """Run every check and remember the findings on the store (what pages and core consult)."""
    t0 = time.perf_counter()
    hallazgos: list[Hallazgo] = []
    ilegibles = set()
    tablas = _tablas(store)
    for tabla in tablas:
        try:
            # hash() of the whole row reads every column of every block: a damaged block raises here.
            store.valor(f'SELECT sum(hash(t)) FROM "{tabla}" t')
        except duckdb.Error as exc:
            ilegibles.add(tabla)
            hallazgos.append(
                Hallazgo(tabla, "(toda la tabla)", "ilegible", "", None, f"La tabla no se pudo leer completa: {exc}")
            )
    lineas = 0
    if not ilegibles & {"linea", "auditoria", "unidad"}:
        try:
            lineas = store.valor("SELECT count(*) FROM linea") or 0
            hallazgos += _contra_bitacora(store)
            hallazgos += _reglas(store)
        except duckdb.Error as exc:  # a damaged index or block the full-row reads did not touch
            hallazgos.append(
                Hallazgo(
                    "linea",
                    "(comparación con la bitácora)",
                    "ilegible",
                    "",
                    None,
                    f"No se pudieron comparar las líneas con la bitácora: {exc}",
                )
            )
    revision = Revision(tuple(hallazgos), len(tablas), lineas, time.perf_counter() - t0)
    store.hallazgos = list(revision.hallazgos)
    if hallazgos:
        log.error("Integrity check: %d finding(s): %s", len(hallazgos), hallazgos[:20])
    return revision


def guardar(store: Store, revision: Revision) -> None:
    """PostgreSQL: write the findings for the replicas, which do not run the check themselves."""
    from core.base import reloj

    momento = reloj.ahora()
    with store.transaction() as tx:
        tx.execute("DELETE FROM hallazgo_integridad")
        tx.executemany(
            "INSERT INTO hallazgo_integridad VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [i, h.tabla, h.clave, h.guardado, h.auditado, h.ooad, h.detalle, momento]
                for i, h in enumerate(revision.hallazgos)
            ],
        )


def cargar(store: Store) -> list[Hallazgo]:
    """A replica's start: the findings `core.cli preparar` left (they make their OOAD/UMAE read-only)."""
    store.hallazgos = [
        Hallazgo(*fila)
        for fila in store.filas(
            "SELECT tabla, clave, guardado, auditado, ooad, detalle FROM hallazgo_integridad ORDER BY n"
        )
    ]
    return store.hallazgos


def hallazgos(store: Store, cuenta) -> list[Hallazgo]:
    """What Administración shows: every finding with stored and audited values."""
    permisos.exigir_division(cuenta, admin=True)
    return list(store.hallazgos)


def recuperacion(store: Store, cuenta) -> str | None:
    """What Administración shows when this start needed the pre-image of an interrupted checkpoint."""
    permisos.exigir_division(cuenta, admin=True)
    return getattr(store, "recuperacion", None)


def _tablas(store: Store) -> list[str]:
    return [
        t
        for (t,) in store.filas(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database()"
            " AND table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
    ]


def _texto(valores: dict | None, campos: list[str] | tuple[str, ...] = _CAMPOS) -> str:
    if valores is None:
        return "(sin línea)"
    return ", ".join(f"{c}={'(vacío)' if valores.get(c) is None else valores.get(c)}" for c in campos)


def _contra_bitacora(store: Store) -> list[Hallazgo]:
    """Lines whose values differ from their last audit row (or exist without one, or the reverse)."""
    acciones = list(_ACCIONES_LINEA)
    filas = store.filas(
        "WITH ult AS ("
        "  SELECT anio, unidad, producto, ooad, despues, id FROM (SELECT anio, unidad, objeto AS producto, ooad,"
        "   despues, id, row_number() OVER (PARTITION BY anio, unidad, objeto ORDER BY id DESC) AS n"
        "  FROM auditoria WHERE list_contains(?, accion) AND unidad IS NOT NULL AND objeto IS NOT NULL) AS q"
        "  WHERE n = 1),"
        " a AS (SELECT *, despues IS NOT NULL AS existe,"
        "   json_extract_string(despues, '$.tipo') AS tipo, json_extract_string(despues, '$.ambito') AS ambito,"
        "   json_extract_string(despues, '$.causa') AS causa,"
        "   TRY_CAST(json_extract(despues, '$.pacientes') AS BIGINT) AS pacientes,"
        "   TRY_CAST(json_extract(despues, '$.eventos') AS BIGINT) AS eventos FROM ult)"
        " SELECT coalesce(l.anio, a.anio), coalesce(l.ooad, a.ooad), coalesce(l.unidad, a.unidad),"
        "   coalesce(l.producto, a.producto), l.id IS NOT NULL, l.tipo, l.ambito, l.causa, l.pacientes, l.eventos,"
        "   a.id IS NOT NULL, a.existe, a.tipo, a.ambito, a.causa, a.pacientes, a.eventos"
        " FROM linea l FULL JOIN a ON a.anio = l.anio AND a.unidad = l.unidad AND a.producto = l.producto"
        " WHERE (l.id IS NULL AND a.existe)"
        "    OR (l.id IS NOT NULL AND (a.id IS NULL OR NOT a.existe"
        "        OR l.tipo IS DISTINCT FROM a.tipo OR l.ambito IS DISTINCT FROM a.ambito"
        "        OR l.causa IS DISTINCT FROM a.causa OR l.pacientes IS DISTINCT FROM a.pacientes"
        "        OR l.eventos IS DISTINCT FROM a.eventos))"
        " ORDER BY 1, 2, 3, 4 LIMIT 10000",
        [acciones],
    )
    out = []
    for anio, ooad, unidad, producto, hay_linea, *resto in filas:
        guardado = dict(zip(_CAMPOS, resto[:5], strict=True)) if hay_linea else None
        hay_auditoria, existe = resto[5], resto[6]
        auditado = dict(zip(_CAMPOS, resto[7:12], strict=True)) if existe else None
        if not hay_auditoria:
            detalle = "La línea no tiene registro en la bitácora."
            texto_aud = "(sin registro)"
        else:
            detalle = "Lo guardado difiere del último registro de la bitácora para esta línea."
            texto_aud = _texto(auditado)
        texto_guard = _texto(guardado)
        if guardado and auditado:  # both exist: name only the fields that differ, side by side
            distintos = [c for c in _CAMPOS if guardado[c] != auditado[c]]
            texto_guard = _texto(guardado, distintos)
            texto_aud = _texto(auditado, distintos)
        out.append(
            Hallazgo("linea", f"{anio} · unidad {unidad} · producto {producto}", texto_guard, texto_aud, ooad, detalle)
        )
    return out


def _reglas(store: Store) -> list[Hallazgo]:
    """Lines that break the capture rules (a replayed WAL does not re-check the table's CHECKs)."""
    from core.capture.captura import AMBITOS, CANTIDAD_MAXIMA, CAUSAS  # captura -> ciclo -> integridad: import late

    filas = store.filas(
        "SELECT l.anio, l.ooad, l.unidad, l.producto, l.tipo, l.ambito, l.causa, l.pacientes, l.eventos"
        " FROM linea l LEFT JOIN unidad u ON u.clave = l.unidad"
        " WHERE l.tipo IS NULL OR l.tipo NOT IN ('Excedente', 'Faltante')"
        "    OR l.ambito IS NULL OR NOT list_contains(?, l.ambito)"
        "    OR (l.tipo = 'Faltante' AND (l.causa IS NULL OR NOT list_contains(?, l.causa)))"
        "    OR (l.tipo = 'Excedente' AND l.causa IS NOT NULL)"
        "    OR l.pacientes IS NULL OR l.pacientes < 1 OR l.pacientes > ?"
        "    OR (l.eventos IS NOT NULL AND (l.eventos < l.pacientes OR l.eventos > ?))"
        "    OR u.ooad IS DISTINCT FROM l.ooad"
        " ORDER BY 1, 2, 3, 4 LIMIT 10000",
        [list(AMBITOS), list(CAUSAS), CANTIDAD_MAXIMA, CANTIDAD_MAXIMA],
    )
    return [
        Hallazgo(
            "linea",
            f"{anio} · unidad {unidad} · producto {producto}",
            _texto(dict(zip(_CAMPOS, resto, strict=True))),
            "(regla de captura)",
            ooad,
            "La línea no cumple las reglas de captura (tipo, causa, ámbito, cantidades o unidad).",
        )
        for anio, ooad, unidad, producto, *resto in filas
    ]


def resumen_json(revision: Revision) -> str:
    """For logs and the command line."""
    return json.dumps([h.__dict__ for h in revision.hallazgos], ensure_ascii=False, indent=1)
