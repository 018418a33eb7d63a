"""ADQL geometry against astropy: separations, circles, boxes and polygons at the poles and across RA 0.

Each test draws points on both sides of a shape's edge and asks both the stand-in's geometry
and astropy (``SkyCoord.separation``, offset frames, Galactic transforms) which side they are
on; points closer to the edge than ``EDGE`` are left out, where rounding may fairly differ.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from offline_irsa.services.tap import adql, geometry
from offline_irsa.sky.stars import stars_near
from offline_irsa.tests.conftest import sky_positions

EDGE = 1e-7  # degrees
POLES_AND_RA0 = [(0.0, 90.0), (123.0, 89.999), (200.0, -90.0), (300.0, -89.93), (0.0, 0.0), (359.9999, 0.0),
                 (0.0001, -0.0001), (359.99, 42.0), (0.0, -60.0)]


def around(ra: float, dec: float, reach: float, n: int = 400, seed: int = 1) -> SkyCoord:
    """Points scattered within ``reach`` degrees of (ra, dec), uniformly in direction and distance."""
    rng = np.random.default_rng(seed)
    centre = SkyCoord(ra, dec, unit="deg")
    return centre.directional_offset_by(rng.uniform(0, 360, n) * u.deg, rng.uniform(0, reach, n) * u.deg)


@pytest.mark.parametrize(("ra", "dec"), POLES_AND_RA0 + sky_positions(6))
def test_distance_equals_astropy_separation(ra, dec):
    points = around(ra, dec, 2.0)
    centre = SkyCoord(ra, dec, unit="deg")
    ours = [geometry.distance(geometry.point("ICRS", ra, dec), geometry.point("ICRS", p.ra.deg, p.dec.deg))
            for p in points]
    np.testing.assert_allclose(ours, centre.separation(points).deg, atol=1e-10)


@pytest.mark.parametrize(("ra", "dec"), POLES_AND_RA0)
@pytest.mark.parametrize("radius", [1 / 3600, 0.01, 0.5, 30.0])
def test_point_in_circle_agrees_with_astropy(ra, dec, radius):
    points = around(ra, dec, 2 * radius, seed=int(radius * 1000) + 3)
    separation = SkyCoord(ra, dec, unit="deg").separation(points).deg
    circle = geometry.circle("ICRS", ra, dec, radius)
    ours = np.array([geometry.contains(geometry.point("ICRS", p.ra.deg, p.dec.deg), circle) for p in points])
    clear = np.abs(separation - radius) > EDGE
    assert clear.sum() > 300
    np.testing.assert_array_equal(ours[clear], (separation <= radius)[clear])
    assert ours.any() and not ours.all()


@pytest.mark.parametrize(("ra", "dec"), POLES_AND_RA0)
@pytest.mark.parametrize(("width", "height"), [(0.02, 0.01), (1.0, 3.0)])
def test_point_in_box_agrees_with_the_tangent_plane_box(ra, dec, width, height):
    """BOX is the great-circle box of the tangent plane at its centre: |xi| <= tan(w/2), |eta| <= tan(h/2)."""
    centre = SkyCoord(ra, dec, unit="deg")
    points = around(ra, dec, max(width, height), seed=11)
    offset = points.transform_to(centre.skyoffset_frame()).cartesian  # x to the centre, y east, z north
    xi, eta = (offset.y / offset.x).value, (offset.z / offset.x).value
    half_w, half_h = math.tan(math.radians(width / 2)), math.tan(math.radians(height / 2))
    expected = (offset.x.value > 0) & (np.abs(xi) <= half_w) & (np.abs(eta) <= half_h)
    clear = (np.abs(np.abs(xi) - half_w) > EDGE) & (np.abs(np.abs(eta) - half_h) > EDGE)
    shape = geometry.box("ICRS", ra, dec, width, height)
    ours = np.array([geometry.contains(geometry.point("ICRS", p.ra.deg, p.dec.deg), shape) for p in points])
    np.testing.assert_array_equal(ours[clear], expected[clear])
    assert ours.any() and not ours.all()


def _inside_convex(vertices: SkyCoord, points: SkyCoord) -> np.ndarray:
    """Inside a convex spherical polygon: on the inner side of every edge's great circle (astropy vectors)."""
    v = vertices.cartesian.xyz.value.T
    p = points.cartesian.xyz.value.T
    inner = v.sum(axis=0)
    inside = np.ones(len(p), bool)
    for a, b in zip(v, np.roll(v, -1, axis=0), strict=True):
        n = np.cross(a, b)
        n *= np.sign(n @ inner)
        inside &= p @ n >= 0
    return inside


@pytest.mark.parametrize("corners", [
    [(0, 89.9), (90, 89.9), (180, 89.9), (270, 89.9)],  # round the north pole
    [(45, -89.5), (315, -89.5), (225, -89.5), (135, -89.5)],  # round the south pole, clockwise
    [(359.9, -0.1), (0.1, -0.1), (0.1, 0.1), (359.9, 0.1)],  # across RA 0
    [(350, 10), (10, 10), (0, 20)],  # a triangle across RA 0
])
def test_point_in_polygon_agrees_with_astropy_vectors(corners):
    vertices = SkyCoord([c[0] for c in corners], [c[1] for c in corners], unit="deg")
    centre = SkyCoord(*geometry.radec(tuple(vertices.cartesian.xyz.value.sum(axis=1))), unit="deg")
    reach = max(centre.separation(vertices).deg) * 1.5
    points = around(centre.ra.deg, centre.dec.deg, reach, n=600, seed=5)
    shape = geometry.polygon("ICRS", *[x for c in corners for x in c])
    ours = np.array([geometry.contains(geometry.point("ICRS", p.ra.deg, p.dec.deg), shape) for p in points])
    expected = _inside_convex(vertices, points)
    np.testing.assert_array_equal(ours, expected)
    assert ours.any() and not ours.all()


def test_galactic_circle_agrees_with_astropy():
    lon, lat, radius = 120.0, 85.0, 0.3
    centre = SkyCoord(l=lon, b=lat, unit="deg", frame="galactic")
    points = around(centre.icrs.ra.deg, centre.icrs.dec.deg, 0.6, seed=8)
    separation = centre.separation(points).deg
    circle = geometry.circle("GALACTIC", lon, lat, radius)
    ours = np.array([geometry.contains(geometry.point("ICRS", p.ra.deg, p.dec.deg), circle) for p in points])
    clear = np.abs(separation - radius) > 1e-6  # astropy's and our rotation agree to far better than this
    np.testing.assert_array_equal(ours[clear], (separation <= radius)[clear])


@pytest.mark.parametrize(("ra", "dec"), POLES_AND_RA0)
def test_circles_intersect_and_contain_as_separations_say(ra, dec):
    others = around(ra, dec, 1.0, n=200, seed=9)
    separation = SkyCoord(ra, dec, unit="deg").separation(others).deg
    a = geometry.circle("ICRS", ra, dec, 0.3)
    for other, sep in zip(others, separation, strict=True):
        b = geometry.circle("ICRS", other.ra.deg, other.dec.deg, 0.2)
        if abs(sep - 0.5) > EDGE:
            assert geometry.intersects(a, b) == (sep <= 0.5)
        if abs(sep - 0.1) > EDGE:
            assert geometry.contains(b, a) == (sep <= 0.1)


@pytest.mark.parametrize(("ra", "dec", "radius"), [(0.0, 90.0, 0.05), (200.0, -90.0, 0.05), (0.0, 0.0, 0.05),
                                                   (359.99, -30.0, 0.05), (45.0, 89.95, 0.1)])
def test_cone_on_fp_psc_returns_exactly_the_stars_astropy_puts_inside(ra, dec, radius):
    """Through the whole path (sqlglot, SQLite, UDFs): the rows are the stars within the radius, no more."""
    result = adql.run(f"SELECT ra, dec FROM fp_psc WHERE CONTAINS(POINT('ICRS', ra, dec), "
                      f"CIRCLE('ICRS', {ra}, {dec}, {radius})) = 1")
    stars = stars_near(ra, dec, 2 * radius)
    separation = SkyCoord(ra, dec, unit="deg").separation(SkyCoord(stars["ra"], stars["dec"], unit="deg")).deg
    expected = {(float(r), float(d)) for r, d, s in zip(stars["ra"], stars["dec"], separation, strict=True)
                if s <= radius}
    assert set(result.rows) == expected
    assert len(expected) > 3


def test_distance_cone_and_box_across_ra_0_through_sql():
    box = adql.run("SELECT ra, dec FROM fp_psc WHERE 1 = CONTAINS(POINT('J2000', ra, dec), "
                   "BOX('ICRS', 0.0, 10.0, 0.2, 0.1))")
    ras = [r for r, _ in box.rows]
    assert any(r > 359.9 for r in ras) and any(r < 0.1 for r in ras)  # both sides of RA 0
    near = adql.run("SELECT ra, dec, DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 0, 10)) AS d FROM fp_psc "
                    "WHERE DISTANCE(POINT('ICRS', ra, dec), POINT('ICRS', 0, 10)) < 0.04")
    separation = SkyCoord(0, 10, unit="deg").separation(
        SkyCoord([r[0] for r in near.rows], [r[1] for r in near.rows], unit="deg")).deg
    np.testing.assert_allclose([r[2] for r in near.rows], separation, atol=1e-10)
    assert (separation < 0.04).all() and len(near.rows) > 3


def test_coord1_coord2_and_intersects_without_equals_one():
    result = adql.run("SELECT COORD1(POINT('ICRS', 10.5, -20.25)) AS a, COORD2(POINT('ICRS', 10.5, -20.25)) AS b, "
                      "INTERSECTS(CIRCLE('ICRS', 0, 0, 1), CIRCLE('ICRS', 359.5, 0.5, 0.5)) AS c "
                      "FROM TAP_SCHEMA.schemas WHERE INTERSECTS(POINT(0, 0), CIRCLE(359.9, 0, 0.2))")
    assert result.rows[0] == (10.5, -20.25, 1)


@pytest.mark.parametrize(("query", "words"), [
    ("SELECT CIRCLE('FK4', 1, 2, 3) FROM TAP_SCHEMA.schemas", "coordinate system 'FK4'"),
    ("SELECT AREA(CIRCLE('ICRS', 1, 2, 3)) FROM TAP_SCHEMA.schemas", "AREA is not supported"),
    ("SELECT POINT('ICRS', 1, 95) FROM TAP_SCHEMA.schemas", "latitude must be between -90 and 90"),
    ("SELECT ra FROM fp_psc WHERE CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 1, 2, 5)) = 1",
     "at most 1.0 degree"),
])
def test_geometry_errors_say_what_is_wrong(query, words):
    with pytest.raises(adql.AdqlError, match=words):
        adql.run(query)
