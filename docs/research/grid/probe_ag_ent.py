import json, time
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result
from common import tsv, LINEAS
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    msgs = []
    page.on("console", lambda m: msgs.append(m.text[:160]))
    page.reload(); fr = page.frame_locator("iframe").first; fr.locator(".ag-cell").first.wait_for(timeout=30000); time.sleep(2)
    page.evaluate("t => navigator.clipboard.writeText(t)", tsv(LINEAS[:3]))
    cell(fr, "81.01", "fal_causa").click(); time.sleep(0.3)
    page.keyboard.press("Control+V")
    print("enterprise paste result:", result(page, 2.5))
    print("license console lines:", [m for m in msgs if "icense" in m or "*****" in m][:8])
    print("watermark:", fr.locator(".ag-watermark").count(), fr.locator(".ag-watermark").all_inner_texts()[:1])
    page.screenshot(path="/tmp/grid/ag_enterprise.png")
    b.close()
