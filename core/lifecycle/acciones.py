"""One lifecycle model: what an account can do now with an OOAD/UMAE in a period, and why not.

Every rule of the lifecycle (role and scope, integrity lock, period closed, registration window,
finalized or signed, declared, lines saved, a pending reopen request) is written once here, as a
small function over the situation. Each action is the ordered list of the rules it needs; the first
one that fails gives the reason, in the Spanish the screens show, and the domain error it raises.

- `posibles(store, cuenta, anio, ooad)`: every action of the OOAD/UMAE, allowed or with its reason
  (pages enable their buttons from it and show the reason).
- `del_periodo(store, cuenta, anio)`: the period's own actions (its window, closing it).
- `exigir(store, cuenta, anio, ooad, accion)`: raises the action's error with its reason; every
  write of core calls it, inside its transaction.

Permissions always come from the account as the store knows it (`core.accounts.permisos`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import reloj
from core.base.errors import AccesoDenegado, CapturaBloqueada, ErrorDominio, TransicionInvalida
from core.base.store import Store
from core.lifecycle import estados

# The actions of an OOAD/UMAE in a period.
DECLARAR = "declarar"  # Paso 2: answer SI/NO
CAPTURAR = "capturar"  # Paso 6: save lines
BORRADOR = "borrador"  # Paso 6: keep unsaved edits as drafts in the store
FINALIZAR = "finalizar"  # Paso 7
FIRMANTES = "firmantes"  # names and posts of who signs the final report
PRELIMINAR = "preliminar"  # print the preliminary report
VERSION_FINAL = "version_final"  # Paso 8: print the current final version
SUBIR_FIRMADO = "subir_firmado"  # Paso 9: upload or replace the signed report
SOLICITAR_REAPERTURA = "solicitar_reapertura"  # the OOAD/UMAE asks the division to reopen
REABRIR = "reabrir"  # admin
REGISTRAR_RECEPCION = "registrar_recepcion"  # admin: the signed paper copy arrived
# The period's own actions (admin).
CAMBIAR_VENTANA = "cambiar_ventana"
CERRAR_PERIODO = "cerrar_periodo"


@dataclass(frozen=True)
class Accion:
    """Whether an action is possible now; if not, why (Spanish, for the screen) and what it raises."""

    permitida: bool
    motivo: str | None = None
    error: type[ErrorDominio] | None = None

    def exigir(self) -> None:
        if not self.permitida:
            raise (self.error or ErrorDominio)(self.motivo)


PERMITIDA = Accion(True)


@dataclass(frozen=True)
class Acciones:
    """Every action of one OOAD/UMAE in one period for one account, with the state it was read from."""

    periodo: estados.Periodo
    estado: estados.EstadoOoad
    declarar: Accion
    capturar: Accion
    borrador: Accion
    finalizar: Accion
    firmantes: Accion
    preliminar: Accion
    version_final: Accion
    subir_firmado: Accion
    solicitar_reapertura: Accion
    reabrir: Accion
    registrar_recepcion: Accion

    def __getitem__(self, accion: str) -> Accion:
        return getattr(self, accion)


@dataclass(frozen=True)
class AccionesPeriodo:
    """The period's own actions, and whether the period still allows the admin's actions on its
    OOAD/UMAE (`reabrir`, `registrar_recepcion`: the period's part of their rules; each OOAD/UMAE
    must also have finalized)."""

    periodo: estados.Periodo
    cambiar_ventana: Accion
    cerrar_periodo: Accion
    reabrir: Accion
    registrar_recepcion: Accion

    def __getitem__(self, accion: str) -> Accion:
        return getattr(self, accion)


class _leido:  # noqa: N801 - used as a decorator, like the cached_property it replaces
    """Read once per instance, then kept in its __dict__: functools.cached_property without its lock.
    Python 3.11's holds one lock per property across *all* instances while it computes: a page reading
    one OOAD/UMAE's state, waiting for a PostgreSQL pool connection, blocked every write transaction
    checking another's rules, each holding a connection: all of them stuck until the pool's 30 s
    timeout (pool deadlock seen under load with 60 sessions on one replica; bench/RESULTS.md)."""

    def __init__(self, leer: Callable) -> None:
        self.leer = leer
        self.nombre = leer.__name__

    def __set_name__(self, dueno: type, nombre: str) -> None:
        self.nombre = nombre

    def __get__(self, instancia, dueno=None):
        if instancia is None:
            return self
        valor = instancia.__dict__[self.nombre] = self.leer(instancia)
        return valor


class _Situacion:
    """What the rules read, each piece read once and only if a rule asks for it."""

    def __init__(self, store: Store, cuenta: Cuenta | None, anio: int, ooad: str | None):
        self.store, self.cuenta, self.anio, self.ooad = store, cuenta, anio, ooad

    @_leido
    def periodo(self) -> estados.Periodo:
        return estados.periodo(self.store, self.anio)

    @_leido
    def estado(self) -> estados.EstadoOoad:
        return estados.estado(self.store, self.anio, self.ooad)


Regla = Callable[[_Situacion], Accion | None]


def _no(error: type[ErrorDominio], motivo: str) -> Accion:
    return Accion(False, motivo, error)


# -- who: from the account, through core.accounts.permisos -------------------------------------------


def _permiso(comprobar: Callable[[_Situacion], object]) -> Regla:
    def regla(s: _Situacion) -> Accion | None:
        try:
            comprobar(s)
        except AccesoDenegado as exc:
            return _no(AccesoDenegado, str(exc))
        return None

    return regla


# The OOAD/UMAE's own capturistas: declare, capture, finalize, sign, upload, ask for a reopen.
_PROPIA = _permiso(lambda s: permisos.exigir_captura_ooad(s.cuenta, s.ooad))
# The division's admins: reopen, record the paper copy, the period's window and closing.
_ADMIN = _permiso(lambda s: permisos.exigir_division(s.cuenta, admin=True))
# Anyone who may read the OOAD/UMAE: the division, and its own capturistas.
_LECTURA = _permiso(lambda s: permisos.exigir_lectura_ooad(s.cuenta, s.ooad))


# -- when: the lifecycle ------------------------------------------------------------------------------


def _integridad(s: _Situacion) -> Accion | None:
    """The start-up integrity check found stored data that differs from the audit trail."""
    motivo = estados.motivo_integridad(s.store, s.ooad)
    return _no(CapturaBloqueada, motivo) if motivo else None


def _abierto(consecuencia: str) -> Regla:
    """The division has not closed the period; `consecuencia` says what closing it stops."""

    def regla(s: _Situacion) -> Accion | None:
        if not s.periodo.cerrado:
            return None
        cuando = estados.cerrado_en(s.store, s.anio)
        desde = f" desde el {reloj.fecha(cuando.astimezone(reloj.ZONA))}" if cuando else ""
        return _no(CapturaBloqueada, f"El periodo {s.anio} está cerrado por la División{desde}: {consecuencia}.")

    return regla


def _sin_cerrar(s: _Situacion) -> Accion | None:
    """Closing a period happens once."""
    return _no(TransicionInvalida, f"El periodo {s.anio} ya está cerrado.") if s.periodo.cerrado else None


def _sin_finalizar(s: _Situacion) -> Accion | None:
    """Finalized (or signed): the capture no longer changes, and says when and by whom it was finalized."""
    e = s.estado
    if not e.finalizado:
        return None
    f = s.store.fila(
        "SELECT finalizada_en, finalizada_por, finalizada_persona FROM version_final"
        " WHERE anio = ? AND ooad = ? AND version = ?",
        [s.anio, s.ooad, e.version_final],
    )
    quien = f"{f[2]} (cuenta {f[1]})" if f and f[2] else (f[1] if f else "")
    return _no(
        CapturaBloqueada,
        f"El registro se finalizó el {reloj.fecha_hora(f[0]) if f else ''} por {quien}: ya no se "
        "puede modificar. Para corregirlo, solicite a la División la reapertura.",
    )


def _en_ventana(s: _Situacion) -> Accion | None:
    """Inside the registration window (both dates inclusive)."""
    hoy, p = reloj.hoy(), s.periodo
    if hoy < p.inicio:
        return _no(
            CapturaBloqueada,
            f"El periodo de registro inicia el {reloj.fecha(p.inicio)}: por ahora solo puede consultar.",
        )
    if hoy > p.fin:
        return _no(
            CapturaBloqueada, f"El periodo de registro cerró el {reloj.fecha(p.fin)}: solo puede consultar e imprimir."
        )
    return None


def _finalizado(motivo: str) -> Regla:
    """The OOAD/UMAE finalized (or signed); `motivo` says why the action needs it."""
    return lambda s: None if s.estado.finalizado else _no(TransicionInvalida, motivo)


def _sin_finalizar_para_imprimir(s: _Situacion) -> Accion | None:
    if s.estado.finalizado:
        return _no(TransicionInvalida, "El registro ya se finalizó: imprima la Versión Final (Paso 8).")
    return None


def _sin_firmar(s: _Situacion) -> Accion | None:
    if s.estado.estado == estados.FIRMADO:
        return _no(TransicionInvalida, "El reporte firmado ya se subió: los firmantes ya no se pueden cambiar.")
    return None


def _respuesta_si(s: _Situacion) -> Accion | None:
    if s.estado.respuesta == "SI":
        return None
    return _no(
        TransicionInvalida,
        "Para capturar, conteste SI en el Paso 2 (¿Alguna de las Unidades Médicas tiene Excedentes y/o Faltantes?).",
    )


def _declarado(s: _Situacion) -> Accion | None:
    if s.estado.respuesta is None:
        return _no(TransicionInvalida, "Antes de finalizar conteste la pregunta del Paso 2.")
    return None


def _lineas_si_contesto_si(s: _Situacion) -> Accion | None:
    if s.estado.respuesta == "SI" and estados.contar_lineas(s.store, s.anio, s.ooad) == 0:
        return _no(
            TransicionInvalida,
            "Contestó SI en el Paso 2 pero no hay ninguna línea guardada: capture al menos un "
            "Excedente o Faltante, o cambie su respuesta a NO.",
        )
    return None


def _sin_solicitud_pendiente(s: _Situacion) -> Accion | None:
    previa = s.store.fila(
        "SELECT solicitada_en FROM solicitud_reapertura WHERE anio = ? AND ooad = ? AND estado = 'pendiente'",
        [s.anio, s.ooad],
    )
    if previa is None:
        return None
    return _no(
        TransicionInvalida,
        f"Ya hay una solicitud de reapertura en espera desde el {reloj.fecha_hora(previa[0])}; "
        "la División le responderá en esta misma pantalla.",
    )


# The capture of an OOAD/UMAE can change: no integrity lock, period open, not finalized, in the window.
_CAPTURA_ABIERTA: tuple[Regla, ...] = (
    _integridad,
    _abierto("la información solo puede consultarse"),
    _sin_finalizar,
    _en_ventana,
)

# The period's part of the admin's actions on an OOAD/UMAE.
_REABRIR_EN_EL_PERIODO = (_ADMIN, _abierto("ya no se puede reabrir"))
_RECEPCION_EN_EL_PERIODO = (_ADMIN, _abierto("ya no se registran recepciones"))

REGLAS: dict[str, tuple[Regla, ...]] = {
    DECLARAR: (_PROPIA, *_CAPTURA_ABIERTA),
    BORRADOR: (_PROPIA, *_CAPTURA_ABIERTA),
    CAPTURAR: (_PROPIA, *_CAPTURA_ABIERTA, _respuesta_si),
    FINALIZAR: (_PROPIA, *_CAPTURA_ABIERTA, _declarado, _lineas_si_contesto_si),
    # Signatories: until the signed report is uploaded, whatever the window (they are printed on it).
    FIRMANTES: (_PROPIA, _abierto("los firmantes ya no se pueden cambiar"), _sin_firmar),
    PRELIMINAR: (_LECTURA, _sin_finalizar_para_imprimir),
    VERSION_FINAL: (
        _LECTURA,
        _finalizado("La Versión Final existe hasta que la OOAD/UMAE finaliza el registro (Paso 7)."),
    ),
    # The signed report: after finalizing, until the period is closed (the window does not apply).
    # An integrity finding also stops the upload: the signature would cover altered figures.
    SUBIR_FIRMADO: (
        _PROPIA,
        _integridad,
        _abierto("ya no se pueden subir ni reemplazar archivos"),
        _finalizado(
            "Primero finalice el registro (Paso 7) e imprima la Versión Final (Paso 8); después suba el reporte firmado."
        ),
    ),
    SOLICITAR_REAPERTURA: (
        _PROPIA,
        _abierto("ya no se puede reabrir"),
        _finalizado(
            "La reapertura se solicita después de finalizar el registro (Paso 7); mientras está "
            "en captura puede modificarlo directamente."
        ),
        _sin_solicitud_pendiente,
    ),
    REABRIR: (
        *_REABRIR_EN_EL_PERIODO,
        _finalizado("Solo se reabre una OOAD/UMAE que ya finalizó su registro."),
    ),
    REGISTRAR_RECEPCION: (
        *_RECEPCION_EN_EL_PERIODO,
        _finalizado("Solo se registra la recepción del reporte de una OOAD/UMAE que ya finalizó."),
    ),
    CAMBIAR_VENTANA: (_ADMIN, _abierto("su ventana de registro ya no cambia")),
    CERRAR_PERIODO: (_ADMIN, _sin_cerrar),
}
_DEL_PERIODO = (CAMBIAR_VENTANA, CERRAR_PERIODO)
_DE_LA_OOAD = tuple(a for a in REGLAS if a not in _DEL_PERIODO)


def _evaluar(s: _Situacion, reglas: tuple[Regla, ...]) -> Accion:
    for regla in reglas:
        if (negada := regla(s)) is not None:
            return negada
    return PERMITIDA


def posibles(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> Acciones:
    """Every action of the OOAD/UMAE in the period for this account, each allowed or with its reason.

    Refused (AccesoDenegado) to whoever may not read the OOAD/UMAE."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    s = _Situacion(store, cuenta, anio, ooad)
    return Acciones(periodo=s.periodo, estado=s.estado, **{a: _evaluar(s, REGLAS[a]) for a in _DE_LA_OOAD})


def posibles_varias(store: Store, cuenta: Cuenta | None, anio: int, ooads: list[str]) -> dict[str, Acciones]:
    """`posibles` for several OOAD/UMAE at once (the tablero's rows), by OOAD/UMAE.

    The period and every state are read once (one query each) instead of once per OOAD/UMAE; the
    same rules decide. Refused (AccesoDenegado) to whoever may not read one of them."""
    for ooad in ooads:
        permisos.exigir_lectura_ooad(cuenta, ooad)
    if not ooads:
        return {}
    periodo = estados.periodo(store, anio)
    leidos = estados.estados(store, anio, list(ooads))
    resultado = {}
    for ooad in ooads:
        s = _Situacion(store, cuenta, anio, ooad)
        s.__dict__.update(periodo=periodo, estado=leidos[ooad])  # the _leido values, read above
        resultado[ooad] = Acciones(periodo=periodo, estado=s.estado, **{a: _evaluar(s, REGLAS[a]) for a in _DE_LA_OOAD})
    return resultado


def del_periodo(store: Store, cuenta: Cuenta | None, anio: int) -> AccionesPeriodo:
    """The period's own actions (change its window, close it) and its part of reopening and recording
    receipts, for the division's admins."""
    permisos.exigir_division(cuenta, admin=True)
    s = _Situacion(store, cuenta, anio, None)
    return AccionesPeriodo(
        periodo=s.periodo,
        cambiar_ventana=_evaluar(s, REGLAS[CAMBIAR_VENTANA]),
        cerrar_periodo=_evaluar(s, REGLAS[CERRAR_PERIODO]),
        reabrir=_evaluar(s, _REABRIR_EN_EL_PERIODO),
        registrar_recepcion=_evaluar(s, _RECEPCION_EN_EL_PERIODO),
    )


def exigir(store: Store, cuenta: Cuenta | None, anio: int, ooad: str | None, accion: str) -> Cuenta:
    """Raise the action's domain error with its reason unless it is possible now; returns the account.

    Writes call it inside their transaction, so the state it read is the state they change.
    `ooad` is None for the period's own actions."""
    store.bloquear(ooad)  # first: the state read below stays the state until this write commits
    _evaluar(_Situacion(store, cuenta, anio, ooad), REGLAS[accion]).exigir()
    return cuenta


def motivo_captura(store: Store, anio: int, ooad: str) -> str | None:
    """Why the OOAD/UMAE's capture cannot change now, whoever asks; None if it can."""
    return _evaluar(_Situacion(store, None, anio, ooad), _CAPTURA_ABIERTA).motivo
