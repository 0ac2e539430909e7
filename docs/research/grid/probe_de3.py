"""Delay sweep: type '123' on a clicked (selected, not editing) text cell with d ms between keys, then Enter."""
import json, time
from playwright.sync_api import sync_playwright
from pw import open_page
port = open("/tmp/grid/port_de").read().strip()
URL = f"http://127.0.0.1:{port}"
X = {"exc_eventos": 577, "exc_pacientes": 695, "fal_eventos": 1139, "fal_pacientes": 1258}
def Y(i): return 149 + 35 * i
def result(page):
    time.sleep(1.5)
    return json.loads(page.locator("[data-testid='stCode'] code").first.inner_text())
res = {}
with sync_playwright() as p:
    b, page, ext = open_page(p, URL)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30000); time.sleep(2)
    delays = [0, 20, 50, 80, 120, 200]
    for rep in range(2):
        for i, d in enumerate(delays):
            row = i + rep * len(delays)
            col = "fal_eventos"
            page.mouse.click(X[col], Y(row)); time.sleep(0.4)
            page.keyboard.type("123", delay=d)
            time.sleep(0.3)
            page.keyboard.press("Enter"); time.sleep(1.2)
    r = result(page)
    for rep in range(2):
        for i, d in enumerate(delays):
            res.setdefault(f"delay_{d}ms", []).append(r.get(str(i + rep * len(delays)), {}).get("fal_eventos"))
    b.close()
print(json.dumps(res))
