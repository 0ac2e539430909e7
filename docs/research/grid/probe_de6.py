"""Paste with values a selectbox does not list, on a grid whose ámbito is prefilled (as Paso 6)."""
import json, time
from playwright.sync_api import sync_playwright
from pw import open_page
port = open("/tmp/grid/port_de").read().strip()
with sync_playwright() as p:
    b, page, ext = open_page(p, f"http://127.0.0.1:{port}")
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=30000); time.sleep(2)
    block = ("Carencia de Servicio\tHospitalaro\t10\t10\n"          # typo in ámbito
             "carencia de servicio\thospitalario\t11\t11\n"          # lower case
             "Falta de Equipo \tHospitalario\t12\t12\n"              # trailing space in causa
             "Falta de equipo\tAmbulatorio\t13\t13")
    page.evaluate("t => navigator.clipboard.writeText(t)", block)
    page.mouse.click(848, 149); time.sleep(0.3)
    page.keyboard.press("Control+V"); time.sleep(2)
    print(page.locator("[data-testid='stCode'] code").first.inner_text())
    page.screenshot(path="/tmp/grid/de_paste_bad_options.png")
    b.close()
