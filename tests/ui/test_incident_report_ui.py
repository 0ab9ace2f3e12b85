"""突发事件信息报告 dialog on the demo database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import Incident
from app.domain.deadlines import ReportKind
from app.domain.enums import IncidentStatus
from app.services.incident_report import IncidentReportService
from app.services.incident_workflow import (
    IncidentWorkflow,
    parse_report_body,
    report_next_steps,
)
from app.services.incidents import IncidentService
from app.ui.incidents import actions as actions_module
from app.ui.incidents.report_dialog import IncidentReportDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard

NO_FIRST_REPORT = "此事件尚未报送初报，确定报送续报？"


class Questions:
    """Stands in for the yes/no box: records what was asked, answers ``answer``."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.answer = True

    def __call__(self, _parent: QWidget | None, _title: str, text: str) -> bool:
        self.asked.append(text)
        return self.answer


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    q = Questions()
    monkeypatch.setattr(actions_module, "confirm", q)
    return q


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
    questions: Questions,
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
    # A 续报 with no 初报 made, on a drill: both asked at once, answered yes.
    [asked] = questions.asked
    assert NO_FIRST_REPORT in asked and "演练" in asked and "防汛抗洪桌面推演" in asked
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


# -- the report owed, next steps, questions ---------------------------------------


def _open(window: Any, incident_id: uuid.UUID, qtbot: Any) -> IncidentReportDialog:
    dialog: IncidentReportDialog = window.open_incident_report(incident_id)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10000)
    return dialog


def test_the_dialog_offers_the_report_owed(window: Any, check_db: Database, qtbot: Any) -> None:
    rows = window.incident_panel.model.rows()
    closed = next(i for i in rows if i.status == "closed")
    received = next(i for i in rows if i.status == "received" and not i.is_drill)
    handling = next(i for i in rows if i.status == "handling" and not i.is_drill)
    IncidentWorkflow(check_db).record_report(
        handling.id,
        ReportKind.INITIAL,
        datetime.now(UTC),
        actor="值班员乙",
        site="seat-2",
        body="已电话报市应急局",
    )
    for incident, kind in (
        (closed, "核报"),
        (received, "初报"),
        (handling, "续报"),
        (closed, "核报"),
    ):
        dialog = _open(window, incident.id, qtbot)
        assert dialog.kind.currentText() == kind, incident.title
        assert dialog.text().split("\n", 1)[0].endswith(f"的{kind}")
        dialog.reject()
    window._runner.wait_idle(10000)
    QApplication.processEvents()


def test_next_steps_are_what_the_officer_writes(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database
) -> None:
    iid = _incident(check_db, "强降雨")
    dialog = _dialog(
        qtbot, runner, ui_db, iid, workflow=IncidentWorkflow(ui_db), actor="孙浩", site="seat-1"
    )
    assert dialog.kind.currentText() == "初报"
    # The officer corrects a line of the text, then writes the next steps.
    dialog.preview.setPlainText(dialog.text().replace("需转移部分群众", "需转移群众约300人"))
    # (Typed: QTest cannot send Chinese key by key, so the text goes in as typing would.)
    dialog.next_steps.setFocus()
    dialog.next_steps.insertPlainText("继续排涝，24小时值守")
    qtbot.keyClick(dialog.next_steps, Qt.Key.Key_Return)
    dialog.next_steps.insertPlainText("做好转移群众安置")
    lines = dialog.text().split("\n")
    section = lines[lines.index("四、下一步工作") + 1 :]
    assert section[:3] == ["继续排涝，24小时值守", "做好转移群众安置", ""]
    assert "需转移群众约300人" in dialog.text(), "other edits stay"
    assert "及时续报" not in dialog.text(), "the default sentence gives way"

    # Kept when the kind changes (the text is built again).
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.kind.setCurrentIndex(dialog.kind.findData(ReportKind.FOLLOW_UP.value))
    assert dialog.next_steps.toPlainText() == "继续排涝，24小时值守\n做好转移群众安置"
    assert "四、下一步工作\n继续排涝，24小时值守\n做好转移群众安置\n" in dialog.text()
    # Nothing of the log under 四 (it is under 三 once).
    assert "最新进展" not in dialog.text()
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.kind.setCurrentIndex(dialog.kind.findData(ReportKind.INITIAL.value))

    # Recorded with the report.
    with qtbot.waitSignal(dialog.recorded, timeout=10000):
        dialog.record_button.click()
    [entry] = [e for e in IncidentService(check_db).log(iid) if e.kind == "report"]
    parsed = parse_report_body(entry.body)
    assert parsed is not None and parsed[0] is ReportKind.INITIAL
    assert "继续排涝，24小时值守\n做好转移群众安置" in parsed[1]
    assert report_next_steps(entry.body) == "继续排涝，24小时值守\n做好转移群众安置"

    # Emptied: the customary sentence comes back.
    dialog.next_steps.clear()
    assert "四、下一步工作\n县应急管理局将密切关注事态发展" in dialog.text()
    _settle(runner)


def test_a_drill_report_is_not_recorded_without_a_yes(
    qtbot: Any,
    runner: TaskRunner,
    ui_db: Database,
    check_db: Database,
    questions: Questions,
) -> None:
    iid = _incident(check_db, "防汛抗洪桌面推演")
    dialog = _dialog(
        qtbot, runner, ui_db, iid, workflow=IncidentWorkflow(ui_db), actor="蒋涛", site="seat-1"
    )
    assert dialog.kind.currentText() == "初报"
    questions.answer = False
    dialog.record_button.click()
    qtbot.waitUntil(lambda: len(questions.asked) == 1, timeout=5000)
    assert "演练" in questions.asked[0] and "【演练】标注" not in questions.asked[0]
    qtbot.waitUntil(dialog.record_button.isEnabled, timeout=5000)
    assert [e for e in IncidentService(check_db).log(iid) if e.kind == "report"] == []
    # The drill mark taken out of the text: said too.
    dialog.preview.setPlainText(dialog.text().replace("【演练】", ""))
    dialog.record_button.click()
    qtbot.waitUntil(lambda: len(questions.asked) == 2, timeout=5000)
    assert "没有【演练】标注" in questions.asked[1]
    _settle(runner)


def test_a_closed_incident_reports_its_closure_once(
    qtbot: Any, runner: TaskRunner, ui_db: Database, check_db: Database
) -> None:
    wf = IncidentWorkflow(check_db)
    iid = _incident(check_db, "强降雨")
    [dto] = IncidentService(check_db).by_ids([iid])
    wf.transition(
        iid,
        IncidentStatus.CLOSED,
        dto.version,
        actor="王建华",
        site="s",
        at=datetime.now(UTC),
        note="积水全部排除，转移群众已返家。",
    )
    dialog = _dialog(qtbot, runner, ui_db, iid)
    assert dialog.kind.currentText() == "核报"
    text = dialog.text()
    # Under 三 with the step, not again as a summary under 四.
    assert text.count("积水全部排除，转移群众已返家。") == 1
    assert "事件状态转为「结束」：积水全部排除" in text
    _settle(runner)
