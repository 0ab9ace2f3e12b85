"""The register lists' tool bars: rights, retiring and restoring, the hooks for other actions."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from app.data.engine import Database
from app.domain.access import Action, Role
from app.domain.clock import china_date
from app.domain.identity import Identity
from app.services.access import AccessService
from app.services.demo import DEMO_PIN
from app.services.resources import ResourceService
from app.ui.main_window import MainWindow
from app.ui.messages import not_permitted_text
from app.ui.plain import plain_tooltip
from app.ui.resources.panel import LAYERS, ReasonDialog, ResourcePanel
from app.ui.tasks import TaskRunner
from tests.ui.conftest import make_session


def test_a_duty_officer_sees_the_register_buttons_disabled_with_the_reason(
    qtbot: Any, ui_db: Database, check_db: Database, runner: TaskRunner
) -> None:
    session = make_session(ui_db, runner)
    access = AccessService(check_db)
    officer = next(
        c for c in access.choices(check_db.clock()) if c.roles == frozenset({Role.OFFICER})
    )
    session.switch_operator(access.sign_in(officer.staff_id, DEMO_PIN, site="c", workstation="w"))
    panel = ResourcePanel(session=session)
    qtbot.addWidget(panel)
    panel.show_data(session.services.overview.map_data(china_date(check_db.clock())))
    panel.show()
    panel.select("shelters", panel.shelters.rows()[0].id)
    for name in ("shelters_add", "shelters_edit", "shelters_retire"):
        button = panel.button("shelters", name)
        assert not button.isEnabled(), name
        assert button.toolTip() == plain_tooltip(
            not_permitted_text(session.identity, Action.EDIT_RESOURCES)
        )
    # Opening and closing is a duty officer's work; details need no right.
    assert panel.button("shelters", "shelter_open_close").isEnabled()
    assert panel.button("shelters", "shelters_details").isEnabled()
    session.close()
    QApplication.processEvents()


def test_retiring_takes_the_row_off_the_list_and_the_map_and_restoring_brings_it_back(
    qtbot: Any, window: MainWindow, check_db: Database
) -> None:
    panel = window.resource_panel
    depot = ResourceService(check_db).depots(china_date(check_db.clock()))[0]
    assert panel.select("depots", depot.id)
    assert panel.button("depots", "depots_retire").isEnabled()
    panel.retire("depots", panel.selected("depots"), reason="合同到期")
    qtbot.waitUntil(lambda: panel.depots.row_of_id(depot.id) is None, timeout=10000)
    qtbot.waitUntil(
        lambda: str(depot.id) not in window.map_panel._features["depots"], timeout=10000
    )

    panel.show_retired["depots"].setChecked(True)
    qtbot.waitUntil(lambda: panel.depots.row_of_id(depot.id) is not None, timeout=10000)
    row = panel.depots.row_of_id(depot.id)
    assert row is not None and panel.depots.index(row, 0).data() == f"{depot.name}（已停用）"
    assert panel.select("depots", depot.id)
    assert not panel.button("depots", "depots_edit").isEnabled()
    restore = panel.button("depots", "depots_restore")
    assert restore.isEnabled()
    window.resize(1920, 1080)
    window.apply_default_layout()
    window.grab().save("/tmp/shots/window_panel.png")
    panel.grab().save("/tmp/shots/panel.png")
    restore.click()
    qtbot.waitUntil(lambda: str(depot.id) in window.map_panel._features["depots"], timeout=10000)


def test_other_actions_hook_into_the_tool_bar_and_the_context_menu(
    qtbot: Any, window: MainWindow
) -> None:
    panel = window.resource_panel
    seen: list[Any] = []
    button = panel.add_row_action(
        "teams", "调派…", seen.append, object_name="teams_dispatch", action=Action.DISPATCH_TEAM
    )
    layer_calls: list[int] = []
    layer_button = panel.add_layer_action(
        "teams", "导入…", lambda: layer_calls.append(1), object_name="teams_import_more"
    )
    assert not button.isEnabled()  # nothing selected yet
    team = panel.teams.rows()[0]
    assert panel.select("teams", team.id)
    assert button.isEnabled() and panel.selected("teams") == team
    button.click()
    assert panel.button("teams", "teams_import_more") is layer_button
    layer_button.click()
    assert seen == [team] and layer_calls == [1]
    menu = QMenu()
    view = panel._views["teams"]
    texts = [a.text() for a in panel.context_actions(view.currentIndex(), menu, "teams")]
    assert "调派…" in texts and "编辑…" in texts
    menu.deleteLater()


def test_every_button_of_every_tab_shows_in_a_full_hd_window(
    qtbot: Any, window: MainWindow
) -> None:
    window._session.switch_operator(
        Identity(user="带班领导乙", site="seat-1", roles=frozenset({Role.LEADER}))
    )
    window.resize(1920, 1080)
    window.apply_default_layout()
    panel = window.resource_panel
    os.makedirs("/tmp/shots", exist_ok=True)
    for n, layer in enumerate(LAYERS):
        panel.tabs.setCurrentIndex(n)
        panel.show_retired[layer].setChecked(True)  # 恢复 shows too
        qtbot.wait(50)
        QApplication.processEvents()
        window.grab().save(f"/tmp/shots/window_tab_{layer}.png")
        page = panel.tabs.currentWidget()
        buttons = [*page.findChildren(QPushButton), panel.show_retired[layer]]
        names = {b.objectName() for b in buttons}
        assert f"{layer}_add" in names and f"{layer}_import" in names
        assert panel.width() < 0.6 * window.width()
        for button in buttons:
            assert button.isVisible(), button.objectName()
            top_left = button.mapTo(panel, QPoint(0, 0))
            assert top_left.x() >= 0 and top_left.y() >= 0, button.objectName()
            assert top_left.x() + button.width() <= panel.width(), button.objectName()
        # The record's own buttons on the first row, the others' work below them.
        add = panel.button(layer, f"{layer}_add")
        work = panel.button(layer, f"{layer}_import")
        assert work.mapTo(panel, QPoint(0, 0)).y() > add.mapTo(panel, QPoint(0, 0)).y()
        panel.show_retired[layer].setChecked(False)


def test_retiring_without_a_reason_asks_again(
    qtbot: Any, window: MainWindow, check_db: Database
) -> None:
    window._session.switch_operator(
        Identity(user="带班领导乙", site="seat-1", roles=frozenset({Role.LEADER}))
    )
    panel = window.resource_panel
    depot = ResourceService(check_db).depots(china_date(check_db.clock()))[0]
    assert panel.select("depots", depot.id)
    panel.button("depots", "depots_retire").click()
    dialog = window.findChild(ReasonDialog, "retire_reason")
    assert dialog is not None and dialog.isVisible()
    dialog.setTextValue("   ")
    dialog.accept()
    assert dialog.isVisible() and dialog.labelText().startswith("请填写停用原因")
    dialog.setTextValue("合同到期")
    dialog.accept()
    qtbot.waitUntil(lambda: panel.depots.row_of_id(depot.id) is None, timeout=10000)
    retired = ResourceService(check_db).depots(
        china_date(check_db.clock()), [depot.id], include_retired=True
    )[0]
    assert retired.retired_reason == "合同到期"
