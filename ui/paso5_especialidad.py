"""Paso 5: choose the trunk specialty of the chosen service group."""

import streamlit as st

from core.capture import captura
from ui.components import almacen, paginas
from ui.components import contexto as ctx

ctx.encabezado(
    "Paso 5",
    "Seleccionar la Especialidad Troncal",
    ["Dé clic sobre la Especialidad Troncal en la que se reportarán Excedentes y/o Faltantes."],
)
cx = ctx.contexto_captura(paginas.PASO5)
unidad, _ = ctx.unidad_elegida(cx)
store = almacen.store()
grupo = st.session_state.get("sel_grupo")
if not grupo:
    st.info("Primero elija el Grupo de Servicio en el Paso 4.")
    st.page_link(paginas.PASO4, label="Ir al Paso 4", icon="⬅️")
    st.stop()
st.markdown(f"Grupo de Servicio: **{captura.nombre(store, 'grupo', grupo)}**")
for fila in captura.especialidades(store, grupo).itertuples():
    if st.button(f"{fila.nombre}  —  {fila.productos:,} productos", key=f"esp_{fila.clave}", width="stretch"):
        st.session_state["sel_especialidad"] = fila.clave
        st.switch_page(paginas.PASO6)
st.page_link(paginas.PASO4, label="Cambiar de Grupo de Servicio (Paso 4)", icon="⬅️")
