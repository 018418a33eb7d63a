"""How the synthetic AllWISE Atlas tiles the sky, with IRSA's tile ids and file paths.

Recorded (irsa-recorded.md): tiles of 1.564 deg x 1.564 deg, 4095 x 4095 pixels of 1.375",
SIN projection; ids ``RRRR[p|m]DDD_ac51`` (the centre's RA and Dec in tenths of a degree);
paths ``p3am_cdd/{id[:2]}/{id[:4]}/{id}/{id}-w3-int-3.fits``; tile ``3150p772_ac51`` is centred
at (315.021854, +77.236667). IRSA's own grid (18,240 tiles) is not recorded beyond that tile, so
the grid here is our choice, arranged so that the recorded tile comes out exactly:

* **declination rows** ``DEC_STEP`` apart (12.763333 deg from the recorded row to the pole, in
  nine steps: 1.41815 deg, so neighbouring rows overlap by 0.146 deg), from the north pole down to
  the row nearest the south pole, plus one tile centred on each pole;
* **tiles along a row** spread evenly in RA, as few as keep neighbours ``RA_STEP`` (1.5 deg) or
  less apart on the row's edge nearest the equator (so they overlap there by 0.064 deg at least);
* **RA phase**: every row's tiles sit the same fraction of a step past RA 0 as the recorded tile
  does in its row;
* ids round the centre to the nearest tenth of a degree (``3600`` wraps to ``0000``); no two
  tiles share one, tiles of a row being at least 1.5 deg apart and rows 1.4 deg apart.

That makes 19,693 tiles, not IRSA's 18,240: a tile we serve may have no real twin but the
recorded one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from offline_irsa.sky.geometry import local_frame, unit_vectors

NAXIS = 4095
PIXEL_SCALE_DEG = 0.0003819444391411  # 1.375", as the float32 the files carry (s_fov = 4095 of them)
TILE_SIDE_DEG = 1.5640624782851251  # SIA v2's s_fov, recorded
ANCHOR_RA, ANCHOR_DEC = 315.021854, 77.236667  # tile 3150p772_ac51, recorded
DEC_STEP = (90.0 - ANCHOR_DEC) / 9
RA_STEP = 1.5
VERSION = "ac51"
BANDS = ("w1", "w2", "w3", "w4")
DATA_SET = "p3am_cdd"
# Rows from the south pole to the north pole: a polar tile, then every DEC_STEP up to +90.
_FIRST = ANCHOR_DEC - DEC_STEP * math.floor((ANCHOR_DEC + 90.0) / DEC_STEP)
ROW_DEC = np.concatenate([[-90.0], _FIRST + DEC_STEP * np.arange(round((90.0 - _FIRST) / DEC_STEP) + 1)])
ROW_DEC[-1] = 90.0


def _tiles_in_row(dec: float) -> int:
    if abs(dec) >= 90.0 - 1e-9:
        return 1
    edge = max(0.0, abs(dec) - DEC_STEP / 2)
    return math.ceil(360.0 * math.cos(math.radians(edge)) / RA_STEP)


ROW_N = np.array([_tiles_in_row(d) for d in ROW_DEC])
ANCHOR_ROW = int(np.argmin(np.abs(ROW_DEC - ANCHOR_DEC)))
PHASE = (ANCHOR_RA * ROW_N[ANCHOR_ROW] / 360.0) % 1.0
N_TILES = int(ROW_N.sum())
_FIRST_OF_ROW = np.concatenate([[0], np.cumsum(ROW_N)])
TILE_RADIUS_DEG = math.hypot(NAXIS, NAXIS) / 2 * PIXEL_SCALE_DEG * 1.0001  # centre to furthest corner
ID = re.compile(r"^(?P<ra>\d{4})(?P<sign>[pm])(?P<dec>\d{3})_" + VERSION + "$")


def tile_center(row, index):
    row, index = np.asarray(row), np.asarray(index)
    n = ROW_N[row]
    ra = np.where(n == 1, 0.0, ((index + PHASE) * 360.0 / n) % 360.0)
    return ra, ROW_DEC[row]


def tile_corners(row, index) -> np.ndarray:
    """Unit vectors (n, 4, 3) of tiles' outer pixel corners (SIN, north up, x to the west)."""
    ra, dec = tile_center(np.atleast_1d(row), np.atleast_1d(index))
    east, north, out = local_frame(ra, dec)
    half = math.radians(NAXIS / 2 * PIXEL_SCALE_DEG)
    corners = []
    for sx, sy in ((1, -1), (1, 1), (-1, 1), (-1, -1)):  # counter-clockwise on the sky
        x, y = sx * half, sy * half
        corners.append(x * east + y * north + math.sqrt(1 - x * x - y * y) * out)
    return np.stack(corners, axis=1)


@dataclass(frozen=True)
class Tile:
    """One AllWISE Atlas tile: the same 4095 x 4095 pixel grid in W1-W4."""

    row: int
    index: int

    @cached_property
    def center(self) -> tuple[float, float]:
        ra, dec = tile_center(self.row, self.index)
        return float(ra), float(dec)

    @property
    def key(self) -> int:
        """A number for the tile, seeding its noise."""
        return int(_FIRST_OF_ROW[self.row]) + self.index

    @property
    def coadd_id(self) -> str:
        ra, dec = self.center
        return f"{round(ra * 10) % 3600:04d}{'p' if dec >= 0 else 'm'}{round(abs(dec) * 10):03d}_{VERSION}"

    def file_name(self, band: str, kind: str = "int") -> str:
        """``{id}-w3-int-3.fits``; unc and cov gzipped, as IRSA's are."""
        suffix = ".fits" if kind == "int" else ".fits.gz"
        return f"{self.coadd_id}-{band}-{kind}-3{suffix}"

    @property
    def folder(self) -> str:
        cid = self.coadd_id
        return f"{cid[:2]}/{cid[:4]}/{cid}"

    def path(self, band: str, kind: str = "int") -> str:
        """Path below IBE's ``wise/allwise`` data root: ``p3am_cdd/31/3150/{id}/{file}``."""
        return f"{DATA_SET}/{self.folder}/{self.file_name(band, kind)}"

    def auxiliary(self, band: str) -> list[str]:
        """The tile's auxiliary tables for a band: the four artifact tables."""
        return [f"{self.coadd_id}-art-{band}-{flag}.tbl" for flag in "DHOP"]

    @property
    def mfflag(self) -> str:
        return f"{self.coadd_id}-mfflag-3.tbl"

    def corners(self) -> np.ndarray:
        return tile_corners(self.row, self.index)[0]

    @classmethod
    def from_id(cls, coadd_id: str) -> Tile:
        match = ID.match(coadd_id)
        if not match:
            raise ValueError(f"not an AllWISE Atlas tile id: {coadd_id}")
        dec = int(match["dec"]) / 10 * (1 if match["sign"] == "p" else -1)
        row = int(np.argmin(np.abs(ROW_DEC - dec)))
        n = int(ROW_N[row])
        index = round(int(match["ra"]) / 10 * n / 360.0 - PHASE) % n
        tile = cls(row, index)
        if tile.coadd_id != coadd_id:
            raise ValueError(f"no AllWISE Atlas tile has id {coadd_id}")
        return tile


def tiles_near(ra: float, dec: float, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(row, index) of every tile whose centre is within ``radius`` degrees of (ra, dec)."""
    rows = np.nonzero(np.abs(ROW_DEC - dec) <= radius + 1e-9)[0]
    found_r, found_i = [], []
    for row in rows:
        n = int(ROW_N[row])
        found_r.append(np.full(n, row))
        found_i.append(np.arange(n))
    if not found_r:
        return np.zeros(0, int), np.zeros(0, int)
    row, index = np.concatenate(found_r), np.concatenate(found_i)
    close = unit_vectors(*tile_center(row, index)) @ unit_vectors(ra, dec) >= math.cos(math.radians(radius))
    return row[close], index[close]
