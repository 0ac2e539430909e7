"""Login, the session cookie, inactivity and the person capturing.

The account is always re-read from the store through its server-side session (core checks the
session's token on every run); pages never trust a role or an OOAD/UMAE from the URL or session
state. The browser keeps only that token, in the `eyf_sesion` cookie."""

from __future__ import annotations

import datetime as dt
import re

import streamlit as st

from core.accounts import cuentas, permisos
from core.accounts.permisos import Cuenta
from core.base import reloj
from core.base.errors import ErrorDominio
from ui.components import paginas, pendientes
from ui.components.almacen import store
from ui.components.avisos import mostrar_error

COOKIE = "eyf_sesion"
# The cookie outlives any idle limit: core ends the session itself, the cookie only carries its token.
COOKIE_HORAS = 12


def minutos_inactividad() -> int:
    """Minutes without a click that end a session (EYF_INACTIVIDAD_MIN; core applies the same)."""
    return cuentas.minutos_inactividad()


def cuenta() -> Cuenta | None:
    """The logged-in account: core checks this session in the store and re-reads the account, so a
    session ended elsewhere (revoked, idle, a disabled account) is logged out here on its next run."""
    if not st.session_state.get("authentication_status"):
        return None
    c = cuentas.sesion_valida(store(), st.session_state.get("_sesion"))
    if c is None or c.usuario != st.session_state.get("username"):
        st.session_state["authentication_status"] = None
        return None
    return c


def vigente() -> Cuenta | None:
    """cuenta() for a fragment's run (the Paso 6 grid), which skips the frame: the click counts as
    activity and the inactivity limit applies as in restaurar_sesion."""
    _vencer_por_inactividad()
    return cuenta()


def _escribir_cookie(token: str | None) -> None:
    """Queue the cookie for the browser: the session's token, or None to delete it."""
    st.session_state["_cookie_pendiente"] = token or ""


def _enviar_cookie() -> None:
    """Write the queued cookie from the page. Streamlit cannot set a cookie on an HTTP response, so
    a script does it (it cannot be HttpOnly: see README, Seguridad). Sent in a run that completes."""
    valor = st.session_state.pop("_cookie_pendiente", None)
    if valor is None:
        return
    if not re.fullmatch(r"[A-Za-z0-9_-]*", valor):  # our own tokens only: nothing to escape
        raise ValueError("token de sesión con caracteres inesperados")
    vida = COOKIE_HORAS * 3600 if valor else 0
    st.html(
        f'<script>document.cookie = "{COOKIE}={valor}; Path=/; Max-Age={vida}; SameSite=Strict"'
        ' + (location.protocol === "https:" ? "; Secure" : "");</script>',
        unsafe_allow_javascript=True,
    )


def token_sesion() -> str | None:
    """The token of this browser session's server-side session (for core's password change)."""
    return st.session_state.get("_sesion") if st.session_state.get("authentication_status") else None


def sesion_renovada(token: str | None) -> None:
    """After one's own password change core ended every session and re-issued this one: the new
    token replaces the old in this session and in the cookie (None: log in again)."""
    if token is None:
        cerrar_sesion()
        return
    st.session_state["_sesion"] = token
    _escribir_cookie(token)


def _desde_cookie() -> None:
    """A new browser session (a reload, another tab) picks up the session its cookie names, if
    core still holds it open; a cookie core refuses is deleted (once per browser session)."""
    token = st.context.cookies.get(COOKIE)
    if not token or token == st.session_state.get("_cookie_descartada"):
        return
    c = cuentas.sesion_valida(store(), token)
    if c is None:
        st.session_state["_cookie_descartada"] = token
        _escribir_cookie(None)
        return
    st.session_state.update(
        {"authentication_status": True, "username": c.usuario, "_sesion": token, "_ultima_actividad": reloj.ahora()}
    )


def iniciar_sesion(usuario: str, password: str) -> Cuenta:
    """One password check in core (audited, with the lockout) that opens a server-side session;
    its token goes to the cookie at the start of the next run (Paso 1 reruns at once). Paso 6
    edits kept from an expired session go back only to the same account."""
    s = cuentas.iniciar_sesion(store(), usuario, password)
    c = s.cuenta
    st.session_state.update({"authentication_status": True, "username": c.usuario, "_sesion": s.token})
    _escribir_cookie(s.token)
    st.session_state.pop("persona", None)
    duenio = st.session_state.pop("_pendientes_de", None)
    if duenio is not None and duenio != c.usuario:
        for k in pendientes.CONSERVAR_AL_VENCER:
            st.session_state.pop(k, None)
    st.session_state.pop("_sesion_vencida", None)
    st.session_state["_ultima_actividad"] = reloj.ahora()
    return c


def restaurar_sesion() -> None:
    """End a session idle for too long; else log in again from a valid cookie (a reload keeps it)."""
    st.session_state.setdefault("authentication_status", None)  # logged in: True (pages and tests read it)
    _vencer_por_inactividad()
    if not st.session_state.get("authentication_status"):
        _desde_cookie()
    _enviar_cookie()
    if st.session_state.get("authentication_status"):
        st.session_state.pop("_sesion_vencida", None)
    elif (minutos := st.session_state.get("_sesion_vencida")) is not None:
        n = sum(len(p) for p in pendientes.todos().values())
        st.warning(
            f"Su sesión se cerró tras {minutos:,} minutos sin actividad. "
            + (
                f"Sus cambios sin guardar del Paso 6 ({n:,} producto(s)) se conservan: inicie sesión de nuevo "
                "en el Paso 1 con la misma cuenta para revisarlos y guardarlos."
                if n
                else "Inicie sesión de nuevo en el Paso 1 para continuar."
            ),
            icon="⏱️",
        )


def _vencer_por_inactividad() -> None:
    """Every run is a click: if the previous one was too long ago, the session ends here."""
    ahora = reloj.ahora()
    anterior = st.session_state.get("_ultima_actividad")
    st.session_state["_ultima_actividad"] = ahora
    if not st.session_state.get("authentication_status") or anterior is None:
        return
    minutos = minutos_inactividad()
    if ahora - anterior <= dt.timedelta(minutes=minutos):
        return
    usuario = st.session_state.get("username")
    pendientes.guardar_edicion_de_la_rejilla()
    conservar = {k: st.session_state[k] for k in pendientes.CONSERVAR_AL_VENCER if k in st.session_state}
    cerrar_sesion(por_inactividad=True)
    st.session_state.update(conservar)
    st.session_state["_pendientes_de"] = usuario
    st.session_state["_sesion_vencida"] = minutos
    st.session_state["_ultima_actividad"] = ahora


def cerrar_sesion(*, por_inactividad: bool = False) -> None:
    """Log out (audited): core ends the session, so no copy of its cookie logs anyone back in;
    the cookie itself is deleted on the next run that completes."""
    cuentas.cerrar_sesion(store(), st.session_state.get("_sesion"), por_inactividad=por_inactividad)
    for k in list(st.session_state.keys()):
        del st.session_state[k]
    st.session_state["authentication_status"] = None
    _escribir_cookie(None)


def exigir_password_propia(c: Cuenta) -> None:
    """An account with a new or reset password chooses its own before doing anything else."""
    if c.debe_cambiar:
        st.warning(
            "Su contraseña es temporal (nueva o restablecida por la División): elija una propia antes de continuar.",
            icon="🔐",
        )
        st.page_link(paginas.MI_CUENTA, label="Cambiar contraseña (Mi cuenta)", icon="🔐")
        st.stop()


def exigir_admin() -> Cuenta:
    """Admin pages: the role is checked by core's permission rule, from the account in the store."""
    c = cuenta()
    try:
        permisos.exigir_division(c, admin=True)
    except ErrorDominio as exc:
        mostrar_error(exc)
        if c is None:
            st.page_link(paginas.PASO1, label="Ir al Paso 1", icon="🔑")
        st.stop()
    exigir_password_propia(c)
    return c


def persona() -> str | None:
    return st.session_state.get("persona")


def pedir_persona(c: Cuenta, despues: str | None = None) -> str:
    """A capturista names themself once per session: the password is shared by the whole OOAD/UMAE.
    Named, the page runs again, or `despues` opens at once (Paso 1 goes on to Paso 2: one run less)."""
    actual = persona()
    if actual or not c.es_capturista:
        return actual or c.nombre
    st.info(
        "La contraseña es compartida por todo el personal de su OOAD/UMAE. Para la bitácora, "
        "indique quién captura en esta sesión.",
        icon="🪪",
    )
    with st.form("form_persona"):
        nombre = st.text_input("Nombre completo de quien captura", max_chars=cuentas.PERSONA_MAXIMO)
        cargo = st.text_input("Cargo", max_chars=cuentas.PERSONA_MAXIMO)
        if st.form_submit_button("Continuar", type="primary"):
            try:
                st.session_state["persona"] = cuentas.persona_de_sesion(nombre, cargo)
            except ErrorDominio as exc:
                mostrar_error(exc)
            else:
                if despues:
                    st.switch_page(despues)
                st.rerun()
    st.stop()
