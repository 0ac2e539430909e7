"""Pages enable their buttons from the lifecycle model (core.lifecycle.acciones) and show its reason."""

from __future__ import annotations

from core import instalacion
from core.accounts import cuentas
from core.lifecycle import ciclo
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos


def _como(datos, usuario: str, pagina: str, ooad_consulta: str | None = None):
    at = iniciar_sesion(abrir_app(datos), usuario, persona=None if usuario in ("admin", "analista") else "Ana Pérez")
    if ooad_consulta:
        at.session_state["ooad_consulta"] = ooad_consulta
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    return at


def _en_la_base(datos, trabajo) -> None:
    """Change the demo database before the app opens it (one process holds the file)."""
    store = instalacion.abrir(datos)
    try:
        trabajo(store)
    finally:
        store.close()


def _cerrar_periodo(datos) -> None:
    def cerrar(store):
        ciclo.cerrar_periodo(store, cuentas.obtener(store, "admin"), ciclo.periodo_actual(store).anio)

    _en_la_base(datos, cerrar)


def _deshabilitado(at, etiqueta: str, motivo: str) -> None:
    b = boton(at, etiqueta)
    assert b.disabled and motivo in (b.help or ""), (b.disabled, b.help)


def test_periodo_cerrado_deshabilita_declarar_con_su_motivo(datos):
    _cerrar_periodo(datos)
    at = _como(datos, "chihuahua", "ui/paso2_declaracion.py")
    _deshabilitado(at, "Guardar", "está cerrado por la División")


def test_periodo_cerrado_el_firmado_solo_se_consulta_y_dice_por_que(datos):
    _cerrar_periodo(datos)
    at = _como(datos, "coahuila", "ui/paso9_subir.py")
    assert not at.get("file_uploader") and not any(b.label in ("Subir", "Reemplazar") for b in at.button)
    assert "está cerrado por la División" in textos(at) and "ya no se pueden subir" in textos(at)


def test_periodo_cerrado_el_admin_no_registra_recepciones_ni_reabre(datos):
    _cerrar_periodo(datos)
    at = _como(datos, "admin", "ui/admin_recepcion.py")
    _deshabilitado(at, "Registrar recepción", "ya no se registran recepciones")
    assert "ya no se registran recepciones" in textos(at)
    at.switch_page("ui/admin_reaperturas.py").run()
    assert "ya no se puede reabrir" in textos(at) and not any(b.label == "Reabrir" for b in at.button)


def test_si_sin_lineas_no_se_finaliza_y_el_boton_dice_por_que(datos):
    at = _como(datos, "campeche", "ui/paso2_declaracion.py")
    at.radio(key="paso2_respuesta").set_value("SI").run()
    boton(at, "Guardar").click().run()
    at.switch_page("ui/paso7_finalizar.py").run()
    assert "Contestó SI pero todavía no hay líneas guardadas." in textos(at)
    assert at.radio(key="p7_decision").disabled
    _deshabilitado(at, "Guardar", "no hay ninguna línea guardada")


def test_la_division_consulta_el_paso2_sin_poder_guardar(datos):
    at = _como(datos, "analista", "ui/paso2_declaracion.py", ooad_consulta="chihuahua")
    assert at.radio(key="paso2_respuesta").disabled
    _deshabilitado(at, "Guardar", "su cuenta es de consulta")


def test_en_captura_se_declara_y_finaliza(datos):
    at = _como(datos, "chihuahua", "ui/paso2_declaracion.py")
    assert not at.radio(key="paso2_respuesta").disabled
    assert not boton(at, "Guardar").disabled
    at.switch_page("ui/paso7_finalizar.py").run()
    at.radio(key="p7_decision").set_value("SI").run()
    assert not boton(at, "Guardar").disabled
