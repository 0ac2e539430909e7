"""Reading the tables whose rows carry their own buttons (ui/components/filas.py: the tablero, Paso 3)
in AppTest, and finalizing through Paso 7's confirmation, for the page tests."""

from __future__ import annotations

import html
import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.pages.conftest import boton

_SPAN = re.compile(r"<span class='([^']*)' style='width:\d+px'>(.*?)</span>")


def _spans(valor: str) -> list[tuple[str, str]]:
    """(text, "apagado" or "texto") of each cell of a row's HTML run."""
    return [(html.unescape(t), "apagado" if "eyf-apagado" in c else "texto") for c, t in _SPAN.findall(valor)]


_PLANA = re.compile(r"<div class='eyf-fila eyf-renglon' data-fila='([^']+)'>(.*?)</div>")


def _bloques(nodo, prefijo: str):
    """(key without `prefijo`, row) in page order: a keyed container, or a row of a run of plain rows
    drawn as one HTML element (a list of (text, kind) cells)."""
    for hijo in getattr(nodo, "children", {}).values():
        ident = getattr(getattr(hijo, "proto", None), "id", "") or ""
        if hijo.type == "flex_container" and (m := re.fullmatch(rf"\$\$ID-[0-9a-f]+-{re.escape(prefijo)}(.+)", ident)):
            yield m.group(1), hijo
        elif hijo.type == "markdown" and "data-fila=" in hijo.value:
            for clave, cuerpo in _PLANA.findall(hijo.value):
                yield html.unescape(clave).removeprefix(prefijo), _spans(cuerpo)
        else:
            yield from _bloques(hijo, prefijo)


def celdas(bloque) -> list[tuple[str, str]]:
    """A row's cells in order: (text, kind); kind is "texto", "apagado" (a guide label, no action),
    "boton" or "descarga"; a widget's text is its label, and "|disabled" is added to a disabled one."""
    if isinstance(bloque, list):  # a plain row: no widgets
        return bloque
    fuera = []
    for hijo in bloque.children.values():
        if hijo.type == "markdown":
            fuera += _spans(hijo.value)
        elif hijo.type in ("button", "download_button"):
            tipo = "boton" if hijo.type == "button" else "descarga"
            fuera.append((hijo.label, tipo + ("|disabled" if hijo.disabled else "")))
        else:
            raise AssertionError(f"celda inesperada: {hijo.type}")
    return fuera


def _linea(at: AppTest, clase: str) -> list[str]:
    for m in at.markdown:
        if f"eyf-fila {clase}" in m.value:
            return [t for t, _ in _spans(m.value)]
    raise AssertionError(f"no hay línea {clase}")


def tabla(at: AppTest, con_tipo: bool = False) -> pd.DataFrame:
    """The rows as shown, indexed by the row's key (the OOAD/UMAE or unit), with the header's columns
    and the totals line as the row "Total"; `con_tipo`: cells are (text, kind)."""
    titulos = _linea(at, "eyf-cab")
    filas = {}
    for clave, bloque in _bloques(at.main, "fila_"):
        fila = celdas(bloque)
        assert len(fila) == len(titulos), (clave, fila, titulos)
        filas[clave] = fila if con_tipo else [t for t, _ in fila]
    total = _linea(at, "eyf-total")
    filas["Total"] = [(t, "texto") for t in total] if con_tipo else total
    return pd.DataFrame.from_dict(filas, orient="index", columns=titulos)


def acciones(at: AppTest, clave: str) -> dict[str, str]:
    """The row's widgets: {label: kind}."""
    for k, bloque in _bloques(at.main, "fila_"):
        if k == clave:
            return {t: tipo for t, tipo in celdas(bloque) if tipo.split("|")[0] in ("boton", "descarga")}
    raise AssertionError(f"no hay renglón {clave}")


def finalizar_paso7(at: AppTest, confirmar: bool = True) -> AppTest:
    """On Paso 7, as a person finalizes: SI, Guardar, then the dialog's «Sí, finalizar» (or Cancelar)."""
    at.radio(key="p7_decision").set_value("SI").run()
    boton(at, "Guardar").click().run()
    boton(at, "Sí, finalizar" if confirmar else "Cancelar").click().run()
    return at
