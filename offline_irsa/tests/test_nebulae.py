"""Star-forming regions on the synthetic sky: one glow in every band and image, young stars reddened by dust."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from offline_irsa.sky import nebulae
from offline_irsa.sky.known_objects import REGIONS
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.twomass import render
from offline_irsa.surveys.twomass.bands import BANDS
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.tiling import AtlasTile

from .conftest import TARGET, geometry_wcs
from .test_images import measure

ORION = nebulae.ORION
CENTRE = SkyCoord(ORION.ra, ORION.dec, unit="deg")
ORION_TILE = find_tiles(ORION.ra, ORION.dec, 0, 0, "CENTER")[0]


def glow(tile: AtlasTile, band: str) -> np.ndarray:
    return nebulae.emission_dn(geometry_wcs(tile), (tile.naxis2, 512), band, render.magzp(tile, band), REGIONS)


def test_the_glow_has_one_shape_in_every_band():
    maps = {band: glow(ORION_TILE, band) for band in BANDS}
    assert all(m is not None and m.shape == (1024, 512) for m in maps.values())
    shape = maps["h"] / maps["h"].max()
    for band in "jk":
        assert np.allclose(maps[band] / maps[band].max(), shape, rtol=1e-9, atol=0)
        # ... and its brightness is the region's surface brightness through the image's zero point
        ratio = 10 ** (0.4 * ((render.magzp(ORION_TILE, band) - ORION.peak_mag_arcsec2[band])
                              - (render.magzp(ORION_TILE, "h") - ORION.peak_mag_arcsec2["h"])))
        assert maps[band].max() / maps["h"].max() == pytest.approx(ratio, rel=1e-6)
    x, y = (float(v) for v in geometry_wcs(ORION_TILE).world_to_pixel(CENTRE))
    assert np.hypot(*(np.subtract(np.unravel_index(maps["h"].argmax(), shape.shape)[::-1], (x, y)))) < 40
    assert maps["h"].max() > 20 * BANDS["h"].noise  # plainly visible ...
    assert maps["h"].max() < BANDS["h"].background  # ... yet fainter than the sky, so stars show through it


def test_the_glow_is_in_the_served_pixels():
    for band in BANDS:
        data = render.pixels(ORION_TILE, band)
        expected = glow(ORION_TILE, band)
        lit = expected > 10 * BANDS[band].noise
        excess = data[lit] - BANDS[band].background - expected[lit]
        assert lit.sum() > 20_000
        assert np.nanmedian(excess) == pytest.approx(0, abs=0.5 * BANDS[band].noise)  # stars push it up a little


def test_overlapping_images_see_the_same_glow_at_the_same_place():
    pairs = [(a, b) for a in find_tiles(ORION.ra, ORION.dec, 0.2, 0.2, "OVERLAPS")
             for b in find_tiles(ORION.ra, ORION.dec, 0.2, 0.2, "OVERLAPS") if a.scan < b.scan or a.tile < b.tile]
    checked = 0
    for a, b in pairs:
        wa, wb = geometry_wcs(a), geometry_wcs(b)
        ys, xs = np.mgrid[0:a.naxis2:16, 0:512:16]
        sky = wa.pixel_to_world(xs.ravel(), ys.ravel())
        xb, yb = wb.world_to_pixel(sky)
        inside = (xb > 0) & (xb < 511) & (yb > 0) & (yb < b.naxis2 - 1)
        if inside.sum() < 50:
            continue
        ga, gb = glow(a, "k"), glow(b, "k")
        if ga is None or gb is None:
            continue
        # surface brightness: DN divided by the image's own zero-point factor
        seen_a = ga[ys.ravel()[inside], xs.ravel()[inside]] / 10 ** (0.4 * render.magzp(a, "k"))
        seen_b = gb[np.round(yb[inside]).astype(int), np.round(xb[inside]).astype(int)] / 10 ** (
            0.4 * render.magzp(b, "k"))
        assert np.allclose(seen_a, seen_b, rtol=0.02, atol=0.02 * seen_a.max())  # half a pixel of rounding
        checked += 1
    assert checked >= 2


def test_far_from_every_region_nothing_changes():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    assert glow(tile, "h") is None
    assert len(nebulae.members_near(*TARGET, 5.0, REGIONS)) == 0


def test_young_stars_are_fixed_reddened_and_in_the_catalogue():
    stars = nebulae.members(ORION)
    assert len(stars) == ORION.n_members + len(ORION.bright_members)
    assert np.array_equal(stars, nebulae.members(ORION))
    assert np.all(CENTRE.separation(SkyCoord(stars["ra"], stars["dec"], unit="deg")).deg < ORION.extent_deg)
    catalogue = stars_near(ORION.ra, ORION.dec, 0.1)
    field = catalogue[~np.isin(catalogue["ra"], stars["ra"])]
    assert np.isin(stars["ra"], catalogue["ra"]).all()
    # Seen through dust, they are redder than the field stars around them, along the reddening law.
    excess_jh = np.median(stars["j"] - stars["h"]) - np.median(field["j"] - field["h"])
    excess_hk = np.median(stars["h"] - stars["k"]) - np.median(field["h"] - field["k"])
    assert excess_jh > 0.5 and excess_hk > 0.3
    law = (0.282 - 0.175) / (0.175 - 0.112)
    assert (excess_jh / excess_hk) == pytest.approx(law, rel=0.35)  # intrinsic colours differ too


def test_young_stars_have_their_colours_in_the_pixels():
    wcs = geometry_wcs(ORION_TILE)
    # The glow is checked above; taken away here, so that its gradients do not upset the photometry.
    images = {band: render.pixels(ORION_TILE, band) - glow(ORION_TILE, band) for band in BANDS}
    stars = nebulae.members(ORION)
    everything = stars_near(ORION.ra, ORION.dec, 0.15)
    others = SkyCoord(everything["ra"], everything["dec"], unit="deg")
    measured = 0
    for star in stars[(stars["h"] > 9.5) & (stars["h"] < 13) & (stars["j"] < 14)]:
        here = SkyCoord(star["ra"], star["dec"], unit="deg")
        if np.sum(here.separation(others).arcsec < 12) > 1:
            continue  # a neighbour would spoil the photometry
        x, y = (float(v) for v in wcs.world_to_pixel(here))
        if not (20 < x < 491 and 20 < y < 1003):
            continue
        mags = {b: render.magzp(ORION_TILE, b) - 2.5 * np.log10(measure(images[b], x, y)[2]) for b in BANDS}
        assert mags["j"] - mags["h"] == pytest.approx(star["j"] - star["h"], abs=0.1)
        assert mags["h"] - mags["k"] == pytest.approx(star["h"] - star["k"], abs=0.1)
        measured += 1
    assert measured >= 3
