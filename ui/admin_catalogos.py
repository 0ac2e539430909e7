"""Administración · Catálogos: import units or products with a preview; product requests."""

import hashlib

import streamlit as st

from core.admin import importacion, solicitudes
from core.base import reloj
from core.base.errors import ErrorDominio, ImportacionInvalida
from core.capture import catalogo
from ui.components import almacen, avisos, descargas, limite_errores, sesion
from ui.components import contexto as ctx
from ui.components.marcado import md

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Catálogos",
    [
        "Suba la lista **completa** de Unidades Médicas o de Productos, como CSV (UTF-8) o Excel (.xlsx), con las "
        "columnas de `catalog/README.md`. Descargue el catálogo vigente para usarlo como plantilla.",
        "Antes de escribir nada se muestra qué se agregará, qué cambiará (antes → después) y qué se retirará. "
        "Los errores indican archivo, fila y columna; un archivo con errores no cambia nada.",
        "Lo que no viene en el archivo se **retira**, nunca se borra: deja de ofrecerse en la captura, pero las "
        "líneas ya capturadas y las versiones finales conservan su nombre.",
        "Cada cambio queda en la bitácora: quién, cuándo, antes y después.",
    ],
    plegadas=True,
)
store = almacen.store()
anio_archivos = reloj.hoy().year
ETIQUETAS = {"unidades": "Unidades Médicas", "productos": "Productos"}

if flash := st.session_state.pop("adm_cat_flash", None):
    st.success(flash)

pendientes = solicitudes.listar(store, cuenta, estado=solicitudes.PENDIENTE)
importar, pedidos = st.tabs(["Importar catálogo", f"Solicitudes de productos ({len(pendientes):,} pendientes)"])

with importar:
    tipo = st.radio("Catálogo", list(ETIQUETAS), format_func=ETIQUETAS.get, horizontal=True, key="adm_cat_tipo")
    st.download_button(
        f"⬇️ {ETIQUETAS[tipo]} vigentes (CSV, plantilla)",
        data=lambda: importacion.catalogo_csv(store, cuenta, tipo),
        file_name=f"{catalogo.TABLAS[importacion.TIPOS[tipo].archivo]}_vigentes.csv",
        mime="text/csv",
        on_click="ignore",
        key="adm_cat_plantilla",
    )
    columnas = ", ".join(c.nombre for c in catalogo.COLUMNAS[importacion.TIPOS[tipo].archivo])
    st.caption(f"Columnas: {columnas}.")
    archivo = st.file_uploader("Archivo CSV o Excel (.xlsx)", type=["csv", "xlsx"], key="adm_cat_archivo")
    retirar = st.checkbox(
        "Retirar lo que no viene en el archivo",
        value=True,
        key="adm_cat_retirar",
        help="Desmárquelo si el archivo solo trae altas y cambios (por ejemplo, las unidades de una OOAD).",
    )
    datos = archivo.getvalue() if archivo is not None else None
    vista = st.session_state.get("adm_cat_vista")
    # A preview is valid only for the file, catalog and option it was made from.
    if vista is not None and (
        datos is None
        or hashlib.sha256(datos).hexdigest() != vista.sha256
        or vista.tipo != tipo
        or vista.retirar_ausentes != retirar
    ):
        st.session_state.pop("adm_cat_vista", None)
        vista = None

    if st.button("Revisar archivo", type="primary", disabled=datos is None, key="adm_cat_revisar"):
        barra = st.progress(0.0, text="Leyendo el archivo…")
        st.session_state.pop("adm_cat_errores", None)
        try:
            vista = importacion.vista_previa(
                store,
                cuenta,
                tipo,
                archivo.name,
                datos,
                retirar_ausentes=retirar,
                progreso=lambda f, m: barra.progress(min(f, 1.0), text=m),
            )
        except ImportacionInvalida as exc:
            st.session_state["adm_cat_errores"] = (str(exc).split("\n", 1)[0], exc.errores)
            vista = None
        except ErrorDominio as exc:
            st.session_state["adm_cat_errores"] = (str(exc), [])
            vista = None
        barra.empty()
        st.session_state["adm_cat_vista"] = vista

    if (errores := st.session_state.get("adm_cat_errores")) and vista is None and datos is not None:
        st.error(md(errores[0]), icon="⚠️")
        st.markdown("\n".join(f"- {md(e)}" for e in errores[1]))  # they quote the file's name and cells

    if vista is not None:
        st.subheader("Vista previa")
        st.markdown(md(vista.resumen()))
        for aviso in vista.avisos:
            st.warning(md(aviso))
        a, b, c, d = st.columns(4)
        a.metric("Se agregan", f"{len(vista.agregados):,}")
        b.metric("Se modifican", f"{len(vista.cambiados):,}")
        c.metric("Se retiran", f"{len(vista.retirados):,}")
        d.metric("Quedan igual", f"{vista.sin_cambio:,}")
        agregados, cambios, retirados = vista.tabla_agregados(), vista.tabla_cambios(), vista.tabla_retirados()
        if not agregados.empty:
            st.markdown(f"**Se agregan ({len(agregados):,})**")
            st.dataframe(agregados, hide_index=True, width="stretch", placeholder="", key="adm_cat_t_agregados")
        if not cambios.empty:
            st.markdown(f"**Se modifican ({len(vista.cambiados):,}), campo por campo**")
            st.dataframe(
                cambios,
                hide_index=True,
                width="stretch",
                placeholder="",
                key="adm_cat_t_cambios",
                column_config={
                    "clave": "Clave",
                    "nombre": "Nombre",
                    "campo": "Campo",
                    "antes": "Antes",
                    "despues": "Después",
                },
            )
        if not retirados.empty:
            st.markdown(
                f"**Se retiran ({len(retirados):,})** — no se borran; las líneas capturadas conservan su nombre"
            )
            st.dataframe(
                retirados,
                hide_index=True,
                width="stretch",
                placeholder="",
                key="adm_cat_t_retirados",
                column_config={
                    "clave": "Clave",
                    "nombre": "Nombre",
                    "lineas": st.column_config.NumberColumn("Líneas capturadas", format="localized"),
                },
            )
        descargas.botones(
            {"Agregados": agregados, "Modificados": cambios, "Retirados": retirados},
            f"vista previa {tipo}",
            anio_archivos,
            key="adm_cat_descargas",
        )
        if vista.hay_cambios:
            if st.button("Aplicar cambios", type="primary", key="adm_cat_aplicar"):
                avisos.pedir_confirmacion("adm_cat")
        else:
            st.info("El archivo coincide con el catálogo vigente: no hay nada que aplicar.")

    @st.dialog("Confirmar importación", on_dismiss=lambda: avisos.cerrar_confirmacion("adm_cat"))
    @limite_errores.protegido
    def _confirmar(vista: importacion.VistaPrevia) -> None:
        st.markdown(md(vista.resumen()))
        if vista.retirados:
            en_uso = sum(1 for r in vista.retirados if r.lineas)
            st.warning(
                f"Se retirarán {len(vista.retirados):,} {importacion.TIPOS[vista.tipo].plural}"
                + (f" ({en_uso:,} con líneas capturadas, que conservan su nombre)" if en_uso else "")
                + "."
            )
        si, no = st.columns(2)
        if si.button("Sí, aplicar", type="primary", key="adm_cat_confirmar"):
            barra = st.progress(0.0, text="Aplicando…")
            try:
                res = importacion.aplicar(
                    store, cuenta, vista, progreso=lambda f, m: barra.progress(min(f, 1.0), text=m)
                )
            except ErrorDominio as exc:
                avisos.cerrar_confirmacion("adm_cat")
                st.session_state.pop("adm_cat_vista", None)
                st.session_state["adm_cat_errores"] = (str(exc), [])
            else:
                avisos.cerrar_confirmacion("adm_cat")
                st.session_state.pop("adm_cat_vista", None)
                st.session_state["adm_cat_flash"] = f"{res.describir()} Archivo: «{md(vista.archivo)}»."
            st.rerun()
        if no.button("Cancelar", key="adm_cat_cancelar"):
            avisos.cerrar_confirmacion("adm_cat")
            st.rerun()

    if avisos.confirmacion_pendiente("adm_cat") is not None and vista is not None:
        _confirmar(vista)

with pedidos:
    st.caption(
        "Las OOAD/UMAE solicitan desde el Paso 6 los productos que no encuentran. Al aceptar, el producto "
        "se agrega al catálogo con una clave nueva y aparece en la captura; al rechazar, la OOAD/UMAE lee "
        "el motivo."
    )
    if pendientes.empty:
        st.info("No hay solicitudes pendientes.")
    else:
        st.dataframe(
            solicitudes.para_mostrar(pendientes).drop(columns=["Estado", "Clave asignada", "Respuesta", "Decidida"]),
            hide_index=True,
            width="stretch",
            placeholder="",
            key="adm_sol_pendientes",
        )
        etiquetas = {int(r.id): f"No. {r.id:,} · {r.ooad_nombre} · {r.nombre}" for r in pendientes.itertuples()}
        elegida = st.selectbox("Solicitud por decidir", list(etiquetas), format_func=etiquetas.get, key="adm_sol_id")
        fila = pendientes.set_index("id").loc[elegida]
        aceptar, rechazar = st.columns(2)
        with aceptar.form(f"adm_sol_aceptar_{elegida}"):
            st.markdown("**Aceptar y agregar al catálogo**")
            nombre = st.text_input("Nombre en el catálogo", value=fila["nombre"], max_chars=solicitudes.NOMBRE_MAX)
            clave = st.text_input(
                "Clave (vacía: se asigna la siguiente)",
                placeholder=solicitudes.siguiente_clave(store, fila["especialidad"]),
                max_chars=30,
            )
            ambito = st.selectbox(
                "Ambulatorio u Hospitalario", catalogo.AMBITOS, index=catalogo.AMBITOS.index(fila["ambito_default"])
            )
            remoto = st.checkbox("Se puede atender a distancia (videoconsulta)")
            nota = st.text_input("Nota para la OOAD/UMAE (opcional)", max_chars=500)
            if st.form_submit_button("Aceptar y agregar", type="primary"):
                try:
                    nueva = solicitudes.aceptar(
                        store,
                        cuenta,
                        elegida,
                        clave=clave,
                        nombre=nombre,
                        ambito_default=ambito,
                        remoto=remoto,
                        respuesta=nota,
                    )
                except ErrorDominio as exc:
                    avisos.mostrar_error(exc)
                else:
                    st.session_state["adm_cat_flash"] = f"Solicitud {elegida:,} aceptada: producto {nueva} agregado."
                    st.rerun()
        with rechazar.form(f"adm_sol_rechazar_{elegida}"):
            st.markdown("**Rechazar**")
            motivo = st.text_area("Motivo (la OOAD/UMAE lo leerá)", max_chars=1000)
            if st.form_submit_button("Rechazar solicitud"):
                try:
                    solicitudes.rechazar(store, cuenta, elegida, motivo)
                except ErrorDominio as exc:
                    avisos.mostrar_error(exc)
                else:
                    st.session_state["adm_cat_flash"] = f"Solicitud {elegida:,} rechazada."
                    st.rerun()
    decididas = solicitudes.listar(store, cuenta)
    decididas = decididas[decididas["estado"] != solicitudes.PENDIENTE]
    if not decididas.empty:
        st.subheader("Solicitudes decididas")
        historial = solicitudes.para_mostrar(decididas)
        st.dataframe(historial, hide_index=True, width="stretch", placeholder="", key="adm_sol_decididas")
        descargas.botones(
            {"Solicitudes": historial}, "solicitudes de productos", anio_archivos, key="adm_sol_descargas"
        )
