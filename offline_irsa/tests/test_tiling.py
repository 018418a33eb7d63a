"""The survey layout: footprints agree with astropy's WCS, paths round-trip, the sky is covered."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from offline_irsa.sky import tiling
from offline_irsa.sky.regions import find_tiles
from offline_irsa.sky.render import header
from offline_irsa.sky.tiling import AtlasTile

from .conftest import TARGET, sky_positions


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
    wcs = WCS(header(tile, "h"))
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


@pytest.mark.parametrize("path", [
    "", "../../etc/passwd", "990223n/s070/image/../../../x", "990223n/s070/image/hi0700260.fits",
    "990223s/s070/image/hi0700260.fits.gz",  # wrong hemisphere for that scan
    "990223n/s071/image/hi0700260.fits.gz",  # directory and file name disagree
    "990223n/s070/image/xi0700260.fits.gz", "990223n/s070/image/hi0700261.fits.gz",
    "990223n/s070/image/hi0709999.fits.gz", "991323n/s070/image/hi0700260.fits.gz",
    "300101n/s001/image/hi0010008.fits.gz",  # a night after the survey
])
def test_bad_paths_are_refused(path):
    with pytest.raises(ValueError):
        AtlasTile.from_path(path)


@pytest.mark.parametrize("ra, dec", sky_positions(40, seed=11))
def test_every_position_is_covered(ra, dec):
    found = find_tiles(ra, dec, 0, 0, "CENTER")
    assert found, f"no image covers {ra}, {dec}"
    for tile in found:
        x, y = WCS(header(tile, "j")).world_to_pixel(SkyCoord(ra, dec, unit="deg"))
        assert -0.51 <= x <= 511.51 and -0.51 <= y <= tile.naxis2 - 0.49


def test_target_lies_in_a_northern_image():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    assert tile.hemisphere == "n" and tile.path("h").startswith(tile.ordate + "n/")
