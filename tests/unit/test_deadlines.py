"""Reporting deadlines (初报 / 续报 / 核报): no database, no Qt."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.domain.deadlines import (
    Deadline,
    DeadlineState,
    IncidentFacts,
    Report,
    ReportingRules,
    ReportKind,
    deadlines,
)
from app.domain.enums import Severity

pytestmark = pytest.mark.dates  # runs at every frozen moment too

CST = ZoneInfo("Asia/Shanghai")
RULES = ReportingRules()


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=CST)


def kinds(items: list[Deadline]) -> list[tuple[ReportKind, int]]:
    return [(d.kind, d.sequence) for d in items]


def only(items: list[Deadline], kind: ReportKind) -> list[Deadline]:
    return [d for d in items if d.kind is kind]


@pytest.mark.parametrize(
    ("severity", "minutes"),
    [(Severity.I, 30), (Severity.II, 30), (Severity.III, 60), (Severity.IV, 120)],
)
def test_initial_report_due_by_severity(severity: Severity, minutes: int) -> None:
    received = local(2025, 7, 1, 9, 0)
    facts = IncidentFacts(severity, received)
    [initial, *_] = deadlines(facts, [], RULES, received)
    assert initial.kind is ReportKind.INITIAL
    assert initial.due_at == received + timedelta(minutes=minutes)
    assert initial.due_at.tzinfo is UTC  # results in UTC, as stored


def test_exactly_at_due_time_is_warning_then_overdue_one_instant_later() -> None:
    received = local(2025, 7, 1, 9, 0)
    facts = IncidentFacts(Severity.III, received)
    due = received + timedelta(minutes=60)
    initial = deadlines(facts, [], RULES, received)[0]
    assert initial.state(due - timedelta(minutes=10, seconds=1)) is DeadlineState.OK
    assert initial.state(due - timedelta(minutes=10)) is DeadlineState.WARNING
    assert initial.state(due) is DeadlineState.WARNING
    assert initial.state(due + timedelta(microseconds=1)) is DeadlineState.OVERDUE
    assert not deadlines(facts, [], RULES, due)[0].overdue
    assert deadlines(facts, [], RULES, due + timedelta(seconds=1))[0].overdue


def test_report_exactly_at_due_time_is_on_time() -> None:
    received = local(2025, 7, 1, 9, 0)
    due = received + timedelta(minutes=60)
    facts = IncidentFacts(Severity.III, received)
    initial = deadlines(facts, [Report(ReportKind.INITIAL, due)], RULES, due + timedelta(hours=1))[
        0
    ]
    assert initial.done and not initial.late and not initial.overdue
    assert initial.state(due + timedelta(hours=1)) is DeadlineState.DONE


def test_late_report_is_done_but_late() -> None:
    received = local(2025, 7, 1, 9, 0)
    facts = IncidentFacts(Severity.I, received)
    made = Report(ReportKind.INITIAL, received + timedelta(hours=2))
    initial = deadlines(facts, [made], RULES, received + timedelta(hours=3))[0]
    assert initial.done and initial.late and not initial.overdue


def test_utc_and_local_inputs_give_the_same_deadlines() -> None:
    received_local = local(2025, 7, 1, 9, 0)
    received_utc = received_local.astimezone(UTC)
    now = local(2025, 7, 3, 12, 0)
    a = deadlines(IncidentFacts(Severity.IV, received_local), [], RULES, now)
    b = deadlines(IncidentFacts(Severity.IV, received_utc), [], RULES, now.astimezone(UTC))
    assert a == b


def test_follow_up_time_is_16_local_which_is_08_utc() -> None:
    received = local(2025, 7, 1, 8, 0)  # initial due 08:30, +6 h = 14:30 -> same day 16:00
    items = deadlines(IncidentFacts(Severity.I, received), [], RULES, received)
    [follow_up] = only(items, ReportKind.FOLLOW_UP)
    assert follow_up.due_at == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert follow_up.due_at.astimezone(CST).time() == time(16, 0)


def test_received_at_1559_gets_its_first_follow_up_the_next_day() -> None:
    received = local(2025, 7, 1, 15, 59)
    items = deadlines(IncidentFacts(Severity.I, received), [], RULES, received)
    assert kinds(items) == [(ReportKind.INITIAL, 1), (ReportKind.FOLLOW_UP, 1)]
    assert items[1].due_at == local(2025, 7, 2, 16, 0)


def test_first_follow_up_at_least_six_hours_after_initial_due_boundary() -> None:
    # Severity III: initial due 10:00, +6 h = 16:00 exactly -> the same day.
    items = deadlines(
        IncidentFacts(Severity.III, local(2025, 7, 1, 9, 0)), [], RULES, local(2025, 7, 1, 9, 0)
    )
    assert only(items, ReportKind.FOLLOW_UP)[0].due_at == local(2025, 7, 1, 16, 0)
    # One minute later: 16:01 > 16:00 -> the next day.
    items = deadlines(
        IncidentFacts(Severity.III, local(2025, 7, 1, 9, 1)), [], RULES, local(2025, 7, 1, 9, 1)
    )
    assert only(items, ReportKind.FOLLOW_UP)[0].due_at == local(2025, 7, 2, 16, 0)


def test_received_late_at_night_utc_date_differs_from_local_date() -> None:
    # 00:30 local on 2 July is 16:30 UTC on 1 July: the local day counts.
    received = local(2025, 7, 2, 0, 30)
    items = deadlines(IncidentFacts(Severity.I, received), [], RULES, received)
    assert only(items, ReportKind.FOLLOW_UP)[0].due_at == local(2025, 7, 2, 16, 0)


def test_open_incident_lists_past_follow_ups_and_the_next_one() -> None:
    received = local(2025, 7, 1, 8, 0)
    now = local(2025, 7, 3, 12, 0)
    reports = [
        Report(ReportKind.INITIAL, local(2025, 7, 1, 8, 20)),
        Report(ReportKind.FOLLOW_UP, local(2025, 7, 1, 15, 0)),  # day 1 on time
        # day 2 missed
    ]
    items = deadlines(IncidentFacts(Severity.I, received), reports, RULES, now)
    follow = only(items, ReportKind.FOLLOW_UP)
    assert [d.due_at for d in follow] == [
        local(2025, 7, 1, 16, 0),
        local(2025, 7, 2, 16, 0),
        local(2025, 7, 3, 16, 0),
    ]
    assert [d.sequence for d in follow] == [1, 2, 3]
    assert [d.state(now) for d in follow] == [
        DeadlineState.DONE,
        DeadlineState.OVERDUE,
        DeadlineState.OK,
    ]
    assert not only(items, ReportKind.FINAL)  # no 核报 while open


def test_catch_up_follow_up_clears_a_missed_one_late_and_serves_its_own_day() -> None:
    received = local(2025, 7, 1, 8, 0)
    reports = [Report(ReportKind.FOLLOW_UP, local(2025, 7, 2, 10, 0))]  # day 1 missed
    now = local(2025, 7, 2, 12, 0)
    follow = only(
        deadlines(IncidentFacts(Severity.I, received), reports, RULES, now), ReportKind.FOLLOW_UP
    )
    assert [(d.done_at, d.late) for d in follow] == [
        (local(2025, 7, 2, 10, 0), True),
        (local(2025, 7, 2, 10, 0), False),
    ]


def test_one_report_per_period() -> None:
    received = local(2025, 7, 1, 8, 0)
    # Two reports on day 1 do not cover day 2.
    reports = [
        Report(ReportKind.FOLLOW_UP, local(2025, 7, 1, 10, 0)),
        Report(ReportKind.FOLLOW_UP, local(2025, 7, 1, 15, 0)),
    ]
    now = local(2025, 7, 2, 17, 0)
    follow = only(
        deadlines(IncidentFacts(Severity.I, received), reports, RULES, now), ReportKind.FOLLOW_UP
    )
    assert [d.state(now) for d in follow] == [
        DeadlineState.DONE,
        DeadlineState.OVERDUE,
        DeadlineState.OK,
    ]


def test_closed_incident_owes_final_report_and_no_more_follow_ups() -> None:
    received = local(2025, 7, 1, 8, 0)
    closed = local(2025, 7, 2, 11, 0)
    facts = IncidentFacts(Severity.I, received, closed_at=closed)
    reports = [
        Report(ReportKind.INITIAL, local(2025, 7, 1, 8, 10)),
        Report(ReportKind.FOLLOW_UP, local(2025, 7, 1, 15, 0)),
    ]
    now = local(2025, 7, 10, 0, 0)
    items = deadlines(facts, reports, RULES, now)
    assert kinds(items) == [
        (ReportKind.INITIAL, 1),
        (ReportKind.FOLLOW_UP, 1),  # 2 July 16:00 is after closure: not owed
        (ReportKind.FINAL, 1),
    ]
    final = items[-1]
    assert final.due_at == closed + timedelta(hours=72)
    assert final.overdue and final.state(now) is DeadlineState.OVERDUE
    done = deadlines(
        facts, [*reports, Report(ReportKind.FINAL, local(2025, 7, 4, 9, 0))], RULES, now
    )
    assert done[-1].state(now) is DeadlineState.DONE and not done[-1].late


def test_closed_before_the_first_follow_up_owes_none() -> None:
    received = local(2025, 7, 1, 8, 0)
    facts = IncidentFacts(Severity.IV, received, closed_at=local(2025, 7, 1, 9, 0))
    items = deadlines(
        facts,
        [Report(ReportKind.INITIAL, local(2025, 7, 1, 8, 30))],
        RULES,
        local(2025, 7, 1, 9, 5),
    )
    assert kinds(items) == [(ReportKind.INITIAL, 1), (ReportKind.FINAL, 1)]


def test_follow_up_due_exactly_at_closure_is_owed() -> None:
    received = local(2025, 7, 1, 8, 0)
    facts = IncidentFacts(Severity.I, received, closed_at=local(2025, 7, 1, 16, 0))
    assert (
        len(only(deadlines(facts, [], RULES, local(2025, 7, 2, 0, 0)), ReportKind.FOLLOW_UP)) == 1
    )


def test_drills_have_the_same_deadlines() -> None:
    received = local(2025, 7, 1, 8, 0)
    now = local(2025, 7, 2, 20, 0)
    real = deadlines(IncidentFacts(Severity.II, received), [], RULES, now)
    drill = deadlines(IncidentFacts(Severity.II, received, is_drill=True), [], RULES, now)
    assert real == drill and any(d.overdue for d in drill)


def test_rules_are_configurable() -> None:
    rules = ReportingRules.from_config(
        {
            "initial_minutes": {"IV": 90},
            "follow_up_time": "09:30",
            "follow_up_min_gap_hours": 0,
            "final_hours": 24,
            "warn_minutes": 30,
        }
    )
    assert rules.initial_within[Severity.IV] == timedelta(minutes=90)
    assert rules.initial_within[Severity.I] == timedelta(minutes=30)  # default kept
    received = local(2025, 7, 1, 8, 0)
    facts = IncidentFacts(Severity.IV, received, closed_at=local(2025, 7, 2, 12, 0))
    items = deadlines(facts, [], rules, local(2025, 7, 2, 13, 0))
    assert [d.due_at for d in items] == [
        local(2025, 7, 1, 9, 30),
        local(2025, 7, 1, 9, 30),
        local(2025, 7, 2, 9, 30),
        local(2025, 7, 3, 12, 0),
    ]
    assert items[0].warn_before == timedelta(minutes=30)
    assert items[-1].state(local(2025, 7, 3, 11, 30)) is DeadlineState.WARNING


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="severity"):
        ReportingRules(initial_within={Severity.I: timedelta(minutes=30)})
    with pytest.raises(ValueError, match="positive"):
        ReportingRules(final_within=timedelta(0))
    rules = ReportingRules()
    with pytest.raises(TypeError):
        rules.initial_within[Severity.I] = timedelta(0)  # type: ignore[index]


def test_fixed_offset_timezone_equivalent() -> None:
    # Asia/Shanghai has been UTC+8 without DST since 1991: the fallback zone agrees.
    cst = timezone(timedelta(hours=8))
    received = datetime(2025, 7, 1, 15, 59, tzinfo=cst)
    items = deadlines(IncidentFacts(Severity.I, received), [], RULES, received)
    assert items[1].due_at == datetime(2025, 7, 2, 16, 0, tzinfo=cst)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        deadlines(
            IncidentFacts(Severity.I, datetime(2025, 7, 1, 8, 0)), [], RULES, datetime.now(UTC)
        )
    with pytest.raises(ValueError, match="aware"):
        deadlines(
            IncidentFacts(Severity.I, local(2025, 7, 1, 8)), [], RULES, datetime(2025, 7, 1, 9)
        )
