"""The live run's failure summary names the service and the cell."""

from __future__ import annotations

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
