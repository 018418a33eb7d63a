"""A deterministic synthetic star catalogue covering the whole sky.

The sky is cut into cells (declination strips ``CELL_DEG`` high, each strip cut into
near-square cells in RA). Each cell's stars come from a random generator seeded by the
cell's indices alone, so any image that overlaps a cell sees exactly the same stars,
at the same positions, in every band. Star counts rise towards the Galactic plane;
H magnitudes follow a power-law count law; J-H and H-Ks colours scatter around
typical stellar values. Well-known stars join it where they are, and clusters and
star-forming regions add stars of their own (``known_objects``). None of this is 2MASS data.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from astropy.coordinates import SkyCoord

from offline_irsa.sky.geometry import unit_vectors
from offline_irsa.sky.known_objects import REGIONS, STARS
from offline_irsa.sky.nebulae import STAR_DTYPE, members_near

CELL_DEG = 0.25
N_STRIPS = int(round(180 / CELL_DEG))
SEED = 20_011_997
BRIGHTEST_H, FAINTEST_H = 5.0, 17.0
DENSITY_HIGH_LATITUDE = 2500.0  # stars per square degree to FAINTEST_H, far from the plane
PLANE_BOOST, PLANE_SCALE_DEG = 12.0, 8.0

def _placed() -> np.ndarray:
    """The well-known stars of ``known_objects`` as catalogue rows, built once."""
    named = np.array([star[1:] for star in STARS])
    placed = np.zeros(len(named), dtype=STAR_DTYPE)
    placed["ra"], placed["dec"], placed["h"] = named[:, 0], named[:, 1], named[:, 2]
    placed["j"], placed["k"] = named[:, 2] + named[:, 3], named[:, 2] - named[:, 4]
    return placed


PLACED = _placed()
_NGP = SkyCoord(l=0, b=90, unit="deg", frame="galactic").icrs.cartesian.xyz.value


def _cells_in_strip(strip: int) -> int:
    mid = -90 + (strip + 0.5) * CELL_DEG
    return max(1, round(360 * math.cos(math.radians(mid)) / CELL_DEG))


@lru_cache(maxsize=8192)
def cell_stars(strip: int, cell: int) -> np.ndarray:
    """Stars of one cell as a structured array (ra, dec, j, h, k)."""
    n_cells = _cells_in_strip(strip)
    south = math.radians(-90 + strip * CELL_DEG)
    north = math.radians(-90 + (strip + 1) * CELL_DEG)
    area = (math.sin(north) - math.sin(south)) * math.radians(360 / n_cells) * (180 / math.pi) ** 2
    rng = np.random.default_rng([SEED, strip, cell])
    mid_ra = (cell + 0.5) * 360 / n_cells
    mid_dec = math.degrees((south + north) / 2)
    latitude = math.degrees(math.asin(float(np.clip(unit_vectors(mid_ra, mid_dec) @ _NGP, -1, 1))))
    density = DENSITY_HIGH_LATITUDE * (1 + PLANE_BOOST * math.exp(-abs(latitude) / PLANE_SCALE_DEG))
    n = rng.poisson(density * area)
    stars = np.zeros(n, dtype=STAR_DTYPE)
    stars["ra"] = (cell + rng.random(n)) * 360 / n_cells
    stars["dec"] = np.degrees(np.arcsin(np.sin(south) + rng.random(n) * (np.sin(north) - np.sin(south))))
    lo, hi = 10 ** (0.3 * BRIGHTEST_H), 10 ** (0.3 * FAINTEST_H)  # N(<m) ~ 10^(0.3 m)
    stars["h"] = np.log10(lo + rng.random(n) * (hi - lo)) / 0.3
    stars["j"] = stars["h"] + np.clip(rng.normal(0.55, 0.15, n), 0.0, 1.2)
    stars["k"] = stars["h"] - np.clip(rng.normal(0.15, 0.08, n), -0.1, 0.6)
    return stars


def stars_near(ra: float, dec: float, radius: float) -> np.ndarray:
    """All catalogue stars within ``radius`` degrees of (ra, dec), plus named sources and young embedded stars."""
    lo, hi = dec - radius, dec + radius
    first = max(0, math.floor((lo + 90) / CELL_DEG))
    last = min(N_STRIPS - 1, math.floor((hi + 90) / CELL_DEG))
    parts = []
    for strip in range(first, last + 1):
        n_cells = _cells_in_strip(strip)
        edge = max(abs(-90 + strip * CELL_DEG), abs(-90 + (strip + 1) * CELL_DEG))
        if edge >= 90 - radius or radius >= 90:
            cells = range(n_cells)
        else:
            half = math.degrees(math.asin(min(1.0, math.sin(math.radians(radius)) / math.cos(math.radians(edge)))))
            a, b = math.floor((ra - half) * n_cells / 360), math.floor((ra + half) * n_cells / 360)
            cells = sorted({c % n_cells for c in range(a, b + 1)})
        parts.extend(cell_stars(strip, c) for c in cells)
    stars = np.concatenate(parts + [PLACED, members_near(ra, dec, radius, REGIONS)])
    close = unit_vectors(stars["ra"], stars["dec"]) @ unit_vectors(ra, dec) >= math.cos(math.radians(radius))
    return stars[close]
