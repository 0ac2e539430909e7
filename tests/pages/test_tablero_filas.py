"""Issue 12 §2 through AppTest: the tablero's rows carry their own actions (by role), Paso 3 opens a
unit in one click, Paso 7 finalizes only after a confirmation naming what it locks, Paso 1 lists the
OOAD/UMAE only."""

from __future__ import annotations

from core import instalacion
from core.capture import reportes
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos
from tests.pages.filas_ui import acciones, finalizar_paso7, tabla
from ui.components import filas

PASO7 = "ui/paso7_finalizar.py"


def _tablero(at):
    at.switch_page("ui/tablero.py").run()
    assert not at.exception, at.exception
    return at


def _valor(datos, sql, params=()):
    store = instalacion.abrir(datos)
    try:
        return store.filas(sql, list(params))
    finally:
        store.close()


def test_capturista_tiene_acciones_solo_en_su_renglon(datos):
    at = _tablero(iniciar_sesion(abrir_app(datos), "chihuahua"))
    t = tabla(at, con_tipo=True)
    assert len(t) == 61  # 60 OOAD/UMAE and the totals line
    assert acciones(at, "chihuahua") == {"Chihuahua": "boton", "Preliminar": "descarga", "Finalizar Reporte": "boton"}
    for clave in t.index.drop(["chihuahua", "Total"]):
        assert acciones(at, clave) == {}, clave
    # Another OOAD's guide labels are shown muted, as information only.
    assert t.loc["sonora", "Final (para firmas)"] == ("Finalizar Reporte", "apagado")
    assert t.loc["coahuila", "Subir (firmado)"] == ("Subir", "apagado")
    # Its name opens its capture (Paso 2); Finalizar Reporte opens Paso 7 (AppTest stays; no error).
    boton(at, "Finalizar Reporte").click().run()
    assert not at.exception


def test_capturista_finalizada_imprime_una_sola_version_final_y_sube(datos):
    at = _tablero(iniciar_sesion(abrir_app(datos), "coahuila"))
    assert acciones(at, "coahuila") == {"Coahuila": "boton", "Versión Final": "descarga", "Subir": "boton"}
    etiquetas = [b.label for b in at.button] + [d.label for d in at.get("download_button")]
    assert sum("Versión Final" in e for e in etiquetas) == 1, etiquetas
    t = tabla(at)
    assert t.loc["coahuila", "Reporte Preliminar"] == "-"


def test_analista_descarga_reportes_de_todas_y_nunca_finaliza_ni_sube(datos, monkeypatch):
    construidos = []
    for nombre in ("preliminar", "final"):  # the 60 PDFs are built only when clicked, never per run
        monkeypatch.setattr(reportes, nombre, lambda *a, n=nombre, **k: construidos.append(n))
    at = _tablero(iniciar_sesion(abrir_app(datos), "analista", persona=None))
    assert construidos == []
    t = tabla(at, con_tipo=True)
    for clave in t.index.drop("Total"):
        semaforo = t.loc[clave, "Semáforo"][0]
        reporte = "Versión Final" if semaforo.endswith(("Finalizado", "Firmado")) else "Preliminar"
        assert acciones(at, clave) == {t.loc[clave, "OOAD/UMAE"][0]: "boton", reporte: "descarga"}, clave
    etiquetas = [b.label for b in at.button]
    assert not any(e.startswith(("Finalizar", "Subir", "Consultar/Modificar")) for e in etiquetas)
    assert "Recepción (original)" in t.columns
    assert t.loc["aguascalientes", "Subir (firmado)"] == ("Subido", "apagado")
    # Its name opens the OOAD/UMAE for consultation.
    boton(at, "Colima").click().run()
    assert at.session_state["ooad_consulta"] == "colima"


def test_visitante_elige_su_renglon_y_llega_al_paso1_con_su_ooad(datos):
    at = _tablero(abrir_app(datos))
    t = tabla(at, con_tipo=True)
    assert all(acciones(at, c) == {t.loc[c, "OOAD/UMAE"][0]: "boton"} for c in t.index.drop("Total"))
    assert t.loc["Total", "OOAD/UMAE"] == ("Total (60)", "texto")
    at.session_state["paso1_tipo"] = "División"  # the visitor had chosen the division's form before
    boton(at, "Durango").click().run()
    at.switch_page("ui/paso1_acceso.py").run()
    assert at.selectbox(key="paso1_seleccion").value == "durango"


def test_paso3_un_clic_en_el_nombre_abre_la_unidad(datos):
    [(clave, nombre)] = _valor(
        datos, "SELECT clave, nombre FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'HGZ 35,%'"
    )
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    at.switch_page("ui/paso3_unidad.py").run()
    t = tabla(at)
    assert len(t) == 58 and t.loc["Total", "Unidad Médica"] == "57 Unidad(es) Médica(s)"
    assert t.loc[clave, "Capturada"] == "✅ 14 línea(s)" and t.loc[clave, "Faltantes"] == "14"
    at.button(key=f"p3_unidad_{clave}").click().run()
    assert at.session_state["sel_unidad"] == clave
    at.switch_page("ui/paso4_grupo.py").run()
    assert f"Unidad Médica: **{nombre}**" in textos(at)


def test_paso7_confirma_nombrando_unidades_y_lineas_y_cancelar_no_finaliza(datos):
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    at.switch_page(PASO7).run()
    at.radio(key="p7_decision").set_value("SI").run()
    boton(at, "Guardar").click().run()
    dialogo = textos(at)
    assert "Quedarán bloqueadas" in dialogo
    assert "HGZ 35, Ciudad Juárez: **14** línea(s) (0 Excedente(s), 14 Faltante(s))" in dialogo
    lineas, unidades = _valor(
        datos,
        "SELECT count(*), count(DISTINCT unidad) FROM linea WHERE ooad = 'chihuahua'"
        " AND anio = (SELECT anio FROM declaracion WHERE ooad = 'chihuahua' AND estado = 'en captura')",
    )[0]
    assert f"**Total: {unidades:,} Unidad(es) Médica(s), {lineas:,} línea(s)**" in dialogo
    boton(at, "Cancelar").click().run()
    assert "No se finalizó: el registro sigue abierto." in textos(at) and "Quedarán bloqueadas" not in textos(at)
    assert _valor(datos, "SELECT estado FROM declaracion WHERE ooad = 'chihuahua' ORDER BY anio DESC LIMIT 1") == [
        ("en captura",)
    ]
    finalizar_paso7(at)
    assert "Registro finalizado (versión final 1)" in textos(at)
    assert _valor(datos, "SELECT estado FROM declaracion WHERE ooad = 'chihuahua' ORDER BY anio DESC LIMIT 1") == [
        ("finalizado",)
    ]


def test_paso7_con_no_el_dialogo_dice_que_ninguna_unidad_reporta(datos):
    at = iniciar_sesion(abrir_app(datos), "guanajuato")
    at.switch_page(PASO7).run()
    at.radio(key="p7_decision").set_value("SI").run()
    boton(at, "Guardar").click().run()
    assert "Ninguna Unidad Médica reporta Excedentes ni Faltantes" in textos(at)
    boton(at, "Sí, finalizar").click().run()
    assert "Registro finalizado (versión final 1)" in textos(at)


def test_paso1_lista_solo_ooad_umae_y_la_division_entra_aparte(datos):
    at = abrir_app(datos)
    at.switch_page("ui/paso1_acceso.py").run()
    lista = at.selectbox(key="paso1_seleccion")
    assert len(lista.options) == 60 and not any("División" in o for o in lista.options)
    at.radio(key="paso1_tipo").set_value("División").run()
    at.text_input(key="paso1_div_usuario").input("analista")
    at.text_input(key="paso1_div_password").input("demo")
    boton(at, "Entrar").click().run()
    at.run()
    assert "Sesión iniciada: **Análisis (demo)**" in textos(at)


def test_las_celdas_se_muestran_tal_cual():
    """The rows are HTML (filas._linea): a cell's text is escaped, never markup."""
    linea = filas._linea([filas.Columna("a", 80), filas.Columna("b", 80)], ["<b>x</b>", "<img src=x onerror=y>"])
    assert "<b>" not in linea and "<img" not in linea and "&lt;b&gt;x&lt;/b&gt;" in linea
