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
n_filas, n_columnas = vista.forma
st.subheader(f"{VALORES[valor]} · {nombre_medida} · {titulo[filas]} × {titulo[columnas]}")
if valor == "intercambiable":
    st.caption(
        "Intercambiable: en cada celda, el menor de su Excedente y su Faltante (lo que podría "
        "intercambiarse dentro de ella). Los totales de cada fila y columna son el menor de sus "
        "totales de Excedente y de Faltante."
    )
st.dataframe(
    vista.tabla,
    hide_index=True,
    key="cruce_tabla",
    height=min(38 + 35 * vista.filas_tabla, 560),
    column_config=vista.formato,
)
for nombre_resumen, (_, resumen) in vista.intercambiable.items():
    st.markdown(f"**{nombre_resumen}**")
    st.dataframe(
        resumen,
        hide_index=True,
        key=f"cruce_{nombre_resumen}",
        height=min(38 + 35 * resumen.num_rows, 420),
        column_config={
            **{c: vistas.NUMERO for c in resumen.column_names[1:-1]},
            "% del faltante cubrible": vistas.PORCENTAJE,
        },
    )
st.plotly_chart(vista.figura, key="cruce_mapa_calor")
notas = []
if vista.saturadas:
    extremo = "±" if valor == "balance" else ""
    notas.append(
        f"Los colores se saturan en {extremo}{vista.limite:,} (percentil {analisis.PERCENTIL_COLOR} de las "
        f"celdas): {vista.saturadas:,} celda(s) lo superan y llevan el color del extremo; su valor exacto "
        "está en la tabla y al pasar el cursor."
    )
if vista.recortado:
    notas.append(
        f"La gráfica muestra las {n_filas:,} filas y {n_columnas:,} columnas de mayor volumen; "
        "la tabla y las descargas tienen todas."
    )
for nota in notas:
    st.caption(nota)

descargas.botones(
    {
        "Balance": lambda: analisis.tabla_cruce(largo, filas, columnas, "balance"),
        "Excedente": lambda: analisis.tabla_cruce(largo, filas, columnas, "excedente"),
        "Faltante": lambda: analisis.tabla_cruce(largo, filas, columnas, "faltante"),
        "Intercambiable": lambda: analisis.tabla_cruce(largo, filas, columnas, "intercambiable"),
        "Detalle por celda": lambda: analisis.tabla_larga(largo, filas, columnas, medida),
    },
    f"cruce {filas} {columnas} {medida}",
    anio,
    key="cruce_descargas",
)


vistas.lineas_de_una_celda(clave, cuenta)
