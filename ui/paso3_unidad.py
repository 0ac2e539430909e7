"""Paso 3: choose the medical unit that will report (searchable; marks units already captured)."""

import streamlit as st

from core.capture import captura
from ui.components import almacen, descargas, paginas, pendientes
from ui.components import contexto as ctx
from ui.components.marcado import md

ctx.encabezado(
    "Paso 3",
    "Seleccionar Unidad Médica",
    [
        "En el caso de las Unidades Médicas que no tienen Excedentes y/o Faltantes, no es necesario "
        "realizar ninguna acción."
    ],
)
cx = ctx.contexto_captura(paginas.PASO3)
store = almacen.store()
if cx.estado.respuesta == "NO":
    st.info("La OOAD/UMAE contestó **NO** en el Paso 2: ninguna unidad registra información.")
    st.page_link(paginas.PASO7, label="Ir al Paso 7", icon="➡️")
    st.stop()
if cx.estado.respuesta is None:
    st.info("Primero conteste la pregunta del Paso 2.")
    st.page_link(paginas.PASO2, label="Ir al Paso 2", icon="⬅️")
    st.stop()

st.page_link(paginas.PASO3_EXCEL, label="Captura masiva con Excel (todas las unidades en un archivo)", icon="📊")
buscar = st.text_input("Buscar Unidad Médica", placeholder="Nombre, número o localidad", key="paso3_buscar")
df = captura.unidades(store, cx.cuenta, cx.periodo.anio, cx.ooad, buscar)
todas = captura.unidades(store, cx.cuenta, cx.periodo.anio, cx.ooad)
con = int((todas["lineas"] > 0).sum())
st.caption(f"{con:,} de {len(todas):,} Unidades Médicas tienen Excedentes y/o Faltantes guardados.")
pendientes.aviso_otras_personas(cx)
# DESCARGAS: the OOAD/UMAE's saved lines (CSV and Excel), built only when a button is clicked.
if con:
    with st.expander("Descargar las líneas guardadas de su OOAD/UMAE"):
        descargas.boton_diferido(
            lambda: captura.lineas_propias(store, cx.cuenta, cx.periodo.anio, cx.ooad),
            "Líneas guardadas",
            f"lineas guardadas {cx.ooad}",
            cx.periodo.anio,
            key="paso3_descargas",
            filas=int(todas["lineas"].sum()),
        )
if df.empty:
    st.info("Ninguna unidad coincide con la búsqueda.")
    st.stop()

tabla = df.assign(capturada=df["lineas"].map(lambda n: f"✅ {n:,} línea(s)" if n else ""))
evento = st.dataframe(
    tabla[["nombre", "tipo_unidad", "localidad", "capturada", "excedentes", "faltantes"]],
    hide_index=True,
    placeholder="",
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="paso3_tabla",
    column_config={
        "nombre": "Unidad Médica",
        "tipo_unidad": "Tipo",
        "localidad": "Localidad",
        "capturada": "Capturada",
        "excedentes": st.column_config.NumberColumn("Excedentes", format="localized"),
        "faltantes": st.column_config.NumberColumn("Faltantes", format="localized"),
    },
)
st.caption("Dé clic sobre el renglón de la Unidad Médica que reportará Excedentes y/o Faltantes.")
if evento and evento.selection.rows:
    fila = df.iloc[evento.selection.rows[0]]
    if st.button(f"Continuar con {md(fila['nombre'])} (Paso 4)", type="primary", key="paso3_continuar"):
        st.session_state["sel_unidad"] = fila["clave"]
        st.switch_page(paginas.PASO4)
