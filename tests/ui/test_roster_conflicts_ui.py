"""Two seats on one shift, seen from the window: a refused save keeps the user's choice
and says who changed the shift; a refused drop says so in Chinese and reloads."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt

from app.data.engine import Database
from app.services.dto import ShiftDTO, StaffDTO
from app.services.roster import RosterService
from app.ui.main_window import MainWindow
from app.ui.roster.calendar import AssignDialog, RosterCalendar, staff_mime
from app.ui.tasks import TaskRunner

OTHER = "李调度"  # the other seat's user


def _names_on(check_db: Database, shift_id: uuid.UUID) -> set[str]:
    shift = RosterService(check_db).shift(shift_id)
    assert shift is not None
    return {p.name for p in shift.assignments}


def _target(cal: RosterCalendar, check_db: Database) -> tuple[ShiftDTO, list[StaffDTO]]:
    """A shift shown in the grid with an officer on it, and officers free to join it."""
    assert cal.model.period is not None
    svc = RosterService(check_db)
    listed = {s.id for s in cal.staff if s.role == "officer"}
    for shift in cal.model.period.shifts:
        busy = {
            p.staff_id
            for other in svc.shifts_between(shift.starts_at, shift.ends_at)
            for p in other.assignments
        }
        free = [s for s in cal.staff if s.role == "officer" and s.id not in busy]
        if len(free) >= 2 and any(p.staff_id in listed for p in shift.officers):
            return shift, free
    raise AssertionError("no shift in the grid with two free officers")


def _checked(dialog: AssignDialog, staff_id: uuid.UUID) -> bool:
    for lst in dialog.lists.values():
        for i in range(lst.count()):
            item = lst.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(staff_id):
                return item.checkState() == Qt.CheckState.Checked
    raise AssertionError(f"{staff_id} is not in the dialog")


def _grid_version(cal: RosterCalendar, shift_id: uuid.UUID) -> int:
    assert cal.model.period is not None
    return next(s.version for s in cal.model.period.shifts if s.id == shift_id)


def test_refused_save_keeps_the_choice_and_says_who_changed_the_shift(
    window: MainWindow, check_db: Database, qtbot: Any, runner: TaskRunner
) -> None:
    cal = window.roster_panel.calendar
    shift, free = _target(cal, check_db)
    theirs, mine = free[0], free[1]
    listed = {s.id for s in cal.staff}
    leaving = next(p for p in shift.officers if p.staff_id in listed)
    dialog = cal.open_assign_dialog(shift)
    dialog.set_checked(mine.id, True)
    dialog.set_checked(leaving.staff_id, False)

    # Meanwhile another seat puts an officer on the same shift.
    RosterService(check_db).assign(
        shift.id, theirs.id, "officer", actor=OTHER, site="seat-2", expected_version=shift.version
    )
    dialog.accept()
    qtbot.waitUntil(dialog.banner.isVisible, timeout=15000)

    assert dialog.isVisible(), "a refused save leaves the dialog open"
    text = dialog.banner.text()
    assert "未保存" in text and OTHER in text and theirs.name in text, text
    # The user's edits stay; the other seat's officer is shown on the shift too.
    assert _checked(dialog, mine.id) and not _checked(dialog, leaving.staff_id)
    assert _checked(dialog, theirs.id)
    assert dialog.shift.version == shift.version + 1
    names = _names_on(check_db, shift.id)
    assert theirs.name in names and leaving.name in names and mine.name not in names

    # Saving again applies the user's edits on top of the other seat's change.
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        dialog.accept()
    names = _names_on(check_db, shift.id)
    assert theirs.name in names and mine.name in names and leaving.name not in names
    qtbot.waitUntil(lambda: "已保存" in cal.message.text(), timeout=15000)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=15000)


def test_stale_drop_is_refused_in_chinese_and_the_shift_reloaded(
    window: MainWindow, check_db: Database, qtbot: Any, runner: TaskRunner
) -> None:
    cal = window.roster_panel.calendar
    shift, free = _target(cal, check_db)
    theirs, mine = free[0], free[1]
    RosterService(check_db).assign(
        shift.id, theirs.id, "officer", actor=OTHER, site="seat-2", expected_version=shift.version
    )
    # The grid still shows the copy from before that change.
    index = cal.model.index_of_shift(shift.id)
    assert cal.model.dropMimeData(staff_mime(mine), Qt.DropAction.CopyAction, -1, -1, index)
    qtbot.waitUntil(lambda: "未执行" in cal.message.text(), timeout=15000)
    message = cal.message.text()
    assert OTHER in message and theirs.name in message and "重新加载" in message, message
    names = _names_on(check_db, shift.id)
    assert theirs.name in names and mine.name not in names

    # The shift is reloaded: the grid shows the other seat's officer, and a drop works.
    qtbot.waitUntil(lambda: _grid_version(cal, shift.id) == shift.version + 1, timeout=15000)
    index = cal.model.index_of_shift(shift.id)
    assert theirs.name in str(index.data())
    assert cal.model.dropMimeData(staff_mime(mine), Qt.DropAction.CopyAction, -1, -1, index)
    qtbot.waitUntil(lambda: mine.name in _names_on(check_db, shift.id), timeout=15000)
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=15000)
