"""The offline IRSA: one HTTP server on loopback with SIA v1, IBE data and Firefly.

``OfflineIRSA`` runs it in a thread of the calling process (``start``/``stop``, or as a
context manager); ``OfflineIRSA.spawn`` runs it as a subprocess (``python -m offline_irsa
serve``) and returns a handle with the same URLs. The paths are IRSA's own, so a client
whose connections to irsa.ipac.caltech.edu are routed here (see ``harness.routing``) needs
no change. It listens twice: plain HTTP (IRSA's port 80, ``base``) and HTTPS with IRSA's name
on a certificate from a throw-away authority (IRSA's port 443, ``tls_address``; see ``https``).
The plain listener is also an HTTP proxy for programs that are not Python (curl, wget): it
joins ``CONNECT irsa.ipac.caltech.edu:443`` to the HTTPS listener and refuses other hosts.

It is built to stay up whatever it is sent: connections are served by a fixed pool of
``MAX_THREADS`` threads, an idle connection is closed after ``IDLE_TIMEOUT`` seconds, data
routes answer only GET and HEAD (405 otherwise), and an unexpected error in a service is
answered with HTTP 500 naming it, never a dead server. ``faults`` injects outages on request.
"""

from __future__ import annotations

import ctypes
import io
import os
import socket
import ssl
import subprocess
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from offline_irsa import faults
from offline_irsa.https import IRSA_HOST, StandInAuthority, connect_target, not_served, relay
from offline_irsa.services import firefly, ibe, sia, sia2, tap, twomass_im
from offline_irsa.surveys import SURVEYS

SIA2_PATH = sia2.PATH  # /SIA
OLDER_SIA_PATH = f"{twomass_im.PATH}/nph-im_sia"  # IRSA's older 2MASS SIA
FIREFLY_PATHS = ("/firefly", "/irsaviewer")  # our own Firefly, and IRSA's public viewer
RECORD_PATH = "/_offline/firefly/actions"
FAULTS_PATH = "/_offline/faults"
TAP_PATH = "/TAP"
MAX_THREADS = 32  # connections served at once; more wait their turn
MALLOC_ARENAS = 2  # glibc's default, 8 per core, let sustained load grow the process by some 150 MB
IDLE_TIMEOUT = 15.0  # seconds a connection may sit idle (or stall mid-request) before it is closed
# Seconds a kept-alive connection may wait for its next request: Apache httpd's default KeepAliveTimeout.
# Nothing recorded says how IRSA's servers keep connections; HTTP/1.1 servers keep them by default, and
# clients of IRSA see pooled connections closed under them (RemoteDisconnected, nasa-fornax/
# fornax-demo-notebooks#581), which only kept-alive connections give. One setting, easy to change.
KEEP_ALIVE_TIMEOUT = 5.0

_rules = [Rule("/", endpoint="index", methods=["GET", "HEAD"])]
for _number, _survey in enumerate(SURVEYS):  # every survey's SIA v1 and IBE data, one protocol each
    _rules += [
        Rule(_survey.sia_path, endpoint="sia", methods=["GET", "HEAD", "POST"], defaults={"survey": _number}),
        Rule(f"{_survey.data_path}/<path:path>", endpoint="data", methods=["GET", "HEAD"],
             defaults={"survey": _number}),
    ]
_rules += [
    Rule(SIA2_PATH, endpoint="sia2", methods=["GET", "HEAD", "POST"]),
    Rule(f"{SIA2_PATH}/capabilities", endpoint="sia2_capabilities", methods=["GET", "HEAD"]),
    Rule(f"{SIA2_PATH}/availability", endpoint="sia2_availability", methods=["GET", "HEAD"]),
    Rule(OLDER_SIA_PATH, endpoint="older_sia", methods=["GET", "HEAD", "POST"]),
    Rule(f"{twomass_im.PATH}/nph-im", endpoint="older_image", methods=["GET", "HEAD"]),
    Rule(f"{twomass_im.PATH}/nph-im_key", endpoint="older_preview", methods=["GET", "HEAD"]),
    Rule(RECORD_PATH, endpoint="record", methods=["GET", "DELETE"]),
    Rule(FAULTS_PATH, endpoint="faults", methods=["GET", "POST", "DELETE"]),
    Rule(TAP_PATH, endpoint="tap", defaults={"path": ""}, methods=["GET", "HEAD"]),
    Rule(f"{TAP_PATH}/<path:path>", endpoint="tap", methods=["GET", "HEAD", "POST", "DELETE"]),
]
for _base in FIREFLY_PATHS:
    _rules += [
        Rule(f"{_base}/healthz", endpoint="healthz", defaults={"viewer": _base}),
        Rule(f"{_base}/sticky/CmdSrv", endpoint="command", methods=["GET", "POST"], defaults={"viewer": _base}),
        Rule(f"{_base}/CmdSrv/sync", endpoint="command", methods=["GET", "POST"], defaults={"viewer": _base}),
        Rule(f"{_base}/", endpoint="viewer", defaults={"viewer": _base}),
        Rule(f"{_base}/<name>.html", endpoint="viewer", defaults={"viewer": _base}),
        Rule(f"{_base}/firefly_loader.js", endpoint="firefly_files",
             defaults={"viewer": _base, "name": "firefly_loader.js"}),
        Rule(f"{_base}/_offline/<path:name>", endpoint="firefly_files", defaults={"viewer": _base}),
    ]
URLS = Map(_rules, strict_slashes=False, merge_slashes=False)

# What the stand-in serves, by path: the 404 for any other path lists these.
SERVED = [
    *((s.sia_path, f"SIA v1, {s.name}") for s in SURVEYS),
    (f"{SIA2_PATH}, {SIA2_PATH}/capabilities",
     f"SIA v2 (collections {', '.join(s.collection.name for s in SURVEYS if s.collection)})"),
    (OLDER_SIA_PATH, "IRSA's older 2MASS SIA (and its nph-im downloads)"),
    *((f"{s.data_path}/...", f"IBE data and cutouts, {s.name}") for s in SURVEYS),
    (f"{TAP_PATH}/sync, {TAP_PATH}/async", "TAP: fp_psc, allwise_p3as_psd, caom, TAP_SCHEMA"),
    (f"{FIREFLY_PATHS[0]}/, {FIREFLY_PATHS[1]}/", "a Firefly stand-in"),
]


def not_found_text(path: str) -> str:
    """The 404 body: the path asked for, and the paths the stand-in does serve."""
    served = "\n".join(f"  {where:44} {what}" for where, what in SERVED)
    return f"Not found: {path}\nThe offline IRSA (synthetic data) serves only:\n{served}\n"


INDEX = """offline_irsa: a local stand-in for IRSA, serving SYNTHETIC 2MASS-like and AllWISE-like data.
Nothing here is a real observation.

{surveys}
SIA v2 (twomass_allsky):      {base}{sia2}?POS=CIRCLE+314.30417+77.595559+0.0003&COLLECTION=twomass_allsky
Older 2MASS SIA:              {base}{older}?type=at&ds=asky&POS=314.30417,77.595559&SIZE=0.0003
TAP (fp_psc, allwise, caom):  {base}{tap}/sync?QUERY=SELECT+*+FROM+TAP_SCHEMA.tables
Firefly stand-in:             {base}/firefly   (also at {base}/irsaviewer)
What Firefly was asked:       {base}{record}
"""


class Application:
    """The WSGI application; ``firefly`` holds what clients sent to the viewer, ``faults`` the outages."""

    def __init__(self) -> None:
        self.firefly = firefly.FireflyRecorder()
        self.faults = faults.Faults()
        self.tap = tap.TAPService()

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.max_content_length = firefly.MAX_UPLOAD_BYTES
        proxied_host = proxy_request_host(environ)
        if proxied_host is not None and proxied_host != IRSA_HOST:
            return refused(proxied_host)(environ, start_response)
        try:
            endpoint, args = URLS.bind_to_environ(environ).match()
            fault = self.faults.take(endpoint, request) if endpoint != "faults" else None
            if fault is None:
                response = self.dispatch(request, endpoint, args)
            else:
                response = self.faults.respond(fault, request, lambda: self.dispatch(request, endpoint, args))
        except NotFound:
            response = Response(not_found_text(request.path), status=404, mimetype="text/plain")
        except HTTPException as err:
            response = err
        except Exception as err:  # a bug in a service: say so, and keep serving
            traceback.print_exc()
            response = Response(f"offline_irsa failed on {request.path}: {type(err).__name__}: {err}\n",
                                status=500, mimetype="text/plain")
        return response(environ, start_response)

    def dispatch(self, request: Request, endpoint: str, args: dict) -> Response:
        if endpoint == "sia":
            return sia.respond(request, SURVEYS[args["survey"]].sia_table)
        if endpoint == "data":
            return ibe.respond(request, SURVEYS[args["survey"]], args["path"])
        if endpoint == "sia2":
            return sia2.respond(request)
        if endpoint == "sia2_capabilities":
            return sia2.capabilities(request)
        if endpoint == "sia2_availability":
            return sia2.availability(request)
        if endpoint == "older_sia":
            return twomass_im.respond_sia(request)
        if endpoint == "older_image":
            return twomass_im.respond_image(request)
        if endpoint == "older_preview":
            return twomass_im.respond_key(request)
        if endpoint == "healthz":
            return Response("OK", mimetype="text/plain")
        if endpoint == "command":
            return firefly.command(request, self.firefly, args["viewer"])
        if endpoint == "viewer":
            return firefly.viewer_page(request, args["viewer"])
        if endpoint == "firefly_files":
            return firefly.viewer_respond(request, self, self.firefly, args["viewer"], args["name"])
        if endpoint == "record":
            return firefly.record_endpoint(request, self.firefly)
        if endpoint == "faults":
            return faults.control(request, self.faults)
        if endpoint == "tap":
            return self.tap.respond(request, args["path"])
        base = request.host_url.rstrip("/")
        surveys = "\n".join(
            f"SIA v1, {s.name}: {base}{s.sia_path}?POS=314.30417,77.595559&SIZE=0.01\n"
            f"IBE data and cutouts, {s.name}: {base}{s.data_path}/..." for s in SURVEYS)
        return Response(INDEX.format(base=base, surveys=surveys, sia2=SIA2_PATH, older=OLDER_SIA_PATH,
                                     record=RECORD_PATH, tap=TAP_PATH),
                        mimetype="text/plain")


def proxy_request_host(environ) -> str | None:
    """The host of a request sent in proxy form (``GET http://host/path``), as curl and wget send them."""
    uri = environ.get("REQUEST_URI") or ""
    if not uri.lower().startswith(("http://", "https://")):
        return None
    return (urlsplit(uri).hostname or "").rstrip(".")


def refused(host: str) -> Response:
    """403 saying why, in the body (curl shows it) and the status line (wget shows only that)."""
    return Response(not_served(host) + "\n", status=f"403 {not_served(host)}", mimetype="text/plain")


class _NothingLeft:
    """Stands in for the connection while werkzeug drains "what is left of the request" after an answer.

    werkzeug closes every connection, and first reads whatever the client sent after its request:
    on a kept-alive connection that would be the client's next request, swallowed (or waited for,
    10 ms per request). A request kept alive has no body (``_keeps_alive``), so nothing is left:
    werkzeug is shown a pipe that is at its end at once, and an empty stream to read.
    """

    def __init__(self) -> None:
        self._read_end, write_end = os.pipe()
        os.close(write_end)  # the read end is now always readable, and reads nothing

    def fileno(self) -> int:
        return self._read_end


class _Handler(WSGIRequestHandler):
    """werkzeug's handler, keeping HTTP/1.1 connections alive between requests that have no body.

    A client that reuses its connection (a ``requests.Session``, astroquery's and pyvo's sessions)
    then pays for TCP and TLS set-up once, not once per request, as with a web server. A request with
    a body, one that asks to close, or one that comes while others wait for a thread still closes.
    """

    timeout = IDLE_TIMEOUT  # socket timeout while a request is read or answered
    keep_alive_timeout = KEEP_ALIVE_TIMEOUT
    _nothing_left = _NothingLeft()  # one pipe for the process

    def setup(self) -> None:
        super().setup()
        self._waiting = False  # for a further request on a kept-alive connection
        self._keep_alive = False

    def handle_one_request(self) -> None:
        if self._waiting:
            self.connection.settimeout(self.keep_alive_timeout)
        super().handle_one_request()
        self._waiting = True  # until parse_request reads the next request line

    def parse_request(self) -> bool:
        self._waiting = False
        self.connection.settimeout(self.timeout)
        parsed = super().parse_request()
        self._keep_alive = parsed and self._keeps_alive()
        return parsed

    def _keeps_alive(self) -> bool:
        headers = self.headers
        return (self.command in ("GET", "HEAD") and not self.close_connection
                and headers.get("Content-Length", "0").strip() == "0" and "Transfer-Encoding" not in headers
                and "Upgrade" not in headers and self._server_has_a_thread_free())

    def _server_has_a_thread_free(self) -> bool:
        saturated = getattr(self.server, "saturated", None)  # werkzeug's own servers (the load benchmark's
        return saturated is not None and not saturated()    # baseline) count nothing: close, as werkzeug does

    def make_environ(self):
        environ = super().make_environ()
        if self._keep_alive:  # from here to the end of run_wsgi, werkzeug uses these only to drain them
            self._kept = self.connection, self.rfile
            self.connection, self.rfile = self._nothing_left, io.BytesIO()
        return environ

    def run_wsgi(self) -> None:
        try:
            super().run_wsgi()
        finally:
            if self.connection is self._nothing_left:
                self.connection, self.rfile = self._kept

    def send_header(self, keyword: str, value: str) -> None:
        if self._keep_alive and keyword.lower() == "connection" and value.lower() == "close":
            return  # werkzeug's "always close": HTTP/1.1 keeps the connection unless a side says close
        super().send_header(keyword, value)

    def log_error(self, format: str, *args) -> None:  # noqa: A002 (http.server's naming)
        if getattr(self, "_waiting", False):
            return  # a kept-alive connection the client did not use again: not an error
        super().log_error(format, *args)

    def do_CONNECT(self) -> None:  # noqa: N802 (http.server's naming)
        """A proxy tunnel (curl, wget): to IRSA's port 443 or 80 here; any other host is refused."""
        target = connect_target(self.path)
        ports = getattr(self.server, "tunnel_ports", {})
        self.close_connection = True
        self._keep_alive = False
        if target is None or target[0] != IRSA_HOST or target[1] not in ports:
            host = self.path if target is None else target[0]
            reason = not_served(host) if target is None or target[0] != IRSA_HOST else (
                f"offline run: {IRSA_HOST} is served on ports {', '.join(map(str, sorted(ports)))} only")
            body = (reason + "\n").encode()
            self.send_response(403, reason)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with socket.create_connection(ports[target[1]], timeout=IDLE_TIMEOUT) as upstream:
            self.send_response(200, "Connection established")
            self.end_headers()
            self.wfile.flush()
            relay(self.connection, upstream)


class _QuietHandler(_Handler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request is noise in tests
        pass


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap glibc's per-thread memory arenas (as MALLOC_ARENA_MAX does); False where there is no glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # -8 is M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):
        return False


class BoundedThreadedServer(BaseWSGIServer):
    """A WSGI server whose connections are handled by a fixed pool of threads.

    werkzeug's threaded server starts a thread per connection, without limit: 300 idle
    connections held 300 threads, and sustained load grew the process to over 1 GB.
    """

    multithread = True

    def __init__(self, host: str, port: int, app, handler: type[WSGIRequestHandler],
                 max_threads: int = MAX_THREADS) -> None:
        super().__init__(host, port, app, handler=handler)
        limit_malloc_arenas()
        self._pool = ThreadPoolExecutor(max_threads, thread_name_prefix=f"offline-irsa-{self.server_port}-request")
        self._max_threads = max_threads
        self._connections = 0  # accepted and not yet closed: those beyond max_threads wait for a thread
        self._count_lock = threading.Lock()

    def process_request(self, request, client_address) -> None:
        with self._count_lock:
            self._connections += 1
        self._pool.submit(self._counted, request, client_address)

    def saturated(self) -> bool:
        """True while connections wait for a thread: a connection answered now closes, to give its thread."""
        return self._connections > self._max_threads

    def _counted(self, request, client_address) -> None:
        try:
            # werkzeug writes an answer's headers and body separately: on a kept-alive connection, Nagle's
            # algorithm held the body back until the client's delayed ACK, 40 ms and more per request.
            # Set before anything is sent, TLS handshake included.
            with suppress(OSError):  # a client already gone: handling it finds that out and says so
                request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._handle(request, client_address)
        finally:
            with self._count_lock:
                self._connections -= 1

    def _handle(self, request, client_address) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


class BoundedTLSServer(BoundedThreadedServer):
    """The same server over TLS. The handshake happens in the connection's worker thread, within
    ``IDLE_TIMEOUT``, not in the accepting thread, where a client that never finishes it would stop
    every other connection from being accepted (werkzeug's own TLS wraps the listening socket)."""

    def __init__(self, host: str, port: int, app, handler: type[WSGIRequestHandler],
                 context: ssl.SSLContext, max_threads: int = MAX_THREADS) -> None:
        super().__init__(host, port, app, handler, max_threads)
        self.ssl_context = context  # werkzeug reads it: wsgi.url_scheme is "https"

    def _handle(self, request, client_address) -> None:
        try:
            request.settimeout(IDLE_TIMEOUT)
            request = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):  # a failed or abandoned handshake: nothing to answer
            self.shutdown_request(request)
            return
        super()._handle(request, client_address)


def _survey(name: str):
    for survey in SURVEYS:
        if survey.name == name or name.lower() in survey.data_path:
            return survey
    raise KeyError(f"no survey {name!r}; the stand-in serves {', '.join(s.name for s in SURVEYS)}")


@dataclass
class ServedURLs:
    """Where the stand-in answers: ``base`` stands in for https://irsa.ipac.caltech.edu."""

    base: str
    tls_address: tuple[str, int] | None = None  # where IRSA's port 443 is served (HTTPS), if it is

    @property
    def sia(self) -> str:
        """2MASS's SIA v1 (the first survey): ``sia_of`` gives any survey's."""
        return self.sia_of(SURVEYS[0].name)

    @property
    def data(self) -> str:
        """2MASS's IBE data root: ``data_of`` gives any survey's."""
        return self.data_of(SURVEYS[0].name)

    def sia_of(self, survey: str) -> str:
        return self.base + _survey(survey).sia_path

    def data_of(self, survey: str) -> str:
        return self.base + _survey(survey).data_path

    @property
    def tap(self) -> str:
        return self.base + TAP_PATH

    @property
    def sia2(self) -> str:
        return self.base + SIA2_PATH

    @property
    def older_sia(self) -> str:
        return self.base + OLDER_SIA_PATH

    @property
    def firefly(self) -> str:
        return self.base + FIREFLY_PATHS[0]

    @property
    def irsaviewer(self) -> str:
        return self.base + FIREFLY_PATHS[1]

    @property
    def firefly_record(self) -> str:
        return self.base + RECORD_PATH

    def describe(self) -> str:
        return "\n".join([
            "offline_irsa: serving SYNTHETIC 2MASS-like data (not real observations)",
            f"  IRSA base (stands in for https://irsa.ipac.caltech.edu): {self.base}",
            *([f"  IRSA's HTTPS (port 443), throw-away certificate: https://{self.tls_address[0]}:"
               f"{self.tls_address[1]}"] if self.tls_address else []),
            f"  SIA v1, 2MASS All-Sky atlas: {self.sia}",
            f"  SIA v2 (Irsa.query_sia):     {self.sia2}",
            f"  Older 2MASS SIA:             {self.older_sia}?type=at&ds=asky&",
            f"  IBE data and cutouts:        {self.data}/",
            f"  TAP (fp_psc, caom):          {self.tap}",
            f"  Firefly (FIREFLY_URL):       {self.firefly}",
            f"  IRSA viewer:                 {self.irsaviewer}",
            f"  Firefly record:              {self.firefly_record}",
        ])


def announced_base(lines) -> str | None:
    """The base URL from ``describe()``'s output (as ``serve`` and ``lab`` print it), or None."""
    return next((line.rsplit(" ", 1)[-1].strip() for line in lines if "IRSA base" in line), None)


class OfflineIRSA(ServedURLs):
    """The stand-in served from a thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, quiet: bool = True) -> None:
        self.app = Application()
        self.app.faults.on_stop = self._stop_in_background
        handler = _QuietHandler if quiet else _Handler
        self.authority = StandInAuthority()
        self._server = BoundedThreadedServer(host, port, self.app, handler)
        self._tls_server = BoundedTLSServer(host, 0, self.app, handler, self.authority.server_context())
        self._server.tunnel_ports = {443: (host, self._tls_server.server_port), 80: (host, self._server.server_port)}
        self._thread: threading.Thread | None = None
        # Serving from the start, so that stop() can always shut it down (shutdown() waits for a serve loop).
        self._tls_thread = threading.Thread(target=self._tls_server.serve_forever, name="offline-irsa-tls",
                                            daemon=True)
        self._tls_thread.start()
        self._serving = False
        self._stopped = threading.Event()
        super().__init__(f"http://{host}:{self._server.server_port}", (host, self._tls_server.server_port))

    @property
    def received(self) -> firefly.FireflyRecorder:
        """Everything clients sent to the Firefly stand-in."""
        return self.app.firefly

    @property
    def faults(self) -> faults.Faults:
        """Outages to inject: ``faults.inject("sia", "status", 503, times=2)``, ``faults.clear()``."""
        return self.app.faults

    def _stop_in_background(self) -> None:
        threading.Thread(target=self.stop, name="offline-irsa-stop", daemon=True).start()

    def start(self) -> OfflineIRSA:
        self._thread = threading.Thread(target=self.serve_forever, name="offline-irsa", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._serving = True
        self._server.serve_forever()

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.app.faults.clear()  # lets hung requests go
        self._tls_server.shutdown()
        if self._serving:
            self._server.shutdown()
        self._server.server_close()
        self._tls_server.server_close()
        for thread in (self._thread, self._tls_thread):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout=10)

    def __enter__(self) -> OfflineIRSA:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def spawn(host: str = "127.0.0.1", port: int = 0, timeout: float = 60) -> SpawnedIRSA:
        """Run ``python -m offline_irsa serve`` and wait until it says where it listens.

        The child stops when its standard input, a pipe from this process, closes: on
        ``SpawnedIRSA.stop``, and when this process dies, however it dies (SIGKILL too, on
        every OS), since the system then closes the pipe. Chosen over Linux's
        PR_SET_PDEATHSIG, which is Linux only and fires when the thread that started the
        child ends, not the process.
        """
        proc = subprocess.Popen(
            [sys.executable, "-m", "offline_irsa", "serve", "--host", host, "--port", str(port), "--exit-with-stdin"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            base = announced_base(proc.stdout)
            if base:
                return SpawnedIRSA(base, proc)
        finally:
            timer.cancel()
        proc.kill()
        raise RuntimeError(f"offline_irsa serve exited with {proc.wait()} before it was ready")


class SpawnedIRSA(ServedURLs):
    """The stand-in running as a subprocess."""

    def __init__(self, base: str, process: subprocess.Popen) -> None:
        super().__init__(base)
        self.process = process

    def stop(self) -> None:
        """Close the child's standard input, which stops it; terminate it, then kill it, if it lingers."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def stop_when_stdin_closes(server: OfflineIRSA) -> threading.Thread:
    """Stop ``server`` once standard input reaches its end (``serve --exit-with-stdin``: see ``spawn``)."""
    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        server.stop()

    watcher = threading.Thread(target=watch, name="offline-irsa-stdin-watch", daemon=True)
    watcher.start()
    return watcher
