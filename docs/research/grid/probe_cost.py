"""642 rows (CIR-TYO's size): first render time, and server CPU per single-cell edit, data_editor vs AG Grid."""
import json, os, time
from playwright.sync_api import sync_playwright
from pw import open_page
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
out = {}
with sync_playwright() as p:
    # data_editor
    pid = int(open("/tmp/grid/de.pid").read()); port = open("/tmp/grid/port_de").read().strip()
    t = time.time(); b, page, ext = open_page(p, f"http://127.0.0.1:{port}")
    page.wait_for_selector("[data-testid='stDataFrame'] canvas", timeout=30000); out["de_first_grid_s"] = round(time.time() - t, 2)
    time.sleep(2); c0 = cpu(pid)
    for i in range(5):
        page.mouse.click(577, 149 + 35 * i); time.sleep(0.3); page.keyboard.type("12", delay=50); page.keyboard.press("Enter"); time.sleep(2)
    out["de_cpu_per_edit_s"] = round((cpu(pid) - c0) / 5, 3)
    # per-row disabling absent: Faltante on row 0, then the Excedente cell of row 0 still takes a value
    page.mouse.click(1139, 149 + 35 * 6); time.sleep(0.3); page.keyboard.type("30", delay=50); page.keyboard.press("Tab"); time.sleep(0.3)
    page.mouse.click(577, 149 + 35 * 6); time.sleep(0.3); page.keyboard.type("40", delay=50); page.keyboard.press("Enter"); time.sleep(2)
    out["de_row6_both_sides_accepted"] = json.loads(page.locator("[data-testid='stCode'] code").first.inner_text()).get("6")
    b.close()
    # AG Grid
    pid = int(open("/tmp/grid/ag.pid").read()); port = open("/tmp/grid/port_ag").read().strip()
    t = time.time(); b, page, ext = open_page(p, f"http://127.0.0.1:{port}")
    fr = page.frame_locator("iframe").first; fr.locator(".ag-cell").first.wait_for(timeout=30000); out["ag_first_grid_s"] = round(time.time() - t, 2)
    time.sleep(2); c0 = cpu(pid)
    for i, clave in enumerate(["81.01", "81.02", "81.03", "81.04", "81.05"]):
        fr.locator(f".ag-center-cols-container .ag-row[row-id='{clave}'] .ag-cell[col-id='exc_eventos']").click(); page.keyboard.type("12", delay=50); page.keyboard.press("Enter"); time.sleep(2)
    out["ag_cpu_per_edit_s"] = round((cpu(pid) - c0) / 5, 3)
    b.close()
print(json.dumps(out))
