"""Paso 9: only real, complete PDFs are accepted; folio checked; history kept; core refuses the rest."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen import canvas

from core.base.errors import AccesoDenegado, ArchivoRechazado, CapturaBloqueada, TransicionInvalida
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, firmados, folio
from tests.conftest import ANIO

P = "Persona que sube"


def _pdf(texto: str | None = "Reporte firmado", paginas: int = 1) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(paginas):
        if texto:
            c.drawString(72, 720, f"{texto} · página {i + 1}")
        else:
            c.rect(72, 72, 300, 500, fill=1)  # a "scan": no readable text
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def finalizada(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(store, c, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.finalizar(store, c, P, ANIO)
    return c


def _subir(store, c, datos, nombre="firmado.pdf", tmp_path=None, ooad="chihuahua"):
    return firmados.subir(store, c, P, ANIO, ooad, datos, nombre, directorio=tmp_path)


def test_pdf_con_folio_vigente_se_acepta_y_queda_firmado(store, finalizada, tmp_path):
    f = folio.calcular(store, ANIO, "chihuahua", 1)
    s = _subir(store, finalizada, _pdf(f"Folio: {f}", paginas=3), tmp_path=tmp_path)
    assert (s.paginas, s.folio_coincide, s.aviso()) == (3, True, None)
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FIRMADO
    h = firmados.historial(store, finalizada, ANIO, "chihuahua")
    assert h["vigente"].tolist() == [True] and h["paginas"].tolist() == [3]
    nombre, datos = firmados.leer(store, finalizada, int(h["id"][0]), directorio=tmp_path)
    assert nombre == "firmado.pdf" and datos.startswith(b"%PDF-")
    assert store.valor("SELECT count(*) FROM auditoria WHERE accion = 'reporte firmado subido'") == 1


def test_reemplazo_conserva_el_anterior(store, finalizada, tmp_path):
    _subir(store, finalizada, _pdf("primero"), tmp_path=tmp_path)
    _subir(store, finalizada, _pdf("segundo"), "segundo.pdf", tmp_path=tmp_path)
    h = firmados.historial(store, finalizada, ANIO, "chihuahua")
    assert h["nombre_original"].tolist() == ["segundo.pdf", "firmado.pdf"]
    assert h["vigente"].tolist() == [True, False]
    assert len(list((tmp_path / "firmados").rglob("*.pdf"))) == 2


def test_escaneo_sin_texto_se_acepta_con_aviso(store, finalizada, tmp_path):
    s = _subir(store, finalizada, _pdf(None), tmp_path=tmp_path)
    assert s.folio_coincide is None and "no se pudo comprobar su folio" in s.aviso()


def test_folio_de_otra_version_advierte(store, finalizada, tmp_path):
    s = _subir(store, finalizada, _pdf("Folio: EYF-2026-08-V9-0123456789"), tmp_path=tmp_path)
    assert s.folio_coincide is False and "no corresponde" in s.aviso() and "EYF-2026-08-V9-0123456789" in s.aviso()


def _truncado():
    d = _pdf("x", paginas=2)
    return d[: len(d) // 2]


def _corrupto():
    d = bytearray(_pdf("x", paginas=2))
    mitad = len(d) // 2
    d[mitad - 200 : mitad + 200] = b"\x00" * 400  # a damaged middle, the end intact
    return bytes(d)


HOSTILES = [
    (b"", "vacío"),
    (b"hola, esto es texto\n" * 50, "no es un PDF"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "no es un PDF"),
    (_truncado(), "incompleto o dañado"),
    (_corrupto(), "dañado"),
    (b"%PDF-1.4\n%%EOF", "dañado"),
]


@pytest.mark.parametrize(
    "datos,motivo", HOSTILES, ids=["vacio", "texto", "png", "truncado", "corrupto", "solo-cabecera"]
)
def test_archivos_hostiles_se_rechazan_sin_guardar_nada(store, finalizada, tmp_path, datos, motivo):
    with pytest.raises(ArchivoRechazado, match=motivo):
        _subir(store, finalizada, datos, "reporte.pdf", tmp_path=tmp_path)
    assert store.valor("SELECT count(*) FROM firmado") == 0
    assert ciclo.estado(store, ANIO, "chihuahua").estado == ciclo.FINALIZADO
    assert not (tmp_path / "firmados").exists()


def test_mas_de_100_mb_se_rechaza(store, finalizada, tmp_path):
    enorme = b"%PDF-1.4\n" + b"0" * firmados.TAMANO_MAXIMO
    with pytest.raises(ArchivoRechazado, match="el máximo es 100 MB"):
        _subir(store, finalizada, enorme, tmp_path=tmp_path)


def test_nombre_con_rutas_no_escapa_de_la_carpeta(store, finalizada, tmp_path):
    _subir(store, finalizada, _pdf("x"), "../../etc/passwd/..\\..\\malo.pdf", tmp_path=tmp_path)
    archivos = list(tmp_path.rglob("*.pdf"))
    assert len(archivos) == 1 and (tmp_path / "firmados") in archivos[0].parents
    assert firmados.historial(store, finalizada, ANIO, "chihuahua")["nombre_original"][0] == "malo.pdf"


def test_otra_ooad_ni_sube_ni_lee(store, finalizada, cuenta, tmp_path):
    s = _subir(store, finalizada, _pdf("x"), tmp_path=tmp_path)
    otra = cuenta("quintana-roo")
    with pytest.raises(AccesoDenegado):
        _subir(store, otra, _pdf("x"), tmp_path=tmp_path)
    with pytest.raises(AccesoDenegado):
        firmados.historial(store, otra, ANIO, "chihuahua")
    with pytest.raises(AccesoDenegado):
        firmados.leer(store, otra, s.id, directorio=tmp_path)
    with pytest.raises(AccesoDenegado):
        _subir(store, cuenta("analista"), _pdf("x"), tmp_path=tmp_path)


def test_antes_de_finalizar_no_se_sube(store, cuenta, tmp_path):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    with pytest.raises(TransicionInvalida, match="Primero finalice"):
        _subir(store, c, _pdf("x"), tmp_path=tmp_path)


def test_periodo_cerrado_no_se_sube(store, finalizada, tmp_path):
    with store.transaction() as tx:
        tx.execute("UPDATE periodo SET cerrado = TRUE")
    with pytest.raises(CapturaBloqueada, match="cerrado"):
        _subir(store, finalizada, _pdf("x"), tmp_path=tmp_path)


def test_folio_estable_y_distinto_por_contenido(store, finalizada):
    a = folio.calcular(store, ANIO, "chihuahua", 1)
    assert a == folio.calcular(store, ANIO, "chihuahua", 1)
    assert folio.PATRON.fullmatch(a) and a.startswith("EYF-2026-08-V1-")
    assert folio.buscar_en_texto(f"Folio: {a[:12]}\n{a[12:]} Página 1") == [a]


def test_reapertura_nueva_version_con_otro_folio_y_el_firmado_deja_de_ser_vigente(store, finalizada, cuenta, tmp_path):
    from core.capture import reportes

    primero = folio.calcular(store, ANIO, "chihuahua", 1)
    _subir(store, finalizada, _pdf(f"Folio: {primero}"), tmp_path=tmp_path)
    with pytest.raises(AccesoDenegado):
        ciclo.reabrir(store, cuenta("analista"), ANIO, "chihuahua", "corrección de cifras")
    with pytest.raises(AccesoDenegado):
        ciclo.reabrir(store, finalizada, ANIO, "chihuahua", "corrección de cifras")
    e = ciclo.reabrir(store, cuenta("admin"), ANIO, "chihuahua", "corrección de cifras")
    assert e.estado == ciclo.EN_CAPTURA
    assert firmados.historial(store, finalizada, ANIO, "chihuahua")["vigente"].tolist() == [False]
    # Reprinting the old version gives the same folio; the next finalization gets its own.
    assert reportes.final(store, finalizada, ANIO, "chihuahua", version=1)[0] == primero
    captura.guardar(store, finalizada, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", version=1, exc_pacientes=6)])
    assert ciclo.finalizar(store, finalizada, P, ANIO) == 2
    segundo = folio.calcular(store, ANIO, "chihuahua", 2)
    assert segundo != primero and segundo.startswith("EYF-2026-08-V2-")
    s = _subir(store, finalizada, _pdf(f"Folio: {primero}"), tmp_path=tmp_path)
    assert s.folio_coincide is False  # the old signed paper belongs to version 1
