"""The live run's failure summary names the service and the cell."""

from __future__ import annotations

import pytest

from offline_irsa.harness.live_report import failures, main, service_of

JUNIT = """<?xml version="1.0"?>
<testsuites><testsuite name="pytest" tests="4" failures="2" errors="1">
 <testcase classname="notebooks.2mass-sia-v1.md" name="Cell 5">
  <failure message="Cell execution caused an exception">HTTPError: 503 for url:
   https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky?POS=1,2</failure></testcase>
 <testcase classname="notebooks.2mass-sia-v1.md" name="Cell 9">
  <failure message="ValueError">Connection failed to URL https://irsa.ipac.caltech.edu/irsaviewer</failure></testcase>
 <testcase classname="notebooks.2mass-sia-v1.md" name="Cell 12">
  <error message="OSError">https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/x.fits.gz?center=1,2&amp;size=1arcmin</error>
 </testcase>
 <testcase classname="notebooks.2mass-sia-v1.md" name="Cell 1"/>
</testsuite></testsuites>
"""


def test_failures_name_service_and_cell(tmp_path, capsys):
    path = tmp_path / "results.xml"
    path.write_text(JUNIT)
    assert failures(str(path)) == [
        ("notebooks.2mass-sia-v1.md", "Cell 5", "IRSA SIA v1 search"),
        ("notebooks.2mass-sia-v1.md", "Cell 9", "Firefly (IRSA viewer)"),
        ("notebooks.2mass-sia-v1.md", "Cell 12", "IRSA IBE cutouts"),
    ]
    main([str(path)])
    assert "| notebooks.2mass-sia-v1.md | Cell 5 | IRSA SIA v1 search |" in capsys.readouterr().out


def test_unknown_cause():
    assert service_of("ZeroDivisionError: division by zero").startswith("no IRSA service")


def test_the_tutorials_own_messages_name_the_service():
    assert service_of("RuntimeError: IRSA's cutout service (IBE) did not answer (ReadTimeout): ...") == \
        "IRSA IBE cutouts"
    assert service_of("IRSA's image service (IBE) answered 503 for https://x/ibe/data/a.fits.gz") == \
        "IRSA IBE image data"
    assert service_of("IRSA's SIA service did not send the table asked for") == "IRSA SIA v1 search"


@pytest.mark.parametrize("text, service", [
    ("HTTPError: 404 for url: https://irsa.ipac.caltech.edu/ibe/sia/wise/allwise/p3am_cdd?POS=1,2",
     "IRSA SIA v1 search"),
    ("x https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/a/s001/image/hi0010001.fits.gz y",
     "IRSA IBE image data"),
    ("https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/a.fits.gz?center=1,2&size=1arcmin",
     "IRSA IBE cutouts"),
    ("DALServiceError: 404 Client Error: NOT FOUND for url: https://irsa.ipac.caltech.edu/SIA/capabilities",
     "IRSA SIA v2 search"),
    ("https://irsa.ipac.caltech.edu/SIA?POS=CIRCLE+1+2+0.1&COLLECTION=twomass_allsky", "IRSA SIA v2 search"),
    ("https://irsa.ipac.caltech.edu:443/cgi-bin/2MASS/IM/nph-im?ds=asky&name=ji0600256.fits",
     "IRSA's older 2MASS SIA"),
    ("DALQueryError for https://irsa.ipac.caltech.edu/TAP/sync", "IRSA TAP"),
    ("ReadTimeout: HTTPConnectionPool(host='127.0.0.1', port=41234): Read timed out. (read timeout=3) "
     "http://127.0.0.1:41234/firefly/CmdSrv/sync", "Firefly"),
    ("https://irsa.ipac.caltech.edu/irsaviewer/healthz", "Firefly (IRSA viewer)"),
    ("https://irsa.ipac.caltech.edu/docs/help_desk.html", "IRSA (other: /docs/help_desk.html)"),
])
def test_the_service_is_read_from_the_url_path(text, service):
    assert service_of(text) == service


def test_words_in_a_body_do_not_name_the_service():
    """pyvo quotes the stand-in's 404, which lists every service it serves (Firefly among them)."""
    from offline_irsa.server import not_found_text

    error = ("DALServiceError: 404 Client Error: NOT FOUND for url: https://irsa.ipac.caltech.edu/SIA/capabilities\n"
             + not_found_text("/SIA/capabilities"))
    assert "firefly" in error.lower()
    assert service_of(error) == "IRSA SIA v2 search"


def test_a_host_that_is_not_irsa_names_no_irsa_service():
    error = ("ConnectionError: HTTPSConnectionPool(host='data.example.org', port=443): Max retries exceeded with "
             "url: /x.fits (offline run: data.example.org is not reached. https://data.example.org/x.fits")
    assert service_of(error).startswith("no IRSA service")
