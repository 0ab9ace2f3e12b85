"""Natural-disaster statistics (自然灾害情况统计) in the UI.

- :class:`FiguresForm`: the figures, each kept as typed with its message under
  it (the report form and the update dialog share it).
- :class:`StatsUpdateDialog`: 统计更新 of one incident, prefilled with its
  current figures, with 基本生活救助已到位; saves in the background and stays
  open with the reason when refused.
- :class:`StatsDialog`: totals per day, type or township over a date range, a
  bar chart of 受灾人口 per group, and the hours until basic living assistance
  against the plan's 10-hour target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.clock import CHINA_TZ
from app.domain.rules import RuleViolation
from app.services.disaster_stats import (
    AMOUNT_FIELDS,
    FIGURE_FIELDS,
    AggregateRow,
    AssistanceTime,
    DisasterStats,
    Figures,
    GroupBy,
    china_day_start,
    validate_figures,
)
from app.ui import labels
from app.ui.forms import FieldErrors, NumberField, field_text
from app.ui.messages import problem_text, unexpected_text
from app.ui.models.table import format_time
from app.ui.tasks import TaskRunner

CONTEXT = "DisasterStats"
MISSED_COLOR = "#b30000"
MET_COLOR = "#1a7f37"

# QT_TRANSLATE_NOOP marks the texts for lupdate (its stub is typed as returning object).
RULE_TEXTS: dict[str, object] = {
    "stats.negative": QT_TRANSLATE_NOOP("DisasterStats", "Figures cannot be negative."),
    "stats.not_a_number": QT_TRANSLATE_NOOP("DisasterStats", "Every figure must be a number."),
    "stats.crops_damaged_exceeds_affected": QT_TRANSLATE_NOOP(
        "DisasterStats", "The crop area damaged cannot exceed the area affected."
    ),
    "stats.crops_lost_exceeds_damaged": QT_TRANSLATE_NOOP(
        "DisasterStats", "The crop area lost cannot exceed the area damaged."
    ),
    "stats.not_natural": QT_TRANSLATE_NOOP(
        "DisasterStats", "Disaster statistics are kept for natural disasters only."
    ),
    "incident.unknown": QT_TRANSLATE_NOOP("DisasterStats", "This incident no longer exists."),
    "time.naive": QT_TRANSLATE_NOOP("DisasterStats", "The time has no time zone."),
    "time.future": QT_TRANSLATE_NOOP("DisasterStats", "The time lies in the future."),
    "time.before_received": QT_TRANSLATE_NOOP(
        "DisasterStats", "The time lies before the incident was received."
    ),
}
GROUPS: tuple[tuple[GroupBy, object], ...] = (
    ("day", QT_TRANSLATE_NOOP("DisasterStats", "Date")),
    ("type", QT_TRANSLATE_NOOP("DisasterStats", "Type")),
    ("township", QT_TRANSLATE_NOOP("DisasterStats", "Township")),
)


def _t(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


def figure_label(name: str) -> str:
    return labels.figure_heading(name)


def stats_rule_text(exc: RuleViolation) -> str:
    text = RULE_TEXTS.get(exc.code)
    if text is None:
        return QCoreApplication.translate("DisasterStats", "Not allowed by the rules: %1").replace(
            "%1", exc.code
        )
    return _t(str(text))


def failure_text(exc: BaseException, where: str) -> str:
    """Why a statistics save or read failed, in the user's language."""
    if isinstance(exc, RuleViolation):
        return stats_rule_text(exc)
    problem = classify(exc)
    return problem_text(problem, where) if problem else unexpected_text(exc)


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class FiguresForm(QWidget):
    """The statistics figures, two columns, each kept as typed with its message under it."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        omit: tuple[str, ...] = (),
        errors: FieldErrors | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("FiguresForm")
        # The messages line up with the rest of the form when it passes its own.
        self.errors = errors if errors is not None else FieldErrors(self)
        self.boxes: dict[str, NumberField] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        shown = [name for name in FIGURE_FIELDS if name not in omit]
        half = (len(shown) + 1) // 2
        for n, name in enumerate(shown):
            if name in AMOUNT_FIELDS:
                box = NumberField(self, decimals=2, maximum=1e9)
            else:
                box = NumberField(self, maximum=100_000_000)
            box.setObjectName(f"figure_{name}")
            self.boxes[name] = box
            row, col = n % half, (n // half) * 2
            grid.addWidget(QLabel(figure_label(name), self), row, col, Qt.AlignmentFlag.AlignTop)
            check = self._check(name)
            field = self.errors.add(f"figure_{name}", box, check=check, wrap=False)
            grid.addWidget(field, row, col + 1)

    def _check(self, name: str) -> Callable[[], str | None]:
        return lambda: self.problem(name)

    def problem(self, name: str) -> str | None:
        """Why the box of ``name`` cannot be saved on its own, or None."""
        box = self.boxes[name]
        if box.problem() is not None:
            return box.problem_text()
        try:
            # Only this figure: the rules between figures are the form's to say.
            alone: dict[str, Any] = {name: box.value()}
            validate_figures(Figures(**alone))
        except RuleViolation as exc:
            if exc.detail == name and exc.code == "stats.negative":
                return field_text("negative")
            if exc.detail == name:
                return stats_rule_text(exc)
        return None

    def problems(self) -> dict[str, str]:
        """Message key -> text of every box refused on its own."""
        found = {f"figure_{name}": self.problem(name) for name in self.boxes}
        return {key: text for key, text in found.items() if text}

    def figures(self, **given: Any) -> Figures:
        """The figures typed (``given`` for the ones this form does not show).

        RuleViolation ``stats.not_a_number`` (detail: the figure) when a box holds no number.
        """
        values: dict[str, Any] = {}
        for name, box in self.boxes.items():
            number = box.number()
            if number is None:
                raise RuleViolation("stats.not_a_number", name)
            values[name] = number
        values.update(given)
        return Figures(**values)

    def set_figures(self, figures: Figures) -> None:
        for f in fields(figures):
            box = self.boxes.get(f.name)
            if box is not None:
                box.setValue(getattr(figures, f.name))


class StatsUpdateDialog(QDialog):
    """统计更新: the incident's figures, prefilled with the current ones."""

    saved = Signal()

    def __init__(
        self,
        runner: TaskRunner,
        save: Callable[[Figures, bool], object],
        figures: Figures | None,
        delivered: bool,
        where: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StatsUpdateDialog")
        self.setWindowTitle(self.tr("Update disaster statistics"))
        self._runner = runner
        self._save = save
        self._where = where
        self._saving = False
        self.form = FiguresForm(self)
        if figures is not None:
            self.form.set_figures(figures)
        self.delivered = QCheckBox(self.tr("Basic living assistance delivered"), self)
        self.delivered.setObjectName("assistance_delivered")
        self.delivered.setChecked(delivered)
        self.error = QLabel(self)
        self.error.setObjectName("stats_error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {MISSED_COLOR}; font-weight: bold;")
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.error)
        layout.addWidget(self.form)
        layout.addWidget(self.delivered)
        layout.addWidget(buttons)

    def save(self) -> None:
        if self._saving:
            return
        problems = self.form.problems()
        self.form.errors.show(problems)
        if problems:
            self._show_error(self.tr("Not saved: please correct the figures marked in red."))
            return
        try:
            figures = self.form.figures()
            validate_figures(figures)
        except RuleViolation as exc:
            self._show_error(stats_rule_text(exc))
            return
        self._saving = True
        self.save_button.setEnabled(False)
        delivered, save = self.delivered.isChecked(), self._save
        self._runner.submit(lambda: save(figures, delivered), self._on_saved, self._on_failed)

    def _on_saved(self, _result: object) -> None:
        self._saving = False
        self.saved.emit()
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._show_error(self.tr("Not saved: %1").replace("%1", failure_text(exc, self._where)))

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


class StatsDialog(QDialog):
    """Totals per day, type or township; 受灾人口 chart; assistance hours vs 10 h."""

    def __init__(
        self,
        runner: TaskRunner,
        stats: DisasterStats,
        now: Callable[[], datetime],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StatsDialog")
        self.setWindowTitle(self.tr("Natural disaster statistics"))
        self._runner = runner
        self._stats = stats
        self._now = now
        self.rows: list[AggregateRow] = []
        self.times: list[AssistanceTime] = []

        today = now().astimezone(CHINA_TZ).date()
        first = today - timedelta(days=30)
        self.date_from = QDateEdit(QDate(first.year, first.month, first.day), self)
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.date_from.setObjectName("stats_from")
        self.date_to.setObjectName("stats_to")
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(self.refresh)
        self.group = QComboBox(self)
        self.group.setObjectName("stats_group")
        for code, text in GROUPS:
            self.group.addItem(_t(str(text)), code)
        self.group.currentIndexChanged.connect(self.refresh)
        # Real work only unless asked: a database may still hold the demo data set.
        self.include_demo = QCheckBox(self.tr("Include demo data"), self)
        self.include_demo.setObjectName("stats_include_demo")
        self.include_demo.toggled.connect(self.refresh)
        refresh = QPushButton(self.tr("Refresh"), self)
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("From"), self))
        top.addWidget(self.date_from)
        top.addWidget(QLabel(self.tr("to"), self))
        top.addWidget(self.date_to)
        top.addWidget(QLabel(self.tr("Group by"), self))
        top.addWidget(self.group)
        top.addWidget(self.include_demo)
        top.addStretch(1)
        top.addWidget(refresh)

        self.status = QLabel(self)
        self.status.setObjectName("stats_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.table = self._table(
            "stats_table",
            [self.tr("Group"), self.tr("Incidents")] + [figure_label(n) for n in FIGURE_FIELDS],
        )
        self.plot = pg.PlotWidget(self)
        self.plot.setObjectName("stats_plot")
        self.plot.setBackground("w")
        self.plot.setLabel("left", figure_label("affected_population"))
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setMinimumHeight(180)
        self.bars: pg.BarGraphItem | None = None
        self.assistance = self._table(
            "assistance_table",
            [
                self.tr("Incident"),
                self.tr("Type"),
                self.tr("Received"),
                self.tr("Assistance delivered"),
                self.tr("Hours"),
                self.tr("Target 10 h"),
            ],
        )

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.plot)
        assistance_box = QWidget(self)
        box = QVBoxLayout(assistance_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(
            QLabel(self.tr("Time from report to basic living assistance (target: 10 hours)"), self)
        )
        box.addWidget(self.assistance)
        splitter.addWidget(assistance_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Close"))
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.resize(1100, 760)
        self.refresh()

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers), self)
        table.setObjectName(name)
        table.setHorizontalHeaderLabels(headers)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        return table

    def group_by(self) -> GroupBy:
        code: GroupBy = self.group.currentData()
        return code

    def refresh(self) -> None:
        start = china_day_start(_day(self.date_from.date()))
        end = china_day_start(_day(self.date_to.date())) + timedelta(days=1)
        by, stats, now = self.group_by(), self._stats, self._now()
        demo = self.include_demo.isChecked()
        self.status.setText(self.tr("Loading…"))

        def load() -> tuple[list[AggregateRow], list[AssistanceTime]]:
            return (
                stats.aggregate(start, end, by, include_demo=demo),
                stats.assistance_times(start, end, now=now, include_demo=demo),
            )

        def done(result: tuple[list[AggregateRow], list[AssistanceTime]]) -> None:
            self._show(by, *result, demo=demo)

        def failed(exc: BaseException) -> None:
            self.status.setText(
                self.tr("Statistics unavailable: %1").replace("%1", failure_text(exc, ""))
            )

        # Only the newest choice of dates and grouping is answered.
        self._runner.submit(load, done, failed, owner=self, latest="statistics")

    # -- showing (GUI thread) ------------------------------------------------------
    def group_name(self, by: GroupBy, row: AggregateRow) -> str:
        if by == "type":
            return labels.incident_type(row.key)
        if by == "township":
            return row.name or self.tr("(not known)")
        return row.key

    def _show(
        self,
        by: GroupBy,
        rows: list[AggregateRow],
        times: list[AssistanceTime],
        *,
        demo: bool = False,
    ) -> None:
        self.rows, self.times = rows, times
        count = sum(r.incidents for r in rows)
        if demo:
            text = self.tr("%1 natural disasters (drills left out, demo data included)")
        else:
            text = self.tr("%1 natural disasters (drills left out)")
        self.status.setText(text.replace("%1", str(count)))
        names = [self.group_name(by, r) for r in rows]
        self.table.setRowCount(len(rows))
        for i, (row, name) in enumerate(zip(rows, names, strict=True)):
            values = [name, str(row.incidents)] + [
                _number(getattr(row.figures, f)) for f in FIGURE_FIELDS
            ]
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if j > 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self._plot(names, [float(r.figures.affected_population) for r in rows])

        self.assistance.setRowCount(len(times))
        for i, t in enumerate(times):
            if t.met_target is True:
                verdict, color = self.tr("met"), MET_COLOR
            elif t.met_target is False:
                verdict, color = self.tr("missed"), MISSED_COLOR
            else:
                verdict, color = self.tr("pending"), ""
            values = [
                t.title,
                labels.incident_type(t.incident_type),
                format_time(t.received_at),
                format_time(t.delivered_at) if t.delivered_at else self.tr("not yet"),
                f"{t.hours:.1f}",
                verdict,
            ]
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if color and j >= 4:
                    item.setForeground(QColor(color))
                self.assistance.setItem(i, j, item)
        self.assistance.resizeColumnsToContents()

    def _plot(self, names: list[str], values: list[float]) -> None:
        if self.bars is not None:
            self.plot.removeItem(self.bars)
            self.bars = None
        xs = list(range(len(values)))
        if values:
            self.bars = pg.BarGraphItem(x=xs, height=values, width=0.6, brush="#d95f02")
            self.plot.addItem(self.bars)
        self.plot.getAxis("bottom").setTicks([list(zip(xs, names, strict=True))])
        self.plot.enableAutoRange()
