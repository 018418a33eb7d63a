"""Region layers (DS9 region strings, as firefly_client sends them) placed on an image through its WCS.

astropy's ``regions`` package parses the strings (``icrs;circle 202.48d 47.23d 6'``,
``image;polygon ...``) and puts sky regions on pixels with the image's WCS. The shapes come
out in picture coordinates (image pixels, origin at the top-left corner, y down), which the
page's SVG overlay and the site's picture both draw.

Each string is read the way Firefly reads it (its ``RegionFactory``), which differs from DS9
files in a few ways that ``regions`` does not know, so each line is translated before parsing:

* a line without a coordinate system is in Firefly's default, PHYSICAL, which Firefly draws
  as IMAGE; ``frame;shape`` applies to that line only, a line that is only a frame name to
  the lines after it;
* sizes (and positions) may end in ``i`` (image pixels) or ``p`` (physical pixels, which
  Firefly also takes as image pixels): on a pixel line the suffix is dropped, on a sky line
  a size becomes arcseconds through the image's pixel scale; an image line's sizes in
  ``"``, ``'`` or ``d`` become pixels the same way;
* ``text x y {M51}``: the braced text becomes ``text={M51}``, which ``regions`` 0.12 reads
  (it drops the braced form silently).

Every string that is not drawn is returned with the reason, and every property a drawn
region has that this viewer does not draw is named, so the page can list both. Firefly
draws regions in green, points as a cross, unless a region says otherwise; so does this viewer.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

from astropy.wcs.utils import proj_plane_pixel_scales
from regions import (
    CircleAnnulusPixelRegion,
    CirclePixelRegion,
    EllipsePixelRegion,
    LinePixelRegion,
    PixelRegion,
    PointPixelRegion,
    PolygonPixelRegion,
    RectanglePixelRegion,
    Regions,
    TextPixelRegion,
)

from offline_irsa.services.firefly.render import FitsImage, pixel_to_display

DEFAULT_COLOR = "green"
DEFAULT_POINT = "cross"
DEFAULT_POINT_SIZE = 10.0  # screen pixels across: Firefly's default point has 5-pixel arms
# Firefly's names of coordinate systems, as regions names them.
SKY_FRAMES = {"icrs": "icrs", "fk5": "fk5", "j2000": "fk5", "fk4": "fk4", "b1950": "fk4", "galactic": "galactic",
              "ecliptic": "ecliptic"}
PIXEL_FRAMES = {"image", "physical"}  # Firefly draws PHYSICAL as IMAGE
POSITIONS_ONLY = {"point", "text", "polygon", "line"}  # shapes whose numbers are all positions
NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
PIXEL_VALUE = re.compile(NUMBER + r"([ip])$")
ANGLE_VALUE = re.compile(NUMBER + r"([\"'d])$")
ARCSEC = {'"': 1.0, "'": 60.0, "d": 3600.0}
# Region properties drawn here; flags that only matter to a viewer that edits regions are
# honoured when they say "no" (this viewer never edits), and named when they say "yes".
DRAWN_VISUAL = {"color", "edgecolor", "facecolor", "default_style", "linewidth", "linestyle", "fontname", "fontsize",
                "fontweight", "fontstyle", "marker", "markersize"}
EDIT_FLAGS = {"edit", "move", "rotate", "delete", "select", "highlite", "fixed"}


@dataclass
class Line:
    """One region string as sent, and what ``regions`` is given for it (or why it is not drawn)."""

    sent: str
    ds9: str = ""
    reason: str = ""


def pixel_scale_arcsec(image: FitsImage) -> float | None:
    """Arcseconds per image pixel (the mean of the two axes), or None without a WCS."""
    if image.wcs is None:
        return None
    return float(proj_plane_pixel_scales(image.wcs.celestial).mean()) * 3600.0


def translate(lines: list[str], image: FitsImage) -> list[Line]:
    """The layer's region strings read as Firefly reads them (see the module docstring), one ``Line`` each."""
    frame, defaults, out = "physical", [], []
    for sent in lines:
        text = sent.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower() in SKY_FRAMES or text.lower() in PIXEL_FRAMES:
            frame = text.lower()
        elif text.lower().startswith("global"):
            defaults.append(text)
        else:
            out.append(_translate_line(sent, text, frame, defaults, image))
    return out


def _translate_line(sent: str, text: str, frame: str, defaults: list[str], image: FitsImage) -> Line:
    prefix, _, rest = text.partition(";")
    if rest and not re.search(r"[\s#{(]", prefix.strip()):  # "frame;shape": the frame is one word
        frame, text = prefix.strip().lower(), rest.strip()
        if frame not in SKY_FRAMES and frame not in PIXEL_FRAMES:
            return Line(sent, reason=f"coordinate system {prefix.strip()!r} is not one Firefly reads")
    body, comment = _split_comment(text)
    head, brace, braced = body.partition("{")
    if brace and "text=" not in comment:
        comment = f"{comment} text={{{braced.rsplit('}', 1)[0]}}}".strip()
    tokens = [t for t in re.split(r"[\s,()]+", head.strip()) if t]
    if not tokens:
        return Line(sent, reason="no shape in it")
    name, *params = tokens
    try:
        params = _values(name.lstrip("+-").lower(), params, frame in PIXEL_FRAMES, image)
    except ValueError as err:
        return Line(sent, reason=str(err))
    regions_frame = "image" if frame in PIXEL_FRAMES else SKY_FRAMES[frame]
    shape = f"{name}({', '.join(params)})" + (f" # {comment}" if comment else "")
    return Line(sent, "\n".join([*defaults, regions_frame, shape]))


def _split_comment(text: str) -> tuple[str, str]:
    """The shape and its properties: split at the first ``#`` outside braces and quotes."""
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'" and depth == 0 and index > 0 and not text[index - 1].isdigit():
            quote = char  # a quote after a digit is a unit (arcmin, arcsec), not a string
        elif char in "{}":
            depth += 1 if char == "{" else -1
        elif char == "#" and depth == 0:
            return text[:index].strip(), text[index + 1:].strip()
    return text.strip(), ""


def _values(shape: str, params: list[str], pixel_line: bool, image: FitsImage) -> list[str]:
    """The shape's numbers with Firefly's units made ones ``regions`` reads; ValueError when that cannot be done."""
    angle_at = len(params) - 1 if shape in ("box", "ellipse") and len(params) % 2 == 1 else None
    out = []
    for index, value in enumerate(params):
        size = shape not in POSITIONS_ONLY and index >= 2 and index != angle_at
        out.append(_value(value, size, pixel_line, image))
    return out


def _value(value: str, size: bool, pixel_line: bool, image: FitsImage) -> str:
    pixels, angle = PIXEL_VALUE.match(value), ANGLE_VALUE.match(value)
    if pixels and pixel_line:
        return pixels[1]
    if pixels and not size:
        raise ValueError(f"the position {value} is in pixels on a sky line, which the offline stand-in does not draw")
    if (pixels and size) or (angle and size and pixel_line):
        scale = pixel_scale_arcsec(image)
        if scale is None:
            raise ValueError(f"the size {value} needs the image's pixel scale, and the image has no WCS")
        if pixels:
            return f'{float(pixels[1]) * scale:.10g}"'
        return f"{float(angle[1]) * ARCSEC[angle[2]] / scale:.10g}"
    return value


def parse(ds9: str) -> tuple[Regions, list[str]]:
    """``regions``' reading of one translated line, and the warnings it gave (it skips what it cannot read)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            found = Regions.parse(ds9, format="ds9")
        except Exception as err:  # the parser raises several kinds; all mean "not understood"
            return Regions([]), [f"{type(err).__name__}: {err}"]
    return found, [str(w.message) for w in caught]


def layer_shapes(lines: list[str], image: FitsImage) -> tuple[list[dict], list[str]]:
    """Drawable shapes of a layer on the image, and a sentence for each string not drawn or not drawn in full."""
    shapes, problems = [], []
    for line in translate(lines, image):
        said = f"“{line.sent.strip()[:160]}”"
        if line.reason:
            problems.append(f"{said} not drawn: {line.reason}")
            continue
        regions, warned = parse(line.ds9)
        if not regions:
            problems.append(f"{said} not drawn: {'; '.join(warned) or 'not understood as a DS9 region'}")
            continue
        for region in regions:
            shape, ignored = _place(region, image)
            if shape is None:
                problems.append(f"{said} not drawn: {ignored[0]}")
                continue
            if shape["shape"] != "text" and re.search(r"\btextangle=", line.ds9):
                ignored.append("textangle (regions reads it for text regions only)")  # and drops it quietly
            shapes.append(shape)
            if ignored or warned:
                problems.append(f"{said} drawn without {', '.join(ignored + warned)}")
    return shapes, problems


def _place(region, image: FitsImage) -> tuple[dict | None, list[str]]:
    """The region as a shape in picture coordinates with its style, and what of it is not drawn."""
    if not isinstance(region, PixelRegion):
        if image.wcs is None:
            return None, [f"{type(region).__name__} needs a WCS and the image has none"]
        region = region.to_pixel(image.wcs)
    shape = _shape(region, image.shape[0])
    if shape is None:
        return None, [f"{type(region).__name__} is not drawn by the offline stand-in"]
    ignored = _style(shape, dict(region.visual), dict(region.meta))
    return shape, ignored


def _style(shape: dict, visual: dict, meta: dict) -> list[str]:
    """Put the region's colour, line, font, text and marker on the shape; name each property not drawn."""
    shape["color"] = str(visual.get("edgecolor") or visual.get("color") or DEFAULT_COLOR)
    if "linewidth" in visual:
        shape["width"] = float(visual["linewidth"])
    if visual.get("linestyle") in ("dashed", "--"):
        shape["dash"] = True
    font = {key: visual[key] for key in ("fontname", "fontsize", "fontweight", "fontstyle") if key in visual}
    if font:
        shape["font"] = {"name": str(font.get("fontname", "")), "size": float(font.get("fontsize", 0) or 0),
                         "weight": str(font.get("fontweight", "")), "style": str(font.get("fontstyle", ""))}
    if meta.get("text") and shape["shape"] != "text":
        shape["label"] = str(meta["text"])
    drawn = set(DRAWN_VISUAL)
    if shape["shape"] == "text":
        shape["angle"] = float(visual.get("rotation", 0) or 0)
        drawn.add("rotation")
    if shape["shape"] == "point":
        shape["marker"] = _marker_name(visual.get("marker"))
        shape["size"] = float(visual.get("markersize", DEFAULT_POINT_SIZE))
    ignored = [f"{key}={visual[key]}" for key in visual if key not in drawn]
    for key, value in meta.items():
        if key == "text" or (key == "include" and value == 1) or (key == "source" and value == 1):
            continue
        if key in EDIT_FLAGS and not value:
            continue  # "not editable" and the like: true of this viewer anyway
        ignored.append(f"{key}={value}")
    return ignored


def _marker_name(marker) -> str:
    """DS9's name of the point type ``regions`` read (it keeps matplotlib's markers)."""
    if marker is None:
        return DEFAULT_POINT
    try:
        from regions.io.ds9.core import ds9_valid_symbols
    except ImportError:  # a private module of regions: fall back to the default cross
        return DEFAULT_POINT
    return next((name for name, symbol in ds9_valid_symbols.items()
                 if symbol is marker or (isinstance(symbol, str) and symbol == marker)), DEFAULT_POINT)


def _shape(region: PixelRegion, height: int) -> dict | None:
    def at(pixcoord) -> tuple[float, float]:
        return pixel_to_display(float(pixcoord.x), float(pixcoord.y), height)

    if isinstance(region, CirclePixelRegion):
        cx, cy = at(region.center)
        return {"shape": "circle", "cx": cx, "cy": cy, "r": float(region.radius)}
    if isinstance(region, CircleAnnulusPixelRegion):
        cx, cy = at(region.center)
        return {"shape": "annulus", "cx": cx, "cy": cy, "r": float(region.outer_radius),
                "radii": [float(region.inner_radius), float(region.outer_radius)]}
    if isinstance(region, EllipsePixelRegion):
        cx, cy = at(region.center)
        return {"shape": "ellipse", "cx": cx, "cy": cy, "rx": float(region.width) / 2, "ry": float(region.height) / 2,
                "angle": -float(region.angle.to_value("deg"))}  # y points down in the picture
    if isinstance(region, TextPixelRegion):  # before points: a TextPixelRegion is a PointPixelRegion
        cx, cy = at(region.center)
        return {"shape": "text", "cx": cx, "cy": cy, "text": str(region.text)}
    if isinstance(region, PointPixelRegion):
        cx, cy = at(region.center)
        return {"shape": "point", "cx": cx, "cy": cy}
    if isinstance(region, LinePixelRegion):
        (x1, y1), (x2, y2) = at(region.start), at(region.end)
        return {"shape": "line", "points": [[x1, y1], [x2, y2]]}
    if isinstance(region, RectanglePixelRegion | PolygonPixelRegion):
        vertices = region.corners if isinstance(region, RectanglePixelRegion) else zip(
            region.vertices.x, region.vertices.y, strict=True)
        points = [list(pixel_to_display(float(x), float(y), height)) for x, y in vertices]
        if all(math.isfinite(v) for p in points for v in p):
            return {"shape": "polygon", "points": points}
    return None
