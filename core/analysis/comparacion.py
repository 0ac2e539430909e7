"""Year over year (issue 12 §4): surplus and shortage of two periods side by side, by state, specialty,
group or product, with the change and what appeared or disappeared.

Each period's figures are `analisis.agregado` over that period's análisis snapshot (the same selection
and the same cached snapshot as Panorama and Cruce), so the comparison always agrees with those pages.
"""

from __future__ import annotations

import pandas as pd

from core.accounts.permisos import Cuenta
from core.analysis import analisis
from core.base import texto
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.lifecycle import ciclo

# The cuts offered (the others of analisis.DIMENSIONES are not part of the year over year view).
DIMENSIONES = ("estado", "especialidad", "grupo", "producto")

APARECE, DESAPARECE, CAMBIA, IGUAL = "Aparece", "Desaparece", "Cambia", "Sin cambio"
SITUACIONES = (APARECE, DESAPARECE, CAMBIA, IGUAL)
_VALORES = ("excedente", "faltante", "balance", "lineas")


def comparar_periodos(
    store: Store,
    cuenta: Cuenta | None,
    antes: int,
    despues: int,
    dimension: str = "producto",
    medida: str = "pacientes",
    filtros: analisis.Filtros | None = None,
    *,
    incluir_en_captura: bool = False,
) -> pd.DataFrame:
    """One row per value of `dimension` with lines in either period: `clave`, `nombre`, then
    excedente/faltante/balance/lineas `_antes` and `_despues`, the `cambio_*` of the first three
    (después − antes) and `situacion` (Aparece: lines only in `despues`; Desaparece: only in `antes`;
    Cambia: in both with another surplus or shortage; Sin cambio). Largest change in balance first."""
    analisis.exigir_acceso(cuenta)
    if dimension not in DIMENSIONES:
        raise ErrorDominio(f"Dimensión desconocida: {dimension}. Elija estado, especialidad, grupo o producto.")
    if antes == despues:
        raise ErrorDominio("Elija dos periodos distintos para compararlos.")
    for anio in (antes, despues):
        ciclo.periodo(store, anio)  # a period that does not exist is a clear error, not zeros
    lados = []
    for anio, sufijo in ((antes, "_antes"), (despues, "_despues")):
        a = analisis.agregado(store, cuenta, anio, [dimension], medida, filtros, incluir_en_captura=incluir_en_captura)
        a = a.rename(columns={f"{dimension}_clave": "clave", dimension: "nombre"})
        a.loc[a["nombre"] == analisis.SIN_DATO, "nombre"] = a["clave"]  # gone from the catalog: its key
        lados.append(a.set_index("clave").add_suffix(sufijo))
    df = lados[0].join(lados[1], how="outer")
    for v in _VALORES:
        for sufijo in ("_antes", "_despues"):
            df[v + sufijo] = df[v + sufijo].fillna(0).astype("int64")
    df["nombre"] = df["nombre_despues"].fillna(df["nombre_antes"]).astype("str")
    for v in ("excedente", "faltante", "balance"):
        df[f"cambio_{v}"] = df[f"{v}_despues"] - df[f"{v}_antes"]
    hay_antes, hay_despues = df["lineas_antes"] > 0, df["lineas_despues"] > 0
    distinto = (df["cambio_excedente"] != 0) | (df["cambio_faltante"] != 0)
    df["situacion"] = IGUAL
    df.loc[hay_antes & hay_despues & distinto, "situacion"] = CAMBIA
    df.loc[~hay_antes & hay_despues, "situacion"] = APARECE
    df.loc[hay_antes & ~hay_despues, "situacion"] = DESAPARECE
    df = df.reset_index()
    df = df.assign(_orden=df["cambio_balance"].abs()).sort_values(
        ["_orden", "nombre"],
        ascending=[False, True],
        kind="stable",
        ignore_index=True,
        key=lambda c: c.astype("str").map(texto.clave_orden) if c.name == "nombre" else c,
    )
    columnas = ["clave", "nombre"]
    columnas += [v + s for s in ("_antes", "_despues") for v in _VALORES]
    columnas += ["cambio_excedente", "cambio_faltante", "cambio_balance", "situacion"]
    return df[columnas]


def conteo(comparacion: pd.DataFrame) -> dict[str, int]:
    """How many values appear, disappear, change or stay the same."""
    n = comparacion["situacion"].value_counts()
    return {s: int(n.get(s, 0)) for s in SITUACIONES}


def tabla(comparacion: pd.DataFrame, dimension: str, medida: str, antes: int, despues: int) -> pd.DataFrame:
    """The comparison as shown and downloaded: Spanish headers naming each period."""
    m = analisis.MEDIDAS[medida].split()[0]
    return pd.DataFrame(
        {
            analisis.DIMENSIONES[dimension].titulo: comparacion["nombre"],
            f"{m} excedentes {antes}": comparacion["excedente_antes"],
            f"{m} faltantes {antes}": comparacion["faltante_antes"],
            f"Balance {antes}": comparacion["balance_antes"],
            f"{m} excedentes {despues}": comparacion["excedente_despues"],
            f"{m} faltantes {despues}": comparacion["faltante_despues"],
            f"Balance {despues}": comparacion["balance_despues"],
            "Cambio en excedentes": comparacion["cambio_excedente"],
            "Cambio en faltantes": comparacion["cambio_faltante"],
            "Cambio en el balance": comparacion["cambio_balance"],
            f"Líneas {antes}": comparacion["lineas_antes"],
            f"Líneas {despues}": comparacion["lineas_despues"],
            "Situación": comparacion["situacion"],
        }
    )
