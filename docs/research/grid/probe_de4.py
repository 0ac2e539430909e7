"""First type-to-edit on a FRESH page (editor never opened yet): '123' with d ms between keys."""
import json, time
from playwright.sync_api import sync_playwright
from pw import open_page
port = open("/tmp/grid/port_de").read().strip()
URL = f"http://127.0.0.1:{port}"
def Y(i): return 149 + 35 * i
res = {}
with sync_playwright() as p:
    for d in [10, 30, 50, 10, 30, 50, 10, 30, 50, 0, 0, 0]:
        b, page, ext = open_page(p, URL)
        page.wait_for_selector("[data-testid='stDataFrame']", timeout=30000); time.sleep(2)
        page.mouse.click(1139, Y(0)); time.sleep(0.4)
        page.keyboard.type("123", delay=d); time.sleep(0.3)
        page.keyboard.press("Enter"); time.sleep(1.5)
        r = json.loads(page.locator("[data-testid='stCode'] code").first.inner_text())
        res.setdefault(f"fresh_delay_{d}ms", []).append(r.get("0", {}).get("fal_eventos"))
        b.close()
print(json.dumps(res))
