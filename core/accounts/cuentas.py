"""Accounts: who may log in, with which role and OOAD/UMAE. Only bcrypt hashes are stored.

Login goes through `iniciar_sesion`: one password check, where failures per account slow the
next attempt down and then lock the account for a while, all in the audit trail. A good password
opens a server-side session (table `sesion`): the browser's cookie carries only a random token,
checked here on every script run, so logging out, a password change or reset, or disabling the
account ends every copy of that cookie at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass

import bcrypt
import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import ROLES, Cuenta
from core.base import auditoria, reloj
from core.base.errors import AccesoBloqueado, AccesoDenegado, CredencialesInvalidas, ErrorDominio, NoEncontrado
from core.base.store import Store, bloquear_clave
from core.base.texto import exigir_caracteres, exigir_texto

# How an OOAD/UMAE is named on screen: "OOAD Chihuahua", but a UMAE's name already says UMAE.
ETIQUETA_OOAD = "CASE WHEN {o}.tipo = 'OOAD' THEN 'OOAD ' || {o}.nombre ELSE {o}.nombre END"

# bcrypt cost 12 (~0.25 s a hash here): slow enough against guessing, fast enough for a login.
BCRYPT_COSTO = 12

# Lockout. From the 3rd consecutive failure the next attempt must wait (5 s, then 30 s); the 5th
# locks the account for 15 minutes: a person who mistypes is barely slowed, while guessing a
# password at 5 tries per quarter hour takes years. Failures older than the window are forgotten.
ESPERAS_SEGUNDOS = {3: 5, 4: 30}
INTENTOS_MAXIMOS = 5
BLOQUEO = dt.timedelta(minutes=15)
VENTANA_FALLOS = dt.timedelta(minutes=15)

# Passwords people choose: long enough to resist guessing within the lockout's pace.
LONGITUD_MINIMA = 10
# An account's name, and the name and post a capturista gives for a session (shared OOAD/UMAE
# password): one line each, as the audit trail and the reports print them.
NOMBRE_MAXIMO = PERSONA_MAXIMO = 120
_USUARIO = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")


def hash_password(password: str, costo: int | None = None) -> str:
    # The cost is read at call time, so tests can lower it for speed.
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds=costo or BCRYPT_COSTO)).decode("ascii")


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
    nombre = exigir_texto(nombre, "Nombre de la cuenta", NOMBRE_MAXIMO)
    if rol not in ROLES:
        raise ErrorDominio(f"Rol desconocido: {rol}.")
    if (rol == "capturista") != (ooad is not None):
        raise ErrorDominio("Una cuenta capturista pertenece a una OOAD/UMAE; las demás a ninguna.")
    if hash_ is None:
        if not password:
            raise ErrorDominio("La contraseña no puede estar vacía.")
        hash_ = hash_password(password)
    with store.transaction() as tx:
        bloquear_clave(tx, "cuenta:" + usuario)
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
            tx,
            cuenta=actor,
            persona=None,
            accion="cuenta creada",
            ooad=ooad,
            objeto=usuario,
            despues={"usuario": usuario, "nombre": nombre, "rol": rol, "ooad": ooad},
        )


def crear_primer_admin(store: Store, usuario: str = "admin") -> str:
    """Leave demo mode: replace every account by one admin with a one-time password."""
    password = secrets.token_urlsafe(12)
    with store.transaction() as tx:
        tx.execute("DELETE FROM cuenta")
        tx.execute("DELETE FROM acceso_fallido")
        tx.execute("DELETE FROM sesion")
        tx.execute("INSERT INTO ajuste VALUES ('demo', 'no') ON CONFLICT (clave) DO UPDATE SET valor = excluded.valor")
        auditoria.registrar(tx, cuenta=None, persona=None, accion="modo demo desactivado")
        crear(store, usuario, "Administrador", "admin", password=password, debe_cambiar=True)
    return password


def obtener(store: Store, usuario: str | None) -> Cuenta | None:
    """The active account named `usuario`, as the store holds it."""
    if not usuario:
        return None
    fila = store.fila(
        "SELECT usuario, nombre, rol, ooad, debe_cambiar FROM cuenta WHERE usuario = ? AND activa",
        [usuario.strip().lower()],
    )
    return Cuenta(*fila) if fila else None


# -- login with lockout ------------------------------------------------------------------------
@dataclass(frozen=True)
class EstadoAcceso:
    """Failed logins of one account that still count, and until when it must wait or is locked."""

    fallos: int
    espera_hasta: dt.datetime | None
    bloqueada_hasta: dt.datetime | None


def _estado_acceso(fila: tuple | None, ahora: dt.datetime) -> EstadoAcceso:
    """From an acceso_fallido row (fallos, ultimo_fallo, bloqueada_hasta) as of `ahora`."""
    if fila is None:
        return EstadoAcceso(0, None, None)
    fallos, ultimo, bloqueada = fila
    if bloqueada is not None:
        if ahora < bloqueada:
            return EstadoAcceso(fallos, None, bloqueada)
        return EstadoAcceso(0, None, None)  # the lock has passed: a fresh start
    if ultimo is None or ahora - ultimo > VENTANA_FALLOS:
        return EstadoAcceso(0, None, None)
    espera = ESPERAS_SEGUNDOS.get(fallos)
    hasta = ultimo + dt.timedelta(seconds=espera) if espera else None
    return EstadoAcceso(fallos, hasta if hasta and ahora < hasta else None, None)


def estado_acceso(store: Store, usuario: str) -> EstadoAcceso:
    fila = store.fila(
        "SELECT fallos, ultimo_fallo, bloqueada_hasta FROM acceso_fallido WHERE usuario = ?",
        [(usuario or "").strip().lower()],
    )
    return _estado_acceso(fila, reloj.ahora())


def _mensaje_bloqueo(hasta: dt.datetime) -> str:
    return (
        f"Demasiados intentos fallidos: la cuenta está bloqueada hasta el {reloj.fecha_hora(hasta)} "
        "(hora del centro de México). Después podrá intentar de nuevo; si no recuerda la contraseña, "
        "pida a la División que la restablezca."
    )


def _segundos(desde: dt.datetime, hasta: dt.datetime) -> int:
    return max(1, int((hasta - desde).total_seconds() + 0.999))


def autenticar(store: Store, usuario: str, password: str) -> Cuenta:
    """Check a password without opening a session (every attempt is audited; see iniciar_sesion)."""
    return _autenticar(store, usuario, password, abrir=False)[0]


def iniciar_sesion(store: Store, usuario: str, password: str) -> Sesion:
    """The login: one password check, with the lockout, and a new server-side session opened in the
    transaction that audits the «inicio de sesión». The token goes to the cookie only."""
    cuenta, token = _autenticar(store, usuario, password, abrir=True)
    assert token is not None
    return Sesion(cuenta, token)


def _autenticar(store: Store, usuario: str, password: str, *, abrir: bool) -> tuple[Cuenta, str | None]:
    """Every attempt, good, bad or refused by the lockout, is audited.

    The bcrypt check runs outside the writer lock (0.25 s), so one login never holds up saves.
    """
    usuario = (usuario or "").strip().lower()
    ahora = reloj.ahora()
    fila = store.fila("SELECT hash, activa FROM cuenta WHERE usuario = ?", [usuario])
    previo = estado_acceso(store, usuario) if fila else EstadoAcceso(0, None, None)
    if previo.bloqueada_hasta or previo.espera_hasta:
        if previo.bloqueada_hasta:
            accion, mensaje = "inicio de sesión rechazado (cuenta bloqueada)", _mensaje_bloqueo(previo.bloqueada_hasta)
        else:
            espera = _segundos(ahora, previo.espera_hasta)
            accion = "inicio de sesión rechazado (espera)"
            mensaje = (
                f"Hubo {previo.fallos:,} intentos fallidos seguidos: espere {espera:,} segundo(s) "
                "antes de volver a intentar."
            )
        with store.transaction() as tx:
            auditoria.registrar(
                tx,
                cuenta=usuario,
                persona=None,
                accion=accion,
                despues={"hasta": previo.bloqueada_hasta or previo.espera_hasta},
            )
        raise AccesoBloqueado(mensaje)

    ok = fila is not None and bool(fila[1]) and _verificar(password or "", fila[0])

    token: str | None = None

    def trabajo(tx) -> EstadoAcceso:
        nonlocal token
        bloquear_clave(tx, "cuenta:" + usuario)  # two wrong attempts on two replicas both count
        if ok:
            tx.execute("DELETE FROM acceso_fallido WHERE usuario = ?", [usuario])
            token = _abrir_sesion(tx, usuario, ahora) if abrir else None
            auditoria.registrar(
                tx,
                cuenta=usuario,
                persona=None,
                accion="inicio de sesión",
                despues={"sesion": _corto(_id_sesion(token))} if token else None,
            )
            return EstadoAcceso(0, None, None)
        auditoria.registrar(tx, cuenta=usuario or None, persona=None, accion="inicio de sesión fallido")
        if fila is None:
            return EstadoAcceso(0, None, None)  # no such account: nothing to lock
        # Re-read inside the transaction: two wrong attempts at once both count.
        actual = _estado_acceso(
            tx.execute(
                "SELECT fallos, ultimo_fallo, bloqueada_hasta FROM acceso_fallido WHERE usuario = ?", [usuario]
            ).fetchone(),
            ahora,
        )
        fallos = actual.fallos + 1
        bloqueada = ahora + BLOQUEO if fallos >= INTENTOS_MAXIMOS else None
        tx.execute(
            "INSERT INTO acceso_fallido VALUES (?, ?, ?, ?) ON CONFLICT (usuario) DO UPDATE SET"
            " fallos = excluded.fallos, ultimo_fallo = excluded.ultimo_fallo, bloqueada_hasta = excluded.bloqueada_hasta",
            [usuario, fallos, ahora, bloqueada],
        )
        if bloqueada:
            auditoria.registrar(
                tx,
                cuenta=usuario,
                persona=None,
                accion="cuenta bloqueada",
                objeto=usuario,
                despues={"fallos": fallos, "hasta": bloqueada},
            )
        espera = ESPERAS_SEGUNDOS.get(fallos)
        return EstadoAcceso(fallos, ahora + dt.timedelta(seconds=espera) if espera else None, bloqueada)

    despues = store.escribir(trabajo)
    if not ok:
        if despues.bloqueada_hasta:
            raise AccesoBloqueado(_mensaje_bloqueo(despues.bloqueada_hasta))
        mensaje = "Usuario o contraseña incorrectos."
        if despues.espera_hasta:
            restantes = INTENTOS_MAXIMOS - despues.fallos
            mensaje += (
                f" Espere {_segundos(ahora, despues.espera_hasta):,} segundo(s) antes de volver a intentar;"
                f" {restantes:,} intento(s) fallido(s) más bloquearán la cuenta "
                f"{int(BLOQUEO.total_seconds() // 60):,} minutos."
            )
        raise CredencialesInvalidas(mensaje)
    cuenta = obtener(store, usuario)
    assert cuenta is not None
    return cuenta, token


def opciones_acceso(store: Store) -> list[tuple[str, str]]:
    """(usuario, label) for Paso 1's searchable list: the OOAD/UMAE in tablero order. The division's
    accounts are not listed (they type their user name in Paso 1's own form for the division)."""
    filas = store.filas(
        "SELECT c.usuario, " + ETIQUETA_OOAD.format(o="o") + " FROM cuenta c JOIN ooad o ON o.clave = c.ooad"
        " WHERE c.activa AND c.rol = 'capturista' ORDER BY o.numero, c.usuario"
    )
    return [(u, e) for u, e in filas]


# -- administration (admin only) and one's own password -------------------------------------------
def _exigir_admin(cuenta: Cuenta | None) -> Cuenta:
    return permisos.exigir_division(cuenta, admin=True)


def _password_temporal() -> str:
    """16 URL-safe characters (96 bits), shown once and typed once before the person chooses theirs."""
    return secrets.token_urlsafe(12)


def listar(store: Store, cuenta: Cuenta | None) -> pd.DataFrame:
    """Every account, as the admin page shows and exports it."""
    _exigir_admin(cuenta)
    ahora = reloj.ahora()
    df = store.df(
        "SELECT c.usuario, c.nombre, c.rol, c.ooad, " + ETIQUETA_OOAD.format(o="o") + " AS ooad_nombre,"
        " c.activa, c.debe_cambiar, c.creada_en, f.bloqueada_hasta"
        " FROM cuenta c LEFT JOIN ooad o ON o.clave = c.ooad"
        " LEFT JOIN acceso_fallido f ON f.usuario = c.usuario AND f.bloqueada_hasta > ?"
        " ORDER BY c.rol <> 'admin', c.rol <> 'analista', o.numero, c.usuario",
        [ahora],
    )
    roles = {"capturista": "OOAD/UMAE (capturista)", "analista": "Analista (División)", "admin": "Administración"}

    def _estado(activa, bloqueada) -> str:
        if not activa:
            return "Deshabilitada"
        if bloqueada is not None and not pd.isna(bloqueada):
            return f"Bloqueada hasta {reloj.fecha_hora(bloqueada.to_pydatetime())}"
        return "Activa"

    return pd.DataFrame(
        {
            "Usuario": df["usuario"],
            "Nombre": df["nombre"],
            "Rol": df["rol"].map(roles),
            "OOAD/UMAE": df["ooad_nombre"].fillna(""),
            "Estado": [_estado(a, b) for a, b in zip(df["activa"], df["bloqueada_hasta"], strict=True)],
            "Contraseña": df["debe_cambiar"].map({True: "Temporal: debe cambiarla", False: "Propia"}),
            "Creada": df["creada_en"].map(lambda d: reloj.fecha(d.to_pydatetime().astimezone(reloj.ZONA))),
            "rol": df["rol"],
            "activa": df["activa"],
        }
    )


def alta(store: Store, cuenta: Cuenta | None, usuario: str, nombre: str, rol: str, ooad: str | None = None) -> str:
    """Create an account; returns its one-time password (shown once, stored only as bcrypt)."""
    admin = _exigir_admin(cuenta)
    usuario = (usuario or "").strip().lower()
    exigir_caracteres(nombre, "Nombre de la cuenta")
    nombre = " ".join((nombre or "").split())
    if not _USUARIO.match(usuario):
        raise ErrorDominio(
            "El usuario debe tener de 3 a 40 caracteres: letras minúsculas sin acentos, números, punto, "
            "guion o guion bajo, y empezar con letra o número."
        )
    if not 3 <= len(nombre) <= 120:
        raise ErrorDominio("Escriba el nombre de la cuenta (de 3 a 120 caracteres).")
    if rol not in ROLES:
        raise ErrorDominio("Elija el rol de la cuenta.")
    if rol == "capturista" and not ooad:
        raise ErrorDominio("Una cuenta de OOAD/UMAE necesita su OOAD/UMAE.")
    password = _password_temporal()
    crear(
        store,
        usuario,
        nombre,
        rol,
        ooad if rol == "capturista" else None,
        password=password,
        debe_cambiar=True,
        actor=admin.usuario,
    )
    return password


def _fila_cuenta(tx, usuario: str) -> tuple:
    """The account's row, read after taking its lock: an admin's change never interleaves with another."""
    usuario = (usuario or "").strip().lower()
    bloquear_clave(tx, "cuenta:" + usuario)
    fila = tx.execute("SELECT usuario, activa, debe_cambiar, ooad FROM cuenta WHERE usuario = ?", [usuario]).fetchone()
    if fila is None:
        raise NoEncontrado(f"La cuenta '{usuario}' no existe.")
    return fila


def deshabilitar(store: Store, cuenta: Cuenta | None, usuario: str) -> None:
    """A disabled account cannot log in and its open sessions end on their next click."""
    _cambiar_activa(store, cuenta, usuario, activa=False)


def habilitar(store: Store, cuenta: Cuenta | None, usuario: str) -> None:
    _cambiar_activa(store, cuenta, usuario, activa=True)


def _cambiar_activa(store: Store, cuenta: Cuenta | None, usuario: str, *, activa: bool) -> None:
    admin = _exigir_admin(cuenta)

    def trabajo(tx) -> None:
        u, estaba_activa, _, ooad = _fila_cuenta(tx, usuario)
        if not activa and u == admin.usuario:
            raise ErrorDominio("No puede deshabilitar su propia cuenta.")
        if estaba_activa == activa:
            raise ErrorDominio(f"La cuenta '{u}' ya está {'activa' if activa else 'deshabilitada'}.")
        tx.execute("UPDATE cuenta SET activa = ? WHERE usuario = ?", [activa, u])
        auditoria.registrar(
            tx,
            cuenta=admin.usuario,
            persona=None,
            accion="cuenta habilitada" if activa else "cuenta deshabilitada",
            ooad=ooad,
            objeto=u,
            antes={"activa": estaba_activa},
            despues={"activa": activa},
        )
        if not activa:
            _revocar_sesiones(tx, u, "cuenta deshabilitada", actor=admin.usuario, ooad=ooad)

    store.escribir(trabajo)


def restablecer(store: Store, cuenta: Cuenta | None, usuario: str) -> str:
    """A new one-time password (shown once); it also lifts a lockout and ends the account's sessions."""
    admin = _exigir_admin(cuenta)
    password = _password_temporal()
    hash_ = hash_password(password)

    def trabajo(tx) -> None:
        u, _, debe, ooad = _fila_cuenta(tx, usuario)
        tx.execute("UPDATE cuenta SET hash = ?, debe_cambiar = TRUE WHERE usuario = ?", [hash_, u])
        tx.execute("DELETE FROM acceso_fallido WHERE usuario = ?", [u])
        auditoria.registrar(
            tx,
            cuenta=admin.usuario,
            persona=None,
            accion="contraseña restablecida",
            ooad=ooad,
            objeto=u,
            antes={"debe_cambiar": debe},
            despues={"debe_cambiar": True},
        )
        # Whoever held the old password (or a copy of its session cookie) is out.
        _revocar_sesiones(tx, u, "contraseña restablecida", actor=admin.usuario, ooad=ooad)

    store.escribir(trabajo)
    return password


def desbloquear(store: Store, cuenta: Cuenta | None, usuario: str) -> None:
    """Lift a lockout before it expires (the person proved who they are by other means)."""
    admin = _exigir_admin(cuenta)

    def trabajo(tx) -> None:
        u, _, _, ooad = _fila_cuenta(tx, usuario)
        antes = tx.execute("SELECT fallos, bloqueada_hasta FROM acceso_fallido WHERE usuario = ?", [u]).fetchone()
        if antes is None:
            raise ErrorDominio(f"La cuenta '{u}' no tiene intentos fallidos pendientes.")
        tx.execute("DELETE FROM acceso_fallido WHERE usuario = ?", [u])
        auditoria.registrar(
            tx,
            cuenta=admin.usuario,
            persona=None,
            accion="cuenta desbloqueada",
            ooad=ooad,
            objeto=u,
            antes={"fallos": antes[0], "bloqueada_hasta": antes[1]},
        )

    store.escribir(trabajo)


def persona_de_sesion(nombre: str | None, cargo: str | None) -> str:
    """ "Nombre (Cargo)" as the audit trail records who captured: the OOAD/UMAE's password is shared,
    so this name is what tells people apart; refused if it is missing or carries hidden characters."""
    nombre = exigir_texto(nombre, "Nombre completo de quien captura", PERSONA_MAXIMO)
    cargo = exigir_texto(cargo, "Cargo", PERSONA_MAXIMO)
    if len(nombre) < 3:
        raise ErrorDominio("Escriba su nombre completo.")
    return f"{nombre} ({cargo})" if cargo else nombre


def validar_password_nueva(usuario: str, nueva: str, confirmacion: str, actual: str | None = None) -> None:
    """The rules a chosen password must meet, each refused with its own message."""
    if nueva != confirmacion:
        raise ErrorDominio("La nueva contraseña y su confirmación no coinciden.")
    if len(nueva) < LONGITUD_MINIMA:
        raise ErrorDominio(f"La nueva contraseña debe tener al menos {LONGITUD_MINIMA} caracteres.")
    if nueva.strip() != nueva:
        raise ErrorDominio("La nueva contraseña no puede empezar ni terminar con espacios.")
    if usuario and usuario.lower() in nueva.lower():
        raise ErrorDominio("La nueva contraseña no puede contener el nombre de usuario.")
    if actual is not None and nueva == actual:
        raise ErrorDominio("La nueva contraseña debe ser distinta de la actual.")


def cambiar_password(
    store: Store, cuenta: Cuenta | None, actual: str, nueva: str, confirmacion: str, *, sesion: str | None = None
) -> str | None:
    """Any logged-in account changes its own password, proving the current one first.

    Every session of the account ends (a copy of an old cookie, another computer). The session
    that made the change, `sesion` (its token), is replaced by a new one whose token is returned
    for the cookie, so the person stays logged in; without it, None and everyone logs in again.
    """
    if cuenta is None:
        raise AccesoDenegado("Inicie sesión para continuar.")
    fila = store.fila("SELECT hash FROM cuenta WHERE usuario = ? AND activa", [cuenta.usuario])
    if fila is None:
        raise AccesoDenegado("Su cuenta ya no está activa.")
    if not _verificar(actual or "", fila[0]):
        with store.transaction() as tx:
            auditoria.registrar(
                tx,
                cuenta=cuenta.usuario,
                persona=None,
                accion="cambio de contraseña rechazado",
                ooad=cuenta.ooad,
                objeto=cuenta.usuario,
            )
        raise CredencialesInvalidas("La contraseña actual no es correcta.")
    validar_password_nueva(cuenta.usuario, nueva or "", confirmacion or "", actual)
    hash_ = hash_password(nueva)

    def trabajo(tx) -> str | None:
        bloquear_clave(tx, "cuenta:" + cuenta.usuario)
        tx.execute("UPDATE cuenta SET hash = ?, debe_cambiar = FALSE WHERE usuario = ?", [hash_, cuenta.usuario])
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="contraseña cambiada",
            ooad=cuenta.ooad,
            objeto=cuenta.usuario,
        )
        propia = (
            sesion
            and tx.execute(
                "SELECT 1 FROM sesion WHERE id = ? AND usuario = ? AND activa", [_id_sesion(sesion), cuenta.usuario]
            ).fetchone()
        )
        _revocar_sesiones(tx, cuenta.usuario, "cambio de contraseña", actor=cuenta.usuario, ooad=cuenta.ooad)
        if not propia:
            return None
        token = _abrir_sesion(tx, cuenta.usuario, reloj.ahora())
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="sesión renovada",
            ooad=cuenta.ooad,
            objeto=cuenta.usuario,
            despues={"sesion": _corto(_id_sesion(token))},
        )
        return token

    return store.escribir(trabajo)


# -- server-side sessions ------------------------------------------------------------------------
# A session ends after this many minutes without a click (EYF_INACTIVIDAD_MIN overrides it): a
# shared office computer left logged in should not stay open for the next person.
INACTIVIDAD_MIN = 30
# The last activity is written at most once a minute per session, not on every click; the idle
# limit grants that minute, so a session ends between N and N+1 minutes without a click (the page
# also ends it after exactly N, from its own clock: see ui/components/contexto.py).
TOQUE = dt.timedelta(minutes=1)
# Ended sessions are state, not history (the bitácora keeps the history): an account's rows older
# than this go when it logs in again.
CONSERVAR_SESIONES = dt.timedelta(days=30)
_LARGO_MAXIMO_TOKEN = 128
# How each reason to end one session shows in the bitácora.
_ACCION_FIN = {"cierre": "cierre de sesión", "inactividad": "sesión vencida por inactividad"}


@dataclass(frozen=True)
class Sesion:
    """A session just opened: the account and the token for its cookie (the store keeps only its SHA-256)."""

    cuenta: Cuenta
    token: str


def minutos_inactividad() -> int:
    """EYF_INACTIVIDAD_MIN if it is a whole number of minutes ≥ 1, else INACTIVIDAD_MIN."""
    valor = os.environ.get("EYF_INACTIVIDAD_MIN", "")
    return int(valor) if valor.isdigit() and int(valor) >= 1 else INACTIVIDAD_MIN


def _id_sesion(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _corto(id_: str) -> str:
    """The first characters of a session's id: enough to follow it in the bitácora, useless to enter."""
    return id_[:12]


def _abrir_sesion(tx, usuario: str, ahora: dt.datetime) -> str:
    """A new session row for `usuario`; returns its token (256 random bits), never stored."""
    tx.execute(
        "DELETE FROM sesion WHERE usuario = ? AND coalesce(revocada_en, ultima_actividad) < ?",
        [usuario, ahora - CONSERVAR_SESIONES],
    )
    token = secrets.token_urlsafe(32)
    tx.execute(
        "INSERT INTO sesion (id, usuario, creada, ultima_actividad) VALUES (?, ?, ?, ?)",
        [_id_sesion(token), usuario, ahora, ahora],
    )
    return token


def _revocar_sesiones(tx, usuario: str, motivo: str, *, actor: str | None, ooad: str | None = None) -> int:
    """End every open session of `usuario`, audited once with the reason and how many ended."""
    n = tx.execute("SELECT count(*) FROM sesion WHERE usuario = ? AND activa", [usuario]).fetchone()[0]
    if n:
        tx.execute(
            "UPDATE sesion SET activa = FALSE, revocada_en = ?, motivo = ? WHERE usuario = ? AND activa",
            [reloj.ahora(), motivo, usuario],
        )
        auditoria.registrar(
            tx,
            cuenta=actor,
            persona=None,
            accion="sesiones revocadas",
            ooad=ooad,
            objeto=usuario,
            despues={"motivo": motivo, "sesiones": n},
        )
    return n


def _terminar_sesion(store: Store, id_: str, motivo: str) -> None:
    """End one session (idempotent: two tabs may end it on the same click), audited with the reason."""

    def trabajo(tx) -> None:
        bloquear_clave(tx, "sesion:" + id_)  # two tabs ending it at once: one audit row
        fila = tx.execute("SELECT usuario FROM sesion WHERE id = ? AND activa", [id_]).fetchone()
        if fila is None:
            return
        tx.execute(
            "UPDATE sesion SET activa = FALSE, revocada_en = ?, motivo = ? WHERE id = ?", [reloj.ahora(), motivo, id_]
        )
        accion = _ACCION_FIN.get(motivo, "sesión revocada")
        auditoria.registrar(
            tx,
            cuenta=fila[0],
            persona=None,
            accion=accion,
            objeto=fila[0],
            despues={"sesion": _corto(id_), "motivo": motivo},
        )

    store.escribir(trabajo)


def sesion_valida(store: Store, token: str | None) -> Cuenta | None:
    """The account of a live session, re-read from the store; None for an unknown or altered token,
    a revoked session, one idle for too long, or a disabled account. Runs on every script run."""
    if not token or not isinstance(token, str) or len(token) > _LARGO_MAXIMO_TOKEN:
        return None
    id_ = _id_sesion(token)
    fila = store.fila(
        "SELECT usuario, ultima_actividad FROM sesion WHERE id = ? AND activa AND revocada_en IS NULL", [id_]
    )
    if fila is None:
        return None
    usuario, ultima = fila
    ahora = reloj.ahora()
    cuenta = obtener(store, usuario)
    if cuenta is None:  # disabled (its sessions were revoked then) or gone
        _terminar_sesion(store, id_, "cuenta deshabilitada")
        return None
    if ahora - ultima > dt.timedelta(minutes=minutos_inactividad()) + TOQUE:
        _terminar_sesion(store, id_, "inactividad")
        return None
    if ahora - ultima >= TOQUE:
        store.escribir(
            lambda tx: tx.execute("UPDATE sesion SET ultima_actividad = ? WHERE id = ? AND activa", [ahora, id_])
        )
    return cuenta


def cerrar_sesion(store: Store, token: str | None, *, por_inactividad: bool = False) -> None:
    """A logout, or a session the page ended after inactivity: the session is over for every copy
    of its cookie, and the bitácora says so (logins are there too)."""
    if token and isinstance(token, str) and len(token) <= _LARGO_MAXIMO_TOKEN:
        _terminar_sesion(store, _id_sesion(token), "inactividad" if por_inactividad else "cierre")


def opciones_ooad(store: Store) -> list[tuple[str, str]]:
    """(clave, label) of every OOAD/UMAE in tablero order, for the admin pages' selectors."""
    return [
        tuple(f)
        for f in store.filas("SELECT o.clave, " + ETIQUETA_OOAD.format(o="o") + " FROM ooad o ORDER BY o.numero")
    ]
