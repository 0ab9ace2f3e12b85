"""值班设置 from the main window: a stricter minimum shows at once in the roster."""

from __future__ import annotations

from typing import Any

from app.data.engine import Database
from app.services.office import OfficeSettings
from app.ui.main_window import MainWindow


def test_raising_the_minimum_flags_more_shifts(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    model = window.roster_panel.model
    short_before = sum(1 for r in range(model.rowCount()) if model.row_at(r).shortfall)
    dialog = window.open_roster_settings()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5000)
    assert dialog.officers.value() == 2 and dialog.full_day.isChecked()
    dialog.officers.setValue(4)
    with qtbot.waitSignal(dialog.saved, timeout=5000):
        dialog.save()
    assert OfficeSettings(check_db).roster_policy().policy.staffing.officers == 4
    qtbot.waitUntil(
        lambda: sum(1 for r in range(model.rowCount()) if model.row_at(r).shortfall) > short_before,
        timeout=5000,
    )


def test_stale_settings_are_not_overwritten(
    window: MainWindow, check_db: Database, qtbot: Any
) -> None:
    dialog = window.open_roster_settings()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=5000)
    other = OfficeSettings(check_db)
    other.set_roster_policy(dialog.policy(), 0, actor="seat-2", site="seat-2")
    dialog.leaders.setValue(2)
    dialog.save()
    qtbot.waitUntil(dialog.banner.isVisible, timeout=5000)
    assert "其他席位" in dialog.banner.text()
    assert dialog.isVisible()
    dialog.reject()
