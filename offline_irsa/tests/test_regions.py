"""INTERSECT semantics, checked with astropy's WCS of every image against a brute-force search.

For each position and box, every image the search returns must meet the rule (judged in
the image's own pixels and in the box's tangent plane), and every image of the
neighbourhood that clearly meets it must be returned. The neighbourhood is enumerated
from whole declination belts, independently of the search's own pruning.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from offline_irsa.surveys.twomass import tiling
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.tiling import AtlasTile

from .conftest import geometry_wcs, sky_positions

TOL_PX = 0.01  # our edges are great circles, the images' are SIN-straight: < 0.003" apart
SAMPLE_STEP_ARCSEC = 16.0


def box_wcs(ra, dec):
    """A TAN projection at the box centre whose pixel coordinates are tangent-plane degrees."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [1, 1]  # FITS pixels are 1-based: 0-based pixel (0, 0) is the centre
    w.wcs.cdelt = [1, 1]
    return w


def box_samples(ra, dec, width, height, n=41):
    """Sky points on a grid over the box (its boundary included)."""
    hx = math.degrees(math.tan(math.radians(width / 2)))
    hy = math.degrees(math.tan(math.radians(height / 2)))
    gx, gy = np.meshgrid(np.linspace(-hx, hx, n), np.linspace(-hy, hy, n))
    return box_wcs(ra, dec).pixel_to_world(gx.ravel(), gy.ravel()), (hx, hy)


def outside_box(points, ra, dec, half):
    """How far (tangent-plane degrees) each point is outside the box; <= 0 inside."""
    x, y = box_wcs(ra, dec).world_to_pixel(points)
    return np.maximum(np.abs(x) - half[0], np.abs(y) - half[1])


def outside_tile(wcs, naxis2, points):
    """How far (pixels) each point is outside the image; <= 0 inside."""
    x, y = wcs.world_to_pixel(points)
    return np.maximum(np.maximum(-0.5 - x, x - 511.5), np.maximum(-0.5 - y, y - (naxis2 - 0.5)))


def tile_boundary(wcs, naxis2):
    n1, n2 = int(512 / SAMPLE_STEP_ARCSEC), int(naxis2 / SAMPLE_STEP_ARCSEC)
    xs = np.concatenate([np.linspace(-0.5, 511.5, n1), np.full(n2, 511.5), np.linspace(511.5, -0.5, n1),
                         np.full(n2, -0.5)])
    ys = np.concatenate([np.full(n1, -0.5), np.linspace(-0.5, naxis2 - 0.5, n2), np.full(n1, naxis2 - 0.5),
                         np.linspace(naxis2 - 0.5, -0.5, n2)])
    return wcs.pixel_to_world(xs, ys)


def neighbourhood(ra, dec, radius):
    """Every tile whose centre is within radius degrees, from whole belts (no RA pruning)."""
    found = []
    centre = tiling.unit_vectors(ra, dec)
    for belt in range(tiling.N_BELTS):
        south = -90 + 6 * belt
        if dec + radius < south - 1 or dec - radius > south + 7:
            continue
        scan, tile = np.meshgrid(np.arange(tiling.SCANS_PER_BELT[belt]), np.arange(23), indexing="ij")
        cra, cdec = tiling.tile_center(belt, scan.ravel(), tile.ravel())
        near = tiling.unit_vectors(cra, cdec) @ centre > math.cos(math.radians(radius))
        found += [AtlasTile(belt, int(s), int(t)) for s, t in zip(scan.ravel()[near], tile.ravel()[near], strict=True)]
    return found


def judge(ra, dec, width, height, tile):
    """(clearly meets, could meet) the rules for one tile, as a dict per INTERSECT."""
    wcs = geometry_wcs(tile)
    grid, half = box_samples(ra, dec, width, height)
    centre = SkyCoord(ra, dec, unit="deg")
    edge = tile_boundary(wcs, tile.naxis2)
    box_out = outside_tile(wcs, tile.naxis2, grid)  # box points vs the image, pixels
    tile_out = outside_box(edge, ra, dec, half) * 3600  # image edge vs the box, arcsec-ish
    centre_out = outside_tile(wcs, tile.naxis2, centre)
    step = SAMPLE_STEP_ARCSEC
    return {
        "CENTER": (centre_out < -TOL_PX, centre_out <= TOL_PX),
        "COVERS": (box_out.max() < -TOL_PX, box_out.max() <= TOL_PX),
        "ENCLOSED": (tile_out.max() < -TOL_PX, tile_out.max() <= TOL_PX),
        "OVERLAPS": (box_out.min() < -TOL_PX or tile_out.min() < -TOL_PX,
                     box_out.min() <= step or tile_out.min() <= step),
    }


CASES = [(ra, dec, w, h) for (ra, dec) in sky_positions(8, seed=5)
         for (w, h) in [(0, 0), (0.01, 0.01), (0.3, 0.1), (0.5, 0.5)]]


@pytest.mark.parametrize("ra, dec, width, height", CASES)
def test_intersect_rules(ra, dec, width, height):
    reach = math.hypot(width, height) / 2 + tiling.TILE_RADIUS_DEG + 0.01
    candidates = neighbourhood(ra, dec, reach)
    verdicts = {tile: judge(ra, dec, width, height, tile) for tile in candidates}
    for rule in ("CENTER", "COVERS", "ENCLOSED", "OVERLAPS"):
        returned = find_tiles(ra, dec, width, height, rule)
        assert len(set(returned)) == len(returned)
        for tile in returned:
            assert tile in verdicts, f"{rule}: {tile} returned but far from the box"
            assert verdicts[tile][rule][1], f"{rule}: {tile} returned but does not meet the rule"
        missing = [t for t, v in verdicts.items() if v[rule][0] and t not in returned]
        assert not missing, f"{rule}: {missing[:3]} meet the rule but were not returned"
    if width == height == 0:
        assert find_tiles(ra, dec, 0, 0, "ENCLOSED") == []
        assert find_tiles(ra, dec, 0, 0, "CENTER") == find_tiles(ra, dec, 0, 0, "OVERLAPS")


def test_nearest_image_comes_first():
    found = find_tiles(120.0, -33.0, 0.2, 0.2, "OVERLAPS")
    sep = [SkyCoord(*t.center, unit="deg").separation(SkyCoord(120.0, -33.0, unit="deg")).deg for t in found]
    assert len(found) > 5 and sep == sorted(sep)


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="INTERSECT"):
        find_tiles(0, 0, 0.1, 0.1, "NEARBY")
