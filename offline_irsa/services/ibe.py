"""IBE data access for 2MASS atlas images: whole gzipped FITS files and cutouts.

A cutout is asked for by appending ``center`` and ``size`` to an image URL, as IRSA's
IBE cutout page describes. Choices where IBE's page is silent:

* pixel centres (units px/pix/pixels) are 1-based FITS pixel coordinates;
* an angular size becomes a whole number of pixels (rounded, at least one), and the
  pixels kept are those astropy's ``Cutout2D`` keeps for that centre and shape
  (``mode='trim'``), so a cutout is clipped where it runs off the image;
* the cutout header is the image header with CRPIX moved, so its WCS stays exact;
* files are gzipped at level 1: synthetic noise hardly compresses, and level 9 is
  five times slower for a 1% smaller file.
"""

from __future__ import annotations

import gzip
import io
import math
import re
from functools import lru_cache

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import Cutout2D, NoOverlapError
from astropy.wcs import WCS
from werkzeug.wrappers import Request, Response

from offline_irsa.sky.render import atlas_image
from offline_irsa.sky.tiling import PIXEL_SCALE_DEG, AtlasTile

GZIP_LEVEL = 1
PIXEL_UNITS = ("px", "pix", "pixels")
ANGLE_UNITS = {"arcsec": 1 / 3600, "arcmin": 1 / 60, "deg": 1.0, "rad": math.degrees(1.0)}
_VALUES = re.compile(r"^\s*([^a-z]+?)\s*([a-z]*)\s*$", re.IGNORECASE)
MAX_CUTOUT_DEG = 10.0


class CutoutError(ValueError):
    """A cutout request IBE answers with HTTP 400; the message says why."""


@lru_cache(maxsize=48)
def image(tile: AtlasTile, band: str) -> fits.PrimaryHDU:
    """The rendered image, kept for repeated downloads and cutouts of it."""
    return atlas_image(tile, band)


@lru_cache(maxsize=16)
def image_file(tile: AtlasTile, band: str) -> bytes:
    """The whole image as a gzipped FITS file."""
    return _fits_bytes(image(tile, band), compress=True)


def _fits_bytes(hdu: fits.PrimaryHDU, compress: bool) -> bytes:
    raw = io.BytesIO()
    hdu.writeto(raw)
    return gzip.compress(raw.getvalue(), compresslevel=GZIP_LEVEL, mtime=0) if compress else raw.getvalue()


def _numbers_and_unit(text: str, name: str, counts: tuple[int, ...]) -> tuple[list[float], str]:
    match = _VALUES.match(text)
    if not match:
        raise CutoutError(f"{name} must look like 'a,b[units]', got {text!r}")
    try:
        values = [float(v) for v in match.group(1).rstrip(",").split(",")]
    except ValueError:
        raise CutoutError(f"{name} must be numbers with an optional unit, got {text!r}") from None
    unit = match.group(2).lower() or "deg"
    if len(values) not in counts or not all(math.isfinite(v) for v in values):
        raise CutoutError(f"{name} needs {' or '.join(map(str, counts))} finite values, got {text!r}")
    if unit not in PIXEL_UNITS and unit not in ANGLE_UNITS:
        raise CutoutError(f"unknown unit {unit!r} in {name}; use px, arcsec, arcmin, deg or rad")
    return values, unit


def cutout_box(params: dict[str, str], wcs: WCS) -> tuple[tuple[float, float], tuple[int, int]]:
    """0-based pixel centre (x, y) and shape (ny, nx) asked for by ``center`` and ``size``."""
    (cx, cy), unit = _numbers_and_unit(params["center"], "center", (2,))
    if unit in PIXEL_UNITS:
        position = (cx - 1.0, cy - 1.0)
    else:
        ra, dec = cx * ANGLE_UNITS[unit], cy * ANGLE_UNITS[unit]
        if not -90 <= dec <= 90:
            raise CutoutError(f"center declination must be between -90 and 90 degrees, got {dec}")
        position = tuple(float(v) for v in wcs.world_to_pixel(SkyCoord(ra % 360, dec, unit="deg")))
        if not all(math.isfinite(v) for v in position):
            raise CutoutError("center is not on this image's side of the sky")
    sizes, unit = _numbers_and_unit(params["size"], "size", (1, 2))
    if any(s <= 0 for s in sizes):
        raise CutoutError(f"size must be positive, got {params['size']!r}")
    if unit in PIXEL_UNITS:
        pixels = sizes
    else:
        if any(s * ANGLE_UNITS[unit] > MAX_CUTOUT_DEG for s in sizes):
            raise CutoutError(f"size is larger than {MAX_CUTOUT_DEG} degrees")
        pixels = [s * ANGLE_UNITS[unit] / PIXEL_SCALE_DEG for s in sizes]
    nx, ny = (max(1, round(p)) for p in (pixels[0], pixels[-1]))
    return position, (ny, nx)


def cutout(tile: AtlasTile, band: str, params: dict[str, str]) -> fits.PrimaryHDU:
    """The pixels of one image inside the requested box, clipped, with a valid WCS."""
    full = image(tile, band)
    position, shape = cutout_box(params, WCS(full.header))
    try:
        cut = Cutout2D(full.data, position, shape, mode="trim", copy=True)
    except (NoOverlapError, ValueError) as err:
        raise CutoutError(f"the cutout does not overlap the image: {err}") from None
    header = full.header.copy()
    x0, y0 = cut.origin_original
    header["CRPIX1"] -= x0
    header["CRPIX2"] -= y0
    header["COMMENT"] = f"Cutout of pixels x {x0 + 1}..{x0 + cut.shape[1]}, y {y0 + 1}..{y0 + cut.shape[0]}."
    return fits.PrimaryHDU(data=np.ascontiguousarray(cut.data), header=header)


def respond(request: Request, path: str) -> Response:
    try:
        tile, band = AtlasTile.from_path(path)
    except ValueError as err:
        return Response(f"Not found: {err}\n", status=404, mimetype="text/plain")
    params = {k.lower(): v for k, v in request.args.items()}
    compress = params.get("gzip", "true").lower() not in ("false", "0", "no")
    if "center" not in params and "size" not in params:
        body = image_file(tile, band) if compress else _fits_bytes(image(tile, band), compress=False)
    elif "center" in params and "size" in params:
        try:
            body = _fits_bytes(cutout(tile, band, params), compress)
        except CutoutError as err:
            return Response(f"Bad cutout request: {err}\n", status=400, mimetype="text/plain")
    else:
        return Response("Bad cutout request: give both center and size\n", status=400, mimetype="text/plain")
    name = path.rsplit("/", 1)[-1] if compress else path.rsplit("/", 1)[-1].removesuffix(".gz")
    return Response(
        body,
        mimetype="application/gzip" if compress else "application/fits",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Data-Origin": "synthetic"},
    )
