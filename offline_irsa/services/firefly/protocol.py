"""Firefly's command service as firefly_client speaks it, and a bounded record of what it was sent.

The command service (``sticky/CmdSrv``, which firefly_client 3.4 posts to, and
``CmdSrv/sync``, which newer clients use) answers ``CmdVersion``, ``pushAction``,
``pushAliveCheck`` and ``upload``. Every action is kept so the viewer can draw it and
tests can ask what a notebook asked Firefly to show. Memory stays bounded:

* each channel keeps its newest ``MAX_ACTIONS_PER_CHANNEL`` actions, and says how many
  older ones it dropped; the newest ``MAX_CHANNELS`` channels are kept;
* one upload may be at most ``MAX_UPLOAD_BYTES`` (HTTP 413 naming the limit above it);
  uploads together keep to ``MAX_UPLOAD_STORE_BYTES``, the oldest going first.

A viewer page asks for new actions by long polling (``wait``); ``pushAliveCheck``
answers true while a page is polling the channel, as Firefly does for a connected page.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from dataclasses import asdict, dataclass, field

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

FIREFLY_VERSION = "2026.1.0 (offline_irsa stand-in)"
MiB = 1024 * 1024
MAX_UPLOAD_BYTES = 64 * MiB  # a 2MASS atlas image is 2 MiB; the largest IRSA images are under this
MAX_UPLOAD_STORE_BYTES = 256 * MiB
MAX_ACTIONS_PER_CHANNEL = 500
MAX_CHANNELS = 200
LISTENING_GRACE_S = 30.0  # a page counts as connected this long after its last poll ended
DROPPED = "offline_irsa.dropped"  # the record's notice that older actions were dropped


@dataclass
class Received:
    """One thing a client sent: an action (type and payload) or an upload."""

    kind: str  # "action", "upload", or "notice" (the record's own note)
    channel: str
    type: str
    payload: dict = field(default_factory=dict)
    viewer: str = ""  # the base path it was sent to, e.g. "/firefly"
    time: float = field(default_factory=time.time)
    seq: int = 0  # order of arrival over all channels, from 1


class UploadStore:
    """Uploaded files by their server name, newest kept, at most ``max_bytes`` together."""

    def __init__(self, max_bytes: int = MAX_UPLOAD_STORE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._files: OrderedDict[str, bytes] = OrderedDict()
        self._evicted: deque[str] = deque(maxlen=1000)
        self._lock = threading.Lock()
        self._count = 0

    def put(self, filename: str, data: bytes) -> str:
        with self._lock:
            self._count += 1
            name = f"${{upload-dir}}/offline-upload-{int(time.time() * 1000)}-{self._count}-{filename or 'data'}"
            self._files[name] = data
            while sum(len(d) for d in self._files.values()) > self.max_bytes and len(self._files) > 1:
                self._evicted.append(self._files.popitem(last=False)[0])
            return name

    def get(self, name: str) -> bytes:
        """The file's bytes; KeyError with a sentence saying why when it is not here."""
        with self._lock:
            if name in self._files:
                return self._files[name]
            if name in self._evicted:
                raise KeyError(f"{name} was dropped: the stand-in keeps the newest {_size(self.max_bytes)} of uploads")
            raise KeyError(f"{name} was not uploaded to this stand-in (it forgets uploads when it stops)")

    def clear(self) -> None:
        with self._lock:
            self._files.clear()
            self._evicted.clear()


class FireflyRecorder:
    """Thread-safe, bounded record of everything the stand-in received, with its uploads."""

    def __init__(self, max_per_channel: int = MAX_ACTIONS_PER_CHANNEL, max_channels: int = MAX_CHANNELS,
                 upload_bytes: int = MAX_UPLOAD_STORE_BYTES) -> None:
        self.max_per_channel = max_per_channel
        self.max_channels = max_channels
        self.uploads = UploadStore(upload_bytes)
        self.viewer_cache: dict = {}  # what the viewer keeps beside the record (decoded images, bounded)
        self._changed = threading.Condition()
        self._channels: OrderedDict[str, deque[Received]] = OrderedDict()
        self._dropped: dict[str, int] = {}
        self._polling: dict[str, float] = {}  # channel -> when a page last polled (inf while it waits)
        self._seq = 0

    def add(self, item: Received) -> Received:
        with self._changed:
            self._seq += 1
            item.seq = self._seq
            kept = self._channels.setdefault(item.channel, deque())
            self._channels.move_to_end(item.channel)
            kept.append(item)
            if len(kept) > self.max_per_channel:
                kept.popleft()
                self._dropped[item.channel] = self._dropped.get(item.channel, 0) + 1
            while len(self._channels) > self.max_channels:
                gone, _ = self._channels.popitem(last=False)
                self._dropped.pop(gone, None)
            self._changed.notify_all()
            return item

    def actions(self, channel: str | None = None, type: str | None = None) -> list[Received]:
        with self._changed:
            pools = self._channels.values() if channel is None else [self._channels.get(channel, ())]
            found = [r for pool in pools for r in pool if type is None or r.type == type]
        return sorted(found, key=lambda r: r.seq)

    def dropped(self, channel: str) -> int:
        """How many older actions of the channel were dropped to keep the record bounded."""
        with self._changed:
            return self._dropped.get(channel, 0)

    def clear(self) -> None:
        with self._changed:
            self._channels.clear()
            self._dropped.clear()
            self._changed.notify_all()
        self.uploads.clear()
        self.viewer_cache.clear()

    def latest(self) -> int:
        with self._changed:
            return self._seq

    def wait(self, channel: str, after: int, timeout: float) -> list[Received]:
        """The channel's actions newer than ``after``, waiting up to ``timeout`` s for one (long polling)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            self._polling[channel] = float("inf")
            try:
                while True:
                    new = [r for r in self._channels.get(channel, ()) if r.seq > after]
                    left = deadline - time.monotonic()
                    if new or left <= 0:
                        return new
                    self._changed.wait(left)
            finally:
                self._polling[channel] = time.monotonic()

    def listening(self, channel: str) -> bool:
        """True while a viewer page polls the channel (or did, within a grace period)."""
        with self._changed:
            return time.monotonic() - self._polling.get(channel, float("-inf")) < LISTENING_GRACE_S

    def shown_image_urls(self, channel: str | None = None) -> list[str]:
        """URLs of every image a client asked to plot, in order."""
        return [
            a.payload.get("wpRequest", {}).get("url")
            for a in self.actions(channel, "ImagePlotCntlr.PlotImage")
            if isinstance(a.payload.get("wpRequest"), dict) and a.payload["wpRequest"].get("url")
        ]


def json_response(value, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(value), status=status, mimetype="application/json", headers=headers)


def _size(n: int) -> str:
    return f"{n // MiB} MiB" if n >= MiB and n % MiB == 0 else f"{n} bytes"


def too_large(size: int | None) -> Response:
    said = f"{size} bytes" if size is not None else "this upload"
    return Response(f"Upload refused: {said} is over the offline stand-in's limit of {_size(MAX_UPLOAD_BYTES)} "
                    "per file (offline_irsa.services.firefly.MAX_UPLOAD_BYTES)\n", status=413, mimetype="text/plain")


def command(request: Request, recorder: FireflyRecorder, viewer: str) -> Response:
    """The command service: one ``cmd`` per request, in the query string or the form."""
    cmd = request.args.get("cmd", "")
    if cmd == "upload" and (request.content_length or 0) > MAX_UPLOAD_BYTES:
        return too_large(request.content_length)  # before reading a byte of it
    try:
        cmd = request.values.get("cmd", "")
        channel = request.values.get("channelID") or request.headers.get("FF-channel", "")
        if cmd == "upload":
            return _upload(request, recorder, channel, viewer)
    except RequestEntityTooLarge:
        return too_large(request.content_length)
    if cmd == "CmdVersion":
        return json_response({"success": True, "data": {"Firefly Version": FIREFLY_VERSION}})
    if cmd == "pushAliveCheck":
        return json_response([{"active": recorder.listening(channel)}])
    if cmd == "pushAction":
        try:
            action = json.loads(request.values.get("action", ""))
            kind, payload = action["type"], action.get("payload", {})
        except (ValueError, KeyError, TypeError):
            return json_response([{"success": False, "error": "action must be JSON with a 'type'"}], status=400)
        recorder.add(Received("action", channel, kind, payload if isinstance(payload, dict) else {}, viewer))
        return json_response([{"success": True}])
    return json_response([{"success": False, "error": f"unknown cmd {cmd!r}"}], status=400)


def _upload(request: Request, recorder: FireflyRecorder, channel: str, viewer: str) -> Response:
    upload = next(iter(request.files.values()), None)
    if upload is None:
        return json_response([{"success": False, "error": "upload needs a file part"}], status=400)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return too_large(None)
    name = recorder.uploads.put(upload.filename or "data", data)
    recorder.add(Received("upload", channel, "upload", {"file": name, "bytes": len(data)}, viewer))
    return Response(name, mimetype="text/plain")


def record_endpoint(request: Request, recorder: FireflyRecorder) -> Response:
    """GET: everything received (``?channel=`` to narrow), each dropping channel led by a notice; DELETE: forget."""
    if request.method == "DELETE":
        recorder.clear()
        return json_response({"cleared": True})
    kept = recorder.actions(request.args.get("channel"))
    notices = []
    for channel in dict.fromkeys(r.channel for r in kept):
        if dropped := recorder.dropped(channel):
            notices.append(asdict(Received("notice", channel, DROPPED, {
                "dropped": dropped, "kept": recorder.max_per_channel,
                "message": f"{dropped} older actions of this channel were dropped: the stand-in keeps the newest "
                           f"{recorder.max_per_channel} per channel"})))
    total = sum(n["payload"]["dropped"] for n in notices)
    return json_response(notices + [asdict(a) for a in kept], headers={"X-Offline-IRSA-Dropped": str(total)})
