"""IBE data and cutouts: whole images as served by SIA, and cutouts equal to Cutout2D."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.wcs import WCS

from offline_irsa.harness.routing import rewrite
from offline_irsa.sky.regions import find_tiles
from offline_irsa.sky.render import SYNTHETIC_NOTE

from .conftest import TARGET

TILE = find_tiles(*TARGET, 0, 0, "CENTER")[0]
PUBLIC_URL = "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/" + TILE.path("h")


def fetch(server, url=PUBLIC_URL, **params):
    return requests.get(rewrite(url, server.base), params=params, timeout=60)


def hdu_of(response):
    body = response.content
    return fits.open(io.BytesIO(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body))[0]


@pytest.fixture(scope="module")
def full(server):
    return hdu_of(fetch(server))


def test_whole_image_is_gzipped_fits_matching_its_sia_row(server, full):
    response = fetch(server)
    assert response.status_code == 200 and response.content[:2] == b"\x1f\x8b"
    assert response.headers["Content-Type"] == "application/gzip"
    raw = gzip.decompress(response.content)
    assert raw[:30].startswith(b"SIMPLE  =                    T")
    row = requests.get(server.sia, params={"POS": f"{TARGET[0]},{TARGET[1]}", "RESPONSEFORMAT": "CSV"}).text
    assert PUBLIC_URL in row
    assert full.header["FILTER"] == "h" and full.data.shape == (TILE.naxis2, 512)
    assert full.header["SYNTHETC"] and full.header.comments["SYNTHETC"] == SYNTHETIC_NOTE
    assert (full.header["CRVAL1"], full.header["CRVAL2"]) == pytest.approx(TILE.center)


def test_uncompressed_on_request(server, full):
    response = fetch(server, gzip="false")
    assert response.content[:6] == b"SIMPLE" and response.headers["Content-Type"] == "application/fits"
    assert np.array_equal(hdu_of(response).data, full.data)


def cutout_matches_cutout2d(server, full, center, size, position, shape):
    """The server's cutout holds exactly Cutout2D's pixels, and its WCS still places them."""
    served = hdu_of(fetch(server, center=center, size=size))
    expected = Cutout2D(full.data, position, shape, wcs=WCS(full.header), mode="trim")
    assert served.data.shape == expected.data.shape
    assert np.array_equal(served.data, expected.data)
    corners = [(0, 0), (served.data.shape[1] - 1, served.data.shape[0] - 1)]
    for x, y in corners:
        assert WCS(served.header).pixel_to_world(x, y).separation(expected.wcs.pixel_to_world(x, y)).arcsec < 1e-6
    return served


@pytest.mark.parametrize("center, size, shape", [
    (f"{TARGET[0]},{TARGET[1]}", "1arcmin", (60, 60)),
    (f"{TARGET[0]},{TARGET[1]}deg", "0.01", (36, 36)),
    (f"{TARGET[0] + 360},{TARGET[1]}", "60,30arcsec", (30, 60)),  # RA is range-reduced
    (f"{np.radians(TARGET[0])},{np.radians(TARGET[1])}rad", "45px", (45, 45)),
])
def test_sky_cutouts_equal_cutout2d(server, full, center, size, shape):
    target = SkyCoord(*TARGET, unit="deg")
    position = tuple(float(v) for v in WCS(full.header).world_to_pixel(target))
    served = cutout_matches_cutout2d(server, full, center, size, position, shape)
    assert served.data.shape == shape
    # centred on the target: the target sits in the middle pixel(s) of the cutout
    x, y = WCS(served.header).world_to_pixel(target)
    assert abs(x - (shape[1] - 1) / 2) <= 0.5 and abs(y - (shape[0] - 1) / 2) <= 0.5


def test_pixel_cutout_is_one_based(server, full):
    served = cutout_matches_cutout2d(server, full, "101,201px", "11,21pix", (100.0, 200.0), (21, 11))
    assert served.data[10, 5] == full.data[200, 100]


def test_cutout_running_off_the_edge_is_clipped(server, full):
    served = cutout_matches_cutout2d(server, full, "3,1020pixels", "20px", (2.0, 1019.0), (20, 20))
    assert served.data.shape == (15, 12)  # pixels 1..12 in x, 1010..1024 in y


def test_cutout_is_gzipped_unless_asked(server):
    assert fetch(server, center="100,100px", size="10px").content[:2] == b"\x1f\x8b"
    assert fetch(server, center="100,100px", size="10px", gzip="false").content[:6] == b"SIMPLE"


@pytest.mark.parametrize("params", [
    {"center": "0,0", "size": "1arcmin"},  # nowhere near this image
    {"center": "-100,-100px", "size": "10px"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "-1arcmin"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "0"},
    {"center": "10,95", "size": "1arcmin"},
    {"center": "abc", "size": "1arcmin"},
    {"center": "1,2,3", "size": "1arcmin"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1parsec"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "nan"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "20deg"},
    {"center": f"{TARGET[0]},{TARGET[1]}"},
    {"size": "1arcmin"},
])
def test_bad_cutouts_get_http_400_with_a_reason(server, params):
    response = fetch(server, **params)
    assert response.status_code == 400 and response.text.startswith("Bad cutout request:")


@pytest.mark.parametrize("path", [
    "990223n/s070/image/hi0709999.fits.gz", "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd",
    "990223n/s070/image/../../../../../etc/passwd",
])
def test_unknown_images_are_404(server, path):
    response = requests.get(f"{server.data}/{path}", timeout=10)
    assert response.status_code == 404 and b"root:" not in response.content
