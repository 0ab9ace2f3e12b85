"""The work done on the registers, offered where people look for it.

The resource panel's tabs get the buttons of their register (import, export,
the surroundings of a point or incident, stock of a depot, dispatch of a team,
evacuation into shelters, overdue rectifications), and the window's 资源 menu
offers the same for the incident in hand. Each opens its own dialog on the
application session; nothing here reads the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from app.domain.access import Action
from app.domain.enums import TeamStatus
from app.ui.operations.dispatch_dialog import DispatchDialog, TeamStatusDialog
from app.ui.operations.evacuation_dialog import EvacuationDialog
from app.ui.operations.overdue import OverdueRectificationsDialog
from app.ui.operations.proximity_dialog import ProximityDialog
from app.ui.registers.export import export_register_interactive
from app.ui.registers.import_dialog import ImportRegisterDialog
from app.ui.resources.panel import ResourcePanel
from app.ui.session import AppSession
from app.ui.stock.catalogue_dialog import CatalogueDialog
from app.ui.stock.depot_dialog import DepotStockDialog
from app.ui.stock.nearest_dialog import NearestSupplyDialog
from app.ui.stock.watch_dialog import StockWatchDialog

LAYERS = ("hazards", "shelters", "depots", "teams")
_FREE = (TeamStatus.STANDBY.value, TeamStatus.RESTING.value)


class RegisterActions(QObject):
    """Buttons on the resource panel and the 资源 menu, for one window.

    ``current_incident`` gives the incident the window has in hand (selected
    in the incident list), or None; dialogs opened from here start with it.
    ``show_requested`` asks the window to show a row (layer, id) on the map and
    in the details, when a dialog's result is double-clicked.
    """

    show_requested = Signal(str, uuid.UUID)
    told = Signal(str)  # a notice for the status bar (a recorded evacuation, …)

    def __init__(
        self,
        session: AppSession,
        panel: ResourcePanel,
        window: QWidget,
        current_incident: Callable[[], uuid.UUID | None],
    ) -> None:
        super().__init__(window)
        self._session = session
        self._window = window
        self._incident = current_incident
        self.opened: QDialog | None = None
        for layer in LAYERS:
            panel.add_layer_action(
                layer,
                "导入…",
                partial(self.open_import, layer),
                object_name=f"{layer}_import",
                action=Action.EDIT_RESOURCES,
            )
            panel.add_layer_action(
                layer,
                "导出…",
                partial(export_register_interactive, session, layer, window),
                object_name=f"{layer}_export",
            )
            panel.add_layer_action(
                layer, "周边查询…", self.open_proximity, object_name=f"{layer}_nearby"
            )
        panel.add_layer_action(
            "shelters",
            "转移安置…",
            self.open_evacuation,
            object_name="shelters_evacuate",
            action=Action.RECORD_MOVEMENT,
        )
        panel.add_row_action("depots", "库存…", self.open_depot_stock, object_name="depots_stock")
        panel.add_layer_action(
            "depots", "就近调用物资…", self.open_nearest_supplies, object_name="depots_nearest"
        )
        panel.add_layer_action(
            "depots", "轮换与缺口…", self.open_stock_watch, object_name="depots_watch"
        )
        panel.add_layer_action(
            "depots", "物资目录…", self.open_catalogue, object_name="depots_catalogue"
        )
        panel.add_layer_action(
            "depots",
            "导入库存…",
            lambda: self.open_import("stock"),
            object_name="depots_import_stock",
            action=Action.RECORD_MOVEMENT,
        )
        panel.add_layer_action(
            "depots",
            "导出库存…",
            lambda: export_register_interactive(session, "stock", window),
            object_name="depots_export_stock",
        )
        panel.add_row_action(
            "teams",
            "调派…",
            self.open_dispatch,
            object_name="teams_dispatch",
            action=Action.DISPATCH_TEAM,
            enabled=lambda team: (
                getattr(team, "status", None) in _FREE and getattr(team, "retired_at", None) is None
            ),
        )
        panel.add_row_action(
            "teams",
            "状态…",
            self.open_team_status,
            object_name="teams_status",
            action=Action.DISPATCH_TEAM,
            enabled=lambda team: getattr(team, "retired_at", None) is None,
        )
        panel.add_layer_action(
            "hazards", "整改逾期…", self.open_overdue, object_name="hazards_overdue"
        )

    def menu(self, parent: QWidget) -> QMenu:
        """The 资源 menu: the same work for the incident in hand."""
        menu = QMenu("资源(&R)", parent)
        for text, slot in (
            ("转移安置…", self.open_evacuation),
            ("调派救援队伍…", lambda: self.open_dispatch(None)),
            ("就近调用物资…", self.open_nearest_supplies),
            ("周边查询…", self.open_proximity),
            (None, None),
            ("物资目录…", self.open_catalogue),
            ("轮换提醒与储备缺口…", self.open_stock_watch),
            ("整改逾期的隐患…", self.open_overdue),
        ):
            if text is None or slot is None:
                menu.addSeparator()
                continue
            action = QAction(text, menu)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addAction(action)
        return menu

    # -- the dialogs ------------------------------------------------------------------
    def _show(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.opened = dialog  # the last dialog opened (tests and the wall look at it)

    def _relay(self, dialog: Any) -> None:
        dialog.selected.connect(self.show_requested)

    def open_import(self, kind: str) -> None:
        self._show(ImportRegisterDialog(self._session, kind, self._window))

    def open_proximity(self) -> None:
        dialog = ProximityDialog(self._session, self._window, incident_id=self._incident())
        self._relay(dialog)
        self._show(dialog)

    def open_evacuation(self) -> None:
        dialog = EvacuationDialog(self._session, self._window, incident_id=self._incident())
        dialog.recorded.connect(lambda _people: self.told.emit(dialog.confirmation))
        self._show(dialog)

    def open_depot_stock(self, depot: Any) -> None:
        self._show(DepotStockDialog(self._session, depot, self._window))

    def open_nearest_supplies(self) -> None:
        self._show(NearestSupplyDialog(self._session, self._window, incident_id=self._incident()))

    def open_stock_watch(self) -> None:
        self._show(StockWatchDialog(self._session, self._window))

    def open_catalogue(self) -> None:
        self._show(CatalogueDialog(self._session, self._window))

    def open_dispatch(self, team: Any | None) -> None:
        self._show(
            DispatchDialog(self._session, self._window, team=team, incident_id=self._incident())
        )

    def open_team_status(self, team: Any) -> None:
        self._show(TeamStatusDialog(self._session, team, self._window))

    def open_overdue(self) -> None:
        dialog = OverdueRectificationsDialog(self._session, self._window)
        self._relay(dialog)
        self._show(dialog)
