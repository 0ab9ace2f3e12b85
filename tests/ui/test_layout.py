"""The default layout on a laptop and on a large screen: what a duty officer sees at once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QToolButton

from app.data.engine import Database
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
from tests.ui.conftest import make_window

LAPTOP, LARGE = (1366, 768), (1920, 1080)


def _visible_roster_days(window: MainWindow) -> int:
    grid = window.roster_panel.calendar.view
    height = grid.viewport().height()
    return sum(
        1
        for r in range(grid.model().rowCount())
        if grid.rowViewportPosition(r) >= 0
        and grid.rowViewportPosition(r) + grid.rowHeight(r) <= height
    )


def _visible_incident_rows(window: MainWindow) -> int:
    view = window.incident_panel.view
    return view.viewport().height() // view.verticalHeader().defaultSectionSize()


def _card_is_cut(window: MainWindow) -> bool:
    """Some line of the 当前值班 card (the names and phones wrap) is not shown whole."""
    card = window.roster_panel.card
    inside = card.contentsRect()
    for label in card.findChildren(QLabel):
        if not label.isVisible() or not label.text():
            continue
        needed = (
            label.heightForWidth(label.width()) if label.wordWrap() else label.sizeHint().height()
        )
        if label.height() < needed or not inside.contains(label.geometry()):
            return True
    return False


def _toolbar_overflows(window: MainWindow) -> bool:
    bar = window.roster_panel.calendar.toolbar
    return any(
        b.isVisible()
        for b in bar.findChildren(QToolButton)
        if b.objectName() == "qt_toolbar_ext_button"
    )


def _assert_fits(window: MainWindow, size: tuple[int, int]) -> None:
    days = 7 if size[1] > 900 else 3
    assert _visible_roster_days(window) >= days
    assert _visible_incident_rows(window) >= 5
    assert not _card_is_cut(window)
    assert not _toolbar_overflows(window)


def _open(
    qtbot: Any, db: Database, runner: TaskRunner, settings: QSettings, size: tuple[int, int]
) -> MainWindow:
    """A window opened at ``size`` as the program opens it (the snapshot's way):
    shown, then filled with the demo data, then settled."""
    w = make_window(db, runner, settings)
    qtbot.addWidget(w)
    w.resize(*size)
    with qtbot.waitSignal(w.all_loaded, timeout=30000):
        w.show()
        w.refresh_all()
    qtbot.wait(400)  # the re-layout after loading, and the list's split after it
    assert (w.width(), w.height()) == size
    return w


@pytest.mark.parametrize("size", [LAPTOP, LARGE])
def test_a_window_opened_with_the_demo_data_shows_the_days_the_list_and_the_card(
    qtbot: Any,
    ui_db: Database,
    runner: TaskRunner,
    settings: QSettings,
    gui_guard: Any,
    size: tuple[int, int],
) -> None:
    w = _open(qtbot, ui_db, runner, settings, size)
    assert w.roster_panel.card.officers.text()  # the card holds the names on duty
    assert w.incident_panel.model.rowCount() >= 5
    _assert_fits(w, size)
    w.close()


@pytest.mark.parametrize(("saved", "size"), [(LARGE, LAPTOP), (LAPTOP, LARGE)])
def test_a_layout_saved_at_another_window_size_is_sized_afresh(
    qtbot: Any,
    ui_db: Database,
    runner: TaskRunner,
    settings: QSettings,
    gui_guard: Any,
    saved: tuple[int, int],
    size: tuple[int, int],
) -> None:
    # The docks as arranged on one screen; the next start is on another (a
    # laptop taken off its docking station, a snapshot of another size).
    first = _open(qtbot, ui_db, runner, settings, saved)
    first.close()  # saves the layout
    assert settings.value("window/state") is not None
    again = _open(qtbot, ui_db, runner, settings, size)
    _assert_fits(again, size)
    again.close()


def test_a_layout_saved_at_this_window_size_is_kept(
    qtbot: Any, ui_db: Database, runner: TaskRunner, settings: QSettings, gui_guard: Any
) -> None:
    first = _open(qtbot, ui_db, runner, settings, LARGE)
    roster, incidents = first._docks["roster"], first._docks["incidents"]
    # The user gives the incident list more room than the default.
    first.resizeDocks(
        [roster, incidents],
        [roster.height() - 100, incidents.height() + 100],
        Qt.Orientation.Vertical,
    )
    qtbot.wait(50)
    kept = roster.height()
    first.close()
    again = _open(qtbot, ui_db, runner, settings, LARGE)
    assert again._docks["roster"].height() == kept
    again.close()


@pytest.mark.parametrize(("size", "days"), [(LAPTOP, 3), (LARGE, 7)])
def test_default_layout_shows_the_week_the_list_and_every_button(
    window: MainWindow, qtbot: Any, size: tuple[int, int], days: int
) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=5000)
    window.apply_default_layout()
    qtbot.wait(200)
    assert _visible_roster_days(window) >= days
    assert _visible_incident_rows(window) >= 5
    assert not _card_is_cut(window)
    assert not _toolbar_overflows(window)
    filters = window.incident_panel.filters
    assert filters is not None
    # On the laptop the filters' second row is folded, one click away.
    assert filters.second_row.isVisible() is (size[1] > 900)
    filters.more_button.click()
    assert filters.second_row.isVisible() is (size[1] <= 900)


def test_the_first_start_opens_maximised_and_a_later_one_where_it_was(
    window: MainWindow,
) -> None:
    assert window.first_start
    window.save_layout()
    assert not window.first_start


def test_a_layout_saved_by_an_earlier_arrangement_is_not_restored(
    window: MainWindow, settings: Any, qtbot: Any
) -> None:
    from tests.ui.conftest import make_window

    settings.setValue("window/state", window.saveState(0))  # as an older version saved it
    settings.setValue("window/geometry", window.saveGeometry())
    again = make_window(window._session.db, window._runner, settings)
    qtbot.addWidget(again)
    assert again._layout_pending  # sized afresh when shown
    window.save_layout()
    third = make_window(window._session.db, window._runner, settings)
    qtbot.addWidget(third)
    assert not third._layout_pending  # this version's layout is kept
