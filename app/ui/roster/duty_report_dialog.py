"""值班日报: preview the daily duty report, export it as XLSX or PDF, print it.

The report is read in the background; the preview is HTML built here with
every database string escaped. XLSX is written in the background; PDF and
printing paint the same document on the GUI thread (rendering, no database).
"""

from __future__ import annotations

import html
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
from app.services.duty_report import DutyReport, DutyReportService, people_text, write_xlsx
from app.ui import labels
from app.ui.documents import ask_export, cjk_font, write_pdf
from app.ui.messages import problem_text, unexpected_text
from app.ui.tasks import TaskRunner


def _time(moment: datetime, day: date | None = None) -> str:
    local = moment.astimezone(CHINA_TZ)
    if day is not None and local.date() == day:
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


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

    # -- the document -----------------------------------------------------------
    def title_text(self, day: date) -> str:
        when = (
            self.tr("%1-%2-%3")
            .replace("%1", str(day.year))
            .replace("%2", str(day.month))
            .replace("%3", str(day.day))
        )
        return self.tr("Xiao County Emergency Management Bureau duty report, %1").replace(
            "%1", when
        )

    def report_html(self, r: DutyReport) -> str:
        e = html.escape
        c = r.counts
        made_at = self.tr("Made at")
        sections = [
            self.tr("1. Overview"),
            self.tr("2. Shifts"),
            self.tr("3. Incidents"),
            self.tr("4. Handovers"),
            self.tr("5. Open handover items"),
        ]
        out = [
            "<html><body>",
            f"<h2 align='center'>{e(self.title_text(r.day))}</h2>",
            f"<p style='color:#666'>{e(made_at)} {e(_time(r.generated_at))}</p>",
            (
                "<p style='color:#b30000'><b>"
                + e(self.tr("This report includes demo data: it is not the duty report."))
                + "</b></p>"
                if r.include_demo
                else ""
            ),
            f"<h3>{e(sections[0])}</h3><p>",
            e(
                self.tr("Incidents received: %1 (real %2, drills %3); closed %4, still open %5.")
                .replace("%1", str(c.incidents))
                .replace("%2", str(c.real_incidents))
                .replace("%3", str(c.drills))
                .replace("%4", str(c.closed))
                .replace("%5", str(c.still_open))
            ),
            "<br>",
        ]
        if c.by_category:
            cats = ", ".join(f"{labels.incident_category(k)} {n}" for k, n in c.by_category)
            out.append(e(self.tr("Real incidents by category: %1.").replace("%1", cats)) + "<br>")
        out.append(
            e(
                self.tr(
                    "Handovers: %1; open handover items: %2; incidents not closed (all days): %3."
                )
                .replace("%1", str(c.handovers))
                .replace("%2", str(c.open_items))
                .replace("%3", str(c.open_incidents_all))
            )
            + "</p>"
        )
        out.append(f"<h3>{e(sections[1])}</h3>")
        out.append(
            self._table(
                [
                    self.tr("Shift"),
                    self.tr("Time"),
                    self.tr("Leader on duty"),
                    self.tr("Duty officers"),
                ],
                [
                    [
                        sh.label,
                        f"{_time(sh.starts_at)} – {_time(sh.ends_at)}",
                        people_text(sh, "leader"),
                        people_text(sh, "officer"),
                    ]
                    for sh in r.shifts
                ],
                self.tr("No shift on this day."),
            )
        )
        out.append(f"<h3>{e(sections[2])}</h3>")
        out.append(
            self._table(
                [
                    self.tr("Received"),
                    self.tr("Incident"),
                    self.tr("Category"),
                    self.tr("Severity"),
                    self.tr("Status"),
                    self.tr("Drill"),
                    self.tr("Township"),
                ],
                [
                    [
                        _time(i.received_at, r.day),
                        i.title,
                        labels.incident_category(i.category),
                        labels.severity(i.severity),
                        labels.incident_status(i.status),
                        self.tr("drill") if i.is_drill else "",
                        i.township or "",
                    ]
                    for i in r.incidents
                ],
                self.tr("No incident received on this day."),
            )
        )
        out.append(f"<h3>{e(sections[3])}</h3>")
        out.append(
            self._table(
                [
                    self.tr("Handed over"),
                    self.tr("Summary"),
                    self.tr("Handed over by"),
                    self.tr("Taken over"),
                    self.tr("Items"),
                ],
                [
                    [
                        _time(h.handed_over_at, r.day),
                        h.summary or "",
                        h.handed_over_by,
                        f"{h.ack.acknowledged_by} {_time(h.ack.acknowledged_at, r.day)}"
                        if h.ack
                        else self.tr("not yet"),
                        str(len(h.items)),
                    ]
                    for h in r.handovers
                ],
                self.tr("No handover on this day."),
            )
        )
        out.append(f"<h3>{e(sections[4])}</h3>")
        out.append(
            self._table(
                [self.tr("Raised"), self.tr("Item"), self.tr("Incident"), self.tr("By")],
                [
                    [_time(i.handed_over_at), i.text, i.incident_title or "", i.created_by]
                    for i in r.open_items
                ],
                self.tr("None."),
            )
        )
        out.append("</body></html>")
        return "".join(out)

    def _table(self, headers: list[str], rows: list[list[str]], empty: str) -> str:
        e = html.escape
        if not rows:
            return f"<p>{e(empty)}</p>"
        head = "".join(f"<th bgcolor='#dde5f0' align='left'>{e(h)}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(v).replace(chr(10), '<br>')}</td>" for v in row) + "</tr>"
            for row in rows
        )
        return (
            "<table border='1' cellspacing='0' cellpadding='3' width='100%' "
            f"style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"
        )

    def document(self) -> QTextDocument:
        if self.report is None:
            raise RuntimeError("no report loaded")
        doc = QTextDocument(self)
        doc.setDefaultFont(cjk_font(9.5))
        doc.setHtml(self.report_html(self.report))
        return doc

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
        """Paint the report into an A4 PDF (GUI thread: rendering only)."""
        target = str(path)
        try:
            write_pdf(
                self.document(), target, title=self.title_text(self.selected_day()), margin_mm=15
            )
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
            text = self.tr("The file could not be written: %1").replace(
                "%1", exc.strerror or str(exc)
            )
        else:
            text = unexpected_text(exc)
        self.status.setText(text)
        self.status.setStyleSheet("color: #b30000;")
        self.failed.emit(text)
