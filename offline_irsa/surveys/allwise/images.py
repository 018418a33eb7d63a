"""One description of an AllWISE Atlas image (a tile in a band), which every door writes from:
SIA v1's row, SIA v2's rows and the FITS header's WCS read their geometry, names and URLs here."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property

from offline_irsa.sky.geometry import to_radec
from offline_irsa.surveys.allwise.bands import BANDS, WiseBand
from offline_irsa.surveys.allwise.render import CRPIX
from offline_irsa.surveys.allwise.tiling import NAXIS, PIXEL_SCALE_DEG, Tile

PUBLIC_BASE = "https://irsa.ipac.caltech.edu"
DATA_ROOT = "/ibe/data/wise/allwise"
PROJECTION = "SIN"
CLOUD_BUCKET, CLOUD_REGION, CLOUD_PREFIX = "nasa-irsa-wise", "us-west-2", "wise/allwise/images"


@dataclass(frozen=True)
class AtlasImage:
    tile: Tile
    band: str  # w1..w4

    @property
    def info(self) -> WiseBand:
        return BANDS[self.band]

    @property
    def center(self) -> tuple[float, float]:
        return self.tile.center

    def url(self, kind: str = "int") -> str:
        return f"{PUBLIC_BASE}{DATA_ROOT}/{self.tile.path(self.band, kind)}"

    def table_url(self, name: str) -> str:
        return f"{PUBLIC_BASE}{DATA_ROOT}/{self.tile.path(self.band)}".rsplit("/", 1)[0] + "/" + name

    def cloud_access(self, path: str) -> str:
        """IRSA's JSON, as recorded: one line, no space after ``"key":``."""
        text = json.dumps({"aws": {"bucket_name": CLOUD_BUCKET, "key": f"{CLOUD_PREFIX}/{path}",
                                   "region": CLOUD_REGION}})
        return text.replace('"key": ', '"key":')

    @property
    def naxis(self) -> tuple[int, int]:
        return NAXIS, NAXIS

    @property
    def crpix(self) -> tuple[float, float]:
        return CRPIX, CRPIX

    @property
    def cdelt(self) -> tuple[float, float]:
        return -PIXEL_SCALE_DEG, PIXEL_SCALE_DEG

    @property
    def cd(self) -> tuple[float, float, float, float]:
        return self.cdelt[0], 0.0, 0.0, self.cdelt[1]  # north up: CROTA2 = 0

    @cached_property
    def corners(self) -> list[tuple[float, float]]:
        ra, dec = to_radec(self.tile.corners())
        return [(float(a), float(d)) for a, d in zip(ra, dec, strict=True)]

    @property
    def file_kbytes(self) -> int:
        """The unzipped FITS file's size in kB: the 71-card header (two 2880-byte blocks) and the float32 pixels."""
        block = 2880
        return math.ceil((2 * block + math.ceil(4 * NAXIS * NAXIS / block) * block) / 1000)
