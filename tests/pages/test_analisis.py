"""Panorama and Cruce through AppTest: who may open them, what they draw, the drill-down."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

from core import instalacion
from core.accounts import cuentas
from core.analysis import analisis
from core.base import texto
from core.capture.catalogo import CATALOGO_DIR as CATALOGO
from core.lifecycle import ciclo
from tests.pages.conftest import abrir_app, iniciar_sesion, textos

PANORAMA = "ui/analisis_panorama.py"
CRUCE = "ui/analisis_cruce.py"


def _abrir(datos, usuario: str, pagina: str):
    at = abrir_app(datos)
    iniciar_sesion(at, usuario)
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    return at


def _figuras(at) -> list[dict]:
    return [json.loads(g.proto.spec) for g in at.get("plotly_chart")]


@pytest.mark.parametrize("pagina", [PANORAMA, CRUCE])
def test_capturista_no_entra_al_analisis(datos, pagina):
    at = _abrir(datos, "chihuahua", pagina)
    assert any("exclusiva de la División" in e.value for e in at.error)
    assert not at.get("plotly_chart") and not at.dataframe


@pytest.mark.parametrize("pagina", [PANORAMA, CRUCE])
def test_sin_sesion_no_entra_al_analisis(datos, pagina):
    at = abrir_app(datos)
    at.switch_page(pagina).run()
    assert any("Inicie sesión" in e.value for e in at.error)
    assert not at.get("plotly_chart")


def test_panorama_del_analista_con_mapa_y_cifras(datos):
    at = _abrir(datos, "analista", PANORAMA)
    texto = textos(at)
    assert "Panorama nacional" in texto
    assert re.search(r"Datos al \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", texto)  # the snapshot's read time
    assert "última Versión Final de 16 OOAD/UMAE" in texto and "no incluye 10 OOAD/UMAE en captura" in texto
    metricas = {m.label: m.value for m in at.metric}
    assert metricas["Líneas"] == "236" and metricas["OOAD/UMAE que reportan"] == "14"
    figuras = _figuras(at)
    mapa = next(f for f in figuras if f["data"][0]["type"] == "choropleth")
    traza = mapa["data"][0]
    assert traza["featureidkey"] == "properties.CVE_ENT" and len(traza["locations"]) == 32
    assert len(traza["geojson"]["features"]) == 32 and traza["zmid"] == 0
    assert mapa["layout"]["geo"]["fitbounds"] == "locations" and mapa["layout"]["geo"]["visible"] is False
    assert "mapbox" not in json.dumps(mapa)
    assert "Balance: %{z:,}" in traza["hovertemplate"] and "Excedentes" in traza["hovertemplate"]
    causas = next(f for f in figuras if f["layout"]["title"]["text"] == "Faltantes por causa principal")
    assert causas["layout"]["yaxis"]["title"]["text"] == "Pacientes mensuales"
    assert causas["layout"]["yaxis"]["tickformat"] == ","
    estados = at.dataframe[-1].value
    assert len(estados) == 32 and "Balance (pacientes)" in estados.columns
    assert [b.label for b in at.get("download_button")][-1] == "⬇️ Descargar Excel"  # the page's tables
    assert at.radio(key="panorama_completa_formato").value == "csv"  # the full export: tests/pages/test_exportacion.py


def test_el_interruptor_suma_las_ooad_en_captura(datos):
    at = _abrir(datos, "admin", PANORAMA)
    antes = {m.label: m.value for m in at.metric}["Líneas"]
    at.toggle(key="analisis_en_captura").set_value(True).run()
    assert not at.exception
    assert "más las líneas actuales de 10 OOAD/UMAE en captura" in textos(at)
    assert {m.label: m.value for m in at.metric}["Líneas"] == "376" != antes


def test_cruce_con_mapa_de_calor_y_detalle_de_una_celda(datos):
    at = _abrir(datos, "analista", CRUCE)
    texto = textos(at)
    assert "Cruce por estado y especialidad" in texto and "Periodo" in texto and "Cubre 16 de 60" in texto
    tabla = at.dataframe[0].value
    assert tabla.columns[0] == "Estado" and tabla.columns[-1] == "Total" and tabla.iloc[-1, 0] == "Total"
    calor = _figuras(at)[0]
    traza = calor["data"][0]
    assert traza["type"] == "heatmap" and traza["zmid"] == 0 and traza["colorscale"]
    assert "Estado: %{y}" in traza["hovertemplate"] and "%{z:,}" in traza["hovertemplate"]
    assert calor["layout"]["xaxis"]["title"]["text"] == "Especialidad Troncal"
    assert calor["layout"]["yaxis"]["title"]["text"] == "Estado"
    assert set(traza["y"]) <= set(tabla["Estado"])

    # Drill-down: the lines behind Baja California Sur × its first specialty.
    at.selectbox(key="cruce_sel_fila").select("03").run()  # options are keys shown by their label
    columna = at.selectbox(key="cruce_sel_columna")
    claves = pd.read_csv(CATALOGO / "especialidades.csv", dtype=str)["clave"]
    columna.select(next(k for k in claves if columna.format_func(k) == columna.options[0])).run()
    assert not at.exception
    detalle = at.dataframe[-1].value
    assert len(detalle) >= 1 and set(detalle["Estado"]) == {"Baja California Sur"}
    assert {"Unidad Médica", "Producto", "Pacientes Mensuales", "Eventos Mensuales"} <= set(detalle.columns)


def test_cruce_cambia_de_dimension_medida_y_filtro(datos):
    at = _abrir(datos, "admin", CRUCE)
    at.selectbox(key="cruce_filas").select("causa").run()
    at.selectbox(key="cruce_columnas").select("ambito").run()
    at.radio(key="cruce_medida").set_value("eventos").run()
    assert not at.exception
    tabla = at.dataframe[0].value
    assert tabla.columns[0] == "Causa Principal"
    assert set(tabla.columns[1:]) == {"Ambulatorio", "Hospitalario", "Total"}
    assert "Sin causa (Excedentes)" in set(tabla["Causa Principal"])
    at.multiselect(key="cruce_f_causas").select("Falta de Equipo").run()
    causas = set(at.dataframe[0].value["Causa Principal"])
    assert causas == {"Falta de Equipo", "Sin causa (Excedentes)", "Total"}
    assert "eventos mensuales" in _figuras(at)[0]["data"][0]["hovertemplate"]


def _descargas(at) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_tablero_descarga_la_tabla_que_muestra(datos):
    at = abrir_app(datos)
    assert not at.exception
    assert {"⬇️ Descargar CSV", "⬇️ Descargar Excel"} <= set(_descargas(at))


def test_capturista_descarga_sus_lineas_desde_el_paso3(datos):
    at = _abrir(datos, "chihuahua", "ui/paso3_unidad.py")
    assert any(e.label == "Descargar las líneas guardadas de su OOAD/UMAE" for e in at.expander)
    assert {"⬇️ Descargar CSV", "⬇️ Descargar Excel"} <= set(_descargas(at))


def _arreglo(valor) -> np.ndarray:
    """A figure's array as plotly's JSON holds it: a list, or a typed array (base64 `bdata`)."""
    if isinstance(valor, dict) and "bdata" in valor:
        datos = np.frombuffer(base64.b64decode(valor["bdata"]), dtype=np.dtype(valor["dtype"]))
        forma = valor.get("shape")  # "rows, columns" as text
        return datos.reshape([int(n) for n in str(forma).split(",")]) if forma else datos
    return np.array(valor)


def test_cruce_filas_rotuladas_escala_recortada_e_intercambiable(datos):
    at = _abrir(datos, "analista", CRUCE)
    calor = _figuras(at)[0]
    traza, capas = calor["data"][0], calor["layout"]
    # Every row and column named on the axes, in Spanish order.
    assert capas["yaxis"]["tickmode"] == "array" and capas["yaxis"]["tickvals"] == traza["y"]
    assert capas["xaxis"]["tickvals"] == traza["x"] and traza["x"] == texto.ordenar(traza["x"])
    assert traza["y"] == texto.ordenar(traza["y"])
    # Colours saturate at the cells' 95th percentile; the hover keeps the true value and both sides.
    z = _arreglo(traza["z"])
    limite = analisis.limite_color(pd.DataFrame(z))
    assert (traza["zmin"], traza["zmax"], traza["zmid"]) == (-limite, limite, 0)
    assert "%{z:,}" in traza["hovertemplate"] and "Faltante: %{customdata[1]:,}" in traza["hovertemplate"]
    assert ("Los colores se saturan en ±" in textos(at)) == bool((np.abs(z) > limite).any())

    at.radio(key="cruce_valor").set_value("intercambiable").run()
    assert not at.exception
    store = instalacion.abrir(datos)
    try:
        analista = cuentas.obtener(store, "analista")
        largo = analisis.cruce(store, analista, ciclo.periodo_actual(store).anio)
    finally:
        store.close()
    esperado = analisis.tabla_cruce(largo, "estado", "especialidad", "intercambiable")
    pd.testing.assert_frame_equal(at.dataframe[0].value.reset_index(drop=True), esperado, check_dtype=False)
    resumenes = [d.value for d in at.dataframe if "% del faltante cubrible" in d.value.columns]
    assert [r.columns[0] for r in resumenes] == ["Especialidad Troncal", "Estado"]
    pd.testing.assert_frame_equal(
        resumenes[1].reset_index(drop=True), analisis.tabla_intercambiable(largo, "estado"), check_dtype=False
    )
    assert "Intercambiable: en cada celda, el menor de su Excedente y su Faltante" in textos(at)
    traza = _figuras(at)[0]["data"][0]
    assert traza["zmin"] == 0 and "Intercambiable: %{z:,}" in traza["hovertemplate"]

    # Products as rows: long names cut on the axis (whole in the hover), every row still named.
    at.selectbox(key="cruce_filas").select("producto").run()
    capas = _figuras(at)[0]["layout"]["yaxis"]
    assert any(len(v) > 42 for v in capas["tickvals"]) and len(capas["ticktext"]) == len(capas["tickvals"])
    for v, t in zip(capas["tickvals"], capas["ticktext"], strict=True):
        assert t == v if len(v) <= 42 else (len(t) <= 42 and t.endswith("…") and v.startswith(t[:-1])), (v, t)


@pytest.mark.parametrize("pagina", [PANORAMA, "ui/analisis_oportunidades.py"])
def test_un_analisis_sobre_el_presupuesto_de_memoria_se_explica_en_espanol(datos, pagina, monkeypatch):
    import weakref

    from core.analysis import guardia
    from ui.components import vistas_analisis

    monkeypatch.setattr(analisis, "_instantaneas", weakref.WeakKeyDictionary())  # nothing built yet
    for cacheada in (vistas_analisis.panorama, vistas_analisis.lineas_intercambio, vistas_analisis.cobertura_texto):
        cacheada.clear()
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", 0.01)  # the demo's few hundred lines are "too big"
    at = _abrir(datos, "analista", pagina)
    mensaje = " ".join(e.value for e in at.error)
    assert "Este análisis necesitaría unos" in mensaje and "el servidor permite 0.01 MB por análisis" in mensaje
    assert "Desactive «Incluir OOAD/UMAE en captura»" in mensaje
    assert "Traceback" not in textos(at) and not at.get("plotly_chart") and not at.metric
