"""Soft warnings for outlying figures (issue 12 §5): a figure far from what its product usually has.

A warning never blocks a save: the person confirms the row (or corrects it), and the confirmation is
recorded in the audit trail, where the división lists confirmed outliers.

The method
----------
For each product, the *reference* is the product's national distribution in the lines saved in
table `linea` for the period being captured and every earlier one (all OOAD/UMAE, every lifecycle
state), except the lines that the rows being checked are about to replace (same period, unit and
product): a figure is never compared with the value it replaces.

Three figures are checked per row, each on the natural log of its value:

- ``pacientes`` and ``eventos`` (when given), against the lines of the same product **and the same
  kind** (Excedente or Faltante): a surplus is capacity offered, a shortage is unmet need, and the
  two have different scales for the same intervention;
- ``eventos por paciente`` (eventos / pacientes, when eventos is given), against every line of the
  product whatever its kind: how many times a patient receives an intervention in a month is a
  property of the intervention (about 12 hemodialysis sessions, 1 for most laboratory tests), not of
  whether it is surplus or shortage, so the larger pooled sample is the better reference.

A figure warns when its robust (modified) z-score, ``0.6745 · (ln x − median) / MAD`` with median and
MAD of the log values (Iglewicz & Hoaglin, 1993), is beyond ``Z_MAXIMO`` = 3.5 in absolute value, i.e.
when x lies outside ``[median / r, median · r]`` with ``r = exp(3.5 · MAD / 0.6745)``. Why this method:

- Logs, because monthly figures are counts spread over orders of magnitude by the size of the unit
  (a UMF against a third-level hospital): their spread is multiplicative, and a typing error (a digit
  too many or too few) is a factor of 10, a fixed distance on the log scale. The usual range is
  therefore asymmetric around the median, as it should be for counts.
- Median and MAD, because they are not moved by the outliers themselves (up to half the sample may
  be wrong), which matters when earlier confirmed outliers stay in the data; a mean and a standard
  deviation would be inflated by one 100× figure and hide the next one.
- Not percentile bounds: estimating a 1st or 99th percentile needs hundreds of lines a product, and
  most products have a few dozen a year; the median and the MAD are stable from eight lines.
- 3.5 is Iglewicz & Hoaglin's recommended cut: for log-normally spread figures (what unit sizes give)
  it flags about 1 line in 2,000, so a warning is rare enough to be read rather than clicked away.

Two guards keep warnings meaningful:

- A floor on the width of the usual range: it is never narrower than ``[median / f, median · f]``,
  with ``f`` = ``FACTOR_MINIMO_CANTIDAD`` = 10 for pacientes and eventos and ``FACTOR_MINIMO_RAZON`` =
  5 for eventos por paciente. Without it, when more than half the sample has the same value (many
  units report the same round figure; most laboratory tests are exactly one event per patient) the
  MAD is 0 and any other value would have an infinite z-score; and with a few dozen lines the MAD
  itself is noisy (its relative error is about 1/√n), so a sample that happens to be tight would
  flag ordinary lines. Ten for the quantities because the units' sizes differ by that much (a UMF
  against a third-level hospital): a tenfold difference from the median is ordinary, a hundredfold is
  not. Five for the ratio because how often a patient receives an intervention in a month varies far
  less between units (clinical practice, not unit size): 6 tests a patient where everyone reports 1,
  or 1 hemodialysis session a patient where the median is 12, is worth a question. Measured on a
  log-normal national sample like the one in tests/core/test_atipicos.py: with a floor of 5 for the
  quantities 1.7 % of ordinary lines warned, with 10 about 0.3 %. The price: one digit too many on
  a median figure (×10) is never questioned, only one on a figure already well above the median;
  two digits (×100) are, wherever the middle half of the product's lines lies within a factor of
  about 6 (MAD of the logs below 0.89).
- A minimum sample, ``MIN_LINEAS`` = 8 lines from ``MIN_OOAD`` = 3 different OOAD/UMAE, below which
  that figure is not checked: fewer lines give an unstable median and MAD, and one OOAD/UMAE alone
  (one team typing with the same habits) must not define what is usual for the country.

Only what is typed is questioned: a figure equal to the one the saved line already has (same
period, unit, product and kind) does not warn again, so changing a row's ámbito or re-uploading the
Excel template with the current lines asks nothing. Hence a caller checks *before* writing the rows.

Everything is computed in one SQL query per call (DuckDB's ``median`` and ``mad`` per product, kind
and figure, joined with the rows being checked), not per row.

The rows checked are validated lines (``captura.LineaValida``, or anything with ``producto``,
``tipo``, ``pacientes`` and ``eventos``): this module does not import ``captura``, so that
``captura.guardar`` can import it without an import cycle. The wiring: ``guardar`` calls
``revisar`` inside its transaction on the lines it validated, before writing them, raises
``ConfirmacionPendiente`` for the warnings the person has not confirmed (nothing is stored; the page
shows them with ``ui/components/atipicos.py`` and saves again with them confirmed), and calls
``registrar_confirmacion`` (which joins that transaction) for those confirmed. The Excel upload
(``plantilla.leer``) lists its warnings in the preview, confirmed once for the whole file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import pandas as pd

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.base import auditoria
from core.base.errors import NoEncontrado
from core.base.store import Store

Z_MAXIMO = 3.5  # Iglewicz & Hoaglin's cut for the modified z-score
K_MAD = 0.6745  # Φ⁻¹(0.75): the MAD of a normal law is 0.6745 σ
FACTOR_MINIMO_CANTIDAD = 10.0  # pacientes, eventos: the usual range is never narrower than [m / 10, m × 10]
FACTOR_MINIMO_RAZON = 5.0  # eventos por paciente: never narrower than [m / 5, m × 5]
MIN_LINEAS = 8  # lines of the reference below which a figure is not checked
MIN_OOAD = 3  # ... and distinct OOAD/UMAE among them

PACIENTES, EVENTOS, RAZON = "pacientes", "eventos", "eventos por paciente"
CIFRAS = (PACIENTES, EVENTOS, RAZON)

ACCION_CONFIRMADA = "cifra atípica confirmada"
RESPUESTA_CONFIRMADA = "confirmada"

# A value exactly on a bound (ratios such as 5/1 against a median of 1) is inside the range, whatever
# the last bit of the logarithms says.
_TOLERANCIA = 1e-9


class LineaCifras(Protocol):
    """What is checked of a row: the figures of a line validated by the capture rules
    (`captura.LineaValida` has them: pacientes ≥ 1, eventos ≥ pacientes or None)."""

    producto: str
    tipo: str
    pacientes: int
    eventos: int | None


@dataclass(frozen=True)
class Aviso:
    """One figure of one row far from what its product usually has. Plain data, safe to keep in a page."""

    unidad: str
    unidad_nombre: str
    producto: str
    producto_nombre: str
    tipo: str  # Excedente or Faltante: the row's kind
    cifra: str  # one of CIFRAS
    valor: float  # the row's figure (an integer for pacientes and eventos)
    minimo: float  # the usual range, median / r ...
    maximo: float  # ... median × r (unrounded)
    mediana: float
    lineas: int  # size of the reference
    ooads: int  # distinct OOAD/UMAE in it
    pacientes: int
    eventos: int | None

    @property
    def alto(self) -> bool:
        return self.valor > self.mediana

    @property
    def clave(self) -> tuple[str, str, str, float]:
        """What a confirmation refers to: this figure of this row, whatever the range is by then."""
        return (self.unidad, self.producto, self.cifra, float(self.valor))

    def _numero(self, x: float) -> str:
        return f"{x:,.1f}" if self.cifra == RAZON else f"{round(x):,}"

    @property
    def limites(self) -> tuple[float, float]:
        """The range as shown: whole numbers (the largest and smallest figures that do not warn)
        for pacientes and eventos, one decimal for the ratio; never below 1 (a figure's least)."""
        if self.cifra == RAZON:
            bajo = math.floor(self.minimo * 10 + _TOLERANCIA) / 10
            return max(1.0, bajo), math.ceil(self.maximo * 10 - _TOLERANCIA) / 10
        return max(1, math.ceil(self.minimo - _TOLERANCIA)), math.floor(self.maximo + _TOLERANCIA)

    @property
    def rango(self) -> str:
        bajo, alto = self.limites
        texto = f"entre {self._numero(bajo)} y {self._numero(alto)}"
        return texto + " eventos por paciente" if self.cifra == RAZON else texto

    @property
    def valor_texto(self) -> str:
        if self.cifra == RAZON:
            return (
                f"{self.valor:,.1f} eventos por paciente ({self.eventos:,} eventos mensuales para "
                f"{self.pacientes:,} pacientes mensuales)"
            )
        return f"{round(self.valor):,} {self.cifra} mensuales"

    @property
    def mensaje(self) -> str:
        donde = "muy por encima" if self.alto else "muy por debajo"
        referencia = f"{self.lineas:,} líneas de {self.ooads:,} OOAD/UMAE en este periodo y los anteriores"
        return (
            f"Producto {self.producto} «{self.producto_nombre}» ({self.tipo}): {self.valor_texto} está {donde} "
            f"de lo habitual para este producto, {self.rango} (mediana {self._numero(self.mediana)}, según "
            f"{referencia}). Confirme que la cifra es correcta o corríjala; confirmarla no impide guardar."
        )


def _ooad_de_unidades(store: Store, unidades: Iterable[str]) -> dict[str, str]:
    claves = sorted(set(unidades))
    if not claves:
        return {}
    encontradas = dict(store.filas("SELECT clave, ooad FROM unidad WHERE list_contains(?, clave)", [claves]))
    faltan = [u for u in claves if u not in encontradas]
    if faltan:
        raise NoEncontrado(f"La unidad médica '{faltan[0]}' no existe.")
    return encontradas


# One query: the reference of every (product, kind, figure) the rows need, and the rows' figures
# outside it, except a figure the row does not change (the saved line of this period has the same kind
# and value: it was questioned when it was typed). `entrada` is the rows, zipped from parallel lists.
_SQL = f"""
WITH entrada AS (
    SELECT unnest($i::INTEGER[]) AS i, unnest($unidades::VARCHAR[]) AS unidad,
           unnest($productos::VARCHAR[]) AS producto, unnest($tipos::VARCHAR[]) AS tipo,
           unnest($pacientes::BIGINT[]) AS pacientes, unnest($eventos::BIGINT[]) AS eventos),
muestra AS (
    SELECT l.ooad, l.producto, l.tipo, l.pacientes, l.eventos FROM linea l
    WHERE l.anio <= $anio AND l.producto IN (SELECT producto FROM entrada)
      AND NOT EXISTS (SELECT 1 FROM entrada e
                      WHERE l.anio = $anio AND e.unidad = l.unidad AND e.producto = l.producto)),
largo AS (
    SELECT producto, tipo, ooad, '{PACIENTES}' AS cifra, ln(pacientes) AS v FROM muestra
    UNION ALL
    SELECT producto, tipo, ooad, '{EVENTOS}', ln(eventos) FROM muestra WHERE eventos IS NOT NULL
    UNION ALL
    SELECT producto, NULL, ooad, '{RAZON}', ln(eventos::DOUBLE / pacientes) FROM muestra WHERE eventos IS NOT NULL),
referencia AS (
    SELECT producto, tipo, cifra, count(*) AS lineas, count(DISTINCT ooad) AS ooads,
           median(v) AS centro,
           greatest($z / $k * mad(v), ln(CASE WHEN cifra = '{RAZON}' THEN $factor_razon ELSE $factor_cantidad END)) AS radio
    FROM largo GROUP BY producto, tipo, cifra
    HAVING count(*) >= $min_lineas AND count(DISTINCT ooad) >= $min_ooad),
casos AS (
    SELECT i, unidad, producto, tipo, '{PACIENTES}' AS cifra, 0 AS orden, pacientes::DOUBLE AS valor, pacientes, eventos
    FROM entrada
    UNION ALL
    SELECT i, unidad, producto, tipo, '{EVENTOS}', 1, eventos::DOUBLE, pacientes, eventos
    FROM entrada WHERE eventos IS NOT NULL
    UNION ALL
    SELECT i, unidad, producto, tipo, '{RAZON}', 2, eventos::DOUBLE / pacientes, pacientes, eventos
    FROM entrada WHERE eventos IS NOT NULL)
SELECT c.unidad, coalesce(u.nombre, c.unidad), c.producto, coalesce(p.nombre, c.producto), c.tipo, c.cifra,
       c.valor, exp(r.centro - r.radio), exp(r.centro + r.radio), exp(r.centro), r.lineas, r.ooads,
       c.pacientes, c.eventos
FROM casos c
JOIN referencia r ON r.producto = c.producto AND r.cifra = c.cifra
     AND r.tipo IS NOT DISTINCT FROM (CASE WHEN c.cifra = '{RAZON}' THEN NULL ELSE c.tipo END)
LEFT JOIN unidad u ON u.clave = c.unidad
LEFT JOIN producto p ON p.clave = c.producto
LEFT JOIN linea s ON s.anio = $anio AND s.unidad = c.unidad AND s.producto = c.producto AND s.tipo = c.tipo
WHERE abs(ln(c.valor) - r.centro) > r.radio + $tolerancia
  AND NOT coalesce(CASE c.cifra WHEN '{PACIENTES}' THEN s.pacientes = c.pacientes
                                WHEN '{EVENTOS}' THEN s.eventos = c.eventos
                                ELSE s.pacientes = c.pacientes AND s.eventos = c.eventos END, FALSE)
ORDER BY c.i, c.orden
"""


# Whether any of the products has a reference at all (enough lines from enough OOAD/UMAE, the lines
# being replaced included: an upper bound). Most saves at the start of a period, and every save of a
# product few units report, stop here: a count is about a tenth of the statistics query's cost, which
# every Paso 6 save pays.
_SQL_MUESTRA = """
SELECT count(*) FROM (SELECT producto FROM linea WHERE anio <= ? AND list_contains(?, producto)
                      GROUP BY producto HAVING count(*) >= ? AND count(DISTINCT ooad) >= ?) AS p
"""


def _revisar(store: Store, anio: int, filas: Sequence[tuple[str, LineaCifras]]) -> list[Aviso]:
    if not filas:
        return []
    productos = sorted({f.producto for _, f in filas})
    # fetchall, not fetchone: inside the save's transaction a half-read result would block the next
    # statement's table registration (captura._escribir_lineas).
    if not store.filas(_SQL_MUESTRA, [int(anio), productos, MIN_LINEAS, MIN_OOAD])[0][0]:
        return []
    params = {
        "i": list(range(len(filas))),
        "unidades": [u for u, _ in filas],
        "productos": [f.producto for _, f in filas],
        "tipos": [f.tipo for _, f in filas],
        "pacientes": [f.pacientes for _, f in filas],
        "eventos": [f.eventos for _, f in filas],
        "anio": int(anio),
        "z": Z_MAXIMO,
        "k": K_MAD,
        "factor_cantidad": FACTOR_MINIMO_CANTIDAD,
        "factor_razon": FACTOR_MINIMO_RAZON,
        "min_lineas": MIN_LINEAS,
        "min_ooad": MIN_OOAD,
        "tolerancia": _TOLERANCIA,
    }
    return [
        Aviso(
            unidad=r[0],
            unidad_nombre=r[1],
            producto=r[2],
            producto_nombre=r[3],
            tipo=r[4],
            cifra=r[5],
            valor=r[6] if r[5] == RAZON else int(r[6]),
            minimo=r[7],
            maximo=r[8],
            mediana=r[9],
            lineas=int(r[10]),
            ooads=int(r[11]),
            pacientes=int(r[12]),
            eventos=None if r[13] is None else int(r[13]),
        )
        for r in store.filas(_SQL, params)
    ]


def revisar(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    unidad: str,
    lineas: Sequence[LineaCifras | None],
) -> list[Aviso]:
    """One Aviso per outlying figure of the lines about to be saved at `unidad` (validated: what
    `captura.guardar` has after its checks; None, a row being deleted, is skipped), in their order.
    Call it before writing them (a figure the saved line already has does not warn). Whoever may read
    the unit's OOAD/UMAE may ask."""
    return revisar_lineas(store, cuenta, anio, [(unidad, linea) for linea in lineas])


def revisar_lineas(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    lineas: Sequence[tuple[str, LineaCifras | None]],
) -> list[Aviso]:
    """The same for lines of several units, as (unit, line) pairs: the Excel upload's preview."""
    permisos.exigir_sesion(cuenta)
    ooads = _ooad_de_unidades(store, (u for u, _ in lineas))
    for ooad in sorted(set(ooads.values())):
        permisos.exigir_lectura_ooad(cuenta, ooad)
    return _revisar(store, anio, [(u, linea) for u, linea in lineas if linea is not None])


def sin_confirmar(avisos: Iterable[Aviso], confirmados: Iterable[Aviso | tuple]) -> list[Aviso]:
    """The warnings not among those the person confirmed (matched by unit, product, figure and value,
    so a range moved by another OOAD/UMAE's save meanwhile does not ask again)."""
    hechas = {c.clave if isinstance(c, Aviso) else tuple(c) for c in confirmados}
    return [a for a in avisos if a.clave not in hechas]


def registrar_confirmacion(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    avisos: Sequence[Aviso],
) -> int:
    """Record in the audit trail each warning and the person's answer (kept the figure). Joins the
    caller's transaction when there is one (`Store.transaction()` does, on the same thread), so
    `captura.guardar` calls it inside its own and the record stands or falls with the save. Only the
    OOAD/UMAE's own capturistas, as for saving. Returns the rows written."""
    permisos.exigir_sesion(cuenta)
    if not avisos:
        return 0
    ooads = _ooad_de_unidades(store, (a.unidad for a in avisos))
    for ooad in sorted(set(ooads.values())):
        permisos.exigir_captura_ooad(cuenta, ooad)
    with store.transaction() as tx:
        for a in avisos:
            bajo, alto = a.limites
            auditoria.registrar(
                tx,
                cuenta=cuenta.usuario,
                persona=persona,
                accion=ACCION_CONFIRMADA,
                anio=anio,
                ooad=ooads[a.unidad],
                unidad=a.unidad,
                objeto=a.producto,
                despues={
                    "tipo": a.tipo,
                    "cifra": a.cifra,
                    "valor": a.valor,
                    "rango": a.rango,
                    "minimo": bajo,
                    "maximo": alto,
                    "mediana": round(a.mediana, 2),
                    "lineas": a.lineas,
                    "ooads": a.ooads,
                    "respuesta": RESPUESTA_CONFIRMADA,
                },
            )
    return len(avisos)


def tabla(avisos: Sequence[Aviso]) -> pd.DataFrame:
    """The warnings as the Excel preview lists them, Spanish headers."""
    return pd.DataFrame(
        {
            "Unidad Médica": [f"{a.unidad_nombre} ({a.unidad})" for a in avisos],
            "Clave del producto": [a.producto for a in avisos],
            "Producto": [a.producto_nombre for a in avisos],
            "Excedente/Faltante": [a.tipo for a in avisos],
            "Cifra": [a.cifra for a in avisos],
            "Valor": [a.valor_texto for a in avisos],
            "Rango habitual": [a.rango for a in avisos],
            "Aviso": [a.mensaje for a in avisos],
        },
        dtype=object,
    )


COLUMNAS_CONFIRMADOS = (
    "Fecha y hora",
    "OOAD/UMAE",
    "Unidad Médica",
    "Clave del producto",
    "Producto",
    "Excedente/Faltante",
    "Cifra",
    "Valor",
    "Rango habitual",
    "Cuenta",
    "Persona",
    "¿Sigue guardada?",
)


def confirmados(store: Store, cuenta: Cuenta | None, anio: int) -> pd.DataFrame:
    """Análisis (the división): the outlying figures confirmed in a period, newest first, with who and
    when, and whether the saved line still holds that figure (it may have been corrected since)."""
    permisos.exigir_division(cuenta)
    # The saved line still holds the confirmed figure (same kind and value); a deleted line does not.
    vigente = (
        f"l.tipo = j.tipo_linea AND CASE j.cifra WHEN '{PACIENTES}' THEN l.pacientes::DOUBLE"
        f" WHEN '{EVENTOS}' THEN l.eventos::DOUBLE ELSE l.eventos::DOUBLE / l.pacientes END = j.valor"
    )
    df = store.df(
        "WITH j AS (SELECT a.*, json_extract_string(a.despues, '$.cifra') AS cifra,"
        " json_extract_string(a.despues, '$.tipo') AS tipo_linea,"
        " TRY_CAST(json_extract(a.despues, '$.valor') AS DOUBLE) AS valor,"
        " json_extract_string(a.despues, '$.rango') AS rango"
        " FROM auditoria a WHERE a.accion = ? AND a.anio = ?)"
        " SELECT strftime(timezone('America/Mexico_City', j.en), '%d/%m/%Y %H:%M:%S') AS \"Fecha y hora\","
        " coalesce(" + ETIQUETA_OOAD.format(o="o") + ', j.ooad) AS "OOAD/UMAE",'
        " coalesce(u.nombre || ' (' || j.unidad || ')', j.unidad) AS \"Unidad Médica\","
        ' j.objeto AS "Clave del producto", coalesce(p.nombre, \'\') AS "Producto",'
        ' j.tipo_linea AS "Excedente/Faltante", j.cifra AS "Cifra",'
        ' j.valor AS "Valor",'  # formatted below: DuckDB's and PostgreSQL's format() differ
        ' j.rango AS "Rango habitual", coalesce(j.cuenta, \'\') AS "Cuenta", coalesce(j.persona, \'\') AS "Persona",'
        f" CASE WHEN coalesce({vigente}, FALSE) THEN 'Sí' ELSE 'No' END AS \"¿Sigue guardada?\""
        " FROM j LEFT JOIN ooad o ON o.clave = j.ooad LEFT JOIN unidad u ON u.clave = j.unidad"
        " LEFT JOIN producto p ON p.clave = j.objeto"
        " LEFT JOIN linea l ON l.anio = j.anio AND l.unidad = j.unidad AND l.producto = j.objeto"
        " ORDER BY j.id DESC",
        [ACCION_CONFIRMADA, int(anio)],
    )
    df["Valor"] = [
        None if pd.isna(v) else f"{v:.1f}" if c == RAZON else f"{round(v):,}"
        for c, v in zip(df["Cifra"], df["Valor"], strict=True)
    ]
    return df[list(COLUMNAS_CONFIRMADOS)]
