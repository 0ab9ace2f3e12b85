"""Details of the feature selected on the map or in a list, as a Qt panel.

With the application session the panel has a 历史 tab as well: the audit
trail of the feature shown (who changed it, when, from which seat).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.dto import DepotDTO, HazardDTO, IncidentDTO, MapChanges, ShelterDTO, TeamDTO
from app.services.overview import OverviewService
from app.ui import labels
from app.ui.access.history import HistoryView
from app.ui.models.table import format_value
from app.ui.panel import DataPanel
from app.ui.session import AppSession
from app.ui.tasks import TaskRunner

# The kind of record (change_log.entity_type) a map layer shows.
LAYER_ENTITIES = {
    "hazards": "hazard_site",
    "shelters": "shelter",
    "depots": "supply_depot",
    "teams": "rescue_team",
    "incidents": "incident",
}


class DetailsPanel(DataPanel):
    """Shows one feature's fields. Every value is plain text, never HTML."""

    edit_requested = Signal(object)  # the DTO on display
    occupancy_requested = Signal(object)  # the ShelterDTO on display: 入住/离开登记

    def __init__(
        self,
        runner: TaskRunner,
        overview: OverviewService,
        today: Callable[[], date],
        parent: QWidget | None = None,
        *,
        session: AppSession | None = None,
    ) -> None:
        super().__init__(runner, parent)
        self.setObjectName("DetailsPanel")
        self._overview = overview
        self._today = today
        self.current: tuple[str, uuid.UUID] | None = None
        self.title = QLabel(self.tr("Click a feature on the map or a row in a list."), self)
        self.title.setObjectName("details_title")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self._body = QWidget(self)
        self.form = QFormLayout(self._body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._body)
        self.edit_button = QPushButton(self.tr("Edit…"), self)
        self.edit_button.setObjectName("details_edit")
        self.edit_button.hide()
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.occupancy_button = QPushButton(self.tr("Check in / out…"), self)
        self.occupancy_button.setObjectName("details_occupancy")
        self.occupancy_button.hide()
        self.occupancy_button.clicked.connect(self._on_occupancy_button_clicked)
        self._dto: Any = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.title)
        self.tabs: QTabWidget | None = None
        self.history: HistoryView | None = None
        if session is not None:
            self.tabs = QTabWidget(self)
            self.tabs.setObjectName("details_tabs")
            self.tabs.setDocumentMode(True)
            self.tabs.addTab(scroll, self.tr("Details"))
            self.history = HistoryView(session, self.tabs)
            self.tabs.addTab(self.history, self.tr("History"))
            layout.addWidget(self.tabs, 1)
        else:
            layout.addWidget(scroll, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.occupancy_button)
        buttons.addWidget(self.edit_button)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        if self.current is not None:
            self.show_feature(*self.current)

    def show_feature(self, layer: str, entity_id: uuid.UUID) -> None:
        self.current = (layer, entity_id)
        if self.history is not None and layer in LAYER_ENTITIES:
            self.history.show_record(LAYER_ENTITIES[layer], entity_id)
        today = self._today()
        self._fetch(lambda: self._overview.feature(layer, entity_id, today), self._apply)

    def update_from(self, changes: MapChanges) -> None:
        """Show the new state when the feature on display changed."""
        if self.current is None:
            return
        layer, entity_id = self.current
        if (layer, str(entity_id)) in changes.removed:
            self.refresh()
            return
        for dto in getattr(changes, layer, ()):
            if dto.id == entity_id:
                self._apply(dto)
                return

    def _apply(self, dto: Any) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self._dto = dto
        # Shelters are edited here; other kinds get their forms with their issues.
        self.edit_button.setVisible(isinstance(dto, ShelterDTO))
        self.occupancy_button.setVisible(isinstance(dto, ShelterDTO))
        if dto is None:
            self.title.setText(self.tr("This feature no longer exists."))
            return
        self.title.setText(self._heading(dto))
        for name, value in self._rows(dto):
            label = QLabel(format_value(value), self._body)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.form.addRow(name, label)

    def _on_edit_button_clicked(self) -> None:
        if self._dto is not None:
            self.edit_requested.emit(self._dto)

    def _on_occupancy_button_clicked(self) -> None:
        if isinstance(self._dto, ShelterDTO):
            self.occupancy_requested.emit(self._dto)

    def value_of(self, row_name: str) -> str | None:
        """The text shown for a row (for tests and accessibility)."""
        for row in range(self.form.rowCount()):
            name = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if name is None or field is None:
                continue
            name_label, field_label = name.widget(), field.widget()
            if (
                isinstance(name_label, QLabel)
                and isinstance(field_label, QLabel)
                and name_label.text() == row_name
            ):
                return field_label.text()
        return None

    def _heading(self, dto: Any) -> str:
        kind = {
            HazardDTO: self.tr("Hazard site"),
            ShelterDTO: self.tr("Shelter"),
            DepotDTO: self.tr("Supply depot"),
            TeamDTO: self.tr("Rescue team"),
            IncidentDTO: self.tr("Incident"),
        }.get(type(dto), "")
        drill = self.tr(" (drill)") if getattr(dto, "is_drill", False) else ""
        return f"{kind}:{dto.name if hasattr(dto, 'name') else dto.title}{drill}"

    def _rows(self, dto: Any) -> list[tuple[str, Any]]:
        location = self._location(dto)
        if isinstance(dto, HazardDTO):
            return [
                (self.tr("Type"), labels.hazard_type(dto.hazard_type)),
                (self.tr("Risk level"), labels.risk_level(dto.risk_level)),
                (self.tr("Township"), dto.township),
                (self.tr("Address"), dto.address),
                (self.tr("Responsible unit"), dto.responsible_unit),
                (self.tr("Contact"), self._contact(dto.contact_name, dto.contact_phone)),
                (self.tr("Monitoring"), dto.monitoring_status),
                (self.tr("Rectify by"), dto.rectification_deadline),
                (self.tr("Location"), location),
            ]
        if isinstance(dto, ShelterDTO):
            return [
                (self.tr("Type"), labels.shelter_type(dto.shelter_type)),
                (self.tr("State"), labels.shelter_state_label(dto.state)),
                (self.tr("Occupancy"), f"{dto.occupancy} / {dto.capacity}"),
                (self.tr("Township"), dto.township),
                (self.tr("Address"), dto.address),
                (self.tr("Facilities"), dto.facilities),
                (self.tr("Manager"), self._contact(dto.manager, dto.phone)),
                (self.tr("Location"), location),
            ]
        if isinstance(dto, DepotDTO):
            return [
                (self.tr("Level"), labels.depot_level(dto.level)),
                (self.tr("Township"), dto.township),
                (self.tr("Address"), dto.address),
                (self.tr("Items"), dto.item_count),
                (self.tr("Needs attention"), dto.attention_count),
                (self.tr("Manager"), self._contact(dto.manager, dto.phone)),
                (self.tr("Location"), location),
            ]
        if isinstance(dto, TeamDTO):
            return [
                (self.tr("Type"), labels.team_type(dto.team_type)),
                (self.tr("Status"), labels.team_status(dto.status)),
                (self.tr("Members"), dto.members),
                (self.tr("Volunteers"), dto.volunteers),
                (self.tr("Equipment"), dto.equipment),
                (self.tr("Base"), dto.base_address),
                (self.tr("Contact"), self._contact(dto.contact_name, dto.contact_phone)),
                (self.tr("Location"), location),
            ]
        if isinstance(dto, IncidentDTO):
            return [
                (self.tr("Received"), dto.received_at),
                (self.tr("Category"), labels.incident_category(dto.category)),
                (self.tr("Severity"), labels.severity(dto.severity)),
                (self.tr("Status"), labels.incident_status(dto.status)),
                (self.tr("Source"), labels.incident_source(dto.source)),
                (self.tr("Township"), dto.township),
                (self.tr("Address"), dto.address),
                (self.tr("Casualties"), self._casualties(dto)),
                (self.tr("Description"), dto.description),
                (self.tr("Log entries"), dto.log_count),
                (self.tr("Location"), location),
            ]
        return []

    @staticmethod
    def _contact(name: str | None, phone: str | None) -> str:
        return "  ".join(p for p in (name, phone) if p)

    @staticmethod
    def _location(dto: Any) -> str:
        if dto.lon is None or dto.lat is None:
            return ""
        return f"{dto.lon:.5f}, {dto.lat:.5f}"

    def _casualties(self, dto: IncidentDTO) -> str:
        return (
            self.tr("dead %1, injured %2, missing %3")
            .replace("%1", str(dto.deaths))
            .replace("%2", str(dto.injuries))
            .replace("%3", str(dto.missing))
        )
