"""What a reader of the 2MASS SIA v1 tutorial sees, checked after running it offline.

The notebook runs once, unmodified, in a fresh kernel; a probe run afterwards in the same
kernel saves what it computed. The checks are made here with astropy, independently.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import re
from pathlib import Path

import astropy.units as u
import matplotlib.image
import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness import execute, stderr_errors
from offline_irsa.harness.routing import rewrite

from .browser import image_has_content

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-sia-v1.md"
TARGET = SkyCoord(314.30417, 77.595559, unit="deg")

PROBE = """
import json, astropy.config
import numpy as np
out = {out!r}
np.save(out + "/cutout.npy", cutout.data)
open(out + "/cutout_wcs.txt", "w").write(cutout.wcs.to_header_string())
images.write(out + "/images.ecsv")
h_images.write(out + "/h_images.ecsv")
json.dump({{"image_url": image_url, "channel": fc.channel,
            "cache": astropy.config.get_cache_dir()}}, open(out + "/facts.json", "w"))
"""


def user_cache_files() -> set[str]:
    """Files in the astropy caches a live run would read (both old and new locations)."""
    home = Path(os.environ.get("HOME", "~")).expanduser()
    places = [home / ".astropy" / "cache", home / ".cache" / "astropy"]
    return {str(p) for place in places if place.is_dir() for p in place.rglob("*")}


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("these checks read the offline Firefly record")
    out = tmp_path_factory.mktemp("tutorial")
    before = user_cache_files()
    nb = execute(NOTEBOOK, probe=PROBE.format(out=str(out)))
    facts = json.loads((out / "facts.json").read_text())
    return {
        "nb": nb, "out": out, "facts": facts, "harness": notebook_harness,
        "images": Table.read(out / "images.ecsv"), "h_images": Table.read(out / "h_images.ecsv"),
        "cache_before": before, "cache_after": user_cache_files(),
    }


def outputs_of(nb, source_fragment: str) -> list[dict]:
    cells = [c for c in nb.cells if c.cell_type == "code" and source_fragment in c.source]
    assert len(cells) == 1, source_fragment
    return cells[0].outputs


def fetch_image(harness, url: str) -> fits.PrimaryHDU:
    response = requests.get(rewrite(url, harness.server.base), timeout=60)
    response.raise_for_status()
    return fits.open(io.BytesIO(gzip.decompress(response.content)))[0]


def test_search_finds_h_band_images_that_contain_the_whole_box(run):
    images, h_images = run["images"], run["h_images"]
    assert len(images) >= 3 and set(images["sia_bp_id"]) == {"J", "H", "K"}
    assert len(h_images) == int(np.sum(images["sia_bp_id"] == "H")) >= 1
    assert set(h_images["sia_bp_id"]) == {"H"} and all("H-Band" in t for t in h_images["sia_title"])
    for url in h_images["sia_url"]:
        hdu = fetch_image(run["harness"], url)
        wcs = WCS(hdu.header)
        assert hdu.header["FILTER"] == "h"
        ny, nx = hdu.data.shape
        # INTERSECT=COVERS: the target and the whole 1' box around it are on the image
        for dra, ddec in [(0, 0), (-30, -30), (30, -30), (30, 30), (-30, 30)]:
            corner = TARGET.spherical_offsets_by(dra * u.arcsec, ddec * u.arcsec)
            x, y = wcs.world_to_pixel(corner)
            assert -0.5 <= x <= nx - 0.5 and -0.5 <= y <= ny - 0.5


def test_header_shown_belongs_to_the_chosen_h_band_image(run):
    url = run["facts"]["image_url"]
    assert url == run["h_images"]["sia_url"][0]
    assert re.match(r"https://irsa\.ipac\.caltech\.edu/ibe/data/twomass/allsky/allsky/\d{6}n/s\d{3}/image/hi", url)
    shown = "".join(o.get("text", "") for o in outputs_of(run["nb"], "hdulist = open_fits("))
    header = fetch_image(run["harness"], url).header
    assert f"Image: {url}" in shown
    for key in ("FILTER", "ORDATE", "SCANNO", "MAGZP"):
        assert re.search(rf"^{key}\s+=\s+{re.escape(repr(header[key]))}\s+/", shown, re.M), key
    assert header["FILTER"] == "h"


def test_firefly_was_asked_to_show_that_image(run):
    received = run["harness"].server.received
    channel = run["facts"]["channel"]
    assert channel == run["harness"].channel  # the lab client, as JupyterLab's extension would give
    types = [a.type for a in received.actions(channel)]
    assert "StartLabWindow" in types
    assert run["facts"]["image_url"] in received.shown_image_urls(channel)
    said = "".join(o.get("text", "") for o in outputs_of(run["nb"], "make_lab_client"))
    assert "JupyterLab tab" in said


def test_cutout_is_60_pixels_square_with_the_star_at_its_centre(run):
    data = np.load(run["out"] / "cutout.npy")
    assert data.shape == (60, 60)
    bright = data > (np.median(data) + data.max()) / 2
    ys, xs = np.nonzero(bright)
    weights = data[bright] - np.median(data)
    cx, cy = np.average(xs, weights=weights), np.average(ys, weights=weights)
    assert abs(cx - 29.5) < 1.0 and abs(cy - 29.5) < 1.0
    wcs = WCS(fits.Header.fromstring((run["out"] / "cutout_wcs.txt").read_text()))
    x, y = wcs.world_to_pixel(TARGET)
    assert abs(x - 29.5) <= 0.5 and abs(y - 29.5) <= 0.5


def test_the_cutout_figure_is_shown(run):
    pngs = [o["data"]["image/png"] for o in outputs_of(run["nb"], "projection=cutout.wcs") if "data" in o
            and "image/png" in o["data"]]
    assert len(pngs) == 1
    png = base64.b64decode(pngs[0])
    image = matplotlib.image.imread(io.BytesIO(png))
    assert image.shape[0] > 200 and image.shape[1] > 200
    assert image_has_content(png) > 0.05  # not a blank canvas


def test_server_side_cutout_matches(run):
    shown = "".join(o.get("text", "") for o in outputs_of(run["nb"], "cutout_url ="))
    assert re.search(r"Server-side cutout: \d+ kB, shape \(60, 60\)", shown), shown


def test_offline_run_leaves_the_users_cache_alone(run):
    private = run["facts"]["cache"]
    assert private.startswith(os.environ["ASTROPY_CACHE_DIR"].rsplit("/", 1)[0])
    assert run["cache_after"] == run["cache_before"]


# A reader who changes the target to one near an image's long edge: real atlas images have
# four NaN columns on each side, so the cutout holds NaN pixels, and the figure must still work.
EDGE_TARGET = SkyCoord(157.34523, -7.02521, unit="deg")  # 30 px from the first H image's left edge
TARGET_LINE = 'target = SkyCoord(ra=314.30417, dec=77.595559, unit="deg", frame="icrs")'
EDGE_PROBE = """
import json, numpy as np
np.save({out!r} + "/cutout.npy", cutout.data)
grey = np.asarray(norm(cutout.data[np.isfinite(cutout.data)]))  # as the figure shows them, 0 to 1
json.dump({{"vmin": float(norm.vmin), "vmax": float(norm.vmax), "grey": float(np.mean((grey > 0) & (grey < 1)))}},
          open({out!r} + "/norm.json", "w"))
"""


@pytest.fixture(scope="module")
def edge_run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("the edge target is chosen on the offline sky")
    out = tmp_path_factory.mktemp("edge")
    text = NOTEBOOK.read_text()
    assert text.count(TARGET_LINE) == 1
    changed = out / NOTEBOOK.name
    changed.write_text(text.replace(TARGET_LINE, f'target = SkyCoord(ra={EDGE_TARGET.ra.deg}, '
                                                 f'dec={EDGE_TARGET.dec.deg}, unit="deg", frame="icrs")'))
    nb = execute(changed, probe=EDGE_PROBE.format(out=str(out)))
    return {"nb": nb, "cutout": np.load(out / "cutout.npy"), "norm": json.loads((out / "norm.json").read_text())}


def test_a_cutout_on_an_images_nan_edge_still_gives_a_figure(edge_run):
    cutout = edge_run["cutout"]
    assert cutout.shape == (60, 60)
    nan_columns = np.isnan(cutout).all(axis=0)
    assert 1 <= nan_columns.sum() <= 4 and np.isfinite(cutout[:, ~nan_columns]).all()
    # the stretch runs from the sky level to the star, so the sky shows as grey, not one flat shade
    finite = cutout[np.isfinite(cutout)]
    assert np.percentile(finite, 5) < edge_run["norm"]["vmin"] < np.percentile(finite, 95) < edge_run["norm"]["vmax"]
    assert edge_run["norm"]["grey"] > 0.3
    errors = [t for cell in edge_run["nb"].cells for t in stderr_errors(cell.get("outputs", []))]
    assert errors == []
    pngs = [o["data"]["image/png"] for o in outputs_of(edge_run["nb"], "projection=cutout.wcs")
            if "image/png" in o.get("data", {})]
    assert len(pngs) == 1 and image_has_content(base64.b64decode(pngs[0])) > 0.05
