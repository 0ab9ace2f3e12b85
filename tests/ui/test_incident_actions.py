"""The actions strip under the incident list, on the demo database."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import IncidentLogEntry
from app.domain.deadlines import ReportingRules
from app.domain.enums import IncidentStatus
from app.services.dto import IncidentDTO
from app.services.incident_workflow import IncidentWorkflow
from app.ui.incidents.actions import IncidentActions
from app.ui.incidents.panel import IncidentPanel
from app.ui.main_window import MainWindow

CONFLICT = "该事件已被他人更新,已刷新,请重试"


def _select(panel: IncidentPanel, status: str, qtbot: Any) -> IncidentDTO:
    incident = next(i for i in panel.model.rows() if i.status == status and not i.is_drill)
    row = panel.model.row_of_id(incident.id)
    assert row is not None
    panel.view.selectRow(panel._proxy.mapFromSource(panel.model.index(row, 0)).row())
    actions = _actions(panel)
    qtbot.waitUntil(
        lambda: actions.incident is not None and actions.incident.id == incident.id, timeout=5000
    )
    qtbot.waitUntil(lambda: panel.timeline.count() > 0, timeout=5000)
    return incident


def _actions(panel: IncidentPanel) -> IncidentActions:
    assert panel.incident_actions is not None
    return panel.incident_actions


def _visible_steps(actions: IncidentActions) -> list[str]:
    return [b.text() for b in actions.step_buttons.values() if b.isVisibleTo(actions)]


def _log(db: Database, incident_id: uuid.UUID) -> list[IncidentLogEntry]:
    with db.read_session() as s:
        return list(
            s.scalars(
                select(IncidentLogEntry)
                .where(IncidentLogEntry.incident_id == incident_id)
                .order_by(IncidentLogEntry.at, IncidentLogEntry.created_at)
            )
        )


def _status_in_list(panel: IncidentPanel, incident_id: uuid.UUID) -> str:
    row = panel.model.row_of_id(incident_id)
    assert row is not None
    return str(panel.model.index(row, 4).data())


def test_verify_moves_the_incident_on(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    # Only the steps the flow allows from 接报: 核实 and 结束.
    assert _visible_steps(actions) == ["核实", "结束"]
    before = panel.timeline.count()
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.VERIFIED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _status_in_list(panel, incident.id) == "核实", timeout=5000)
    qtbot.waitUntil(lambda: panel.timeline.count() == before + 1, timeout=5000)
    last = panel.timeline.item(panel.timeline.count() - 1).text()
    assert "[状态变更]" in last and "核实" in last and "值班员甲" in last
    assert _visible_steps(actions) == ["上报", "结束"]
    assert not actions.banner.isVisible()
    entries = _log(check_db, incident.id)
    assert entries[-1].kind == "status" and '"verified"' in entries[-1].body


def test_closed_incident_offers_no_step(window: MainWindow, qtbot: Any) -> None:
    panel = window.incident_panel
    _select(panel, "closed", qtbot)
    actions = _actions(panel)
    assert _visible_steps(actions) == []
    assert actions._no_steps.isVisibleTo(actions)


def test_response_needs_a_level_and_plan(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "reported", qtbot)
    actions = _actions(panel)
    assert _visible_steps(actions) == ["启动响应…", "处置"]
    count = len(_log(check_db, incident.id))

    qtbot.mouseClick(actions.step_buttons[IncidentStatus.RESPONDING], Qt.MouseButton.LeftButton)
    dialog = actions.response_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.plan.setText("萧县食品安全事故应急预案")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "refused without a level"
    assert dialog.error.text() == "启动响应须选择响应级别。"
    # Called without a level anyway, the workflow refuses it and says which rule.
    actions.transition(IncidentStatus.RESPONDING)
    qtbot.waitUntil(lambda: actions.banner.isVisible(), timeout=5000)
    assert actions.banner.text() == "未保存:启动响应须选择响应级别。"
    assert len(_log(check_db, incident.id)) == count, "nothing written"

    dialog.level.setCurrentIndex(dialog.level.findData("3"))
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _status_in_list(panel, incident.id) == "响应", timeout=5000)
    entries = _log(check_db, incident.id)
    assert len(entries) == count + 1
    assert '"response_level": "3"' in entries[-1].body
    assert "萧县食品安全事故应急预案" in entries[-1].body


def test_add_an_entry_with_enter(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    panel = window.incident_panel
    incident = _select(panel, "handling", qtbot)
    actions = _actions(panel)
    before = panel.timeline.count()
    actions.entry_kind.setCurrentIndex(actions.entry_kind.findText("领导批示"))
    actions.entry_text.setText("县长批示:全力转移低洼片区群众")
    qtbot.keyClick(actions.entry_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.timeline.count() == before + 1, timeout=5000)
    assert actions.entry_text.text() == ""
    entries = _log(check_db, incident.id)
    assert any(
        e.kind == "instruction" and e.body == "县长批示:全力转移低洼片区群众" for e in entries
    )


def test_a_correction_refers_to_the_selected_entry(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "handling", qtbot)
    actions = _actions(panel)
    assert not actions.correct_button.isEnabled()
    panel.timeline.setCurrentRow(0)
    original = uuid.UUID(panel.timeline.item(0).data(Qt.ItemDataRole.UserRole))
    assert actions.correct_button.isEnabled()
    actions.entry_text.setText("更正:积水深度应为 0.6 米")
    qtbot.mouseClick(actions.correct_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.entry_text.text() == "", timeout=5000)
    entries = _log(check_db, incident.id)
    corrections = [e for e in entries if e.corrects_id is not None]
    assert [c.corrects_id for c in corrections] == [original]
    assert corrections[0].body == "更正:积水深度应为 0.6 米"
    qtbot.waitUntil(
        lambda: any(
            "(更正)" in panel.timeline.item(i).text() or "更正" in panel.timeline.item(i).text()
            for i in range(panel.timeline.count())
        ),
        timeout=5000,
    )


def test_record_a_report(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    qtbot.waitUntil(lambda: actions.deadline_label.text() != "", timeout=5000)
    assert re.fullmatch(r"(初报|续报|核报) (剩余|已超时) .+", actions.deadline_label.text())
    actions.report_kind.setCurrentIndex(actions.report_kind.findText("初报"))
    actions.report_text.setText("已电话报市应急局值班室")
    qtbot.mouseClick(actions.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.report_text.text() == "", timeout=5000)
    entries = _log(check_db, incident.id)
    assert entries[-1].kind == "report" and "已电话报市应急局值班室" in entries[-1].body
    qtbot.waitUntil(lambda: actions.deadline_label.text().startswith("续报"), timeout=5000)


def test_a_stale_version_is_refused_and_the_text_stays(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    actions.entry_text.setText("来电人补充:现场约两千人")
    count = len(_log(check_db, incident.id))
    # Another seat verifies it first; this seat still shows the old version.
    IncidentWorkflow(check_db).transition(
        incident.id,
        IncidentStatus.VERIFIED,
        incident.version,
        actor="值班员乙",
        site="seat-2",
        at=datetime.now(UTC),
    )
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.VERIFIED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.banner.isVisible(), timeout=5000)
    assert actions.banner.text() == CONFLICT
    assert actions.entry_text.text() == "来电人补充:现场约两千人"
    assert len(_log(check_db, incident.id)) == count + 1, "only the other seat's entry"
    # Reloaded: the list shows the other seat's status and the steps from there.
    qtbot.waitUntil(lambda: _status_in_list(panel, incident.id) == "核实", timeout=5000)
    qtbot.waitUntil(lambda: _visible_steps(actions) == ["上报", "结束"], timeout=5000)


def test_overdue_indicator_counts_the_overdue_incidents(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    found = IncidentWorkflow(check_db).overdue(ReportingRules(), datetime.now(UTC))
    expected = len({dto.id for dto, _ in found})
    assert expected > 0, "the demo data has overdue reports"
    qtbot.waitUntil(lambda: window.overdue_label.text() == f"超时未报 {expected}", timeout=5000)
    assert window.overdue_label.isVisible()
    assert window.overdue_count == expected


def test_entry_count_matches_the_database(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "responding", qtbot)
    with check_db.read_session() as s:
        expected = s.scalar(select(func.count()).where(IncidentLogEntry.incident_id == incident.id))
    qtbot.waitUntil(lambda: panel.timeline.count() == expected, timeout=5000)
