"""Roster import from real files (XLSX, CSV in UTF-8 / UTF-8 with BOM / GBK), export, CLI."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import ChangeLog, DutyAssignment, DutyShift, Staff
from app.domain.access import Role
from app.domain.enums import StaffRole
from app.services.access import AccessService
from app.services.demo import DEMO_PASSWORD
from app.services.roster import RosterService
from app.services.roster_import import (
    UNKNOWN_PERSON,
    RosterImportRejected,
    export_month,
    iter_error_lines,
    parse_date,
    parse_time,
    preview_roster,
    split_names,
    split_people,
)
from app.services.staff import StaffDraft, StaffService
from tests.conftest import ACTOR, SITE

pytestmark = pytest.mark.dates  # runs at every frozen moment too

ROOT = Path(__file__).resolve().parents[2]
CST = ZoneInfo("Asia/Shanghai")
HEADER = ["日期", "班次", "带班领导", "值班员"]
Row = Sequence[object]


@pytest.fixture
def demo_db(demo_sqlite_url: URL) -> Iterator[Database]:
    db = Database(demo_sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def names(demo_db: Database) -> dict[str, list[str]]:
    """Active demo staff names by role."""
    with demo_db.read_session() as s:
        rows = s.execute(select(Staff.name, Staff.role).where(Staff.active.is_(True))).all()
    out: dict[str, list[str]] = {}
    for name, role in sorted(rows):
        out.setdefault(role, []).append(name)
    assert len(out[StaffRole.LEADER.value]) >= 2 and len(out[StaffRole.OFFICER.value]) >= 4
    return out


def write_xlsx(path: Path, rows: Sequence[Row]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Row], encoding: str) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def counts(db: Database) -> tuple[int, int, int]:
    with db.read_session() as s:
        return (
            s.scalar(select(func.count()).select_from(DutyShift)) or 0,
            s.scalar(select(func.count()).select_from(DutyAssignment)) or 0,
            s.scalar(select(func.count()).select_from(ChangeLog)) or 0,
        )


def good_rows(names: dict[str, list[str]]) -> list[Row]:
    leaders, officers = names["leader"], names["officer"]
    return [
        HEADER,
        ["2031-12-01", "", leaders[0], f"{officers[0]}、{officers[1]}"],
        ["2031/12/2", "", leaders[1], f"{officers[2]},{officers[3]}"],
        ["2031年12月3日", "", leaders[0], f"{officers[0]}，{officers[2]}"],
        ["2031.12.4", "", leaders[1], f"{officers[1]}  {officers[3]}"],
    ]


# -- formats -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_imports(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path, encoding: str
) -> None:
    path = write_csv(tmp_path / "roster.csv", good_rows(names), encoding)
    before = counts(demo_db)
    preview = preview_roster(demo_db, path)
    assert preview.errors == ()
    assert [sh.row for sh in preview.shifts] == [2, 3, 4, 5]
    assert [sh.day for sh in preview.shifts] == [date(2031, 12, d) for d in (1, 2, 3, 4)]
    first = preview.shifts[0]
    assert first.starts_at == datetime(2031, 12, 1, 8, 30, tzinfo=CST)
    assert first.ends_at == datetime(2031, 12, 2, 8, 30, tzinfo=CST)
    assert [p.name for p in first.leaders] == [names["leader"][0]]
    assert [p.name for p in first.officers] == names["officer"][:2]
    assert [p.name for p in preview.shifts[3].officers] == [
        names["officer"][1],
        names["officer"][3],
    ]
    changes = preview.apply(actor=ACTOR, site=SITE)
    assert len(changes) == 4 + 12
    after = counts(demo_db)
    assert after[0] - before[0] == 4 and after[1] - before[1] == 12
    shifts = RosterService(demo_db).shifts_between(
        datetime(2031, 12, 1, tzinfo=CST), datetime(2031, 12, 6, tzinfo=CST)
    )
    assert [sh.label for sh in shifts] == [f"12月{d}日 值班" for d in (1, 2, 3, 4)]
    assert all(sh.shortfall == {} for sh in shifts)


def test_gbk_file_is_never_read_as_utf8_mojibake(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "gbk.csv", good_rows(names), "gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    preview = preview_roster(demo_db, path)
    assert preview.ok
    assert preview.shifts[0].leaders[0].name == names["leader"][0]


def test_xlsx_with_title_row_date_cells_fullwidth_headers_and_times(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leaders, officers = names["leader"], names["officer"]
    rows: list[Row] = [
        ["萧县应急管理局 2031年12月 值班表"],
        [],
        [" 日 期 ", "班次", "带班领导：", "值班人员", "开始时间", "结束时间", "星期"],
        [date(2031, 12, 1), "白班", leaders[0], f"{officers[0]} {officers[1]}", None, None, "一"],
        [datetime(2031, 12, 1), "夜班", leaders[1], f"{officers[2]}、{officers[3]}", "", "", ""],
        ["2031-12-02", "应急加班", leaders[0], officers[0], time(9, 0), "13时30分", ""],
        [None, None, None, None, None, None, None],  # a blank row between data rows
        ["2031-12-02", "夜间值守", leaders[1], officers[1], "20:00", "8:00", ""],
    ]
    path = write_xlsx(tmp_path / "roster.xlsx", rows)
    preview = preview_roster(demo_db, path)
    assert preview.errors == ()
    assert preview.skipped_empty == 1
    spans = [(sh.row, sh.shift_name, sh.starts_at, sh.ends_at) for sh in preview.shifts]
    d1, d2 = datetime(2031, 12, 1, tzinfo=CST), datetime(2031, 12, 2, tzinfo=CST)
    h = timedelta(hours=1)
    assert spans == [
        (4, "白班", d1 + 8.5 * h, d1 + 20.5 * h),
        (5, "夜班", d1 + 20.5 * h, d2 + 8.5 * h),
        (6, "应急加班", d2 + 9 * h, d2 + 13.5 * h),
        (8, "夜间值守", d2 + 20 * h, d2 + 32 * h),
    ]
    preview.apply(actor=ACTOR, site=SITE)
    assert preview_roster(demo_db, path).errors[0].message == "该班次已存在"


def test_excel_serial_numbers_and_date_formats() -> None:
    assert parse_date(46357) == date(2026, 12, 1)
    for text in ("2026-12-01", "2026/12/1", "2026年12月1日", "2026.12.1", "20261201", "2026-12-1"):
        assert parse_date(text) == date(2026, 12, 1), text
    assert parse_date("２０２６－１２－０１") == date(2026, 12, 1)  # fullwidth digits
    assert parse_date("2026-02-30") is None
    assert parse_date("12月1日") is None
    assert parse_time("８：３０") == time(8, 30)
    assert parse_time("24:00") == time(0, 0)
    assert parse_time("25:00") is None
    assert parse_time(0.5) == time(12, 0)


def test_names_split_on_every_separator_but_keep_an_aligned_name() -> None:
    assert split_names("张三、李四,王五，赵六;钱七 孙八\u3000周九") == [
        "张三",
        "李四",
        "王五",
        "赵六",
        "钱七",
        "孙八",
        "周九",
    ]
    assert split_names("王 芳、李四", known={"王芳"}) == ["王芳", "李四"]
    assert split_names("赵 六、钱 小 七、孙八 周九") == ["赵六", "钱小七", "孙八", "周九"]
    assert split_people("张三 138-0000-0001、李四（139 0000 0002）、13700000003 王五、赵六") == [
        ("张三", "13800000001"),
        ("李四", "13900000002"),
        ("王五", "13700000003"),
        ("赵六", None),
    ]
    assert split_names(None) == []


# -- bad input ---------------------------------------------------------------------


def test_every_bad_row_is_reported_and_nothing_is_written(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leaders, officers = names["leader"], names["officer"]
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", leaders[0], f"{officers[0]}、{officers[1]}"],  # 2 fine
        ["2031-12-02", "", leaders[0], f"张三、{officers[1]}"],  # 3 unknown person
        ["2031-12-01", "", leaders[1], officers[2]],  # 4 duplicate of row 2
        ["2031-12-03", "", leaders[1]],  # 5 ragged
        [],  # 6 empty, skipped
        ["2031-13-01", "", leaders[1], officers[2]],  # 7 bad date
        ["", "", leaders[1], officers[2]],  # 8 no date
        ["2031-12-04", "", leaders[1], f"{officers[2]}、{officers[2]}"],  # 9 twice
        ["2031-12-05", "加班", leaders[1], officers[2]],  # 10 no times
        ["2031-12-06", "", "", ""],  # 11 nobody
        ["2031-12-07", "", leaders[1], officers[3], "多余"],  # 12 too many cells
    ]
    path = write_csv(tmp_path / "bad.csv", rows, "utf-8")
    before = counts(demo_db)
    preview = preview_roster(demo_db, path)
    assert not preview.ok
    assert preview.errors_by_row() == {
        3: ["未知人员: 张三"],
        4: ["与第 2 行重复（同一日期和班次）"],
        5: ["本行只有 3 列，表头有 4 列"],
        7: ["日期无法识别: 2031-13-01"],
        8: ["缺少日期"],
        9: [f"同一班次中人员重复: {officers[2]}"],
        10: ["班次“加班”需要填写开始时间和结束时间"],
        11: ["未填写值班人员"],
        12: ["本行有 5 列，多于表头的 4 列"],
    }
    assert preview.skipped_empty == 1
    assert [sh.row for sh in preview.shifts] == [2]
    lines = list(iter_error_lines(preview))
    assert "第 3 行 D 列：未知人员: 张三" in lines
    assert "第 7 行 A 列：日期无法识别: 2031-13-01" in lines
    assert "第 10 行 B 列：班次“加班”需要填写开始时间和结束时间" in lines
    assert "第 11 行：未填写值班人员" in lines
    assert "第 12 行 E 列：本行有 5 列，多于表头的 4 列" in lines
    with pytest.raises(RosterImportRejected) as caught:
        preview.apply(actor=ACTOR, site=SITE)
    assert caught.value.errors == preview.errors
    assert counts(demo_db) == before  # shifts, assignments and change_log unchanged


def test_an_existing_shift_is_refused(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", good_rows(names), "utf-8")
    preview_roster(demo_db, path).apply(actor=ACTOR, site=SITE)
    again = preview_roster(demo_db, path)
    assert {e.message for e in again.errors} == {"该班次已存在"}
    assert [e.row for e in again.errors] == [2, 3, 4, 5]


def test_a_shift_created_between_preview_and_apply_is_refused_too(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "r.csv", good_rows(names), "utf-8")
    first, second = preview_roster(demo_db, path), preview_roster(demo_db, path)
    first.apply(actor=ACTOR, site=SITE)
    before = counts(demo_db)
    with pytest.raises(RosterImportRejected) as caught:
        second.apply(actor=ACTOR, site=SITE)
    assert {e.message for e in caught.value.errors} == {"该班次已存在"}
    assert counts(demo_db) == before


def test_inactive_staff_are_unknown(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    from app.data.uow import UnitOfWork

    gone = names["officer"][0]
    with UnitOfWork(demo_db, actor=ACTOR, site=SITE) as uow:
        staff = uow.session.scalars(select(Staff).where(Staff.name == gone)).one()
        staff.active = False
        uow.commit()
    path = write_csv(tmp_path / "r.csv", good_rows(names), "utf-8")
    preview = preview_roster(demo_db, path)
    assert preview.errors_by_row() == {2: [f"未知人员: {gone}"], 4: [f"未知人员: {gone}"]}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "找不到表头"),
        ("姓名,电话\r\n张三,123\r\n".encode(), "找不到表头"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "不支持旧版 Excel"),
        (b"PK\x03\x04 not really a zip", "无法读取 Excel 文件"),
        (b"\x80\x81\xff\xfe" * 10, "无法识别文件编码"),  # neither UTF-8 nor GB18030, no BOM
        ("日期,班次,带班领导,值班员\r\n".encode(), "文件中没有值班记录"),
    ],
)
def test_unreadable_files_give_one_file_error(
    demo_db: Database, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    preview = preview_roster(demo_db, path)
    assert len(preview.errors) == 1
    assert preview.errors[0].row == 0
    assert message in preview.errors[0].message


def test_missing_file(demo_db: Database, tmp_path: Path) -> None:
    preview = preview_roster(demo_db, tmp_path / "nope.xlsx")
    assert preview.errors[0].row == 0 and "文件不存在" in preview.errors[0].message


def test_warnings_from_the_roster_checks(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leaders, officers = names["leader"], names["officer"]
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", leaders[0], officers[0]],  # one officer short
        ["2031-12-02", "", leaders[0], f"{officers[1]}、{officers[2]}"],  # leader again: 0 h rest
    ]
    preview = preview_roster(demo_db, write_csv(tmp_path / "w.csv", rows, "utf-8"))
    assert preview.ok
    assert [w.code for w in preview.warnings] == ["understaffed", "short_rest"]


# -- what offices really send ---------------------------------------------------------


def add_person(db: Database, name: str, role: str = "officer", phone: str = "") -> None:
    StaffService(db).create(StaffDraft(name=name, role=role, phone=phone), actor=ACTOR, site=SITE)


def staff_rows(db: Database) -> dict[str, tuple[str, str | None, bool]]:
    """Every person by name: (role, phone, is_demo)."""
    with db.read_session() as s:
        rows = s.execute(select(Staff.name, Staff.role, Staff.phone, Staff.is_demo)).all()
    return {name: (role, phone, demo) for name, role, phone, demo in rows}


def excel_day(day: date) -> int:
    return (day - date(1899, 12, 30)).days


def test_gb18030_csv_with_a_name_outside_gbk(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    add_person(demo_db, "测试员䶮")
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", names["leader"][0], f"测试员䶮、{names['officer'][0]}"],
    ]
    path = write_csv(tmp_path / "gb18030.csv", rows, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("gbk")
    preview = preview_roster(demo_db, path)
    assert preview.errors == ()
    assert [p.name for p in preview.shifts[0].officers] == ["测试员䶮", names["officer"][0]]


def test_merged_cells_apply_to_every_row_they_cover(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    """带班领导 merged over three days, 值班员 header merged over two columns
    (one name in each), a merged title row above the header, and a note row."""
    leaders, officers = names["leader"], names["officer"]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in [
        ["萧县应急管理局 2031年12月值班表", None, None, None, None],
        ["日期", "班次", "带班领导", "值班员", None],
        ["2031-12-01", "", leaders[0], officers[0], officers[1]],
        ["2031-12-02", "", None, officers[2], officers[3]],
        ["2031-12-03", "", None, officers[0], officers[2]],
        ["2031-12-04", "", leaders[1], officers[1], officers[3]],
        ["注：交接班时间为每日 8:30", None, None, None, None],
    ]:
        ws.append(row)
    for rng in ("A1:E1", "D2:E2", "C3:C5", "A7:E7"):
        ws.merge_cells(rng)
    path = tmp_path / "merged.xlsx"
    wb.save(path)
    preview = preview_roster(demo_db, path)
    assert preview.errors == ()
    assert [[p.name for p in sh.leaders] for sh in preview.shifts] == [
        [leaders[0]],
        [leaders[0]],
        [leaders[0]],
        [leaders[1]],
    ]
    assert [p.name for p in preview.shifts[1].officers] == [officers[2], officers[3]]
    assert preview.notes == ((7, "注：交接班时间为每日 8:30"),)
    preview.apply(actor=ACTOR, site=SITE)
    shifts = RosterService(demo_db).shifts_between(
        datetime(2031, 12, 1, tzinfo=CST), datetime(2031, 12, 5, tzinfo=CST)
    )
    assert [[p.name for p in sh.leaders] for sh in shifts][:3] == [[leaders[0]]] * 3


def test_day_numbers_full_width_dates_and_a_wrong_dimension(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leaders, officers = names["leader"], names["officer"]
    rows: list[Row] = [
        HEADER,
        [excel_day(date(2031, 12, 1)), "", leaders[0], officers[0]],
        ["２０３１－１２－０２", "", leaders[1], officers[1]],
        ["2031年12月３日", "", leaders[0], officers[2]],
    ]
    path = write_xlsx(tmp_path / "days.xlsx", rows)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(
        r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', sheet
    ).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    preview = preview_roster(demo_db, path)
    assert preview.errors == ()
    assert [sh.day for sh in preview.shifts] == [date(2031, 12, d) for d in (1, 2, 3)]


def test_names_differing_in_width_or_spaces_are_one_person(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    add_person(demo_db, "王芳")
    add_person(demo_db, "Lisa Wong")
    leader = names["leader"][0]
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", leader, "王 芳、Ｌｉｓａ Ｗｏｎｇ"],
        ["2031-12-02", "", leader, "王\u3000芳 13800000000"],
    ]
    preview = preview_roster(demo_db, write_csv(tmp_path / "w.csv", rows, "utf-8"))
    assert preview.errors == () and preview.new_people == ()
    assert [[p.name for p in sh.officers] for sh in preview.shifts] == [
        ["王芳", "Lisa Wong"],
        ["王芳"],
    ]
    before = staff_rows(demo_db)
    preview.apply(actor=ACTOR, site=SITE, add_unknown=True)
    assert staff_rows(demo_db) == before  # nobody added twice


def test_new_people_are_listed_and_added_with_the_shifts(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leaders, officers = names["leader"], names["officer"]
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", "新领导甲 13800000001", f"新人乙（13900000002）、{officers[0]}"],
        ["2031-12-02", "", leaders[0], "新人乙、新人丙"],
        ["2031-12-03", "", leaders[1], f"{officers[1]}、{officers[2]}"],
    ]
    path = write_xlsx(tmp_path / "new.xlsx", rows)
    before = counts(demo_db)
    preview = preview_roster(demo_db, path)
    assert [(p.name, p.role, p.phone, p.rows) for p in preview.new_people] == [
        ("新领导甲", "leader", "13800000001", (2,)),
        ("新人乙", "officer", "13900000002", (2, 3)),
        ("新人丙", "officer", None, (3,)),
    ]
    assert {e.kind for e in preview.errors} == {UNKNOWN_PERSON}
    assert [str(e) for e in preview.errors] == [
        "第 2 行 C 列：未知人员: 新领导甲",
        "第 2 行 D 列：未知人员: 新人乙",
        "第 3 行 D 列：未知人员: 新人乙",
        "第 3 行 D 列：未知人员: 新人丙",
    ]
    assert [sh.row for sh in preview.shifts] == [4]
    assert [sh.row for sh in preview.pending] == [2, 3]
    assert not preview.can_apply() and preview.can_apply(add_unknown=True)
    # Without the option: refused as before, nothing written.
    with pytest.raises(RosterImportRejected):
        preview.apply(actor=ACTOR, site=SITE)
    assert counts(demo_db) == before
    changes = preview.apply(actor=ACTOR, site=SITE, add_unknown=True)
    assert len(changes.ids("staff")) == 3
    staff = staff_rows(demo_db)
    assert staff["新领导甲"] == ("leader", "13800000001", False)
    assert staff["新人乙"] == ("officer", "13900000002", False)
    assert staff["新人丙"] == ("officer", None, False)
    shifts = RosterService(demo_db).shifts_between(
        datetime(2031, 12, 1, tzinfo=CST), datetime(2031, 12, 4, tzinfo=CST)
    )
    assert [
        (sorted(p.name for p in sh.leaders), sorted(p.name for p in sh.officers)) for sh in shifts
    ] == [
        (["新领导甲"], sorted(["新人乙", officers[0]])),
        ([leaders[0]], ["新人丙", "新人乙"]),
        ([leaders[1]], sorted([officers[1], officers[2]])),
    ]
    assert counts(demo_db)[:2] == (before[0] + 3, before[1] + 9)
    # The same file again: the people are known now, the shifts exist.
    again = preview_roster(demo_db, path)
    assert again.new_people == ()
    assert {e.message for e in again.errors} == {"该班次已存在"}


def test_a_row_error_elsewhere_means_nobody_is_added(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", names["leader"][0], "新人乙 13900000002"],
        ["2031-13-02", "", names["leader"][1], names["officer"][0]],
    ]
    preview = preview_roster(demo_db, write_csv(tmp_path / "r.csv", rows, "utf-8"))
    assert [p.name for p in preview.new_people] == ["新人乙"]
    assert not preview.can_apply(add_unknown=True)
    before, people = counts(demo_db), staff_rows(demo_db)
    with pytest.raises(RosterImportRejected) as caught:
        preview.apply(actor=ACTOR, site=SITE, add_unknown=True)
    assert [str(e) for e in caught.value.errors] == ["第 3 行 A 列：日期无法识别: 2031-13-02"]
    assert counts(demo_db) == before and staff_rows(demo_db) == people


def test_a_new_name_with_two_phones_is_for_the_user_to_resolve(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leader = names["leader"][0]
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", leader, "新人乙 13900000002"],
        ["2031-12-02", "", leader, "新人乙(13900000003)"],
        ["2031-12-03", "", leader, "新人乙"],
    ]
    preview = preview_roster(demo_db, write_csv(tmp_path / "r.csv", rows, "utf-8"))
    blocking = [str(e) for e in preview.blocking(add_unknown=True)]
    listed = "13900000002（第 2 行 D 列）、13900000003（第 3 行 D 列）"
    assert blocking == [
        f"第 2 行 D 列：新人乙 的电话不一致：{listed}，请改为同一个",
        f"第 3 行 D 列：新人乙 的电话不一致：{listed}，请改为同一个",
    ]
    assert not preview.can_apply(add_unknown=True)


def test_phone_columns_belong_to_the_names_left_of_them(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    officer = names["officer"][0]
    rows: list[Row] = [
        ["日期", "带班领导", "电话", "值班员", "联系电话"],
        ["2031-12-01", "赵新", 13800000003, f"钱新、{officer}、孙新", "13800000004、、13800000005"],
        ["2031-12-02", "赵新", 1.3800000003e10, f"钱新、{officer}", "13800000004"],  # 2 names
    ]
    preview = preview_roster(demo_db, write_xlsx(tmp_path / "p.xlsx", rows))
    assert [(p.name, p.role, p.phone) for p in preview.new_people] == [
        ("赵新", "leader", "13800000003"),
        ("钱新", "officer", "13800000004"),
        ("孙新", "officer", "13800000005"),
    ]
    preview.apply(actor=ACTOR, site=SITE, add_unknown=True)
    assert staff_rows(demo_db)["孙新"] == ("officer", "13800000005", False)


def test_someone_adding_the_person_first_refuses_the_import(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    rows: list[Row] = [HEADER, ["2031-12-01", "", names["leader"][0], "新人乙"]]
    preview = preview_roster(demo_db, write_csv(tmp_path / "r.csv", rows, "utf-8"))
    add_person(demo_db, "新人乙", phone="13900000002")  # another seat, meanwhile
    before = counts(demo_db)
    with pytest.raises(RosterImportRejected) as caught:
        preview.apply(actor=ACTOR, site=SITE, add_unknown=True)
    assert [e.message for e in caught.value.errors] == [
        "人员与AB岗中已有同名人员（刚由他人添加）: 新人乙"
    ]
    assert counts(demo_db) == before
    assert list(staff_rows(demo_db)).count("新人乙") == 1


# -- export ------------------------------------------------------------------------


def test_export_month_and_import_it_again(
    demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    leaders, officers = names["leader"], names["officer"]
    rows: list[Row] = [
        [*HEADER, "开始时间", "结束时间"],
        ["2031-11-30", "", leaders[0], f"{officers[0]}、{officers[1]}", "", ""],  # not December
        ["2031-12-01", "白班", leaders[0], f"{officers[0]}、{officers[1]}", "", ""],
        ["2031-12-01", "夜班", leaders[1], officers[2], "", ""],
        ["2031-12-31", "", leaders[1], f"{officers[2]}、{officers[3]}", "", ""],
    ]
    preview_roster(demo_db, write_csv(tmp_path / "in.csv", rows, "utf-8")).apply(
        actor=ACTOR, site=SITE
    )
    out = tmp_path / "2031-12.xlsx"
    assert export_month(demo_db, 2031, 12, out) == 3
    wb = load_workbook(out, read_only=True)
    got = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    assert got[0] == ["日期", "班次", "开始", "结束", "带班领导", "值班员", "人员配置"]
    assert got[1][0] == datetime(2031, 12, 1)
    assert got[1][1:] == [
        "白班",
        datetime(2031, 12, 1, 8, 30),
        datetime(2031, 12, 1, 20, 30),
        leaders[0],
        f"{officers[0]}、{officers[1]}",
        "满足",
    ]
    assert got[2][1] == "夜班" and got[2][6] == "缺值班员1人"
    assert got[3][1] == "值班" and got[3][3] == datetime(2032, 1, 1, 8, 30)
    # The export imports into another database as the same shifts.
    other = Database(f"sqlite+pysqlite:///{tmp_path / 'other.sqlite3'}")
    upgrade(other)
    try:
        from app.data.uow import UnitOfWork

        with demo_db.read_session() as s:
            staff = s.scalars(select(Staff)).all()
        with UnitOfWork(other, actor=ACTOR, site=SITE) as uow:
            uow.bulk_insert(
                Staff, [{"name": st.name, "role": st.role, "active": True} for st in staff]
            )
            uow.commit()
        again = preview_roster(other, out)
        assert again.errors == ()
        assert [(sh.starts_at, sh.ends_at) for sh in again.shifts] == [
            (datetime(2031, 12, 1, 8, 30, tzinfo=CST), datetime(2031, 12, 1, 20, 30, tzinfo=CST)),
            (datetime(2031, 12, 1, 20, 30, tzinfo=CST), datetime(2031, 12, 2, 8, 30, tzinfo=CST)),
            (datetime(2031, 12, 31, 8, 30, tzinfo=CST), datetime(2032, 1, 1, 8, 30, tzinfo=CST)),
        ]
    finally:
        other.dispose()


def test_export_month_keeps_formula_like_names_as_text_and_fits_widths(
    demo_db: Database, tmp_path: Path
) -> None:
    """A person typed as "=1+1 测试员" stays text in the export; columns fit Chinese."""
    staff = StaffService(demo_db)
    odd = staff.create(StaffDraft(name="=1+1 测试员", role="leader"), actor=ACTOR, site=SITE)
    plus = staff.create(StaffDraft(name="+86 值班员", role="officer"), actor=ACTOR, site=SITE)
    rows: list[Row] = [
        [*HEADER],
        ["2031-12-02", "", odd.name, plus.name],
    ]
    preview_roster(demo_db, write_csv(tmp_path / "in.csv", rows, "utf-8")).apply(
        actor=ACTOR, site=SITE
    )
    out = tmp_path / "odd.xlsx"
    assert export_month(demo_db, 2031, 12, out) == 1
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    leader, officer = ws.cell(2, 5), ws.cell(2, 6)
    assert (leader.value, leader.data_type) == ("=1+1 测试员", "s")
    assert (officer.value, officer.data_type) == ("+86 值班员", "s")
    # 带班领导 holds 11 columns' worth of text: wider than the default 8.43.
    assert (ws.column_dimensions["E"].width or 0) >= 11
    assert ws.cell(1, 1).font.b  # the header row is styled as a header


def test_import_on_postgresql(
    migrated_db: Database, tmp_path: Path, names: dict[str, list[str]]
) -> None:
    """The same writes on both backends (staff copied from the demo names)."""
    from app.data.uow import UnitOfWork

    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        uow.bulk_insert(
            Staff,
            [{"name": n, "role": role, "active": True} for role, ns in names.items() for n in ns],
        )
        uow.commit()
    preview = preview_roster(migrated_db, write_csv(tmp_path / "r.csv", good_rows(names), "gbk"))
    assert preview.ok
    preview.apply(actor=ACTOR, site=SITE)
    assert counts(migrated_db)[:2] == (4, 12)
    assert {e.message for e in preview_roster(migrated_db, preview.source).errors} == {
        "该班次已存在"
    }


# -- the command line ----------------------------------------------------------------


def _bootstrap_routes_import() -> bool:
    return "cli_import" in (ROOT / "app" / "bootstrap.py").read_text(encoding="utf-8") or (
        "cli_import" in (ROOT / "main.py").read_text(encoding="utf-8")
    )


ENTRY_POINTS = [
    pytest.param(["-m", "app.cli_import"], id="module"),
    pytest.param(
        ["main.py", "import"],
        id="main.py",
        marks=pytest.mark.skipif(
            not _bootstrap_routes_import(), reason="main.py does not route 'import' yet"
        ),
    ),
]


def cli_signer(db: Database, *, admin: bool = False) -> str:
    """A demo leader who signs the command's writes (demo password); with
    ``admin`` also 系统管理员 (needed to add people to the staff list)."""
    leader = next(c for c in AccessService(db).choices(db.clock()) if Role.LEADER in c.roles)
    if admin:
        AccessService(db).grant(leader.staff_id, Role.ADMIN, "导入值班表时添加人员")
    return leader.name


def run_cli(
    entry: list[str], *args: str, db: URL, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", XCC_PASSWORD=DEMO_PASSWORD)
    signer = ["--user", user] if user else []
    return subprocess.run(
        [sys.executable, *entry, "roster", *args, *signer, "--db", db.render_as_string(False)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.mark.real_clock
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_cli_exit_codes(
    entry: list[str],
    demo_sqlite_url: URL,
    demo_db: Database,
    names: dict[str, list[str]],
    tmp_path: Path,
) -> None:
    good = write_csv(tmp_path / "good.csv", good_rows(names), "gbk")
    bad_rows = [*good_rows(names), ["2031-12-09", "", "张三", names["officer"][0]]]
    bad = write_xlsx(tmp_path / "bad.xlsx", bad_rows)
    before = counts(demo_db)

    dry = run_cli(entry, str(good), "--dry-run", db=demo_sqlite_url)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "可导入的班次: 4" in dry.stdout and "未写入" in dry.stdout
    assert counts(demo_db)[:2] == before[:2]  # sign-ins are logged

    user = cli_signer(demo_db)
    rejected = run_cli(entry, str(bad), db=demo_sqlite_url, user=user)
    assert rejected.returncode == 1, rejected.stdout + rejected.stderr
    assert "第 6 行 C 列：未知人员: 张三" in rejected.stdout
    assert counts(demo_db)[:2] == before[:2]  # sign-ins are logged

    # Writing is signed by a person: without one, or with a wrong password, nothing.
    unsigned = run_cli(entry, str(good), db=demo_sqlite_url)
    assert unsigned.returncode == 77 and "--user" in unsigned.stderr
    assert counts(demo_db)[:2] == before[:2]  # sign-ins are logged

    written = run_cli(entry, str(good), db=demo_sqlite_url, user=user)
    assert written.returncode == 0, written.stdout + written.stderr
    assert "已写入 4 个班次" in written.stdout
    assert counts(demo_db)[:2] == (before[0] + 4, before[1] + 12)
    with demo_db.read_session() as s:
        signed = s.execute(
            select(ChangeLog.actor, ChangeLog.role)
            .where(ChangeLog.entity_type == "duty_shift")
            .order_by(ChangeLog.seq.desc())
            .limit(1)
        ).one()
    assert signed.actor == user and "leader" in (signed.role or "")

    again = run_cli(entry, str(good), db=demo_sqlite_url, user=user)
    assert again.returncode == 1 and "该班次已存在" in again.stdout

    missing = run_cli(entry, str(tmp_path / "none.csv"), db=demo_sqlite_url, user=user)
    assert missing.returncode == 1 and "文件不存在" in missing.stdout


@pytest.mark.real_clock
def test_cli_adds_unknown_people_from_a_gb18030_csv(
    demo_sqlite_url: URL, demo_db: Database, names: dict[str, list[str]], tmp_path: Path
) -> None:
    rows: list[Row] = [
        HEADER,
        ["2031-12-01", "", names["leader"][0], f"测试员䶮 13800000009、{names['officer'][0]}"],
    ]
    path = write_csv(tmp_path / "gb18030.csv", rows, "gb18030")
    before = counts(demo_db)
    entry = ["main.py", "import"]

    user = cli_signer(demo_db)
    refused = run_cli(entry, str(path), db=demo_sqlite_url, user=user)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "第 2 行 D 列：未知人员: 测试员䶮" in refused.stdout
    assert "新人员 测试员䶮（值班员，电话 13800000009；第 2 行）" in refused.stdout
    assert "--add-unknown" in refused.stdout
    assert counts(demo_db)[:2] == before[:2] and "测试员䶮" not in staff_rows(demo_db)

    # A leader may edit the roster but not the staff list: refused, recorded.
    not_admin = run_cli(entry, str(path), "--add-unknown", db=demo_sqlite_url, user=user)
    assert not_admin.returncode == 77, not_admin.stdout + not_admin.stderr
    assert "无权编辑人员与AB岗" in not_admin.stderr
    assert counts(demo_db)[:2] == before[:2]  # sign-ins are logged
    user = cli_signer(demo_db, admin=True)
    added = run_cli(entry, str(path), "--add-unknown", db=demo_sqlite_url, user=user)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "已写入 1 个班次" in added.stdout
    assert "已添加 测试员䶮（值班员，电话 13800000009；第 2 行）" in added.stdout
    assert staff_rows(demo_db)["测试员䶮"] == ("officer", "13800000009", False)
    assert counts(demo_db)[:2] == (before[0] + 1, before[1] + 3)


@pytest.mark.real_clock
def test_cli_database_problems_exit_2_without_traceback(tmp_path: Path) -> None:
    roster = tmp_path / "r.csv"
    roster.write_text("日期,带班领导,值班员\n2031-12-01,某人,某人\n", encoding="utf-8")
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/xcc"
    for db in (f"sqlite+pysqlite:///{broken}", unreachable, "nosuchdriver://x"):
        result = subprocess.run(
            [sys.executable, "-m", "app.cli_import", "roster", str(roster), "--db", db],
            cwd=ROOT,
            env=dict(os.environ, PYTHONIOENCODING="utf-8"),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        assert result.returncode == 2, (db, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert "数据库" in result.stderr


@pytest.mark.real_clock
def test_cli_usage_errors_are_64() -> None:
    from app.cli_import import main

    assert main([]) == 64
    assert main(["roster"]) == 64
    assert main(["staff", "x.csv"]) == 64
