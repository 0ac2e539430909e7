"""Paso 8: the final version that was stored when the OOAD/UMAE finalized (for signatures)."""

import streamlit as st

from core import ciclo, reloj
from pages.components import contexto as ctx

ctx.encabezado(
    "Paso 8",
    "Reporte «Versión Final» para firmas",
    ["El reporte firmado deberá subirse a la herramienta (Paso 9) y enviarse de forma física a la "
     "División de Integración Estratégica Sectorial."],
)
cx = ctx.contexto_captura(ctx.PASO8)
vf = ciclo.version_final(ctx.store(), cx.cuenta, cx.periodo.anio, cx.ooad)
if vf is None:
    st.info("La Versión Final estará disponible cuando la OOAD/UMAE finalice el registro (Paso 7). "
            "Mientras tanto, revise el resumen preliminar en el Paso 7.")
    st.page_link(ctx.PASO7, label="Ir al Paso 7", icon="⬅️")
    st.stop()
cab, lineas = vf
st.markdown(
    f"Versión final **{cab['version']}** · finalizada el **{reloj.fecha_hora(cab['finalizada_en'])}** por "
    f"**{cab['finalizada_persona'] or cab['finalizada_por']}** · "
    f"**{cab['unidades_con']:,} de {cab['unidades_total']:,} Unidades Médicas reportan Excedentes y/o Faltantes**"
)
if cab["respuesta"] == "NO":
    st.info("La OOAD/UMAE declaró que ninguna de sus Unidades Médicas tiene Excedentes ni Faltantes.")
else:
    st.dataframe(
        lineas[["unidad_nombre", "tipo", "grupo", "producto_nombre", "causa", "ambito", "eventos", "pacientes"]],
        hide_index=True, width="stretch",
        column_config={
            "unidad_nombre": "Unidad Médica", "tipo": "Tipo", "grupo": "Grupo de Servicio",
            "producto_nombre": "Producto", "causa": "Causa Principal", "ambito": "Ambulatorio/ Hospitalario",
            "eventos": st.column_config.NumberColumn("Eventos Mensuales", format="localized"),
            "pacientes": st.column_config.NumberColumn("Pacientes Mensuales", format="localized"),
        },
    )
st.caption("La impresión en PDF con sección de firmas y folio se genera desde esta pantalla "
           "cuando se habilite el módulo de reportes.")
