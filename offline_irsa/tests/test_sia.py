"""SIA v1 over HTTP: columns, formats, pyvo and astropy clients, and refusals."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import numpy as np
import pytest
import pyvo
import requests
from astropy.io.votable import parse
from astropy.table import Table

from offline_irsa.services.sia import COLUMNS

from .conftest import TARGET

SIA_COLUMNS = ["sia_title", "sia_url", "sia_naxes", "sia_fmt", "sia_ra", "sia_dec", "sia_naxis", "sia_crpix",
               "sia_crval", "sia_proj", "sia_scale", "sia_cd", "sia_bp_id", "sia_bp_ref", "sia_bp_hi", "sia_bp_lo"]
URL_PATTERN = re.compile(
    r"^https://irsa\.ipac\.caltech\.edu/ibe/data/twomass/allsky/allsky/"
    r"(?P<ordate>\d{6})(?P<hemisphere>[ns])/s(?P<scanno>\d{3})/image/(?P<fname>(?P<band>[jhk])i(?P=scanno)\d{4}\.fits\.gz)$"
)
POS = f"{TARGET[0]},{TARGET[1]}"


def query(server, **params) -> requests.Response:
    return requests.get(server.sia, params=params, timeout=30)


def votable(response):
    return parse(io.BytesIO(response.content), verify="exception")


def status(vot):
    return [(i.value, i.content) for i in vot.resources[0].infos if i.name == "QUERY_STATUS"][0]


def test_votable_result_is_strictly_valid_and_named_as_irsa_names_it(server):
    response = query(server, POS=POS, SIZE="0.01")
    assert response.status_code == 200 and "xml" in response.headers["Content-Type"]
    vot = votable(response)
    assert status(vot)[0] == "OK"
    assert any(i.name == "DATA_ORIGIN" and "synthetic" in i.content for i in vot.resources[0].infos)
    table = vot.get_first_table().to_table()
    assert table.colnames[:16] == SIA_COLUMNS
    assert table.colnames[16:21] == ["ordate", "hemisphere", "scanno", "fname", "ut_date"]
    assert {"filter", "magzp", "ra", "dec", "ra1", "dec4"} <= set(table.colnames)
    assert len(table) >= 3 and len(table) % 3 == 0
    for row in table:
        match = URL_PATTERN.match(row["sia_url"])
        assert match, row["sia_url"]
        assert match["band"] == row["filter"] and match["fname"] == row["fname"]
        assert (match["ordate"], match["hemisphere"], int(match["scanno"])) == (row["ordate"], row["hemisphere"],
                                                                               row["scanno"])
        band_word = {"j": "J", "h": "H", "k": "K"}[row["filter"]]
        assert row["sia_title"].startswith(f"2MASS All-Sky Data Release {band_word}-Band Atlas Image: ")
        assert list(row["sia_naxis"]) in ([512, 1024], [512, 698]) and row["sia_proj"] == "SIN"
    # the original tutorial's band filter finds exactly the H rows
    h_rows = [bool(re.search(r"\bH[-\s]?Band\b", t, flags=re.IGNORECASE)) for t in table["sia_title"]]
    assert h_rows == [f == "h" for f in table["filter"]]


def test_csv_has_the_same_rows_and_reads_with_astropy(server):
    url = f"{server.sia}?{urlencode({'POS': POS, 'SIZE': '0.05,0.02', 'RESPONSEFORMAT': 'CSV'})}"
    csv = Table.read(url, format="ascii.csv")
    vot = votable(query(server, POS=POS, SIZE="0.05,0.02")).get_first_table().to_table()
    assert csv.colnames == [c[0] for c in COLUMNS] == vot.colnames
    assert list(csv["sia_url"]) == list(vot["sia_url"])
    assert np.allclose(csv["sia_ra"], vot["sia_ra"]) and np.allclose(csv["magzp"], vot["magzp"])
    assert csv["sia_naxis"][0] in ("512 1024", "512 698")  # arrays as space-separated numbers


@pytest.mark.parametrize("fmt, reader", [("TSV", "ascii.tab"), ("IPAC", "ascii.ipac")])
def test_other_text_formats(server, fmt, reader):
    response = query(server, POS=POS, SIZE="0.01", RESPONSEFORMAT=fmt)
    assert response.status_code == 200
    table = Table.read(response.text, format=reader)
    assert len(table) >= 3 and "sia_url" in table.colnames


def test_html_format(server):
    response = query(server, POS=POS, SIZE="0.01", RESPONSEFORMAT="HTML")
    rows = len(votable(query(server, POS=POS, SIZE="0.01")).get_first_table().to_table())
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.count("<tr>") == rows + 1 and "<th>sia_url</th>" in response.text


def test_pyvo_queries_it(server):
    results = pyvo.dal.SIAService(server.sia).search(pos=TARGET, size=0.01, intersect="covers")
    assert len(results) >= 3
    record = results[0]
    assert URL_PATTERN.match(record.getdataurl()) and record.title.startswith("2MASS All-Sky")
    assert record.bandpass_id in ("J", "H", "K") and record.format == "image/fits"
    assert list(record.naxis.value) == [512, 1024] or list(record.naxis.value) == [512, 698]


def test_metadata_query_describes_the_columns(server):
    vot = votable(query(server, FORMAT="METADATA"))
    table = vot.get_first_table().to_table()
    assert len(table) == 0 and table.colnames == [c[0] for c in COLUMNS]


def test_parameter_names_are_case_insensitive(server):
    upper = votable(query(server, POS=POS, SIZE="0.01")).get_first_table().to_table()
    lower = votable(query(server, pos=POS, size="0.01")).get_first_table().to_table()
    assert list(upper["sia_url"]) == list(lower["sia_url"])


@pytest.mark.parametrize("intersect", ["CENTER", "COVERS", "OVERLAPS"])
def test_point_search_finds_images_containing_the_position(server, intersect):
    table = votable(query(server, POS=POS, INTERSECT=intersect)).get_first_table().to_table()
    assert len(table) >= 3


def test_graphic_only_format_returns_nothing(server):
    vot = votable(query(server, POS=POS, SIZE="0.01", FORMAT="GRAPHIC"))
    assert status(vot)[0] == "OK" and len(vot.get_first_table().to_table()) == 0


BAD = [
    ({"SIZE": "0.01"}, "POS is required"),
    ({"POS": "abc", "SIZE": "0.01"}, "POS must be"),
    ({"POS": "1,2,3"}, "POS must be"),
    ({"POS": "10,95"}, "declination"),
    ({"POS": "nan,0"}, "POS must be"),
    ({"POS": "10, 20 ,"}, "POS must be"),
    ({"POS": POS, "SIZE": "-1"}, "SIZE must be between"),
    ({"POS": POS, "SIZE": "x"}, "SIZE must be"),
    ({"POS": POS, "SIZE": "20"}, "SIZE must be between"),
    ({"POS": POS, "SIZE": "0.1,0.1,0.1"}, "SIZE must be"),
    ({"POS": POS, "SIZE": "inf"}, "SIZE must be"),
    ({"POS": POS, "INTERSECT": "NEARBY"}, "INTERSECT must be one of"),
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
    # astropy then says the URL is not a file: confusing, but never a table made of the error
    with pytest.raises(OSError):
        Table.read(f"{server.sia}?{urlencode(params | {'RESPONSEFORMAT': 'CSV'})}", format="ascii.csv")


def test_pyvo_reports_the_message(server):
    with pytest.raises(pyvo.dal.DALQueryError, match="SIZE must be between"):
        pyvo.dal.SIAService(server.sia).search(pos=TARGET, size=20)
