#!/usr/bin/env python3
"""Build the shipped catalog (catalog/*.csv) from the public data of the shared folder.

    .venv/bin/python catalog/build.py [--source ../shared/data] [--out catalog]

Re-runnable and deterministic: the same sources give byte-identical files (every random choice
comes from a seeded generator, every list is sorted before it is written). The rules are explained
in catalog/README.md; the constants below are those rules. The result is read back with
core.capture.catalogo.leer_directorio before the script reports success, so a build never ships a catalog
the app would refuse.

Only this script reads the shared folder; the app and the tests read catalog/ only.
"""

from __future__ import annotations

import argparse
import csv
import heapq
import math
import random
import re
import shutil
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

AQUI = Path(__file__).resolve().parent
REPO = AQUI.parent
sys.path.insert(0, str(REPO))

from core.base.texto import normalizar, slug  # noqa: E402
from core.capture.catalogo import COLUMNAS, leer_directorio  # noqa: E402

SEMILLA = "imss-excedentes-faltantes-catalogo-1"
ORIGEN_DGIS = "cie9mc_dgis_202402"
ORIGEN_CURADO = "curado"

# ================================================================================================
# Rules: states and OOAD/UMAE

# Common short names where INEGI's official name is long (the rest come from INEGI with accents).
NOMBRE_ESTADO = {"05": "Coahuila", "16": "Michoacán", "30": "Veracruz"}

# OOAD names as the IMSS uses them for the two OOAD of the State of Mexico (the login names are
# then mexico-oriente / mexico-poniente, like veracruz-norte or ciudad-de-mexico-sur).
NOMBRE_OOAD = {"Estado de México Oriente": "México Oriente", "Estado de México Poniente": "México Poniente"}

# Unit counts printed in the guide's tablero (No. 1-11).
UNIDADES_GUIA = {
    "Aguascalientes": 16,
    "Baja California": 40,
    "Baja California Sur": 20,
    "Campeche": 12,
    "Coahuila": 50,
    "Colima": 13,
    "Chiapas": 32,
    "Chihuahua": 57,
    "Durango": 34,
    "Guanajuato": 49,
    "Guerrero": 20,
}
MIN_UNIDADES, MAX_UNIDADES = 10, 120

# States with two OOAD: which municipalities belong to which.
CDMX_NORTE = {  # alcaldías of Ciudad de México Norte; the other ten go to Ciudad de México Sur
    "002": "Azcapotzalco",
    "005": "Gustavo A. Madero",
    "006": "Iztacalco",
    "015": "Cuauhtémoc",
    "016": "Miguel Hidalgo",
    "017": "Venustiano Carranza",
}
EDOMEX_LON_ORIENTE = -99.45  # seat east of this longitude (Valle de México side): México Oriente
VERACRUZ_LAT_NORTE = 19.0  # seat at or north of this latitude (Xalapa, Veracruz port, Poza Rica): Norte
SUFIJO_CLUES = {  # to tell apart the generated keys of two OOAD sharing a CLUES prefix
    "Ciudad de México Norte": "N",
    "Ciudad de México Sur": "S",
    "México Oriente": "O",
    "México Poniente": "P",
    "Veracruz Norte": "N",
    "Veracruz Sur": "S",
}

TIPO_UMAE = {
    "Hospital de Especialidades": "HES",
    "Hospital de Gineco Obstetricia": "HGO",
    "Hospital de Traumatología y Ortopedia": "HTO",
    "Hospital de Pediatría": "HP",
    "Hospital de Cardiología": "HC",
    "Hospital de Gineco Pediatría": "HGP",
    "Hospital General": "HG",
    "Hospital de Oncología": "HO",
}

# Mexico City hospitals of the 2018 CLUES extract that are not a UMAE: type and name in the guide's
# style ("<type> <number>, <place>"); the CLUES file abbreviates them.
HOSPITALES_CDMX = {
    "DFIMS000056": ("HINF", "Hospital de Infectología, CMN La Raza"),
    "DFIMS000126": ("HGZ", "HGZ 32, Villa Coapa"),
    "DFIMS000184": ("HGP", "HGP 3A, Magdalena de las Salinas"),
    "DFIMS000196": ("HORT", "Hospital de Ortopedia, Magdalena de las Salinas"),
    "DFIMS000201": ("HPSIQ", "Hospital de Psiquiatría, Unidad Morelos"),
    "DFIMS000225": ("HGZ", "HGZ 24, Insurgentes"),
    "DFIMS000230": ("HGZMF", "HGZMF 29, San Juan de Aragón"),
    "DFIMS000312": ("HGZ", "HGZ 2A, Troncoso"),
    "DFIMS000324": ("HGZ", "HGZ 30, Iztacalco"),
    "DFIMS000365": ("HGZ", "HGZ 47, Vicente Guerrero"),
    "DFIMS000370": ("HGR", "HGR 25, Ignacio Zaragoza"),
    "DFIMS000464": ("HGZMF", "HGZMF 8, San Ángel"),
    "DFIMS000481": ("HPSIQ", "Hospital de Psiquiatría, San Fernando"),
    "DFIMS000522": ("HGZ", "HGZ 1A, Los Venados"),
    "DFIMS000534": ("HGR", "HGR 1, Carlos MacGregor Sánchez Navarro"),
    "DFIMS000621": ("HGZ", "HGZ 27, Tlatelolco"),
    "DFIMS000633": ("HGZMF", "HGZMF 26, Condesa"),
    "DFIMS000790": ("HPSIQMF", "Hospital de Psiquiatría con UMF 10, Postal"),
    "DFIMS000814": ("HGR", "HGR 2, Villa Coapa"),
    "DFIMS000831": ("HGZ", "HGZ 48, San Pedro Xalpa"),
}
UMF_RESERVADAS = {"09": {10}}  # UMF numbers taken by real units not listed as UMF (the UMF 10 above)


@dataclass(frozen=True)
class UnidadReal:
    tipo: str
    numero: int
    nombre: str
    cvegeo: str  # INEGI locality (state + municipality + locality)


# Real units named in the guide (Chihuahua) and in the Quintana Roo digital consultation note.
UNIDADES_REALES = {
    "Chihuahua": [
        UnidadReal("HGZ", 6, "HGZ 6, Ciudad Juárez", "080370001"),
        UnidadReal("HGZ", 35, "HGZ 35, Ciudad Juárez", "080370001"),
        UnidadReal("HGZMF", 23, "HGZMF 23, Hidalgo del Parral", "080320001"),
        UnidadReal("UMF", 13, "UMF 13, Saucillo", "080620001"),
        UnidadReal("UMF", 14, "UMF 14, Rosales", "080550001"),
    ],
    "Quintana Roo": [
        UnidadReal("UMF", 11, "UMF 11, Playa del Carmen", "230080001"),
        UnidadReal("UMF", 13, "UMF 13, Playa del Carmen", "230080001"),
        UnidadReal("UMF", 14, "UMF 14, Cancún", "230050001"),
        UnidadReal("UMF", 16, "UMF 16, Cancún", "230050001"),
    ],
}

# Illustrative units: where and of which type.
PESO_EXPONENTE = 0.7  # a locality's weight is population ** 0.7 (big cities get several units, towns one)
PESO_PRIMERA = 0.3  # divisor of a locality's first unit (k-th unit: weight / (k + 0.3))
MIN_POBLACION_NO_CABECERA = 15_000  # localities that are not a municipal seat need this many inhabitants
FRACCION_HOSPITALES = 0.16  # share of hospitals among an OOAD's units (real ones included)
MIN_POBLACION_HOSPITAL = 20_000
PESO_HOSPITAL = 0.6  # hospitals: D'Hondt on population ** 0.6 (real hospitals included)
TIPOS_HOSPITAL = ("HGR", "HGZ", "HGZMF", "HGS", "HG", "HGP", "HGO", "HINF", "HORT", "HPSIQ", "HPSIQMF")

# Display names of localities, used in unit names. A municipal seat is called by its municipality's
# name when that name is part of the seat's ("Santa Cruz de Rosales" -> "Rosales", as the guide's
# "UMF 14, Rosales"; "Victoria de Durango" -> "Durango"), unless the seat's name starts with
# "Ciudad" ("Ciudad Obregón", "Ciudad del Carmen" stay); other localities keep INEGI's name.
NOMBRE_COMUN = {"080370001": "Ciudad Juárez"}
# Accented forms the INEGI municipality names do not provide.
ACENTOS_EXTRA = {
    "cancun": "Cancún",
    "ampliacion": "Ampliación",
    "sahagun": "Sahagún",
    "heroes": "Héroes",
    "capulin": "Capulín",
    "kilometro": "Kilómetro",
    "cajititlan": "Cajititlán",
    "bucerias": "Bucerías",
    "jardin": "Jardín",
    "ebano": "Ébano",
    "veintidos": "Veintidós",
    "tesistan": "Tesistán",
    "chavarria": "Chavarría",
}
PARTICULAS = {"de", "del", "la", "las", "los", "el", "y", "e", "en", "con", "a", "al", "o"}

# ================================================================================================
# Rules: groups, specialties, products

GRUPOS = [
    ("CIR", "Cirugía"),
    ("CEX", "Consulta Externa"),
    ("HEM", "Hemodiálisis"),
    ("IMG", "Imagenología"),
    ("LAB", "Laboratorio de análisis clínicos"),
]

ESPECIALIDADES_CIR = {
    "CIR-CCV": "Cirugía Cardiovascular",
    "CIR-GEN": "Cirugía General",
    "CIR-MAX": "Cirugía Maxilofacial",
    "CIR-PLA": "Cirugía Plástica y Reconstructiva",
    "CIR-TOR": "Cirugía de Tórax",
    "CIR-END": "Endocrinología Quirúrgica",
    "CIR-GYO": "Ginecología y Obstetricia",
    "CIR-NEU": "Neurocirugía",
    "CIR-OFT": "Oftalmología",
    "CIR-ORL": "Otorrinolaringología",
    "CIR-TRA": "Trasplantes",
    "CIR-TYO": "Traumatología y Ortopedia",
    "CIR-URO": "Urología",
}
ESPECIALIDADES_IMG = {
    "IMG-RX": "Radiología",
    "IMG-TC": "Tomografía Computarizada",
    "IMG-US": "Ultrasonografía",
    "IMG-RM": "Resonancia Magnética",
    "IMG-MN": "Medicina Nuclear",
    "IMG-RT": "Radioterapia y Radiocirugía",
}

# Cirugía: specialty by CIE-9-MC section (first two digits of the code) ...
SECCION_A_ESPECIALIDAD = {}
for _secciones, _esp in [
    (range(1, 6), "CIR-NEU"),
    (range(6, 8), "CIR-END"),
    (range(8, 17), "CIR-OFT"),
    (range(18, 23), "CIR-ORL"),
    ((23, 24, 27), "CIR-MAX"),
    ((25, 26, 28, 29, 30, 31), "CIR-ORL"),
    ((32, 33, 34), "CIR-TOR"),
    (range(35, 40), "CIR-CCV"),
    (range(40, 55), "CIR-GEN"),
    (range(55, 65), "CIR-URO"),
    (range(65, 76), "CIR-GYO"),
    ((76,), "CIR-MAX"),
    (range(77, 85), "CIR-TYO"),
    ((85, 86), "CIR-PLA"),
    ((95,), "CIR-OFT"),
]:
    for _s in _secciones:
        SECCION_A_ESPECIALIDAD[f"{_s:02d}"] = _esp
# ... refined by category (first three characters of the DGIS key) ...
CATEGORIA_A_ESPECIALIDAD = {
    "075": "CIR-NEU",
    "076": "CIR-NEU",
    "077": "CIR-NEU",  # pineal gland and hypophysis
    "078": "CIR-TOR",
    "079": "CIR-TOR",  # thymus
    "850": "CIR-GEN",
    "851": "CIR-GEN",
    "852": "CIR-GEN",
    "853": "CIR-GEN",
    "854": "CIR-GEN",  # breast: biopsy,
    # excision, mastectomy (reduction, augmentation and reconstruction stay in Cirugía Plástica)
    "335": "CIR-TRA",
    "336": "CIR-TRA",
    "410": "CIR-TRA",
    "505": "CIR-TRA",
    "556": "CIR-TRA",  # transplants
    # chapter 00 (procedures not elsewhere classified), its surgical categories:
    "003": "CIR-GEN",
    "004": "CIR-CCV",
    "005": "CIR-CCV",
    "006": "CIR-CCV",
    "007": "CIR-TYO",
    "008": "CIR-TYO",
    "009": "CIR-TRA",
    "00A": "CIR-GEN",
}
# ... and by code.
CODIGO_A_ESPECIALIDAD = {
    "3751": "CIR-TRA",
    "4697": "CIR-TRA",
    "5280": "CIR-TRA",
    "5282": "CIR-TRA",
    "5283": "CIR-TRA",
    "5284": "CIR-TRA",
    "5285": "CIR-TRA",
    "5286": "CIR-TRA",
}

# Hemodiálisis: hemodialysis, its vascular accesses, and peritoneal dialysis.
CODIGOS_HEMODIALISIS = ("3995", "3895", "3927", "3942", "3943", "5498")
HEMODIALISIS_GUIA = (
    "Procedimiento de hemodiálisis con reuso de dializador equipo con tecnología de punta, incluye lineas "
    "arteriovenosas, concentrado electrolítico, fistulas, heparina, soluciones parenterales, material de curación"
)

# Cirugía done without a hospital stay by default (besides diagnostic and therapeutic, non-surgical
# codes): categories of minor and ambulatory surgery.
CATEGORIAS_AMBULATORIAS = {
    "044": "liberación de túnel carpiano o tarsal",
    "081": "procedimientos diagnósticos de párpado",
    "082": "excisión o destrucción de lesión de párpado",
    "094": "sondaje de vías lagrimales",
    "131": "extracción intracapsular de cristalino",
    "132": "extracción extracapsular (técnica lineal)",
    "133": "extracción extracapsular (aspiración simple)",
    "134": "facoemulsificación",
    "135": "otra extracción extracapsular",
    "136": "otra extracción de catarata",
    "137": "lente intraocular",
    "142": "destrucción de lesión de retina",
    "143": "reparación de desgarro retiniano",
    "180": "incisión de oído externo",
    "182": "excisión de lesión de oído externo",
    "200": "miringotomía",
    "213": "excisión de lesión de nariz",
    "230": "extracción de diente con fórceps",
    "231": "extracción quirúrgica de diente",
    "232": "restauración dental con empaste",
    "233": "restauración dental con incrustación",
    "234": "otra restauración dental",
    "235": "implante dental",
    "236": "implante protésico dental",
    "237": "endodoncia",
    "240": "incisión de encía o hueso alveolar",
    "241": "procedimientos diagnósticos dentales",
    "242": "gingivoplastia",
    "243": "otras operaciones sobre encía",
    "244": "excisión de lesión dental",
    "245": "alveoloplastia",
    "246": "exposición de diente",
    "247": "aparatos de ortodoncia",
    "248": "otra operación ortodóntica",
    "249": "otras operaciones dentales",
    "490": "incisión o excisión de tejido perianal",
    "493": "excisión local de lesión de ano",
    "494": "procedimientos sobre hemorroides",
    "637": "vasectomía y ligadura de conducto deferente",
    "640": "circuncisión",
    "671": "procedimientos diagnósticos de cuello uterino",
    "672": "conización de cuello uterino",
    "673": "otra excisión o destrucción de lesión de cuello uterino",
    "820": "incisión de músculo, tendón o fascia de la mano",
    "860": "incisión de piel y tejido subcutáneo",
    "861": "procedimientos diagnósticos de piel",
    "862": "excisión o destrucción de lesión de piel",
    "863": "otra excisión local de lesión de piel",
    "865": "sutura de piel y tejido subcutáneo",
}

# Names: DGIS writes them in capitals; sentence case keeps accents, acronyms and proper names.
FORMAS_FIJAS = {
    w.lower(): w
    for w in (
        "ACTP AICD ARM BBBD GAP BRM CHAD CPRE CRE CRT-D CRT-P DAV DCR DIEP DPT DRC DRCT EC-IC ECG EEPNI EGD EMG ENG "
        "EOG ERG EUA HAB HB HC HIP HRVL HSL HV HVAL IBH IL-2 ILE IMRC LAA NIPS OECM PAAF PCR PEG PPU PSS PTCA PVE "
        "RM RPPI SARS SIEA SR TAC TC TD TENS TRAM UMF VAC YPE COVID-19 P32 II III IV "
        "Aquiles Bartholin Braille Caldwell-Luc Duhamel Eustaquio Falopio Fallot Gasser Hegar Hubbard Langerhans "
        "Marshall Masters Morgagni Oddi Papanicolau Sengstaken Soave Tenon Thomas Vater Oxford Pfizer Sinovac "
        "Janssen Johnson Moderna Sputnik Sabin Mon AstraZeneca BioNTech CanSino CoV2 Rh"
    ).split()
}
FORMAS_EN_CONTEXTO = [  # single letters that are names, not words
    (re.compile(r"\b(hepatitis) (a|b|c|ab)\b"), lambda m: f"{m[1]} {m[2].upper()}"),
    (re.compile(r"\b(tipo|sputnik) (i|v)\b", re.IGNORECASE), lambda m: f"{m[1]} {m[2].upper()}"),
    (re.compile(r"\b(tubo en) t\b"), lambda m: f"{m[1]} T"),
    (re.compile(r"\(ha\)"), lambda m: "(HA)"),
]

# Imagenología specialty by category (first three characters of the DGIS key) and by code.
CATEGORIA_A_IMAGEN = {
    "887": "IMG-US",
    "920": "IMG-MN",
    "921": "IMG-MN",
    "922": "IMG-RT",
    "923": "IMG-RT",
    "924": "IMG-RT",
}
CODIGO_A_IMAGEN = {
    "8703": "IMG-TC",
    "8704": "IMG-TC",
    "8741": "IMG-TC",
    "8742": "IMG-TC",
    "8771": "IMG-TC",
    "8772": "IMG-TC",
    "8801": "IMG-TC",
    "8802": "IMG-TC",
    "8838": "IMG-TC",
    "8891": "IMG-RM",
    "8892": "IMG-RM",
    "8893": "IMG-RM",
    "8894": "IMG-RM",
    "8895": "IMG-RM",
    "8896": "IMG-RM",
    "8897": "IMG-RM",
}

# Laboratorio de análisis clínicos: a curated list; the first 14 are the guide's sample report,
# word for word (including its spacing and missing accents).
LABORATORIO = [
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
    "Ro (ssa), anticuerpos anti.",
    "Somatomedina c (factor de crecimiento insinuloide i) (igf-1/sm c).",
    "Nucleares (fan, ana), anticuerpos anti",
    "Sodio (na) orina.",
    # Hematology and coagulation
    "Biometría hemática completa.",
    "Reticulocitos.",
    "Frotis de sangre periférica.",
    "Velocidad de sedimentación globular (vsg).",
    "Grupo sanguíneo y factor rh.",
    "Coombs directo, prueba de.",
    "Coombs indirecto, prueba de.",
    "Tiempo de protrombina (tp).",
    "Tiempo de tromboplastina parcial activada (ttpa).",
    "Fibrinógeno.",
    "Dímero d.",
    # Clinical chemistry
    "Glucosa en suero.",
    "Curva de tolerancia a la glucosa oral.",
    "Hemoglobina glucosilada (hba1c).",
    "Urea en suero.",
    "Nitrógeno ureico en sangre (bun).",
    "Creatinina en suero.",
    "Ácido úrico en suero.",
    "Colesterol total.",
    "Colesterol de alta densidad (hdl).",
    "Colesterol de baja densidad (ldl).",
    "Triglicéridos.",
    "Bilirrubinas (total, directa e indirecta).",
    "Alanino aminotransferasa (alt/tgp).",
    "Aspartato aminotransferasa (ast/tgo).",
    "Fosfatasa alcalina.",
    "Gamma glutamil transferasa (ggt).",
    "Deshidrogenasa láctica (dhl).",
    "Proteínas totales en suero.",
    "Albúmina en suero.",
    "Amilasa en suero.",
    "Lipasa en suero.",
    "Creatina fosfocinasa (cpk).",
    "Creatina fosfocinasa fracción mb (cpk-mb).",
    "Troponina i.",
    "Péptido natriurético tipo b (bnp).",
    "Proteína c reactiva (pcr).",
    "Sodio (na) en suero.",
    "Potasio (k) en suero.",
    "Cloro (cl) en suero.",
    "Calcio en suero.",
    "Fósforo en suero.",
    "Magnesio en suero.",
    "Gasometría arterial.",
    "Lactato en sangre.",
    "Amonio en sangre.",
    "Osmolaridad sérica.",
    "Hierro sérico.",
    "Ferritina.",
    "Transferrina.",
    "Vitamina b12.",
    "Ácido fólico en suero.",
    # Urine and other fluids
    "Examen general de orina.",
    "Depuración de creatinina en orina de 24 horas.",
    "Proteínas en orina de 24 horas.",
    "Microalbuminuria.",
    "Potasio (k) orina.",
    "Citoquímico de líquido cefalorraquídeo .",
    # Hormones and tumour markers
    "Hormona estimulante de tiroides (tsh).",
    "Tiroxina libre (t4 libre).",
    "Triyodotironina total (t3).",
    "Insulina en suero.",
    "Cortisol en suero.",
    "Prolactina.",
    "Hormona folículo estimulante (fsh).",
    "Hormona luteinizante (lh).",
    "Estradiol.",
    "Progesterona.",
    "Testosterona total.",
    "Gonadotropina coriónica humana, subunidad beta (hgc-beta) cuantitativa.",
    "Antígeno prostático específico total (ape).",
    "Antígeno carcinoembrionario (ace).",
    "Alfa fetoproteína (afp).",
    "Antígeno ca 125.",
    "Antígeno ca 19-9.",
    # Immunology and serology
    "Factor reumatoide.",
    "Antiestreptolisinas o (aslo).",
    "Dna de doble cadena, anticuerpos anti.",
    "La (ssb), anticuerpos anti.",
    "Citoplasma de neutrófilo (anca), anticuerpos anti.",
    "Complemento c3.",
    "Complemento c4.",
    "Virus de inmunodeficiencia humana (vih), anticuerpos anti.",
    "Carga viral de vih.",
    "Linfocitos cd4, cuantificación de.",
    "Hepatitis b, antígeno de superficie (hbsag).",
    "Hepatitis c, anticuerpos anti (anti-vhc).",
    "Vdrl (sífilis).",
    "Reacciones febriles.",
    # Microbiology
    "Urocultivo.",
    "Hemocultivo.",
    "Coprocultivo.",
    "Coproparasitoscópico seriado (3 muestras).",
    "Sangre oculta en heces.",
    "Exudado faríngeo, cultivo de.",
    "Baciloscopía (baar) en expectoración.",
    "Cultivo de líquido cefalorraquídeo.",
    # Drug levels
    "Tacrolimus, niveles séricos.",
    "Ciclosporina, niveles séricos.",
    "Digoxina, niveles séricos.",
    "Ácido valproico, niveles séricos.",
]

# Consulta Externa: follow-up consultations that can be given by video call (remoto = true), as in
# the IMSS Digital Consultation pilot in Quintana Roo (diabetes, hypertension, chronic disease).
CONSULTA_EXTERNA = {
    "CEX-MF": (
        "Medicina Familiar",
        [
            "Consulta subsecuente de Medicina Familiar (control de diabetes mellitus)",
            "Consulta subsecuente de Medicina Familiar (control de hipertensión arterial)",
            "Consulta subsecuente de Medicina Familiar (control de enfermedad crónica)",
            "Consulta subsecuente de Medicina Familiar (seguimiento de paciente con COVID-19 en casa)",
        ],
    ),
    "CEX-MI": (
        "Medicina Interna",
        [
            "Consulta subsecuente de Medicina Interna (seguimiento de hipertensión arterial)",
            "Consulta subsecuente de Medicina Interna (seguimiento de enfermedad crónica degenerativa)",
        ],
    ),
    "CEX-END": (
        "Endocrinología",
        [
            "Consulta subsecuente de Endocrinología (seguimiento de diabetes)",
            "Consulta subsecuente de Endocrinología (seguimiento de enfermedad tiroidea)",
            "Consulta subsecuente de Endocrinología (seguimiento de obesidad)",
        ],
    ),
    "CEX-CAR": (
        "Cardiología",
        [
            "Consulta subsecuente de Cardiología (seguimiento de insuficiencia cardiaca)",
            "Consulta subsecuente de Cardiología (seguimiento de cardiopatía isquémica)",
            "Consulta subsecuente de Cardiología (control de anticoagulación)",
        ],
    ),
    "CEX-NEF": (
        "Nefrología",
        [
            "Consulta subsecuente de Nefrología (seguimiento de enfermedad renal crónica)",
            "Consulta subsecuente de Nefrología (seguimiento de paciente en diálisis)",
            "Consulta subsecuente de Nefrología (seguimiento de trasplante renal)",
        ],
    ),
    "CEX-NML": (
        "Neumología",
        [
            "Consulta subsecuente de Neumología (seguimiento de EPOC)",
            "Consulta subsecuente de Neumología (seguimiento de asma)",
        ],
    ),
    "CEX-NRL": (
        "Neurología",
        [
            "Consulta subsecuente de Neurología (seguimiento de epilepsia)",
            "Consulta subsecuente de Neurología (seguimiento de enfermedad de Parkinson)",
        ],
    ),
    "CEX-PSQ": (
        "Psiquiatría",
        [
            "Consulta subsecuente de Psiquiatría (seguimiento de depresión)",
            "Consulta subsecuente de Psiquiatría (seguimiento de trastorno de ansiedad)",
            "Consulta subsecuente de Psiquiatría (seguimiento de esquizofrenia)",
        ],
    ),
    "CEX-REU": (
        "Reumatología",
        [
            "Consulta subsecuente de Reumatología (seguimiento de artritis reumatoide)",
            "Consulta subsecuente de Reumatología (seguimiento de lupus eritematoso sistémico)",
        ],
    ),
    "CEX-NUT": (
        "Nutrición",
        [
            "Consulta subsecuente de Nutrición (plan de alimentación en diabetes)",
            "Consulta subsecuente de Nutrición (plan de alimentación en enfermedad renal)",
        ],
    ),
}

LICENCIA_GEOJSON = """\
mexico_estados.geojson: boundaries of the 32 states of Mexico.

Copied unchanged from assets/mexico.json of the repository lapanquecita/remesas
(https://github.com/lapanquecita/remesas). Shapes: INEGI, Marco Geoestadístico ("Fuente: INEGI").

MIT License

Copyright (c) 2023 Montse

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


# ================================================================================================
# Sources


def leer_csv(ruta: Path) -> list[dict[str, str]]:
    """Rows as dicts; whitespace (including the odd no-break space) trimmed and collapsed."""
    with ruta.open(encoding="utf-8-sig", newline="") as f:
        return [{k: " ".join(v.split()) for k, v in fila.items()} for fila in csv.DictReader(f)]


@dataclass
class Localidad:
    cvegeo: str
    cve_ent: str
    cve_mun: str  # five digits
    oficial: str  # INEGI's name, accents restored
    nombre: str  # display name (see NOMBRE_COMUN)
    lat: float
    lon: float
    poblacion: int
    cabecera: bool


@dataclass
class Fuentes:
    estados: list[dict[str, str]]
    municipios: dict[str, dict[str, str]]  # by five-digit code
    localidades: dict[str, Localidad]  # by cvegeo
    ooad: list[dict[str, str]]
    umae: list[dict[str, str]]
    clues_cdmx: list[dict[str, str]]
    cie: list[dict[str, str]]
    geojson: Path


def cargar_fuentes(origen: Path) -> Fuentes:
    estados = leer_csv(origen / "inegi" / "inegi_estados_coordenadas.csv")
    municipios = {m["cve_completa"]: m for m in leer_csv(origen / "inegi" / "inegi_municipios_coordenadas.csv")}
    acentuar = Acentuador(municipios.values(), estados)
    localidades = {}
    for r in leer_csv(origen / "inegi" / "inegi_localidades_1000mas_hab_censo2020.csv"):
        cve_mun = r["cve_entidad"] + r["cve_municipio"]
        municipio = municipios[cve_mun]
        cabecera = municipio["cve_cabecera"] == r["cve_localidad"]
        oficial = municipio["nom_cabecera"] if cabecera and municipio["nom_cabecera"] else acentuar(r["nom_localidad"])
        nombre = NOMBRE_COMUN.get(r["cvegeo"]) or nombre_comun(oficial, municipio["nom_municipio"], cabecera)
        localidades[r["cvegeo"]] = Localidad(
            r["cvegeo"],
            r["cve_entidad"],
            cve_mun,
            oficial,
            nombre,
            float(r["latitud"]),
            float(r["longitud"]),
            int(r["poblacion_total"]),
            cabecera,
        )
    cie = [
        r for r in leer_csv(origen / "cie9mc_dgis" / "procedimientos_cie9mc_dgis_202402.csv") if r["POR_NIVELA"] == "1"
    ]
    return Fuentes(
        estados=estados,
        municipios=municipios,
        localidades=localidades,
        ooad=leer_csv(origen / "imss" / "imss_ooad_35.csv"),
        umae=leer_csv(origen / "imss" / "imss_umae_25.csv"),
        clues_cdmx=leer_csv(origen / "clues" / "imss_hospitales_cdmx_clues_2018.csv"),
        cie=cie,
        geojson=origen / "geo" / "mexico_estados.geojson",
    )


def nombre_comun(oficial: str, municipio: str, cabecera: bool) -> str:
    oficial = re.sub(r"\s*\[[^\]]*\]", "", oficial)  # "Las Rosas [Fraccionamiento]" -> "Las Rosas"
    if cabecera and not oficial.startswith("Ciudad") and municipio != oficial:
        if re.search(rf"(?<!\w){re.escape(normalizar(municipio))}(?!\w)", normalizar(oficial)):
            return municipio
    return oficial


class Acentuador:
    """Puts back the accents that INEGI's locality file drops ("Jesus Maria" -> "Jesús María").

    Every word of the (accented) municipality and seat names is a known form; a word of a locality
    name whose accent-free spelling matches a known accented form takes that form.
    """

    def __init__(self, municipios, estados) -> None:
        formas: dict[str, Counter] = defaultdict(Counter)
        textos = [m["nom_municipio"] for m in municipios] + [m["nom_cabecera"] for m in municipios]
        textos += [e["capital_localidad"] for e in estados]
        for texto in textos:
            for palabra in re.findall(r"[^\W\d_]+", texto):
                formas[normalizar(palabra)][palabra] += 1
        self.formas = {}
        for clave, cuenta in formas.items():
            forma = max(cuenta.items(), key=lambda x: (x[1], normalizar(x[0]) != x[0].lower(), x[0]))[0]
            if normalizar(forma) != forma.lower():
                self.formas[clave] = forma
        self.formas.update(ACENTOS_EXTRA)

    def __call__(self, nombre: str) -> str:
        def palabra(m: re.Match) -> str:
            p = m[0]
            forma = self.formas.get(normalizar(p))
            if forma is None and re.search(r"[cs]ion$", p, re.IGNORECASE):  # -ción, -sión
                forma = p[:-2] + "ón"
            if forma is None or len(forma) != len(p):
                return p
            mayuscula = p[0].isupper() or (forma[0].isupper() and p.lower() not in PARTICULAS)
            return (forma[0].upper() if mayuscula else forma[0].lower()) + "".join(
                f.upper() if c.isupper() else f.lower() for c, f in zip(p[1:], forma[1:], strict=True)
            )

        resultado = re.sub(r"[^\W\d_]+", palabra, nombre)
        return resultado[:1].upper() + resultado[1:]


# ================================================================================================
# estados.csv and ooad_umae.csv


def construir_estados(f: Fuentes) -> list[dict]:
    nombres = {m["cve_ent"]: m["nom_entidad"] for m in f.municipios.values()}
    filas = []
    for e in f.estados:
        nombre = NOMBRE_ESTADO.get(e["cve_ent"], nombres[e["cve_ent"]])
        assert normalizar(nombre).split()[0] in normalizar(e["nombre"]), (nombre, e["nombre"])
        filas.append(
            {
                "cve_ent": e["cve_ent"],
                "nombre": nombre,
                "abreviatura": e["abreviatura"],
                "lat": float(e["capital_lat"]),
                "lon": float(e["capital_lon"]),
            }
        )
    assert len(filas) == 32
    return sorted(filas, key=lambda r: r["cve_ent"])


@dataclass
class Ooad:
    clave: str
    numero: int
    tipo: str
    nombre: str
    nombre_largo: str
    cve_ent: str
    localidad: str
    lat: float
    lon: float
    prefijo: str = ""
    fila_umae: dict = field(default_factory=dict)


def cabecera(f: Fuentes, cve_mun: str, oficial: bool = False) -> str:
    """Name of a municipality's seat (the alcaldía's name in Mexico City): display or official."""
    m = f.municipios[cve_mun]
    loc = f.localidades.get(cve_mun + m["cve_cabecera"])
    if loc is None:
        return m["nom_municipio"]
    return loc.oficial if oficial else loc.nombre


def construir_ooad(f: Fuentes) -> list[Ooad]:
    ooads = []
    for r in sorted(f.ooad, key=lambda r: int(r["ooad_id"])):
        nombre = NOMBRE_OOAD.get(r["nombre_ooad"], r["nombre_ooad"])
        sede = f.localidades[r["sede_cvegeo_inegi"]]
        prefijo = r["prefijo_clues"] + SUFIJO_CLUES.get(nombre, "")
        ooads.append(
            Ooad(
                slug(nombre),
                int(r["ooad_id"]),
                "OOAD",
                nombre,
                nombre,
                r["cve_ent_inegi"],
                sede.nombre,
                float(r["sede_lat"]),
                float(r["sede_lon"]),
                prefijo,
            )
        )
    for r in sorted(f.umae, key=lambda r: int(r["umae_num"])):
        ooads.append(
            Ooad(
                slug(r["nombre_corto"]),
                35 + int(r["umae_num"]),
                "UMAE",
                r["nombre_corto"],
                r["nombre_largo"],
                r["cve_ent_inegi"],
                cabecera(f, r["cve_mun_inegi"]),
                float(r["lat"]),
                float(r["lon"]),
                fila_umae=r,
            )
        )
    assert [o.numero for o in ooads] == list(range(1, 61))
    assert len({o.clave for o in ooads}) == 60
    return ooads


# ================================================================================================
# unidades.csv


@dataclass
class Unidad:
    clave: str
    ooad: str
    tipo_unidad: str
    nombre: str
    cve_ent: str
    cve_mun: str
    municipio: str
    localidad: str
    lat: float
    lon: float
    ilustrativa: bool


def punto_de_referencia(f: Fuentes) -> dict[str, tuple[float, float]]:
    """Each municipality's seat (or its largest locality) as INEGI's locality file places it."""
    puntos: dict[str, tuple[float, float]] = {}
    mayores: dict[str, Localidad] = {}
    for loc in f.localidades.values():
        if loc.cabecera:
            puntos[loc.cve_mun] = (loc.lat, loc.lon)
        if loc.cve_mun not in mayores or loc.poblacion > mayores[loc.cve_mun].poblacion:
            mayores[loc.cve_mun] = loc
    for cve_mun, m in f.municipios.items():
        if cve_mun not in puntos:
            loc = mayores.get(cve_mun)
            puntos[cve_mun] = (loc.lat, loc.lon) if loc else (float(m["lat"]), float(m["lon"]))
    return puntos


def territorios(f: Fuentes, ooads: list[Ooad]) -> dict[str, str]:
    """OOAD clave of every municipality."""
    por_estado = defaultdict(list)
    for o in ooads:
        if o.tipo == "OOAD":
            por_estado[o.cve_ent].append(o)
    puntos = punto_de_referencia(f)
    resultado = {}
    for cve_mun, m in f.municipios.items():
        candidatos = por_estado[m["cve_ent"]]
        if len(candidatos) == 1:
            resultado[cve_mun] = candidatos[0].clave
            continue
        lat, lon = puntos[cve_mun]
        nombres = {o.nombre: o.clave for o in candidatos}
        if m["cve_ent"] == "09":
            norte = m["cve_mun"] in CDMX_NORTE
            resultado[cve_mun] = nombres["Ciudad de México Norte" if norte else "Ciudad de México Sur"]
        elif m["cve_ent"] == "15":
            resultado[cve_mun] = nombres["México Oriente" if lon > EDOMEX_LON_ORIENTE else "México Poniente"]
        elif m["cve_ent"] == "30":
            resultado[cve_mun] = nombres["Veracruz Norte" if lat >= VERACRUZ_LAT_NORTE else "Veracruz Sur"]
        else:
            raise AssertionError(f"state {m['cve_ent']} with several OOAD and no rule")
    return resultado


def cuantas_unidades(f: Fuentes, ooads: list[Ooad], territorio: dict[str, str]) -> dict[str, int]:
    """The guide's counts; elsewhere population / (inhabitants per unit of the guide's 11 OOAD)."""
    poblacion = Counter()
    for loc in f.localidades.values():
        poblacion[territorio[loc.cve_mun]] += loc.poblacion
    claves = {o.nombre: o.clave for o in ooads if o.tipo == "OOAD"}
    guia = {claves[n]: k for n, k in UNIDADES_GUIA.items()}
    habitantes_por_unidad = sum(poblacion[c] for c in guia) / sum(guia.values())
    cuentas = {}
    for o in ooads:
        if o.tipo == "OOAD":
            estimada = round(poblacion[o.clave] / habitantes_por_unidad)
            cuentas[o.clave] = guia.get(o.clave, min(MAX_UNIDADES, max(MIN_UNIDADES, estimada)))
    return cuentas


def dispersar(rng: random.Random, loc: Localidad, k: int) -> tuple[float, float]:
    """The k-th unit of a locality: the first on INEGI's point, the others spread around it."""
    if k == 0:
        return loc.lat, loc.lon
    radio = min(0.06, max(0.004, 0.0045 * math.sqrt(loc.poblacion / 10_000)))
    angulo = rng.uniform(0, 2 * math.pi)
    distancia = radio * math.sqrt(rng.uniform(0.05, 1.0))
    lat = loc.lat + distancia * math.sin(angulo)
    lon = loc.lon + distancia * math.cos(angulo) / math.cos(math.radians(loc.lat))
    return lat, lon


def repartir(cupo: int, localidades: list[Localidad], ocupadas: Counter) -> Counter:
    """Share `cupo` new units among localities by weight population**a / (k + c), k = units so far."""
    pesos = {loc.cvegeo: loc.poblacion**PESO_EXPONENTE for loc in localidades}
    cuenta = Counter()
    monton = [(-pesos[g] / (ocupadas[g] + PESO_PRIMERA), g) for g in sorted(pesos)]
    heapq.heapify(monton)
    for _ in range(cupo):
        _, g = heapq.heappop(monton)
        cuenta[g] += 1
        heapq.heappush(monton, (-pesos[g] / (ocupadas[g] + cuenta[g] + PESO_PRIMERA), g))
    return cuenta


def construir_unidades(f: Fuentes, ooads: list[Ooad]) -> list[Unidad]:
    territorio = territorios(f, ooads)
    cuentas = cuantas_unidades(f, ooads, territorio)
    por_nombre = {o.nombre: o for o in ooads}
    unidades: list[Unidad] = []

    def unidad(clave, ooad: Ooad, tipo, nombre, cve_mun, localidad, lat, lon, ilustrativa) -> Unidad:
        return Unidad(
            clave,
            ooad.clave,
            tipo,
            nombre,
            ooad.cve_ent,
            cve_mun,
            f.municipios[cve_mun]["nom_municipio"],
            localidad,
            round(lat, 6),
            round(lon, 6),
            ilustrativa,
        )

    # The 25 UMAE: one unit each, their own hospital.
    for o in ooads:
        if o.tipo == "UMAE":
            r = o.fila_umae
            nombre = re.sub(r"^(\w+) No\. (\d+) (.+)$", r"\1 \2, \3", r["nombre_corto"].removeprefix("UMAE "))
            unidades.append(
                unidad(
                    r["clues"],
                    o,
                    TIPO_UMAE[r["tipo"]],
                    nombre,
                    r["cve_mun_inegi"],
                    cabecera(f, r["cve_mun_inegi"], oficial=True),
                    o.lat,
                    o.lon,
                    False,
                )
            )
    clues_umae = {o.fila_umae["clues"] for o in ooads if o.tipo == "UMAE"}

    # Real units of the OOAD: Mexico City hospitals (CLUES 2018), the guide's and the Quintana Roo note's.
    reales: dict[str, list[tuple[Unidad, str | None, int | None]]] = defaultdict(list)  # + cvegeo, number
    alcaldias = {normalizar(m["nom_municipio"]): k for k, m in f.municipios.items() if m["cve_ent"] == "09"}
    for r in f.clues_cdmx:
        if r["clues"] in clues_umae:
            continue
        tipo, nombre = HOSPITALES_CDMX[r["clues"]]
        cve_mun = alcaldias[normalizar(r["nombre_del_municipio"])]
        o = next(o for o in ooads if o.clave == territorio[cve_mun])
        u = unidad(
            r["clues"],
            o,
            tipo,
            nombre,
            cve_mun,
            cabecera(f, cve_mun, oficial=True),
            float(r["latitud"]),
            float(r["longitud"]),
            False,
        )
        reales[o.clave].append((u, None, None))
    assert sum(len(v) for v in reales.values()) == len(HOSPITALES_CDMX)
    for nombre_ooad, lista in UNIDADES_REALES.items():
        o = por_nombre[nombre_ooad]
        for i, real in enumerate(lista, start=1):
            loc = f.localidades[real.cvegeo]
            u = unidad(
                f"IL-{o.prefijo}-{i:04d}", o, real.tipo, real.nombre, loc.cve_mun, loc.oficial, loc.lat, loc.lon, False
            )
            reales[o.clave].append((u, real.cvegeo, real.numero))

    # Numbers taken by real units, per state: hospitals share one series, UMF another.
    tomados: dict[tuple[str, str], set[int]] = defaultdict(set)
    for lista in reales.values():
        for u, _, numero in lista:
            m = re.match(r"^[A-Z]+ (\d+)", u.nombre)
            n = numero if numero is not None else (int(m[1]) if m else None)
            if n is not None:
                tomados[(u.cve_ent, "UMF" if u.tipo_unidad == "UMF" else "H")].add(n)
    for cve_ent, numeros in UMF_RESERVADAS.items():
        tomados[(cve_ent, "UMF")] |= numeros
    siguiente: dict[tuple[str, str], int] = defaultdict(lambda: 1)

    def numero_libre(cve_ent: str, serie: str) -> int:
        n = siguiente[(cve_ent, serie)]
        while n in tomados[(cve_ent, serie)]:
            n += 1
        siguiente[(cve_ent, serie)] = n + 1
        return n

    locs_por_ooad: dict[str, list[Localidad]] = defaultdict(list)
    for loc in sorted(f.localidades.values(), key=lambda x: (-x.poblacion, x.cvegeo)):
        if loc.cabecera or loc.poblacion >= MIN_POBLACION_NO_CABECERA or loc.cve_ent == "09":
            locs_por_ooad[territorio[loc.cve_mun]].append(loc)

    for o in ooads:
        if o.tipo != "OOAD":
            continue
        rng = random.Random(f"{SEMILLA}:{o.clave}")
        propias = reales[o.clave]
        candidatas = locs_por_ooad[o.clave]
        por_cvegeo = {loc.cvegeo: loc for loc in candidatas}
        # A real unit without a locality (Mexico City hospitals) counts in its alcaldía's main locality.
        ocupadas = Counter()
        hospitales_reales = Counter()
        for u, cvegeo, _ in propias:
            g = cvegeo or next(loc.cvegeo for loc in candidatas if loc.cve_mun == u.cve_mun)
            ocupadas[g] += 1
            if u.tipo_unidad in TIPOS_HOSPITAL:
                hospitales_reales[g] += 1
        nuevas = repartir(cuentas[o.clave] - len(propias), candidatas, ocupadas)

        # Which of the new units are hospitals: D'Hondt among localities of 20,000+,
        # real hospitals included; none in Mexico City (its hospitals are those of the CLUES file).
        hospitales = Counter()
        objetivo = round(FRACCION_HOSPITALES * cuentas[o.clave]) - sum(hospitales_reales.values())
        if o.cve_ent != "09":
            for _ in range(max(0, objetivo)):
                mejores = [
                    (por_cvegeo[g].poblacion ** PESO_HOSPITAL / (hospitales_reales[g] + hospitales[g] + 1), g)
                    for g in sorted(nuevas)
                    if por_cvegeo[g].poblacion >= MIN_POBLACION_HOSPITAL and hospitales[g] < nuevas[g]
                ]
                if not mejores:
                    break
                hospitales[max(mejores)[1]] += 1
        tiene_hgr = any(u.tipo_unidad == "HGR" for u, _, _ in propias)

        generadas: list[tuple[Localidad, str]] = []
        for loc in candidatas:  # largest first, so that the low numbers go to the big cities
            for i in range(nuevas[loc.cvegeo]):
                if i < hospitales[loc.cvegeo]:
                    if not tiene_hgr and cuentas[o.clave] >= 30:
                        tipo, tiene_hgr = "HGR", True
                    elif loc.poblacion >= 100_000:
                        tipo = "HGZ"
                    elif loc.poblacion >= 40_000:
                        tipo = "HGZMF"
                    else:
                        tipo = "HGS"
                else:
                    tipo = "UMF"
                generadas.append((loc, tipo))

        secuencia = 0
        en_localidad = Counter()
        for u, cvegeo, _ in propias:
            if cvegeo:
                secuencia += 1
                if en_localidad[cvegeo]:
                    u.lat, u.lon = (round(x, 6) for x in dispersar(rng, f.localidades[cvegeo], en_localidad[cvegeo]))
                en_localidad[cvegeo] += 1
            unidades.append(u)
        for loc, tipo in generadas:
            secuencia += 1
            numero = numero_libre(o.cve_ent, "UMF" if tipo == "UMF" else "H")
            lat, lon = dispersar(rng, loc, en_localidad[loc.cvegeo])
            en_localidad[loc.cvegeo] += 1
            unidades.append(
                unidad(
                    f"IL-{o.prefijo}-{secuencia:04d}",
                    o,
                    tipo,
                    f"{tipo} {numero}, {loc.nombre}",
                    loc.cve_mun,
                    loc.oficial,
                    lat,
                    lon,
                    True,
                )
            )

    # Rows grouped by OOAD/UMAE number; within one, real units first, then as generated.
    orden = {o.clave: o.numero for o in ooads}
    unidades.sort(key=lambda u: orden[u.ooad])  # stable
    cuenta_final = Counter(u.ooad for u in unidades)
    for o in ooads:
        esperado = 1 if o.tipo == "UMAE" else cuentas[o.clave]
        assert cuenta_final[o.clave] == esperado, (o.clave, cuenta_final[o.clave], esperado)
    assert len({u.clave for u in unidades}) == len(unidades)
    return unidades


# ================================================================================================
# grupos.csv, especialidades.csv, productos.csv


def clave_cie(catalog_key: str) -> str:
    """DGIS key -> the usual CIE-9-MC notation: '3995' -> '39.95', '670X' -> '67.0', '00A1' -> '00.A1'."""
    return f"{catalog_key[:2]}.{catalog_key[2:].removesuffix('X')}"


def nombre_oracion(nombre: str) -> str:
    """'HEMODIÁLISIS' -> 'Hemodiálisis'; acronyms and proper names keep their capitals.

    Only case and separators change: the DGIS wording (and its few typos) is kept as published.
    """
    texto = re.sub(r"\s+", " ", nombre.strip().lstrip("'").strip()).lower()
    # DGIS separates a procedure from its site with ". " (sometimes "." or ","): "..., húmero".
    texto = re.sub(r"\s*\.\s*,?\s*(?=[a-záéíóúüñ])", ", ", texto)
    texto = re.sub(r",(?=[^\s\d])", ", ", texto)
    texto = re.sub(r"[0-9a-záéíóúüñ]+(?:-[0-9a-záéíóúüñ]+)*", lambda m: FORMAS_FIJAS.get(m[0], m[0]), texto)
    for patron, cambio in FORMAS_EN_CONTEXTO:
        texto = patron.sub(cambio, texto)
    return texto[:1].upper() + texto[1:]


def ambito_cirugia(r: dict) -> str:
    if r["PROCEDIMIENTO_TYPE"] in ("D", "T") or r["CATALOG_KEY"][:3] in CATEGORIAS_AMBULATORIAS:
        return "Ambulatorio"
    return "Hospitalario"


def especialidad_cirugia(r: dict) -> str | None:
    clave = r["CATALOG_KEY"]
    capitulo = r["CAPITULO"]
    quirurgico = r["PROCEDIMIENTO_TYPE"] == "Q"
    if not ("01" <= capitulo <= "15" or quirurgico):
        return None  # chapters 00 and 16 only contribute their surgical (Q) codes
    return (
        CODIGO_A_ESPECIALIDAD.get(clave)
        or CATEGORIA_A_ESPECIALIDAD.get(clave[:3])
        or SECCION_A_ESPECIALIDAD.get(clave[:2])
    )


def especialidad_imagen(r: dict) -> str | None:
    clave = r["CATALOG_KEY"]
    if clave[:2] not in ("87", "88", "92"):
        return None
    return CODIGO_A_IMAGEN.get(clave) or CATEGORIA_A_IMAGEN.get(clave[:3]) or "IMG-RX"


def construir_productos(f: Fuentes):
    grupos = [{"clave": c, "nombre": n, "orden": i} for i, (c, n) in enumerate(GRUPOS, start=1)]
    especialidades_por_grupo = {
        "CIR": ESPECIALIDADES_CIR,
        "CEX": {c: n for c, (n, _) in CONSULTA_EXTERNA.items()},
        "HEM": {"HEM": "Hemodiálisis"},
        "IMG": ESPECIALIDADES_IMG,
        "LAB": {"LAB": "Laboratorio de análisis clínicos"},
    }
    especialidades = []
    for g, por_clave in especialidades_por_grupo.items():
        # Alphabetical within a group (what a user scans for), except Imagenología: by modality.
        claves = list(por_clave) if g == "IMG" else sorted(por_clave, key=lambda c: normalizar(por_clave[c]))
        for i, c in enumerate(claves, start=1):
            especialidades.append({"clave": c, "grupo": g, "nombre": por_clave[c], "orden": i})

    productos = []

    def producto(clave, especialidad, nombre, ambito, remoto=False, origen=ORIGEN_DGIS):
        productos.append(
            {
                "clave": clave,
                "especialidad": especialidad,
                "nombre": nombre,
                "ambito_default": ambito,
                "remoto": remoto,
                "origen": origen,
            }
        )

    # The source order (CONSEC) is the CIE-9-MC order; rows are grouped by specialty below.
    hemodialisis = [r for k in CODIGOS_HEMODIALISIS for r in f.cie if r["CATALOG_KEY"] == k]
    assert len(hemodialisis) == len(CODIGOS_HEMODIALISIS)
    usados = set(CODIGOS_HEMODIALISIS)
    cirugia, imagen = [], []
    for r in f.cie:
        if r["CATALOG_KEY"] in usados:
            continue
        esp = especialidad_imagen(r)
        if esp:
            imagen.append((esp, r))
            continue
        esp = especialidad_cirugia(r)
        if esp:
            cirugia.append((esp, r))
    orden_esp = {e["clave"]: (e["grupo"], e["orden"]) for e in especialidades}
    for esp, r in sorted(cirugia, key=lambda x: orden_esp[x[0]][1]):  # stable: CIE order within each
        producto(clave_cie(r["CATALOG_KEY"]), esp, nombre_oracion(r["PRO_NOMBRE"]), ambito_cirugia(r))
    cex_orden = sorted(CONSULTA_EXTERNA, key=lambda c: orden_esp[c][1])
    n = 0
    for esp in cex_orden:
        for nombre in CONSULTA_EXTERNA[esp][1]:
            n += 1
            producto(f"CEX-{n:04d}", esp, nombre, "Ambulatorio", remoto=True, origen=ORIGEN_CURADO)
    producto("HEM-0001", "HEM", HEMODIALISIS_GUIA, "Ambulatorio", origen=ORIGEN_CURADO)
    for r in hemodialisis:
        producto(clave_cie(r["CATALOG_KEY"]), "HEM", nombre_oracion(r["PRO_NOMBRE"]), "Ambulatorio")
    for esp, r in sorted(imagen, key=lambda x: orden_esp[x[0]][1]):
        producto(clave_cie(r["CATALOG_KEY"]), esp, nombre_oracion(r["PRO_NOMBRE"]), "Ambulatorio")
    for i, nombre in enumerate(LABORATORIO, start=1):
        producto(f"LAB-{i:04d}", "LAB", nombre, "Ambulatorio", origen=ORIGEN_CURADO)

    assert len({p["clave"] for p in productos}) == len(productos)
    assert len(set(LABORATORIO)) == len(LABORATORIO)
    return grupos, especialidades, productos


# ================================================================================================
# Writing


def texto_csv(valor) -> str:
    if isinstance(valor, bool):
        return "true" if valor else "false"
    if isinstance(valor, float):
        return f"{valor:.6f}"
    return str(valor)


def escribir(ruta: Path, columnas: list[str], filas: list[dict]) -> None:
    with ruta.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columnas)
        for fila in filas:
            w.writerow([texto_csv(fila[c]) for c in columnas])


def construir(origen: Path, destino: Path) -> dict[str, int]:
    f = cargar_fuentes(origen)
    estados = construir_estados(f)
    ooads = construir_ooad(f)
    unidades = construir_unidades(f, ooads)
    grupos, especialidades, productos = construir_productos(f)

    destino.mkdir(parents=True, exist_ok=True)
    salidas = {
        "estados.csv": estados,
        "ooad_umae.csv": [vars(o) for o in ooads],
        "unidades.csv": [vars(u) for u in unidades],
        "grupos.csv": grupos,
        "especialidades.csv": especialidades,
        "productos.csv": productos,
    }
    for archivo, filas in salidas.items():
        escribir(destino / archivo, [c.nombre for c in COLUMNAS[archivo]], filas)
    shutil.copyfile(f.geojson, destino / "mexico_estados.geojson")
    (destino / "mexico_estados.LICENSE.txt").write_text(LICENCIA_GEOJSON, encoding="utf-8")

    leer_directorio(destino)  # raises CatalogoInvalido if the app would refuse the result
    return {archivo: len(filas) for archivo, filas in salidas.items()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--source",
        type=Path,
        default=REPO.parent / "shared" / "data",
        help="the shared data folder (default: <repo>/../shared/data)",
    )
    p.add_argument("--out", type=Path, default=AQUI, help="where to write the catalog (default: catalog/)")
    args = p.parse_args(argv)
    if not (args.source / "SOURCES.md").is_file():
        p.error(f"{args.source} is not the shared data folder (no SOURCES.md there)")
    conteos = construir(args.source, args.out)
    for archivo, n in conteos.items():
        print(f"{archivo:20} {n:6d} rows")
    print(f"catalog written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
