"""Paso 3: choose the medical unit that will report: one click on its name opens it (Paso 4), as in the
guide (searchable; marks units already captured)."""

import pandas as pd
import streamlit as st

from core.capture import captura
from ui.components import almacen, descargas, filas, paginas, pendientes
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

# As in the guide, one click on the unit's name opens it (Paso 4): each name is a button in its row.
COLUMNAS = [
    filas.Columna("Unidad Médica", 300),
    filas.Columna("Tipo", 70),
    filas.Columna("Localidad", 190),
    filas.Columna("Capturada", 130),
    filas.Columna("Excedentes", 90, numero=True),
    filas.Columna("Faltantes", 90, numero=True),
]


def _texto(v) -> str:
    return "" if v is None or pd.isna(v) else str(v)


def _abrir(clave: str):
    def dibujar(ancho: int) -> None:
        if st.button(md(nombres[clave]), key=f"p3_unidad_{clave}", type="tertiary", width=ancho):
            st.session_state["sel_unidad"] = clave
            st.switch_page(paginas.PASO4)

    return dibujar


nombres = dict(zip(df["clave"], df["nombre"], strict=True))
st.caption("Dé clic sobre el nombre de la Unidad Médica que reportará Excedentes y/o Faltantes.")
filas.estilos()
filas.encabezado(COLUMNAS)
with st.container(height=min(44 * len(df) + 8, 520), gap=None, border=False, key="paso3_filas"):
    for u in df.itertuples():
        filas.renglon(
            COLUMNAS,
            [
                _abrir(u.clave),
                _texto(u.tipo_unidad),
                _texto(u.localidad),
                f"✅ {u.lineas:,} línea(s)" if u.lineas else "",
                f"{u.excedentes:,}",
                f"{u.faltantes:,}",
            ],
            key=f"fila_{u.clave}",
        )
filas.totales(
    COLUMNAS,
    [
        f"{len(df):,} Unidad(es) Médica(s)",
        "",
        "",
        f"{int(df['lineas'].sum()):,} línea(s)",
        f"{int(df['excedentes'].sum()):,}",
        f"{int(df['faltantes'].sum()):,}",
    ],
)
