"""What a reader of the TAP sources-on-an-image tutorial sees, checked after running it offline.

The notebook runs once, unmodified, in a fresh kernel; a probe saves what it computed. The
checks ask the stand-in's catalogue and images directly: the sources listed are the stars
drawn within the cone, and each one marked on the cutout sits on a star.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness import execute
from offline_irsa.sky.stars import stars_near

from .browser import image_has_content

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-sources-on-an-image.md"
TARGET = SkyCoord(314.30417, 77.595559, unit="deg")

PROBE = """
import json
out = {out!r}
sources.write(out + "/sources.ecsv")
bright.write(out + "/bright.ecsv")
cutout.writeto(out + "/cutout.fits")
json.dump({{"collections": list(collections["collection"]), "catalogs": list(catalogs), "adql": adql}},
          open(out + "/facts.json", "w"))
"""


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("these checks compare with the offline catalogue")
    out = tmp_path_factory.mktemp("tap-tutorial")
    nb = execute(NOTEBOOK, probe=PROBE.format(out=str(out)))
    return {"nb": nb, "facts": json.loads((out / "facts.json").read_text()),
            "sources": Table.read(out / "sources.ecsv"), "bright": Table.read(out / "bright.ecsv"),
            "cutout": fits.open(out / "cutout.fits")[0]}


def test_collections_catalogs_and_the_query_astroquery_wrote(run):
    facts = run["facts"]
    assert facts["collections"] == ["twomass_allsky"]
    assert facts["catalogs"] == ["fp_psc"]
    assert facts["adql"].startswith("SELECT * FROM fp_psc WHERE CONTAINS(POINT('ICRS',ra,dec),CIRCLE('ICRS',")
    assert facts["adql"].endswith(",0.025))=1")  # 1.5' in degrees


def test_sources_are_the_stars_within_the_cone(run):
    sources = run["sources"]
    stars = stars_near(TARGET.ra.deg, TARGET.dec.deg, 0.03)
    within = TARGET.separation(SkyCoord(stars["ra"], stars["dec"], unit="deg")) <= 1.5 * u.arcmin
    assert sorted(zip(sources["ra"], sources["dec"], strict=True)) == sorted(
        zip(stars["ra"][within].tolist(), stars["dec"][within].tolist(), strict=True))
    np.testing.assert_allclose(np.sort(sources["h_m"]), np.sort(stars["h"][within]), atol=1e-6)


def test_bright_sources_obey_the_readers_conditions(run):
    bright, sources = run["bright"], run["sources"]
    assert list(bright["h_m"]) == sorted(bright["h_m"]) and (bright["h_m"] < 14).all()
    assert all(q[1] in "AB" for q in bright["ph_qual"])
    expected = [(s["designation"]) for s in sources if s["h_m"] < 14 and s["ph_qual"][1] in "AB"]
    assert sorted(bright["designation"]) == sorted(expected) and len(expected) >= 1


def test_every_bright_source_marked_sits_on_a_star(run):
    cutout, sources = run["cutout"], run["sources"]
    wcs, data = WCS(cutout.header), cutout.data
    sky = np.nanmedian(data)
    noise = sky - np.nanpercentile(data, 15.87)
    x, y = wcs.world_to_pixel(SkyCoord(sources["ra"], sources["dec"], unit="deg"))
    checked = 0
    for xs, ys, h in zip(x, y, sources["h_m"], strict=True):
        ix, iy = round(float(xs)), round(float(ys))
        if h > 14 or not (2 <= ix < data.shape[1] - 2 and 2 <= iy < data.shape[0] - 2):
            continue
        patch = data[iy - 2:iy + 3, ix - 2:ix + 3]
        assert np.nanmax(patch) > sky + 10 * noise, (h, xs, ys)
        peak_y, peak_x = np.unravel_index(np.nanargmax(patch), patch.shape)
        assert abs(peak_x - 2 + ix - xs) <= 1.0 and abs(peak_y - 2 + iy - ys) <= 1.0
        checked += 1
    assert checked >= 1


def test_the_figure_is_shown(run):
    outputs = [c.outputs for c in run["nb"].cells if c.cell_type == "code" and 'fillstyle="none"' in c.source]
    assert len(outputs) == 1
    pngs = [o["data"]["image/png"] for o in outputs[0] if "data" in o and "image/png" in o["data"]]
    assert len(pngs) == 1 and image_has_content(base64.b64decode(pngs[0])) > 0.05
