"""The exchange problem solved exactly without building every shortage-surplus pair at once.

At national volume x100 (about 1M lines) a product has ~100 surplus and ~100 shortage lines and
the products together ~32M pairs: materialising them all took 7 GB. Products never share a line,
so each is solved on its own, and pairs are only ever looked at in blocks of at most `CELDAS`
cells (some products side by side, padded; a few MB each):

- A product of up to `DENSO_MAX` cells (every product of the bench's data) is solved whole on
  its dense block by POT's network simplex (`_simplex_enviar`): exact, about 1 ms for 100 x 100 lines,
  where OR-Tools' cost scaling needed ~1 ms per 100 arcs.
- A larger product goes through **column generation** on the min-cost max-flow:
  1. Candidates: each shortage line's `VECINOS_FALTANTE` nearest eligible surplus lines and each
     surplus line's `VECINOS_EXCEDENTE` nearest eligible shortage lines.
  2. OR-Tools solves the restricted network (max flow, then min cost among max flows).
  3. Node potentials (`_potenciales`): the lexicographic objective is one cost with a return arc
     t->s of cost -`M` (M above any path's cost: one more patient covered outweighs any
     distance); potentials = M x (side of a minimum cut) + shortest-path distances on the
     residual graph, so every residual arc has a non-negative reduced cost c(i,j)+pi(i)-pi(j).
  4. Pricing: a pass over the product's blocks computes the reduced cost of every eligible pair
     not yet in the network. None negative: the potentials are a dual solution of the FULL
     problem, so the restricted optimum is the full optimum (LP duality). Otherwise the most
     negative pairs of each shortage line (at most `NUEVOS_POR_FILA`) join and 2-4 repeat for
     the products that grew. Each round adds at least one pair, so the loop ends; in the worst
     case it ends with every eligible pair of the product in the network (each round one block
     pass: memory stays bounded, time does not).

Remote products matched at 0 km (producto.remoto with remote care allowed) are solved apart:
every pair of a class (the whole product, or one state and/or modality when those filters are
on) costs 0, so the most a class can move is min(surplus, shortage) and a deterministic
"north-west corner" fill (lines in their order) reaches it. If one unit has both surplus and
shortage of such a product in one class (a pair it may not make with itself), the product goes
through the general method instead (costs 0, same proof).

Distances are great-circle km between the units' coordinates, computed once per distinct place
(the catalog has ~1,500 units) as matrices of km and whole metres; above `MAX_LUGARES` places
they are computed per block instead.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from core.base.errors import ErrorDominio

# Candidate arcs per shortage line / per surplus line at the start, and arcs added per shortage
# line per pricing round. Measured at ~1M lines (bench/RESULTS.md): larger values give bigger
# networks to solve, smaller ones more rounds.
VECINOS_FALTANTE = 4
VECINOS_EXCEDENTE = 2
NUEVOS_POR_FILA = 4
# Products with at most this many (surplus+1) x (shortage+1) cells are solved whole by the
# network simplex (one dense block each: ~24 bytes a cell); larger ones by column generation.
DENSO_MAX = 1 << 20
# Products solved at once by the network simplex (it releases the GIL): the server's 2 cores.
HILOS = 2
# Pairs evaluated at once: a block holds a few arrays of this many cells (~40 bytes each).
CELDAS = 1 << 20
# Distinct places above which distances are computed per block instead of from a matrix
# ((places+1)^2 x 16 bytes: 4,000 places = 256 MB; the catalog has ~1,500 units).
MAX_LUGARES = 4_000
# Products per OR-Tools network: small products solved together save the per-call overhead;
# cost scaling grows faster than linearly with the network, so networks stay small.
ARCOS_POR_RED = 20_000

INF = np.int64(1) << 61  # cost of an ineligible pair: above any reduced cost
M = np.int64(1) << 50  # value of one patient covered, in metres: above any path's cost
METROS_POR_KM = 1000


# Mean earth radius (IUGG), the usual constant of the haversine formula.
RADIO_TIERRA_KM = 6371.0


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle kilometres between points given in degrees (arrays broadcast)."""
    f1, l1, f2, l2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((f2 - f1) / 2) ** 2 + np.cos(f1) * np.cos(f2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * RADIO_TIERRA_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _codigos(a: pd.Series, b: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes for the values of two columns, equal codes for equal values (NaN: -1)."""
    codigos, _ = pd.factorize(pd.concat([a, b], ignore_index=True), use_na_sentinel=True)
    return codigos[: len(a)], codigos[len(a) :]


@dataclass
class Bloque:
    """Some products' pairs as dense (product, shortage row, surplus column) arrays.

    `ie`/`jf` are positions in the product-sorted order of each side (padding: the side's
    length); `elegible` and `metros` (INF when not eligible) have shape (P, F, E).
    """

    productos: np.ndarray
    ie: np.ndarray  # (P, E)
    jf: np.ndarray  # (P, F)
    elegible: np.ndarray
    metros: np.ndarray


class Problema:
    """The lines of one request, indexed for block passes over their pairs.

    `exc` and `fal` are the surplus and shortage lines (positional index, the order of the
    lines given); everything else is numpy arrays over them.
    """

    def __init__(self, exc: pd.DataFrame, fal: pd.DataFrame, filtros) -> None:
        self.exc, self.fal, self.f = exc, fal, filtros
        self.n_e, self.n_f = len(exc), len(fal)
        prod_e, prod_f = _codigos(exc["producto"], fal["producto"])
        self.n_prod = int(max(prod_e.max(initial=-1), prod_f.max(initial=-1)) + 1)
        self.prod_e, self.prod_f = prod_e, prod_f
        uni_e, uni_f = _codigos(exc["unidad"], fal["unidad"])
        ent_e, ent_f = _codigos(exc["cve_ent"], fal["cve_ent"])
        amb_e, amb_f = _codigos(exc["ambito"], fal["ambito"])
        lat = np.concatenate([exc["lat"].to_numpy(float), fal["lat"].to_numpy(float)])
        lon = np.concatenate([exc["lon"].to_numpy(float), fal["lon"].to_numpy(float)])
        loc, self.lat_l, self.lon_l = self._lugares(lat, lon)
        self.n_lug = len(self.lat_l) - 1  # the last place is "no coordinates"
        loc_e, loc_f = loc[: self.n_e], loc[self.n_e :]
        self.remoto_e = np.zeros(self.n_e, dtype=bool)
        if filtros.remoto_a_distancia:
            self.remoto_e = exc["remoto"].fillna(False).to_numpy(bool)
        self.oferta = exc["pacientes"].to_numpy(np.int64)
        self.demanda = fal["pacientes"].to_numpy(np.int64)
        self.loc_e, self.loc_f, self.uni_e, self.uni_f = loc_e, loc_f, uni_e, uni_f

        # Each side sorted by product (stable: the lines' order within a product).
        self.orden_e = np.argsort(prod_e, kind="stable")
        self.orden_f = np.argsort(prod_f, kind="stable")
        self.cnt_e = np.bincount(prod_e, minlength=self.n_prod)
        self.cnt_f = np.bincount(prod_f, minlength=self.n_prod)
        self.ini_e = np.r_[0, np.cumsum(self.cnt_e)[:-1]].astype(np.int64)
        self.ini_f = np.r_[0, np.cumsum(self.cnt_f)[:-1]].astype(np.int64)

        def ordenado(v: np.ndarray, orden: np.ndarray, relleno) -> np.ndarray:
            return np.append(v[orden], np.array([relleno], dtype=v.dtype))

        # Attributes in sorted order with one padding entry at the end (never eligible).
        self.s_loc_e = ordenado(loc_e, self.orden_e, self.n_lug)
        self.s_loc_f = ordenado(loc_f, self.orden_f, self.n_lug)
        self.s_uni_e = ordenado(uni_e, self.orden_e, -1)
        self.s_uni_f = ordenado(uni_f, self.orden_f, -2)
        self.s_ent_e = ordenado(ent_e, self.orden_e, -1)
        self.s_ent_f = ordenado(ent_f, self.orden_f, -2)
        self.s_amb_e = ordenado(amb_e, self.orden_e, -1)
        self.s_amb_f = ordenado(amb_f, self.orden_f, -2)
        self.s_rem_e = ordenado(self.remoto_e, self.orden_e, False)
        self.s_pos_e = np.append(self.orden_e, -1)  # original position of each sorted one
        self.s_pos_f = np.append(self.orden_f, -1)
        self.s_oferta = ordenado(self.oferta, self.orden_e, 0)
        self.s_demanda = ordenado(self.demanda, self.orden_f, 0)
        # Sorted position of each line (inverse of orden_*).
        self.rango_e = np.empty(self.n_e, dtype=np.int64)
        self.rango_e[self.orden_e] = np.arange(self.n_e)
        self.rango_f = np.empty(self.n_f, dtype=np.int64)
        self.rango_f[self.orden_f] = np.arange(self.n_f)

        # Distances per pair of places: km (NaN without coordinates) and whole metres (INF).
        self.km_lug = self.metros_lug = None
        if self.n_lug <= MAX_LUGARES and self.n_e and self.n_f:
            km = haversine_km(self.lat_l[:, None], self.lon_l[:, None], self.lat_l[None, :], self.lon_l[None, :])
            self.km_lug = km
            self.metros_lug = np.where(np.isnan(km), INF, np.rint(np.nan_to_num(km) * METROS_POR_KM)).astype(np.int64)

    @staticmethod
    def _lugares(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A code per distinct (lat, lon); lines without coordinates get the last code."""
        valido = ~(np.isnan(lat) | np.isnan(lon))
        loc = np.empty(len(lat), dtype=np.int64)
        a, lats = pd.factorize(lat[valido])
        b, lons = pd.factorize(lon[valido])
        inv, pares = pd.factorize(a.astype(np.int64) * max(len(lons), 1) + b)
        loc[valido] = inv
        loc[~valido] = len(pares)
        lat_l = np.append(lats[pares // max(len(lons), 1)], np.nan)
        lon_l = np.append(lons[pares % max(len(lons), 1)], np.nan)
        return loc, lat_l, lon_l

    # -- distances ------------------------------------------------------------------------------
    def km(self, le: np.ndarray, lf: np.ndarray) -> np.ndarray:
        """Straight-line km between places (broadcast; NaN without coordinates)."""
        if self.km_lug is not None:
            return self.km_lug[le, lf]
        return haversine_km(self.lat_l[le], self.lon_l[le], self.lat_l[lf], self.lon_l[lf])

    def _metros(self, le: np.ndarray, lf: np.ndarray) -> np.ndarray:
        if self.metros_lug is not None:
            return self.metros_lug.ravel()[le * (self.n_lug + 1) + lf]
        km = self.km(le, lf)
        return np.where(np.isnan(km), INF, np.rint(np.nan_to_num(km) * METROS_POR_KM)).astype(np.int64)

    # -- blocks ---------------------------------------------------------------------------------
    def productos_con_pares(self) -> np.ndarray:
        return np.flatnonzero((self.cnt_e > 0) & (self.cnt_f > 0))

    def bloques(self, productos: np.ndarray, celdas: int | None = None, *, metros: bool = True):
        """Blocks covering every pair of the given products, each of at most `celdas` cells
        (a product with more pairs than that is split by shortage rows)."""
        celdas = celdas or CELDAS
        productos = np.asarray(productos, dtype=np.int64)
        if not len(productos):
            return
        productos = productos[np.lexsort((self.cnt_f[productos], self.cnt_e[productos]))]
        grupo: list[int] = []
        m_e = m_f = 0
        for p in productos.tolist():
            ne, nf = int(self.cnt_e[p]), int(self.cnt_f[p])
            if grupo and (len(grupo) + 1) * max(m_e, ne) * max(m_f, nf) > celdas:
                yield self._bloque(np.array(grupo), 0, None, metros)
                grupo, m_e, m_f = [], 0, 0
            if ne * nf > celdas:
                filas = max(1, celdas // ne)
                for a in range(0, nf, filas):
                    yield self._bloque(np.array([p]), a, min(nf, a + filas), metros)
                continue
            grupo.append(p)
            m_e, m_f = max(m_e, ne), max(m_f, nf)
        if grupo:
            yield self._bloque(np.array(grupo), 0, None, metros)

    def _bloque(self, productos: np.ndarray, f0: int, f1: int | None, con_metros: bool = True) -> Bloque:
        ne = self.cnt_e[productos]
        nf = self.cnt_f[productos] if f1 is None else np.array([f1 - f0])
        col, fil = np.arange(ne.max()), np.arange(nf.max())
        ie = np.where(col[None, :] < ne[:, None], self.ini_e[productos][:, None] + col[None, :], self.n_e)
        jf = np.where(fil[None, :] < nf[:, None], self.ini_f[productos][:, None] + f0 + fil[None, :], self.n_f)
        elegible, metros = self._evaluar(ie, jf, con_metros)
        return Bloque(productos, ie, jf, elegible, metros)

    def _evaluar(self, ie: np.ndarray, jf: np.ndarray, con_metros: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Which pairs pass the filters and what they cost (whole metres; INF if not eligible).

        Without `con_metros` (the proposals only rank the pairs they keep) the cost is not computed
        and `metros` is None."""
        f = self.f
        e3, f3 = ie[:, None, :], jf[:, :, None]
        le, lf = self.s_loc_e[e3], self.s_loc_f[f3]
        if not con_metros:
            elegible = (le != self.n_lug) & (lf != self.n_lug)  # both places known
            if f.km_max is not None:
                elegible &= self.km(le, lf) <= f.km_max
            if f.remoto_a_distancia:
                elegible |= self.s_rem_e[e3] & (f3 < self.n_f)
            return self._filtros(elegible, e3, f3), None
        metros = self._metros(le, lf)
        elegible = metros < INF
        if f.km_max is not None:
            elegible &= self.km(le, lf) <= f.km_max
        if f.remoto_a_distancia:
            rem = self.s_rem_e[e3]
            if rem.any():
                elegible |= rem & (f3 < self.n_f)  # padding rows stay out
                metros = np.where(rem, 0, metros)
        elegible = self._filtros(elegible, e3, f3)
        return elegible, np.where(elegible, metros, INF)

    def _filtros(self, elegible: np.ndarray, e3: np.ndarray, f3: np.ndarray) -> np.ndarray:
        """Another unit, and the same state / modality when those filters are on (in place)."""
        elegible &= self.s_uni_e[e3] != self.s_uni_f[f3]
        if self.f.mismo_estado:
            ent = self.s_ent_e[e3]
            elegible &= (ent == self.s_ent_f[f3]) & (ent >= 0)  # an unknown state matches none
        if self.f.misma_modalidad:
            elegible &= self.s_amb_e[e3] == self.s_amb_f[f3]
        return elegible


# -- the allocation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Solucion:
    i: np.ndarray  # surplus line (position in exc) of each arc with flow
    j: np.ndarray  # shortage line (position in fal)
    flujo: np.ndarray
    con_elegible: np.ndarray  # per shortage line: some pair with it passes the filters
    arcos: int  # arcs in the final restricted networks
    rondas: int  # pricing rounds (the last one found nothing to add)


def resolver(pb: Problema, al_pasar=None) -> Solucion:
    """Max shortage patients covered, then fewest patient-metres, over every eligible pair.

    `al_pasar(bloque)`, if given, sees every block of the first pass (every pair with both sides'
    products once): the proposals ranked in the same pass (intercambio.calcular)."""
    con_elegible = np.zeros(pb.n_f, dtype=bool)
    if not pb.n_e or not pb.n_f:
        nada = np.empty(0, dtype=np.int64)
        return Solucion(nada, nada, nada, con_elegible, 0, 0)
    productos = pb.productos_con_pares()
    remotos = _productos_remotos(pb, productos)
    celdas = (pb.cnt_e + 1) * (pb.cnt_f + 1)
    densos = np.zeros(pb.n_prod, dtype=bool)
    densos[productos] = (celdas[productos] <= DENSO_MAX) & (pb.cnt_e * pb.cnt_f <= CELDAS)[productos]  # one block
    densos[remotos] = False

    # 1. One pass over the blocks: which shortage lines have any eligible pair; each product
    # small enough solved whole by the network simplex; candidates for the others.
    vacio = np.empty(0, dtype=np.int64)
    partes_e, partes_f, partes_c = [vacio], [vacio], [vacio]
    flujos = [(vacio, vacio, vacio)]
    # The simplex threads solve one block's products while this thread evaluates the next block
    # (pipelined: at most two blocks held at once).
    en_curso = None
    with ThreadPoolExecutor(HILOS) as hilos:
        for b in pb.bloques(productos):
            if al_pasar is not None:
                al_pasar(b)
            filas = b.elegible.any(axis=2)
            con_elegible[pb.s_pos_f[b.jf[filas]]] = True
            if densos[b.productos].any():
                enviado = _simplex_enviar(pb, b, np.flatnonzero(densos[b.productos]), hilos)
                if en_curso is not None:
                    flujos.append(en_curso())
                en_curso = enviado
            grandes = ~densos[b.productos] & ~np.isin(b.productos, remotos)
            if not grandes.any():
                continue
            for eje, k in ((2, VECINOS_FALTANTE), (1, VECINOS_EXCEDENTE)):
                if not k:
                    continue
                p_, f_, e_, c_ = _mas_baratos(b, b.metros, k, eje, maximo=INF)
                toma = grandes[p_]
                partes_e.append(b.ie[p_[toma], e_[toma]])
                partes_f.append(b.jf[p_[toma], f_[toma]])
                partes_c.append(c_[toma])
        if en_curso is not None:
            flujos.append(en_curso())
    arcos = _Arcos(pb, np.concatenate(partes_e), np.concatenate(partes_f), np.concatenate(partes_c))

    # 2-4. Solve, price, repeat for the products that grew.
    abiertos = np.unique(arcos.prod)
    rondas = 0
    while len(abiertos):
        rondas += 1
        flujo = arcos.resolver(abiertos)
        pot = _potenciales(pb, arcos, flujo, abiertos)
        nuevos = []
        for b in pb.bloques(abiertos):
            pi_e = pot[b.ie]
            pi_f = pot[pb.n_e + b.jf]
            rc = b.metros + pi_e[:, None, :] - pi_f[:, :, None]
            arcos.marcar_existentes(b, rc)
            p_, f_, e_, _ = _mas_baratos(b, rc, NUEVOS_POR_FILA, 2, maximo=0)
            nuevos.append((b.ie[p_, e_], b.jf[p_, f_], b.metros[p_, f_, e_]))
        ne = np.concatenate([n[0] for n in nuevos]) if nuevos else np.empty(0, dtype=np.int64)
        if not len(ne):
            break
        nf = np.concatenate([n[1] for n in nuevos])
        nc = np.concatenate([n[2] for n in nuevos])
        arcos.agregar(ne, nf, nc)
        abiertos = np.unique(pb.prod_e[pb.orden_e[ne]])

    flujos += [arcos.con_flujo(), _noroeste(pb, remotos)]
    i, j, fl = (np.concatenate(x) for x in zip(*flujos, strict=True))
    orden = np.lexsort((i, j))
    return Solucion(i[orden], j[orden], fl[orden], con_elegible, len(arcos.e), rondas)


def _simplex_enviar(pb: Problema, b: Bloque, cuales: np.ndarray, hilos) -> Callable[[], tuple[np.ndarray, ...]]:
    """Some of the block's products, each solved whole by POT's network simplex (LEMON's, C++).

    Each product's transport problem is balanced with a dummy surplus line that gives every
    shortage line what it lacks at cost `grande` and a dummy shortage line that takes every
    surplus line's leftover at 0. `grande` is above any path's cost, so the simplex first covers
    as much as it can, then minimises metres; a pair that fails the filters costs 3 x `grande` and
    is never used (sending that flow through the dummies is cheaper). Supplies and costs are
    integers far below 2^53, so the simplex's float arithmetic is exact and its flows are whole
    patients. The products are solved `HILOS` at a time by `hilos` (an executor), and this returns
    once they are submitted: the function it returns waits for them and gives (surplus position,
    shortage position, patients) of the pairs used.
    """
    from ot.lp.emd_wrap import check_result, emd_c  # imported on first use: POT loads in ~1 s

    # Whole-block passes, each over the block once (usually every product of the block is solved here).
    metros = b.metros if len(cuales) == len(b.productos) else b.metros[cuales]  # (P, shortage, surplus)
    elegible = metros < INF
    ne = pb.cnt_e[b.productos[cuales]]
    nf = (b.jf[cuales] < pb.n_f).sum(axis=1)
    mayor = np.max(metros, axis=(1, 2), where=elegible, initial=0)
    grande = ((ne + nf + 2) * (mayor + 1) + 1).astype(float)
    costo = np.empty((len(cuales), metros.shape[1] + 1, metros.shape[2] + 1))
    costo[:, :-1, :-1] = metros
    np.copyto(costo[:, :-1, :-1], (3 * grande)[:, None, None], where=~elegible)
    oferta, demanda = pb.s_oferta[b.ie[cuales]].astype(float), pb.s_demanda[b.jf[cuales]].astype(float)

    def problema(k: int, dos: bool) -> tuple:
        """Product k's transport problem (rows: shortage lines, columns: surplus lines).

        One dummy (`dos` False): only on the larger side, at 0, taking what is left over: the
        simplex then covers all of the smaller side, which is the maximum flow whenever the
        eligible pairs allow it, else it has to use an ineligible pair (checked below). Two dummies:
        the general form of the docstring. One dummy is ~10% less simplex work at 1M lines."""
        e, f = int(ne[k]), int(nf[k])
        o, d = oferta[k, :e], demanda[k, :f]
        so, sd = o.sum(), d.sum()
        if dos:
            c = costo[k, : f + 1, : e + 1].copy()  # rows: shortage lines and the leftover's sink
            c[:f, e] = grande[k]
            c[f, :] = 0
            return k, e, f, np.append(d, so), np.append(o, sd), c
        if so >= sd:
            c = costo[k, : f + 1, :e].copy()  # the last row takes the surplus left over
            c[f, :] = 0
            return k, e, f, np.append(d, so - sd), o, c
        c = costo[k, :f, : e + 1].copy()  # the last column: the shortage left uncovered
        c[:, e] = 0
        return k, e, f, d, np.append(o, sd - so), c

    def uno(k: int, dos: bool) -> tuple:
        """Built and solved in a simplex thread (emd_c releases the GIL while it solves)."""
        k, e, f, a, b_, c = problema(k, dos)
        return k, e, f, emd_c(a, b_, c, 10**9, 1)

    def enviar(pendientes: list[int], dos: bool):
        return hilos.map(uno, pendientes, [dos] * len(pendientes))  # submitted now, read in order later

    primeros = np.flatnonzero(elegible.any(axis=(1, 2))).tolist()
    enviados = enviar(primeros, False)

    def recoger() -> tuple[np.ndarray, ...]:
        # Each product's flows into one block array, read with one nonzero (one per product cost more
        # than copying them): rows by product, then shortage line, then surplus line, as before.
        flujo = np.zeros(metros.shape)
        pendientes, dos, resultados = primeros, False, enviados
        while pendientes:
            for k, e, f, (g, _, _, _, resultado) in resultados:
                if check_result(resultado) is not None:
                    raise ErrorDominio(
                        f"No se pudo calcular la asignación (simplex de redes: {check_result(resultado)})."
                    )
                flujo[k, :f, :e] = g[:f, :e]
            if dos:
                break
            # With one dummy, a product whose smaller side cannot be covered by eligible pairs alone used
            # an ineligible one: solved again with two dummies. One that used none has covered all of its
            # smaller side (the most any allocation can) at the least cost among such: the optimum.
            malos = ((flujo[pendientes] > 0.5) & ~elegible[pendientes]).any(axis=(1, 2))
            pendientes, dos = np.asarray(pendientes)[malos].tolist(), True
            resultados = enviar(pendientes, True)
        k_, f_, e_ = np.nonzero(flujo > 0.5)
        p_ = cuales[k_]
        return pb.s_pos_e[b.ie[p_, e_]], pb.s_pos_f[b.jf[p_, f_]], np.rint(flujo[k_, f_, e_]).astype(np.int64)

    return recoger


def _mas_baratos(b: Bloque, valor: np.ndarray, k: int, eje: int, *, maximo) -> tuple[np.ndarray, ...]:
    """Per row (eje=2) or column (eje=1) of the block, its k smallest cells with value < maximo.

    Returns (product, shortage row, surplus column, metres) of those cells.
    """
    n = valor.shape[eje]
    if n > k:
        idx = np.argpartition(valor, k - 1, axis=eje)
        idx = idx[:, :, :k] if eje == 2 else idx[:, :k, :]
        v = np.take_along_axis(valor, idx, axis=eje)
    else:
        v = valor
        forma = [1, 1, 1]
        forma[eje] = n
        idx = np.broadcast_to(np.arange(n).reshape(forma), valor.shape)
    p_, a_, c_ = np.nonzero(v < maximo)
    if eje == 2:
        f_, e_ = a_, idx[p_, a_, c_]
    else:
        f_, e_ = idx[p_, a_, c_], c_
    return p_, f_, e_, b.metros[p_, f_, e_]


class _Arcos:
    """The restricted network: arcs (surplus line, shortage line) in sorted positions, with costs."""

    def __init__(self, pb: Problema, e: np.ndarray, f: np.ndarray, c: np.ndarray) -> None:
        self.pb = pb
        self.e = np.empty(0, dtype=np.int64)
        self.f = np.empty(0, dtype=np.int64)
        self.c = np.empty(0, dtype=np.int64)
        self.flujo = np.empty(0, dtype=np.int64)
        self.agregar(e, f, c)

    def agregar(self, e: np.ndarray, f: np.ndarray, c: np.ndarray) -> None:
        """Add arcs (duplicates dropped) and keep them sorted by product, shortage, surplus."""
        e, f, c = (
            np.concatenate([a, np.asarray(b, dtype=np.int64)]) for a, b in ((self.e, e), (self.f, f), (self.c, c))
        )
        flujo = np.concatenate([self.flujo, np.zeros(len(e) - len(self.flujo), dtype=np.int64)])
        # First occurrences: an arc already there keeps its flow. Sorted by (f, e), so by product.
        _, unico = np.unique(f * (self.pb.n_e + 1) + e, return_index=True)
        self.e, self.f, self.c, self.flujo = e[unico], f[unico], c[unico], flujo[unico]
        self.prod = self.pb.prod_f[self.pb.orden_f[self.f]]

    def quitar_productos(self, productos: np.ndarray) -> None:
        if len(productos) and len(self.e):
            queda = ~np.isin(self.prod, productos)
            self.e, self.f, self.c, self.prod = self.e[queda], self.f[queda], self.c[queda], self.prod[queda]
            self.flujo = self.flujo[queda]

    def de(self, productos: np.ndarray) -> np.ndarray:
        """Indices of the arcs of these products (arcs are sorted by product)."""
        inicio = np.searchsorted(self.prod, productos, side="left")
        fin = np.searchsorted(self.prod, productos, side="right")
        return _rangos(inicio, fin)

    def resolver(self, productos: np.ndarray) -> np.ndarray:
        """Solve these products' networks with OR-Tools; returns (and keeps) every arc's flow."""
        pb = self.pb
        idx = self.de(productos)
        prod = self.prod[idx]
        # Local node numbers: a product's surplus lines, then its shortage lines.
        base_e = pb.ini_e[prod]
        nodo_e = self.e[idx] - base_e
        nodo_f = pb.cnt_e[prod] + self.f[idx] - pb.ini_f[prod]
        ne, nf = pb.cnt_e[productos], pb.cnt_f[productos]
        n_arcos = np.searchsorted(prod, productos, side="right") - np.searchsorted(prod, productos, side="left")
        cap = np.minimum(pb.s_oferta[self.e[idx]], pb.s_demanda[self.f[idx]])
        flujo = np.empty(len(idx), dtype=np.int64)
        # Products in groups of about ARCOS_POR_RED arcs, each group one network.
        grupo = (np.cumsum(n_arcos) - n_arcos) // ARCOS_POR_RED
        limites = np.r_[0, np.flatnonzero(np.diff(grupo)) + 1, len(productos)]
        a0 = 0
        for g0, g1 in zip(limites[:-1], limites[1:], strict=True):
            ps = productos[g0:g1]
            desp = np.r_[0, np.cumsum(ne[g0:g1] + nf[g0:g1])[:-1]]
            a1 = a0 + int(n_arcos[g0:g1].sum())
            d_arco = np.repeat(desp, n_arcos[g0:g1])
            smcf = min_cost_flow.SimpleMinCostFlow()
            ids = smcf.add_arcs_with_capacity_and_unit_cost(
                (nodo_e[a0:a1] + d_arco).astype(np.int32),
                (nodo_f[a0:a1] + d_arco).astype(np.int32),
                cap[a0:a1],
                self.c[idx[a0:a1]],
            )
            # Supplies: each product's surplus lines, then its shortage lines (negative).
            lin_e = _rangos(pb.ini_e[ps], pb.ini_e[ps] + ne[g0:g1])
            lin_f = _rangos(pb.ini_f[ps], pb.ini_f[ps] + nf[g0:g1])
            nodo_le = _rangos(desp, desp + ne[g0:g1])
            nodo_lf = _rangos(desp + ne[g0:g1], desp + ne[g0:g1] + nf[g0:g1])
            oferta = np.empty(int((ne[g0:g1] + nf[g0:g1]).sum()), dtype=np.int64)
            oferta[nodo_le] = pb.s_oferta[lin_e]
            oferta[nodo_lf] = -pb.s_demanda[lin_f]
            smcf.set_nodes_supplies(np.arange(len(oferta), dtype=np.int32), oferta)
            estado = smcf.solve_max_flow_with_min_cost()
            if estado != smcf.OPTIMAL:
                raise ErrorDominio(f"No se pudo calcular la asignación (resultado del optimizador: {estado.name}).")
            flujo[a0:a1] = smcf.flows(ids)
            a0 = a1
        self.flujo[idx] = flujo
        return self.flujo

    def marcar_existentes(self, b: Bloque, rc: np.ndarray) -> None:
        """Set the reduced cost of the block's pairs already in the network to INF (in place)."""
        pb = self.pb
        idx = self.de(b.productos)
        if not len(idx):
            return
        lugar = np.full(pb.n_prod, -1, dtype=np.int64)
        lugar[b.productos] = np.arange(len(b.productos))
        p_ = lugar[self.prod[idx]]
        f_ = self.f[idx] - b.jf[p_, 0]
        e_ = self.e[idx] - pb.ini_e[self.prod[idx]]
        dentro = (f_ >= 0) & (f_ < rc.shape[1])
        rc[p_[dentro], f_[dentro], e_[dentro]] = INF

    def con_flujo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        usados = self.flujo > 0
        return self.pb.orden_e[self.e[usados]], self.pb.orden_f[self.f[usados]], self.flujo[usados]


def _rangos(inicio: np.ndarray, fin: np.ndarray) -> np.ndarray:
    """Concatenation of arange(inicio[k], fin[k]) for every k, vectorised."""
    largo = fin - inicio
    total = int(largo.sum())
    if not total:
        return np.empty(0, dtype=np.int64)
    desp = np.repeat(inicio - np.r_[0, np.cumsum(largo)[:-1]], largo)
    return np.arange(total, dtype=np.int64) + desp


def _potenciales(pb: Problema, arcos: _Arcos, flujo: np.ndarray, productos: np.ndarray) -> np.ndarray:
    """Node potentials of these products' optimal restricted networks (a dual solution).

    Nodes: surplus lines [0, n_e), shortage lines n_e + [0, n_f) (sorted positions), then each
    product's source s and sink t. Residual arcs: an arc's metres forward while it has room,
    minus them backward while it carries flow; s->i while i has supply left, i->s while i gives;
    j->t while j lacks, t->j while j receives.

    The lexicographic objective is one cost with a return arc t->s of cost -M (and s->t at +M
    while flow moves). Its potentials are M x side + b: `side` is 1 on the sink's side of a
    minimum cut (no residual arc crosses from the source's side to the sink's, as the flow is
    maximum) and b are shortest-path distances over the residual arcs within one side plus s<->t
    at 0 (from a virtual root joined to every node at 0: every distance starts at 0), by
    Bellman-Ford relaxing only the nodes improved in the last sweep (vectorised). Any minimum
    cut is valid; per product the one with fewer (source side surplus x sink side shortage) lines
    is taken, because each such pair prices at about -M and would join the network.
    """
    n = pb.n_e + pb.n_f
    s_nodo, t_nodo = n + np.arange(pb.n_prod), n + pb.n_prod + np.arange(pb.n_prod)
    idx = arcos.de(productos)
    e, f, c, fl = arcos.e[idx], arcos.f[idx], arcos.c[idx], flujo[idx]
    cap = np.minimum(pb.s_oferta[e], pb.s_demanda[f])
    da = np.bincount(e, weights=fl, minlength=pb.n_e).astype(np.int64)
    recibe = np.bincount(f, weights=fl, minlength=pb.n_f).astype(np.int64)
    lin_e = _rangos(pb.ini_e[productos], pb.ini_e[productos] + pb.cnt_e[productos])
    lin_f = _rangos(pb.ini_f[productos], pb.ini_f[productos] + pb.cnt_f[productos])
    s_e = s_nodo[pb.prod_e[pb.orden_e[lin_e]]]
    t_f = t_nodo[pb.prod_f[pb.orden_f[lin_f]]]
    queda, da_algo = da[lin_e] < pb.s_oferta[lin_e], da[lin_e] > 0
    falta, recibe_algo = recibe[lin_f] < pb.s_demanda[lin_f], recibe[lin_f] > 0
    partes = [
        (e[fl < cap], pb.n_e + f[fl < cap], c[fl < cap]),
        (pb.n_e + f[fl > 0], e[fl > 0], -c[fl > 0]),
        (s_e[queda], lin_e[queda], 0),
        (lin_e[da_algo], s_e[da_algo], 0),
        (pb.n_e + lin_f[falta], t_f[falta], 0),
        (t_f[recibe_algo], pb.n_e + lin_f[recibe_algo], 0),
    ]
    cola = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in partes])
    cabeza = np.concatenate([np.asarray(p[1], dtype=np.int64) for p in partes])
    costo = np.concatenate([np.broadcast_to(np.asarray(p[2], dtype=np.int64), len(p[0])) for p in partes])
    total = n + 2 * pb.n_prod

    # The two extreme minimum cuts: what the sources reach, and what reaches the sinks.
    desde_s = _alcanzables(cola, cabeza, s_nodo[productos], total)
    hacia_t = _alcanzables(cabeza, cola, t_nodo[productos], total)
    pe = pb.prod_e[pb.orden_e[lin_e]]
    pf = pb.prod_f[pb.orden_f[lin_f]]

    def cruces(lado_s_e: np.ndarray, lado_t_f: np.ndarray) -> np.ndarray:
        a = np.bincount(pe, weights=lado_s_e, minlength=pb.n_prod)
        b = np.bincount(pf, weights=lado_t_f, minlength=pb.n_prod)
        return a * b

    por_s = cruces(desde_s[lin_e], ~desde_s[pb.n_e + lin_f])
    por_t = cruces(~hacia_t[lin_e], hacia_t[pb.n_e + lin_f])
    usar_t = np.zeros(pb.n_prod, dtype=bool)
    usar_t[productos] = por_t[productos] < por_s[productos]
    producto_nodo = np.full(total, -1, dtype=np.int64)
    producto_nodo[lin_e] = pe
    producto_nodo[pb.n_e + lin_f] = pf
    producto_nodo[s_nodo[productos]] = productos
    producto_nodo[t_nodo[productos]] = productos
    con_t = usar_t[np.maximum(producto_nodo, 0)]
    lado = np.where(con_t, hacia_t, ~desde_s).astype(np.int64)  # 1: the sink's side

    # b: residual arcs within one side, and s <-> t at 0.
    mismo = lado[cola] == lado[cabeza]
    cola = np.concatenate([cola[mismo], s_nodo[productos], t_nodo[productos]])
    cabeza = np.concatenate([cabeza[mismo], t_nodo[productos], s_nodo[productos]])
    costo = np.concatenate([costo[mismo], np.zeros(2 * len(productos), dtype=np.int64)])
    orden = np.argsort(cola, kind="stable")
    cola, cabeza, costo = cola[orden], cabeza[orden], costo[orden]
    inicio = np.searchsorted(cola, np.arange(total + 1))
    d = np.zeros(total, dtype=np.int64)
    activos = np.unique(cola)
    limite = int((pb.cnt_e[productos] + pb.cnt_f[productos]).max()) + 3
    for _ in range(limite):
        sel = _rangos(inicio[activos], inicio[activos + 1])
        destino = cabeza[sel]
        antes = d[destino]
        np.minimum.at(d, destino, d[cola[sel]] + costo[sel])
        mejoro = d[destino] < antes
        if not mejoro.any():
            return d + M * lado
        activos = np.unique(destino[mejoro])
    raise ErrorDominio("No se pudo comprobar la asignación (ciclo de costo negativo): repórtelo a soporte técnico.")


def _alcanzables(cola: np.ndarray, cabeza: np.ndarray, desde: np.ndarray, total: int) -> np.ndarray:
    """Nodes reachable from `desde` along arcs cola -> cabeza (breadth-first, vectorised)."""
    orden = np.argsort(cola, kind="stable")
    cola, cabeza = cola[orden], cabeza[orden]
    inicio = np.searchsorted(cola, np.arange(total + 1))
    visto = np.zeros(total, dtype=bool)
    visto[desde] = True
    frente = np.asarray(desde, dtype=np.int64)
    while len(frente):
        destino = cabeza[_rangos(inicio[frente], inicio[frente + 1])]
        frente = np.unique(destino[~visto[destino]])
        visto[frente] = True
    return visto


# -- remote products ----------------------------------------------------------------------------
def _clase(pb: Problema, lado: str) -> np.ndarray:
    """Class of each line in sorted order: product, and state/modality when those filters are on."""
    s_ent, s_amb = (pb.s_ent_e, pb.s_amb_e) if lado == "e" else (pb.s_ent_f, pb.s_amb_f)
    prod = (pb.prod_e[pb.orden_e] if lado == "e" else pb.prod_f[pb.orden_f]).astype(np.int64)
    n = len(prod)
    clave = prod.copy()
    if pb.f.mismo_estado:
        clave = clave * (int(max(pb.s_ent_e.max(initial=0), pb.s_ent_f.max(initial=0))) + 2) + (s_ent[:n] + 1)
    if pb.f.misma_modalidad:
        clave = clave * (int(max(pb.s_amb_e.max(initial=0), pb.s_amb_f.max(initial=0))) + 2) + (s_amb[:n] + 1)
    return clave


def _productos_remotos(pb: Problema, productos: np.ndarray) -> np.ndarray:
    """Products matched at 0 km whose classes can be filled corner-wise (see the module doc)."""
    if not pb.f.remoto_a_distancia or not len(productos):
        return np.empty(0, dtype=np.int64)
    prod_e = pb.prod_e[pb.orden_e]
    todos = np.bincount(prod_e, weights=pb.s_rem_e[: pb.n_e], minlength=pb.n_prod) == pb.cnt_e
    candidatos = productos[todos[productos]]
    if not len(candidatos):
        return candidatos
    # A unit with both sides in one class would have to be kept from pairing with itself.
    ce, cf = _clase(pb, "e"), _clase(pb, "f")
    n_uni = int(max(pb.s_uni_e.max(initial=0), pb.s_uni_f.max(initial=0))) + 1
    ambos = np.intersect1d(ce * n_uni + pb.s_uni_e[: pb.n_e], cf * n_uni + pb.s_uni_f[: pb.n_f])
    if len(ambos):
        malos = np.unique(prod_e[np.isin(ce, ambos // n_uni)])
        candidatos = candidatos[~np.isin(candidatos, malos)]
    return candidatos


def _noroeste(pb: Problema, productos: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """North-west corner fill of each class of these (0 km) products: lines in their order."""
    vacio = np.empty(0, dtype=np.int64)
    if not len(productos):
        return vacio, vacio, vacio
    ce, cf = _clase(pb, "e"), _clase(pb, "f")
    prod_e, prod_f = pb.prod_e[pb.orden_e], pb.prod_f[pb.orden_f]
    se = np.flatnonzero(np.isin(prod_e, productos))
    sf = np.flatnonzero(np.isin(prod_f, productos))
    if pb.f.mismo_estado:  # an unknown state matches none
        se, sf = se[pb.s_ent_e[se] >= 0], sf[pb.s_ent_f[sf] >= 0]
    se = se[np.lexsort((pb.orden_e[se], ce[se]))]
    sf = sf[np.lexsort((pb.orden_f[sf], cf[sf]))]
    clases, k_e = np.unique(ce[se], return_inverse=True)
    k_f = np.searchsorted(clases, cf[sf])
    tiene = (k_f < len(clases)) & (clases[np.minimum(k_f, len(clases) - 1)] == cf[sf])
    sf, k_f = sf[tiene], k_f[tiene]
    if not len(se) or not len(sf):
        return vacio, vacio, vacio
    tot_e = np.bincount(k_e, weights=pb.s_oferta[se], minlength=len(clases)).astype(np.int64)
    tot_f = np.bincount(k_f, weights=pb.s_demanda[sf], minlength=len(clases)).astype(np.int64)
    mover = np.minimum(tot_e, tot_f)
    # Each class laid on its own stretch of one line: offset by the totals of the classes before.
    base = np.r_[0, np.cumsum(np.maximum(tot_e, tot_f))[:-1]]
    fin_e = base[k_e] + _acumulado(pb.s_oferta[se], k_e)
    fin_f = base[k_f] + _acumulado(pb.s_demanda[sf], k_f)
    cortes = np.unique(np.concatenate([fin_e, fin_f, base, base + mover]))
    a, b = cortes[:-1], cortes[1:]
    clase_a = np.searchsorted(base, a, side="right") - 1
    vale = b <= base[clase_a] + mover[clase_a]
    a, b = a[vale], b[vale]
    ie = np.searchsorted(fin_e, a, side="right")
    jf = np.searchsorted(fin_f, a, side="right")
    return pb.orden_e[se[ie]], pb.orden_f[sf[jf]], (b - a).astype(np.int64)


def _acumulado(v: np.ndarray, grupo: np.ndarray) -> np.ndarray:
    """Cumulative sum of v restarting at each group (groups contiguous)."""
    c = np.cumsum(v)
    inicio = np.r_[0, np.flatnonzero(grupo[1:] != grupo[:-1]) + 1]
    antes = np.r_[0, c[:-1]][inicio]
    return c - np.repeat(antes, np.diff(np.r_[inicio, len(v)]))
