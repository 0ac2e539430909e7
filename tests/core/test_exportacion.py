"""The full export written by DuckDB (core/analysis/exportacion.py) against the in-memory one.

The data: the shipped catalog and one period of bench/sintetico.py lines over 6 OOAD/UMAE, with
hostile text planted in the names a final version copies and in the catalog, so that the SQL
neutraliser is compared with `exportar.neutralizar` cell by cell. On PostgreSQL (EYF_PRUEBAS_PG=1)
the same tests run, and the files are compared with the DuckDB store's for the same data.
"""

from __future__ import annotations

import csv
import gc
import io
import os
import time
import zipfile

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from core.accounts import cuentas
from core.analysis import analisis, exportacion
from core.base import exportar, temporales
from core.base import store as store_mod
from core.base.errors import AccesoDenegado, ExportacionDemasiadoGrande
from core.base.store import Store
from tests.conftest import ANIO, EN_POSTGRES, mundo_sintetico

# Values a spreadsheet would run as a formula, and look-alikes that must stay as they are.
HOSTILES = [
    "=1+1",
    "+A1",
    "-2",
    "@x",
    "\tx",
    "\rx",
    "'=x",
    "''+y",
    "\uff1dSUMA(1)",
    "\uff0b1",
    "\uff0d1",
    "\uff20a",
    "'",
    "a=b",
    " =x",
    "x\n=1",
    "92.12",
    "01",
    "Sí",
    'com"illa, y coma',
]


@pytest.fixture(scope="module")
def mundo(tmp_path_factory):
    store, _ = mundo_sintetico(tmp_path_factory.mktemp("firmados"), [ANIO], 900, 6, semilla=3)
    # Hostile names: the final versions' copied names (one value per line, cycling) and a unit's
    # municipio in the catalog; a product flagged remote so that both booleans appear.
    with store.transaction() as tx:
        tx.execute(
            "UPDATE version_final_linea SET unidad_nombre = ($h::VARCHAR[])[1 + (hash(producto) % $n)::INTEGER],"
            " producto_nombre = ($h::VARCHAR[])[1 + (hash(unidad) % $n)::INTEGER]",
            {"h": HOSTILES, "n": len(HOSTILES)},
        )
        tx.execute("UPDATE unidad SET municipio = '=HYPERLINK(\"x\")' WHERE clave IN (SELECT unidad FROM linea)")
        tx.execute("UPDATE producto SET remoto = TRUE WHERE clave IN (SELECT producto FROM linea LIMIT 20)")
    yield store
    store.close()


@pytest.fixture
def analista(mundo):
    return cuentas.obtener(mundo, "analista")


@pytest.fixture
def carpeta(tmp_path):
    c = temporales.Carpeta(tmp_path)
    yield c
    c.cerrar()


def _celdas_csv(datos: bytes) -> list[list[str]]:
    assert datos.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads accents right
    return list(csv.reader(io.StringIO(datos.decode("utf-8-sig"), newline="")))


def _csv_del_zip(ruta) -> bytes:
    with zipfile.ZipFile(ruta) as zf:
        (nombre,) = zf.namelist()
        assert nombre.endswith(".csv")
        return zf.read(nombre)


def _ordenadas(filas: list[list[str]]) -> list[list[str]]:
    """By OOAD/UMAE name and key, unit name and key, Faltante first (tipo DESC), product."""
    cab = list(analisis.ENCABEZADOS.values())
    i = [cab.index(c) for c in ("OOAD/UMAE", "Clave OOAD/UMAE", "Unidad Médica", "Clave de la Unidad Médica")]
    t, p = cab.index("Excedente/Faltante"), cab.index("Clave del producto")

    def clave(f):  # raw values (before the apostrophe), compared as DuckDB does: by UTF-8 bytes
        return [exportar.restaurar(str(f[k] or "")).encode() for k in i], f[t] != "Faltante", str(f[p]).encode()

    return sorted(filas, key=clave)


def _en_orden_espanol(store: Store, filas: list[list[str]]) -> bool:
    """Whether the rows are in the export's order, asked of DuckDB itself (ICU's «es» collation)
    on their raw keys: OOAD/UMAE name and key, unit name and key, Faltante first, product."""
    cab = filas[0]
    columnas = ["OOAD/UMAE", "Clave OOAD/UMAE", "Unidad Médica", "Clave de la Unidad Médica"]
    columnas += ["Excedente/Faltante", "Clave del producto"]
    datos = {f"c{k}": [exportar.restaurar(f[cab.index(c)]) for f in filas[1:]] for k, c in enumerate(columnas)}
    with store.cursor_analitico() as cur:
        cur.register("filas", pd.DataFrame(datos).reset_index())
        try:
            orden = [
                i
                for (i,) in cur.execute(
                    "SELECT index FROM filas ORDER BY c0 COLLATE es, c1, c2 COLLATE es, c3, c4 DESC, c5"
                ).fetchall()
            ]
        finally:
            cur.unregister("filas")
    return orden == list(range(len(filas) - 1))


@pytest.mark.parametrize("en_captura", [False, True])
def test_csv_igual_al_de_python_celda_por_celda(mundo, analista, carpeta, en_captura, monkeypatch):
    """The SQL neutraliser and «Sí»/«No» give the very cells exportar.csv_bytes gives, also when the
    lines are written in several batches; same order (the in-memory one leaves ties of equal names
    unordered, so rows are compared in one total order)."""
    monkeypatch.setattr(exportacion, "LINEAS_POR_LOTE", 150)  # several batches of whole OOAD/UMAE
    a = exportacion.exportar_completa(mundo, analista, ANIO, "csv", carpeta, incluir_en_captura=en_captura)
    datos = _csv_del_zip(a.ruta)
    assert datos.count(b"\r\n") >= a.filas + 1  # CRLF line ends, as exportar.csv_bytes
    nuevo = _celdas_csv(datos)
    viejo = _celdas_csv(
        exportar.csv_bytes(analisis.exportacion_completa(mundo, analista, ANIO, incluir_en_captura=en_captura))
    )
    assert len(nuevo) == len(viejo) == a.filas + 1 > 300
    assert nuevo[0] == viejo[0] == list(analisis.ENCABEZADOS.values())
    assert _en_orden_espanol(mundo, nuevo)  # its own order: Spanish, total
    nuevo, viejo = nuevo[:1] + _ordenadas(nuevo[1:]), viejo[:1] + _ordenadas(viejo[1:])
    distintas = [
        (i, j, x, y)
        for i, (f, g) in enumerate(zip(nuevo, viejo, strict=True))
        for j, (x, y) in enumerate(zip(f, g, strict=True))
        if x != y
    ]
    assert not distintas, distintas[:5]
    # The hostile values really are there, neutralised; the look-alikes kept as they are.
    columna = nuevo[0].index("Unidad Médica")
    vistos = {f[columna] for f in nuevo[1:]}
    assert {"'=1+1", "'+A1", "'-2", "'@x", "'\tx", "'\rx", "''=x", "'''+y", "'\uff1dSUMA(1)"} <= vistos
    assert {"a=b", " =x", "x\n=1", "92.12", "01", "Sí", "'"} <= vistos
    remoto = nuevo[0].index("Entrega a distancia")
    assert {f[remoto] for f in nuevo[1:]} == {"Sí", "No"}
    assert {f[nuevo[0].index("Municipio")] for f in nuevo[1:]} >= {'\'=HYPERLINK("x")'}


@pytest.mark.sin_base  # DuckDB SQL, run by DuckDB on either store (on PostgreSQL: its in-memory DuckDB)
def test_neutralizador_sql_es_la_misma_regla():
    import duckdb

    valores = [*HOSTILES, "", "\n=1", "\u00a0=1", "==", "'''", None]
    with duckdb.connect() as cur:
        sql = [
            v
            for (v,) in cur.execute(
                f"SELECT {exportar.sql_neutralizar('v')} FROM unnest($v::VARCHAR[]) WITH ORDINALITY t(v, i) ORDER BY i",
                {"v": valores},
            ).fetchall()
        ]
    assert sql == [exportar.neutralizar_valor(v) for v in valores]


@pytest.mark.sin_base
def test_csv_bytes_escribe_si_y_no():
    df = pd.DataFrame({"Activa": [True, False], "Mixta": [True, "=x"], "Nula": pd.array([True, None], "boolean")})
    assert _celdas_csv(exportar.csv_bytes(df)) == [["Activa", "Mixta", "Nula"], ["Sí", "Sí", "Sí"], ["No", "'=x", ""]]


def test_xlsx_igual_al_de_python(mundo, analista, carpeta):
    a = exportacion.exportar_completa(mundo, analista, ANIO, "xlsx", carpeta)
    df = analisis.exportacion_completa(mundo, analista, ANIO)
    # A read-only workbook keeps its file open until closed (a ResourceWarning in a later test's gc).
    nuevo = openpyxl.load_workbook(a.ruta, read_only=True)
    viejo = openpyxl.load_workbook(io.BytesIO(exportar.xlsx_bytes({"Líneas": df})), read_only=True)
    try:
        filas_n = [list(f) for f in nuevo.active.iter_rows(values_only=True)]
        filas_v = [list(f) for f in viejo.active.iter_rows(values_only=True)]
    finally:
        nuevo.close()
        viejo.close()
    assert len(filas_n) == len(filas_v) == len(df) + 1
    # Same cells, row for row (ties of equal names aside: the CSV test checks the order).
    assert filas_n[0] == filas_v[0] and sorted(filas_n[1:], key=repr) == sorted(filas_v[1:], key=repr)
    assert any(isinstance(v, bool) for v in filas_n[1])  # remote: the spreadsheet's own boolean
    # Keys keep their form (the README's promise): text cells, «01» stays «01».
    entidad, producto = filas_n[0].index("Clave INEGI del estado"), filas_n[0].index("Clave del producto")
    assert "01" in {f[entidad] for f in filas_n[1:]}
    claves = [f[producto] for f in filas_n[1:]]
    assert all(isinstance(c, str) for c in claves) and any(c.endswith(".0") for c in claves)  # «48.0»


def test_parquet_guarda_los_valores_crudos(mundo, analista, carpeta):
    a = exportacion.exportar_completa(mundo, analista, ANIO, "parquet", carpeta, incluir_en_captura=True)
    tabla = pq.read_table(a.ruta).to_pandas()
    df = analisis.exportacion_completa(mundo, analista, ANIO, incluir_en_captura=True)
    assert list(tabla.columns) == list(df.columns) and len(tabla) == len(df) == a.filas
    claves = ["Clave de la Unidad Médica", "Clave del producto"]  # one line per unit and product
    tabla, df = (x.sort_values(claves, ignore_index=True) for x in (tabla, df))
    for col in ("Unidad Médica", "Producto", "Municipio", "Entrega a distancia", "Pacientes Mensuales"):
        assert tabla[col].tolist() == df[col].tolist(), col
    assert "=1+1" in set(tabla["Unidad Médica"])  # not neutralised: read by programs


def test_excel_solo_hasta_su_limite(mundo, analista, carpeta, monkeypatch):
    n = analisis.cobertura(mundo, analista, ANIO)["lineas"]
    assert exportacion.motivo_no_disponible("xlsx", n) is None
    monkeypatch.setattr(exportacion, "FILAS_MAXIMAS_XLSX", n - 1)
    motivo = exportacion.motivo_no_disponible("xlsx", n)
    assert f"tiene {n:,} líneas" in motivo and f"hasta {n - 1:,}" in motivo and "CSV" in motivo
    with pytest.raises(ExportacionDemasiadoGrande, match="descárguela en CSV"):
        exportacion.exportar_completa(mundo, analista, ANIO, "xlsx", carpeta)
    assert not list(carpeta.ruta.iterdir())
    assert exportacion.motivo_no_disponible("csv", 10**7) is None
    assert exportacion.FILAS_MAXIMAS_XLSX <= exportar.FILAS_MAXIMAS_XLSX - 1


@pytest.mark.parametrize("capturista", [True, False])
def test_solo_la_division_exporta(mundo, carpeta, capturista):
    persona = cuentas.obtener(mundo, mundo.valor("SELECT min(ooad) FROM linea")) if capturista else None
    assert persona is None or persona.rol == "capturista"
    with pytest.raises(AccesoDenegado):
        exportacion.exportar_completa(mundo, persona, ANIO, "csv", carpeta)
    assert not list(carpeta.ruta.iterdir())


def test_una_exportacion_nueva_reemplaza_la_anterior(mundo, analista, carpeta):
    primera = exportacion.exportar_completa(mundo, analista, ANIO, "parquet", carpeta)
    segunda = exportacion.exportar_completa(mundo, analista, ANIO, "parquet", carpeta, incluir_en_captura=True)
    assert primera.ruta == segunda.ruta and segunda.filas > primera.filas
    assert [p.name for p in carpeta.ruta.iterdir()] == [segunda.nombre]
    assert exportacion.leer(segunda) == segunda.ruta.read_bytes()


@pytest.mark.solo_duckdb  # the sweep at opening is DuckDB's (PostgreSQL replicas share the data folder)
def test_la_carpeta_se_borra_con_la_sesion_y_los_restos_al_abrir(tmp_path, monkeypatch):
    c = temporales.Carpeta(tmp_path)
    ruta = c.ruta
    c.archivo("x.zip").write_bytes(b"x")
    del c  # the session's state dropped
    gc.collect()
    assert not ruta.exists()
    c = temporales.Carpeta(tmp_path)
    c.cerrar()
    assert not c.ruta.exists() and not c.abierta
    # A killed server's folder (another process, even with this pid) goes at the next opening.
    propia = temporales.Carpeta(tmp_path)
    resto = temporales.raiz(tmp_path) / f"{os.getpid()}-0000-abcd"
    resto.mkdir()
    (resto / "lineas.zip").write_bytes(b"x")
    from core import instalacion

    # Only the opening itself matters here: no catalog, no integrity check.
    monkeypatch.setattr(instalacion, "preparar", lambda *a, **k: None)
    monkeypatch.setattr(instalacion.integridad, "revisar", lambda *a, **k: None)
    instalacion.abrir(tmp_path, con_demo=False).close()
    assert not resto.exists() and propia.ruta.exists()
    propia.cerrar()


@pytest.mark.sin_base
def test_ningun_archivo_temporal_vive_mas_de_su_limite(tmp_path):
    """A session Streamlit keeps for a while after its tab closed: its old files go anyway."""
    vieja = temporales.Carpeta(tmp_path)
    viejo, nuevo = vieja.archivo("viejo.zip"), vieja.archivo("nuevo.zip")
    viejo.write_bytes(b"x")
    nuevo.write_bytes(b"x")
    hace = time.time() - temporales.VIDA_MAXIMA - 60
    os.utime(viejo, (hace, hace))
    otra = temporales.Carpeta(tmp_path)  # any new session sweeps
    assert not viejo.exists() and nuevo.exists()
    vieja.cerrar()
    otra.cerrar()


@pytest.mark.parametrize("formato", ["csv", "parquet"])
def test_sin_lineas_da_un_archivo_con_solo_encabezados(mundo, analista, carpeta, formato):
    a = exportacion.exportar_completa(mundo, analista, ANIO - 5, formato, carpeta)
    assert a.filas == 0
    if formato == "csv":
        assert _celdas_csv(_csv_del_zip(a.ruta)) == [list(analisis.ENCABEZADOS.values())]
    else:
        tabla = pq.read_table(a.ruta)
        assert tabla.num_rows == 0 and tabla.column_names == list(analisis.ENCABEZADOS.values())


def test_la_exportacion_pasa_por_la_guardia_de_memoria(mundo, analista, carpeta, monkeypatch):
    from core.analysis import guardia
    from core.base.errors import AnalisisDemasiadoGrande

    n = analisis.cobertura(mundo, analista, ANIO)["lineas"]
    por_linea = exportacion._bytes_por_linea(mundo)  # PostgreSQL's batches cost more (read into Arrow first)
    assert por_linea == (exportacion._BYTES_POR_LINEA_PG if EN_POSTGRES else exportacion._BYTES_POR_LINEA)
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", (n * por_linea - 1) / (1 << 20))
    with pytest.raises(AnalisisDemasiadoGrande, match=f"\\({n:,} líneas\\).*Desactive «Incluir OOAD/UMAE en captura»"):
        exportacion.exportar_completa(mundo, analista, ANIO, "parquet", carpeta)
    assert not list(carpeta.ruta.iterdir())
    monkeypatch.setattr(guardia, "PRESUPUESTO_MB", n * por_linea / (1 << 20))
    assert exportacion.exportar_completa(mundo, analista, ANIO, "parquet", carpeta).filas == n


# What the selection reads (analisis._LINEAS_SQL): copied as they are from PostgreSQL to DuckDB.
_TABLAS_SELECCION = (
    "estado",
    "ooad",
    "unidad",
    "grupo",
    "especialidad",
    "producto",
    "declaracion",
    "linea",
    "version_final_linea",
)


@pytest.fixture
def mundo_duckdb(mundo):
    """`mundo`'s rows that the export reads, in a DuckDB store (a Store(":memory:") left as DuckDB)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store_mod, "sustituto", None)
        duck = Store(":memory:")
    try:
        with duck.transaction() as tx:
            for t in _TABLAS_SELECCION:
                tabla = mundo.arrow_grande(f"SELECT * FROM {t}")
                columnas = ", ".join(tabla.column_names)
                tx.register("_copia", tabla)
                tx.execute(f"DELETE FROM {t}")
                tx.execute(f"INSERT INTO {t} ({columnas}) SELECT {columnas} FROM _copia")
                tx.unregister("_copia")
        yield duck
    finally:
        duck.close()


def _partes_xlsx(ruta) -> dict[str, bytes]:
    """An .xlsx's parts (sheet, styles, strings), but its creation time (docProps/core.xml)."""
    with zipfile.ZipFile(ruta) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


@pytest.mark.skipif(not EN_POSTGRES, reason="compares PostgreSQL's files with the DuckDB store's")
def test_en_postgres_los_mismos_archivos_que_en_duckdb(mundo, mundo_duckdb, analista, tmp_path, monkeypatch):
    """The same rows on both stores give the same CSV (byte for byte), the same Parquet table (types
    included) and the same Excel sheet (its XML byte for byte), also in several batches."""
    assert (mundo.dialecto, mundo_duckdb.dialecto) == ("postgres", "duckdb")
    monkeypatch.setattr(exportacion, "LINEAS_POR_LOTE", 150)
    archivos, carpetas = {}, []  # a folder goes with its last reference: kept until the end
    for s in (mundo, mundo_duckdb):
        carpetas.append(carpeta := temporales.Carpeta(tmp_path))
        archivos[s.dialecto] = {
            f: exportacion.exportar_completa(s, analista, ANIO, f, carpeta, incluir_en_captura=True)
            for f in exportacion.FORMATOS
        }
    pg, dk = archivos["postgres"], archivos["duckdb"]
    assert pg["csv"].filas == dk["csv"].filas > 300
    assert _csv_del_zip(pg["csv"].ruta) == _csv_del_zip(dk["csv"].ruta)
    tabla_pg, tabla_dk = pq.read_table(pg["parquet"].ruta), pq.read_table(dk["parquet"].ruta)
    assert tabla_pg.schema == tabla_dk.schema and tabla_pg.equals(tabla_dk)
    partes = _partes_xlsx(pg["xlsx"].ruta)
    assert "xl/worksheets/sheet1.xml" in partes and partes == _partes_xlsx(dk["xlsx"].ruta)
