"""接报登记: the form a duty officer fills in while the phone is still at the ear.

Keyboard first: the fields follow the order of a phone call (time, source,
caller, what, where, how bad), Ctrl+Enter saves. A refused save shows the
reason next to each field and keeps everything that was typed.

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
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.enums import IncidentCategory, IncidentSource, Severity
from app.domain.geo import distance_m
from app.domain.intake import INCIDENT_TYPES, DraftRejected, IncidentDraft, validate_draft
from app.domain.rules import RuleViolation
from app.services.disaster_stats import Figures, validate_figures
from app.services.dto import TownshipDTO
from app.ui import labels
from app.ui.incidents.stats_dialog import FiguresForm, failure_text, stats_rule_text
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner

RecordFn = Callable[[IncidentDraft], uuid.UUID]
# Saves the figures of a recorded natural disaster: (incident id, figures, at).
StatsRecordFn = Callable[[uuid.UUID, Figures, datetime], Any]
CHINA = QTimeZone(b"Asia/Shanghai")


class IncidentIntakeDialog(QDialog):
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
        self._errors: dict[str, QLabel] = {}
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
        self.title.setMaxLength(200)
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
        self.deaths, self.injuries, self.missing = (self._count() for _ in range(3))
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
        self.stats_form = FiguresForm(self.stats_section, omit=("deaths", "missing"))
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
        self._add(form, self.tr("Reported by"), caller, "reporter")
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
        self._add(form, self.tr("Coordinates"), coordinates, "location")
        counts = QWidget(self)
        row = QHBoxLayout(counts)
        row.setContentsMargins(0, 0, 0, 0)
        for text, box in (
            (self.tr("dead"), self.deaths),
            (self.tr("injured"), self.injuries),
            (self.tr("missing"), self.missing),
        ):
            row.addWidget(QLabel(text, self))
            row.addWidget(box)
        self._add(form, self.tr("Casualties"), counts, "casualties")
        self._add(form, self.tr("Description"), self.description, "description")
        self._add(form, "", self.stats_section, "statistics")

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save (Ctrl+Enter)"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
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

    def _count(self) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(0, 1_000_000)
        return box

    def _add(self, form: QFormLayout, label: str, field: QWidget, key: str) -> None:
        error = QLabel(self)
        error.setObjectName(f"error_{key}")
        error.setTextFormat(Qt.TextFormat.PlainText)
        error.setStyleSheet("color: #b30000;")
        error.hide()
        self._errors[key] = error
        box = QWidget(self)
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(1)
        col.addWidget(field)
        col.addWidget(error)
        form.addRow(label, box)

    def _on_category_changed(self) -> None:
        category = IncidentCategory(self.category.currentData())
        self.incident_type.clear()
        for code in INCIDENT_TYPES[category]:
            self.incident_type.addItem(labels.incident_type(code), code)
        self.stats_section.setVisible(self._takes_stats())

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
        """The figures to save with the report; None when there are none to save."""
        if not self._takes_stats():
            return None
        figures = self.stats_form.figures(deaths=self.deaths.value(), missing=self.missing.value())
        return figures if figures != Figures() else None

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
        label = self._errors[key]
        return label.text() if not label.isHidden() else ""

    def _show_errors(self, errors: dict[str, str]) -> None:
        for key, label in self._errors.items():
            code = errors.get(key)
            label.setText(self._error_message(code) if code else "")
            label.setVisible(bool(code))
        if errors:
            self.banner.setText(self.tr("Not saved: please correct the fields marked in red."))
            self.banner.show()

    def _error_message(self, code: str) -> str:
        return {
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
        }.get(code) or stats_rule_text(RuleViolation(code))

    def _draft(self) -> IncidentDraft | dict[str, str]:
        """The draft, or the errors found without asking the database."""
        coords: list[float | None] = []
        unreadable = False
        for edit in (self.lon, self.lat):
            text = edit.text().strip().replace(",", ".")
            try:
                coords.append(float(text) if text else None)
            except ValueError:
                coords.append(None)
                unreadable = True
        draft = self._make_draft(coords[0], coords[1])
        if unreadable:
            # Say everything that is wrong at once, not one field per attempt.
            errors = validate_draft(draft, self._now(), None)
            errors["location"] = "not_a_number"
            return errors
        return draft

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
            deaths=self.deaths.value(),
            injuries=self.injuries.value(),
            missing=self.missing.value(),
            id=self.incident_id,
        )

    def save(self) -> None:
        if self._saving:
            return
        draft = self._draft()
        figures = self.figures()
        figure_error: dict[str, str] = {}
        if figures is not None:
            try:
                validate_figures(figures)
            except RuleViolation as exc:
                figure_error = {"statistics": exc.code}
        if isinstance(draft, dict) or figure_error:
            if figure_error:
                self.stats_toggle.setChecked(True)
            self._show_errors({**(draft if isinstance(draft, dict) else {}), **figure_error})
            return
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
        self._show_errors({})
        label = self._errors["statistics"]
        label.setText(
            self.tr("Report saved, figures not saved: %1").replace(
                "%1", failure_text(saved.stats_error, self._where)
            )
        )
        label.show()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, DraftRejected):
            self._show_errors(exc.errors)
            return
        self._show_errors({})
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
