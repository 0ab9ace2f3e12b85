"""Read side of incidents and their logs."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import Incident, IncidentLogEntry, Township
from app.services.dto import IncidentDTO, LogEntryDTO


class IncidentService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def recent(self, limit: int = 500) -> list[IncidentDTO]:
        """The newest incidents first (by time received)."""
        with self._db.read_session() as s:
            counts = (
                select(IncidentLogEntry.incident_id, func.count().label("n"))
                .group_by(IncidentLogEntry.incident_id)
                .subquery()
            )
            stmt = (
                select(Incident, Township.name, func.coalesce(counts.c.n, 0))
                .outerjoin(Township, Township.id == Incident.township_id)
                .outerjoin(counts, counts.c.incident_id == Incident.id)
                .order_by(Incident.received_at.desc(), Incident.id)
                .limit(limit)
            )
            return [
                IncidentDTO(
                    id=i.id,
                    title=i.title,
                    category=i.category,
                    incident_type=i.incident_type,
                    severity=i.severity,
                    status=i.status,
                    is_drill=i.is_drill,
                    received_at=i.received_at,
                    source=i.source,
                    township=township,
                    address=i.address,
                    lon=i.lon,
                    lat=i.lat,
                    description=i.description,
                    deaths=i.deaths,
                    injuries=i.injuries,
                    missing=i.missing,
                    log_count=int(n),
                    is_demo=i.is_demo,
                    version=i.version,
                )
                for i, township, n in s.execute(stmt)
            ]

    def log(self, incident_id: uuid.UUID) -> list[LogEntryDTO]:
        with self._db.read_session() as s:
            rows = s.scalars(
                select(IncidentLogEntry)
                .where(IncidentLogEntry.incident_id == incident_id)
                .order_by(IncidentLogEntry.at, IncidentLogEntry.created_at)
            )
            return [
                LogEntryDTO(e.id, e.incident_id, e.kind, e.body, e.at, e.actor, e.corrects_id)
                for e in rows
            ]
