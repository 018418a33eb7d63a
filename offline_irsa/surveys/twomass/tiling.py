"""How the synthetic 2MASS survey tiles the sky into scans and atlas images.

The layout follows the 2MASS All-Sky atlas (Explanatory Supplement, section IV.1):
scans 6 degrees long in declination and 8.5 arcmin wide, each cut into 23 atlas
images per band (22 of 512x1024 pixels and one of 512x698), 1 arcsec pixels in SIN
projection, neighbouring images overlapping. J, H and Ks share one pixel grid, so a
tile here stands for the same three images in every band.

Choices where the real survey's bookkeeping is not documented for us:

* Scans live in 30 declination belts of 6 degrees. Each scan runs ``SCAN_MARGIN``
  past both ends of its belt, so belts overlap and the poles fall inside images.
* Scans in a belt are spread evenly in RA, ``SCAN_SPACING`` (8') apart at the belt's
  edge nearest the equator (the belt's widest row), so that neighbouring scans, 8.5'
  wide, overlap by at least 30" everywhere.
* Each hemisphere's scans (counted south to north) are observed ``SCANS_PER_NIGHT`` a
  night from that telescope's first survey day (Mt. Hopkins, ``n``: survey day 109; CTIO,
  ``s``: day 384; Explanatory Supplement II.4a). Day 1 is 1997-03-01, which the recorded
  header confirms (DAYNUM 0793 on 1999-05-02), so day 109 is 1997-06-17: the supplement's
  "7 June 1997" disagrees with its own day count, and we follow the count. ``scanno``
  counts scans within a night. Northern belts (Dec >= 0) are Mt. Hopkins', the rest CTIO's.
* A scan's camera frames step ``FRAME_STEP_ARCSEC`` along it (the recorded DYFS) and
  ``FRAMES_PER_SCAN`` of them (the recorded NUMFRMS) are centred on the scan; frames are
  numbered from the end the scan starts at (south for ``n`` scans). An image is named
  after the frame nearest its centre, as 2MASS names its atlas images.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from offline_irsa.sky.geometry import local_frame, unit_vectors  # noqa: F401  (read here by older code)

PIXEL_SCALE_DEG = 0.0002777777845  # |CDELT| of real atlas images: 1.00000002 arcsec
NAXIS1 = 512
FULL_NAXIS2 = 1024
SHORT_NAXIS2 = 698
TILES_PER_SCAN = 23
BELT_HEIGHT_DEG = 6.0
N_BELTS = 30
SCAN_MARGIN_DEG = 60.0 / 3600.0
SCAN_SPACING_DEG = 8.0 / 60.0
SCANS_PER_NIGHT = 60
SURVEY_DAY_1 = _dt.date(1997, 3, 1)  # DAYNUM 1
FIRST_SURVEY_DAY = {"n": 109, "s": 384}
FIRST_NIGHT = {h: SURVEY_DAY_1 + _dt.timedelta(days=day - 1) for h, day in FIRST_SURVEY_DAY.items()}
MAX_TWIST_DEG = 0.05  # real CROTA2 values reach about 0.05 degrees
FRAME_STEP_ARCSEC = 82.29811096
FRAMES_PER_SCAN = 274
BANDS = ("j", "h", "k")

# Along a scan: 22 full images then the short one, overlapping evenly.
_SCAN_LENGTH = BELT_HEIGHT_DEG * 3600.0 + 2 * SCAN_MARGIN_DEG * 3600.0  # arcsec
_OVERLAP = ((TILES_PER_SCAN - 1) * FULL_NAXIS2 + SHORT_NAXIS2 - _SCAN_LENGTH) / (TILES_PER_SCAN - 1)
_STEP = FULL_NAXIS2 - _OVERLAP
_TILE_OFFSETS = np.array(
    [FULL_NAXIS2 / 2 + t * _STEP for t in range(TILES_PER_SCAN - 1)] + [_SCAN_LENGTH - SHORT_NAXIS2 / 2]
)  # arcsec from the scan's southern end to each tile centre
# Half-diagonal of a full tile: no pixel of a tile is further than this from its centre.
TILE_RADIUS_DEG = math.hypot(NAXIS1 / 2, FULL_NAXIS2 / 2) * PIXEL_SCALE_DEG


def _belt_south(belt: np.ndarray | int) -> np.ndarray:
    return -90.0 + BELT_HEIGHT_DEG * np.asarray(belt)


def _scans_in_belt(belt: int) -> int:
    south, north = -90.0 + BELT_HEIGHT_DEG * belt, -90.0 + BELT_HEIGHT_DEG * (belt + 1)
    widest = 0.0 if south < 0 < north else min(abs(south), abs(north))
    return math.ceil(360.0 * math.cos(math.radians(widest)) / SCAN_SPACING_DEG)


SCANS_PER_BELT = np.array([_scans_in_belt(b) for b in range(N_BELTS)])
_FIRST_SCAN_OF_BELT = np.concatenate([[0], np.cumsum(SCANS_PER_BELT)])
N_SCANS = int(_FIRST_SCAN_OF_BELT[-1])
NORTHERN_BELT = N_BELTS // 2  # the first belt observed from Mt. Hopkins (Dec 0 to 6)
# Scans counted per hemisphere: CTIO's are scans 0.., Mt. Hopkins' start here.
_FIRST_SCAN_OF_HEMISPHERE = {"s": 0, "n": int(_FIRST_SCAN_OF_BELT[NORTHERN_BELT])}
_SCANS_IN_HEMISPHERE = {"s": _FIRST_SCAN_OF_HEMISPHERE["n"], "n": N_SCANS - _FIRST_SCAN_OF_HEMISPHERE["n"]}
# Frame centres, arcsec from the scan's starting end (frames overhang the scan evenly).
_FRAME_OFFSETS = (np.arange(FRAMES_PER_SCAN) + 0.5) * FRAME_STEP_ARCSEC - (
    FRAMES_PER_SCAN * FRAME_STEP_ARCSEC - _SCAN_LENGTH) / 2


def tile_center(belt, scan, tile):
    """RA and Dec (degrees) of tile centres; arguments broadcast as arrays."""
    belt, scan, tile = np.asarray(belt), np.asarray(scan), np.asarray(tile)
    ra = (scan + 0.5) * 360.0 / SCANS_PER_BELT[belt]
    dec = _belt_south(belt) - SCAN_MARGIN_DEG + _TILE_OFFSETS[tile] / 3600.0
    return ra, dec


def tile_twist(belt, scan):
    """Small deterministic rotation (CROTA2, degrees) of every image in a scan."""
    g = _FIRST_SCAN_OF_BELT[np.asarray(belt)] + np.asarray(scan)
    return ((g * 2654435761) % 1000 / 999.0 - 0.5) * 2 * MAX_TWIST_DEG


def tile_naxis2(tile):
    return np.where(np.asarray(tile) == TILES_PER_SCAN - 1, SHORT_NAXIS2, FULL_NAXIS2)


def tile_corners(belt, scan, tile) -> np.ndarray:
    """Unit vectors (n, 4, 3) of the outer pixel corners of tiles, counter-clockwise.

    Pixel x runs west (CDELT1 < 0) and y north, rotated by CROTA2, in SIN projection.
    """
    ra, dec = tile_center(belt, scan, tile)
    rho = np.radians(tile_twist(belt, scan))
    half_w = NAXIS1 / 2 * PIXEL_SCALE_DEG
    half_h = tile_naxis2(tile) / 2 * PIXEL_SCALE_DEG
    # (pixel dx, pixel dy) signs of the corners, ordered counter-clockwise on the sky.
    signs = np.array([[-1, -1], [-1, 1], [1, 1], [1, -1]], dtype=float)
    dx = signs[:, 0][None, :] * half_w  # degrees along pixel x, (n, 4)
    dy = signs[:, 1][None, :] * np.atleast_1d(half_h)[:, None]
    cdelt1, cdelt2 = -1.0, 1.0
    c, s = np.cos(rho)[..., None], np.sin(rho)[..., None]
    x = np.radians(cdelt1 * dx * c - cdelt2 * dy * s)  # intermediate world coords
    y = np.radians(cdelt1 * dx * s + cdelt2 * dy * c)
    east, north, out = local_frame(np.atleast_1d(ra), np.atleast_1d(dec))
    z = np.sqrt(1.0 - x**2 - y**2)
    return x[..., None] * east[:, None, :] + y[..., None] * north[:, None, :] + z[..., None] * out[:, None, :]


@dataclass(frozen=True)
class AtlasTile:
    """One atlas-image footprint: the same pixels in J, H and Ks."""

    belt: int
    scan: int
    tile: int

    @property
    def scan_id(self) -> int:
        return int(_FIRST_SCAN_OF_BELT[self.belt]) + self.scan

    @cached_property
    def center(self) -> tuple[float, float]:
        ra, dec = tile_center(self.belt, self.scan, self.tile)
        return float(ra), float(dec)

    @property
    def naxis2(self) -> int:
        return int(tile_naxis2(self.tile))

    @property
    def twist(self) -> float:
        return float(tile_twist(self.belt, self.scan))

    @property
    def hemisphere(self) -> str:
        """Which telescope: Mt. Hopkins ('n') for northern belts, CTIO ('s') otherwise."""
        return "n" if self.belt >= NORTHERN_BELT else "s"

    @property
    def _nightly_index(self) -> int:
        return self.scan_id - _FIRST_SCAN_OF_HEMISPHERE[self.hemisphere]

    @property
    def night(self) -> _dt.date:
        return FIRST_NIGHT[self.hemisphere] + _dt.timedelta(days=self._nightly_index // SCANS_PER_NIGHT)

    @property
    def ordate(self) -> str:
        return self.night.strftime("%y%m%d")

    @property
    def daynum(self) -> int:
        """Survey day number: day 1 is 1 March 1997 UT."""
        return (self.night - SURVEY_DAY_1).days + 1

    @property
    def scanno(self) -> int:
        return self._nightly_index % SCANS_PER_NIGHT + 1

    @property
    def scandir(self) -> str:
        return "n" if self.scan % 2 == 0 else "s"

    @property
    def image_number(self) -> int:
        """Number of the camera frame nearest the image centre (the file name's last four digits)."""
        return int(image_numbers(self.scandir)[self.tile])

    @property
    def coadd_key(self) -> int:
        return self.scan_id * TILES_PER_SCAN + self.tile + 1

    def fname(self, band: str) -> str:
        return f"{band}i{self.scanno:03d}{self.image_number:04d}.fits.gz"

    def path(self, band: str) -> str:
        """Path of the image below IBE's 2MASS allsky data root."""
        return f"{self.ordate}{self.hemisphere}/s{self.scanno:03d}/image/{self.fname(band)}"

    def corners(self) -> np.ndarray:
        return tile_corners(self.belt, self.scan, self.tile)[0]

    @classmethod
    def from_coadd_key(cls, key: int) -> AtlasTile:
        """The tile whose ``coadd_key`` is ``key``; ValueError if there is none."""
        scan_id, tile = divmod(key - 1, TILES_PER_SCAN)
        if not 0 <= scan_id < N_SCANS:
            raise ValueError(f"no atlas image has coadd_key {key}")
        belt = int(np.searchsorted(_FIRST_SCAN_OF_BELT, scan_id, side="right") - 1)
        return cls(belt, scan_id - int(_FIRST_SCAN_OF_BELT[belt]), tile)

    @classmethod
    def from_path(cls, path: str) -> tuple[AtlasTile, str]:
        """Parse ``{ordate}{hemisphere}/s{scanno}/image/{fname}``; ValueError if no such image."""
        parts = path.split("/")
        if len(parts) != 4 or parts[2] != "image" or len(parts[0]) != 7 or len(parts[1]) != 4:
            raise ValueError(f"not an atlas image path: {path}")
        ordate, hemisphere, scan_dir, fname = parts[0][:6], parts[0][6], parts[1], parts[3]
        if hemisphere not in FIRST_NIGHT or len(fname) != 17 or not (fname[2:9] + scan_dir[1:]).isdigit():
            raise ValueError(f"not an atlas image path: {path}")
        try:
            night = (_dt.datetime.strptime(ordate, "%y%m%d").date() - FIRST_NIGHT[hemisphere]).days
        except ValueError as err:
            raise ValueError(f"not an atlas image path: {path}") from err
        scanno = int(scan_dir[1:])
        band, kind, name_scanno, number = fname[0], fname[1], int(fname[2:5]), int(fname[5:9])
        nightly = night * SCANS_PER_NIGHT + scanno - 1
        if not (
            scan_dir[0] == "s" and band in BANDS and kind == "i" and fname[9:] == ".fits.gz"
            and name_scanno == scanno and 1 <= scanno <= SCANS_PER_NIGHT
            and 0 <= nightly < _SCANS_IN_HEMISPHERE[hemisphere]
        ):
            raise ValueError(f"no such atlas image: {path}")
        scan_id = _FIRST_SCAN_OF_HEMISPHERE[hemisphere] + nightly
        belt = int(np.searchsorted(_FIRST_SCAN_OF_BELT, scan_id, side="right") - 1)
        scan = scan_id - int(_FIRST_SCAN_OF_BELT[belt])
        tiles = np.nonzero(image_numbers(cls(belt, scan, 0).scandir) == number)[0]
        if tiles.size != 1:
            raise ValueError(f"no such atlas image: {path}")
        found = cls(belt, scan, int(tiles[0]))
        if found.path(band) != path:
            raise ValueError(f"no such atlas image: {path}")
        return found, band


def image_numbers(scandir: str) -> np.ndarray:
    """The image number of each tile along a scan: the frame nearest its centre, counted from the start."""
    from_start = _TILE_OFFSETS if scandir == "n" else _SCAN_LENGTH - _TILE_OFFSETS
    return np.abs(from_start[:, None] - _FRAME_OFFSETS[None, :]).argmin(axis=1) + 1


def tiles_near(ra: float, dec: float, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(belt, scan, tile) arrays of every tile whose centre lies within ``radius`` degrees
    of (ra, dec), found by arithmetic on the layout rather than by scanning the sky."""
    centre = unit_vectors(ra, dec)
    lo, hi = dec - radius, dec + radius
    out = []
    for belt in range(N_BELTS):
        south = float(_belt_south(belt)) - SCAN_MARGIN_DEG
        if hi < south or lo > south + BELT_HEIGHT_DEG + 2 * SCAN_MARGIN_DEG:
            continue
        tile_dec = south + _TILE_OFFSETS / 3600.0
        tiles = np.nonzero((tile_dec >= lo) & (tile_dec <= hi))[0]
        if tiles.size == 0:
            continue
        n = int(SCANS_PER_BELT[belt])
        if 90.0 - max(abs(lo), abs(hi)) <= radius or radius >= 90:
            scans = np.arange(n)
        else:
            # Half-width in RA of the cap, at its widest (furthest from the equator) row.
            widest = math.radians(min(89.9999, max(abs(lo), abs(hi))))
            half = math.degrees(math.asin(min(1.0, math.sin(math.radians(radius)) / math.cos(widest))))
            first = math.floor((ra - half) * n / 360.0 - 0.5)
            last = math.ceil((ra + half) * n / 360.0 - 0.5)
            scans = np.unique(np.arange(first, last + 1) % n)
        b, s, t = np.broadcast_arrays(belt, scans[:, None], tiles[None, :])
        out.append((b.ravel(), s.ravel(), t.ravel()))
    if not out:
        return (np.zeros(0, int),) * 3
    belt, scan, tile = (np.concatenate(a) for a in zip(*out, strict=True))
    cra, cdec = tile_center(belt, scan, tile)
    close = unit_vectors(cra, cdec) @ centre >= math.cos(math.radians(radius))
    return belt[close], scan[close], tile[close]
