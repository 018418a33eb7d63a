"""Send a Python process's requests for irsa.ipac.caltech.edu to the offline IRSA.

Notebooks keep IRSA's real URLs. Inside a kernel started by the harness, ``activate``
rewrites ``http(s)://irsa.ipac.caltech.edu/...`` to the stand-in's base URL in the two
HTTP stacks the tutorials' libraries use: urllib (astropy's ``download_file``,
``fits.open`` and ``Table.read`` on URLs) and requests (pyvo, firefly_client). Other
hosts are untouched. ``webbrowser.open`` is made to refuse, so that no test run opens a
browser and firefly_client does not sleep waiting for one.
"""

from __future__ import annotations

import os
import urllib.request
import webbrowser
from urllib.parse import urlsplit

IRSA_HOST = "irsa.ipac.caltech.edu"
ENV_VAR = "OFFLINE_IRSA_URL"

_active_base: str | None = None


def rewrite(url: str, base: str) -> str:
    """The stand-in's URL for an IRSA URL; any other URL unchanged."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname != IRSA_HOST:
        return url
    return base.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _routed(url: str) -> str:
    return rewrite(url, _active_base) if _active_base else url


def _patch_urllib() -> None:
    original = urllib.request.OpenerDirector.open

    def open_routed(self, fullurl, data=None, timeout=urllib.request.socket._GLOBAL_DEFAULT_TIMEOUT):
        if isinstance(fullurl, str):
            fullurl = _routed(fullurl)
        elif _routed(fullurl.full_url) != fullurl.full_url:
            fullurl.full_url = _routed(fullurl.full_url)
        return original(self, fullurl, data, timeout)

    urllib.request.OpenerDirector.open = open_routed


def _patch_requests() -> None:
    try:
        from requests.adapters import HTTPAdapter
    except ImportError:
        return
    original = HTTPAdapter.send

    def send_routed(self, request, **kwargs):
        routed = _routed(request.url)
        if routed != request.url:
            request.url = routed
            kwargs["proxies"] = {}  # loopback: never through a proxy
        return original(self, request, **kwargs)

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
