"""One check per kind of access, from the account the store knows; pages never decide alone."""

from __future__ import annotations

from dataclasses import dataclass

from core.base.errors import AccesoDenegado

ROLES = ("capturista", "analista", "admin")


@dataclass(frozen=True)
class Cuenta:
    """The logged-in account as the store knows it; never built from what a page claims."""

    usuario: str
    nombre: str
    rol: str
    ooad: str | None
    debe_cambiar: bool = False  # a new or reset password: the person must choose their own

    @property
    def es_capturista(self) -> bool:
        return self.rol == "capturista"

    @property
    def es_division(self) -> bool:
        return self.rol in ("analista", "admin")


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


def exigir_rol(cuenta: Cuenta | None, *roles: str) -> Cuenta:
    if cuenta is None:
        raise AccesoDenegado("Inicie sesión para continuar.")
    if cuenta.rol not in roles:
        raise AccesoDenegado("Su cuenta no tiene permiso para esta acción.")
    return cuenta
