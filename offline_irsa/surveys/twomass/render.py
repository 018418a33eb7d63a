"""Synthetic atlas images: the FITS header and pixels of one tile in one band.

The header carries the keywords a real 2MASS atlas image carries (irsa-recorded.md, and
the real Ks header in the reference material), in the same types: ``DAYNUM`` and ``ORDATE``
are strings, the WCS is ``CTYPE``/``CRPIX``/``CRVAL``/``CDELT``/``CROTA2`` with ``EQUINOX``
and no ``RADESYS`` (so astropy reads FK5), there is no ``BUNIT``, and ``SKYVAL``, ``SKYSIG``
and the ``QTnnnn`` percentiles are measured on the pixels served. The pixels are ours, and
say so: ``SYNTHETC = T`` and COMMENT lines. As in real atlas images, the four outermost
columns on each side are NaN.
"""

from __future__ import annotations

import datetime as _dt
import math

import numpy as np
from astropy.coordinates import Angle
from astropy.io import fits
from astropy.wcs import WCS

from offline_irsa.sky.known_objects import REGIONS
from offline_irsa.sky.nebulae import emission_dn
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.twomass.bands import BANDS, SATURATION_DN
from offline_irsa.surveys.twomass.images import PROJECTION, AtlasImage
from offline_irsa.surveys.twomass.tiling import (
    BELT_HEIGHT_DEG,
    FRAME_STEP_ARCSEC,
    FRAMES_PER_SCAN,
    NAXIS1,
    PIXEL_SCALE_DEG,
    SCAN_MARGIN_DEG,
    TILE_RADIUS_DEG,
    AtlasTile,
)

SYNTHETIC_NOTE = "synthetic pixels (offline_irsa), not 2MASS data"
MOFFAT_BETA = 3.0
MAX_STAMP_PX = 110  # enough for Betelgeuse (H -4) in every band
NAN_EDGE_COLUMNS = 4  # real atlas images: columns 0-3 and 508-511 are NaN
# Percentile keywords of real atlas images: the sky at -2, -1.5, ... +2 sigma of a normal law.
PERCENTILES = {"QT0227": 2.27, "QT0668": 6.68, "QT1586": 15.86, "QT3085": 30.85, "QT5000": 50.0,
               "QT6914": 69.14, "QT8413": 84.13, "QT9331": 93.31, "QT9772": 97.72}
# Our choices (not recorded): the telescopes' names and when a night's first scan starts
# (UT; both before the UT date changes, as ORDATE = UT_DATE in the recorded CTIO header),
# and a scan's length in time (274 frames of about 1.3 s, plus overheads).
TELESCOPES = {"n": ("Hopkins", "Mt. Hopkins 1.3 m, lat +31.681 lon -110.878 deg"),
              "s": ("CTIO", "CTIO 1.3 m, lat -30.165 lon -70.815 deg")}
NIGHT_START_UT = {"n": _dt.timedelta(hours=3), "s": _dt.timedelta(minutes=30)}
SCAN_DURATION = _dt.timedelta(minutes=7)


def _scan_draw(tile: AtlasTile, salt: int) -> float:
    """A number in [0, 1) fixed for the scan, for per-scan conditions."""
    return ((tile.scan_id * 2246822519 + salt * 3266489917) % 10_007) / 10_007


def seeing(tile: AtlasTile) -> float:
    """Seeing (SEESH, arcsec) of the scan the tile belongs to."""
    return round(0.8 + 0.5 * _scan_draw(tile, 1), 3)


def magzp(tile: AtlasTile, band: str) -> float:
    return round(BANDS[band].magzp + 0.06 * (_scan_draw(tile, 2 + ord(band)) - 0.5), 4)


def msnr10(tile: AtlasTile, band: str) -> float:
    """Magnitude of a point source measured at SNR 10 in a 4-arcsec-radius aperture of this image."""
    aperture_pixels = math.pi * (4.0 / (PIXEL_SCALE_DEG * 3600)) ** 2
    return round(magzp(tile, band) - 2.5 * math.log10(10 * BANDS[band].noise * math.sqrt(aperture_pixels)), 3)


def wcs_header(tile: AtlasTile) -> fits.Header:
    """The image's WCS as atlas images write it (the same in every band), from the image record."""
    image = AtlasImage(tile, "j")
    hdr = fits.Header()
    hdr["CTYPE1"] = (f"RA---{PROJECTION}", "orthographic projection")
    hdr["CTYPE2"] = (f"DEC--{PROJECTION}", "orthographic projection")
    hdr["CRPIX1"] = (image.crpix[0], "reference pixel, axis 1")
    hdr["CRPIX2"] = (image.crpix[1], "reference pixel, axis 2")
    hdr["CRVAL1"] = (image.crval[0], "RA at the image centre, J2000 (deg)")
    hdr["CRVAL2"] = (image.crval[1], "Dec at the image centre, J2000 (deg)")
    hdr["CROTA2"] = (image.crota2, "image twist, +axis 2 west of north (deg)")
    hdr["CDELT1"] = (image.cdelt[0], "pixel size, axis 1 (deg)")
    hdr["CDELT2"] = (image.cdelt[1], "pixel size, axis 2 (deg)")
    hdr["EQUINOX"] = (2000.0, "equinox of the coordinates")
    return hdr


def observed_at(tile: AtlasTile) -> _dt.datetime:
    """UT of the image's central frame: the night's start, the scans before it, the frames before it."""
    return _dt.datetime.combine(tile.night, _dt.time()) + NIGHT_START_UT[tile.hemisphere] + SCAN_DURATION * (
        tile.scanno - 1) + SCAN_DURATION * (tile.image_number / FRAMES_PER_SCAN)


def _sexagesimal(ra: float, dec: float) -> tuple[str, str]:
    return (Angle(ra % 360, "deg").to_string("hourangle", sep=":", precision=2, pad=True),
            Angle(dec, "deg").to_string("deg", sep=":", precision=1, alwayssign=True, pad=True))


def header(tile: AtlasTile, band: str, data: np.ndarray) -> fits.Header:
    """The whole atlas image header; sky statistics are measured on ``data``."""
    wcs = wcs_header(tile)
    hem = tile.hemisphere
    direction = 1 if tile.scandir == "n" else -1
    start, end = _scan_ends(tile)[::direction]
    quantiles = dict(zip(PERCENTILES, np.nanpercentile(data, list(PERCENTILES.values())), strict=True))
    # Sky and noise from the lower half of the pixel distribution, which stars hardly touch.
    sky, sky_sigma = quantiles["QT5000"], quantiles["QT5000"] - quantiles["QT1586"]
    hdr = fits.Header()
    hdr["ORDATE"] = (tile.ordate, "observation reference date (yymmdd)")
    hdr["DAYNUM"] = (f"{tile.daynum:04d}", "survey day number (day 1 = 1997-03-01)")
    hdr["FN_PRFX"] = (f"{band}{tile.daynum:04d}{tile.scanno:03d}", "raw data file prefix")
    hdr["TYPE"] = ("sci", "scan type")
    hdr["SCANNO"] = (tile.scanno, "nightly scan number")
    hdr["SCANDIR"] = (tile.scandir, "scan direction: n or s")
    hdr["STRIP_ID"] = (tile.scan_id + 1, "survey tile number")
    belt_mid = -90.0 + BELT_HEIGHT_DEG * (tile.belt + 0.5)
    ra_time = Angle(tile.center[0], "deg").hms
    hdr["POSITNID"] = (f"{hem}{abs(round(belt_mid)):02d}{int(ra_time.h):02d}{int(ra_time.m):02d}",
                       "scan position (hemisphere, dec, hhmm)")
    hdr["ORIGIN"] = ("2MASS", "synthetic stand-in for the 2MASS survey camera")
    hdr.extend(wcs.cards[:-1])  # EQUINOX comes later, with the scan's reference positions
    hdr["SKYVAL"] = (float(sky), "sky level measured on these pixels (DN)")
    hdr["SKYSIG"] = (float(sky_sigma), "sky noise measured on these pixels (DN)")
    hdr["MAGZP"] = (magzp(tile, band), "photometric zero point, mag for 1 DN")
    hdr["SEESH"] = (seeing(tile), "seeing shape (FWHM, arcsec)")
    hdr["DYFS"] = (direction * FRAME_STEP_ARCSEC, "in-scan frame step (arcsec)")
    for key, value in quantiles.items():
        hdr[key] = (float(value), f"{PERCENTILES[key]:.2f} percentile of the pixels")
    hdr["NUMFRMS"] = (FRAMES_PER_SCAN, "frames in this scan")
    hdr["TELNAME"] = TELESCOPES[hem]
    hdr["FILTER"] = (band, "band: j, h, k")
    observed = observed_at(tile)
    hdr["UT_DATE"] = (observed.strftime("%y%m%d"), "UT date of the image's central frame (yymmdd)")
    hdr["UT"] = (observed.strftime("%H:%M:%S.%f")[:11], "UT of the image's central frame")
    hdr["EQUINOX"] = wcs.cards["EQUINOX"][1:]
    for when, dec in (("SOS", start), ("EOS", end)):
        ra_text, dec_text = _sexagesimal(tile.center[0], dec)
        hdr[f"RA_{when}"] = (ra_text, f"scan RA at its {'start' if when == 'SOS' else 'end'}, J2000")
        hdr[f"DEC_{when}"] = (dec_text, f"scan Dec at its {'start' if when == 'SOS' else 'end'}, J2000")
    hdr["SYNTHETC"] = (True, SYNTHETIC_NOTE)
    hdr["COMMENT"] = "SYNTHETIC DATA: " + SYNTHETIC_NOTE + "."
    hdr["COMMENT"] = "Made by offline_irsa for offline tests and workshops; not for science."
    return hdr


def _scan_ends(tile: AtlasTile) -> tuple[float, float]:
    """Declinations of the scan's southern and northern ends."""
    south = -90.0 + BELT_HEIGHT_DEG * tile.belt - SCAN_MARGIN_DEG
    return south, south + BELT_HEIGHT_DEG + 2 * SCAN_MARGIN_DEG


def _moffat(fwhm: float) -> tuple[float, float]:
    """The Moffat profile's width alpha (pixels) and its peak for unit flux."""
    alpha = fwhm / (2 * math.sqrt(2 ** (1 / MOFFAT_BETA) - 1))
    return alpha, (MOFFAT_BETA - 1) / (math.pi * alpha**2)


def _moffat_stamp(dx: np.ndarray, dy: np.ndarray, fwhm: float) -> np.ndarray:
    alpha, norm = _moffat(fwhm)
    return norm * (1 + (dx**2 + dy**2) / alpha**2) ** -MOFFAT_BETA


def fwhm_px(tile: AtlasTile) -> float:
    """Width of the stars' profile in the tile's images (pixels): the seeing, broadened as atlas images are."""
    return (2.0 + 0.9 * seeing(tile)) * (1 / 3600) / PIXEL_SCALE_DEG


def stamp_radius(flux: float, fwhm: float, noise: float) -> int:
    """Half-width (pixels) of the box a star is drawn in.

    Fixed sizes for the random catalogue's stars (H 5 and fainter); the very bright stars
    of ``known_objects`` get a box wide enough that the profile at its edge is under a tenth
    of the noise, so that no square edge shows around them, up to ``MAX_STAMP_PX``.
    """
    if flux <= 1e7:
        return 24 if flux > 1e5 else (12 if flux > 2e3 else 6)
    alpha, norm = _moffat(fwhm)
    return min(MAX_STAMP_PX, math.ceil(alpha * (flux * norm / (0.1 * noise)) ** (1 / (2 * MOFFAT_BETA))))


def pixels(tile: AtlasTile, band: str) -> np.ndarray:
    """Sky background, noise, nebulae, stars (Moffat PSF, saturating cores) and NaN edge columns, float32."""
    info = BANDS[band]
    ny, nx = tile.naxis2, NAXIS1
    rng = np.random.default_rng([tile.coadd_key, ord(band)])
    data = rng.normal(info.background, info.noise, size=(ny, nx))
    wcs = WCS(wcs_header(tile))
    nebula = emission_dn(wcs, (ny, nx), band, magzp(tile, band), REGIONS)  # None far from every region
    if nebula is not None:
        data += nebula
    stars = stars_near(*tile.center, TILE_RADIUS_DEG + MAX_STAMP_PX * PIXEL_SCALE_DEG)
    x, y = wcs.all_world2pix(stars["ra"], stars["dec"], 0)
    flux = 10 ** (0.4 * (magzp(tile, band) - stars[band].astype(float)))
    fwhm = fwhm_px(tile)
    for xs, ys, f in zip(x, y, flux, strict=True):
        r = stamp_radius(f, fwhm, info.noise)
        x0, x1 = max(0, int(xs) - r), min(nx, int(xs) + r + 1)
        y0, y1 = max(0, int(ys) - r), min(ny, int(ys) + r + 1)
        if x0 >= x1 or y0 >= y1:
            continue
        gy, gx = np.mgrid[y0:y1, x0:x1]
        data[y0:y1, x0:x1] += f * _moffat_stamp(gx - xs, gy - ys, fwhm)
    np.minimum(data, saturation(band), out=data)
    data[:, :NAN_EDGE_COLUMNS] = np.nan
    data[:, nx - NAN_EDGE_COLUMNS:] = np.nan
    return data.astype(np.float32)


def saturation(band: str) -> float:
    """The level saturated cores are clipped at (DN)."""
    return BANDS[band].background + SATURATION_DN


def atlas_image(tile: AtlasTile, band: str) -> fits.PrimaryHDU:
    data = pixels(tile, band)
    return fits.PrimaryHDU(data=data, header=header(tile, band, data))
