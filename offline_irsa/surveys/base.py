"""What a survey gives the protocols: one ``Survey`` per image set, and the files IBE serves.

The protocols read a survey through this interface only:

* SIA v1 (``services/sia.py``): ``sia_path``, and ``sia_table``: the columns, table PARAMs
  and rows of its answer;
* IBE data and cutouts (``services/ibe.py``): ``data_path``, and ``open(path)``: the
  ``ServedFile`` at a path below it (ValueError: no such file, 404; ``NotServed``: a real
  file the stand-in does not serve, 404 saying so);
* SIA v2 (``services/sia2``): ``collection``, registered with the protocol's registry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy.io import fits


class NotServed(ValueError):
    """A file IRSA has that the stand-in does not serve; the message says which and why."""


class ServedFile(ABC):
    """One FITS image file below a survey's IBE data root, with pixels computed on demand."""

    name: str  # the file name, the download name
    gzipped: bool  # whether IRSA's file is gzipped (the default answer), else plain FITS

    @property
    @abstractmethod
    def shape(self) -> tuple[int, int]:
        """(ny, nx) of the whole image."""

    @abstractmethod
    def header(self) -> fits.Header:
        """The whole image's primary header."""

    @abstractmethod
    def pixels(self, rows: tuple[int, int], columns: tuple[int, int]) -> np.ndarray:
        """float32 pixels [y0:y1, x0:x1] of the image, the same values whatever part is asked; a new array,
        which the caller may change (IBE swaps its bytes in place)."""

    def whole(self, compress: bool) -> bytes | None:
        """The whole file as bytes when that is cheap (small images); None to stream it instead."""
        return None

    def chunks(self, rows_per_chunk: int) -> Iterator[np.ndarray]:
        """The whole image, ``rows_per_chunk`` rows at a time, bottom row first."""
        ny, nx = self.shape
        for y0 in range(0, ny, rows_per_chunk):
            yield self.pixels((y0, min(ny, y0 + rows_per_chunk)), (0, nx))


@dataclass(frozen=True)
class SiaTable:
    """A survey's SIA v1 answer: columns (``services.sia.Column``), table PARAMs, and its rows.

    ``search(ra, dec, width, height, intersect)`` gives the rows, each a tuple in column order."""

    columns: Sequence[Any]
    params: Sequence[tuple[str, str, str, str]]
    search: Callable[[float, float, float, float, str], list[tuple]]
    note: str  # the DATA_ORIGIN INFO: what the stand-in's answer is


@dataclass(frozen=True)
class Survey:
    name: str  # what it is, for people (the 404 text, the index page)
    sia_path: str  # IRSA's SIA v1 path
    data_path: str  # IRSA's IBE data root
    sia_table: SiaTable
    open: Callable[[str], ServedFile]
    collection: Any = None  # its SIA v2 ``Collection``, or None
