"""突发事件信息报告 dialog on the demo database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import Incident
from app.domain.deadlines import ReportKind
from app.services.incident_report import IncidentReportService
from app.services.incident_workflow import IncidentWorkflow, parse_report_body
from app.services.incidents import IncidentService
from app.ui.incidents.report_dialog import IncidentReportDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard


def _now() -> datetime:
    return datetime.now(UTC)


def _settle(runner: TaskRunner) -> None:
    assert runner.wait_idle(10000)
    QApplication.processEvents()


def _incident(db: Database, title_part: str) -> uuid.UUID:
    with db.read_session() as s:
        found = s.scalar(select(Incident.id).where(Incident.title.contains(title_part)))
    assert found is not None
    return found


def _dialog(
    qtbot: Any, runner: TaskRunner, db: Database, incident_id: uuid.UUID, **kw: Any
) -> IncidentReportDialog:
    dialog = IncidentReportDialog(
        runner, IncidentReportService(db), incident_id, _now, "test", None, **kw
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    return dialog


def test_preview_copy_and_pdf_with_edits(
    qtbot: Any,
    runner: TaskRunner,
    ui_db: Database,
    check_db: Database,
    gui_guard: GuiThreadGuard,
    tmp_path: Path,
) -> None:
    iid = _incident(check_db, "储罐泄漏")
    dialog = _dialog(qtbot, runner, ui_db, iid)
    dialog.grab().save("/tmp/report.png")
    text = dialog.preview.toPlainText()
    assert text.startswith("关于经开区某化工新材料企业储罐泄漏的初报")
    assert "一、基本情况" in text and "受伤2人" in text
    assert dialog.kind.currentText() == "初报"

    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text

    # The officer's edits are what leaves the dialog.
    dialog.preview.setPlainText(text.replace("及时续报", "及时续报（已核对&<确认>）"))
    dialog.copy_button.click()
    assert "（已核对&<确认>）" in QGuiApplication.clipboard().text()

    pdf = tmp_path / "r.pdf"
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        dialog.export_pdf(pdf)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and b"/FontFile" in data
    assert "&lt;确认&gt;" in dialog.document().toHtml()  # escaped, shown as typed
    assert "<确认>" in dialog.document().toPlainText()

    xlsx = tmp_path / "r.xlsx"
    with qtbot.waitSignal(dialog.exported, timeout=10000):
        dialog.export_xlsx(xlsx)
    ws = load_workbook(xlsx).active
    assert ws is not None
    assert ws["A1"].value == "关于经开区某化工新材料企业储罐泄漏的初报"
    assert any("（已核对&<确认>）" in str(c.value) for c in ws["A"])
    _settle(runner)


def test_kind_switch_and_record_as_reported(
    qtbot: Any,
    runner: TaskRunner,
    ui_db: Database,
    check_db: Database,
    gui_guard: GuiThreadGuard,
) -> None:
    iid = _incident(check_db, "防汛抗洪桌面推演")
    dialog = _dialog(
        qtbot, runner, ui_db, iid, workflow=IncidentWorkflow(ui_db), actor="蒋涛", site="seat-1"
    )
    assert dialog.preview.toPlainText().startswith("【演练】关于防汛抗洪桌面推演的初报")
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.kind.setCurrentIndex(dialog.kind.findData(ReportKind.FOLLOW_UP.value))
    assert dialog.preview.toPlainText().startswith("【演练】关于防汛抗洪桌面推演的续报")
    dialog.preview.setPlainText(dialog.preview.toPlainText() + "\n补充：演练评估中。")
    with qtbot.waitSignal(dialog.recorded, timeout=10000):
        dialog.record_button.click()
    reports = [
        parse_report_body(e.body) for e in IncidentService(check_db).log(iid) if e.kind == "report"
    ]
    assert len(reports) == 1 and reports[0] is not None
    kind, body = reports[0]
    assert kind is ReportKind.FOLLOW_UP and body.endswith("补充：演练评估中。")
    _settle(runner)


def test_report_button_under_the_incident_list(window: Any, qtbot: Any) -> None:
    panel = window.incident_panel
    assert not panel.report_button.isEnabled()
    panel.view.selectRow(0)
    qtbot.waitUntil(panel.report_button.isEnabled, timeout=3000)
    from app.ui.incidents.report_dialog import IncidentReportDialog

    panel.report_button.click()
    dialogs = window.findChildren(IncidentReportDialog)
    assert len(dialogs) == 1 and dialogs[0].isVisible()
    window._runner.wait_idle(10000)
    qtbot.waitUntil(lambda: "初报" in dialogs[0].preview.toPlainText(), timeout=5000)
    dialogs[0].reject()
