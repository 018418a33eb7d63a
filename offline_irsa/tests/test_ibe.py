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
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.render import SYNTHETIC_NOTE
from offline_irsa.surveys.twomass.tiling import PIXEL_SCALE_DEG

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
    assert np.array_equal(hdu_of(response).data, full.data, equal_nan=True)


def cutout_matches_cutout2d(server, full, center, size, position, shape):
    """The server's cutout holds exactly Cutout2D's pixels, and its WCS still places them.

    IBE centres the box on the pixel that holds ``position`` (0-based); Cutout2D is given
    that pixel's centre, where its rounding and IBE's agree for odd sizes.
    """
    position = tuple(float(np.floor(v + 0.5)) for v in position)
    served = hdu_of(fetch(server, center=center, size=size))
    expected = Cutout2D(full.data, position, shape, wcs=WCS(full.header), mode="trim")
    assert served.data.shape == expected.data.shape
    assert np.array_equal(served.data, expected.data, equal_nan=True)
    corners = [(0, 0), (served.data.shape[1] - 1, served.data.shape[0] - 1)]
    for x, y in corners:
        assert WCS(served.header).pixel_to_world(x, y).separation(expected.wcs.pixel_to_world(x, y)).arcsec < 1e-6
    return served


@pytest.mark.parametrize("center, size, shape", [
    (f"{TARGET[0]},{TARGET[1]}", "61arcsec", (61, 61)),
    (f"{TARGET[0]},{TARGET[1]}deg", "0.0097", (35, 35)),
    (f"{TARGET[0] + 360},{TARGET[1]}", "61,31arcsec", (31, 61)),  # RA is range-reduced
    (f"{np.radians(TARGET[0])},{np.radians(TARGET[1])}rad", "45px", (45, 45)),
])
def test_sky_cutouts_equal_cutout2d(server, full, center, size, shape):
    target = SkyCoord(*TARGET, unit="deg", frame="fk5")  # the frame atlas headers are in
    position = tuple(float(v) for v in WCS(full.header).world_to_pixel(target))
    served = cutout_matches_cutout2d(server, full, center, size, position, shape)
    assert served.data.shape == shape
    # centred on the target: the target sits in the middle pixel of the cutout
    x, y = WCS(served.header).world_to_pixel(target)
    assert abs(x - (shape[1] - 1) / 2) <= 0.5 and abs(y - (shape[0] - 1) / 2) <= 0.5


def test_even_sized_cutout_keeps_the_centre_pixel_and_one_more_on_the_high_side(server, full):
    served = hdu_of(fetch(server, center="101,201px", size="10px"))
    assert np.array_equal(served.data, full.data[196:206, 96:106])  # 1-based 97..106, 197..206


def test_pixel_cutout_is_one_based(server, full):
    served = cutout_matches_cutout2d(server, full, "101,201px", "11,21pix", (100.0, 200.0), (21, 11))
    assert served.data[10, 5] == full.data[200, 100]


def test_cutout_running_off_the_edge_is_clipped(server, full):
    served = cutout_matches_cutout2d(server, full, "8,1020.4pixels", "21px", (7.0, 1019.4), (21, 21))
    assert served.data.shape == (15, 18)  # pixels 1..18 in x, 1010..1024 in y
    assert np.isnan(served.data[:, :4]).all() and np.isfinite(served.data[:, 4:]).all()  # the NaN edge


def test_edge_example_from_irsas_cutout_page_gives_one_nan_column(server, full):
    """IRSA: center=-49,175pix&size=100pix on a 512-wide image gives one column, the edge."""
    served = hdu_of(fetch(server, center="-49,175pix", size="100pix"))
    assert served.data.shape == (100, 1)
    assert np.isnan(served.data).all()
    assert np.array_equal(served.data[:, 0], full.data[125:225, 0], equal_nan=True)


def test_equivalence_example_from_irsas_cutout_page(server, full):
    """IRSA: a pixel centre with size in arcsec and the same centre in degrees with size in
    pixels give identical cutouts (1 arcsec pixels)."""
    by_pixel = hdu_of(fetch(server, center="29,176pix", size="90arcsec"))
    ra, dec = (float(v) for v in WCS(full.header).all_pix2world([[28, 175]], 0)[0])
    by_sky = hdu_of(fetch(server, center=f"{ra:.8f},{dec:.8f}", size="90pix"))
    assert by_pixel.data.shape == by_sky.data.shape == (90, 74)  # clipped at the left edge
    assert np.array_equal(by_pixel.data, by_sky.data, equal_nan=True)
    assert by_pixel.header["CRPIX1"] == by_sky.header["CRPIX1"]


@pytest.mark.parametrize("unit, per_degree", [
    ("px", None), ("pix", None), ("pixels", None), ("arcsec", 3600), ("asec", 3600), ('"', 3600),
    ("arcmin", 60), ("arcminutes", 60), ("'", 60), ("deg", 1), ("degree", 1), ("", 1), ("rad", np.pi / 180),
    ("radians", np.pi / 180),
])
def test_every_documented_unit_spelling(server, unit, per_degree):
    """Each spelling IRSA's cutout page accepts, for size and (angles) for center: a 30 px box."""
    if per_degree is None:
        size, center = "30", "200,300"
    else:
        size = repr(30 / 3600 / PIXEL_SCALE_DEG * PIXEL_SCALE_DEG * per_degree * 1.0000000207)
        center = f"{TARGET[0] * per_degree!r},{TARGET[1] * per_degree!r}"
    served = hdu_of(fetch(server, center=center + unit, size=size + unit))
    assert served.data.shape == (30, 30)


@pytest.mark.parametrize("flag, gzipped", [(f, True) for f in ("1", "on", "t", "true", "y", "yes", "TRUE")]
                         + [(f, False) for f in ("0", "off", "f", "false", "n", "no", "False")])
def test_every_documented_gzip_flag(server, flag, gzipped):
    body = fetch(server, center="100,100px", size="10px", gzip=flag).content
    assert (body[:2] == b"\x1f\x8b") is gzipped and (body[:6] == b"SIMPLE") is not gzipped


def test_scientific_notation_is_read_as_in_sia(server):
    assert hdu_of(fetch(server, center=f"{TARGET[0]},{TARGET[1]}", size="1.6667e-2")).data.shape == (60, 60)


def test_cutout_is_gzipped_unless_asked(server):
    assert fetch(server, center="100,100px", size="10px").content[:2] == b"\x1f\x8b"
    assert fetch(server, center="100,100px", size="10px", gzip="false").content[:6] == b"SIMPLE"


@pytest.mark.parametrize("params", [
    {"center": "0,0", "size": "1arcmin"},  # the far side of the sky
    {"center": "-100,-100px", "size": "10px"},
    {"center": "-49,175pix", "size": "98pix"},  # just short of the edge example's column
    {"center": f"{TARGET[0] + 1},{TARGET[1]}", "size": "1arcmin"},
])
def test_cutouts_that_miss_the_image_get_http_500_saying_so(server, params):
    """IRSA's newer cutout page, and programs using the service, see HTTP 500 here."""
    response = fetch(server, **params)
    assert response.status_code == 500 and "does not overlap" in response.text + "not on this image" or (
        response.status_code == 500 and "nowhere near" in response.text), response.text


@pytest.mark.parametrize("params", [
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "-1arcmin"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "0"},
    {"center": "10,95", "size": "1arcmin"},
    {"center": "abc", "size": "1arcmin"},
    {"center": "1,2,3", "size": "1arcmin"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1parsec"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "nan"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "20deg"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1e20px"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1 arcmin"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1ARCMIN"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1arcsecs"},
    {"center": "1_0,20px", "size": "1arcmin"},
    {"center": "1" * 300 + ",20px", "size": "1arcmin"},
    {"center": " " * 400 + "a1", "size": "1"},
    {"center": f"{TARGET[0]},{TARGET[1]}", "size": "1arcmin", "gzip": "maybe"},
    {"center": f"{TARGET[0]},{TARGET[1]}"},
    {"size": "1arcmin"},
])
def test_bad_cutouts_get_http_400_with_a_reason(server, params):
    response = fetch(server, **params)
    assert response.status_code == 400 and response.text.startswith("Bad cutout request:"), response.text


@pytest.mark.parametrize("path", [
    "990223n/s070/image/hi0709999.fits.gz", "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd",
    "990223n/s070/image/../../../../../etc/passwd",
])
def test_unknown_images_are_404(server, path):
    response = requests.get(f"{server.data}/{path}", timeout=10)
    assert response.status_code == 404 and b"root:" not in response.content
