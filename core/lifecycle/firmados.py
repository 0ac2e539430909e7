"""Paso 9: the signed final report, uploaded as a PDF, checked by content, kept with its history."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj, revision_pdf, rutas
from core.base.errors import ArchivoRechazado, ErrorDominio, TransicionInvalida
from core.base.store import Store
from core.lifecycle import acciones, ciclo, folio

# The guide: "Solo se admiten archivos con formato PDF y con un peso máximo de 100 Megabytes". A MB is
# 2**20 bytes, as Windows Explorer shows sizes and as Streamlit's server counts server.maxUploadSize:
# a file of exactly 104,857,600 bytes is accepted, one byte more is refused.
MB = 1024 * 1024
TAMANO_MAXIMO = 100 * MB
# What the upload screen says, from the limits themselves.
REQUISITOS = (
    f"Solo PDF, de hasta {TAMANO_MAXIMO // MB} MB ({TAMANO_MAXIMO:,} bytes; 1 MB = {MB:,} bytes, como lo "
    f"muestra Windows) y hasta {revision_pdf.PAGINAS_MAXIMAS:,} páginas, sin contraseña. No se aceptan PDF con "
    "JavaScript, archivos adjuntos, multimedia ni formularios XFA. La revisión tarda unos segundos."
)


@dataclass(frozen=True)
class Subida:
    id: int
    paginas: int
    sha256: str
    folio_esperado: str
    folio_leido: str | None
    folio_coincide: bool | None

    def aviso(self) -> str | None:
        """What the person should know about the folio, if anything."""
        if self.folio_coincide is None:
            return (
                "El PDF no tiene texto legible (por ejemplo, un escaneo): se aceptó, pero no se pudo "
                f"comprobar su folio. El folio vigente es {self.folio_esperado}."
            )
        if not self.folio_coincide:
            return (
                f"El folio del PDF ({self.folio_leido}) no corresponde a la Versión Final vigente "
                f"({self.folio_esperado}): puede ser de otra versión o de otra OOAD/UMAE. Verifique "
                "que subió el reporte correcto."
            )
        return None


def carpeta(directorio: Path | None = None) -> Path:
    return (directorio or rutas.data_dir()) / "firmados"


def validar_pdf(datos: bytes, **limites) -> tuple[int, str]:
    """(pages, text) of a real, complete PDF without active content; raises ArchivoRechazado with the
    reason otherwise. The cheap checks run here; pypdf runs in a limited child (`core.base.revision_pdf`),
    with `limites` overriding its page, CPU, wall-clock and memory limits (tests)."""
    if not datos:
        raise ArchivoRechazado("El archivo está vacío.")
    if len(datos) > TAMANO_MAXIMO:
        raise ArchivoRechazado(
            f"El archivo pesa {len(datos):,} bytes ({len(datos) / MB:,.1f} MB); el máximo es "
            f"{TAMANO_MAXIMO // MB} MB ({TAMANO_MAXIMO:,} bytes)."
        )
    if not datos.lstrip()[:5] == b"%PDF-":
        raise ArchivoRechazado("El archivo no es un PDF (su contenido no empieza como un PDF), aunque se llame .pdf.")
    if b"%%EOF" not in datos[-2048:]:
        raise ArchivoRechazado("El PDF está incompleto o dañado (no tiene fin de archivo). Vuelva a generarlo.")
    try:
        return revision_pdf.revisar(datos, **limites)
    except revision_pdf.PdfRechazado as exc:
        raise ArchivoRechazado(str(exc)) from None


def subir(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    ooad: str,
    datos: bytes,
    nombre_original: str,
    directorio: Path | None = None,
) -> Subida:
    """Check and store a signed PDF; the OOAD/UMAE moves to `firmado`."""
    # Before reading the file (seconds for a large PDF), and again inside the transaction that stores it.
    acciones.exigir(store, cuenta, anio, ooad, acciones.SUBIR_FIRMADO)
    paginas, texto = validar_pdf(datos)
    sha = hashlib.sha256(datos).hexdigest()
    version = ciclo.estado(store, anio, ooad).version_final
    esperado = folio.calcular(store, anio, ooad, version)
    leidos = folio.buscar_en_texto(texto)
    coincide = None if not leidos else esperado in leidos
    leido = esperado if coincide else (leidos[0] if leidos else None)
    # The name on disk is ours (hash), never the user's: a name with path characters cannot escape.
    destino_rel = Path(str(anio)) / ooad / f"{sha}.pdf"
    destino = carpeta(directorio) / destino_rel
    destino.parent.mkdir(parents=True, exist_ok=True)
    temporal = destino.with_suffix(".tmp")
    temporal.write_bytes(datos)
    os.replace(temporal, destino)
    nombre = Path(nombre_original.replace("\\", "/")).name[:200] or "firmado.pdf"

    def trabajo(tx) -> int:
        acciones.exigir(store, cuenta, anio, ooad, acciones.SUBIR_FIRMADO)
        if ciclo.estado(store, anio, ooad).version_final != version:
            raise TransicionInvalida("La Versión Final cambió mientras subía el archivo; vuelva a intentarlo.")
        tx.execute("UPDATE firmado SET vigente = FALSE WHERE anio = ? AND ooad = ? AND vigente", [anio, ooad])
        nuevo = tx.execute(
            "INSERT INTO firmado (anio, ooad, version, nombre_original, ruta, sha256, bytes, paginas,"
            " folio_leido, folio_coincide, subido_en, subido_por, subido_persona)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                anio,
                ooad,
                version,
                nombre,
                str(destino_rel),
                sha,
                len(datos),
                paginas,
                leido,
                coincide,
                reloj.ahora(),
                cuenta.usuario,
                persona,
            ],
        ).fetchone()[0]
        tx.execute(
            "UPDATE declaracion SET estado = 'firmado', actualizada_en = ?, actualizada_por = ?,"
            " actualizada_persona = ? WHERE anio = ? AND ooad = ?",
            [reloj.ahora(), cuenta.usuario, persona, anio, ooad],
        )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="reporte firmado subido",
            anio=anio,
            ooad=ooad,
            objeto=nombre,
            despues={
                "sha256": sha,
                "bytes": len(datos),
                "paginas": paginas,
                "version": version,
                "folio_leido": leido,
                "folio_coincide": coincide,
            },
        )
        return nuevo

    nuevo = store.escribir(trabajo)
    return Subida(nuevo, paginas, sha, esperado, leido, coincide)


def historial(store: Store, cuenta: Cuenta | None, anio: int, ooad: str):
    """Every upload of the OOAD/UMAE in the period, newest first; `vigente` marks the current one."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    return store.df(
        "SELECT id, version, nombre_original, bytes, paginas, sha256, folio_leido, folio_coincide,"
        " subido_en, subido_por, subido_persona, vigente FROM firmado WHERE anio = ? AND ooad = ?"
        " ORDER BY id DESC",
        [anio, ooad],
    )


def leer(store: Store, cuenta: Cuenta | None, id_firmado: int, directorio: Path | None = None) -> tuple[str, bytes]:
    """(original name, bytes) of one upload, for download."""
    f = store.fila("SELECT ooad, nombre_original, ruta, sha256 FROM firmado WHERE id = ?", [id_firmado])
    if f is None:
        raise ErrorDominio("Ese archivo no existe.")
    permisos.exigir_lectura_ooad(cuenta, f[0])
    try:
        datos = (carpeta(directorio) / f[2]).read_bytes()
    except FileNotFoundError as exc:
        # The row survives a lost or partly restored signed-PDF folder; the person must learn why.
        raise ErrorDominio(
            f"El archivo firmado «{f[1]}» no se encuentra en el servidor; restaure un respaldo de la carpeta "
            "de firmados o vuelva a subirlo. Si no puede, avise a la División."
        ) from exc
    if hashlib.sha256(datos).hexdigest() != f[3]:
        raise ErrorDominio("El archivo guardado no coincide con su huella SHA-256: avise a la División.")
    return f[1], datos
