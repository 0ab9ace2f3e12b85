"""值班日报: preview the daily duty report, export it as XLSX or PDF, print it.

The report is read in the background; the preview is the document of
:mod:`app.ui.roster.duty_report_document` (every database string escaped).
XLSX is written in the background; PDF and printing paint the same document
on the GUI thread (rendering, no database).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QDate, QMarginsF, Qt, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.data.errors import classify
from app.domain.clock import CHINA_TZ
from app.domain.rules import ShiftPattern
from app.services.duty_report import DutyReport, DutyReportService, write_xlsx
from app.ui.documents import ask_export
from app.ui.messages import file_error_text, problem_text, unexpected_text
from app.ui.roster.duty_report_document import (
    report_document,
    report_html,
    title_text,
    write_report_pdf,
)
from app.ui.tasks import TaskRunner


class DutyReportDialog(QDialog):
    loaded = Signal()
    exported = Signal(str)  # the path written
    failed = Signal(str)  # what went wrong, as shown

    def __init__(
        self,
        runner: TaskRunner,
        service: DutyReportService,
        *,
        now: Callable[[], datetime],
        where: str,
        day: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DutyReportDialog")
        self.setWindowTitle(self.tr("Daily duty report"))
        self._runner = runner
        self._service = service
        self._now = now
        self._where = where
        self.report: DutyReport | None = None

        # The duty day by default: at 00:30 the night's report is still yesterday's.
        today = day or ShiftPattern().duty_day(now(), CHINA_TZ)
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setDate(QDate(today.year, today.month, today.day))
        self.day.dateChanged.connect(self.reload)
        # Real work only unless asked: a database may still hold the demo data set.
        self.include_demo = QCheckBox(self.tr("Include demo data"), self)
        self.include_demo.setObjectName("include_demo")
        self.include_demo.toggled.connect(self.reload)
        self.preview = QTextBrowser(self)
        self.preview.setObjectName("report_preview")
        self.preview.setOpenLinks(False)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.xlsx_button = QPushButton(self.tr("Export XLSX"), self)
        self.pdf_button = QPushButton(self.tr("Export PDF"), self)
        self.print_button = QPushButton(self.tr("Print"), self)
        close = QPushButton(self.tr("Close"), self)
        self.xlsx_button.clicked.connect(self._ask_xlsx)
        self.pdf_button.clicked.connect(self._ask_pdf)
        self.print_button.clicked.connect(self._ask_print)
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Day"), self))
        top.addWidget(self.day)
        top.addWidget(self.include_demo)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        for b in (self.xlsx_button, self.pdf_button, self.print_button, close):
            bottom.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.preview, 1)
        layout.addLayout(bottom)
        self._set_ready(False)
        self.resize(900, 720)
        self.reload()

    # -- loading ----------------------------------------------------------------
    def selected_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())

    def reload(self) -> None:
        day = self.selected_day()
        now = self._now()
        include_demo = self.include_demo.isChecked()
        self._set_ready(False)
        self.status.setText(self.tr("Loading…"))
        service = self._service  # the task must not hold the dialog (freed on a worker)
        # Owned by the dialog (closing it drops the answer); a newer day supersedes.
        self._runner.submit(
            lambda: service.build(day, now, include_demo=include_demo),
            self._on_report,
            self._fail,
            latest="report",
        )

    def _on_report(self, report: DutyReport) -> None:
        self.report = report
        self.preview.setHtml(self.report_html(report))
        self.status.setText("")
        self._set_ready(True)
        self.loaded.emit()

    def _set_ready(self, ready: bool) -> None:
        for b in (self.xlsx_button, self.pdf_button, self.print_button):
            b.setEnabled(ready)

    # -- the document (app/ui/roster/duty_report_document.py) --------------------
    def title_text(self, day: date) -> str:
        return title_text(day)

    def report_html(self, r: DutyReport) -> str:
        return report_html(r)

    def document(self) -> QTextDocument:
        if self.report is None:
            raise RuntimeError("no report loaded")
        return report_document(self.report, self)

    # -- output -----------------------------------------------------------------
    def _default_name(self, suffix: str) -> str:
        d = self.selected_day()
        return self.tr("duty-report-%1").replace("%1", d.isoformat()) + suffix

    def _ask_xlsx(self) -> None:
        ask_export(self, ".xlsx", self._default_name(".xlsx"), self.export_xlsx)

    def _ask_pdf(self) -> None:
        ask_export(self, ".pdf", self._default_name(".pdf"), self.export_pdf)

    def _ask_print(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def export_xlsx(self, path: str | Path) -> None:
        """Write the XLSX in the background; ``exported`` or ``failed`` follows."""
        report = self.report
        if report is None:
            return
        target = str(path)
        self.status.setText(self.tr("Writing %1…").replace("%1", target))
        self._runner.submit(
            lambda: write_xlsx(report, target), lambda _: self._done(target), self._fail
        )

    def export_pdf(self, path: str | Path) -> None:
        """Paint the report into an A4 PDF (GUI thread: rendering only), the same
        document ``main.py export duty-report`` writes."""
        target = str(path)
        if self.report is None:
            return
        try:
            write_report_pdf(self.report, target)
        except OSError:
            self._fail(OSError(self.tr("The PDF could not be written: %1").replace("%1", target)))
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self._fail(exc)
            return
        self._done(target)

    def print_to(self, printer: QPrinter) -> None:
        """Print on a configured printer (the print dialog's, or a PDF printer in tests)."""
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        printer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
        self.document().print_(printer)
        self.status.setText(self.tr("Sent to the printer."))

    def _done(self, path: str) -> None:
        self.status.setStyleSheet("")
        self.status.setText(self.tr("Saved: %1").replace("%1", path))
        self.exported.emit(path)

    def _fail(self, exc: BaseException) -> None:
        problem = classify(exc)
        if problem is not None:
            text = problem_text(problem, self._where)
        elif isinstance(exc, OSError):
            text = self.tr("The file could not be written: %1").replace("%1", file_error_text(exc))
        else:
            text = unexpected_text(exc)
        self.status.setText(text)
        self.status.setStyleSheet("color: #b30000;")
        self.failed.emit(text)
