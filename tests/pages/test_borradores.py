"""Unsaved Paso 6 edits are drafts in the store: a new session of the same person gets them back,
another person of the account sees that they exist, and a conflict drops only the conflicting product."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core import instalacion
from core.base import reloj
from tests.pages.conftest import abrir_app, boton, editar_rejilla, iniciar_sesion, textos
from tests.pages.filas_ui import finalizar_paso7

ANA, LUIS = "Ana Pérez", "Luis Gómez"


def _unidad(datos) -> str:
    store = instalacion.abrir(datos)
    try:
        return store.valor("SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    finally:
        store.close()


def _borradores(datos) -> list[tuple]:
    store = instalacion.abrir(datos)
    try:
        return store.filas("SELECT persona, producto, fal_causa, fal_pacientes FROM borrador ORDER BY ALL")
    finally:
        store.close()


def _ir(at, pagina: str):
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    return at


def _paso6(at, unidad: str):
    """Paso 6 of the unit, in the Hemodiálisis group (one specialty)."""
    at.session_state["sel_unidad"] = unidad
    _ir(at, "ui/paso4_grupo.py")
    boton(at, "Hemodiálisis").click().run()
    return _ir(at, "ui/paso6_captura.py")


def _editar(at, filas: dict) -> None:
    editar_rejilla(at, filas)
    assert not at.exception, at.exception


def _guardar(at) -> None:
    boton(at, "Guardar").click().run()
    boton(at, "Sí, guardar").click().run()
    assert not at.exception, at.exception


def test_tras_un_reinicio_la_misma_persona_recupera_sus_cambios_y_otra_ve_el_aviso(datos):
    unidad = _unidad(datos)
    a = iniciar_sesion(abrir_app(datos), "chihuahua", persona=ANA)
    _paso6(a, unidad)
    primer = a.session_state["p6_snap"]["frame"].index[0]
    _editar(a, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": "1,234"}})
    assert "Cambios sin guardar: 1 nueva(s)" in textos(a)
    assert _borradores(datos) == [(f"{ANA} (Jefa de Servicio)", primer, "Falta de Equipo", "1,234")]

    # "Restart": the server's objects and this browser session are gone; only the store remains.
    st.cache_resource.clear()
    del a
    b = iniciar_sesion(abrir_app(datos), "chihuahua", persona=ANA)
    assert "Tiene 1 cambio(s) sin guardar del " in textos(b)  # on Paso 2, where the login lands
    _ir(b, "ui/paso3_unidad.py")
    assert "Tiene 1 cambio(s) sin guardar del " in textos(b)
    boton(b, "Volver al Paso 6").click().run()  # to the unit, group and specialty of the edit
    assert not b.exception, b.exception
    _ir(b, "ui/paso6_captura.py")  # AppTest does not follow st.switch_page
    assert "de una sesión anterior" in textos(b) and "Cambios sin guardar: 1 nueva(s)" in textos(b)
    fila = b.session_state["p6_snap"]["frame"].loc[primer]
    assert (fila["fal_causa"], fila["fal_pacientes"]) == ("Falta de Equipo", "1,234")  # as typed

    # Another person of the same account: none of Ana's drafts, but Paso 3 says she has one there.
    luis = iniciar_sesion(abrir_app(datos), "chihuahua", persona=LUIS)
    assert "cambio(s) sin guardar" not in textos(luis)
    _ir(luis, "ui/paso3_unidad.py")
    texto = textos(luis)
    assert "Otras personas de su OOAD/UMAE tienen cambios sin guardar" in texto
    assert "Ana Pérez (Jefa de Servicio)" in texto.replace("\\", "") and "1 producto(s) en UMF 13" in texto.replace(
        "\\", ""
    )

    # Ana saves: the line is stored and the draft is gone.
    _guardar(b)
    assert "Líneas guardadas: 1 nueva(s)." in textos(b)
    assert _borradores(datos) == []


def test_un_conflicto_recarga_solo_el_producto_en_conflicto_y_lo_demas_se_guarda(datos):
    unidad = _unidad(datos)
    a = _paso6(iniciar_sesion(abrir_app(datos), "chihuahua", persona=ANA), unidad)
    x, y = a.session_state["p6_snap"]["frame"].index[:2]
    _editar(
        a,
        {
            0: {"fal_causa": "Falta de Equipo", "fal_pacientes": "5"},
            1: {"fal_causa": "Falta de Personal", "fal_pacientes": "6"},
        },
    )
    assert "Cambios sin guardar: 2 nueva(s)" in textos(a)

    # B (another person, same account) saves X first.
    b = _paso6(iniciar_sesion(abrir_app(datos), "chihuahua", persona=LUIS), unidad)
    assert "Otras personas de su OOAD/UMAE tienen cambios sin guardar en esta Unidad Médica" in textos(b)
    _editar(b, {0: {"fal_causa": "Falta de Insumos", "fal_pacientes": "9"}})
    _guardar(b)
    assert "Líneas guardadas: 1 nueva(s)." in textos(b)

    # A saves X and Y: refused, naming X; X now shows B's value, Y is still pending.
    _guardar(a)
    texto = textos(a).replace("\\", "")
    assert "No se guardó nada: otra persona modificó" in texto and f"Producto {x}" in texto
    assert f"Producto {y}" not in texto
    assert "Cambios sin guardar: 1 nueva(s), 0 modificada(s)" in texto
    frame = a.session_state["p6_snap"]["frame"]
    assert (frame.loc[x, "fal_causa"], frame.loc[x, "fal_pacientes"]) == ("Falta de Insumos", "9")
    (detalle,) = [t.value for t in a.table if "Guardado por la otra persona" in t.value.columns]
    assert detalle["Clave"].tolist() == [x] and detalle["Guardado por la otra persona"][0].startswith(
        "Faltante (Falta de Insumos): 9"
    )
    assert [r[1] for r in _borradores(datos)] == [y]

    # A saves again: Y is stored, X keeps B's value.
    _guardar(a)
    assert "Líneas guardadas: 1 nueva(s)." in textos(a)
    store = instalacion.abrir(datos)
    try:
        guardadas = dict(
            store.filas(
                "SELECT producto, pacientes FROM linea WHERE anio = (SELECT max(anio) FROM periodo)"
                " AND unidad = ? AND list_contains(?, producto)",
                [unidad, [x, y]],
            )
        )
    finally:
        store.close()
    assert guardadas == {x: 9, y: 6}
    assert _borradores(datos) == []


def test_al_finalizar_con_cambios_sin_guardar_se_muestran_y_se_descartan_tras_leerlos(datos):
    unidad = _unidad(datos)
    a = _paso6(iniciar_sesion(abrir_app(datos), "chihuahua", persona=ANA), unidad)
    primer = a.session_state["p6_snap"]["frame"].index[0]
    _editar(a, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": "12"}})
    _ir(a, "ui/paso7_finalizar.py")
    finalizar_paso7(a)
    assert not a.exception, a.exception
    texto = textos(a)
    assert "Registro finalizado" in texto
    assert "1 cambio(s)** que escribió en el Paso 6 **no se guardaron" in texto
    (tabla,) = [d.value for d in a.dataframe if "Lo que escribió" in d.value.columns]
    assert (
        tabla["Clave"].tolist() == [primer]
        and tabla["Lo que escribió"][0] == "Faltante (Falta de Equipo): 12 pacientes"
    )
    # Still listed on the other capture screens until the person discards them.
    _ir(a, "ui/paso6_captura.py")
    assert "no se guardaron" in textos(a)
    boton(a, "Descartar 1 cambio(s) no guardado(s)").click().run()
    assert not a.exception, a.exception
    assert "no se guardaron" not in textos(a) and _borradores(datos) == []
    store = instalacion.abrir(datos)
    try:
        antes = store.valor("SELECT antes FROM auditoria WHERE accion = 'cambios sin guardar descartados'")
    finally:
        store.close()
    assert '"fal_pacientes": "12"' in antes


def test_tras_vencer_la_sesion_otra_persona_de_la_cuenta_no_hereda_los_cambios(datos):
    unidad = _unidad(datos)
    a = _paso6(iniciar_sesion(abrir_app(datos), "chihuahua", persona=ANA), unidad)
    _editar(a, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": "7"}})
    try:
        reloj.fijar(reloj.ahora() + dt.timedelta(minutes=31))
        a.run()
        assert "Su sesión se cerró" in textos(a)
        # Luis logs in on the same computer with the shared password: Ana's edit is not his.
        iniciar_sesion(a, "chihuahua", persona=LUIS)
        assert "cambio(s) sin guardar" not in textos(a)
        _ir(a, "ui/paso6_captura.py")
        assert "Cambios sin guardar" not in textos(a)
        assert "Otras personas de su OOAD/UMAE tienen cambios sin guardar en esta Unidad Médica" in textos(a)
    finally:
        reloj.fijar(None)
    assert [r[0] for r in _borradores(datos)] == [f"{ANA} (Jefa de Servicio)"]


def test_la_rejilla_vuelve_con_lo_pendiente_tras_otra_pagina_y_guardar_lee_lo_que_llega_despues(datos):
    """Another page drops the grid's state: back on Paso 6 a new grid shows the pending edit. A value
    the grid sends after «Guardar» was clicked (the click's blur commits the cell) is in the save."""
    unidad = _unidad(datos)
    a = _paso6(iniciar_sesion(abrir_app(datos), "chihuahua", persona=ANA), unidad)
    x, y = a.session_state["p6_snap"]["frame"].index[:2]
    _editar(a, {x: {"fal_causa": "Falta de Equipo", "fal_pacientes": "5"}})
    clave = a.session_state["p6_snap"]["key"]
    _ir(a, "ui/paso3_unidad.py")
    _ir(a, "ui/paso6_captura.py")
    snap = a.session_state["p6_snap"]
    assert snap["key"] != clave and snap["frame"].loc[x, "fal_pacientes"] == "5"
    assert "Cambios sin guardar: 1 nueva(s)" in textos(a)
    boton(a, "Guardar").click().run()
    _editar(a, {y: {"fal_causa": "Falta de Personal", "fal_pacientes": "6"}})  # arrives after the click
    assert "Se guardarán **2** línea(s) nueva(s)" in textos(a)
    boton(a, "Sí, guardar").click().run()
    assert "Líneas guardadas: 2 nueva(s)." in textos(a)
    assert _borradores(datos) == []
