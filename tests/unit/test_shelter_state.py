"""A shelter's state (开放 / 已满 / 关闭) is derived in one place, by the rule the
movements check: nobody more can come in once occupancy reaches capacity."""

from __future__ import annotations

import pytest

from app.domain.labels import SHELTER_CLOSED, SHELTER_FULL, SHELTER_OPEN, Family, label
from app.domain.rules import shelter_nearly_full, shelter_state


@pytest.mark.parametrize(
    ("is_open", "capacity", "occupancy", "state"),
    [
        (True, 100, 0, SHELTER_OPEN),
        (True, 100, 89, SHELTER_OPEN),
        (True, 100, 99, SHELTER_OPEN),  # nearly full is a warning, not a state
        (True, 100, 100, SHELTER_FULL),
        (True, 100, 120, SHELTER_FULL),  # capacity lowered below the people inside
        (True, 0, 0, SHELTER_FULL),  # no room at all: every check-in is refused
        (False, 100, 0, SHELTER_CLOSED),
        (False, 100, 100, SHELTER_CLOSED),  # closed wins: nobody may come in either way
    ],
)
def test_state_from_open_capacity_and_occupancy(
    is_open: bool, capacity: int, occupancy: int, state: str
) -> None:
    assert shelter_state(is_open, capacity, occupancy) == state


def test_every_state_has_its_one_word() -> None:
    words = {
        s: label(Family.SHELTER_STATUS, s) for s in (SHELTER_OPEN, SHELTER_FULL, SHELTER_CLOSED)
    }
    assert words == {SHELTER_OPEN: "开放", SHELTER_FULL: "已满", SHELTER_CLOSED: "关闭"}


@pytest.mark.parametrize(
    ("is_open", "capacity", "occupancy", "warn"),
    [
        (True, 100, 89, False),
        (True, 100, 90, True),
        (True, 1000, 899, False),
        (True, 1000, 900, True),
        (True, 7, 6, False),  # 6/7 = 86 %
        (True, 100, 100, False),  # full is said as such, not as "nearly"
        (False, 100, 95, False),
        (True, 0, 0, False),
    ],
)
def test_nearly_full_from_ninety_percent(
    is_open: bool, capacity: int, occupancy: int, warn: bool
) -> None:
    assert shelter_nearly_full(is_open, capacity, occupancy) is warn
