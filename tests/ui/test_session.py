"""One application session under several windows; background work that has an owner."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication

from app.data.engine import Database
from app.domain.deadlines import ReportingRules
from app.services.office import OfficeSettings
from app.ui.main_window import MainWindow
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner
from tests.helpers.processes import run_python
from tests.ui.conftest import GuiThreadGuard, make_session, make_window

ROOT = Path(__file__).resolve().parents[2]


def _open(qtbot: Any, window: MainWindow) -> None:
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()


def test_two_windows_on_one_session_follow_a_third_process(
    qtbot: Any,
    ui_db: Database,
    runner: TaskRunner,
    settings: QSettings,
    tmp_path: Path,
    gui_guard: GuiThreadGuard,
) -> None:
    session = make_session(ui_db, runner)
    first = make_window(ui_db, runner, settings, session=session)
    second_settings = QSettings(str(tmp_path / "second.ini"), QSettings.Format.IniFormat)
    second = make_window(ui_db, runner, second_settings, session=session)
    session.setParent(None)  # owned by neither window
    for w in (first, second):
        _open(qtbot, w)
    with qtbot.waitSignals([first.all_loaded, second.all_loaded], timeout=30000):
        session.reload()
    script = (
        "import sys; from app.data.engine import Database; from app.domain.clock import "
        "system_clock; from app.domain.intake import IncidentDraft; "
        "from app.services.incidents import IncidentService; db = Database(sys.argv[1]);\n"
        "print(IncidentService(db).record(IncidentDraft(title='第三个进程登记的事件', "
        "category='accident', incident_type='fire', severity='IV', source='phone', "
        "received_at=system_clock(), lon=116.95, lat=34.19), actor='seat-3', "
        "site='seat-3', now=system_clock()))\n"
    )
    url = ui_db.url.render_as_string(hide_password=False)
    out = run_python(script, url)
    incident_id = uuid.UUID(out.split()[-1])
    for w in (first, second):
        qtbot.waitUntil(
            lambda w=w: w.incident_panel.model.row_of_id(incident_id) is not None, timeout=5000
        )
        qtbot.waitUntil(
            lambda w=w: w.map_panel.feature_counts.get("incidents", 0) > 0, timeout=5000
        )
    # One feed for the session, not one per window.
    assert session.live.running
    first.close()
    # The second window goes on after the first closed.
    assert second.isVisible()
    second.close()
    session.close()
    session.deleteLater()


def test_office_reporting_rules_reach_every_subscriber(
    qtbot: Any, window: MainWindow, check_db: Database
) -> None:
    session: AppSession = window._session
    assert session.rules.reporting.version == 0
    faster = ReportingRules(final_within=ReportingRules().final_within / 2)
    with qtbot.waitSignal(session.rules_changed, timeout=5000) as blocker:
        OfficeSettings(check_db).set_reporting_rules(faster, 0, actor="主任", site="seat-2")
    assert blocker.args[0].reporting.rules == faster
    assert session.rules.reporting.rules.final_within == faster.final_within


class _Owner(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[Any] = []

    def take(self, value: Any) -> None:
        self.got.append(value)


def test_a_result_for_a_deleted_owner_is_dropped(qtbot: Any, runner: TaskRunner) -> None:
    owner = _Owner()
    gate = threading.Event()
    runner.submit(lambda: gate.wait(5) and "late", owner.take)
    owner.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gate.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=5000)
    assert runner.dropped == 1


def test_closing_the_duty_report_while_it_loads_is_harmless(qtbot: Any, window: MainWindow) -> None:
    runner: TaskRunner = window._runner
    before = runner.dropped
    dialog = window.open_duty_report()
    dialog.close()  # deleted on close, before the report arrives
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    with qtbot.captureExceptions() as raised:
        qtbot.waitUntil(lambda: runner.pending == 0, timeout=10000)
        QApplication.processEvents()
    assert raised == []
    assert runner.dropped > before


def test_only_the_newest_request_is_answered(qtbot: Any, runner: TaskRunner) -> None:
    owner = _Owner()
    slow = threading.Event()
    runner.submit(lambda: slow.wait(5) and "old", owner.take, latest="query")
    runner.submit(lambda: "new", owner.take, latest="query")
    qtbot.waitUntil(lambda: owner.got == ["new"], timeout=5000)
    slow.set()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=5000)
    time.sleep(0.05)
    QApplication.processEvents()
    assert owner.got == ["new"]


def test_a_failing_callback_reaches_the_runner_not_the_void(qtbot: Any, runner: TaskRunner) -> None:
    def broken(_value: Any) -> None:
        raise ZeroDivisionError("a bug in a callback")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit(lambda: 1, broken)
    assert isinstance(blocker.args[0], ZeroDivisionError)


def test_an_unhandled_task_error_reaches_the_runner(qtbot: Any, runner: TaskRunner) -> None:
    def fail() -> None:
        raise ValueError("nobody handles this")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit(fail)
    assert isinstance(blocker.args[0], ValueError)


def test_a_superseding_request_needs_an_owner(runner: TaskRunner) -> None:
    with pytest.raises(ValueError):
        runner.submit(lambda: 1, latest="x")


def test_reporting_deadlines_dialog_saves_for_every_seat(
    qtbot: Any, window: MainWindow, check_db: Database
) -> None:
    dialog = window.open_reporting_rules()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5000)
    assert dialog.initial[next(iter(dialog.initial))].value() == 30  # 特别重大: 30 min
    dialog.final_hours.setValue(48)
    with qtbot.waitSignal(window._session.rules_changed, timeout=5000):
        dialog.save()
    assert (
        OfficeSettings(check_db).reporting_rules().rules.final_within.total_seconds() == 48 * 3600
    )
    assert window._session.rules.reporting.rules.final_within.total_seconds() == 48 * 3600


def test_a_minus_sign_in_a_deadline_is_kept_and_refused_at_the_field(
    qtbot: Any, window: MainWindow, check_db: Database
) -> None:
    dialog = window.open_reporting_rules()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5000)
    box = next(iter(dialog.initial.values()))
    box.selectAll()
    qtbot.keyClicks(box, "-5")
    assert box.text() == "-5"
    dialog.save()
    assert box.text() == "-5" and dialog.isVisible()
    assert dialog.field_errors.text(box.objectName()) == "不能为负数。"
    assert OfficeSettings(check_db).reporting_rules().version == 0  # nothing saved
    box.setText("20")  # fixed: the message goes at once
    assert dialog.field_errors.text(box.objectName()) == ""
    dialog.discard_guard.mark_clean()


def test_a_feed_stopped_during_a_slow_read_emits_nothing_afterwards(
    qtbot: Any, ui_db: Database, check_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop() waits 5 s for the listener; a read that takes longer ends afterwards,
    and what it read must not be emitted (the window may be gone by then)."""
    import app.live.feed as feed
    from app.ui.live import LiveUpdates

    inside, release = threading.Event(), threading.Event()
    real_read = feed.read_changes

    def slow_read(db: Database, after_seq: int, limit: int = feed.BATCH) -> list[Any]:
        rows = real_read(db, after_seq, limit)
        if rows:
            inside.set()
            release.wait(20)
        return rows

    live = LiveUpdates(ui_db)
    got: list[Any] = []
    live.changes_arrived.connect(got.append)
    monkeypatch.setattr(feed, "read_changes", slow_read)
    live.start(after_seq=0)  # the demo data's changes: the first read finds rows
    assert inside.wait(20), "the listener never read"
    live.stop()  # gives up waiting after 5 s: the read is still going on
    release.set()
    time.sleep(0.5)  # the listener's thread returns from the read now
    QApplication.processEvents()
    assert got == []


def test_a_closed_session_calls_no_subscriber(
    qtbot: Any, ui_db: Database, runner: TaskRunner
) -> None:
    session = make_session(ui_db, runner)
    owner = _Owner()
    session.subscribe(None, owner.take, owner=owner, delay_ms=200)
    from app.live.feed import read_changes

    records = read_changes(ui_db, 0, 1)  # a change of the demo data
    session.changes_arrived.emit(records)  # gathered for 200 ms
    session.close()
    qtbot.wait(400)
    assert owner.got == []
    session.reload()  # nothing is read for a closed session
    assert runner.pending == 0
