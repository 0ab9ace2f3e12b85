"""Read side of incidents and their logs."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.errors import classify
from app.data.models import Incident, IncidentLogEntry, Township
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.enums import IncidentStatus, LogEntryKind
from app.domain.intake import DraftRejected, IncidentDraft, validate_draft
from app.services.access import require
from app.services.dto import IncidentDTO, LogEntryDTO
from app.services.places import PlaceService


class IncidentService:
    def __init__(self, db: Database, places: PlaceService | None = None) -> None:
        self._db = db
        self._places = places or PlaceService(db)

    def record(self, draft: IncidentDraft, *, actor: str, site: str, now: datetime) -> uuid.UUID:
        """Record a report (接报登记): the incident and the first entry of its log.

        The incident's id is ``draft.id``, which makes saving again safe: if an
        earlier save of the same draft committed but its answer was lost with the
        connection, that incident is found and its id returned; nothing is
        written twice.

        Raises DraftRejected with per-field error codes; nothing is written then.
        Raises DatabaseProblem when the database cannot be used (``UNREACHABLE``
        for a lost server): nothing or everything was written, and the same
        draft may be saved again later.
        """
        require(self._db, Action.RECORD_INCIDENT)
        try:
            errors = validate_draft(draft, now, self._places.in_county)
            if errors:
                raise DraftRejected(errors)
            township_id = uuid.UUID(draft.township_id) if draft.township_id else None
            if township_id is None and draft.lon is not None and draft.lat is not None:
                nearest = self._places.township_near(draft.lon, draft.lat)
                township_id = nearest.id if nearest else None
            try:
                with UnitOfWork(self._db, actor=actor, site=site) as uow:
                    if uow.session.get(Incident, draft.id) is not None:
                        return draft.id  # an earlier save of this draft committed
                    _add_incident(uow, draft, township_id, actor)
                    uow.commit()
            except sa_exc.IntegrityError:
                # Another save of this draft committed between the check and the insert.
                with self._db.read_session() as s:
                    if s.scalar(select(Incident.id).where(Incident.id == draft.id)) is not None:
                        return draft.id
                raise
        except sa_exc.SQLAlchemyError as exc:
            # Reads (county outline, townships, the check above) fail unclassified.
            problem = classify(exc)
            if problem is None:
                raise
            raise problem from exc
        return draft.id

    def recent(self, limit: int = 500) -> list[IncidentDTO]:
        """The newest incidents first (by time received)."""
        return self._query(None, limit)

    def active(self, ids: Collection[uuid.UUID] | None = None) -> list[IncidentDTO]:
        """Incidents not yet closed (the map shows these), optionally only ``ids``."""
        where = [Incident.status != IncidentStatus.CLOSED.value]
        if ids is not None:
            where.append(Incident.id.in_(list(ids)))
        return self._query(where, None)

    def by_ids(self, ids: Collection[uuid.UUID]) -> list[IncidentDTO]:
        return self._query([Incident.id.in_(list(ids))], None)

    def _query(self, where: list[Any] | None, limit: int | None) -> list[IncidentDTO]:
        with self._db.read_session() as s:
            table = Incident.__table__
            stmt = (
                select(table, Township.name.label("township_name"))
                .outerjoin(Township, Township.id == table.c.township_id)
                .order_by(table.c.received_at.desc(), table.c.id)
            )
            if where:
                stmt = stmt.where(*where)
            if limit is not None:
                stmt = stmt.limit(limit)
            rows = s.execute(stmt).all()
            ids = [row.id for row in rows]
            counts: dict[uuid.UUID, int] = {}
            for chunk in (ids[k : k + 500] for k in range(0, len(ids), 500)):
                counts.update(
                    s.execute(
                        select(IncidentLogEntry.incident_id, func.count())
                        .where(IncidentLogEntry.incident_id.in_(chunk))
                        .group_by(IncidentLogEntry.incident_id)
                    ).all()
                )
            return [_incident_dto(row, row.township_name, counts.get(row.id, 0)) for row in rows]

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


def _add_incident(
    uow: UnitOfWork, draft: IncidentDraft, township_id: uuid.UUID | None, actor: str
) -> None:
    """The new incident (with the draft's id) and the first entry of its log."""
    incident = Incident(
        id=draft.id,
        title=draft.title.strip(),
        category=draft.category,
        incident_type=draft.incident_type,
        severity=draft.severity,
        status=IncidentStatus.RECEIVED.value,
        is_drill=draft.is_drill,
        received_at=draft.received_at,
        source=draft.source,
        reporter_name=draft.reporter_name.strip() or None,
        reporter_phone=draft.reporter_phone.strip() or None,
        township_id=township_id,
        address=draft.address.strip() or None,
        lon=draft.lon,
        lat=draft.lat,
        coord_source="map" if draft.lon is not None else None,
        description=draft.description.strip() or None,
        deaths=draft.deaths,
        injuries=draft.injuries,
        missing=draft.missing,
    )
    uow.session.add(incident)
    uow.session.flush()
    uow.session.add(
        IncidentLogEntry(
            incident_id=incident.id,
            kind=LogEntryKind.STATUS.value,
            body=IncidentStatus.RECEIVED.value,
            at=draft.received_at,
            actor=actor,
        )
    )


def _incident_dto(i: Any, township: str | None, log_count: int) -> IncidentDTO:
    """From an incident row (ORM object or column row)."""
    return IncidentDTO(
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
        log_count=log_count,
        is_demo=i.is_demo,
        version=i.version,
    )
