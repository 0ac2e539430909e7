"""Paso 1: choose the OOAD/UMAE and type its password; the division types its user name apart.

The password is checked once, by core/cuentas.iniciar_sesion with its lockout, which opens a
server-side session; its token goes to the browser's cookie (see contexto.iniciar_sesion)."""

import streamlit as st

from core.accounts import cuentas
from core.base.errors import ErrorDominio
from ui.components import almacen, avisos, paginas, sesion
from ui.components import contexto as ctx
from ui.components.marcado import md

ctx.encabezado(
    "Paso 1",
    "Seleccionar OOAD/UMAE",
    ["La contraseña es la misma para todas las Unidades Médicas de la OOAD/UMAE."],
)
store = almacen.store()
cuenta = sesion.cuenta()

if cuenta is None:
    # The list holds the OOAD/UMAE only; the division's accounts type their user name apart.
    tipo = st.radio(
        "Ingresar como",
        ["OOAD/UMAE", "División"],
        horizontal=True,
        key="paso1_tipo",
        captions=["Elija su OOAD/UMAE en la lista", "Análisis y Administración: escriba su usuario"],
    )
    zona = st.empty()
    if tipo == "OOAD/UMAE":
        opciones = cuentas.opciones_acceso(store)
        usuarios = [u for u, _ in opciones]
        etiquetas = dict(opciones)
        preferida = st.session_state.get("paso1_usuario") or st.query_params.get("ooad")
        indice = usuarios.index(preferida) if preferida in usuarios else None
        with zona.container(), st.form("form_acceso"):
            usuario = st.selectbox(
                "OOAD/UMAE (escriba para buscar)",
                usuarios,
                index=indice,
                format_func=etiquetas.get,
                placeholder="Elija su OOAD/UMAE",
                key="paso1_seleccion",
            )
            password = st.text_input("Contraseña", type="password", key="paso1_password")
            entrar = st.form_submit_button("Entrar", type="primary")
        falta_usuario = "Elija su OOAD/UMAE de la lista."
    else:
        with zona.container(), st.form("form_division"):
            usuario = st.text_input("Usuario de la División", key="paso1_div_usuario", max_chars=60).strip()
            password = st.text_input("Contraseña", type="password", key="paso1_div_password")
            entrar = st.form_submit_button("Entrar", type="primary")
        falta_usuario = "Escriba su usuario de la División."
    if entrar:
        if not usuario:
            st.error(falta_usuario)
        elif not password:
            st.error("Escriba la contraseña.")
        else:
            try:
                sesion.iniciar_sesion(usuario, password)
            except ErrorDominio as exc:
                avisos.mostrar_error(exc)
            else:
                # Run again: the menu then shows the session, and that run writes the cookie.
                zona.empty()
                st.session_state.pop("paso1_usuario", None)
                st.rerun()

if cuenta is not None:
    st.success(f"Sesión iniciada: **{md(cuenta.nombre)}**.")
    sesion.exigir_password_propia(cuenta)  # a new or reset password: choose one's own first
    if cuenta.es_capturista:
        sesion.pedir_persona(cuenta, despues=paginas.PASO2)  # stops here until the person gives their name
        st.switch_page(paginas.PASO2)
    else:
        st.page_link(paginas.TABLERO, label="Ir al Tablero de control", icon="📋")
