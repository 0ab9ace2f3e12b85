"""What the stock dialogs share: the service, the entities they follow, a movement form."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.rules import RuleViolation
from app.domain.supplies import QUANTITY_TEXTS, QuantityProblem, Rotation, parse_quantity
from app.services.movements import NOTE_MAX
from app.services.stock import StockService, format_quantity, stock_problem_text
from app.ui.session import AppSession

ERROR_STYLE = "color: #b30000;"
STOCK_ENTITIES = frozenset(
    {"stock_item", "stock_movement", "supply_depot", "supply_catalog_item", "depot_minimum"}
)
ROTATION_COLOURS = {
    Rotation.EXPIRED: QColor("#f4b4b4"),  # red
    Rotation.WITHIN_30: QColor("#ffd08a"),  # orange
    Rotation.WITHIN_90: QColor("#fff3a0"),  # yellow
}
_SERVICES: dict[int, StockService] = {}


def stock_service(session: AppSession) -> StockService:
    """The stock service on the session's database (one per database)."""
    db = session.services.db
    found = _SERVICES.get(id(db))
    if found is None or found._db is not db:
        found = _SERVICES[id(db)] = StockService(db, movements=session.services.movements)
    return found


def refusal_text(session: AppSession, exc: BaseException) -> str:
    """A failed save in words: a rule in Chinese, else the database's problem."""
    if isinstance(exc, RuleViolation):
        return "未保存：" + stock_problem_text(exc)
    return "未保存：" + session.failure_text(exc)


def error_label(parent: QWidget, key: str) -> QLabel:
    label = QLabel(parent)
    label.setObjectName(f"error_{key}")
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def field_box(parent: QWidget, field: QWidget, error: QLabel, *below: QWidget) -> QWidget:
    box = QWidget(parent)
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(1)
    column.addWidget(field)
    column.addWidget(error)
    for widget in below:
        column.addWidget(widget)
    return box


class StockMovementDialog(QDialog):
    """One movement of a quantity: 入库 / 出库 / 调拨 / 报损 / 储备定额.

    ``submit(quantity, note, choice)`` runs off the GUI thread and returns
    anything; ``choices`` (label, value) fills a list (destination depot,
    incident) when given. A refusal is shown at the form, which keeps what
    was typed.
    """

    def __init__(
        self,
        session: AppSession,
        title: str,
        what: str,
        unit: str,
        submit: Callable[[float, str, Any], Any],
        parent: QWidget | None = None,
        *,
        choice_title: str = "",
        choices: list[tuple[str, Any]] | None = None,
        note_title: str = "备注",
        note_required: bool = False,
        allow_zero: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("StockMovementDialog")
        self.setWindowTitle(title)
        self._session = session
        self._submit = submit
        self._unit = unit
        self._note_required = note_required
        self._allow_zero = allow_zero
        self._saving = False
        self.result_value: Any = None

        self.what = QLabel(what, self)
        self.what.setTextFormat(Qt.TextFormat.PlainText)
        self.what.setWordWrap(True)
        font = self.what.font()
        font.setBold(True)
        self.what.setFont(font)
        self.banner = QLabel(self)
        self.banner.setObjectName("stock_banner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.banner.hide()

        self.quantity = QLineEdit(self)
        self.quantity.setObjectName("stock_quantity")
        self.quantity.setPlaceholderText(f"数量（{unit}），如 200")
        self.unit_label = QLabel(f"单位：{unit}", self)
        self.unit_label.setTextFormat(Qt.TextFormat.PlainText)
        self.quantity_error = error_label(self, "quantity")
        self.choice = QComboBox(self)
        self.choice.setObjectName("stock_choice")
        self.choice_error = error_label(self, "choice")
        for text, value in choices or []:
            self.choice.addItem(text, value)
        self.note = QLineEdit(self)
        self.note.setObjectName("stock_note")
        self.note.setMaxLength(NOTE_MAX)
        self.note_error = error_label(self, "note")

        form = self.form = QFormLayout()
        if choices is not None:
            form.addRow(choice_title, field_box(self, self.choice, self.choice_error))
        else:
            self.choice.hide()
        form.addRow("数量", field_box(self, self.quantity, self.quantity_error, self.unit_label))
        self.note_box = field_box(self, self.note, self.note_error)
        form.addRow(note_title, self.note_box)
        form.addRow("经办人", QLabel(session.user, self))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText("保存")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.what)
        layout.addWidget(self.banner)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.quantity.setFocus()

    def error_text(self, key: str) -> str:
        label = {"quantity": self.quantity_error, "note": self.note_error}[key]
        return label.text() if not label.isHidden() else ""

    def _parsed(self) -> float | str:
        text = self.quantity.text()
        if self._allow_zero and text.strip() in {"0", "０"}:
            return 0.0
        value = parse_quantity(text, self._unit)
        if isinstance(value, QuantityProblem):
            if value.code == "unit":
                return f"单位与物资目录不符：此物资的单位是“{self._unit}”"
            return QUANTITY_TEXTS[value.code]
        return value

    def save(self) -> None:
        if self._saving:
            return
        value = self._parsed()
        show_error(self.quantity_error, value if isinstance(value, str) else "")
        note_missing = self._note_required and not self.note.text().strip()
        show_error(self.note_error, "请填写原因" if note_missing else "")
        if isinstance(value, str) or note_missing:
            self.banner.setText("未保存：请更正标红的项目。")
            self.banner.show()
            return
        note, choice = self.note.text(), self.choice.currentData()
        submit = self._submit
        self._saving = True
        self.save_button.setEnabled(False)
        self._session.runner.submit(
            lambda: submit(value, note, choice),
            on_done=self._on_saved,
            on_error=self._on_save_failed,
            owner=self,
        )

    def _on_saved(self, result: Any) -> None:
        self._saving = False
        self.result_value = result
        self.accept()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        text = refusal_text(self._session, exc)
        if isinstance(exc, RuleViolation) and exc.code in {
            "stock.negative",
            "stock.quantity",
            "stock.unit",
            "stock.minimum",
        }:
            show_error(self.quantity_error, text.removeprefix("未保存："))
        self.banner.setText(text)
        self.banner.show()


def quantity_text(value: float, unit: str) -> str:
    return f"{format_quantity(value)} {unit}"


def depot_ids(rows: list[Any]) -> list[uuid.UUID]:
    return [r.id for r in rows]
