"""Reading the Firefly stand-in's viewer in a browser the way a person does, and checking it against astropy.

Used by the viewer's own browser tests and by the JupyterLab test. Expectations are computed
here from the FITS file itself (fetched through the stand-in) and the image's place on the
screen, never from the viewer's own numbers.
"""

from __future__ import annotations

import gzip
import io
import re
from urllib.parse import urlsplit

import numpy as np
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from .browser import image_has_content

IRSA = "https://irsa.ipac.caltech.edu"
READOUT = re.compile(r"RA ([\d.]+)°\s+Dec ([+-][\d.]+)°.*pixel \(([\d.-]+), ([\d.-]+)\)", re.S)


def fits_via_stand_in(stand_in: str, url: str) -> tuple[np.ndarray, WCS]:
    """The image's pixels and WCS, from the stand-in (an IRSA URL is asked of it instead)."""
    parts = urlsplit(url)
    local = f"{stand_in}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    raw = requests.get(local, timeout=60).content
    raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    with fits.open(io.BytesIO(raw)) as hdus:
        return hdus[0].data.astype(float), WCS(hdus[0].header)


def wait_for_plot(page, scope: str, title: str | None = None, newer_than: int = 0, timeout: float = 30_000) -> dict:
    """Wait until the viewer in ``scope`` shows a loaded image (with that title, newer than a version)."""
    waited_for(page, scope, f"an image titled {title!r}, newer than version {newer_than}", page.wait_for_function,
        """([scope, title, newer]) => {
            const img = document.querySelector(`${scope} .ffo-image`);
            const shown = document.querySelector(`${scope} .ffo-title`);
            return img && img.complete && img.naturalWidth > 0 && Number(img.dataset.version) > newer
                && (!title || (shown && shown.textContent === title));
        }""", arg=[scope, title, newer_than], timeout=timeout)
    return page.evaluate("""scope => {
        const img = document.querySelector(`${scope} .ffo-image`);
        const box = img.getBoundingClientRect();
        return {plotId: img.dataset.plotId, version: Number(img.dataset.version), src: img.src,
                width: img.naturalWidth, height: img.naturalHeight,
                title: document.querySelector(`${scope} .ffo-title`).textContent,
                stretch: document.querySelector(`${scope} .ffo-stretch`).textContent,
                box: {x: box.x, y: box.y, width: box.width, height: box.height}};
    }""", scope)


def waited_for(page, scope: str, what: str, wait, *args, **kwargs):
    """Run a Playwright wait; on timeout, fail saying what was awaited and what the viewer showed instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        return wait(*args, **kwargs)
    except PlaywrightTimeout:
        shown = page.locator(scope).inner_text(timeout=2_000) if page.locator(scope).count() else "(no viewer)"
        raise AssertionError(f"the viewer did not show {what}; it shows:\n{shown[:1500]}") from None


def screen_to_pixel(shown: dict, sx: float, sy: float) -> tuple[float, float]:
    """0-based FITS pixel under a screen point, from the image element's box (row 1 drawn at the bottom)."""
    box = shown["box"]
    across = (sx - box["x"]) * shown["width"] / box["width"]
    down = (sy - box["y"]) * shown["height"] / box["height"]
    return across - 0.5, shown["height"] - down - 0.5


def pixel_to_screen(shown: dict, x: float, y: float) -> tuple[float, float]:
    box = shown["box"]
    return (box["x"] + (x + 0.5) * box["width"] / shown["width"],
            box["y"] + (shown["height"] - y - 0.5) * box["height"] / shown["height"])


def readout_at(page, scope: str, sx: float, sy: float) -> tuple[float, float, float, float]:
    """Hover a screen point; the readout's RA, Dec (deg) and 1-based pixel once it describes that point."""
    before = page.inner_text(f"{scope} .ffo-readout")
    page.mouse.move(sx, sy)
    waited_for(page, scope, f"a readout at ({sx}, {sy})", page.wait_for_function,
               "([scope, before]) => { const t = document.querySelector(`${scope} .ffo-readout`)"
               ".innerText; return t !== before && /RA [0-9]/.test(t); }", arg=[scope, before], timeout=10_000)
    match = READOUT.search(page.inner_text(f"{scope} .ffo-readout"))
    assert match, page.inner_text(f"{scope} .ffo-readout")
    return tuple(float(g) for g in match.groups())


def readout_error_arcsec(page, scope: str, shown: dict, wcs: WCS, sx: float, sy: float) -> float:
    """How far the readout's RA/Dec is from astropy's WCS at the pixel under the cursor (arcsec)."""
    ra, dec, x1, y1 = readout_at(page, scope, sx, sy)
    x, y = screen_to_pixel(shown, sx, sy)
    expected = wcs.pixel_to_world(x, y)
    return float(expected.separation(SkyCoord(ra, dec, unit="deg")).arcsec)


def region_offset_px(page, scope: str, shown: dict, wcs: WCS, ra: float, dec: float, layer: str) -> float:
    """Screen distance between a drawn circle's centre and where astropy's WCS puts (ra, dec)."""
    circle = page.locator(f"{scope} g[data-layer='{layer}'] circle.ffo-region").first
    circle.wait_for(timeout=10_000)
    box = circle.bounding_box()
    x, y = wcs.world_to_pixel(SkyCoord(ra, dec, unit="deg"))
    sx, sy = pixel_to_screen(shown, float(x), float(y))
    return float(np.hypot(box["x"] + box["width"] / 2 - sx, box["y"] + box["height"] / 2 - sy))


def shown_pixels(page, scope: str) -> np.ndarray:
    """The image element as the screen shows it (RGB floats), for before/after comparisons."""
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(page.locator(f"{scope} .ffo-image").screenshot()))[..., :3]


def has_content(page, scope: str) -> float:
    return image_has_content(page.locator(f"{scope} .ffo-image").screenshot())


def run_in_kernel(page, code: str) -> None:
    """Add a cell at the end of the visible notebook, type the code and run it (Shift+Enter)."""
    page.locator(".jp-NotebookPanel:visible .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # a new cell below, in command mode
    page.keyboard.press("Enter")  # edit it
    page.keyboard.insert_text(code)  # as pasted: no auto-closed brackets
    page.keyboard.press("Shift+Enter")


def check_lab_tab(page, browser, stand_in: str, sent: list[dict]) -> dict:
    """The Firefly tab shows what the kernel sent, reads out as astropy does, follows a stretch and regions."""
    scope = "#firefly-viewer-tab-id"
    request = [a for a in sent if a["type"] == "ImagePlotCntlr.PlotImage"][-1]["payload"]["wpRequest"]
    tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Firefly Viewer")
    waited_for(page, "body", "a 'Firefly Viewer' tab (opened on StartLabWindow from the kernel)", tab.wait_for,
               timeout=30_000)
    tab.click()
    shown = wait_for_plot(page, scope, request.get("Title"))
    assert shown["plotId"] == request["plotId"] and has_content(page, scope) > 0.05
    data, wcs = fits_via_stand_in(stand_in, request["url"])
    assert (shown["width"], shown["height"]) == (data.shape[1], data.shape[0])
    box = shown["box"]
    misses = [readout_error_arcsec(page, scope, shown, wcs, round(box["x"] + box["width"] * fx),
                                   round(box["y"] + box["height"] * fy)) for fx, fy in [(0.5, 0.5), (0.2, 0.8)]]
    assert max(misses) < 0.5, misses

    before = shown_pixels(page, scope)
    ra, dec = wcs.pixel_to_world_values(data.shape[1] * 0.3, data.shape[0] * 0.6)
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=".md").first.click()
    run_in_kernel(page, f"fc.set_stretch({request['plotId']!r}, stype='zscale', algorithm='log')\n"
                        f"fc.overlay_region_layer(region_data=['icrs', 'circle {ra:.7f}d {dec:.7f}d 20\"'], "
                        f"region_layer_id='test-layer', plot_id={request['plotId']!r})")
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="Firefly Viewer").click()
    page.locator(f"{scope} g[data-layer='test-layer'] circle").wait_for(timeout=30_000)
    after_state = wait_for_plot(page, scope, newer_than=shown["version"])
    assert after_state["stretch"] == "stretch: log, zscale"
    after = shown_pixels(page, scope)
    assert before.shape == after.shape and float(np.mean(np.abs(after - before))) > 0.05
    assert region_offset_px(page, scope, after_state, wcs, ra, dec, "test-layer") < 1
    x, y = wcs.world_to_pixel_values(ra, dec)
    readout_at(page, scope, *pixel_to_screen(after_state, float(x), float(y)))  # the screenshot shows a readout
    return after_state
