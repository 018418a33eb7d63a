"""The protocols read every survey through ``surveys.base``: a third image set needs nothing else.

A made-up survey of one 10 x 10 image is served by IBE (whole file and cutouts) and searched by
SIA v1 with no change to either protocol, and the registered surveys do not collide."""

from __future__ import annotations

import io

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from offline_irsa.services import ibe, sia
from offline_irsa.services.sia import Column
from offline_irsa.surveys import SURVEYS
from offline_irsa.surveys.base import ServedFile, SiaTable, Survey


class Tiny(ServedFile):
    name, gzipped = "tiny.fits", False

    @property
    def shape(self):
        return 10, 10

    def header(self):
        wcs = WCS(naxis=2)
        wcs.wcs.ctype, wcs.wcs.crval, wcs.wcs.crpix, wcs.wcs.cdelt = ["RA---TAN", "DEC--TAN"], [10, 20], [5.5, 5.5], [
            -1 / 3600, 1 / 3600]
        header = fits.Header({"SIMPLE": True, "BITPIX": -32, "NAXIS": 2, "NAXIS1": 10, "NAXIS2": 10})
        header.extend(wcs.to_header().cards)
        return header

    def pixels(self, rows, columns):
        y, x = np.mgrid[rows[0]:rows[1], columns[0]:columns[1]]
        return (x + 10 * y).astype(np.float32)


def open_tiny(path: str) -> Tiny:
    if path != "tiny.fits":
        raise ValueError(f"no such file: {path}")
    return Tiny()


TINY = Survey(name="Tiny", sia_path="/ibe/sia/tiny/t/t", data_path="/ibe/data/tiny/t/t",
              sia_table=SiaTable([Column("sia_title", "char", "*"), Column("sia_url", "char", "*")], [],
                                 lambda ra, dec, w, h, how: [("tiny", "https://irsa.ipac.caltech.edu/ibe/data/tiny/t/t/"
                                                                      "tiny.fits")], "made up"),
              open=open_tiny)


def request(query: str, method: str = "GET") -> Request:
    return Request(EnvironBuilder(path="/x", query_string=query, method=method).get_environ())


def test_ibe_serves_a_new_surveys_whole_file_and_cutouts_unchanged():
    whole = ibe.respond(request(""), TINY, "tiny.fits")
    data = fits.open(io.BytesIO(b"".join(whole.response)))[0].data
    assert data.shape == (10, 10) and data[3, 4] == 34
    cut = ibe.respond(request("center=5,4pix&size=3pix&gzip=0"), TINY, "tiny.fits")
    assert np.array_equal(fits.open(io.BytesIO(cut.get_data()))[0].data, data[2:5, 3:6])
    assert ibe.respond(request(""), TINY, "other.fits").status_code == 404


def test_sia_v1_searches_a_new_surveys_table_unchanged():
    answer = sia.respond(request("POS=10,20&SIZE=0.01&RESPONSEFORMAT=CSV"), TINY.sia_table)
    assert answer.get_data(as_text=True).splitlines()[1].startswith("tiny,https://irsa.ipac.caltech.edu/ibe/data/tiny")


def test_registered_surveys_have_their_own_paths_and_collections():
    assert [s.name for s in SURVEYS] == ["2MASS All-Sky atlas", "AllWISE Atlas"]
    paths = [p for s in SURVEYS for p in (s.sia_path, s.data_path)]
    assert len(set(paths)) == len(paths) and all(p.startswith("/ibe/") for p in paths)
    assert len({s.collection.name for s in SURVEYS}) == len(SURVEYS)
