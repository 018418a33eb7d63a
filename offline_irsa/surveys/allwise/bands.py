"""WISE's four bands as the AllWISE Atlas serves them.

Recorded (irsa-recorded.md, SIA v2 science rows): ``s_resolution`` (the beam, FWHM) 6.1", 6.4",
6.5", 12.0"; ``em_min``/``em_max`` 3-4, 4-5, 8-16 and 20-24 µm; ``t_exptime`` 532.9863,
548.5634, 277.7632 and 277.9216 s at the recorded tile. Our choices:

* reference wavelengths 3.4, 4.6, 12 and 22 µm (WISE's band names; SIA v1's ``sia_bp_ref``),
  and ``sia_bp_lo``/``sia_bp_hi`` the same limits as SIA v2's ``em_min``/``em_max``;
* zero points ``MAGZP`` 20.5, 19.5, 18.0 and 13.0 mag for 1 DN, with ``MAGZPUNC`` 0.006, 0.007,
  0.012, 0.012 (the AllWISE Atlas's calibration: the same for every tile);
* sky levels and per-pixel noise (DN) chosen so that a point source at WISE's typical 5-sigma
  limits (about W1 16.9, W2 16.0, W3 11.5, W4 8.0 mag) is at 5 sigma in a beam-sized aperture,
  with W3 and W4 skies bright, as zodiacal light makes them: W1 5 ± 1.0, W2 15 ± 0.8,
  W3 900 ± 9, W4 150 ± 2.5;
* frames per pixel (the coverage images) ``t_exptime`` over 7.7 s frames (W1, W2) and 8.8 s
  (W3, W4).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WiseBand:
    name: str  # W1..W4: sia_bp_id, energy_bandpassname, the title's band
    number: int
    wavelength: float  # m
    lo: float  # m
    hi: float  # m
    fwhm_arcsec: float
    t_exptime: float  # s, recorded at the recorded tile
    magzp: float
    magzpunc: float
    sky: float  # DN
    noise: float  # DN per pixel
    frame_s: float  # seconds per frame, for the coverage images


BANDS = {
    "w1": WiseBand("W1", 1, 3.4e-6, 3e-06, 4e-06, 6.1, 532.9863, 20.5, 0.006, 5.0, 1.0, 7.7),
    "w2": WiseBand("W2", 2, 4.6e-6, 4e-06, 5e-06, 6.4, 548.5634, 19.5, 0.007, 15.0, 0.8, 7.7),
    "w3": WiseBand("W3", 3, 1.2e-5, 8e-06, 1.6e-05, 6.5, 277.7632, 18.0, 0.012, 900.0, 9.0, 8.8),
    "w4": WiseBand("W4", 4, 2.2e-5, 2e-05, 2.4e-05, 12.0, 277.9216, 13.0, 0.012, 150.0, 2.5, 8.8),
}
