"""The shipped catalog (catalog/*.csv), its validating reader and its loader."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.base.errors import CatalogoInvalido
from core.base.texto import normalizar
from core.capture import catalogo
from core.capture.catalogo import CATALOGO_DIR, cargar, leer_directorio

# Reading and building the catalog files: only the tests marked sin_base(False) open a store
# (tests/conftest.py).
pytestmark = pytest.mark.sin_base

REPO = Path(__file__).resolve().parents[2]
DATOS_COMPARTIDOS = REPO.parent / "shared" / "data"

DDL = """
CREATE TABLE estado (cve_ent VARCHAR PRIMARY KEY, nombre VARCHAR NOT NULL, abreviatura VARCHAR, lat DOUBLE, lon DOUBLE);
CREATE TABLE ooad (clave VARCHAR PRIMARY KEY, numero INTEGER NOT NULL UNIQUE, tipo VARCHAR NOT NULL, nombre VARCHAR NOT NULL, nombre_largo VARCHAR, cve_ent VARCHAR, localidad VARCHAR, lat DOUBLE, lon DOUBLE);
CREATE TABLE unidad (clave VARCHAR PRIMARY KEY, ooad VARCHAR NOT NULL, tipo_unidad VARCHAR NOT NULL, nombre VARCHAR NOT NULL, cve_ent VARCHAR, cve_mun VARCHAR, municipio VARCHAR, localidad VARCHAR, lat DOUBLE, lon DOUBLE, ilustrativa BOOLEAN NOT NULL DEFAULT FALSE, activa BOOLEAN NOT NULL DEFAULT TRUE);
CREATE TABLE grupo (clave VARCHAR PRIMARY KEY, nombre VARCHAR NOT NULL, orden INTEGER);
CREATE TABLE especialidad (clave VARCHAR PRIMARY KEY, grupo VARCHAR NOT NULL, nombre VARCHAR NOT NULL, orden INTEGER);
CREATE TABLE producto (clave VARCHAR PRIMARY KEY, especialidad VARCHAR NOT NULL, nombre VARCHAR NOT NULL, ambito_default VARCHAR NOT NULL, remoto BOOLEAN NOT NULL DEFAULT FALSE, origen VARCHAR, busqueda VARCHAR NOT NULL, activo BOOLEAN NOT NULL DEFAULT TRUE);
"""

# The guide's tablero (No. 1-11) with its unit counts.
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

# The 25 UMAE (tablero numbers 36..60) and the CLUES of their hospital.
CLUES_UMAE = [
    "DFIMS000020",
    "DFIMS000580",
    "JCIMS000301",
    "NLIMS000303",
    "CLIMS000490",
    "PLIMS000200",
    "GTIMS000226",
    "SRIMS000150",
    "VZIMS001112",
    "YNIMS000071",
    "DFIMS000044",
    "DFIMS000452",
    "JCIMS000313",
    "NLIMS000320",
    "DFIMS000213",
    "MCIMS000454",
    "PLIMS000212",
    "NLIMS000344",
    "DFIMS000616",
    "JCIMS000325",
    "DFIMS000575",
    "NLIMS000315",
    "GTIMS000231",
    "DFIMS000061",
    "DFIMS000604",
]

# The laboratory tests of the guide's sample report (HGZ 35, Ciudad Juárez), word for word.
LABORATORIO_GUIA = [
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
]
HEMODIALISIS_GUIA = (
    "Procedimiento de hemodiálisis con reuso de dializador equipo con tecnología de punta, incluye lineas "
    "arteriovenosas, concentrado electrolítico, fistulas, heparina, soluciones parenterales, material de curación"
)


@pytest.fixture(scope="module")
def datos():
    return leer_directorio(CATALOGO_DIR)


def conectar():
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute(DDL)
    return con


# --------------------------------------------------------------------------------------------------
# The shipped catalog


def test_el_catalogo_se_lee_sin_errores(datos):
    assert set(datos) == {"estado", "ooad", "unidad", "grupo", "especialidad", "producto"}
    for archivo in catalogo.ARCHIVOS:
        tabla = catalogo.TABLAS[archivo]
        assert list(datos[tabla].columns) == [c.nombre for c in catalogo.COLUMNAS[archivo]]
    assert len(datos["estado"]) == 32
    assert (CATALOGO_DIR / "mexico_estados.geojson").is_file()
    assert "Montse" in (CATALOGO_DIR / "mexico_estados.LICENSE.txt").read_text(encoding="utf-8")


def test_tipos_de_las_columnas(datos):
    estados = datos["estado"].set_index("cve_ent")
    assert estados.loc["09", "nombre"] == "Ciudad de México"
    assert estados.loc["15", "nombre"] == "México"
    assert estados.loc["16", "nombre"] == "Michoacán"
    assert datos["estado"]["cve_ent"].iloc[0] == "01"  # text, never the number 1
    productos = datos["producto"].set_index("clave")
    assert "39.95" in productos.index  # a code, never the float 39.95
    assert datos["ooad"]["numero"].dtype.kind == "i"
    assert datos["unidad"]["lat"].dtype.kind == "f"
    assert datos["unidad"]["ilustrativa"].dtype == bool
    assert datos["producto"]["remoto"].dtype == bool


def test_35_ooad_y_25_umae_en_el_orden_del_tablero(datos):
    ooad = datos["ooad"].sort_values("numero")
    assert ooad["numero"].tolist() == list(range(1, 61))
    assert ooad["tipo"].tolist() == ["OOAD"] * 35 + ["UMAE"] * 25
    assert ooad["nombre"].tolist()[:8] == [
        "Aguascalientes",
        "Baja California",
        "Baja California Sur",
        "Campeche",
        "Coahuila",
        "Colima",
        "Chiapas",
        "Chihuahua",
    ]
    claves = set(ooad["clave"])
    for clave in (
        "chihuahua",
        "ciudad-de-mexico-norte",
        "ciudad-de-mexico-sur",
        "mexico-oriente",
        "mexico-poniente",
        "veracruz-norte",
        "veracruz-sur",
        "umae-hes-cmn-la-raza",
    ):
        assert clave in claves
    assert ooad["clave"].is_unique


def test_unidades_de_la_guia(datos):
    ooad = datos["ooad"].set_index("nombre")
    por_ooad = datos["unidad"].groupby("ooad").size()
    for nombre, n in UNIDADES_GUIA.items():
        assert por_ooad[ooad.loc[nombre, "clave"]] == n, nombre
    assert (por_ooad >= 1).all() and len(por_ooad) == 60


def test_unidades_con_nombre_real(datos):
    u = datos["unidad"]
    chihuahua = u[u["ooad"] == "chihuahua"].set_index("nombre")
    for nombre in (
        "HGZ 6, Ciudad Juárez",
        "HGZ 35, Ciudad Juárez",
        "HGZMF 23, Hidalgo del Parral",
        "UMF 13, Saucillo",
        "UMF 14, Rosales",
    ):
        assert nombre in chihuahua.index, nombre
        assert not chihuahua.loc[nombre, "ilustrativa"]
    assert chihuahua.loc["HGZ 6, Ciudad Juárez", "cve_mun"] == "08037"
    qroo = u[u["ooad"] == "quintana-roo"].set_index("nombre")
    for nombre in ("UMF 11, Playa del Carmen", "UMF 13, Playa del Carmen", "UMF 14, Cancún", "UMF 16, Cancún"):
        assert nombre in qroo.index, nombre
        assert not qroo.loc[nombre, "ilustrativa"]
    # Mexico City hospitals of the CLUES extract keep their CLUES and go to Norte or Sur.
    cdmx = u[u["clave"].str.startswith("DFIMS")]
    assert set(cdmx["ooad"]) >= {"ciudad-de-mexico-norte", "ciudad-de-mexico-sur"}
    assert not cdmx["ilustrativa"].any()
    # Invented units are marked and their keys cannot be taken for a CLUES.
    inventadas = u[u["ilustrativa"]]
    assert len(inventadas) > 1000
    assert inventadas["clave"].str.match(r"^IL-[A-Z]{2,3}-\d{4}$").all()


def test_cada_umae_tiene_su_hospital(datos):
    ooad = datos["ooad"]
    umae = ooad[ooad["tipo"] == "UMAE"].sort_values("numero")
    u = datos["unidad"]
    for (clave, cve_ent), clues in zip(umae[["clave", "cve_ent"]].itertuples(index=False), CLUES_UMAE, strict=True):
        propias = u[u["ooad"] == clave]
        assert len(propias) == 1, clave
        assert propias["clave"].iloc[0] == clues, clave
        assert propias["cve_ent"].iloc[0] == cve_ent
    assert u["clave"].is_unique  # a CLUES of the Mexico City file that is a UMAE is not repeated


def test_coordenadas_dentro_de_mexico(datos):
    for tabla in ("estado", "ooad", "unidad"):
        df = datos[tabla]
        assert df["lat"].between(14.0, 33.0).all() and df["lon"].between(-118.5, -86.5).all(), tabla


def test_productos(datos):
    p = datos["producto"].merge(datos["especialidad"], left_on="especialidad", right_on="clave", suffixes=("", "_esp"))
    por_grupo = p.groupby("grupo").size()
    assert por_grupo["CIR"] > 2500
    assert set(por_grupo.index) == {"CIR", "CEX", "HEM", "IMG", "LAB"}
    lab = set(p.loc[p["grupo"] == "LAB", "nombre"])
    for nombre in LABORATORIO_GUIA:
        assert nombre in lab, nombre
    hem = p[p["grupo"] == "HEM"]
    assert HEMODIALISIS_GUIA in set(hem["nombre"])
    assert "39.95" in set(hem["clave"])
    # A code of Imagenología or Hemodiálisis is not repeated in Cirugía; every key is unique.
    assert p["clave"].is_unique
    # Consulta Externa: follow-up consultations deliverable by video call; nothing else is remote.
    assert p.loc[p["grupo"] == "CEX", "remoto"].all()
    assert not p.loc[p["grupo"] != "CEX", "remoto"].any()
    assert set(p["ambito_default"]) == {"Ambulatorio", "Hospitalario"}
    assert set(p["origen"]) == {"cie9mc_dgis_202402", "curado"}
    assert (p.loc[p["grupo"].isin(["LAB", "CEX"]), "origen"] == "curado").all()
    # Sentence case with accents, acronyms kept.
    nombres = dict(zip(p["clave"], p["nombre"], strict=True))
    assert nombres["39.95"] == "Hemodiálisis"
    assert nombres["13.41"] == "Facoemulsificación y aspiración de catarata"
    assert nombres["00.31"] == "Cirugía asistida por ordenador con TAC/TC"


def test_grupos_con_una_sola_especialidad(datos):
    por_grupo = datos["especialidad"].groupby("grupo").size()
    assert por_grupo["HEM"] == 1 and por_grupo["LAB"] == 1
    assert por_grupo["CIR"] >= 10
    nombres = set(datos["especialidad"]["nombre"])
    assert {"Oftalmología", "Neurocirugía", "Traumatología y Ortopedia", "Ginecología y Obstetricia"} <= nombres


def test_todas_las_claves_son_unicas(datos):
    assert datos["estado"]["cve_ent"].is_unique
    for tabla in ("ooad", "unidad", "grupo", "especialidad", "producto"):
        assert datos[tabla]["clave"].is_unique, tabla
    assert datos["ooad"]["numero"].is_unique


@pytest.mark.sin_base(False)
def test_cargar_en_duckdb(datos):
    con = conectar()
    tx = con.cursor()
    tx.begin()
    conteos = cargar(tx, datos)
    tx.commit()
    for tabla, df in datos.items():
        assert conteos[tabla] == len(df)
        assert con.execute(f"SELECT count(*) FROM {tabla}").fetchone()[0] == len(df)
    encontrados = con.execute(
        "SELECT clave, nombre FROM producto WHERE busqueda LIKE '%' || ? || '%' ORDER BY clave",
        [normalizar("HEMODIALISIS")],
    ).fetchall()
    assert HEMODIALISIS_GUIA in [n for _, n in encontrados]
    assert con.execute("SELECT count(*) FROM producto WHERE busqueda LIKE '39.95 %'").fetchone()[0] == 1
    # Empty optional text is NULL, defaults apply, types are the table's.
    assert con.execute("SELECT count(*) FROM unidad WHERE NOT activa").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM producto WHERE NOT activo").fetchone()[0] == 0
    assert con.execute("SELECT cve_ent FROM estado ORDER BY cve_ent LIMIT 1").fetchone()[0] == "01"
    con.close()


def test_el_catalogo_de_prueba_tambien_es_valido():
    datos = leer_directorio(REPO / "tests" / "fixtures" / "catalogo_mini")
    assert len(datos["ooad"]) == 3


# --------------------------------------------------------------------------------------------------
# Broken variants: each error names the file and the line


def copia(tmp_path: Path) -> Path:
    destino = tmp_path / "catalogo"
    destino.mkdir()
    for archivo in catalogo.ARCHIVOS:
        shutil.copyfile(CATALOGO_DIR / archivo, destino / archivo)
    return destino


def leer_filas(ruta: Path) -> list[list[str]]:
    with ruta.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def escribir_filas(ruta: Path, filas: list[list[str]]) -> None:
    with ruta.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(filas)


def cambiar(directorio: Path, archivo: str, linea: int, columna: str, valor: str) -> list[str]:
    """Set `columna` on file line `linea` (header = line 1); returns the row as it was."""
    ruta = directorio / archivo
    filas = leer_filas(ruta)
    antes = list(filas[linea - 1])
    filas[linea - 1][filas[0].index(columna)] = valor
    escribir_filas(ruta, filas)
    return antes


def errores_de(directorio: Path) -> list[str]:
    with pytest.raises(CatalogoInvalido) as info:
        leer_directorio(directorio)
    assert info.value.errores
    assert str(info.value).startswith("El catálogo tiene")
    return info.value.errores


def test_falta_una_columna(tmp_path):
    d = copia(tmp_path)
    filas = leer_filas(d / "unidades.csv")
    i = filas[0].index("lat")
    escribir_filas(d / "unidades.csv", [f[:i] + f[i + 1 :] for f in filas])
    errores = errores_de(d)
    assert "unidades.csv: falta la columna 'lat'" in errores


def test_falta_un_archivo(tmp_path):
    d = copia(tmp_path)
    (d / "grupos.csv").unlink()
    errores = errores_de(d)
    assert any(e.startswith("grupos.csv: falta el archivo") for e in errores)


def test_clave_repetida(tmp_path):
    d = copia(tmp_path)
    clave = leer_filas(d / "productos.csv")[8][0]  # line 9
    cambiar(d, "productos.csv", 14, "clave", clave)
    errores = errores_de(d)
    assert f"productos.csv, línea 14: la clave '{clave}' está repetida (ya aparece en la línea 9)" in errores


def test_ooad_desconocida(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "unidades.csv", 12, "ooad", "xyz")
    errores = errores_de(d)
    assert "unidades.csv, línea 12: la OOAD/UMAE 'xyz' no existe en ooad_umae.csv" in errores


def test_especialidad_desconocida(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "productos.csv", 30, "especialidad", "CIR-NOEXISTE")
    errores = errores_de(d)
    assert "productos.csv, línea 30: la especialidad 'CIR-NOEXISTE' no existe en especialidades.csv" in errores


def test_grupo_desconocido(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "especialidades.csv", 3, "grupo", "ZZZ")
    errores = errores_de(d)
    assert "especialidades.csv, línea 3: el grupo 'ZZZ' no existe en grupos.csv" in errores


def test_ambito_invalido(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "productos.csv", 5, "ambito_default", "Domiciliario")
    errores = errores_de(d)
    assert any(e.startswith("productos.csv, línea 5: el ámbito 'Domiciliario' no es válido") for e in errores)


def test_latitud_no_numerica(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "unidades.csv", 7, "lat", "norte")
    errores = errores_de(d)
    assert any(e.startswith("unidades.csv, línea 7: 'lat' debe ser un número") for e in errores)


def test_coordenada_fuera_de_mexico_y_otros_valores(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "unidades.csv", 20, "lon", "2.35")
    cambiar(d, "unidades.csv", 21, "ilustrativa", "quizá")
    cambiar(d, "ooad_umae.csv", 4, "tipo", "Delegación")
    cambiar(d, "ooad_umae.csv", 5, "numero", "cinco")
    cambiar(d, "grupos.csv", 2, "nombre", "")
    errores = errores_de(d)
    texto = "\n".join(errores)
    assert "unidades.csv, línea 20: la longitud 2.35 está fuera de México" in texto
    assert "unidades.csv, línea 21: 'ilustrativa' debe ser true o false, no 'quizá'" in texto
    assert "ooad_umae.csv, línea 4: el tipo 'Delegación' no es válido" in texto
    assert "ooad_umae.csv, línea 5: 'numero' debe ser un número entero, no 'cinco'" in texto
    assert "grupos.csv, línea 2: falta el valor de 'nombre'" in texto


def test_se_informan_todos_los_errores_con_tope(tmp_path):
    d = copia(tmp_path)
    cambiar(d, "unidades.csv", 12, "ooad", "xyz")
    cambiar(d, "productos.csv", 5, "ambito_default", "Domiciliario")
    errores = errores_de(d)
    assert len(errores) == 2
    ruta = d / "productos.csv"
    filas = leer_filas(ruta)
    for fila in filas[1:200]:
        fila[filas[0].index("ambito_default")] = "?"
    escribir_filas(ruta, filas)
    errores = errores_de(d)
    assert len(errores) == catalogo.MAX_ERRORES + 1
    assert "errores más" in errores[-1]


def test_fila_con_campos_de_mas(tmp_path):
    d = copia(tmp_path)
    ruta = d / "grupos.csv"
    lineas = ruta.read_text(encoding="utf-8").splitlines()
    lineas[2] += ",sobra"
    ruta.write_text("\n".join(lineas) + "\n", encoding="utf-8")
    errores = errores_de(d)
    assert any(e.startswith("grupos.csv, línea 3: tiene 4 campos y el encabezado tiene 3") for e in errores)


# --------------------------------------------------------------------------------------------------
# The build script


def construir(destino: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "catalog" / "build.py"), "--source", str(DATOS_COMPARTIDOS), "--out", str(destino)],
        check=True,
        capture_output=True,
        text=True,
    )


SIN_DATOS = pytest.mark.skipif(
    not (DATOS_COMPARTIDOS / "SOURCES.md").is_file(),
    reason=f"the shared source data ({DATOS_COMPARTIDOS}) is not in this checkout; only the build needs it",
)
GENERADOS = catalogo.ARCHIVOS + ("mexico_estados.geojson", "mexico_estados.LICENSE.txt")


@SIN_DATOS
def test_build_es_determinista_y_el_catalogo_esta_al_dia(tmp_path):
    """One build compared byte for byte with the committed catalog, built by an earlier run: equal
    files prove both that the catalog is current and that the build gives the same bytes each time."""
    construir(tmp_path / "a")
    for archivo in GENERADOS:
        assert (tmp_path / "a" / archivo).read_bytes() == (CATALOGO_DIR / archivo).read_bytes(), (
            f"{archivo}: rerun catalog/build.py"
        )
