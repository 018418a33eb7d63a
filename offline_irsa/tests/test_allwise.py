"""The AllWISE Atlas stand-in against every recorded fact (irsa-recorded.md: "SIA v1 for AllWISE",
"AllWISE Atlas images", "SIA v2 at ..." for wise_allwise), and its pixels computed on demand."""

from __future__ import annotations

import gzip
import io
import json

import astropy.units as u
import numpy as np
import pytest
import pyvo
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.io.votable import parse_single_table
from astroquery.ipac.irsa import IrsaClass

from offline_irsa.harness.routing import rewrite
from offline_irsa.surveys import SURVEYS
from offline_irsa.surveys.allwise import render
from offline_irsa.surveys.allwise.sia_v1 import find_tiles
from offline_irsa.surveys.allwise.tiling import ROW_N, Tile

TARGET = (314.30417, 77.595559)
TARGET_COORD = SkyCoord(*TARGET, unit="deg")
TILE_ID = "3150p772_ac51"
IBE = "https://irsa.ipac.caltech.edu/ibe/data/wise/allwise/p3am_cdd/31/3150/3150p772_ac51"
W3_URL = f"{IBE}/3150p772_ac51-w3-int-3.fits"
SIA_V1 = "https://irsa.ipac.caltech.edu/ibe/sia/wise/allwise/p3am_cdd"
V1_COLUMNS = ("sia_title sia_url cloud_access sia_naxes sia_fmt sia_ra sia_dec sia_naxis sia_crpix sia_crval "
              "sia_proj sia_scale sia_cd sia_bp_id sia_bp_ref sia_bp_hi sia_bp_lo sia_bp_unit magzp magzpunc "
              "unc_url cov_url coadd_id").split()
V2_COLUMNS = """s_ra s_dec facility_name instrument_name dataproduct_subtype calib_level dataproduct_type
  energy_bandpassname energy_emband obs_id s_resolution em_min em_max em_res_power proposal_title access_url
  access_format access_estsize t_exptime s_region obs_collection obs_intent algorithm_name facility_keywords
  instrument_keywords environment_photometric proposal_id proposal_pi proposal_project target_name target_type
  target_standard target_moving target_keywords obs_release_date s_xel1 s_xel2 s_pixel_scale
  position_timedependent t_min t_max t_resolution t_xel obs_publisher_did s_fov em_xel pol_states pol_xel
  cloud_access o_ucd upload_row_id""".split()
PER_BAND = {"W1": (6.1, 3e-06, 4e-06, 532.9863), "W2": (6.4, 4e-06, 5e-06, 548.5634),
            "W3": (6.5, 8e-06, 1.6e-05, 277.7632), "W4": (12.0, 2e-05, 2.4e-05, 277.9216)}


def get(server, url: str, **kwargs) -> requests.Response:
    return requests.get(rewrite(url, server.base), timeout=120, **kwargs)


# --- tiles, ids and paths --------------------------------------------------------------------

def test_the_recorded_tile_has_its_id_centre_and_path_and_holds_the_target():
    tile = Tile.from_id(TILE_ID)
    assert tile.center == (315.021854, 77.236667)
    assert tile.path("w3") == "p3am_cdd/31/3150/3150p772_ac51/3150p772_ac51-w3-int-3.fits"
    assert tile.file_name("w1", "unc") == "3150p772_ac51-w1-unc-3.fits.gz"
    assert tile.file_name("w4", "cov") == "3150p772_ac51-w4-cov-3.fits.gz"
    assert [t.coadd_id for t in find_tiles(*TARGET, 0, 0, "CENTER")][0] == TILE_ID


def test_tile_ids_are_unique_and_name_the_centre_in_tenths_of_a_degree():
    tiles = [Tile(r, i) for r in range(len(ROW_N)) for i in range(ROW_N[r])]
    ids = [t.coadd_id for t in tiles]
    assert len(set(ids)) == len(ids)
    for tile in tiles[::97]:
        ra, dec = tile.center
        assert tile.coadd_id == f"{round(ra * 10) % 3600:04d}{'p' if dec >= 0 else 'm'}{round(abs(dec) * 10):03d}_ac51"
        assert Tile.from_id(tile.coadd_id) == tile


def test_every_place_on_the_sky_is_in_a_tile():
    rng = np.random.default_rng(3)
    ra, dec = rng.uniform(0, 360, 300), np.degrees(np.arcsin(rng.uniform(-1, 1, 300)))
    for a, d in [*zip(ra, dec, strict=True), (0, 90), (0, -90), (123, 89.5), (200, -89.5)]:
        assert find_tiles(float(a), float(d), 0, 0, "CENTER"), (a, d)


# --- SIA v1 ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def v1(server):
    response = get(server, f"{SIA_V1}?POS={TARGET[0]},{TARGET[1]}&SIZE=0.0002777777777777778&VERB=2")
    return response, parse_single_table(io.BytesIO(response.content)).to_table()


def test_sia_v1_answers_four_rows_w4_w2_w3_w1_with_the_recorded_23_columns(v1):
    response, table = v1
    assert response.headers["Content-Type"].startswith("application/x-votable+xml")
    assert table.colnames == V1_COLUMNS and len(V1_COLUMNS) == 23
    assert list(table["sia_title"]) == [f"{b} Coadd {TILE_ID}" for b in ("W4", "W2", "W3", "W1")]
    w3 = table[2]
    assert w3["sia_url"] == W3_URL
    assert list(table["coadd_id"]) == [TILE_ID] * 4
    assert w3["sia_bp_id"] == "W3" and w3["sia_bp_unit"] == "meters"
    assert (w3["sia_bp_lo"], w3["sia_bp_hi"]) == (8e-06, 1.6e-05)
    assert list(w3["sia_naxis"]) == [4095, 4095] and w3["sia_proj"] == "SIN"
    assert abs(w3["sia_scale"][1] * 3600 - 1.375) < 1e-6
    assert w3["unc_url"] == f"{IBE}/3150p772_ac51-w3-unc-3.fits.gz"
    assert w3["cov_url"] == f"{IBE}/3150p772_ac51-w3-cov-3.fits.gz"
    assert w3["cloud_access"] == ('{"aws": {"bucket_name": "nasa-irsa-wise", "key":"wise/allwise/images/p3am_cdd/31/'
                                  '3150/3150p772_ac51/3150p772_ac51-w3-int-3.fits", "region": "us-west-2"}}')
    assert (w3["sia_ra"], w3["sia_dec"]) == (315.021854, 77.236667)


def test_pyvo_siaservice_sends_the_recorded_query_and_reads_the_rows(server):
    service = pyvo.dal.SIAService(rewrite(f"{SIA_V1}?", server.base))
    results = service.search(TARGET_COORD, size=1 * u.arcsec)
    assert len(results) == 4
    assert results[2].getdataurl() == W3_URL
    assert results[0].pos.separation(SkyCoord(315.021854, 77.236667, unit="deg")).arcsec < 1e-3


# --- SIA v2 ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def v2(server):
    url = f"{server.sia2}?POS=CIRCLE+314.304+77.5956+0.0002777777777777778&COLLECTION=wise_allwise"
    return parse_single_table(io.BytesIO(requests.get(url, timeout=60).content)).to_table()


def test_sia_v2_answers_30_rows_of_51_columns_one_per_product(v2):
    assert v2.colnames == V2_COLUMNS and len(V2_COLUMNS) == 51 and len(v2) == 30
    assert sorted(set(v2["dataproduct_subtype"])) == ["auxiliary", "noise", "science", "weight"]
    for band in PER_BAND:
        mine = v2[v2["energy_bandpassname"] == band]
        assert sorted(mine["dataproduct_subtype"]).count("science") == 1
        files = {r["dataproduct_subtype"]: r["access_url"] for r in mine if r["dataproduct_subtype"] != "auxiliary"}
        b = band.lower()
        assert files == {"science": f"{IBE}/{TILE_ID}-{b}-int-3.fits", "weight": f"{IBE}/{TILE_ID}-{b}-cov-3.fits.gz",
                         "noise": f"{IBE}/{TILE_ID}-{b}-unc-3.fits.gz"}
        aux = [r["access_url"].rsplit("/", 1)[1] for r in mine if r["dataproduct_subtype"] == "auxiliary"]
        assert {f"{TILE_ID}-art-{b}-{f}.tbl" for f in "DHOP"} <= set(aux)
        assert {r["access_format"] for r in mine if r["dataproduct_subtype"] == "auxiliary"} == {"text/plain"}
    assert {r["access_format"] for r in v2 if r["dataproduct_subtype"] in ("weight", "noise")} == {"application/x-gzip"}
    assert f"{TILE_ID}-mfflag-3.tbl" in {u.rsplit("/", 1)[1] for u in v2["access_url"]}


def test_sia_v2_science_rows_have_the_recorded_values(v2):
    science = v2[v2["dataproduct_subtype"] == "science"]
    for row in science:
        resolution, em_min, em_max, exptime = PER_BAND[row["energy_bandpassname"]]
        assert (row["s_resolution"], row["em_min"], row["em_max"], row["t_exptime"]) == (
            resolution, em_min, em_max, exptime)
    w3 = science[science["energy_bandpassname"] == "W3"][0]
    expected = {"s_ra": 315.021854, "s_dec": 77.236667, "facility_name": "Wide-field Infrared Survey Explorer",
                "instrument_name": "WISE", "calib_level": 3, "dataproduct_type": "image", "energy_emband": "Infrared",
                "obs_id": TILE_ID, "proposal_title": "Wide-field Infrared Survey Explorer - AllWISE Atlas Images",
                "obs_collection": "wise_allwise", "obs_intent": "science", "algorithm_name": "mosaic",
                "proposal_pi": "Edward L. Wright", "proposal_project": "WISE", "target_type": "field",
                "obs_release_date": "2013-11-13 00:00:00", "s_xel1": 4095, "s_xel2": 4095, "s_pixel_scale": 1.375,
                "s_fov": 1.5640624782851251, "access_format": "image/fits", "upload_row_id": 1,
                "obs_publisher_did": "ivo://irsa.ipac/wise_allwise?3150p772_ac51/3150p772_ac51_W3",
                "access_url": W3_URL}
    assert {k: w3[k] for k in expected} == expected
    words = w3["s_region"].split()
    assert words[:2] == ["POLYGON", "ICRS"] and len(words) == 12 and words[2:4] == words[10:12]
    ra, dec = np.array(words[2:], float)[0::2], np.array(words[2:], float)[1::2]
    # Recorded: corners from RA 311.26 to 318.79, Dec 76.43 to 77.99 (our corners: 318.784, within 0.01).
    assert abs(ra.min() - 311.26) < 0.01 and abs(ra.max() - 318.79) < 0.01
    assert round(dec.min(), 2) == 76.43 and round(dec.max(), 2) == 77.99
    assert json.loads(w3["cloud_access"])["aws"]["key"].endswith("p3am_cdd/31/3150/3150p772_ac51/"
                                                                 "3150p772_ac51-w3-int-3.fits")
    assert '"key":"wise/allwise/images/' in w3["cloud_access"]


def test_astroquery_query_sia_and_list_collections_find_wise_allwise(server):
    irsa = IrsaClass()
    irsa.sia_url = server.sia2
    found = irsa.query_sia(pos=(TARGET_COORD, 1 * u.arcsec), collection="wise_allwise")
    science = found[found["dataproduct_subtype"] == "science"]
    assert sorted(science["energy_bandpassname"]) == ["W1", "W2", "W3", "W4"]
    assert W3_URL in list(science["access_url"])
    assert [s.collection.name for s in SURVEYS] == ["twomass_allsky", "wise_allwise"]


def test_a_publisher_did_finds_the_bands_products(server):
    did = "ivo://irsa.ipac/wise_allwise?3150p772_ac51/3150p772_ac51_W3"
    table = parse_single_table(io.BytesIO(requests.get(server.sia2, params={"ID": did}, timeout=60).content)).to_table()
    assert len(table) == 7 and set(table["energy_bandpassname"]) == {"W3"}


# --- the files -------------------------------------------------------------------------------

def test_intensity_header_as_recorded_and_not_gzipped(server):
    response = get(server, W3_URL + "?center=100,100pix&size=3pix&gzip=false")
    assert response.status_code == 200
    header = render.header(Tile.from_id(TILE_ID), "w3")
    assert len(header) == 71
    assert header["NAXIS1"] == header["NAXIS2"] == 4095 and header["BITPIX"] == -32
    assert header["CTYPE1"] == "RA---SIN" and header["CTYPE2"] == "DEC--SIN"
    assert header["EQUINOX"] == 2000.0 and header["BUNIT"] == "DN" and header["MAGZP"] == 18.0
    assert header["SYNTHETC"] is True and any("SYNTHETIC" in c for c in header["COMMENT"])
    assert abs(abs(header["CDELT1"]) * 3600 - 1.375) < 1e-6
    head = get(server, W3_URL, stream=True)
    assert head.headers["Content-Type"] == "application/fits" and head.headers["Content-Length"] == "67083840"
    first = next(head.iter_content(2880))
    head.close()
    assert first.startswith(b"SIMPLE  =                    T")


@pytest.mark.parametrize("kind", ["unc", "cov"])
def test_uncertainty_and_coverage_are_gzipped_with_the_same_header_but_bunit_and_filetype(server, kind):
    url = W3_URL.replace("-int-3.fits", f"-{kind}-3.fits.gz")
    response = get(server, url + "?center=2048,2048pix&size=5pix")
    assert response.status_code == 200 and response.content[:2] == b"\x1f\x8b"
    cut = fits.open(io.BytesIO(gzip.decompress(response.content)))[0]
    assert cut.data.shape == (5, 5) and np.all(cut.data > 0)
    tile = Tile.from_id(TILE_ID)
    this, intensity = render.header(tile, "w3", kind), render.header(tile, "w3")
    differ = {k for k in intensity if k != "COMMENT" and this[k] != intensity[k]}
    # Only BUNIT and FILETYPE differ (uncertainties are in DN too, so there BUNIT is the same).
    assert differ == ({"FILETYPE"} if kind == "unc" else {"BUNIT", "FILETYPE"}) and len(this) == 71
    streamed = get(server, url, stream=True)
    assert streamed.headers["Content-Type"] == "application/gzip"
    assert next(streamed.iter_content(2)) == b"\x1f\x8b"
    streamed.close()


@pytest.mark.parametrize("name", ["3150p772_ac51-art-w3-D.tbl", "3150p772_ac51-art-w1-P.tbl",
                                  "3150p772_ac51-mfflag-3.tbl"])
def test_auxiliary_tables_are_a_404_that_says_they_are_not_served(server, name):
    response = get(server, f"{IBE}/{name}")
    assert response.status_code == 404 and "not served by the offline stand-in" in response.text


def test_paths_that_name_no_file_are_404(server):
    for path in ("3150p772_ac51-w5-int-3.fits", "3150p772_ac51-w3-int-3.fits.gz", "3150p773_ac51-w3-int-3.fits"):
        assert get(server, f"{IBE}/{path}").status_code == 404, path


# --- pixels on demand ------------------------------------------------------------------------

def test_a_one_arcmin_cutout_computes_only_its_44_by_44_patch(server, monkeypatch):
    boxes = []
    real = render.intensity

    def spy(tile, band, rows, columns):
        boxes.append((rows[1] - rows[0], columns[1] - columns[0]))
        return real(tile, band, rows, columns)

    monkeypatch.setattr(render, "intensity", spy)
    response = get(server, f"{W3_URL}?center={TARGET[0]},{TARGET[1]}&size=1arcmin")
    cut = fits.open(io.BytesIO(gzip.decompress(response.content)))[0]
    assert cut.data.shape == (44, 44) and boxes == [(44, 44)]


def test_a_pixel_has_the_same_value_in_a_cutout_and_in_the_whole_image(server):
    hdu = fits.open(io.BytesIO(get(server, W3_URL).content))[0]
    whole = hdu.data
    assert len(hdu.header) == 71 and hdu.header["SYNTHETC"] is True  # the served file: 71 cards, as IRSA's
    assert whole.shape == (4095, 4095) and whole.dtype == np.dtype(">f4")
    for cx, cy, n in ((1, 1, 7), (2048, 2048, 44), (4095, 4095, 9), (1000, 3000, 300), (130, 127, 5)):
        cut = fits.open(io.BytesIO(get(server, f"{W3_URL}?center={cx},{cy}pix&size={n}pix&gzip=0").content))[0]
        x0, y0 = max(0, cx - 1 - (n - 1) // 2), max(0, cy - 1 - (n - 1) // 2)
        assert np.array_equal(cut.data, whole[y0:y0 + cut.data.shape[0], x0:x0 + cut.data.shape[1]]), (cx, cy)
    sky = np.median(whole)
    assert abs(sky - 900) < 2 and 7 < np.subtract(*np.percentile(whole, [50, 15.87])) < 11


def test_a_whole_file_streams_in_bounded_pieces_with_bounded_memory():
    import tracemalloc

    from offline_irsa.services import ibe
    from offline_irsa.surveys.allwise.files import open_file

    served = open_file("31/3150/3150p772_ac51/3150p772_ac51-w3-int-3.fits")
    tracemalloc.start()
    try:
        sizes = [len(piece) for piece in ibe.stream(served, compress=False)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert sum(sizes) == ibe.streamed_length(served) == 67_083_840
    assert max(sizes) <= ibe.STREAM_ROWS * 4095 * 4 and len(sizes) > 10
    assert peak < 40e6  # a few chunks' worth, not the 67 MB file


def test_byte_ranges_of_the_intensity_file_read_as_fsspec_reads_them(server):
    whole = get(server, W3_URL).content
    for first, last in ((0, 99), (5700, 5800), (5760, 5760 + 4 * 4095 * 3 + 17), (67_083_000, 67_083_839),
                        (40_000_000, 41_234_567)):
        part = get(server, W3_URL, headers={"Range": f"bytes={first}-{last}"})
        assert part.status_code == 206 and part.content == whole[first:last + 1], (first, last)
        assert part.headers["Content-Range"] == f"bytes {first}-{last}/{len(whole)}"
    with fits.open(rewrite(W3_URL, server.base), use_fsspec=True) as hdul:
        assert np.array_equal(hdul[0].section[2000:2010, 1000:1012], fits.open(io.BytesIO(whole))[0].data[2000:2010,
                                                                                                           1000:1012])


def test_head_of_a_whole_file_computes_no_pixels(server, monkeypatch):
    import time

    computed = []
    real = render.intensity
    monkeypatch.setattr(render, "intensity", lambda *args: computed.append(args[2]) or real(*args))
    response = requests.head(rewrite(W3_URL, server.base), timeout=30)
    assert response.status_code == 200 and response.headers["Content-Length"] == "67083840"
    time.sleep(0.5)  # a body would be computed after the headers went out
    assert computed == []
