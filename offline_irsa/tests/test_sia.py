"""SIA v1 over HTTP: columns, formats, pyvo and astropy clients, and refusals."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import astropy.units as u
import numpy as np
import pytest
import pyvo
import requests
from astropy.coordinates import SkyCoord
from astropy.io.votable import parse
from astropy.table import Table

from offline_irsa.surveys.twomass.sia_v1 import COLUMNS

from .conftest import TARGET

URL_PATTERN = re.compile(
    r"^https://irsa\.ipac\.caltech\.edu/ibe/data/twomass/allsky/allsky/"
    r"(?P<ordate>\d{6})(?P<hemisphere>[ns])/s(?P<scanno>\d{3})/image/"
    r"(?P<fname>(?P<band>[jhk])i(?P=scanno)(?P<image>\d{4})\.fits\.gz)$"
)
POS = f"{TARGET[0]},{TARGET[1]}"


def query(server, **params) -> requests.Response:
    return requests.get(server.sia, params=params, timeout=30)


def votable(response):
    """The answer as astropy reads it by default (IRSA's own answer fails the strict parse)."""
    return parse(io.BytesIO(response.content))


def status(vot):
    return [(i.value, i.content) for i in vot.resources[0].infos if i.name == "QUERY_STATUS"][0]


def test_votable_rows_describe_real_looking_images(server):
    response = query(server, POS=POS, SIZE="0.01")
    assert response.status_code == 200
    vot = votable(response)
    assert status(vot)[0] == "OK"
    assert any(i.name == "DATA_ORIGIN" and "synthetic" in i.content for i in vot.resources[0].infos)
    table = vot.get_first_table().to_table()
    assert table.colnames == [c.name for c in COLUMNS]
    assert len(table) >= 3 and len(table) % 3 == 0
    for row in table:
        match = URL_PATTERN.match(row["sia_url"])
        assert match, row["sia_url"]
        band = row["sia_bp_id"]
        assert match["band"] == band.lower()
        assert (match["ordate"], match["hemisphere"], int(match["scanno"]), int(match["image"])) == (
            row["ordate"], row["hemisphere"], row["scanno"], row["coaddno"])
        assert row["sia_title"] == (f"2MASS All-Sky Data Release {band}-Band Atlas Image: "
                                    f"{row['ordate']} {row['hemisphere']} {row['scanno']:03d} {row['coaddno']:04d}")
        assert list(row["sia_naxis"]) in ([512, 1024], [512, 698]) and row["sia_proj"] == "SIN"
    # the original tutorial's band filter finds exactly the H rows
    h_rows = [bool(re.search(r"\bH[-\s]?Band\b", t, flags=re.IGNORECASE)) for t in table["sia_title"]]
    assert h_rows == [b == "H" for b in table["sia_bp_id"]]


def test_csv_has_the_same_rows_and_reads_with_astropy(server):
    url = f"{server.sia}?{urlencode({'POS': POS, 'SIZE': '0.05,0.02', 'RESPONSEFORMAT': 'CSV'})}"
    csv = Table.read(url, format="ascii.csv")
    vot = votable(query(server, POS=POS, SIZE="0.05,0.02")).get_first_table().to_table()
    assert csv.colnames == [c.name for c in COLUMNS] == vot.colnames
    assert list(csv["sia_url"]) == list(vot["sia_url"])
    assert np.allclose(csv["sia_ra"], vot["sia_ra"]) and np.allclose(csv["magzp"], vot["magzp"])
    assert csv["sia_naxis"][0] in ("512 1024", "512 698")  # arrays as space-separated numbers
    for column in COLUMNS:  # the text table is built apart from the VOTable: every cell must agree
        for text, cell in zip(csv[column.name], vot[column.name], strict=True):
            if column.number_array:
                assert np.allclose([float(v) for v in str(text).split()], cell, rtol=1e-9), column.name
            elif column.datatype == "double":
                assert text == pytest.approx(cell, rel=1e-12), column.name
            else:
                assert str(text) == str(cell), column.name  # the CSV reader guesses yymmdd dates as numbers


def test_csv_that_finds_nothing_has_the_columns_and_no_rows(server):
    response = query(server, POS="0,0", SIZE="0", FORMAT="METADATA", RESPONSEFORMAT="CSV")
    assert response.status_code == 200 and response.text.strip() == ",".join(c.name for c in COLUMNS)


@pytest.mark.parametrize("fmt, reader", [("TSV", "ascii.tab"), ("IPAC", "ascii.ipac")])
def test_other_text_formats(server, fmt, reader):
    response = query(server, POS=POS, SIZE="0.01", RESPONSEFORMAT=fmt)
    assert response.status_code == 200
    table = Table.read(response.text, format=reader)
    assert len(table) >= 3 and "sia_url" in table.colnames
    if reader == "ascii.ipac":  # the one text format that carries units
        assert (table["sia_ra"].unit, table["sia_crpix"].unit, table["sia_cd"].unit) == (u.deg, u.pix, u.deg / u.pix)


def test_html_format(server):
    response = query(server, POS=POS, SIZE="0.01", RESPONSEFORMAT="HTML")
    rows = len(votable(query(server, POS=POS, SIZE="0.01")).get_first_table().to_table())
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.count("<tr>") == rows + 1 and "<th>sia_url</th>" in response.text


def test_pyvo_queries_it(server):
    results = pyvo.dal.SIAService(server.sia).search(pos=TARGET, size=0.01, intersect="covers")
    assert len(results) >= 3
    for record in results:
        assert URL_PATTERN.match(record.getdataurl()) and record.title.startswith("2MASS All-Sky")
        assert record.bandpass_id in ("J", "H", "K") and record.format == "image/fits"
        assert list(record.naxis.value) in ([512, 1024], [512, 698])
        # pos comes from the POS_EQ_RA_MAIN/POS_EQ_DEC_MAIN columns: the image centre
        assert isinstance(record.pos, SkyCoord)
        assert record.pos.separation(SkyCoord(*TARGET, unit="deg")).arcmin < 10


def test_metadata_query_answers_as_a_query_that_finds_nothing(server):
    metadata = query(server, FORMAT="METADATA")
    nothing = query(server, POS="0.2,0.2", SIZE="0", INTERSECT="ENCLOSED")
    assert metadata.content == nothing.content
    table = votable(metadata).get_first_table().to_table()
    assert len(table) == 0 and table.colnames == [c.name for c in COLUMNS]


def test_parameter_names_are_case_insensitive(server):
    upper = votable(query(server, POS=POS, SIZE="0.01")).get_first_table().to_table()
    lower = votable(query(server, pos=POS, size="0.01")).get_first_table().to_table()
    assert list(upper["sia_url"]) == list(lower["sia_url"])


@pytest.mark.parametrize("intersect", ["CENTER", "COVERS", "OVERLAPS"])
def test_point_search_finds_images_containing_the_position(server, intersect):
    table = votable(query(server, POS=POS, INTERSECT=intersect)).get_first_table().to_table()
    assert len(table) >= 3


@pytest.mark.parametrize("fmt", ["ALL", "image/fits", "all", "IMAGE/FITS"])
def test_legal_formats_return_images(server, fmt):
    assert len(votable(query(server, POS=POS, SIZE="0.01", FORMAT=fmt)).get_first_table().to_table()) >= 3


BAD = [
    ({"SIZE": "0.01"}, "POS is required"),
    ({"POS": "abc", "SIZE": "0.01"}, "POS must be"),
    ({"POS": "1,2,3"}, "POS must be"),
    ({"POS": "10,95"}, "declination"),
    ({"POS": "nan,0"}, "POS must be"),
    ({"POS": "10, 20 ,"}, "POS must be"),
    ({"POS": "1_0,20"}, "POS must be"),
    ({"POS": "١٠,20"}, "POS must be"),  # Arabic-Indic digits: Python's float() would read them
    ({"POS": POS, "SIZE": "-1"}, "SIZE must be between"),
    ({"POS": POS, "SIZE": "x"}, "SIZE must be"),
    ({"POS": POS, "SIZE": "20"}, "SIZE must be between"),
    ({"POS": POS, "SIZE": "0.1,0.1,0.1"}, "SIZE must be"),
    ({"POS": POS, "SIZE": "inf"}, "SIZE must be"),
    ({"POS": POS, "INTERSECT": "NEARBY"}, "INTERSECT must be one of"),
    ({"POS": POS, "FORMAT": "GRAPHIC"}, "FORMAT must be"),
    ({"POS": POS, "FORMAT": "image/png"}, "FORMAT must be"),
    ({"POS": POS, "RESPONSEFORMAT": "fits"}, "RESPONSEFORMAT"),
]


@pytest.mark.parametrize("params, message", BAD)
def test_bad_input_gets_an_error_votable(server, params, message):
    response = query(server, **params)
    assert response.status_code == 200  # SIA v1: the error travels in the VOTable
    value, content = status(votable(response))
    assert value == "ERROR" and message in content


@pytest.mark.parametrize("params, message", BAD[1:4])
def test_bad_csv_request_fails_loudly(server, params, message):
    response = query(server, RESPONSEFORMAT="CSV", **params)
    assert response.status_code == 400  # so that a CSV reader cannot mistake it for a table
    assert status(votable(response)) == ("ERROR", status(votable(query(server, **params)))[1])


def test_scientific_notation_is_one_syntax_for_sia_and_cutouts(server):
    """pyvo writes small sizes as 1e-05: SIA reads it, as IBE cutouts do (test_ibe)."""
    assert len(votable(query(server, POS=POS, SIZE="1e-05")).get_first_table().to_table()) >= 3


def test_a_parameter_given_twice_is_refused_whatever_its_case(server):
    for second in ("POS", "pos"):
        response = requests.get(f"{server.sia}?POS={POS}&{second}=10,20", timeout=30)
        assert status(votable(response)) == ("ERROR", "POS is given more than once; give it once")


def test_pyvo_reports_the_message(server):
    with pytest.raises(pyvo.dal.DALQueryError, match="SIZE must be between"):
        pyvo.dal.SIAService(server.sia).search(pos=TARGET, size=20)
