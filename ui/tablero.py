"""Tablero de control: every OOAD/UMAE's progress, the entry point to every step.

As in the guide, each OOAD/UMAE's row carries its own actions (ui/components/filas.py): its name opens
it (Paso 1 for a visitor, Paso 2 or 3 for its capturista and the division), Preliminar and Versión
Final download the reports (built only when clicked), Finalizar Reporte opens Paso 7, Subir and
Consultar/Modificar open Paso 9. A capturista gets actions in its own row only; the division gets the
report downloads in every row and never Finalizar or Subir."""

import pandas as pd
import streamlit as st

from core.lifecycle import ciclo, reaperturas, tablero
from ui.components import almacen, ciclo_vida, filas, paginas, pendientes, semaforo, sesion
from ui.components import contexto as ctx
from ui.components import reportes as comp
from ui.components.marcado import md

store = almacen.store()
cuenta = sesion.cuenta()
periodo = ctx.periodo()

st.title("Recolección de Excedentes y/o Faltantes de Servicios Médicos Institucionales")
if periodo is None:
    st.warning("Todavía no hay un periodo de captura. La División debe crearlo.")
    st.stop()
st.subheader(f"Captura del periodo {periodo.anio}")
st.markdown(f"Periodo de registro **{periodo.describir_ventana()}** · {ctx.plazo(periodo)}")
if cuenta is not None and cuenta.debe_cambiar:
    st.warning("Su contraseña es temporal: elija una propia en «Mi cuenta».", icon="🔐")
    st.page_link(paginas.MI_CUENTA, label="Cambiar contraseña", icon="🔐")
pendientes.avisar()
if cuenta is not None and cuenta.rol == "admin" and not (cola := reaperturas.pendientes(store, cuenta)).empty:
    st.info(
        f"Hay {len(cola):,} solicitud(es) de reapertura en espera; la más antigua espera desde hace "
        f"{cola.iloc[0]['Espera']}.",
        icon="🔓",
    )
    st.page_link(paginas.ADMIN_REAPERTURAS, label="Atender solicitudes de reapertura", icon="🔓")
st.caption(
    "Paso 1.- Dé clic sobre el nombre de su OOAD/UMAE"
    + (" para ingresar con su contraseña." if cuenta is None else "; las acciones de cada reporte están en su renglón.")
)

c1, c2, c3 = st.columns([2, 1, 1])
filtro = c1.text_input("Buscar OOAD/UMAE", placeholder="Nombre, p. ej. Chihuahua", key="tablero_buscar")
tipo = c2.selectbox("Tipo", ["Todas", "OOAD", "UMAE"], key="tablero_tipo")
estados = c3.multiselect(
    "Semáforo",
    list(ciclo.ESTADOS),
    format_func=ciclo.semaforo,
    key="tablero_estado",
    placeholder="Todos",
)
division = cuenta is not None and cuenta.es_division
vista, tabla = almacen.tablero_vista(periodo.anio, filtro, tipo, tuple(estados), con_recepcion=division)
tot = tablero.totales(almacen.tablero_filas(periodo.anio))

# The rows' actions come from the lifecycle model: a capturista's own row, every row for the division.
if cuenta is None:
    con_acciones = []
elif division:
    con_acciones = list(vista["clave"])
else:
    con_acciones = [c for c in vista["clave"] if c == cuenta.ooad]
posibles = almacen.tablero_acciones(periodo.anio, cuenta, con_acciones) if con_acciones else {}

# Widths (px) that fit the 906 px the main area has on a 1366 px wide screen with the sidebar open.
COLUMNAS = [
    filas.Columna("No.", 30, numero=True),
    filas.Columna("OOAD/UMAE", 144 if division else 158),
    filas.Columna("Unidades Médicas · Total", 64, numero=True),
    filas.Columna("Con Excedentes/ Faltantes", 72, numero=True),
    filas.Columna("Sin Excedentes/ Faltantes", 72, numero=True),
    filas.Columna("Reporte Preliminar", 88 if division else 96),
    filas.Columna("Final (para firmas)", 106 if division else 128),
    filas.Columna("Subir (firmado)", 80 if division else 142),
    filas.Columna("Semáforo", 112 if division else 118),
] + ([filas.Columna("Recepción (original)", 118)] if division else [])


def _numero(v) -> str:
    return "" if pd.isna(v) else f"{int(v):,}"


def _ir(pagina: str, **estado):
    def ir() -> None:
        st.session_state.update(estado)
        st.switch_page(pagina)

    return ir


def _boton(etiqueta: str, key: str, al_clic, accion=None, ayuda: str | None = None):
    """A link-like button in its cell; enabled from the lifecycle model when `accion` is given."""

    def dibujar(ancho: int) -> None:
        if accion is not None:
            pulsado = ciclo_vida.boton(accion, etiqueta, key=key, type="tertiary", width=ancho)
        else:
            pulsado = st.button(etiqueta, key=key, type="tertiary", width=ancho, help=ayuda)
        if pulsado:
            al_clic()

    return dibujar


def _descarga(boton, clave: str, etiqueta: str, key: str):
    return lambda ancho: boton(cuenta, periodo.anio, clave, key=key, etiqueta=etiqueta, type="tertiary", width=ancho)


def _celdas(f) -> list:
    clave, estado = f.clave, f.estado
    guia = tabla_de[clave]
    nombre = f.nombre
    celdas = [str(f.numero), nombre, _numero(f.total), _numero(f.con), _numero(f.sin)]
    acc = posibles.get(clave)
    finalizado = estado in ciclo.FINALIZADOS
    if cuenta is None:
        celdas[1] = _boton(
            md(nombre),
            f"tb_entrar_{clave}",
            _ir(paginas.PASO1, paso1_usuario=clave, paso1_tipo="OOAD/UMAE"),
            ayuda="Ingresar con la contraseña de esta OOAD/UMAE (Paso 1)",
        )
    elif acc is not None:
        destino = paginas.PASO3 if finalizado else paginas.PASO2
        extra = {"ooad_consulta": clave} if division else {}
        ayuda = (
            "Consultar lo capturado (Paso 3)"
            if finalizado
            else "Registrar Excedentes y/o Faltantes (Paso 2)"
            if cuenta.es_capturista
            else "Consultar la captura (Paso 2)"
        )
        celdas[1] = _boton(md(nombre), f"tb_abrir_{clave}", _ir(destino, **extra), ayuda=ayuda)
    if acc is None:  # the guide's labels, muted: no action here
        celdas += [
            (guia["Reporte Preliminar"], True),
            (guia["Final (para firmas)"], True),
            (guia["Subir (firmado)"], True),
        ]
    else:
        celdas.append(
            _descarga(comp.boton_preliminar, clave, "Preliminar", f"tb_preliminar_{clave}")
            if acc.preliminar.permitida
            else (guia["Reporte Preliminar"], True)
        )
        if acc.version_final.permitida:
            celdas.append(_descarga(comp.boton_final, clave, "Versión Final", f"tb_final_{clave}"))
        elif cuenta.es_capturista and not finalizado:
            celdas.append(
                _boton("Finalizar Reporte", f"tb_finalizar_{clave}", _ir(paginas.PASO7), accion=acc.finalizar)
            )
        else:
            celdas.append(("", True) if division else (guia["Final (para firmas)"], True))
        if cuenta.es_capturista and finalizado:
            etiqueta = tablero.accion_subir(estado)
            celdas.append(
                _boton(etiqueta, f"tb_subir_{clave}", _ir(paginas.PASO9), accion=acc.subir_firmado)
                if estado == ciclo.FINALIZADO
                else _boton(
                    etiqueta,
                    f"tb_subir_{clave}",
                    _ir(paginas.PASO9),
                    ayuda="Consultar o reemplazar el reporte firmado (Paso 9)",
                )
            )
        elif division:
            celdas.append(({ciclo.FIRMADO: "Subido", ciclo.FINALIZADO: "Pendiente"}.get(estado, ""), True))
        else:
            celdas.append(("", True))
    celdas.append(ciclo.semaforo(estado))
    if division:
        celdas.append(guia["Recepción (original)"])
    return celdas


tabla_de = {c: fila for c, fila in zip(vista["clave"], tabla.iloc[: len(vista)].to_dict("records"), strict=True)}
filas.estilos()
if cuenta is not None and cuenta.es_capturista:  # its own row stands out among the 60
    st.html(f"<style>.st-key-fila_{cuenta.ooad}{{background:rgba(19,50,43,0.07)}}</style>")
if vista.empty:
    st.info("Ninguna OOAD/UMAE coincide con el filtro.")
else:
    filas.encabezado(COLUMNAS)
    with st.container(height=min(44 * len(vista) + 8, 440), gap=None, border=False, key="tablero_filas"):
        filas.renglones(COLUMNAS, ((f"fila_{f.clave}", _celdas(f)) for f in vista.itertuples()))
    total = tabla.iloc[-1]
    filas.totales(
        COLUMNAS,
        [
            "",
            total["OOAD/UMAE"],
            _numero(total["Total"]),
            _numero(total["Con Excedentes/ Faltantes"]),
            _numero(total["Sin Excedentes/ Faltantes"]),
            "",
            "",
            "",
            "",
        ]
        + ([total["Recepción (original)"]] if division else []),
    )
semaforo.leyenda()
st.caption(
    f"{tot['ooad_umae']:,} OOAD/UMAE · {tot['unidades']:,} Unidades Médicas · "
    + " · ".join(f"{ciclo.semaforo(e)}: {tot[e]:,}" for e in ciclo.ESTADOS)
    + f" · Originales firmados recibidos en papel: {tot['recibidos']:,}"
)

# DESCARGAS: the tablero table as shown (filters applied), as CSV and Excel.
from ui.components import descargas  # noqa: E402

descargas.botones({"Tablero de control": tabla}, "tablero de control", periodo.anio, key="tablero_descargas")
