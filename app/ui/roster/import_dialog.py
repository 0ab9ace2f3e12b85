"""The roster import preview: what a file would write, row by row, before anything is written.

Rows that import are plain, rows with errors are tinted and say what is wrong
and in which column ("C 列：未知人员: 张三"). People the staff register does not
have are listed with the role of the column they are in and the phone found
in the file; ticking "添加这些人员到人员与AB岗" lets the import add them in the
same transaction as the shifts. 导入 is enabled only when nothing else is wrong
(and, with such people, when the box is ticked).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.enums import StaffRole
from app.services.roster_import import ImportedShift, RosterPreview
from app.ui import labels
from app.ui.panel import WARNING_BACKGROUND

# A row that imports only once its new people are added.
PENDING_BACKGROUND = QColor("#fff4ce")
_PROBLEM_COLUMN = 6


def _names(shift: ImportedShift, role: str) -> str:
    people = shift.leaders if role == StaffRole.LEADER.value else shift.officers
    return "、".join(p.name for p in people)


class ImportDialog(QDialog):
    """What an import would write, row by row; 导入 only when nothing blocks it."""

    def __init__(self, preview: RosterPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ImportDialog")
        self.setWindowTitle(self.tr("Import roster"))
        self.preview = preview
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("import_summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # the file name is not markup
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = self._rows_table()
        layout.addWidget(self.table, 1)
        self.add_people_box: QCheckBox | None = None
        self.people_table: QTableWidget | None = None
        if preview.new_people:
            layout.addWidget(self._people_group())
        if preview.notes:
            notes = QLabel(
                self.tr("Skipped note rows: %1").replace(
                    "%1", "、".join(str(row) for row, _text in preview.notes)
                ),
                self,
            )
            layout.addWidget(notes)
        if preview.warnings:
            warn = QLabel(
                self.tr("Warnings (not errors): %1").replace("%1", str(len(preview.warnings))),
                self,
            )
            layout.addWidget(warn)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = QPushButton(self.tr("Import"), self)
        self.import_button.setObjectName("import_button")
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update()
        self.resize(900, 600 if preview.new_people else 520)

    def add_unknown(self) -> bool:
        """Whether the people not in the staff register are to be added."""
        return self.add_people_box is not None and self.add_people_box.isChecked()

    # -- building -------------------------------------------------------------------
    def _rows_table(self) -> QTableWidget:
        from app.ui.roster.calendar import span_text  # the calendar imports this dialog

        preview = self.preview
        problems = preview.problems_by_row()
        headers = [
            self.tr("Row"),
            self.tr("Date"),
            self.tr("Shift"),
            self.tr("Time"),
            labels.staff_role(StaffRole.LEADER.value),
            self.tr("Duty officers"),
            self.tr("Problem"),
        ]
        rows: list[tuple[int, list[str]]] = []
        for sh in (*preview.shifts, *preview.pending):
            cells = [
                str(sh.row),
                sh.day.isoformat(),
                sh.shift_name,
                span_text(sh.starts_at, sh.ends_at),
                _names(sh, StaffRole.LEADER.value),
                _names(sh, StaffRole.OFFICER.value),
                "；".join(problems.get(sh.row, [])),
            ]
            rows.append((sh.row, cells))
        shown = {row for row, _cells in rows}
        for row_no, messages in sorted(problems.items()):
            if row_no not in shown:
                where = self.tr("file") if row_no == 0 else str(row_no)
                rows.append((row_no, [where, "", "", "", "", "", "；".join(messages)]))
        rows.sort(key=lambda r: r[0])
        self._row_numbers = [row for row, _cells in rows]
        table = QTableWidget(len(rows), len(headers), self)
        table.setObjectName("import_rows")
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (_n, cells) in enumerate(rows):
            for c, text in enumerate(cells):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        return table

    def _people_group(self) -> QGroupBox:
        people = self.preview.new_people
        group = QGroupBox(
            self.tr("People not in the staff list (%1)").replace("%1", str(len(people))), self
        )
        group.setObjectName("new_people_group")
        box = QVBoxLayout(group)
        table = QTableWidget(len(people), 4, group)
        table.setObjectName("new_people")
        table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Role"), self.tr("Phone"), self.tr("Rows")]
        )
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, p in enumerate(people):
            cells = [
                p.name,
                labels.staff_role(p.role),
                p.phone or "—",
                "、".join(str(n) for n in p.rows),
            ]
            for c, text in enumerate(cells):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        shown = min(len(people), 5)  # more scroll
        table.setFixedHeight(
            table.horizontalHeader().sizeHint().height()
            + shown * table.verticalHeader().defaultSectionSize()
            + 2 * table.frameWidth()
            + 2
        )
        box.addWidget(table)
        check = QCheckBox(self.tr("Add these people to Staff and A/B posts"), group)
        check.setObjectName("add_people")
        check.toggled.connect(self._update)
        box.addWidget(check)
        self.people_table = table
        self.add_people_box = check
        return group

    # -- state ------------------------------------------------------------------------
    def _update(self) -> None:
        """Summary, row tints and the import button for the box's state."""
        preview = self.preview
        adding = self.add_unknown()
        blocking = preview.problems_by_row(add_unknown=adding)
        wrong = preview.problems_by_row(add_unknown=True)  # wrong whatever the box says
        pending = {sh.row for sh in preview.pending}
        for r, row_no in enumerate(self._row_numbers):
            problem = self.table.item(r, _PROBLEM_COLUMN)
            if problem is not None and row_no:
                problem.setText("；".join(blocking.get(row_no, [])))
            if row_no in wrong:
                color: QColor | None = WARNING_BACKGROUND
            elif row_no in pending and not adding:
                color = PENDING_BACKGROUND
            else:
                color = None
            for c in range(self.table.columnCount()):
                item = self.table.item(r, c)
                if item is not None:
                    item.setBackground(QBrush(color) if color is not None else QBrush())
        summary = self.tr("%1: %2 shift(s) to import, %3 row(s) with errors.")
        self.summary.setText(
            summary.replace("%1", preview.source.name)
            .replace("%2", str(len(preview.to_write(add_unknown=adding))))
            .replace("%3", str(len(blocking)))
        )
        self.import_button.setEnabled(preview.can_apply(add_unknown=adding))
