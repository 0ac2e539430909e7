import time, sys
from playwright.sync_api import sync_playwright
from pw import open_page
port = open("/tmp/grid/port_ag").read().strip()
with sync_playwright() as p:
    b, page, ext = open_page(p, f"http://127.0.0.1:{port}")
    msgs = []
    page.on("console", lambda m: msgs.append(m.text[:300]))
    page.wait_for_selector("iframe", timeout=30000)
    fr = page.frame_locator("iframe").first
    fr.locator(".ag-cell").first.wait_for(timeout=30000)
    time.sleep(2)
    page.screenshot(path="/tmp/grid/ag_initial.png")
    print("external requests:", ext)
    print("console:", msgs[:10])
    print(page.locator("[data-testid='stCode'] code").first.inner_text())
    print(page.locator("iframe").first.get_attribute("allow"))
    b.close()
