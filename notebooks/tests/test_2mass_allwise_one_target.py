"""What a reader of the one-target tutorial (IRC +10216 from 2MASS to AllWISE) sees, checked offline.

The notebook runs once, unmodified, in a fresh kernel; a probe saves the seven cutouts, the
cutouts resampled onto one grid and the spectral energy distribution. The checks measure the
star's position in the pixels themselves, and ask the stand-in's TAP service for the star's
catalogue rows independently of the notebook.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness import execute, read_notebook, stderr_errors
from offline_irsa.harness.routing import rewrite
from offline_irsa.sky import colours
from offline_irsa.sky.stars import stars_near

from .browser import image_has_content

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-allwise-one-target.md"
TARGET = SkyCoord("09h47m57.41s", "+13d16m43.6s")  # IRC +10216 as SIMBAD gives it
BANDS = ("J", "H", "K", "W1", "W2", "W3", "W4")
# Flux density of a magnitude-0 source (Jy): Cohen, Wheaton & Megeath 2003; Jarrett et al. 2011.
ZERO_POINTS = {"j_m": 1594.0, "h_m": 1024.0, "k_m": 666.7,
               "w1mpro": 309.540, "w2mpro": 171.787, "w3mpro": 31.674, "w4mpro": 8.363}

PROBE = """
import numpy as np
out = {out!r}
for band, hdu in cutouts.items():
    hdu.writeto(out + "/cutout_" + band + ".fits")
    np.save(out + "/grid_" + band + ".npy", on_grid[band])
open(out + "/grid_wcs.txt", "w").write(wcs_k.to_header_string())
sed.write(out + "/sed.ecsv")
"""


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("these checks ask the offline stand-in for the star's catalogue rows")
    out = tmp_path_factory.mktemp("one-target")
    nb = execute(NOTEBOOK, probe=PROBE.format(out=str(out)))
    return {"nb": nb, "out": out, "harness": notebook_harness,
            "cutouts": {band: fits.open(out / f"cutout_{band}.fits")[0] for band in BANDS},
            "grid": {band: np.load(out / f"grid_{band}.npy") for band in BANDS},
            "grid_wcs": WCS(fits.Header.fromstring((out / "grid_wcs.txt").read_text())),
            "sed": Table.read(out / "sed.ecsv")}


def centroid(image: np.ndarray) -> np.ndarray:
    """x, y of the pixels above half the peak: the middle of a saturated flat core too."""
    y, x = np.nonzero(np.nan_to_num(image, nan=-np.inf) > np.nanmax(image) / 2)
    return np.array([x.mean(), y.mean()])


def test_every_cutout_is_centred_on_the_target(run):
    for band, hdu in run["cutouts"].items():
        expected = np.array(WCS(hdu.header).world_to_pixel(TARGET), dtype=float)
        assert np.hypot(*(centroid(hdu.data) - expected)) < 1.5, band  # the star is where the WCS says ...
        middle = (np.array(hdu.data.shape[::-1]) - 1) / 2
        assert np.hypot(*(expected - middle)) < 1.5, band  # ... and that is the cutout's middle
        assert min(hdu.data.shape) >= 80, band  # 2' at 1" (2MASS) or 1.375" (AllWISE)


def test_the_cutouts_come_from_both_surveys_on_different_grids(run):
    scales = {band: WCS(hdu.header).proj_plane_pixel_scales()[0].to_value("arcsec")
              for band, hdu in run["cutouts"].items()}
    assert all(abs(scales[b] - 1.0) < 0.01 for b in ("J", "H", "K"))
    assert all(abs(scales[b] - 1.375) < 0.01 for b in ("W1", "W2", "W3", "W4"))


def test_the_reprojected_cutouts_share_one_grid_and_the_target_sits_on_one_pixel(run):
    shape = run["cutouts"]["K"].data.shape
    assert all(image.shape == shape for image in run["grid"].values())
    expected = np.array(run["grid_wcs"].world_to_pixel(TARGET), dtype=float)
    found = {band: centroid(image) for band, image in run["grid"].items()}
    for band, position in found.items():
        assert np.hypot(*(position - found["K"])) < 1.0, (band, found)
        assert np.hypot(*(position - expected)) < 1.0, (band, found)


def catalogue_row(run, table: str, columns: str) -> dict:
    """The row of table nearest the target within 10", asked of the stand-in's TAP service here."""
    adql = (f"SELECT ra, dec, {columns} FROM {table} WHERE CONTAINS(POINT('ICRS',ra,dec),"
            f"CIRCLE('ICRS',{TARGET.ra.deg},{TARGET.dec.deg},{10 / 3600}))=1")
    url = rewrite("https://irsa.ipac.caltech.edu/TAP/sync", run["harness"].server.base)
    answer = requests.get(url, params={"QUERY": adql, "LANG": "ADQL", "FORMAT": "csv"}, timeout=60)
    answer.raise_for_status()
    rows = Table.read(answer.text, format="ascii.csv")
    assert len(rows) >= 1, table
    return rows[int(np.argmin(TARGET.separation(SkyCoord(rows["ra"], rows["dec"], unit="deg"))))]


def test_the_sed_points_are_the_targets_catalogue_rows(run):
    sed = run["sed"]
    assert list(sed["band"]) == ["J", "H", "Ks", "W1", "W2", "W3", "W4"]
    rows = {"fp_psc": catalogue_row(run, "fp_psc", "j_m, h_m, k_m"),
            "allwise_p3as_psd": catalogue_row(run, "allwise_p3as_psd", "w1mpro, w2mpro, w3mpro, w4mpro")}
    star = stars_near(TARGET.ra.deg, TARGET.dec.deg, 10 / 3600)
    assert len(star) == 1  # IRC +10216 alone: the nearest row is the star's
    for point, column in zip(sed, ZERO_POINTS, strict=True):
        catalogue = "fp_psc" if column.endswith("_m") else "allwise_p3as_psd"
        assert point["catalogue"] == catalogue
        assert point["mag"] == pytest.approx(float(rows[catalogue][column]), abs=1e-6), column
        assert point["flux"] == pytest.approx(ZERO_POINTS[column] * 10 ** (-0.4 * point["mag"]), rel=1e-6)
    wise = [float(colours.magnitudes(star, band)[0]) for band in ("w1", "w2", "w3", "w4")]
    np.testing.assert_allclose(sed["mag"][3:], wise, atol=0.01)  # the sky's own W magnitudes of the star
    assert np.all(np.diff(sed["wavelength"]) > 0)
    assert sed["flux"][-1] > 100 * sed["flux"][0]  # the dusty star brightens from J to W4


def test_the_figures_show_something_and_say_what_in_alt_text(run):
    figures = [c for c in run["nb"].cells if c.cell_type == "code"
               and any("image/png" in o.get("data", {}) for o in c.get("outputs", []))]
    assert len(figures) == 3
    for cell in figures:
        png = next(base64.b64decode(o["data"]["image/png"]) for o in cell.outputs if "image/png" in o.get("data", {}))
        assert image_has_content(png) > 0.02
        colour = matplotlib.image.imread(io.BytesIO(png))[..., :3]
        # Coloured pixels (stars in magma, the colour picture, the SED's markers), not only grey axes and text:
        # the figures as drawn have 2%, 6% and 0.6%; blank panels have none.
        assert np.mean(np.ptp(colour, axis=2) > 0.1) > 0.002
        alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
        assert len(alt.split()) >= 15 and "IRC +10216" in alt
    assert [t for cell in run["nb"].cells for t in stderr_errors(cell.get("outputs", []))] == []


def test_the_notebook_source_has_alt_text_on_every_figure_cell():
    cells = [c for c in read_notebook(NOTEBOOK).cells if c.cell_type == "code" and "plt.show()" in c.source]
    assert len(cells) == 3 and all(c.metadata.get("mystnb", {}).get("image", {}).get("alt") for c in cells)
