"""The filter bar of the incident list; emits the query it describes."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta
from typing import cast

from PySide6.QtCore import QDate, QSignalBlocker, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import CHINA_TZ
from app.domain.enums import IncidentCategory, IncidentStatus, Severity
from app.services.incident_search import IncidentQuery
from app.ui import labels
from app.ui.forms import index_of_data

DEBOUNCE_MS = 300
_NO_DATE = QDate(2000, 1, 1)  # the minimum of the date boxes: "no limit"


class _MultiSelect(QToolButton):
    """A button with a menu of checkable codes; none checked means any."""

    changed = Signal()

    def __init__(
        self, title: str, codes: Sequence[str], label: Callable[[str], str], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._title = title
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self)
        self.actions_by_code: dict[str, QAction] = {}
        for code in codes:
            action = menu.addAction(label(code))
            action.setCheckable(True)
            action.toggled.connect(self._on_toggled)
            self.actions_by_code[code] = action
        self.setMenu(menu)
        self._update_text()

    def selected(self) -> frozenset[str]:
        return frozenset(c for c, a in self.actions_by_code.items() if a.isChecked())

    def set_selected(self, codes: frozenset[str]) -> None:
        for code, action in self.actions_by_code.items():
            with QSignalBlocker(action):
                action.setChecked(code in codes)
        self._update_text()

    def _on_toggled(self, _checked: bool) -> None:
        self._update_text()
        self.changed.emit()

    def _update_text(self) -> None:
        n = len(self.selected())
        self.setText(self._title if n == 0 else f"{self._title} ({n})")


class IncidentFilterBar(QWidget):
    query_changed = Signal(object)  # IncidentQuery

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentFilterBar")
        self.statuses = _MultiSelect(
            self.tr("Status"), [s.value for s in IncidentStatus], labels.incident_status, self
        )
        self.categories = _MultiSelect(
            self.tr("Category"),
            [c.value for c in IncidentCategory],
            labels.incident_category,
            self,
        )
        self.severities = _MultiSelect(
            self.tr("Severity"), [s.value for s in Severity], labels.severity, self
        )
        self.township = QComboBox(self)
        self.township.addItem(self.tr("All townships"), None)
        self.date_from = self._date_box()
        self.date_to = self._date_box()
        self.drill = QComboBox(self)
        self.drill.addItem(self.tr("All"), None)
        self.drill.addItem(self.tr("Real"), False)
        self.drill.addItem(self.tr("Drill"), True)
        self.search = QLineEdit(self)
        self.search.setObjectName("incident_search")
        self.search.setPlaceholderText(self.tr("Search titles and logs…"))
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit)

        # Two rows, so the incident dock stays usable beside the map on a laptop.
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        first = QHBoxLayout()
        layout.addLayout(first)
        first.addWidget(self.search, 1)
        first.addWidget(self.drill)
        # The second row can fold away on a short screen; the button says so.
        self.more_button = QToolButton(self)
        self.more_button.setObjectName("incident_filters_toggle")
        self.more_button.setText(self.tr("Filters"))
        self.more_button.setCheckable(True)
        self.more_button.setChecked(True)
        self.more_button.toggled.connect(self.set_expanded)
        first.addWidget(self.more_button)
        for w in (self.statuses, self.categories, self.severities, self.township):
            w.setSizePolicy(QSizePolicy.Policy.Ignored, w.sizePolicy().verticalPolicy())
        self.second_row = QWidget(self)
        second = QHBoxLayout(self.second_row)
        second.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.second_row)
        for w in (self.statuses, self.categories, self.severities, self.township):
            second.addWidget(w, 1)
        second.addWidget(QLabel(self.tr("From"), self))
        second.addWidget(self.date_from)
        second.addWidget(QLabel(self.tr("To"), self))
        second.addWidget(self.date_to)

        for multi in (self.statuses, self.categories, self.severities):
            multi.changed.connect(self._emit)
        self.township.currentIndexChanged.connect(self._emit)
        self.drill.currentIndexChanged.connect(self._emit)
        self.date_from.dateChanged.connect(self._emit)
        self.date_to.dateChanged.connect(self._emit)
        self.search.textChanged.connect(self._debounce.start)
        self._last: IncidentQuery | None = None

    def set_expanded(self, expanded: bool) -> None:
        """Show or fold the second row (status, category, level, township, dates)."""
        self.second_row.setVisible(expanded)
        if self.more_button.isChecked() != expanded:
            self.more_button.setChecked(expanded)

    def _date_box(self) -> QDateEdit:
        box = QDateEdit(self)
        box.setCalendarPopup(True)
        box.setDisplayFormat("yyyy-MM-dd")
        box.setMinimumDate(_NO_DATE)
        box.setSpecialValueText(self.tr("Any"))
        box.setDate(_NO_DATE)
        return box

    def set_townships(self, townships: Sequence[tuple[uuid.UUID, str]]) -> None:
        """The township choices (loaded by the caller in the background)."""
        current = self.township.currentData()
        with QSignalBlocker(self.township):
            while self.township.count() > 1:
                self.township.removeItem(1)
            for township_id, name in townships:
                self.township.addItem(name, township_id)
            at = index_of_data(self.township, current) if current is not None else 0
            self.township.setCurrentIndex(max(at, 0))

    def query(self) -> IncidentQuery:
        """The query the bar shows now (the search text without waiting)."""
        township = self.township.currentData()
        return IncidentQuery(
            statuses=self.statuses.selected(),
            categories=self.categories.selected(),
            severities=self.severities.selected(),
            township_ids=frozenset({township}) if isinstance(township, uuid.UUID) else frozenset(),
            received_from=self._day_start(self.date_from.date(), 0),
            received_to=self._day_start(self.date_to.date(), 1),
            drill=self.drill.currentData(),
            text=self.search.text(),
        )

    @staticmethod
    def _day_start(day: QDate, plus_days: int) -> datetime | None:
        """Midnight China Standard Time of ``day`` (+ days); the "to" day is included."""
        if day == _NO_DATE:
            return None
        # QDate.toPython() returns a date; its stub says object.
        local = datetime.combine(cast(date, day.toPython()), time(0), tzinfo=CHINA_TZ)
        return local + timedelta(days=plus_days)

    def _emit(self) -> None:
        self._debounce.stop()
        query = self.query()
        if query != self._last:
            self._last = query
            self.query_changed.emit(query)
