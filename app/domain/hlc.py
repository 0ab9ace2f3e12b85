"""Hybrid logical clocks (Kulkarni et al., "Logical Physical Clocks", 2014).

A timestamp is one 64-bit integer: milliseconds since the Unix epoch (UTC) in
the high bits and a 16-bit counter in the low ones, so integer order is clock
order. A site's next timestamp is never below any timestamp it has written
or received, whatever its wall clock says: a field laptop whose clock is
hours behind still orders its changes after what it has seen from the center.
Ties between sites are broken by the site's code (see :func:`wins`).
"""

from __future__ import annotations

from datetime import UTC, datetime

COUNTER_BITS = 16
_COUNTER_MASK = (1 << COUNTER_BITS) - 1


def encode(physical_ms: int, counter: int = 0) -> int:
    """An HLC value from milliseconds since the epoch (UTC) and a counter (0..65535)."""
    if not 0 <= counter <= _COUNTER_MASK:
        raise ValueError(f"counter out of range: {counter}")
    return (physical_ms << COUNTER_BITS) | counter


def physical_ms(value: int) -> int:
    """The milliseconds since the epoch (UTC) of an HLC value."""
    return value >> COUNTER_BITS


def counter(value: int) -> int:
    return value & _COUNTER_MASK


def from_datetime(moment: datetime) -> int:
    """The HLC value of an aware datetime with counter 0. Raises ValueError if naive."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return encode(int(moment.timestamp() * 1000))


def to_datetime(value: int) -> datetime:
    """The physical part of an HLC value as an aware UTC datetime."""
    return datetime.fromtimestamp(physical_ms(value) / 1000, UTC)


def tick(last: int | None, now: datetime, count: int = 1) -> list[int]:
    """``count`` new timestamps for local events, each above ``last`` (the largest
    HLC the site has written or received; None for none) and no earlier than the
    wall clock ``now`` (aware)."""
    if count < 1:
        return []
    wall = from_datetime(now)
    start = max(wall, (last + 1) if last is not None else wall)
    return [start + i for i in range(count)]


def wins(a: tuple[int, str], b: tuple[int, str]) -> bool:
    """Whether write ``a`` = (hlc, site code) beats write ``b`` under
    last-writer-wins: the larger HLC, then the larger site code. The same
    answer at every site, so every site keeps the same value."""
    return a > b
