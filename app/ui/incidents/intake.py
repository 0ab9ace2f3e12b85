"""接报登记: the form a duty officer fills in while the phone is still at the ear.

Keyboard first: the fields follow the order of a phone call (time, source,
caller, what, where, how bad), Ctrl+Enter saves. A refused save shows the
reason under each field and keeps everything that was typed, exactly as typed
(counts keep a minus sign and are refused, not turned positive); a reason goes
as soon as its field is fixed. Esc or closing a filled-in form asks first.

The report's id is chosen when the form opens, so saving again after a lost
connection cannot record it twice: if the first save did commit (only its
answer was lost), the service finds it and the form closes as saved.

For a natural disaster the collapsible 灾情统计 section takes the figures of
自然灾害情况统计; they are saved right after the report, in the same background
task (``stats_record``), its dead and missing taken from the casualties above.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.enums import IncidentCategory, IncidentSource, Severity
from app.domain.geo import distance_m
from app.domain.intake import INCIDENT_TYPES, DraftRejected, IncidentDraft, validate_draft
from app.domain.rules import PHONE_MAX, RuleViolation
from app.services.disaster_stats import Figures, validate_figures
from app.services.dto import TownshipDTO
from app.ui import labels
from app.ui.forms import FieldErrors, GuardedDialog, NumberField, field_text
from app.ui.incidents.stats_dialog import FiguresForm, failure_text, stats_rule_text
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner

RecordFn = Callable[[IncidentDraft], uuid.UUID]
# Saves the figures of a recorded natural disaster: (incident id, figures, at).
StatsRecordFn = Callable[[uuid.UUID, Figures, datetime], Any]
CHINA = QTimeZone(b"Asia/Shanghai")


class IncidentIntakeDialog(GuardedDialog):
    recorded = Signal(uuid.UUID)

    def __init__(
        self,
        runner: TaskRunner,
        record: RecordFn,
        townships: Sequence[TownshipDTO],
        now: Callable[[], datetime],
        where: str,
        parent: QWidget | None = None,
        *,
        stats_record: StatsRecordFn | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentIntakeDialog")
        self._stats_record = stats_record
        self.setWindowTitle(self.tr("Record an incident report"))
        self._runner = runner
        self._record = record
        self._townships = list(townships)
        self._now = now
        self._where = where
        self._saving = False
        self.field_errors = FieldErrors(self)
        self.field_errors.all_cleared.connect(self._on_fields_fixed)
        # The incident's id, kept across failed saves: saving again is safe.
        self.incident_id = uuid.uuid4()

        self.received_at = QDateTimeEdit(self)
        self.received_at.setTimeZone(CHINA)
        self.received_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.received_at.setCalendarPopup(True)
        self.received_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(now().timestamp()), CHINA))
        self.source = self._combo(
            [(s.value, labels.incident_source(s.value)) for s in IncidentSource]
        )
        self.reporter = QLineEdit(self)
        self.phone = QLineEdit(self)
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(self.tr("What happened, where (short)"))
        # No max length: a pasted longer title would be cut silently; "too long" says so.
        self.category = self._combo(
            [(c.value, labels.incident_category(c.value)) for c in IncidentCategory]
        )
        self.incident_type = QComboBox(self)
        self.severity = self._combo([(s.value, labels.severity(s.value)) for s in Severity])
        self.severity.setCurrentIndex(self.severity.count() - 1)  # IV, the usual first guess
        self.drill = QCheckBox(self.tr("This is a drill"), self)
        self.township = QComboBox(self)
        self.township.addItem(self.tr("(not known)"), None)
        for t in self._townships:
            self.township.addItem(t.name, str(t.id))
        self.address = QLineEdit(self)
        self.lon = QLineEdit(self)
        self.lat = QLineEdit(self)
        self.lon.setPlaceholderText(self.tr("longitude, e.g. 116.94512"))
        self.lat.setPlaceholderText(self.tr("latitude, e.g. 34.18530"))
        self.description = QPlainTextEdit(self)
        self.description.setTabChangesFocus(True)
        self.description.setFixedHeight(70)
        self.deaths, self.injuries, self.missing = (NumberField(self) for _ in range(3))
        self._counts = {"deaths": self.deaths, "injuries": self.injuries, "missing": self.missing}
        for name, box in self._counts.items():
            box.setObjectName(name)
        self.banner = QLabel(self)
        self.banner.setObjectName("intake_banner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setStyleSheet("color: #b30000; font-weight: bold;")
        self.banner.hide()

        # 灾情统计: natural disasters only, and only with somewhere to save it.
        self.stats_section = QWidget(self)
        self.stats_section.setObjectName("stats_section")
        self.stats_toggle = QToolButton(self.stats_section)
        self.stats_toggle.setObjectName("stats_toggle")
        self.stats_toggle.setText(self.tr("Disaster statistics"))
        self.stats_toggle.setCheckable(True)
        self.stats_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.stats_toggle.setStyleSheet("QToolButton { border: none; font-weight: bold; }")
        self.stats_form = FiguresForm(
            self.stats_section, omit=("deaths", "missing"), errors=self.field_errors
        )
        self.stats_form.hide()
        self.stats_toggle.toggled.connect(self._on_stats_toggled)
        self._on_stats_toggled(False)
        section = QVBoxLayout(self.stats_section)
        section.setContentsMargins(0, 0, 0, 0)
        section.addWidget(self.stats_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        section.addWidget(self.stats_form)

        self.category.currentIndexChanged.connect(self._on_category_changed)
        self._on_category_changed()

        form = QFormLayout()
        self._add(form, self.tr("Received at"), self.received_at, "received_at")
        self._add(form, self.tr("Source"), self.source, "source")
        caller = QWidget(self)
        row = QHBoxLayout(caller)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.reporter, 2)
        row.addWidget(QLabel(self.tr("Phone"), self))
        row.addWidget(self.phone, 2)
        self._add(form, self.tr("Reported by"), caller, "reporter_phone", watch=[self.phone])
        self._add(form, self.tr("Title"), self.title, "title")
        kind = QWidget(self)
        row = QHBoxLayout(kind)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.category)
        row.addWidget(self.incident_type)
        row.addWidget(self.severity)
        self._add(form, self.tr("Category, type, severity"), kind, "incident_type")
        form.addRow("", self.drill)
        self._add(form, self.tr("Township"), self.township, "township")
        self._add(form, self.tr("Address"), self.address, "address")
        coordinates = QWidget(self)
        row = QHBoxLayout(coordinates)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.lon)
        row.addWidget(self.lat)
        # A township or an address also says where, when there are no coordinates.
        where_fields = [self.lon, self.lat, self.township, self.address]
        self._add(form, self.tr("Coordinates"), coordinates, "location", watch=where_fields)
        counts = QWidget(self)
        row = QHBoxLayout(counts)
        row.setContentsMargins(0, 0, 0, 0)
        for text, box in (
            (self.tr("dead"), self.deaths),
            (self.tr("injured"), self.injuries),
            (self.tr("missing"), self.missing),
        ):
            row.addWidget(QLabel(text, self), 0, Qt.AlignmentFlag.AlignTop)
            name = box.objectName()
            row.addWidget(self.field_errors.add(name, box, check=self._check(name)))
        form.addRow(self.tr("Casualties"), counts)
        self._add(form, self.tr("Description"), self.description, "description")
        self._add(
            form,
            "",
            self.stats_section,
            "statistics",
            watch=[*self.stats_form.boxes.values(), self.deaths, self.missing],
        )

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save (Ctrl+Enter)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(self.save)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(640, self.sizeHint().height())
        self.title.setFocus()

    # -- building -----------------------------------------------------------
    def _combo(self, items: list[tuple[str, str]]) -> QComboBox:
        box = QComboBox(self)
        for code, text in items:
            box.addItem(text, code)
        return box

    def _add(
        self,
        form: QFormLayout,
        label: str,
        field: QWidget,
        key: str,
        watch: list[QWidget] | None = None,
    ) -> None:
        form.addRow(label, self.field_errors.add(key, field, check=self._check(key), watch=watch))

    def _check(self, key: str) -> Callable[[], str | None]:
        """What is wrong with ``key`` now, by the rules the save applies."""
        return lambda: self._messages().get(key)

    def _on_category_changed(self) -> None:
        category = IncidentCategory(self.category.currentData())
        self.incident_type.clear()
        for code in INCIDENT_TYPES[category]:
            self.incident_type.addItem(labels.incident_type(code), code)
        self.stats_section.setVisible(self._takes_stats())
        if not self._takes_stats():
            self.field_errors.hide_keys(
                [
                    k
                    for k in self.field_errors.shown()
                    if k == "statistics" or k.startswith("figure_")
                ]
            )

    def _takes_stats(self) -> bool:
        natural = self.category.currentData() == IncidentCategory.NATURAL.value
        return natural and self._stats_record is not None

    def _on_stats_toggled(self, expanded: bool) -> None:
        self.stats_form.setVisible(expanded)
        self.stats_toggle.setArrowType(
            Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow
        )
        self.adjustSize()

    def figures(self) -> Figures | None:
        """The figures to save with the report; None when there are none to save.

        Only for a form without messages: every figure is then a number.
        """
        if not self._takes_stats():
            return None
        figures = self.stats_form.figures(
            deaths=self._count("deaths"), missing=self._count("missing")
        )
        return figures if figures != Figures() else None

    def _count(self, name: str) -> int:
        """A casualty count as typed (0 when it is not a number: its message says so)."""
        return int(self._counts[name].number() or 0)

    # -- filling from the map -----------------------------------------------
    def set_location(self, lon: float, lat: float) -> None:
        """Coordinates picked on the map; the nearest township is preselected."""
        self.lon.setText(f"{lon:.6f}")
        self.lat.setText(f"{lat:.6f}")
        located = [t for t in self._townships if t.lon is not None and t.lat is not None]
        if located:
            nearest = min(located, key=lambda t: distance_m(lon, lat, t.lon or 0, t.lat or 0))
            self.township.setCurrentIndex(self.township.findData(str(nearest.id)))

    # -- saving ---------------------------------------------------------------
    def error_text(self, key: str) -> str:
        return self.field_errors.text(key)

    def _show_errors(self, errors: dict[str, str]) -> None:
        """Show the rule codes of a refused draft (field key -> code) at their fields."""
        self._show_messages({key: self._error_message(key, code) for key, code in errors.items()})

    def _show_messages(self, messages: dict[str, str]) -> None:
        self.field_errors.show(messages)
        if messages:
            self.banner.setText(self._fields_banner())
            self.banner.show()

    def _fields_banner(self) -> str:
        return self.tr("Not saved: please correct the fields marked in red.")

    def _on_fields_fixed(self) -> None:
        if self.banner.text() == self._fields_banner():
            self.banner.hide()

    def _error_message(self, key: str, code: str) -> str:
        if code.startswith("number.") and key in self._counts:
            return self._counts[key].problem_text()
        if key == "location" and code == "required":
            # Any one of the three places the incident; coordinates are not a must.
            return self.tr("Give the coordinates, the township or the address.")
        text = {
            "required": self.tr("Required."),
            "too_long": self.tr("Too long."),
            "unknown": self.tr("Choose one of the list."),
            "future": self.tr("The time received cannot be later than now."),
            "negative": self.tr("Cannot be negative."),
            "not_a_number": self.tr("Enter a number, e.g. 116.94512."),
            "incomplete": self.tr("Enter both longitude and latitude."),
            "invalid": self.tr("These are not valid coordinates."),
            "outside_county": self.tr("This place is outside Xiao County."),
            "swapped": self.tr("Longitude and latitude seem to be swapped."),
            "no_timezone": self.tr("The time has no time zone."),
        }.get(code)
        if text is None:
            text = field_text(code, str(PHONE_MAX) if code == "phone.too_long" else "")
        return text or stats_rule_text(RuleViolation(code))

    def _coordinates(self) -> tuple[float | None, float | None, bool]:
        """Longitude, latitude (None when empty or unreadable) and whether one is unreadable."""
        coords: list[float | None] = []
        unreadable = False
        for edit in (self.lon, self.lat):
            text = edit.text().strip().replace(",", ".")
            try:
                coords.append(float(text) if text else None)
            except ValueError:
                coords.append(None)
                unreadable = True
        return coords[0], coords[1], unreadable

    def _draft(self) -> IncidentDraft:
        lon, lat, _unreadable = self._coordinates()
        return self._make_draft(lon, lat)

    def _local_errors(self) -> dict[str, str]:
        """Field key -> rule code of everything wrong that is found without the database."""
        lon, lat, unreadable = self._coordinates()
        errors = validate_draft(self._make_draft(lon, lat), self._now(), None)
        if unreadable:
            errors["location"] = "not_a_number"
        for name, box in self._counts.items():
            code = box.problem()
            if code is not None:
                errors[name] = code
        return errors

    def _messages(self) -> dict[str, str]:
        """Message key -> text of everything wrong, all at once (not one field per attempt)."""
        messages = {
            key: self._error_message(key, code) for key, code in self._local_errors().items()
        }
        if self._takes_stats():
            problems = self.stats_form.problems()
            messages.update(problems)
            if not problems:
                try:
                    # The rules between figures; the casualties are checked above.
                    validate_figures(self.stats_form.figures())
                except RuleViolation as exc:
                    messages["statistics"] = stats_rule_text(exc)
        return messages

    def _make_draft(self, lon: float | None, lat: float | None) -> IncidentDraft:
        received = self.received_at.dateTime().toSecsSinceEpoch()
        return IncidentDraft(
            title=self.title.text(),
            category=str(self.category.currentData()),
            incident_type=str(self.incident_type.currentData()),
            severity=str(self.severity.currentData()),
            source=str(self.source.currentData()),
            received_at=datetime.fromtimestamp(received, tz=self._now().tzinfo),
            is_drill=self.drill.isChecked(),
            reporter_name=self.reporter.text(),
            reporter_phone=self.phone.text(),
            lon=lon,
            lat=lat,
            township_id=self.township.currentData(),
            address=self.address.text(),
            description=self.description.toPlainText(),
            deaths=self._count("deaths"),
            injuries=self._count("injuries"),
            missing=self._count("missing"),
            id=self.incident_id,
        )

    def save(self) -> None:
        if self._saving:
            return
        messages = self._messages()
        if messages:
            if any(k == "statistics" or k.startswith("figure_") for k in messages):
                self.stats_toggle.setChecked(True)
            self._show_messages(messages)
            return
        draft = self._draft()
        figures = self.figures()
        self._saving = True
        self.save_button.setEnabled(False)
        record, stats_record, now = self._record, self._stats_record, self._now

        def run() -> _Saved:
            incident_id = record(draft)
            if figures is None or stats_record is None:
                return _Saved(incident_id, None)
            try:
                # Never before 接报 (a report may be typed a little ahead of the clock).
                stats_record(incident_id, figures, max(now(), draft.received_at))
            except Exception as exc:  # noqa: BLE001 - the report itself is saved
                return _Saved(incident_id, exc)
            return _Saved(incident_id, None)

        self._runner.submit(run, self._on_saved, self._on_save_failed)

    def _on_saved(self, saved: _Saved) -> None:
        self._saving = False
        self.recorded.emit(saved.incident_id)
        if saved.stats_error is None:
            self.accept()
            return
        # The report is recorded (saving again finds it); only the figures are not.
        self.save_button.setEnabled(True)
        self.banner.hide()
        self.field_errors.show(
            {
                "statistics": self.tr("Report saved, figures not saved: %1").replace(
                    "%1", failure_text(saved.stats_error, self._where)
                )
            }
        )

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, DraftRejected):
            self._show_errors(exc.errors)
            return
        self.field_errors.clear()
        problem = classify(exc)
        text = problem_text(problem, self._where) if problem else unexpected_text(exc)
        if problem is not None and problem.is_connection:
            text += " " + self.tr(
                "Everything typed here is kept; save again when the connection is back."
            )
        self.banner.setText(self.tr("Not saved: %1").replace("%1", text))
        self.banner.show()


class _Saved:
    """What a save did: the incident's id, and why its figures were not saved."""

    __slots__ = ("incident_id", "stats_error")

    def __init__(self, incident_id: uuid.UUID, stats_error: BaseException | None) -> None:
        self.incident_id = incident_id
        self.stats_error = stats_error
