"""突发事件信息报告: an incident's 初报 / 续报 / 核报, previewed, edited, exported.

The report is built in the background and shown as plain text the officer may
edit; the clipboard, XLSX and PDF take the text as it stands in the preview.
XLSX is written and 记录为已上报 recorded in the background; the PDF is painted
on the GUI thread (rendering only, no database). Every piece of text goes into
the PDF's HTML escaped.

The kind first shown is the report the incident owes next (初报 until one is
made, then 续报, 核报 once closed). 下一步工作 is what the officer writes in its
own field: it is put into the text as it is typed (other edits stay), kept
while the dialog is open (changing the kind or regenerating keeps it) and
recorded with the report. A 续报 before any 初报, and any report on a drill,
is confirmed before it is recorded.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.deadlines import ReportKind
from app.domain.rules import RuleViolation
from app.services.incident_report import (
    DEFAULT_NEXT_STEPS,
    DRILL_MARK,
    NUMERALS,
    IncidentReport,
    IncidentReportService,
    render_text,
    set_next_steps,
    write_xlsx,
)
from app.services.incident_workflow import IncidentWorkflow, ReportingState
from app.ui import labels
from app.ui.documents import CJK_FAMILIES, ask_export, cjk_font, write_pdf
from app.ui.incidents import actions
from app.ui.incidents.actions import report_questions, rule_text
from app.ui.messages import file_error_text, problem_text, unexpected_text
from app.ui.tasks import TaskRunner

_HEADINGS = tuple(f"{n}、" for n in NUMERALS)


def text_html(text: str) -> str:
    """The report text as HTML: the first line a centred title, 一、.. headings bold."""
    e = html.escape
    lines = text.split("\n")
    out = ["<html><body>"]
    if lines:
        out.append(f"<h2 align='center'>{e(lines[0])}</h2>")
    for line in lines[1:]:
        if not line.strip():
            out.append("<p style='margin:0'>&nbsp;</p>")
        elif line.startswith(_HEADINGS):
            out.append(f"<p style='margin:4px 0'><b>{e(line)}</b></p>")
        else:
            out.append(f"<p style='margin:2px 0'>{e(line)}</p>")
    out.append("</body></html>")
    return "".join(out)


class IncidentReportDialog(QDialog):
    loaded = Signal()
    exported = Signal(str)  # the path written
    copied = Signal()
    recorded = Signal()  # the report was recorded as made (记录为已上报)
    failed = Signal(str)  # what went wrong, as shown

    def __init__(
        self,
        runner: TaskRunner,
        service: IncidentReportService,
        incident_id: uuid.UUID,
        now: Callable[[], datetime],
        where: str,
        parent: QWidget | None = None,
        *,
        kind: ReportKind | None = None,  # None: the report the incident owes next
        workflow: IncidentWorkflow | None = None,
        actor: str = "",
        site: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("IncidentReportDialog")
        self.setWindowTitle(self.tr("Incident report"))
        self._runner = runner
        self._service = service
        self._incident_id = incident_id
        self._now = now
        self._where = where
        self._workflow = workflow
        self._actor = actor
        self._site = site
        self.report: IncidentReport | None = None

        # The kind asked for; None until the first report tells which is owed.
        self._kind: ReportKind | None = ReportKind(kind) if kind is not None else None
        self.kind = QComboBox(self)
        self.kind.setObjectName("report_kind")
        for k in ReportKind:
            self.kind.addItem(labels.report_kind(k.value), k.value)
        self.kind.setCurrentIndex(self.kind.findData((self._kind or ReportKind.INITIAL).value))
        self.kind.currentIndexChanged.connect(self._on_kind_changed)
        self.regenerate_button = QPushButton(self.tr("Regenerate"), self)
        self.regenerate_button.setToolTip(
            self.tr("Build the text again from the incident and its log (edits are lost)")
        )
        self.regenerate_button.clicked.connect(self.reload)
        self.preview = QPlainTextEdit(self)
        self.preview.setObjectName("report_text")
        font = QFont()
        font.setFamilies(CJK_FAMILIES)
        font.setPointSizeF(11)
        self.preview.setFont(font)
        self.next_steps = QPlainTextEdit(self)
        self.next_steps.setObjectName("next_steps")
        self.next_steps.setTabChangesFocus(True)
        self.next_steps.setFixedHeight(self.next_steps.fontMetrics().lineSpacing() * 3 + 12)
        self.next_steps.textChanged.connect(self._on_next_steps_changed)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.xlsx_button = QPushButton(self.tr("Export XLSX"), self)
        self.pdf_button = QPushButton(self.tr("Export PDF"), self)
        self.record_button = QPushButton(self.tr("Record as reported"), self)
        self.record_button.setToolTip(
            self.tr("Record in the incident's log that this report was made upward now")
        )
        self.record_button.setVisible(workflow is not None)
        close = QPushButton(self.tr("Close"), self)
        self.copy_button.clicked.connect(self.copy_text)
        self.xlsx_button.clicked.connect(self._ask_xlsx)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.record_button.clicked.connect(self.record_reported)
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Report"), self))
        top.addWidget(self.kind)
        top.addWidget(self.regenerate_button)
        top.addStretch(1)
        hint = QLabel(self.tr("The text may be edited before it is exported."), self)
        hint.setWordWrap(True)
        top.addWidget(hint, 1)
        next_label = QLabel(self.tr("Next steps (for 下一步工作 in the report):"), self)
        next_label.setWordWrap(True)
        next_label.setBuddy(self.next_steps)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (
            self.copy_button,
            self.xlsx_button,
            self.pdf_button,
            self.record_button,
            close,
        ):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.preview, 1)
        layout.addWidget(next_label)
        layout.addWidget(self.next_steps)
        # The status on a line of its own: a long message never squeezes the buttons.
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self._set_ready(False)
        self.resize(900, 720)
        self.reload()

    # -- loading ----------------------------------------------------------------
    def selected_kind(self) -> ReportKind:
        return ReportKind(self.kind.currentData())

    def _on_kind_changed(self, _index: int) -> None:
        self._kind = self.selected_kind()
        self.reload()

    def reload(self) -> None:
        kind = self._kind
        now = self._now()
        incident_id = self._incident_id
        self._set_ready(False)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Loading…"))
        service = self._service  # the task must not hold the dialog (freed on a worker)
        self._runner.submit(
            lambda: service.build(incident_id, kind, now),
            self._on_report,
            self._fail,
            owner=self,
            latest="build",  # an older request (another kind) is not shown
        )

    def _on_report(self, report: IncidentReport) -> None:
        self.report = report
        if self._kind is None:
            self._kind = report.kind
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(self.kind.findData(report.kind.value))
            self.kind.blockSignals(False)
        self.next_steps.setPlaceholderText(
            self.tr("Left empty, the report says: %1").replace(
                "%1", DEFAULT_NEXT_STEPS[report.kind]
            )
        )
        self.preview.setPlainText(render_text(report, self.next_steps.toPlainText()))
        self.status.setText("")
        self._set_ready(True)
        self.loaded.emit()

    def _on_next_steps_changed(self) -> None:
        """Put the next steps into the text as they are typed; other edits stay."""
        if self.report is None:
            return
        bar = self.preview.verticalScrollBar()
        position = bar.value()
        text = set_next_steps(self.text(), self.report.kind, self.next_steps.toPlainText())
        if text != self.text():
            self.preview.setPlainText(text)
            bar.setValue(position)

    def _set_ready(self, ready: bool) -> None:
        for b in (self.copy_button, self.xlsx_button, self.pdf_button, self.record_button):
            b.setEnabled(ready)

    # -- the text ---------------------------------------------------------------
    def text(self) -> str:
        """The report as it stands in the preview (with the officer's edits)."""
        return self.preview.toPlainText()

    def document(self) -> QTextDocument:
        doc = QTextDocument(self)
        doc.setDefaultFont(cjk_font(11))
        doc.setHtml(text_html(self.text()))
        return doc

    def _default_name(self, suffix: str) -> str:
        title = self.text().split("\n", 1)[0].strip() or "report"
        safe = "".join(c for c in title if c not in '\\/:*?"<>|')[:60]
        return safe + suffix

    # -- output -----------------------------------------------------------------
    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Copied to the clipboard."))
        self.copied.emit()

    def _ask_xlsx(self) -> None:
        ask_export(self, ".xlsx", self._default_name(".xlsx"), self.export_xlsx)

    def _ask_pdf(self) -> None:
        ask_export(self, ".pdf", self._default_name(".pdf"), self.export_pdf)

    def export_xlsx(self, path: str | Path) -> None:
        """Write the XLSX in the background; ``exported`` or ``failed`` follows."""
        text = self.text()
        target = str(path)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Writing %1…").replace("%1", target))
        self._runner.submit(
            lambda: write_xlsx(text, target), lambda _: self._done(target), self._fail
        )

    def export_pdf(self, path: str | Path) -> None:
        """Paint the text into an A4 PDF (GUI thread: rendering only)."""
        target = str(path)
        try:
            write_pdf(self.document(), target, title=self.text().split("\n", 1)[0], margin_mm=25)
        except OSError:
            self._fail(OSError(self.tr("The PDF could not be written: %1").replace("%1", target)))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self._fail(exc)
            return
        self._done(target)

    def record_reported(self) -> None:
        """Record the (edited) text as the report made upward now (记录为已上报).

        What the database says now decides whether to ask first (续报 before
        any 初报, a drill)."""
        workflow, report = self._workflow, self.report
        if workflow is None or report is None:
            return
        incident_id = self._incident_id
        self.record_button.setEnabled(False)
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Recording…"))
        self._runner.submit(
            lambda: workflow.reporting_state(incident_id),
            self._on_reporting_state,
            self._fail_record,
        )

    def _on_reporting_state(self, state: ReportingState) -> None:
        workflow, report = self._workflow, self.report
        if workflow is None or report is None:
            return
        text = self.text()
        kind = report.kind
        questions = report_questions(
            kind, state, report.title, text_marked=DRILL_MARK in text.split("\n", 1)[0]
        )
        if questions and not actions.confirm(
            self, self.tr("Record as reported"), "\n\n".join(questions)
        ):
            self.record_button.setEnabled(True)
            self.status.setText(self.tr("Not recorded."))
            return
        next_steps = self.next_steps.toPlainText()
        incident_id = self._incident_id
        actor, site, at = self._actor, self._site, self._now()
        self._runner.submit(
            lambda: workflow.record_report(
                incident_id,
                kind,
                at,
                actor=actor,
                site=site,
                body=text,
                next_steps=next_steps,
                now=at,
            ),
            self._on_recorded,
            self._fail_record,
        )

    def _on_recorded(self, _entry: object) -> None:
        self.record_button.setEnabled(True)
        kind = self.report.kind if self.report is not None else self.selected_kind()
        self.status.setText(
            self.tr("Recorded in the log: %1 made.").replace("%1", labels.report_kind(kind.value))
        )
        self.recorded.emit()

    def _fail_record(self, exc: BaseException) -> None:
        self.record_button.setEnabled(True)
        self._fail(exc)

    def _done(self, path: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Saved: %1").replace("%1", path))
        self.exported.emit(path)

    def _fail(self, exc: BaseException) -> None:
        problem = classify(exc)
        if problem is not None:
            text = problem_text(problem, self._where)
        elif isinstance(exc, RuleViolation):
            text = rule_text(exc)
        elif isinstance(exc, OSError):
            text = self.tr("The file could not be written: %1").replace("%1", file_error_text(exc))
        else:
            text = unexpected_text(exc)
        self.status.setText(text)
        self.status.setStyleSheet("color: #b30000;")
        self.failed.emit(text)
