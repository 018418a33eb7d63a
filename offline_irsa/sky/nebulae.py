"""Extended objects on the synthetic sky, and the star-forming region of the colour tutorial.

A ``Region`` is anything larger than a star: a glow (elliptical Gaussian patches) and stars of
its own. ``known_objects`` uses it for clusters and galaxies and gathers every region in
``known_objects.REGIONS``, which the renderer passes to ``emission_dn`` and ``members_near``.

The random catalogue (``stars``) looks the same everywhere, so a colour picture of it shows
nothing a reader could learn from. The colour tutorial looks at the Orion Nebula cluster
(the Trapezium, in M42). Near it, and only there, this module adds:

* **nebular emission**: a few elliptical Gaussian patches defined on the sky (offsets in
  arcsec east and north of the region's centre), so every image that overlaps them sees
  the same glow at the same place. Its shape is the same in J, H and Ks; only its
  brightness differs, set per band as a surface brightness in mag/arcsec², so it has one
  colour in every band's image and turns into DN through each image's own zero point;
* **an embedded cluster**: young stars drawn once from a seeded generator (a Plummer
  profile around the centre, a power law in magnitude), each seen through its own amount
  of dust, A_V, and reddened by the near-infrared extinction law of Rieke & Lebofsky
  (1985): A_J, A_H, A_K = 0.282, 0.175, 0.112 A_V. They join the catalogue, so they are
  the same stars in every band and every overlapping image; four bright, lightly reddened
  stars stand in for the Trapezium itself.

The shapes, brightnesses and numbers are our choices, made so that the picture teaches what
real near-infrared colour pictures of such regions show (reddened stars, a nebula); they are
not a model of the real Orion Nebula and say nothing about it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from astropy.wcs import WCS

from offline_irsa.sky.colours import surface_brightness
from offline_irsa.sky.geometry import unit_vectors

EXTINCTION_PER_AV = {"j": 0.282, "h": 0.175, "k": 0.112}  # A_band / A_V, Rieke & Lebofsky 1985
STAR_DTYPE = [("ra", "f8"), ("dec", "f8"), ("j", "f4"), ("h", "f4"), ("k", "f4")]


@dataclass(frozen=True)
class Patch:
    """One elliptical Gaussian of emission: centre offset (arcsec east, north), sigmas, angle, weight."""

    east: float
    north: float
    sigma_major: float  # arcsec
    sigma_minor: float  # arcsec
    angle: float  # degrees, major axis east of north
    weight: float  # peak, relative to the region's peak surface brightness


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: each region is one object
class Region:
    """A star-forming region: where it is, how its gas glows, and its young cluster."""

    name: str
    ra: float  # degrees, the region's centre
    dec: float
    peak_mag_arcsec2: dict[str, float]  # surface brightness of weight 1, per band
    patches: tuple[Patch, ...]
    # Its own stars (none for a galaxy): how many, how spread, how bright, through how much dust.
    n_members: int = 0
    plummer_arcsec: float = 0.0
    faintest_h0: float = 9.0  # members' unreddened H magnitudes run from brightest_h0 to this
    av_median: float = 0.0
    av_spread: float = 0.0
    bright_members: tuple[tuple[float, float, float, float], ...] = ()  # east, north (arcsec), H0, A_V
    seed: int = 0
    brightest_h0: float = 9.0
    av_min: float = 1.0  # members are seen through at least this much dust
    member_colours: tuple[float, float] = (0.65, 0.25)  # unreddened J-H and H-Ks: young low-mass stars

    @property
    def extent_deg(self) -> float:
        """No patch or member lies further than this from the centre (its patches at 4 sigma)."""
        far = max(math.hypot(p.east, p.north) + 4 * p.sigma_major for p in self.patches)
        return max(far, 8 * self.plummer_arcsec) / 3600


# The Trapezium: theta1 Ori C (SIMBAD, ICRS J2000: 05 35 16.46 -05 23 22.8). Everything else is invented.
ORION = Region(
    name="Orion Nebula cluster (M42)",
    ra=83.818596, dec=-5.389681,
    # A glow of J-H 0.0 and H-Ks 0.4 (gas glowing in lines and hot dust), at its peak a few
    # times fainter than the sky in H and Ks, so that stars stay visible through it.
    peak_mag_arcsec2={"j": 15.3, "h": 15.3, "k": 14.9},
    patches=(
        Patch(-10, 5, 45, 35, 30, 1.0),  # the bright core around the cluster
        Patch(0, 0, 160, 120, 20, 0.25),  # a wide, faint halo
        Patch(60, -95, 45, 10, 55, 0.55),  # a bright bar to the south-east
        Patch(-80, 120, 40, 25, -20, 0.35),  # a knot to the north-west
    ),
    n_members=320, plummer_arcsec=70.0, faintest_h0=15.5, av_median=6.0, av_spread=4.0,
    bright_members=((0.0, 0.0, 4.9, 1.8), (-9.0, 4.0, 6.2, 1.5), (-3.5, 9.0, 6.8, 2.0), (7.5, -3.0, 6.0, 1.6)),
    seed=1_054_042,
)


def _offsets_arcsec(ra, dec, region: Region) -> tuple[np.ndarray, np.ndarray]:
    """East and north offsets (arcsec, gnomonic) of sky positions from the region's centre."""
    centre = unit_vectors(region.ra, region.dec)
    east = np.array([-math.sin(math.radians(region.ra)), math.cos(math.radians(region.ra)), 0.0])
    north = np.cross(centre, east)
    v = unit_vectors(ra, dec)
    depth = v @ centre
    scale = math.degrees(1) * 3600
    return v @ east / depth * scale, v @ north / depth * scale


def _on_sky(east: np.ndarray, north: np.ndarray, region: Region) -> tuple[np.ndarray, np.ndarray]:
    """RA and Dec (degrees) of gnomonic offsets (arcsec) from the region's centre; inverse of _offsets_arcsec."""
    scale = math.radians(1 / 3600)
    centre = unit_vectors(region.ra, region.dec)
    e = np.array([-math.sin(math.radians(region.ra)), math.cos(math.radians(region.ra)), 0.0])
    n = np.cross(centre, e)
    v = centre + (east * scale)[:, None] * e + (north * scale)[:, None] * n
    v /= np.linalg.norm(v, axis=1)[:, None]
    return np.degrees(np.arctan2(v[:, 1], v[:, 0])) % 360, np.degrees(np.arcsin(np.clip(v[:, 2], -1, 1)))


def profile(region: Region, east: np.ndarray, north: np.ndarray) -> np.ndarray:
    """Relative surface brightness (peak weight 1) at the given offsets, the same for every band."""
    total = np.zeros(np.broadcast(east, north).shape)
    for p in region.patches:
        a = math.radians(p.angle)
        de, dn = east - p.east, north - p.north
        along = de * math.sin(a) + dn * math.cos(a)
        across = de * math.cos(a) - dn * math.sin(a)
        total += p.weight * np.exp(-0.5 * ((along / p.sigma_major) ** 2 + (across / p.sigma_minor) ** 2))
    return total


def _near(region: Region, ra: float, dec: float, radius: float) -> bool:
    limit = math.cos(math.radians(min(180.0, radius + region.extent_deg)))
    return float(unit_vectors(ra, dec) @ unit_vectors(region.ra, region.dec)) >= limit


def emission_dn(wcs: WCS, shape: tuple[int, int], band: str, zero_point: float,
                regions: tuple[Region, ...]) -> np.ndarray | None:
    """The regions' glow (DN per pixel) on an image's pixel grid, or None when none of them is near it."""
    centre = wcs.all_pix2world([[(shape[1] - 1) / 2, (shape[0] - 1) / 2]], 0)[0]
    # No pixel is further from the centre than the half-diagonal (any survey's image or patch).
    reach = math.hypot(*shape) / 2 * float(np.max(np.abs(np.diag(wcs.pixel_scale_matrix)))) * 1.01
    regions = [r for r in regions if _near(r, float(centre[0]), float(centre[1]), reach)]
    if not regions:
        return None
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    ra, dec = wcs.all_pix2world(xs.ravel(), ys.ravel(), 0)
    pixel_area = abs(np.linalg.det(wcs.pixel_scale_matrix)) * 3600**2  # arcsec^2
    total = np.zeros(ra.shape)
    for region in regions:
        east, north = _offsets_arcsec(ra, dec, region)
        per_pixel = 10 ** (0.4 * (zero_point - surface_brightness(region.peak_mag_arcsec2, band))) * pixel_area
        total += per_pixel * profile(region, east, north)
    return total.reshape(shape)


@cache
def members(region: Region) -> np.ndarray:
    """The region's own stars (ra, dec, j, h, k), reddened, drawn once from its seed."""
    rng = np.random.default_rng(region.seed)
    n = region.n_members
    # Plummer profile: radius r = a / sqrt(u^(-2/3) - 1), uniform position angle.
    # Cut at 90% of the mass (3.7 Plummer radii), so that the cluster ends within extent_deg.
    r = region.plummer_arcsec / np.sqrt(rng.uniform(1e-6, 0.9, n) ** (-2 / 3) - 1)
    theta = rng.uniform(0, 2 * math.pi, n)
    lo, hi = 10 ** (0.3 * region.brightest_h0), 10 ** (0.3 * region.faintest_h0)
    h0 = np.log10(lo + rng.random(n) * (hi - lo)) / 0.3
    av = np.clip(rng.normal(region.av_median, region.av_spread, n), region.av_min, 25.0)
    j_h0 = rng.normal(region.member_colours[0], 0.08, n)
    h_k0 = rng.normal(region.member_colours[1], 0.10, n)  # young stars: some with warm discs
    east, north = r * np.sin(theta), r * np.cos(theta)
    bright = np.array(region.bright_members, dtype=float).reshape(-1, 4)
    east, north = np.concatenate([bright[:, 0], east]), np.concatenate([bright[:, 1], north])
    h0 = np.concatenate([bright[:, 2], h0])
    av = np.concatenate([bright[:, 3], av])
    j_h0 = np.concatenate([np.full(len(bright), -0.05), j_h0])  # hot massive stars: colours near zero
    h_k0 = np.concatenate([np.full(len(bright), -0.03), h_k0])
    stars = np.zeros(len(h0), dtype=STAR_DTYPE)
    stars["ra"], stars["dec"] = _on_sky(east, north, region)
    stars["h"] = h0 + EXTINCTION_PER_AV["h"] * av
    stars["j"] = h0 + j_h0 + EXTINCTION_PER_AV["j"] * av
    stars["k"] = h0 - h_k0 + EXTINCTION_PER_AV["k"] * av
    return stars


def members_near(ra: float, dec: float, radius: float, regions: tuple[Region, ...]) -> np.ndarray:
    """The regions' own stars within ``radius`` degrees of (ra, dec)."""
    found = [members(r) for r in regions if _near(r, ra, dec, radius)]
    if not found:
        return np.zeros(0, dtype=STAR_DTYPE)
    stars = np.concatenate(found)
    close = unit_vectors(stars["ra"], stars["dec"]) @ unit_vectors(ra, dec) >= math.cos(math.radians(radius))
    return stars[close]
