"""One description of an atlas image, which every door to it reads.

An ``AtlasImage`` is one tile in one band. Its geometry (size, reference pixel and value,
scale, twist, CD matrix, corners), its names (file, IBE path and URL, image-set id) and its
observing record (dates, seeing, zero point) are worked out here once; the SIA v1 row, the
SIA v2 rows, the rows of IRSA's older 2MASS SIA and the FITS header's WCS are all written
from it, so what one door says about an image cannot drift from what another says.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from offline_irsa.surveys.twomass.bands import BANDS, Band
from offline_irsa.surveys.twomass.tiling import FRAME_STEP_ARCSEC, FRAMES_PER_SCAN, NAXIS1, PIXEL_SCALE_DEG, AtlasTile

PUBLIC_BASE = "https://irsa.ipac.caltech.edu"  # what the harness routes to the stand-in
IBE_DATA_ROOT = f"{PUBLIC_BASE}/ibe/data/twomass/allsky/allsky"
PROJECTION = "SIN"


@dataclass(frozen=True)
class AtlasImage:
    """One 2MASS atlas image: ``tile`` in ``band`` (``j``, ``h`` or ``k``)."""

    tile: AtlasTile
    band: str

    @classmethod
    def from_ibe_path(cls, path: str) -> AtlasImage:
        """The image at ``path`` below IBE's data root; ValueError if there is none."""
        return cls(*AtlasTile.from_path(path))

    def other_band(self, band: str) -> AtlasImage:
        return AtlasImage(self.tile, band)

    # --- what and where -------------------------------------------------------------------

    @property
    def band_info(self) -> Band:
        return BANDS[self.band]

    @property
    def band_name(self) -> str:
        """``J``, ``H`` or ``K``: the band as SIA v1's ``sia_bp_id`` writes it."""
        return self.band_info.title

    @property
    def ordate(self) -> str:
        return self.tile.ordate

    @property
    def hemisphere(self) -> str:
        return self.tile.hemisphere

    @property
    def scanno(self) -> int:
        return self.tile.scanno

    @property
    def image_number(self) -> int:
        return self.tile.image_number

    @property
    def coadd_key(self) -> int:
        return self.tile.coadd_key

    @property
    def set_label(self) -> str:
        """``000616 n 060 0256``: the image set (the three bands) as 2MASS titles name it."""
        return f"{self.ordate} {self.hemisphere} {self.scanno:03d} {self.image_number:04d}"

    @property
    def set_id(self) -> str:
        """``000616n0600256``: the image set as one token (SIA v2's ``obs_id``, our choice)."""
        return self.set_label.replace(" ", "")

    @property
    def fname(self) -> str:
        return self.tile.fname(self.band)

    @property
    def path(self) -> str:
        """Path below IBE's 2MASS allsky data root."""
        return self.tile.path(self.band)

    @property
    def url(self) -> str:
        """IBE's URL of the gzipped FITS file (SIA v1's ``sia_url``, SIA v2's ``access_url``)."""
        return f"{IBE_DATA_ROOT}/{self.path}"

    @property
    def scan_data_url(self) -> str:
        """IBE's folder of the image's scan."""
        return f"{IBE_DATA_ROOT}/{self.ordate}{self.hemisphere}/s{self.scanno:03d}"

    # --- geometry: the FITS WCS, and the footprint -----------------------------------------

    @property
    def center(self) -> tuple[float, float]:
        return self.tile.center

    @property
    def naxis(self) -> tuple[int, int]:
        return NAXIS1, self.tile.naxis2

    @property
    def crpix(self) -> tuple[float, float]:
        return NAXIS1 / 2 + 0.5, self.tile.naxis2 / 2 + 0.5

    @property
    def crval(self) -> tuple[float, float]:
        return self.center

    @property
    def cdelt(self) -> tuple[float, float]:
        return -PIXEL_SCALE_DEG, PIXEL_SCALE_DEG

    @property
    def crota2(self) -> float:
        return self.tile.twist

    @property
    def cd(self) -> tuple[float, float, float, float]:
        """CD1_1, CD1_2, CD2_1, CD2_2 from CDELT and CROTA2, as IRSA's SIA v1 writer forms them."""
        rho = math.radians(self.crota2)
        cdelt1, cdelt2 = self.cdelt
        return (math.cos(rho) * cdelt1, -math.sin(rho) * cdelt2, math.sin(rho) * cdelt1, math.cos(rho) * cdelt2)

    @property
    def pixel_scale_arcsec(self) -> float:
        return PIXEL_SCALE_DEG * 3600

    @property
    def longer_side_deg(self) -> float:
        return max(self.naxis) * PIXEL_SCALE_DEG

    @cached_property
    def corners(self) -> list[tuple[float, float]]:
        """(RA, Dec) in degrees of the four outer pixel corners, counter-clockwise on the sky."""
        xyz = self.tile.corners()
        ra = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0])) % 360.0
        dec = np.degrees(np.arcsin(np.clip(xyz[:, 2], -1, 1)))
        return [(float(a), float(d)) for a, d in zip(ra, dec, strict=True)]

    @property
    def file_kbytes(self) -> int:
        """Size of the FITS file in kilobytes (1000 bytes): the pixels, float32, plus the header.

        SIA v2's ``access_estsize``. The served file is gzipped, about three quarters of this
        for the synthetic images; the unzipped size is given, an upper bound that does not
        need the image rendered to be known.
        """
        block = 2880  # FITS files are whole 2880-byte blocks; the atlas header fills two
        return math.ceil((2 * block + math.ceil(4 * NAXIS1 * self.tile.naxis2 / block) * block) / 1000)

    # --- observing record ------------------------------------------------------------------

    @property
    def observed(self) -> _dt.datetime:
        """UT of the image's central frame."""
        from offline_irsa.surveys.twomass.render import observed_at  # render builds headers from this record

        return observed_at(self.tile)

    @property
    def observed_span(self) -> tuple[_dt.datetime, _dt.datetime]:
        """UT when the scan began and finished crossing the image (the frames it is made of)."""
        from offline_irsa.surveys.twomass.render import SCAN_DURATION

        frames = self.tile.naxis2 * self.pixel_scale_arcsec / FRAME_STEP_ARCSEC
        half = SCAN_DURATION / FRAMES_PER_SCAN * frames / 2
        return self.observed - half, self.observed + half

    @property
    def ut_date(self) -> str:
        return self.observed.strftime("%y%m%d")

    @property
    def seesh(self) -> float:
        from offline_irsa.surveys.twomass.render import seeing

        return seeing(self.tile)

    @property
    def magzp(self) -> float:
        from offline_irsa.surveys.twomass.render import magzp

        return magzp(self.tile, self.band)

    @property
    def msnr10(self) -> float:
        from offline_irsa.surveys.twomass.render import msnr10

        return msnr10(self.tile, self.band)

    @property
    def fwhm_arcsec(self) -> float:
        """Width of the stars' profile in this image (arcsec)."""
        from offline_irsa.surveys.twomass.render import fwhm_px

        return round(fwhm_px(self.tile) * self.pixel_scale_arcsec, 2)
