"""Headless Chromium for the browser tests: the system's browser, loopback only.

Playwright drives Debian's ``chromium`` (``$CHROMIUM``, default /usr/bin/chromium); a
test tool's own browser download does not work here. Background networking is off and
every request to a host other than loopback is refused and remembered, so a test can
assert the page asked for nothing outside.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "_build" / "screenshots"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions"]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip(f"no Chromium at {path}: install Debian's chromium package (.ci/run does)")
    return path


class Browser:
    """A persistent context with a fresh profile; ``outside`` lists refused non-loopback requests."""

    def __init__(self, profile: Path) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self.context = self._playwright.chromium.launch_persistent_context(
            str(profile), executable_path=chromium_path(), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 900},
        )
        self.outside: list[str] = []
        self.context.route("**/*", self._only_loopback)

    def _only_loopback(self, route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname not in LOOPBACK:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def close(self) -> None:
        self.context.close()
        self._playwright.stop()


def screenshot(page, name: str, **kwargs) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **kwargs)
    return path


def image_has_content(png: bytes) -> float:
    """Standard deviation of an image's pixels (0 for a blank image)."""
    import io

    import matplotlib.image
    import numpy as np

    return float(np.std(matplotlib.image.imread(io.BytesIO(png))[..., :3]))
