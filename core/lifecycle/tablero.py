"""The tablero de control's read model: one row per OOAD/UMAE with its counts and semáforo.

Counts and semáforo are progress figures every logged-in account may see; lines are not here.
"""

from __future__ import annotations

import pandas as pd

from core.base import reloj
from core.base.store import Store
from core.base.texto import normalizar
from core.lifecycle import ciclo


def filas(store: Store, anio: int) -> pd.DataFrame:
    """Columns: numero, clave, tipo, nombre, total, con, sin, estado, respuesta, version_final,
    recibida_el, recibio (receipt of the signed paper copy of the current final version, if any).

    `con`/`sin` are empty (NA) for an OOAD/UMAE that has not started, as the guide shows them.
    """
    df = store.df(
        "WITH u AS (SELECT ooad, count(*) AS total FROM unidad WHERE activa GROUP BY ooad),"
        " l AS (SELECT ooad, count(DISTINCT unidad) AS con FROM linea WHERE anio = ? GROUP BY ooad)"
        " SELECT o.numero, o.clave, o.tipo, o.nombre, coalesce(u.total, 0) AS total,"
        " CASE WHEN d.ooad IS NULL THEN NULL ELSE coalesce(l.con, 0) END AS con,"
        " coalesce(d.estado, 'sin iniciar') AS estado, d.respuesta,"
        " coalesce(d.version_final, 0) AS version_final, r.recibida_el, r.recibio"
        " FROM ooad o LEFT JOIN u ON u.ooad = o.clave LEFT JOIN l ON l.ooad = o.clave"
        " LEFT JOIN declaracion d ON d.ooad = o.clave AND d.anio = ?"
        # The paper copy counts only for the final version in force (a reopen makes a new one).
        " LEFT JOIN (SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY ooad, version ORDER BY id DESC) AS n"
        "   FROM recepcion WHERE anio = ?) AS q WHERE n = 1) r"
        "   ON r.ooad = o.clave AND r.version = d.version_final AND d.estado IN ('finalizado', 'firmado')"
        " ORDER BY o.numero",
        [anio, anio, anio],
    )
    df["con"] = df["con"].astype("Int64")
    df["sin"] = (df["total"] - df["con"]).astype("Int64")
    return df[
        [
            "numero",
            "clave",
            "tipo",
            "nombre",
            "total",
            "con",
            "sin",
            "estado",
            "respuesta",
            "version_final",
            "recibida_el",
            "recibio",
        ]
    ]


def totales(df: pd.DataFrame) -> dict:
    por_estado = df["estado"].value_counts()
    return {
        "ooad_umae": len(df),
        "unidades": int(df["total"].sum()),
        "con": int(df["con"].sum(skipna=True)),
        "sin": int(df["sin"].sum(skipna=True)),
        **{e: int(por_estado.get(e, 0)) for e in ciclo.ESTADOS},
        "recibidos": int(df["recibida_el"].notna().sum()) if "recibida_el" in df else 0,
    }


def filtrar(
    df: pd.DataFrame, buscar: str = "", tipo: str | None = None, estados: list[str] | None = None
) -> pd.DataFrame:
    """The tablero's filter: name (ignoring case and accents), OOAD or UMAE, semáforo states."""
    q = normalizar(buscar)
    if q:
        df = df[df["nombre"].map(normalizar).str.contains(q, regex=False)]
    if tipo in ("OOAD", "UMAE"):
        df = df[df["tipo"] == tipo]
    if estados:
        df = df[df["estado"].isin(estados)]
    return df


_PRELIMINAR = {ciclo.EN_CAPTURA: "Preliminar", ciclo.FINALIZADO: "-", ciclo.FIRMADO: "-"}
_FINAL = {ciclo.EN_CAPTURA: "Finalizar Reporte", ciclo.FINALIZADO: "Versión Final", ciclo.FIRMADO: "Versión Final"}
_SUBIR = {ciclo.FINALIZADO: "Subir", ciclo.FIRMADO: "Consultar/Modificar"}


def accion_subir(estado: str) -> str:
    return _SUBIR.get(estado, "")


def recepcion(fecha, recibio) -> str:
    """'dd/mm/aaaa · who received it' for the tablero, or blank while the paper copy is awaited."""
    if fecha is None or pd.isna(fecha):
        return ""
    return f"{reloj.fecha(fecha)} · {recibio}"


def tabla_guia(df: pd.DataFrame, con_recepcion: bool = False) -> pd.DataFrame:
    """The rows with the guide's columns, plus a totals row at the end.

    `con_recepcion` adds the division's column: when the signed paper copy arrived and who got it.
    """
    tabla = pd.DataFrame(
        {
            "No.": df["numero"].astype(str),
            "OOAD/UMAE": df["nombre"],
            "Total": df["total"].astype("Int64"),
            "Con Excedentes/ Faltantes": df["con"].astype("Int64"),
            "Sin Excedentes/ Faltantes": df["sin"].astype("Int64"),
            "Reporte Preliminar": df["estado"].map(lambda e: _PRELIMINAR.get(e, "")),
            "Final (para firmas)": df["estado"].map(lambda e: _FINAL.get(e, "")),
            "Subir (firmado)": df["estado"].map(accion_subir),
            "Semáforo": df["estado"].map(ciclo.semaforo),
        }
    )
    total = pd.DataFrame(
        [
            {
                "No.": "",
                "OOAD/UMAE": f"Total ({len(df):,})",
                "Total": int(df["total"].sum()),
                "Con Excedentes/ Faltantes": int(df["con"].sum(skipna=True)),
                "Sin Excedentes/ Faltantes": int(df["sin"].sum(skipna=True)),
                "Reporte Preliminar": "",
                "Final (para firmas)": "",
                "Subir (firmado)": "",
                "Semáforo": "",
            }
        ]
    ).astype({"Total": "Int64", "Con Excedentes/ Faltantes": "Int64", "Sin Excedentes/ Faltantes": "Int64"})
    if con_recepcion:
        tabla["Recepción (original)"] = [recepcion(f, r) for f, r in zip(df["recibida_el"], df["recibio"], strict=True)]
        total["Recepción (original)"] = f"{int(df['recibida_el'].notna().sum()):,} recibido(s)"
    return pd.concat([tabla, total], ignore_index=True)
