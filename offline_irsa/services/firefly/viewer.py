"""The viewer's HTTP side: the loader script, the page, long polling, state, rendered pixels, readout.

Routes under each Firefly base (``/firefly``, ``/irsaviewer``):

* ``firefly_loader.js``: what jupyter_firefly_extensions and Firefly's own pages load
  (``static/firefly_loader.js`` says which API it provides, and from which sources);
* ``/`` and ``/<name>.html``: the page ``make_client()`` opens, ``?__wsch=<channel>``;
* ``_offline/events``: new actions of a channel, by long polling (at most ``POLL_S`` s);
* ``_offline/state``, ``_offline/render.png``, ``_offline/readout``: what the page draws;
* ``_offline/static/<file>``: the page's stylesheet and script.

Images named by URL are fetched through the stand-in itself, in process, when the URL is
IRSA's (``irsa.ipac.caltech.edu``) or the stand-in's own; any other URL is listed as not
shown, so nothing leaves loopback. Uploaded files come from the record's upload store.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from importlib import resources
from urllib.parse import urlsplit

import numpy as np
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from offline_irsa.services.firefly import render, state
from offline_irsa.services.firefly.protocol import FireflyRecorder, json_response

IRSA_HOST = "irsa.ipac.caltech.edu"
POLL_S = 20.0
STATIC = {"firefly_loader.js": "text/javascript", "viewer.css": "text/css", "page.js": "text/javascript"}
CORS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"}
CACHED_IMAGES = 12  # decoded images kept (a 2MASS atlas image is 2 MiB as float32)


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


class Sources:
    """Loads what a WebPlotRequest names: an IRSA or stand-in URL (in process), or an upload."""

    def __init__(self, app, recorder: FireflyRecorder, own_host: str, fetch=None) -> None:
        self.app, self.recorder, self.own_host = app, recorder, own_host
        self.fetch = fetch or self._through_stand_in
        self.images = _image_cache(recorder)

    def __call__(self, request: dict) -> render.FitsImage:
        url = state.param(request, "url")
        name = state.param(request, "file") or state.param(request, "fileOnServer")
        if url:
            return self.images.get(("url", url), lambda: render.read_fits(self.fetch(str(url)), str(url)))
        return self.images.get(("file", name), lambda: render.read_fits(self._upload(str(name)), str(name)))

    def upload_text(self, name: str) -> str:
        return self._upload(name).decode("utf-8", errors="replace")

    def _upload(self, name: str) -> bytes:
        try:
            return self.recorder.uploads.get(name)
        except KeyError as err:
            raise render.CannotShow(err.args[0]) from err

    def _through_stand_in(self, url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.netloc not in (IRSA_HOST, self.own_host):
            raise render.CannotShow(f"the offline stand-in fetches only IRSA's URLs, which it serves itself; "
                                    f"a real Firefly would download {url}")
        reply = Client(self.app).get(parts.path, query_string=parts.query)
        if reply.status_code != 200:
            raise render.CannotShow(f"{url} answered HTTP {reply.status_code}: {reply.get_data(as_text=True)[:200]}")
        return reply.get_data()


def _image_cache(recorder: FireflyRecorder) -> LRU:
    return recorder.viewer_cache.setdefault("images", LRU(CACHED_IMAGES))


def _png_cache(recorder: FireflyRecorder) -> LRU:
    return recorder.viewer_cache.setdefault("pngs", LRU(CACHED_IMAGES))


def channel_state(recorder: FireflyRecorder, channel: str, sources: Sources) -> state.ViewerState:
    actions = [{"kind": a.kind, "type": a.type, "payload": a.payload} for a in recorder.actions(channel)]
    return state.replay(actions, sources)


def static_file(name: str) -> Response:
    if name not in STATIC:
        return Response(f"Not found: {name}\n", status=404, mimetype="text/plain")
    body = resources.files("offline_irsa.services.firefly").joinpath("static", name).read_bytes()
    return Response(body, mimetype=STATIC[name], headers=CORS)


def page(request: Request, viewer: str) -> Response:
    """The viewer page for ``?__wsch=<channel>`` (the URL make_client opens)."""
    template = resources.files("offline_irsa.services.firefly").joinpath("static", "index.html").read_text()
    return Response(template.replace("{{base}}", viewer), mimetype="text/html", headers={"Cache-Control": "no-store"})


def respond(request: Request, app, recorder: FireflyRecorder, viewer: str, name: str) -> Response:
    """Everything under ``{viewer}/_offline/`` and the loader script."""
    if name == "firefly_loader.js":
        return static_file(name)
    if name.startswith("static/"):
        return static_file(name.removeprefix("static/"))
    channel = request.args.get("channel", "")
    if name == "events":
        return _events(request, recorder, channel)
    sources = Sources(app, recorder, request.host)
    if name == "state":
        return _state(recorder, channel, sources)
    plot = _plot(recorder, channel, request.args.get("plot", ""), sources)
    if isinstance(plot, Response):
        return plot
    if name == "render.png":
        key = (tuple(b.source for b in plot.bands.values()), tuple(map(repr, plot.stretch.values())))
        png = _png_cache(recorder).get(key, lambda: _png(plot))
        return Response(png, mimetype="image/png", headers={**CORS, "Cache-Control": "max-age=300"})
    if name == "readout":
        try:
            u, v = float(request.args["u"]), float(request.args["v"])
        except (KeyError, ValueError):
            return json_response({"error": "readout needs numbers u and v"}, 400, CORS)
        if plot.first_image is None:
            return json_response({"error": "nothing drawn"}, 404, CORS)
        return json_response(render.readout(plot.images, u, v), headers=CORS)
    return Response(f"Not found: {name}\n", status=404, mimetype="text/plain")


def _events(request: Request, recorder: FireflyRecorder, channel: str) -> Response:
    """Without ``after``: the current position. With it: newer actions, waiting up to POLL_S s for one."""
    after = request.args.get("after")
    if after is None or not after.lstrip("-").isdigit():
        return json_response({"seq": recorder.latest(), "actions": []}, headers=CORS)
    new = recorder.wait(channel, int(after), POLL_S)
    seq = max([int(after), *(a.seq for a in new)])
    return json_response({"seq": seq, "actions": [{"type": a.type, "payload": a.payload, "seq": a.seq}
                                                  for a in new]}, headers=CORS)


def _state(recorder: FireflyRecorder, channel: str, sources: Sources) -> Response:
    viewed = channel_state(recorder, channel, sources)
    body = {
        "channel": channel,
        "seq": max((a.seq for a in recorder.actions(channel)), default=0),
        "active": viewed.active,
        "plots": [state.plot_summary(viewed, p) for p in viewed.plots.values()],
        "notShown": viewed.not_shown,
        "notes": viewed.notes,
        "dropped": recorder.dropped(channel),
        "kept": recorder.max_per_channel,
    }
    return Response(json.dumps(body), mimetype="application/json", headers=CORS)


def _plot(recorder: FireflyRecorder, channel: str, plot_id: str, sources: Sources):
    plot = channel_state(recorder, channel, sources).plots.get(plot_id)
    if plot is None:
        return json_response({"error": f"no plot {plot_id!r} on channel {channel!r}"}, 404, CORS)
    return plot


def plot_rgba(plot: state.Plot):
    """The plot's pixels as RGBA, top row first."""
    if not plot.three_color:
        return render.gray_rgba(plot.bands["NO_BAND"].image.data, plot.stretch["NO_BAND"])
    shape = plot.first_image.shape
    bands = [(plot.bands[b].image.data if b in plot.bands and plot.bands[b].image is not None
              and plot.bands[b].image.shape == shape else None, plot.stretch.get(b)) for b in state.BANDS]
    return render.color_rgba(bands, shape)


def _png(plot: state.Plot) -> bytes:
    if plot.first_image is None:
        return render.png_bytes(np.zeros((1, 1, 4), dtype=np.uint8))
    return render.png_bytes(plot_rgba(plot))
