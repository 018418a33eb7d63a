"""One sky for every survey: the stars of a 2MASS image are in the AllWISE image of the same place,
at the same positions, with brightness the colour model gives."""

from __future__ import annotations

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from offline_irsa.sky import colours
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.allwise import render as wise_render
from offline_irsa.surveys.allwise.bands import BANDS as WISE_BANDS
from offline_irsa.surveys.allwise.tiling import Tile
from offline_irsa.surveys.twomass import files as twomass_files
from offline_irsa.surveys.twomass.regions import find_tiles

TARGET = (314.30417, 77.595559)


def centroid(data: np.ndarray, x: float, y: float, half: int) -> tuple[float, float] | None:
    """Background-subtracted, flux-weighted centre of the box around (x, y) (0-based pixels)."""
    x0, y0 = int(round(x)) - half, int(round(y)) - half
    if x0 < 0 or y0 < 0 or x0 + 2 * half + 1 > data.shape[1] or y0 + 2 * half + 1 > data.shape[0]:
        return None
    box = data[y0:y0 + 2 * half + 1, x0:x0 + 2 * half + 1].astype(float)
    if not np.all(np.isfinite(box)):
        return None
    box = np.clip(box - np.nanmedian(data), 0, None)
    gy, gx = np.mgrid[0:box.shape[0], 0:box.shape[1]]
    total = box.sum()
    return x0 + (gx * box).sum() / total, y0 + (gy * box).sum() / total


def test_at_least_ten_stars_of_a_2mass_image_are_in_the_allwise_image_within_one_arcsec():
    tile = find_tiles(*TARGET, 0, 0, "CENTER")[0]
    k_image = twomass_files.image(tile, "k")
    k_wcs = WCS(k_image.header)
    wise_tile = Tile.from_id("3150p772_ac51")
    wise_wcs = wise_render.tile_wcs(wise_tile)
    # The AllWISE pixels under the 2MASS image, computed for that box only.
    ny, nx = k_image.data.shape
    corners = k_wcs.all_pix2world([[0, 0], [nx, 0], [0, ny], [nx, ny]], 0)
    wx, wy = wise_wcs.all_world2pix(corners[:, 0], corners[:, 1], 0)
    columns = (int(wx.min()) - 20, int(wx.max()) + 20)
    rows = (int(wy.min()) - 20, int(wy.max()) + 20)
    w1 = wise_render.pixels(wise_tile, "w1", "int", rows, columns)

    stars = stars_near(*tile.center, 0.15)
    seen = 0
    for star in stars[(stars["k"] > 8) & (stars["k"] < 14.5)]:
        where = SkyCoord(star["ra"], star["dec"], unit="deg")
        others = stars[(np.abs(stars["dec"] - star["dec"]) < 0.01)]
        near = SkyCoord(others["ra"], others["dec"], unit="deg").separation(where).arcsec
        if np.any((near > 0.01) & (near < 25) & (others["k"] < star["k"] + 4)):
            continue  # a neighbour would pull the WISE centroid
        kx, ky = k_wcs.all_world2pix(star["ra"], star["dec"], 0)
        sx, sy = wise_wcs.all_world2pix(star["ra"], star["dec"], 0)
        in_k = centroid(k_image.data, float(kx), float(ky), 4)
        in_w = centroid(w1, float(sx) - columns[0], float(sy) - rows[0], 4)
        if in_k is None or in_w is None:
            continue
        k_sky = k_wcs.pixel_to_world(*in_k)
        w_sky = wise_wcs.pixel_to_world(in_w[0] + columns[0], in_w[1] + rows[0])
        assert k_sky.separation(w_sky).arcsec < 1.0, (star, k_sky, w_sky)
        # and as bright as the colour model says: the W1 peak stands far above the noise
        flux = 10 ** (0.4 * (WISE_BANDS["w1"].magzp - colours.magnitudes(star[None], "w1")[0]))
        assert w1[int(round(in_w[1])), int(round(in_w[0]))] - WISE_BANDS["w1"].sky > 0.01 * flux
        seen += 1
    assert seen >= 10, seen


def test_colour_model_photospheres_reddened_and_young_stars():
    stars = np.zeros(3, dtype=[("ra", "f8"), ("dec", "f8"), ("j", "f4"), ("h", "f4"), ("k", "f4")])
    stars["h"], stars["k"] = [10.15, 11.0, 11.5], [10.0, 10.0, 10.0]  # normal, reddened (E(H-K) 0.85), young
    stars["h"][2] = 11.6  # H-K 1.6: past YOUNG_H_K, a disc too
    w = {b: colours.magnitudes(stars, b) for b in ("w1", "w2", "w3", "w4")}
    assert all(abs(w[b][0] - 10.0) < 0.1 for b in w)  # photospheres: W ~ Ks
    assert w["w1"][1] < 10.0 and w["w4"][1] < w["w1"][1]  # dust dims Ks more than the WISE bands
    assert w["w3"][2] < w["w1"][2] - 1 and w["w4"][2] < w["w3"][2]  # young stars bright at 12 and 22 um
