"""周边查询: what lies within R km of an incident or a typed point, nearest first.

A double-click on a result emits :attr:`ProximityDialog.selected` (layer, id)
so the map can select it.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QCoreApplication, QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.coords import PositionFlag, parse_angle, position_flags
from app.domain.labels import Family
from app.domain.rules import RuleViolation
from app.services import proximity
from app.services.proximity import KIND_FAMILY, NearbyRow, ProximityService
from app.ui import labels
from app.ui.forms import FieldErrors, NumberField
from app.ui.models.table import Column, DtoTableModel
from app.ui.operations.common import IncidentChooser, banner, failure_text
from app.ui.session import AppSession

# Layer code -> the change-log entity whose changes may move its rows.
_ENTITIES = {
    "hazards": "hazard_site",
    "shelters": "shelter",
    "depots": "supply_depot",
    "teams": "rescue_team",
    "incidents": "incident",
}
DEFAULT_RADIUS_KM = 3


def _swapped(lon_text: str, lat_text: str) -> bool:
    """Whether the texts read as a point of the county once exchanged."""
    try:
        lon, lat = parse_angle(lat_text, "lon"), parse_angle(lon_text, "lat")
    except ValueError:
        return False
    return not position_flags(lon, lat)


class ProximityDialog(QDialog):
    """Records of one layer within a radius of an incident or a point, nearest first."""

    selected = Signal(str, uuid.UUID)  # layer, id: a result was double-clicked

    def __init__(
        self,
        session: AppSession,
        parent: QWidget | None = None,
        *,
        incident_id: uuid.UUID | None = None,
        point: tuple[float, float] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ProximityDialog")
        self.setWindowTitle(self.tr("Within a distance"))
        self._session = session
        self._service = ProximityService(session.db)
        self._asked: tuple[str, float, uuid.UUID | None, tuple[float, float] | None] | None = None

        self.banner = banner(self, "proximity_banner")
        self.layer = QComboBox(self)
        self.layer.setObjectName("proximity_layer")
        incidents = self.tr("Incidents")
        # The panel's own names for the layers (its tabs), word for word.
        hazards = QCoreApplication.translate("ResourcePanel", "Hazard sites")
        shelters = QCoreApplication.translate("ResourcePanel", "Shelters")
        depots = QCoreApplication.translate("ResourcePanel", "Supply depots")
        teams = QCoreApplication.translate("ResourcePanel", "Rescue teams")
        for code, text in (
            ("hazards", hazards),
            ("shelters", shelters),
            ("depots", depots),
            ("teams", teams),
            ("incidents", incidents),
        ):
            self.layer.addItem(text, code)
        self.hazard_type = QComboBox(self)
        self.hazard_type.setObjectName("proximity_hazard_type")
        self.hazard_type.addItem(self.tr("All types"), "")
        for code, text in labels.family_labels(Family.HAZARD_TYPE).items():
            self.hazard_type.addItem(text, code)
        self.radius = NumberField(self, decimals=2, maximum=proximity.RADIUS_MAX_KM)
        self.radius.setObjectName("proximity_radius")
        self.radius.setMaximumWidth(160)
        self.radius.setValue(DEFAULT_RADIUS_KM)

        self.from_incident = QRadioButton(self.tr("Incident"), self)
        self.from_point = QRadioButton(self.tr("Point (lon, lat)"), self)
        group = QButtonGroup(self)
        group.addButton(self.from_incident)
        group.addButton(self.from_point)
        self.incident = IncidentChooser(session, self, chosen=incident_id)
        self.lon = QLineEdit(self)
        self.lon.setObjectName("proximity_lon")
        self.lon.setPlaceholderText(self.tr("longitude, e.g. 116.95"))
        self.lat = QLineEdit(self)
        self.lat.setObjectName("proximity_lat")
        self.lat.setPlaceholderText(self.tr("latitude, e.g. 34.19"))
        if point is not None:
            self.lon.setText(f"{point[0]:.6f}")
            self.lat.setText(f"{point[1]:.6f}")
        (
            self.from_point if point is not None and incident_id is None else self.from_incident
        ).setChecked(True)
        self.search_button = QPushButton(self.tr("Search"), self)
        self.search_button.setObjectName("proximity_search")
        self.search_button.setDefault(True)
        self.errors = FieldErrors(self)

        centre = QWidget(self)
        grid = QGridLayout(centre)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.from_incident, 0, 0)
        grid.addWidget(self.incident, 0, 1, 1, 2)
        grid.addWidget(self.from_point, 1, 0)
        grid.addWidget(self.lon, 1, 1)
        grid.addWidget(self.lat, 1, 2)
        form = QFormLayout()
        form.addRow(self.tr("Centre"), self.errors.add("centre", centre))
        form.addRow(self.tr("Layer"), self.layer)
        form.addRow(self.tr("Hazard type"), self.hazard_type)
        form.addRow(self.tr("Radius (km)"), self.errors.add("radius", self.radius))

        self.model: DtoTableModel[NearbyRow] = DtoTableModel(
            [
                Column(self.tr("Name"), lambda r: r.name),
                Column(self.tr("Kind"), lambda r: labels.label(KIND_FAMILY[r.layer], r.kind)),
                Column(self.tr("Township"), lambda r: r.township or ""),
                Column(
                    self.tr("Distance (km)"),
                    lambda r: r.distance_km,
                    display=lambda r: f"{r.distance_km:.2f}",
                    align_right=True,
                ),
            ],
            self,
        )
        self.table = QTableView(self)
        self.table.setObjectName("proximity_results")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel(self)
        self.count.setObjectName("proximity_count")
        buttons = QDialogButtonBox(self)
        buttons.addButton(self.search_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.tr("Close"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(buttons)
        self.setMinimumSize(640, 520)

        self.search_button.clicked.connect(self.search)
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.table.doubleClicked.connect(self._on_row_double_clicked)
        for field in (self.lon, self.lat):
            field.textEdited.connect(lambda _t: self.from_point.setChecked(True))
        self.incident.activated.connect(lambda _i: self.from_incident.setChecked(True))
        session.subscribe(_ENTITIES.values(), self._on_records_changed, owner=self)
        self._on_layer_changed(0)

    def _on_layer_changed(self, _index: int) -> None:
        self.hazard_type.setEnabled(self.layer.currentData() == "hazards")

    # -- the query -------------------------------------------------------------------------
    def _centre(self) -> tuple[uuid.UUID | None, tuple[float, float] | None, str | None]:
        """(incident, point, problem) as the form says."""
        if self.from_incident.isChecked():
            incident_id = self.incident.incident_id()
            if incident_id is None:
                return None, None, self.tr("Choose an open incident, or type a point.")
            return incident_id, None, None
        lon_text, lat_text = self.lon.text(), self.lat.text()
        try:
            lon = parse_angle(lon_text, "lon")
            lat = parse_angle(lat_text, "lat")
        except ValueError:
            if _swapped(lon_text, lat_text):
                return None, None, proximity.problem_text(RuleViolation("point.swapped"))
            return (
                None,
                None,
                self.tr(
                    "Type the point as longitude and latitude in degrees, e.g. 116.95 and 34.19."
                ),
            )
        if PositionFlag.SWAPPED in position_flags(lon, lat):
            return None, None, proximity.problem_text(RuleViolation("point.swapped"))
        return None, (lon, lat), None

    def search(self) -> None:
        """查询: read the records within the radius off the GUI thread."""
        incident_id, point, problem = self._centre()
        messages: dict[str, str] = {}
        if problem:
            messages["centre"] = problem
        radius = self.radius.number()
        if self.radius.problem_text():
            messages["radius"] = self.radius.problem_text()
        elif radius is None or radius <= 0:
            messages["radius"] = self.tr("The radius must be above 0 and at most 100 km.")
        self.errors.show(messages)
        if messages:
            self._clear_results()  # no answer stays under a question that cannot be asked
            return
        assert radius is not None
        layer = str(self.layer.currentData())
        hazard_type = (self.hazard_type.currentData() or None) if layer == "hazards" else None
        self._asked = (layer, float(radius), incident_id, point)
        service = self._service
        self.banner.hide()
        self._session.runner.submit(
            lambda: service.within(
                layer,
                float(radius),
                point=point,
                incident_id=incident_id,
                hazard_type=hazard_type,
            ),
            on_done=self._on_found,
            on_error=self._on_failed,
            owner=self,
            latest="within",
        )

    def _clear_results(self) -> None:
        self._asked = None  # a search still on its way answers nothing now
        self.model.set_rows([])
        self.count.clear()

    def _on_found(self, rows: list[NearbyRow]) -> None:
        if self._asked is None:
            return
        self.model.set_rows(rows)
        radius = self._asked[1] if self._asked else 0
        self.count.setText(
            self.tr("%1 within %2 km, nearest first.")
            .replace("%1", str(len(rows)))
            .replace("%2", f"{radius:g}")
        )

    def _on_failed(self, exc: BaseException) -> None:
        self.banner.setText(failure_text(self._session, exc, proximity))
        self.banner.show()

    def _on_records_changed(self, records: list[ChangeRecord]) -> None:
        if self._asked is None:
            return
        layer = self._asked[0]
        if any(r.entity_type == _ENTITIES[layer] for r in records):
            self.search()

    def _on_row_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            row = self.model.row_at(index.row())
            self.selected.emit(row.layer, row.id)
