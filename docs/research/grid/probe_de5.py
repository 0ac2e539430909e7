"""Hand-entry workflows in st.data_editor. Each step: ('click', col, row) | ('key', name) | ('type', text).
Actions counted: a click, a navigation/commit key, a typed value (one run of characters) = 1 each."""
import json, sys, time
from playwright.sync_api import sync_playwright
from pw import open_page
from common import LINEAS
port = open("/tmp/grid/port_de").read().strip()
URL = f"http://127.0.0.1:{port}"
X = {"exc_ambito": 449, "exc_eventos": 577, "exc_pacientes": 695, "fal_causa": 848, "fal_ambito": 1011,
     "fal_eventos": 1139, "fal_pacientes": 1258}
def Y(i): return 149 + 35 * i
ABBR = {"Carencia de Servicio": "Car", "Falta de Equipo": "Equ", "Falta de Insumos": "Ins", "Falta de Personal": "Per"}

def run(p, steps, label, shot=None):
    b, page, ext = open_page(p, URL)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30000); time.sleep(2)
    n = 0
    for s in steps:
        n += 1
        if s[0] == "click":
            page.mouse.click(X[s[1]], Y(s[2])); time.sleep(0.35)
        elif s[0] == "key":
            page.keyboard.press(s[1]); time.sleep(0.35)
        elif s[0] == "type":
            page.keyboard.type(s[1], delay=60); time.sleep(0.35)
    time.sleep(1.5)
    if shot: page.screenshot(path=shot)
    r = json.loads(page.locator("[data-testid='stCode'] code").first.inner_text())
    b.close()
    return n, r

def expected(rows):
    return {str(i): {"fal_causa": LINEAS[i][0], "fal_eventos": LINEAS[i][2], "fal_pacientes": LINEAS[i][3]} for i in rows}

mode = sys.argv[1]
EXTRA_DOWN = False
FINAL_ENTER = "noenter" not in sys.argv
out = {}
with sync_playwright() as p:
    if mode == "probe":
        pass
    if mode == "probe":
        # what happens after choosing in a selectbox with Enter, then typing; substring filter?
        n, r = run(p, [("click", "fal_causa", 0), ("type", "Equ"), ("key", "Enter"), ("type", "7"), ("key", "Enter")], "sel", "/tmp/grid/de_sel.png")
        out["sel_Equ_Enter_then_7_Enter"] = r
        n, r = run(p, [("click", "fal_causa", 0), ("type", "Car"), ("key", "Enter"), ("key", "Tab"), ("key", "Tab"), ("type", "200"), ("key", "Tab"), ("type", "200"), ("key", "Enter"), ("type", "9"), ("key", "Enter")], "row", "/tmp/grid/de_row.png")
        out["row_Car_Enter_Tab_Tab_200_Tab_200_Enter_then_9_Enter"] = r
        n, r = run(p, [("click", "fal_causa", 0), ("type", "Car"), ("key", "Tab"), ("key", "Tab"), ("type", "200"), ("key", "Tab"), ("type", "100"), ("key", "Enter")], "seltab")
        out["sel_Car_Tab_Tab_200_Tab_100_Enter"] = r
        n, r = run(p, [("click", "fal_causa", 0), ("type", "Car"), ("key", "Tab"), ("key", "Tab"), ("type", "200"), ("key", "Tab"), ("type", "100"), ("key", "Enter"), ("key", "Home"), ("type", "Equ"), ("key", "Tab")], "home")
        out["..._Enter_Home_Equ_Tab"] = r
        n, r = run(p, [("click", "fal_pacientes", 0), ("type", "5"), ("key", "Tab"), ("type", "6"), ("key", "Enter")], "lastcol")
        out["lastcol_5_Tab_6_Enter"] = r
    elif mode == "rowwise":
        # per line: click causa, type abbr, Enter, Tab, Tab, type ev, Tab, type pac, Enter  (9 actions)
        steps = []
        for i in range(len(LINEAS)):
            c, a, e, pa = LINEAS[i]
            steps += [("click", "fal_causa", i), ("type", ABBR[c]), ("key", "Tab"), ("key", "Tab"),
                      ("type", e), ("key", "Tab"), ("type", pa)] + ([("key", "Enter")] if FINAL_ENTER else [])
        if not FINAL_ENTER: steps += [("click", "fal_causa", 15 - 1 if False else 0)] if False else []
        if not FINAL_ENTER: steps += [("key", "Enter")]  # commit the very last cell once
        n, r = run(p, steps, "rowwise", "/tmp/grid/de_rowwise.png")
        out = {"actions": n, "per_line": n / 15, "ok": r == expected(range(15)), "got": r}
    elif mode == "colwise":
        steps = [("click", "fal_causa", 0)]
        for i in range(15):
            steps += [("type", ABBR[LINEAS[i][0]]), ("key", "Enter")]  # + move down if needed: probe decides
            if EXTRA_DOWN: steps += [("key", "ArrowDown")]
        steps += [("click", "fal_eventos", 0)]
        for i in range(15):
            steps += [("type", LINEAS[i][2]), ("key", "Enter")]
        steps += [("click", "fal_pacientes", 0)]
        for i in range(15):
            steps += [("type", LINEAS[i][3]), ("key", "Enter")]
        n, r = run(p, steps, "colwise", "/tmp/grid/de_colwise.png")
        out = {"actions": n, "per_line": n / 15, "ok": r == expected(range(15)), "got": r}
print(json.dumps(out, ensure_ascii=False))
