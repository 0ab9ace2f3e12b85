"""Read side of places and resources: hazards, shelters, depots, stock, teams."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, TypeVar, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import (
    ChangeLog,
    HazardSite,
    RescueTeam,
    Shelter,
    ShelterOccupancyMovement,
    SupplyDepot,
    Township,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.coords import position_flags
from app.domain.enums import RiskLevel
from app.domain.rules import RuleViolation, phone_violation
from app.services.access import require
from app.services.dto import (
    DepotDTO,
    HazardDTO,
    LastChange,
    ShelterDTO,
    ShelterEdit,
    TeamDTO,
    TownshipDTO,
)
from app.services.stock import StockService

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

_RISK_ORDER = {level.value: level.rank for level in RiskLevel}


# Beyond this many ids a query reads everything and filters in Python
# (bound-parameter limits, and a scan is cheaper than a huge IN list).
MAX_IN_IDS = 2000

Ids = Collection[uuid.UUID] | None


def _only(stmt: Select[*Ts], column: Any, ids: Ids) -> Select[*Ts]:
    if ids is None or len(ids) > MAX_IN_IDS:
        return stmt
    return stmt.where(column.in_(list(ids)))


def _keep(rows: Sequence[T], ids: Ids) -> list[T]:
    if ids is None or len(ids) <= MAX_IN_IDS:
        return list(rows)
    wanted = set(ids)
    return [r for r in rows if getattr(r, "id", None) in wanted]


def _township_names(session: Session) -> dict[uuid.UUID, str]:
    return dict(session.execute(select(Township.id, Township.name)).all())


def _flags(lon: float | None, lat: float | None) -> tuple[str, ...]:
    """PositionFlag codes of a stored position (none when it has no position)."""
    if lon is None or lat is None:
        return ()
    return tuple(flag.value for flag in position_flags(lon, lat))


def _in_service(stmt: Select[*Ts], table: Any, include_retired: bool) -> Select[*Ts]:
    """Retired register rows leave the lists and the map unless asked for."""
    return stmt if include_retired else stmt.where(table.c.retired_at.is_(None))


class ResourceService:
    """Queries for the resource lists and the map. Each call is one read session."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def townships(self) -> list[TownshipDTO]:
        with self._db.read_session() as s:
            rows = s.scalars(select(Township).order_by(Township.code)).all()
            return [
                TownshipDTO(t.id, t.code, t.name, t.kind, t.lon, t.lat, t.is_demo) for t in rows
            ]

    def hazards(self, ids: Ids = None, *, include_retired: bool = False) -> list[HazardDTO]:
        """Hazard sites in service (most serious first), or only those with ``ids``;
        ``include_retired`` adds the retired ones (the register's 显示已停用)."""
        with self._db.read_session() as s:
            names = _township_names(s)
            # Plain column rows, not ORM objects: several times faster at county scale.
            table = HazardSite.__table__
            stmt = _in_service(select(table), table, include_retired)
            rows = _keep(s.execute(_only(stmt, table.c.id, ids)).all(), ids)
            out = [
                HazardDTO(
                    id=h.id,
                    name=h.name,
                    hazard_type=h.hazard_type,
                    risk_level=h.risk_level,
                    township=names.get(h.township_id) if h.township_id else None,
                    lon=h.lon,
                    lat=h.lat,
                    address=h.address,
                    responsible_unit=h.responsible_unit,
                    contact_name=h.contact_name,
                    contact_phone=h.contact_phone,
                    monitoring_status=h.monitoring_status,
                    rectification_deadline=h.rectification_deadline,
                    is_demo=h.is_demo,
                    version=h.version,
                    code=h.code,
                    retired_at=h.retired_at,
                    retired_reason=h.retired_reason,
                    flags=_flags(h.lon, h.lat),
                    rectification_state=h.rectification_state,
                    rectified_on=h.rectified_on,
                    supervision=h.supervision,
                )
                for h in rows
            ]
        out.sort(key=lambda h: (_RISK_ORDER.get(h.risk_level, 9), h.name))
        return out

    def shelters(self, ids: Ids = None, *, include_retired: bool = False) -> list[ShelterDTO]:
        """Shelters in service by name, or only those with ``ids``; occupancy is
        the sum of the movements (people)."""
        with self._db.read_session() as s:
            names = _township_names(s)
            occupancy_stmt = select(
                ShelterOccupancyMovement.shelter_id,
                func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0),
            ).group_by(ShelterOccupancyMovement.shelter_id)
            occupancy_stmt = _only(occupancy_stmt, ShelterOccupancyMovement.shelter_id, ids)
            occupancy = {sid: total for sid, total in s.execute(occupancy_stmt).all()}
            table = Shelter.__table__
            stmt = _in_service(select(table), table, include_retired).order_by(table.c.name)
            rows = _keep(s.execute(_only(stmt, table.c.id, ids)).all(), ids)
            return [
                ShelterDTO(
                    id=r.id,
                    name=r.name,
                    shelter_type=r.shelter_type,
                    capacity=r.capacity,
                    occupancy=int(occupancy.get(r.id, 0)),
                    is_open=r.is_open,
                    township=names.get(r.township_id) if r.township_id else None,
                    lon=r.lon,
                    lat=r.lat,
                    address=r.address,
                    facilities=r.facilities,
                    manager=r.manager,
                    phone=r.phone,
                    is_demo=r.is_demo,
                    version=r.version,
                    code=r.code,
                    retired_at=r.retired_at,
                    retired_reason=r.retired_reason,
                    flags=_flags(r.lon, r.lat),
                    duration_kind=r.duration_kind,
                    level=r.level,
                    effective_area_m2=r.effective_area_m2,
                    area_per_person_m2=r.area_per_person_m2,
                    service_radius_m=r.service_radius_m,
                    last_inspected_on=r.last_inspected_on,
                    opened_at=r.opened_at,
                    closed_at=r.closed_at,
                )
                for r in rows
            ]

    def depots(
        self, today: date, ids: Ids = None, *, include_retired: bool = False
    ) -> list[DepotDTO]:
        # Lines on hand, and what needs attention: entries below their minimum
        # level (储备定额) and expired batches still on the shelf.
        summary = StockService(self._db).depot_summary(
            today, None if ids is None or len(ids) > MAX_IN_IDS else ids
        )
        count = {d: v.lines for d, v in summary.items()}
        attention = {d: v.below_minimum + v.expired for d, v in summary.items()}
        with self._db.read_session() as s:
            names = _township_names(s)
            table = SupplyDepot.__table__
            stmt = _in_service(select(table), table, include_retired)
            stmt = stmt.order_by(table.c.level, table.c.name)
            rows = _keep(s.execute(_only(stmt, table.c.id, ids)).all(), ids)
            return [
                DepotDTO(
                    id=d.id,
                    name=d.name,
                    level=d.level,
                    township=names.get(d.township_id) if d.township_id else None,
                    lon=d.lon,
                    lat=d.lat,
                    address=d.address,
                    manager=d.manager,
                    phone=d.phone,
                    item_count=count.get(d.id, 0),
                    attention_count=attention.get(d.id, 0),
                    is_demo=d.is_demo,
                    version=d.version,
                    code=d.code,
                    retired_at=d.retired_at,
                    retired_reason=d.retired_reason,
                    flags=_flags(d.lon, d.lat),
                    company=d.company,
                    contract_start=d.contract_start,
                    contract_end=d.contract_end,
                )
                for d in rows
            ]

    def teams(self, ids: Ids = None, *, include_retired: bool = False) -> list[TeamDTO]:
        """Rescue teams in service by type and name, or only those with ``ids``."""
        with self._db.read_session() as s:
            names = _township_names(s)
            table = RescueTeam.__table__
            stmt = _in_service(select(table), table, include_retired)
            stmt = stmt.order_by(table.c.team_type, table.c.name)
            rows = _keep(s.execute(_only(stmt, table.c.id, ids)).all(), ids)
            return [
                TeamDTO(
                    id=t.id,
                    name=t.name,
                    team_type=t.team_type,
                    members=t.members,
                    volunteers=t.volunteers,
                    status=t.status,
                    township=names.get(t.township_id) if t.township_id else None,
                    lon=t.lon,
                    lat=t.lat,
                    base_address=t.base_address,
                    equipment=t.equipment,
                    contact_name=t.contact_name,
                    contact_phone=t.contact_phone,
                    is_demo=t.is_demo,
                    version=t.version,
                    code=t.code,
                    retired_at=t.retired_at,
                    retired_reason=t.retired_reason,
                    flags=_flags(t.lon, t.lat),
                    specialties=t.specialties,
                    available=t.available,
                    incident_id=t.incident_id,
                    status_since=t.status_since,
                )
                for t in rows
            ]


def _occupancy(session: Session, shelter_id: uuid.UUID) -> int:
    """People in the shelter: the sum of its occupancy movements."""
    total = session.scalar(
        select(func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0)).where(
            ShelterOccupancyMovement.shelter_id == shelter_id
        )
    )
    return int(total or 0)


class StaleCopy(ConflictError):
    """Someone changed a record (a shelter, a depot, a team, a hazard site) after
    the user's copy was read.

    ``current`` is the record as it is now (its DTO, None when it is gone) and
    ``last_change`` who changed it, when and from which seat, so the form can
    show the other change instead of overwriting it.
    """

    def __init__(
        self, current: Any | None, last_change: LastChange | None, *, entity: str = "shelter"
    ) -> None:
        entity_id = str(current.id) if current is not None else ""
        super().__init__(entity, entity_id, "changed by someone else")
        self.current = current
        self.last_change = last_change


# Shelter.manager is VARCHAR(64).
MANAGER_MAX = 64


def shelter_edit_problems(
    edit: ShelterEdit, occupancy: int | None = None, stored_capacity: int | None = None
) -> dict[str, RuleViolation]:
    """The rules ``edit`` breaks, by field (``capacity``, ``manager``, ``phone``).

    Codes: ``shelter.capacity_negative`` (detail: the capacity),
    ``shelter.capacity_below_occupancy`` (detail: the people inside),
    ``shelter.manager_too_long`` (detail: the limit), ``phone.invalid`` /
    ``phone.too_long``. The occupancy rule applies when ``occupancy`` is given,
    and only to a changed capacity: a shelter already holding more people than
    its capacity (see :meth:`MovementService.record_occupancy`) can still have
    its manager or phone corrected.
    """
    problems: dict[str, RuleViolation] = {}
    if edit.capacity < 0:
        problems["capacity"] = RuleViolation("shelter.capacity_negative", str(edit.capacity))
    elif occupancy is not None and edit.capacity != stored_capacity and edit.capacity < occupancy:
        problems["capacity"] = RuleViolation("shelter.capacity_below_occupancy", str(occupancy))
    if len(edit.manager.strip()) > MANAGER_MAX:
        problems["manager"] = RuleViolation("shelter.manager_too_long", str(MANAGER_MAX))
    phone = phone_violation(edit.phone)
    if phone is not None:
        problems["phone"] = phone
    return problems


def _refuse(problems: dict[str, RuleViolation]) -> None:
    for problem in problems.values():
        raise problem  # the first; the form checks every field before it saves


class ShelterEditor:
    """Changes to a shelter's own fields, refused when based on a stale copy."""

    def __init__(self, db: Database, resources: ResourceService | None = None) -> None:
        self._db = db
        self._resources = resources or ResourceService(db)

    def update(self, edit: ShelterEdit, *, actor: str, site: str) -> ShelterDTO:
        """Apply ``edit``; RuleViolation (see :func:`shelter_edit_problems`) when refused."""
        require(self._db, Action.EDIT_RESOURCES)
        _refuse(shelter_edit_problems(edit))
        try:
            with UnitOfWork(self._db, actor=actor, site=site) as uow:
                session = uow.session
                # Lock the row as MovementService does before it sums, so nobody moves
                # people in between the check below and this commit.
                session.execute(
                    select(Shelter).where(Shelter.id == edit.shelter_id).with_for_update()
                ).scalar_one_or_none()
                shelter = uow.get_current(Shelter, edit.shelter_id, edit.version)
                occupancy = _occupancy(session, edit.shelter_id)
                _refuse(shelter_edit_problems(edit, occupancy, shelter.capacity))
                shelter.is_open = edit.is_open
                shelter.capacity = edit.capacity
                shelter.manager = edit.manager.strip() or None
                shelter.phone = edit.phone.strip() or None
                shelter.facilities = edit.facilities.strip() or None
                uow.commit()
        except ConflictError as exc:
            current = self._resources.shelters([edit.shelter_id])
            raise StaleCopy(
                current[0] if current else None, self.last_change(edit.shelter_id)
            ) from exc
        return self._resources.shelters([edit.shelter_id])[0]

    def last_change(self, shelter_id: uuid.UUID) -> LastChange | None:
        return last_change(self._db, "shelter", shelter_id)


def last_change(db: Database, entity: str, entity_id: uuid.UUID) -> LastChange | None:
    """Who last changed the record (change_log entity ``entity``), when (UTC), from where."""
    with db.read_session() as s:
        row = s.execute(
            select(ChangeLog.actor, ChangeLog.at, ChangeLog.origin_site)
            .where(ChangeLog.entity_type == entity, ChangeLog.entity_id == entity_id)
            .order_by(ChangeLog.seq.desc())
            .limit(1)
        ).first()
    return LastChange(row.actor, row.at, row.origin_site) if row else None
