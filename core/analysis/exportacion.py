"""The full export of a period (every line of the selection), written by DuckDB to a file.

Building it in memory took 151 s and 1.4 GB more of the server at 658k lines (issue 14 §2). Here
DuckDB writes it to a file in the session's temporary folder (`core.base.temporales`), in batches
of whole OOAD/UMAE so that only one batch is ever sorted at a time; the page serves that file.
On PostgreSQL each batch's lines (every column) are read as Arrow (`store.arrow_grande`) into the
process's in-memory DuckDB (`store.cursor_analitico`), which sorts, neutralises and writes them as
on the DuckDB store: the same SQL, so the same bytes (`_lote`).

- CSV: inside a .zip (the only way a file of a million lines stays small enough for the server to
  hand it out; Windows opens a .zip by itself). UTF-8 with BOM, CRLF, text cells neutralised in SQL
  by the same rule as `exportar.neutralizar` (`exportar.sql_neutralizar`), booleans «Sí»/«No».
- Parquet (for analysts who outgrow Excel): raw values and types, nothing neutralised: a Parquet
  file is read by programs, never run as a spreadsheet.
- Excel (.xlsx): neutralised like the CSV, booleans as the spreadsheet's own; offered only up to
  `FILAS_MAXIMAS_XLSX` lines, well below Excel's 1,048,575 (its 1,048,576 rows less the header):
  xlsxwriter spends about 160 µs of CPU a line here (968,332 lines: 156 s of CPU, 502 s on the
  loaded bench machine, a 112 MB file the server holds while it is downloaded).
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import xlsxwriter

from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.analysis import analisis, guardia
from core.base import exportar
from core.base.errors import ErrorDominio, ExportacionDemasiadoGrande
from core.base.store import Store
from core.base.temporales import Carpeta

# Excel's own limit is exportar.FILAS_MAXIMAS_XLSX - 1 lines; the export stops much earlier (see
# above): 150,000 lines take about 25 s of CPU and make a file of about 17 MB.
FILAS_MAXIMAS_XLSX = 150_000
# Lines sorted at a time: whole OOAD/UMAE are added to a batch until it holds this many (half as
# many on PostgreSQL, where the batch is also read into Arrow first: see _BYTES_POR_LINEA_PG).
LINEAS_POR_LOTE = 100_000
# Deflate level of the CSV's .zip: level 1 packs the 1M-line CSV (about 250 MB) to about 40 MB in
# about 2 s here; level 6 gains a quarter in size for three times the time.
NIVEL_ZIP = 1
# Bytes an export adds to the server per line at its peak (223 MB at 968,332 lines, bench/RESULTS.md):
# what the análisis guard counts, so that only one large export or heavy análisis runs at a time.
_BYTES_POR_LINEA = 240
# On PostgreSQL (each batch read through ADBC, then sorted by the in-memory DuckDB): CSV peaks of
# 623 MB with batches of 100,000 lines and 429 MB with 50,000 at 968,332 lines, Parquet 398 MB
# (DuckDB store: 218 and 206 MB; load 9-12, docs/research/postgres/DESIGN.md §14.5).
_BYTES_POR_LINEA_PG = 480

# By OOAD/UMAE and unit in Spanish order (ICU's «es» collation: México before Michoacán, as the
# drill-down of Cruce), Faltante first, then product; the keys make the order total. Qualified: the
# Spanish headers are aliases too, and DuckDB would take «Producto» (the name) for `producto`.
ORDEN = "sel.ooad_nombre COLLATE es, sel.ooad, sel.unidad_nombre COLLATE es, sel.unidad, sel.tipo DESC, sel.producto"


@dataclass(frozen=True)
class Formato:
    extension: str
    mime: str
    titulo: str


FORMATOS = {
    "csv": Formato("zip", "application/zip", "CSV (en un .zip)"),
    "xlsx": Formato("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (.xlsx)"),
    "parquet": Formato("parquet", "application/vnd.apache.parquet", "Parquet"),
}

BASE_NOMBRE = "lineas del periodo"


@dataclass(frozen=True)
class Archivo:
    """A finished export: where it is, the name to download it with, and what it holds."""

    ruta: Path
    nombre: str
    mime: str
    formato: str
    filas: int
    anio: int
    incluir_en_captura: bool

    @property
    def bytes(self) -> int:
        return self.ruta.stat().st_size


def exigir_formato(formato: str) -> Formato:
    if formato not in FORMATOS:
        raise ErrorDominio(f"Formato de exportación desconocido: {formato}. Elija CSV, Excel o Parquet.")
    return FORMATOS[formato]


def motivo_no_disponible(formato: str, filas: int) -> str | None:
    """Why `formato` is not offered for an export of `filas` lines (None: it is)."""
    exigir_formato(formato)
    if formato == "xlsx" and filas > FILAS_MAXIMAS_XLSX:
        return (
            f"La exportación tiene {filas:,} líneas y en Excel (.xlsx) se ofrece hasta {FILAS_MAXIMAS_XLSX:,}: "
            "descárguela en CSV (Excel lo abre) o en Parquet, o reduzca la selección con un filtro "
            "(por ejemplo, sin las OOAD/UMAE en captura)."
        )
    return None


def exigir_disponible(formato: str, filas: int) -> None:
    motivo = motivo_no_disponible(formato, filas)
    if motivo:
        raise ExportacionDemasiadoGrande(motivo)


def leer(archivo: Archivo) -> bytes:
    """The bytes of a finished export, for the download (Streamlit holds a download in memory).

    The CSV and the .xlsx were neutralised in SQL as `exportar.neutralizar` does; a Parquet file
    holds raw values (it is read by programs, not opened as a spreadsheet)."""
    try:
        return archivo.ruta.read_bytes()
    except FileNotFoundError as exc:
        raise ErrorDominio("El archivo ya no está disponible: prepárelo de nuevo.") from exc


def _params(anio: int, incluir_en_captura: bool) -> dict:
    return {"anio": int(anio), "en_captura": bool(incluir_en_captura)}


def _por_ooad(store: Store, anio: int, incluir_en_captura: bool) -> list[tuple[str, int]]:
    """(OOAD/UMAE key, lines) in the export's order of OOAD/UMAE."""
    return store.filas(
        f"WITH {analisis._SELECCION_SQL} SELECT b.ooad, count(*) FROM base b LEFT JOIN ooad o ON o.clave = b.ooad"
        f" GROUP BY b.ooad, {ETIQUETA_OOAD.format(o='o')}"
        f" ORDER BY {ETIQUETA_OOAD.format(o='o')} COLLATE es NULLS LAST, b.ooad",
        _params(anio, incluir_en_captura),
    )


def _lotes(por_ooad: list[tuple[str, int]], maximo: int) -> list[list[str]]:
    lotes: list[list[str]] = []
    actual: list[str] = []
    n = 0
    for ooad, lineas in por_ooad:
        actual.append(ooad)
        n += lineas
        if n >= maximo:
            lotes.append(actual)
            actual, n = [], 0
    if actual:
        lotes.append(actual)
    return lotes


def _lineas_lote(columnas: str) -> str:
    """SELECT `columnas` of the lines of the OOAD/UMAE in $lote, in the store's own SQL."""
    return f"WITH {analisis._LINEAS_SQL} SELECT {columnas} FROM sel WHERE list_contains($lote::VARCHAR[], sel.ooad)"


def _en_postgres(store: Store) -> bool:
    return store.dialecto == "postgres"


def _bytes_por_linea(store: Store) -> int:
    return _BYTES_POR_LINEA_PG if _en_postgres(store) else _BYTES_POR_LINEA


@contextmanager
def _lote(store: Store, anio: int, incluir_en_captura: bool, lote: list[str]) -> Iterator[tuple]:
    """A DuckDB cursor where `_consulta` reads the lines of the OOAD/UMAE in `lote`, and its parameters.

    DuckDB store: the store's own cursor, `sel` being `analisis._LINEAS_SQL`. PostgreSQL: the batch's
    lines read as Arrow and registered as `sel` in the process's in-memory DuckDB, so that the COPY,
    the neutraliser, the ICU collation and DuckDB's type names stay DuckDB's; only one batch
    (`LINEAS_POR_LOTE` lines and an OOAD/UMAE) is held at a time."""
    params = {**_params(anio, incluir_en_captura), "lote": list(lote)}
    if not _en_postgres(store):
        with store.cursor() as cur:
            yield cur, params
        return
    tabla = store.arrow_grande(_lineas_lote(", ".join(analisis.COLUMNAS)), params)
    with store.cursor_analitico() as cur:
        cur.register("sel", tabla)
        del tabla  # the view holds it; freed when unregistered
        try:
            yield cur, {}
        finally:
            cur.unregister("sel")


def _tipos(store: Store, anio: int, incluir_en_captura: bool) -> dict[str, str]:
    """DuckDB type of each exported column (from the query itself, so a new column is typed too;
    on PostgreSQL, of the Arrow columns DuckDB reads)."""
    with _lote(store, anio, incluir_en_captura, []) as (cur, params):
        cur.execute(f"{_desde(store, ', '.join(analisis.COLUMNAS))} LIMIT 0", params)
        tipos = {d[0]: str(d[1]).upper() for d in cur.description}
        cur.fetchall()
    return tipos


def _es_texto(tipo: str) -> bool:
    return tipo.startswith("VARCHAR")


def _columnas_sql(tipos: dict[str, str], modo: str) -> str:
    """The SELECT list: Spanish headers; text neutralised except in Parquet; booleans Sí/No in CSV."""
    partes = []
    for c in analisis.COLUMNAS:
        expr = c
        if modo != "parquet" and _es_texto(tipos[c]):
            expr = exportar.sql_neutralizar(c)
        elif modo == "csv" and tipos[c] == "BOOLEAN":
            expr = exportar.sql_si_no(c)
        titulo = analisis.ENCABEZADOS[c].replace('"', '""')
        partes.append(f'{expr} AS "{titulo}"')
    return ", ".join(partes)


def _encabezados() -> list[str]:
    return [str(exportar.neutralizar_valor(analisis.ENCABEZADOS[c])) for c in analisis.COLUMNAS]


def exportar_completa(
    store: Store,
    cuenta: Cuenta | None,
    anio: int,
    formato: str,
    carpeta: Carpeta,
    *,
    incluir_en_captura: bool = False,
    avance: Callable[[float], None] | None = None,
) -> Archivo:
    """Every line of the period's selection (as `analisis.exportacion_completa`: every column,
    Spanish headers; sorted by OOAD/UMAE and unit in Spanish order, Faltante first, product) written to a file in
    `carpeta`; a previous export of the same format there is replaced. `avance` gets 0..1."""
    analisis.exigir_acceso(cuenta)
    fmt = exigir_formato(formato)
    por_ooad = _por_ooad(store, anio, incluir_en_captura)
    filas = sum(n for _, n in por_ooad)
    exigir_disponible(formato, filas)
    nombre = exportar.nombre_archivo(BASE_NOMBRE, anio, fmt.extension)
    destino = carpeta.archivo(nombre)
    parcial = carpeta.archivo(nombre + ".parcial")
    destino.unlink(missing_ok=True)
    tipos = _tipos(store, anio, incluir_en_captura)
    lotes = _lotes(por_ooad, max(1, LINEAS_POR_LOTE // 2) if _en_postgres(store) else LINEAS_POR_LOTE)
    escribir = {"csv": _csv, "parquet": _parquet, "xlsx": _xlsx}[formato]
    with guardia.lectura(filas, _bytes_por_linea(store), analisis.SUGERENCIA_SELECCION):
        try:
            escribir(
                store, anio, incluir_en_captura, tipos, lotes, parcial, carpeta, nombre, avance or (lambda _: None)
            )
            parcial.replace(destino)
        finally:
            parcial.unlink(missing_ok=True)
    return Archivo(destino, nombre, fmt.mime, formato, filas, int(anio), bool(incluir_en_captura))


def _desde(store: Store, columnas: str) -> str:
    """SELECT `columnas` of a batch's lines, in `_lote`'s cursor."""
    return f"SELECT {columnas} FROM sel" if _en_postgres(store) else _lineas_lote(columnas)


def _consulta(store: Store, tipos: dict[str, str], modo: str) -> str:
    return f"{_desde(store, _columnas_sql(tipos, modo))} ORDER BY {ORDEN}"


def _csv(store, anio, incluir, tipos, lotes, parcial: Path, carpeta: Carpeta, nombre: str, avance) -> None:
    """Each batch COPYed by DuckDB to a CSV of its own, appended to the one CSV inside the zip.

    DuckDB writes the next batch (in a thread, to the other of two files) while this one is
    compressed: zlib and DuckDB both release the GIL, so the two overlap."""
    import csv
    import io
    from concurrent.futures import ThreadPoolExecutor

    consulta = _consulta(store, tipos, "csv")
    trozos = [carpeta.archivo(f"{nombre}.lote{k}.csv") for k in (0, 1)]
    cabecera = io.StringIO()
    csv.writer(cabecera, lineterminator="\r\n").writerow(_encabezados())

    def copiar(i: int) -> Path:
        trozo = trozos[i % 2]
        with _lote(store, anio, incluir, lotes[i]) as (cur, params):
            cur.execute(
                f"COPY ({consulta}) TO '{_literal(trozo)}'"
                " (FORMAT csv, HEADER false, NEW_LINE '\r\n', QUOTE '\"', ESCAPE '\"')",
                params,
            )
        return trozo

    try:
        with (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="exportacion") as hilo,
            zipfile.ZipFile(parcial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=NIVEL_ZIP) as zf,
            zf.open(str(Path(nombre).with_suffix(".csv")), "w", force_zip64=True) as dentro,
        ):
            dentro.write(cabecera.getvalue().encode("utf-8-sig"))
            siguiente = hilo.submit(copiar, 0) if lotes else None
            for i in range(len(lotes)):
                trozo = siguiente.result()
                siguiente = hilo.submit(copiar, i + 1) if i + 1 < len(lotes) else None
                with trozo.open("rb") as origen:
                    shutil.copyfileobj(origen, dentro, 1 << 20)
                avance((i + 1) / len(lotes))
    finally:
        for trozo in trozos:
            trozo.unlink(missing_ok=True)


def _literal(ruta: Path) -> str:
    """A path as a SQL string literal's content (the folder is ours; quotes doubled anyway)."""
    return str(ruta).replace("'", "''")


def _lotes_arrow(store, anio, incluir, tipos, lotes, modo: str):
    """Each batch's sorted rows as Arrow record batches, one batch of lines at a time."""
    consulta = _consulta(store, tipos, modo)
    for lote in lotes:
        with _lote(store, anio, incluir, lote) as (cur, params):
            yield from cur.sql(consulta, params=params).to_arrow_reader(50_000)


def _parquet(store, anio, incluir, tipos, lotes, parcial: Path, carpeta, nombre, avance) -> None:
    escritor = None
    try:
        hechos = 0
        total = len(lotes)
        consulta = _consulta(store, tipos, "parquet")
        for i, lote in enumerate(lotes):
            with _lote(store, anio, incluir, lote) as (cur, params):
                for bloque in cur.sql(consulta, params=params).to_arrow_reader(50_000):
                    if escritor is None:
                        escritor = pq.ParquetWriter(parcial, bloque.schema, compression="zstd")
                    escritor.write_batch(bloque)
            hechos = i + 1
            avance(hechos / total)
        if escritor is None:  # no lines: an empty file with the columns
            with _lote(store, anio, incluir, []) as (cur, params):
                vacio = cur.sql(consulta, params=params).to_arrow_table()
                escritor = pq.ParquetWriter(parcial, vacio.schema, compression="zstd")
    finally:
        if escritor is not None:
            escritor.close()


def _xlsx(store, anio, incluir, tipos, lotes, parcial: Path, carpeta: Carpeta, nombre, avance) -> None:
    """xlsxwriter in constant-memory mode: rows go to disk as they are written."""
    libro = xlsxwriter.Workbook(
        str(parcial),
        {
            "constant_memory": True,
            "tmpdir": str(carpeta.ruta),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        hoja = libro.add_worksheet("Líneas")
        encabezado = libro.add_format(exportar._ENCABEZADO)
        entero = libro.add_format({"num_format": "#,##0"})
        decimal = libro.add_format({"num_format": "#,##0.######"})
        fecha = libro.add_format({"num_format": "dd/mm/yyyy"})
        titulos = _encabezados()
        hoja.write_row(0, 0, titulos, encabezado)
        formatos = []
        for j, c in enumerate(analisis.COLUMNAS):
            t = tipos[c]
            if t in ("DOUBLE", "FLOAT") or t.startswith("DECIMAL"):
                f = decimal
            elif t in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"):
                f = entero
            elif t == "DATE":
                f = fecha
            else:
                f = None
            formatos.append(f)
            ancho = 14 if f is not None else max(12, min(40, len(titulos[j]) + 2))
            hoja.set_column(j, j, ancho, f)
        i = 1
        total = len(lotes)
        for k, lote in enumerate(lotes):
            for bloque in _lotes_arrow(store, anio, incluir, tipos, [lote], "xlsx"):
                columnas = [bloque.column(j).to_pylist() for j in range(bloque.num_columns)]
                for fila in zip(*columnas, strict=True):
                    for j, v in enumerate(fila):
                        if v is None:
                            continue
                        if isinstance(v, bool):
                            hoja.write_boolean(i, j, v)
                        elif isinstance(v, (int, float)):
                            hoja.write_number(i, j, v, formatos[j])
                        elif isinstance(v, (dt.date, dt.datetime)):
                            hoja.write_datetime(i, j, v, formatos[j])
                        else:
                            hoja.write_string(i, j, v)
                    i += 1
            avance((k + 1) / total)
        hoja.freeze_panes(1, 0)
        hoja.autofilter(0, 0, max(i - 1, 1), len(titulos) - 1)
    finally:
        libro.close()
