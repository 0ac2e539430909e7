"""Catalog import: the medical units or the products from one CSV or Excel file, previewed first.

An admin uploads the complete list of units (or products). `vista_previa` reads and checks the
whole file against the catalog in the store, reporting *every* problem with its file, row and
column, and says what would be added, changed (before → after, per field) and retired. Nothing
is written until `aplicar`, which re-checks the preview against the store and writes it in one
transaction with its audit rows.

Nothing is ever deleted: a unit or product absent from the file is retired (`activa`/`activo` =
FALSE), so captured lines and signed final versions keep resolving their names. A retired key that
comes back in a later file is reactivated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, exportar
from core.base.errors import CatalogoCambiado, ErrorDominio, ImportacionInvalida
from core.base.store import Store
from core.base.texto import normalizar, revisar_texto
from core.capture import catalogo

# A full national list of units or products is well under 2 MB as CSV; 20 MB leaves room for
# Excel's overhead and refuses a wrong file (a video, a database dump) before reading it.
TAMANO_MAXIMO = 20 * 1024 * 1024

# A text cell (a name, a locality) as long as a product name may be (solicitudes.NOMBRE_MAX): the
# shipped catalog's longest is about 210 characters.
CELDA_MAXIMA = 300

# Progress is reported every this many rows: often enough for a smooth bar, rarely enough that
# redrawing it costs nothing next to the work.
PASO_PROGRESO = 250

# Keys: letters, digits, dots and hyphens, up to 30 characters (CLUES "DFIMS000123", generated
# "IL-CH-0001", CIE-9-MC "39.95", curated "LAB-0001"). Spaces or other signs are a typing error.
PATRON_CLAVE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,29}$")

Progreso = Callable[[float, str], None]


@dataclass(frozen=True)
class _Tipo:
    archivo: str  # its file in catalog/, whose columns it uses
    tabla: str
    activo: str  # the column that retires a row
    singular: str
    plural: str


TIPOS = {
    "unidades": _Tipo("unidades.csv", "unidad", "activa", "unidad", "unidades médicas"),
    "productos": _Tipo("productos.csv", "producto", "activo", "producto", "productos"),
}

# Signatures of files people upload by mistake, to say what the file is rather than "bad CSV".
_FIRMAS = (
    (b"\x89PNG", "una imagen PNG"),
    (b"\xff\xd8\xff", "una imagen JPEG"),
    (b"GIF8", "una imagen GIF"),
    (b"BM", "una imagen BMP"),
    (b"%PDF", "un PDF"),
    (b"\xd0\xcf\x11\xe0", "un libro de Excel antiguo (.xls) o un documento de Office antiguo"),
)


@dataclass(frozen=True)
class Cambio:
    clave: str
    nombre: str
    campos: dict[str, tuple[Any, Any]]  # field -> (before, after)


@dataclass(frozen=True)
class Retiro:
    clave: str
    nombre: str
    lineas: int  # captured lines (current and in final versions) that use it


@dataclass(frozen=True)
class VistaPrevia:
    """What importing a file would do; `aplicar` writes exactly this or refuses."""

    tipo: str
    archivo: str
    sha256: str
    registros: tuple[dict, ...] = field(repr=False)  # the file's rows, typed, in file order
    agregados: tuple[dict, ...]
    cambiados: tuple[Cambio, ...]
    retirados: tuple[Retiro, ...]
    sin_cambio: int
    retirar_ausentes: bool
    avisos: tuple[str, ...] = ()

    @property
    def hay_cambios(self) -> bool:
        return bool(self.agregados or self.cambiados or self.retirados)

    def resumen(self) -> str:
        t = TIPOS[self.tipo]
        return (
            f"«{self.archivo}»: {len(self.registros):,} {t.plural} en el archivo. Se agregarían "
            f"{len(self.agregados):,}, se modificarían {len(self.cambiados):,} y se retirarían "
            f"{len(self.retirados):,}; {self.sin_cambio:,} quedan igual."
        )

    def tabla_agregados(self) -> pd.DataFrame:
        columnas = [c.nombre for c in catalogo.COLUMNAS[TIPOS[self.tipo].archivo]]
        return pd.DataFrame([{c: _mostrar(r[c]) for c in columnas} for r in self.agregados], columns=columnas)

    def tabla_cambios(self) -> pd.DataFrame:
        """One row per changed field: clave, nombre, campo, antes, despues."""
        filas = [
            {"clave": c.clave, "nombre": c.nombre, "campo": campo, "antes": _mostrar(a), "despues": _mostrar(d)}
            for c in self.cambiados
            for campo, (a, d) in c.campos.items()
        ]
        return pd.DataFrame(filas, columns=["clave", "nombre", "campo", "antes", "despues"])

    def tabla_retirados(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"clave": r.clave, "nombre": r.nombre, "lineas": r.lineas} for r in self.retirados],
            columns=["clave", "nombre", "lineas"],
        )

    def _firma(self) -> tuple:
        return (
            tuple(sorted(r["clave"] for r in self.agregados)),
            tuple(sorted((c.clave, tuple(sorted(c.campos.items(), key=lambda x: x[0]))) for c in self.cambiados)),
            tuple(sorted(r.clave for r in self.retirados)),
        )


@dataclass(frozen=True)
class Resultado:
    agregados: int
    modificados: int
    retirados: int

    def describir(self) -> str:
        return (
            f"Catálogo actualizado: {self.agregados:,} agregado(s), {self.modificados:,} modificado(s), "
            f"{self.retirados:,} retirado(s)."
        )


def _mostrar(valor: Any) -> str:
    """A value as the preview shows it."""
    if valor is None or (isinstance(valor, float) and math.isnan(valor)):
        return ""
    if isinstance(valor, bool):
        return "sí" if valor else "no"
    if isinstance(valor, float):
        return f"{valor:.6f}".rstrip("0").rstrip(".")
    return str(valor)


# --------------------------------------------------------------------------------------------------
# Preview


def vista_previa(
    store: Store,
    cuenta: Cuenta | None,
    tipo: str,
    nombre_archivo: str,
    datos: bytes,
    *,
    retirar_ausentes: bool = True,
    progreso: Progreso | None = None,
) -> VistaPrevia:
    """Read and check a file of units or products; say what importing it would change.

    Raises ImportacionInvalida with every problem found (file, row, column); writes nothing.
    """
    permisos.exigir_division(cuenta, admin=True)
    if tipo not in TIPOS:
        raise ErrorDominio(f"Tipo de catálogo desconocido: {tipo}. Elija unidades o productos.")
    t = TIPOS[tipo]
    archivo = Path((nombre_archivo or "archivo").replace("\\", "/")).name[:200] or "archivo"
    avisar = progreso or (lambda _f, _m: None)
    avisar(0.0, f"Leyendo «{archivo}»…")
    encabezado, filas, errores = _leer(archivo, datos, tipo)
    if errores:
        raise ImportacionInvalida(archivo, errores)
    registros, avisos = _validar(store, t, archivo, encabezado, filas, avisar)
    avisar(0.9, "Comparando con el catálogo vigente…")
    agregados, cambiados, retirados, sin_cambio = _comparar(store, t, registros, retirar_ausentes)
    avisar(1.0, "Vista previa lista.")
    return VistaPrevia(
        tipo=tipo,
        archivo=archivo,
        sha256=hashlib.sha256(datos).hexdigest(),
        registros=tuple(registros),
        agregados=tuple(agregados),
        cambiados=tuple(cambiados),
        retirados=tuple(retirados),
        sin_cambio=sin_cambio,
        retirar_ausentes=retirar_ausentes,
        avisos=tuple(avisos),
    )


def _leer(archivo: str, datos: bytes, tipo: str) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """(header, [(row number, values)], errors), by the file's content, never by its name."""
    if not datos:
        return [], [], [f"{archivo}: el archivo está vacío."]
    if len(datos) > TAMANO_MAXIMO:
        return (
            [],
            [],
            [f"{archivo}: pesa {len(datos) / 1024 / 1024:,.1f} MB; el máximo es {TAMANO_MAXIMO // 1024 // 1024} MB."],
        )
    if datos[:4] == b"PK\x03\x04":
        return _leer_excel(archivo, datos, tipo)
    for firma, que in _FIRMAS:
        if datos.startswith(firma):
            return (
                [],
                [],
                [
                    f"{archivo}: no es un CSV ni un libro de Excel (.xlsx); su contenido es {que}. "
                    "Suba el catálogo como CSV UTF-8 o como .xlsx."
                ],
            )
    return _leer_csv(archivo, datos)


def _leer_csv(archivo: str, datos: bytes) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    try:
        texto = datos.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return (
            [],
            [],
            [
                f"{archivo}: no está codificado en UTF-8 (byte {e.start:,} no válido). En Excel use "
                "«Guardar como» › «CSV UTF-8 (delimitado por comas)»."
            ],
        )
    if "\x00" in texto:
        return (
            [],
            [],
            [f"{archivo}: no es un archivo de texto (tiene contenido binario). Suba un CSV UTF-8 o un .xlsx."],
        )
    primera = texto.split("\n", 1)[0]
    # Excel in Spanish locales writes ';' between fields; a tab-separated export also happens.
    separador = max((",", ";", "\t"), key=primera.count)
    lector = csv.reader(io.StringIO(texto, newline=""), delimiter=separador)
    try:
        encabezado = next(lector, None)
        if encabezado is None or not any(c.strip() for c in encabezado):
            return [], [], [f"{archivo}: está vacío (falta la fila de encabezado con los nombres de las columnas)."]
        filas = []
        siguiente = lector.line_num + 1  # a quoted field may span lines: a row starts here
        for valores in lector:
            if valores and any(v.strip() for v in valores):
                filas.append((siguiente, [exportar.restaurar(v) for v in valores]))
            siguiente = lector.line_num + 1
    except csv.Error as e:
        return [], [], [f"{archivo}, fila {lector.line_num:,}: no se pudo leer como CSV ({e})."]
    return [c.strip() for c in encabezado], filas, []


def _leer_excel(archivo: str, datos: bytes, tipo: str) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    try:
        libro = load_workbook(io.BytesIO(datos), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        return (
            [],
            [],
            [
                f"{archivo}: no es un libro de Excel .xlsx válido ({type(exc).__name__}). "
                "Ábralo en Excel y guárdelo de nuevo como .xlsx, o súbalo como CSV UTF-8."
            ],
        )
    try:
        # The sheet named like the catalog (“unidades”, “productos”) if there is one, else the first.
        hoja = next((h for h in libro.worksheets if normalizar(h.title) == tipo), libro.worksheets[0])
        donde = f"{archivo} (hoja «{hoja.title}»)"
        filas_xl = hoja.iter_rows(values_only=True)
        encabezado_xl = next(filas_xl, None)
        if encabezado_xl is None or not any(v not in (None, "") for v in encabezado_xl):
            return [], [], [f"{donde}: está vacía (falta la fila de encabezado con los nombres de las columnas)."]
        encabezado = [("" if v is None else str(v)).strip() for v in encabezado_xl]
        while encabezado and not encabezado[-1]:
            encabezado.pop()
        errores: list[str] = []
        filas = []
        for numero, valores in enumerate(filas_xl, start=2):
            textos = []
            for i, nombre in enumerate(encabezado):
                valor = valores[i] if i < len(valores) else None
                texto, problema = _celda(valor, nombre)
                if problema:
                    errores.append(f"{donde}, fila {numero:,}, columna '{nombre}': {problema}")
                textos.append(texto)
            if any(v.strip() for v in textos):
                filas.append((numero, textos))
    finally:
        libro.close()
    if errores:
        return [], [], errores[: catalogo.MAX_ERRORES]
    return encabezado, filas, []


def _celda(valor: Any, columna: str) -> tuple[str, str | None]:
    """An Excel cell as the text a CSV would hold, or why it cannot be taken as such."""
    if valor is None:
        return "", None
    if isinstance(valor, bool):
        return ("true" if valor else "false"), None
    if isinstance(valor, (int, float)):
        if columna == "clave":
            # 47.10 typed as a number is 47.1: the key would silently change.
            return str(valor), (
                f"la clave {valor} está guardada como número; dé formato de Texto a la columna "
                "para conservar la clave exacta (p. ej. '47.10')"
            )
        if isinstance(valor, float) and valor.is_integer() and columna not in ("lat", "lon"):
            valor = int(valor)
        if isinstance(valor, int) and columna in ("cve_ent", "cve_mun"):
            return str(valor).zfill(2 if columna == "cve_ent" else 5), None  # Excel drops leading zeros
        return str(valor), None
    return exportar.restaurar(str(valor)), None


def _validar(
    store: Store, t: _Tipo, archivo: str, encabezado: list[str], filas: list[tuple[int, list[str]]], avisar: Progreso
) -> tuple[list[dict], list[str]]:
    errores = catalogo.Errores()
    columnas = catalogo.COLUMNAS[t.archivo]
    esperadas = [c.nombre for c in columnas]
    posicion: dict[str, int] = {}
    for i, nombre in enumerate(encabezado):
        if nombre in posicion:
            errores(f"{archivo}: la columna '{nombre}' aparece dos veces en el encabezado")
        elif nombre:
            posicion[nombre] = i
    for nombre in esperadas:
        if nombre not in posicion:
            errores(f"{archivo}: falta la columna '{nombre}' (columnas esperadas: {', '.join(esperadas)})")
    if errores.lista:
        raise ImportacionInvalida(archivo, errores.final())
    avisos = [
        f"Se ignoró la columna '{n}', que no forma parte del catálogo de {t.plural}."
        for n in encabezado
        if n and n not in esperadas
    ]
    if not filas:
        raise ImportacionInvalida(archivo, [f"{archivo}: no tiene filas de datos (solo el encabezado)."])

    ref = _referencias(store, t)
    registros: list[dict] = []
    claves: dict[str, int] = {}
    nombres: dict[tuple[str, str], int] = {}
    total = len(filas)
    for i, (fila, valores) in enumerate(filas):
        if i % PASO_PROGRESO == 0:
            avisar(0.85 * i / total, f"Revisando la fila {fila:,} de {total + 1:,}…")
        if len(valores) != len(encabezado):
            errores(
                f"{archivo}, fila {fila:,}: tiene {len(valores)} campos y el encabezado tiene {len(encabezado)} "
                "(¿un separador de más o de menos, o un texto con separadores sin comillas?)"
            )
            continue
        r: dict = {}
        for col in columnas:
            donde = f"{archivo}, fila {fila:,}, columna '{col.nombre}'"
            crudo = valores[posicion[col.nombre]]
            if col.tipo == "texto" and (problema := revisar_texto(crudo, donde, CELDA_MAXIMA)) is not None:
                errores(problema)
            r[col.nombre] = catalogo.convertir(col, crudo.strip(), donde, errores)
        _revisar_fila(t, r, lambda c, m, f=fila: errores(f"{archivo}, fila {f:,}, columna '{c}': {m}"), ref)
        clave = r["clave"]
        if clave:
            if clave in claves:
                errores(
                    f"{archivo}, fila {fila:,}, columna 'clave': la clave '{clave}' está repetida "
                    f"(ya aparece en la fila {claves[clave]:,})"
                )
            else:
                claves[clave] = fila
        if t.tabla == "unidad" and r["nombre"]:
            llave = (r["ooad"], normalizar(r["nombre"]))
            if llave in nombres:
                errores(
                    f"{archivo}, fila {fila:,}, columna 'nombre': la unidad '{r['nombre']}' está repetida en la "
                    f"OOAD/UMAE '{r['ooad']}' (ya aparece en la fila {nombres[llave]:,})"
                )
            else:
                nombres[llave] = fila
        registros.append(r)
    if errores.lista:
        raise ImportacionInvalida(archivo, errores.final())
    return registros, avisos


def _referencias(store: Store, t: _Tipo) -> dict:
    """What the file's rows may refer to, from the catalog in the store."""
    if t.tabla == "unidad":
        return {
            "estados": {c for (c,) in store.filas("SELECT cve_ent FROM estado")},
            "ooads": dict(store.filas("SELECT clave, cve_ent FROM ooad")),
            # Units with captured lines keep their OOAD/UMAE: the lines carry it.
            "con_lineas": {
                u: (o, n)
                for u, o, n in store.filas(
                    "SELECT unidad, min(ooad), count(*) FROM (SELECT unidad, ooad FROM linea"
                    " UNION ALL SELECT unidad, ooad FROM version_final_linea) AS t GROUP BY unidad"
                )
            },
        }
    return {"especialidades": {c for (c,) in store.filas("SELECT clave FROM especialidad")}}


def _revisar_fila(t: _Tipo, r: dict, error: Callable[[str, str], None], ref: dict) -> None:
    """Checks beyond each value's type, each naming its column."""
    if r["clave"] and not PATRON_CLAVE.match(r["clave"]):
        error(
            "clave",
            f"la clave '{r['clave']}' no es válida (solo letras, dígitos, puntos y guiones, "
            "sin espacios, hasta 30 caracteres)",
        )
    if t.tabla == "producto":
        if r["especialidad"] and r["especialidad"] not in ref["especialidades"]:
            error("especialidad", f"la especialidad '{r['especialidad']}' no existe en el catálogo")
        if r["ambito_default"] and r["ambito_default"] not in catalogo.AMBITOS:
            error("ambito_default", f"el ámbito '{r['ambito_default']}' no es válido (Ambulatorio u Hospitalario)")
        return
    cve_ent = r["cve_ent"]
    if r["tipo_unidad"] and not catalogo.PATRON_TIPO_UNIDAD.match(r["tipo_unidad"]):
        error(
            "tipo_unidad",
            f"el tipo de unidad '{r['tipo_unidad']}' no es válido (siglas en mayúsculas, p. ej. UMF, HGZ, HGZMF)",
        )
    if cve_ent and not catalogo.PATRON_CVE_ENT.match(cve_ent):
        error("cve_ent", f"la clave de estado '{cve_ent}' debe tener dos dígitos (p. ej. '08')")
    elif cve_ent and cve_ent not in ref["estados"]:
        error("cve_ent", f"el estado '{cve_ent}' no existe en el catálogo")
    if r["cve_mun"] and not catalogo.PATRON_CVE_MUN.match(r["cve_mun"]):
        error("cve_mun", f"la clave de municipio '{r['cve_mun']}' debe tener cinco dígitos (p. ej. '08037')")
    elif r["cve_mun"] and cve_ent and not r["cve_mun"].startswith(cve_ent):
        error("cve_mun", f"la clave de municipio '{r['cve_mun']}' no es del estado '{cve_ent}'")
    ooad = r["ooad"]
    if ooad and ooad not in ref["ooads"]:
        error("ooad", f"la OOAD/UMAE '{ooad}' no existe en el catálogo")
    elif ooad and cve_ent and ref["ooads"][ooad] and cve_ent != ref["ooads"][ooad]:
        error(
            "cve_ent",
            f"la unidad está en el estado '{cve_ent}' pero la OOAD/UMAE '{ooad}' es del estado '{ref['ooads'][ooad]}'",
        )
    previa = ref["con_lineas"].get(r["clave"])
    if previa and ooad and previa[0] != ooad:
        error(
            "ooad",
            f"la unidad '{r['clave']}' tiene {previa[1]:,} línea(s) capturada(s) de la OOAD/UMAE "
            f"'{previa[0]}' y no puede pasar a otra; retírela y dé de alta una clave nueva",
        )


def catalogo_csv(store: Store, cuenta: Cuenta | None, tipo: str) -> bytes:
    """The active units or products in the import's columns: download, edit, upload back.

    Written by `exportar.csv_bytes`, so a name such as "=HYPERLINK(…)" opens as text; the import
    undoes that neutralisation (`exportar.restaurar`), so the round trip changes nothing."""
    permisos.exigir_division(cuenta, admin=True)
    t = TIPOS[tipo]
    columnas = catalogo.COLUMNAS[t.archivo]
    lista = ", ".join(f'"{c.nombre}"' for c in columnas)
    df = store.df(f'SELECT {lista} FROM {t.tabla} WHERE "{t.activo}" ORDER BY clave')
    for c in columnas:
        if c.tipo == "bool":
            df[c.nombre] = df[c.nombre].map({True: "true", False: "false"})
    return exportar.csv_bytes(df)


# --------------------------------------------------------------------------------------------------
# Comparing with the store


def _campos(t: _Tipo) -> list[catalogo.Columna]:
    return [c for c in catalogo.COLUMNAS[t.archivo] if c.nombre != "clave"]


def _comparar(store: Store, t: _Tipo, registros: list[dict], retirar_ausentes: bool):
    campos = _campos(t)
    lista = ", ".join(f'"{c.nombre}"' for c in campos)
    actuales = {fila[0]: fila[1:] for fila in store.filas(f'SELECT clave, {lista}, "{t.activo}" FROM {t.tabla}')}
    agregados, cambiados = [], []
    sin_cambio = 0
    for r in registros:
        antes = actuales.get(r["clave"])
        if antes is None:
            agregados.append(r)
            continue
        cambios = {
            c.nombre: (_normal(a), _normal(r[c.nombre]))
            for c, a in zip(campos, antes, strict=False)
            if not _igual(a, r[c.nombre])
        }
        if not antes[-1]:
            cambios[t.activo] = (False, True)  # reactivated
        if cambios:
            cambiados.append(Cambio(r["clave"], r["nombre"], cambios))
        else:
            sin_cambio += 1
    retirados = []
    if retirar_ausentes:
        en_archivo = {r["clave"] for r in registros}
        ausentes = [(c, v) for c, v in actuales.items() if c not in en_archivo and v[-1]]
        if ausentes:
            uso = _lineas_por_clave(store, t)
            indice_nombre = [c.nombre for c in campos].index("nombre")
            retirados = [Retiro(c, v[indice_nombre], uso.get(c, 0)) for c, v in sorted(ausentes)]
    return agregados, cambiados, retirados, sin_cambio


def _lineas_por_clave(store: Store, t: _Tipo) -> dict[str, int]:
    col = "unidad" if t.tabla == "unidad" else "producto"
    return dict(
        store.filas(
            f"SELECT {col}, count(*) FROM (SELECT {col} FROM linea UNION ALL SELECT {col} FROM version_final_linea)"
            f" AS t GROUP BY {col}"
        )
    )


def _normal(v: Any) -> Any:
    return None if v is None or v == "" else v


def _igual(a: Any, b: Any) -> bool:
    a, b = _normal(a), _normal(b)
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-9)
    return a == b


# --------------------------------------------------------------------------------------------------
# Applying


_TIPO_SQL = {"texto": "VARCHAR", "entero": "INTEGER", "lat": "DOUBLE", "lon": "DOUBLE", "bool": "BOOLEAN"}


def aplicar(store: Store, cuenta: Cuenta | None, vista: VistaPrevia, *, progreso: Progreso | None = None) -> Resultado:
    """Write a preview in one transaction, audited per item; refuse if the catalog moved meanwhile."""
    cuenta = permisos.exigir_division(cuenta, admin=True)
    if not vista.hay_cambios:
        raise ErrorDominio("No hay cambios que aplicar: el archivo coincide con el catálogo vigente.")
    t = TIPOS[vista.tipo]
    avisar = progreso or (lambda _f, _m: None)

    def trabajo(tx) -> Resultado:
        store.bloquear(None)  # a catalog import waits for, and holds off, every OOAD/UMAE's writes
        registros = list(vista.registros)
        # The same checks and comparison as the preview, now inside the transaction.
        ref = _referencias(store, t)
        problemas: list[str] = []
        for r in registros:
            _revisar_fila(t, r, lambda c, m, clave=r["clave"]: problemas.append(f"{clave} ({c}): {m}"), ref)
        if problemas:
            raise CatalogoCambiado(
                "No se aplicó nada: el catálogo cambió desde la vista previa.\n"
                + "\n".join(f"• {p}" for p in problemas[: catalogo.MAX_ERRORES])
            )
        ahora = VistaPrevia(
            vista.tipo,
            vista.archivo,
            vista.sha256,
            vista.registros,
            *_comparar(store, t, registros, vista.retirar_ausentes),
            vista.retirar_ausentes,
        )
        if ahora._firma() != vista._firma():
            raise CatalogoCambiado(
                "No se aplicó nada: el catálogo cambió desde la vista previa (otra importación o una "
                "solicitud de producto aceptada). Vuelva a revisar el archivo para ver los cambios actuales."
            )
        avisar(0.05, "Escribiendo el catálogo…")
        _escribir(tx, t, vista)
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion=f"catálogo de {t.plural} importado",
            objeto=vista.archivo,
            despues={
                "archivo": vista.archivo,
                "sha256": vista.sha256,
                "filas": len(vista.registros),
                "agregados": len(vista.agregados),
                "modificados": len(vista.cambiados),
                "retirados": len(vista.retirados),
                "retirar_ausentes": vista.retirar_ausentes,
            },
        )
        _auditar_items(tx, cuenta, t, vista, avisar)
        return Resultado(len(vista.agregados), len(vista.cambiados), len(vista.retirados))

    resultado = store.escribir(trabajo)
    avisar(1.0, resultado.describir())
    return resultado


def _marco(t: _Tipo, registros) -> pd.DataFrame:
    columnas = catalogo.COLUMNAS[t.archivo]
    marco = pd.DataFrame({c.nombre: [r[c.nombre] for r in registros] for c in columnas}, dtype=object)
    if t.tabla == "producto":
        marco["busqueda"] = [normalizar(f"{r['clave']} {r['nombre']}") for r in registros]
    return marco


def _expresiones(t: _Tipo) -> list[tuple[str, str]]:
    """(column, SQL expression over the registered frame): empty optional text is stored as NULL."""
    salida = []
    for c in catalogo.COLUMNAS[t.archivo]:
        expr = f'CAST(v."{c.nombre}" AS {_TIPO_SQL[c.tipo]})'
        salida.append((c.nombre, f"NULLIF({expr}, '')" if c.tipo == "texto" else expr))
    if t.tabla == "producto":
        salida.append(("busqueda", 'CAST(v."busqueda" AS VARCHAR)'))
    return salida


def _escribir(tx, t: _Tipo, vista: VistaPrevia) -> None:
    expresiones = _expresiones(t)
    vista_sql = "_importacion_catalogo"
    if vista.agregados:
        tx.register(vista_sql, _marco(t, vista.agregados))
        try:
            nombres = ", ".join(f'"{n}"' for n, _ in expresiones)
            tx.execute(
                f'INSERT INTO {t.tabla} ({nombres}, "{t.activo}") '
                f"SELECT {', '.join(e for _, e in expresiones)}, TRUE FROM {vista_sql} v"
            )
        finally:
            tx.unregister(vista_sql)
    if vista.cambiados:
        por_clave = {r["clave"]: r for r in vista.registros}
        tx.register(vista_sql, _marco(t, [por_clave[c.clave] for c in vista.cambiados]))
        try:
            asignaciones = ", ".join(f'"{n}" = {e}' for n, e in expresiones if n != "clave")
            tx.execute(
                f'UPDATE {t.tabla} SET {asignaciones}, "{t.activo}" = TRUE FROM {vista_sql} v'
                f" WHERE {t.tabla}.clave = v.clave"
            )
        finally:
            tx.unregister(vista_sql)
    if vista.retirados:
        tx.execute(
            f'UPDATE {t.tabla} SET "{t.activo}" = FALSE WHERE list_contains(?, clave)',
            [[r.clave for r in vista.retirados]],
        )


def _auditar_items(tx, cuenta: Cuenta, t: _Tipo, vista: VistaPrevia, avisar: Progreso) -> None:
    """One audit row per item, with its before and after, so each change can be traced and undone."""
    total = len(vista.agregados) + len(vista.cambiados) + len(vista.retirados)
    hechos = 0

    def uno(accion: str, clave: str, ooad: str | None, antes, despues) -> None:
        nonlocal hechos
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion=accion,
            ooad=ooad,
            unidad=clave if t.tabla == "unidad" else None,
            objeto=clave,
            antes=antes,
            despues=despues,
        )
        hechos += 1
        if hechos % PASO_PROGRESO == 0:
            avisar(0.05 + 0.9 * hechos / total, f"Registrando en la bitácora: {hechos:,} de {total:,}…")

    por_clave = {r["clave"]: r for r in vista.registros}
    for r in vista.agregados:
        uno(
            f"{t.singular} agregado" if t.tabla == "producto" else "unidad agregada",
            r["clave"],
            r.get("ooad"),
            None,
            {k: _normal(v) for k, v in r.items()},
        )
    for c in vista.cambiados:
        uno(
            f"{t.singular} modificado" if t.tabla == "producto" else "unidad modificada",
            c.clave,
            por_clave[c.clave].get("ooad"),
            {k: a for k, (a, _) in c.campos.items()},
            {k: d for k, (_, d) in c.campos.items()},
        )
    ooad_de = {}
    if t.tabla == "unidad" and vista.retirados:
        ooad_de = dict(
            tx.execute(
                "SELECT clave, ooad FROM unidad WHERE list_contains(?, clave)", [[r.clave for r in vista.retirados]]
            ).fetchall()
        )
    for r in vista.retirados:
        uno(
            f"{t.singular} retirado" if t.tabla == "producto" else "unidad retirada",
            r.clave,
            ooad_de.get(r.clave),
            {t.activo: True, "lineas": r.lineas},
            {t.activo: False},
        )
