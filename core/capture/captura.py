"""Paso 3 to Paso 6: units, service groups, specialties, products, and saving captured lines.

A save is validated whole and written in one transaction, or nothing of it is written.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import (
    CantidadInvalida,
    CapturaInvalida,
    ConfirmacionPendiente,
    ConflictoEdicion,
    ErrorDominio,
    NoEncontrado,
)
from core.base.store import Store
from core.base.texto import normalizar, orden_natural, visible
from core.capture import atipicos
from core.lifecycle import acciones

CAUSAS = ("Carencia de Servicio", "Falta de Equipo", "Falta de Insumos", "Falta de Personal")
AMBITOS = ("Ambulatorio", "Hospitalario")

# Upper bound of a monthly figure: no IMSS unit sees 100,000 patients or events of one
# intervention in a month (the guide's busiest example is 2,989 hemodialysis events), so a
# larger number is a typing error, refused rather than stored.
CANTIDAD_MAXIMA = 100_000


# -- catalog reads (public catalog data: any logged-in account) ---------------------------------
def grupos(store: Store) -> pd.DataFrame:
    return store.df(
        "SELECT g.clave, g.nombre, count(DISTINCT s.clave) AS especialidades, count(p.clave) AS productos"
        " FROM grupo g JOIN especialidad s ON s.grupo = g.clave"
        " JOIN producto p ON p.especialidad = s.clave AND p.activo"
        " GROUP BY g.clave, g.nombre ORDER BY min(g.orden), g.nombre"
    )


def especialidades(store: Store, grupo: str) -> pd.DataFrame:
    return store.df(
        "SELECT s.clave, s.nombre, count(p.clave) AS productos FROM especialidad s"
        " JOIN producto p ON p.especialidad = s.clave AND p.activo WHERE s.grupo = ?"
        " GROUP BY s.clave, s.nombre ORDER BY min(s.orden), s.nombre",
        [grupo],
    )


def nombre(store: Store, tabla: str, clave: str) -> str:
    if tabla not in ("grupo", "especialidad", "unidad", "ooad", "producto"):
        raise ValueError(tabla)
    n = store.valor(f"SELECT nombre FROM {tabla} WHERE clave = ?", [clave])
    if n is None:
        raise NoEncontrado(f"No existe la clave '{clave}'.")
    return n


def etiqueta_ooad(store: Store, ooad: str) -> str:
    """How an OOAD/UMAE is named on screen and in reports (public catalog: the tablero lists all)."""
    n = store.valor(f"SELECT {ETIQUETA_OOAD.format(o='o')} FROM ooad o WHERE clave = ?", [ooad])
    if n is None:
        raise NoEncontrado(f"No existe la OOAD/UMAE '{ooad}'.")
    return n


def nombre_unidad_de(store: Store, ooad: str, unidad: str | None) -> str | None:
    """The unit's name if it belongs to this OOAD/UMAE, else None (a stale choice from elsewhere)."""
    if not unidad:
        return None
    return store.valor("SELECT nombre FROM unidad WHERE clave = ? AND ooad = ?", [unidad, ooad])


# The product's code and name as the search ranks them: normalised, punctuation as spaces.
_CLAVE_RANGO = "trim(regexp_replace(lower(clave), '[^a-z0-9]+', ' ', 'g'))"
_NOMBRE_RANGO = "trim(regexp_replace(substr(busqueda, length(clave) + 2), '[^a-z0-9]+', ' ', 'g'))"


def productos(store: Store, especialidad: str, buscar: str = "") -> pd.DataFrame:
    """Products of a specialty; `buscar` ignores case and accents and matches code or name.

    Every word typed must appear. Matches are ranked as a person scans them: the product whose code or
    whole name is what was typed, then those whose code or name starts with it, then those with a word
    starting with it, then the rest; by code within each rank. So «hemodiálisis» lists «Hemodiálisis»
    before «Procedimiento de hemodiálisis…», and a short word does not bury the product it names."""
    sql = "SELECT clave, nombre, ambito_default, remoto FROM producto WHERE especialidad = ? AND activo"
    params: list[Any] = [especialidad]
    for palabra in normalizar(buscar).split():
        sql += " AND contains(busqueda, ?)"
        params.append(palabra)
    frase = " ".join(re.sub(r"[^a-z0-9]+", " ", normalizar(buscar)).split())
    if not frase:
        return store.df(sql + " ORDER BY clave", params)
    orden = (
        f" ORDER BY CASE WHEN {_CLAVE_RANGO} = ? OR {_NOMBRE_RANGO} = ? THEN 0"
        f" WHEN starts_with({_CLAVE_RANGO}, ?) OR starts_with({_NOMBRE_RANGO}, ?) THEN 1"
        f" WHEN contains(' ' || {_NOMBRE_RANGO}, ?) THEN 2 ELSE 3 END, clave"
    )
    return store.df(sql + orden, [*params, frase, frase, frase, frase, " " + frase])


# -- units of an OOAD/UMAE ---------------------------------------------------------------------
def unidades(store: Store, cuenta: Cuenta | None, anio: int, ooad: str, buscar: str = "") -> pd.DataFrame:
    """Paso 3: the OOAD/UMAE's units with how many lines each has saved."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    sql = (
        "SELECT u.clave, u.nombre, u.tipo_unidad, u.localidad, e.nombre AS estado,"
        " count(l.id) AS lineas,"
        " count(l.id) FILTER (WHERE l.tipo = 'Excedente') AS excedentes,"
        " count(l.id) FILTER (WHERE l.tipo = 'Faltante') AS faltantes"
        " FROM unidad u LEFT JOIN estado e ON e.cve_ent = u.cve_ent"
        " LEFT JOIN linea l ON l.unidad = u.clave AND l.anio = ?"
        " WHERE u.ooad = ? AND u.activa"
    )
    params: list[Any] = [anio, ooad]
    for palabra in normalizar(buscar).split():
        sql += " AND contains(strip_accents(lower(u.clave || ' ' || u.nombre || ' ' || coalesce(u.localidad, ''))), ?)"
        params.append(palabra)
    sql += " GROUP BY u.clave, u.nombre, u.tipo_unidad, u.localidad, e.nombre"
    return store.df(f"SELECT * FROM ({sql}) AS u ORDER BY tipo_unidad, {orden_natural('nombre')}", params)


def _unidad_de(store: Store, unidad: str) -> str:
    ooad = store.valor("SELECT ooad FROM unidad WHERE clave = ? AND activa", [unidad])
    if ooad is None:
        raise NoEncontrado(f"La unidad médica '{unidad}' no existe.")
    return ooad


def exigir_lectura_unidad(store: Store, cuenta: Cuenta | None, unidad: str) -> None:
    permisos.exigir_lectura_ooad(cuenta, _unidad_de(store, unidad))


def lineas_unidad(store: Store, cuenta: Cuenta | None, anio: int, unidad: str) -> pd.DataFrame:
    """Saved lines of one unit, with the version each was loaded at (for conflict checks)."""
    exigir_lectura_unidad(store, cuenta, unidad)
    return store.df(
        "SELECT l.producto, p.nombre AS producto_nombre, g.nombre AS grupo, s.nombre AS especialidad,"
        " s.clave AS especialidad_clave, g.clave AS grupo_clave,"
        " l.tipo, l.ambito, l.causa, l.pacientes, l.eventos, l.version,"
        " l.modificada_en, l.modificada_por, l.modificada_persona"
        " FROM linea l JOIN producto p ON p.clave = l.producto"
        " JOIN especialidad s ON s.clave = p.especialidad JOIN grupo g ON g.clave = s.grupo"
        " WHERE l.anio = ? AND l.unidad = ? ORDER BY g.orden, s.orden, l.producto",
        [anio, unidad],
    )


def lineas_ooad(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> pd.DataFrame:
    """Every current line of one OOAD/UMAE (Paso 7's summary, the preliminary report)."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    return store.df(
        "SELECT u.clave AS unidad, u.nombre AS unidad_nombre, l.producto, p.nombre AS producto_nombre,"
        " g.nombre AS grupo, s.nombre AS especialidad, l.tipo, l.ambito, l.causa, l.pacientes, l.eventos"
        " FROM linea l JOIN unidad u ON u.clave = l.unidad JOIN producto p ON p.clave = l.producto"
        " JOIN especialidad s ON s.clave = p.especialidad JOIN grupo g ON g.clave = s.grupo"
        f" WHERE l.anio = ? AND l.ooad = ? ORDER BY {orden_natural('u.nombre')}, l.tipo DESC, g.orden, l.producto",
        [anio, ooad],
    )


# -- validating a grid row -------------------------------------------------------------------
@dataclass
class FilaCaptura:
    """One product's row of the Paso 6 grid as typed, before validation.

    `version` is the saved line's version when the grid was loaded (None: there was no line).
    """

    producto: str
    version: int | None = None
    exc_pacientes: Any = None
    exc_eventos: Any = None
    exc_ambito: Any = None
    fal_causa: Any = None
    fal_pacientes: Any = None
    fal_eventos: Any = None
    fal_ambito: Any = None


@dataclass(frozen=True)
class LineaValida:
    producto: str
    tipo: str
    ambito: str
    causa: str | None
    pacientes: int
    eventos: int | None


@dataclass
class Resultado:
    insertadas: int = 0
    actualizadas: int = 0
    eliminadas: int = 0
    sin_cambio: int = 0
    productos: list[str] = field(default_factory=list)

    def describir(self) -> str:
        partes = []
        if self.insertadas:
            partes.append(f"{self.insertadas:,} nueva(s)")
        if self.actualizadas:
            partes.append(f"{self.actualizadas:,} modificada(s)")
        if self.eliminadas:
            partes.append(f"{self.eliminadas:,} eliminada(s)")
        return "Líneas guardadas: " + ", ".join(partes) + "." if partes else "No había cambios que guardar."


def _vacio(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and not v.strip()


# A quantity as typed: ASCII digits, with no sign, decimal point or inner space, optionally grouped
# by commas every three digits ("2,989"). Anything else is refused, never read as something near it:
# "1,5" is not 15, "1e3" is not 1000, fullwidth "１２" is not 12. Leading zeros are read in base 10
# ("007" is 7): there is no other reading of them to confuse with.
_CANTIDAD = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+")
_REGLA_CANTIDAD = "escriba solo dígitos (0-9), sin signo, punto decimal ni espacios; la coma solo separa miles (2,989)"


def leer_cantidad(v: Any) -> int:
    """The whole number a quantity stands for, or CantidadInvalida with the rule it breaks (Spanish).

    Text is what the grid sends and is read strictly (`_CANTIDAD`). Python callers may pass ints,
    and floats that are exactly whole (3.0, as pandas gives a numeric column with gaps); 1.5 is
    refused, never rounded. The range (1 to CANTIDAD_MAXIMA) is checked by the caller.
    """
    if isinstance(v, bool):
        raise CantidadInvalida("debe ser un número entero.")
    if isinstance(v, str):
        texto = v.strip(" ")
        if not _CANTIDAD.fullmatch(texto):
            raise CantidadInvalida(f"«{visible(texto)}» no es un número válido: {_REGLA_CANTIDAD}.")
        digitos = texto.replace(",", "").lstrip("0") or "0"
        if len(digitos) > len(str(CANTIDAD_MAXIMA)):
            # Not converted: int() of thousands of digits is slow and refused by Python anyway.
            raise CantidadInvalida(f"({visible(texto)}) excede el máximo mensual permitido de {CANTIDAD_MAXIMA:,}.")
        return int(digitos)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real):
        v = float(v)
        if math.isinf(v) or math.isnan(v):
            raise CantidadInvalida("no es un número válido.")
        if not v.is_integer():
            raise CantidadInvalida(f"debe ser un número entero, sin decimales ({v:g}).")
        return int(v)
    raise CantidadInvalida("no es un número.")


def _cantidad(v: Any, etiqueta: str, errores: list[tuple[str | None, str]], prefijo: str, campo: str) -> int | None:
    if _vacio(v):
        return None
    try:
        n = leer_cantidad(v)
    except CantidadInvalida as exc:
        errores.append((campo, f"{prefijo}: {etiqueta} {exc}"))
        return None
    if n < 1:
        errores.append((campo, f"{prefijo}: {etiqueta} debe ser al menos 1 (escribió {n:,}); deje vacío si no hay."))
        return None
    if n > CANTIDAD_MAXIMA:
        errores.append(
            (campo, f"{prefijo}: {etiqueta} ({n:,}) excede el máximo mensual permitido de {CANTIDAD_MAXIMA:,}.")
        )
        return None
    return n


def validar_fila(fila: FilaCaptura, nombre_producto: str, ambito_default: str) -> tuple[LineaValida | None, list[str]]:
    """The line a grid row stands for (None: an empty row), or the reasons it is refused."""
    linea, errores = validar_campos(fila, nombre_producto, ambito_default)
    return linea, [mensaje for _, mensaje in errores]


def validar_campos(
    fila: FilaCaptura, nombre_producto: str, ambito_default: str
) -> tuple[LineaValida | None, list[tuple[str | None, str]]]:
    """`validar_fila` with each reason paired with the FilaCaptura field it is about (None: the whole row).

    The bulk upload (core.capture.plantilla) names the spreadsheet column from the field; the messages
    are the grid's, word for word."""
    prefijo = f"Producto {fila.producto} «{nombre_producto}»"
    errores: list[tuple[str | None, str]] = []
    exc_p = _cantidad(fila.exc_pacientes, "Excedente – pacientes mensuales", errores, prefijo, "exc_pacientes")
    exc_e = _cantidad(fila.exc_eventos, "Excedente – eventos mensuales", errores, prefijo, "exc_eventos")
    fal_p = _cantidad(fila.fal_pacientes, "Faltante – pacientes mensuales", errores, prefijo, "fal_pacientes")
    fal_e = _cantidad(fila.fal_eventos, "Faltante – eventos mensuales", errores, prefijo, "fal_eventos")
    hay_exc = not (_vacio(fila.exc_pacientes) and _vacio(fila.exc_eventos))
    hay_fal = not (_vacio(fila.fal_pacientes) and _vacio(fila.fal_eventos) and _vacio(fila.fal_causa))
    if hay_exc and hay_fal:
        errores.append(
            (
                None,
                f"{prefijo}: un mismo producto no puede ser Excedente y Faltante en la misma unidad médica; "
                "capture solo uno de los dos.",
            )
        )
        return None, errores
    if not hay_exc and not hay_fal:
        return None, errores
    tipo = "Excedente" if hay_exc else "Faltante"
    pre = "exc_" if hay_exc else "fal_"
    pacientes, eventos = (exc_p, exc_e) if hay_exc else (fal_p, fal_e)
    ambito_raw = fila.exc_ambito if hay_exc else fila.fal_ambito
    ambito = ambito_default if _vacio(ambito_raw) else str(ambito_raw).strip()
    if ambito not in AMBITOS:
        errores.append(
            (pre + "ambito", f"{prefijo}: Ambulatorio/Hospitalario debe ser «Ambulatorio» u «Hospitalario».")
        )
    causa = None
    if tipo == "Faltante":
        causa = None if _vacio(fila.fal_causa) else str(fila.fal_causa).strip()
        if causa is None:
            errores.append(("fal_causa", f"{prefijo}: el Faltante requiere la causa principal."))
        elif causa not in CAUSAS:
            errores.append(
                ("fal_causa", f"{prefijo}: causa principal «{causa}» no válida; elija una de: {', '.join(CAUSAS)}.")
            )
    campo_p = f"{tipo} – pacientes mensuales"
    if pacientes is None and not any(campo_p in e for _, e in errores):
        errores.append((pre + "pacientes", f"{prefijo}: el {tipo} requiere pacientes mensuales."))
    if pacientes is not None and eventos is not None and eventos < pacientes:
        errores.append(
            (
                pre + "eventos",
                f"{prefijo}: {tipo} – los eventos mensuales ({eventos:,}) no pueden ser menos que los "
                f"pacientes mensuales ({pacientes:,}); cada paciente es al menos un evento.",
            )
        )
    if errores:
        return None, errores
    return LineaValida(fila.producto, tipo, ambito, causa, pacientes, eventos), []


# -- saving ------------------------------------------------------------------------------------
_COLUMNAS = ("tipo", "ambito", "causa", "pacientes", "eventos")


def guardar(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    unidad: str,
    filas: list[FilaCaptura],
    *,
    confirmados: Iterable[atipicos.Aviso | tuple] = (),
) -> Resultado:
    """Paso 6 Guardar: only the rows this person changed, all or nothing.

    Outlying figures (core.capture.atipicos) are checked after the rules and the conflicts, before
    anything is written: a warning not among `confirmados` (the warnings the person confirmed, as
    `ConfirmacionPendiente.avisos` returned them, or their `clave`) refuses the save whole with
    ConfirmacionPendiente, carrying the unconfirmed warnings; the caller asks the person and saves
    again with them added to `confirmados`. The warnings confirmed are recorded in the audit trail in
    the save's own transaction. A confirmation covers one figure of one row (unit, product, figure,
    value): it confirms nothing else."""
    return guardar_unidades(store, cuenta, persona, anio, {unidad: filas}, confirmados=confirmados)[unidad]


def guardar_unidades(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    por_unidad: dict[str, list[FilaCaptura]],
    *,
    confirmados: Iterable[atipicos.Aviso | tuple] = (),
) -> dict[str, Resultado]:
    """`guardar` for several units in one transaction (the Excel upload): each unit's rows with the
    same rules, conflicts and audit rows as its own save, and one outlier check for all of them (one
    query: about 35 ms a call, which a unit at a time made seconds for a large OOAD/UMAE's file).
    The first refusal (rules, conflicts, unconfirmed outliers of any unit) stops it; nothing is written."""
    confirmados = tuple(confirmados)
    ooads: dict[str, str] = {}
    for unidad, filas in por_unidad.items():
        ooads[unidad] = _unidad_de(store, unidad)
        permisos.exigir_captura_ooad(cuenta, ooads[unidad])
        vistos: set[str] = set()
        for f in filas:
            if f.producto in vistos:
                raise ErrorDominio(f"El producto {f.producto} aparece dos veces en el guardado.")
            vistos.add(f.producto)

    def trabajo(tx) -> dict[str, Resultado]:
        for ooad in sorted(set(ooads.values())):
            acciones.exigir(store, cuenta, anio, ooad, acciones.CAPTURAR)
        preparadas = {u: _preparar(tx, anio, u, filas) for u, filas in por_unidad.items()}
        # Read inside this transaction: a figure saved meanwhile by someone else moves the range
        # the same way for the check and for the record.
        if len(preparadas) == 1:  # a Paso 6 save: the unit's own check
            [(unidad, (lineas, _e, _r))] = preparadas.items()
            avisos = atipicos.revisar(store, cuenta, anio, unidad, lineas)
        else:
            avisos = atipicos.revisar_lineas(
                store, cuenta, anio, [(u, linea) for u, (lineas, _e, _r) in preparadas.items() for linea in lineas]
            )
        if pendientes := atipicos.sin_confirmar(avisos, confirmados):
            raise ConfirmacionPendiente(pendientes)
        for unidad, (_l, escrituras, res) in preparadas.items():
            _escribir_lineas(tx, cuenta.usuario, persona, anio, ooads[unidad], unidad, escrituras, res)
        atipicos.registrar_confirmacion(store, cuenta, persona, anio, avisos)
        return {u: res for u, (_l, _e, res) in preparadas.items()}

    return store.escribir(trabajo)


def _preparar(
    tx, anio: int, unidad: str, filas: list[FilaCaptura]
) -> tuple[list[LineaValida | None], list[tuple[str, dict | None, dict | None]], Resultado]:
    """One unit's rows checked inside `tx` (catalog, rules, versions): (the validated lines in the rows'
    order, the writes for `_escribir_lineas`, the Resultado counting the rows without change)."""
    catalogo = {}
    if filas:
        claves = [f.producto for f in filas]
        for clave, nombre_p, amb in tx.execute(
            "SELECT clave, nombre, ambito_default FROM producto WHERE activo AND list_contains(?, clave)",
            [claves],
        ).fetchall():
            catalogo[clave] = (nombre_p, amb)
    errores: list[str] = []
    nuevas: dict[str, LineaValida | None] = {}
    for f in filas:
        if f.producto not in catalogo:
            errores.append(f"Producto {f.producto}: no existe en el catálogo vigente.")
            continue
        linea, errs = validar_fila(f, *catalogo[f.producto])
        errores.extend(errs)
        nuevas[f.producto] = linea
    if errores:
        raise CapturaInvalida(errores)

    actuales = {}
    if filas:
        for r in tx.execute(
            "SELECT producto, version, tipo, ambito, causa, pacientes, eventos, modificada_persona,"
            " modificada_por, modificada_en FROM linea"
            " WHERE anio = ? AND unidad = ? AND list_contains(?, producto)",
            [anio, unidad, [f.producto for f in filas]],
        ).fetchall():
            actuales[r[0]] = r
    conflictos = []
    for f in filas:
        actual = actuales.get(f.producto)
        version_actual = actual[1] if actual else None
        if version_actual != f.version:
            if actual:
                quien = actual[7] or actual[8]
                detalle = f"modificado por {quien} el {reloj.fecha_hora(actual[9])}"
            else:
                detalle = "eliminado por otra persona"
            conflictos.append(f"Producto {f.producto} «{catalogo[f.producto][0]}»: {detalle}.")
    if conflictos:
        raise ConflictoEdicion(conflictos)

    res = Resultado()
    escrituras = []
    for f in filas:
        linea = nuevas[f.producto]
        actual = actuales.get(f.producto)
        antes = dict(zip(_COLUMNAS, actual[2:7], strict=False)) if actual else None
        despues = None if linea is None else {c: getattr(linea, c) for c in _COLUMNAS}
        if antes == despues:
            res.sin_cambio += 1
            continue
        escrituras.append((f.producto, antes, despues))
    return [nuevas[f.producto] for f in filas], escrituras, res


def _escribir_lineas(
    tx,
    quien: str,
    persona: str | None,
    anio: int,
    ooad: str,
    unidad: str,
    escrituras: list[tuple[str, dict | None, dict | None]],
    res: Resultado,
) -> None:
    """Write already validated and conflict-checked line changes of one unit inside `tx`, with one audit
    row per line; `escrituras` holds (product, before, after), None meaning no line.

    Set-based (a few statements whatever the number of lines): the bulk upload (core.capture.plantilla)
    writes thousands of lines through `guardar`, and a statement per line held the writer lock for
    about 1.5 ms each. Only core's saves call it, after their own checks; it checks nothing."""
    if not escrituras:
        return
    momento = reloj.ahora()
    borrar = [p for p, _a, d in escrituras if d is None]
    crear = [(p, d) for p, a, d in escrituras if a is None and d is not None]
    cambiar = [(p, d) for p, a, d in escrituras if a is not None and d is not None]
    if borrar:
        tx.execute(
            "DELETE FROM linea WHERE anio = ? AND unidad = ? AND list_contains(?, producto)", [anio, unidad, borrar]
        )
    for filas_sql, sql in (
        (
            crear,
            "INSERT INTO linea (anio, ooad, unidad, producto, tipo, ambito, causa, pacientes, eventos,"
            " modificada_en, modificada_por, modificada_persona)"
            " SELECT ?, ?, ?, f.producto, f.tipo, f.ambito, f.causa, f.pacientes, f.eventos, ?, ?, ?"
            " FROM _lineas_a_escribir f ORDER BY f.n",
        ),
        (
            cambiar,
            "UPDATE linea SET tipo = f.tipo, ambito = f.ambito, causa = f.causa, pacientes = f.pacientes,"
            " eventos = f.eventos, version = linea.version + 1, modificada_en = ?, modificada_por = ?,"
            " modificada_persona = ? FROM _lineas_a_escribir f"
            " WHERE linea.anio = ? AND linea.unidad = ? AND linea.producto = f.producto",
        ),
    ):
        if not filas_sql:
            continue
        tx.register("_lineas_a_escribir", _tabla_lineas(filas_sql))
        try:
            if filas_sql is crear:
                tx.execute(sql, [anio, ooad, unidad, momento, quien, persona])
            else:
                tx.execute(sql, [momento, quien, persona, anio, unidad])
        finally:
            tx.unregister("_lineas_a_escribir")
    filas_auditoria = []
    for producto, antes, despues in escrituras:
        if despues is None:
            res.eliminadas += 1
            accion = "línea eliminada"
        elif antes is None:
            res.insertadas += 1
            accion = "línea creada"
        else:
            res.actualizadas += 1
            accion = "línea modificada"
        res.productos.append(producto)
        filas_auditoria.append((accion, unidad, producto, antes, despues))
    auditoria.registrar_varios(tx, quien=quien, persona=persona, anio=anio, ooad=ooad, filas=filas_auditoria)


def _tabla_lineas(filas: list[tuple[str, dict]]) -> pa.Table:
    return pa.table(
        {
            "n": list(range(len(filas))),
            "producto": [p for p, _ in filas],
            "tipo": [d["tipo"] for _, d in filas],
            "ambito": [d["ambito"] for _, d in filas],
            "causa": [d["causa"] for _, d in filas],
            "pacientes": [d["pacientes"] for _, d in filas],
            "eventos": [d["eventos"] for _, d in filas],
        },
        schema=pa.schema(
            [
                ("n", pa.int64()),
                ("producto", pa.string()),
                ("tipo", pa.string()),
                ("ambito", pa.string()),
                ("causa", pa.string()),
                ("pacientes", pa.int32()),
                ("eventos", pa.int32()),
            ]
        ),
    )


def lineas_propias(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> pd.DataFrame:
    """A capturista's saved lines of its own OOAD/UMAE, with Spanish headers, ready to download."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    df = lineas_ooad(store, cuenta, anio, ooad)
    return pd.DataFrame(
        {
            "Clave de la Unidad Médica": df["unidad"],
            "Unidad Médica": df["unidad_nombre"],
            "Grupo de Servicio": df["grupo"],
            "Especialidad Troncal": df["especialidad"],
            "Clave del producto": df["producto"],
            "Producto": df["producto_nombre"],
            "Excedente/Faltante": df["tipo"],
            "Ambulatorio/Hospitalario": df["ambito"],
            "Causa Principal": df["causa"],
            "Eventos Mensuales": df["eventos"].astype("Int64"),
            "Pacientes Mensuales": df["pacientes"].astype("Int64"),
        }
    )
