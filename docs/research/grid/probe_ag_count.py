"""Hand entry of the guide's sample lines in the AG Grid prototype; actions counted as in probe_de5.py
(a click, a navigation/commit key, or one typed value = 1 action)."""
import json, sys, time
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result
from common import LINEAS, PRODUCTOS
ABBR = {"Carencia de Servicio": "car", "Falta de Equipo": "equ", "Falta de Insumos": "ins", "Falta de Personal": "per"}
mode = sys.argv[1]
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    n = 0
    def click(clave, col):
        global n; n += 1; cell(fr, clave, col).click(); time.sleep(0.3)
    def key(k):
        global n; n += 1; page.keyboard.press(k); time.sleep(0.25)
    def typ(t):
        global n; n += 1; page.keyboard.type(t, delay=50); time.sleep(0.2)
    if mode in ("row", "row_skip"):
        click(PRODUCTOS[0][0], "fal_causa")
        for i, (c, a, e, pa) in enumerate(LINEAS):
            typ(ABBR[c]); key("Tab")
            if mode == "row": key("Tab")           # through the prefilled ámbito
            typ(e); key("Tab"); typ(pa); key("Tab")  # last Tab: next row's Causa
    elif mode == "col":
        for col, idx in (("fal_causa", 0), ("fal_eventos", 2), ("fal_pacientes", 3)):
            click(PRODUCTOS[0][0], col)
            for l in LINEAS:
                typ(ABBR[l[0]] if idx == 0 else l[idx]); key("Enter")
    r = result(page, 2.5)
    exp = {PRODUCTOS[i][0]: {"fal_causa": c, "fal_eventos": e, "fal_pacientes": pa} for i, (c, a, e, pa) in enumerate(LINEAS)}
    print(json.dumps({"mode": mode, "actions": n, "per_line": round(n / len(LINEAS), 2), "ok": r == exp, **({} if r == exp else {"got": r})}, ensure_ascii=False))
    page.screenshot(path=f"/tmp/grid/ag_count_{mode}.png")
    b.close()
