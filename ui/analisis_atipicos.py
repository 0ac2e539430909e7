"""Cifras atípicas confirmadas (issue 12 §5): the figures far from their product's usual range that an
OOAD/UMAE confirmed when saving, from the audit trail (core.capture.atipicos.confirmados, through the
análisis memory guard: analisis.atipicas_confirmadas)."""

import streamlit as st

from core.analysis import analisis
from core.base import rutas
from core.base.errors import AccesoDenegado
from ui.components import almacen, descargas, sesion
from ui.components import vistas_analisis as vistas

st.caption("Análisis · División de Integración Estratégica Sectorial")
st.title("Cifras atípicas confirmadas")
store, cuenta = almacen.store(), sesion.cuenta()
try:
    analisis.exigir_acceso(cuenta)
except AccesoDenegado as exc:
    st.error(str(exc), icon="🔒")
    st.stop()
lista, actual = vistas.periodos(str(rutas.ruta_base()), store.cambios())
if not lista:
    st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
    st.stop()
anio = st.selectbox("Periodo", lista, index=actual, key="atipicos_anio")
st.markdown(
    "Al guardar, una cifra muy lejos de lo que su producto suele tener en el país (la mediana de las líneas "
    "de todas las OOAD/UMAE en este periodo y los anteriores, con un margen amplio) se pregunta a quien "
    "captura; si la confirma, se guarda y queda aquí, con quién y cuándo. «¿Sigue guardada?» dice si la "
    "línea aún tiene esa cifra o se corrigió después."
)
df = analisis.atipicas_confirmadas(store, cuenta, anio)
if df.empty:
    st.info(f"En el periodo {anio} nadie ha confirmado cifras atípicas.", icon="ℹ️")
else:
    vigentes = int((df["¿Sigue guardada?"] == "Sí").sum())
    st.caption(f"{len(df):,} cifra(s) confirmada(s); {vigentes:,} siguen guardadas así. La más reciente primero.")
    st.dataframe(df, hide_index=True, width="stretch", key="atipicos_tabla")
descargas.botones({"Cifras atípicas confirmadas": df}, "cifras atipicas confirmadas", anio, key="atipicos_tablas")
