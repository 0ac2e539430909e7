"""Probe: st.data_editor 1.67 keyboard, paste, column order."""
import json
import streamlit as st
from common import frame, ORDEN, CAUSAS, AMBITOS

st.set_page_config(layout="wide")
if "df" not in st.session_state:
    import os
    st.session_state.df = frame(prefill_ambito=bool(os.environ.get("PREFILL")))
tc = st.column_config.TextColumn
sc = st.column_config.SelectboxColumn
st.data_editor(
    st.session_state.df, key="ed", num_rows="fixed", hide_index=False, height=35 * 16 + 3,
    column_order=ORDEN, disabled=["producto"],
    column_config={
        "_index": tc("Clave", width=60), "producto": tc("Producto", width=200),
        "exc_ambito": sc("Exc Amb", options=AMBITOS, width=100), "exc_eventos": tc("Exc Ev", width=80),
        "exc_pacientes": tc("Exc Pac", width=80), "fal_causa": sc("Fal Causa", options=CAUSAS, width=150),
        "fal_ambito": sc("Fal Amb", options=AMBITOS, width=100), "fal_eventos": tc("Fal Ev", width=80),
        "fal_pacientes": tc("Fal Pac", width=80),
    },
)
st.code(json.dumps(st.session_state.get("ed", {}).get("edited_rows", {}), ensure_ascii=False, default=repr), language=None)
