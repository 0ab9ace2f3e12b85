"""就近调配: the depots nearest to an incident or a point that hold an item, in order
of distance, with what each can give and the running total until the need is covered."""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.coords import parse_angle
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation
from app.domain.supplies import QUANTITY_TEXTS, QuantityProblem, format_code, parse_quantity
from app.services.stock import CatalogEntryDTO, NearestDepot, format_quantity
from app.ui.forms import index_of_data
from app.ui.models.table import Column, DtoTableModel, format_time
from app.ui.session import AppSession
from app.ui.stock.common import (
    ERROR_STYLE,
    STOCK_ENTITIES,
    error_label,
    field_box,
    refusal_text,
    show_error,
    stock_service,
)

COVERED = QColor("#1b7f3b")


def _columns() -> list[Column[NearestDepot]]:
    return [
        Column("储备库", lambda d: d.name),
        Column("级别", lambda d: label(Family.DEPOT_LEVEL, d.level)),
        Column(
            "距离（公里）",
            lambda d: d.distance_km,
            display=lambda d: f"{d.distance_km:.1f}",
            align_right=True,
        ),
        Column(
            "可用数量",
            lambda d: d.usable,
            display=lambda d: format_quantity(d.usable),
            align_right=True,
        ),
        Column(
            "累计",
            lambda d: d.running_total,
            display=lambda d: format_quantity(d.running_total),
            align_right=True,
        ),
        Column(
            "满足需求",
            lambda d: d.covers,
            display=lambda d: "✓" if d.covers else "",
            foreground=lambda d: COVERED if d.covers else None,
        ),
    ]


class NearestSupplyDialog(QDialog):
    """就近调配 (see the module). ``incident_id`` or ``point`` (lon, lat) preselects the origin."""

    def __init__(
        self,
        session: AppSession,
        parent: QWidget | None = None,
        *,
        incident_id: uuid.UUID | None = None,
        point: tuple[float, float] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("NearestSupplyDialog")
        self.setWindowTitle("就近调用物资：查找最近的储备物资")
        self._session = session
        self._stock = stock_service(session)
        self._entries: list[CatalogEntryDTO] = []
        self._wanted_incident = incident_id
        self.model: DtoTableModel[NearestDepot] = DtoTableModel(_columns(), self)

        self.item = QComboBox(self)
        self.item.setObjectName("nearest_item")
        self.item.setEditable(True)
        self.item.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.item.completer()
        assert completer is not None  # an editable combo box has one
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.item_error = error_label(self, "item")
        self.need = QLineEdit(self)
        self.need.setObjectName("nearest_need")
        self.need.setPlaceholderText("需要的数量，如 200")
        self.need_unit = QLabel(self)
        self.need_error = error_label(self, "need")

        self.from_incident = QRadioButton("事件", self)
        self.from_point = QRadioButton("地点（经纬度）", self)
        group = QButtonGroup(self)
        group.addButton(self.from_incident)
        group.addButton(self.from_point)
        self.incident = QComboBox(self)
        self.incident.setObjectName("nearest_incident")
        self.lon = QLineEdit(self)
        self.lon.setPlaceholderText("经度，如 116.95")
        self.lat = QLineEdit(self)
        self.lat.setPlaceholderText("纬度，如 34.19")
        self.origin_error = error_label(self, "origin")
        if point is not None:
            self.lon.setText(f"{point[0]:.6f}")
            self.lat.setText(f"{point[1]:.6f}")
            self.from_point.setChecked(True)
        else:
            self.from_incident.setChecked(True)
        origin = QWidget(self)
        grid = QVBoxLayout(origin)
        grid.setContentsMargins(0, 0, 0, 0)
        row1 = QHBoxLayout()
        row1.addWidget(self.from_incident)
        row1.addWidget(self.incident, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.from_point)
        row2.addWidget(self.lon)
        row2.addWidget(self.lat)
        grid.addLayout(row1)
        grid.addLayout(row2)
        grid.addWidget(self.origin_error)

        self.search = QPushButton("查找", self)
        self.search.setObjectName("nearest_search")
        self.search.setDefault(True)
        self.search.clicked.connect(self.search_now)
        form = QFormLayout()
        form.addRow("物资", field_box(self, self.item, self.item_error))
        need_row = QWidget(self)
        need_layout = QHBoxLayout(need_row)
        need_layout.setContentsMargins(0, 0, 0, 0)
        need_layout.addWidget(self.need, 1)
        need_layout.addWidget(self.need_unit)
        form.addRow("需求数量", field_box(self, need_row, self.need_error))
        form.addRow("起点", origin)

        self.verdict = QLabel(self)
        self.verdict.setObjectName("nearest_verdict")
        self.verdict.setTextFormat(Qt.TextFormat.PlainText)
        self.verdict.setWordWrap(True)
        font = self.verdict.font()
        font.setBold(True)
        self.verdict.setFont(font)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.search, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)
        self.resize(900, 620)
        self.item.currentIndexChanged.connect(self._show_unit)
        session.subscribe(STOCK_ENTITIES, self._on_stock_changed, owner=self)
        self._read_choices()

    def _read_choices(self) -> None:
        stock, incidents = self._stock, self._session.services.incidents
        self._session.runner.submit(
            lambda: (stock.catalogue(), incidents.active()),
            on_done=self._on_choices_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="choices",
        )

    def _on_choices_read(self, read: tuple[list[CatalogEntryDTO], list[Any]]) -> None:
        entries, incidents = read
        current = self.item.currentData()
        self._entries = entries
        self.item.blockSignals(True)
        self.item.clear()
        for e in entries:
            self.item.addItem(f"{e.name}（{format_code(e.code)}，{e.unit}）", e.id)
        index = index_of_data(self.item, current)
        self.item.setCurrentIndex(max(index, 0) if entries else -1)
        self.item.blockSignals(False)
        chosen = self.incident.currentData() or self._wanted_incident
        self.incident.clear()
        for i in incidents:
            if i.lon is not None and i.lat is not None:
                self.incident.addItem(f"{i.title}（{format_time(i.received_at)}）", i.id)
        found = index_of_data(self.incident, chosen)
        if found >= 0:
            self.incident.setCurrentIndex(found)
        self._show_unit()

    def _entry(self) -> CatalogEntryDTO | None:
        text = self.item.currentText().strip()
        index = self.item.findText(text)
        if index < 0:
            matches = [n for n, e in enumerate(self._entries) if text and text in e.name]
            index = matches[0] if len(matches) == 1 else -1
        if index < 0 or index >= len(self._entries):
            return None
        return self._entries[index]

    def _show_unit(self) -> None:
        entry = self._entry()
        self.need_unit.setText(entry.unit if entry else "")

    def _on_stock_changed(self, _records: list[ChangeRecord]) -> None:
        if self.model.rowCount() and self._entry() is not None:
            self.search_now()

    def select_item(self, catalog_item_id: uuid.UUID) -> None:
        self.item.setCurrentIndex(index_of_data(self.item, catalog_item_id))

    def search_now(self) -> None:
        entry = self._entry()
        show_error(self.item_error, "" if entry else "请从物资目录中选择物资")
        need = parse_quantity(self.need.text(), entry.unit if entry else "")
        show_error(
            self.need_error, QUANTITY_TEXTS[need.code] if isinstance(need, QuantityProblem) else ""
        )
        origin: tuple[str, Any] | None = None
        if self.from_incident.isChecked():
            if self.incident.currentData() is None:
                show_error(self.origin_error, "请选择一个有位置的事件，或改填经纬度")
            else:
                origin = ("incident", self.incident.currentData())
                show_error(self.origin_error, "")
        else:
            try:
                lon, lat = parse_angle(self.lon.text(), "lon"), parse_angle(self.lat.text(), "lat")
                origin = ("point", (lon, lat))
                show_error(self.origin_error, "")
            except RuleViolation:
                show_error(self.origin_error, "经纬度无效，如 经度 116.95、纬度 34.19")
        if entry is None or isinstance(need, QuantityProblem) or origin is None:
            return
        stock, today, item_id = self._stock, self._session.today(), entry.id
        kind, where = origin
        if kind == "incident":

            def run() -> list[NearestDepot]:
                return stock.nearest_to_incident(item_id, where, need, today)
        else:

            def run() -> list[NearestDepot]:
                return stock.nearest(item_id, where[0], where[1], need, today)

        self._asked = (entry, need)
        self._session.runner.submit(
            run, on_done=self._on_found, on_error=self._on_failed, owner=self, latest="nearest"
        )

    def _on_found(self, rows: list[NearestDepot]) -> None:
        entry, need = self._asked
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()
        total = rows[-1].running_total if rows else 0.0
        need_text = f"{format_quantity(need)} {entry.unit}"
        if rows and rows[-1].covers:
            self.verdict.setStyleSheet("color: #1b7f3b;")
            self.verdict.setText(
                f"需求 {need_text} {entry.name}：最近的 {len(rows)} 个储备库可以满足（合计 "
                f"{format_quantity(total)} {entry.unit}）。"
            )
        else:
            self.verdict.setStyleSheet(ERROR_STYLE)
            self.verdict.setText(
                f"需求 {need_text} {entry.name}：不能满足，所列储备库合计只有 "
                f"{format_quantity(total)} {entry.unit}，还差 {format_quantity(need - total)}。"
            )

    def _on_failed(self, exc: BaseException) -> None:
        self.model.set_rows([])
        self.verdict.setStyleSheet(ERROR_STYLE)
        self.verdict.setText(refusal_text(self._session, exc).replace("未保存：", "无法查找："))
