"""What ``caom.observation`` and ``caom.plane`` hold: the image collections the stand-in serves.

Kept behind two small functions so the source can change in one place. SIA v2 has its own
registry on main (``services/sia2/registry.py``: ``COLLECTIONS``, each with ``fixed`` columns
and ``search(regions)``); when this branch meets it, ``collections`` should list
``registry.COLLECTIONS`` and ``images_near`` call their ``search``, so that TAP's caom tables
and SIA v2 cannot disagree.

Choice: the whole sky holds millions of atlas image sets, far too many to load for a query,
and ``Irsa.list_collections`` asks only which collections exist. So the caom tables hold, per
collection, the image set at one reference position (the first tutorial's target), J, H and
Ks as three planes of dataproducttype ``image``; ``images_near`` lists the images at any
other position for a reader (or SIA v2) that needs them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from offline_irsa.sky.bands import BANDS
from offline_irsa.sky.regions import find_tiles
from offline_irsa.sky.tiling import AtlasTile

REFERENCE_POSITION = (314.30417, 77.595559)


@dataclass(frozen=True)
class Collection:
    name: str  # as IRSA's SIA v2 and caom name it
    instrument: str
    telescope: str
    dataproducttype: str


# As SIA v2 on main describes it (facility_name and instrument_name 2MASS, dataproduct_type image).
COLLECTIONS = (Collection("twomass_allsky", "2MASS", "2MASS", "image"),)


def collections() -> tuple[Collection, ...]:
    return COLLECTIONS


def images_near(ra: float, dec: float, size: float = 0.0) -> list[tuple[Collection, AtlasTile, str]]:
    """(collection, tile, band) of every image meeting the box of ``size`` degrees at (ra, dec)."""
    return [(COLLECTIONS[0], tile, band) for tile in find_tiles(ra, dec, size, size, "OVERLAPS") for band in BANDS]


@cache  # the same for every query; made on the first that reads caom
def caom_rows() -> tuple[list[tuple], list[tuple]]:
    """Rows of caom.observation and caom.plane, in the column order of ``tables``."""
    observations, planes = [], []
    for collection, tile, band in images_near(*REFERENCE_POSITION):
        obsid = tile.coadd_key
        if not observations or observations[-1][0] != obsid:
            observations.append((obsid, collection.name, f"{tile.ordate}{tile.hemisphere}{tile.scanno:03d}"
                                 f"{tile.image_number:04d}", "science", "OBJECT", collection.instrument,
                                 collection.telescope))
        planes.append((obsid * 10 + "jhk".index(band), obsid, f"{band}{tile.image_number:04d}",
                       collection.dataproducttype, 2, BANDS[band].title, *tile.center))
    return observations, planes
