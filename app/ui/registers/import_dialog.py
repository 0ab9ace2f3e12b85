"""Import a register (or a stock-take) from a spreadsheet: choose, preview, import.

The preview lists every row with what importing it does (新增 / 更新 / 无变化 /
跳过 / 有错误) and its errors and warnings in Chinese, naming the column.
导入 is enabled only when no row is rejected; reading and writing run on the
session's task runner, never on the GUI thread. Nothing is written until 导入
is pressed, and then all or nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.registers import REGISTERS
from app.services.register_io import (
    ACTION_TEXT,
    ImportResult,
    Match,
    RegisterPreview,
    RowAction,
    import_register,
    preview_register,
)
from app.ui.panel import WARNING_BACKGROUND
from app.ui.plain import make_plain, plain_tooltip
from app.ui.session import AppSession

NOTE_BACKGROUND = QColor("#fff4ce")  # a warning: the row imports
TITLES = {**{k: spec.zh for k, spec in REGISTERS.items()}, "stock": "库存（盘点）"}
_FILTER = "表格文件 (*.xlsx *.xlsm *.csv *.txt);;所有文件 (*)"


class ImportRegisterDialog(QDialog):
    """Choose a file, see what it would do row by row, import it all or nothing."""

    def __init__(self, session: AppSession, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if kind not in TITLES:
            raise ValueError(f"unknown register {kind!r}")
        self.setObjectName("ImportRegisterDialog")
        self.session = session
        self.kind = kind
        self.preview: RegisterPreview | None = None
        self.import_result: ImportResult | None = None
        self.setWindowTitle(f"导入{TITLES[kind]}")
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("import_path")
        self.path_edit.setReadOnly(True)
        self.path_edit.setPlaceholderText("选择 XLSX 或 CSV 文件")
        choose = QPushButton("选择文件…", self)
        choose.setObjectName("choose_file")
        choose.clicked.connect(self._on_choose_clicked)
        row.addWidget(QLabel("文件：", self))
        row.addWidget(self.path_edit, 1)
        row.addWidget(choose)
        layout.addLayout(row)

        options = QHBoxLayout()
        self.match_box = QComboBox(self)
        self.match_box.setObjectName("match_mode")
        self.match_box.addItem("按编号匹配（无编号时按名称和乡镇）", "code")
        self.match_box.addItem("按名称和乡镇匹配", "name_township")
        self.gcj02_box = QCheckBox("坐标为 GCJ-02（高德、腾讯地图），转换为 WGS-84", self)
        self.gcj02_box.setObjectName("gcj02")
        if kind != "stock":
            options.addWidget(QLabel("已有记录：", self))
            options.addWidget(self.match_box)
            options.addSpacing(24)
            options.addWidget(self.gcj02_box)
        else:
            self.match_box.hide()
            self.gcj02_box.hide()
        options.addStretch(1)
        layout.addLayout(options)
        self.match_box.currentIndexChanged.connect(self._on_options_changed)
        self.gcj02_box.toggled.connect(self._on_options_changed)

        self.summary = make_plain(QLabel("请选择文件。", self))
        self.summary.setObjectName("import_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("import_rows")
        self.table.setHorizontalHeaderLabels(["行", "处理", "记录", "错误和提醒"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = QPushButton("导入", self)
        self.import_button.setObjectName("import_button")
        self.import_button.setEnabled(False)
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.import_button.clicked.connect(self._on_import_clicked)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(1000, 600)

    # -- what the user does -------------------------------------------------------------
    def set_path(self, path: Path | str) -> None:
        """Preview ``path`` (also what choosing a file does)."""
        self.path_edit.setText(str(path))
        self._load()

    def match(self) -> Match:
        return "name_township" if self.match_box.currentData() == "name_township" else "code"

    def _on_choose_clicked(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, f"导入{TITLES[self.kind]}", "", _FILTER)
        if name:
            self.set_path(name)

    def _on_options_changed(self) -> None:
        if self.path_edit.text():
            self._load()

    def _load(self) -> None:
        path = Path(self.path_edit.text())
        db, kind, match, gcj02 = (
            self.session.db,
            self.kind,
            self.match(),
            self.gcj02_box.isChecked(),
        )
        self.import_button.setEnabled(False)
        self.summary.setText("正在读取和检查文件…")
        self.session.runner.submit(
            lambda: preview_register(db, kind, path, match=match, gcj02=gcj02),
            self._on_preview_read,
            self._on_failed,
            owner=self,
            latest="preview",
        )

    def _on_import_clicked(self) -> None:
        if self.preview is None or not self.preview.can_import:
            return
        path = Path(self.path_edit.text())
        db, kind, match, gcj02 = (
            self.session.db,
            self.kind,
            self.match(),
            self.gcj02_box.isChecked(),
        )
        user, site = self.session.user, self.session.site
        self.import_button.setEnabled(False)
        self.summary.setText("正在导入…")
        self.session.runner.submit(
            lambda: import_register(
                db, kind, path, match=match, gcj02=gcj02, actor=user, site=site
            ),
            self._on_imported,
            self._on_failed,
            owner=self,
        )

    # -- answers ---------------------------------------------------------------------------
    def _on_preview_read(self, preview: RegisterPreview) -> None:
        self.preview = preview
        self._show(preview)

    def _on_imported(self, result: ImportResult) -> None:
        self.import_result = result
        if result.written:
            self.accept()
            return
        # The database changed since the preview: show why nothing was written.
        self.preview = result.preview
        self._show(result.preview)
        self.summary.setText("未导入任何内容：" + self.summary.text())

    def _on_failed(self, exc: BaseException) -> None:
        self.summary.setText(self.session.failure_text(exc))
        self.import_button.setEnabled(False)

    def _show(self, preview: RegisterPreview) -> None:
        rows: list[tuple[list[str], QColor | None]] = []
        for issue in preview.file_errors:
            rows.append(
                (["文件", ACTION_TEXT[RowAction.REJECTED], "", issue.message], WARNING_BACKGROUND)
            )
        for r in preview.rows:
            texts = [
                (f"{i.column} 列：" if i.column else "") + ("" if i.error else "提醒：") + i.message
                for i in r.issues
            ]
            if r.action is RowAction.UPDATE and r.changed and not texts:
                texts.append("修改：" + "、".join(_field_name(self.kind, f) for f in r.changed))
            color = (
                WARNING_BACKGROUND
                if r.action is RowAction.REJECTED
                else NOTE_BACKGROUND
                if r.issues
                else None
            )
            rows.append(([str(r.row), ACTION_TEXT[r.action], r.label, "\n".join(texts)], color))
        self.table.setRowCount(len(rows))
        for n, (cells, color) in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 3 and text:
                    item.setToolTip(plain_tooltip(text))
                if color is not None:
                    item.setBackground(QBrush(color))
                self.table.setItem(n, c, item)
        header = self.table.horizontalHeader()
        for c in range(3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        # The reasons take the rest of the width and wrap, never run off the edge.
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        counts = preview.summary()
        if preview.file_errors:
            text = "文件无法导入。"
        elif preview.can_import:
            text = f"{preview.source.name}：{counts}。可以导入。"
        else:
            text = (
                f"{preview.source.name}：{counts}。"
                "有错误的行改正后才能导入（全部导入或全部不导入）。"
            )
        if preview.warnings:
            text += f" 提醒 {len(preview.warnings)} 条（不影响导入）。"
        self.summary.setText(text)
        self.import_button.setEnabled(preview.can_import and bool(preview.rows))


def _field_name(kind: str, name: str) -> str:
    if kind == "stock":
        return {"quantity": "数量", "expiry_date": "有效期至", "min_quantity": "最低库存"}.get(
            name, name
        )
    try:
        return REGISTERS[kind].field(name).zh
    except KeyError:
        return name
