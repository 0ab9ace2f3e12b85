"""Roster checks: staffing, double booking, rest and coverage, at their edges."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from app.domain.enums import StaffRole
from app.domain.roster_checks import (
    Gap,
    Overlap,
    RosterPerson,
    RosterShift,
    ShortRest,
    Understaffed,
    check_roster,
    coverage_gaps,
    people_problems,
    understaffed,
)
from app.domain.rules import StaffingRule

pytestmark = pytest.mark.dates  # runs at every frozen moment too

CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 1, 8, 30, tzinfo=CST)
H = timedelta(hours=1)
D = timedelta(days=1)

LEADERS = [RosterPerson(f"L{i}", f"领导{i}", StaffRole.LEADER.value) for i in range(10)]
OFFICERS = [RosterPerson(f"O{i}", f"值班员{i}", StaffRole.OFFICER.value) for i in range(30)]


def shift(
    start: datetime,
    hours: float = 24,
    people: tuple[RosterPerson, ...] | None = None,
    label: str = "",
) -> RosterShift:
    if people is None:
        people = (LEADERS[0], OFFICERS[0], OFFICERS[1])
    return RosterShift(start, start + timedelta(hours=hours), people, label=label)


def full(n: int) -> tuple[RosterPerson, ...]:
    """A fully staffed crew, different for each n (nobody works twice in a row)."""
    return (LEADERS[n % 10], OFFICERS[(2 * n) % 30], OFFICERS[(2 * n + 1) % 30])


def daily(days: int, start: datetime = T0) -> list[RosterShift]:
    return [shift(start + k * D, 24, full(k)) for k in range(days)]


# -- coverage ------------------------------------------------------------------


def test_back_to_back_shifts_leave_no_gap_and_no_overlap() -> None:
    shifts = daily(7)
    assert check_roster(shifts, now=T0) == []


def test_one_minute_gap_is_reported_exactly() -> None:
    first = shift(T0, 24, full(0))
    second = shift(T0 + D + timedelta(minutes=1), 24 * 6, full(1))
    gaps = coverage_gaps([first, second], T0, T0 + 7 * D)
    assert gaps == [Gap(T0 + D, T0 + D + timedelta(minutes=1))]
    assert gaps[0].duration == timedelta(minutes=1)
    assert gaps[0].code == "gap"


def test_no_shifts_is_one_gap_over_the_whole_horizon() -> None:
    assert coverage_gaps([], T0, T0 + 7 * D) == [Gap(T0, T0 + 7 * D)]


def test_horizon_boundaries_are_half_open() -> None:
    now = T0 + 3 * H
    # Covers [now - 1 h, now + 7 d): exactly the horizon, nothing missing.
    exact = shift(now - H, 24 * 7 + 1, full(0))
    assert coverage_gaps([exact], now, now + 7 * D) == []
    # A shift ending exactly at ``now`` covers nothing of the horizon.
    ended = shift(now - D, 24, full(1))
    assert coverage_gaps([ended], now, now + 7 * D) == [Gap(now, now + 7 * D)]
    # A shift starting exactly at the horizon's end does not help either.
    later = shift(now + 7 * D, 24, full(2))
    assert coverage_gaps([later], now, now + 7 * D) == [Gap(now, now + 7 * D)]
    # The last minute of the horizon uncovered.
    short = RosterShift(now, now + 7 * D - timedelta(minutes=1), full(3))
    assert coverage_gaps([short], now, now + 7 * D) == [
        Gap(now + 7 * D - timedelta(minutes=1), now + 7 * D)
    ]


def test_understaffed_shift_counts_as_a_gap_and_gaps_are_merged() -> None:
    shifts = daily(7)
    # Day 2 and day 3 both without a leader: one gap of two days.
    shifts[2] = shift(T0 + 2 * D, 24, (OFFICERS[20], OFFICERS[21]))
    shifts[3] = shift(T0 + 3 * D, 24, (OFFICERS[22], OFFICERS[23]))
    assert coverage_gaps(shifts, T0, T0 + 7 * D) == [Gap(T0 + 2 * D, T0 + 4 * D)]


def test_overlapping_and_nested_shifts_cover_their_union() -> None:
    shifts = [
        shift(T0, 30, full(0)),
        shift(T0 + 2 * H, 3, full(1)),  # nested inside the first
        shift(T0 + 24 * H, 24 * 6, full(2)),
    ]
    assert coverage_gaps(shifts, T0, T0 + 7 * D) == []


def test_day_and_night_pattern() -> None:
    shifts: list[RosterShift] = []
    for k in range(7):
        day_start = T0 + k * D
        shifts.append(shift(day_start, 12, full(2 * k), label="白班"))
        shifts.append(shift(day_start + 12 * H, 12, full(2 * k + 1), label="夜班"))
    assert check_roster(shifts, now=T0) == []
    # One night missing: a 12 h gap from 20:30 to 08:30.
    del shifts[5]
    gaps = coverage_gaps(shifts, T0, T0 + 7 * D)
    assert gaps == [Gap(T0 + 2 * D + 12 * H, T0 + 3 * D)]
    assert gaps[0].starts_at.astimezone(CST).hour == 20


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError):
        coverage_gaps([], datetime(2026, 12, 1), datetime(2026, 12, 8))


def test_times_in_different_zones_compare_by_instant() -> None:
    first = shift(T0, 24, full(0))
    second = shift((T0 + D).astimezone(UTC), 24 * 6, full(1))
    assert coverage_gaps([first, second], T0, T0 + 7 * D) == []


# -- staffing -----------------------------------------------------------------


def test_leader_missing_is_reported_with_what_is_missing() -> None:
    s = shift(T0, 24, (OFFICERS[0], OFFICERS[1]), label="12月1日 值班")
    [problem] = understaffed([s])
    assert isinstance(problem, Understaffed)
    assert problem.code == "understaffed"
    assert problem.missing == ((StaffRole.LEADER, 1),)
    assert problem.shift.label == "12月1日 值班"
    assert [p.name for p in problem.people] == ["值班员0", "值班员1"]
    assert (problem.starts_at, problem.ends_at) == (T0, T0 + D)


def test_several_roles_missing_and_a_custom_rule() -> None:
    s = shift(T0, 24, (OFFICERS[0],))
    [problem] = understaffed([s])
    assert problem.missing == ((StaffRole.LEADER, 1), (StaffRole.OFFICER, 1))
    assert understaffed([s], StaffingRule(leaders=0, officers=1)) == []
    # Unknown role codes count for nothing but do not break the check.
    odd = shift(T0, 24, (RosterPerson("x", "某人", "visitor"), LEADERS[0], *OFFICERS[:2]))
    assert understaffed([odd]) == []


# -- people ---------------------------------------------------------------------


def test_person_double_booked() -> None:
    a = shift(T0, 24, (LEADERS[0], OFFICERS[0], OFFICERS[1]))
    b = shift(T0 + 12 * H, 12, (LEADERS[1], OFFICERS[0], OFFICERS[2]))
    problems = people_problems([a, b])
    assert len(problems) == 1
    [overlap] = problems
    assert isinstance(overlap, Overlap)
    assert overlap.code == "overlap"
    assert overlap.person.name == "值班员0"
    assert (overlap.starts_at, overlap.ends_at) == (T0 + 12 * H, T0 + D)
    assert overlap.people == (overlap.person,)


def test_overlap_with_an_earlier_long_shift_is_found() -> None:
    # The person's second shift is short and ends first; the third still
    # overlaps the first one (not the one just before it).
    long = shift(T0, 48, (OFFICERS[0],))
    short = shift(T0 + H, 1, (OFFICERS[0],))
    third = shift(T0 + 10 * H, 5, (OFFICERS[0],))
    codes = [(p.code, p.starts_at) for p in people_problems([third, short, long])]
    assert codes == [("overlap", T0 + H), ("overlap", T0 + 10 * H)]


def test_back_to_back_for_the_same_person_is_no_rest() -> None:
    a = shift(T0, 24, (OFFICERS[0],))
    b = shift(T0 + D, 24, (OFFICERS[0],))
    [problem] = people_problems([a, b])
    assert isinstance(problem, ShortRest)
    assert problem.rest == timedelta(0)


def test_seven_hours_rest_is_short_eight_is_enough() -> None:
    a = shift(T0, 12, (OFFICERS[0],))
    b = shift(T0 + 19 * H, 12, (OFFICERS[0],))
    [problem] = people_problems([a, b])
    assert isinstance(problem, ShortRest)
    assert problem.code == "short_rest"
    assert problem.rest == 7 * H
    assert (problem.starts_at, problem.ends_at) == (T0 + 12 * H, T0 + 19 * H)
    assert problem.previous.starts_at == T0 and problem.following.starts_at == T0 + 19 * H
    c = shift(T0 + 20 * H, 12, (OFFICERS[0],))
    assert people_problems([a, c]) == []
    assert people_problems([a, b], min_rest=6 * H) == []


def test_same_person_listed_twice_in_one_shift_is_not_a_double_booking() -> None:
    s = shift(T0, 24, (LEADERS[0], LEADERS[0], OFFICERS[0], OFFICERS[1]))
    assert people_problems([s]) == []


def test_check_roster_sorts_everything_by_time() -> None:
    shifts = daily(7)
    shifts[4] = shift(T0 + 4 * D, 24, (LEADERS[4], OFFICERS[0]))  # one officer short
    shifts.append(shift(T0 + 4 * D + 2 * H, 2, (LEADERS[9],)))
    problems = check_roster(shifts, now=T0)
    # Same start: "gap" before "understaffed".
    assert [p.code for p in problems] == ["gap", "understaffed", "understaffed"]
    assert problems[0] == Gap(T0 + 4 * D, T0 + 5 * D)
    assert all(p.starts_at <= q.starts_at for p, q in pairwise(problems))


def test_problems_are_frozen() -> None:
    gap = Gap(T0, T0 + H)
    with pytest.raises(AttributeError):
        gap.starts_at = T0  # type: ignore[misc]


# -- speed ----------------------------------------------------------------------


def test_a_year_of_day_and_night_shifts_for_200_people_is_fast() -> None:
    staff = [
        RosterPerson(f"S{i}", f"人员{i}", (StaffRole.LEADER if i < 20 else StaffRole.OFFICER).value)
        for i in range(200)
    ]
    leaders, officers = staff[:20], staff[20:]
    shifts: list[RosterShift] = []
    for k in range(730):
        crew = (leaders[k % 20], *(officers[(3 * k + j) % 180] for j in range(3)))
        shifts.append(shift(T0 + k * 12 * H, 12, crew))
    started = time.perf_counter()
    problems = check_roster(shifts, now=T0 + 100 * D)
    elapsed = time.perf_counter() - started
    assert problems == []
    assert elapsed < 0.5, f"{elapsed * 1000:.0f} ms for a year"
    started = time.perf_counter()
    gaps = coverage_gaps(shifts, T0 + 100 * D, T0 + 107 * D)
    assert gaps == []
    assert time.perf_counter() - started < 0.1
