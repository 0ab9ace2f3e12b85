"""Import and export of duty rosters (值班表) as offices make them.

Import reads an XLSX workbook (first sheet) or a CSV file in UTF-8, UTF-8 with
BOM or GBK. The header row is the first row (among the first few, so a title
row above it is fine) naming at least 日期 and 带班领导 or 值班员; headers may
carry spaces, fullwidth characters, a trailing colon or a ``*``.

=========  ==============================================================
日期        2026-12-01, 2026/12/1, 2026年12月1日, 2026.12.1, 20261201, a date cell
班次        optional: 值班/全天/24小时 (default, 24 h from 08:30), 白班 (08:30-20:30),
           夜班 (20:30-08:30 next day); any other name needs 开始时间 and 结束时间
带班领导    the leader(s) on duty
值班员      duty officers, separated by 、 , ， ; or spaces
开始时间    optional, e.g. 8:30, 08:30:00, 8时30分, a time cell
结束时间    optional; at or before the start means the next day
=========  ==============================================================

:func:`preview_roster` reads the file and checks every row against the
database (names must be active staff, the shift must not exist yet) without
writing anything; :meth:`RosterPreview.apply` writes all shifts and
assignments in one unit of work, and only when no row has an error.
Messages are Chinese, for the people who made the spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import DutyAssignment, DutyShift, Staff
from app.data.uow import ChangeSet, UnitOfWork
from app.domain.clock import CHINA_TZ
from app.domain.enums import StaffRole
from app.domain.labels import Family, label
from app.domain.roster_checks import (
    DEFAULT_MIN_REST,
    Overlap,
    RosterPerson,
    RosterShift,
    ShortRest,
    Understaffed,
    people_problems,
    understaffed,
)
from app.domain.rules import StaffingRule
from app.services.demo import SHIFT_HANDOVER
from app.services.roster import RosterService
from app.services.spreadsheet import set_value

# Header spellings (after normalising) -> canonical column.
COL_DATE = "日期"
COL_SHIFT = "班次"
COL_LEADER = "带班领导"
COL_OFFICERS = "值班员"
COL_START = "开始时间"
COL_END = "结束时间"
_HEADER_ALIASES: dict[str, str] = {
    "日期": COL_DATE,
    "值班日期": COL_DATE,
    "班次": COL_SHIFT,
    "班别": COL_SHIFT,
    "带班领导": COL_LEADER,
    "值班领导": COL_LEADER,
    "带班": COL_LEADER,
    "值班员": COL_OFFICERS,
    "值班人员": COL_OFFICERS,
    "值班人": COL_OFFICERS,
    "开始时间": COL_START,
    "开始": COL_START,
    "结束时间": COL_END,
    "结束": COL_END,
}
# How far down a title block may push the header row.
_HEADER_SEARCH_ROWS = 10

DEFAULT_SHIFT_NAME = "值班"
# Customary shift names -> (start, length). Other names need explicit times.
_SHIFT_TIMES: dict[str, tuple[time, timedelta]] = {
    "值班": (SHIFT_HANDOVER, timedelta(hours=24)),
    "全天": (SHIFT_HANDOVER, timedelta(hours=24)),
    "全日": (SHIFT_HANDOVER, timedelta(hours=24)),
    "24小时": (SHIFT_HANDOVER, timedelta(hours=24)),
    "白班": (SHIFT_HANDOVER, timedelta(hours=12)),
    "日班": (SHIFT_HANDOVER, timedelta(hours=12)),
    "夜班": (time(20, 30), timedelta(hours=12)),
}
_LABEL_MAX = 32  # DutyShift.label

_NAME_GROUP_SEPARATORS = re.compile(r"[、,，;；/／]+")
_WHITESPACE = re.compile(r"\s+")
_DATE_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s+0{1,2}:00(?::00)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_PATTERN = re.compile(
    r"^(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(\d{1,2})?\s*秒?)?$"
)
# Excel day numbers between 1954 and 2173: a date cell stored without a format.
_EXCEL_SERIALS = range(20000, 100000)


class RosterFileError(ValueError):
    """The file as a whole cannot be read (missing, wrong format, no header)."""


class RosterImportRejected(ValueError):
    """:meth:`RosterPreview.apply` refused: some rows have errors; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} row error(s)")
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # 1-based row number as the spreadsheet program shows it (0: the file)
    message: str


@dataclass(frozen=True, slots=True)
class StaffRef:
    staff_id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class ImportedShift:
    row: int
    day: date
    shift_name: str
    label: str
    starts_at: datetime  # aware, China time
    ends_at: datetime
    leaders: tuple[StaffRef, ...]
    officers: tuple[StaffRef, ...]

    def roster_shift(self) -> RosterShift:
        people = tuple(
            RosterPerson(p.staff_id, p.name, StaffRole.LEADER.value) for p in self.leaders
        ) + tuple(RosterPerson(p.staff_id, p.name, StaffRole.OFFICER.value) for p in self.officers)
        return RosterShift(self.starts_at, self.ends_at, people, id=self.row, label=self.label)


@dataclass(frozen=True)
class RosterPreview:
    """What an import would write, and why not, row by row."""

    db: Database = field(repr=False, compare=False)
    source: Path
    shifts: tuple[ImportedShift, ...]
    errors: tuple[RowError, ...]
    skipped_empty: int
    # Not errors: what the roster checks say about the imported shifts themselves.
    warnings: tuple[Understaffed | Overlap | ShortRest, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_total(self) -> int:
        return len(self.shifts) + len({e.row for e in self.errors if e.row})

    def errors_by_row(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.row, []).append(e.message)
        return out

    def apply(self, *, actor: str, site: str) -> ChangeSet:
        """Write every shift and its people in one unit of work, or nothing.

        Raises :class:`RosterImportRejected` if the preview has errors or if, by
        the time of writing, a shift has appeared in the database or a person is
        no longer active (checked again inside the transaction).
        """
        if self.errors:
            raise RosterImportRejected(self.errors)
        with UnitOfWork(self.db, actor=actor, site=site) as uow:
            late: list[RowError] = []
            existing = _existing_spans(uow.session, self.shifts)
            late.extend(
                RowError(sh.row, "该班次已存在")
                for sh in self.shifts
                if (sh.starts_at, sh.ends_at) in existing
            )
            wanted = {p.staff_id for sh in self.shifts for p in (*sh.leaders, *sh.officers)}
            active = _active_ids(uow.session, wanted)
            for sh in self.shifts:
                late.extend(
                    RowError(sh.row, f"人员已停用或不存在: {p.name}")
                    for p in (*sh.leaders, *sh.officers)
                    if p.staff_id not in active
                )
            if late:
                raise RosterImportRejected(late)
            shift_rows: list[dict[str, Any]] = []
            assignment_rows: list[dict[str, Any]] = []
            for sh in self.shifts:
                shift_id = uuid.uuid4()
                shift_rows.append(
                    {
                        "id": shift_id,
                        "label": sh.label,
                        "starts_at": sh.starts_at,
                        "ends_at": sh.ends_at,
                        "is_demo": False,
                    }
                )
                for role, people in (
                    (StaffRole.LEADER.value, sh.leaders),
                    (StaffRole.OFFICER.value, sh.officers),
                ):
                    assignment_rows.extend(
                        {"shift_id": shift_id, "staff_id": p.staff_id, "role": role} for p in people
                    )
            uow.bulk_insert(DutyShift, shift_rows)
            uow.bulk_insert(DutyAssignment, assignment_rows)
            return uow.commit()


# -- reading files ----------------------------------------------------------------


Cell = str | int | float | date | datetime | time | None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) if the bytes are valid UTF-8, else GBK.

    Chinese text in GBK is practically never valid UTF-8 (and the header row is
    always Chinese), so a GBK file is not read as UTF-8 mojibake.
    """
    try:
        return data.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gbk", errors="strict")
    except UnicodeDecodeError as exc:
        raise RosterFileError("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV") from exc


def _csv_rows(data: bytes) -> list[list[Cell]]:
    text = decode_text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first and "，" not in first else ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _xlsx_rows(path: Path) -> list[list[Cell]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            return [list(r) for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: a damaged file
        raise RosterFileError(f"无法读取 Excel 文件: {exc}") from exc


def read_rows(path: Path) -> list[list[Cell]]:
    """The cells of the file, row by row (XLSX: the first sheet)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise RosterFileError(f"文件不存在: {path}") from exc
    except OSError as exc:
        raise RosterFileError(f"无法读取文件: {path} ({exc.strerror})") from exc
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_rows(path)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV")
    return _csv_rows(data)


# -- parsing cells --------------------------------------------------------------------


def _norm(value: Cell) -> str:
    if value is None:
        return ""
    text = str(value)
    return unicodedata.normalize("NFKC", text).strip()


def _header_key(value: Cell) -> str | None:
    text = _WHITESPACE.sub("", _norm(value)).rstrip(":*").lstrip("*")
    return _HEADER_ALIASES.get(text)


def parse_date(value: Cell) -> date | None:
    """A date from a cell as offices write it; None if it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if int(value) == value and int(value) in _EXCEL_SERIALS:
            return date(1899, 12, 30) + timedelta(days=int(value))
        value = str(int(value)) if int(value) == value else str(value)
    text = _norm(value)
    m = _DATE_PATTERN.match(text) or _COMPACT_DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_time(value: Cell) -> time | None:
    """A time of day: 8:30, 08:30:00, 8时30分, 8点, a time or datetime cell."""
    if isinstance(value, datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, time):
        return value.replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # a time stored as a day fraction
        seconds = round(value * 86400)
        return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)
    text = _norm(value)
    if " " in text:  # "2026-12-01 08:30": the time part
        text = text.rsplit(" ", 1)[1]
    m = _TIME_PATTERN.match(text)
    if not m:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if hour == 24 and minute == 0 and second == 0:
        return time(0, 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def split_names(value: Cell, known: Iterable[str] = ()) -> list[str]:
    """Names in a cell. 、 , ， ; separate names; so do spaces, except inside a
    name written with a space for alignment ("王 芳") that matches a known name."""
    known_set = set(known)
    names: list[str] = []
    for group in _NAME_GROUP_SEPARATORS.split(_norm(value)):
        group = group.strip()
        if not group:
            continue
        joined = _WHITESPACE.sub("", group)
        if joined in known_set:
            names.append(joined)
        else:
            names.extend(part for part in _WHITESPACE.split(group) if part)
    return names


# -- the preview ----------------------------------------------------------------------


@dataclass
class _Columns:
    index: dict[str, int]
    width: int  # number of cells in the header row, up to its last non-empty one


def _find_header(rows: Sequence[Sequence[Cell]]) -> tuple[int, _Columns]:
    for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        index: dict[str, int] = {}
        for j, cell in enumerate(row):
            key = _header_key(cell)
            if key is not None and key not in index:
                index[key] = j
        if COL_DATE in index and (COL_LEADER in index or COL_OFFICERS in index):
            width = max(j for j, cell in enumerate(row) if _norm(cell)) + 1
            return i, _Columns(index, width)
    raise RosterFileError(
        "找不到表头：需要“日期”“带班领导”“值班员”列（可选“班次”“开始时间”“结束时间”）"
    )


def _staff_by_name(db: Database) -> dict[str, list[uuid.UUID]]:
    with db.read_session() as s:
        rows = s.execute(select(Staff.id, Staff.name).where(Staff.active.is_(True))).all()
    out: dict[str, list[uuid.UUID]] = {}
    for staff_id, name in rows:
        out.setdefault(_WHITESPACE.sub("", _norm(name)), []).append(staff_id)
    return out


def _existing_spans(
    session: Session, shifts: Sequence[ImportedShift]
) -> set[tuple[datetime, datetime]]:
    if not shifts:
        return set()
    lo = min(sh.starts_at for sh in shifts)
    hi = max(sh.ends_at for sh in shifts)
    rows = session.execute(
        select(DutyShift.starts_at, DutyShift.ends_at).where(
            DutyShift.starts_at >= lo, DutyShift.starts_at < hi
        )
    ).all()
    return {(a, b) for a, b in rows}


def _active_ids(session: Session, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    wanted = list(ids)
    for k in range(0, len(wanted), 500):
        found.update(
            session.scalars(
                select(Staff.id).where(Staff.id.in_(wanted[k : k + 500]), Staff.active.is_(True))
            )
        )
    return found


def _label(day: date, shift_name: str) -> str:
    return f"{day.month}月{day.day}日 {shift_name}"[:_LABEL_MAX]


class _RowParser:
    def __init__(self, columns: _Columns, staff: dict[str, list[uuid.UUID]]) -> None:
        self.columns = columns
        self.staff = staff

    def cell(self, row: Sequence[Cell], col: str) -> Cell:
        j = self.columns.index.get(col)
        return None if j is None or j >= len(row) else row[j]

    def parse(self, number: int, row: Sequence[Cell]) -> tuple[ImportedShift | None, list[str]]:
        errors: list[str] = []
        filled = [j for j, c in enumerate(row) if _norm(c)]
        if len(row) < self.columns.width:
            errors.append(f"本行只有 {len(row)} 列，表头有 {self.columns.width} 列")
            return None, errors
        extra = [j for j in filled if j >= self.columns.width]
        if extra:
            errors.append(f"本行有 {max(extra) + 1} 列，多于表头的 {self.columns.width} 列")
        raw_date = self.cell(row, COL_DATE)
        day = parse_date(raw_date)
        if day is None:
            errors.append(f"日期无法识别: {_norm(raw_date)}" if _norm(raw_date) else "缺少日期")
        shift_name = _WHITESPACE.sub("", _norm(self.cell(row, COL_SHIFT))) or DEFAULT_SHIFT_NAME
        raw_start, raw_end = self.cell(row, COL_START), self.cell(row, COL_END)
        start_t = parse_time(raw_start) if _norm(raw_start) else None
        end_t = parse_time(raw_end) if _norm(raw_end) else None
        if _norm(raw_start) and start_t is None:
            errors.append(f"开始时间无法识别: {_norm(raw_start)}")
        if _norm(raw_end) and end_t is None:
            errors.append(f"结束时间无法识别: {_norm(raw_end)}")
        customary = _SHIFT_TIMES.get(shift_name)
        if (start_t is None or end_t is None) and customary is None and not errors:
            errors.append(f"班次“{shift_name}”需要填写开始时间和结束时间")
        leaders = self.people(row, COL_LEADER, errors)
        officers = self.people(row, COL_OFFICERS, errors)
        if not leaders and not officers and not any("未知人员" in e for e in errors):
            errors.append("未填写值班人员")
        ids = [p.staff_id for p in (*leaders, *officers)]
        repeated = sorted(
            {p.name for p in (*leaders, *officers) if ids.count(p.staff_id) > 1},
        )
        errors.extend(f"同一班次中人员重复: {name}" for name in repeated)
        if errors or day is None:
            return None, errors
        default_start, length = customary or (SHIFT_HANDOVER, timedelta(hours=24))
        starts_at = datetime.combine(day, start_t or default_start, tzinfo=CHINA_TZ)
        if end_t is not None:
            ends_at = datetime.combine(day, end_t, tzinfo=CHINA_TZ)
            if ends_at <= starts_at:
                ends_at += timedelta(days=1)
        else:
            ends_at = starts_at + length
        return (
            ImportedShift(
                number,
                day,
                shift_name,
                _label(day, shift_name),
                starts_at,
                ends_at,
                tuple(leaders),
                tuple(officers),
            ),
            [],
        )

    def people(self, row: Sequence[Cell], col: str, errors: list[str]) -> list[StaffRef]:
        out: list[StaffRef] = []
        for name in split_names(self.cell(row, col), self.staff):
            ids = self.staff.get(name, [])
            if not ids:
                errors.append(f"未知人员: {name}")
            elif len(ids) > 1:
                errors.append(f"人员重名，无法区分: {name}")
            else:
                out.append(StaffRef(ids[0], name))
        return out


def preview_roster(
    db: Database,
    path: Path | str,
    *,
    rule: StaffingRule | None = None,
    min_rest: timedelta = DEFAULT_MIN_REST,
) -> RosterPreview:
    """Read and check a roster file; writes nothing.

    A file that cannot be read at all gives one error for row 0.
    """
    path = Path(path)
    try:
        rows = read_rows(path)
        header_at, columns = _find_header(rows)
    except RosterFileError as exc:
        return RosterPreview(db, path, (), (RowError(0, str(exc)),), 0)
    parser = _RowParser(columns, _staff_by_name(db))
    shifts: list[ImportedShift] = []
    errors: list[RowError] = []
    skipped = 0
    seen_names: dict[tuple[date, str], int] = {}
    seen_spans: dict[tuple[datetime, datetime], int] = {}
    for offset, row in enumerate(rows[header_at + 1 :]):
        number = header_at + 2 + offset
        if not any(_norm(c) for c in row):
            skipped += 1
            continue
        shift, problems = parser.parse(number, row)
        errors.extend(RowError(number, m) for m in problems)
        if shift is None:
            continue
        earlier = seen_names.get((shift.day, shift.shift_name)) or seen_spans.get(
            (shift.starts_at, shift.ends_at)
        )
        if earlier is not None:
            errors.append(RowError(number, f"与第 {earlier} 行重复（同一日期和班次）"))
            continue
        seen_names[(shift.day, shift.shift_name)] = number
        seen_spans[(shift.starts_at, shift.ends_at)] = number
        shifts.append(shift)
    if not shifts and not errors:
        errors.append(RowError(0, "文件中没有值班记录"))
    with db.read_session() as s:
        existing = _existing_spans(s, shifts)
    kept: list[ImportedShift] = []
    for sh in shifts:
        if (sh.starts_at, sh.ends_at) in existing:
            errors.append(RowError(sh.row, "该班次已存在"))
        else:
            kept.append(sh)
    errors.sort(key=lambda e: e.row)
    roster = [sh.roster_shift() for sh in kept]
    warnings: list[Understaffed | Overlap | ShortRest] = [
        *understaffed(roster, rule),
        *people_problems(roster, min_rest),
    ]
    warnings.sort(key=lambda p: p.starts_at)
    return RosterPreview(db, path, tuple(kept), tuple(errors), skipped, tuple(warnings))


# -- export -------------------------------------------------------------------------------

EXPORT_HEADER = ("日期", "班次", "开始", "结束", "带班领导", "值班员", "人员配置")


def _shift_name(label: str) -> str:
    m = re.match(r"^\d{1,2}月\d{1,2}日\s*(.*)$", label)
    return (m.group(1) if m else label).strip() or DEFAULT_SHIFT_NAME


def _staffing_text(shortfall: dict[str, int]) -> str:
    if not shortfall:
        return "满足"
    missing = "、".join(
        f"{label(Family.STAFF_ROLE, r, 'zh_CN')}{n}人" for r, n in sorted(shortfall.items())
    )
    return f"缺{missing}"


def _month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {month}")
    start = datetime(year, month, 1, tzinfo=CHINA_TZ)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=CHINA_TZ)
    return start, end


def export_month(
    db: Database, year: int, month: int, path: Path | str, *, rule: StaffingRule | None = None
) -> int:
    """Write the shifts starting in ``year``/``month`` (China time) to an XLSX file,
    one row per shift; returns the number of shifts. Importing the file again
    gives the same shifts (the times are in the 开始/结束 columns)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    start, end = _month_bounds(year, month)
    shifts = [
        sh
        for sh in RosterService(db, rule).shifts_between(start, end)
        if start <= sh.starts_at < end
    ]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{year}年{month}月")
    ws.append(list(EXPORT_HEADER))

    def _text(value: str) -> WriteOnlyCell:
        return set_value(WriteOnlyCell(ws), value)

    def _cell(value: date | datetime, fmt: str) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        c.number_format = fmt
        return c

    for sh in shifts:
        local_start = sh.starts_at.astimezone(CHINA_TZ)
        local_end = sh.ends_at.astimezone(CHINA_TZ)
        ws.append(
            [
                _cell(local_start.date(), "yyyy-mm-dd"),
                _text(_shift_name(sh.label)),
                _cell(local_start.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
                _cell(local_end.replace(tzinfo=None), "yyyy-mm-dd hh:mm"),
                _text("、".join(p.name for p in sh.leaders)),
                _text("、".join(p.name for p in sh.officers)),
                _text(_staffing_text(sh.shortfall)),
            ]
        )
    wb.save(Path(path))
    return len(shifts)


def iter_error_lines(preview: RosterPreview) -> Iterator[str]:
    """The preview's errors as lines for people, row by row."""
    for row, messages in sorted(preview.errors_by_row().items()):
        where = "文件" if row == 0 else f"第 {row} 行"
        yield f"{where}: {'；'.join(messages)}"
