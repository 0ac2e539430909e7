"""CSV and Excel exports read back: BOM and accents, styled headers, numbers as numbers, no formulas."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from core.base import exportar
from core.base.errors import AccesoDenegado, ErrorDominio
from core.capture import captura
from core.lifecycle import ciclo
from tests.conftest import ANIO


def _tabla() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Estado": [
                "Michoacán",
                "Nuevo León",
                '=HYPERLINK("http://x")',
                "+52 55",
                "-1+1",
                "@SUM(A1)",
                "\tTab",
                None,
            ],
            "Balance (pacientes)": pd.array([-1_250, 3, 0, 1_234_567, -7, 8, 9, None], dtype="Int64"),
            "Latitud": [19.70, 25.67, None, 1.5, -2.25, 3.0, 4.0, 5.0],
            "Entrega a distancia": [True, False, True, False, True, False, True, False],
        }
    )


def test_neutralizar_solo_toca_texto_peligroso():
    df = exportar.neutralizar(_tabla())
    assert df["Estado"].tolist()[:7] == [
        "Michoacán",
        "Nuevo León",
        '\'=HYPERLINK("http://x")',
        "'+52 55",
        "'-1+1",
        "'@SUM(A1)",
        "'\tTab",
    ]
    assert pd.isna(df["Estado"].iloc[7])
    assert df["Balance (pacientes)"].dtype == "Int64" and df["Balance (pacientes)"].iloc[0] == -1_250
    assert df["Latitud"].dtype == "float64" and df["Entrega a distancia"].dtype == bool


def test_csv_con_bom_acentos_y_formulas_neutralizadas():
    datos = exportar.csv_bytes(_tabla())
    assert datos.startswith(b"\xef\xbb\xbf")
    filas = list(csv.reader(io.StringIO(datos.decode("utf-8-sig"))))
    assert filas[0] == ["Estado", "Balance (pacientes)", "Latitud", "Entrega a distancia"]
    assert filas[1][:2] == ["Michoacán", "-1250"]  # a negative number stays a number, not text
    assert filas[2][0] == "Nuevo León"
    assert [f[0] for f in filas[3:8]] == ['\'=HYPERLINK("http://x")', "'+52 55", "'-1+1", "'@SUM(A1)", "'\tTab"]
    assert all(not f[0].startswith(("=", "+", "-", "@")) for f in filas[1:])
    assert pd.read_csv(io.BytesIO(datos), encoding="utf-8-sig")["Balance (pacientes)"].dtype.kind in "if"


def test_xlsx_hojas_encabezado_anchos_numeros_y_sin_formulas():
    tabla = _tabla()
    datos = exportar.xlsx_bytes(
        {"Por estado": tabla, "Cruce: [estado/especialidad]": tabla.head(2), "por estado": tabla.head(1)}
    )
    libro = openpyxl.load_workbook(io.BytesIO(datos))
    assert libro.sheetnames == ["Por estado", "Cruce estado especialidad", "por estado (2)"]
    hoja = libro["Por estado"]
    encabezado = [c.value for c in hoja[1]]
    assert encabezado == list(tabla.columns)
    assert all(c.font.b for c in hoja[1]) and hoja["A1"].fill.fgColor.rgb.endswith("13322B")
    assert hoja.freeze_panes == "A2"
    assert hoja.column_dimensions["A"].width >= len('=HYPERLINK("http://x")')
    assert hoja.column_dimensions["B"].width >= len("Balance (pacientes)")
    # Numbers are numbers (a negative balance included) with a thousands format; text is text.
    assert hoja["B2"].value == -1_250 and hoja["B2"].data_type == "n" and hoja["B2"].number_format == "#,##0"
    assert hoja["B5"].value == 1_234_567
    assert hoja["C2"].value == pytest.approx(19.70)
    assert hoja["D2"].value is True
    assert hoja["A2"].value == "Michoacán"
    for celda in hoja["A"][3:8]:
        assert celda.data_type == "s" and celda.value.startswith("'")
    assert not any(c.data_type == "f" for fila in hoja.iter_rows() for c in fila)
    assert hoja["A9"].value is None and hoja["B9"].value is None  # empty stays empty


def test_xlsx_con_columnas_categoricas_como_las_de_oportunidades():
    """The exchange keeps its text as pandas categories (one copy of each name at 1M lines): the
    sheet holds the same text, neutralised, with its column as wide as its longest name."""
    tabla = _tabla()
    tabla["Estado"] = tabla["Estado"].astype("category")
    libro = openpyxl.load_workbook(io.BytesIO(exportar.xlsx_bytes({"Por estado": tabla})))
    hoja = libro["Por estado"]
    assert hoja["A2"].value == "Michoacán"
    for celda in hoja["A"][3:8]:
        assert celda.data_type == "s" and celda.value.startswith("'")
    assert hoja.column_dimensions["A"].width >= len('=HYPERLINK("http://x")')
    assert not any(c.data_type == "f" for fila in hoja.iter_rows() for c in fila)


def test_xlsx_demasiadas_filas_se_rechaza_con_mensaje(monkeypatch):
    monkeypatch.setattr(exportar, "FILAS_MAXIMAS_XLSX", 5)
    with pytest.raises(ErrorDominio, match="descárguela en CSV"):
        exportar.xlsx_bytes({"Líneas": _tabla()})
    with pytest.raises(ErrorDominio):
        exportar.xlsx_bytes({})


def test_fechas_en_xlsx():
    df = pd.DataFrame({"Finalizada": pd.to_datetime(["2026-06-15 10:30:00"]).tz_localize("America/Mexico_City")})
    hoja = openpyxl.load_workbook(io.BytesIO(exportar.xlsx_bytes({"Fechas": df})))["Fechas"]
    assert hoja["A2"].is_date and hoja["A2"].value.hour == 10 and hoja["A2"].number_format == "dd/mm/yyyy hh:mm:ss"


@pytest.mark.parametrize(
    "base, anio, ext, esperado",
    [
        ("Cruce por estado y especialidad", 2026, "xlsx", "cruce-por-estado-y-especialidad_2026.xlsx"),
        ("Líneas del periodo", 2025, ".csv", "lineas-del-periodo_2025.csv"),
        ("../../etc/passwd", 2026, "csv", "etc-passwd_2026.csv"),
        ("", 2026, "csv", "tabla_2026.csv"),
    ],
)
def test_nombre_de_archivo_lleva_el_periodo(base, anio, ext, esperado):
    assert exportar.nombre_archivo(base, anio, ext) == esperado


def _capturar(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, "Ana", ANIO, "SI")
    captura.guardar(
        store,
        c,
        "Ana",
        ANIO,
        "IL-CH-0001",
        [
            captura.FilaCaptura("47.01", fal_causa="Falta de Personal", fal_pacientes=12, fal_eventos=15),
            captura.FilaCaptura("51.23", exc_pacientes=3),
        ],
    )
    return c


def test_capturista_descarga_sus_lineas_guardadas(store, cuenta):
    c = _capturar(store, cuenta)
    df = captura.lineas_propias(store, c, ANIO, "chihuahua")
    assert list(df.columns) == [
        "Clave de la Unidad Médica",
        "Unidad Médica",
        "Grupo de Servicio",
        "Especialidad Troncal",
        "Clave del producto",
        "Producto",
        "Excedente/Faltante",
        "Ambulatorio/Hospitalario",
        "Causa Principal",
        "Eventos Mensuales",
        "Pacientes Mensuales",
    ]
    assert len(df) == 2
    falt = df[df["Excedente/Faltante"] == "Faltante"].iloc[0]
    assert (falt["Producto"], falt["Causa Principal"], falt["Pacientes Mensuales"]) == (
        "Apendicectomía laparoscópica",
        "Falta de Personal",
        12,
    )
    hoja = openpyxl.load_workbook(io.BytesIO(exportar.xlsx_bytes({"Líneas": df})))["Líneas"]
    assert hoja.max_row == 3 and isinstance(hoja["K2"].value, int)


def test_capturista_no_descarga_otra_ooad(store, cuenta):
    _capturar(store, cuenta)
    with pytest.raises(AccesoDenegado):
        captura.lineas_propias(store, cuenta("quintana-roo"), ANIO, "chihuahua")
    with pytest.raises(AccesoDenegado):
        captura.lineas_propias(store, None, ANIO, "chihuahua")
    assert len(captura.lineas_propias(store, cuenta("analista"), ANIO, "chihuahua")) == 2
