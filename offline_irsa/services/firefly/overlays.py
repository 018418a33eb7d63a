"""Region layers (DS9 region strings, as firefly_client sends them) placed on an image through its WCS.

astropy's ``regions`` package parses the strings (``icrs;circle 202.48d 47.23d 6'``,
``image;polygon ...``) and puts sky regions on pixels with the image's WCS. The shapes come
out in picture coordinates (image pixels, origin at the top-left corner, y down), which the
page's SVG overlay and the site's picture both draw. Firefly draws regions in green unless a
region names a colour; so does this viewer.
"""

from __future__ import annotations

import math

from regions import (
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


def parse(lines: list[str]) -> Regions:
    """One layer's strings as one region file: a coordinate-system line applies to those after it."""
    return Regions.parse("\n".join(lines), format="ds9")


def layer_shapes(lines: list[str], image: FitsImage) -> tuple[list[dict], list[str]]:
    """Drawable shapes of a layer on the image, and a sentence for each region that could not be placed."""
    try:
        regions = parse(lines)
    except Exception as err:  # the parser raises several kinds; all mean "not understood"
        return [], [f"regions not understood ({type(err).__name__}: {err}): {' | '.join(lines)[:200]}"]
    shapes, problems = [], []
    height = image.shape[0]
    for region in regions:
        if not isinstance(region, PixelRegion):
            if image.wcs is None:
                problems.append(f"{type(region).__name__} needs a WCS and the image has none")
                continue
            region = region.to_pixel(image.wcs)
        shape = _shape(region, height)
        if shape is None:
            problems.append(f"{type(region).__name__} is not drawn by the offline stand-in")
            continue
        visual = dict(region.visual)
        shape["color"] = str(visual.get("edgecolor") or visual.get("color") or DEFAULT_COLOR)
        if region.meta.get("text") and shape["shape"] != "text":
            shape["label"] = str(region.meta["text"])
        shapes.append(shape)
    return shapes, problems


def _shape(region: PixelRegion, height: int) -> dict | None:
    def at(pixcoord) -> tuple[float, float]:
        return pixel_to_display(float(pixcoord.x), float(pixcoord.y), height)

    if isinstance(region, CirclePixelRegion):
        cx, cy = at(region.center)
        return {"shape": "circle", "cx": cx, "cy": cy, "r": float(region.radius)}
    if isinstance(region, EllipsePixelRegion):
        cx, cy = at(region.center)
        return {"shape": "ellipse", "cx": cx, "cy": cy, "rx": float(region.width) / 2, "ry": float(region.height) / 2,
                "angle": -float(region.angle.to_value("deg"))}  # y points down in the picture
    if isinstance(region, PointPixelRegion):
        cx, cy = at(region.center)
        return {"shape": "point", "cx": cx, "cy": cy}
    if isinstance(region, TextPixelRegion):
        cx, cy = at(region.center)
        return {"shape": "text", "cx": cx, "cy": cy, "text": str(region.text)}
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
