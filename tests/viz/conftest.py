"""The browser for the page tests: Playwright driving Debian's /usr/bin/chromium (headless, software WebGL).

Skipped, with the reason, where playwright or a Chromium is missing (``.ci/run`` installs chromium).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.viz.pages import CHROMIUM


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install 'embedkit[test]'"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set EMBEDKIT_CHROMIUM)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--enable-unsafe-swiftshader"])
        yield b
        b.close()
