import json, time
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result, focused
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    cell(fr, "81.01", "fal_causa").click(); time.sleep(0.3)
    page.keyboard.type("F", delay=80); time.sleep(0.4)
    page.screenshot(path="/tmp/grid/ag_sel_F.png", clip={"x": 300, "y": 150, "width": 700, "height": 250})
    print("popup items highlighted:", fr.locator(".ag-popup .ag-list-item.ag-active-item, .ag-popup [aria-selected='true']").all_inner_texts())
    page.keyboard.press("Enter"); time.sleep(0.6)
    print("popups after Enter:", fr.locator(".ag-popup").count(), "editing:", fr.locator(".ag-cell-inline-editing").count())
    page.screenshot(path="/tmp/grid/ag_sel_F_enter.png", clip={"x": 300, "y": 150, "width": 700, "height": 250})
    page.keyboard.press("Enter"); time.sleep(0.6)
    print("popups after 2nd Enter:", fr.locator(".ag-popup").count(), result(page))
    b.close()
