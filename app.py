"""Frame and router: page config, session, the menu for the account's role, navigation."""

import streamlit as st

from core import instalacion
from core.base import reloj
from ui.components import almacen, descargas_gracia, limite_errores, paginas, sesion, textos_streamlit
from ui.components import contexto as ctx
from ui.components.marcado import md

st.set_page_config(page_title="Excedentes y Faltantes de Servicios Médicos — IMSS", page_icon="🏥", layout="wide")
textos_streamlit.traducir()  # Streamlit's own English texts, in Spanish where CSS reaches them
descargas_gracia.aplicar()  # a file built on click outlives the cleanups until the browser fetched it


@limite_errores.protegido
def _marco():
    """Session, menu and sidebar: inside the same error boundary as the pages."""
    store = almacen.store()  # another server holding the file, or a damaged one: a domain error, shown in Spanish

    sesion.restaurar_sesion()
    cuenta = sesion.cuenta()

    def _paginas(seccion: str) -> list:
        return [
            st.Page(p.ruta, title=p.titulo, icon=p.icono, url_path=p.url, default=p.ruta == paginas.TABLERO)
            for p in paginas.de_seccion(seccion)
        ]

    publicas, captura = _paginas("publica"), _paginas("captura")
    # The division's pages (analista and admin). Each page also checks the role through core/.
    analisis, administracion = _paginas("analisis"), _paginas("administracion")
    # All registered, so links never break; each page checks the session.
    paginas_menu = publicas + captura + analisis + administracion
    navegacion = st.navigation(paginas_menu, position="hidden")

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
            quien = sesion.persona()
            st.caption(
                f"Sesión: **{md(cuenta.nombre)}** ({md(cuenta.usuario)})"
                + (f"  \nCaptura: {md(quien)}" if quien else "")
            )
            st.page_link(paginas.MI_CUENTA, label="Mi cuenta · cambiar contraseña", icon="👤")
            if st.button("Cerrar sesión", key="boton_salir"):
                sesion.cerrar_sesion()
                st.switch_page(paginas.TABLERO)
        st.caption(f"Hoy: {reloj.fecha(reloj.hoy())}")
    return navegacion


navegacion = _marco()
if navegacion is None:  # the frame itself failed: its message is on screen
    st.stop()
limite_errores.ejecutar(navegacion)  # a failure shows a Spanish message and a reference, never a traceback
