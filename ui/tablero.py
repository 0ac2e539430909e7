"""Tablero de control: every OOAD/UMAE's progress, the entry point to every step."""

import streamlit as st

from core.lifecycle import ciclo, reaperturas, tablero
from ui.components import almacen, paginas, pendientes, semaforo, sesion
from ui.components import contexto as ctx
from ui.components import reportes as comp
from ui.components.marcado import md

store = almacen.store()
cuenta = sesion.cuenta()
periodo = ctx.periodo()

st.title("Recolección de Excedentes y/o Faltantes de Servicios Médicos Institucionales")
if periodo is None:
    st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
    st.stop()
st.subheader(f"Captura del periodo {periodo.anio}")
st.markdown(f"Periodo de registro **{periodo.describir_ventana()}** · {ctx.plazo(periodo)}")
if cuenta is not None and cuenta.debe_cambiar:
    st.warning("Su contraseña es temporal: elija una propia en «Mi cuenta».", icon="🔐")
    st.page_link(paginas.MI_CUENTA, label="Cambiar contraseña", icon="🔐")
pendientes.avisar()
if cuenta is not None and cuenta.rol == "admin" and not (cola := reaperturas.pendientes(store, cuenta)).empty:
    st.info(
        f"Hay {len(cola):,} solicitud(es) de reapertura en espera; la más antigua espera desde hace "
        f"{cola.iloc[0]['Espera']}.",
        icon="🔓",
    )
    st.page_link(paginas.ADMIN_REAPERTURAS, label="Atender solicitudes de reapertura", icon="🔓")
st.caption("Paso 1.- Seleccione su OOAD/UMAE haciendo clic sobre su renglón; después elija la acción.")

df = almacen.tablero_filas(periodo.anio)
tot = tablero.totales(df)

c1, c2, c3 = st.columns([2, 1, 1])
filtro = c1.text_input("Buscar OOAD/UMAE", placeholder="Nombre, p. ej. Chihuahua", key="tablero_buscar")
tipo = c2.selectbox("Tipo", ["Todas", "OOAD", "UMAE"], key="tablero_tipo")
estados = c3.multiselect(
    "Semáforo",
    list(ciclo.ESTADOS),
    format_func=ciclo.semaforo,
    key="tablero_estado",
    placeholder="Todos",
)
division = cuenta is not None and cuenta.es_division
vista, tabla = almacen.tablero_vista(periodo.anio, filtro, tipo, tuple(estados), con_recepcion=division)

evento = st.dataframe(
    tabla,
    hide_index=True,
    width="stretch",
    height=min(38 + 35 * len(tabla), 760),
    on_select="rerun",
    selection_mode="single-row",
    key="tablero_tabla",
    placeholder="",  # blank counts for an OOAD/UMAE that has not started, as in the guide
    column_config={
        "No.": st.column_config.TextColumn(width=40),
        "OOAD/UMAE": st.column_config.TextColumn(width=185),
        "Total": st.column_config.NumberColumn("Unidades Médicas · Total", width=80, format="localized"),
        "Con Excedentes/ Faltantes": st.column_config.NumberColumn(width=150, format="localized"),
        "Sin Excedentes/ Faltantes": st.column_config.NumberColumn(width=150, format="localized"),
        "Reporte Preliminar": st.column_config.TextColumn(width=120),
        "Final (para firmas)": st.column_config.TextColumn(width=125),
        "Subir (firmado)": st.column_config.TextColumn(width=140),
        "Semáforo": st.column_config.TextColumn(width=115),
        "Recepción (original)": st.column_config.TextColumn(
            width=190, help="Fecha en que la División recibió el original firmado en papel y quién lo recibió"
        ),
    },
)
semaforo.leyenda()
st.caption(
    f"{tot['ooad_umae']:,} OOAD/UMAE · {tot['unidades']:,} Unidades Médicas · "
    + " · ".join(f"{ciclo.semaforo(e)}: {tot[e]:,}" for e in ciclo.ESTADOS)
    + f" · Originales firmados recibidos en papel: {tot['recibidos']:,}"
)

seleccion = evento.selection.rows if evento else []
if seleccion and seleccion[0] < len(vista):
    fila = vista.iloc[seleccion[0]]
    clave, estado = fila["clave"], fila["estado"]
    etiqueta = fila["nombre"] if fila["tipo"] == "UMAE" else f"OOAD {fila['nombre']}"
    st.markdown(f"#### {md(etiqueta)} · {ciclo.semaforo(estado)}")
    if estado in ciclo.FINALIZADOS:
        recibido = tablero.recepcion(fila["recibida_el"], fila["recibio"])
        st.caption(
            f"Original firmado en papel: recibido el {md(recibido.replace(' · ', ' por ', 1))}"
            if recibido
            else "Original firmado en papel: la División aún no registra su recepción."
        )
    acciones = st.columns(5)
    if cuenta is None:
        if acciones[0].button("Ingresar con la contraseña de esta OOAD/UMAE (Paso 1)", type="primary"):
            st.session_state["paso1_usuario"] = clave
            st.switch_page(paginas.PASO1)
    elif cuenta.es_capturista and cuenta.ooad != clave:
        st.info("Su cuenta solo puede abrir su propia OOAD/UMAE; aquí ve su avance como referencia.")
    else:
        if cuenta.es_division:
            st.session_state["ooad_consulta"] = clave
        if estado not in ciclo.FINALIZADOS:
            etiqueta = (
                "Registrar Excedentes y/o Faltantes (Paso 2)"
                if cuenta.es_capturista
                else "Consultar la captura (Paso 2)"
            )
            if acciones[0].button(etiqueta, type="primary"):
                st.switch_page(paginas.PASO2)
            if estado == ciclo.EN_CAPTURA:
                with acciones[1]:
                    comp.boton_preliminar(cuenta, periodo.anio, clave, key="tablero_preliminar")
                if cuenta.es_capturista and acciones[2].button("Finalizar Reporte (Paso 7)"):
                    st.switch_page(paginas.PASO7)
        else:
            with acciones[0]:
                comp.boton_final(cuenta, periodo.anio, clave, key="tablero_final")
            if acciones[3].button("Versión Final (Paso 8)"):
                st.switch_page(paginas.PASO8)
            if acciones[1].button(tablero.accion_subir(estado) + " (Paso 9)"):
                st.switch_page(paginas.PASO9)
            if acciones[2].button("Consultar lo capturado (Paso 3)"):
                st.switch_page(paginas.PASO3)

# DESCARGAS: the tablero table as shown (filters applied), as CSV and Excel.
from ui.components import descargas  # noqa: E402

descargas.botones({"Tablero de control": tabla}, "tablero de control", periodo.anio, key="tablero_descargas")
