"""SIA v2 at /SIA against the record (irsa-recorded.md, "SIA v2 at ..."), its clients, and the four doors.

The four doors to one image are SIA v1 (/ibe/sia/twomass/allsky/allsky), SIA v2 (/SIA),
IRSA's older 2MASS SIA (/cgi-bin/2MASS/IM/nph-im_sia) and IBE's data files: at the
tutorial target they must find the same images, with the same centres, and URLs whose
pixels are byte for byte the same.
"""

from __future__ import annotations

import gzip
import io
import re
import time
import warnings
from xml.etree import ElementTree

import astropy.units as u
import numpy as np
import pytest
import pyvo
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.io.votable import parse
from astropy.table import Table
from astroquery.ipac.irsa import IrsaClass

from offline_irsa.harness.routing import rewrite
from offline_irsa.services.sia2 import pos as sia2_pos
from offline_irsa.surveys.twomass.collection import TwoMassAllSky
from offline_irsa.surveys.twomass.images import AtlasImage
from offline_irsa.surveys.twomass.regions import find_tiles, region_corners
from offline_irsa.surveys.twomass.tiling import AtlasTile

from .conftest import TARGET, geometry_wcs, sky_positions

# --- the record ---------------------------------------------------------------------------------
RECORDED_COLUMNS = (
    "s_ra, s_dec, facility_name, instrument_name, dataproduct_subtype, calib_level, dataproduct_type, "
    "energy_bandpassname, energy_emband, obs_id, s_resolution, em_min, em_max, em_res_power, proposal_title, "
    "access_url, access_format, access_estsize, t_exptime, s_region, obs_collection, obs_intent, algorithm_name, "
    "facility_keywords, instrument_keywords, environment_photometric, proposal_id, proposal_pi, proposal_project, "
    "target_name, target_type, target_standard, target_moving, target_keywords, obs_release_date, s_xel1, s_xel2, "
    "s_pixel_scale, position_timedependent, t_min, t_max, t_resolution, t_xel, obs_publisher_did, s_fov, em_xel, "
    "pol_states, pol_xel, cloud_access, o_ucd, upload_row_id").split(", ")
RECORDED_UNITS = {"s_ra": "deg", "s_dec": "deg", "s_region": "deg", "s_fov": "deg", "s_resolution": "arcsec",
                  "s_pixel_scale": "arcsec", "em_min": "m", "em_max": "m", "access_estsize": "kbyte",
                  "t_exptime": "s", "t_min": "d", "t_max": "d"}
RECORDED_TYPES = {"calib_level": "short", **dict.fromkeys(
    ("s_xel1", "s_xel2", "t_xel", "em_xel", "pol_xel", "access_estsize", "upload_row_id"), "long"), **dict.fromkeys(
    ("environment_photometric", "target_standard", "target_moving", "position_timedependent"), "boolean")}
SIA2_STANDARD_ID = "ivo://ivoa.net/std/SIA#query-2.0"
VOTABLE = "{http://www.ivoa.net/xml/VOTable/v1.3}"
POS_TEXT = f"CIRCLE {TARGET[0]} {TARGET[1]} {1 / 3600}"
TARGET_COORD = SkyCoord(*TARGET, unit="deg")


def get(server, **params) -> requests.Response:
    return requests.get(server.sia2, params=params, timeout=30)


def status(response) -> tuple[str, str | None]:
    infos = parse(io.BytesIO(response.content)).resources[0].infos
    return next((i.value, i.content) for i in infos if i.name == "QUERY_STATUS")


def rows(response) -> Table:
    return parse(io.BytesIO(response.content)).get_first_table().to_table()


@pytest.fixture(scope="module")
def answer(server):
    return get(server, POS=POS_TEXT, COLLECTION="twomass_allsky")


@pytest.fixture(scope="module")
def table(answer):
    return rows(answer)


# --- VOSI and the clients ------------------------------------------------------------------------

def test_capabilities_name_sia2_with_the_access_url_pyvo_takes(server):
    service = pyvo.dal.SIA2Service(server.sia2)
    standards = {c.standardid: [i.accessurls[0].content for i in c.interfaces] for c in service.capabilities}
    assert standards[SIA2_STANDARD_ID] == [server.sia2]
    assert service.query_ep == server.sia2
    assert standards["ivo://ivoa.net/std/VOSI#availability"] == [server.sia2 + "/availability"]
    availability = ElementTree.fromstring(requests.get(server.sia2 + "/availability", timeout=10).content)
    assert [e.text for e in availability if e.tag.endswith("available")] == ["true"]


def test_pyvo_sends_what_the_record_says_and_reads_the_answer(server):
    query = pyvo.dal.sia2.SIA2Query(server.sia2, pos=(TARGET_COORD, 1 * u.arcsec), collection="twomass_allsky")
    assert dict(query) == {"POS": ["CIRCLE 314.304 77.5956 0.0002777777777777778"], "COLLECTION": ["twomass_allsky"]}
    results = query.execute()
    assert len(results) == 6
    for record in results:
        assert record.access_url.startswith("https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/")
        assert record.obs_collection == "twomass_allsky" and record.calib_level == 2
        assert record.s_ra.unit == u.deg and record.access_estsize.to(u.MB).value == pytest.approx(2.1, abs=0.1)
    assert results.to_table().colnames == RECORDED_COLUMNS


def test_astroquery_query_sia_finds_the_h_band_images_the_first_tutorial_finds(server):
    irsa = IrsaClass()
    irsa.sia_url = server.sia2
    found = irsa.query_sia(pos=(TARGET_COORD, 1 * u.arcsec), collection="twomass_allsky")
    science_h = found[(found["dataproduct_subtype"] == "science") & (found["energy_bandpassname"] == "H")]
    tutorial = Table.read(f"{server.sia}?POS={TARGET[0]},{TARGET[1]}&SIZE=0.01,0.01&RESPONSEFORMAT=CSV",
                          format="ascii.csv")  # the first tutorial's own search
    tutorial_h = [row["sia_url"] for row in tutorial if re.search(r"\bH[-\s]?Band\b", row["sia_title"])]
    assert len(science_h) == 2 and sorted(science_h["access_url"]) == sorted(tutorial_h)


# --- the answer, fact by fact ------------------------------------------------------------------

def test_columns_in_irsas_order_units_and_types(answer):
    fields = list(ElementTree.fromstring(answer.content).iter(f"{VOTABLE}FIELD"))
    assert [f.get("name") for f in fields] == RECORDED_COLUMNS and len(fields) == 51
    assert {f.get("name"): f.get("unit") for f in fields if f.get("unit")} == RECORDED_UNITS
    types = {f.get("name"): f.get("datatype") for f in fields}
    assert {name: types[name] for name in RECORDED_TYPES} == RECORDED_TYPES
    assert answer.headers["Content-Type"].startswith("application/x-votable+xml")
    assert status(answer) == ("OK", None)


def test_one_science_row_per_band_image(table):
    assert len(table) == 6 and list(table["energy_bandpassname"]) == ["J", "H", "K"] * 2
    assert set(table["dataproduct_subtype"]) == {"science"} and set(table["dataproduct_type"]) == {"image"}
    assert set(table["obs_collection"]) == {"twomass_allsky"} and set(table["calib_level"]) == {2}
    assert list(table["upload_row_id"]) == [1] * 6
    for row in table:
        assert row["access_url"].endswith(".fits.gz") and row["access_format"] == "application/x-gzip"
        assert (row["s_xel1"], row["s_xel2"]) == (512, 1024) and row["s_pixel_scale"] == pytest.approx(1.0)
        assert row["obs_publisher_did"] == (f"ivo://irsa.ipac/twomass_allsky?{row['obs_id']}/"
                                            f"{row['obs_id']}_{row['energy_bandpassname']}")
        assert row["em_min"] < {"J": 1.235e-6, "H": 1.662e-6, "K": 2.159e-6}[row["energy_bandpassname"]] < row["em_max"]
        assert row["t_min"] < row["t_max"] and 50_600 < row["t_min"] < 51_960  # MJD, 1997 to 2001
        assert row["s_fov"] == pytest.approx(1024 / 3600, rel=1e-6)


def test_s_region_is_the_images_footprint(server, table):
    for row in table:
        words = row["s_region"].split()
        assert words[:2] == ["POLYGON", "ICRS"] and len(words) == 2 + 10 and words[2:4] == words[-2:]
        corners = np.array(words[2:-2], dtype=float).reshape(4, 2)
        image = AtlasImage.from_ibe_path(row["access_url"].split("/allsky/allsky/")[1])
        footprint = geometry_wcs(image.tile).calc_footprint(axes=image.naxis, center=False)  # outer pixel corners
        for corner in corners:
            separations = np.hypot((footprint[:, 0] - corner[0]) * np.cos(np.radians(corner[1])),
                                   footprint[:, 1] - corner[1])
            assert separations.min() * 3600 < 0.01
        assert (row["s_ra"], row["s_dec"]) == image.center


# --- parameters ----------------------------------------------------------------------------------

def urls(server, **params) -> list[str]:
    """access_url of the rows found; twomass_allsky's alone unless the test names collections itself."""
    if not any(k in params for k in ("COLLECTION", "CALIB", "FACILITY", "INSTRUMENT", "ALL")):
        params["COLLECTION"] = "twomass_allsky"
    params.pop("ALL", None)
    response = get(server, **params)
    assert status(response)[0] in ("OK", "OVERFLOW"), status(response)
    return list(rows(response)["access_url"])


def sia_v1_urls(ra, dec, width, height, intersect="OVERLAPS") -> list[str]:
    return [AtlasImage(tile, band).url for tile in find_tiles(ra, dec, width, height, intersect) for band in "jhk"]


def polygon(vertices) -> str:
    return "POLYGON " + " ".join(f"{a!r} {d!r}" for a, d in vertices)


@pytest.mark.parametrize("ra, dec", sky_positions(6, seed=16))
def test_polygon_and_circle_find_what_sia_v1_finds(server, ra, dec):
    box = region_corners(ra, dec, 0.3, 0.2)  # SIA v1's search box: great-circle edges, as POLYGON's
    vertices = [(float(np.degrees(np.arctan2(y, x)) % 360), float(np.degrees(np.arcsin(z)))) for x, y, z in box]
    expected = sorted(sia_v1_urls(ra, dec, 0.3, 0.2))
    assert sorted(urls(server, POS=polygon(vertices))) == expected
    assert sorted(urls(server, POS=polygon(vertices[::-1]))) == expected  # either way round
    assert sorted(urls(server, POS=f"CIRCLE {ra} {dec} 1e-9")) == sorted(sia_v1_urls(ra, dec, 0, 0, "CENTER"))


def test_a_circle_meets_an_image_when_its_disc_reaches_a_corner():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    corner, middle = tile.corners()[0], sia2_pos._unit(*tile.center)
    outward = (corner - middle) / np.linalg.norm(corner - middle)
    gap = np.radians(5 / 3600)  # a point 5" beyond the corner, along the diagonal
    point = corner + outward * gap
    point /= np.linalg.norm(point)
    ra, dec = float(np.degrees(np.arctan2(point[1], point[0])) % 360), float(np.degrees(np.arcsin(point[2])))
    reaches = sia2_pos.parse(f"CIRCLE {ra!r} {dec!r} {5.1 / 3600!r}")
    misses = sia2_pos.parse(f"CIRCLE {ra!r} {dec!r} {4.9 / 3600!r}")
    assert tile in TwoMassAllSky.tiles(reaches) and tile not in TwoMassAllSky.tiles(misses)


def test_range_around_the_pole_is_the_polar_cap(server):
    assert sorted(urls(server, POS="RANGE 0 360 89.9 90")) == sorted(urls(server, POS="CIRCLE 0 90 0.1"))
    assert sorted(urls(server, POS="RANGE -Inf +Inf 89.9 +Inf")) == sorted(urls(server, POS="CIRCLE 0 90 0.1"))
    small = urls(server, POS="RANGE 314.2 314.4 77.55 77.65")
    assert set(urls(server, POS=POS_TEXT)) < set(small)


def test_several_values_mean_or_and_parameters_and(server):
    one, other = POS_TEXT, "CIRCLE 10 10 0.0001"
    both = get(server, POS=[one, other], COLLECTION="twomass_allsky")
    table = rows(both)
    assert list(table["access_url"]) == urls(server, POS=one) + urls(server, POS=other)
    assert list(table["upload_row_id"]) == [1] * 6 + [2] * 3
    h = urls(server, POS=one, BAND="1.662e-6")
    assert h == urls(server, POS=one)[1::3]
    assert urls(server, POS=one, BAND=["1.662e-6", "2.2e-6"]) == [u for u in urls(server, POS=one) if "/ji" not in u]
    assert urls(server, POS=one, BAND="2e-6 Inf") == urls(server, POS=one)[2::3]
    assert urls(server, POS=one, BAND="-Inf 1.3e-6") == urls(server, POS=one)[0::3]
    assert urls(server, POS=one, BAND="2e-6 +inf", CALIB="2") == urls(server, POS=one)[2::3]
    everything = urls(server, POS=one)
    for params in ({"CALIB": "2"}, {"COLLECTION": "twomass_allsky", "DPTYPE": "image"},
                   {"FACILITY": "2MASS"}, {"INSTRUMENT": "2MASS"}, {"COLLECTION": "twomass_allsky",
                                                                    "FORMAT": "application/x-gzip"}):
        assert urls(server, POS=one, **params) == everything, params
    wise = urls(server, POS=one, COLLECTION="wise_allwise")
    assert len(wise) == 30 and not set(wise) & set(everything)
    for params in ({"CALIB": ["3", "2"]}, {"COLLECTION": ["wise_allwise", "twomass_allsky"]}, {"ALL": 1}):
        assert sorted(urls(server, POS=one, **params)) == sorted(everything + wise), params
    for params in ({"CALIB": "3"}, {"FACILITY": "Wide-field Infrared Survey Explorer"}, {"INSTRUMENT": "WISE"}):
        assert urls(server, POS=one, **params) == wise, params
    for params in ({"COLLECTION": "twomass_allsky", "CALIB": "3"}, {"DPTYPE": "cube"}, {"FACILITY": "WISE"},
                   {"FORMAT": "image/png"}, {"BAND": "3e-6 5e-6"}, {"CALIB": "2", "COLLECTION": "wise_allwise"}):
        assert urls(server, POS=one, **params) == [], params


def test_id_finds_one_image_alone_or_with_pos(server, table):
    did = table["obs_publisher_did"][1]
    assert urls(server, ID=did) == [table["access_url"][1]]
    assert urls(server, ID=did, POS=POS_TEXT) == [table["access_url"][1]]
    assert urls(server, ID=did, POS="CIRCLE 10 10 0.001") == []
    assert urls(server, ID="ivo://irsa.ipac/twomass_allsky?000616n0600256/000616n0600256_Q") == []


def test_maxrec(server):
    columns_only = get(server, MAXREC="0")
    assert status(columns_only)[0] == "OK" and len(rows(columns_only)) == 0
    assert rows(columns_only).colnames == RECORDED_COLUMNS
    cut = get(server, POS=POS_TEXT, MAXREC="4")
    assert status(cut)[0] == "OVERFLOW" and len(rows(cut)) == 4
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pyvo does not warn: the cut is the one it asked for
        assert len(pyvo.dal.SIA2Service(server.sia2).search(pos=(TARGET_COORD, 1 * u.arcsec), maxrec=4)) == 4


@pytest.mark.parametrize("fmt, reader", [("CSV", "ascii.csv"), ("TSV", "ascii.tab"), ("FITS", "fits"),
                                         ("application/x-votable+xml", "votable")])
def test_response_formats_hold_the_same_rows(server, table, fmt, reader):
    response = get(server, POS=POS_TEXT, COLLECTION="twomass_allsky", RESPONSEFORMAT=fmt)
    assert response.status_code == 200
    read = Table.read(io.BytesIO(response.content), format=reader)
    assert read.colnames == RECORDED_COLUMNS and list(read["access_url"]) == list(table["access_url"])


# --- refusals ------------------------------------------------------------------------------------

def test_a_search_with_no_constraint_is_refused_fast_naming_pos_collection_and_calib(server):
    start = time.perf_counter()
    response = get(server)
    assert time.perf_counter() - start < 1.0
    value, message = status(response)
    assert value == "ERROR" and all(word in message for word in ("POS", "COLLECTION", "CALIB"))
    assert status(get(server, VERB="2"))[0] == "ERROR"  # an unknown parameter constrains nothing


BAD = [
    ({"COLLECTION": "twomass_allsky"}, "Give POS (or ID)"),
    ({"POS": "CIRCLE 10 95 1"}, "declinations"),
    ({"POS": "CIRCLE 10 10"}, "CIRCLE takes 3 numbers"),
    ({"POS": "CIRCLE 10 10 -1"}, "radius must be positive"),
    ({"POS": "CIRCLE 10 10 20"}, "serves regions up to 10 degrees"),
    ({"POS": "BOX 10 10 1 1"}, "POS must be CIRCLE, RANGE or POLYGON"),
    ({"POS": "RANGE 20 10 0 1"}, "ra1 <= ra2"),
    ({"POS": "POLYGON 1 2 3 4"}, "3 to 200 ra dec pairs"),
    ({"POS": "CIRCLE nan 10 1"}, "decimal numbers"),
    ({"POS": POS_TEXT, "BAND": "2e-6 1e-6"}, "lower limit first"),
    ({"POS": POS_TEXT, "BAND": "x"}, "BAND must hold"),
    ({"POS": POS_TEXT, "CALIB": "two"}, "CALIB must be an integer"),
    ({"POS": POS_TEXT, "MAXREC": "-1"}, "MAXREC must be"),
    ({"POS": POS_TEXT, "MAXREC": ["1", "2"]}, "MAXREC is given more than once"),
    ({"POS": POS_TEXT, "RESPONSEFORMAT": "pdf"}, "RESPONSEFORMAT"),
]


@pytest.mark.parametrize("params, message", BAD)
def test_bad_requests_get_an_error_votable(server, params, message):
    response = get(server, **params)
    assert response.status_code == 200
    value, text = status(response)
    assert value == "ERROR" and message in text


def test_errors_reach_pyvo_and_fail_text_formats_loudly(server):
    with pytest.raises(pyvo.dal.DALQueryError, match="serves regions up to 10 degrees"):
        pyvo.dal.SIA2Service(server.sia2).search(pos=(10, 10, 20))
    response = get(server, POS="CIRCLE 10 95 1", RESPONSEFORMAT="CSV")
    assert response.status_code == 400 and status(response)[0] == "ERROR"


# --- the four doors --------------------------------------------------------------------------------

def pixels(server, url: str) -> bytes:
    response = requests.get(rewrite(url, server.base), timeout=60)
    response.raise_for_status()
    body = gzip.decompress(response.content) if response.content[:2] == b"\x1f\x8b" else response.content
    return fits.getdata(io.BytesIO(body)).tobytes()


def test_four_doors_find_the_same_images_with_the_same_pixels(server):
    size = 1 * u.arcsec
    v1 = pyvo.dal.SIAService(server.sia).search(pos=TARGET, size=size)
    v2 = pyvo.dal.SIA2Service(server.sia2).search(pos=(TARGET_COORD, size), collection="twomass_allsky")
    older = pyvo.dal.SIAService(f"{server.older_sia}?type=at&ds=asky&").search(pos=TARGET_COORD, size=size)
    older = [r for r in older if r.format == "image/fits"]
    assert len(v1) == len(v2) == len(older) == 6
    for a, b, c in zip(v1, v2, older, strict=True):
        assert a.pos.ra.deg == b.s_ra.value == c.pos.ra.deg and a.pos.dec.deg == b.s_dec.value == c.pos.dec.deg
        assert a.getdataurl() == b.access_url  # SIA v1 and v2 give IBE's own file
        assert a.bandpass_id == b["energy_bandpassname"] == c.bandpass_id
        image = AtlasImage.from_ibe_path(a.getdataurl().split("/allsky/allsky/")[1])
        ibe = pixels(server, image.url)  # the fourth door: IBE's data file itself
        assert pixels(server, c.getdataurl()) == ibe == pixels(server, b.access_url)
    assert len({(a.pos.ra.deg, a.pos.dec.deg) for a in v1}) == 2  # two image sets, as the real archive has


def test_every_door_names_the_image_by_its_record():
    """The record is the one source: a row written from a tile in one band names the same file everywhere."""
    from offline_irsa.services import twomass_im
    from offline_irsa.surveys.twomass import sia_v1 as sia

    tile = AtlasTile(27, 5, 11)
    image = AtlasImage(tile, "h")
    v1 = dict(zip([c.name for c in sia.COLUMNS], sia._row(image), strict=True))
    v2 = TwoMassAllSky().row(image, 1)
    older = twomass_im._row(image, twomass_im.image_url(image), "image/fits")
    assert v1["sia_url"] == v2["access_url"] == image.url
    assert (v1["sia_ra"], v1["sia_dec"]) == (v2["s_ra"], v2["s_dec"]) == (older["center_ra"], older["center_dec"])
    assert list(v1["sia_crval"]) == list(older["crval"]) and list(v1["sia_naxis"]) == [v2["s_xel1"], v2["s_xel2"]]
    assert v1["magzp"] == older["magzp"] and v1["coadd_key"] == older["coadd_key"]
    assert older["download"].endswith(f"name={image.fname.removesuffix('.gz')}")


# --- hardening -------------------------------------------------------------------------------------

FUZZ_WORDS = ["CIRCLE", "RANGE", "POLYGON", "circle", "BOX", "0", "1", "-1", "314.30417", "77.595559", "1e-05",
              "1e300", "-1e300", "1e-300", "90", "-90", "91", "360.5", "0.001", "nan", "inf", "-Inf", "+Inf",
              "Infinity", "1_0", "١٠", "0x1f", ",", "", " ", "\x00", "é", "twomass_allsky", "image", "2", "9" * 40]
FUZZ_NUMBERS = ["0", "1e-05", "0.001", "0.01", "0.2", "1", "-1", "12", "77.595559", "314.30417", "89.999", "90", "-90",
                "91", "359.9999", "360", "1e300", "Inf", "-Inf", "nan", "2e-6"]
FUZZ_KEYS = ["POS", "pos", "BAND", "CALIB", "COLLECTION", "DPTYPE", "FACILITY", "ID", "MAXREC", "RESPONSEFORMAT",
             "FORMAT", "TIME", "EXPTIME", "FOV", "POL", "SPATRES", "VERB", "SIZE", "type", "ds", "x"]
FUZZ_PATHS = ["/SIA", "/SIA", "/SIA", "/SIA/capabilities", "/SIA/availability", "/cgi-bin/2MASS/IM/nph-im_sia",
              "/cgi-bin/2MASS/IM/nph-im", "/cgi-bin/2MASS/IM/nph-im_key", "/SIA/x", "/cgi-bin/2MASS/IM/nph-art"]


def test_fuzz_the_new_doors_no_500s():
    """A fixed-seed fuzz of SIA v2 and the older endpoints: every answer is a refusal or an answer, never a 500."""
    from urllib.parse import quote

    from werkzeug.test import Client

    from offline_irsa.server import Application

    client = Client(Application())
    rng = np.random.default_rng(16)
    statuses: dict[int, int] = {}
    found = 0
    for _ in range(600):
        path = FUZZ_PATHS[rng.integers(len(FUZZ_PATHS))]
        params = []
        if rng.random() < 0.5:  # shaped like a real search, so that values reach the geometry behind the parsers
            numbers = [FUZZ_NUMBERS[i] for i in rng.integers(len(FUZZ_NUMBERS), size=8)]
            shape = ["CIRCLE", "RANGE", "POLYGON"][rng.integers(3)]
            count = {"CIRCLE": 3, "RANGE": 4, "POLYGON": 6 + 2 * rng.integers(2)}[shape]
            params += [f"POS={quote(shape + ' ' + ' '.join(numbers[:count]))}", f"SIZE={numbers[2]}"]
            if "nph-im_sia" in path:
                params[0] = f"POS={quote(','.join(numbers[:2]))}"
            if rng.random() < 0.3:
                params.append(f"BAND={quote(' '.join(numbers[3:5]))}")
        for key in (FUZZ_KEYS[i] for i in rng.integers(len(FUZZ_KEYS), size=0 if params else rng.integers(0, 5))):
            words = [FUZZ_WORDS[i] for i in rng.integers(len(FUZZ_WORDS), size=rng.integers(1, 9))]
            params.append(f"{quote(key)}={quote(' '.join(words) if rng.random() < 0.7 else ','.join(words))}")
        params.append("MAXREC=20")  # a big region is a slow answer, not a wrong one
        response = client.get(f"{path}?{'&'.join(params)}")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        found += b"<TR>" in response.data
        assert response.status_code < 500, (path, params, response.text)
    assert {200, 400, 404} <= set(statuses) and found >= 5  # some searches found images


def test_the_largest_polygon_and_range_are_answered_in_bounded_time(server):
    ring = [(10 + 9 * np.cos(a), 10 + 9 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 200, endpoint=False)]
    for region in (polygon([(float(a), float(d)) for a, d in ring]), "RANGE 0 14 40 49.5"):
        start = time.perf_counter()
        response = get(server, POS=region, MAXREC="10")
        assert status(response) == ("OVERFLOW", None) and time.perf_counter() - start < 5


TUTORIAL_SEARCHES = """
from offline_irsa.harness import routing
assert routing.activate()  # as a kernel's start does, from the harness's environment
import astropy.units as u
import pyvo
from astropy.coordinates import SkyCoord
from astroquery.ipac.irsa import Irsa

target = SkyCoord(314.30417, 77.595559, unit="deg")
found = Irsa.query_sia(pos=(target, 1 * u.arcsec), collection="twomass_allsky")
print(*sorted(found[found["energy_bandpassname"] == "H"]["access_url"]))
older = pyvo.dal.SIAService("https://irsa.ipac.caltech.edu/cgi-bin/2MASS/IM/nph-im_sia?type=at&ds=asky&")
images = older.search(pos=target, size=1 * u.arcsec)
print(*sorted(r.getdataurl() for r in images if r.format == "image/fits" and r.bandpass_id == "H"))
"""


def test_the_tutorials_searches_run_unmodified_with_irsas_own_urls_routed_here():
    """As inside ``offline_irsa lab``: IRSA's own URLs, as astroquery and IRSA's 2MASS tutorial write them,
    from a process with the environment the harness gives kernels."""
    import os
    import subprocess
    import sys

    from offline_irsa.harness.kernels import Harness

    with Harness(workdirs=False) as harness:
        done = subprocess.run([sys.executable, "-c", TUTORIAL_SEARCHES], capture_output=True, text=True,
                              timeout=120, env=dict(os.environ))
        v1 = pyvo.dal.SIAService(harness.server.sia).search(pos=TARGET, size=0.01)
    assert done.returncode == 0, done.stderr
    v2, older = done.stdout.splitlines()
    h = sorted(r.getdataurl() for r in v1 if r.bandpass_id == "H")
    assert v2.split() == h and len(h) == 2
    assert [u.rsplit("=", 1)[1] for u in older.split()] == [url.rsplit("/", 1)[1].removesuffix(".gz") for url in h]


def test_the_index_and_describe_name_the_new_doors(server):
    index = requests.get(server.base + "/", timeout=10).text
    assert server.sia2 in index and server.older_sia in index
    assert server.sia2 in server.describe() and server.older_sia in server.describe()


def test_a_posted_search_answers_as_a_get(server, answer):
    posted = requests.post(server.sia2, data={"POS": POS_TEXT, "COLLECTION": "twomass_allsky"}, timeout=30)
    assert posted.content == answer.content


def test_a_new_collection_is_searched_once_registered(server):
    """How AllWISE's images will join: a Collection registered, the protocol untouched."""
    from offline_irsa.services.sia2.registry import COLLECTIONS, Collection, register

    class OneImage(Collection):
        name, description = "test_one_image", "one product at RA 10, Dec 10"
        fixed = {"obs_collection": name, "calib_level": 3, "dataproduct_type": "image"}

        def search(self, regions):
            here = sia2_pos._unit(10.0, 10.0)
            if any(np.degrees(np.arccos(min(1.0, here @ r.centre))) <= r.reach for r in regions):
                yield {**self.fixed, "s_ra": 10.0, "s_dec": 10.0, "access_url": "https://irsa.ipac.caltech.edu/x",
                       "obs_publisher_did": "ivo://irsa.ipac/test_one_image?x", "em_min": 3e-6, "em_max": 4e-6}

        def find(self, did):
            return list(self.search([sia2_pos.parse("CIRCLE 10 10 1")])) if did.endswith("?x") else []

    register(OneImage())
    try:
        assert urls(server, POS="CIRCLE 10 10 0.01", COLLECTION="test_one_image") == ["https://irsa.ipac.caltech.edu/x"]
        third = urls(server, POS="CIRCLE 10 10 0.01", CALIB="3")  # AllWISE's products there, and this one
        assert third[-1] == "https://irsa.ipac.caltech.edu/x" and all("/wise/" in u for u in third[:-1])
        assert urls(server, ID="ivo://irsa.ipac/test_one_image?x", ALL=1) == ["https://irsa.ipac.caltech.edu/x"]
        both = urls(server, POS="CIRCLE 10 10 0.01", ALL=1)
        assert both[-1] == "https://irsa.ipac.caltech.edu/x" and len(both) > 1  # and 2MASS's images there
        assert urls(server, POS="CIRCLE 10 10 0.01", BAND="1e-6 2e-6", COLLECTION="test_one_image") == []
        with pytest.raises(ValueError, match="registered already"):
            register(OneImage())
    finally:
        COLLECTIONS.pop("test_one_image")
