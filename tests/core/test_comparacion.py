"""Comparing two periods (issue 12 §4): checked against a pandas recomputation from the stored tables."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.accounts import cuentas
from core.analysis import analisis, comparacion
from core.base import reloj
from core.base.errors import AccesoDenegado, ErrorDominio, NoEncontrado
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, HOY, _poblar

ANTES = ANIO - 1
P = "Persona de prueba"
HGZ6, HGZ35, QR11, SXXI = "IL-CH-0001", "IL-CH-0002", "IL-QR-0001", "DFIMS000580"


def _capturar(store, c, anio, lineas, finalizar=True):
    ciclo.declarar(store, c, P, anio, "SI")
    for unidad in dict.fromkeys(u for u, _ in lineas):
        captura.guardar(store, c, P, anio, unidad, [f for u, f in lineas if u == unidad])
    if finalizar:
        ciclo.finalizar(store, c, P, anio)


@pytest.fixture(scope="module")
def base():
    """Two periods, built once for the module: every test here only reads them."""
    store = _poblar(Store(":memory:"))
    ciclo.crear_periodo_sistema(store, ANTES, dt.date(ANTES, 6, 1), dt.date(ANTES, 6, 30))
    chi, qroo, umae = (cuentas.obtener(store, u) for u in ("chihuahua", "quintana-roo", "umae-hes-cmn-siglo-xxi"))
    reloj.fijar(HOY.replace(year=ANTES))
    _capturar(
        store,
        chi,
        ANTES,
        [
            (HGZ6, FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=200, fal_eventos=2400)),
            (HGZ35, FilaCaptura("47.01", exc_pacientes=5)),
            (HGZ35, FilaCaptura("LAB-0002", fal_causa="Falta de Insumos", fal_pacientes=15)),
        ],
    )
    _capturar(store, qroo, ANTES, [(QR11, FilaCaptura("47.01", fal_causa="Falta de Personal", fal_pacientes=3))])
    _capturar(store, umae, ANTES, [(SXXI, FilaCaptura("13.41", exc_pacientes=40))], finalizar=False)
    reloj.fijar(HOY)
    _capturar(
        store,
        chi,
        ANIO,
        [
            (HGZ6, FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=250, fal_eventos=2989)),
            (HGZ35, FilaCaptura("47.01", exc_pacientes=5)),
            (HGZ35, FilaCaptura("LAB-0001", fal_causa="Carencia de Servicio", fal_pacientes=20)),
        ],
    )
    _capturar(store, qroo, ANIO, [(QR11, FilaCaptura("47.01", fal_causa="Falta de Personal", fal_pacientes=3))])
    _capturar(store, umae, ANIO, [(SXXI, FilaCaptura("14.74", exc_pacientes=6))], finalizar=False)
    reloj.fijar(None)
    yield store
    store.close()


@pytest.fixture
def store(base):
    return base


@pytest.fixture
def dos_periodos(base):
    return cuentas.obtener(base, "analista")


def _esperado(store, anio: int, columna: str, medida: str, en_captura: bool) -> pd.DataFrame:
    """Surplus and shortage per key from the raw tables, in pandas."""
    v = store.df("SELECT * FROM version_final_linea")
    d = store.df("SELECT anio, ooad, estado, version_final FROM declaracion")
    lineas = store.df("SELECT * FROM linea")
    finales = v.merge(d, on=["anio", "ooad"])
    finales = finales[
        (finales["anio"] == anio)
        & finales["estado"].isin(["finalizado", "firmado"])
        & (finales["version"] == finales["version_final"])
    ]
    partes = [finales[["unidad", "producto", "tipo", "pacientes", "eventos"]]]
    if en_captura:
        actuales = lineas.merge(d, on=["anio", "ooad"])
        actuales = actuales[(actuales["anio"] == anio) & (actuales["estado"] == "en captura")]
        partes.append(actuales[["unidad", "producto", "tipo", "pacientes", "eventos"]])
    sel = pd.concat(partes, ignore_index=True)
    prod = store.df(
        "SELECT p.clave AS producto, p.especialidad, s.grupo FROM producto p JOIN especialidad s ON s.clave = p.especialidad"
    )
    uni = store.df("SELECT clave AS unidad, cve_ent FROM unidad")
    sel = sel.merge(prod, on="producto", how="left").merge(uni, on="unidad", how="left")
    sel["valor"] = sel[medida].fillna(0)
    t = sel.pivot_table(index=columna, columns="tipo", values="valor", aggfunc="sum", fill_value=0)
    n = sel.groupby(columna).size().rename("lineas")
    t = t.reindex(columns=["Excedente", "Faltante"], fill_value=0).join(n)
    return t.rename(columns={"Excedente": "excedente", "Faltante": "faltante"}).astype("int64")


@pytest.mark.parametrize(
    ("dimension", "columna", "medida", "en_captura"),
    [
        ("producto", "producto", "pacientes", False),
        ("producto", "producto", "eventos", True),
        ("estado", "cve_ent", "pacientes", False),
        ("grupo", "grupo", "pacientes", True),
        ("especialidad", "especialidad", "eventos", False),
    ],
)
def test_cifras_iguales_a_un_recalculo_en_pandas(store, dos_periodos, dimension, columna, medida, en_captura):
    df = comparacion.comparar_periodos(
        store, dos_periodos, ANTES, ANIO, dimension, medida, incluir_en_captura=en_captura
    ).set_index("clave")
    a = _esperado(store, ANTES, columna, medida, en_captura)
    b = _esperado(store, ANIO, columna, medida, en_captura)
    claves = sorted(set(a.index) | set(b.index))
    assert sorted(df.index) == claves
    a, b = a.reindex(claves, fill_value=0), b.reindex(claves, fill_value=0)
    for v in ("excedente", "faltante", "lineas"):
        assert df.loc[claves, f"{v}_antes"].tolist() == a[v].tolist(), v
        assert df.loc[claves, f"{v}_despues"].tolist() == b[v].tolist(), v
    assert (df["cambio_balance"] == df["balance_despues"] - df["balance_antes"]).all()
    assert (df["balance_antes"] == df["excedente_antes"] - df["faltante_antes"]).all()
    aparece = [k for k in claves if a.loc[k, "lineas"] == 0 and b.loc[k, "lineas"] > 0]
    desaparece = [k for k in claves if a.loc[k, "lineas"] > 0 and b.loc[k, "lineas"] == 0]
    assert sorted(df.index[df["situacion"] == comparacion.APARECE]) == aparece
    assert sorted(df.index[df["situacion"] == comparacion.DESAPARECE]) == desaparece


def test_productos_que_aparecen_desaparecen_y_cambian(store, dos_periodos):
    df = comparacion.comparar_periodos(store, dos_periodos, ANTES, ANIO, "producto").set_index("clave")
    assert df.loc["LAB-0001", "situacion"] == comparacion.APARECE
    assert df.loc["LAB-0002", "situacion"] == comparacion.DESAPARECE
    assert df.loc["39.95", "situacion"] == comparacion.CAMBIA
    assert (df.loc["39.95", "faltante_antes"], df.loc["39.95", "faltante_despues"]) == (200, 250)
    assert df.loc["39.95", "cambio_faltante"] == 50 and df.loc["39.95", "cambio_balance"] == -50
    assert df.loc["47.01", "situacion"] == comparacion.IGUAL  # Chihuahua's surplus and Quintana Roo's shortage
    assert "13.41" not in df.index  # the UMAE is en captura: not in the default selection
    assert comparacion.conteo(df.reset_index()) == {
        comparacion.APARECE: 1,
        comparacion.DESAPARECE: 1,
        comparacion.CAMBIA: 1,
        comparacion.IGUAL: 1,
    }
    con = comparacion.comparar_periodos(store, dos_periodos, ANTES, ANIO, "producto", incluir_en_captura=True)
    con = con.set_index("clave")
    assert (
        con.loc["13.41", "situacion"] == comparacion.DESAPARECE and con.loc["14.74", "situacion"] == comparacion.APARECE
    )
    t = comparacion.tabla(df.reset_index(), "producto", "pacientes", ANTES, ANIO)
    assert list(t.columns[:4]) == [
        "Producto",
        f"Pacientes excedentes {ANTES}",
        f"Pacientes faltantes {ANTES}",
        f"Balance {ANTES}",
    ]
    assert t.iloc[0]["Producto"].startswith("39.95 · ")  # the largest change first


def test_filtros_como_en_el_cruce(store, dos_periodos):
    f = analisis.Filtros(grupos=("LAB",))
    df = comparacion.comparar_periodos(store, dos_periodos, ANTES, ANIO, "producto", filtros=f)
    assert sorted(df["clave"]) == ["LAB-0001", "LAB-0002"]


def test_rechazos(store, dos_periodos):
    with pytest.raises(AccesoDenegado):
        comparacion.comparar_periodos(store, cuentas.obtener(store, "chihuahua"), ANTES, ANIO)
    with pytest.raises(ErrorDominio, match="dos periodos distintos"):
        comparacion.comparar_periodos(store, dos_periodos, ANIO, ANIO)
    with pytest.raises(NoEncontrado, match="No existe el periodo 2020"):
        comparacion.comparar_periodos(store, dos_periodos, 2020, ANIO)
    with pytest.raises(ErrorDominio, match="Dimensión desconocida"):
        comparacion.comparar_periodos(store, dos_periodos, ANTES, ANIO, "causa")
