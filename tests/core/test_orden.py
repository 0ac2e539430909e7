"""Names in Spanish order (core.base.texto.clave_orden): accents and case ignored, ñ after n."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from core.base import texto
from core.capture.catalogo import CATALOGO_DIR


def test_mexico_antes_que_michoacan():
    nombres = ["Oaxaca", "Michoacán", "Ñuble", "morelos", "México", "Nuevo León", "Nayarit", "MEXICALI"]
    assert texto.ordenar(nombres) == [
        "MEXICALI",
        "México",
        "Michoacán",
        "morelos",
        "Nayarit",
        "Nuevo León",
        "Ñuble",
        "Oaxaca",
    ]
    assert sorted(nombres) != texto.ordenar(nombres)  # code points put Michoacán before México


def test_orden_total_y_estable():
    # Same letters, different accents or case: still a fixed order, so tables never reshuffle.
    assert texto.ordenar(["ANA", "Ana", "Aña", "Ána", "ana"]) == texto.ordenar(["ana", "Ána", "Aña", "Ana", "ANA"])
    assert texto.ordenar(["Aña", "Ana"]) == ["Ana", "Aña"]


@pytest.mark.parametrize(
    "archivo", ["estados.csv", "especialidades.csv", "grupos.csv", "ooad_umae.csv", "unidades.csv"]
)
def test_coincide_con_el_orden_espanol_de_icu(archivo):
    """The catalog's names, sorted by the key and by ICU's Spanish collation (DuckDB's built-in
    icu extension): the same order."""
    nombres = pd.read_csv(CATALOGO_DIR / archivo, dtype=str)["nombre"].dropna().drop_duplicates().tolist()
    icu = [
        n
        for (n,) in duckdb.connect()
        .execute("SELECT unnest(?::VARCHAR[]) n ORDER BY n COLLATE es", [nombres])
        .fetchall()
    ]
    assert texto.ordenar(nombres) == icu
