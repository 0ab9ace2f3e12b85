"""Sign-in: who is at the seat, before the main window opens.

- :class:`PersonPicker`: the people who can sign in, those on duty now first
  (marked 当班带班领导 / 当班值班员), demo people marked 演示; typing filters
  the list (width, case and spaces folded as everywhere in the program).
- :class:`SignInForm`: a person and their password (or PIN), checked off the
  GUI thread; a refusal is said next to the field, the person stays chosen and
  the field is emptied for the next try. Someone who must change their password
  first (a new account, a reset) gets :class:`ChangePasswordDialog`; cancelling
  it cancels the sign-in. Used by :class:`SignInDialog` at start and by the
  switch dialog (:mod:`app.ui.access.switch`).
- :class:`FirstStartDialog`: on a database without an administrator, the
  one-time password of the 系统管理员 account, shown once.
- :func:`sign_in_at_start`: the whole flow ``bootstrap`` runs.

No secret is ever logged, stored in settings or kept after its check: the
fields are emptied as soon as their text has been handed to the service.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.data.engine import Database
from app.data.errors import classify
from app.domain.access import Role
from app.domain.identity import Identity, acting_as
from app.domain.labels import Family
from app.domain.text import fold_key
from app.services.access import (
    PASSWORD_MIN,
    AccessService,
    FirstAdministrator,
    SecretRejected,
    SignInChoice,
    SignInRefused,
    password_problem,
)
from app.ui.forms import ERROR_COLOR
from app.ui.labels import label
from app.ui.messages import problem_text, unexpected_text
from app.ui.plain import plain_label
from app.ui.tasks import TaskRunner

# What the secret field takes: a password (sign-in at start), or a PIN or a
# password (switching at a shared console, unlocking).
SecretKind = Literal["password", "pin_or_password"]

_NAVIGATION_KEYS = frozenset(
    {Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown}
)


def operator_text(identity: Identity) -> str:
    """The person as the status bar and the lock screen name them: ``值班员 张三``
    (their strongest role, then their name); the name alone without a role."""
    role = identity.role
    return f"{label(Family.ACCESS_ROLE, role)} {identity.user}" if role else identity.user


def failure_text(exc: BaseException, where: str) -> str:
    """What to tell people about ``exc`` (a refusal, a database problem, a fault)."""
    if isinstance(exc, SignInRefused):
        return exc.message()
    if isinstance(exc, SecretRejected):
        return str(exc)
    problem = classify(exc)
    return problem_text(problem, where) if problem is not None else unexpected_text(exc)


def message_label(parent: QWidget, name: str) -> QLabel:
    """A red line for a refusal or a problem: plain text, wrapped, hidden when empty."""
    message = QLabel(parent)
    message.setObjectName(name)
    message.setTextFormat(Qt.TextFormat.PlainText)
    message.setWordWrap(True)
    message.setStyleSheet(f"color: {ERROR_COLOR};")
    message.hide()
    return message


def say(message: QLabel, text: str) -> None:
    message.setText(text)
    message.setVisible(bool(text))


def secret_field(parent: QWidget, name: str) -> QLineEdit:
    field = QLineEdit(parent)
    field.setObjectName(name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    # No input method: a Chinese IME would show the typed letters in its window.
    field.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
    return field


# -- the list of people ---------------------------------------------------------------


class PersonPicker(QWidget):
    """People who can sign in; a filter line above the list.

    Up and Down in the filter line move in the list, so a person is chosen
    without leaving the keyboard: type part of the name, Enter.
    """

    chosen = Signal()  # a person picked with Enter or a double click
    choice_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, rows: int = 8) -> None:
        super().__init__(parent)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("people_filter")
        self.filter.setPlaceholderText(self.tr("Type to filter by name"))
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("people_list")
        self.list.setUniformItemSizes(True)
        row = self.list.fontMetrics().height() + 6
        self.list.setMinimumHeight(row * rows)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        self._choices: list[SignInChoice] = []
        self.filter.textChanged.connect(self._on_filter_text_changed)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.chosen.emit())
        self.list.currentRowChanged.connect(lambda _row: self.choice_changed.emit())

    def set_loading(self) -> None:
        self.list.clear()
        item = QListWidgetItem(self.tr("Reading the people…"), self.list)
        item.setFlags(Qt.ItemFlag.NoItemFlags)

    def set_choices(
        self,
        choices: list[SignInChoice],
        *,
        select: uuid.UUID | None = None,
        current_operator: uuid.UUID | None = None,
    ) -> None:
        """Show ``choices`` (in their order) and choose ``select``, else the first
        person who is not ``current_operator``."""
        self._choices = list(choices)
        self.list.clear()
        bold = QFont(self.list.font())
        bold.setBold(True)
        for index, choice in enumerate(choices):
            item = QListWidgetItem(self._text(choice, choice.staff_id == current_operator))
            item.setData(Qt.ItemDataRole.UserRole, index)
            if choice.on_duty:
                item.setFont(bold)
            self.list.addItem(item)
        self._apply_filter()
        if select is None or not self.select(select):
            others = [c for c in choices if c.staff_id != current_operator] or choices
            if others:
                self.select(others[0].staff_id)

    def _text(self, choice: SignInChoice, is_current: bool) -> str:
        marks = []
        if choice.on_duty == "leader":
            marks.append(self.tr("leader on duty"))
        elif choice.on_duty == "officer":
            marks.append(self.tr("officer on duty"))
        # The roles above a post's own, so that people know who may do more.
        marks.extend(
            label(Family.ACCESS_ROLE, role.value)
            for role in (Role.ADMIN, Role.COMMANDER)
            if role in choice.roles
        )
        if choice.is_demo:
            marks.append(self.tr("demo"))
        if is_current:
            marks.append(self.tr("signed in here now"))
        if not marks:
            return choice.name
        return self.tr("%1 (%2)").replace("%2", " · ".join(marks)).replace("%1", choice.name)

    def current(self) -> SignInChoice | None:
        item = self.list.currentItem()
        if item is None or item.isHidden() or not item.isSelected():
            return None
        index = item.data(Qt.ItemDataRole.UserRole)
        return self._choices[index] if isinstance(index, int) else None

    def select(self, staff_id: uuid.UUID) -> bool:
        """Choose the person (the filter is cleared if it hides them)."""
        for row, choice in enumerate(self._choices):
            if choice.staff_id == staff_id:
                if self.list.item(row).isHidden():
                    self.filter.clear()
                self.list.setCurrentRow(row)
                self.list.scrollToItem(self.list.item(row))
                return True
        return False

    def visible_names(self) -> list[str]:
        return [
            self._choices[row].name
            for row in range(len(self._choices))
            if not self.list.item(row).isHidden()
        ]

    def _on_filter_text_changed(self, _text: str) -> None:
        self._apply_filter()

    def _apply_filter(self) -> None:
        wanted = fold_key(self.filter.text())
        first_visible = -1
        for row, choice in enumerate(self._choices):
            hidden = bool(wanted) and wanted not in fold_key(choice.name)
            self.list.item(row).setHidden(hidden)
            if not hidden and first_visible < 0:
                first_visible = row
        item = self.list.currentItem()
        if item is None or item.isHidden():
            self.list.setCurrentRow(first_visible)
        self.choice_changed.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.filter
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _NAVIGATION_KEYS
        ):
            QGuiApplication.sendEvent(self.list, QKeyEvent(event))
            return True
        return False


# -- person and secret, checked ---------------------------------------------------------


class SignInForm(QWidget):
    """A person and their secret, checked off the GUI thread.

    ``signed_in(Identity)`` once the person is through (and has changed their
    password if they had to). A refusal is shown under the field; the person
    stays chosen and the field is emptied and focused.
    """

    signed_in = Signal(object)  # Identity
    busy_changed = Signal(bool)

    def __init__(
        self,
        runner: TaskRunner,
        access: AccessService,
        now: Callable[[], datetime],
        *,
        site: str,
        workstation: str,
        where: str,
        secret: SecretKind = "password",
        preselect: uuid.UUID | None = None,
        current_operator: uuid.UUID | None = None,
        rows: int = 8,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._access = access
        self._now = now
        self._site = site
        self._workstation = workstation
        self._where = where
        self._pin: bool | None = False if secret == "password" else None
        self._preselect = preselect
        self._current_operator = current_operator
        self._loaded = False
        self.busy = False
        self.change_dialog: ChangePasswordDialog | None = None

        self.picker = PersonPicker(self, rows=rows)
        self.secret = secret_field(self, "sign_in_secret")
        self.secret.setPlaceholderText(
            self.tr("Password") if secret == "password" else self.tr("PIN or password")
        )
        self.message = message_label(self, "sign_in_message")
        secret_label = QLabel(
            self.tr("&Password:") if secret == "password" else self.tr("PIN or &password:"), self
        )
        secret_label.setBuddy(self.secret)
        people_label = QLabel(self.tr("&Who is at this seat:"), self)
        people_label.setBuddy(self.picker.filter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(people_label)
        layout.addWidget(self.picker, 1)
        layout.addSpacing(6)
        layout.addWidget(secret_label)
        layout.addWidget(self.secret)
        layout.addWidget(self.message)

        self.picker.chosen.connect(self._on_picker_chosen)
        self.picker.choice_changed.connect(lambda: say(self.message, ""))
        self.secret.textChanged.connect(self._on_secret_text_changed)

    # -- people ------------------------------------------------------------------
    def load(self) -> None:
        """Read the people who can sign in (those on duty now first)."""
        self.picker.set_loading()
        access, now = self._access, self._now
        self._runner.submit(
            lambda: access.choices(now()),
            on_done=self._on_choices_read,
            on_error=self._on_choices_failed,
            owner=self,
            latest="choices",
        )

    def _on_choices_read(self, choices: list[SignInChoice]) -> None:
        self._loaded = True
        self.picker.set_choices(
            choices, select=self._preselect, current_operator=self._current_operator
        )
        if self._preselect is not None and self.picker.current() is not None:
            self.secret.setFocus()
        else:
            self.picker.filter.setFocus()

    def _on_choices_failed(self, exc: BaseException) -> None:
        self.picker.list.clear()
        say(self.message, failure_text(exc, self._where))

    def _on_picker_chosen(self) -> None:
        # After the Enter that chose the person has reached the dialog's button
        # (which, with the list still focused, only moves on to the field).
        if self.picker.current() is not None:
            QTimer.singleShot(0, self.secret, self.secret.setFocus)

    def _on_secret_text_changed(self, text: str) -> None:
        if text and self.message.text():
            say(self.message, "")

    # -- checking ----------------------------------------------------------------
    def submit(self) -> None:
        """Check the chosen person's secret (Enter, or the dialog's button)."""
        if self.busy:
            return
        if not self._loaded:
            self.load()
            return
        choice = self.picker.current()
        if choice is None:
            say(self.message, self.tr("Choose who is at this seat."))
            self.picker.filter.setFocus()
            return
        secret = self.secret.text()
        if not secret:
            picking = self.picker.filter.hasFocus() or self.picker.list.hasFocus()
            if not picking:  # Enter after the name goes to the field without a word
                say(self.message, self.tr("Enter the password."))
            self.secret.setFocus()
            return
        self.secret.clear()
        self._set_busy(True)
        say(self.message, "")
        access, staff_id, pin = self._access, choice.staff_id, self._pin
        site, workstation = self._site, self._workstation

        def check() -> tuple[Identity, bool]:
            identity = access.sign_in(staff_id, secret, site=site, workstation=workstation, pin=pin)
            return identity, access.must_change_password(staff_id)

        self._runner.submit(check, on_done=self._on_checked, on_error=self._on_refused, owner=self)

    def _on_checked(self, result: tuple[Identity, bool]) -> None:
        identity, must_change = result
        if not must_change:
            self.signed_in.emit(identity)
            return
        dialog = ChangePasswordDialog(
            self._runner, self._access, identity, self._where, self.window()
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.signed_in.emit(identity))
        dialog.rejected.connect(lambda: self._on_change_cancelled(identity))
        self.change_dialog = dialog
        dialog.open()

    def _on_change_cancelled(self, identity: Identity) -> None:
        self.change_dialog = None
        self._set_busy(False)
        say(
            self.message,
            self.tr("The password was not changed, so %1 is not signed in.").replace(
                "%1", identity.user
            ),
        )
        self.secret.setFocus()
        access = self._access
        # The sign-in was recorded: so is its end.
        self._runner.submit(
            lambda: access.sign_out(identity), on_error=self._on_sign_out_failed, owner=self
        )

    def _on_sign_out_failed(self, exc: BaseException) -> None:
        say(self.message, failure_text(exc, self._where))

    def _on_refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        say(self.message, failure_text(exc, self._where))
        self.secret.clear()
        self.secret.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.picker.setEnabled(not busy)
        self.secret.setEnabled(not busy)
        self.busy_changed.emit(busy)
        if not busy:
            self.secret.setFocus()


# -- the forced password change -----------------------------------------------------------


class ChangePasswordDialog(QDialog):
    """The person sets a new password (old, new, new again) before going on.

    The rule's verdict shows while typing; the change is made off the GUI thread,
    signed by the person themselves. Cancel (or Esc) leaves the password as it is.
    """

    def __init__(
        self,
        runner: TaskRunner,
        access: AccessService,
        identity: Identity,
        where: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ChangePasswordDialog")
        self.setWindowTitle(self.tr("Change your password"))
        self._runner = runner
        self._access = access
        self._identity = identity
        self._where = where
        self._busy = False

        intro = plain_label(
            self.tr(
                "%1 must set a new password before going on (a new account, or the "
                "password was reset)."
            ).replace("%1", identity.user),
            self,
        )
        intro.setWordWrap(True)
        rule = QLabel(
            self.tr(
                "At least %1 characters, of at least two kinds: letters, digits, symbols."
            ).replace("%1", str(PASSWORD_MIN)),
            self,
        )
        rule.setWordWrap(True)
        rule.setStyleSheet("color: #555;")
        self.old = secret_field(self, "old_password")
        self.new = secret_field(self, "new_password")
        self.repeat = secret_field(self, "repeat_password")
        self.new_problem = message_label(self, "new_password_problem")
        self.repeat_problem = message_label(self, "repeat_password_problem")
        self.message = message_label(self, "change_message")

        form = QFormLayout()
        form.addRow(self.tr("Current password:"), self.old)
        form.addRow(self.tr("New password:"), self._with(self.new, self.new_problem))
        form.addRow(self.tr("New password again:"), self._with(self.repeat, self.repeat_problem))

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Change password"))
        self.cancel_button = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(self.tr("Cancel"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(rule)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        for field in (self.old, self.new, self.repeat):
            field.textChanged.connect(self._on_field_text_changed)
        self._check()
        self.resize(460, self.sizeHint().height())
        self.old.setFocus()

    def _with(self, field: QLineEdit, problem: QLabel) -> QWidget:
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(field)
        column.addWidget(problem)
        return box

    def _on_field_text_changed(self, _text: str) -> None:
        say(self.message, "")
        self._check()

    def _check(self) -> bool:
        """Show what is wrong with the new password as it is typed; True when it will do."""
        old, new, repeat = self.old.text(), self.new.text(), self.repeat.text()
        new_problem = password_problem(new) if new else None
        if new_problem is None and new and new == old:
            new_problem = self.tr("The new password must differ from the current one.")
        repeat_problem = (
            self.tr("The two new passwords differ.") if repeat and repeat != new else None
        )
        say(self.new_problem, new_problem or "")
        say(self.repeat_problem, repeat_problem or "")
        ready = bool(old and new and repeat == new) and new_problem is None
        self.ok_button.setEnabled(ready and not self._busy)
        return ready

    def submit(self) -> None:
        if self._busy or not self._check():
            return
        access, identity = self._access, self._identity
        old, new = self.old.text(), self.new.text()

        def change() -> None:
            with acting_as(identity):  # signed by the person themselves
                access.change_own_password(identity, old, new)

        self._set_busy(True)
        self._runner.submit(change, on_done=self._on_changed, on_error=self._on_failed, owner=self)

    def _on_changed(self, _result: object) -> None:
        self._busy = False
        for field in (self.old, self.new, self.repeat):
            field.clear()
        QDialog.accept(self)

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        say(self.message, failure_text(exc, self._where))
        self.old.clear()
        self.old.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for field in (self.old, self.new, self.repeat):
            field.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self._check()

    def accept(self) -> None:
        self.submit()

    def reject(self) -> None:
        if self._busy:
            return  # the change is under way: its answer decides
        for field in (self.old, self.new, self.repeat):
            field.clear()
        super().reject()


# -- the dialog at start ------------------------------------------------------------------


class SignInDialog(QDialog):
    """Who is at the seat, before the main window opens. ``identity`` once accepted."""

    signed_in = Signal(object)  # Identity

    def __init__(
        self,
        runner: TaskRunner,
        access: AccessService,
        now: Callable[[], datetime],
        *,
        site: str,
        workstation: str,
        where: str,
        preselect: uuid.UUID | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("SignInDialog")
        self.setWindowTitle(self.tr("Sign in · Xiao County Emergency Command Center"))
        self.identity: Identity | None = None
        heading = QLabel(self.tr("Sign in"), self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        hint = QLabel(self.tr("Every record is signed by the person signed in here."), self)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.form = SignInForm(
            runner,
            access,
            now,
            site=site,
            workstation=workstation,
            where=where,
            secret="password",
            preselect=preselect,
            parent=self,
        )
        seat = plain_label(
            self.tr("Seat: %1").replace("%1", f"{site} · {workstation}" if workstation else site),
            self,
        )
        seat.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(self)
        self.sign_in_button = buttons.addButton(
            self.tr("Sign in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_in_button.setObjectName("sign_in_button")
        self.quit_button = buttons.addButton(
            self.tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.sign_in_button.setDefault(True)
        buttons.accepted.connect(self.form.submit)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addSpacing(6)
        layout.addWidget(self.form, 1)
        footer = QHBoxLayout()
        footer.addWidget(seat, 1)
        footer.addWidget(buttons)
        layout.addLayout(footer)
        self.form.busy_changed.connect(self._on_form_busy_changed)
        self.form.signed_in.connect(self._on_form_signed_in)
        self.resize(440, 540)
        self.form.load()

    def _on_form_busy_changed(self, busy: bool) -> None:
        self.sign_in_button.setEnabled(not busy)
        self.quit_button.setEnabled(not busy)

    def _on_form_signed_in(self, identity: Identity) -> None:
        self.identity = identity
        self.signed_in.emit(identity)
        QDialog.accept(self)

    def accept(self) -> None:
        self.form.submit()  # Enter: check, never close unchecked

    def reject(self) -> None:
        if not self.form.busy:
            super().reject()


# -- the first start ----------------------------------------------------------------------


class FirstStartDialog(QDialog):
    """The one-time password of the new 系统管理员 account, shown this once.

    Only the button goes on (Esc does nothing): closing the window by mistake
    would lose the one password that opens the new database. The password is
    emptied from the dialog when it goes.
    """

    def __init__(self, first: FirstAdministrator, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FirstStartDialog")
        self.setWindowTitle(self.tr("First start"))
        heading = QLabel(self.tr("An administrator account has been created"), self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        who = plain_label(
            self.tr("Sign in as %1 with this one-time password:").replace("%1", first.name), self
        )
        who.setWordWrap(True)
        self.password = QLineEdit(first.password, self)
        self.password.setObjectName("one_time_password")
        self.password.setReadOnly(True)
        self.password.setAlignment(Qt.AlignmentFlag.AlignCenter)
        big = QFont("monospace")
        big.setStyleHint(QFont.StyleHint.Monospace)
        big.setPointSizeF(self.font().pointSizeF() * 2.2)
        big.setBold(True)
        self.password.setFont(big)
        self.password.setMinimumWidth(self.password.fontMetrics().horizontalAdvance("M" * 15))
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setObjectName("copy_password")
        self.copy_button.clicked.connect(self._on_copy_clicked)
        warning = QLabel(
            self.tr(
                "This password is shown only this once and will not be shown again. Note it "
                "down now: it must be changed at the first sign-in."
            ),
            self,
        )
        warning.setObjectName("once_warning")
        warning.setWordWrap(True)
        warning.setStyleSheet(f"color: {ERROR_COLOR}; font-weight: bold;")
        self.go_button = QPushButton(self.tr("I have noted it: sign in"), self)
        self.go_button.setObjectName("go_sign_in")
        self.go_button.setDefault(True)
        self.go_button.clicked.connect(self.accept)

        row = QHBoxLayout()
        row.addWidget(self.password, 1)
        row.addWidget(self.copy_button)
        end = QHBoxLayout()
        end.addStretch(1)
        end.addWidget(self.go_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(who)
        layout.addLayout(row)
        layout.addWidget(warning)
        layout.addSpacing(8)
        layout.addLayout(end)
        self.resize(max(520, self.sizeHint().width()), self.sizeHint().height())

    def _on_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.password.text())
        self.copy_button.setText(self.tr("Copied"))

    def accept(self) -> None:
        self.password.clear()
        super().accept()

    def reject(self) -> None:
        pass  # only the button goes on


# -- the flow at start ----------------------------------------------------------------------


class StartSignIn(QObject):
    """First start (if the database has no administrator yet), then sign-in.

    ``finished(Identity)`` when someone signed in, ``finished(None)`` when the
    sign-in was left with 退出; ``failed(exception)`` when the database could
    not be used for it.
    """

    finished = Signal(object)  # Identity | None
    failed = Signal(object)  # BaseException

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        *,
        site: str,
        workstation: str,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._db = db
        self._runner = runner
        self._access = AccessService(db)
        self._site = site
        self._workstation = workstation
        self.first_start_dialog: FirstStartDialog | None = None
        self.dialog: SignInDialog | None = None

    def start(self) -> None:
        self._runner.submit(
            self._access.ensure_administrator,
            on_done=self._on_administrator_checked,
            on_error=self._on_administrator_failed,
            owner=self,
        )

    def _on_administrator_checked(self, first: FirstAdministrator | None) -> None:
        if first is None:
            self._ask(None)
            return
        dialog = FirstStartDialog(first)
        staff_id = first.staff_id
        dialog.accepted.connect(lambda: self._ask(staff_id))
        self.first_start_dialog = dialog
        dialog.show()  # the first window of the program: on top by itself
        dialog.activateWindow()

    def _on_administrator_failed(self, exc: BaseException) -> None:
        self.failed.emit(exc)

    def _ask(self, preselect: uuid.UUID | None) -> None:
        if self.first_start_dialog is not None:
            self.first_start_dialog.deleteLater()
            self.first_start_dialog = None
        dialog = SignInDialog(
            self._runner,
            self._access,
            self._db.clock,
            site=self._site,
            workstation=self._workstation,
            where=self._db.info.display,
            preselect=preselect,
        )
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        dialog.show()  # the first window of the program: on top by itself
        dialog.activateWindow()

    def _on_dialog_finished(self, _result: int) -> None:
        dialog = self.dialog
        identity = dialog.identity if dialog is not None else None
        self.dialog = None
        if dialog is not None:
            dialog.deleteLater()
        self.finished.emit(identity)


def sign_in_at_start(
    db: Database,
    runner: TaskRunner,
    *,
    site: str,
    workstation: str,
    parent: QObject | None = None,
) -> StartSignIn:
    """Start the sign-in that opens the program: an administrator is made on a
    database that has none (its one-time password shown once, then 系统管理员
    chosen in the list), then the sign-in dialog. Listen to the returned
    flow's ``finished(Identity | None)`` and ``failed(exception)``."""
    flow = StartSignIn(db, runner, site=site, workstation=workstation, parent=parent)
    flow.start()
    return flow
