"""The registers' write path: add, edit, retire, restore, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import ChangeLog, RescueTeam, Shelter, ShelterOccupancyMovement, Township
from app.data.uow import UnitOfWork
from app.domain.clock import china_date
from app.domain.coords import PositionFlag
from app.domain.registers import REGISTERS, SHELTERS, problem_text
from app.domain.rules import RuleViolation
from app.services.overview import OverviewService
from app.services.registers import RegisterService
from app.services.resources import ResourceService, StaleCopy

ACTOR, SITE = "tester", "seat-1"


@pytest.fixture
def db(migrated_db: Database) -> Database:
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(
            Township(code="341322100", name="龙城镇", kind="town", lon=116.95, lat=34.19)
        )
        uow.commit()
    return migrated_db


def _shelter_values(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {f.name: None for f in SHELTERS.fields}
    values.update(
        code="BN-001",
        name="县体育馆",
        shelter_type="indoor",
        township="龙城镇",
        lon=116.95,
        lat=34.19,
        effective_area_m2=3000.0,
        area_per_person_m2=2.0,
        capacity=1500,
        manager="张三",
        phone="0557-5021234",
    )
    values.update(changes)
    return values


def _log(db: Database, entity_id: uuid.UUID) -> list[tuple[str, str, str]]:
    with db.read_session() as s:
        rows = s.execute(
            select(ChangeLog.op, ChangeLog.actor, ChangeLog.origin_site)
            .where(ChangeLog.entity_id == entity_id)
            .order_by(ChangeLog.seq)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_add_edit_retire_restore_round_trip(db: Database) -> None:
    service = RegisterService(db)
    shelter_id = service.create("shelters", _shelter_values(), actor=ACTOR, site=SITE)
    made = service.record("shelters", shelter_id)
    assert made.code == "BN-001" and made.township == "龙城镇" and made.capacity == 1500
    assert made.effective_area_m2 == 3000.0 and not made.is_open and made.flags == ()

    service.update(
        "shelters",
        shelter_id,
        made.version,
        _shelter_values(manager="李四", capacity=1200),
        actor="seat-2 李四",
        site="seat-2",
    )
    edited = service.record("shelters", shelter_id)
    assert edited.manager == "李四" and edited.capacity == 1200

    service.retire("shelters", shelter_id, edited.version, "场馆改建", actor=ACTOR, site=SITE)
    retired = service.record("shelters", shelter_id)
    assert retired.retired_at is not None
    assert retired.retired_reason == "场馆改建"
    # Gone from the lists and the map, still there when asked for.
    resources = ResourceService(db)
    assert shelter_id not in {s.id for s in resources.shelters()}
    assert shelter_id in {s.id for s in resources.shelters(include_retired=True)}
    assert shelter_id not in {
        s.id for s in OverviewService(db).map_data(china_date(db.clock())).shelters
    }

    service.restore("shelters", shelter_id, retired.version, actor=ACTOR, site=SITE)
    assert shelter_id in {s.id for s in resources.shelters()}
    assert _log(db, shelter_id) == [
        ("insert", ACTOR, SITE),
        ("update", "seat-2 李四", "seat-2"),
        ("update", ACTOR, SITE),
        ("update", ACTOR, SITE),
    ]


def test_two_seats_editing_the_second_is_told_who_changed_it(db: Database) -> None:
    service = RegisterService(db)
    shelter_id = service.create("shelters", _shelter_values(), actor=ACTOR, site=SITE)
    copy = service.record("shelters", shelter_id)
    service.update(
        "shelters",
        shelter_id,
        copy.version,
        _shelter_values(capacity=900),
        actor="王五",
        site="seat-2",
    )
    with pytest.raises(StaleCopy) as caught:
        service.update(
            "shelters",
            shelter_id,
            copy.version,
            _shelter_values(manager="赵六"),
            actor=ACTOR,
            site=SITE,
        )
    assert caught.value.current.capacity == 900
    assert caught.value.last_change is not None
    assert (caught.value.last_change.actor, caught.value.last_change.origin_site) == (
        "王五",
        "seat-2",
    )
    assert service.record("shelters", shelter_id).manager == "张三"  # nothing overwritten


def test_an_update_of_some_fields_keeps_what_another_seat_saved(db: Database) -> None:
    service = RegisterService(db)
    shelter_id = service.create("shelters", _shelter_values(), actor=ACTOR, site=SITE)
    copy = service.record("shelters", shelter_id)
    service.update(
        "shelters",
        shelter_id,
        copy.version,
        _shelter_values(manager="王五", phone="13900000000"),
        actor="王五",
        site="seat-2",
    )
    stale = _shelter_values(manager="赵六")  # this seat's copy: the old phone
    with pytest.raises(StaleCopy) as caught:
        service.update(
            "shelters", shelter_id, copy.version, stale, actor=ACTOR, site=SITE, fields=["manager"]
        )
    current = caught.value.current
    service.update(
        "shelters", shelter_id, current.version, stale, actor=ACTOR, site=SITE, fields=["manager"]
    )
    row = service.record("shelters", shelter_id)
    assert (row.manager, row.phone) == ("赵六", "13900000000")
    assert (row.township, row.capacity, row.code) == ("龙城镇", 1500, "BN-001")
    with pytest.raises(ValueError):
        service.update(
            "shelters", shelter_id, row.version, stale, actor=ACTOR, site=SITE, fields=["nope"]
        )


def test_the_number_is_unique_among_rows_in_service_and_townships_must_exist(db: Database) -> None:
    service = RegisterService(db)
    first = service.create("shelters", _shelter_values(), actor=ACTOR, site=SITE)
    problems = service.problems("shelters", _shelter_values(code="bn-001", township="不存在镇"))
    assert problem_text(problems["code"]) == "编号已被“县体育馆”使用"
    assert problem_text(problems["township"]) == "未知乡镇：不存在镇"
    with pytest.raises(RuleViolation) as caught:
        service.create("shelters", _shelter_values(name="另一处"), actor=ACTOR, site=SITE)
    assert caught.value.code == "field.duplicate_code"
    # Editing the row itself keeps its own number; a retired row frees it.
    assert service.problems("shelters", _shelter_values(), first) == {}
    service.retire("shelters", first, 1, "撤销", actor=ACTOR, site=SITE)
    second = service.create("shelters", _shelter_values(name="新场馆"), actor=ACTOR, site=SITE)
    assert service.record("shelters", second).code == "BN-001"
    with pytest.raises(RuleViolation) as restoring:
        service.restore("shelters", first, 2, actor=ACTOR, site=SITE)
    assert restoring.value.code == "field.duplicate_code"


def test_capacity_from_area_and_the_people_inside(db: Database) -> None:
    service = RegisterService(db)
    problems = service.problems("shelters", _shelter_values(capacity=1600))
    assert problem_text(problems["capacity"]) == "按有效面积和人均面积最多容纳 1500 人"
    shelter_id = service.create("shelters", _shelter_values(), actor=ACTOR, site=SITE)
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(ShelterOccupancyMovement(shelter_id=shelter_id, delta=40, actor=ACTOR))
        uow.commit()
    with pytest.raises(RuleViolation) as below:
        service.update(
            "shelters", shelter_id, 1, _shelter_values(capacity=30), actor=ACTOR, site=SITE
        )
    assert (below.value.code, below.value.detail) == ("shelter.capacity_below_occupancy", "40")
    with pytest.raises(RuleViolation) as occupied:
        service.retire("shelters", shelter_id, 1, "改建", actor=ACTOR, site=SITE)
    assert (occupied.value.code, occupied.value.detail) == ("register.shelter_occupied", "40")
    with db.read_session() as s:
        row = s.get(Shelter, shelter_id)
        assert row is not None and row.retired_at is None and row.capacity == 1500


def test_a_dispatched_team_is_not_retired(db: Database) -> None:
    service = RegisterService(db)
    values = {f.name: None for f in REGISTERS["teams"].fields}
    values.update(
        name="蓝天救援队", team_type="volunteer", members=60, specialties="water_rescue,medical"
    )
    team_id = service.create("teams", values, actor=ACTOR, site=SITE)
    team = service.record("teams", team_id)
    assert team.status == "standby" and team.specialties == "water_rescue,medical"
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        row = uow.get_current(RescueTeam, team_id, team.version)
        row.status = "on_scene"
        uow.commit()
    with pytest.raises(RuleViolation) as caught:
        service.retire("teams", team_id, team.version + 1, "解散", actor=ACTOR, site=SITE)
    assert caught.value.code == "register.team_busy"
    assert service.record("teams", team_id).retired_at is None


def test_a_swapped_position_is_kept_and_flagged_and_open_close_stamps_times(db: Database) -> None:
    service = RegisterService(db)
    shelter_id = service.create(
        "shelters", _shelter_values(lon=34.19, lat=116.95), actor=ACTOR, site=SITE
    )
    shelter = service.record("shelters", shelter_id)
    assert (shelter.lon, shelter.lat) == (34.19, 116.95)
    assert shelter.flags == (PositionFlag.SWAPPED.value, PositionFlag.OUTSIDE_COUNTY.value)
    service.set_open(shelter_id, shelter.version, True, actor=ACTOR, site=SITE)
    opened = service.record("shelters", shelter_id)
    assert opened.is_open and opened.opened_at is not None and opened.closed_at is None
