"""Server-side rendering of FITS images as the viewer shows them: stretch, colour, PNG, readout.

Pixels go through astropy.visualization with the stretch Firefly was sent (``ranges``).
Choices where Firefly's look is not specified by its API: one band is drawn in grey (Firefly's
default colour table 0); pixels that are NaN are transparent; north is up in the sense of
FITS (row 1 at the bottom), as Firefly draws an image without rotation; a 3-colour view
stretches each band on its own and puts J/H/Ks-like bands in red, green and blue as sent.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from offline_irsa.services.firefly.ranges import ASINH, RangeValues


class CannotShow(ValueError):
    """Something the viewer was asked to show and cannot; the message says why, for the page."""


@dataclass
class FitsImage:
    """The image HDU of a FITS file: pixels as float32, header and WCS (None without a celestial one)."""

    name: str
    data: np.ndarray
    header: fits.Header
    wcs: WCS | None

    @property
    def shape(self) -> tuple[int, int]:
        return self.data.shape

    def pixel_to_sky(self, x: float, y: float) -> tuple[float, float] | None:
        """RA, Dec (deg, ICRS or the image's frame) of 0-based pixel (x, y), from the FITS WCS."""
        if self.wcs is None:
            return None
        ra, dec = self.wcs.pixel_to_world_values(x, y)
        return float(ra), float(dec)

    def sky_to_pixel(self, coord: SkyCoord) -> tuple[float, float] | None:
        if self.wcs is None:
            return None
        x, y = self.wcs.world_to_pixel(coord)
        return float(x), float(y)


def read_fits(raw: bytes, name: str, hdu_index: int | None = None) -> FitsImage:
    """The first HDU with 2-D (or more) image data, or the one asked for; gzipped files too."""
    import gzip
    import warnings

    try:
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        with fits.open(io.BytesIO(raw), memmap=False) as hdus:
            candidates = [hdus[hdu_index]] if hdu_index is not None else list(hdus)
            hdu = next((h for h in candidates if h.is_image and h.data is not None and h.data.ndim >= 2), None)
            if hdu is None:
                raise CannotShow(f"{name} has no image HDU")
            data = np.asarray(hdu.data, dtype=np.float32)
            while data.ndim > 2:  # a cube: Firefly shows its first plane
                data = data[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FITSFixedWarning)
                wcs = WCS(hdu.header, naxis=2)
            return FitsImage(name, data, hdu.header.copy(), wcs if wcs.has_celestial else None)
    except (OSError, EOFError, ValueError, IndexError, TypeError) as err:
        if isinstance(err, CannotShow):
            raise
        raise CannotShow(f"{name} is not a FITS image astropy can read ({err})") from err


def unit_values(data: np.ndarray, rv: RangeValues) -> np.ndarray:
    """Pixels mapped to 0..1 (NaN stays NaN) by the stretch, with astropy's interval and stretch."""
    data = np.asarray(data, dtype=np.float64)  # float32 pixels would shift histogram equalisation by a grey level
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return np.full(data.shape, np.nan, dtype=np.float32)
    low, high = rv.limits(finite)
    span = high - low if high != low else 1.0
    x = (data - low) / span
    stretch = rv.stretch(finite, (low, high))
    if rv.algorithm == ASINH:  # Firefly lets bright pixels above the upper bound keep brightening
        x = np.where(np.isnan(x), np.nan, np.maximum(x, 0))
        out = stretch(x, clip=False)
    else:
        out = stretch(np.clip(x, 0, 1), clip=False)
    return np.clip(out, 0, 1).astype(np.float32)


def gray_rgba(data: np.ndarray, rv: RangeValues) -> np.ndarray:
    """One band in grey, as an RGBA uint8 array whose first row is the top of the image."""
    unit = unit_values(data, rv)
    level = np.nan_to_num(unit * 255.0).round().astype(np.uint8)
    rgba = np.dstack([level, level, level, np.where(np.isnan(unit), 0, 255).astype(np.uint8)])
    return rgba[::-1]


def color_rgba(bands: list[tuple[np.ndarray | None, RangeValues]], shape: tuple[int, int]) -> np.ndarray:
    """Red, green and blue from three bands (a missing band is black), each stretched on its own."""
    channels, seen = [], np.zeros(shape, dtype=bool)
    for data, rv in bands:
        if data is None:
            channels.append(np.zeros(shape, dtype=np.uint8))
            continue
        unit = unit_values(data, rv)
        seen |= np.isfinite(unit)
        channels.append(np.nan_to_num(unit * 255.0).round().astype(np.uint8))
    rgba = np.dstack([*channels, np.where(seen, 255, 0).astype(np.uint8)])
    return rgba[::-1]


def png_bytes(rgba: np.ndarray) -> bytes:
    """PNG of an RGBA uint8 array; grey with alpha when the colour channels are equal (half the size).

    Pillow at compression level 1: synthetic noise hardly compresses, and higher levels are slower.
    """
    from PIL import Image

    gray = bool(np.array_equal(rgba[..., 0], rgba[..., 1]) and np.array_equal(rgba[..., 1], rgba[..., 2]))
    picture = Image.fromarray(np.ascontiguousarray(rgba[..., [0, 3]] if gray else rgba), "LA" if gray else "RGBA")
    buffer = io.BytesIO()
    picture.save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def display_to_pixel(u: float, v: float, height: int) -> tuple[float, float]:
    """0-based FITS pixel (x, y) of a point in the picture (u right, v down, in image pixels)."""
    return u - 0.5, height - v - 0.5


def pixel_to_display(x: float, y: float, height: int) -> tuple[float, float]:
    return x + 0.5, height - y - 0.5


def readout(images: list[FitsImage | None], across: float, down: float) -> dict:
    """What the readout shows under the cursor: 1-based FITS pixel, RA/Dec from the WCS, pixel value(s).

    ``across`` and ``down`` are picture coordinates (image pixels from the top-left corner).
    """
    first = next(i for i in images if i is not None)
    height, width = first.shape
    x, y = display_to_pixel(across, down, height)
    col, row = int(math.floor(x + 0.5)), int(math.floor(y + 0.5))
    inside = 0 <= col < width and 0 <= row < height
    values = [float(i.data[row, col]) if (i is not None and inside) else None for i in images]
    sky = first.pixel_to_sky(x, y)
    out = {"x": x + 1, "y": y + 1, "inside": inside, "values": values, "ra": None, "dec": None, "sexagesimal": ""}
    if sky is not None:
        coord = SkyCoord(*sky, unit="deg")
        text = (f"{coord.ra.to_string(unit=u.hourangle, sep='hms', precision=2, pad=True)} "
                f"{coord.dec.to_string(sep=('°', '′', '″'), precision=1, alwayssign=True, pad=True)}")
        out.update(ra=sky[0], dec=sky[1], sexagesimal=text)
    return out
