"""The one clock, and China Standard Time.

Everything that needs the time takes a :data:`Clock` (a callable returning an
aware UTC ``datetime``) from whoever built it; :func:`system_clock` is the
only function in the program that reads the wall clock. Tests freeze it (with
time-machine) or pass a clock of their own.

Times are stored in UTC and shown in China Standard Time (UTC+8, no daylight
saving since 1991). ``tzdata`` is a pinned dependency, so ``Asia/Shanghai``
resolves even where the system has no time-zone database (a bare Windows
machine); the fixed offset is the last resort should that package be missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]
"""Returns the current moment as an aware UTC datetime."""


def _china_tz() -> ZoneInfo | timezone:
    try:
        return ZoneInfo("Asia/Shanghai")
    except ZoneInfoNotFoundError:  # neither a system database nor tzdata
        return timezone(timedelta(hours=8), "CST")


CHINA_TZ = _china_tz()


def system_clock() -> datetime:
    """The wall clock, in UTC. The only reader of the system time."""
    return datetime.now(UTC)


def china_time(moment: datetime) -> datetime:
    """``moment`` (aware) as China Standard Time."""
    return moment.astimezone(CHINA_TZ)


def china_date(moment: datetime) -> date:
    """The calendar day in China at ``moment`` (aware).

    00:30 China time is still the previous day in UTC; this gives the China day.
    """
    return moment.astimezone(CHINA_TZ).date()


def china_midnight(day: date) -> datetime:
    """00:00 China time on ``day``, as an aware datetime in CST."""
    return datetime.combine(day, time(0, 0), tzinfo=CHINA_TZ)


def to_utc(moment: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken as UTC (how SQLite returns stored times)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
