"""Who is at the seat: sign-in at start, the first start, the forced password
change, switching the person on duty, and what is signed afterwards."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import ChangeLog
from app.domain.access import Role
from app.domain.identity import Identity
from app.services.access import (
    MAX_FAILURES,
    AccessService,
    SignInChoice,
    SignInRefused,
)
from app.services.demo import DEMO_PASSWORD, DEMO_PIN
from app.ui.access.sign_in import (
    ChangePasswordDialog,
    SignInDialog,
    StartSignIn,
    sign_in_at_start,
)
from app.ui.access.switch import SwitchOperatorDialog
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard

SITE, WORKSTATION = "center", "ws-7"
NEW_PASSWORD = "Watch-2026-ok"


# -- helpers ------------------------------------------------------------------------------


def choices(db: Database) -> list[SignInChoice]:
    return AccessService(db).choices(db.clock())


def person(db: Database, role: Role, *, on_duty: bool | None = None) -> SignInChoice:
    """A demo person holding ``role`` (and on duty now, when asked), with a PIN."""
    for c in choices(db):
        if role in c.roles and c.has_pin and (on_duty is None or bool(c.on_duty) == on_duty):
            return c
    raise AssertionError(f"the demo data has nobody with {role}")


def entries(db: Database, op: str, staff_id: uuid.UUID | None = None) -> list[Any]:
    with db.read_session() as s:
        stmt = select(ChangeLog).where(ChangeLog.op == op).order_by(ChangeLog.seq)
        if staff_id is not None:
            stmt = stmt.where(ChangeLog.entity_id == staff_id)
        return list(s.scalars(stmt))


def message(widget: Any) -> str:
    label = widget.message
    return str(label.text()) if label.isVisible() else ""


@pytest.fixture
def dialog(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[SignInDialog]:
    d = SignInDialog(
        runner,
        AccessService(ui_db),
        ui_db.clock,
        site=SITE,
        workstation=WORKSTATION,
        where=str(ui_db.url.database),
    )
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.form.picker.current() is not None, timeout=10000)
    yield d
    runner.wait_idle(10000)
    QApplication.processEvents()


def type_secret(qtbot: Any, form: Any, secret: str) -> None:
    qtbot.keyClicks(form.secret, secret)
    qtbot.keyClick(form.secret, Qt.Key.Key_Return)


# -- the sign-in dialog -----------------------------------------------------------------------


def test_people_on_duty_come_first_marked_and_typing_filters(
    dialog: SignInDialog, check_db: Database, qtbot: Any
) -> None:
    listed = choices(check_db)
    on_duty = [c for c in listed if c.on_duty]
    assert on_duty, "the demo roster has people on duty now"
    picker = dialog.form.picker
    texts = [picker.list.item(r).text() for r in range(picker.list.count())]
    assert len(texts) == len(listed)
    # Those on duty first, marked with their post; demo people marked 演示.
    for row, c in enumerate(listed[: len(on_duty)]):
        assert c.on_duty
        mark = "当班带班领导" if c.on_duty == "leader" else "当班值班员"
        assert texts[row].startswith(c.name) and mark in texts[row]
    assert all("演示" in t for t, c in zip(texts, listed, strict=True) if c.is_demo)
    # Who holds more than their post says so: the demo 指挥长 is marked.
    marked = [c.name for t, c in zip(texts, listed, strict=True) if "指挥长" in t]
    assert marked == [c.name for c in listed if Role.COMMANDER in c.roles] and marked

    # Typing filters (spaces and full-width letters folded); Up/Down move in the list.
    target = listed[-1]
    picker.filter.setFocus()
    picker.filter.setText("　".join(target.name))  # ideographic spaces between the characters
    assert picker.visible_names() == [c.name for c in listed if target.name in c.name]
    assert picker.current() == target
    picker.filter.clear()
    picker.select(listed[0].staff_id)
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    assert picker.current() == listed[1]


def test_sign_in_with_the_password(dialog: SignInDialog, check_db: Database, qtbot: Any) -> None:
    officer = person(check_db, Role.OFFICER)
    dialog.form.picker.select(officer.staff_id)
    with qtbot.waitSignal(dialog.signed_in, timeout=10000) as signed:
        type_secret(qtbot, dialog.form, DEMO_PASSWORD)  # Enter signs in
    identity = signed.args[0]
    assert isinstance(identity, Identity)
    assert (identity.user, identity.staff_id) == (officer.name, officer.staff_id)
    assert (identity.site, identity.workstation) == (SITE, WORKSTATION)
    assert Role.OFFICER in identity.roles
    assert dialog.identity == identity and dialog.result() == dialog.DialogCode.Accepted
    [entry] = entries(check_db, "sign_in", officer.staff_id)
    assert (entry.actor, entry.actor_id, entry.workstation) == (
        officer.name,
        officer.staff_id,
        WORKSTATION,
    )


def test_a_refusal_is_said_at_the_field_and_keeps_the_choice(
    dialog: SignInDialog, check_db: Database, qtbot: Any
) -> None:
    officer = person(check_db, Role.OFFICER)
    form = dialog.form
    form.picker.select(officer.staff_id)
    type_secret(qtbot, form, "not-the-password")
    qtbot.waitUntil(lambda: not form.busy and bool(message(form)), timeout=10000)
    assert message(form) == SignInRefused("wrong", left=MAX_FAILURES - 1).message()
    assert form.picker.current() == officer
    assert form.secret.text() == "" and form.secret.hasFocus()
    assert dialog.isVisible() and dialog.identity is None

    # The message goes when typing again; a PIN is not a password here.
    qtbot.keyClicks(form.secret, "x")
    assert message(form) == ""
    form.secret.clear()
    type_secret(qtbot, form, DEMO_PIN)
    qtbot.waitUntil(lambda: not form.busy and bool(message(form)), timeout=10000)
    assert "密码或 PIN 不正确" in message(form)

    # Too many wrong tries lock the person's sign-in, and the form says until when.
    for _ in range(MAX_FAILURES - 2):
        type_secret(qtbot, form, "still-wrong")
        qtbot.waitUntil(lambda: not form.busy, timeout=10000)
    assert message(form).startswith("连续输错次数过多，账号已暂时锁定（")
    assert "后可再试" in message(form)
    type_secret(qtbot, form, DEMO_PASSWORD)  # even the right one, until then
    qtbot.waitUntil(lambda: not form.busy, timeout=10000)
    assert message(form).startswith("连续输错次数过多")
    assert dialog.identity is None
    assert len(entries(check_db, "denied", officer.staff_id)) == MAX_FAILURES + 1


def test_enter_in_the_list_goes_to_the_password(dialog: SignInDialog, qtbot: Any) -> None:
    form = dialog.form
    form.picker.list.setFocus()
    qtbot.keyClick(form.picker.list, Qt.Key.Key_Return)
    qtbot.waitUntil(form.secret.hasFocus, timeout=2000)
    assert message(form) == ""  # choosing the person is no mistake
    assert dialog.isVisible()


def _must_change(check_db: Database, staff_id: uuid.UUID) -> None:
    AccessService(check_db).set_password(staff_id, DEMO_PASSWORD, must_change=True)


def _change_dialog(qtbot: Any, form: Any) -> ChangePasswordDialog:
    qtbot.waitUntil(lambda: form.change_dialog is not None, timeout=10000)
    change = form.change_dialog
    assert isinstance(change, ChangePasswordDialog)
    qtbot.waitUntil(change.isVisible, timeout=2000)
    return change


def test_a_person_who_must_change_their_password_changes_it_first(
    dialog: SignInDialog, check_db: Database, qtbot: Any
) -> None:
    officer = person(check_db, Role.OFFICER)
    _must_change(check_db, officer.staff_id)
    form = dialog.form
    form.picker.select(officer.staff_id)
    type_secret(qtbot, form, DEMO_PASSWORD)
    change = _change_dialog(qtbot, form)
    assert dialog.identity is None  # not through yet

    # The rule is said while typing; the button waits for a good password.
    qtbot.keyClicks(change.old, DEMO_PASSWORD)
    qtbot.keyClicks(change.new, "short")
    assert change.new_problem.isVisible() and "至少 8 位" in change.new_problem.text()
    assert not change.ok_button.isEnabled()
    change.new.clear()
    qtbot.keyClicks(change.new, NEW_PASSWORD)
    assert not change.new_problem.isVisible()
    qtbot.keyClicks(change.repeat, NEW_PASSWORD + "x")
    assert change.repeat_problem.text() == "两次输入的新密码不一致。"
    assert not change.ok_button.isEnabled()
    qtbot.keyClick(change.repeat, Qt.Key.Key_Backspace)
    assert change.ok_button.isEnabled()

    with qtbot.waitSignal(dialog.signed_in, timeout=10000) as signed:
        qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    assert signed.args[0].staff_id == officer.staff_id
    access = AccessService(check_db)
    assert not access.must_change_password(officer.staff_id)
    back = access.sign_in(
        officer.staff_id, NEW_PASSWORD, site=SITE, workstation=WORKSTATION, pin=False
    )
    assert back.staff_id == officer.staff_id
    # The change is signed by the person themselves.
    changed = [e for e in entries(check_db, "update") if e.entity_type == "credential"]
    assert changed[-1].actor_id == officer.staff_id
    assert NEW_PASSWORD not in (changed[-1].detail or "")


def test_cancelling_the_password_change_cancels_the_sign_in(
    dialog: SignInDialog, check_db: Database, qtbot: Any
) -> None:
    officer = person(check_db, Role.OFFICER)
    _must_change(check_db, officer.staff_id)
    form = dialog.form
    form.picker.select(officer.staff_id)
    type_secret(qtbot, form, DEMO_PASSWORD)
    change = _change_dialog(qtbot, form)
    qtbot.keyClick(change, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not form.busy, timeout=5000)
    assert dialog.isVisible() and dialog.identity is None
    assert message(form) == f"密码未修改，{officer.name} 未登录。"
    assert form.picker.current() == officer
    qtbot.waitUntil(lambda: bool(entries(check_db, "sign_out", officer.staff_id)), timeout=5000)
    assert AccessService(check_db).must_change_password(officer.staff_id)


def test_quit_leaves_the_dialog_without_anyone(dialog: SignInDialog, qtbot: Any) -> None:
    dialog.quit_button.click()
    assert not dialog.isVisible()
    assert dialog.identity is None and dialog.result() == dialog.DialogCode.Rejected


# -- the first start --------------------------------------------------------------------------


def _flow(
    qtbot: Any, ui_db: Database, runner: TaskRunner, done: list[Identity | None]
) -> StartSignIn:
    flow = sign_in_at_start(ui_db, runner, site=SITE, workstation=WORKSTATION)
    flow.finished.connect(done.append)
    return flow


def test_first_start_shows_the_one_time_password_once_then_the_administrator_signs_in(
    qtbot: Any,
    ui_db: Database,
    check_db: Database,
    runner: TaskRunner,
    gui_guard: GuiThreadGuard,
    caplog: pytest.LogCaptureFixture,
    settings: QSettings,
) -> None:
    caplog.set_level(logging.DEBUG)
    done: list[Identity | None] = []
    flow = _flow(qtbot, ui_db, runner, done)
    qtbot.waitUntil(lambda: flow.first_start_dialog is not None, timeout=10000)
    first = flow.first_start_dialog
    assert first is not None
    qtbot.addWidget(first)
    qtbot.waitUntil(first.isVisible, timeout=2000)
    password = first.password.text()
    assert len(password) == 12 and first.password.isReadOnly()
    warning = first.findChild(QLabel, "once_warning")
    assert "只显示这一次" in warning.text() and "首次登录时必须修改" in warning.text()
    first.copy_button.click()
    assert QApplication.clipboard().text() == password
    assert first.copy_button.text() == "已复制"
    qtbot.keyClick(first, Qt.Key.Key_Escape)
    assert first.isVisible(), "Esc must not lose the one password"

    first.go_button.click()
    assert first.password.text() == ""  # gone from the screen
    qtbot.waitUntil(lambda: flow.dialog is not None, timeout=5000)
    sign_in = flow.dialog
    assert sign_in is not None
    qtbot.addWidget(sign_in)
    qtbot.waitUntil(lambda: sign_in.form.picker.current() is not None, timeout=10000)
    chosen = sign_in.form.picker.current()
    assert chosen is not None and chosen.name == "系统管理员"
    qtbot.waitUntil(sign_in.form.secret.hasFocus, timeout=2000)
    type_secret(qtbot, sign_in.form, password)

    change = _change_dialog(qtbot, sign_in.form)
    qtbot.keyClicks(change.old, password)
    qtbot.keyClicks(change.new, NEW_PASSWORD)
    qtbot.keyClicks(change.repeat, NEW_PASSWORD)
    qtbot.keyClick(change.repeat, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    identity = done[0]
    assert identity is not None
    assert identity.user == "系统管理员" and Role.ADMIN in identity.roles
    assert (identity.site, identity.workstation) == (SITE, WORKSTATION)

    # The next start finds the administrator: no password shown, the list straight away.
    again: list[Identity | None] = []
    flow = _flow(qtbot, ui_db, runner, again)
    qtbot.waitUntil(lambda: flow.dialog is not None, timeout=10000)
    assert flow.first_start_dialog is None
    assert flow.dialog is not None
    qtbot.addWidget(flow.dialog)
    flow.dialog.quit_button.click()
    qtbot.waitUntil(lambda: bool(again), timeout=5000)
    assert again == [None]

    runner.wait_idle(10000)
    settings.sync()
    stored = Path(settings.fileName())
    kept = stored.read_text(encoding="utf-8") if stored.exists() else ""
    with check_db.read_session() as s:
        details = " ".join(d or "" for d in s.scalars(select(ChangeLog.detail)))
    for secret in (password, NEW_PASSWORD):
        assert secret not in caplog.text
        assert secret not in kept
        assert secret not in details


# -- switching the person at the seat -------------------------------------------------------


def test_switch_by_pin_signs_what_is_saved_afterwards(
    window: MainWindow, check_db: Database, qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = window._session
    officer = person(check_db, Role.OFFICER)
    # A form opened before the switch and saved after it.
    intake = window.open_intake()
    intake.title.setText("黄口镇暴雨内涝")
    intake.address.setText("黄口镇")

    switch = window.switch_operator_action.open_dialog()
    assert isinstance(switch, SwitchOperatorDialog)
    note = switch.findChild(QLabel, "switch_note")
    assert note.text() == "已打开的表单保持打开；此后保存的内容均由新值班人员署名。"
    qtbot.waitUntil(lambda: switch.form.picker.current() is not None, timeout=10000)
    switch.form.picker.select(officer.staff_id)
    with qtbot.waitSignal(switch.switched, timeout=10000):
        type_secret(qtbot, switch.form, DEMO_PIN)
    assert session.identity.staff_id == officer.staff_id
    assert session.identity.workstation == "ws-1"
    assert window.user_label.text() == f"值班员 {officer.name}"
    assert intake.isVisible() and intake.title.text() == "黄口镇暴雨内涝"

    with qtbot.waitSignal(intake.recorded, timeout=10000):
        intake.save_button.click()
    with check_db.read_session() as s:
        row = s.scalars(
            select(ChangeLog).where(
                ChangeLog.entity_type == "incident", ChangeLog.entity_id == intake.incident_id
            )
        ).one()
    assert (row.actor, row.actor_id, row.workstation) == (officer.name, officer.staff_id, "ws-1")
    assert "officer" in (row.role or "")

    # The leader takes the seat: the officer's sign-out and the leader's sign-in are recorded.
    leader = person(check_db, Role.LEADER)
    switch = window.switch_operator_action.open_dialog()
    qtbot.waitUntil(lambda: switch.form.picker.current() is not None, timeout=10000)
    listed = [
        switch.form.picker.list.item(r).text() for r in range(switch.form.picker.list.count())
    ]
    assert any(t.startswith(officer.name) and "当前登录" in t for t in listed)
    switch.form.picker.select(leader.staff_id)
    type_secret(qtbot, switch.form, "0000")
    qtbot.waitUntil(lambda: not switch.form.busy and bool(message(switch.form)), timeout=10000)
    assert "密码或 PIN 不正确" in message(switch.form)
    assert session.identity.staff_id == officer.staff_id  # nothing changed
    with qtbot.waitSignal(session.operator_changed, timeout=10000):
        type_secret(qtbot, switch.form, DEMO_PIN)
    assert session.identity.staff_id == leader.staff_id
    assert window.user_label.text().endswith(f" {leader.name}")
    session.runner.wait_idle(10000)
    [out] = entries(check_db, "sign_out", officer.staff_id)
    assert out.actor_id == officer.staff_id
    assert entries(check_db, "sign_in", leader.staff_id)[-1].workstation == "ws-1"
    assert DEMO_PIN not in caplog.text and DEMO_PASSWORD not in caplog.text
