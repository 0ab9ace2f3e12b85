"""A QAbstractTableModel over a list of DTOs, described by columns."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.domain.clock import CHINA_TZ
from app.ui.plain import plain_tooltip

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex

ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2


def format_time(value: datetime | None) -> str:
    """Times are shown in China Standard Time, as the users live by it."""
    if value is None:
        return ""
    return value.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")


def format_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    value: Callable[[T], Any]
    # Text shown; defaults to format_value(value(row)).
    display: Callable[[T], str] | None = None
    foreground: Callable[[T], QColor | None] | None = None
    background: Callable[[T], QColor | None] | None = None
    align_right: bool = False


class DtoTableModel(QAbstractTableModel, Generic[T]):
    """Read-only rows; ``set_rows`` replaces them all (from a background query)."""

    def __init__(self, columns: Sequence[Column[T]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[T] = []
        self._index: dict[Any, int] | None = None  # id -> row, built when needed

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._index = None
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def _ids(self) -> dict[Any, int]:
        if self._index is None:
            self._index = {getattr(r, "id", None): i for i, r in enumerate(self._rows)}
        return self._index

    def row_of_id(self, entity_id: uuid.UUID) -> int | None:
        return self._ids().get(entity_id)

    def upsert(self, rows: Sequence[T]) -> None:
        """Replace rows with the same id in place; append new ones (no reset, selection kept)."""
        index = self._ids()
        new: list[T] = []
        last_col = len(self._columns) - 1
        for row in rows:
            at = index.get(getattr(row, "id", None))
            if at is None:
                new.append(row)
                continue
            self._rows[at] = row
            self.dataChanged.emit(self.index(at, 0), self.index(at, last_col))
        if new:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            self._rows.extend(new)
            for offset, row in enumerate(new):
                index[getattr(row, "id", None)] = start + offset
            self.endInsertRows()

    def remove_ids(self, ids: Iterable[Any]) -> None:
        index = self._ids()
        for at in sorted((index[i] for i in set(ids) if i in index), reverse=True):
            self.beginRemoveRows(QModelIndex(), at, at)
            del self._rows[at]
            self.endRemoveRows()
        self._index = None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        col = self._columns[index.column()]
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.display(row) if col.display else format_value(col.value(row))
        if role == Qt.ItemDataRole.ToolTipRole:
            # The cell's text in full (a cell may be cut short), shown as text.
            return plain_tooltip(col.display(row) if col.display else format_value(col.value(row)))
        if role == SORT_ROLE:
            value = col.value(row)
            return value if isinstance(value, int | float | str) else format_value(value)
        if role == ID_ROLE:
            return str(getattr(row, "id", ""))
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground:
            color = col.foreground(row)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.BackgroundRole and col.background:
            color = col.background(row)
            return QBrush(color) if color is not None else None
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
