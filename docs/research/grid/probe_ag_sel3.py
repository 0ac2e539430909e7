import json, time
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result, focused
cases = [("81.01", "Equ"), ("81.02", "car"), ("81.03", "PERS"), ("81.04", "ins"), ("81.05", "F"), ("81.06", "Falta de equipo"), ("81.07", "xyz")]
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    for clave, keys in cases:
        cell(fr, clave, "fal_causa").click(); time.sleep(0.3)
        page.keyboard.type(keys, delay=60); time.sleep(0.2)
        page.keyboard.press("Tab"); time.sleep(0.4)
        page.keyboard.press("Escape"); time.sleep(0.2)
    cell(fr, "81.08", "fal_causa").click(); time.sleep(0.3)
    page.keyboard.type("fal", delay=60); time.sleep(0.5)
    page.screenshot(path="/tmp/grid/ag_datalist.png", clip={"x": 300, "y": 120, "width": 800, "height": 450})
    page.keyboard.press("Escape")
    cell(fr, "81.09", "fal_ambito").click(); time.sleep(0.3)
    page.keyboard.type("hosp", delay=60); page.keyboard.press("Enter"); time.sleep(0.3)
    r = result(page)
    print(json.dumps({k: r.get(c, {}).get("fal_causa") for c, k in cases}, ensure_ascii=False))
    print("ambito hosp ->", r.get("81.09"))
    print("invalid class on 81.07:", "celda-invalida" in cell(fr, "81.07", "fal_causa").get_attribute("class"))
    b.close()
