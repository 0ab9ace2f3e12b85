"""Column values as JSON and back, by the column's type (both backends alike)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, Table, Uuid

from app.data.models import UTCDateTime


def encode(column: Column[Any], value: Any) -> Any:
    """A column value as JSON: UUIDs and times as text (ISO 8601, UTC for times)."""
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
    kind = column.type
    if isinstance(kind, Uuid):
        return uuid.UUID(str(value))
    if isinstance(kind, UTCDateTime):
        moment = datetime.fromisoformat(str(value))
        if moment.tzinfo is None:
            raise ValueError(f"{column.name}: time without a zone")
        return moment
    if isinstance(kind, Date):
        return date.fromisoformat(str(value))
    return value


def row_to_json(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    return {c.name: encode(c, row.get(c.name)) for c in table.c}


def row_from_json(table: Table, data: dict[str, Any]) -> dict[str, Any]:
    """Only the table's columns; a column the data lacks is left out."""
    return {c.name: decode(c, data[c.name]) for c in table.c if c.name in data}
