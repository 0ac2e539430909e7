"""Captura masiva con Excel (ui/paso3_excel.py), the outlier question (ui/components/atipicos.py) and
Análisis «Cifras atípicas confirmadas» (ui/analisis_atipicos.py), through AppTest on the demo.

The template is built and edited here with core and openpyxl (AppTest cannot read a download's
bytes; the browser test downloads it for real). Chihuahua holds the guide's sample report."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from core.accounts import cuentas
from core.capture import atipicos, captura, plantilla
from core.capture.atipicos import Aviso
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos
from ui.components import almacen
from ui.components import atipicos as atipicos_ui

PAGINA = "ui/paso3_excel.py"
OOAD = "chihuahua"
GUARDAR = "Guardar los cambios del archivo"
COL = {nombre: i + 1 for i, nombre in enumerate(plantilla.ENCABEZADOS)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _entrar(datos, usuario: str = OOAD, consulta: str | None = None) -> AppTest:
    at = iniciar_sesion(abrir_app(datos), usuario, persona="Ana Pérez" if usuario != "analista" else None)
    if consulta:
        at.session_state["ooad_consulta"] = consulta
    at.switch_page(PAGINA).run()
    assert not at.exception, at.exception
    return at


def _store():
    return almacen.store()  # the app's own store (one per process and folder)


def _anio(store) -> int:
    return ciclo.periodo_actual(store).anio


def _libro(store):
    return load_workbook(io.BytesIO(plantilla.plantilla(store, cuentas.obtener(store, OOAD), _anio(store), OOAD)))


def _bytes(libro) -> bytes:
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def _fila(hoja, unidad: str, producto: str) -> int:
    for r in range(2, hoja.max_row + 1):
        if str(hoja.cell(r, COL["Unidad Médica"]).value or "").endswith(f"({unidad})") and (
            hoja.cell(r, COL["Clave de producto"]).value == producto
        ):
            return r
    raise AssertionError(f"{unidad} {producto} no está en la plantilla")


def _nueva(hoja, unidad, producto, tipo, causa, eventos, pacientes) -> int:
    r = next(r for r in range(2, hoja.max_row + 2) if hoja.cell(r, COL["Unidad Médica"]).value is None)
    for nombre, v in (
        ("Unidad Médica", unidad),
        ("Clave de producto", producto),
        ("Excedente/Faltante", tipo),
        ("Causa Principal", causa),
        ("Eventos Mensuales", eventos),
        ("Pacientes Mensuales", pacientes),
    ):
        hoja.cell(r, COL[nombre]).value = v
    return r


def _lineas(store):
    return store.filas(
        "SELECT unidad, producto, tipo, causa, pacientes, eventos FROM linea WHERE anio = ? AND ooad = ? ORDER BY ALL",
        [_anio(store), OOAD],
    )


def _subir(at: AppTest, datos: bytes, nombre: str = "plantilla.xlsx") -> AppTest:
    at.file_uploader[0].upload(nombre, datos, XLSX).run()
    assert not at.exception, at.exception
    return at


def _guia(store) -> tuple[str, str, str, str]:
    """HGZ 6 and HGZ 35 of the guide's report, its hemodialysis product and one of HGZ 35's tests."""
    hgz6, hemo = store.fila(
        "SELECT l.unidad, l.producto FROM linea l JOIN unidad u ON u.clave = l.unidad JOIN producto p"
        " ON p.clave = l.producto WHERE l.anio = ? AND l.ooad = ? AND starts_with(u.nombre, 'HGZ 6,')"
        " AND starts_with(p.nombre, 'Procedimiento de hemodiálisis con reuso')",
        [_anio(store), OOAD],
    )
    hgz35, sodio = store.fila(
        "SELECT l.unidad, l.producto FROM linea l JOIN unidad u ON u.clave = l.unidad JOIN producto p"
        " ON p.clave = l.producto WHERE l.anio = ? AND l.ooad = ? AND starts_with(u.nombre, 'HGZ 35,')"
        " AND p.nombre = 'Sodio (na) orina.'",
        [_anio(store), OOAD],
    )
    return hgz6, hemo, hgz35, sodio


def _libre(store) -> str:
    """A laboratory product the unit has no line of, and no line anywhere (no usual range: no warning)."""
    return store.valor(
        "SELECT clave FROM producto WHERE activo AND starts_with(clave, 'LAB-')"
        " AND clave NOT IN (SELECT producto FROM linea) ORDER BY clave LIMIT 1"
    )


def test_paso3_enlaza_la_captura_masiva(datos):
    at = iniciar_sesion(abrir_app(datos), OOAD)
    at.switch_page("ui/paso3_unidad.py").run()
    enlaces = {(e.proto.page, e.proto.label) for e in at.get("page_link")}  # the sidebar's menu included
    assert ("paso3-excel", "Captura masiva con Excel (todas las unidades en un archivo)") in enlaces, enlaces


def test_error_por_fila_luego_vista_previa_y_guardado(datos):
    at = _entrar(datos)
    assert any(b.label == "⬇️ Descargar la plantilla (.xlsx)" for b in at.get("download_button"))
    assert f"hasta {plantilla.FILAS_MAXIMAS:,} líneas" in textos(at)
    store = _store()
    hgz6, hemo, hgz35, sodio = _guia(store)
    libro = _libro(store)
    hoja = libro[plantilla.HOJA]
    hoja.cell(_fila(hoja, hgz6, hemo), COL["Pacientes Mensuales"]).value = 260
    hoja.delete_rows(_fila(hoja, hgz35, sodio))
    nuevo = _libre(store)
    r = _nueva(hoja, hgz35, nuevo, "Faltante", "Falta de Equipo", 15, "1,5")
    antes = _lineas(store)

    _subir(at, _bytes(libro))
    assert "No se guardó nada" in textos(at) and not any(b.label == GUARDAR for b in at.button)
    problemas = at.dataframe[0].value
    assert problemas[["Fila", "Columna"]].values.tolist() == [[r, "Pacientes Mensuales"]]
    assert "«1,5» no es un número válido" in problemas["Problema"].item()
    assert _lineas(store) == antes  # nothing written

    hoja.cell(r, COL["Pacientes Mensuales"]).value = 15
    _subir(at, _bytes(libro), "plantilla corregida.xlsx")
    texto = textos(at)
    assert "Nuevas: 1; modificadas: 1; se eliminarán (si lo confirma): 1" in texto
    por_unidad = at.dataframe[0].value.set_index("Clave")
    assert por_unidad.loc[hgz35, ["Nuevas", "Se eliminarán"]].tolist() == [1, 1]
    assert por_unidad.loc[hgz6, "Modificadas"] == 1
    at.checkbox[0].check().run()
    assert at.checkbox[0].label == "Eliminar también las 1 línea(s) que no están en el archivo"
    boton(at, GUARDAR).click().run()
    assert "Plantilla guardada en 2 unidad(es) médica(s): 1 nueva(s), 1 modificada(s), 1 eliminada(s)." in textos(at)
    despues = {(u, p): resto for u, p, *resto in _lineas(store)}
    assert (hgz35, sodio) not in despues and despues[(hgz35, nuevo)] == ["Faltante", "Falta de Equipo", 15, 15]
    assert despues[(hgz6, hemo)][2] == 260 and len(despues) == len(antes)
    assert at.file_uploader[0].value is None  # a new, empty uploader


def test_las_lineas_ausentes_se_eliminan_solo_con_su_casilla(datos):
    at = _entrar(datos)
    store = _store()
    _, _, hgz35, sodio = _guia(store)
    libro = _libro(store)
    libro[plantilla.HOJA].delete_rows(_fila(libro[plantilla.HOJA], hgz35, sodio))
    _subir(at, _bytes(libro))
    assert "no están en el archivo: **se eliminará(n)**" in textos(at)
    assert at.dataframe[-1].value["Clave de producto"].tolist() == [sodio]
    assert boton(at, GUARDAR).disabled and "No hay cambios que guardar" in textos(at)
    at.checkbox[0].check().run()
    assert not boton(at, GUARDAR).disabled
    boton(at, GUARDAR).click().run()
    assert "0 nueva(s), 0 modificada(s), 1 eliminada(s)" in textos(at)
    assert (hgz35, sodio) not in {(u, p) for u, p, *_ in _lineas(store)}


def test_una_linea_cambiada_despues_de_la_descarga_rechaza_la_subida(datos):
    at = _entrar(datos)
    store = _store()
    hgz6, hemo, hgz35, _ = _guia(store)
    libro = _libro(store)
    hoja = libro[plantilla.HOJA]
    _nueva(hoja, hgz35, _libre(store), "Faltante", "Falta de Equipo", 15, 15)
    version = store.valor(
        "SELECT version FROM linea WHERE anio = ? AND unidad = ? AND producto = ?", [_anio(store), hgz6, hemo]
    )
    cambio = FilaCaptura(hemo, version, fal_causa="Carencia de Servicio", fal_pacientes=251, fal_eventos=2989)
    captura.guardar(store, cuentas.obtener(store, OOAD), "Beto", _anio(store), hgz6, [cambio])
    antes = _lineas(store)
    _subir(at, _bytes(libro))
    texto = textos(at)
    assert "cambiaron después de que usted descargó la plantilla" in texto
    assert f"({hgz6}) · producto {hemo}" in texto and "modificada por" in texto
    assert not any(b.label == GUARDAR for b in at.button)
    assert _lineas(store) == antes


def test_cifra_atipica_se_confirma_una_vez_y_la_lista_analisis(datos):
    at = _entrar(datos)
    store = _store()
    # The remote consultation product the demo has in several OOAD/UMAE: a usual range exists.
    producto = store.valor(
        "SELECT producto FROM linea WHERE tipo = 'Excedente' AND anio <= ? GROUP BY producto"
        " HAVING count(*) >= 8 AND count(DISTINCT ooad) >= 3 ORDER BY producto LIMIT 1",
        [_anio(store)],
    )
    hgz6, _, _, _ = _guia(store)
    libro = _libro(store)
    _nueva(libro[plantilla.HOJA], hgz6, producto, "Excedente", None, 50_000, 50_000)
    _subir(at, _bytes(libro))
    texto = textos(at)
    assert "2 cifra(s) muy lejos de lo que su producto suele tener" in texto
    assert "50,000 pacientes mensuales" in texto and "50,000 eventos mensuales" in texto
    assert boton(at, GUARDAR).disabled and "Confirme las 2 cifra(s)" in texto
    at.checkbox(key=next(c.key for c in at.checkbox if c.label.startswith("Las 2 cifra"))).check().run()
    boton(at, GUARDAR).click().run()
    assert "1 nueva(s)" in textos(at)
    confirmadas = store.filas(
        "SELECT unidad, objeto FROM auditoria WHERE accion = ? AND anio = ?", [atipicos.ACCION_CONFIRMADA, _anio(store)]
    )
    assert confirmadas == [(hgz6, producto)] * 2

    analista = iniciar_sesion(abrir_app(datos), "analista", persona=None)
    analista.switch_page("ui/analisis_atipicos.py").run()
    assert not analista.exception
    tabla = analista.dataframe[0].value
    assert tabla["Clave del producto"].tolist() == [producto] * 2
    assert tabla["Valor"].tolist() == ["50,000", "50,000"] and set(tabla["¿Sigue guardada?"]) == {"Sí"}
    assert {b.label for b in analista.get("download_button")} >= {"⬇️ Descargar CSV", "⬇️ Descargar Excel"}
    # A capturista does not read the división's list.
    at.switch_page("ui/analisis_atipicos.py").run()
    assert not at.dataframe and at.error and not at.get("download_button")


def test_fuera_de_captura_la_subida_esta_desactivada_con_su_motivo(datos):
    finalizada = _entrar(datos, "coahuila")
    assert finalizada.file_uploader[0].disabled
    assert "se finalizó" in textos(finalizada) and finalizada.get("download_button")
    division = _entrar(datos, "analista", consulta=OOAD)
    assert division.file_uploader[0].disabled and division.get("download_button")
    assert "División" in textos(division) or "consulta" in textos(division)


def _app_dialogo():
    import streamlit as st

    from core.base.errors import ConfirmacionPendiente
    from ui.components import atipicos as comp

    if st.button("Guardar"):
        comp.preguntar("prueba", ConfirmacionPendiente(st.session_state["avisos_prueba"]))
    respuesta = comp.respuesta("prueba")
    if respuesta is not None:
        st.session_state["confirmados"] = respuesta


def test_el_dialogo_nombra_cada_cifra_y_devuelve_las_confirmadas():
    avisos = [
        Aviso("U1", "HGZ 35, Ciudad Juárez", "LAB-0001", "Procalcitonina", "Faltante", atipicos.PACIENTES,
              20_000, 2.1, 834.2, 34.0, 45, 24, 20_000, None),
        Aviso("U1", "HGZ 35, Ciudad Juárez", "LAB-0002", "Sodio", "Faltante", atipicos.RAZON,
              15.0, 0.2, 5.4, 1.0, 45, 24, 40, 600),
    ]  # fmt: skip
    at = AppTest.from_function(_app_dialogo)
    at.session_state["avisos_prueba"] = avisos
    at.run()
    boton(at, "Guardar").click().run()
    texto = textos(at)
    assert "**20,000 pacientes mensuales**; lo habitual para este producto es entre 3 y 834" in texto
    assert "15.0 eventos por paciente" in texto and "entre 1.0 y 5.4 eventos por paciente" in texto
    boton(at, atipicos_ui.BOTON_REVISAR).click().run()
    assert "confirmados" not in at.session_state and not any(b.label == atipicos_ui.BOTON_SI for b in at.button)
    boton(at, "Guardar").click().run()
    boton(at, atipicos_ui.BOTON_SI).click().run()
    assert at.session_state["confirmados"] == avisos
    assert not any(b.label == atipicos_ui.BOTON_SI for b in at.button)
