"""A process killed in the middle of a checkpoint's in-place write leaves a file that opens again, with
every acknowledged save and without the one in flight (core.base.preimagen).

The kill is emulated byte for byte: the file after a real checkpoint, except that the header is still
the previous checkpoint's and the metadata block is new only up to some page (what the kernel leaves
when a fatal signal ends a 256 KB write between pages). The real kills are test_choque's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from core.accounts import cuentas
from core.base import preimagen
from core.base.errors import BaseDeDatosDanada
from core.base.store import Store
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, poblado

pytestmark = pytest.mark.solo_duckdb

OOAD = "chihuahua"
CABECERAS = 3 * 4096
BLOQUE = 262144


def _lineas(ruta: Path) -> dict:
    con = duckdb.connect(str(ruta), read_only=True)
    try:
        return {
            (u, p): (t, n)
            for u, p, t, n in con.execute("SELECT unidad, producto, tipo, pacientes FROM linea").fetchall()
        }
    finally:
        con.close()


def _guardar(s: Store, unidad: str, producto: str, pacientes: str) -> None:
    c = cuentas.obtener(s, OOAD)
    version = s.valor(
        "SELECT version FROM linea WHERE anio = ? AND unidad = ? AND producto = ?", [ANIO, unidad, producto]
    )
    captura.guardar(s, c, "Persona", ANIO, unidad, [FilaCaptura(producto, version, exc_pacientes=pacientes)])


def interrumpir_checkpoint(ruta: Path, escribir, pagina: int | None = None, *, wal_confirmado: bool = False) -> None:
    """Leave the database `ruta` as a kill leaves it inside the checkpoint after `escribir(store)` (that
    write committed, in the WAL, never acknowledged): the header not yet written and each metadata
    block new only in its first `pagina` pages (None: up to its first changed page after the one
    holding the checksum, so that the block is surely torn)."""
    s = Store(ruta)
    antes = ruta.read_bytes()
    s._asentar_escrituras = False  # commits to the WAL only, like any save before its checkpoint
    escribir(s)
    wal = Path(f"{ruta}.wal").read_bytes()
    s._asentar_escrituras = True
    s._wal_confirmado = wal_confirmado
    s._asentar()  # the pre-image of `antes`, then the checkpoint that the kill interrupts
    despues = ruta.read_bytes()
    s.close()
    assert antes[:CABECERAS] != despues[:CABECERAS], "the checkpoint wrote a new header"
    roto = bytearray(despues)
    roto[:CABECERAS] = antes[:CABECERAS]  # killed before the header was written
    for b, *_ in _metadatos(ruta):
        inicio = CABECERAS + b * BLOQUE
        paginas = [inicio + 4096 * k for k in range(BLOQUE // 4096)]
        corte = pagina
        if corte is None:
            cambiadas = [k for k, x in enumerate(paginas) if k and antes[x : x + 4096] != despues[x : x + 4096]]
            corte = cambiadas[0] if cambiadas else BLOQUE // 4096
        roto[inicio + 4096 * corte : inicio + BLOQUE] = antes[inicio + 4096 * corte : inicio + BLOQUE]
    ruta.write_bytes(bytes(roto))
    Path(f"{ruta}.wal").write_bytes(wal)
    with pytest.raises(duckdb.Error, match="(?i)corrupt|checksum"):  # what it was without the pre-image
        duckdb.connect(str(ruta), read_only=True).close()


def _checkpoint_interrumpido(tmp_path: Path, pagina: int, *, wal_confirmado: bool = False) -> dict:
    """Save A (5 patients) acknowledged, then save B (7) killed inside its checkpoint."""
    ruta = tmp_path / "eyf.duckdb"
    s = poblado(ruta)
    ciclo.declarar(s, cuentas.obtener(s, OOAD), "Persona", ANIO, "SI")
    unidad = s.valor("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 1", [OOAD])
    _guardar(s, unidad, "47.01", "5")
    s.close()
    interrumpir_checkpoint(ruta, lambda s: _guardar(s, unidad, "47.01", "7"), pagina, wal_confirmado=wal_confirmado)
    return {"ruta": ruta, "unidad": unidad}


def _metadatos(ruta: Path) -> list:
    copia = ruta.with_name("metadatos.duckdb")
    shutil.copyfile(ruta, copia)
    con = duckdb.connect(str(copia), read_only=True)
    try:
        return con.execute("PRAGMA metadata_info").fetchall()
    finally:
        con.close()
        copia.unlink()


@pytest.mark.parametrize("pagina", [1, 8, None])
def test_un_checkpoint_interrumpido_se_recupera_con_lo_confirmado(tmp_path, pagina):
    caso = _checkpoint_interrumpido(tmp_path, pagina)
    ruta = caso["ruta"]
    s = Store(ruta)
    assert s.recuperacion and "último guardado completo" in s.recuperacion
    assert s.valor("SELECT pacientes FROM linea WHERE unidad = ? AND producto = '47.01'", [caso["unidad"]]) == 5
    s.close()
    # the file as found and the WAL of the save in flight are kept beside it, never acknowledged
    assert len(list(tmp_path.glob("eyf.duckdb.danada-*"))) == 1
    assert len(list(tmp_path.glob("eyf.duckdb.wal.no-confirmado-*"))) == 1
    assert _lineas(ruta)[(caso["unidad"], "47.01")] == ("Excedente", 5)


def test_sin_preimagen_la_base_danada_da_un_mensaje(tmp_path):
    ruta = _checkpoint_interrumpido(tmp_path, None)["ruta"]
    preimagen.ruta_de(ruta).unlink()
    with pytest.raises(BaseDeDatosDanada, match="restaure un respaldo"):
        Store(ruta)
    assert not list(tmp_path.glob("eyf.duckdb.danada-*"))


def test_una_preimagen_alterada_no_se_aplica(tmp_path):
    ruta = _checkpoint_interrumpido(tmp_path, None)["ruta"]
    datos = bytearray(preimagen.ruta_de(ruta).read_bytes())
    datos[len(datos) // 2] ^= 0xFF
    preimagen.ruta_de(ruta).write_bytes(bytes(datos))
    original = ruta.read_bytes()
    with pytest.raises(BaseDeDatosDanada):
        Store(ruta)
    assert ruta.read_bytes() == original


def test_una_preimagen_de_un_checkpoint_anterior_no_se_aplica(tmp_path):
    """A pre-image older than the header on disk would bring back an old state: never applied."""
    caso = _checkpoint_interrumpido(tmp_path, None)
    ruta = caso["ruta"]
    vieja = preimagen.ruta_de(ruta).read_bytes()
    s = Store(ruta)  # recovers, then one more acknowledged save moves the header on
    _guardar(s, caso["unidad"], "47.01", "9")
    s.close()
    preimagen.ruta_de(ruta).write_bytes(vieja)
    datos = bytearray(ruta.read_bytes())
    for b, *_ in _metadatos(ruta):
        datos[CABECERAS + b * BLOQUE + 100] ^= 0xFF  # a damaged metadata block, by any cause
    ruta.write_bytes(bytes(datos))
    with pytest.raises(BaseDeDatosDanada):
        Store(ruta)


def test_el_wal_con_guardados_confirmados_se_conserva(tmp_path):
    """When an earlier checkpoint failed, acknowledged saves live in the WAL: recovery replays it."""
    caso = _checkpoint_interrumpido(tmp_path, None, wal_confirmado=True)
    s = Store(caso["ruta"])
    assert s.recuperacion and "no-confirmado" not in s.recuperacion
    assert s.valor("SELECT pacientes FROM linea WHERE unidad = ? AND producto = '47.01'", [caso["unidad"]]) == 7
    s.close()


def test_un_checkpoint_fallido_marca_el_wal_como_confirmado(tmp_path, monkeypatch):
    s = poblado(tmp_path / "eyf.duckdb")
    guardar = preimagen.guardar

    def disco_lleno(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(preimagen, "guardar", disco_lleno)
    ciclo.declarar(s, cuentas.obtener(s, OOAD), "Persona", ANIO, "SI")  # acknowledged, in the WAL only
    assert Path(f"{s.ruta}.wal").stat().st_size > 0
    monkeypatch.setattr(preimagen, "guardar", guardar)
    unidad = s.valor("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 1", [OOAD])
    _guardar(s, unidad, "47.01", "5")
    assert preimagen.ruta_de(s.ruta).read_bytes()[len(b"EYF-PREIMAGEN-1\n")] == 1
    _guardar(s, unidad, "47.01", "6")  # the WAL was checkpointed: only the save in flight again
    assert preimagen.ruta_de(s.ruta).read_bytes()[len(b"EYF-PREIMAGEN-1\n")] == 0
    s.close()


def test_cada_checkpoint_deja_su_preimagen(tmp_path):
    s = poblado(tmp_path / "eyf.duckdb")
    ciclo.declarar(s, cuentas.obtener(s, OOAD), "Persona", ANIO, "SI")
    previa = preimagen.ruta_de(s.ruta).read_bytes()
    cabeceras = Path(s.ruta).read_bytes()[:CABECERAS]
    unidad = s.valor("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 1", [OOAD])
    _guardar(s, unidad, "47.01", "5")
    nueva = preimagen.ruta_de(s.ruta).read_bytes()
    assert nueva != previa and cabeceras in nueva  # the headers the checkpoint was about to replace
    s.close()
    assert not list(tmp_path.glob("*.tmp"))


def test_un_bloque_ya_danado_no_reemplaza_la_preimagen_buena(tmp_path):
    """After a checkpoint that failed half-way in this process, the file may hold a damaged metadata
    block: the next pre-image must not copy it over the good one."""
    s = poblado(tmp_path / "eyf.duckdb")
    buena = preimagen.ruta_de(s.ruta).read_bytes()
    (b, *_), *_ = s.filas("PRAGMA metadata_info")
    with open(s.ruta, "r+b") as f:  # (this test's own descriptor: DuckDB's lock no longer matters here)
        f.seek(CABECERAS + b * BLOQUE + 5000)
        f.write(b"\xff" * 8)
    with s.cursor() as cur:
        preimagen.guardar(cur, s.ruta, s._fd, wal_confirmado=False)
    assert preimagen.ruta_de(s.ruta).read_bytes() == buena
    s.close()


def test_preparar_recupera_y_lo_dice(tmp_path):
    """`make run`'s first command on a file a killed server left torn: it starts, and says so."""
    from core.base import rutas
    from tests.core.test_integridad import _preparar

    caso = _checkpoint_interrumpido(tmp_path, None)
    datos = tmp_path / "datos"
    datos.mkdir()
    for nombre in ("eyf.duckdb", "eyf.duckdb.wal", "eyf.duckdb.preimagen"):
        shutil.move(tmp_path / nombre, datos / nombre.replace("eyf.duckdb", rutas.ruta_base(datos).name))
    r = _preparar(datos)
    assert r.returncode == 0, r.stderr
    assert "ATENCIÓN" in r.stderr and "último guardado completo" in r.stderr and "Traceback" not in r.stderr
    con = duckdb.connect(str(rutas.ruta_base(datos)), read_only=True)
    try:
        assert con.execute(
            "SELECT pacientes FROM linea WHERE unidad = ? AND producto = '47.01'", [caso["unidad"]]
        ).fetchone() == (5,)
        assert con.execute("SELECT count(*) FROM auditoria WHERE accion = 'base recuperada'").fetchone() == (1,)
    finally:
        con.close()


def test_una_preimagen_malformada_con_huella_valida_no_se_aplica(tmp_path):
    """A pre-image whose SHA-256 holds but whose parts do not (written by something else): ignored,
    the same Spanish message, never a struct error."""
    import hashlib
    import struct

    ruta = _checkpoint_interrumpido(tmp_path, None)["ruta"]
    for cuerpo in (
        b"EYF-PREIMAGEN-1\n" + struct.pack("<?I", False, 3),
        b"EYF-PREIMAGEN-1\n" + struct.pack("<?I", False, 1) + struct.pack("<QQ", 0, 10**9),
    ):
        preimagen.ruta_de(ruta).write_bytes(cuerpo + hashlib.sha256(cuerpo).digest())
        with pytest.raises(BaseDeDatosDanada):
            Store(ruta)


def test_una_base_que_no_se_puede_reparar_da_el_mismo_mensaje(tmp_path):
    """The file cannot even be opened for the repair (here a folder where the database was): the same
    Spanish message, never a raw OSError."""
    ruta = _checkpoint_interrumpido(tmp_path, None)["ruta"]
    ruta.unlink()
    ruta.mkdir()
    with pytest.raises(BaseDeDatosDanada, match="restaure un respaldo"):
        Store(ruta)
