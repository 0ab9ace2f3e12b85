"""Resource lists: hazard sites, shelters, supply depots, rescue teams."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QAbstractProxyModel, QItemSelection, Signal
from PySide6.QtWidgets import QLineEdit, QTableView, QTabWidget, QVBoxLayout, QWidget

from app.services.dto import DepotDTO, HazardDTO, MapChanges, MapData, ShelterDTO, TeamDTO
from app.ui import labels
from app.ui.models.table import Column, DtoTableModel
from app.ui.panel import RISK_COLORS, WARNING_BACKGROUND, make_table


class ResourcePanel(QWidget):
    """Tabs of resource tables with a filter box. Selecting a row reports (layer, id).

    The rows are the map's rows: the window reads them once for both
    (``show_data``) and keeps both current with the same diffs (``apply_changes``).
    """

    selected = Signal(str, uuid.UUID)
    loaded = Signal()

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
        self._proxies = []
        self._views: dict[str, QTableView] = {}
        for layer, model, title in (
            ("hazards", self.hazards, self.tr("Hazard sites")),
            ("shelters", self.shelters, self.tr("Shelters")),
            ("depots", self.depots, self.tr("Supply depots")),
            ("teams", self.teams, self.tr("Rescue teams")),
        ):
            view, proxy = make_table(model, self)
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._filter)
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
            proxy.setFilterFixedString(text)

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
                lambda s: s.is_open,
                display=lambda s: labels.shelter_status(s.is_open, s.occupancy, s.capacity),
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
