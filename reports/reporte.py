"""The preliminary ("Sin Validez Oficial") and final ("Versión Final") PDF reports of an OOAD/UMAE.

Plain data in, PDF bytes out: no Streamlit, no DuckDB. Layout follows the guide's sample report:
institutional header, "Fecha de impresión", the title for the year, the OOAD/UMAE's name and
"<k> de <n> Unidades Médicas reportan Excedentes y/o Faltantes"; then per reporting unit a Faltantes
table and an Excedentes table; "Página X de Y" on every page (two-pass count via the canvas).

Speed matters (the whole country prints at the deadline): table cells are plain strings whenever the
text fits on one line and strings pre-wrapped at spaces otherwise (see `_Celdas`). Measured on a
311-page report: a Paragraph in every text cell 31 pages/s, Paragraphs only where text wraps 76,
pre-wrapped strings 88-100 (CPU time). Headings, the NO statement and the signatures use Paragraphs.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pandas as pd
from reportlab import rl_config
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    LongTable,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

ZONA = ZoneInfo("America/Mexico_City")

# Binary (Flate only) content streams instead of Flate + ASCII85: about 10 % faster to build without the
# optional C accelerator (rl_accel) and 20 % smaller files. Only reports/ uses reportlab in this app.
rl_config.useA85 = 0

INSTITUTO = "Instituto Mexicano del Seguro Social"
DIRECCION = (
    "Dirección de Prestaciones Médicas · Coordinación de Planeación de Servicios Médicos de Apoyo · "
    "División de Integración Estratégica Sectorial"
)
HERRAMIENTA = "Recolección de Excedentes y Faltantes de Servicios Médicos Institucionales"
LEYENDA_PRELIMINAR = "Sin Validez Oficial. El OOAD aún no cierra el registro de información."
MARCA_AGUA = "SIN VALIDEZ OFICIAL"
TITULO_FIRMAS = "Firmas de los representantes del OOAD/UMAE"

COLUMNAS = ["unidad_nombre", "tipo", "grupo", "producto_nombre", "causa", "ambito", "eventos", "pacientes"]

# Letter landscape, 0.5 in side margins: 720 pt of table width.
PAGINA = landscape(letter)
ANCHO_PAGINA, ALTO_PAGINA = PAGINA
MARGEN_X = 36
ANCHO_UTIL = ANCHO_PAGINA - 2 * MARGEN_X
TOPE_PRIMERA = ALTO_PAGINA - 82  # frame top on page 1, below the full institutional header
TOPE_RESTO = ALTO_PAGINA - 46  # frame top on the other pages, below the running header
PIE = 46  # frame bottom, above the footer

GUINDA = colors.HexColor("#9F2241")  # Faltantes
VERDE = colors.HexColor("#235B4E")  # Excedentes, rules
VERDE_CLARO = colors.HexColor("#DDE9E5")
GRIS_LINEA = colors.HexColor("#9AA5A2")
GRIS_TEXTO = colors.HexColor("#4A4A4A")
GRIS_MARCA = colors.Color(0.87, 0.87, 0.87)

# Table geometry (points). Product takes what the other columns leave.
TAM_CELDA, INTERLINEA_CELDA = 8, 9.6
TAM_TITULO, INTERLINEA_TITULO = 9.5, 12
TAM_CABECERA, INTERLINEA_CABECERA = 7.5, 9
PAD_X, PAD_ARRIBA, PAD_ABAJO = 3, 2, 3
ESPACIO_TABLAS = 6  # between a unit's Faltantes and Excedentes tables
ANCHO_NO, ANCHO_GRUPO, ANCHO_CAUSA, ANCHO_AMBITO, ANCHO_EVENTOS, ANCHO_PACIENTES = 24, 116, 82, 62, 54, 56
_FIJAS = ANCHO_NO + ANCHO_GRUPO + ANCHO_AMBITO + ANCHO_EVENTOS + ANCHO_PACIENTES
ANCHOS_FALTANTES = [
    ANCHO_NO,
    ANCHO_GRUPO,
    ANCHO_UTIL - _FIJAS - ANCHO_CAUSA,
    ANCHO_CAUSA,
    ANCHO_AMBITO,
    ANCHO_EVENTOS,
    ANCHO_PACIENTES,
]
ANCHOS_EXCEDENTES = [ANCHO_NO, ANCHO_GRUPO, ANCHO_UTIL - _FIJAS, ANCHO_AMBITO, ANCHO_EVENTOS, ANCHO_PACIENTES]
CABECERA_FALTANTES = [
    "No.",
    "Grupo de Servicio",
    "Producto",
    "Causa Principal",
    "Ambulatorio/\nHospitalario",
    "Eventos\nMensuales",
    "Pacientes\nMensuales",
]
CABECERA_EXCEDENTES = [c for c in CABECERA_FALTANTES if c != "Causa Principal"]

_DEJAVU_DIR = "/usr/share/fonts/truetype/dejavu"


@dataclass(frozen=True)
class Firmante:
    nombre: str
    cargo: str


@dataclass(frozen=True)
class DatosReporte:
    ooad_nombre: str  # e.g. "OOAD Chihuahua" or "UMAE HES CMN Siglo XXI" (already labelled)
    anio: int  # capture period: "... para el 2026"
    impreso_en: dt.datetime  # printed as Mexico City time
    unidades_total: int  # n in "<k> de <n> Unidades Médicas reportan ..."
    unidades_con: int  # k
    respuesta: str  # "SI" or "NO" (Paso 2)
    lineas: pd.DataFrame  # COLUMNAS, already in print order


# --------------------------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class _Fuentes:
    normal: str
    negrita: str


HELVETICA = _Fuentes("Helvetica", "Helvetica-Bold")
_dejavu: _Fuentes | None = None


def _registrar_dejavu() -> _Fuentes | None:
    """DejaVu Sans for text outside WinAnsi (cp1252); None when the font files are not installed."""
    global _dejavu
    if _dejavu is None:
        normal, negrita = (os.path.join(_DEJAVU_DIR, f) for f in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"))
        if not (os.path.exists(normal) and os.path.exists(negrita)):
            return None
        pdfmetrics.registerFont(TTFont("DejaVuSans", normal))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", negrita))
        pdfmetrics.registerFontFamily(
            "DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold", italic="DejaVuSans", boldItalic="DejaVuSans-Bold"
        )
        _dejavu = _Fuentes("DejaVuSans", "DejaVuSans-Bold")
    return _dejavu


def _elegir_fuentes(textos: Iterable[str]) -> _Fuentes:
    """Helvetica (fast, built in, covers Spanish: á é í ó ú ü ñ Ñ ¿ ¡ ·) unless some text needs more."""
    try:
        "".join(textos).encode("cp1252")
        return HELVETICA
    except UnicodeEncodeError:
        return _registrar_dejavu() or HELVETICA


class _Estilos:
    """Every ParagraphStyle of a report, created once per report (never per cell)."""

    def __init__(self, f: _Fuentes):
        self.f = f
        base = dict(fontName=f.normal, textColor=colors.black)
        self.titulo = ParagraphStyle(
            "titulo", fontName=f.negrita, fontSize=13, leading=16, alignment=TA_CENTER, spaceAfter=2
        )
        self.ooad = ParagraphStyle(
            "ooad", fontName=f.negrita, fontSize=12, leading=15, alignment=TA_CENTER, textColor=VERDE, spaceAfter=2
        )
        self.resumen = ParagraphStyle("resumen", fontSize=10, leading=13, alignment=TA_CENTER, **base)
        self.unidad = ParagraphStyle(
            "unidad", fontName=f.negrita, fontSize=10.5, leading=13, spaceBefore=8, spaceAfter=3, textColor=colors.black
        )
        self.declaracion = ParagraphStyle("declaracion", fontSize=11.5, leading=16, alignment=TA_JUSTIFY, **base)
        self.seccion = ParagraphStyle(
            "seccion", fontName=f.negrita, fontSize=11, leading=14, spaceAfter=4, textColor=VERDE
        )
        self.nombre = ParagraphStyle("nombre", fontName=f.negrita, fontSize=9.5, leading=12, alignment=TA_CENTER)
        self.cargo = ParagraphStyle("cargo", fontSize=9, leading=11, alignment=TA_CENTER, **base)
        self.etiqueta = ParagraphStyle(
            "etiqueta", fontSize=8.5, leading=11, alignment=TA_CENTER, fontName=f.normal, textColor=GRIS_TEXTO
        )
        self.folio = ParagraphStyle("folio", fontName=f.negrita, fontSize=11, leading=14, alignment=TA_LEFT)
        self.caja = ParagraphStyle("caja", fontSize=9, leading=12, alignment=TA_LEFT, **base)


# ------------------------------------------------------------------------------------ formatting


def _hora_mexico(d: dt.datetime) -> dt.datetime:
    """Mexico City wall time; naive datetimes are taken as already being Mexico City time."""
    return d.replace(tzinfo=ZONA) if d.tzinfo is None else d.astimezone(ZONA)


def _fecha_hora(d: dt.datetime) -> str:
    return _hora_mexico(d).strftime("%d/%m/%Y %H:%M:%S")


def _miles(v) -> str:
    """2989 -> "2,989"; missing (None, NaN, NA) -> ""."""
    if v is None or pd.isna(v):
        return ""
    return f"{int(v):,}"


def _sujeto(ooad_nombre: str) -> str:
    """ "El OOAD Chihuahua" / "La UMAE HES CMN Siglo XXI"; otherwise "El OOAD/UMAE <nombre>"."""
    if ooad_nombre.startswith("OOAD "):
        return f"El {ooad_nombre}"
    if ooad_nombre.startswith("UMAE "):
        return f"La {ooad_nombre}"
    return f"El OOAD/UMAE {ooad_nombre}"


def texto_sin_registros(datos: DatosReporte) -> str:
    """The NO statement (Paso 2 answered NO: acceptance of no supply and no demand)."""
    n = datos.unidades_total
    if n == 1:  # most UMAE are a single hospital
        quien = "su Unidad Médica no tiene"
    elif n > 1:
        quien = f"ninguna de sus {n:,} Unidades Médicas tiene"
    else:
        quien = "ninguna de sus Unidades Médicas tiene"
    return (
        f"{_sujeto(datos.ooad_nombre)} manifiesta que {quien} Excedentes ni Faltantes de servicios médicos "
        f"institucionales para el {datos.anio}, por lo que acepta de conformidad la inexistencia de oferta y/o "
        "demanda de servicios médicos."
    )


# ---------------------------------------------------------------------------------------- tables


class _Celdas:
    """Cheap wrapping for table cells: a plain string when the text fits, else a string with line breaks.

    Wrapping happens at spaces, exactly like a Paragraph's; a word wider than the column is cut into
    pieces that fit (never clipped). Repeated values (groups, causes, ámbitos) hit a cache.
    """

    def __init__(self, fuente: str, tam: float = TAM_CELDA):
        self.fuente, self.tam = fuente, tam
        self._cache: dict[tuple[str, float], str] = {}

    def ancho(self, s: str) -> float:
        return stringWidth(s, self.fuente, self.tam)

    def __call__(self, texto, ancho_columna: float, repetido: bool = False) -> str:
        if texto is None or (not isinstance(texto, str) and pd.isna(texto)):
            return ""
        texto = " ".join(str(texto).split())  # collapse newlines/tabs: they would break the layout
        if repetido:
            clave = (texto, ancho_columna)
            hecho = self._cache.get(clave)
            if hecho is None:
                hecho = self._cache[clave] = self._envolver(texto, ancho_columna - 2 * PAD_X)
            return hecho
        return self._envolver(texto, ancho_columna - 2 * PAD_X)

    def _envolver(self, texto: str, ancho: float) -> str:
        if self.ancho(texto) <= ancho:
            return texto
        lineas: list[str] = []
        actual = ""
        espacio = self.ancho(" ")
        w_actual = 0.0
        for palabra in texto.split(" "):
            w = self.ancho(palabra)
            if w > ancho:  # a single word wider than the column: cut it into pieces that fit
                if actual:
                    lineas.append(actual)
                piezas = self._partir(palabra, ancho)
                lineas.extend(piezas[:-1])
                actual, w_actual = piezas[-1], self.ancho(piezas[-1])
            elif not actual:
                actual, w_actual = palabra, w
            elif w_actual + espacio + w <= ancho:
                actual += " " + palabra
                w_actual += espacio + w
            else:
                lineas.append(actual)
                actual, w_actual = palabra, w
        if actual:
            lineas.append(actual)
        return "\n".join(lineas)

    def _partir(self, palabra: str, ancho: float) -> list[str]:
        piezas, actual = [], ""
        for c in palabra:
            if actual and self.ancho(actual + c) > ancho:
                piezas.append(actual)
                actual = c
            else:
                actual += c
        piezas.append(actual)
        return piezas


class _TablaUnidad(LongTable):
    """A unit's Faltantes/Excedentes table: rows 0 (title) and 1 (column heads) repeat on every page.

    On the pages a table continues on, the title row reads "Faltantes (continuación) · <unidad>" so a
    reader who starts on that page knows whose lines these are.
    """

    continuacion: str | None = None

    def split(self, availWidth, availHeight):
        partes = super().split(availWidth, availHeight)
        if len(partes) > 1 and self.continuacion:
            for p in partes:
                p.continuacion = self.continuacion
            for p in partes[1:]:
                # Replace (never mutate) the row list: it is shared with the other parts.
                p._cellvalues[0] = [self.continuacion] + list(p._cellvalues[0][1:])
        return partes


def _estilo_tabla(f: _Fuentes, color_titulo) -> TableStyle:
    return TableStyle(
        [
            ("SPAN", (0, 0), (-1, 0)),
            ("FONT", (0, 0), (-1, 0), f.negrita, TAM_TITULO, INTERLINEA_TITULO),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("BACKGROUND", (0, 0), (-1, 0), color_titulo),
            ("FONT", (0, 1), (-1, 1), f.negrita, TAM_CABECERA, INTERLINEA_CABECERA),
            ("BACKGROUND", (0, 1), (-1, 1), VERDE_CLARO),
            ("ALIGN", (0, 1), (-1, 1), "CENTER"),
            ("VALIGN", (0, 1), (-1, 1), "MIDDLE"),
            ("FONT", (0, 2), (-1, -1), f.normal, TAM_CELDA, INTERLINEA_CELDA),
            ("VALIGN", (0, 2), (-1, -1), "TOP"),
            ("ALIGN", (0, 2), (0, -1), "CENTER"),
            ("ALIGN", (-2, 2), (-1, -1), "RIGHT"),
            ("GRID", (0, 1), (-1, -1), 0.4, GRIS_LINEA),
            ("BOX", (0, 0), (-1, -1), 0.8, color_titulo),
            ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
            ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
            ("TOPPADDING", (0, 0), (-1, -1), PAD_ARRIBA),
            ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_ABAJO),
        ]
    )


def _tabla(
    unidad: str, tipo: str, filas: list[tuple], celdas: _Celdas, estilo: TableStyle, negrita: str
) -> tuple[_TablaUnidad, float]:
    """The table and the height of its start (title row, column heads and first row): what a page must
    have left for the table to begin there rather than on the next page."""
    faltantes = tipo == "Faltante"
    titulo = "Faltantes" if faltantes else "Excedentes"
    anchos = ANCHOS_FALTANTES if faltantes else ANCHOS_EXCEDENTES
    cabecera = CABECERA_FALTANTES if faltantes else CABECERA_EXCEDENTES
    ncol = len(anchos)
    datos: list[list] = [[titulo] + [""] * (ncol - 1), list(cabecera)]
    w_grupo, w_producto = anchos[1], anchos[2]
    for i, (grupo, producto, causa, ambito, eventos, pacientes) in enumerate(filas, start=1):
        fila = [str(i), celdas(grupo, w_grupo, True), celdas(producto, w_producto)]
        if faltantes:
            fila.append(celdas(causa, ANCHO_CAUSA, True))
        fila += [celdas(ambito, ANCHO_AMBITO, True), _miles(eventos), _miles(pacientes)]
        datos.append(fila)
    t = _TablaUnidad(datos, colWidths=anchos, repeatRows=2, style=estilo, hAlign="LEFT")
    t.continuacion = _una_linea(f"{titulo} (continuación) · ", unidad, negrita, TAM_TITULO, ANCHO_UTIL - 2 * PAD_X)
    # Row heights as reportlab computes them for string cells: leading x lines + paddings.
    lineas_primera = max(c.count("\n") + 1 for c in datos[2]) if len(datos) > 2 else 0
    inicio = (
        INTERLINEA_TITULO + 2 * INTERLINEA_CABECERA + lineas_primera * INTERLINEA_CELDA + 3 * (PAD_ARRIBA + PAD_ABAJO)
    )
    return t, inicio


def _una_linea(prefijo: str, texto: str, fuente: str, tam: float, ancho: float) -> str:
    """prefijo + texto on one line of `ancho` (the repeated title row has a fixed height), shortened with "…"."""
    texto = " ".join(str(texto).split())
    if stringWidth(prefijo + texto, fuente, tam) <= ancho:
        return prefijo + texto
    while texto and stringWidth(prefijo + texto + "…", fuente, tam) > ancho:
        texto = texto[:-1]
    return prefijo + texto + "…"


def _agrupar(lineas: pd.DataFrame) -> dict[str, dict[str, list[tuple]]]:
    """unit -> {"Faltante": rows, "Excedente": rows}, units in first-appearance order, rows in input order."""
    faltan = [c for c in COLUMNAS if c not in lineas.columns]
    if faltan:
        raise ValueError(f"Faltan columnas en las líneas del reporte: {', '.join(faltan)}")
    unidades: dict[str, dict[str, list[tuple]]] = {}
    cols = [lineas[c].tolist() for c in COLUMNAS]
    for unidad, tipo, grupo, producto, causa, ambito, eventos, pacientes in zip(*cols, strict=True):
        t = str(tipo).strip().capitalize()
        if t not in ("Faltante", "Excedente"):
            raise ValueError(f"Tipo de línea desconocido: {tipo!r} (se espera Faltante o Excedente)")
        por_tipo = unidades.setdefault(str(unidad), {"Faltante": [], "Excedente": []})
        por_tipo[t].append((grupo, producto, causa, ambito, eventos, pacientes))
    return unidades


# ------------------------------------------------------------------------------ page decoration


def _canvas_numerado(fuente: str):
    """Canvas class that holds every page until the end, then stamps "Página X de Y" (the total known)."""

    class CanvasNumerado(rl_canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._paginas: list[dict] = []

        def showPage(self):
            self._paginas.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._paginas)
            for numero, estado in enumerate(self._paginas, start=1):
                self.__dict__.update(estado)
                self.setFont(fuente, 8)
                self.setFillColor(colors.black)
                self.drawRightString(ANCHO_PAGINA - MARGEN_X, 22, f"Página {numero} de {total}")
                rl_canvas.Canvas.showPage(self)
            rl_canvas.Canvas.save(self)

    return CanvasNumerado


# The watermark is drawn as strokes, not as text: diagonal text would be picked up by text extractors
# (pdftotext, copy and paste) and scramble the table rows it crosses. Glyph outlines on a grid with cap
# height 10; each entry is (advance, [path, ...]); a path is a list of ("M"|"L"|"C"|"E"|"A", numbers).
_TRAZOS: dict[str, tuple[float, list[list[tuple]]]] = {
    "A": (7, [[("M", 0, 0), ("L", 3.5, 10), ("L", 7, 0)], [("M", 1.3, 3.6), ("L", 5.7, 3.6)]]),
    "C": (7, [[("A", 0, 0, 8, 10, 40, 280)]]),
    "D": (
        7,
        [
            [
                ("M", 0, 0),
                ("L", 0, 10),
                ("L", 2.5, 10),
                ("C", 6.3, 10, 7, 7.2, 7, 5),
                ("C", 7, 2.8, 6.3, 0, 2.5, 0),
                ("L", 0, 0),
            ]
        ],
    ),
    "E": (6, [[("M", 6, 10), ("L", 0, 10), ("L", 0, 0), ("L", 6, 0)], [("M", 0, 5.1), ("L", 5, 5.1)]]),
    "F": (6, [[("M", 6, 10), ("L", 0, 10), ("L", 0, 0)], [("M", 0, 5.1), ("L", 5, 5.1)]]),
    "I": (0, [[("M", 0, 0), ("L", 0, 10)]]),
    "L": (6, [[("M", 0, 10), ("L", 0, 0), ("L", 6, 0)]]),
    "N": (7, [[("M", 0, 0), ("L", 0, 10), ("L", 7, 0), ("L", 7, 10)]]),
    "O": (8, [[("E", 0, 0, 8, 10)]]),
    "S": (
        7,
        [
            [
                ("M", 6.6, 8.4),
                ("C", 5.9, 9.5, 4.9, 10, 3.5, 10),
                ("C", 1.6, 10, 0.3, 9, 0.3, 7.5),
                ("C", 0.3, 5.8, 1.8, 5.3, 3.5, 5),
                ("C", 5.4, 4.7, 6.8, 4.1, 6.8, 2.5),
                ("C", 6.8, 0.9, 5.3, 0, 3.5, 0),
                ("C", 2, 0, 0.8, 0.5, 0.1, 1.6),
            ]
        ],
    ),
    "V": (7, [[("M", 0, 10), ("L", 3.5, 0), ("L", 7, 10)]]),
    "Z": (7, [[("M", 0, 10), ("L", 7, 10), ("L", 0, 0), ("L", 7, 0)]]),
}
_ESPACIO_LETRAS, _ESPACIO_PALABRAS = 3.2, 9.0


def _ancho_trazos(texto: str) -> float:
    palabras = texto.split()
    letras = "".join(palabras)
    return (
        sum(_TRAZOS[ch][0] for ch in letras)
        + _ESPACIO_LETRAS * (len(letras) - len(palabras))
        + _ESPACIO_PALABRAS * (len(palabras) - 1)
    )


def _dibujar_marca_agua(c, texto: str = MARCA_AGUA, alto: float = 46, angulo: float = 30) -> None:
    """Light grey diagonal "SIN VALIDEZ OFICIAL" across the page (letters `alto` points high)."""
    k = alto / 10
    c.saveState()
    c.setStrokeColor(GRIS_MARCA)
    c.setLineWidth(1.7 * k)
    c.setLineCap(1)
    c.setLineJoin(1)
    c.translate(ANCHO_PAGINA / 2, (ALTO_PAGINA + PIE) / 2 - 10)
    c.rotate(angulo)
    x = -_ancho_trazos(texto) * k / 2
    y = -alto / 2
    p = c.beginPath()
    previa = None
    for ch in texto:
        if ch == " ":
            x += _ESPACIO_PALABRAS * k
            previa = None
            continue
        if previa is not None:
            x += _ESPACIO_LETRAS * k
        avance, trazos = _TRAZOS[ch]
        for trazo in trazos:
            for op, *n in trazo:
                pts = [(x + n[i] * k) if i % 2 == 0 else (y + n[i] * k) for i in range(len(n))]
                if op == "M":
                    p.moveTo(*pts)
                elif op == "L":
                    p.lineTo(*pts)
                elif op == "C":
                    p.curveTo(*pts)
                elif op == "E":
                    p.ellipse(pts[0], pts[1], pts[2] - pts[0], pts[3] - pts[1])
                elif op == "A":
                    p.arc(pts[0], pts[1], pts[2], pts[3], n[4], n[5])
        x += avance * k
        previa = ch
    c.drawPath(p, stroke=1, fill=0)
    c.restoreState()


class _Decorado:
    """What is drawn on every page around the flowing content: header, footer, watermark."""

    def __init__(self, datos: DatosReporte, f: _Fuentes, *, final: bool, pie_izquierda: str):
        self.datos, self.f, self.final = datos, f, final
        self.fecha = f"Fecha de impresión: {_fecha_hora(datos.impreso_en)}"
        self.tipo = "Versión Final" if final else "Reporte preliminar"
        self.pie_izquierda = pie_izquierda
        self.titulo_corto = f"{HERRAMIENTA} para el {datos.anio}"

    def _ajustado(self, c, x, y, texto, fuente, tam, ancho_max, derecha=False):
        """Draw one line, shrinking the font so that it never runs past `ancho_max`."""
        w = stringWidth(texto, fuente, tam)
        if w > ancho_max:
            tam = tam * ancho_max / w
        c.setFont(fuente, tam)
        (c.drawRightString if derecha else c.drawString)(x, y, texto)

    def _marca_agua(self, c):
        # Defined once per document as a form XObject, then placed on each page behind the content.
        if not c.hasForm("marca_agua"):
            c.beginForm("marca_agua")
            _dibujar_marca_agua(c)
            c.endForm()
        c.doForm("marca_agua")

    def _pie(self, c):
        c.setStrokeColor(VERDE)
        c.setLineWidth(0.6)
        c.line(MARGEN_X, 34, ANCHO_PAGINA - MARGEN_X, 34)
        c.setFillColor(colors.black)
        fuente = self.f.negrita if not self.final else self.f.normal
        self._ajustado(c, MARGEN_X, 22, self.pie_izquierda, fuente, 8, ANCHO_UTIL - 90)

    def primera(self, c, doc):
        c.saveState()
        if not self.final:
            self._marca_agua(c)
        x_der = ANCHO_PAGINA - MARGEN_X
        top = ALTO_PAGINA - 30
        c.setFillColor(VERDE)
        self._ajustado(c, MARGEN_X, top - 11, INSTITUTO, self.f.negrita, 12, 420)
        c.setFillColor(colors.black)
        self._ajustado(c, MARGEN_X, top - 23, DIRECCION, self.f.normal, 7.5, ANCHO_UTIL)
        self._ajustado(c, MARGEN_X, top - 35, HERRAMIENTA, self.f.negrita, 9, 430)
        c.setFillColor(GUINDA if not self.final else VERDE)
        self._ajustado(c, x_der, top - 11, self.tipo, self.f.negrita, 10, 250, derecha=True)
        c.setFillColor(colors.black)
        self._ajustado(c, x_der, top - 35, self.fecha, self.f.normal, 8.5, 250, derecha=True)
        c.setStrokeColor(VERDE)
        c.setLineWidth(1)
        c.line(MARGEN_X, top - 42, x_der, top - 42)
        self._pie(c)
        c.restoreState()

    def resto(self, c, doc):
        c.saveState()
        if not self.final:
            self._marca_agua(c)
        x_der = ANCHO_PAGINA - MARGEN_X
        y = ALTO_PAGINA - 36
        c.setFillColor(colors.black)
        derecha = f"{self.datos.ooad_nombre} · {self.tipo} · {self.fecha}"
        w_der = min(stringWidth(derecha, self.f.normal, 7.5), ANCHO_UTIL * 0.5)
        self._ajustado(c, x_der, y, derecha, self.f.normal, 7.5, w_der, derecha=True)
        self._ajustado(
            c, MARGEN_X, y, f"{INSTITUTO} · {self.titulo_corto}", self.f.negrita, 7.5, ANCHO_UTIL - w_der - 12
        )
        c.setStrokeColor(VERDE)
        c.setLineWidth(0.6)
        c.line(MARGEN_X, y - 5, x_der, y - 5)
        self._pie(c)
        c.restoreState()


# --------------------------------------------------------------------------------------- content


def _encabezado(datos: DatosReporte, e: _Estilos) -> list:
    return [
        Paragraph(escape(f"{HERRAMIENTA} para el {datos.anio}"), e.titulo),
        Paragraph(escape(datos.ooad_nombre), e.ooad),
        Paragraph(
            escape(
                f"{datos.unidades_con:,} de {datos.unidades_total:,} Unidades Médicas reportan Excedentes y/o Faltantes"
            ),
            e.resumen,
        ),
        Spacer(1, 6),
    ]


def _tablas(unidades: dict[str, dict[str, list[tuple]]], e: _Estilos) -> list:
    celdas = _Celdas(e.f.normal)
    estilos = {"Faltante": _estilo_tabla(e.f, GUINDA), "Excedente": _estilo_tabla(e.f, VERDE)}
    story: list = []
    for unidad, por_tipo in unidades.items():
        encabezado = Paragraph(escape(unidad), e.unidad)
        alto_encabezado = encabezado.wrap(ANCHO_UTIL, ALTO_PAGINA)[1] + e.unidad.spaceBefore + e.unidad.spaceAfter
        primera = True
        for tipo in ("Faltante", "Excedente"):
            filas = por_tipo[tipo]
            if not filas:
                continue
            tabla, inicio = _tabla(unidad, tipo, filas, celdas, estilos[tipo], e.f.negrita)
            # Never leave a unit's heading or a table's title alone at the foot of a page: start on the
            # next page unless the heading, the table's heads and its first row fit here.
            if primera:
                story += [CondPageBreak(alto_encabezado + inicio + 1), encabezado]
            else:
                story += [CondPageBreak(ESPACIO_TABLAS + inicio + 1), Spacer(1, ESPACIO_TABLAS)]
            story.append(tabla)
            primera = False
    return story


def _declaracion(texto: str, e: _Estilos) -> Table:
    caja = Table([[Paragraph(escape(texto), e.declaracion)]], colWidths=[ANCHO_UTIL - 80], hAlign="CENTER")
    caja.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, VERDE),  # no fill: the preliminary's watermark shows through
                ("LEFTPADDING", (0, 0), (-1, -1), 18),
                ("RIGHTPADDING", (0, 0), (-1, -1), 18),
                ("TOPPADDING", (0, 0), (-1, -1), 14),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 16),
            ]
        )
    )
    return caja


def _firmas(firmantes: list[Firmante], e: _Estilos) -> list:
    """Signature blocks, two per row: space to sign, a rule, the name and the post below it."""
    ancho_bloque, hueco = 300, 60
    espacio_firma = 46
    filas: list[list] = []
    estilo: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    alturas: list[float | None] = []
    if firmantes:
        bloques = [(Paragraph(escape(f.nombre), e.nombre), Paragraph(escape(f.cargo), e.cargo)) for f in firmantes]
        for i in range(0, len(bloques), 2):
            par = bloques[i : i + 2]
            r = len(filas)
            filas.append(["", "", ""])
            filas.append([par[0][0], "", par[1][0] if len(par) > 1 else ""])
            filas.append([par[0][1], "", par[1][1] if len(par) > 1 else ""])
            alturas += [espacio_firma, None, None]
            estilo.append(("LINEABOVE", (0, r + 1), (0, r + 1), 0.8, colors.black))
            if len(par) > 1:
                estilo.append(("LINEABOVE", (2, r + 1), (2, r + 1), 0.8, colors.black))
    else:
        # Nobody named yet: two blank blocks to fill in by hand.
        filas = [
            ["", "", ""],
            [Paragraph("Nombre y firma", e.etiqueta), "", Paragraph("Nombre y firma", e.etiqueta)],
            ["", "", ""],
            [Paragraph("Cargo", e.etiqueta), "", Paragraph("Cargo", e.etiqueta)],
        ]
        alturas = [espacio_firma, None, 26, None]
        for col in (0, 2):
            estilo.append(("LINEABOVE", (col, 1), (col, 1), 0.8, colors.black))
            estilo.append(("LINEABOVE", (col, 3), (col, 3), 0.8, colors.black))
    tabla = Table(filas, colWidths=[ancho_bloque, hueco, ancho_bloque], rowHeights=alturas, hAlign="CENTER")
    tabla.setStyle(TableStyle(estilo))
    return [Paragraph(escape(TITULO_FIRMAS), e.seccion), tabla]


def _qr(valor: str, lado: float) -> Drawing:
    w = QrCodeWidget(valor, barLevel="M")
    x0, y0, x1, y1 = w.getBounds()
    d = Drawing(lado, lado, transform=[lado / (x1 - x0), 0, 0, lado / (y1 - y0), 0, 0])
    d.add(w)
    return d


def valor_qr(folio: str, url_verificacion: str | None = None) -> str:
    """What the QR encodes: the verification URL with the folio, or the folio alone."""
    return f"{url_verificacion}?folio={folio}" if url_verificacion else folio


def _caja_folio(
    folio: str, version: int, finalizado_en: dt.datetime, finalizado_por: str, url_verificacion: str | None, e: _Estilos
) -> Table:
    lado = 92
    textos = [
        Paragraph(escape(f"Folio: {folio}"), e.folio),
        Paragraph(escape(f"Versión final {version}"), e.caja),
        Paragraph(escape(f"Finalizado el {_fecha_hora(finalizado_en)} por {finalizado_por}"), e.caja),
        Paragraph(
            "El folio identifica esta versión exacta de la información registrada; el código QR lo contiene.", e.caja
        ),
    ]
    if url_verificacion:
        textos.append(Paragraph(escape(f"Verificación: {valor_qr(folio, url_verificacion)}"), e.caja))
    ancho_texto = 420
    caja = Table(
        [[textos, _qr(valor_qr(folio, url_verificacion), lado)]], colWidths=[ancho_texto, lado + 16], hAlign="CENTER"
    )
    caja.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, VERDE),
                ("VALIGN", (0, 0), (0, 0), "MIDDLE"),
                ("VALIGN", (1, 0), (1, 0), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, 0), 12),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return caja


# ------------------------------------------------------------------------------------- building


def _textos(datos: DatosReporte, extra: Iterable[str] = ()) -> Iterable[str]:
    yield datos.ooad_nombre
    for c in ("unidad_nombre", "grupo", "producto_nombre", "causa", "ambito"):
        if c in datos.lineas.columns:
            yield from (str(v) for v in datos.lineas[c].dropna().unique())
    yield from extra


def _construir(
    datos: DatosReporte,
    story_contenido,
    *,
    final: bool,
    pie_izquierda: str,
    f: _Fuentes,
    titulo_pdf: str,
    asunto_pdf: str,
    palabras: str = "",
) -> bytes:
    e = _Estilos(f)
    salida = io.BytesIO()
    doc = BaseDocTemplate(
        salida,
        pagesize=PAGINA,
        leftMargin=MARGEN_X,
        rightMargin=MARGEN_X,
        topMargin=ALTO_PAGINA - TOPE_PRIMERA,
        bottomMargin=PIE,
        title=titulo_pdf,
        author=INSTITUTO,
        subject=asunto_pdf,
        keywords=palabras,
        creator="Recolección de Excedentes y Faltantes",
    )
    deco = _Decorado(datos, f, final=final, pie_izquierda=pie_izquierda)
    marco = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates(
        [
            PageTemplate(
                id="primera",
                frames=[Frame(MARGEN_X, PIE, ANCHO_UTIL, TOPE_PRIMERA - PIE, **marco)],
                onPage=deco.primera,
                autoNextPageTemplate="resto",
            ),
            PageTemplate(
                id="resto", frames=[Frame(MARGEN_X, PIE, ANCHO_UTIL, TOPE_RESTO - PIE, **marco)], onPage=deco.resto
            ),
        ]
    )
    story = _encabezado(datos, e) + story_contenido(e)
    doc.build(story, canvasmaker=_canvas_numerado(f.normal))
    return salida.getvalue()


def _sin_lineas(datos: DatosReporte) -> bool:
    return str(datos.respuesta).strip().upper() == "NO" or datos.lineas is None or len(datos.lineas) == 0


def reporte_preliminar(datos: DatosReporte) -> bytes:
    """The preliminary report: watermark and "Sin Validez Oficial" legend on every page, no signatures."""
    f = _elegir_fuentes(_textos(datos))
    respondio_no = str(datos.respuesta).strip().upper() == "NO"

    def contenido(e: _Estilos) -> list:
        if respondio_no:
            return [Spacer(1, 24), _declaracion(texto_sin_registros(datos), e)]
        if datos.lineas is None or len(datos.lineas) == 0:
            return [
                Spacer(1, 24),
                _declaracion(
                    f"Ninguna de las {datos.unidades_total:,} Unidades Médicas ha registrado Excedentes ni Faltantes "
                    "todavía.",
                    e,
                ),
            ]
        return _tablas(_agrupar(datos.lineas), e)

    return _construir(
        datos,
        contenido,
        final=False,
        pie_izquierda=LEYENDA_PRELIMINAR,
        f=f,
        titulo_pdf=f"{HERRAMIENTA} para el {datos.anio} · {datos.ooad_nombre} · Reporte preliminar",
        asunto_pdf="Reporte preliminar (Sin Validez Oficial)",
    )


def reporte_final(
    datos: DatosReporte,
    *,
    folio: str,
    version: int,
    finalizado_en: dt.datetime,
    finalizado_por: str,
    firmantes: list[Firmante],
    url_verificacion: str | None = None,
) -> bytes:
    """The "Versión Final": no watermark; folio on every page; signature section, folio box and QR code."""
    firmantes = list(firmantes or [])
    extra = [folio, finalizado_por or "", url_verificacion or ""]
    extra += [t for fi in firmantes for t in (fi.nombre, fi.cargo)]
    f = _elegir_fuentes(_textos(datos, extra))

    def contenido(e: _Estilos) -> list:
        if _sin_lineas(datos):
            cuerpo: list = [Spacer(1, 24), _declaracion(texto_sin_registros(datos), e), Spacer(1, 30)]
        else:
            cuerpo = _tablas(_agrupar(datos.lineas), e) + [Spacer(1, 22)]
        cierre = _firmas(firmantes, e) + [
            Spacer(1, 18),
            _caja_folio(folio, version, finalizado_en, finalizado_por or "", url_verificacion, e),
        ]
        return cuerpo + [KeepTogether(cierre)]

    return _construir(
        datos,
        contenido,
        final=True,
        pie_izquierda=f"Folio: {folio} · Versión Final {version}",
        f=f,
        titulo_pdf=f"{HERRAMIENTA} para el {datos.anio} · {datos.ooad_nombre} · Versión Final {version}",
        asunto_pdf=f"Versión Final {version} · Folio {folio}",
        palabras=folio,
    )
