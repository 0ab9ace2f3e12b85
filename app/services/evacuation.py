"""转移安置: propose shelters for a number of evacuees and record where they went.

:meth:`EvacuationService.propose` reads the open shelters with room in one
query (the needed columns only, with the occupancy as a correlated sum and,
with a distance limit, a lon/lat bounding box in SQL), measures the exact
great-circle distance in Python and lets :func:`app.domain.evacuation.plan_evacuation`
split the people nearest first.

:meth:`EvacuationService.record` writes the plan the officer accepted: in one
unit of work it locks every shelter row (``FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` takes the one write lock first), re-reads its state and
occupancy, and refuses the whole record, naming the shelter, when one has
closed or filled up since the proposal. Then one check-in movement per shelter
and one entry in the incident's log. Transient failures are retried as in
:mod:`app.services.movements`.
"""

from __future__ import annotations

import logging
import math
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import classify
from app.data.models import (
    Incident,
    IncidentLogEntry,
    Shelter,
    ShelterOccupancyMovement,
    Township,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.enums import LogEntryKind
from app.domain.evacuation import ShelterRoom, plan_evacuation
from app.domain.geo import distance_m
from app.domain.rules import OPEN_STATUSES, RuleViolation
from app.services.access import require
from app.services.movements import BACKOFF_S, NOTE_MAX, RETRIES, is_transient

log = logging.getLogger(__name__)

T = TypeVar("T")

# More evacuees than any county shelter plan counts (萧县 has about 1.4 million people).
PEOPLE_MAX = 1_000_000
LIMIT_KM_MAX = 200.0
KM_PER_DEGREE_LAT = 110.574  # the shortest degree of latitude (at the equator), km


@dataclass(frozen=True, slots=True)
class EvacuationAllocation:
    """People sent to one shelter: ``room_before`` places were free when proposed."""

    shelter_id: uuid.UUID
    name: str
    township: str | None
    distance_km: float
    room_before: int
    people: int

    @property
    def room_after(self) -> int:
        return self.room_before - self.people


@dataclass(frozen=True, slots=True)
class EvacuationProposal:
    """Where ``people`` can go from ``centre`` (lon, lat; WGS-84), nearest first."""

    people: int
    incident_id: uuid.UUID | None
    centre: tuple[float, float]
    allocations: tuple[EvacuationAllocation, ...]
    shortfall: int  # people for whom no open shelter has room

    @property
    def placed(self) -> int:
        return self.people - self.shortfall


class ShelterRefused(RuleViolation):
    """A shelter of the plan can no longer take its people (closed, retired, full, gone)."""

    def __init__(self, code: str, name: str, room: int = 0, people: int = 0) -> None:
        super().__init__(code, name)
        self.name = name
        self.room = room
        self.people = people


_TEXTS = {
    "evacuation.people": "转移人数须为正整数。",
    "evacuation.centre": "请选择一个事件或输入一个位置（经度、纬度）作为转移的起点。",
    "evacuation.no_position": (
        "该事件没有位置，无法按距离推荐避难场所；请先补充事件位置或输入一个位置。"
    ),
    "evacuation.limit": "距离上限须大于 0 且不超过 200 公里。",
    "evacuation.empty": "方案中没有任何安置人数，未登记。",
    "evacuation.duplicate": "同一避难场所在方案中出现了两次，请合并后再登记。",
    "incident.unknown": "该事件已不存在。",
    "incident.closed": "该事件已结束，不能再登记转移安置。",
    "movement.note_too_long": f"备注过长（不超过 {NOTE_MAX} 字）。",
    "point.invalid": "位置无效：经度须在 -180 到 180 之间，纬度须在 -90 到 90 之间。",
}


def problem_text(exc: RuleViolation) -> str:
    """A refusal of this module in Chinese, for the form (the shelter named when it is one)."""
    if isinstance(exc, ShelterRefused):
        if exc.code == "shelter.closed":
            return f"未登记：避难场所“{exc.name}”已关闭，请重新生成方案。"
        if exc.code == "occupancy.over_capacity":
            return (
                f"未登记：避难场所“{exc.name}”现只剩 {exc.room} 个空位，"
                f"不够安置 {exc.people} 人（其他席位刚登记了入住）。请重新生成方案。"
            )
        return f"未登记：避难场所“{exc.name}”已不存在或已停用，请重新生成方案。"
    return _TEXTS.get(exc.code, f"不符合规则（{exc.code}）。")


def recorded_text(people: int) -> str:
    """The confirmation once :meth:`EvacuationService.record` has recorded ``people``."""
    return f"已登记转移安置 {people} 人，已写入事件日志"


def check_point(point: tuple[float, float]) -> tuple[float, float]:
    """``point`` as (lon, lat) floats; RuleViolation ``point.invalid`` when outside the globe."""
    lon, lat = float(point[0]), float(point[1])
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise RuleViolation("point.invalid", f"{point!r}")
    return lon, lat


def bbox(lon: float, lat: float, radius_km: float) -> tuple[float, float, float, float]:
    """A lon/lat box (min lon, min lat, max lon, max lat) that holds every point
    within ``radius_km`` of (lon, lat) (a little larger, never smaller)."""
    dlat = radius_km / KM_PER_DEGREE_LAT * 1.01
    edge = min(89.0, abs(lat) + dlat)
    dlon = min(180.0, radius_km / (111.32 * math.cos(math.radians(edge))) * 1.01)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def incident_centre(session: Session, incident_id: uuid.UUID) -> tuple[float, float]:
    """The incident's position; RuleViolation ``incident.unknown`` / ``evacuation.no_position``."""
    row = session.execute(
        select(Incident.lon, Incident.lat).where(Incident.id == incident_id)
    ).first()
    if row is None:
        raise RuleViolation("incident.unknown", str(incident_id))
    if row.lon is None or row.lat is None:
        raise RuleViolation("evacuation.no_position", str(incident_id))
    return float(row.lon), float(row.lat)


def _occupancy_of_shelter() -> Any:
    return (
        select(func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0))
        .where(ShelterOccupancyMovement.shelter_id == Shelter.id)
        .correlate(Shelter)
        .scalar_subquery()
    )


def _km(metres: float) -> float:
    return round(metres / 1000.0, 1)


def log_body(allocations: Sequence[EvacuationAllocation], note: str = "") -> str:
    """The incident log entry of a recorded evacuation, e.g.
    ``转移安置 800 人：县城体育场 500 人（2.3 公里），实验小学 300 人（3.1 公里）。``"""
    total = sum(a.people for a in allocations)
    parts = "，".join(f"{a.name} {a.people} 人（{a.distance_km:.1f} 公里）" for a in allocations)
    body = f"转移安置 {total} 人：{parts}。"
    if note.strip():
        body += f"备注：{note.strip()}"
    return body


class EvacuationService:
    """Evacuation proposals and their record (one read session or one unit of work per call)."""

    def __init__(self, db: Database, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._db = db
        self._sleep = sleep

    def propose(
        self,
        people: int,
        *,
        incident_id: uuid.UUID | None = None,
        point: tuple[float, float] | None = None,
        limit_km: float | None = None,
    ) -> EvacuationProposal:
        """Open shelters with room for ``people``, nearest first, split until all are placed.

        The centre is the incident's position or ``point`` (lon, lat, WGS-84),
        exactly one of them. Shelters count when open, not retired, with a
        position and ``capacity - occupancy > 0``; with ``limit_km`` only those
        within that great-circle distance (km). Distances are great-circle
        (haversine) in km, to 0.1 km. ``shortfall`` is how many found no place.

        Raises :class:`RuleViolation`: ``evacuation.people`` (not a whole
        number 1..1,000,000), ``evacuation.centre`` (neither or both of incident
        and point), ``point.invalid``, ``incident.unknown``,
        ``evacuation.no_position`` (the incident has no position),
        ``evacuation.limit`` (not > 0 and <= 200 km).
        """
        if isinstance(people, bool) or not isinstance(people, int) or not 0 < people <= PEOPLE_MAX:
            raise RuleViolation("evacuation.people", repr(people))
        if (incident_id is None) == (point is None):
            raise RuleViolation("evacuation.centre")
        if limit_km is not None and not (math.isfinite(limit_km) and 0 < limit_km <= LIMIT_KM_MAX):
            raise RuleViolation("evacuation.limit", repr(limit_km))
        with self._db.read_session() as s:
            if incident_id is not None:
                lon, lat = incident_centre(s, incident_id)
            else:
                assert point is not None
                lon, lat = check_point(point)
            query = (
                select(
                    Shelter.id,
                    Shelter.name,
                    Township.name.label("township"),
                    Shelter.lon,
                    Shelter.lat,
                    Shelter.capacity,
                    _occupancy_of_shelter().label("occupancy"),
                )
                .outerjoin(Township, Township.id == Shelter.township_id)
                .where(
                    Shelter.is_open.is_(True),
                    Shelter.retired_at.is_(None),
                    Shelter.lon.is_not(None),
                    Shelter.lat.is_not(None),
                )
            )
            if limit_km is not None:
                west, south, east, north = bbox(lon, lat, limit_km)
                query = query.where(
                    Shelter.lon.between(west, east), Shelter.lat.between(south, north)
                )
            rows = s.execute(query).all()
        found: dict[uuid.UUID, Any] = {}
        rooms: list[ShelterRoom] = []
        limit_m = None if limit_km is None else limit_km * 1000.0
        for row in rows:
            room = int(row.capacity) - int(row.occupancy or 0)
            if room <= 0:
                continue
            metres = distance_m(lon, lat, row.lon, row.lat)
            if limit_m is not None and metres > limit_m:
                continue
            found[row.id] = row
            rooms.append(ShelterRoom(row.id, metres, room))
        plan = plan_evacuation(people, rooms)
        allocations = tuple(
            EvacuationAllocation(
                shelter_id=p.shelter_id,
                name=found[p.shelter_id].name,
                township=found[p.shelter_id].township,
                distance_km=_km(p.distance_m),
                room_before=p.room_before,
                people=p.people,
            )
            for p in plan.placements
        )
        return EvacuationProposal(people, incident_id, (lon, lat), allocations, plan.shortfall)

    def record(
        self,
        proposal_or_allocations: EvacuationProposal | Iterable[EvacuationAllocation],
        *,
        incident_id: uuid.UUID,
        actor: str,
        site: str,
        note: str = "",
    ) -> None:
        """Record the evacuation: a check-in movement per shelter and one incident log entry.

        Allocations with 0 people are left out. All or nothing: in one unit of
        work each shelter row is locked and checked again; when one is gone,
        retired or closed, or has fewer places free than its people now,
        :class:`ShelterRefused` (a RuleViolation: ``shelter.unknown``,
        ``shelter.closed``, ``occupancy.over_capacity``) names it and nothing is
        written. Other refusals: ``evacuation.empty``, ``evacuation.people`` (a
        negative or non-integer count), ``evacuation.duplicate``,
        ``incident.unknown``, ``incident.closed``, ``movement.note_too_long``.
        Needs :attr:`Action.RECORD_MOVEMENT` (NotPermitted otherwise).
        """
        require(self._db, Action.RECORD_MOVEMENT)
        source = (
            proposal_or_allocations.allocations
            if isinstance(proposal_or_allocations, EvacuationProposal)
            else tuple(proposal_or_allocations)
        )
        for a in source:
            if isinstance(a.people, bool) or not isinstance(a.people, int) or a.people < 0:
                raise RuleViolation("evacuation.people", repr(a.people))
        allocations = [a for a in source if a.people > 0]
        if not allocations:
            raise RuleViolation("evacuation.empty")
        if len({a.shelter_id for a in allocations}) != len(allocations):
            raise RuleViolation("evacuation.duplicate")
        note = note.strip()
        if len(note) > NOTE_MAX:
            raise RuleViolation("movement.note_too_long", f"{len(note)} > {NOTE_MAX}")
        # The same ids on every attempt: a retry never inserts twice.
        movement_ids = {a.shelter_id: uuid.uuid4() for a in allocations}
        entry_id = uuid.uuid4()
        ids = sorted(movement_ids, key=str)  # one locking order on every seat

        def attempt(uow: UnitOfWork) -> None:
            s = uow.session
            incident = s.execute(
                select(Incident.title, Incident.status).where(Incident.id == incident_id)
            ).first()
            if incident is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            if incident.status not in OPEN_STATUSES:
                raise RuleViolation("incident.closed", str(incident_id))
            locked = {
                row.id: row
                for row in s.execute(
                    select(
                        Shelter.id,
                        Shelter.name,
                        Shelter.capacity,
                        Shelter.is_open,
                        Shelter.retired_at,
                    )
                    .where(Shelter.id.in_(ids))
                    .order_by(Shelter.id)
                    .with_for_update()
                )
            }
            occupancy = dict(
                s.execute(
                    select(
                        ShelterOccupancyMovement.shelter_id,
                        func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0),
                    )
                    .where(ShelterOccupancyMovement.shelter_id.in_(ids))
                    .group_by(ShelterOccupancyMovement.shelter_id)
                ).all()
            )
            for a in allocations:
                row = locked.get(a.shelter_id)
                if row is None or row.retired_at is not None:
                    raise ShelterRefused("shelter.unknown", a.name)
                if not row.is_open:
                    raise ShelterRefused("shelter.closed", row.name)
                room = int(row.capacity) - int(occupancy.get(a.shelter_id, 0))
                if a.people > room:
                    raise ShelterRefused(
                        "occupancy.over_capacity", row.name, max(room, 0), a.people
                    )
            now = self._db.clock()
            movement_note = f"转移安置：{incident.title}"
            if note:
                movement_note += f"；{note}"
            uow.bulk_insert(
                ShelterOccupancyMovement,
                [
                    {
                        "id": movement_ids[a.shelter_id],
                        "shelter_id": a.shelter_id,
                        "delta": a.people,
                        "at": now,
                        "actor": actor,
                        "note": movement_note[:NOTE_MAX],
                    }
                    for a in allocations
                ],
            )
            named = [
                a if a.name == locked[a.shelter_id].name else _renamed(a, locked[a.shelter_id].name)
                for a in allocations
            ]
            uow.bulk_insert(
                IncidentLogEntry,
                [
                    {
                        "id": entry_id,
                        "incident_id": incident_id,
                        "kind": LogEntryKind.DISPATCH.value,
                        "body": log_body(named, note),
                        "at": now,
                        "actor": actor,
                        "corrects_id": None,
                        "created_at": now,
                    }
                ],
            )
            uow.commit()

        self._run(attempt, actor=actor, site=site)

    def _run(self, attempt: Callable[[UnitOfWork], T], *, actor: str, site: str) -> T:
        """``attempt`` in a fresh unit of work, again after a transient failure
        (the same policy as :class:`app.services.movements.MovementService`)."""
        for number in range(RETRIES + 1):
            try:
                with UnitOfWork(self._db, actor=actor, site=site) as uow:
                    return attempt(uow)
            except RuleViolation:
                raise
            except Exception as exc:
                if number >= RETRIES or not is_transient(exc):
                    problem = classify(exc)
                    if problem is None or problem is exc:
                        raise
                    raise problem from exc
                pause = BACKOFF_S[min(number, len(BACKOFF_S) - 1)] * random.uniform(0.5, 1.5)
                log.info(
                    "transient database failure, retry %d in %.3f s: %s", number + 1, pause, exc
                )
                self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover


def _renamed(a: EvacuationAllocation, name: str) -> EvacuationAllocation:
    """The allocation under the shelter's name as it is now (renamed since the proposal)."""
    return EvacuationAllocation(
        a.shelter_id, name, a.township, a.distance_km, a.room_before, a.people
    )
