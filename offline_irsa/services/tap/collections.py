"""What ``caom.observation`` and ``caom.plane`` hold: the image collections SIA v2 serves, from its registry.

TAP's caom tables and SIA v2 cannot disagree: both read ``services/sia2/registry.py``. A
collection registered there (``twomass_allsky``, AllWISE's ``wise_allwise``) is
listed here with no change to this module, and its planes are the rows its own ``search`` gives.

Choice: the whole sky holds millions of image sets, far too many to load for a query, and
``Irsa.list_collections`` asks only which collections exist. So the caom tables hold, per
collection, the products at one reference position (the first tutorial's target), one plane
per product row SIA v2 gives there; ``images_near`` lists them at any other position.
"""

from __future__ import annotations

from functools import cache

from offline_irsa.services.sia2 import registry
from offline_irsa.services.sia2.obscore import Row
from offline_irsa.services.sia2.pos import parse

REFERENCE_POSITION = (314.30417, 77.595559)
POINT_RADIUS_DEG = 1e-6  # SIA v2 takes circles; this one stands for the point itself


def collections() -> list[registry.Collection]:
    import offline_irsa.surveys  # noqa: F401  (registers every survey's collection, once)

    return list(registry.COLLECTIONS.values())


def images_near(ra: float, dec: float) -> list[Row]:
    """SIA v2's rows, every collection, of the products that contain (ra, dec)."""
    region = parse(f"CIRCLE {ra} {dec} {POINT_RADIUS_DEG}")
    return [row for collection in collections() for row in collection.search([region])]


@cache  # the same for every query; made on the first that reads caom
def caom_rows() -> tuple[list[tuple], list[tuple]]:
    """Rows of caom.observation and caom.plane, in the column order of ``tables``."""
    observations, planes, obsids = [], [], {}
    for row in images_near(*REFERENCE_POSITION):
        key = (row["obs_collection"], row["obs_id"])
        if key not in obsids:
            obsids[key] = len(obsids) + 1
            observations.append((obsids[key], row["obs_collection"], row["obs_id"], row["obs_intent"], "OBJECT",
                                 row["instrument_name"], row["facility_name"]))
        planes.append((len(planes) + 1, obsids[key], row["obs_publisher_did"].rsplit("/", 1)[-1],
                       row["dataproduct_type"], row["calib_level"], row["energy_bandpassname"],
                       row["s_ra"], row["s_dec"]))
    return observations, planes
