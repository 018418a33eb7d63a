"""IRSA's HTTPS on the stand-in: its certificate names IRSA's host only, and a stalled handshake blocks nobody."""

from __future__ import annotations

import socket
import ssl
import time

import pytest

from offline_irsa.https import IRSA_HOST, connect_target


def tls_get(server, path: str, hostname: str = IRSA_HOST, trust: bool = True) -> str:
    context = ssl.create_default_context(cadata=server.authority.ca_pem.decode() if trust else None)
    with socket.create_connection(server.tls_address, timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=hostname) as tls:
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {IRSA_HOST}\r\nConnection: close\r\n\r\n".encode())
        return b"".join(iter(lambda: tls.recv(65536), b"")).decode("latin-1")


def test_the_certificate_is_irsas_from_the_throw_away_authority(server):
    answer = tls_get(server, "/ibe/sia/twomass/allsky/allsky?POS=10,41&SIZE=0.01&RESPONSEFORMAT=CSV")
    assert answer.startswith("HTTP/1.1 200") and "sia_title,sia_url" in answer
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch|doesn't match"):
        tls_get(server, "/", hostname="example.org")  # names IRSA's host, no other
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_get(server, "/", trust=False)  # nothing on this machine trusts it unless told to


def test_a_client_that_never_finishes_its_handshake_blocks_no_one(server):
    """The handshake happens in the connection's own worker, not in the accepting thread."""
    stalled = [socket.create_connection(server.tls_address, timeout=10) for _ in range(3)]
    try:
        started = time.monotonic()
        assert tls_get(server, "/firefly/healthz").startswith("HTTP/1.1 200")
        assert time.monotonic() - started < 5  # about 0.01 s; a blocked accept would wait for IDLE_TIMEOUT, 15 s
    finally:
        for sock in stalled:
            sock.close()


@pytest.mark.parametrize("line, target", [
    ("irsa.ipac.caltech.edu:443", ("irsa.ipac.caltech.edu", 443)),
    ("IRSA.ipac.caltech.edu.:80", ("irsa.ipac.caltech.edu", 80)),
    ("[::1]:443", ("::1", 443)),
    ("irsa.ipac.caltech.edu", None),
    (":443", None),
])
def test_connect_targets(line, target):
    assert connect_target(line) == target
