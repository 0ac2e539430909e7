"""Bulk capture from an Excel template (what DHIS2 and REDCap call data import).

An OOAD/UMAE with dozens of units downloads one workbook (`plantilla`): a sheet of its current
lines, one row per line, with drop-down lists for the kind, cause and ámbito, its own units and the
active product catalog as lookup sheets, and two things the person does not see: a hidden column
with each line's version and a very hidden sheet saying which OOAD/UMAE, period and moment of the
audit trail the download reflects. The person edits it and uploads it back:

- `leer` checks the file by its content (a real .xlsx within the size limits, the expected sheet and
  headers) and every row with the grid's own rules and messages (`captura.validar_campos`), naming
  row and column; then compares it with what is saved: per unit, the new, changed and removed lines,
  the lines someone changed after the download (conflicts), the units with other people's
  unsaved drafts and the figures far from what their product usually has (`core.capture.atipicos`,
  confirmed once for the whole file). It writes nothing.
- `aplicar` writes that preview in one transaction through `captura.guardar_unidades` (the same rules,
  version check and audit rows as a Paso 6 save), after `acciones.exigir(CAPTURAR)`, re-checking
  the conflicts inside the transaction. Lines absent from the file are removed only when the person
  confirmed it (`eliminar=True`); outlying figures are written only when confirmed (`confirmados`).

Why the audit trail marks the download: a line the person deleted from the sheet takes its version
with it, and a line created by someone else after the download is not in the sheet at all. The
highest audit row id at download time (`auditoria.generacion`) tells both apart from a line the
person meant to remove: every line change writes an audit row in its own transaction, so a line
whose last audit row is newer changed after the download.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from openpyxl import load_workbook

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, exportar, reloj
from core.base.errors import ErrorDominio, PlantillaEnConflicto, PlantillaInvalida
from core.base.store import Store
from core.base.texto import normalizar, orden_natural, revisar_caracteres, visible
from core.capture import atipicos, borradores, captura
from core.capture.captura import AMBITOS, CAUSAS, FilaCaptura, LineaValida
from core.lifecycle import acciones

log = logging.getLogger(__name__)

# -- limits ----------------------------------------------------------------------------------------
# The largest OOAD/UMAE has 120 units; 20,000 lines is 166 per unit, far beyond a month's report,
# and still reads and checks in a few seconds. A file with more rows is a wrong file or a paste gone
# wrong, refused before its rows are checked.
FILAS_MAXIMAS = 20_000
# The template of the largest OOAD/UMAE with 20,000 lines and the whole product catalog weighs about
# 1.5 MB; 10 MB leaves room for what Excel adds when it saves and refuses a video or a dump at once.
TAMANO_MAXIMO = 10 * 1024 * 1024
# What the file's parts may add up to once decompressed, read from the zip's directory before any
# part is opened: that template is about 10.5 MB of XML (12.5 MB once openpyxl saves it again). A zip
# bomb (a few KB that inflate to gigabytes) is refused here, before openpyxl parses anything, and
# this bounds the parse (about 4 s for that template on this machine).
DESCOMPRIMIDO_MAXIMO = 40 * 1024 * 1024
# Rows past this one are not read: a figure typed there is a stray cell, not a line.
ULTIMA_FILA = 100_000
# A text cell (a unit, a product code, a choice): as long as a catalog name may be (importacion).
CELDA_MAXIMA = 300
# Empty rows prepared below the lines, with the product-name lookup already in them.
FILAS_EN_BLANCO = 300
# Problems listed in the refusal; the count says how many more there were.
MAX_PROBLEMAS = 200

FORMATO = "eyf-plantilla-captura-1"
HOJA = "Líneas"
HOJA_UNIDADES = "Unidades"
HOJA_PRODUCTOS = "Productos"
HOJA_INSTRUCCIONES = "Instrucciones"
HOJA_CONTROL = "control"

UNIDAD, CLAVE, PRODUCTO, TIPO, CAUSA, AMBITO, EVENTOS, PACIENTES, VERSION = range(9)
ENCABEZADOS = (
    "Unidad Médica",
    "Clave de producto",
    "Producto",
    "Excedente/Faltante",
    "Causa Principal",
    "Ambulatorio/Hospitalario",
    "Eventos Mensuales",
    "Pacientes Mensuales",
    "Versión (no modificar)",
)
TIPOS = ("Excedente", "Faltante")
# The grid's fields, by the template column they come from.
_COLUMNA_DE_CAMPO = {
    "exc_pacientes": PACIENTES,
    "fal_pacientes": PACIENTES,
    "exc_eventos": EVENTOS,
    "fal_eventos": EVENTOS,
    "exc_ambito": AMBITO,
    "fal_ambito": AMBITO,
    "fal_causa": CAUSA,
}
_ACCIONES_LINEA = ("línea creada", "línea modificada", "línea eliminada", "línea eliminada (respuesta NO)")
_CAMPOS = ("tipo", "ambito", "causa", "pacientes", "eventos")
_CLAVE_EN_ETIQUETA = re.compile(r"\(([^()]*)\)\s*$")

NUEVA, MODIFICADA, ELIMINADA = "nueva", "modificada", "se eliminará"


# -- the preview ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registro:
    """One row of the file, checked: the line it stands for (None: a row with no kind or figures)."""

    fila: int
    unidad: str
    producto: str
    linea: LineaValida | None
    version: int | None  # the hidden column: the line's version at download (None: a new row)


@dataclass(frozen=True)
class Cambio:
    """What applying the file does to one line."""

    accion: str  # NUEVA, MODIFICADA or ELIMINADA
    unidad: str
    unidad_nombre: str
    producto: str
    producto_nombre: str
    fila: int | None  # the file's row (None: a saved line absent from the file)
    antes: dict | None
    despues: dict | None
    version: int | None  # the saved line's version when the preview was made


@dataclass(frozen=True)
class Conflicto:
    unidad: str
    unidad_nombre: str
    producto: str
    producto_nombre: str
    fila: int | None
    detalle: str

    def describir(self) -> str:
        donde = f" (fila {self.fila:,})" if self.fila else " (no está en su archivo)"
        return (
            f"{self.unidad_nombre} ({self.unidad}) · producto {self.producto} «{self.producto_nombre}»: "
            f"{self.detalle}{donde}."
        )


@dataclass(frozen=True)
class Borrador:
    """Someone else's unsaved Paso 6 edits in a unit the upload changes."""

    unidad: str
    unidad_nombre: str
    persona: str
    productos: int


@dataclass(frozen=True)
class Vista:
    """What uploading a file would do; `aplicar` writes exactly this or refuses."""

    anio: int
    ooad: str
    archivo: str
    sha256: str
    generacion: int  # the audit trail's last row at download
    registros: tuple[Registro, ...] = field(repr=False)
    cambios: tuple[Cambio, ...]
    sin_cambio: int
    conflictos: tuple[Conflicto, ...]
    borradores: tuple[Borrador, ...]
    avisos: tuple[str, ...] = ()
    atipicos: tuple[atipicos.Aviso, ...] = ()  # figures far from their product's usual range

    def _de(self, accion: str) -> list[Cambio]:
        return [c for c in self.cambios if c.accion == accion]

    @property
    def nuevas(self) -> list[Cambio]:
        return self._de(NUEVA)

    @property
    def modificadas(self) -> list[Cambio]:
        return self._de(MODIFICADA)

    @property
    def eliminadas(self) -> list[Cambio]:
        return self._de(ELIMINADA)

    @property
    def hay_cambios(self) -> bool:
        return bool(self.cambios)

    def motivo(self, eliminar: bool, atipicos_confirmados: bool = False) -> str | None:
        """Why `aplicar(..., eliminar=eliminar)` would refuse this preview (Spanish), or None;
        `atipicos_confirmados`: the person confirmed the preview's outlying figures."""
        if self.conflictos:
            return PlantillaEnConflicto([c.describir() for c in self.conflictos]).args[0]
        if not (self.nuevas or self.modificadas or (eliminar and self.eliminadas)):
            return "No hay cambios que guardar: el archivo coincide con lo guardado."
        if self.atipicos and not atipicos_confirmados:
            return (
                f"Confirme las {len(self.atipicos):,} cifra(s) poco habitual(es) de la lista o corríjalas en el "
                "archivo y súbalo de nuevo."
            )
        return None

    def resumen(self) -> str:
        unidades = len({c.unidad for c in self.cambios})
        texto = (
            f"«{self.archivo}»: {len(self.registros):,} línea(s) en el archivo. Nuevas: {len(self.nuevas):,}; "
            f"modificadas: {len(self.modificadas):,}; se eliminarán (si lo confirma): {len(self.eliminadas):,}; "
            f"sin cambio: {self.sin_cambio:,}; en {unidades:,} unidad(es) médica(s)."
        )
        if self.atipicos:
            texto += f" {len(self.atipicos):,} cifra(s) poco habitual(es) por confirmar."
        if self.conflictos:
            texto += f" {len(self.conflictos):,} línea(s) cambiaron después de la descarga: no se puede guardar."
        return texto

    def por_unidad(self) -> pd.DataFrame:
        """One row per unit the upload changes: how many lines are new, changed and to be removed."""
        filas: dict[str, dict] = {}
        for c in self.cambios:
            f = filas.setdefault(
                c.unidad,
                {"Unidad Médica": c.unidad_nombre, "Clave": c.unidad, NUEVA: 0, MODIFICADA: 0, ELIMINADA: 0},
            )
            f[c.accion] += 1
        pendientes: dict[str, list[str]] = {}
        for b in self.borradores:
            pendientes.setdefault(b.unidad, []).append(f"{b.persona} ({b.productos:,})")
        df = pd.DataFrame(
            list(filas.values()), columns=["Unidad Médica", "Clave", NUEVA, MODIFICADA, ELIMINADA]
        ).rename(columns={NUEVA: "Nuevas", MODIFICADA: "Modificadas", ELIMINADA: "Se eliminarán"})
        df["Cambios sin guardar de otras personas"] = [", ".join(pendientes.get(u, [])) for u in df["Clave"]]
        return df

    def tabla(self) -> pd.DataFrame:
        """Every change, line by line, in words."""
        return pd.DataFrame(
            [
                {
                    "Unidad Médica": c.unidad_nombre,
                    "Clave de producto": c.producto,
                    "Producto": c.producto_nombre,
                    "Cambio": c.accion,
                    "Antes": _describir(c.antes),
                    "Después": _describir(c.despues),
                    "Fila": c.fila,
                }
                for c in self.cambios
            ],
            columns=["Unidad Médica", "Clave de producto", "Producto", "Cambio", "Antes", "Después", "Fila"],
        ).astype({"Fila": "Int64"})

    def tabla_atipicos(self) -> pd.DataFrame:
        """The outlying figures with the file's row, Spanish headers."""
        filas = {(c.unidad, c.producto): c.fila for c in self.cambios}
        df = atipicos.tabla(self.atipicos)
        df.insert(0, "Fila", pd.array([filas.get((a.unidad, a.producto)) for a in self.atipicos], dtype="Int64"))
        return df

    def tabla_conflictos(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "Unidad Médica": c.unidad_nombre,
                    "Clave de producto": c.producto,
                    "Producto": c.producto_nombre,
                    "Qué pasó": c.detalle,
                    "Fila": c.fila,
                }
                for c in self.conflictos
            ],
            columns=["Unidad Médica", "Clave de producto", "Producto", "Qué pasó", "Fila"],
        ).astype({"Fila": "Int64"})

    def _firma(self) -> tuple:
        return tuple(sorted((c.accion, c.unidad, c.producto, str(c.despues), c.version) for c in self.cambios))


@dataclass(frozen=True)
class Resumen:
    insertadas: int
    actualizadas: int
    eliminadas: int
    conservadas: int  # lines absent from the file, kept because the removal was not confirmed
    unidades: int

    def describir(self) -> str:
        partes = [
            f"{self.insertadas:,} nueva(s)",
            f"{self.actualizadas:,} modificada(s)",
            f"{self.eliminadas:,} eliminada(s)",
        ]
        texto = f"Plantilla guardada en {self.unidades:,} unidad(es) médica(s): " + ", ".join(partes) + "."
        if self.conservadas:
            texto += f" Se conservaron {self.conservadas:,} línea(s) que no estaban en el archivo."
        return texto


def _describir(valores: dict | None) -> str:
    if valores is None:
        return ""
    return borradores.describir_linea(*(valores[c] for c in _CAMPOS))


# -- what the store holds ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Actual:
    version: int
    valores: dict
    quien: str
    en: Any


def _unidades_propias(store: Store, ooad: str) -> list[tuple[str, str, str, str | None]]:
    return store.filas(
        "SELECT clave, nombre, tipo_unidad, localidad FROM unidad WHERE ooad = ? AND activa"
        f" ORDER BY tipo_unidad, {orden_natural('nombre')}",
        [ooad],
    )


def _etiqueta(clave: str, nombre: str) -> str:
    """How a unit is chosen in the template's list: name first (people read it), key to be exact."""
    return f"{nombre} ({clave})"


def _actuales(store: Store, anio: int, ooad: str) -> dict[tuple[str, str], _Actual]:
    """The OOAD/UMAE's lines the template covers: active units, active products (the grid's)."""
    return {
        (u, p): _Actual(v, dict(zip(_CAMPOS, resto, strict=True)), quien, en)
        for u, p, v, quien, en, *resto in store.filas(
            "SELECT l.unidad, l.producto, l.version, coalesce(l.modificada_persona, l.modificada_por),"
            " l.modificada_en, l.tipo, l.ambito, l.causa, l.pacientes, l.eventos"
            " FROM linea l JOIN unidad u ON u.clave = l.unidad AND u.activa AND u.ooad = l.ooad"
            " JOIN producto p ON p.clave = l.producto AND p.activo WHERE l.anio = ? AND l.ooad = ?",
            [anio, ooad],
        )
    }


def _cambiadas_desde(store: Store, anio: int, ooad: str, generacion: int) -> dict[tuple[str, str], tuple]:
    """Lines whose last audit row is newer than the download: (action, who, when) of that row."""
    return {
        (u, p): (accion, quien, en)
        for u, p, accion, quien, en in store.filas(
            "SELECT unidad, objeto, accion, quien, en FROM (SELECT unidad, objeto, accion,"
            " coalesce(persona, cuenta) AS quien, en,"
            " row_number() OVER (PARTITION BY unidad, objeto ORDER BY id DESC) AS n FROM auditoria"
            " WHERE id > ? AND anio = ? AND ooad = ? AND list_contains(?, accion)"
            " AND unidad IS NOT NULL AND objeto IS NOT NULL) AS q WHERE n = 1",
            [generacion, anio, ooad, list(_ACCIONES_LINEA)],
        )
    }


# -- download --------------------------------------------------------------------------------------
def plantilla(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> bytes:
    """The .xlsx template of an OOAD/UMAE's capture: its current lines, lists and lookup sheets.

    Anyone who may read the OOAD/UMAE may download it; only its capturistas may upload it back.
    Every text is written as text and neutralised (`exportar.neutralizar`): nothing runs as a formula
    but the product-name lookup the template writes itself."""
    cuenta = permisos.exigir_lectura_ooad(cuenta, ooad)
    etiqueta_ooad = captura.etiqueta_ooad(store, ooad)
    # The audit trail's mark first, then the lines: a save in between makes the mark older than the
    # line (a needless conflict on upload), never the reverse (a change the upload would overwrite).
    generacion = auditoria.generacion(store)
    unidades = _unidades_propias(store, ooad)
    nombres_unidad = {u[0]: u[1] for u in unidades}
    productos = store.filas(
        "SELECT p.clave, p.nombre, g.nombre, s.nombre, p.ambito_default FROM producto p"
        " JOIN especialidad s ON s.clave = p.especialidad JOIN grupo g ON g.clave = s.grupo"
        " WHERE p.activo ORDER BY g.orden, s.orden, p.clave"
    )
    nombres_producto = {p[0]: p[1] for p in productos}
    actuales = _actuales(store, anio, ooad)
    orden_unidad = {u[0]: i for i, u in enumerate(unidades)}
    claves = sorted(
        actuales,
        key=lambda k: (orden_unidad.get(k[0], 0), actuales[k].valores["tipo"] != "Excedente", k[1]),
    )
    lineas = exportar.neutralizar(
        pd.DataFrame(
            {
                "unidad": [_etiqueta(u, nombres_unidad[u]) for u, _ in claves],
                "clave": [p for _, p in claves],
                "producto": [nombres_producto[p] for _, p in claves],
            },
            dtype=object,
        )
    )
    textos = list(zip(lineas["unidad"].tolist(), lineas["clave"].tolist(), lineas["producto"].tolist(), strict=True))

    salida = io.BytesIO()
    libro = xlsxwriter.Workbook(
        salida,
        {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    encabezado = libro.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": "#13322B", "border": 1, "text_wrap": True, "valign": "top"}
    )
    texto = libro.add_format({"num_format": "@"})
    entero = libro.add_format({"num_format": "#,##0"})
    gris = libro.add_format({"font_color": "#555555"})

    hoja = libro.add_worksheet(HOJA)
    hoja.write_row(0, 0, ENCABEZADOS, encabezado)
    for col, ancho in zip(range(len(ENCABEZADOS)), (42, 16, 50, 18, 22, 24, 14, 14, 10), strict=True):
        hoja.set_column(col, col, ancho, gris if col == PRODUCTO else texto)
    hoja.set_column(VERSION, VERSION, 10, texto, {"hidden": True})
    for i, (clave, (texto_unidad, texto_clave, texto_producto)) in enumerate(zip(claves, textos, strict=True), start=1):
        a = actuales[clave]
        hoja.write_string(i, UNIDAD, texto_unidad)
        hoja.write_string(i, CLAVE, texto_clave)
        hoja.write_formula(i, PRODUCTO, _busqueda(i), gris, texto_producto)
        hoja.write_string(i, TIPO, a.valores["tipo"])
        if a.valores["causa"]:
            hoja.write_string(i, CAUSA, a.valores["causa"])
        hoja.write_string(i, AMBITO, a.valores["ambito"])
        if a.valores["eventos"] is not None:
            hoja.write_number(i, EVENTOS, a.valores["eventos"], entero)
        hoja.write_number(i, PACIENTES, a.valores["pacientes"], entero)
        hoja.write_number(i, VERSION, a.version)
    for i in range(len(claves) + 1, len(claves) + 1 + FILAS_EN_BLANCO):
        hoja.write_formula(i, PRODUCTO, _busqueda(i), gris, "")
    _validaciones(hoja, len(unidades))
    hoja.freeze_panes(1, 0)
    hoja.activate()

    _hoja_tabla(
        libro,
        HOJA_UNIDADES,
        encabezado,
        pd.DataFrame(
            [(_etiqueta(c, n), c, n, t, loc) for c, n, t, loc in unidades],
            columns=["Unidad Médica (como se elige en la lista)", "Clave", "Nombre", "Tipo de unidad", "Localidad"],
            dtype=object,
        ),
        (48, 16, 40, 14, 28),
    )
    _hoja_tabla(
        libro,
        HOJA_PRODUCTOS,
        encabezado,
        pd.DataFrame(
            productos,
            columns=[
                "Clave de producto",
                "Producto",
                "Grupo de Servicio",
                "Especialidad Troncal",
                "Ámbito del catálogo",
            ],
            dtype=object,
        ),
        (16, 70, 28, 34, 18),
    )
    _instrucciones(libro, encabezado, etiqueta_ooad, anio)
    control = libro.add_worksheet(HOJA_CONTROL)
    for i, (k, v) in enumerate(
        (
            ("formato", FORMATO),
            ("anio", str(anio)),
            ("ooad", ooad),
            ("generacion", str(generacion)),
            ("descargada_en", reloj.fecha_hora(reloj.ahora())),
            ("descargada_por", cuenta.usuario),
        )
    ):
        control.write_string(i, 0, k)
        control.write_string(i, 1, exportar.neutralizar(pd.DataFrame({"v": [v]}, dtype=object)).at[0, "v"])
    control.very_hidden()
    libro.close()
    return salida.getvalue()


def _busqueda(fila0: int) -> str:
    """The product's name from the Productos sheet, for people; the upload ignores this column."""
    r = fila0 + 1
    return f'=IFERROR(VLOOKUP($B{r},{HOJA_PRODUCTOS}!$A:$B,2,FALSE),"")'


def _validaciones(hoja, n_unidades: int) -> None:
    primera, ultima = 1, FILAS_MAXIMAS
    if n_unidades:
        hoja.data_validation(
            primera,
            UNIDAD,
            ultima,
            UNIDAD,
            {
                "validate": "list",
                "source": f"={HOJA_UNIDADES}!$A$2:$A${n_unidades + 1}",
                "error_type": "warning",
                "error_title": "Unidad Médica",
                "error_message": "Elija la unidad de la lista (hoja «Unidades») o escriba su clave.",
            },
        )
    for col, valores, titulo, mensaje in (
        (TIPO, TIPOS, "Excedente/Faltante", "Elija Excedente o Faltante."),
        (CAUSA, CAUSAS, "Causa Principal", "Solo para Faltante (obligatoria); el Excedente no lleva causa."),
        (AMBITO, AMBITOS, "Ambulatorio/Hospitalario", "Vacío: se toma el ámbito del catálogo del producto."),
    ):
        hoja.data_validation(
            primera,
            col,
            ultima,
            col,
            {
                "validate": "list",
                "source": list(valores),
                "input_title": titulo[:32],
                "input_message": mensaje,
                "error_title": titulo[:32],
                "error_message": "Elija un valor de la lista: " + ", ".join(valores) + ".",
            },
        )
    for col, titulo in ((EVENTOS, "Eventos Mensuales"), (PACIENTES, "Pacientes Mensuales")):
        hoja.data_validation(
            primera,
            col,
            ultima,
            col,
            {
                "validate": "any",
                "input_title": titulo,
                "input_message": f"Número entero de 1 a {captura.CANTIDAD_MAXIMA:,}, sin decimales."
                + (" Pacientes es obligatorio." if col == PACIENTES else " No menor que los pacientes."),
            },
        )


def _hoja_tabla(libro, nombre: str, encabezado, df: pd.DataFrame, anchos: Iterable[int]) -> None:
    hoja = libro.add_worksheet(nombre)
    datos = exportar.neutralizar(df)
    hoja.write_row(0, 0, list(datos.columns), encabezado)
    for j, ancho in enumerate(anchos):
        hoja.set_column(j, j, ancho)
    for j, col in enumerate(datos.columns):
        for i, v in enumerate(datos[col].tolist(), start=1):
            if isinstance(v, str) and v:
                hoja.write_string(i, j, v)
    hoja.freeze_panes(1, 0)
    hoja.autofilter(0, 0, max(len(datos), 1), len(datos.columns) - 1)


def _instrucciones(libro, encabezado, etiqueta_ooad: str, anio: int) -> None:
    hoja = libro.add_worksheet(HOJA_INSTRUCCIONES)
    hoja.set_column(0, 0, 120)
    nombre = exportar.neutralizar(pd.DataFrame({"v": [etiqueta_ooad]}, dtype=object)).at[0, "v"]
    lineas = [
        f"Plantilla de captura de {nombre}, periodo {anio}, descargada el {reloj.fecha_hora(reloj.ahora())}.",
        "Una fila por línea: la unidad médica, la clave del producto y su Excedente o Faltante del mes.",
        "Unidad Médica: elíjala de la lista (hoja «Unidades») o escriba su clave.",
        "Clave de producto: búsquela por nombre en la hoja «Productos» (use el filtro) y escriba la clave.",
        "La columna Producto muestra el nombre para leerlo; al subir el archivo se ignora.",
        f"Excedente/Faltante: {' o '.join(TIPOS)}. Causa Principal: solo el Faltante, una de: {', '.join(CAUSAS)}.",
        "Ambulatorio/Hospitalario: vacío toma el del catálogo del producto.",
        f"Pacientes Mensuales (obligatorio) y Eventos Mensuales: números enteros de 1 a {captura.CANTIDAD_MAXIMA:,}, "
        "sin decimales; los eventos no pueden ser menos que los pacientes.",
        "Un producto aparece una sola vez por unidad médica. Para eliminar una línea, borre su fila: "
        "al subir el archivo se le pedirá confirmarlo.",
        "No cambie los encabezados ni la columna oculta «Versión»: con ella se detecta si otra persona "
        "modificó una línea después de esta descarga; en ese caso no se guarda nada y debe descargar de nuevo.",
        f"Límites: hasta {FILAS_MAXIMAS:,} líneas y {TAMANO_MAXIMO // 1024 // 1024} MB por archivo.",
        "Suba el archivo en el Paso 3; antes de guardar verá, por unidad, las líneas nuevas, modificadas y "
        "las que se eliminarán, y los errores por fila y columna.",
    ]
    hoja.write_string(0, 0, "Instrucciones", encabezado)
    for i, t in enumerate(lineas, start=1):
        hoja.write_string(i, 0, t)


# -- upload: reading the file ----------------------------------------------------------------------
def _nombre_archivo(nombre: str | None) -> str:
    limpio = Path((nombre or "archivo").replace("\\", "/")).name[:200] or "archivo"
    return visible(limpio, 200)


def _revisar_zip(archivo: str, datos: bytes) -> None:
    """The file is an .xlsx by its content, and small enough to read, before any parser sees it."""
    if not datos:
        raise PlantillaInvalida(archivo, [(None, None, "el archivo está vacío.")])
    if len(datos) > TAMANO_MAXIMO:
        raise PlantillaInvalida(
            archivo,
            [
                (
                    None,
                    None,
                    f"pesa {len(datos) / 1024 / 1024:,.1f} MB; el máximo es {TAMANO_MAXIMO // 1024 // 1024} MB.",
                )
            ],
        )
    if not datos.startswith(b"PK\x03\x04"):
        que = (
            "un libro de Excel antiguo (.xls): ábralo en Excel y guárdelo como .xlsx"
            if datos.startswith(b"\xd0\xcf\x11\xe0")
            else "otro tipo de archivo"
        )
        raise PlantillaInvalida(
            archivo,
            [(None, None, f"no es un libro de Excel (.xlsx) sino {que}. Suba la plantilla descargada del Paso 3.")],
        )
    try:
        with zipfile.ZipFile(io.BytesIO(datos)) as z:
            partes = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise PlantillaInvalida(
            archivo, [(None, None, f"el archivo está dañado: no es un .xlsx legible ({type(exc).__name__}).")]
        ) from None
    total = sum(p.file_size for p in partes)
    if total > DESCOMPRIMIDO_MAXIMO or len(partes) > 1_000:
        raise PlantillaInvalida(
            archivo,
            [
                (
                    None,
                    None,
                    f"su contenido descomprimido ocupa {total / 1024 / 1024:,.0f} MB (máximo "
                    f"{DESCOMPRIMIDO_MAXIMO // 1024 // 1024} MB): no es una plantilla de captura.",
                )
            ],
        )


def _leer_libro(archivo: str, datos: bytes) -> tuple[dict[str, str], list[tuple[int, list[tuple[Any, str]]]]]:
    """(the control sheet, [(row number, [(value, data type)] of the lines sheet)])."""
    _revisar_zip(archivo, datos)
    try:
        libro = load_workbook(io.BytesIO(datos), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # a damaged or hostile file: any parser error is the file's, not a bug
        log.info("Capture template unreadable (%s): %s", archivo, exc)
        raise PlantillaInvalida(
            archivo,
            [
                (
                    None,
                    None,
                    f"no es un libro de Excel .xlsx válido ({type(exc).__name__}). Ábralo en Excel y guárdelo "
                    "de nuevo como «Libro de Excel (.xlsx)».",
                )
            ],
        ) from None
    try:
        return _leer_hojas(archivo, libro)
    except PlantillaInvalida:
        raise
    except Exception as exc:
        log.info("Capture template unreadable (%s): %s", archivo, exc)
        raise PlantillaInvalida(
            archivo, [(None, None, f"no se pudo leer el libro ({type(exc).__name__}): el archivo está dañado.")]
        ) from None
    finally:
        libro.close()


def _leer_hojas(archivo: str, libro) -> tuple[dict[str, str], list[tuple[int, list[tuple[Any, str]]]]]:
    nombres = libro.sheetnames
    if HOJA not in nombres or HOJA_CONTROL not in nombres:
        falta = f"la hoja «{HOJA}»" if HOJA not in nombres else "la hoja de control (oculta)"
        raise PlantillaInvalida(
            archivo,
            [
                (
                    None,
                    None,
                    f"no tiene {falta} de la plantilla de captura: suba la plantilla descargada del Paso 3, "
                    "sin cambiar el nombre de sus hojas.",
                )
            ],
        )
    control: dict[str, str] = {}
    for fila in libro[HOJA_CONTROL].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
        if fila and fila[0] is not None:
            control[str(fila[0])] = exportar.restaurar(str(fila[1] if len(fila) > 1 and fila[1] is not None else ""))
    hoja = libro[HOJA]
    filas = hoja.iter_rows(min_row=1, max_col=len(ENCABEZADOS))
    cabeza = next(filas, None)
    leidos = ["" if c.value is None else str(c.value).strip() for c in (cabeza or ())]
    leidos += [""] * (len(ENCABEZADOS) - len(leidos))
    if leidos != list(ENCABEZADOS):
        distintas = [
            f"columna {i + 1}: se esperaba «{e}» y dice «{visible(leido)}»"
            for i, (e, leido) in enumerate(zip(ENCABEZADOS, leidos, strict=True))
            if e != leido
        ]
        raise PlantillaInvalida(
            archivo,
            [
                (
                    1,
                    None,
                    "los encabezados de la hoja «Líneas» no son los de la plantilla ("
                    + "; ".join(distintas)
                    + "). No mueva, agregue ni renombre columnas: descargue la plantilla de nuevo.",
                )
            ],
        )
    salida = []
    for numero, celdas in enumerate(filas, start=2):
        valores = [(c.value, getattr(c, "data_type", "n")) for c in celdas]
        valores += [(None, "n")] * (len(ENCABEZADOS) - len(valores))
        if all(_vacia(v) for i, (v, _) in enumerate(valores) if i != PRODUCTO):
            continue
        salida.append((numero, valores))
        if numero > ULTIMA_FILA:
            raise PlantillaInvalida(
                archivo,
                [
                    (
                        numero,
                        None,
                        f"hay datos después de la fila {ULTIMA_FILA:,}; escriba las líneas seguidas desde la fila 2.",
                    )
                ],
            )
        if len(salida) > FILAS_MAXIMAS:
            raise PlantillaInvalida(
                archivo,
                [
                    (
                        None,
                        None,
                        f"tiene más de {FILAS_MAXIMAS:,} líneas, el máximo por archivo; divídalo en varios "
                        "archivos (por ejemplo, por unidades médicas) y súbalos uno por uno.",
                    )
                ],
            )
    return control, salida


def _vacia(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _texto_celda(valor: Any, tipo: str, columna: int, problemas: list) -> str | None:
    """A text cell's value as typed, or None (empty or refused, with the problem noted)."""
    nombre = ENCABEZADOS[columna]
    if tipo == "f":
        problemas.append(
            (nombre, f"la celda tiene una fórmula («{visible(str(valor))}»); escriba el valor, no una fórmula.")
        )
        return None
    if tipo == "e":
        problemas.append((nombre, f"la celda tiene un error de Excel ({visible(str(valor))})."))
        return None
    if _vacia(valor):
        return None
    if isinstance(valor, bool) or not isinstance(valor, (str, int, float)):
        problemas.append((nombre, f"se esperaba un texto y la celda tiene {visible(str(valor))}."))
        return None
    if isinstance(valor, float) and valor.is_integer():
        valor = int(valor)
    texto = exportar.restaurar(str(valor))
    if not texto.isprintable() and (problema := revisar_caracteres(texto, nombre)) is not None:
        problemas.append((nombre, problema.split(": ", 1)[1]))
        return None
    if len(texto.strip()) > CELDA_MAXIMA:
        problemas.append((nombre, f"admite hasta {CELDA_MAXIMA:,} caracteres (tiene {len(texto.strip()):,})."))
        return None
    return texto.strip()


def _cantidad_celda(valor: Any, tipo: str, columna: int, problemas: list) -> Any:
    """A quantity cell as typed, for the grid's rules: text as text, numbers as numbers."""
    nombre = ENCABEZADOS[columna]
    if tipo == "f":
        problemas.append(
            (nombre, f"la celda tiene una fórmula («{visible(str(valor))}»); escriba el número, no una fórmula.")
        )
        return None
    if tipo == "e":
        problemas.append((nombre, f"la celda tiene un error de Excel ({visible(str(valor))})."))
        return None
    if isinstance(valor, str) and len(valor) > CELDA_MAXIMA:
        problemas.append((nombre, f"admite hasta {CELDA_MAXIMA:,} caracteres (tiene {len(valor):,})."))
        return None
    if isinstance(valor, str) and not valor.isprintable() and (problema := revisar_caracteres(valor, nombre)):
        problemas.append((nombre, problema.split(": ", 1)[1]))
        return None
    if valor is None or isinstance(valor, (str, int, float, bool)):
        return valor
    return str(valor)  # a date or time: the grid's rule refuses it as not a number


def _elegir(texto: str | None, opciones: tuple[str, ...]) -> str | None:
    """A choice typed in another case or without accents, as the list writes it (else as typed)."""
    if texto is None or texto in opciones:
        return texto
    return next((o for o in opciones if normalizar(o) == normalizar(texto)), texto)


class _Catalogo:
    """What the rows may name: the OOAD/UMAE's active units, every unit's OOAD, the active products."""

    def __init__(self, store: Store, ooad: str):
        self.ooad = ooad
        self.unidades = {c: n for c, n, _t, _l in _unidades_propias(store, ooad)}
        self.por_texto: dict[str, str] = {}
        conteo_nombres: dict[str, int] = {}
        for n in self.unidades.values():
            conteo_nombres[normalizar(n)] = conteo_nombres.get(normalizar(n), 0) + 1
        for c, n in self.unidades.items():
            if conteo_nombres[normalizar(n)] == 1:
                self.por_texto[normalizar(n)] = c
            self.por_texto[normalizar(_etiqueta(c, n))] = c
        for c in self.unidades:
            self.por_texto[normalizar(c)] = c
        self.exactas = {_etiqueta(c, n): c for c, n in self.unidades.items()} | {c: c for c in self.unidades}
        self.todas = {
            normalizar(c): (c, o, activa, etiqueta)
            for c, o, activa, etiqueta in store.filas(
                "SELECT u.clave, u.ooad, u.activa, o.nombre FROM unidad u LEFT JOIN ooad o ON o.clave = u.ooad"
            )
        }
        self.productos = {
            c: (n, amb) for c, n, amb in store.filas("SELECT clave, nombre, ambito_default FROM producto WHERE activo")
        }
        self.productos_texto = {normalizar(c): c for c in self.productos}

    def unidad(self, texto: str) -> tuple[str | None, str | None]:
        """(the unit's key, None) or (None, why not)."""
        if texto in self.exactas:
            return self.exactas[texto], None
        n = normalizar(texto)
        if n in self.por_texto:
            return self.por_texto[n], None
        m = _CLAVE_EN_ETIQUETA.search(texto)
        candidatas = [n] + ([normalizar(m.group(1))] if m else [])
        for k in candidatas:
            if k in self.por_texto:
                return self.por_texto[k], None
            if k in self.todas:
                clave, otra, activa, etiqueta = self.todas[k]
                if otra != self.ooad:
                    return None, (
                        f"la unidad médica {clave} es de otra OOAD/UMAE ({etiqueta or otra}); "
                        "solo puede capturar las de la suya (hoja «Unidades»)."
                    )
                if not activa:
                    return None, f"la unidad médica {clave} está dada de baja del catálogo."
        return None, (
            f"«{visible(texto)}» no es una unidad médica de su OOAD/UMAE; elíjala de la lista "
            "(hoja «Unidades») o escriba su clave."
        )

    def producto(self, texto: str, numero: bool) -> tuple[str | None, str | None]:
        if texto in self.productos:
            return texto, None
        if (n := normalizar(texto)) in self.productos_texto:
            return self.productos_texto[n], None
        pista = (
            " La celda está guardada como número: dé formato de Texto a la columna para conservar la clave "
            "exacta (p. ej. 47.10)."
            if numero
            else " Búsquelo por nombre en la hoja «Productos»."
        )
        return None, f"el producto «{visible(texto)}» no existe en el catálogo vigente.{pista}"


def _registros(
    archivo: str, filas: list[tuple[int, list[tuple[Any, str]]]], cat: _Catalogo
) -> tuple[list[Registro], list[str]]:
    """Every row checked with the grid's rules; PlantillaInvalida with every problem, by row and column."""
    problemas: list[tuple[int | None, str | None, str]] = []
    registros: list[Registro] = []
    avisos: list[str] = []
    vistos: dict[tuple[str, str], int] = {}
    for numero, valores in filas:
        de_la_fila: list[tuple[str | None, str]] = []
        texto_unidad = _texto_celda(*valores[UNIDAD], UNIDAD, de_la_fila)
        texto_producto = _texto_celda(*valores[CLAVE], CLAVE, de_la_fila)
        tipo = _elegir(_texto_celda(*valores[TIPO], TIPO, de_la_fila), TIPOS)
        causa = _elegir(_texto_celda(*valores[CAUSA], CAUSA, de_la_fila), CAUSAS)
        ambito = _elegir(_texto_celda(*valores[AMBITO], AMBITO, de_la_fila), AMBITOS)
        eventos = _cantidad_celda(*valores[EVENTOS], EVENTOS, de_la_fila)
        pacientes = _cantidad_celda(*valores[PACIENTES], PACIENTES, de_la_fila)
        version = _version(valores[VERSION], de_la_fila)
        unidad = producto = None
        if texto_unidad is None:
            if not any(n == ENCABEZADOS[UNIDAD] for n, _ in de_la_fila):
                de_la_fila.append((ENCABEZADOS[UNIDAD], "falta la unidad médica."))
        else:
            unidad, problema = cat.unidad(texto_unidad)
            if problema:
                de_la_fila.append((ENCABEZADOS[UNIDAD], problema))
        if texto_producto is None:
            if not any(n == ENCABEZADOS[CLAVE] for n, _ in de_la_fila):
                de_la_fila.append((ENCABEZADOS[CLAVE], "falta la clave del producto."))
        else:
            producto, problema = cat.producto(texto_producto, isinstance(valores[CLAVE][0], (int, float)))
            if problema:
                de_la_fila.append((ENCABEZADOS[CLAVE], problema))
        vacia = all(_vacia(v) for v in (tipo, causa, ambito, eventos, pacientes))
        if tipo is not None and tipo not in TIPOS:
            de_la_fila.append((ENCABEZADOS[TIPO], f"«{visible(tipo)}» no es válido; elija Excedente o Faltante."))
        elif tipo is None and not vacia:
            de_la_fila.append((ENCABEZADOS[TIPO], "elija Excedente o Faltante."))
        elif tipo == "Excedente" and causa is not None:
            de_la_fila.append(
                (ENCABEZADOS[CAUSA], "el Excedente no lleva causa principal; déjela vacía o cambie el tipo a Faltante.")
            )
        linea = None
        if unidad and producto:
            previa = vistos.get((unidad, producto))
            if previa is not None:
                de_la_fila.append(
                    (
                        ENCABEZADOS[CLAVE],
                        f"el producto {producto} ya aparece para la unidad {unidad} en la fila {previa:,}; "
                        "un producto va una sola vez por unidad médica.",
                    )
                )
            else:
                vistos[(unidad, producto)] = numero
            if tipo in TIPOS and not de_la_fila:
                exc = tipo == "Excedente"
                fila = FilaCaptura(
                    producto,
                    version,
                    exc_pacientes=pacientes if exc else None,
                    exc_eventos=eventos if exc else None,
                    exc_ambito=ambito if exc else None,
                    fal_causa=None if exc else causa,
                    fal_pacientes=None if exc else pacientes,
                    fal_eventos=None if exc else eventos,
                    fal_ambito=None if exc else ambito,
                )
                linea, errores = captura.validar_campos(fila, *cat.productos[producto])
                for campo, mensaje in errores:
                    col = _COLUMNA_DE_CAMPO.get(campo) if campo else None
                    de_la_fila.append((ENCABEZADOS[col] if col is not None else None, mensaje))
                if linea is None and not errores:  # a kind with no figures: the grid's rule for it
                    de_la_fila.append(
                        (
                            ENCABEZADOS[PACIENTES],
                            f"Producto {producto} «{cat.productos[producto][0]}»: el {tipo} requiere pacientes mensuales.",
                        )
                    )
        problemas.extend((numero, col, mensaje) for col, mensaje in de_la_fila)
        if de_la_fila or not (unidad and producto):
            continue
        if vacia:
            avisos.append(
                f"Fila {numero:,}: sin tipo ni cifras; se toma como una línea que no existe (se eliminará si la había)."
            )
            continue
        registros.append(Registro(numero, unidad, producto, linea, version))
    if problemas:
        raise PlantillaInvalida(archivo, problemas, MAX_PROBLEMAS)
    return registros, avisos


def _version(celda: tuple[Any, str], problemas: list) -> int | None:
    valor, tipo = celda
    if _vacia(valor):
        return None
    if tipo not in ("f", "e") and not isinstance(valor, bool):
        if isinstance(valor, (int, float)) and float(valor).is_integer() and valor >= 1:
            return int(valor)
        if isinstance(valor, str) and valor.strip().isascii() and valor.strip().isdigit() and len(valor.strip()) < 10:
            return int(valor.strip())
    problemas.append(
        (
            ENCABEZADOS[VERSION],
            "la columna de control oculta fue modificada; deje vacía esta celda en las filas nuevas y no cambie "
            "la de las filas descargadas.",
        )
    )
    return None


def _control(archivo: str, control: dict[str, str], anio: int, ooad: str, store: Store) -> int:
    """The download's audit mark, once the control sheet says this template is this OOAD/UMAE's and period's."""

    def rechazo(texto: str) -> PlantillaInvalida:
        return PlantillaInvalida(archivo, [(None, None, texto)])

    if control.get("formato") != FORMATO:
        raise rechazo(
            "no es una plantilla de captura de esta herramienta (falta su hoja de control o fue modificada): "
            "descargue la plantilla en el Paso 3."
        )
    if control.get("ooad") != ooad or control.get("anio") != str(anio):
        raise rechazo(
            f"es la plantilla de otra OOAD/UMAE o de otro periodo ({visible(control.get('ooad', ''))}, "
            f"{visible(control.get('anio', ''))}); descargue la de {captura.etiqueta_ooad(store, ooad)}, periodo {anio}."
        )
    texto = control.get("generacion", "")
    if not (texto.isascii() and texto.isdigit() and len(texto) < 19):
        raise rechazo("su hoja de control fue modificada: descargue la plantilla de nuevo.")
    generacion = int(texto)
    if generacion > auditoria.generacion(store):
        raise rechazo(
            "se descargó de un estado de la base de datos que ya no existe (¿se restauró un respaldo?): "
            "descargue la plantilla de nuevo."
        )
    return generacion


# -- upload: comparing with the store --------------------------------------------------------------
def _comparar(
    store: Store, anio: int, ooad: str, registros: Iterable[Registro], generacion: int, cat_nombres: tuple[dict, dict]
) -> tuple[list[Cambio], int, list[Conflicto]]:
    unidades, productos = cat_nombres
    actuales = _actuales(store, anio, ooad)
    cambiadas = _cambiadas_desde(store, anio, ooad, generacion)
    cambios: list[Cambio] = []
    conflictos: list[Conflicto] = []
    sin_cambio = 0

    def conflicto(u: str, p: str, fila: int | None, actual: _Actual | None) -> None:
        if (u, p) in cambiadas:
            accion, quien, en = cambiadas[(u, p)]
            hecho = {"línea creada": "creada", "línea modificada": "modificada"}.get(accion, "eliminada")
        else:
            hecho, quien, en = "modificada", actual.quien if actual else "", actual.en if actual else None
        detalle = f"{hecho} por {quien} el {reloj.fecha_hora(en)}, después de que descargó la plantilla"
        conflictos.append(Conflicto(u, unidades.get(u, u), p, productos.get(p, p), fila, detalle))

    en_archivo = set()
    for r in registros:
        clave = (r.unidad, r.producto)
        en_archivo.add(clave)
        actual = actuales.get(clave)
        despues = {c: getattr(r.linea, c) for c in _CAMPOS}
        antes = actual.valores if actual else None
        if antes == despues:
            sin_cambio += 1
            continue
        if clave in cambiadas or (actual and r.version is not None and r.version != actual.version):
            conflicto(*clave, r.fila, actual)
            continue
        cambios.append(
            Cambio(
                MODIFICADA if actual else NUEVA,
                r.unidad,
                unidades.get(r.unidad, r.unidad),
                r.producto,
                productos.get(r.producto, r.producto),
                r.fila,
                antes,
                despues,
                actual.version if actual else None,
            )
        )
    for clave, actual in actuales.items():
        if clave in en_archivo:
            continue
        if clave in cambiadas:
            conflicto(*clave, None, actual)
            continue
        u, p = clave
        cambios.append(
            Cambio(
                ELIMINADA,
                u,
                unidades.get(u, u),
                p,
                productos.get(p, p),
                None,
                actual.valores,
                None,
                actual.version,
            )
        )
    orden = {u: i for i, u in enumerate(unidades)}
    cambios.sort(key=lambda c: (orden.get(c.unidad, len(orden)), c.fila is None, c.fila or 0, c.producto))
    conflictos.sort(key=lambda c: (orden.get(c.unidad, len(orden)), c.fila is None, c.fila or 0, c.producto))
    return cambios, sin_cambio, conflictos


def leer(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    ooad: str,
    datos: bytes,
    nombre: str,
    *,
    persona: str | None = None,
) -> Vista:
    """Check an uploaded template and say what saving it would do; writes nothing.

    Raises PlantillaInvalida (the file, or every row problem with its row and column) and the lifecycle's
    refusal when the OOAD/UMAE cannot capture now. Conflicts (lines changed after the download) are in
    `Vista.conflictos`: `aplicar` refuses such a preview. `persona`: who uploads, so that their own
    drafts are not listed among other people's."""
    cuenta = permisos.exigir_captura_ooad(cuenta, ooad)
    acciones.exigir(store, cuenta, anio, ooad, acciones.CAPTURAR)
    archivo = _nombre_archivo(nombre)
    control, filas = _leer_libro(archivo, datos)
    generacion = _control(archivo, control, anio, ooad, store)
    cat = _Catalogo(store, ooad)
    registros, avisos = _registros(archivo, filas, cat)
    nombres = (cat.unidades, {c: n for c, (n, _a) in cat.productos.items()})
    cambios, sin_cambio, conflictos = _comparar(store, anio, ooad, registros, generacion, nombres)
    tocadas = {c.unidad for c in cambios}
    pendientes = borradores.de_otras_personas(store, cuenta, persona, anio)
    lista_borradores = tuple(
        Borrador(r.unidad, r.unidad_nombre or r.unidad, r.persona, int(r.productos))
        for r in pendientes.itertuples(index=False)
        if r.unidad in tocadas
    )
    omitidas = store.valor(
        "SELECT count(*) FROM linea l LEFT JOIN unidad u ON u.clave = l.unidad LEFT JOIN producto p"
        " ON p.clave = l.producto WHERE l.anio = ? AND l.ooad = ?"
        " AND NOT (coalesce(u.activa, FALSE) AND coalesce(p.activo, FALSE) AND u.ooad = l.ooad)",
        [anio, ooad],
    )
    por_escribir = {(c.unidad, c.producto) for c in cambios if c.accion != ELIMINADA}
    lista_atipicos = atipicos.revisar_lineas(
        store, cuenta, anio, [(r.unidad, r.linea) for r in registros if (r.unidad, r.producto) in por_escribir]
    )
    if omitidas:
        avisos.append(
            f"{omitidas:,} línea(s) guardada(s) de unidades o productos dados de baja del catálogo no están en la "
            "plantilla y no se modifican."
        )
    return Vista(
        anio=anio,
        ooad=ooad,
        archivo=archivo,
        sha256=hashlib.sha256(datos).hexdigest(),
        generacion=generacion,
        registros=tuple(registros),
        cambios=tuple(cambios),
        sin_cambio=sin_cambio,
        conflictos=tuple(conflictos),
        borradores=lista_borradores,
        avisos=tuple(avisos),
        atipicos=tuple(lista_atipicos),
    )


# -- upload: writing ---------------------------------------------------------------------------------
def _fila(linea: LineaValida | None, producto: str, version: int | None) -> FilaCaptura:
    """The grid row that saves `linea` (None: removes the line) through captura.guardar."""
    if linea is None:
        return FilaCaptura(producto, version)
    if linea.tipo == "Excedente":
        return FilaCaptura(
            producto, version, exc_pacientes=linea.pacientes, exc_eventos=linea.eventos, exc_ambito=linea.ambito
        )
    return FilaCaptura(
        producto,
        version,
        fal_causa=linea.causa,
        fal_pacientes=linea.pacientes,
        fal_eventos=linea.eventos,
        fal_ambito=linea.ambito,
    )


def aplicar(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    ooad: str,
    vista: Vista,
    *,
    eliminar: bool = False,
    confirmados: Iterable[atipicos.Aviso | tuple] = (),
) -> Resumen:
    """Save a preview in one transaction, a Paso 6 save per unit with its audit rows; all or nothing.

    Lines absent from the file are removed only with `eliminar=True` (the person confirmed the list
    «se eliminará»); by default they stay. Outlying figures are saved only among `confirmados` (the
    preview's `atipicos`, confirmed once by the person), else ConfirmacionPendiente and nothing is
    written; each confirmation is recorded in the audit trail with the save. Refused whole (PlantillaEnConflicto) when a line the upload changes or removes
    changed after the download, including between the preview and now."""
    cuenta = permisos.exigir_captura_ooad(cuenta, ooad)
    confirmados = tuple(confirmados)
    if vista.ooad != ooad or vista.anio != anio:
        raise ErrorDominio("La vista previa es de otra OOAD/UMAE o de otro periodo: vuelva a subir el archivo.")

    def trabajo(tx) -> Resumen:
        acciones.exigir(store, cuenta, anio, ooad, acciones.CAPTURAR)
        nombres = (
            {c.unidad: c.unidad_nombre for c in (*vista.cambios, *vista.conflictos)},
            {c.producto: c.producto_nombre for c in (*vista.cambios, *vista.conflictos)},
        )
        cambios, _sin, conflictos = _comparar(store, anio, ooad, vista.registros, vista.generacion, nombres)
        if conflictos:
            raise PlantillaEnConflicto([c.describir() for c in conflictos])
        ahora = replace(vista, cambios=tuple(cambios))
        if ahora._firma() != vista._firma():
            raise ErrorDominio(
                "No se guardó nada: lo guardado cambió desde la vista previa. Vuelva a subir el archivo para ver "
                "los cambios actuales."
            )
        escribir = [c for c in cambios if eliminar or c.accion != ELIMINADA]
        if not escribir:
            raise ErrorDominio("No hay cambios que guardar: el archivo coincide con lo guardado.")
        lineas = {(r.unidad, r.producto): r.linea for r in vista.registros}
        por_unidad: dict[str, list[FilaCaptura]] = {}
        for c in escribir:
            por_unidad.setdefault(c.unidad, []).append(
                _fila(lineas.get((c.unidad, c.producto)) if c.accion != ELIMINADA else None, c.producto, c.version)
            )
        resultados = captura.guardar_unidades(store, cuenta, persona, anio, por_unidad, confirmados=confirmados)
        insertadas = sum(r.insertadas for r in resultados.values())
        actualizadas = sum(r.actualizadas for r in resultados.values())
        eliminadas = sum(r.eliminadas for r in resultados.values())
        conservadas = 0 if eliminar else sum(c.accion == ELIMINADA for c in cambios)
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="plantilla de captura aplicada",
            anio=anio,
            ooad=ooad,
            objeto=vista.archivo,
            despues={
                "archivo": vista.archivo,
                "sha256": vista.sha256,
                "filas": len(vista.registros),
                "nuevas": insertadas,
                "modificadas": actualizadas,
                "eliminadas": eliminadas,
                "conservadas": conservadas,
                "unidades": len(por_unidad),
            },
        )
        return Resumen(insertadas, actualizadas, eliminadas, conservadas, len(por_unidad))

    return store.escribir(trabajo)
