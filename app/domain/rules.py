"""Rules of the work, independent of storage and screens."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from app.domain.enums import IncidentStatus, StaffRole
from app.domain.labels import SHELTER_CLOSED, SHELTER_FULL, SHELTER_OPEN

# The handling flow at the duty desk: 接报 -> 核实 -> 上报 -> 响应 -> 处置 -> 结束.
# A small incident may be closed after verification (a false alarm) or
# handled without a formal response level.
INCIDENT_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    IncidentStatus.RECEIVED: frozenset({IncidentStatus.VERIFIED, IncidentStatus.CLOSED}),
    IncidentStatus.VERIFIED: frozenset({IncidentStatus.REPORTED, IncidentStatus.CLOSED}),
    IncidentStatus.REPORTED: frozenset({IncidentStatus.RESPONDING, IncidentStatus.HANDLING}),
    IncidentStatus.RESPONDING: frozenset({IncidentStatus.HANDLING}),
    IncidentStatus.HANDLING: frozenset({IncidentStatus.CLOSED}),
    IncidentStatus.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset(s for s in IncidentStatus if s is not IncidentStatus.CLOSED)


class RuleViolation(ValueError):
    """A request the rules of the work do not allow. ``code`` names the rule."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# Every phone column (staff, shelters, depots, teams, hazards, incident reporters) is VARCHAR(32).
PHONE_MAX = 32
# Digits grouped by spaces, dashes or parentheses, an optional leading "+" (country
# code), and an optional extension (转/分机/ext./x/# and digits). Nothing else: a
# letter in a number is a typo that would be dialled wrong at night.
_PHONE = re.compile(
    r"\+?[0-9 ()\-]*[0-9][0-9 ()\-]*(?:\s*(?:转|分机|ext\.?|x|#)\s*[0-9]+)?",
    re.IGNORECASE,
)


def phone_problem(phone: str) -> str | None:
    """Why ``phone`` cannot be stored as a phone number (a rule code), or None.

    Empty is allowed (no phone). Codes: ``phone.invalid`` (letters or other
    text), ``phone.too_long`` (more than :data:`PHONE_MAX` characters).
    """
    text = phone.strip()
    if not text:
        return None
    if not _PHONE.fullmatch(text):
        return "phone.invalid"
    if len(text) > PHONE_MAX:
        return "phone.too_long"
    return None


def phone_violation(phone: str) -> RuleViolation | None:
    """The refusal of a phone not allowed (detail: the limit, or the phone as typed), or None."""
    code = phone_problem(phone)
    if code is None:
        return None
    return RuleViolation(code, str(PHONE_MAX) if code == "phone.too_long" else phone.strip())


def can_transition(current: IncidentStatus, target: IncidentStatus) -> bool:
    return target in INCIDENT_TRANSITIONS[current]


def check_transition(current: IncidentStatus, target: IncidentStatus) -> None:
    if not can_transition(current, target):
        raise RuleViolation("incident.transition", f"{current.value} -> {target.value}")


@dataclass(frozen=True, slots=True)
class StockState:
    quantity: float
    min_quantity: float
    expiry: date | None

    def below_minimum(self) -> bool:
        return self.quantity < self.min_quantity

    def expired(self, today: date) -> bool:
        return self.expiry is not None and self.expiry < today

    def needs_attention(self, today: date) -> bool:
        return self.below_minimum() or self.expired(today)


def current_quantity(movements: Iterable[float]) -> float:
    """Quantities several seats change at once are sums of signed movements."""
    return float(sum(movements))


# From this percentage of its capacity on, an open shelter is worth a warning.
SHELTER_WARNING_PERCENT = 90


def shelter_state(is_open: bool, capacity: int, occupancy: int) -> str:
    """open, full or closed (the codes of ``Family.SHELTER_STATUS``).

    Full is what the occupancy movements enforce: nobody more may come in once
    the occupancy reaches the capacity (so an open shelter of capacity 0 is
    full). The list, the details and the map all show this one derivation.
    """
    if not is_open:
        return SHELTER_CLOSED
    return SHELTER_FULL if occupancy >= capacity else SHELTER_OPEN


def shelter_nearly_full(is_open: bool, capacity: int, occupancy: int) -> bool:
    """Open, not yet full, and at :data:`SHELTER_WARNING_PERCENT` of its capacity or more."""
    if shelter_state(is_open, capacity, occupancy) != SHELTER_OPEN:
        return False
    return occupancy * 100 >= capacity * SHELTER_WARNING_PERCENT  # whole numbers: no rounding


@dataclass(frozen=True, slots=True)
class StaffingRule:
    """Minimum staffing of a shift: a leader on duty and two duty officers by default."""

    leaders: int = 1
    officers: int = 2

    def shortfall(self, roles: Sequence[StaffRole]) -> dict[StaffRole, int]:
        missing: dict[StaffRole, int] = {}
        have_leaders = sum(1 for r in roles if r is StaffRole.LEADER)
        have_officers = sum(1 for r in roles if r is StaffRole.OFFICER)
        if have_leaders < self.leaders:
            missing[StaffRole.LEADER] = self.leaders - have_leaders
        if have_officers < self.officers:
            missing[StaffRole.OFFICER] = self.officers - have_officers
        return missing


def shift_covers(starts_at: datetime, ends_at: datetime, moment: datetime) -> bool:
    return starts_at <= moment < ends_at


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """How the office divides the day: one 24-hour shift from the handover time,
    or a day shift and a night shift (day_hours long from the handover time)."""

    kind: str = "24h"  # "24h" or "day_night"
    handover: time = time(8, 30)
    day_hours: int = 12

    def shifts_for_day(self, day: date, tz: tzinfo) -> list[tuple[datetime, datetime, str]]:
        """(starts, ends, label) of the shifts that start on ``day`` (local time)."""
        start = datetime.combine(day, self.handover, tzinfo=tz)
        if self.kind == "day_night":
            middle = start + timedelta(hours=self.day_hours)
            return [
                (start, middle, f"{day.month}月{day.day}日 白班"),
                (middle, start + timedelta(days=1), f"{day.month}月{day.day}日 夜班"),
            ]
        return [(start, start + timedelta(days=1), f"{day.month}月{day.day}日 值班")]

    def duty_day(self, moment: datetime, tz: tzinfo) -> date:
        """The duty day ``moment`` (aware) belongs to, in ``tz``.

        Shifts begin at the handover time, so from midnight until then the
        watch is still on the previous day's shift: at 00:30 or 08:29 on a
        Monday the duty day is Sunday; at 08:30 it is Monday.
        """
        local = moment.astimezone(tz)
        if local.time().replace(tzinfo=None) < self.handover:
            return local.date() - timedelta(days=1)
        return local.date()


@dataclass(frozen=True, slots=True)
class RosterPolicy:
    """The office's rules for the watch: shift pattern and minimum staffing."""

    pattern: ShiftPattern = ShiftPattern()
    staffing: StaffingRule = StaffingRule()

    def check(self) -> None:
        if self.pattern.kind not in ("24h", "day_night"):
            raise RuleViolation("roster.pattern", self.pattern.kind)
        if not 1 <= self.pattern.day_hours <= 23:
            raise RuleViolation("roster.day_hours", str(self.pattern.day_hours))
        if self.staffing.leaders < 0 or self.staffing.officers < 0:
            raise RuleViolation("roster.minimum", "negative")
        if self.staffing.leaders + self.staffing.officers == 0:
            raise RuleViolation("roster.minimum", "nobody")

    def to_dict(self) -> dict[str, object]:
        return {
            "pattern": self.pattern.kind,
            "handover": self.pattern.handover.strftime("%H:%M"),
            "day_hours": self.pattern.day_hours,
            "leaders": self.staffing.leaders,
            "officers": self.staffing.officers,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RosterPolicy:
        hours, minutes = (int(v) for v in str(data.get("handover", "08:30")).split(":", 1))
        return cls(
            ShiftPattern(
                kind=str(data.get("pattern", "24h")),
                handover=time(hours, minutes),
                day_hours=int(str(data.get("day_hours", 12))),
            ),
            StaffingRule(
                leaders=int(str(data.get("leaders", 1))),
                officers=int(str(data.get("officers", 2))),
            ),
        )
