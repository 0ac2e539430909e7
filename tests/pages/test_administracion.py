"""Administración pages through AppTest: periods, reopen requests and answers, receipt of the paper
copy, accounts with one-time passwords, the bitácora, the lockout and the session expiry."""

from __future__ import annotations

import datetime as dt

import pytest

from core import instalacion
from core.accounts import cuentas
from core.base import reloj
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, reaperturas
from tests.pages.conftest import abrir_app, boton, editar_rejilla, iniciar_sesion, textos
from tests.pages.filas_ui import finalizar_paso7, tabla

ADMIN_PAGINAS = [
    "ui/admin_periodos.py",
    "ui/admin_reaperturas.py",
    "ui/admin_recepcion.py",
    "ui/admin_cuentas.py",
    "ui/admin_bitacora.py",
]
MENU_ADMIN = {
    "Periodos y ventanas",
    "Solicitudes de reapertura",
    "Recepción de originales",
    "Cuentas y contraseñas",
    "Bitácora",
}


def _como(datos, usuario: str, persona: str | None = None, *, formulario: bool = False):
    at = abrir_app(datos)
    return iniciar_sesion(at, usuario, persona=persona, formulario=formulario)


def _ir(at, pagina: str):
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("usuario", [None, "chihuahua", "analista"])
def test_solo_admin_entra_a_administracion(datos, usuario):
    # One session tries every page by its address, as a person typing them one after another would.
    at = _como(datos, usuario, persona="Ana Pérez") if usuario else abrir_app(datos)
    for pagina in ADMIN_PAGINAS:
        _ir(at, pagina)
        assert "exclusiva de la División" in textos(at) or "Inicie sesión" in textos(at), pagina
        assert not at.get("form") and not at.dataframe and not at.get("download_button"), pagina


@pytest.mark.parametrize("usuario", ["chihuahua", "analista"])
def test_el_menu_de_administracion_no_se_ofrece_a_otros_roles(datos, usuario):
    at = _como(datos, usuario, persona=None)
    at.run()  # the login run drew the menu before logging in
    enlaces = {p.proto.label for p in at.sidebar.get("page_link")}
    assert {"Tablero de control", "Mi cuenta · cambiar contraseña"} <= enlaces and not enlaces & MENU_ADMIN


def test_admin_ve_el_menu_de_administracion_y_cada_pagina_abre(datos):
    at = _como(datos, "admin")
    at.run()  # the login run drew the menu before logging in
    enlaces = {p.proto.label for p in at.sidebar.get("page_link")}
    assert MENU_ADMIN | {"Mi cuenta · cambiar contraseña"} <= enlaces
    for pagina in ADMIN_PAGINAS:
        _ir(at, pagina)
        assert "Administración" in textos(at)


def test_admin_cambia_la_ventana_y_cierra_el_periodo(datos):
    at = _ir(_como(datos, "admin"), "ui/admin_periodos.py")
    periodo = at.dataframe[0].value.iloc[0]
    anio = int(periodo["Periodo"])
    fin = reloj.hoy() + dt.timedelta(days=60)
    at.date_input(key=f"adm_vf_{anio}").set_value(fin)
    boton(at, "Guardar ventana").click().run()
    assert f"Ventana del periodo {anio} actualizada" in textos(at) and reloj.fecha(fin) in textos(at)
    assert at.dataframe[0].value.iloc[0]["Días restantes"] == 61
    assert boton(at, f"Cerrar el periodo {anio}").disabled
    at.checkbox(key=f"adm_cerrar_ok_{anio}").check().run()
    boton(at, f"Cerrar el periodo {anio}").click().run()
    assert f"Periodo {anio} cerrado" in textos(at)
    assert at.dataframe[0].value.iloc[0]["Estado"] == "Cerrado"
    # Every capture screen of an OOAD/UMAE is now read-only and says why.
    at = _ir(_como(datos, "chihuahua", persona="Ana Pérez"), "ui/paso6_captura.py")
    at = _ir(at, "ui/paso2_declaracion.py")
    assert "está cerrado por la División" in textos(at) and "periodo cerrado por la División" in textos(at)


def test_admin_crea_un_periodo_con_fechas_malas_y_luego_buenas(datos):
    at = _ir(_como(datos, "admin"), "ui/admin_periodos.py")
    hoy = reloj.hoy()
    at.number_input(key="adm_nuevo_anio").set_value(hoy.year + 1)
    at.date_input(key="adm_nuevo_inicio").set_value(hoy + dt.timedelta(days=10))
    at.date_input(key="adm_nuevo_fin").set_value(hoy)
    boton(at, "Crear periodo").click().run()
    assert "no puede ser anterior" in textos(at)
    at.date_input(key="adm_nuevo_fin").set_value(hoy + dt.timedelta(days=40))
    boton(at, "Crear periodo").click().run()
    assert f"Periodo {hoy.year + 1} creado" in textos(at)
    assert len(at.dataframe[0].value) == 3  # the demo's current and previous (closed) periods, and the new one


def test_solicitud_de_reapertura_de_la_ooad_a_la_respuesta_del_admin(datos):
    # Coahuila finalized in the demo: it asks from Paso 8.
    at = _ir(_como(datos, "coahuila", persona="Ana Pérez"), "ui/paso8_version_final.py")
    assert "Solicite la reapertura" in " ".join(e.label for e in at.expander)
    at.text_area(key="p8_reapertura_motivo").input("corto")
    boton(at, "Enviar solicitud de reapertura").click().run()
    assert "al menos 10 caracteres" in textos(at)
    at.text_area(key="p8_reapertura_motivo").input("Faltó capturar el Faltante de hemodiálisis del HGZ 1")
    boton(at, "Enviar solicitud de reapertura").click().run()
    assert "Solicitud de reapertura enviada" in textos(at)
    assert "en espera de respuesta de la División" in textos(at)
    assert not any(b.label == "Enviar solicitud de reapertura" for b in at.button)

    adm = _ir(_como(datos, "admin"), "ui/tablero.py")
    assert "Hay 1 solicitud(es) de reapertura en espera" in textos(adm)
    _ir(adm, "ui/admin_reaperturas.py")
    cola = adm.dataframe[0].value
    assert (
        cola["OOAD/UMAE"].tolist() == ["OOAD Coahuila"] and cola.iloc[0]["Solicitó"] == "Ana Pérez (Jefa de Servicio)"
    )
    adm.text_area(key="adm_reap_razon").input("Se concede: corrijan y finalicen antes del cierre")
    boton(adm, "Conceder reapertura").click().run()
    assert "OOAD Coahuila: reapertura concedida" in textos(adm)
    assert "No hay solicitudes de reapertura en espera" in textos(adm)
    assert adm.dataframe[0].value.iloc[0]["Respuesta"] == "Concedida"

    at = _ir(_como(datos, "coahuila", persona="Ana Pérez"), "ui/paso7_finalizar.py")
    texto = textos(at)
    assert "concedida por la División" in texto and "Se concede: corrijan y finalicen" in texto
    assert "nueva versión final con su propio folio" in texto
    finalizar_paso7(at)
    assert "Registro finalizado (versión final 2)" in textos(at)


def test_admin_rechaza_y_la_ooad_lee_la_razon(datos):
    store = instalacion.abrir(datos)
    try:
        reaperturas.solicitar(
            store,
            cuentas.obtener(store, "colima"),
            "Luis",
            ciclo.periodo_actual(store).anio,
            "Queremos cambiar la causa de un Faltante",
        )
    finally:
        store.close()
    adm = _ir(_como(datos, "admin"), "ui/admin_reaperturas.py")
    adm.text_area(key="adm_reap_razon").input("La causa registrada coincide con el oficio enviado")
    boton(adm, "Rechazar").click().run()
    assert "OOAD Colima: reapertura rechazada" in textos(adm)
    at = _ir(_como(datos, "colima", persona="Luis Gómez"), "ui/paso9_subir.py")
    assert "rechazada por la División" in textos(at) and "coincide con el oficio enviado" in textos(at)


def test_admin_reabre_sin_solicitud(datos):
    adm = _ir(_como(datos, "admin"), "ui/admin_reaperturas.py")
    adm.selectbox(key="adm_reap_ooad").select("jalisco")
    adm.text_area(key="adm_reap_motivo").input("Acordado por teléfono con la Jefatura de Prestaciones Médicas")
    boton(adm, "Reabrir").click().run()
    assert "OOAD Jalisco reabierta" in textos(adm)
    _ir(adm, "ui/tablero.py")
    assert tabla(adm).set_index("OOAD/UMAE").loc["Jalisco", "Semáforo"] == "🟠 En captura"


def test_paso8_muestra_los_cambios_entre_versiones_finales(datos):
    store = instalacion.abrir(datos)
    try:
        anio = ciclo.periodo_actual(store).anio
        c = cuentas.obtener(store, "coahuila")
        reaperturas.reabrir(store, cuentas.obtener(store, "admin"), anio, "coahuila", "Corrección de una cifra")
        linea = store.fila(
            "SELECT unidad, producto, version, tipo FROM linea WHERE ooad = 'coahuila' AND"
            " tipo = 'Excedente' ORDER BY unidad, producto LIMIT 1"
        )
        captura.guardar(
            store, c, "Ana", anio, linea[0], [FilaCaptura(linea[1], version=linea[2], exc_pacientes=99_999)]
        )
        ciclo.finalizar(store, c, "Ana", anio)
    finally:
        store.close()
    for usuario in ("coahuila", "analista"):
        at = _como(datos, usuario, persona="Ana Pérez")
        if usuario == "analista":
            at.session_state["ooad_consulta"] = "coahuila"
        _ir(at, "ui/paso8_version_final.py")
        assert "Cambios entre versiones finales" in textos(at)
        assert "De la versión final 1 a la 2: 0 línea(s) agregada(s), 0 eliminada(s) y 1 modificada(s)." in textos(at)
        cambios = at.dataframe[-1].value
        assert cambios[["Cambio", "Clave", "Qué cambió", "Pacientes Mensuales (después)"]].values.tolist() == [
            ["Modificada", linea[1], "Pacientes Mensuales, Eventos Mensuales", 99_999]
        ]
        assert any(b.label == "⬇️ Descargar Excel" for b in at.get("download_button"))


def test_recepcion_del_original_se_ve_en_el_tablero_de_la_division(datos):
    at = _ir(_como(datos, "admin"), "ui/admin_recepcion.py")
    assert "OOAD Coahuila" in at.dataframe[0].value["OOAD/UMAE"].tolist()
    at.selectbox(key="adm_rec_ooad").select("coahuila")
    at.text_input(key="adm_rec_recibio").input("Lic. Marta Ruiz")
    boton(at, "Registrar recepción").click().run()
    hoy = reloj.fecha(reloj.hoy())
    assert f"OOAD Coahuila: Original firmado de la versión final 1 recibido el {hoy} por Lic. Marta Ruiz." in textos(at)
    _ir(at, "ui/tablero.py")
    filas = tabla(at).set_index("OOAD/UMAE")
    assert filas.loc["Coahuila", "Recepción (original)"] == f"{hoy} · Lic. Marta Ruiz"
    assert filas.iloc[-1]["Recepción (original)"] == "1 recibido(s)"


def test_cuenta_nueva_con_contrasena_de_un_uso_que_se_cambia_y_deshabilitar(datos):
    at = _ir(_como(datos, "admin"), "ui/admin_cuentas.py")
    at.radio(key="adm_cuentas_rol").set_value("analista").run()
    at.text_input(key="adm_cuentas_usuario").input("ana.perez")
    at.text_input(key="adm_cuentas_nombre").input("Ana Pérez Reyes")
    boton(at, "Crear cuenta").click().run()
    assert "Cuenta creada. Contraseña de un solo uso de **ana.perez**" in textos(at)
    temporal = at.code[0].value
    assert len(temporal) >= 16
    at.run()  # shown once: gone on the next run
    assert not at.code

    nueva = _como(datos, "ana.perez", formulario=True)
    iniciar_sesion(nueva, "ana.perez", temporal, persona=None)
    assert "Su contraseña es temporal" in textos(nueva)
    _ir(nueva, "ui/admin_bitacora.py")  # still refused: analista, and a temporary password anyway
    _ir(nueva, "ui/mi_cuenta.py")
    nueva.text_input(key="mi_cuenta_actual").input(temporal)
    nueva.text_input(key="mi_cuenta_nueva").input("Mi-clave-segura-2026")
    nueva.text_input(key="mi_cuenta_confirmacion").input("Mi-clave-segura-2026")
    boton(nueva, "Cambiar contraseña").click().run()
    assert "Contraseña cambiada" in textos(nueva) and "Su contraseña es temporal" not in textos(nueva)

    at.selectbox(key="adm_cuentas_elegida").select("ana.perez").run()
    boton(at, "Restablecer contraseña").click().run()
    assert "Contraseña restablecida." in textos(at) and at.code[0].value != temporal
    at.selectbox(key="adm_cuentas_elegida").select("ana.perez").run()
    boton(at, "Deshabilitar").click().run()
    assert "Cuenta ana.perez deshabilitada" in textos(at)
    assert at.dataframe[0].value.set_index("Usuario").loc["ana.perez", "Estado"] == "Deshabilitada"
    fuera = abrir_app(datos)
    fuera.switch_page("ui/paso1_acceso.py").run()
    assert "ana.perez" not in fuera.selectbox(key="paso1_seleccion").options


def test_bitacora_filtra_por_accion(datos):
    at = _ir(_como(datos, "admin"), "ui/admin_bitacora.py")
    todo = at.dataframe[0].value
    assert len(todo) > 10 and todo.iloc[0]["Acción"] == "inicio de sesión" and todo.iloc[0]["Cuenta"] == "admin"
    at.multiselect(key="bit_acciones").select("finalización").run()
    filtrado = at.dataframe[0].value
    assert len(filtrado) >= 10 and set(filtrado["Acción"]) == {"finalización"}
    assert {b.label for b in at.get("download_button")} == {"⬇️ Descargar CSV", "⬇️ Descargar Excel"}
    at.text_input(key="bit_texto").input("no existe este texto en la bitácora").run()
    assert "Ningún registro coincide" in textos(at)


def test_intentos_fallidos_bloquean_la_cuenta_con_mensaje_y_bitacora(datos):
    at = abrir_app(datos)
    inicio = reloj.ahora()
    try:
        for i, segundos in enumerate((0, 1, 2, 10, 60)):
            reloj.fijar(inicio + dt.timedelta(seconds=segundos))
            iniciar_sesion(at, "chihuahua", "equivocada", persona=None)
            if i == 2:
                assert "Espere 5 segundo(s)" in textos(at)
        assert "la cuenta está bloqueada hasta el" in textos(at)
        reloj.fijar(inicio + dt.timedelta(minutes=5))
        iniciar_sesion(at, "chihuahua", "demo", persona=None, formulario=True)
        assert "bloqueada hasta el" in textos(at) and not at.session_state["authentication_status"]
        reloj.fijar(inicio + dt.timedelta(minutes=16))
        iniciar_sesion(at, "chihuahua", "demo", persona=None, formulario=True)
        assert at.session_state["authentication_status"]
    finally:
        reloj.fijar(None)
    adm = _ir(_como(datos, "admin"), "ui/admin_bitacora.py")
    adm.selectbox(key="bit_cuenta").select("chihuahua").run()
    acciones = adm.dataframe[0].value["Acción"].tolist()
    assert acciones.count("inicio de sesión fallido") == 5 and "cuenta bloqueada" in acciones
    assert "inicio de sesión rechazado (cuenta bloqueada)" in acciones


def _editar_paso6(at, unidad: str):
    at.session_state["sel_unidad"] = unidad
    _ir(at, "ui/paso4_grupo.py")
    boton(at, "Hemodiálisis").click().run()
    _ir(at, "ui/paso6_captura.py")
    editar_rejilla(at, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": 7}})
    assert "Cambios sin guardar: 1 nueva(s)" in textos(at)


def test_sesion_vence_por_inactividad_y_conserva_lo_no_guardado_del_paso6(datos, monkeypatch):
    monkeypatch.setenv("EYF_INACTIVIDAD_MIN", "20")
    store = instalacion.abrir(datos)
    unidad = store.valor("SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    store.close()
    at = _como(datos, "chihuahua", persona="Ana Pérez")
    _editar_paso6(at, unidad)
    try:
        reloj.fijar(reloj.ahora() + dt.timedelta(minutes=21))
        at.run()
        assert not at.session_state["authentication_status"]
        texto = textos(at)
        assert "Su sesión se cerró tras 20 minutos sin actividad" in texto and "(1 producto(s)) se conservan" in texto
        assert "Inicie sesión en el Paso 1" in texto
        # The same account logs in again: the grid still has the unsaved edit.
        iniciar_sesion(at, "chihuahua", persona="Ana Pérez")
        _ir(at, "ui/paso6_captura.py")
        assert "Cambios sin guardar: 1 nueva(s)" in textos(at)
        assert "Su sesión se cerró" not in textos(at)
    finally:
        reloj.fijar(None)


def test_otra_cuenta_tras_el_vencimiento_no_hereda_lo_no_guardado(datos):
    store = instalacion.abrir(datos)
    unidad = store.valor("SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    store.close()
    at = _como(datos, "chihuahua", persona="Ana Pérez")
    _editar_paso6(at, unidad)
    try:
        reloj.fijar(reloj.ahora() + dt.timedelta(minutes=31))
        at.run()
        assert "Su sesión se cerró tras 30 minutos" in textos(at)
        iniciar_sesion(at, "campeche", persona="Luis Gómez", formulario=True)
        assert not at.session_state["pendientes"] if "pendientes" in at.session_state else True
        assert "sel_unidad" not in at.session_state
    finally:
        reloj.fijar(None)
    assert "sesión vencida por inactividad" in _acciones_de(datos, "chihuahua")


def _acciones_de(datos, usuario):
    store = instalacion.abrir(datos)
    try:
        return [a for (a,) in store.filas("SELECT accion FROM auditoria WHERE cuenta = ?", [usuario])]
    finally:
        store.close()
