"""Well-known objects are drawn where they are: the tutorials' targets show in the synthetic sky."""

from __future__ import annotations

import math
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table

from offline_irsa.sky import known_objects, nebulae
from offline_irsa.surveys.twomass import render
from offline_irsa.surveys.twomass.bands import BANDS
from offline_irsa.surveys.twomass.regions import find_tiles

from .conftest import geometry_wcs

TARGETS = Path(__file__).resolve().parents[2] / "notebooks" / "2mass-cutout-targets.ecsv"
BLANK = {"Pleiades"}  # its conventional centre is empty sky, live too
ELSEWHERE = {"Trapezium": nebulae.ORION}  # the colour tutorial's region


def placed() -> dict[str, tuple[float, float]]:
    objects = {s[0]: (s[1], s[2]) for s in known_objects.STARS}
    objects |= {r.name: (r.ra, r.dec) for r in known_objects.REGIONS}
    objects |= {name: (region.ra, region.dec) for name, region in ELSEWHERE.items()}
    return objects


def targets() -> list[tuple[str, SkyCoord]]:
    table = Table.read(TARGETS)
    return [(str(row["name"]), SkyCoord(row["ra"], row["dec"], unit=(u.hourangle, u.deg))) for row in table]


def centre_excess(position: SkyCoord, band: str = "h", half: int = 3) -> float:
    """Median of the (2 half)² pixels around ``position`` in the nearest image holding it, above the sky."""
    tile = find_tiles(position.ra.deg, position.dec.deg, 0, 0, "CENTER")[0]
    x, y = (int(round(float(v))) for v in geometry_wcs(tile).world_to_pixel(position))
    data = render.pixels(tile, band)
    return float(np.nanmedian(data[y - half:y + half, x - half:x + half])) - BANDS[band].background


def test_every_target_of_the_cutouts_tutorial_is_placed_at_its_position():
    objects = placed()
    for name, position in targets():
        if name in BLANK:
            assert name not in objects
            continue
        assert name in objects, f"{name} is in the tutorial's list but not drawn"
        ra, dec = objects[name]
        assert position.separation(SkyCoord(ra, dec, unit="deg")) < 0.1 * u.arcsec, name


@pytest.mark.parametrize("name, position", targets(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_target_shows_at_the_centre_of_its_image(name, position):
    excess = centre_excess(position)
    if name in BLANK:
        assert excess < 5 * BANDS["h"].noise
    else:
        assert excess > 30 * BANDS["h"].noise, (name, excess)


def test_the_brightest_stars_saturate_with_no_square_edge_around_them():
    betelgeuse = [s for s in known_objects.STARS if s[0] == "Betelgeuse"][0]
    position = SkyCoord(*betelgeuse[1:3], unit="deg")
    tile = find_tiles(position.ra.deg, position.dec.deg, 0, 0, "CENTER")[0]
    x, y = (float(v) for v in geometry_wcs(tile).world_to_pixel(position))
    for band in BANDS:
        data = render.pixels(tile, band)
        assert data[int(round(y)), int(round(x))] == pytest.approx(render.saturation(band))
        gy, gx = np.mgrid[0:data.shape[0], 0:data.shape[1]]
        r = np.hypot(gx - x, gy - y)
        flux = 10 ** (0.4 * (render.magzp(tile, band) - (betelgeuse[3] + {"j": betelgeuse[4], "h": 0,
                                                                            "k": -betelgeuse[5]}[band])))
        edge = render.stamp_radius(flux, render.fwhm_px(tile), BANDS[band].noise)
        inside = np.nanmedian(data[(r > edge - 6) & (r < edge - 1)])
        outside = np.nanmedian(data[(r > edge + 1) & (r < edge + 6)])
        assert abs(inside - outside) < 0.3 * BANDS[band].noise, band


def test_a_stamp_ends_where_the_star_is_under_a_tenth_of_the_noise():
    fwhm = 3.0
    alpha, norm = render._moffat(fwhm)
    for h in (-4.5, -2.0, 1.0, 2.5):
        flux = 10 ** (0.4 * (BANDS["h"].magzp - h))
        r = render.stamp_radius(flux, fwhm, BANDS["h"].noise)
        assert r <= render.MAX_STAMP_PX
        assert flux * norm * (1 + (r / alpha) ** 2) ** -render.MOFFAT_BETA < 0.1 * BANDS["h"].noise


def test_cluster_giants_are_reddened_by_the_clusters_own_dust_and_galaxies_have_no_stars_of_their_own():
    m4 = [r for r in known_objects.CLUSTERS if r.name == "M4"][0]
    giants = nebulae.members(m4)
    assert len(giants) == m4.n_members
    av = m4.av_median
    excess = (giants["j"] - giants["h"]) - m4.member_colours[0]
    expected = (nebulae.EXTINCTION_PER_AV["j"] - nebulae.EXTINCTION_PER_AV["h"]) * av
    assert np.median(excess) == pytest.approx(expected, abs=0.02)
    assert giants["h"].min() >= m4.brightest_h0 + nebulae.EXTINCTION_PER_AV["h"] * av - 1e-4
    for galaxy in known_objects.GALAXIES:
        assert len(nebulae.members_near(galaxy.ra, galaxy.dec, 0.1, (galaxy,))) == 0
        assert math.isclose(max(p.weight for p in galaxy.patches), 1.0)
