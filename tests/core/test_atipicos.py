"""Soft warnings for outlying figures (core/capture/atipicos.py).

The national distribution: the shipped catalog and, for the 15 products of the guide's sample report
(HGZ 35's 14 laboratory Faltantes and HGZ 6's hemodialysis), lines of units of every other OOAD/UMAE
over three periods. Monthly patients are log-normal around a median of each product (unit sizes
spread them over orders of magnitude: the middle half of the units within a factor of about 3);
laboratory tests are one event per patient (15 % repeated once); hemodialysis is 2 to 3 sessions a
week (8 to 13.5 events per patient). The database is built once per module and copied for each test.
Each rule has a test that fails without it.
"""

from __future__ import annotations

import io
import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from core import demo
from core.accounts import cuentas
from core.base import reloj
from core.base.errors import AccesoDenegado, ConfirmacionPendiente
from core.base.store import Store
from core.capture import atipicos, borradores, captura, catalogo, plantilla
from core.capture.atipicos import EVENTOS, PACIENTES, RAZON
from core.capture.captura import FilaCaptura, LineaValida
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, HOY, INICIO, copiar_base

HGZ6, HGZ35 = "IL-CH-0001", "IL-CH-0002"  # Chihuahua's units in the guide's sample report
HEMO = "HEM-0001"  # «Procedimiento de hemodiálisis con reuso de dializador…»
PROCALCITONINA = "LAB-0001"
LIBRE = "39.95"  # Hemodiálisis (CIE-9): no background lines, for the tests that build their own
P = "Persona de prueba"
SEMILLA = 12


def _guia(store: Store) -> tuple[list[FilaCaptura], FilaCaptura]:
    """The guide's 15 sample lines as core/demo.py saves them."""
    labs = [
        FilaCaptura(demo._producto(store, n), fal_causa=c, fal_eventos=ev, fal_pacientes=pa, fal_ambito="Ambulatorio")
        for n, c, ev, pa in demo.LABORATORIO_GUIA
    ]
    hemo = FilaCaptura(
        HEMO, fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989, fal_ambito="Ambulatorio"
    )
    return labs, hemo


def _validas(filas: list[FilaCaptura]) -> list[LineaValida]:
    """The lines rows stand for, validated by the capture rules as captura.guardar does."""
    lineas = []
    for f in filas:
        linea, errores = captura.validar_fila(f, f.producto, "Ambulatorio")
        assert not errores, errores
        lineas.append(linea)
    return lineas


def _insertar(store: Store, filas: list[tuple]) -> None:
    """Lines (anio, unidad, producto, tipo, pacientes, eventos) inserted as saved lines."""
    df = pd.DataFrame(filas, columns=["anio", "unidad", "producto", "tipo", "pacientes", "eventos"])
    df["eventos"] = df["eventos"].astype("Int64")

    def trabajo(tx):
        tx.register("nuevas", df)
        tx.execute(
            "INSERT INTO linea (anio, ooad, unidad, producto, tipo, ambito, causa, pacientes, eventos,"
            " modificada_en, modificada_por)"
            " SELECT n.anio, u.ooad, n.unidad, n.producto, n.tipo, 'Ambulatorio',"
            " CASE WHEN n.tipo = 'Faltante' THEN 'Falta de Equipo' END, n.pacientes, n.eventos, ?, 'prueba'"
            " FROM nuevas n JOIN unidad u ON u.clave = n.unidad",
            [reloj.ahora()],
        )
        tx.unregister("nuevas")

    store.escribir(trabajo)


def _fondo(store: Store) -> None:
    rng = np.random.default_rng(SEMILLA)
    unidades = [
        u for (u,) in store.filas("SELECT clave FROM unidad WHERE ooad <> 'chihuahua' AND activa ORDER BY clave")
    ]
    labs, hemo = _guia(store)
    filas = []

    def lineas(producto: str, grupos: list[tuple[str, int, float, float]], razon) -> None:
        """Lines of one product at distinct units: (kind, how many, median patients, log spread)."""
        elegidas = iter(rng.choice(len(unidades), size=sum(g[1] for g in grupos), replace=False))
        for tipo, n, mediana, sigma in grupos:
            for k in range(n):
                pacientes = max(1, round(mediana * math.exp(sigma * rng.standard_normal())))
                filas.append(
                    (ANIO - k % 3, unidades[next(elegidas)], producto, tipo, pacientes, round(pacientes * razon()))
                )

    def lab_razon():
        return 2 if rng.random() < 0.15 else 1

    for f in labs:
        mediana = 40 * math.exp(0.4 * rng.standard_normal())
        lineas(f.producto, [("Faltante", 45, mediana, 0.9), ("Excedente", 15, mediana * 1.5, 0.9)], lab_razon)
    lineas(hemo.producto, [("Faltante", 45, 120, 0.7), ("Excedente", 12, 40, 0.7)], lambda: rng.uniform(8, 13.5))
    _insertar(store, filas)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    reloj.fijar(HOY)
    ruta = tmp_path_factory.mktemp("atipicos") / "base.duckdb"
    store = Store(ruta)
    with store.transaction() as tx:
        catalogo.cargar(tx, catalogo.leer_directorio(catalogo.CATALOGO_DIR))
    ciclo.crear_periodo_sistema(store, ANIO, INICIO, FIN)
    h = cuentas.hash_password("clave-de-prueba", costo=4)
    for ooad in ("chihuahua", "quintana-roo"):
        cuentas.crear(store, ooad, f"Capturista {ooad}", "capturista", ooad, hash_=h)
    cuentas.crear(store, "analista", "Analista", "analista", hash_=h)
    cuentas.crear(store, "admin", "Admin", "admin", hash_=h)
    _fondo(store)
    store.close()
    reloj.fijar(None)
    return ruta


@pytest.fixture
def store(base, tmp_path):
    copia = tmp_path / "eyf.duckdb"
    copiar_base(base, copia)
    s = Store(copia, asentar=False)  # no checkpoint after each write: a throwaway copy
    yield s
    s.close()


@pytest.fixture
def cuenta(store):
    return lambda usuario: cuentas.obtener(store, usuario)


def _una_por_ooad(store: Store, n: int, excluir: tuple[str, ...] = ("chihuahua",)) -> list[str]:
    """One unit in each of n different OOAD/UMAE."""
    filas = store.filas(
        "SELECT ooad, min(clave) FROM unidad WHERE activa AND NOT list_contains(?, ooad) GROUP BY ooad ORDER BY ooad",
        [list(excluir)],
    )
    assert len(filas) >= n
    return [u for _, u in filas[:n]]


def _referencia(store: Store, producto: str, tipo: str | None, cifra: str) -> tuple[float, float, float]:
    """Median and bounds recomputed with numpy from the raw lines of this period and earlier ones."""
    df = store.df("SELECT tipo, pacientes, eventos FROM linea WHERE producto = ? AND anio <= ?", [producto, ANIO])
    if tipo:
        df = df[df["tipo"] == tipo]
    if cifra == PACIENTES:
        v = np.log(df["pacientes"].astype(float))
    elif cifra == EVENTOS:
        v = np.log(df["eventos"].dropna().astype(float))
    else:
        d = df.dropna(subset=["eventos"])
        v = np.log(d["eventos"].astype(float) / d["pacientes"].astype(float))
    centro = float(np.median(v))
    mad = float(np.median(np.abs(v - centro)))
    radio = max(3.5 / 0.6745 * mad, math.log(5 if cifra == RAZON else 10))
    return math.exp(centro), math.exp(centro - radio), math.exp(centro + radio)


def _fila(producto: str, tipo: str, pacientes: int, eventos: int | None = None) -> LineaValida:
    causa = "Falta de Equipo" if tipo == "Faltante" else None
    return LineaValida(producto, tipo, "Ambulatorio", causa, pacientes, eventos)


# -- the guide's sample lines -------------------------------------------------------------------
def test_las_15_lineas_de_la_guia_no_avisan(store, cuenta):
    chihuahua = cuenta("chihuahua")
    labs, hemo = _guia(store)
    assert len(labs) == 14 and (hemo.fal_eventos, hemo.fal_pacientes) == (2989, 250)
    assert atipicos.revisar(store, chihuahua, ANIO, HGZ35, _validas(labs)) == []
    assert atipicos.revisar(store, chihuahua, ANIO, HGZ6, _validas([hemo])) == []
    # ... and not because their products went unchecked: far larger figures (the labs) or far smaller
    # ones (the hemodialysis, ratio kept) warn on both figures of each of the 15.
    grandes = [_fila(f.producto, "Faltante", 50_000, 50_000) for f in labs]
    avisos = atipicos.revisar(store, chihuahua, ANIO, HGZ35, grandes)
    assert {(a.producto, a.cifra) for a in avisos} == {(f.producto, c) for f in labs for c in (PACIENTES, EVENTOS)}
    assert all(a.alto for a in avisos)
    chicas = atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(HEMO, "Faltante", 2, 24)])
    assert [(a.cifra, a.alto) for a in chicas] == [(PACIENTES, False), (EVENTOS, False)]


def test_cien_veces_la_mediana_avisa_con_el_rango_de_su_distribucion(store, cuenta):
    mediana, bajo, alto = _referencia(store, PROCALCITONINA, "Faltante", PACIENTES)
    valor = round(mediana * 100)
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [_fila(PROCALCITONINA, "Faltante", valor)])
    assert len(avisos) == 1
    a = avisos[0]
    assert (a.unidad, a.producto, a.tipo, a.cifra, a.valor) == (HGZ35, PROCALCITONINA, "Faltante", PACIENTES, valor)
    assert a.mediana == pytest.approx(mediana) and a.minimo == pytest.approx(bajo) and a.maximo == pytest.approx(alto)
    assert (a.lineas, a.ooads) == (
        45,
        len(set(store.filas("SELECT ooad FROM linea WHERE producto = ? AND tipo = 'Faltante'", [PROCALCITONINA]))),
    )
    limites = (math.ceil(bajo), math.floor(alto))
    assert a.limites == limites
    assert a.rango == f"entre {limites[0]:,} y {limites[1]:,}"
    assert f"{valor:,} pacientes mensuales" in a.mensaje and "muy por encima" in a.mensaje
    assert a.rango in a.mensaje and "Procalcitonina" in a.mensaje and "Confirme" in a.mensaje
    # The range's upper figure is the largest that does not warn.
    for pacientes, avisa in ((limites[1], False), (limites[1] + 1, True)):
        r = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [_fila(PROCALCITONINA, "Faltante", pacientes)])
        assert bool(r) is avisa, pacientes


def test_el_rango_de_los_eventos_es_el_de_los_eventos(store, cuenta):
    mediana, bajo, alto = _referencia(store, PROCALCITONINA, "Faltante", EVENTOS)
    fila = _fila(PROCALCITONINA, "Faltante", round(mediana), round(alto) * 3)
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [fila])
    assert [a.cifra for a in avisos] == [EVENTOS, RAZON]
    assert avisos[0].maximo == pytest.approx(alto) and avisos[0].mediana == pytest.approx(mediana)


# -- the ratio eventos / pacientes ----------------------------------------------------------------
def test_la_razon_de_eventos_por_paciente_avisa_sola(store, cuenta):
    """Usual patients and events, but 15 events a patient for a test done once: only the ratio warns."""
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [_fila(PROCALCITONINA, "Faltante", 40, 600)])
    assert [(a.cifra, a.alto) for a in avisos] == [(RAZON, True)]
    a = avisos[0]
    mediana, bajo, alto = _referencia(store, PROCALCITONINA, None, RAZON)
    assert a.valor == pytest.approx(15.0) and a.maximo == pytest.approx(alto) and a.mediana == pytest.approx(mediana)
    assert a.rango == f"entre 1.0 y {math.ceil(alto * 10) / 10:,.1f} eventos por paciente"
    assert "15.0 eventos por paciente (600 eventos mensuales para 40 pacientes mensuales)" in a.mensaje


def test_la_razon_es_la_de_cada_producto(store, cuenta):
    """Hemodialysis is about 12 sessions a patient a month: 1 a patient is what is unusual there."""
    chihuahua = cuenta("chihuahua")
    assert atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(HEMO, "Faltante", 250, 2989)]) == []
    avisos = atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(HEMO, "Faltante", 250, 250)])
    assert [(a.cifra, a.alto) for a in avisos] == [(RAZON, False)]
    assert "muy por debajo" in avisos[0].mensaje and avisos[0].mediana > 8


def test_la_razon_junta_excedentes_y_faltantes(store, cuenta):
    """No Excedente line of the product yet: its figures go unchecked, its ratio is checked against
    the product's Faltantes (the sessions a patient needs do not depend on the kind)."""
    unidades = _una_por_ooad(store, 8)
    _insertar(store, [(ANIO, u, LIBRE, "Faltante", 30, 360) for u in unidades])
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, [_fila(LIBRE, "Excedente", 3000, 3000)])
    assert [(a.cifra, a.tipo) for a in avisos] == [(RAZON, "Excedente")]


def test_las_cantidades_se_comparan_dentro_de_su_tipo(store, cuenta):
    unidades = _una_por_ooad(store, 16)
    _insertar(
        store,
        [(ANIO, u, LIBRE, "Faltante", 1000, None) for u in unidades[:8]]
        + [(ANIO, u, LIBRE, "Excedente", 10, None) for u in unidades[8:]],
    )
    chihuahua = cuenta("chihuahua")
    assert atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(LIBRE, "Faltante", 1000)]) == []
    avisos = atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(LIBRE, "Excedente", 1000)])
    assert [(a.cifra, a.rango) for a in avisos] == [(PACIENTES, "entre 1 y 100")]


# -- the guards: minimum sample, floor of the range ---------------------------------------------
def test_sin_muestra_minima_de_lineas_no_hay_aviso(store, cuenta):
    unidades = _una_por_ooad(store, 8)
    fila = [_fila(LIBRE, "Faltante", 3000, 3000)]
    _insertar(store, [(ANIO, u, LIBRE, "Faltante", 30, 30) for u in unidades[:7]])
    assert atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila) == []
    _insertar(store, [(ANIO, unidades[7], LIBRE, "Faltante", 30, 30)])
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila)
    assert [a.cifra for a in avisos] == [PACIENTES, EVENTOS] and avisos[0].lineas == 8


def test_sin_tres_ooad_no_hay_aviso(store, cuenta):
    dos = store.filas(
        "SELECT clave FROM unidad WHERE ooad IN ('jalisco', 'mexico-oriente') AND activa ORDER BY ooad, clave"
    )
    jalisco = [u for (u,) in dos if u.startswith("IL-JC")][:5]
    oriente = [u for (u,) in dos if u.startswith("IL-MCO")][:5]
    assert len(jalisco) == len(oriente) == 5
    _insertar(store, [(ANIO, u, LIBRE, "Faltante", 30, None) for u in jalisco + oriente])
    fila = [_fila(LIBRE, "Faltante", 3000)]
    assert atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila) == []
    _insertar(store, [(ANIO, _una_por_ooad(store, 1)[0], LIBRE, "Faltante", 30, None)])
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila)
    assert [(a.cifra, a.lineas, a.ooads) for a in avisos] == [(PACIENTES, 11, 3)]


def test_el_rango_nunca_es_mas_estrecho_que_su_piso(store, cuenta):
    """Every unit reports 30 patients and 60 events (MAD 0): from 3 to 300 patients is usual, and from
    0.4 to 10 events a patient (floors 10 and 5); beyond warns."""
    _insertar(store, [(ANIO, u, LIBRE, "Faltante", 30, 60) for u in _una_por_ooad(store, 8)])
    chihuahua = cuenta("chihuahua")
    for pacientes, avisa in ((3, False), (2, True), (31, False), (300, False), (301, True)):
        avisos = atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(LIBRE, "Faltante", pacientes)])
        assert [a.rango for a in avisos] == (["entre 3 y 300"] if avisa else []), pacientes
    for eventos, avisa in ((300, False), (301, True)):  # 30 patients: 10 events a patient at most
        avisos = atipicos.revisar(store, chihuahua, ANIO, HGZ6, [_fila(LIBRE, "Faltante", 30, eventos)])
        assert [a.rango for a in avisos] == (["entre 1.0 y 10.0 eventos por paciente"] if avisa else []), eventos


# -- which lines make the reference --------------------------------------------------------------
def test_cuentan_el_periodo_y_los_anteriores_no_los_posteriores(store, cuenta):
    unidades = _una_por_ooad(store, 8)
    fila = [_fila(LIBRE, "Faltante", 3000)]
    _insertar(store, [(ANIO + 1, u, LIBRE, "Faltante", 30, None) for u in unidades])
    assert atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila) == []
    _insertar(store, [(ANIO - 1 - k % 2, u, LIBRE, "Faltante", 30, None) for k, u in enumerate(unidades)])
    assert [a.lineas for a in atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila)] == [8]


def test_la_linea_que_se_reemplaza_no_cuenta(store, cuenta):
    """The unit's saved line of the product in this period is what the row replaces: not a reference.
    Its line of an earlier period is."""
    otras = _una_por_ooad(store, 7)
    _insertar(
        store, [(ANIO, u, LIBRE, "Faltante", 30, None) for u in otras] + [(ANIO, HGZ6, LIBRE, "Faltante", 30, None)]
    )
    fila = [_fila(LIBRE, "Faltante", 3000)]
    assert atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ6, fila) == []
    assert atipicos.revisar(store, cuenta("chihuahua"), ANIO + 1, HGZ6, fila) != []


def test_solo_se_pregunta_por_las_cifras_que_cambian(store, cuenta):
    """A figure the saved line already has was questioned when typed: editing another field of the row
    (or re-uploading it unchanged) does not ask again; a changed figure does."""
    _insertar(store, [(ANIO, HGZ35, PROCALCITONINA, "Faltante", 20_000, 20_000)])
    chihuahua = cuenta("chihuahua")
    mismo = FilaCaptura(PROCALCITONINA, fal_causa="Carencia de Servicio", fal_pacientes=20_000, fal_eventos=20_000)
    assert atipicos.revisar(store, chihuahua, ANIO, HGZ35, _validas([mismo])) == []
    otros_eventos = _fila(PROCALCITONINA, "Faltante", 20_000, 30_000)
    assert [a.cifra for a in atipicos.revisar(store, chihuahua, ANIO, HGZ35, [otros_eventos])] == [EVENTOS]
    # The same figures as the other kind, or in another period, are new figures.
    assert [
        a.cifra
        for a in atipicos.revisar(store, chihuahua, ANIO, HGZ35, [_fila(PROCALCITONINA, "Excedente", 20_000, 20_000)])
    ] == [PACIENTES, EVENTOS]
    assert [
        a.cifra
        for a in atipicos.revisar(
            store, chihuahua, ANIO + 1, HGZ35, [_fila(PROCALCITONINA, "Faltante", 20_000, 20_000)]
        )
    ] == [PACIENTES, EVENTOS]


def test_las_filas_que_se_eliminan_no_se_revisan(store, cuenta):
    """guardar's validated rows hold None for a row emptied (its line is deleted): nothing to check."""
    lineas = [None, _fila("LAB-0004", "Faltante", 20_000, 20_000), None]
    avisos = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, lineas)
    assert [(a.producto, a.cifra) for a in avisos] == [("LAB-0004", PACIENTES), ("LAB-0004", EVENTOS)]
    assert atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [None]) == []


def test_una_consulta_por_llamada_y_la_muestra_nacional_casi_no_avisa(store, cuenta):
    """Every line of the national distribution of this period, checked against the others: one query
    for all of them, and warnings for few (log-normal spread: about 1 in 2,000 expected)."""
    lineas = store.filas(
        "SELECT unidad, producto, tipo, pacientes, eventos FROM linea WHERE anio = ? ORDER BY id", [ANIO]
    )
    filas = [(u, _fila(p, t, pa, ev)) for u, p, t, pa, ev in lineas]
    analista = cuenta("analista")
    consultas = []
    original = store.filas
    store.filas = lambda sql, params=None: consultas.append(sql) or original(sql, params)
    t0 = time.perf_counter()
    avisos = atipicos.revisar_lineas(store, analista, ANIO, filas)
    assert time.perf_counter() - t0 < 1.0
    assert len(consultas) == 3  # the units' OOAD/UMAE (permission), whether a reference exists, the figures
    assert len(filas) > 250 and len(avisos) <= len(filas) * 0.01


# -- permissions --------------------------------------------------------------------------------
def test_revisar_con_el_permiso_de_leer_la_ooad(store, cuenta):
    fila = [_fila(PROCALCITONINA, "Faltante", 20)]
    with pytest.raises(AccesoDenegado):
        atipicos.revisar(store, cuenta("quintana-roo"), ANIO, HGZ35, fila)
    with pytest.raises(AccesoDenegado):
        atipicos.revisar(store, None, ANIO, HGZ35, fila)
    otra = _una_por_ooad(store, 1, excluir=("chihuahua", "aguascalientes"))[0]
    with pytest.raises(AccesoDenegado):
        atipicos.revisar_lineas(store, cuenta("chihuahua"), ANIO, [(HGZ35, fila[0]), (otra, fila[0])])
    for quien in ("chihuahua", "analista", "admin"):
        assert atipicos.revisar(store, cuenta(quien), ANIO, HGZ35, fila) == []


def test_confirmados_solo_para_la_division(store, cuenta):
    for quien in ("chihuahua", "quintana-roo"):
        with pytest.raises(AccesoDenegado):
            atipicos.confirmados(store, cuenta(quien), ANIO)
    with pytest.raises(AccesoDenegado):
        atipicos.confirmados(store, None, ANIO)
    for quien in ("analista", "admin"):
        df = atipicos.confirmados(store, cuenta(quien), ANIO)
        assert df.empty and list(df.columns) == list(atipicos.COLUMNAS_CONFIRMADOS)


def _auditoria(store: Store) -> list[tuple]:
    return store.filas(
        "SELECT cuenta, persona, accion, anio, ooad, unidad, objeto, despues FROM auditoria"
        " WHERE accion = ? ORDER BY id",
        [atipicos.ACCION_CONFIRMADA],
    )


def test_registrar_confirmacion_solo_quien_captura_esa_ooad(store, cuenta):
    aviso = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [_fila(PROCALCITONINA, "Faltante", 20_000)])
    assert len(aviso) == 1
    for quien in (cuenta("analista"), cuenta("admin"), cuenta("quintana-roo"), None):
        with pytest.raises(AccesoDenegado):
            atipicos.registrar_confirmacion(store, quien, P, ANIO, aviso)
    assert _auditoria(store) == []


# -- the confirmation in the audit trail and the división's list ---------------------------------
def test_la_confirmacion_queda_en_la_bitacora_dentro_de_la_transaccion_del_guardado(store, cuenta):
    chihuahua = cuenta("chihuahua")
    ciclo.declarar(store, chihuahua, P, ANIO, "SI")
    filas = [
        FilaCaptura(PROCALCITONINA, fal_causa="Carencia de Servicio", fal_pacientes="20,000", fal_ambito="Ambulatorio"),
        FilaCaptura("LAB-0002", fal_causa="Falta de Equipo", fal_pacientes=15, fal_eventos=15),
    ]
    avisos = atipicos.revisar(store, chihuahua, ANIO, HGZ35, _validas(filas))
    assert [(a.producto, a.cifra) for a in avisos] == [(PROCALCITONINA, PACIENTES)]

    # A save that fails after the confirmation was recorded leaves no trace of it: same transaction.
    with pytest.raises(RuntimeError):
        with store.transaction():
            atipicos.registrar_confirmacion(store, chihuahua, P, ANIO, avisos)
            raise RuntimeError("el guardado falló")
    assert _auditoria(store) == []

    # The wiring of captura.guardar, in its transaction: check again, confirm, save.
    def trabajo(tx):
        assert atipicos.sin_confirmar(atipicos.revisar(store, chihuahua, ANIO, HGZ35, _validas(filas)), avisos) == []
        atipicos.registrar_confirmacion(store, chihuahua, P, ANIO, avisos)

    store.escribir(trabajo)
    [(usuario, persona, accion, anio, ooad, unidad, objeto, despues)] = _auditoria(store)
    assert (usuario, persona, anio, ooad, unidad, objeto) == ("chihuahua", P, ANIO, "chihuahua", HGZ35, PROCALCITONINA)
    d = json.loads(despues)
    bajo, alto = avisos[0].limites
    assert d == {
        "tipo": "Faltante",
        "cifra": PACIENTES,
        "valor": 20_000,
        "rango": avisos[0].rango,
        "minimo": bajo,
        "maximo": alto,
        "mediana": round(avisos[0].mediana, 2),
        "lineas": 45,
        "ooads": avisos[0].ooads,
        "respuesta": "confirmada",
    }

    df = atipicos.confirmados(store, cuenta("analista"), ANIO)
    assert len(df) == 1
    fila = df.iloc[0].to_dict()
    assert fila == {
        "Fecha y hora": "15/06/2026 10:00:00",
        "OOAD/UMAE": "OOAD Chihuahua",
        "Unidad Médica": f"HGZ 35, Ciudad Juárez ({HGZ35})",
        "Clave del producto": PROCALCITONINA,
        "Producto": "Procalcitonina (pct).",
        "Excedente/Faltante": "Faltante",
        "Cifra": PACIENTES,
        "Valor": "20,000",
        "Rango habitual": avisos[0].rango,
        "Cuenta": "chihuahua",
        "Persona": P,
        "¿Sigue guardada?": "No",
    }
    # The save itself asks again (nothing was saved yet) and records its own confirmation.
    with pytest.raises(ConfirmacionPendiente):
        captura.guardar(store, chihuahua, P, ANIO, HGZ35, filas)
    captura.guardar(store, chihuahua, P, ANIO, HGZ35, filas, confirmados=avisos)
    assert atipicos.confirmados(store, cuenta("admin"), ANIO)["¿Sigue guardada?"].tolist() == ["Sí", "Sí"]
    assert atipicos.confirmados(store, cuenta("admin"), ANIO - 1).empty


def test_sin_confirmar_compara_la_cifra_no_el_rango(store, cuenta):
    avisos = atipicos.revisar(
        store, cuenta("chihuahua"), ANIO, HGZ35, [_fila(PROCALCITONINA, "Faltante", 20_000, 20_000)]
    )
    assert [a.cifra for a in avisos] == [PACIENTES, EVENTOS]
    assert atipicos.sin_confirmar(avisos, avisos) == []
    assert atipicos.sin_confirmar(avisos, avisos[:1]) == avisos[1:]
    assert atipicos.sin_confirmar(avisos, [avisos[0].clave]) == avisos[1:]
    otra = atipicos.revisar(store, cuenta("chihuahua"), ANIO, HGZ35, [_fila(PROCALCITONINA, "Faltante", 30_000)])
    assert atipicos.sin_confirmar(otra, avisos) == otra
    error = ConfirmacionPendiente(otra)
    assert otra[0].mensaje in str(error)
    tabla = atipicos.tabla(avisos)
    assert tabla["Rango habitual"].tolist() == [a.rango for a in avisos]
    assert tabla["Unidad Médica"].tolist() == [f"HGZ 35, Ciudad Juárez ({HGZ35})"] * 2


# -- the wiring: captura.guardar, borradores.guardar_captura, the Excel upload ---------------------
def _lineas_y_bitacora(store: Store) -> tuple[list, int]:
    return store.filas("SELECT unidad, producto, pacientes FROM linea WHERE ooad = 'chihuahua'"), store.valor(
        "SELECT count(*) FROM auditoria"
    )


def test_guardar_pide_confirmar_antes_de_escribir_y_registra_la_respuesta(store, cuenta):
    chihuahua = cuenta("chihuahua")
    ciclo.declarar(store, chihuahua, P, ANIO, "SI")
    labs, hemo = _guia(store)
    # The guide's 15 lines save without a question.
    assert captura.guardar(store, chihuahua, P, ANIO, HGZ35, labs).insertadas == 14
    assert captura.guardar(store, chihuahua, P, ANIO, HGZ6, [hemo]).insertadas == 1
    assert _auditoria(store) == []

    fila = FilaCaptura("LAB-0002", fal_causa="Falta de Equipo", fal_pacientes="20,000", fal_eventos="20,000")
    antes = _lineas_y_bitacora(store)
    with pytest.raises(ConfirmacionPendiente) as exc:
        captura.guardar(store, chihuahua, P, ANIO, HGZ6, [fila])
    assert _lineas_y_bitacora(store) == antes  # nothing written, not even the question
    avisos = exc.value.avisos
    assert [(a.unidad, a.producto, a.cifra, a.valor) for a in avisos] == [
        (HGZ6, "LAB-0002", PACIENTES, 20_000),
        (HGZ6, "LAB-0002", EVENTOS, 20_000),
    ]
    assert "20,000 pacientes mensuales" in str(exc.value) and avisos[0].rango in str(exc.value)

    res = captura.guardar(store, chihuahua, P, ANIO, HGZ6, [fila], confirmados=avisos)
    assert res.insertadas == 1
    registro = _auditoria(store)
    assert [(r[0], r[1], r[5], r[6], json.loads(r[7])["cifra"]) for r in registro] == [
        ("chihuahua", P, HGZ6, "LAB-0002", PACIENTES),
        ("chihuahua", P, HGZ6, "LAB-0002", EVENTOS),
    ]
    # In the save's transaction: the line's audit row and the confirmations are one write.
    ids = store.filas(
        "SELECT accion FROM auditoria WHERE id > (SELECT max(id) - 3 FROM auditoria) ORDER BY id",
    )
    assert [a for (a,) in ids] == ["línea creada", atipicos.ACCION_CONFIRMADA, atipicos.ACCION_CONFIRMADA]
    assert atipicos.confirmados(store, cuenta("analista"), ANIO)["¿Sigue guardada?"].tolist() == ["Sí", "Sí"]
    # A figure already saved is not asked again: changing the ámbito saves without a question.
    version = store.valor("SELECT version FROM linea WHERE unidad = ? AND producto = 'LAB-0002'", [HGZ6])
    otra = FilaCaptura("LAB-0002", version, fal_causa="Falta de Equipo", fal_pacientes=20_000, fal_eventos=20_000)
    otra.fal_ambito = "Hospitalario"
    assert captura.guardar(store, chihuahua, P, ANIO, HGZ6, [otra]).actualizadas == 1
    assert len(_auditoria(store)) == 2


def test_confirmar_una_fila_no_confirma_otra(store, cuenta):
    chihuahua = cuenta("chihuahua")
    ciclo.declarar(store, chihuahua, P, ANIO, "SI")
    filas = [
        FilaCaptura(PROCALCITONINA, fal_causa="Falta de Equipo", fal_pacientes=20_000),
        FilaCaptura("LAB-0002", fal_causa="Falta de Equipo", fal_pacientes=20_000),
    ]
    with pytest.raises(ConfirmacionPendiente) as exc:
        captura.guardar(store, chihuahua, P, ANIO, HGZ35, filas)
    primera, segunda = exc.value.avisos
    antes = _lineas_y_bitacora(store)
    # One row confirmed: the other still asks, and nothing is written.
    with pytest.raises(ConfirmacionPendiente) as exc:
        captura.guardar(store, chihuahua, P, ANIO, HGZ35, filas, confirmados=[primera])
    assert exc.value.avisos == [segunda]
    # The same product in another unit, or another figure in the same row, is another question.
    with pytest.raises(ConfirmacionPendiente):
        captura.guardar(store, chihuahua, P, ANIO, HGZ6, filas[:1], confirmados=[primera])
    cambiada = FilaCaptura(PROCALCITONINA, fal_causa="Falta de Equipo", fal_pacientes=30_000)
    with pytest.raises(ConfirmacionPendiente):
        captura.guardar(store, chihuahua, P, ANIO, HGZ35, [cambiada], confirmados=[primera])
    assert _lineas_y_bitacora(store) == antes
    captura.guardar(store, chihuahua, P, ANIO, HGZ35, filas, confirmados=[primera, segunda.clave])
    assert [(r[5], r[6]) for r in _auditoria(store)] == [(HGZ35, PROCALCITONINA), (HGZ35, "LAB-0002")]


def test_guardar_captura_conserva_los_borradores_hasta_confirmar(store, cuenta):
    chihuahua = cuenta("chihuahua")
    ciclo.declarar(store, chihuahua, P, ANIO, "SI")
    borradores.guardar(
        store, chihuahua, P, ANIO, HGZ35, {PROCALCITONINA: {"fal_causa": "Falta de Equipo", "fal_pacientes": "20,000"}}
    )
    fila = [FilaCaptura(PROCALCITONINA, fal_causa="Falta de Equipo", fal_pacientes="20,000")]
    with pytest.raises(ConfirmacionPendiente) as exc:
        borradores.guardar_captura(store, chihuahua, P, ANIO, HGZ35, fila)
    assert len(borradores.listar(store, chihuahua, P, ANIO)) == 1  # the typed value waits for the answer
    assert (
        borradores.guardar_captura(store, chihuahua, P, ANIO, HGZ35, fila, confirmados=exc.value.avisos).insertadas == 1
    )
    assert borradores.listar(store, chihuahua, P, ANIO).empty and len(_auditoria(store)) == 1


def test_la_plantilla_lista_los_atipicos_y_se_confirman_una_vez(store, cuenta):
    """Two outlying rows in two units of one file: listed in the preview, confirmed once for the file."""
    chihuahua = cuenta("chihuahua")
    ciclo.declarar(store, chihuahua, P, ANIO, "SI")
    libro = load_workbook(io.BytesIO(plantilla.plantilla(store, chihuahua, ANIO, "chihuahua")))
    hoja = libro[plantilla.HOJA]
    filas = [
        (f"({HGZ35})", PROCALCITONINA, "Faltante", "Falta de Equipo", None, 20_000),
        (f"({HGZ6})", "LAB-0002", "Faltante", "Falta de Equipo", None, 20_000),
        (f"({HGZ6})", "LAB-0003", "Faltante", "Falta de Equipo", 30, 30),  # usual: no warning
    ]
    for r, (unidad, producto, tipo, causa, eventos, pacientes) in enumerate(filas, start=2):
        for col, v in (
            (plantilla.UNIDAD, unidad.strip("()")),
            (plantilla.CLAVE, producto),
            (plantilla.TIPO, tipo),
            (plantilla.CAUSA, causa),
            (plantilla.EVENTOS, eventos),
            (plantilla.PACIENTES, pacientes),
        ):
            hoja.cell(r, col + 1).value = v
    salida = io.BytesIO()
    libro.save(salida)
    vista = plantilla.leer(store, chihuahua, ANIO, "chihuahua", salida.getvalue(), "plantilla.xlsx", persona=P)
    assert [(a.unidad, a.producto, a.cifra) for a in vista.atipicos] == [
        (HGZ35, PROCALCITONINA, PACIENTES),
        (HGZ6, "LAB-0002", PACIENTES),
    ]
    assert vista.tabla_atipicos()["Fila"].tolist() == [2, 3]
    assert "Confirme las 2 cifra(s)" in vista.motivo(False) and vista.motivo(False, atipicos_confirmados=True) is None
    antes = _lineas_y_bitacora(store)
    with pytest.raises(ConfirmacionPendiente):
        plantilla.aplicar(store, chihuahua, P, ANIO, "chihuahua", vista)
    with pytest.raises(ConfirmacionPendiente):  # half the list is not the list
        plantilla.aplicar(store, chihuahua, P, ANIO, "chihuahua", vista, confirmados=vista.atipicos[:1])
    assert _lineas_y_bitacora(store) == antes
    res = plantilla.aplicar(store, chihuahua, P, ANIO, "chihuahua", vista, confirmados=vista.atipicos)
    assert (res.insertadas, res.unidades) == (3, 2)
    assert sorted((r[5], r[6]) for r in _auditoria(store)) == [(HGZ6, "LAB-0002"), (HGZ35, PROCALCITONINA)]


def test_las_cifras_confirmadas_pasan_por_la_guardia_de_memoria(store, cuenta, monkeypatch):
    from core.analysis import analisis, guardia
    from core.base import auditoria
    from core.base.errors import AnalisisDemasiadoGrande

    with store.transaction() as tx:
        for i in range(3):
            auditoria.registrar(
                tx, cuenta="chihuahua", persona=P, accion=atipicos.ACCION_CONFIRMADA, anio=ANIO, ooad="chihuahua",
                unidad=HGZ35, objeto=PROCALCITONINA, despues={"cifra": PACIENTES, "tipo": "Faltante", "valor": i},
            )  # fmt: skip
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", (3 * guardia.POR_FILA_AUDITORIA - 1) / (1 << 20))
    with pytest.raises(AnalisisDemasiadoGrande, match="\\(3 líneas\\)"):
        analisis.atipicas_confirmadas(store, cuenta("analista"), ANIO)
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", 3 * guardia.POR_FILA_AUDITORIA / (1 << 20))
    assert len(analisis.atipicas_confirmadas(store, cuenta("analista"), ANIO)) == 3
    with pytest.raises(AccesoDenegado):
        analisis.atipicas_confirmadas(store, cuenta("chihuahua"), ANIO)
