"""Reporting deadlines of an incident (初报 / 续报 / 核报), pure Python.

The county sets the times (``ReportingRules``); the defaults are:

- 初报 (initial report): within 30 minutes of receipt for severity I and II,
  60 minutes for III, 120 minutes for IV;
- 续报 (follow-up reports): every day at 16:00 China Standard Time while the
  incident is open. The first follow-up is due at the first daily time that is
  at least ``follow_up_min_gap`` (6 hours) after the initial report is *due*, so
  an incident received at 15:59 is not asked for a follow-up one minute later:
  its first 续报 is due the next day at 16:00. Basing it on the due time (not
  on when the initial report was actually made) keeps the schedule fixed from
  the moment of receipt;
- 核报 (final report): within 72 hours after closure.

Drills follow exactly the same rules: reporting on time must be practised too.

Follow-ups are counted per period: the n-th follow-up's period runs from the
previous follow-up's due time (the receipt, for the first) to its own due
time, and a follow-up report inside it fulfils it on time. A period without a
report is fulfilled late by the first follow-up report after its due time (the
catch-up report), which clears the warning while ``late`` keeps the record.
The series stops at closure: only follow-ups due at or before ``closed_at``
are owed. For an open incident the list holds every follow-up due so far plus
the next one.

Times: every datetime must be timezone-aware; results are in UTC (as stored).
A deadline is met by a report made at exactly its due time; ``now`` exactly at
the due time is still a warning, one instant later it is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from app.domain.clock import CHINA_TZ
from app.domain.enums import Severity


class ReportKind(StrEnum):
    INITIAL = "initial"  # 初报
    FOLLOW_UP = "follow_up"  # 续报
    FINAL = "final"  # 核报


class DeadlineState(StrEnum):
    OK = "ok"
    WARNING = "warning"  # due within ``warn_before``
    OVERDUE = "overdue"
    DONE = "done"


DEFAULT_INITIAL_WITHIN: Mapping[Severity, timedelta] = MappingProxyType(
    {
        Severity.I: timedelta(minutes=30),
        Severity.II: timedelta(minutes=30),
        Severity.III: timedelta(minutes=60),
        Severity.IV: timedelta(minutes=120),
    }
)


def _zone(name: str) -> tzinfo:
    if name == "Asia/Shanghai":
        return CHINA_TZ
    return ZoneInfo(name)


@dataclass(frozen=True)
class ReportingRules:
    """The county's reporting deadlines. Build from settings with :meth:`from_config`."""

    initial_within: Mapping[Severity, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_INITIAL_WITHIN)
    )
    follow_up_time: time = time(16, 0)  # local time of the daily 续报
    follow_up_min_gap: timedelta = timedelta(hours=6)  # after the initial report is due
    final_within: timedelta = timedelta(hours=72)  # after closure
    warn_before: timedelta = timedelta(minutes=10)
    timezone_name: str = "Asia/Shanghai"
    # Drills owe the same reports; the county chooses whether their missed
    # deadlines are counted (apart from real incidents) or not at all.
    drills_counted: bool = True

    def __post_init__(self) -> None:
        table = {Severity(k): v for k, v in self.initial_within.items()}
        missing = [s.value for s in Severity if s not in table]
        if missing:
            raise ValueError(f"initial_within has no entry for severity {', '.join(missing)}")
        if any(v <= timedelta(0) for v in table.values()):
            raise ValueError("initial_within must be positive")
        if self.final_within <= timedelta(0):
            raise ValueError("final_within must be positive")
        if self.follow_up_min_gap < timedelta(0) or self.warn_before < timedelta(0):
            raise ValueError("follow_up_min_gap and warn_before may not be negative")
        if self.follow_up_time.tzinfo is not None:
            raise ValueError("follow_up_time is a local wall-clock time without tzinfo")
        _zone(self.timezone_name)  # raises for an unknown zone
        object.__setattr__(self, "initial_within", MappingProxyType(table))

    @property
    def zone(self) -> tzinfo:
        return _zone(self.timezone_name)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReportingRules:
        """From plain settings values, e.g.::

            {"initial_minutes": {"I": 30, "II": 30, "III": 60, "IV": 120},
             "follow_up_time": "16:00", "follow_up_min_gap_hours": 6,
             "final_hours": 72, "warn_minutes": 10, "timezone": "Asia/Shanghai"}

        Keys left out keep their defaults; severities left out of
        ``initial_minutes`` keep theirs.
        """
        kwargs: dict[str, Any] = {}
        if "initial_minutes" in config:
            table = dict(DEFAULT_INITIAL_WITHIN)
            for key, minutes in config["initial_minutes"].items():
                table[Severity(key)] = timedelta(minutes=float(minutes))
            kwargs["initial_within"] = table
        if "follow_up_time" in config:
            kwargs["follow_up_time"] = time.fromisoformat(str(config["follow_up_time"]))
        if "follow_up_min_gap_hours" in config:
            kwargs["follow_up_min_gap"] = timedelta(hours=float(config["follow_up_min_gap_hours"]))
        if "final_hours" in config:
            kwargs["final_within"] = timedelta(hours=float(config["final_hours"]))
        if "warn_minutes" in config:
            kwargs["warn_before"] = timedelta(minutes=float(config["warn_minutes"]))
        if "timezone" in config:
            kwargs["timezone_name"] = str(config["timezone"])
        if "drills_counted" in config:
            kwargs["drills_counted"] = bool(config["drills_counted"])
        return cls(**kwargs)

    def to_config(self) -> dict[str, Any]:
        """The plain settings values :meth:`from_config` reads (minutes and hours as numbers)."""
        return {
            "initial_minutes": {
                s.value: self.initial_within[s].total_seconds() / 60 for s in Severity
            },
            "follow_up_time": self.follow_up_time.strftime("%H:%M"),
            "follow_up_min_gap_hours": self.follow_up_min_gap.total_seconds() / 3600,
            "final_hours": self.final_within.total_seconds() / 3600,
            "warn_minutes": self.warn_before.total_seconds() / 60,
            "timezone": self.timezone_name,
            "drills_counted": self.drills_counted,
        }


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the deadlines depend on."""

    severity: Severity
    received_at: datetime
    closed_at: datetime | None = None
    is_drill: bool = False  # drills have the same deadlines; kept for the caller's display


@dataclass(frozen=True, slots=True)
class Report:
    """A report already made upward."""

    kind: ReportKind
    at: datetime


@dataclass(frozen=True, slots=True)
class Deadline:
    """One report owed. ``overdue`` is as of the ``now`` given to :func:`deadlines`.

    ``sequence`` numbers the follow-ups (第n次续报) from 1; it is 1 for the others.
    """

    kind: ReportKind
    due_at: datetime
    done_at: datetime | None
    overdue: bool
    warn_before: timedelta = timedelta(minutes=10)
    sequence: int = 1

    @property
    def done(self) -> bool:
        return self.done_at is not None

    @property
    def late(self) -> bool:
        """Made, but after the due time."""
        return self.done_at is not None and self.done_at > self.due_at

    def state(self, now: datetime) -> DeadlineState:
        _aware(now, "now")
        if self.done_at is not None:
            return DeadlineState.DONE
        if now > self.due_at:
            return DeadlineState.OVERDUE
        if now >= self.due_at - self.warn_before:
            return DeadlineState.WARNING
        return DeadlineState.OK


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def initial_due(facts: IncidentFacts, rules: ReportingRules) -> datetime:
    return _aware(facts.received_at, "received_at") + rules.initial_within[facts.severity]


def _daily_at(day: date, rules: ReportingRules) -> datetime:
    return datetime.combine(day, rules.follow_up_time, tzinfo=rules.zone).astimezone(UTC)


def follow_up_dues(facts: IncidentFacts, rules: ReportingRules, until: datetime) -> list[datetime]:
    """Due times of the follow-ups, the first one up to and including the last
    one at or before ``until`` (not the one after)."""
    earliest = initial_due(facts, rules) + rules.follow_up_min_gap
    day = earliest.astimezone(rules.zone).date()
    if _daily_at(day, rules) < earliest:
        day += timedelta(days=1)
    dues: list[datetime] = []
    while (due := _daily_at(day, rules)) <= until:
        dues.append(due)
        day += timedelta(days=1)
    return dues


def _next_follow_up_due(facts: IncidentFacts, rules: ReportingRules, after: datetime) -> datetime:
    earliest = max(initial_due(facts, rules) + rules.follow_up_min_gap, after)
    day = earliest.astimezone(rules.zone).date()
    while (due := _daily_at(day, rules)) < earliest or due <= after:
        day += timedelta(days=1)
    return due


def next_report_kind(closed: bool, made: Iterable[ReportKind]) -> ReportKind:
    """The report the duty desk files next: 核报 once the incident is closed,
    初报 until one has been made, 续报 in between."""
    if closed:
        return ReportKind.FINAL
    return ReportKind.FOLLOW_UP if ReportKind.INITIAL in set(made) else ReportKind.INITIAL


def deadlines(
    facts: IncidentFacts,
    reports: Iterable[Report],
    rules: ReportingRules,
    now: datetime,
) -> list[Deadline]:
    """The reports the incident owes or owed, in order of due time (initial,
    follow-ups, final)."""
    now = _aware(now, "now")
    received = _aware(facts.received_at, "received_at")
    closed = _aware(facts.closed_at, "closed_at") if facts.closed_at is not None else None
    made: dict[ReportKind, list[datetime]] = {kind: [] for kind in ReportKind}
    for report in reports:
        made[report.kind].append(_aware(report.at, "report time"))
    for times in made.values():
        times.sort()

    def deadline(kind: ReportKind, due: datetime, done: datetime | None, seq: int = 1) -> Deadline:
        overdue = done is None and now > due
        return Deadline(kind, due, done, overdue, rules.warn_before, seq)

    result: list[Deadline] = []
    initial = made[ReportKind.INITIAL]
    result.append(
        deadline(ReportKind.INITIAL, initial_due(facts, rules), initial[0] if initial else None)
    )

    if closed is not None:
        dues = follow_up_dues(facts, rules, closed)
    else:
        dues = follow_up_dues(facts, rules, now)
        dues.append(_next_follow_up_due(facts, rules, dues[-1] if dues else received))
    follow_ups = made[ReportKind.FOLLOW_UP]
    start = received
    for seq, due in enumerate(dues, start=1):
        on_time = next((t for t in follow_ups if start < t <= due), None)
        done = on_time or next((t for t in follow_ups if t > due), None)
        result.append(deadline(ReportKind.FOLLOW_UP, due, done, seq))
        start = due

    if closed is not None:
        final = made[ReportKind.FINAL]
        result.append(
            deadline(ReportKind.FINAL, closed + rules.final_within, final[0] if final else None)
        )
    return result
