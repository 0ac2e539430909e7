"""Administración · Cuentas: create, disable, enable, unlock and reset the password of accounts.

A new or reset password is shown once, here, and stored only as its bcrypt hash."""

import streamlit as st

from core.accounts import cuentas
from core.base.errors import ErrorDominio
from ui.components import almacen, avisos, descargas, sesion
from ui.components import contexto as ctx
from ui.components.marcado import md

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Cuentas y contraseñas",
    [
        "Cada OOAD/UMAE tiene una cuenta con una contraseña compartida por su personal; la División tiene cuentas "
        "de análisis y de administración.",
        "Una contraseña nueva o restablecida se muestra una sola vez: entréguela por un medio seguro. Al entrar, "
        "la persona debe elegir una propia.",
        f"Tras {cuentas.INTENTOS_MAXIMOS} intentos fallidos seguidos, una cuenta se bloquea "
        f"{int(cuentas.BLOQUEO.total_seconds() // 60)} minutos; aquí puede desbloquearla antes.",
    ],
)
store = almacen.store()
periodo = ctx.periodo()

if una_vez := st.session_state.pop("adm_cuentas_password", None):
    usuario, password, que = una_vez
    st.success(f"{md(que)} Contraseña de un solo uso de **{md(usuario)}** (se muestra solo esta vez):")
    st.code(password, language=None)
    st.warning("Cópiela ahora: no se guarda en claro y no se volverá a mostrar.", icon="🔑")
if flash := st.session_state.pop("adm_cuentas_flash", None):
    st.success(flash)

listado = cuentas.listar(store, cuenta)
vista = listado.drop(columns=["rol", "activa"])
st.dataframe(vista, hide_index=True, width="stretch", key="adm_cuentas_tabla")
descargas.botones({"Cuentas": vista}, "cuentas", periodo.anio if periodo else 0, key="adm_cuentas_descargas")

st.subheader("Acciones sobre una cuenta")
etiquetas = {
    u: f"{u} · {n} · {e}" for u, n, e in zip(listado["Usuario"], listado["Nombre"], listado["Estado"], strict=True)
}
elegida = st.selectbox(
    "Cuenta (escriba para buscar)",
    list(etiquetas),
    format_func=etiquetas.get,
    index=None,
    placeholder="Elija la cuenta",
    key="adm_cuentas_elegida",
)
if elegida:
    fila = listado.set_index("Usuario").loc[elegida]
    a, b, c = st.columns(3)
    try:
        if fila["activa"]:
            if a.button("Deshabilitar", key="adm_cuentas_deshabilitar", disabled=elegida == cuenta.usuario):
                cuentas.deshabilitar(store, cuenta, elegida)
                st.session_state["adm_cuentas_flash"] = f"Cuenta {elegida} deshabilitada: ya no puede entrar."
                st.rerun()
        elif a.button("Habilitar", key="adm_cuentas_habilitar"):
            cuentas.habilitar(store, cuenta, elegida)
            st.session_state["adm_cuentas_flash"] = f"Cuenta {elegida} habilitada."
            st.rerun()
        if b.button("Restablecer contraseña", key="adm_cuentas_restablecer"):
            nueva = cuentas.restablecer(store, cuenta, elegida)
            st.session_state["adm_cuentas_password"] = (elegida, nueva, "Contraseña restablecida.")
            st.rerun()
        if str(fila["Estado"]).startswith("Bloqueada") and c.button("Desbloquear", key="adm_cuentas_desbloquear"):
            cuentas.desbloquear(store, cuenta, elegida)
            st.session_state["adm_cuentas_flash"] = f"Cuenta {elegida} desbloqueada."
            st.rerun()
    except ErrorDominio as exc:
        avisos.mostrar_error(exc)

st.subheader("Crear una cuenta")
roles = {"capturista": "OOAD/UMAE (capturista)", "analista": "Analista (División)", "admin": "Administración"}
rol = st.radio("Rol", list(roles), format_func=roles.get, horizontal=True, key="adm_cuentas_rol")
with st.form("adm_cuentas_alta"):
    a, b = st.columns(2)
    usuario = a.text_input(
        "Usuario",
        max_chars=40,
        key="adm_cuentas_usuario",
        help="Minúsculas sin acentos, números, punto o guion; p. ej. «chihuahua» o «ana.perez».",
    )
    nombre = b.text_input("Nombre", max_chars=120, key="adm_cuentas_nombre")
    ooad = None
    if rol == "capturista":
        opciones = dict(cuentas.opciones_ooad(store))
        ooad = st.selectbox(
            "OOAD/UMAE",
            list(opciones),
            format_func=opciones.get,
            index=None,
            placeholder="Elija la OOAD/UMAE",
            key="adm_cuentas_ooad",
        )
    if st.form_submit_button("Crear cuenta", type="primary"):
        try:
            password = cuentas.alta(store, cuenta, usuario, nombre, rol, ooad)
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            st.session_state["adm_cuentas_password"] = (usuario.strip().lower(), password, "Cuenta creada.")
            st.rerun()
