"""The layout's rules, read from the source: imports only point down, core/ and reports/ draw
nothing and know no UI, pages hold no SQL, migrations are numbered.

core/ is layered: base < accounts < lifecycle < capture < (analysis | admin) < the installer, the
demo and the command line at core/'s top. A module imports its own package or a lower one; the two
packages of one level do not import each other. reports/ draws PDFs from data it is given and may
use core/base only; ui/ and app.py are the UI on top of both. The screens live in ui/, not
pages/: Streamlit treats a pages/ folder beside app.py as an old-style multipage app, and the first
run of a server would then execute a deep-linked screen without app.py's frame.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ui.components import paginas

# The layout of the code: nothing here opens a store (sin_base, tests/conftest.py).
pytestmark = pytest.mark.sin_base

RAIZ = Path(__file__).resolve().parents[2]
NIVEL = {"base": 0, "accounts": 1, "lifecycle": 2, "capture": 3, "analysis": 4, "admin": 4, "<raíz>": 9}
UI = ("streamlit", "plotly")


def _modulo(archivo: Path) -> str:
    partes = archivo.relative_to(RAIZ).with_suffix("").parts
    return ".".join(partes[:-1] if partes[-1] == "__init__" else partes)


def _importa(archivo: Path) -> set[str]:
    """Every module named by an import anywhere in the file (top level or inside a function)."""
    arbol = ast.parse(archivo.read_text(encoding="utf-8"))
    nombres = set()
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.Import):
            nombres.update(a.name for a in nodo.names)
        elif isinstance(nodo, ast.ImportFrom) and nodo.module and nodo.level == 0:
            nombres.add(nodo.module)
            # "from core.base import store" names the module core.base.store
            nombres.update(f"{nodo.module}.{a.name}" for a in nodo.names)
    return nombres


def _archivos(*carpetas: str) -> list[Path]:
    return [p for c in carpetas for p in sorted((RAIZ / c).rglob("*.py")) if "__pycache__" not in p.parts]


MODULOS_CORE = {_modulo(p): p for p in _archivos("core")}


def _paquete(modulo: str) -> str:
    partes = modulo.split(".")
    return partes[1] if len(partes) > 1 and partes[1] in NIVEL else "<raíz>"


def _dependencias_core(archivo: Path) -> set[str]:
    return {m for m in _importa(archivo) if m in MODULOS_CORE and m != "core" and not m.endswith("__init__")}


def _violaciones_de_capas(modulos: dict[str, Path]) -> list[str]:
    malas = []
    for modulo, archivo in modulos.items():
        propio = _paquete(modulo)
        for destino in _dependencias_core(archivo):
            otro = _paquete(destino)
            if MODULOS_CORE[destino].name == "__init__.py" or otro == propio:
                continue
            if NIVEL[otro] >= NIVEL[propio]:
                malas.append(f"{modulo} ({propio}) importa {destino} ({otro})")
    return malas


def test_core_esta_en_los_paquetes_de_sus_partes():
    paquetes = {_paquete(m) for m in MODULOS_CORE if m != "core"}
    assert paquetes == set(NIVEL)
    # At core/'s top only the pieces that assemble the rest.
    raiz = sorted(m for m in MODULOS_CORE if _paquete(m) == "<raíz>" and m != "core")
    assert raiz == ["core.cli", "core.demo", "core.instalacion"]


def test_las_importaciones_de_core_solo_apuntan_hacia_abajo():
    assert _violaciones_de_capas(MODULOS_CORE) == []


def test_la_regla_de_capas_detecta_una_importacion_hacia_arriba(tmp_path, monkeypatch):
    """The rule above fails on a lower package importing a higher one (the test can fail)."""
    falso = RAIZ / "core" / "base" / "texto.py"
    copia = tmp_path / "texto.py"
    copia.write_text(falso.read_text(encoding="utf-8") + "\nfrom core.capture import captura\n", encoding="utf-8")
    modulos = dict(MODULOS_CORE)
    modulos["core.base.texto"] = copia
    assert _violaciones_de_capas(modulos) == ["core.base.texto (base) importa core.capture.captura (capture)"]


def test_sin_ciclos_de_importacion_en_core():
    grafo = {m: _dependencias_core(p) for m, p in MODULOS_CORE.items()}
    visitando, hechos, ciclos = [], set(), []

    def visitar(m: str) -> None:
        if m in hechos:
            return
        if m in visitando:
            ciclos.append(" → ".join(visitando[visitando.index(m) :] + [m]))
            return
        visitando.append(m)
        for d in sorted(grafo.get(m, ())):
            visitar(d)
        visitando.pop()
        hechos.add(m)

    for m in sorted(grafo):
        visitar(m)
    assert ciclos == []


@pytest.mark.parametrize("carpeta", ["core", "reports"])
def test_core_y_reports_no_importan_la_interfaz(carpeta):
    culpables = [
        f"{p.relative_to(RAIZ)}: {m}"
        for p in _archivos(carpeta)
        for m in _importa(p)
        if m.split(".")[0] in UI + ("ui", "app", "bench", "tests")
    ]
    assert culpables == []


def test_reports_solo_usa_la_base_de_core():
    culpables = [
        f"{p.relative_to(RAIZ)}: {m}"
        for p in _archivos("reports")
        for m in _importa(p)
        if m.split(".")[0] == "core" and not (m == "core.base" or m.startswith("core.base."))
    ]
    assert culpables == []


def test_solo_core_toca_duckdb():
    fuera = [str(p.relative_to(RAIZ)) for p in _archivos("ui", "reports") if "duckdb" in _importa(p)]
    fuera += ["app.py"] if "duckdb" in _importa(RAIZ / "app.py") else []
    assert fuera == []


_ERRORES = {
    n.name
    for n in ast.walk(ast.parse((RAIZ / "core" / "base" / "errors.py").read_text(encoding="utf-8")))
    if isinstance(n, ast.ClassDef)
}
_SQL = re.compile(
    r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|VIEW))\b", re.S
)
_CONSULTAS = {"fila", "filas", "valor", "df", "transaction", "escribir", "execute", "sql"}


def _sql_en(archivo: Path) -> list[str]:
    """SQL text in string literals, and calls of the store's query methods on anything but core."""
    arbol = ast.parse(archivo.read_text(encoding="utf-8"))
    hallado = []
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.Constant) and isinstance(nodo.value, str) and _SQL.search(nodo.value):
            hallado.append(f"línea {nodo.lineno}: texto SQL")
        if (
            isinstance(nodo, ast.Call)
            and isinstance(nodo.func, ast.Attribute)
            and nodo.func.attr in _CONSULTAS
            and not (isinstance(nodo.func.value, ast.Name) and nodo.func.value.id in ("tablero",))
        ):
            hallado.append(f"línea {nodo.lineno}: .{nodo.func.attr}(…)")
    return hallado


def test_pages_no_tienen_sql():
    culpables = {str(p.relative_to(RAIZ)): h for p in _archivos("ui") + [RAIZ / "app.py"] if (h := _sql_en(p))}
    assert culpables == {}


def test_la_busqueda_de_sql_encuentra_sql(tmp_path):
    pagina = tmp_path / "pagina.py"
    pagina.write_text(
        'n = store().valor("SELECT nombre FROM unidad WHERE clave = ?", [u])\nx = "Seleccione la unidad"\n',
        encoding="utf-8",
    )
    assert sorted(_sql_en(pagina)) == ["línea 1: .valor(…)", "línea 1: texto SQL"]


def test_pages_components_no_importan_paginas():
    """Components serve pages; a component importing a page file would run that page."""
    culpables = [
        f"{p.relative_to(RAIZ)}: {m}"
        for p in _archivos("ui/components")
        for m in _importa(p)
        if m.startswith("ui.") and not m.startswith("ui.components")
    ]
    assert culpables == []


def test_los_errores_de_dominio_viven_en_un_solo_modulo():
    """Every exception class of core/ is declared in core/base/errors.py, so pages catch one family."""
    fuera = [
        f"{p.relative_to(RAIZ)}: {nodo.name}"
        for p in _archivos("core")
        if p != RAIZ / "core" / "base" / "errors.py"
        for nodo in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(nodo, ast.ClassDef)
        and any(
            getattr(b, "id", getattr(b, "attr", "")).endswith(("Error", "Exception"))
            or getattr(b, "id", "") in _ERRORES
            for b in nodo.bases
        )
    ]
    assert fuera == []


def test_no_hay_carpeta_pages_junto_a_app_py():
    """Streamlit runs a deep link on a server's first run from a pages/ folder without app.py."""
    assert not (RAIZ / "pages").exists()
    assert {p.ruta.split("/")[0] for p in paginas.MENU} == {"ui"}


def test_migraciones_numeradas_sin_huecos():
    numeros = sorted(int(p.name[:3]) for p in (RAIZ / "core" / "base" / "migrations").glob("*.sql"))
    assert numeros == list(range(1, len(numeros) + 1))
