"""Which atlas tiles meet a search region, under SIA v1's four INTERSECT rules.

Both the region and the tiles are convex spherical polygons whose edges are great
circles, as IRSA's SIA v1 service draws them (irsa-recorded.md): the region of interest
is the box of the requested angular width (along east) and height (along north) centred
on POS, drawn in the gnomonic (TAN) tangent plane at POS, where straight lines are great
circles; an image is its four corners joined by great circles. A tile's true edges are
straight in its own SIN projection; over a 17' image they differ from great circles by
under 0.003".
"""

from __future__ import annotations

import math

import numpy as np

from offline_irsa.sky.tiling import (
    TILE_RADIUS_DEG,
    AtlasTile,
    local_frame,
    tile_center,
    tile_corners,
    tiles_near,
    unit_vectors,
)

INTERSECT_RULES = ("OVERLAPS", "COVERS", "ENCLOSED", "CENTER")


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


def find_tiles(ra: float, dec: float, width: float, height: float, intersect: str) -> list[AtlasTile]:
    """Tiles meeting the box (width x height degrees) at (ra, dec), nearest centre first."""
    if intersect not in INTERSECT_RULES:
        raise ValueError(f"INTERSECT must be one of {', '.join(INTERSECT_RULES)}")
    if intersect == "ENCLOSED" and (width == 0 or height == 0):
        return []  # no image fits inside a point or a line
    box = region_corners(ra, dec, width, height)
    centre = local_frame(np.float64(ra), np.float64(dec))[2]
    reach = math.degrees(max(np.arccos(np.clip(box @ centre, -1, 1)))) + TILE_RADIUS_DEG + 1e-6
    belt, scan, tile = tiles_near(ra, dec, reach)
    if belt.size == 0:
        return []
    tiles = tile_corners(belt, scan, tile)  # (n, 4, 3)
    tile_mid = unit_vectors(*tile_center(belt, scan, tile))
    tile_normals = edge_normals(tiles, tile_mid)
    box_normals = np.broadcast_to(edge_normals(box, centre), tiles.shape)
    n = len(tiles)
    boxes = np.broadcast_to(box, tiles.shape)
    if intersect == "CENTER":
        keep = contains(tile_normals, np.broadcast_to(centre, (n, 1, 3)))
    elif intersect == "COVERS":
        keep = contains(tile_normals, boxes)
    elif intersect == "ENCLOSED":
        keep = contains(box_normals, tiles)
    else:  # OVERLAPS: convex polygons meet unless an edge of one separates them
        keep = ~(_separated(tile_normals, boxes) | _separated(box_normals, tiles))
    order = np.argsort(-(tile_mid[keep] @ centre), kind="stable")
    kept = np.nonzero(keep)[0][order]
    return [AtlasTile(int(belt[i]), int(scan[i]), int(tile[i])) for i in kept]
