"""Faults the stand-in can be told to inject, so tests and workshops can see an IRSA outage.

A fault is written ``ROUTE:KIND[=VALUE][*TIMES]``, e.g. ``sia:status=503*2`` (the next two
SIA searches answer HTTP 503), ``cutout:hang``, ``data:delay=5``, ``data:truncate=1000``,
``sia:html``, ``*:stop``. Routes: ``sia``, ``data`` (whole images), ``cutout``, ``ibe``
(both), ``tap`` (everything under /TAP), ``firefly``, ``*`` (everything but the fault controls), or a path starting with
``/``. Kinds:

* ``status=N``: answer HTTP N, with a short text that says the fault was injected;
* ``delay=S``: wait S seconds, then answer normally;
* ``hang``: never answer: hold the request until the fault is cleared or the server
  stops (at most ``HANG_LIMIT`` seconds), then drop the connection;
* ``truncate=B``: announce the whole body, send its first B bytes, drop the connection;
* ``html``: answer 200 with an HTML page (a maintenance notice) instead of the data;
* ``stop``: drop the connection and stop the server, so the next requests are refused.

Set them with ``OfflineIRSA.faults.inject(...)``, ``python -m offline_irsa serve --fault
SPEC``, or over HTTP: ``POST /_offline/faults`` with the spec as the body; ``GET`` lists
them, ``DELETE`` clears them.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from werkzeug.wrappers import Request, Response

KINDS = ("status", "delay", "hang", "truncate", "html", "stop")
ROUTES = ("sia", "data", "cutout", "ibe", "tap", "firefly", "*")
HANG_LIMIT = 600.0  # seconds: even a hung request ends, and a test's own timeout comes first
SPEC = re.compile(r"(?P<route>[a-z*]+|/[\w./-]*):(?P<kind>[a-z]+)(?:=(?P<value>[0-9.]+))?(?:\*(?P<times>[0-9]+))?")
MAINTENANCE_PAGE = (
    "<!doctype html><html><head><title>IRSA is down for maintenance</title></head><body>"
    "<h1>Scheduled maintenance</h1><p>This service is unavailable. Please try again later.</p>"
    "<p>(A fault injected by offline_irsa, the local stand-in for IRSA.)</p></body></html>"
)


@dataclass
class Fault:
    route: str
    kind: str
    value: float | None = None
    times: int | None = None  # how many more requests it applies to; None: all of them

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.route not in ROUTES and not self.route.startswith("/"):
            raise ValueError(f"unknown route {self.route!r}; use one of {', '.join(ROUTES)} or a path")
        needs_value = self.kind in ("status", "delay", "truncate")
        if needs_value != (self.value is not None):
            raise ValueError(f"fault {self.kind!r} {'needs' if needs_value else 'takes no'} value")
        if self.kind == "status" and not (self.value == int(self.value) and 100 <= self.value <= 599):
            raise ValueError(f"status must be an HTTP status code, got {self.value}")

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """A fault from its written form, e.g. ``sia:status=503*2``."""
        match = SPEC.fullmatch(spec.strip())
        if not match:
            raise ValueError(f"a fault looks like ROUTE:KIND[=VALUE][*TIMES], e.g. sia:status=503*2; got {spec!r}")
        value, times = match["value"], match["times"]
        return cls(match["route"], match["kind"], float(value) if value else None, int(times) if times else None)

    def applies_to(self, endpoint: str, request: Request) -> bool:
        if self.route.startswith("/"):
            return request.path.startswith(self.route)
        cutout = endpoint == "data" and any(k.lower() in ("center", "size") for k in request.args)
        return {
            "sia": endpoint == "sia",
            "data": endpoint == "data" and not cutout,
            "cutout": cutout,
            "ibe": endpoint == "data",
            "tap": endpoint == "tap",
            "firefly": endpoint in ("healthz", "command", "viewer"),
            "*": True,
        }[self.route]


class Faults:
    """The faults in force, thread-safe; the server asks it about every request."""

    def __init__(self, on_stop: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._released = threading.Event()  # set to let hung requests go
        self.on_stop = on_stop

    def inject(self, route: str, kind: str, value: float | None = None, times: int | None = None) -> Fault:
        return self.add(Fault(route, kind, value, times))

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
            self._released.clear()
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self._released.set()

    def listed(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]

    def take(self, endpoint: str, request: Request) -> Fault | None:
        """The fault for this request, counting it against the fault's ``times``."""
        with self._lock:
            for fault in self._faults:
                if fault.applies_to(endpoint, request):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def respond(self, fault: Fault, request: Request, answer: Callable[[], Response]) -> Response:
        """What the client gets under ``fault``; ``answer`` makes the normal response."""
        note = f"(fault injected by offline_irsa: {fault.route}:{fault.kind})"
        if fault.kind == "status":
            status = int(fault.value)
            return Response(f"HTTP {status} {note}\n", status=status, mimetype="text/plain")
        if fault.kind == "delay":
            time.sleep(fault.value)
            return answer()
        if fault.kind == "html":
            return Response(MAINTENANCE_PAGE, mimetype="text/html")
        if fault.kind == "truncate":
            return _truncated(answer(), int(fault.value), request)
        if fault.kind == "hang":
            self._released.wait(HANG_LIMIT)
        elif fault.kind == "stop" and self.on_stop is not None:
            self.on_stop()
        return _dropped(request)


def _drop_connection(request: Request) -> None:
    connection = request.environ.get("werkzeug.socket")
    if connection is not None:
        try:
            connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _dropped(request: Request) -> Response:
    """No answer at all: the client sees the connection closed."""
    _drop_connection(request)
    return Response(b"", status=502)  # written to a closed socket: never seen


def _truncated(response: Response, keep: int, request: Request) -> Response:
    body = response.get_data()

    def first_bytes_then_drop():
        yield body[:keep]
        _drop_connection(request)

    truncated = Response(first_bytes_then_drop(), status=response.status_code, headers=response.headers)
    truncated.headers["Content-Length"] = str(len(body))
    return truncated


def control(request: Request, faults: Faults) -> Response:
    """``/_offline/faults``: GET lists the faults, POST adds one (the body is its spec), DELETE clears."""
    if request.method == "POST":
        try:
            fault = faults.add(Fault.parse(request.get_data(as_text=True)))
        except ValueError as err:
            return Response(f"{err}\n", status=400, mimetype="text/plain")
        return Response(f"injected {fault}\n", mimetype="text/plain")
    if request.method == "DELETE":
        faults.clear()
        return Response("cleared\n", mimetype="text/plain")
    return Response("".join(f"{f}\n" for f in faults.listed()) or "no faults\n", mimetype="text/plain")
