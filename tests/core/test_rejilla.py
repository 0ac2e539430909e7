"""The Paso 6 grid model: edits stay with their product whatever the search or specialty."""

from __future__ import annotations

import pandas as pd

from core.capture import captura, rejilla
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO

HGZ6 = "IL-CH-0001"


def _base(store, cuenta, esp="CIR-GEN"):
    return rejilla.base(store, cuenta, ANIO, HGZ6, esp)


def test_ediciones_siguen_a_su_producto_al_buscar_y_cambiar_de_especialidad(store, cuenta):
    c = cuenta("chihuahua")
    base = _base(store, c)
    pend: dict = {}
    # Full list shown: the user types on row 2 (51.23).
    mostrado = rejilla.superponer(base, pend)
    assert mostrado.index[2] == "51.23"
    rejilla.fusionar_ediciones(pend, mostrado, {2: {"exc_pacientes": 10}})
    # Searching shows only "apendicectomía": 47.01 is now row 0, 47.09 row 1.
    claves = captura.productos(store, "CIR-GEN", "apendicectomia")["clave"].tolist()
    filtrado = rejilla.superponer(base.loc[claves], pend)
    assert "51.23" not in filtrado.index
    rejilla.fusionar_ediciones(pend, filtrado, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": 4}})
    # Another specialty, then back: nothing lost, nothing moved.
    otra = rejilla.superponer(_base(store, c, "CIR-OFT"), pend)
    assert otra["exc_pacientes"].isna().all() and otra["fal_pacientes"].isna().all()
    completo = rejilla.superponer(base, pend)
    assert completo.loc["51.23", "exc_pacientes"] == "10"  # quantities are text columns in the grid
    assert completo.loc["47.01", "fal_pacientes"] == "4" and completo.loc["47.01", "fal_causa"] == "Falta de Equipo"
    assert pd.isna(completo.loc["47.09", "exc_pacientes"]) and pd.isna(completo.loc["47.09", "fal_pacientes"])
    # Merging the same grid state twice changes nothing.
    antes = {k: dict(v) for k, v in pend.items()}
    rejilla.fusionar_ediciones(pend, filtrado, {0: {"fal_causa": "Falta de Equipo", "fal_pacientes": 4}})
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
    rejilla.fusionar_ediciones(pend, base, {0: {"exc_pacientes": 5.0}, 1: {"exc_pacientes": None}})
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
    rejilla.fusionar_ediciones(pend, base, {0: {"exc_ambito": "Ambulatorio"}})
    assert rejilla.cambios(pend, lineas) == []


def test_rejilla_de_otra_ooad_no_se_lee(store, cuenta):
    import pytest

    from core.base.errors import AccesoDenegado

    with pytest.raises(AccesoDenegado):
        rejilla.base(store, cuenta("quintana-roo"), ANIO, HGZ6, "CIR-GEN")
