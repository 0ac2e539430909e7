"""INTERIM loader (to be replaced by the validating loader)."""
from __future__ import annotations
from pathlib import Path
import pandas as pd
from core.texto import normalizar

CATALOGO_DIR = Path(__file__).resolve().parent.parent / "catalog"
_ARCH = {"estado": "estados.csv", "ooad": "ooad_umae.csv", "unidad": "unidades.csv", "grupo": "grupos.csv",
         "especialidad": "especialidades.csv", "producto": "productos.csv"}


def leer_directorio(directorio):
    d = Path(directorio)
    out = {}
    for t, a in _ARCH.items():
        df = pd.read_csv(d / a, dtype=str, keep_default_na=False)
        out[t] = df
    return out


def cargar(tx, datos):
    for t, df in datos.items():
        df = df.copy()
        if t == "producto":
            df["busqueda"] = [normalizar(c + " " + n) for c, n in zip(df["clave"], df["nombre"])]
        cols = ", ".join(df.columns)
        tx.register("_df", df)
        sel = ", ".join("NULLIF(" + c + ", '')" for c in df.columns)
        tx.execute(f"INSERT INTO {t} ({cols}) SELECT {sel} FROM _df")
        tx.unregister("_df")
    return {t: len(df) for t, df in datos.items()}
