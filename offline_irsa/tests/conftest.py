"""Fixtures for the offline IRSA's own tests: a server on loopback and some sky positions."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.wcs import WCS

from offline_irsa.server import OfflineIRSA
from offline_irsa.surveys.twomass.render import wcs_header
from offline_irsa.surveys.twomass.tiling import AtlasTile

TARGET = (314.30417, 77.595559)  # the first tutorial's star


@pytest.fixture(scope="session")
def server():
    with OfflineIRSA() as running:
        yield running


def sky_positions(n: int = 24, seed: int = 7) -> list[tuple[float, float]]:
    """Random positions uniform on the sphere, plus the awkward ones: poles, RA=0, belt edges."""
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    special = [(0.0, 90.0), (200.0, -90.0), (0.0, 0.0), (359.9999, 0.0), (0.0001, -0.0001),
               (0.0, 84.0), (180.0, -84.0), (45.0, 89.95), (300.0, -89.93), (359.99, 42.0), TARGET]
    return special + [(float(a), float(d)) for a, d in zip(ra, dec, strict=True)]


def geometry_wcs(tile: AtlasTile) -> WCS:
    """The image's WCS, read as ICRS for geometry tests.

    Atlas headers say EQUINOX 2000 with no RADESYS, so astropy reads them as FK5 and
    shifts ICRS positions by some 20 mas. The stand-in's geometry is numbers in one frame,
    so tests that compare positions to a hundredth of a pixel read both sides in one frame.
    """
    header = wcs_header(tile)
    header["RADESYS"] = "ICRS"
    return WCS(header)
