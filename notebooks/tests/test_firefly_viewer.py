"""The Firefly stand-in's viewer page, as make_client() opens it, driven by the real firefly_client.

The page is opened once and never reloaded: every check is of something it drew after an
action arrived on its channel. Expected positions and sky coordinates come from astropy's WCS
of the same FITS file.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from astropy.io import fits
from firefly_client import FireflyClient

from offline_irsa.server import OfflineIRSA
from offline_irsa.surveys.twomass.regions import find_tiles

from .browser import Browser, screenshot
from .firefly_view import (
    fits_via_stand_in,
    has_content,
    pixel_to_screen,
    readout_at,
    readout_error_arcsec,
    region_offset_px,
    shown_pixels,
    wait_for_plot,
    waited_for,
)

pytestmark = pytest.mark.browser
# An atlas image set the stand-in serves: the tutorial target's (its H image's path, band as a field).
ATLAS = "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/" + find_tiles(
    314.30417, 77.595559, 0, 0, "CENTER")[0].path("h").replace("/hi", "/{band}i")
SCOPE = "#app"


@pytest.fixture(scope="module")
def stand_in():
    with OfflineIRSA() as server:
        yield server


@pytest.fixture(scope="module")
def viewer(stand_in, tmp_path_factory):
    """(client, page, browser, console errors): make_client's page for a fresh channel."""
    browser = Browser(tmp_path_factory.mktemp("chromium-profile"))
    errors: list[str] = []
    try:
        fc = FireflyClient.make_client(url=stand_in.firefly, channel_override="viewer-test", launch_browser=False)
        page = browser.context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(fc.get_firefly_url())
        page.wait_for_selector(f"{SCOPE} .ffo-title", timeout=20_000)
        page.evaluate("window.__notReloaded = true")
        yield fc, page, browser, errors
    finally:
        browser.close()


def still_same_page(page) -> bool:
    return page.evaluate("window.__notReloaded === true")


def test_page_follows_the_channel_and_shows_the_image_with_its_title(viewer, stand_in):
    fc, page, browser, errors = viewer
    page.wait_for_function("() => /channel viewer-test/.test(document.body.innerText)", timeout=10_000)
    page.wait_for_timeout(300)  # let its first long poll reach the stand-in
    assert fc._is_page_connected() is True  # pushAliveCheck: firefly_client would not open a second tab
    fc.show_fits_image(file_input=ATLAS.format(band="h"), plot_id="h", Title="2MASS H: hi0700260")
    shown = wait_for_plot(page, SCOPE, "2MASS H: hi0700260")
    assert (shown["width"], shown["height"]) == (512, 1024)
    assert "linear, 1%–99% (Firefly's default)" in shown["stretch"]
    assert has_content(page, SCOPE) > 0.05
    assert still_same_page(page) and errors == [] and browser.outside == []


def test_set_stretch_changes_the_pixels_shown(viewer):
    fc, page, browser, errors = viewer
    before_state = wait_for_plot(page, SCOPE, "2MASS H: hi0700260")
    before = shown_pixels(page, SCOPE)
    fc.set_stretch("h", stype="zscale", algorithm="log")
    after_state = wait_for_plot(page, SCOPE, newer_than=before_state["version"])
    after = shown_pixels(page, SCOPE)
    assert after_state["stretch"] == "stretch: log, zscale"
    assert before.shape == after.shape and float(np.mean(np.abs(after - before))) > 0.05
    assert still_same_page(page) and errors == []


def test_readout_agrees_with_astropy_wcs(viewer, stand_in):
    fc, page, browser, errors = viewer
    shown = wait_for_plot(page, SCOPE, "2MASS H: hi0700260")
    data, wcs = fits_via_stand_in(stand_in.base, ATLAS.format(band="h"))
    box = shown["box"]
    points = [(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
              for fx, fy in [(0.5, 0.5), (0.1, 0.9), (0.83, 0.21)]]
    misses = [readout_error_arcsec(page, SCOPE, shown, wcs, round(sx), round(sy)) for sx, sy in points]
    assert max(misses) < 0.5, misses
    ra, dec, x1, y1 = readout_at(page, SCOPE, *pixel_to_screen(shown, 100, 200))
    value = float(page.inner_text(f"{SCOPE} .ffo-value").split()[-1])
    assert value == pytest.approx(data[round(y1) - 1, round(x1) - 1], rel=1e-5)
    assert errors == []


def test_regions_appear_where_the_wcs_puts_them(viewer, stand_in):
    fc, page, browser, errors = viewer
    _, wcs = fits_via_stand_in(stand_in.base, ATLAS.format(band="h"))
    targets = [wcs.pixel_to_world_values(x, y) for x, y in [(120.0, 300.0), (400.0, 850.0)]]
    lines = ["icrs"] + [f'circle {ra:.7f}d {dec:.7f}d 15" # color=red' for ra, dec in targets]
    fc.overlay_region_layer(region_data=lines, region_layer_id="stars", plot_id="h")
    shown = wait_for_plot(page, SCOPE)
    page.locator(f"{SCOPE} g[data-layer='stars'] circle").nth(1).wait_for(timeout=10_000)
    for index, (ra, dec) in enumerate(targets):
        circle = page.locator(f"{SCOPE} g[data-layer='stars'] circle").nth(index)
        box = circle.bounding_box()
        x, y = wcs.world_to_pixel_values(ra, dec)
        sx, sy = pixel_to_screen(shown, float(x), float(y))
        assert abs(box["x"] + box["width"] / 2 - sx) < 1 and abs(box["y"] + box["height"] / 2 - sy) < 1
        assert box["width"] == pytest.approx(2 * 15 * shown["box"]["width"] / shown["width"], abs=2)
    assert region_offset_px(page, SCOPE, shown, wcs, *targets[0], layer="stars") < 1
    screenshot(page, "firefly-page.png")
    assert errors == [] and browser.outside == []


def test_zoom_and_pan_put_the_asked_position_in_the_middle(viewer, stand_in):
    fc, page, browser, errors = viewer
    _, wcs = fits_via_stand_in(stand_in.base, ATLAS.format(band="h"))
    ra, dec = wcs.pixel_to_world_values(300.0, 500.0)
    fc.set_zoom("h", 2)
    fc.set_pan("h", x=ra, y=dec, coord="J2000")
    waited_for(page, SCOPE, "zoom 2.0×", page.wait_for_function,
               f"() => /zoom 2\\.0×/.test(document.querySelector('{SCOPE} .ffo-zoom').textContent)", timeout=10_000)
    view = page.locator(f"{SCOPE} .ffo-view").bounding_box()
    middle = (view["x"] + view["width"] / 2, view["y"] + view["height"] / 2)
    shown_ra, shown_dec, x1, y1 = readout_at(page, SCOPE, round(middle[0]), round(middle[1]))
    assert abs(x1 - 301) <= 1 and abs(y1 - 501) <= 1  # half a screen pixel is a quarter of an image pixel
    fc.set_zoom("h", 0.5)  # back to the whole image for the tests after this one
    fc.set_pan("h")
    waited_for(page, SCOPE, "zoom 0.50×", page.wait_for_function,
               f"() => /zoom 0\\.50×/.test(document.querySelector('{SCOPE} .ffo-zoom').textContent)", timeout=10_000)
    assert errors == []


def test_three_colour_and_an_in_memory_upload_are_drawn(viewer, stand_in):
    fc, page, browser, errors = viewer
    bands = [{"url": ATLAS.format(band=b), "Title": "2MASS J H K"} for b in "jhk"]
    fc.show_fits_3color(bands, plot_id="jhk")
    wait_for_plot(page, SCOPE, "2MASS J H K")
    colour = shown_pixels(page, SCOPE)
    assert float(np.mean(np.abs(colour[..., 0] - colour[..., 2]))) > 0.02  # red and blue differ: in colour

    pixels = np.arange(40 * 30, dtype=np.float32).reshape(40, 30)
    buffer = io.BytesIO()
    fits.PrimaryHDU(pixels).writeto(buffer)
    fc.show_fits_image(file_input=buffer, plot_id="memory", Title="in memory")
    shown = wait_for_plot(page, SCOPE, "in memory")
    assert (shown["width"], shown["height"]) == (30, 40)
    page.mouse.move(*pixel_to_screen(shown, 7, 12))
    waited_for(page, SCOPE, "value 367 (row 12, column 7: 12 * 30 + 7)", page.wait_for_function,
               f"() => /value 367/.test(document.querySelector('{SCOPE} .ffo-readout').innerText)", timeout=10_000)
    assert "no WCS" in page.inner_text(f"{SCOPE} .ffo-readout")
    assert [t.strip() for t in page.locator(f"{SCOPE} .ffo-tab").all_inner_texts()] == [
        "2MASS H: hi0700260", "2MASS J H K", "in memory"]
    assert still_same_page(page) and errors == []


def test_what_cannot_be_drawn_is_listed(viewer):
    fc, page, browser, errors = viewer
    fc.show_fits_image(file_input="https://example.org/far/away.fits", plot_id="far", Title="far away")
    fc.add_mask(bit_number=1, image_number=0, plot_id="h")
    waited_for(page, SCOPE, "the mask action listed", page.wait_for_function,
               f"() => /ImagePlotCntlr.plotMask/.test(document.querySelector('{SCOPE} .ffo-notes').innerText)",
               timeout=10_000)
    notes = page.inner_text(f"{SCOPE} .ffo-notes")
    assert "fetches only IRSA's URLs" in notes and "https://example.org/far/away.fits" in notes
    assert "Not shown: ImagePlotCntlr.plotMask: not drawn by the offline stand-in" in notes
    assert still_same_page(page) and errors == [] and browser.outside == []


def test_loader_contract_as_the_jupyterlab_extension_uses_it(stand_in, viewer):
    """What firefly-api-access and jupyter_firefly_extensions 4.5.1 do with firefly_loader.js, step by step."""
    fc_unused, _, browser, _ = viewer
    page = browser.context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{stand_in.firefly}/_offline/static/viewer.css")  # any page of the stand-in's origin
    page.set_content("<div id='firefly-viewer-tab-id'><div>Firefly Loading...</div></div>")
    page.evaluate("""base => new Promise((resolve, reject) => {
        window.firefly = {...window.firefly, wsch: 'lab-contract'};
        window.started = [];
        window.onFireflyLoaded = ff => {
            if (!ff.initialized) reject(new Error('not initialized'));
            ff.util.addActionListener(['StartLabWindow'], action => {
                window.started.push(action.type);
                ff.action.dispatchApiToolsView(true);
                window.app = ff.util.startAsAppFromApi('firefly-viewer-tab-id', {template: 'FireflyViewer'});
            });
            resolve();
        };
        const script = document.createElement('script');
        script.src = `${base}/firefly_loader.js`;
        script.onerror = reject;
        document.head.appendChild(script);
    })""", stand_in.firefly)
    page.wait_for_timeout(300)  # its first long poll is waiting now
    lab = FireflyClient(stand_in.firefly, "lab-contract")
    lab.render_tree_id = FireflyClient.TAB_ID
    lab.show_lab_tab()  # what make_lab_client() sends first
    lab.show_fits_image(file_input=ATLAS.format(band="h"), plot_id="c", Title="contract")
    wait_for_plot(page, "#firefly-viewer-tab-id", "contract")
    assert page.evaluate("window.started") == ["StartLabWindow"]
    assert "Firefly Loading..." not in page.inner_text("#firefly-viewer-tab-id")
    page.evaluate("window.app.unrender()")
    assert page.inner_text("#firefly-viewer-tab-id") == ""
    with page.expect_popup() as popup:  # StartBrowserTab: firefly.getViewer(channel).openViewer()
        page.evaluate("window.firefly.setViewerConfig(window.firefly.ViewerType.Grid); "
                      "window.firefly.getViewer('lab-contract').openViewer()")
    assert popup.value.url == f"{stand_in.firefly}/?__wsch=lab-contract__viewer"
    assert errors == [] and browser.outside == []


def test_text_regions_point_sizes_and_strings_not_drawn_as_the_page_shows_them(viewer, stand_in):
    fc, page, browser, errors = viewer
    fc.show_fits_image(file_input=ATLAS.format(band="k"), plot_id="marks", Title="marks")
    shown = wait_for_plot(page, SCOPE, "marks")
    _, wcs = fits_via_stand_in(stand_in.base, ATLAS.format(band="k"))
    (ra, dec), (pra, pdec) = (wcs.pixel_to_world_values(x, y) for x, y in [(200.0, 400.0), (300.0, 700.0)])
    fc.overlay_region_layer(region_data=[  # overlaying-regions' and demo-region's forms
        "icrs", f'text {ra}d {dec}d {{M51}} # color=red font="helvetica 16 bold normal" textangle=30',
        f"point {pra}d {pdec}d # point=diamond 25 text={{NGC 5195}} color=cyan",
        "icrs;circle 10p 20p 3"], region_layer_id="marks", plot_id="marks")
    waited_for(page, SCOPE, "the string not drawn listed", page.wait_for_function,
               f"() => /circle 10p 20p 3/.test(document.querySelector('{SCOPE} .ffo-notes').innerText)", timeout=10_000)
    notes = page.inner_text(f"{SCOPE} .ffo-notes")
    assert "marks: “icrs;circle 10p 20p 3” not drawn: the position 10p is in pixels on a sky line" in notes
    shown = wait_for_plot(page, SCOPE, "marks")  # where the image is now that the notes took a line more
    text = page.locator(f"{SCOPE} g[data-layer='marks'] text.ffo-text")
    angle = float(text.get_attribute("transform").split("(")[1].split()[0])
    assert text.text_content() == "M51" and angle == pytest.approx(-30, abs=0.1)  # the WCS turns it a little
    box = text.bounding_box()
    sx, sy = pixel_to_screen(shown, 200.0, 400.0)
    assert abs(box["x"] + box["width"] / 2 - sx) < 2 and abs(box["y"] + box["height"] / 2 - sy) < 2
    point = page.locator(f"{SCOPE} g[data-layer='marks'] path.ffo-point[data-marker='diamond']")
    width = "n => n.getBoundingClientRect().width"  # the shape's; Playwright's bounding_box adds the stroke's
    assert point.evaluate(width) == pytest.approx(25, abs=0.5)  # screen pixels, at the fitted zoom
    fc.set_zoom("marks", 2)
    waited_for(page, SCOPE, "zoom 2.0×", page.wait_for_function,
               f"() => /zoom 2\\.0×/.test(document.querySelector('{SCOPE} .ffo-zoom').textContent)", timeout=10_000)
    assert point.evaluate(width) == pytest.approx(25, abs=0.5)  # and at zoom 2
    assert errors == [] and browser.outside == []


def test_a_preview_is_said_and_reinit_viewer_clears_the_page(viewer):
    fc, page, browser, errors = viewer
    fc.show_data(ATLAS.format(band="j"), preview_metadata=True, title="J preview")
    wait_for_plot(page, SCOPE, "J preview")
    assert "show_data(preview_metadata=True) asked Firefly to show a preview of J preview's contents" in (
        page.inner_text(f"{SCOPE} .ffo-notes"))
    fc.reinit_viewer()
    waited_for(page, SCOPE, "an empty viewer", page.wait_for_function,
               f"() => /^No image yet/.test(document.querySelector('{SCOPE} .ffo-title').textContent)",
               timeout=10_000)
    assert page.locator(f"{SCOPE} .ffo-tab").count() == 0 and page.locator(f"{SCOPE} .ffo-stage").is_hidden()
    assert page.locator(f"{SCOPE} .ffo-region").count() == 0
    assert page.inner_text(f"{SCOPE} .ffo-notes") == "app_data.reinitApp: reinit_viewer: the viewer was cleared"
    # the page's icon is inline and loads: a browser that shows icons asks for no /favicon.ico
    assert page.evaluate("""async () => {
        const image = new Image();
        image.src = document.querySelector('link[rel=icon]').href;
        await image.decode();
        return image.src.startsWith('data:image/svg+xml,') && image.naturalWidth > 0;
    }""")
    assert still_same_page(page) and errors == [] and browser.outside == []
