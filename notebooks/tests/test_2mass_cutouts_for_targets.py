"""What a reader of the cutouts-for-targets tutorial sees, checked after running it offline.

The notebook runs unmodified (apart from the target table and, once, its time limit) on a
copy in a temporary folder; as in every automated run, the harness starts its kernel in a
working folder of its own, where its cutouts land. A probe saves its results table and
says where that folder is; the checks ask the stand-in the same questions over HTTP and
compare with astropy.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import astropy.units as u
import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness import execute, stderr_errors
from offline_irsa.harness.routing import rewrite
from offline_irsa.surveys.twomass.bands import BANDS

from .browser import image_has_content

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-cutouts-for-targets.md"
TABLE = NOTEBOOK.with_name("2mass-cutout-targets.ecsv")
SIA = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky"
PROBE = """
import json, os
results.write({out!r} + "/results.ecsv", overwrite=True)
facts = {{"max_at_once": max_at_once, "tries": tries, "folder": str(cutout_folder), "cwd": os.getcwd()}}
json.dump(facts, open({out!r} + "/facts.json", "w"))
"""
TIMEOUT_LINE = "request_timeout = 60\n"


class InFlight:
    """WSGI middleware counting the stand-in's image requests (SIA and IBE) being served at once."""

    def __init__(self, app) -> None:
        self.app, self.now, self.most, self.lock = app, 0, 0, threading.Lock()

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/ibe/"):
            return self.app(environ, start_response)
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.now -= 1


def run_copy(folder: Path, table: Table | None = None, notebook_text: str | None = None) -> dict:
    """Run the notebook in folder, beside the given target table; return what it computed."""
    shutil.copy(TABLE, folder / TABLE.name)
    if table is not None:
        table.write(folder / TABLE.name, format="ascii.ecsv", delimiter=",", overwrite=True)
    copy = folder / NOTEBOOK.name
    copy.write_text(notebook_text or NOTEBOOK.read_text())
    nb = execute(copy, probe=PROBE.format(out=str(folder)))
    results = Table.read(folder / "results.ecsv")  # ECSV reads empty strings back as masked
    results = Table(results, masked=False).filled("") if results.has_masked_values else results
    facts = json.loads((folder / "facts.json").read_text())
    # The kernel's working folder, where the notebook wrote its cutouts.
    return {"nb": nb, "folder": Path(facts["cwd"]), "results": results, "facts": facts}


def outputs_of(nb, source_fragment: str) -> list[dict]:
    cells = [c for c in nb.cells if c.cell_type == "code" and source_fragment in c.source]
    assert len(cells) == 1, source_fragment
    return cells[0].outputs


def shown_text(nb, source_fragment: str, stream: str = "stdout") -> str:
    return "".join(o.get("text", "") for o in outputs_of(nb, source_fragment) if o.get("name") == stream)


def the_figure(nb) -> tuple[bytes, str]:
    shown = [o["data"] for o in outputs_of(nb, "fig.colorbar(") if "image/png" in o.get("data", {})]
    assert len(shown) == 1
    return base64.b64decode(shown[0]["image/png"]), shown[0].get("text/plain", "")


def positions(table: Table) -> SkyCoord:
    return SkyCoord(table["ra"], table["dec"], unit=(u.hourangle, u.deg))


def nearest_h_image(server_base: str, position: SkyCoord) -> dict | None:
    """Independently: the H image whose centre is nearest position among those covering the 1' box."""
    answer = requests.get(rewrite(SIA, server_base), timeout=60, params={
        "POS": f"{position.ra.deg},{position.dec.deg}", "SIZE": f"{1 / 60}", "INTERSECT": "COVERS",
        "RESPONSEFORMAT": "CSV"})
    answer.raise_for_status()
    images = Table.read(answer.text, format="ascii.csv")
    images = images[images["sia_bp_id"] == "H"] if len(images) else images
    if len(images) == 0:
        return None
    separation = position.separation(SkyCoord(images["sia_ra"], images["sia_dec"], unit="deg"))
    return dict(zip(images.colnames, images[int(np.argmin(separation))], strict=True))


def fetch(server_base: str, url: str) -> bytes:
    response = requests.get(rewrite(url, server_base), timeout=60)
    response.raise_for_status()
    return response.content


def cutout_url_in(header: fits.Header) -> str:
    """The cutout URL the notebook wrote into a cutout's HISTORY (long cards are continued)."""
    history = "".join(str(line) for line in header["HISTORY"])
    return re.search(r"(https://irsa\.ipac\.caltech\.edu/ibe/data/\S+\?center=[-0-9.]+,[-0-9.]+&size=60arcsec)",
                     history)[1]


@pytest.fixture(scope="module")
def run(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("these checks ask the offline stand-in the same questions")
    server = notebook_harness.server
    counting = InFlight(server._server.app)  # the WSGI app the stand-in's listeners call (HTTP and HTTPS)
    listeners = (server._server, server._tls_server)
    for listener in listeners:
        listener.app = counting
    server.faults.inject("cutout", "delay", 0.2)  # cutouts that take a while, so requests overlap
    try:
        result = run_copy(tmp_path_factory.mktemp("cutouts"))
    finally:
        server.faults.clear()
        for listener in listeners:
            listener.app = counting.app
    return result | {"most_at_once": counting.most, "base": server.base, "targets": Table.read(TABLE)}


def test_every_target_has_one_row_in_table_order(run):
    results, targets = run["results"], run["targets"]
    assert list(results["target"]) == list(targets["name"])
    assert len(targets) >= 20 and set(targets["kind"]) == {"star", "cluster", "galaxy"}
    assert all(status == "ok" or status.startswith("no H-band image") for status in results["status"])
    assert sum(status == "ok" for status in results["status"]) >= len(targets) - 3


def test_statuses_image_urls_and_bytes_are_what_the_stand_in_answered(run):
    for row, position in zip(run["results"], positions(run["targets"]), strict=True):
        image = nearest_h_image(run["base"], position)
        if image is None:
            assert row["status"] == "no H-band image covers the box around it" and row["bytes"] == 0
            assert row["image_url"] == "" and row["file"] == ""
            continue
        assert row["status"] == "ok" and row["tries"] == 1, row["target"]
        assert row["image_url"] == image["sia_url"]
        with fits.open(run["folder"] / row["file"]) as hdul:
            asked = cutout_url_in(hdul[0].header)
        assert asked.startswith(image["sia_url"] + "?center=")
        assert row["bytes"] == len(fetch(run["base"], asked))
        assert row["image_pixels"] == np.prod([int(n) for n in str(image["sia_naxis"]).split()])


def test_every_cutout_is_centred_on_its_target_and_says_where_it_came_from(run):
    checked = 0
    for row, position in zip(run["results"], positions(run["targets"]), strict=True):
        if row["status"] != "ok":
            continue
        with fits.open(run["folder"] / row["file"]) as hdul:
            hdu = hdul[0]
            x, y = (float(v) for v in WCS(hdu.header).world_to_pixel(position))
            assert hdu.data.shape == (60, 60)
            assert abs(x - 29.5) <= 1 and abs(y - 29.5) <= 1, (row["target"], x, y)
            assert hdu.header["OBJECT"] == row["target"]
            history = "".join(str(line) for line in hdu.header["HISTORY"])
            assert "IBE" in history and cutout_url_in(hdu.header).startswith(row["image_url"] + "?center=")
            sent = fits.open(io.BytesIO(gzip.decompress(fetch(run["base"], cutout_url_in(hdu.header)))))[0]
            assert np.array_equal(hdu.data, sent.data, equal_nan=True)  # the pixels IRSA sent, untouched
        checked += 1
    assert checked >= 20


def test_every_cutout_shows_its_object_at_the_centre(run):
    # The stand-in draws each target where it is (offline_irsa.sky.known_objects); the
    # Pleiades' conventional centre is empty sky, live as offline.
    shown = 0
    for row in run["results"]:
        if row["status"] != "ok" or row["target"] == "Pleiades":
            continue
        with fits.open(run["folder"] / row["file"]) as hdul:
            centre = np.nanmedian(hdul[0].data[27:33, 27:33])
        assert centre - BANDS["h"].background > 30 * BANDS["h"].noise, row["target"]
        shown += 1
    assert shown >= 20


def test_the_folder_holds_exactly_the_cutouts_in_the_table(run):
    written = sorted(p.name for p in (run["folder"] / run["facts"]["folder"]).iterdir())
    named = sorted(Path(f).name for f in run["results"]["file"] if f)
    assert written == named and len(named) == len(set(named))


def test_requests_overlap_but_never_exceed_the_bound(run):
    assert run["facts"]["max_at_once"] == 8
    assert run["most_at_once"] == 8  # reached, never passed


def test_the_progress_bar_counts_every_target_and_prints_no_error(run):
    nb, results = run["nb"], run["results"]
    to_cut = sum(1 for status in results["status"] if not status.startswith(("bad coordinate", "duplicate")))
    bar = shown_text(nb, "as_completed(running)", "stderr")
    assert re.search(rf"2MASS cutouts: 100%\|[^|]*\| {to_cut}/{to_cut} ", bar), bar[-300:]
    assert [t for cell in nb.cells for t in stderr_errors(cell.get("outputs", []))] == []


def test_the_grid_figure_has_a_panel_per_target_and_a_colour_bar(run):
    png, text = the_figure(run["nb"])
    assert f"with {len(run['results']) + 1} Axes" in text
    assert image_has_content(png) > 0.05


def test_the_bytes_saved_are_measured(run):
    results = run["results"]
    said = shown_text(run["nb"], "image_bytes = ")
    moved = results["bytes"].sum()
    assert moved > 0 and f"You downloaded {moved / 1e6:.2f} MB" in said
    ratio = results["image_pixels"].sum() / results["pixels"].sum()
    assert f"{ratio:.0f} times as much" in said and 100 < ratio < 200


# --- A target table with mistakes, and an IRSA having a bad day --------------------------------------------------

TROUBLE_TARGETS = ["Vega", "M13", "M31", "M51", "Arcturus", "M87"]  # always-503, 503-once, 400-once, hang-once, ok, ok


@pytest.fixture(scope="module")
def trouble(notebook_harness, tmp_path_factory):
    if notebook_harness.live:
        pytest.skip("faults are injected into the offline stand-in")
    server = notebook_harness.server
    everything = Table.read(TABLE)
    table = everything[np.isin(everything["name"], TROUBLE_TARGETS)]
    table.add_row(("Too far north", "star", "12 00 00.00", "+95 00 00"))
    table.add_row(("Typo", "galaxy", "13 29 52.70", "abc"))
    table.add_row(("vega", "star", "18 36 56.34", "+38 47 01.3"))  # the same name, in other letters
    table.add_row(("M 13 again", "cluster", "16 41 41.24", "+36 27 35.5"))  # the same position
    paths = {}
    for name in TROUBLE_TARGETS[:4]:
        image = nearest_h_image(server.base, positions(table[table["name"] == name])[0])
        paths[name] = urlsplit(image["sia_url"]).path  # a fault on this path hits only this target's cutouts
    assert len(set(paths.values())) == 4
    text = NOTEBOOK.read_text()
    assert text.count(TIMEOUT_LINE) == 1
    try:
        server.faults.inject(paths["Vega"], "status", 503)  # keeps failing
        server.faults.inject(paths["M13"], "status", 503, times=1)
        server.faults.inject(paths["M31"], "status", 400, times=1)
        server.faults.inject(paths["M51"], "hang", times=1)
        impatient = text.replace(TIMEOUT_LINE, "request_timeout = 2\n")  # so that a hung request times out soon
        result = run_copy(tmp_path_factory.mktemp("trouble"), table, impatient)
    finally:
        server.faults.clear()
    return result | {"table": table}


def status_of(trouble, name: str) -> str:
    results = trouble["results"]
    return str(results["status"][list(results["target"]).index(name)])


def test_every_row_of_a_bad_table_gets_a_row_of_results(trouble):
    assert list(trouble["results"]["target"]) == list(trouble["table"]["name"])
    assert status_of(trouble, "Too far north") == (
        "bad coordinate: Latitude angle(s) must be within -90 deg <= angle <= 90 deg, got 95.0 deg")
    assert status_of(trouble, "Typo").startswith("bad coordinate:") and "'abc'" in status_of(trouble, "Typo")
    assert status_of(trouble, "vega") == "duplicate of Vega"
    assert status_of(trouble, "M 13 again") == "duplicate of M13"


def test_a_cutout_that_keeps_failing_is_reported_after_three_tries(trouble):
    status = status_of(trouble, "Vega")
    assert status.startswith("IRSA's cutout service (IBE) failed after 3 tries: HTTP 503"), status
    row = trouble["results"][list(trouble["results"]["target"]).index("Vega")]
    assert row["file"] == "" and row["image_url"].endswith(".fits.gz")


def test_a_503_and_a_timeout_are_retried_and_succeed(trouble):
    results = trouble["results"]
    for name in ("M13", "M51"):
        row = results[list(results["target"]).index(name)]
        assert row["status"] == "ok, on try 2" and row["tries"] == 2 and row["file"], name
        assert (trouble["folder"] / row["file"]).is_file()


def test_a_refused_request_is_not_retried(trouble):
    status = status_of(trouble, "M31")
    assert status.startswith("IRSA's cutout service (IBE) failed after 1 try: HTTP 400"), status


def test_with_trouble_the_notebook_still_ends_with_its_figure(trouble):
    png, text = the_figure(trouble["nb"])
    assert f"with {len(trouble['results']) + 1} Axes" in text and image_has_content(png) > 0.05
    for name in ("Arcturus", "M87"):
        assert status_of(trouble, name) == "ok"
    said = shown_text(trouble["nb"], "ok = np.char.startswith")
    assert said.startswith(f"4 of {len(trouble['results'])} targets have a cutout.")
