"""历史 and 审计日志 on the demo database: who changed what, filters, export, the chain."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget
from sqlalchemy import func, select, text

from app.data.engine import Database
from app.data.models import ChangeLog
from app.domain.access import Action, Role
from app.domain.enums import IncidentStatus
from app.domain.identity import Identity, acting_as
from app.domain.registers import SHELTERS
from app.services.access import AccessService, NotPermitted, SignInRefused
from app.services.audit import EXPORT_HEADERS, AuditEntry
from app.services.catalog import Services
from app.services.demo import DEMO_PIN
from app.services.dto import IncidentDTO, ShelterEdit
from app.services.resources import ResourceService, ShelterEditor
from app.ui.access.audit_window import AuditLogAction, AuditWindow
from app.ui.access.history import (
    H_ACTION,
    H_CHANGES,
    H_PERSON,
    H_ROLE,
    H_SEAT,
    H_WHO,
    HistoryView,
)
from app.ui.details import DetailsPanel
from app.ui.incidents.panel import IncidentPanel
from app.ui.messages import unexpected_text
from app.ui.registers.form import RegisterFormDialog
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session


@pytest.fixture
def session(ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard) -> Iterator[AppSession]:
    s = make_session(ui_db, runner)
    yield s
    s.close()
    QApplication.processEvents()


def _person(check_db: Database, role: Role, seat: str, nth: int = 0) -> Identity:
    """The ``nth`` demo person who holds just ``role``, signed in at ``seat``."""
    access = AccessService(check_db)
    holders = [c for c in access.choices(check_db.clock()) if c.roles == frozenset({role})]
    return access.sign_in(holders[nth].staff_id, DEMO_PIN, site="center", workstation=seat)


def _received(check_db: Database) -> IncidentDTO:
    services = Services.on(check_db)
    return next(i for i in services.incidents.recent() if i.status == "received" and not i.is_drill)


def _cells(view: HistoryView, row: int) -> list[str]:
    model = view.model
    return [str(model.index(row, c).data()) for c in range(model.columnCount())]


def test_history_tab_names_each_person_with_role_seat_and_change(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    first, second = _person(check_db, Role.LEADER, "ws-1"), _person(check_db, Role.OFFICER, "ws-2")
    assert first.user != second.user
    incident = _received(check_db)
    workflow = Services.on(check_db).workflow
    with acting_as(first):
        verified = workflow.transition(
            incident.id,
            IncidentStatus.VERIFIED,
            incident.version,
            actor=first.user,
            site=first.site,
            at=check_db.clock(),
        )
    with acting_as(second):
        workflow.transition(
            incident.id,
            IncidentStatus.REPORTED,
            verified.version,
            actor=second.user,
            site=second.site,
            at=check_db.clock(),
        )

    panel = IncidentPanel(session)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    history = panel.history
    panel.show_incident(incident)
    with qtbot.waitSignal(history.loaded, timeout=10000):
        panel.show_history()
    assert history.record == ("incident", incident.id)
    rows = [_cells(history, r) for r in range(history.model.rowCount())]
    changes = [r for r in rows if r[H_ACTION] == "修改"]
    # Newest first: the second person's report, then the first person's check.
    assert [r[H_PERSON] for r in changes[:2]] == [second.user, first.user]
    assert changes[0][H_ROLE] == "值班员" and changes[1][H_ROLE] == "带班领导"
    assert changes[0][H_SEAT] == "center / ws-2" and changes[1][H_SEAT] == "center / ws-1"
    assert changes[0][H_CHANGES] == "状态：核实 → 上报"
    assert changes[1][H_CHANGES] == "状态：接报 → 核实"
    # The log entries of the incident are in its history too, in words.
    logs = [r for r in rows if r[H_ACTION] == "事件日志 · 新增" and r[H_PERSON] == second.user]
    assert logs and "日志类型：状态变更" in logs[0][H_CHANGES]
    assert "内容：上报" in logs[0][H_CHANGES]
    assert incident.title not in logs[0][H_CHANGES]  # "belongs to this incident" goes unsaid
    assert any(r[H_ACTION] == "新增" for r in rows)  # the report as first recorded
    panel.grab().save("/tmp/incident_history_tab.png")

    # A change made meanwhile (another seat) shows without asking.
    with qtbot.waitSignal(history.loaded, timeout=10000):
        session.reload()  # starts the change feed; the history is read again
    with acting_as(first):
        current = workflow.incident(incident.id)
        workflow.transition(
            incident.id,
            IncidentStatus.HANDLING,
            current.version,
            actor=first.user,
            site=first.site,
            at=check_db.clock(),
        )
    qtbot.waitUntil(lambda: _cells(history, 0)[H_CHANGES] == "状态：上报 → 处置", timeout=10000)
    assert _cells(history, 0)[H_PERSON] == first.user


def test_history_of_nothing_and_of_a_record_without_entries(
    qtbot: Any, session: AppSession
) -> None:
    view = HistoryView(session)
    qtbot.addWidget(view)
    view.show()
    assert view.status.text() == "未选择记录。"
    with qtbot.waitSignal(view.loaded, timeout=10000):
        view.show_record("incident", uuid.uuid4())
    assert view.model.rowCount() == 0
    assert view.status.text() == "此记录没有任何变更记录。"


def _window(qtbot: Any, session: AppSession) -> AuditWindow:
    window = AuditWindow(session)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    return window


def _choose(qtbot: Any, window: AuditWindow, combo: Any, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text} is not offered"
    with qtbot.waitSignal(window.loaded, timeout=10000):
        combo.setCurrentIndex(index)


def test_audit_window_filters_by_person_action_and_kind(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    access = AccessService(check_db)
    wrong = next(c for c in access.choices(check_db.clock()) if c.roles == {Role.OFFICER})
    with pytest.raises(SignInRefused):
        access.sign_in(wrong.staff_id, "0000", site="center", workstation="ws-3")
    right = _person(check_db, Role.LEADER, "ws-1")
    window = _window(qtbot, session)
    everything = window.entries()
    assert everything and [e.seq for e in everything] == sorted(
        (e.seq for e in everything), reverse=True
    )  # newest first
    assert "符合条件" in window.count.text()

    _choose(qtbot, window, window.person, wrong.name)
    assert window.entries() and {e.actor for e in window.entries()} == {wrong.name}
    _choose(qtbot, window, window.action, "登录失败")
    failed = window.entries()
    assert len(failed) == 1 and failed[0].op == "denied"
    window.select_row(0)
    detail = window.detail.toPlainText()
    assert "原因：密码错误" in detail and "连续失败次数：1" in detail
    assert f"人员：{wrong.name}" in detail

    _choose(qtbot, window, window.person, right.user)
    assert window.entries() == []
    assert window.count.text() == "没有符合筛选条件的记录。"
    _choose(qtbot, window, window.action, "登录")
    assert [e.actor for e in window.entries()] == [right.user]

    _choose(qtbot, window, window.person, "全部人员")
    _choose(qtbot, window, window.action, "全部操作")
    _choose(qtbot, window, window.kind, "事件")
    kinds = {e.entity_type for e in window.entries()}
    assert kinds == {"incident"}
    _choose(qtbot, window, window.action, "角色授予")  # a kind of record, chosen with another
    assert window.entries() == []
    _choose(qtbot, window, window.kind, "全部类型")
    assert {e.entity_type for e in window.entries()} == {"role_grant"}

    # Dates the wrong way round are said, not queried.
    window.since.setDate(window.until.date().addDays(1))
    assert window.count.text() == "起始日期晚于截止日期。"
    window.grab().save("/tmp/audit_window.png")


def test_audit_window_exports_what_it_lists(
    qtbot: Any, session: AppSession, check_db: Database, tmp_path: Path
) -> None:
    someone = _person(check_db, Role.LEADER, "ws-1")
    incident = _received(check_db)
    with acting_as(someone):
        Services.on(check_db).workflow.transition(
            incident.id,
            IncidentStatus.VERIFIED,
            incident.version,
            actor=someone.user,
            site=someone.site,
            at=check_db.clock(),
        )
    window = _window(qtbot, session)
    _choose(qtbot, window, window.person, someone.user)
    listed = window.entries()
    path = tmp_path / "审计日志.xlsx"
    with qtbot.waitSignal(window.exported, timeout=10000):
        window.export_to(str(path))
    assert "已导出" in window.message.text()
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] is not None and str(rows[0][0]).startswith("审计日志")
    assert someone.user in str(rows[0][0])  # the filter is in the title
    assert rows[1] == EXPORT_HEADERS
    body = rows[2:]
    assert len(body) == len(listed)
    assert [r[0] for r in body] == [e.seq for e in listed]
    change = next(r for r in body if r[6] == "事件")
    assert change[2] == someone.user and change[3] == "带班领导" and change[4] == "center / ws-1"
    assert change[5] == "修改" and change[8] == "状态：接报 → 核实"

    # A file that cannot be written is said; nothing else changes.
    with qtbot.waitSignal(window.failed, timeout=10000):
        window.export_to(str(tmp_path / "no-such-folder" / "x.xlsx"))
    assert "无法写入" in window.message.text()
    assert window.export_button.isEnabled()


def _position(check_db: Database, seq: int) -> int:
    with check_db.read_session() as s:
        return int(s.scalar(select(func.count()).where(ChangeLog.seq <= seq)) or 0)


def test_verify_says_intact_then_names_the_altered_entry(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    window = _window(qtbot, session)
    with qtbot.waitSignal(window.verified, timeout=30000) as sig:
        window.verify()
    result = sig.args[0]
    assert result.ok
    assert window.message.text() == f"已校验 {result.checked} 条，审计链完整。"
    with check_db.read_session() as s:
        total = s.scalar(select(func.count()).select_from(ChangeLog))
        target = s.scalar(select(ChangeLog.seq).order_by(ChangeLog.seq).offset(41).limit(1))
    assert result.checked == total and target is not None

    # Someone edits the database behind the program's back.
    with check_db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER IF EXISTS change_log_no_update"))
        conn.execute(
            text("UPDATE change_log SET actor = '改名者' WHERE seq = :seq"), {"seq": target}
        )
    with qtbot.waitSignal(window.verified, timeout=30000) as sig:
        window.verify_button.click()
    broken = sig.args[0]
    assert not broken.ok and broken.broken.seq == target
    position = _position(check_db, target)
    assert window.message.text().startswith(f"第 {position} 条记录被改动（序号 {target}）")
    window.grab().save("/tmp/audit_window_tampered.png")


@pytest.mark.qt_log_ignore("This plugin does not support (raise|requestActivate)")
def test_only_an_administrator_or_commander_opens_the_audit_log(
    qtbot: Any, ui_db: Database, runner: TaskRunner, check_db: Database, gui_guard: GuiThreadGuard
) -> None:
    officer = _person(check_db, Role.OFFICER, "ws-2")
    session = AppSession(ui_db, officer, runner)
    parent = QWidget()
    qtbot.addWidget(parent)
    action = AuditLogAction(session, parent)
    assert not action.isEnabled()
    assert "只有系统管理员或指挥长" in action.toolTip()
    assert action.open() is None

    commander = next(
        c for c in AccessService(check_db).choices(check_db.clock()) if Role.COMMANDER in c.roles
    )
    boss = AccessService(check_db).sign_in(
        commander.staff_id, DEMO_PIN, site="center", workstation="ws-2"
    )
    session.switch_operator(boss)
    assert action.isEnabled()
    window = action.open()
    assert window is not None
    qtbot.waitSignal(window.loaded, timeout=10000).wait()
    assert action.open() is window  # one per seat
    # The officer signs in again: the audit log closes.
    session.switch_operator(officer)
    assert not action.isEnabled() and not window.isVisible()
    qtbot.waitUntil(lambda: action.audit_window is None, timeout=5000)
    session.close()
    QApplication.processEvents()


def test_a_refused_write_reads_as_the_refusal(check_db: Database) -> None:
    officer = _person(check_db, Role.OFFICER, "ws-2")
    assert officer.staff_id is not None
    with acting_as(officer), pytest.raises(NotPermitted) as refused:
        AccessService(check_db).grant(officer.staff_id, Role.ADMIN, "想要")
    text_shown = unexpected_text(refused.value)
    assert (
        text_shown
        == f"{officer.user}（值班员）无权管理账号、密码和角色。如需此权限，请联系系统管理员。"
    )
    assert "程序缺陷" not in text_shown
    entries: list[AuditEntry] = Services.on(check_db).audit.history("staff", officer.staff_id)
    refusal = [e for e in entries if e.op == "refused"]
    assert refusal and refusal[-1].summary() == "权限：管理账号、密码和角色；角色：值班员"
    assert Action.MANAGE_ACCOUNTS.value == refusal[-1].facts["action"]


def test_new_entries_are_announced_and_read_on_refresh(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    window = _window(qtbot, session)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        session.reload()  # starts the change feed (and reads the list again)
    before = len(window.entries())
    _person(check_db, Role.OFFICER, "ws-9")  # a sign-in at another seat
    qtbot.waitUntil(lambda: window.new_entries > 0, timeout=10000)
    assert window.refresh_button.text() == f"刷新（{window.new_entries} 条新记录）"
    assert len(window.entries()) == before  # the list does not move by itself
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.refresh_button.click()
    assert len(window.entries()) == before + 1 and window.entries()[0].op == "sign_in"
    assert window.refresh_button.text() == "刷新"


def test_details_and_the_shelter_form_show_the_shelters_history(
    qtbot: Any, session: AppSession, check_db: Database
) -> None:
    leader = _person(check_db, Role.LEADER, "ws-1")
    shelter = ResourceService(check_db).shelters()[0]
    with acting_as(leader):
        edited = ShelterEditor(check_db).update(
            ShelterEdit(
                shelter.id,
                shelter.version,
                shelter.is_open,
                shelter.capacity + 50,
                shelter.manager,
                shelter.phone,
                shelter.facilities,
            ),
            actor=leader.user,
            site=leader.site,
        )
    change = f"容量：{shelter.capacity} → {shelter.capacity + 50}"

    details = DetailsPanel(
        session.runner, session.services.overview, session.today, session=session
    )
    qtbot.addWidget(details)
    details.resize(480, 420)  # a dock beside the map
    details.show()
    history = details.history
    assert history is not None and details.tabs is not None
    details.show_feature("shelters", shelter.id)
    with qtbot.waitSignal(history.loaded, timeout=10000):
        details.tabs.setCurrentWidget(history)
    assert history.compact  # who, when, where in one column
    assert _cells(history, 0)[H_CHANGES] == change
    who = _cells(history, 0)[H_WHO].split("\n")
    assert who[1:] == [f"{leader.user}（带班领导）", "center / ws-1", "修改"]
    actions = [_cells(history, r)[H_ACTION] for r in range(history.model.rowCount())]
    assert "避难场所入住 · 新增" in actions  # check-ins belong to the shelter

    dialog = RegisterFormDialog(session, SHELTERS, edited)
    qtbot.addWidget(dialog)
    dialog.show()
    form_history = dialog.history
    assert form_history is not None
    tabs = form_history.parentWidget()
    while tabs is not None and not isinstance(tabs, QTabWidget):
        tabs = tabs.parentWidget()
    assert tabs is not None
    with qtbot.waitSignal(form_history.loaded, timeout=10000):
        tabs.setCurrentWidget(form_history)
    assert not form_history.compact
    assert _cells(form_history, 0)[H_PERSON] == leader.user
    assert _cells(form_history, 0)[H_CHANGES] == change
    dialog.grab().save("/tmp/shelter_history_tab.png")
