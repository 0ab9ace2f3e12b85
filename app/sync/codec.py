"""Column values as JSON and back, by the column's type (both backends alike).

UUIDs travel as text, times as ISO 8601 (UTC, with the offset), dates as
``YYYY-MM-DD``; numbers, booleans and text as they are. Each table's
converters are worked out once, so a packet of 50,000 rows pays only for the
conversions its columns need.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Date, Table, Uuid

from app.data.models import UTCDateTime

Convert = Callable[[Any], Any]


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"time without a zone: {value}")
    return moment


def _to_text(value: Any) -> str:
    return str(value)


def _iso(value: Any) -> str:
    return str(value.isoformat())


def _decoder(column: Column[Any]) -> Convert | None:
    kind = column.type
    if isinstance(kind, Uuid):
        return lambda v: uuid.UUID(str(v))
    if isinstance(kind, UTCDateTime):
        return _moment
    if isinstance(kind, Date):
        return lambda v: date.fromisoformat(str(v))
    return None


def _encoder(column: Column[Any]) -> Convert | None:
    kind = column.type
    if isinstance(kind, Uuid):
        return _to_text
    if isinstance(kind, UTCDateTime | Date):
        return _iso
    return None


@cache
def _decoders(table: Table) -> tuple[tuple[str, Convert | None], ...]:
    return tuple((c.name, _decoder(c)) for c in table.c)


@cache
def _encoders(table: Table) -> tuple[tuple[str, Convert | None], ...]:
    return tuple((c.name, _encoder(c)) for c in table.c)


def encode(column: Column[Any], value: Any) -> Any:
    """A column value as JSON."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def decode(column: Column[Any], value: Any) -> Any:
    """The Python value of a JSON value for ``column``. Raises ValueError on a
    value of the wrong shape."""
    if value is None:
        return None
    convert = _decoder(column)
    return convert(value) if convert is not None else value


def row_to_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, convert in _encoders(table):
        value = row.get(name)
        out[name] = convert(value) if convert is not None and value is not None else value
    return out


def row_from_json(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Only the table's columns; a column the data lacks is left out. Raises
    ValueError on a value of the wrong shape."""
    out: dict[str, Any] = {}
    for name, convert in _decoders(table):
        if name in data:
            value = data[name]
            out[name] = convert(value) if convert is not None and value is not None else value
    return out
