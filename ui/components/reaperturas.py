"""Reopen request and the changes between final versions, shown on Pasos 7, 8 and 9."""

from __future__ import annotations

import streamlit as st

from core.base.errors import ErrorDominio
from core.lifecycle import ciclo, comparar, reaperturas
from ui.components import almacen, avisos, ciclo_vida, descargas
from ui.components import contexto as ctx
from ui.components.marcado import md


def pista_motivo() -> str:
    """The hint under every reopen reason box, from the same numbers core checks."""
    return f"Al menos {ciclo.MOTIVO_MINIMO} caracteres; hasta {ciclo.MOTIVO_MAXIMO:,}."


def estado_solicitud(cx: ctx.ContextoCaptura, key: str, posibles=None) -> None:
    """The latest request and the division's answer; the OOAD/UMAE's own form to ask for one."""
    s = almacen.store()
    if flash := st.session_state.pop(f"{key}_reapertura_flash", None):
        st.success(flash)
    ultima = reaperturas.ultima(s, cx.cuenta, cx.periodo.anio, cx.ooad)
    posibles = posibles or ciclo_vida.de(cx)
    finalizada = posibles.estado.finalizado
    if ultima is not None:
        texto = md(ultima.describir())  # carries the reason and the person's name
        if ultima.version < cx.estado.version_final:
            st.caption(f"Última solicitud de reapertura — {texto}")
        elif ultima.estado == reaperturas.PENDIENTE:
            st.info(texto, icon="⏳")
        elif ultima.estado == reaperturas.CONCEDIDA:
            st.success(
                texto
                + (
                    " Corrija lo necesario y vuelva a finalizar: se generará una nueva versión "
                    "final con su propio folio."
                    if not finalizada
                    else ""
                ),
                icon="🔓",
            )
        else:
            st.warning(texto, icon="✉️")
    if not posibles.solicitar_reapertura.permitida:  # a pending request, as well, is already said above
        return
    with st.expander("¿Necesita corregir lo finalizado? Solicite la reapertura a la División"):
        st.caption(
            "La División revisará su solicitud y le responderá en esta misma pantalla. Si la concede, "
            "el registro vuelve a «En captura», el reporte firmado deja de estar vigente y, al finalizar "
            "de nuevo, se genera una nueva versión final con su propio folio."
        )
        with st.form(f"{key}_reapertura"):
            motivo = st.text_area(
                "Motivo de la solicitud (qué necesita corregir y por qué)",
                max_chars=ciclo.MOTIVO_MAXIMO,
                placeholder=pista_motivo(),
                key=f"{key}_reapertura_motivo",
            )
            if st.form_submit_button("Enviar solicitud de reapertura"):
                try:
                    reaperturas.solicitar(s, cx.cuenta, cx.persona, cx.periodo.anio, motivo)
                except ErrorDominio as exc:
                    avisos.mostrar_error(exc)
                else:
                    st.session_state[f"{key}_reapertura_flash"] = (
                        "Solicitud de reapertura enviada a la División. Verá la respuesta en esta pantalla."
                    )
                    st.rerun()


def diferencias(cx: ctx.ContextoCaptura, key: str) -> None:
    """With two or more final versions: what changed from one to another, line by line."""
    s = almacen.store()
    versiones = comparar.versiones(s, cx.cuenta, cx.periodo.anio, cx.ooad)
    if len(versiones) < 2:
        return
    st.subheader("Cambios entre versiones finales")
    a, b = st.columns(2)
    despues = b.selectbox("Versión final posterior", versiones[1:][::-1], key=f"{key}_dif_despues")
    anteriores = [v for v in versiones if v < despues][::-1]
    antes = a.selectbox("Comparar desde la versión final", anteriores, key=f"{key}_dif_antes")
    try:
        dif = comparar.comparar(s, cx.cuenta, cx.periodo.anio, cx.ooad, antes, despues)
    except ErrorDominio as exc:
        avisos.mostrar_error(exc)
        return
    st.markdown(dif.describir())
    st.caption(
        f"Folio de la versión {dif.version_antes}: `{dif.folio_antes}` · "
        f"folio de la versión {dif.version_despues}: `{dif.folio_despues}`"
    )
    if dif.cambios.empty:
        st.info("Las líneas de ambas versiones son iguales.")
        return
    numeros = {
        c: st.column_config.NumberColumn(c, format="localized")
        for c in dif.cambios.columns
        if c.startswith(("Pacientes", "Eventos"))
    }
    st.dataframe(
        dif.cambios, hide_index=True, width="stretch", placeholder="", column_config=numeros, key=f"{key}_dif_tabla"
    )
    descargas.botones(
        {"Cambios": dif.cambios},
        f"cambios {cx.ooad} v{antes} a v{despues}",
        cx.periodo.anio,
        key=f"{key}_dif_descargas",
    )
