"""``wise_allwise``: the AllWISE Atlas as SIA v2 rows, one per product, as IRSA answers.

Recorded (irsa-recorded.md, "SIA v2 at ..."): per tile and band, a ``science`` row (the
``-int-3.fits`` file, ``image/fits``), a ``weight`` row (``-cov-3.fits.gz``,
``application/x-gzip``), a ``noise`` row (``-unc-3.fits.gz``) and ``auxiliary`` rows
(``-art-w3-D.tbl`` ... ``-P.tbl``, ``-mfflag-3.tbl``, ``text/plain``); 30 rows for the recorded
tile; the science rows' values per band (``s_resolution``, ``em_min``/``em_max``,
``t_exptime``) and the W3 row's values, which every row here follows. Choices where the record
is silent:

* every product of a tile's band shares the band's values and its ``obs_publisher_did``
  (``ivo://irsa.ipac/wise_allwise?{id}/{id}_W3``, recorded for the science row): the DID names
  the observation, which ObsCore lets several products share;
* the ``-mfflag-3.tbl`` row is listed under W1 and W2 (the bands AllWISE built from both the
  cryogenic and the post-cryogenic survey, which the multi-frame flags concern), which gives the
  recorded 30 rows: 4 bands x 7 products + 2;
* ``access_estsize`` the unzipped size of an image file (kB); null for the tables;
  ``s_xel1``/``s_xel2`` 4095 for images, null for tables; ``cloud_access`` the recorded JSON
  pattern for every product, with its own file;
* ``em_res_power`` the reference wavelength over the band's width; ``t_min``/``t_max`` from
  ``render.observed_mjd``; rows nearest tile first, then W1..W4, products in the order above.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from offline_irsa.services.sia2.obscore import Row, s_region
from offline_irsa.services.sia2.pos import Region
from offline_irsa.services.sia2.registry import Collection
from offline_irsa.sky.geometry import unit_vectors
from offline_irsa.surveys.allwise.images import DATA_ROOT, PUBLIC_BASE, AtlasImage
from offline_irsa.surveys.allwise.render import observed_mjd
from offline_irsa.surveys.allwise.tiling import (
    BANDS,
    PIXEL_SCALE_DEG,
    TILE_RADIUS_DEG,
    TILE_SIDE_DEG,
    Tile,
    tile_center,
    tile_corners,
    tiles_near,
)

NAME = "wise_allwise"
DID_PREFIX = f"ivo://irsa.ipac/{NAME}?"
DID = re.compile(rf"^{re.escape(DID_PREFIX)}(?P<id>\d{{4}}[pm]\d{{3}}_ac51)/(?P=id)_(?P<band>W[1-4])$")
RELEASE_DATE = "2013-11-13 00:00:00"
MFFLAG_BANDS = ("w1", "w2")


def publisher_did(image: AtlasImage) -> str:
    cid = image.tile.coadd_id
    return f"{DID_PREFIX}{cid}/{cid}_{image.info.name}"


class AllWise(Collection):
    name = NAME
    description = "AllWISE Atlas Images"

    @property
    def fixed(self) -> Row:
        return {"obs_collection": NAME, "calib_level": 3, "dataproduct_type": "image",
                "facility_name": "Wide-field Infrared Survey Explorer", "instrument_name": "WISE"}

    @staticmethod
    def products(image: AtlasImage) -> list[tuple[str, str, str, str]]:
        """(subtype, file name, access_format, path below the data root) of a tile's band."""
        tile, band = image.tile, image.band
        out = [("science", tile.file_name(band, "int"), "image/fits"),
               ("weight", tile.file_name(band, "cov"), "application/x-gzip"),
               ("noise", tile.file_name(band, "unc"), "application/x-gzip")]
        out += [("auxiliary", name, "text/plain") for name in tile.auxiliary(band)]
        if band in MFFLAG_BANDS:
            out.append(("auxiliary", tile.mfflag, "text/plain"))
        return [(kind, name, fmt, f"p3am_cdd/{tile.folder}/{name}") for kind, name, fmt in out]

    def rows(self, image: AtlasImage, upload_row_id: int | None) -> list[Row]:
        info = image.info
        t_min, t_max = observed_mjd(image.tile)
        common = {
            "s_ra": image.center[0], "s_dec": image.center[1], **self.fixed,
            "energy_bandpassname": info.name, "energy_emband": "Infrared", "obs_id": image.tile.coadd_id,
            "s_resolution": info.fwhm_arcsec, "em_min": info.lo, "em_max": info.hi,
            "em_res_power": round(info.wavelength / (info.hi - info.lo), 3),
            "proposal_title": "Wide-field Infrared Survey Explorer - AllWISE Atlas Images",
            "t_exptime": info.t_exptime, "s_region": s_region(image.corners), "obs_intent": "science",
            "algorithm_name": "mosaic", "facility_keywords": "", "instrument_keywords": "", "proposal_id": "",
            "proposal_pi": "Edward L. Wright", "proposal_project": "WISE", "target_name": "",
            "target_type": "field", "target_standard": False, "target_moving": False, "target_keywords": "",
            "obs_release_date": RELEASE_DATE, "s_pixel_scale": round(PIXEL_SCALE_DEG * 3600, 6),
            "position_timedependent": False, "t_min": t_min, "t_max": t_max, "t_xel": 1,
            "obs_publisher_did": publisher_did(image), "s_fov": TILE_SIDE_DEG, "em_xel": 1, "pol_states": "",
            "o_ucd": "", "upload_row_id": upload_row_id,
        }
        out = []
        for kind, _name, fmt, path in self.products(image):
            is_image = kind != "auxiliary"
            out.append({
                **common, "dataproduct_subtype": kind, "access_url": f"{PUBLIC_BASE}{DATA_ROOT}/{path}",
                "access_format": fmt,
                "access_estsize": image.file_kbytes if is_image else None,
                "s_xel1": 4095 if is_image else None, "s_xel2": 4095 if is_image else None,
                "cloud_access": image.cloud_access(path),
            })
        return out

    @staticmethod
    def tiles(region: Region) -> list[Tile]:
        ra, dec = region.centre_radec
        rows, index = tiles_near(ra, dec, region.reach + TILE_RADIUS_DEG + 1e-6)
        if rows.size == 0:
            return []
        keep = region.meets(tile_corners(rows, index))
        nearness = unit_vectors(*tile_center(rows[keep], index[keep])) @ region.centre
        order = (-nearness).argsort(kind="stable")
        return [Tile(int(r), int(i)) for r, i in zip(rows[keep][order], index[keep][order], strict=True)]

    def search(self, regions: Sequence[Region]) -> Iterator[Row]:
        found: dict[Tile, int] = {}
        for number, region in enumerate(regions, start=1):
            for tile in self.tiles(region):
                found.setdefault(tile, number)
        return (row for tile, number in found.items() for band in BANDS
                for row in self.rows(AtlasImage(tile, band), number))

    def find(self, did: str) -> list[Row]:
        match = DID.match(did)
        if not match:
            return []
        try:
            tile = Tile.from_id(match["id"])
        except ValueError:
            return []
        return self.rows(AtlasImage(tile, match["band"].lower()), None)
