"""The Firefly stand-in's viewer without a browser: range values, rendering against astropy, replay, bounds."""

from __future__ import annotations

import gzip
import io
import json
import math
import re
import threading
import time

import numpy as np
import pytest
import requests
from astropy.io import fits
from astropy.visualization import (
    AsymmetricPercentileInterval,
    HistEqStretch,
    ImageNormalize,
    LinearStretch,
    LogStretch,
    ManualInterval,
    SqrtStretch,
    SquaredStretch,
    ZScaleInterval,
)
from astropy.wcs import WCS
from firefly_client import FireflyClient
from firefly_client.range_values import RangeValues as ClientRV

from offline_irsa.services.firefly import picture, protocol, render, state
from offline_irsa.services.firefly.ranges import DEFAULT, RangeValues, RangeValuesError, default_asinh_q
from offline_irsa.surveys.twomass.regions import find_tiles

from .conftest import TARGET

_TILE = find_tiles(*TARGET, 0, 0, "CENTER")[0]
IMAGE = "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/" + _TILE.path("h").replace("/hi", "/{band}i")
RNG = np.random.default_rng(3)
# Sky-like pixels: a noisy background, a few bright stars, a NaN.
PIXELS = (300 + 20 * RNG.standard_normal((64, 48))).astype(np.float32)
PIXELS[10, 10], PIXELS[40, 30], PIXELS[5, 40] = 9000, 3000, np.nan
HALF_GREY_LEVEL = 0.5 / 255  # closer than this, the same 8-bit grey is drawn


# --- range values ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("algorithm", "stype", "extra"), [
    ("linear", "percent", {}), ("log", "zscale", {}), ("loglog", "minmax", {}), ("equal", "sigma",
     {"lower_value": -2, "upper_value": 10}), ("sqrt", "absolute", {"lower_value": 250, "upper_value": 400}),
    ("asinh", "percent", {"asinh_q_value": 6.0}), ("powerlaw_gamma", "zscale", {"gamma_value": 3.0}),
    ("squared", "percent", {"lower_value": 5, "upper_value": 95}),
])
def test_range_values_read_what_firefly_client_writes(algorithm, stype, extra):
    text = ClientRV.create_rv_by_stretch_type(algorithm, stype, **extra)
    rv, theirs = RangeValues.parse(text), ClientRV.parse_rvstring(text)
    assert (rv.lower_which, rv.upper_which) == tuple(ClientRV.STRETCH_TYPE_DICT[theirs[k]]
                                                     for k in ("lower_type", "upper_type"))
    assert rv.algorithm == ClientRV.STRETCH_ALGORITHM_DICT[theirs["algorithm"]]
    assert (rv.lower_value, rv.upper_value, rv.gamma) == (theirs["lower_value"], theirs["upper_value"],
                                                           theirs["gamma_value"])
    assert (rv.zscale_contrast, rv.zscale_samples) == (theirs["zscale_contrast"], theirs["zscale_samples"])
    assert math.isnan(rv.asinh_q) if math.isnan(theirs["asinh_q_value"]) else rv.asinh_q == theirs["asinh_q_value"]


def test_range_values_describe_and_firefly_default():
    assert RangeValues.parse(ClientRV.create_rv_by_stretch_type("log", "zscale")).describe() == "log, zscale"
    assert RangeValues.parse(ClientRV.create_rv_standard("sqrt", "sigma", -2, 10)).describe() == "sqrt, -2σ–10σ"
    assert RangeValues.parse(ClientRV.create_rv_by_stretch_type("asinh", "percent", asinh_q_value=6)
                             ).describe() == "asinh Q=6, 1%–99%"
    assert DEFAULT.describe() == "linear, 1%–99%"  # Firefly's RangeValues(): percent 1 to 99, linear
    # the 10-field form older clients send
    assert RangeValues.parse("91,1,91,1,NaN,2,45,25,600,120").describe() == "log, zscale"


@pytest.mark.parametrize("text", ["", "88,1,88,99", "88,1,88,99,NaN,2,44,25,600,120,0,NaN,1,7",
                                  "88,1,88,99,NaN,2,99,25,600,120", "77,1,88,99,NaN,2,44,25,600,120",
                                  "88,one,88,99,NaN,2,44,25,600,120"])
def test_bad_range_values_are_refused_with_the_reason(text):
    with pytest.raises(RangeValuesError, match="range values|unknown"):
        RangeValues.parse(text)


# --- rendering against astropy's own stretch of the same pixels -----------------------------------------------

def astropy_unit(interval, stretch) -> np.ndarray:
    finite = PIXELS[np.isfinite(PIXELS)]
    return np.asarray(ImageNormalize(finite, interval=interval, stretch=stretch, clip=True)(PIXELS).filled(np.nan))


def firefly_formula(rv_text: str, formula) -> np.ndarray:
    """Firefly's own mapping (ImageStretch.java) of the normalised pixel, for the algorithms astropy has no name for."""
    low, high = np.nanpercentile(PIXELS, [1, 99])
    return np.clip(formula((PIXELS - low) / (high - low)), 0, 1)


def sigma_bounds(lower, upper):
    p16, p50, p84 = np.nanpercentile(PIXELS, [16, 50, 84])
    return p50 + lower * (p84 - p16) / 2, p50 + upper * (p84 - p16) / 2


@pytest.mark.parametrize(("rv", "expected"), [
    (DEFAULT, lambda: astropy_unit(AsymmetricPercentileInterval(1, 99), LinearStretch())),
    (ClientRV.create_rv_by_stretch_type("log", "percent"),
     lambda: astropy_unit(AsymmetricPercentileInterval(1, 99), LogStretch(a=9))),
    (ClientRV.create_rv_by_stretch_type("sqrt", "zscale"),
     lambda: astropy_unit(ZScaleInterval(n_samples=600, contrast=0.25), SqrtStretch())),
    (ClientRV.create_rv_standard("squared", "absolute", 250, 400),
     lambda: astropy_unit(ManualInterval(250, 400), SquaredStretch())),
    (ClientRV.create_rv_standard("linear", "sigma", -2, 10),
     lambda: astropy_unit(ManualInterval(*sigma_bounds(-2, 10)), LinearStretch())),
    (ClientRV.create_rv_by_stretch_type("equal", "minmax"),
     lambda: astropy_unit(ManualInterval(np.nanmin(PIXELS), np.nanmax(PIXELS)),
                          HistEqStretch(PIXELS[np.isfinite(PIXELS)]))),
])
def test_renderer_matches_astropy_stretch_of_the_same_pixels(rv, expected):
    rv = rv if isinstance(rv, RangeValues) else RangeValues.parse(rv)
    ours, theirs = render.unit_values(PIXELS, rv), expected()
    assert np.array_equal(np.isnan(ours), np.isnan(PIXELS))
    assert np.nanmax(np.abs(ours - theirs)) < HALF_GREY_LEVEL


@pytest.mark.parametrize(("text", "formula"), [
    (ClientRV.create_rv_by_stretch_type("loglog", "percent"),
     lambda x: np.log10(1 + 9 * np.log10(1 + 9 * np.clip(x, 0, 1)))),
    (ClientRV.create_rv_by_stretch_type("powerlaw_gamma", "percent", gamma_value=3.0),
     lambda x: np.clip(x, 0, 1) ** (1 / 3)),
    (ClientRV.create_rv_by_stretch_type("asinh", "percent", asinh_q_value=6.0),  # no clip above the top: Firefly's
     lambda x: 0.1 * np.arcsinh(6 * np.maximum(x, 0)) / np.arcsinh(0.6)),
])
def test_renderer_follows_fireflys_formulas(text, formula):
    ours = render.unit_values(PIXELS, RangeValues.parse(text))
    assert np.nanmax(np.abs(ours - firefly_formula(text, formula))) < HALF_GREY_LEVEL


def test_default_asinh_q_makes_the_brightest_pixel_white():
    low, high = np.nanpercentile(PIXELS, [1, 99])
    q = default_asinh_q(low, high, float(np.nanmax(PIXELS)))
    brightest = 0.1 * math.asinh(q * (np.nanmax(PIXELS) - low) / (high - low)) / math.asinh(0.1 * q)
    assert 0.1 <= q <= 12 and brightest == pytest.approx(1, abs=0.05)


def test_grey_picture_is_north_up_with_transparent_blanks():
    rgba = render.gray_rgba(PIXELS, DEFAULT)
    assert rgba.shape == (64, 48, 4) and rgba.dtype == np.uint8
    assert rgba[64 - 1 - 10, 10, 0] == 255 and rgba[64 - 1 - 5, 40, 3] == 0  # FITS row 1 is drawn at the bottom
    colour = render.color_rgba([(PIXELS, DEFAULT), (None, DEFAULT), (PIXELS * 0 + 300, DEFAULT)], PIXELS.shape)
    assert colour[64 - 1 - 10, 10, 0] == 255 and colour[..., 1].max() == 0


def test_fits_files_gzipped_or_cubes_are_read_and_other_bytes_refused():
    buffer = io.BytesIO()
    fits.PrimaryHDU(np.stack([PIXELS, PIXELS * 2])).writeto(buffer)
    image = render.read_fits(gzip.compress(buffer.getvalue()), "cube.fits.gz")
    assert image.shape == (64, 48) and image.wcs is None and np.array_equal(image.data, PIXELS, equal_nan=True)
    with pytest.raises(render.CannotShow, match="not a FITS image"):
        render.read_fits(b"<html>an error page</html>", "page.html")


# --- replaying actions ----------------------------------------------------------------------------------------

class Images:
    """A loader of made-up images by URL, with a WCS like 2MASS's."""

    def __init__(self) -> None:
        header = fits.Header({"CTYPE1": "RA---SIN", "CTYPE2": "DEC--SIN", "CRPIX1": 24.5, "CRPIX2": 32.5,
                              "CRVAL1": 10.0, "CRVAL2": 40.0, "CDELT1": -1 / 3600, "CDELT2": 1 / 3600, "FILTER": "h"})
        self.image = render.FitsImage("made up", PIXELS, header, WCS(header))

    def __call__(self, request):
        if "missing" in str(request.get("url")):
            raise render.CannotShow("HTTP 404")
        return self.image


def action(kind, **payload):
    return {"type": kind, "payload": payload}


def test_replay_applies_stretch_zoom_pan_and_regions_and_lists_the_rest():
    actions = [
        action("StartLabWindow"),
        action(state.PLOT, wpRequest={"url": "https://x/a.fits", "plotId": "a", "Title": "A"}),
        action("ImagePlotCntlr.StretchChange", plotId="a", stretchData=[
            {"band": "NO_BAND", "rv": ClientRV.create_rv_by_stretch_type("log", "zscale"), "bandVisible": True}]),
        action("ImagePlotCntlr.ZoomImage", plotId="a", userZoomType="LEVEL", level=3, actionScope="SINGLE"),
        action("ImagePlotCntlr.recenter", plotId="a", centerPt="10;40;J2000"),
        action("DrawLayerCntlr.RegionPlot.createLayer", drawLayerId="L", regionAry=["icrs", 'circle 10d 40d 5"']),
        action("DrawLayerCntlr.RegionPlot.addRegion", drawLayerId="L", regionChanges="image;point 3 4"),
        action("DrawLayerCntlr.RegionPlot.removeRegion", drawLayerId="L", regionChanges="image;point 3 4"),
        action("ImagePlotCntlr.ZoomImage", plotId="nope", level=1),
        action("ImagePlotCntlr.plotMask", plotId="a"),
    ]
    viewed = state.replay(actions, Images())
    plot = viewed.plots["a"]
    summary = state.plot_summary(viewed, plot)
    assert (summary["title"], summary["stretch"], summary["zoom"]) == ("A", "log, zscale", 3.0)
    assert summary["center"] == pytest.approx([24.0, 32.0], abs=1e-6)  # CRPIX (1-based) is 24.5, 32.5
    [layer] = summary["layers"]
    assert [s["shape"] for s in layer["shapes"]] == ["circle"] and layer["shapes"][0]["r"] == pytest.approx(5, 1e-3)
    assert [(n["type"], n["reason"][:14]) for n in viewed.not_shown] == [
        ("ImagePlotCntlr.ZoomImage", "could not be a"), ("ImagePlotCntlr.plotMask", "not drawn by t")]


def test_three_colour_with_a_failing_band_says_which():
    requests3 = [{"url": "https://x/j.fits", "Title": "JHK"}, {"url": "https://x/missing.fits"}, None]
    viewed = state.replay([action(state.PLOT, wpRequest=requests3, threeColor=True)], Images())
    summary = state.plot_summary(viewed, viewed.plots[viewed.active])
    assert summary["threeColor"] and summary["title"] == "JHK"
    assert summary["errors"] == ["green: HTTP 404"] and list(summary["bands"]) == ["RED", "GREEN"]


def test_picture_and_its_alt_text_say_what_is_shown():
    actions = [action(state.PLOT, wpRequest={"url": "https://x/a.fits", "plotId": "a", "Title": "2MASS H: a"}),
               action("DrawLayerCntlr.RegionPlot.createLayer", drawLayerId="L",
                      regionAry=["icrs", 'circle 10d 40d 5"'])]
    shown = picture.draw(actions, Images())
    assert shown.alt == ("Firefly view of 2MASS H: a: H band, 48 × 64 pixels, linear, 1%–99% (Firefly's default) "
                         "stretch, fitted to the view, with 1 region drawn on it.")
    import matplotlib.image

    pixels = matplotlib.image.imread(io.BytesIO(shown.png))
    assert pixels.shape[:2] == (picture.VIEW[1], picture.VIEW[0]) and float(np.std(pixels[..., :3])) > 0.05
    assert picture.draw([action("ImagePlotCntlr.plotMask")], Images()) is None


# --- the record and uploads stay bounded ----------------------------------------------------------------------

def test_record_keeps_the_newest_actions_per_channel_and_says_how_many_it_dropped():
    recorder = protocol.FireflyRecorder(max_per_channel=3, max_channels=2)
    for i in range(5):
        recorder.add(protocol.Received("action", "c", f"T{i}"))
    assert [a.type for a in recorder.actions("c")] == ["T2", "T3", "T4"] and recorder.dropped("c") == 2
    recorder.add(protocol.Received("action", "d", "X"))
    recorder.add(protocol.Received("action", "e", "Y"))
    assert recorder.actions("c") == [] and {a.channel for a in recorder.actions()} == {"d", "e"}


def test_record_over_http_leads_with_a_notice_of_what_was_dropped(server, monkeypatch):
    server.received.clear()
    monkeypatch.setattr(server.received, "max_per_channel", 2)
    for i in range(4):
        requests.post(f"{server.firefly}/CmdSrv/sync", timeout=10,
                      data={"cmd": "pushAction", "channelID": "bounded", "action": json.dumps({"type": f"T{i}"})})
    reply = requests.get(server.firefly_record, params={"channel": "bounded"}, timeout=10)
    body = reply.json()
    assert reply.headers["X-Offline-IRSA-Dropped"] == "2" and [a["type"] for a in body[1:]] == ["T2", "T3"]
    assert body[0]["type"] == protocol.DROPPED and "2 older actions" in body[0]["payload"]["message"]
    server.received.clear()


def test_an_upload_over_the_limit_is_refused_naming_it(server, monkeypatch):
    monkeypatch.setattr(protocol, "MAX_UPLOAD_BYTES", 1000)
    reply = requests.post(f"{server.firefly}/sticky/CmdSrv", params={"cmd": "upload"}, timeout=10,
                          files={"file": ("big.fits", b"x" * 2000)})
    assert reply.status_code == 413 and "limit of 1000 bytes per file" in reply.text
    assert "MAX_UPLOAD_BYTES" in reply.text and server.received.actions(type="upload") == []


def test_uploads_keep_the_newest_within_their_budget():
    store = protocol.UploadStore(max_bytes=100)
    names = [store.put(f"f{i}.fits", b"x" * 40) for i in range(3)]
    assert store.get(names[2]) == b"x" * 40
    with pytest.raises(KeyError, match="dropped: the stand-in keeps the newest 100 bytes"):
        store.get(names[0])


# --- following a channel --------------------------------------------------------------------------------------

def test_long_poll_returns_a_new_action_and_the_page_counts_as_connected(server):
    fc = FireflyClient(server.firefly, "poll-chan")
    start = requests.get(f"{server.firefly}/_offline/events", params={"channel": "poll-chan"}, timeout=10).json()
    got = {}

    def poll():
        got["reply"] = requests.get(f"{server.firefly}/_offline/events", timeout=30,
                                    params={"channel": "poll-chan", "after": start["seq"]}).json()

    waiting = threading.Thread(target=poll)
    waiting.start()
    time.sleep(0.3)  # the poll is waiting in the stand-in now
    assert fc._is_page_connected() is True
    sent = time.monotonic()
    fc.show_fits_image(file_input=IMAGE.format(band="h"), plot_id="p")
    waiting.join(timeout=10)
    assert time.monotonic() - sent < 2 and [a["type"] for a in got["reply"]["actions"]] == [state.PLOT]
    assert FireflyClient(server.firefly, "nobody-listens")._is_page_connected() is False


def test_render_and_readout_over_http_agree_with_the_fits_file(server):
    fc = FireflyClient(server.firefly, "render-chan")
    fc.show_fits_image(file_input=IMAGE.format(band="k"), plot_id="k", Title="K")
    png = requests.get(f"{server.firefly}/_offline/render.png", params={"channel": "render-chan", "plot": "k"},
                       timeout=30)
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    raw = gzip.decompress(requests.get(IMAGE.format(band="k").replace("https://irsa.ipac.caltech.edu", server.base),
                                       timeout=30).content)
    with fits.open(io.BytesIO(raw)) as hdus:
        data, wcs = hdus[0].data, WCS(hdus[0].header)
    reading = requests.get(f"{server.firefly}/_offline/readout", timeout=10,
                           params={"channel": "render-chan", "plot": "k", "u": 100.5, "v": 1024 - 300 - 0.5}).json()
    ra, dec = wcs.pixel_to_world_values(100, 300)
    assert (reading["x"], reading["y"]) == (101, 301) and reading["values"] == [pytest.approx(float(data[300, 100]))]
    assert reading["ra"] == pytest.approx(float(ra), abs=1e-9) and reading["dec"] == pytest.approx(float(dec), abs=1e-9)


def test_a_local_file_is_uploaded_and_drawn(server, tmp_path):
    path = tmp_path / "local.fits"
    fits.PrimaryHDU(np.nan_to_num(PIXELS)).writeto(path)
    fc = FireflyClient(server.firefly, "local-chan")
    fc.show_fits_image(file_input=str(path), plot_id="local")
    shown = requests.get(f"{server.firefly}/_offline/state", params={"channel": "local-chan"}, timeout=30).json()
    [plot] = shown["plots"]
    assert (plot["title"], plot["width"], plot["height"], plot["errors"]) == ("local.fits", 48, 64, [])
    assert plot["bands"]["NO_BAND"].startswith("${upload-dir}/") and shown["notShown"] == []


# --- drawn as sent, or listed (firefly_client's own calls, as its example notebooks make them) -----------------

def viewer_state(server, channel: str) -> dict:
    """What the viewer page is given to draw for the channel."""
    return requests.get(f"{server.firefly}/_offline/state", params={"channel": channel}, timeout=60).json()


def plotted(server, channel: str, plot_id: str = "p", **params) -> tuple[FireflyClient, WCS]:
    """A client on a fresh channel with the 2MASS H image plotted as ``plot_id``, and that image's WCS."""
    server.received.clear()
    fc = FireflyClient(server.firefly, channel)
    fc.show_fits_image(file_input=IMAGE.format(band="h"), plot_id=plot_id, **params)
    raw = gzip.decompress(requests.get(IMAGE.format(band="h").replace("https://irsa.ipac.caltech.edu", server.base),
                                       timeout=30).content)
    return fc, WCS(fits.getheader(io.BytesIO(raw)))


def layer_of(shown: dict, layer_id: str, plot_id: str = "p") -> dict:
    plot = next(p for p in shown["plots"] if p["plotId"] == plot_id)
    return next(layer for layer in plot["layers"] if layer["id"] == layer_id)


def test_a_text_region_shows_its_text_where_the_wcs_puts_it(server):
    fc, wcs = plotted(server, "text-chan")
    ra, dec = wcs.pixel_to_world_values(200.0, 400.0)
    fc.overlay_region_layer(region_data=["icrs", f"circle {ra}d {dec}d 6' # color=red",
                                         f"text {ra}d {dec}d {{M51}} # color=red"],
                            title="WISE Annotations", region_layer_id="notes", plot_id="p")
    layer = layer_of(viewer_state(server, "text-chan"), "notes")
    circle, text = layer["shapes"]
    assert (text["shape"], text["text"], text["color"]) == ("text", "M51", "red") and layer["problems"] == []
    # ICRS on the image's FK5 WCS: about 0.02 arcsec, and the pixels are an arcsecond
    assert (text["cx"], text["cy"]) == pytest.approx((200.5, 1024 - 400 - 0.5), abs=0.05)


def test_firefly_sizes_in_pixels_are_drawn_and_every_string_not_drawn_is_listed_with_the_reason(server):
    fc, wcs = plotted(server, "sizes-chan")
    ra, dec = wcs.pixel_to_world_values(300.0, 500.0)
    drawn = [f"icrs;circle {ra}d {dec}d 30i # color=orange text={{region 5/7}}",  # demo-basic's form
             "circle  80.484469p 77.231180p 3.002392 # color=#B8E986"]  # demo-region's: no frame, physical
    refused = ["image;vector 1 2 3 4", "icrs;circle 10p 20p 3", "bogus;circle 1 2 3"]
    fc.add_region_data(region_data=drawn + refused, region_layer_id="sizes", plot_id="p")
    layer = layer_of(viewer_state(server, "sizes-chan"), "sizes")
    sky, physical = layer["shapes"]
    assert (sky["cx"], sky["cy"], sky["label"]) == (pytest.approx(300.5, abs=0.05), pytest.approx(523.5, abs=0.05),
                                                    "region 5/7")
    assert sky["r"] == pytest.approx(30, rel=1e-3)  # 30 image pixels
    assert (physical["cx"], physical["cy"], physical["r"]) == pytest.approx((79.984469, 1024 - 77.23118 + 0.5,
                                                                           3.002392))
    assert len(layer["problems"]) == 3
    for line, problem, reason in zip(refused, layer["problems"], ["not supported by the regions package",
                                                                  "in pixels on a sky line", "'bogus'"], strict=True):
        assert problem.startswith(f"“{line}” not drawn: ") and reason in problem


def test_point_size_text_angle_and_font_are_drawn_and_other_properties_named(server):
    fc, wcs = plotted(server, "style-chan")
    ra, dec = wcs.pixel_to_world_values(250.0, 600.0)
    fc.overlay_region_layer(region_data=[
        'image;text 100 150 # color=pink text={text angle is 30 deg } edit=0 highlite=0  font="Times 16 bold normal" '
        'textangle=30',  # demo-region's, as sent
        f"icrs;point {ra}d {dec}d # point=diamond 25 text={{NGC 5195}} color=cyan",  # overlaying-regions' form
        "image;circle 50 50 5 # width=3 dash=1 edit=1 tag={group a} text={label} textangle=40"],
        region_layer_id="styled", plot_id="p")
    layer = layer_of(viewer_state(server, "style-chan"), "styled")
    text, point, circle = layer["shapes"]
    assert (text["text"], text["angle"], text["font"]) == ("text angle is 30 deg ", 30, {
        "name": "Times", "size": 16, "weight": "bold", "style": "normal"})
    assert (point["marker"], point["size"], point["label"]) == ("diamond", 25, "NGC 5195")
    assert (circle["width"], circle["dash"]) == (3, True)
    [named] = layer["problems"]  # edit=0 and highlite=0 hold anyway: this viewer edits nothing
    assert named.startswith("“image;circle 50 50 5") and named.endswith(
        "drawn without edit=1, tag=['group a'], textangle (regions reads it for text regions only)")


def test_reinit_viewer_clears_the_plots_layers_and_lists_before_it(server):
    fc, _ = plotted(server, "reinit-chan")
    fc.overlay_region_layer(region_data="image;circle 10 10 5", region_layer_id="old")
    fc.add_mask(bit_number=1, image_number=0, plot_id="p")  # listed as not shown, before the reinit
    fc.reinit_viewer()  # as getting-started and reference-guide do first
    cleared = viewer_state(server, "reinit-chan")
    assert (cleared["plots"], cleared["active"], cleared["notShown"]) == ([], None, [])
    assert cleared["notes"] == [{"type": "app_data.reinitApp", "note": "reinit_viewer: the viewer was cleared"}]
    fc.show_fits_image(file_input=IMAGE.format(band="k"), plot_id="after")
    shown = viewer_state(server, "reinit-chan")
    assert [p["plotId"] for p in shown["plots"]] == ["after"] and shown["plots"][0]["layers"] == []


def test_delete_region_layer_with_a_plot_id_deletes_it_from_that_plot_only(server):
    fc, _ = plotted(server, "delete-chan")
    fc.show_fits_image(file_input=IMAGE.format(band="k"), plot_id="q")
    fc.overlay_region_layer(region_data="image;circle 10 10 5", region_layer_id="both")  # no plot_id: every plot
    fc.overlay_region_layer(region_data="image;circle 20 20 5", region_layer_id="named", plot_id=["p", "q"])

    def layers() -> dict:
        shown = viewer_state(server, "delete-chan")
        return {p["plotId"]: [layer["id"] for layer in p["layers"]] for p in shown["plots"]}

    assert layers() == {"p": ["both", "named"], "q": ["both", "named"]}
    fc.delete_region_layer("both", plot_id="q")
    fc.delete_region_layer("named", plot_id="p")
    assert layers() == {"p": ["both"], "q": ["named"]}
    fc.delete_region_layer("both")
    assert layers() == {"p": [], "q": ["named"]}


def test_a_show_data_preview_is_said_to_be_plotted_at_once(server):
    fc, _ = plotted(server, "preview-chan")
    fc.show_data(IMAGE.format(band="j"), preview_metadata=True, title="J preview")
    fc.show_data(IMAGE.format(band="k"), title="K at once")
    shown = viewer_state(server, "preview-chan")
    preview, direct = shown["plots"][1:]
    said = ("show_data(preview_metadata=True) asked Firefly to show a preview of J preview's contents and wait for "
            "its Load button; this viewer has no preview panel, so it plotted the file's first image at once")
    assert (preview["title"], preview["notes"]) == ("J preview", [said])
    assert shown["notes"] == [{"type": "app_data.externalUpload", "note": said}]
    assert (direct["title"], direct["notes"]) == ("K at once", [])


def test_zoom_in_arcsec_per_screen_pixel_is_drawn_and_unused_parameters_are_named(server):
    fc, wcs = plotted(server, "arcsec-chan", ZoomType="ARCSEC_PER_SCREEN_PIX", ZoomArcsecPerScreenPix=0.3,
                      ColorTable=4)  # displaying-images' call, as sent
    fc.show_fits_image(file_input=IMAGE.format(band="k"), plot_id="wide", ZoomType="TO_WIDTH", GroupLocked=True)
    arcsec, wide = viewer_state(server, "arcsec-chan")["plots"]
    pixel_arcsec = float(np.mean(np.abs(wcs.pixel_scale_matrix.diagonal()))) * 3600
    assert arcsec["zoom"] == pytest.approx(pixel_arcsec / 0.3, rel=1e-6) and arcsec["notes"] == [
        "request: ignored ColorTable"]
    assert wide["zoom"] is None and wide["notes"] == [
        "request: ignored GroupLocked",
        "ZoomType TO_WIDTH is not drawn by the offline stand-in: drawn fitted to the view"]


def test_the_viewer_page_has_its_icon_inline_so_no_favicon_is_asked_for(server):
    from urllib.parse import unquote
    from xml.etree import ElementTree

    fc = FireflyClient.make_client(url=server.firefly, channel_override="icon-chan", launch_browser=False)
    html = requests.get(fc.get_firefly_url(), timeout=10).text
    [href] = re.findall(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', html)
    assert href.startswith("data:image/svg+xml,")  # nothing to fetch, so no /favicon.ico 404 in the console
    assert ElementTree.fromstring(unquote(href.split(",", 1)[1])).tag == "{http://www.w3.org/2000/svg}svg"


def test_picture_draws_text_points_and_annuli_and_a_bare_brace_is_listed():
    actions = [action(state.PLOT, wpRequest={"url": "https://x/a.fits", "plotId": "a", "Title": "marks"}),
               action("DrawLayerCntlr.RegionPlot.createLayer", drawLayerId="L", regionAry=[
                   "image;text 20 30 {M51} # textangle=30 font=\"times 14 bold italic\"",
                   "image;point 10 10 # point=boxcircle 15 text={a star}", "image;annulus 24 32 4 8 # dash=1",
                   "image;{just braces}"])]
    viewed = state.replay(actions, Images())
    [layer] = state.plot_summary(viewed, viewed.plots["a"])["layers"]
    assert [s["shape"] for s in layer["shapes"]] == ["text", "point", "annulus"]
    assert layer["problems"] == ["“image;{just braces}” not drawn: no shape in it"]
    shown = picture.draw(actions, Images())
    assert shown.alt.endswith("with 3 regions drawn on it.") and shown.png.startswith(b"\x89PNG")
