"""The AllWISE Atlas files IBE serves, below ``/ibe/data/wise/allwise/p3am_cdd``.

Per tile and band: the intensity image ``{id}-w3-int-3.fits`` (not gzipped, 67 MB), and the
uncertainty and coverage images ``{id}-w3-unc-3.fits.gz`` and ``{id}-w3-cov-3.fits.gz``
(gzipped, as IRSA's are). None is kept: IBE streams a whole file as its rows are computed,
and a cutout computes only its box. The auxiliary tables IRSA lists with the images
(``{id}-art-w3-D.tbl`` ... ``-P.tbl``, ``{id}-mfflag-3.tbl``) are answered with a 404 that
says they are not served offline (our choice: their contents are not recorded).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from astropy.io import fits

from offline_irsa.surveys.allwise import render
from offline_irsa.surveys.allwise.tiling import BANDS, NAXIS, Tile
from offline_irsa.surveys.base import NotServed, ServedFile

IMAGE = re.compile(r"^(?P<id>\d{4}[pm]\d{3}_ac51)-(?P<band>w[1-4])-(?P<kind>int|unc|cov)-3\.fits(?P<gz>\.gz)?$")
TABLE = re.compile(r"^(?P<id>\d{4}[pm]\d{3}_ac51)-(art-w[1-4]-[DHOP]|mfflag-3)\.tbl$")


@lru_cache(maxsize=64)
def _header(tile: Tile, band: str, kind: str) -> fits.Header:
    return render.header(tile, band, kind)


class AtlasFile(ServedFile):
    def __init__(self, tile: Tile, band: str, kind: str) -> None:
        self.tile, self.band, self.kind = tile, band, kind
        self.name = tile.file_name(band, kind)
        self.gzipped = kind != "int"

    @property
    def shape(self) -> tuple[int, int]:
        return NAXIS, NAXIS

    def header(self) -> fits.Header:
        return _header(self.tile, self.band, self.kind)

    def pixels(self, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        return render.pixels(self.tile, self.band, self.kind, rows, columns)


def open_file(path: str) -> AtlasFile:
    """The file at ``{id[:2]}/{id[:4]}/{id}/{name}``; ValueError if there is none, NotServed for the tables."""
    parts = path.split("/")
    if len(parts) != 4:
        raise ValueError(f"not an AllWISE Atlas file: {path}")
    folder_id, name = parts[2], parts[3]
    table = TABLE.match(name)
    if table:
        tile = Tile.from_id(table["id"])
        if path != f"{tile.folder}/{name}":
            raise ValueError(f"no such AllWISE Atlas file: {path}")
        raise NotServed(f"{name}: the AllWISE Atlas's auxiliary tables (artifact and multi-frame flag tables) "
                        "are not served by the offline stand-in; the images (-int-, -unc-, -cov-) are")
    image = IMAGE.match(name)
    if not image or image["id"] != folder_id:
        raise ValueError(f"not an AllWISE Atlas file: {path}")
    tile = Tile.from_id(image["id"])
    found = AtlasFile(tile, image["band"], image["kind"])
    if f"{tile.folder}/{found.name}" != path:
        raise ValueError(f"no such AllWISE Atlas file: {path}")
    return found


assert set(BANDS) == set(render.BANDS)
