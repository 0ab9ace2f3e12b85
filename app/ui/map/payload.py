"""MapData and MapChanges -> the compact JSON the page draws, and the rows it cannot draw.

Each layer is a GeoJSON FeatureCollection of points; a feature's ``id`` is the
row's id as text and is unique within its layer. The page takes two messages:

- ``window.xcc.setData({generation, county, layers: {layer: FeatureCollection}})``
  replaces everything;
- ``window.xcc.applyChanges({generation, upsert: {layer: FeatureCollection},
  remove: {layer: [id, ...]}})`` adds or replaces features by id and takes
  features away, leaving everything else (and the user's view) alone.

Coordinates are checked on the way: a row without usable coordinates is not
drawn but reported as a ``MapProblem``; a row outside the county is drawn and
reported too.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from enum import StrEnum
from numbers import Real
from typing import Any, SupportsFloat, TypeGuard

from app.domain.clock import CHINA_TZ
from app.services.dto import (
    DepotDTO,
    HazardDTO,
    IncidentDTO,
    MapChanges,
    MapData,
    ShelterDTO,
    TeamDTO,
    TownshipDTO,
)

log = logging.getLogger(__name__)

# Layer keys shared with map.js.
TOWNSHIPS = "townships"
HAZARDS = "hazards"
SHELTERS = "shelters"
DEPOTS = "depots"
TEAMS = "teams"
INCIDENTS = "incidents"
FEATURE_LAYERS = (HAZARDS, SHELTERS, DEPOTS, TEAMS, INCIDENTS)
ALL_LAYERS = (TOWNSHIPS, *FEATURE_LAYERS)

# About 0.1 m: more digits only make the payload longer.
COORDINATE_DIGITS = 6
# How far outside the county's bounding box a point may lie before it is flagged.
COUNTY_MARGIN_DEG = 0.05

Feature = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BBox:
    """A longitude/latitude box (WGS-84 degrees)."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lon: float, lat: float, margin: float = 0.0) -> bool:
        return (
            self.west - margin <= lon <= self.east + margin
            and self.south - margin <= lat <= self.north + margin
        )


# 萧县 (adcode 341322), used when the data comes without the county outline.
DEFAULT_COUNTY_BBOX = BBox(116.528, 33.937, 117.150, 34.489)


class Problem(StrEnum):
    """Why a feature is not drawn, or is drawn but suspicious."""

    MISSING = "missing"  # no coordinates (or the 0,0 placeholder)
    NOT_A_NUMBER = "not_a_number"  # text, NaN, infinity, ...
    OUT_OF_RANGE = "out_of_range"  # |lat| > 90 or |lon| > 180
    SWAPPED = "swapped"  # (lat, lon) lies in the county, (lon, lat) does not
    OUTSIDE_COUNTY = "outside_county"  # drawn, but outside the county's box

    @property
    def drawn(self) -> bool:
        return self is Problem.OUTSIDE_COUNTY


@dataclass(frozen=True, slots=True)
class MapProblem:
    layer: str
    feature_id: str
    name: str
    problem: Problem


@dataclass(frozen=True, slots=True)
class MapPayload:
    """One message for the page and the problems found while building it."""

    message: dict[str, Any]
    problems: tuple[MapProblem, ...]


def check_point(lon: object, lat: object, bbox: BBox | None) -> Problem | None:
    """What is wrong with a point, if anything. ``bbox`` None: no county checks."""
    if lon is None or lat is None:
        return Problem.MISSING
    if not (_is_number(lon) and _is_number(lat)):
        return Problem.NOT_A_NUMBER
    x, y = float(lon), float(lat)
    if not (math.isfinite(x) and math.isfinite(y)):
        return Problem.NOT_A_NUMBER
    if x == 0.0 and y == 0.0:
        return Problem.MISSING
    inside = bbox is not None and bbox.contains(x, y, COUNTY_MARGIN_DEG)
    if bbox is not None and not inside and bbox.contains(y, x, COUNTY_MARGIN_DEG):
        return Problem.SWAPPED
    if abs(y) > 90.0 or abs(x) > 180.0:
        return Problem.OUT_OF_RANGE
    if bbox is not None and not inside:
        return Problem.OUTSIDE_COUNTY
    return None


def _is_number(value: object) -> TypeGuard[SupportsFloat]:
    kind = type(value)
    if kind is float or kind is int:
        return True
    return isinstance(value, Real | Decimal) and not isinstance(value, bool)


def county_bbox(geometry: Mapping[str, Any] | None) -> BBox | None:
    """The bounding box of a GeoJSON geometry (or Feature/FeatureCollection); None if empty."""
    if not geometry:
        return None
    west = south = math.inf
    east = north = -math.inf
    try:
        for lon, lat in _positions(geometry):
            west, east = min(west, lon), max(east, lon)
            south, north = min(south, lat), max(north, lat)
    except (TypeError, ValueError, KeyError):
        log.warning("the county outline is not valid GeoJSON; using the default box")
        return None
    if west > east:
        return None
    return BBox(west, south, east, north)


def _positions(node: Any) -> Iterator[tuple[float, float]]:
    kind = node.get("type") if isinstance(node, Mapping) else None
    if kind == "FeatureCollection":
        for feature in node["features"]:
            yield from _positions(feature)
    elif kind == "Feature":
        if node.get("geometry"):
            yield from _positions(node["geometry"])
    elif kind == "GeometryCollection":
        for part in node["geometries"]:
            yield from _positions(part)
    elif kind is not None:
        yield from _coordinates(node["coordinates"])
    else:
        raise ValueError("not a GeoJSON object")


def _coordinates(value: Any) -> Iterator[tuple[float, float]]:
    if value and _is_number(value[0]):
        yield float(value[0]), float(value[1])
        return
    for item in value:
        yield from _coordinates(item)


def to_payload(data: MapData, generation: int) -> MapPayload:
    """The message ``window.xcc.setData`` takes, and the rows left out or flagged."""
    bbox = county_bbox(data.county) or DEFAULT_COUNTY_BBOX
    problems: list[MapProblem] = []
    layers = {
        layer: collection(_build(layer, rows, bbox, problems))
        for layer, rows in _data_rows(data).items()
    }
    message = {"generation": generation, "county": data.county, "layers": layers}
    return MapPayload(message, tuple(problems))


@dataclass(frozen=True, slots=True)
class PreparedMap:
    """A full payload and its JSON, built off the GUI thread (``prepare``).

    The JSON carries generation 0; the panel stamps the real one when sending.
    """

    data: MapData
    payload: MapPayload
    json: str


def prepare(data: MapData) -> PreparedMap:
    """Everything ``MapPanel.set_data`` would compute, for a worker thread to do."""
    payload = to_payload(data, 0)
    return PreparedMap(data, payload, to_json(payload.message))


def changes_payload(changes: MapChanges, generation: int, bbox: BBox | None) -> MapPayload:
    """The message ``window.xcc.applyChanges`` takes.

    A changed row that can no longer be drawn is removed (its old position
    would be stale) and reported as a problem.
    """
    problems: list[MapProblem] = []
    upsert: dict[str, dict[str, Any]] = {}
    remove: dict[str, list[str]] = {}
    for layer, feature_id in changes.removed:
        if layer in FEATURE_LAYERS:
            remove.setdefault(layer, []).append(str(feature_id))
        else:
            log.debug("ignored removal from unknown map layer %r", layer)
    for layer, rows in _change_rows(changes).items():
        if not rows:
            continue
        start = len(problems)
        features = _build(layer, rows, bbox, problems)
        undrawable = [p.feature_id for p in problems[start:] if not p.problem.drawn]
        if undrawable:
            remove.setdefault(layer, []).extend(undrawable)
        if features:
            upsert[layer] = collection(features)
    message = {"generation": generation, "upsert": upsert, "remove": remove}
    return MapPayload(message, tuple(problems))


def collection(features: list[Feature]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def to_json(payload: object) -> str:
    """JSON that is also a safe JavaScript literal.

    ``ensure_ascii`` escapes U+2028/U+2029 (line terminators in older JS) and
    every other non-ASCII character; ``<``, ``>`` and ``&`` are escaped too, so
    the text can never close a ``<script>`` element even if it ends up in one.
    Backticks and ``${`` need nothing: the text is never a template literal.
    """
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# ---- rows -> features ----

Properties = Callable[[Any], dict[str, Any]]


def _data_rows(data: MapData) -> dict[str, Iterable[Any]]:
    return {
        TOWNSHIPS: data.townships,
        HAZARDS: data.hazards,
        SHELTERS: data.shelters,
        DEPOTS: data.depots,
        TEAMS: data.teams,
        INCIDENTS: data.incidents,
    }


def _change_rows(changes: MapChanges) -> dict[str, tuple[Any, ...]]:
    return {
        HAZARDS: changes.hazards,
        SHELTERS: changes.shelters,
        DEPOTS: changes.depots,
        TEAMS: changes.teams,
        INCIDENTS: changes.incidents,
    }


def _build(
    layer: str, rows: Iterable[Any], bbox: BBox | None, problems: list[MapProblem]
) -> list[Feature]:
    properties = _PROPERTIES[layer]
    features: list[Feature] = []
    for row in rows:
        lon, lat = row.lon, row.lat
        # Fast path for the common case: two floats inside the county.
        if (
            type(lon) is float
            and type(lat) is float
            and bbox is not None
            and bbox.contains(lon, lat, COUNTY_MARGIN_DEG)
        ):
            problem = None
        else:
            problem = check_point(lon, lat, bbox)
        if problem is not None:
            props = properties(row)
            problems.append(MapProblem(layer, str(row.id), str(props.get("name") or ""), problem))
            if not problem.drawn:
                continue
        else:
            props = properties(row)
        features.append(
            {
                "type": "Feature",
                "id": str(row.id),
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(float(lon), COORDINATE_DIGITS),
                        round(float(lat), COORDINATE_DIGITS),
                    ],
                },
                "properties": props,
            }
        )
    return features


# Properties carry the DTO's field names; "name" is the label every layer has
# (an incident's title).


def _township_properties(row: TownshipDTO) -> dict[str, Any]:
    return {"name": row.name, "kind": row.kind}


def _hazard_properties(row: HazardDTO) -> dict[str, Any]:
    return {
        "name": row.name,
        "hazard_type": row.hazard_type,
        "risk_level": row.risk_level,
        "township": row.township,
    }


def _shelter_properties(row: ShelterDTO) -> dict[str, Any]:
    return {
        "name": row.name,
        "shelter_type": row.shelter_type,
        "is_open": row.is_open,
        "state": row.state,
        "capacity": row.capacity,
        "occupancy": row.occupancy,
        "township": row.township,
    }


def _depot_properties(row: DepotDTO) -> dict[str, Any]:
    return {
        "name": row.name,
        "level": row.level,
        "item_count": row.item_count,
        "attention_count": row.attention_count,
        "township": row.township,
    }


def _team_properties(row: TeamDTO) -> dict[str, Any]:
    return {
        "name": row.name,
        "team_type": row.team_type,
        "status": row.status,
        "members": row.members,
        "township": row.township,
    }


def _incident_properties(row: IncidentDTO) -> dict[str, Any]:
    received = row.received_at
    if received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return {
        "name": row.title,
        "category": row.category,
        "severity": row.severity,
        "status": row.status,
        "is_drill": row.is_drill,
        "township": row.township,
        # Seconds since the epoch order incidents; the local time is for people.
        "received_ts": received.timestamp(),
        "received_local": received.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
    }


_PROPERTIES: dict[str, Properties] = {
    TOWNSHIPS: _township_properties,
    HAZARDS: _hazard_properties,
    SHELTERS: _shelter_properties,
    DEPOTS: _depot_properties,
    TEAMS: _team_properties,
    INCIDENTS: _incident_properties,
}
