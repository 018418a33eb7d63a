"""Send a Python process's requests for irsa.ipac.caltech.edu to the offline IRSA.

Notebooks keep IRSA's real URLs. Inside a kernel started by the harness, ``activate``
rewrites ``http(s)://irsa.ipac.caltech.edu/...`` to the stand-in's base URL in the two
HTTP stacks the tutorials' libraries use: urllib (astropy's ``download_file``,
``fits.open`` and ``Table.read`` on URLs) and requests (pyvo, firefly_client). Other
hosts are untouched. ``webbrowser.open`` is made to refuse, so that no test run opens a
browser and firefly_client does not sleep waiting for one.

Two more things make a stuck request end, and say what it was waiting for:

* a request to the stand-in (routed, or sent to its URL directly, as the harness gives
  Firefly clients) that names no timeout (firefly_client never does; pyvo leaves it to
  requests, which waits for ever) gets ``request_timeout()``, 30 s unless
  $OFFLINE_IRSA_REQUEST_TIMEOUT says otherwise. The stand-in answers the tutorial's
  requests in 0.01 s (SIA) to 0.08 s (a whole atlas image) here, and 30 s is well under
  the 120 s cell timeout, so a stand-in that stops answering ends as the library's own
  timeout error, which names the call. A request that gave its own timeout keeps it. It is a timeout per socket
  operation, as both libraries apply it: a body arriving slowly but steadily is ended
  by the cell timeout instead.
* an interrupt (the harness interrupts a cell that runs past its timeout) that arrives
  while a request waits for its answer is re-raised naming the URL, so the traceback
  says what the cell was waiting for.
"""

from __future__ import annotations

import os
import urllib.request
import webbrowser
from urllib.parse import urlsplit

IRSA_HOST = "irsa.ipac.caltech.edu"
ENV_VAR = "OFFLINE_IRSA_URL"
REQUEST_TIMEOUT = 30.0  # seconds; see the module's docstring
REQUEST_TIMEOUT_ENV_VAR = "OFFLINE_IRSA_REQUEST_TIMEOUT"

_active_base: str | None = None


def rewrite(url: str, base: str) -> str:
    """The stand-in's URL for an IRSA URL; any other URL unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname != IRSA_HOST:
        return url
    return base.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _routed(url: str) -> str:
    return rewrite(url, _active_base) if _active_base else url


def _to_stand_in(url: str) -> bool:
    """Does this (routed) URL go to the stand-in? The harness gives Firefly clients its URL directly."""
    return bool(_active_base) and url.startswith(_active_base.rstrip("/") + "/")


def request_timeout() -> float:
    """Seconds a routed request without a timeout of its own may wait on its socket."""
    return float(os.environ.get(REQUEST_TIMEOUT_ENV_VAR) or REQUEST_TIMEOUT)


def waiting_for(url: str, routed: str) -> str:
    """What an interrupted request was waiting for, for the traceback's last line."""
    return f"interrupted while waiting for an answer from {url}" + (
        f" (the offline stand-in at {routed})" if routed != url else "")


def _patch_urllib() -> None:
    original = urllib.request.OpenerDirector.open
    unset = urllib.request.socket._GLOBAL_DEFAULT_TIMEOUT

    def open_routed(self, fullurl, data=None, timeout=unset):
        url = fullurl if isinstance(fullurl, str) else fullurl.full_url
        routed = _routed(url)
        if isinstance(fullurl, str):
            fullurl = routed
        elif routed != url:
            fullurl.full_url = routed
        if _to_stand_in(routed) and timeout is unset:
            timeout = request_timeout()
        try:
            return original(self, fullurl, data, timeout)
        except KeyboardInterrupt as interrupt:
            raise KeyboardInterrupt(waiting_for(url, routed)) from interrupt

    urllib.request.OpenerDirector.open = open_routed


def _patch_requests() -> None:
    try:
        from requests.adapters import HTTPAdapter
    except ImportError:
        return
    original = HTTPAdapter.send

    def send_routed(self, request, **kwargs):
        url = request.url
        routed = _routed(url)
        if routed != url:
            request.url = routed
        if _to_stand_in(routed):
            kwargs["proxies"] = {}  # loopback: never through a proxy
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = request_timeout()
        try:
            return original(self, request, **kwargs)
        except KeyboardInterrupt as interrupt:
            raise KeyboardInterrupt(waiting_for(url, routed)) from interrupt

    HTTPAdapter.send = send_routed


def _no_browser(url, new=0, autoraise=True) -> bool:
    return False


def activate(base: str | None = None) -> bool:
    """Route IRSA traffic to ``base`` (default: $OFFLINE_IRSA_URL). False if neither is set."""
    global _active_base
    base = base or os.environ.get(ENV_VAR)
    if not base:
        return False
    if _active_base is None:
        _patch_urllib()
        _patch_requests()
        webbrowser.open = webbrowser.open_new = webbrowser.open_new_tab = _no_browser
    _active_base = base
    return True
