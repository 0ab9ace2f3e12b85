"""The register import dialog: preview with errors per row, import only when clean,
all work off the GUI thread; and the export helper."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import Shelter
from app.ui.registers.export import export_register_interactive
from app.ui.registers.import_dialog import ImportRegisterDialog
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session

HEADER = ["编号", "避难场所名称", "类型", "所在乡镇（街道）", "东经", "北纬", "可容纳人数"]


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def shelters(db: Database) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Shelter)) or 0


def cells(dialog: ImportRegisterDialog) -> list[list[str]]:
    t = dialog.table
    return [
        [t.item(r, c).text() for c in range(t.columnCount())]  # type: ignore[union-attr]
        for r in range(t.rowCount())
    ]


def test_preview_with_errors_keeps_import_off_then_a_clean_file_imports(
    qtbot: Any,
    ui_db: Database,
    check_db: Database,
    runner: TaskRunner,
    gui_guard: GuiThreadGuard,
    tmp_path: Path,
) -> None:
    session = make_session(ui_db, runner)
    dialog = ImportRegisterDialog(session, "shelters")
    qtbot.addWidget(dialog)
    before = shelters(check_db)
    bad = write_xlsx(
        tmp_path / "bad.xlsx",
        [
            HEADER,
            ["T-1", "测试广场", "室外", "龙城镇", 116.95, 34.18, "1,500"],
            ["T-2", "测试学校", "操场", "龙城镇", 116.95, 34.18, 300],
            ["T-3", "测试公园", "室外", "火星镇", 34.18, 116.95, -20],
        ],
    )
    with qtbot.waitSignal(runner.idle, timeout=20000):
        dialog.set_path(bad)
    rows = cells(dialog)
    assert [r[:2] for r in rows] == [["2", "新增"], ["3", "有错误"], ["4", "有错误"]]
    assert "C 列：场所类型：无法识别的选项：操场" in rows[1][3]
    assert "D 列：未知乡镇：火星镇" in rows[2][3] and "G 列：容纳人数：不能为负数" in rows[2][3]
    assert "新增 1 行" in dialog.summary.text() and "有错误 2 行" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()

    dialog.resize(1920, 1080)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.grab().save(str(tmp_path / "register_import_dialog.png"))
    assert shelters(check_db) == before  # nothing written by a preview

    good = write_xlsx(
        tmp_path / "good.xlsx",
        [HEADER, ["T-1", "测试广场", "室外", "龙城镇", 116.95, 34.18, "1,500"]],
    )
    with qtbot.waitSignal(runner.idle, timeout=20000):
        dialog.set_path(good)
    assert dialog.import_button.isEnabled()
    with qtbot.waitSignal(dialog.accepted, timeout=20000):
        dialog.import_button.click()
    assert dialog.import_result is not None and dialog.import_result.inserted == 1
    assert shelters(check_db) == before + 1


def test_cancel_writes_nothing_and_stock_hides_coordinate_options(
    qtbot: Any, ui_db: Database, check_db: Database, runner: TaskRunner, tmp_path: Path
) -> None:
    session = make_session(ui_db, runner)
    dialog = ImportRegisterDialog(session, "stock")
    qtbot.addWidget(dialog)
    assert dialog.gcj02_box.isHidden() and dialog.match_box.isHidden()
    path = write_xlsx(
        tmp_path / "s.xlsx", [["储备库", "物资编码", "数量"], ["不存在的库", "123", 1]]
    )
    with qtbot.waitSignal(runner.idle, timeout=20000):
        dialog.set_path(path)
    text = cells(dialog)[0][3]
    assert "未知储备库：不存在的库" in text and "物资编码应为 7 位数字" in text
    dialog.reject()
    assert shelters(check_db) == shelters(check_db)


def test_export_interactive_reports_the_count(
    qtbot: Any,
    ui_db: Database,
    runner: TaskRunner,
    gui_guard: GuiThreadGuard,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QWidget

    session = make_session(ui_db, runner)
    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "避难场所"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "GeoJSON (*.geojson *.json)")
    )
    with qtbot.waitSignal(runner.idle, timeout=20000):
        export_register_interactive(session, "shelters", parent)
    box = parent.findChild(QMessageBox, "register_export_result")
    assert box is not None and box.text().startswith("已导出 ")
    assert (tmp_path / "避难场所.geojson").is_file()
    box.close()


def test_export_into_a_missing_folder_says_why_in_chinese(
    qtbot: Any,
    ui_db: Database,
    runner: TaskRunner,
    gui_guard: GuiThreadGuard,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtWidgets import QWidget

    session = make_session(ui_db, runner)
    parent = QWidget()
    qtbot.addWidget(parent)
    target = tmp_path / "没有这个文件夹" / "避难场所.xlsx"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Excel 工作簿 (*.xlsx)")
    )
    with qtbot.waitSignal(runner.idle, timeout=20000):
        export_register_interactive(session, "shelters", parent)
    box = parent.findChild(QMessageBox, "register_export_result")
    assert box is not None
    assert "文件夹不存在" in box.text() and "No such file" not in box.text()
    box.close()
