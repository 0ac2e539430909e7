"""What the análisis pages draw, built once per selection and audit generation and shared by runs.

Everything is cached with st.cache_resource, as shared objects: a cache_data hit would unpickle
the frames on every click and plotly would re-validate the figures. Nothing that reads them
mutates them. Keys carry the audit generation (any write recomputes them) and the user, so
nobody reads another's entry; each page checks the account before calling. The functions live
here, not in the page scripts, because a page script re-runs its decorators on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.colors
import plotly.graph_objects as go
import pyarrow as pa
import streamlit as st

from core.analysis import analisis, intercambio
from core.analysis.intercambio import Filtros
from core.base import reloj, rutas, texto
from core.base.errors import AccesoDenegado
from core.lifecycle import ciclo
from ui.components import almacen, descargas, limite_errores, sesion
from ui.components.marcado import md

NUMERO = st.column_config.NumberColumn(format="localized")


def flecha(df) -> pa.Table:
    """A frame as Arrow, ready to send: st.dataframe then skips converting it on every run."""
    return pa.Table.from_pandas(df, preserve_index=False)


@st.cache_resource(max_entries=8, show_spinner=False)
def periodos(ruta: str, generacion: int) -> tuple[list[int], int]:
    """(the periods' years, newest first; the position of the current one)."""
    anios = [p.anio for p in ciclo.periodos(almacen.store())]
    actual = ciclo.periodo_actual(almacen.store())
    return anios, anios.index(actual.anio) if actual else 0


# -- Panorama ---------------------------------------------------------------------------------
# Text goes into the figures as lists: plotly keeps text columns as numpy object arrays, which
# its fast JSON engine (orjson) cannot write, and then it re-walks the whole figure (the map's
# shapes included) to clean it on every draw.
def _figura_causas(pan: analisis.Panorama) -> go.Figure:
    fig = go.Figure(
        go.Bar(
            x=pan.causas["causa"].tolist(),
            y=pan.causas["pacientes"],
            marker_color="#c0392b",
            customdata=pan.causas[["lineas", "eventos"]],
            hovertemplate="%{x}<br>Pacientes: %{y:,}<br>Eventos: %{customdata[1]:,}<br>Líneas: %{customdata[0]:,}<extra></extra>",
        )
    )
    fig.update_layout(
        title="Faltantes por causa principal",
        xaxis_title="Causa principal",
        yaxis_title="Pacientes mensuales",
        yaxis_tickformat=",",
        height=360,
        margin={"t": 50},
    )
    return fig


def _figura_ambitos(pan: analisis.Panorama) -> go.Figure:
    fig = go.Figure()
    for tipo, color in ((analisis.EXCEDENTE, "#1f6fd1"), (analisis.FALTANTE, "#c0392b")):
        parte = pan.ambitos[pan.ambitos["tipo"] == tipo]
        fig.add_bar(
            x=parte["ambito"].tolist(),
            y=parte["pacientes"],
            name=tipo,
            marker_color=color,
            hovertemplate=f"{tipo}<br>%{{x}}: %{{y:,}} pacientes<extra></extra>",
        )
    fig.update_layout(
        title="Ambulatorio y Hospitalario",
        barmode="group",
        xaxis_title="Ámbito de atención",
        yaxis_title="Pacientes mensuales",
        yaxis_tickformat=",",
        legend_title="Tipo",
        height=360,
        margin={"t": 50},
    )
    return fig


def _figura_mapa(est) -> go.Figure:
    limite = max(1, int(est["balance"].abs().max()))
    mapa = go.Figure(
        go.Choropleth(
            # The shapes are shared, never copied (analisis.geojson_estados): drawing the figure
            # again costs its small data only.
            geojson=analisis.geojson_estados(),
            featureidkey=f"properties.{analisis.PROPIEDAD_CVE}",
            locations=est["cve_ent"].tolist(),
            z=est["balance"],
            zmid=0,
            zmin=-limite,
            zmax=limite,
            colorscale="RdBu",
            marker_line_color="#9aa0a6",
            marker_line_width=0.6,
            text=est["estado"].tolist(),
            customdata=est[["excedente", "faltante", "lineas"]],
            colorbar={"title": {"text": "Balance"}, "tickformat": ","},
            hovertemplate="<b>%{text}</b><br>Excedentes: %{customdata[0]:,} pacientes<br>"
            "Faltantes: %{customdata[1]:,} pacientes<br>Balance: %{z:,}<br>Líneas: %{customdata[2]:,}<extra></extra>",
        )
    )
    mapa.update_geos(fitbounds="locations", visible=False)  # no basemap, no tile server: works offline
    mapa.update_layout(
        title="Excedentes − Faltantes por estado (azul: sobra capacidad; rojo: falta)",
        height=520,
        margin={"t": 50, "l": 0, "r": 0, "b": 0},
    )
    return mapa


@st.cache_resource(max_entries=16, show_spinner="Calculando el panorama…")
def panorama(ruta: str, usuario: str, anio: int, en_captura: bool, generacion: int, _cuenta):
    """(coverage, Panorama, tables as shown, the same as Arrow, their number formats, figures)."""
    store = almacen.store()
    cob = analisis.cobertura(store, _cuenta, anio, incluir_en_captura=en_captura)
    pan = analisis.panorama(store, _cuenta, anio, incluir_en_captura=en_captura)
    tablas = {
        "Resumen": analisis.tabla_por_tipo(pan),
        "Faltantes por causa": analisis.tabla_causas(pan),
        "Ámbito": analisis.tabla_ambitos(pan),
        "Por estado": analisis.tabla_estados(pan.estados),
    }
    vistas = {n: flecha(t) for n, t in tablas.items()}
    formatos = {n: {c: NUMERO for c in t.columns[2 if n == "Por estado" else 1 :]} for n, t in tablas.items()}
    figuras = {"causas": _figura_causas(pan), "ambitos": _figura_ambitos(pan), "mapa": _figura_mapa(pan.estados)}
    return cob, pan, tablas, vistas, formatos, figuras


# -- Cruce ------------------------------------------------------------------------------------
VALORES = analisis.VALORES
PORCENTAJE = st.column_config.NumberColumn(format="%.1f %%")


@st.cache_resource(max_entries=16, show_spinner=False)
def cobertura_texto(ruta: str, usuario: str, anio: int, en_captura: bool, generacion: int, _cuenta) -> str:
    cob = analisis.cobertura(almacen.store(), _cuenta, anio, incluir_en_captura=en_captura)
    return analisis.describir_cobertura(cob)


@st.cache_resource(max_entries=4, show_spinner=False)
def opciones_filtro(ruta: str, usuario: str, generacion: int, _cuenta):
    """Filter choices: (keys, key -> label) per filter."""
    opciones = analisis.opciones_filtro(almacen.store(), _cuenta)
    return {k: ([c for c, _ in v], dict(v)) for k, v in opciones.items()}


def filtros(ruta: str, cuenta, generacion: int, prefijo: str, *, causas: bool = False) -> analisis.Filtros:
    """The «Filtros» expander of an análisis page: group, specialty and state (and cause when asked),
    with keys `<prefijo>_f_<filtro>` so each page keeps its own choices."""
    opciones = opciones_filtro(ruta, cuenta.usuario, generacion, cuenta)
    campos = [("grupos", "Grupo de Servicio", "Todos"), ("especialidades", "Especialidad Troncal", "Todas")]
    campos.append(("estados", "Estado", "Todos"))
    if causas:
        campos.append(("causas", "Causa Principal", "Todas"))
    elegidos = {}
    with st.expander("Filtros", expanded=False):
        for columna, (campo, etiqueta, vacio) in zip(st.columns(len(campos)), campos, strict=True):
            claves, etiquetas = opciones[campo]
            elegidos[campo] = tuple(
                columna.multiselect(
                    etiqueta,
                    claves,
                    key=f"{prefijo}_f_{campo}",
                    format_func=str if campo == "causas" else etiquetas.get,
                    placeholder=vacio,
                )
            )
        if causas:
            st.caption("La causa solo filtra los Faltantes: los Excedentes no tienen causa y se cuentan siempre.")
    return analisis.Filtros(**elegidos)


@st.cache_resource(max_entries=64, show_spinner="Calculando el cruce…")
def cruce(clave: tuple, _cuenta):
    """The long cross-tab; `clave` = (ruta, usuario, anio, en_captura, generacion, filas,
    columnas, medida, the analisis.Filtros as a plain tuple: cheaper to hash on every run)."""
    _, _, anio, en_captura, _, filas, columnas, medida, filtros = clave
    return analisis.cruce(
        almacen.store(),
        _cuenta,
        anio,
        filas,
        columnas,
        medida,
        analisis.Filtros(*filtros),
        incluir_en_captura=en_captura,
    )


@dataclass(frozen=True)
class VistaCruce:
    tabla: pa.Table  # the pivoted cross-tab as shown
    filas_tabla: int
    formato: dict
    figura: go.Figure  # the heatmap
    forma: tuple[int, int]  # its rows and columns
    recortado: bool  # the heatmap shows only the rows/columns of most volume
    limite: int  # where its colours saturate (analisis.limite_color)
    saturadas: int  # cells beyond that limit
    intercambiable: dict  # «intercambiable» only: {title: (frame, Arrow)} by row and by column


@st.cache_resource(max_entries=64, show_spinner=False)
def vista_cruce(clave: tuple, valor: str, _cuenta) -> VistaCruce | None:
    """What the cross-tab draws for one cell value; None without lines. Pivoting and building the
    figure cost more than the query on every rerun; the key is the cross-tab's own small key,
    never a hash of its frame."""
    largo = cruce(clave, _cuenta)
    if largo.empty:
        return None
    filas, columnas, medida = clave[5:8]
    tabla = analisis.tabla_cruce(largo, filas, columnas, valor)
    # The hover shows every value of the cell: the matrices of each line up (same choice of cells).
    matrices = {v: analisis.matriz(largo, filas, columnas, v) for v in ("excedente", "faltante", valor)}
    m, recortado = matrices[valor]
    limite = analisis.limite_color(m)
    resumen = {}
    if valor == "intercambiable":
        for d in (columnas, filas):
            t = analisis.tabla_intercambiable(largo, d, medida)
            resumen[f"Intercambiable por {analisis.DIMENSIONES[d].titulo.lower()}"] = (t, flecha(t))
    return VistaCruce(
        flecha(tabla),
        len(tabla),
        {c: NUMERO for c in tabla.columns[1:]},
        _figura_calor(m, matrices["excedente"][0], matrices["faltante"][0], filas, columnas, medida, valor, limite),
        m.shape,
        recortado,
        limite,
        int((m.abs() > limite).to_numpy().sum()),
        resumen,
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def etiquetas_celda(clave: tuple, _cuenta, clave_fila: str | None = None) -> dict[str, str]:
    """Key -> label of the cross-tab's rows, or of the columns that have lines in one row."""
    largo = cruce(clave, _cuenta)
    filas, columnas = clave[5:7]
    if clave_fila is None:
        return dict(zip(largo[f"{filas}_clave"], largo[filas], strict=False))
    de_fila = largo[largo[f"{filas}_clave"] == clave_fila]
    return dict(zip(de_fila[f"{columnas}_clave"], de_fila[columnas], strict=False))


@st.fragment
@limite_errores.protegido
def lineas_de_una_celda(clave: tuple, cuenta) -> None:
    """«Líneas detrás de una celda». Choosing a cell reruns only this fragment: the cross-tab's
    table and heatmap above are not sent again."""
    _, _, anio, _, _, filas, columnas, medida, _ = clave
    titulo = {d: analisis.DIMENSIONES[d].titulo for d in (filas, columnas)}
    st.subheader("Líneas detrás de una celda")
    etiqueta_fila = etiquetas_celda(clave, cuenta)
    s1, s2 = st.columns(2)
    clave_fila = s1.selectbox(
        titulo[filas],
        list(etiqueta_fila),
        format_func=etiqueta_fila.get,
        index=None,
        placeholder="Elija la fila",
        key="cruce_sel_fila",
    )
    if clave_fila is None:
        st.caption(
            "Elija una fila y una columna para ver las líneas (unidad, producto, cantidades) que suman esa celda."
        )
        return
    etiqueta_col = etiquetas_celda(clave, cuenta, clave_fila)
    clave_col = s2.selectbox(
        titulo[columnas],
        list(etiqueta_col),
        format_func=etiqueta_col.get,
        index=None,
        placeholder="Elija la columna",
        key="cruce_sel_columna",
    )
    if clave_col is None:
        return
    largo = cruce(clave, cuenta)
    celda = largo[(largo[f"{filas}_clave"] == clave_fila) & (largo[f"{columnas}_clave"] == clave_col)].iloc[0]
    st.markdown(
        f"**{md(etiqueta_fila[clave_fila])} × {md(etiqueta_col[clave_col])}** · Excedente {int(celda['excedente']):,} · "
        f"Faltante {int(celda['faltante']):,} · Balance {int(celda['balance']):,} "
        f"{analisis.MEDIDAS[medida].lower()} · {int(celda['lineas']):,} línea(s)"
    )
    tabla, tabla_arrow = detalle(clave, ((filas, clave_fila), (columnas, clave_col)), cuenta)
    st.dataframe(
        tabla_arrow,
        hide_index=True,
        key="cruce_detalle",
        placeholder="",
        column_config={c: NUMERO for c in ("Eventos Mensuales", "Pacientes Mensuales")},
    )
    descargas.botones(
        {"Líneas de la celda": tabla},
        f"cruce lineas {etiqueta_fila[clave_fila]} {etiqueta_col[clave_col]}",
        anio,
        key="cruce_detalle_descargas",
    )


def _nodos(estados) -> list[str]:
    """The states of one side in Spanish order, «Otros» last."""
    nombres = texto.ordenar(set(estados) - {intercambio.OTROS})
    return nombres + ([intercambio.OTROS] if intercambio.OTROS in set(estados) else [])


# One colour per state, the same on both sides (and its links, translucent); «Otros» grey.
_COLORES = [c for c in plotly.colors.qualitative.Dark24 if c not in ("#222A2A", "#778AAE")]  # not grey-like
_GRIS = "#9aa0a6"
_PAD, _MARGEN_V = 12, 60  # px between nodes; top + bottom margins


def _rgba(color: str, alfa: float) -> str:
    r, g, b = plotly.colors.hex_to_rgb(color)
    return f"rgba({r},{g},{b},{alfa})"


def _alturas(valores: list[int], alto: int, n_max: int, total: int) -> list[float]:
    """Centres (0 top, 1 bottom) of one side's nodes stacked in the given order: plotly scales
    the nodes so the side with most of them fits, each gap `_PAD` px."""
    area = alto - _MARGEN_V
    escala = (area - (n_max - 1) * _PAD) / max(total, 1)  # px per patient
    centros, y = [], 0.0
    for v in valores:
        centros.append((y + v * escala / 2) / area)
        y += v * escala + _PAD
    return [min(max(c, 0.001), 0.999) for c in centros]


def figura_sankey(estados: pd.DataFrame, anio: int, totales: pd.DataFrame | None = None) -> go.Figure:
    """Plotly Sankey: offering states on the left, receiving states on the right, both in Spanish
    order with «Otros» (the folded flows of intercambio.agrupar_estados) at the bottom, each state
    in its own colour on both sides. `totales`: the flows before folding, for the hover's «total
    del estado» (what a state offers or receives in all, some of it inside «Otros»)."""
    origenes, destinos = _nodos(estados["origen"].unique()), _nodos(estados["destino"].unique())
    etiquetas = [f"{e} (ofrece)" for e in origenes] + [f"{e} (recibe)" for e in destinos]
    pos_o = {e: k for k, e in enumerate(origenes)}
    pos_d = {e: len(origenes) + k for k, e in enumerate(destinos)}
    todos = texto.ordenar((set(origenes) | set(destinos)) - {intercambio.OTROS})
    color = {e: _COLORES[k % len(_COLORES)] for k, e in enumerate(todos)} | {intercambio.OTROS: _GRIS}
    completos = estados if totales is None else totales
    ofrece = completos.groupby("origen")["pacientes"].sum()
    recibe = completos.groupby("destino")["pacientes"].sum()
    sale = estados.groupby("origen")["pacientes"].sum()
    llega = estados.groupby("destino")["pacientes"].sum()
    total = int(estados["pacientes"].sum())
    n_max = max(len(origenes), len(destinos))
    alto = max(380, 30 * n_max + _MARGEN_V)
    fig = go.Figure(
        go.Sankey(
            valueformat=",d",
            arrangement="fixed",  # the Spanish order as given, not plotly's reordering
            # Dark labels without the white halo the default theme draws: legible over the links.
            textfont={"color": "#1f2430", "size": 12, "shadow": "none"},
            node={
                "label": etiquetas,
                "pad": _PAD,
                "thickness": 14,
                "color": [color[e] for e in origenes] + [color[e] for e in destinos],
                "x": [0.001] * len(origenes) + [0.999] * len(destinos),
                "y": _alturas([int(sale[e]) for e in origenes], alto, n_max, total)
                + _alturas([int(llega[e]) for e in destinos], alto, n_max, total),
                "customdata": [int(ofrece.get(e, sale[e])) for e in origenes]
                + [int(recibe.get(e, llega[e])) for e in destinos],
                "hovertemplate": "%{label}<br>En la gráfica: %{value:,d} pacientes"
                "<br>Total del estado: %{customdata:,d} pacientes<extra></extra>",
            },
            link={
                "source": [pos_o[e] for e in estados["origen"]],
                "target": [pos_d[e] for e in estados["destino"]],
                "value": estados["pacientes"].astype(int).tolist(),
                "color": [_rgba(color[e], 0.35) for e in estados["origen"]],
                "hovertemplate": "%{source.label} → %{target.label}<br>Pacientes mensuales: %{value:,d}<extra></extra>",
            },
        )
    )
    fig.update_layout(
        title=f"Pacientes mensuales asignados entre estados, periodo {anio}",
        separators=".,",
        font={"size": 12},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        height=alto,
    )
    return fig


def _corto(nombre: str, maximo: int = 42) -> str:
    return nombre if len(nombre) <= maximo else nombre[: maximo - 1].rstrip() + "…"


def _figura_calor(m, exc, fal, filas: str, columnas: str, medida: str, valor: str, limite: int) -> go.Figure:
    """The cross-tab's heatmap: every row and column labelled (the height grows with the rows),
    colours saturated at `limite` so one extreme cell does not wash the rest out; the hover shows
    the cell's true value with its surplus and shortage."""
    titulo = {d: analisis.DIMENSIONES[d].titulo for d in (filas, columnas)}
    nombre_medida = analisis.MEDIDAS[medida].lower()
    escala = {"balance": "RdBu", "excedente": "Blues", "faltante": "Reds", "intercambiable": "Purples"}[valor]
    nombre = VALORES[valor].split(" (")[0]
    filas_m, columnas_m = [str(i) for i in m.index], [str(c) for c in m.columns]
    fig = go.Figure(
        go.Heatmap(
            z=m.to_numpy(),
            x=columnas_m,
            y=filas_m,
            customdata=np.dstack([exc.to_numpy(), fal.to_numpy()]),
            colorscale=escala,
            zmid=0 if valor == "balance" else None,
            zmin=-limite if valor == "balance" else 0,
            zmax=limite,
            colorbar={"title": {"text": nombre}, "tickformat": ","},
            hovertemplate=f"{titulo[filas]}: %{{y}}<br>{titulo[columnas]}: %{{x}}<br>"
            f"{nombre}: %{{z:,}} {nombre_medida}<br>Excedente: %{{customdata[0]:,}} · "
            "Faltante: %{customdata[1]:,}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    fig.update_layout(
        title=f"{VALORES[valor]} de {nombre_medida} por {titulo[filas].lower()} y {titulo[columnas].lower()}",
        separators=".,",
        # Category axes drop labels that would overlap: listing them all keeps every row named.
        # Long names (products) are cut on the axes, whole in the hover.
        xaxis={
            "title": titulo[columnas],
            "tickmode": "array",
            "tickvals": columnas_m,
            "ticktext": [_corto(c) for c in columnas_m],
            "tickangle": -45,
        },
        yaxis={
            "title": titulo[filas],
            "tickmode": "array",
            "tickvals": filas_m,
            "ticktext": [_corto(f) for f in filas_m],
            "autorange": "reversed",
        },
        height=max(480, 240 + 26 * len(m.index)),  # the rotated column names take ~200 px
        margin={"t": 60},
    )
    return fig


@st.cache_resource(max_entries=32, show_spinner=False)
def detalle(clave: tuple, seleccion: tuple, _cuenta):
    """The lines behind one cell, as a frame and as Arrow (a query over the whole selection:
    once per cell and generation)."""
    _, _, anio, en_captura, _, _, _, _, filtros = clave
    df = analisis.detalle(
        almacen.store(), _cuenta, anio, dict(seleccion), analisis.Filtros(*filtros), incluir_en_captura=en_captura
    )
    return df, flecha(df)


# -- Oportunidades de intercambio ---------------------------------------------------------------
@st.cache_resource(max_entries=8, show_spinner=False)
def lineas_intercambio(ruta: str, anio: int, incluir: bool, generacion: int, _cuenta):
    """Lines, the coverage sentence and the filter choices of one period's selection."""
    store = almacen.store()
    df = intercambio.lineas(store, _cuenta, anio, incluir_en_captura=incluir)
    cob = analisis.describir_cobertura(analisis.cobertura(store, _cuenta, anio, incluir_en_captura=incluir))
    grupos = intercambio.opciones_grupo(df)
    # Each group's choices from the distinct (group, specialty) pairs, not from every line: filtering the
    # 658,306 lines once per group took 1.9 s of the page's first visit.
    distintas = df[["grupo", "especialidad", "especialidad_nombre"]].drop_duplicates()
    especialidades = {g: intercambio.opciones_especialidad(distintas, g) for g in [None, *grupos]}
    return df, cob, grupos, especialidades


# Few entries: at ~1M lines one holds ~30 MB (the allocation's ~580,000 flows, text as categorical codes; ~500 MB as strings).
@st.cache_resource(max_entries=4, show_spinner="Calculando la asignación óptima…")
def calculo_intercambio(ruta: str, anio: int, incluir: bool, generacion: int, filtros: tuple, limite: int, _cuenta):
    """(pairs in all, the allocation, tables for the downloads (every row), the Arrow drawn on screen
    (the allocation and the uncovered shortage: their intercambio.FILAS_PANTALLA rows with most
    patients), number formats, the flows between states)."""
    df = lineas_intercambio(ruta, anio, incluir, generacion, _cuenta)[0]
    f = Filtros(*filtros)
    propuestas, asig = intercambio.calcular(df, f, limite=limite)  # one pass over the pairs for both
    estados = intercambio.sankey_estados(asig.flujos)
    tablas = {
        "Propuestas": intercambio.para_mostrar(propuestas.tabla, intercambio.COLUMNAS_OPORTUNIDADES),
        "Asignación": intercambio.para_mostrar(asig.flujos, intercambio.COLUMNAS_FLUJOS),
        "Entre estados": intercambio.para_mostrar(estados, intercambio.COLUMNAS_ESTADOS),
        "Sin cubrir": intercambio.para_mostrar(asig.sin_cubrir, intercambio.COLUMNAS_SIN_CUBRIR),
    }
    en_pantalla = {
        "Asignación": intercambio.mayores(asig.flujos["pacientes"]),
        "Sin cubrir": intercambio.mayores(asig.sin_cubrir["sin_cubrir"]),
    }
    vistas = {n: flecha(t.iloc[en_pantalla[n]] if n in en_pantalla else t) for n, t in tablas.items()}
    numeros = {c: NUMERO for t in tablas.values() for c in t.columns if t[c].dtype.kind in "if"}
    return propuestas.total, asig, tablas, vistas, numeros, estados


@st.cache_resource(max_entries=32, show_spinner=False)
def sankey(clave: tuple, maximo: int | None, _estados: pd.DataFrame):
    """The Sankey of the flows between states with at most `maximo` of them one by one (the rest
    in «Otros»), and how many flows there are; `clave` = calculo_intercambio's key."""
    anio = clave[1]
    return figura_sankey(intercambio.agrupar_estados(_estados, maximo), anio, _estados), len(_estados)


@dataclass(frozen=True)
class Cabecera:
    store: object
    cuenta: object
    ruta: str
    generacion: int
    anio: int
    en_captura: bool


def cabecera(titulo: str) -> Cabecera:
    """What Panorama and Cruce open with: the division check, the period and the data switch."""
    st.caption("Análisis · División de Integración Estratégica Sectorial")
    st.title(titulo)
    store = almacen.store()
    cuenta = sesion.cuenta()
    try:
        analisis.exigir_acceso(cuenta)
    except AccesoDenegado as exc:
        st.error(str(exc), icon="🔒")
        st.stop()
    ruta = str(rutas.ruta_base())
    lista, actual = periodos(ruta, store.cambios())
    if not lista:
        st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
        st.stop()
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    anio = c1.selectbox("Periodo", lista, index=actual, key="analisis_anio")
    en_captura = c2.toggle(
        "Incluir OOAD/UMAE en captura",
        key="analisis_en_captura",
        help="Por omisión solo cuenta la última Versión Final de cada OOAD/UMAE finalizada o "
        "firmada; con esta opción se suman las líneas actuales de las que siguen en captura.",
    )
    # The snapshot's read time, and its counter as the caches' key: with several replicas on
    # PostgreSQL it is rebuilt at most once a minute (core.analysis.analisis._vigente).
    leida, generacion = analisis.datos_al(store, cuenta, anio, incluir_en_captura=en_captura)
    st.caption(f"Datos al {reloj.fecha_hora(leida)}")
    return Cabecera(store, cuenta, ruta, generacion, anio, en_captura)
