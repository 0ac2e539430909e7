"""A signed PDF whose file is gone from the server is a clear message, not an English OSError."""

from __future__ import annotations

import hashlib

import pytest

from core.base.errors import ErrorDominio
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, firmados
from tests.conftest import ANIO, pdf_firmado

P = "Persona que sube"


@pytest.fixture
def subido(store, cuenta, tmp_path):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(store, c, P, ANIO, "IL-CH-0001", [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.finalizar(store, c, P, ANIO)
    return c, firmados.subir(store, c, P, ANIO, "chihuahua", pdf_firmado(), "firmado.pdf", directorio=tmp_path)


def test_firmado_presente_se_lee(store, subido, tmp_path):
    c, s = subido
    nombre, datos = firmados.leer(store, c, s.id, directorio=tmp_path)
    assert nombre == "firmado.pdf" and hashlib.sha256(datos).hexdigest() == s.sha256


def test_firmado_borrado_del_disco_dice_que_restaure_un_respaldo(store, subido, tmp_path):
    c, s = subido
    for pdf in firmados.carpeta(tmp_path).rglob("*.pdf"):
        pdf.unlink()
    with pytest.raises(ErrorDominio, match="no se encuentra en el servidor; restaure un respaldo") as err:
        firmados.leer(store, c, s.id, directorio=tmp_path)
    assert "firmado.pdf" in str(err.value)
