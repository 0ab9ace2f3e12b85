"""Actions on the selected incident: status steps, log entries, reports upward.

A strip under the incident list. It offers only the steps the flow allows from
the incident's current status (``INCIDENT_TRANSITIONS``); entering 响应 asks
for the response level and plan first. Steps that cannot be undone (结束, and
启动响应 with its level) are confirmed first, naming the incident. Every write
runs on the task runner with the version of the incident the officer sees, so
a step based on a stale copy is refused (ConflictError) and the list reloads;
the refreshed incident then tells whether the step was already taken (a
second click, or another seat) or something else changed. A refused write
keeps everything that was typed; a successful one clears it and emits
``changed``.

The report kind offered follows the incident (初报 until one is made, then
续报, 核报 once closed) unless the officer picks another for this incident. A
续报 before any 初报, and any report on a drill, is confirmed first.

The deadlines line shows the next report the incident owes and how long is
left (or how late it is), read again after every write and every 30 seconds
off the GUI thread.

Questions go through :func:`confirm` (one place, replaced in tests).

For a natural disaster, 统计更新… opens the figures of 自然灾害情况统计 (prefilled
with the current ones, read off the GUI thread) with 基本生活救助已到位.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import ConflictError, classify
from app.domain.deadlines import Deadline, DeadlineState, ReportingRules, ReportKind
from app.domain.enums import IncidentCategory, IncidentStatus, LogEntryKind
from app.domain.labels import RESPONSE_LEVEL_CODES
from app.domain.rules import INCIDENT_TRANSITIONS, RuleViolation
from app.services.disaster_stats import DisasterStats, Figures
from app.services.dto import IncidentDTO
from app.services.incident_workflow import MAX_PLAN, IncidentWorkflow, ReportingState
from app.ui import labels
from app.ui.incidents.stats_dialog import StatsUpdateDialog, failure_text
from app.ui.messages import problem_text, unexpected_text
from app.ui.models.table import format_time
from app.ui.questions import ask_yes_no
from app.ui.tasks import TaskRunner

DEADLINE_REFRESH_MS = 30_000

# The order of the step buttons (the order of the flow).
STEP_ORDER: tuple[IncidentStatus, ...] = (
    IncidentStatus.VERIFIED,
    IncidentStatus.REPORTED,
    IncidentStatus.RESPONDING,
    IncidentStatus.HANDLING,
    IncidentStatus.CLOSED,
)
ENTRY_KINDS: tuple[LogEntryKind, ...] = (
    LogEntryKind.NOTE,
    LogEntryKind.CALL,
    LogEntryKind.INSTRUCTION,
    LogEntryKind.DISPATCH,
    LogEntryKind.STATISTICS,
    LogEntryKind.ATTACHMENT,
)
STATE_COLORS = {
    DeadlineState.OVERDUE: "#b30000",
    DeadlineState.WARNING: "#d95f02",
}

# What each rule of the workflow says, for the banner. QT_TRANSLATE_NOOP marks
# the texts for lupdate (its stub is typed as returning object).
RULE_TEXTS: dict[str, object] = {
    "incident.transition": QT_TRANSLATE_NOOP(
        "IncidentActions", "The handling flow does not allow this step from the current status."
    ),
    "incident.response_level_required": QT_TRANSLATE_NOOP(
        "IncidentActions", "Starting a response needs a response level."
    ),
    "incident.response_level_unknown": QT_TRANSLATE_NOOP(
        "IncidentActions", "The response level must be level I to level IV."
    ),
    "incident.plan_required": QT_TRANSLATE_NOOP(
        "IncidentActions", "Starting a response needs the name of the emergency plan."
    ),
    "incident.plan_too_long": QT_TRANSLATE_NOOP(
        "IncidentActions", "The plan name is too long (at most 200 characters)."
    ),
    "incident.response_level_unexpected": QT_TRANSLATE_NOOP(
        "IncidentActions", "A response level is only given when starting a response."
    ),
    "incident.unknown": QT_TRANSLATE_NOOP("IncidentActions", "This incident no longer exists."),
    "log.body_required": QT_TRANSLATE_NOOP("IncidentActions", "The entry needs some text."),
    "log.kind_reserved": QT_TRANSLATE_NOOP(
        "IncidentActions", "Status changes and reports have their own buttons."
    ),
    "log.corrects_unknown": QT_TRANSLATE_NOOP(
        "IncidentActions", "The entry to correct does not belong to this incident."
    ),
    "time.naive": QT_TRANSLATE_NOOP("IncidentActions", "The time has no time zone."),
    "time.future": QT_TRANSLATE_NOOP("IncidentActions", "The time lies in the future."),
    "time.before_received": QT_TRANSLATE_NOOP(
        "IncidentActions", "The time lies before the incident was received."
    ),
}


def _t(text: str) -> str:
    return QCoreApplication.translate("IncidentActions", text)


def confirm(parent: QWidget | None, title: str, text: str) -> bool:
    """Ask a yes/no question before a step; No is the default, so a stray
    Enter does not say yes. Every question of the incident actions and the
    report dialog comes through here."""
    return ask_yes_no(parent, title, text)


def report_questions(
    kind: ReportKind, state: ReportingState, title: str, *, text_marked: bool = True
) -> list[str]:
    """What to ask before recording a report of ``kind`` (nothing when it is
    the expected one). ``text_marked`` is False when a drill's report text has
    lost its drill mark."""
    questions: list[str] = []
    if kind is ReportKind.FOLLOW_UP and not state.initial_made:
        questions.append(
            QCoreApplication.translate(
                "IncidentActions",
                "No first report has been made for this incident yet. "
                "Record a follow-up report anyway?",
            )
        )
    if state.is_drill:
        question = (
            QCoreApplication.translate(
                "IncidentActions", "“%1” is a drill, not a real incident. Record this %2 for it?"
            )
            .replace("%1", title)
            .replace("%2", labels.report_kind(kind.value))
        )
        if not text_marked:
            question += "\n" + QCoreApplication.translate(
                "IncidentActions",
                "The report text has no drill mark (【演练】): "
                "it could be taken for a real incident.",
            )
        questions.append(question)
    return questions


def step_conflict_text(target: IncidentStatus, current: IncidentStatus, otherwise: str) -> str:
    """Why a step was refused, from the incident as it is now: already taken,
    no longer possible, or else ``otherwise``."""
    step = labels.incident_status(target.value)
    now = labels.incident_status(current.value)
    if current is target:
        return QCoreApplication.translate(
            "IncidentActions", "The incident is already at “%1”; there is nothing to do again."
        ).replace("%1", step)
    if current is IncidentStatus.CLOSED:
        return QCoreApplication.translate(
            "IncidentActions", "The incident has already been closed; “%1” is no longer possible."
        ).replace("%1", step)
    if (
        target in STEP_ORDER
        and current in STEP_ORDER
        and STEP_ORDER.index(current) > STEP_ORDER.index(target)
    ):
        return (
            QCoreApplication.translate(
                "IncidentActions",
                "The incident is already at “%2”, past “%1”; there is nothing to do.",
            )
            .replace("%1", step)
            .replace("%2", now)
        )
    return otherwise


def rule_text(exc: RuleViolation) -> str:
    """The rule a refused request broke, in the user's language."""
    text = RULE_TEXTS.get(exc.code)
    if text is None:
        return QCoreApplication.translate(
            "IncidentActions", "Not allowed by the rules: %1"
        ).replace("%1", exc.code)
    return _t(str(text))


def duration_text(delta: timedelta) -> str:
    """A span of time in words, to the minute: 23 分钟, 2 小时 5 分钟, 3 天 4 小时.

    A part of a minute counts as a minute: "overdue by 0 minutes" would read as
    not overdue at all.
    """
    minutes = max(0, math.ceil(delta.total_seconds() / 60))
    if minutes < 60:
        return QCoreApplication.translate("IncidentActions", "%1 min").replace("%1", str(minutes))
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return (
            QCoreApplication.translate("IncidentActions", "%1 h %2 min")
            .replace("%1", str(hours))
            .replace("%2", str(minutes))
        )
    days, hours = divmod(hours, 24)
    return (
        QCoreApplication.translate("IncidentActions", "%1 d %2 h")
        .replace("%1", str(days))
        .replace("%2", str(hours))
    )


def next_deadline(found: list[Deadline]) -> Deadline | None:
    """The report owed next: the earliest one not yet made."""
    open_ = [d for d in found if not d.done]
    return min(open_, key=lambda d: d.due_at) if open_ else None


class ResponseDialog(QDialog):
    """Response level and plan, both required, asked before entering 响应."""

    def __init__(
        self, level: str | None, plan: str, parent: QWidget | None = None, *, title: str = ""
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ResponseDialog")
        self._title = title
        self.setWindowTitle(self.tr("Start response"))
        self.level = QComboBox(self)
        self.level.setObjectName("response_level")
        self.level.addItem(self.tr("(choose a level)"), None)
        for code in RESPONSE_LEVEL_CODES:  # the highest first
            self.level.addItem(labels.response_level(code), code)
        if level is not None:
            self.level.setCurrentIndex(max(0, self.level.findData(level)))
        self.plan = QLineEdit(plan, self)
        self.plan.setObjectName("response_plan")
        self.plan.setMaxLength(MAX_PLAN)
        self.plan.setPlaceholderText(self.tr("e.g. county flood control plan"))
        self.error = QLabel(self)
        self.error.setObjectName("response_error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b30000; font-weight: bold;")
        self.error.hide()
        form = QFormLayout()
        form.addRow(self.tr("Response level"), self.level)
        form.addRow(self.tr("Emergency plan"), self.plan)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Start response"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self._on_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(420, self.sizeHint().height())

    def chosen_level(self) -> str | None:
        data = self.level.currentData()
        return str(data) if data is not None else None

    def _on_accepted(self) -> None:
        if self.chosen_level() is None:
            self._refuse(RuleViolation("incident.response_level_required"))
            self.level.setFocus()
        elif not self.plan.text().strip():
            self._refuse(RuleViolation("incident.plan_required"))
            self.plan.setFocus()
        elif self._confirmed():
            self.accept()

    def _confirmed(self) -> bool:
        """A response once started cannot be taken back: say which, for what."""
        level = labels.response_level(self.chosen_level() or "")
        text = (
            self.tr("Start a %1 for “%2” under %3? A response once started cannot be undone.")
            .replace("%1", level)
            .replace("%2", self._title)
            .replace("%3", self.plan.text().strip())
        )
        return confirm(self, self.tr("Start response"), text)

    def _refuse(self, exc: RuleViolation) -> None:
        self.error.setText(rule_text(exc))
        self.error.show()


class IncidentActions(QWidget):
    """Status steps, log entries and reports for one incident at a time."""

    changed = Signal(uuid.UUID)  # a write succeeded
    stale = Signal(uuid.UUID)  # someone else changed the incident first: reload it

    def __init__(
        self,
        runner: TaskRunner,
        workflow: IncidentWorkflow,
        actor: str,
        site: str,
        clock: Callable[[], datetime],
        where: str = "",
        parent: QWidget | None = None,
        *,
        stats: DisasterStats | None = None,
        rules: Callable[[], ReportingRules] = ReportingRules,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentActions")
        self._stats = stats
        self.stats_dialog: StatsUpdateDialog | None = None
        self._runner = runner
        self._workflow = workflow
        self._actor = actor
        self._site = site
        self._clock = clock
        self._where = where
        # The office's reporting deadlines as they are now (they can change while open).
        self._rules = rules
        self.incident: IncidentDTO | None = None
        self.selected_entry: uuid.UUID | None = None
        self._busy = False
        self.response_dialog: ResponseDialog | None = None
        # Level and plan typed into the response dialog, kept until a response starts.
        self._level: str | None = None
        self._plan = ""
        # What the incident has reported so far (None until read), and whether
        # the officer picked the report kind for this incident by hand.
        self.reporting: ReportingState | None = None
        self._kind_chosen = False

        self._steps_label = QLabel(self.tr("Next step:"), self)
        self.step_buttons: dict[IncidentStatus, QPushButton] = {}
        steps = QHBoxLayout()
        steps.setContentsMargins(0, 0, 0, 0)
        steps.addWidget(self._steps_label)
        for target in STEP_ORDER:
            button = QPushButton(self._step_text(target), self)
            button.setObjectName(f"step_{target.value}")
            button.clicked.connect(lambda _=False, t=target: self.request_transition(t))
            button.hide()
            steps.addWidget(button)
            self.step_buttons[target] = button
        self._no_steps = QLabel(self.tr("(no further steps)"), self)
        self._no_steps.hide()
        steps.addWidget(self._no_steps)
        steps.addStretch(1)
        self.stats_button = QPushButton(self.tr("Update statistics…"), self)
        self.stats_button.setObjectName("update_statistics")
        self.stats_button.setToolTip(
            self.tr("Figures of the natural-disaster statistics, and basic living assistance")
        )
        self.stats_button.clicked.connect(self.open_stats_dialog)
        self.stats_button.hide()
        steps.addWidget(self.stats_button)
        self.deadline_label = QLabel(self)
        self.deadline_label.setObjectName("deadline_label")
        self.deadline_label.setTextFormat(Qt.TextFormat.PlainText)
        steps.addWidget(self.deadline_label)

        self.entry_kind = QComboBox(self)
        self.entry_kind.setObjectName("entry_kind")
        for kind in ENTRY_KINDS:
            self.entry_kind.addItem(labels.log_kind(kind.value), kind.value)
        self.entry_text = QLineEdit(self)
        self.entry_text.setObjectName("entry_text")
        self.entry_text.setPlaceholderText(self.tr("Add to the log (Enter)…"))
        self.entry_text.returnPressed.connect(self.add_entry)
        self.add_button = QPushButton(self.tr("Add"), self)
        self.add_button.setObjectName("add_entry")
        self.add_button.clicked.connect(self.add_entry)
        self.correct_button = QPushButton(self.tr("Correct selected entry"), self)
        self.correct_button.setObjectName("correct_entry")
        self.correct_button.setToolTip(
            self.tr(
                "Adds the text as a correction of the entry selected in the log; "
                "the original stays as it was."
            )
        )
        self.correct_button.clicked.connect(self.correct_entry)
        entry = QHBoxLayout()
        entry.setContentsMargins(0, 0, 0, 0)
        entry.addWidget(self.entry_kind)
        entry.addWidget(self.entry_text, 1)
        entry.addWidget(self.add_button)
        entry.addWidget(self.correct_button)

        self.report_kind = QComboBox(self)
        self.report_kind.setObjectName("report_kind")
        for rk in ReportKind:
            self.report_kind.addItem(labels.report_kind(rk.value), rk.value)
        self.report_kind.activated.connect(self._on_report_kind_chosen)
        self.report_text = QLineEdit(self)
        self.report_text.setObjectName("report_text")
        self.report_text.setPlaceholderText(self.tr("What was reported, to whom"))
        self.report_text.returnPressed.connect(self.record_report)
        self.report_button = QPushButton(self.tr("Record report"), self)
        self.report_button.setObjectName("record_report")
        self.report_button.clicked.connect(self.record_report)
        report = QHBoxLayout()
        report.setContentsMargins(0, 0, 0, 0)
        report.addWidget(self.report_kind)
        report.addWidget(self.report_text, 1)
        report.addWidget(self.report_button)

        self.banner = QLabel(self)
        self.banner.setObjectName("actions_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(steps)
        layout.addLayout(entry)
        layout.addLayout(report)
        layout.addWidget(self.banner)

        self._deadline_timer = QTimer(self)
        self._deadline_timer.setInterval(DEADLINE_REFRESH_MS)
        self._deadline_timer.timeout.connect(self.refresh_deadlines)
        self._deadline_timer.start()
        self.set_incident(None)

    # -- what is shown ----------------------------------------------------------
    def set_incident(self, incident: IncidentDTO | None) -> None:
        """Show the actions for ``incident`` (a fresher copy of the same one keeps the text)."""
        same = (
            incident is not None and self.incident is not None and incident.id == self.incident.id
        )
        if (
            same
            and incident is not None
            and self.incident is not None
            and incident.version < self.incident.version
        ):
            return  # an older copy (a list read that started before our write)
        changed = incident != self.incident
        self.incident = incident
        if not same:
            self.selected_entry = None
            self._level, self._plan = None, ""
            self.banner.hide()
            self.deadline_label.clear()
            # The kind offered is this incident's, never the previous one's.
            self.reporting = None
            self._kind_chosen = False
            if incident is not None:
                self._offer_kind(self._guess_kind(incident))
        self._update_buttons()
        # Also for a changed copy: a step or a report (from the report dialog or
        # another seat: one more log entry) changes the countdown and the kind owed.
        if changed:
            self.refresh_deadlines()

    def _one_more_entry(self, incident_id: uuid.UUID) -> None:
        """Count an entry written here, so that the list's next copy of the
        incident is not taken for someone else's change."""
        if self.incident is not None and self.incident.id == incident_id:
            self.incident = replace(self.incident, log_count=self.incident.log_count + 1)

    def set_selected_entry(self, entry_id: uuid.UUID | None) -> None:
        self.selected_entry = entry_id
        self._update_buttons()

    def allowed_steps(self) -> list[IncidentStatus]:
        if self.incident is None:
            return []
        allowed = INCIDENT_TRANSITIONS[IncidentStatus(self.incident.status)]
        return [t for t in STEP_ORDER if t in allowed]

    def _update_buttons(self) -> None:
        allowed = set(self.allowed_steps())
        for target, button in self.step_buttons.items():
            button.setVisible(target in allowed)
            button.setEnabled(not self._busy)
        self._no_steps.setVisible(self.incident is not None and not allowed)
        has = self.incident is not None and not self._busy
        for widget in (self.entry_kind, self.entry_text, self.add_button):
            widget.setEnabled(has)
        # Reports wait until the kind owed is known.
        for widget in (self.report_kind, self.report_text, self.report_button):
            widget.setEnabled(has and self.reporting is not None)
        self.correct_button.setEnabled(has and self.selected_entry is not None)
        natural = (
            self.incident is not None
            and self.incident.category == IncidentCategory.NATURAL.value
            and self._stats is not None
        )
        self.stats_button.setVisible(natural)
        self.stats_button.setEnabled(has)

    def _step_text(self, target: IncidentStatus) -> str:
        if target is IncidentStatus.RESPONDING:
            return self.tr("Start response…")
        return labels.incident_status(target.value)

    # -- the report kind ----------------------------------------------------------
    def _on_report_kind_chosen(self, _index: int) -> None:
        self._kind_chosen = True

    def _offer_kind(self, kind: ReportKind) -> None:
        self.report_kind.setCurrentIndex(self.report_kind.findData(kind.value))

    @staticmethod
    def _guess_kind(incident: IncidentDTO) -> ReportKind:
        """The kind owed as far as the list row tells (the reports made are read later)."""
        closed = incident.status == IncidentStatus.CLOSED.value
        return ReportKind.FINAL if closed else ReportKind.INITIAL

    def _apply_reporting(self, state: ReportingState) -> None:
        self.reporting = state
        if not self._kind_chosen:
            self._offer_kind(state.next_kind)
        self._update_buttons()

    # -- writes -----------------------------------------------------------------
    def request_transition(self, target: IncidentStatus) -> None:
        """The step button: 响应 asks for level and plan first, 结束 is confirmed."""
        incident = self.incident
        if incident is None or self._busy:
            return
        if target is IncidentStatus.RESPONDING:
            self.open_response_dialog()
        elif target is IncidentStatus.CLOSED:
            text = self.tr(
                "Close “%1”? Closing cannot be undone: the incident takes no further steps "
                "and owes its final report."
            ).replace("%1", incident.title)
            if confirm(self, self.tr("Close incident"), text):
                self.transition(target)
        else:
            self.transition(target)

    def open_response_dialog(self) -> ResponseDialog:
        title = self.incident.title if self.incident is not None else ""
        dialog = ResponseDialog(self._level, self._plan, self, title=title)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.transition(
                IncidentStatus.RESPONDING, dialog.chosen_level(), dialog.plan.text()
            )
        )
        dialog.finished.connect(lambda _r: self._keep_response(dialog))
        self.response_dialog = dialog
        dialog.open()
        return dialog

    def _keep_response(self, dialog: ResponseDialog) -> None:
        self._level, self._plan = dialog.chosen_level(), dialog.plan.text()
        if self.response_dialog is dialog:
            self.response_dialog = None

    def transition(
        self, target: IncidentStatus, level: str | None = None, plan: str | None = None
    ) -> None:
        incident = self.incident
        if incident is None or self._busy:
            return
        # The version is the one on screen now: a step based on it is refused if stale.
        version, workflow, clock = incident.version, self._workflow, self._clock
        actor, site = self._actor, self._site

        def run() -> Any:
            now = clock()
            return workflow.transition(
                incident.id,
                target,
                version,
                actor=actor,
                site=site,
                at=now,
                response_level=level,
                plan=plan,
                now=now,
            )

        def done(result: Any) -> None:
            if target is IncidentStatus.RESPONDING:
                self._level, self._plan = None, ""
            self._kind_chosen = False  # closing makes 核报 the report owed
            if isinstance(result, IncidentDTO):
                self.set_incident(result)  # the new status and version at once

        self._run(incident.id, run, done, step=target)

    def add_entry(self) -> None:
        self._append(None)

    def correct_entry(self) -> None:
        if self.selected_entry is not None:
            self._append(self.selected_entry)

    def _append(self, corrects: uuid.UUID | None) -> None:
        incident = self.incident
        if incident is None or self._busy:
            return
        text = self.entry_text.text()
        if not text.strip():
            self._show_error(rule_text(RuleViolation("log.body_required")))
            self.entry_text.setFocus()
            return
        kind = LogEntryKind(self.entry_kind.currentData())
        workflow, clock, actor, site = self._workflow, self._clock, self._actor, self._site

        def run() -> Any:
            now = clock()
            return workflow.append(
                incident.id,
                kind,
                text,
                actor=actor,
                site=site,
                at=now,
                corrects_id=corrects,
                now=now,
            )

        def done(_result: Any) -> None:
            if self.entry_text.text() == text:
                self.entry_text.clear()
            self._one_more_entry(incident.id)

        self._run(incident.id, run, done)

    def record_report(self) -> None:
        """Record the report made upward; an unlikely one (续报 before any 初报,
        any report on a drill) is confirmed first, on what the database says now."""
        incident = self.incident
        if incident is None or self._busy or self.reporting is None:
            return
        text = self.report_text.text()
        if not text.strip():
            self._show_error(rule_text(RuleViolation("log.body_required")))
            self.report_text.setFocus()
            return
        kind = ReportKind(self.report_kind.currentData())
        workflow = self._workflow
        self._busy = True
        self._update_buttons()

        def checked(state: ReportingState) -> None:
            self._busy = False
            self._update_buttons()
            if self.incident is None or self.incident.id != incident.id:
                return  # another incident was selected meanwhile
            questions = report_questions(kind, state, incident.title)
            if questions and not confirm(self, self.tr("Record report"), "\n\n".join(questions)):
                return
            self._record_report(incident, kind, text)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._update_buttons()
            self._on_failed(incident.id, exc)

        self._runner.submit(
            lambda: workflow.reporting_state(incident.id), checked, failed, owner=self
        )

    def _record_report(self, incident: IncidentDTO, kind: ReportKind, text: str) -> None:
        workflow, clock, actor, site = self._workflow, self._clock, self._actor, self._site

        def run() -> Any:
            now = clock()
            return workflow.record_report(
                incident.id, kind, now, actor=actor, site=site, body=text, now=now
            )

        def done(_result: Any) -> None:
            if self.report_text.text() == text:
                self.report_text.clear()
            self._kind_chosen = False  # the next report owed is offered again
            self._one_more_entry(incident.id)

        self._run(incident.id, run, done)

    def _run(
        self,
        incident_id: uuid.UUID,
        fn: Callable[[], Any],
        on_success: Callable[[Any], None],
        *,
        step: IncidentStatus | None = None,
    ) -> None:
        self._busy = True
        self._update_buttons()

        def done(result: Any) -> None:
            self._busy = False
            self.banner.hide()
            on_success(result)
            self._update_buttons()
            self.refresh_deadlines()  # the countdown follows every write at once
            self.changed.emit(incident_id)

        def failed(exc: BaseException) -> None:
            self._busy = False
            self._update_buttons()
            self._on_failed(incident_id, exc, step)

        self._runner.submit(fn, on_done=done, on_error=failed)

    def _on_failed(
        self, incident_id: uuid.UUID, exc: BaseException, step: IncidentStatus | None = None
    ) -> None:
        conflict = self.tr(
            "This incident was updated by someone else; it has been reloaded, try again."
        )
        if isinstance(exc, ConflictError):
            if step is not None:
                self._explain_step(incident_id, step, conflict)
                return
            self._show_error(conflict)
            self.stale.emit(incident_id)
            return
        if (
            isinstance(exc, RuleViolation)
            and exc.code == "incident.transition"
            and step is not None
        ):
            # The copy on screen was current, yet the step is not allowed from
            # it: most likely a repeated click on a step just taken.
            self._explain_step(
                incident_id, step, self.tr("Not saved: %1").replace("%1", rule_text(exc))
            )
            return
        if isinstance(exc, RuleViolation):
            self._show_error(self.tr("Not saved: %1").replace("%1", rule_text(exc)))
            return
        problem = classify(exc)
        text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        self._show_error(self.tr("Not saved: %1").replace("%1", text))

    def _explain_step(self, incident_id: uuid.UUID, step: IncidentStatus, otherwise: str) -> None:
        """A refused step: read the incident again and say whether the step is
        already taken (a second click, another seat), no longer possible, or,
        failing those, ``otherwise``."""
        workflow = self._workflow

        def done(fresh: IncidentDTO) -> None:
            status = IncidentStatus(fresh.status)
            text = step_conflict_text(step, status, otherwise)
            if status is step:
                self._show_note(text)  # what was wanted is done: not an error
            else:
                self._show_error(text)
            if self.incident is not None and self.incident.id == fresh.id:
                self.set_incident(fresh)
            self.stale.emit(incident_id)

        def failed(_exc: BaseException) -> None:
            self._show_error(otherwise)
            self.stale.emit(incident_id)

        self._runner.submit(lambda: workflow.incident(incident_id), done, failed, owner=self)

    def _show_error(self, text: str) -> None:
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.setText(text)
        self.banner.show()

    def _show_note(self, text: str) -> None:
        self.banner.setStyleSheet("color: #1f4e99; font-weight: bold;")
        self.banner.setText(text)
        self.banner.show()

    # -- disaster statistics ------------------------------------------------------
    def open_stats_dialog(self) -> None:
        """统计更新…: read the current figures in the background, then ask."""
        incident, stats = self.incident, self._stats
        if incident is None or stats is None or self._busy:
            return
        self.stats_button.setEnabled(False)

        def load() -> tuple[Figures | None, bool]:
            return stats.current(incident.id), stats.assistance_delivered(incident.id)

        def done(result: tuple[Figures | None, bool]) -> None:
            self._update_buttons()
            if self.incident is not None and self.incident.id == incident.id:
                self._show_stats_dialog(incident.id, stats, *result)

        def failed(exc: BaseException) -> None:
            self._update_buttons()
            self._show_error(failure_text(exc, self._where))

        self._runner.submit(load, done, failed)

    def _show_stats_dialog(
        self, incident_id: uuid.UUID, stats: DisasterStats, figures: Figures | None, delivered: bool
    ) -> None:
        clock, actor, site = self._clock, self._actor, self._site

        def save(new: Figures, assistance: bool) -> uuid.UUID:
            return stats.record(
                incident_id,
                new,
                actor=actor,
                site=site,
                at=clock(),
                assistance_delivered=assistance,
            )

        dialog = StatsUpdateDialog(self._runner, save, figures, delivered, self._where, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(lambda: self.changed.emit(incident_id))
        dialog.finished.connect(lambda _r: self._forget_stats_dialog(dialog))
        self.stats_dialog = dialog
        dialog.open()

    def _forget_stats_dialog(self, dialog: StatsUpdateDialog) -> None:
        if self.stats_dialog is dialog:
            self.stats_dialog = None

    # -- deadlines --------------------------------------------------------------
    def refresh_deadlines(self) -> None:
        """Read the countdown and the reports made again (off the GUI thread)."""
        incident = self.incident
        if incident is None:
            self.deadline_label.clear()
            return
        workflow, rules, now = self._workflow, self._rules(), self._clock()

        def load() -> tuple[list[Deadline], ReportingState]:
            return workflow.deadlines(incident.id, rules, now), workflow.reporting_state(
                incident.id
            )

        def done(result: tuple[list[Deadline], ReportingState]) -> None:
            if self.incident is not None and self.incident.id == incident.id:
                found, state = result
                self._show_deadline(next_deadline(found), now)
                self._apply_reporting(state)

        def failed(_exc: BaseException) -> None:
            if self.incident is not None and self.incident.id == incident.id:
                self.deadline_label.setText(self.tr("Report deadlines unavailable"))
                self.deadline_label.setStyleSheet("color: gray;")
                if self.reporting is None:
                    # Reports stay possible, with the kind the list row suggests.
                    self._apply_reporting(
                        ReportingState(
                            IncidentStatus(incident.status), incident.is_drill, frozenset()
                        )
                    )

        self._runner.submit(
            load,
            done,
            failed,
            owner=self,
            latest="deadlines",
        )

    def _show_deadline(self, deadline: Deadline | None, now: datetime) -> None:
        if deadline is None:
            self.deadline_label.setText(self.tr("All reports made"))
            self.deadline_label.setStyleSheet("color: #1a7f37;")
            self.deadline_label.setToolTip("")
            return
        kind = labels.report_kind(deadline.kind.value)
        state = deadline.state(now)
        if state is DeadlineState.OVERDUE:
            text = self.tr("%1 overdue by %2").replace("%2", duration_text(now - deadline.due_at))
        else:
            text = self.tr("%1 due in %2").replace("%2", duration_text(deadline.due_at - now))
        self.deadline_label.setText(text.replace("%1", kind))
        color = STATE_COLORS.get(state)
        self.deadline_label.setStyleSheet(f"color: {color}; font-weight: bold;" if color else "")
        self.deadline_label.setToolTip(
            self.tr("Due at %1").replace("%1", format_time(deadline.due_at))
        )
