"""Exports hold text exactly as typed: no formulas, no characters that break the file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from app.data.engine import Database
from app.domain.clock import CHINA_TZ, system_clock
from app.domain.intake import IncidentDraft
from app.domain.rules import ShiftPattern
from app.services.duty_report import DutyReportService
from app.services.duty_report import write_xlsx as write_duty_xlsx
from app.services.incident_report import IncidentReportService
from app.services.incident_report import write_xlsx as write_report_xlsx
from app.services.incidents import IncidentService
from app.services.spreadsheet import cell_text

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
