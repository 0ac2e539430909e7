"""Accounts: who may log in, with which role and OOAD/UMAE. Only bcrypt hashes are stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import bcrypt

from core import auditoria, reloj
from core.errors import AccesoDenegado, CredencialesInvalidas, ErrorDominio, NoEncontrado
from core.store import Store

ROLES = ("capturista", "analista", "admin")

# How an OOAD/UMAE is named on screen: "OOAD Chihuahua", but a UMAE's name already says UMAE.
ETIQUETA_OOAD = "CASE WHEN {o}.tipo = 'OOAD' THEN 'OOAD ' || {o}.nombre ELSE {o}.nombre END"

# bcrypt cost 12 (~0.25 s a hash here): slow enough against guessing, fast enough for a login.
BCRYPT_COSTO = 12


@dataclass(frozen=True)
class Cuenta:
    """The logged-in account as the store knows it; never built from what a page claims."""

    usuario: str
    nombre: str
    rol: str
    ooad: str | None

    @property
    def es_capturista(self) -> bool:
        return self.rol == "capturista"

    @property
    def es_division(self) -> bool:
        return self.rol in ("analista", "admin")


def hash_password(password: str, costo: int = BCRYPT_COSTO) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=costo)).decode("ascii")


def _verificar(password: str, hash_: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode("utf-8"), hash_.encode("ascii"))
    except ValueError:
        return False


def crear(
    store: Store,
    usuario: str,
    nombre: str,
    rol: str,
    ooad: str | None = None,
    *,
    password: str | None = None,
    hash_: str | None = None,
    debe_cambiar: bool = False,
    actor: str | None = None,
) -> None:
    """Create an account from a password or an existing hash (demo accounts share one hash)."""
    usuario = usuario.strip().lower()
    if rol not in ROLES:
        raise ErrorDominio(f"Rol desconocido: {rol}.")
    if (rol == "capturista") != (ooad is not None):
        raise ErrorDominio("Una cuenta capturista pertenece a una OOAD/UMAE; las demás a ninguna.")
    if hash_ is None:
        if not password:
            raise ErrorDominio("La contraseña no puede estar vacía.")
        hash_ = hash_password(password)
    with store.transaction() as tx:
        if ooad is not None and tx.execute("SELECT 1 FROM ooad WHERE clave = ?", [ooad]).fetchone() is None:
            raise NoEncontrado(f"La OOAD/UMAE '{ooad}' no existe.")
        if tx.execute("SELECT 1 FROM cuenta WHERE usuario = ?", [usuario]).fetchone():
            raise ErrorDominio(f"La cuenta '{usuario}' ya existe.")
        tx.execute(
            "INSERT INTO cuenta (usuario, nombre, rol, ooad, hash, debe_cambiar, creada_en)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [usuario, nombre, rol, ooad, hash_, debe_cambiar, reloj.ahora()],
        )
        auditoria.registrar(
            tx, cuenta=actor, persona=None, accion="cuenta creada", ooad=ooad, objeto=usuario,
            despues={"usuario": usuario, "nombre": nombre, "rol": rol, "ooad": ooad},
        )


def crear_primer_admin(store: Store, usuario: str = "admin") -> str:
    """Leave demo mode: replace every account by one admin with a one-time password."""
    password = secrets.token_urlsafe(12)
    with store.transaction() as tx:
        tx.execute("DELETE FROM cuenta")
        tx.execute("INSERT OR REPLACE INTO ajuste VALUES ('demo', 'no')")
        auditoria.registrar(tx, cuenta=None, persona=None, accion="modo demo desactivado")
        crear(store, usuario, "Administrador", "admin", password=password, debe_cambiar=True)
    return password


def obtener(store: Store, usuario: str | None) -> Cuenta | None:
    """The active account named `usuario`, as the store holds it."""
    if not usuario:
        return None
    fila = store.fila(
        "SELECT usuario, nombre, rol, ooad FROM cuenta WHERE usuario = ? AND activa",
        [usuario.strip().lower()],
    )
    return Cuenta(*fila) if fila else None


def autenticar(store: Store, usuario: str, password: str) -> Cuenta:
    """Check a password; every attempt, good or bad, is recorded in the audit trail."""
    usuario = (usuario or "").strip().lower()
    fila = store.fila("SELECT hash, activa FROM cuenta WHERE usuario = ?", [usuario])
    ok = fila is not None and fila[1] and _verificar(password or "", fila[0])
    with store.transaction() as tx:
        auditoria.registrar(
            tx, cuenta=usuario or None, persona=None,
            accion="inicio de sesión" if ok else "inicio de sesión fallido",
        )
    if not ok:
        raise CredencialesInvalidas("Usuario o contraseña incorrectos.")
    cuenta = obtener(store, usuario)
    assert cuenta is not None
    return cuenta


def credenciales_para_login(store: Store) -> dict:
    """The dict streamlit-authenticator expects (it mutates it: callers pass a fresh one)."""
    usuarios = {}
    for usuario, nombre, rol, hash_ in store.filas(
        "SELECT usuario, nombre, rol, hash FROM cuenta WHERE activa ORDER BY usuario"
    ):
        usuarios[usuario] = {
            "name": nombre, "password": hash_, "roles": [rol],
            "email": f"{usuario}@cuentas.local", "first_name": nombre, "last_name": "",
        }
    return {"usernames": usuarios}


def opciones_acceso(store: Store) -> list[tuple[str, str]]:
    """(usuario, label) for Paso 1's searchable list: OOAD/UMAE in tablero order, then the division."""
    filas = store.filas(
        "SELECT c.usuario, CASE WHEN c.rol = 'capturista' THEN " + ETIQUETA_OOAD.format(o='o') +
        " WHEN c.rol = 'admin' THEN 'División — Administración (' || c.usuario || ')'"
        " ELSE 'División — Análisis (' || c.usuario || ')' END"
        " FROM cuenta c LEFT JOIN ooad o ON o.clave = c.ooad WHERE c.activa"
        " ORDER BY c.rol <> 'capturista', o.numero, c.usuario"
    )
    return [(u, e) for u, e in filas]


def exigir_rol(cuenta: Cuenta | None, *roles: str) -> Cuenta:
    if cuenta is None:
        raise AccesoDenegado("Inicie sesión para continuar.")
    if cuenta.rol not in roles:
        raise AccesoDenegado("Su cuenta no tiene permiso para esta acción.")
    return cuenta
