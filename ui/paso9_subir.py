"""Paso 9: upload the signed final report (PDF, up to 100 MB); consult and replace it."""

import streamlit as st

from core.base import reloj
from core.base.errors import ErrorDominio
from core.lifecycle import ciclo, firmados
from ui.components import almacen, avisos, ciclo_vida, paginas
from ui.components import contexto as ctx
from ui.components import reaperturas as reap
from ui.components.marcado import md

ctx.encabezado(
    "Paso 9",
    "Subir Reporte «Versión Final» firmado",
    [
        "Para que la OOAD/UMAE concluya el proceso deberá subir el reporte firmado.",
        "Solo se admiten archivos con formato PDF y con un peso máximo de 100 Megabytes.",
    ],
)
cx = ctx.contexto_captura(paginas.PASO9, avisar_bloqueo=False)
store = almacen.store()
anio = cx.periodo.anio
posibles = ciclo_vida.de(cx)
if not posibles.estado.finalizado:
    st.info(
        "Podrá subir el reporte firmado cuando la OOAD/UMAE haya finalizado el registro (Paso 7) "
        "e impreso la Versión Final (Paso 8)."
    )
    st.page_link(paginas.PASO7, label="Ir al Paso 7", icon="⬅️")
    st.stop()

if flash := st.session_state.pop("p9_flash", None):
    st.success(flash[0])
    if flash[1]:
        st.warning(md(flash[1]))
reap.estado_solicitud(cx, key="p9", posibles=posibles)

if posibles.subir_firmado.permitida:
    verbo = "Reemplazar" if cx.estado.estado == ciclo.FIRMADO else "Subir"
    # Streamlit's own limit line ("<server.maxUploadSize>MB per file", a MB being 10**6 or 2**20 bytes
    # depending on the browser's system) is replaced by a Spanish hint (ui/components/textos_streamlit.py);
    # the limit that counts, core's, is said below the uploader.
    # A new key after each upload empties the uploader.
    archivo = st.file_uploader(
        f"{verbo} el reporte firmado (PDF)", type=["pdf"], key=f"p9_archivo_{st.session_state.get('p9_subidas', 0)}"
    )
    st.caption(firmados.REQUISITOS)
    if archivo is not None and st.button(verbo, type="primary", key="p9_subir"):
        with st.spinner("Revisando el PDF…"):
            try:
                s = firmados.subir(store, cx.cuenta, cx.persona, anio, cx.ooad, archivo.getvalue(), archivo.name)
            except ErrorDominio as exc:
                avisos.mostrar_error(exc)
            else:
                st.session_state["p9_flash"] = (
                    f"Reporte firmado recibido ({s.paginas:,} página(s)). La OOAD/UMAE concluyó el proceso.",
                    s.aviso(),
                )
                st.session_state["p9_subidas"] = st.session_state.get("p9_subidas", 0) + 1
                st.rerun()
else:
    ciclo_vida.aviso(posibles.subir_firmado)

st.subheader("Reportes firmados recibidos")
historial = firmados.historial(store, cx.cuenta, anio, cx.ooad)
if historial.empty:
    st.caption("Todavía no se ha subido el reporte firmado.")
for fila in historial.itertuples():
    if fila.vigente:
        estado = "✅ vigente"
    elif fila.version < cx.estado.version_final or cx.estado.estado != ciclo.FIRMADO:
        estado = "sin vigencia (el registro se reabrió)"
    else:
        estado = "reemplazado"
    folio = {True: "folio verificado", False: f"⚠️ folio {fila.folio_leido} no coincide", None: "folio no legible"}[
        None if fila.folio_coincide is None or fila.folio_coincide != fila.folio_coincide else bool(fila.folio_coincide)
    ]
    c1, c2 = st.columns([4, 1])
    c1.markdown(
        f"**{md(fila.nombre_original)}** · {estado} · versión final {fila.version} · {fila.paginas:,} pág. · "
        f"{fila.bytes / 1024:,.0f} KB · {folio} · {reloj.fecha_hora(fila.subido_en)} por "
        f"{md(fila.subido_persona or fila.subido_por)}"
    )
    # Read in this run, not in a deferred download: a file missing on disk then says so on screen
    # instead of leaving a button that does nothing.
    if c2.button("Descargar", key=f"p9_desc_{fila.id}"):
        try:
            nombre, datos = firmados.leer(store, cx.cuenta, int(fila.id))
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            c2.download_button(
                "💾 Guardar el PDF",
                data=datos,
                file_name=nombre,
                mime="application/pdf",
                key=f"p9_guardar_{fila.id}",
                on_click="ignore",
                type="primary",
            )
