"""The offline IRSA: one HTTP server on loopback with SIA v1, IBE data and Firefly.

``OfflineIRSA`` runs it in a thread of the calling process (``start``/``stop``, or as a
context manager); ``OfflineIRSA.spawn`` runs it as a subprocess (``python -m offline_irsa
serve``) and returns a handle with the same URLs. The paths are IRSA's own, so a client
whose ``https://irsa.ipac.caltech.edu`` is routed here (see ``harness.routing``) needs no change.

It is built to stay up whatever it is sent: connections are served by a fixed pool of
``MAX_THREADS`` threads, an idle connection is closed after ``IDLE_TIMEOUT`` seconds, data
routes answer only GET and HEAD (405 otherwise), and an unexpected error in a service is
answered with HTTP 500 naming it, never a dead server. ``faults`` injects outages on request.
"""

from __future__ import annotations

import ctypes
import subprocess
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from offline_irsa import faults
from offline_irsa.services import firefly, ibe, sia, tap

SIA_PATH = "/ibe/sia/twomass/allsky/allsky"
DATA_PATH = "/ibe/data/twomass/allsky/allsky"
FIREFLY_PATHS = ("/firefly", "/irsaviewer")  # our own Firefly, and IRSA's public viewer
RECORD_PATH = "/_offline/firefly/actions"
FAULTS_PATH = "/_offline/faults"
TAP_PATH = "/TAP"
MAX_THREADS = 32  # connections served at once; more wait their turn
MALLOC_ARENAS = 2  # glibc's default, 8 per core, let sustained load grow the process by some 150 MB
IDLE_TIMEOUT = 15.0  # seconds a connection may sit idle (or stall mid-request) before it is closed

_rules = [
    Rule("/", endpoint="index", methods=["GET", "HEAD"]),
    Rule(SIA_PATH, endpoint="sia", methods=["GET", "HEAD", "POST"]),
    Rule(f"{DATA_PATH}/<path:path>", endpoint="data", methods=["GET", "HEAD"]),
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

INDEX = """offline_irsa: a local stand-in for IRSA, serving SYNTHETIC 2MASS-like data.
Nothing here is a real observation.

SIA v1 (2MASS All-Sky atlas): {base}{sia}?POS=314.30417,77.595559&SIZE=0.01
IBE data and cutouts:         {base}{data}/...
TAP (fp_psc, caom):           {base}{tap}/sync?QUERY=SELECT+*+FROM+TAP_SCHEMA.tables
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
        try:
            endpoint, args = URLS.bind_to_environ(environ).match()
            fault = self.faults.take(endpoint, request) if endpoint != "faults" else None
            if fault is None:
                response = self.dispatch(request, endpoint, args)
            else:
                response = self.faults.respond(fault, request, lambda: self.dispatch(request, endpoint, args))
        except NotFound:
            response = Response(f"Not found: {request.path}\n(offline_irsa serves only 2MASS allsky SIA v1, "
                                "its IBE data and a Firefly stand-in)\n", status=404, mimetype="text/plain")
        except HTTPException as err:
            response = err
        except Exception as err:  # a bug in a service: say so, and keep serving
            traceback.print_exc()
            response = Response(f"offline_irsa failed on {request.path}: {type(err).__name__}: {err}\n",
                                status=500, mimetype="text/plain")
        return response(environ, start_response)

    def dispatch(self, request: Request, endpoint: str, args: dict) -> Response:
        if endpoint == "sia":
            return sia.respond(request)
        if endpoint == "data":
            return ibe.respond(request, args["path"])
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
        return Response(INDEX.format(base=base, sia=SIA_PATH, data=DATA_PATH, record=RECORD_PATH, tap=TAP_PATH),
                        mimetype="text/plain")


class _Handler(WSGIRequestHandler):
    timeout = IDLE_TIMEOUT  # socket timeout: an idle keep-alive connection gives its thread back


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

    def process_request(self, request, client_address) -> None:
        self._pool.submit(self._handle, request, client_address)

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


@dataclass
class ServedURLs:
    """Where the stand-in answers: ``base`` stands in for https://irsa.ipac.caltech.edu."""

    base: str

    @property
    def sia(self) -> str:
        return self.base + SIA_PATH

    @property
    def data(self) -> str:
        return self.base + DATA_PATH

    @property
    def tap(self) -> str:
        return self.base + TAP_PATH

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
            f"  SIA v1, 2MASS All-Sky atlas: {self.sia}",
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
        self._server = BoundedThreadedServer(host, port, self.app, _QuietHandler if quiet else _Handler)
        self._thread: threading.Thread | None = None
        self._serving = False
        self._stopped = threading.Event()
        super().__init__(f"http://{host}:{self._server.server_port}")

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
        if self._serving:
            self._server.shutdown()
        self._server.server_close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)

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
