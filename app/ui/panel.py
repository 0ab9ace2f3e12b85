"""Shared behaviour of the data panels: load in the background, say when loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractProxyModel, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from app.ui.models.folding import FoldingFilterProxyModel
from app.ui.models.table import SORT_ROLE
from app.ui.tasks import TaskRunner

RISK_COLORS = {
    "red": QColor("#d7191c"),
    "orange": QColor("#e66101"),
    "yellow": QColor("#b8860b"),
    "blue": QColor("#2b83ba"),
}
SEVERITY_COLORS = {
    "I": QColor("#b30000"),
    "II": QColor("#e34a33"),
    "III": QColor("#d08c00"),
    "IV": QColor("#2b83ba"),
}
WARNING_BACKGROUND = QColor("#fde0dd")
DRILL_BACKGROUND = QColor("#e8e4f3")


class DataPanel(QWidget):
    """A panel whose content comes from one or more background queries."""

    loaded = Signal()
    load_failed = Signal(object)  # the exception

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.has_loaded = False
        self._inflight = 0

    def refresh(self) -> None:
        raise NotImplementedError

    def _fetch(self, query: Callable[[], Any], apply: Callable[[Any], None]) -> None:
        """Run ``query`` off the GUI thread and ``apply`` its result on it."""
        self._inflight += 1

        def done(result: Any) -> None:
            apply(result)
            self._settle()

        def failed(exc: BaseException) -> None:
            self._inflight -= 1
            self.load_failed.emit(exc)

        self._runner.submit(query, on_done=done, on_error=failed)

    def _settle(self) -> None:
        self._inflight -= 1
        if self._inflight == 0:
            self.has_loaded = True
            self.loaded.emit()


def make_table(
    model: Any, parent: QWidget | None = None, proxy: QAbstractProxyModel | None = None
) -> tuple[QTableView, Any]:
    """A read-only table on ``model`` through ``proxy`` (by default a
    :class:`FoldingFilterProxyModel`, which sorts and filters the rows in memory,
    full-width/half-width and case folded; pass another when the database does that)."""
    if proxy is None:
        sorting = FoldingFilterProxyModel(parent)
        sorting.setSortRole(SORT_ROLE)
        proxy = sorting
    proxy.setSourceModel(model)
    view = QTableView(parent)
    view.setModel(proxy)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    # Rows come sorted from the services; the proxy sorts only when a header is
    # clicked (sorting tens of thousands of rows through Python data() is slow).
    header.setSortIndicatorShown(True)
    header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    # Size columns from a sample of rows (the vertical header sets how many).
    view.verticalHeader().setResizeContentsPrecision(100)
    header.setResizeContentsPrecision(100)
    model.modelReset.connect(lambda: fit_columns_once(view, model))
    return view, proxy


MAX_COLUMN_WIDTH = 280


class _FitWhenShown(QObject):
    """Fits a hidden table's columns the first time it is shown (a hidden view
    measures every row, not a sample)."""

    def __init__(self, view: QTableView, model: Any) -> None:
        super().__init__(view)
        self._view = view
        self._model = model
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            self._view.removeEventFilter(self)
            self.deleteLater()
            fit_columns_once(self._view, self._model)
        return False


def fit_columns_once(view: QTableView, model: Any) -> None:
    """Size columns to their first content (sampling 100 rows), capped; the user's
    widths are kept after that."""
    if view.property("xcc_fitted") or model.rowCount() == 0:
        return
    if not view.isVisible():
        if not view.property("xcc_fit_pending"):
            view.setProperty("xcc_fit_pending", True)
            _FitWhenShown(view, model)
        return
    view.setProperty("xcc_fitted", True)
    view.resizeColumnsToContents()
    header = view.horizontalHeader()
    for col in range(header.count()):
        if header.sectionSize(col) > MAX_COLUMN_WIDTH:
            header.resizeSection(col, MAX_COLUMN_WIDTH)
