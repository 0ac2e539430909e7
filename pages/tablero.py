"""Tablero de control: every OOAD/UMAE's progress, the entry point to every step."""

import pandas as pd
import streamlit as st

from core import ciclo, tablero
from pages.components import contexto as ctx
from pages.components import semaforo

store = ctx.store()
cuenta = ctx.cuenta()
periodo = ctx.periodo()

st.title("Recolección de Excedentes y/o Faltantes de Servicios Médicos Institucionales")
if periodo is None:
    st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
    st.stop()
dias = periodo.dias_restantes()
st.subheader(f"Captura del periodo {periodo.anio}")
st.markdown(
    f"Periodo de registro **{periodo.describir_ventana()}** · "
    + (f"**quedan {dias:,} día(s)**" if dias else "**el registro está cerrado**: solo consulta e impresión")
)
ctx.aviso_pendientes()
st.caption(
    "Paso 1.- Seleccione su OOAD/UMAE haciendo clic sobre su renglón; después elija la acción."
)

df = tablero.filas(store, periodo.anio)
tot = tablero.totales(df)

c1, c2, c3 = st.columns([2, 1, 1])
filtro = c1.text_input("Buscar OOAD/UMAE", placeholder="Nombre, p. ej. Chihuahua", key="tablero_buscar")
tipo = c2.selectbox("Tipo", ["Todas", "OOAD", "UMAE"], key="tablero_tipo")
estados = c3.multiselect(
    "Semáforo", list(ciclo.ESTADOS), format_func=ciclo.semaforo, key="tablero_estado",
    placeholder="Todos",
)
vista = df
if filtro.strip():
    from core.texto import normalizar

    q = normalizar(filtro)
    vista = vista[vista["nombre"].map(normalizar).str.contains(q, regex=False)]
if tipo != "Todas":
    vista = vista[vista["tipo"] == tipo]
if estados:
    vista = vista[vista["estado"].isin(estados)]


def _preliminar(e: str) -> str:
    return "Preliminar" if e == ciclo.EN_CAPTURA else ("-" if e != ciclo.SIN_INICIAR else "")


def _final(e: str) -> str:
    return {"en captura": "Finalizar Reporte", "finalizado": "Versión Final", "firmado": "Versión Final"}.get(e, "")


def _subir(e: str) -> str:
    return {"finalizado": "Subir", "firmado": "Consultar/Modificar"}.get(e, "")


tabla = pd.DataFrame({
    "No.": vista["numero"].astype(str),
    "OOAD/UMAE": vista["nombre"],
    "Total": vista["total"],
    "Con Excedentes/ Faltantes": vista["con"],
    "Sin Excedentes/ Faltantes": vista["sin"],
    "Reporte Preliminar": vista["estado"].map(_preliminar),
    "Final (para firmas)": vista["estado"].map(_final),
    "Subir (firmado)": vista["estado"].map(_subir),
    "Semáforo": vista["estado"].map(ciclo.semaforo),
})
total_fila = pd.DataFrame([{
    "No.": "", "OOAD/UMAE": f"Total ({len(vista):,})", "Total": int(vista["total"].sum()),
    "Con Excedentes/ Faltantes": int(vista["con"].sum(skipna=True)),
    "Sin Excedentes/ Faltantes": int(vista["sin"].sum(skipna=True)),
    "Reporte Preliminar": "", "Final (para firmas)": "", "Subir (firmado)": "", "Semáforo": "",
}])
tabla = pd.concat([tabla, total_fila], ignore_index=True)
for col in ("Total", "Con Excedentes/ Faltantes", "Sin Excedentes/ Faltantes"):
    tabla[col] = tabla[col].astype("Int64")

evento = st.dataframe(
    tabla.style.map(semaforo.estilo_celda, subset=["Semáforo"]),
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(tabla), 760),
    on_select="rerun",
    selection_mode="single-row",
    key="tablero_tabla",
    column_config={
        "Total": st.column_config.NumberColumn("Unidades Médicas: Total", format="localized"),
        "Con Excedentes/ Faltantes": st.column_config.NumberColumn(format="localized"),
        "Sin Excedentes/ Faltantes": st.column_config.NumberColumn(format="localized"),
    },
)
semaforo.leyenda()
st.caption(
    f"{tot['ooad_umae']:,} OOAD/UMAE · {tot['unidades']:,} Unidades Médicas · "
    + " · ".join(f"{ciclo.semaforo(e)}: {tot[e]:,}" for e in ciclo.ESTADOS)
)

seleccion = evento.selection.rows if evento else []
if seleccion and seleccion[0] < len(vista):
    fila = vista.iloc[seleccion[0]]
    clave, estado = fila["clave"], fila["estado"]
    st.markdown(f"#### {fila['tipo']} {fila['nombre']} · {ciclo.semaforo(estado)}")
    acciones = st.columns(5)
    if cuenta is None:
        if acciones[0].button("Ingresar con la contraseña de esta OOAD/UMAE (Paso 1)", type="primary"):
            st.session_state["paso1_usuario"] = clave
            st.switch_page(ctx.PASO1)
    elif cuenta.es_capturista and cuenta.ooad != clave:
        st.info("Su cuenta solo puede abrir su propia OOAD/UMAE; aquí ve su avance como referencia.")
    else:
        if cuenta.es_division:
            st.session_state["ooad_consulta"] = clave
        if estado in (ciclo.SIN_INICIAR, ciclo.EN_CAPTURA):
            if acciones[0].button("Registrar Excedentes y/o Faltantes (Paso 2)", type="primary"):
                st.switch_page(ctx.PASO2)
            if estado == ciclo.EN_CAPTURA:
                if acciones[1].button("Reporte Preliminar"):
                    st.switch_page(ctx.PASO7)
                if acciones[2].button("Finalizar Reporte (Paso 7)"):
                    st.switch_page(ctx.PASO7)
        else:
            if acciones[0].button("Versión Final (Paso 8)", type="primary"):
                st.switch_page(ctx.PASO8)
            if acciones[1].button(_subir(estado) + " (Paso 9)"):
                st.switch_page(ctx.PASO9)
            if acciones[2].button("Consultar lo capturado (Paso 3)"):
                st.switch_page(ctx.PASO3)
