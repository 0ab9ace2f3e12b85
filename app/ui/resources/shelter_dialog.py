"""Editing a shelter's own fields from any seat, without overwriting another seat's change.

What was typed stays as typed: a refused value (a negative capacity, one below
the people inside, letters in the phone) is said under its field, and the
message goes as soon as the field is fixed. Esc or closing a changed form asks
first. With the application session a 历史 tab shows who changed the shelter
(and checked people in or out), when and from which seat.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.rules import RuleViolation
from app.services.dto import ShelterDTO, ShelterEdit
from app.services.resources import StaleCopy, shelter_edit_problems
from app.ui.access.history import HistoryView
from app.ui.forms import FieldErrors, GuardedDialog, NumberField, field_text
from app.ui.messages import problem_text, unexpected_text
from app.ui.models.table import format_time
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner

SaveFn = Callable[[ShelterEdit], ShelterDTO]


class ShelterDialog(GuardedDialog):
    """The form keeps what the user typed whatever happens; a conflict shows the other change."""

    saved = Signal(uuid.UUID)

    def __init__(
        self,
        runner: TaskRunner,
        save: SaveFn,
        shelter: ShelterDTO,
        where: str,
        parent: QWidget | None = None,
        *,
        session: AppSession | None = None,
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
        self.capacity = NumberField(self, maximum=1_000_000)
        self.capacity.setObjectName("capacity")
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

        self.field_errors = FieldErrors(self)
        self.field_errors.all_cleared.connect(self._on_fields_fixed)
        form = QFormLayout()
        form.addRow(self.tr("State"), self.is_open)
        for label, field, key in (
            (self.tr("Capacity"), self.capacity, "capacity"),
            (self.tr("Manager"), self.manager, "manager"),
            (self.tr("Phone"), self.phone, "phone"),
        ):
            form.addRow(label, self.field_errors.add(key, field, check=self._check(key)))
        form.addRow(self.tr("Facilities"), self.facilities)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        self.history: HistoryView | None = None
        if session is not None:
            tabs = QTabWidget(self)
            tabs.setObjectName("shelter_tabs")
            page = QWidget(tabs)
            page_layout = QVBoxLayout(page)
            page_layout.addLayout(form)
            page_layout.addStretch(1)
            tabs.addTab(page, self.tr("Details"))
            self.history = HistoryView(session, tabs)
            self.history.show_record("shelter", shelter.id)
            tabs.addTab(self.history, self.tr("History"))
            layout.addWidget(tabs, 1)
            self.resize(760, 460)
        else:
            layout.addLayout(form)
        layout.addWidget(buttons)

    def _fill(self, shelter: ShelterDTO) -> None:
        self.is_open.setChecked(shelter.is_open)
        self.capacity.setValue(shelter.capacity)
        self.manager.setText(shelter.manager or "")
        self.phone.setText(shelter.phone or "")
        self.facilities.setPlainText(shelter.facilities or "")

    def edit(self) -> ShelterEdit:
        """The form as an edit (a capacity that is not a number reads as 0: its message says so)."""
        return ShelterEdit(
            shelter_id=self.base.id,
            version=self.base.version,
            is_open=self.is_open.isChecked(),
            capacity=int(self.capacity.number() or 0),
            manager=self.manager.text(),
            phone=self.phone.text(),
            facilities=self.facilities.toPlainText(),
        )

    # -- messages at the fields ------------------------------------------------------
    def _messages(self) -> dict[str, str]:
        """Field -> message of every rule the form breaks, by what this seat knows.

        The occupancy is the one read when the form opened (or at the last
        conflict); the service checks it again against the movements at saving.
        """
        problems = shelter_edit_problems(self.edit(), self.base.occupancy, self.base.capacity)
        messages = {field: self._rule_text(exc) for field, exc in problems.items()}
        if self.capacity.problem() is not None:
            messages["capacity"] = self.capacity.problem_text()
        return messages

    def _check(self, key: str) -> Callable[[], str | None]:
        return lambda: self._messages().get(key)

    def _rule_text(self, exc: RuleViolation) -> str:
        texts = {
            "shelter.capacity_negative": field_text("negative"),
            "shelter.capacity_below_occupancy": self.tr(
                "Cannot be less than the people now inside (%1)."
            ),
            "shelter.manager_too_long": self.tr("At most %1 characters."),
        }
        text = texts.get(exc.code) or field_text(exc.code, exc.detail)
        if text is None:
            return self.tr("Not allowed by the rules: %1").replace("%1", exc.code)
        return text.replace("%1", exc.detail)

    @staticmethod
    def _field_of(code: str) -> str | None:
        if code.startswith("shelter.capacity_"):
            return "capacity"
        if code.startswith("shelter.manager_"):
            return "manager"
        if code.startswith("phone."):
            return "phone"
        return None

    def _fields_banner(self) -> str:
        return self.tr("Not saved: please correct the fields marked in red.")

    def _show_messages(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        if messages:
            self.banner.setText(self._fields_banner())
            self.banner.show()

    def _on_fields_fixed(self) -> None:
        if self.banner.text() == self._fields_banner():
            self.banner.hide()

    # -- saving -------------------------------------------------------------------------
    def save(self) -> None:
        if self._saving:
            return
        messages = self._messages()
        if messages:
            self._show_messages(messages)
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
        field = self._field_of(exc.code) if isinstance(exc, RuleViolation) else None
        if isinstance(exc, RuleViolation) and field is not None:
            self._show_messages({field: self._rule_text(exc)})
            return
        if isinstance(exc, RuleViolation):
            self.banner.setText(self.tr("Not saved: %1").replace("%1", self._rule_text(exc)))
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
