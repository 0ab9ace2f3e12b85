"""值班 → 切换值班人员: another person takes the seat, with their PIN or password.

The consoles of the 24-hour watch are shared: at a handover, or when the
leader on duty sits down for a moment, the person at the seat changes without
closing anything. Open forms stay open; what is saved after the switch is
signed by the new person (the session's operator signs every write started
from then on). The service records the new person's sign-in; the previous
person's sign-out is recorded here.

Everything takes the :class:`~app.ui.session.AppSession`, not a window: any
window of the session can offer the switch, and all of them hear of it
(``operator_changed``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from app.domain.identity import Identity
from app.ui.access.sign_in import SignInForm, operator_text
from app.ui.plain import plain_tooltip
from app.ui.session import AppSession

SHORTCUT = "Ctrl+Shift+S"


class SwitchOperatorDialog(QDialog):
    """A person (those on duty first) and their PIN or password; on success the
    session's operator is that person. ``identity`` once accepted."""

    switched = Signal(object)  # Identity: the new person at the seat

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SwitchOperatorDialog")
        self.setWindowTitle(self.tr("Switch the person on duty"))
        self._session = session
        self.identity: Identity | None = None
        self.form = SignInForm(
            session.runner,
            session.services.access,
            session.now,
            site=session.site,
            workstation=session.identity.workstation,
            where=session.where,
            secret="pin_or_password",
            current_operator=session.identity.staff_id,
            rows=6,
            parent=self,
        )
        note = QLabel(
            self.tr(
                "Open forms stay open; whatever is saved from now on is signed by the new person."
            ),
            self,
        )
        note.setObjectName("switch_note")
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(self)
        self.switch_button = buttons.addButton(
            self.tr("Switch"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.switch_button.setObjectName("switch_button")
        self.switch_button.setDefault(True)
        self.cancel_button = buttons.addButton(
            self.tr("Cancel"), QDialogButtonBox.ButtonRole.RejectRole
        )
        buttons.accepted.connect(self.form.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.form.busy_changed.connect(self._on_form_busy_changed)
        self.form.signed_in.connect(self._on_form_signed_in)
        self.resize(400, 420)
        self.form.load()

    def _on_form_busy_changed(self, busy: bool) -> None:
        self.switch_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)

    def _on_form_signed_in(self, identity: Identity) -> None:
        session = self._session
        previous = session.identity
        session.switch_operator(identity)
        if previous.staff_id is not None and previous.staff_id != identity.staff_id:
            access = session.services.access
            # The session, not this dialog, waits for the answer: the dialog closes now.
            session.runner.submit(
                lambda: access.sign_out(previous), on_error=session.report_failure, owner=session
            )
        self.identity = identity
        self.switched.emit(identity)
        QDialog.accept(self)

    def accept(self) -> None:
        self.form.submit()  # Enter: check, never close unchecked

    def reject(self) -> None:
        if not self.form.busy:
            super().reject()


class SwitchOperatorAction(QAction):
    """值班 → 切换值班人员 (Ctrl+Shift+S): opens :class:`SwitchOperatorDialog`."""

    def __init__(self, session: AppSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.setText(self.tr("Switch the person on duty…"))
        self.setShortcut(SHORTCUT)
        self._session = session
        self._parent = parent
        self.triggered.connect(lambda: self.open_dialog())

    def open_dialog(self, parent: QWidget | None = None) -> SwitchOperatorDialog:
        dialog = SwitchOperatorDialog(self._session, parent or self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog


class OperatorLabel(QLabel):
    """The status bar's ``值班员 张三``: who signs what is saved at this seat now."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_user")
        self.setTextFormat(Qt.TextFormat.PlainText)  # a name is data, never markup
        session.operator_changed.connect(self._on_session_operator_changed)
        self._show(session.identity)

    def _on_session_operator_changed(self, identity: Identity) -> None:
        self._show(identity)

    def _show(self, identity: Identity) -> None:
        if identity.role is not None:
            self.setText(operator_text(identity))
        else:  # the program itself (a snapshot, a tool), not a person with a role
            self.setText(self.tr("User: %1").replace("%1", identity.user))
        seat = self.tr("Site: %1").replace("%1", identity.site)
        if identity.workstation:
            seat += f" · {identity.workstation}"
        self.setToolTip(plain_tooltip(seat))
