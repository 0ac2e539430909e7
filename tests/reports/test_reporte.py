"""The PDF reports, read back: pages, legends, page numbers, totals, wrapping, accents, folio, QR, NO."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from bench.reportes_sinteticos import ZONA, datos_sinteticos
from reports import reporte
from reports.reporte import COLUMNAS, DatosReporte, Firmante, reporte_final, reporte_preliminar
from tests.reports.muestras import FIRMANTES, final_de

RAIZ = Path(__file__).resolve().parents[2]
ARTEFACTOS = RAIZ / "test-artifacts" / "reports"
FOLIO = "EYF-2026-08-V3-ABCDEF0123"
LEYENDA = "Sin Validez Oficial. El OOAD aún no cierra el registro de información."
NOMBRE_LARGO = (
    "Procedimiento de hemodiálisis con reuso de dializador equipo con tecnología de punta, incluye lineas "
    "arteriovenosas, concentrado electrolítico, fistulas, heparina, soluciones parenterales, material de curación, "
    "más accesos vasculares"
)
PALABRA_LARGA = "Inmunohistoquímica" * 7  # 126 characters without a space: wider than the column
UNIDAD_ESPECIAL = "UMF 7, Ñuñoa"

necesita_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils no instalado")


def _especiales() -> pd.DataFrame:
    filas = [
        (UNIDAD_ESPECIAL, "Faltante", "Hemodiálisis", NOMBRE_LARGO, "Carencia de Servicio", "Ambulatorio", 2989, 250),
        (
            UNIDAD_ESPECIAL,
            "Faltante",
            "Laboratorio de análisis clínicos",
            "Péptido citrulinado, anticuerpos anti (anti-ccp).",
            "Falta de Equipo",
            "Ambulatorio",
            None,
            20,
        ),
        (
            UNIDAD_ESPECIAL,
            "Faltante",
            "Laboratorio de análisis clínicos",
            PALABRA_LARGA,
            "Falta de Insumos",
            "Hospitalario",
            1_234_567,
            123_456,
        ),
        (
            UNIDAD_ESPECIAL,
            "Excedente",
            "Cirugía",
            "Colecistectomía laparoscópica <urgente> & programada",
            None,
            "Hospitalario",
            40,
            12,
        ),
        (
            "Clínica <Norte> & Sur",
            "Excedente",
            "Imagenología",
            "Mastografía bilateral de tamizaje",
            None,
            "Ambulatorio",
            None,
            7,
        ),
    ]
    return pd.DataFrame(filas, columns=COLUMNAS)


@pytest.fixture(scope="module")
def datos() -> DatosReporte:
    base = datos_sinteticos(14, 22, seed=3)
    lineas = pd.concat([_especiales(), base.lineas], ignore_index=True)
    lineas["eventos"] = lineas["eventos"].astype("Int64")
    return replace(
        base,
        lineas=lineas,
        unidades_total=57,
        unidades_con=lineas["unidad_nombre"].nunique(),
        # 22:27:03 UTC is 16:27:03 in Mexico City (UTC-6 all year since 2022).
        impreso_en=dt.datetime(2026, 7, 29, 22, 27, 3, tzinfo=dt.UTC),
    )


@pytest.fixture(scope="module")
def preliminar(datos) -> bytes:
    return reporte_preliminar(datos)


@pytest.fixture(scope="module")
def final(datos) -> bytes:
    return reporte_final(
        datos,
        folio=FOLIO,
        version=3,
        finalizado_en=dt.datetime(2026, 6, 30, 18, 5, 9, tzinfo=ZONA),
        finalizado_por="María Peña Núñez",
        firmantes=FIRMANTES,
        url_verificacion="https://eyf.imss.gob.mx/verificar",
    )


@pytest.fixture(scope="module")
def datos_no(datos) -> DatosReporte:
    return replace(datos, respuesta="NO", unidades_con=0, lineas=datos.lineas.iloc[0:0])


def _lector(pdf: bytes) -> PdfReader:
    r = PdfReader(io.BytesIO(pdf), strict=True)
    for p in r.pages:  # every page parses
        p.extract_text()
    return r


def _paginas(pdf: bytes) -> list[str]:
    """pdftotext -layout, one string per page."""
    salida = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    paginas = salida.stdout.decode("utf-8").split("\f")
    return paginas[:-1] if paginas and paginas[-1].strip() == "" else paginas


def _plano(pdf: bytes) -> str:
    """pypdf text in drawing order, whitespace collapsed: a wrapped cell reads as one run of words."""
    return " ".join(" ".join(p.extract_text() for p in _lector(pdf).pages).split())


FILA = re.compile(
    r"^\s*(?P<no>\d+)\s+.*?\b(?:Ambulatorio|Hospitalario)\s+(?:(?P<eventos>\d{1,3}(?:,\d{3})*)\s+)?"
    r"(?P<pacientes>\d{1,3}(?:,\d{3})*)\s*$"
)


def _filas(pdf: bytes) -> list[dict]:
    filas = []
    for texto in _paginas(pdf):
        for linea in texto.splitlines():
            m = FILA.match(linea)
            if m:
                filas.append({k: (int(v.replace(",", "")) if v else None) for k, v in m.groupdict().items()})
    return filas


# ------------------------------------------------------------------------------------ preliminary


def test_preliminar_pdf_valido_y_de_varias_paginas(preliminar):
    r = _lector(preliminar)
    assert len(r.pages) > 1
    assert preliminar.startswith(b"%PDF-")


@necesita_pdftotext
def test_preliminar_leyenda_en_cada_pagina(preliminar):
    paginas = _paginas(preliminar)
    assert len(paginas) == len(_lector(preliminar).pages) > 1
    sin = [i for i, t in enumerate(paginas, start=1) if LEYENDA not in t]
    assert sin == []


def test_preliminar_marca_de_agua_en_cada_pagina(preliminar):
    # The watermark is vector strokes in a form XObject (no text to scramble extraction): placed on every page.
    for i, p in enumerate(_lector(preliminar).pages, start=1):
        xobjs = p["/Resources"].get("/XObject", {})
        assert any("marca_agua" in k for k in xobjs), f"página {i} sin marca de agua"
        assert b"marca_agua Do" in p.get_contents().get_data()


@necesita_pdftotext
@pytest.mark.parametrize("cual", ["preliminar", "final"])
def test_pagina_x_de_y_en_cada_pagina(cual, request):
    pdf = request.getfixturevalue(cual)
    paginas = _paginas(pdf)
    total = len(_lector(pdf).pages)
    assert len(paginas) == total
    for x, texto in enumerate(paginas, start=1):
        assert re.findall(r"Página (\d+) de (\d+)", texto) == [(str(x), str(total))], f"página {x}"


@necesita_pdftotext
@pytest.mark.parametrize("cual", ["preliminar", "final"])
def test_encabezado(cual, request, datos):
    pdf = request.getfixturevalue(cual)
    primera = _paginas(pdf)[0]
    for texto in [
        "Instituto Mexicano del Seguro Social",
        "Dirección de Prestaciones Médicas · Coordinación de Planeación de Servicios Médicos de Apoyo · "
        "División de Integración Estratégica Sectorial",
        "Fecha de impresión: 29/07/2026 16:27:03",
        "Recolección de Excedentes y Faltantes de Servicios Médicos Institucionales para el 2026",
        "OOAD Chihuahua",
        f"{datos.unidades_con} de 57 Unidades Médicas reportan Excedentes y/o Faltantes",
    ]:
        assert texto in primera, texto
    # A short running header on the other pages.
    for t in _paginas(pdf)[1:]:
        assert "OOAD Chihuahua" in t and "Fecha de impresión: 29/07/2026 16:27:03" in t


@necesita_pdftotext
@pytest.mark.parametrize("cual", ["preliminar", "final"])
def test_filas_y_totales_iguales_a_la_entrada(cual, request, datos):
    filas = _filas(request.getfixturevalue(cual))
    lineas = datos.lineas
    assert len(filas) == len(lineas)
    assert sum(f["pacientes"] for f in filas) == int(lineas["pacientes"].sum())
    assert sum(f["eventos"] or 0 for f in filas) == int(lineas["eventos"].fillna(0).sum())
    # Empty eventos print blank.
    assert sum(f["eventos"] is None for f in filas) == int(lineas["eventos"].isna().sum()) > 0
    # No. restarts at 1 in every table and counts up by one.
    grupos = lineas.groupby(["unidad_nombre", "tipo"], sort=False).size().tolist()
    corridas, n = [], 0
    for f in filas:
        if f["no"] == 1 and n:
            corridas.append(n)
        assert f["no"] == (1 if f["no"] == 1 else n + 1)
        n = f["no"]
    corridas.append(n)
    assert corridas == grupos


@necesita_pdftotext
def test_miles_con_comas(final):
    texto = "\n".join(_paginas(final))
    assert re.search(r"Ambulatorio\s+2,989\s+250\s*$", texto, re.M)
    assert re.search(r"Hospitalario\s+1,234,567\s+123,456\s*$", texto, re.M)


@pytest.mark.parametrize("cual", ["preliminar", "final"])
def test_nombre_largo_completo_y_envuelto(cual, request):
    pdf = request.getfixturevalue(cual)
    plano = _plano(pdf)
    assert len(NOMBRE_LARGO) > 200
    assert NOMBRE_LARGO in plano  # every word, in order: wrapped, not cut
    assert PALABRA_LARGA in plano.replace(" ", "")  # a word wider than the column is split, not clipped


@necesita_pdftotext
def test_nombre_largo_ocupa_varias_lineas(final):
    texto = "\n".join(_paginas(final))
    linea = next(ln for ln in texto.splitlines() if "Procedimiento de hemodiálisis con reuso" in ln)
    assert "más accesos vasculares" not in linea  # it wrapped
    assert "más accesos vasculares" in texto


@pytest.mark.parametrize("cual", ["preliminar", "final"])
def test_acentos_y_enie(cual, request):
    plano = _plano(request.getfixturevalue(cual))
    for texto in [
        "Ñuñoa",
        "Cirugía",
        "Péptido citrulinado",
        "Carencia de Servicio",
        "Imagenología",
        "Clínica <Norte> & Sur",
        "Colecistectomía laparoscópica <urgente> & programada",
        "Fecha de impresión",
    ]:
        assert texto in plano, texto


@necesita_pdftotext
def test_cabecera_repetida_en_cada_pagina_con_filas(preliminar):
    paginas = _paginas(preliminar)
    continuaciones = 0
    for i, texto in enumerate(paginas, start=1):
        filas = [ln for ln in texto.splitlines() if FILA.match(ln)]
        if filas:
            assert "Grupo de Servicio" in texto and "Pacientes" in texto, f"página {i}"
            primera_fila = FILA.match(filas[0])
            if primera_fila["no"] != "1":  # a table continued from the previous page
                assert "(continuación) ·" in texto, f"página {i}"
                continuaciones += 1
    assert continuaciones > 0  # the sample does have tables that span pages


@necesita_pdftotext
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ningun_titulo_queda_solo_al_pie_de_pagina(seed):
    """A unit's heading and a table's title are always followed on the same page by at least one row."""
    d = datos_sinteticos(45, 4, seed=seed)
    unidades = set(d.lineas["unidad_nombre"])
    paginas = _paginas(reporte_preliminar(d))
    for i, texto in enumerate(paginas, start=1):
        lineas = texto.splitlines()
        for j, linea in enumerate(lineas):
            if linea.strip() in unidades or linea.strip() in ("Faltantes", "Excedentes"):
                assert any(FILA.match(ln) for ln in lineas[j + 1 :]), f"página {i}: {linea.strip()!r} sin filas"


# ------------------------------------------------------------------------------------------ final


@necesita_pdftotext
def test_final_sin_leyenda_ni_marca(final):
    for i, texto in enumerate(_paginas(final), start=1):
        assert "sin validez oficial" not in texto.lower(), f"página {i}"
    for p in _lector(final).pages:
        assert "sin validez oficial" not in p.extract_text().lower()
        assert not any("marca_agua" in k for k in p["/Resources"].get("/XObject", {}))
    assert b"marca_agua" not in final


@necesita_pdftotext
def test_final_folio_en_cada_pagina(final):
    paginas = _paginas(final)
    assert len(paginas) > 1
    assert [i for i, t in enumerate(paginas, start=1) if f"Folio: {FOLIO}" not in t] == []


@necesita_pdftotext
def test_final_firmas_caja_de_folio_y_qr(final):
    ultima = _paginas(final)[-1]
    assert "Firmas de los representantes del OOAD/UMAE" in ultima
    for f in FIRMANTES:
        assert f.nombre in ultima and f.cargo in ultima
    # Two signature blocks per row: the first two names share a line, the third is below.
    lineas = ultima.splitlines()
    fila_1 = next(ln for ln in lineas if FIRMANTES[0].nombre in ln)
    assert FIRMANTES[1].nombre in fila_1 and FIRMANTES[2].nombre not in fila_1
    assert "Versión final 3" in ultima
    assert "Finalizado el 30/06/2026 18:05:09 por María Peña Núñez" in ultima
    assert f"https://eyf.imss.gob.mx/verificar?folio={FOLIO}" in ultima
    # The QR code: reportlab's widget draws its modules as filled rectangles.
    contenido = _lector(final).pages[-1].get_contents().get_data()
    assert contenido.count(b" re") > 100


def test_valor_del_qr():
    assert reporte.valor_qr(FOLIO) == FOLIO
    assert reporte.valor_qr(FOLIO, "https://x.mx/v") == f"https://x.mx/v?folio={FOLIO}"


@pytest.mark.skipif(
    shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
    reason="zbarimg no instalado (decodificar el QR es opcional)",
)
def test_qr_se_decodifica(final, tmp_path):
    (tmp_path / "f.pdf").write_bytes(final)
    n = len(_lector(final).pages)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", str(n), "-l", str(n), str(tmp_path / "f.pdf"), str(tmp_path / "p")],
        check=True,
    )
    png = next(tmp_path.glob("p-*.png"))
    salida = subprocess.run(["zbarimg", "--quiet", "--raw", str(png)], capture_output=True, text=True)
    assert f"https://eyf.imss.gob.mx/verificar?folio={FOLIO}" in salida.stdout


@necesita_pdftotext
def test_final_sin_firmantes_deja_dos_bloques_en_blanco(datos):
    pdf = reporte_final(
        datos,
        folio=FOLIO,
        version=1,
        finalizado_en=dt.datetime(2026, 6, 30, 18, 5),
        finalizado_por="Capturista",
        firmantes=[],
    )
    ultima = _paginas(pdf)[-1]
    assert "Firmas de los representantes del OOAD/UMAE" in ultima
    assert ultima.count("Nombre y firma") == 2 and ultima.count("Cargo") >= 2
    assert f"Folio: {FOLIO}" in ultima


# --------------------------------------------------------------------------------------------- NO


@necesita_pdftotext
def test_final_no(datos_no):
    pdf = reporte_final(
        datos_no,
        folio=FOLIO,
        version=1,
        finalizado_en=dt.datetime(2026, 6, 30, 18, 5),
        finalizado_por="Capturista",
        firmantes=FIRMANTES,
    )
    texto = " ".join("\n".join(_paginas(pdf)).split())
    assert "El OOAD Chihuahua manifiesta que ninguna de sus 57 Unidades Médicas tiene Excedentes ni Faltantes" in texto
    assert "acepta de conformidad la inexistencia de oferta y/o demanda de servicios médicos" in texto
    assert "0 de 57 Unidades Médicas reportan Excedentes y/o Faltantes" in texto
    assert "Firmas de los representantes del OOAD/UMAE" in texto
    assert all(f.nombre in texto for f in FIRMANTES)
    assert f"Folio: {FOLIO}" in texto and "Página 1 de 1" in texto
    assert "Grupo de Servicio" not in texto and "sin validez oficial" not in texto.lower()


@necesita_pdftotext
def test_final_si_sin_lineas_dice_lo_mismo(datos_no):
    pdf = reporte_final(
        replace(datos_no, respuesta="SI"),
        folio=FOLIO,
        version=1,
        finalizado_en=dt.datetime(2026, 6, 30, 18, 5),
        finalizado_por="x",
        firmantes=[],
    )
    texto = " ".join("\n".join(_paginas(pdf)).split())
    assert "ninguna de sus 57" in texto and "acepta de conformidad" in texto


@necesita_pdftotext
def test_preliminar_no(datos_no):
    pdf = reporte_preliminar(replace(datos_no, ooad_nombre="UMAE HES CMN Siglo XXI"))
    texto = " ".join("\n".join(_paginas(pdf)).split())
    assert "La UMAE HES CMN Siglo XXI manifiesta que ninguna de sus 57 Unidades Médicas" in texto
    assert "acepta de conformidad" in texto
    assert LEYENDA in texto and "Página 1 de 1" in texto
    assert "Firmas de" not in texto and "Folio" not in texto
    assert any("marca_agua" in k for k in _lector(pdf).pages[0]["/Resources"]["/XObject"])


@necesita_pdftotext
def test_preliminar_si_aun_sin_lineas(datos_no):
    texto = " ".join("\n".join(_paginas(reporte_preliminar(replace(datos_no, respuesta="SI")))).split())
    assert "ha registrado Excedentes ni Faltantes todavía" in texto
    assert "acepta de conformidad" not in texto


# ---------------------------------------------------------------------------------------- details


def test_texto_fuera_de_winansi(datos):
    """A signatory outside cp1252 switches to DejaVu Sans when installed; without it the PDF still builds."""
    pdf = reporte_final(
        datos_no_de(datos),
        folio=FOLIO,
        version=1,
        finalizado_en=dt.datetime(2026, 6, 30, 18, 5),
        finalizado_por="x",
        firmantes=[Firmante("Łukasz Żółć", "Enlace β")],
    )
    plano = _plano(pdf)
    if reporte._registrar_dejavu() is not None:
        assert "Łukasz Żółć" in plano and "Enlace β" in plano
        assert "ninguna de sus" in plano


def test_sin_dejavu_cae_a_helvetica(datos, monkeypatch):
    monkeypatch.setattr(reporte, "_dejavu", None)
    monkeypatch.setattr(reporte, "_DEJAVU_DIR", "/no/existe")
    pdf = reporte_final(
        datos_no_de(datos),
        folio=FOLIO,
        version=1,
        finalizado_en=dt.datetime(2026, 6, 30, 18, 5),
        finalizado_por="x",
        firmantes=[Firmante("Łukasz Żółć", "Enlace β")],
    )
    plano = _plano(pdf)
    assert "ukasz" in plano and "ninguna de sus" in plano and "DejaVu" not in str(_lector(pdf).pages[0]["/Resources"])


def datos_no_de(datos: DatosReporte) -> DatosReporte:
    return replace(datos, respuesta="NO", unidades_con=0, lineas=datos.lineas.iloc[0:0])


def test_declaracion_no_segun_numero_de_unidades(datos_no):
    umae = replace(datos_no, ooad_nombre="UMAE HES CMN Siglo XXI", unidades_total=1)
    assert reporte.texto_sin_registros(umae).startswith(
        "La UMAE HES CMN Siglo XXI manifiesta que su Unidad Médica no tiene Excedentes ni Faltantes de servicios "
        "médicos institucionales para el 2026, por lo que acepta de conformidad"
    )
    assert "ninguna de sus 57 Unidades Médicas tiene" in reporte.texto_sin_registros(datos_no)
    otro = replace(datos_no, ooad_nombre="Delegación Norte")
    assert reporte.texto_sin_registros(otro).startswith("El OOAD/UMAE Delegación Norte manifiesta")


def test_hora_ingenua_se_toma_como_hora_de_mexico():
    assert reporte._fecha_hora(dt.datetime(2026, 1, 2, 3, 4, 5)) == "02/01/2026 03:04:05"
    assert reporte._fecha_hora(dt.datetime(2026, 1, 2, 9, 4, 5, tzinfo=dt.UTC)) == "02/01/2026 03:04:05"


def test_miles_y_vacios():
    assert [reporte._miles(v) for v in (2989, 0, None, float("nan"), pd.NA, 1234567)] == [
        "2,989",
        "0",
        "",
        "",
        "",
        "1,234,567",
    ]


def test_columnas_o_tipo_invalidos(datos):
    with pytest.raises(ValueError, match="Faltan columnas"):
        reporte_preliminar(replace(datos, lineas=datos.lineas.drop(columns=["causa"])))
    malo = datos.lineas.head(3).copy()
    malo.loc[0, "tipo"] = "Sobrante"
    with pytest.raises(ValueError, match="Tipo de línea desconocido"):
        reporte_preliminar(replace(datos, lineas=malo))


def test_orden_faltantes_antes_que_excedentes_aunque_lleguen_mezclados(datos):
    lineas = datos.lineas[datos.lineas["unidad_nombre"] == UNIDAD_ESPECIAL].iloc[::-1]
    plano = _plano(reporte_preliminar(replace(datos, lineas=lineas)))
    assert plano.index("Faltantes No. Grupo de Servicio") < plano.index("Excedentes No. Grupo de Servicio")


def test_sintetico():
    d = datos_sinteticos(5, 10, seed=1)
    assert list(d.lineas.columns) == COLUMNAS
    assert d.lineas["unidad_nombre"].nunique() == d.unidades_con == 5
    assert d.lineas.loc[d.lineas["tipo"] == "Excedente", "causa"].isna().all()
    assert d.lineas.loc[d.lineas["tipo"] == "Faltante", "causa"].notna().all()
    assert datos_sinteticos(5, 10, seed=1).lineas.equals(d.lineas)


# ------------------------------------------------------------------------------- pages to look at


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils no instalado")
def test_muestras_como_png_para_revisar(tmp_path):
    """The largest sample (57 units × ~20 lines) and a NO report: first pages and last as PNG in test-artifacts/reports/."""
    grande = datos_sinteticos(57, 20)
    muestras = {
        "prueba-final-57": final_de(grande),
        "prueba-final-no": final_de(datos_no_de(grande)),
    }
    ARTEFACTOS.mkdir(parents=True, exist_ok=True)
    for nombre, pdf in muestras.items():
        # Rendered apart, then copied: another test run may be writing the same artifacts.
        (tmp_path / f"{nombre}.pdf").write_bytes(pdf)
        # The first two pages and the last one (header, body, totals and signatures) are what a
        # reviewer looks at; every page costs pdftoppm about 70 ms of CPU (3 s for this report).
        paginas = len(_lector(pdf).pages)
        for desde, hasta in ((1, min(2, paginas)), (paginas, paginas)):
            subprocess.run(
                ["pdftoppm", "-r", "60", "-png", "-f", str(desde), "-l", str(hasta)]
                + [str(tmp_path / f"{nombre}.pdf"), str(tmp_path / nombre)],
                check=True,
            )
        pngs = sorted(tmp_path.glob(f"{nombre}-*.png"))
        assert len(pngs) == len({1, min(2, paginas), paginas})
        for viejo in ARTEFACTOS.glob(f"{nombre}-*.png"):
            viejo.unlink(missing_ok=True)
        for archivo in [tmp_path / f"{nombre}.pdf", *pngs]:
            shutil.copyfile(archivo, ARTEFACTOS / archivo.name)
    assert len(_lector(muestras["prueba-final-57"]).pages) > 40
