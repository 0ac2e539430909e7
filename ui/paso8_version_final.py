"""Paso 8: the final version stored when the OOAD/UMAE finalized, printed for signatures."""

import streamlit as st

from core.base import reloj
from core.capture import reportes
from core.lifecycle import ciclo
from ui.components import almacen, ciclo_vida, paginas
from ui.components import contexto as ctx
from ui.components import reaperturas as reap
from ui.components import reportes as comp
from ui.components.marcado import md

ctx.encabezado(
    "Paso 8",
    "Reporte «Versión Final» para firmas",
    [
        "Reporte en formato PDF, disponible para que cada OOAD/UMAE revise, valide y firme.",
        "El reporte firmado deberá subirse a la herramienta (Paso 9) y enviarse de forma física a la "
        "División de Integración Estratégica Sectorial.",
    ],
)
cx = ctx.contexto_captura(paginas.PASO8, avisar_bloqueo=False)
store = almacen.store()
posibles = ciclo_vida.de(cx)
vf = ciclo.version_final(store, cx.cuenta, cx.periodo.anio, cx.ooad) if posibles.version_final.permitida else None
if vf is None:
    st.info(
        "La Versión Final estará disponible cuando la OOAD/UMAE finalice el registro (Paso 7). "
        "Mientras tanto, revise el reporte preliminar en el Paso 7."
    )
    st.page_link(paginas.PASO7, label="Ir al Paso 7", icon="⬅️")
    st.stop()
cab, lineas = vf
reap.estado_solicitud(cx, key="p8", posibles=posibles)
folio = reportes.folio_vigente(store, cx.cuenta, cx.periodo.anio, cx.ooad)
st.markdown(
    f"Versión final **{cab['version']}** · Folio **`{folio}`** · finalizada el "
    f"**{reloj.fecha_hora(cab['finalizada_en'])}** por **{md(cab['finalizada_persona'] or cab['finalizada_por'])}** · "
    f"**{cab['unidades_con']:,} de {cab['unidades_total']:,} Unidades Médicas reportan Excedentes y/o Faltantes**"
)
comp.boton_final(cx.cuenta, cx.periodo.anio, cx.ooad, key="p8_pdf")
st.caption("El folio identifica exactamente esta versión: reimprimirla da el mismo folio.")
comp.editor_firmantes(cx, key="p8_firmantes", posibles=posibles)

st.subheader("Contenido de la Versión Final")
if cab["respuesta"] == "NO":
    st.info("La OOAD/UMAE declaró que ninguna de sus Unidades Médicas tiene Excedentes ni Faltantes.")
else:
    st.dataframe(
        lineas[["unidad_nombre", "tipo", "grupo", "producto_nombre", "causa", "ambito", "eventos", "pacientes"]],
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config={
            "unidad_nombre": "Unidad Médica",
            "tipo": "Tipo",
            "grupo": "Grupo de Servicio",
            "producto_nombre": "Producto",
            "causa": "Causa Principal",
            "ambito": "Ambulatorio/ Hospitalario",
            "eventos": st.column_config.NumberColumn("Eventos Mensuales", format="localized"),
            "pacientes": st.column_config.NumberColumn("Pacientes Mensuales", format="localized"),
        },
    )
reap.diferencias(cx, key="p8")
st.page_link(paginas.PASO9, label="Subir el reporte firmado (Paso 9)", icon="➡️")
