"""Synthetic atlas images: the FITS header and pixels of one tile in one band."""

from __future__ import annotations

import math

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from offline_irsa.sky.bands import BANDS, SATURATION_DN
from offline_irsa.sky.stars import stars_near
from offline_irsa.sky.tiling import NAXIS1, PIXEL_SCALE_DEG, TILE_RADIUS_DEG, AtlasTile

SYNTHETIC_NOTE = "synthetic pixels (offline_irsa), not 2MASS data"
MOFFAT_BETA = 3.0


def _scan_draw(tile: AtlasTile, salt: int) -> float:
    """A number in [0, 1) fixed for the scan, for per-scan conditions."""
    return ((tile.scan_id * 2246822519 + salt * 3266489917) % 10_007) / 10_007


def seeing(tile: AtlasTile) -> float:
    """Seeing (SEESH, arcsec) of the scan the tile belongs to."""
    return round(0.8 + 0.5 * _scan_draw(tile, 1), 3)


def magzp(tile: AtlasTile, band: str) -> float:
    return round(BANDS[band].magzp + 0.06 * (_scan_draw(tile, 2 + ord(band)) - 0.5), 4)


def header(tile: AtlasTile, band: str) -> fits.Header:
    """The atlas image header: WCS, provenance keywords and the synthetic-data flag."""
    ra, dec = tile.center
    hdr = fits.Header()
    hdr["BITPIX"] = -32
    hdr["NAXIS"] = 2
    hdr["NAXIS1"] = NAXIS1
    hdr["NAXIS2"] = tile.naxis2
    hdr["SYNTHETC"] = (True, SYNTHETIC_NOTE)
    hdr["ORIGIN"] = ("2MASS", "synthetic stand-in for the 2MASS atlas")
    hdr["CTYPE1"], hdr["CTYPE2"] = "RA---SIN", "DEC--SIN"
    hdr["CRPIX1"], hdr["CRPIX2"] = NAXIS1 / 2 + 0.5, tile.naxis2 / 2 + 0.5
    hdr["CRVAL1"], hdr["CRVAL2"] = ra, dec
    hdr["CDELT1"], hdr["CDELT2"] = -PIXEL_SCALE_DEG, PIXEL_SCALE_DEG
    hdr["CROTA2"] = tile.twist
    hdr["RADESYS"] = ("ICRS", "SIA POS and the tiling are ICRS")
    hdr["EQUINOX"] = 2000.0
    hdr["BUNIT"] = "DN"
    hdr["ORDATE"] = (tile.ordate, "observation night (yymmdd)")
    hdr["DAYNUM"] = 1
    hdr["TELNAME"] = "Hopkins" if tile.hemisphere == "n" else "CTIO"
    hdr["HEMISPHE"] = tile.hemisphere
    hdr["SCANNO"] = tile.scanno
    hdr["SCANDIR"] = tile.scandir
    hdr["IMAGENUM"] = tile.image_number
    hdr["FILTER"] = band
    hdr["MAGZP"] = (magzp(tile, band), "photometric zero point, mag for 1 DN")
    hdr["SEESH"] = (seeing(tile), "seeing, arcsec")
    hdr["SATURATE"] = BANDS[band].background + SATURATION_DN
    hdr["COMMENT"] = "SYNTHETIC DATA: " + SYNTHETIC_NOTE + "."
    hdr["COMMENT"] = "Made for offline tests and workshops; do not use for science."
    return hdr


def _moffat_stamp(dx: np.ndarray, dy: np.ndarray, fwhm: float) -> np.ndarray:
    alpha = fwhm / (2 * math.sqrt(2 ** (1 / MOFFAT_BETA) - 1))
    norm = (MOFFAT_BETA - 1) / (math.pi * alpha**2)
    return norm * (1 + (dx**2 + dy**2) / alpha**2) ** -MOFFAT_BETA


def pixels(tile: AtlasTile, band: str, hdr: fits.Header | None = None) -> np.ndarray:
    """Sky background, noise and stars (Moffat PSF, saturating cores), float32."""
    hdr = hdr if hdr is not None else header(tile, band)
    info = BANDS[band]
    ny, nx = tile.naxis2, NAXIS1
    rng = np.random.default_rng([tile.coadd_key, ord(band)])
    data = rng.normal(info.background, info.noise, size=(ny, nx))
    stars = stars_near(*tile.center, TILE_RADIUS_DEG + 30 * PIXEL_SCALE_DEG)
    x, y = WCS(hdr).all_world2pix(stars["ra"], stars["dec"], 0)
    flux = 10 ** (0.4 * (hdr["MAGZP"] - stars[band].astype(float)))
    fwhm = 2.0 + 0.9 * seeing(tile)  # arcsec = pixels
    for xs, ys, f in zip(x, y, flux, strict=True):
        r = 24 if f > 1e5 else (12 if f > 2e3 else 6)
        x0, x1 = max(0, int(xs) - r), min(nx, int(xs) + r + 1)
        y0, y1 = max(0, int(ys) - r), min(ny, int(ys) + r + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        gy, gx = np.mgrid[y0:y1, x0:x1]
        data[y0:y1, x0:x1] += f * _moffat_stamp(gx - xs, gy - ys, fwhm)
    np.minimum(data, info.background + SATURATION_DN, out=data)
    return data.astype(np.float32)


def atlas_image(tile: AtlasTile, band: str) -> fits.PrimaryHDU:
    hdr = header(tile, band)
    return fits.PrimaryHDU(data=pixels(tile, band, hdr), header=hdr)
