"""How many script runs a 14x4 paste causes, and server CPU for it (AG Grid prototype)."""
import json, time, os
from playwright.sync_api import sync_playwright
from probe_ag import fresh, cell, result
from common import tsv, LINEAS
pid = int(open("/tmp/grid/ag.pid").read())
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
with sync_playwright() as p:
    b, page, fr, ext = fresh(p)
    runs = lambda: page.locator("[data-testid='stCaptionContainer']").nth(1).inner_text()
    r0 = runs(); c0 = cpu()
    page.evaluate("t => navigator.clipboard.writeText(t)", tsv(LINEAS[:14]))
    cell(fr, "81.01", "fal_causa").click(); time.sleep(0.3)
    t = time.time(); page.keyboard.press("Control+V")
    page.wait_for_function("() => document.querySelector(\"[data-testid='stCode'] code\").innerText.includes('81.14')", timeout=20000)
    print("paste -> result in", round(time.time() - t, 2), "s")
    time.sleep(3)
    print("runs before/after:", r0, "/", runs(), " server CPU-s:", round(cpu() - c0, 2))
    c0 = cpu(); r0 = runs()
    cell(fr, "39.95", "exc_eventos").click(); page.keyboard.type("7", delay=50); page.keyboard.press("Enter"); time.sleep(3)
    print("single edit runs:", r0, "/", runs(), " server CPU-s:", round(cpu() - c0, 2))
    b.close()
