"""Text normalisation for searches that ignore case and accents, and slugs for readable keys."""

from __future__ import annotations

import re
import unicodedata

_ESPACIOS = re.compile(r"\s+")
_NO_ALFANUMERICO = re.compile(r"[^a-z0-9]+")


def normalizar(texto: str | None) -> str:
    """Lower-case, accents removed (NFKD without combining marks), whitespace collapsed.

    "Cirugía ÓSEA  Ñandú" -> "cirugia osea nandu". Used on both sides of every search, so that
    "hemodialisis" finds "Hemodiálisis" and "39.95" finds the product with that code.
    """
    sin_marcas = "".join(c for c in unicodedata.normalize("NFKD", texto or "") if not unicodedata.combining(c))
    return _ESPACIOS.sub(" ", sin_marcas.lower()).strip()


def slug(texto: str | None) -> str:
    """Lower-case ASCII words joined by '-': "Ciudad de México Sur" -> "ciudad-de-mexico-sur"."""
    return _NO_ALFANUMERICO.sub("-", normalizar(texto)).strip("-")


def orden_natural(columna: str) -> str:
    """SQL ORDER BY terms that put "HGZ 6" before "HGZ 35" (prefix, then number, then the name)."""
    return (f"regexp_extract({columna}, '^\\D*'), TRY_CAST(regexp_extract({columna}, '\\d+') AS INTEGER), "
            f"{columna}")
