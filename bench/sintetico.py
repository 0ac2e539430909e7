"""Bulk synthetic captures for tests and benchmarks, written through core's own transitions.

Lifecycle steps (declare, finalize, reopen, signed upload) go through `ciclo` and `firmados`
exactly as the app does them; only the lines themselves are inserted in bulk (one DuckDB
INSERT from a DataFrame per period, inside one store transaction, with one audit row per
OOAD/UMAE), because a million rows saved one grid at a time would take hours. The generated
lines satisfy every capture rule (checked here before inserting, and by the schema's CHECKs).
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.accounts import cuentas, permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria, reloj
from core.base.errors import CapturaInvalida, ErrorDominio
from core.base.store import Store
from core.capture import captura
from core.lifecycle import ciclo, firmados, folio

PERSONA = "Datos sintéticos (generador)"

# What each OOAD/UMAE goes through in a period. "reabierta": finalized, reopened by an admin and
# changed since (en captura with an older final version). "dos versiones": finalized, reopened,
# changed and finalized again (version 2 is the one that counts). "no": answered NO and finalized.
PLANES = ("finalizado", "firmado", "en captura", "reabierta", "dos versiones", "sin iniciar", "no")
CON_LINEAS = ("finalizado", "firmado", "en captura", "reabierta", "dos versiones")
# Monthly patients drawn from a heavy-tailed law capped well below captura.CANTIDAD_MAXIMA.
_PACIENTES_MAX = 5_000


@dataclass
class Resultado:
    """What was generated: the plan of each (period, OOAD/UMAE) and the lines inserted."""

    planes: dict[tuple[int, str], str] = field(default_factory=dict)
    lineas: int = 0
    segundos: float = 0.0

    def ooad_con_plan(self, anio: int, plan: str) -> list[str]:
        return sorted(o for (a, o), p in self.planes.items() if a == anio and p == plan)


def _cuenta_capturista(store: Store, admin: Cuenta, ooad: str, hash_: str) -> Cuenta:
    c = cuentas.obtener(store, ooad)
    if c is None or c.ooad != ooad:
        cuentas.crear(store, ooad, f"Capturista {ooad}", "capturista", ooad, hash_=hash_, actor=admin.usuario)
        c = cuentas.obtener(store, ooad)
    assert c is not None
    return c


def _asegurar_periodo(store: Store, admin: Cuenta, anio: int) -> None:
    """A period whose registration window is open today, so the real transitions are allowed."""
    hoy = reloj.hoy()
    try:
        p = ciclo.periodo(store, anio)
    except ErrorDominio:
        ciclo.crear_periodo(store, admin, anio, hoy - dt.timedelta(days=30), hoy + dt.timedelta(days=30))
        return
    if not p.ventana_abierta(hoy):
        raise ErrorDominio(f"El periodo {anio} no tiene abierto su registro hoy: no se pueden generar capturas en él.")


def _lineas(
    rng: np.random.Generator,
    anio: int,
    ooad: str,
    n: int,
    unidades: pd.DataFrame,
    productos: pd.DataFrame,
    usuario: str,
) -> pd.DataFrame:
    """n distinct (unit, product) lines of one OOAD/UMAE that satisfy the capture rules."""
    propias = unidades[unidades["ooad"] == ooad]["clave"].to_numpy()
    n = min(n, len(propias) * len(productos))
    if n == 0:
        return pd.DataFrame()
    elegidos = rng.choice(len(propias) * len(productos), size=n, replace=False)
    u, p = np.divmod(elegidos, len(productos))
    excedente = rng.random(n) < 0.45
    ambito = productos["ambito_default"].to_numpy()[p].copy()
    cambiar = rng.random(n) < 0.2
    ambito[cambiar] = np.where(ambito[cambiar] == "Ambulatorio", "Hospitalario", "Ambulatorio")
    pacientes = np.minimum(np.ceil(rng.pareto(1.3, n) * 8 + 1), _PACIENTES_MAX).astype("int64")
    eventos = pd.array(pacientes * rng.choice([1, 1, 1, 2, 3, 4], n), dtype="Int64")
    eventos[rng.random(n) < 0.05] = pd.NA  # eventos is optional when capturing
    causa = np.where(excedente, None, rng.choice(list(captura.CAUSAS), n)).astype(object)
    return pd.DataFrame(
        {
            "anio": anio,
            "ooad": ooad,
            "unidad": propias[u],
            "producto": productos["clave"].to_numpy()[p],
            "tipo": np.where(excedente, "Excedente", "Faltante"),
            "ambito": ambito,
            "causa": causa,
            "pacientes": pacientes,
            "eventos": eventos,
            "modificada_por": usuario,
        }
    )


def _validar(df: pd.DataFrame) -> None:
    """The capture rules, checked on the whole frame before anything is written."""
    errores = []
    if (df["pacientes"] < 1).any() or (df["pacientes"] > captura.CANTIDAD_MAXIMA).any():
        errores.append("pacientes fuera de rango")
    ev = df["eventos"].dropna()
    if (ev < df.loc[ev.index, "pacientes"]).any() or (ev > captura.CANTIDAD_MAXIMA).any():
        errores.append("eventos menores que pacientes o fuera de rango")
    falt = df["tipo"] == "Faltante"
    if (~df.loc[falt, "causa"].isin(captura.CAUSAS)).any() or df.loc[~falt, "causa"].notna().any():
        errores.append("causa inválida")
    if df.duplicated(["anio", "unidad", "producto"]).any():
        errores.append("producto repetido en una unidad")
    if errores:
        raise CapturaInvalida(errores)


# A line's values as the audit trail records them (core.base.auditoria writes the same keys).
_JSON_LINEA = (
    "json_object('ambito', ambito, 'causa', causa, 'eventos', eventos, 'pacientes', pacientes, 'tipo', tipo)::VARCHAR"
)


def _insertar(store: Store, admin: Cuenta, df: pd.DataFrame, accion: str) -> None:
    _validar(df)
    momento = reloj.ahora()

    def trabajo(tx) -> None:
        tx.register("sinteticas", df)
        try:
            tx.execute(
                "INSERT INTO linea (anio, ooad, unidad, producto, tipo, ambito, causa, pacientes, eventos,"
                " modificada_en, modificada_por, modificada_persona)"
                " SELECT anio, ooad, unidad, producto, tipo, ambito, causa, pacientes, eventos, ?, modificada_por, ?"
                " FROM sinteticas",
                [momento, PERSONA],
            )
            # One audit row per line, as a save through the grid writes: the start-up integrity
            # check compares every line with its last audit row.
            tx.execute(
                "INSERT INTO auditoria (en, cuenta, persona, accion, anio, ooad, unidad, objeto, antes, despues)"
                f" SELECT ?, modificada_por, ?, 'línea creada', anio, ooad, unidad, producto, NULL, {_JSON_LINEA}"
                " FROM sinteticas",
                [momento, PERSONA],
            )
        finally:
            tx.unregister("sinteticas")
        for (anio, ooad), n in df.groupby(["anio", "ooad"]).size().items():
            auditoria.registrar(
                tx,
                cuenta=admin.usuario,
                persona=PERSONA,
                accion=accion,
                anio=int(anio),
                ooad=ooad,
                despues={"lineas": int(n)},
            )

    store.escribir(trabajo)


def _cambiar(
    store: Store,
    admin: Cuenta,
    anio: int,
    ooad: str,
    usuario: str,
    rng: np.random.Generator,
    unidades: pd.DataFrame,
    productos: pd.DataFrame,
) -> None:
    """After a reopen: a third of the lines change quantities, a tenth go, a few new ones come."""
    semilla = int(rng.integers(1, 1_000_000))

    def trabajo(tx) -> None:
        antes = tx.execute("SELECT count(*) FROM linea WHERE anio = ? AND ooad = ?", [anio, ooad]).fetchone()[0]
        momento = reloj.ahora()
        tx.execute(
            "UPDATE linea SET pacientes = pacientes + 7, eventos = CASE WHEN eventos IS NULL THEN NULL"
            " ELSE greatest(eventos + 7, pacientes + 7) END, version = version + 1, modificada_en = ?,"
            " modificada_por = ?, modificada_persona = ? WHERE anio = ? AND ooad = ? AND hash(id, ?) % 3 = 0",
            [momento, usuario, PERSONA, anio, ooad, semilla],
        )
        for accion, resto, condicion in (
            ("línea modificada", _JSON_LINEA, "hash(id, ?) % 3 = 0"),
            ("línea eliminada", "NULL", "hash(id, ?) % 10 = 1"),
        ):
            tx.execute(
                "INSERT INTO auditoria (en, cuenta, persona, accion, anio, ooad, unidad, objeto, antes, despues)"
                f" SELECT ?, ?, ?, ?, anio, ooad, unidad, producto, NULL, {resto} FROM linea"
                f" WHERE anio = ? AND ooad = ? AND {condicion}",
                [momento, usuario, PERSONA, accion, anio, ooad, semilla],
            )
        tx.execute("DELETE FROM linea WHERE anio = ? AND ooad = ? AND hash(id, ?) % 10 = 1", [anio, ooad, semilla])
        despues = tx.execute("SELECT count(*) FROM linea WHERE anio = ? AND ooad = ?", [anio, ooad]).fetchone()[0]
        auditoria.registrar(
            tx,
            cuenta=admin.usuario,
            persona=PERSONA,
            accion="líneas sintéticas modificadas",
            anio=anio,
            ooad=ooad,
            antes={"lineas": antes},
            despues={"lineas": despues},
        )

    store.escribir(trabajo)
    existentes = set(store.filas("SELECT unidad, producto FROM linea WHERE anio = ? AND ooad = ?", [anio, ooad]))
    nuevas = _lineas(rng, anio, ooad, 5, unidades, productos, usuario)
    if not nuevas.empty:
        nuevas = nuevas[[(u, p) not in existentes for u, p in zip(nuevas["unidad"], nuevas["producto"], strict=True)]]
        if not nuevas.empty:
            _insertar(store, admin, nuevas, "líneas sintéticas agregadas")


def _pdf_firmado(store: Store, anio: int, ooad: str, version: int) -> bytes:
    """A one-page PDF carrying the version's folio, standing in for the signed scan."""
    from reportlab.pdfgen import canvas

    salida = io.BytesIO()
    c = canvas.Canvas(salida)
    c.drawString(72, 720, f"Reporte firmado (sintético) · Folio: {folio.calcular(store, anio, ooad, version)}")
    c.showPage()
    c.save()
    return salida.getvalue()


def generar(
    store: Store,
    cuenta: Cuenta | None,
    anios: list[int] | tuple[int, ...],
    lineas_por_periodo: int,
    *,
    ooads: list[str] | None = None,
    planes: tuple[str, ...] = PLANES,
    semilla: int = 0,
    directorio_firmados: Path | None = None,
) -> Resultado:
    """Capture about `lineas_por_periodo` lines in each period over the given (default: all)
    OOAD/UMAE, which go through `planes` in turn (shifted in each period, so every period has
    every plan). Admin only; missing periods and capturista accounts are created."""
    import time

    permisos.exigir_division(cuenta, admin=True)
    desconocidos = set(planes) - set(PLANES)
    if desconocidos:
        raise ErrorDominio(f"Planes desconocidos: {', '.join(sorted(desconocidos))}.")
    t0 = time.perf_counter()
    rng = np.random.default_rng(semilla)
    todas = [c for (c,) in store.filas("SELECT clave FROM ooad ORDER BY numero")]
    ooads = [o for o in todas if ooads is None or o in ooads]
    unidades = store.df("SELECT clave, ooad FROM unidad WHERE activa ORDER BY clave")
    productos = store.df("SELECT clave, ambito_default FROM producto WHERE activo ORDER BY clave")
    hash_ = cuentas.hash_password(secrets.token_urlsafe(16), costo=4)  # nobody logs in as these
    carpeta = directorio_firmados
    resultado = Resultado()
    for k, anio in enumerate(anios):
        _asegurar_periodo(store, cuenta, anio)
        plan = {o: planes[(i + k) % len(planes)] for i, o in enumerate(ooads)}
        con = [o for o in ooads if plan[o] in CON_LINEAS and ciclo.estado(store, anio, o).estado == ciclo.SIN_INICIAR]
        # Lines shared out by each OOAD/UMAE's number of units.
        n_unidades = unidades["ooad"].value_counts()
        peso = np.array([n_unidades.get(o, 0) for o in con], dtype=float)
        reparto = np.floor(lineas_por_periodo * peso / peso.sum()).astype(int) if peso.sum() else np.zeros(0, int)
        capturistas = {o: _cuenta_capturista(store, cuenta, o, hash_) for o in ooads if plan[o] != "sin iniciar"}
        for o in ooads:
            if plan[o] == "sin iniciar" or ciclo.estado(store, anio, o).estado != ciclo.SIN_INICIAR:
                continue
            ciclo.declarar(store, capturistas[o], PERSONA, anio, "NO" if plan[o] == "no" else "SI")
        marcos = [
            _lineas(rng, anio, o, int(n), unidades, productos, capturistas[o].usuario)
            for o, n in zip(con, reparto, strict=True)
            if n > 0
        ]
        marcos = [m for m in marcos if not m.empty]
        if marcos:
            df = pd.concat(marcos, ignore_index=True)
            _insertar(store, cuenta, df, "líneas sintéticas generadas")
            resultado.lineas += len(df)
        for o in ooads:
            p = plan[o]
            resultado.planes[(anio, o)] = p
            if p in ("sin iniciar", "en captura") or o not in capturistas:
                continue
            if p in ("finalizado", "firmado", "reabierta", "dos versiones", "no"):
                if ciclo.estado(store, anio, o).estado == ciclo.EN_CAPTURA and (
                    p == "no" or ciclo.contar_lineas(store, anio, o) > 0
                ):
                    ciclo.finalizar(store, capturistas[o], PERSONA, anio)
            if p == "firmado" and ciclo.estado(store, anio, o).estado == ciclo.FINALIZADO:
                if carpeta is None:
                    carpeta = Path(tempfile.mkdtemp(prefix="eyf-firmados-"))
                version = ciclo.estado(store, anio, o).version_final
                firmados.subir(
                    store,
                    capturistas[o],
                    PERSONA,
                    anio,
                    o,
                    _pdf_firmado(store, anio, o, version),
                    f"firmado_{o}_{anio}.pdf",
                    directorio=carpeta,
                )
            if p in ("reabierta", "dos versiones") and ciclo.estado(store, anio, o).estado == ciclo.FINALIZADO:
                ciclo.reabrir(store, cuenta, anio, o, "Reapertura de datos sintéticos")
                _cambiar(store, cuenta, anio, o, capturistas[o].usuario, rng, unidades, productos)
                if p == "dos versiones":
                    ciclo.finalizar(store, capturistas[o], PERSONA, anio)
    resultado.segundos = time.perf_counter() - t0
    return resultado
