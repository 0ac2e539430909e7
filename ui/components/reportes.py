"""Report downloads and the signatories' editor, shared by the tablero, Paso 7 and Paso 8."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.base.errors import ErrorDominio
from core.capture import reportes
from ui.components import almacen, avisos, ciclo_vida


def _archivo(prefijo: str, anio: int, ooad: str) -> str:
    return f"{prefijo}_{ooad}_{anio}.pdf"


def boton_preliminar(
    cuenta, anio: int, ooad: str, key: str, *, etiqueta: str = "📄 Reporte Preliminar (PDF)", **estilo
) -> None:
    """Deferred: the PDF is built when the person clicks, not on every rerun (`estilo`: the
    button's type, width, help; the tablero's rows draw it as a link)."""
    st.download_button(
        etiqueta,
        data=lambda: reportes.preliminar(almacen.store(), cuenta, anio, ooad),
        file_name=_archivo("reporte_preliminar", anio, ooad),
        mime="application/pdf",
        key=key,
        on_click="ignore",
        **estilo,
    )


def boton_final(
    cuenta, anio: int, ooad: str, key: str, *, etiqueta: str = "📄 Versión Final para firmas (PDF)", **estilo
) -> None:
    """Deferred like boton_preliminar."""
    st.download_button(
        etiqueta,
        data=lambda: reportes.final(almacen.store(), cuenta, anio, ooad)[1],
        file_name=_archivo("version_final", anio, ooad),
        mime="application/pdf",
        key=key,
        on_click="ignore",
        **({"type": "primary"} | estilo),
    )


def editor_firmantes(cx, key: str, posibles=None) -> None:
    """Who signs the final report (printed on it; not part of its folio); editable while the
    lifecycle model allows it (`posibles`: the page's, if it read them already)."""
    st.markdown(f"**Representantes que firmarán la Versión Final** (nombre y cargo; hasta {reportes.FIRMANTES_MAXIMO})")
    actuales = reportes.firmantes(almacen.store(), cx.cuenta, cx.periodo.anio, cx.ooad)
    df = pd.DataFrame([(f.nombre, f.cargo) for f in actuales], columns=["nombre", "cargo"])
    firmantes = (posibles or ciclo_vida.de(cx)).firmantes
    if not firmantes.permitida:
        if df.empty:
            st.caption("Sin firmantes registrados.")
        else:
            st.dataframe(df, hide_index=True, column_config={"nombre": "Nombre", "cargo": "Cargo"}, placeholder="")
        if cx.cuenta.es_capturista:  # the division only reads them
            st.caption(firmantes.motivo)
        return
    editado = st.data_editor(
        df,
        num_rows="dynamic",
        hide_index=True,
        key=f"{key}_editor",
        width="stretch",
        column_config={
            "nombre": st.column_config.TextColumn("Nombre", max_chars=120, width="large"),
            "cargo": st.column_config.TextColumn("Cargo", max_chars=120, width="large"),
        },
    )
    if st.button("Guardar firmantes", key=f"{key}_guardar"):
        filas = [
            (r.nombre if isinstance(r.nombre, str) else "", r.cargo if isinstance(r.cargo, str) else "")
            for r in editado.itertuples()
        ]
        try:
            reportes.guardar_firmantes(almacen.store(), cx.cuenta, cx.persona, cx.periodo.anio, filas)
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        else:
            st.success("Firmantes guardados.")
