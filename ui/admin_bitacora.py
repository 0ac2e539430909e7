"""Administración · Bitácora: who did what and when, with filters, downloadable as CSV and Excel."""

import datetime as dt

import streamlit as st

from core.accounts import cuentas
from core.admin import bitacora
from core.base import reloj
from core.base.errors import ErrorDominio
from ui.components import almacen, avisos, descargas, sesion
from ui.components import contexto as ctx

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Bitácora",
    [
        "Registra cada inicio de sesión (exitoso o no), guardado, eliminación, declaración, finalización, "
        "reapertura, archivo subido y cambio de cuentas o catálogos: quién, cuándo, en qué OOAD/UMAE y unidad, "
        "con el antes y el después.",
        "Los registros solo se agregan: nadie los modifica ni los borra.",
    ],
)
store = almacen.store()
periodo = ctx.periodo()

a, b, c = st.columns(3)
desde = a.date_input("Desde", value=reloj.hoy() - dt.timedelta(days=30), format="DD/MM/YYYY", key="bit_desde")
hasta = b.date_input("Hasta", value=reloj.hoy(), format="DD/MM/YYYY", key="bit_hasta")
usuario = c.selectbox(
    "Cuenta", bitacora.cuentas_registradas(store, cuenta), index=None, placeholder="Todas", key="bit_cuenta"
)
d, e, f = st.columns(3)
acciones = d.multiselect("Acción", bitacora.acciones(store, cuenta), placeholder="Todas", key="bit_acciones")
ooad_opciones = dict(cuentas.opciones_ooad(store))
ooad = e.selectbox(
    "OOAD/UMAE", list(ooad_opciones), format_func=ooad_opciones.get, index=None, placeholder="Todas", key="bit_ooad"
)
texto = f.text_input("Buscar texto", placeholder="Producto, unidad, motivo…", key="bit_texto")

filtros = dict(desde=desde, hasta=hasta, usuario=usuario, acciones=acciones, ooad=ooad, texto=texto)
try:
    total = bitacora.contar(store, cuenta, **filtros)
    tabla = bitacora.consultar(store, cuenta, **filtros)
except ErrorDominio as exc:
    avisos.mostrar_error(exc)
    st.stop()
if total > len(tabla):
    st.caption(
        f"Se muestran los {len(tabla):,} registros más recientes de {total:,}: acote los filtros para ver el resto."
    )
else:
    st.caption(f"{total:,} registro(s).")
if tabla.empty:
    st.info("Ningún registro coincide con los filtros.")
else:
    st.dataframe(
        tabla,
        hide_index=True,
        width="stretch",
        key="bit_tabla",
        column_config={
            "Persona": st.column_config.TextColumn(width="medium"),
            "Cambio": st.column_config.TextColumn(width="large", help="Solo lo que cambió: campo: antes → después"),
            "Antes": st.column_config.TextColumn(width="small", help="Registro completo (JSON)"),
            "Después": st.column_config.TextColumn(width="small", help="Registro completo (JSON)"),
        },
    )
    descargas.botones(
        {"Bitácora": tabla}, "bitacora", periodo.anio if periodo else reloj.hoy().year, key="bit_descargas"
    )
