"""Text normalisation for searches that ignore case and accents, slugs for readable keys, and the
one check every free text typed by a person passes before it is stored (`exigir_texto`)."""

from __future__ import annotations

import re
import unicodedata

from core.base.errors import ErrorDominio

_ESPACIOS = re.compile(r"\s+")
_NO_ALFANUMERICO = re.compile(r"[^a-z0-9]+")


def normalizar(texto: str | None) -> str:
    """Lower-case, accents removed (NFKD without combining marks), whitespace collapsed.

    "Cirugía ÓSEA  Ñandú" -> "cirugia osea nandu". Used on both sides of every search, so that
    "hemodialisis" finds "Hemodiálisis" and "39.95" finds the product with that code.
    """
    sin_marcas = "".join(c for c in unicodedata.normalize("NFKD", texto or "") if not unicodedata.combining(c))
    return _ESPACIOS.sub(" ", sin_marcas.lower()).strip()


# ñ is a letter of its own after n: kept apart from the accents normalizar removes, and sorted as
# an n followed by a character above every letter ("nz" < "ñ" < "o").
_ENIE = str.maketrans({"ñ": "n\U0010ffff", "Ñ": "n\U0010ffff"})


def clave_orden(texto: str | None) -> str:
    """Sort key of a name in Spanish order, as a reader expects it in a list of states or
    specialties: case and accents ignored (México before Michoacán, «morelos» between them), ñ
    after n; equal keys fall back to the text itself (after a NUL, below every character) so the
    order is total. Agrees with ICU's Spanish collation (DuckDB's `COLLATE es`) on the catalog's
    names (tests/core/test_orden.py)."""
    t = texto or ""
    return normalizar(t.translate(_ENIE)) + "\0" + t


def ordenar(valores) -> list:
    """The values (names) in Spanish order (`clave_orden`), as a new list."""
    return sorted(valores, key=lambda v: clave_orden(str(v)))


def slug(texto: str | None) -> str:
    """Lower-case ASCII words joined by '-': "Ciudad de México Sur" -> "ciudad-de-mexico-sur"."""
    return _NO_ALFANUMERICO.sub("-", normalizar(texto)).strip("-")


def orden_natural(columna: str) -> str:
    """SQL ORDER BY terms that put "HGZ 6" before "HGZ 35" (prefix, then number, then the name)."""
    return f"regexp_extract({columna}, '^\\D*'), TRY_CAST(regexp_extract({columna}, '\\d+') AS INTEGER), {columna}"


# -- free text typed by people ------------------------------------------------------------------
# Refused anywhere in free text: control characters (Unicode category Cc: NUL, escape, ...), the
# line and paragraph separators, and the bidirectional overrides and isolates, which make a name
# read on screen or in a PDF differently from what is stored.
_INVISIBLES = (
    frozenset("\u2028\u2029") | frozenset(map(chr, range(0x202A, 0x202F))) | frozenset(map(chr, range(0x2066, 0x206A)))
)
# Multi-line fields (text areas) keep the line breaks and tabs people type or paste.
_DE_VARIAS_LINEAS = frozenset("\n\r\t")


def _prohibido(c: str, varias_lineas: bool) -> bool:
    if varias_lineas and c in _DE_VARIAS_LINEAS:
        return False
    return unicodedata.category(c) == "Cc" or c in _INVISIBLES


def visible(texto: str, maximo: int = 40) -> str:
    """`texto` safe to echo in a message: invisible characters as U+XXXX, long text cut short."""
    corto = texto if len(texto) <= maximo else texto[:maximo] + "…"
    return "".join(f"U+{ord(c):04X}" if c != " " and unicodedata.category(c)[0] in "CZ" else c for c in corto)


def revisar_caracteres(valor: str, campo: str, *, varias_lineas: bool = False) -> str | None:
    """Why `valor` has a character that cannot be stored in `campo`, or None.

    Checked on the text as received, before any trimming or space collapsing: `str.split()` and
    `strip()` would otherwise turn some controls (U+001C-U+001F, U+2028) into spaces unnoticed.
    """
    for i, c in enumerate(valor, start=1):
        if _prohibido(c, varias_lineas):
            return (
                f"{campo}: contiene un carácter de control o invisible (U+{ord(c):04X}, posición {i:,}) "
                "que no se puede guardar; escriba el texto de nuevo sin pegarlo de otro programa."
            )
    return None


def exigir_caracteres(valor: str | None, campo: str, *, varias_lineas: bool = False) -> None:
    """ErrorDominio if `valor` has a control or invisible character (for fields with their own length rule)."""
    if valor is not None and (problema := revisar_caracteres(str(valor), campo, varias_lineas=varias_lineas)):
        raise ErrorDominio(problema)


def revisar_texto(valor: str | None, campo: str, maximo: int, *, varias_lineas: bool = False) -> str | None:
    """Why `valor` cannot be stored in `campo` (a Spanish sentence naming it), or None if it can.

    The length counts characters after removing surrounding spaces, the way it is stored.
    """
    if valor is None:
        return None
    if not isinstance(valor, str):
        return f"{campo}: se esperaba un texto."
    if (problema := revisar_caracteres(valor, campo, varias_lineas=varias_lineas)) is not None:
        return problema
    n = len(valor.strip())
    if n > maximo:
        return f"{campo}: admite hasta {maximo:,} caracteres (tiene {n:,})."
    return None


def exigir_texto(valor: str | None, campo: str, maximo: int, *, varias_lineas: bool = False) -> str:
    """`valor` without surrounding spaces ("" for None), or ErrorDominio naming the field and the rule.

    Every free text a person types goes through here before it is stored: one rule, one message.
    """
    if (problema := revisar_texto(valor, campo, maximo, varias_lineas=varias_lineas)) is not None:
        raise ErrorDominio(problema)
    return (valor or "").strip()
