"""Every download in the UI is found by scanning the source, and each must build its bytes through a
function known to neutralise spreadsheet formulas (or a PDF builder).

A new `download_button` whose `data=` is not a call (directly, in a lambda, or indexed) to one of
NEUTRALIZADORES fails `test_toda_descarga_pasa_por_el_neutralizador`: it cannot be forgotten. The
functions listed are themselves tested in tests/core/test_exportar_neutraliza.py.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]

# The functions a download's bytes may come from, and why each is safe to open.
NEUTRALIZADORES = {
    "exportar.csv_bytes": "neutraliza celdas y encabezados",
    "exportar.xlsx_bytes": "neutraliza celdas y encabezados; texto escrito como texto",
    "importacion.catalogo_csv": "la plantilla del catálogo, escrita con exportar.csv_bytes",
    "reportes.preliminar": "PDF de reports/",
    "reportes.final": "PDF de reports/",
    "firmados.leer": "el PDF firmado tal como se subió (se comprobó que es un PDF)",
    "plantilla.plantilla": "la plantilla de captura: textos neutralizados y escritos como texto (test_plantilla)",
    "exportacion.leer": "la exportación completa: CSV y Excel neutralizados en SQL con la misma regla "
    "(test_exportacion); Parquet con valores crudos, para programas, no para una hoja de cálculo",
}


def _fuentes() -> list[Path]:
    return [RAIZ / "app.py", *sorted((RAIZ / "ui").rglob("*.py"))]


def _nombre(nodo: ast.AST) -> str:
    """`exportar.csv_bytes` for that call's function, '' for anything that is not a dotted name."""
    if isinstance(nodo, ast.Name):
        return nodo.id
    if isinstance(nodo, ast.Attribute):
        base = _nombre(nodo.value)
        return f"{base}.{nodo.attr}" if base else ""
    return ""


def _enlaces(arbol: ast.AST) -> dict[str, list[ast.AST]]:
    """What each plain name of a module is assigned from (`nombre, datos = firmados.leer(...)` included)."""
    enlaces: dict[str, list[ast.AST]] = {}
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.Assign):
            for destino in nodo.targets:
                nombres = destino.elts if isinstance(destino, ast.Tuple) else [destino]
                for n in nombres:
                    if isinstance(n, ast.Name):
                        enlaces.setdefault(n.id, []).append(nodo.value)
    return enlaces


def _origenes(datos: ast.AST | None, enlaces: dict[str, list[ast.AST]]) -> set[str]:
    """The functions whose result a download's `data` is: `f(...)`, `lambda: f(...)`, `f(...)[1]`, or a
    name assigned from one of those; '' stands for anything else."""
    if isinstance(datos, ast.Lambda):
        datos = datos.body
    if isinstance(datos, ast.Subscript):
        datos = datos.value
    if isinstance(datos, ast.Name) and datos.id in enlaces:
        return set().union(*(_origenes(v, {}) for v in enlaces[datos.id]))
    return {_nombre(datos.func) if isinstance(datos, ast.Call) else ""}


def _datos(llamada: ast.Call) -> ast.AST | None:
    return next(
        (k.value for k in llamada.keywords if k.arg == "data"), llamada.args[1] if len(llamada.args) > 1 else None
    )


def _descargas() -> list[tuple[str, int, set[str]]]:
    """(file, line, origins of the bytes) of every `download_button` call in app.py and pages/."""
    halladas = []
    for ruta in _fuentes():
        arbol = ast.parse(ruta.read_text(encoding="utf-8"))
        enlaces = _enlaces(arbol)
        for nodo in ast.walk(arbol):
            if (
                isinstance(nodo, ast.Call)
                and isinstance(nodo.func, ast.Attribute)
                and nodo.func.attr == "download_button"
            ):
                halladas.append((str(ruta.relative_to(RAIZ)), nodo.lineno, _origenes(_datos(nodo), enlaces)))
    return halladas


def test_el_escaneo_encuentra_las_descargas():
    """Guards the scan itself: the known call sites are found, in the helpers and in the pages."""
    archivos = {archivo for archivo, _, _ in _descargas()}
    assert {
        "ui/components/descargas.py",
        "ui/components/reportes.py",
        "ui/admin_catalogos.py",
        "ui/paso9_subir.py",
    } <= archivos
    assert len(_descargas()) >= 8


def test_toda_descarga_pasa_por_el_neutralizador():
    fuera = [
        f"{archivo}:{linea} toma sus bytes de {sorted(o or 'algo que no es una llamada' for o in origenes)}"
        for archivo, linea, origenes in _descargas()
        if not origenes <= set(NEUTRALIZADORES)
    ]
    assert not fuera, "Descargas que no pasan por core/base/exportar.py (ni son un PDF):\n" + "\n".join(fuera)


def test_la_lista_no_guarda_funciones_que_ya_no_se_usan():
    usados = set().union(*(origenes for _, _, origenes in _descargas()))
    assert set(NEUTRALIZADORES) <= usados, set(NEUTRALIZADORES) - usados


def test_el_escaneo_rechaza_una_descarga_cruda():
    """The scan reads the shapes a bypass would take."""

    def origenes(codigo: str) -> set[str]:
        arbol = ast.parse(codigo)
        return _origenes(_datos(arbol.body[-1].value), _enlaces(arbol))

    assert origenes("st.download_button('x', data=lambda: df.to_csv().encode())") == {""}
    assert origenes("st.download_button('x', df.to_csv().encode())") == {""}
    assert origenes("st.download_button('x', data=texto)") == {""}
    assert origenes("st.download_button('x', data=lambda: exportar.csv_bytes(df))") == {"exportar.csv_bytes"}
    assert origenes("st.download_button('x', data=lambda i=1: firmados.leer(s, c, i)[1])") == {"firmados.leer"}
    assert origenes("n, d = firmados.leer(s, c, 1)\nst.download_button('x', data=d)") == {"firmados.leer"}
    assert origenes("d = exportar.csv_bytes(df)\nd = df.to_csv()\nst.download_button('x', data=d)") == {
        "exportar.csv_bytes",
        "df.to_csv",
    }


def test_las_tablas_no_ofrecen_su_propia_descarga_cruda():
    """st.dataframe's own CSV download writes cells as they are (no formula neutralisation): it is off,
    and the pages offer the neutralised CSV/Excel buttons of ui/components/descargas.py instead."""
    config = tomllib.loads((RAIZ / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
