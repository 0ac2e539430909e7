"""One check per kind of access, from the account the store knows; pages never decide alone."""

from __future__ import annotations

from core.cuentas import Cuenta
from core.errors import AccesoDenegado


def exigir_sesion(cuenta: Cuenta | None) -> Cuenta:
    if cuenta is None:
        raise AccesoDenegado("Inicie sesión para continuar.")
    return cuenta


def exigir_lectura_ooad(cuenta: Cuenta | None, ooad: str) -> Cuenta:
    """The division reads every OOAD/UMAE; a capturista only its own."""
    cuenta = exigir_sesion(cuenta)
    if cuenta.es_division or (cuenta.es_capturista and cuenta.ooad == ooad):
        return cuenta
    raise AccesoDenegado("Su cuenta solo puede consultar la información de su propia OOAD/UMAE.")


def exigir_captura_ooad(cuenta: Cuenta | None, ooad: str) -> Cuenta:
    """Only the OOAD/UMAE's own capturistas write its declaration and lines."""
    cuenta = exigir_sesion(cuenta)
    if not cuenta.es_capturista:
        raise AccesoDenegado("Solo el personal de la OOAD/UMAE captura información; su cuenta es de consulta.")
    if cuenta.ooad != ooad:
        raise AccesoDenegado("Su cuenta solo puede capturar información de su propia OOAD/UMAE.")
    return cuenta


def exigir_division(cuenta: Cuenta | None, *, admin: bool = False) -> Cuenta:
    cuenta = exigir_sesion(cuenta)
    if (admin and cuenta.rol != "admin") or not cuenta.es_division:
        raise AccesoDenegado("Esta sección es exclusiva de la División.")
    return cuenta
