"""Exports hold text exactly as typed: no formulas, no characters that break the file."""

from __future__ import annotations

import csv
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from app.data.engine import Database
from app.domain.clock import CHINA_TZ, system_clock
from app.domain.intake import IncidentDraft
from app.domain.rules import ShiftPattern
from app.services.duty_report import (
    DutyReport,
    DutyReportService,
    ReportCounts,
    ReportIncident,
    report_title,
)
from app.services.duty_report import write_xlsx as write_duty_xlsx
from app.services.incident_report import IncidentReportService
from app.services.incident_report import write_xlsx as write_report_xlsx
from app.services.incidents import IncidentService
from app.services.spreadsheet import (
    cell_text,
    column_widths,
    csv_cell,
    display_width,
    fit_columns,
    replacing,
    row_cells,
    save_workbook,
    set_column_widths,
    write_cell,
    write_csv,
)

FORMULA_TITLE = '=HYPERLINK("http://example.invalid","点击查看")'
WORD_LINE_BREAK = "现场浓烟较大\u000b已疏散群众20人"


def _record(db: Database) -> object:
    now = system_clock()
    return IncidentService(db).record(
        IncidentDraft(
            title=FORMULA_TITLE,
            category="accident",
            incident_type="fire",
            severity="IV",
            source="phone",
            received_at=now,
            description=WORD_LINE_BREAK + "\x00\x1f结束",
            lon=116.95,
            lat=34.19,
        ),
        actor="值班员甲",
        site="center",
        now=now,
    )


def _cells(path: Path) -> list[tuple[object, str]]:
    ws = load_workbook(path).active
    assert ws is not None
    return [(c.value, c.data_type) for row in ws.iter_rows() for c in row if c.value is not None]


def test_the_duty_report_exports_a_pasted_word_line_break_and_a_formula_as_text(
    sqlite_db: Database, tmp_path: Path
) -> None:
    _record(sqlite_db)
    day = ShiftPattern().duty_day(datetime.now(UTC), CHINA_TZ)
    report = DutyReportService(sqlite_db).build(day)
    path = tmp_path / "日报.xlsx"
    write_duty_xlsx(report, path)  # raised IllegalCharacterError before
    cells = _cells(path)
    assert (FORMULA_TITLE, "s") in cells  # the title as typed, not a live formula
    assert not any(kind == "f" for _value, kind in cells)


def test_the_report_text_exports_a_pasted_word_line_break(
    sqlite_db: Database, tmp_path: Path
) -> None:
    incident_id = _record(sqlite_db)
    report = IncidentReportService(sqlite_db).build(incident_id, None, system_clock())  # type: ignore[arg-type]
    path = tmp_path / "初报.xlsx"
    write_report_xlsx(report, path)
    text = "\n".join(str(v) for v, _kind in _cells(path))
    assert "现场浓烟较大" in text and "已疏散群众20人" in text
    assert "\u000b" not in text and "\x00" not in text


def test_cell_text_keeps_the_words_and_the_line_break() -> None:
    assert cell_text(WORD_LINE_BREAK) == "现场浓烟较大\n已疏散群众20人"
    assert cell_text("a\x00b\x1fc\td\ne") == "abc\td\ne"
    assert cell_text("=1+1 测试事项") == "=1+1 测试事项"


# -- one writer: widths, wrapping, literal text, CSV, whole files -------------------


def _sheet() -> tuple[Workbook, Any]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    return wb, ws


def _reopen(wb: Workbook, path: Path) -> Any:
    wb.save(path)
    ws = load_workbook(path).active
    assert ws is not None
    return ws


def test_a_chinese_character_is_two_width_units_and_a_latin_one_one() -> None:
    assert display_width("值班日报") == 8
    assert display_width("duty") == 4
    assert display_width("值班 duty（一）") == 2 * 2 + 1 + 4 + 3 * 2
    assert display_width("短\n这一行长一些") == 12  # the widest line
    assert display_width(None) == 0


def test_columns_fit_chinese_text_twice_as_wide_as_the_same_number_of_letters(
    tmp_path: Path,
) -> None:
    wb, ws = _sheet()
    write_cell(ws, 1, 1, "应急管理局值班")  # 7 characters, 14 units
    write_cell(ws, 1, 2, "abcdefg")  # 7 letters, 7 units
    write_cell(ws, 1, 3, "x")
    fit_columns(ws, min_width=6, max_width=60, padding=2)
    ws = _reopen(wb, tmp_path / "w.xlsx")
    assert ws.column_dimensions["A"].width == 16
    assert ws.column_dimensions["B"].width == 9
    assert ws.column_dimensions["C"].width == 6  # never narrower than the minimum
    assert not ws["A1"].alignment.wrap_text  # one short line: no wrapping


def test_a_multi_line_cell_is_as_wide_as_its_widest_line_and_wraps(tmp_path: Path) -> None:
    wb, ws = _sheet()
    write_cell(ws, 1, 1, "短\v这一行比较长一些")  # Word's line break
    write_cell(ws, 2, 1, "a")
    fit_columns(ws, padding=2)
    ws = _reopen(wb, tmp_path / "m.xlsx")
    assert ws["A1"].value == "短\n这一行比较长一些"
    assert ws.column_dimensions["A"].width == 2 * 8 + 2
    assert ws["A1"].alignment.wrap_text  # Excel shows the two lines
    assert not ws["A2"].alignment.wrap_text


def test_long_text_is_capped_and_wraps(tmp_path: Path) -> None:
    wb, ws = _sheet()
    write_cell(ws, 1, 1, "很长的事项说明" * 20)
    write_cell(ws, 2, 1, "短")
    fit_columns(ws, max_width=40)
    ws = _reopen(wb, tmp_path / "c.xlsx")
    assert ws.column_dimensions["A"].width == 40
    assert ws["A1"].alignment.wrap_text and not ws["A2"].alignment.wrap_text


def test_a_merged_title_does_not_widen_its_columns_and_gets_room_to_wrap(
    tmp_path: Path,
) -> None:
    wb, ws = _sheet()
    write_cell(ws, 1, 1, "萧县应急管理局值班日报" * 6)  # 132 units over two narrow columns
    ws.merge_cells("A1:B1")
    write_cell(ws, 2, 1, "时间")
    write_cell(ws, 2, 2, "事件")
    fit_columns(ws, min_width=10)
    ws = _reopen(wb, tmp_path / "t.xlsx")
    assert ws.column_dimensions["A"].width == ws.column_dimensions["B"].width == 10
    assert ws["A1"].alignment.wrap_text
    assert ws.row_dimensions[1].height >= 15 * 7  # 134 / 20 units: seven lines


def test_write_only_sheets_get_widths_before_their_rows(tmp_path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("值班表")
    header = ["日期", "带班领导", "值班员"]
    rows = [[date(2026, 11, 29), "张三", "李四、王五、赵六"], [date(2026, 11, 30), "-5", "=1+1"]]
    set_column_widths(ws, column_widths([header, *rows], min_width=6, padding=2))
    ws.append(row_cells(ws, header, header=True))
    for row in rows:
        ws.append(row_cells(ws, row))
    path = tmp_path / "wo.xlsx"
    save_workbook(wb, path)
    back = load_workbook(path).active
    assert back is not None
    assert [back.column_dimensions[c].width for c in "ABC"] == [12, 10, 18]
    assert back["A1"].font.bold and back["A1"].fill.fgColor.rgb.endswith("DDE5F0")
    assert (back["B3"].value, back["B3"].data_type) == ("-5", "s")
    assert (back["C3"].value, back["C3"].data_type) == ("=1+1", "s")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-5", "@SUM(A1:A2)", '=HYPERLINK("x","y")'])
def test_text_that_looks_like_a_formula_stays_text_in_xlsx(text: str, tmp_path: Path) -> None:
    wb, ws = _sheet()
    write_cell(ws, 1, 1, text)
    write_cell(ws, 1, 2, -5)  # a real number stays a number
    ws = _reopen(wb, tmp_path / "f.xlsx")
    assert (ws["A1"].value, ws["A1"].data_type) == (text, "s")
    assert (ws["B1"].value, ws["B1"].data_type) == (-5, "n")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_start_like_a_formula_get_an_apostrophe(start: str) -> None:
    assert csv_cell(f"{start}1+2") == f"'{start}1+2"


def test_csv_cells_otherwise_as_typed() -> None:
    assert csv_cell("值班员 =甲") == "值班员 =甲"
    assert csv_cell("'=1") == "'=1"  # already quoted by whoever typed it
    assert csv_cell(-5) == "-5" and csv_cell(2.5) == "2.5"  # numbers stay numbers
    assert csv_cell(None) == ""
    assert csv_cell(date(2026, 11, 29)) == "2026-11-29"
    assert csv_cell(datetime(2026, 11, 29, 8, 30)) == "2026-11-29 08:30"


def test_a_csv_file_is_utf8_with_bom_and_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "值班表.csv"
    rows = [["张三", '=HYPERLINK("x")'], ["李四", "-5"], ["王五", "\t@x"], ["赵六", "\r=1"]]
    assert write_csv(path, rows, header=["姓名", "备注"]) == 4
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel then reads UTF-8, not the ANSI code page
    with path.open(encoding="utf-8-sig", newline="") as f:
        back = list(csv.reader(f))
    assert back == [
        ["姓名", "备注"],
        ["张三", '\'=HYPERLINK("x")'],
        ["李四", "'-5"],
        ["王五", "'\t@x"],
        ["赵六", "'\r=1"],
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["值班表.csv"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "日报.xlsx"
    path.write_bytes(b"yesterday's report")
    with pytest.raises(RuntimeError), replacing(path) as temp:
        temp.write_bytes(b"half")
        raise RuntimeError("disk gone")
    assert path.read_bytes() == b"yesterday's report"
    assert [p.name for p in tmp_path.iterdir()] == ["日报.xlsx"]
    with replacing(path) as temp:
        temp.write_bytes(b"today's report")
    assert path.read_bytes() == b"today's report"
    assert [p.name for p in tmp_path.iterdir()] == ["日报.xlsx"]
    with pytest.raises(OSError):
        save_workbook(Workbook(), tmp_path / "no-such-folder" / "x.xlsx")


def test_the_duty_report_columns_fit_their_chinese_text(tmp_path: Path) -> None:
    now = datetime(2026, 11, 29, 10, 0, tzinfo=CHINA_TZ)
    title = "龙城镇东关村民房起火现场浓烟较大"  # 16 characters: 32 units
    incident = ReportIncident(
        uuid.uuid4(), now, title, "accident", "IV", "handling", False, "龙城镇"
    )
    counts = ReportCounts(1, 1, 0, 0, 1, (("accident", 1),), 0, 0, 1)
    report = DutyReport(now.date(), now, (), (incident,), (), (), counts)
    path = tmp_path / "日报.xlsx"
    write_duty_xlsx(report, path)
    ws = load_workbook(path).active
    assert ws is not None
    assert ws.column_dimensions["B"].width == 34  # the title, not a hand-set guess
    assert ws["A1"].value == report_title(now.date())  # the merged title does not widen A
    assert ws.column_dimensions["A"].width < 20
    header = next(r for r in ws.iter_rows() if r[0].value == "接报时间")
    assert all(c.font.bold for c in header)
