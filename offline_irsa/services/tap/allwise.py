"""Rows of ``allwise_p3as_psd``: the stars drawn on the synthetic AllWISE Atlas, described as AllWISE's
Source Catalog describes its sources.

Positions are the stars' own (``sky.stars.stars_near``) and W1-W4 magnitudes are
``sky.colours.magnitudes``, the very numbers ``surveys/allwise/render.py`` draws the images
from: an image's flux is ``10**(0.4 * (MAGZP - mag))`` DN, so a magnitude measured with the
image's MAGZP gives back the catalogue's. Everything else follows from them, the band's beam
and noise (``surveys/allwise/bands.py``) and the Atlas tile the star lies nearest the centre
of; each is our choice, written here:

* **S/N** of a profile fit on the image's white noise: ``snr = flux / sigflux`` with
  ``sigflux = noise * 2 sqrt(pi) * sigma_px`` (a Gaussian beam's noise-equivalent area is
  4 pi sigma^2 pixels); W1 reaches S/N 5 at 16.7 mag, W2 at 15.9, W3 at 11.4, W4 at 8.0, near
  the limits the bands' noise was chosen for;
* **detection**: a star is a source when it reaches S/N 5 in at least one band, AllWISE's
  own rule; fainter stars are left out (they stay in ``fp_psc``, whose stars go to H 17);
* **measurements** are noiseless (the catalogue gives each star's true flux): ``w?mpro`` the
  magnitude, ``w?sigmpro = 1.0857 / snr``; with S/N under 2 AllWISE writes an upper limit,
  and so does this table: ``w?mpro`` is the magnitude of the flux plus twice its
  uncertainty (AllWISE: the 95% confidence brightness limit), ``w?sigmpro`` null;
* **ph_qual** per band as AllWISE grades it: A for S/N >= 10, B >= 3, C >= 2, U (upper limit)
  below; ``det_bit`` has bit b-1 set where band b reaches S/N 2;
* **positions**: ``sigra = sigdec = hypot(sqrt(2) * sigma_beam / snr, 0.03)`` arcsec from the best
  of W1 and W2 (centroiding error of a Gaussian beam, with a 0.03" floor), ``sigradec`` 0;
  ``glon``/``glat`` from the ICRS (IAU) rotation, ``elon``/``elat`` the J2000 mean ecliptic
  (obliquity 23.4392911 deg; frame bias, a few mas, ignored);
* **the tile**: ``coadd_id`` is the Atlas tile whose centre is nearest, ``wx``/``wy`` the star's
  FITS (1-based) pixel position on it; ``src`` is the 1-based number of the pixel it falls in
  (stable whatever the query, unlike a running number, which would need the whole tile's
  stars), ``source_id`` is ``{coadd_id}-{src:06d}`` as AllWISE writes it, ``cntr`` is
  ``tile number * 10**8 + src``: unique, and the same in every query;
* **frames**: ``w?cov`` is the coverage image's depth at the star (``render._depth``), ``w?m``
  that rounded, ``w?nm`` the frames expected to detect it at S/N 3 (each frame has S/N
  ``snr / sqrt(w?m)``, Gaussian noise); ``var_flg`` '0' (not variable) where ``w?nm`` >= 3, else
  'n' (too few detections);
* **clean photometry**: the synthetic images have no artifacts, saturation or blends, so
  ``cc_flags`` '0000', ``w?sat`` 0, ``satnum`` '0000', ``nb`` 1, ``na`` 0, ``w?rchi2`` and
  ``rchi2`` 1, ``ext_flg`` 0, ``moon_lev`` '0000';
* ``w?flux``/``w?sigflux`` are the flux and its uncertainty in DN (as AllWISE's), ``w?sky``
  the image's ``SKYVAL`` (nebular glow is not subtracted);
* **2MASS association**: every star here is a source of the stand-in's ``fp_psc`` at the same
  position, so ``tmass_key`` is that source's ``cntr``, ``r_2mass`` and ``pa_2mass`` 0,
  ``n_2mass`` the number of stars within 3" (AllWISE's association radius), and the J, H, Ks
  magnitudes and ``*_msig_2mass`` are ``fp_psc``'s ``j_m``, ``j_msigcom``, ... computed as
  ``catalog.py`` computes them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree

from offline_irsa.services.tap import catalog
from offline_irsa.services.tap.geometry import GALACTIC_TO_ICRS
from offline_irsa.sky.colours import magnitudes
from offline_irsa.sky.geometry import unit_vectors
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.allwise import render
from offline_irsa.surveys.allwise.bands import BANDS
from offline_irsa.surveys.allwise.tiling import NAXIS, Tile, tile_center, tiles_near
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.render import msnr10

MAX_RADIUS_DEG = catalog.MAX_RADIUS_DEG
WISE_BANDS = ("w1", "w2", "w3", "w4")
DETECTION_SNR = 5.0
UPPER_LIMIT_SNR = 2.0
TMASS_RADIUS_ARCSEC = 3.0
POSITION_FLOOR_ARCSEC = 0.03
OBLIQUITY_DEG = 23.4392911  # mean obliquity of the ecliptic at J2000 (IAU 1980)
NEAREST_TILE_REACH_DEG = 1.2  # a point's nearest Atlas tile centre is closer than this (rows 1.42 deg apart)
SIGMA_TO_MAG = 2.5 / math.log(10)  # 1.0857


def designation(ra: float, dec: float) -> str:
    """AllWISE designation, ``Jhhmmss.ss+ddmmss.s``, truncated (e.g. J205712.99+773543.2)."""
    hh, mm, ss, sign, dd, dm, ds = catalog.sexagesimal_digits(ra, dec)
    return f"J{hh:02d}{mm:02d}{ss // 100:02d}.{ss % 100:02d}{sign}{dd:02d}{dm:02d}{ds // 10:02d}.{ds % 10}"


def flux_sigma(band: str) -> float:
    """1-sigma uncertainty (DN) of a point source's profile-fit flux on the band's white noise."""
    return BANDS[band].noise * 2 * math.sqrt(math.pi) * render.sigma_px(band)


def _quality(snr: float) -> str:
    return "A" if snr >= 10 else "B" if snr >= 3 else "C" if snr >= UPPER_LIMIT_SNR else "U"


def _ecliptic(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    eps = math.radians(OBLIQUITY_DEG)
    x, y, z = vectors.T
    ye, ze = y * math.cos(eps) + z * math.sin(eps), -y * math.sin(eps) + z * math.cos(eps)
    return np.degrees(np.arctan2(ye, x)) % 360, np.degrees(np.arcsin(np.clip(ze, -1, 1)))


def _twomass_msigcom(vectors: np.ndarray, stars: np.ndarray, ra: float, dec: float, radius: float) -> np.ndarray:
    """fp_psc's ``j_msigcom``, ``h_msigcom``, ``k_msigcom`` for each star, as ``catalog.fp_psc_rows`` computes them."""
    tiles = find_tiles(ra, dec, 2 * radius, 2 * radius, "OVERLAPS") or find_tiles(ra, dec, 0, 0, "OVERLAPS")
    centres = unit_vectors(*np.array([t.center for t in tiles]).T)
    home = np.argmax(vectors @ centres.T, axis=1)
    out = np.empty((len(stars), 3))
    for i, band in enumerate(catalog.BANDS):
        limit = np.array([msnr10(t, band) for t in tiles])[home]
        snr = 10 * 10 ** (-0.4 * (stars[band].astype(float) - limit))
        out[:, i] = np.hypot(1.0857 / snr, catalog.CALIBRATION_MAG)
    return out


def allwise_rows(ra: float, dec: float, radius: float) -> list[tuple]:
    """Rows (in ``tables.ALLWISE_COLUMNS`` order) of every AllWISE source within ``radius`` deg of (ra, dec)."""
    if radius > MAX_RADIUS_DEG:
        raise ValueError(f"radius {radius} exceeds {MAX_RADIUS_DEG}")
    reach = TMASS_RADIUS_ARCSEC / 3600
    stars = stars_near(ra, dec, radius + reach)
    if len(stars) == 0:
        return []
    vectors = unit_vectors(stars["ra"], stars["dec"])
    inside = vectors @ unit_vectors(ra, dec) >= math.cos(math.radians(radius))
    mags = np.stack([magnitudes(stars, b) for b in WISE_BANDS], axis=1)
    zero = np.array([BANDS[b].magzp for b in WISE_BANDS])
    sigflux = np.array([flux_sigma(b) for b in WISE_BANDS])
    flux = 10 ** (0.4 * (zero - mags))
    snr = flux / sigflux
    wanted = np.nonzero(inside & (snr.max(axis=1) >= DETECTION_SNR))[0]
    if wanted.size == 0:
        return []
    # 2MASS associations: every star within 3" (chord of the angle on the unit sphere).
    chord = 2 * math.sin(math.radians(reach) / 2)
    n_2mass = cKDTree(vectors).query_ball_point(vectors[wanted], chord, return_length=True)
    sel, v = stars[wanted], vectors[wanted]
    msigcom = _twomass_msigcom(v, sel, ra, dec, radius)
    t_rows, t_index = tiles_near(ra, dec, radius + NEAREST_TILE_REACH_DEG)
    t_centres = unit_vectors(*tile_center(t_rows, t_index))
    home = np.argmax(v @ t_centres.T, axis=1)
    galactic = v @ GALACTIC_TO_ICRS
    glon = np.degrees(np.arctan2(galactic[:, 1], galactic[:, 0])) % 360
    glat = np.degrees(np.arcsin(np.clip(galactic[:, 2], -1, 1)))
    elon, elat = _ecliptic(v)
    beam = BANDS["w1"].fwhm_arcsec / (2 * math.sqrt(2 * math.log(2)))
    rows = []
    for k, i in enumerate(wanted):
        tile = Tile(int(t_rows[home[k]]), int(t_index[home[k]]))
        s_ra, s_dec = float(stars["ra"][i]), float(stars["dec"][i])
        wx, wy = (float(p) for p in render.tile_wcs(tile).all_world2pix(s_ra, s_dec, 1))
        src = (min(max(round(wy), 1), NAXIS) - 1) * NAXIS + min(max(round(wx), 1), NAXIS)
        sig_pos = math.hypot(math.sqrt(2) * beam / max(snr[i, 0], snr[i, 1]), POSITION_FLOOR_ARCSEC)
        photometry, fluxes, frames, covers, var_flg = [], [], [], [], ""
        ix, iy = min(max(round(wx) - 1, 0), NAXIS - 1), min(max(round(wy) - 1, 0), NAXIS - 1)
        for b, band in enumerate(WISE_BANDS):
            s = round(float(snr[i, b]), 1)  # as the table writes it: flags and limits agree with what is read
            if s >= UPPER_LIMIT_SNR:
                mpro, sigmpro = float(mags[i, b]), SIGMA_TO_MAG / s
            else:  # AllWISE's upper limit: the brightness of the flux plus twice its uncertainty
                mpro, sigmpro = float(zero[b] - 2.5 * math.log10(flux[i, b] + 2 * sigflux[b])), None
            photometry += [round(mpro, 3), None if sigmpro is None else round(sigmpro, 3), s, 1.0]
            cover = float(render._depth(band, (iy, iy + 1), (ix, ix + 1))[0, 0])
            m = round(cover)
            per_frame = s / math.sqrt(m)
            nm = round(m * 0.5 * (1 + math.erf((per_frame - 3) / math.sqrt(2))))
            covers.append(round(cover, 3))
            frames += [nm, m]
            var_flg += "0" if nm >= 3 else "n"
            fluxes += [float(flux[i, b]), float(sigflux[b]), BANDS[band].sky]
        written = [round(float(s), 1) for s in snr[i]]
        quality = "".join(_quality(s) for s in written)
        det_bit = sum(1 << b for b, s in enumerate(written) if s >= UPPER_LIMIT_SNR)
        rows.append((
            designation(s_ra, s_dec), s_ra, s_dec, round(sig_pos, 4), round(sig_pos, 4), 0.0,
            float(glon[k]), float(glat[k]), float(elon[k]), float(elat[k]), round(wx, 3), round(wy, 3),
            tile.key * 10**8 + src, f"{tile.coadd_id}-{src:06d}", tile.coadd_id, src,
            *photometry, 1.0, 1, 0, 0.0, 0.0, 0.0, 0.0, "0000",
            "0000", 0, var_flg, quality, det_bit, "0000", *frames, *covers, *fluxes,
            catalog._cntr(s_ra, s_dec), 0.0, 0.0, int(n_2mass[k]),
            *[v for j, band in enumerate(catalog.BANDS) for v in (float(sel[band][k]), float(msigcom[k, j]))],
        ))
    return rows
