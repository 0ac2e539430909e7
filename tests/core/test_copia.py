"""Copy forward (issue 12 §4): a period starts from the OOAD/UMAE's last final version of the previous one."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core.base import reloj
from core.base.errors import (
    AccesoDenegado,
    CapturaBloqueada,
    CapturaInvalida,
    ConfirmacionPendiente,
    ConflictoEdicion,
    ErrorDominio,
)
from core.capture import atipicos, borradores, captura, copia
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, HOY

ANTES = ANIO - 1
P = "Ana Pérez (Jefa de Servicio)"
HGZ6, HGZ35, HGZMF23, UMF13 = "IL-CH-0001", "IL-CH-0002", "IL-CH-0003", "IL-CH-0004"

# The previous final version of Chihuahua: (unit, row as typed in Paso 6).
VERSION_ANTERIOR = [
    (HGZ6, FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=250, fal_eventos=2989)),
    (HGZ6, FilaCaptura("LAB-0001", fal_causa="Carencia de Servicio", fal_pacientes=20, fal_eventos=20)),
    (HGZ35, FilaCaptura("47.01", exc_pacientes=5, exc_eventos=8, exc_ambito="Ambulatorio")),
    (HGZ35, FilaCaptura("LAB-0002", fal_causa="Falta de Insumos", fal_pacientes=15)),  # product retired
    (UMF13, FilaCaptura("51.23", exc_pacientes=3)),  # unit retired
    (HGZMF23, FilaCaptura("13.41", exc_pacientes=7)),  # unit moved to Quintana Roo
]


@pytest.fixture
def chi(store, cuenta):
    """Chihuahua finalized ANTES with VERSION_ANTERIOR; then the catalog changed; ANIO not started."""
    c = cuenta("chihuahua")
    ciclo.crear_periodo_sistema(store, ANTES, dt.date(ANTES, 6, 1), dt.date(ANTES, 6, 30))
    reloj.fijar(HOY.replace(year=ANTES))
    ciclo.declarar(store, c, P, ANTES, "SI")
    for unidad in dict.fromkeys(u for u, _ in VERSION_ANTERIOR):
        captura.guardar(store, c, P, ANTES, unidad, [f for u, f in VERSION_ANTERIOR if u == unidad])
    ciclo.finalizar(store, c, P, ANTES)
    reloj.fijar(HOY)
    with store.transaction() as tx:  # what a catalog import does (core.admin.importacion)
        tx.execute("UPDATE producto SET activo = FALSE WHERE clave = 'LAB-0002'")
        tx.execute("UPDATE unidad SET activa = FALSE WHERE clave = ?", [UMF13])
        tx.execute("UPDATE unidad SET ooad = 'quintana-roo' WHERE clave = ?", [HGZMF23])
    return c


def _lineas(store, anio: int) -> set[tuple]:
    return set(
        store.filas(
            "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM linea WHERE anio = ? AND ooad = ?",
            [anio, "chihuahua"],
        )
    )


def _auditoria(store) -> int:
    return store.valor("SELECT count(*) FROM auditoria")


def test_revisar_copia_lo_vigente_y_nombra_lo_que_salio_del_catalogo(store, chi):
    rev = copia.revisar(store, chi, P, ANIO)
    assert (rev.anio_origen, rev.version, rev.por_copiar) == (ANTES, 1, 3)
    fuera = {(r.unidad, r.producto): r.motivo for r in rev.fuera.itertuples()}
    assert fuera == {
        (HGZ35, "LAB-0002"): copia.PRODUCTO_FUERA,
        (UMF13, "51.23"): copia.UNIDAD_FUERA,
        (HGZMF23, "13.41"): copia.UNIDAD_AJENA,
    }
    por_unidad = rev.por_unidad().set_index("Unidad Médica")
    assert por_unidad.loc["HGZ 35, Ciudad Juárez", "Se copian"] == 1
    assert por_unidad.loc["HGZ 35, Ciudad Juárez", "No se copian"] == 1
    assert "LAB-0002 «Sodio (na) orina.»: el producto ya no está" in por_unidad.loc["HGZ 35, Ciudad Juárez"].iloc[-1]
    assert "3 se copian" in rev.describir() and "3 no se copian porque salieron del catálogo" in rev.describir()
    assert _lineas(store, ANIO) == set() and store.valor("SELECT count(*) FROM borrador") == 0  # reads only


def test_copiar_contesta_si_y_deja_las_lineas_como_borradores_de_la_persona(store, chi):
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.SIN_INICIAR
    rev = copia.copiar(store, chi, P, ANIO, confirmadas=3)
    e = ciclo.estado(store, ANIO, "chihuahua")
    assert (e.estado, e.respuesta) == (ciclo.EN_CAPTURA, "SI")
    assert rev.pendientes == 3 and rev.por_copiar == 0
    assert _lineas(store, ANIO) == set()  # nothing saved: drafts until Guardar
    pend = borradores.como_pendientes(borradores.listar(store, chi, P, ANIO))
    assert pend[HGZ6]["39.95"] == {
        "exc_pacientes": None,
        "exc_eventos": None,
        "exc_ambito": None,
        "fal_causa": "Falta de Equipo",
        "fal_pacientes": "250",
        "fal_eventos": "2989",
        "fal_ambito": "Ambulatorio",
        "version": None,
    }
    assert pend[HGZ35]["47.01"]["exc_pacientes"] == "5" and pend[HGZ35]["47.01"]["exc_ambito"] == "Ambulatorio"
    assert set(pend) == {HGZ6, HGZ35}
    (despues,) = store.filas(
        "SELECT despues FROM auditoria WHERE accion = ? AND anio = ? AND ooad = 'chihuahua' AND persona = ?",
        [copia.ACCION_COPIA, ANIO, P],
    )[0]
    registro = json.loads(despues)
    assert registro["copiadas"] == 3 and registro["origen"] == ANTES
    assert {(d["producto"], d["motivo"]) for d in registro["no_copiadas"]} == {
        ("LAB-0002", copia.PRODUCTO_FUERA),
        ("51.23", copia.UNIDAD_FUERA),
        ("13.41", copia.UNIDAD_AJENA),
    }
    assert store.valor("SELECT count(*) FROM auditoria WHERE accion = 'declaración' AND anio = ?", [ANIO]) == 1


def test_copiar_otra_vez_no_duplica_ni_a_otra_persona(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    antes = (store.filas("SELECT * FROM borrador ORDER BY ALL"), _auditoria(store))
    with pytest.raises(ErrorDominio, match="No queda nada por copiar"):
        copia.copiar(store, chi, P, ANIO, confirmadas=3)
    otra = copia.revisar(store, chi, "Luis Gómez", ANIO)
    assert otra.por_copiar == 0 and otra.contar(copia.DE_OTRA_PERSONA) == 3
    with pytest.raises(ErrorDominio, match="No queda nada por copiar"):
        copia.copiar(store, chi, "Luis Gómez", ANIO, confirmadas=0)
    assert (store.filas("SELECT * FROM borrador ORDER BY ALL"), _auditoria(store)) == antes


def test_copiar_exige_la_cuenta_confirmada(store, chi):
    with pytest.raises(ErrorDominio, match="ahora son 3 línea"):
        copia.copiar(store, chi, P, ANIO, confirmadas=5)
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.SIN_INICIAR
    assert store.valor("SELECT count(*) FROM borrador") == 0


def test_guardar_todo_en_una_transaccion_igual_a_la_version_anterior_menos_lo_que_salio(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    auditoria_antes = _auditoria(store)
    g = copia.guardar_todo(store, chi, P, ANIO)
    assert g.lineas == 3 and set(g.por_unidad) == {"HGZ 6, Ciudad Juárez", "HGZ 35, Ciudad Juárez"}
    anteriores = set(
        store.filas(
            "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM version_final_linea"
            " WHERE anio = ? AND ooad = 'chihuahua' AND version = 1",
            [ANTES],
        )
    )
    fuera = {(HGZ35, "LAB-0002"), (UMF13, "51.23"), (HGZMF23, "13.41")}
    assert _lineas(store, ANIO) == {f for f in anteriores if f[:2] not in fuera}
    acciones = [a for (a,) in store.filas("SELECT accion FROM auditoria WHERE id > ? ORDER BY id", [auditoria_antes])]
    assert sorted(acciones) == sorted(["línea creada"] * 3 + [copia.ACCION_GUARDADO])
    assert store.valor("SELECT count(*) FROM borrador") == 0
    with pytest.raises(ErrorDominio, match="ya tiene 3 línea"):  # saved: copying again adds nothing
        copia.copiar(store, chi, P, ANIO, confirmadas=0)


def test_guardar_todo_guarda_lo_cambiado_en_el_paso_6(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    borradores.guardar(
        store, chi, P, ANIO, HGZ35, {"47.01": {"exc_pacientes": "9", "exc_eventos": "12", "exc_ambito": "Hospitalario"}}
    )
    copia.guardar_todo(store, chi, P, ANIO)
    assert (HGZ35, "47.01", "Excedente", "Hospitalario", None, 9, 12) in _lineas(store, ANIO)


def test_guardar_todo_es_todo_o_nada_y_nombra_la_unidad(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    borradores.guardar(store, chi, P, ANIO, HGZ35, {"47.01": {"exc_pacientes": "1,5"}})
    antes = (_auditoria(store), store.filas("SELECT * FROM borrador ORDER BY ALL"))
    with pytest.raises(CapturaInvalida) as exc:
        copia.guardar_todo(store, chi, P, ANIO)
    assert exc.value.errores[0].startswith("HGZ 35, Ciudad Juárez: Producto 47.01")
    assert _lineas(store, ANIO) == set()  # HGZ 6 was valid, and is not saved either
    assert (_auditoria(store), store.filas("SELECT * FROM borrador ORDER BY ALL")) == antes


def test_guardar_todo_con_conflicto_no_guarda_nada(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    captura.guardar(store, chi, "Luis Gómez", ANIO, HGZ6, [FilaCaptura("39.95", exc_pacientes=4)])
    with pytest.raises(ConflictoEdicion, match="HGZ 6, Ciudad Juárez: Producto 39.95"):
        copia.guardar_todo(store, chi, P, ANIO)
    assert _lineas(store, ANIO) == {(HGZ6, "39.95", "Excedente", "Ambulatorio", None, 4, None)}  # Luis's only
    assert len(borradores.listar(store, chi, P, ANIO)) == 3  # the copied edits stay, to review


def test_guardar_todo_pide_confirmar_los_avisos_de_todas_las_unidades_una_vez(store, chi, monkeypatch):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    atipicas = {(HGZ6, "39.95"), (HGZ35, "47.01")}

    def revisar(store, cuenta, anio, unidad, lineas):  # stands for a product's national distribution
        return [
            atipicos.Aviso(
                unidad,
                unidad,
                x.producto,
                x.producto,
                x.tipo,
                atipicos.PACIENTES,
                x.pacientes,
                1,
                2,
                1.5,
                8,
                3,
                x.pacientes,
                x.eventos,
            )
            for x in lineas
            if (unidad, x.producto) in atipicas
        ]

    monkeypatch.setattr(atipicos, "revisar", revisar)
    antes = _auditoria(store)
    with pytest.raises(ConfirmacionPendiente) as exc:
        copia.guardar_todo(store, chi, P, ANIO)
    assert {(a.unidad, a.producto) for a in exc.value.avisos} == atipicas  # both units, asked once
    assert _lineas(store, ANIO) == set() and _auditoria(store) == antes
    copia.guardar_todo(store, chi, P, ANIO, confirmados=exc.value.avisos)
    assert len(_lineas(store, ANIO)) == 3
    n = store.valor("SELECT count(*) FROM auditoria WHERE accion = ?", [atipicos.ACCION_CONFIRMADA])
    assert n == 2


def test_una_unidad_se_guarda_desde_el_paso_6_y_guardar_todo_guarda_el_resto(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    pend = borradores.como_pendientes(borradores.listar(store, chi, P, ANIO))[HGZ35]
    filas = [FilaCaptura(p, **{c: v for c, v in f.items() if c != "version"}) for p, f in pend.items()]
    borradores.guardar_captura(store, chi, P, ANIO, HGZ35, filas)  # Paso 6 Guardar of one unit
    rev = copia.revisar(store, chi, P, ANIO)
    assert (rev.contar(copia.GUARDADA), rev.pendientes) == (1, 2)
    g = copia.guardar_todo(store, chi, P, ANIO)
    assert set(g.por_unidad) == {"HGZ 6, Ciudad Juárez"} and len(_lineas(store, ANIO)) == 3


def test_sin_lineas_copiadas_no_hay_nada_que_guardar(store, chi):
    ciclo.declarar(store, chi, P, ANIO, "SI")
    with pytest.raises(ErrorDominio, match="No tiene líneas copiadas sin guardar"):
        copia.guardar_todo(store, chi, P, ANIO)


def test_la_division_no_copia_ni_guarda(store, chi, cuenta):
    for quien in (cuenta("analista"), cuenta("admin"), None):
        for llamada in (
            lambda q: copia.revisar(store, q, P, ANIO),
            lambda q: copia.copiar(store, q, P, ANIO, confirmadas=3),
            lambda q: copia.guardar_todo(store, q, P, ANIO),
        ):
            with pytest.raises(AccesoDenegado):
                llamada(quien)
    assert store.valor("SELECT count(*) FROM borrador") == 0


def test_otra_ooad_solo_copia_la_suya(store, chi, cuenta):
    """Quintana Roo has no final version of the previous period (Chihuahua's is not its to copy)."""
    qroo = cuenta("quintana-roo")
    with pytest.raises(ErrorDominio, match="no finalizó el registro del periodo 2025"):
        copia.copiar(store, qroo, P, ANIO, confirmadas=3)
    assert store.valor("SELECT count(*) FROM borrador") == 0 and not _lineas(store, ANIO)


def test_sin_periodo_anterior(store, cuenta):
    with pytest.raises(ErrorDominio, match="No hay un periodo anterior al 2026"):
        copia.revisar(store, cuenta("chihuahua"), P, ANIO)


def test_version_anterior_con_respuesta_no(store, cuenta):
    c = cuenta("quintana-roo")
    ciclo.crear_periodo_sistema(store, ANTES, dt.date(ANTES, 6, 1), dt.date(ANTES, 6, 30))
    reloj.fijar(HOY.replace(year=ANTES))
    ciclo.declarar(store, c, P, ANTES, "NO")
    ciclo.finalizar(store, c, P, ANTES)
    reloj.fijar(HOY)
    with pytest.raises(ErrorDominio, match="contestó NO"):
        copia.revisar(store, c, P, ANIO)


def test_no_se_copia_fuera_de_la_ventana_ni_finalizado(store, chi):
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=1), dt.time(9)))
    with pytest.raises(CapturaBloqueada, match="cerró"):
        copia.copiar(store, chi, P, ANIO, confirmadas=3)
    reloj.fijar(HOY)
    ciclo.declarar(store, chi, P, ANIO, "NO")
    ciclo.finalizar(store, chi, P, ANIO)
    with pytest.raises(CapturaBloqueada, match="finalizó"):
        copia.copiar(store, chi, P, ANIO, confirmadas=3)
    assert store.valor("SELECT count(*) FROM borrador") == 0


def test_guardar_todo_fuera_de_la_ventana(store, chi):
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=1), dt.time(9)))
    with pytest.raises(CapturaBloqueada):
        copia.guardar_todo(store, chi, P, ANIO)
    assert _lineas(store, ANIO) == set()


def test_con_lineas_guardadas_ya_no_se_copia(store, chi):
    ciclo.declarar(store, chi, P, ANIO, "SI")
    captura.guardar(store, chi, P, ANIO, HGZ35, [FilaCaptura("47.09", exc_pacientes=2)])
    with pytest.raises(ErrorDominio, match="ya tiene 1 línea"):
        copia.copiar(store, chi, P, ANIO, confirmadas=3)
    assert store.valor("SELECT count(*) FROM borrador") == 0


def test_respuesta_no_sin_lineas_pasa_a_si_al_copiar(store, chi):
    ciclo.declarar(store, chi, P, ANIO, "NO")
    copia.copiar(store, chi, P, ANIO, confirmadas=3)
    assert ciclo.estado(store, ANIO, "chihuahua").respuesta == "SI"
