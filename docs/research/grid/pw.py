"""Playwright helpers: one Debian Chromium, clipboard granted."""
from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def open_page(p, url, w=1400, h=1000):
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    ctx = b.new_context(viewport={"width": w, "height": h})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = ctx.new_page()
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")) else None)
    page.goto(url)
    return b, page, external
