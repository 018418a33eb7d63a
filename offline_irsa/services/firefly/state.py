"""What the viewer shows for a channel: its recorded actions replayed into plots, in order.

The actions are those firefly_client 3.4 sends (``fc_utils.ACTION_DICT``): PlotImage (one
request, or three with ``threeColor``), StretchChange, ZoomImage, recenter, the region-layer
actions, and ``app_data.externalUpload`` (``show_data``). Anything else is kept in
``not_shown`` with the reason, so the page lists it instead of dropping it; what is drawn
otherwise than asked is said in ``notes`` (the page's) or the plot's own notes, and every
WebPlotRequest parameter the viewer does not use is named there. Choices where Firefly's
behaviour depends on its layout, which this simple viewer does not have: every plot is a
tab, the newest is shown (``viewerId`` places nothing); a plot opens fitted to the view
(Firefly's default zoom); a region layer without ``plotId`` goes on every plot.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from astropy.coordinates import SkyCoord

from offline_irsa.services.firefly import overlays
from offline_irsa.services.firefly.ranges import DEFAULT, RangeValues, RangeValuesError
from offline_irsa.services.firefly.render import CannotShow, FitsImage

PLOT = "ImagePlotCntlr.PlotImage"
CONTROL = {"StartLabWindow", "StartBrowserTab"}  # handled by the page's listeners, draw nothing
BANDS = ("RED", "GREEN", "BLUE")
# WebPlotRequest keys that say where the data is, and those this viewer uses; any other key is named on the
# page. plotGroupId is here because every plot here is in one group, as firefly_client's are
# ("groupFromPython"); GroupLocked is quiet only when false, the only way this viewer can hold it.
SOURCE_KEYS = {"url", "file", "fileonserver"}
QUIET_KEYS = {"plotid", "plotgroupid", "title", "rangevalues", "threecolor", "initzoomlevel", "zoomtype",
              "zoomarcsecperscreenpix"}
FIT_ZOOMS = {"FULL_SCREEN", "TO_WIDTH_HEIGHT"}  # the whole image in the view: what this viewer's fit does
LEVEL_ZOOMS = {"", "STANDARD", "FORCE_STANDARD", "LEVEL"}  # InitZoomLevel, or fitted without one
FRAMES = {"j2000": "icrs", "eq_j2000": "icrs", "icrs": "icrs", "b1950": "fk4", "eq_b1950": "fk4",
          "gal": "galactic", "galactic": "galactic", "ecl_j2000": "geocentrictrueecliptic"}

Loader = Callable[[dict], FitsImage]  # a WebPlotRequest in, the image out (or CannotShow)


@dataclass
class Band:
    source: str
    image: FitsImage | None = None
    error: str = ""


@dataclass
class Layer:
    layer_id: str
    title: str
    lines: list[str]
    plot_ids: list[str] | None  # None: every plot


@dataclass
class Plot:
    plot_id: str
    title: str
    bands: dict[str, Band]  # "NO_BAND", or RED/GREEN/BLUE for a 3-colour plot
    stretch: dict[str, RangeValues]
    stretch_sent: bool = False
    zoom: float | None = None  # screen pixels per image pixel; None: fit the view
    center: tuple[float, float] | None = None  # 0-based pixel; None: the image centre
    notes: list[str] = field(default_factory=list)
    version: int = 0  # changes whenever the pixels drawn change

    @property
    def three_color(self) -> bool:
        return "NO_BAND" not in self.bands

    @property
    def images(self) -> list[FitsImage | None]:
        return [b.image for b in self.bands.values()]

    @property
    def first_image(self) -> FitsImage | None:
        return next((i for i in self.images if i is not None), None)

    def describe_stretch(self) -> str:
        said = "; ".join(f"{band.lower() + ': ' if self.three_color else ''}{rv.describe()}"
                         for band, rv in self.stretch.items())
        return said + ("" if self.stretch_sent else " (Firefly's default)")


@dataclass
class ViewerState:
    plots: dict[str, Plot] = field(default_factory=dict)
    layers: dict[str, Layer] = field(default_factory=dict)
    active: str | None = None
    not_shown: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # drawn, but not as Firefly would: what was asked, what was done


def param(request: dict, key: str, default=None):
    """A WebPlotRequest parameter; their names are case-insensitive."""
    return next((v for k, v in request.items() if k.lower() == key.lower()), default)


def _ids(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(v) for v in str(value).split(",")]


def replay(actions: Iterable[dict], load: Loader) -> ViewerState:
    """The viewer's state after the actions (dicts with ``type`` and ``payload``), in order."""
    state = ViewerState()
    for action in actions:
        kind, payload = action.get("type", ""), action.get("payload") or {}
        if action.get("kind", "action") != "action" or kind in CONTROL:
            continue
        handler = HANDLERS.get(kind)
        try:
            reason = handler(state, payload, load) if handler else "not drawn by the offline stand-in"
        except (KeyError, TypeError, ValueError) as err:
            reason = f"could not be applied ({type(err).__name__}: {err})"
        if reason:
            state.not_shown.append({"type": kind, "reason": reason, "payload": _short(payload)})
    return state


def _short(payload: dict) -> str:
    import json

    text = json.dumps(payload, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _plot_image(state: ViewerState, payload: dict, load: Loader) -> str:
    requests = payload.get("wpRequest")
    three = bool(payload.get("threeColor")) or isinstance(requests, list)
    requests = requests if isinstance(requests, list) else [requests]
    if not requests or not all(isinstance(r, dict) or r is None for r in requests):
        return "wpRequest must be an object (or three, for a 3-colour plot)"
    first = next((r for r in requests if r), {})
    plot_id = str(param(first, "plotId") or f"plot-{len(state.plots) + 1}")
    names = BANDS if three else ("NO_BAND",)
    bands, notes = {}, []
    for band, request in zip(names, requests + [None] * (len(names) - len(requests)), strict=False):
        if request:
            bands[band] = _load_band(request, load)
            ignored = sorted(k for k in request if k.lower() not in QUIET_KEYS | SOURCE_KEYS
                             and not (k.lower() == "grouplocked" and not request[k]))
            if ignored:
                notes.append(f"{band.lower() if three else 'request'}: ignored {', '.join(ignored)}")
    if not bands:
        return "no image request in wpRequest"
    stretch, sent = {}, False
    for band, request in zip(names, requests, strict=False):
        text = param(request or {}, "RangeValues")
        try:
            stretch[band] = RangeValues.parse(text) if text else DEFAULT
            sent = sent or bool(text)
        except RangeValuesError as err:
            stretch[band] = DEFAULT
            notes.append(f"RangeValues ignored: {err}")
    title = str(param(first, "Title") or _default_title(bands, three))
    image = next((b.image for b in bands.values() if b.image is not None), None)
    zoom, said = _initial_zoom(first, image)
    notes += [said] if said else []
    plot = Plot(plot_id, title, bands, {b: stretch.get(b, DEFAULT) for b in bands}, sent, zoom=zoom, notes=notes)
    old = state.plots.pop(plot_id, None)
    plot.version = old.version + 1 if old else 1
    state.plots[plot_id] = plot
    state.active = plot_id
    return ""


def _initial_zoom(request: dict, image: FitsImage | None) -> tuple[float | None, str]:
    """The plot's first zoom (screen pixels per image pixel, None to fit) from ZoomType, and a note if not as asked."""
    kind = str(param(request, "ZoomType") or "").upper()
    level = param(request, "InitZoomLevel")
    if kind == "ARCSEC_PER_SCREEN_PIX":
        arcsec = param(request, "ZoomArcsecPerScreenPix")
        scale = overlays.pixel_scale_arcsec(image) if image is not None else None
        if arcsec and scale and float(arcsec) > 0:
            return scale / float(arcsec), ""
        why = "without ZoomArcsecPerScreenPix" if not arcsec else "and the image has no WCS to give its pixel scale"
        return None, f"ZoomType ARCSEC_PER_SCREEN_PIX was sent {why}: drawn fitted to the view"
    if kind in LEVEL_ZOOMS:
        return (float(level) if level else None), ""
    if kind in FIT_ZOOMS:
        return None, ""
    return None, f"ZoomType {kind} is not drawn by the offline stand-in: drawn fitted to the view"


def _default_title(bands: dict[str, Band], three: bool) -> str:
    if three:
        return "3 Color"
    source = next(iter(bands.values())).source
    name = source.split("?", 1)[0].rsplit("/", 1)[-1] or source
    return re.sub(r"^offline-upload-\d+-\d+-", "", name)  # an upload is titled by its own file name


def _load_band(request: dict, load: Loader) -> Band:
    source = str(param(request, "url") or param(request, "file") or param(request, "fileOnServer") or "")
    if not source:
        return Band("(none)", error="the request names no url or file: this viewer shows only FITS files and URLs")
    try:
        return Band(source, load(request))
    except CannotShow as err:
        return Band(source, error=str(err))


def _targets(state: ViewerState, plot_id) -> list[Plot]:
    ids = _ids(plot_id)
    missing = [i for i in ids if i not in state.plots]
    if missing:
        raise KeyError(f"no plot {', '.join(missing)}")
    return [state.plots[i] for i in ids] if ids else ([state.plots[state.active]] if state.active else [])


def _stretch(state: ViewerState, payload: dict, load: Loader) -> str:
    plots = _targets(state, payload.get("plotId"))
    for plot in plots:
        for item in payload.get("stretchData") or []:
            rv = RangeValues.parse(item.get("rv", ""))
            band = item.get("band", "NO_BAND")
            keys = list(plot.bands) if band in ("NO_BAND", "ALL") or not plot.three_color else [band]
            for key in keys:
                plot.stretch[key] = rv
            if rv.rgb_preserve_hue:
                plot.notes.append("hue-preserving stretch drawn band by band (asinh) by the offline stand-in")
        plot.stretch_sent = True
        plot.version += 1
    return "" if plots else "no plot to stretch"


def _zoom(state: ViewerState, payload: dict, load: Loader) -> str:
    kind = str(payload.get("userZoomType", "LEVEL")).upper()
    for plot in _targets(state, payload.get("plotId")):
        if kind == "LEVEL":
            plot.zoom = float(payload["level"])
        elif kind in ("FIT", "FILL", "TO_WIDTH_HEIGHT", "TO_WIDTH", "TO_HEIGHT"):
            plot.zoom = None
        elif kind in ("UP", "DOWN") and plot.zoom:
            plot.zoom *= 2 if kind == "UP" else 0.5
        else:
            return f"zoom type {kind} is not drawn by the offline stand-in"
    return ""


def _recenter(state: ViewerState, payload: dict, load: Loader) -> str:
    for plot in _targets(state, payload.get("plotId")):
        if str(payload.get("centerOnImage", "")).lower() == "true" or "centerPt" not in payload:
            plot.center = None
            continue
        x, y, *frame = str(payload["centerPt"]).split(";")
        system = (frame[0] if frame else "image").strip().lower()
        image = plot.first_image
        if system in ("image", "fits_pixel", "pixel"):
            plot.center = (float(x), float(y))
        elif system in FRAMES and image is not None and image.wcs is not None:
            plot.center = image.sky_to_pixel(SkyCoord(float(x), float(y), unit="deg", frame=FRAMES[system]))
        else:
            return f"cannot center on {payload['centerPt']!r} (coordinate system or WCS missing)"
    return ""


def _lines(value) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _create_layer(state: ViewerState, payload: dict, load: Loader) -> str:
    layer_id = str(payload.get("drawLayerId") or f"RegionLayer-{len(state.layers) + 1}")
    if payload.get("fileOnServer"):
        lines = _upload_lines(payload["fileOnServer"], load)
    else:
        lines = _lines(payload.get("regionAry") or [])
    plot_ids = _ids(payload.get("plotId")) or None
    state.layers[layer_id] = Layer(layer_id, str(payload.get("layerTitle") or layer_id), lines, plot_ids)
    return ""


def _upload_lines(name: str, load: Loader) -> list[str]:
    reader = getattr(load, "upload_text", None)
    if reader is None:
        raise ValueError("this viewer cannot read uploaded region files")
    return reader(name).splitlines()


def _add_regions(state: ViewerState, payload: dict, load: Loader) -> str:
    layer_id = str(payload.get("drawLayerId"))
    layer = state.layers.get(layer_id)
    if layer is None:
        return _create_layer(state, {**payload, "regionAry": payload.get("regionChanges")}, load)
    layer.lines += _lines(payload.get("regionChanges") or [])
    layer.title = str(payload.get("layerTitle") or layer.title)
    return ""


def _remove_regions(state: ViewerState, payload: dict, load: Loader) -> str:
    layer = state.layers[str(payload.get("drawLayerId"))]
    gone = set(_lines(payload.get("regionChanges") or []))
    layer.lines = [line for line in layer.lines if line not in gone]
    return ""


def _delete_layer(state: ViewerState, payload: dict, load: Loader) -> str:
    """``delete_region_layer``: from the plots named by ``plotId`` only, or from every plot without one."""
    layer_id, gone = str(payload.get("drawLayerId")), _ids(payload.get("plotId"))
    layer = state.layers.get(layer_id)
    if layer is None:
        return ""  # Firefly, too, has nothing to do
    # A layer on every plot stays on the others that exist now (Firefly attaches a layer to plots, not to a rule).
    kept = [i for i in (layer.plot_ids if layer.plot_ids is not None else state.plots) if i not in gone]
    if gone and kept:
        layer.plot_ids = kept
    else:
        del state.layers[layer_id]
    return ""


PREVIEW = ("show_data(preview_metadata=True) asked Firefly to show a preview of {name}'s contents and wait for "
           "its Load button; this viewer has no preview panel")


def _external_upload(state: ViewerState, payload: dict, load: Loader) -> str:
    """``show_data``: a FITS image is plotted; tables, regions and the rest are listed. A preview is said so."""
    request = {k: payload[k] for k in ("url", "fileOnServer") if payload.get(k)}
    name = str(payload.get("displayName") or next(iter(request.values()), ""))
    preview = PREVIEW.format(name=name) if payload.get("immediate") is False else ""
    if not request:
        return "show_data without a url or file"
    band = _load_band(request, load)
    if band.image is None:
        return f"{preview + ': ' if preview else ''}shown only when it is a FITS image: {band.error}"
    plot_id = f"data-{len(state.plots) + 1}"
    reason = _plot_image(state, {"wpRequest": {**request, "Title": name, "plotId": plot_id}},
                         lambda _request: band.image)
    if preview and not reason:
        did = f"{preview}, so it plotted the file's first image at once"
        state.plots[plot_id].notes.insert(0, did)
        state.notes.append({"type": "app_data.externalUpload", "note": did})
    return reason


def _reinit(state: ViewerState, payload: dict, load: Loader) -> str:
    """``reinit_viewer``: Firefly starts afresh, so the plots, layers and lists before it go."""
    state.plots.clear()
    state.layers.clear()
    state.not_shown.clear()
    state.notes[:] = [{"type": "app_data.reinitApp", "note": "reinit_viewer: the viewer was cleared"}]
    state.active = None
    return ""


def _delete_plot(state: ViewerState, payload: dict, load: Loader) -> str:
    state.plots.pop(str(payload.get("plotId")), None)
    if state.active not in state.plots:
        state.active = next(reversed(state.plots), None)
    return ""


HANDLERS = {
    PLOT: _plot_image,
    "ImagePlotCntlr.StretchChange": _stretch,
    "ImagePlotCntlr.ZoomImage": _zoom,
    "ImagePlotCntlr.recenter": _recenter,
    "ImagePlotCntlr.deletePlotView": _delete_plot,
    "DrawLayerCntlr.RegionPlot.createLayer": _create_layer,
    "DrawLayerCntlr.RegionPlot.addRegion": _add_regions,
    "DrawLayerCntlr.RegionPlot.removeRegion": _remove_regions,
    "DrawLayerCntlr.RegionPlot.deleteLayer": _delete_layer,
    "app_data.externalUpload": _external_upload,
    "app_data.reinitApp": _reinit,
}


def plot_layers(state: ViewerState, plot: Plot) -> list[dict]:
    """The region layers on a plot, as shapes in picture coordinates, with any region that failed."""
    image = plot.first_image
    out = []
    for layer in state.layers.values():
        if layer.plot_ids is not None and plot.plot_id not in layer.plot_ids:
            continue
        shapes, problems = overlays.layer_shapes(layer.lines, image) if image else ([], ["no image to draw on"])
        out.append({"id": layer.layer_id, "title": layer.title, "shapes": shapes, "problems": problems})
    return out


def plot_summary(state: ViewerState, plot: Plot) -> dict:
    """A plot as the page needs it: title, size, stretch, zoom, centre (picture coordinates), layers, errors."""
    image = plot.first_image
    height, width = image.shape if image is not None else (0, 0)
    center = None
    if plot.center is not None and image is not None and all(math.isfinite(c) for c in plot.center):
        center = [plot.center[0] + 0.5, height - plot.center[1] - 0.5]
    errors = [f"{band.lower() if plot.three_color else 'image'}: {b.error}" for band, b in plot.bands.items()
              if b.error]
    return {"plotId": plot.plot_id, "title": plot.title, "width": width, "height": height,
            "threeColor": plot.three_color, "bands": {k: b.source for k, b in plot.bands.items()},
            "stretch": plot.describe_stretch(), "zoom": plot.zoom, "center": center, "version": plot.version,
            "layers": plot_layers(state, plot) if image is not None else [], "errors": errors, "notes": plot.notes}
