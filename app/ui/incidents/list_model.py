"""The incident list as a lazily fetched table model.

Pages of ``IncidentSearch`` (200 rows) are loaded on the TaskRunner's pool as
the view scrolls (``canFetchMore`` / ``fetchMore``); never on the GUI thread.
``set_query`` starts over; answers for an older query are dropped.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QObject, Qt, Signal

from app.services.dto import IncidentDTO
from app.services.incident_search import (
    PAGE_SIZE,
    IncidentQuery,
    IncidentSearch,
    PageCursor,
    SortColumn,
)
from app.ui import labels
from app.ui.models.table import Column, DtoTableModel, Index
from app.ui.panel import DRILL_BACKGROUND, SEVERITY_COLORS
from app.ui.tasks import TaskRunner

# Column number -> server-side order (the columns the service can sort by).
_SORTS = {
    0: SortColumn.RECEIVED,
    1: SortColumn.TITLE,
    2: SortColumn.CATEGORY,
    3: SortColumn.SEVERITY,
    4: SortColumn.STATUS,
    5: SortColumn.TOWNSHIP,
}


class LazyIncidentModel(DtoTableModel[IncidentDTO]):
    count_changed = Signal(int)  # incidents matching the query (loaded beside the first page)
    loading_changed = Signal(bool)
    page_loaded = Signal(int)  # rows added
    failed = Signal(object)  # the exception of a page or count that failed

    def __init__(
        self,
        runner: TaskRunner,
        search: IncidentSearch,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__([], parent)
        self._columns = incident_columns()
        self._runner = runner
        self._search = search
        self._page_size = page_size
        self._query = IncidentQuery()
        self._cursor: PageCursor | None = None
        self._exhausted = True
        self._loading = False
        self._total: int | None = None

    # -- public ---------------------------------------------------------------

    @property
    def query(self) -> IncidentQuery:
        return self._query

    @property
    def total(self) -> int | None:
        """How many incidents match (None until counted)."""
        return self._total

    @property
    def loading(self) -> bool:
        return self._loading

    def set_query(self, query: IncidentQuery) -> None:
        """Show ``query``: the rows go, the first page and the count load in the background."""
        self._query = query
        self.beginResetModel()
        self._rows = []
        self._index = None
        self._cursor = None
        self._exhausted = False
        self._total = None
        self.endResetModel()
        # A newer query's answers supersede an older one's (latest=...).
        self._runner.submit(
            lambda: self._search.count(query),
            on_done=self._on_count,
            on_error=self._on_error,
            latest="count",
        )
        self._set_loading(False)
        self._load_page()

    def refresh(self) -> None:
        self.set_query(self._query)

    # -- Qt -------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._load_page()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        sort = _SORTS.get(column)
        if sort is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if sort is self._query.sort and descending == self._query.descending:
            return
        self.set_query(replace(self._query, sort=sort, descending=descending))

    # -- loading --------------------------------------------------------------

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _load_page(self) -> None:
        query, cursor, size = (
            self._query,
            self._cursor,
            self._page_size,
        )
        self._set_loading(True)
        self._runner.submit(
            lambda: self._search.page(query, cursor, size),
            on_done=self._on_page,
            on_error=self._on_error,
            latest="page",
        )

    def _on_page(self, result: tuple[list[IncidentDTO], PageCursor | None]) -> None:
        rows, cursor = result
        self._cursor = cursor
        self._exhausted = cursor is None
        known = self._ids()
        new = [r for r in rows if r.id not in known]
        if new:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            self._rows.extend(new)
            for offset, row in enumerate(new):
                known[row.id] = start + offset
            self.endInsertRows()
        self._set_loading(False)
        self.page_loaded.emit(len(new))

    def _on_count(self, total: int) -> None:
        self._total = total
        self.count_changed.emit(total)

    def _on_error(self, exc: BaseException) -> None:
        self._exhausted = True  # no retry loop from the view; refresh() tries again
        self._set_loading(False)
        self.failed.emit(exc)


def incident_columns() -> list[Column[IncidentDTO]]:
    """The incident list's columns (this model's, and the short list's without search)."""

    def drill_bg(i: IncidentDTO) -> Any:
        return DRILL_BACKGROUND if i.is_drill else None

    def title(incident: IncidentDTO) -> str:
        """A drill is marked in every list, whatever its title says."""
        mark = QCoreApplication.translate("LazyIncidentModel", "[DRILL] ")
        if incident.is_drill and not incident.title.startswith(mark.strip()):
            return mark + incident.title
        return incident.title

    return [
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Received"),
            lambda i: i.received_at,
            background=drill_bg,
        ),
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Title"),
            lambda i: i.title,
            display=title,
            background=drill_bg,
        ),
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Category"),
            lambda i: labels.incident_category(i.category),
        ),
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Severity"),
            lambda i: i.severity,
            display=lambda i: labels.severity(i.severity),
            foreground=lambda i: SEVERITY_COLORS.get(i.severity),
        ),
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Status"),
            lambda i: labels.incident_status(i.status),
        ),
        Column(QCoreApplication.translate("LazyIncidentModel", "Township"), lambda i: i.township),
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Source"),
            lambda i: labels.incident_source(i.source),
        ),
        Column(
            QCoreApplication.translate("LazyIncidentModel", "Log entries"),
            lambda i: i.log_count,
            align_right=True,
        ),
    ]
