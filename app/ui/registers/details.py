"""Every field of one register row, read-only, in Chinese, with its history (历史)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.coords import FLAG_TEXT, PositionFlag, format_dms
from app.domain.labels import Family, label
from app.domain.registers import FieldKind, RegisterSpec, format_field
from app.services.dto import ShelterDTO, TeamDTO
from app.ui.access.history import HistoryView
from app.ui.models.table import format_time
from app.ui.session import AppSession

EMPTY = "—"  # shown for a field that holds nothing


def detail_rows(spec: RegisterSpec, record: Any) -> list[tuple[str, str]]:
    """(name, text) for every field of ``spec``, then the state the program keeps;
    an empty value reads "—"."""
    rows: list[tuple[str, str]] = []
    for f in spec.fields:
        value = getattr(record, f.name, None)
        if f.kind in (FieldKind.LON, FieldKind.LAT) and value is not None:
            dms = format_dms(value, "lon" if f.kind is FieldKind.LON else "lat")
            text = f"{value:.6f}".rstrip("0").rstrip(".") + f"（{dms}）"
        else:
            text = format_field(f, value)
            if text and f.unit:
                text = f"{text} {f.unit}"
        rows.append((f.zh, text))
    flags = [FLAG_TEXT[PositionFlag(code)] for code in getattr(record, "flags", ())]
    if flags:
        rows.append(("位置提示", "；".join(flags)))
    if isinstance(record, ShelterDTO):
        state = "开放" if record.is_open else "关闭"
        rows.append(("开放状态", state))
        rows.append(("在住人数", f"{record.occupancy} / {record.capacity}"))
        rows.append(("最近开放时间", format_time(record.opened_at)))
        rows.append(("最近关闭时间", format_time(record.closed_at)))
    if isinstance(record, TeamDTO):
        rows.append(("状态", label(Family.TEAM_STATUS, record.status)))
        rows.append(("状态时间", format_time(record.status_since)))
    if record.retired_at is not None:
        rows.append(("停用时间", format_time(record.retired_at)))
        rows.append(("停用原因", record.retired_reason or ""))
    else:
        rows.append(("台账状态", "在用"))
    return [(name, text if text.strip() else EMPTY) for name, text in rows]


class RegisterDetailsDialog(QDialog):
    """详情: the record's fields as text (never HTML) and its 历史 tab."""

    def __init__(
        self, session: AppSession, spec: RegisterSpec, record: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("RegisterDetailsDialog")
        self.setWindowTitle(f"{spec.zh}：{record.name}")
        self.spec = spec
        self.record = record
        body = QWidget(self)
        self.form = QFormLayout(body)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for name, text in detail_rows(spec, record):
            value = QLabel(text, body)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[name] = value
            self.form.addRow(name + "：", value)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("register_details_tabs")
        self.tabs.addTab(scroll, "详情")
        self.history = HistoryView(session, self.tabs)
        self.history.show_record(spec.entity, record.id)
        self.tabs.addTab(self.history, "历史")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        title = QLabel(f"{spec.zh}：{record.name}", self)
        title.setTextFormat(Qt.TextFormat.PlainText)
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self.resize(760, 620)

    def value_of(self, name: str) -> str | None:
        """The text shown for the row ``name`` (its Chinese field name)."""
        label_ = self.values.get(name)
        return label_.text() if label_ is not None else None
