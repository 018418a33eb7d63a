"""What a reader of the J/H/Ks colour-picture tutorial sees, checked after running it offline.

The notebook runs once, unmodified, in a fresh kernel; a probe saves the colour picture and
what it was made from, and runs the notebook's own grid checks on images that do not
match. The checks fetch the same images from the stand-in and judge the picture against
the synthetic sky's own catalogue of field stars and reddened young stars.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from pathlib import Path

import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.visualization import make_lupton_rgb
from astropy.wcs import WCS

from offline_irsa.harness import execute, read_notebook, stderr_errors
from offline_irsa.harness.routing import rewrite
from offline_irsa.sky import nebulae
from offline_irsa.sky.stars import stars_near

from .browser import image_has_content

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-colour-image.md"
TARGET = SkyCoord("05h35m16.46s", "-05d23m22.8s")
SIA = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky"


def cell_with(fragment: str) -> str:
    """The source of the one code cell of the notebook that contains fragment."""
    cells = [c.source for c in read_notebook(NOTEBOOK).cells if c.cell_type == "code" and fragment in c.source]
    assert len(cells) == 1, fragment
    return cells[0]


PROBE = """
import json, numpy as np
out = {out!r}
np.save(out + "/rgb.npy", rgb)
facts = {{"urls": {{band: str(row["sia_url"]) for band, row in by_band.items()}}, "stretch": chosen_stretch,
          "image_set": str(chosen["image_set"][0]), "channel": fc.channel,
          "headers": {{band: hdu.header.tostring() for band, hdu in cutouts.items()}}, "refused": {{}}}}

# The notebook's own grid checks, run again on images that do not share a grid.
bad = chosen.copy()
bad["sia_crval"][0] = "0.0 0.0"
try:
    exec({sia_check!r}, {{**globals(), "chosen": bad}})
except ValueError as err:
    facts["refused"]["sia"] = str(err)
shifted = {{band: hdu.copy() for band, hdu in cutouts.items()}}
shifted["K"].header["CRPIX1"] += 1
try:
    exec({header_check!r}, {{**globals(), "cutouts": shifted}})
except ValueError as err:
    facts["refused"]["headers"] = str(err)
json.dump(facts, open(out + "/facts.json", "w"))
"""


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("these checks compare with the offline sky's own catalogue")
    out = tmp_path_factory.mktemp("colour")
    probe = PROBE.format(out=str(out), sia_check=cell_with("grid_columns = ["),
                         header_check=cell_with(".wcs.compare("))
    nb = execute(NOTEBOOK, probe=probe)
    facts = json.loads((out / "facts.json").read_text())
    return {"nb": nb, "rgb": np.load(out / "rgb.npy"), "facts": facts, "harness": notebook_harness}


def fetch(harness, url: str, **params) -> fits.PrimaryHDU:
    response = requests.get(rewrite(url, harness.server.base), params=params, timeout=60)
    response.raise_for_status()
    return fits.open(io.BytesIO(gzip.decompress(response.content)))[0]


def independent_cutouts(run) -> dict[str, fits.PrimaryHDU]:
    """The 6' cutouts of the chosen images, asked for here (not taken from the notebook)."""
    centre = f"{TARGET.ra.deg},{TARGET.dec.deg}"
    urls = run["facts"]["urls"]
    return {band: fetch(run["harness"], url, center=centre, size="360arcsec") for band, url in urls.items()}


def scaled(hdu: fits.PrimaryHDU) -> np.ndarray:
    return np.nan_to_num(hdu.data - hdu.header["SKYVAL"]) * 10 ** (-0.4 * (hdu.header["MAGZP"] - 20))


def test_the_chosen_images_are_one_jhk_set_nearest_the_target(run):
    answer = requests.get(rewrite(SIA, run["harness"].server.base), timeout=60, params={
        "POS": f"{TARGET.ra.deg},{TARGET.dec.deg}", "SIZE": "0", "RESPONSEFORMAT": "CSV"})
    images = Table.read(answer.text, format="ascii.csv")
    centres = SkyCoord(images["sia_ra"], images["sia_dec"], unit="deg")
    nearest = images[int(np.argmin(TARGET.separation(centres)))]
    chosen = images[(images["ordate"] == nearest["ordate"]) & (images["scanno"] == nearest["scanno"])
                    & (images["coaddno"] == nearest["coaddno"]) & (images["hemisphere"] == nearest["hemisphere"])]
    assert {str(r["sia_bp_id"]): str(r["sia_url"]) for r in chosen} == run["facts"]["urls"]
    whole = {band: fetch(run["harness"], url) for band, url in run["facts"]["urls"].items()}
    assert {band: hdu.header["FILTER"] for band, hdu in whole.items()} == {"J": "j", "H": "h", "K": "k"}
    assert len({hdu.data.shape for hdu in whole.values()}) == 1
    assert len({WCS(hdu.header).to_header_string() for hdu in whole.values()}) == 1


def test_the_picture_is_ks_h_j_as_red_green_blue_on_one_grid(run):
    bands = independent_cutouts(run)
    assert len({hdu.data.shape for hdu in bands.values()}) == 1
    assert len({WCS(hdu.header).to_header_string() for hdu in bands.values()}) == 1
    k, h, j = (scaled(bands[band]) for band in "KHJ")
    stretch = run["facts"]["stretch"]
    assert np.array_equal(run["rgb"], make_lupton_rgb(k, h, j, **stretch))
    assert not np.array_equal(run["rgb"], make_lupton_rgb(j, h, k, **stretch))  # the order matters
    shown = {band: WCS(fits.Header.fromstring(text)) for band, text in run["facts"]["headers"].items()}
    assert all(w.to_header_string() == WCS(bands["H"].header).to_header_string() for w in shown.values())


def test_the_notebook_refuses_images_on_different_grids(run):
    refused = run["facts"]["refused"]
    assert "differ in ['sia_crval']" in refused.get("sia", "") and "reproject" in refused["sia"]
    assert "The K cutout is not on the H cutout's pixel grid" in refused.get("headers", "")


def star_pixels(run, stars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The picture's RGB values at the stars' positions, and which of them fall inside it."""
    wcs = WCS(fits.Header.fromstring(run["facts"]["headers"]["H"]))
    x, y = wcs.world_to_pixel(SkyCoord(stars["ra"], stars["dec"], unit="deg"))
    xi, yi = np.round(x).astype(int), np.round(y).astype(int)
    ny, nx = run["rgb"].shape[:2]
    inside = (xi > 3) & (xi < nx - 4) & (yi > 3) & (yi < ny - 4)
    return run["rgb"][yi[inside], xi[inside]].astype(float), inside


def test_stars_seen_through_dust_look_redder_than_the_field(run):
    young = nebulae.members(nebulae.ORION)
    everything = stars_near(TARGET.ra.deg, TARGET.dec.deg, 0.1)
    field = everything[~np.isin(everything["ra"], young["ra"])]
    redness = {}
    for name, stars in (("young", young), ("field", field)):
        stars = stars[(stars["h"] > 9.5) & (stars["h"] < 14.5)]  # clear of the noise, short of saturation
        rgb, _ = star_pixels(run, stars)
        redness[name] = np.median((rgb[:, 0] - rgb[:, 2]) / (rgb.sum(axis=1) + 1))
        assert len(rgb) >= 4, name
    assert redness["young"] > redness["field"] + 0.1, redness


def test_faint_and_bright_stars_both_show(run):
    rgb = run["rgb"]
    brightness = rgb.astype(float).sum(axis=2)
    everything = stars_near(TARGET.ra.deg, TARGET.dec.deg, 0.1)
    faint, inside = star_pixels(run, everything[(everything["h"] > 14) & (everything["h"] < 15.5)])
    assert inside.sum() >= 10
    background = np.median(brightness)
    assert np.mean(faint.sum(axis=1) > background + 30) > 0.6  # most 14th-15th magnitude stars stand out
    bright, inside = star_pixels(run, everything[everything["h"] < 9])
    assert inside.sum() >= 3 and np.all(bright.max(axis=1) > 200)  # bright stars are bright ...
    assert np.mean(np.all(rgb == 255, axis=2)) < 0.002  # ... without burning into white blobs
    assert 30 < background < 500  # the nebula shows, neither black nor washed out (white is 765)


def test_the_sky_noise_stays_a_grain_not_a_coloured_speckle(run):
    rgb = run["rgb"].astype(float)
    wcs = WCS(fits.Header.fromstring(run["facts"]["headers"]["H"]))
    everything = stars_near(TARGET.ra.deg, TARGET.dec.deg, 0.1)
    x, y = wcs.world_to_pixel(SkyCoord(everything["ra"], everything["dec"], unit="deg"))
    yy, xx = np.mgrid[0:rgb.shape[0], 0:rgb.shape[1]]
    free = np.ones(rgb.shape[:2], bool)
    for xs, ys, h in zip(x, y, everything["h"], strict=True):
        free &= (xx - xs) ** 2 + (yy - ys) ** 2 > (12 if h < 12 else 6) ** 2
    red_minus_blue = rgb[..., 0] - rgb[..., 2]
    steps = (red_minus_blue[:, 1:] - red_minus_blue[:, :-1])[free[:, 1:] & free[:, :-1]]
    assert free.mean() > 0.5
    # Pixel-to-pixel scatter of colour in star-free sky: our judgement is that below 30 of 255 levels the noise
    # reads as grain; a harder stretch (Q=30, stretch=3) gives 38 and reads as coloured speckle.
    assert np.std(steps) / np.sqrt(2) < 30


def test_the_figures_are_shown_in_colour(run):
    pngs = [base64.b64decode(o["data"]["image/png"]) for c in run["nb"].cells if c.cell_type == "code"
            for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pngs) == 2
    import matplotlib.image

    final = matplotlib.image.imread(io.BytesIO(pngs[1]))[..., :3]
    assert final.shape[0] > 500 and image_has_content(pngs[1]) > 0.05
    assert np.mean(np.ptp(final, axis=2)) > 0.03  # colour, not grey
    assert [t for cell in run["nb"].cells for t in stderr_errors(cell.get("outputs", []))] == []


def test_firefly_was_asked_for_the_same_images_as_red_green_blue(run):
    plots = [a for a in run["harness"].server.received.actions(run["facts"]["channel"], "ImagePlotCntlr.PlotImage")
             if a.payload.get("threeColor")]
    assert plots, "no 3-colour plot was sent to Firefly"
    requests_sent = plots[-1].payload["wpRequest"]
    urls = run["facts"]["urls"]
    assert [r["url"] for r in requests_sent] == [urls["K"], urls["H"], urls["J"]]
    assert all(r.get("plotId") == "trapezium_jhk" for r in requests_sent)
