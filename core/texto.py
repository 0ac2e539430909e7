"""Text normalisation for searches that ignore case and accents."""

from __future__ import annotations

import re
import unicodedata


def normalizar(texto: str) -> str:
    sin_marcas = "".join(
        c for c in unicodedata.normalize("NFKD", texto or "") if not unicodedata.combining(c)
    )
    return re.sub(r"\s+", " ", sin_marcas.lower()).strip()


def slug(texto: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalizar(texto)).strip("-")
