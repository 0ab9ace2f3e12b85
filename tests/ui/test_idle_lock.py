"""The seat lock: idle or by hand, opaque, forms kept underneath, opened by PIN or
by someone else signing in; the idle minutes are a setting of the seat."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QCursor, QPalette
from PySide6.QtTest import QTest
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import ChangeLog
from app.domain.access import Role
from app.domain.clock import CHINA_TZ
from app.domain.identity import Identity
from app.services.access import AccessService, SignInChoice
from app.services.demo import DEMO_PASSWORD, DEMO_PIN
from app.ui.access.lock import (
    DEFAULT_IDLE_MINUTES,
    IDLE_KEY,
    IdleLockSettingsAction,
    IdleLockSettingsDialog,
    LockScreen,
    SeatLock,
    idle_minutes,
)
from app.ui.main_window import MainWindow
from app.ui.session import AppSession


def person(db: Database, role: Role) -> SignInChoice:
    for c in AccessService(db).choices(db.clock()):
        if role in c.roles and c.has_pin:
            return c
    raise AssertionError(f"the demo data has nobody with {role}")


def sign_in_as(qtbot: Any, session: AppSession, who: SignInChoice) -> Identity:
    """``who`` signs in at the session's seat (off the GUI thread, as the dialogs do)."""
    got: list[Identity] = []
    access, site, workstation = session.services.access, session.site, "ws-1"
    session.runner.submit(
        lambda: access.sign_in(who.staff_id, DEMO_PIN, site=site, workstation=workstation),
        on_done=got.append,
    )
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    session.switch_operator(got[0])
    return got[0]


def events(db: Database, op: str, staff_id: uuid.UUID) -> list[Any]:
    with db.read_session() as s:
        return list(
            s.scalars(
                select(ChangeLog)
                .where(ChangeLog.op == op, ChangeLog.entity_id == staff_id)
                .order_by(ChangeLog.seq)
            )
        )


def shown(label: Any) -> str:
    return str(label.text()) if label.isVisible() else ""


def unlock_with(qtbot: Any, screen: LockScreen, secret: str) -> None:
    qtbot.keyClicks(screen.secret, secret)
    qtbot.keyClick(screen.secret, Qt.Key.Key_Return)


def test_the_seat_locks_when_idle_keeps_the_forms_and_opens_with_the_pin(
    window: MainWindow, check_db: Database, qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = window._session
    officer = person(check_db, Role.OFFICER)
    sign_in_as(qtbot, session, officer)
    # A half-filled report form (a GuardedDialog) is open when the seat locks.
    intake = window.open_intake()
    intake.title.setText("龙城镇城区积水")
    intake.address.setText("龙城镇")
    lock = window.seat_lock
    assert SeatLock.of(session, QSettings()) is lock  # one per session, for every window

    lock.set_idle_timeout_ms(300)
    qtbot.waitUntil(lambda: session.locked, timeout=5000)
    screen = lock.lock_screen
    assert isinstance(screen, LockScreen) and screen.isVisible()
    # Opaque, over the whole screen, above everything, blocking the rest of the program.
    assert screen.isFullScreen() and screen.autoFillBackground()
    assert screen.palette().color(QPalette.ColorRole.Window).alpha() == 255
    assert screen.geometry() == screen.screen().geometry()
    assert screen.windowModality() == Qt.WindowModality.ApplicationModal
    assert screen.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    # Who locked, since when (China time, the session's clock).
    assert shown(screen.who) == f"值班员 {officer.name}"
    assert lock.locked_at is not None
    since = lock.locked_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
    assert shown(screen.since) == f"锁定于 {since}"
    # Underneath, the form is as it was.
    assert intake.isVisible() and intake.title.text() == "龙城镇城区积水"

    # A wrong PIN keeps the seat locked and says why.
    unlock_with(qtbot, screen, "9731")
    qtbot.waitUntil(lambda: bool(shown(screen.message)), timeout=10000)
    assert "密码或 PIN 不正确" in shown(screen.message)
    assert session.locked and screen.isVisible() and screen.secret.text() == ""
    assert screen.close() is False  # Alt+F4 does not open it either

    with qtbot.waitSignal(lock.unlocked, timeout=10000):
        unlock_with(qtbot, screen, DEMO_PIN)
    lock.set_idle_timeout_ms(0)
    assert not session.locked and not screen.isVisible()
    assert session.identity.staff_id == officer.staff_id
    assert intake.isVisible() and intake.title.text() == "龙城镇城区积水"
    assert intake.address.text() == "龙城镇"

    session.runner.wait_idle(10000)
    [locked] = events(check_db, "lock", officer.staff_id)
    assert json.loads(locked.detail) == {"reason": "idle"}
    assert (locked.actor, locked.actor_id, locked.workstation) == (
        officer.name,
        officer.staff_id,
        "ws-1",
    )
    [unlocked] = events(check_db, "unlock", officer.staff_id)
    assert unlocked.seq > locked.seq and unlocked.actor_id == officer.staff_id
    assert len(events(check_db, "denied", officer.staff_id)) == 1
    assert DEMO_PIN not in caplog.text and "9731" not in caplog.text


def test_input_puts_the_lock_off(window: MainWindow, check_db: Database, qtbot: Any) -> None:
    session = window._session
    sign_in_as(qtbot, session, person(check_db, Role.OFFICER))
    lock = window.seat_lock
    handle = window.windowHandle()
    assert handle is not None
    lock.set_idle_timeout_ms(1200)
    for step in range(12):  # three seconds of mouse and keyboard at the window
        qtbot.wait(250)
        if step % 2:
            QTest.mouseMove(handle, QPoint(100 + step, 100))
        else:
            QTest.keyClick(handle, Qt.Key.Key_Shift)
    assert not session.locked
    qtbot.waitUntil(lambda: session.locked, timeout=5000)  # then nothing: it locks
    lock.set_idle_timeout_ms(0)
    assert lock.lock_screen is not None
    with qtbot.waitSignal(lock.unlocked, timeout=10000):
        unlock_with(qtbot, lock.lock_screen, DEMO_PASSWORD)  # the password opens it too


def test_the_pointer_moving_anywhere_puts_the_lock_off(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    # A form blocks the main window: the window system drops the moves over it,
    # the pointer's position still tells that someone is there.
    session = window._session
    sign_in_as(qtbot, session, person(check_db, Role.OFFICER))
    intake = window.open_intake()
    lock = window.seat_lock
    lock.set_idle_timeout_ms(1500)
    for step in range(12):
        qtbot.wait(250)
        QCursor.setPos(QPoint(200 + 7 * step, 300))
    assert not session.locked
    qtbot.waitUntil(lambda: session.locked, timeout=6000)
    lock.set_idle_timeout_ms(0)
    assert intake.isVisible()
    assert lock.lock_screen is not None
    with qtbot.waitSignal(lock.unlocked, timeout=10000):
        unlock_with(qtbot, lock.lock_screen, DEMO_PIN)


def test_lock_by_hand_then_someone_else_takes_the_seat(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    session = window._session
    officer, leader = person(check_db, Role.OFFICER), person(check_db, Role.LEADER)
    sign_in_as(qtbot, session, officer)
    assert window.lock_seat_action.shortcut().toString() == "Ctrl+L"
    assert window.lock_seat_action.text() == "锁定席位"
    assert window.switch_operator_action.shortcut().toString() == "Ctrl+Shift+S"
    assert window.switch_operator_action.text() == "切换值班人员…"

    window.lock_seat_action.trigger()
    lock = window.seat_lock
    assert session.locked
    screen = lock.lock_screen
    assert screen is not None and screen.isVisible()
    assert lock.idle_timeout_ms == DEFAULT_IDLE_MINUTES * 60_000  # the countdown waits

    screen.switch_button.click()
    switch = screen.switch_dialog
    assert switch is not None and switch.parent() is screen
    qtbot.waitUntil(lambda: switch.form.picker.current() is not None, timeout=10000)
    switch.form.picker.select(leader.staff_id)
    with qtbot.waitSignal(lock.unlocked, timeout=10000):
        qtbot.keyClicks(switch.form.secret, DEMO_PIN)
        qtbot.keyClick(switch.form.secret, Qt.Key.Key_Return)
    assert not session.locked and not screen.isVisible()
    assert session.identity.staff_id == leader.staff_id
    assert window.user_label.text().endswith(f" {leader.name}")

    session.runner.wait_idle(10000)
    [locked] = events(check_db, "lock", officer.staff_id)
    assert json.loads(locked.detail) == {"reason": "manual"}
    assert events(check_db, "sign_out", officer.staff_id)
    [unlocked] = events(check_db, "unlock", leader.staff_id)
    assert unlocked.actor_id == leader.staff_id


def test_the_idle_minutes_are_a_setting_of_the_seat(
    window: MainWindow, settings: QSettings, qtbot: Any
) -> None:
    assert idle_minutes(settings) == DEFAULT_IDLE_MINUTES
    actions = [a for a in window.findChildren(IdleLockSettingsAction)]
    assert len(actions) == 1 and actions[0].text() == "自动锁定席位…"
    dialog = actions[0].open_dialog()
    assert isinstance(dialog, IdleLockSettingsDialog)
    assert dialog.minutes.text() == str(DEFAULT_IDLE_MINUTES)

    dialog.minutes.setText("-3")
    dialog.save()
    assert dialog.isVisible()
    assert dialog.field_errors.text("minutes") == "不能为负数。"
    assert idle_minutes(settings) == DEFAULT_IDLE_MINUTES
    dialog.minutes.setText("0")
    assert dialog.field_errors.text("minutes") == ""  # the message goes when fixed
    dialog.save()
    assert not dialog.isVisible()
    assert idle_minutes(settings) == 0 and window.seat_lock.idle_timeout_ms == 0

    settings.setValue(IDLE_KEY, "nonsense")
    assert idle_minutes(settings) == DEFAULT_IDLE_MINUTES
    window.seat_lock.set_idle_minutes(5)
    assert window.seat_lock.idle_timeout_ms == 300_000
    # Only minutes are kept: no secret ever reaches the seat's settings.
    settings.sync()
    text = Path(settings.fileName()).read_text(encoding="utf-8")
    assert "idle_lock_minutes=5" in text
    assert DEMO_PIN not in text and DEMO_PASSWORD not in text


def test_a_closed_window_never_locks_afterwards(window: MainWindow, qtbot: Any) -> None:
    session = window._session
    lock = window.seat_lock
    window.close()  # the session closes with the main window
    lock.set_idle_timeout_ms(100)
    qtbot.wait(400)
    assert not session.locked and lock.lock_screen is None
