"""The seat lock: after minutes without input, or by hand (值班 → 锁定席位, Ctrl+L).

A console of the 24-hour watch is left for a moment, never logged off: the
person signed in is still on duty. Locking covers every screen with an opaque
lock screen (no data visible) that names who locked and since when; the
person's PIN or password opens it again (:meth:`AccessService.unlock`,
recorded), or someone else signs in with 切换人员. Every window, form and
dialog stays exactly as it was underneath: nothing is closed, nothing typed
is lost.

:class:`SeatLock` is one per session (:meth:`SeatLock.of`): it watches the
keyboard and mouse at every window of the program (an event filter on each
top-level QWindow) and counts down with a QTimer (monotonic time, not the
wall clock). The
minutes are a setting of this seat (QSettings ``security/idle_lock_minutes``,
default 15, 0 = never; 设置 → 自动锁定席位).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QCursor,
    QGuiApplication,
    QPalette,
    QScreen,
    QWindow,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.domain.clock import CHINA_TZ
from app.domain.enums import ChangeOp
from app.domain.identity import Identity
from app.ui.access.sign_in import (
    failure_text,
    message_label,
    operator_text,
    say,
    secret_field,
)
from app.ui.access.switch import SwitchOperatorDialog
from app.ui.forms import FieldErrors, GuardedDialog, NumberField, field_text
from app.ui.plain import plain_label
from app.ui.session import AppSession

IDLE_KEY = "security/idle_lock_minutes"
DEFAULT_IDLE_MINUTES = 15
MAX_IDLE_MINUTES = 24 * 60
LOCK_SHORTCUT = "Ctrl+L"
POINTER_POLL_MS = 1000
_BACKGROUND = "#17212b"

# Input by a person: any of these restarts the countdown.
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)


def idle_minutes(settings: QSettings) -> int:
    """The seat's idle minutes before it locks (0: never); a bad value is the default."""
    try:
        minutes = int(str(settings.value(IDLE_KEY, DEFAULT_IDLE_MINUTES)))
    except ValueError:
        return DEFAULT_IDLE_MINUTES
    return minutes if 0 <= minutes <= MAX_IDLE_MINUTES else DEFAULT_IDLE_MINUTES


class SeatLock(QObject):
    """Locks and unlocks the seat of one session; counts the idle time.

    ``unlock_refused(text)`` when a PIN or password did not open it (the seat
    stays locked); the session's ``locked_changed`` says when it locks and opens.
    """

    unlock_refused = Signal(str)
    unlocked = Signal(object)  # Identity: the person at the seat after unlocking

    def __init__(self, session: AppSession, settings: QSettings) -> None:
        super().__init__(session)
        self._session = session
        self._settings = settings
        self.locked_by: Identity | None = None
        self.locked_at: datetime | None = None
        self.lock_screen: LockScreen | None = None
        self._busy = False
        self._stopped = False
        self._timeout_ms = idle_minutes(settings) * 60_000
        self._since_input = QElapsedTimer()
        self._since_input.start()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        # The window system drops the mouse's moves over a window that a dialog
        # blocks (the main window behind a form): the pointer's position tells.
        self._pointer = QCursor.pos()
        self._pointer_timer = QTimer(self)
        self._pointer_timer.setInterval(POINTER_POLL_MS)
        self._pointer_timer.timeout.connect(self._on_pointer_timer_timeout)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._on_focus_window_changed)
            app.aboutToQuit.connect(self.stop)
        self._watch_windows()
        self._arm()

    @classmethod
    def of(cls, session: AppSession, settings: QSettings) -> SeatLock:
        """The session's seat lock (made on first use: one per session, for every window)."""
        found = session.findChild(SeatLock)
        return found if isinstance(found, SeatLock) else cls(session, settings)

    @property
    def session(self) -> AppSession:
        return self._session

    @property
    def locked(self) -> bool:
        return self._session.locked

    # -- the countdown ----------------------------------------------------------
    @property
    def idle_timeout_ms(self) -> int:
        return self._timeout_ms

    def set_idle_minutes(self, minutes: int) -> None:
        """Lock after ``minutes`` without input (0: never); kept for this seat."""
        self._settings.setValue(IDLE_KEY, int(minutes))
        self._settings.sync()
        self.set_idle_timeout_ms(int(minutes) * 60_000)

    def set_idle_timeout_ms(self, ms: int) -> None:
        """The idle time before locking, for this run only (0: never)."""
        self._timeout_ms = max(0, int(ms))
        self._arm()

    def stop(self) -> None:
        """The session is closing: no more countdown (the program is shutting down)."""
        self._stopped = True
        self._timer.stop()
        self._pointer_timer.stop()

    def _arm(self) -> None:
        self._since_input.restart()
        if self._timeout_ms > 0 and not self.locked and not self._stopped:
            self._timer.start(self._timeout_ms)
            self._pointer = QCursor.pos()
            self._pointer_timer.start()
        else:
            self._timer.stop()
            self._pointer_timer.stop()

    def _on_pointer_timer_timeout(self) -> None:
        pointer = QCursor.pos()
        if pointer != self._pointer:
            self._pointer = pointer
            if not self.locked:
                self._since_input.restart()

    def _on_timer_timeout(self) -> None:
        if self.locked or self._timeout_ms <= 0 or self._stopped:
            return
        idle = self._since_input.elapsed()
        if idle >= self._timeout_ms:
            self.lock(reason="idle")
        else:  # there was input meanwhile: count the rest
            self._timer.start(self._timeout_ms - idle)

    # Input is watched at the program's windows (QWindow), where the window
    # system delivers it before any widget sees it. Not at the application:
    # an application-wide event filter in Python also sees the web map's
    # internal Qt Quick items, which PySide cannot wrap without sending them
    # another event (endless recursion, a crash).
    def _watch_windows(self) -> None:
        for window in QGuiApplication.topLevelWindows():
            window.installEventFilter(self)  # installing twice keeps one

    def _on_focus_window_changed(self, window: QWindow | None) -> None:
        if window is None:
            return
        window.installEventFilter(self)
        if self._session.locked:
            self._keep_on_top(window)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and not self._session.locked:
            self._since_input.restart()
        return False

    def _keep_on_top(self, window: QWindow) -> None:
        """A window that comes forward while locked (a fault box) goes under the lock screen."""
        screen = self.lock_screen
        if screen is None:
            return
        mine = [screen.windowHandle(), *screen.cover_windows()]
        shown: QWindow | None = window
        while shown is not None:
            if any(shown == w for w in mine if w is not None):
                return  # the lock screen, its covers, or a dialog opened from it
            shown = shown.transientParent()
        QTimer.singleShot(0, screen, screen.bring_forward)

    # -- locking ------------------------------------------------------------------
    def lock(self, *, reason: str = "manual") -> None:
        """Lock the seat now (``reason``: ``manual`` or ``idle``, recorded)."""
        session = self._session
        if session.locked:
            return
        self._timer.stop()
        self._pointer_timer.stop()
        who = session.identity
        self.locked_by = who
        self.locked_at = session.now()
        session.set_locked(True)
        if self.lock_screen is None:
            self.lock_screen = LockScreen(self)
            self.destroyed.connect(self.lock_screen.deleteLater)
        self.lock_screen.show_locked(who, self.locked_at)
        access = session.services.access
        session.runner.submit(
            lambda: access.record_event(who, ChangeOp.LOCK, {"reason": reason}),
            on_error=session.report_failure,
            owner=session,
        )

    def unlock(self, secret: str) -> None:
        """The person who locked comes back: their PIN or password, checked off the GUI thread."""
        who = self.locked_by
        if not self.locked or who is None or self._busy:
            return
        access = self._session.services.access

        def check() -> Identity:
            back = access.unlock(who, secret)
            access.record_event(back, ChangeOp.UNLOCK, {})
            return back

        self._busy = True
        self._session.runner.submit(
            check, on_done=self._on_unlock_checked, on_error=self._on_unlock_refused, owner=self
        )

    def _on_unlock_checked(self, identity: Identity) -> None:
        self._busy = False
        if not self.locked:
            return  # someone else took the seat from the lock screen meanwhile
        if identity != self._session.identity:  # roles granted or revoked meanwhile
            self._session.switch_operator(identity)
        self._release(identity)

    def _on_unlock_refused(self, exc: BaseException) -> None:
        self._busy = False
        self.unlock_refused.emit(failure_text(exc, self._session.where))

    def unlock_as(self, identity: Identity) -> None:
        """Someone else signed in from the lock screen (切换人员): the seat is theirs."""
        if not self.locked:
            return
        session = self._session
        access = session.services.access
        session.runner.submit(
            lambda: access.record_event(identity, ChangeOp.UNLOCK, {"switched": True}),
            on_error=session.report_failure,
            owner=session,
        )
        self._release(identity)

    def _release(self, identity: Identity) -> None:
        self.locked_by = None
        self.locked_at = None
        if self.lock_screen is not None:
            self.lock_screen.hide_unlocked()
        self._session.set_locked(False)
        self._arm()
        self.unlocked.emit(identity)


class _Cover(QWidget):
    """An opaque window over a screen other than the lock screen's."""

    def __init__(self, screen: QScreen) -> None:
        super().__init__(
            None,
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        _paint_opaque(self)
        self.setScreen(screen)
        self.setGeometry(screen.geometry())


def raise_window(widget: QWidget) -> None:
    """Put a window above the program's others (a platform without a window
    stack, such as the offscreen one of tests and snapshots, has nothing to do)."""
    if QGuiApplication.platformName() != "offscreen":
        widget.raise_()


def _paint_opaque(widget: QWidget) -> None:
    palette = widget.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(_BACKGROUND))
    widget.setPalette(palette)
    widget.setAutoFillBackground(True)


class LockScreen(QWidget):
    """What a locked seat shows: who locked and since when, and how to open it."""

    def __init__(self, seat_lock: SeatLock) -> None:
        super().__init__(
            None,
            Qt.WindowType.Window
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint,
        )
        self.setObjectName("LockScreen")
        self.setWindowTitle(self.tr("Seat locked"))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        _paint_opaque(self)
        self._lock = seat_lock
        self._covers: list[_Cover] = []
        self.switch_dialog: SwitchOperatorDialog | None = None

        card = QFrame(self)
        card.setObjectName("lock_card")
        card.setFixedWidth(440)
        card.setStyleSheet(
            "QFrame#lock_card { background: #f4f6f8; border-radius: 8px; }"
            "QLabel { color: #17212b; }"
        )
        title = QLabel(self.tr("This seat is locked"), card)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        self.who = plain_label(parent=card)
        self.who.setObjectName("locked_by")
        who_font = self.who.font()
        who_font.setPointSizeF(who_font.pointSizeF() * 1.3)
        self.who.setFont(who_font)
        self.since = QLabel(card)
        self.since.setObjectName("locked_since")
        self.prompt = plain_label(parent=card)
        self.prompt.setWordWrap(True)
        self.secret = secret_field(card, "unlock_secret")
        self.secret.setPlaceholderText(self.tr("PIN or password"))
        self.message = message_label(card, "unlock_message")
        self.unlock_button = QPushButton(self.tr("Unlock"), card)
        self.unlock_button.setObjectName("unlock_button")
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton(self.tr("Switch person…"), card)
        self.switch_button.setObjectName("lock_switch_button")
        note = QLabel(
            self.tr("Open windows and forms are kept as they were; nothing has been closed."),
            card,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")

        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(8)
        inner.addWidget(title)
        inner.addWidget(self.who)
        inner.addWidget(self.since)
        inner.addSpacing(10)
        inner.addWidget(self.prompt)
        inner.addWidget(self.secret)
        inner.addWidget(self.message)
        inner.addLayout(buttons)
        inner.addSpacing(6)
        inner.addWidget(note)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.secret.returnPressed.connect(self._on_unlock_clicked)
        self.secret.textChanged.connect(self._on_secret_text_changed)
        self.unlock_button.clicked.connect(self._on_unlock_clicked)
        self.switch_button.clicked.connect(self._on_switch_clicked)
        seat_lock.unlock_refused.connect(self._on_unlock_refused)

    def show_locked(self, who: Identity, since: datetime) -> None:
        self.who.setText(operator_text(who))
        self.since.setText(
            self.tr("Locked at %1").replace(
                "%1", since.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
            )
        )
        self.prompt.setText(self.tr("%1, enter your PIN or password:").replace("%1", who.user))
        self.secret.clear()
        self.secret.setEnabled(True)
        self.unlock_button.setEnabled(True)
        say(self.message, "")
        self._cover_screens()
        raise_window(self)
        self.activateWindow()
        self.secret.setFocus()

    def _cover_screens(self) -> None:
        active = QApplication.activeWindow()
        here = active.screen() if active is not None else QGuiApplication.primaryScreen()
        for screen in QGuiApplication.screens():
            if screen is not here:
                cover = _Cover(screen)
                cover.show()
                self._covers.append(cover)
        self.setScreen(here)
        self.setGeometry(here.geometry())
        self.showFullScreen()

    def cover_windows(self) -> list[QWindow | None]:
        return [cover.windowHandle() for cover in self._covers]

    def bring_forward(self) -> None:
        raise_window(self)
        self.activateWindow()

    def hide_unlocked(self) -> None:
        self.secret.clear()
        say(self.message, "")
        if self.switch_dialog is not None:
            self.switch_dialog.close()
            self.switch_dialog = None
        for cover in self._covers:
            cover.close()
        self._covers = []
        self.hide()

    def _on_secret_text_changed(self, text: str) -> None:
        if text and self.message.text():
            say(self.message, "")

    def _on_unlock_clicked(self) -> None:
        secret = self.secret.text()
        if not secret:
            say(self.message, self.tr("Enter your PIN or password."))
            return
        self.secret.clear()
        self.secret.setEnabled(False)
        self.unlock_button.setEnabled(False)
        self._lock.unlock(secret)

    def _on_unlock_refused(self, text: str) -> None:
        self.secret.setEnabled(True)
        self.unlock_button.setEnabled(True)
        say(self.message, text)
        self.secret.setFocus()

    def _on_switch_clicked(self) -> None:
        dialog = SwitchOperatorDialog(self._lock.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.switched.connect(self._lock.unlock_as)
        dialog.destroyed.connect(self._on_switch_dialog_destroyed)
        self.switch_dialog = dialog
        dialog.open()

    def _on_switch_dialog_destroyed(self) -> None:
        self.switch_dialog = None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._lock.locked:
            event.ignore()  # Alt+F4 does not open a locked seat
        else:
            super().closeEvent(event)


# -- settings and menu entries -------------------------------------------------------------


class IdleLockSettingsDialog(GuardedDialog):
    """设置 → 自动锁定席位: minutes without input before this seat locks (0: never)."""

    def __init__(
        self, seat_lock: SeatLock, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("IdleLockSettingsDialog")
        self.setWindowTitle(self.tr("Automatic seat lock"))
        self._lock = seat_lock
        self.field_errors = FieldErrors(self)
        self.minutes = NumberField(self, decimals=0, maximum=MAX_IDLE_MINUTES)
        self.minutes.setObjectName("idle_minutes")
        self.minutes.setValue(idle_minutes(settings))
        self.minutes.setMaximumWidth(90)
        unit = QLabel(self.tr("minutes without keyboard or mouse input"), self)
        row = QHBoxLayout()
        row.addWidget(self.minutes)
        row.addWidget(unit, 1)
        row_box = QWidget(self)
        row_box.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        explain = QLabel(
            self.tr(
                "The seat locks itself after this time; the person signed in opens it with "
                "their PIN or password. 0: never. This setting is for this computer only."
            ),
            self,
        )
        explain.setWordWrap(True)
        explain.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("Save"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.field_errors.add("minutes", row_box, check=self._problem))
        layout.addWidget(explain)
        layout.addWidget(buttons)
        self.resize(420, self.sizeHint().height())

    def _problem(self) -> str | None:
        number = self.minutes.number()
        if number is None:
            return self.minutes.problem_text()
        if number < 0:
            return field_text("negative")
        return None

    def save(self) -> None:
        problem = self._problem()
        if problem:
            self.field_errors.set("minutes", problem)
            self.minutes.setFocus()
            return
        self._lock.set_idle_minutes(int(self.minutes.value()))
        self.discard_guard.mark_clean()
        self.accept()


class LockSeatAction(QAction):
    """值班 → 锁定席位 (Ctrl+L)."""

    def __init__(self, seat_lock: SeatLock, parent: QWidget) -> None:
        super().__init__(parent)
        self.setText(self.tr("Lock the seat"))
        self.setShortcut(LOCK_SHORTCUT)
        self.triggered.connect(lambda: seat_lock.lock(reason="manual"))


class IdleLockSettingsAction(QAction):
    """设置 → 自动锁定席位…"""

    def __init__(self, seat_lock: SeatLock, settings: QSettings, parent: QWidget) -> None:
        super().__init__(parent)
        self.setText(self.tr("Automatic seat lock…"))
        self._lock = seat_lock
        self._settings = settings
        self._parent = parent
        self.triggered.connect(lambda: self.open_dialog())

    def open_dialog(self) -> IdleLockSettingsDialog:
        dialog = IdleLockSettingsDialog(self._lock, self._settings, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog
