"""Copy forward (issue 12 §4): an OOAD/UMAE starts a period from its last final version of the previous one.

- `revisar`: every line of that final version and what becomes of it: it is copied, it is already in
  this period (saved, or pending among someone's unsaved Paso 6 edits), or it is left out because its
  unit or its product left the catalog (with the reason).
- `copiar`: answers SI in Paso 2 when needed and keeps the lines to copy as the person's drafts
  (core.capture.borradores: the same per-product unsaved edits Paso 6 shows as pending, to review,
  change and save unit by unit), in one transaction with an audit row. Only at the start of a period
  (no line saved yet) and only for what is not in the period already: copying again adds nothing.
- `guardar_todo`: «Guardar todo lo copiado»: the person's drafts of copied lines saved at once, a Paso 6
  save per unit through `captura.guardar` (same rules, conflicts and audit rows), in one transaction;
  all or nothing.

Every function acts on the account's own OOAD/UMAE, for the person capturing; the lifecycle model
(core.lifecycle.acciones) decides when: declaring and drafting for the copy, capturing for the save.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.base import auditoria
from core.base.errors import CapturaInvalida, ConfirmacionPendiente, ConflictoEdicion, ErrorDominio
from core.base.store import Store
from core.base.texto import orden_natural
from core.capture import atipicos, borradores, captura
from core.capture.captura import FilaCaptura, Resultado
from core.lifecycle import acciones, ciclo, estados

# What becomes of a line of the previous final version.
SE_COPIA = "Se copia"
PENDIENTE = "Copiada, sin guardar"  # among this person's unsaved edits
GUARDADA = "Ya guardada"  # a line of this unit and product is saved in this period
DE_OTRA_PERSONA = "Sin guardar por otra persona"  # another person of the OOAD/UMAE has it pending
NO_SE_COPIA = "No se copia"  # the unit or the product left the catalog

UNIDAD_FUERA = "la Unidad Médica ya no está en el catálogo vigente"
UNIDAD_AJENA = "la Unidad Médica pertenece ahora a otra OOAD/UMAE"
PRODUCTO_FUERA = "el producto ya no está en el catálogo vigente"

ACCION_COPIA = "versión final copiada"
ACCION_GUARDADO = "copia de la versión final guardada"


@dataclass(frozen=True)
class Revision:
    """The previous period's final version of an OOAD/UMAE, line by line, against this period."""

    anio: int
    ooad: str
    anio_origen: int
    version: int
    lineas: pd.DataFrame  # one row per line of the final version; `destino` and `motivo` say what becomes of it

    def contar(self, destino: str) -> int:
        return int((self.lineas["destino"] == destino).sum())

    @property
    def por_copiar(self) -> int:
        return self.contar(SE_COPIA)

    @property
    def pendientes(self) -> int:
        return self.contar(PENDIENTE)

    @property
    def fuera(self) -> pd.DataFrame:
        """The lines left out because the catalog changed, with the reason."""
        return self.lineas[self.lineas["destino"] == NO_SE_COPIA]

    def describir(self) -> str:
        total = len(self.lineas)
        unidades = self.lineas["unidad"].nunique()
        texto = (
            f"La Versión Final {self.anio_origen} (versión {self.version}) tiene {total:,} línea(s) de "
            f"{unidades:,} Unidad(es) Médica(s)"
        )
        partes = []
        for destino, nombre in (
            (SE_COPIA, "se copian"),
            (PENDIENTE, "ya están copiadas en sus cambios sin guardar"),
            (GUARDADA, "ya están guardadas"),
            (DE_OTRA_PERSONA, "las tiene sin guardar otra persona"),
            (NO_SE_COPIA, "no se copian porque salieron del catálogo"),
        ):
            if n := self.contar(destino):
                partes.append(f"{n:,} {nombre}")
        return texto + (": " + "; ".join(partes) if partes else "") + "."

    def por_unidad(self) -> pd.DataFrame:
        """Per unit: what is copied (or was), what is already there, and what is left out and why."""
        filas = []
        for (_, nombre), g in self.lineas.groupby(["unidad", "unidad_nombre"], sort=False):
            fuera = g[g["destino"] == NO_SE_COPIA]
            filas.append(
                {
                    "Unidad Médica": nombre,
                    f"Líneas en la Versión Final {self.anio_origen}": len(g),
                    "Se copian": int((g["destino"] == SE_COPIA).sum()),
                    "Copiadas, sin guardar": int((g["destino"] == PENDIENTE).sum()),
                    "Ya guardadas": int((g["destino"] == GUARDADA).sum()),
                    "No se copian": len(fuera),
                    "Por qué no se copian": "; ".join(
                        f"{r.producto} «{r.producto_nombre}»: {r.motivo}" for r in fuera.itertuples()
                    ),
                }
            )
        return pd.DataFrame(filas)

    def detalle(self) -> pd.DataFrame:
        """Every line with what becomes of it, Spanish headers (shown and downloadable)."""
        d = self.lineas
        return pd.DataFrame(
            {
                "Unidad Médica": d["unidad_nombre"],
                "Clave": d["producto"],
                "Producto": d["producto_nombre"],
                "Excedente/Faltante": d["tipo"],
                "Causa Principal": d["causa"].fillna(""),
                "Ambulatorio/Hospitalario": d["ambito"],
                "Eventos Mensuales": d["eventos"].astype("Int64"),
                "Pacientes Mensuales": d["pacientes"].astype("Int64"),
                "Qué pasa": d["destino"],
                "Motivo": d["motivo"].fillna(""),
            }
        )


def _propia(cuenta: Cuenta | None) -> Cuenta:
    """The capturista's own OOAD/UMAE: the division copies nothing and has no drafts."""
    cuenta = permisos.exigir_sesion(cuenta)
    return permisos.exigir_captura_ooad(cuenta, cuenta.ooad or "")


def _persona(persona: str | None) -> str:
    persona = (persona or "").strip()
    if not persona:
        raise ErrorDominio(
            "Indique quién captura (su nombre): las líneas copiadas quedan como sus cambios sin guardar."
        )
    return persona


def _df(store: Store, sql: str, params: list) -> pd.DataFrame:
    """A small read as a DataFrame that also works inside a transaction (the relation API of `Store.df`
    refuses a cursor that a previous read of the transaction left with an open result)."""
    with store.cursor() as cur:
        r = cur.execute(sql, params)
        columnas = [d[0] for d in r.description]
        return pd.DataFrame(r.fetchall(), columns=columnas)


def _origen(store: Store, anio: int, ooad: str) -> tuple[int, int]:
    """(previous period, its last final version of the OOAD/UMAE), or why there is nothing to copy."""
    estados.periodo(store, anio)
    anterior = store.valor("SELECT max(anio) FROM periodo WHERE anio < ?", [anio])
    if anterior is None:
        raise ErrorDominio(f"No hay un periodo anterior al {anio}: no hay Versión Final que copiar.")
    f = store.fila(
        "SELECT version, respuesta, lineas FROM version_final WHERE anio = ? AND ooad = ? ORDER BY version DESC LIMIT 1",
        [anterior, ooad],
    )
    if f is None:
        raise ErrorDominio(
            f"Su OOAD/UMAE no finalizó el registro del periodo {anterior}: no hay Versión Final {anterior} que copiar."
        )
    if f[1] == "NO" or not f[2]:
        raise ErrorDominio(
            f"En la Versión Final {anterior} su OOAD/UMAE contestó NO: no tiene Excedentes ni Faltantes que copiar."
        )
    return anterior, f[0]


def _revisar(store: Store, cuenta: Cuenta, persona: str, anio: int) -> Revision:
    ooad = cuenta.ooad
    anterior, version = _origen(store, anio, ooad)
    df = _df(
        store,
        "SELECT v.unidad, v.unidad_nombre, v.producto, v.producto_nombre, v.grupo_nombre, v.especialidad_nombre,"
        " v.tipo, v.ambito, v.causa, v.pacientes, v.eventos,"
        " coalesce(u.activa, FALSE) AS unidad_vigente, u.ooad AS unidad_ooad,"
        " coalesce(p.activo, FALSE) AS producto_vigente, p.especialidad, s.grupo,"
        " l.id IS NOT NULL AS guardada,"
        " coalesce(b.propia, FALSE) AS propia, b.otras"
        " FROM version_final_linea v"
        " LEFT JOIN unidad u ON u.clave = v.unidad"
        " LEFT JOIN producto p ON p.clave = v.producto"
        " LEFT JOIN especialidad s ON s.clave = p.especialidad"
        " LEFT JOIN linea l ON l.anio = ? AND l.unidad = v.unidad AND l.producto = v.producto"
        " LEFT JOIN (SELECT unidad, producto, bool_or(cuenta = ? AND persona = ?) AS propia,"
        "   string_agg(DISTINCT persona, ', ' ORDER BY persona) FILTER (WHERE NOT (cuenta = ? AND persona = ?)) AS otras"
        "   FROM borrador WHERE anio = ? AND ooad = ? GROUP BY unidad, producto) b"
        "   ON b.unidad = v.unidad AND b.producto = v.producto"
        " WHERE v.anio = ? AND v.ooad = ? AND v.version = ?"
        f" ORDER BY {orden_natural('v.unidad_nombre')}, v.tipo DESC, v.grupo_nombre, v.producto",
        [anio, cuenta.usuario, persona, cuenta.usuario, persona, anio, ooad, anterior, ooad, version],
    )
    destino, motivo = [], []
    for r in df.itertuples():
        if not r.unidad_vigente:
            destino.append(NO_SE_COPIA)
            motivo.append(UNIDAD_FUERA)
        elif r.unidad_ooad != ooad:
            destino.append(NO_SE_COPIA)
            motivo.append(UNIDAD_AJENA)
        elif not r.producto_vigente:
            destino.append(NO_SE_COPIA)
            motivo.append(PRODUCTO_FUERA)
        elif r.propia:  # before a saved line: saving it then shows the conflict with who saved it
            destino.append(PENDIENTE)
            motivo.append(None)
        elif r.guardada:
            destino.append(GUARDADA)
            motivo.append(f"ya hay una línea de este producto guardada en {anio}")
        elif isinstance(r.otras, str):
            destino.append(DE_OTRA_PERSONA)
            motivo.append(f"{r.otras} lo tiene(n) entre sus cambios sin guardar")
        else:
            destino.append(SE_COPIA)
            motivo.append(None)
    df["destino"] = pd.Series(destino, index=df.index, dtype="object")
    df["motivo"] = pd.Series(motivo, index=df.index, dtype="object")
    return Revision(anio, ooad, anterior, version, df)


def revisar(store: Store, cuenta: Cuenta | None, persona: str | None, anio: int) -> Revision:
    """What copying the previous period's final version brings into `anio`, line by line (reads only)."""
    cuenta = _propia(cuenta)
    return _revisar(store, cuenta, _persona(persona), anio)


def _draft(r) -> dict:
    """A line of the final version as the Paso 6 grid row that re-enters it (text, as typed)."""
    eventos = None if pd.isna(r.eventos) else str(int(r.eventos))
    if r.tipo == "Excedente":
        return {"exc_pacientes": str(int(r.pacientes)), "exc_eventos": eventos, "exc_ambito": r.ambito}
    return {
        "fal_causa": r.causa,
        "fal_pacientes": str(int(r.pacientes)),
        "fal_eventos": eventos,
        "fal_ambito": r.ambito,
    }


def copiar(store: Store, cuenta: Cuenta | None, persona: str | None, anio: int, confirmadas: int) -> Revision:
    """Copy the previous period's final version into `anio` as this person's unsaved edits.

    `confirmadas` is how many lines the person saw would be copied (Revision.por_copiar) and accepted;
    if that changed meanwhile nothing is copied. Answers SI in Paso 2 when the OOAD/UMAE had not (the
    confirmation says so). Returns the revision after copying."""
    cuenta = _propia(cuenta)
    persona = _persona(persona)

    def trabajo(tx) -> Revision:
        ooad = cuenta.ooad
        e = estados.estado(store, anio, ooad)
        acciones.exigir(store, cuenta, anio, ooad, acciones.DECLARAR if e.respuesta != "SI" else acciones.BORRADOR)
        if n := estados.contar_lineas(store, anio, ooad):
            raise ErrorDominio(
                f"Su OOAD/UMAE ya tiene {n:,} línea(s) guardada(s) en el periodo {anio}: la Versión Final del "
                "periodo anterior se copia solo para empezar, antes de guardar líneas."
            )
        rev = _revisar(store, cuenta, persona, anio)
        if rev.por_copiar == 0:
            raise ErrorDominio(f"No queda nada por copiar de la Versión Final {rev.anio_origen}. " + rev.describir())
        if rev.por_copiar != confirmadas:
            raise ErrorDominio(
                f"Lo que se copiaría cambió mientras lo revisaba: ahora son {rev.por_copiar:,} línea(s). "
                "Revíselo de nuevo y confirme."
            )
        if e.respuesta != "SI":
            ciclo.declarar(store, cuenta, persona, anio, "SI")
        copiar_ = rev.lineas[rev.lineas["destino"] == SE_COPIA]
        for unidad, g in copiar_.groupby("unidad", sort=False):
            borradores.guardar(store, cuenta, persona, anio, unidad, {r.producto: _draft(r) for r in g.itertuples()})
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion=ACCION_COPIA,
            anio=anio,
            ooad=ooad,
            objeto=f"Versión Final {rev.anio_origen} v{rev.version}",
            despues={
                "origen": rev.anio_origen,
                "version": rev.version,
                "copiadas": len(copiar_),
                "por_unidad": copiar_.groupby("unidad").size().astype(int).to_dict(),
                "no_copiadas": [
                    {"unidad": r.unidad, "producto": r.producto, "motivo": r.motivo} for r in rev.fuera.itertuples()
                ],
            },
        )
        return _revisar(store, cuenta, persona, anio)

    return store.escribir(trabajo)


@dataclass(frozen=True)
class Guardado:
    """What «Guardar todo lo copiado» saved: per unit name, its Paso 6 result."""

    por_unidad: dict[str, Resultado]

    @property
    def lineas(self) -> int:
        return sum(r.insertadas + r.actualizadas for r in self.por_unidad.values())

    def describir(self) -> str:
        return f"Se guardaron {self.lineas:,} línea(s) copiadas en {len(self.por_unidad):,} Unidad(es) Médica(s)."


def guardar_todo(
    store: Store,
    cuenta: Cuenta | None,
    persona: str | None,
    anio: int,
    *,
    confirmados: Iterable[atipicos.Aviso | tuple] = (),
) -> Guardado:
    """«Guardar todo lo copiado»: this person's unsaved edits of copied lines (as they are now, changed in
    Paso 6 or not) saved in one transaction, unit by unit through captura.guardar; all or nothing.

    Refusals of every unit are gathered into one error, each prefixed by its unit. Outlier warnings
    (core.capture.atipicos) of every unit are gathered into one ConfirmacionPendiente, to confirm
    once: `confirmados` are those the person confirmed, passed to each unit's captura.guardar."""
    cuenta = _propia(cuenta)
    persona = _persona(persona)
    confirmados = tuple(confirmados)

    def trabajo(tx) -> Guardado:
        ooad = cuenta.ooad
        acciones.exigir(store, cuenta, anio, ooad, acciones.CAPTURAR)
        rev = _revisar(store, cuenta, persona, anio)
        copiadas = rev.lineas[rev.lineas["destino"] == PENDIENTE]
        if copiadas.empty:
            raise ErrorDominio("No tiene líneas copiadas sin guardar: " + rev.describir())
        pares = list(zip(copiadas["unidad"], copiadas["producto"], strict=True))
        drafts = _df(
            store,
            f"SELECT unidad, producto, {', '.join(borradores.CAMPOS)}, version FROM borrador"
            " WHERE anio = ? AND cuenta = ? AND persona = ? AND list_contains(?, unidad || chr(31) || producto)",
            [anio, cuenta.usuario, persona, [f"{u}\x1f{p}" for u, p in pares]],
        )
        nombres = dict(zip(copiadas["unidad"], copiadas["unidad_nombre"], strict=False))
        errores: list[str] = []
        conflictos: list[str] = []
        avisos: list = []
        resultados: dict[str, Resultado] = {}
        for unidad, g in drafts.groupby("unidad", sort=False):
            filas = [
                FilaCaptura(
                    r.producto,
                    version=None if pd.isna(r.version) else int(r.version),
                    **{c: getattr(r, c) for c in borradores.CAMPOS},
                )
                for r in g.itertuples()
            ]
            nombre = nombres.get(unidad, unidad)
            try:
                resultados[nombre] = captura.guardar(
                    store, cuenta, persona, anio, unidad, filas, confirmados=confirmados
                )
            except CapturaInvalida as exc:
                errores += [f"{nombre}: {e}" for e in exc.errores]
            except ConflictoEdicion as exc:
                conflictos += [f"{nombre}: {p}" for p in exc.productos]
            except ConfirmacionPendiente as exc:
                avisos += exc.avisos
        if errores:
            raise CapturaInvalida(errores)
        if conflictos:
            raise ConflictoEdicion(conflictos)
        if avisos:
            raise ConfirmacionPendiente(avisos)
        tx.execute(
            "DELETE FROM borrador WHERE anio = ? AND cuenta = ? AND persona = ?"
            " AND list_contains(?, unidad || chr(31) || producto)",
            [anio, cuenta.usuario, persona, [f"{u}\x1f{p}" for u, p in pares]],
        )
        guardado = Guardado(resultados)
        auditoria.registrar(
            tx,
            cuenta=cuenta.usuario,
            persona=persona,
            accion=ACCION_GUARDADO,
            anio=anio,
            ooad=ooad,
            objeto=f"Versión Final {rev.anio_origen} v{rev.version}",
            despues={"lineas": guardado.lineas, "unidades": len(resultados)},
        )
        return guardado

    return store.escribir(trabajo)
