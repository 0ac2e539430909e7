"""Administración in Chromium: one whole round of the division's admin, with an OOAD in a second browser.

Periodos (a new capture year, a window moved, the days left; the new year closed again so the demo
year stays current) → OOAD Sonora finalizes in Paso 7 and the admin's tablero shows it → Sonora asks
for a reopen with a reason → the admin sees the wait and grants it → Sonora reads the answer and is
back "en captura" → a product file imported with its preview → the bitácora filtered and
downloaded as CSV. Apart: five wrong passwords lock an account with the Spanish message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import Page, expect

from core.base import reloj
from tests.browser import tablero_ui, ui

pytestmark = pytest.mark.navegador

SONORA = "sonora"  # OOAD Sonora: en captura with lines in the demo; no other browser test uses it
PERSONA_SONORA = ("Luis Ortega Ruiz", "Coordinador de Planeación")
QUIEN = "Luis Ortega Ruiz (Coordinador de Planeación)"  # how the audit trail and the screens name the person
MOTIVO = "Falta capturar el Faltante de Hemodiálisis del HGZ 14, Hermosillo"
RAZON = "Procede: corrijan la Hemodiálisis y finalicen de nuevo esta semana"
# A product of an existing trunk specialty (Cardiología), with a key the shipped catalog lacks.
PRODUCTO = ("CEX-9001", "CEX-CAR", "Consulta de Cardiología por videollamada (prueba de navegador)")


def _hoy() -> dt.date:
    """Today where the server counts days (its clock is the real one, in Mexico City)."""
    return dt.datetime.now(reloj.ZONA).date()


def _fila(page: Page, nombre: str, indice: int = 0):
    grid = ui.rejilla(page, indice)
    ui.esperar_rejilla(grid)
    exacto = re.compile(rf"^\s*{re.escape(nombre)}\s*$")
    return grid.locator("tbody tr").filter(has=page.locator("td", has_text=exacto))


def _en_tablero(page: Page, nombre: str):
    """The tablero's row of one OOAD/UMAE, searched by name (its account name is the name in lower case)."""
    ui.menu(page, "Tablero de control")
    return tablero_ui.buscar_en_tablero(page, nombre, nombre.lower())


def _periodos(page: Page) -> dict[str, dict[str, str]]:
    """The Periodos table, by year, once it shows the rows expected."""
    grid = ui.rejilla(page)
    ui.esperar_rejilla(grid)
    return {f["Periodo"]: f for f in ui.tabla(grid)}


def _periodos_y_ventanas(page: Page, captura) -> tuple[int, dt.date]:
    """Create next year, move the demo year's window, close next year again; returns the demo year
    and its new end."""
    hoy = _hoy()
    ui.menu(page, "Periodos y ventanas")
    ui.ver(page, "Periodos y ventanas de registro")
    antes = _periodos(page)
    assert len(antes) == 2, antes  # the demo's year and the previous one, closed
    anio = max(map(int, antes))
    demo = antes[str(anio)]
    assert antes[str(anio - 1)]["Estado"] == "Cerrado", antes
    fin_demo = dt.datetime.strptime(demo["Fin del registro"], "%d/%m/%Y").date()
    assert demo["Estado"] == "Registro abierto", demo
    assert int(demo["Días restantes"].replace(",", "")) == (fin_demo - hoy).days + 1, demo

    # A new capture year whose window opens later: outside its window, all its days still ahead.
    nuevo = anio + 1
    inicio, fin = hoy + dt.timedelta(days=40), hoy + dt.timedelta(days=99)
    form = page.get_by_test_id("stForm").filter(has=ui.boton(page, "Crear periodo"))
    form.get_by_label("Año").fill(str(nuevo))
    ui.escribir_fecha(form, "Inicio del registro", inicio)
    ui.escribir_fecha(form, "Fin del registro", fin)
    ui.boton(form, "Crear periodo").click()
    ui.ver(page, f"Periodo {nuevo} creado: registro del {inicio:%d/%m/%Y} al {fin:%d/%m/%Y}.")
    filas = ui.hasta(lambda: f if len(f := _periodos(page)) == 3 else None, "la tabla con el periodo nuevo")
    assert filas[str(nuevo)]["Estado"] == "Registro fuera de plazo", filas
    assert filas[str(nuevo)]["Días restantes"] == "60", filas  # inclusive: from its start to its end

    # The demo year's window moves a week later: a week more of registration.
    ui.elegir_opcion(page, "Periodo", str(anio))
    form = page.get_by_test_id("stForm").filter(has=ui.boton(page, "Guardar ventana"))
    nuevo_fin = fin_demo + dt.timedelta(days=7)
    ui.escribir_fecha(form, "Fin del registro", nuevo_fin)
    ui.boton(form, "Guardar ventana").click()
    inicio_demo = demo["Inicio del registro"]
    ui.ver(page, f"Ventana del periodo {anio} actualizada: registro del {inicio_demo} al {nuevo_fin:%d/%m/%Y}.")
    dias = (nuevo_fin - hoy).days + 1
    ui.hasta(
        lambda: _periodos(page)[str(anio)]["Días restantes"] == f"{dias:,}",
        f"{dias:,} días restantes del periodo {anio}",
    )
    captura(page, "admin_periodos.png")

    # A year whose window has not begun does not become everyone's current one: the sidebar stays
    # on the demo year. Then close the new year (closing asks for an explicit tick first).
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"Captura del periodo {anio}")
    ui.elegir_opcion(page, "Periodo a cerrar", str(nuevo))
    cerrar = ui.boton(page, f"Cerrar el periodo {nuevo}")
    expect(cerrar).to_be_disabled()
    page.get_by_text(f"Entiendo que al cerrar el periodo {nuevo}").click()
    expect(cerrar).to_be_enabled()
    cerrar.click()
    ui.ver(page, re.compile(rf"^Periodo {nuevo} cerrado el \d{{2}}/\d{{2}}/\d{{4}} \d{{2}}:\d{{2}}:\d{{2}}"))
    ui.hasta(lambda: _periodos(page)[str(nuevo)]["Estado"] == "Cerrado", f"el periodo {nuevo} cerrado")
    expect(page.get_by_test_id("stSidebar")).to_contain_text(
        f"Captura del periodo {anio} · Registro del {inicio_demo} al {nuevo_fin:%d/%m/%Y} · quedan {dias:,} día(s)"
    )
    return anio, nuevo_fin


def _importar_producto(page: Page, tmp_path, captura) -> None:
    clave, especialidad, nombre = PRODUCTO
    archivo = tmp_path / "productos_nuevos.csv"
    archivo.write_text(
        "clave,especialidad,nombre,ambito_default,remoto,origen\n"
        f'{clave},{especialidad},"{nombre}",Ambulatorio,true,prueba\n',
        encoding="utf-8",
    )
    ui.menu(page, "Catálogos")
    ui.elegir_radio(page, "Productos")
    ui.esperar_ejecucion(page)
    page.locator("input[type=file]").set_input_files(str(archivo))
    ui.esperar_ejecucion(page)
    # Only additions: what the file lacks (the whole catalog) must not be retired.
    retirar = page.get_by_role("checkbox", name="Retirar lo que no viene en el archivo")
    page.get_by_text("Retirar lo que no viene en el archivo", exact=True).click()  # the label takes the click
    expect(retirar).not_to_be_checked()
    ui.esperar_ejecucion(page)
    ui.boton(page, "Revisar archivo").click()
    ui.ver(page, "Vista previa")
    ui.ver(
        page,
        re.compile(
            r"«productos_nuevos\.csv»: 1 productos en el archivo\. Se agregarían 1, se modificarían 0 "
            r"y se retirarían 0; 0 quedan igual\."
        ),
    )
    expect(page.get_by_test_id("stMetric")).to_have_count(4)
    metricas = {
        m.get_by_test_id("stMetricLabel").inner_text().strip(): m.get_by_test_id("stMetricValue").inner_text()
        for m in page.get_by_test_id("stMetric").all()
    }
    assert metricas == {"Se agregan": "1", "Se modifican": "0", "Se retiran": "0", "Quedan igual": "0"}, metricas
    expect(_fila(page, clave)).to_contain_text(nombre)
    captura(page, "admin_catalogos.png")
    ui.boton(page, "Aplicar cambios").click()
    dialogo = page.get_by_role("dialog")
    expect(dialogo).to_contain_text("Se agregarían 1")
    ui.boton(dialogo, "Sí, aplicar").click()
    ui.oculto(dialogo)
    ui.ver(
        page, "Catálogo actualizado: 1 agregado(s), 0 modificado(s), 0 retirado(s). Archivo: «productos_nuevos.csv»."
    )


def _bitacora(page: Page, captura) -> None:
    clave, _, nombre = PRODUCTO
    ui.menu(page, "Bitácora")
    ui.ver(page, re.compile(r"^[\d,]+ registro\(s\)\.$|^Se muestran los"))
    # The reopen: asked by Sonora, granted by the admin.
    ui.elegir_opcion(page, "OOAD/UMAE", "OOAD Sonora")
    ui.elegir_varios(page, "Acción", ["reapertura solicitada", "reapertura"])
    ui.ver(page, "2 registro(s).")
    grid = ui.rejilla(page)
    ui.hasta(lambda: len(ui.primera_columna(grid)) == 2, "las dos filas de la reapertura")
    filas = {f["Acción"]: f for f in ui.tabla(grid)}
    assert filas.keys() == {"reapertura solicitada", "reapertura"}, filas
    assert filas["reapertura solicitada"]["Persona"] == QUIEN, filas
    assert filas["reapertura"]["Cuenta"] == "admin" and RAZON in filas["reapertura"]["Después"], filas
    assert all(f["OOAD/UMAE"] == "OOAD Sonora" for f in filas.values()), filas
    captura(page, "admin_bitacora.png")

    # The import: filters cleared, the text search finds the product's own row by its name.
    page.reload()
    ui.ver(page, re.compile(r"^[\d,]+ registro\(s\)\.$|^Se muestran los"))
    ui.elegir_varios(page, "Acción", ["producto agregado", "catálogo de productos importado"])
    campo = page.get_by_label("Buscar texto", exact=True)
    campo.fill("videollamada prueba de navegador")
    campo.press("Enter")
    ui.esperar_ejecucion(page)
    ui.ver(page, "1 registro(s).")
    fila = ui.hasta(lambda: ui.tabla(ui.rejilla(page)), "la fila del producto importado")[0]
    assert (fila["Acción"], fila["Cuenta"], fila["Objeto"]) == ("producto agregado", "admin", clave), fila
    assert nombre in fila["Después"], fila

    # Downloaded as CSV, with the filters applied: UTF-8 with BOM (Excel opens the accents right).
    archivo, datos = ui.descargar(page, "⬇️ Descargar CSV")
    assert archivo.endswith(".csv"), archivo
    assert datos.startswith(b"\xef\xbb\xbf"), datos[:20]
    filas_csv = list(csv.DictReader(io.StringIO(datos.decode("utf-8-sig"))))
    assert len(filas_csv) == 1, filas_csv
    assert (filas_csv[0]["Acción"], filas_csv[0]["Objeto"]) == ("producto agregado", clave), filas_csv
    assert nombre in filas_csv[0]["Después"], filas_csv
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", filas_csv[0]["Fecha y hora"]), filas_csv


def test_una_ronda_de_administracion(new_context, captura, request, tmp_path, entrar):
    admin = new_context().new_page()
    ooad = new_context().new_page()
    request.node.paginas = [admin, ooad]  # for the screenshots on failure
    for p in (admin, ooad):
        p.set_default_timeout(ui.ESPERA)

    entrar(admin, "admin")
    anio, _ = _periodos_y_ventanas(admin, captura)

    # Sonora, in its own browser, finalizes in Paso 7.
    entrar(ooad, SONORA, PERSONA_SONORA)
    ui.menu(ooad, "Paso 7 · Finalizar")
    ui.ver(ooad, "Finalizar el registro de Excedentes y Faltantes de la OOAD/UMAE")
    tablero_ui.finalizar_paso7(ooad)
    ui.ver(ooad, "Registro finalizado (versión final 1). Ya puede imprimir la Versión Final para firmas (Paso 8).")

    # The admin's tablero shows it finalized.
    expect(_en_tablero(admin, "Sonora")).to_contain_text("🔵 Finalizado")
    ui.ver(admin, f"Captura del periodo {anio}")

    # Sonora asks for the reopen from its own Paso 7, with its reason, and sees it waiting.
    ooad.get_by_text("¿Necesita corregir lo finalizado? Solicite la reapertura a la División").click()
    motivo = ooad.get_by_label("Motivo de la solicitud (qué necesita corregir y por qué)")
    motivo.fill(MOTIVO)
    # Out of the text box first: leaving it hides the form's key hint under it, and a click whose
    # mouse-down did that could land beside the button (a run lost the submit so once).
    motivo.blur()
    ui.boton(ooad, "Enviar solicitud de reapertura").click()
    ui.ver(ooad, "Solicitud de reapertura enviada a la División. Verá la respuesta en esta pantalla.")
    ui.ver(
        ooad,
        re.compile(
            rf"^Solicitud de reapertura del .* \(por {re.escape(QUIEN)}\): en espera de respuesta "
            r"de la División desde hace \d+ min\.$"
        ),
    )

    # The admin's tablero says a request waits; the queue shows it with its reason and the wait.
    ui.menu(admin, "Tablero de control")
    ui.ver(
        admin,
        re.compile(r"^Hay 1 solicitud\(es\) de reapertura en espera; la más antigua espera desde hace \d+ min\.$"),
    )
    ui.menu(admin, "Solicitudes de reapertura")
    ui.ver(admin, "En espera")
    fila = _fila(admin, "OOAD Sonora")
    expect(fila).to_contain_text(MOTIVO)
    expect(fila).to_contain_text(PERSONA_SONORA[0])
    expect(fila).to_contain_text(re.compile(r"\d+ min"))
    expect(admin.get_by_role("combobox", name="Solicitud")).to_have_value(
        re.compile(rf"^OOAD Sonora · {anio} · espera \d+ min$")
    )
    razon = admin.get_by_label("Razón de la respuesta (la verá la OOAD/UMAE)")
    razon.fill(RAZON)
    razon.blur()  # as for the request above
    captura(admin, "admin_reaperturas.png")
    ui.boton(admin, "Conceder reapertura").click()
    ui.ver(admin, "OOAD Sonora: reapertura concedida; regresó a «En captura».")
    ui.ver(admin, "No hay solicitudes de reapertura en espera.")
    expect(_fila(admin, "OOAD Sonora")).to_contain_text("Concedida")

    # Sonora reads the answer where it asked, and can capture and finalize again.
    ui.menu(ooad, "Paso 2 · Declaración")
    ui.menu(ooad, "Paso 7 · Finalizar")
    ui.ver(ooad, re.compile(rf"concedida por la División el .*\. Motivo: {re.escape(RAZON)} Corrija lo necesario"))
    ui.ver(ooad, "Sin Validez Oficial. El OOAD aún no cierra el registro de información.")
    ui.visible(ui.boton(ooad, "Guardar"))
    expect(_en_tablero(ooad, "Sonora")).to_contain_text("🟠 En captura")

    _importar_producto(admin, tmp_path, captura)
    _bitacora(admin, captura)
