"""Exchange opportunities and the allocation: distances, ranking, filters, reasons, and the
min-cost max-flow checked for feasibility and optimality against a linear program (HiGHS)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from core.analysis import intercambio
from core.analysis.intercambio import Filtros
from core.base.errors import AccesoDenegado

# The solver and the ranking on lines built here: only the tests marked sin_base(False) open a store
# (tests/conftest.py).
pytestmark = pytest.mark.sin_base

# Places with known coordinates (degrees).
CDMX = (19.4326, -99.1332)
GUADALAJARA = (20.6597, -103.3496)
MONTERREY = (25.6866, -100.3161)
CANCUN = (21.1619, -86.8515)
CHETUMAL = (18.5001, -88.2960)
SAN_LUIS = (22.1565, -100.9855)


def linea(
    unidad,
    producto,
    tipo,
    pacientes,
    lugar=CDMX,
    *,
    estado="09",
    ambito="Ambulatorio",
    remoto=False,
    grupo="CEX",
    especialidad="CEX-CAR",
    causa=None,
):
    """One line as core.analysis.analisis.lineas returns it (only the columns the matching reads)."""
    return {
        "anio": 2026,
        "ooad": f"ooad-{estado}",
        "ooad_nombre": f"OOAD {estado}",
        "ooad_tipo": "OOAD",
        "estado_ooad": "finalizado",
        "version": 1,
        "unidad": unidad,
        "unidad_nombre": f"Unidad {unidad}",
        "tipo_unidad": "HGZ",
        "cve_ent": estado,
        "estado_nombre": f"Estado {estado}",
        "municipio": "",
        "lat": lugar[0],
        "lon": lugar[1],
        "grupo": grupo,
        "grupo_nombre": f"Grupo {grupo}",
        "especialidad": especialidad,
        "especialidad_nombre": f"Especialidad {especialidad}",
        "producto": producto,
        "producto_nombre": f"Producto {producto}",
        "remoto": remoto,
        "tipo": tipo,
        "ambito": ambito,
        "causa": causa or ("Falta de Personal" if tipo == "Faltante" else None),
        "pacientes": pacientes,
        "eventos": pacientes,
    }


def tabla(*filas) -> pd.DataFrame:
    return pd.DataFrame(list(filas))


# -- haversine -----------------------------------------------------------------------------------
def test_haversine_cdmx_guadalajara_unos_460_km():
    km = float(intercambio.haversine_km(*CDMX, *GUADALAJARA))
    assert 455 < km < 465


@pytest.mark.parametrize(
    ("a", "b", "esperado"),
    [
        ((0, 0), (0, 0), 0.0),
        ((0, 0), (90, 0), math.pi * 6371 / 2),  # equator to pole
        ((0, 0), (0, 180), math.pi * 6371),  # antipodes
        ((0, 0), (0, 1), 2 * math.pi * 6371 / 360),  # one degree of the equator
    ],
)
def test_haversine_distancias_conocidas(a, b, esperado):
    assert float(intercambio.haversine_km(*a, *b)) == pytest.approx(esperado, abs=1e-6)


def test_haversine_vectorizada_y_simetrica():
    lat1, lon1 = np.array([CDMX[0], MONTERREY[0]]), np.array([CDMX[1], MONTERREY[1]])
    lat2, lon2 = np.array([MONTERREY[0], CDMX[0]]), np.array([MONTERREY[1], CDMX[1]])
    km = intercambio.haversine_km(lat1, lon1, lat2, lon2)
    assert km.shape == (2,) and km[0] == pytest.approx(km[1]) and 700 < km[0] < 710


# -- ranking and filters ------------------------------------------------------------------------
def test_oportunidades_por_pacientes_cubribles_y_luego_distancia():
    df = tabla(
        linea("F1", "A", "Faltante", 10, CDMX),
        linea("LEJOS", "A", "Excedente", 10, MONTERREY),
        linea("CERCA", "A", "Excedente", 10, GUADALAJARA),
        linea("MINIMA", "A", "Excedente", 4, CDMX),
        linea("OTRA", "B", "Excedente", 50, CDMX),  # another product: never paired with A
    )
    p = intercambio.oportunidades(df)
    assert p.total == 3
    assert p.tabla["excedente_unidad"].tolist() == ["CERCA", "LEJOS", "MINIMA"]
    assert p.tabla["cubrible"].tolist() == [10, 10, 4]
    assert p.tabla["km"].iloc[0] == pytest.approx(float(intercambio.haversine_km(*CDMX, *GUADALAJARA)), abs=0.05)
    assert p.tabla["faltante_pacientes"].tolist() == [10, 10, 10]


def test_oportunidades_limite_recorta_la_tabla_pero_cuenta_todas():
    df = tabla(
        *[linea(f"F{k}", "A", "Faltante", k + 1) for k in range(5)],
        *[linea(f"E{k}", "A", "Excedente", 3) for k in range(4)],
    )
    p = intercambio.oportunidades(df, limite=7)
    assert p.total == 20 and len(p.tabla) == 7
    assert p.tabla["cubrible"].is_monotonic_decreasing


def test_no_se_empareja_una_unidad_consigo_misma():
    df = tabla(linea("U1", "A", "Faltante", 5), linea("U1", "B", "Excedente", 5), linea("U2", "B", "Faltante", 5))
    p = intercambio.oportunidades(df)
    assert p.total == 1 and p.tabla["faltante_unidad"].tolist() == ["U2"]


def _base_filtros() -> pd.DataFrame:
    return tabla(
        linea("F", "A", "Faltante", 10, CDMX, estado="09", ambito="Hospitalario"),
        linea("MISMO", "A", "Excedente", 3, CDMX, estado="09", ambito="Hospitalario"),
        linea("AMB", "A", "Excedente", 4, CDMX, estado="09", ambito="Ambulatorio"),
        linea("GDL", "A", "Excedente", 5, GUADALAJARA, estado="14", ambito="Hospitalario"),
        linea("MTY", "A", "Excedente", 6, MONTERREY, estado="19", ambito="Hospitalario"),
        linea("FX", "X", "Faltante", 2, CDMX, grupo="LAB", especialidad="LAB-QUI"),
        linea("EX", "X", "Excedente", 2, GUADALAJARA, estado="14", grupo="LAB", especialidad="LAB-QUI"),
        linea("FY", "Y", "Faltante", 2, CDMX, grupo="LAB", especialidad="LAB-HEM"),
        linea("EY", "Y", "Excedente", 2, GUADALAJARA, estado="14", grupo="LAB", especialidad="LAB-HEM"),
    )


@pytest.mark.parametrize(
    ("filtros", "esperadas"),
    [
        (Filtros(), {"MISMO", "AMB", "GDL", "MTY", "EX", "EY"}),
        (Filtros(mismo_estado=True), {"MISMO", "AMB"}),
        (Filtros(misma_modalidad=True), {"MISMO", "GDL", "MTY", "EX", "EY"}),
        (Filtros(km_max=500), {"MISMO", "AMB", "GDL", "EX", "EY"}),
        (Filtros(km_max=100), {"MISMO", "AMB"}),
        (Filtros(grupo="LAB"), {"EX", "EY"}),
        (Filtros(grupo="LAB", especialidad="LAB-HEM"), {"EY"}),
        (Filtros(especialidad="CEX-CAR", mismo_estado=True, misma_modalidad=True), {"MISMO"}),
    ],
)
def test_cada_filtro(filtros, esperadas):
    p = intercambio.oportunidades(_base_filtros(), filtros)
    assert set(p.tabla["excedente_unidad"]) == esperadas and p.total == len(esperadas)


def test_producto_remoto_a_cero_km_solo_si_se_permite():
    df = tabla(
        linea("CUN", "R", "Faltante", 8, CANCUN, estado="23", remoto=True),
        linea("MTY", "R", "Excedente", 8, MONTERREY, estado="19", remoto=True),
        linea("CHE", "R", "Excedente", 8, CHETUMAL, estado="23", remoto=True),
        linea("CUN", "N", "Faltante", 8, CANCUN, estado="23"),  # not remote: distance counts
        linea("MTY", "N", "Excedente", 8, MONTERREY, estado="19"),
    )
    sin = intercambio.oportunidades(df, Filtros(km_max=400))
    assert set(zip(sin.tabla["producto"], sin.tabla["excedente_unidad"], strict=True)) == {("R", "CHE")}
    con = intercambio.oportunidades(df, Filtros(km_max=400, remoto_a_distancia=True))
    assert set(zip(con.tabla["producto"], con.tabla["excedente_unidad"], strict=True)) == {("R", "CHE"), ("R", "MTY")}
    assert con.tabla["remoto"].all()
    # The straight-line distance stays visible; the ranking counts it as 0 (a tie broken by line order).
    assert con.tabla.set_index("excedente_unidad").loc["MTY", "km"] > 1400
    # The same-state filter still applies to remote care.
    mismo = intercambio.oportunidades(df, Filtros(remoto_a_distancia=True, mismo_estado=True))
    assert set(mismo.tabla["excedente_unidad"]) == {"CHE"}
    # Allocation: with remote care the far surplus covers at 0 patient-km.
    a = intercambio.asignar(df, Filtros(km_max=400, remoto_a_distancia=True))
    remoto = a.flujos[a.flujos["producto"] == "R"]
    assert remoto["pacientes"].sum() == 8 and remoto["paciente_km"].sum() == 0


# -- allocation: worked cases ---------------------------------------------------------------------
def test_asignacion_cubre_el_maximo_aunque_el_par_mas_cercano_no_sea_el_elegido():
    # Within 500 km, E1 (San Luis Potosí) reaches both; E2 (Guadalajara) only F1 (Mexico City).
    # The closest pair is E1-F1 (~360 km): taking it first would leave F2 uncovered.
    df = tabla(
        linea("F1", "A", "Faltante", 5, CDMX),
        linea("F2", "A", "Faltante", 5, MONTERREY),
        linea("E1", "A", "Excedente", 5, SAN_LUIS),
        linea("E2", "A", "Excedente", 5, GUADALAJARA),
    )
    p = intercambio.oportunidades(df, Filtros(km_max=500))
    assert p.tabla[["excedente_unidad", "faltante_unidad"]].iloc[0].tolist() == ["E1", "F1"]
    a = intercambio.asignar(df, Filtros(km_max=500))
    assert a.cubierto == 10 and a.pacientes_sin_cubrir == 0 and a.sin_cubrir.empty
    assert set(zip(a.flujos["de_unidad"], a.flujos["a_unidad"], strict=True)) == {("E1", "F2"), ("E2", "F1")}


def test_asignacion_entre_los_maximos_elige_menos_pacientes_km():
    df = tabla(
        linea("F_GDL", "A", "Faltante", 5, GUADALAJARA, estado="14"),
        linea("F_MTY", "A", "Faltante", 5, MONTERREY, estado="19"),
        linea("E_GDL", "A", "Excedente", 5, GUADALAJARA, estado="14"),
        linea("E_MTY", "A", "Excedente", 5, MONTERREY, estado="19"),
    )
    a = intercambio.asignar(df)
    assert a.cubierto == 10 and a.paciente_km == 0
    assert set(zip(a.flujos["de_unidad"], a.flujos["a_unidad"], strict=True)) == {
        ("E_GDL", "F_GDL"),
        ("E_MTY", "F_MTY"),
    }
    assert a.faltante == 10 and a.excedente == 10


def test_motivos_de_lo_no_cubierto():
    df = tabla(
        linea("F1", "SOLO", "Faltante", 7, CDMX),  # nobody offers this product
        linea("F2", "LEJOS", "Faltante", 6, CDMX),
        linea("E2", "LEJOS", "Excedente", 6, MONTERREY),  # beyond the maximum distance
        linea("F3", "POCO", "Faltante", 10, CDMX),
        linea("F4", "POCO", "Faltante", 10, GUADALAJARA),
        linea("E3", "POCO", "Excedente", 12, CDMX),  # used up: 10 to F3 (0 km), 2 to F4
        linea("F5", "POCO", "Faltante", 3, MONTERREY),  # POCO's surplus is out of reach (distance)
    )
    a = intercambio.asignar(df, Filtros(km_max=600))
    motivos = dict(zip(a.sin_cubrir["unidad"], a.sin_cubrir["motivo"], strict=True))
    assert motivos == {
        "F1": intercambio.MOTIVO_SIN_EXCEDENTE,
        "F2": intercambio.MOTIVO_FUERA_FILTROS,
        "F4": intercambio.MOTIVO_AGOTADO,
        "F5": intercambio.MOTIVO_FUERA_FILTROS,
    }
    f4 = a.sin_cubrir.set_index("unidad").loc["F4"]
    assert (f4["pacientes"], f4["cubiertos"], f4["sin_cubrir"]) == (10, 2, 8)
    assert a.faltante == 36 and a.cubierto == 12 and a.pacientes_sin_cubrir == 24
    assert a.sin_cubrir["sin_cubrir"].sum() == 24


def test_sin_pares_la_asignacion_esta_vacia_y_todo_queda_sin_cubrir():
    a = intercambio.asignar(tabla(linea("F1", "A", "Faltante", 4)))
    assert a.flujos.empty and a.cubierto == 0 and a.paciente_km == 0
    assert a.sin_cubrir["motivo"].tolist() == [intercambio.MOTIVO_SIN_EXCEDENTE]
    assert intercambio.sankey_estados(a.flujos).empty


# -- allocation: feasibility and optimality on random instances -----------------------------------
LUGARES = [CDMX, GUADALAJARA, MONTERREY, CANCUN, CHETUMAL, (19.4326, -99.1332)]  # a repeated place: ties


def _instancia(semilla: int) -> tuple[pd.DataFrame, Filtros]:
    rng = np.random.default_rng(semilla)
    n_unidades, n_productos = int(rng.integers(3, 9)), int(rng.integers(1, 5))
    remotos = {f"P{p}" for p in range(n_productos) if rng.random() < 0.3}
    lugar = {u: LUGARES[rng.integers(len(LUGARES))] for u in range(n_unidades)}
    filas = []
    for u, p in itertools.product(range(n_unidades), range(n_productos)):
        r = rng.random()
        if r < 0.35:
            continue
        tipo = "Excedente" if r < 0.65 else "Faltante"  # a unit holds both sides, of different products
        pacientes = int(rng.choice([0, 1, 2, 3, 5, 5, 8, 13]))  # 0: a zero-capacity line
        filas.append(
            linea(
                f"U{u}",
                f"P{p}",
                tipo,
                pacientes,
                lugar[u],
                estado=f"{u % 3:02d}",
                ambito=("Ambulatorio", "Hospitalario")[int(rng.integers(2))],
                remoto=f"P{p}" in remotos,
            )
        )
    filtros = Filtros(
        km_max=float(rng.choice([np.nan, 500, 1000, 2000])) if rng.random() < 0.6 else None,
        mismo_estado=bool(rng.random() < 0.2),
        misma_modalidad=bool(rng.random() < 0.3),
        remoto_a_distancia=bool(rng.random() < 0.5),
    )
    if filtros.km_max is not None and math.isnan(filtros.km_max):
        filtros = Filtros(remoto_a_distancia=filtros.remoto_a_distancia)
    return pd.DataFrame(filas, columns=list(linea("x", "x", "Excedente", 1).keys())), filtros


def _optimo_lp(df: pd.DataFrame, f: Filtros) -> tuple[float, float]:
    """(max patients covered, min patient-km among those) by two linear programs, pair by pair."""
    exc = df[(df["tipo"] == "Excedente") & (df["pacientes"] > 0)].reset_index(drop=True)
    fal = df[(df["tipo"] == "Faltante") & (df["pacientes"] > 0)].reset_index(drop=True)
    pares, costos, cotas = [], [], []
    for a, e in exc.iterrows():
        for b, s in fal.iterrows():
            if e["producto"] != s["producto"] or e["unidad"] == s["unidad"]:
                continue
            km = float(intercambio.haversine_km(e["lat"], e["lon"], s["lat"], s["lon"]))
            remoto = f.remoto_a_distancia and bool(e["remoto"])
            if f.km_max is not None and not remoto and km > f.km_max:
                continue
            if f.mismo_estado and e["cve_ent"] != s["cve_ent"]:
                continue
            if f.misma_modalidad and e["ambito"] != s["ambito"]:
                continue
            pares.append((a, b))
            costos.append(0.0 if remoto else km)
            cotas.append((0, min(e["pacientes"], s["pacientes"])))
    if not pares:
        return 0.0, 0.0
    a_ub = np.zeros((len(exc) + len(fal), len(pares)))
    for k, (a, b) in enumerate(pares):
        a_ub[a, k] = 1
        a_ub[len(exc) + b, k] = 1
    b_ub = np.concatenate([exc["pacientes"].to_numpy(float), fal["pacientes"].to_numpy(float)])
    maximo = linprog(-np.ones(len(pares)), A_ub=a_ub, b_ub=b_ub, bounds=cotas, method="highs")
    assert maximo.status == 0
    flujo = -maximo.fun
    costo = linprog(
        np.array(costos),
        A_ub=np.vstack([a_ub, -np.ones(len(pares))]),
        b_ub=np.append(b_ub, -flujo + 1e-7),
        bounds=cotas,
        method="highs",
    )
    assert costo.status == 0
    return flujo, costo.fun


@pytest.mark.parametrize("semilla", range(40))
def test_asignacion_factible_y_optima_contra_programacion_lineal(semilla):
    df, f = _instancia(semilla)
    a = intercambio.asignar(df, f)
    fl = a.flujos
    ofrecido = df[df["tipo"] == "Excedente"].set_index(["unidad", "producto"])["pacientes"]
    pedido = df[df["tipo"] == "Faltante"].set_index(["unidad", "producto"])["pacientes"]

    # Feasible: nobody gives more than its surplus nor receives more than its shortage.
    if not fl.empty:
        da = fl.groupby(["de_unidad", "producto"])["pacientes"].sum()
        recibe = fl.groupby(["a_unidad", "producto"])["pacientes"].sum()
        assert (da <= ofrecido.loc[da.index]).all()
        assert (recibe <= pedido.loc[recibe.index]).all()
        assert (fl["pacientes"] > 0).all() and (fl["de_unidad"] != fl["a_unidad"]).all()
        if f.km_max is not None:
            assert ((fl["km"] <= f.km_max + 0.05) | fl["remoto"]).all()
        if f.mismo_estado:
            assert (fl["de_cve_ent"] == fl["a_cve_ent"]).all()
        if f.misma_modalidad:
            assert (fl["de_ambito"] == fl["a_ambito"]).all()
    assert a.cubierto == int(fl["pacientes"].sum())
    assert a.faltante == int(pedido.sum())
    assert a.faltante - a.cubierto == int(a.sin_cubrir["sin_cubrir"].sum())

    # Optimal: same maximum covered; cost equal within rounding (whole metres per arc, 0.1 km shown).
    flujo, costo = _optimo_lp(df, f)
    assert a.cubierto == round(flujo)
    assert a.paciente_km == pytest.approx(costo, abs=0.001 * a.cubierto + 0.1)


def test_instancias_aleatorias_cubren_los_casos_dificiles():
    """The random instances do hold ties, zero-patient lines, remote products and both-sided units."""
    vistos = {"empate": False, "cero": False, "remoto": False, "ambos_lados": False, "flujo": False}
    for semilla in range(40):
        df, f = _instancia(semilla)
        vistos["cero"] |= bool((df["pacientes"] == 0).any())
        vistos["remoto"] |= bool(df["remoto"].any() and f.remoto_a_distancia)
        vistos["ambos_lados"] |= bool((df.groupby("unidad")["tipo"].nunique() == 2).any())
        vistos["empate"] |= bool(df.duplicated(["lat", "lon"]).any())
        vistos["flujo"] |= not intercambio.asignar(df, f).flujos.empty
    assert all(vistos.values()), vistos


# -- states, display, permissions -----------------------------------------------------------------
def test_sankey_por_estados_suma_pacientes_y_etiqueta_en_espanol():
    df = tabla(
        linea("F1", "A", "Faltante", 4, CDMX, estado="09"),
        linea("F2", "B", "Faltante", 3, CDMX, estado="09"),
        linea("F3", "A", "Faltante", 2, MONTERREY, estado="19"),
        linea("E1", "A", "Excedente", 6, GUADALAJARA, estado="14"),
        linea("E2", "B", "Excedente", 3, GUADALAJARA, estado="14"),
    )
    a = intercambio.asignar(df)
    estados = intercambio.sankey_estados(a.flujos)
    assert estados.to_dict("records") == [
        {"origen": "Estado 14", "destino": "Estado 09", "pacientes": 7},
        {"origen": "Estado 14", "destino": "Estado 19", "pacientes": 2},
    ]


def test_tablas_para_mostrar_con_encabezados_en_espanol():
    df = tabla(
        linea("F1", "R", "Faltante", 4, CANCUN, remoto=True), linea("E1", "R", "Excedente", 6, MONTERREY, remoto=True)
    )
    a = intercambio.asignar(df, Filtros(remoto_a_distancia=True))
    t = intercambio.para_mostrar(a.flujos, intercambio.COLUMNAS_FLUJOS)
    assert list(t.columns) == list(intercambio.COLUMNAS_FLUJOS.values())
    assert t["Atención a distancia"].tolist() == ["Sí"] and t["Pacientes mensuales"].tolist() == [4]
    p = intercambio.para_mostrar(intercambio.oportunidades(df).tabla, intercambio.COLUMNAS_OPORTUNIDADES)
    assert p["Atención a distancia"].tolist() == ["No"]


def test_con_el_texto_categorico_la_misma_asignacion_y_las_descargas_neutralizadas():
    """The lines as the store reads them (analisis.lineas_compactas: text as categoricals)."""
    from core.base import exportar

    df, f = _instancia_grande(4)
    df.loc[df.index[df["tipo"] == "Excedente"][:3], "unidad_nombre"] = "=HYPERLINK(1)"
    texto = [c for c in df.columns if df[c].dtype.kind in "OT" or pd.api.types.is_string_dtype(df[c])]
    categorico = df.astype({c: "category" for c in texto})
    a, b = intercambio.asignar(df, f), intercambio.asignar(categorico, f)
    assert (a.cubierto, a.paciente_km) == (b.cubierto, b.paciente_km)
    assert a.flujos.astype(object).equals(b.flujos.astype(object))
    assert a.sin_cubrir.astype(object).equals(b.sin_cubrir.astype(object))
    assert intercambio.sankey_estados(a.flujos).equals(intercambio.sankey_estados(b.flujos))
    csv = exportar.csv_bytes(intercambio.para_mostrar(b.flujos, intercambio.COLUMNAS_FLUJOS)).decode("utf-8-sig")
    assert "=HYPERLINK" in csv and all(c.startswith("'") for c in csv.split(",") if "=HYPERLINK" in c)


def test_opciones_de_grupo_y_especialidad_salen_de_las_lineas():
    df = _base_filtros()
    assert intercambio.opciones_grupo(df) == {"CEX": "Grupo CEX", "LAB": "Grupo LAB"}
    assert intercambio.opciones_especialidad(df, "LAB") == {
        "LAB-HEM": "Especialidad LAB-HEM",
        "LAB-QUI": "Especialidad LAB-QUI",
    }


@pytest.mark.sin_base(False)
@pytest.mark.parametrize("usuario", ["chihuahua", "quintana-roo"])
def test_capturista_no_lee_las_lineas_del_intercambio(store, cuenta, usuario):
    with pytest.raises(AccesoDenegado, match="exclusiva de la División"):
        intercambio.lineas(store, cuenta(usuario), 2026)


@pytest.mark.sin_base(False)
def test_sin_sesion_no_lee_las_lineas_del_intercambio(store):
    with pytest.raises(AccesoDenegado):
        intercambio.lineas(store, None, 2026)


@pytest.mark.sin_base(False)
def test_division_empareja_lo_finalizado_en_la_base(store, cuenta):
    """End to end through core: two OOAD capture and finalize; the division sees their exchange."""
    from core.capture import captura
    from core.capture.captura import FilaCaptura
    from core.lifecycle import ciclo
    from tests.conftest import ANIO

    chih, qroo = cuenta("chihuahua"), cuenta("quintana-roo")
    for c in (chih, qroo):
        ciclo.declarar(store, c, "Ana Pérez", ANIO, "SI")
    captura.guardar(
        store,
        chih,
        "Ana Pérez",
        ANIO,
        "IL-CH-0001",
        [FilaCaptura("39.95", fal_pacientes=12, fal_causa="Falta de Equipo")],
    )
    captura.guardar(store, qroo, "Ana Pérez", ANIO, "IL-QR-0002", [FilaCaptura("39.95", exc_pacientes=5)])
    ciclo.finalizar(store, chih, "Ana Pérez", ANIO)

    analista = cuenta("analista")
    # Only Chihuahua finalized: Quintana Roo's surplus counts once the switch adds en captura.
    solo_final = intercambio.asignar(intercambio.lineas(store, analista, ANIO))
    assert solo_final.cubierto == 0 and solo_final.sin_cubrir["motivo"].tolist() == [intercambio.MOTIVO_SIN_EXCEDENTE]
    a = intercambio.asignar(intercambio.lineas(store, analista, ANIO, incluir_en_captura=True))
    assert a.flujos[["de_unidad", "a_unidad", "producto", "pacientes"]].values.tolist() == [
        ["IL-QR-0002", "IL-CH-0001", "39.95", 5]
    ]
    km = a.flujos["km"].iloc[0]
    assert km == pytest.approx(float(intercambio.haversine_km(31.690363, -106.424547, 21.1619, -86.8515)), abs=0.05)
    assert a.sin_cubrir[["sin_cubrir", "motivo"]].values.tolist() == [[7, intercambio.MOTIVO_AGOTADO]]


def test_sin_lineas_todo_vacio():
    vacio = tabla(linea("x", "x", "Excedente", 1)).iloc[:0]
    a = intercambio.asignar(vacio)
    assert a.flujos.empty and a.sin_cubrir.empty and (a.faltante, a.cubierto, a.paciente_km) == (0, 0, 0)
    p = intercambio.oportunidades(vacio, limite=10)
    assert p.total == 0 and p.tabla.empty
    assert intercambio.opciones_grupo(vacio) == {}


# -- without all pairs: column generation, remote classes, streamed proposals, guard (issue 14) ---
@pytest.fixture
def generacion_de_columnas(monkeypatch):
    """Every product through column generation, from 1 candidate per shortage line, 1 pair added
    per round, in blocks of 64 cells: pricing has to find what the nearest candidate misses."""
    from core.analysis import transporte

    monkeypatch.setattr(transporte, "DENSO_MAX", 0)
    monkeypatch.setattr(transporte, "VECINOS_FALTANTE", 1)
    monkeypatch.setattr(transporte, "VECINOS_EXCEDENTE", 0)
    monkeypatch.setattr(transporte, "NUEVOS_POR_FILA", 1)
    monkeypatch.setattr(transporte, "CELDAS", 64)


def test_el_par_mas_cercano_no_basta_y_el_precio_agrega_el_lejano(generacion_de_columnas):
    # Both shortage lines' nearest surplus is E1 (San Luis Potosí): the candidates alone cover 5.
    df = tabla(
        linea("F1", "A", "Faltante", 5, CDMX),
        linea("F2", "A", "Faltante", 5, MONTERREY),
        linea("E1", "A", "Excedente", 5, SAN_LUIS),
        linea("E2", "A", "Excedente", 5, GUADALAJARA),
    )
    a = intercambio.asignar(df)
    assert a.cubierto == 10 and a.rondas >= 2 and a.arcos > 2  # the 2 candidates alone cover 5
    assert set(zip(a.flujos["de_unidad"], a.flujos["a_unidad"], strict=True)) == {("E1", "F2"), ("E2", "F1")}


def _instancia_grande(semilla: int) -> tuple[pd.DataFrame, Filtros]:
    """Two or three products over 10-24 units with heavy-tailed patients: far pairs matter."""
    rng = np.random.default_rng(1000 + semilla)
    n_unidades = int(rng.integers(10, 25))
    lugar = {u: (float(rng.uniform(15, 32)), float(rng.uniform(-116, -87))) for u in range(n_unidades)}
    lugar[1] = lugar[0]  # two units at one place: 0 km ties
    filas = []
    for p in range(int(rng.integers(2, 4))):
        remoto = p == 0 and rng.random() < 0.5
        for u in range(n_unidades):
            if rng.random() < 0.2:
                continue
            tipo = "Excedente" if rng.random() < 0.45 else "Faltante"
            pacientes = int(min(np.ceil(rng.pareto(1.3) * 4 + 1), 200))
            filas.append(
                linea(
                    f"U{u}",
                    f"P{p}",
                    tipo,
                    pacientes,
                    lugar[u],
                    estado=f"{u % 4:02d}",
                    ambito=("Ambulatorio", "Hospitalario")[int(rng.integers(2))],
                    remoto=remoto,
                )
            )
    filtros = [
        Filtros(),
        Filtros(km_max=800.0),
        Filtros(remoto_a_distancia=True),
        Filtros(mismo_estado=True, remoto_a_distancia=True),
        Filtros(misma_modalidad=True, km_max=1500.0),
    ][semilla % 5]
    return pd.DataFrame(filas), filtros


def _comparar_con_lp(df: pd.DataFrame, f: Filtros) -> intercambio.Asignacion:
    a = intercambio.asignar(df, f)
    flujo, costo = _optimo_lp(df, f)
    assert a.cubierto == round(flujo)
    assert a.paciente_km == pytest.approx(costo, abs=0.001 * a.cubierto + 0.1)
    if not a.flujos.empty:  # feasible on each side
        da = a.flujos.groupby(["de_unidad", "producto"])["pacientes"].sum()
        ofrecido = df[df["tipo"] == "Excedente"].set_index(["unidad", "producto"])["pacientes"]
        assert (da <= ofrecido.loc[da.index]).all() and (a.flujos["de_unidad"] != a.flujos["a_unidad"]).all()
    return a


@pytest.mark.parametrize("semilla", range(10))
def test_generacion_de_columnas_llega_al_optimo_de_la_programacion_lineal(semilla, generacion_de_columnas):
    df, f = _instancia_grande(semilla)
    _comparar_con_lp(df, f)


def test_generacion_de_columnas_necesita_varias_rondas(generacion_de_columnas):
    """The LP comparisons above exercise pricing: on these instances it adds far pairs."""
    rondas = [intercambio.asignar(*_instancia_grande(s)).rondas for s in range(0, 10, 5)]
    assert max(rondas) >= 3


@pytest.mark.parametrize("semilla", range(10))
def test_simplex_por_producto_llega_al_optimo_de_la_programacion_lineal(semilla):
    df, f = _instancia_grande(semilla)
    _comparar_con_lp(df, f)


@pytest.mark.parametrize("semilla", range(12))
def test_simplex_bloque_a_bloque_llega_al_optimo(semilla, monkeypatch):
    """The simplex threads solve one block while the next is evaluated: with blocks of one product
    each (two or three blocks in 11 of these 12 instances), every block's flows, the last one's
    too, are in the optimum."""
    from core.analysis import transporte

    df, f = _instancia_grande(semilla)
    df["remoto"] = False  # every product through the simplex
    por = df.groupby(["producto", "tipo"]).size().unstack(fill_value=0)
    monkeypatch.setattr(transporte, "CELDAS", int((por["Excedente"] * por["Faltante"]).max()))  # still dense
    enviados = []
    enviar = transporte._simplex_enviar
    monkeypatch.setattr(
        transporte, "_simplex_enviar", lambda pb, b, *a: enviados.append(len(b.productos)) or enviar(pb, b, *a)
    )
    _comparar_con_lp(df, f)
    assert len(enviados) == ((por["Excedente"] > 0) & (por["Faltante"] > 0)).sum(), enviados  # one block each


@pytest.mark.parametrize("semilla", range(12))
def test_generacion_de_columnas_en_las_instancias_pequenas(semilla, generacion_de_columnas):
    df, f = _instancia(semilla)
    _comparar_con_lp(df, f)


def test_simplex_con_una_ficticia_y_con_dos_cuando_hace_falta(monkeypatch):
    """One dummy suffices when eligible pairs can cover the smaller side; otherwise the product is
    solved again with two (here the only way to ship all of A's surplus is to A itself)."""
    import ot.lp.emd_wrap

    llamadas = []
    emd = ot.lp.emd_wrap.emd_c
    monkeypatch.setattr(ot.lp.emd_wrap, "emd_c", lambda *a: llamadas.append(a[2].shape) or emd(*a))
    df = tabla(
        linea("A", "P", "Excedente", 5, CDMX),
        linea("A", "P", "Faltante", 5, CDMX),
        linea("B", "P", "Faltante", 3, GUADALAJARA),
    )
    a = intercambio.asignar(df)
    assert (a.cubierto, len(llamadas)) == (3, 2) and llamadas[0] != llamadas[1]
    assert a.paciente_km == pytest.approx(_optimo_lp(df, Filtros())[1], abs=0.5)
    llamadas.clear()
    df = tabla(
        linea("A", "P", "Excedente", 5, CDMX),
        linea("B", "P", "Faltante", 2, GUADALAJARA),
        linea("C", "P", "Faltante", 9, MONTERREY),
    )
    a = intercambio.asignar(df)
    assert (a.cubierto, len(llamadas)) == (5, 1)
    assert a.paciente_km == pytest.approx(_optimo_lp(df, Filtros())[1], abs=0.5)


def test_remotos_por_clase_cubren_el_minimo_de_cada_clase_en_orden():
    df = tabla(
        linea("E1", "R", "Excedente", 5, CANCUN, estado="23", remoto=True),
        linea("E2", "R", "Excedente", 4, MONTERREY, estado="19", remoto=True),
        linea("E3", "R", "Excedente", 6, CHETUMAL, estado="23", remoto=True),
        linea("F1", "R", "Faltante", 7, MONTERREY, estado="23", remoto=True),
        linea("F2", "R", "Faltante", 3, CDMX, estado="23", remoto=True),
        linea("F3", "R", "Faltante", 9, SAN_LUIS, estado="19", remoto=True),
    )
    a = intercambio.asignar(df, Filtros(remoto_a_distancia=True, mismo_estado=True))
    # State 23: 11 offered, 10 asked: all covered; state 19: 4 offered, 9 asked.
    assert a.cubierto == 14 and a.paciente_km == 0 and a.rondas == 0
    pares = sorted(zip(a.flujos["de_unidad"], a.flujos["a_unidad"], a.flujos["pacientes"], strict=True))
    assert pares == [("E1", "F1", 5), ("E2", "F3", 4), ("E3", "F1", 2), ("E3", "F2", 3)]
    assert a.flujos["remoto"].all()
    assert a.sin_cubrir[["unidad", "sin_cubrir"]].values.tolist() == [["F3", 5]]
    # Same call, same answer.
    assert intercambio.asignar(df, Filtros(remoto_a_distancia=True, mismo_estado=True)).flujos.equals(a.flujos)


def test_remoto_con_una_unidad_en_ambos_lados_no_se_empareja_consigo():
    df = tabla(
        linea("U1", "R", "Excedente", 5, CANCUN, remoto=True),
        linea("U1", "R", "Faltante", 5, CANCUN, remoto=True),
        linea("U2", "R", "Faltante", 3, MONTERREY, remoto=True),
    )
    a = _comparar_con_lp(df, Filtros(remoto_a_distancia=True))
    assert a.cubierto == 3 and a.flujos["a_unidad"].tolist() == ["U2"]


def test_empates_dan_siempre_la_misma_asignacion():
    df, f = _instancia_grande(0)
    a, b = intercambio.asignar(df, f), intercambio.asignar(df, f)
    assert a.flujos.equals(b.flujos) and a.sin_cubrir.equals(b.sin_cubrir)


def test_sin_matriz_de_distancias_el_mismo_resultado(monkeypatch):
    from core.analysis import transporte

    df, f = _instancia_grande(1)
    a = intercambio.asignar(df, f)
    monkeypatch.setattr(transporte, "MAX_LUGARES", 0)
    b = intercambio.asignar(df, f)
    assert (a.cubierto, a.paciente_km) == (b.cubierto, b.paciente_km)


@pytest.mark.parametrize("semilla", range(3))
def test_propuestas_por_bloques_son_las_primeras_del_orden_completo(semilla, monkeypatch):
    from core.analysis import transporte

    df, f = _instancia_grande(semilla)
    completo = intercambio.oportunidades(df, f)
    monkeypatch.setattr(transporte, "CELDAS", 32)  # many blocks, each keeping only what can still enter
    for limite in (1, 7, 40):
        p = intercambio.oportunidades(df, f, limite=limite)
        assert p.total == completo.total
        pd.testing.assert_frame_equal(p.tabla, completo.tabla.head(limite))


def test_guardia_rechaza_lo_que_no_cabe_en_la_memoria(monkeypatch):
    from core.analysis import guardia
    from core.base.errors import AnalisisDemasiadoGrande

    df, f = _instancia_grande(2)
    una = df[df["producto"] == "P1"]
    estimado, estimado_una = intercambio.estimar(df, f, 100), intercambio.estimar(una, f, 100)
    assert 0 < estimado_una < estimado  # from counts: fewer lines, less memory
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", (estimado + estimado_una) / 2 / (1 << 20))
    with pytest.raises(AnalisisDemasiadoGrande, match="Elija un Grupo de Servicio o una Especialidad Troncal"):
        intercambio.oportunidades(df, f, limite=100)
    intercambio.oportunidades(una, f, limite=100)
    # The allocation builds no ranked rows: its own estimate.
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", (intercambio.estimar(df, f) + intercambio.estimar(una, f)) / 2**21)
    with pytest.raises(AnalisisDemasiadoGrande, match="servidor permite"):
        intercambio.asignar(df, f)
    intercambio.asignar(una, f)


def test_la_guardia_suma_las_lineas_que_se_retienen_mientras_corre(monkeypatch):
    """The page holds the lines while the allocation runs: the estimate is their sum, not each apart."""
    from core.analysis import guardia
    from core.base.errors import AnalisisDemasiadoGrande

    df, f = _instancia_grande(2)
    exc, fal = intercambio._lados(df, f)
    solo = guardia.estimar_intercambio(exc["producto"], fal["producto"], exc["unidad"], fal["unidad"], 0)
    retenido = int(df.memory_usage(index=True, deep=True).sum())
    assert intercambio.estimar(df, f) == solo + retenido
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", (solo + retenido / 2) / (1 << 20))
    with pytest.raises(AnalisisDemasiadoGrande, match="servidor permite"):
        intercambio.asignar(df, f)
    with pytest.raises(AnalisisDemasiadoGrande, match="servidor permite"):
        intercambio.oportunidades(df, f, limite=0)


def test_un_solo_analisis_pesado_a_la_vez(monkeypatch):
    import threading

    from core.analysis import guardia
    from core.base.errors import AnalisisEnCurso

    df, f = _instancia_grande(2)
    monkeypatch.setattr(guardia, "PESADO_MB", 0)  # every request is heavy
    monkeypatch.setattr(guardia, "ESPERA_S", 0.2)
    with guardia._turno:  # another request holds the turn
        with pytest.raises(AnalisisEnCurso, match="Ya hay un análisis en curso"):
            intercambio.asignar(df, f)
    # Released within the wait: the second one runs.
    monkeypatch.setattr(guardia, "ESPERA_S", 10)
    guardia._turno.acquire()
    threading.Timer(0.1, guardia._turno.release).start()
    assert intercambio.asignar(df, f).faltante > 0
    # A light request never waits for the turn.
    monkeypatch.setattr(guardia, "PESADO_MB", 1 << 20)
    with guardia._turno:
        assert intercambio.asignar(df, f).faltante > 0


@pytest.mark.parametrize("semilla", range(4))
def test_calcular_da_las_propuestas_y_la_asignacion_de_cada_una_por_separado(semilla, monkeypatch):
    from core.analysis import transporte

    df, f = _instancia_grande(semilla) if semilla % 2 else _instancia(semilla)
    monkeypatch.setattr(transporte, "CELDAS", 64)  # several blocks in the one pass
    for limite in (None, 3):
        p, a = intercambio.calcular(df, f, limite=limite)
        sola_p, sola_a = intercambio.oportunidades(df, f, limite=limite), intercambio.asignar(df, f)
        pd.testing.assert_frame_equal(p.tabla, sola_p.tabla)
        assert p.total == sola_p.total
        assert a.flujos.equals(sola_a.flujos) and a.sin_cubrir.equals(sola_a.sin_cubrir)
        assert (a.cubierto, a.paciente_km, a.faltante) == (sola_a.cubierto, sola_a.paciente_km, sola_a.faltante)


# -- the reason a shortage is left uncovered when coordinates are missing (issue 14 §3) ---------
SIN_LUGAR = (float("nan"), float("nan"))


def test_unidad_sin_coordenadas_no_esta_fuera_de_los_filtros():
    df = tabla(
        linea("F_SIN", "A", "Faltante", 4, SIN_LUGAR),  # the shortage unit has no coordinates
        linea("E1", "A", "Excedente", 9, CDMX),
        linea("F2", "B", "Faltante", 3, CDMX),
        linea("E_SIN", "B", "Excedente", 5, SIN_LUGAR),  # the only surplus of B has none
        linea("F3", "C", "Faltante", 2, CDMX),
        linea("E3", "C", "Excedente", 2, SIN_LUGAR),
        linea("E4", "C", "Excedente", 2, MONTERREY),  # C has surplus with coordinates: it is covered
    )
    a = intercambio.asignar(df)  # no filter at all
    motivos = dict(zip(a.sin_cubrir["unidad"], a.sin_cubrir["motivo"], strict=True))
    assert motivos == {
        "F_SIN": intercambio.MOTIVO_SIN_COORDENADAS,
        "F2": intercambio.MOTIVO_EXCEDENTE_SIN_COORDENADAS,
    }
    assert a.cubierto == 2
    # With a distance filter that leaves C's surplus out, C is out of the filters; A and B keep theirs.
    lejos = intercambio.asignar(df, Filtros(km_max=100))
    motivos = dict(zip(lejos.sin_cubrir["unidad"], lejos.sin_cubrir["motivo"], strict=True))
    assert motivos["F3"] == intercambio.MOTIVO_FUERA_FILTROS
    assert motivos["F_SIN"] == intercambio.MOTIVO_SIN_COORDENADAS
    assert motivos["F2"] == intercambio.MOTIVO_EXCEDENTE_SIN_COORDENADAS


def test_sin_coordenadas_la_atencion_a_distancia_si_cubre():
    df = tabla(
        linea("F_SIN", "R", "Faltante", 4, SIN_LUGAR, remoto=True),
        linea("E1", "R", "Excedente", 9, CDMX, remoto=True),
    )
    assert intercambio.asignar(df).sin_cubrir["motivo"].tolist() == [intercambio.MOTIVO_SIN_COORDENADAS]
    a = intercambio.asignar(df, Filtros(remoto_a_distancia=True))
    assert a.cubierto == 4 and a.sin_cubrir.empty
    # Remote but another state while only the same state is allowed: the filter is the reason.
    otro = df.assign(cve_ent=["01", "02"])
    a = intercambio.asignar(otro, Filtros(remoto_a_distancia=True, mismo_estado=True))
    assert a.sin_cubrir["motivo"].tolist() == [intercambio.MOTIVO_FUERA_FILTROS]


def _motivo_a_mano(df: pd.DataFrame, f: Filtros, j: int) -> str:
    """The reason for shortage line `j`, pair by pair (the rules in intercambio's docstring)."""
    s = df.loc[j]
    otras = df[
        (df["tipo"] == "Excedente")
        & (df["pacientes"] > 0)
        & (df["producto"] == s["producto"])
        & (df["unidad"] != s["unidad"])
    ]
    if otras.empty:
        return intercambio.MOTIVO_SIN_EXCEDENTE
    sin_lugar = lambda r: math.isnan(r["lat"]) or math.isnan(r["lon"])  # noqa: E731
    remoto = f.remoto_a_distancia and bool(otras["remoto"].any())
    for _, e in otras.iterrows():
        a_distancia = f.remoto_a_distancia and bool(e["remoto"])
        cerca = a_distancia or (
            not sin_lugar(e)
            and not sin_lugar(s)
            and (f.km_max is None or intercambio.haversine_km(e["lat"], e["lon"], s["lat"], s["lon"]) <= f.km_max)
        )
        if (
            cerca
            and (not f.mismo_estado or e["cve_ent"] == s["cve_ent"])
            and (not f.misma_modalidad or e["ambito"] == s["ambito"])
        ):
            return intercambio.MOTIVO_AGOTADO
    if not remoto and sin_lugar(s):
        return intercambio.MOTIVO_SIN_COORDENADAS
    if not remoto and all(sin_lugar(e) for _, e in otras.iterrows()):
        return intercambio.MOTIVO_EXCEDENTE_SIN_COORDENADAS
    return intercambio.MOTIVO_FUERA_FILTROS


@pytest.mark.parametrize("semilla", range(12))  # each of the five reasons appears 13+ times in these
def test_motivos_con_unidades_sin_coordenadas_contra_recalculo(semilla):
    df, f = _instancia(semilla)
    rng = np.random.default_rng(1000 + semilla)
    for u in rng.choice(df["unidad"].unique(), size=int(rng.integers(1, 3))):
        df.loc[df["unidad"] == u, ["lat", "lon"]] = np.nan
    for filtros in (f, Filtros()):
        a = intercambio.asignar(df, filtros)
        quedan = df.index[(df["tipo"] == "Faltante") & (df["pacientes"] > 0)]
        esperado = {}
        for j in quedan:
            cubiertos = a.flujos.loc[a.flujos["a_unidad"] == df.loc[j, "unidad"], "pacientes"]
            cubiertos = cubiertos[a.flujos["producto"] == df.loc[j, "producto"]].sum()
            if cubiertos < df.loc[j, "pacientes"]:
                esperado[(df.loc[j, "unidad"], df.loc[j, "producto"])] = _motivo_a_mano(df, filtros, j)
        obtenido = dict(
            zip(zip(a.sin_cubrir["unidad"], a.sin_cubrir["producto"], strict=True), a.sin_cubrir["motivo"], strict=True)
        )
        assert obtenido == esperado, (semilla, filtros)
        if filtros == Filtros():
            assert intercambio.MOTIVO_FUERA_FILTROS not in obtenido.values()


# -- the Sankey's top flows and «Otros» --------------------------------------------------------------
def _flujos(rng, n_estados: int, n: int) -> pd.DataFrame:
    nombres = [f"Estado {k:02d}" for k in range(n_estados)]
    pares = rng.choice(n_estados * n_estados, size=n, replace=False)
    t = pd.DataFrame(
        {
            "origen": [nombres[p // n_estados] for p in pares],
            "destino": [nombres[p % n_estados] for p in pares],
            "pacientes": rng.integers(1, 500, size=n),
        }
    )
    return t.sort_values("pacientes", ascending=False, kind="stable", ignore_index=True)


@pytest.mark.parametrize("maximo", [1, 5, 15])
def test_sankey_los_mayores_flujos_y_el_resto_en_otros(maximo):
    rng = np.random.default_rng(maximo)
    estados = _flujos(rng, 32, 300)
    g = intercambio.agrupar_estados(estados, maximo)
    # The largest flows one by one; the rest folded; nothing lost.
    assert g.iloc[:maximo].to_dict("records") == estados.iloc[:maximo].to_dict("records")
    assert g["pacientes"].sum() == estados["pacientes"].sum()
    assert len(g) <= 3 * maximo + 1 and not g.duplicated(["origen", "destino"]).any()
    mostrados_o, mostrados_d = set(estados["origen"][:maximo]), set(estados["destino"][:maximo])
    resto = g.iloc[maximo:]
    assert set(resto["origen"]) <= mostrados_o | {intercambio.OTROS}
    assert set(resto["destino"]) <= mostrados_d | {intercambio.OTROS}
    # Every offering state shown carries all it offers.
    for e in mostrados_o:
        assert g.loc[g["origen"] == e, "pacientes"].sum() == estados.loc[estados["origen"] == e, "pacientes"].sum()
    # A folded flow from a state not shown keeps its receiving state when that one is shown.
    for r in estados.iloc[maximo:].itertuples():
        if r.origen not in mostrados_o and r.destino in mostrados_d:
            assert ((resto["origen"] == intercambio.OTROS) & (resto["destino"] == r.destino)).any()


def test_sankey_con_pocos_flujos_no_agrupa():
    estados = _flujos(np.random.default_rng(3), 5, 6)
    assert intercambio.agrupar_estados(estados, 15).equals(estados)
    assert intercambio.agrupar_estados(estados, None).equals(estados)


def test_sankey_empates_en_orden_espanol():
    df = tabla(
        linea("F1", "A", "Faltante", 4, CDMX, estado="16"),
        linea("F2", "B", "Faltante", 4, CDMX, estado="15"),
        linea("E1", "A", "Excedente", 4, GUADALAJARA, estado="14"),
        linea("E2", "B", "Excedente", 4, GUADALAJARA, estado="14"),
    )
    df["estado_nombre"] = df["cve_ent"].map({"14": "Jalisco", "15": "México", "16": "Michoacán"})
    estados = intercambio.sankey_estados(intercambio.asignar(df).flujos)
    assert estados["destino"].tolist() == ["México", "Michoacán"]


@pytest.mark.parametrize("ancho", [10, 1 << 40])  # keys packed into one, and too wide to pack
def test_el_orden_de_varias_claves_es_el_de_lexsort(ancho):
    rng = np.random.default_rng(ancho % 97)
    claves = [rng.integers(-ancho, ancho, 5_000) for _ in range(3)]
    assert intercambio._orden(*claves).tolist() == np.lexsort(claves[::-1]).tolist()
    km = np.round(rng.uniform(0, 50, 5_000), 3)
    km[rng.random(5_000) < 0.1] = np.nan  # remote care without coordinates: no distance, last
    assert intercambio._orden(intercambio._decimas(km)).tolist() == np.lexsort([np.round(km, 1)]).tolist()
    assert intercambio._orden(np.empty(0, dtype=np.int64)).tolist() == []


def test_mayores_son_las_filas_con_mas_en_su_orden():
    rng = np.random.default_rng(3)
    valores = rng.integers(0, 20, 500)  # many ties
    for n in (0, 1, 37, 499, 500, 800):
        esperado = np.sort(pd.Series(valores).nlargest(n, keep="first").index.to_numpy())
        assert intercambio.mayores(valores, n).tolist() == esperado.tolist()
