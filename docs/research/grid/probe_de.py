"""Measure st.data_editor 1.67 keyboard/paste behaviour in Chromium. Usage: probe_de.py"""
import json, time
from playwright.sync_api import sync_playwright
from pw import open_page
from common import tsv, LINEAS

port = open("/tmp/grid/port_de").read().strip()
URL = f"http://127.0.0.1:{port}"
X = {"exc_ambito": 449, "exc_eventos": 577, "exc_pacientes": 695, "fal_causa": 848, "fal_ambito": 1011,
     "fal_eventos": 1139, "fal_pacientes": 1258}
def Y(i): return 149 + 35 * i

def result(page):
    time.sleep(1.5)
    return json.loads(page.locator("[data-testid='stCode'] code").first.inner_text())

def fresh(p):
    b, page, ext = open_page(p, URL)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30000)
    time.sleep(2)
    return b, page

out = {}
with sync_playwright() as p:
    # A: type-to-edit on a selected cell
    b, page = fresh(p)
    page.mouse.click(X["fal_eventos"], Y(0)); time.sleep(0.3)
    page.keyboard.type("200"); page.keyboard.press("Enter")
    out["A_type_on_selected_text"] = result(page)
    # A2: same on a selectbox cell: type "F"
    page.mouse.click(X["fal_causa"], Y(1)); time.sleep(0.3)
    page.keyboard.type("Falta"); time.sleep(0.5)
    page.screenshot(path="/tmp/grid/de_A2_select_typed.png")
    page.keyboard.press("Enter")
    out["A2_type_on_selected_selectbox"] = result(page)
    b.close()

    # B: Tab / Enter movement. Enter into edit on FalEv row0 (press Enter, type, Tab, type, Enter)
    b, page = fresh(p)
    page.mouse.click(X["fal_eventos"], Y(0)); time.sleep(0.3)
    page.keyboard.press("Enter"); time.sleep(0.3)
    page.keyboard.type("11"); page.keyboard.press("Tab"); time.sleep(0.3)
    page.keyboard.type("22"); page.keyboard.press("Enter"); time.sleep(0.3)
    page.keyboard.type("33"); page.keyboard.press("Enter"); time.sleep(0.3)
    page.screenshot(path="/tmp/grid/de_B_tab_enter.png")
    out["B_enter_11_tab_22_enter_33_enter"] = result(page)
    b.close()

    # C: paste a 15x4 TSV block (causa, ambito, eventos, pacientes) on fal_causa row 0
    b, page = fresh(p)
    page.evaluate("t => navigator.clipboard.writeText(t)", tsv())
    out["C_clipboard_readback_ok"] = page.evaluate("() => navigator.clipboard.readText()") == tsv()
    page.mouse.click(X["fal_causa"], Y(0)); time.sleep(0.3)
    page.keyboard.press("Control+V")
    r = result(page)
    page.screenshot(path="/tmp/grid/de_C_paste.png")
    out["C_paste_block"] = r
    exp = {str(i): {"fal_causa": c, "fal_ambito": a, "fal_eventos": e, "fal_pacientes": pa} for i, (c, a, e, pa) in enumerate(LINEAS)}
    out["C_paste_equals_expected"] = r == exp
    b.close()

    # D: paste invalid text / odd values into text + selectbox: '1,5', '-1', 'abc', ' 2989 ', 'Foo'
    b, page = fresh(p)
    block = "Foo\tHospitalario\t1,5\t-1\nfalta de equipo\tAmbulatorio\tabc\t 2989 \nFalta de Equipo\tX\t1e3\t0x10"
    page.evaluate("t => navigator.clipboard.writeText(t)", block)
    page.mouse.click(X["fal_causa"], Y(0)); time.sleep(0.3)
    page.keyboard.press("Control+V")
    out["D_paste_odd_values"] = result(page)
    b.close()
print(json.dumps(out, ensure_ascii=False, indent=1))
