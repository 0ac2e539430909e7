"""The Paso 6 capture grid: AG Grid Community (streamlit-aggrid, its scripts shipped in the package).

Why not `st.data_editor` (docs/research/grid/FINDINGS.md): it cannot lock one side of one row, and it
drops a pasted list value that is not an option without a word. Here:
- every cell is text (`cellDataType: 'text'`): what is typed reaches core as typed, core decides;
- columns in the report's order; once one side of a row has a value the other is locked and grey;
- typing on a selected cell edits it; Tab/Enter move on as in a spreadsheet; Tab skips a prefilled
  ámbito and, at the end of a side, goes to the same side of the next row;
- Causa and Amb./Hosp.: one click opens the list; a click on an option, or Enter on what was typed,
  commits it and moves to the next cell of that side. Only an exact or unambiguous accent- and
  case-insensitive match becomes the option: anything else is kept as typed, shown red, and core
  refuses it with its message;
- a block copied from a spreadsheet (tab-separated) pastes from the selected cell in one paste,
  skipping locked cells (AG Grid's own clipboard is Enterprise);
- the grid returns {"filas": {product: {field: value}}} for the rows it touched; the page folds that
  into the pending edits with `core.capture.rejilla.fusionar`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
from st_aggrid import JsCode
from st_aggrid.AgGrid import _component_func
from st_aggrid.shared import DataReturnMode, StAggridTheme, walk_gridOptions

from core.capture import captura, rejilla

ALTO_FILA = 32  # px: a row of one line
ALTO_LINEA = 19  # px: each further line of a wrapped product name
ANCHO_PRODUCTO = 168  # px: its least, on a 1366 px screen (a wider one gives it the rest)
LETRAS_POR_LINEA = 22  # of a product name in ANCHO_PRODUCTO (measured in Chromium: 21-26)
ALTO_ENCABEZADO = 2 * 44  # px: the side's header over the column's (wrapped) header
ALTO_MAXIMO = 560  # px

_OPCIONES = {
    "exc_ambito": list(captura.AMBITOS),
    "fal_ambito": list(captura.AMBITOS),
    "fal_causa": list(captura.CAUSAS),
}

# Shared helpers, defined once per grid window; every callback starts with `const E = <this>;`.
_PRELUDIO = (
    "(window.__eyf || (window.__eyf = (function () {"
    f"  const CAMPOS = {json.dumps(list(rejilla.CAMPOS))};"
    f"  const LADOS = {json.dumps(rejilla.LADOS)};"
    f"  const DATO = {json.dumps(rejilla.DATO_DE_LADO)};"
    f"  const OPCIONES = {json.dumps(_OPCIONES, ensure_ascii=False)};"
    """
  const has = v => v !== null && v !== undefined && String(v).trim() !== '';
  const otro = lado => (lado === 'exc' ? 'fal' : 'exc');
  const ladoDe = campo => (campo.startsWith('exc_') ? 'exc' : campo.startsWith('fal_') ? 'fal' : null);
  const bloqueado = (d, lado) => DATO[otro(lado)].some(c => has(d[c]));
  const norm = s => String(s).normalize('NFD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase().trim();
  // An option only when the text names exactly one: otherwise what was typed, which core refuses.
  const opcion = (v, opts) => {
    if (v === null || v === undefined) return v;
    const t = norm(v);
    if (!t) return null;
    for (const f of [o => norm(o) === t, o => norm(o).startsWith(t), o => norm(o).includes(t)]) {
      const hits = opts.filter(f);
      if (hits.length === 1) return hits[0];
      if (hits.length > 1) return v;
    }
    return v;
  };
  // The next cell of the same side after `campo` (a prefilled ámbito is skipped), or null at its end.
  const siguienteEnLado = (campo, d) => {
    const cols = LADOS[ladoDe(campo)] || [];
    for (let i = cols.indexOf(campo) + 1; i < cols.length; i++) {
      if (cols[i].endsWith('_ambito') && has(d[cols[i]])) continue;
      return cols[i];
    }
    return null;
  };
  const primeraDeLado = (lado, d) => {
    const c = LADOS[lado][0];
    return c.endsWith('_ambito') && has(d[c]) ? siguienteEnLado(c, d) : c;
  };
  const tocadas = new Set();
  return {CAMPOS, LADOS, OPCIONES, has, ladoDe, bloqueado, opcion, siguienteEnLado, primeraDeLado, tocadas};
})()))"""
)


def _js(cuerpo: str) -> JsCode:
    return JsCode(cuerpo.replace("__E__", _PRELUDIO))


_EDITABLE = {
    lado: _js(f"function (p) {{ const E = __E__; return !E.bloqueado(p.data, '{lado}'); }}") for lado in ("exc", "fal")
}
_GRIS = {
    lado: _js(f"function (p) {{ const E = __E__; return E.bloqueado(p.data, '{lado}'); }}") for lado in ("exc", "fal")
}
_INVALIDA = _js(
    "function (p) { const E = __E__; const o = E.OPCIONES[p.colDef.field];"
    " return E.has(p.value) && !o.includes(p.value); }"
)

# Causa and Amb./Hosp.: a text box over the list of options (a popup: the list is never clipped).
_EDITOR_OPCION = _js(
    """
class OpcionEditor {
  init(p) {
    this.p = p;
    this.E = __E__;
    this.opts = this.E.OPCIONES[p.colDef.field];
    this.eGui = document.createElement('div');
    this.eGui.className = 'eyf-editor';
    this.input = document.createElement('input');
    this.input.className = 'eyf-texto';
    this.input.setAttribute('aria-label', p.colDef.headerName);
    this.lista = document.createElement('div');
    this.lista.className = 'eyf-lista';
    this.lista.setAttribute('role', 'listbox');
    this.opts.forEach(o => {
      const b = document.createElement('div');
      b.className = 'eyf-opcion';
      b.setAttribute('role', 'option');
      b.textContent = o;
      b.addEventListener('mousedown', e => { e.preventDefault(); e.stopPropagation(); this.input.value = o; this.terminar(); });
      this.lista.appendChild(b);
    });
    this.eGui.appendChild(this.input);
    this.eGui.appendChild(this.lista);
    const k = p.eventKey;
    this.input.value = k && k.length === 1 ? k : (p.value == null ? '' : p.value);
    this.input.addEventListener('input', () => this.filtrar());
    this.input.addEventListener('keydown', e => {
      if (e.key === 'Enter') { e.preventDefault(); e.stopPropagation(); this.terminar(); }
    });
    this.hecho = false;
  }
  filtrar() {
    const v = this.input.value;
    const elegida = this.E.opcion(v, this.opts);
    Array.from(this.lista.children).forEach(b => {
      b.classList.toggle('eyf-elegida', this.opts.includes(elegida) && b.textContent === elegida);
    });
  }
  terminar() {
    if (this.hecho) return;
    this.hecho = true;
    const api = this.p.api, fila = this.p.node.rowIndex, campo = this.p.colDef.field, node = this.p.node;
    api.stopEditing();
    const sig = this.E.siguienteEnLado(campo, node.data);
    api.setFocusedCell(fila, sig || campo);
  }
  getGui() { return this.eGui; }
  afterGuiAttached() {
    this.input.focus();
    if (this.input.value.length > 1) this.input.select();
    this.filtrar();
  }
  getValue() { return this.E.opcion(this.input.value, this.opts); }
  isPopup() { return true; }
}
"""
)

# Tab while editing: commit, then select the next cell without opening its editor (AG Grid would
# open it, and the first key typed while it opens is lost); typing on it then opens it with that key.
_TAB_AL_EDITAR = """
  if (p.editing && p.event.key === 'Tab' && !p.event.shiftKey) {
    if (p.event.type === 'keydown') { p.event.preventDefault(); p.api.stopEditing(); p.api.tabToNextCell(); }
    return true;
  }"""
_TECLAS = _js("function (p) {" + _TAB_AL_EDITAR + " return false; }")
# Enter inside the list's text box belongs to the editor (it commits and moves on, not down).
_TECLAS_OPCION = _js("function (p) {" + _TAB_AL_EDITAR + " return p.editing && p.event.key === 'Enter'; }")

_TAB = _js(
    """
function (p) {
  const E = __E__;
  if (p.backwards || !p.previousCellPosition) return p.nextCellPosition;
  const api = p.api, r = p.previousCellPosition.rowIndex, campo = p.previousCellPosition.column.getColId();
  const lado = E.ladoDe(campo);
  if (!lado) return p.nextCellPosition;
  const d = api.getDisplayedRowAtIndex(r).data;
  const sig = E.siguienteEnLado(campo, d);
  if (sig) return {rowIndex: r, column: api.getColumn(sig), rowPinned: null};
  if (r + 1 < api.getDisplayedRowCount()) {
    const d2 = api.getDisplayedRowAtIndex(r + 1).data;
    return {rowIndex: r + 1, column: api.getColumn(E.primeraDeLado(lado, d2)), rowPinned: null};
  }
  return p.nextCellPosition;
}
"""
)

_AL_CAMBIAR = _js(
    """
function (p) {
  const E = __E__;
  E.tocadas.add(p.node.id);
  if (!String(p.node.data.guardado || '').includes('✏️')) p.node.data.guardado = (String(p.node.data.guardado || '') + ' ✏️').trim();
  p.api.refreshCells({rowNodes: [p.node], force: true});
}
"""
)

# A tab-separated block from the clipboard, written from the selected cell into the editable cells
# (locked cells skipped); list values that are not exactly one option stay as pasted.
_LISTA = _js(
    """
function (params) {
  const E = __E__;
  const api = params.api;
  window.__eyfApi = api;
  // Leaving the grid (a click on «Guardar») commits the cell being edited.
  window.addEventListener('blur', () => api.stopEditing());
  if (window.__eyfPegar) return;
  window.__eyfPegar = true;
  document.addEventListener('paste', function (ev) {
    const api = window.__eyfApi;
    const texto = (ev.clipboardData || window.clipboardData).getData('text/plain');
    if (!texto) return;
    // One value into an open editor: the browser's own paste. A block (tabs or lines), even with the
    // cell's editor open (one click opens Causa's list), goes into the grid from that cell.
    if (api.getEditingCells().length && !/[\t\n]/.test(texto.replace(/[\r\n]+$/, ''))) return;
    ev.preventDefault();
    ev.stopPropagation();
    api.stopEditing(true);
    const fc = api.getFocusedCell();
    if (!fc) return;
    const filas = texto.replace(/\\r\\n?/g, '\\n').replace(/\\n$/, '').split('\\n').map(r => r.split('\\t'));
    const cols = api.getAllDisplayedColumns();
    const c0 = cols.indexOf(fc.column);
    const saltadas = [];
    filas.forEach((vals, r) => {
      const node = api.getDisplayedRowAtIndex(fc.rowIndex + r);
      if (!node) { saltadas.push('fila ' + (fc.rowIndex + r + 1)); return; }
      vals.forEach((v, c) => {
        const col = cols[c0 + c];
        if (!col) return;
        const campo = col.getColId();
        if (!E.CAMPOS.includes(campo) || !col.isCellEditable(node)) { saltadas.push(node.id + '/' + campo); return; }
        node.setDataValue(col, E.OPCIONES[campo] ? E.opcion(v, E.OPCIONES[campo]) : v);
      });
    });
    window.__eyfSaltadas = saltadas;
  }, true);
}
"""
)

_DEVOLVER = _js(
    """
function (p) {
  const E = __E__;
  const api = p.eventData.api;
  if (p.eventData.node) E.tocadas.add(p.eventData.node.id);
  const filas = {};
  E.tocadas.forEach(id => {
    const n = api.getRowNode(id);
    if (!n) return;
    const f = {};
    E.CAMPOS.forEach(c => { f[c] = n.data[c] === undefined ? null : n.data[c]; });
    filas[id] = f;
  });
  return {filas: filas};
}
"""
)

_CSS = {
    ".eyf-bloqueada": {"background-color": "#e9e9e9 !important", "color": "#9a9a9a !important"},
    ".eyf-invalida": {"background-color": "#fde2e2 !important", "color": "#b00020 !important"},
    ".eyf-editor": {
        "background": "white",
        "border": "1px solid #888",
        "box-shadow": "0 2px 8px rgba(0,0,0,.25)",
        "min-width": "190px",
        "font-size": "14px",
    },
    ".eyf-texto": {"width": "100%", "box-sizing": "border-box", "padding": "4px 6px", "border": "0"},
    ".eyf-opcion": {"padding": "5px 8px", "cursor": "pointer", "border-top": "1px solid #eee"},
    ".eyf-opcion:hover": {"background": "#e8f0fe"},
    ".eyf-elegida": {"background": "#d2e3fc", "font-weight": "600"},
    ".ag-header-group-cell-label": {"justify-content": "center", "font-weight": "700"},
    # A wrapped name's lines close together, the row's padding around them (see ALTO_LINEA).
    ".ag-cell-wrap-text": {
        "line-height": "19px !important",
        "padding-top": "6px !important",
        "padding-bottom": "6px !important",
        "word-break": "normal !important",
    },
    ".ag-cell, .ag-header-cell, .ag-header-group-cell": {
        "padding-left": "6px !important",
        "padding-right": "6px !important",
    },
}


# Amb./Hosp.: an option shown short, as the column's header names it (the whole word on hover, in the
# list and in every report); anything else exactly as typed.
_AMBITO_CORTO = {"Ambulatorio": "Amb.", "Hospitalario": "Hosp."}
assert set(_AMBITO_CORTO) == set(captura.AMBITOS)
_AMBITO_VISTO = _js(
    "function (p) { const c = new Map(Object.entries(" + json.dumps(_AMBITO_CORTO) + ")); const v = p.value;"
    " return v == null ? '' : c.has(v) ? c.get(v) : v; }"  # a Map: «constructor» is no key of it
)
# Guardado: its marks only (✅ saved, ✏️ changed and not saved); which side was saved is on hover.
_GUARDADO_VISTO = _js(
    "function (p) { const v = String(p.value || '');"
    " return ((v.includes('✅') ? '✅ ' : '') + (v.includes('✏️') ? '✏️' : '')).trim(); }"
)
_GUARDADO_AYUDA = _js(
    "function (p) { const v = String(p.value || ''); const partes = [];"
    " const tipo = v.replace(/[✅✏️\\uFE0F]/gu, '').trim();"
    " if (v.includes('✅')) partes.push('Guardado como ' + tipo);"
    " if (v.includes('✏️')) partes.push('cambios sin guardar');"
    " return partes.length ? partes.join('; ') : null; }"
)
# Text that wraps inside its cell; the row grows to hold it (AG Grid's autoHeight).
_ENVUELTO = {"wrapText": True, "autoHeight": True}
# Where a header may break: after the slash, and «Guar-dado» as Spanish hyphenates it (the column is
# narrower than the word).
_AMBITO_TITULO = "Amb./\u200bHosp."
_GUARDADO_TITULO = "Guar\u00addado"


def _columna(campo: str, titulo: str, ayuda: str, ancho: int, editable: bool) -> dict:
    lado = "exc" if campo.startswith("exc_") else "fal"
    col = {
        "field": campo,
        "colId": campo,
        "headerName": titulo,
        "headerTooltip": ayuda,
        "width": ancho,
        "cellDataType": "text",
        "sortable": False,
        "editable": _EDITABLE[lado] if editable else False,
        "cellClassRules": {"eyf-bloqueada": _GRIS[lado]},
        "suppressKeyboardEvent": _TECLAS,
    }
    if campo in _OPCIONES:
        col["cellClassRules"]["eyf-invalida"] = _INVALIDA
        if editable:
            col.update(cellEditor=_EDITOR_OPCION, singleClickEdit=True, suppressKeyboardEvent=_TECLAS_OPCION)
    if campo.endswith("_ambito"):
        col.update(valueFormatter=_AMBITO_VISTO, tooltipField=campo)
    if campo == "fal_causa":
        col["tooltipField"] = campo  # «Carencia de Servicio» does not fit: whole on hover
    return col


def columnas(editable: bool) -> list[dict]:
    """The grid's columns in the report's order (see the guide's sample report).

    Their widths add up to 878 px: the main area of a 1366 px screen (≈ 905 px) holds them all with
    the grid's own scrollbar, every quantity in view without scrolling sideways
    (tests/browser/test_entrada.py checks the fit). A product's name wraps over as many lines as it
    needs, so products that begin alike («Cirugía asistida por ordenador…») read apart without hovering;
    for that room Amb./Hosp. shows «Amb.»/«Hosp.» and Guardado its marks only."""
    regla = f"Número entero de 1 a {captura.CANTIDAD_MAXIMA:,}, solo dígitos; la coma solo separa miles (2,989)."
    fijas = {"sortable": False, "editable": False, "pinned": "left"}
    return [
        {"field": "clave", "colId": "clave", "headerName": "Clave", "width": 70, **_ENVUELTO, **fijas},
        {
            "field": "producto",
            "colId": "producto",
            "headerName": "Producto",
            "width": ANCHO_PRODUCTO,
            "minWidth": ANCHO_PRODUCTO,
            "tooltipField": "producto",  # also the whole name on hover
            **_ENVUELTO,
            **fijas,
            "suppressSizeToFit": False,  # the one column a wider screen widens
        },
        {
            "headerName": "Excedente",
            "children": [
                _columna("exc_ambito", _AMBITO_TITULO, "Excedente: Ambulatorio u Hospitalario", 60, editable),
                _columna("exc_eventos", "Eventos Mensuales", f"Excedente: eventos mensuales. {regla}", 86, editable),
                _columna(
                    "exc_pacientes", "Pacientes Mensuales", f"Excedente: pacientes mensuales. {regla}", 86, editable
                ),
            ],
        },
        {
            "headerName": "Faltante",
            "children": [
                _columna("fal_causa", "Causa Principal", "Faltante: causa principal", 116, editable),
                _columna("fal_ambito", _AMBITO_TITULO, "Faltante: Ambulatorio u Hospitalario", 60, editable),
                _columna("fal_eventos", "Eventos Mensuales", f"Faltante: eventos mensuales. {regla}", 86, editable),
                _columna(
                    "fal_pacientes", "Pacientes Mensuales", f"Faltante: pacientes mensuales. {regla}", 86, editable
                ),
            ],
        },
        {
            "field": "guardado",
            "colId": "guardado",
            "headerName": _GUARDADO_TITULO,
            "headerTooltip": "✅ guardado (como Excedente o Faltante); ✏️ cambios sin guardar",
            "width": 60,
            "sortable": False,
            "valueFormatter": _GUARDADO_VISTO,
            "tooltipValueGetter": _GUARDADO_AYUDA,
        },
    ]


def datos(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the grid gets it: product code as a column, every editable cell text or None."""
    df = frame.reset_index(names="clave")[["clave", "producto", *rejilla.CAMPOS, "guardado"]].copy()
    for c in rejilla.CAMPOS:
        df[c] = pd.Series([None if rejilla.vacio(v) else str(v) for v in df[c]], index=df.index, dtype=object)
    return df


def alto(productos) -> int:
    """The grid's height for these product names: each row as tall as its name's lines (estimated
    from its length; AG Grid measures the real ones), up to ALTO_MAXIMO, past which it scrolls."""
    filas = sum(ALTO_FILA + ALTO_LINEA * (max(len(str(p)) - 1, 0) // LETRAS_POR_LINEA) for p in productos)
    return min(ALTO_ENCABEZADO + max(filas, ALTO_FILA) + 4, ALTO_MAXIMO)


# The row fields in the grid's order, as `datos` gives them.
_CAMPOS_FILA = ("producto", *rejilla.CAMPOS, "guardado")


def _texto_fila(clave: str, valores: tuple) -> str:
    """One grid row as JSON, as `datos` gives it (every editable cell text or None)."""
    producto, *campos, guardado = valores
    fila: dict[str, Any] = {"clave": clave, "producto": None if pd.isna(producto) else producto}
    fila.update((c, None if rejilla.vacio(v) else str(v)) for c, v in zip(rejilla.CAMPOS, campos, strict=True))
    fila["guardado"] = None if pd.isna(guardado) else guardado
    return json.dumps(fila, ensure_ascii=False)


def filas_json(frame: pd.DataFrame, memoria: dict | None = None) -> str:
    """The frame's rows as the grid's JSON `rowData` (the same rows `datos` gives).

    `memoria` (kept by the caller between runs of one grid) holds each row's JSON with the values it
    was made from: an edit serialises again only the rows whose values changed (issue 13 §3; the whole
    frame through pandas and Arrow was a third of an edit's server CPU on 642 products).
    """
    memoria = {} if memoria is None else memoria
    columnas_ = [frame[c].tolist() for c in _CAMPOS_FILA]
    partes = []
    for clave, *valores in zip(frame.index.tolist(), *columnas_, strict=True):
        valores = tuple(valores)
        hecho = memoria.get(clave)
        if hecho is None or hecho[0] != valores:
            hecho = memoria[clave] = (valores, _texto_fila(clave, valores))
        partes.append(hecho[1])
    return "[" + ",".join(partes) + "]"


def _opciones_con_jscode(editable: bool) -> dict:
    return {
        "columnDefs": columnas(editable),
        "getRowId": JsCode("function (p) { return p.data.clave; }"),
        "defaultColDef": {
            "resizable": True,
            "suppressMovable": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
            "suppressSizeToFit": True,  # every width fixed but Producto's (see autoSizeStrategy)
        },
        "rowHeight": ALTO_FILA,
        "enterNavigatesVertically": True,
        "enterNavigatesVerticallyAfterEdit": True,
        "stopEditingWhenCellsLoseFocus": True,
        "tabToNextCell": _TAB,
        "onGridReady": _LISTA,
        "onCellValueChanged": _AL_CAMBIAR,
        "tooltipShowDelay": 300,
        # A wider screen gives its extra room to the product's name.
        "autoSizeStrategy": {"type": "fitGridWidth"},
        "onGridSizeChanged": JsCode("function (p) { p.api.sizeColumnsToFit(); }"),
        "suppressDragLeaveHidesColumns": True,
        "localeText": {"noRowsToShow": "Sin productos que mostrar"},
    }


def _opciones(editable: bool) -> dict:
    """gridOptions with the JavaScript as st_aggrid sends it (JsCode → its marked text)."""
    opciones = _opciones_con_jscode(editable)
    walk_gridOptions(opciones, lambda v: v.js_code if isinstance(v, JsCode) else v)
    return opciones


_OPCIONES_DE = {editable: _opciones(editable) for editable in (True, False)}


def _tema() -> StAggridTheme:
    tema = StAggridTheme(None)
    tema["themeName"] = "streamlit"  # AgGrid(theme="streamlit"), its default
    return tema


def argumentos(frame: pd.DataFrame, key: str, editable: bool, memoria: dict | None = None) -> dict:
    """What st_aggrid's `AgGrid(datos(frame), …)` of this grid hands its component, with the rows as JSON
    in gridOptions.rowData (st_aggrid's JSON mode; its frontend reads them the same way) instead of an
    Arrow table: `AgGrid()` hashes and converts the whole frame on every run, which an edit cannot
    afford. `data_hash` keeps its meaning (the frontend reloads the rows of a grid not yet edited when
    it changes): here a digest of the rows' JSON. tests/pages/test_rejilla_argumentos.py pins these
    against what `AgGrid()` itself builds.
    """
    filas = filas_json(frame, memoria)
    return dict(
        data=None,
        data_hash=hashlib.md5(filas.encode(), usedforsecurity=False).hexdigest(),
        gridOptions={**_OPCIONES_DE[editable], "rowData": filas},
        height=alto(frame["producto"]),
        data_return_mode=DataReturnMode.CUSTOM,
        frame_dtypes="None",
        allow_unsafe_jscode=True,
        columns_state=None,
        custom_css=_CSS,
        default=None,
        enable_enterprise_modules=False,
        key=key,
        license_key=None,
        manual_update=False,
        on_change=None,
        pro_assets=None,
        show_download_button=False,
        show_search=False,
        show_toolbar=False,
        custom_jscode_for_grid_return=_DEVOLVER.js_code,
        should_grid_return=None,
        theme=_tema(),
        debug=False,
        update_on=["cellValueChanged"],
        use_json_serialization=True,
        server_sync_strategy="client_wins",
    )


def mostrar(frame: pd.DataFrame, key: str, editable: bool, memoria: dict | None = None) -> None:
    """Draw the grid of `frame` (products as index). What it returns stays in `st.session_state[key]`.
    `memoria`: a dict the caller keeps for this grid between runs (see `filas_json`)."""
    _component_func(**argumentos(frame, key, editable, memoria))
