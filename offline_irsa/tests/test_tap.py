"""TAP over HTTP: the requests pyvo and astroquery send, answered as IRSA answers them.

The requests below are copied from the clients' installed source (astroquery 0.4.11
``ipac/irsa/core.py``; pyvo 1.10 ``dal/tap.py``), as irsa-recorded.md ("TAP") records them;
``test_clients_send_the_recorded_requests`` checks the clients still send exactly these.
"""

from __future__ import annotations

import io
import json
import math
import re
import warnings

import astropy.units as u
import numpy as np
import pytest
import pyvo
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.io.votable import parse
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.services.sia2 import registry
from offline_irsa.services.tap import adql, allwise, collections, protocol, tables
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.allwise import render as wise_render
from offline_irsa.surveys.allwise.bands import BANDS as WISE_BANDS
from offline_irsa.surveys.allwise.tiling import Tile, tiles_near
from offline_irsa.surveys.twomass import files as twomass_files
from offline_irsa.surveys.twomass.regions import find_tiles

from .conftest import TARGET

CONE = ("SELECT * FROM fp_psc WHERE CONTAINS(POINT('ICRS',ra,dec),"
        f"CIRCLE('ICRS',{TARGET[0]},{TARGET[1]},0.002777777777777778))=1")
LIST_CATALOGS = "SELECT * FROM TAP_SCHEMA.tables WHERE irsa_dbms=21 AND irsa_pos='y'"
LIST_COLLECTIONS = "SELECT DISTINCT collection from caom.observation ORDER by collection"
LIST_SIA_COLLECTIONS = ("SELECT DISTINCT o.collection FROM caom.observation o "
                        "JOIN caom.plane p ON o.obsid = p.obsid "
                        "WHERE (p.dataproducttype = 'image' OR p.dataproducttype = 'cube') "
                        "order by collection")
LIST_COLUMNS = "SELECT * from TAP_SCHEMA.columns where table_name='fp_psc'"
FIRST_COLUMNS = ["ra", "dec", "err_maj", "err_min", "err_ang", "designation", "j_m", "j_cmsig", "j_msigcom",
                 "j_snr", "h_m", "h_cmsig", "h_msigcom", "h_snr", "k_m", "k_cmsig", "k_msigcom", "k_snr",
                 "ph_qual", "rd_flg", "bl_flg", "cc_flg"]
LAST_COLUMNS = ["ext_key", "scan_key", "coadd_key", "coadd"]


@pytest.fixture
def irsa(server):
    """astroquery's Irsa pointed at the stand-in's TAP (its ``tap_url``, read when ``Irsa.tap`` is first made)."""
    from astroquery.ipac.irsa import Irsa

    saved = Irsa.tap_url
    Irsa.tap_url, Irsa._tap = server.tap, None
    yield Irsa
    Irsa.tap_url, Irsa._tap = saved, None


@pytest.fixture
def recorded(server, monkeypatch):
    """Every request the TAP service receives: (method, path below /TAP, parameters)."""
    seen = []
    respond = server.app.tap.respond

    def recording(request, path):
        seen.append((request.method, path, dict(request.values.items())))
        return respond(request, path)

    monkeypatch.setattr(server.app.tap, "respond", recording)
    return seen


def post_sync(server, query: str, **more) -> requests.Response:
    return requests.post(f"{server.tap}/sync", data={"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": query, **more},
                         timeout=60)


def status(content: bytes) -> list[tuple[str, str]]:
    vot = parse(io.BytesIO(content))
    return [(i.value, i.content) for i in vot.resources[0].infos if i.name == "QUERY_STATUS"]


# The requests the clients send.

def test_clients_send_the_recorded_requests(server, irsa, recorded):
    coord = SkyCoord(*TARGET, unit="deg")
    assert irsa.query_region(coord, catalog="fp_psc", spatial="Cone", get_query_payload=True) == CONE
    irsa.query_region(coord, catalog="fp_psc", spatial="Cone")
    irsa.list_collections()
    irsa.list_collections(servicetype="SIA")
    irsa.list_catalogs()
    form = {"REQUEST": "doQuery", "LANG": "ADQL"}
    assert recorded == [("POST", "sync", form | {"QUERY": q})
                        for q in (CONE, LIST_COLLECTIONS, LIST_SIA_COLLECTIONS, LIST_CATALOGS)]


def test_pyvo_async_sends_the_recorded_sequence(server, recorded):
    service = pyvo.dal.TAPService(server.tap)
    result = service.run_async(CONE, maxrec=5)
    assert len(result) >= 1
    job_id = recorded[2][1].split("/")[1]
    steps = [(method, path.replace(job_id, "{job}"), params) for method, path, params in recorded]
    assert [s[:2] for s in steps] == [
        ("GET", "capabilities"), ("POST", "async"),
        ("GET", "async/{job}"),  # requests follows the 303 to the job
        ("GET", "async/{job}"),  # AsyncTAPJob reads the job
        ("POST", "async/{job}/phase"), ("GET", "async/{job}"),  # PHASE=RUN, then the 303 back to the job
        ("GET", "async/{job}"),  # wait: WAIT=n
        ("GET", "async/{job}/results/result"),
        ("DELETE", "async/{job}"),  # sent with allow_redirects=False: the 303 to the job list is not followed
    ]
    assert steps[1][2] == {"REQUEST": "doQuery", "LANG": "ADQL", "MAXREC": "5", "QUERY": CONE}
    assert steps[4][2] == {"PHASE": "RUN"}
    assert "WAIT" in steps[6][2]
    assert len(server.app.tap.jobs) == 0


def test_recorded_requests_answer_as_irsa_does(server):
    """The exact form astroquery posts, sent by hand: a VOTable with QUERY_STATUS OK and IRSA's columns."""
    response = post_sync(server, CONE)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/x-votable+xml")
    assert status(response.content)[0][0] == "OK"
    table = parse(io.BytesIO(response.content), verify="exception").get_first_table()  # valid VOTable, UCDs too
    names = [f.name for f in table.fields]
    assert names[:len(FIRST_COLUMNS)] == FIRST_COLUMNS and names[-len(LAST_COLUMNS):] == LAST_COLUMNS
    types = {f.name: (f.datatype, str(f.unit) if f.unit else None) for f in table.fields}
    assert types["ra"] == types["dec"] == ("double", "deg")
    assert types["err_maj"] == ("float", "arcsec")
    assert types["j_m"] == types["h_m"] == types["k_m"] == ("float", "mag")
    assert types["designation"][0] == types["ph_qual"][0] == "char"
    rows = table.to_table()
    assert all(len(q) == 3 and set(q) <= set("ABCDEFUX") for q in rows["ph_qual"])
    assert all(len(f) == 3 for f in rows["cc_flg"])


def test_old_clients_get_sync_and_frames_j2000_or_none(server):
    for query in (CONE.replace("'ICRS'", "'J2000'"), CONE.replace("'ICRS',", "")):
        response = requests.get(f"{server.tap}/sync", params={"QUERY": query}, timeout=60)
        assert status(response.content)[0][0] == "OK"
        assert len(parse(io.BytesIO(response.content)).get_first_table().array) == len(
            adql.run(CONE).rows)


# The clients, unmodified.

def test_pyvo_search_run_sync_and_run_async_agree(server):
    service = pyvo.dal.TAPService(server.tap)
    query = CONE.replace("0.002777777777777778", "0.05")
    sync = service.search(query).to_table()
    also_sync = service.run_sync(query).to_table()
    asynchronous = service.run_async(query).to_table()
    assert len(sync) > 3
    for other in (also_sync, asynchronous):
        assert list(other["designation"]) == list(sync["designation"])
    assert service.get_tap_capability().get_executionduration("async").default == protocol.EXECUTION_DURATION_S
    assert len(server.app.tap.jobs) == 0  # run_async deleted its job


def test_pyvo_reads_the_tableset(server, recorded):
    service = pyvo.dal.TAPService(server.tap)
    assert set(service.tables.keys()) == {t.name for t in tables.ALL_TABLES}
    columns = {c.name: c for c in service.tables["fp_psc"].columns}
    assert recorded == [("GET", "tables", {"detail": "min"}), ("GET", "tables/fp_psc", {})]  # as recorded
    assert list(columns)[:len(FIRST_COLUMNS)] == FIRST_COLUMNS
    assert columns["ra"].unit == "deg" and columns["j_m"].unit == "mag"
    availability = requests.get(f"{server.tap}/availability", timeout=30)
    assert b"<vosi:available>true</vosi:available>" in availability.content


def test_astroquery_query_region_cone_box_and_polygon(irsa):
    coord = SkyCoord(*TARGET, unit="deg")
    cone = irsa.query_region(coord, catalog="fp_psc", spatial="Cone", radius=1 * u.arcmin)
    separation = coord.separation(SkyCoord(cone["ra"], cone["dec"]))
    assert len(cone) > 0 and (separation <= 1 * u.arcmin).all()
    assert cone["ra"].unit == u.deg and cone["j_m"].unit == u.mag
    box = irsa.query_region(coord, catalog="fp_psc", spatial="Box", width=2 * u.arcmin)
    assert set(cone["designation"]) <= set(box["designation"])
    polygon = irsa.query_region(catalog="fp_psc", spatial="Polygon",
                                polygon=[SkyCoord(TARGET[0] + dra, TARGET[1] + ddec, unit="deg")
                                         for dra, ddec in ((-0.1, -0.02), (0.1, -0.02), (0.1, 0.02), (-0.1, 0.02))])
    assert len(polygon) > len(cone)


def test_astroquery_all_sky_is_refused_with_a_clear_message(irsa):
    from pyvo.dal import DALQueryError

    with pytest.raises(DALQueryError, match="fp_psc needs a spatial constraint"):
        irsa.query_region(catalog="fp_psc", spatial="All-Sky")


def test_astroquery_lists_collections_catalogs_and_columns(irsa):
    served = sorted(registry.COLLECTIONS)  # every image set SIA v2 serves, in ADQL's ORDER BY
    assert served == ["twomass_allsky", "wise_allwise"]
    assert list(irsa.list_collections()["collection"]) == served
    assert list(irsa.list_collections(servicetype="SIA")["collection"]) == served
    assert list(irsa.list_collections(filter="twomass")["collection"]) == ["twomass_allsky"]
    assert len(irsa.list_collections(servicetype="SSA")) == 0
    catalogs = irsa.list_catalogs()
    assert list(catalogs) == ["fp_psc", "allwise_p3as_psd"] and "2MASS" in catalogs["fp_psc"]
    assert "AllWISE" in catalogs["allwise_p3as_psd"]
    assert list(irsa.list_catalogs(filter="allwise")) == ["allwise_p3as_psd"]
    full = irsa.list_catalogs(full=True)  # IRSA's columns as astroquery's documentation shows them
    assert full.colnames[:4] == ["table_index", "schema_name", "table_name", "description"]
    assert full.colnames[-4:] == ["irsa_access_flag", "irsa_nrows", "irsa_odbc_datasource", "irsa_spatial_idx_name"]
    assert full["table_index"].dtype == np.int32 and full["irsa_nrows"].dtype == np.int64
    everything = irsa.list_catalogs(include_metadata_tables=True)
    assert {"caom.observation", "TAP_SCHEMA.tables"} <= set(everything)
    columns = irsa.list_columns("fp_psc")
    assert list(columns)[:len(FIRST_COLUMNS)] == FIRST_COLUMNS


def test_astroquery_query_tap_sync_and_async(irsa):
    sync = irsa.query_tap("SELECT table_name, column_name, unit FROM TAP_SCHEMA.columns "
                          "WHERE table_name = 'fp_psc' AND column_name = 'ra'").to_table()
    assert list(sync[0]) == ["fp_psc", "ra", "deg"]
    asynchronous = irsa.query_tap(CONE, async_job=True).to_table()
    assert len(asynchronous) == len(adql.run(CONE).rows)


# TAP_SCHEMA and caom.

def test_tap_schema_describes_every_table_and_key(server):
    response = post_sync(server, "SELECT t.table_name, COUNT(*) AS n FROM TAP_SCHEMA.tables AS t "
                                 "JOIN TAP_SCHEMA.columns AS c ON c.table_name = t.table_name "
                                 "GROUP BY t.table_name ORDER BY t.table_name")
    counts = {row["table_name"]: row["n"] for row in parse(io.BytesIO(response.content)).get_first_table().to_table()}
    assert counts == {t.name: len(t.columns) for t in tables.ALL_TABLES}
    keys = adql.run("SELECT k.from_table, k.target_table, c.from_column FROM TAP_SCHEMA.keys k "
                    "JOIN TAP_SCHEMA.key_columns c ON c.key_id = k.key_id").rows
    assert keys == [("caom.plane", "caom.observation", "obsid")]
    schemas = {r[0] for r in adql.run("SELECT schema_name FROM TAP_SCHEMA.schemas").rows}
    assert schemas == {"TAP_SCHEMA", "fp_2mass", "wise", "caom"}


def test_caom_lists_the_images_sia_serves_at_the_reference_position(server):
    """caom and SIA v2 (and so SIA v1) list the same images: one source, the SIA v2 registry."""
    planes = adql.run("SELECT o.collection, p.position_bounds_center_ra, p.position_bounds_center_dec, "
                      "p.energy_bandpassname FROM caom.plane p JOIN caom.observation o ON o.obsid = p.obsid").rows
    ra, dec = collections.REFERENCE_POSITION
    sia2 = requests.get(server.sia2, params={"POS": f"CIRCLE {ra} {dec} 0.000001", "RESPONSEFORMAT": "CSV"},
                        timeout=60)
    found = Table.read(sia2.text, format="ascii.csv")
    assert sorted(planes) == sorted((r["obs_collection"], r["s_ra"], r["s_dec"], r["energy_bandpassname"])
                                    for r in found)
    sia = requests.get(server.sia, params={"POS": f"{ra},{dec}", "SIZE": "0", "RESPONSEFORMAT": "CSV"}, timeout=60)
    listed = Table.read(sia.text, format="ascii.csv")
    assert sorted(p[1:] for p in planes if p[0] == "twomass_allsky") == sorted(
        (r["sia_ra"], r["sia_dec"], r["sia_bp_id"]) for r in listed)
    assert {c for c, *_ in planes} == set(registry.COLLECTIONS)


# fp_psc rows are the stars drawn on the images.

def test_fp_psc_sources_sit_on_the_image_peaks_with_the_images_magnitudes(server):
    """Each isolated, unsaturated source: centroid within 0.5", aperture magnitude within 0.1 mag (MAGZP)."""
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    hdu = twomass_files.image(tile, "h")
    wcs, data, magzp = WCS(hdu.header), hdu.data.astype(float), hdu.header["MAGZP"]
    sky = hdu.header["SKYVAL"]
    ra, dec = tile.center
    rows = parse(io.BytesIO(post_sync(server, f"SELECT ra, dec, h_m, coadd_key FROM fp_psc WHERE CONTAINS("
                                              f"POINT('ICRS', ra, dec), CIRCLE('ICRS', {ra}, {dec}, 0.1)) = 1"
                                      ).content)).get_first_table().to_table()
    assert len(rows) > 50
    x, y = wcs.all_world2pix(rows["ra"], rows["dec"], 0)
    neighbours = SkyCoord(rows["ra"], rows["dec"], unit="deg")
    nearby_image_sets = {t.coadd_key for t in find_tiles(ra, dec, 0.3, 0.3, "OVERLAPS")}
    checked = 0
    for row, xs, ys, star in zip(rows, x, y, neighbours, strict=True):
        if not (9.5 < row["h_m"] < 13.5 and 20 < xs < data.shape[1] - 20 and 20 < ys < data.shape[0] - 20):
            continue
        close = star.separation(neighbours).arcsec
        if np.any((close > 0) & (close < 25) & (rows["h_m"] < row["h_m"] + 4)):
            continue  # a neighbour would bias the centroid or the aperture
        assert row["coadd_key"] in nearby_image_sets
        ix, iy = round(float(xs)), round(float(ys))
        box = data[iy - 3:iy + 4, ix - 3:ix + 4] - sky
        gy, gx = np.mgrid[iy - 3:iy + 4, ix - 3:ix + 4]
        cx, cy = (box * gx).sum() / box.sum(), (box * gy).sum() / box.sum()
        peak_ra, peak_dec = wcs.all_pix2world(cx, cy, 0)
        offset = star.separation(SkyCoord(peak_ra, peak_dec, unit="deg")).arcsec
        assert offset < 0.5, (row["ra"], row["dec"], offset)
        gy, gx = np.mgrid[iy - 15:iy + 16, ix - 15:ix + 16]
        aperture = (gx - xs) ** 2 + (gy - ys) ** 2 <= 12**2
        flux = (data[iy - 15:iy + 16, ix - 15:ix + 16][aperture] - sky).sum()
        measured = magzp - 2.5 * math.log10(flux)
        assert abs(measured - row["h_m"]) < 0.1, (row["h_m"], measured)
        checked += 1
    assert checked >= 5


def test_fp_psc_rows_are_made_only_for_the_sky_asked_about(monkeypatch):
    asked = []
    real = adql.catalog.fp_psc_rows

    def spy(ra, dec, radius):
        asked.append((ra, dec, radius))
        return real(ra, dec, radius)

    monkeypatch.setattr(adql.catalog, "fp_psc_rows", spy)
    adql.run(CONE)
    assert len(asked) == 1
    ra, dec, radius = asked[0]
    assert (ra, dec) == pytest.approx(TARGET) and radius == pytest.approx(10 / 3600)


# allwise_p3as_psd rows are the stars drawn on the AllWISE images.

ALLWISE_CONE = CONE.replace("fp_psc", "allwise_p3as_psd")
# The contract a tutorial relies on: IRSA's names, the units and VOTable types of the columns it reads.
ALLWISE_CONTRACT = {
    "designation": ("char", None), "ra": ("double", "deg"), "dec": ("double", "deg"),
    "sigra": ("double", "arcsec"), "sigdec": ("double", "arcsec"),
    **{f"w{n}{name}": ("double", unit) for n in (1, 2, 3, 4)
       for name, unit in (("mpro", "mag"), ("sigmpro", "mag"), ("snr", None))},
    "cc_flags": ("char", None), "ext_flg": ("int", None), "ph_qual": ("char", None),
    "tmass_key": ("long", None), "j_m_2mass": ("double", "mag"), "h_m_2mass": ("double", "mag"),
    "k_m_2mass": ("double", "mag"),
}
# The first columns in the AllWISE Explanatory Supplement's (and IRSA's data dictionary's) order.
ALLWISE_FIRST_COLUMNS = ["designation", "ra", "dec", "sigra", "sigdec", "sigradec", "glon", "glat", "elon", "elat",
                         "wx", "wy", "cntr", "source_id", "coadd_id", "src", "w1mpro", "w1sigmpro", "w1snr",
                         "w1rchi2", "w2mpro"]


def allwise_cone(server, ra: float, dec: float, radius: float, columns: str = "*") -> Table:
    query = (f"SELECT {columns} FROM allwise_p3as_psd WHERE CONTAINS(POINT('ICRS', ra, dec), "
             f"CIRCLE('ICRS', {ra}, {dec}, {radius})) = 1")
    return parse(io.BytesIO(post_sync(server, query).content)).get_first_table().to_table()


def test_allwise_has_irsas_columns_units_and_types(server):
    response = post_sync(server, ALLWISE_CONE.replace("0.002777777777777778", "0.05"))
    assert status(response.content)[0][0] == "OK"
    table = parse(io.BytesIO(response.content), verify="exception").get_first_table()
    names = [f.name for f in table.fields]
    assert names[:len(ALLWISE_FIRST_COLUMNS)] == ALLWISE_FIRST_COLUMNS
    assert names[-10:] == ["tmass_key", "r_2mass", "pa_2mass", "n_2mass", "j_m_2mass", "j_msig_2mass",
                           "h_m_2mass", "h_msig_2mass", "k_m_2mass", "k_msig_2mass"]
    types = {f.name: (f.datatype, str(f.unit) if f.unit else None) for f in table.fields}
    assert {name: types[name] for name in ALLWISE_CONTRACT} == ALLWISE_CONTRACT
    rows = table.to_table()
    assert len(rows) > 5
    assert all(re.fullmatch(r"J\d{6}\.\d\d[+-]\d{6}\.\d", d) for d in rows["designation"])
    assert all(len(q) == 4 and set(q) <= set("ABCUXZ") for q in rows["ph_qual"])
    assert set(rows["cc_flags"]) == {"0000"} and set(rows["ext_flg"]) == {0}
    coadd = {t.coadd_id for t in [Tile(*rc) for rc in zip(*tiles_near(*TARGET, 1.2), strict=True)]}
    assert set(rows["coadd_id"]) <= coadd and all(s.startswith(c + "-") for s, c in zip(
        rows["source_id"], rows["coadd_id"], strict=True))
    # TAP_SCHEMA says the same, and lists it as IRSA lists a catalogue astroquery can search.
    listed = adql.run("SELECT schema_name, irsa_dbms, irsa_pos FROM TAP_SCHEMA.tables "
                      "WHERE table_name = 'allwise_p3as_psd'").rows
    assert listed == [("wise", 21, "y")]
    units = dict(adql.run("SELECT column_name, unit FROM TAP_SCHEMA.columns "
                          "WHERE table_name = 'allwise_p3as_psd'").rows)
    assert units["w1mpro"] == "mag" and units["sigra"] == "arcsec" and units["w1snr"] is None


def test_allwise_designation_is_jhhmmss_ss_ddmmss_s_truncated():
    assert allwise.designation(314.30412, 77.595333) == "J205712.98+773543.1"
    assert allwise.designation(343.8230913, 89.9444623) == "J225517.54+895640.0"  # a real AllWISE row's
    assert allwise.designation(0.0, -0.00001) == "J000000.00-000000.0"


def test_allwise_sources_sit_on_the_w1_image_peaks_with_the_images_magnitudes(server):
    """Each isolated, bright enough source: W1 centroid within 0.5", aperture magnitude within 0.1 mag (MAGZP)."""
    tile = Tile.from_id("3150p772_ac51")  # the Atlas tile holding the first tutorial's target
    header = wise_render.header(tile, "w1")
    wcs = WCS(wise_render.wcs_header(tile))
    tx, ty = wcs.all_world2pix(*TARGET, 0)
    half = 400  # a box 18' on a side around the target, computed as a cutout computes it
    rows_box = (int(ty) - half, int(ty) + half)
    columns_box = (int(tx) - half, int(tx) + half)
    data = wise_render.pixels(tile, "w1", "int", rows_box, columns_box).astype(float)
    magzp, sky = header["MAGZP"], header["SKYVAL"]
    rows = allwise_cone(server, *TARGET, 0.12, "ra, dec, w1mpro, w1snr, coadd_id, wx, wy")
    assert len(rows) > 50
    x, y = wcs.all_world2pix(rows["ra"], rows["dec"], 0)
    x, y = x - columns_box[0], y - rows_box[0]
    positions = SkyCoord(rows["ra"], rows["dec"], unit="deg")
    checked = 0
    for row, xs, ys, star in zip(rows, x, y, positions, strict=True):
        if not (9.0 < row["w1mpro"] < 13.5 and 20 < xs < data.shape[1] - 20 and 20 < ys < data.shape[0] - 20):
            continue
        close = star.separation(positions).arcsec
        if np.any((close > 0) & (close < 40) & (rows["w1mpro"] < row["w1mpro"] + 5)):
            continue  # a neighbour would bias the centroid or the aperture
        assert row["coadd_id"] == tile.coadd_id
        assert (row["wx"], row["wy"]) == pytest.approx((xs + columns_box[0] + 1, ys + rows_box[0] + 1), abs=1e-3)
        ix, iy = round(float(xs)), round(float(ys))
        box = data[iy - 3:iy + 4, ix - 3:ix + 4] - sky
        gy, gx = np.mgrid[iy - 3:iy + 4, ix - 3:ix + 4]
        cx, cy = (box * gx).sum() / box.sum(), (box * gy).sum() / box.sum()
        peak_ra, peak_dec = wcs.all_pix2world(cx + columns_box[0], cy + rows_box[0], 0)
        offset = star.separation(SkyCoord(peak_ra, peak_dec, unit="deg")).arcsec
        assert offset < 0.5, (row["ra"], row["dec"], offset)
        gy, gx = np.mgrid[iy - 12:iy + 13, ix - 12:ix + 13]
        aperture = (gx - xs) ** 2 + (gy - ys) ** 2 <= 9**2  # 12.4": 4.8 beam sigmas
        flux = (data[iy - 12:iy + 13, ix - 12:ix + 13][aperture] - sky).sum()
        measured = magzp - 2.5 * math.log10(flux)
        assert abs(measured - row["w1mpro"]) < 0.1, (row["w1mpro"], measured)
        checked += 1
    assert checked >= 5, checked


def test_allwise_keeps_detected_stars_and_writes_upper_limits_as_allwise_does():
    from offline_irsa.sky import colours

    rows = allwise.allwise_rows(*TARGET, 0.1)
    names = [c.name for c in tables.ALLWISE_COLUMNS]
    table = Table(rows=rows, names=names, dtype=[object] * len(names))
    stars = stars_near(*TARGET, 0.1)
    snr = np.stack([10 ** (0.4 * (WISE_BANDS[b].magzp - colours.magnitudes(stars, b))) / allwise.flux_sigma(b)
                    for b in ("w1", "w2", "w3", "w4")], axis=1)
    detected = snr.max(axis=1) >= 5
    assert 0 < len(table) == detected.sum() < len(stars)  # the faint stars are left out, the rest kept
    assert {(round(r, 7), round(d, 7)) for r, d in zip(table["ra"], table["dec"], strict=True)} == {
        (round(float(r), 7), round(float(d), 7)) for r, d in stars[detected][["ra", "dec"]]}
    assert all(max(row[f"w{n}snr"] for n in (1, 2, 3, 4)) >= 4.95 for row in table)
    limits = 0
    for row in table:
        for n in (1, 2, 3, 4):
            quality = row["ph_qual"][n - 1]
            if row[f"w{n}snr"] < 2:
                limits += 1
                assert quality == "U" and row[f"w{n}sigmpro"] is None
                flux, sigma = row[f"w{n}flux"], row[f"w{n}sigflux"]
                limit = WISE_BANDS[f"w{n}"].magzp - 2.5 * math.log10(flux + 2 * sigma)
                assert row[f"w{n}mpro"] == pytest.approx(limit, abs=6e-4)
                assert not row["det_bit"] & (1 << (n - 1))
            else:
                assert quality == ("A" if row[f"w{n}snr"] >= 10 else "B" if row[f"w{n}snr"] >= 3 else "C")
                assert row[f"w{n}sigmpro"] == pytest.approx(1.0857 / row[f"w{n}snr"], rel=0.02, abs=1e-3)
                assert row["det_bit"] & (1 << (n - 1))
    assert limits > len(table)  # W3 and W4 are mostly upper limits, as in AllWISE away from the plane


def test_the_same_star_is_in_fp_psc_and_allwise_at_the_same_place(server):
    """Around the first tutorial's target: every AllWISE source is a 2MASS source within 0.5", and says so."""
    wise = allwise_cone(server, *TARGET, 1 / 60, "designation, ra, dec, tmass_key, h_m_2mass, w1mpro")
    twomass = parse(io.BytesIO(post_sync(server, CONE.replace("0.002777777777777778", str(1 / 60 + 0.001))
                                         ).content)).get_first_table().to_table()
    assert len(wise) >= 3
    near = SkyCoord(twomass["ra"], twomass["dec"], unit="deg")
    for row in wise:
        separation = SkyCoord(row["ra"], row["dec"], unit="deg").separation(near).arcsec
        match = int(np.argmin(separation))
        assert separation[match] < 0.5, (row["designation"], separation[match])
        assert twomass["cntr"][match] == row["tmass_key"]
        assert twomass["h_m"][match] == pytest.approx(row["h_m_2mass"], abs=1e-4)
    # and the brightest star there is the same star in both, as the tutorial's reader will find
    brightest = wise[int(np.argmin(wise["w1mpro"]))]
    assert brightest["tmass_key"] in set(twomass["cntr"])


def test_astroquery_and_pyvo_query_allwise_unmodified(server, irsa, recorded):
    coord = SkyCoord(*TARGET, unit="deg")
    query = irsa.query_region(coord, catalog="allwise_p3as_psd", spatial="Cone", get_query_payload=True)
    assert query == ALLWISE_CONE
    cone = irsa.query_region(coord, catalog="allwise_p3as_psd", spatial="Cone", radius=1 * u.arcmin)
    assert len(cone) > 0 and (coord.separation(SkyCoord(cone["ra"], cone["dec"])) <= 1 * u.arcmin).all()
    assert cone["ra"].unit == u.deg and cone["w1mpro"].unit == u.mag and cone["sigra"].unit == u.arcsec
    assert recorded[-1] == ("POST", "sync", {"REQUEST": "doQuery", "LANG": "ADQL",
                                             "QUERY": query.replace("0.002777777777777778", "0.016666666666666666")})
    service = pyvo.dal.TAPService(server.tap)
    sync = service.search(f"SELECT designation, w1mpro FROM wise.allwise_p3as_psd WHERE CONTAINS("
                          f"POINT('ICRS', ra, dec), CIRCLE('ICRS', {TARGET[0]}, {TARGET[1]}, 0.016666666666666666)) = 1"
                          ).to_table()
    assert sorted(sync["designation"]) == sorted(cone["designation"])
    assert sorted(service.run_async(ALLWISE_CONE.replace("0.002777777777777778", "0.016666666666666666")
                                    ).to_table()["designation"]) == sorted(cone["designation"])
    assert list(service.tables["allwise_p3as_psd"].columns)[0].name == "designation"
    assert list(irsa.list_columns("allwise_p3as_psd"))[:len(ALLWISE_FIRST_COLUMNS)] == ALLWISE_FIRST_COLUMNS


def test_astroquery_all_sky_on_allwise_is_refused_with_a_clear_message(irsa):
    from pyvo.dal import DALQueryError

    with pytest.raises(DALQueryError, match="allwise_p3as_psd needs a spatial constraint"):
        irsa.query_region(catalog="allwise_p3as_psd", spatial="All-Sky")


def test_allwise_rows_are_made_only_for_the_sky_asked_about(monkeypatch):
    asked = []
    real = adql.allwise.allwise_rows

    def spy(ra, dec, radius):
        asked.append((ra, dec, radius))
        return real(ra, dec, radius)

    monkeypatch.setattr(adql.allwise, "allwise_rows", spy)
    on_wise = ALLWISE_CONE.split("WHERE", 1)[1].replace("ra,dec", "w.ra,w.dec")
    on_twomass = CONE.split("WHERE", 1)[1].replace("ra,dec", "f.ra,f.dec")
    joined = adql.run(f"SELECT w.designation, f.designation FROM allwise_p3as_psd AS w JOIN fp_psc AS f "
                      f"ON f.cntr = w.tmass_key WHERE {on_wise} AND {on_twomass}")
    assert len(asked) == 1
    ra, dec, radius = asked[0]
    assert (ra, dec) == pytest.approx(TARGET) and radius == pytest.approx(10 / 3600)
    assert len(joined.rows) >= 1


# Formats, MAXREC and errors.

@pytest.mark.parametrize("fmt", ["csv", "ipac", "fits", "json", "html", "tsv"])
def test_response_formats_hold_the_same_rows(server, fmt):
    expected = adql.run(CONE).rows
    response = post_sync(server, CONE, RESPONSEFORMAT=fmt)
    assert response.status_code == 200
    if fmt == "json":
        body = json.loads(response.content)
        assert [c["name"] for c in body["columns"]][:2] == ["ra", "dec"]
        assert [tuple(r[:2]) for r in body["data"]] == [r[:2] for r in expected]
        return
    if fmt == "fits":
        table = Table.read(io.BytesIO(response.content), format="fits")
    else:
        reader = {"csv": "ascii.csv", "ipac": "ascii.ipac", "html": "ascii.html", "tsv": "ascii.tab"}[fmt]
        table = Table.read(response.text, format=reader)
    assert len(table) == len(expected)
    np.testing.assert_allclose(table["ra"], [r[0] for r in expected], rtol=1e-12)
    assert list(table["designation"]) == [r[5] for r in expected]


def test_format_alias_and_ipac_keeps_units(server):
    response = post_sync(server, CONE, FORMAT="IPAC_TABLE")
    table = Table.read(response.text, format="ascii.ipac")
    assert table["ra"].unit == u.deg and table["err_maj"].unit == u.arcsec


def test_maxrec_cuts_and_says_overflow(server):
    query = CONE.replace("0.002777777777777778", "0.05")
    response = post_sync(server, query, MAXREC="4")
    assert [s[0] for s in status(response.content)] == ["OK", "OVERFLOW"]
    assert len(parse(io.BytesIO(response.content)).get_first_table().array) == 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = pyvo.dal.TAPService(server.tap).search(query, maxrec=4)
    assert len(result) == 4 and not any("truncated" in str(w.message) for w in caught)  # asked for 4, got 4
    top = adql.run(f"SELECT TOP 3 ra FROM fp_psc WHERE {query.split('WHERE', 1)[1]}")
    assert len(top.rows) == 3 and not top.overflow


def test_answers_are_bounded_in_cells_whatever_maxrec_says(monkeypatch):
    monkeypatch.setattr(adql, "MAX_CELLS", 1000)
    cross = adql.run("SELECT * FROM TAP_SCHEMA.tables t1, TAP_SCHEMA.tables t2, TAP_SCHEMA.columns c")
    assert cross.overflow and len(cross.rows) * len(cross.names) <= 1000
    assert len(adql.run(CONE, maxrec=10**6).rows) == len(adql.run(CONE).rows)  # a small answer is whole


def test_adql_functions_sqlite_lacks():
    row = adql.run("SELECT TRUNCATE(1.77, 1) AS a, TRUNCATE(-1.77) AS b, LOG(EXP(2)) AS c, LOG10(1000) AS d, "
                   "POWER(2, 10) AS e, MOD(7, 3) AS f, DEGREES(PI()) AS g FROM TAP_SCHEMA.schemas").rows[0]
    assert row == pytest.approx((1.7, -1.0, 2.0, 3.0, 1024.0, 1.0, 180.0))


@pytest.mark.parametrize(("query", "words"), [
    ("SELECT * FORM fp_psc", 'line 1, column 20'),
    ("SELECT ra,\n  dec FROM fp_psc WHERE CONTAINS(POINT('ICRS',ra,dec),CIRCLE('ICRS',1,2,0.1) = 1 AND",
     "line 2"),
    ("SELECT * FROM fp_psc", "fp_psc needs a spatial constraint"),
    ("SELECT * FROM fp_psc WHERE CONTAINS(POINT('ICRS',ra,dec),CIRCLE('ICRS',1,2,0.1))=1 OR ra > 3",
     "fp_psc needs a spatial constraint"),
    ("SELECT * FROM allwise_p3as_psd", "allwise_p3as_psd needs a spatial constraint"),
    ("SELECT * FROM wise.allwise_p3as_psd WHERE w1mpro < 10", "allwise_p3as_psd needs a spatial constraint"),
    ("SELECT * FROM allwise_p3as_psd WHERE CONTAINS(POINT('ICRS',ra,dec),CIRCLE('ICRS',1,2,1.5))=1",
     "the region searched in allwise_p3as_psd reaches 1.5 degrees"),
    ("SELECT * FROM allwise_p3as_pssd", "table 'allwise_p3as_pssd' does not exist"),
    ("SELECT nope FROM TAP_SCHEMA.tables", "no such column: nope"),
    ("DELETE FROM TAP_SCHEMA.tables", "only SELECT queries"),
    ("", "QUERY is empty"),
    ("SELECT " + "(" * 3000 + "1" + ")" * 3000 + " AS x FROM TAP_SCHEMA.schemas", "nested too deeply"),
])
def test_errors_are_votables_with_query_status_error(server, query, words):
    response = post_sync(server, query)
    assert response.status_code == 200
    [(value, message)] = status(response.content)
    assert value == "ERROR" and words in message, message
    with pytest.raises(pyvo.dal.DALQueryError, match="ERROR|error|" + words.split(":")[0][:10]):
        pyvo.dal.TAPService(server.tap).search(query or " ")


def test_protocol_errors(server):
    bad_lang = post_sync(server, "SELECT 1 AS x FROM TAP_SCHEMA.schemas", LANG="PQL")
    assert "LANG 'PQL' is not supported" in status(bad_lang.content)[0][1]
    csv_error = post_sync(server, "SELECT * FROM fp_psc", RESPONSEFORMAT="csv")
    assert csv_error.status_code == 400 and status(csv_error.content)[0][0] == "ERROR"
    bad_format = post_sync(server, CONE, RESPONSEFORMAT="parquet")
    assert "RESPONSEFORMAT 'parquet'" in status(bad_format.content)[0][1]
    twice = requests.post(f"{server.tap}/sync?QUERY=x", data={"QUERY": CONE}, timeout=30)
    assert "QUERY is given more than once" in status(twice.content)[0][1]
    missing = requests.get(f"{server.tap}/async/nosuchjob", timeout=30)
    assert missing.status_code == 404


def test_async_jobs_are_bounded_and_error_jobs_say_why(server):
    store = protocol.JobStore(max_jobs=3, max_bytes=10**9)
    made = [store.create({"QUERY": CONE}) for _ in range(5)]
    assert len(store) == 3 and store.get(made[0].id) is None and store.get(made[-1].id) is made[-1]
    small = protocol.JobStore(max_jobs=10, max_bytes=1000)
    for _ in range(3):
        small.run(small.create({"QUERY": CONE}))
    assert len(small) == 1  # each result is bigger than the budget: only the newest is kept

    created = requests.post(f"{server.tap}/async", data={"QUERY": "SELECT * FROM fp_psc", "PHASE": "RUN"},
                            allow_redirects=False, timeout=30)
    assert created.status_code == 303
    job = requests.get(created.headers["Location"], timeout=30)
    assert b"<uws:phase>ERROR</uws:phase>" in job.content and b"spatial constraint" in job.content
    deleted = requests.delete(created.headers["Location"], allow_redirects=False, timeout=30)
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith("/TAP/async")


def test_index_and_describe_name_tap(server):
    assert "/TAP" in requests.get(server.base + "/", timeout=30).text
    assert server.tap in server.describe()
    hdul = fits.open(io.BytesIO(post_sync(server, CONE, RESPONSEFORMAT="fits").content))
    assert hdul[1].header["TTYPE1"] == "ra"


# Whatever it is sent, the service answers a VOTable that says OK or ERROR.

FUZZ_ATOMS = ["(", ")", "'", ",", " ", "CONTAINS(", "POINT('ICRS',", "CIRCLE(", "BOX(", "POLYGON(", "1e300", "-91",
              "NULL", "--", "/*", ";", "SELECT", "*", "'GALACTIC'", "0", "= 1", "OR", "AND", "fp_psc", "TOP", "ra",
              "\x00", "é", '"', "DISTANCE(", "<", "JOIN", "TAP_SCHEMA.columns", "||", "UNION SELECT 1"]
FUZZ_SEEDS = [CONE, LIST_CATALOGS, LIST_SIA_COLLECTIONS, LIST_COLUMNS,
              "SELECT TOP 5 ra, dec, DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 0, 89.99)) AS d FROM fp_psc "
              "WHERE 1 = INTERSECTS(POINT('J2000', ra, dec), POLYGON('ICRS', 0, 89.9, 120, 89.9, 240, 89.9))"]


def test_fuzzed_queries_get_ok_or_error_never_a_server_failure():
    from werkzeug.test import Client

    from offline_irsa.server import Application

    client = Client(Application())
    rng = np.random.default_rng(20261205)
    outcomes = set()
    for _ in range(250):
        query = FUZZ_SEEDS[rng.integers(len(FUZZ_SEEDS))]
        for _ in range(rng.integers(1, 4)):
            at = int(rng.integers(len(query) + 1))
            if rng.random() < 0.5:
                query = query[:at] + query[at + int(rng.integers(1, 8)):]
            else:
                query = query[:at] + FUZZ_ATOMS[rng.integers(len(FUZZ_ATOMS))] + query[at:]
        response = client.post("/TAP/sync", data={"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": query})
        assert response.status_code == 200, (query, response.text[:500])
        [(value, _message)] = status(response.data)[:1]
        outcomes.add(value)
    assert outcomes == {"OK", "ERROR"}


ROUTED_CLIENTS = f"""
from offline_irsa.harness import routing
assert routing.activate()  # as a kernel's start does, from the harness's environment
import astropy.units as u, pyvo
from astropy.coordinates import SkyCoord
from astroquery.ipac.irsa import Irsa
assert Irsa.tap_url == "https://irsa.ipac.caltech.edu/TAP", Irsa.tap_url
print(list(Irsa.list_collections(servicetype="SIA")["collection"]))
cone = Irsa.query_region(SkyCoord({TARGET[0]}, {TARGET[1]}, unit="deg"), catalog="fp_psc", spatial="Cone",
                         radius=1 * u.arcmin)
job = pyvo.dal.TAPService("https://irsa.ipac.caltech.edu/TAP").run_async("SELECT TOP 2 * FROM TAP_SCHEMA.tables")
print(len(cone) > 0, len(job))
"""


def test_unmodified_clients_reach_it_at_irsas_own_url_when_routed():
    """As in a kernel: astroquery and pyvo keep IRSA's TAP URL, from a process with the harness's environment."""
    import os
    import subprocess
    import sys

    from offline_irsa.harness.kernels import Harness

    with Harness(workdirs=False):
        done = subprocess.run([sys.executable, "-c", ROUTED_CLIENTS], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["['twomass_allsky', 'wise_allwise']", "True 2"]


def test_a_tap_outage_can_be_injected_and_pyvo_reports_it(server):
    server.faults.inject("tap", "status", 503, times=1)
    try:
        with pytest.raises(pyvo.dal.DALServiceError, match="503"):
            pyvo.dal.TAPService(server.tap).search(LIST_COLLECTIONS)
        assert len(pyvo.dal.TAPService(server.tap).search(LIST_COLLECTIONS)) == 2  # the next one is answered
    finally:
        server.faults.clear()


@pytest.mark.parametrize("fmt", ["votable", "csv", "ipac", "fits", "json", "html", "tsv"])
@pytest.mark.parametrize("query", [
    "SELECT count(*), NULL AS z, 'a b<&>' AS s FROM TAP_SCHEMA.tables",
    "SELECT * FROM caom.observation o JOIN caom.plane p ON o.obsid = p.obsid",
    "SELECT TOP 0 * FROM TAP_SCHEMA.tables",
    "SELECT irsa_nrows, irsa_dbms FROM TAP_SCHEMA.tables",
])
def test_every_format_writes_computed_null_empty_and_duplicate_columns(server, query, fmt):
    response = post_sync(server, query, RESPONSEFORMAT=fmt)
    assert response.status_code == 200, response.text[:500]


def test_a_result_a_format_cannot_hold_is_an_error_not_a_failure(server):
    response = post_sync(server, 'SELECT schema_name AS "a name" FROM TAP_SCHEMA.schemas', RESPONSEFORMAT="ipac")
    assert response.status_code == 400 and "cannot write this result as ipac" in status(response.content)[0][1]


def test_computed_columns_get_plain_names():
    names = adql.run("SELECT COUNT(*), NULL, COUNT(*), DISTANCE(POINT(1, 2), POINT(1, 3)), schema_name "
                     "FROM TAP_SCHEMA.schemas GROUP BY schema_name").names
    assert names == ["count", "col2", "count_2", "distance", "schema_name"]
