"""The colour model: one sky, seen in every survey's bands.

The sky model (``stars``, ``known_objects``, ``nebulae``) gives each star J, H and Ks magnitudes
and each nebula a surface brightness in J, H and Ks. Every other band follows from those by the
deterministic rules below, so a star in a 2MASS image is the same star, at the same place, in an
AllWISE image, with a brightness its near-infrared colours explain. The rules are our choices,
simple versions of what real infrared photometry of stars and star-forming regions shows:

* **photospheres**: a normal star has an intrinsic H-Ks of about ``INTRINSIC_H_K`` (0.15) and is
  nearly grey beyond 2 µm (Rayleigh-Jeans): W1, W2, W3 and W4 equal Ks plus the small offsets
  ``PHOTOSPHERE`` (Ks-W1 about 0.05);
* **dust-reddened stars**: the H-Ks excess over the intrinsic colour measures the extinction,
  A_Ks = 1.78 E(H-Ks) (Rieke & Lebofsky 1985: A_H - A_K = 0.063 A_V, A_K = 0.112 A_V), and each
  WISE band is dimmed by ``EXTINCTION_PER_AK`` times A_Ks (mid-infrared extinction laws put
  A_W1, A_W2, A_W3, A_W4 at roughly 0.56, 0.43, 0.43, 0.37 A_Ks); the star's Ks already carries
  A_Ks, so the band's magnitude is Ks - A_Ks + A_band;
* **young stars** (the embedded clusters' members and any star redder than ``YOUNG_H_K``): a
  warm disc adds an excess that grows with wavelength, ``DISC_EXCESS`` magnitudes scaled by how
  far the star's H-Ks exceeds ``YOUNG_H_K`` (at most ``MAX_DISC_SCALE`` times), so they stand out
  in W3 and W4 as real young stars do;
* **nebular glow**: the same shape as in Ks, brighter by ``NEBULA_MINUS_K`` magnitudes per square
  arcsecond (hot dust and PAH emission make H II regions far brighter at 12 and 22 µm).
"""

from __future__ import annotations

import numpy as np

NEAR_INFRARED = ("j", "h", "k")
INTRINSIC_H_K = 0.15
AK_PER_EHK = 1.78
EXTINCTION_PER_AK = {"w1": 0.56, "w2": 0.43, "w3": 0.43, "w4": 0.37}
PHOTOSPHERE = {"w1": -0.05, "w2": -0.05, "w3": -0.07, "w4": -0.08}  # band - Ks for an unreddened star
YOUNG_H_K = 0.6
DISC_EXCESS = {"w1": 0.3, "w2": 0.6, "w3": 1.8, "w4": 3.0}  # magnitudes brighter per unit scale
MAX_DISC_SCALE = 1.5
NEBULA_MINUS_K = {"w1": 0.8, "w2": 1.2, "w3": 5.0, "w4": 6.5}  # mag/arcsec^2 brighter than in Ks


def magnitudes(stars: np.ndarray, band: str) -> np.ndarray:
    """Each star's magnitude in ``band`` (j, h, k, or w1..w4), from its J, H and Ks."""
    if band in NEAR_INFRARED:
        return stars[band].astype(float)
    h, k = stars["h"].astype(float), stars["k"].astype(float)
    a_k = AK_PER_EHK * np.clip(h - k - INTRINSIC_H_K, 0.0, None)
    disc = np.clip((h - k - YOUNG_H_K) / 0.5, 0.0, MAX_DISC_SCALE)
    return k + PHOTOSPHERE[band] - a_k + EXTINCTION_PER_AK[band] * a_k - DISC_EXCESS[band] * disc


def surface_brightness(peak_mag_arcsec2: dict[str, float], band: str) -> float:
    """A nebula's surface brightness (mag/arcsec^2) in ``band`` from its near-infrared values."""
    if band in peak_mag_arcsec2:
        return peak_mag_arcsec2[band]
    return peak_mag_arcsec2["k"] - NEBULA_MINUS_K[band]
