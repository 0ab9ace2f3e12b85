"""值班设置: the office's shift pattern and minimum staffing, the same for every seat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import cast

from PySide6.QtCore import Qt, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import ConflictError, classify
from app.domain.rules import RosterPolicy, RuleViolation, ShiftPattern, StaffingRule
from app.services.office import VersionedPolicy
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner

LoadFn = Callable[[], VersionedPolicy]
SaveFn = Callable[[RosterPolicy, int], VersionedPolicy]


class RosterSettingsDialog(QDialog):
    saved = Signal(object)  # RosterPolicy

    def __init__(
        self,
        runner: TaskRunner,
        load: LoadFn,
        save: SaveFn,
        where: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RosterSettingsDialog")
        self.setWindowTitle(self.tr("Duty settings"))
        self._runner = runner
        self._load = load
        self._save = save
        self._where = where
        self._version: int | None = None

        self.full_day = QRadioButton(self.tr("One 24-hour shift"), self)
        self.day_night = QRadioButton(self.tr("Day shift and night shift"), self)
        group = QButtonGroup(self)
        group.addButton(self.full_day)
        group.addButton(self.day_night)
        self.full_day.setChecked(True)
        self.handover = QTimeEdit(self)
        self.handover.setDisplayFormat("HH:mm")
        self.day_hours = QSpinBox(self)
        self.day_hours.setRange(1, 23)
        self.day_hours.setSuffix(self.tr(" h"))
        self.leaders = QSpinBox(self)
        self.leaders.setRange(0, 10)
        self.officers = QSpinBox(self)
        self.officers.setRange(0, 20)
        self.banner = QLabel(self)
        self.banner.setObjectName("roster_settings_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()

        form = QFormLayout()
        form.addRow(self.tr("Shift pattern"), self.full_day)
        form.addRow("", self.day_night)
        form.addRow(self.tr("Handover time"), self.handover)
        form.addRow(self.tr("Day shift length"), self.day_hours)
        form.addRow(self.tr("Leaders on duty, at least"), self.leaders)
        form.addRow(self.tr("Duty officers, at least"), self.officers)
        note = QLabel(self.tr("These rules apply to every seat of the command center."), self)
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
        self.day_night.toggled.connect(self.day_hours.setEnabled)
        self.day_hours.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        self._runner.submit(self._load, self._on_loaded, self._on_failed)

    def _on_loaded(self, current: VersionedPolicy) -> None:
        self._version = current.version
        pattern, staffing = current.policy.pattern, current.policy.staffing
        (self.day_night if pattern.kind == "day_night" else self.full_day).setChecked(True)
        self.handover.setTime(QTime(pattern.handover.hour, pattern.handover.minute))
        self.day_hours.setValue(pattern.day_hours)
        self.leaders.setValue(staffing.leaders)
        self.officers.setValue(staffing.officers)
        self.save_button.setEnabled(True)

    def policy(self) -> RosterPolicy:
        t = self.handover.time()
        return RosterPolicy(
            ShiftPattern(
                kind="day_night" if self.day_night.isChecked() else "24h",
                handover=cast(time, t.toPython()),  # QTime.toPython(): stub says object
                day_hours=self.day_hours.value(),
            ),
            StaffingRule(leaders=self.leaders.value(), officers=self.officers.value()),
        )

    def save(self) -> None:
        if self._version is None:
            return
        policy, version = self.policy(), self._version
        self.save_button.setEnabled(False)
        self._runner.submit(lambda: self._save(policy, version), self._on_saved, self._on_failed)

    def _on_saved(self, saved: VersionedPolicy) -> None:
        self._version = saved.version
        self.saved.emit(saved.policy)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(self._version is not None)
        if isinstance(exc, ConflictError):
            text = self.tr(
                "Another seat changed the duty settings meanwhile. Their values are shown "
                "now; change them again if needed and save."
            )
            self.reload()
        elif isinstance(exc, RuleViolation):
            text = self.tr("Not saved: a shift needs at least one person on duty.")
        else:
            problem = classify(exc)
            text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        self.banner.setText(text)
        self.banner.show()
