"""Administración · Recepción: the signed paper copy of an OOAD/UMAE's final report arrived."""

import streamlit as st

from core.base import reloj
from core.base.errors import ErrorDominio
from core.lifecycle import acciones, ciclo, recepcion
from ui.components import almacen, avisos, ciclo_vida, descargas, sesion
from ui.components import contexto as ctx
from ui.components.marcado import md

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Recepción del original firmado",
    [
        "Además de subir el reporte firmado (Paso 9), cada OOAD/UMAE envía el original en papel a la División de "
        "Integración Estratégica Sectorial. Registre aquí cuándo llegó y quién lo recibió: se muestra en el tablero.",
        "Si una OOAD/UMAE se reabre y vuelve a finalizar, se espera el original de su nueva versión final.",
    ],
)
store = almacen.store()
periodos = ciclo.periodos(store)
if not periodos:
    st.info("Todavía no hay periodos de captura.")
    st.stop()
anio = st.selectbox("Periodo", [p.anio for p in periodos], key="adm_rec_anio")
if flash := st.session_state.pop("adm_rec_flash", None):
    st.success(flash)

tabla = recepcion.del_periodo(store, cuenta, anio)
if tabla.empty:
    st.info("Ninguna OOAD/UMAE ha finalizado su registro en este periodo.")
    st.stop()
recibidas = int((tabla["Recibido el"] != "").sum())
st.caption(f"{recibidas:,} de {len(tabla):,} OOAD/UMAE finalizadas con el original recibido.")
vista = tabla.drop(columns=["clave"])
st.dataframe(vista, hide_index=True, width="stretch", placeholder="", key="adm_rec_tabla")
descargas.botones({"Recepción": vista}, "recepcion de originales", anio, key="adm_rec_descargas")

st.subheader("Registrar una recepción")
registrar = acciones.del_periodo(store, cuenta, anio).registrar_recepcion
ciclo_vida.aviso(registrar)
etiquetas = dict(zip(tabla["clave"], tabla["OOAD/UMAE"], strict=True))
with st.form("adm_rec_form"):
    ooad = st.selectbox(
        "OOAD/UMAE (escriba para buscar)",
        list(etiquetas),
        format_func=etiquetas.get,
        index=None,
        placeholder="Elija la OOAD/UMAE",
        key="adm_rec_ooad",
    )
    a, b = st.columns(2)
    fecha = a.date_input(
        "Fecha de recepción", value=reloj.hoy(), max_value=reloj.hoy(), format="DD/MM/YYYY", key="adm_rec_fecha"
    )
    recibio = b.text_input("Recibió (nombre)", max_chars=120, key="adm_rec_recibio")
    notas = st.text_input("Notas (opcional)", max_chars=500, key="adm_rec_notas")
    if ciclo_vida.boton_formulario(registrar, "Registrar recepción", type="primary"):
        if not ooad:
            st.error("Elija la OOAD/UMAE.")
        else:
            try:
                r = recepcion.registrar(store, cuenta, anio, ooad, fecha, recibio, notas)
            except ErrorDominio as exc:
                avisos.mostrar_error(exc)
            else:
                st.session_state["adm_rec_flash"] = md(f"{etiquetas[ooad]}: {r.describir()}")  # who received it, typed
                st.rerun()
