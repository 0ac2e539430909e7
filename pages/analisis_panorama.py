"""Panorama nacional: a period's surplus and shortage at a glance, with the map by state."""

import plotly.graph_objects as go
import streamlit as st

from core import analisis, auditoria, ciclo, instalacion
from core.errors import AccesoDenegado
from pages.components import contexto as ctx
from pages.components import descargas

st.caption("Análisis · División de Integración Estratégica Sectorial")
st.title("Panorama nacional")
store = ctx.store()
cuenta = ctx.cuenta()
try:
    analisis.exigir_acceso(cuenta)
except AccesoDenegado as exc:
    st.error(str(exc), icon="🔒")
    st.stop()

periodos = [p.anio for p in ciclo.periodos(store)]
if not periodos:
    st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
    st.stop()
actual = ctx.periodo()
c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
anio = c1.selectbox("Periodo", periodos, index=periodos.index(actual.anio) if actual else 0, key="analisis_anio")
en_captura = c2.toggle("Incluir OOAD/UMAE en captura", key="analisis_en_captura",
                       help="Por omisión solo cuenta la última Versión Final de cada OOAD/UMAE finalizada o "
                            "firmada; con esta opción se suman las líneas actuales de las que siguen en captura.")


@st.cache_data(max_entries=16, show_spinner="Calculando el panorama…")
def _datos(ruta: str, _cuenta, usuario: str, anio: int, en_captura: bool, generacion: int):
    cob = analisis.cobertura(store, _cuenta, anio, incluir_en_captura=en_captura)
    return cob, analisis.panorama(store, _cuenta, anio, incluir_en_captura=en_captura)


# The account was checked above; the cache is keyed by its user so nobody reads another's entry.
cob, pan = _datos(str(instalacion.ruta_base()), cuenta, cuenta.usuario, anio, en_captura, auditoria.generacion(store))
st.info(analisis.describir_cobertura(cob), icon="ℹ️")
if pan.lineas == 0:
    st.warning(f"En el periodo {anio} no hay líneas con esta selección de datos."
               + ("" if en_captura else " Active «Incluir OOAD/UMAE en captura» para ver la captura en curso."))

exc, fal = pan.por_tipo.set_index("tipo").loc[analisis.EXCEDENTE], pan.por_tipo.set_index("tipo").loc[analisis.FALTANTE]
m = st.columns(6)
m[0].metric("Unidades Médicas que reportan", f"{pan.unidades:,}")
m[1].metric("OOAD/UMAE que reportan", f"{pan.ooad_umae:,}")
m[2].metric("Líneas", f"{pan.lineas:,}")
m[3].metric("Pacientes excedentes (mes)", f"{int(exc['pacientes']):,}")
m[4].metric("Pacientes faltantes (mes)", f"{int(fal['pacientes']):,}")
m[5].metric("Balance de pacientes", f"{int(exc['pacientes'] - fal['pacientes']):,}",
            help="Excedente − Faltante: positivo, sobra capacidad; negativo, falta.")

NUMERO = st.column_config.NumberColumn(format="localized")
tabla_tipo = analisis.tabla_por_tipo(pan)
st.subheader("Excedentes y Faltantes")
st.dataframe(tabla_tipo, hide_index=True, column_config={c: NUMERO for c in tabla_tipo.columns[1:]})

izq, der = st.columns(2)
tabla_causas = analisis.tabla_causas(pan)
with izq:
    fig = go.Figure(go.Bar(
        x=pan.causas["causa"], y=pan.causas["pacientes"], marker_color="#c0392b",
        customdata=pan.causas[["lineas", "eventos"]],
        hovertemplate="%{x}<br>Pacientes: %{y:,}<br>Eventos: %{customdata[1]:,}<br>Líneas: %{customdata[0]:,}<extra></extra>",
    ))
    fig.update_layout(title="Faltantes por causa principal", xaxis_title="Causa principal",
                      yaxis_title="Pacientes mensuales", yaxis_tickformat=",", height=360, margin={"t": 50})
    st.plotly_chart(fig, key="panorama_causas")
tabla_amb = analisis.tabla_ambitos(pan)
with der:
    fig = go.Figure()
    for tipo, color in ((analisis.EXCEDENTE, "#1f6fd1"), (analisis.FALTANTE, "#c0392b")):
        parte = pan.ambitos[pan.ambitos["tipo"] == tipo]
        fig.add_bar(x=parte["ambito"], y=parte["pacientes"], name=tipo, marker_color=color,
                    hovertemplate=f"{tipo}<br>%{{x}}: %{{y:,}} pacientes<extra></extra>")
    fig.update_layout(title="Ambulatorio y Hospitalario", barmode="group", xaxis_title="Ámbito de atención",
                      yaxis_title="Pacientes mensuales", yaxis_tickformat=",", legend_title="Tipo",
                      height=360, margin={"t": 50})
    st.plotly_chart(fig, key="panorama_ambitos")
st.dataframe(tabla_causas, hide_index=True, column_config={c: NUMERO for c in tabla_causas.columns[1:]})
st.dataframe(tabla_amb, hide_index=True, column_config={c: NUMERO for c in tabla_amb.columns[1:]})

st.subheader("Balance por estado (pacientes mensuales)")
est = pan.estados
limite = max(1, int(est["balance"].abs().max()))
mapa = go.Figure(go.Choropleth(
    featureidkey=f"properties.{analisis.PROPIEDAD_CVE}",
    locations=est["cve_ent"], z=est["balance"], zmid=0, zmin=-limite, zmax=limite, colorscale="RdBu",
    marker_line_color="#ffffff", marker_line_width=0.5,
    customdata=est[["estado", "excedente", "faltante", "lineas"]],
    colorbar={"title": {"text": "Balance"}, "tickformat": ","},
    hovertemplate="<b>%{customdata[0]}</b><br>Excedentes: %{customdata[1]:,} pacientes<br>"
                  "Faltantes: %{customdata[2]:,} pacientes<br>Balance: %{z:,}<br>Líneas: %{customdata[3]:,}<extra></extra>",
))
mapa.update_geos(fitbounds="locations", visible=False)  # no basemap, no tile server: works offline
mapa.update_layout(title="Excedentes − Faltantes por estado (azul: sobra capacidad; rojo: falta)",
                   height=520, margin={"t": 50, "l": 0, "r": 0, "b": 0})
# The shapes go in last, into the plain spec: plotly copies a figure's data on every check, and
# the shipped GeoJSON is most of this page's weight.
espec_mapa = mapa.to_dict()
espec_mapa["data"][0]["geojson"] = analisis.geojson_estados()
st.plotly_chart(espec_mapa, key="panorama_mapa")
tabla_est = analisis.tabla_estados(est)
st.dataframe(tabla_est, hide_index=True, column_config={c: NUMERO for c in tabla_est.columns[2:]})

st.markdown("**Descargar las tablas de esta página**")
descargas.botones({"Resumen": tabla_tipo, "Faltantes por causa": tabla_causas, "Ámbito": tabla_amb,
                   "Por estado": tabla_est}, "panorama", anio, key="panorama_tablas")

st.subheader("Exportación completa del periodo")
st.caption(f"Todas las líneas de la selección ({cob['lineas']:,}), una fila por línea, con su OOAD/UMAE, estado, "
           "semáforo, coordenadas y todas las columnas. Se genera al descargar.")
descargas.boton_diferido(
    lambda: analisis.exportacion_completa(store, cuenta, anio, incluir_en_captura=en_captura),
    "Líneas", "lineas del periodo", anio, key="panorama_completa", filas=cob["lineas"],
)
