"""The one lifecycle model (core.lifecycle.acciones): for each action, state and account, whether it is
possible now and, if not, the reason and the error core raises. Every rule has a case that fails
without it; the writes raise exactly what the model says."""

from __future__ import annotations

import datetime as dt

import pytest

from core.admin.integridad import Hallazgo
from core.base import reloj
from core.base.errors import AccesoDenegado, CapturaBloqueada, ErrorDominio, TransicionInvalida
from core.capture import borradores, captura, reportes
from core.capture.captura import FilaCaptura
from core.lifecycle import acciones, ciclo, firmados, reaperturas, recepcion
from tests.conftest import ANIO, FIN, HOY, INICIO, pdf_firmado

P = "Persona de prueba"
HGZ6 = "IL-CH-0001"
OOAD = "chihuahua"

A = acciones
DE_LA_OOAD = (
    A.DECLARAR,
    A.BORRADOR,
    A.CAPTURAR,
    A.FINALIZAR,
    A.FIRMANTES,
    A.PRELIMINAR,
    A.VERSION_FINAL,
    A.SUBIR_FIRMADO,
    A.SOLICITAR_REAPERTURA,
    A.REABRIR,
    A.REGISTRAR_RECEPCION,
)
CAPTURA = (A.DECLARAR, A.BORRADOR, A.CAPTURAR, A.FINALIZAR)

# Reasons, by a fragment of their text.
CONSULTA = (AccesoDenegado, "su cuenta es de consulta")
DIVISION = (AccesoDenegado, "exclusiva de la División")
FINALIZADA = (CapturaBloqueada, "se finalizó el 15/06/2026 10:00:00 por Persona de prueba")
CERRADO = (CapturaBloqueada, "está cerrado por la División desde el 15/06/2026: la información solo puede consultarse")
INTEGRIDAD = (CapturaBloqueada, "revisión de integridad")
NO_INICIA = (CapturaBloqueada, "inicia el 01/06/2026")
YA_CERRO = (CapturaBloqueada, "cerró el 30/06/2026")
SIN_SI = (TransicionInvalida, "conteste SI en el Paso 2")
SIN_FINAL = (TransicionInvalida, "La Versión Final existe hasta que")
SIN_SUBIR = (TransicionInvalida, "Primero finalice el registro")
SIN_SOLICITAR = (TransicionInvalida, "después de finalizar")
YA_FINALIZO = (TransicionInvalida, "ya se finalizó: imprima la Versión Final")


def _en_captura(store, c, respuesta="SI", lineas=True):
    ciclo.declarar(store, c, P, ANIO, respuesta)
    if respuesta == "SI" and lineas:
        captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])


def _finalizada(store, c):
    _en_captura(store, c)
    ciclo.finalizar(store, c, P, ANIO)


def _firmada(store, c, tmp_path):
    _finalizada(store, c)
    firmados.subir(store, c, P, ANIO, OOAD, pdf_firmado(), "firmado.pdf", directorio=tmp_path)


def _cerrar(store, cuenta):
    ciclo.cerrar_periodo(store, cuenta("admin"), ANIO)


def _integridad_rota(store, ooad=OOAD):
    store.hallazgos = [Hallazgo("linea", "x", "pacientes=7", "pacientes=10", ooad, "alterada")]


def _comprobar(store, c, esperado: dict, ooad=OOAD) -> acciones.Acciones:
    """Every action: allowed (None) or refused with (error, fragment); exigir raises the same."""
    acc = acciones.posibles(store, c, ANIO, ooad)
    faltan = set(DE_LA_OOAD) - set(esperado)
    assert not faltan, f"el caso no dice qué pasa con {sorted(faltan)}"
    for accion in DE_LA_OOAD:
        a, quiero = acc[accion], esperado[accion]
        if quiero is None:
            assert a.permitida and a.motivo is None, f"{accion}: {a.motivo}"
            acciones.exigir(store, c, ANIO, ooad, accion)
            continue
        error, fragmento = quiero
        assert not a.permitida, f"{accion} permitida; se esperaba {fragmento!r}"
        assert a.error is error and fragmento in a.motivo, f"{accion}: {a.error.__name__}: {a.motivo}"
        with pytest.raises(error) as exc:
            acciones.exigir(store, c, ANIO, ooad, accion)
        assert str(exc.value) == a.motivo
    return acc


def _todas(valor) -> dict:
    return dict.fromkeys(DE_LA_OOAD, valor)


# -- the capturista of the OOAD/UMAE, state by state ------------------------------------------------


def test_sin_iniciar(store, cuenta):
    acc = _comprobar(
        store,
        cuenta(OOAD),
        _todas(None)
        | {
            A.CAPTURAR: SIN_SI,
            A.FINALIZAR: (TransicionInvalida, "Antes de finalizar conteste la pregunta del Paso 2"),
            A.VERSION_FINAL: SIN_FINAL,
            A.SUBIR_FIRMADO: SIN_SUBIR,
            A.SOLICITAR_REAPERTURA: SIN_SOLICITAR,
            A.REABRIR: DIVISION,
            A.REGISTRAR_RECEPCION: DIVISION,
        },
    )
    assert acc.estado.estado == ciclo.SIN_INICIAR and acc.periodo == ciclo.periodo(store, ANIO)


def test_en_captura_con_si_y_sin_lineas_no_finaliza(store, cuenta):
    c = cuenta(OOAD)
    _en_captura(store, c, lineas=False)
    _comprobar(
        store,
        c,
        _todas(None)
        | {
            A.FINALIZAR: (TransicionInvalida, "no hay ninguna línea guardada"),
            A.VERSION_FINAL: SIN_FINAL,
            A.SUBIR_FIRMADO: SIN_SUBIR,
            A.SOLICITAR_REAPERTURA: SIN_SOLICITAR,
            A.REABRIR: DIVISION,
            A.REGISTRAR_RECEPCION: DIVISION,
        },
    )


def test_en_captura_con_si_y_lineas(store, cuenta):
    c = cuenta(OOAD)
    _en_captura(store, c)
    en_captura = _todas(None) | {
        A.VERSION_FINAL: SIN_FINAL,
        A.SUBIR_FIRMADO: SIN_SUBIR,
        A.SOLICITAR_REAPERTURA: SIN_SOLICITAR,
        A.REABRIR: DIVISION,
        A.REGISTRAR_RECEPCION: DIVISION,
    }
    assert _comprobar(store, c, en_captura).estado.estado == ciclo.EN_CAPTURA


def test_en_captura_con_no_finaliza_pero_no_captura_lineas(store, cuenta):
    c = cuenta(OOAD)
    _en_captura(store, c, "NO")
    _comprobar(
        store,
        c,
        _todas(None)
        | {
            A.CAPTURAR: SIN_SI,
            A.VERSION_FINAL: SIN_FINAL,
            A.SUBIR_FIRMADO: SIN_SUBIR,
            A.SOLICITAR_REAPERTURA: SIN_SOLICITAR,
            A.REABRIR: DIVISION,
            A.REGISTRAR_RECEPCION: DIVISION,
        },
    )


FINALIZADO = (
    _todas(None)
    | dict.fromkeys(CAPTURA, FINALIZADA)
    | {
        A.PRELIMINAR: YA_FINALIZO,
        A.REABRIR: DIVISION,
        A.REGISTRAR_RECEPCION: DIVISION,
    }
)


def test_finalizado(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    acc = _comprobar(store, c, FINALIZADO)
    assert "solicite a la División la reapertura" in acc.declarar.motivo


def test_firmado_ya_no_cambia_firmantes(store, cuenta, tmp_path):
    c = cuenta(OOAD)
    _firmada(store, c, tmp_path)
    acc = _comprobar(
        store, c, FINALIZADO | {A.FIRMANTES: (TransicionInvalida, "los firmantes ya no se pueden cambiar")}
    )
    assert acc.estado.estado == ciclo.FIRMADO


def test_con_una_solicitud_en_espera_no_se_pide_otra(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    reaperturas.solicitar(store, c, P, ANIO, "Corregir una cantidad capturada por error")
    _comprobar(
        store,
        c,
        FINALIZADO | {A.SOLICITAR_REAPERTURA: (TransicionInvalida, "Ya hay una solicitud de reapertura en espera")},
    )


def test_reabierta_vuelve_a_capturar_y_su_version_anterior_no_es_la_vigente(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    ciclo.reabrir(store, cuenta("admin"), ANIO, OOAD, "Corregir una cantidad capturada por error")
    acc = _comprobar(
        store,
        c,
        _todas(None)
        | {
            A.VERSION_FINAL: SIN_FINAL,
            A.SUBIR_FIRMADO: SIN_SUBIR,
            A.SOLICITAR_REAPERTURA: SIN_SOLICITAR,
            A.REABRIR: DIVISION,
            A.REGISTRAR_RECEPCION: DIVISION,
        },
    )
    assert acc.estado.version_final == 1
    with pytest.raises(TransicionInvalida, match="existe hasta que"):
        reportes.final(store, c, ANIO, OOAD)
    assert reportes.final(store, c, ANIO, OOAD, version=1)[1].startswith(b"%PDF")  # history stays readable


# -- the period: its window, its closing ------------------------------------------------------------


@pytest.mark.parametrize(
    "dia,motivo", [(INICIO - dt.timedelta(days=1), NO_INICIA), (FIN + dt.timedelta(days=1), YA_CERRO)]
)
def test_fuera_de_la_ventana_solo_la_captura_se_cierra(store, cuenta, dia, motivo):
    c = cuenta(OOAD)
    _en_captura(store, c)
    reloj.fijar(dt.datetime.combine(dia, dt.time(9)))
    _comprobar(
        store,
        c,
        _todas(None)
        | dict.fromkeys(CAPTURA, motivo)
        | {
            A.VERSION_FINAL: SIN_FINAL,
            A.SUBIR_FIRMADO: SIN_SUBIR,
            A.SOLICITAR_REAPERTURA: SIN_SOLICITAR,
            A.REABRIR: DIVISION,
            A.REGISTRAR_RECEPCION: DIVISION,
        },
    )


def test_la_ventana_incluye_sus_dos_dias(store, cuenta):
    c = cuenta(OOAD)
    for dia in (INICIO, FIN):
        reloj.fijar(dt.datetime.combine(dia, dt.time(23, 59)))
        assert acciones.posibles(store, c, ANIO, OOAD).declarar.permitida


def test_fuera_de_la_ventana_lo_finalizado_se_sube_y_se_pide_reabrir(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=3), dt.time(9)))
    _comprobar(store, c, FINALIZADO)  # finalized is said before the window


def test_periodo_cerrado(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    _cerrar(store, cuenta)
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=3), dt.time(9)))  # closed is said before the window
    _comprobar(
        store,
        c,
        dict.fromkeys(CAPTURA, CERRADO)
        | {
            A.FIRMANTES: (CapturaBloqueada, "está cerrado por la División desde el 15/06/2026: los firmantes ya no"),
            A.PRELIMINAR: YA_FINALIZO,
            A.VERSION_FINAL: None,
            A.SUBIR_FIRMADO: (
                CapturaBloqueada,
                "está cerrado por la División desde el 15/06/2026: ya no se pueden subir",
            ),
            A.SOLICITAR_REAPERTURA: (
                CapturaBloqueada,
                "está cerrado por la División desde el 15/06/2026: ya no se puede reabrir",
            ),
            A.REABRIR: DIVISION,
            A.REGISTRAR_RECEPCION: DIVISION,
        },
    )
    admin = cuenta("admin")
    _comprobar(
        store,
        admin,
        dict.fromkeys((*CAPTURA, A.FIRMANTES, A.SUBIR_FIRMADO, A.SOLICITAR_REAPERTURA), CONSULTA)
        | {
            A.PRELIMINAR: YA_FINALIZO,
            A.VERSION_FINAL: None,
            A.REABRIR: (CapturaBloqueada, "ya no se puede reabrir"),
            A.REGISTRAR_RECEPCION: (CapturaBloqueada, "ya no se registran recepciones"),
        },
    )


def test_acciones_del_periodo(store, cuenta):
    admin = cuenta("admin")
    p = acciones.del_periodo(store, admin, ANIO)
    assert p.cambiar_ventana.permitida and p.cerrar_periodo.permitida and not p.periodo.cerrado
    assert p.reabrir.permitida and p.registrar_recepcion.permitida
    _cerrar(store, cuenta)
    p = acciones.del_periodo(store, admin, ANIO)
    assert (p.cambiar_ventana.error, p.cerrar_periodo.error) == (CapturaBloqueada, TransicionInvalida)
    assert "ya no se puede reabrir" in p.reabrir.motivo and p.reabrir.error is CapturaBloqueada
    assert "ya no se registran recepciones" in p.registrar_recepcion.motivo
    assert "su ventana de registro ya no cambia" in p.cambiar_ventana.motivo
    assert p.cerrar_periodo.motivo == f"El periodo {ANIO} ya está cerrado."
    with pytest.raises(CapturaBloqueada, match="ya no cambia"):
        acciones.exigir(store, admin, ANIO, None, A.CAMBIAR_VENTANA)
    for quien in ("analista", OOAD):
        with pytest.raises(AccesoDenegado):
            acciones.del_periodo(store, cuenta(quien), ANIO)
        for accion in (A.CAMBIAR_VENTANA, A.CERRAR_PERIODO):
            with pytest.raises(AccesoDenegado):
                acciones.exigir(store, cuenta(quien), ANIO, None, accion)


# -- the integrity lock -------------------------------------------------------------------------------


def test_integridad_bloquea_la_captura_de_su_ooad_antes_que_todo(store, cuenta):
    c = cuenta(OOAD)
    _en_captura(store, c)
    _cerrar(store, cuenta)  # the integrity lock is said first, even before the closed period
    _integridad_rota(store)
    acc = acciones.posibles(store, c, ANIO, OOAD)
    for accion in CAPTURA:
        assert acc[accion].error is CapturaBloqueada and "revisión de integridad" in acc[accion].motivo
    assert ciclo.motivo_bloqueo(store, ANIO, OOAD) == acc.declarar.motivo
    assert CERRADO[1] in acciones.posibles(store, cuenta("quintana-roo"), ANIO, "quintana-roo").declarar.motivo


def test_integridad_de_otra_ooad_no_bloquea(store, cuenta):
    c = cuenta(OOAD)
    _en_captura(store, c)
    _integridad_rota(store, "quintana-roo")
    assert acciones.posibles(store, c, ANIO, OOAD).capturar.permitida
    _integridad_rota(store, None)  # a finding of the whole database locks every OOAD/UMAE
    assert acciones.posibles(store, c, ANIO, OOAD).capturar.motivo.startswith("La revisión de integridad")


def test_integridad_antes_que_lo_finalizado(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    _integridad_rota(store)
    # The signed upload too: a signature must not cover figures that differ from the bitácora.
    _comprobar(store, c, FINALIZADO | dict.fromkeys((*CAPTURA, acciones.SUBIR_FIRMADO), INTEGRIDAD))


# -- who: the account, never the page -------------------------------------------------------------------


def test_la_division_consulta_y_solo_el_admin_reabre_y_registra_la_recepcion(store, cuenta):
    _finalizada(store, cuenta(OOAD))
    de_la_ooad = (*CAPTURA, A.FIRMANTES, A.SUBIR_FIRMADO, A.SOLICITAR_REAPERTURA)
    division = dict.fromkeys(de_la_ooad, CONSULTA) | {A.PRELIMINAR: YA_FINALIZO, A.VERSION_FINAL: None}
    _comprobar(store, cuenta("analista"), division | {A.REABRIR: DIVISION, A.REGISTRAR_RECEPCION: DIVISION})
    _comprobar(store, cuenta("admin"), division | {A.REABRIR: None, A.REGISTRAR_RECEPCION: None})


def test_el_admin_no_reabre_ni_registra_lo_no_finalizado(store, cuenta):
    _en_captura(store, cuenta(OOAD))
    acc = acciones.posibles(store, cuenta("admin"), ANIO, OOAD)
    assert (acc.reabrir.error, acc.registrar_recepcion.error) == (TransicionInvalida, TransicionInvalida)
    assert "Solo se reabre una OOAD/UMAE que ya finalizó" in acc.reabrir.motivo
    assert "Solo se registra la recepción" in acc.registrar_recepcion.motivo
    assert acc.preliminar.permitida and not acc.version_final.permitida


def test_otra_ooad_no_ve_ni_hace_nada(store, cuenta):
    _en_captura(store, cuenta(OOAD))
    intruso = cuenta("quintana-roo")
    with pytest.raises(AccesoDenegado, match="propia OOAD/UMAE"):
        acciones.posibles(store, intruso, ANIO, OOAD)
    for accion in DE_LA_OOAD:
        with pytest.raises(AccesoDenegado):
            acciones.exigir(store, intruso, ANIO, OOAD, accion)
    with pytest.raises(AccesoDenegado, match="capturar información de su propia OOAD/UMAE"):
        acciones.exigir(store, intruso, ANIO, OOAD, A.DECLARAR)


def test_sin_sesion_nada(store):
    with pytest.raises(AccesoDenegado, match="Inicie sesión"):
        acciones.posibles(store, None, ANIO, OOAD)
    for accion in DE_LA_OOAD:
        with pytest.raises(AccesoDenegado, match="Inicie sesión"):
            acciones.exigir(store, None, ANIO, OOAD, accion)


def test_el_permiso_se_dice_antes_que_el_estado(store, cuenta):
    _cerrar(store, cuenta)
    assert acciones.posibles(store, cuenta("analista"), ANIO, OOAD).declarar.error is AccesoDenegado


def test_periodo_inexistente(store, cuenta):
    with pytest.raises(ErrorDominio, match="No existe el periodo 2031"):
        acciones.posibles(store, cuenta(OOAD), 2031, OOAD)


# -- the writes raise from the model: the same error and the same words ---------------------------------


def _igual(store, c, accion, llamada, ooad=OOAD):
    motivo = acciones.posibles(store, c, ANIO, ooad)[accion]
    assert not motivo.permitida
    with pytest.raises(motivo.error) as exc:
        llamada()
    assert str(exc.value) == motivo.motivo


def test_las_escrituras_de_la_captura_dicen_lo_que_dice_el_modelo(store, cuenta):
    c = cuenta(OOAD)
    _igual(
        store, c, A.CAPTURAR, lambda: captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    )
    _igual(store, c, A.FINALIZAR, lambda: ciclo.finalizar(store, c, P, ANIO))
    _finalizada(store, c)
    _igual(store, c, A.DECLARAR, lambda: ciclo.declarar(store, c, P, ANIO, "NO", lineas_a_borrar=1))
    _igual(store, c, A.BORRADOR, lambda: borradores.guardar(store, c, P, ANIO, HGZ6, {"47.09": {"exc_pacientes": "3"}}))
    _igual(store, c, A.PRELIMINAR, lambda: reportes.preliminar(store, c, ANIO, OOAD))


def test_las_escrituras_del_final_dicen_lo_que_dice_el_modelo(store, cuenta, tmp_path):
    c, admin = cuenta(OOAD), cuenta("admin")
    _en_captura(store, c)
    _igual(store, c, A.SUBIR_FIRMADO, lambda: firmados.subir(store, c, P, ANIO, OOAD, pdf_firmado(), "f.pdf", tmp_path))
    _igual(store, c, A.SOLICITAR_REAPERTURA, lambda: reaperturas.solicitar(store, c, P, ANIO, "Motivo suficiente"))
    _igual(store, admin, A.REABRIR, lambda: ciclo.reabrir(store, admin, ANIO, OOAD, "Motivo suficiente"))
    _igual(
        store,
        admin,
        A.REGISTRAR_RECEPCION,
        lambda: recepcion.registrar(store, admin, ANIO, OOAD, HOY.date(), "Oficialía de partes"),
    )
    _igual(store, c, A.VERSION_FINAL, lambda: reportes.final(store, c, ANIO, OOAD))
    ciclo.finalizar(store, c, P, ANIO)
    firmados.subir(store, c, P, ANIO, OOAD, pdf_firmado(), "f.pdf", directorio=tmp_path)
    _igual(store, c, A.FIRMANTES, lambda: reportes.guardar_firmantes(store, c, P, ANIO, [("Nombre Apellido", "Cargo")]))
    reaperturas.solicitar(store, c, P, ANIO, "Corregir una cantidad capturada por error")
    _igual(store, c, A.SOLICITAR_REAPERTURA, lambda: reaperturas.solicitar(store, c, P, ANIO, "Otro motivo suficiente"))
    _cerrar(store, cuenta)
    _igual(store, admin, A.REABRIR, lambda: reaperturas.reabrir(store, admin, ANIO, OOAD, "Motivo suficiente"))


def test_las_acciones_del_periodo_dicen_lo_que_dice_el_modelo(store, cuenta):
    admin = cuenta("admin")
    _cerrar(store, cuenta)
    p = acciones.del_periodo(store, admin, ANIO)
    with pytest.raises(CapturaBloqueada) as exc:
        ciclo.cambiar_ventana(store, admin, ANIO, INICIO, FIN + dt.timedelta(days=3))
    assert str(exc.value) == p.cambiar_ventana.motivo
    with pytest.raises(TransicionInvalida) as exc:
        ciclo.cerrar_periodo(store, admin, ANIO)
    assert str(exc.value) == p.cerrar_periodo.motivo


def test_motivo_bloqueo_es_el_del_modelo(store, cuenta):
    c = cuenta(OOAD)
    assert ciclo.motivo_bloqueo(store, ANIO, OOAD) is None is acciones.motivo_captura(store, ANIO, OOAD)
    _finalizada(store, c)
    assert ciclo.motivo_bloqueo(store, ANIO, OOAD) == acciones.posibles(store, c, ANIO, OOAD).declarar.motivo


def test_el_modelo_no_escribe(store, cuenta):
    c = cuenta(OOAD)
    _finalizada(store, c)
    antes = store.valor("SELECT count(*) FROM auditoria")
    for quien in (OOAD, "analista", "admin"):
        acciones.posibles(store, cuenta(quien), ANIO, OOAD)
    acciones.del_periodo(store, cuenta("admin"), ANIO)
    assert store.valor("SELECT count(*) FROM auditoria") == antes


def test_posibles_varias_dice_lo_mismo_que_posibles_de_cada_una(store, cuenta, tmp_path):
    """The tablero's bulk read (one query for the period, one for the states) decides as posibles does."""
    _firmada(store, cuenta(OOAD), tmp_path)
    ciclo.declarar(store, cuenta("quintana-roo"), P, ANIO, "NO")
    ooads = [OOAD, "quintana-roo", "campeche"]  # firmada, en captura con NO, sin iniciar
    for quien in ("analista", "admin"):
        c = cuenta(quien)
        varias = acciones.posibles_varias(store, c, ANIO, ooads)
        assert varias == {o: acciones.posibles(store, c, ANIO, o) for o in ooads}
        assert varias["campeche"].estado.estado == ciclo.SIN_INICIAR
    propia = cuenta("quintana-roo")
    assert acciones.posibles_varias(store, propia, ANIO, ["quintana-roo"]) == {
        "quintana-roo": acciones.posibles(store, propia, ANIO, "quintana-roo")
    }
    with pytest.raises(AccesoDenegado, match="propia OOAD/UMAE"):
        acciones.posibles_varias(store, propia, ANIO, ["quintana-roo", OOAD])
