"""MapData -> the compact JSON the page draws (one GeoJSON FeatureCollection per layer)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from app.services.dto import (
    DepotDTO,
    HazardDTO,
    IncidentDTO,
    MapData,
    ShelterDTO,
    TeamDTO,
    TownshipDTO,
)

# Layer keys shared with map.js.
TOWNSHIPS = "townships"
HAZARDS = "hazards"
SHELTERS = "shelters"
DEPOTS = "depots"
TEAMS = "teams"
INCIDENTS = "incidents"

# About 0.1 m: more digits only make the payload longer.
COORDINATE_DIGITS = 6


class _Located(Protocol):
    @property
    def lon(self) -> float | None: ...
    @property
    def lat(self) -> float | None: ...


T = TypeVar("T", bound=_Located)
Feature = dict[str, Any]


def to_payload(data: MapData, generation: int) -> dict[str, Any]:
    """The object ``window.xcc.setData`` takes. Rows without coordinates are left out."""
    return {
        "generation": generation,
        "county": data.county,
        "layers": {
            TOWNSHIPS: _collection(data.townships, _township_properties),
            HAZARDS: _collection(data.hazards, _hazard_properties),
            SHELTERS: _collection(data.shelters, _shelter_properties),
            DEPOTS: _collection(data.depots, _depot_properties),
            TEAMS: _collection(data.teams, _team_properties),
            INCIDENTS: _collection(data.incidents, _incident_properties),
        },
    }


def to_json(payload: object) -> str:
    """JSON that is also a safe JavaScript literal.

    ``ensure_ascii`` escapes U+2028/U+2029 (line terminators in older JS) and
    every other non-ASCII character; ``<``, ``>`` and ``&`` are escaped too, so
    the text can never close a ``<script>`` element even if it ends up in one.
    """
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _collection(rows: Iterable[T], properties: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    features = [
        _feature(row.lon, row.lat, properties(row))
        for row in rows
        if row.lon is not None and row.lat is not None
    ]
    return {"type": "FeatureCollection", "features": features}


def _feature(lon: float, lat: float, properties: dict[str, Any]) -> Feature:
    return {
        "type": "Feature",
        "id": properties["id"],
        "geometry": {
            "type": "Point",
            "coordinates": [round(lon, COORDINATE_DIGITS), round(lat, COORDINATE_DIGITS)],
        },
        "properties": properties,
    }


def _township_properties(row: TownshipDTO) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "kind": row.kind}


def _hazard_properties(row: HazardDTO) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "risk": row.risk_level,
        "type": row.hazard_type,
        "township": row.township,
    }


def _shelter_properties(row: ShelterDTO) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "open": row.is_open,
        "capacity": row.capacity,
        "occupancy": row.occupancy,
        "township": row.township,
    }


def _depot_properties(row: DepotDTO) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "level": row.level,
        "items": row.item_count,
        "attention": row.attention_count,
        "township": row.township,
    }


def _team_properties(row: TeamDTO) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.name,
        "type": row.team_type,
        "status": row.status,
        "members": row.members,
        "township": row.township,
    }


def _incident_properties(row: IncidentDTO) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "name": row.title,
        "severity": row.severity,
        "status": row.status,
        "category": row.category,
        "drill": row.is_drill,
        "township": row.township,
    }
