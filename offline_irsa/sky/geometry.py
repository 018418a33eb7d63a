"""Sphere geometry every survey and protocol shares: unit vectors, local frames, and the
convex spherical polygons (edges on great circles) that SIA v1's INTERSECT rules compare.

The search box of SIA v1 is drawn as IRSA's service draws it (irsa-recorded.md): the box of
the requested angular width (along east) and height (along north) centred on POS, in the
gnomonic (TAN) tangent plane at POS, where straight lines are great circles; an image is its
four corners joined by great circles.
"""

from __future__ import annotations

import math

import numpy as np

INTERSECT_RULES = ("OVERLAPS", "COVERS", "ENCLOSED", "CENTER")


def unit_vectors(ra, dec) -> np.ndarray:
    """Cartesian unit vectors (..., 3) for RA/Dec in degrees."""
    ra, dec = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def local_frame(ra, dec):
    """East, north and outward unit vectors at a sky position (each (..., 3))."""
    ra, dec = np.radians(ra), np.radians(dec)
    east = np.stack([-np.sin(ra), np.cos(ra), np.zeros_like(ra)], axis=-1)
    north = np.stack([-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), np.cos(dec)], axis=-1)
    return east, north, unit_vectors(np.degrees(ra), np.degrees(dec))


def to_radec(xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RA (0..360) and Dec in degrees of unit vectors (..., 3)."""
    ra = np.degrees(np.arctan2(xyz[..., 1], xyz[..., 0])) % 360.0
    return ra, np.degrees(np.arcsin(np.clip(xyz[..., 2], -1, 1)))


def region_corners(ra: float, dec: float, width: float, height: float) -> np.ndarray:
    """Unit vectors (4, 3) of the search box corners, counter-clockwise on the sky."""
    east, north, centre = local_frame(np.float64(ra), np.float64(dec))
    xi, eta = math.tan(math.radians(width / 2)), math.tan(math.radians(height / 2))
    corners = [centre + sx * xi * east + sy * eta * north for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    corners = np.array(corners)
    return corners / np.linalg.norm(corners, axis=-1, keepdims=True)


def edge_normals(corners: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Normals (..., 4, 3) of each polygon edge's great circle, pointing to the inside.

    A degenerate edge (zero-size region) gets a zero normal: it separates nothing.
    """
    normals = np.cross(corners, np.roll(corners, -1, axis=-2))
    sign = np.sign(np.einsum("...k,...k->...", normals, inside[..., None, :]))
    return normals * np.where(sign == 0, 1.0, sign)[..., None]


def contains(normals: np.ndarray, points: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """For polygons (n, 4, 3) and points (n, m, 3): is every point inside its polygon?"""
    return np.all(np.einsum("nek,nmk->nme", normals, points) >= -tol, axis=(-1, -2))


def _separated(normals: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Does some edge of each polygon have all of the other polygon's points outside?"""
    return np.any(np.all(np.einsum("nek,nmk->nem", normals, points) < 0, axis=-1), axis=-1)


def box_reach(ra: float, dec: float, width: float, height: float) -> float:
    """Degrees from POS to the search box's furthest corner."""
    box = region_corners(ra, dec, width, height)
    centre = local_frame(np.float64(ra), np.float64(dec))[2]
    return math.degrees(max(np.arccos(np.clip(box @ centre, -1, 1))))


def select(corners: np.ndarray, mids: np.ndarray, ra: float, dec: float, width: float, height: float,
           intersect: str) -> np.ndarray:
    """Indices of the images (corners (n, 4, 3), centres (n, 3)) meeting the box, nearest centre first."""
    if intersect not in INTERSECT_RULES:
        raise ValueError(f"INTERSECT must be one of {', '.join(INTERSECT_RULES)}")
    if len(corners) == 0 or (intersect == "ENCLOSED" and (width == 0 or height == 0)):
        return np.zeros(0, int)  # no image fits inside a point or a line
    box = region_corners(ra, dec, width, height)
    centre = local_frame(np.float64(ra), np.float64(dec))[2]
    tile_normals = edge_normals(corners, mids)
    box_normals = np.broadcast_to(edge_normals(box, centre), corners.shape)
    n = len(corners)
    boxes = np.broadcast_to(box, corners.shape)
    if intersect == "CENTER":
        keep = contains(tile_normals, np.broadcast_to(centre, (n, 1, 3)))
    elif intersect == "COVERS":
        keep = contains(tile_normals, boxes)
    elif intersect == "ENCLOSED":
        keep = contains(box_normals, corners)
    else:  # OVERLAPS: convex polygons meet unless an edge of one separates them
        keep = ~(_separated(tile_normals, boxes) | _separated(box_normals, corners))
    order = np.argsort(-(mids[keep] @ centre), kind="stable")
    return np.nonzero(keep)[0][order]
