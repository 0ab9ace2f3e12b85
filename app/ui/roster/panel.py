"""The duty roster: who is on duty now; the calendar, the coming shifts and the checks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.roster_checks import Gap, Overlap, Problem, ShortRest, Understaffed
from app.services.dto import AssignmentDTO, ShiftDTO
from app.services.roster import RosterChecks
from app.ui import labels
from app.ui.models.table import Column, DtoTableModel, format_time
from app.ui.panel import WARNING_BACKGROUND, DataPanel, make_table
from app.ui.roster.calendar import RosterCalendar, span_text
from app.ui.session import ROSTER_ENTITIES, AppSession


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
        # Compact: the roster grid below needs the height (a laptop has 768 px).
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        grid.setVerticalSpacing(2)
        # Row 0: title, leader on duty, shift end; row 1: the duty officers.
        grid.addWidget(self.title, 0, 0)
        leader = QHBoxLayout()
        leader.addWidget(QLabel(self.tr("Leader on duty:"), self))
        leader.addWidget(self.leader, 1)
        leader.addWidget(QLabel(self.tr("Shift ends:"), self))
        leader.addWidget(self.until)
        grid.addLayout(leader, 0, 1)
        grid.addWidget(QLabel(self.tr("Duty officers:"), self), 1, 0)
        grid.addWidget(self.officers, 1, 1)
        grid.addWidget(self.warning, 2, 0, 1, 2)
        grid.setColumnStretch(1, 1)
        self.warning.hide()

    def show_shift(self, shift: ShiftDTO | None) -> None:
        if shift is None:
            self.leader.setText("")
            self.officers.setText("")
            self.until.setText("")
            self.warning.setText(self.tr("Nobody is on duty now: the roster has a gap!"))
            self.warning.show()
            return
        self.leader.setText(self._with_phones(shift.leaders))
        self.officers.setText(self._with_phones(shift.officers))
        self.until.setText(format_time(shift.ends_at))
        self.warning.setText(
            self.tr("Below minimum staffing: %1").replace("%1", _shortfall_text(shift))
            if shift.shortfall
            else ""
        )
        self.warning.setVisible(bool(shift.shortfall))

    @staticmethod
    def _with_phones(people: tuple[AssignmentDTO, ...]) -> str:
        return "；".join(f"{p.name} {p.phone or ''}".strip() for p in people)


def problem_text(problem: Problem, shifts: Sequence[ShiftDTO] = ()) -> str:
    """One line of the checks list, e.g. "12月2日 08:30–12月3日 08:30 缺值班员 1人"."""

    when = span_text(problem.starts_at, problem.ends_at)
    if isinstance(problem, Understaffed):
        missing = "、".join(
            QCoreApplication.translate("RosterPanel", "%1 missing: %2")
            .replace("%1", labels.staff_role(role.value))
            .replace("%2", str(n))
            for role, n in problem.missing
        )
        return (
            QCoreApplication.translate("RosterPanel", "%1 %2")
            .replace("%1", when)
            .replace("%2", missing)
        )
    if isinstance(problem, Overlap):
        return (
            QCoreApplication.translate("RosterPanel", "%1 %2 is on two shifts at once (%3 and %4)")
            .replace("%1", when)
            .replace("%2", str(problem.person.name))
            .replace("%3", problem.first.label)
            .replace("%4", problem.second.label)
        )
    if isinstance(problem, ShortRest):
        hours = problem.rest.total_seconds() / 3600
        return (
            QCoreApplication.translate("RosterPanel", "%1 %2 rests only %3 h between %4 and %5")
            .replace("%1", when)
            .replace("%2", str(problem.person.name))
            .replace("%3", f"{hours:g}")
            .replace("%4", problem.previous.label)
            .replace("%5", problem.following.label)
        )
    if isinstance(problem, Gap):
        partly = any(
            s.starts_at < problem.ends_at and s.ends_at > problem.starts_at for s in shifts
        )
        if partly:
            return QCoreApplication.translate("RosterPanel", "%1 below minimum staffing").replace(
                "%1", when
            )
        return QCoreApplication.translate("RosterPanel", "%1 nobody on duty").replace("%1", when)
    return when


def visible_problems(checks: RosterChecks) -> list[Problem]:
    """The problems to list: a gap that is exactly an understaffed shift is said once
    (as the shift's shortfall)."""
    short = {(p.starts_at, p.ends_at) for p in checks.problems if isinstance(p, Understaffed)}
    return [
        p for p in checks.problems if not (isinstance(p, Gap) and (p.starts_at, p.ends_at) in short)
    ]


class RosterPanel(DataPanel):
    """Follows the session: roster changes from any seat, office rules, the shift change."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(session.runner, parent)
        self.setObjectName("RosterPanel")
        runner, service, now = session.runner, session.services.roster, session.clock
        self._service = service
        self._now = now
        self.card = OnDutyCard(self)
        self.model = DtoTableModel(self._shift_columns(), self)
        self.on_duty: ShiftDTO | None = None
        self.checks: RosterChecks | None = None

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("roster_tabs")
        # No taller minimum than the single table it replaced: the dock may be short.
        self.tabs.setMinimumHeight(80)
        self.calendar = RosterCalendar(
            runner,
            service,
            now,
            actor=session.user,
            site=session.site,
            policy=lambda: session.rules.roster.policy,
            parent=self.tabs,
        )
        self.calendar.changed.connect(self.refresh)
        upcoming = QWidget(self.tabs)
        self.view, _proxy = make_table(self.model, upcoming)
        self.view.setObjectName("shifts_table")
        self.view.setMinimumHeight(20)
        up_layout = QVBoxLayout(upcoming)
        up_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(self.tr("Shifts, yesterday to 7 days ahead"), upcoming)
        up_layout.addWidget(heading)
        up_layout.addWidget(self.view, 1)
        self.problems = QListWidget(self.tabs)
        self.problems.setObjectName("roster_checks")
        self.problems.setWordWrap(True)
        self.problems.setAlternatingRowColors(True)
        self.tabs.addTab(self.calendar, self.tr("Roster"))
        self.tabs.addTab(upcoming, self.tr("Coming shifts"))
        self.tabs.addTab(self.problems, self.tr("Checks"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.card)
        layout.addWidget(self.tabs, 1)

        session.reloaded.connect(self.refresh)
        session.rules_changed.connect(self._on_session_rules_changed)
        session.subscribe(ROSTER_ENTITIES, self._on_session_roster_changed, owner=self)
        # The card changes by itself at the shift change.
        self._shift_timer = QTimer(self)
        self._shift_timer.setInterval(1000)
        self._shift_timer.timeout.connect(self._on_shift_timer_timeout)
        self._shift_timer.start()

    def height_for_days(self, days: int) -> int:
        """The panel's height that shows ``days`` rows of the week grid (with the
        card, the tabs and the toolbar)."""
        grid = self.calendar.view
        table = (
            grid.horizontalHeader().sizeHint().height()
            + days * grid.verticalHeader().minimumSectionSize()
            + 2 * grid.frameWidth()
        )
        return (
            self.card.sizeHint().height()
            + self.tabs.tabBar().sizeHint().height()
            + self.calendar.toolbar.sizeHint().height()
            + table
            + 8 * 4  # margins and spacing of the panel, the tabs and the calendar
        )

    def _on_session_rules_changed(self, _rules: object) -> None:
        self.refresh()

    def _on_session_roster_changed(self, _records: list[ChangeRecord]) -> None:
        self.refresh()

    def _on_shift_timer_timeout(self) -> None:
        change = self.next_change()
        if change is not None and self._now() >= change:
            self.on_duty = None  # once per change, until the new shift is read
            self.refresh()

    def refresh(self) -> None:
        now = self._now()
        svc = self._service
        self.calendar.set_today_from_clock()
        self._fetch(lambda: svc.on_duty(now), self._apply_on_duty)
        start = now - timedelta(days=1)
        self._fetch(lambda: svc.shifts_between(start, now + timedelta(days=7)), self.model.set_rows)
        self._fetch(self.calendar.period_query(), self.calendar.apply_period)
        self._fetch(lambda: svc.staff(), self.calendar.set_staff)
        self._fetch(lambda: svc.checks(now), self._apply_checks)

    def _apply_checks(self, checks: RosterChecks) -> None:
        self.checks = checks
        self.problems.clear()
        shown = visible_problems(checks)
        for problem in shown:
            item = QListWidgetItem(problem_text(problem, checks.shifts), self.problems)
            item.setData(Qt.ItemDataRole.UserRole, problem.code)
        if not shown:
            QListWidgetItem(self.tr("No problems in the next 7 days."), self.problems)
        n = len(shown)
        title = self.tr("Checks (%1)").replace("%1", str(n)) if n else self.tr("Checks")
        self.tabs.setTabText(2, title)

    def _apply_on_duty(self, shift: ShiftDTO | None) -> None:
        self.on_duty = shift
        self.card.show_shift(shift)

    def next_change(self) -> datetime | None:
        """When the card must change by itself: the end of the current shift."""
        return self.on_duty.ends_at if self.on_duty else None

    def _shift_columns(self) -> list[Column[ShiftDTO]]:
        def warn(s: ShiftDTO) -> QColor | None:
            return WARNING_BACKGROUND if s.shortfall else None

        return [
            Column(self.tr("Starts"), lambda s: s.starts_at, background=warn),
            Column(self.tr("Ends"), lambda s: s.ends_at),
            Column(self.tr("Shift"), lambda s: s.label),
            Column(self.tr("Leader on duty"), lambda s: _people(s.leaders)),
            Column(self.tr("Duty officers"), lambda s: _people(s.officers)),
            Column(
                self.tr("Staffing"),
                lambda s: _shortfall_text(s),
                display=lambda s: _shortfall_text(s) or self.tr("Complete"),
                background=warn,
            ),
        ]
