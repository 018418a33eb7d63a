"""Injected faults: what a client meets when the stand-in is told to fail."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from offline_irsa.faults import Fault
from offline_irsa.server import OfflineIRSA, announced_base

from .conftest import TARGET

SEARCH = {"POS": f"{TARGET[0]},{TARGET[1]}", "SIZE": "0", "RESPONSEFORMAT": "CSV"}


@pytest.fixture
def irsa():
    with OfflineIRSA() as running:
        yield running


def image_url(server) -> str:
    line = requests.get(server.sia, params=SEARCH, timeout=30).text.splitlines()[1]
    return line.split(",")[1].replace("https://irsa.ipac.caltech.edu", server.base)


def test_status_for_the_next_n_requests_then_normal(irsa):
    irsa.faults.inject("sia", "status", 503, times=2)
    answers = [requests.get(irsa.sia, params=SEARCH, timeout=10) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert "fault injected by offline_irsa" in answers[0].text
    assert irsa.faults.listed() == []


def test_a_fault_touches_only_its_route(irsa):
    url = image_url(irsa)
    irsa.faults.inject("cutout", "status", 500)
    assert requests.get(url, timeout=30).status_code == 200
    assert requests.get(url, params={"center": "100,100px", "size": "5px"}, timeout=30).status_code == 500
    assert requests.get(irsa.sia, params=SEARCH, timeout=30).status_code == 200


def test_delay(irsa):
    irsa.faults.inject("sia", "delay", 0.6)
    start = time.perf_counter()
    assert requests.get(irsa.sia, params=SEARCH, timeout=10).status_code == 200
    assert time.perf_counter() - start >= 0.6


def test_hang_holds_the_request_until_the_client_gives_up_and_others_are_served(irsa):
    irsa.faults.inject("sia", "hang")
    start = time.perf_counter()
    with pytest.raises(requests.ReadTimeout):
        requests.get(irsa.sia, params=SEARCH, timeout=1)
    assert time.perf_counter() - start < 3
    assert requests.get(f"{irsa.firefly}/healthz", timeout=5).status_code == 200
    irsa.faults.clear()
    assert requests.get(irsa.sia, params=SEARCH, timeout=10).status_code == 200


def test_truncated_body_is_an_incomplete_read(irsa):
    url = image_url(irsa)
    irsa.faults.inject("data", "truncate", 1000)
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead|Connection broken"):
        requests.get(url, timeout=10)


def test_html_page_instead_of_the_table(irsa):
    irsa.faults.inject("sia", "html")
    answer = requests.get(irsa.sia, params=SEARCH, timeout=10)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/html")
    assert "<html>" in answer.text and "sia_url" not in answer.text


def test_stop_drops_the_request_and_refuses_the_next(irsa):
    irsa.faults.inject("*", "stop")
    with pytest.raises(requests.ConnectionError):
        requests.get(irsa.sia, params=SEARCH, timeout=10)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            requests.get(f"{irsa.firefly}/healthz", timeout=1)
        except requests.ConnectionError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the stand-in still answers after a stop fault")


def test_faults_over_http(irsa):
    control = irsa.base + "/_offline/faults"
    assert requests.post(control, data="sia:status=503*1", timeout=5).status_code == 200
    assert "status" in requests.get(control, timeout=5).text
    assert requests.get(irsa.sia, params=SEARCH, timeout=5).status_code == 503
    assert requests.get(control, timeout=5).text == "no faults\n"
    bad = requests.post(control, data="sia:explode", timeout=5)
    assert bad.status_code == 400 and "unknown fault kind" in bad.text
    requests.post(control, data="ibe:status=502", timeout=5)
    assert requests.delete(control, timeout=5).text == "cleared\n" and irsa.faults.listed() == []


@pytest.mark.parametrize("spec, message", [
    ("sia", "looks like"), ("sia:status", "needs"), ("sia:hang=3", "takes no"), ("sia:status=42", "HTTP status"),
    ("moon:status=503", "unknown route"), ("sia:status=503*x", "looks like"),
])
def test_bad_fault_specs_are_refused_with_a_reason(spec, message):
    with pytest.raises(ValueError, match=message):
        Fault.parse(spec)


def test_serve_takes_faults_on_the_command_line():
    process = subprocess.Popen([sys.executable, "-m", "offline_irsa", "serve", "--port", "0",
                                "--fault", "sia:status=503*1"], stdout=subprocess.PIPE, text=True)
    try:
        base = announced_base(process.stdout)
        assert base, "serve did not announce its URL"
        sia = base + "/ibe/sia/twomass/allsky/allsky"
        assert requests.get(sia, params=SEARCH, timeout=10).status_code == 503
        assert requests.get(sia, params=SEARCH, timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    refused = subprocess.run([sys.executable, "-m", "offline_irsa", "serve", "--fault", "sia:melt"],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "unknown fault kind" in refused.stderr
