"""The AllWISE Atlas's SIA v1 answer at ``/ibe/sia/wise/allwise/p3am_cdd``.

Recorded (irsa-recorded.md, "SIA v1 for AllWISE"): 23 columns in IRSA's order, ``cloud_access``
third, ``sia_bp_hi`` before ``sia_bp_lo``, ``sia_bp_unit`` a column, ``coadd_id`` last; four
rows per tile ordered W4, W2, W3, W1; titles ``W4 Coadd 3150p772_ac51``; ``sia_url`` the IBE
URL of the intensity file. Choices where the record is silent:

* the ``sia_`` columns carry the UCD1 words and datatypes of IRSA's 2MASS answer;
  ``magzp``, ``magzpunc`` doubles; ``unc_url``/``cov_url`` the IBE URLs of the gzipped
  uncertainty and coverage images; ``cloud_access`` the JSON SIA v2's science rows carry;
* table PARAMs ``sia_radesys`` FK5 and ``sia_equinox`` 2000.0, as for 2MASS (the band unit
  is a column here);
* tiles nearest the search centre first.
"""

from __future__ import annotations

import numpy as np

from offline_irsa.services.sia import Column
from offline_irsa.sky.geometry import box_reach, select, unit_vectors
from offline_irsa.surveys.allwise.images import PROJECTION, AtlasImage
from offline_irsa.surveys.allwise.tiling import TILE_RADIUS_DEG, Tile, tile_center, tile_corners, tiles_near
from offline_irsa.surveys.base import SiaTable

ROW_BANDS = ("w4", "w2", "w3", "w1")  # IRSA's row order, recorded
SERVICE_NOTE = "Offline stand-in for IRSA SIA v1 (offline_irsa): synthetic images, not WISE data."

COLUMNS = [
    Column("sia_title", "char", "*", ucd="VOX:Image_Title", description="Title of the image"),
    Column("sia_url", "char", "*", ucd="VOX:Image_AccessReference", description="URL of the FITS image"),
    Column("cloud_access", "char", "*", description="Where the image is in the cloud (JSON)"),
    Column("sia_naxes", "int", ucd="VOX:Image_Naxes", description="Number of image axes"),
    Column("sia_fmt", "char", "*", ucd="VOX:Image_Format", description="MIME type of the file at sia_url"),
    Column("sia_ra", "double", unit="deg", ucd="POS_EQ_RA_MAIN", description="RA of the image centre"),
    Column("sia_dec", "double", unit="deg", ucd="POS_EQ_DEC_MAIN", description="Dec of the image centre"),
    Column("sia_naxis", "int", "*", ucd="VOX:Image_Naxis", description="Image size in pixels, per axis"),
    Column("sia_crpix", "double", "*", "pix", "VOX:WCS_CoordRefPixel", "WCS reference pixel"),
    Column("sia_crval", "double", "*", "deg", "VOX:WCS_CoordRefValue", "World coordinates of the reference pixel"),
    Column("sia_proj", "char", "3", ucd="VOX:WCS_CoordProjection", description="Celestial projection code"),
    Column("sia_scale", "double", "*", "deg/pix", "VOX:Image_Scale", "Scale of each axis"),
    Column("sia_cd", "double", "*", "deg/pix", "VOX:WCS_CDMatrix", "WCS CD matrix"),
    Column("sia_bp_id", "char", "*", ucd="VOX:BandPass_ID", description="Band",
           options=("W1", "W2", "W3", "W4")),
    Column("sia_bp_ref", "double", ucd="VOX:BandPass_RefValue", description="Reference wavelength of the band"),
    Column("sia_bp_hi", "double", ucd="VOX:BandPass_HiLimit", description="Upper limit of the band"),
    Column("sia_bp_lo", "double", ucd="VOX:BandPass_LoLimit", description="Lower limit of the band"),
    Column("sia_bp_unit", "char", "*", ucd="VOX:BandPass_Unit", description="Unit of the bandpass values"),
    Column("magzp", "double", description="Photometric zero point (mag for 1 DN)"),
    Column("magzpunc", "double", description="Uncertainty of the zero point (mag)"),
    Column("unc_url", "char", "*", description="URL of the uncertainty image"),
    Column("cov_url", "char", "*", description="URL of the coverage image"),
    Column("coadd_id", "char", "*", description="Atlas tile id"),
]
TABLE_PARAMS = [
    ("sia_radesys", "char", "FK5", "VOX:STC_CoordRefFrame"),
    ("sia_equinox", "double", "2000.0", "VOX:STC_CoordEquinox"),
]


def title(image: AtlasImage) -> str:
    return f"{image.info.name} Coadd {image.tile.coadd_id}"


def row(image: AtlasImage) -> tuple:
    ra, dec = image.center
    info = image.info
    return (
        title(image), image.url("int"), image.cloud_access(image.tile.path(image.band, "int")), 2, "image/fits",
        ra, dec, np.array(image.naxis), np.array(image.crpix), np.array([ra, dec]), PROJECTION,
        np.array(image.cdelt), np.array(image.cd), info.name, info.wavelength, info.hi, info.lo, "meters",
        info.magzp, info.magzpunc, image.url("unc"), image.url("cov"), image.tile.coadd_id,
    )


def find_tiles(ra: float, dec: float, width: float, height: float, intersect: str) -> list[Tile]:
    reach = box_reach(ra, dec, width, height) + TILE_RADIUS_DEG + 1e-6
    rows, index = tiles_near(ra, dec, reach)
    kept = select(tile_corners(rows, index), unit_vectors(*tile_center(rows, index)), ra, dec, width, height,
                  intersect)
    return [Tile(int(rows[i]), int(index[i])) for i in kept]


def search(ra: float, dec: float, width: float, height: float, intersect: str) -> list[tuple]:
    return [row(AtlasImage(tile, band)) for tile in find_tiles(ra, dec, width, height, intersect)
            for band in ROW_BANDS]


TABLE = SiaTable(COLUMNS, TABLE_PARAMS, search, SERVICE_NOTE)
