"""Prototype: streamlit-aggrid 1.2.1.post2 (AG Grid Community 34) as the Paso 6 grid.

- text cells (cellDataType 'text'): what is typed comes back as the same string;
- per-cell `editable` callbacks: a side is read-only (and grey) while the other side of the row has a value;
- Tab/Enter: Tab moves to the next editable cell (custom tabToNextCell keeps the person on the same side of the
  next row at the end of a side); Enter commits and moves down;
- paste: AG Grid's clipboard is Enterprise, so a small Community-side 'paste' handler writes a TSV block from
  the focused cell, only into editable cells, values as text.
"""
import json, os
import pandas as pd
import streamlit as st
from st_aggrid import AgGrid, JsCode
from common import frame, CAUSAS, AMBITOS

st.set_page_config(layout="wide")
ENTERPRISE = bool(os.environ.get("AG_ENTERPRISE"))

if "base" not in st.session_state:
    st.session_state.base = frame(prefill_ambito=True).reset_index()

HAS = "const has = v => v !== null && v !== undefined && String(v).trim() !== '';"
EXC_OK = JsCode(f"function(p) {{ {HAS} const d = p.data; return !(has(d.fal_causa) || has(d.fal_eventos) || has(d.fal_pacientes)); }}")
FAL_OK = JsCode(f"function(p) {{ {HAS} const d = p.data; return !(has(d.exc_eventos) || has(d.exc_pacientes)); }}")
GREY_EXC = {"celda-bloqueada": f"function(p) {{ {HAS} const d = p.data; return has(d.fal_causa) || has(d.fal_eventos) || has(d.fal_pacientes); }}"}
GREY_FAL = {"celda-bloqueada": f"function(p) {{ {HAS} const d = p.data; return has(d.exc_eventos) || has(d.exc_pacientes); }}"}


MATCH = """
function __match(v, opts) {
  if (v === null || v === undefined) return v;
  const n = s => String(s).normalize('NFD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase().trim();
  const t = n(v); if (!t) return null;
  let hits = opts.filter(o => n(o) === t); if (hits.length === 1) return hits[0];
  hits = opts.filter(o => n(o).startsWith(t)); if (hits.length === 1) return hits[0];
  hits = opts.filter(o => n(o).includes(t)); if (hits.length === 1) return hits[0];
  return v;                                   // not one option: kept as typed, core refuses it with its message
}"""
OPCION = JsCode("""
class OpcionEditor {
  init(p) {
    %s
    this.match = __match; this.opts = p.values;
    this.eGui = document.createElement('div');
    const id = 'dl-' + Math.random().toString(36).slice(2);
    this.eGui.innerHTML = '<input class="ag-input-field-input ag-text-field-input" style="width:100%%;height:100%%" list="' + id + '"><datalist id="' + id + '">' + p.values.map(o => '<option value="' + o + '">').join('') + '</datalist>';
    this.input = this.eGui.querySelector('input');
    this.input.value = p.eventKey && p.eventKey.length === 1 ? p.eventKey : (p.value == null ? '' : p.value);
  }
  getGui() { return this.eGui; }
  afterGuiAttached() { this.input.focus(); if (this.input.value.length > 1) this.input.select(); }
  getValue() { return this.match(this.input.value, this.opts); }
}""" % MATCH)


def col(field, header, side, width, editor=None, values=None):
    c = {"field": field, "headerName": header, "width": width, "cellDataType": "text",
         "editable": EXC_OK if side == "exc" else FAL_OK,
         "cellClassRules": {k: JsCode(v) for k, v in (GREY_EXC if side == "exc" else GREY_FAL).items()},
         "suppressKeyboardEvent": None}
    if editor:
        c["cellEditor"] = OPCION if os.environ.get("AG_EDITOR", "opcion") == "opcion" else editor
        c["cellEditorParams"] = {"values": values}
        c["cellClassRules"]["celda-invalida"] = JsCode("function(p) { const o = %s; return p.value != null && p.value !== '' && !o.includes(p.value); }" % json.dumps(values))
    del c["suppressKeyboardEvent"]
    return c

EXC_COLS = ["exc_ambito", "exc_eventos", "exc_pacientes"]
FAL_COLS = ["fal_causa", "fal_ambito", "fal_eventos", "fal_pacientes"]
TAB = JsCode("""
function(p) {
  // Spreadsheet Tab, but at the end of a side go to the same side's first column on the next row.
  const EXC = %s, FAL = %s;
  const id = p.previousCellPosition.column.getColId();
  if (%s && !p.backwards && id === 'fal_causa') {   // optional: Tab from Causa skips the prefilled ámbito
    return {rowIndex: p.previousCellPosition.rowIndex, column: p.api.getColumn('fal_eventos'), rowPinned: null};
  }
  if (!p.backwards) {
    const side = EXC[EXC.length-1] === id ? EXC : (FAL[FAL.length-1] === id ? FAL : null);
    if (side && p.previousCellPosition.rowIndex + 1 < p.api.getDisplayedRowCount()) {
      return {rowIndex: p.previousCellPosition.rowIndex + 1, column: p.api.getColumn(side[0]), rowPinned: null};
    }
  }
  return p.nextCellPosition;
}""" % (json.dumps(EXC_COLS), json.dumps(FAL_COLS), "true" if os.environ.get("AG_TAB_SKIP_AMBITO") else "false"))

PASTE = JsCode("""
function(params) {
  %s
  const OPTS = %s;
  const api = params.api;
  const doc = document;
  if (window.__pasteHooked) return; window.__pasteHooked = true;
  doc.addEventListener('paste', function(ev) {
    if (api.getEditingCells().length) return;           // pasting inside an open editor: the browser's own paste
    const fc = api.getFocusedCell(); if (!fc) return;
    const text = (ev.clipboardData || window.clipboardData).getData('text/plain'); if (!text) return;
    ev.preventDefault();
    const rows = text.replace(/\\r\\n?/g, '\\n').replace(/\\n$/, '').split('\\n').map(r => r.split('\\t'));
    const cols = api.getAllDisplayedColumns();
    const c0 = cols.indexOf(fc.column);
    const skipped = [];
    rows.forEach((vals, r) => {
      const node = api.getDisplayedRowAtIndex(fc.rowIndex + r); if (!node) { skipped.push('fila ' + (fc.rowIndex + r + 1)); return; }
      vals.forEach((v, c) => {
        const column = cols[c0 + c]; if (!column) return;
        if (column.isCellEditable(node)) node.setDataValue(column, OPTS[column.getColId()] ? __match(v, OPTS[column.getColId()]) : v); else skipped.push(node.id + '/' + column.getColId());
      });
    });
    window.__pasteSkipped = skipped;
  }, true);
}""" % (MATCH, json.dumps({"exc_ambito": AMBITOS, "fal_ambito": AMBITOS, "fal_causa": CAUSAS})))

grid_options = {
    "columnDefs": [
        {"field": "clave", "headerName": "Clave", "width": 80, "editable": False, "pinned": "left"},
        {"field": "producto", "headerName": "Producto", "width": 230, "editable": False, "pinned": "left"},
        {"headerName": "Excedente", "children": [
            col("exc_ambito", "Amb./Hosp.", "exc", 115, "agSelectCellEditor", AMBITOS),
            col("exc_eventos", "Eventos Mensuales", "exc", 105),
            col("exc_pacientes", "Pacientes Mensuales", "exc", 110)]},
        {"headerName": "Faltante", "children": [
            col("fal_causa", "Causa Principal", "fal", 165, "agSelectCellEditor", CAUSAS),
            col("fal_ambito", "Amb./Hosp.", "fal", 115, "agSelectCellEditor", AMBITOS),
            col("fal_eventos", "Eventos Mensuales", "fal", 105),
            col("fal_pacientes", "Pacientes Mensuales", "fal", 110)]},
    ],
    "getRowId": JsCode("function(p) { return p.data.clave; }"),
    "enterNavigatesVertically": True,
    "enterNavigatesVerticallyAfterEdit": True,
    "stopEditingWhenCellsLoseFocus": True,
    "tabToNextCell": TAB,
    "onGridReady": PASTE,
    "onCellValueChanged": JsCode("function(p) { p.api.refreshCells({rowNodes: [p.node], force: true}); }"),
    "rowHeight": 32,
}
if ENTERPRISE:
    grid_options["cellSelection"] = True
    del grid_options["onGridReady"]

import time as _t
_t0 = _t.perf_counter()
r = AgGrid(
    st.session_state.base, gridOptions=grid_options, height=32 * 16 + 80, key="ag", allow_unsafe_jscode=True,
    update_on=["cellValueChanged"], data_return_mode="AS_INPUT", enable_enterprise_modules=ENTERPRISE,
    custom_css={".celda-bloqueada": {"background-color": "#e9e9e9 !important", "color": "#999 !important"},
                ".celda-invalida": {"background-color": "#fde2e2 !important", "color": "#b00020 !important"}},
    show_toolbar=False, show_search=False, show_download_button=False,
)
data = r.data
_t1 = _t.perf_counter()
out = {}
if data is not None:
    base = st.session_state.base.set_index("clave")
    def norm(v):
        return None if v is None or (isinstance(v, float) and v != v) else v
    for _, row in data.iterrows():
        row = {k: norm(v) for k, v in row.items()}
        ch = {c: row[c] for c in EXC_COLS + FAL_COLS if not (row[c] is None and base.at[row["clave"], c] is None) and row[c] != base.at[row["clave"], c]}
        if ch:
            out[row["clave"]] = {k: (v if v is None or isinstance(v, str) else f"{type(v).__name__}:{v!r}") for k, v in ch.items()}
st.code(json.dumps(out, ensure_ascii=False), language=None)
st.session_state["timing"] = f"aggrid+data {1000*(_t1-_t0):.0f} ms, diff {1000*(_t.perf_counter()-_t1):.0f} ms"
st.caption("dtypes: " + ", ".join(f"{c}={data[c].dtype}" for c in ["exc_eventos", "fal_eventos"]) if data is not None else "no data")
st.session_state.runs = st.session_state.get("runs", 0) + 1
st.caption(f"runs: {st.session_state.runs}; {st.session_state.get('timing')}")
st.button("rerun")
