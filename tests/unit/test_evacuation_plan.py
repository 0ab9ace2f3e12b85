"""The evacuation plan: nearest shelters first, never over a shelter's room, nobody lost."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.evacuation import ShelterRoom, plan_evacuation

_shelters = st.lists(
    st.builds(
        ShelterRoom,
        shelter_id=st.uuids(),
        distance_m=st.floats(min_value=0, max_value=100_000, allow_nan=False),
        room=st.integers(min_value=-50, max_value=2_000),
    ),
    max_size=30,
    unique_by=lambda s: s.shelter_id,
)


@settings(max_examples=300, deadline=None)
@given(people=st.integers(min_value=1, max_value=20_000), shelters=_shelters)
def test_plan_invariants(people: int, shelters: list[ShelterRoom]) -> None:
    plan = plan_evacuation(people, shelters)
    rooms = {s.shelter_id: s for s in shelters}

    # Everyone is placed or counted short.
    assert plan.placed + plan.shortfall == people
    assert sum(p.people for p in plan.placements) == plan.placed
    assert plan.shortfall >= 0
    # Never more than a shelter's room, never an empty placement, each shelter once.
    for p in plan.placements:
        assert 0 < p.people <= rooms[p.shelter_id].room == p.room_before
        assert p.room_after >= 0
    assert len({p.shelter_id for p in plan.placements}) == len(plan.placements)
    # Nearest first: placements go out in distance order, every placement but the
    # last fills its shelter, and no shelter with room nearer than the farthest used
    # one was passed over.
    distances = [p.distance_m for p in plan.placements]
    assert distances == sorted(distances)
    assert all(p.room_after == 0 for p in plan.placements[:-1])
    if plan.placements:
        used = {p.shelter_id for p in plan.placements}
        farthest = plan.placements[-1].distance_m
        skipped = [
            s
            for s in shelters
            if s.room > 0 and s.shelter_id not in used and s.distance_m < farthest
        ]
        assert skipped == []
    # A shortfall only when every shelter with room is full.
    if plan.shortfall:
        assert plan.placed == sum(s.room for s in shelters if s.room > 0)


def test_example_split() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    plan = plan_evacuation(
        800, [ShelterRoom(c, 3100, 1000), ShelterRoom(a, 1200, 500), ShelterRoom(b, 2300, 200)]
    )
    assert [(p.shelter_id, p.people, p.room_after) for p in plan.placements] == [
        (a, 500, 0),
        (b, 200, 0),
        (c, 100, 900),
    ]
    assert plan.shortfall == 0


def test_not_enough_room_and_bad_numbers() -> None:
    plan = plan_evacuation(800, [ShelterRoom(uuid.uuid4(), 10, 300)])
    assert (plan.placed, plan.shortfall) == (300, 500)
    assert plan_evacuation(5, []).shortfall == 5
    for people in (0, -1, True, 1.5):
        with pytest.raises(ValueError):
            plan_evacuation(people, [])  # type: ignore[arg-type]
