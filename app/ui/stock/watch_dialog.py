"""物资预警: rotation reminders (expired, within 30 and 90 days), shortfalls against
the minimum levels, and days of supply of the key items for the people in shelters."""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.supplies import ROTATION_LABELS, format_code
from app.services.stock import Reminder, Shortfall, SupplyDays, format_quantity
from app.ui.models.table import Column, DtoTableModel
from app.ui.session import AppSession
from app.ui.stock.common import ROTATION_COLOURS, STOCK_ENTITIES, stock_service

WATCH_ENTITIES = STOCK_ENTITIES | {"shelter", "shelter_occupancy_movement"}


def _days_text(d: SupplyDays) -> str:
    if d.catalog_item_id is None:
        return "目录中没有标记此类物资"
    if d.people <= 0:
        return "安置点内暂无人员"
    if d.days is None:
        return "未设人均定量"
    if d.ration_per_day:
        return f"{d.days:.1f} 天"
    return "全部覆盖" if math.isinf(d.days) else "不足"


def _reminder_columns() -> list[Column[Reminder]]:
    return [
        Column(
            "提醒",
            lambda r: r.bucket.value,
            display=lambda r: ROTATION_LABELS[r.bucket],
            background=lambda r: ROTATION_COLOURS[r.bucket],
        ),
        Column("有效期至", lambda r: r.expiry_date),
        Column("剩余天数", lambda r: r.days_left, align_right=True),
        Column("储备库", lambda r: r.depot_name),
        Column("编码", lambda r: r.code, display=lambda r: format_code(r.code)),
        Column("物资", lambda r: r.name),
        Column("批次", lambda r: r.batch or ""),
        Column(
            "数量",
            lambda r: r.quantity,
            display=lambda r: f"{format_quantity(r.quantity)} {r.unit}",
            align_right=True,
        ),
    ]


def _shortfall_columns() -> list[Column[Shortfall]]:
    return [
        Column("储备库", lambda s: s.depot_name),
        Column("编码", lambda s: s.code, display=lambda s: format_code(s.code)),
        Column("物资", lambda s: s.name),
        Column(
            "储备定额",
            lambda s: s.minimum,
            display=lambda s: f"{format_quantity(s.minimum)} {s.unit}",
            align_right=True,
        ),
        Column(
            "可用数量",
            lambda s: s.usable,
            display=lambda s: f"{format_quantity(s.usable)} {s.unit}",
            align_right=True,
        ),
        Column(
            "缺口",
            lambda s: s.missing,
            display=lambda s: f"{format_quantity(s.missing)} {s.unit}",
            align_right=True,
        ),
    ]


def _days_columns() -> list[Column[SupplyDays]]:
    return [
        Column("类别", lambda d: d.key_label),
        Column("物资", lambda d: d.name),
        Column("安置人数", lambda d: d.people, align_right=True),
        Column(
            "可用数量（全县）",
            lambda d: d.usable,
            display=lambda d: f"{format_quantity(d.usable)} {d.unit}" if d.unit else "",
            align_right=True,
        ),
        Column(
            "人均定量",
            lambda d: d.ration or 0,
            display=lambda d: (
                ""
                if d.ration is None
                else f"{format_quantity(d.ration)} {d.unit}"
                + ("/人/日" if d.ration_per_day else "/人")
            ),
        ),
        Column(
            "需要",
            lambda d: d.needed or 0,
            display=lambda d: (
                ""
                if d.needed is None
                else f"{format_quantity(d.needed)} {d.unit}" + ("/日" if d.ration_per_day else "")
            ),
            align_right=True,
        ),
        Column("保障天数", lambda d: d.days if d.days is not None else -1, display=_days_text),
    ]


class StockWatchDialog(QDialog):
    """物资预警 (see the module): three tabs, read again when stock or shelters change."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("StockWatchDialog")
        self.setWindowTitle("物资预警：轮换提醒 · 储备缺口 · 保障天数")
        self._session = session
        self._stock = stock_service(session)
        self.reminder_model: DtoTableModel[Reminder] = DtoTableModel(_reminder_columns(), self)
        self.shortfall_model: DtoTableModel[Shortfall] = DtoTableModel(_shortfall_columns(), self)
        self.days_model: DtoTableModel[SupplyDays] = DtoTableModel(_days_columns(), self)
        self.tabs = QTabWidget(self)
        self.views: list[QTableView] = []
        for model, title in (
            (self.reminder_model, "轮换提醒"),
            (self.shortfall_model, "储备缺口"),
            (self.days_model, "保障天数"),
        ):
            view = QTableView(self)
            view.setModel(model)
            view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            view.verticalHeader().hide()
            view.horizontalHeader().setStretchLastSection(True)
            self.views.append(view)
            self.tabs.addTab(view, title)
        self.summary = QLabel(self)
        self.summary.setObjectName("watch_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        note = QLabel(
            "有效期按北京时间日期计：到期当日仍可用，次日起为过期。"
            "保障天数按各物资目录条目的人均定量计算。",
            self,
        )
        note.setStyleSheet("color: #555;")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(note)
        self.resize(1100, 640)
        session.subscribe(WATCH_ENTITIES, self._on_changed, owner=self)
        self.reload()

    def reload(self) -> None:
        stock, today = self._stock, self._session.today()
        self._session.runner.submit(
            lambda: (stock.reminders(today), stock.shortfalls(today), stock.days_of_supply(today)),
            on_done=self._on_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="watch",
        )

    def _on_changed(self, _records: list[ChangeRecord]) -> None:
        self.reload()

    def _on_read(self, read: tuple[list[Reminder], list[Shortfall], list[SupplyDays]]) -> None:
        reminders, shortfalls, days = read
        self.reminder_model.set_rows(reminders)
        self.shortfall_model.set_rows(shortfalls)
        self.days_model.set_rows(days)
        for view in self.views:
            view.resizeColumnsToContents()
        counts = {b: sum(1 for r in reminders if r.bucket is b) for b in ROTATION_LABELS}
        people = days[0].people if days else 0
        parts = [f"{ROTATION_LABELS[b]} {n} 批" for b, n in counts.items()]
        self.summary.setText(
            "轮换：" + "，".join(parts) + f" · 储备缺口 {len(shortfalls)} 项 · 安置人数 {people} 人"
        )

    def tab_rows(self, index: int) -> list[Any]:
        model = (self.reminder_model, self.shortfall_model, self.days_model)[index]
        return list(model.rows())
