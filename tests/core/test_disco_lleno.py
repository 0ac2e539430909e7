"""A disk that fills up while people save: every save either is acknowledged and then survives a
restart exactly, or fails whole with nothing of it stored; the database opens again once there is room.

A real filesystem, not an injected error: a small tmpfs (needs root, as CI runs), filled with a file
and then given back a few kilobytes at a time, so that a save fails at different points (the WAL, the
checkpoint's pre-image, the checkpoint itself).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from core.accounts import cuentas
from core.base import preimagen
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, poblado

pytestmark = pytest.mark.solo_duckdb

OOAD = "chihuahua"
LIBRES_KB = [0, 0, 4, 16, 64, 128, 256, 512, 1024, 4096]  # room given back before each save


@pytest.fixture
def disco(tmp_path):
    punto = tmp_path / "disco"
    punto.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(punto)], capture_output=True, text=True)
    if r.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"no se pudo montar un tmpfs (CI corre como root): {r.stderr}")
        pytest.skip("montar un tmpfs necesita root")
    try:
        yield punto
    finally:
        subprocess.run(["umount", "-l", str(punto)], check=False)


def _llenar(relleno: Path) -> None:
    with open(relleno, "ab") as f:
        bloque = b"\0" * 65536
        try:
            while True:
                f.write(bloque)
                f.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


def test_un_disco_lleno_nunca_pierde_ni_altera_lo_confirmado(tmp_path, disco, caplog):
    plantilla = poblado(tmp_path / "plantilla.duckdb")
    plantilla.close()
    base = disco / "eyf.duckdb"
    shutil.copyfile(tmp_path / "plantilla.duckdb", base)
    s = Store(base)
    c = cuentas.obtener(s, OOAD)
    ciclo.declarar(s, c, "Persona", ANIO, "SI")
    unidad = s.valor("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 1", [OOAD])
    productos = [
        p for (p,) in s.filas("SELECT clave FROM producto WHERE activo ORDER BY clave LIMIT ?", [len(LIBRES_KB)])
    ]
    relleno = disco / "relleno"
    _llenar(relleno)
    confirmados, fallidos = {}, []
    for i, (producto, libres) in enumerate(zip(productos, LIBRES_KB, strict=True)):
        tamano = relleno.stat().st_size
        os.truncate(relleno, max(0, tamano - libres * 1024))
        try:
            captura.guardar(s, c, "Persona", ANIO, unidad, [FilaCaptura(producto, exc_pacientes=str(10 + i))])
        except (duckdb.Error, OSError) as exc:  # the page shows «el disco del servidor está lleno»
            fallidos.append((producto, type(exc).__name__))
        else:
            confirmados[producto] = 10 + i
    assert not list(disco.glob("*.tmp")), "a pre-image's temporary file left on the full disk"
    relleno.unlink()
    # Once there is room again the same server saves again, unrestarted (DuckDB invalidates the
    # database after a checkpoint that ran out of disk; the store opens it again).
    ultimo = productos[-1] if productos[-1] not in confirmados else productos[0]
    captura.guardar(s, c, "Persona", ANIO, unidad, [FilaCaptura(ultimo, exc_pacientes="99")])
    confirmados[ultimo] = 99
    fallidos = [(p, e) for p, e in fallidos if p != ultimo]
    assert (
        s.valor("SELECT pacientes FROM linea WHERE anio = ? AND unidad = ? AND producto = ?", [ANIO, unidad, ultimo])
        == 99
    )
    s.close()

    s = Store(base)  # and after a restart
    guardadas = dict(s.filas("SELECT producto, pacientes FROM linea WHERE anio = ? AND unidad = ?", [ANIO, unidad]))
    s.close()
    assert {p: guardadas.get(p) for p in confirmados} == confirmados
    assert not {p for p, _ in fallidos} & set(guardadas), "a save that failed left something stored"
    assert confirmados, "no save went through: the disk was never given back enough room"
    assert fallidos, "no save failed: the disk was never full"
    assert "reopened after DuckDB invalidated it" in caplog.text  # a checkpoint did run out of disk
    assert preimagen.ruta_de(base).exists()
