"""How a person drives the app in Chromium: sidebar links, forms, and Streamlit's canvas grids.

`st.dataframe` draws on a canvas (Glide Data Grid). Cells are clicked by position: the header and
every row are 35 px high. The grid also keeps an accessible copy of its visible cells in a hidden
<table> (`td[data-testid="glide-cell-<col>-<row>"]`, rows from 0), which is how these helpers read
what a grid shows. The Paso 6 grid is AG Grid: tests/browser/rejilla_ag.py drives it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

FILA = 35  # px: header and row height of Streamlit's grids
PERSONA = ("Ana Pérez Gómez", "Jefa de Servicio")
ESPERA = 60_000  # ms: default timeout of every browser action and assertion (two workers share 2 cores)


# -- waiting ------------------------------------------------------------------------------------
def esperar_ejecucion(page: Page, inicio_ms: int = 2_000) -> None:
    """Wait for the rerun that the last action triggered to finish (stApp's script state).

    The run may already be over when this is called; so first give it up to `inicio_ms` to show
    as running, then wait (default timeout) until it is not running."""
    app = page.get_by_test_id("stApp")
    if inicio_ms > 0:  # (a Playwright timeout of 0 means no limit at all)
        try:
            expect(app).not_to_have_attribute("data-test-script-state", "notRunning", timeout=inicio_ms)
        except AssertionError:
            pass
    expect(app).to_have_attribute("data-test-script-state", "notRunning")


# Runs inside the page: true once Streamlit reports no script run for `ms` in a row. The start of
# the current quiet stretch lives in `window.__eyfQuieto[token]`, one token per call.
_QUIETO_JS = """([ms, token]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  const marcas = window.__eyfQuieto || (window.__eyfQuieto = {});
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') { delete marcas[token]; return false; }
  const ahora = performance.now();
  if (!(token in marcas)) marcas[token] = ahora;
  return ahora - marcas[token] >= ms;
}"""
_QUIETOS = iter(range(1, 1 << 62))


def quieto(page: Page, ms: int = 1_000) -> None:
    """Wait until no run has been going for `ms` (a component may trigger a follow-up run).

    The page polls itself (every 50 ms) instead of this process asking it over Playwright's pipe:
    the waiting costs the test run next to no CPU."""
    try:
        page.wait_for_function(_QUIETO_JS, arg=[ms, next(_QUIETOS)], polling=50, timeout=30_000)
    except PlaywrightTimeoutError:
        raise AssertionError("La página no terminó de ejecutarse en 30 s") from None


def hasta(condicion: Callable[[], object], descripcion: str, segundos: float = 30) -> object:
    """Poll `condicion` until it returns something truthy; fail with `descripcion` otherwise."""
    limite = time.monotonic() + segundos
    while True:
        valor = condicion()
        if valor:
            return valor
        if time.monotonic() > limite:
            raise AssertionError(f"No ocurrió en {segundos:g} s: {descripcion} (último valor: {valor!r})")
        time.sleep(0.2)


# -- navigation and forms -----------------------------------------------------------------------
def menu(page: Page, titulo: str) -> None:
    """Follow a link of the sidebar menu (e.g. "Paso 3 · Unidad Médica").

    A click that lands while the page still runs can be undone by that run (the URL goes back).
    So: let the page settle, click, let the new page settle, check the URL stayed; otherwise click
    again."""
    enlace = page.get_by_test_id("stSidebar").get_by_role("link", name=titulo, exact=True)
    destino = re.compile(r"/" + re.escape(enlace.get_attribute("href") or "") + r"(\?.*)?$")
    for intento in range(3):
        quieto(page, 300)
        enlace.click()
        try:
            expect(page).to_have_url(destino, timeout=5_000)
            quieto(page, 300)
            expect(page).to_have_url(destino, timeout=1_000)
            return
        except AssertionError:
            if intento == 2:
                raise
            print(f"[ui] el clic en «{titulo}» no llevó a la página; otra vez")


def a_paso1(page: Page) -> None:
    """Paso 1 by its menu link, or by its address in a browser that has not opened the app yet (the
    tablero it would land on first costs Chromium about 4 CPU-s to draw)."""
    if page.url == "about:blank":
        page.goto("/paso1")
        visible(page.get_by_role("heading", name="Seleccionar OOAD/UMAE", level=1))
    else:
        menu(page, "Paso 1 · Acceso")


def texto(page: Page, contenido: str | re.Pattern) -> Locator:
    return page.get_by_text(contenido).first


def ver(page: Page, contenido: str | re.Pattern) -> None:
    visible(texto(page, contenido))


# Waiting for an element to show, hide or exist: `Locator.wait_for`, not `expect(…).to_be_visible()`
# and the like. Playwright 1.65's `expect` builds an ARIA snapshot of the whole page (or frame) on
# every poll that does not match yet, for its error message: 0.1–0.3 CPU-s of Chromium each on these
# pages, and the tests wait thousands of times. Failing still raises AssertionError.
def _esperar(loc: Locator, estado: str, timeout: float | None) -> None:
    try:
        loc.wait_for(state=estado, timeout=ESPERA if timeout is None else timeout)
    except PlaywrightTimeoutError as exc:
        raise AssertionError(f"{loc} no llegó a «{estado}»: {exc}") from None


def visible(loc: Locator, timeout: float | None = None) -> None:
    _esperar(loc, "visible", timeout)


def oculto(loc: Locator, timeout: float | None = None) -> None:
    """Hidden or gone."""
    _esperar(loc, "hidden", timeout)


def presente(loc: Locator, timeout: float | None = None) -> None:
    """In the page, shown or not."""
    _esperar(loc, "attached", timeout)


def boton(page: Page, nombre: str | re.Pattern, exacto: bool = True) -> Locator:
    return page.get_by_role("button", name=nombre, exact=exacto if isinstance(nombre, str) else None)


def elegir_radio(page: Page, opcion: str, indice: int = 0) -> None:
    page.get_by_test_id("stRadio").nth(indice).get_by_text(opcion, exact=True).click()


def iniciar_sesion(
    page: Page, escribir: str, opcion: str, password: str = "demo", persona: tuple[str, str] = PERSONA
) -> None:
    """Paso 1: search the OOAD/UMAE in the list, type the password, Entrar, then say who captures."""
    a_paso1(page)
    ver(page, "Seleccionar OOAD/UMAE")
    lista = page.get_by_role("combobox", name="OOAD/UMAE (escriba para buscar)")
    esperar_ejecucion(page, 0)
    lista.click()
    lista.press_sequentially(escribir)
    page.get_by_role("option", name=opcion, exact=True).click()
    expect(lista).to_have_value(opcion)  # react-select keeps the label in its input
    page.get_by_label("Contraseña").fill(password)
    boton(page, "Entrar").click()
    decir_quien(page, persona)
    ver(page, "Indicar si alguna de las Unidades Médicas tiene Excedentes y/o Faltantes")


def decir_quien(page: Page, persona: tuple[str, str] = PERSONA) -> None:
    """The form a capturista fills once per session: the password is shared by the whole OOAD.

    Right after Entrar Paso 1 runs once more, which draws the form anew (for a moment there are
    two): fill it only once the page has settled."""
    nombre = page.get_by_label("Nombre completo de quien captura")
    visible(nombre.first)
    for _ in range(3):
        quieto(page, 500)
        expect(nombre).to_have_count(1)
        nombre.fill(persona[0])
        page.get_by_label("Cargo").fill(persona[1])
        boton(page, "Continuar").click()
        try:
            expect(nombre).to_have_count(0, timeout=10_000)
            return
        except AssertionError:  # the form was drawn again under the typing: once more
            print("[ui] el formulario de la persona se dibujó de nuevo; otra vez")
            continue
    expect(nombre).to_have_count(0)


def buscar(page: Page, etiqueta: str, valor: str, espera: str | re.Pattern) -> None:
    """Type into a text input and press Enter (Streamlit reruns), then wait for `espera`."""
    campo = page.get_by_label(etiqueta, exact=True)
    campo.fill(valor)
    campo.press("Enter")
    esperar_ejecucion(page)
    ver(page, espera)


# -- grids --------------------------------------------------------------------------------------
def rejilla(page: Page, indice: int = 0) -> Locator:
    return page.get_by_test_id("stDataFrame").nth(indice)


def celda(grid: Locator, columna: int, fila: int) -> Locator:
    """The accessible copy of a visible cell (column 0 is the row-marker or index column)."""
    return grid.locator(f"td[data-testid='glide-cell-{columna}-{fila}']")


def esperar_rejilla(grid: Locator) -> None:
    visible(grid.locator("canvas").first)
    presente(grid.locator("tbody tr").first)


def filas_visibles(grid: Locator) -> list[list[str]]:
    """Text of every rendered row, cell by cell (only the rows and columns on screen)."""
    return grid.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()))"
    )


def _desplazar(grid: Locator, scroller: Locator, x: int) -> None:
    """Scroll the grid sideways to `x` and wait (about 0.2 s) until it has re-rendered its cells."""
    firma = "g => Array.from(g.querySelectorAll('tbody tr:first-child td')).map(td => td.dataset.testid).join()"
    antes = grid.evaluate(firma)
    movido = scroller.evaluate("(e, x) => { const a = e.scrollLeft; e.scrollLeft = x; return e.scrollLeft !== a; }", x)
    if movido:
        limite = time.monotonic() + 2
        while grid.evaluate(firma) == antes and time.monotonic() < limite:
            grid.page.wait_for_timeout(50)


def tabla(grid: Locator) -> list[dict[str, str]]:
    """The rendered rows of a grid as {column title: text}, every column included.

    The grid renders only the columns on screen, even partly (and numbers them from the first one
    shown), so while the cells read lack some of its columns (the table's aria-colcount) it is
    scrolled sideways step by step; each step's headers are matched to the cells' ids
    (`glide-cell-<column>-<row>`, absolute). A grid whose columns all show is read without scrolling
    (a scroll that shows no other column would leave nothing to wait for)."""
    scroller = grid.locator(".dvn-scroller").first
    ancho, visible = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    titulos: dict[int, str] = {}
    celdas: dict[tuple[int, int], str] = {}
    x = 0
    while True:
        _desplazar(grid, scroller, x)
        leido = grid.evaluate(
            """g => ({
                columnas: Number(g.querySelector('table')?.getAttribute('aria-colcount') ?? 0),
                th: Object.fromEntries(Array.from(g.querySelectorAll('thead th')).map(
                    th => [th.getAttribute('aria-colindex'), th.innerText.trim()])),
                td: Array.from(g.querySelectorAll('tbody td')).map(
                    td => [td.dataset.testid, td.getAttribute('aria-colindex'), td.innerText.trim()]),
            })"""
        )
        # A cell's id has its absolute column; its aria-colindex matches its header's on screen.
        for testid, relativa, txt in leido["td"]:
            col, num = (int(n) for n in testid.removeprefix("glide-cell-").split("-"))
            celdas[(num, col)] = txt
            if relativa in leido["th"]:
                titulos[col] = leido["th"][relativa]
        if len({c for _, c in celdas}) >= leido["columnas"] or x + visible >= ancho:
            break
        x += max(int(visible * 0.6), 100)
    _desplazar(grid, scroller, 0)
    filas = sorted({n for n, _ in celdas})
    return [{titulos.get(c, str(c)): t for (n, c), t in sorted(celdas.items()) if n == f} for f in filas]


def valor(fila: dict[str, str], patron: str) -> str:
    """The cell of `fila` whose column title matches `patron`."""
    encontradas = [v for t, v in fila.items() if re.search(patron, t)]
    assert len(encontradas) == 1, f"{patron!r} en {list(fila)}"
    return encontradas[0]


def primera_columna(grid: Locator) -> list[str]:
    """The first cell of every rendered row (the row's name or key): cheap, for waiting."""
    return grid.locator("tbody tr").evaluate_all(
        "trs => trs.map(tr => { const td = tr.querySelector('td'); return td ? td.innerText.trim() : ''; })"
    )


def esperar_filas(grid: Locator, esperadas: list[str]) -> None:
    """Wait until the grid shows exactly these rows (by first cell): after a search the page
    has finished its run a moment before the grid draws the new data."""
    hasta(lambda: primera_columna(grid) == esperadas, f"la tabla muestra {esperadas}")


def fila_de(grid: Locator, contenido: str) -> int:
    """Row number (from 0) of the first rendered row with a cell whose text is exactly `contenido`."""
    exacto = re.compile(rf"^\s*{re.escape(contenido)}\s*$")
    fila = grid.locator("tbody tr").filter(has=grid.page.locator("td", has_text=exacto))
    presente(fila.first)
    return int(fila.first.get_attribute("aria-rowindex")) - 2


def _arriba(grid: Locator) -> dict:
    """Scroll the grid to the top of the window and return its box (clicks need it on screen)."""
    esperar_rejilla(grid)
    grid.evaluate("e => e.scrollIntoView({block: 'start'})")
    caja = grid.bounding_box()
    assert caja is not None
    return caja


def clic_fila(grid: Locator, fila: int, x: float) -> None:
    caja = _arriba(grid)
    grid.page.mouse.click(caja["x"] + x, caja["y"] + FILA * (fila + 1) + FILA / 2)


def elegir_fila(grid: Locator, fila: int) -> None:
    """Tick a row of a dataframe with row selection (the checkbox column on the left); checked
    through the row's aria-selected, and tried again if a grid still redrawing swallowed it."""
    renglon = grid.locator(f"tbody tr[aria-rowindex='{fila + 2}']")
    for intento in range(3):
        clic_fila(grid, fila, 16)
        try:
            expect(renglon).to_have_attribute("aria-selected", "true", timeout=3_000)
            break
        except AssertionError:
            if intento == 2:
                raise
            print(f"[ui] el renglón {fila} no quedó elegido; otra vez")
            esperar_ejecucion(grid.page, 0)
    esperar_ejecucion(grid.page)


# -- the division's screens ---------------------------------------------------------------------
def entrar_division(page: Page, usuario: str, password: str = "demo") -> None:
    """Paso 1 for the division's accounts (admin, analista): not in the OOAD/UMAE list; «División»,
    then the user name typed; no person."""
    a_paso1(page)
    esperar_ejecucion(page, 0)
    elegir_radio(page, "División")
    esperar_ejecucion(page)  # the OOAD/UMAE form and its «Contraseña» are gone
    usuario_division = page.get_by_label("Usuario de la División")
    usuario_division.fill(usuario)
    page.get_by_label("Contraseña").fill(password)
    boton(page, "Entrar").click()
    ver(page, re.compile(r"^Sesión iniciada"))
    expect(page.get_by_test_id("stSidebar")).to_contain_text(f"({usuario})")


def campo(contenedor: Page | Locator, tipo: str, etiqueta: str) -> Locator:
    """The widget of a Streamlit element type ("stDateInput", "stMultiSelect"…) whose label is `etiqueta`
    (labels repeat across forms: pass the form as `contenedor`)."""
    pagina = contenedor if isinstance(contenedor, Page) else contenedor.page
    etiquetas = contenedor.get_by_test_id(tipo).filter(
        has=pagina.get_by_test_id("stWidgetLabel").filter(has_text=re.compile(rf"^\s*{re.escape(etiqueta)}\s*$"))
    )
    expect(etiquetas).to_have_count(1)
    return etiquetas


def escribir_fecha(contenedor: Page | Locator, etiqueta: str, fecha) -> None:
    """A date input (segments día / mes / año, format DD/MM/YYYY): click the day and type the digits;
    each segment moves on by itself once full. Checked through the hidden ISO value it keeps."""
    caja = campo(contenedor, "stDateInput", etiqueta)
    caja.get_by_role("spinbutton").first.click()
    caja.page.keyboard.type(fecha.strftime("%d%m%Y"))
    caja.page.keyboard.press("Tab")
    expect(caja.locator("input[type=date]")).to_have_value(fecha.isoformat())


def elegir_varios(page: Page, etiqueta: str, opciones: list[str]) -> None:
    """A multiselect: type each option's text and click it in the list (every pick reruns the page)."""
    caja = campo(page, "stMultiSelect", etiqueta)
    for opcion in opciones:
        entrada = caja.locator("input")
        entrada.click()
        entrada.fill(opcion)
        page.get_by_role("option", name=opcion, exact=True).click()
        esperar_ejecucion(page)
        expect(caja).to_contain_text(opcion)
    page.keyboard.press("Escape")


def elegir_opcion(page: Page, etiqueta: str, opcion: str, contenedor: Page | Locator | None = None) -> None:
    """A selectbox: open it, type to filter, click the option; checked through the value it shows."""
    caja = campo(contenedor or page, "stSelectbox", etiqueta)
    entrada = caja.get_by_role("combobox")
    esperar_ejecucion(page, 0)
    # In view first, as a person scrolls to a field before opening it: the list closes when the
    # page scrolls under it (a field below the fold of a 1366×768 window).
    caja.scroll_into_view_if_needed()
    entrada.click()
    entrada.fill(opcion)
    page.get_by_role("option", name=opcion, exact=True).click()
    expect(entrada).to_have_value(opcion)  # react-select keeps the label in its input
    esperar_ejecucion(page)


def descargar(page: Page, nombre: str | re.Pattern, contenedor: Page | Locator | None = None) -> tuple[str, bytes]:
    """Click a download button and return (file name, bytes) of what the browser received."""
    with page.expect_download() as descarga:
        boton(contenedor or page, nombre).click()
    d = descarga.value
    ruta = d.path()
    assert ruta is not None, f"La descarga de «{nombre}» falló: {d.failure()}"
    with open(ruta, "rb") as f:
        return d.suggested_filename, f.read()
