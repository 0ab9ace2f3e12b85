"""安置登记: people checked into (入住) or out of (离开) a shelter.

Occupancy is the sum of signed movements (``MovementService``): the form
records one movement, and the service checks the rules against the total at
that moment (no one into a closed or full shelter, never fewer than nobody).
A refusal is said at the form, which keeps everything typed. The shelter's
figures at the top follow changes from every seat while the form is open.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.clock import CHINA_TZ
from app.domain.intake import CLOCK_SKEW
from app.domain.rules import RuleViolation, shelter_nearly_full, shelter_state
from app.services.dto import ShelterDTO
from app.services.movements import NOTE_MAX
from app.ui import labels
from app.ui.session import AppSession

CHINA = QTimeZone(b"Asia/Shanghai")
ERROR_STYLE = "color: #b30000;"
SHELTER_ENTITIES = frozenset({"shelter", "shelter_occupancy_movement"})


class OccupancyDialog(QDialog):
    """One check-in or check-out of a shelter, by the signed-in user."""

    recorded = Signal(int)  # the shelter's occupancy after the movement

    def __init__(
        self, session: AppSession, shelter: ShelterDTO, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("OccupancyDialog")
        self.setWindowTitle(self.tr("Shelter check-in / check-out: %1").replace("%1", shelter.name))
        self._session = session
        self.shelter = shelter  # as last read; the service checks against the database
        self._saving = False
        self._refusal: RuleViolation | None = None
        self._errors: dict[str, QLabel] = {}

        self.status = QLabel(self)
        self.status.setObjectName("occupancy_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        font = self.status.font()
        font.setBold(True)
        self.status.setFont(font)
        self.banner = QLabel(self)
        self.banner.setObjectName("occupancy_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.banner.hide()

        self.check_in = QRadioButton(self.tr("Check in"), self)
        self.check_out = QRadioButton(self.tr("Check out"), self)
        self.check_in.setChecked(True)
        self._direction = QButtonGroup(self)
        self._direction.addButton(self.check_in)
        self._direction.addButton(self.check_out)
        direction = QWidget(self)
        row = QHBoxLayout(direction)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.check_in)
        row.addWidget(self.check_out)
        row.addStretch(1)
        self.count = QLineEdit(self)
        self.count.setObjectName("occupancy_count")
        self.count.setPlaceholderText(self.tr("number of people, e.g. 25"))
        self.after = QLabel(self)
        self.after.setObjectName("occupancy_after")
        self.after.setTextFormat(Qt.TextFormat.PlainText)
        self.after.setStyleSheet("color: #444;")
        self.after.hide()
        self.at = QDateTimeEdit(self)
        self.at.setTimeZone(CHINA)
        self.at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.at.setCalendarPopup(True)
        self.at.setDateTime(QDateTime.fromSecsSinceEpoch(int(session.now().timestamp()), CHINA))
        self.recorded_by = QLabel(session.user, self)
        self.recorded_by.setObjectName("occupancy_recorded_by")
        self.recorded_by.setTextFormat(Qt.TextFormat.PlainText)
        self.note = QLineEdit(self)
        self.note.setMaxLength(NOTE_MAX)
        self.note.setPlaceholderText(self.tr("Optional, e.g. which village, which households"))

        form = QFormLayout()
        form.addRow(self.tr("Movement"), direction)
        self._add(form, self.tr("People"), self.count, "count", self.after)
        self._add(form, self.tr("Time"), self.at, "at")
        form.addRow(self.tr("Recorded by"), self.recorded_by)
        form.addRow(self.tr("Note"), self.note)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Record"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

        self.count.textChanged.connect(self._show_after)
        self.check_in.toggled.connect(self._show_after)
        # A message at a field goes as soon as the field is fixed, not at the next save.
        self.count.textChanged.connect(self._recheck)
        self.at.dateTimeChanged.connect(self._recheck)
        self._show_shelter()
        session.subscribe(SHELTER_ENTITIES, self._on_shelters_changed, owner=self)
        self.reload()
        self.count.setFocus()  # the number is what is typed first

    def _add(
        self, form: QFormLayout, title: str, field: QWidget, key: str, *below: QWidget
    ) -> None:
        error = QLabel(self)
        error.setObjectName(f"error_{key}")
        error.setTextFormat(Qt.TextFormat.PlainText)
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        self._errors[key] = error
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(field)
        column.addWidget(error)
        for widget in below:
            column.addWidget(widget)
        form.addRow(title, box)

    # -- the shelter as it is now ------------------------------------------------------
    def reload(self) -> None:
        overview, shelter_id, today = (
            self._session.services.overview,
            self.shelter.id,
            self._session.today(),
        )
        self._session.runner.submit(
            lambda: overview.feature("shelters", shelter_id, today),
            on_done=self._on_shelter_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="shelter",
        )

    def _on_shelters_changed(self, _records: list[ChangeRecord]) -> None:
        self.reload()

    def _on_shelter_read(self, shelter: ShelterDTO | None) -> None:
        if shelter is None:
            self.banner.setText(self.tr("This shelter no longer exists."))
            self.banner.show()
            self.save_button.setEnabled(False)
            return
        self.shelter = shelter
        self._show_shelter()
        if self._refusal is not None:
            self.banner.setText(self.rule_text(self._refusal))

    def _show_shelter(self) -> None:
        s = self.shelter
        # The shelter's name in the body too: the title bar is easy to miss.
        text = f"{s.name} · " + self.tr("Now %1 / %2 people · %3").replace(
            "%1", str(s.occupancy)
        ).replace("%2", str(s.capacity)).replace("%3", labels.shelter_state_label(s.state))
        if s.nearly_full:
            text += self.tr(" · nearly full")
        self.status.setText(text)
        self._show_after()

    def _show_after(self) -> None:
        self._set_after(self._after_text())

    def _set_after(self, text: str) -> None:
        self.after.setText(text)
        self.after.setVisible(bool(text))

    def _after_text(self) -> str:
        """What the movement would make of the shelter (the service decides)."""
        count = _people(self.count.text())
        if isinstance(count, str):
            return ""
        s = self.shelter
        if self.check_in.isChecked():
            if not s.is_open:
                return self.tr("The shelter is closed: nobody can be checked in.")
            total = s.occupancy + count
            if total > s.capacity:
                return (
                    self.tr("Then %1 / %2 people: more than it holds.")
                    .replace("%1", str(total))
                    .replace("%2", str(s.capacity))
                )
        else:
            total = s.occupancy - count
            if total < 0:
                return self.tr("More people than the %1 inside.").replace("%1", str(s.occupancy))
        state = shelter_state(s.is_open, s.capacity, total)
        text = (
            self.tr("Then %1 / %2 people (%3)")
            .replace("%1", str(total))
            .replace("%2", str(s.capacity))
            .replace("%3", labels.shelter_state_label(state))
        )
        if shelter_nearly_full(s.is_open, s.capacity, total):
            text += self.tr(" · nearly full")
        return text

    # -- saving -----------------------------------------------------------------------
    def error_text(self, key: str) -> str:
        label = self._errors[key]
        return label.text() if not label.isHidden() else ""

    def moment(self) -> datetime:
        """The time in the form, aware (China time)."""
        return datetime.fromtimestamp(self.at.dateTime().toSecsSinceEpoch(), tz=CHINA_TZ)

    def _field_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        count = _people(self.count.text())
        if isinstance(count, str):
            errors["count"] = count
        if self.moment() > self._session.now() + CLOCK_SKEW:
            errors["at"] = "future"
        return errors

    def _recheck(self) -> None:
        shown = {key for key, label in self._errors.items() if not label.isHidden()}
        if not shown:
            return
        errors = {k: v for k, v in self._field_errors().items() if k in shown}
        self._show_errors(errors)
        if not errors and self._refusal is None:
            self.banner.hide()

    def save(self) -> None:
        if self._saving:
            return
        errors = self._field_errors()
        self._show_errors(errors)
        count = _people(self.count.text())
        if isinstance(count, str) or errors:
            return
        at = self.moment()
        delta = count if self.check_in.isChecked() else -count
        movements, shelter_id, note = (
            self._session.services.movements,
            self.shelter.id,
            self.note.text(),
        )
        actor, site = self._session.user, self._session.site
        self._saving = True
        self.save_button.setEnabled(False)
        self._session.runner.submit(
            lambda: movements.record_occupancy(
                shelter_id, delta, actor=actor, site=site, note=note, at=at
            ),
            on_done=self._on_saved,
            on_error=self._on_save_failed,
            owner=self,
        )

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            code = errors.get(key)
            label.setText(self._field_text(code) if code else "")
            label.setVisible(bool(code))
        if errors:
            self._refusal = None
            self.banner.setText(self.tr("Not recorded: please correct the fields marked in red."))
            self.banner.show()

    def _field_text(self, code: str) -> str:
        return {
            "negative": self.tr(
                "People must be a positive whole number; for people leaving choose “Check out”."
            ),
            "zero": self.tr("People must be a positive whole number."),
            "not_a_number": self.tr("Enter the number of people (a whole number), e.g. 25."),
            "future": self.tr("The time cannot be later than now."),
        }.get(code, code)

    def _on_saved(self, occupancy: int) -> None:
        self._saving = False
        self.recorded.emit(occupancy)
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, RuleViolation):
            if exc.code == "time.future":  # a seat whose clock is behind the database's
                self._show_errors({"at": "future"})
            self._refusal = exc
            self.banner.setText(self.rule_text(exc))
            self.reload()  # the numbers in the message as they are now
        else:
            self._refusal = None
            self.banner.setText(
                self.tr("Not recorded: %1").replace("%1", self._session.failure_text(exc))
            )
        self.banner.show()

    def rule_text(self, exc: RuleViolation) -> str:
        """A refusal of the service, in words, with the shelter's figures as last read."""
        s = self.shelter
        occupancy, capacity = str(s.occupancy), str(s.capacity)
        if exc.code == "shelter.closed":
            return self.tr("Not recorded: the shelter is closed; nobody can be checked in.")
        if exc.code == "occupancy.over_capacity":
            if s.occupancy >= s.capacity:
                text = self.tr(
                    "Not recorded: the shelter is full (%1 / %2 people); "
                    "nobody more can be checked in."
                )
                return text.replace("%1", occupancy).replace("%2", capacity)
            text = self.tr("Not recorded: only %1 more people fit (now %2 / %3).")
            return (
                text.replace("%1", str(s.capacity - s.occupancy))
                .replace("%2", occupancy)
                .replace("%3", capacity)
            )
        if exc.code == "occupancy.negative":
            text = self.tr("Not recorded: more people leaving than the %1 in the shelter.")
            return text.replace("%1", occupancy)
        texts = {
            "shelter.unknown": self.tr("Not recorded: this shelter no longer exists."),
            "time.future": self.tr("Not recorded: the time lies in the future."),
            "movement.note_too_long": self.tr("Not recorded: the note is too long."),
            "occupancy.delta": self.tr("People must be a positive whole number."),
        }
        fallback = self.tr("Not recorded: not allowed by the rules (%1).").replace("%1", exc.code)
        return texts.get(exc.code, fallback)


def _people(text: str) -> int | str:
    """The number typed, or why it is not one (``not_a_number``, ``zero``, ``negative``)."""
    text = text.strip().removesuffix("人").strip()
    try:
        value = int(text)
    except ValueError:
        return "not_a_number"
    if value < 0:
        return "negative"
    if value == 0:
        return "zero"
    return value
