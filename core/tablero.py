"""The tablero de control's read model: one row per OOAD/UMAE with its counts and semáforo.

Counts and semáforo are progress figures every logged-in account may see; lines are not here.
"""

from __future__ import annotations

import pandas as pd

from core import ciclo
from core.store import Store


def filas(store: Store, anio: int) -> pd.DataFrame:
    """Columns: numero, clave, tipo, nombre, total, con, sin, estado, respuesta, version_final.

    `con`/`sin` are empty (NA) for an OOAD/UMAE that has not started, as the guide shows them.
    """
    df = store.df(
        "WITH u AS (SELECT ooad, count(*) AS total FROM unidad WHERE activa GROUP BY ooad),"
        " l AS (SELECT ooad, count(DISTINCT unidad) AS con FROM linea WHERE anio = ? GROUP BY ooad)"
        " SELECT o.numero, o.clave, o.tipo, o.nombre, coalesce(u.total, 0) AS total,"
        " CASE WHEN d.ooad IS NULL THEN NULL ELSE coalesce(l.con, 0) END AS con,"
        " coalesce(d.estado, 'sin iniciar') AS estado, d.respuesta,"
        " coalesce(d.version_final, 0) AS version_final"
        " FROM ooad o LEFT JOIN u ON u.ooad = o.clave LEFT JOIN l ON l.ooad = o.clave"
        " LEFT JOIN declaracion d ON d.ooad = o.clave AND d.anio = ?"
        " ORDER BY o.numero",
        [anio, anio],
    )
    df["con"] = df["con"].astype("Int64")
    df["sin"] = (df["total"] - df["con"]).astype("Int64")
    return df[["numero", "clave", "tipo", "nombre", "total", "con", "sin", "estado", "respuesta", "version_final"]]


def totales(df: pd.DataFrame) -> dict:
    por_estado = df["estado"].value_counts()
    return {
        "ooad_umae": len(df),
        "unidades": int(df["total"].sum()),
        "con": int(df["con"].sum(skipna=True)),
        "sin": int(df["sin"].sum(skipna=True)),
        **{e: int(por_estado.get(e, 0)) for e in ciclo.ESTADOS},
    }
