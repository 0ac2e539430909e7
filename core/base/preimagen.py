"""A copy of what a DuckDB checkpoint rewrites in place, taken just before it (InnoDB's doublewrite
buffer, applied from outside the engine), so that a process killed in the middle of that write does
not leave a database that no longer opens.

Why: a checkpoint writes new table data into free blocks, but rewrites the metadata block(s) and one
of the two database headers in place. A process killed while it writes a 256 KB metadata block can
leave that block half new, half old (the kernel ends a write to the page cache between pages when a
fatal signal is pending); the block's checksum then fails, and the header still on disk points into
it: the file no longer opens, with every acknowledged save in it. Seen in the crash test
(test_choque, DuckDB 2.0.0; 2.0.1 refuses the same file alike): "Corrupt database file: computed
checksum … in block at location 12288", block 0 being the metadata block both headers pointed into.

The pre-image (the file's three header pages and every metadata block) is written whole to
`<database>.preimagen` and renamed into place before each checkpoint of core.base.store. When the
database later fails to open, it is written back only if the file's newest valid header is still the
one the pre-image holds (so the checkpoint died before writing its own header, and every block that
header uses outside the metadata is untouched): the file is then exactly as the last completed
checkpoint left it, which holds every acknowledged save. Anything else is left alone.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

_MAGIA = b"EYF-PREIMAGEN-1\n"
_CABECERAS = 3 * 4096  # the main header and the two alternating database headers
_PAGINA = 4096


def ruta_de(base: str | Path) -> Path:
    return Path(f"{base}.preimagen")


def _suma(datos: bytes) -> int:
    """DuckDB's block checksum (src/common/checksum.cpp): 5381 xor, over each 8-byte word w, w * K."""
    palabras = np.frombuffer(datos, dtype="<u8")
    with np.errstate(over="ignore"):
        return int(np.bitwise_xor.reduce(palabras * np.uint64(0xBF58476D1CE4E5B9), initial=np.uint64(0))) ^ 5381


def _valida(pagina: bytes) -> bool:
    return len(pagina) >= 16 and _suma(pagina[8:]) == int.from_bytes(pagina[:8], "little")


@dataclass(frozen=True)
class Cabecera:
    """The newest database header whose checksum holds: the checkpoint the file currently stands on."""

    iteracion: int
    tamano_bloque: int


def cabecera_vigente(cabeceras: bytes) -> Cabecera | None:
    mejor = None
    for inicio in (_PAGINA, 2 * _PAGINA):
        pagina = cabeceras[inicio : inicio + _PAGINA]
        if not _valida(pagina):
            continue
        iteracion, _meta, _libres, _bloques, tamano = struct.unpack_from("<QQQQQ", pagina, 8)
        if mejor is None or iteracion > mejor.iteracion:
            mejor = Cabecera(iteracion, tamano)
    return mejor


def bloques_danados(f, bloques: list[int], tamano: int) -> list[int]:
    """Which of these blocks fail their checksum in the open database file `f`."""
    malos = []
    for b in bloques:
        f.seek(_CABECERAS + b * tamano)
        datos = f.read(tamano)
        if len(datos) < tamano or not _valida(datos):
            malos.append(b)
    return malos


def guardar(con, ruta: str | Path, fd: int, *, wal_confirmado: bool) -> None:
    """Before a checkpoint, under the writer lock: save the pages the checkpoint may rewrite in place.

    `fd`: a descriptor of the database file that this process keeps open for as long as DuckDB has
    the file open. DuckDB's file lock is a POSIX record lock, which the process loses when it closes
    *any* descriptor of that file: opening and closing the file here would let a second process in.
    `wal_confirmado`: the WAL may hold acknowledged saves (an earlier checkpoint failed, or the file
    was opened with a WAL); otherwise it holds only the save being checkpointed, not yet answered.
    """
    metadatos = sorted(r[0] for r in con.execute("PRAGMA metadata_info").fetchall())
    cabeceras = os.pread(fd, _CABECERAS, 0)
    vigente = cabecera_vigente(cabeceras)
    if vigente is None:
        return  # a file without a valid header yet: nothing a pre-image could restore
    partes = [(0, cabeceras)]
    for b in metadatos:
        inicio = _CABECERAS + b * vigente.tamano_bloque
        partes.append((inicio, os.pread(fd, vigente.tamano_bloque, inicio)))
    if not _valida(cabeceras[:_PAGINA]) or not all(_valida(datos) for _, datos in partes[1:]):
        # e.g. a checkpoint that failed half-way (disk full) in this process: the pre-image already
        # on disk still describes the file's header, and is the one to keep
        log.warning("Pre-image not replaced: a block of %s fails its checksum", ruta)
        return
    cuerpo = bytearray(_MAGIA)
    cuerpo += struct.pack("<?I", wal_confirmado, len(partes))
    for inicio, datos in partes:
        cuerpo += struct.pack("<QQ", inicio, len(datos)) + datos
    cuerpo += hashlib.sha256(cuerpo).digest()
    destino = ruta_de(ruta)
    temporal = destino.with_name(destino.name + ".tmp")
    try:
        with open(temporal, "wb") as f:
            f.write(cuerpo)
            f.flush()
            os.fdatasync(f.fileno())
        os.replace(temporal, destino)
    except OSError:
        temporal.unlink(missing_ok=True)  # a full disk: leave it no fuller (the earlier pre-image stays)
        raise


def _leer(destino: Path) -> tuple[bool, list[tuple[int, bytes]]] | None:
    try:
        cuerpo = destino.read_bytes()
    except OSError:
        return None
    if len(cuerpo) < len(_MAGIA) + 5 + 32 or not cuerpo.startswith(_MAGIA):
        return None
    if hashlib.sha256(cuerpo[:-32]).digest() != cuerpo[-32:]:
        return None
    fin = len(cuerpo) - 32
    try:
        wal_confirmado, n = struct.unpack_from("<?I", cuerpo, len(_MAGIA))
        pos, partes = len(_MAGIA) + 5, []
        for _ in range(n):
            inicio, largo = struct.unpack_from("<QQ", cuerpo, pos)
            pos += 16
            if pos + largo > fin:
                return None
            partes.append((inicio, cuerpo[pos : pos + largo]))
            pos += largo
    except struct.error:
        return None
    if pos != fin or not partes or partes[0][0] != 0 or len(partes[0][1]) != _CABECERAS:
        return None
    return wal_confirmado, partes


def recuperar(ruta: str | Path) -> str | None:
    """After an open that failed: write the pre-image back if it is the checkpoint the file stands on.

    Returns what was done (for the log and Administración), or None when nothing was touched. The file
    as found is kept beside it (`<database>.danada-<time>`), and so is a WAL that held only the save
    in flight when the process died (never acknowledged: dropping it is "not at all")."""
    try:
        return _recuperar(Path(ruta))
    except OSError as exc:  # unreadable, read-only, a folder, a full disk for the copy: untouched
        log.warning("The pre-image of %s could not be applied: %s", ruta, exc)
        return None


def _recuperar(ruta: Path) -> str | None:
    leido = _leer(ruta_de(ruta))
    if leido is None or not ruta.exists():
        return None
    wal_confirmado, partes = leido
    cabeceras_previas = partes[0][1]
    previa = cabecera_vigente(cabeceras_previas)
    if previa is None:
        return None
    with open(ruta, "r+b") as f:
        try:  # DuckDB's own lock: no process may have the file open while it is examined and repaired
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return None
        actuales = f.read(_CABECERAS)
        actual = cabecera_vigente(actuales)
        if actual is None or actuales[:_PAGINA] != cabeceras_previas[:_PAGINA]:
            return None  # another database, or one whose headers are unreadable: not ours to repair
        if actual.iteracion != previa.iteracion:
            return None  # a checkpoint completed after the pre-image: it no longer describes this file
        metadatos = [(inicio - _CABECERAS) // previa.tamano_bloque for inicio, _ in partes[1:]]
        paginas_danadas = [i for i in range(0, _CABECERAS, _PAGINA) if not _valida(actuales[i : i + _PAGINA])]
        if not paginas_danadas and not bloques_danados(f, metadatos, previa.tamano_bloque):
            return None  # the failure is elsewhere: the pre-image would change nothing
        sello = time.strftime("%Y%m%d-%H%M%S")
        copia = ruta.with_name(f"{ruta.name}.danada-{sello}")
        f.seek(0)
        with open(copia, "wb") as destino:  # through `f`: closing another descriptor would drop the lock
            shutil.copyfileobj(f, destino)
        for inicio, datos in partes:
            f.seek(inicio)
            f.write(datos)
        f.flush()
        os.fsync(f.fileno())
        wal = Path(f"{ruta}.wal")
        apartado = None
        if wal.exists() and not wal_confirmado:
            apartado = wal.with_name(f"{wal.name}.no-confirmado-{sello}")
            os.replace(wal, apartado)
    detalle = (
        f"La base {ruta.name} no abría: un proceso terminó a la mitad de un guardado. Se restauró el estado "
        f"del último guardado completo (copia del archivo dañado: {copia.name}"
        + (f"; el guardado interrumpido, nunca confirmado, quedó en {apartado.name}" if apartado else "")
        + ")."
    )
    log.warning(detalle)
    return detalle
