"""Catálogos and Respaldos pages through AppTest; Paso 6's product request; a second server's message."""

from __future__ import annotations

import pytest

from core import instalacion
from core.accounts import cuentas
from core.admin import importacion
from core.base import rutas
from tests.conftest import base_retenida
from tests.pages.conftest import abrir_app, boton, iniciar_sesion, textos

CATALOGOS, RESPALDOS = "ui/admin_catalogos.py", "ui/admin_respaldos.py"


def _preparar(datos) -> tuple[str, str, str]:
    """(products CSV of the demo with a change of each kind, used product key, added product key).

    Read before the app opens the database, like the other page tests."""
    store = instalacion.abrir(datos)
    try:
        texto = importacion.catalogo_csv(store, cuentas.obtener(store, "admin"), "productos").decode("utf-8")
        usado = store.valor("SELECT producto FROM linea ORDER BY producto LIMIT 1")
    finally:
        store.close()
    filas = [f for f in texto.splitlines() if not f.startswith(f"{usado},")]
    filas = [
        f.replace("Hemodiálisis,Ambulatorio", "Hemodiálisis convencional,Ambulatorio") if f.startswith("39.95,") else f
        for f in filas
    ]
    filas.append("LAB-9001,LAB,Prueba de importación desde la página,Ambulatorio,false,curado")
    return "\n".join(filas) + "\n", usado, "LAB-9001"


def _ir(at, pagina):
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("usuario", ["chihuahua", "analista"])
@pytest.mark.parametrize("pagina", [CATALOGOS, RESPALDOS])
def test_solo_admin_entra(datos, usuario, pagina):
    at = _ir(iniciar_sesion(abrir_app(datos), usuario), pagina)
    assert "exclusiva de la División" in textos(at)
    assert not at.get("file_uploader") and not any(b.label == "Crear respaldo ahora" for b in at.button)


def test_admin_importa_productos_con_vista_previa_y_confirmacion(datos):
    texto, usado, nuevo = _preparar(datos)
    at = _ir(iniciar_sesion(abrir_app(datos), "admin"), CATALOGOS)
    at.radio(key="adm_cat_tipo").set_value("productos").run()
    at.get("file_uploader")[0].upload("productos 2027.csv", texto.encode("utf-8"), "text/csv").run()
    boton(at, "Revisar archivo").click().run()
    assert not at.exception, at.exception
    assert "Se agregarían 1, se modificarían 1 y se retirarían 1" in textos(at)
    assert [m.value for m in at.metric][:3] == ["1", "1", "1"]
    agregados, cambios, retirado = (d.value for d in at.dataframe[:3])  # in the preview's order
    assert agregados["clave"].tolist() == [nuevo]
    assert cambios[["clave", "antes", "despues"]].values.tolist() == [
        ["39.95", "Hemodiálisis", "Hemodiálisis convencional"]
    ]
    assert retirado["clave"].tolist() == [usado] and retirado["lineas"].iloc[0] >= 1
    boton(at, "Aplicar cambios").click().run()
    assert "Se retirarán 1 productos (1 con líneas capturadas" in textos(at)
    boton(at, "Sí, aplicar").click().run()
    assert not at.exception, at.exception
    assert "Catálogo actualizado: 1 agregado(s), 1 modificado(s), 1 retirado(s)." in textos(at)
    # The same file again: nothing left to apply.
    at.get("file_uploader")[0].upload("productos 2027.csv", texto.encode("utf-8"), "text/csv").run()
    boton(at, "Revisar archivo").click().run()
    assert "no hay nada que aplicar" in textos(at)


def test_archivo_malo_muestra_errores_con_fila_y_columna(datos):
    at = _ir(iniciar_sesion(abrir_app(datos), "admin"), CATALOGOS)
    at.get("file_uploader")[0].upload("unidades.csv", b"\x89PNG\r\n\x1a\n" + bytes(64), "text/csv").run()
    boton(at, "Revisar archivo").click().run()
    assert "no es un CSV ni un libro de Excel" in textos(at) and "imagen PNG" in textos(at)
    malo = (
        "clave,ooad,tipo_unidad,nombre,cve_ent,cve_mun,municipio,localidad,lat,lon,ilustrativa\n"
        'IL-XX-0001,narnia,UMF,"UMF 1, Narnia",08,08037,Juárez,Juárez,norte,-106.4,false\n'
    )
    at.get("file_uploader")[0].upload("mis unidades.csv", malo.encode("utf-8"), "text/csv").run()
    boton(at, "Revisar archivo").click().run()
    texto = textos(at)
    assert "No se importó nada: el archivo «mis unidades.csv» tiene 2 errores" in texto
    assert "mis unidades.csv, fila 2, columna 'lat'" in texto and "mis unidades.csv, fila 2, columna 'ooad'" in texto
    assert not any(b.label == "Aplicar cambios" for b in at.button)


def test_solicitud_de_producto_desde_paso6_aceptada_por_la_division(datos):
    store = instalacion.abrir(datos)
    try:
        unidad = store.valor("SELECT clave FROM unidad WHERE ooad = 'chihuahua' AND nombre LIKE 'UMF 13,%'")
    finally:
        store.close()
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    at.session_state["sel_unidad"] = unidad
    at.switch_page("ui/paso4_grupo.py").run()
    boton(at, "Laboratorio").click().run()
    at = _ir(at, "ui/paso6_captura.py")
    nombre = next(t for t in at.text_input if t.label.startswith("Nombre del producto"))
    nombre.input("Hemoglobina glucosilada (HbA1c) capilar")
    next(t for t in at.text_area if t.label.startswith("Justificación")).input(
        "La solicitan los programas de diabetes de la unidad cada mes."
    )
    boton(at, "Enviar solicitud").click().run()
    assert "enviada a la División" in textos(at)
    assert at.dataframe[-1].value["Estado"].tolist() == ["Pendiente"]

    adm = _ir(iniciar_sesion(abrir_app(datos), "admin"), CATALOGOS)
    assert "Hemoglobina glucosilada (HbA1c) capilar" in adm.dataframe[0].value["Producto solicitado"].tolist()
    boton(adm, "Aceptar y agregar").click().run()
    assert not adm.exception, adm.exception
    assert "aceptada: producto LAB-0116 agregado" in textos(adm)

    at = _ir(at, "ui/paso6_captura.py")
    mias = at.dataframe[-1].value
    assert mias[["Estado", "Clave asignada"]].values.tolist() == [["Aceptada", "LAB-0116"]]
    at.text_input(key="p6_buscar").input("capilar").run()
    assert at.session_state["p6_snap"]["frame"].index.tolist() == ["LAB-0116"]


def test_admin_crea_un_respaldo_y_lo_ve_listado(datos):
    at = _ir(iniciar_sesion(abrir_app(datos), "admin"), RESPALDOS)
    assert "Todavía no hay respaldos." in textos(at) and "core.cli restaurar" in textos(at)
    boton(at, "Crear respaldo ahora").click().run()
    assert not at.exception, at.exception
    assert "archivo(s) firmado(s)" in textos(at)
    listado = at.dataframe[0].value
    assert len(listado) == 1 and listado["Creado por"].tolist() == ["admin"]
    assert (datos / "respaldos" / listado["Carpeta"].iloc[0] / "manifiesto.json").is_file()


def test_segundo_servidor_sobre_una_base_en_uso_muestra_el_mensaje(datos):
    with base_retenida(rutas.ruta_base(datos)):
        at = abrir_app(datos)
        assert not at.exception, at.exception
        assert any("está en uso por otro proceso" in e.value for e in at.error)
