"""Requests for a product the catalog lacks ("producto no contemplado").

The guide asks an OOAD/UMAE to e-mail the division for a missing product. Here the OOAD/UMAE files
the request from Paso 6 (specialty on screen, name, justification); an admin accepts it, which
adds the product to the catalog with a new key, or declines it with a reason. The OOAD/UMAE sees
its requests and the answers.
"""

from __future__ import annotations

import re

import pandas as pd

from core.accounts import permisos
from core.accounts.cuentas import ETIQUETA_OOAD
from core.accounts.permisos import Cuenta
from core.admin.importacion import PATRON_CLAVE
from core.base import auditoria, reloj
from core.base.errors import ErrorDominio, NoEncontrado, SolicitudInvalida, TransicionInvalida
from core.base.store import Store, bloquear_clave
from core.base.texto import exigir_caracteres, normalizar
from core.capture import catalogo

PENDIENTE, ACEPTADA, RECHAZADA = "pendiente", "aceptada", "rechazada"
ESTADOS = (PENDIENTE, ACEPTADA, RECHAZADA)

# Lengths: a product name as long as the catalog's longest (the guide's hemodialysis product is
# ~250 characters); a justification that says something, but not an essay.
NOMBRE_MIN, NOMBRE_MAX = 5, 300
JUSTIFICACION_MIN, JUSTIFICACION_MAX = 15, 2000
# The division's answer: a note when accepting, a reason when declining (a paragraph at most).
NOTA_MAX, MOTIVO_MIN, MOTIVO_MAX = 500, 10, 1000

ORIGEN = "solicitud"


def _texto(valor: str | None, campo: str, maximo: int | None = None, *, varias_lineas: bool = False) -> str:
    """Spaces collapsed, after refusing control and invisible characters (core.base.texto's one rule).

    `maximo` None: the caller checks the length range itself (name, justification).
    """
    exigir_caracteres(valor, campo, varias_lineas=varias_lineas)
    texto = re.sub(r"\s+", " ", valor or "").strip()
    if maximo is not None and len(texto) > maximo:
        raise SolicitudInvalida(f"{campo}: admite hasta {maximo:,} caracteres (tiene {len(texto):,}).")
    return texto


def _grupo(store: Store, especialidad: str) -> str:
    grupo = store.valor("SELECT grupo FROM especialidad WHERE clave = ?", [especialidad])
    if grupo is None:
        raise NoEncontrado(f"La especialidad '{especialidad}' no existe en el catálogo.")
    return grupo


def _existente(store: Store, especialidad: str, nombre: str) -> str | None:
    """Key of an active product of the specialty with the same name (ignoring case and accents)."""
    for clave, otro in store.filas(
        "SELECT clave, nombre FROM producto WHERE especialidad = ? AND activo", [especialidad]
    ):
        if normalizar(otro) == normalizar(nombre):
            return clave
    return None


def solicitar_producto(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    ooad: str,
    especialidad: str,
    nombre: str,
    justificacion: str,
    ambito_default: str,
    unidad: str | None = None,
) -> int:
    """File a request on behalf of the capturista's own OOAD/UMAE; returns its number."""
    cuenta = permisos.exigir_captura_ooad(cuenta, ooad)
    nombre = _texto(nombre, "Nombre del producto")
    justificacion = _texto(justificacion, "Justificación", varias_lineas=True)
    errores = []
    if not NOMBRE_MIN <= len(nombre) <= NOMBRE_MAX:
        errores.append(f"El nombre del producto debe tener entre {NOMBRE_MIN} y {NOMBRE_MAX} caracteres.")
    if not JUSTIFICACION_MIN <= len(justificacion) <= JUSTIFICACION_MAX:
        errores.append(
            f"Explique por qué se necesita el producto (entre {JUSTIFICACION_MIN} y {JUSTIFICACION_MAX:,} caracteres)."
        )
    if ambito_default not in catalogo.AMBITOS:
        errores.append("Indique si el producto es Ambulatorio u Hospitalario.")
    if errores:
        raise SolicitudInvalida("No se envió la solicitud:\n" + "\n".join(f"• {e}" for e in errores))
    _grupo(store, especialidad)
    if unidad is not None and store.valor("SELECT ooad FROM unidad WHERE clave = ?", [unidad]) != ooad:
        raise SolicitudInvalida("La Unidad Médica indicada no pertenece a su OOAD/UMAE.")
    if (clave := _existente(store, especialidad, nombre)) is not None:
        raise SolicitudInvalida(f"El producto ya está en el catálogo con la clave {clave}: búsquelo en el Paso 6.")

    def trabajo(tx) -> int:
        bloquear_clave(tx, f"solicitudes_producto:{ooad}")  # the duplicate check below sees the other's
        repetida = tx.execute(
            "SELECT id, nombre FROM solicitud_producto WHERE ooad = ? AND especialidad = ? AND estado = 'pendiente'",
            [ooad, especialidad],
        ).fetchall()
        for id_, otro in repetida:
            if normalizar(otro) == normalizar(nombre):
                raise SolicitudInvalida(f"Su OOAD/UMAE ya solicitó este producto (solicitud {id_:,}, pendiente).")
        nuevo = tx.execute(
            "INSERT INTO solicitud_producto (ooad, unidad, especialidad, nombre, ambito_default, justificacion,"
            " solicitada_en, solicitada_por, solicitada_persona) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [ooad, unidad, especialidad, nombre, ambito_default, justificacion, reloj.ahora(), cuenta.usuario, persona],
        ).fetchone()[0]
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="producto solicitado",
            ooad=ooad,
            unidad=unidad,
            objeto=f"solicitud {nuevo}",
            despues={
                "especialidad": especialidad,
                "nombre": nombre,
                "ambito_default": ambito_default,
                "justificacion": justificacion,
            },
        )
        return nuevo

    return store.escribir(trabajo)


def listar(store: Store, cuenta: Cuenta | None, *, ooad: str | None = None, estado: str | None = None) -> pd.DataFrame:
    """Requests, newest first: a capturista sees its own OOAD/UMAE's, the division every one."""
    cuenta = permisos.exigir_sesion(cuenta)
    if cuenta.es_capturista:
        ooad = ooad or cuenta.ooad
        permisos.exigir_lectura_ooad(cuenta, ooad)
    else:
        permisos.exigir_division(cuenta)
    if estado is not None and estado not in ESTADOS:
        raise ErrorDominio(f"Estado de solicitud desconocido: {estado}.")
    sql = (
        "SELECT s.id, s.ooad, " + ETIQUETA_OOAD.format(o="o") + " AS ooad_nombre, s.unidad,"
        " u.nombre AS unidad_nombre, g.nombre AS grupo, e.nombre AS especialidad_nombre, s.especialidad,"
        " s.nombre, s.ambito_default, s.justificacion, s.estado, s.solicitada_en, s.solicitada_por,"
        " s.solicitada_persona, s.decidida_en, s.decidida_por, s.respuesta, s.producto"
        " FROM solicitud_producto s LEFT JOIN ooad o ON o.clave = s.ooad"
        " LEFT JOIN unidad u ON u.clave = s.unidad LEFT JOIN especialidad e ON e.clave = s.especialidad"
        " LEFT JOIN grupo g ON g.clave = e.grupo WHERE TRUE"
    )
    params: list = []
    if ooad is not None:
        sql += " AND s.ooad = ?"
        params.append(ooad)
    if estado is not None:
        sql += " AND s.estado = ?"
        params.append(estado)
    return store.df(sql + " ORDER BY s.id DESC", params)


def para_mostrar(df: pd.DataFrame) -> pd.DataFrame:
    """The requests as the screens show them: Spanish headers, dd/mm/aaaa hh:mm:ss dates."""
    return pd.DataFrame(
        {
            "No.": df["id"].map(lambda n: f"{n:,}"),
            "OOAD/UMAE": df["ooad_nombre"],
            "Unidad Médica": df["unidad_nombre"].fillna(""),
            "Grupo de Servicio": df["grupo"].fillna(""),
            "Especialidad Troncal": df["especialidad_nombre"].fillna(df["especialidad"]),
            "Producto solicitado": df["nombre"],
            "Ambulatorio/ Hospitalario": df["ambito_default"],
            "Justificación": df["justificacion"],
            "Solicitada": [
                f"{reloj.fecha_hora(e)} · {p or u}"
                for e, p, u in zip(df["solicitada_en"], df["solicitada_persona"], df["solicitada_por"], strict=True)
            ],
            "Estado": df["estado"].str.capitalize(),
            "Clave asignada": df["producto"].fillna(""),
            "Respuesta": df["respuesta"].fillna(""),
            "Decidida": [reloj.fecha_hora(e) if e is not None and e == e else "" for e in df["decidida_en"]],
        }
    )


def siguiente_clave(store: Store, especialidad: str) -> str:
    """The next free key of the specialty's group: "<GRUPO>-nnnn", like the curated LAB-0001."""
    grupo = _grupo(store, especialidad)
    ultimo = store.valor(
        "SELECT max(TRY_CAST(regexp_extract(clave, '^' || ? || '-(\\d+)$', 1) AS INTEGER)) FROM producto",
        [re.escape(grupo)],
    )
    return f"{grupo}-{(ultimo or 0) + 1:04d}"


def _pendiente(tx, id_solicitud: int) -> tuple:
    bloquear_clave(tx, f"solicitud_producto:{id_solicitud}")  # two admins deciding at once: one wins
    fila = tx.execute(
        "SELECT estado, ooad, especialidad, nombre, ambito_default, unidad FROM solicitud_producto WHERE id = ?",
        [id_solicitud],
    ).fetchone()
    if fila is None:
        raise NoEncontrado(f"La solicitud {id_solicitud:,} no existe.")
    if fila[0] != PENDIENTE:
        raise TransicionInvalida(f"La solicitud {id_solicitud:,} ya fue {fila[0]}.")
    return fila


def aceptar(
    store: Store,
    cuenta: Cuenta | None,
    id_solicitud: int,
    *,
    clave: str | None = None,
    nombre: str | None = None,
    ambito_default: str | None = None,
    remoto: bool = False,
    respuesta: str | None = None,
) -> str:
    """Add the requested product to the catalog (the admin may correct its name, key, ámbito)."""
    cuenta = permisos.exigir_division(cuenta, admin=True)
    clave = _texto(clave, "Clave", NOMBRE_MAX) or None
    if clave is not None and not PATRON_CLAVE.match(clave):
        raise SolicitudInvalida(
            f"La clave '{clave}' no es válida (solo letras, dígitos, puntos y guiones, sin espacios)."
        )
    if ambito_default is not None and ambito_default not in catalogo.AMBITOS:
        raise SolicitudInvalida("El ámbito debe ser Ambulatorio u Hospitalario.")
    respuesta = _texto(respuesta, "Nota para la OOAD/UMAE", NOTA_MAX) or None
    nombre = _texto(nombre, "Nombre en el catálogo")

    def trabajo(tx) -> str:
        _, ooad, especialidad, pedido, ambito_pedido, unidad = _pendiente(tx, id_solicitud)
        final = nombre or pedido
        if not NOMBRE_MIN <= len(final) <= NOMBRE_MAX:
            raise SolicitudInvalida(f"El nombre del producto debe tener entre {NOMBRE_MIN} y {NOMBRE_MAX} caracteres.")
        if (existente := _existente(store, especialidad, final)) is not None:
            raise SolicitudInvalida(
                f"Ya existe el producto «{final}» con la clave {existente}: rechace la solicitud indicándole esa clave."
            )
        nueva = clave or siguiente_clave(store, especialidad)
        if tx.execute("SELECT 1 FROM producto WHERE clave = ?", [nueva]).fetchone():
            raise SolicitudInvalida(f"La clave {nueva} ya existe en el catálogo; elija otra.")
        producto = {
            "clave": nueva,
            "especialidad": especialidad,
            "nombre": final,
            "ambito_default": ambito_default or ambito_pedido,
            "remoto": bool(remoto),
            "origen": ORIGEN,
        }
        tx.execute(
            "INSERT INTO producto (clave, especialidad, nombre, ambito_default, remoto, origen, busqueda, activo)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, TRUE)",
            [
                nueva,
                especialidad,
                final,
                producto["ambito_default"],
                producto["remoto"],
                ORIGEN,
                normalizar(f"{nueva} {final}"),
            ],
        )
        tx.execute(
            "UPDATE solicitud_producto SET estado = 'aceptada', decidida_en = ?, decidida_por = ?, respuesta = ?,"
            " producto = ? WHERE id = ?",
            [reloj.ahora(), cuenta.usuario, respuesta, nueva, id_solicitud],
        )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="producto agregado",
            ooad=ooad,
            objeto=nueva,
            despues=producto | {"solicitud": id_solicitud},
        )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="solicitud de producto aceptada",
            ooad=ooad,
            unidad=unidad,
            objeto=f"solicitud {id_solicitud}",
            antes={"estado": PENDIENTE, "nombre": pedido},
            despues={"estado": ACEPTADA, "producto": nueva, "respuesta": respuesta},
        )
        return nueva

    return store.escribir(trabajo)


def rechazar(store: Store, cuenta: Cuenta | None, id_solicitud: int, motivo: str) -> None:
    """Decline a request; the reason is what the OOAD/UMAE reads."""
    cuenta = permisos.exigir_division(cuenta, admin=True)
    motivo = _texto(motivo, "Motivo del rechazo", MOTIVO_MAX, varias_lineas=True)
    if len(motivo) < MOTIVO_MIN:
        raise SolicitudInvalida(
            f"Escriba el motivo del rechazo (al menos {MOTIVO_MIN} caracteres): la OOAD/UMAE lo leerá."
        )

    def trabajo(tx) -> None:
        _, ooad, _, pedido, _, unidad = _pendiente(tx, id_solicitud)
        tx.execute(
            "UPDATE solicitud_producto SET estado = 'rechazada', decidida_en = ?, decidida_por = ?, respuesta = ?"
            " WHERE id = ?",
            [reloj.ahora(), cuenta.usuario, motivo, id_solicitud],
        )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=None,
            accion="solicitud de producto rechazada",
            ooad=ooad,
            unidad=unidad,
            objeto=f"solicitud {id_solicitud}",
            antes={"estado": PENDIENTE, "nombre": pedido},
            despues={"estado": RECHAZADA, "respuesta": motivo},
        )

    store.escribir(trabajo)
