"""Captura masiva con Excel (issue 12 §3): download the OOAD/UMAE's template, upload it filled, read
the problems by row and column or the preview (new / changed / removed per unit, other people's
drafts, outlying figures, conflicts) and confirm. Every rule is core's (core/capture/plantilla.py);
this page shows what core says and passes the person's answers back."""

import hashlib

import pandas as pd
import streamlit as st

from core.base import exportar
from core.base.errors import ErrorDominio, PlantillaEnConflicto, PlantillaInvalida
from core.capture import plantilla
from ui.components import almacen, avisos, ciclo_vida, paginas
from ui.components import atipicos as atipicos_ui
from ui.components import contexto as ctx
from ui.components.marcado import md

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MB = 1024 * 1024

ctx.encabezado(
    "Paso 3",
    "Captura masiva con Excel",
    [
        "Descargue la plantilla de su OOAD/UMAE: trae sus líneas guardadas, las listas de tipo, causa y ámbito, "
        "sus Unidades Médicas y el catálogo de productos para buscar por nombre.",
        "Llénela en Excel (una fila por línea) y súbala aquí. Antes de guardar verá los errores por fila y "
        "columna, o lo que cambiará en cada Unidad Médica; nada se guarda hasta que lo confirme.",
    ],
    plegadas=True,
)
cx = ctx.contexto_captura(paginas.PASO3_EXCEL)
store = almacen.store()
anio = cx.periodo.anio
st.page_link(paginas.PASO3, label="Volver al Paso 3 (captura por Unidad Médica)", icon="⬅️")

if flash := st.session_state.pop("p3x_flash", None):
    st.success(flash, icon="✅")

# -- 1. download ------------------------------------------------------------------------------------
st.subheader("1. Descargar la plantilla")
st.download_button(
    "⬇️ Descargar la plantilla (.xlsx)",
    data=lambda: plantilla.plantilla(store, cx.cuenta, anio, cx.ooad),
    file_name=exportar.nombre_archivo(f"plantilla captura {cx.ooad}", anio, "xlsx"),
    mime=_XLSX,
    key="p3x_descargar",
    on_click="ignore",
    type="primary",
    help="Se genera al descargar, con lo guardado en este momento.",
)
st.caption(
    "Descargue la plantilla justo antes de llenarla: si otra persona cambia una línea después de su descarga, "
    "la subida se rechaza nombrando esa línea."
)

# -- 2. upload ----------------------------------------------------------------------------------------
st.subheader("2. Subir la plantilla llena")
capturar = ciclo_vida.de(cx).capturar
st.caption(
    f"Límites: hasta {plantilla.FILAS_MAXIMAS:,} líneas y {plantilla.TAMANO_MAXIMO // _MB:,} MB por archivo; "
    "solo la plantilla descargada aquí (.xlsx), de esta OOAD/UMAE y este periodo."
)
if capturar.motivo != cx.bloqueo:  # the frame already said it
    ciclo_vida.aviso(capturar)
subidas = st.session_state.get("p3x_subidas", 0)
archivo = st.file_uploader(
    "Plantilla llena (.xlsx)",
    type=["xlsx"],
    key=f"p3x_archivo_{subidas}",
    disabled=not capturar.permitida,
    help=capturar.motivo,
)
if archivo is None or not capturar.permitida:
    st.session_state.pop("p3x_leido", None)
    st.stop()

datos = archivo.getvalue()
huella = hashlib.sha256(datos).hexdigest()
leido = st.session_state.get("p3x_leido")
# The file is read once per upload (thousands of rows take seconds), not on every rerun.
if leido is None or leido[0] != huella:
    with st.spinner("Revisando el archivo…"):
        try:
            resultado = plantilla.leer(store, cx.cuenta, anio, cx.ooad, datos, archivo.name, persona=cx.persona)
        except ErrorDominio as exc:
            resultado = exc
    st.session_state["p3x_leido"] = leido = (huella, resultado)
resultado = leido[1]

if isinstance(resultado, PlantillaInvalida):
    st.error(md(str(resultado).split("\n", 1)[0]), icon="⚠️")
    st.dataframe(
        pd.DataFrame(
            [(f, c or "", m) for f, c, m in resultado.problemas], columns=["Fila", "Columna", "Problema"]
        ).astype({"Fila": "Int64"}),
        hide_index=True,
        width="stretch",
        key="p3x_problemas",
        column_config={
            "Fila": st.column_config.NumberColumn(format="localized", width="small"),
            "Columna": st.column_config.TextColumn(width="medium"),
        },
    )
    st.stop()
if isinstance(resultado, ErrorDominio):
    avisos.mostrar_error(resultado)
    st.stop()

vista: plantilla.Vista = resultado
st.subheader("3. Revisar y confirmar")
st.info(md(vista.resumen()), icon="📄")
for nota in vista.avisos:
    st.caption(md(nota))

if vista.conflictos:
    avisos.mostrar_error(PlantillaEnConflicto([c.describir() for c in vista.conflictos]))
    st.dataframe(vista.tabla_conflictos(), hide_index=True, width="stretch", key="p3x_conflictos")
    st.stop()

if vista.hay_cambios:
    st.markdown("**Cambios por Unidad Médica**")
    st.dataframe(vista.por_unidad(), hide_index=True, width="stretch", key="p3x_por_unidad")
if vista.borradores:
    quienes = "; ".join(
        f"{md(b.unidad_nombre)}: {md(b.persona)} ({b.productos:,} producto(s))" for b in vista.borradores
    )
    st.warning(
        f"Otras personas tienen cambios sin guardar en Unidades Médicas que este archivo modifica: {quienes}. "
        "Si guarda el archivo, al guardar esos cambios se les avisará del conflicto.",
        icon="💾",
    )
if vista.hay_cambios:
    with st.expander("Detalle línea por línea"):
        st.dataframe(vista.tabla(), hide_index=True, width="stretch", key="p3x_detalle")

eliminar = False
if vista.eliminadas:
    n = len(vista.eliminadas)
    st.warning(
        f"{n:,} línea(s) guardada(s) no están en el archivo: **se eliminará(n)** solo si lo confirma abajo; "
        "si no, se conservan.",
        icon="🗑️",
    )
    tabla = vista.tabla()
    st.dataframe(
        tabla[tabla["Cambio"] == plantilla.ELIMINADA].drop(columns=["Cambio", "Después", "Fila"]),
        hide_index=True,
        width="stretch",
        key="p3x_eliminadas",
    )
    eliminar = st.checkbox(
        f"Eliminar también las {n:,} línea(s) que no están en el archivo", key=f"p3x_eliminar_{huella[:12]}"
    )

confirmar_atipicos = False
if vista.atipicos:
    n = len(vista.atipicos)
    st.warning(
        f"{n:,} cifra(s) muy lejos de lo que su producto suele tener en el país. Revíselas; si son correctas, "
        "confírmelas (la confirmación queda en la bitácora). Si no, corríjalas en el archivo y súbalo de nuevo.",
        icon="🔎",
    )
    atipicos_ui.lista(vista.atipicos)
    confirmar_atipicos = st.checkbox(
        f"Las {n:,} cifra(s) poco habitual(es) son correctas", key=f"p3x_atipicos_{huella[:12]}"
    )

motivo = vista.motivo(eliminar, confirmar_atipicos)
if motivo:
    st.caption(md(motivo))
if st.button(
    "Guardar los cambios del archivo",
    type="primary",
    key="p3x_guardar",
    disabled=motivo is not None,
    help=motivo,
):
    try:
        with st.spinner("Guardando…"):
            res = plantilla.aplicar(
                store,
                cx.cuenta,
                cx.persona,
                anio,
                cx.ooad,
                vista,
                eliminar=eliminar,
                confirmados=vista.atipicos if confirmar_atipicos else (),
            )
    except ErrorDominio as exc:
        # Nothing was written. The file is read again on the next run: a line changed meanwhile shows
        # as a conflict, and a usual range moved by someone's save (ConfirmacionPendiente) shows the
        # new list of figures to confirm.
        st.session_state.pop("p3x_leido", None)
        avisos.mostrar_error(exc)
    else:
        st.session_state.pop("p3x_leido", None)
        st.session_state["p3x_subidas"] = subidas + 1  # a new uploader, empty
        st.session_state["p3x_flash"] = res.describir()
        st.rerun()
