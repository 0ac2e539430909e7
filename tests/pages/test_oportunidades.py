"""Oportunidades de intercambio through AppTest on the demo database: the division sees the
proposals, the allocation, its Sankey and what is left uncovered; a capturista is refused."""

from __future__ import annotations

import json

from core import instalacion
from core.accounts import cuentas
from core.analysis import intercambio
from core.base import texto
from core.lifecycle import ciclo
from tests.pages.conftest import abrir_app, iniciar_sesion, textos

PAGINA = "ui/analisis_oportunidades.py"
FLUJOS = (10, 15, 25, 50, None)  # the page's choices of flows in the Sankey (None: all)


def _abrir(datos, usuario: str | None):
    at = abrir_app(datos)
    if usuario:
        iniciar_sesion(at, usuario, persona=None if usuario in ("analista", "admin") else "Ana Pérez")
    at.switch_page(PAGINA).run()
    assert not at.exception, at.exception
    return at


def _tabla(at, encabezado: str):
    for df in (d.value for d in at.dataframe):
        if encabezado in df.columns:
            return df
    raise AssertionError(f"No hay tabla con «{encabezado}»")


def _esperado(datos, **filtros):
    """The allocation computed by core on the same database, to compare with what is shown."""
    store = instalacion.abrir(datos)
    try:
        analista = cuentas.obtener(store, "analista")
        anio = ciclo.periodo_actual(store).anio
        lineas = intercambio.lineas(store, analista, anio)
        return intercambio.asignar(lineas, intercambio.Filtros(**filtros)), intercambio.oportunidades(lineas).total
    finally:
        store.close()


def test_analista_ve_propuestas_asignacion_sankey_y_sin_cubrir(datos):
    asig, pares = _esperado(datos)
    at = _abrir(datos, "analista")
    texto = textos(at)
    assert "Oportunidades de intercambio" in texto
    assert "última Versión Final" in texto and "OOAD/UMAE" in texto  # the coverage sentence

    propuestas = _tabla(at, "Pacientes que podrían cubrirse")
    assert len(propuestas) == min(100, pares) and propuestas["Pacientes que podrían cubrirse"].is_monotonic_decreasing
    assert {"Amb./Hosp. (faltante)", "Amb./Hosp. (excedente)", "Distancia en línea recta (km)"} <= set(
        propuestas.columns
    )

    flujos = _tabla(at, "De la unidad (excedente)")
    assert len(flujos) == len(asig.flujos) > 0
    assert int(flujos["Pacientes mensuales"].sum()) == asig.cubierto

    sin_cubrir = _tabla(at, "Motivo")
    assert int(sin_cubrir["Pacientes sin cubrir"].sum()) == asig.pacientes_sin_cubrir
    assert set(sin_cubrir["Motivo"]) <= {
        intercambio.MOTIVO_SIN_EXCEDENTE,
        intercambio.MOTIVO_AGOTADO,
        intercambio.MOTIVO_FUERA_FILTROS,
    }

    metricas = {m.label: m.value for m in at.metric}
    assert metricas["Pacientes cubiertos"] == f"{asig.cubierto:,}"
    assert metricas["Pacientes con faltante"] == f"{asig.faltante:,}"
    assert metricas["Pares posibles"] == f"{pares:,}"

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    sankey = spec["data"][0]
    assert sankey["type"] == "sankey"
    assert all(e.endswith(("(ofrece)", "(recibe)")) for e in sankey["node"]["label"])
    assert sum(sankey["link"]["value"]) == asig.cubierto
    assert "Pacientes" in sankey["link"]["hovertemplate"]
    assert "entre estados" in spec["layout"]["title"]["text"]

    etiquetas = [b.proto.label for b in at.get("download_button")]
    assert "⬇️ Descargar Excel" in etiquetas and any("Sin cubrir" in e for e in etiquetas)
    _sankey_muestra_los_mayores_flujos_y_el_resto_en_otros(at, asig)


def test_filtros_mismo_estado_y_distancia_cambian_la_asignacion(datos):
    todo, _ = _esperado(datos)
    esperado, _ = _esperado(datos, mismo_estado=True, km_max=100.0)
    at = _abrir(datos, "analista")
    at.checkbox(key="oport_mismo_estado").check().run()
    at.number_input(key="oport_km").set_value(100).run()
    assert not at.exception
    flujos = _tabla(at, "De la unidad (excedente)")
    assert (flujos["Estado que ofrece"] == flujos["Estado que recibe"]).all()
    assert (flujos["Distancia en línea recta (km)"] <= 100).all()
    assert int(flujos["Pacientes mensuales"].sum()) == esperado.cubierto < todo.cubierto
    assert intercambio.MOTIVO_FUERA_FILTROS in set(_tabla(at, "Motivo")["Motivo"])


def test_incluir_en_captura_suma_lineas(datos):
    at = _abrir(datos, "analista")
    antes = {m.label: m.value for m in at.metric}["Pacientes con faltante"]
    at.toggle(key="analisis_en_captura").set_value(True).run()
    assert not at.exception
    despues = {m.label: m.value for m in at.metric}["Pacientes con faltante"]
    assert int(despues.replace(",", "")) > int(antes.replace(",", ""))
    assert "en captura" in textos(at)


def test_capturista_no_llega_a_la_pagina(datos):
    at = _abrir(datos, "chihuahua")
    assert "exclusiva de la División" in textos(at)
    assert not at.dataframe and not at.get("plotly_chart")


def test_sin_sesion_no_llega_a_la_pagina(datos):
    at = _abrir(datos, None)
    assert "Inicie sesión" in textos(at)
    assert not at.get("plotly_chart")


def _sankey_muestra_los_mayores_flujos_y_el_resto_en_otros(at, asig):
    """The control of how many flows between states the Sankey draws one by one (the rest in «Otros»)."""
    estados = intercambio.sankey_estados(asig.flujos)
    assert len(estados) > 10, len(estados)  # the demo has enough flows to fold some
    control = at.selectbox(key="oport_flujos")
    assert control.value == intercambio.FLUJOS_SANKEY and control.options[-1] == "Todos"

    def sankey():
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        return spec["data"][0]

    for maximo in (10, None):
        control.select_index(list(FLUJOS).index(maximo)).run()
        assert not at.exception
        s = sankey()
        esperado = intercambio.agrupar_estados(estados, maximo)
        assert len(s["link"]["value"]) == len(esperado) and sum(s["link"]["value"]) == asig.cubierto
        etiquetas = s["node"]["label"]
        assert ("Otros (ofrece)" in etiquetas or "Otros (recibe)" in etiquetas) == (maximo is not None)
        assert (f"Los 10 mayores de {len(estados):,} flujos" in textos(at)) == (maximo is not None)
        # Each side in Spanish order, «Otros» last, in the order given (not plotly's).
        ofrece = [e.removesuffix(" (ofrece)") for e in etiquetas if e.endswith("(ofrece)")]
        nombres = [e for e in ofrece if e != intercambio.OTROS]
        assert ofrece[: len(nombres)] == texto.ordenar(nombres) and s["arrangement"] == "fixed"
        control = at.selectbox(key="oport_flujos")


def test_motivo_sin_coordenadas_en_la_pagina(datos):
    """A unit whose coordinates are missing from the catalog: its shortage is left uncovered for
    that reason, named on the page, with no filter at all."""
    store = instalacion.abrir(datos)
    try:
        analista = cuentas.obtener(store, "analista")
        lineas = intercambio.lineas(store, analista, ciclo.periodo_actual(store).anio)
        unidad = lineas.loc[lineas["tipo"] == "Faltante", "unidad"].iloc[0]
        with store.transaction() as tx:
            tx.execute("UPDATE unidad SET lat = NULL, lon = NULL WHERE clave = ?", [unidad])
    finally:
        store.close()
    at = _abrir(datos, "analista")
    sin_cubrir = _tabla(at, "Motivo")
    assert intercambio.MOTIVO_SIN_COORDENADAS in set(sin_cubrir["Motivo"])
    assert intercambio.MOTIVO_FUERA_FILTROS not in set(sin_cubrir["Motivo"])
    assert "no tiene coordenadas" in textos(at)


def test_en_pantalla_solo_los_envios_con_mas_pacientes_y_la_descarga_con_todos(datos, monkeypatch):
    from core.analysis import exportacion
    from ui.components import vistas_analisis

    asig, _ = _esperado(datos)
    n = len(asig.flujos) // 2
    assert n >= 2
    monkeypatch.setattr(intercambio, "FILAS_PANTALLA", n)
    vistas_analisis.calculo_intercambio.clear()
    at = _abrir(datos, "analista")
    flujos = _tabla(at, "De la unidad (excedente)")
    assert len(flujos) == n  # the n flows with most patients, in the table's order
    pacientes = asig.flujos["pacientes"].to_numpy()
    assert sorted(flujos["Pacientes mensuales"], reverse=True) == sorted(pacientes, reverse=True)[:n]
    assert f"Se muestran los {n:,} envíos con más pacientes; la descarga tiene los {len(asig.flujos):,}." in textos(at)
    excel = next(b for b in at.get("download_button") if b.proto.label == "⬇️ Descargar Excel")
    assert not excel.proto.disabled
    # Tables over the Excel limit: only their CSVs (which hold every row).
    monkeypatch.setattr(exportacion, "FILAS_MAXIMAS_XLSX", len(asig.flujos) - 1)
    at.run()
    excel = next(b for b in at.get("download_button") if b.proto.label == "⬇️ Descargar Excel")
    assert excel.proto.disabled and "descargue el CSV de cada tabla" in excel.proto.help
    assert not next(b for b in at.get("download_button") if b.proto.label == "⬇️ CSV · Asignación").proto.disabled
    vistas_analisis.calculo_intercambio.clear()
