"""Comparar periodos: surplus and shortage of two periods side by side, the change, and what appeared or
disappeared (issue 12 §4). Reads the same análisis snapshot as Panorama and Cruce."""

import streamlit as st

from core.analysis import analisis, comparacion
from ui.components import descargas
from ui.components import vistas_analisis as vistas

cab = vistas.cabecera("Comparar periodos")
store, cuenta, anio, en_captura = cab.store, cab.cuenta, cab.anio, cab.en_captura
RUTA, generacion = cab.ruta, cab.generacion

lista, _ = vistas.periodos(RUTA, generacion)
otros = [a for a in lista if a != anio]
if not otros:
    st.warning(f"Solo existe el periodo {anio}: no hay otro con qué compararlo.")
    st.stop()
previos = [a for a in otros if a < anio]
d1, d2, d3 = st.columns([1, 1, 2])
otro = d1.selectbox(
    "Comparar con el periodo", otros, index=otros.index(previos[0]) if previos else 0, key="comparar_otro"
)
dimensiones = list(comparacion.DIMENSIONES)
dimension = d2.selectbox(
    "Por",
    dimensiones,
    index=dimensiones.index("producto"),
    format_func=lambda d: analisis.DIMENSIONES[d].titulo,
    key="comparar_dimension",
)
medida = d3.radio(
    "Medida", list(analisis.MEDIDAS), format_func=analisis.MEDIDAS.get, key="comparar_medida", horizontal=True
)
antes, despues = sorted((otro, anio))

filtros = vistas.filtros(RUTA, cuenta, generacion, "comparar")

for a in (antes, despues):
    st.info(vistas.cobertura_texto(RUTA, cuenta.usuario, a, en_captura, generacion, cuenta), icon="ℹ️")

df = comparacion.comparar_periodos(
    store, cuenta, antes, despues, dimension, medida, filtros, incluir_en_captura=en_captura
)
if df.empty:
    st.warning("Ninguno de los dos periodos tiene líneas con esta selección de datos y filtros.")
    st.stop()
n = comparacion.conteo(df)
titulo = analisis.DIMENSIONES[dimension].titulo
m = st.columns(4)
m[0].metric(f"Aparecen en {despues}", f"{n[comparacion.APARECE]:,}", help=f"Con líneas en {despues} y no en {antes}")
m[1].metric(
    f"Desaparecen en {despues}", f"{n[comparacion.DESAPARECE]:,}", help=f"Con líneas en {antes} y no en {despues}"
)
m[2].metric("Cambian", f"{n[comparacion.CAMBIA]:,}", help="En ambos periodos, con otro excedente o faltante")
m[3].metric("Sin cambio", f"{n[comparacion.IGUAL]:,}")

mostrar = st.pills(
    "Mostrar",
    list(comparacion.SITUACIONES),
    selection_mode="multi",
    default=[comparacion.APARECE, comparacion.DESAPARECE, comparacion.CAMBIA],
    key="comparar_situaciones",
)
tabla = comparacion.tabla(df[df["situacion"].isin(mostrar or [])], dimension, medida, antes, despues)
nombre_medida = analisis.MEDIDAS[medida].lower()
st.subheader(f"{titulo} · {nombre_medida} · {antes} → {despues}")
st.caption("Cambio = periodo más reciente − periodo anterior. Primero los de mayor cambio en el balance.")
st.dataframe(
    tabla,
    hide_index=True,
    width="stretch",
    key="comparar_tabla",
    placeholder="",
    height=min(38 + 35 * max(len(tabla), 1), 560),
    column_config={c: vistas.NUMERO for c in tabla.columns[1:-1]},
)
completa = comparacion.tabla(df, dimension, medida, antes, despues)
descargas.botones(
    {
        "Comparación": tabla,
        "Aparecen": completa[df["situacion"] == comparacion.APARECE],
        "Desaparecen": completa[df["situacion"] == comparacion.DESAPARECE],
    },
    f"comparacion {antes} {dimension} {medida}",
    despues,
    key="comparar_descargas",
)
