"""The site gives each Firefly cell the actions it sent, in order, so its picture shows that cell's view."""

from __future__ import annotations

import json
import sys

from .browser import ROOT

sys.path.insert(0, str(ROOT / "notebooks" / "_ext"))
import firefly_pictures  # noqa: E402


def test_each_firefly_cell_ends_after_its_own_calls_and_the_last_takes_the_rest():
    sources = ["import os", "fc = FireflyClient.make_lab_client()\nfc.show_fits_image(file_input=url)",
               "print(1)", "fc.set_stretch('h', stype='zscale')\nfc.set_zoom('h', 2)",
               "for u in urls:\n    fc.show_fits_image(file_input=u)"]
    assert firefly_pictures.cell_ends(sources, total=6) == [None, 1, None, 3, 6]
    assert firefly_pictures.cell_ends(sources, total=2) == [None, 1, None, 2, 2]


def test_tab_openers_are_not_replayed_and_captions_say_who_drew_it():
    sent = [{"type": "StartLabWindow", "payload": {}}, {"type": "ImagePlotCntlr.PlotImage", "payload": {}}]
    assert [a["type"] for a in firefly_pictures.drawable(sent)] == ["ImagePlotCntlr.PlotImage"]
    assert "rendered by the offline stand-in" in firefly_pictures.caption(False, "T")
    assert "rendered from the real image by this suite's renderer" in firefly_pictures.caption(True, "T")


def test_a_live_kernel_records_what_it_dispatches(tmp_path, monkeypatch):
    from firefly_client import FireflyClient

    from offline_irsa.server import OfflineIRSA

    record = tmp_path / "sent.json"
    record.write_text('[{"type": "from an older run"}]')
    monkeypatch.setenv(firefly_pictures.RECORD_ENV, str(record))
    original = FireflyClient.dispatch
    try:
        exec(compile(firefly_pictures.LIVE_STARTUP, "00-record-firefly.py", "exec"), {})
        with OfflineIRSA() as firefly:  # standing in for IRSA's Firefly
            FireflyClient(firefly.firefly, "live").show_fits_image(file_input="https://example.org/x.fits", plot_id="x")
    finally:
        FireflyClient.dispatch = original
    sent = json.loads(record.read_text())
    assert [a["type"] for a in sent] == ["ImagePlotCntlr.PlotImage"]  # the older run's record is gone
    assert sent[0]["payload"]["wpRequest"]["url"] == "https://example.org/x.fits"


def test_a_live_picture_is_drawn_from_the_downloaded_image():
    from offline_irsa.server import OfflineIRSA
    from offline_irsa.services.firefly import picture
    from offline_irsa.surveys.twomass.regions import find_tiles

    path = "/ibe/data/twomass/allsky/allsky/" + find_tiles(314.30417, 77.595559, 0, 0, "CENTER")[0].path("h")
    with OfflineIRSA() as irsa:  # a loopback server standing in for the real image's host
        shown = picture.for_live([{"type": "ImagePlotCntlr.PlotImage",
                                   "payload": {"wpRequest": {"url": irsa.base + path, "Title": "live H"}}}])
    assert shown is not None and shown.title == "live H" and "H band, 512 × 1024 pixels" in shown.alt
