"""The three 2MASS bands: names, bandpasses and the photometric scale of the synthetic images."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    letter: str  # as in file names and the ``filter`` column
    title: str  # as in ``sia_title``
    wavelength: float  # bandpass centre, metres
    lo: float
    hi: float
    magzp: float  # typical photometric zero point, mag for 1 DN
    background: float  # synthetic sky level, DN
    noise: float  # synthetic per-pixel noise, DN (sets a 10-sigma limit near the survey's)


BANDS = {
    "j": Band("j", "J", 1.235e-6, 1.066e-6, 1.404e-6, 20.9, 110.0, 2.6),
    "h": Band("h", "H", 1.662e-6, 1.478e-6, 1.846e-6, 20.4, 320.0, 3.1),
    "k": Band("k", "K", 2.159e-6, 1.955e-6, 2.363e-6, 19.9, 420.0, 4.1),
}
SATURATION_DN = 10_000.0  # above the sky; stars brighter than about 8th magnitude saturate
