"""Copy forward on Paso 2 and «Comparar periodos» through AppTest on the demo database (issue 12 §4)."""

from __future__ import annotations

import pandas as pd

from core.accounts import cuentas
from core.analysis import comparacion
from core.base import reloj, rutas
from core.base.store import Store
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos

COMPARAR = "ui/analisis_comparar.py"


def _leer(consulta: str, params: list) -> list[tuple]:
    store = Store(rutas.ruta_base())
    try:
        return store.filas(consulta, params)
    finally:
        store.close()


def _tabla(at, columna: str) -> pd.DataFrame:
    """The table on screen that has this column."""
    return next(d.value for d in at.dataframe if columna in d.value.columns)


def test_michoacan_parte_de_su_version_final_y_guarda_todo(datos):
    anio = reloj.hoy().year
    at = iniciar_sesion(abrir_app(datos), "michoacan")
    assert f"Partir de la Versión Final {anio - 1}" in textos(at)
    oferta = _tabla(at, "Se copian")
    n = int(oferta["Se copian"].sum())
    assert n > 0
    boton(at, f"Partir de la Versión Final {anio - 1}").click().run()
    assert f"Su respuesta del Paso 2 será **SI** para el periodo {anio}" in textos(at)
    boton(at, f"Sí, copiar {n:,} línea(s)").click().run()
    assert not at.exception, at.exception
    assert f"Se copiaron {n:,} línea(s) de la Versión Final {anio - 1}" in textos(at)
    assert f"Líneas copiadas de la Versión Final {anio - 1}" in textos(at)
    por_unidad = _tabla(at, "Copiadas, sin guardar")
    assert int(por_unidad["Copiadas, sin guardar"].sum()) == n
    assert at.radio(key="paso2_respuesta").value == "SI"
    assert _leer("SELECT count(*) FROM linea WHERE anio = ? AND ooad = 'michoacan'", [anio]) == [(0,)]
    # Each copied line is a pending Paso 6 edit of this person, unit by unit.
    unidad = at.selectbox(key="copia_unidad").value
    boton(at, "Revisar en el Paso 6").click().run()
    assert at.session_state["sel_unidad"] == unidad
    copiadas = _leer(
        "SELECT producto FROM borrador WHERE anio = ? AND ooad = 'michoacan' AND unidad = ?", [anio, unidad]
    )
    assert set(at.session_state["pendientes"][unidad]) == {p for (p,) in copiadas} != set()
    at.switch_page("ui/paso2_declaracion.py").run()

    boton(at, "Guardar todo lo copiado").click().run()
    boton(at, "Sí, guardar todo").click().run()
    assert not at.exception, at.exception
    assert f"Se guardaron {n:,} línea(s) copiadas" in textos(at)
    guardadas = _leer(
        "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM linea WHERE anio = ? AND ooad = 'michoacan'",
        [anio],
    )
    anteriores = _leer(
        "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM version_final_linea"
        " WHERE anio = ? AND ooad = 'michoacan' AND version = 1",
        [anio - 1],
    )
    assert sorted(guardadas) == sorted(anteriores) and len(guardadas) == n
    assert "Partir de la Versión Final" not in textos(at)  # nothing is offered twice


def test_sin_version_final_anterior_lo_dice_y_no_ofrece_nada(datos):
    at = iniciar_sesion(abrir_app(datos), "campeche")
    anio = reloj.hoy().year
    assert f"no finalizó el registro del periodo {anio - 1}" in textos(at)
    assert not any(b.label.startswith("Partir de la Versión Final") for b in at.button)


def test_comparar_periodos_del_analista(datos):
    anio = reloj.hoy().year
    at = iniciar_sesion(abrir_app(datos), "analista")
    at.switch_page(COMPARAR).run()
    assert not at.exception, at.exception
    assert "Comparar periodos" in textos(at) and f"Periodo {anio - 1} · Datos" in textos(at)
    at.selectbox(key="comparar_dimension").select("estado").run()
    tabla = _tabla(at, "Situación")
    store = Store(rutas.ruta_base())
    try:
        esperado = comparacion.comparar_periodos(store, cuentas.obtener(store, "analista"), anio - 1, anio, "estado")
    finally:
        store.close()
    esperado = esperado[esperado["situacion"] != comparacion.IGUAL]
    assert tabla["Estado"].tolist() == esperado["nombre"].tolist()
    assert tabla[f"Pacientes faltantes {anio}"].tolist() == esperado["faltante_despues"].tolist()
    metricas = {m.label: m.value for m in at.metric}
    assert metricas[f"Desaparecen en {anio}"] == f"{(esperado['situacion'] == comparacion.DESAPARECE).sum():,}"
    # Hidalgo reported last year only (it has not started this year).
    assert tabla.set_index("Estado").loc["Hidalgo", "Situación"] == comparacion.DESAPARECE
    assert isinstance(tabla, pd.DataFrame) and at.get("download_button")


def test_capturista_no_compara(datos):
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    at.switch_page(COMPARAR).run()
    assert any("exclusiva de la División" in e.value for e in at.error) and not at.dataframe
