"""Named domain errors; each carries the Spanish message shown to the user."""

from __future__ import annotations


class ErrorDominio(Exception):
    """A rule refused the action; `str(error)` is the message for the user."""


class BaseDeDatosOcupada(ErrorDominio):
    """Another process holds the database file."""

    def __init__(self, ruta: str):
        super().__init__(
            f"La base de datos {ruta} está en uso por otro proceso (¿hay otro servidor o tarea "
            "en ejecución?). Deténgalo antes de volver a intentar."
        )


class BaseNoPreparada(ErrorDominio):
    """A replica on PostgreSQL found the schema behind: `core.cli preparar` has not run."""

    def __init__(self, faltan: list[str]):
        super().__init__(
            f"La base de datos PostgreSQL no está preparada (faltan {len(faltan):,} cambio(s) de esquema). "
            "Ejecute primero «python -m core.cli preparar» con la misma EYF_DATABASE_URL."
        )


class BaseDeDatosDanada(ErrorDominio):
    """The database file cannot be opened: damaged, or not a DuckDB file."""

    def __init__(self, ruta: str, detalle: str):
        super().__init__(
            f"No se pudo abrir la base de datos {ruta}: el archivo está dañado o no se puede leer ({detalle}). "
            "No se guardó ni se cambió nada. Detenga el servidor y restaure un respaldo: "
            "«.venv/bin/python -m core.cli restaurar» lista los respaldos y "
            "«.venv/bin/python -m core.cli restaurar <nombre>» restaura uno; después inicie de nuevo."
        )


class AccesoDenegado(ErrorDominio):
    """The account may not do this (role, OOAD/UMAE scope)."""


class CredencialesInvalidas(ErrorDominio):
    """Wrong user or password, or a disabled account."""


class CapturaBloqueada(ErrorDominio):
    """The OOAD/UMAE cannot change its capture now (finalized, window closed, period closed)."""


class NoEncontrado(ErrorDominio):
    """A key that does not exist in the catalog or the store."""


class TransicionInvalida(ErrorDominio):
    """A lifecycle step that does not apply in the current state."""


class CapturaInvalida(ErrorDominio):
    """A save with rows that break the capture rules; nothing of it was stored."""

    def __init__(self, errores: list[str]):
        self.errores = errores
        super().__init__("No se guardó nada: corrija lo siguiente.\n" + "\n".join(f"• {e}" for e in errores))


class ConflictoEdicion(ErrorDominio):
    """Rows changed by someone else since this person loaded them; nothing was stored."""

    def __init__(self, productos: list[str]):
        self.productos = productos
        super().__init__(
            "No se guardó nada: otra persona modificó estas líneas después de que usted las "
            "cargó. Estas líneas muestran ahora lo que guardó esa persona; sus demás cambios "
            "siguen sin guardar y puede guardarlos de nuevo.\n" + "\n".join(f"• {p}" for p in productos)
        )


class AccesoBloqueado(CredencialesInvalidas):
    """Too many failed logins: the account waits or is locked until a given moment."""


class ArchivoRechazado(ErrorDominio):
    """The uploaded file is not an acceptable PDF; nothing was stored."""


class RespaldoInvalido(ErrorDominio):
    """A backup folder that is incomplete, altered or not a backup; nothing was restored."""


class CatalogoInvalido(ErrorDominio):
    """The catalog has errors; `.errores` lists them (Spanish, each naming file and line)."""

    def __init__(self, errores: list[str]):
        self.errores = list(errores)
        n = len(self.errores)
        cabeza = "El catálogo tiene 1 error:" if n == 1 else f"El catálogo tiene {n} errores:"
        super().__init__(cabeza + "\n" + "\n".join(f"- {e}" for e in self.errores))


class SolicitudInvalida(ErrorDominio):
    """A request (or a decision on one) with missing or wrong data; nothing was stored."""


class ImportacionInvalida(ErrorDominio):
    """The file cannot be imported; `.errores` lists every problem. Nothing was written."""

    def __init__(self, archivo: str, errores: list[str]):
        self.archivo = archivo
        self.errores = list(errores)
        n = len(self.errores)
        cabeza = "1 error" if n == 1 else f"{n:,} errores"
        super().__init__(
            f"No se importó nada: el archivo «{archivo}» tiene {cabeza}.\n" + "\n".join(f"• {e}" for e in self.errores)
        )


class CatalogoCambiado(ErrorDominio):
    """The catalog changed between the preview and its application; nothing was written."""


class CantidadInvalida(ErrorDominio):
    """A quantity that is not a whole number as the capture rules read it (message: the rule broken)."""


class ConfirmacionPendiente(ErrorDominio):
    """A save with outlying figures the person has not confirmed yet; nothing of it was stored.
    `.avisos` are the warnings (core.capture.atipicos.Aviso), each with its Spanish message."""

    def __init__(self, avisos: list):
        self.avisos = avisos
        super().__init__(
            "No se guardó nada todavía: confirme estas cifras poco habituales o corríjalas.\n"
            + "\n".join(f"• {a.mensaje}" for a in avisos)
        )


class PdfRechazado(ErrorDominio):
    """The sandboxed check refused an uploaded PDF; the message says why, in Spanish (firmados
    turns it into ArchivoRechazado)."""


class PlantillaInvalida(ErrorDominio):
    """An uploaded capture template that cannot be read or has rows that break the capture rules.

    `.problemas` holds (row, column, message): row None for the file as a whole, column None for the
    whole row. Nothing was written."""

    def __init__(self, archivo: str, problemas: list[tuple[int | None, str | None, str]], maximo: int = 200):
        self.archivo = archivo
        self.problemas = list(problemas)
        self.errores = [_donde(fila, columna) + mensaje for fila, columna, mensaje in self.problemas]
        n = len(self.errores)
        cabeza = "1 problema" if n == 1 else f"{n:,} problemas"
        lista = self.errores[:maximo]
        if n > maximo:
            lista.append(f"… y {n - maximo:,} más (se muestran los primeros {maximo:,}).")
        super().__init__(
            f"No se guardó nada: el archivo «{archivo}» tiene {cabeza}; corríjalo(s) y súbalo de nuevo.\n"
            + "\n".join(f"• {e}" for e in lista)
        )


def _donde(fila: int | None, columna: str | None) -> str:
    if fila is None:
        return ""
    return f"Fila {fila:,}, columna «{columna}»: " if columna else f"Fila {fila:,}: "


class PlantillaEnConflicto(ErrorDominio):
    """Lines changed by someone else after the template was downloaded; nothing of the upload was written."""

    def __init__(self, lineas: list[str]):
        self.lineas = list(lineas)
        super().__init__(
            "No se guardó nada: estas líneas cambiaron después de que usted descargó la plantilla. "
            "Descargue la plantilla de nuevo (ya trae lo guardado), pase a ella sus cambios y súbala otra vez.\n"
            + "\n".join(f"• {p}" for p in self.lineas)
        )


class AnalisisDemasiadoGrande(ErrorDominio):
    """An análisis request whose estimated memory is over the server's budget."""


class ExportacionDemasiadoGrande(ErrorDominio):
    """A full export in a format that cannot hold that many lines (Excel's row limit)."""


class AnalisisEnCurso(ErrorDominio):
    """Another heavy análisis holds this server process's turn for longer than a request waits."""
