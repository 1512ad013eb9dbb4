"""Opening an explorer page in the tests' browser (the ``browser`` fixture of tests/viz/conftest.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = os.environ.get("EMBEDKIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def open_page(browser, path: Path):
    """A new tab on ``path``, once the page says it is ready, and its log: console errors and page errors
    (``errors``) and every URL it requested (``requests``)."""
    page = browser.new_page(viewport={"width": 1300, "height": 850}, accept_downloads=True)
    log: dict[str, list[str]] = {"errors": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and log["errors"].append(m.text))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=120_000)
    return page, log
