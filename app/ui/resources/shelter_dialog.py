"""Editing a shelter's own fields from any seat, without overwriting another seat's change."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.rules import RuleViolation
from app.services.dto import ShelterDTO, ShelterEdit
from app.services.resources import StaleCopy
from app.ui.messages import problem_text, unexpected_text
from app.ui.models.table import format_time
from app.ui.tasks import TaskRunner

SaveFn = Callable[[ShelterEdit], ShelterDTO]


class ShelterDialog(QDialog):
    """The form keeps what the user typed whatever happens; a conflict shows the other change."""

    saved = Signal(uuid.UUID)

    def __init__(
        self,
        runner: TaskRunner,
        save: SaveFn,
        shelter: ShelterDTO,
        where: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ShelterDialog")
        self.setWindowTitle(self.tr("Shelter: %1").replace("%1", shelter.name))
        self._runner = runner
        self._save = save
        self._where = where
        self.base = shelter  # the copy the user is editing
        self._saving = False

        self.is_open = QCheckBox(self.tr("Open"), self)
        self.capacity = QSpinBox(self)
        self.capacity.setRange(0, 1_000_000)
        self.manager = QLineEdit(self)
        self.phone = QLineEdit(self)
        self.facilities = QPlainTextEdit(self)
        self.facilities.setTabChangesFocus(True)
        self.facilities.setFixedHeight(60)
        self.banner = QLabel(self)
        self.banner.setObjectName("shelter_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()
        self._fill(shelter)

        form = QFormLayout()
        form.addRow(self.tr("State"), self.is_open)
        form.addRow(self.tr("Capacity"), self.capacity)
        form.addRow(self.tr("Manager"), self.manager)
        form.addRow(self.tr("Phone"), self.phone)
        form.addRow(self.tr("Facilities"), self.facilities)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _fill(self, shelter: ShelterDTO) -> None:
        self.is_open.setChecked(shelter.is_open)
        self.capacity.setValue(shelter.capacity)
        self.manager.setText(shelter.manager or "")
        self.phone.setText(shelter.phone or "")
        self.facilities.setPlainText(shelter.facilities or "")

    def edit(self) -> ShelterEdit:
        return ShelterEdit(
            shelter_id=self.base.id,
            version=self.base.version,
            is_open=self.is_open.isChecked(),
            capacity=self.capacity.value(),
            manager=self.manager.text(),
            phone=self.phone.text(),
            facilities=self.facilities.toPlainText(),
        )

    def save(self) -> None:
        if self._saving:
            return
        self._saving = True
        self.save_button.setEnabled(False)
        edit = self.edit()
        self._runner.submit(lambda: self._save(edit), self._on_saved, self._on_save_failed)

    def _on_saved(self, shelter: ShelterDTO) -> None:
        self._saving = False
        self.saved.emit(shelter.id)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, StaleCopy):
            self._show_conflict(exc)
            return
        if isinstance(exc, RuleViolation):
            self.banner.setText(self.tr("Not saved: the capacity cannot be negative."))
        else:
            problem = classify(exc)
            text = problem_text(problem, self._where) if problem else unexpected_text(exc)
            self.banner.setText(self.tr("Not saved: %1").replace("%1", text))
        self.banner.show()

    def _show_conflict(self, exc: StaleCopy) -> None:
        """Say who changed what; the next save applies the user's values over it knowingly."""
        current = exc.current
        if current is None:
            self.banner.setText(self.tr("Not saved: this shelter was deleted by someone else."))
            self.banner.show()
            self.save_button.setEnabled(False)
            return
        who = exc.last_change
        changes = self._differences(self.base, current)
        text = self.tr("Not saved: %1 changed this shelter at %2 (%3).").replace(
            "%1", who.actor if who else self.tr("someone")
        )
        text = text.replace("%2", format_time(who.at) if who else "").replace(
            "%3", "; ".join(changes) or self.tr("no visible field")
        )
        self.banner.setText(
            text + " " + self.tr("Check the values below and save again to apply yours.")
        )
        self.banner.show()
        self.base = current  # your values stay in the form; the next save is based on theirs

    def _differences(self, before: ShelterDTO, after: ShelterDTO) -> list[str]:
        fields = (
            (self.tr("state"), self._state(before.is_open), self._state(after.is_open)),
            (self.tr("capacity"), str(before.capacity), str(after.capacity)),
            (self.tr("manager"), before.manager or "", after.manager or ""),
            (self.tr("phone"), before.phone or "", after.phone or ""),
            (self.tr("facilities"), before.facilities or "", after.facilities or ""),
        )
        return [f"{name} {old or '—'} → {new or '—'}" for name, old, new in fields if old != new]

    def _state(self, is_open: bool) -> str:
        return self.tr("open") if is_open else self.tr("closed")
