"""How a person drives the Paso 6 grid (AG Grid in a component iframe, ui/components/rejilla_ag.py),
with every action counted by issue 12's rules: each click, each typed value, each key that moves or
confirms, each choice from a list counts one.

AG Grid draws real DOM cells: a row is `.ag-row[row-id=<product code>]` and a cell
`.ag-cell[col-id=<field>]` (the field names of core.capture.rejilla.CAMPOS). The same scripted user
serves the browser test (tests/browser/test_rejilla_guia.py) and `make bench`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import FrameLocator, Locator, Page, expect

from core.capture import rejilla
from core.demo import LABORATORIO_GUIA
from tests.browser import ui

# How the grid shows an ámbito (its header is «Amb./Hosp.»; the whole word on hover and in reports).
AMBITO_VISTO = {"Ambulatorio": "Amb.", "Hospitalario": "Hosp."}

IFRAME = "iframe[title='st_aggrid.AgGrid.agGrid']"
# The guide's sample report: HGZ 35's 14 laboratory Faltantes (the first 14 products of the
# laboratory specialty, LAB-0001..LAB-0014) and HGZ 6's hemodiálisis line.
HEMODIALISIS = "HEM-0001"  # «Procedimiento de hemodiálisis con reuso de dializador…»


@dataclass(frozen=True)
class Linea:
    producto: str
    causa: str
    ambito: str
    eventos: str
    pacientes: str


LABORATORIO = [
    Linea(f"LAB-{i:04d}", causa, "Ambulatorio", f"{ev:,}", f"{pac:,}")
    for i, (_, causa, ev, pac) in enumerate(LABORATORIO_GUIA, start=1)
]
HEMO = [Linea(HEMODIALISIS, "Carencia de Servicio", "Ambulatorio", "2,989", "250")]


def tsv(lineas: list[Linea]) -> str:
    """The lines as a spreadsheet copies them (Causa, Amb./Hosp., Eventos, Pacientes; tab-separated)."""
    return "\n".join("\t".join((x.causa, x.ambito, x.eventos, x.pacientes)) for x in lineas) + "\n"


@dataclass
class Contador:
    """Actions by kind, as the issue counts them."""

    por_tipo: dict[str, int] = field(default_factory=dict)

    def __call__(self, tipo: str, n: int = 1) -> None:
        self.por_tipo[tipo] = self.por_tipo.get(tipo, 0) + n

    @property
    def total(self) -> int:
        return sum(self.por_tipo.values())


# -- reading ------------------------------------------------------------------------------------
def marco(page: Page) -> FrameLocator:
    return page.frame_locator(IFRAME).first


def fuera_de_vista(page: Page) -> list[str]:
    """The grid's columns a person cannot see without scrolling it sideways (a column AG Grid did
    not even draw counts as out of view)."""
    m = marco(page)
    caja = m.locator(".ag-root-wrapper").bounding_box()
    assert caja, "la rejilla no está en la página"
    fuera = []
    for campo in ("clave", "producto", *rejilla.CAMPOS, "guardado"):
        cabecera = m.locator(f".ag-header-cell[col-id='{campo}']")
        b = cabecera.bounding_box() if cabecera.count() else None
        if b is None or b["x"] < caja["x"] - 1 or b["x"] + b["width"] > caja["x"] + caja["width"] + 1:
            fuera.append(campo)
    return fuera


def nombres_cortados(page: Page) -> list[str]:
    """The drawn rows whose product name the grid cuts (its text overflows the cell, e.g. «…»)."""
    return (
        marco(page)
        .locator(".ag-row .ag-cell[col-id='producto']")
        .evaluate_all(
            "cs => cs.filter(c => { const v = c.querySelector('.ag-cell-value') || c;"
            " return v.scrollWidth > v.clientWidth + 1 || v.scrollHeight > v.clientHeight + 1; })"
            ".map(c => c.closest('.ag-row').getAttribute('row-id'))"
        )
    )


def celda(page: Page, producto: str, campo: str) -> Locator:
    return marco(page).locator(f".ag-row[row-id='{producto}'] .ag-cell[col-id='{campo}']")  # pinned or not


def esperar(page: Page) -> FrameLocator:
    """The grid drawn, with its rows, and the page's run over."""
    m = marco(page)
    ui.visible(m.locator(".ag-center-cols-container .ag-row").first)
    ui.quieto(page, 300)
    return m


def filas(page: Page) -> list[str]:
    """Product codes of the rows drawn, in order.

    After a save or a search the page draws a new grid in a new frame: a query that meets the old
    frame as it goes («Frame was detached») is asked again, of the new one."""
    limite = time.monotonic() + ui.ESPERA / 1000
    while True:
        try:
            return (
                marco(page)
                .locator(".ag-center-cols-container .ag-row")
                .evaluate_all(
                    "rs => rs.sort((a, b) => Number(a.getAttribute('row-index')) - Number(b.getAttribute('row-index')))"
                    ".map(r => r.getAttribute('row-id'))"
                )
            )
        except PlaywrightError as exc:
            if "detached" not in str(exc) or time.monotonic() > limite:
                raise
            page.wait_for_timeout(100)


def valor(page: Page, producto: str, campo: str) -> str:
    return celda(page, producto, campo).inner_text().strip()


def bloqueada(page: Page, producto: str, campo: str) -> bool:
    return "eyf-bloqueada" in (celda(page, producto, campo).get_attribute("class") or "")


def enfocada(page: Page) -> tuple[str, str] | None:
    """(product, field) of the cell that has the grid's focus."""
    r = (
        marco(page)
        .locator(".ag-cell-focus")
        .evaluate_all("cs => cs.map(c => [c.closest('.ag-row').getAttribute('row-id'), c.getAttribute('col-id')])")
    )
    return tuple(r[0]) if r else None


def esperar_enfoque(page: Page, producto: str, campo: str) -> None:
    limite = time.monotonic() + 10
    while enfocada(page) != (producto, campo):
        if time.monotonic() > limite:
            raise AssertionError(f"El foco quedó en {enfocada(page)}, no en ({producto}, {campo})")
        time.sleep(0.02)


# -- typing, as a person does (each call counts its actions) -----------------------------------
def clic(page: Page, producto: str, campo: str, cuenta: Contador | None = None) -> None:
    celda(page, producto, campo).click()
    if cuenta:
        cuenta("clic")


def teclear(page: Page, texto: str, cuenta: Contador | None = None) -> None:
    """Type a value on the selected cell (a person types it in one go: one action)."""
    page.keyboard.type(texto, delay=15)
    if cuenta:
        cuenta("valor")


def tecla(page: Page, nombre: str, cuenta: Contador | None = None) -> None:
    page.keyboard.press(nombre)
    if cuenta:
        cuenta("tecla")


def elegir(page: Page, producto: str, campo: str, opcion: str, cuenta: Contador | None = None) -> None:
    """A list cell (Causa, Amb./Hosp.): one click opens its list, one click on the option."""
    clic(page, producto, campo, cuenta)
    item = marco(page).locator(".eyf-lista .eyf-opcion", has_text=opcion)
    try:
        ui.visible(item, timeout=3_000)
    except AssertionError:  # a click while the grid was still being drawn: not the person's doing
        print(f"[rejilla] la lista de ({producto}, {campo}) no se abrió; otro clic (no se cuenta)")
        clic(page, producto, campo)
    item.click()
    if cuenta:
        cuenta("lista")


def escribir(page: Page, producto: str, campo: str, texto: str, cuenta: Contador | None = None) -> None:
    """Click a cell, type on it (no Enter or double click first), Enter; checked in the cell.

    Characters off the keyboard (e.g. full-width digits, which an input method composes) are typed
    into the cell's editor, opened with F2 first: they send no key press that could open it."""
    clic(page, producto, campo, cuenta)
    if texto.isascii():
        teclear(page, texto, cuenta)
    else:
        tecla(page, "F2", cuenta)  # (Enter moves down, as in a spreadsheet)
        editor = marco(page).locator(".ag-cell-inline-editing input")
        expect(editor).to_be_focused()
        editor.fill(texto)
        if cuenta:
            cuenta("valor")
    tecla(page, "Enter", cuenta)
    expect(celda(page, producto, campo)).to_have_text(texto)


def faltante_a_mano(page: Page, x: Linea, cuenta: Contador | None = None) -> None:
    """A Faltante as a person types it: click Causa, choose it (the focus moves on to Eventos, the
    prefilled ámbito skipped), type eventos, Tab, type pacientes. Five actions; the next click
    (another row, or «Guardar») commits the last value."""
    elegir(page, x.producto, "fal_causa", x.causa, cuenta)
    esperar_enfoque(page, x.producto, "fal_eventos")
    teclear(page, x.eventos, cuenta)
    tecla(page, "Tab", cuenta)
    teclear(page, x.pacientes, cuenta)


def pegar(page: Page, producto: str, campo: str, texto: str, cuenta: Contador | None = None) -> None:
    """Paste a block from the clipboard at a cell: click the cell, Ctrl+V (copying it in the
    spreadsheet, select and Ctrl+C, happens before and is counted apart)."""
    # (the headless shell asks for the permission that a full browser grants to the focused page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("t => navigator.clipboard.writeText(t)", texto)
    clic(page, producto, campo, cuenta)
    tecla(page, "Control+V", cuenta)


def guardar(page: Page, cuenta: Contador | None = None, nuevas: int | None = None) -> None:
    """«Guardar», then «Sí, guardar» in the confirmation (two actions), once the page has taken the
    last value (a person's hand takes longer than that to reach the button: a click that lands while
    the value's run is being requested can be lost, see the report of issue 12 §1)."""
    ui.quieto(page, 300)
    page.get_by_role("button", name="Guardar", exact=True).click()
    dialogo = page.get_by_role("dialog")
    if nuevas is not None:
        expect(dialogo).to_contain_text(f"Se guardarán {nuevas:,} línea(s) nueva(s)")
    dialogo.get_by_role("button", name="Sí, guardar", exact=True).click()
    if cuenta:
        cuenta("guardar", 2)
    ui.oculto(dialogo)


# -- the guide's sample report, as one scripted person --------------------------------------------
GRUPOS = {"LAB": re.compile(r"^Laboratorio de análisis clínicos\s+—"), "HEM": re.compile(r"^Hemodiálisis\s+—")}


def abrir(page: Page, unidad: str, grupo: str) -> None:
    """Paso 3 (search the unit, one click on its name) → Paso 4 (the group, whose only specialty opens
    Paso 6). Navigation: not counted (the issue counts from the open specialty)."""
    ui.menu(page, "Paso 3 · Unidad Médica")
    ui.buscar(page, "Buscar Unidad Médica", unidad, re.compile(r"Unidades Médicas tienen Excedentes"))
    nombre = page.get_by_role("button", name=unidad, exact=True)
    expect(nombre).to_have_count(1)
    ui.esperar_ejecucion(page, 0)
    nombre.click()
    ui.ver(page, "Seleccionar Grupo de Servicio")
    ui.boton(page, GRUPOS[grupo]).click()
    ui.ver(page, f"Unidad Médica: {unidad}")
    esperar(page)


def a_mano(page: Page, lineas: list[Linea], cuenta: Contador, nuevas: int | None = None) -> float:
    """Type the lines by hand in the open grid and save them (`nuevas`: the new lines the save makes,
    these by default); returns the seconds it took."""
    nuevas = len(lineas) if nuevas is None else nuevas
    t0 = time.monotonic()
    for x in lineas:
        faltante_a_mano(page, x, cuenta)
    tecla(page, "Enter", cuenta)  # the last value, committed before reaching for «Guardar»
    guardar(page, cuenta, nuevas)
    ui.ver(page, f"Líneas guardadas: {nuevas} nueva(s).")
    return time.monotonic() - t0


def guardadas(page: Page, lineas: list[Linea]) -> dict[str, tuple[str, ...]]:
    """What the grid shows for the lines' products once saved (redrawn from the store after a save)."""
    esperar(page)
    campos = ("fal_causa", "fal_ambito", "fal_eventos", "fal_pacientes", "guardado")
    return {x.producto: tuple(valor(page, x.producto, c) for c in campos) for x in lineas}


def esperado(lineas: list[Linea]) -> dict[str, tuple[str, ...]]:
    return {x.producto: (x.causa, AMBITO_VISTO[x.ambito], x.eventos, x.pacientes, "✅") for x in lineas}
