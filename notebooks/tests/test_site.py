"""The built site, read the way a person reads it: every page, its links, the tutorial's figure."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from .browser import ROOT, Browser, image_has_content, screenshot

pytestmark = pytest.mark.browser
SITE = ROOT / "_build" / "html"
TUTORIAL = "2mass-sia-v1.html"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").exists():
        pytest.skip("no built site: run tox -e docs first")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opened = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield opened
    opened.close()


def visit(browser, url):
    """Load a page; return it with its console errors and the internal URLs it refers to."""
    page = browser.context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    refs = page.eval_on_selector_all(
        "a[href], img[src], link[href], script[src]",
        "els => els.map(e => e.getAttribute('href') || e.getAttribute('src'))",
    )
    return page, errors, {urldefrag(urljoin(url, r))[0] for r in refs}


def test_every_page_loads_cleanly_with_no_broken_internal_links(site, browser):
    seen, queue, checked = set(), [site + "index.html"], set()
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        page, errors, refs = visit(browser, url)
        assert errors == [], f"console errors on {url}: {errors}"
        for ref in refs:
            if not ref.startswith(site) or ref in checked:
                continue
            checked.add(ref)
            status = page.request.get(ref).status
            assert status == 200, f"broken link on {url}: {ref} ({status})"
            if urlsplit(ref).path.endswith(".html"):
                queue.append(ref)
        page.close()
    assert {site + "index.html", site + TUTORIAL, site + "build-report.html"} <= seen
    assert browser.outside == [], f"the site asked for outside resources: {browser.outside}"


def test_landing_page_has_a_card_per_tutorial_with_its_figure(site, browser):
    page, errors, _ = visit(browser, site + "index.html")
    card = page.locator(f'a.tutorial-card[href="{TUTORIAL}"]')
    assert card.count() == 1
    assert "Find, view and cut out 2MASS images with SIA v1" in card.inner_text()
    assert "H-band" in card.inner_text()
    thumbnail = card.locator("img")
    assert thumbnail.evaluate("img => img.naturalWidth") > 100
    assert image_has_content(thumbnail.screenshot()) > 0.05
    screenshot(page, "landing.png", full_page=True)


def test_tutorial_page_shows_outputs_figure_banner_and_firefly_record(site, browser):
    page, errors, _ = visit(browser, site + TUTORIAL)
    text = " ".join(page.inner_text("main").split())  # as read: line breaks do not matter
    assert "Synthetic data." in text and "offline_irsa" in text
    assert "Download this notebook" in text
    assert "H-band images" in text and "Cutout shape (rows, columns): (60, 60)" in text
    firefly = page.locator("figure.firefly-picture")
    assert firefly.count() == 1 and "rendered by the offline stand-in" in firefly.inner_text()
    picture = firefly.locator("img")
    picture.scroll_into_view_if_needed()
    assert picture.evaluate("img => img.complete && img.naturalWidth") >= 600
    assert image_has_content(picture.screenshot()) > 0.05
    assert re.fullmatch(r"Firefly view of 2MASS H: .+: H band, 512 × 1024 pixels, .+ stretch, .+\.",
                        picture.get_attribute("alt"))
    screenshot(firefly, "firefly-site.png")
    figures = page.locator(".cell_output img")
    assert figures.count() >= 1
    cutout = figures.last
    cutout.scroll_into_view_if_needed()
    assert cutout.evaluate("img => img.complete && img.naturalWidth") > 300
    assert image_has_content(cutout.screenshot()) > 0.05
    screenshot(page, "tutorial.png", full_page=True)
    download = page.locator("a.download", has_text="Download this notebook")
    source = page.request.get(urljoin(site + TUTORIAL, download.get_attribute("href"))).text()
    assert source.startswith("---\njupytext:")
