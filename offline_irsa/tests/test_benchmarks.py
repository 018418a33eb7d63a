"""Every benchmark runs end to end in a short form and prints its figures beside its baseline.

The figures themselves are not checked (speed is measured, not tested); these runs only keep
the benchmarks working as the stand-in changes. The cutouts benchmark has its own module.
"""

from __future__ import annotations

import re

from offline_irsa.benchmarks import allwise, firefly, load, notebooks, routing, services, tap

NUMBER = r"\d+\.\d+"


def test_services_prints_each_request_beside_the_http_floor(capsys):
    assert services.main(["--repeat", "2"]) == 0
    printed = capsys.readouterr().out
    for row in ("HTTP floor (/healthz)", "SIA search, CSV", "full H image, warm", "1' cutout, gzipped",
                'SIA v1 search, 1"', 'SIA v2 search, 1"', 'older 2MASS SIA search, 1"'):
        assert re.search(rf"^{re.escape(row)}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+\d+$", printed, re.M), row
    assert re.search(rf"^SIA v2 vs SIA v1 at the same position: {NUMBER}x the time", printed, re.M)


def test_load_prints_threads_and_memory_beside_werkzeugs_own_server(capsys):
    assert load.main(["--requests", "32"]) == 0
    printed = capsys.readouterr().out
    assert re.search(rf"^threads, 300 idle\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed
    assert re.search(rf"^rss peak\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed


def test_notebooks_prints_the_tutorial_beside_its_floors(capsys):
    assert notebooks.main([str(notebooks.DEFAULT[0]), "--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert re.search(rf"^imports only \(floor\)\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed
    assert re.search(rf"^every module it loads \((\d+)\)\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed
    assert int(re.search(r"every module it loads \((\d+)\)", printed)[1]) > 50  # pyvo's, astropy's, ...
    assert re.search(rf"^whole tutorial\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed
    assert re.search(r"x the floor; aim <= 1.3 x: (met|missed)\)$", printed, re.M), printed


def test_firefly_prints_each_figure_beside_the_read_floor(capsys):
    assert firefly.main(["--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert "one 512×1024 atlas image" in printed
    for row in ("astropy reads the FITS file (floor)", "grey image: stretch + PNG", "3-colour J/H/Ks: stretch + PNG",
                "render.png request after a stretch"):
        assert re.search(rf"^{re.escape(row)}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", printed, re.M), row


def test_tap_prints_each_query_beside_an_sia_search_and_the_memory(capsys):
    assert tap.main(["--repeat", "2", "--cones", "5"]) == 0
    printed = capsys.readouterr().out
    for row in ("SIA v1 search, same position", "TAP 1' cone on fp_psc", "TAP list_collections"):
        assert re.search(rf"^{re.escape(row)}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+\d+$", printed, re.M), row
    assert re.search(rf"^rss before cones MB\s+{NUMBER}$", printed, re.M), printed
    assert re.search(rf"^rss after cones MB\s+{NUMBER}$", printed, re.M), printed


def test_routing_prints_the_tutorial_and_each_client_beside_its_baseline(capsys):
    assert routing.main(["--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    assert re.search(rf"^URL rewrite in urllib, requests \(before\)\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed
    assert re.search(rf"^by connection, HTTPS \(now\)\s+{NUMBER}\s+{NUMBER}$", printed, re.M), printed
    for client in ("urllib", "requests", "httpx", "aiohttp", "astropy download_file"):
        assert re.search(rf"^{client}\s+{NUMBER}\s+{NUMBER}\s+-?{NUMBER}$", printed, re.M), client


def test_allwise_prints_each_figure_beside_2mass_or_its_floor(capsys):
    assert allwise.main(["--repeat", "1"]) == 0
    printed = capsys.readouterr().out
    for row in ("1' cutout, first request (s)", "1' cutout, warm (s)", "whole W3 file vs numpy 4095^2 normals (s)",
                "SIA v1 search, 1' box (s)", "peak RSS above idle while streaming (MB)"):
        assert re.search(rf"^{re.escape(row)}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", printed, re.M), row
