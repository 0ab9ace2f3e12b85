"""报告时限设置: the county's reporting deadlines, the same for every seat.

初报 within N minutes of 接报 by severity, the daily 续报 time and the least
gap after the 初报 is due, 核报 within N hours of closure, and how long before
a deadline the countdown turns to a warning. Saved in the database
(office_setting), so every seat counts the same deadlines; a save based on a
stale copy is refused and the other seat's values are shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import ConflictError, classify
from app.domain.deadlines import ReportingRules
from app.domain.enums import Severity
from app.services.office import VersionedReportingRules
from app.ui import labels
from app.ui.forms import FieldErrors, GuardedDialog, NumberField, field_text
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner

LoadFn = Callable[[], VersionedReportingRules]
SaveFn = Callable[[ReportingRules, int], VersionedReportingRules]


def _minutes(value: timedelta) -> int:
    return round(value.total_seconds() / 60)


def _plain_max(value: float) -> str:
    return f"{value:g}"


class ReportingRulesDialog(GuardedDialog):
    saved = Signal(object)  # ReportingRules

    def __init__(
        self,
        runner: TaskRunner,
        load: LoadFn,
        save: SaveFn,
        where: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ReportingRulesDialog")
        self.setWindowTitle(self.tr("Reporting deadlines"))
        self._runner = runner
        self._load = load
        self._save = save
        self._where = where
        self._version: int | None = None
        self._timezone = "Asia/Shanghai"

        # Numbers kept as typed: a minus sign or text is refused at the field, not dropped.
        self.field_errors = FieldErrors(self)
        self.initial: dict[Severity, NumberField] = {}
        form = QFormLayout()
        for severity in Severity:
            box = self._number(f"initial_{severity.value}", 24 * 60)
            self.initial[severity] = box
            form.addRow(
                self.tr("First report (%1) within").replace("%1", labels.severity(severity.value))
                + self.tr(" (min)"),
                self.field_errors.add(box.objectName(), box, check=self._check(box, 1)),
            )
        self.follow_up_time = QTimeEdit(self)
        self.follow_up_time.setObjectName("follow_up_time")
        self.follow_up_time.setDisplayFormat("HH:mm")
        self.follow_up_gap = self._number("follow_up_gap", 48)
        self.final_hours = self._number("final_hours", 24 * 30)
        self.warn_minutes = self._number("warn_minutes", 24 * 60)
        form.addRow(self.tr("Daily follow-up report at"), self.follow_up_time)
        form.addRow(
            self.tr("First follow-up, at least after the first report is due") + self.tr(" (h)"),
            self.field_errors.add(
                "follow_up_gap", self.follow_up_gap, check=self._check(self.follow_up_gap, 0)
            ),
        )
        form.addRow(
            self.tr("Final report, within after closure") + self.tr(" (h)"),
            self.field_errors.add(
                "final_hours", self.final_hours, check=self._check(self.final_hours, 1)
            ),
        )
        form.addRow(
            self.tr("Warn before a deadline") + self.tr(" (min)"),
            self.field_errors.add(
                "warn_minutes", self.warn_minutes, check=self._check(self.warn_minutes, 0)
            ),
        )
        self.drills_counted = QCheckBox(
            self.tr("Count drills' missed deadlines (apart from real incidents)"), self
        )
        self.drills_counted.setObjectName("drills_counted")
        form.addRow("", self.drills_counted)

        self.banner = QLabel(self)
        self.banner.setObjectName("reporting_rules_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()
        note = QLabel(self.tr("These deadlines apply to every seat of the command center."), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(False)  # until the current rules are read
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.reload()

    def _number(self, name: str, maximum: int) -> NumberField:
        box = NumberField(self, maximum=maximum)
        box.setObjectName(name)
        return box

    def _check(self, box: NumberField, least: int) -> Callable[[], str | None]:
        """The field's message: not a whole number, negative, or below ``least``."""

        def check() -> str | None:
            problem = box.problem()
            if problem is not None:
                return field_text(problem, _plain_max(box.maximum))
            number = box.number() or 0
            if number < 0:
                return field_text("negative")
            if number < least:
                return self.tr("At least %1.").replace("%1", str(least))
            return None

        return check

    def problems(self) -> dict[str, str]:
        """Every field's message (empty when the form can be saved)."""
        found: dict[str, str] = {}
        for box in (
            *self.initial.values(),
            self.follow_up_gap,
            self.final_hours,
            self.warn_minutes,
        ):
            least = 0 if box in (self.follow_up_gap, self.warn_minutes) else 1
            text = self._check(box, least)()
            if text:
                found[box.objectName()] = text
        return found

    def reload(self) -> None:
        self._runner.submit(self._load, self._on_loaded, self._on_failed, owner=self)

    def _on_loaded(self, current: VersionedReportingRules) -> None:
        with self.discard_guard.refilling():
            self._fill(current)
        self.save_button.setEnabled(True)

    def _fill(self, current: VersionedReportingRules) -> None:
        self._version = current.version
        rules = current.rules
        self._timezone = rules.timezone_name
        for severity, box in self.initial.items():
            box.setValue(_minutes(rules.initial_within[severity]))
        t = rules.follow_up_time
        self.follow_up_time.setTime(QTime(t.hour, t.minute))
        self.follow_up_gap.setValue(round(rules.follow_up_min_gap.total_seconds() / 3600))
        self.final_hours.setValue(round(rules.final_within.total_seconds() / 3600))
        self.warn_minutes.setValue(_minutes(rules.warn_before))
        self.drills_counted.setChecked(rules.drills_counted)

    def rules(self) -> ReportingRules:
        """The rules as the form shows them."""
        t = self.follow_up_time.time()
        return ReportingRules(
            initial_within={s: timedelta(minutes=b.value()) for s, b in self.initial.items()},
            follow_up_time=time(t.hour(), t.minute()),
            follow_up_min_gap=timedelta(hours=self.follow_up_gap.value()),
            final_within=timedelta(hours=self.final_hours.value()),
            warn_before=timedelta(minutes=self.warn_minutes.value()),
            timezone_name=self._timezone,
            drills_counted=self.drills_counted.isChecked(),
        )

    def save(self) -> None:
        if self._version is None:
            return
        problems = self.problems()
        self.field_errors.show(problems)
        if problems:
            self.banner.setText(self.tr("Not saved: correct the fields marked in red."))
            self.banner.show()
            return
        self.banner.hide()
        rules, version, save = self.rules(), self._version, self._save
        self.save_button.setEnabled(False)
        self._runner.submit(lambda: save(rules, version), self._on_saved, self._on_failed)

    def _on_saved(self, saved: VersionedReportingRules) -> None:
        self._version = saved.version
        self.saved.emit(saved.rules)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(self._version is not None)
        if isinstance(exc, ConflictError):
            text = self.tr(
                "Another seat changed the reporting deadlines meanwhile. Their values are "
                "shown now; change them again if needed and save."
            )
            self.reload()
        elif isinstance(exc, ValueError):
            text = self.tr("Not saved: %1").replace("%1", str(exc))
        else:
            problem = classify(exc)
            text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        self.banner.setText(text)
        self.banner.show()
