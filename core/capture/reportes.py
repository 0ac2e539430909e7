"""What the reports print, read from the store with the reader's permissions, and who signs them."""

from __future__ import annotations

import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import ErrorDominio, TransicionInvalida
from core.base.store import Store
from core.base.texto import exigir_texto
from core.capture import captura
from core.lifecycle import acciones, ciclo, folio
from reports.reporte import DatosReporte, Firmante, reporte_final, reporte_preliminar

# Signatories printed on the final report; the guide's reports carry a handful of representatives.
FIRMANTES_MAXIMO = 6
# A full name or a post on one line of the signature block.
FIRMANTE_TEXTO_MAXIMO = 120


def _datos(
    store: Store, anio: int, ooad: str, respuesta: str, lineas: pd.DataFrame, total: int, con: int
) -> DatosReporte:
    columnas = ["unidad_nombre", "tipo", "grupo", "producto_nombre", "causa", "ambito", "eventos", "pacientes"]
    # Units in the (natural) order the store gave; within a unit Faltantes first, then Excedentes.
    unidades = list(dict.fromkeys(lineas["unidad_nombre"]))
    orden = lineas.assign(_u=lineas["unidad_nombre"].map({u: i for i, u in enumerate(unidades)}))
    ordenadas = orden.sort_values(["_u", "tipo"], ascending=[True, False], kind="stable")
    return DatosReporte(
        ooad_nombre=captura.etiqueta_ooad(store, ooad),
        anio=anio,
        impreso_en=reloj.ahora(),
        unidades_total=total,
        unidades_con=con,
        respuesta=respuesta or "SI",
        lineas=ordenadas[columnas].reset_index(drop=True),
    )


def preliminar(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> bytes:
    """The preliminary report ("Sin Validez Oficial") of the current lines, before finalizing."""
    acciones.exigir(store, cuenta, anio, ooad, acciones.PRELIMINAR)
    e = ciclo.estado(store, anio, ooad)
    lineas = captura.lineas_ooad(store, cuenta, anio, ooad)
    unidades = captura.unidades(store, cuenta, anio, ooad)
    con = int((unidades["lineas"] > 0).sum())
    return reporte_preliminar(_datos(store, anio, ooad, e.respuesta, lineas, len(unidades), con))


def folio_vigente(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> str | None:
    permisos.exigir_lectura_ooad(cuenta, ooad)
    e = ciclo.estado(store, anio, ooad)
    return folio.calcular(store, anio, ooad, e.version_final) if e.version_final else None


def final(store: Store, cuenta: Cuenta | None, anio: int, ooad: str, version: int | None = None) -> tuple[str, bytes]:
    """(folio, PDF) of a stored final version (by default the current one, which exists while finalized)."""
    if version is None:
        acciones.exigir(store, cuenta, anio, ooad, acciones.VERSION_FINAL)
    vf = ciclo.version_final(store, cuenta, anio, ooad, version)
    if vf is None:
        raise TransicionInvalida("La Versión Final existe hasta que la OOAD/UMAE finaliza el registro (Paso 7).")
    cab, lineas = vf
    f = folio.calcular(store, anio, ooad, cab["version"])
    datos = _datos(store, anio, ooad, cab["respuesta"], lineas, cab["unidades_total"], cab["unidades_con"])
    pdf = reporte_final(
        datos,
        folio=f,
        version=cab["version"],
        finalizado_en=cab["finalizada_en"],
        finalizado_por=cab["finalizada_persona"] or cab["finalizada_por"],
        firmantes=firmantes(store, cuenta, anio, ooad),
    )
    return f, pdf


def firmantes(store: Store, cuenta: Cuenta | None, anio: int, ooad: str) -> list[Firmante]:
    permisos.exigir_lectura_ooad(cuenta, ooad)
    return [
        Firmante(n, c)
        for n, c in store.filas(
            "SELECT nombre, cargo FROM firmante WHERE anio = ? AND ooad = ? ORDER BY orden", [anio, ooad]
        )
    ]


def guardar_firmantes(
    store: Store, cuenta: Cuenta | None, persona: str | None, anio: int, lista: list[tuple[str, str]]
) -> list[Firmante]:
    """Names and posts of who signs; editable until the signed report is uploaded."""
    ooad = cuenta.ooad if cuenta is not None else None
    permisos.exigir_captura_ooad(cuenta, ooad or "")
    limpios = []
    for i, (nombre, cargo) in enumerate(lista, start=1):
        nombre = exigir_texto(nombre, f"Firmante {i}, nombre", FIRMANTE_TEXTO_MAXIMO)
        cargo = exigir_texto(cargo, f"Firmante {i}, cargo", FIRMANTE_TEXTO_MAXIMO)
        if not nombre and not cargo:
            continue
        if not nombre or not cargo:
            raise ErrorDominio(f"Firmante {i}: escriba el nombre y el cargo.")
        limpios.append((nombre, cargo))
    if len(limpios) > FIRMANTES_MAXIMO:
        raise ErrorDominio(f"Se admiten hasta {FIRMANTES_MAXIMO} firmantes.")

    def trabajo(tx) -> None:
        acciones.exigir(store, cuenta, anio, ooad, acciones.FIRMANTES)
        antes = [
            tuple(r)
            for r in tx.execute(
                "SELECT nombre, cargo FROM firmante WHERE anio = ? AND ooad = ? ORDER BY orden", [anio, ooad]
            ).fetchall()
        ]
        tx.execute("DELETE FROM firmante WHERE anio = ? AND ooad = ?", [anio, ooad])
        for orden, (nombre, cargo) in enumerate(limpios, start=1):
            tx.execute(
                "INSERT INTO firmante VALUES (?, ?, ?, ?, ?, ?, ?)",
                [anio, ooad, orden, nombre, cargo, reloj.ahora(), cuenta.usuario],
            )
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion="firmantes",
            anio=anio,
            ooad=ooad,
            antes=antes,
            despues=limpios,
        )

    store.escribir(trabajo)
    return firmantes(store, cuenta, anio, ooad)
