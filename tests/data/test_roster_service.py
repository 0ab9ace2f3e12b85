"""The roster's write API on SQLite and PostgreSQL: shifts, assignments, copy, swaps."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import ChangeLog, DutyAssignment, DutyShift, DutySwap, Staff
from app.data.uow import UnitOfWork
from app.domain.enums import StaffRole
from app.domain.rules import RuleViolation
from app.services.roster import RosterService, monday_of
from tests.conftest import ACTOR, SITE

pytestmark = pytest.mark.dates  # runs at every frozen moment too

CST = ZoneInfo("Asia/Shanghai")
W = {"actor": ACTOR, "site": SITE}
MONDAY = date(2030, 3, 4)  # a Monday


def _staff(db: Database) -> dict[str, uuid.UUID]:
    people = {
        "领导甲": StaffRole.LEADER.value,
        "领导乙": StaffRole.LEADER.value,
        "值班员甲": StaffRole.OFFICER.value,
        "值班员乙": StaffRole.OFFICER.value,
        "值班员丙": StaffRole.OFFICER.value,
        "值班员丁": StaffRole.OFFICER.value,
    }
    ids = {name: uuid.uuid4() for name in people}
    with UnitOfWork(db, **W) as uow:
        uow.session.add_all(
            Staff(id=ids[name], name=name, role=role, active=True) for name, role in people.items()
        )
        uow.session.add(Staff(id=uuid.uuid4(), name="停用者", role="officer", active=False))
        uow.commit()
    return ids


def _at(day: date, hour: int = 8, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CST)


def _day_shift(svc: RosterService, day: date) -> uuid.UUID:
    return svc.define_shift(
        _at(day), _at(day + timedelta(days=1)), f"{day.month}月{day.day}日 值班", **W
    )


def _count(db: Database, model: type) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _code(exc: pytest.ExceptionInfo[RuleViolation]) -> str:
    return exc.value.code


def test_define_assign_unassign(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    shift = _day_shift(svc, MONDAY)
    with pytest.raises(RuleViolation) as exc:
        _day_shift(svc, MONDAY)
    assert _code(exc) == "roster.shift_exists"
    with pytest.raises(RuleViolation) as exc:
        svc.define_shift(_at(MONDAY), _at(MONDAY), "x", **W)
    assert _code(exc) == "roster.shift_times"

    changes = svc.assign(shift, ids["领导甲"], "leader", **W)
    # The shift row is rewritten too (its version goes up with its people).
    assert changes.entity_types() == {"duty_assignment", "duty_shift"}
    svc.assign(shift, ids["值班员甲"], "officer", **W)
    week = svc.week(MONDAY)
    assert len(week.shifts) == 1 and week.days == 7
    got = week.shifts[0]
    assert [p.name for p in got.leaders] == ["领导甲"]
    assert [p.name for p in got.officers] == ["值班员甲"]
    assert got.shortfall == {"officer": 1}

    with pytest.raises(RuleViolation) as exc:
        svc.assign(shift, ids["值班员甲"], "officer", **W)
    assert _code(exc) == "roster.already_assigned"
    with pytest.raises(RuleViolation) as exc:
        svc.assign(shift, ids["值班员乙"], "other", **W)
    assert _code(exc) == "roster.role"
    inactive = next(s.id for s in svc.staff(active_only=False) if not s.active)
    assert inactive not in {s.id for s in svc.staff()}
    with pytest.raises(RuleViolation) as exc:
        svc.assign(shift, inactive, "officer", **W)
    assert _code(exc) == "roster.staff_inactive"

    svc.unassign(shift, ids["值班员甲"], **W)
    assert [p.name for p in svc.week(MONDAY).shifts[0].assignments] == ["领导甲"]
    with pytest.raises(RuleViolation) as exc:
        svc.unassign(shift, ids["值班员甲"], **W)
    assert _code(exc) == "roster.not_assigned"


def test_overlapping_assignment_is_refused(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    day = _day_shift(svc, MONDAY)
    # A night shift inside the day shift's 24 hours, and the next day's shift.
    night = svc.define_shift(_at(MONDAY, 20), _at(MONDAY + timedelta(days=1), 2), "夜间加班", **W)
    following = _day_shift(svc, MONDAY + timedelta(days=1))
    svc.assign(day, ids["值班员甲"], "officer", **W)
    before = _count(migrated_db, ChangeLog)
    with pytest.raises(RuleViolation) as exc:
        svc.assign(night, ids["值班员甲"], "officer", **W)
    assert _code(exc) == "roster.overlap"
    assert "值班员甲" in exc.value.detail and "值班" in exc.value.detail
    assert _count(migrated_db, ChangeLog) == before
    # Back to back (08:30 to 08:30) is not an overlap.
    svc.assign(following, ids["值班员甲"], "officer", **W)


def test_set_assignments_is_all_or_nothing(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    first = _day_shift(svc, MONDAY)
    night = svc.define_shift(_at(MONDAY, 20), _at(MONDAY + timedelta(days=1), 2), "夜间加班", **W)
    svc.assign(night, ids["值班员丙"], "officer", **W)
    svc.set_assignments(first, {ids["领导甲"]: "leader", ids["值班员甲"]: "officer"}, **W)
    with pytest.raises(RuleViolation):
        svc.set_assignments(first, {ids["领导乙"]: "leader", ids["值班员丙"]: "officer"}, **W)
    names = {p.name for p in svc.week(MONDAY).shifts[0].assignments}
    assert names == {"领导甲", "值班员甲"}
    svc.set_assignments(first, {ids["领导乙"]: "leader", ids["值班员乙"]: "officer"}, **W)
    names = {p.name for p in svc.week(MONDAY).shifts[0].assignments}
    assert names == {"领导乙", "值班员乙"}


def test_copy_week(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    for n in range(7):
        shift = _day_shift(svc, MONDAY + timedelta(days=n))
        svc.assign(shift, ids["领导甲" if n % 2 else "领导乙"], "leader", **W)
        svc.assign(shift, ids["值班员甲" if n % 2 else "值班员乙"], "officer", **W)
    target = MONDAY + timedelta(days=14)
    assert svc.copy_week(MONDAY + timedelta(days=2), target + timedelta(days=3), **W) == 7
    copied = svc.week(target)
    original = svc.week(MONDAY)
    assert len(copied.shifts) == 7
    for a, b in zip(original.shifts, copied.shifts, strict=True):
        assert b.starts_at - a.starts_at == timedelta(days=14)
        assert b.ends_at - b.starts_at == a.ends_at - a.starts_at
        assert [p.name for p in a.assignments] == [p.name for p in b.assignments]
    day = copied.shifts[0].starts_at.astimezone(CST)
    assert copied.shifts[0].label == f"{day.month}月{day.day}日 值班"

    # The target week has shifts now: refused, nothing written.
    shifts, changes = _count(migrated_db, DutyShift), _count(migrated_db, ChangeLog)
    with pytest.raises(RuleViolation) as exc:
        svc.copy_week(MONDAY, target, **W)
    assert _code(exc) == "roster.week_not_empty"
    with pytest.raises(RuleViolation) as exc:
        svc.copy_week(MONDAY + timedelta(days=28), MONDAY + timedelta(days=35), **W)
    assert _code(exc) == "roster.empty_week"
    assert (_count(migrated_db, DutyShift), _count(migrated_db, ChangeLog)) == (shifts, changes)


def test_copy_week_overlap_with_a_shift_from_the_week_before(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    source = _day_shift(svc, MONDAY)
    svc.assign(source, ids["值班员甲"], "officer", **W)
    target = MONDAY + timedelta(days=14)
    # Sunday 20:00 before the target week to Monday 12:00: overlaps the copy's 08:30 start.
    spill = svc.define_shift(_at(target - timedelta(days=1), 20), _at(target, 12), "跨夜", **W)
    svc.assign(spill, ids["值班员甲"], "officer", **W)
    shifts, changes = _count(migrated_db, DutyShift), _count(migrated_db, ChangeLog)
    with pytest.raises(RuleViolation) as exc:
        svc.copy_week(MONDAY, target, **W)
    assert _code(exc) == "roster.overlap"
    assert "值班员甲" in exc.value.detail
    assert (_count(migrated_db, DutyShift), _count(migrated_db, ChangeLog)) == (shifts, changes)


def test_swap_records_who_agreed_and_moves_the_person(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    shift = _day_shift(svc, MONDAY)
    svc.assign(shift, ids["领导甲"], "leader", **W)
    svc.assign(shift, ids["值班员甲"], "officer", **W)
    with pytest.raises(RuleViolation) as exc:
        svc.swap(shift, ids["值班员甲"], ids["值班员乙"], "  ", "生病", **W)
    assert _code(exc) == "roster.agreed_by"
    with pytest.raises(RuleViolation) as exc:
        svc.swap(shift, ids["值班员丙"], ids["值班员乙"], "领导甲", None, **W)
    assert _code(exc) == "roster.not_assigned"
    with pytest.raises(RuleViolation) as exc:
        svc.swap(shift, ids["值班员甲"], ids["领导甲"], "领导甲", None, **W)
    assert _code(exc) == "roster.already_assigned"
    assert _count(migrated_db, DutySwap) == 0

    changes = svc.swap(shift, ids["值班员甲"], ids["值班员乙"], "领导甲", "家中有事", **W)
    assert {"duty_swap", "duty_assignment"} <= changes.entity_types()
    got = svc.week(MONDAY).shifts[0]
    assert [p.name for p in got.officers] == ["值班员乙"]
    with migrated_db.read_session() as s:
        swap = s.scalars(select(DutySwap)).one()
        assert (swap.from_staff_id, swap.to_staff_id) == (ids["值班员甲"], ids["值班员乙"])
        assert (swap.agreed_by, swap.reason, swap.recorded_by) == ("领导甲", "家中有事", ACTOR)
        assert s.scalar(select(func.count()).select_from(DutyAssignment)) == 2


def test_checks_and_month(migrated_db: Database) -> None:
    ids = _staff(migrated_db)
    svc = RosterService(migrated_db)
    day = MONDAY
    full = _day_shift(svc, day)
    svc.set_assignments(
        full, {ids["领导甲"]: "leader", ids["值班员甲"]: "officer", ids["值班员乙"]: "officer"}, **W
    )
    short = _day_shift(svc, day + timedelta(days=1))
    svc.assign(short, ids["领导乙"], "leader", **W)
    checks = svc.checks(_at(day, 9))
    codes = [p.code for p in checks.problems]
    assert "understaffed" in codes and "gap" in codes
    assert [s.id for s in checks.shifts] == [full, short]
    month = svc.month(2030, 2)
    assert (month.first_day, month.days, month.shifts) == (date(2030, 2, 1), 28, ())
    assert len(svc.month(2030, 3).shifts) == 2
    assert monday_of(date(2030, 3, 10)) == MONDAY
