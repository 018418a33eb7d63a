"""One PNG of what the viewer shows for a list of recorded actions, with alt text: for static pages.

The same replay (``state``), pixels (``render``) and region shapes (``overlays``) as the page,
drawn with matplotlib in a frame the size of a viewer: the active plot at its zoom and centre
(fitted when none was sent), its region layers, and a header with its title and stretch.
Offline, images are fetched through the stand-in (``for_stand_in``); a live build downloads
the real ones (``for_live``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from offline_irsa.services.firefly import state
from offline_irsa.services.firefly.protocol import FireflyRecorder
from offline_irsa.services.firefly.viewer import Sources, plot_rgba

VIEW = (720, 540)  # the picture's size in pixels, about a JupyterLab tab's
HEADER = 34
BACKGROUND = "#1b1b1b"


@dataclass
class Picture:
    png: bytes
    alt: str
    title: str


def for_stand_in(actions: list[dict], server) -> Picture | None:
    """Offline: images through the running stand-in (an ``OfflineIRSA``), uploads from its record."""
    host = server.base.split("://", 1)[1]
    return draw(actions, Sources(server.app, server.received, host))


def for_live(actions: list[dict], timeout: float = 120) -> Picture | None:
    """A live build: the real image files, downloaded as Firefly would (uploads are not available)."""
    import requests

    def fetch(url: str) -> bytes:
        reply = requests.get(url, timeout=timeout)
        reply.raise_for_status()
        return reply.content

    return draw(actions, Sources(None, FireflyRecorder(), "", fetch=fetch))


def draw(actions: list[dict], load: state.Loader, size: tuple[int, int] = VIEW) -> Picture | None:
    """The active plot after the actions, as a PNG with alt text; None when no image was plotted."""
    viewed = state.replay(actions, load)
    plot = viewed.plots.get(viewed.active) if viewed.active else None
    if plot is None:
        return None
    image = plot.first_image
    if image is None:
        return None
    summary = state.plot_summary(viewed, plot)
    return Picture(_png(plot, summary, size), alt_text(plot, summary), plot.title)


def alt_text(plot: state.Plot, summary: dict) -> str:
    """A sentence for a screen reader: what image, which band(s), how big, which stretch, what is drawn on it."""
    image = plot.first_image
    bands = [str(b.image.header.get("FILTER", "")).strip() for b in plot.bands.values() if b.image is not None]
    band = (f"{', '.join(b.upper() for b in bands)} bands as red, green and blue" if plot.three_color
            else (f"{bands[0].upper()} band" if bands and bands[0] else "one band"))
    shapes = sum(len(layer["shapes"]) for layer in summary["layers"])
    regions = f", with {shapes} region{'s' * (shapes != 1)} drawn on it" if shapes else ""
    zoom = "fitted to the view" if plot.zoom is None else f"at zoom {plot.zoom:g}"
    return (f"Firefly view of {plot.title}: {band}, {image.shape[1]} × {image.shape[0]} pixels, "
            f"{plot.describe_stretch()} stretch, {zoom}{regions}.")


def _png(plot: state.Plot, summary: dict, size: tuple[int, int]) -> bytes:
    from matplotlib import patches
    from matplotlib.figure import Figure

    width, height = size
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor=BACKGROUND)
    view_h = height - HEADER
    ax = fig.add_axes((0, 0, 1, view_h / height))
    ax.set_facecolor(BACKGROUND)
    ax.set_axis_off()
    rows, cols = plot.first_image.shape
    ax.imshow(plot_rgba(plot), extent=(0, cols, rows, 0), interpolation="antialiased")  # no moiré when shrunk
    scale = plot.zoom or min(width / cols, view_h / rows)
    cx, cy = summary["center"] or (cols / 2, rows / 2)
    ax.set_xlim(cx - width / 2 / scale, cx + width / 2 / scale)
    ax.set_ylim(cy + view_h / 2 / scale, cy - view_h / 2 / scale)
    for layer in summary["layers"]:
        for shape in layer["shapes"]:
            _draw_shape(ax, patches, shape, scale)
    fig.text(0.012, 1 - (HEADER / 2) / height, plot.title, color="white", fontsize=12, fontweight="bold",
             va="center")
    fig.text(0.988, 1 - (HEADER / 2) / height, f"stretch: {plot.describe_stretch()}  ·  offline_irsa viewer",
             color="#c8d3e0", fontsize=9, va="center", ha="right")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND)
    return buffer.getvalue()


MARKERS = {"cross": "+", "x": "x", "box": "s", "diamond": "D", "circle": "o", "arrow": "^", "boxcircle": "8"}


def _draw_shape(ax, patches, shape: dict, scale: float) -> None:
    style = {"fill": False, "edgecolor": shape["color"], "linewidth": shape.get("width", 1.6),
             "linestyle": "--" if shape.get("dash") else "-"}
    kind = shape["shape"]
    font = _font(shape)
    if kind == "circle":
        ax.add_patch(patches.Circle((shape["cx"], shape["cy"]), shape["r"], **style))
    elif kind == "annulus":
        for radius in shape["radii"]:
            ax.add_patch(patches.Circle((shape["cx"], shape["cy"]), radius, **style))
    elif kind == "ellipse":
        ax.add_patch(patches.Ellipse((shape["cx"], shape["cy"]), 2 * shape["rx"], 2 * shape["ry"],
                                     angle=shape["angle"], **style))
    elif kind in ("polygon", "line"):
        ax.add_patch(patches.Polygon(shape["points"], closed=kind == "polygon", **style))
    elif kind == "point":  # the size is in screen pixels; matplotlib's in points (72 a inch, 100 pixels a inch)
        ax.plot(shape["cx"], shape["cy"], MARKERS.get(shape["marker"], "+"), color=shape["color"],
                markersize=shape["size"] * 0.72, markerfacecolor="none")
    elif kind == "text":
        ax.text(shape["cx"], shape["cy"], shape["text"], color=shape["color"], ha="center", va="center",
                rotation=shape.get("angle", 0), rotation_mode="anchor", **font)
    if shape.get("label"):
        x, y = shape["points"][0] if "points" in shape else (shape["cx"], shape["cy"] - shape.get("r", 0))
        clear = shape.get("size", 0) / 2 if kind == "point" else 0
        ax.text(x, y - (3 + clear) / scale, shape["label"], color=shape["color"], ha="center", va="bottom", **font)


def _font(shape: dict) -> dict:
    """matplotlib's font settings for the region's DS9 font (size in points, as DS9 and Firefly give it)."""
    font = shape.get("font") or {}
    out = {"fontsize": font.get("size") or 10}
    if font.get("weight") == "bold":
        out["fontweight"] = "bold"
    if font.get("style") == "italic":
        out["fontstyle"] = "italic"
    return out
