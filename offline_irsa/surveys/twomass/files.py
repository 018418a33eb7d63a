"""The 2MASS atlas files IBE serves: small (512 x 1024) gzipped images, rendered whole and kept.

A 2MASS image is rendered whole because its header's sky statistics (``SKYVAL``, ``SKYSIG``,
``QTnnnn``) are measured on its pixels; it is 2 MB, so a few dozen are kept. Files are gzipped
at level 1: synthetic noise hardly compresses, and level 9 is five times slower for a 1% smaller
file.
"""

from __future__ import annotations

import gzip
import io
from functools import lru_cache

import numpy as np
from astropy.io import fits

from offline_irsa.surveys.base import NotServed, ServedFile
from offline_irsa.surveys.twomass.render import atlas_image
from offline_irsa.surveys.twomass.tiling import AtlasTile

GZIP_LEVEL = 1


@lru_cache(maxsize=48)
def image(tile: AtlasTile, band: str) -> fits.PrimaryHDU:
    """The rendered image, kept for repeated downloads and cutouts of it."""
    return atlas_image(tile, band)


@lru_cache(maxsize=16)
def image_file(tile: AtlasTile, band: str) -> bytes:
    """The whole image as a gzipped FITS file."""
    return fits_bytes(image(tile, band), compress=True)


def image_bytes(tile: AtlasTile, band: str, compress: bool = True) -> bytes:
    """The whole image as a FITS file, gzipped or not; unzipped, the gzipped file is the other byte for byte."""
    return image_file(tile, band) if compress else fits_bytes(image(tile, band), compress=False)


def fits_bytes(hdu: fits.PrimaryHDU, compress: bool) -> bytes:
    raw = io.BytesIO()
    hdu.writeto(raw)
    return gzip.compress(raw.getvalue(), compresslevel=GZIP_LEVEL, mtime=0) if compress else raw.getvalue()


class AtlasFile(ServedFile):
    gzipped = True

    def __init__(self, tile: AtlasTile, band: str) -> None:
        self.tile, self.band = tile, band
        self.name = tile.fname(band)

    @property
    def shape(self) -> tuple[int, int]:
        return self.tile.naxis2, 512

    def header(self) -> fits.Header:
        return image(self.tile, self.band).header

    def pixels(self, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        return image(self.tile, self.band).data[rows[0]:rows[1], columns[0]:columns[1]].copy()  # callers may change it

    def whole(self, compress: bool) -> bytes:
        return image_bytes(self.tile, self.band, compress)


def open_file(path: str) -> AtlasFile:
    """The atlas image at ``path`` below IBE's 2MASS allsky root; ValueError if there is none."""
    if path.endswith((".tbl", "/pers.tbl", "/glint.tbl")):
        raise NotServed(f"{path}: 2MASS artifact tables are not served by the offline stand-in")
    return AtlasFile(*AtlasTile.from_path(path))
