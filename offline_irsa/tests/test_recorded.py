"""The stand-in against what the real IRSA sends, fact by fact (irsa-recorded.md).

Each test names the section of the record it checks; the recorded values are written here
as data. IBE cutout facts (unit spellings, gzip flags, IRSA's edge and equivalence
examples, HTTP 500 for a cutout that misses) are in test_ibe.py.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import math
import re
import warnings
from xml.etree import ElementTree

import numpy as np
import pytest
import requests
from astropy.io import fits
from astropy.io.votable import parse
from astropy.io.votable.exceptions import VOWarning
from astropy.wcs import WCS

from offline_irsa.harness.routing import rewrite
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.tiling import AtlasTile

from .conftest import TARGET

RECORDED_COLUMNS = ["sia_title", "sia_url", "sia_naxes", "sia_fmt", "sia_ra", "sia_dec", "sia_naxis", "sia_crpix",
                    "sia_crval", "sia_proj", "sia_scale", "sia_cd", "sia_bp_id", "sia_bp_ref", "sia_bp_lo",
                    "sia_bp_hi", "pers_art", "glint_art", "ordate", "hemisphere", "scanno", "coaddno", "ut_date",
                    "coadd_key", "seesh", "magzp", "msnr10"]
RECORDED_UCDS = {"sia_title": "VOX:Image_Title", "sia_url": "VOX:Image_AccessReference",
                 "sia_naxes": "VOX:Image_Naxes", "sia_fmt": "VOX:Image_Format", "sia_ra": "POS_EQ_RA_MAIN",
                 "sia_dec": "POS_EQ_DEC_MAIN", "sia_naxis": "VOX:Image_Naxis", "sia_crpix": "VOX:WCS_CoordRefPixel",
                 "sia_crval": "VOX:WCS_CoordRefValue", "sia_proj": "VOX:WCS_CoordProjection",
                 "sia_scale": "VOX:Image_Scale", "sia_cd": "VOX:WCS_CDMatrix", "sia_bp_id": "VOX:BandPass_ID",
                 "sia_bp_ref": "VOX:BandPass_RefValue", "sia_bp_lo": "VOX:BandPass_LoLimit",
                 "sia_bp_hi": "VOX:BandPass_HiLimit"}
RECORDED_UNITS = {"sia_ra": "deg", "sia_dec": "deg", "sia_crval": "deg", "sia_crpix": "pix", "sia_scale": "deg/pix",
                  "sia_cd": "deg/pix"}
RECORDED_PARAMS = {"sia_bp_unit": "meters", "sia_pixflags": "CZ", "sia_radesys": "FK5", "sia_equinox": 2000.0}
RECORDED_BANDPASSES = {"J": (1.235e-6, 1.066e-6, 1.404e-6), "H": (1.662e-6, 1.400e-6, 1.924e-6),
                       "K": (2.159e-6, 1.884e-6, 2.434e-6)}
TITLE = re.compile(r"^2MASS All-Sky Data Release (?P<band>[JHK])-Band Atlas Image: "
                   r"(?P<ordate>\d{6}) (?P<hemisphere>[ns]) (?P<scanno>\d{3}) (?P<coaddno>\d{4})$")
# Keywords the real Ks header has and a tutorial may read, with their Python types there.
RECORDED_KEYWORDS = {"ORDATE": str, "DAYNUM": str, "SCANNO": int, "SCANDIR": str, "ORIGIN": str, "CTYPE1": str,
                     "CTYPE2": str, "CRPIX1": float, "CRPIX2": float, "CRVAL1": float, "CRVAL2": float,
                     "CROTA2": float, "CDELT1": float, "CDELT2": float, "SKYVAL": float, "SKYSIG": float,
                     "MAGZP": float, "SEESH": float, "DYFS": float, "NUMFRMS": int, "TELNAME": str, "FILTER": str,
                     "UT_DATE": str, "UT": str, "EQUINOX": float, "RA_SOS": str, "DEC_SOS": str, "RA_EOS": str,
                     "DEC_EOS": str, "QT0227": float, "QT0668": float, "QT1586": float, "QT3085": float,
                     "QT5000": float, "QT6914": float, "QT8413": float, "QT9331": float, "QT9772": float}
SURVEY_DAY_1 = dt.date(1997, 3, 1)
VOTABLE_NS = "{http://www.ivoa.net/xml/VOTable/v1.2}"
FIRST_SURVEY_DAY = {"n": 109, "s": 384}  # Mt. Hopkins and CTIO (the record's day numbers)


@pytest.fixture(scope="module")
def answer(server):
    return requests.get(server.sia, params={"POS": f"{TARGET[0]},{TARGET[1]}", "SIZE": "0"}, timeout=30)


@pytest.fixture(scope="module")
def votable(answer):
    return parse(io.BytesIO(answer.content))


def fetch_image(server, url: str, **params) -> fits.PrimaryHDU:
    response = requests.get(rewrite(url, server.base), params=params, timeout=60)
    response.raise_for_status()
    return fits.open(io.BytesIO(gzip.decompress(response.content)))[0]


@pytest.fixture(scope="module")
def images(server, votable):
    """The atlas images at the tutorial target, as served, with their SIA rows."""
    table = votable.get_first_table().to_table()
    return [(row, fetch_image(server, row["sia_url"])) for row in table]


# --- SIA v1 answer ------------------------------------------------------------------------

def test_sia_columns_in_irsas_order_and_no_others(votable):
    assert [f.name for f in votable.get_first_table().fields] == RECORDED_COLUMNS


def test_sia_ucd1_words(votable):
    fields = {f.name: f for f in votable.get_first_table().fields}
    assert {name: fields[name].ucd for name in RECORDED_UCDS} == RECORDED_UCDS


def test_strict_parse_refuses_the_answer_as_it_refuses_irsas_and_the_default_parse_reads_it(answer):
    with pytest.raises(VOWarning, match="W06"):
        parse(io.BytesIO(answer.content), verify="exception")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(parse(io.BytesIO(answer.content)).get_first_table().to_table()) == 6


def test_sia_units_and_params(answer, votable):
    written = {e.get("name"): e.get("unit") for e in ElementTree.fromstring(answer.content).iter(f"{VOTABLE_NS}FIELD")}
    assert {name: written[name] for name in RECORDED_UNITS} == RECORDED_UNITS  # as written, not as parsed
    assert {p.name: p.value for p in votable.get_first_table().params} == RECORDED_PARAMS


def test_array_cells_are_space_separated_inside_one_cell(answer, images):
    text = answer.text
    assert "<TD>512 1024</TD>" in text and "<TD>256.5 512.5</TD>" in text
    for row, hdu in images:
        header = hdu.header
        cdelt1, cdelt2, rho = header["CDELT1"], header["CDELT2"], math.radians(header["CROTA2"])
        assert list(row["sia_scale"]) == [cdelt1, cdelt2]
        expected_cd = [math.cos(rho) * cdelt1, -math.sin(rho) * cdelt2, math.sin(rho) * cdelt1,
                       math.cos(rho) * cdelt2]
        assert np.allclose(row["sia_cd"], expected_cd, rtol=1e-12, atol=0)
        assert list(row["sia_crval"]) == pytest.approx([header["CRVAL1"], header["CRVAL2"]], abs=1e-10)


def test_bandpasses_in_metres(images):
    for row, _ in images:
        assert (row["sia_bp_ref"], row["sia_bp_lo"], row["sia_bp_hi"]) == RECORDED_BANDPASSES[row["sia_bp_id"]]


def test_title_and_dates(images):
    for row, hdu in images:
        match = TITLE.match(row["sia_title"])
        assert match, row["sia_title"]
        assert match["band"] == row["sia_bp_id"] == hdu.header["FILTER"].upper()
        assert (match["ordate"], match["hemisphere"], int(match["scanno"]), int(match["coaddno"])) == (
            row["ordate"], row["hemisphere"], row["scanno"], row["coaddno"])
        for yymmdd in (row["ordate"], row["ut_date"]):
            assert re.fullmatch(r"\d{6}", yymmdd) and dt.datetime.strptime(yymmdd, "%y%m%d")


def test_votable_version_mime_type_status_and_input_params(answer, votable):
    assert answer.headers["Content-Type"].startswith("application/x-votable+xml")
    assert votable.version == "1.2"
    resource = votable.resources[0]
    assert resource.type == "results"
    assert [(i.name, i.value) for i in resource.infos][0] == ("QUERY_STATUS", "OK")
    assert {"INPUT:POS", "INPUT:SIZE", "INPUT:INTERSECT", "INPUT:FORMAT"} <= {p.name for p in resource.params}


def test_format_values(server):
    def rows(**params):
        vot = parse(io.BytesIO(requests.get(server.sia, params=params, timeout=30).content))
        info = [i for i in vot.resources[0].infos if i.name == "QUERY_STATUS"][0]
        return info.value, (len(vot.get_first_table().array) if vot.resources[0].tables else None)

    pos = f"{TARGET[0]},{TARGET[1]}"
    assert rows(POS=pos, FORMAT="ALL") == rows(POS=pos, FORMAT="image/fits") == ("OK", 6)
    assert rows(FORMAT="METADATA") == ("OK", 0)
    assert rows(POS=pos, FORMAT="image/jpeg")[0] == "ERROR"


def test_two_image_sets_at_the_tutorial_target_like_the_real_archive(images):
    assert len(images) == 6 and sorted(r["sia_bp_id"] for r, _ in images) == ["H", "H", "J", "J", "K", "K"]
    twists = set()
    for _, hdu in images:
        header = hdu.header
        assert hdu.data.shape == (1024, 512)
        assert (header["CRPIX1"], header["CRPIX2"]) == (256.5, 512.5)
        assert (header["CDELT1"], header["CDELT2"]) == (-2.777777845e-4, 2.777777845e-4)
        twists.add(header["CROTA2"])
    assert len(twists) == 2 and all(0.01 < abs(t) <= 0.05 for t in twists)  # real: -0.032 and +0.048


# --- Atlas images ------------------------------------------------------------------------

def test_header_keywords_and_types_as_in_the_real_header(images):
    for _, hdu in images:
        header = hdu.header
        assert header["BITPIX"] == -32 and header["NAXIS1"] == 512
        assert {k: type(header[k]) for k in RECORDED_KEYWORDS} == RECORDED_KEYWORDS
        assert (header["CTYPE1"], header["CTYPE2"], header["EQUINOX"]) == ("RA---SIN", "DEC--SIN", 2000.0)
        assert "RADESYS" not in header and "BUNIT" not in header
        assert WCS(header).wcs.radesys == "FK5"  # what astropy makes of EQUINOX without RADESYS
        assert header["SYNTHETC"] is True and any("SYNTHETIC" in c for c in header["COMMENT"])


def test_four_nan_columns_on_each_side(images):
    for _, hdu in images:
        nan_columns = np.isnan(hdu.data).all(axis=0)
        assert nan_columns.tolist() == [True] * 4 + [False] * 504 + [True] * 4
        assert np.isfinite(hdu.data[:, 4:508]).all()


def test_sky_keywords_describe_the_pixels(images):
    for _, hdu in images:
        header, finite = hdu.header, hdu.data[np.isfinite(hdu.data)]
        for key, level in (("QT0227", 2.27), ("QT1586", 15.86), ("QT5000", 50.0), ("QT9772", 97.72)):
            assert np.mean(finite < header[key]) == pytest.approx(level / 100, abs=0.002)
        sky = finite[np.abs(finite - header["SKYVAL"]) < 3 * header["SKYSIG"]]
        assert np.median(sky) == pytest.approx(header["SKYVAL"], abs=0.3 * header["SKYSIG"])
        assert np.std(sky) == pytest.approx(header["SKYSIG"] * 0.97, rel=0.1)  # a 3-sigma clip trims ~3%


def test_ks_sky_zero_point_and_seeing_close_to_the_recorded_images(server):
    tiles = find_tiles(275.0, -16.25, 0.2, 0.2, "OVERLAPS")[:4]  # the recorded Ks images' field
    for tile in tiles:
        header = fetch_image(server, "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/"
                             + tile.path("k")).header
        assert 630 <= header["SKYVAL"] <= 660 and 3.3 <= header["SKYSIG"] <= 4.1  # recorded: 639.2, 3.72
        assert header["MAGZP"] == pytest.approx(19.93, abs=0.05) and 0.8 <= header["SEESH"] <= 1.3


def test_survey_days_and_hemispheres(images):
    for tile in [AtlasTile(b, s, t) for b in (0, 7, 14, 15, 22, 29) for s in (0, 57) for t in (0, 22)]:
        day = tile.daynum
        assert tile.night == SURVEY_DAY_1 + dt.timedelta(days=day - 1)
        assert day >= FIRST_SURVEY_DAY[tile.hemisphere] and tile.night <= dt.date(2001, 2, 15)
    for row, hdu in images:
        header = hdu.header
        assert re.fullmatch(r"\d{4}", header["DAYNUM"])
        night = dt.datetime.strptime(header["ORDATE"], "%y%m%d").date()
        assert (night - SURVEY_DAY_1).days + 1 == int(header["DAYNUM"])
        assert header["TELNAME"] == {"n": "Hopkins", "s": "CTIO"}[row["hemisphere"]]
        assert re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d", header["UT"]) and header["SCANDIR"] in ("n", "s")


def test_image_number_is_the_frame_nearest_the_image_centre(images):
    """From the header alone: frames of DYFS arcsec, NUMFRMS of them centred on the scan."""
    for row, hdu in images:
        header = hdu.header
        start, end = (dms(header[k]) for k in ("DEC_SOS", "DEC_EOS"))
        scan_length = abs(end - start) * 3600
        overhang = (header["NUMFRMS"] * abs(header["DYFS"]) - scan_length) / 2
        from_start = abs(header["CRVAL2"] - start) * 3600 + overhang
        frame_centres = (np.arange(header["NUMFRMS"]) + 0.5) * abs(header["DYFS"])
        assert int(np.abs(frame_centres - from_start).argmin()) + 1 == row["coaddno"]
        assert np.sign(header["DYFS"]) == (1 if header["SCANDIR"] == "n" else -1) == np.sign(end - start)
        assert row["sia_url"].endswith(f"/{header['FILTER']}i{row['scanno']:03d}{row['coaddno']:04d}.fits.gz")


def test_image_numbers_step_about_twelve_frames_along_a_scan():
    for scandir_scan in (0, 1):  # even scans run north, odd ones south
        numbers = [AtlasTile(20, scandir_scan, t).image_number for t in range(23)]
        steps = np.diff(numbers) * (1 if scandir_scan == 0 else -1)
        assert set(steps[:-1]) <= {11, 12} and 1 <= min(numbers) and max(numbers) <= 274


def dms(text: str) -> float:
    sign = -1 if text.startswith("-") else 1
    d, m, s = (float(v) for v in text.lstrip("+-").split(":"))
    return sign * (d + m / 60 + s / 3600)
