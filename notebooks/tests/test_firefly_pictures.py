"""The site gives each Firefly cell the actions it sent, in order, so its picture shows that cell's view."""

from __future__ import annotations

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
