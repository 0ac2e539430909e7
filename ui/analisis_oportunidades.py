"""Oportunidades de intercambio: ranked pairs, the optimal allocation, its Sankey and what is left."""

import streamlit as st

from core.analysis import intercambio
from core.base.errors import ErrorDominio
from ui.components import avisos, descargas
from ui.components import vistas_analisis as vistas

TODOS = "Todos"
LIMITES = (100, 500, 1_000, 5_000)
# Flows between states drawn one by one in the Sankey (None: all); the rest go to «Otros».
FLUJOS = (10, intercambio.FLUJOS_SANKEY, 25, 50, None)

cab = vistas.cabecera("Oportunidades de intercambio")
ruta, generacion, anio, incluir, cuenta = cab.ruta, cab.generacion, cab.anio, cab.en_captura, cab.cuenta
# The account was checked above; results are shared objects keyed by the audit generation.
lineas, cobertura, grupos, por_grupo = vistas.lineas_intercambio(ruta, anio, incluir, generacion, cuenta)
st.caption(cobertura)

with st.expander("Cómo se calculan las oportunidades y la asignación"):
    st.markdown(
        "- **Propuestas**: cada Faltante frente a cada Excedente del mismo producto en otra Unidad Médica, "
        "ordenados por los pacientes que ese par podría cubrir y después por la distancia.\n"
        "- **Distancia**: kilómetros en **línea recta** entre las coordenadas de las unidades en el catálogo; "
        "por carretera la distancia es mayor.\n"
        "- **Asignación**: reparte el excedente para cubrir **el mayor número posible de pacientes** con "
        "faltante y, entre todas las formas de lograrlo, la de **menos pacientes-kilómetro** (flujo de costo "
        "mínimo, resuelto de forma exacta).\n"
        "- **Atención a distancia**: los productos marcados en el catálogo como remotos (p. ej. consultas "
        "de seguimiento por videollamada) cuentan 0 km si lo permite; la distancia máxima no les aplica, "
        "los filtros de mismo estado y misma modalidad sí.\n"
        "- **Sin cubrir**: «no hay excedente» si ninguna otra unidad ofrece el producto; «no tiene "
        "coordenadas» si la unidad con faltante, o todas las que tienen excedente del producto, carecen de "
        "coordenadas en el catálogo (sin ellas no hay distancia; la atención a distancia no las necesita); "
        "«fuera de los filtros» si lo hay pero ningún par pasa los filtros de distancia, estado o modalidad; "
        "«ya se asignó» si el excedente a su alcance se usó por completo para otras unidades.\n"
        "- **Entre estados**: la gráfica dibuja uno por uno los flujos más grandes (elija cuántos) y junta "
        "los demás en «Otros»: lo que un estado mostrado ofrece a estados fuera de esos flujos va a «Otros "
        "(recibe)»; la tabla de abajo tiene todos los flujos."
    )

f1, f2, f3 = st.columns(3)
grupo = f1.selectbox("Grupo de Servicio", [TODOS, *grupos], format_func=lambda g: grupos.get(g, g), key="oport_grupo")
grupo = None if grupo == TODOS else grupo
especialidades = por_grupo[grupo]
especialidad = f2.selectbox(
    "Especialidad Troncal",
    [TODOS, *especialidades],
    format_func=lambda e: especialidades.get(e, e),
    key="oport_especialidad",
)
especialidad = None if especialidad == TODOS else especialidad
km_max = f3.number_input(
    "Distancia máxima en línea recta (km)", min_value=0, step=50, value=None, placeholder="Sin límite", key="oport_km"
)
g1, g2, g3, g4 = st.columns(4)
mismo_estado = g1.checkbox("Solo dentro del mismo estado", key="oport_mismo_estado")
misma_modalidad = g2.checkbox(
    "Misma modalidad",
    key="oport_modalidad",
    help="Ambulatorio solo con Ambulatorio y Hospitalario solo con Hospitalario.",
)
remoto = g3.checkbox(
    "Atención a distancia (0 km)",
    key="oport_remoto",
    help="Los productos que pueden atenderse por videollamada (consulta de seguimiento, "
    "como el piloto de Quintana Roo) se asignan sin importar la distancia.",
)
limite = g4.selectbox("Propuestas a mostrar", LIMITES, index=0, format_func=lambda n: f"{n:,}", key="oport_limite")

filtros = (grupo, especialidad, mismo_estado, misma_modalidad, None if km_max is None else float(km_max), remoto)
try:
    clave_calculo = (ruta, anio, incluir, generacion, filtros, limite)
    total_pares, asig, tablas, tablas_arrow, numeros, estados = vistas.calculo_intercambio(*clave_calculo, cuenta)
except ErrorDominio as exc:
    avisos.mostrar_error(exc)
    st.stop()

if lineas.empty:
    st.info(
        "El periodo no tiene líneas con los datos elegidos. Active «Incluir OOAD/UMAE en captura» "
        "o espere a que las OOAD/UMAE finalicen su registro."
    )
    st.stop()

cubierto_pct = 100 * asig.cubierto / asig.faltante if asig.faltante else 0.0
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Pacientes con faltante", f"{asig.faltante:,}")
m2.metric("Pacientes cubiertos", f"{asig.cubierto:,}", f"{cubierto_pct:,.1f} %", delta_color="off")
m3.metric("Pacientes sin cubrir", f"{asig.pacientes_sin_cubrir:,}")
m4.metric("Pacientes-km (línea recta)", f"{asig.paciente_km:,.0f}")
m5.metric("Pares posibles", f"{total_pares:,}")
descargas.botones(tablas, "Oportunidades de intercambio", anio, key="oport_descargas")

st.subheader("Propuestas de intercambio")
mostradas = len(tablas["Propuestas"])
st.caption(
    f"Las {mostradas:,} mejores de {total_pares:,} pares posibles, por pacientes que podrían cubrirse "
    "y luego por distancia."
    if total_pares > mostradas
    else f"{total_pares:,} pares posibles."
)
st.dataframe(
    tablas_arrow["Propuestas"], hide_index=True, width="stretch", height=360, column_config=numeros, placeholder=""
)


def _en_pantalla(nombre: str, cosas: str, orden: str) -> str:
    """What the caption adds when the screen shows only part of a table (the download has every row)."""
    total, vistas = len(tablas[nombre]), tablas_arrow[nombre].num_rows
    return (
        f" Se muestran los {vistas:,} {cosas} con más {orden}; la descarga tiene los {total:,}."
        if vistas < total
        else ""
    )


st.subheader("Asignación óptima")
st.caption(
    f"{len(tablas['Asignación']):,} envíos de pacientes: de la unidad con excedente a la unidad con faltante."
    + _en_pantalla("Asignación", "envíos", "pacientes")
)
st.dataframe(
    tablas_arrow["Asignación"], hide_index=True, width="stretch", height=360, column_config=numeros, placeholder=""
)

st.subheader("Pacientes asignados entre estados")
if estados.empty:
    st.info("Con los filtros elegidos no hay ninguna asignación que mostrar.")
else:
    maximo = st.columns(3)[0].selectbox(
        "Flujos entre estados en la gráfica",
        FLUJOS,
        index=FLUJOS.index(intercambio.FLUJOS_SANKEY),
        format_func=lambda n: "Todos" if n is None else f"Los {n:,} mayores",
        key="oport_flujos",
        help="Los demás flujos se juntan en «Otros».",
    )
    figura, n_flujos = vistas.sankey(clave_calculo, maximo, estados)
    if maximo is not None and n_flujos > maximo:
        st.caption(f"Los {maximo:,} mayores de {n_flujos:,} flujos entre estados; el resto, en «Otros».")
    st.plotly_chart(figura, width="stretch", config={"displaylogo": False}, key="oport_sankey")
    st.dataframe(
        tablas_arrow["Entre estados"],
        hide_index=True,
        width="stretch",
        column_config=numeros,
        height=min(38 + 35 * len(tablas["Entre estados"]), 360),
    )

st.subheader("Faltante sin cubrir y por qué")
if texto := _en_pantalla("Sin cubrir", "faltantes", "pacientes sin cubrir").strip():
    st.caption(texto)
st.dataframe(
    tablas_arrow["Sin cubrir"], hide_index=True, width="stretch", height=360, column_config=numeros, placeholder=""
)
