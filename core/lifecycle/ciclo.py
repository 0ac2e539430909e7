"""Periods, the lifecycle of an OOAD/UMAE in a period, and why a capture screen is locked."""

from __future__ import annotations

import datetime as dt

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.base.texto import exigir_caracteres, orden_natural
from core.lifecycle import acciones, estados

# The states and the period as stored live in core.lifecycle.estados (the rules read them too);
# ciclo.X stays the way the rest of the tool names them.
SIN_INICIAR, EN_CAPTURA, FINALIZADO, FIRMADO = (
    estados.SIN_INICIAR,
    estados.EN_CAPTURA,
    estados.FINALIZADO,
    estados.FIRMADO,
)
ESTADOS, FINALIZADOS = estados.ESTADOS, estados.FINALIZADOS
Periodo, EstadoOoad = estados.Periodo, estados.EstadoOoad
periodos, periodo, periodo_actual, cerrado_en = (
    estados.periodos,
    estados.periodo,
    estados.periodo_actual,
    estados.cerrado_en,
)
estado, contar_lineas, motivo_integridad = estados.estado, estados.contar_lineas, estados.motivo_integridad

# Semáforo: one colour per state, always shown with its label (never colour alone).
SEMAFORO = {
    SIN_INICIAR: ("🔴", "Sin iniciar", "#d64545"),
    EN_CAPTURA: ("🟠", "En captura", "#f08c00"),
    FINALIZADO: ("🔵", "Finalizado", "#1f6fd1"),
    FIRMADO: ("🟢", "Firmado", "#2b9348"),
}
# What each state means, for the legend.
SIGNIFICADO = {
    SIN_INICIAR: "aún no contesta el Paso 2",
    EN_CAPTURA: "capturando; puede finalizar en el Paso 7",
    FINALIZADO: "falta subir el reporte firmado (Paso 9)",
    FIRMADO: "proceso concluido",
}

# A reopen reason must say something (not "x") and stay a paragraph, not a document. One rule for the
# OOAD/UMAE's request, the division's answer and its reopen without a request, counted on the text
# with its surrounding and repeated spaces removed; the pages' hints read these same numbers.
MOTIVO_MINIMO, MOTIVO_MAXIMO = 10, 1_000

PREGUNTA_PASO2 = (
    "¿Alguna de las Unidades Médicas del OOAD/UMAE tiene Excedentes y/o Faltantes de algún "
    "servicio médico institucional?"
)


def limpiar_motivo(texto: str | None, que: str = "el motivo de la reapertura") -> str:
    """The reason as stored (spaces collapsed), or why it is refused."""
    # Before collapsing: split() would turn some controls (U+001C-U+001F, U+2028) into spaces.
    exigir_caracteres(texto, f"{que[0].upper()}{que[1:]}", varias_lineas=True)
    texto = " ".join((texto or "").split())
    if len(texto) < MOTIVO_MINIMO:
        raise ErrorDominio(f"Escriba {que} (al menos {MOTIVO_MINIMO} caracteres).")
    if len(texto) > MOTIVO_MAXIMO:
        raise ErrorDominio(f"{que[0].upper()}{que[1:]} admite hasta {MOTIVO_MAXIMO:,} caracteres.")
    return texto


def semaforo(estado: str) -> str:
    icono, etiqueta, _ = SEMAFORO[estado]
    return f"{icono} {etiqueta}"


def crear_periodo(store: Store, cuenta: Cuenta | None, anio: int, inicio: dt.date, fin: dt.date) -> Periodo:
    """Admins create periods (the Periodos page)."""
    cuenta = permisos.exigir_division(cuenta, admin=True)
    return _crear_periodo(store, cuenta.usuario, anio, inicio, fin)


def crear_periodo_sistema(store: Store, anio: int, inicio: dt.date, fin: dt.date) -> Periodo:
    """The installer's demo period and the command line (server stopped); never a page."""
    return _crear_periodo(store, None, anio, inicio, fin)


def _crear_periodo(store: Store, usuario: str | None, anio: int, inicio: dt.date, fin: dt.date) -> Periodo:
    if fin < inicio:
        raise ErrorDominio("La fecha de fin del periodo de registro no puede ser anterior a la de inicio.")
    with store.transaction() as tx:
        store.bloquear(None)  # a period's own action: waits for, and holds off, every write
        if tx.execute("SELECT 1 FROM periodo WHERE anio = ?", [anio]).fetchone():
            raise ErrorDominio(f"El periodo {anio} ya existe.")
        tx.execute("INSERT INTO periodo (anio, inicio, fin) VALUES (?, ?, ?)", [anio, inicio, fin])
        auditoria.registrar(
            tx,
            cuenta=usuario,
            persona=None,
            accion="periodo creado",
            anio=anio,
            despues={"inicio": inicio, "fin": fin},
        )
    return periodo(store, anio)


def cambiar_ventana(store: Store, cuenta: Cuenta | None, anio: int, inicio: dt.date, fin: dt.date) -> Periodo:
    """Admins move the registration window (extend it, open it earlier) while the period is open."""
    permisos.exigir_division(cuenta, admin=True)
    if inicio is None or fin is None:
        raise ErrorDominio("Indique las fechas de inicio y de fin del periodo de registro.")
    if fin < inicio:
        raise ErrorDominio("La fecha de fin del periodo de registro no puede ser anterior a la de inicio.")

    def trabajo(tx) -> None:
        acciones.exigir(store, cuenta, anio, None, acciones.CAMBIAR_VENTANA)
        antes = periodo(store, anio)
        if (antes.inicio, antes.fin) == (inicio, fin):
            raise ErrorDominio("Las fechas son las mismas que ya tiene el periodo.")
        tx.execute("UPDATE periodo SET inicio = ?, fin = ? WHERE anio = ?", [inicio, fin, anio])
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="ventana de registro cambiada",
            anio=anio,
            antes={"inicio": antes.inicio, "fin": antes.fin},
            despues={"inicio": inicio, "fin": fin},
        )

    store.escribir(trabajo)
    return periodo(store, anio)


def cerrar_periodo(store: Store, cuenta: Cuenta | None, anio: int) -> Periodo:
    """Admins close a period for good: no capture, declaration, finalization, reopen or upload after."""
    permisos.exigir_division(cuenta, admin=True)

    def trabajo(tx) -> None:
        acciones.exigir(store, cuenta, anio, None, acciones.CERRAR_PERIODO)
        momento = reloj.ahora()
        tx.execute("UPDATE periodo SET cerrado = TRUE, cerrado_en = ? WHERE anio = ?", [momento, anio])
        por_estado = dict(
            tx.execute("SELECT estado, count(*) FROM declaracion WHERE anio = ? GROUP BY estado", [anio]).fetchall()
        )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="periodo cerrado",
            anio=anio,
            antes={"cerrado": False},
            despues={"cerrado": True, "cerrado_en": momento, "estados": por_estado},
        )

    store.escribir(trabajo)
    return periodo(store, anio)


def motivo_bloqueo(store: Store, anio: int, ooad: str) -> str | None:
    """Why this OOAD/UMAE cannot change its capture now, in words for the user; None if it can
    (the rule is core.lifecycle.acciones')."""
    return acciones.motivo_captura(store, anio, ooad)


def declarar(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    respuesta: str,
    *,
    lineas_a_borrar: int = 0,
) -> EstadoOoad:
    """Paso 2. Answering NO removes the saved lines, only if the caller confirmed how many."""
    if respuesta not in ("SI", "NO"):
        raise ErrorDominio("Conteste SI o NO.")
    ooad = cuenta.ooad if cuenta is not None else None

    def trabajo(tx):
        acciones.exigir(store, cuenta, anio, ooad, acciones.DECLARAR)
        antes = estado(store, anio, ooad)
        lineas = contar_lineas(store, anio, ooad)
        if respuesta == "NO" and lineas:
            if lineas_a_borrar != lineas:
                raise ErrorDominio(
                    f"Contestar NO eliminará {lineas:,} línea(s) ya guardada(s). Confirme para continuar."
                )
            borradas = tx.execute(
                "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM linea"
                " WHERE anio = ? AND ooad = ?",
                [anio, ooad],
            ).fetchall()
            tx.execute("DELETE FROM linea WHERE anio = ? AND ooad = ?", [anio, ooad])
            for b in borradas:
                auditoria.registrar(
                    tx,
                    cuenta=cuenta.usuario,
                    persona=persona,
                    accion="línea eliminada (respuesta NO)",
                    anio=anio,
                    ooad=ooad,
                    unidad=b[0],
                    objeto=b[1],
                    antes=dict(zip(("tipo", "ambito", "causa", "pacientes", "eventos"), b[2:], strict=False)),
                )
        valores = [respuesta, reloj.ahora(), cuenta.usuario, persona, anio, ooad]
        if antes.estado == SIN_INICIAR:
            tx.execute(
                "INSERT INTO declaracion (respuesta, estado, actualizada_en, actualizada_por,"
                " actualizada_persona, anio, ooad) VALUES (?, 'en captura', ?, ?, ?, ?, ?)",
                valores,
            )
        else:
            tx.execute(
                "UPDATE declaracion SET respuesta = ?, actualizada_en = ?, actualizada_por = ?,"
                " actualizada_persona = ? WHERE anio = ? AND ooad = ?",
                valores,
            )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="declaración",
            anio=anio,
            ooad=ooad,
            antes={"respuesta": antes.respuesta, "estado": antes.estado},
            despues={"respuesta": respuesta, "estado": EN_CAPTURA},
        )

    store.escribir(trabajo)
    return estado(store, anio, ooad)


def finalizar(store: Store, cuenta: Cuenta | None, persona: str | None, anio: int) -> int:
    """Paso 7: store an immutable final version of the declaration and lines; returns its number."""
    ooad = cuenta.ooad if cuenta is not None else None

    def trabajo(tx) -> int:
        acciones.exigir(store, cuenta, anio, ooad, acciones.FINALIZAR)
        e = estado(store, anio, ooad)
        lineas = contar_lineas(store, anio, ooad)
        version = e.version_final + 1
        momento = reloj.ahora()
        total, con = tx.execute(
            "SELECT count(DISTINCT u.clave), count(DISTINCT l.unidad) FROM unidad u"
            " LEFT JOIN linea l ON l.unidad = u.clave AND l.anio = ? WHERE u.ooad = ? AND u.activa",
            [anio, ooad],
        ).fetchone()
        tx.execute(
            "INSERT INTO version_final VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [anio, ooad, version, e.respuesta, momento, cuenta.usuario, persona, total, con, lineas],
        )
        tx.execute(
            "INSERT INTO version_final_linea"
            " SELECT l.anio, l.ooad, ?, l.unidad, u.nombre, l.producto, p.nombre, g.nombre, s.nombre,"
            " l.tipo, l.ambito, l.causa, l.pacientes, l.eventos"
            " FROM linea l JOIN unidad u ON u.clave = l.unidad JOIN producto p ON p.clave = l.producto"
            " JOIN especialidad s ON s.clave = p.especialidad JOIN grupo g ON g.clave = s.grupo"
            " WHERE l.anio = ? AND l.ooad = ?",
            [version, anio, ooad],
        )
        tx.execute(
            "UPDATE declaracion SET estado = 'finalizado', version_final = ?, actualizada_en = ?,"
            " actualizada_por = ?, actualizada_persona = ? WHERE anio = ? AND ooad = ?",
            [version, momento, cuenta.usuario, persona, anio, ooad],
        )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="finalización",
            anio=anio,
            ooad=ooad,
            antes={"estado": EN_CAPTURA},
            despues={"estado": FINALIZADO, "version": version, "lineas": lineas},
        )
        return version

    return store.escribir(trabajo)


def version_final(store: Store, cuenta: Cuenta | None, anio: int, ooad: str, version: int | None = None):
    """A stored final version (header dict, lines DataFrame), or None if there is none."""
    permisos.exigir_lectura_ooad(cuenta, ooad)
    if version is None:
        version = estado(store, anio, ooad).version_final
    f = store.fila(
        "SELECT version, respuesta, finalizada_en, finalizada_por, finalizada_persona, unidades_total,"
        " unidades_con, lineas FROM version_final WHERE anio = ? AND ooad = ? AND version = ?",
        [anio, ooad, version],
    )
    if f is None:
        return None
    cabecera = dict(
        zip(
            (
                "version",
                "respuesta",
                "finalizada_en",
                "finalizada_por",
                "finalizada_persona",
                "unidades_total",
                "unidades_con",
                "lineas",
            ),
            f,
            strict=False,
        )
    )
    lineas = store.df(
        "SELECT unidad, unidad_nombre, producto, producto_nombre, grupo_nombre AS grupo,"
        " especialidad_nombre AS especialidad, tipo, ambito, causa, pacientes, eventos"
        " FROM version_final_linea WHERE anio = ? AND ooad = ? AND version = ?"
        f" ORDER BY {orden_natural('unidad_nombre')}, tipo DESC, grupo_nombre, producto",
        [anio, ooad, version],
    )
    return cabecera, lineas


def reabrir(store: Store, cuenta: Cuenta | None, anio: int, ooad: str, motivo: str) -> EstadoOoad:
    """Admin only: back to `en captura`; the final versions stay, the signed PDF stops being current."""
    permisos.exigir_division(cuenta, admin=True)
    motivo = limpiar_motivo(motivo)

    def trabajo(tx) -> None:
        acciones.exigir(store, cuenta, anio, ooad, acciones.REABRIR)
        e = estado(store, anio, ooad)
        momento = reloj.ahora()
        tx.execute("UPDATE firmado SET vigente = FALSE WHERE anio = ? AND ooad = ? AND vigente", [anio, ooad])
        tx.execute(
            "UPDATE declaracion SET estado = 'en captura', actualizada_en = ?, actualizada_por = ?,"
            " actualizada_persona = NULL WHERE anio = ? AND ooad = ?",
            [momento, cuenta.usuario, anio, ooad],
        )
        # A request waiting for this reopen is answered by it, with the same reason.
        atendidas = [
            r[0]
            for r in tx.execute(
                "UPDATE solicitud_reapertura SET estado = 'concedida', respuesta = ?, resuelta_en = ?,"
                " resuelta_por = ? WHERE anio = ? AND ooad = ? AND estado = 'pendiente' RETURNING id",
                [motivo, momento, cuenta.usuario, anio, ooad],
            ).fetchall()
        ]
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="reapertura",
            anio=anio,
            ooad=ooad,
            antes={"estado": e.estado, "version_final": e.version_final},
            despues={"estado": EN_CAPTURA, "motivo": motivo, "solicitudes": atendidas},
        )

    store.escribir(trabajo)
    return estado(store, anio, ooad)
