"""The stand-in cannot be crashed, frozen or exhausted by what it is sent."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import quote

import numpy as np
import pytest
import requests
from werkzeug.test import Client

from offline_irsa import server as server_module
from offline_irsa.server import Application, OfflineIRSA
from offline_irsa.surveys.twomass import SURVEY as TWOMASS
from offline_irsa.surveys.twomass.regions import find_tiles

from .conftest import TARGET

TILE = find_tiles(*TARGET, 0, 0, "CENTER")[0]
IMAGE = f"{TWOMASS.data_path}/{TILE.path('h')}"
FUZZ_REQUESTS = 3000
# Pieces the fuzzer builds values from: numbers in every syntax Python accepts and some it
# does not, units, separators, other scripts' digits, control characters, huge and tiny values.
ATOMS = ["0", "1", "-1", "314.30417", "77.595559", "1e-05", "1e300", "-1e300", "1e-300", "nan", "inf", "-inf", "1_0",
         "١٠", "٣", "０", "0x1f", "1.2.3", ".5", "5.", "+", "-", "e", "E5", " ", "", ",", ",,", ";", ":", "'", '"',
         "px", "pix", "pixels", "arcsec", "asec", "arcmin", "arcminutes", "deg", "degree", "rad", "radians",
         "ARCSEC", "\x00", "\n", "%", "&", "=", "?", "/", "..", "<", ">", "é", "\u202e", "9" * 40, "1" * 310]
NUMBERS = ["0", "1", "30", "256", "-49", "600", "314.30417", "77.595559", "5.4856", "1.3543", "0.0167", "1e-05",
           "1e300", "-90.5", "91", "360.5", "1e-300"]
UNITS = ["", "px", "pix", "pixels", "arcsec", "asec", '"', "arcmin", "arcminutes", "'", "deg", "degree", "rad",
         "radians", "parsec"]
KEYS = ["POS", "pos", "SIZE", "size", "INTERSECT", "FORMAT", "RESPONSEFORMAT", "VERB", "center", "CENTER", "size",
        "gzip", "GZIP", "x", ""]
PATHS = [TWOMASS.sia_path, IMAGE, IMAGE.replace("/hi", "/ki"), f"{TWOMASS.data_path}/",
         f"{TWOMASS.data_path}/{TILE.path('h')[:-3]}",
         f"{TWOMASS.data_path}/{TILE.ordate}n/s001/image/", f"{TWOMASS.data_path}/{TILE.ordate}n/s001/image/j",
         f"{TWOMASS.data_path}/../../etc/passwd", "/firefly/CmdSrv/sync", "/firefly/sticky/CmdSrv", "/firefly/",
         "/_offline/firefly/actions", "/_offline/faults", "/irsaviewer/healthz", "/", "/%00", "/ibe/sia/x"]
METHODS = ["GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


# Half the requests use the keys a route reads, so values reach the parsers behind them.
SHAPES = {TWOMASS.sia_path: ["POS", "SIZE", "INTERSECT"], IMAGE: ["center", "size", "gzip"]}


def fuzz_requests(n: int, seed: int = 20251125):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        path = PATHS[rng.integers(len(PATHS))]
        if path in SHAPES and rng.random() < 0.5:
            keys = SHAPES[path][:rng.integers(1, 4)]
        else:
            keys = [KEYS[i] for i in rng.integers(len(KEYS), size=rng.integers(0, 5))]
        params = []
        for key in keys:
            if rng.random() < 0.5:  # shaped like a real value: numbers, a comma, a unit
                value = ",".join(NUMBERS[i] for i in rng.integers(len(NUMBERS), size=rng.integers(1, 3)))
                value += UNITS[rng.integers(len(UNITS))]
            else:
                value = "".join(ATOMS[i] for i in rng.integers(len(ATOMS), size=rng.integers(1, 4)))
            params.append(f"{quote(key)}={quote(value)}")
        method = METHODS[rng.integers(len(METHODS))]
        if method == "POST" and path in ("/_offline/faults", "/_offline/firefly/actions"):
            method = "GET"  # faults posted here would be obeyed: this test is about input, not outages
        yield method, path + ("?" + "&".join(params) if params else "")


def test_fuzz_no_unintended_500s():
    """A fixed-seed fuzz of every route. The one 500 allowed is IBE's deliberate answer to a
    cutout that misses its image, which says so (see services/ibe.py)."""
    client = Client(Application())
    statuses: dict[int, int] = {}
    for method, url in fuzz_requests(FUZZ_REQUESTS):
        response = client.open(url, method=method)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            said = client.get(url).text if method == "HEAD" else response.text  # HEAD has no body
            assert response.status_code == 500 and said.startswith("Cutout failed:"), (method, url, said)
    assert sum(statuses.values()) == FUZZ_REQUESTS
    assert {200, 400, 404, 405} <= set(statuses)  # the fuzz reached every kind of answer


@pytest.mark.parametrize("value", [
    "1" * 100_000, " " * 100_000 + "a1", "1e" * 50_000, "," * 100_000, "a" * 100_000 + "1", '"' * 100_000,
])
def test_a_100_kB_parameter_is_refused_fast(value):
    client = Client(Application())
    for url in (f"{IMAGE}?center={quote(value)}&size=1", f"{TWOMASS.sia_path}?POS={quote(value)}"):
        start = time.perf_counter()
        response = client.get(url)
        assert time.perf_counter() - start < 0.5
        assert response.status_code in (200, 400) and "longer than 200 characters" in response.text


def test_100_kB_posted_to_sia_is_refused_fast_over_http(server):
    start = time.perf_counter()
    response = requests.post(server.sia, data={"POS": "1" * 100_000}, timeout=10)
    assert time.perf_counter() - start < 1 and "longer than 200 characters" in response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_data_routes_answer_only_get_and_head(server, method):
    url = server.base + IMAGE
    assert requests.request(method, url, timeout=10).status_code == 405
    assert requests.head(url, timeout=10).status_code == 200


@pytest.fixture
def short_idle(monkeypatch):
    monkeypatch.setattr(server_module._Handler, "timeout", 0.5)
    with OfflineIRSA() as running:
        yield running


def open_idle(server, n: int) -> list[socket.socket]:
    host, port = server.base.removeprefix("http://").split(":")
    return [socket.create_connection((host, int(port)), timeout=5) for _ in range(n)]


def test_an_idle_connection_is_closed(short_idle):
    (idle,) = open_idle(short_idle, 1)
    try:
        idle.settimeout(5)
        start = time.perf_counter()
        assert idle.recv(1) == b""  # closed by the server, not by our timeout
        assert time.perf_counter() - start < 3
    finally:
        idle.close()


def test_many_idle_connections_hold_a_bounded_number_of_threads(short_idle):
    connections = open_idle(short_idle, 3 * server_module.MAX_THREADS)
    try:
        time.sleep(0.3)
        port = short_idle.base.rsplit(":", 1)[1]
        request_threads = [t for t in threading.enumerate() if t.name.startswith(f"offline-irsa-{port}-request")]
        assert len(request_threads) >= server_module.MAX_THREADS // 2  # the idle connections did take threads
        assert len(request_threads) <= server_module.MAX_THREADS
        start = time.perf_counter()
        assert requests.get(f"{short_idle.firefly}/healthz", timeout=10).status_code == 200
        assert time.perf_counter() - start < 5  # served once idle connections time out
    finally:
        for connection in connections:
            connection.close()


def test_an_unexpected_error_is_a_500_that_names_it_and_the_server_keeps_serving(server, monkeypatch):
    def broken(request, table):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(server_module.sia, "respond", broken)
    response = requests.get(server.sia, timeout=10)
    assert response.status_code == 500 and "ZeroDivisionError: a bug" in response.text
    assert requests.get(f"{server.firefly}/healthz", timeout=10).status_code == 200
