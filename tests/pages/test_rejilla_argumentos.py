"""Issue 13 §3: the Paso 6 grid hands its component what st_aggrid's `AgGrid()` would, rows as JSON
instead of an Arrow table, and serialises again only the rows an edit changed."""

from __future__ import annotations

import json
import sys
from unittest import mock

import pandas as pd
import pyarrow as pa
from st_aggrid import AgGrid

from core.capture import rejilla
from ui.components import rejilla_ag


def _frame() -> pd.DataFrame:
    vacio = dict.fromkeys(rejilla.CAMPOS)
    filas = {
        "47.01": {**vacio, "exc_pacientes": "1,234", "exc_ambito": "Ambulatorio", "guardado": "✅ Excedente"},
        "47.02": {**vacio, "fal_causa": "Falta de Equipo", "fal_pacientes": 7, "guardado": " ✏️"},
        "47.03": {**vacio, "exc_ambito": "Hospitalario", "fal_ambito": "Hospitalario", "guardado": ""},
    }
    df = pd.DataFrame.from_dict(filas, orient="index")
    for c in rejilla.CAMPOS:  # as rejilla.base gives them: text or None
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df.insert(0, "producto", ["Apendicectomía", "Colecistectomía «laparoscópica»", 'Hernia "inguinal"'])
    df["version"] = pd.array([3, None, None], dtype="Int64")
    return df


def _lo_que_agrid_envia(frame: pd.DataFrame, editable: bool) -> dict:
    capturado = {}
    modulo = sys.modules["st_aggrid.AgGrid"]
    with mock.patch.object(modulo, "_component_func", side_effect=lambda **kw: capturado.update(kw)):
        AgGrid(
            rejilla_ag.datos(frame),
            gridOptions=rejilla_ag._opciones_con_jscode(editable),
            height=rejilla_ag.alto(frame["producto"]),
            key="p6_rejilla_1",
            allow_unsafe_jscode=True,
            update_on=["cellValueChanged"],
            data_return_mode="CUSTOM",
            custom_jscode_for_grid_return=rejilla_ag._DEVOLVER,
            custom_css=rejilla_ag._CSS,
            show_toolbar=False,
            show_search=False,
            show_download_button=False,
        )
    return capturado


def test_los_argumentos_son_los_de_aggrid_con_las_filas_en_json():
    frame = _frame()
    for editable in (True, False):
        suyos = _lo_que_agrid_envia(frame, editable)
        nuestros = rejilla_ag.argumentos(frame, "p6_rejilla_1", editable)
        # The rows: what the frontend reads from the Arrow table AgGrid() sends, and from our JSON.
        filas_arrow = pa.Table.from_pandas(suyos["data"], preserve_index=False).to_pylist()
        assert json.loads(nuestros["gridOptions"]["rowData"]) == filas_arrow
        assert nuestros["data"] is None and nuestros["data_hash"]
        # Everything else as AgGrid() builds it (the callback AgGrid adds for a key does nothing).
        sin = {"data", "data_hash", "frame_dtypes", "on_change", "use_json_serialization"}
        assert {k: v for k, v in nuestros.items() if k not in sin} == {
            k: v for k, v in suyos.items() if k not in sin
        } | {"gridOptions": {**suyos["gridOptions"], "rowData": nuestros["gridOptions"]["rowData"]}}
        assert json.dumps(nuestros["theme"]) == json.dumps(suyos["theme"])


def test_una_edicion_serializa_solo_las_filas_que_cambiaron():
    frame = _frame()
    memoria: dict = {}
    antes = rejilla_ag.argumentos(frame, "k", True, memoria)
    frame.at["47.03", "exc_pacientes"] = "5"
    with mock.patch.object(rejilla_ag, "_texto_fila", wraps=rejilla_ag._texto_fila) as texto:
        despues = rejilla_ag.argumentos(frame, "k", True, memoria)
    assert [c.args[0] for c in texto.call_args_list] == ["47.03"]
    assert json.loads(despues["gridOptions"]["rowData"])[2]["exc_pacientes"] == "5"
    assert despues["data_hash"] != antes["data_hash"]
    # Unchanged rows: the same text, the same digest (the frontend keeps a grid it was not told changed).
    assert rejilla_ag.argumentos(frame, "k", True, memoria)["data_hash"] == despues["data_hash"]
