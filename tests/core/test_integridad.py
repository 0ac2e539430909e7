"""The start-up integrity check: stored lines equal their audit rows, tables readable, never repaired."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.accounts import cuentas
from core.admin import integridad
from core.base import rutas
from core.base.errors import AccesoDenegado, BaseDeDatosDanada, CapturaBloqueada
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, poblado

RAIZ = Path(__file__).resolve().parents[2]


def _capturar(store, ooad="chihuahua"):
    c = cuentas.obtener(store, ooad)
    ciclo.declarar(store, c, "Ana", ANIO, "SI")
    unidad = store.valor("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 1", [ooad])
    captura.guardar(
        store,
        c,
        "Ana",
        ANIO,
        unidad,
        [
            FilaCaptura("47.01", exc_pacientes=10, exc_eventos=12),
            FilaCaptura("51.23", fal_causa="Falta de Equipo", fal_pacientes=3),
        ],
    )
    return c, unidad


def test_sin_diferencias_tras_guardar_modificar_y_borrar(store):
    c, unidad = _capturar(store)
    v = store.valor("SELECT version FROM linea WHERE unidad = ? AND producto = '47.01'", [unidad])
    captura.guardar(
        store, c, "Ana", ANIO, unidad, [FilaCaptura("47.01", v, fal_causa="Falta de Insumos", fal_pacientes=4)]
    )
    v = store.valor("SELECT version FROM linea WHERE unidad = ? AND producto = '51.23'", [unidad])
    captura.guardar(store, c, "Ana", ANIO, unidad, [FilaCaptura("51.23", v)])
    revision = integridad.revisar(store)
    assert revision.hallazgos == ()
    assert revision.lineas == 1
    assert ciclo.motivo_bloqueo(store, ANIO, "chihuahua") is None


def test_respuesta_no_que_borra_lineas_queda_en_la_bitacora(store):
    c, _ = _capturar(store)
    ciclo.declarar(store, c, "Ana", ANIO, "NO", lineas_a_borrar=2)
    assert integridad.revisar(store).hallazgos == ()


def test_linea_alterada_fuera_de_la_bitacora_bloquea_solo_su_ooad(store, cuenta):
    c, unidad = _capturar(store)
    _capturar(store, "quintana-roo")
    # What a bad WAL replay or a hand edit leaves: a stored value no one typed or audited.
    store.filas("UPDATE linea SET pacientes = 7 WHERE unidad = ? AND producto = '47.01'", [unidad])
    revision = integridad.revisar(store)
    assert len(revision.hallazgos) == 1
    h = revision.hallazgos[0]
    assert (h.tabla, h.ooad) == ("linea", "chihuahua")
    assert unidad in h.clave and "47.01" in h.clave
    assert "pacientes=7" in h.guardado and "pacientes=10" in h.auditado
    motivo = ciclo.motivo_bloqueo(store, ANIO, "chihuahua")
    assert motivo and "integridad" in motivo and "respaldo" in motivo
    with pytest.raises(CapturaBloqueada, match="integridad"):
        captura.guardar(store, c, "Ana", ANIO, unidad, [FilaCaptura("53.00", exc_pacientes=1)])
    with pytest.raises(CapturaBloqueada, match="integridad"):
        ciclo.finalizar(store, c, "Ana", ANIO)
    # The stored value is shown, never repaired.
    assert store.valor("SELECT pacientes FROM linea WHERE unidad = ? AND producto = '47.01'", [unidad]) == 7
    assert ciclo.motivo_bloqueo(store, ANIO, "quintana-roo") is None
    assert integridad.hallazgos(store, cuenta("admin")) == list(revision.hallazgos)
    for quien in ("analista", "chihuahua"):
        with pytest.raises(AccesoDenegado):
            integridad.hallazgos(store, cuenta(quien))


@pytest.mark.parametrize(
    "alteracion, detalle",
    [
        ("DELETE FROM linea WHERE producto = '51.23'", "difiere"),
        ("UPDATE linea SET causa = 'Falta de Personal' WHERE producto = '51.23'", "difiere"),
        ("UPDATE linea SET eventos = NULL WHERE producto = '47.01'", "difiere"),
        ("DELETE FROM auditoria WHERE objeto = '47.01'", "sin registro"),
    ],
)
def test_cada_tipo_de_diferencia_se_encuentra(store, alteracion, detalle):
    _capturar(store)
    store.filas(alteracion)
    hallazgos = integridad.revisar(store).hallazgos
    assert len(hallazgos) == 1, hallazgos
    assert detalle in hallazgos[0].detalle.lower() or detalle in hallazgos[0].auditado.lower()


def test_linea_que_rompe_una_regla_se_encuentra(store):
    _, unidad = _capturar(store)
    otra = store.valor("SELECT clave FROM ooad WHERE clave <> 'chihuahua' ORDER BY clave LIMIT 1")
    store.filas("UPDATE linea SET ooad = ? WHERE unidad = ? AND producto = '47.01'", [otra, unidad])
    reglas = [h for h in integridad.revisar(store).hallazgos if h.auditado == "(regla de captura)"]
    assert len(reglas) == 1 and reglas[0].ooad == otra


def _preparar(datos: Path) -> subprocess.CompletedProcess:
    """`core.cli preparar` on a data folder, as `make run` starts."""
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "preparar", "--sin-demo"],
        cwd=RAIZ,
        env={"EYF_DATA_DIR": str(datos), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _base_con_lineas(tmp_path):
    ruta = tmp_path / "eyf.duckdb"
    s = poblado(ruta)
    _capturar(s)
    s.close()
    return ruta


@pytest.mark.solo_duckdb  # damages the DuckDB file's blocks
def test_bloque_danado_no_impide_iniciar_y_se_informa(tmp_path):
    """Damage one byte at a time in each data block: opening never fails with a traceback, and a
    damaged table is reported (all OOAD/UMAE read-only) instead of surfacing later at Paso 4."""
    ruta = _base_con_lineas(tmp_path)
    pristina = tmp_path / "pristina.duckdb"
    shutil.copy(ruta, pristina)
    tamano = pristina.stat().st_size
    bloque = 256 * 1024
    encontrados = 0
    for inicio in range(3 * 4096, tamano, bloque):  # after the three header blocks, bounded by file size
        shutil.copy(pristina, ruta)
        with open(ruta, "r+b") as f:
            f.seek(inicio + 100)
            b = f.read(1)
            f.seek(inicio + 100)
            f.write(bytes([b[0] ^ 0xFF]) if b else b"\x00")
        try:
            s = Store(ruta)
        except BaseDeDatosDanada:
            continue  # the catalog itself is damaged: a Spanish message (tested below and in pages)
        try:
            hallazgos = integridad.revisar(s).hallazgos
        finally:
            s.close()
        if hallazgos:
            encontrados += 1
            assert any(h.ooad is None and h.guardado == "ilegible" for h in hallazgos) or all(
                h.tabla for h in hallazgos
            )
    assert encontrados >= 1


def test_tabla_ilegible_deja_todo_en_solo_consulta(store, monkeypatch):
    _capturar(store)
    real = store.valor

    def valor(sql, params=None):
        if 'FROM "linea"' in sql:
            raise duckdb.IOException("Corrupt database file: computed checksum does not match")
        return real(sql, params)

    monkeypatch.setattr(store, "valor", valor)
    hallazgos = integridad.revisar(store).hallazgos
    monkeypatch.undo()
    assert [h.tabla for h in hallazgos] == ["linea"] and hallazgos[0].ooad is None
    for ooad in ("chihuahua", "quintana-roo"):
        assert "integridad" in ciclo.motivo_bloqueo(store, ANIO, ooad)


@pytest.mark.solo_duckdb  # edits the DuckDB file with duckdb.connect
def test_preparar_avisa_y_termina_bien(tmp_path):
    datos = tmp_path / "datos"
    datos.mkdir()
    ruta = _base_con_lineas(tmp_path)
    shutil.move(ruta, rutas.ruta_base(datos))
    con = duckdb.connect(str(rutas.ruta_base(datos)))
    con.execute("UPDATE linea SET pacientes = pacientes + 1 WHERE producto = '47.01'")
    con.close()
    r = _preparar(datos)
    assert r.returncode == 0, r.stderr
    assert "ATENCIÓN" in r.stderr and "47.01" in r.stderr and "core.cli restaurar" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.solo_duckdb  # a file that is not DuckDB
def test_un_archivo_que_no_abre_es_un_mensaje_y_no_una_traza(tmp_path):
    datos = tmp_path / "datos"
    datos.mkdir()
    rutas.ruta_base(datos).write_bytes(b"no es DuckDB" * 5000)
    with pytest.raises(BaseDeDatosDanada, match="core.cli restaurar"):
        Store(rutas.ruta_base(datos))
    r = _preparar(datos)
    assert r.returncode == 2
    assert "No se pudo abrir la base de datos" in r.stderr and "Traceback" not in r.stderr
