"""Measure streamlit-aggrid 1.2.1.post2 (AG Grid Community 34.3) keyboard, editable callbacks, paste, return types."""
import json, sys, time
from playwright.sync_api import sync_playwright
from pw import open_page
from common import tsv, LINEAS, PRODUCTOS

port = open("/tmp/grid/port_ag").read().strip()
URL = f"http://127.0.0.1:{port}"

def fresh(p):
    b, page, ext = open_page(p, URL)
    page.wait_for_selector("iframe", timeout=30000)
    fr = page.frame_locator("iframe").first
    fr.locator(".ag-cell").first.wait_for(timeout=30000)
    time.sleep(1.5)
    return b, page, fr, ext

def cell(fr, clave, col):
    return fr.locator(f".ag-center-cols-container .ag-row[row-id='{clave}'] .ag-cell[col-id='{col}']")

def result(page, wait=2.0):
    time.sleep(wait)
    return json.loads(page.locator("[data-testid='stCode'] code").first.inner_text())

def focused(fr):
    return fr.locator(".ag-cell-focus").evaluate_all("els => els.map(e => e.closest('.ag-row').getAttribute('row-id') + '/' + e.getAttribute('col-id'))")

out = {}
mode = (sys.argv[1] if len(sys.argv) > 1 else "all") if __name__ == "__main__" else "none"
with sync_playwright() as p:
    if mode in ("all", "keys"):
        b, page, fr, ext = fresh(p)
        cell(fr, "81.01", "fal_eventos").click(); time.sleep(0.3)
        page.keyboard.type("123")                       # no delay at all, on a fresh grid
        page.keyboard.press("Enter")
        out["A_fresh_type_0ms_then_Enter"] = result(page)
        out["A_focus_after_Enter"] = focused(fr)
        page.keyboard.type("45", delay=60); page.keyboard.press("Tab"); time.sleep(0.3)
        out["B_focus_after_typing_on_81.02_and_Tab"] = focused(fr)
        page.keyboard.type("67", delay=60); page.keyboard.press("Tab"); time.sleep(0.3)
        out["B_focus_after_Tab_from_last_Faltante_col"] = focused(fr)
        out["B_result"] = result(page)
        # select editor: type on a focused select cell
        cell(fr, "81.03", "fal_causa").click(); time.sleep(0.3)
        page.keyboard.type("Equ", delay=60); time.sleep(0.5)
        page.screenshot(path="/tmp/grid/ag_select_typed.png")
        page.keyboard.press("Tab"); time.sleep(0.3)
        out["A2_select_Equ_Tab"] = result(page).get("81.03")
        out["A2_focus"] = focused(fr)
        # C: per-cell editable: row 81.01 has a Faltante value -> Excedente side read-only
        exc = cell(fr, "81.01", "exc_eventos")
        out["C_exc_cell_class_blocked"] = "celda-bloqueada" in (exc.get_attribute("class") or "")
        exc.click(); time.sleep(0.3); page.keyboard.type("99", delay=60); page.keyboard.press("Enter")
        exc.dblclick(); time.sleep(0.3); page.keyboard.type("98", delay=60); page.keyboard.press("Enter")
        out["C_typing_into_blocked_exc_cell"] = result(page).get("81.01")
        out["C_editing_cells_now"] = fr.locator(".ag-cell-inline-editing").count()
        # odd values kept as typed
        for clave, v in [("81.05", "1,5"), ("81.06", " 2989 "), ("81.07", "-1"), ("81.08", "abc"), ("81.09", "0x10"), ("81.10", "2,989")]:
            cell(fr, clave, "exc_eventos").click(); time.sleep(0.2)
            page.keyboard.type(v, delay=40); page.keyboard.press("Enter"); time.sleep(0.2)
        r = result(page)
        out["F_odd_values_returned"] = {k: r.get(k, {}).get("exc_eventos") for k in ["81.05", "81.06", "81.07", "81.08", "81.09", "81.10"]}
        out["F_fal_blocked_on_81.05"] = "celda-bloqueada" in (cell(fr, "81.05", "fal_eventos").get_attribute("class") or "")
        out["dtypes_caption"] = page.locator("[data-testid='stCaptionContainer']").first.inner_text()
        # G: a rerun from another widget keeps the grid's edits
        page.get_by_role("button", name="rerun").click()
        r2 = result(page, 2.5)
        out["G_after_rerun_same"] = r2 == r
        out["G_grid_cell_81.10_after_rerun"] = cell(fr, "81.10", "exc_eventos").inner_text()
        page.screenshot(path="/tmp/grid/ag_after_keys.png")
        b.close()
    if mode in ("all", "paste"):
        b, page, fr, ext = fresh(p)
        # make row 81.03 an Excedente first: the paste must skip its Faltante cells
        cell(fr, "81.03", "exc_eventos").click(); time.sleep(0.2)
        page.keyboard.type("5", delay=40); page.keyboard.press("Enter"); time.sleep(1.5)
        page.evaluate("t => navigator.clipboard.writeText(t)", tsv(LINEAS[:14]))
        cell(fr, "81.01", "fal_causa").click(); time.sleep(0.3)
        page.keyboard.press("Control+V")
        r = result(page, 2.5)
        exp = {PRODUCTOS[i][0]: {"fal_causa": c, "fal_eventos": e, "fal_pacientes": pa} for i, (c, a, e, pa) in enumerate(LINEAS[:14])}
        exp["81.03"] = {"exc_eventos": "5"}
        out["D_paste_14x4_ok_and_skipped_81.03"] = r == exp
        out["D_paste_result"] = r if r != exp else "as expected"
        out["D_skipped"] = fr.locator("body").evaluate("() => window.__pasteSkipped")
        page.screenshot(path="/tmp/grid/ag_after_paste.png")
        b.close()
if out: print(json.dumps(out, ensure_ascii=False, indent=1))
