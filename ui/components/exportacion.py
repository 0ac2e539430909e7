"""«Exportación completa del periodo»: choose a format, prepare the file, download it.

Core writes the file into this session's temporary folder (core/analysis/exportacion.py); the
folder lives in the session's state, so it goes when the session ends. Streamlit holds a download
in the server's memory while it is sent, so the button reads the file only when clicked.
"""

from __future__ import annotations

import streamlit as st

from core.analysis import exportacion
from core.base import temporales
from core.base.errors import ErrorDominio
from ui.components import avisos

_CARPETA = "_temporales_sesion"


def _carpeta(store) -> temporales.Carpeta:
    carpeta = st.session_state.get(_CARPETA)
    if carpeta is None or not carpeta.abierta:
        carpeta = temporales.Carpeta(temporales.directorio_de(store.ruta))
        st.session_state[_CARPETA] = carpeta
    return carpeta


def _tamano(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{max(1, round(n / 1024)):,} KB"


def completa(store, cuenta, anio: int, en_captura: bool, filas: int, key: str) -> None:
    """The format choice, «Preparar archivo» with a progress bar, then «Descargar»."""
    formato = st.radio(
        "Formato",
        list(exportacion.FORMATOS),
        format_func=lambda f: exportacion.FORMATOS[f].titulo,
        horizontal=True,
        key=f"{key}_formato",
        help="CSV: texto separado por comas dentro de un .zip, para Excel y cualquier programa. "
        f"Excel (.xlsx): hasta {exportacion.FILAS_MAXIMAS_XLSX:,} líneas. "
        "Parquet: para quienes analizan con Python, R o Power BI; guarda los valores tal cual.",
    )
    motivo = exportacion.motivo_no_disponible(formato, filas)
    if motivo:
        st.warning(motivo, icon="ℹ️")
    guardado = f"{key}_archivo"
    if st.button("Preparar archivo", key=f"{key}_preparar", disabled=bool(motivo) or filas == 0):
        barra = st.progress(0.0, text=f"Preparando {filas:,} líneas…")
        try:
            with st.spinner("Escribiendo el archivo…"):
                st.session_state[guardado] = exportacion.exportar_completa(
                    store,
                    cuenta,
                    anio,
                    formato,
                    _carpeta(store),
                    incluir_en_captura=en_captura,
                    avance=lambda f: barra.progress(min(1.0, f), text=f"Preparando {filas:,} líneas…"),
                )
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        finally:
            barra.empty()
    archivo = st.session_state.get(guardado)
    if (
        archivo is None
        or (archivo.anio, archivo.incluir_en_captura, archivo.formato) != (anio, en_captura, formato)
        or not archivo.ruta.exists()
    ):
        return
    st.download_button(
        f"⬇️ Descargar {archivo.nombre} ({_tamano(archivo.bytes)})",
        data=lambda a=archivo: exportacion.leer(a),
        file_name=archivo.nombre,
        mime=archivo.mime,
        key=f"{key}_descargar",
        on_click="ignore",
    )
    st.caption(f"{archivo.filas:,} líneas. Se borra al cerrar la sesión.")
