"""The office's roster policy: shared by every seat, versioned, used by the roster."""

from __future__ import annotations

from datetime import date, time

import pytest

from app.data.engine import Database
from app.data.errors import ConflictError
from app.domain.clock import CHINA_TZ
from app.domain.rules import RosterPolicy, RuleViolation, ShiftPattern, StaffingRule
from app.live.feed import latest_seq, read_changes
from app.services.office import OfficeSettings
from app.services.roster import RosterService

DAY_NIGHT = RosterPolicy(ShiftPattern("day_night", time(8, 0), 12), StaffingRule(1, 3))


def test_defaults_until_the_office_saves(migrated_db: Database) -> None:
    current = OfficeSettings(migrated_db).roster_policy()
    assert current.version == 0
    assert current.policy == RosterPolicy()  # 24 h from 08:30, a leader and two officers


def test_save_is_shared_and_logged(migrated_db: Database) -> None:
    office = OfficeSettings(migrated_db)
    before = latest_seq(migrated_db)
    saved = office.set_roster_policy(DAY_NIGHT, 0, actor="主任", site="center")
    other_seat = Database(migrated_db.url)
    try:
        assert OfficeSettings(other_seat).roster_policy().policy == DAY_NIGHT
    finally:
        other_seat.dispose()
    assert [r.entity_type for r in read_changes(migrated_db, before)] == ["office_setting"]
    again = office.set_roster_policy(RosterPolicy(), saved.version, actor="主任", site="c")
    assert again.version == saved.version + 1


def test_stale_save_is_refused(migrated_db: Database) -> None:
    office = OfficeSettings(migrated_db)
    office.set_roster_policy(DAY_NIGHT, 0, actor="a", site="s")
    with pytest.raises(ConflictError):
        office.set_roster_policy(RosterPolicy(), 0, actor="b", site="s")


def test_nobody_on_duty_is_not_a_policy(migrated_db: Database) -> None:
    empty = RosterPolicy(staffing=StaffingRule(0, 0))
    with pytest.raises(RuleViolation):
        OfficeSettings(migrated_db).set_roster_policy(empty, 0, actor="a", site="s")


def test_day_and_night_pattern_makes_two_shifts(migrated_db: Database) -> None:
    # The roster follows what the office saved, read from the database.
    OfficeSettings(migrated_db).set_roster_policy(DAY_NIGHT, 0, actor="主任", site="center")
    roster = RosterService(migrated_db)
    ids = roster.define_day(date(2026, 12, 1), actor="a", site="s")
    assert len(ids) == 2
    shifts = roster.shifts_between(*_day(date(2026, 12, 1)))
    assert [s.label for s in shifts] == ["12月1日 白班", "12月1日 夜班"]
    assert [s.starts_at.astimezone(CHINA_TZ).hour for s in shifts] == [8, 20]
    assert shifts[0].shortfall == {"leader": 1, "officer": 3}  # the office's minimum
    with pytest.raises(RuleViolation):
        roster.define_day(date(2026, 12, 1), actor="a", site="s")


def _day(day: date) -> tuple:  # type: ignore[type-arg]
    from datetime import datetime, timedelta

    start = datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)
    return start, start + timedelta(days=1, hours=12)


def test_reporting_deadlines_are_an_office_setting_for_every_seat(migrated_db: Database) -> None:
    from datetime import timedelta

    from app.domain.deadlines import ReportingRules
    from app.domain.enums import Severity

    office = OfficeSettings(migrated_db)
    assert office.reporting_rules().version == 0
    assert office.reporting_rules().rules == ReportingRules()
    county = ReportingRules(
        initial_within={
            Severity.I: timedelta(minutes=20),
            Severity.II: timedelta(minutes=30),
            Severity.III: timedelta(minutes=45),
            Severity.IV: timedelta(minutes=90),
        },
        follow_up_time=time(17, 30),
        final_within=timedelta(hours=48),
    )
    saved = office.set_reporting_rules(county, 0, actor="主任", site="center")
    other_seat = Database(migrated_db.url)
    try:
        read = OfficeSettings(other_seat).rules()
        assert read.reporting.rules == county
        assert read.reporting.version == saved.version
        assert read.roster.version == 0  # the roster policy is its own setting
    finally:
        other_seat.dispose()
    with pytest.raises(ConflictError):
        office.set_reporting_rules(ReportingRules(), 0, actor="乙", site="seat-2")
    assert office.reporting_rules().rules == county
