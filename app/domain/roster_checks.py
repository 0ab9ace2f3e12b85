"""Checks of a duty roster (值班表): staffing, double booking, rest, coverage.

Pure Python. The input is any sequence of shift-like objects (``ShiftDTO`` from
the roster service fits, so do :class:`RosterShift` and :class:`RosterPerson`
below); the output is a list of frozen problem records, each with a ``code``:

- ``understaffed``: a shift below minimum staffing (:class:`StaffingRule`);
- ``overlap``: one person in two shifts that overlap in time;
- ``short_rest``: less than ``min_rest`` between one person's consecutive shifts
  (back-to-back shifts of the same person are 0 h of rest);
- ``gap``: a stretch of ``[now, now + horizon)`` not covered by any shift that
  meets minimum staffing, merged into maximal intervals.

Shifts are half-open intervals ``[starts_at, ends_at)``: a shift ending at
08:30 and the next starting at 08:30 leave no gap and do not overlap.
Everything is a sort and a sweep (O(n log n)); nothing compares all pairs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from app.domain.enums import StaffRole
from app.domain.rules import StaffingRule

DEFAULT_MIN_REST = timedelta(hours=8)
DEFAULT_HORIZON = timedelta(days=7)

CODE_UNDERSTAFFED = "understaffed"
CODE_OVERLAP = "overlap"
CODE_SHORT_REST = "short_rest"
CODE_GAP = "gap"


class AssignmentLike(Protocol):
    @property
    def staff_id(self) -> Hashable: ...
    @property
    def name(self) -> str: ...
    @property
    def role(self) -> str: ...


class ShiftLike(Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def assignments(self) -> Sequence[AssignmentLike]: ...


@dataclass(frozen=True, slots=True)
class RosterPerson:
    """A person on a shift (the same fields as the service's ``AssignmentDTO``)."""

    staff_id: Hashable
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class RosterShift:
    starts_at: datetime
    ends_at: datetime
    assignments: tuple[RosterPerson, ...] = ()
    id: Hashable | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class ShiftRef:
    """Which shift a problem is about."""

    id: Hashable | None
    label: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class PersonRef:
    staff_id: Hashable
    name: str


@dataclass(frozen=True, slots=True)
class Understaffed:
    shift: ShiftRef
    # Roles still missing and how many, e.g. ((StaffRole.OFFICER, 1),).
    missing: tuple[tuple[StaffRole, int], ...]
    people: tuple[PersonRef, ...]
    code: str = field(default=CODE_UNDERSTAFFED, init=False)

    @property
    def starts_at(self) -> datetime:
        return self.shift.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.shift.ends_at


@dataclass(frozen=True, slots=True)
class Overlap:
    """``person`` is on ``first`` and ``second``; they overlap in [starts_at, ends_at)."""

    person: PersonRef
    first: ShiftRef
    second: ShiftRef
    starts_at: datetime
    ends_at: datetime
    code: str = field(default=CODE_OVERLAP, init=False)

    @property
    def people(self) -> tuple[PersonRef, ...]:
        return (self.person,)


@dataclass(frozen=True, slots=True)
class ShortRest:
    """``person`` rests only from ``starts_at`` (end of ``previous``) to ``ends_at``."""

    person: PersonRef
    previous: ShiftRef
    following: ShiftRef
    starts_at: datetime
    ends_at: datetime
    code: str = field(default=CODE_SHORT_REST, init=False)

    @property
    def rest(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def people(self) -> tuple[PersonRef, ...]:
        return (self.person,)


@dataclass(frozen=True, slots=True)
class Gap:
    """Nobody (or not enough people) on duty in [starts_at, ends_at)."""

    starts_at: datetime
    ends_at: datetime
    code: str = field(default=CODE_GAP, init=False)

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def people(self) -> tuple[PersonRef, ...]:
        return ()


Problem = Understaffed | Overlap | ShortRest | Gap


def _ref(shift: ShiftLike) -> ShiftRef:
    return ShiftRef(
        getattr(shift, "id", None), str(getattr(shift, "label", "")), shift.starts_at, shift.ends_at
    )


def _roles(shift: ShiftLike) -> list[StaffRole]:
    known = StaffRole._value2member_map_
    return [StaffRole(str(a.role)) for a in shift.assignments if str(a.role) in known]


def _missing(shift: ShiftLike, rule: StaffingRule) -> dict[StaffRole, int]:
    return rule.shortfall(_roles(shift))


def understaffed(
    shifts: Iterable[ShiftLike], rule: StaffingRule | None = None
) -> list[Understaffed]:
    """Every shift below minimum staffing, with what it lacks."""
    rule = rule or StaffingRule()
    out: list[Understaffed] = []
    for sh in shifts:
        missing = _missing(sh, rule)
        if missing:
            people = tuple(PersonRef(a.staff_id, a.name) for a in sh.assignments)
            ordered = tuple((role, missing[role]) for role in StaffRole if role in missing)
            out.append(Understaffed(_ref(sh), ordered, people))
    out.sort(key=lambda p: p.starts_at)
    return out


def people_problems(
    shifts: Iterable[ShiftLike], min_rest: timedelta = DEFAULT_MIN_REST
) -> list[Overlap | ShortRest]:
    """Double bookings and short rests, per person, by one sweep over their shifts.

    For each person the shifts are sorted by start; the shift reaching furthest so
    far is kept. A shift starting before it ends overlaps it; otherwise the time
    since it ended is the person's rest.
    """
    by_person: dict[Hashable, tuple[PersonRef, list[ShiftLike]]] = {}
    for sh in shifts:
        seen: set[Hashable] = set()
        for a in sh.assignments:
            if a.staff_id in seen:
                continue  # the same person twice in one shift is not a double booking
            seen.add(a.staff_id)
            entry = by_person.get(a.staff_id)
            if entry is None:
                entry = (PersonRef(a.staff_id, a.name), [])
                by_person[a.staff_id] = entry
            entry[1].append(sh)
    out: list[Overlap | ShortRest] = []
    for person, own in by_person.values():
        if len(own) < 2:
            continue
        own.sort(key=lambda s: (s.starts_at, s.ends_at))
        reach = own[0]
        for cur in own[1:]:
            if cur.starts_at < reach.ends_at:
                out.append(
                    Overlap(
                        person,
                        _ref(reach),
                        _ref(cur),
                        cur.starts_at,
                        min(reach.ends_at, cur.ends_at),
                    )
                )
            elif cur.starts_at - reach.ends_at < min_rest:
                out.append(ShortRest(person, _ref(reach), _ref(cur), reach.ends_at, cur.starts_at))
            if cur.ends_at > reach.ends_at:
                reach = cur
    out.sort(key=lambda p: (p.starts_at, p.code, str(p.person.name)))
    return out


def coverage_gaps(
    shifts: Iterable[ShiftLike],
    start: datetime,
    end: datetime,
    rule: StaffingRule | None = None,
) -> list[Gap]:
    """Intervals of [start, end) not covered by a shift that meets minimum staffing.

    Adjacent or overlapping uncovered stretches come out merged.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("coverage_gaps needs timezone-aware times")
    if end <= start:
        return []
    rule = rule or StaffingRule()
    covered = sorted(
        (max(sh.starts_at, start), min(sh.ends_at, end))
        for sh in shifts
        if sh.starts_at < end and sh.ends_at > start and not _missing(sh, rule)
    )
    gaps: list[Gap] = []
    cursor = start
    for s, e in covered:
        if s > cursor:
            gaps.append(Gap(cursor, s))
        if e > cursor:
            cursor = e
    if cursor < end:
        gaps.append(Gap(cursor, end))
    return gaps


def check_roster(
    shifts: Sequence[ShiftLike],
    *,
    now: datetime,
    rule: StaffingRule | None = None,
    min_rest: timedelta = DEFAULT_MIN_REST,
    horizon: timedelta = DEFAULT_HORIZON,
) -> list[Problem]:
    """All problems of ``shifts``: staffing and people for every shift given, and the
    coverage gaps of [now, now + horizon). Sorted by time, then code."""
    problems: list[Problem] = [
        *understaffed(shifts, rule),
        *people_problems(shifts, min_rest),
        *coverage_gaps(shifts, now, now + horizon, rule),
    ]
    problems.sort(key=lambda p: (p.starts_at, p.code))
    return problems
