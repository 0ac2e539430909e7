"""Análisis in Chromium, as the division's analyst reads the demo data: the map by state, the cross
by state and specialty down to the lines of one cell, the exchange opportunities with their
allocation and Sankey, and their downloads read back. A capturista who types the pages' addresses
is refused and sees no data.
"""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser import ui

pytestmark = pytest.mark.navegador

ESTADOS = 32  # features of the shipped GeoJSON (catalog/mexico_estados.geojson): one per state
NUMERO = re.compile(r"^-?[\d,]+(\.\d+)?$")  # a number as the grids show it, thousands with commas


def _entero(texto: str) -> int:
    return int(texto.replace(",", "").replace("−", "-"))


def _csv(datos: bytes) -> list[dict[str, str]]:
    assert datos.startswith(b"\xef\xbb\xbf"), datos[:20]  # UTF-8 with BOM: Excel reads the accents right
    return list(csv.DictReader(io.StringIO(datos.decode("utf-8-sig"))))


def _metricas(page: Page, n: int) -> dict[str, str]:
    """{label: value} of the page's metrics, once all `n` are drawn."""
    expect(page.get_by_test_id("stMetric")).to_have_count(n)
    return {
        m.get_by_test_id("stMetricLabel").inner_text().strip(): m.get_by_test_id("stMetricValue").inner_text()
        for m in page.get_by_test_id("stMetric").all()
    }


# The address (url_path in app.py) of each análisis page.
RUTAS = {
    "Panorama nacional": "panorama",
    "Cruce por estado y especialidad": "cruce",
    "Oportunidades de intercambio": "oportunidades",
}


def _analista(page: Page, entrar, pagina: str) -> None:
    """The analyst opens the page at its address; the sidebar's link to it leads there too."""
    entrar(page, "analista", en=RUTAS[pagina])
    ui.visible(page.get_by_role("heading", name=pagina, level=1))
    enlace = page.get_by_test_id("stSidebar").get_by_role("link", name=pagina, exact=True)
    expect(enlace).to_have_attribute("href", re.compile(rf"(^|/){RUTAS[pagina]}$"))


def _elegir_la_primera(page: Page, etiqueta: str) -> str:
    """Open a selectbox and pick its first option; returns the option's text. A click that lands
    while the page reruns leaves the list closed: then once more."""
    caja = ui.campo(page, "stSelectbox", etiqueta)
    opcion = page.get_by_role("option").first
    for intento in range(3):
        ui.quieto(page, 500)
        caja.get_by_role("combobox").click()
        try:
            ui.visible(opcion, timeout=5_000)
            break
        except AssertionError:
            if intento == 2:
                raise
            page.keyboard.press("Escape")
    texto = opcion.inner_text().strip()
    opcion.click()
    expect(caja.get_by_role("combobox")).to_have_value(texto)
    ui.esperar_ejecucion(page)
    return texto


def _grafica(page: Page, key: str):
    grafica = page.locator(f".st-key-{key} .js-plotly-plot")
    expect(grafica).to_have_count(1)
    grafica.scroll_into_view_if_needed()
    return grafica


def test_panorama_dibuja_el_mapa_por_estado(page: Page, captura, entrar):
    _analista(page, entrar, "Panorama nacional")
    ui.ver(page, re.compile(r"^Periodo \d{4} · Datos: última Versión Final de [\d,]+ OOAD/UMAE"))
    metricas = _metricas(page, 6)
    excedentes, faltantes = (
        _entero(metricas["Pacientes excedentes (mes)"]),
        _entero(metricas["Pacientes faltantes (mes)"]),
    )
    assert excedentes > 0 and faltantes > 0, metricas
    assert _entero(metricas["Balance de pacientes"]) == excedentes - faltantes, metricas

    # The choropleth: one shape per state from the shipped GeoJSON (no tile server), a colour bar.
    mapa = _grafica(page, "panorama_mapa")
    expect(mapa.locator("path.choroplethlocation")).to_have_count(ESTADOS)
    expect(mapa.locator(".cbtitle")).to_have_text("Balance")
    expect(mapa.locator(".gtitle")).to_contain_text("Excedentes − Faltantes por estado")

    # Hovering the largest state shows its name and figures, and its balance adds up.
    estados = mapa.locator("path.choroplethlocation")
    cajas = [c for c in (estados.nth(i).bounding_box() for i in range(ESTADOS)) if c]
    caja = max(cajas, key=lambda c: c["width"] * c["height"])
    page.mouse.move(caja["x"] + caja["width"] / 2, caja["y"] + caja["height"] / 2)
    globo = mapa.locator(".hoverlayer .hovertext")
    expect(globo).to_contain_text("Balance:")
    texto = globo.text_content() or ""  # SVG text: no innerText
    m = re.search(r"Excedentes: ([\d,]+) pacientes\s*Faltantes: ([\d,]+) pacientes\s*Balance: ([−\-\d,]+)", texto)
    assert m, texto
    assert _entero(m.group(1)) - _entero(m.group(2)) == _entero(m.group(3)), texto
    page.mouse.move(0, 0)
    captura(page, "panorama.png")


def test_cruce_mapa_de_calor_y_lineas_de_una_celda(page: Page, captura, entrar):
    _analista(page, entrar, "Cruce por estado y especialidad")
    ui.ver(page, "Balance (Excedente − Faltante) · pacientes mensuales · Estado × Especialidad Troncal")
    calor = _grafica(page, "cruce_mapa_calor")
    expect(calor.locator(".heatmaplayer image")).to_have_count(1)
    expect(calor.locator(".xtitle")).to_have_text("Especialidad Troncal")
    expect(calor.locator(".ytitle")).to_have_text("Estado")
    expect(calor.locator(".cbtitle")).to_have_text("Balance")

    # Drill into a cell: a state, then one of its specialties (the list offers only cells with lines).
    elegido = {etiqueta: _elegir_la_primera(page, etiqueta) for etiqueta in ("Estado", "Especialidad Troncal")}
    estado, especialidad = elegido["Estado"], elegido["Especialidad Troncal"]
    resumen = re.compile(
        rf"^{re.escape(estado)} × {re.escape(especialidad)} · Excedente ([\d,]+) · Faltante ([\d,]+) · "
        r"Balance ([−\-\d,]+) pacientes mensuales · ([\d,]+) línea\(s\)$"
    )
    ui.ver(page, resumen)
    exc, fal, balance, n = (_entero(g) for g in resumen.match(ui.texto(page, resumen).inner_text().strip()).groups())
    assert n >= 1 and exc - fal == balance, (exc, fal, balance, n)

    # The cross table holds that balance in that cell.
    tabla = ui.rejilla(page, 0)
    ui.esperar_rejilla(tabla)
    filas = ui.tabla(tabla)
    fila = next(f for f in filas if f.get("Estado") == estado)
    assert _entero(fila[especialidad]) == balance, fila
    # The heatmap names every state of the table (plotly would drop every other label), in its order.
    estados = [f["Estado"] for f in filas if f["Estado"] != "Total"]
    assert calor.locator(".yaxislayer-above .ytick text").all_text_contents() == estados

    # The lines behind it: shown in a grid, and downloaded whole as CSV; they add up to the cell.
    detalle = ui.rejilla(page, 1)
    ui.esperar_rejilla(detalle)
    visibles = ui.tabla(detalle)
    assert visibles and all(f["Estado"] == estado and f["Especialidad Troncal"] == especialidad for f in visibles), (
        visibles
    )
    captura(page, "cruce.png")
    nombre, datos = ui.descargar(page, "⬇️ Descargar CSV", page.locator(".st-key-cruce_detalle_descargas_csv_0"))
    assert nombre.endswith(".csv"), nombre
    lineas = _csv(datos)
    assert len(lineas) == n, lineas
    assert {(f["Estado"], f["Especialidad Troncal"]) for f in lineas} == {(estado, especialidad)}, lineas
    suma = {
        t: sum(int(f["Pacientes Mensuales"]) for f in lineas if f["Excedente/Faltante"] == t)
        for t in ("Excedente", "Faltante")
    }
    assert (suma["Excedente"], suma["Faltante"]) == (exc, fal), (suma, exc, fal)


def test_oportunidades_propuestas_asignacion_sankey_y_descargas(page: Page, captura, entrar):
    _analista(page, entrar, "Oportunidades de intercambio")
    metricas = _metricas(page, 5)
    cubiertos, pares = _entero(metricas["Pacientes cubiertos"]), _entero(metricas["Pares posibles"])
    assert cubiertos > 0 and pares > 0, metricas

    # Ranked proposals, each with its straight-line distance.
    ui.ver(page, "Propuestas de intercambio")
    propuestas = ui.rejilla(page, 0)
    ui.esperar_rejilla(propuestas)
    filas = ui.tabla(propuestas)
    km = [ui.valor(f, r"^Distancia en línea recta \(km\)$") for f in filas]
    assert km and all(NUMERO.match(k) for k in km), km
    cubrible = [_entero(ui.valor(f, "^Pacientes que podrían cubrirse$")) for f in filas]
    assert cubrible == sorted(cubrible, reverse=True), cubrible

    # The optimal allocation and its Sankey between states.
    ui.ver(page, "Asignación óptima")
    asignacion = ui.rejilla(page, 1)
    ui.esperar_rejilla(asignacion)
    envio = ui.tabla(asignacion)[0]
    assert _entero(ui.valor(envio, "^Pacientes mensuales$")) > 0, envio
    sankey = page.locator(".js-plotly-plot", has=page.locator("g.sankey"))
    expect(sankey).to_have_count(1)
    sankey.scroll_into_view_if_needed()
    etiquetas = sankey.locator(".sankey-node .node-label")
    ui.presente(etiquetas.first)
    textos = etiquetas.all_text_contents()
    assert any(t.endswith("(ofrece)") for t in textos) and any(t.endswith("(recibe)") for t in textos), textos
    assert sankey.locator(".sankey-link").count() >= 1
    captura(page, "oportunidades.png")

    # The proposals as CSV: the rows shown, Spanish headers with accents, km as numbers.
    nombre, datos = ui.descargar(page, "⬇️ CSV · Propuestas", page.locator(".st-key-oport_descargas_csv_0"))
    assert nombre.endswith(".csv"), nombre
    csv_filas = _csv(datos)
    assert len(csv_filas) == min(pares, 100), len(csv_filas)
    cabecera = list(csv_filas[0])
    assert {"Unidad con faltante", "Pacientes que podrían cubrirse", "Distancia en línea recta (km)"} <= set(cabecera)
    assert csv_filas[0]["Producto"] == filas[0]["Producto"], (csv_filas[0], filas[0])
    assert all(float(f["Distancia en línea recta (km)"]) >= 0 for f in csv_filas)

    # All four tables as Excel, one sheet each; numbers are numbers, not text.
    nombre, datos = ui.descargar(page, "⬇️ Descargar Excel", page.locator(".st-key-oport_descargas_xlsx"))
    assert nombre.endswith(".xlsx"), nombre
    libro = openpyxl.load_workbook(io.BytesIO(datos), read_only=True)
    assert libro.sheetnames == ["Propuestas", "Asignación", "Entre estados", "Sin cubrir"], libro.sheetnames
    hoja = list(libro["Propuestas"].iter_rows(values_only=True))
    assert list(hoja[0]) == cabecera, (hoja[0], cabecera)
    assert len(hoja) - 1 == len(csv_filas)
    primera = dict(zip(hoja[0], hoja[1], strict=True))
    assert primera["Producto"] == csv_filas[0]["Producto"], primera
    for columna in ("Distancia en línea recta (km)", "Pacientes que podrían cubrirse", "Pacientes faltantes"):
        assert isinstance(primera[columna], int | float), (columna, primera[columna])
        assert float(primera[columna]) == pytest.approx(float(csv_filas[0][columna])), columna


def test_capturista_que_escribe_la_direccion_no_ve_el_analisis(page: Page, entrar):
    entrar(page, "yucatan")
    barra = page.get_by_test_id("stSidebar")
    expect(barra).not_to_contain_text("Análisis")
    for ruta in ("panorama", "cruce", "oportunidades"):  # the url_path of each análisis page in app.py
        page.goto(f"/{ruta}")
        expect(barra).to_contain_text("Sesión: Capturista Yucatán")
        ui.ver(page, "Esta sección es exclusiva de la División.")
        ui.quieto(page)
        for elemento in ("stDataFrame", "stMetric", "stPlotlyChart", "stDownloadButton"):
            expect(page.get_by_test_id(elemento), f"{elemento} en /{ruta}").to_have_count(0)
        expect(page.locator(".js-plotly-plot")).to_have_count(0)
