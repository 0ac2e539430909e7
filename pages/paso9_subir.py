"""Paso 9: upload the signed final report."""

import streamlit as st

from core import ciclo
from pages.components import contexto as ctx

ctx.encabezado(
    "Paso 9",
    "Subir Reporte «Versión Final» firmado",
    ["Para que la OOAD/UMAE concluya el proceso deberá subir el reporte firmado.",
     "Solo se admiten archivos con formato PDF y con un peso máximo de 100 Megabytes."],
)
cx = ctx.contexto_captura(ctx.PASO9)
if cx.estado.estado not in (ciclo.FINALIZADO, ciclo.FIRMADO):
    st.info("Podrá subir el reporte firmado cuando la OOAD/UMAE haya finalizado el registro (Paso 7) "
            "e impreso la Versión Final (Paso 8).")
    st.page_link(ctx.PASO7, label="Ir al Paso 7", icon="⬅️")
    st.stop()
st.warning("La carga del PDF firmado todavía no está habilitada en esta versión de la herramienta. "
           "Mientras tanto, envíe el reporte firmado de forma física a la División.")
