"""Panorama nacional: a period's surplus and shortage at a glance, with the map by state."""

import streamlit as st

from core.analysis import analisis
from ui.components import descargas, exportacion
from ui.components import vistas_analisis as vistas

cab = vistas.cabecera("Panorama nacional")
store, cuenta, anio, en_captura = cab.store, cab.cuenta, cab.anio, cab.en_captura
ruta, generacion = cab.ruta, cab.generacion

# The account was checked above; the cache is keyed by its user so nobody reads another's entry.
cob, pan, tablas, tablas_arrow, formatos, figuras = vistas.panorama(
    ruta, cuenta.usuario, anio, en_captura, generacion, cuenta
)
st.info(analisis.describir_cobertura(cob), icon="ℹ️")
if pan.lineas == 0:
    st.warning(
        f"En el periodo {anio} no hay líneas con esta selección de datos."
        + ("" if en_captura else " Active «Incluir OOAD/UMAE en captura» para ver la captura en curso.")
    )

exc, fal = pan.por_tipo.set_index("tipo").loc[analisis.EXCEDENTE], pan.por_tipo.set_index("tipo").loc[analisis.FALTANTE]
m = st.columns(6)
m[0].metric("Unidades que reportan", f"{pan.unidades:,}", help="Unidades Médicas con al menos una línea")
m[1].metric("OOAD/UMAE que reportan", f"{pan.ooad_umae:,}")
m[2].metric("Líneas", f"{pan.lineas:,}")
m[3].metric("Pacientes excedentes (mes)", f"{int(exc['pacientes']):,}")
m[4].metric("Pacientes faltantes (mes)", f"{int(fal['pacientes']):,}")
m[5].metric(
    "Balance de pacientes",
    f"{int(exc['pacientes'] - fal['pacientes']):,}",
    help="Excedente − Faltante: positivo, sobra capacidad; negativo, falta.",
)


def _tabla(nombre: str) -> None:
    st.dataframe(tablas_arrow[nombre], hide_index=True, column_config=formatos[nombre])


st.subheader("Excedentes y Faltantes")
_tabla("Resumen")
izq, der = st.columns(2)
izq.plotly_chart(figuras["causas"], key="panorama_causas")
der.plotly_chart(figuras["ambitos"], key="panorama_ambitos")
_tabla("Faltantes por causa")
_tabla("Ámbito")

st.subheader("Balance por estado (pacientes mensuales)")
# plotly.js fetches a world topojson from cdn.plot.ly for any choropleth, even with the base map hidden,
# and draws no state without it (offline): an empty topology (a data: URL) stands in for it.
st.plotly_chart(
    figuras["mapa"],
    key="panorama_mapa",
    config={"topojsonURL": 'data:application/json,{"type":"Topology","objects":{},"arcs":[]}#'},
)
_tabla("Por estado")

st.markdown("**Descargar las tablas de esta página**")
descargas.botones(tablas, "panorama", anio, key="panorama_tablas")

st.subheader("Exportación completa del periodo")
st.caption(
    f"Todas las líneas de la selección ({cob['lineas']:,}), una fila por línea, con su OOAD/UMAE, estado, "
    "semáforo, coordenadas y todas las columnas. Se prepara al pulsar el botón."
)
exportacion.completa(store, cuenta, anio, en_captura, cob["lineas"], key="panorama_completa")
