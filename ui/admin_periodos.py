"""Administración · Periodos: create a capture year, set or change its registration window, close it."""

import datetime as dt

import streamlit as st

from core.base import reloj
from core.base.errors import ErrorDominio
from core.lifecycle import acciones, ciclo
from ui.components import almacen, avisos, sesion
from ui.components import contexto as ctx

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Periodos y ventanas de registro",
    [
        "Las fechas de inicio y fin del periodo de registro se incluyen completas (hora del centro de México).",
        "Fuera de la ventana, las OOAD/UMAE solo consultan e imprimen; ampliarla les permite volver a capturar.",
        "Cerrar un periodo es definitivo: ya nada de él cambia (captura, finalización, reaperturas ni archivos firmados).",
    ],
)
store = almacen.store()
if flash := st.session_state.pop("adm_periodos_flash", None):
    st.success(flash)

periodos = ciclo.periodos(store)
if periodos:
    st.dataframe(
        [
            {
                "Periodo": str(p.anio),
                "Inicio del registro": reloj.fecha(p.inicio),
                "Fin del registro": reloj.fecha(p.fin),
                "Estado": "Cerrado"
                if p.cerrado
                else ("Registro abierto" if p.ventana_abierta() else "Registro fuera de plazo"),
                "Días restantes": p.dias_restantes(),
            }
            for p in periodos
        ],
        hide_index=True,
        width="stretch",
        key="adm_periodos_tabla",
        column_config={"Días restantes": st.column_config.NumberColumn(format="localized")},
    )
else:
    st.info("Todavía no hay periodos de captura: cree el primero.")


def _hecho(mensaje: str) -> None:
    st.session_state["adm_periodos_flash"] = mensaje
    st.rerun()


st.subheader("Crear periodo")
hoy = reloj.hoy()
with st.form("adm_periodo_nuevo"):
    a, b, c = st.columns(3)
    anio = a.number_input(
        "Año", min_value=2000, max_value=2100, step=1, value=hoy.year + (1 if periodos else 0), key="adm_nuevo_anio"
    )
    inicio = b.date_input("Inicio del registro", value=hoy, format="DD/MM/YYYY", key="adm_nuevo_inicio")
    fin = c.date_input("Fin del registro", value=hoy + dt.timedelta(days=30), format="DD/MM/YYYY", key="adm_nuevo_fin")
    if st.form_submit_button("Crear periodo", type="primary"):
        try:
            p = ciclo.crear_periodo(store, cuenta, int(anio), inicio, fin)
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            _hecho(f"Periodo {p.anio} creado: registro {p.describir_ventana()}.")

# What each period still allows (its window, closing it) comes from the lifecycle model.
posibles = {p.anio: acciones.del_periodo(store, cuenta, p.anio) for p in periodos}
ventanas = [p for p in periodos if posibles[p.anio].cambiar_ventana.permitida]
cerrables = [p.anio for p in periodos if posibles[p.anio].cerrar_periodo.permitida]
if not ventanas and not cerrables:
    st.stop()

st.subheader("Cambiar la ventana de registro")
elegido = st.selectbox("Periodo", [p.anio for p in ventanas], key="adm_ventana_anio")
actual = next(p for p in ventanas if p.anio == elegido)
with st.form("adm_ventana"):
    b, c = st.columns(2)
    inicio = b.date_input("Inicio del registro", value=actual.inicio, format="DD/MM/YYYY", key=f"adm_vi_{elegido}")
    fin = c.date_input("Fin del registro", value=actual.fin, format="DD/MM/YYYY", key=f"adm_vf_{elegido}")
    if st.form_submit_button("Guardar ventana"):
        try:
            p = ciclo.cambiar_ventana(store, cuenta, elegido, inicio, fin)
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            _hecho(f"Ventana del periodo {p.anio} actualizada: registro {p.describir_ventana()}.")

st.subheader("Cerrar un periodo")
cerrar = st.selectbox("Periodo a cerrar", cerrables, key="adm_cerrar_anio")
entendido = st.checkbox(
    f"Entiendo que al cerrar el periodo {cerrar} ya no se podrá capturar, finalizar, reabrir ni subir reportes "
    "firmados, y que el cierre no se puede deshacer.",
    key=f"adm_cerrar_ok_{cerrar}",
)
if st.button(f"Cerrar el periodo {cerrar}", disabled=not entendido, key="adm_cerrar"):
    try:
        ciclo.cerrar_periodo(store, cuenta, cerrar)
    except ErrorDominio as exc:
        avisos.mostrar_error(exc)
    else:
        _hecho(f"Periodo {cerrar} cerrado el {reloj.fecha_hora(reloj.ahora())}: ya solo puede consultarse.")
