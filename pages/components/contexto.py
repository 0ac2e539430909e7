"""What every page needs: the store, the logged-in account, the period, and the menu.

The account is always re-read from the store by the user name that the login set; pages never
trust a role or an OOAD/UMAE from the URL or session state.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
import streamlit_authenticator as stauth

from core import auditoria, ciclo, cuentas, instalacion, tablero
from core.cuentas import Cuenta
from core.errors import ErrorDominio
from core.store import Store

COOKIE = "eyf_sesion"

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


@st.cache_resource(show_spinner="Preparando la base de datos…")
def _store(ruta: str) -> Store:
    return instalacion.abrir(instalacion.data_dir())


def store() -> Store:
    """One store per server process and data folder (DuckDB allows one process per file)."""
    return _store(str(instalacion.ruta_base()))


def preparar_autenticador() -> stauth.Authenticate:
    """Once per script run (app.py): its cookie component may be drawn only once per run."""
    auth = stauth.Authenticate(
        cuentas.credenciales_para_login(store()),
        COOKIE,
        instalacion.secreto_cookie(),
        cookie_expiry_days=1,
        auto_hash=False,
        login_sleep_time=0,
    )
    st.session_state["_autenticador"] = auth
    return auth


@st.cache_data(max_entries=8, show_spinner=False)
def _tablero_filas(ruta: str, anio: int, generacion: int):
    return tablero.filas(store(), anio)


def tablero_filas(anio: int):
    """The tablero's rows, recomputed only after a write (the audit trail's generation grows)."""
    return _tablero_filas(str(instalacion.ruta_base()), anio, auditoria.generacion(store()))


@st.cache_data(max_entries=64, show_spinner=False)
def _tablero_vista(ruta: str, anio: int, generacion: int, buscar: str, tipo: str, estados: tuple):
    vista = tablero.filtrar(_tablero_filas(ruta, anio, generacion), buscar, tipo, list(estados))
    return vista, tablero.tabla_guia(vista)


def tablero_vista(anio: int, buscar: str, tipo: str, estados: tuple):
    """(filtered rows, the guide's table of them), cached like tablero_filas."""
    return _tablero_vista(str(instalacion.ruta_base()), anio, auditoria.generacion(store()), buscar, tipo, estados)


def autenticador() -> stauth.Authenticate:
    return st.session_state.get("_autenticador") or preparar_autenticador()


def cuenta() -> Cuenta | None:
    """The logged-in account, re-read from the store (a disabled account is logged out)."""
    if not st.session_state.get("authentication_status"):
        return None
    c = cuentas.obtener(store(), st.session_state.get("username"))
    if c is None:
        st.session_state["authentication_status"] = None
    return c


def iniciar_sesion(usuario: str, password: str) -> Cuenta:
    """Check the password in core (audited), then let streamlit-authenticator set its cookie."""
    c = cuentas.autenticar(store(), usuario, password)
    auth = autenticador()
    auth.authentication_controller.login(usuario, password)
    try:
        auth.cookie_controller.set_cookie()
    except Exception:  # the cookie only saves a re-login; the session is already valid
        pass
    st.session_state.pop("persona", None)
    return c


def restaurar_sesion() -> None:
    """Log in again from a valid cookie (a reload of the page keeps the session)."""
    if st.session_state.get("authentication_status"):
        return
    try:
        autenticador().login(location="unrendered")
    except Exception:
        st.session_state["authentication_status"] = None


def cerrar_sesion() -> None:
    try:
        autenticador().logout(location="unrendered")
    except Exception:
        pass
    for k in list(st.session_state.keys()):
        if k != "_autenticador":
            del st.session_state[k]


def periodo() -> ciclo.Periodo | None:
    return ciclo.periodo_actual(store())


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
    st.error(str(exc), icon="⚠️")


def pendientes() -> dict:
    """Unsaved Paso 6 edits: {unidad: {producto: row}}; kept while the person moves around."""
    return st.session_state.setdefault("pendientes", {})


def aviso_pendientes(pagina_actual: str | None = None) -> None:
    sin_guardar = {u: p for u, p in pendientes().items() if p}
    if sin_guardar and pagina_actual != PASO6:
        n = sum(len(p) for p in sin_guardar.values())
        st.warning(
            f"Tiene {n:,} producto(s) con cambios sin guardar en el Paso 6. No se han guardado: "
            "regrese al Paso 6 y presione «Guardar», o descártelos ahí.",
            icon="💾",
        )
        if st.button("Volver al Paso 6", key="volver_p6"):
            unidad = next(iter(sin_guardar))
            st.session_state["sel_unidad"] = unidad
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
        nombre = st.text_input("Nombre completo de quien captura", max_chars=120)
        cargo = st.text_input("Cargo", max_chars=120)
        if st.form_submit_button("Continuar", type="primary"):
            nombre, cargo = nombre.strip(), cargo.strip()
            if len(nombre) < 3:
                st.error("Escriba su nombre completo.")
            else:
                st.session_state["persona"] = f"{nombre} ({cargo})" if cargo else nombre
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
    st.markdown(f"**{nombre}** · Captura del periodo {p.anio} · "
                f"Semáforo: {ciclo.semaforo(estado.estado)}")
    if bloqueo and avisar_bloqueo:
        st.info(f"🔒 Pantalla de solo consulta. {bloqueo}")
    aviso_pendientes(pagina)
    return ContextoCaptura(c, quien, p, ooad, nombre, estado, bloqueo)


def unidad_elegida(cx: ContextoCaptura) -> tuple[str, str]:
    """The unit chosen in Paso 3, if it belongs to the OOAD/UMAE on screen; else back to Paso 3."""
    unidad = st.session_state.get("sel_unidad")
    fila = store().fila("SELECT nombre FROM unidad WHERE clave = ? AND ooad = ?", [unidad, cx.ooad]) if unidad else None
    if fila is None:
        st.info("Primero elija la Unidad Médica en el Paso 3.")
        st.page_link(PASO3, label="Ir al Paso 3", icon="⬅️")
        st.stop()
    st.markdown(f"Unidad Médica: **{fila[0]}**")
    return unidad, fila[0]


def pedir_confirmacion(clave: str, datos: object = True) -> None:
    """Open a confirmation dialog that survives reruns until confirmed, cancelled or dismissed."""
    st.session_state[f"confirmar_{clave}"] = datos


def confirmacion_pendiente(clave: str):
    return st.session_state.get(f"confirmar_{clave}")


def cerrar_confirmacion(clave: str) -> None:
    st.session_state.pop(f"confirmar_{clave}", None)
