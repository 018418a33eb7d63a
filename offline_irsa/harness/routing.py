"""Route a Python process's connections: irsa.ipac.caltech.edu to the offline IRSA, nothing anywhere else.

Notebooks keep IRSA's real URLs. Inside a process started by the harness (kernels, and the
Python processes they start: ``sitecustomize`` in ``kernels`` activates this), routing works at
the level every HTTP client shares, the socket module, so urllib, requests, aiohttp (and so
fsspec and ``fits.open(..., use_fsspec=True)``), httpx, astropy's ``download_file``, pyvo,
astroquery, firefly_client and the next client reach the stand-in with no patch of their own:

* **names**: ``socket.getaddrinfo`` answers for irsa.ipac.caltech.edu with the stand-in's
  listeners, port 80 its plain HTTP, port 443 its HTTPS. The URL, the ``Host`` header and TLS's
  server name stay IRSA's, as they are live;
* **trust**: a TLS connection that names IRSA's host trusts the stand-in's throw-away
  authority (``https``), loaded into that connection's context whatever bundle the client chose
  (certifi for requests, httpx and astropy; the system's for urllib and aiohttp). No trust
  store on disk changes;
* **nothing else**: resolving any other name, or connecting (TCP) or sending (UDP) to an
  address outside loopback, fails at once with ``OfflineOnly``, an ``OSError`` naming the host
  and saying how to run live. Clients report it inside their own errors
  (``URLError``, ``ConnectionError``, ``ClientConnectorError``, ``ConnectError``).

What this cannot reach, and where a rewrite or another route stays:

* programs that are not Python (``!curl``, ``!wget``): ``kernels`` gives them the stand-in
  as their proxy, through their own configuration files (it tunnels IRSA and refuses the rest);
* code that resolves names or opens sockets in C without Python's socket module (aiohttp with
  the optional ``aiodns`` installed, pycurl): it does not reach the stand-in; its connections
  outside loopback are still refused where they pass through Python (aiohttp's do).

Two more things make a stuck request end, and say what it was waiting for:

* a blocking socket connected to the stand-in with no timeout (firefly_client never gives
  one; pyvo leaves it to requests, which waits for ever), or whose timeout is set to none
  later, gets ``request_timeout()``, 30 s
  unless $OFFLINE_IRSA_REQUEST_TIMEOUT says otherwise, per socket operation. The stand-in
  answers the tutorials' requests in 0.01 s (SIA) to 0.08 s (a whole atlas image), and 30 s
  is well under the 120 s cell timeout, so a stand-in that stops answering ends as the
  library's own timeout error, which names the call. A socket with a timeout keeps it;
* an interrupt (the harness interrupts a cell that runs past its timeout) that arrives while
  urllib or requests waits for an answer is re-raised naming the URL, so the traceback says
  what the cell was waiting for (``name_interrupted_requests``, in kernels). This is a message,
  not routing: other clients show their own frames.

``webbrowser.open`` is made to refuse, so that no run opens a browser and firefly_client does
not sleep waiting for one.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import ssl
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

from offline_irsa.https import IRSA_HOST, not_served

ENV_VAR = "OFFLINE_IRSA_URL"  # the stand-in's plain HTTP base: IRSA's port 80
TLS_ENV_VAR = "OFFLINE_IRSA_TLS"  # host:port of the stand-in's HTTPS: IRSA's port 443
CA_ENV_VAR = "OFFLINE_IRSA_CA"  # file of the stand-in's throw-away certificate authority (PEM)
REQUEST_TIMEOUT = 30.0  # seconds; see the module's docstring
REQUEST_TIMEOUT_ENV_VAR = "OFFLINE_IRSA_REQUEST_TIMEOUT"
PORTS = {80: "plain", 443: "tls", "http": "plain", "https": "tls"}  # IRSA's ports, as getaddrinfo may get them


class OfflineOnly(ConnectionRefusedError):
    """A connection an offline run does not make: to anything but IRSA's host and this machine's loopback."""


class _Route:
    """Where IRSA's ports lead, and the authority its certificate comes from; None until ``activate``."""

    plain: tuple[str, int] | None = None
    tls: tuple[str, int] | None = None
    ca_pem: str | None = None


_route = _Route()
_original = {}


def rewrite(url: str, base: str) -> str:
    """The stand-in's URL for an IRSA URL; any other URL unchanged.

    Kernels need no rewriting (their connections are routed); this is for code that talks to a
    stand-in directly, such as the tests and benchmarks, by its loopback URL.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname != IRSA_HOST:
        return url
    return base.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def request_timeout() -> float:
    """Seconds a blocking socket to the stand-in without a timeout of its own may wait."""
    return float(os.environ.get(REQUEST_TIMEOUT_ENV_VAR) or REQUEST_TIMEOUT)


def _name(host) -> str:
    if isinstance(host, (bytes, bytearray)):
        host = host.decode("ascii", "replace")
    return (host or "").strip("[]").lower().rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return None


def is_local(host) -> bool:
    """A name or address on this machine, never outside it: loopback, the wildcard, ``localhost``."""
    name = _name(host)
    if name in ("", "localhost", "localhost.localdomain") or name.endswith(".localhost"):
        return True
    ip = _ip(name)
    if ip is not None and isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip is not None and (ip.is_loopback or ip.is_unspecified)


def irsa_address(port) -> tuple[str, int]:
    """The stand-in's listener for one of IRSA's ports; OfflineOnly for a port IRSA does not serve."""
    kind = PORTS.get(port if isinstance(port, str) else int(port or 80))
    address = getattr(_route, kind) if kind else None
    if address is None:
        raise OfflineOnly(errno.ECONNREFUSED, f"offline run: the offline IRSA serves {IRSA_HOST} on ports 80 "
                                              f"and 443 only, not {port}")
    return address


def _getaddrinfo(host, port, *args, **kwargs):
    name = _name(host)
    if name == IRSA_HOST:
        return _original["getaddrinfo"](*irsa_address(port), *args, **kwargs)
    if host is None or is_local(name) or name == _name(socket.gethostname()):
        return _original["getaddrinfo"](host, port, *args, **kwargs)
    raise OfflineOnly(errno.ECONNREFUSED, not_served(name))


def _destination(sock: socket.socket, address):
    """The address to connect to, checked: IRSA's name mapped, anything outside loopback refused."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return address  # Unix sockets and the like stay on this machine
    host, port = address[0], address[1]
    if _name(host) == IRSA_HOST:
        return (*irsa_address(port), *address[2:])
    if not is_local(host):
        raise OfflineOnly(errno.ECONNREFUSED, not_served(_name(host)))
    return address


def _to_stand_in(address) -> bool:
    return isinstance(address, tuple) and tuple(address[:2]) in (_route.plain, _route.tls)


def _connect(self, address):
    address = _destination(self, address)
    if _to_stand_in(address) and self.gettimeout() is None:
        self.settimeout(request_timeout())
    return _original["connect"](self, address)


def _connect_ex(self, address):
    address = _destination(self, address)
    if _to_stand_in(address) and self.gettimeout() is None:
        self.settimeout(request_timeout())
    return _original["connect_ex"](self, address)


def _settimeout(self, value):
    """No timeout on a socket to the stand-in becomes ``request_timeout()``: clients that wait for ever
    (urllib3 sets the read timeout, None for requests without one, after connecting) end in time."""
    if value is None and _route.plain and self.family in (socket.AF_INET, socket.AF_INET6):
        try:
            peer = self.getpeername()
        except OSError:  # not connected yet: ``_connect`` sees to it
            peer = None
        if _to_stand_in(peer):
            value = request_timeout()
    return _original["settimeout"](self, value)


def _sendto(self, data, *flags_and_address):
    _destination(self, flags_and_address[-1])
    return _original["sendto"](self, data, *flags_and_address)


def _trust_stand_in(context: ssl.SSLContext, server_hostname) -> None:
    """Let a TLS connection to IRSA's host trust the stand-in's authority (loading it twice is harmless)."""
    if _route.ca_pem and _name(server_hostname) == IRSA_HOST:
        context.load_verify_locations(cadata=_route.ca_pem)


def _wrap_socket(self, sock, *args, server_hostname=None, **kwargs):
    _trust_stand_in(self, server_hostname)
    return _original["wrap_socket"](self, sock, *args, server_hostname=server_hostname, **kwargs)


def _wrap_bio(self, incoming, outgoing, *args, server_hostname=None, **kwargs):
    _trust_stand_in(self, server_hostname)
    return _original["wrap_bio"](self, incoming, outgoing, *args, server_hostname=server_hostname, **kwargs)


def waiting_for(url: str) -> str:
    """What an interrupted request was waiting for, for the traceback's last line."""
    host = urlsplit(url).hostname
    where = " (the offline stand-in)" if _route.plain and (host == IRSA_HOST or is_local(host)) else ""
    return f"interrupted while waiting for an answer from {url}{where}"


def _name_interrupted_urllib() -> None:
    import urllib.request

    original = urllib.request.OpenerDirector.open

    def open_named(self, fullurl, *args, **kwargs):
        try:
            return original(self, fullurl, *args, **kwargs)
        except KeyboardInterrupt as interrupt:
            url = fullurl if isinstance(fullurl, str) else fullurl.full_url
            raise KeyboardInterrupt(waiting_for(url)) from interrupt

    urllib.request.OpenerDirector.open = open_named


def _name_interrupted_requests() -> None:
    try:
        from requests.adapters import HTTPAdapter
    except ImportError:
        return
    original = HTTPAdapter.send

    def send_named(self, request, **kwargs):
        try:
            return original(self, request, **kwargs)
        except KeyboardInterrupt as interrupt:
            raise KeyboardInterrupt(waiting_for(request.url)) from interrupt

    HTTPAdapter.send = send_named


_named: list[bool] = []


def name_interrupted_requests() -> None:
    """In a kernel: an interrupt while urllib or requests waits re-raised naming the URL (once).

    Kernels only, where the harness interrupts cells: it imports requests, which would cost every
    other Python process of an offline run (``sitecustomize``) 50 ms at start-up.
    """
    if not _named:
        _named.append(True)
        _name_interrupted_urllib()
        _name_interrupted_requests()


def _no_browser(url, new=0, autoraise=True) -> bool:
    return False


def _address(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    parts = urlsplit(text if "//" in text else f"//{text}")
    return parts.hostname, parts.port


def activate(base: str | None = None, tls: str | None = None, ca_file: str | None = None) -> bool:
    """Route this process's connections (see the module's docstring). False if no stand-in is named.

    ``base`` is the stand-in's plain URL, ``tls`` the host:port of its HTTPS (without it IRSA's port
    443 leads to the plain listener too), ``ca_file`` its authority's certificate. With no ``base``,
    all three come from $OFFLINE_IRSA_URL, $OFFLINE_IRSA_TLS and $OFFLINE_IRSA_CA.
    """
    if base is None:  # all three from the environment the harness gives, or none of them
        base, tls, ca_file = (os.environ.get(name) for name in (ENV_VAR, TLS_ENV_VAR, CA_ENV_VAR))
    if not base:
        return False
    _route.plain = _address(base)
    _route.tls = _address(tls) or _route.plain
    _route.ca_pem = Path(ca_file).read_text() if ca_file else None
    if not _original:
        _original.update(getaddrinfo=socket.getaddrinfo, connect=socket.socket.connect,
                         connect_ex=socket.socket.connect_ex, sendto=socket.socket.sendto,
                         settimeout=socket.socket.settimeout,
                         wrap_socket=ssl.SSLContext.wrap_socket, wrap_bio=ssl.SSLContext.wrap_bio)
        socket.getaddrinfo = _getaddrinfo
        socket.socket.connect = _connect
        socket.socket.connect_ex = _connect_ex
        socket.socket.sendto = _sendto
        socket.socket.settimeout = _settimeout
        ssl.SSLContext.wrap_socket = _wrap_socket
        ssl.SSLContext.wrap_bio = _wrap_bio
        webbrowser.open = webbrowser.open_new = webbrowser.open_new_tab = _no_browser
    return True
