"""SIA v2's POS regions (CIRCLE, RANGE, POLYGON) and which image footprints they meet.

An image footprint is its four corners joined by great circles, as SIA v1 draws it
(sky/geometry.py). Every test is made in the gnomonic (TAN) plane at the region's centre,
where great circles are straight lines and a circle of angular radius r is a circle of
radius tan(r), so CIRCLE and POLYGON are exact there. A RANGE is bounded by two meridians
(great circles) and two parallels (small circles); each parallel is drawn as a chain of
great-circle chords close enough that it strays from the parallel by under
``RANGE_TOLERANCE_ARCSEC``.

Choices where the SIA 2.0 standard and IRSA's pages are silent:

* a region reaching further than ``MAX_REACH_DEG`` from its centre is refused (the same
  scale as SIA v1's largest SIZE; a whole-sky search would list millions of images);
* a POLYGON may be given in either direction, with up to ``MAX_VERTICES`` vertices; it must
  not cross itself (not checked);
* RANGE takes ``-Inf``/``+Inf`` for an open end (RA 0 or 360, Dec -90 or 90) and needs
  ra1 <= ra2 and dec1 <= dec2, as pyvo checks; a RANGE wrapping through RA 0 is two RANGEs;
* an image "meets" a region when they share any point (edges touching count).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from offline_irsa.services.params import NUMBER, ParameterError
from offline_irsa.sky.geometry import local_frame, unit_vectors

MAX_REACH_DEG = 10.0
RANGE_TOLERANCE_ARCSEC = 0.01
MAX_SIDE_POINTS = 200  # points drawn along a RANGE's parallel, at most (then it strays under 0.02")
MAX_VERTICES = 200  # of a POLYGON
CHUNK = 256  # footprints tested at once against a polygon, to bound the memory a test takes
INFINITY = re.compile(r"[+-]?inf(inity)?", re.IGNORECASE)


def value(token: str, name: str, allow_inf: bool = False) -> float:
    """One number of a SIA v2 parameter: a decimal number, or +-Inf where an interval may be open."""
    if NUMBER.fullmatch(token):
        return float(token)
    if allow_inf and INFINITY.fullmatch(token):
        return float(token.lower().replace("infinity", "inf"))
    raise ParameterError(f"{name} must hold decimal numbers{' or -Inf/+Inf' if allow_inf else ''}, got {token!r}")


def _unit(ra: float, dec: float) -> np.ndarray:
    return unit_vectors(np.float64(ra), np.float64(dec))


@dataclass
class Region:
    """A POS region: its centre (a unit vector) and how to tell whether footprints meet it."""

    text: str
    centre: np.ndarray
    radius: float | None = None  # CIRCLE: radius in degrees
    vertices: np.ndarray | None = None  # RANGE and POLYGON: (m, 3) unit vectors, in order

    @property
    def centre_radec(self) -> tuple[float, float]:
        x, y, z = self.centre
        return math.degrees(math.atan2(y, x)) % 360.0, math.degrees(math.asin(max(-1.0, min(1.0, z))))

    @property
    def reach(self) -> float:
        """Degrees from the centre to the region's furthest point."""
        if self.radius is not None:
            return self.radius
        return math.degrees(float(np.max(np.arccos(np.clip(self.vertices @ self.centre, -1, 1)))))

    def _plane(self, points: np.ndarray) -> np.ndarray:
        """Gnomonic coordinates (..., 2) at the centre of unit vectors (..., 3) on its side of the sky."""
        east, north, _ = local_frame(*(np.float64(v) for v in self.centre_radec))
        depth = points @ self.centre
        return np.stack([points @ east, points @ north], axis=-1) / depth[..., None]

    def meets(self, corners: np.ndarray) -> np.ndarray:
        """For footprints (n, 4, 3) of convex images, each within 90 degrees of the centre: do they meet?"""
        tiles = self._plane(corners)  # (n, 4, 2)
        starts, ends = tiles, np.roll(tiles, -1, axis=1)
        if self.radius is not None:
            r = math.tan(math.radians(self.radius))
            return _inside_convex(tiles, np.zeros((len(tiles), 1, 2)))[:, 0] | (
                _distance_to_origin(starts, ends).min(axis=1) <= r)
        polygon = self._plane(self.vertices)  # (m, 2)
        p_starts, p_ends = polygon[None, None], np.roll(polygon, -1, axis=0)[None, None]
        crossing = np.concatenate([np.zeros(0, bool)] + [
            _segments_meet(starts[i:i + CHUNK, :, None], ends[i:i + CHUNK, :, None], p_starts, p_ends).any(axis=(1, 2))
            for i in range(0, len(tiles), CHUNK)])
        corner_inside = _inside_polygon(tiles[:, 0, :], polygon)
        vertex_inside = _inside_convex(tiles, np.broadcast_to(polygon[0], (len(tiles), 1, 2)))[:, 0]
        return crossing | corner_inside | vertex_inside


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]


def _inside_convex(polygons: np.ndarray, points: np.ndarray) -> np.ndarray:
    """For convex polygons (n, k, 2) and points (n, m, 2): is each point inside (or on) its polygon?"""
    edges = np.roll(polygons, -1, axis=1) - polygons  # (n, k, 2)
    side = _cross(edges[:, None, :, :], points[:, :, None, :] - polygons[:, None, :, :])  # (n, m, k)
    return np.all(side >= 0, axis=-1) | np.all(side <= 0, axis=-1)


def _distance_to_origin(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distance from (0, 0) to each segment."""
    d = ends - starts
    length2 = np.maximum(np.sum(d * d, axis=-1), 1e-300)
    t = np.clip(-np.sum(starts * d, axis=-1) / length2, 0.0, 1.0)
    nearest = starts + t[..., None] * d
    return np.hypot(nearest[..., 0], nearest[..., 1])


def _segments_meet(a0, a1, b0, b1) -> np.ndarray:
    """Do segments a0-a1 and b0-b1 share a point? (broadcasting; collinear overlaps count)."""
    da, db = a1 - a0, b1 - b0
    d1, d2 = _cross(db, a0 - b0), _cross(db, a1 - b0)
    d3, d4 = _cross(da, b0 - a0), _cross(da, b1 - a0)
    proper = (d1 * d2 <= 0) & (d3 * d4 <= 0)
    collinear = (d1 == 0) & (d2 == 0)
    if not collinear.any():
        return proper & ~collinear
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    blo, bhi = np.minimum(b0, b1), np.maximum(b0, b1)
    overlap = np.all((lo <= bhi) & (blo <= hi), axis=-1)
    return np.where(collinear, overlap, proper)


def _inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule: is each point (n, 2) inside the polygon (m, 2), convex or not?"""
    x0, y0 = polygon[:, 0], polygon[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    px, py = points[:, 0:1], points[:, 1:2]
    straddles = (y0 > py) != (y1 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
    return np.count_nonzero(straddles & (px < x_at), axis=1) % 2 == 1


def _check_dec(dec: float, text: str) -> None:
    if not -90 <= dec <= 90:
        raise ParameterError(f"POS declinations must be between -90 and 90 degrees: {text!r}")


def _parallel(ra1: float, ra2: float, dec: float) -> list[tuple[float, float]]:
    """Points along a parallel from ra1 to ra2, close enough that chords stray under the tolerance."""
    squeeze = abs(math.sin(math.radians(dec)) * math.cos(math.radians(dec)))
    tolerance = math.radians(RANGE_TOLERANCE_ARCSEC / 3600)
    step = math.degrees(math.sqrt(8 * tolerance / squeeze)) if squeeze > 1e-12 else 360.0
    n = min(MAX_SIDE_POINTS, max(1, math.ceil(abs(ra2 - ra1) / step)))
    return [(ra1 + (ra2 - ra1) * i / n, dec) for i in range(n + 1)]


def _range(text: str, numbers: list[float]) -> Region:
    ra1, ra2, dec1, dec2 = numbers
    ra1, ra2 = (0.0 if math.isinf(ra1) else ra1), (360.0 if math.isinf(ra2) else ra2)
    dec1, dec2 = (-90.0 if math.isinf(dec1) else dec1), (90.0 if math.isinf(dec2) else dec2)
    if math.isinf(numbers[0]) and numbers[0] > 0 or math.isinf(numbers[1]) and numbers[1] < 0:
        raise ParameterError(f"POS RANGE needs ra1 <= ra2: {text!r}")
    for dec in (dec1, dec2):
        _check_dec(dec, text)
    if ra1 > ra2 or dec1 > dec2:
        raise ParameterError(f"POS RANGE needs ra1 <= ra2 and dec1 <= dec2: {text!r}")
    ra2 = min(ra2, ra1 + 360.0)
    outline = _parallel(ra1, ra2, dec1) + _parallel(ra2, ra1, dec2)
    vertices = np.array([_unit(ra, dec) for ra, dec in outline])
    keep = np.ones(len(vertices), bool)  # drop repeated points (the pole, a zero-width side)
    keep[1:] = np.any(np.abs(np.diff(vertices, axis=0)) > 1e-15, axis=1)
    vertices = vertices[keep]
    centre = vertices.mean(axis=0)
    if np.linalg.norm(centre) < 1e-9:
        raise ParameterError(f"POS RANGE is larger than the stand-in serves: {text!r}")
    return Region(text, centre / np.linalg.norm(centre), vertices=vertices)


def parse(text: str) -> Region:
    """One POS value: ``CIRCLE ra dec r``, ``RANGE ra1 ra2 dec1 dec2`` or ``POLYGON ra dec ra dec ra dec ...``."""
    shape, *tokens = text.split() or [""]
    shape = shape.upper()
    if shape == "CIRCLE":
        if len(tokens) != 3:
            raise ParameterError(f"POS CIRCLE takes 3 numbers (ra dec radius), got {text!r}")
        ra, dec, radius = (value(t, "POS") for t in tokens)
        _check_dec(dec, text)
        if not 0 < radius:
            raise ParameterError(f"POS CIRCLE radius must be positive, got {text!r}")
        region = Region(text, _unit(ra % 360.0, dec), radius=radius)
    elif shape == "RANGE":
        if len(tokens) != 4:
            raise ParameterError(f"POS RANGE takes 4 numbers (ra1 ra2 dec1 dec2), got {text!r}")
        region = _range(text, [value(t, "POS", allow_inf=True) for t in tokens])
    elif shape == "POLYGON":
        if len(tokens) < 6 or len(tokens) % 2 or len(tokens) > 2 * MAX_VERTICES:
            raise ParameterError(f"POS POLYGON takes 3 to {MAX_VERTICES} ra dec pairs, got {text!r}")
        numbers = [value(t, "POS") for t in tokens]
        pairs = list(zip(numbers[0::2], numbers[1::2], strict=True))
        for _, dec in pairs:
            _check_dec(dec, text)
        vertices = np.array([_unit(ra % 360.0, dec) for ra, dec in pairs])
        centre = vertices.mean(axis=0)
        if np.linalg.norm(centre) < 1e-9:
            raise ParameterError(f"POS POLYGON is larger than the stand-in serves: {text!r}")
        region = Region(text, centre / np.linalg.norm(centre), vertices=vertices)
    else:
        raise ParameterError(f"POS must be CIRCLE, RANGE or POLYGON followed by numbers, got {text!r}")
    if region.reach > MAX_REACH_DEG:
        raise ParameterError(f"POS reaches {region.reach:.3g} degrees from its centre; the offline stand-in "
                             f"serves regions up to {MAX_REACH_DEG:g} degrees: {text!r}")
    return region
