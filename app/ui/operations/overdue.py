"""整改逾期 N in the status bar, and the list of overdue rectifications it opens.

The count is read off the GUI thread when the indicator is made, when any seat
changes a hazard site, when the session reloads, and just after midnight China
time (a deadline passes at the day change, with no change in the database).
Grey at 0, red otherwise. Clicking opens :class:`OverdueRectificationsDialog`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.clock import china_midnight
from app.domain.labels import Family
from app.services.hazard_watch import HazardWatch, OverdueRectification
from app.ui import labels
from app.ui.models.table import Column, DtoTableModel
from app.ui.session import AppSession

HAZARD_ENTITIES = frozenset({"hazard_site"})
_ZERO_STYLE = "QToolButton { color: #777; padding: 1px 8px; border: none; }"
_OVERDUE_STYLE = (
    "QToolButton { background: #b30000; color: white; font-weight: bold; padding: 1px 8px;"
    " border: none; }"
)
_RISK_COLORS = {"red": "#d7191c", "orange": "#e66101", "yellow": "#b8860b", "blue": "#2c7bb6"}
# A little after midnight, so the new day is surely the clock's.
_AFTER_MIDNIGHT = timedelta(seconds=2)


def ms_to_next_day(session: AppSession) -> int:
    """Milliseconds from now (the session's clock) to just after the next China midnight."""
    now = session.now()
    next_day = china_midnight(session.today() + timedelta(days=1)) + _AFTER_MIDNIGHT
    return max(1000, int((next_day - now).total_seconds() * 1000))


class OverdueIndicator(QToolButton):
    """整改逾期 N: the overdue rectifications now; a click lists them."""

    count_changed = Signal(int)
    selected = Signal(str, uuid.UUID)  # a row of the opened list was double-clicked

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_overdue_rectifications")
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._session = session
        self._watch = HazardWatch(session.db)
        self.count = 0
        self._day_timer = QTimer(self)
        self._day_timer.setSingleShot(True)
        self._day_timer.timeout.connect(self._on_day_changed)
        self.clicked.connect(self.open_list)
        session.subscribe(HAZARD_ENTITIES, self._on_hazards_changed, owner=self)
        session.reloaded.connect(self.refresh)
        self._show(0)
        self.refresh()

    def refresh(self) -> None:
        """Read the count again (off the GUI thread), for today in China."""
        watch, today = self._watch, self._session.today()
        self._session.runner.submit(
            lambda: watch.overdue_count(today),
            on_done=self._on_counted,
            on_error=self._session.report_failure,
            owner=self,
            latest="count",
        )
        self._day_timer.start(ms_to_next_day(self._session))

    def _on_hazards_changed(self, _records: list[ChangeRecord]) -> None:
        self.refresh()

    def _on_day_changed(self) -> None:
        self.refresh()

    def _on_counted(self, count: int) -> None:
        changed = count != self.count
        self._show(count)
        if changed:
            self.count_changed.emit(count)

    def _show(self, count: int) -> None:
        self.count = count
        self.setText(self.tr("Overdue rectifications %1").replace("%1", str(count)))
        self.setStyleSheet(_OVERDUE_STYLE if count else _ZERO_STYLE)
        self.setToolTip(
            self.tr("Hazard rectifications past their deadline: click to list them.")
            if count
            else self.tr("No hazard rectification is past its deadline.")
        )

    def open_list(self) -> OverdueRectificationsDialog:
        dialog = OverdueRectificationsDialog(self._session, self.window())
        dialog.selected.connect(self.selected)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog


class OverdueRectificationsDialog(QDialog):
    """The overdue rectifications, most days overdue first; follows changes live."""

    selected = Signal(str, uuid.UUID)  # "hazards", id: a row was double-clicked

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OverdueRectificationsDialog")
        self.setWindowTitle(self.tr("Overdue rectifications"))
        self._session = session
        self._watch = HazardWatch(session.db)
        self.heading = QLabel(self)
        self.heading.setObjectName("overdue_heading")
        self.model: DtoTableModel[OverdueRectification] = DtoTableModel(
            [
                Column(self.tr("Hazard site"), lambda o: o.name),
                Column(self.tr("Type"), lambda o: labels.hazard_type(o.hazard_type)),
                Column(
                    self.tr("Risk"),
                    lambda o: labels.risk_level(o.risk_level),
                    foreground=lambda o: QColor(_RISK_COLORS.get(o.risk_level, "#000")),
                ),
                Column(self.tr("Township"), lambda o: o.township or ""),
                Column(self.tr("Deadline"), lambda o: o.deadline),
                Column(
                    self.tr("Days overdue"),
                    lambda o: o.days_overdue,
                    align_right=True,
                    foreground=lambda o: QColor("#b30000"),
                ),
                Column(
                    self.tr("Rectification"),
                    lambda o: (
                        labels.label(Family.RECTIFICATION, o.state)
                        if o.state
                        else self.tr("not recorded")
                    ),
                ),
                Column(
                    self.tr("Supervision"),
                    lambda o: labels.label(Family.SUPERVISION, o.supervision),
                ),
                Column(self.tr("Responsible unit"), lambda o: o.responsible_unit or ""),
                Column(
                    self.tr("Contact"),
                    lambda o: " ".join(x for x in (o.contact_name, o.contact_phone) if x),
                ),
            ],
            self,
        )
        self.table = QTableView(self)
        self.table.setObjectName("overdue_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.setMinimumSize(900, 420)
        self.table.doubleClicked.connect(self._on_row_double_clicked)
        session.subscribe(HAZARD_ENTITIES, self._on_hazards_changed, owner=self)
        self.reload()

    def reload(self) -> None:
        watch, today = self._watch, self._session.today()
        self._session.runner.submit(
            lambda: watch.overdue(today),
            on_done=self._on_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="overdue",
        )

    def _on_hazards_changed(self, _records: list[ChangeRecord]) -> None:
        self.reload()

    def _on_read(self, rows: list[OverdueRectification]) -> None:
        self.model.set_rows(rows)
        self.heading.setText(
            self.tr("%1 rectifications past their deadline (today %2, China time).")
            .replace("%1", str(len(rows)))
            .replace("%2", self._session.today().isoformat())
        )

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.selected.emit("hazards", self.model.row_at(index.row()).id)
