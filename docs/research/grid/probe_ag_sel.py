import json, time
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result, focused
out = {}
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    for clave, keys in [("81.01", "F"), ("81.02", "FF"), ("81.03", "Fa"), ("81.04", "P"), ("81.05", "C"), ("81.06", "Falta de E")]:
        cell(fr, clave, "fal_causa").click(); time.sleep(0.3)
        page.keyboard.type(keys, delay=80); time.sleep(0.3)
        page.keyboard.press("Enter"); time.sleep(0.5)
    r = result(page)
    out = {k: r.get(c, {}).get("fal_causa") for c, k in [("81.01", "F"), ("81.02", "FF"), ("81.03", "Fa"), ("81.04", "P"), ("81.05", "C"), ("81.06", "Falta de E")]}
    # arrow keys inside the open select
    cell(fr, "81.07", "fal_causa").click(); time.sleep(0.3)
    page.keyboard.press("Enter"); time.sleep(0.3); page.keyboard.press("ArrowDown"); page.keyboard.press("ArrowDown"); page.keyboard.press("Enter"); time.sleep(0.5)
    out["Enter_Down_Down_Enter"] = result(page).get("81.07", {}).get("fal_causa")
    out["blocked_class_exc_eventos_81.01"] = "celda-bloqueada" in (cell(fr, "81.01", "exc_eventos").get_attribute("class") or "")
    page.screenshot(path="/tmp/grid/ag_blocked.png")
    b.close()
print(json.dumps(out, ensure_ascii=False))
