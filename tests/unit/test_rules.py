"""Domain rules, without Qt or a database."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.enums import IncidentStatus, StaffRole
from app.domain.rules import (
    INCIDENT_TRANSITIONS,
    RuleViolation,
    StaffingRule,
    StockState,
    can_transition,
    check_transition,
    current_quantity,
    phone_problem,
    shift_covers,
)


def test_handling_flow_in_order_is_allowed() -> None:
    flow = [
        IncidentStatus.RECEIVED,
        IncidentStatus.VERIFIED,
        IncidentStatus.REPORTED,
        IncidentStatus.RESPONDING,
        IncidentStatus.HANDLING,
        IncidentStatus.CLOSED,
    ]
    for current, target in itertools.pairwise(flow):
        check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (IncidentStatus.RECEIVED, IncidentStatus.HANDLING),  # skips verification
        (IncidentStatus.CLOSED, IncidentStatus.HANDLING),  # reopening a closed one
        (IncidentStatus.HANDLING, IncidentStatus.RECEIVED),  # going back
        (IncidentStatus.REPORTED, IncidentStatus.CLOSED),  # closed without handling
    ],
)
def test_transitions_outside_the_flow_are_refused(
    current: IncidentStatus, target: IncidentStatus
) -> None:
    assert not can_transition(current, target)
    with pytest.raises(RuleViolation) as info:
        check_transition(current, target)
    assert info.value.code == "incident.transition"


def test_every_status_can_reach_closed() -> None:
    for start in IncidentStatus:
        seen, todo = {start}, [start]
        while todo:
            for nxt in INCIDENT_TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert IncidentStatus.CLOSED in seen


def test_stock_below_minimum_and_expired() -> None:
    today = date(2026, 11, 28)
    assert StockState(5, 10, None).below_minimum()
    assert not StockState(10, 10, None).below_minimum()
    assert StockState(50, 10, date(2026, 11, 27)).expired(today)
    assert not StockState(50, 10, today).expired(today)
    assert not StockState(50, 10, None).needs_attention(today)


def test_quantity_is_the_sum_of_movements() -> None:
    assert current_quantity([100, -30, 5.5, -0.5]) == 75.0
    assert current_quantity([]) == 0.0


def test_minimum_staffing_default_is_a_leader_and_two_officers() -> None:
    rule = StaffingRule()
    assert rule.shortfall([StaffRole.LEADER, StaffRole.OFFICER, StaffRole.OFFICER]) == {}
    assert rule.shortfall([StaffRole.OFFICER]) == {StaffRole.LEADER: 1, StaffRole.OFFICER: 1}
    assert rule.shortfall([StaffRole.LEADER, StaffRole.OTHER, StaffRole.OTHER]) == {
        StaffRole.OFFICER: 2
    }


def test_shift_covers_its_start_but_not_its_end() -> None:
    start = datetime(2026, 11, 28, 0, 30, tzinfo=UTC)
    end = start + timedelta(hours=24)
    assert shift_covers(start, end, start)
    assert not shift_covers(start, end, end)


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "13900000000",
        "139 0000 0000",
        "0557-5021234",
        "(0557) 502-1234",
        "+86 139-0000-0000",
        "+86 (557) 5021234",
        "0557-5021234 转 801",
        "0557-5021234分机801",
        "0557-5021234 ext. 801",
        "0557 5021234 x801",
        "0557-5021234#801",
    ],
)
def test_phone_numbers_as_people_write_them(phone: str) -> None:
    assert phone_problem(phone) is None


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("139abc0000", "phone.invalid"),
        ("电话13900000000", "phone.invalid"),
        ("13900000000 找王主任", "phone.invalid"),
        ("---", "phone.invalid"),
        ("139+0000", "phone.invalid"),
        ("0557-5021234 转", "phone.invalid"),
        ("139.0000.0000", "phone.invalid"),
        ("1" * 33, "phone.too_long"),
    ],
)
def test_phone_numbers_with_letters_or_other_text_are_refused(phone: str, code: str) -> None:
    assert phone_problem(phone) == code
