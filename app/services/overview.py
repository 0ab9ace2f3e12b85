"""Cross-cutting reads: what the map shows, what the status bar shows."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.migrate import current_revision
from app.data.models import (
    Base,
    ChangeLog,
    IncidentLogEntry,
    Region,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
)
from app.data.uow import ChangeRecord
from app.services.dto import MapChanges, MapData, StatusDTO
from app.services.incidents import IncidentService
from app.services.resources import ResourceService

# Changes to these redraw the whole map rather than a few features.
_RELOAD_MAP = frozenset({"region", "township"})


def _parents(s: Session, parent: Any, child_id: Any, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    found: set[uuid.UUID] = set()
    chunked = sorted(ids, key=str)
    for k in range(0, len(chunked), 500):
        found.update(s.scalars(select(parent).where(child_id.in_(chunked[k : k + 500]))))
    return found


_DEMO_TABLES = [
    table
    for table in Base.metadata.sorted_tables
    if "is_demo" in table.c and table.name != "region"
]


class OverviewService:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._resources = ResourceService(db)
        self._incidents = IncidentService(db)

    def county_boundary(self) -> dict[str, Any] | None:
        with self._db.read_session() as s:
            text = s.scalar(select(Region.geojson).where(Region.level == "county").limit(1))
        return json.loads(text) if text else None

    def map_data(self, today: date) -> MapData:
        return MapData(
            county=self.county_boundary(),
            townships=tuple(self._resources.townships()),
            hazards=tuple(self._resources.hazards()),
            shelters=tuple(self._resources.shelters()),
            depots=tuple(self._resources.depots(today)),
            teams=tuple(self._resources.teams()),
            incidents=tuple(self._incidents.active()),
        )

    def map_changes(self, records: Sequence[ChangeRecord], today: date) -> MapChanges | None:
        """The rows the map must redraw for these change_log records.

        None means "reload the whole map" (places or the county outline changed).
        Movements count for the shelter or depot they belong to; log entries for
        their incident (its entry count); closed or deleted rows are removals.
        """
        touched: dict[str, set[uuid.UUID]] = defaultdict(set)
        for r in records:
            touched[r.entity_type].add(r.entity_id)
        if touched.keys() & _RELOAD_MAP:
            return None
        with self._db.read_session() as s:
            touched["shelter"] |= _parents(
                s,
                ShelterOccupancyMovement.shelter_id,
                ShelterOccupancyMovement.id,
                touched["shelter_occupancy_movement"],
            )
            items = touched["stock_item"] | _parents(
                s, StockMovement.item_id, StockMovement.id, touched["stock_movement"]
            )
            touched["supply_depot"] |= _parents(s, StockItem.depot_id, StockItem.id, items)
            touched["incident"] |= _parents(
                s,
                IncidentLogEntry.incident_id,
                IncidentLogEntry.id,
                touched["incident_log_entry"],
            )
        res = self._resources
        layers: dict[str, tuple[Any, ...]] = {}
        removed: list[tuple[str, str]] = []
        for entity, layer, fetch in (
            ("hazard_site", "hazards", res.hazards),
            ("shelter", "shelters", res.shelters),
            ("supply_depot", "depots", lambda ids: res.depots(today, ids)),
            ("rescue_team", "teams", res.teams),
            ("incident", "incidents", self._incidents.active),
        ):
            ids = touched.get(entity)
            if not ids:
                continue
            rows = tuple(fetch(ids))
            layers[layer] = rows
            found = {getattr(row, "id", None) for row in rows}
            removed.extend((layer, str(i)) for i in sorted(ids - found, key=str))
        return MapChanges(
            hazards=layers.get("hazards", ()),
            shelters=layers.get("shelters", ()),
            depots=layers.get("depots", ()),
            teams=layers.get("teams", ()),
            incidents=layers.get("incidents", ()),
            removed=tuple(removed),
            up_to_seq=max((r.seq for r in records), default=0),
        )

    def feature(self, layer: str, entity_id: uuid.UUID, today: date) -> Any | None:
        """One map feature's DTO by layer and id (None if it is gone)."""
        res = self._resources
        fetchers: dict[str, Callable[[list[uuid.UUID]], Sequence[Any]]] = {
            "hazards": res.hazards,
            "shelters": res.shelters,
            "depots": lambda ids: res.depots(today, ids),
            "teams": res.teams,
            "incidents": self._incidents.by_ids,
        }
        fetch = fetchers.get(layer)
        if fetch is None:
            raise ValueError(f"unknown layer {layer!r}")
        rows = fetch([entity_id])
        return rows[0] if rows else None

    def last_seq(self) -> int:
        """The newest change_log sequence: one primary-key lookup, cheap to poll."""
        with self._db.read_session() as s:
            return int(s.scalar(select(func.max(ChangeLog.seq))) or 0)

    def status(self) -> StatusDTO:
        """What the status bar shows; read again whenever the data changed."""
        with self._db.read_session() as s:
            demo_tables = sum(
                1
                for table in _DEMO_TABLES
                if s.scalar(select(exists().where(table.c.is_demo.is_(True))))
            )
            last = s.scalar(select(func.max(ChangeLog.seq))) or 0
        return StatusDTO(
            demo_tables=demo_tables,
            last_seq=int(last),
            schema_revision=current_revision(self._db),
        )
