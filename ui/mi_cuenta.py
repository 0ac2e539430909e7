"""Mi cuenta: any logged-in account changes its own password (and must, when it is temporary)."""

import streamlit as st

from core.accounts import cuentas
from core.base.errors import ErrorDominio
from ui.components import almacen, avisos, paginas, sesion
from ui.components import contexto as ctx
from ui.components.marcado import md

ctx.encabezado(
    "Mi cuenta",
    "Cambiar contraseña",
    [
        f"La nueva contraseña debe tener al menos {cuentas.LONGITUD_MINIMA} caracteres, no contener el nombre de "
        "usuario y ser distinta de la actual.",
        "En una OOAD/UMAE la contraseña es compartida: comuníquela solo al personal que captura.",
    ],
)
cuenta = sesion.cuenta()
if cuenta is None:
    st.warning("Inicie sesión en el Paso 1 para continuar.")
    st.page_link(paginas.PASO1, label="Ir al Paso 1", icon="🔑")
    st.stop()

if flash := st.session_state.pop("mi_cuenta_flash", None):
    st.success(flash)
st.markdown(f"Cuenta: **{cuenta.usuario}** · {md(cuenta.nombre)}")
if cuenta.debe_cambiar:
    st.warning(
        "Su contraseña es temporal (nueva o restablecida por la División): elija una propia para continuar.", icon="🔐"
    )

with st.form("form_mi_cuenta", clear_on_submit=True):
    actual = st.text_input("Contraseña actual", type="password", key="mi_cuenta_actual")
    nueva = st.text_input("Nueva contraseña", type="password", key="mi_cuenta_nueva")
    confirmacion = st.text_input("Confirme la nueva contraseña", type="password", key="mi_cuenta_confirmacion")
    if st.form_submit_button("Cambiar contraseña", type="primary"):
        try:
            renovada = cuentas.cambiar_password(
                almacen.store(), cuenta, actual, nueva, confirmacion, sesion=sesion.token_sesion()
            )
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            # Every other session of the account (another computer, a copied cookie) has ended.
            sesion.sesion_renovada(renovada)
            st.session_state["mi_cuenta_flash"] = (
                "Contraseña cambiada. Úsela a partir de ahora; las demás sesiones abiertas con esta cuenta se cerraron."
            )
            st.rerun()

if not cuenta.debe_cambiar:
    destino = paginas.PASO2 if cuenta.es_capturista else paginas.TABLERO
    st.page_link(destino, label="Continuar", icon="➡️")
