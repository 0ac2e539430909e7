"""Shared sample data: the guide's 15 sample lines (HGZ 35 laboratory Faltantes + HGZ 6 hemodiálisis)."""
import pandas as pd

PRODUCTOS = [
    ("81.01", "Procalcitonina (pct)."),
    ("81.02", "Electrolitos (en liquidos corporales)."),
    ("81.03", "Citoquímica de líquido de ascitis ."),
    ("81.04", "Citoquímica de líquido de derrame pericárdico ."),
    ("81.05", "Citoquímica de líquido pleural ."),
    ("81.06", "Citoquímico de líquido de diálisis ."),
    ("81.07", "Citoquímico de líquido sinovial ."),
    ("81.08", "Peptido c (péptido conector de insulina)."),
    ("81.09", "Péptido citrulinado, anticuerpos anti (anti-ccp)."),
    ("81.10", "Ro (ssa) igg (sindrome de sjogren), anticuerpos anti."),
    ("81.11", "Ro (ssa), anticuerpos anti."),
    ("81.12", "Somatomedina c (igf-1/sm c)."),
    ("81.13", "Nucleares (fan, ana), anticuerpos anti"),
    ("81.14", "Sodio (na) orina."),
    ("39.95", "Procedimiento de hemodiálisis con reuso de dializador"),
]
# (causa, ambito, eventos, pacientes) as in the guide's sample report
LINEAS = [
    ("Carencia de Servicio", "Ambulatorio", "200", "200"),
    ("Falta de Equipo", "Ambulatorio", "50", "50"),
    ("Falta de Equipo", "Ambulatorio", "30", "30"),
    ("Falta de Equipo", "Ambulatorio", "30", "30"),
    ("Falta de Equipo", "Ambulatorio", "30", "30"),
    ("Falta de Equipo", "Ambulatorio", "30", "30"),
    ("Carencia de Servicio", "Ambulatorio", "30", "30"),
    ("Carencia de Servicio", "Ambulatorio", "20", "20"),
    ("Carencia de Servicio", "Ambulatorio", "20", "20"),
    ("Carencia de Servicio", "Ambulatorio", "20", "20"),
    ("Carencia de Servicio", "Ambulatorio", "20", "20"),
    ("Carencia de Servicio", "Ambulatorio", "20", "20"),
    ("Carencia de Servicio", "Ambulatorio", "15", "15"),
    ("Falta de Equipo", "Ambulatorio", "15", "15"),
    ("Carencia de Servicio", "Ambulatorio", "2,989", "250"),
]
CAUSAS = ["Carencia de Servicio", "Falta de Equipo", "Falta de Insumos", "Falta de Personal"]
AMBITOS = ["Ambulatorio", "Hospitalario"]
# Report order: Excedente side then Faltante side; within a side: (causa), ámbito, eventos, pacientes.
ORDEN = ["producto", "exc_ambito", "exc_eventos", "exc_pacientes", "fal_causa", "fal_ambito", "fal_eventos", "fal_pacientes"]


def frame(prefill_ambito: bool = False) -> pd.DataFrame:
    import os
    extra = [(f"99.{i:03d}", f"Producto sintético {i}") for i in range(int(os.environ.get("ROWS", "15")) - len(PRODUCTOS))]
    df = pd.DataFrame(PRODUCTOS + extra, columns=["clave", "producto"]).set_index("clave")
    for c in ORDEN[1:]:
        df[c] = pd.Series([None] * len(df), index=df.index, dtype=object)
    if prefill_ambito:  # as Paso 6 does: both sides' ámbito start at the product's default
        df["exc_ambito"] = "Ambulatorio"
        df["fal_ambito"] = "Ambulatorio"
    return df


def tsv(lineas=LINEAS) -> str:
    return "\n".join("\t".join(l) for l in lineas)
