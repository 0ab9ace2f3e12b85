"""The actions strip under the incident list, on the demo database."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import IncidentLogEntry
from app.domain.deadlines import ReportingRules, ReportKind
from app.domain.enums import IncidentStatus
from app.services.dto import IncidentDTO
from app.services.incident_report import IncidentReportService, render_text
from app.services.incident_workflow import IncidentWorkflow
from app.ui.incidents import actions as actions_module
from app.ui.incidents.actions import IncidentActions, duration_text, next_deadline
from app.ui.incidents.panel import IncidentPanel
from app.ui.main_window import MainWindow

CONFLICT = "该事件已被他人更新,已刷新,请重试"
NO_FIRST_REPORT = "此事件尚未报送初报，确定报送续报？"


class Questions:
    """Stands in for the yes/no box: records what was asked, answers ``answer``."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.answer = True

    def __call__(self, _parent: QWidget | None, title: str, text: str) -> bool:
        self.asked.append((title, text))
        return self.answer

    def texts(self) -> list[str]:
        return [text for _title, text in self.asked]


@pytest.fixture(autouse=True)
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    q = Questions()
    monkeypatch.setattr(actions_module, "confirm", q)
    return q


def _select(panel: IncidentPanel, status: str, qtbot: Any) -> IncidentDTO:
    return _select_where(panel, lambda i: i.status == status and not i.is_drill, qtbot)


def _select_where(
    panel: IncidentPanel, wanted: Callable[[IncidentDTO], bool], qtbot: Any
) -> IncidentDTO:
    incident = next(i for i in panel.model.rows() if wanted(i))
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
    # Said in plain words: the step wanted is already taken.
    assert actions.banner.text() == "该事件已处于“核实”状态，无需重复操作。"
    assert actions.entry_text.text() == "来电人补充:现场约两千人"
    assert len(_log(check_db, incident.id)) == count + 1, "only the other seat's entry"
    # Reloaded: the list shows the other seat's status and the steps from there.
    qtbot.waitUntil(lambda: _status_in_list(panel, incident.id) == "核实", timeout=5000)
    qtbot.waitUntil(lambda: _visible_steps(actions) == ["上报", "结束"], timeout=5000)


def test_overdue_indicator_counts_the_overdue_incidents(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    indicator = window.overdue
    # Demo rows stay out of the alarms until this seat asks for them.
    qtbot.waitUntil(lambda: window._session.overdue == (), timeout=5000)
    assert not indicator.real.isVisible() and window.overdue_count == 0
    window.include_demo_action.setChecked(True)
    found = IncidentWorkflow(check_db).overdue(
        ReportingRules(), datetime.now(UTC), include_demo=True
    )
    real = {dto.id for dto, _ in found if not dto.is_drill}
    drills = {dto.id for dto, _ in found if dto.is_drill}
    assert real, "the demo data has overdue reports"
    qtbot.waitUntil(indicator.real.isVisible, timeout=5000)
    assert indicator.real.text() == f"超时未报 {len(real)}"
    assert window.overdue_count == len(real)
    # Drills are counted apart.
    assert indicator.drills.isVisible() is bool(drills)
    if drills:
        assert indicator.drills.text() == f"演练超时 {len(drills)}"


def test_choosing_an_overdue_report_selects_its_incident(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    window.include_demo_action.setChecked(True)
    indicator = window.overdue
    qtbot.waitUntil(indicator.real.isVisible, timeout=5000)
    actions = indicator.real.menu().actions()
    assert actions, "the button lists the overdue reports"
    first = next(dto for dto, _ in window._session.overdue if not dto.is_drill)
    index = next(
        i for i, a in enumerate(actions) if a.text().replace("&&", "&").startswith(first.title)
    )
    with qtbot.waitSignal(window.incident_panel.selected, timeout=5000) as blocker:
        actions[index].trigger()
    assert blocker.args[0] == first.id
    if first.status != "closed":  # closed incidents are not drawn on the map
        qtbot.waitUntil(
            lambda: window.map_panel.highlighted == ("incidents", str(first.id)), timeout=5000
        )


def test_entry_count_matches_the_database(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "responding", qtbot)
    with check_db.read_session() as s:
        expected = s.scalar(select(func.count()).where(IncidentLogEntry.incident_id == incident.id))
    qtbot.waitUntil(lambda: panel.timeline.count() == expected, timeout=5000)


# -- the next step is the right one ---------------------------------------------


def _settle(window: MainWindow, qtbot: Any) -> None:
    """Wait until the work a write set off (list, log, countdown, live feed) is done."""
    runner = window._runner
    calm_since: list[float] = []

    def calm() -> bool:
        if runner.pending:
            calm_since.clear()
            return False
        if not calm_since:
            calm_since.append(time.monotonic())
        return time.monotonic() - calm_since[0] > 0.3

    qtbot.waitUntil(calm, timeout=10000)


def _report_kind_known(actions: IncidentActions, qtbot: Any) -> None:
    qtbot.waitUntil(actions.report_button.isEnabled, timeout=5000)


def _record_report(actions: IncidentActions, kind: str, text: str, qtbot: Any) -> None:
    _report_kind_known(actions, qtbot)
    actions.report_kind.setCurrentIndex(actions.report_kind.findText(kind))
    actions.report_kind.activated.emit(actions.report_kind.currentIndex())  # chosen by hand
    actions.report_text.setText(text)
    qtbot.mouseClick(actions.report_button, Qt.MouseButton.LeftButton)


def test_the_report_offered_follows_the_selected_incident(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    actions = _actions(panel)
    # The 强降雨 incident (处置) made its 初报 at another seat.
    handling = next(i for i in panel.model.rows() if i.status == "handling" and not i.is_drill)
    IncidentWorkflow(check_db).record_report(
        handling.id,
        ReportKind.INITIAL,
        datetime.now(UTC),
        actor="值班员乙",
        site="seat-2",
        body="已电话报市应急局",
    )

    _select(panel, "received", qtbot)
    _report_kind_known(actions, qtbot)
    assert actions.report_kind.currentText() == "初报"
    # The officer picks 核报 for this one...
    actions.report_kind.setCurrentIndex(actions.report_kind.findText("核报"))
    actions.report_kind.activated.emit(actions.report_kind.currentIndex())

    # ...which does not carry over: each incident offers what it owes.
    _select(panel, "handling", qtbot)
    qtbot.waitUntil(lambda: actions.report_kind.currentText() == "续报", timeout=5000)
    _select(panel, "closed", qtbot)
    qtbot.waitUntil(lambda: actions.report_kind.currentText() == "核报", timeout=5000)
    _select(panel, "received", qtbot)
    qtbot.waitUntil(lambda: actions.report_kind.currentText() == "初报", timeout=5000)

    # Once the 初报 is recorded here, the 续报 is offered.
    _record_report(actions, "初报", "已电话报市应急局值班室", qtbot)
    qtbot.waitUntil(lambda: actions.report_kind.currentText() == "续报", timeout=5000)
    _settle(window, qtbot)


def test_a_follow_up_before_any_first_report_asks_first(
    window: MainWindow, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    _report_kind_known(actions, qtbot)
    count = len(_log(check_db, incident.id))

    questions.answer = False
    _record_report(actions, "续报", "已报市应急局", qtbot)
    qtbot.waitUntil(lambda: len(questions.asked) == 1, timeout=5000)
    assert questions.texts() == [NO_FIRST_REPORT]
    qtbot.waitUntil(actions.report_button.isEnabled, timeout=5000)
    assert len(_log(check_db, incident.id)) == count, "not recorded"
    assert actions.report_text.text() == "已报市应急局", "the text stays"

    questions.answer = True
    qtbot.mouseClick(actions.report_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.report_text.text() == "", timeout=5000)
    assert questions.texts() == [NO_FIRST_REPORT, NO_FIRST_REPORT]
    entries = _log(check_db, incident.id)
    assert entries[-1].kind == "report" and '"follow_up"' in entries[-1].body

    # With the 初报 made, a 续报 goes without a question.
    _record_report(actions, "初报", "补报初报", qtbot)
    qtbot.waitUntil(lambda: actions.report_text.text() == "", timeout=5000)
    _record_report(actions, "续报", "第二次续报", qtbot)
    qtbot.waitUntil(lambda: actions.report_text.text() == "", timeout=5000)
    assert len(questions.asked) == 2
    _settle(window, qtbot)


def test_a_report_on_a_drill_asks_first(
    window: MainWindow, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    panel = window.incident_panel
    drill = _select_where(panel, lambda i: i.is_drill, qtbot)
    actions = _actions(panel)
    _report_kind_known(actions, qtbot)
    assert actions.report_kind.currentText() == "初报"
    count = len(_log(check_db, drill.id))
    questions.answer = False
    _record_report(actions, "初报", "已报市应急局（演练）", qtbot)
    qtbot.waitUntil(lambda: len(questions.asked) == 1, timeout=5000)
    [text] = questions.texts()
    assert "演练" in text and drill.title in text and "初报" in text
    qtbot.waitUntil(actions.report_button.isEnabled, timeout=5000)
    assert len(_log(check_db, drill.id)) == count
    _settle(window, qtbot)


def test_the_countdown_follows_every_step(
    window: MainWindow, check_db: Database, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    qtbot.waitUntil(lambda: actions.deadline_label.text().startswith("初报"), timeout=5000)

    def expected(now: datetime) -> str:
        found = IncidentWorkflow(check_db).deadlines(incident.id, actions._rules(), now)
        d = next_deadline(found)
        assert d is not None
        if now > d.due_at:
            return f"{_kind(d.kind)} 已超时 {duration_text(now - d.due_at)}"
        return f"{_kind(d.kind)} 剩余 {duration_text(d.due_at - now)}"

    # Report recorded: the 初报 is done, the 续报 is counted down at once.
    _record_report(actions, "初报", "已电话报市应急局值班室", qtbot)
    qtbot.waitUntil(lambda: actions.deadline_label.text().startswith("续报"), timeout=5000)

    # An hour later (the 30-second refresh has not come yet) a note is added:
    # the countdown is read again with it.
    later = datetime.now(UTC) + timedelta(hours=1)
    monkeypatch.setattr(actions, "_clock", lambda: later)
    actions.entry_text.setText("现场秩序已恢复")
    qtbot.keyClick(actions.entry_text, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: actions.deadline_label.text() == expected(later), timeout=5000)

    # A step: 核实 (the clock moved on another ten minutes).
    later += timedelta(minutes=10)
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.VERIFIED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.deadline_label.text() == expected(later), timeout=5000)

    # Closed: no more 续报, the 核报 is owed.
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.CLOSED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: actions.deadline_label.text().startswith("核报"), timeout=5000)
    assert actions.deadline_label.text() == expected(later)
    assert actions.report_kind.currentText() == "核报"
    _settle(window, qtbot)


def _kind(kind: ReportKind) -> str:
    return {"initial": "初报", "follow_up": "续报", "final": "核报"}[kind.value]


def test_closing_asks_first_naming_the_incident(
    window: MainWindow, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    count = len(_log(check_db, incident.id))
    questions.answer = False
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.CLOSED], Qt.MouseButton.LeftButton)
    [(title, text)] = questions.asked
    assert title == "结束事件"
    assert incident.title in text and "结束" in text and "不能撤销" in text
    assert len(_log(check_db, incident.id)) == count, "nothing written"
    assert _status_in_list(panel, incident.id) == "接报"

    questions.answer = True
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.CLOSED], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _status_in_list(panel, incident.id) == "结束", timeout=5000)
    # Steps that can be taken back are not questioned.
    assert len(questions.asked) == 2
    _settle(window, qtbot)


def test_starting_a_response_asks_first_naming_the_level(
    window: MainWindow, check_db: Database, qtbot: Any, questions: Questions
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "reported", qtbot)
    actions = _actions(panel)
    count = len(_log(check_db, incident.id))
    qtbot.mouseClick(actions.step_buttons[IncidentStatus.RESPONDING], Qt.MouseButton.LeftButton)
    dialog = actions.response_dialog
    assert dialog is not None
    dialog.level.setCurrentIndex(dialog.level.findData("3"))
    dialog.plan.setText("萧县食品安全事故应急预案")
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    ok = box.button(QDialogButtonBox.StandardButton.Ok)

    questions.answer = False
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    [(title, text)] = questions.asked
    assert title == "启动响应"
    assert "Ⅲ级响应" in text and incident.title in text and "萧县食品安全事故应急预案" in text
    assert dialog.isVisible(), "still open with what was chosen"
    assert len(_log(check_db, incident.id)) == count, "nothing written"

    questions.answer = True
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _status_in_list(panel, incident.id) == "响应", timeout=5000)
    # The level reads the same in the log, in the report and in the question.
    qtbot.waitUntil(
        lambda: "Ⅲ级响应" in panel.timeline.item(panel.timeline.count() - 1).text(),
        timeout=5000,
    )
    report = render_text(
        IncidentReportService(check_db).build(incident.id, None, datetime.now(UTC))
    )
    assert "启动Ⅲ级响应（萧县食品安全事故应急预案）" in report
    _settle(window, qtbot)


def test_a_step_already_taken_says_so(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    # Two quick clicks on 核实: the second one comes after the first is saved.
    with qtbot.waitSignal(actions.changed, timeout=5000):
        qtbot.mouseClick(actions.step_buttons[IncidentStatus.VERIFIED], Qt.MouseButton.LeftButton)
    actions.transition(IncidentStatus.VERIFIED)
    qtbot.waitUntil(actions.banner.isVisible, timeout=5000)
    assert actions.banner.text() == "该事件已处于“核实”状态，无需重复操作。"
    assert sum('"verified"' in e.body for e in _log(check_db, incident.id)) == 1
    _settle(window, qtbot)


def test_a_step_another_seat_took_says_so(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "received", qtbot)
    actions = _actions(panel)
    other = IncidentWorkflow(check_db)

    def other_seat(target: IncidentStatus, version: int) -> IncidentDTO:
        return other.transition(
            incident.id, target, version, actor="值班员乙", site="seat-2", at=datetime.now(UTC)
        )

    # Taken by the other seat: the same step (clicked here before the list caught up).
    fresh = other_seat(IncidentStatus.VERIFIED, incident.version)
    actions.request_transition(IncidentStatus.VERIFIED)
    qtbot.waitUntil(actions.banner.isVisible, timeout=5000)
    assert actions.banner.text() == "该事件已处于“核实”状态，无需重复操作。"
    qtbot.waitUntil(lambda: _visible_steps(actions) == ["上报", "结束"], timeout=5000)

    # Closed by the other seat while this one still offers 上报 (a click
    # before the list has caught up).
    other_seat(IncidentStatus.CLOSED, fresh.version)
    actions.transition(IncidentStatus.REPORTED)
    qtbot.waitUntil(lambda: actions.banner.text() != "该事件已处于“核实”状态，无需重复操作。")
    assert actions.banner.text() == "该事件已结束，不能再进行“上报”。"
    assert CONFLICT not in actions.banner.text()
    _settle(window, qtbot)


def test_a_step_past_which_another_seat_went_says_so(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    panel = window.incident_panel
    incident = _select(panel, "reported", qtbot)
    actions = _actions(panel)
    IncidentWorkflow(check_db).transition(
        incident.id,
        IncidentStatus.HANDLING,
        incident.version,
        actor="值班员乙",
        site="seat-2",
        at=datetime.now(UTC),
    )
    # This seat starts a response, not knowing the other went on to 处置.
    actions.transition(IncidentStatus.RESPONDING, "4", "县突发公共卫生事件应急预案")
    qtbot.waitUntil(actions.banner.isVisible, timeout=5000)
    assert actions.banner.text() == "该事件已处于“处置”状态，已过“响应”这一步，无需操作。"
    _settle(window, qtbot)


def test_a_deadline_just_passed_is_never_overdue_by_0_minutes() -> None:
    assert duration_text(timedelta(seconds=10)) == "1 分钟"
    assert duration_text(timedelta(minutes=59, seconds=1)) == "1 小时 0 分钟"
    assert duration_text(timedelta(0)) == "0 分钟"
