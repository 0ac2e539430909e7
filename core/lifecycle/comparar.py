"""What changed between two final versions of one OOAD/UMAE (a reopen keeps the one it replaces).

Lines are matched by (unit, product): present only in the later version = added, only in the
earlier = removed, in both with any field different = changed, with every field before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.base.texto import orden_natural
from core.lifecycle import folio

AGREGADA, ELIMINADA, MODIFICADA = "Agregada", "Eliminada", "Modificada"

# (column of version_final_linea, label people read)
CAMPOS = (
    ("tipo", "Tipo"),
    ("ambito", "Ambulatorio/Hospitalario"),
    ("causa", "Causa Principal"),
    ("pacientes", "Pacientes Mensuales"),
    ("eventos", "Eventos Mensuales"),
)


@dataclass(frozen=True)
class Comparacion:
    anio: int
    ooad: str
    version_antes: int
    version_despues: int
    respuesta_antes: str
    respuesta_despues: str
    folio_antes: str
    folio_despues: str
    cambios: pd.DataFrame  # one row per added, removed or changed line; Spanish headers

    def conteo(self) -> dict[str, int]:
        cuenta = self.cambios["Cambio"].value_counts()
        return {c: int(cuenta.get(c, 0)) for c in (AGREGADA, ELIMINADA, MODIFICADA)}

    def describir(self) -> str:
        n = self.conteo()
        texto = (
            f"De la versión final {self.version_antes} a la {self.version_despues}: "
            f"{n[AGREGADA]:,} línea(s) agregada(s), {n[ELIMINADA]:,} eliminada(s) y "
            f"{n[MODIFICADA]:,} modificada(s)."
        )
        if self.respuesta_antes != self.respuesta_despues:
            texto += f" La respuesta del Paso 2 cambió de {self.respuesta_antes} a {self.respuesta_despues}."
        return texto


def versiones(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> list[int]:
    """The final versions of the OOAD/UMAE in the period, oldest first."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    return [
        v
        for (v,) in store.filas(
            "SELECT version FROM version_final WHERE anio = ? AND ooad = ? ORDER BY version", [anio, ooad]
        )
    ]


def comparar(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    ooad: str,
    antes: int | None = None,
    despues: int | None = None,
) -> Comparacion:
    """Differences from version `antes` to `despues` (by default: the last two)."""
    existentes = versiones(store, cuenta, anio, ooad)
    if len(existentes) < 2:
        raise ErrorDominio("Hay una sola versión final: todavía no hay nada que comparar.")
    despues = existentes[-1] if despues is None else despues
    antes = (
        (existentes[existentes.index(despues) - 1] if despues in existentes[1:] else None) if antes is None else antes
    )
    if antes not in existentes or despues not in existentes:
        raise ErrorDominio(f"Elija dos versiones finales que existan: {', '.join(map(str, existentes))}.")
    if antes == despues:
        raise ErrorDominio("Elija dos versiones finales distintas.")
    respuestas = dict(
        store.filas(
            "SELECT version, respuesta FROM version_final WHERE anio = ? AND ooad = ? AND version IN (?, ?)",
            [anio, ooad, antes, despues],
        )
    )
    distinto = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c, _ in CAMPOS)
    que_cambio = ", ".join(f"CASE WHEN a.{c} IS DISTINCT FROM b.{c} THEN '{etiqueta}' END" for c, etiqueta in CAMPOS)
    antes_despues = ", ".join(f"a.{c} AS {c}_antes, b.{c} AS {c}_despues" for c, _ in CAMPOS)
    df = store.df(
        "WITH a AS (SELECT * FROM version_final_linea WHERE anio = ? AND ooad = ? AND version = ?),"
        " b AS (SELECT * FROM version_final_linea WHERE anio = ? AND ooad = ? AND version = ?)"
        " SELECT * FROM ("
        "  SELECT CASE WHEN a.producto IS NULL THEN 'Agregada' WHEN b.producto IS NULL THEN 'Eliminada'"
        "   ELSE 'Modificada' END AS cambio,"
        "  coalesce(b.unidad, a.unidad) AS unidad, coalesce(b.unidad_nombre, a.unidad_nombre) AS unidad_nombre,"
        "  coalesce(b.producto, a.producto) AS producto,"
        "  coalesce(b.producto_nombre, a.producto_nombre) AS producto_nombre,"
        "  coalesce(b.grupo_nombre, a.grupo_nombre) AS grupo,"
        f"  CASE WHEN a.producto IS NOT NULL AND b.producto IS NOT NULL THEN concat_ws(', ', {que_cambio}) END AS campos,"
        f"  {antes_despues}"
        "  FROM a FULL OUTER JOIN b ON a.unidad = b.unidad AND a.producto = b.producto"
        f"  WHERE a.producto IS NULL OR b.producto IS NULL OR {distinto}"
        f") AS t ORDER BY {orden_natural('unidad_nombre')}, cambio, producto",
        [anio, ooad, antes, anio, ooad, despues],
    )
    tabla = pd.DataFrame(
        {
            "Cambio": df["cambio"],
            "Unidad Médica": df["unidad_nombre"],
            "Clave": df["producto"],
            "Producto": df["producto_nombre"],
            "Grupo de Servicio": df["grupo"],
            "Qué cambió": df["campos"].fillna(""),
        }
    )
    for c, etiqueta in CAMPOS:
        for lado, nombre in (("antes", "antes"), ("despues", "después")):
            serie = df[f"{c}_{lado}"]
            # Numbers stay numbers (blank when the line is absent on that side); text blank likewise.
            tabla[f"{etiqueta} ({nombre})"] = (
                serie.astype("Int64") if c in ("pacientes", "eventos") else serie.fillna("")
            )
    return Comparacion(
        anio,
        ooad,
        antes,
        despues,
        respuestas[antes],
        respuestas[despues],
        folio.calcular(store, anio, ooad, antes),
        folio.calcular(store, anio, ooad, despues),
        tabla,
    )
