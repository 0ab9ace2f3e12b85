"""转移安置: proposals nearest first, split across shelters, recorded all or nothing.

The shelters lie north of an incident at the county seat, 1, 2, 3 ... km away
(0.009 degrees of latitude is about 1 km), so "nearest first" is plain to see.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    HazardSite,
    Incident,
    IncidentLogEntry,
    RescueTeam,
    Shelter,
    ShelterOccupancyMovement,
    SupplyDepot,
    Township,
)
from app.data.uow import UnitOfWork
from app.domain.access import Role
from app.domain.enums import IncidentStatus, LogEntryKind
from app.domain.identity import Identity, acting_as
from app.domain.rules import RuleViolation
from app.services.access import NotPermitted
from app.services.evacuation import (
    EvacuationService,
    ShelterRefused,
    problem_text,
)
from app.services.movements import MovementService
from tests.conftest import PG_ADMIN_URL, _pg_conninfo

ACTOR, SITE = "值班员甲", "seat-1"
SEAT_LON, SEAT_LAT = 116.95, 34.19  # 萧县县城
KM_LAT = 1 / 111.2  # degrees of latitude in one km


# -- one migrated database per backend for the module, emptied before each test ----------
_TABLES = (
    IncidentLogEntry,
    ShelterOccupancyMovement,
    RescueTeam,
    HazardSite,
    SupplyDepot,
    Shelter,
    Incident,
    Township,
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def ops_module_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """Migrations take a second or two per database: these tests share one per
    backend and start each from empty registers (see :func:`ops_db`)."""
    if request.param == "sqlite":
        db = Database(make_url(f"sqlite+pysqlite:///{tmp_path_factory.mktemp('ops')}/x.sqlite3"))
        upgrade(db)
        yield db
        db.dispose()
        return
    admin = make_url(PG_ADMIN_URL)
    name = f"xcc_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(_pg_conninfo(admin), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {admin.host}:{admin.port} is needed for this test: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = Database(admin.set(database=name))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def ops_db(ops_module_db: Database) -> Database:
    """The module's database with no incidents, townships or register rows."""
    with ops_module_db.engine.begin() as conn:
        for model in _TABLES:
            conn.execute(delete(model))
    return ops_module_db


# -- rows the tests build (also used by the dispatch, proximity and UI tests) --------------
def add_township(db: Database, name: str = "龙城镇") -> uuid.UUID:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        town = Township(code=f"T{uuid.uuid4().hex[:8]}", name=name, kind="town")
        uow.session.add(town)
        uow.commit()
    return town.id


def add_incident(
    db: Database,
    *,
    title: str = "龙城镇内涝",
    lon: float | None = SEAT_LON,
    lat: float | None = SEAT_LAT,
    status: IncidentStatus = IncidentStatus.HANDLING,
) -> uuid.UUID:
    now = db.clock()
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        incident = Incident(
            title=title,
            category="natural",
            incident_type="flood",
            severity="IV",
            status=status.value,
            received_at=now - timedelta(hours=1),
            source="phone",
            lon=lon,
            lat=lat,
            # Demo, so that its append-only log can be emptied between tests.
            is_demo=True,
        )
        uow.session.add(incident)
        uow.commit()
    return incident.id


def add_shelter(
    db: Database,
    name: str,
    km_north: float,
    capacity: int,
    *,
    is_open: bool = True,
    retired: bool = False,
    occupancy: int = 0,
    township_id: uuid.UUID | None = None,
    km_east: float = 0.0,
) -> uuid.UUID:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        shelter = Shelter(
            name=name,
            shelter_type="indoor",
            capacity=capacity,
            is_open=is_open,
            lon=SEAT_LON + km_east * KM_LAT / 0.827,  # cos(34.19°) ≈ 0.827
            lat=SEAT_LAT + km_north * KM_LAT,
            township_id=township_id,
            retired_at=db.clock() if retired else None,
        )
        uow.session.add(shelter)
        uow.session.flush()
        if occupancy:
            uow.bulk_insert(
                ShelterOccupancyMovement,
                [{"shelter_id": shelter.id, "delta": occupancy, "actor": ACTOR, "at": db.clock()}],
            )
        uow.commit()
    return shelter.id


def count(db: Database, model: Any) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def occupancy(db: Database, shelter_id: uuid.UUID) -> int:
    return MovementService(db).occupancy(shelter_id)


# -- proposals -------------------------------------------------------------------------
def test_nearest_first_split_across_shelters(ops_db: Database) -> None:
    town = add_township(ops_db)
    incident = add_incident(ops_db)
    far = add_shelter(ops_db, "第三中学", 3, 1000, township_id=town)
    near = add_shelter(ops_db, "县城体育场", 1, 500, occupancy=100, township_id=town)
    middle = add_shelter(ops_db, "实验小学", 2, 300, township_id=town)

    proposal = EvacuationService(ops_db).propose(800, incident_id=incident)

    assert [a.shelter_id for a in proposal.allocations] == [near, middle, far]
    assert [a.people for a in proposal.allocations] == [400, 300, 100]
    assert [a.room_before for a in proposal.allocations] == [400, 300, 1000]
    assert [a.room_after for a in proposal.allocations] == [0, 0, 900]
    assert [a.distance_km for a in proposal.allocations] == [1.0, 2.0, 3.0]
    assert proposal.allocations[0].name == "县城体育场"
    assert proposal.allocations[0].township == "龙城镇"
    assert proposal.shortfall == 0 and proposal.placed == 800


def test_one_shelter_enough_uses_only_the_nearest(ops_db: Database) -> None:
    add_shelter(ops_db, "远处", 5, 5000)
    near = add_shelter(ops_db, "近处", 0.5, 5000)
    proposal = EvacuationService(ops_db).propose(800, point=(SEAT_LON, SEAT_LAT))
    assert [(a.shelter_id, a.people) for a in proposal.allocations] == [(near, 800)]


def test_closed_retired_full_and_unplaced_shelters_are_skipped(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    add_shelter(ops_db, "已关闭", 0.2, 900, is_open=False)
    add_shelter(ops_db, "已停用", 0.3, 900, retired=True)
    add_shelter(ops_db, "已满", 0.4, 100, occupancy=100)
    open_one = add_shelter(ops_db, "开放", 4, 250)
    with UnitOfWork(ops_db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(Shelter(name="无位置", shelter_type="indoor", capacity=900, is_open=True))
        uow.commit()

    proposal = EvacuationService(ops_db).propose(800, incident_id=incident)

    assert [(a.shelter_id, a.people) for a in proposal.allocations] == [(open_one, 250)]
    assert proposal.shortfall == 550
    assert proposal.placed == 250


def test_distance_limit(ops_db: Database) -> None:
    near = add_shelter(ops_db, "近处", 1, 100)
    add_shelter(ops_db, "远处", 8, 5000)
    proposal = EvacuationService(ops_db).propose(300, point=(SEAT_LON, SEAT_LAT), limit_km=5)
    assert [a.shelter_id for a in proposal.allocations] == [near]
    assert proposal.shortfall == 200


def test_people_must_be_a_positive_whole_number(ops_db: Database) -> None:
    for people in (0, -5, 2.5, True):
        with pytest.raises(RuleViolation) as refused:
            EvacuationService(ops_db).propose(people, point=(SEAT_LON, SEAT_LAT))  # type: ignore[arg-type]
        assert refused.value.code == "evacuation.people"
        assert problem_text(refused.value) == "转移人数须为正整数。"


def test_an_incident_without_position_is_refused(ops_db: Database) -> None:
    incident = add_incident(ops_db, lon=None, lat=None)
    with pytest.raises(RuleViolation) as refused:
        EvacuationService(ops_db).propose(10, incident_id=incident)
    assert refused.value.code == "evacuation.no_position"
    assert "没有位置" in problem_text(refused.value)
    with pytest.raises(RuleViolation) as both:
        EvacuationService(ops_db).propose(10)
    assert both.value.code == "evacuation.centre"


# -- recording -------------------------------------------------------------------------
def test_record_writes_movements_and_one_log_entry(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    near = add_shelter(ops_db, "县城体育场", 2.3, 500)
    far = add_shelter(ops_db, "实验小学", 3.1, 1000, occupancy=10)
    service = EvacuationService(ops_db)
    proposal = service.propose(800, incident_id=incident)

    service.record(proposal, incident_id=incident, actor=ACTOR, site=SITE, note="张庄村")

    assert occupancy(ops_db, near) == 500
    assert occupancy(ops_db, far) == 310
    with ops_db.read_session() as s:
        entries = s.scalars(
            select(IncidentLogEntry).where(IncidentLogEntry.incident_id == incident)
        ).all()
        notes = s.scalars(
            select(ShelterOccupancyMovement.note).where(ShelterOccupancyMovement.delta == 500)
        ).all()
    assert len(entries) == 1
    assert entries[0].kind == LogEntryKind.DISPATCH.value
    assert entries[0].actor == ACTOR
    assert entries[0].body == (
        "转移安置 800 人：县城体育场 500 人（2.3 公里），实验小学 300 人（3.1 公里）。备注：张庄村"
    )
    assert notes == ["转移安置：龙城镇内涝；张庄村"]


def test_record_changed_numbers_and_zero_rows(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    a = add_shelter(ops_db, "甲", 1, 100)
    b = add_shelter(ops_db, "乙", 2, 100)
    service = EvacuationService(ops_db)
    proposal = service.propose(150, incident_id=incident)
    first, second = proposal.allocations
    edited = [
        replace(first, people=60),
        replace(second, people=0),
    ]
    service.record(edited, incident_id=incident, actor=ACTOR, site=SITE)
    assert (occupancy(ops_db, a), occupancy(ops_db, b)) == (60, 0)
    assert count(ops_db, ShelterOccupancyMovement) == 1


def test_record_refused_when_a_shelter_filled_up_in_between(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    add_shelter(ops_db, "县城体育场", 1, 500)
    second = add_shelter(ops_db, "实验小学", 2, 300)
    service = EvacuationService(ops_db)
    proposal = service.propose(800, incident_id=incident)
    # Another seat checks people into the second shelter after the proposal.
    MovementService(ops_db).record_occupancy(second, 250, actor="值班员乙", site="seat-2")
    movements, entries = count(ops_db, ShelterOccupancyMovement), count(ops_db, IncidentLogEntry)

    with pytest.raises(ShelterRefused) as refused:
        service.record(proposal, incident_id=incident, actor=ACTOR, site=SITE)

    assert refused.value.code == "occupancy.over_capacity"
    text = problem_text(refused.value)
    assert "实验小学" in text and "50" in text and "300" in text
    # Nothing written, not even for the first shelter, which still had room.
    assert count(ops_db, ShelterOccupancyMovement) == movements
    assert count(ops_db, IncidentLogEntry) == entries


def test_record_refused_when_a_shelter_closed_in_between(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    shelter = add_shelter(ops_db, "县城体育场", 1, 500)
    service = EvacuationService(ops_db)
    proposal = service.propose(100, incident_id=incident)
    with UnitOfWork(ops_db, actor=ACTOR, site=SITE) as uow:
        row = uow.session.get(Shelter, shelter)
        assert row is not None
        row.is_open = False
        uow.commit()
    with pytest.raises(ShelterRefused) as refused:
        service.record(proposal, incident_id=incident, actor=ACTOR, site=SITE)
    assert problem_text(refused.value) == "未登记：避难场所“县城体育场”已关闭，请重新生成方案。"
    assert count(ops_db, ShelterOccupancyMovement) == 0


def test_record_refused_on_a_closed_incident(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    add_shelter(ops_db, "县城体育场", 1, 500)
    proposal = EvacuationService(ops_db).propose(10, incident_id=incident)
    closed = add_incident(ops_db, status=IncidentStatus.CLOSED)
    with pytest.raises(RuleViolation) as refused:
        EvacuationService(ops_db).record(proposal, incident_id=closed, actor=ACTOR, site=SITE)
    assert refused.value.code == "incident.closed"
    assert count(ops_db, ShelterOccupancyMovement) == 0


def test_an_observer_may_not_record(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    add_shelter(ops_db, "县城体育场", 1, 500)
    proposal = EvacuationService(ops_db).propose(10, incident_id=incident)
    viewer = Identity("观察员丙", SITE, "ws", uuid.uuid4(), frozenset({Role.VIEWER}))
    with acting_as(viewer), pytest.raises(NotPermitted):
        EvacuationService(ops_db).record(proposal, incident_id=incident, actor=ACTOR, site=SITE)
    assert count(ops_db, ShelterOccupancyMovement) == 0
