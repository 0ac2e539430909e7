"""What every page needs: the store, the logged-in account, the period, and the menu.

The account is always re-read from the store through its server-side session (core checks the
session's token on every run); pages never trust a role or an OOAD/UMAE from the URL or session
state. The browser keeps only that token, in the `eyf_sesion` cookie.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import streamlit as st

from core import instalacion
from core.accounts import cuentas, permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj, rutas
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.capture import borradores, rejilla
from core.lifecycle import ciclo, tablero
from pages.components.marcado import md

COOKIE = "eyf_sesion"
# The cookie outlives any idle limit: core ends the session itself, the cookie only carries its token.
COOKIE_HORAS = 12

# What survives a session that expired: the Paso 6 edits not yet saved and where they were made,
# so that after logging in again the grid still has them.
_CONSERVAR_AL_VENCER = (
    "pendientes",
    "_pendientes_duenio",
    "_borradores_escritos",
    "_borradores_fecha",
    "sel_unidad",
    "sel_grupo",
    "sel_especialidad",
)

# Page files, by name, so links and switches never break.
TABLERO = "pages/tablero.py"
PASO1 = "pages/paso1_acceso.py"
PASO2 = "pages/paso2_declaracion.py"
PASO3 = "pages/paso3_unidad.py"
PASO4 = "pages/paso4_grupo.py"
PASO5 = "pages/paso5_especialidad.py"
PASO6 = "pages/paso6_captura.py"
PASO7 = "pages/paso7_finalizar.py"
PASO8 = "pages/paso8_version_final.py"
PASO9 = "pages/paso9_subir.py"
AYUDA = "pages/ayuda.py"
MI_CUENTA = "pages/mi_cuenta.py"
ADMIN_PERIODOS = "pages/admin_periodos.py"
ADMIN_RECEPCION = "pages/admin_recepcion.py"
ADMIN_REAPERTURAS = "pages/admin_reaperturas.py"
ADMIN_CUENTAS = "pages/admin_cuentas.py"
ADMIN_BITACORA = "pages/admin_bitacora.py"


@st.cache_resource(show_spinner="Preparando la base de datos…")
def _store(ruta: str) -> Store:
    return instalacion.abrir(rutas.data_dir())


def store() -> Store:
    """One store per server process and data folder (DuckDB allows one process per file)."""
    return _store(str(rutas.ruta_base()))


def minutos_inactividad() -> int:
    """Minutes without a click that end a session (EYF_INACTIVIDAD_MIN; core applies the same)."""
    return cuentas.minutos_inactividad()


@st.cache_data(max_entries=8, show_spinner=False)
def _tablero_filas(ruta: str, anio: int, generacion: int):
    return tablero.filas(store(), anio)


def tablero_filas(anio: int):
    """The tablero's rows, recomputed only after a write (the audit trail's generation grows)."""
    return _tablero_filas(str(rutas.ruta_base()), anio, auditoria.generacion(store()))


@st.cache_data(max_entries=64, show_spinner=False)
def _tablero_vista(
    ruta: str, anio: int, generacion: int, buscar: str, tipo: str, estados: tuple, con_recepcion: bool = False
):
    vista = tablero.filtrar(_tablero_filas(ruta, anio, generacion), buscar, tipo, list(estados))
    return vista, tablero.tabla_guia(vista, con_recepcion=con_recepcion)


def tablero_vista(anio: int, buscar: str, tipo: str, estados: tuple, con_recepcion: bool = False):
    """(filtered rows, the guide's table of them), cached like tablero_filas; the division's
    view adds when the signed paper copy arrived."""
    return _tablero_vista(
        str(rutas.ruta_base()), anio, auditoria.generacion(store()), buscar, tipo, estados, con_recepcion
    )


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
        for k in _CONSERVAR_AL_VENCER:
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
        n = sum(len(p) for p in st.session_state.get("pendientes", {}).values())
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
    _guardar_edicion_de_la_rejilla()
    conservar = {k: st.session_state[k] for k in _CONSERVAR_AL_VENCER if k in st.session_state}
    cerrar_sesion(por_inactividad=True)
    st.session_state.update(conservar)
    st.session_state["_pendientes_de"] = usuario
    st.session_state["_sesion_vencida"] = minutos
    st.session_state["_ultima_actividad"] = ahora


def _guardar_edicion_de_la_rejilla() -> None:
    """Fold the Paso 6 grid's latest edits into the pending edits before its widget state goes."""
    snap = st.session_state.get("p6_snap")
    if not snap or snap.get("key") not in st.session_state:
        return
    editadas = st.session_state[snap["key"]].get("edited_rows")
    if editadas:
        rejilla.fusionar_ediciones(pendientes().setdefault(snap["unidad"], {}), snap["frame"], editadas)


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
        st.page_link(MI_CUENTA, label="Cambiar contraseña (Mi cuenta)", icon="🔐")
        st.stop()


def exigir_admin() -> Cuenta:
    """Admin pages: the role is checked by core's permission rule, from the account in the store."""
    c = cuenta()
    try:
        permisos.exigir_division(c, admin=True)
    except ErrorDominio as exc:
        mostrar_error(exc)
        if c is None:
            st.page_link(PASO1, label="Ir al Paso 1", icon="🔑")
        st.stop()
    exigir_password_propia(c)
    return c


def periodo() -> ciclo.Periodo | None:
    return ciclo.periodo_actual(store())


def plazo(p: ciclo.Periodo) -> str:
    """How much registration time is left, in words, for the tablero and every capture screen."""
    if p.cerrado:
        return "**periodo cerrado por la División**: solo consulta e impresión"
    if reloj.hoy() < p.inicio:
        return f"**el registro inicia el {reloj.fecha(p.inicio)}**"
    dias = p.dias_restantes()
    return f"**quedan {dias:,} día(s)**" if dias else "**el registro está cerrado**: solo consulta e impresión"


def persona() -> str | None:
    return st.session_state.get("persona")


def ooad_objetivo(c: Cuenta | None) -> str | None:
    """The OOAD/UMAE the capture screens show: the capturista's own, or the one the division opened."""
    if c is None:
        return None
    if c.es_capturista:
        return c.ooad
    return st.session_state.get("ooad_consulta")


def mostrar_error(exc: ErrorDominio) -> None:
    st.error(md(str(exc)), icon="⚠️")


def pendientes() -> dict:
    """Unsaved Paso 6 edits: {unidad: {producto: row}}; kept while the person moves around, and
    mirrored as drafts in the store (core/capture/borradores.py) so that a restart does not lose them."""
    return st.session_state.setdefault("pendientes", {})


def _escritos() -> dict:
    """What the store holds of this session's drafts: {unidad: {producto: row as text}}."""
    return st.session_state.setdefault("_borradores_escritos", {})


def _escribir_pendientes(c: Cuenta, quien: str, anio: int, unidad: str, sin_cambio: list[str] = ()) -> None:
    pend = pendientes().get(unidad, {})
    escritos = _escritos().setdefault(unidad, {})
    for producto in sin_cambio:
        pend.pop(producto, None)
    nuevos = {p: f for p, f in pend.items() if borradores.como_texto(f) != escritos.get(p)}
    if nuevos:
        borradores.guardar(store(), c, quien, anio, unidad, nuevos)
        escritos.update({p: borradores.como_texto(f) for p, f in nuevos.items()})
        st.session_state["_borradores_fecha"] = reloj.ahora()
    if quitar := [p for p in sin_cambio if p in escritos]:
        borradores.quitar(store(), c, quien, anio, unidad, quitar)
        for p in quitar:
            escritos.pop(p, None)
    if not pend:
        pendientes().pop(unidad, None)


def conservar_pendientes(cx: ContextoCaptura, unidad: str, sin_cambio: list[str] = ()) -> None:
    """Paso 6, every run: the unit's pending edits that changed since the last write become drafts;
    `sin_cambio` (edits that now equal what is saved) stop being pending and lose their drafts."""
    _escribir_pendientes(cx.cuenta, cx.persona, cx.periodo.anio, unidad, list(sin_cambio))


def olvidar_pendientes(unidad: str, productos: list[str] | None = None) -> None:
    """After a save or a conflict (core already removed those drafts): no longer pending here."""
    pend, escritos = pendientes().get(unidad, {}), _escritos().get(unidad, {})
    for producto in list(pend) if productos is None else productos:
        pend.pop(producto, None)
        escritos.pop(producto, None)
    if not pend:
        pendientes().pop(unidad, None)


def descartar_pendientes(cx: ContextoCaptura, unidad: str | None = None) -> int:
    """The person discards their unsaved edits (of one unit, or all): audited in core."""
    n = borradores.descartar(store(), cx.cuenta, cx.persona, cx.periodo.anio, unidad)
    if unidad is None:
        pendientes().clear()
        _escritos().clear()
    else:
        pendientes().pop(unidad, None)
        _escritos().pop(unidad, None)
    return n


def recuperar_borradores(cx: ContextoCaptura) -> None:
    """Once per session and person: the drafts in the store become this session's pending edits.

    A new session (a restart, another browser) or another person at the same account gets exactly
    their own drafts; what the previous person of this account typed last is written as theirs first.
    """
    if not cx.cuenta.es_capturista:
        return
    duenio = (cx.cuenta.usuario, cx.persona, cx.periodo.anio)
    anterior = st.session_state.get("_pendientes_duenio")
    if anterior == duenio:
        return
    if anterior and anterior[0] == cx.cuenta.usuario and anterior[2] == cx.periodo.anio:
        for unidad in list(pendientes()):
            try:
                _escribir_pendientes(cx.cuenta, anterior[1], anterior[2], unidad)
            except ErrorDominio:
                pass  # capture closed meanwhile: their drafts stay as they were last written
    df = borradores.listar(store(), cx.cuenta, cx.persona, cx.periodo.anio)
    st.session_state["pendientes"] = borradores.como_pendientes(df)
    st.session_state["_borradores_escritos"] = {
        u: {p: borradores.como_texto(f) for p, f in filas.items()} for u, filas in pendientes().items()
    }
    st.session_state["_borradores_fecha"] = borradores.ultimo_cambio(df)
    st.session_state["_pendientes_duenio"] = duenio
    st.session_state["_borradores_recuperados"] = not df.empty
    # Where "Volver al Paso 6" takes the person: the group and specialty of a recovered edit.
    st.session_state["_borradores_donde"] = {r.unidad: (r.grupo, r.especialidad) for r in df.itertuples()}


def _borradores_no_guardados(cx: ContextoCaptura) -> None:
    """The capture closed (window, period, finalized) with drafts: say how many were not saved,
    show them read-only and let the person discard them once read."""
    df = borradores.listar(store(), cx.cuenta, cx.persona, cx.periodo.anio)
    if df.empty:
        return
    st.warning(
        f"**{len(df):,} cambio(s)** que escribió en el Paso 6 **no se guardaron** y ya no pueden guardarse "
        "(la captura está cerrada; vea el motivo arriba). Aquí están, solo para consulta: revíselos y, "
        "cuando ya no los necesite, descártelos.",
        icon="📝",
    )
    st.dataframe(
        borradores.para_mostrar(df), hide_index=True, width="stretch", placeholder="", key="borradores_no_guardados"
    )
    if st.button(f"Descartar {len(df):,} cambio(s) no guardado(s)", key="borradores_descartar"):
        descartar_pendientes(cx)
        st.rerun()


def aviso_otras_personas(cx: ContextoCaptura, unidad: str | None = None) -> None:
    """Paso 3 and Paso 6: other people of this OOAD/UMAE with unsaved edits (of this unit, or any)."""
    if not cx.cuenta.es_capturista:
        return
    otras = [
        r
        for r in borradores.de_otras_personas(store(), cx.cuenta, cx.persona, cx.periodo.anio).itertuples()
        if unidad is None or r.unidad == unidad
    ]
    if not otras:
        return
    lineas = [
        f"- **{md(r.persona)}**: {r.productos:,} producto(s)"
        + ("" if unidad else f" en {md(r.unidad_nombre)}")
        + f" (último cambio {reloj.fecha_hora(r.ultimo)})"
        for r in otras
    ]
    donde = "en esta Unidad Médica" if unidad else "en el Paso 6"
    st.info(
        f"Otras personas de su OOAD/UMAE tienen cambios sin guardar {donde}; no cuentan hasta que los "
        "guarden, y si capturan el mismo producto, se conserva lo que se guarde primero:\n" + "\n".join(lineas),
        icon="👥",
    )


def aviso_pendientes(pagina_actual: str | None = None, cx: ContextoCaptura | None = None) -> None:
    if cx is not None and cx.cuenta.es_capturista:
        recuperar_borradores(cx)
        if not cx.editable:
            _borradores_no_guardados(cx)
            return
    sin_guardar = {u: p for u, p in pendientes().items() if p}
    if not sin_guardar:
        st.session_state.pop("_borradores_recuperados", None)
        return
    n = sum(len(p) for p in sin_guardar.values())
    fecha = st.session_state.get("_borradores_fecha")
    de = f" del {reloj.fecha_hora(fecha)}" if fecha else ""
    if pagina_actual == PASO6:
        if st.session_state.get("_borradores_recuperados"):
            st.info(
                f"Tiene {n:,} cambio(s) sin guardar{de}, de una sesión anterior: están en la rejilla (✏️). "
                "Presione «Guardar» para guardarlos o «Descartar cambios».",
                icon="💾",
            )
        return
    st.warning(
        f"Tiene {n:,} cambio(s) sin guardar{de} en el Paso 6. No se han guardado: "
        "regrese al Paso 6 y presione «Guardar», o descártelos ahí.",
        icon="💾",
    )
    if st.button("Volver al Paso 6", key="volver_p6"):
        unidad = next(iter(sin_guardar))
        st.session_state["sel_unidad"] = unidad
        if donde := st.session_state.get("_borradores_donde", {}).get(unidad):
            st.session_state["sel_grupo"], st.session_state["sel_especialidad"] = donde
        st.switch_page(PASO6)


def encabezado(paso: str, titulo: str, notas: list[str] | None = None, *, plegadas: bool = False) -> None:
    """Each screen is titled with its step and carries the guide's notes for it."""
    st.caption(paso)
    st.title(titulo)
    if not notas:
        return
    texto = "\n".join(f"- {n}" for n in notas)
    if plegadas:
        with st.expander("Notas de este paso (guía de ayuda)"):
            st.markdown(texto)
    else:
        st.markdown("**Notas:**\n" + texto)


def pedir_persona(c: Cuenta) -> str:
    """A capturista names themself once per session: the password is shared by the whole OOAD/UMAE."""
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
                st.rerun()
    st.stop()


@dataclass
class ContextoCaptura:
    cuenta: Cuenta
    persona: str
    periodo: ciclo.Periodo
    ooad: str
    ooad_nombre: str
    estado: ciclo.EstadoOoad
    bloqueo: str | None  # why the screen is read-only, or None

    @property
    def editable(self) -> bool:
        return self.bloqueo is None


def contexto_captura(pagina: str, *, avisar_bloqueo: bool = True) -> ContextoCaptura:
    """Session, person, period and OOAD/UMAE for a capture screen; stops the page with a clear
    message where one is missing, and says why the screen is read-only when it is."""
    c = cuenta()
    if c is None:
        st.warning("Inicie sesión en el Paso 1 para continuar.")
        st.page_link(PASO1, label="Ir al Paso 1", icon="🔑")
        st.stop()
    exigir_password_propia(c)
    quien = pedir_persona(c)
    p = periodo()
    if p is None:
        st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
        st.stop()
    ooad = ooad_objetivo(c)
    if ooad is None:
        st.info("Elija en el Tablero de control la OOAD/UMAE que desea consultar.")
        st.page_link(TABLERO, label="Ir al Tablero", icon="📋")
        st.stop()
    s = store()
    estado = ciclo.estado(s, p.anio, ooad)
    bloqueo = ciclo.motivo_bloqueo(s, p.anio, ooad)
    if bloqueo is None and not c.es_capturista:
        bloqueo = "Su cuenta es de consulta (División): puede ver, pero no capturar."
    nombre = s.valor(f"SELECT {cuentas.ETIQUETA_OOAD.format(o='ooad')} FROM ooad WHERE clave = ?", [ooad])
    st.markdown(
        f"**{md(nombre)}** · Captura del periodo {p.anio} · Semáforo: {ciclo.semaforo(estado.estado)}  \n"
        f"Periodo de registro {p.describir_ventana()} · {plazo(p)}"
    )
    if bloqueo and avisar_bloqueo:
        st.info(f"🔒 Pantalla de solo consulta. {bloqueo}")
    cx = ContextoCaptura(c, quien, p, ooad, nombre, estado, bloqueo)
    aviso_pendientes(pagina, cx)
    return cx


def unidad_elegida(cx: ContextoCaptura) -> tuple[str, str]:
    """The unit chosen in Paso 3, if it belongs to the OOAD/UMAE on screen; else back to Paso 3."""
    unidad = st.session_state.get("sel_unidad")
    fila = store().fila("SELECT nombre FROM unidad WHERE clave = ? AND ooad = ?", [unidad, cx.ooad]) if unidad else None
    if fila is None:
        st.info("Primero elija la Unidad Médica en el Paso 3.")
        st.page_link(PASO3, label="Ir al Paso 3", icon="⬅️")
        st.stop()
    st.markdown(f"Unidad Médica: **{md(fila[0])}**")
    return unidad, fila[0]


def pedir_confirmacion(clave: str, datos: object = True) -> None:
    """Open a confirmation dialog that survives reruns until confirmed, cancelled or dismissed."""
    st.session_state[f"confirmar_{clave}"] = datos


def confirmacion_pendiente(clave: str):
    return st.session_state.get(f"confirmar_{clave}")


def cerrar_confirmacion(clave: str) -> None:
    st.session_state.pop(f"confirmar_{clave}", None)
