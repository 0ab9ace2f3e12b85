"""账号与角色 in 人员与AB岗: roles with reasons, first passwords, PINs, refusals."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app.data.engine import Database
from app.domain.access import Role
from app.domain.identity import Identity, acting_as
from app.domain.labels import Family, label
from app.services.access import AccessService, SignInRefused
from app.services.audit import AuditQuery, AuditService
from app.services.demo import DEMO_PASSWORD, DEMO_PIN
from app.services.staff import StaffService
from app.ui.access.audit_window import AuditWindow
from app.ui.access.history import H_ACTION, H_CHANGES, H_PERSON, H_ROLE
from app.ui.roster.staff_dialog import G_BY, G_REASON, G_REVOKE_REASON, G_ROLE, StaffDialog
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session

REFUSED = "{}（值班员）无权管理账号、密码和角色。如需此权限，请联系系统管理员。"


def _holder(check_db: Database, role: Role, nth: int = 0) -> uuid.UUID:
    """The ``nth`` demo person who holds just ``role``."""
    choices = AccessService(check_db).choices(check_db.clock())
    return [c.staff_id for c in choices if c.roles == frozenset({role})][nth]


def _sign_in(check_db: Database, staff_id: uuid.UUID, secret: str = DEMO_PIN) -> Identity:
    return AccessService(check_db).sign_in(staff_id, secret, site="center", workstation="ws-1")


def _administrator(check_db: Database) -> Identity:
    """A demo leader made system administrator (by the program), signed in."""
    staff_id = _holder(check_db, Role.LEADER)
    AccessService(check_db).grant(staff_id, Role.ADMIN, "负责账号管理")
    return _sign_in(check_db, staff_id)


def _without_account(check_db: Database) -> uuid.UUID:
    access = AccessService(check_db)
    return next(s.id for s in StaffService(check_db).list() if not access.has_account(s.id))


@pytest.fixture
def open_dialog(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[Any]:
    """Opens 人员与AB岗 on a session whose operator is given (None: the program)."""
    sessions: list[AppSession] = []
    dialogs: list[StaffDialog] = []

    def open_(identity: Identity | None = None) -> StaffDialog:
        session = (
            make_session(ui_db, runner) if identity is None else AppSession(ui_db, identity, runner)
        )
        sessions.append(session)
        dialog = StaffDialog(
            runner, session.services.staff, session.user, session.site, "demo", session=session
        )
        qtbot.addWidget(dialog, before_close_func=lambda w: w.discard_guard.mark_clean())
        with qtbot.waitSignal(dialog.loaded, timeout=10000):
            dialog.show()
        dialogs.append(dialog)
        return dialog

    yield open_
    runner.wait_idle(10000)
    for dialog in dialogs:
        dialog.discard_guard.mark_clean()
        dialog.close()
    for session in sessions:
        session.close()
    QApplication.processEvents()


def _choose(qtbot: Any, dialog: StaffDialog, staff_id: uuid.UUID) -> Any:
    account = dialog.account
    assert account is not None and dialog.person_tabs is not None
    with qtbot.waitSignal(account.loaded, timeout=10000):
        dialog.select_staff(staff_id)
    dialog.person_tabs.setCurrentWidget(account)
    return account


def _grant_cells(account: Any, row: int) -> list[str]:
    return [account.grants.item(row, c).text() for c in range(account.grants.columnCount())]


def test_a_role_is_granted_and_revoked_with_reasons_seen_in_history_and_audit(
    qtbot: Any, open_dialog: Any, check_db: Database, ui_db: Database, runner: TaskRunner
) -> None:
    admin = _administrator(check_db)
    officer = _holder(check_db, Role.OFFICER)
    dialog = open_dialog(admin)
    account = _choose(qtbot, dialog, officer)
    assert account.role_checks[Role.OFFICER].isChecked()
    assert account.role_checks[Role.LEADER].isEnabled()

    account.role_checks[Role.LEADER].setChecked(True)
    account.roles_button.click()
    assert account.message("roles") == "请填写理由：授予或撤销角色须说明理由。"
    assert AccessService(check_db).roles_of(officer) == {Role.OFFICER}  # nothing written
    account.reason.setText("汛期增补带班领导")
    assert account.message("roles") == ""  # the message goes once it can be saved
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.roles_button.click()
    assert AccessService(check_db).roles_of(officer) == {Role.OFFICER, Role.LEADER}
    assert account.reason.text() == ""
    assert "已保存" in account.notice.text()
    newest = _grant_cells(account, 0)
    assert newest[G_ROLE] == "带班领导" and newest[G_BY] == admin.user
    assert newest[G_REASON] == "汛期增补带班领导"
    dialog.grab().save("/tmp/staff_account_roles.png")

    # The person's history says who granted what and why.
    history = dialog.history
    assert history is not None and dialog.person_tabs is not None
    with qtbot.waitSignal(history.loaded, timeout=10000):
        dialog.person_tabs.setCurrentWidget(history)
    rows = [
        [str(history.model.index(r, c).data()) for c in range(history.model.columnCount())]
        for r in range(history.model.rowCount())
    ]
    grant = rows[0]
    assert grant[H_ACTION] == "角色授予 · 新增" and grant[H_PERSON] == admin.user
    assert grant[H_ROLE] == "系统管理员、带班领导"
    assert "角色：带班领导" in grant[H_CHANGES] and "理由：汛期增补带班领导" in grant[H_CHANGES]
    dialog.grab().save("/tmp/staff_history.png")

    # Revoked: kept, with who and why.
    dialog.person_tabs.setCurrentWidget(account)
    account.role_checks[Role.LEADER].setChecked(False)
    account.reason.setText("汛期结束")
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.roles_button.click()
    assert AccessService(check_db).roles_of(officer) == {Role.OFFICER}
    revoked = _grant_cells(account, 0)
    assert revoked[G_ROLE] == "带班领导" and revoked[G_REVOKE_REASON] == "汛期结束"

    # And the audit log lists both, by the administrator.
    reviewer = make_session(ui_db, runner)
    window = AuditWindow(reviewer)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.show()
    with qtbot.waitSignal(window.loaded, timeout=10000):
        window.action.setCurrentIndex(window.action.findText("角色授予"))
    mine = [e for e in window.entries() if e.actor == admin.user]
    assert [e.op for e in mine] == ["update", "insert"]  # newest first: revoked, granted
    assert "理由：汛期增补带班领导" in mine[1].summary()
    assert "撤销理由：（空） → 汛期结束" in mine[0].summary()
    window.close()
    reviewer.close()


def test_an_officer_is_refused_a_role_grant_in_chinese_and_the_refusal_is_audited(
    qtbot: Any, open_dialog: Any, check_db: Database
) -> None:
    officer = _sign_in(check_db, _holder(check_db, Role.OFFICER, 1))
    other = _holder(check_db, Role.OFFICER, 0)
    dialog = open_dialog()  # the program's seat: the form lets it try
    account = _choose(qtbot, dialog, other)
    account.role_checks[Role.ADMIN].setChecked(True)
    account.reason.setText("想要管理账号")
    with acting_as(officer):  # the write is signed by whoever submits it
        account.save_roles()
    qtbot.waitUntil(lambda: account.message("roles") != "", timeout=10000)
    assert account.message("roles") == REFUSED.format(officer.user)
    # Nothing typed is lost; nothing was granted.
    assert account.role_checks[Role.ADMIN].isChecked()
    assert account.reason.text() == "想要管理账号"
    assert AccessService(check_db).roles_of(other) == {Role.OFFICER}
    refused = AuditService(check_db).entries(
        AuditQuery(actor_id=officer.staff_id, ops=frozenset({"refused"}))
    )
    assert len(refused) == 1
    assert refused[0].summary() == "权限：管理账号、密码和角色；角色：值班员"
    dialog.grab().save("/tmp/staff_account_refused.png")


def test_without_the_right_the_buttons_say_why(
    qtbot: Any, open_dialog: Any, check_db: Database
) -> None:
    officer = _sign_in(check_db, _holder(check_db, Role.OFFICER))
    other = _holder(check_db, Role.LEADER)
    dialog = open_dialog(officer)
    assert not dialog.save_button.isEnabled() and not dialog.new_button.isEnabled()
    assert "无权编辑人员与AB岗" in dialog.save_button.toolTip()
    account = _choose(qtbot, dialog, other)
    assert not dialog.deactivate_button.isEnabled()
    assert not any(c.isEnabled() for c in account.role_checks.values())
    assert not account.roles_button.isEnabled()
    assert account.roles_rights.text() == REFUSED.format(officer.user)
    assert not account.password_button.isEnabled() and not account.pin_button.isEnabled()
    assert account.role_checks[Role.LEADER].isChecked()  # everyone sees the roles
    assert account.grants.rowCount() >= 1


def test_an_administrator_sets_a_first_password_and_a_pin(
    qtbot: Any, open_dialog: Any, check_db: Database
) -> None:
    admin = _administrator(check_db)
    newcomer = _without_account(check_db)
    dialog = open_dialog(admin)
    account = _choose(qtbot, dialog, newcomer)
    assert "尚未开通账号" in account.summary.text()
    assert not account.old_password.isVisibleTo(account)
    assert account.password_button.text() == "设置初始密码"

    account.new_password.setText("abc")
    account.repeat_password.setText("abc")
    account.password_button.click()
    assert account.message("password") == "密码至少 8 位"
    assert account.new_password.text() == "abc"  # kept to be fixed
    account.new_password.setText("Xiao2026go")
    assert account.message("password") == "两次输入的密码不一致。"
    account.repeat_password.setText("Xiao2026go")
    assert account.message("password") == ""
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.password_button.click()
    assert account.new_password.text() == "" and account.repeat_password.text() == ""
    assert "首次登录时须修改" in account.notice.text()
    assert "已开通账号" in account.summary.text() and "须修改密码" in account.summary.text()
    access = AccessService(check_db)
    assert access.must_change_password(newcomer)
    with pytest.raises(SignInRefused) as no_role:  # the password is right; no role yet
        access.sign_in(newcomer, "Xiao2026go", site="center", workstation="ws-1")
    assert no_role.value.reason == "no_role"

    account.pin.setText("1234")
    account.pin_button.click()
    assert account.message("pin") == "PIN 过于简单（相同或连续的数字）"
    account.pin.setText("1357")
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.pin_button.click()
    assert account.pin.text() == "" and "已设置 PIN" in account.summary.text()
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.clear_pin_button.click()
    assert "未设置 PIN" in account.summary.text()
    dialog.grab().save("/tmp/staff_account_password.png")


def test_a_person_changes_their_own_password_and_pin(
    qtbot: Any, open_dialog: Any, check_db: Database
) -> None:
    me = _sign_in(check_db, _holder(check_db, Role.OFFICER))
    assert me.staff_id is not None
    dialog = open_dialog(me)
    account = _choose(qtbot, dialog, me.staff_id)
    assert account.own and account.old_password.isVisibleTo(account)
    assert account.password_button.text() == "修改我的密码"
    assert account.password_button.isEnabled()

    account.old_password.setText("not-my-password")
    account.new_password.setText("Neu2026pass")
    account.repeat_password.setText("Neu2026pass")
    account.password_button.click()
    qtbot.waitUntil(lambda: account.message("password") != "", timeout=10000)
    assert account.message("password") == "原密码不正确"
    assert account.new_password.text() == "Neu2026pass"  # nothing typed is lost

    account.old_password.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.password_button.click()
    assert account.notice.text() == "您的密码已修改。"
    assert _sign_in(check_db, me.staff_id, "Neu2026pass").user == me.user

    account.pin.setText("1357")
    with qtbot.waitSignal(account.loaded, timeout=10000):
        account.pin_button.click()
    assert account.message("pin") == ""
    assert _sign_in(check_db, me.staff_id, "1357").user == me.user

    # Someone else's password is not theirs to set.
    other = _choose(qtbot, dialog, _holder(check_db, Role.LEADER))
    assert not other.own and not other.password_button.isEnabled()
    assert label(Family.ACCESS_ROLE, Role.OFFICER.value) in other.password_hint.text()
