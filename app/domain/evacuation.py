"""转移安置方案: where a number of evacuees can go, nearest shelter first.

The rule is the duty desk's own: fill the nearest shelter with room, then the
next nearest, until everyone has a place or no shelter has room left (the
shortfall). People are not spread thinly for fairness: a family sent to the
nearest shelter reaches it soonest, and fewer shelters to staff means faster
living assistance (the county plan's target: basic assistance within 10 hours
of a disaster, 萧县"十四五"应急管理体系规划 2021-2025).

Pure Python: the service reads the shelters and their distances; this module
only decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ShelterRoom:
    """A shelter that could take people: its distance (metres) and places free now."""

    shelter_id: uuid.UUID
    distance_m: float
    room: int


@dataclass(frozen=True, slots=True)
class Placement:
    """``people`` sent to one shelter, which had ``room_before`` places free."""

    shelter_id: uuid.UUID
    distance_m: float
    room_before: int
    people: int

    @property
    def room_after(self) -> int:
        return self.room_before - self.people


@dataclass(frozen=True, slots=True)
class Plan:
    """Where ``people`` go: placements nearest first, and how many found no place."""

    people: int
    placements: tuple[Placement, ...]
    shortfall: int

    @property
    def placed(self) -> int:
        return self.people - self.shortfall


def plan_evacuation(people: int, shelters: Iterable[ShelterRoom]) -> Plan:
    """Place ``people`` (> 0) in ``shelters``, nearest first (greedy split).

    Shelters without room (``room`` <= 0) are skipped; ties in distance go by
    shelter id so the same input always gives the same plan. Each placement
    takes ``min(room, people still to place)``; the plan never puts more
    people in a shelter than its room, and ``placed + shortfall == people``.

    Raises ``ValueError`` when ``people`` is not a positive integer.
    """
    if isinstance(people, bool) or not isinstance(people, int) or people <= 0:
        raise ValueError(f"people must be a positive integer, not {people!r}")
    left = people
    placements: list[Placement] = []
    for shelter in sorted(shelters, key=lambda s: (s.distance_m, str(s.shelter_id))):
        if left == 0:
            break
        if shelter.room <= 0:
            continue
        taken = min(shelter.room, left)
        placements.append(Placement(shelter.shelter_id, shelter.distance_m, shelter.room, taken))
        left -= taken
    return Plan(people, tuple(placements), left)
