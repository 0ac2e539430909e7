"""The Paso 6 grid model: edits stay with their product whatever the search or specialty."""

from __future__ import annotations

import pandas as pd
import pytest

from core.base.errors import CapturaInvalida
from core.capture import captura, rejilla
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO

HGZ6 = "IL-CH-0001"


def _grid(filas: dict) -> dict:
    """What the grid returns: the rows it touched, by product code."""
    return {"filas": filas}


def _base(store, cuenta, esp="CIR-GEN"):
    return rejilla.base(store, cuenta, ANIO, HGZ6, esp)


def test_ediciones_siguen_a_su_producto_al_buscar_y_cambiar_de_especialidad(store, cuenta):
    c = cuenta("chihuahua")
    base = _base(store, c)
    pend: dict = {}
    # Full list shown: the user types on row 2 (51.23).
    mostrado = rejilla.superponer(base, pend)
    assert mostrado.index[2] == "51.23"
    rejilla.fusionar(pend, mostrado, _grid({"51.23": {"exc_pacientes": "10"}}))
    # Searching shows only "apendicectomía": 47.01 is now row 0, 47.09 row 1.
    claves = captura.productos(store, "CIR-GEN", "apendicectomia")["clave"].tolist()
    filtrado = rejilla.superponer(base.loc[claves], pend)
    assert "51.23" not in filtrado.index
    devuelto = _grid({"47.01": {"fal_causa": "Falta de Equipo", "fal_pacientes": "4"}})
    rejilla.fusionar(pend, filtrado, devuelto)
    # Another specialty, then back: nothing lost, nothing moved.
    otra = rejilla.superponer(_base(store, c, "CIR-OFT"), pend)
    assert otra["exc_pacientes"].isna().all() and otra["fal_pacientes"].isna().all()
    completo = rejilla.superponer(base, pend)
    assert completo.loc["51.23", "exc_pacientes"] == "10"  # quantities are text columns in the grid
    assert completo.loc["47.01", "fal_pacientes"] == "4" and completo.loc["47.01", "fal_causa"] == "Falta de Equipo"
    assert pd.isna(completo.loc["47.09", "exc_pacientes"]) and pd.isna(completo.loc["47.09", "fal_pacientes"])
    # Merging the same grid state twice changes nothing.
    antes = {k: dict(v) for k, v in pend.items()}
    rejilla.fusionar(pend, rejilla.superponer(base.loc[claves], pend), devuelto)
    assert pend == antes
    filas = rejilla.cambios(pend, captura.lineas_unidad(store, c, ANIO, HGZ6))
    assert sorted(f.producto for f in filas) == ["47.01", "51.23"]


def test_solo_se_envian_las_filas_cambiadas_con_su_version(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, "x", ANIO, "SI")
    captura.guardar(
        store, c, "x", ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5), FilaCaptura("47.09", exc_pacientes=2)]
    )
    lineas = captura.lineas_unidad(store, c, ANIO, HGZ6)
    base = _base(store, c)
    assert base.loc["47.01", "guardado"] == "✅ Excedente" and base.loc["47.01", "version"] == 1
    pend: dict = {}
    # Row touched but set back to the saved value: not a change. Row cleared: a deletion.
    rejilla.fusionar(pend, base, _grid({"47.01": {"exc_pacientes": "5"}, "47.09": {"exc_pacientes": None}}))
    filas = rejilla.cambios(pend, lineas)
    assert [(f.producto, f.version, f.exc_pacientes) for f in filas] == [("47.09", 1, None)]
    assert rejilla.resumen_cambios(filas, lineas) == (0, 0, 1)
    res = captura.guardar(store, c, "x", ANIO, HGZ6, filas)
    assert res.eliminadas == 1


def test_fila_solo_con_ambito_no_es_cambio(store, cuenta):
    c = cuenta("chihuahua")
    lineas = captura.lineas_unidad(store, c, ANIO, HGZ6)
    base = _base(store, c)
    pend: dict = {}
    rejilla.fusionar(pend, base, _grid({base.index[0]: {"exc_ambito": "Ambulatorio"}}))
    assert rejilla.cambios(pend, lineas) == []


def test_rejilla_de_otra_ooad_no_se_lee(store, cuenta):
    import pytest

    from core.base.errors import AccesoDenegado

    with pytest.raises(AccesoDenegado):
        rejilla.base(store, cuenta("quintana-roo"), ANIO, HGZ6, "CIR-GEN")


# -- the column-wise diff of what the grid returns (pure functions, no store) ------------------------
def _mostrado() -> pd.DataFrame:
    """Two products as the grid shows them: 10.01 saved as a Faltante (version 3), 10.02 empty."""
    filas = {
        "10.01": {
            **dict.fromkeys(rejilla.CAMPOS),
            "exc_ambito": "Ambulatorio",
            "fal_causa": "Falta de Equipo",
            "fal_ambito": "Ambulatorio",
            "fal_eventos": "2,989",
            "fal_pacientes": "250",
            "version": 3,
        },
        "10.02": {**dict.fromkeys(rejilla.CAMPOS), "exc_ambito": "Hospitalario", "fal_ambito": "Hospitalario"},
    }
    df = pd.DataFrame.from_dict(filas, orient="index").astype(object)
    df["version"] = df["version"].astype("Int64")
    return df.assign(producto=["A", "B"], guardado=["✅ Faltante", ""])


def test_rejilla_sin_cambios_no_da_ediciones():
    m = _mostrado()
    # The grid returns nothing yet, or rows exactly as shown (empty text and blanks are empty cells).
    todo = {p: {c: (m.at[p, c] if m.at[p, c] is not None else "") for c in rejilla.CAMPOS} for p in m.index}
    for devuelto in (None, {}, {"filas": {}}, {"filas": todo}, {"filas": {"10.02": {"exc_pacientes": "  "}}}):
        assert rejilla.ediciones(m, devuelto) == {}
        pend: dict = {}
        assert rejilla.fusionar(pend, m, devuelto) == {}


@pytest.mark.parametrize(
    ("producto", "campo", "tecleado"),
    [
        ("10.02", "exc_pacientes", "1,5"),
        ("10.02", "exc_eventos", "-1"),
        ("10.02", "fal_pacientes", " 2989 "),
        ("10.02", "fal_causa", "abc"),
        ("10.02", "fal_causa", "falta de equipo"),  # not an option as typed: kept, core decides
        ("10.01", "fal_eventos", "2989"),  # the same number written otherwise is still what was typed
        ("10.01", "fal_pacientes", None),  # a cell emptied
    ],
)
def test_una_celda_cambiada_es_una_edicion_con_el_valor_tal_cual(producto, campo, tecleado):
    m = _mostrado()
    devuelto = {"filas": {producto: {**{c: m.at[producto, c] for c in rejilla.CAMPOS}, campo: tecleado}}}
    assert rejilla.ediciones(m, devuelto) == {producto: {campo: tecleado}}
    pend: dict = {}
    rejilla.fusionar(pend, m, devuelto)
    assert list(pend) == [producto] and pend[producto][campo] == tecleado
    assert pend[producto]["version"] == (3 if producto == "10.01" else None)


def test_productos_ajenos_a_la_rejilla_y_campos_desconocidos_se_ignoran():
    m = _mostrado()
    devuelto = {"filas": {"99.99": {"exc_pacientes": "5"}, "10.02": {"guardado": "x", "producto": "y"}}}
    assert rejilla.ediciones(m, devuelto) == {}
    assert rejilla.ediciones(m, {"filas": ["no", "es", "un", "dict"]}) == {}


def test_volver_al_valor_mostrado_deshace_la_edicion_y_se_conserva_la_version_primera():
    m = _mostrado()
    pend: dict = {}
    rejilla.fusionar(pend, m, {"filas": {"10.01": {"fal_pacientes": "300"}}})
    assert pend["10.01"]["fal_pacientes"] == "300"
    # The grid shows the pending value now; the person types the saved one back.
    rejilla.fusionar(pend, rejilla.superponer(m, pend), {"filas": {"10.01": {"fal_pacientes": "250"}}})
    assert pend["10.01"]["fal_pacientes"] == "250"
    assert rejilla.cambios(pend, _lineas_guardadas()) == []
    # A frame read later with a newer version keeps the version the edit started from.
    pend["10.01"]["fal_pacientes"] = "300"
    m2 = m.copy()
    m2.loc["10.01", "version"] = 4
    rejilla.fusionar(pend, rejilla.superponer(m2, pend), {"filas": {"10.01": {"fal_eventos": "3,000"}}})
    assert pend["10.01"]["version"] == 3 and pend["10.01"]["fal_eventos"] == "3,000"


def _lineas_guardadas() -> pd.DataFrame:
    return pd.DataFrame(
        [{"producto": "10.01", "tipo": "Faltante", "pacientes": 250, "eventos": 2989, "ambito": "Ambulatorio"}]
    ).assign(causa="Falta de Equipo")


@pytest.mark.parametrize(
    ("fila", "bloqueado"),
    [
        ({}, None),
        ({"exc_ambito": "Ambulatorio", "fal_ambito": "Hospitalario"}, None),  # the prefilled ámbito is no value
        ({"exc_pacientes": "5"}, "fal"),
        ({"exc_eventos": "abc"}, "fal"),
        ({"fal_causa": "Falta de Equipo"}, "exc"),
        ({"fal_pacientes": " 7 "}, "exc"),
        ({"fal_eventos": "  "}, None),
    ],
)
def test_lado_bloqueado_cuando_el_otro_tiene_dato(fila, bloqueado):
    assert rejilla.lado_bloqueado(fila) == bloqueado


def test_ambos_lados_llegan_tal_cual_y_core_los_rechaza(store, cuenta):
    """The grid locks the other side; a row with both (pasted around it, or sent by hand) is kept as it
    came and core refuses it with its message, saving nothing."""
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, "x", ANIO, "SI")
    base = _base(store, c)
    pend: dict = {}
    rejilla.fusionar(pend, base, _grid({"47.01": {"exc_pacientes": "5", "fal_causa": "Falta de Equipo"}}))
    filas = rejilla.cambios(pend, captura.lineas_unidad(store, c, ANIO, HGZ6))
    assert [(f.exc_pacientes, f.fal_causa) for f in filas] == [("5", "Falta de Equipo")]
    with pytest.raises(CapturaInvalida, match="no puede ser Excedente y Faltante"):
        captura.guardar(store, c, "x", ANIO, HGZ6, filas)
    assert captura.lineas_unidad(store, c, ANIO, HGZ6).empty


@pytest.mark.parametrize("n", [2, 12])  # cell by cell, and column by column (many pending rows)
def test_superponer_escribe_lo_pendiente_sobre_lo_guardado(n):
    base = pd.concat([_mostrado()] * 7)
    base.index = [f"10.{i:02d}" for i in range(1, 15)]
    base["guardado"] = base["guardado"].astype("str")
    pend = {
        p: {**dict.fromkeys(rejilla.CAMPOS), "exc_pacientes": 1000 + i, "exc_ambito": "Hospitalario", "version": None}
        for i, p in enumerate(base.index[:n])
    }
    pend["99.99"] = dict(pend[base.index[0]])  # not in the frame: ignored
    out = rejilla.superponer(base, pend)
    assert list(out.index) == list(base.index) and list(out.columns) == list(base.columns)
    for i, p in enumerate(base.index):
        if i < n:
            assert out.at[p, "exc_pacientes"] == f"{1000 + i:,}" and out.at[p, "fal_pacientes"] is None
            assert out.at[p, "guardado"] == (base.at[p, "guardado"] + " ✏️").strip()
        else:
            assert out.loc[p].equals(base.loc[p])
    assert base.at[base.index[0], "exc_pacientes"] is None  # the frame itself is left as it was
    assert out["guardado"].dtype == base["guardado"].dtype


def test_cambios_compara_cada_producto_con_su_linea_guardada():
    lineas = pd.concat([_lineas_guardadas()] * 2, ignore_index=True)
    lineas.loc[1, "producto"] = "10.02"
    lineas.loc[1, "pacientes"] = 7
    igual = {**dict.fromkeys(rejilla.CAMPOS), "fal_causa": "Falta de Equipo", "fal_pacientes": "250"}
    igual |= {"fal_eventos": "2,989", "fal_ambito": "Ambulatorio", "version": 3}
    otra = {**igual, "fal_pacientes": "8", "version": 1}
    assert [f.producto for f in rejilla.cambios({"10.01": igual, "10.02": otra}, lineas)] == ["10.02"]
