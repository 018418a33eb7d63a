"""Synthetic AllWISE Atlas images: headers, and pixels computed for the part asked.

**Headers** (71 cards, as IRSA's intensity files have): the WCS (``RA---SIN``/``DEC--SIN``,
north up, 1.375" pixels, ``EQUINOX = 2000.0``), ``BUNIT = 'DN'``, ``MAGZP`` and ``MAGZPUNC`` per
band, the tile id, band and wavelength, and the sky and noise the pixels are drawn with. The
uncertainty and coverage images carry the same header but for ``BUNIT`` and ``FILETYPE`` (our
choice of values: ``DN``/``intensity``, ``DN``/``uncertainty``, ``frames``/``coverage``). Every
header says ``SYNTHETC = T`` and, in COMMENT lines, that the pixels are ours.

**Pixels on demand**: a pixel's value depends on that pixel alone, never on the region asked,
so a cutout computes only its box and gets exactly the whole image's values there:

* sky level plus noise; the noise comes in blocks of ``BLOCK`` x ``BLOCK`` pixels, each drawn by
  its own generator seeded with (tile, band, block), so a box draws only the blocks it touches;
* nebular glow from the shared sky model, evaluated at each pixel's sky position, in the band's
  colour (``sky/colours.py``);
* stars of the shared catalogue (the same stars 2MASS images show), brightness in the band from
  the colour model, drawn as circular Gaussians of the band's beam (FWHM 6.1", 6.4", 6.5", 12")
  sampled at pixel centres; each star's stamp has a size fixed by its flux, stars are summed
  in a fixed order (by RA, then Dec), so a pixel sums the same stars in the same order
  whatever box it is computed in. Saturated cores are not clipped: the Atlas fills them in.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from offline_irsa.sky.colours import magnitudes
from offline_irsa.sky.known_objects import REGIONS
from offline_irsa.sky.nebulae import emission_dn
from offline_irsa.sky.stars import stars_near
from offline_irsa.surveys.allwise.bands import BANDS
from offline_irsa.surveys.allwise.tiling import NAXIS, PIXEL_SCALE_DEG, TILE_RADIUS_DEG, Tile

SYNTHETIC_NOTE = "synthetic pixels (offline_irsa), not WISE data"
BLOCK = 128  # noise is drawn in blocks of this many pixels square
SEED = 20_131_113  # the AllWISE release date; any fixed number does
MAX_STAMP_PX = 64
WHOLE_TILE_STARS_PIXELS = 64 * 4095  # boxes this large use the tile's whole star list, kept (see _tile_stars)
CRPIX = (NAXIS + 1) / 2  # 2048.0: the centre of pixel 2048, the middle of 4095
KINDS = {  # kind -> (BUNIT, FILETYPE)
    "int": ("DN", "intensity"),
    "unc": ("DN", "uncertainty"),
    "cov": ("frames", "coverage"),
}
MJD_AROUND = 55_400.0  # the middle of the cryogenic survey, 2010-07-25 (our choice, see header())


def wcs_header(tile: Tile) -> fits.Header:
    ra, dec = tile.center
    hdr = fits.Header()
    hdr["CTYPE1"] = ("RA---SIN", "projection type")
    hdr["CTYPE2"] = ("DEC--SIN", "projection type")
    hdr["EQUINOX"] = (2000.0, "equinox of the coordinates")
    hdr["CRPIX1"] = (CRPIX, "reference pixel, axis 1")
    hdr["CRPIX2"] = (CRPIX, "reference pixel, axis 2")
    hdr["CRVAL1"] = (ra, "RA at the reference pixel (deg)")
    hdr["CRVAL2"] = (dec, "Dec at the reference pixel (deg)")
    hdr["CDELT1"] = (-PIXEL_SCALE_DEG, "pixel size, axis 1 (deg)")
    hdr["CDELT2"] = (PIXEL_SCALE_DEG, "pixel size, axis 2 (deg)")
    hdr["CROTA2"] = (0.0, "image twist (deg): north up")
    return hdr


@lru_cache(maxsize=64)
def tile_wcs(tile: Tile) -> WCS:
    return WCS(wcs_header(tile))


def coverage_base(band: str) -> float:
    info = BANDS[band]
    return info.t_exptime / info.frame_s


def header(tile: Tile, band: str, kind: str = "int") -> fits.Header:
    """The whole file's primary header: 71 cards, as IRSA's (structure cards included)."""
    info = BANDS[band]
    bunit, filetype = KINDS[kind]
    ra, dec = tile.center
    from astropy.coordinates import SkyCoord

    where = SkyCoord(ra, dec, unit="deg")
    gal, ecl = where.galactic, where.barycentrictrueecliptic
    hdr = fits.Header()
    hdr["SIMPLE"] = (True, "conforms to FITS")
    hdr["BITPIX"] = (-32, "32-bit floating point")
    hdr["NAXIS"] = 2
    hdr["NAXIS1"] = NAXIS
    hdr["NAXIS2"] = NAXIS
    hdr["BUNIT"] = (bunit, "units of the pixel values")
    hdr["FILETYPE"] = (filetype, "kind of image")
    hdr["ORIGIN"] = ("offline_irsa", "synthetic stand-in for IRSA's AllWISE Atlas")
    hdr["TELESCOP"] = ("WISE", "Wide-field Infrared Survey Explorer")
    hdr["INSTRUME"] = ("WISE", "four-band infrared camera")
    hdr["RELEASE"] = ("AllWISE", "data release")
    hdr["COADDID"] = (tile.coadd_id, "Atlas tile id")
    hdr["BAND"] = (info.number, "WISE band")
    hdr["WAVELEN"] = (info.wavelength * 1e6, "band's reference wavelength (microns)")
    hdr["PSFFWHM"] = (info.fwhm_arcsec, "beam FWHM (arcsec)")
    hdr.extend(wcs_header(tile).cards)
    hdr["MAGZP"] = (info.magzp, "photometric zero point, mag for 1 DN")
    hdr["MAGZPUNC"] = (info.magzpunc, "uncertainty of MAGZP (mag)")
    hdr["SKYVAL"] = (info.sky, "sky level the pixels are drawn with (DN)")
    hdr["ROBSIG"] = (info.noise, "per-pixel noise the pixels are drawn with (DN)")
    hdr["NCOVAVG"] = (round(coverage_base(band), 2), "mean frames per pixel")
    hdr["EXPTIME"] = (info.t_exptime, "effective exposure time (s)")
    hdr["GLON"] = (round(float(gal.l.deg), 6), "Galactic longitude of the centre (deg)")
    hdr["GLAT"] = (round(float(gal.b.deg), 6), "Galactic latitude of the centre (deg)")
    hdr["ELON"] = (round(float(ecl.lon.deg), 6), "ecliptic longitude of the centre (deg)")
    hdr["ELAT"] = (round(float(ecl.lat.deg), 6), "ecliptic latitude of the centre (deg)")
    t_min, t_max = observed_mjd(tile)
    hdr["MJDMIN"] = (round(t_min, 6), "first frame's MJD (synthetic)")
    hdr["MJDMAX"] = (round(t_max, 6), "last frame's MJD (synthetic)")
    hdr["SYNTHETC"] = (True, SYNTHETIC_NOTE)
    notes = [
        "SYNTHETIC DATA: " + SYNTHETIC_NOTE + ".",
        "Made by offline_irsa for offline tests and workshops; not for science.",
        "Stars, clusters, galaxies and nebulae are those of the 2MASS stand-in's sky,",
        "their brightness in this band from a documented colour model (offline_irsa.sky.colours).",
        "Point sources are circular Gaussians of the band's beam (PSFFWHM) on a flat sky (SKYVAL)",
        "with Gaussian noise (ROBSIG); no artifacts, no saturation, no background structure.",
        "Pixel values are in DN: m = MAGZP - 2.5 log10(flux in DN).",
    ]
    for note in notes:
        hdr["COMMENT"] = note
    # Pad with COMMENT lines to IRSA's 71 cards; the header stays one set of 2880-byte blocks.
    while len(hdr) < 71:
        hdr["COMMENT"] = "(synthetic header: cards kept to IRSA's count)"
    return hdr


def observed_mjd(tile: Tile) -> tuple[float, float]:
    """When the tile's frames were taken (MJD), our choice. WISE began on 2010-01-07 (MJD 55203),
    the Sun then at ecliptic longitude 287 deg, and looked 90 deg from the Sun, which moves about
    1 deg a day: a field is first seen when the Sun is 90 deg from it, within half a year (each
    half-year covers the sky once). AllWISE adds the passes of the following year."""
    from astropy.coordinates import SkyCoord

    elon = float(SkyCoord(*tile.center, unit="deg").barycentrictrueecliptic.lon.deg)
    first = 55_203.0 + ((elon - 90.0 - 287.0) % 180.0) * 182.6 / 180.0  # the survey began 2010-01-07
    return first, first + 182.6 + 182.6


def _noise(tile: Tile, band: str, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
    """Standard normal deviates (float32) for the box, block by block, each block seeded on its own."""
    (y0, y1), (x0, x1) = rows, columns
    out = np.empty((y1 - y0, x1 - x0), dtype=np.float32)
    number = BANDS[band].number
    for by in range(y0 // BLOCK, (y1 - 1) // BLOCK + 1):
        for bx in range(x0 // BLOCK, (x1 - 1) // BLOCK + 1):
            rng = np.random.Generator(np.random.PCG64([SEED, tile.key, number, by, bx]))
            block = rng.standard_normal((BLOCK, BLOCK), dtype=np.float32)
            ya, yb = max(y0, by * BLOCK), min(y1, (by + 1) * BLOCK)
            xa, xb = max(x0, bx * BLOCK), min(x1, (bx + 1) * BLOCK)
            out[ya - y0:yb - y0, xa - x0:xb - x0] = block[ya - by * BLOCK:yb - by * BLOCK,
                                                          xa - bx * BLOCK:xb - bx * BLOCK]
    return out


def sigma_px(band: str) -> float:
    return BANDS[band].fwhm_arcsec / (2 * math.sqrt(2 * math.log(2))) / (PIXEL_SCALE_DEG * 3600)


def _stamp_radius(peak: np.ndarray, sigma: float, noise: float) -> np.ndarray:
    """Half-width of each star's box: where its profile falls under a tenth of the noise (at least 3 sigma)."""
    ratio = np.maximum(peak / (0.1 * noise), 1.0)
    r = np.ceil(sigma * np.sqrt(2 * np.log(ratio)))
    return np.clip(r, math.ceil(3 * sigma), MAX_STAMP_PX).astype(int)


def _prepared(tile: Tile, band: str, stars: np.ndarray) -> tuple[np.ndarray, ...]:
    """Stars in one fixed order (by RA, then Dec) with their pixel position, peak and stamp half-width.

    Every value is computed star by star, so a star has the same numbers in whatever list it comes."""
    stars = stars[np.lexsort((stars["dec"], stars["ra"]))]
    info = BANDS[band]
    x, y = tile_wcs(tile).all_world2pix(stars["ra"], stars["dec"], 0)
    sigma = sigma_px(band)
    flux = 10 ** (0.4 * (info.magzp - magnitudes(stars, band)))
    peak = flux / (2 * math.pi * sigma**2)
    return x, y, peak, _stamp_radius(peak, sigma, info.noise)


@lru_cache(maxsize=8)
def _tile_stars(tile: Tile, band: str) -> tuple[np.ndarray, ...]:
    """Every star that can reach the tile's pixels, kept while a whole file is computed."""
    reach = TILE_RADIUS_DEG + (MAX_STAMP_PX + 2) * PIXEL_SCALE_DEG
    return _prepared(tile, band, stars_near(*tile.center, reach))


def add_starlight(data: np.ndarray, tile: Tile, band: str, rows: tuple[int, int], columns: tuple[int, int]) -> None:
    """Add the stars' light to ``data``, the float32 pixels [y0:y1, x0:x1], in place."""
    (y0, y1), (x0, x1) = rows, columns
    out = data.reshape(-1)
    if (y1 - y0) * (x1 - x0) >= WHOLE_TILE_STARS_PIXELS:
        x, y, peak, radius = _tile_stars(tile, band)
    else:  # a small box: only the stars near it
        middle = tile_wcs(tile).all_pix2world([[(x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2]], 0)[0]
        reach = (math.hypot(x1 - x0, y1 - y0) / 2 + MAX_STAMP_PX + 2) * PIXEL_SCALE_DEG
        x, y, peak, radius = _prepared(tile, band, stars_near(float(middle[0]), float(middle[1]), reach))
    if len(x) == 0:
        return
    sigma = sigma_px(band)
    cx, cy = np.floor(x + 0.5).astype(int), np.floor(y + 0.5).astype(int)
    touch = (cx + radius >= x0) & (cx - radius < x1) & (cy + radius >= y0) & (cy - radius < y1)
    indices, weights = [], []
    for r in np.unique(radius[touch]):  # stars with stamps of one size at once, smallest first
        pick = np.nonzero(touch & (radius == r))[0]
        d = np.arange(-r, r + 1)
        gx = cx[pick, None] + d[None, :]  # (n, w) pixel columns of each stamp
        gy = cy[pick, None] + d[None, :]  # (n, w) pixel rows
        # A circular Gaussian is the product of one along x and one along y: two small exp() per star.
        along_x = np.exp(-((gx - x[pick, None]) ** 2) / (2 * sigma**2))
        along_y = np.exp(-((gy - y[pick, None]) ** 2) / (2 * sigma**2)) * peak[pick, None]
        value = along_y[:, :, None] * along_x[:, None, :]  # (n, w, w), the whole stamp, whatever the box
        inside = ((gy >= y0) & (gy < y1))[:, :, None] & ((gx >= x0) & (gx < x1))[:, None, :]
        flat = (gy - y0)[:, :, None] * (x1 - x0) + (gx - x0)[:, None, :]
        indices.append(flat[inside])
        weights.append(value[inside])
    if not indices:
        return
    # Each pixel adds its stars one by one in one fixed order (size group, then RA, Dec), whatever the box:
    # np.add.at is unbuffered and goes through the indices in order.
    np.add.at(out, np.concatenate(indices), np.concatenate(weights).astype(np.float32))


def _box_wcs(tile: Tile, rows: tuple[int, int], columns: tuple[int, int]) -> WCS:
    hdr = wcs_header(tile)
    hdr["CRPIX1"] -= columns[0]  # whole numbers off a half-integer: exact, as the whole image's
    hdr["CRPIX2"] -= rows[0]
    return WCS(hdr)


def intensity(tile: Tile, band: str, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
    """The intensity image's pixels [y0:y1, x0:x1] (DN, float32)."""
    info = BANDS[band]
    shape = (rows[1] - rows[0], columns[1] - columns[0])
    # float32 throughout, as the file holds: each pixel's arithmetic is the same whatever the box.
    data = _noise(tile, band, rows, columns)
    data *= np.float32(info.noise)
    data += np.float32(info.sky)
    nebula = emission_dn(_box_wcs(tile, rows, columns), shape, band, info.magzp, REGIONS)
    if nebula is not None:
        data += nebula.astype(np.float32)
    add_starlight(data, tile, band, rows, columns)
    return data


def _depth(band: str, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
    """Frames per pixel: deepest in the middle of the tile, 20% shallower at its corners (our choice)."""
    y = (np.arange(*rows) + 0.5) / NAXIS
    x = (np.arange(*columns) + 0.5) / NAXIS
    return coverage_base(band) * (0.8 + 0.2 * np.sin(np.pi * y)[:, None] * np.sin(np.pi * x)[None, :]) / 0.9


def pixels(tile: Tile, band: str, kind: str, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
    """The pixels [y0:y1, x0:x1] of the tile's ``kind`` image (int, unc or cov), float32."""
    if kind == "int":
        return intensity(tile, band, rows, columns)
    depth = _depth(band, rows, columns)
    if kind == "cov":
        return depth.astype(np.float32)
    # 1-sigma uncertainty: the noise, deeper where more frames were added.
    return (BANDS[band].noise * np.sqrt(coverage_base(band) / depth)).astype(np.float32)
