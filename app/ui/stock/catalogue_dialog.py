"""物资目录: the county's supply catalogue, coded after GB/T 38565-2020 (X XX XX XX).

A list of entries and a form beside it to add, change or retire one. The code
may be typed with spaces or dashes; it is checked at the field as typed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.data.uow import ChangeRecord
from app.domain.access import Action
from app.domain.enums import KeyNeed
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation
from app.domain.supplies import (
    code_problem_text,
    format_code,
    normalize_code,
    top_class_name,
)
from app.services.stock import CatalogEntryDTO, format_quantity, stock_problem_text
from app.ui.models.table import Column, DtoTableModel
from app.ui.session import AppSession
from app.ui.stock.common import (
    ERROR_STYLE,
    error_label,
    field_box,
    refusal_text,
    show_error,
    stock_service,
)

CATALOGUE_ENTITIES = frozenset({"supply_catalog_item"})


def _columns() -> list[Column[CatalogEntryDTO]]:
    return [
        Column("编码", lambda e: e.code, display=lambda e: format_code(e.code)),
        Column("大类", lambda e: top_class_name(e.code)),
        Column("名称", lambda e: e.name),
        Column("单位", lambda e: e.unit),
        Column("重点保障", lambda e: label(Family.KEY_NEED, e.key_need) if e.key_need else ""),
        Column(
            "人均定量",
            lambda e: e.ration or 0,
            display=lambda e: (
                ""
                if e.ration is None
                else f"{format_quantity(e.ration)} {e.unit}"
                + ("/人/日" if e.ration_per_day else "/人")
            ),
        ),
        Column("状态", lambda e: e.retired, display=lambda e: "已停用" if e.retired else "在用"),
        Column("演示", lambda e: e.is_demo, display=lambda e: "演示" if e.is_demo else ""),
    ]


class CatalogueDialog(QDialog):
    """物资目录 (see the module)."""

    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CatalogueDialog")
        self.setWindowTitle("物资目录（GB/T 38565-2020 编码）")
        self._session = session
        self._stock = stock_service(session)
        self._editing: CatalogEntryDTO | None = None
        self._saving = False
        self.model: DtoTableModel[CatalogEntryDTO] = DtoTableModel(_columns(), self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._on_selected)
        self.show_retired = QCheckBox("显示已停用", self)
        self.show_retired.toggled.connect(self.reload)

        self.code = QLineEdit(self)
        self.code.setObjectName("catalogue_code")
        self.code.setPlaceholderText("7 位，如 1 01 02 03")
        self.code_hint = QLabel(self)
        self.code_hint.setStyleSheet("color: #555;")
        self.code_error = error_label(self, "code")
        self.name = QLineEdit(self)
        self.name.setObjectName("catalogue_name")
        self.name.setMaxLength(128)
        self.name_error = error_label(self, "name")
        self.unit = QLineEdit(self)
        self.unit.setObjectName("catalogue_unit")
        self.unit.setMaxLength(16)
        self.unit.setPlaceholderText("如 顶、件、箱")
        self.unit_error = error_label(self, "unit")
        self.key_need = QComboBox(self)
        self.key_need.addItem("（无）", None)
        for need in KeyNeed:
            self.key_need.addItem(label(Family.KEY_NEED, need), need.value)
        self.ration = QLineEdit(self)
        self.ration.setPlaceholderText("每人所需数量，如 0.25")
        self.ration_error = error_label(self, "ration")
        self.per_day = QCheckBox("按日计（每人每日）", self)
        self.banner = QLabel(self)
        self.banner.setObjectName("catalogue_banner")
        self.banner.setTextFormat(Qt.TextFormat.PlainText)
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.banner.hide()
        self.new_button = QPushButton("新增", self)
        self.save_button = QPushButton("保存", self)
        self.save_button.setObjectName("catalogue_save")
        self.retire_button = QPushButton("停用", self)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.retire_button.clicked.connect(self.retire)
        self.code.textChanged.connect(self._check_code)

        form_box = QWidget(self)
        form = QFormLayout(form_box)
        self.form_title = QLabel("新增物资", form_box)
        font = self.form_title.font()
        font.setBold(True)
        self.form_title.setFont(font)
        form.addRow(self.form_title)
        form.addRow("物资编码", field_box(form_box, self.code, self.code_error, self.code_hint))
        form.addRow("名称", field_box(form_box, self.name, self.name_error))
        form.addRow("计量单位", field_box(form_box, self.unit, self.unit_error))
        form.addRow("重点保障", self.key_need)
        form.addRow("人均定量", field_box(form_box, self.ration, self.ration_error, self.per_day))
        form.addRow(self.banner)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.retire_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        form_box.setMinimumWidth(420)

        left = QVBoxLayout()
        left.addWidget(self.show_retired)
        left.addWidget(self.table, 1)
        note = QLabel(
            "编码四级 X XX XX XX：1 基本生活保障物资，2 应急装备及配套物资，"
            "3 工程材料与机械加工设备；各级 99 表示“其他”。",
            self,
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        left.addWidget(note)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(form_box, 2, Qt.AlignmentFlag.AlignTop)
        self.resize(1200, 640)
        editable = session.may(Action.EDIT_RESOURCES)
        for w in (self.new_button, self.save_button, self.retire_button):
            w.setEnabled(editable)
        session.subscribe(CATALOGUE_ENTITIES, self._on_catalogue_changed, owner=self)
        self.reload()

    def reload(self) -> None:
        stock, retired = self._stock, self.show_retired.isChecked()
        self._session.runner.submit(
            lambda: stock.catalogue(include_retired=retired),
            on_done=self._on_read,
            on_error=self._session.report_failure,
            owner=self,
            latest="catalogue",
        )

    def _on_catalogue_changed(self, _records: list[ChangeRecord]) -> None:
        self.reload()

    def _on_read(self, rows: list[CatalogEntryDTO]) -> None:
        self.model.set_rows(rows)
        self.table.resizeColumnsToContents()

    def _on_selected(self, *_args: Any) -> None:
        picked = self.table.selectionModel().selectedRows()
        if not picked:
            return
        e = self.model.row_at(picked[0].row())
        self._editing = e
        self.form_title.setText(f"修改：{e.name}")
        self.code.setText(format_code(e.code))
        self.name.setText(e.name)
        self.unit.setText(e.unit)
        self.key_need.setCurrentIndex(max(0, self.key_need.findData(e.key_need)))
        self.ration.setText("" if e.ration is None else format_quantity(e.ration))
        self.per_day.setChecked(e.ration_per_day)
        self.banner.hide()

    def start_new(self) -> None:
        self._editing = None
        self.table.clearSelection()
        self.form_title.setText("新增物资")
        for w in (self.code, self.name, self.unit, self.ration):
            w.clear()
        self.key_need.setCurrentIndex(0)
        self.per_day.setChecked(False)
        self.banner.hide()
        self.code.setFocus()

    def _check_code(self) -> None:
        text = self.code.text()
        if not text.strip():
            show_error(self.code_error, "")
            self.code_hint.setText("")
            return
        try:
            code = normalize_code(text)
        except RuleViolation as exc:
            show_error(self.code_error, code_problem_text(exc))
            self.code_hint.setText("")
            return
        show_error(self.code_error, "")
        self.code_hint.setText(f"{format_code(code)} · {top_class_name(code)}")

    def error_text(self, key: str) -> str:
        label_ = {
            "code": self.code_error,
            "name": self.name_error,
            "unit": self.unit_error,
            "ration": self.ration_error,
        }[key]
        return label_.text() if not label_.isHidden() else ""

    def save(self) -> None:
        if self._saving:
            return
        errors: dict[str, str] = {}
        try:
            normalize_code(self.code.text())
        except RuleViolation as exc:
            errors["code"] = code_problem_text(exc)
        if not self.name.text().strip():
            errors["name"] = "请填写物资名称"
        unit = self.unit.text().strip()
        if not unit or any(c.isdigit() for c in unit):
            errors["unit"] = "请填写计量单位（如 顶、件、箱；不含数字）"
        ration: float | None = None
        if self.ration.text().strip():
            try:
                ration = float(self.ration.text().strip())
                if not ration > 0:
                    raise ValueError
            except ValueError:
                errors["ration"] = "人均定量应为大于 0 的数字"
        for key, widget in (
            ("code", self.code_error),
            ("name", self.name_error),
            ("unit", self.unit_error),
            ("ration", self.ration_error),
        ):
            show_error(widget, errors.get(key, ""))
        if errors:
            self.banner.setText("未保存：请更正标红的项目。")
            self.banner.show()
            return
        stock, actor, site, editing = (
            self._stock,
            self._session.user,
            self._session.site,
            self._editing,
        )
        values = {
            "code": self.code.text(),
            "name": self.name.text(),
            "unit": unit,
            "key_need": self.key_need.currentData(),
            "ration": ration,
            "ration_per_day": self.per_day.isChecked(),
        }

        def run() -> CatalogEntryDTO:
            if editing is None:
                return stock.add_catalog_item(actor=actor, site=site, **values)
            return stock.update_catalog_item(
                editing.id, editing.version, actor=actor, site=site, **values
            )

        self._submit(run)

    def retire(self) -> None:
        editing = self._editing
        if editing is None or editing.retired:
            return
        stock, actor, site = self._stock, self._session.user, self._session.site
        self._submit(
            lambda: stock.retire_catalog_item(editing.id, editing.version, actor=actor, site=site)
        )

    def _submit(self, run: Any) -> None:
        self._saving = True
        self.save_button.setEnabled(False)
        self._session.runner.submit(
            run, on_done=self._on_saved, on_error=self._on_failed, owner=self
        )

    def _on_saved(self, entry: CatalogEntryDTO) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._editing = entry
        self.banner.setStyleSheet("color: #1b7f3b; font-weight: bold;")
        self.banner.setText(f"已保存：{format_code(entry.code)} {entry.name}")
        self.banner.show()
        self.reload()

    def _on_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, RuleViolation):
            target = {
                "supply.code": self.code_error,
                "catalog.name": self.name_error,
                "catalog.unit": self.unit_error,
                "catalog.unit_in_use": self.unit_error,
                "catalog.ration": self.ration_error,
            }.get(exc.code)
            if target is not None:
                show_error(target, stock_problem_text(exc))
        self.banner.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.banner.setText(refusal_text(self._session, exc))
        self.banner.show()
