import json, os, time
from playwright.sync_api import sync_playwright
from pw import open_page
with sync_playwright() as p:
    for name, pidf, portf, sel in [("de", "de.pid", "port_de", "[data-testid='stDataFrame'] canvas"), ("ag", "ag.pid", "port_ag", None)]:
        port = open(f"/tmp/grid/{portf}").read().strip()
        for k in range(2):
            t = time.time(); b, page, ext = open_page(p, f"http://127.0.0.1:{port}")
            if sel: page.wait_for_selector(sel, timeout=30000)
            else: page.frame_locator("iframe").first.locator(".ag-cell").first.wait_for(timeout=30000)
            print(name, "warm load", k, round(time.time() - t, 2), "s")
            if name == "ag" and k == 1:
                fr = page.frame_locator("iframe").first
                for clave in ["81.01", "81.02", "81.03"]:
                    fr.locator(f".ag-center-cols-container .ag-row[row-id='{clave}'] .ag-cell[col-id='exc_eventos']").click(); page.keyboard.type("12", delay=50); page.keyboard.press("Enter"); time.sleep(2)
                    print(page.locator("[data-testid='stCaptionContainer']").nth(1).inner_text())
            b.close()
