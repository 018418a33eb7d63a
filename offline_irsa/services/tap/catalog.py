"""Rows of ``fp_psc``: the stars drawn on the synthetic atlas images, as the 2MASS PSC describes sources.

Positions and J, H, Ks magnitudes are the stars' own (``sky.stars.stars_near``), the very
numbers the images are drawn from: an image's flux is ``10**(0.4 * (MAGZP - mag))``, so a
magnitude measured with the image's MAGZP gives back the catalogue's. Everything else is
derived from them and from the image set the star lies nearest the centre of, and is
synthetic (our choices, each written beside its column):

* S/N from the image's 10-sigma magnitude (``msnr10``): ``snr = 10 * 10**(-0.4 * (m - msnr10))``;
  ``*_cmsig = 1.0857 / snr``; ``*_msigcom`` adds 0.015 mag of calibration error in quadrature;
* ``ph_qual`` per band: A for S/N >= 10, B >= 7, C >= 5, else D (the PSC's grades by S/N);
* ``rd_flg`` 1 (aperture photometry) brighter than 9th magnitude, where the PSC's profile
  fits saturate, else 2; ``bl_flg`` 1, ``cc_flg`` 0, ``gal_contam`` 0, ``mp_flg`` 0,
  ``use_src`` 1, ``dup_src`` 0, no optical association (``a`` = 0, its columns null);
* position errors from S/N: ``err_maj = 0.06 + 1 / snr_best`` arcsec, ``err_min`` 0.9 of it;
* ``prox``/``pxpa``/``pxcntr`` are the nearest other synthetic star within ``PROX_REACH_DEG``
  (null beyond it); ``cntr`` is a checksum of the position, the same in every query;
* ``hemis``, ``xdate``, ``scan``, ``jdate``, ``scan_key``, ``coadd_key`` and ``coadd`` are those of
  that image set, so a source names the image it sits on; ``x_scan`` is its offset east of
  the image centre; ``dist_edge_*`` are null (scan edges are not modelled); ``*_psfchi`` 1;
  the standard-aperture magnitudes equal the profile ones, with 0.02 mag more error.
"""

from __future__ import annotations

import datetime as _dt
import math
import zlib

import numpy as np

from offline_irsa.services.tap.geometry import GALACTIC_TO_ICRS
from offline_irsa.sky.geometry import unit_vectors
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.render import msnr10
from offline_irsa.surveys.twomass.tiling import AtlasTile

MAX_RADIUS_DEG = 1.0  # largest cap of sky whose rows are made for one query
PROX_REACH_DEG = 3.0 / 60.0
BANDS = ("j", "h", "k")
CALIBRATION_MAG = 0.015
JD_UNIX_EPOCH = 2440587.5


def sexagesimal_digits(ra: float, dec: float) -> tuple[int, int, int, str, int, int, int]:
    """RA as hours, minutes, hundredths of a second and Dec as sign, degrees, arcminutes, tenths of an
    arcsecond, each truncated (not rounded), as the 2MASS and AllWISE designations write them."""
    seconds = int(ra / 15 * 3600 * 100 + 1e-6)
    hh, rest = divmod(seconds, 360000)
    mm, ss = divmod(rest, 6000)
    tenths = int(abs(dec) * 36000 + 1e-6)
    dd, rest = divmod(tenths, 36000)
    dm, ds = divmod(rest, 600)
    return hh, mm, ss, "-" if dec < 0 else "+", dd, dm, ds


def designation(ra: float, dec: float) -> str:
    """2MASS designation, hhmmssss+ddmmsss, truncated as the PSC truncates it."""
    hh, mm, ss, sign, dd, dm, ds = sexagesimal_digits(ra, dec)
    return f"{hh:02d}{mm:02d}{ss:04d}{sign}{dd:02d}{dm:02d}{ds:03d}"


def _cntr(ra: float, dec: float) -> int:
    return zlib.crc32(np.array([ra, dec]).tobytes()) & 0x7FFFFFFF


def _quality(snr: float) -> str:
    return "A" if snr >= 10 else "B" if snr >= 7 else "C" if snr >= 5 else "D"


def _nearest(vectors: np.ndarray, dec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of and angle (deg) to each star's nearest neighbour within PROX_REACH_DEG (-1, nan beyond)."""
    order = np.argsort(dec)
    sorted_dec = dec[order]
    index = np.full(len(dec), -1)
    sep = np.full(len(dec), np.nan)
    for i in order:
        lo = np.searchsorted(sorted_dec, dec[i] - PROX_REACH_DEG)
        hi = np.searchsorted(sorted_dec, dec[i] + PROX_REACH_DEG, side="right")
        others = order[lo:hi]
        others = others[others != i]
        if others.size == 0:
            continue
        cos = np.clip(vectors[others] @ vectors[i], -1, 1)
        best = int(np.argmax(cos))
        angle = math.degrees(math.acos(cos[best]))
        if angle <= PROX_REACH_DEG:
            index[i], sep[i] = others[best], angle
    return index, sep


def _position_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Position angle (deg, E of N) of unit vector b seen from a."""
    ra1, dec1 = math.atan2(a[1], a[0]), math.asin(a[2])
    ra2, dec2 = math.atan2(b[1], b[0]), math.asin(b[2])
    dra = ra2 - ra1
    y = math.sin(dra) * math.cos(dec2)
    x = math.cos(dec1) * math.sin(dec2) - math.sin(dec1) * math.cos(dec2) * math.cos(dra)
    return math.degrees(math.atan2(y, x)) % 360


def fp_psc_rows(ra: float, dec: float, radius: float) -> list[tuple]:
    """Rows (in ``tables.FP_PSC_COLUMNS`` order) of every synthetic source within ``radius`` deg of (ra, dec)."""
    if radius > MAX_RADIUS_DEG:
        raise ValueError(f"radius {radius} exceeds {MAX_RADIUS_DEG}")
    stars = stars_near(ra, dec, radius + PROX_REACH_DEG)
    if len(stars) == 0:
        return []
    vectors = unit_vectors(stars["ra"], stars["dec"])
    wanted = np.nonzero(vectors @ unit_vectors(ra, dec) >= math.cos(math.radians(radius)))[0]
    if wanted.size == 0:
        return []
    neighbour, prox = _nearest(vectors, stars["dec"])
    tiles = find_tiles(ra, dec, 2 * radius, 2 * radius, "OVERLAPS") or find_tiles(ra, dec, 0, 0, "OVERLAPS")
    centres = unit_vectors(*np.array([t.center for t in tiles]).T)
    home = np.argmax(vectors[wanted] @ centres.T, axis=1)  # the image set each star is nearest the centre of
    galactic = vectors[wanted] @ GALACTIC_TO_ICRS  # ICRS vectors in Galactic coordinates
    rows = []
    for k, i in enumerate(wanted):
        star = stars[i]
        tile: AtlasTile = tiles[home[k]]
        s_ra, s_dec = float(star["ra"]), float(star["dec"])
        mags = [float(star[b]) for b in BANDS]
        snr = [10 * 10 ** (-0.4 * (m - msnr10(tile, b))) for m, b in zip(mags, BANDS, strict=True)]
        cmsig = [1.0857 / s for s in snr]
        msigcom = [math.hypot(c, CALIBRATION_MAG) for c in cmsig]
        err_maj = 0.06 + 1.0 / max(snr)
        cntr = _cntr(s_ra, s_dec)
        if neighbour[i] >= 0:
            other = stars[neighbour[i]]
            prox_values = (float(prox[i]) * 3600, round(_position_angle(vectors[i], vectors[neighbour[i]])),
                           _cntr(float(other["ra"]), float(other["dec"])))
        else:
            prox_values = (None, None, None)
        gx, gy, gz = galactic[k]
        tile_ra, tile_dec = tile.center
        x_scan = (s_ra - tile_ra + 540) % 360 - 180
        x_scan *= math.cos(math.radians(s_dec)) * 3600
        night = tile.night
        since_1970 = _dt.datetime.combine(night, _dt.time(6)) - _dt.datetime(1970, 1, 1)
        jdate = JD_UNIX_EPOCH + since_1970.total_seconds() / 86400
        band_values = []
        for m, c, t, s in zip(mags, cmsig, msigcom, snr, strict=True):
            band_values += [m, c, t, s]
        rows.append((
            s_ra, s_dec, err_maj, 0.9 * err_maj, cntr % 180, designation(s_ra, s_dec), *band_values,
            "".join(_quality(s) for s in snr), "".join("1" if m < 9 else "2" for m in mags), "111", "000",
            "".join("66" if s > 3 else "06" for s in snr), *prox_values, 0, 0, cntr, tile.hemisphere,
            night.isoformat(), tile.scanno, math.degrees(math.atan2(gy, gx)) % 360,
            math.degrees(math.asin(max(-1.0, min(1.0, gz)))), x_scan, jdate, 1.0, 1.0, 1.0,
            *[v for m, c in zip(mags, cmsig, strict=True) for v in (m, math.hypot(c, 0.02))],
            None, None, None, 0, 1, "0", None, None, None, None, 0, None, tile.scan_id, tile.coadd_key,
            tile.image_number,
        ))
    return rows
