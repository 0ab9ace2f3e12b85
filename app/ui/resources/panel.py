"""Resource lists: hazard sites, shelters, supply depots, rescue teams."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QAbstractProxyModel, QItemSelection, QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.labels import SHELTER_FULL
from app.services.dto import DepotDTO, HazardDTO, MapChanges, MapData, ShelterDTO, TeamDTO
from app.ui import labels
from app.ui.models.folding import FoldingFilterProxyModel
from app.ui.models.table import Column, DtoTableModel
from app.ui.panel import RISK_COLORS, WARNING_BACKGROUND, make_table


class ResourcePanel(QWidget):
    """Tabs of resource tables with a filter box. Selecting a row reports (layer, id).

    The rows are the map's rows: the window reads them once for both
    (``show_data``) and keeps both current with the same diffs (``apply_changes``).
    """

    selected = Signal(str, uuid.UUID)
    loaded = Signal()
    occupancy_requested = Signal(object)  # ShelterDTO: 入住/离开登记

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ResourcePanel")
        self.has_loaded = False
        self.hazards = DtoTableModel(self._hazard_columns(), self)
        self.shelters = DtoTableModel(self._shelter_columns(), self)
        self.depots = DtoTableModel(self._depot_columns(), self)
        self.teams = DtoTableModel(self._team_columns(), self)

        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText(self.tr("Filter by name, township, contact…"))
        self._filter.setClearButtonEnabled(True)
        self.tabs = QTabWidget(self)
        self._proxies: list[FoldingFilterProxyModel] = []
        self._views: dict[str, QTableView] = {}
        for layer, model, title in (
            ("hazards", self.hazards, self.tr("Hazard sites")),
            ("shelters", self.shelters, self.tr("Shelters")),
            ("depots", self.depots, self.tr("Supply depots")),
            ("teams", self.teams, self.tr("Rescue teams")),
        ):
            view, proxy = make_table(model, self)  # a FoldingFilterProxyModel
            view.setObjectName(f"{layer}_table")
            self._proxies.append(proxy)
            self._views[layer] = view
            self.tabs.addTab(view, title)
            view.selectionModel().selectionChanged.connect(
                lambda sel, _old, layer=layer, view=view: self._on_view_selection_changed(
                    layer, view, sel
                )
            )
        self._filter.textChanged.connect(self._on_filter_text_changed)

        # 入住/离开登记 for the selected shelter: a button on the shelters tab and
        # the rows' context menu.
        self.occupancy_button = QPushButton(self.tr("Check in / out…"), self)
        self.occupancy_button.setObjectName("shelter_occupancy")
        self.occupancy_button.setEnabled(False)
        self.occupancy_button.clicked.connect(self._on_occupancy_button_clicked)
        shelters = self._views["shelters"]
        shelters.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        shelters.customContextMenuRequested.connect(self._on_shelter_context_menu)
        shelters.selectionModel().selectionChanged.connect(self._on_shelter_selection_changed)
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._on_tab_changed(self.tabs.currentIndex())

        top = QHBoxLayout()
        top.addWidget(self._filter, 1)
        top.addWidget(self.occupancy_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.tabs)

    def show_data(self, data: MapData) -> None:
        self.hazards.set_rows(data.hazards)
        self.shelters.set_rows(data.shelters)
        self.depots.set_rows(data.depots)
        self.teams.set_rows(data.teams)
        self.has_loaded = True
        self.loaded.emit()

    def apply_changes(self, changes: MapChanges) -> None:
        """Update the rows that changed, in place: no reload, selection and scroll kept."""
        models: dict[str, DtoTableModel[Any]] = {
            "hazards": self.hazards,
            "shelters": self.shelters,
            "depots": self.depots,
            "teams": self.teams,
        }
        for layer, rows in (
            ("hazards", changes.hazards),
            ("shelters", changes.shelters),
            ("depots", changes.depots),
            ("teams", changes.teams),
        ):
            if rows:
                models[layer].upsert(rows)
        removed: dict[str, list[uuid.UUID]] = {}
        for layer, entity_id in changes.removed:
            if layer in models:
                removed.setdefault(layer, []).append(uuid.UUID(entity_id))
        for layer, ids in removed.items():
            models[layer].remove_ids(ids)

    def _on_filter_text_changed(self, text: str) -> None:
        for proxy in self._proxies:
            proxy.set_filter_text(text)

    def _on_tab_changed(self, index: int) -> None:
        self.occupancy_button.setVisible(self.tabs.widget(index) is self._views["shelters"])

    def _on_shelter_selection_changed(self) -> None:
        self.occupancy_button.setEnabled(self.selected_shelter() is not None)

    def _shelter_at(self, index: QModelIndex) -> ShelterDTO | None:
        if not index.isValid():
            return None
        proxy = self._views["shelters"].model()
        assert isinstance(proxy, QAbstractProxyModel)
        return self.shelters.row_at(proxy.mapToSource(index).row())

    def selected_shelter(self) -> ShelterDTO | None:
        """The shelter selected in the list, as the list shows it now."""
        rows = self._views["shelters"].selectionModel().selectedRows()
        return self._shelter_at(rows[0]) if rows else None

    def _on_occupancy_button_clicked(self) -> None:
        shelter = self.selected_shelter()
        if shelter is not None:
            self.occupancy_requested.emit(shelter)

    def context_actions(self, index: QModelIndex, menu: QMenu) -> list[QAction]:
        """The actions of a shelter row's context menu (none elsewhere)."""
        shelter = self._shelter_at(index)
        if shelter is None:
            return []
        occupancy = QAction(self.tr("Check in / out…"), menu)
        occupancy.triggered.connect(lambda: self.occupancy_requested.emit(shelter))
        return [occupancy]

    def _on_shelter_context_menu(self, pos: QPoint) -> None:
        view = self._views["shelters"]
        menu = QMenu(self)
        actions = self.context_actions(view.indexAt(pos), menu)
        if actions:
            menu.addActions(actions)
            menu.exec(view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def _on_view_selection_changed(self, layer: str, view: QTableView, sel: QItemSelection) -> None:
        indexes = sel.indexes()
        if not indexes:
            return
        proxy = view.model()
        assert isinstance(proxy, QAbstractProxyModel)  # make_table puts one on every view
        source = proxy.mapToSource(indexes[0])
        model = proxy.sourceModel()
        assert isinstance(model, DtoTableModel)
        row = model.row_at(source.row())
        self.selected.emit(layer, row.id)

    def _hazard_columns(self) -> list[Column[HazardDTO]]:
        return [
            Column(self.tr("Name"), lambda h: h.name),
            Column(self.tr("Type"), lambda h: labels.hazard_type(h.hazard_type)),
            Column(
                self.tr("Risk level"),
                lambda h: h.risk_level,
                display=lambda h: labels.risk_level(h.risk_level),
                foreground=lambda h: RISK_COLORS.get(h.risk_level),
            ),
            Column(self.tr("Township"), lambda h: h.township),
            Column(self.tr("Responsible unit"), lambda h: h.responsible_unit),
            Column(self.tr("Contact"), lambda h: h.contact_name),
            Column(self.tr("Phone"), lambda h: h.contact_phone),
            Column(self.tr("Monitoring"), lambda h: h.monitoring_status),
            Column(self.tr("Rectify by"), lambda h: h.rectification_deadline),
        ]

    def _depot_columns(self) -> list[Column[DepotDTO]]:
        return [
            Column(self.tr("Name"), lambda d: d.name),
            Column(self.tr("Level"), lambda d: labels.depot_level(d.level)),
            Column(self.tr("Township"), lambda d: d.township),
            Column(self.tr("Items"), lambda d: d.item_count, align_right=True),
            Column(
                self.tr("Needs attention"),
                lambda d: d.attention_count,
                display=lambda d: str(d.attention_count) if d.attention_count else "",
                background=lambda d: WARNING_BACKGROUND if d.attention_count else None,
                align_right=True,
            ),
            Column(self.tr("Manager"), lambda d: d.manager),
            Column(self.tr("Phone"), lambda d: d.phone),
        ]

    def _shelter_columns(self) -> list[Column[ShelterDTO]]:
        return [
            Column(self.tr("Name"), lambda s: s.name),
            Column(self.tr("Type"), lambda s: labels.shelter_type(s.shelter_type)),
            Column(self.tr("Capacity"), lambda s: s.capacity, align_right=True),
            Column(self.tr("Occupancy"), lambda s: s.occupancy, align_right=True),
            Column(
                self.tr("State"),
                lambda s: s.state,
                display=lambda s: labels.shelter_state_label(s.state),
                # Full, or 90 % and more: worth a look before sending anyone there.
                background=lambda s: (
                    WARNING_BACKGROUND if s.nearly_full or s.state == SHELTER_FULL else None
                ),
            ),
            Column(self.tr("Township"), lambda s: s.township),
            Column(self.tr("Manager"), lambda s: s.manager),
            Column(self.tr("Phone"), lambda s: s.phone),
        ]

    def _team_columns(self) -> list[Column[TeamDTO]]:
        return [
            Column(self.tr("Name"), lambda t: t.name),
            Column(self.tr("Type"), lambda t: labels.team_type(t.team_type)),
            Column(self.tr("Members"), lambda t: t.members, align_right=True),
            Column(self.tr("Volunteers"), lambda t: t.volunteers, align_right=True),
            Column(self.tr("Status"), lambda t: labels.team_status(t.status)),
            Column(self.tr("Township"), lambda t: t.township),
            Column(self.tr("Contact"), lambda t: t.contact_name),
            Column(self.tr("Phone"), lambda t: t.contact_phone),
        ]
