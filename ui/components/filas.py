"""Tables whose rows carry their own buttons (the tablero, Paso 3), as the guide's tables do.

A header line, a block of rows that scrolls under it at a fixed height, and a totals line below it
(`st.dataframe` cannot hold a button in a cell). Every column has a fixed width in px, so header,
rows and totals line up. Each row is one horizontal container keyed `key` (CSS class
`st-key-<key>`, how browser tests find it); its runs of plain cells are drawn as one HTML element,
so a row costs a few elements whatever its number of columns, and a run of rows without widgets
is one element (each element costs the script run about 0.2 ms; 60 rows of one element per cell
took 280 ms).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import streamlit as st


@dataclass(frozen=True)
class Columna:
    titulo: str
    ancho: int  # px
    numero: bool = False  # right-aligned


# A cell: plain text (shown literally), or a function that draws a widget in a slot `ancho` px wide.
Celda = str | Callable[[int], None]

_CSS = """<style>
.eyf-fila{display:flex;align-items:center;font-size:0.875rem;line-height:1.25;margin-bottom:1rem}
.eyf-fila span{display:inline-block;box-sizing:border-box;padding:0 5px;overflow-wrap:break-word}
.eyf-fila span.eyf-n{text-align:right}
.eyf-fila span.eyf-apagado{color:rgba(49,51,63,0.5)}
.eyf-cab{font-weight:600;font-size:0.75rem;align-items:flex-end;border-bottom:2px solid rgba(49,51,63,0.25);
 padding-bottom:4px}
.eyf-total{font-weight:600;border-top:2px solid rgba(49,51,63,0.25);padding-top:6px}
.eyf-renglon{margin-bottom:0;min-height:2.1rem;border-bottom:1px solid rgba(49,51,63,0.08)}
.eyf-renglon:last-child{margin-bottom:1rem}
div[class*="st-key-fila_"]{border-bottom:1px solid rgba(49,51,63,0.08);min-height:2.5rem}
div[class*="st-key-fila_"] button{min-height:2rem;padding:0 5px;text-align:left}
div[class*="st-key-fila_"] button > div{justify-content:flex-start}
div[class*="st-key-fila_"] button p{font-size:0.875rem;line-height:1.25;white-space:normal}
div[class*="st-key-fila_"] button:enabled p{color:#1a56a8;text-decoration:underline;text-underline-offset:2px}
</style>"""


def estilos() -> None:
    """The tables' CSS, once per page run (Streamlit puts a style-only st.html outside the layout)."""
    st.html(_CSS)


def _span(col: Columna, texto: str, apagado: bool = False) -> str:
    clases = " ".join(c for c in ("eyf-n" if col.numero else "", "eyf-apagado" if apagado else "") if c)
    return f"<span class='{clases}' style='width:{col.ancho}px'>{html.escape(texto)}</span>"


def _linea(
    columnas: Sequence[Columna], textos: Sequence[str], clase: str = "", apagados=(), fila: str | None = None
) -> str:
    celdas = "".join(_span(c, t, i in apagados) for i, (c, t) in enumerate(zip(columnas, textos, strict=True)))
    dato = f" data-fila='{html.escape(fila)}'" if fila is not None else ""
    return f"<div class='eyf-fila {clase}'{dato}>{celdas}</div>"


def ancho(columnas: Sequence[Columna]) -> int:
    return sum(c.ancho for c in columnas)


def encabezado(columnas: Sequence[Columna]) -> None:
    st.markdown(
        _linea(columnas, [c.titulo for c in columnas], "eyf-cab"), unsafe_allow_html=True, width=ancho(columnas)
    )


def totales(columnas: Sequence[Columna], textos: Sequence[str]) -> None:
    st.markdown(_linea(columnas, textos, "eyf-total"), unsafe_allow_html=True, width=ancho(columnas))


def _celdas_texto(celdas) -> tuple[list[str], set[int]]:
    tramo = [c if isinstance(c, tuple) else (c, False) for c in celdas]
    return [t for t, _ in tramo], {k for k, (_, a) in enumerate(tramo) if a}


def renglones(columnas: Sequence[Columna], filas: Iterable[tuple[str, Sequence[Celda | tuple[str, bool]]]]) -> None:
    """Rows in order, each (key, cells). A row with widgets is a keyed container (`renglon`); a run of
    rows without any is one HTML element, each row a div with `data-fila` = its key (a capturista's
    tablero is 59 such rows and its own: a few elements instead of 120)."""
    planas: list[str] = []

    def vaciar() -> None:
        if planas:
            st.markdown("".join(planas), unsafe_allow_html=True, width=ancho(columnas))
            planas.clear()

    for key, celdas in filas:
        if any(callable(c) for c in celdas):
            vaciar()
            renglon(columnas, celdas, key)
        else:
            textos, apagados = _celdas_texto(celdas)
            planas.append(_linea(columnas, textos, "eyf-renglon", apagados, fila=key))
    vaciar()


def renglon(columnas: Sequence[Columna], celdas: Sequence[Celda | tuple[str, bool]], key: str) -> None:
    """One row: plain cells (text, or (text, muted)) merged into HTML runs, widgets in their slots.

    `key` must start with "fila_" (the rows' CSS)."""
    with st.container(
        horizontal=True, wrap=False, gap=None, vertical_alignment="center", key=key, width=ancho(columnas)
    ):
        i = 0
        while i < len(celdas):
            if callable(celdas[i]):
                celdas[i](columnas[i].ancho)
                i += 1
                continue
            j = i
            while j < len(celdas) and not callable(celdas[j]):
                j += 1
            textos, apagados = _celdas_texto(celdas[i:j])
            st.markdown(
                _linea(columnas[i:j], textos, apagados=apagados), unsafe_allow_html=True, width=ancho(columnas[i:j])
            )
            i = j
