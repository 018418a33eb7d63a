"""ADQL's geometry on the sphere: POINT, CIRCLE, BOX, POLYGON and the predicates on them.

Every shape is held as unit vectors in ICRS, so nothing depends on where RA wraps or on
how close a pole is: a point is in a circle when its great-circle angle from the centre
(``atan2(|a x b|, a . b)``, accurate at any angle) is at most the radius; a polygon's edges
are great circles, and a point is tested in the gnomonic (TAN) plane at the polygon's
centre, where great circles are straight lines.

Choices where IRSA's documentation is silent:

* frames: ``ICRS``, ``J2000`` (read as ICRS: FK5 J2000 and ICRS differ by under 0.03",
  far below the catalogue's errors) and ``GALACTIC`` (rotated to ICRS with astropy's matrix);
  no frame means ICRS. ``COORD1``/``COORD2`` give a point's coordinates in its own frame;
* ``BOX(frame, ra, dec, width, height)`` is the polygon whose edges are great circles, with
  the box drawn in the tangent plane at its centre, width along east and height along north:
  the same box IRSA's SIA v1 searches with (``sky.regions.region_corners``);
* a polygon must fit within a hemisphere, and its vertices may run either way round;
* shapes travel through SQLite as short strings (``"CIRCLE ICRS 10 20 0.1"``), parsed
  once each and cached, so a UDF's per-row cost is one parse of a point and one test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from astropy.coordinates import Galactic, SkyCoord

from offline_irsa.sky.geometry import region_corners

FRAMES = ("ICRS", "J2000", "GALACTIC", "")
Vector = tuple[float, float, float]


class GeometryError(ValueError):
    """A shape or predicate ADQL (as IRSA reads it) does not allow; the message says why."""


def _galactic_to_icrs() -> np.ndarray:
    axes = SkyCoord(l=[0, 90, 0], b=[0, 0, 90], unit="deg", frame=Galactic())  # the Galactic x, y, z axes
    return axes.icrs.cartesian.xyz.value  # columns are the Galactic axes in ICRS


GALACTIC_TO_ICRS = _galactic_to_icrs()


def frame_name(value) -> str:
    frame = (value or "").strip().upper()
    if frame not in FRAMES:
        raise GeometryError(f"coordinate system {value!r} is not supported; use 'ICRS', 'J2000' or 'GALACTIC'")
    return "ICRS" if frame == "" else frame


def vector(lon: float, lat: float, frame: str = "ICRS") -> Vector:
    if not -90.0 <= lat <= 90.0:
        raise GeometryError(f"latitude must be between -90 and 90 degrees, got {lat}")
    lon_r, lat_r = math.radians(lon), math.radians(lat)
    v = (math.cos(lat_r) * math.cos(lon_r), math.cos(lat_r) * math.sin(lon_r), math.sin(lat_r))
    if frame == "GALACTIC":
        m = GALACTIC_TO_ICRS
        v = tuple(float(m[i, 0] * v[0] + m[i, 1] * v[1] + m[i, 2] * v[2]) for i in range(3))
    return v


def radec(v: Vector) -> tuple[float, float]:
    x, y, z = v
    return math.degrees(math.atan2(y, x)) % 360.0, math.degrees(math.atan2(z, math.hypot(x, y)))


def _dot(a: Vector, b: Vector) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Vector, b: Vector) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _norm(a: Vector) -> Vector:
    n = math.sqrt(_dot(a, a))
    if n == 0:
        raise GeometryError("degenerate shape: two vertices coincide or are opposite")
    return (a[0] / n, a[1] / n, a[2] / n)


def angle(a: Vector, b: Vector) -> float:
    """Great-circle angle between two unit vectors, degrees; accurate from 0 to 180."""
    c = _cross(a, b)
    return math.degrees(math.atan2(math.sqrt(_dot(c, c)), _dot(a, b)))


@dataclass(frozen=True)
class Point:
    frame: str
    lon: float
    lat: float

    @property
    def v(self) -> Vector:
        return vector(self.lon, self.lat, self.frame)

    def cap(self) -> tuple[Vector, float]:
        return self.v, 0.0


@dataclass(frozen=True)
class Circle:
    frame: str
    lon: float
    lat: float
    radius: float

    @property
    def centre(self) -> Vector:
        return vector(self.lon, self.lat, self.frame)

    def cap(self) -> tuple[Vector, float]:
        return self.centre, self.radius


@dataclass(frozen=True)
class Polygon:
    """A spherical polygon with great-circle edges (also what BOX makes)."""

    frame: str
    vertices: tuple[Vector, ...]

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise GeometryError("a POLYGON needs at least three vertices")
        centre = self.centre
        if any(_dot(v, centre) <= 1e-12 for v in self.vertices):
            raise GeometryError("a POLYGON must fit within a hemisphere")

    @property
    def centre(self) -> Vector:
        return _norm(tuple(sum(v[i] for v in self.vertices) for i in range(3)))

    @property
    def edges(self) -> list[tuple[Vector, Vector]]:
        vs = self.vertices
        return [(vs[i], vs[(i + 1) % len(vs)]) for i in range(len(vs))]

    def cap(self) -> tuple[Vector, float]:
        centre = self.centre
        return centre, max(angle(centre, v) for v in self.vertices)

    def _plane(self) -> tuple[Vector, Vector, Vector]:
        c = self.centre
        east = _cross((0.0, 0.0, 1.0), c)
        if _dot(east, east) < 1e-24:  # centred on a pole: any east will do
            east = (0.0, 1.0, 0.0)
        east = _norm(east)
        return c, east, _cross(c, east)

    def contains_vector(self, p: Vector) -> bool:
        c, east, north = self._frame
        d = _dot(p, c)
        if d <= 0:
            return False
        x, y = _dot(p, east) / d, _dot(p, north) / d
        inside = False
        for (ax, ay), (bx, by) in self._projected_edges:
            if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                inside = not inside
        return inside

    @property
    def _frame(self):
        return _polygon_plane(self)

    @property
    def _projected_edges(self):
        return _projected_edges(self)


@lru_cache(maxsize=1024)
def _polygon_plane(polygon: Polygon):
    return polygon._plane()


@lru_cache(maxsize=1024)
def _projected_edges(polygon: Polygon):
    c, east, north = _polygon_plane(polygon)
    flat = [(_dot(v, east) / _dot(v, c), _dot(v, north) / _dot(v, c)) for v in polygon.vertices]
    return tuple((flat[i], flat[(i + 1) % len(flat)]) for i in range(len(flat)))


Shape = Point | Circle | Polygon


# Constructors, as the ADQL functions take their arguments (the frame first, or left out).

def _split_frame(args: tuple) -> tuple[str, tuple]:
    if args and (isinstance(args[0], str) or args[0] is None):
        return frame_name(args[0]), args[1:]
    return "ICRS", args


def _numbers(values: tuple, function: str, count: int | None = None) -> list[float]:
    if count is not None and len(values) != count:
        raise GeometryError(f"{function} takes {count} numbers after the coordinate system, got {len(values)}")
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        raise GeometryError(f"{function} takes numbers, got {values!r}") from None
    if not all(math.isfinite(v) for v in numbers):
        raise GeometryError(f"{function} takes finite numbers, got {values!r}")
    return numbers


def point(*args) -> Point:
    frame, rest = _split_frame(args)
    lon, lat = _numbers(rest, "POINT", 2)
    vector(lon, lat)  # checks the latitude
    return Point(frame, lon, lat)


def circle(*args) -> Circle:
    frame, rest = _split_frame(args)
    lon, lat, radius = _numbers(rest, "CIRCLE", 3)
    if not 0 <= radius <= 180:
        raise GeometryError(f"CIRCLE radius must be between 0 and 180 degrees, got {radius}")
    vector(lon, lat)  # checks the latitude
    return Circle(frame, lon, lat, radius)


def box(*args) -> Polygon:
    frame, rest = _split_frame(args)
    lon, lat, width, height = _numbers(rest, "BOX", 4)
    if not (0 <= width < 180 and 0 <= height < 180):
        raise GeometryError(f"BOX width and height must be between 0 and 180 degrees, got {width}, {height}")
    v = vector(lon, lat, frame)
    ra, dec = radec(v)  # the box is drawn in ICRS around its centre
    corners = region_corners(ra, dec, width, height)
    return Polygon(frame, tuple(tuple(float(x) for x in c) for c in corners))


def polygon(*args) -> Polygon:
    frame, rest = _split_frame(args)
    numbers = _numbers(rest, "POLYGON")
    if len(numbers) % 2 or len(numbers) < 6:
        raise GeometryError("POLYGON takes at least three pairs of coordinates")
    vertices = tuple(vector(numbers[i], numbers[i + 1], frame) for i in range(0, len(numbers), 2))
    return Polygon(frame, vertices)


CONSTRUCTORS = {"POINT": point, "CIRCLE": circle, "BOX": box, "POLYGON": polygon}


# Relations between shapes.

def _on_arc(x: Vector, a: Vector, b: Vector, n: Vector) -> bool:
    return _dot(_cross(a, x), n) >= -1e-15 and _dot(_cross(x, b), n) >= -1e-15


def arc_distance(p: Vector, a: Vector, b: Vector) -> float:
    """Angle (degrees) from p to the great-circle arc a-b (shorter way)."""
    n = _cross(a, b)
    if _dot(n, n) > 1e-30:
        n = _norm(n)
        foot = _cross(_cross(n, p), n)
        if _dot(foot, foot) > 1e-30 and _on_arc(_norm(foot), a, b, n):
            return abs(math.degrees(math.asin(max(-1.0, min(1.0, _dot(p, n))))))
    return min(angle(p, a), angle(p, b))


def arcs_cross(a1: Vector, b1: Vector, a2: Vector, b2: Vector) -> bool:
    n1, n2 = _cross(a1, b1), _cross(a2, b2)
    t = _cross(n1, n2)
    if _dot(t, t) < 1e-30:
        return False
    t = _norm(t)
    n1, n2 = _norm(n1), _norm(n2)
    return any(_on_arc(x, a1, b1, n1) and _on_arc(x, a2, b2, n2) for x in (t, (-t[0], -t[1], -t[2])))


def contains(inner: Shape, outer: Shape) -> bool:
    """ADQL CONTAINS(inner, outer): is ``inner`` wholly within ``outer``?"""
    if isinstance(outer, Point):
        return isinstance(inner, Point) and angle(inner.v, outer.v) == 0.0
    if isinstance(inner, Point):
        if isinstance(outer, Circle):
            return angle(inner.v, outer.centre) <= outer.radius
        return outer.contains_vector(inner.v)
    if isinstance(inner, Circle):
        if isinstance(outer, Circle):
            return angle(inner.centre, outer.centre) + inner.radius <= outer.radius
        return outer.contains_vector(inner.centre) and all(
            arc_distance(inner.centre, a, b) >= inner.radius for a, b in outer.edges)
    # inner is a polygon: all its vertices inside, and (for a polygon outside) no edges crossing
    if isinstance(outer, Circle):  # a cap of radius <= 90 holds every arc between two of its points
        return all(angle(v, outer.centre) <= outer.radius for v in inner.vertices)
    return all(outer.contains_vector(v) for v in inner.vertices) and not _edges_cross(inner, outer)


def _edges_cross(a: Polygon, b: Polygon) -> bool:
    return any(arcs_cross(a1, b1, a2, b2) for a1, b1 in a.edges for a2, b2 in b.edges)


def intersects(a: Shape, b: Shape) -> bool:
    """ADQL INTERSECTS(a, b): do the shapes share any point?"""
    if isinstance(a, Point):
        return contains(a, b)
    if isinstance(b, Point):
        return contains(b, a)
    if isinstance(a, Circle) and isinstance(b, Circle):
        return angle(a.centre, b.centre) <= a.radius + b.radius
    if isinstance(b, Circle):
        a, b = b, a
    if isinstance(a, Circle):  # b is a polygon
        return b.contains_vector(a.centre) or any(arc_distance(a.centre, p, q) <= a.radius for p, q in b.edges)
    return (any(b.contains_vector(v) for v in a.vertices) or any(a.contains_vector(v) for v in b.vertices)
            or _edges_cross(a, b))


def distance(a: Shape, b: Shape) -> float:
    if not (isinstance(a, Point) and isinstance(b, Point)):
        raise GeometryError("DISTANCE takes two POINTs")
    return angle(a.v, b.v)


# Shapes as SQLite values: a short text, parsed once per distinct value.

def encode(shape: Shape) -> str:
    if isinstance(shape, Point):
        return f"POINT {shape.frame} {shape.lon!r} {shape.lat!r}"
    if isinstance(shape, Circle):
        return f"CIRCLE {shape.frame} {shape.lon!r} {shape.lat!r} {shape.radius!r}"
    coords = " ".join(f"{x!r}" for v in shape.vertices for x in v)
    return f"POLYGON {shape.frame} {coords}"


@lru_cache(maxsize=4096)
def decode(text: str) -> Shape:
    if not isinstance(text, str):
        raise GeometryError(f"expected a geometry (POINT, CIRCLE, BOX, POLYGON), got {text!r}")
    kind, frame, *numbers = text.split(" ")
    values = [float(x) for x in numbers]
    if kind == "POINT":
        return Point(frame, *values)
    if kind == "CIRCLE":
        return Circle(frame, *values)
    if kind == "POLYGON":
        return Polygon(frame, tuple(tuple(values[i:i + 3]) for i in range(0, len(values), 3)))
    raise GeometryError(f"expected a geometry, got {text!r}")


def decode_or_error(value) -> Shape:
    try:
        return decode(value)
    except (ValueError, TypeError):
        raise GeometryError(f"expected a geometry (POINT, CIRCLE, BOX, POLYGON), got {value!r}") from None
