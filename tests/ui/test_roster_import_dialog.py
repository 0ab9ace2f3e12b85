"""The roster import preview dialog: people not in the staff list, the box that
adds them, and the import through the roster calendar on the demo database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import Staff
from app.services.roster import RosterService
from app.services.roster_import import RosterPreview, preview_roster
from app.ui.roster.import_dialog import ImportDialog
from app.ui.roster.panel import RosterPanel
from app.ui.tasks import TaskRunner
from tests.ui.conftest import GuiThreadGuard, make_session

HEADER = ["日期", "班次", "带班领导", "值班员"]


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def known(db: Database, role: str) -> list[str]:
    with db.read_session() as s:
        return sorted(
            s.scalars(select(Staff.name).where(Staff.role == role, Staff.active.is_(True)))
        )


def new_people_file(db: Database, tmp_path: Path, *extra: Sequence[object]) -> Path:
    leader, officer = known(db, "leader")[0], known(db, "officer")[0]
    rows = [
        HEADER,
        ["2031-12-01", "", "新领导甲 13800000001", f"测试员䶮（13900000002）、{officer}"],
        ["2031-12-02", "", leader, "测试员䶮、新人丙"],
        *extra,
    ]
    return write_csv(tmp_path / "roster.csv", rows)


def cells(table: Any) -> list[list[str]]:
    return [
        [table.item(r, c).text() for c in range(table.columnCount())]
        for r in range(table.rowCount())
    ]


@pytest.fixture
def preview(check_db: Database, tmp_path: Path) -> RosterPreview:
    return preview_roster(check_db, new_people_file(check_db, tmp_path))


def test_new_people_are_listed_and_the_box_enables_import(
    qtbot: Any, preview: RosterPreview, tmp_path: Path
) -> None:
    dialog = ImportDialog(preview)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.people_table is not None and dialog.add_people_box is not None
    assert cells(dialog.people_table) == [
        ["新领导甲", "带班领导", "13800000001", "2"],
        ["测试员䶮", "值班员", "13900000002", "2、3"],
        ["新人丙", "值班员", "—", "3"],
    ]
    assert dialog.add_people_box.text() == "添加这些人员到人员与AB岗"
    assert not dialog.add_people_box.isChecked()
    assert not dialog.import_button.isEnabled()
    assert dialog.summary.text() == "roster.csv:可导入 0 个班次,2 行有错误。"
    assert cells(dialog.table)[0][6] == "C 列：未知人员: 新领导甲；D 列：未知人员: 测试员䶮"
    assert dialog.grab().save(str(tmp_path / "unticked.png"))

    dialog.add_people_box.setChecked(True)
    assert dialog.import_button.isEnabled() and dialog.add_unknown()
    assert dialog.summary.text() == "roster.csv:可导入 2 个班次,0 行有错误。"
    assert [row[6] for row in cells(dialog.table)] == ["", ""]
    assert dialog.grab().save(str(tmp_path / "ticked.png"))


def test_other_errors_keep_import_off_even_with_the_box_ticked(
    qtbot: Any, check_db: Database, tmp_path: Path
) -> None:
    path = new_people_file(check_db, tmp_path, ["2031-13-03", "", "新领导甲", "新人丙"])
    dialog = ImportDialog(preview_roster(check_db, path))
    qtbot.addWidget(dialog)
    assert dialog.add_people_box is not None
    dialog.add_people_box.setChecked(True)
    assert not dialog.import_button.isEnabled()
    rows = cells(dialog.table)
    assert rows[-1][0] == "4" and rows[-1][6] == "A 列：日期无法识别: 2031-13-03"


def test_a_file_without_new_people_has_no_box(
    qtbot: Any, check_db: Database, tmp_path: Path
) -> None:
    leader, officer = known(check_db, "leader")[0], known(check_db, "officer")[0]
    path = write_csv(tmp_path / "ok.csv", [HEADER, ["2031-12-01", "", leader, officer]])
    dialog = ImportDialog(preview_roster(check_db, path))
    qtbot.addWidget(dialog)
    assert dialog.add_people_box is None and not dialog.add_unknown()
    assert dialog.findChild(object, "new_people_group") is None
    assert dialog.import_button.isEnabled()


@pytest.fixture
def panel(
    qtbot: Any, ui_db: Database, runner: TaskRunner, gui_guard: GuiThreadGuard
) -> Iterator[RosterPanel]:
    p = RosterPanel(make_session(ui_db, runner, "值班员甲"))
    qtbot.addWidget(p)
    p.resize(1400, 900)
    p.show()
    with qtbot.waitSignal(p.loaded, timeout=15000):
        p.refresh()
    yield p
    p.close()


def test_import_with_new_people_through_the_calendar(
    panel: RosterPanel, check_db: Database, qtbot: Any, tmp_path: Path
) -> None:
    cal = panel.calendar
    cal.open_import(new_people_file(check_db, tmp_path))
    qtbot.waitUntil(lambda: cal.import_dialog is not None, timeout=10000)
    dialog = cal.import_dialog
    assert dialog is not None and dialog.add_people_box is not None
    dialog.add_people_box.setChecked(True)
    with qtbot.waitSignal(panel.loaded, timeout=15000):
        dialog.import_button.click()
    assert cal.message.text() == "已导入 2 个班次；已添加到人员与AB岗：新领导甲、测试员䶮、新人丙。"
    with check_db.read_session() as s:
        added = dict(
            s.execute(
                select(Staff.name, Staff.phone).where(
                    Staff.name.in_(["新领导甲", "测试员䶮", "新人丙"])
                )
            ).all()
        )
    assert added == {"新领导甲": "13800000001", "测试员䶮": "13900000002", "新人丙": None}
    qtbot.waitUntil(lambda: "测试员䶮" in {s.name for s in cal.staff}, timeout=10000)
    shifts = RosterService(check_db).shifts_between(
        *(sh.starts_at for sh in (dialog.preview.pending[0], dialog.preview.pending[-1]))
    )
    assert shifts and {p.name for p in shifts[0].leaders} == {"新领导甲"}
