"""Layering rules: core/ never imports Streamlit; SQL files are numbered; no DuckDB outside core."""

from __future__ import annotations

import ast
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]


def _importa(archivo: Path) -> set[str]:
    arbol = ast.parse(archivo.read_text(encoding="utf-8"))
    nombres = set()
    for nodo in ast.walk(arbol):
        if isinstance(nodo, ast.Import):
            nombres.update(a.name.split(".")[0] for a in nodo.names)
        elif isinstance(nodo, ast.ImportFrom) and nodo.module:
            nombres.add(nodo.module.split(".")[0])
    return nombres


def test_core_no_importa_streamlit():
    culpables = [p.name for p in (RAIZ / "core").rglob("*.py") if "streamlit" in _importa(p)]
    assert culpables == []


def test_solo_core_toca_duckdb():
    fuera = [
        str(p.relative_to(RAIZ))
        for carpeta in ("pages", "reports")
        if (RAIZ / carpeta).exists()
        for p in (RAIZ / carpeta).rglob("*.py")
        if "duckdb" in _importa(p)
    ]
    fuera += ["app.py"] if "duckdb" in _importa(RAIZ / "app.py") else []
    assert fuera == []


def test_migraciones_numeradas_sin_huecos():
    numeros = sorted(int(p.name[:3]) for p in (RAIZ / "core" / "base" / "migrations").glob("*.sql"))
    assert numeros == list(range(1, len(numeros) + 1))
