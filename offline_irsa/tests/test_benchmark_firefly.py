"""The Firefly benchmark runs end to end on the image the first tutorial finds and prints every figure."""

from __future__ import annotations

import re

from offline_irsa.benchmarks import firefly


def test_a_short_run_prints_each_figure_beside_the_read_floor(capsys):
    assert firefly.main(["--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert "one 512×1024 atlas image" in printed
    for row in ("astropy reads the FITS file (floor)", "grey image: stretch + PNG", "3-colour J/H/Ks: stretch + PNG",
                "render.png request after a stretch"):
        assert re.search(rf"^{re.escape(row)}\s+\d+\.\d{{4}}\s+\d+\.\d{{4}}\s+\d+\.\d$", printed, re.M), row
