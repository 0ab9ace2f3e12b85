"""Coordinate conversion and geometry helpers (pure Python: no database, no Qt)."""

from __future__ import annotations

import pytest

from app.domain.geo import (
    BBox,
    bbox_of,
    convert_multipolygon,
    distance_m,
    gcj02_to_wgs84,
    multipolygon_contains,
    wgs84_to_gcj02,
)

COUNTY_SEAT = (116.95, 34.19)  # 萧县 county seat, WGS-84 (approximate)

# A 10 x 10 square with a 2 x 2 hole in the middle, plus a separate unit square.
OUTER = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]
HOLE = [(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0), (4.0, 4.0)]
ISLAND = [(20.0, 20.0), (21.0, 20.0), (21.0, 21.0), (20.0, 21.0), (20.0, 20.0)]
MP = [[OUTER, HOLE], [ISLAND]]


def test_gcj02_round_trip_within_a_centimetre_at_the_county_seat() -> None:
    lon, lat = COUNTY_SEAT
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(lon, lat, *back) < 0.01


@pytest.mark.parametrize("point", [COUNTY_SEAT, (116.53, 33.94), (117.15, 34.49), (116.70, 34.44)])
def test_gcj02_round_trip_across_the_county(point: tuple[float, float]) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert distance_m(*point, *back) < 0.01


def test_gcj02_offset_is_a_few_hundred_metres_in_the_county() -> None:
    lon, lat = COUNTY_SEAT
    glon, glat = wgs84_to_gcj02(lon, lat)
    offset = distance_m(lon, lat, glon, glat)
    assert 300 < offset < 700
    # Converting back moves the point by the same amount the other way.
    wlon, wlat = gcj02_to_wgs84(lon, lat)
    assert 300 < distance_m(lon, lat, wlon, wlat) < 700
    # Here GCJ-02 lies mostly east of WGS-84 (about 500 m east, 160 m south).
    assert glon - lon > 0.004 and wlon < lon


def test_no_shift_outside_china() -> None:
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(2.35, 48.85) == (2.35, 48.85)


def test_distance_of_one_degree_of_latitude() -> None:
    assert distance_m(117.0, 34.0, 117.0, 35.0) == pytest.approx(111_195, rel=1e-3)


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [
        (1.0, 1.0, True),  # in the outer ring
        (9.9, 5.0, True),
        (5.0, 5.0, False),  # in the hole
        (4.5, 5.5, False),
        (3.0, 5.0, True),  # beside the hole
        (20.5, 20.5, True),  # in the second polygon
        (15.0, 15.0, False),  # between the polygons
        (-1.0, 5.0, False),
        (5.0, 11.0, False),
    ],
)
def test_multipolygon_contains(lon: float, lat: float, inside: bool) -> None:
    assert multipolygon_contains(MP, lon, lat) is inside


def test_empty_polygons_contain_nothing() -> None:
    assert not multipolygon_contains([], 1.0, 1.0)
    assert not multipolygon_contains([[]], 1.0, 1.0)


def test_bbox_of_multipolygon() -> None:
    box = bbox_of(MP)
    assert box == BBox(0.0, 0.0, 21.0, 21.0)
    assert box.center == (10.5, 10.5)
    assert box.contains(15.0, 15.0)
    assert not box.contains(21.5, 1.0)


def test_bbox_of_empty_geometry_fails() -> None:
    with pytest.raises(ValueError):
        bbox_of([])


def test_convert_multipolygon_keeps_structure_and_moves_points() -> None:
    glon, glat = wgs84_to_gcj02(*COUNTY_SEAT)
    ring = [[glon, glat], [glon + 0.01, glat], [glon, glat + 0.01], [glon, glat]]
    converted = convert_multipolygon([[ring, ring]])
    assert len(converted) == 1 and len(converted[0]) == 2
    assert len(converted[0][0]) == len(ring)
    first = converted[0][0][0]
    assert distance_m(*first, *COUNTY_SEAT) < 0.02  # rounded to 1e-7 degrees
    assert all(isinstance(c, float) for point in converted[0][0] for c in point)
