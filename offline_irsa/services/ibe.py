"""IBE data access for 2MASS atlas images: whole gzipped FITS files and cutouts.

A cutout is asked for by appending ``center`` and ``size`` (and ``gzip``) to an image URL,
as IRSA's IBE cutout page describes; the unit spellings and gzip flags accepted, the
clipping at the image edge and the equivalence of pixel and sky centres follow that page
and what IRSA's service does (irsa-recorded.md). Choices where IBE's page is silent:

* unit spellings are the documented ones, exactly (lower case); gzip flags ignore case;
* pixel centres (units px/pix/pixels) are 1-based FITS pixel coordinates;
* an angular size becomes a whole number of pixels (rounded, at least one);
* the box is centred on the pixel that contains the centre: with p that pixel and n the
  size in pixels, it keeps pixels p - (n-1)//2 .. p + n//2 along each axis (n pixels).
  This agrees with both of IRSA's examples: ``center=-49,175pix`` with ``size=100pix``
  on a 512-wide image keeps exactly one column (astropy's ``Cutout2D`` rounding would keep
  none), and a sky centre converted from a pixel centre keeps the same pixels;
* a cutout that misses the image entirely is answered with HTTP 500, as IRSA's newer
  cutout page and a program using the service see (the older page said 400); it is the
  only deliberate 500 of the stand-in, and its message says what happened;
* a sky centre is read in the image's own frame (J2000 numbers, no frame conversion);
* the cutout header is the image header with CRPIX moved, so its WCS stays exact, plus a
  COMMENT naming the pixels kept;
* files are gzipped at level 1: synthetic noise hardly compresses, and level 9 is
  five times slower for a 1% smaller file;
* the artifact tables SIA's ``pers_art``/``glint_art`` point to are not served (404);
* byte ranges (``Range``) are answered, as by any web server serving files.
"""

from __future__ import annotations

import gzip
import io
import math
import string
from functools import lru_cache

import numpy as np
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.wcs import WCS
from werkzeug.wrappers import Request, Response

from offline_irsa.services.params import ParameterError, numbers, single_values
from offline_irsa.sky.render import atlas_image
from offline_irsa.sky.tiling import PIXEL_SCALE_DEG, AtlasTile

GZIP_LEVEL = 1
PIXEL_UNITS = ("px", "pix", "pixels")
ANGLE_UNITS = {  # spelling -> degrees per unit, as IRSA's cutout page lists them
    "arcsec": 1 / 3600, "asec": 1 / 3600, '"': 1 / 3600,
    "arcmin": 1 / 60, "arcminutes": 1 / 60, "'": 1 / 60,
    "deg": 1.0, "degree": 1.0,
    "rad": math.degrees(1.0), "radians": math.degrees(1.0),
}
GZIP_FLAGS = {**dict.fromkeys(("1", "on", "t", "true", "y", "yes"), True),
              **dict.fromkeys(("0", "off", "f", "false", "n", "no"), False)}
UNIT_CHARACTERS = string.ascii_letters + "\"'"  # what a unit at the end of a value is made of
MAX_CUTOUT_DEG = 10.0
MAX_CUTOUT_PIXELS = 10_000  # per axis: larger than any atlas image, so the cap clips nothing real


class CutoutError(ParameterError):
    """A malformed cutout request: IBE answers HTTP 400, the message says why."""


class NoOverlap(ValueError):
    """A well-formed cutout that misses the image: IBE answers HTTP 500."""


@lru_cache(maxsize=48)
def image(tile: AtlasTile, band: str) -> fits.PrimaryHDU:
    """The rendered image, kept for repeated downloads and cutouts of it."""
    return atlas_image(tile, band)


@lru_cache(maxsize=16)
def image_file(tile: AtlasTile, band: str) -> bytes:
    """The whole image as a gzipped FITS file."""
    return _fits_bytes(image(tile, band), compress=True)


def image_bytes(tile: AtlasTile, band: str, compress: bool = True) -> bytes:
    """The whole image as a FITS file, gzipped or not; unzipped, the gzipped file is the other byte for byte."""
    return image_file(tile, band) if compress else _fits_bytes(image(tile, band), compress=False)


def _fits_bytes(hdu: fits.PrimaryHDU, compress: bool) -> bytes:
    raw = io.BytesIO()
    hdu.writeto(raw)
    return gzip.compress(raw.getvalue(), compresslevel=GZIP_LEVEL, mtime=0) if compress else raw.getvalue()


def _numbers_and_unit(text: str, name: str, counts: tuple[int, ...]) -> tuple[list[float], str | None]:
    number_part = text.rstrip(UNIT_CHARACTERS)
    values = numbers(number_part, name, counts)
    spelled = text[len(number_part):] or None
    if spelled is not None and spelled not in PIXEL_UNITS and spelled not in ANGLE_UNITS:
        raise CutoutError(f"unknown unit {spelled!r} in {name}; use px, pix, pixels, arcsec, asec, \", arcmin, "
                          "arcminutes, ', deg, degree, rad or radians")
    return values, spelled


def cutout_box(params: dict[str, str], wcs: WCS) -> tuple[tuple[float, float], tuple[int, int]]:
    """0-based pixel centre (x, y) and shape (ny, nx) asked for by ``center`` and ``size``."""
    (cx, cy), unit = _numbers_and_unit(params["center"], "center", (2,))
    if unit in PIXEL_UNITS:
        position = (cx - 1.0, cy - 1.0)
    else:
        scale = ANGLE_UNITS[unit or "deg"]
        ra, dec = cx * scale, cy * scale
        if not -90 <= dec <= 90:
            raise CutoutError(f"center declination must be between -90 and 90 degrees, got {dec}")
        position = tuple(float(v) for v in wcs.all_world2pix([[ra % 360, dec]], 0)[0])
        if not all(math.isfinite(v) for v in position):
            raise NoOverlap("the cutout centre is not on this image's side of the sky")
    sizes, unit = _numbers_and_unit(params["size"], "size", (1, 2))
    if any(s <= 0 for s in sizes):
        raise CutoutError(f"size must be positive, got {params['size']!r}")
    if unit in PIXEL_UNITS:
        pixels = sizes
    else:
        degrees = [s * ANGLE_UNITS[unit or "deg"] for s in sizes]
        if any(d > MAX_CUTOUT_DEG for d in degrees):
            raise CutoutError(f"size is larger than {MAX_CUTOUT_DEG} degrees")
        pixels = [d / PIXEL_SCALE_DEG for d in degrees]
    if any(p > MAX_CUTOUT_PIXELS for p in pixels):
        raise CutoutError(f"size is larger than {MAX_CUTOUT_PIXELS} pixels")
    nx, ny = (max(1, round(p)) for p in (pixels[0], pixels[-1]))
    return position, (ny, nx)


def _kept(centre: float, n: int, length: int) -> tuple[int, int] | None:
    """First and last+1 0-based indices kept along one axis, clipped to the image; None if none."""
    first = math.floor(centre + 0.5) - (n - 1) // 2
    start, stop = max(first, 0), min(first + n, length)
    return (start, stop) if start < stop else None


def cutout(tile: AtlasTile, band: str, params: dict[str, str]) -> fits.PrimaryHDU:
    """The pixels of one image inside the requested box, clipped, with a valid WCS."""
    full = image(tile, band)
    (x, y), (ny, nx) = cutout_box(params, WCS(full.header))
    height, width = full.data.shape
    if not (abs(x) < 1e9 and abs(y) < 1e9):
        raise NoOverlap("the cutout centre is nowhere near this image")
    columns, rows = _kept(x, nx, width), _kept(y, ny, height)
    if columns is None or rows is None:
        raise NoOverlap(f"the cutout around pixel ({x + 1:.1f}, {y + 1:.1f}) does not overlap this "
                        f"{width} x {height} image")
    # Cutout2D cuts the box just found (its centre and size give back exactly those pixels).
    size = (rows[1] - rows[0], columns[1] - columns[0])
    middle = ((columns[0] + columns[1] - 1) / 2, (rows[0] + rows[1] - 1) / 2)
    cut = Cutout2D(full.data, middle, size, mode="partial", copy=True)
    header = full.header.copy()
    x0, y0 = cut.origin_original
    header["CRPIX1"] -= x0
    header["CRPIX2"] -= y0
    header["COMMENT"] = f"Cutout of pixels x {x0 + 1}..{x0 + cut.shape[1]}, y {y0 + 1}..{y0 + cut.shape[0]}."
    return fits.PrimaryHDU(data=np.ascontiguousarray(cut.data), header=header)


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def respond(request: Request, path: str) -> Response:
    try:
        tile, band = AtlasTile.from_path(path)
    except ValueError as err:
        return _text(f"Not found: {err}", 404)
    try:
        params = single_values(request.args, case="lower")
        flag = params.get("gzip", "true").lower()
        if flag not in GZIP_FLAGS:
            raise CutoutError(f"gzip must be one of {', '.join(GZIP_FLAGS)}, got {params['gzip']!r}")
        compress = GZIP_FLAGS[flag]
        if "center" not in params and "size" not in params:
            body = image_bytes(tile, band, compress)
        elif "center" in params and "size" in params:
            body = _fits_bytes(cutout(tile, band, params), compress)
        else:
            raise CutoutError("give both center and size")
    except ParameterError as err:
        return _text(f"Bad cutout request: {err}", 400)
    except NoOverlap as err:
        return _text(f"Cutout failed: {err}", 500)
    name = path.rsplit("/", 1)[-1] if compress else path.rsplit("/", 1)[-1].removesuffix(".gz")
    response = Response(
        body,
        mimetype="application/gzip" if compress else "application/fits",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Data-Origin": "synthetic"},
    )
    # Byte ranges, as a web server serving files answers them: fsspec (``fits.open(url, use_fsspec=True)``)
    # reads a remote file in ranges. Not recorded for IBE; a file server that ignored them would make
    # fsspec read whole files, or fail.
    response.make_conditional(request, accept_ranges=True, complete_length=len(body))
    del response.headers["Date"]  # make_conditional adds one, and the server its own: one is enough
    return response
