"""Well-known objects drawn where they are, so that a tutorial that looks at one sees something.

The random catalogue (``stars``) knows nothing of the real sky: without this module a cutout
at Betelgeuse or M87 would show blank synthetic sky offline, while live it shows the object.
So the objects the tutorials look at are placed at their real ICRS positions:

* **stars** as point sources, with near-infrared magnitudes rounded from published values
  (good to a few tenths of a magnitude; the variables Mira and IRC +10216 at a typical
  brightness). The brightest saturate into large flat cores, as they do in real atlas images;
* **globular clusters** as a Plummer sphere of red giants (the brightest about as bright as
  the cluster's real ones, reddened by its foreground dust) on a glow of unresolved stars,
  both as wide as the cluster's real core;
* **galaxies** as smooth elliptical glows: a small bright nucleus on a bulge or disc with the
  galaxy's real position angle and roughly its real axis ratio, of the near-infrared colours
  of old stars (J-H 0.7, H-Ks 0.25; M82's starburst redder).

The positions are those of ``notebooks/2mass-cutout-targets.ecsv`` (the cutouts tutorial's
list), which a test checks; the Trapezium is ``nebulae.ORION``; the Pleiades' conventional
centre is blank sky, live as here. Sizes and brightnesses are our choices, of the right order
for a 1' cutout to look like the object; none of this is 2MASS data or a model of the object.
"""

from __future__ import annotations

import astropy.units as u
from astropy.coordinates import SkyCoord

from offline_irsa.sky.nebulae import EXTINCTION_PER_AV, ORION, Patch, Region


def _at(text: str) -> tuple[float, float]:
    """RA and Dec in degrees of a position written as SIMBAD writes it (hours, degrees)."""
    position = SkyCoord(text, unit=(u.hourangle, u.deg))
    return float(position.ra.deg), float(position.dec.deg)


# The first tutorial's star (not a catalogued name: a bright star at the tutorial's position).
FIRST_TUTORIAL_STAR = ("the first tutorial's star", 314.30417, 77.595559, 7.3, 0.62, 0.21)

# name, RA, Dec (degrees, ICRS), H, J-H, H-Ks
STARS = (
    FIRST_TUTORIAL_STAR,
    ("Betelgeuse", *_at("05 55 10.31 +07 24 25.4"), -4.0, 1.0, 0.4),
    ("Rigel", *_at("05 14 32.27 -08 12 05.9"), 0.1, 0.0, 0.0),
    ("Sirius", *_at("06 45 08.92 -16 42 58.0"), -1.3, 0.0, 0.0),
    ("Aldebaran", *_at("04 35 55.24 +16 30 33.5"), -2.8, 0.7, 0.15),
    ("Arcturus", *_at("14 15 39.67 +19 10 56.7"), -2.8, 0.55, 0.15),
    ("Antares", *_at("16 29 24.46 -26 25 55.2"), -3.7, 1.0, 0.4),
    ("Vega", *_at("18 36 56.34 +38 47 01.3"), 0.0, 0.0, 0.0),
    ("Altair", *_at("19 50 47.00 +08 52 06.0"), 0.1, 0.1, 0.0),
    ("Deneb", *_at("20 41 25.92 +45 16 49.2"), 0.9, 0.1, 0.0),
    ("Polaris", *_at("02 31 49.09 +89 15 50.8"), 1.1, 0.2, 0.1),
    ("Mira", *_at("02 19 20.79 -02 58 39.5"), -2.5, 0.9, 0.4),
    ("Eta Carinae", *_at("10 45 03.59 -59 41 04.3"), 1.0, 1.0, 1.2),
    ("VY Canis Majoris", *_at("07 22 58.33 -25 46 03.2"), 0.0, 1.5, 0.9),
    ("IRC +10216", *_at("09 47 57.41 +13 16 43.6"), 4.0, 3.3, 2.8),
)


OLD_STARS = (0.65, 0.12)  # unreddened J-H and H-Ks of a globular cluster's giants and unresolved light


def _cluster(name: str, ra: float, dec: float, core_arcsec: float, brightest_h: float, ebv: float,
             glow_h: float, seed: int) -> Region:
    """A globular cluster: core radius, H of its brightest giants, E(B-V), peak glow (H mag/arcsec²)."""
    av = 3.1 * ebv
    return Region(
        name=name, ra=ra, dec=dec,
        # The unresolved light has the giants' colours and is reddened like them.
        peak_mag_arcsec2={"h": glow_h,
                          "j": glow_h + OLD_STARS[0] + (EXTINCTION_PER_AV["j"] - EXTINCTION_PER_AV["h"]) * av,
                          "k": glow_h - OLD_STARS[1] - (EXTINCTION_PER_AV["h"] - EXTINCTION_PER_AV["k"]) * av},
        patches=(Patch(0, 0, core_arcsec, core_arcsec, 0, 1.0),),
        n_members=250, plummer_arcsec=core_arcsec, brightest_h0=brightest_h, faintest_h0=brightest_h + 6.0,
        av_median=av, av_min=0.0, member_colours=OLD_STARS, seed=seed,
    )


def _galaxy(name: str, ra: float, dec: float, nucleus_h: float, major_arcsec: float, axis_ratio: float,
            angle: float, colours: tuple[float, float] = (0.7, 0.25)) -> Region:
    """A galaxy: peak H surface brightness of its nucleus, the size (sigma), axis ratio and angle of its body."""
    j_h, h_k = colours
    return Region(
        name=name, ra=ra, dec=dec,
        peak_mag_arcsec2={"h": nucleus_h, "j": nucleus_h + j_h, "k": nucleus_h - h_k},
        patches=(Patch(0, 0, 2.5, 2.5, 0, 1.0),  # the nucleus
                 Patch(0, 0, major_arcsec, major_arcsec * axis_ratio, angle, 0.3)),  # bulge or disc
    )


CLUSTERS = (
    _cluster("M13", *_at("16 41 41.24 +36 27 35.5"), 37, 8.0, 0.02, 13.5, 13),
    _cluster("M3", *_at("13 42 11.62 +28 22 38.2"), 22, 8.5, 0.01, 13.5, 3),
    _cluster("M4", *_at("16 23 35.22 -26 31 32.7"), 70, 6.0, 0.35, 14.5, 4),
    _cluster("M15", *_at("21 29 58.33 +12 10 01.2"), 8, 9.0, 0.10, 12.5, 15),
    _cluster("M22", *_at("18 36 23.94 -23 54 17.1"), 80, 6.5, 0.34, 14.5, 22),
    _cluster("M92", *_at("17 17 07.39 +43 08 09.4"), 16, 8.3, 0.02, 13.5, 92),
    _cluster("47 Tucanae", *_at("00 24 05.67 -72 04 52.6"), 22, 7.0, 0.04, 12.5, 47),
    _cluster("Omega Centauri", *_at("13 26 47.24 -47 28 46.5"), 142, 7.5, 0.12, 14.5, 5139),
)

GALAXIES = (
    _galaxy("M31", *_at("00 42 44.33 +41 16 07.5"), 11.5, 60, 0.6, 45),
    _galaxy("M32", *_at("00 42 41.83 +40 51 54.6"), 11.0, 15, 0.75, 170),
    _galaxy("M33", *_at("01 33 50.02 +30 39 36.7"), 13.0, 120, 0.6, 23),
    _galaxy("M51", *_at("13 29 52.70 +47 11 42.9"), 13.0, 25, 0.8, 163),
    _galaxy("M77", *_at("02 42 40.77 -00 00 47.8"), 10.5, 15, 0.85, 70),
    _galaxy("M81", *_at("09 55 33.17 +69 03 55.1"), 12.0, 50, 0.5, 157),
    _galaxy("M82", *_at("09 55 52.43 +69 40 46.9"), 12.0, 60, 0.25, 65, colours=(0.9, 0.5)),
    _galaxy("M87", *_at("12 30 49.42 +12 23 28.0"), 12.5, 30, 0.95, 0),
    _galaxy("M104", *_at("12 39 59.43 -11 37 23.0"), 12.0, 60, 0.4, 90),
    _galaxy("Centaurus A", *_at("13 25 27.62 -43 01 08.8"), 13.0, 60, 0.8, 35),
)

# Everything extended on the synthetic sky, the star-forming region of the colour tutorial first.
REGIONS = (ORION, *CLUSTERS, *GALAXIES)
