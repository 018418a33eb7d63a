"""What a reader of the SIA v1-or-v2 tutorial sees, checked after running it offline.

The notebook runs once, unmodified, in a fresh kernel; a probe run afterwards in the same
kernel saves what it found and what its figure drew. The checks ask the stand-in again here,
through both versions of SIA and without the notebook's code, and compare.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
from pathlib import Path

import astropy.units as u
import jupytext
import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.io.votable import parse_single_table
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness import execute
from offline_irsa.harness.routing import rewrite

from .browser import image_has_content

NOTEBOOK = Path(__file__).resolve().parents[1] / "sia-v1-or-v2.md"
TARGET = SkyCoord(314.30417, 77.595559, unit="deg")
H_WAVELENGTH = 1.65e-6  # metres: inside 2MASS H (1.400-1.924 µm) and no other 2MASS band

# What the notebook found, and each line of its figure in display pixels (SIA v1's filled outlines
# are patches, SIA v2's dashed outlines are lines; both drawn in sky coordinates).
PROBE = """
import json
def _rows(table, names):
    return [{{n: (str(row[n]) if isinstance(row[n], str) else float(row[n])) for n in names}} for row in table]
_ax = fig.axes[0]
_patches = {{p.get_label(): [] for p in _ax.patches}}
for _p in _ax.patches:
    _patches[_p.get_label()].append(_p.get_transform().transform(_p.get_path().vertices).tolist())
json.dump({{
    "v1_h": _rows(v1_h, ["sia_url", "sia_ra", "sia_dec", "sia_bp_id"]),
    "v2_h": _rows(v2_h_covers, ["access_url", "s_ra", "s_dec", "energy_bandpassname", "obs_publisher_did"]),
    "v1_outlines": [o for label, found in _patches.items() if label != "1′ search box" for o in found],
    "v2_outlines": [l.get_transform().transform(l.get_xydata()).tolist() for l in _ax.lines
                    if l.get_linestyle() == "--"],
    "legend": [t.get_text() for t in _ax.get_legend().get_texts()],
}}, open({out!r} + "/found.json", "w"))
"""


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("these checks ask the offline stand-in again, independently")
    out = tmp_path_factory.mktemp("sia_v1_or_v2")
    nb = execute(NOTEBOOK, probe=PROBE.format(out=str(out)))
    return {"nb": nb, "found": json.loads((out / "found.json").read_text()), "base": notebook_harness.server.base}


def ask(base: str, url: str, **params) -> requests.Response:
    response = requests.get(rewrite(url, base), params=params, timeout=60)
    response.raise_for_status()
    return response


def independent_v1_h(base: str) -> Table:
    """The H-band images SIA v1 lists as covering the 1' box, asked as a VOTable."""
    answer = ask(base, "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky",
                 POS=f"{TARGET.ra.deg},{TARGET.dec.deg}", SIZE=f"{1 / 60}", INTERSECT="COVERS")
    table = parse_single_table(io.BytesIO(answer.content)).to_table()
    return table[table["sia_bp_id"] == "H"]


def independent_v2_h(base: str) -> Table:
    """The science products SIA v2 lists within 30" whose wavelength range holds 1.65 µm."""
    answer = ask(base, "https://irsa.ipac.caltech.edu/SIA", POS=f"CIRCLE {TARGET.ra.deg} {TARGET.dec.deg} {30 / 3600}",
                 COLLECTION="twomass_allsky")
    table = parse_single_table(io.BytesIO(answer.content)).to_table()
    keep = (table["dataproduct_subtype"] == "science") & (table["em_min"] <= H_WAVELENGTH) \
        & (table["em_max"] >= H_WAVELENGTH)
    return table[keep]


def header_of(base: str, url: str) -> fits.Header:
    content = ask(base, url).content
    if content[:2] == b"\x1f\x8b":
        content = gzip.decompress(content)
    return fits.open(io.BytesIO(content))[0].header


def centres(rows: list[dict], ra: str, dec: str) -> SkyCoord:
    return SkyCoord([r[ra] for r in rows], [r[dec] for r in rows], unit="deg")


def test_both_versions_find_the_same_h_band_images(run):
    base, found = run["base"], run["found"]
    v1, v2 = independent_v1_h(base), independent_v2_h(base)
    # asked again here, the two versions agree: each SIA v1 image has one SIA v2 product at its centre
    v1_sky, v2_sky = SkyCoord(v1["sia_ra"], v1["sia_dec"], unit="deg"), SkyCoord(v2["s_ra"], v2["s_dec"], unit="deg")
    apart = v1_sky[:, np.newaxis].separation(v2_sky[np.newaxis, :])
    assert len(v1) == len(v2) >= 1 and sorted(apart.argmin(axis=1)) == list(range(len(v2)))
    assert (apart.min(axis=1) < 1 * u.arcsec).all()
    # and the notebook found exactly those, through each version
    assert sorted(r["sia_url"] for r in found["v1_h"]) == sorted(v1["sia_url"])
    assert sorted(r["obs_publisher_did"] for r in found["v2_h"]) == sorted(v2["obs_publisher_did"])
    assert {r["energy_bandpassname"] for r in found["v2_h"]} == {"H"}
    shown = "".join(o.get("text", "") for c in run["nb"].cells if "one_to_one" in c.source for o in c.outputs)
    assert f"SIA v1: {len(v1)} images, SIA v2: {len(v2)}; the same images: True" in shown


def test_every_h_band_image_found_covers_the_target_and_its_box(run):
    base, found = run["base"], run["found"]
    urls = [r["sia_url"] for r in found["v1_h"]] + [r["access_url"] for r in found["v2_h"]]
    assert len(urls) >= 2
    for url in urls:
        header = header_of(base, url)
        assert header["FILTER"] == "h", url
        wcs = WCS(header)
        for dra, ddec in [(0, 0), (-30, -30), (30, -30), (30, 30), (-30, 30)]:
            x, y = wcs.world_to_pixel(TARGET.spherical_offsets_by(dra * u.arcsec, ddec * u.arcsec))
            assert -0.5 <= x <= header["NAXIS1"] - 0.5 and -0.5 <= y <= header["NAXIS2"] - 0.5, url


def figure_cell(nb):
    cells = [c for c in nb.cells if c.cell_type == "code" and "projection=sky_map" in c.source]
    assert len(cells) == 1
    return cells[0]


def test_the_footprint_figure_is_drawn_with_alt_text(run):
    pngs = [o["data"]["image/png"] for o in figure_cell(run["nb"]).outputs if "image/png" in o.get("data", {})]
    assert len(pngs) == 1 and image_has_content(base64.b64decode(pngs[0])) > 0.05
    # alt text as the site reads it: from the cell's metadata in the notebook's source
    cells = [c for c in jupytext.read(NOTEBOOK).cells if "projection=sky_map" in c.source]
    alt = cells[0].metadata["mystnb"]["image"]["alt"]
    assert "SIA v1" in alt and "SIA v2" in alt and len(alt.split()) > 20
    assert {"SIA v1", "SIA v2", "target"} <= set(run["found"]["legend"])


def test_the_footprints_from_both_answers_coincide_on_the_figure(run):
    found = run["found"]
    v1 = [np.array(o)[:4] for o in found["v1_outlines"]]
    v2 = [np.array(o)[:4] for o in found["v2_outlines"]]
    assert len(v1) == len(v2) == len(found["v1_h"]) >= 1
    for outline in v2:  # each dashed SIA v2 outline lies on one SIA v1 outline, corner by corner, within a pixel
        distances = [np.max(np.min(np.linalg.norm(o[:, None, :] - outline[None, :, :], axis=2), axis=0)) for o in v1]
        assert min(distances) < 1.0
    for outline in v1 + v2:
        assert np.ptp(outline[:, 1]) > 100  # a footprint, hundreds of display pixels tall, not a dot
