"""The image collections SIA v2 searches: each registers itself here, the protocol stays as it is.

A collection says what is true of all its products (``fixed``: its name, calibration level,
product type, facility, instrument), finds its products around POS regions, and finds a
product by its ``obs_publisher_did``. The protocol (``service.py``) applies every other
constraint to the rows themselves, by column, so a new image set (AllWISE's ``wise_allwise``)
is added by writing one such class and calling ``register``, and nothing else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence

from offline_irsa.services.sia2.obscore import Row
from offline_irsa.services.sia2.pos import Region


class Collection(ABC):
    name: str  # obs_collection
    description: str

    @property
    @abstractmethod
    def fixed(self) -> Row:
        """Column values shared by every product of the collection (at least ``obs_collection``)."""

    @abstractmethod
    def search(self, regions: Sequence[Region]) -> Iterable[Row]:
        """Rows of every product meeting any of ``regions``; ``upload_row_id`` is the first region's number.

        Rows may be made lazily: the protocol stops reading them past MAXREC."""

    @abstractmethod
    def find(self, publisher_did: str) -> list[Row]:
        """Rows of the product with this ``obs_publisher_did`` (none if it is not this collection's)."""


COLLECTIONS: dict[str, Collection] = {}


def register(collection: Collection) -> Collection:
    if collection.name in COLLECTIONS:
        raise ValueError(f"collection {collection.name!r} is registered already")
    COLLECTIONS[collection.name] = collection
    return collection
