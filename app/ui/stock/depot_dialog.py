"""A depot's stock: its batch lines, the movements of the selected line, and the forms
that move stock (入库, 出库, 调拨, 报损) or set the minimum (储备定额).

Lines are coloured by their expiry date (China-time date): red expired, orange
within 30 days, yellow within 90; a line of an item below the depot's minimum
is marked. Everything is read and written off the GUI thread and read again
when any seat changes stock.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.access import Action
from app.domain.supplies import ROTATION_LABELS, format_code
from app.services.dto import DepotDTO
from app.services.stock import StockLineDTO, StockMovementDTO, format_quantity
from app.ui.models.table import Column, DtoTableModel, format_time
from app.ui.session import AppSession
from app.ui.stock.common import (
    ROTATION_COLOURS,
    STOCK_ENTITIES,
    StockMovementDialog,
    stock_service,
)

BELOW = QColor("#b30000")


def _line_columns() -> list[Column[StockLineDTO]]:
    def colour(x: StockLineDTO) -> QColor | None:
        return ROTATION_COLOURS.get(x.rotation) if x.rotation else None

    return [
        Column("编码", lambda x: x.code, display=lambda x: format_code(x.code)),
        Column("物资名称", lambda x: x.name),
        Column("单位", lambda x: x.unit),
        Column("批次", lambda x: x.batch or ""),
        Column(
            "有效期至",
            lambda x: x.expiry_date or date.max,
            display=lambda x: (
                (x.expiry_date.isoformat() if x.expiry_date else "长期")
                + (f"（{ROTATION_LABELS[x.rotation]}）" if x.rotation else "")
            ),
            background=colour,
        ),
        Column(
            "库存",
            lambda x: x.quantity,
            display=lambda x: format_quantity(x.quantity),
            align_right=True,
        ),
        Column(
            "储备定额",
            lambda x: x.minimum or 0,
            display=lambda x: "" if x.minimum is None else format_quantity(x.minimum),
            align_right=True,
        ),
        Column(
            "低于定额",
            lambda x: x.below_minimum,
            display=lambda x: "▼ 低于定额" if x.below_minimum else "",
            foreground=lambda x: BELOW if x.below_minimum else None,
        ),
    ]


def _movement_columns() -> list[Column[StockMovementDTO]]:
    return [
        Column("时间", lambda m: m.at, display=lambda m: format_time(m.at)),
        Column("类型", lambda m: m.kind_label),
        Column(
            "数量",
            lambda m: m.delta,
            display=lambda m: ("+" if m.delta > 0 else "") + format_quantity(m.delta),
            align_right=True,
        ),
        Column("经办人", lambda m: m.actor),
        Column("备注", lambda m: m.note or ""),
    ]


class DepotStockDialog(QDialog):
    """库存管理 of one depot (see the module)."""

    def __init__(self, session: AppSession, depot: DepotDTO, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DepotStockDialog")
        self.setWindowTitle(f"库存管理：{depot.name}")
        self._session = session
        self._stock = stock_service(session)
        self.depot = depot
        self.line_model: DtoTableModel[StockLineDTO] = DtoTableModel(_line_columns(), self)
        self.movement_model: DtoTableModel[StockMovementDTO] = DtoTableModel(
            _movement_columns(), self
        )

        self.heading = QLabel(depot.name, self)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.heading.setFont(font)
        self.summary = QLabel(self)
        self.summary.setObjectName("stock_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.legend = QLabel("有效期：红色 已过期 · 橙色 30 天内到期 · 黄色 90 天内到期", self)
        self.legend.setStyleSheet("color: #555;")

        self.lines_view = self._table(self.line_model)
        self.moves_view = self._table(self.movement_model)
        self.lines_view.selectionModel().selectionChanged.connect(self._on_line_selected)

        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, handler in (
            ("receive", "入库…", self.open_receive),
            ("issue", "出库…", self.open_issue),
            ("transfer", "调拨到其他库…", self.open_transfer),
            ("allocate", "调拨给事件…", self.open_allocate),
            ("write_off", "报损…", self.open_write_off),
            ("minimum", "设置储备定额…", self.open_minimum),
        ):
            button = QPushButton(text, self)
            button.setObjectName(f"stock_{key}")
            button.clicked.connect(handler)
            self.buttons[key] = button
            row.addWidget(button)
        row.addStretch(1)

        moves_box = QWidget(self)
        moves_layout = QVBoxLayout(moves_box)
        moves_layout.setContentsMargins(0, 0, 0, 0)
        self.moves_title = QLabel("所选批次的出入库记录", moves_box)
        moves_layout.addWidget(self.moves_title)
        moves_layout.addWidget(self.moves_view)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.lines_view)
        split.addWidget(moves_box)
        split.setSizes([420, 240])

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        layout.addWidget(self.legend)
        self.resize(1100, 720)
        self._update_buttons()
        session.subscribe(STOCK_ENTITIES, self._on_stock_changed, owner=self)
        self.reload()

    def _table(self, model: DtoTableModel[Any]) -> QTableView:
        view = QTableView(self)
        view.setModel(model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.setAlternatingRowColors(False)
        return view

    # -- reading ------------------------------------------------------------------------
    def reload(self) -> None:
        stock, depot_id, today = self._stock, self.depot.id, self._session.today()
        self._session.runner.submit(
            lambda: stock.lines(depot_id, today),
            on_done=self._on_lines_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="lines",
        )

    def _on_stock_changed(self, _records: list[ChangeRecord]) -> None:
        self.reload()

    def _on_lines_read(self, lines: list[StockLineDTO]) -> None:
        chosen = self.selected_line()
        self.line_model.set_rows(lines)
        self.lines_view.resizeColumnsToContents()
        below = {x.catalog_item_id for x in lines if x.below_minimum}
        expired = sum(
            1 for x in lines if x.quantity > 0 and x.rotation and x.rotation.value == "expired"
        )
        self.summary.setText(
            f"共 {len(lines)} 个批次 · 低于储备定额 {len(below)} 种 · 过期批次 {expired} 个"
        )
        if chosen is not None:
            for n, x in enumerate(lines):
                if x.id == chosen.id:
                    self.lines_view.selectRow(n)
                    break
        self._read_movements()
        self._update_buttons()

    def selected_line(self) -> StockLineDTO | None:
        rows = self.lines_view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.line_model.row_at(rows[0].row())

    def select_line(self, line_id: uuid.UUID) -> None:
        for n, x in enumerate(self.line_model.rows()):
            if x.id == line_id:
                self.lines_view.selectRow(n)

    def _on_line_selected(self, *_args: Any) -> None:
        self._read_movements()
        self._update_buttons()

    def _read_movements(self) -> None:
        line = self.selected_line()
        if line is None:
            self.movement_model.set_rows([])
            self.moves_title.setText("所选批次的出入库记录（请先选择一个批次）")
            return
        self.moves_title.setText(f"出入库记录：{line.name} {line.batch or ''}")
        stock, line_id = self._stock, line.id
        self._session.runner.submit(
            lambda: stock.movements(line_id=line_id, limit=200),
            on_done=self._on_movements_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="movements",
        )

    def _on_movements_read(self, rows: list[StockMovementDTO]) -> None:
        self.movement_model.set_rows(rows)
        self.moves_view.resizeColumnsToContents()

    def _update_buttons(self) -> None:
        has_line = self.selected_line() is not None
        moves = self._session.may(Action.RECORD_MOVEMENT)
        for key in ("issue", "transfer", "allocate", "write_off"):
            self.buttons[key].setEnabled(has_line and moves)
        self.buttons["receive"].setEnabled(moves)
        self.buttons["minimum"].setEnabled(self._session.may(Action.EDIT_RESOURCES))

    # -- the forms ----------------------------------------------------------------------
    def _what(self, line: StockLineDTO) -> str:
        batch = f"，批次 {line.batch}" if line.batch else ""
        expiry = f"，有效期至 {line.expiry_date.isoformat()}" if line.expiry_date else ""
        return (
            f"{line.name}（{format_code(line.code)}{batch}{expiry}）"
            f"  现有 {format_quantity(line.quantity)} {line.unit}"
        )

    def _open(self, dialog: StockMovementDialog) -> StockMovementDialog:
        self.last_dialog = dialog
        dialog.accepted.connect(self.reload)
        dialog.open()
        return dialog

    def open_issue(self) -> StockMovementDialog | None:
        line = self.selected_line()
        if line is None:
            return None
        stock, actor, site, unit = self._stock, self._session.user, self._session.site, line.unit
        return self._open(
            StockMovementDialog(
                self._session,
                "出库",
                self._what(line),
                unit,
                lambda q, note, _c: stock.issue(
                    line.id, q, note=note, unit=unit, actor=actor, site=site
                ),
                self,
            )
        )

    def open_write_off(self) -> StockMovementDialog | None:
        line = self.selected_line()
        if line is None:
            return None
        stock, actor, site, unit = self._stock, self._session.user, self._session.site, line.unit
        return self._open(
            StockMovementDialog(
                self._session,
                "报损",
                self._what(line),
                unit,
                lambda q, note, _c: stock.write_off(
                    line.id, q, note, unit=unit, actor=actor, site=site
                ),
                self,
                note_title="报损原因",
                note_required=True,
            )
        )

    def _then(self, read: Any, show: Any) -> None:
        """Read what a form needs off the GUI thread, then open it."""
        self._session.runner.submit(
            read, on_done=show, on_error=self._session.report_failure, owner=self, latest="form"
        )

    def open_transfer(self) -> None:
        stock = self._stock
        self._then(stock.depots, self._open_transfer)

    def _open_transfer(self, choices: list[Any]) -> StockMovementDialog | None:
        line = self.selected_line()
        if line is None:
            return None
        depots = [(d.name, d.id) for d in choices if d.id != self.depot.id]
        stock, actor, site, unit = self._stock, self._session.user, self._session.site, line.unit
        return self._open(
            StockMovementDialog(
                self._session,
                "调拨到其他库",
                self._what(line),
                unit,
                lambda q, note, to: stock.transfer(
                    line.id, to, q, note=note, unit=unit, actor=actor, site=site
                ),
                self,
                choice_title="调入库",
                choices=depots,
            )
        )

    def open_allocate(self) -> None:
        self._then(self._session.services.incidents.active, self._open_allocate)

    def _open_allocate(self, active: list[Any]) -> StockMovementDialog | None:
        line = self.selected_line()
        if line is None:
            return None
        incidents = [(f"{i.title}（{format_time(i.received_at)}）", i.id) for i in active]
        stock, actor, site, unit = self._stock, self._session.user, self._session.site, line.unit
        return self._open(
            StockMovementDialog(
                self._session,
                "调拨给事件",
                self._what(line),
                unit,
                lambda q, note, incident: stock.allocate(
                    line.id, incident, q, note=note, unit=unit, actor=actor, site=site
                ),
                self,
                choice_title="事件",
                choices=incidents,
            )
        )

    def open_receive(self) -> None:
        self._then(self._stock.catalogue, self._open_receive)

    def _open_receive(self, entries: list[Any]) -> StockMovementDialog | None:
        if not entries:
            return None
        line = self.selected_line()
        start = next((n for n, e in enumerate(entries) if line and e.id == line.catalog_item_id), 0)
        labels = [f"{format_code(e.code)} {e.name}（{e.unit}）" for e in entries]
        text, ok = QInputDialog.getItem(self, "入库", "物资", labels, start, False)
        if not ok:
            return None
        entry = entries[labels.index(text)]
        batch, ok = QInputDialog.getText(self, "入库", "批次（可不填）")
        if not ok:
            return None
        stock, actor, site, depot_id = (
            self._stock,
            self._session.user,
            self._session.site,
            self.depot.id,
        )
        return self._open(
            StockMovementDialog(
                self._session,
                "入库",
                f"{entry.name}（{format_code(entry.code)}）入 {self.depot.name}",
                entry.unit,
                lambda q, note, _c: stock.receive(
                    depot_id,
                    entry.id,
                    q,
                    batch=batch,
                    note=note,
                    unit=entry.unit,
                    actor=actor,
                    site=site,
                ),
                self,
            )
        )

    def open_minimum(self) -> StockMovementDialog | None:
        line = self.selected_line()
        if line is None or line.catalog_item_id is None:
            return None
        stock, actor, site, depot_id = (
            self._stock,
            self._session.user,
            self._session.site,
            self.depot.id,
        )
        item_id = line.catalog_item_id
        dialog = StockMovementDialog(
            self._session,
            "设置储备定额",
            f"{self.depot.name} · {line.name}：现行定额 "
            + ("未设" if line.minimum is None else f"{format_quantity(line.minimum)} {line.unit}")
            + "（填 0 取消定额）",
            line.unit,
            lambda q, _note, _c: stock.set_minimum(depot_id, item_id, q, actor=actor, site=site),
            self,
            allow_zero=True,
        )
        dialog.form.setRowVisible(dialog.note_box, False)
        return self._open(dialog)
