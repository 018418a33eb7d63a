"""IRSA's older 2MASS SIA (/cgi-bin/2MASS/IM/nph-im_sia) against the record, and its downloads.

The record (irsa-recorded.md, "IRSA's older 2MASS SIA") holds the endpoint's whole answer at
the tutorial target: 12 rows, 32 columns, a FITS row and an HTML preview row per image.
"""

from __future__ import annotations

import gzip
import io
import re
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import astropy.units as u
import numpy as np
import pytest
import pyvo
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.io.votable import parse

from offline_irsa.harness.routing import rewrite
from offline_irsa.surveys.twomass.images import AtlasImage

from .conftest import TARGET

RECORDED_COLUMNS = ("name, download, center_ra, center_dec, naxes, naxis, scale, format, crpix, crval, crota2, band, "
                    "bref, bhi, blo, pers_art, glint_art, type, dataset, pixflags, id, scntr, date, hem, scan, image, "
                    "ut_date, coadd_key, seesh, magzp, msnr10, bin").split(", ")
RECORDED_UNITS = {"center_ra": "deg", "center_dec": "deg", "scale": "deg", "crval": "deg", "crota2": "deg",
                  "bref": "meters", "bhi": "meters", "blo": "meters", "seesh": "arcseconds"}
ROOT = r"https://irsa\.ipac\.caltech\.edu:443/cgi-bin/2MASS/IM/"
FITS_URL = re.compile(ROOT + r"nph-im\?ds=asky&atdir=/ti\d\d&dh=(?P<dh>\d{6}[ns])&scan=(?P<scan>\d{3})"
                      r"&name=(?P<name>(?P<band>[jhk])i(?P=scan)(?P<image>\d{4})\.fits)$")
HTML_URL = re.compile(ROOT + r"nph-im_key\?ds=asky&key=(?P<key>\d+)&band=(?P<band>[JHK])$")
NAME = re.compile(r"^All-Sky Release Survey (?P<band>[JHK])-Band Atlas Image: "
                  r"(?P<date>\d{6}) (?P<hem>[ns]) (?P<scan>\d{3}) (?P<image>\d{4})$")
VOTABLE = "{http://www.ivoa.net/xml/VOTable/v1.3}"


@pytest.fixture(scope="module")
def service(server):
    """The endpoint as IRSA's 2MASS tutorial opened it."""
    return pyvo.dal.SIAService(f"{server.older_sia}?type=at&ds=asky&")


@pytest.fixture(scope="module")
def results(service):
    return service.search(pos=SkyCoord(*TARGET, unit="deg"), size=1 * u.arcsec)


@pytest.fixture(scope="module")
def answer(server):
    return requests.get(server.older_sia, params={"type": "at", "ds": "asky", "POS": f"{TARGET[0]},{TARGET[1]}",
                                                  "SIZE": str(1 / 3600), "VERB": "2"}, timeout=30)


def get(server, url: str) -> requests.Response:
    response = requests.get(rewrite(url, server.base), timeout=60)
    response.raise_for_status()
    return response


def test_recorded_columns_and_units(answer):
    fields = list(ElementTree.fromstring(answer.content).iter(f"{VOTABLE}FIELD"))
    assert [f.get("name") for f in fields] == RECORDED_COLUMNS
    assert {f.get("name"): f.get("unit") for f in fields if f.get("unit")} == RECORDED_UNITS
    assert answer.headers["Content-Type"].startswith("application/x-votable+xml")


def test_twelve_rows_a_fits_and_an_html_row_per_image(results):
    table = results.to_table()
    assert len(table) == 12 and list(table["format"]) == ["image/fits", "text/html"] * 6
    assert sorted(table["band"]) == sorted(["J", "H", "K"] * 4)
    for fits_row, html_row in zip(table[0::2], table[1::2], strict=True):
        match = NAME.match(fits_row["name"])
        assert match and html_row["name"] == fits_row["name"]
        assert (match["band"], match["date"], match["hem"], int(match["scan"]), int(match["image"])) == (
            fits_row["band"], fits_row["date"], fits_row["hem"], fits_row["scan"], fits_row["image"])
        link = FITS_URL.match(fits_row["download"])
        assert link, fits_row["download"]
        assert (link["dh"], int(link["scan"]), link["band"].upper(), int(link["image"])) == (
            fits_row["date"] + fits_row["hem"], fits_row["scan"], fits_row["band"], fits_row["image"])
        preview = HTML_URL.match(html_row["download"])
        assert preview and (int(preview["key"]), preview["band"]) == (fits_row["coadd_key"], fits_row["band"])
        assert list(fits_row["naxis"]) == [512, 1024] and list(fits_row["crpix"]) == [256.5, 512.5]
        assert list(fits_row["scale"]) == [-0.0002777777845, 0.0002777777845]
        assert (fits_row["type"], fits_row["dataset"], fits_row["pixflags"]) == ("A", "asky", "CZ")
        assert np.ma.is_masked(fits_row["id"]) and np.ma.is_masked(fits_row["scntr"])
        assert fits_row["pers_art"] == (f"https://irsa.ipac.caltech.edu:443/cgi-bin/2MASS/IM/nph-art?arttype=pers"
                                        f"&ds=asky&date={fits_row['date']}&hem={fits_row['hem']}"
                                        f"&scan={fits_row['scan']:03d}")
        assert {"J": 1.235e-6, "H": 1.662e-6, "K": 2.159e-6}[fits_row["band"]] == fits_row["bref"]
        assert fits_row["blo"] < fits_row["bref"] < fits_row["bhi"]


def test_pyvo_getdataurl_gives_download_and_pos_the_centre(server, results):
    for record in results:
        assert record.getdataurl() == record["download"]
        assert record.pos.separation(SkyCoord(*TARGET, unit="deg")).arcmin < 10
        assert record.format in ("image/fits", "text/html") and record.bandpass_id in ("J", "H", "K")


def test_the_rows_agree_with_the_image_header(server, results):
    for record in results:
        if record.format != "image/fits":
            continue
        header = fits.getheader(io.BytesIO(get(server, record.getdataurl()).content))
        assert list(record["crval"]) == [header["CRVAL1"], header["CRVAL2"]]
        assert record["crota2"] == pytest.approx(header["CROTA2"], rel=1e-15)  # VOTable writes 16 digits
        assert record["magzp"] == header["MAGZP"]
        assert record["seesh"] == header["SEESH"] and record["ut_date"] == header["UT_DATE"]


def test_nph_im_answers_ibes_file_unzipped_byte_for_byte(server, results):
    """The download URL carries :443; the harness's routing drops the port and the path still routes."""
    for record in results:
        if record.format != "image/fits":
            continue
        url = record.getdataurl()
        assert urlsplit(url).port == 443 and rewrite(url, server.base).startswith(server.base + "/cgi-bin/")
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        image = AtlasImage.from_ibe_path(f"{query['dh']}/s{query['scan']}/image/{query['name']}.gz")
        older = get(server, url)
        assert older.headers["Content-Type"] == "image/fits"
        assert older.content == gzip.decompress(get(server, image.url).content)


def test_nph_im_key_is_a_small_html_page_naming_the_image(server, results):
    for record in results:
        if record.format != "text/html":
            continue
        page = get(server, record.getdataurl())
        assert page.headers["Content-Type"].startswith("text/html") and len(page.content) < 4000
        assert record.title in page.text and "synthetic" in page.text


def test_the_first_tutorials_h_band_images_through_the_older_endpoint(server, results):
    h = [r.getdataurl() for r in results if r.format == "image/fits" and r.bandpass_id == "H"]
    v1 = pyvo.dal.SIAService(server.sia).search(pos=TARGET, size=0.01)
    assert [u.rsplit("=", 1)[1] for u in h] == [r.getdataurl().rsplit("/", 1)[1].removesuffix(".gz")
                                                for r in v1 if r.bandpass_id == "H"]


@pytest.mark.parametrize("params, message", [
    ({"type": "sp", "ds": "asky", "POS": "10,10"}, "type='sp' is not served"),
    ({"type": "at", "ds": "2mass", "POS": "10,10"}, "ds='2mass' is not served"),
    ({"type": "at", "ds": "asky"}, "POS is required"),
    ({"type": "at", "ds": "asky", "POS": "10,95"}, "declination"),
    ({"type": "at", "ds": "asky", "POS": "10,10", "SIZE": "20"}, "SIZE must be between"),
    ({"type": "at", "ds": "asky", "POS": "10,10", "FORMAT": "image/png"}, "FORMAT must be"),
])
def test_refusals_are_error_votables(server, params, message):
    response = requests.get(server.older_sia, params=params, timeout=30)
    info = next(i for i in parse(io.BytesIO(response.content)).resources[0].infos if i.name == "QUERY_STATUS")
    assert response.status_code == 200 and info.value == "ERROR" and message in info.content


@pytest.mark.parametrize("path, status", [
    ("/cgi-bin/2MASS/IM/nph-im?ds=asky&atdir=/ti08&dh=980827n&scan=008&name=ji0080999.fits", 404),
    ("/cgi-bin/2MASS/IM/nph-im?ds=asky&dh=980827n&scan=008", 400),
    ("/cgi-bin/2MASS/IM/nph-im_key?ds=asky&key=999999999&band=J", 404),
    ("/cgi-bin/2MASS/IM/nph-im_key?ds=asky&key=12&band=Q", 400),
])
def test_downloads_of_no_image(server, path, status):
    assert requests.get(server.base + path, timeout=30).status_code == status


def test_a_coadd_key_names_one_tile():
    from offline_irsa.surveys.twomass.tiling import N_SCANS, TILES_PER_SCAN, AtlasTile

    for tile in [AtlasTile(b, s, t) for b in (0, 14, 15, 29) for s in (0, 3) for t in (0, 22)]:
        assert AtlasTile.from_coadd_key(tile.coadd_key) == tile
    for key in (0, N_SCANS * TILES_PER_SCAN + 1):
        with pytest.raises(ValueError):
            AtlasTile.from_coadd_key(key)
