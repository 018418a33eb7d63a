"""Headless Chromium for the browser tests: the system's browser, loopback only.

Playwright drives Debian's ``chromium`` (``$CHROMIUM``, default /usr/bin/chromium); a
test tool's own browser download does not work here. Background networking is off and
every request to a host other than loopback is refused and remembered, so a test can
assert the page asked for nothing outside. Accessibility checks run axe-core (npm's
package, which .ci/run installs) inside the page, from disk.
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
AXE = ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js"  # where .ci/run installs npm's axe-core
# How a reader's screen is emulated: 200% zoom halves the CSS viewport of a 1280 x 900 window
# and doubles its device pixels; a phone is 390 CSS pixels wide.
SCREENS = {"zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
           "width-390": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True,
                         "has_touch": True}}
# Elements that may scroll sideways: code, outputs and tables. Anything else wider than the window fails.
SCROLLING_AREAS = "pre, .cell_output, .output, .highlight, .pst-scrollable-table-container, .table-wrapper"


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
        self._browser = None  # a second, plain browser for contexts with their own screen

    def screen_page(self, screen: str):
        """A page in a fresh context with one of SCREENS' windows; closing its context is the caller's."""
        if self._browser is None:
            self._browser = self._playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                                             args=FLAGS)
        context = self._browser.new_context(**SCREENS[screen])
        context.route("**/*", self._only_loopback)
        return context.new_page()

    def _only_loopback(self, route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname not in LOOPBACK:
            self.outside.append(url)
            route.abort()
        else:
            route.continue_()

    def close(self) -> None:
        self.context.close()
        if self._browser is not None:
            self._browser.close()
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


def axe_script() -> str:
    """axe-core's source; skips (fails under CI) when npm's axe-core is not installed."""
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: .ci/run installs it (npm install --prefix .ci axe-core)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, script: str, impacts=("serious", "critical")) -> list[str]:
    """axe-core's violations of the given impacts on the loaded page, one line per element."""
    page.add_script_tag(content=script)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {', '.join(map(str, n['target']))}: {v['help']}"
            for v in result["violations"] if v["impact"] in impacts for n in v["nodes"]]


OVERFLOW_JS = """scrollingAreas => {
  const width = document.documentElement.clientWidth;
  const visible = el => { const s = getComputedStyle(el), r = el.getBoundingClientRect();
    return s.display !== "none" && s.visibility !== "hidden" && r.width > 0 && r.height > 0; };
  const clips = el => ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
  const classes = el => typeof el.className === "string" ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
  const name = el => [el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""), ...classes(el)].join(".");
  const all = [...document.body.querySelectorAll("*")].filter(visible);
  const outside = all.filter(el => el.getBoundingClientRect().right > width + 1).filter(el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) if (clips(a)) return false;
    return true;
  }).map(el => `${name(el)} reaches ${Math.round(el.getBoundingClientRect().right)} px`);
  const scrollers = all.filter(el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX)
                                     && el.scrollWidth > el.clientWidth + 1);
  return {page: document.documentElement.scrollWidth, window: width, outside,
          scrolling: scrollers.filter(el => el.matches(scrollingAreas)).map(name),
          strayScrolling: scrollers.filter(el => !el.matches(scrollingAreas)).map(name)};
}"""


def horizontal_overflow(page) -> dict:
    """What is wider than the window: ``outside`` sticks out unclipped, ``scrolling`` scrolls in an
    output or code area, ``strayScrolling`` scrolls anywhere else; ``page`` is the page's own width."""
    return page.evaluate(OVERFLOW_JS, SCROLLING_AREAS)
