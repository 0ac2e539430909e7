"""Reports read back: what the store holds is what is printed, with the right legends and folio."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from core.base.errors import AccesoDenegado, TransicionInvalida
from core.capture import captura, reportes
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, folio
from tests.conftest import ANIO

P = "Persona que imprime"


def _paginas(pdf: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf), strict=True).pages]


@pytest.fixture
def con_lineas(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        "IL-CH-0001",
        [
            FilaCaptura("HD-0001", fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989),
            FilaCaptura("47.01", exc_pacientes=1200, exc_eventos=1500),
        ],
    )
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        "IL-CH-0002",
        [
            FilaCaptura("LAB-0001", fal_causa="Falta de Equipo", fal_pacientes=200, fal_eventos=200),
        ],
    )
    return c


def _numeros(texto: str) -> list[str]:
    return re.findall(r"\d{1,3}(?:,\d{3})+|\d+", texto)


def test_preliminar_lleva_leyenda_en_cada_pagina_y_lo_guardado(store, con_lineas):
    paginas = _paginas(reportes.preliminar(store, con_lineas, ANIO, "chihuahua"))
    total = len(paginas)
    for i, texto in enumerate(paginas, start=1):
        assert "Sin Validez Oficial" in texto
        assert f"Página {i} de {total}" in texto
    todo = "\n".join(paginas)
    assert "OOAD Chihuahua" in todo and "2 de 4 Unidades Médicas reportan Excedentes y/o Faltantes" in todo
    assert f"para el {ANIO}" in todo and "Fecha de impresión: 15/06/2026 10:00:00" in todo
    assert "2,989" in todo and "1,200" in todo and "1,500" in todo
    assert "lineas arteriovenosas, concentrado electrolítico" in re.sub(r"\s+", " ", todo)  # wrapped, not cut


def test_final_sin_leyenda_con_folio_estable_en_cada_pagina(store, con_lineas):
    with pytest.raises(TransicionInvalida):
        reportes.final(store, con_lineas, ANIO, "chihuahua")
    reportes.guardar_firmantes(store, con_lineas, P, ANIO, [("Dra. Ñeli Muñoz", "Titular de la Jefatura")])
    ciclo.finalizar(store, con_lineas, P, ANIO)
    f1, pdf1 = reportes.final(store, con_lineas, ANIO, "chihuahua")
    reportes.guardar_firmantes(store, con_lineas, P, ANIO, [("Otra Persona", "Otro cargo")])
    f2, pdf2 = reportes.final(store, con_lineas, ANIO, "chihuahua")
    assert f1 == f2 == folio.calcular(store, ANIO, "chihuahua", 1)  # signatories are not in the folio
    paginas = _paginas(pdf1)
    for i, texto in enumerate(paginas, start=1):
        assert "Sin Validez Oficial" not in texto
        assert f1 in re.sub(r"\s+", "", texto)
        assert f"Página {i} de {len(paginas)}" in texto
    todo = "\n".join(paginas)
    assert "Dra. Ñeli Muñoz" in todo and "Titular de la Jefatura" in todo
    assert "Otra Persona" in "\n".join(_paginas(pdf2))
    with pytest.raises(TransicionInvalida):
        reportes.preliminar(store, con_lineas, ANIO, "chihuahua")


def test_final_de_quien_contesto_no(store, cuenta):
    c = cuenta("quintana-roo")
    ciclo.declarar(store, c, P, ANIO, "NO")
    ciclo.finalizar(store, c, P, ANIO)
    f, pdf = reportes.final(store, c, ANIO, "quintana-roo")
    todo = re.sub(r"\s+", " ", "\n".join(_paginas(pdf)))
    assert "ninguna de sus 2 Unidades Médicas" in todo and "acepta de conformidad" in todo
    assert f in todo.replace(" ", "")


def test_otra_ooad_no_imprime_ajenos(store, con_lineas, cuenta):
    with pytest.raises(AccesoDenegado):
        reportes.preliminar(store, cuenta("quintana-roo"), ANIO, "chihuahua")
    ciclo.finalizar(store, con_lineas, P, ANIO)
    with pytest.raises(AccesoDenegado):
        reportes.final(store, cuenta("quintana-roo"), ANIO, "chihuahua")
    assert reportes.final(store, cuenta("analista"), ANIO, "chihuahua")[1].startswith(b"%PDF")


def test_firmantes_validos_y_bloqueados_tras_subir(store, con_lineas, cuenta):
    from core.base.errors import ErrorDominio

    with pytest.raises(ErrorDominio, match="nombre y el cargo"):
        reportes.guardar_firmantes(store, con_lineas, P, ANIO, [("Solo nombre", "")])
    with pytest.raises(AccesoDenegado):
        reportes.guardar_firmantes(store, cuenta("analista"), P, ANIO, [("A", "B")])
    assert reportes.firmantes(store, con_lineas, ANIO, "chihuahua") == []
