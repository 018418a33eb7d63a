"""Synthetic atlas images: headers, bands on one grid, the same stars wherever they appear."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.twomass import render
from offline_irsa.surveys.twomass.bands import BANDS
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.tiling import AtlasTile

from .conftest import TARGET, geometry_wcs

# Neighbours in the Galactic plane (RA 280, Dec -3), where bright stars are common: along one
# scan, across two scans, and across the equator's belt boundary.
_PLANE = find_tiles(280.0, -3.0, 0, 0, "CENTER")[0]
_ALONG = [(AtlasTile(14, _PLANE.scan, t), AtlasTile(14, _PLANE.scan, t + 1)) for t in range(4, 21)]
PAIRS = [
    _ALONG,
    [(_PLANE, AtlasTile(_PLANE.belt, _PLANE.scan + 1, _PLANE.tile))],
    [(AtlasTile(14, _PLANE.scan, 22), AtlasTile(15, _PLANE.scan, 0))],
]


def measure(data, x, y, r=7):
    """Background-subtracted flux-weighted centroid and aperture sum around a pixel."""
    xi, yi = int(round(float(x))), int(round(float(y)))
    patch = data[yi - r:yi + r + 1, xi - r:xi + r + 1].astype(float)
    patch = patch - np.nanmedian(data[max(0, yi - 3 * r):yi + 3 * r, max(0, xi - 3 * r):xi + 3 * r])
    gy, gx = np.mgrid[yi - r:yi + r + 1, xi - r:xi + r + 1]
    total = patch.sum()
    return (gx * patch).sum() / total, (gy * patch).sum() / total, total


def measurable_stars(tile, other=None, margin=8):
    """Catalogue stars, bright but unsaturated, isolated, well inside the tile (and the other one)."""
    everything = stars_near(*tile.center, 0.3)
    stars = everything[(everything["h"] > 9) & (everything["h"] < 11.5)]
    near = SkyCoord(stars["ra"], stars["dec"], unit="deg")
    others = SkyCoord(everything["ra"], everything["dec"], unit="deg")
    isolated = [
        np.sum((near[i].separation(others).arcsec < 12) & (everything["h"] < star["h"] + 4)) == 1
        for i, star in enumerate(stars)
    ]
    stars = stars[np.array(isolated, bool)]
    keep = np.ones(len(stars), bool)
    for t in [tile] + ([other] if other else []):
        x, y = geometry_wcs(t).world_to_pixel(SkyCoord(stars["ra"], stars["dec"], unit="deg"))
        edge = margin + render.NAN_EDGE_COLUMNS
        keep &= (x > edge) & (x < 511 - edge) & (y > margin) & (y < t.naxis2 - 1 - margin)
    return stars[keep]


def test_header_says_what_it_is():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    hdr = render.atlas_image(tile, "h").header
    assert hdr["SYNTHETC"] is True and "synthetic" in hdr.comments["SYNTHETC"]
    assert any("SYNTHETIC" in str(c) for c in hdr["COMMENT"])
    assert hdr["ORIGIN"] == "2MASS" and hdr["FILTER"] == "h"
    assert (hdr["ORDATE"], hdr["SCANNO"]) == (tile.ordate, tile.scanno)
    assert hdr["CTYPE1"] == "RA---SIN" and hdr["CTYPE2"] == "DEC--SIN"
    assert (hdr["CRPIX1"], hdr["CRPIX2"]) == (256.5, 512.5) and abs(hdr["CDELT2"] * 3600 - 1) < 1e-7
    assert abs(hdr["MAGZP"] - 20.4) < 0.05 and abs(hdr["CROTA2"]) <= 0.05


def test_bands_share_one_pixel_grid():
    tile = _PLANE
    wcs_keys = ("CTYPE1", "CTYPE2", "CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2", "CROTA2", "NAXIS2",
                "EQUINOX")
    headers = {band: render.atlas_image(tile, band).header for band in BANDS}
    assert len({tuple(h[k] for k in wcs_keys) for h in headers.values()}) == 1
    images = {band: render.pixels(tile, band) for band in BANDS}
    stars = measurable_stars(tile)
    assert len(stars) >= 2
    x, y = geometry_wcs(tile).world_to_pixel(SkyCoord(stars["ra"], stars["dec"], unit="deg"))
    ratios = []
    for xs, ys, star in zip(x, y, stars, strict=True):
        found = {band: measure(images[band], xs, ys) for band in BANDS}
        for band in BANDS:  # the catalogue position, in every band ...
            assert abs(found[band][0] - xs) < 0.15 and abs(found[band][1] - ys) < 0.15
        # ... with band fluxes that follow the star's colours
        for band in "jk":
            expected = 10 ** (-0.4 * ((star[band] - headers[band]["MAGZP"]) - (star["h"] - headers["h"]["MAGZP"])))
            assert found[band][2] / found["h"][2] == pytest.approx(expected, rel=0.08)
        ratios.append(found["j"][2] / found["h"][2])
    assert np.ptp(ratios) > 0.05  # stars differ in colour


@pytest.mark.parametrize("pairs", PAIRS, ids=["along-scan", "across-scans", "across-belts"])
def test_a_star_is_in_the_same_place_in_overlapping_images(pairs):
    first, second, stars = next(((a, b, s) for a, b in pairs if len(s := measurable_stars(a, b))), (0, 0, []))
    assert len(stars) >= 1, "no bright isolated star in these overlaps: pick other pairs"
    images = [(geometry_wcs(t), render.pixels(t, "h"), render.magzp(t, "h")) for t in (first, second)]
    for star in stars:
        truth = SkyCoord(star["ra"], star["dec"], unit="deg")
        seen = []
        for wcs, data, zero_point in images:
            x, y = wcs.world_to_pixel(truth)
            cx, cy, flux = measure(data, x, y)
            seen.append((wcs.pixel_to_world(cx, cy), zero_point - 2.5 * np.log10(flux)))
        assert seen[0][0].separation(truth).arcsec < 0.25  # a quarter pixel: noise and neighbours
        assert seen[1][0].separation(truth).arcsec < 0.25
        assert seen[0][0].separation(seen[1][0]).arcsec < 0.25
        # the same magnitude once each image's zero point (which differs by scan) is applied
        assert seen[0][1] == pytest.approx(seen[1][1], abs=0.03)


def test_images_are_deterministic():
    tile = AtlasTile(3, 17, 9)
    assert np.array_equal(render.pixels(tile, "k"), render.pixels(tile, "k"), equal_nan=True)
    assert not np.array_equal(render.pixels(tile, "k"), render.pixels(AtlasTile(3, 17, 10), "k"))


def test_image_statistics_look_like_an_atlas_image():
    tile = _PLANE
    for band, info in BANDS.items():
        data = render.pixels(tile, band)
        assert data.dtype == np.float32 and data.shape == (1024, 512)
        assert np.nanmedian(data) == pytest.approx(info.background, abs=3 * info.noise)
        sky = data[np.abs(data - np.nanmedian(data)) < 5 * info.noise]
        assert np.std(sky) == pytest.approx(info.noise, rel=0.1)


def test_bright_star_at_the_tutorial_target_saturates():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    data = render.pixels(tile, "h")
    x, y = (float(v) for v in geometry_wcs(tile).world_to_pixel(SkyCoord(*TARGET, unit="deg")))
    core = data[int(round(y)) - 2:int(round(y)) + 3, int(round(x)) - 2:int(round(x)) + 3]
    assert core.max() == pytest.approx(render.saturation("h"))
    cx, cy, _ = measure(data, x, y, r=12)
    assert abs(cx - x) < 0.3 and abs(cy - y) < 0.3
