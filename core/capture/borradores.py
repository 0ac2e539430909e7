"""Drafts: the Paso 6 edits a person has not saved yet, kept in the store.

Session state dies with a server restart or an expired session; a draft does not. Each row belongs
to one account and one person (an OOAD/UMAE's staff share the account, so the person's name is what
tells their drafts apart), holds the values as typed and the version the row had when loaded. A
draft leaves only by a save of that product, by an explicit discard (audited, with the values), or
when it no longer differs from what is saved.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import ConflictoEdicion, ErrorDominio, NoEncontrado
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura, Resultado
from core.lifecycle import acciones

CAMPOS = ("exc_pacientes", "exc_eventos", "exc_ambito", "fal_causa", "fal_pacientes", "fal_eventos", "fal_ambito")

# A grid cell holds a figure or a choice; text longer than this is not something to keep for later
# (a paste gone wrong), and refusing it keeps one person's drafts from filling the store.
VALOR_MAXIMO = 200

_COLUMNAS = ", ".join(CAMPOS)


def texto(valor: Any) -> str | None:
    """A grid value as the draft keeps it: the text typed (None for an empty cell).

    The grid sends text; code and tests may send numbers, kept as their plain digits.
    """
    if valor is None or valor is pd.NA or valor is pd.NaT:
        return None
    if isinstance(valor, float):
        if math.isnan(valor):
            return None
        return str(int(valor)) if valor.is_integer() else repr(valor)
    if isinstance(valor, str):
        return valor if valor.strip() else None
    return str(valor)


def como_texto(fila: dict) -> tuple:
    """A pending row as stored: its values as text and its version (to tell whether it changed)."""
    version = fila.get("version")
    return (*(texto(fila.get(c)) for c in CAMPOS), None if version is None or version is pd.NA else int(version))


def _ooad_de(store: Store, unidad: str) -> str:
    ooad = store.valor("SELECT ooad FROM unidad WHERE clave = ?", [unidad])
    if ooad is None:
        raise NoEncontrado(f"La unidad médica '{unidad}' no existe.")
    return ooad


def _persona(persona: str | None) -> str:
    persona = (persona or "").strip()
    if not persona:
        raise ErrorDominio("Indique quién captura (su nombre) para conservar sus cambios sin guardar.")
    return persona


def _propia(cuenta: Cuenta | None) -> Cuenta:
    """Drafts are the capturista's own: the division has none and reads none."""
    cuenta = permisos.exigir_sesion(cuenta)
    return permisos.exigir_captura_ooad(cuenta, cuenta.ooad or "")


# -- writes ---------------------------------------------------------------------------------------
def guardar(
    store: Store, cuenta: Cuenta | None, persona: str | None, anio: int, unidad: str, filas: dict[str, dict]
) -> int:
    """Keep (or replace) this person's drafts of these products of one unit; returns how many.

    Only while the OOAD/UMAE can capture: a draft is an edit on its way to a save.
    """
    ooad = _ooad_de(store, unidad)
    permisos.exigir_captura_ooad(cuenta, ooad)
    persona = _persona(persona)
    if not filas:
        return 0
    registros = []
    for producto, fila in filas.items():
        valores = como_texto(fila)
        for campo, v in zip(CAMPOS, valores, strict=False):
            if v is not None and len(v) > VALOR_MAXIMO:
                raise ErrorDominio(
                    f"Producto {producto}: el valor de {campo} es demasiado largo para conservarse "
                    f"({len(v):,} caracteres; máximo {VALOR_MAXIMO:,})."
                )
        registros.append((producto, valores))

    def trabajo(tx) -> int:
        acciones.exigir(store, cuenta, anio, ooad, acciones.BORRADOR)
        claves = [p for p, _ in registros]
        existentes = {
            r[0] for r in tx.execute("SELECT clave FROM producto WHERE list_contains(?, clave)", [claves]).fetchall()
        }
        if faltan := sorted(set(claves) - existentes):
            raise NoEncontrado(f"Producto(s) que no existen en el catálogo: {', '.join(faltan)}.")
        tx.execute(
            "DELETE FROM borrador WHERE anio = ? AND cuenta = ? AND persona = ? AND unidad = ?"
            " AND list_contains(?, producto)",
            [anio, cuenta.usuario, persona, unidad, claves],
        )
        momento = reloj.ahora()
        tx.executemany(
            f"INSERT INTO borrador (anio, cuenta, persona, ooad, unidad, producto, {_COLUMNAS}, version, editado_en)"
            f" VALUES ({', '.join('?' * (8 + len(CAMPOS)))})",
            [[anio, cuenta.usuario, persona, ooad, unidad, p, *valores, momento] for p, valores in registros],
        )
        return len(registros)

    return store.escribir(trabajo)


def quitar(
    store: Store, cuenta: Cuenta | None, persona: str | None, anio: int, unidad: str, productos: list[str]
) -> int:
    """Drop drafts whose edit now equals what is saved: nothing typed is lost, so nothing is audited."""
    ooad = _ooad_de(store, unidad)
    permisos.exigir_captura_ooad(cuenta, ooad)
    persona = _persona(persona)
    if not productos:
        return 0

    def trabajo(tx) -> int:
        store.bloquear(ooad)  # drafts change under their OOAD/UMAE's lock, as guardar's do
        return tx.execute(
            "DELETE FROM borrador WHERE anio = ? AND cuenta = ? AND persona = ? AND unidad = ?"
            " AND list_contains(?, producto)",
            [anio, cuenta.usuario, persona, unidad, list(productos)],
        ).fetchone()[0]

    return store.escribir(trabajo)


def _descartar_en(
    tx, cuenta: Cuenta, persona: str, anio: int, unidad: str | None, productos: list[str] | None, accion: str
) -> int:
    """Delete drafts inside `tx`, one audit row per unit with the values that were dropped."""
    condicion = "anio = ? AND cuenta = ? AND persona = ?"
    params: list[Any] = [anio, cuenta.usuario, persona]
    if unidad is not None:
        condicion += " AND unidad = ?"
        params.append(unidad)
    if productos is not None:
        condicion += " AND list_contains(?, producto)"
        params.append(list(productos))
    filas = tx.execute(
        f"SELECT ooad, unidad, producto, {_COLUMNAS}, version FROM borrador WHERE {condicion}"
        " ORDER BY unidad, producto",
        params,
    ).fetchall()
    if not filas:
        return 0
    tx.execute(f"DELETE FROM borrador WHERE {condicion}", params)
    por_unidad: dict[tuple[str, str], dict] = {}
    for ooad, u, producto, *valores in filas:
        fila = dict(zip((*CAMPOS, "version"), valores, strict=False))
        por_unidad.setdefault((ooad, u), {})[producto] = {k: v for k, v in fila.items() if v is not None}
    for (ooad, u), productos_u in por_unidad.items():
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion=accion,
            anio=anio,
            ooad=ooad,
            unidad=u,
            objeto=", ".join(productos_u),
            antes=productos_u,
        )
    return len(filas)


def descartar(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    unidad: str | None = None,
    productos: list[str] | None = None,
) -> int:
    """The person discards their drafts (of one unit, or all) after reading them; audited with the values.

    Allowed when the capture is closed too: that is when drafts are shown read-only, to be discarded.
    """
    cuenta = _propia(cuenta)
    if unidad is not None:
        permisos.exigir_captura_ooad(cuenta, _ooad_de(store, unidad))
    persona = _persona(persona)

    def trabajo(tx) -> int:
        store.bloquear(cuenta.ooad)  # drafts change under their OOAD/UMAE's lock, as guardar's do
        return _descartar_en(tx, cuenta, persona, anio, unidad, productos, "cambios sin guardar descartados")

    return store.escribir(trabajo)


def guardar_captura(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    unidad: str,
    filas: list[FilaCaptura],
    *,
    confirmados: Iterable = (),
) -> Resultado:
    """Paso 6 Guardar: the lines and the end of their drafts in one transaction.

    On a conflict nothing is stored, as in core.capture.captura.guardar; then only the conflicting products
    lose their drafts (audited) and the error carries `claves` (their codes) and `detalle` (what the
    person typed against what the other person saved), so that the person's other edits stay pending.
    `confirmados`: the outlier warnings the person confirmed (captura.guardar); while one is missing,
    ConfirmacionPendiente is raised, nothing is stored and every draft stays.
    """
    persona_draft = (persona or "").strip()
    confirmados = tuple(confirmados)

    def trabajo(tx) -> Resultado:
        res = captura.guardar(store, cuenta, persona, anio, unidad, filas, confirmados=confirmados)
        if persona_draft:
            tx.execute(
                "DELETE FROM borrador WHERE anio = ? AND cuenta = ? AND persona = ? AND unidad = ?"
                " AND list_contains(?, producto)",
                [anio, cuenta.usuario, persona_draft, unidad, [f.producto for f in filas]],
            )
        return res

    try:
        return store.escribir(trabajo)
    except ConflictoEdicion as exc:
        _anotar_conflicto(store, cuenta, persona_draft, anio, unidad, filas, exc)
        raise


def _anotar_conflicto(
    store: Store, cuenta: Cuenta, persona: str, anio: int, unidad: str, filas: list[FilaCaptura], exc: ConflictoEdicion
) -> None:
    claves = [f.producto for f in filas]
    actuales = {
        r[0]: r
        for r in store.filas(
            "SELECT l.producto, l.version, l.tipo, l.ambito, l.causa, l.pacientes, l.eventos,"
            " coalesce(l.modificada_persona, l.modificada_por), l.modificada_en"
            " FROM linea l WHERE l.anio = ? AND l.unidad = ? AND list_contains(?, l.producto)",
            [anio, unidad, claves],
        )
    }
    nombres = dict(store.filas("SELECT clave, nombre FROM producto WHERE list_contains(?, clave)", [claves]))
    exc.claves, exc.detalle = [], []
    for f in filas:
        actual = actuales.get(f.producto)
        if (actual[1] if actual else None) == f.version:
            continue
        exc.claves.append(f.producto)
        guardado = "(sin línea: la eliminó)" if actual is None else describir_linea(*actual[2:7])
        exc.detalle.append(
            {
                "Clave": f.producto,
                "Producto": nombres.get(f.producto, ""),
                "Usted escribió (no se guardó)": describir({c: getattr(f, c) for c in CAMPOS}),
                "Guardado por la otra persona": guardado,
                "Quién y cuándo": "" if actual is None else f"{actual[7]}, {reloj.fecha_hora(actual[8])}",
            }
        )
    if exc.claves and persona:

        def trabajo(tx) -> int:
            store.bloquear(cuenta.ooad)
            return _descartar_en(
                tx, cuenta, persona, anio, unidad, exc.claves, "cambios sin guardar descartados por conflicto"
            )

        store.escribir(trabajo)


# -- reads ----------------------------------------------------------------------------------------
def listar(store: Store, cuenta: Cuenta | None, persona: str | None, anio: int) -> pd.DataFrame:
    """This person's drafts of the period, with unit and product names, oldest unit first."""
    cuenta = _propia(cuenta)
    persona = _persona(persona)
    df = store.df(
        f"SELECT b.unidad, u.nombre AS unidad_nombre, b.producto, p.nombre AS producto_nombre,"
        f" p.especialidad, s.grupo, {', '.join('b.' + c for c in CAMPOS)}, b.version, b.editado_en"
        " FROM borrador b LEFT JOIN unidad u ON u.clave = b.unidad LEFT JOIN producto p ON p.clave = b.producto"
        " LEFT JOIN especialidad s ON s.clave = p.especialidad"
        " WHERE b.anio = ? AND b.cuenta = ? AND b.persona = ? AND b.ooad = ?"
        " ORDER BY u.nombre, b.producto",
        [anio, cuenta.usuario, persona, cuenta.ooad],
    )
    for c in CAMPOS:  # empty cells as None, not NaN: a draft is text or nothing
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def de_otras_personas(store: Store, cuenta: Cuenta | None, persona: str | None, anio: int) -> pd.DataFrame:
    """Per unit, the other people of the same OOAD/UMAE with drafts: who, how many, since when."""
    cuenta = _propia(cuenta)
    persona = (persona or "").strip()
    return store.df(
        "SELECT b.unidad, u.nombre AS unidad_nombre, b.persona, b.cuenta, count(*) AS productos,"
        " max(b.editado_en) AS ultimo"
        " FROM borrador b LEFT JOIN unidad u ON u.clave = b.unidad"
        " WHERE b.anio = ? AND b.ooad = ? AND NOT (b.cuenta = ? AND b.persona = ?)"
        " GROUP BY b.unidad, u.nombre, b.persona, b.cuenta ORDER BY u.nombre, b.persona",
        [anio, cuenta.ooad, cuenta.usuario, persona],
    )


# -- plain helpers (no store) ---------------------------------------------------------------------
def como_pendientes(df: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """Drafts as the Paso 6 page keeps its pending edits: {unidad: {producto: row}}."""
    out: dict[str, dict[str, dict]] = {}
    for r in df.itertuples(index=False):
        fila = {c: getattr(r, c) for c in CAMPOS}
        fila = {c: (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) for c, v in fila.items()}
        fila["version"] = None if pd.isna(r.version) else int(r.version)
        out.setdefault(r.unidad, {})[r.producto] = fila
    return out


def ultimo_cambio(df: pd.DataFrame) -> dt.datetime | None:
    return None if df.empty else df["editado_en"].max().to_pydatetime()


def describir_linea(tipo: str, ambito: str | None, causa: str | None, pacientes: Any, eventos: Any) -> str:
    """A saved line in words: "Faltante (Falta de Equipo): 4 pacientes, 9 eventos, Ambulatorio"."""
    partes = [f"{int(pacientes):,} pacientes"]
    if eventos is not None and not pd.isna(eventos):
        partes.append(f"{int(eventos):,} eventos")
    if ambito:
        partes.append(ambito)
    return f"{tipo}{f' ({causa})' if causa else ''}: " + ", ".join(partes)


def describir(fila: dict) -> str:
    """A typed row in words, with the values as typed ("" for an empty row)."""
    v = {c: texto(fila.get(c)) for c in CAMPOS}
    partes = []
    for pre, tipo in (("exc_", "Excedente"), ("fal_", "Faltante")):
        datos = [
            f"{v[pre + 'pacientes']} pacientes" if v[pre + "pacientes"] else None,
            f"{v[pre + 'eventos']} eventos" if v[pre + "eventos"] else None,
        ]
        causa = v["fal_causa"] if pre == "fal_" else None
        if any(datos) or causa:
            texto_datos = ", ".join(d for d in datos if d)
            partes.append(f"{tipo}{f' ({causa})' if causa else ''}: {texto_datos}".rstrip(": "))
    return "; ".join(partes) or "(vacío: borrar la línea)"


def para_mostrar(df: pd.DataFrame) -> pd.DataFrame:
    """`listar`'s drafts as a read-only table: where, which product, what was typed, when."""
    return pd.DataFrame(
        {
            "Unidad Médica": df["unidad_nombre"].fillna(df["unidad"]),
            "Clave": df["producto"],
            "Producto": df["producto_nombre"].fillna(""),
            "Lo que escribió": [describir({c: getattr(r, c) for c in CAMPOS}) for r in df.itertuples()],
            "Escrito el": [reloj.fecha_hora(t) for t in df["editado_en"]],
        }
    )
