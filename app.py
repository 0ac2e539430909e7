"""Frame and router: page config, session, the menu for the account's role, navigation."""

import streamlit as st

from core import instalacion
from core.base import reloj
from pages.components import contexto as ctx
from pages.components import limite_errores, textos_streamlit
from pages.components.marcado import md

st.set_page_config(page_title="Excedentes y Faltantes de Servicios Médicos — IMSS", page_icon="🏥", layout="wide")
textos_streamlit.traducir()  # Streamlit's own English texts, in Spanish where CSS reaches them


@limite_errores.protegido
def _marco():
    """Session, menu and sidebar: inside the same error boundary as the pages."""
    store = ctx.store()  # another server holding the file, or a damaged one: a domain error, shown in Spanish

    ctx.restaurar_sesion()
    cuenta = ctx.cuenta()

    publicas = [
        st.Page(ctx.TABLERO, title="Tablero de control", icon="📋", default=True, url_path="tablero"),
        st.Page(ctx.PASO1, title="Paso 1 · Acceso", icon="🔑", url_path="paso1"),
        st.Page(ctx.AYUDA, title="Ayuda y contacto", icon="❓", url_path="ayuda"),
        st.Page(ctx.MI_CUENTA, title="Mi cuenta", icon="👤", url_path="mi-cuenta"),  # sidebar link only when logged in
    ]
    captura = [
        st.Page(ctx.PASO2, title="Paso 2 · Declaración", url_path="paso2"),
        st.Page(ctx.PASO3, title="Paso 3 · Unidad Médica", url_path="paso3"),
        st.Page(ctx.PASO4, title="Paso 4 · Grupo de Servicio", url_path="paso4"),
        st.Page(ctx.PASO5, title="Paso 5 · Especialidad Troncal", url_path="paso5"),
        st.Page(ctx.PASO6, title="Paso 6 · Excedentes y Faltantes", url_path="paso6"),
        st.Page(ctx.PASO7, title="Paso 7 · Finalizar", url_path="paso7"),
        st.Page(ctx.PASO8, title="Paso 8 · Versión Final", url_path="paso8"),
        st.Page(ctx.PASO9, title="Paso 9 · Subir firmado", url_path="paso9"),
    ]
    # The division's pages (analista and admin). Each page also checks the role through core/.
    analisis = [
        st.Page("pages/analisis_panorama.py", title="Panorama nacional", icon="🗺️", url_path="panorama"),
        st.Page("pages/analisis_cruce.py", title="Cruce por estado y especialidad", icon="🧮", url_path="cruce"),
        st.Page(
            "pages/analisis_oportunidades.py", title="Oportunidades de intercambio", icon="🔁", url_path="oportunidades"
        ),
    ]
    administracion = [
        st.Page(ctx.ADMIN_PERIODOS, title="Periodos y ventanas", icon="🗓️", url_path="admin-periodos"),
        st.Page(ctx.ADMIN_REAPERTURAS, title="Solicitudes de reapertura", icon="🔓", url_path="admin-reaperturas"),
        st.Page(ctx.ADMIN_RECEPCION, title="Recepción de originales", icon="📬", url_path="admin-recepcion"),
        st.Page(ctx.ADMIN_CUENTAS, title="Cuentas y contraseñas", icon="👥", url_path="admin-cuentas"),
        st.Page(ctx.ADMIN_BITACORA, title="Bitácora", icon="📜", url_path="admin-bitacora"),
        st.Page("pages/admin_catalogos.py", title="Catálogos", icon="🗂️", url_path="admin-catalogos"),
        st.Page("pages/admin_respaldos.py", title="Respaldos", icon="💾", url_path="admin-respaldos"),
    ]
    paginas = (
        publicas + captura + analisis + administracion
    )  # all registered: links never break; each page checks the session
    navegacion = st.navigation(paginas, position="hidden")

    with st.sidebar:
        st.markdown("### Excedentes y Faltantes\nServicios Médicos Institucionales · IMSS")
        if instalacion.modo_demo(store):
            st.info("**Modo demostración**: datos y cuentas de ejemplo (contraseña `demo`).", icon="🧪")
        periodo = ctx.periodo()
        if periodo:
            dias = periodo.dias_restantes()
            ventana = f"Registro {periodo.describir_ventana()}"
            st.caption(
                f"Captura del periodo {periodo.anio} · {ventana} · "
                + (
                    f"el registro inicia el {reloj.fecha(periodo.inicio)}"
                    if reloj.hoy() < periodo.inicio
                    else f"quedan {dias:,} día(s)"
                    if dias
                    else "registro cerrado"
                )
            )
        st.page_link(publicas[0])
        if cuenta is None:
            st.page_link(publicas[1])
        elif cuenta.es_capturista:
            for p in captura:
                st.page_link(p)
        if cuenta is not None and cuenta.es_division:
            st.markdown("**Análisis**")
            for p in analisis:
                st.page_link(p)
        if cuenta is not None and cuenta.rol == "admin":
            st.markdown("**Administración**")
            for p in administracion:
                st.page_link(p)
        st.page_link(publicas[2])
        if cuenta is not None:
            st.divider()
            quien = ctx.persona()
            st.caption(
                f"Sesión: **{md(cuenta.nombre)}** ({md(cuenta.usuario)})"
                + (f"  \nCaptura: {md(quien)}" if quien else "")
            )
            st.page_link(ctx.MI_CUENTA, label="Mi cuenta · cambiar contraseña", icon="👤")
            if st.button("Cerrar sesión", key="boton_salir"):
                ctx.cerrar_sesion()
                st.switch_page(ctx.TABLERO)
        st.caption(f"Hoy: {reloj.fecha(reloj.hoy())}")
    return navegacion


navegacion = _marco()
if navegacion is None:  # the frame itself failed: its message is on screen
    st.stop()
limite_errores.ejecutar(navegacion)  # a failure shows a Spanish message and a reference, never a traceback
