"""``twomass_allsky``: the 2MASS All-Sky atlas images as SIA v2 rows, one per image.

IRSA's SIA v2 answer for 2MASS is not recorded; these values are our choice, following
the recorded AllWISE answer with 2MASS's own facts (irsa-recorded.md), each taken from the
image record (surveys/twomass/images.py) that SIA v1 and the FITS header are written from:

* calibration level 2 (IRSA's collection list); one ``science`` row per band image, there
  being no other product per image; ``energy_bandpassname`` J, H or K, as SIA v1's
  ``sia_bp_id``; ``em_min``/``em_max`` the bandpass limits SIA v1 writes;
* ``access_url`` the same IBE data URL SIA v1's ``sia_url`` gives, a ``.fits.gz`` file, so
  ``access_format`` is ``application/x-gzip``, as IRSA labels AllWISE's gzipped products;
  ``access_estsize`` the unzipped file's size in kB (an upper bound, known without rendering);
* ``obs_id`` the image set (``000616n0600256``: ordate, hemisphere, scan, image number), and
  ``obs_publisher_did`` ``ivo://irsa.ipac/twomass_allsky?{obs_id}/{obs_id}_{band}``, AllWISE's
  pattern;
* ``cloud_access`` empty: the layout of IRSA's 2MASS cloud copy is not recorded, and a
  tutorial must not depend on that column (IRSA plans to drop it);
* ``s_ra``/``s_dec`` the image centre; ``s_region`` its four corners; ``s_fov`` its longer
  side (AllWISE's ``s_fov`` is its tile's side); ``s_resolution`` the FWHM of the image's
  stars; 1" pixels (``s_pixel_scale``);
* ``t_min``/``t_max`` (MJD) when the scan crossed the image; ``t_exptime`` 7.8 s (six 1.3 s
  exposures per point of the sky); ``obs_release_date`` the All-Sky release, 2003-03-25;
* facility and instrument ``2MASS``, PI Michael F. Skrutskie, algorithm ``coadd`` (atlas
  images are co-added frames); ``t_xel``, ``em_xel`` 1, no polarization (nulls);
* rows nearest image centre first, J, H, K for each image.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence

import numpy as np

from offline_irsa.services.sia2.obscore import Row, s_region
from offline_irsa.services.sia2.pos import Region
from offline_irsa.services.sia2.registry import Collection
from offline_irsa.sky.geometry import unit_vectors
from offline_irsa.surveys.twomass.bands import BANDS
from offline_irsa.surveys.twomass.images import AtlasImage
from offline_irsa.surveys.twomass.tiling import TILE_RADIUS_DEG, AtlasTile, tile_center, tile_corners, tiles_near

NAME = "twomass_allsky"
EXPOSURE_S = 7.8
RELEASE_DATE = "2003-03-25 00:00:00"
DID_PREFIX = f"ivo://irsa.ipac/{NAME}?"
DID = re.compile(rf"^{re.escape(DID_PREFIX)}"
                 r"(?P<set>(?P<ordate>\d{6})(?P<hem>[ns])(?P<scan>\d{3})(?P<image>\d{4}))/(?P=set)_(?P<band>[JHK])$")


def publisher_did(image: AtlasImage) -> str:
    return f"{DID_PREFIX}{image.set_id}/{image.set_id}_{image.band_name}"


MJD_ZERO = dt.datetime(1858, 11, 17)


def _mjd(moment: dt.datetime) -> float:
    """Modified Julian Date of a UT moment (days since 1858-11-17 0h; astropy's Time is 100x slower)."""
    return (moment - MJD_ZERO).total_seconds() / 86400


class TwoMassAllSky(Collection):
    name = NAME
    description = "2MASS All-Sky Data Release Images"

    @property
    def fixed(self) -> Row:
        return {"obs_collection": NAME, "calib_level": 2, "dataproduct_type": "image",
                "facility_name": "2MASS", "instrument_name": "2MASS"}

    def row(self, image: AtlasImage, upload_row_id: int | None) -> Row:
        band = image.band_info
        start, end = image.observed_span
        return {
            "s_ra": image.center[0], "s_dec": image.center[1], **self.fixed,
            "dataproduct_subtype": "science", "energy_bandpassname": image.band_name,
            "energy_emband": "Infrared", "obs_id": image.set_id, "s_resolution": image.fwhm_arcsec,
            "em_min": band.lo, "em_max": band.hi, "em_res_power": round(band.wavelength / (band.hi - band.lo), 3),
            "proposal_title": "Two Micron All Sky Survey - All-Sky Release Atlas Images",
            "access_url": image.url, "access_format": "application/x-gzip", "access_estsize": image.file_kbytes,
            "t_exptime": EXPOSURE_S, "s_region": s_region(image.corners), "obs_intent": "science",
            "algorithm_name": "coadd", "facility_keywords": "", "instrument_keywords": "",
            "proposal_id": "", "proposal_pi": "Michael F. Skrutskie", "proposal_project": "2MASS",
            "target_name": "", "target_type": "field", "target_standard": False, "target_moving": False,
            "target_keywords": "", "obs_release_date": RELEASE_DATE, "s_xel1": image.naxis[0],
            "s_xel2": image.naxis[1], "s_pixel_scale": image.pixel_scale_arcsec, "position_timedependent": False,
            "t_min": _mjd(start), "t_max": _mjd(end), "t_xel": 1, "obs_publisher_did": publisher_did(image),
            "s_fov": image.longer_side_deg, "em_xel": 1, "pol_states": "", "cloud_access": "", "o_ucd": "",
            "upload_row_id": upload_row_id,
        }

    @staticmethod
    def tiles(region: Region) -> list[AtlasTile]:
        """Atlas tiles meeting the region, nearest centre first."""
        ra, dec = region.centre_radec
        belt, scan, tile = tiles_near(ra, dec, region.reach + TILE_RADIUS_DEG + 1e-6)
        if belt.size == 0:
            return []
        keep = region.meets(tile_corners(belt, scan, tile))
        nearness = unit_vectors(*tile_center(belt[keep], scan[keep], tile[keep])) @ region.centre
        order = np.argsort(-nearness, kind="stable")
        return [AtlasTile(int(b), int(s), int(t)) for b, s, t in zip(belt[keep][order], scan[keep][order],
                                                                     tile[keep][order], strict=True)]

    def search(self, regions: Sequence[Region]) -> Iterator[Row]:
        found: dict[AtlasTile, int] = {}
        for number, region in enumerate(regions, start=1):
            for tile in self.tiles(region):
                found.setdefault(tile, number)
        return (self.row(AtlasImage(tile, band), number) for tile, number in found.items() for band in BANDS)

    def find(self, did: str) -> list[Row]:
        match = DID.match(did)
        if not match:
            return []
        band = match["band"].lower()
        path = f"{match['ordate']}{match['hem']}/s{match['scan']}/image/{band}i{match['scan']}{match['image']}.fits.gz"
        try:
            image = AtlasImage.from_ibe_path(path)
        except ValueError:
            return []
        return [self.row(image, None)]

