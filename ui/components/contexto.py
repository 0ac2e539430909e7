"""The capture screens' shared frame: period, OOAD/UMAE on screen, its state and why it is
read-only, the header every step shows, and the unit chosen in Paso 3."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.accounts.permisos import Cuenta
from core.base import reloj
from core.capture import captura
from core.lifecycle import ciclo
from ui.components import paginas, pendientes, sesion
from ui.components.almacen import store
from ui.components.marcado import md


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


def ooad_objetivo(c: Cuenta | None) -> str | None:
    """The OOAD/UMAE the capture screens show: the capturista's own, or the one the division opened."""
    if c is None:
        return None
    if c.es_capturista:
        return c.ooad
    return st.session_state.get("ooad_consulta")


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
    c = sesion.cuenta()
    if c is None:
        st.warning("Inicie sesión en el Paso 1 para continuar.")
        st.page_link(paginas.PASO1, label="Ir al Paso 1", icon="🔑")
        st.stop()
    sesion.exigir_password_propia(c)
    quien = sesion.pedir_persona(c)
    p = periodo()
    if p is None:
        st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
        st.stop()
    ooad = ooad_objetivo(c)
    if ooad is None:
        st.info("Elija en el Tablero de control la OOAD/UMAE que desea consultar.")
        st.page_link(paginas.TABLERO, label="Ir al Tablero", icon="📋")
        st.stop()
    s = store()
    estado = ciclo.estado(s, p.anio, ooad)
    bloqueo = ciclo.motivo_bloqueo(s, p.anio, ooad)
    if bloqueo is None and not c.es_capturista:
        bloqueo = "Su cuenta es de consulta (División): puede ver, pero no capturar."
    nombre = captura.etiqueta_ooad(s, ooad)
    st.markdown(
        f"**{md(nombre)}** · Captura del periodo {p.anio} · Semáforo: {ciclo.semaforo(estado.estado)}  \n"
        f"Periodo de registro {p.describir_ventana()} · {plazo(p)}"
    )
    if bloqueo and avisar_bloqueo:
        st.info(f"🔒 Pantalla de solo consulta. {bloqueo}")
    cx = ContextoCaptura(c, quien, p, ooad, nombre, estado, bloqueo)
    pendientes.avisar(pagina, cx)
    return cx


def unidad_elegida(cx: ContextoCaptura) -> tuple[str, str]:
    """The unit chosen in Paso 3, if it belongs to the OOAD/UMAE on screen; else back to Paso 3."""
    unidad = st.session_state.get("sel_unidad")
    nombre = captura.nombre_unidad_de(store(), cx.ooad, unidad)
    if nombre is None:
        st.info("Primero elija la Unidad Médica en el Paso 3.")
        st.page_link(paginas.PASO3, label="Ir al Paso 3", icon="⬅️")
        st.stop()
    st.markdown(f"Unidad Médica: **{md(nombre)}**")
    return unidad, nombre
