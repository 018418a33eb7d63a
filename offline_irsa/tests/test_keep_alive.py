"""Connections kept alive between requests, as a web server keeps them, without losing a request."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from contextlib import closing, suppress

import pytest

from offline_irsa import server as server_module
from offline_irsa.https import IRSA_HOST
from offline_irsa.server import OfflineIRSA

HEALTH = "/firefly/healthz"  # a short answer: "OK"
SEARCH = "/ibe/sia/twomass/allsky/allsky?POS={ra},77.595559&SIZE=0.01&RESPONSEFORMAT=CSV"


def plain_address(server) -> tuple[str, int]:
    host, port = server.base.removeprefix("http://").split(":")
    return host, int(port)


def plain(server) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(*plain_address(server), timeout=10)


def answer(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None):
    connection.request(method, path, body=body)
    response = connection.getresponse()
    return response, response.read()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_one_connection_serves_many_requests_each_answered(server, scheme):
    if scheme == "http":
        connection = plain(server)
    else:
        context = ssl.create_default_context(cadata=server.authority.ca_pem.decode())
        context.check_hostname = False  # its certificate names IRSA's host; here it is reached by address
        connection = http.client.HTTPSConnection(*server.tls_address, timeout=10, context=context)
    with closing(connection):
        sockets = set()
        for i in range(40):  # different searches, so an answer given to the wrong request would show
            response, body = answer(connection, "GET" if i % 4 else "HEAD", SEARCH.format(ra=300 + i / 10))
            assert response.status == 200 and not response.will_close
            assert response.getheader("Connection") is None
            if i % 4:
                assert f"{300 + i / 10:g}" in body.decode() or body.startswith(b"sia_title")
            sockets.add(id(connection.sock))
        assert len(sockets) == 1  # never reopened


def test_requests_sent_together_are_each_answered(server):
    """Pipelined: the next request is read from what came with the first, not drained away."""
    with socket.create_connection(plain_address(server), timeout=10) as raw:
        request = f"GET {SEARCH.format(ra=10)} HTTP/1.1\r\nHost: {IRSA_HOST}\r\n\r\n".encode()
        last = f"GET {HEALTH} HTTP/1.1\r\nHost: {IRSA_HOST}\r\nConnection: close\r\n\r\n".encode()
        raw.sendall(request + request + last)  # all at once, before the first answer is read
        received = b"".join(iter(lambda: raw.recv(65536), b""))
    assert received.count(b"HTTP/1.1 200") == 3
    assert received.rstrip().endswith(b"OK")


def test_a_request_with_a_body_closes_its_connection(server):
    with closing(plain(server)) as connection:
        response, _ = answer(connection, "POST", "/ibe/sia/twomass/allsky/allsky",
                             body=b"POS=10,41&SIZE=0.01&RESPONSEFORMAT=CSV")
        assert response.status == 200
        assert response.getheader("Connection") == "close" and response.will_close


def test_a_client_asking_to_close_is_closed(server):
    with closing(plain(server)) as connection:
        connection.request("GET", HEALTH, headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        assert response.will_close


@pytest.fixture
def short_keep_alive(monkeypatch):
    monkeypatch.setattr(server_module._Handler, "keep_alive_timeout", 0.5)
    with OfflineIRSA() as running:
        yield running


def test_an_unused_kept_connection_is_closed_and_its_thread_given_back(short_keep_alive, caplog):
    with socket.create_connection(plain_address(short_keep_alive), timeout=10) as raw:
        raw.sendall(f"GET {HEALTH} HTTP/1.1\r\nHost: {IRSA_HOST}\r\n\r\n".encode())
        start = time.perf_counter()
        received = b"".join(iter(lambda: raw.recv(65536), b""))  # to the end: closed by the server
        assert received.startswith(b"HTTP/1.1 200") and received.endswith(b"OK")
        assert time.perf_counter() - start < 5
    assert not [r for r in caplog.records if "timed out" in r.getMessage()]  # not used again: not an error


def accepted_all_three(served, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while served._connections < 3:
        assert time.monotonic() < deadline, f"the server accepted {served._connections} of 3 connections in {limit} s"
        time.sleep(0.01)


def test_a_connection_answered_while_others_wait_is_closed():
    """With every thread taken, a kept connection would make the next client wait for its timeout."""
    served = server_module.BoundedThreadedServer("127.0.0.1", 0, server_module.Application(),
                                                 server_module._QuietHandler, max_threads=2)
    serving = threading.Thread(target=served.serve_forever, daemon=True)
    serving.start()
    address = ("127.0.0.1", served.server_port)
    held = [socket.create_connection(address, timeout=10) for _ in range(2)]  # they take both threads
    try:
        with closing(http.client.HTTPConnection(*address, timeout=10)) as third:
            third.request("GET", HEALTH)  # queued behind the two
            accepted_all_three(served)
            for connection in held:  # each sends a request; answered while the third waits
                connection.sendall(f"GET {HEALTH} HTTP/1.1\r\nHost: {IRSA_HOST}\r\n\r\n".encode())
            replies = [connection.recv(65536) for connection in held]
            response = third.getresponse()
            assert response.status == 200 and response.read() == b"OK"
        assert all(b"HTTP/1.1 200" in reply and b"Connection: close" in reply for reply in replies)
    finally:
        for connection in held:
            connection.close()
        served.shutdown()
        served.server_close()


def test_a_failed_tls_handshake_gives_back_its_place_in_the_count(server):
    """Else the count of waiting connections would grow, and every connection after it would close."""
    tls = server._tls_server
    for _ in range(3):
        with socket.create_connection(server.tls_address, timeout=10) as raw:
            raw.sendall(b"GET / HTTP/1.1\r\n\r\n")  # plain text where a TLS hello belongs
            with suppress(ConnectionResetError):
                assert raw.recv(1024) == b""  # refused: closed, or reset
    deadline = time.monotonic() + 10
    while tls._connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert tls._connections == 0
