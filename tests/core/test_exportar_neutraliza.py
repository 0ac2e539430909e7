"""Nothing a user typed runs in a spreadsheet: every cell and every header of a download is neutralised.

The catalog template is the path a product name from an accepted request takes back to a spreadsheet;
it is neutralised too, and the import undoes it, so the template still round-trips unchanged.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.admin import importacion, solicitudes
from core.base import exportar

# The neutraliser is pure: only the tests marked sin_base(False) open a store (tests/conftest.py).
pytestmark = pytest.mark.sin_base

# Every sign a spreadsheet may read as the start of a formula, with what follows it.
PELIGROSOS = ["=1+1", "+52 55", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20A1"]
ENLACE = '=HYPERLINK("http://x","clic")'


def _leer_csv(datos: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(datos.decode("utf-8-sig"), newline="")))


def _leer_xlsx(datos: bytes):
    return openpyxl.load_workbook(io.BytesIO(datos))["Hoja"]


def _texto(celda) -> str:
    """openpyxl leaves xlsx's escape of a carriage return as it is in the file."""
    return celda.value.replace("_x000D_", "\r")


@pytest.mark.parametrize("valor", PELIGROSOS)
def test_celda_que_empieza_como_formula_se_neutraliza(valor):
    df = pd.DataFrame({"Producto": [valor, "Hemodiálisis"]})
    assert exportar.neutralizar(df)["Producto"].tolist() == ["'" + valor, "Hemodiálisis"]
    assert _leer_csv(exportar.csv_bytes(df))[1] == ["'" + valor]
    hoja = _leer_xlsx(exportar.xlsx_bytes({"Hoja": df}))
    assert _texto(hoja["A2"]) == "'" + valor and hoja["A2"].data_type == "s"


@pytest.mark.parametrize("valor", PELIGROSOS)
def test_encabezado_que_empieza_como_formula_se_neutraliza(valor):
    """Column names come from data too (a pivot's columns are unit or product names)."""
    df = pd.DataFrame({valor: [1], "Total": [2]})
    assert list(exportar.neutralizar(df).columns) == ["'" + valor, "Total"]
    assert _leer_csv(exportar.csv_bytes(df))[0] == ["'" + valor, "Total"]
    hoja = _leer_xlsx(exportar.xlsx_bytes({"Hoja": df}))
    assert [_texto(c) for c in hoja[1]] == ["'" + valor, "Total"]
    assert hoja["A2"].value == 1  # the numbers under it stay numbers


def test_texto_inocente_y_numeros_quedan_igual():
    df = pd.DataFrame({"Nombre": ["Ana", "a=b", "1-2", "'texto"], "Balance": [-3, 0, 5, -1]})
    salida = exportar.neutralizar(df)
    assert salida["Nombre"].tolist() == ["Ana", "a=b", "1-2", "'texto"]
    assert salida["Balance"].tolist() == [-3, 0, 5, -1]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "\uff1d", "a", " ", "ñ"]), max_size=6))
def test_restaurar_deshace_neutralizar(valor):
    neutro = exportar._neutralizar_valor(valor)
    assert not neutro.startswith(exportar._INICIO_FORMULA)
    assert exportar.restaurar(neutro) == valor


@pytest.mark.sin_base(False)
def test_plantilla_del_catalogo_neutraliza_y_vuelve_a_subirse_igual(store, cuenta):
    """A product request accepted with a formula as its name reaches the template as text, not a link."""
    id_ = solicitudes.solicitar_producto(
        store,
        cuenta("chihuahua"),
        "Persona de prueba",
        "chihuahua",
        especialidad="LAB",
        nombre=ENLACE,
        justificacion="Lo realizamos cada mes y no aparece en el listado del Paso 6.",
        ambito_default="Ambulatorio",
    )
    clave = solicitudes.aceptar(store, cuenta("admin"), id_)
    datos = importacion.catalogo_csv(store, cuenta("admin"), "productos")
    filas = _leer_csv(datos)
    fila = next(f for f in filas if f[0] == clave)
    assert fila[2] == "'" + ENLACE
    assert not any(celda.startswith(exportar._INICIO_FORMULA) for f in filas for celda in f)
    vista = importacion.vista_previa(store, cuenta("admin"), "productos", "productos.csv", datos)
    assert not vista.hay_cambios and vista.sin_cambio == len(filas) - 1


@pytest.mark.sin_base(False)
def test_catalogo_en_excel_tambien_vuelve_igual(store, cuenta):
    """The same template saved as .xlsx by the export (neutralised there too) imports unchanged."""
    id_ = solicitudes.solicitar_producto(
        store,
        cuenta("chihuahua"),
        "Persona de prueba",
        "chihuahua",
        especialidad="LAB",
        nombre="+" + ENLACE,
        justificacion="Lo realizamos cada mes y no aparece en el listado del Paso 6.",
        ambito_default="Ambulatorio",
    )
    solicitudes.aceptar(store, cuenta("admin"), id_)
    filas = _leer_csv(importacion.catalogo_csv(store, cuenta("admin"), "productos"))
    crudo = pd.DataFrame([[exportar.restaurar(c) for c in f] for f in filas[1:]], columns=filas[0])
    datos = exportar.xlsx_bytes({"productos": crudo})
    hoja = _leer_xlsx_hoja(datos, "productos")
    assert any(c.value == "'+" + ENLACE for fila in hoja.iter_rows() for c in fila)
    vista = importacion.vista_previa(store, cuenta("admin"), "productos", "productos.xlsx", datos)
    assert not vista.hay_cambios and vista.sin_cambio == len(crudo)


def _leer_xlsx_hoja(datos: bytes, nombre: str):
    return openpyxl.load_workbook(io.BytesIO(datos))[nombre]
