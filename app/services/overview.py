"""Cross-cutting reads: what the map shows, what the status bar shows."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import exists, func, select

from app.data.engine import Database
from app.data.migrate import current_revision
from app.data.models import Base, ChangeLog, Region
from app.services.dto import MapData, StatusDTO
from app.services.incidents import IncidentService
from app.services.resources import ResourceService

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
            incidents=tuple(self._incidents.recent()),
        )

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
