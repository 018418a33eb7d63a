"""IRSA's HTTPS, served by the stand-in: a throw-away certificate authority, and a tunnel for curl and wget.

Offline, a kernel's connections to irsa.ipac.caltech.edu reach the stand-in (``harness.routing``):
port 80 its plain listener, port 443 its TLS listener. The TLS listener shows a certificate for
irsa.ipac.caltech.edu issued by ``StandInAuthority``, a certificate authority made with
``trustme`` when the stand-in starts and gone when it stops. Nothing is added to the machine's or
the user's trust stores: only the processes the harness starts trust it (``routing`` loads it into
the TLS contexts that connect to IRSA's host; curl and wget are given its file).

Programs that are not Python (``!curl``, ``!wget`` in a cell) are pointed at the stand-in as their
HTTP proxy. It answers ``CONNECT irsa.ipac.caltech.edu:443`` by joining the connection to its own
TLS listener, and refuses every other host with 403 and a reason naming the host.
"""

from __future__ import annotations

import selectors
import socket
import ssl
from pathlib import Path

IRSA_HOST = "irsa.ipac.caltech.edu"
TUNNEL_IDLE_TIMEOUT = 15.0  # seconds a tunnel may carry nothing before it is closed (as IDLE_TIMEOUT)
TUNNEL_CHUNK = 64 * 1024
LIVE_HINT = "to use the network, run live: pytest --live, OFFLINE_IRSA_LIVE=1, or tox -e live"


def not_served(host: str) -> str:
    """Why a connection to ``host`` is refused in an offline run: the same sentence wherever it is refused."""
    return (f"offline run: {host} is not reached. The offline IRSA serves only {IRSA_HOST} "
            f"(on this machine); {LIVE_HINT}")


class StandInAuthority:
    """A certificate authority that exists while the stand-in runs, and IRSA's certificate from it."""

    def __init__(self) -> None:
        import trustme  # here, not at the top: routing (in every kernel) needs this module's sentences only

        self._ca = trustme.CA(organization_name="offline_irsa throw-away test CA")
        self._certificate = self._ca.issue_cert(IRSA_HOST)

    @property
    def ca_pem(self) -> bytes:
        """The authority's certificate (PEM), for clients to trust."""
        return self._ca.cert_pem.bytes()

    def write_ca(self, path: Path) -> Path:
        path.write_bytes(self.ca_pem)
        return path

    def server_context(self) -> ssl.SSLContext:
        """The TLS context the stand-in's HTTPS listener serves IRSA's certificate with."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        self._certificate.configure_cert(context)
        return context


def connect_target(path: str) -> tuple[str, int] | None:
    """Host and port of a ``CONNECT host:port`` request line's target; None if malformed."""
    host, _, port = path.rpartition(":")
    host = host.strip("[]").lower().rstrip(".")
    return (host, int(port)) if host and port.isdigit() else None


def relay(client: socket.socket, upstream: socket.socket, idle_timeout: float = TUNNEL_IDLE_TIMEOUT) -> None:
    """Copy bytes both ways until either side closes or nothing moves for ``idle_timeout`` seconds."""
    peers = {client: upstream, upstream: client}
    with selectors.DefaultSelector() as selector:
        for sock in peers:
            sock.setblocking(True)
            selector.register(sock, selectors.EVENT_READ)
        while True:
            ready = selector.select(idle_timeout)
            if not ready:
                return
            for key, _ in ready:
                try:
                    data = key.fileobj.recv(TUNNEL_CHUNK)
                    if not data:
                        return
                    peers[key.fileobj].sendall(data)
                except OSError:
                    return
