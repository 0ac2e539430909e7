"""Exchange opportunities: shortage lines met by surplus lines of the same product elsewhere.

Two views over the lines of a period (the DataFrame of `core.analysis.analisis.lineas`):

- `oportunidades`: every (shortage line, surplus line) pair of one product at two different
  units, with the straight-line distance between the units and the patients that pair alone
  could cover, ranked by those patients and then by distance.
- `asignar`: one allocation for all products at once that covers as many shortage patients as
  the surplus allows and, among those allocations, has the fewest patient-kilometres. It is a
  min-cost max-flow solved by OR-Tools (networkx is about 50x slower on the national problem).

Both are pure functions of the lines, so they are tested without a store; `lineas` is the one
store-facing entry point and checks that the account belongs to the division. Neither builds
every pair: at ~1M lines there are ~32M (core.analysis.transporte explains how the allocation
stays exact anyway), and both pass core.analysis.guardia first (memory estimate, one heavy
request per process at a time).

Rules decided here (shown to users in the page's notes):
- Distances are great-circle ("línea recta") kilometres between the units' catalog coordinates;
  roads are longer. A pair whose units lack coordinates has no distance and is not matched.
- A remote product (producto.remoto: follow-up consultations by video call) counts 0 km when the
  user allows remote care: the maximum distance does not apply to it, the same-state and same-
  modality filters still do (they are administrative choices, not distances).
- Group and specialty filters choose products; a product's allocation never depends on other
  products, so filtering products does not change the flows of the products that remain.
- Why shortage is left uncovered, for each shortage line with patients left:
  1. "No hay excedente…": no surplus line of that product at any other unit in the data shown.
  2. When there is surplus of the product at another unit but no pair with it passes:
     "…no tiene coordenadas…" if the shortage unit has none in the catalog (no distance can be
     measured, whatever the filters), "…con excedente … no tienen coordenadas…" if none of the
     units with surplus of the product has them (remote care at 0 km, when allowed, needs none);
     otherwise "…fuera de los filtros…": the distance, same-state or same-modality filters exclude
     every pair. Without filters a pair fails only for want of coordinates, so that reason never
     appears then.
  3. "…ya se asignó…": at least one pair passes the filters. In a maximum flow every surplus
     line such a pair reaches is then used up (otherwise the flow could still grow), so the
     surplus within reach went to other units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.accounts import permisos
from core.accounts.permisos import Cuenta
from core.analysis import guardia, transporte
from core.analysis.transporte import RADIO_TIERRA_KM, haversine_km  # noqa: F401 - part of this module's API
from core.base import texto
from core.base.errors import ErrorDominio
from core.base.store import Store

EXCEDENTE, FALTANTE = "Excedente", "Faltante"

MOTIVO_SIN_EXCEDENTE = "No hay excedente de este producto en ningún lugar"
MOTIVO_AGOTADO = "El excedente disponible ya se asignó a otras unidades"
MOTIVO_FUERA_FILTROS = "El excedente está fuera de los filtros (distancia, mismo estado o misma modalidad)"
MOTIVO_SIN_COORDENADAS = "La unidad no tiene coordenadas en el catálogo: no se puede medir la distancia"
MOTIVO_EXCEDENTE_SIN_COORDENADAS = (
    "Las unidades con excedente de este producto no tienen coordenadas en el catálogo: no se puede medir la distancia"
)
# The Sankey between states: the largest flows one by one, the rest grouped (see agrupar_estados).
OTROS = "Otros"
FLUJOS_SANKEY = 15

# Columns of a line that each side of a pair carries into the results.
_LADO = ("unidad", "unidad_nombre", "ooad", "ooad_nombre", "cve_ent", "estado_nombre", "ambito", "pacientes")
_PRODUCTO = ("producto", "producto_nombre", "grupo_nombre", "especialidad_nombre")


@dataclass(frozen=True)
class Filtros:
    """What the user narrowed the search to; the defaults take every pair."""

    grupo: str | None = None
    especialidad: str | None = None
    mismo_estado: bool = False
    misma_modalidad: bool = False  # same Ambulatorio/Hospitalario on both sides
    km_max: float | None = None
    remoto_a_distancia: bool = False  # remote products matched at 0 km, regardless of distance


@dataclass(frozen=True)
class Propuestas:
    """The best-ranked pairs (at most the requested number) and how many pairs there are."""

    tabla: pd.DataFrame
    total: int


@dataclass(frozen=True)
class Asignacion:
    flujos: pd.DataFrame  # one row per (surplus line, shortage line) with patients moved
    sin_cubrir: pd.DataFrame  # each shortage line with patients left uncovered, and why
    faltante: int  # shortage patients of the products considered
    cubierto: int
    excedente: int  # surplus patients of the products considered
    paciente_km: float  # sum of patients x counted km (remote care counts 0)
    arcos: int = 0  # pairs the solver looked at in its final networks (of `Propuestas.total`)
    rondas: int = 0  # pricing rounds until no pair could improve the allocation

    @property
    def pacientes_sin_cubrir(self) -> int:
        return self.faltante - self.cubierto


# The columns of a line the exchange reads (the results' columns, the filters, places and patients).
COLUMNAS_LINEAS = (
    *_PRODUCTO,
    *(c for c in _LADO if c not in _PRODUCTO),
    "grupo",
    "especialidad",
    "lat",
    "lon",
    "remoto",
    "tipo",
    "causa",
)


# -- store-facing -------------------------------------------------------------------------------
def lineas(store: Store, cuenta: Cuenta | None, anio: int, *, incluir_en_captura: bool = False) -> pd.DataFrame:
    """The lines the division analyses (final versions, optionally the current captures too), with
    only the columns the exchange reads and text as categoricals (analisis.lineas_compactas: at ~1M
    lines ~25 MB instead of ~260 MB, and taking the results' rows moves integer codes, not strings)."""
    permisos.exigir_division(cuenta)
    from core.analysis import analisis

    return analisis.lineas_compactas(store, cuenta, anio, COLUMNAS_LINEAS, incluir_en_captura=incluir_en_captura)


# -- the problem ----------------------------------------------------------------------------------
class _Lineas:
    """Some rows of the lines DataFrame, read one column at a time: a filtered copy of all 26
    columns of ~1M lines costs more than the whole allocation."""

    def __init__(self, df: pd.DataFrame, pos: np.ndarray) -> None:
        self.df, self.pos = df, pos

    def __len__(self) -> int:
        return len(self.pos)

    def __getitem__(self, columna: str) -> pd.Series:
        return pd.Series(self.df[columna].array.take(self.pos), name=columna)

    def clave(self, columna: str, idx: np.ndarray) -> np.ndarray:
        """These rows' values of a text column as integer sort keys, in code-point order (as pandas
        sorts strings; missing: -1). A categorical's codes are ranked, no string is taken."""
        valores = self.df[columna].array
        if isinstance(valores, pd.Categorical):
            categorias = np.asarray(valores.categories, dtype=object)
            rango = np.empty(len(categorias) + 1, dtype=np.int64)
            rango[np.argsort(categorias, kind="stable")] = np.arange(len(categorias))
            rango[-1] = -1  # code -1: missing
            return rango[valores.codes[self.pos[idx]]]
        return pd.factorize(np.asarray(valores.take(self.pos[idx])), sort=True)[0]

    def filas(self, idx: np.ndarray, columnas) -> pd.DataFrame:
        """These rows (positions among self's) of only these columns; taken from the columns'
        arrays (3x faster than through the DataFrame's index at 1M lines)."""
        pos = self.pos[idx]
        return pd.DataFrame({c: self.df[c].array.take(pos) for c in columnas})


def _lados(lineas: pd.DataFrame, f: Filtros) -> tuple[_Lineas, _Lineas]:
    """The surplus and shortage lines the filters keep (with patients), in the lines' order."""
    queda = lineas["pacientes"].fillna(0).to_numpy() > 0
    if f.grupo:
        queda &= (lineas["grupo"] == f.grupo).to_numpy()
    if f.especialidad:
        queda &= (lineas["especialidad"] == f.especialidad).to_numpy()
    tipo = lineas["tipo"].to_numpy()
    return (
        _Lineas(lineas, np.flatnonzero(queda & (tipo == EXCEDENTE))),
        _Lineas(lineas, np.flatnonzero(queda & (tipo == FALTANTE))),
    )


def estimar(lineas: pd.DataFrame, filtros: Filtros | None = None, filas_tabla: int | None = 0) -> int:
    """Bytes a request would hold at its peak (core.analysis.guardia), from counts only, the lines
    it is computed from included (the page holds them meanwhile)."""
    exc, fal = _lados(lineas, filtros or Filtros())
    return guardia.estimar_intercambio(
        exc["producto"], fal["producto"], exc["unidad"], fal["unidad"], filas_tabla, _retenido(lineas)
    )


def _retenido(lineas: pd.DataFrame) -> int:
    """Bytes of the lines frame itself: held while the request runs, so counted in its estimate."""
    return int(lineas.memory_usage(index=True, deep=True).sum())


def _problema(lineas: pd.DataFrame, f: Filtros, filas_tabla: int | None) -> tuple[_Lineas, _Lineas, int]:
    """The request's surplus and shortage lines, once the memory guard let the request through,
    and the guard's estimate (bytes), which decides whether it waits for its turn."""
    exc, fal = _lados(lineas, f)
    estimado = guardia.exigir_intercambio(
        exc["producto"], fal["producto"], exc["unidad"], fal["unidad"], filas_tabla, _retenido(lineas)
    )
    return exc, fal, estimado


def _filas(lado: _Lineas, idx: np.ndarray, columnas) -> pd.DataFrame:
    return lado.filas(idx, columnas)


def _lado(lado: _Lineas, idx: np.ndarray, prefijo: str) -> pd.DataFrame:
    return _filas(lado, idx, _LADO).rename(columns={c: f"{prefijo}_{c}" for c in _LADO})


def _orden(*claves) -> np.ndarray:
    """Stable order by several integer keys, first key first (text: _Lineas.clave; km: _decimas).

    When their ranges fit in 63 bits together they are packed into one key and sorted once (a
    stable radix sort: ~10x faster than lexsort's pass per key on the ~580,000 flows at 1M lines)."""
    enteras = [np.asarray(c, dtype=np.int64) for c in claves]
    if not len(enteras[0]):
        return np.empty(0, dtype=np.int64)
    minimos = [int(c.min()) for c in enteras]
    bits = [(int(c.max()) - m).bit_length() for c, m in zip(enteras, minimos, strict=True)]
    if sum(bits) > 63:
        return np.lexsort(enteras[::-1])
    clave = np.zeros(len(enteras[0]), dtype=np.int64)
    for c, m, b in zip(enteras, minimos, bits, strict=True):
        clave = (clave << b) | (c - m)
    return np.argsort(clave, kind="stable")


def _decimas(km: np.ndarray) -> np.ndarray:
    """km as a sort key in tenths (the order of np.round(km, 1), no distance last)."""
    decimas = np.rint(np.nan_to_num(km, nan=0.0) * 10).astype(np.int64)
    return np.where(np.isnan(km), decimas.max(initial=0) + 1, decimas)


# -- proposals ------------------------------------------------------------------------------------
def oportunidades(lineas: pd.DataFrame, filtros: Filtros | None = None, *, limite: int | None = None) -> Propuestas:
    """Pairs that pass the filters, ranked by patients coverable, then distance (km counted).

    Only the first `limite` rows are built into a table: the national count reaches tens of
    millions and nobody reads past the top. The pairs are looked at in blocks; each block keeps
    only what could still enter the best `limite` (a pair needs at least the patients of the
    current last one), so memory stays that of one block plus the table.
    """
    f = filtros or Filtros()
    exc, fal, estimado = _problema(lineas, f, limite)
    with guardia.turno(estimado):
        pb = transporte.Problema(exc, fal, f)
        ranking = _Ranking(pb, limite)
        for b in pb.bloques(pb.productos_con_pares(), metros=False):
            ranking.agregar(b)
        return ranking.propuestas(exc, fal)


class _Ranking:
    """The best `limite` pairs of the blocks seen so far, and how many eligible pairs there were."""

    def __init__(self, pb: transporte.Problema, limite: int | None) -> None:
        self.pb, self.limite = pb, limite
        self.total, self.umbral = 0, 0
        self.mejores = (
            np.empty(0, np.int64),
            np.empty(0),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0),
            np.empty(0, bool),
        )

    def agregar(self, b: transporte.Bloque) -> None:
        pb, limite = self.pb, self.limite
        self.total += int(b.elegible.sum())
        cub = np.minimum(pb.s_oferta[b.ie][:, None, :], pb.s_demanda[b.jf][:, :, None])
        sel = b.elegible & (cub >= self.umbral)
        if limite is not None:
            valores = cub[sel]
            if len(valores) > limite:  # this block alone fills the table: its limite-th best
                sel &= cub >= np.partition(valores, len(valores) - limite)[len(valores) - limite]
        p_, f_, e_ = np.nonzero(sel)
        ie, jf = b.ie[p_, e_], b.jf[p_, f_]
        km = pb.km(pb.s_loc_e[ie], pb.s_loc_f[jf])
        rem = pb.s_rem_e[ie]
        parte = (cub[p_, f_, e_], np.where(rem, 0.0, km), pb.s_pos_f[jf], pb.s_pos_e[ie], km, rem)
        mejores = tuple(np.concatenate(x) for x in zip(self.mejores, parte, strict=True))
        # lexsort: last key first. Ties fall back to the lines' order, so the ranking is stable.
        orden = np.lexsort((mejores[3], mejores[2], mejores[1], -mejores[0]))[:limite]
        self.mejores = tuple(x[orden] for x in mejores)
        if limite is not None and len(orden) == limite:
            self.umbral = int(self.mejores[0][-1])

    def propuestas(self, exc: _Lineas, fal: _Lineas) -> Propuestas:
        cub, _, j, i, km, rem = self.mejores
        tabla = pd.concat(
            [
                _filas(fal, j, _PRODUCTO),
                _lado(fal, j, "faltante"),
                _lado(exc, i, "excedente"),
                pd.DataFrame({"km": np.round(km, 1), "remoto": rem.astype(bool), "cubrible": cub.astype(np.int64)}),
            ],
            axis=1,
        )
        return Propuestas(tabla, self.total)


def calcular(
    lineas: pd.DataFrame, filtros: Filtros | None = None, *, limite: int | None = None
) -> tuple[Propuestas, Asignacion]:
    """`oportunidades` and `asignar` of the same lines and filters, as the page shows them both,
    with one pass over the pairs: the allocation's first pass over the blocks ranks them too
    (at 1M lines the proposals' own pass over the 32M pairs was ~1 s of CPU)."""
    f = filtros or Filtros()
    exc, fal, estimado = _problema(lineas, f, limite)
    with guardia.turno(estimado):
        pb = transporte.Problema(exc, fal, f)
        ranking = _Ranking(pb, limite)
        sol = transporte.resolver(pb, ranking.agregar)
        return ranking.propuestas(exc, fal), _asignacion(pb, exc, fal, sol)


# -- allocation ---------------------------------------------------------------------------------
def asignar(lineas: pd.DataFrame, filtros: Filtros | None = None) -> Asignacion:
    """Maximum shortage patients covered, then fewest patient-km: a min-cost max-flow.

    Network: a node per surplus line with supply = its patients, a node per shortage line with
    demand = its patients, an arc per eligible pair (capacity min of both, cost = metres). It is
    solved exactly without building every pair (core.analysis.transporte: candidate pairs, OR-Tools,
    then pricing every other pair by its reduced cost until none can improve the result).
    """
    f = filtros or Filtros()
    exc, fal, estimado = _problema(lineas, f, 0)
    with guardia.turno(estimado):
        pb = transporte.Problema(exc, fal, f)
        return _asignacion(pb, exc, fal, transporte.resolver(pb))


def _asignacion(pb: transporte.Problema, exc: _Lineas, fal: _Lineas, sol: transporte.Solucion) -> Asignacion:
    """The allocation's tables and totals from the solver's flows."""
    fi, fj, pacientes = sol.i, sol.j, sol.flujo
    km = pb.km(pb.loc_e[fi], pb.loc_f[fj])
    rem = pb.remoto_e[fi]
    # Rows by product, then most patients, then least km (ties: the lines' order).
    orden = _orden(fal.clave("producto", fj), -pacientes, _decimas(km))
    fi, fj, pacientes, km, rem = fi[orden], fj[orden], pacientes[orden], km[orden], rem[orden]
    km_ef = np.where(rem, 0.0, km)
    flujos = pd.concat(
        [
            _filas(fal, fj, _PRODUCTO),
            _lado(exc, fi, "de").drop(columns=["de_pacientes"]),
            _lado(fal, fj, "a").drop(columns=["a_pacientes"]),
            pd.DataFrame(
                {
                    "pacientes": pacientes,
                    "km": np.round(km, 1),
                    "remoto": rem,
                    "paciente_km": np.round(pacientes * km_ef, 1),
                }
            ),
        ],
        axis=1,
    )
    cubiertos = np.bincount(fj, weights=pacientes, minlength=len(fal)).astype(np.int64)
    sin_cubrir = _sin_cubrir(pb, cubiertos, sol.con_elegible)
    return Asignacion(
        flujos=flujos,
        sin_cubrir=sin_cubrir,
        faltante=int(pb.demanda.sum()),
        cubierto=int(pacientes.sum()),
        excedente=int(pb.oferta.sum()),
        paciente_km=float(np.round((pacientes * km_ef).sum(), 1)),
        arcos=sol.arcos,
        rondas=sol.rondas,
    )


def _sin_cubrir(pb: transporte.Problema, cubiertos: np.ndarray, con_elegible: np.ndarray) -> pd.DataFrame:
    # A shortage line has a pair when its product has surplus at some other unit.
    n_uni = int(max(pb.uni_e.max(initial=0), pb.uni_f.max(initial=0))) + 1
    clave_e = pb.prod_e.astype(np.int64) * n_uni + pb.uni_e
    clave_f = pb.prod_f.astype(np.int64) * n_uni + pb.uni_f
    misma_unidad = np.zeros(pb.n_f, dtype=np.int64)
    if pb.n_e and pb.n_f:
        claves, por_clave = np.unique(clave_e, return_counts=True)
        k = np.searchsorted(claves, clave_f).clip(max=len(claves) - 1)
        misma_unidad = np.where(claves[k] == clave_f, por_clave[k], 0)
    con_par = pb.cnt_e[pb.prod_f] - misma_unidad > 0
    # Surplus lines of the line's product at other units that have coordinates, or that are
    # remote care counted at 0 km (only when the filter allows it).
    con_lugar = _en_otra_unidad(pb, pb.loc_e != pb.n_lug)
    a_distancia = _en_otra_unidad(pb, pb.remoto_e)
    sin_lugar_f = pb.loc_f == pb.n_lug
    pacientes = pb.demanda
    faltan = pacientes - cubiertos
    quedan = np.flatnonzero(faltan > 0)
    # Most patients left first, then by product and unit (ties: the lines' order).
    quedan = quedan[_orden(-faltan[quedan], pb.fal.clave("producto", quedan), pb.fal.clave("unidad", quedan))]
    lejos = ~a_distancia[quedan]  # no remote surplus: a pair needs both places known
    motivo = np.select(
        [
            ~con_par[quedan],
            con_elegible[quedan],
            lejos & sin_lugar_f[quedan],
            lejos & ~con_lugar[quedan],
        ],
        [MOTIVO_SIN_EXCEDENTE, MOTIVO_AGOTADO, MOTIVO_SIN_COORDENADAS, MOTIVO_EXCEDENTE_SIN_COORDENADAS],
        MOTIVO_FUERA_FILTROS,
    )
    columnas = list(_PRODUCTO) + [c for c in _LADO if c != "pacientes"] + ["causa"]
    tabla = _filas(pb.fal, quedan, columnas)
    tabla["pacientes"] = pacientes[quedan]
    tabla["cubiertos"] = cubiertos[quedan]
    tabla["sin_cubrir"] = faltan[quedan]
    tabla["motivo"] = motivo
    return tabla


def _en_otra_unidad(pb: transporte.Problema, marca: np.ndarray) -> np.ndarray:
    """Per shortage line: whether some marked surplus line of its product is at another unit."""
    por_producto = np.bincount(pb.prod_e[marca], minlength=pb.n_prod)
    n_uni = int(max(pb.uni_e.max(initial=0), pb.uni_f.max(initial=0))) + 1
    claves, n = np.unique(pb.prod_e[marca].astype(np.int64) * n_uni + pb.uni_e[marca], return_counts=True)
    clave_f = pb.prod_f.astype(np.int64) * n_uni + pb.uni_f
    misma = np.zeros(pb.n_f, dtype=np.int64)
    if len(claves) and pb.n_f:
        k = np.searchsorted(claves, clave_f).clip(max=len(claves) - 1)
        misma = np.where(claves[k] == clave_f, n[k], 0)
    return por_producto[pb.prod_f] - misma > 0


# -- states -------------------------------------------------------------------------------------
def sankey_estados(flujos: pd.DataFrame) -> pd.DataFrame:
    """Patients moved from each offering state to each receiving state, largest first (ties in
    Spanish order of the states)."""
    if flujos.empty:
        return pd.DataFrame(
            {"origen": pd.Series(dtype=str), "destino": pd.Series(dtype=str), "pacientes": pd.Series(dtype="int64")}
        )
    t = (
        flujos.groupby(["de_estado_nombre", "a_estado_nombre"], as_index=False, sort=True, observed=True)["pacientes"]
        .sum()
        .rename(columns={"de_estado_nombre": "origen", "a_estado_nombre": "destino"})
    )
    # Categorical names (the lines' read) as plain text: sorted and folded by name below.
    t = t.astype({"origen": str, "destino": str})
    t = t.sort_values(["origen", "destino"], key=lambda c: c.map(texto.clave_orden), kind="stable")
    return t.sort_values("pacientes", ascending=False, kind="stable", ignore_index=True)


def agrupar_estados(estados: pd.DataFrame, maximo: int | None = FLUJOS_SANKEY) -> pd.DataFrame:
    """The state-to-state flows of `sankey_estados` cut to what a Sankey can show: the `maximo`
    largest flows as they are, every other flow folded into «Otros».

    A folded flow keeps its offering state when that state has a flow among the largest (its
    rest goes to «Otros»), else keeps its receiving state when that one has (it comes from
    «Otros»), else goes «Otros» → «Otros». So every offering state shown carries all it offers,
    the patients add up to the same total, and there are at most 3 × `maximo` + 1 links.
    `maximo` None or at least the number of flows: the flows unchanged."""
    if maximo is None or len(estados) <= maximo:
        return estados.reset_index(drop=True)
    if maximo < 1:
        raise ErrorDominio("Elija al menos un flujo que mostrar.")
    mayores, resto = estados.iloc[:maximo], estados.iloc[maximo:]
    origenes, destinos = set(mayores["origen"]), set(mayores["destino"])
    con_origen = resto["origen"].isin(origenes)
    resto = resto.assign(
        origen=resto["origen"].where(con_origen, OTROS),
        destino=resto["destino"].where(~con_origen & resto["destino"].isin(destinos), OTROS),
    )
    resto = resto.groupby(["origen", "destino"], as_index=False, sort=False)["pacientes"].sum()
    resto = resto.sort_values(["origen", "destino"], key=lambda c: c.map(texto.clave_orden), kind="stable")
    resto = resto.sort_values("pacientes", ascending=False, kind="stable")
    return pd.concat([mayores, resto], ignore_index=True)


# -- choices and display ------------------------------------------------------------------------
def opciones_grupo(lineas: pd.DataFrame) -> dict[str, str]:
    """{clave: nombre} of the groups present in the lines, by name."""
    return _opciones(lineas, "grupo", "grupo_nombre")


def opciones_especialidad(lineas: pd.DataFrame, grupo: str | None = None) -> dict[str, str]:
    df = lineas if not grupo else lineas[lineas["grupo"] == grupo]
    return _opciones(df, "especialidad", "especialidad_nombre")


def _opciones(df: pd.DataFrame, clave: str, nombre: str) -> dict[str, str]:
    pares = (
        df[[clave, nombre]].drop_duplicates().sort_values(nombre, key=lambda c: c.astype(str).map(texto.clave_orden))
    )
    return dict(zip(pares[clave].tolist(), pares[nombre].tolist(), strict=True))


_SI_NO = {True: "Sí", False: "No"}

# Column order: what ranks and decides a row (product, patients, km, the two units) comes first,
# so the grid shows it without scrolling sideways; the context follows.
COLUMNAS_OPORTUNIDADES = {
    "producto_nombre": "Producto",
    "cubrible": "Pacientes que podrían cubrirse",
    "km": "Distancia en línea recta (km)",
    "faltante_unidad_nombre": "Unidad con faltante",
    "faltante_estado_nombre": "Estado (faltante)",
    "excedente_unidad_nombre": "Unidad con excedente",
    "excedente_estado_nombre": "Estado (excedente)",
    "faltante_pacientes": "Pacientes faltantes",
    "excedente_pacientes": "Pacientes excedentes",
    "faltante_ambito": "Amb./Hosp. (faltante)",
    "excedente_ambito": "Amb./Hosp. (excedente)",
    "remoto": "Atención a distancia",
    "faltante_ooad_nombre": "OOAD/UMAE (faltante)",
    "excedente_ooad_nombre": "OOAD/UMAE (excedente)",
    "producto": "Clave del producto",
    "grupo_nombre": "Grupo de Servicio",
    "especialidad_nombre": "Especialidad Troncal",
}
COLUMNAS_FLUJOS = {
    "producto_nombre": "Producto",
    "de_unidad_nombre": "De la unidad (excedente)",
    "a_unidad_nombre": "A la unidad (faltante)",
    "pacientes": "Pacientes mensuales",
    "km": "Distancia en línea recta (km)",
    "remoto": "Atención a distancia",
    "paciente_km": "Pacientes-km",
    "de_estado_nombre": "Estado que ofrece",
    "a_estado_nombre": "Estado que recibe",
    "de_ooad_nombre": "OOAD/UMAE que ofrece",
    "a_ooad_nombre": "OOAD/UMAE que recibe",
    "producto": "Clave del producto",
}
COLUMNAS_SIN_CUBRIR = {
    "producto_nombre": "Producto",
    "unidad_nombre": "Unidad Médica",
    "pacientes": "Pacientes faltantes",
    "cubiertos": "Pacientes cubiertos",
    "sin_cubrir": "Pacientes sin cubrir",
    "motivo": "Motivo",
    "estado_nombre": "Estado",
    "ooad_nombre": "OOAD/UMAE",
    "ambito": "Ambulatorio/Hospitalario",
    "causa": "Causa Principal",
    "producto": "Clave del producto",
    "grupo_nombre": "Grupo de Servicio",
}
COLUMNAS_ESTADOS = {"origen": "Estado que ofrece", "destino": "Estado que recibe", "pacientes": "Pacientes mensuales"}


# Rows of the allocation and of the uncovered shortage drawn on screen: at ~1M lines the allocation has
# ~580,000 rows (130 MB of Arrow the server would send and the browser parse on every visit); the
# downloads keep every row.
FILAS_PANTALLA = 1_000


def mayores(valores, n: int | None = None) -> np.ndarray:
    """Positions of the `n` (FILAS_PANTALLA) rows with the largest `valores` (ties: the earlier row),
    in the rows' order."""
    n = FILAS_PANTALLA if n is None else n
    v = np.asarray(valores)
    if len(v) <= n:
        return np.arange(len(v))
    return np.sort(np.argsort(-v, kind="stable")[:n])


def para_mostrar(df: pd.DataFrame, columnas: dict[str, str]) -> pd.DataFrame:
    """The columns users read, in this order, with Spanish headers and Sí/No for flags."""
    salida = df[list(columnas)].rename(columns=columnas)
    for col in ("remoto",):
        if col in columnas:
            salida[columnas[col]] = df[col].map(_SI_NO).astype(str)
    return salida
