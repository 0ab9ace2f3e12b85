"""The 值班日报 as a printed document: the HTML the dialog previews, prints and
exports as PDF, and the same PDF for ``main.py export duty-report``.

Needs a ``QGuiApplication`` (no widgets, no window: the offscreen platform
will do). Words are those of the running translation (context
``DutyReportDialog`` in ``resources/i18n``), Chinese with the program's
translator installed. Every string read from the database is escaped with
``html.escape`` (an incident titled ``<b>x</b>`` prints as typed), after
:func:`~app.services.spreadsheet.cell_text` turned Word's line break into one.
"""

from __future__ import annotations

import html
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtGui import QTextDocument

from app.domain.clock import CHINA_TZ
from app.services.duty_report import DutyReport, people_text
from app.services.spreadsheet import cell_text, replacing
from app.ui import labels
from app.ui.documents import cjk_font, write_pdf

PDF_MARGIN_MM = 15.0
FONT_POINTS = 9.5


def _time(moment: datetime, day: date | None = None) -> str:
    local = moment.astimezone(CHINA_TZ)
    if day is not None and local.date() == day:
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def _e(text: str) -> str:
    """Database or translated text as HTML: escaped, line breaks kept."""
    return html.escape(cell_text(text)).replace("\n", "<br>")


def title_text(day: date) -> str:
    """The report's title for ``day`` ("萧县应急管理局值班日报 2026年11月29日" in Chinese)."""
    when = (
        QCoreApplication.translate("DutyReportDialog", "%1-%2-%3")
        .replace("%1", str(day.year))
        .replace("%2", str(day.month))
        .replace("%3", str(day.day))
    )
    return QCoreApplication.translate(
        "DutyReportDialog", "Xiao County Emergency Management Bureau duty report, %1"
    ).replace("%1", when)


def report_html(r: DutyReport) -> str:
    """The whole report as HTML for a ``QTextDocument``: title, when it was made,
    the demo-data warning when demo rows are in, then 一、概况 to 五、未办结交接事项."""
    c = r.counts
    made_at = QCoreApplication.translate("DutyReportDialog", "Made at")
    sections = [
        QCoreApplication.translate("DutyReportDialog", "1. Overview"),
        QCoreApplication.translate("DutyReportDialog", "2. Shifts"),
        QCoreApplication.translate("DutyReportDialog", "3. Incidents"),
        QCoreApplication.translate("DutyReportDialog", "4. Handovers"),
        QCoreApplication.translate("DutyReportDialog", "5. Open handover items"),
    ]
    demo_note = QCoreApplication.translate(
        "DutyReportDialog", "This report includes demo data: it is not the duty report."
    )
    out = [
        "<html><body>",
        f"<h2 align='center'>{_e(title_text(r.day))}</h2>",
        f"<p style='color:#666'>{_e(made_at)} {_e(_time(r.generated_at))}</p>",
        f"<p style='color:#b30000'><b>{_e(demo_note)}</b></p>" if r.include_demo else "",
        f"<h3>{_e(sections[0])}</h3><p>",
        _e(
            QCoreApplication.translate(
                "DutyReportDialog",
                "Incidents received: %1 (real %2, drills %3); closed %4, still open %5.",
            )
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
        by_category = QCoreApplication.translate(
            "DutyReportDialog", "Real incidents by category: %1."
        ).replace("%1", cats)
        out.append(_e(by_category) + "<br>")
    out.append(
        _e(
            QCoreApplication.translate(
                "DutyReportDialog",
                "Handovers: %1; open handover items: %2; incidents not closed (all days): %3.",
            )
            .replace("%1", str(c.handovers))
            .replace("%2", str(c.open_items))
            .replace("%3", str(c.open_incidents_all))
        )
        + "</p>"
    )
    out.append(f"<h3>{_e(sections[1])}</h3>")
    out.append(
        _table(
            [
                QCoreApplication.translate("DutyReportDialog", "Shift"),
                QCoreApplication.translate("DutyReportDialog", "Time"),
                QCoreApplication.translate("DutyReportDialog", "Leader on duty"),
                QCoreApplication.translate("DutyReportDialog", "Duty officers"),
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
            QCoreApplication.translate("DutyReportDialog", "No shift on this day."),
        )
    )
    out.append(f"<h3>{_e(sections[2])}</h3>")
    drill = QCoreApplication.translate("DutyReportDialog", "drill")
    out.append(
        _table(
            [
                QCoreApplication.translate("DutyReportDialog", "Received"),
                QCoreApplication.translate("DutyReportDialog", "Incident"),
                QCoreApplication.translate("DutyReportDialog", "Category"),
                QCoreApplication.translate("DutyReportDialog", "Severity"),
                QCoreApplication.translate("DutyReportDialog", "Status"),
                QCoreApplication.translate("DutyReportDialog", "Drill"),
                QCoreApplication.translate("DutyReportDialog", "Township"),
            ],
            [
                [
                    _time(i.received_at, r.day),
                    i.title,
                    labels.incident_category(i.category),
                    labels.severity(i.severity),
                    labels.incident_status(i.status),
                    drill if i.is_drill else "",
                    i.township or "",
                ]
                for i in r.incidents
            ],
            QCoreApplication.translate("DutyReportDialog", "No incident received on this day."),
        )
    )
    out.append(f"<h3>{_e(sections[3])}</h3>")
    not_yet = QCoreApplication.translate("DutyReportDialog", "not yet")
    out.append(
        _table(
            [
                QCoreApplication.translate("DutyReportDialog", "Handed over"),
                QCoreApplication.translate("DutyReportDialog", "Summary"),
                QCoreApplication.translate("DutyReportDialog", "Handed over by"),
                QCoreApplication.translate("DutyReportDialog", "Taken over"),
                QCoreApplication.translate("DutyReportDialog", "Items"),
            ],
            [
                [
                    _time(h.handed_over_at, r.day),
                    h.summary or "",
                    h.handed_over_by,
                    f"{h.ack.acknowledged_by} {_time(h.ack.acknowledged_at, r.day)}"
                    if h.ack
                    else not_yet,
                    str(len(h.items)),
                ]
                for h in r.handovers
            ],
            QCoreApplication.translate("DutyReportDialog", "No handover on this day."),
        )
    )
    out.append(f"<h3>{_e(sections[4])}</h3>")
    out.append(
        _table(
            [
                QCoreApplication.translate("DutyReportDialog", "Raised"),
                QCoreApplication.translate("DutyReportDialog", "Item"),
                QCoreApplication.translate("DutyReportDialog", "Incident"),
                QCoreApplication.translate("DutyReportDialog", "By"),
            ],
            [
                [_time(i.handed_over_at), i.text, i.incident_title or "", i.created_by]
                for i in r.open_items
            ],
            QCoreApplication.translate("DutyReportDialog", "None."),
        )
    )
    out.append("</body></html>")
    return "".join(out)


def _table(headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f"<p>{_e(empty)}</p>"
    head = "".join(f"<th bgcolor='#dde5f0' align='left'>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (
        "<table border='1' cellspacing='0' cellpadding='3' width='100%' "
        f"style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"
    )


def report_document(report: DutyReport, parent: QObject | None = None) -> QTextDocument:
    """The report as a ``QTextDocument`` in a CJK font, ready to preview, print or
    paint into a PDF."""
    doc = QTextDocument(parent)
    doc.setDefaultFont(cjk_font(FONT_POINTS))
    doc.setHtml(report_html(report))
    return doc


def write_report_pdf(report: DutyReport, path: str | Path) -> None:
    """Paint the report into an A4 PDF at ``path`` (15 mm margins, Chinese fonts
    embedded, the title in the PDF's properties), written whole or not at all
    (:func:`~app.services.spreadsheet.replacing`). Rendering: call it on the
    thread of the ``QGuiApplication``. Raises OSError when the file cannot be
    written."""
    doc = report_document(report)
    with replacing(path) as temp:
        write_pdf(doc, temp, title=title_text(report.day), margin_mm=PDF_MARGIN_MM)
