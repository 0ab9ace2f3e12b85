"""包含演示数据: the duty report and the statistics leave demo data out until ticked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app.data.engine import Database
from app.services.disaster_stats import DisasterStats
from app.services.duty_report import DutyReportService
from app.ui.incidents.stats_dialog import StatsDialog
from app.ui.roster.duty_report_dialog import DutyReportDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard

pytestmark = pytest.mark.dates  # runs at every frozen moment too


def _now() -> datetime:
    return datetime.now(UTC)


def _settle(runner: TaskRunner) -> None:
    assert runner.wait_idle(10000)
    QApplication.processEvents()


def test_duty_report_includes_demo_data_only_when_ticked(
    qtbot: Any, runner: TaskRunner, ui_db: Database, gui_guard: GuiThreadGuard
) -> None:
    dialog = DutyReportDialog(runner, DutyReportService(ui_db), now=_now, where="test")
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.show()
    assert dialog.include_demo.text() == "包含演示数据"
    assert not dialog.include_demo.isChecked()
    real = dialog.report
    assert real is not None and not real.include_demo
    # The demo roster covers every day around now; none of it is real work.
    assert real.shifts == () and real.incidents == ()
    assert real.counts.open_incidents_all == 0
    assert "演示数据" not in dialog.preview.toPlainText()

    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.include_demo.setChecked(True)
    full = dialog.report
    assert full is not None and full.include_demo and full.day == real.day
    assert full.shifts and full.counts.open_incidents_all > 0
    assert "本日报包含演示数据，不得作为正式值班日报报送。" in dialog.preview.toPlainText()

    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        dialog.include_demo.setChecked(False)
    assert dialog.report is not None and dialog.report.shifts == ()
    _settle(runner)


def test_statistics_include_demo_data_only_when_ticked(
    qtbot: Any, runner: TaskRunner, ui_db: Database, gui_guard: GuiThreadGuard
) -> None:
    now = _now()
    dialog = StatsDialog(runner, DisasterStats(ui_db), lambda: now)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.include_demo.text() == "包含演示数据"
    assert not dialog.include_demo.isChecked()
    qtbot.waitUntil(lambda: dialog.status.text() == "自然灾害 0 起(不含演练)", timeout=10000)
    assert dialog.rows == [] and dialog.table.rowCount() == 0

    dialog.include_demo.setChecked(True)
    qtbot.waitUntil(lambda: "含演示数据" in dialog.status.text(), timeout=10000)
    count = sum(r.incidents for r in dialog.rows)
    assert count >= 1, "the demo data set has a natural disaster (not a drill)"
    assert dialog.status.text() == f"自然灾害 {count} 起(不含演练，含演示数据)"
    assert dialog.table.rowCount() == len(dialog.rows)

    dialog.include_demo.setChecked(False)
    qtbot.waitUntil(lambda: dialog.status.text() == "自然灾害 0 起(不含演练)", timeout=10000)
    assert dialog.table.rowCount() == 0
    _settle(runner)
