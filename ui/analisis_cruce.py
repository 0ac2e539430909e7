"""Cruce por estado y especialidad: surplus against shortage in a table and a heatmap, with the
lines behind any cell."""

import dataclasses

import streamlit as st

from core.analysis import analisis
from ui.components import descargas
from ui.components import vistas_analisis as vistas
from ui.components.vistas_analisis import VALORES

cab = vistas.cabecera("Cruce por estado y especialidad")
store, cuenta, anio, en_captura = cab.store, cab.cuenta, cab.anio, cab.en_captura
RUTA, generacion = cab.ruta, cab.generacion

# The account was checked above; caches are keyed by its user so nobody reads another's entry.
st.info(vistas.cobertura_texto(RUTA, cuenta.usuario, anio, en_captura, generacion, cuenta), icon="ℹ️")

dims = list(analisis.DIMENSIONES)
titulo = {d: analisis.DIMENSIONES[d].titulo for d in dims}
d1, d2, d3, d4 = st.columns(4)
filas = d1.selectbox("Filas", dims, index=dims.index("estado"), format_func=titulo.get, key="cruce_filas")
otras = [d for d in dims if d != filas]
columnas = d2.selectbox(
    "Columnas",
    otras,
    index=otras.index("especialidad") if "especialidad" in otras else 0,
    format_func=titulo.get,
    key="cruce_columnas",
)
medida = d3.radio(
    "Medida", list(analisis.MEDIDAS), format_func=analisis.MEDIDAS.get, key="cruce_medida", horizontal=True
)
valor = d4.radio("Valor de las celdas", list(VALORES), format_func=VALORES.get, key="cruce_valor")

filtros = vistas.filtros(RUTA, cuenta, generacion, "cruce", causas=True)

clave = (RUTA, cuenta.usuario, anio, en_captura, generacion, filas, columnas, medida, dataclasses.astuple(filtros))
vista = vistas.vista_cruce(clave, valor, cuenta)
nombre_medida = analisis.MEDIDAS[medida].lower()
if vista is None:
    st.warning("No hay líneas con esta selección de datos y filtros.")
    st.stop()
largo = vistas.cruce(clave, cuenta)
tabla, n_tabla, formato, fig, (n_filas, n_columnas), recortado = vista
st.subheader(f"{VALORES[valor]} · {nombre_medida} · {titulo[filas]} × {titulo[columnas]}")
st.dataframe(tabla, hide_index=True, key="cruce_tabla", height=min(38 + 35 * n_tabla, 560), column_config=formato)
st.plotly_chart(fig, key="cruce_mapa_calor")
if recortado:
    st.caption(
        f"La gráfica muestra las {n_filas:,} filas y {n_columnas:,} columnas de mayor volumen; "
        "la tabla y las descargas tienen todas."
    )

descargas.botones(
    {
        "Balance": lambda: analisis.tabla_cruce(largo, filas, columnas, "balance"),
        "Excedente": lambda: analisis.tabla_cruce(largo, filas, columnas, "excedente"),
        "Faltante": lambda: analisis.tabla_cruce(largo, filas, columnas, "faltante"),
        "Detalle por celda": lambda: analisis.tabla_larga(largo, filas, columnas, medida),
    },
    f"cruce {filas} {columnas} {medida}",
    anio,
    key="cruce_descargas",
)


vistas.lineas_de_una_celda(clave, cuenta)
