"""The catalog: reading and validating its six files, and loading them into the store.

The catalog is data (OOAD/UMAE, medical units, service groups, trunk specialties, products). It ships
in `catalog/` (built by `catalog/build.py`, see `catalog/README.md`) and an admin can replace it by
import. Every path into the store goes through `leer_directorio` (or `leer_tablas`), which checks
everything and reports *all* the problems it finds at once, each naming the file and the line, so
that a broken catalog never reaches the database half-loaded.

No Streamlit here: pages call these functions and render the result.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.base.errors import CatalogoInvalido
from core.base.texto import normalizar

CATALOGO_DIR = Path(__file__).resolve().parents[2] / "catalog"

ARCHIVOS = ("estados.csv", "ooad_umae.csv", "unidades.csv", "grupos.csv", "especialidades.csv", "productos.csv")

# Key of each file in the dict returned by leer_directorio, which is also its table in the store.
TABLAS = {
    "estados.csv": "estado",
    "ooad_umae.csv": "ooad",
    "unidades.csv": "unidad",
    "grupos.csv": "grupo",
    "especialidades.csv": "especialidad",
    "productos.csv": "producto",
}

TIPOS_OOAD = ("OOAD", "UMAE")
AMBITOS = ("Ambulatorio", "Hospitalario")

# Mexico's bounding box (the islands included), for every coordinate in the catalog.
LAT_MIN, LAT_MAX = 14.0, 33.0
LON_MIN, LON_MAX = -118.5, -86.5

MAX_ERRORES = 50

_VERDADERO = {"true", "verdadero", "si", "sí", "1"}
_FALSO = {"false", "falso", "no", "0", ""}
_CLAVE_OOAD = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TIPO_UNIDAD = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
_CVE_ENT = re.compile(r"^\d{2}$")
_CVE_MUN = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class _Columna:
    nombre: str
    tipo: str = "texto"  # texto | entero | lat | lon | bool
    requerida: bool = True


_C = _Columna
COLUMNAS: dict[str, tuple[_Columna, ...]] = {
    "estados.csv": (
        _C("cve_ent"),
        _C("nombre"),
        _C("abreviatura", requerida=False),
        _C("lat", "lat"),
        _C("lon", "lon"),
    ),
    "ooad_umae.csv": (
        _C("clave"),
        _C("numero", "entero"),
        _C("tipo"),
        _C("nombre"),
        _C("nombre_largo", requerida=False),
        _C("cve_ent"),
        _C("localidad", requerida=False),
        _C("lat", "lat"),
        _C("lon", "lon"),
    ),
    "unidades.csv": (
        _C("clave"),
        _C("ooad"),
        _C("tipo_unidad"),
        _C("nombre"),
        _C("cve_ent"),
        _C("cve_mun", requerida=False),
        _C("municipio", requerida=False),
        _C("localidad", requerida=False),
        _C("lat", "lat"),
        _C("lon", "lon"),
        _C("ilustrativa", "bool", requerida=False),
    ),
    "grupos.csv": (_C("clave"), _C("nombre"), _C("orden", "entero")),
    "especialidades.csv": (_C("clave"), _C("grupo"), _C("nombre"), _C("orden", "entero")),
    "productos.csv": (
        _C("clave"),
        _C("especialidad"),
        _C("nombre"),
        _C("ambito_default"),
        _C("remoto", "bool", requerida=False),
        _C("origen", requerida=False),
    ),
}


@dataclass
class _Tabla:
    """One file as read: its header and its rows, each with the line it starts on."""

    archivo: str
    encabezado: list[str]
    filas: list[tuple[int, list[str]]]


class _Errores:
    def __init__(self) -> None:
        self.lista: list[str] = []

    def __call__(self, mensaje: str) -> None:
        self.lista.append(mensaje)

    def final(self) -> list[str]:
        if len(self.lista) <= MAX_ERRORES:
            return self.lista
        resto = len(self.lista) - MAX_ERRORES
        return self.lista[:MAX_ERRORES] + [f"… y {resto} errores más (se muestran los primeros {MAX_ERRORES})."]


# --------------------------------------------------------------------------------------------------
# Reading


def leer_directorio(directorio: Path | str) -> dict[str, pd.DataFrame]:
    """Read and validate the six CSV files of `directorio`; raise CatalogoInvalido with every error.

    Returns one DataFrame per table ("estado", "ooad", "unidad", "grupo", "especialidad",
    "producto") with the columns of COLUMNAS in that order: text as str (keys are never parsed as
    numbers: "01" and "39.95" stay text, empty optional text is ""), lat/lon float, numero/orden
    int, ilustrativa/remoto bool.
    """
    directorio = Path(directorio)
    errores = _Errores()
    tablas: dict[str, _Tabla] = {}
    for archivo in ARCHIVOS:
        ruta = directorio / archivo
        if not ruta.is_file():
            errores(f"{archivo}: falta el archivo (se buscó en {directorio})")
            continue
        tabla = _leer_csv(ruta, errores)
        if tabla is not None:
            tablas[archivo] = tabla
    return _validar(tablas, errores)


def leer_tablas(tablas: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Validate catalog files that were read elsewhere (e.g. sheets of an Excel import).

    `tablas` maps a file name of ARCHIVOS to a DataFrame whose columns are the header and whose
    row i is on line i + 2 (the header being line 1). Same result and errors as leer_directorio.
    """
    errores = _Errores()
    leidas: dict[str, _Tabla] = {}
    for archivo in ARCHIVOS:
        if archivo not in tablas:
            errores(f"{archivo}: falta el archivo")
            continue
        df = tablas[archivo]
        encabezado = [str(c).strip() for c in df.columns]
        filas = []
        for i, valores in enumerate(df.itertuples(index=False, name=None)):
            filas.append((i + 2, ["" if _vacio(v) else str(v) for v in valores]))
        leidas[archivo] = _Tabla(archivo, encabezado, filas)
    return _validar(leidas, errores)


def _vacio(valor) -> bool:
    if valor is None:
        return True
    try:
        return bool(pd.isna(valor))
    except (TypeError, ValueError):
        return False


def _leer_csv(ruta: Path, errores: _Errores) -> _Tabla | None:
    archivo = ruta.name
    try:
        with ruta.open(encoding="utf-8-sig", newline="") as f:
            lector = csv.reader(f)
            encabezado = next(lector, None)
            if encabezado is None:
                errores(f"{archivo}: está vacío (falta la línea de encabezado)")
                return None
            filas = []
            siguiente = lector.line_num + 1  # a quoted field may span lines: a row starts here
            for valores in lector:
                if valores and any(v.strip() for v in valores):
                    filas.append((siguiente, valores))
                siguiente = lector.line_num + 1
    except UnicodeDecodeError as e:
        errores(f"{archivo}: no está codificado en UTF-8 ({e.reason} en el byte {e.start})")
        return None
    except csv.Error as e:
        errores(f"{archivo}, línea {lector.line_num}: no se pudo leer como CSV ({e})")
        return None
    return _Tabla(archivo, [c.strip() for c in encabezado], filas)


# --------------------------------------------------------------------------------------------------
# Validation


def _validar(tablas: dict[str, _Tabla], errores: _Errores) -> dict[str, pd.DataFrame]:
    registros: dict[str, list[tuple[int, dict]]] = {}
    for archivo, tabla in tablas.items():
        filas = _validar_tabla(tabla, errores)
        if filas is not None:
            registros[archivo] = filas
    _validar_referencias(registros, errores)
    if errores.lista:
        raise CatalogoInvalido(errores.final())
    datos = {}
    for archivo in ARCHIVOS:
        columnas = [c.nombre for c in COLUMNAS[archivo]]
        df = pd.DataFrame([r for _, r in registros[archivo]], columns=columnas)
        for c in COLUMNAS[archivo]:
            if c.tipo in ("lat", "lon"):
                df[c.nombre] = df[c.nombre].astype("float64")
            elif c.tipo == "entero":
                df[c.nombre] = df[c.nombre].astype("int64")
            elif c.tipo == "bool":
                df[c.nombre] = df[c.nombre].astype("bool")
        df.attrs["lineas"] = [n for n, _ in registros[archivo]]
        datos[TABLAS[archivo]] = df
    return datos


def _validar_tabla(tabla: _Tabla, errores: _Errores) -> list[tuple[int, dict]] | None:
    """Check columns and every value of one file; None if its columns make it unreadable."""
    archivo = tabla.archivo
    columnas = COLUMNAS[archivo]
    posicion: dict[str, int] = {}
    for i, nombre in enumerate(tabla.encabezado):
        if nombre in posicion:
            errores(f"{archivo}: la columna '{nombre}' aparece dos veces en el encabezado")
        else:
            posicion[nombre] = i
    faltan = [c.nombre for c in columnas if c.nombre not in posicion]
    for nombre in faltan:
        errores(f"{archivo}: falta la columna '{nombre}'")
    if faltan:
        return None

    n_campos = len(tabla.encabezado)
    claves: dict[str, int] = {}
    numeros: dict[int, int] = {}
    salida: list[tuple[int, dict]] = []
    for linea, valores in tabla.filas:
        donde = f"{archivo}, línea {linea}"
        if len(valores) != n_campos:
            errores(
                f"{donde}: tiene {len(valores)} campos y el encabezado tiene {n_campos} "
                "(¿una coma de más o de menos, o un texto con comas sin comillas?)"
            )
            continue
        registro: dict = {}
        for col in columnas:
            crudo = valores[posicion[col.nombre]].strip()
            registro[col.nombre] = _valor(col, crudo, donde, errores)
        _validar_valores(archivo, registro, donde, errores)
        clave = registro["cve_ent" if archivo == "estados.csv" else "clave"]
        if clave:
            if clave in claves:
                errores(f"{donde}: la clave '{clave}' está repetida (ya aparece en la línea {claves[clave]})")
            else:
                claves[clave] = linea
        if archivo == "ooad_umae.csv" and isinstance(registro["numero"], int):
            numero = registro["numero"]
            if numero in numeros:
                errores(f"{donde}: el número {numero} está repetido (ya aparece en la línea {numeros[numero]})")
            else:
                numeros[numero] = linea
        salida.append((linea, registro))
    return salida


def _valor(col: _Columna, crudo: str, donde: str, errores: _Errores):
    if col.tipo == "bool":
        texto = crudo.lower()
        if texto in _VERDADERO:
            return True
        if texto in _FALSO:
            return False
        errores(f"{donde}: '{col.nombre}' debe ser true o false, no '{crudo}'")
        return False
    if crudo == "":
        if col.requerida:
            errores(f"{donde}: falta el valor de '{col.nombre}'")
        return None if col.tipo != "texto" else ""
    if col.tipo == "texto":
        return crudo
    if col.tipo == "entero":
        try:
            numero = float(crudo)
        except ValueError:
            numero = math.nan
        if not math.isfinite(numero) or numero != int(numero):
            errores(f"{donde}: '{col.nombre}' debe ser un número entero, no '{crudo}'")
            return None
        return int(numero)
    # lat / lon
    try:
        numero = float(crudo)
    except ValueError:
        numero = math.nan
    if not math.isfinite(numero):
        errores(f"{donde}: '{col.nombre}' debe ser un número (grados decimales, con punto), no '{crudo}'")
        return None
    if col.tipo == "lat" and not LAT_MIN <= numero <= LAT_MAX:
        errores(f"{donde}: la latitud {crudo} está fuera de México (debe estar entre {LAT_MIN} y {LAT_MAX})")
        return None
    if col.tipo == "lon" and not LON_MIN <= numero <= LON_MAX:
        errores(f"{donde}: la longitud {crudo} está fuera de México (debe estar entre {LON_MIN} y {LON_MAX})")
        return None
    return numero


def _validar_valores(archivo: str, r: dict, donde: str, errores: _Errores) -> None:
    """Checks on single values beyond their type."""
    cve_ent = r.get("cve_ent")
    if cve_ent and not _CVE_ENT.match(cve_ent):
        errores(f"{donde}: la clave de estado '{cve_ent}' debe tener dos dígitos (p. ej. '08')")
    if archivo == "ooad_umae.csv":
        if r["tipo"] and r["tipo"] not in TIPOS_OOAD:
            errores(f"{donde}: el tipo '{r['tipo']}' no es válido (debe ser OOAD o UMAE)")
        if r["clave"] and not _CLAVE_OOAD.match(r["clave"]):
            errores(
                f"{donde}: la clave '{r['clave']}' debe ir en minúsculas, sin acentos ni espacios, "
                "con guiones entre palabras (p. ej. 'ciudad-de-mexico-sur'): es el nombre de usuario"
            )
        if isinstance(r["numero"], int) and r["numero"] < 1:
            errores(f"{donde}: el número {r['numero']} debe ser 1 o mayor")
    elif archivo == "unidades.csv":
        if r["tipo_unidad"] and not _TIPO_UNIDAD.match(r["tipo_unidad"]):
            errores(
                f"{donde}: el tipo de unidad '{r['tipo_unidad']}' no es válido "
                "(siglas en mayúsculas, p. ej. UMF, HGZ, HGZMF)"
            )
        cve_mun = r["cve_mun"]
        if cve_mun and not _CVE_MUN.match(cve_mun):
            errores(f"{donde}: la clave de municipio '{cve_mun}' debe tener cinco dígitos (p. ej. '08037')")
        elif cve_mun and cve_ent and not cve_mun.startswith(cve_ent):
            errores(f"{donde}: la clave de municipio '{cve_mun}' no es del estado '{cve_ent}'")
    elif archivo == "productos.csv":
        if r["ambito_default"] and r["ambito_default"] not in AMBITOS:
            errores(f"{donde}: el ámbito '{r['ambito_default']}' no es válido (debe ser Ambulatorio u Hospitalario)")


def _validar_referencias(registros: dict[str, list[tuple[int, dict]]], errores: _Errores) -> None:
    """References between files; a file that could not be read is not used as a reference."""

    def claves(archivo: str, campo: str = "clave") -> dict | None:
        if archivo not in registros:
            return None
        return {r[campo]: r for _, r in registros[archivo] if r[campo]}

    estados = claves("estados.csv", "cve_ent")
    ooads = claves("ooad_umae.csv")
    grupos = claves("grupos.csv")
    especialidades = claves("especialidades.csv")

    def revisar(archivo: str, campo: str, destino: dict | None, mensaje: str) -> None:
        if destino is None or archivo not in registros:
            return
        for linea, r in registros[archivo]:
            valor = r[campo]
            if valor and valor not in destino:
                errores(f"{archivo}, línea {linea}: " + mensaje.format(valor=valor))

    revisar("ooad_umae.csv", "cve_ent", estados, "el estado '{valor}' no existe en estados.csv")
    revisar("unidades.csv", "ooad", ooads, "la OOAD/UMAE '{valor}' no existe en ooad_umae.csv")
    revisar("unidades.csv", "cve_ent", estados, "el estado '{valor}' no existe en estados.csv")
    revisar("especialidades.csv", "grupo", grupos, "el grupo '{valor}' no existe en grupos.csv")
    revisar(
        "productos.csv", "especialidad", especialidades, "la especialidad '{valor}' no existe en especialidades.csv"
    )

    if "unidades.csv" in registros and ooads is not None:
        vistos: dict[tuple[str, str], int] = {}
        for linea, r in registros["unidades.csv"]:
            ooad = ooads.get(r["ooad"])
            if ooad is None:
                continue
            if r["cve_ent"] and ooad["cve_ent"] and r["cve_ent"] != ooad["cve_ent"]:
                errores(
                    f"unidades.csv, línea {linea}: la unidad está en el estado '{r['cve_ent']}' pero "
                    f"la OOAD/UMAE '{r['ooad']}' es del estado '{ooad['cve_ent']}'"
                )
            nombre = (r["ooad"], normalizar(r["nombre"]))
            if nombre[1] and nombre in vistos:
                errores(
                    f"unidades.csv, línea {linea}: la unidad '{r['nombre']}' está repetida en la "
                    f"OOAD/UMAE '{r['ooad']}' (ya aparece en la línea {vistos[nombre]})"
                )
            else:
                vistos[nombre] = linea


# --------------------------------------------------------------------------------------------------
# Helpers for single-file imports (core/admin/importacion.py applies the same rules to one uploaded file)

Columna = _Columna
Errores = _Errores
PATRON_TIPO_UNIDAD = _TIPO_UNIDAD
PATRON_CVE_ENT = _CVE_ENT
PATRON_CVE_MUN = _CVE_MUN


def convertir(col: _Columna, crudo: str, donde: str, errores: _Errores):
    """One raw text value typed as its column says; a bad value is reported through `errores`."""
    return _valor(col, crudo, donde, errores)


# --------------------------------------------------------------------------------------------------
# Loading into the store

_TIPO_SQL = {"texto": "VARCHAR", "entero": "INTEGER", "lat": "DOUBLE", "lon": "DOUBLE", "bool": "BOOLEAN"}


def cargar(tx, datos: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Insert every table of `datos` (as returned by leer_directorio) through `tx`.

    `tx` is a DuckDB cursor already inside a transaction; the caller commits. Empty optional text
    becomes NULL; `producto.busqueda` is normalizar(clave + " " + nombre). Returns rows per table.
    """
    conteos: dict[str, int] = {}
    for archivo in ARCHIVOS:
        tabla = TABLAS[archivo]
        columnas = COLUMNAS[archivo]
        marco = pd.DataFrame({c.nombre: datos[tabla][c.nombre].tolist() for c in columnas})
        expresiones = []
        for c in columnas:
            expr = f'CAST("{c.nombre}" AS {_TIPO_SQL[c.tipo]})'
            expresiones.append(f"NULLIF({expr}, '')" if c.tipo == "texto" else expr)
        nombres = [c.nombre for c in columnas]
        if tabla == "producto":
            marco["busqueda"] = [normalizar(f"{c} {n}") for c, n in zip(marco["clave"], marco["nombre"], strict=True)]
            expresiones.append('CAST("busqueda" AS VARCHAR)')
            nombres.append("busqueda")
        vista = f"_catalogo_{tabla}"
        tx.register(vista, marco)
        try:
            lista = ", ".join(f'"{n}"' for n in nombres)
            tx.execute(f"INSERT INTO {tabla} ({lista}) SELECT {', '.join(expresiones)} FROM {vista}")
        finally:
            tx.unregister(vista)
        conteos[tabla] = len(marco)
    return conteos
