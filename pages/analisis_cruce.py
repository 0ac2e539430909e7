"""Cruce por estado y especialidad: surplus against shortage in a table and a heatmap, with the
lines behind any cell."""

import plotly.graph_objects as go
import streamlit as st

from core import analisis, auditoria, ciclo, instalacion
from core.errors import AccesoDenegado
from pages.components import contexto as ctx
from pages.components import descargas

st.caption("Análisis · División de Integración Estratégica Sectorial")
st.title("Cruce por estado y especialidad")
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
RUTA = str(instalacion.ruta_base())


@st.cache_data(max_entries=16, show_spinner=False)
def _cobertura(ruta: str, _cuenta, usuario: str, anio: int, en_captura: bool, generacion: int):
    return analisis.cobertura(store, _cuenta, anio, incluir_en_captura=en_captura)


@st.cache_data(max_entries=4, show_spinner=False)
def _opciones(ruta: str, _cuenta, usuario: str, generacion: int):
    return analisis.opciones_filtro(store, _cuenta)


@st.cache_data(max_entries=64, show_spinner="Calculando el cruce…")
def _cruce(ruta: str, _cuenta, usuario: str, anio: int, en_captura: bool, generacion: int,
           filas: str, columnas: str, medida: str, filtros: analisis.Filtros):
    return analisis.cruce(store, _cuenta, anio, filas, columnas, medida, filtros, incluir_en_captura=en_captura)


# The account was checked above; caches are keyed by its user so nobody reads another's entry.
generacion = auditoria.generacion(store)
st.info(analisis.describir_cobertura(_cobertura(RUTA, cuenta, cuenta.usuario, anio, en_captura, generacion)), icon="ℹ️")

dims = list(analisis.DIMENSIONES)
titulo = {d: analisis.DIMENSIONES[d].titulo for d in dims}
d1, d2, d3, d4 = st.columns(4)
filas = d1.selectbox("Filas", dims, index=dims.index("estado"), format_func=titulo.get, key="cruce_filas")
otras = [d for d in dims if d != filas]
columnas = d2.selectbox("Columnas", otras, index=otras.index("especialidad") if "especialidad" in otras else 0,
                        format_func=titulo.get, key="cruce_columnas")
medida = d3.radio("Medida", list(analisis.MEDIDAS), format_func=analisis.MEDIDAS.get, key="cruce_medida",
                  horizontal=True)
VALORES = {"balance": "Balance (Excedente − Faltante)", "excedente": "Excedente", "faltante": "Faltante"}
valor = d4.radio("Valor de las celdas", list(VALORES), format_func=VALORES.get, key="cruce_valor")

opciones = _opciones(RUTA, cuenta, cuenta.usuario, generacion)
with st.expander("Filtros", expanded=False):
    f1, f2, f3, f4 = st.columns(4)
    etiquetas = {k: dict(v) for k, v in opciones.items()}
    filtros = analisis.Filtros(
        grupos=tuple(f1.multiselect("Grupo de Servicio", [k for k, _ in opciones["grupos"]], key="cruce_f_grupos",
                                    format_func=etiquetas["grupos"].get, placeholder="Todos")),
        especialidades=tuple(f2.multiselect("Especialidad Troncal", [k for k, _ in opciones["especialidades"]],
                                            key="cruce_f_especialidades", format_func=etiquetas["especialidades"].get,
                                            placeholder="Todas")),
        estados=tuple(f3.multiselect("Estado", [k for k, _ in opciones["estados"]], key="cruce_f_estados",
                                     format_func=etiquetas["estados"].get, placeholder="Todos")),
        causas=tuple(f4.multiselect("Causa Principal", [k for k, _ in opciones["causas"]], key="cruce_f_causas",
                                    placeholder="Todas")),
    )
    st.caption("La causa solo filtra los Faltantes: los Excedentes no tienen causa y se cuentan siempre.")

largo = _cruce(RUTA, cuenta, cuenta.usuario, anio, en_captura, generacion, filas, columnas, medida, filtros)
nombre_medida = analisis.MEDIDAS[medida].lower()
if largo.empty:
    st.warning("No hay líneas con esta selección de datos y filtros.")
    st.stop()

@st.cache_data(max_entries=64, show_spinner=False)
def _vista(largo, filas: str, columnas: str, valor: str):
    """The displayed table and heatmap matrix of a cached cross-tab (pivots cost on every rerun)."""
    return analisis.tabla_cruce(largo, filas, columnas, valor), *analisis.matriz(largo, filas, columnas, valor)


tabla, m, recortado = _vista(largo, filas, columnas, valor)
st.subheader(f"{VALORES[valor]} · {nombre_medida} · {titulo[filas]} × {titulo[columnas]}")
st.dataframe(tabla, hide_index=True, key="cruce_tabla", height=min(38 + 35 * len(tabla), 560),
             column_config={c: st.column_config.NumberColumn(format="localized") for c in tabla.columns[1:]})

limite = max(1, int(m.abs().to_numpy().max()))
escala = {"balance": "RdBu", "excedente": "Blues", "faltante": "Reds"}[valor]
mapa_calor = go.Heatmap(
    z=m.to_numpy(), x=list(m.columns), y=list(m.index), colorscale=escala,
    zmid=0 if valor == "balance" else None, zmin=-limite if valor == "balance" else 0, zmax=limite,
    colorbar={"title": {"text": VALORES[valor].split(" (")[0]}, "tickformat": ","},
    hovertemplate=f"{titulo[filas]}: %{{y}}<br>{titulo[columnas]}: %{{x}}<br>"
                  f"{VALORES[valor]}: %{{z:,}} {nombre_medida}<extra></extra>",
    xgap=1, ygap=1,
)
fig = go.Figure(mapa_calor)
fig.update_layout(
    title=f"{VALORES[valor]} de {nombre_medida} por {titulo[filas].lower()} y {titulo[columnas].lower()}",
    xaxis_title=titulo[columnas], yaxis_title=titulo[filas], yaxis_autorange="reversed",
    height=max(420, 60 + 22 * len(m.index)), margin={"t": 60},
)
st.plotly_chart(fig, key="cruce_mapa_calor")
if recortado:
    st.caption(f"La gráfica muestra las {len(m.index):,} filas y {len(m.columns):,} columnas de mayor volumen; "
               "la tabla y las descargas tienen todas.")

descargas.botones({
    "Balance": lambda: analisis.tabla_cruce(largo, filas, columnas, "balance"),
    "Excedente": lambda: analisis.tabla_cruce(largo, filas, columnas, "excedente"),
    "Faltante": lambda: analisis.tabla_cruce(largo, filas, columnas, "faltante"),
    "Detalle por celda": lambda: analisis.tabla_larga(largo, filas, columnas, medida),
}, f"cruce {filas} {columnas} {medida}", anio, key="cruce_descargas")

st.subheader("Líneas detrás de una celda")
etiqueta_fila = dict(zip(largo[f"{filas}_clave"], largo[filas], strict=False))
s1, s2 = st.columns(2)
clave_fila = s1.selectbox(titulo[filas], list(etiqueta_fila), format_func=etiqueta_fila.get, index=None,
                          placeholder="Elija la fila", key="cruce_sel_fila")
if clave_fila is None:
    st.caption("Elija una fila y una columna para ver las líneas (unidad, producto, cantidades) que suman esa celda.")
    st.stop()
de_fila = largo[largo[f"{filas}_clave"] == clave_fila]
etiqueta_col = dict(zip(de_fila[f"{columnas}_clave"], de_fila[columnas], strict=False))
clave_col = s2.selectbox(titulo[columnas], list(etiqueta_col), format_func=etiqueta_col.get, index=None,
                         placeholder="Elija la columna", key="cruce_sel_columna")
if clave_col is None:
    st.stop()
celda = de_fila[de_fila[f"{columnas}_clave"] == clave_col].iloc[0]
st.markdown(f"**{etiqueta_fila[clave_fila]} × {etiqueta_col[clave_col]}** · Excedente {int(celda['excedente']):,} · "
            f"Faltante {int(celda['faltante']):,} · Balance {int(celda['balance']):,} {nombre_medida} · "
            f"{int(celda['lineas']):,} línea(s)")
detalle = analisis.detalle(store, cuenta, anio, {filas: clave_fila, columnas: clave_col}, filtros,
                           incluir_en_captura=en_captura)
st.dataframe(detalle, hide_index=True, key="cruce_detalle", placeholder="",
             column_config={c: st.column_config.NumberColumn(format="localized")
                            for c in ("Eventos Mensuales", "Pacientes Mensuales")})
descargas.botones({"Líneas de la celda": detalle}, f"cruce lineas {etiqueta_fila[clave_fila]} {etiqueta_col[clave_col]}",
                  anio, key="cruce_detalle_descargas")
