"""Administración in core: periods and windows, closing, reopen requests, diff between final
versions, receipt of the paper copy, the bitácora; every refusal for those who may not."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pytest
from reportlab.pdfgen import canvas

from core.accounts import cuentas
from core.admin import bitacora
from core.base import exportar, reloj
from core.base.errors import AccesoDenegado, CapturaBloqueada, ErrorDominio, TransicionInvalida
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, comparar, firmados, folio, reaperturas, recepcion, tablero
from tests.conftest import ANIO, FIN, HOY, INICIO

P = "Persona de prueba"
RAIZ = Path(__file__).resolve().parents[2]


def _auditoria(store, accion=None) -> int:
    if accion is None:
        return store.valor("SELECT count(*) FROM auditoria")
    return store.valor("SELECT count(*) FROM auditoria WHERE accion = ?", [accion])


def _finalizar_chihuahua(store, c) -> int:
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        "IL-CH-0001",
        [
            FilaCaptura("39.95", fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989),
            FilaCaptura("47.01", exc_pacientes=5),
        ],
    )
    captura.guardar(store, c, P, ANIO, "IL-CH-0002", [FilaCaptura("51.23", exc_pacientes=3)])
    return ciclo.finalizar(store, c, P, ANIO)


def _pdf(texto: str) -> bytes:
    buf = io.BytesIO()
    lienzo = canvas.Canvas(buf)
    lienzo.drawString(72, 720, texto)
    lienzo.showPage()
    lienzo.save()
    return buf.getvalue()


# -- who may administer ----------------------------------------------------------------------------
ACCIONES_ADMIN = {
    "crear periodo": lambda s, c: ciclo.crear_periodo(s, c, 2027, dt.date(2027, 6, 1), dt.date(2027, 6, 30)),
    "cambiar ventana": lambda s, c: ciclo.cambiar_ventana(s, c, ANIO, INICIO, FIN + dt.timedelta(days=5)),
    "cerrar periodo": lambda s, c: ciclo.cerrar_periodo(s, c, ANIO),
    "reabrir": lambda s, c: reaperturas.reabrir(s, c, ANIO, "chihuahua", "Corrección solicitada por teléfono"),
    "reabrir (ciclo)": lambda s, c: ciclo.reabrir(s, c, ANIO, "chihuahua", "Corrección solicitada por teléfono"),
    "cola de reaperturas": lambda s, c: reaperturas.pendientes(s, c),
    "conceder": lambda s, c: reaperturas.conceder(s, c, 1, "Se concede para corregir"),
    "rechazar": lambda s, c: reaperturas.rechazar(s, c, 1, "No procede la corrección"),
    "recepción": lambda s, c: recepcion.registrar(s, c, ANIO, "chihuahua", HOY.date(), "Oficialía de partes"),
    "bitácora": lambda s, c: bitacora.consultar(s, c),
    "acciones de bitácora": lambda s, c: bitacora.acciones(s, c),
    "alta de cuenta": lambda s, c: cuentas.alta(s, c, "nueva", "Cuenta nueva", "analista"),
    "deshabilitar": lambda s, c: cuentas.deshabilitar(s, c, "quintana-roo"),
    "restablecer": lambda s, c: cuentas.restablecer(s, c, "quintana-roo"),
    "habilitar": lambda s, c: cuentas.habilitar(s, c, "quintana-roo"),
    "desbloquear": lambda s, c: cuentas.desbloquear(s, c, "quintana-roo"),
    "cuentas en la bitácora": lambda s, c: bitacora.cuentas_registradas(s, c),
    "listar cuentas": lambda s, c: cuentas.listar(s, c),
}


@pytest.mark.parametrize("usuario", ["analista", "chihuahua"])
@pytest.mark.parametrize("accion", list(ACCIONES_ADMIN))
def test_analista_y_capturista_no_administran(store, cuenta, usuario, accion):
    c_chih = cuenta("chihuahua")
    _finalizar_chihuahua(store, c_chih)
    reaperturas.solicitar(store, c_chih, P, ANIO, "Faltó capturar una unidad médica")
    antes = _auditoria(store)
    with pytest.raises(AccesoDenegado, match="exclusiva de la División"):
        ACCIONES_ADMIN[accion](store, cuenta(usuario))
    assert _auditoria(store) == antes
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FINALIZADO
    assert not ciclo.periodo(store, ANIO).cerrado


def test_sin_sesion_no_administra(store):
    with pytest.raises(AccesoDenegado, match="Inicie sesión"):
        ciclo.cerrar_periodo(store, None, ANIO)


# -- periods ----------------------------------------------------------------------------------------
def test_admin_crea_periodo_y_cambia_su_ventana_auditado(store, cuenta):
    admin = cuenta("admin")
    p = ciclo.crear_periodo(store, admin, 2027, dt.date(2027, 3, 1), dt.date(2027, 3, 31))
    assert (p.anio, p.inicio, p.fin, p.cerrado) == (2027, dt.date(2027, 3, 1), dt.date(2027, 3, 31), False)
    p = ciclo.cambiar_ventana(store, admin, 2027, dt.date(2027, 3, 1), dt.date(2027, 4, 15))
    assert p.fin == dt.date(2027, 4, 15)
    antes, despues = store.fila(
        "SELECT antes, despues FROM auditoria WHERE accion = 'ventana de registro cambiada' AND anio = 2027"
    )
    assert '"fin": "2027-03-31"' in antes and '"fin": "2027-04-15"' in despues
    with pytest.raises(ErrorDominio, match="no puede ser anterior"):
        ciclo.cambiar_ventana(store, admin, 2027, dt.date(2027, 5, 1), dt.date(2027, 4, 1))
    with pytest.raises(ErrorDominio, match="ya existe"):
        ciclo.crear_periodo(store, admin, 2027, dt.date(2027, 3, 1), dt.date(2027, 3, 31))


def test_ampliar_la_ventana_reabre_la_captura_fuera_de_plazo(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=2), dt.time(9)))
    assert "cerró el 30/06/2026" in ciclo.motivo_bloqueo(store, ANIO, "chihuahua")
    p = ciclo.cambiar_ventana(store, cuenta("admin"), ANIO, INICIO, FIN + dt.timedelta(days=7))
    assert p.dias_restantes() == 6 and ciclo.motivo_bloqueo(store, ANIO, "chihuahua") is None
    captura.guardar(store, c, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=5)])


def test_periodo_cerrado_rechaza_captura_declaracion_finalizacion_y_subidas(store, cuenta, tmp_path):
    chih, qroo, umae = cuenta("chihuahua"), cuenta("quintana-roo"), cuenta("umae-hes-cmn-siglo-xxi")
    _finalizar_chihuahua(store, chih)
    ciclo.declarar(store, qroo, P, ANIO, "SI")
    captura.guardar(store, qroo, P, ANIO, "IL-QR-0001", [FilaCaptura("47.01", exc_pacientes=4)])
    admin = cuenta("admin")
    p = ciclo.cerrar_periodo(store, admin, ANIO)
    assert p.cerrado and _auditoria(store, "periodo cerrado") == 1
    lineas_antes = store.valor("SELECT count(*) FROM linea")
    with pytest.raises(CapturaBloqueada, match="está cerrado por la División desde el 15/06/2026"):
        captura.guardar(store, qroo, P, ANIO, "IL-QR-0001", [FilaCaptura("47.01", exc_pacientes=9)])
    with pytest.raises(CapturaBloqueada, match="está cerrado"):
        ciclo.declarar(store, umae, P, ANIO, "SI")
    with pytest.raises(CapturaBloqueada, match="está cerrado"):
        ciclo.finalizar(store, qroo, P, ANIO)
    pdf = _pdf(folio.calcular(store, ANIO, "chihuahua", 1))
    with pytest.raises(CapturaBloqueada, match="ya no se pueden subir"):
        firmados.subir(store, chih, P, ANIO, "chihuahua", pdf, "firmado.pdf", directorio=tmp_path)
    with pytest.raises(CapturaBloqueada):
        reaperturas.solicitar(store, chih, P, ANIO, "Necesitamos corregir una cifra")
    with pytest.raises(CapturaBloqueada):
        reaperturas.reabrir(store, admin, ANIO, "chihuahua", "Reapertura fuera de tiempo")
    with pytest.raises(CapturaBloqueada):
        ciclo.cambiar_ventana(store, admin, ANIO, INICIO, FIN + dt.timedelta(days=30))
    with pytest.raises(CapturaBloqueada):
        recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date(), "Oficialía de partes")
    with pytest.raises(ErrorDominio, match="ya está cerrado"):
        ciclo.cerrar_periodo(store, admin, ANIO)
    assert store.valor("SELECT count(*) FROM linea") == lineas_antes
    assert store.valor("SELECT count(*) FROM firmado") == 0
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FINALIZADO


# -- reopen requests, reopen, new final version and the diff ------------------------------------------
def test_solicitud_concedida_reabre_nueva_version_con_su_folio_y_diferencias(store, cuenta, tmp_path):
    chih, admin = cuenta("chihuahua"), cuenta("admin")
    assert _finalizar_chihuahua(store, chih) == 1
    folio_v1 = folio.calcular(store, ANIO, "chihuahua", 1)
    firmados.subir(store, chih, P, ANIO, "chihuahua", _pdf(f"Folio {folio_v1}"), "firmado.pdf", directorio=tmp_path)
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FIRMADO

    s = reaperturas.solicitar(store, chih, P, ANIO, "  Faltó   capturar la hemodiálisis de HGZ 35 ")
    assert (s.estado, s.version, s.motivo) == ("pendiente", 1, "Faltó capturar la hemodiálisis de HGZ 35")
    with pytest.raises(ErrorDominio, match="Ya hay una solicitud de reapertura en espera desde el 15/06/2026"):
        reaperturas.solicitar(store, chih, P, ANIO, "Otra vez la misma petición")
    reloj.fijar(HOY + dt.timedelta(days=1, hours=3, minutes=20))
    cola = reaperturas.pendientes(store, admin)
    assert cola[["ooad", "Espera", "Solicitó"]].values.tolist() == [["chihuahua", "1 día(s) 3 h", P]]
    assert cola.iloc[0]["espera_horas"] == 27.3
    assert (
        "en espera de respuesta de la División desde hace 1 día(s) 3 h"
        in reaperturas.ultima(store, chih, ANIO, "chihuahua").describir()
    )

    e = reaperturas.conceder(store, admin, int(cola.iloc[0]["id"]), "Se concede: corrijan HGZ 35 y finalicen")
    assert (e.estado, e.version_final) == (ciclo.EN_CAPTURA, 1)
    assert store.valor("SELECT count(*) FROM firmado WHERE ooad = 'chihuahua' AND vigente") == 0
    respuesta = reaperturas.ultima(store, chih, ANIO, "chihuahua")
    assert respuesta.estado == "concedida" and "Motivo: Se concede: corrijan HGZ 35" in respuesta.describir()
    assert reaperturas.pendientes(store, admin).empty
    assert _auditoria(store, "reapertura solicitada") == 1 and _auditoria(store, "reapertura") == 1

    # Change the capture: one line added, one removed, one changed; then finalize again.
    captura.guardar(
        store,
        chih,
        P,
        ANIO,
        "IL-CH-0002",
        [
            FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=40),
            FilaCaptura("51.23", version=1),  # emptied: removed
        ],
    )
    captura.guardar(
        store,
        chih,
        P,
        ANIO,
        "IL-CH-0001",
        [FilaCaptura("39.95", version=1, fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=3100)],
    )
    assert ciclo.finalizar(store, chih, P, ANIO) == 2
    folio_v2 = folio.calcular(store, ANIO, "chihuahua", 2)
    assert folio_v2 != folio_v1 and "-V2-" in folio_v2 and "-V1-" in folio_v1
    assert ciclo.version_final(store, chih, ANIO, "chihuahua", 1)[0]["lineas"] == 3  # v1 kept as it was

    dif = comparar.comparar(store, chih, ANIO, "chihuahua")
    assert (dif.version_antes, dif.version_despues, dif.folio_antes, dif.folio_despues) == (1, 2, folio_v1, folio_v2)
    assert dif.conteo() == {"Agregada": 1, "Eliminada": 1, "Modificada": 1}
    filas = dif.cambios.set_index("Cambio")
    agregada, eliminada, cambiada = filas.loc["Agregada"], filas.loc["Eliminada"], filas.loc["Modificada"]
    assert (
        agregada["Clave"],
        agregada["Unidad Médica"],
        agregada["Tipo (antes)"],
        agregada["Tipo (después)"],
        agregada["Pacientes Mensuales (después)"],
    ) == ("39.95", "HGZ 35, Ciudad Juárez", "", "Faltante", 40)
    assert (eliminada["Clave"], eliminada["Pacientes Mensuales (antes)"], eliminada["Tipo (después)"]) == (
        "51.23",
        3,
        "",
    )
    assert eliminada.isna()["Pacientes Mensuales (después)"]
    assert (
        cambiada["Clave"],
        cambiada["Qué cambió"],
        cambiada["Eventos Mensuales (antes)"],
        cambiada["Eventos Mensuales (después)"],
        cambiada["Pacientes Mensuales (después)"],
    ) == ("39.95", "Eventos Mensuales", 2989, 3100, 250)
    assert "1 línea(s) agregada(s), 1 eliminada(s) y 1 modificada(s)" in dif.describir()
    # Whoever may read the OOAD/UMAE sees it; another OOAD/UMAE does not.
    assert comparar.comparar(store, cuenta("analista"), ANIO, "chihuahua").conteo()["Modificada"] == 1
    with pytest.raises(AccesoDenegado):
        comparar.comparar(store, cuenta("quintana-roo"), ANIO, "chihuahua")
    with pytest.raises(AccesoDenegado):
        comparar.versiones(store, cuenta("quintana-roo"), ANIO, "chihuahua")


def test_comparar_con_una_sola_version_lo_explica(store, cuenta):
    chih = cuenta("chihuahua")
    _finalizar_chihuahua(store, chih)
    assert comparar.versiones(store, chih, ANIO, "chihuahua") == [1]
    with pytest.raises(ErrorDominio, match="una sola versión final"):
        comparar.comparar(store, chih, ANIO, "chihuahua")


def test_respuesta_si_a_no_se_compara(store, cuenta):
    chih, admin = cuenta("chihuahua"), cuenta("admin")
    _finalizar_chihuahua(store, chih)
    reaperturas.reabrir(store, admin, ANIO, "chihuahua", "La OOAD pidió contestar NO")
    ciclo.declarar(store, chih, P, ANIO, "NO", lineas_a_borrar=3)
    ciclo.finalizar(store, chih, P, ANIO)
    dif = comparar.comparar(store, chih, ANIO, "chihuahua")
    assert dif.conteo() == {"Agregada": 0, "Eliminada": 3, "Modificada": 0}
    assert "cambió de SI a NO" in dif.describir()


def test_solicitud_rechazada_se_ve_con_su_razon_y_permite_otra(store, cuenta):
    chih, admin = cuenta("chihuahua"), cuenta("admin")
    _finalizar_chihuahua(store, chih)
    s = reaperturas.solicitar(store, chih, P, ANIO, "Queremos cambiar una cifra")
    with pytest.raises(ErrorDominio, match="al menos 10 caracteres"):
        reaperturas.rechazar(store, admin, s.id, "no")
    reaperturas.rechazar(store, admin, s.id, "La cifra coincide con el informe mensual")
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FINALIZADO
    ultima = reaperturas.ultima(store, chih, ANIO, "chihuahua")
    assert ultima.estado == "rechazada" and ultima.respuesta == "La cifra coincide con el informe mensual"
    assert "rechazada por la División el 15/06/2026" in ultima.describir()
    with pytest.raises(ErrorDominio, match="ya fue rechazada"):
        reaperturas.conceder(store, admin, s.id, "Cambio de opinión de la División")
    resueltas = reaperturas.resueltas(store, admin)
    assert resueltas[["OOAD/UMAE", "Respuesta"]].values.tolist() == [["OOAD Chihuahua", "Rechazada"]]
    assert reaperturas.solicitar(store, chih, P, ANIO, "Insistimos: la cifra de HGZ 6 es otra").estado == "pendiente"


def test_solicitud_solo_de_la_propia_ooad_y_despues_de_finalizar(store, cuenta):
    chih, qroo = cuenta("chihuahua"), cuenta("quintana-roo")
    ciclo.declarar(store, chih, P, ANIO, "SI")
    with pytest.raises(TransicionInvalida, match="después de finalizar"):
        reaperturas.solicitar(store, chih, P, ANIO, "Todavía no finalizamos")
    captura.guardar(store, chih, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.finalizar(store, chih, P, ANIO)
    # Quintana Roo's request is always about Quintana Roo (not finalized): Chihuahua gets none.
    with pytest.raises(TransicionInvalida):
        reaperturas.solicitar(store, qroo, P, ANIO, "Reabran Chihuahua, por favor")
    assert store.valor("SELECT count(*) FROM solicitud_reapertura") == 0
    for division in ("analista", "admin"):
        with pytest.raises(AccesoDenegado):
            reaperturas.solicitar(store, cuenta(division), P, ANIO, "La División no solicita reaperturas")
    with pytest.raises(AccesoDenegado):
        reaperturas.ultima(store, qroo, ANIO, "chihuahua")
    with pytest.raises(ErrorDominio, match="al menos 10"):
        reaperturas.solicitar(store, chih, P, ANIO, "corto")


def test_reabrir_sin_solicitud_contesta_la_pendiente(store, cuenta):
    chih, admin = cuenta("chihuahua"), cuenta("admin")
    _finalizar_chihuahua(store, chih)
    s = reaperturas.solicitar(store, chih, P, ANIO, "Faltó una unidad médica")
    assert reaperturas.reabribles(store, admin, ANIO) == [("chihuahua", "OOAD Chihuahua · finalizado")]
    reaperturas.reabrir(store, admin, ANIO, "chihuahua", "Reapertura acordada por teléfono")
    ultima = reaperturas.ultima(store, chih, ANIO, "chihuahua")
    assert (ultima.id, ultima.estado, ultima.respuesta) == (s.id, "concedida", "Reapertura acordada por teléfono")
    with pytest.raises(TransicionInvalida):
        reaperturas.reabrir(store, admin, ANIO, "chihuahua", "Otra vez, ya está en captura")


# -- receipt of the signed paper copy ----------------------------------------------------------------
def test_recepcion_del_original_en_el_tablero_solo_para_la_version_vigente(store, cuenta):
    chih, admin = cuenta("chihuahua"), cuenta("admin")
    with pytest.raises(TransicionInvalida, match="ya finalizó"):
        recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date(), "Oficialía de partes")
    _finalizar_chihuahua(store, chih)
    with pytest.raises(ErrorDominio, match="posterior a hoy"):
        recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date() + dt.timedelta(days=1), "Lic. Ruiz")
    with pytest.raises(ErrorDominio, match="anterior a la finalización"):
        recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date() - dt.timedelta(days=1), "Lic. Ruiz")
    r = recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date(), "Lic. Marta Ruiz", "Sobre 1 de 1")
    assert r.describir() == "Original firmado de la versión final 1 recibido el 15/06/2026 por Lic. Marta Ruiz."
    assert recepcion.consultar(store, chih, ANIO, "chihuahua") == r
    filas = tablero.filas(store, ANIO).set_index("clave")
    assert tablero.recepcion(filas.loc["chihuahua", "recibida_el"], filas.loc["chihuahua", "recibio"]) == (
        "15/06/2026 · Lic. Marta Ruiz"
    )
    tabla = tablero.tabla_guia(tablero.filas(store, ANIO), con_recepcion=True)
    assert tabla.iloc[-1]["Recepción (original)"] == "1 recibido(s)"
    assert "Recepción (original)" not in tablero.tabla_guia(tablero.filas(store, ANIO)).columns
    assert _auditoria(store, "recepción del original") == 1
    # A reopen makes a new version: its paper copy is awaited again.
    reaperturas.reabrir(store, admin, ANIO, "chihuahua", "Corrección de la OOAD")
    ciclo.finalizar(store, chih, P, ANIO)
    assert recepcion.consultar(store, chih, ANIO, "chihuahua") is None
    assert tablero.filas(store, ANIO).set_index("clave")["recibida_el"].isna()["chihuahua"]
    with pytest.raises(AccesoDenegado):
        recepcion.consultar(store, cuenta("quintana-roo"), ANIO, "chihuahua")
    with pytest.raises(AccesoDenegado):
        recepcion.del_periodo(store, cuenta("quintana-roo"), ANIO)
    assert recepcion.del_periodo(store, cuenta("analista"), ANIO)["OOAD/UMAE"].tolist() == ["OOAD Chihuahua"]


# -- bitácora ---------------------------------------------------------------------------------------------
def test_bitacora_filtra_y_exporta(store, cuenta):
    chih, admin = cuenta("chihuahua"), cuenta("admin")
    _finalizar_chihuahua(store, chih)
    with pytest.raises(Exception):  # noqa: B017 - any failure type; only the audit row matters here
        cuentas.autenticar(store, "analista", "equivocada")
    reloj.fijar(HOY + dt.timedelta(days=2))
    reaperturas.reabrir(store, admin, ANIO, "chihuahua", "Corrección de hemodiálisis")

    todo = bitacora.consultar(store, admin)
    assert list(todo.columns) == list(bitacora.COLUMNAS)
    assert todo.iloc[0]["Acción"] == "reapertura" and todo.iloc[0]["Fecha y hora"] == "17/06/2026 10:00:00"
    assert bitacora.contar(store, admin) == len(todo)
    lineas = bitacora.consultar(store, admin, acciones=["línea creada"])
    assert len(lineas) == 3 and set(lineas["Unidad Médica"]) == {
        "HGZ 6, Ciudad Juárez (IL-CH-0001)",
        "HGZ 35, Ciudad Juárez (IL-CH-0002)",
    }
    assert (lineas["Persona"] == P).all() and (lineas["OOAD/UMAE"] == "OOAD Chihuahua").all()
    fallidos = bitacora.consultar(store, admin, usuario="analista")
    assert fallidos["Acción"].tolist() == ["inicio de sesión fallido"]
    assert bitacora.consultar(store, admin, texto="HEMODIALISIS REAPERTURA")["Acción"].tolist() == ["reapertura"]
    hemo = bitacora.consultar(store, admin, texto="hemodiálisis", acciones=["línea creada"])
    assert hemo["Objeto"].tolist() == ["39.95 · Hemodiálisis"]  # found by the product's name
    assert len(bitacora.consultar(store, admin, desde=dt.date(2026, 6, 16))) == 1
    assert len(bitacora.consultar(store, admin, hasta=dt.date(2026, 6, 15))) == len(todo) - 1
    assert bitacora.consultar(store, admin, ooad="quintana-roo")["Acción"].tolist() == ["cuenta creada"]
    with pytest.raises(ErrorDominio, match="no puede ser anterior"):
        bitacora.consultar(store, admin, desde=dt.date(2026, 6, 16), hasta=dt.date(2026, 6, 15))
    assert {"finalización", "reapertura", "línea creada"} <= set(bitacora.acciones(store, admin))
    csv = exportar.csv_bytes(lineas).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Fecha y hora,Cuenta,Persona,Acción") and csv.count("línea creada") == 3
    libro = openpyxl.load_workbook(io.BytesIO(exportar.xlsx_bytes({"Bitácora": lineas})))
    assert libro["Bitácora"].max_row == 4


def test_bitacora_nunca_se_modifica_ni_se_borra():
    """Append-only: no source in core/ or ui/ (nor the schema) updates, deletes or truncates it."""
    patron = re.compile(
        r"\b(UPDATE\s+(OR\s+\w+\s+)?\"?auditoria\b|DELETE\s+FROM\s+\"?auditoria\b|TRUNCATE\s+(TABLE\s+)?\"?auditoria\b"
        r"|DROP\s+TABLE\s+(IF\s+EXISTS\s+)?\"?auditoria\b|ALTER\s+TABLE\s+\"?auditoria\b"
        r"|INSERT\s+OR\s+REPLACE\s+INTO\s+\"?auditoria\b)",
        re.IGNORECASE,
    )
    fuentes = [p for carpeta in ("core", "ui") for p in (RAIZ / carpeta).rglob("*") if p.suffix in (".py", ".sql")]
    fuentes.append(RAIZ / "app.py")
    assert len(fuentes) > 20
    culpables = [str(p.relative_to(RAIZ)) for p in fuentes if patron.search(p.read_text(encoding="utf-8"))]
    assert culpables == []
    # The scan itself would catch one.
    assert patron.search('tx.execute("DELETE FROM auditoria WHERE id = ?")')
    assert patron.search("UPDATE auditoria SET antes = NULL")


def test_bitacora_dice_que_cambio_en_palabras():
    assert (
        bitacora.describir_cambio('{"pacientes": 5, "tipo": "Excedente"}', '{"pacientes": 1200, "tipo": "Excedente"}')
        == "pacientes: 5 → 1,200"
    )
    assert bitacora.describir_cambio(None, '{"nombre": "Ana", "activa": true}') == "nombre: Ana; activa: sí"
    assert bitacora.describir_cambio('{"pacientes": 5}', None) == "Quitado: pacientes: 5"
    assert bitacora.describir_cambio(None, None) == ""
