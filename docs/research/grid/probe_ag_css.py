import time
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    cell(fr, "81.07", "fal_causa").click(); page.keyboard.type("xyz", delay=50); page.keyboard.press("Enter"); time.sleep(1.5)
    c = cell(fr, "81.07", "fal_causa")
    print(c.get_attribute("class"), c.evaluate("e => getComputedStyle(e).backgroundColor"))
    print(cell(fr, "81.07", "exc_eventos").evaluate("e => e.className + ' ' + getComputedStyle(e).backgroundColor"))
    b.close()
