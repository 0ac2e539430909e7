"""Where runtime files live: one place, so storage modules need not import the installer."""

from __future__ import annotations

import os
from pathlib import Path

RAIZ = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """Runtime files: EYF_DATA_DIR if set (tests, several installs), else data/ in the checkout."""
    return Path(os.environ.get("EYF_DATA_DIR") or RAIZ / "data")


def ruta_base(directorio: Path | None = None) -> Path:
    return (directorio or data_dir()) / "excedentes_faltantes.duckdb"
