"""A Firefly server stand-in: the part of the protocol firefly_client speaks, recorded.

It answers the health check, the command service (``sticky/CmdSrv``, which
firefly_client 3.4 posts to, and ``CmdSrv/sync``, which newer clients use) with
``CmdVersion``, ``pushAction``, ``pushAliveCheck`` and ``upload``, and keeps every
action and upload it receives so tests can ask what a notebook asked Firefly to show.
It draws nothing: the viewer page lists what was sent to its channel.
"""

from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import asdict, dataclass, field

from werkzeug.wrappers import Request, Response

FIREFLY_VERSION = "2026.1.0 (offline_irsa stand-in)"
MAX_UPLOAD_BYTES = 256 * 1024 * 1024


@dataclass
class Received:
    """One thing a client sent: an action (type and payload) or an upload."""

    kind: str  # "action" or "upload"
    channel: str
    type: str
    payload: dict = field(default_factory=dict)
    viewer: str = ""  # the base path it was sent to, e.g. "/firefly"
    time: float = field(default_factory=time.time)


class FireflyRecorder:
    """Thread-safe record of everything the stand-in received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []

    def add(self, item: Received) -> None:
        with self._lock:
            self._received.append(item)

    def actions(self, channel: str | None = None, type: str | None = None) -> list[Received]:
        with self._lock:
            return [
                r for r in self._received
                if (channel is None or r.channel == channel) and (type is None or r.type == type)
            ]

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def shown_image_urls(self, channel: str | None = None) -> list[str]:
        """URLs of every image a client asked to plot, in order."""
        return [
            a.payload.get("wpRequest", {}).get("url")
            for a in self.actions(channel, "ImagePlotCntlr.PlotImage")
            if a.payload.get("wpRequest", {}).get("url")
        ]


def _json(value, status: int = 200) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json")


def command(request: Request, recorder: FireflyRecorder, viewer: str) -> Response:
    """The command service: one ``cmd`` per request, in the query string or the form."""
    cmd = request.values.get("cmd", "")
    channel = request.values.get("channelID") or request.headers.get("FF-channel", "")
    if cmd == "CmdVersion":
        return _json({"success": True, "data": {"Firefly Version": FIREFLY_VERSION}})
    if cmd == "pushAliveCheck":
        return _json([{"active": False}])  # no browser page listens here
    if cmd == "pushAction":
        try:
            action = json.loads(request.values.get("action", ""))
            kind, payload = action["type"], action.get("payload", {})
        except (ValueError, KeyError, TypeError):
            return _json([{"success": False, "error": "action must be JSON with a 'type'"}], status=400)
        recorder.add(Received("action", channel, kind, payload, viewer))
        return _json([{"success": True}])
    if cmd == "upload":
        upload = next(iter(request.files.values()), None)
        if upload is None:
            return _json([{"success": False, "error": "upload needs a file part"}], status=400)
        size = len(upload.read())
        name = f"${{upload-dir}}/offline-upload-{int(time.time() * 1000)}-{upload.filename or 'data'}"
        recorder.add(Received("upload", channel, "upload", {"file": name, "bytes": size}, viewer))
        return Response(name, mimetype="text/plain")
    return _json([{"success": False, "error": f"unknown cmd {cmd!r}"}], status=400)


def viewer_page(request: Request, recorder: FireflyRecorder) -> Response:
    """What a person opening the viewer URL sees: the actions sent to the channel."""
    channel = request.args.get("__wsch")
    rows = "".join(
        f"<li><code>{html.escape(a.type)}</code> {html.escape(json.dumps(a.payload)[:300])}</li>"
        for a in recorder.actions(channel)
    )
    body = (
        "<!doctype html><title>Firefly (offline stand-in)</title>"
        "<h1>Firefly stand-in</h1><p>This is offline_irsa's stand-in for a Firefly server. "
        "It displays nothing; it records what clients ask it to show.</p>"
        f"<p>Channel: <code>{html.escape(channel or 'all')}</code></p><ol>{rows}</ol>"
    )
    return Response(body, mimetype="text/html")


def record_endpoint(request: Request, recorder: FireflyRecorder) -> Response:
    """GET: everything received (``?channel=`` to narrow); DELETE: forget it."""
    if request.method == "DELETE":
        recorder.clear()
        return _json({"cleared": True})
    return _json([asdict(a) for a in recorder.actions(request.args.get("channel"))])
