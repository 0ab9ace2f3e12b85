"""Filtering as people type: full-width and half-width, upper and lower case are one.

Both sides of a comparison go through :func:`app.domain.text.fold_text` (NFKC,
case folded, invisible characters dropped), so ``G310`` finds ``Ｇ３１０国道塌方``
and ``ｗａｎｇ`` finds ``Wang``:

- :class:`FoldingFilterProxyModel` for tables and lists (every column's text);
- :class:`FoldedRows` for a widget that hides its own rows (QTableWidget);
- :class:`FoldingCompleter` for a line edit's completion list.

Each row's folded text is computed once and kept until the row changes, so a
key press on a list of thousands of rows only compares strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QCompleter

from app.domain.text import fold_text

Index = QModelIndex | QPersistentModelIndex

# Between the folded texts of two columns: no typed text spans it.
_COLUMN_BREAK = "\n"


def fold_needle(text: str) -> str:
    """What is typed into a filter box, as it is compared: folded, without
    leading or trailing spaces (a full-width space counts as one)."""
    return fold_text(text).strip()


def fold_row(texts: Iterable[str]) -> str:
    """The folded text of a row of cells (in which :func:`fold_needle` is looked for)."""
    return fold_text(_COLUMN_BREAK.join(texts))


class FoldedRows:
    """The folded text of each row of a widget that filters itself.

    ``set_rows`` takes the rows' cell texts when the widget is filled;
    ``matches`` tells whether a row holds the typed text.
    """

    def __init__(self) -> None:
        self._rows: list[str] = []

    def set_rows(self, rows: Iterable[Sequence[str]]) -> None:
        """Fold the rows once (a row is its cells' texts, in column order)."""
        self._rows = [fold_row(cells) for cells in rows]

    def matches(self, row: int, needle: str) -> bool:
        """Whether row ``row`` holds ``needle`` (already folded by :func:`fold_needle`;
        ``""`` matches every row). A row never given does not match a needle."""
        if not needle:
            return True
        return 0 <= row < len(self._rows) and needle in self._rows[row]


class FoldingFilterProxyModel(QSortFilterProxyModel):
    """Sorts as QSortFilterProxyModel does and keeps the rows of a flat model
    (table or list) whose text in any column contains the filter text, both folded.

    ``set_filter_text`` is what a filter box calls. The folded text of a row is
    made from ``text_role`` (the shown text by default) the first time the row
    is tested, and kept until the source model changes, inserts, removes or
    resets that row.
    """

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        text_role: int = Qt.ItemDataRole.DisplayRole,
    ) -> None:
        super().__init__(parent)
        self._text_role = text_role
        self._needle = ""
        self._folded: list[str | None] = []

    # -- the filter -------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        """The filter as it is compared (folded); ``""`` lets every row through."""
        return self._needle

    def set_filter_text(self, text: str) -> None:
        """Keep the rows that contain ``text`` (as typed; folded here)."""
        needle = fold_needle(text)
        if needle == self._needle:
            return
        self.beginFilterChange()
        self._needle = needle
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def folded_text(self, source_row: int) -> str:
        """The folded text of a row of the source model (all columns)."""
        if source_row >= len(self._folded):
            self._folded.extend([None] * (source_row + 1 - len(self._folded)))
        folded = self._folded[source_row]
        if folded is None:
            model = self.sourceModel()
            role = self._text_role
            texts = (
                _text(model.index(source_row, column).data(role))
                for column in range(model.columnCount())
            )
            folded = self._folded[source_row] = fold_row(texts)
        return folded

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        if not self._needle:
            return True
        return self._needle in self.folded_text(source_row)

    # -- keeping the folded texts in step with the source ------------------------------

    def setSourceModel(self, model: QAbstractItemModel) -> None:
        old = self.sourceModel()
        if old is not None:
            for signal, slot in self._hooks(old):
                signal.disconnect(slot)
        # Connected before the proxy's own handlers, so the texts are in step
        # before the proxy tests the new or changed rows.
        if model is not None:
            for signal, slot in self._hooks(model):
                signal.connect(slot)
        self._folded = []
        super().setSourceModel(model)

    def _hooks(self, model: QAbstractItemModel) -> list[tuple[Any, Any]]:
        return [
            (model.rowsInserted, self._on_source_rows_inserted),
            (model.rowsRemoved, self._on_source_rows_removed),
            (model.dataChanged, self._on_source_data_changed),
            (model.modelReset, self._on_source_reset),
            (model.layoutChanged, self._on_source_reset),
            (model.rowsMoved, self._on_source_reset),
            (model.columnsInserted, self._on_source_reset),
            (model.columnsRemoved, self._on_source_reset),
        ]

    def _on_source_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid() and first <= len(self._folded):
            self._folded[first:first] = [None] * (last - first + 1)
        elif not parent.isValid():
            self._folded = []

    def _on_source_rows_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            del self._folded[first : last + 1]

    def _on_source_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, roles: Sequence[int] = ()
    ) -> None:
        if roles and self._text_role not in roles:
            return
        for row in range(top_left.row(), min(bottom_right.row() + 1, len(self._folded))):
            self._folded[row] = None

    def _on_source_reset(self, *_args: object) -> None:
        self._folded = []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class FoldingCompleter(QCompleter):
    """Completion that matches what is typed anywhere in a row's text, both folded.

    The model gives each row's folded text in ``fold_role`` (computed once, e.g.
    when the list is built) and the text that goes into the line edit in
    ``text_role``.
    """

    def __init__(
        self,
        model: QAbstractItemModel,
        fold_role: int,
        text_role: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(model, parent)
        self._text_role = text_role
        self.setCompletionRole(fold_role)
        self.setFilterMode(Qt.MatchFlag.MatchContains)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)  # both sides are folded

    def splitPath(self, path: str) -> list[str]:
        return [fold_needle(path)]

    def pathFromIndex(self, index: Index) -> str:
        return _text(index.data(self._text_role))
