"""The survey layout: footprints agree with astropy's WCS, paths round-trip, the sky is covered."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from offline_irsa.surveys.twomass import tiling
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.tiling import AtlasTile

from .conftest import TARGET, geometry_wcs, sky_positions


def some_tiles(n=40, seed=3):
    rng = np.random.default_rng(seed)
    tiles = [AtlasTile(0, 0, 0), AtlasTile(29, 265, 22), AtlasTile(15, 2699, 11), AtlasTile(14, 0, 22)]
    for _ in range(n):
        belt = int(rng.integers(tiling.N_BELTS))
        tiles.append(AtlasTile(belt, int(rng.integers(tiling.SCANS_PER_BELT[belt])), int(rng.integers(23))))
    return tiles


def test_layout_matches_the_survey():
    assert tiling.NAXIS1 == 512 and tiling.FULL_NAXIS2 == 1024 and tiling.SHORT_NAXIS2 == 698
    assert 60 < tiling._OVERLAP < 80  # neighbouring images overlap by about a minute of arc
    # scans 8' apart at the equator: 360 deg / 8' = 2700
    assert tiling.SCANS_PER_BELT[15] == 2700
    # about 1.2 million positions, 3.5 million images: the size of the real atlas
    assert 1.0e6 < tiling.N_SCANS * tiling.TILES_PER_SCAN < 1.4e6


@pytest.mark.parametrize("tile", some_tiles())
def test_corners_agree_with_astropy_wcs(tile):
    wcs = geometry_wcs(tile)
    ny = tile.naxis2
    expected = wcs.pixel_to_world([-0.5, -0.5, 511.5, 511.5], [-0.5, ny - 0.5, ny - 0.5, -0.5])
    x, y, z = tiling.tile_corners(tile.belt, tile.scan, tile.tile)[0].T
    ours = SkyCoord(x=x, y=y, z=z, representation_type="cartesian", frame="icrs")
    assert np.all(expected.separation(ours).arcsec < 1e-3)


@pytest.mark.parametrize("tile", some_tiles())
def test_paths_round_trip(tile):
    for band in "jhk":
        path = tile.path(band)
        assert AtlasTile.from_path(path) == (tile, band)
        assert path.endswith(f"/image/{band}i{tile.scanno:03d}{tile.image_number:04d}.fits.gz")


def test_a_known_path_is_accepted():
    assert AtlasTile.from_path("980827n/s007/image/hi0070256.fits.gz") == (AtlasTile(27, 728, 21), "h")


@pytest.mark.parametrize("path", [
    "", "../../etc/passwd", "980827n/s007/image/../../../x", "980827n/s007/image/hi0070256.fits",
    "980827x/s007/image/hi0070256.fits.gz",  # no such hemisphere
    "980827n/s008/image/hi0070256.fits.gz",  # directory and file name disagree
    "980827n/s007/image/xi0070256.fits.gz", "980827n/s007/image/hi0070255.fits.gz",  # no image 0255
    "980827n/s007/image/hi0079999.fits.gz", "981327n/s007/image/hi0070256.fits.gz",
    "300101n/s001/image/hi0010012.fits.gz",  # a night after the survey
    "970616n/s001/image/hi0010012.fits.gz",  # the night before Mt. Hopkins started
    "980318s/s001/image/hi0010012.fits.gz",  # the night before CTIO started
    "980827n/s007/image/hi007025６.fits.gz", "980827n/s007/image/hi007_256.fits.gz", "980827n/s007/image/",
    "980827n/s007/image/h", "980827n/s07/image/hi0070256.fits.gz", "980827n/s+07/image/hi0070256.fits.gz",
])
def test_bad_paths_are_refused(path):
    with pytest.raises(ValueError):
        AtlasTile.from_path(path)


@pytest.mark.parametrize("ra, dec", sky_positions(40, seed=11))
def test_every_position_is_covered(ra, dec):
    found = find_tiles(ra, dec, 0, 0, "CENTER")
    assert found, f"no image covers {ra}, {dec}"
    for tile in found:
        x, y = geometry_wcs(tile).world_to_pixel(SkyCoord(ra, dec, unit="deg"))
        assert -0.51 <= x <= 511.51 and -0.51 <= y <= tile.naxis2 - 0.49


def test_target_lies_in_a_northern_image():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    assert tile.hemisphere == "n" and tile.path("h").startswith(tile.ordate + "n/")
