"""The default layout on a laptop and on a large screen: what a duty officer sees at once."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QToolButton

from app.ui.main_window import MainWindow


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


def _toolbar_overflows(window: MainWindow) -> bool:
    bar = window.roster_panel.calendar.toolbar
    return any(
        b.isVisible()
        for b in bar.findChildren(QToolButton)
        if b.objectName() == "qt_toolbar_ext_button"
    )


@pytest.mark.parametrize(("size", "days"), [((1366, 768), 3), ((1920, 1080), 7)])
def test_default_layout_shows_the_week_the_list_and_every_button(
    window: MainWindow, qtbot: Any, size: tuple[int, int], days: int
) -> None:
    window.resize(*size)
    qtbot.waitUntil(lambda: window.width() == size[0], timeout=5000)
    window.apply_default_layout()
    qtbot.wait(200)
    assert _visible_roster_days(window) >= days
    assert _visible_incident_rows(window) >= 5
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
