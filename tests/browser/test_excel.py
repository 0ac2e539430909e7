"""Captura masiva con Excel in a real browser (issue 12 §3 and §5): the template's round trip.

Person A downloads the template; person B of the same OOAD/UMAE changes one of its lines through the
same page; A edits the file in openpyxl (one line changed, one removed, one new line typed wrong
first), uploads it: the wrong row is named by row and column, then, fixed, the upload is refused
naming B's line. A downloads again, makes the same edits plus an outlying figure, sees the preview
(removal and outlier each behind their checkbox), confirms, and the saved lines equal the file. An
analyst then finds the confirmed figure in Análisis «Cifras atípicas confirmadas».
"""

from __future__ import annotations

import io
import re

import duckdb
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from core.base import rutas
from core.capture import plantilla
from tests.browser import ui

pytestmark = pytest.mark.navegador

OOAD = "ciudad-de-mexico-sur"  # en captura with lines in the demo; no other browser test uses it
A = ("Rosa Méndez Lara", "Jefa de Prestaciones Médicas")
B = ("Jorge Salas Núñez", "Coordinador de Información")
DESCARGAR = "⬇️ Descargar la plantilla (.xlsx)"
GUARDAR = "Guardar los cambios del archivo"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COL = {nombre: i + 1 for i, nombre in enumerate(plantilla.ENCABEZADOS)}
CAMPOS = (
    "Excedente/Faltante",
    "Causa Principal",
    "Ambulatorio/Hospitalario",
    "Eventos Mensuales",
    "Pacientes Mensuales",
)


def _productos(demo_instalada) -> tuple[str, str]:
    """From the demo (read only): a laboratory test no unit reports (the new line: no usual range, no
    warning) and a product whose Excedentes have a usual range (the outlier)."""
    con = duckdb.connect(str(rutas.ruta_base(demo_instalada)), read_only=True)
    try:
        libre = con.execute(
            "SELECT clave FROM producto WHERE activo AND starts_with(clave, 'LAB-')"
            " AND clave NOT IN (SELECT producto FROM linea) ORDER BY clave LIMIT 1"
        ).fetchone()[0]
        atipico = con.execute(
            "SELECT l.producto FROM linea l JOIN producto p ON p.clave = l.producto AND p.activo"
            " WHERE l.tipo = 'Excedente' GROUP BY l.producto"
            " HAVING count(*) >= 8 AND count(DISTINCT l.ooad) >= 3 ORDER BY l.producto LIMIT 1"
        ).fetchone()[0]
    finally:
        con.close()
    return libre, atipico


def _ir(page: Page) -> None:
    ui.menu(page, "Paso 3 · Captura masiva con Excel")
    ui.visible(page.get_by_role("heading", name="Captura masiva con Excel", level=1))


def _descargar(page: Page):
    nombre, datos = ui.descargar(page, DESCARGAR)
    assert re.fullmatch(rf"plantilla-captura-{OOAD}_\d{{4}}\.xlsx", nombre), nombre
    return load_workbook(io.BytesIO(datos))


def _subir(page: Page, libro, nombre: str) -> None:
    salida = io.BytesIO()
    libro.save(salida)
    page.locator("input[type=file]").set_input_files(
        files=[{"name": nombre, "mimeType": XLSX, "buffer": salida.getvalue()}]
    )
    ui.esperar_ejecucion(page)


def _clave_unidad(texto) -> str:
    return re.search(r"\(([^()]*)\)\s*$", str(texto)).group(1)


def _lineas(libro) -> dict[tuple[str, str], tuple]:
    """The file's lines: (unit key, product) -> the five fields."""
    hoja = libro[plantilla.HOJA]
    lineas = {}
    for r in range(2, hoja.max_row + 1):
        unidad = hoja.cell(r, COL["Unidad Médica"]).value
        if unidad:
            clave = (
                _clave_unidad(unidad) if "(" in str(unidad) else str(unidad),
                hoja.cell(r, COL["Clave de producto"]).value,
            )
            lineas[clave] = tuple(hoja.cell(r, COL[c]).value for c in CAMPOS)
    return lineas


def _fila(hoja, unidad: str, producto: str) -> int:
    return next(
        r
        for r in range(2, hoja.max_row + 1)
        if str(hoja.cell(r, COL["Unidad Médica"]).value or "").endswith(f"({unidad})")
        and hoja.cell(r, COL["Clave de producto"]).value == producto
    )


def _cambiar(hoja, r: int) -> None:
    """One more event (or patient, when there are no events): a different, still valid line."""
    eventos = hoja.cell(r, COL["Eventos Mensuales"])
    if eventos.value is not None:
        eventos.value = int(eventos.value) + 1
    else:
        hoja.cell(r, COL["Pacientes Mensuales"]).value = int(hoja.cell(r, COL["Pacientes Mensuales"]).value) + 1


def _nueva(hoja, valores: dict) -> int:
    r = next(r for r in range(2, hoja.max_row + 2) if hoja.cell(r, COL["Unidad Médica"]).value is None)
    for nombre, v in valores.items():
        hoja.cell(r, COL[nombre]).value = v
    return r


def _casilla(page: Page, etiqueta: re.Pattern) -> None:
    caja = page.get_by_role("checkbox", name=etiqueta)
    page.get_by_text(etiqueta).click()  # the label takes the click
    expect(caja).to_be_checked()
    ui.esperar_ejecucion(page)


def test_plantilla_de_excel_ida_y_vuelta_con_error_conflicto_eliminacion_y_cifra_atipica(
    new_context, captura, request, entrar, demo_instalada
):
    libre, atipico = _productos(demo_instalada)
    a, b, analista = (new_context().new_page() for _ in range(3))
    request.node.paginas = [a, b, analista]

    # A downloads the template with the OOAD/UMAE's lines.
    entrar(a, OOAD, A)
    _ir(a)
    ui.ver(a, f"hasta {plantilla.FILAS_MAXIMAS:,} líneas")
    primera = _descargar(a)
    hoja = primera[plantilla.HOJA]
    claves = list(_lineas(primera))
    assert len(claves) >= 3, claves
    (u_cambio, p_cambio), (u_quita, p_quita), (u_otro, p_otro) = claves[:3]
    unidades = [str(f[1].value) for f in primera[plantilla.HOJA_UNIDADES].iter_rows(min_row=2) if f[1].value]
    u_atipica = next(u for u in unidades if (u, atipico) not in claves)

    # Meanwhile B, of the same OOAD/UMAE, changes a line through the same page.
    entrar(b, OOAD, B)
    _ir(b)
    de_b = _descargar(b)
    _cambiar(de_b[plantilla.HOJA], _fila(de_b[plantilla.HOJA], u_otro, p_otro))
    _subir(b, de_b, "de B.xlsx")
    ui.ver(b, "Nuevas: 0; modificadas: 1")
    ui.boton(b, GUARDAR).click()
    ui.ver(b, "Plantilla guardada en 1 unidad(es) médica(s): 0 nueva(s), 1 modificada(s), 0 eliminada(s).")

    def editar(libro, atipica: bool) -> int:
        h = libro[plantilla.HOJA]
        _cambiar(h, _fila(h, u_cambio, p_cambio))
        h.delete_rows(_fila(h, u_quita, p_quita))
        r = _nueva(
            h,
            {
                "Unidad Médica": u_cambio,
                "Clave de producto": libre,
                "Excedente/Faltante": "Faltante",
                "Causa Principal": "Falta de Equipo",
                "Ambulatorio/Hospitalario": "Ambulatorio",
                "Eventos Mensuales": 15,
                "Pacientes Mensuales": "12.5",  # typed wrong: fixed below
            },
        )
        if atipica:
            _nueva(
                h,
                {
                    "Unidad Médica": u_atipica,
                    "Clave de producto": atipico,
                    "Excedente/Faltante": "Excedente",
                    "Ambulatorio/Hospitalario": "Ambulatorio",
                    "Eventos Mensuales": 50_000,
                    "Pacientes Mensuales": 50_000,
                },
            )
        return r

    # A's file: the wrong row is named by row and column, and nothing is saved.
    r = editar(primera, atipica=False)
    _subir(a, primera, "captura.xlsx")
    ui.ver(a, re.compile(r"No se guardó nada: el archivo «captura\.xlsx» tiene 1 problema"))
    grid = ui.rejilla(a)
    ui.esperar_rejilla(grid)
    problemas = ui.hasta(lambda: ui.tabla(grid), "la tabla de problemas")
    assert [(f["Fila"], f["Columna"]) for f in problemas] == [(str(r), "Pacientes Mensuales")], problemas
    assert "«12.5» no es un número válido" in problemas[0]["Problema"]
    expect(ui.boton(a, GUARDAR)).to_have_count(0)

    # Fixed, it is refused whole: B changed one of its lines after A's download.
    hoja.cell(r, COL["Pacientes Mensuales"]).value = 15
    _subir(a, primera, "captura corregida.xlsx")
    ui.ver(a, "estas líneas cambiaron después de que usted descargó la plantilla")
    ui.ver(a, re.compile(rf"\({re.escape(u_otro)}\) · producto {re.escape(p_otro)} .*modificada por {B[0]}"))
    expect(ui.boton(a, GUARDAR)).to_have_count(0)

    # A downloads again (B's change is in it) and makes the same edits, plus an outlying figure.
    segunda = _descargar(a)
    r = editar(segunda, atipica=True)
    segunda[plantilla.HOJA].cell(r, COL["Pacientes Mensuales"]).value = 15
    esperado = _lineas(segunda)
    _subir(a, segunda, "captura final.xlsx")
    ui.ver(a, "Nuevas: 2; modificadas: 1; se eliminarán (si lo confirma): 1")
    ui.ver(a, re.compile(r"50,000 pacientes mensuales"))
    expect(ui.boton(a, GUARDAR)).to_be_disabled()  # the outliers wait for their confirmation
    _casilla(a, re.compile(r"^Eliminar también las 1 línea"))
    _casilla(a, re.compile(r"^Las \d+ cifra\(s\) poco habitual\(es\) son correctas"))
    expect(ui.boton(a, GUARDAR)).to_be_enabled()
    ui.quieto(a, 300)
    captura(a, "excel.png")  # docs/excel.png under EYF_ACTUALIZAR_DOCS=1 (conftest.PARA_DOCS)
    ui.boton(a, GUARDAR).click()
    ui.ver(a, "Plantilla guardada en")
    ui.ver(a, re.compile(r": 2 nueva\(s\), 1 modificada\(s\), 1 eliminada\(s\)\."))

    # What is saved is the file: a new download holds exactly its lines.
    guardado = _lineas(_descargar(a))
    assert guardado == {k: v[:4] + (int(v[4]),) for k, v in esperado.items()}
    assert (u_quita, p_quita) not in guardado and guardado[(u_atipica, atipico)][3:] == (50_000, 50_000)

    # The división lists the confirmed figure.
    entrar(analista, "analista", en="atipicos")
    ui.visible(analista.get_by_role("heading", name="Cifras atípicas confirmadas", level=1))
    grid = ui.rejilla(analista)
    ui.esperar_rejilla(grid)
    filas = [f for f in ui.tabla(grid) if f.get("Clave del producto") == atipico]
    assert {(f["Cifra"], f["Valor"], f["Persona"].startswith(A[0])) for f in filas} >= {
        ("pacientes", "50,000", True),
        ("eventos", "50,000", True),
    }, filas
    assert all(f"({u_atipica})" in f["Unidad Médica"] for f in filas)
