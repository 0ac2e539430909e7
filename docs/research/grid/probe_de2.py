import json, time
from playwright.sync_api import sync_playwright
from pw import open_page
port = open("/tmp/grid/port_de").read().strip()
URL = f"http://127.0.0.1:{port}"
X = {"fal_causa": 848, "fal_ambito": 1011, "fal_eventos": 1139, "fal_pacientes": 1258}
def Y(i): return 149 + 35 * i
def result(page):
    time.sleep(1.5)
    return page.locator("[data-testid='stCode'] code").first.inner_text()
def inp(page):
    l = page.locator("input.gdg-input, textarea.gdg-input, .gdg-input")
    return [l.nth(i).input_value() for i in range(l.count())] if l.count() else None
with sync_playwright() as p:
    b, page, ext = open_page(p, URL)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30000); time.sleep(2)
    page.mouse.click(X["fal_eventos"], Y(0)); time.sleep(0.5)
    for k in "200":
        page.keyboard.press(k); time.sleep(0.4)
        print("after", k, "editor:", inp(page))
    page.screenshot(path="/tmp/grid/de_A_typing.png")
    page.keyboard.press("Enter"); print("after Enter", result(page), inp(page))
    page.screenshot(path="/tmp/grid/de_A_after_enter.png")
    # now the selection should be one below; type 50 slowly, Tab
    for k in "50":
        page.keyboard.press(k); time.sleep(0.4); print("row1 after", k, "editor:", inp(page))
    page.keyboard.press("Tab"); print("after Tab", result(page), inp(page))
    for k in "77":
        page.keyboard.press(k); time.sleep(0.4); print("after Tab typed", k, "editor:", inp(page))
    page.keyboard.press("Enter"); print("after Enter", result(page))
    page.screenshot(path="/tmp/grid/de_A_end.png")
    b.close()
