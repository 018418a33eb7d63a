"""The three 2MASS bands: names, bandpasses and the photometric scale of the synthetic images.

Bandpass limits are the ones IRSA's SIA v1 service writes for 2MASS (irsa-recorded.md).
Sky levels and noise: Ks is set from a real Ks atlas header (SKYVAL about 640 DN, SKYSIG
about 3.7 DN). J and H are not recorded here; their levels are our choice, derived from
typical near-infrared sky brightness (J about 15.9, H about 14.1 mag per square arcsec) and
the zero points, with noise scaled down from Ks's in proportion to the square root of the sky.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Band:
    letter: str  # as in file names and the FITS FILTER keyword
    title: str  # as in ``sia_title`` and ``sia_bp_id``
    wavelength: float  # bandpass reference wavelength, metres
    lo: float
    hi: float
    magzp: float  # typical photometric zero point, mag for 1 DN
    background: float  # synthetic sky level, DN
    noise: float  # synthetic per-pixel noise, DN (sets a 10-sigma limit near the survey's)


BANDS = {
    "j": Band("j", "J", 1.235e-6, 1.066e-6, 1.404e-6, 20.9, 110.0, 1.5),
    "h": Band("h", "H", 1.662e-6, 1.400e-6, 1.924e-6, 20.4, 320.0, 2.6),
    "k": Band("k", "K", 2.159e-6, 1.884e-6, 2.434e-6, 19.93, 642.0, 3.7),
}
SATURATION_DN = 10_000.0  # above the sky; stars brighter than about 8th magnitude saturate
