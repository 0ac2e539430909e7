"""Paso 4: choose the service group (a group with one specialty skips Paso 5)."""

import streamlit as st

from core.capture import captura
from ui.components import almacen, paginas
from ui.components import contexto as ctx

ctx.encabezado(
    "Paso 4",
    "Seleccionar Grupo de Servicio",
    [
        "En el caso de los Grupos de Servicio que no tienen Excedentes y/o Faltantes, no es necesario "
        "realizar ninguna acción."
    ],
)
cx = ctx.contexto_captura(paginas.PASO4)
unidad, _ = ctx.unidad_elegida(cx)
store = almacen.store()
st.caption(
    "Paso 4.- Seleccione el grupo de servicio en el que se tienen excedentes y/o faltantes, "
    "haciendo clic sobre el nombre del mismo."
)
grupos = captura.grupos(store)
for fila in grupos.itertuples():
    detalle = f"{fila.productos:,} productos" + (
        f" · {fila.especialidades:,} especialidades" if fila.especialidades > 1 else ""
    )
    if st.button(f"{fila.nombre}  —  {detalle}", key=f"grupo_{fila.clave}", width="stretch"):
        st.session_state["sel_grupo"] = fila.clave
        if fila.especialidades == 1:
            esp = captura.especialidades(store, fila.clave)
            st.session_state["sel_especialidad"] = esp["clave"].iloc[0]
            st.switch_page(paginas.PASO6)
        st.session_state.pop("sel_especialidad", None)
        st.switch_page(paginas.PASO5)
st.page_link(paginas.PASO3, label="Cambiar de Unidad Médica (Paso 3)", icon="⬅️")
