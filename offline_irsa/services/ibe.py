"""IBE data access, for every survey: whole FITS files and cutouts.

The survey says what file a path names and computes its pixels (``surveys/base.py``:
``ServedFile``); this module is the protocol. A cutout asks the file for the pixels of the box
only, so a 1' cutout of a 4095 x 4095 AllWISE image computes 44 x 44 pixels. A whole file a
survey does not keep as bytes is streamed: the header, then the pixels ``STREAM_ROWS`` rows at
a time (gzipped on the fly when asked), so memory stays bounded whatever the file's size.

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
* the artifact tables SIA's ``pers_art``/``glint_art`` point to, and AllWISE's auxiliary
  tables, are not served (404 saying so);
* byte ranges (``Range``) are answered, as by any web server serving files, for files sent
  whole from memory and for streamed files that are not gzipped (their length is known; a
  range computes only the pixel rows it covers); a streamed gzipped file is sent without a
  length and without ranges.
"""

from __future__ import annotations

import math
import string
import zlib
from collections.abc import Iterator

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from werkzeug.wrappers import Request, Response

from offline_irsa.services.params import ParameterError, numbers, single_values
from offline_irsa.surveys.base import NotServed, ServedFile, Survey
from offline_irsa.surveys.twomass.files import GZIP_LEVEL, fits_bytes

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
STREAM_ROWS = 256  # rows computed and sent at a time: 4 MB of a 4095-wide float32 image
FITS_BLOCK = 2880


class CutoutError(ParameterError):
    """A malformed cutout request: IBE answers HTTP 400, the message says why."""


class NoOverlap(ValueError):
    """A well-formed cutout that misses the image: IBE answers HTTP 500."""


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
        pixels = [d / abs(float(wcs.wcs.cdelt[1])) for d in degrees]  # the image's own pixel size
    if any(p > MAX_CUTOUT_PIXELS for p in pixels):
        raise CutoutError(f"size is larger than {MAX_CUTOUT_PIXELS} pixels")
    nx, ny = (max(1, round(p)) for p in (pixels[0], pixels[-1]))
    return position, (ny, nx)


def _kept(centre: float, n: int, length: int) -> tuple[int, int] | None:
    """First and last+1 0-based indices kept along one axis, clipped to the image; None if none."""
    first = math.floor(centre + 0.5) - (n - 1) // 2
    start, stop = max(first, 0), min(first + n, length)
    return (start, stop) if start < stop else None


def cutout(served: ServedFile, params: dict[str, str]) -> fits.PrimaryHDU:
    """The pixels of one image inside the requested box, clipped, with a valid WCS; only they are computed."""
    full_header = served.header()
    (x, y), (ny, nx) = cutout_box(params, WCS(full_header))
    height, width = served.shape
    if not (abs(x) < 1e9 and abs(y) < 1e9):
        raise NoOverlap("the cutout centre is nowhere near this image")
    columns, rows = _kept(x, nx, width), _kept(y, ny, height)
    if columns is None or rows is None:
        raise NoOverlap(f"the cutout around pixel ({x + 1:.1f}, {y + 1:.1f}) does not overlap this "
                        f"{width} x {height} image")
    data = served.pixels(rows, columns)
    header = full_header.copy()
    x0, y0 = columns[0], rows[0]
    header["CRPIX1"] -= x0
    header["CRPIX2"] -= y0
    header["COMMENT"] = f"Cutout of pixels x {x0 + 1}..{columns[1]}, y {y0 + 1}..{rows[1]}."
    return fits.PrimaryHDU(data=data, header=header)


def stream_range(served: ServedFile, start: int, stop: int) -> Iterator[bytes]:
    """Bytes [start, stop) of the plain FITS file, computing only the pixel rows they fall in."""
    head = served.header().tostring().encode("ascii")
    if start < len(head):
        yield head[start:min(stop, len(head))]
    ny, nx = served.shape
    row_bytes = 4 * nx
    data_start, data_stop = max(start - len(head), 0), min(stop - len(head), row_bytes * ny)
    first = data_start // row_bytes
    while data_start < data_stop:
        last = min(ny, first + STREAM_ROWS, -(-data_stop // row_bytes))
        raw = served.pixels((first, last), (0, nx)).astype(">f4").tobytes()
        offset = first * row_bytes
        yield raw[data_start - offset:min(data_stop, last * row_bytes) - offset]
        data_start, first = last * row_bytes, last
    end_of_data = len(head) + row_bytes * ny
    if stop > end_of_data:  # the padding after the pixels
        yield b"\0" * (stop - max(start, end_of_data))


def _padding(n: int) -> bytes:
    return b"\0" * (-n % FITS_BLOCK)


def streamed_length(served: ServedFile) -> int:
    """Bytes of the whole, unzipped FITS file: header blocks and float32 pixel blocks."""
    ny, nx = served.shape
    return len(served.header().tostring()) + 4 * nx * ny + len(_padding(4 * nx * ny))


def stream(served: ServedFile, compress: bool) -> Iterator[bytes]:
    """The whole file, computed ``STREAM_ROWS`` rows at a time; gzipped on the fly if asked."""
    zipper = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS) if compress else None

    def parts() -> Iterator[bytes]:
        header = served.header()
        yield header.tostring().encode("ascii")  # tostring pads to whole 2880-byte blocks
        sent = 0
        for chunk in served.chunks(STREAM_ROWS):
            if chunk.dtype == np.float32:  # computed for this answer alone: swap to FITS's byte order in place
                chunk.byteswap(inplace=True)
                raw = chunk.tobytes()
            else:
                raw = chunk.astype(">f4").tobytes()
            sent += len(raw)
            yield raw
        yield _padding(sent)

    for part in parts():
        yield zipper.compress(part) if zipper else part
    if zipper:
        yield zipper.flush()


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def respond(request: Request, survey: Survey, path: str) -> Response:
    try:
        served = survey.open(path)
    except NotServed as err:
        return _text(f"Not found: {err}", 404)
    except ValueError as err:
        return _text(f"Not found: {err}", 404)
    try:
        params = single_values(request.args, case="lower")
        flag = params.get("gzip", "true" if served.gzipped else "false").lower()
        if flag not in GZIP_FLAGS:
            raise CutoutError(f"gzip must be one of {', '.join(GZIP_FLAGS)}, got {params['gzip']!r}")
        compress = GZIP_FLAGS[flag]
        if "center" not in params and "size" not in params:
            body = served.whole(compress)
        elif "center" in params and "size" in params:
            # Cutouts come gzipped by default, of every file (irsa-recorded.md: "gzipped by default").
            compress = GZIP_FLAGS[params.get("gzip", "true").lower()]
            body = fits_bytes(cutout(served, params), compress)
        else:
            raise CutoutError("give both center and size")
    except ParameterError as err:
        return _text(f"Bad cutout request: {err}", 400)
    except NoOverlap as err:
        return _text(f"Cutout failed: {err}", 500)
    name = served.name if compress else served.name.removesuffix(".gz")  # the parent image's name
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "X-Data-Origin": "synthetic"}
    mimetype = "application/gzip" if compress else "application/fits"
    if body is None:  # a large file, computed as it is sent
        length = streamed_length(served)
        wanted = request.range.range_for_length(length) if request.range and not compress else None
        if wanted is not None:  # a byte range of the plain file: only the rows it covers are computed
            response = Response(stream_range(served, *wanted), status=206, mimetype=mimetype, headers=headers,
                                direct_passthrough=True)
            response.headers["Content-Range"] = f"bytes {wanted[0]}-{wanted[1] - 1}/{length}"
            response.content_length = wanted[1] - wanted[0]
        else:
            response = Response(stream(served, compress), mimetype=mimetype, headers=headers, direct_passthrough=True)
            if not compress:
                response.content_length = length
        if not compress:
            response.headers["Accept-Ranges"] = "bytes"
        return response
    response = Response(body, mimetype=mimetype, headers=headers)
    # Byte ranges, as a web server serving files answers them: fsspec (``fits.open(url, use_fsspec=True)``)
    # reads a remote file in ranges. Not recorded for IBE; a file server that ignored them would make
    # fsspec read whole files, or fail.
    response.make_conditional(request, accept_ranges=True, complete_length=len(body))
    del response.headers["Date"]  # make_conditional adds one, and the server its own: one is enough
    return response
