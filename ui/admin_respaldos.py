"""Administración · Respaldos: a consistent copy of the database and the signed reports, on demand."""

import streamlit as st

from core.admin import integridad, respaldo
from core.base.errors import ErrorDominio
from ui.components import almacen, avisos, sesion
from ui.components import contexto as ctx
from ui.components.marcado import md

cuenta = sesion.exigir_admin()
ctx.encabezado(
    "Administración",
    "Respaldos",
    [
        "«Crear respaldo ahora» copia la base de datos y los reportes firmados a una carpeta nueva de "
        "`data/respaldos/`, con un manifiesto que registra la huella SHA-256 de cada archivo y las filas de cada tabla.",
        "El respaldo se toma sin detener el servidor: mientras se copia, los guardados esperan unos instantes.",
        "Copie las carpetas de respaldo a otro equipo o unidad: un respaldo en el mismo disco no protege contra su falla.",
    ],
)
store = almacen.store()

st.subheader("Revisión de integridad")
if recuperacion := integridad.recuperacion(store, cuenta):
    st.warning(md(recuperacion), icon="⚠️")
hallazgos = integridad.hallazgos(store, cuenta)
if not hallazgos:
    st.success(
        "Al iniciar el servidor, todas las tablas se leyeron completas y cada línea guardada coincide con "
        "su último registro en la bitácora.",
        icon="✅",
    )
else:
    afectadas = sorted({h.ooad or "todas" for h in hallazgos})
    st.error(
        f"Al iniciar el servidor se encontraron {len(hallazgos):,} dato(s) que no coinciden con la bitácora o no se "
        f"pudieron leer. Quedan en solo consulta: {md(', '.join(afectadas))}. Nada se corrigió automáticamente.",
        icon="🛑",
    )
    st.dataframe(
        [
            {
                "Tabla": h.tabla,
                "Clave": h.clave,
                "Valor guardado": h.guardado,
                "Valor en la bitácora": h.auditado,
                "OOAD/UMAE": h.ooad or "todas",
                "Detalle": h.detalle,
            }
            for h in hallazgos
        ],
        hide_index=True,
        width="stretch",
        key="adm_integridad_tabla",
    )
    st.markdown("**Qué hacer:** " + md(integridad.RESTAURAR))

if st.button("Crear respaldo ahora", type="primary", key="adm_resp_crear"):
    with st.spinner("Creando el respaldo…"):
        try:
            hecho = respaldo.respaldar(store, cuenta)
        except ErrorDominio as exc:
            avisos.mostrar_error(exc)
        except OSError as exc:
            st.error(
                f"No se pudo escribir el respaldo ({md(exc)}). Revise el espacio libre y los permisos de la carpeta."
            )
        else:
            st.success(f"{hecho.describir()} Carpeta: `{hecho.ruta}`")

existentes = respaldo.listar(store, cuenta)
st.subheader("Respaldos existentes")
if not existentes:
    st.info("Todavía no hay respaldos.")
else:
    st.caption(f"{len(existentes):,} respaldo(s), el más reciente primero.")
    st.dataframe(respaldo.tabla(existentes), hide_index=True, width="stretch", placeholder="", key="adm_resp_tabla")

st.subheader("Cómo restaurar un respaldo")
st.markdown(
    "La restauración se hace con el servidor **detenido** (una base en uso no se puede reemplazar):\n"
    "1. Detenga el servidor (Ctrl+C en la terminal de `make run`).\n"
    "2. Vea los respaldos disponibles: `.venv/bin/python -m core.cli restaurar`\n"
    "3. Restaure uno por su nombre: `.venv/bin/python -m core.cli restaurar 20260615-100000`\n"
    "4. Inicie de nuevo el servidor con `make run`.\n\n"
    "Antes de copiar nada se comprueba la huella de cada archivo del respaldo. La base y los firmados que había "
    "se guardan en `data/respaldos/antes-de-restaurar-<fecha>/`, así que la restauración se puede deshacer "
    "restaurando esa carpeta. Con el servidor detenido también se puede respaldar con `make respaldo`."
)
