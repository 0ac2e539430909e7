import sys, time
from playwright.sync_api import sync_playwright
from pw import open_page
port = open("/tmp/grid/port_de").read().strip()
with sync_playwright() as p:
    b, page, ext = open_page(p, f"http://127.0.0.1:{port}")
    page.wait_for_selector("[data-testid='stDataFrame'], .stDataFrame", timeout=30000)
    time.sleep(2)
    el = page.locator("[data-testid='stDataFrame']").first
    print("box", el.bounding_box())
    page.screenshot(path="/tmp/grid/de_initial.png")
    print("external", ext)
    b.close()
