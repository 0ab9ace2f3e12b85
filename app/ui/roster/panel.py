"""The duty roster: who is on duty now, and the week's shifts with gaps marked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from app.services.dto import AssignmentDTO, ShiftDTO
from app.services.roster import RosterService
from app.ui import labels
from app.ui.models.table import Column, DtoTableModel, format_time
from app.ui.panel import WARNING_BACKGROUND, DataPanel, make_table
from app.ui.tasks import TaskRunner


def _people(people: tuple[AssignmentDTO, ...]) -> str:
    return "、".join(p.name for p in people)


def _shortfall_text(shift: ShiftDTO) -> str:
    parts = [
        QCoreApplication.translate("RosterPanel", "%1 short by %2")
        .replace("%1", labels.staff_role(role))
        .replace("%2", str(n))
        for role, n in sorted(shift.shortfall.items())
    ]
    return "; ".join(parts)


class OnDutyCard(QFrame):
    """Leader, officers and phones of the shift on duty now, and when it ends."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OnDutyCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self.tr("On duty now"), self)
        font = QFont(self.title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.leader = QLabel(self)
        self.officers = QLabel(self)
        self.until = QLabel(self)
        self.warning = QLabel(self)
        self.warning.setStyleSheet("color: #b30000; font-weight: bold;")
        for label in (self.leader, self.officers, self.until, self.warning):
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid = QGridLayout(self)
        grid.addWidget(self.title, 0, 0, 1, 2)
        grid.addWidget(QLabel(self.tr("Leader on duty:"), self), 1, 0)
        grid.addWidget(self.leader, 1, 1)
        grid.addWidget(QLabel(self.tr("Duty officers:"), self), 2, 0)
        grid.addWidget(self.officers, 2, 1)
        grid.addWidget(QLabel(self.tr("Shift ends:"), self), 3, 0)
        grid.addWidget(self.until, 3, 1)
        grid.addWidget(self.warning, 4, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def show_shift(self, shift: ShiftDTO | None) -> None:
        if shift is None:
            self.leader.setText("")
            self.officers.setText("")
            self.until.setText("")
            self.warning.setText(self.tr("Nobody is on duty now: the roster has a gap!"))
            return
        self.leader.setText(self._with_phones(shift.leaders))
        self.officers.setText(self._with_phones(shift.officers))
        self.until.setText(format_time(shift.ends_at))
        self.warning.setText(
            self.tr("Below minimum staffing: %1").replace("%1", _shortfall_text(shift))
            if shift.shortfall
            else ""
        )

    @staticmethod
    def _with_phones(people: tuple[AssignmentDTO, ...]) -> str:
        return "\n".join(f"{p.name}  {p.phone or ''}".strip() for p in people)


class RosterPanel(DataPanel):
    def __init__(
        self,
        runner: TaskRunner,
        service: RosterService,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("RosterPanel")
        self._service = service
        self._now = now
        self.card = OnDutyCard(self)
        self.model = DtoTableModel(self._shift_columns(), self)
        self.view, _proxy = make_table(self.model, self)
        self.view.setObjectName("shifts_table")
        self.on_duty: ShiftDTO | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.card)
        heading = QLabel(self.tr("Shifts, yesterday to 7 days ahead"), self)
        layout.addWidget(heading)
        layout.addWidget(self.view, 1)

    def refresh(self) -> None:
        now = self._now()
        svc = self._service
        self._fetch(lambda: svc.on_duty(now), self._apply_on_duty)
        start = now - timedelta(days=1)
        self._fetch(lambda: svc.shifts_between(start, now + timedelta(days=7)), self.model.set_rows)

    def _apply_on_duty(self, shift: ShiftDTO | None) -> None:
        self.on_duty = shift
        self.card.show_shift(shift)

    def next_change(self) -> datetime | None:
        """When the card must change by itself: the end of the current shift."""
        return self.on_duty.ends_at if self.on_duty else None

    def _shift_columns(self) -> list[Column[ShiftDTO]]:
        def warn(s: ShiftDTO) -> object:
            return WARNING_BACKGROUND if s.shortfall else None

        return [
            Column(self.tr("Starts"), lambda s: s.starts_at, background=warn),  # type: ignore[arg-type]
            Column(self.tr("Ends"), lambda s: s.ends_at),
            Column(self.tr("Shift"), lambda s: s.label),
            Column(self.tr("Leader on duty"), lambda s: _people(s.leaders)),
            Column(self.tr("Duty officers"), lambda s: _people(s.officers)),
            Column(
                self.tr("Staffing"),
                lambda s: _shortfall_text(s),
                display=lambda s: _shortfall_text(s) or self.tr("Complete"),
                background=warn,  # type: ignore[arg-type]
            ),
        ]
