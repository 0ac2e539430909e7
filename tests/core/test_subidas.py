"""Uploads cost bounded work: page, content, CPU, wall-clock, memory and size limits; no active content.

Every hostile file is built here, small (the 100 MB boundary excepted), and every check runs in the
child of `core.base.revision_pdf`, whose limits bound each test in time.
"""

from __future__ import annotations

import io
import zlib

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from core.base import revision_pdf
from core.base.errors import ArchivoRechazado
from core.capture import captura, reportes
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, firmados
from tests.conftest import ANIO

P = "Persona que sube"
TEXTO = b"BT /F1 12 Tf 72 720 Td (Reporte firmado) Tj ET"


def _armar(objetos: list[bytes], raiz: int = 1) -> bytes:
    """A PDF from object bodies (object i+1 is objetos[i]) with a correct cross-reference table."""
    salida = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    posiciones = []
    for i, cuerpo in enumerate(objetos, start=1):
        posiciones.append(len(salida))
        salida += b"%d 0 obj\n" % i + cuerpo + b"\nendobj\n"
    xref = len(salida)
    salida += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objetos) + 1)
    salida += b"".join(b"%010d 00000 n \n" % p for p in posiciones)
    salida += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objetos) + 1, raiz, xref)
    return bytes(salida)


def _stream(datos: bytes, comprimir: bool = False) -> bytes:
    if comprimir:
        datos = zlib.compress(datos, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(datos) + datos + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(datos) + datos + b"\nendstream"


FUENTE = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _una_pagina(
    contenido: bytes = TEXTO,
    comprimir: bool = False,
    catalogo_extra: bytes = b"",
    extra: list[bytes] | None = None,
    kids: bytes = b"[3 0 R]",
    count: int = 1,
) -> bytes:
    """Catalog 1, page tree 2, page 3, content 4, font 5, then `extra` objects from 6 on."""
    return _armar(
        [
            b"<< /Type /Catalog /Pages 2 0 R " + catalogo_extra + b" >>",
            b"<< /Type /Pages /Kids " + kids + b" /Count %d >>" % count,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(contenido, comprimir),
            FUENTE,
            *(extra or []),
        ]
    )


def _con_pypdf(preparar) -> bytes:
    """A one-page PDF from pypdf's writer, after `preparar(writer)` adds what the test needs."""
    w = PdfWriter()
    w.add_blank_page(612, 792)
    preparar(w)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _accion(**campos) -> DictionaryObject:
    return DictionaryObject({NameObject(f"/{k}"): v for k, v in campos.items()})


def _apertura(accion):
    def preparar(w):
        w._root_object[NameObject("/OpenAction")] = accion(w) if callable(accion) else accion

    return preparar


# ---- pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [30_000, 1], ids=["count-honesto", "count-mentiroso"])
def test_treinta_mil_paginas_se_rechazan_por_el_limite_de_paginas(count):
    # One page object listed 30,000 times: 4.7 MB like this took 122 s of CPU to read every page.
    kids = b"[" + b"3 0 R " * 30_000 + b"]"
    datos = _una_pagina(kids=kids, count=count)
    assert len(datos) < 300_000
    with pytest.raises(ArchivoRechazado, match="más de 2,000 páginas"):
        firmados.validar_pdf(datos, pared=30)


def test_el_limite_de_paginas_deja_pasar_hasta_el_maximo():
    datos = _una_pagina(kids=b"[" + b"3 0 R " * 40 + b"]", count=40)
    assert firmados.validar_pdf(datos, paginas_maximas=40)[0] == 40
    with pytest.raises(ArchivoRechazado, match="más de 39 páginas"):
        firmados.validar_pdf(datos, paginas_maximas=39)


# ---- content, CPU, wall clock, memory ----------------------------------------------------------------


def _bomba(megas: int) -> bytes:
    """`megas` MB of text operators on one page, compressed: about 2.5 KB per MB."""
    linea = b"BT /F1 12 Tf 72 720 Td (Reporte firmado) Tj ET\n"
    return _una_pagina(linea * (megas * 2**20 // len(linea)), comprimir=True)


def test_bomba_de_instrucciones_se_rechaza_por_tamano():
    # 60 MB of text operators in a few hundred KB: 41 s of CPU before this check.
    datos = _bomba(60)
    assert len(datos) < 400_000
    with pytest.raises(ArchivoRechazado, match="La página 1 del PDF tiene demasiado contenido"):
        firmados.validar_pdf(datos, pared=30)


def test_presupuesto_de_cpu_agotado_mata_la_revision():
    # Under the per-page limit, but 3.5 MB of operators take seconds to extract: with 1 s of CPU
    # the kernel stops the child and the person gets the time message.
    datos = _bomba(3)
    with pytest.raises(ArchivoRechazado, match="El PDF tardó demasiado en revisarse"):
        firmados.validar_pdf(datos, cpu=1, pared=30)


def test_reloj_agotado_mata_la_revision():
    with pytest.raises(ArchivoRechazado, match="El PDF tardó demasiado en revisarse"):
        firmados.validar_pdf(_una_pagina(), pared=0.01)


def test_memoria_agotada_rechaza():
    # 70 MB of instructions decoded in a child allowed 128 MB of address space (it starts at about 55 MB).
    with pytest.raises(ArchivoRechazado, match="demasiada memoria"):
        firmados.validar_pdf(_bomba(70), memoria=128 * 2**20, pared=30)


def test_una_revision_a_la_vez():
    assert revision_pdf._UNA_A_LA_VEZ.acquire(timeout=5)
    try:
        with pytest.raises(ArchivoRechazado, match="revisando otro PDF"):
            firmados.validar_pdf(_una_pagina(), espera_turno=0.05)
    finally:
        revision_pdf._UNA_A_LA_VEZ.release()
    assert firmados.validar_pdf(_una_pagina())[0] == 1


# ---- active content ----------------------------------------------------------------------------------


def _js_al_abrir(w):
    return _accion(S=NameObject("/JavaScript"), JS=TextStringObject("app.alert('hola')"))


def _lanzar(w):
    return _accion(S=NameObject("/Launch"), F=TextStringObject("calc.exe"))


def _adjunto(w):
    w.add_attachment("nota.txt", b"hola")


def _multimedia(w):
    anot = _accion(
        Type=NameObject("/Annot"),
        Subtype=NameObject("/RichMedia"),
        Rect=ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)]),
    )
    w.pages[0][NameObject("/Annots")] = ArrayObject([w._add_object(anot)])


def _xfa(w):
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    w._root_object[NameObject("/AcroForm")] = _accion(Fields=ArrayObject(), XFA=w._add_object(xfa))


def _js_en_nombres(w):
    # Document-level JavaScript: the catalog's /Names tree, run when the file opens.
    accion = w._add_object(_js_al_abrir(w))
    arbol = _accion(Names=ArrayObject([TextStringObject("inicio"), accion]))
    w._root_object[NameObject("/Names")] = _accion(JavaScript=w._add_object(arbol))


ACTIVOS = {
    "js-al-abrir": (_apertura(_js_al_abrir), "JavaScript"),
    "js-en-nombres": (_js_en_nombres, "JavaScript"),
    "launch": (_apertura(_lanzar), "abre programas"),
    "embedded-files": (_adjunto, "archivos adjuntos"),
    "rich-media": (_multimedia, "multimedia"),
    "xfa": (_xfa, "formulario XFA"),
}


@pytest.mark.parametrize("nombre", list(ACTIVOS))
def test_contenido_activo_se_rechaza(nombre):
    preparar, motivo = ACTIVOS[nombre]
    datos = _con_pypdf(preparar)
    with pytest.raises(ArchivoRechazado, match=motivo):
        firmados.validar_pdf(datos)
    # The walk alone finds it too (the byte grep is only a first pass).
    with pytest.raises(revision_pdf.PdfRechazado, match=motivo):
        revision_pdf._recorrer_objetos(_lector(datos))


def _lector(datos: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(datos), strict=True)


def test_nombre_escapado_se_rechaza_y_la_busqueda_de_bytes_lo_decodifica():
    datos = _una_pagina(catalogo_extra=b"/OpenAction << /S /J#61va#53cript /J#53 (app.alert(1)) >>")
    assert b"/JavaScript" not in datos and revision_pdf.activo_en_bytes(datos) in ("JS", "JavaScript")
    with pytest.raises(ArchivoRechazado, match="JavaScript"):
        firmados.validar_pdf(datos)


def _xref_stream(objetos: list[bytes], comprimidos: dict[int, bytes], raiz: int = 1) -> bytes:
    """A PDF 1.5 whose `comprimidos` (number -> body) live in one compressed object stream (/ObjStm),
    with a cross-reference stream: their names never appear in the file's bytes."""
    salida = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    numeros = sorted(comprimidos)
    cabecera, cuerpo = b"", b""
    for n in numeros:
        cabecera += b"%d %d " % (n, len(cuerpo))
        cuerpo += comprimidos[n] + b"\n"
    datos_stm = zlib.compress(cabecera + cuerpo)
    stm = len(objetos) + 1
    objetos = [
        *objetos,
        b"<< /Type /ObjStm /N %d /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
        % (len(numeros), len(cabecera), len(datos_stm))
        + datos_stm
        + b"\nendstream",
    ]
    total = max([len(objetos), *numeros]) + 2  # + the xref stream itself
    entradas = {0: (0, 0, 65535)}
    for i, c in enumerate(objetos, start=1):
        entradas[i] = (1, len(salida), 0)
        salida += b"%d 0 obj\n" % i + c + b"\nendobj\n"
    for k, n in enumerate(numeros):
        entradas[n] = (2, stm, k)
    xref_num = total - 1
    entradas[xref_num] = (1, len(salida), 0)
    filas = b"".join(
        bytes([t]) + c2.to_bytes(4, "big") + g.to_bytes(2, "big")
        for t, c2, g in (entradas.get(i, (0, 0, 0)) for i in range(total))
    )
    salida += (
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Length %d >>\nstream\n"
        % (xref_num, total, raiz, len(filas))
        + filas
        + b"\nendstream\nendobj\n"
    )
    salida += b"startxref\n%d\n%%%%EOF\n" % entradas[xref_num][1]
    return bytes(salida)


def test_javascript_dentro_de_un_flujo_de_objetos_comprimido_se_rechaza():
    # Document-level JavaScript (the catalog's /Names tree) packed in a compressed object stream.
    datos = _xref_stream(
        [
            b"<< /Type /Catalog /Pages 2 0 R /Names 8 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(TEXTO),
            FUENTE,
        ],
        {
            7: b"<< /S /JavaScript /JS (app.alert(1)) >>",
            8: b"<< /JavaScript 9 0 R >>",
            9: b"<< /Names [(inicio) 7 0 R] >>",
        },
    )
    assert revision_pdf.activo_en_bytes(datos) is None  # invisible to the byte grep
    with pytest.raises(ArchivoRechazado, match="El PDF contiene JavaScript"):
        firmados.validar_pdf(datos)


def test_el_mismo_flujo_comprimido_sin_javascript_se_acepta():
    datos = _xref_stream(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(TEXTO),
            FUENTE,
        ],
        {7: b"<< /S /GoTo /D [3 0 R /Fit] >>"},
    )
    assert firmados.validar_pdf(datos) == (1, "Reporte firmado")


def _ir_a(w):
    return _accion(S=NameObject("/GoTo"), D=ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")]))


def _destino(w):
    return ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")])


@pytest.mark.parametrize("accion", [_ir_a, _destino], ids=["goto", "destino"])
def test_abrir_en_una_pagina_se_acepta(accion):
    # Scanners write /OpenAction to open the first page at a zoom: that is not active content.
    assert firmados.validar_pdf(_con_pypdf(_apertura(accion)))[0] == 1


def test_otra_accion_al_abrir_se_rechaza():
    def uri(w):
        return _accion(S=NameObject("/URI"), URI=TextStringObject("http://ejemplo.invalid/rastreo"))

    with pytest.raises(ArchivoRechazado, match=r"acción al abrirse \(URI\)"):
        firmados.validar_pdf(_con_pypdf(_apertura(uri)))


def test_javascript_en_el_contenido_de_una_imagen_no_confunde_la_busqueda():
    # Stream bodies (images) are skipped by the byte grep: random bytes may spell "/JS".
    datos = _una_pagina(extra=[_stream(b"\x00\xff/JS /JavaScript\x00" * 10)])
    assert revision_pdf.activo_en_bytes(datos) is None
    assert firmados.validar_pdf(datos)[0] == 1


# ---- size boundary ----------------------------------------------------------------------------------


def _del_tamano(total: int) -> bytes:
    """A valid one-page PDF of exactly `total` bytes, padded by an unused stream object."""
    relleno = 0
    for _ in range(5):
        datos = _una_pagina(extra=[_stream(b"0" * relleno)])
        if len(datos) == total:
            return datos
        relleno += total - len(datos)
    raise AssertionError("no se pudo ajustar el tamaño")


def test_limite_exacto_de_100_mb_se_acepta_y_un_byte_mas_se_rechaza():
    assert firmados.TAMANO_MAXIMO == 100 * 2**20 == 104_857_600
    justo = _del_tamano(firmados.TAMANO_MAXIMO)
    assert firmados.validar_pdf(justo, pared=60)[0] == 1
    del justo
    with pytest.raises(ArchivoRechazado, match=r"104,857,601 bytes .*el máximo es 100 MB \(104,857,600 bytes\)"):
        firmados.validar_pdf(_del_tamano(firmados.TAMANO_MAXIMO + 1))


# ---- the real report still goes through --------------------------------------------------------------


def test_version_final_impresa_se_acepta_con_su_folio(store, cuenta, tmp_path):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(store, c, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.finalizar(store, c, P, ANIO)
    folio, pdf = reportes.final(store, c, ANIO, "chihuahua")
    s = firmados.subir(store, c, P, ANIO, "chihuahua", pdf, "final.pdf", directorio=tmp_path)
    assert (s.folio_leido, s.folio_coincide, s.aviso()) == (folio, True, None)


def test_el_readme_dice_los_limites_que_aplica_core():
    from pathlib import Path

    texto = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    for dicho in (
        f"{firmados.TAMANO_MAXIMO:,} bytes",
        f"1 MB = {firmados.MB:,} bytes",
        f"hasta {revision_pdf.PAGINAS_MAXIMAS:,} páginas",
        f"{revision_pdf.CPU_SEGUNDOS} s de CPU",
        f"{revision_pdf.PARED_SEGUNDOS} s de reloj",
        f"{revision_pdf.MEMORIA_MAXIMA // 2**30} GB de memoria",
        f"{revision_pdf.CONTENIDO_PAGINA_MAXIMO // 2**20} MB de instrucciones",
        f"primeras y últimas {revision_pdf.PAGINAS_CON_TEXTO} páginas",
    ):
        assert dicho in texto, dicho
