"""周边查询: what lies within R km of a point or an incident, for any map layer.

One query per call reads the layer's needed columns, with a lon/lat bounding
box around the circle in SQL (so only the candidates come back), then the
exact great-circle distance (haversine, :func:`app.domain.geo.distance_m`) is
measured in Python and the rows are sorted nearest first. Retired register
rows and closed incidents never count.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.data.engine import Database
from app.data.models import HazardSite, Incident, RescueTeam, Shelter, SupplyDepot, Township
from app.domain.geo import distance_m
from app.domain.labels import Family
from app.domain.rules import OPEN_STATUSES, RuleViolation
from app.services.evacuation import bbox, check_point, incident_centre

RADIUS_MAX_KM = 100.0

LAYERS: tuple[str, ...] = ("hazards", "shelters", "depots", "teams", "incidents")
# The label family of each layer's ``kind`` code.
KIND_FAMILY: dict[str, Family] = {
    "hazards": Family.HAZARD_TYPE,
    "shelters": Family.SHELTER_TYPE,
    "depots": Family.DEPOT_LEVEL,
    "teams": Family.TEAM_TYPE,
    "incidents": Family.INCIDENT_TYPE,
}


@dataclass(frozen=True, slots=True)
class NearbyRow:
    """One record within the radius: ``kind`` is its type code (label family in
    :data:`KIND_FAMILY`), ``distance_km`` great-circle from the centre, to 0.01 km."""

    layer: str
    id: uuid.UUID
    name: str
    kind: str
    township: str | None
    distance_km: float
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class IncidentPlace:
    """An open incident as a centre to choose: title, status, position (may be None)."""

    id: uuid.UUID
    title: str
    status: str
    is_drill: bool
    received_at: datetime
    lon: float | None
    lat: float | None


_TEXTS = {
    "proximity.layer": "未知的图层。",
    "proximity.radius": "半径须大于 0 且不超过 100 公里。",
    "proximity.centre": "请选择一个事件或输入一个位置（经度、纬度）作为中心。",
    "evacuation.no_position": "该事件没有位置，请先补充事件位置或输入一个位置。",
    "incident.unknown": "该事件已不存在。",
    "point.invalid": "位置无效：经度须在 -180 到 180 之间，纬度须在 -90 到 90 之间。",
    "point.swapped": "经纬度可能填反：经度应约为 116.5–117.2，纬度约为 33.9–34.5。",
}


def problem_text(exc: RuleViolation) -> str:
    """A refusal of this module in Chinese, for the form."""
    return _TEXTS.get(exc.code, f"不符合规则（{exc.code}）。")


def _columns(layer: str) -> tuple[Any, Any, Any, Any]:
    """(model, name column, kind column, township column) of a layer."""
    if layer == "hazards":
        return HazardSite, HazardSite.name, HazardSite.hazard_type, HazardSite.township_id
    if layer == "shelters":
        return Shelter, Shelter.name, Shelter.shelter_type, Shelter.township_id
    if layer == "depots":
        return SupplyDepot, SupplyDepot.name, SupplyDepot.level, SupplyDepot.township_id
    if layer == "teams":
        return RescueTeam, RescueTeam.name, RescueTeam.team_type, RescueTeam.township_id
    return Incident, Incident.title, Incident.incident_type, Incident.township_id


class ProximityService:
    """Within-radius queries on the map layers (one read session per call)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def within(
        self,
        layer: str,
        radius_km: float,
        *,
        point: tuple[float, float] | None = None,
        incident_id: uuid.UUID | None = None,
        hazard_type: str | None = None,
    ) -> list[NearbyRow]:
        """Records of ``layer`` (one of :data:`LAYERS`) within ``radius_km`` km of
        the centre, nearest first (then by name).

        The centre is ``point`` (lon, lat, WGS-84) or the incident's position,
        exactly one of them; with an incident centre that incident itself is
        left out of the ``incidents`` layer. ``incidents`` lists open ones only
        (not 结束); the registers leave retired rows out. ``hazard_type`` (a
        HazardType code) narrows the ``hazards`` layer, e.g. ``chemical``.

        Raises :class:`RuleViolation`: ``proximity.layer``, ``proximity.radius``
        (not > 0 and <= 100 km), ``proximity.centre``, ``point.invalid``,
        ``incident.unknown``, ``evacuation.no_position`` (the incident has none).
        """
        if layer not in LAYERS:
            raise RuleViolation("proximity.layer", layer)
        if (
            isinstance(radius_km, bool)
            or not isinstance(radius_km, int | float)
            or not math.isfinite(radius_km)
            or not 0 < radius_km <= RADIUS_MAX_KM
        ):
            raise RuleViolation("proximity.radius", repr(radius_km))
        if (point is None) == (incident_id is None):
            raise RuleViolation("proximity.centre")
        model, name, kind, township = _columns(layer)
        with self._db.read_session() as s:
            if incident_id is not None:
                lon, lat = incident_centre(s, incident_id)
            else:
                assert point is not None
                lon, lat = check_point(point)
            west, south, east, north = bbox(lon, lat, float(radius_km))
            query = (
                select(
                    model.id,
                    name.label("name"),
                    kind.label("kind"),
                    model.lon,
                    model.lat,
                    Township.name.label("township"),
                )
                .outerjoin(Township, Township.id == township)
                .where(model.lon.between(west, east), model.lat.between(south, north))
            )
            if layer == "incidents":
                query = query.where(Incident.status.in_([str(x) for x in OPEN_STATUSES]))
                if incident_id is not None:
                    query = query.where(Incident.id != incident_id)
            else:
                query = query.where(model.retired_at.is_(None))
            if layer == "hazards" and hazard_type:
                query = query.where(HazardSite.hazard_type == hazard_type)
            rows = s.execute(query).all()
        limit = float(radius_km) * 1000.0
        out: list[NearbyRow] = []
        for r in rows:
            metres = distance_m(lon, lat, r.lon, r.lat)
            if metres <= limit:
                out.append(
                    NearbyRow(
                        layer,
                        r.id,
                        r.name,
                        r.kind,
                        r.township,
                        round(metres / 1000.0, 2),
                        r.lon,
                        r.lat,
                    )
                )
        out.sort(key=lambda n: (n.distance_km, n.name))
        return out

    def open_incidents(self) -> list[IncidentPlace]:
        """Open incidents (not 结束), newest report first, to choose a centre from."""
        with self._db.read_session() as s:
            rows = s.execute(
                select(
                    Incident.id,
                    Incident.title,
                    Incident.status,
                    Incident.is_drill,
                    Incident.received_at,
                    Incident.lon,
                    Incident.lat,
                )
                .where(Incident.status.in_([str(x) for x in OPEN_STATUSES]))
                .order_by(Incident.received_at.desc())
            ).all()
        return [IncidentPlace(*r) for r in rows]
