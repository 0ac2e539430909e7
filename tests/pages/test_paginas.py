"""Every page through AppTest: log in, click, and assert on what is rendered."""

from __future__ import annotations

import json
import time
from unittest import mock

from core import instalacion
from core.capture import rejilla
from tests.pages.conftest import abrir_app, boton, editar_rejilla, iniciar_sesion, textos
from tests.pages.filas_ui import finalizar_paso7, tabla


def _tabla(at):
    """The tablero as shown (ui/components/filas.py), by OOAD/UMAE name, the totals line last."""
    return tabla(at).set_index("OOAD/UMAE", drop=False)


def test_tablero_publico_muestra_las_60_con_columnas_de_la_guia(datos):
    at = abrir_app(datos)
    assert not at.exception
    df = _tabla(at)
    assert list(df.columns) == [
        "No.",
        "OOAD/UMAE",
        "Unidades Médicas · Total",
        "Con Excedentes/ Faltantes",
        "Sin Excedentes/ Faltantes",
        "Reporte Preliminar",
        "Final (para firmas)",
        "Subir (firmado)",
        "Semáforo",
    ]
    assert len(df) == 61 and df.iloc[-1]["OOAD/UMAE"] == "Total (60)"
    fila = df
    total = "Unidades Médicas · Total"
    assert fila.loc["Campeche", "Semáforo"] == "🔴 Sin iniciar"
    assert fila.loc["Campeche", [total, "Con Excedentes/ Faltantes", "Sin Excedentes/ Faltantes"]].tolist() == [
        "12",
        "",
        "",
    ]
    assert fila.loc["Chihuahua", [total, "Con Excedentes/ Faltantes", "Sin Excedentes/ Faltantes"]].tolist() == [
        "57",
        "7",
        "50",
    ]
    assert fila.loc["Chihuahua", "Final (para firmas)"] == "Finalizar Reporte"
    assert fila.loc["Coahuila", "Final (para firmas)"] == "Versión Final"
    assert fila.loc["Coahuila", "Subir (firmado)"] == "Subir"
    assert fila.loc["Aguascalientes", ["Subir (firmado)", "Semáforo"]].tolist() == ["Consultar/Modificar", "🟢 Firmado"]
    assert fila.loc["Chiapas", ["Con Excedentes/ Faltantes", "Sin Excedentes/ Faltantes"]].tolist() == ["0", "32"]
    texto = textos(at)
    assert "Semáforo:" in texto and "<b>Firmado</b>: proceso concluido" in texto
    assert "quedan" in texto and "Periodo de registro" in texto
    assert any("Modo demostración" in i.value for i in at.sidebar.info)


def test_filtro_del_tablero(datos):
    at = abrir_app(datos)
    at.text_input(key="tablero_buscar").input("mexico").run()
    nombres = _tabla(at)["OOAD/UMAE"].tolist()
    assert nombres[-1] == f"Total ({len(nombres) - 1})"
    assert "Ciudad de México Sur" in nombres and "Chihuahua" not in nombres


def test_contrasena_incorrecta_no_entra(datos):
    at = abrir_app(datos)
    iniciar_sesion(at, "chihuahua", "mala", persona=None)
    assert "Usuario o contraseña incorrectos" in textos(at)
    assert not at.session_state["authentication_status"] if "authentication_status" in at.session_state else True


def test_capturista_entra_da_su_nombre_y_llega_al_paso2(datos):
    at = abrir_app(datos)
    iniciar_sesion(at, "campeche")
    assert not at.exception
    texto = textos(at)
    assert "Paso 2" in texto and "OOAD Campeche" in texto
    assert at.session_state["persona"] == "Ana Pérez (Jefa de Servicio)"


def _valor(datos, sql):
    """Read a key before the app opens the database (one process holds the file)."""
    store = instalacion.abrir(datos)
    try:
        return store.valor(sql)
    finally:
        store.close()


def _editables(at) -> set[str]:
    """The Paso 6 grid's editable columns, from the options the page gives the component."""
    [grid] = [c for c in at.get("component_instance") if str(c.key).startswith("p6_rejilla")]
    opciones = json.loads(grid.proto.json_args)["gridOptions"]
    columnas = [c for g in opciones["columnDefs"] for c in g.get("children", [g])]
    return {c["field"] for c in columnas if c.get("editable")}


def test_flujo_campeche_declara_captura_y_finaliza(datos):
    unidad = _valor(datos, "SELECT clave FROM unidad WHERE ooad = 'campeche' ORDER BY clave LIMIT 1")
    at = abrir_app(datos)
    iniciar_sesion(at, "campeche")
    # Paso 2: SI, saved.
    at.radio(key="paso2_respuesta").set_value("SI").run()
    boton(at, "Guardar").click().run()
    assert "Respuesta **SI** guardada" in textos(at)
    # Paso 3: its 12 units, none captured yet.
    at.switch_page("ui/paso3_unidad.py").run()
    unidades = tabla(at).drop("Total")
    assert len(unidades) == 12 and (unidades["Capturada"] == "").all()
    # Choose a unit, then the Hemodiálisis group (one specialty: Paso 5 is skipped).
    at.session_state["sel_unidad"] = unidad
    at.switch_page("ui/paso4_grupo.py").run()
    boton(at, "Hemodiálisis").click().run()
    assert at.session_state["sel_especialidad"]  # set by the group's only specialty
    at.switch_page("ui/paso6_captura.py").run()  # AppTest does not follow st.switch_page
    assert "Paso 6" in textos(at)
    # Paso 6: type on the first product through the grid's state, save, confirm.
    assert _editables(at) == set(rejilla.CAMPOS)
    primer = at.session_state["p6_snap"]["frame"].index[0]
    editar_rejilla(at, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": 12, "fal_eventos": 30}})
    assert "Cambios sin guardar: 1 nueva(s)" in textos(at)
    boton(at, "Guardar").click().run()
    boton(at, "Sí, guardar").click().run()
    assert "Líneas guardadas: 1 nueva(s)." in textos(at)
    guardadas = at.dataframe[-1].value
    assert guardadas["producto"].tolist() == [primer] and guardadas["cantidad"].tolist() == ["12"]
    # Paso 7: summary and finalize.
    at.switch_page("ui/paso7_finalizar.py").run()
    assert "1 de 12 Unidades Médicas reportan Excedentes y/o Faltantes" in textos(at)
    finalizar_paso7(at)
    assert "Registro finalizado (versión final 1)" in textos(at)
    # Every capture screen is now read-only and says why.
    at.switch_page("ui/paso6_captura.py").run()
    assert "solo consulta" in textos(at) and "se finalizó el" in textos(at)
    assert _editables(at) == set()  # the grid is drawn read-only
    # Saving is not possible: the button is disabled and says the lifecycle's reason.
    guardar = [b for b in at.button if b.label == "Guardar"]
    assert guardar and all(b.disabled and "se finalizó el" in b.help for b in guardar)
    at.switch_page("ui/tablero.py").run()
    fila = _tabla(at).loc["Campeche"]
    assert fila["Semáforo"] == "🔵 Finalizado" and fila["Con Excedentes/ Faltantes"] == "1"


def test_paso6_rechaza_entrada_mala_y_conserva_la_edicion(datos):
    unidad = _valor(datos, "SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    at = abrir_app(datos)
    iniciar_sesion(at, "chihuahua")
    at.session_state["sel_unidad"] = unidad
    at.switch_page("ui/paso4_grupo.py").run()
    boton(at, "Laboratorio").click().run()
    at.switch_page("ui/paso6_captura.py").run()
    editar_rejilla(at, {0: {"fal_pacientes": 5}})
    boton(at, "Guardar").click().run()
    boton(at, "Sí, guardar").click().run()
    texto = textos(at)
    assert "No se guardó nada" in texto and "requiere la causa principal" in texto
    assert "Cambios sin guardar: 1 nueva(s)" in texto  # the typed value is still there


def test_paso6_guardar_esta_activo_sin_cambios_y_espera_la_edicion_de_su_clic(datos):
    """A click on «Guardar» while the first edit is still on its way must not meet a disabled button, and
    the edit that the click's press committed, arriving in the next run, opens the confirmation."""
    unidad = _valor(datos, "SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    at.session_state["sel_unidad"] = unidad
    at.switch_page("ui/paso4_grupo.py").run()
    boton(at, "Laboratorio").click().run()
    at.switch_page("ui/paso6_captura.py").run()
    assert not boton(at, "Guardar").disabled
    # The click's own runs are slow (a busy server): more than the wait goes by before they end.
    cambios, lentas = rejilla.cambios, [2.2]

    def lenta(*args, **kwargs):
        if lentas:
            time.sleep(lentas.pop())
        return cambios(*args, **kwargs)

    with mock.patch.object(rejilla, "cambios", lenta):
        boton(at, "Guardar").click().run(timeout=30)
    assert not lentas
    assert "No hay cambios que guardar" in textos(at) and "Sí, guardar" not in [b.label for b in at.button]

    def llega_la_edicion(fila: int) -> None:
        snap = at.session_state["p6_snap"]
        anterior = at.session_state[snap["key"]] if snap["key"] in at.session_state else None
        filas = dict((anterior or {}).get("filas") or {})
        filas[snap["frame"].index[fila]] = {"fal_causa": "Falta de Equipo", "fal_pacientes": "5"}
        at.session_state[snap["key"]] = {"filas": filas}

    # The edit's run comes right after those runs: it opens the confirmation, counting it.
    llega_la_edicion(0)
    at.run()
    assert "**1** línea(s) nueva(s)" in "".join(m.value for m in at.markdown)
    boton(at, "Cancelar").click().run()
    boton(at, "Descartar cambios").click().run()
    # A click long ago with nothing to save is forgotten: a later edit does not open anything by itself.
    boton(at, "Guardar").click().run()
    assert "No hay cambios que guardar" in textos(at)
    at.session_state["p6_guardar_en"] = 0.0
    llega_la_edicion(1)
    at.run()
    assert "Sí, guardar" not in [b.label for b in at.button]


def test_division_ve_en_solo_consulta(datos):
    at = abrir_app(datos)
    iniciar_sesion(at, "analista", persona=None)
    at.session_state["ooad_consulta"] = "chihuahua"
    at.switch_page("ui/paso3_unidad.py").run()
    assert not at.exception
    assert "Su cuenta es de consulta" in textos(at)
    assert len(tabla(at).drop("Total")) == 57


def test_capturista_no_abre_otra_ooad_aunque_la_sesion_lo_diga(datos):
    ajena = _valor(datos, "SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'HGZ 35,%'")
    lab = _valor(
        datos, "SELECT s.clave FROM especialidad s JOIN grupo g ON g.clave = s.grupo WHERE g.nombre LIKE 'Laboratorio%'"
    )
    at = abrir_app(datos)
    iniciar_sesion(at, "campeche")
    at.session_state["ooad_consulta"] = "chihuahua"
    at.session_state["sel_unidad"] = ajena
    at.session_state["sel_especialidad"] = lab
    at.switch_page("ui/paso6_captura.py").run()
    assert not at.exception
    assert "OOAD Campeche" in textos(at)
    assert "Primero elija la Unidad Médica" in textos(at)
    assert "Procalcitonina" not in str([d.value for d in at.dataframe])


def test_ayuda_tiene_contacto(datos):
    at = abrir_app(datos)
    at.switch_page("ui/ayuda.py").run()
    assert "colaboracion.salud@imss.gob.mx" in at.markdown[0].value
