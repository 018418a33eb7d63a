"""Which 2MASS atlas tiles meet a search region, under SIA v1's four INTERSECT rules.

Both the region and the tiles are convex spherical polygons whose edges are great
circles, as IRSA's SIA v1 service draws them (irsa-recorded.md): the region of interest
is the box of the requested angular width (along east) and height (along north) centred
on POS, drawn in the gnomonic (TAN) tangent plane at POS, where straight lines are great
circles; an image is its four corners joined by great circles. A tile's true edges are
straight in its own SIN projection; over a 17' image they differ from great circles by
under 0.003".
"""

from __future__ import annotations

from offline_irsa.sky.geometry import (  # noqa: F401  (region_corners: the tests read it here)
    INTERSECT_RULES,
    box_reach,
    region_corners,
    select,
    unit_vectors,
)
from offline_irsa.surveys.twomass.tiling import TILE_RADIUS_DEG, AtlasTile, tile_center, tile_corners, tiles_near


def find_tiles(ra: float, dec: float, width: float, height: float, intersect: str) -> list[AtlasTile]:
    """Tiles meeting the box (width x height degrees) at (ra, dec), nearest centre first."""
    if intersect not in INTERSECT_RULES:
        raise ValueError(f"INTERSECT must be one of {', '.join(INTERSECT_RULES)}")
    reach = box_reach(ra, dec, width, height) + TILE_RADIUS_DEG + 1e-6
    belt, scan, tile = tiles_near(ra, dec, reach)
    if belt.size == 0:
        return []
    kept = select(tile_corners(belt, scan, tile), unit_vectors(*tile_center(belt, scan, tile)),
                  ra, dec, width, height, intersect)
    return [AtlasTile(int(belt[i]), int(scan[i]), int(tile[i])) for i in kept]
