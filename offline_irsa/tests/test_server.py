"""The server as a process: command line, subprocess API, loopback only, unknown paths."""

from __future__ import annotations

import pytest
import pyvo
import requests

from offline_irsa.server import OfflineIRSA

from .conftest import TARGET


def test_spawned_server_answers_and_stops():
    spawned = OfflineIRSA.spawn()
    try:
        assert spawned.base.startswith("http://127.0.0.1:")
        results = pyvo.dal.SIAService(spawned.sia).search(pos=TARGET, size=0.01)
        assert len(results) >= 3
        assert requests.get(f"{spawned.firefly}/healthz", timeout=10).status_code == 200
    finally:
        spawned.stop()
    assert spawned.process.returncode is not None
    with pytest.raises(requests.ConnectionError):
        requests.get(spawned.sia, timeout=5)


def test_binds_loopback_by_default(server):
    assert server.base.startswith("http://127.0.0.1:")
    assert server._server.server_address[0] == "127.0.0.1"


def test_index_says_the_data_are_synthetic(server):
    text = requests.get(server.base + "/").text
    assert "SYNTHETIC" in text and server.sia in text


@pytest.mark.parametrize("path", ["/nothing", "/ibe/sia/twomass/full/full", "/ibe/sia/wise/neowiser/p1bm_frm",
                                  "/ibe/data/", "/../etc/passwd", "/firefly/../../etc/passwd"])
def test_unknown_paths_are_404(server, path):
    response = requests.get(server.base + path, timeout=10)
    assert response.status_code == 404 and "root:" not in response.text


def test_describe_names_every_service():
    with OfflineIRSA() as running:
        text = running.describe()
        for url in (running.sia, running.data, running.firefly, running.irsaviewer, running.firefly_record):
            assert url in text
