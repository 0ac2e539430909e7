"""The semáforo: colour plus text label, the same everywhere, with its legend."""

from __future__ import annotations

import streamlit as st

from core.lifecycle import ciclo


def leyenda() -> None:
    partes = [
        f"<span style='display:inline-block;margin-right:1.2em'>"
        f"<span style='display:inline-block;width:0.9em;height:0.9em;border-radius:50%;"
        f"background:{color};vertical-align:middle;margin-right:0.35em'></span><b>{etiqueta}</b>: "
        f"{ciclo.SIGNIFICADO[estado]}</span>"
        for estado, (_, etiqueta, color) in ciclo.SEMAFORO.items()
    ]
    st.markdown("**Semáforo:** " + "".join(partes), unsafe_allow_html=True)
