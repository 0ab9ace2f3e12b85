"""Import and export of duty rosters (值班表) as offices make them.

The file is read by :mod:`app.services.tabular` (XLSX, the first visible sheet;
CSV in UTF-8, UTF-8 with BOM, UTF-16, GBK or GB18030; a title or notes above
the header; merged cells). The header row names at least 日期 and 带班领导 or
值班员; headers may carry spaces, full-width characters, a trailing colon, a
``*`` or "（必填）".

=========  ==============================================================
日期        2026-12-01, 2026/12/1, 2026年12月1日, 2026.12.1, 20261201, a date cell
班次        optional: 值班/全天/24小时 (default, 24 h from 08:30), 白班 (08:30-20:30),
           夜班 (20:30-08:30 next day); any other name needs 开始时间 and 结束时间
带班领导    the leader(s) on duty
值班员      duty officers, separated by 、 , ， ; or spaces
开始时间    optional, e.g. 8:30, 08:30:00, 8时30分, a time cell
结束时间    optional; at or before the start means the next day
电话        optional (also 联系电话, 手机, 手机号): the phones of the people in the
           name column left of it, in the same order (or of the row's people
           when no name column is left of it)
=========  ==============================================================

A cell merged over several rows (a 带班领导 for three days) applies to every
row it covers. A mobile number written next to a name ("张三 13800000000",
"张三（13800000000）") is that person's phone.

:func:`preview_roster` reads the file and checks every row against the
database (names must be active staff, the shift must not exist yet) without
writing anything. Names are matched by :func:`~app.domain.text.fold_key`, so
"王 芳", "王　芳" and full-width letters find 王芳. People the staff register
does not have are row errors ("未知人员") and are also listed in
:attr:`RosterPreview.new_people` with the phone found for each and the role
of the column they appear in (带班领导 -> leader, else officer).
:meth:`RosterPreview.apply` writes all shifts and assignments in one unit of
work, and only when no row has an error; with ``add_unknown=True`` the unknown
people are not errors: they are added to the staff register
(:meth:`StaffService.create_in`) in the same unit of work as the shifts that
name them. Messages are Chinese, for the people who made the spreadsheet, and
name the row and, where one cell is at fault, its column.
"""

from __future__ import annotations

import re
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
from app.domain.access import Action
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
from app.domain.rules import StaffingRule, phone_problem
from app.domain.text import fold_key
from app.services.access import require
from app.services.demo import SHIFT_HANDOVER
from app.services.roster import RosterService
from app.services.spreadsheet import column_widths, row_cells, save_workbook, set_column_widths
from app.services.staff import NAME_MAX, StaffDraft, StaffService
from app.services.tabular import (
    Table,
    TableError,
    TableRow,
    TableSpec,
    Value,
    cell_date,
    cell_text,
    cell_time,
    column_letter,
    position_text,
    read_table,
)

# Canonical columns and the header spellings that name them.
COL_DATE = "日期"
COL_SHIFT = "班次"
COL_LEADER = "带班领导"
COL_OFFICERS = "值班员"
COL_START = "开始时间"
COL_END = "结束时间"
COL_PHONE = "电话"
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
    "电话": COL_PHONE,
    "联系电话": COL_PHONE,
    "手机": COL_PHONE,
    "手机号": COL_PHONE,
    "手机号码": COL_PHONE,
    "联系方式": COL_PHONE,
}
ROSTER_TABLE = TableSpec(
    _HEADER_ALIASES,
    required=(COL_DATE, (COL_LEADER, COL_OFFICERS)),
    missing_header=(
        "找不到表头：需要“日期”“带班领导”“值班员”列（可选“班次”“开始时间”“结束时间”“电话”）"
    ),
)
_NAME_COLUMNS = (COL_LEADER, COL_OFFICERS)
_ROLE_OF_COLUMN = {COL_LEADER: StaffRole.LEADER.value, COL_OFFICERS: StaffRole.OFFICER.value}

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

_NAME_GROUP_SEPARATORS = re.compile(r"[、,，;；/／\n]+")
_PHONE_SEPARATORS = re.compile(r"[、,，;；/／\n]")  # one each: "138…、、139…" leaves a gap
_WHITESPACE = re.compile(r"\s+")
_HAN_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")
# A mainland mobile number (11 digits, 13x-19x) written next to a name.
MOBILE = re.compile(r"(?<!\d)1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")  # also 138-0000-0000
# What surrounds such a number: brackets, colons, dashes, a word saying it is a phone.
_PHONE_WORD = re.compile(r"(?:电话|手机号?码?|联系方式|tel|TEL|Tel)\s*[:：]?\s*$")
_AROUND_PHONE = " \t()[]【】<>:：-—"

# RowError.kind of an unknown person (not an error when the people are added).
UNKNOWN_PERSON = "unknown_person"

# Old names of the cell parsers, now in app.services.tabular.
parse_date = cell_date
parse_time = cell_time


class RosterImportRejected(ValueError):
    """:meth:`RosterPreview.apply` refused: some rows have errors; nothing was written."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} row error(s)")
        self.errors = tuple(errors)


@dataclass(frozen=True, slots=True)
class RowError:
    """A problem of the file (``row`` 0) or of one row; ``column`` is the letter
    of the cell at fault as Excel shows it ("" when the row as a whole is)."""

    row: int  # 1-based row number as the spreadsheet program shows it (0: the file)
    message: str
    column: str = ""
    kind: str = ""  # UNKNOWN_PERSON, or "" for any other error

    @property
    def where(self) -> str:
        """ "文件", "第 5 行" or "第 5 行 A 列"."""
        return "文件" if self.row == 0 else position_text(self.row, self.column or None)

    @property
    def text(self) -> str:
        """The message with its column: "A 列：日期无法识别: 2026-13-01"."""
        return f"{self.column} 列：{self.message}" if self.column else self.message

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


@dataclass(frozen=True, slots=True)
class StaffRef:
    staff_id: uuid.UUID
    name: str


@dataclass(frozen=True, slots=True)
class NewPerson:
    """Someone the file names who is not in the staff register (active staff).

    ``staff_id`` is the id the person gets if added (the waiting shifts refer
    to it); ``role`` a :class:`StaffRole` code: leader if named in a 带班领导
    column anywhere in the file, else officer; ``rows`` where the name appears.
    """

    staff_id: uuid.UUID
    name: str
    role: str
    phone: str | None
    rows: tuple[int, ...]


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
    """What an import would write, and why not, row by row.

    ``shifts`` import as they are; ``pending`` are the shifts that name people
    of ``new_people`` and import only when those are added
    (``apply(add_unknown=True)``). ``notes`` are rows of one merged cell across
    the table (a note or heading), skipped like blank rows.
    """

    db: Database = field(repr=False, compare=False)
    source: Path
    shifts: tuple[ImportedShift, ...]
    errors: tuple[RowError, ...]
    skipped_empty: int
    # Not errors: what the roster checks say about the imported shifts themselves.
    warnings: tuple[Understaffed | Overlap | ShortRest, ...] = ()
    new_people: tuple[NewPerson, ...] = ()
    pending: tuple[ImportedShift, ...] = ()
    notes: tuple[tuple[int, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows_total(self) -> int:
        rows = {sh.row for sh in (*self.shifts, *self.pending)}
        return len(rows | {e.row for e in self.errors if e.row})

    def blocking(self, *, add_unknown: bool = False) -> tuple[RowError, ...]:
        """The errors that stop :meth:`apply`: all of them, or with ``add_unknown``
        all but the unknown people (who would be added)."""
        if not add_unknown:
            return self.errors
        return tuple(e for e in self.errors if e.kind != UNKNOWN_PERSON)

    def can_apply(self, *, add_unknown: bool = False) -> bool:
        """Whether :meth:`apply` would write something (the database may still
        refuse a change made since the preview)."""
        return not self.blocking(add_unknown=add_unknown) and bool(
            self.to_write(add_unknown=add_unknown)
        )

    def to_write(self, *, add_unknown: bool = False) -> tuple[ImportedShift, ...]:
        """The shifts :meth:`apply` writes, by row."""
        if not add_unknown:
            return self.shifts
        return tuple(sorted((*self.shifts, *self.pending), key=lambda sh: sh.row))

    def errors_by_row(self) -> dict[int, list[str]]:
        """Messages (without their column) by row; row 0 is the file."""
        out: dict[int, list[str]] = {}
        for e in self.errors:
            out.setdefault(e.row, []).append(e.message)
        return out

    def problems_by_row(self, *, add_unknown: bool = False) -> dict[int, list[str]]:
        """Like :meth:`errors_by_row`, each message with its column ("C 列：未知人员: 张三");
        with ``add_unknown`` the unknown people are left out."""
        out: dict[int, list[str]] = {}
        for e in self.blocking(add_unknown=add_unknown):
            out.setdefault(e.row, []).append(e.text)
        return out

    def apply(self, *, actor: str, site: str, add_unknown: bool = False) -> ChangeSet:
        """Write every shift and its people in one unit of work, or nothing.

        With ``add_unknown`` the people of :attr:`new_people` are added to the
        staff register first, in the same unit of work, and the pending shifts
        are written too. Raises :class:`RosterImportRejected` if the preview has
        errors (other than unknown people, with ``add_unknown``) or if, by the
        time of writing, a shift has appeared in the database, a person is no
        longer active, or someone has added a person of the same name (checked
        again inside the transaction).
        """
        require(self.db, Action.EDIT_ROSTER)
        blocking = self.blocking(add_unknown=add_unknown)
        if blocking:
            raise RosterImportRejected(blocking)
        shifts = self.to_write(add_unknown=add_unknown)
        adding = self.new_people if add_unknown else ()
        if adding:
            require(self.db, Action.EDIT_STAFF)
        with UnitOfWork(self.db, actor=actor, site=site) as uow:
            late: list[RowError] = []
            existing = _existing_spans(uow.session, shifts)
            late.extend(
                RowError(sh.row, "该班次已存在")
                for sh in shifts
                if (sh.starts_at, sh.ends_at) in existing
            )
            new_ids = {p.staff_id for p in adding}
            wanted = {p.staff_id for sh in shifts for p in (*sh.leaders, *sh.officers)} - new_ids
            active = _active_ids(uow.session, wanted)
            for sh in shifts:
                late.extend(
                    RowError(sh.row, f"人员已停用或不存在: {p.name}")
                    for p in (*sh.leaders, *sh.officers)
                    if p.staff_id not in active and p.staff_id not in new_ids
                )
            if adding:
                taken = _active_keys(uow.session)
                late.extend(
                    RowError(p.rows[0], f"人员与AB岗中已有同名人员（刚由他人添加）: {p.name}")
                    for p in adding
                    if fold_key(p.name) in taken
                )
            if late:
                raise RosterImportRejected(sorted(late, key=lambda e: e.row))
            StaffService(self.db).create_in(
                uow,
                [
                    (p.staff_id, StaffDraft(name=p.name, role=p.role, phone=p.phone or ""))
                    for p in adding
                ],
            )
            shift_rows: list[dict[str, Any]] = []
            assignment_rows: list[dict[str, Any]] = []
            for sh in shifts:
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


# -- names and phones in a cell ----------------------------------------------------------


def split_people(value: Value, known: Iterable[str] = ()) -> list[tuple[str, str | None]]:
    """(name, mobile or None) of each person in a cell.

    、 , ， ; / and line breaks separate names; so do spaces, except inside a name
    written with a space for alignment: one whose :func:`fold_key` is in
    ``known``, or one with a single Chinese character on either side ("王 芳";
    nobody's name is one character). A mobile number (:data:`MOBILE`, also
    written 138-0000-0000) after a name, with or without brackets
    ("张三 13800000000", "张三（13800000000）", "张三 电话:138…"), is that name's
    phone, as 11 digits; one written before the first name of a group is the
    next name's. Names come back NFKC-normalised, without spaces.
    """
    known_keys = set(known)
    out: list[tuple[str, str | None]] = []
    for group in _NAME_GROUP_SEPARATORS.split(cell_text(value)):
        carried: str | None = None
        last = 0
        pieces: list[tuple[str, str | None]] = []
        for m in MOBILE.finditer(group):
            pieces.append((group[last : m.start()], _digits(m.group())))
            last = m.end()
        pieces.append((group[last:], None))
        for segment, phone in pieces:
            if phone is not None:
                segment = _PHONE_WORD.sub("", segment.strip(_AROUND_PHONE))
            names = _names_in(segment, known_keys)
            if not names:
                carried = carried or phone
                continue
            people: list[tuple[str, str | None]] = [(n, None) for n in names]
            if carried is not None:
                people[0] = (people[0][0], carried)
                carried = None
            if phone is not None:
                people[-1] = (people[-1][0], people[-1][1] or phone)
            out.extend(people)
    return out


def _names_in(segment: str, known: set[str]) -> list[str]:
    segment = segment.strip(_AROUND_PHONE)
    if not segment:
        return []
    if fold_key(segment) in known:
        return ["".join(segment.split())]
    parts = [p.strip(_AROUND_PHONE) for p in _WHITESPACE.split(segment)]
    parts = [p for p in parts if p]
    if len(parts) > 1 and any(_HAN_CHAR.fullmatch(p) for p in parts):
        # "王 芳": one name spaced for alignment (no one's name is a single character)
        return ["".join(parts)]
    return parts


def _digits(mobile: str) -> str:
    return mobile.replace("-", "").replace(" ", "")


def split_names(value: Value, known: Iterable[str] = ()) -> list[str]:
    """The names in a cell (:func:`split_people` without the phones)."""
    return [name for name, _phone in split_people(value, known)]


def _phones_in(value: Value) -> list[str]:
    """The phones of a phone cell, one per name in order: separated like names, an
    empty place ("138…、、139…") for a name without one; a number cell is one phone."""
    text = cell_text(value)
    if not text:
        return []
    mobiles = [_digits(m) for m in MOBILE.findall(text)]
    parts = [p.strip() for p in _PHONE_SEPARATORS.split(text)]
    if len(mobiles) > len([p for p in parts if p]):  # "138… 139…": spaces between mobiles
        return mobiles
    return parts


# -- the preview ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Registered:
    ids: tuple[uuid.UUID, ...]
    name: str


def _staff_by_key(db: Database) -> dict[str, _Registered]:
    """Active staff by :func:`fold_key` of their name."""
    with db.read_session() as s:
        rows = s.execute(
            select(Staff.id, Staff.name).where(Staff.active.is_(True)).order_by(Staff.name)
        ).all()
    out: dict[str, _Registered] = {}
    for staff_id, name in rows:
        key = fold_key(name)
        seen = out.get(key)
        out[key] = _Registered((*seen.ids, staff_id) if seen else (staff_id,), name)
    return out


def _active_keys(session: Session) -> set[str]:
    return {fold_key(n) for n in session.scalars(select(Staff.name).where(Staff.active.is_(True)))}


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


@dataclass(frozen=True, slots=True)
class _Mention:
    """An unknown person as one cell names them."""

    key: str
    name: str
    role: str
    phone: str | None
    row: int
    column: str  # letters of the name cell
    phone_column: str  # letters of the cell the phone came from


def _phone_owners(header: Sequence[str | None]) -> dict[int, int | None]:
    """Each phone column (1-based) -> the name column left of it (None: the whole row)."""
    owners: dict[int, int | None] = {}
    last_name: int | None = None
    for j, name in enumerate(header, start=1):
        if name in _NAME_COLUMNS:
            last_name = j
        elif name == COL_PHONE:
            owners[j] = last_name
    return owners


class _RowParser:
    def __init__(self, table: Table, staff: dict[str, _Registered]) -> None:
        self.table = table
        self.staff = staff
        self.known = set(staff)
        self.phone_owners = _phone_owners(table.header)
        self.new_ids: dict[str, uuid.UUID] = {}
        self.mentions: list[_Mention] = []

    def parse(self, row: TableRow) -> tuple[ImportedShift | None, list[RowError]]:
        n = row.number
        errors = [RowError(n, p.message, p.letter) for p in row.problems]
        if any(p.column is None for p in row.problems):  # a short line: cells are shifted
            return None, errors
        raw_date = row.value(COL_DATE)
        day = cell_date(raw_date)
        if day is None:
            shown = cell_text(raw_date)
            message = f"日期无法识别: {shown}" if shown else "缺少日期"
            errors.append(RowError(n, message, row.letter(COL_DATE)))
        shift_name = _WHITESPACE.sub("", row.text(COL_SHIFT)) or DEFAULT_SHIFT_NAME
        start_t = self.time_of(row, COL_START, "开始时间", errors)
        end_t = self.time_of(row, COL_END, "结束时间", errors)
        customary = _SHIFT_TIMES.get(shift_name)
        if (start_t is None or end_t is None) and customary is None and not errors:
            errors.append(
                RowError(n, f"班次“{shift_name}”需要填写开始时间和结束时间", row.letter(COL_SHIFT))
            )
        people = self.people(row, errors)
        leaders = people[COL_LEADER]
        officers = people[COL_OFFICERS]
        if not leaders and not officers and not any(e.kind == UNKNOWN_PERSON for e in errors):
            errors.append(RowError(n, "未填写值班人员"))
        if any(e.kind != UNKNOWN_PERSON for e in errors) or day is None:
            return None, errors
        default_start, length = customary or (SHIFT_HANDOVER, timedelta(hours=24))
        starts_at = datetime.combine(day, start_t or default_start, tzinfo=CHINA_TZ)
        if end_t is not None:
            ends_at = datetime.combine(day, end_t, tzinfo=CHINA_TZ)
            if ends_at <= starts_at:
                ends_at += timedelta(days=1)
        else:
            ends_at = starts_at + length
        label_text = _label(day, shift_name)
        shift = ImportedShift(
            n, day, shift_name, label_text, starts_at, ends_at, tuple(leaders), tuple(officers)
        )
        return shift, errors

    @staticmethod
    def time_of(row: TableRow, column: str, what: str, errors: list[RowError]) -> time | None:
        raw = row.value(column)
        if not cell_text(raw):
            return None
        parsed = cell_time(raw)
        if parsed is None:
            errors.append(
                RowError(row.number, f"{what}无法识别: {cell_text(raw)}", row.letter(column))
            )
        return parsed

    def people(self, row: TableRow, errors: list[RowError]) -> dict[str, list[StaffRef]]:
        """The known people of each name column; unknown ones are errors of kind
        UNKNOWN_PERSON (with a provisional id) and noted as mentions."""
        n = row.number
        found: dict[int, list[tuple[str, str | None]]] = {}
        for column in _NAME_COLUMNS:
            for position, value in row.values(column):
                found[position] = split_people(value, self.known)
        phones = self.column_phones(row, found)
        out: dict[str, list[StaffRef]] = {c: [] for c in _NAME_COLUMNS}
        seen: dict[uuid.UUID, str] = {}
        for position, names in found.items():
            column = self.table.header[position - 1] or COL_OFFICERS
            letters = column_letter(position)
            for k, (name, inline_phone) in enumerate(names):
                if not any(ch.isalpha() for ch in name):
                    errors.append(RowError(n, f"不是姓名: {name}", letters))
                    continue
                key = fold_key(name)
                registered = self.staff.get(key)
                if registered is not None and len(registered.ids) > 1:
                    errors.append(RowError(n, f"人员重名，无法区分: {name}", letters))
                    continue
                if registered is not None:
                    ref = StaffRef(registered.ids[0], registered.name)
                else:
                    ref = StaffRef(self.new_ids.setdefault(key, uuid.uuid4()), name)
                    phone, phone_column = inline_phone, letters
                    if phone is None and (position, k) in phones:
                        phone, phone_column = phones[(position, k)]
                    self.mentions.append(
                        _Mention(
                            key, name, _ROLE_OF_COLUMN[column], phone, n, letters, phone_column
                        )
                    )
                    errors.append(RowError(n, f"未知人员: {name}", letters, UNKNOWN_PERSON))
                if ref.staff_id in seen:
                    errors.append(RowError(n, f"同一班次中人员重复: {ref.name}", letters))
                    continue
                seen[ref.staff_id] = letters
                out[column].append(ref)
        return out

    def column_phones(
        self, row: TableRow, found: dict[int, list[tuple[str, str | None]]]
    ) -> dict[tuple[int, int], tuple[str, str]]:
        """(name column, index of the name) -> (phone, letters of the phone cell), from
        the phone columns, where a phone cell has as many phones as its names."""
        out: dict[tuple[int, int], tuple[str, str]] = {}
        for phone_position, owner in self.phone_owners.items():
            phones = _phones_in(row.at(phone_position))
            if not phones:
                continue
            names = (
                [(owner, k) for k in range(len(found.get(owner, [])))]
                if owner is not None
                else [(p, k) for p in sorted(found) for k in range(len(found[p]))]
            )
            if len(names) != len(phones):
                continue
            letters = column_letter(phone_position)
            for slot, phone in zip(names, phones, strict=True):
                if phone:
                    out.setdefault(slot, (phone, letters))
        return out

    def new_people(self) -> tuple[tuple[NewPerson, ...], list[RowError]]:
        """The unknown people, one per name key, and the errors about them: a name
        written with different phones, a phone or name that cannot be stored."""
        by_key: dict[str, list[_Mention]] = {}
        for m in self.mentions:
            by_key.setdefault(m.key, []).append(m)
        people: list[NewPerson] = []
        errors: list[RowError] = []
        for key, mentions in by_key.items():
            first = mentions[0]
            role = (
                StaffRole.LEADER.value
                if any(m.role == StaffRole.LEADER.value for m in mentions)
                else StaffRole.OFFICER.value
            )
            phones: dict[str, _Mention] = {}
            for m in mentions:
                if m.phone is not None:
                    phones.setdefault(m.phone, m)
            if len(phones) > 1:
                listed = "、".join(
                    f"{p}（{position_text(m.row, m.phone_column)}）" for p, m in phones.items()
                )
                errors.extend(
                    RowError(
                        m.row, f"{first.name} 的电话不一致：{listed}，请改为同一个", m.phone_column
                    )
                    for m in phones.values()
                )
            for phone, m in phones.items():
                if phone_problem(phone) is not None:
                    errors.append(RowError(m.row, f"电话号码无法识别: {phone}", m.phone_column))
            if len(first.name) > NAME_MAX:
                errors.append(
                    RowError(first.row, f"姓名超过 {NAME_MAX} 个字: {first.name}", first.column)
                )
            people.append(
                NewPerson(
                    self.new_ids[key],
                    first.name,
                    role,
                    next(iter(phones), None),
                    tuple(sorted({m.row for m in mentions})),
                )
            )
        return tuple(people), errors


def preview_roster(
    db: Database,
    path: Path | str,
    *,
    rule: StaffingRule | None = None,
    min_rest: timedelta = DEFAULT_MIN_REST,
) -> RosterPreview:
    """Read and check a roster file; writes nothing.

    A file that cannot be read at all gives one error for row 0 (the message of
    :class:`~app.services.tabular.TableError`). Each row's errors name the row
    and, where one cell is at fault, its column.
    """
    path = Path(path)
    try:
        table = read_table(path, ROSTER_TABLE)
    except TableError as exc:
        return RosterPreview(db, path, (), (RowError(0, str(exc)),), 0)
    parser = _RowParser(table, _staff_by_key(db))
    candidates: list[ImportedShift] = []
    errors: list[RowError] = []
    seen_names: dict[tuple[date, str], int] = {}
    seen_spans: dict[tuple[datetime, datetime], int] = {}
    for row in table.rows:
        shift, problems = parser.parse(row)
        errors.extend(problems)
        if shift is None:
            continue
        earlier = seen_names.get((shift.day, shift.shift_name)) or seen_spans.get(
            (shift.starts_at, shift.ends_at)
        )
        if earlier is not None:
            errors.append(RowError(row.number, f"与第 {earlier} 行重复（同一日期和班次）"))
            continue
        seen_names[(shift.day, shift.shift_name)] = row.number
        seen_spans[(shift.starts_at, shift.ends_at)] = row.number
        candidates.append(shift)
    new_people, people_errors = parser.new_people()
    errors.extend(people_errors)
    if not candidates and not errors:
        errors.append(RowError(0, "文件中没有值班记录"))
    with db.read_session() as s:
        existing = _existing_spans(s, candidates)
    unknown_rows = {e.row for e in errors if e.kind == UNKNOWN_PERSON}
    kept: list[ImportedShift] = []
    pending: list[ImportedShift] = []
    for sh in candidates:
        if (sh.starts_at, sh.ends_at) in existing:
            errors.append(RowError(sh.row, "该班次已存在"))
        elif sh.row in unknown_rows:
            pending.append(sh)
        else:
            kept.append(sh)
    errors.sort(key=lambda e: e.row)
    roster = [sh.roster_shift() for sh in sorted((*kept, *pending), key=lambda sh: sh.row)]
    warnings: list[Understaffed | Overlap | ShortRest] = [
        *understaffed(roster, rule),
        *people_problems(roster, min_rest),
    ]
    warnings.sort(key=lambda p: p.starts_at)
    return RosterPreview(
        db,
        path,
        tuple(kept),
        tuple(errors),
        table.blank_rows,
        tuple(warnings),
        new_people,
        tuple(pending),
        table.notes,
    )


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
    rows: list[list[Any]] = []
    for sh in shifts:
        local_start = sh.starts_at.astimezone(CHINA_TZ)
        local_end = sh.ends_at.astimezone(CHINA_TZ)
        rows.append(
            [
                local_start.date(),
                _shift_name(sh.label),
                local_start.replace(tzinfo=None),
                local_end.replace(tzinfo=None),
                "、".join(p.name for p in sh.leaders),
                "、".join(p.name for p in sh.officers),
                _staffing_text(sh.shortfall),
            ]
        )
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(f"{year}年{month}月")
    # Dates and times are as wide as "2026-12-01 08:30" when shown.
    shown = [[_shown_width(v) for v in row] for row in rows]
    set_column_widths(ws, column_widths([list(EXPORT_HEADER), *shown]))
    ws.append(row_cells(ws, list(EXPORT_HEADER), header=True))

    def _cell(value: date | datetime, fmt: str) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        c.number_format = fmt
        return c

    for row in rows:
        day, name, starts, ends, *people = row
        ws.append(
            row_cells(
                ws,
                [
                    _cell(day, "yyyy-mm-dd"),
                    name,
                    _cell(starts, "yyyy-mm-dd hh:mm"),
                    _cell(ends, "yyyy-mm-dd hh:mm"),
                    *people,
                ],
            )
        )
    save_workbook(wb, path)
    return len(shifts)


def _shown_width(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return value


def iter_error_lines(preview: RosterPreview, *, add_unknown: bool = False) -> Iterator[str]:
    """The preview's errors as lines for people, by row: "第 5 行 A 列：日期无法识别: 2026-13-01"
    (with ``add_unknown``, the unknown people are left out: they would be added)."""
    for e in preview.blocking(add_unknown=add_unknown):
        yield str(e)
