"""The first tutorial, pointed at the AllWISE Atlas as it tells its reader to do with other SIA v1
data sets: only its SIA v1 base URL set to AllWISE's and its band match set to W3. It runs offline
end to end, and what it computed is AllWISE's."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness import execute, stderr_errors

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-sia-v1.md"
TWOMASS_BASE = 'sia_base = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky"'
ALLWISE_BASE = 'sia_base = "https://irsa.ipac.caltech.edu/ibe/sia/wise/allwise/p3am_cdd"'
H_MATCH, W3_MATCH = 're.search(r"\\bH-Band\\b", title)', 're.search(r"\\bW3\\b", title)'
W3_URL = ("https://irsa.ipac.caltech.edu/ibe/data/wise/allwise/p3am_cdd/31/3150/3150p772_ac51/"
          "3150p772_ac51-w3-int-3.fits")
TARGET = SkyCoord(314.30417, 77.595559, unit="deg")
PROBE = """
import json, numpy as np
out = {out!r}
np.save(out + "/cutout.npy", cutout.data)
np.save(out + "/server_cutout.npy", server_cutout.data)
open(out + "/server_cutout_wcs.txt", "w").write(WCS(server_cutout.header).to_header_string())
images.write(out + "/images.ecsv")
json.dump({{"image_url": image_url, "bunit": header.get("BUNIT"), "shape": list(hdulist[0].data.shape)}},
          open(out + "/facts.json", "w"))
"""


def allwise_version(text: str) -> str:
    assert text.count(TWOMASS_BASE) == 1 and text.count(H_MATCH) == 1
    return text.replace(TWOMASS_BASE, ALLWISE_BASE).replace(H_MATCH, W3_MATCH)


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("checks the offline AllWISE stand-in's answers")
    out = tmp_path_factory.mktemp("allwise")
    changed = out / NOTEBOOK.name
    changed.write_text(allwise_version(NOTEBOOK.read_text()))
    nb = execute(changed, probe=PROBE.format(out=str(out)))
    return {"nb": nb, "out": out, "facts": json.loads((out / "facts.json").read_text()),
            "images": Table.read(out / "images.ecsv")}


def test_only_the_base_url_and_the_band_match_change():
    text = NOTEBOOK.read_text()
    changed = allwise_version(text)
    differ = [(a, b) for a, b in zip(text.splitlines(), changed.splitlines(), strict=True) if a != b]
    assert len(differ) == 2


def test_the_allwise_tutorial_runs_end_to_end_on_the_w3_image(run):
    images = run["images"]
    assert list(images["sia_title"]) == [f"{b} Coadd 3150p772_ac51" for b in ("W4", "W2", "W3", "W1")]
    assert run["facts"]["image_url"] == W3_URL
    assert run["facts"]["bunit"] == "DN" and run["facts"]["shape"] == [4095, 4095]
    errors = [t for cell in run["nb"].cells for t in stderr_errors(cell.get("outputs", []))]
    assert errors == []


def test_the_cutouts_are_1_arcmin_of_w3_around_the_target(run):
    cutout = np.load(run["out"] / "cutout.npy")
    server = np.load(run["out"] / "server_cutout.npy")
    assert cutout.shape == (44, 44) and server.shape == (44, 44)
    wcs = WCS(fits.Header.fromstring((run["out"] / "server_cutout_wcs.txt").read_text()))
    # IBE centres the box on the pixel holding the target: pixel 21 of 44 (0-based), 1.375" wide
    assert wcs.pixel_to_world(21, 21).separation(TARGET).arcsec < 1.375 * 0.75
    assert abs(np.median(server) - 900) < 5  # W3's sky level

