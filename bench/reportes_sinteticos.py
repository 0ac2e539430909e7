"""Realistic synthetic report data for benchmarks and tests (long product names, accents, ñ)."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pandas as pd

from reports.reporte import COLUMNAS, DatosReporte

ZONA = ZoneInfo("America/Mexico_City")

LOCALIDADES = [
    "Ciudad Juárez",
    "Chihuahua",
    "Cuauhtémoc",
    "Delicias",
    "Hidalgo del Parral",
    "Nuevo Casas Grandes",
    "Ojinaga",
    "Camargo",
    "Jiménez",
    "Guachochi",
    "Madera",
    "Peñón Blanco",
    "Cañitas de Felipe Pescador",
    "Mérida",
    "Querétaro",
    "Tlalnepantla de Baz",
    "Ixtlán del Río",
    "Zapotlán el Grande",
    "Álamos",
    "Ñuñoa",
]
TIPOS_UNIDAD = ["HGZ", "HGR", "UMF", "HGS", "UMAA", "HGZ/MF"]

# Group -> products; names as they come in the catalog (some long, some with odd punctuation).
PRODUCTOS = {
    "Hemodiálisis": [
        "Procedimiento de hemodiálisis con reuso de dializador equipo con tecnología de punta, incluye lineas "
        "arteriovenosas, concentrado electrolítico, fistulas, heparina, soluciones parenterales, material de "
        "curación",
        "Hemodiálisis subsecuente en paciente con enfermedad renal crónica terminal, con dializador de alto flujo",
        "Colocación de catéter Mahurkar para hemodiálisis",
    ],
    "Laboratorio de análisis clínicos": [
        "Procalcitonina (pct).",
        "Electrolitos (en liquidos corporales).",
        "Citoquímica de líquido de ascitis .",
        "Citoquímica de líquido de derrame pericárdico .",
        "Citoquímica de líquido pleural .",
        "Citoquímico de líquido de diálisis .",
        "Citoquímico de líquido sinovial .",
        "Peptido c (péptido conector de insulina, péptido c-insulina).",
        "Péptido citrulinado, anticuerpos anti (anti-ccp).",
        "Ro (ssa) igg (sindrome de sjogren), anticuerpos anti.",
        "Somatomedina c (factor de crecimiento insinuloide i) (igf-1/sm c).",
        "Nucleares (fan, ana), anticuerpos anti",
        "Sodio (na) orina.",
        "Hemoglobina glucosilada (HbA1c) por cromatografía líquida de alta resolución",
    ],
    "Cirugía": [
        "Colecistectomía laparoscópica",
        "Procedimiento sobre cuatro o más vasos",
        "Reparación de hernia inguinal unilateral con injerto o prótesis, por vía laparoscópica o abierta",
        "Artroplastía total de rodilla",
        "Cirugía de catarata por facoemulsificación con implante de lente intraocular plegable",
        "Tiroidectomía total",
        "Reducción abierta de fractura con fijación interna de fémur",
    ],
    "Consulta Externa": [
        "Consulta de especialidad de Oftalmología (primera vez)",
        "Consulta subsecuente de Cardiología",
        "Consulta de especialidad de Otorrinolaringología",
        "Consulta de Nefrología pediátrica",
        "Consulta subsecuente de Psiquiatría por videollamada (consulta digital)",
    ],
    "Imagenología": [
        "Tomografía computada de cráneo simple y contrastada",
        "Resonancia magnética de columna lumbosacra",
        "Mastografía bilateral de tamizaje",
        "Ultrasonido Doppler color de miembros inferiores",
        "Densitometría ósea de columna y cadera",
    ],
}
CAUSAS = ["Carencia de Servicio", "Falta de Equipo", "Falta de Insumos", "Falta de Personal"]


def datos_sinteticos(
    n_unidades: int, lineas_por_unidad: int, seed: int = 0, ooad_nombre: str = "OOAD Chihuahua", anio: int = 2026
) -> DatosReporte:
    """`n_unidades` reporting units with about `lineas_por_unidad` lines each (±25 %), in print order.

    Every unit prints its Faltantes table then its Excedentes table; some units have only one of them.
    About 15 % of the lines have no monthly events (printed blank).
    """
    rnd = random.Random(seed)
    grupos = list(PRODUCTOS)
    filas = []
    for u in range(n_unidades):
        unidad = f"{rnd.choice(TIPOS_UNIDAD)} {u + 1}, {LOCALIDADES[u % len(LOCALIDADES)]}"
        n = max(1, round(lineas_por_unidad * rnd.uniform(0.75, 1.25))) if lineas_por_unidad > 0 else 0
        modo = rnd.random()
        lineas_unidad = []
        for _ in range(n):
            tipo = "Faltante" if modo < 0.2 else "Excedente" if modo > 0.9 else rnd.choice(["Faltante", "Excedente"])
            grupo = rnd.choice(grupos)
            producto = rnd.choice(PRODUCTOS[grupo])
            pacientes = rnd.choice([rnd.randint(1, 60), rnd.randint(60, 900), rnd.randint(900, 4_000)])
            eventos = None if rnd.random() < 0.15 else pacientes * rnd.randint(1, 12)
            lineas_unidad.append(
                {
                    "unidad_nombre": unidad,
                    "tipo": tipo,
                    "grupo": grupo,
                    "producto_nombre": producto,
                    "causa": rnd.choice(CAUSAS) if tipo == "Faltante" else None,
                    "ambito": rnd.choice(["Ambulatorio", "Hospitalario"]),
                    "eventos": eventos,
                    "pacientes": pacientes,
                }
            )
        # Faltantes first, then Excedentes; stable inside each kind.
        filas += sorted(lineas_unidad, key=lambda r: (r["tipo"] != "Faltante", r["grupo"]))
    lineas = pd.DataFrame(filas, columns=COLUMNAS)
    lineas["eventos"] = lineas["eventos"].astype("Int64")
    lineas["pacientes"] = lineas["pacientes"].astype("int64")
    con = lineas["unidad_nombre"].nunique()
    return DatosReporte(
        ooad_nombre=ooad_nombre,
        anio=anio,
        impreso_en=dt.datetime(anio, 7, 29, 16, 27, 3, tzinfo=ZONA),
        unidades_total=max(57, n_unidades),
        unidades_con=con,
        respuesta="SI" if len(lineas) else "NO",
        lineas=lineas,
    )
