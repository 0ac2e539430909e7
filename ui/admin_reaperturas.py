"""Administración · Reaperturas: the queue of requests with their wait, grant or decline with a
reason, or reopen without a request."""

import streamlit as st

from core.base.errors import ErrorDominio
from core.lifecycle import acciones, ciclo, reaperturas
from ui.components import almacen, avisos, ciclo_vida, descargas, sesion
from ui.components import contexto as ctx
from ui.components import reaperturas as reapertura
from ui.components.marcado import md

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Solicitudes de reapertura",
    [
        "Conceder una reapertura regresa a la OOAD/UMAE a «En captura»: su reporte firmado deja de estar vigente y, "
        "al finalizar de nuevo, se genera una nueva versión final con su propio folio. La versión anterior se conserva.",
        "La OOAD/UMAE ve la respuesta y su razón en sus pantallas de los Pasos 7, 8 y 9.",
    ],
)
store = almacen.store()
periodo = ctx.periodo()
if flash := st.session_state.pop("adm_reap_flash", None):
    st.success(flash)


def _hecho(mensaje: str) -> None:
    st.session_state["adm_reap_flash"] = mensaje
    st.rerun()


st.subheader("En espera")
cola = reaperturas.pendientes(store, cuenta)
if cola.empty:
    st.info("No hay solicitudes de reapertura en espera.")
else:
    st.dataframe(
        cola[["OOAD/UMAE", "Periodo", "Semáforo", "Motivo", "Solicitó", "Solicitada", "Espera"]],
        hide_index=True,
        width="stretch",
        key="adm_reap_cola",
        # Fits a 1366 px screen, the wait in view; a long reason ends in «…» and shows whole on hover.
        column_config={
            "OOAD/UMAE": st.column_config.TextColumn(width=140),
            "Periodo": st.column_config.TextColumn(width=65),
            "Semáforo": st.column_config.TextColumn(width=110),
            "Motivo": st.column_config.TextColumn(width=190),
            "Solicitó": st.column_config.TextColumn(width=150),
            "Solicitada": st.column_config.TextColumn(width=125),
            "Espera": st.column_config.TextColumn(width=75),
        },
    )
    nombres = dict(zip(cola["id"].astype(int), cola["OOAD/UMAE"], strict=True))
    etiquetas = {
        int(i): f"{n} · {p} · espera {e}"
        for i, n, p, e in zip(cola["id"], cola["OOAD/UMAE"], cola["Periodo"], cola["Espera"], strict=True)
    }
    with st.form("adm_reap_responder"):
        elegida = st.selectbox("Solicitud", list(etiquetas), format_func=etiquetas.get, key="adm_reap_solicitud")
        razon = st.text_area(
            "Razón de la respuesta (la verá la OOAD/UMAE)",
            max_chars=ciclo.MOTIVO_MAXIMO,
            placeholder=reapertura.pista_motivo(),
            key="adm_reap_razon",
        )
        a, b, _ = st.columns([1, 1, 3])
        conceder = a.form_submit_button("Conceder reapertura", type="primary")
        rechazar = b.form_submit_button("Rechazar")
    if conceder or rechazar:
        try:
            if conceder:
                reaperturas.conceder(store, cuenta, elegida, razon)
            else:
                reaperturas.rechazar(store, cuenta, elegida, razon)
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            _hecho(
                f"{md(nombres[elegida])}: reapertura "
                + ("concedida; regresó a «En captura»." if conceder else "rechazada.")
            )

if periodo is not None:
    st.subheader("Reabrir sin solicitud")
    reabrir = acciones.del_periodo(store, cuenta, periodo.anio).reabrir
    opciones = dict(reaperturas.reabribles(store, cuenta, periodo.anio)) if reabrir.permitida else {}
    if not reabrir.permitida:
        ciclo_vida.aviso(reabrir)
    elif not opciones:
        st.caption(f"Ninguna OOAD/UMAE ha finalizado en el periodo {periodo.anio}.")
    else:
        with st.form("adm_reap_directa"):
            ooad = st.selectbox(
                f"OOAD/UMAE finalizada en {periodo.anio} (escriba para buscar)",
                list(opciones),
                format_func=opciones.get,
                index=None,
                placeholder="Elija la OOAD/UMAE",
                key="adm_reap_ooad",
            )
            motivo = st.text_area(
                "Motivo de la reapertura (lo verá la OOAD/UMAE)",
                max_chars=ciclo.MOTIVO_MAXIMO,
                placeholder=reapertura.pista_motivo(),
                key="adm_reap_motivo",
            )
            if st.form_submit_button("Reabrir"):
                if not ooad:
                    st.error("Elija la OOAD/UMAE.")
                else:
                    try:
                        reaperturas.reabrir(store, cuenta, periodo.anio, ooad, motivo)
                    except ErrorDominio as exc:
                        avisos.mostrar_error(exc)
                    else:
                        _hecho(f"{md(opciones[ooad].rsplit(' · ', 1)[0])} reabierta: regresó a «En captura».")

st.subheader("Respondidas")
resueltas = reaperturas.resueltas(store, cuenta)
if resueltas.empty:
    st.caption("Todavía no se ha respondido ninguna solicitud.")
else:
    st.dataframe(
        resueltas,
        hide_index=True,
        width="stretch",
        key="adm_reap_resueltas",
        # The answer first, the long texts last: a 1366 px screen shows who, what and when without
        # scrolling sideways.
        column_order=[
            "Periodo",
            "OOAD/UMAE",
            "Respuesta",
            "Espera",
            "Resuelta",
            "Resolvió",
            "Razón",
            "Motivo",
            "Solicitó",
            "Solicitada",
        ],
    )
    descargas.botones(
        {"Solicitudes respondidas": resueltas},
        "solicitudes de reapertura",
        periodo.anio if periodo else 0,
        key="adm_reap_descargas",
    )
