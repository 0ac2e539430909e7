"""Backups and restore; a database held by another process gives a Spanish message, never a traceback."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from core import cli
from core.accounts import cuentas
from core.admin import respaldo
from core.base import reloj, rutas
from core.base.errors import AccesoDenegado, BaseDeDatosOcupada, RespaldoInvalido
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, firmados
from tests.conftest import ANIO, EN_POSTGRES, HOY, base_retenida, contenido_de_la_base, copiar_base, poblado

RAIZ = Path(__file__).resolve().parents[2]
P = "Persona de prueba"
OCUPADA = "está en uso por otro proceso"


def _pdf(texto: str) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, texto)
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture(scope="module")
def _datos_base(tmp_path_factory):
    """A data folder with a database holding lines, a final version and two signed uploads: built
    once (two of its steps check a PDF in a sandboxed child) and copied for each test."""
    carpeta = tmp_path_factory.mktemp("respaldo_base")
    previo = reloj._fijo  # a module fixture runs before the test's autouse clock
    reloj.fijar(HOY)
    store = poblado(rutas.ruta_base(carpeta))
    try:
        chihuahua = cuentas.obtener(store, "chihuahua")
        ciclo.declarar(store, chihuahua, P, ANIO, "SI")
        captura.guardar(
            store,
            chihuahua,
            P,
            ANIO,
            "IL-CH-0001",
            [
                FilaCaptura("47.01", exc_pacientes=5),
                FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=8),
            ],
        )
        ciclo.finalizar(store, chihuahua, P, ANIO)
        firmados.subir(store, chihuahua, P, ANIO, "chihuahua", _pdf("primero"), "firmado.pdf", directorio=carpeta)
        firmados.subir(store, chihuahua, P, ANIO, "chihuahua", _pdf("segundo"), "firmado v2.pdf", directorio=carpeta)
    finally:
        store.close()
        reloj.fijar(previo)
    return carpeta


@pytest.fixture
def datos(_datos_base, tmp_path):
    """A data folder of its own (a copy of _datos_base: the database and the signed PDFs, whose rows
    hold paths relative to the folder) and its open store."""
    shutil.copytree(_datos_base, tmp_path, dirs_exist_ok=True)
    if EN_POSTGRES:  # the database is not a file in the folder
        copiar_base(rutas.ruta_base(_datos_base), rutas.ruta_base(tmp_path))
    store = Store(rutas.ruta_base(tmp_path))
    yield tmp_path, store
    store.close()


def _foto(store: Store) -> dict:
    return {
        "lineas": store.filas("SELECT * FROM linea ORDER BY id"),
        "versiones": store.filas("SELECT * FROM version_final_linea ORDER BY ALL"),
        "firmados": store.filas("SELECT id, ruta, sha256, vigente FROM firmado ORDER BY id"),
        "auditoria": store.filas("SELECT * FROM auditoria ORDER BY id"),
        "cuentas": store.filas("SELECT usuario, hash FROM cuenta ORDER BY usuario"),
    }


@pytest.mark.parametrize("usuario", ["chihuahua", "analista"])
def test_solo_admin_respalda(datos, usuario):
    carpeta, store = datos
    with pytest.raises(AccesoDenegado):
        respaldo.respaldar(store, cuentas.obtener(store, usuario), directorio=carpeta)
    with pytest.raises(AccesoDenegado):
        respaldo.listar(store, cuentas.obtener(store, usuario), directorio=carpeta)
    assert not respaldo.carpeta(carpeta).exists()


def test_restaurar_un_respaldo_devuelve_cada_linea_archivo_y_bitacora(datos):
    carpeta, store = datos
    admin = cuentas.obtener(store, "admin")
    antes = _foto(store)
    hecho = respaldo.respaldar(store, admin, directorio=carpeta)
    assert hecho.ruta.parent == carpeta / "respaldos" and hecho.firmados == 2
    assert hecho.tablas["linea"] == 2 and hecho.tablas["auditoria"] == len(antes["auditoria"])
    assert [r.nombre for r in respaldo.listar(store, admin, directorio=carpeta)] == [hecho.nombre]
    assert store.valor("SELECT count(*) FROM auditoria WHERE accion = 'respaldo creado' AND cuenta = 'admin'") == 1
    # Work goes on after the backup, then the server stops and the backup is restored.
    ciclo.reabrir(store, admin, ANIO, "chihuahua", "Corrección solicitada por la OOAD.")
    captura.guardar(
        store, cuentas.obtener(store, "chihuahua"), P, ANIO, "IL-CH-0002", [FilaCaptura("47.09", exc_pacientes=2)]
    )
    store.close()
    hecha = respaldo.restaurar(hecho.nombre, carpeta)

    restaurada = Store(rutas.ruta_base(carpeta))
    try:
        despues = _foto(restaurada)
        for clave in ("lineas", "versiones", "firmados", "cuentas"):
            assert despues[clave] == antes[clave], clave
        # Every audit row of the backup, in order, plus the restore itself.
        assert despues["auditoria"][: len(antes["auditoria"])] == antes["auditoria"]
        assert [f[4] for f in despues["auditoria"][len(antes["auditoria"]) :]] == ["respaldo restaurado"]
        # Every upload file is back and still matches its SHA-256.
        for id_, *_ in despues["firmados"]:
            _nombre, contenido = firmados.leer(restaurada, cuentas.obtener(restaurada, "admin"), id_, carpeta)
            assert contenido.startswith(b"%PDF-")
        # New keys continue after the restored ones (sequences came back too).
        chihuahua = cuentas.obtener(restaurada, "chihuahua")
        ciclo.reabrir(restaurada, cuentas.obtener(restaurada, "admin"), ANIO, "chihuahua", "Prueba tras restaurar.")
        captura.guardar(restaurada, chihuahua, P, ANIO, "IL-CH-0003", [FilaCaptura("47.09", exc_pacientes=1)])
        assert restaurada.valor("SELECT max(id) FROM linea") == max(f[0] for f in antes["lineas"]) + 1
    finally:
        restaurada.close()
    # What the restore replaced was kept aside, with its own manifest, and can be restored back.
    aparte = json.loads((hecha.anterior / respaldo.MANIFIESTO).read_text(encoding="utf-8"))["base"]
    assert (hecha.anterior / aparte).is_file()
    assert respaldo.verificar(hecha.anterior).tablas is None
    assert len(list((hecha.anterior / "firmados").rglob("*.pdf"))) == 2


def test_respaldo_alterado_no_se_restaura(datos):
    carpeta, store = datos
    hecho = respaldo.respaldar(store, cuentas.obtener(store, "admin"), directorio=carpeta)
    store.close()
    pdf = next((hecho.ruta / "firmados").rglob("*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"%")
    original = contenido_de_la_base(store)
    with pytest.raises(RespaldoInvalido, match="fue alterado") as exc:
        respaldo.restaurar(hecho.ruta, carpeta)
    assert "la huella SHA-256 no coincide" in str(exc.value)
    assert contenido_de_la_base(store) == original
    with pytest.raises(RespaldoInvalido, match="no es un respaldo"):
        respaldo.restaurar(carpeta / "firmados", carpeta)


def test_cli_respalda_con_el_servidor_detenido(datos, monkeypatch, capsys):
    carpeta, store = datos
    lineas = store.valor("SELECT count(*) FROM linea")
    store.close()
    monkeypatch.setenv("EYF_DATA_DIR", str(carpeta))
    assert cli.main(["respaldar"]) == 0
    hecho = respaldo.listar_carpeta(carpeta)[0]
    assert hecho.tablas["linea"] == lineas and str(hecho.ruta) in capsys.readouterr().out
    assert cli.main(["restaurar"]) == 2  # without a name: lists the backups
    assert hecho.nombre in capsys.readouterr().out
    assert cli.main(["restaurar", hecho.nombre]) == 0
    assert "Los datos anteriores se movieron a" in capsys.readouterr().out


# -- a database held by another process ------------------------------------------------------------


@pytest.fixture
def base_ocupada(datos):
    """The data folder's database held open by another process, as a running server holds it."""
    carpeta, store = datos
    store.close()
    with base_retenida(rutas.ruta_base(carpeta)):
        yield carpeta


@pytest.mark.solo_duckdb  # DuckDB's file lock; PostgreSQL: other connections (to test)
def test_segundo_store_da_el_mensaje_en_espanol(base_ocupada):
    base = rutas.ruta_base(base_ocupada)
    antes = base.read_bytes()
    with pytest.raises(BaseDeDatosOcupada) as exc:
        Store(base)
    assert str(exc.value).startswith(f"La base de datos {base} está en uso por otro proceso")
    with pytest.raises(BaseDeDatosOcupada):
        respaldo.respaldar_archivo(base_ocupada)
    assert base.read_bytes() == antes


@pytest.mark.solo_duckdb  # DuckDB's file lock; PostgreSQL: other connections (to test)
def test_restaurar_sobre_una_base_en_uso_no_toca_nada(datos, tmp_path_factory):
    carpeta, store = datos
    hecho = respaldo.respaldar(store, cuentas.obtener(store, "admin"), directorio=carpeta)
    store.close()
    base = rutas.ruta_base(carpeta)
    with base_retenida(base):
        with pytest.raises(BaseDeDatosOcupada):
            respaldo.restaurar(hecho.ruta, carpeta)
        assert base.is_file() and not list(respaldo.carpeta(carpeta).glob("antes-de-restaurar-*"))


@pytest.mark.parametrize(
    "orden",
    [
        ["preparar"],
        ["periodo", "2027", "--inicio", "01/06/2027", "--fin", "30/06/2027"],
        ["primer-admin"],
        ["respaldar"],
        ["restaurar", "20260101-000000"],
    ],
)
def test_cli_contra_una_base_en_uso_sale_con_mensaje_sin_traceback(base_ocupada, orden):
    if orden[0] == "restaurar":  # a real, valid backup: only the lock can stop it
        orden = ["restaurar", str(_respaldo_de(base_ocupada))]
    entorno = os.environ | {"EYF_DATA_DIR": str(base_ocupada), "PYTHONPATH": str(RAIZ)}
    hecho = subprocess.run(
        [sys.executable, "-m", "core.cli", *orden], cwd=RAIZ, env=entorno, capture_output=True, text=True, timeout=120
    )
    assert hecho.returncode == 2, hecho.stderr
    assert OCUPADA in hecho.stderr and hecho.stderr.startswith("Error: La base de datos")
    assert "Traceback" not in hecho.stderr + hecho.stdout


def _respaldo_de(carpeta: Path) -> Path:
    """A valid backup folder of a copy of the data, made without touching the held database."""
    copia = carpeta.parent / f"{carpeta.name}-copia"
    if not copia.exists():
        copia.mkdir()
        store = poblado(rutas.ruta_base(copia))
        try:
            respaldo.respaldar(store, cuentas.obtener(store, "admin"), directorio=copia)
        finally:
            store.close()
    return respaldo.listar_carpeta(copia)[0].ruta
