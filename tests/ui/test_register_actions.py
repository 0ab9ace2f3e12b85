"""The work on the registers is reachable from the window: tab buttons, the 资源 menu,
the overdue-rectification count in the status bar."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.data.engine import Database
from app.data.models import Incident
from app.domain.access import Role
from app.domain.identity import Identity
from app.ui.main_window import MainWindow
from app.ui.operations.dispatch_dialog import DispatchDialog
from app.ui.operations.evacuation_dialog import EvacuationDialog
from app.ui.operations.proximity_dialog import ProximityDialog
from app.ui.stock.depot_dialog import DepotStockDialog
from app.ui.stock.nearest_dialog import NearestSupplyDialog


def _leader(window: MainWindow) -> None:
    session = window._session
    session.switch_operator(
        Identity(user="带班领导乙", site="seat-1", roles=frozenset({Role.LEADER}))
    )


def test_each_tab_offers_its_registers_work(qtbot: Any, window: MainWindow) -> None:
    _leader(window)
    panel = window.resource_panel
    for layer in ("hazards", "shelters", "depots", "teams"):
        for name in ("import", "export", "nearby"):
            assert panel.button(layer, f"{layer}_{name}").isEnabled(), (layer, name)
    actions = window.register_actions

    depot = panel.depots.rows()[0]
    panel.select("depots", depot.id)
    panel.button("depots", "depots_stock").click()
    assert isinstance(actions.opened, DepotStockDialog)
    assert depot.name in actions.opened.windowTitle()
    actions.opened.close()

    standby = next(t for t in panel.teams.rows() if t.status == "standby")
    panel.select("teams", standby.id)
    assert panel.button("teams", "teams_dispatch").isEnabled()
    panel.button("teams", "teams_dispatch").click()
    assert isinstance(actions.opened, DispatchDialog)
    actions.opened.close()
    busy = next(t for t in panel.teams.rows() if t.status == "dispatched")
    panel.select("teams", busy.id)
    assert not panel.button("teams", "teams_dispatch").isEnabled()

    panel.button("shelters", "shelters_evacuate").click()
    evacuation = actions.opened
    assert isinstance(evacuation, EvacuationDialog)
    # What the dialog says once it has recorded the move reaches the status bar.
    evacuation.confirmation = "已登记转移安置 300 人，已写入事件日志"
    evacuation.recorded.emit(300)
    assert window.statusBar().currentMessage() == "已登记转移安置 300 人，已写入事件日志"
    evacuation.close()


def test_the_resources_menu_starts_from_the_incident_in_hand(
    qtbot: Any, window: MainWindow, check_db: Database
) -> None:
    with check_db.read_session() as s:
        incident = s.scalars(select(Incident.id).where(Incident.lon.is_not(None))).first()
    assert incident is not None
    window.incident_panel.selected.emit(incident)
    assert window._current_incident == incident
    menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and "资源" in a.text())
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:4] == ["转移安置…", "调派救援队伍…", "就近调用物资…", "周边查询…"]
    menu.actions()[2].trigger()
    assert isinstance(window.register_actions.opened, NearestSupplyDialog)
    window.register_actions.opened.close()
    menu.actions()[3].trigger()
    assert isinstance(window.register_actions.opened, ProximityDialog)
    window.register_actions.opened.close()


def test_the_status_bar_counts_overdue_rectifications(qtbot: Any, window: MainWindow) -> None:
    indicator = window.overdue_rectifications
    qtbot.waitUntil(lambda: indicator.count > 0, timeout=10000)
    assert f"整改逾期 {indicator.count}" in indicator.text()
