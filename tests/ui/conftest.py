"""UI fixtures: the real main window on a copy of the demo database."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import event
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.domain.identity import Identity
from app.ui.forms import DiscardGuard
from app.ui.i18n import install_translator
from app.ui.main_window import MainWindow
from app.ui.map.tiles import TileSource
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner

# A wait without its own limit (pytest-qt's default is 5 s) may take this long: a
# machine running the two workers and other work can be several times slower
# than a quiet one, and a wait ends as soon as its condition holds. Tests that
# check a speed give their own limit.
WAIT_MS = 30000


def _patient(wait: Any) -> Any:
    @functools.wraps(wait)
    def patient(self: QtBot, *args: Any, timeout: int = WAIT_MS, **kwargs: Any) -> Any:
        return wait(self, *args, timeout=timeout, **kwargs)

    return patient


QtBot.waitUntil = _patient(QtBot.waitUntil)  # type: ignore[method-assign]
QtBot.waitSignal = _patient(QtBot.waitSignal)  # type: ignore[method-assign]


class GuiThreadGuard:
    """Records every SQL statement that runs on the GUI thread."""

    def __init__(self, db: Database) -> None:
        self.violations: list[str] = []
        self._db = db
        event.listen(db.engine, "before_cursor_execute", self._check)

    def _check(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            self.violations.append(statement.split("\n", 1)[0][:120])

    def remove(self) -> None:
        event.remove(self._db.engine, "before_cursor_execute", self._check)


# A question or message box nobody answers holds the test forever (its own event
# loop runs, so no wait of the test ever times out): after this many seconds the
# watchdog closes it and the test fails, naming the box.
MODAL_LIMIT_S = 60


@pytest.fixture(autouse=True)
def _no_modal_left_open(qapp: QApplication) -> Iterator[None]:
    seen: dict[int, float] = {}
    closed: list[str] = []

    def check() -> None:
        box = QApplication.activeModalWidget()
        if box is None:
            seen.clear()
            return
        first = seen.setdefault(id(box), time.monotonic())
        if time.monotonic() - first > MODAL_LIMIT_S:
            closed.append(f"{type(box).__name__} {box.windowTitle()!r}")
            if isinstance(box, QDialog):
                box.reject()
            else:
                box.close()

    watchdog = QTimer()
    watchdog.setInterval(1000)
    watchdog.timeout.connect(check)
    watchdog.start()
    yield
    watchdog.stop()
    assert not closed, f"a modal window waited for an answer nobody gave: {closed}"


@pytest.fixture(scope="session", autouse=True)
def chinese(qapp: QApplication) -> Iterator[None]:
    translators = install_translator(qapp, "zh_CN")
    assert translators, "resources/i18n/xcc_zh_CN.qm is missing: run 'make translations'"
    yield
    for t in translators:
        qapp.removeTranslator(t)


# Sessions made in the running test: closed and deleted with its runner, at its
# end, instead of whenever the garbage collector reaches them (inside some later
# test, while that test's own threads run).
_SESSIONS: list[AppSession] = []


@pytest.fixture(autouse=True)
def _record_sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    made = AppSession.__init__

    def init(self: AppSession, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        _SESSIONS.append(self)

    monkeypatch.setattr(AppSession, "__init__", init)
    yield
    _delete_sessions()  # of a test without the runner fixture


def _delete_sessions() -> None:
    sessions = [s for s in _SESSIONS if shiboken6.isValid(s)]
    _SESSIONS.clear()
    for s in sessions:
        if shiboken6.isValid(s.runner):
            s.close()
    for s in sessions:
        if shiboken6.isValid(s):
            shiboken6.delete(s)
    QApplication.processEvents()


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    # A delivered result may start another task (a reload after a change, a
    # subscription's delayed callback): drain until nothing runs or waits.
    deadline = time.monotonic() + 10
    while True:
        assert r.wait_idle(10000), "a background task was still running after the test"
        QApplication.processEvents()
        if r.pending == 0:
            break
        assert time.monotonic() < deadline, "a background task's result was never delivered"
        time.sleep(0.01)
    _delete_sessions()
    shiboken6.delete(r)


@pytest.fixture
def ui_db(demo_sqlite_url: URL) -> Iterator[Database]:
    db = Database(demo_sqlite_url)
    yield db
    db.dispose()


@pytest.fixture
def check_db(ui_db: Database) -> Iterator[Database]:
    """A second handle on the same file for the test's own checks (not guarded)."""
    db = Database(ui_db.url)
    yield db
    db.dispose()


@pytest.fixture
def gui_guard(ui_db: Database) -> Iterator[GuiThreadGuard]:
    guard = GuiThreadGuard(ui_db)
    yield guard
    guard.remove()
    assert guard.violations == [], f"SQL ran on the GUI thread: {guard.violations[:5]}"


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def make_session(db: Database, runner: TaskRunner, user: str = "值班员甲") -> AppSession:
    """The application session a window subscribes to (its clock is the database's)."""
    return AppSession(db, Identity(user=user, site="seat-1", workstation="ws-1"), runner)


def make_window(
    db: Database,
    runner: TaskRunner,
    settings: QSettings,
    user: str = "值班员甲",
    session: AppSession | None = None,
) -> MainWindow:
    session = session or make_session(db, runner, user)
    tiles = TileSource()
    window = MainWindow(session, settings, tiles)
    if session.parent() is None:
        session.setParent(window)
    tiles.setParent(window)
    return window


@pytest.fixture
def window(
    qtbot: Any, ui_db: Database, runner: TaskRunner, settings: QSettings, gui_guard: GuiThreadGuard
) -> Iterator[MainWindow]:
    w = make_window(ui_db, runner, settings)
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    with qtbot.waitSignal(w.all_loaded, timeout=30000):
        w.refresh_all()
    yield w
    w.close()


_DISCARD_ASK = DiscardGuard.ask


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """pytest-qt closes the test's widgets when the test is over: a form still
    filled in must not wait for an answer to "discard?" (the run would hang
    instead of failing). This wraps pytest-qt's own teardown."""
    DiscardGuard.ask = lambda _self: True  # type: ignore[method-assign]
    try:
        return (yield)
    finally:
        DiscardGuard.ask = _DISCARD_ASK  # type: ignore[method-assign]
