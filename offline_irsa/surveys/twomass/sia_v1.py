"""The 2MASS All-Sky atlas's SIA v1 answer: its 27 columns, its table PARAMs and its rows.

The columns are in the order IRSA's own SIA v1 writer for 2MASS writes them, with its
datatypes, units and UCD1 words (irsa-recorded.md); the protocol (``services/sia.py``)
writes them. Choices: no ``cloud_access`` column (IRSA's 2MASS writer has none); rows
nearest image centre first, J, H, Ks for each image; ``pers_art`` and ``glint_art``
point where IRSA's writer points them (IBE answers 404 there, saying so).
"""

from __future__ import annotations

import numpy as np

from offline_irsa.services.sia import Column
from offline_irsa.surveys.base import SiaTable
from offline_irsa.surveys.twomass.bands import BANDS
from offline_irsa.surveys.twomass.images import PROJECTION, AtlasImage
from offline_irsa.surveys.twomass.regions import find_tiles

TITLE_PREFIX = "2MASS All-Sky Data Release"
SERVICE_NOTE = "Offline stand-in for IRSA SIA v1 (offline_irsa): synthetic images, not 2MASS data."

COLUMNS = [
    Column("sia_title", "char", "*", ucd="VOX:Image_Title", description="Title of the image"),
    Column("sia_url", "char", "*", ucd="VOX:Image_AccessReference", description="URL of the FITS image"),
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
    Column("sia_bp_id", "char", "*", ucd="VOX:BandPass_ID", description="Band", options=("J", "H", "K")),
    Column("sia_bp_ref", "double", ucd="VOX:BandPass_RefValue", description="Reference wavelength of the band"),
    Column("sia_bp_lo", "double", ucd="VOX:BandPass_LoLimit", description="Lower limit of the band"),
    Column("sia_bp_hi", "double", ucd="VOX:BandPass_HiLimit", description="Upper limit of the band"),
    Column("pers_art", "char", "*", description="URL of the scan's persistence artifact table"),
    Column("glint_art", "char", "*", description="URL of the scan's filter glint artifact table"),
    Column("ordate", "char", "*", description="Observation reference date (yymmdd)"),
    Column("hemisphere", "char", "*", description="Observatory: n (Mt. Hopkins) or s (CTIO)", options=("n", "s")),
    Column("scanno", "int", description="Nightly scan number"),
    Column("coaddno", "int", description="Image number within the scan"),
    Column("ut_date", "char", "*", description="UT date of the observation (yymmdd)"),
    Column("coadd_key", "int", description="Unique identifier of the image set"),
    Column("seesh", "double", unit="arcsec", description="Seeing FWHM"),
    Column("magzp", "double", description="Photometric zero point (mag)"),
    Column("msnr10", "double", description="Approximate magnitude at SNR 10"),
]
TABLE_PARAMS = [  # name, datatype, value, UCD
    ("sia_pixflags", "char", "CZ", "VOX:Image_PixFlags"),
    ("sia_radesys", "char", "FK5", "VOX:STC_CoordRefFrame"),
    ("sia_equinox", "double", "2000.0", "VOX:STC_CoordEquinox"),
    ("sia_bp_unit", "char", "meters", "VOX:BandPass_Unit"),
]

def title(image: AtlasImage) -> str:
    return f"{TITLE_PREFIX} {image.band_name}-Band Atlas Image: {image.set_label}"


def _row(image: AtlasImage) -> tuple:
    """The SIA v1 row of one image, every value read from the image record."""
    ra, dec = image.center
    return (
        title(image), image.url, 2, "image/fits", ra, dec, np.array(image.naxis), np.array(image.crpix),
        np.array(image.crval), PROJECTION, np.array(image.cdelt), np.array(image.cd),
        image.band_name, image.band_info.wavelength, image.band_info.lo, image.band_info.hi,
        f"{image.scan_data_url}/pers.tbl", f"{image.scan_data_url}/glint.tbl",
        image.ordate, image.hemisphere, image.scanno, image.image_number, image.ut_date, image.coadd_key,
        image.seesh, image.magzp, image.msnr10,
    )


def search(ra: float, dec: float, width: float, height: float, intersect: str) -> list[tuple]:
    return [_row(AtlasImage(tile, band)) for tile in find_tiles(ra, dec, width, height, intersect) for band in BANDS]


TABLE = SiaTable(COLUMNS, TABLE_PARAMS, search, SERVICE_NOTE)
