"""Import of the county's registers (台账) and of stock (库存盘点) from spreadsheets.

The file is read by :func:`app.services.tabular.read_table` (XLSX or CSV, a
title above the header, a header over two rows with merged group cells, blank
lines, notes). Columns are named as :mod:`app.domain.registers` describes each
register (``RegisterSpec.aliases()``: 名称/场所名称/避难场所名称, 乡镇/所在乡镇（街道）,
经度/东经/lng, ...); every cell is read by :func:`~app.domain.registers.parse_field`
(thousands separators, 万, units, degrees-minutes-seconds) and every record
checked by :func:`~app.domain.registers.record_problems`.

Registers (shelters, depots, teams, hazards)
    * Matching (``match``): ``"code"`` finds the record with the same 编号
      (also a retired one, which is never revived: its row is skipped with a
      warning); a row without 编号, or a file without the column, is matched
      by name and township as with ``"name_township"``, which looks among the
      records in service. A matched row whose values all equal the record is
      *unchanged*; otherwise an *update* (only the columns the file has are
      written; the rest keep their values). Unmatched rows are *new*.
    * Rejected rows: a value that cannot be read, a required field missing, an
      unknown township, two rows of the file for the same record (same 编号,
      or same name and township), a 编号 another record in service holds.
    * Warnings (the row is imported as written): latitude and longitude that
      look swapped, a position outside the county
      (:func:`~app.domain.coords.position_flags`).
    * ``gcj02=True``: the coordinates are GCJ-02 (高德/腾讯 maps) and are
      converted to WGS-84 (:func:`~app.domain.geo.gcj02_to_wgs84`);
      ``coord_source`` becomes ``"gcj02-converted"``, else ``"import"``.

Stock (库存盘点)
    Columns 储备库 (name) or 储备库编号, 物资编码 (seven digits after GB/T
    38565-2020, spaces allowed: "1 01 02 03"), 物资名称, 单位, 数量, 批次,
    有效期至 (optional), 最低库存 (optional). The file is a stock-take: for each
    depot × item × batch × expiry line the quantity in the file becomes the
    quantity on hand, by one movement of the difference (ADJUSTMENT, or
    RECEIPT for a new line). A code the catalogue lacks is added when the row
    gives name and a known unit; a known code with another unit, a negative or
    unreadable quantity, a code that is not seven digits are refused.
    最低库存 goes to the depot's minimum for the item (DepotMinimum).

All or nothing: :func:`import_register` writes in one unit of work, and only
when no row is rejected; otherwise it returns the errors and writes nothing.
Messages are Chinese and name the row and column as Excel shows them.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import (
    DepotMinimum,
    HazardSite,
    RescueTeam,
    Shelter,
    StockItem,
    StockMovement,
    SupplyCatalogItem,
    SupplyDepot,
    Township,
)
from app.data.uow import ChangeSet, UnitOfWork
from app.domain.access import Action
from app.domain.coords import FLAG_TEXT, PositionFlag, parse_angle, position_flags
from app.domain.enums import StockMovementKind, TeamStatus
from app.domain.geo import gcj02_to_wgs84
from app.domain.registers import (
    REGISTERS,
    SHELTERS,
    FieldKind,
    FieldSpec,
    RegisterSpec,
    capacity_from_area,
    parse_date,
    parse_field,
    parse_number,
    problem_text,
    record_problems,
)
from app.domain.rules import RuleViolation
from app.domain.text import fold_key
from app.services.access import require
from app.services.tabular import (
    Table,
    TableError,
    TableRow,
    TableSpec,
    Value,
    cell_date,
    cell_text,
    position_text,
    read_table,
)

Match = Literal["code", "name_township"]
KINDS = ("shelters", "depots", "stock", "teams", "hazards")
COORD_IMPORT = "import"
COORD_GCJ02 = "gcj02-converted"

MODELS: dict[str, type[Any]] = {
    "shelters": Shelter,
    "depots": SupplyDepot,
    "teams": RescueTeam,
    "hazards": HazardSite,
}
# Columns the database cannot leave empty, with the value an empty cell means.
_NOT_NULL_DEFAULTS: dict[str, dict[str, Any]] = {
    "teams": {"members": 0, "volunteers": 0},
}
# What a new record gets that no column gives.
_NEW_DEFAULTS: dict[str, dict[str, Any]] = {
    "shelters": {"is_open": False},
    "teams": {"status": TeamStatus.STANDBY.value, "members": 0, "volunteers": 0},
}
_TOWNSHIP_SUFFIXES = ("街道办事处", "办事处", "街道", "镇", "乡")


class RowAction(StrEnum):
    NEW = "new"  # 新增
    UPDATE = "update"  # 更新
    UNCHANGED = "unchanged"  # 无变化
    SKIPPED = "skipped"  # 不导入（已停用的记录），not an error
    REJECTED = "rejected"  # 有错误


ACTION_TEXT: dict[RowAction, str] = {
    RowAction.NEW: "新增",
    RowAction.UPDATE: "更新",
    RowAction.UNCHANGED: "无变化",
    RowAction.SKIPPED: "跳过",
    RowAction.REJECTED: "有错误",
}


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem of the file (``row`` 0) or of one row, at ``column`` (Excel's
    letters, "" for the row as a whole). Errors reject the import; warnings
    (``error=False``) are said and the row imports."""

    row: int
    message: str
    column: str = ""
    error: bool = True

    @property
    def where(self) -> str:
        """ "文件", "第 7 行" or "第 7 行 C 列"."""
        return "文件" if self.row == 0 else position_text(self.row, self.column or None)

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row of the file: what importing it does, and why not.

    ``label`` names the record for people (name, or depot and item for stock);
    ``entity_id`` the record it updates (None: new or rejected); ``changed``
    the fields it changes (for stock: "quantity", "expiry_date", "min_quantity").
    """

    row: int
    action: RowAction
    label: str
    issues: tuple[RowIssue, ...] = ()
    entity_id: uuid.UUID | None = None
    changed: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[RowIssue, ...]:
        return tuple(i for i in self.issues if i.error)

    @property
    def warnings(self) -> tuple[RowIssue, ...]:
        return tuple(i for i in self.issues if not i.error)


@dataclass(frozen=True)
class RegisterPreview:
    """What importing ``source`` into register ``kind`` would do, row by row.

    ``match`` is the matching used (``"name_township"`` when the file has no
    编号 column). ``file_errors`` are problems of the file as a whole (it
    cannot be read, no header); then ``rows`` is empty.
    """

    kind: str
    source: Path
    match: Match
    gcj02: bool
    rows: tuple[PreviewRow, ...] = ()
    file_errors: tuple[RowIssue, ...] = ()
    columns: tuple[str, ...] = ()  # the fields the file has, in file order
    blank_rows: int = 0
    notes: tuple[tuple[int, str], ...] = ()
    # The plan a write follows; not for display.
    _plan: Any = field(default=None, repr=False, compare=False)

    def count(self, action: RowAction) -> int:
        return sum(1 for r in self.rows if r.action is action)

    def counts(self) -> dict[RowAction, int]:
        """Rows by action (every action present, zero included)."""
        return {a: self.count(a) for a in RowAction}

    @property
    def errors(self) -> tuple[RowIssue, ...]:
        """Every error, file first, then by row."""
        return self.file_errors + tuple(i for r in self.rows for i in r.errors)

    @property
    def warnings(self) -> tuple[RowIssue, ...]:
        return tuple(i for r in self.rows for i in r.warnings)

    @property
    def can_import(self) -> bool:
        """Nothing is rejected (an empty file imports nothing, and that is fine)."""
        return not self.errors

    def summary(self) -> str:
        """ "新增 3 行，更新 1 行，无变化 2 行，跳过 0 行，有错误 1 行" """
        c = self.counts()
        return "，".join(f"{ACTION_TEXT[a]} {c[a]} 行" for a in RowAction)


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_register` did. ``written`` is False when anything was
    rejected (``errors`` says what; nothing was written) or for a dry run."""

    preview: RegisterPreview
    written: bool
    changes: ChangeSet = field(default_factory=ChangeSet)

    @property
    def errors(self) -> tuple[RowIssue, ...]:
        return self.preview.errors

    @property
    def inserted(self) -> int:
        return self.preview.count(RowAction.NEW) if self.written else 0

    @property
    def updated(self) -> int:
        return self.preview.count(RowAction.UPDATE) if self.written else 0


# -- the table ---------------------------------------------------------------------------


def register_table_spec(spec: RegisterSpec) -> TableSpec:
    """The header spellings of ``spec`` for :func:`read_table`: a header names 名称."""
    names = "、".join(f"“{f.zh}”" for f in spec.fields if f.required)
    return TableSpec(
        spec.aliases(),
        required=("name",),
        missing_header=f"找不到表头：{spec.zh}需要 {names} 等列（前 10 行中没有一行包含“名称”列）",
    )


def _read(path: Path, table_spec: TableSpec) -> Table | RowIssue:
    try:
        return read_table(path, table_spec)
    except TableError as exc:
        return RowIssue(0, str(exc))


class _Parser:
    """parse_field with every distinct (field, text) read once (a register
    repeats its types, townships and levels thousands of times)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], Any] = {}

    def __call__(self, spec: FieldSpec, text: str) -> Any:
        key = (spec.name, text)
        if key not in self._seen:
            try:
                self._seen[key] = parse_field(spec, text)
            except RuleViolation as exc:
                self._seen[key] = exc
        value = self._seen[key]
        if isinstance(value, RuleViolation):
            raise value
        return value


def _text(spec: FieldSpec, value: Value) -> str:
    kind = spec.kind
    keep = kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.TOWNSHIP)
    return cell_text(value, nfkc=not keep)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return False
        return abs(float(a) - float(b)) < 1e-9 * max(1.0, abs(float(a)))
    return bool(a == b)


def _townships(s: Session) -> dict[str, uuid.UUID | None]:
    """Folded township name (also without 镇/乡/街道) -> id; None where two match."""
    out: dict[str, uuid.UUID | None] = {}
    full: dict[str, uuid.UUID] = {}
    for tid, name in s.execute(select(Township.id, Township.name)):
        full[fold_key(name)] = tid
    out.update(full)
    for key, tid in full.items():
        for suffix in _TOWNSHIP_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                short = key[: -len(suffix)]
                if short in full:
                    continue
                out[short] = None if short in out and out[short] != tid else tid
                break
    return out


def _township_id(
    townships: Mapping[str, uuid.UUID | None], name: str
) -> uuid.UUID | RuleViolation | None:
    key = fold_key(name)
    if key in townships:
        found = townships[key]
        return found if found is not None else RuleViolation("field.unknown_township", name)
    for suffix in _TOWNSHIP_SUFFIXES:
        if key.endswith(suffix) and townships.get(key[: -len(suffix)]):
            return townships[key[: -len(suffix)]]
    return RuleViolation("field.unknown_township", name)


# -- registers ------------------------------------------------------------------------------


@dataclass
class _Planned:
    row: int
    values: dict[str, Any]  # model columns (township_id, not township)
    entity_id: uuid.UUID | None


@dataclass
class _RegisterPlan:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[_Planned] = field(default_factory=list)


def _model_columns(spec: RegisterSpec) -> list[str]:
    return [("township_id" if f.name == "township" else f.name) for f in spec.fields]


def _plan_register(
    s: Session, spec: RegisterSpec, table: Table, match: Match, gcj02: bool
) -> tuple[list[PreviewRow], _RegisterPlan]:
    model = MODELS[spec.kind]
    fields = [f for f in spec.fields if f.importable and table.has(f.name)]
    positions = {f.name: table.header.index(f.name) for f in fields}  # first column of each
    has_code = table.has("code")
    use_code = match == "code" and has_code
    townships = _townships(s)
    columns = ["id", "version", "retired_at", "retired_reason", "coord_source"]
    columns += [c for c in _model_columns(spec) if c not in columns]
    existing: dict[uuid.UUID, dict[str, Any]] = {
        r.id: dict(r._mapping) for r in s.execute(select(*(model.__table__.c[c] for c in columns)))
    }
    by_code: dict[str, uuid.UUID] = {}  # active first: a retired row never hides one in service
    by_name: dict[tuple[str, uuid.UUID | None], uuid.UUID] = {}
    for rid, rec in sorted(existing.items(), key=lambda kv: kv[1]["retired_at"] is None):
        if rec["code"]:
            by_code[fold_key(rec["code"])] = rid
        if rec["retired_at"] is None:
            by_name[(fold_key(rec["name"]), rec["township_id"])] = rid
    active_codes = {
        fold_key(rec["code"]): rid
        for rid, rec in existing.items()
        if rec["code"] and rec["retired_at"] is None
    }
    parse = _Parser()
    seen_code: dict[str, int] = {}
    seen_name: dict[tuple[str, uuid.UUID | None], int] = {}
    not_null = _NOT_NULL_DEFAULTS.get(spec.kind, {})
    out: list[PreviewRow] = []
    plan = _RegisterPlan()
    for trow in table.rows:
        issues: list[RowIssue] = [RowIssue(p.row, p.message, p.letter) for p in trow.problems]
        values: dict[str, Any] = {}
        cells = trow.cells
        for f in fields:
            at = positions[f.name]
            raw = cells[at] if at < len(cells) else None
            try:
                values[f.name] = parse(f, _text(f, raw))
            except RuleViolation as exc:
                if f.kind is FieldKind.LAT and exc.code == "coord.out_of_range":
                    # A longitude in the latitude column: kept as written, flagged below.
                    try:
                        values[f.name] = parse_angle(_text(f, raw), "lon")
                        continue
                    except RuleViolation:
                        pass
                issues.append(
                    RowIssue(trow.number, f"{f.zh}：{problem_text(exc)}", trow.letter(f.name))
                )
        name = str(values.get("name") or "")
        label = name or cell_text(trow.value("name"))
        township_id: uuid.UUID | None = None
        if "township" in values:
            township = values.pop("township")
            if township:
                found = _township_id(townships, township)
                if isinstance(found, RuleViolation):
                    issues.append(
                        RowIssue(trow.number, problem_text(found), trow.letter("township"))
                    )
                else:
                    township_id = found
            values["township_id"] = township_id
        # The record it is.
        code = values.get("code")
        code_key = fold_key(code) if code else ""
        name_key = (fold_key(name), values.get("township_id"))
        target: uuid.UUID | None = None
        if use_code and code_key:
            target = by_code.get(code_key)
            if target is None and name:
                # A record kept so far without 编号 gets the file's.
                same = by_name.get(name_key)
                target = same if same is not None and not existing[same]["code"] else None
        elif name:
            target = by_name.get(name_key)
        # Twice in the file.
        if code_key:
            first = seen_code.setdefault(code_key, trow.number)
            if first != trow.number:
                issues.append(
                    RowIssue(
                        trow.number,
                        "编号："
                        + problem_text(RuleViolation("field.duplicate_in_file", str(first))),
                        trow.letter("code"),
                    )
                )
        if name:
            first = seen_name.setdefault(name_key, trow.number)
            if first != trow.number and not (use_code and code_key):
                issues.append(
                    RowIssue(
                        trow.number,
                        f"名称：与第 {first} 行重复（同一乡镇中的同名记录）",
                        trow.letter("name"),
                    )
                )
        # A 编号 held by another record in service.
        holder = active_codes.get(code_key) if code_key else None
        if holder is not None and holder != target:
            issues.append(
                RowIssue(
                    trow.number,
                    "编号："
                    + problem_text(RuleViolation("field.duplicate_code", existing[holder]["name"])),
                    trow.letter("code"),
                )
            )
        record = existing.get(target) if target is not None else None
        if record is not None and record["retired_at"] is not None:
            reason = f"（{record['retired_reason']}）" if record["retired_reason"] else ""
            issues.append(
                RowIssue(
                    trow.number,
                    f"编号 {code} 的记录已停用{reason}，本行未导入；如需恢复请在台账中恢复后再导入",
                    trow.letter("code"),
                    error=False,
                )
            )
            out.append(PreviewRow(trow.number, RowAction.SKIPPED, label, tuple(issues), target))
            continue
        # Coordinates.
        lon, lat = values.get("lon"), values.get("lat")
        if lon is not None and lat is not None:
            if gcj02:
                lon, lat = gcj02_to_wgs84(lon, lat)
                lon, lat = round(lon, 7), round(lat, 7)
                values["lon"], values["lat"] = lon, lat
            flags = position_flags(lon, lat)
            if PositionFlag.SWAPPED in flags:
                # The pair read the other way round lies in the county: exchanged.
                issues.append(
                    RowIssue(
                        trow.number,
                        f"经纬度填反，已交换（{lon:g}, {lat:g} → {lat:g}, {lon:g}）",
                        trow.letter("lon"),
                        error=False,
                    )
                )
                lon, lat = lat, lon
                values["lon"], values["lat"] = lon, lat
                flags = position_flags(lon, lat)
            for flag in flags:
                issues.append(
                    RowIssue(
                        trow.number,
                        f"{FLAG_TEXT[flag]}（{lon:g}, {lat:g}），仍将导入",
                        trow.letter("lon"),
                        error=False,
                    )
                )
        for key, default in not_null.items():
            if key in values and values[key] is None:
                values[key] = default
        # The whole record, as it would be.
        merged = {c: (record or {}).get(c) for c in _model_columns(spec)}
        merged.update(values)
        if spec is SHELTERS and merged.get("capacity") is None:
            area, per = merged.get("effective_area_m2"), merged.get("area_per_person_m2")
            if area is not None and per:
                values["capacity"] = merged["capacity"] = capacity_from_area(area, per)
        unreadable = {i.column for i in issues if i.error and i.column}
        if record is None:
            for f in spec.fields:
                if f.required and not table.has(f.name):
                    issues.append(RowIssue(trow.number, f"缺少必填列“{f.zh}”"))
            if trow.letter("capacity") in unreadable and table.has("capacity"):
                pass  # said at the cell
            elif spec is SHELTERS and merged.get("capacity") is None and "capacity" in values:
                issues.append(
                    RowIssue(
                        trow.number,
                        "容纳人数：必填（或填写有效避难面积和人均有效面积）",
                        trow.letter("capacity"),
                    )
                )
            elif spec is SHELTERS and merged.get("capacity") is None:
                issues.append(RowIssue(trow.number, "缺少容纳人数（或有效避难面积和人均有效面积）"))
        elif (
            spec is SHELTERS
            and merged.get("capacity") is None
            and trow.letter("capacity") not in unreadable
        ):
            issues.append(RowIssue(trow.number, "容纳人数：必填", trow.letter("capacity")))
        bad_fields = {i.column for i in issues if i.error}
        for fname, problem in record_problems(spec, merged).items():
            letter = trow.letter(fname)
            if letter not in bad_fields or not letter:
                issues.append(
                    RowIssue(
                        trow.number, f"{spec.field(fname).zh}：{problem_text(problem)}", letter
                    )
                )
        if any(i.error for i in issues):
            out.append(PreviewRow(trow.number, RowAction.REJECTED, label, tuple(issues)))
            continue
        if record is None:
            new = {**_NEW_DEFAULTS.get(spec.kind, {}), **values}
            new["id"] = uuid.uuid4()
            if lon is not None and lat is not None:
                new["coord_source"] = COORD_GCJ02 if gcj02 else COORD_IMPORT
            plan.inserts.append(new)
            out.append(PreviewRow(trow.number, RowAction.NEW, label, tuple(issues)))
            continue
        changed = {k: v for k, v in values.items() if not _same(record.get(k), v)}
        if ("lon" in changed or "lat" in changed) and lon is not None:
            changed["coord_source"] = COORD_GCJ02 if gcj02 else COORD_IMPORT
        if not changed:
            out.append(PreviewRow(trow.number, RowAction.UNCHANGED, label, tuple(issues), target))
            continue
        plan.updates.append(_Planned(trow.number, changed, target))
        shown = tuple(
            k if k != "township_id" else "township" for k in changed if k != "coord_source"
        )
        out.append(PreviewRow(trow.number, RowAction.UPDATE, label, tuple(issues), target, shown))
    return out, plan


def _write_register(uow: UnitOfWork, kind: str, plan: _RegisterPlan) -> None:
    model = MODELS[kind]
    if plan.inserts:
        uow.bulk_insert(model, plan.inserts)
    if plan.updates:
        ids = [p.entity_id for p in plan.updates]
        loaded = {
            obj.id: obj
            for chunk in _chunks(ids, 500)
            for obj in uow.session.scalars(select(model).where(model.id.in_(chunk)))
        }
        for p in plan.updates:
            obj = loaded[p.entity_id]
            for key, value in p.values.items():
                setattr(obj, key, value)


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# -- stock ------------------------------------------------------------------------------------

COL_DEPOT = "depot"
COL_DEPOT_CODE = "depot_code"
COL_CODE = "item_code"
COL_NAME = "item_name"
COL_UNIT = "unit"
COL_QUANTITY = "quantity"
COL_BATCH = "batch"
COL_EXPIRY = "expiry_date"
COL_MIN = "min_quantity"

STOCK_HEADERS: dict[str, tuple[str, ...]] = {
    COL_DEPOT: ("储备库", "储备库名称", "储备库（点）", "储备点", "储备点名称", "仓库", "库点"),
    COL_DEPOT_CODE: ("储备库编号", "储备点编号", "仓库编号", "库点编号"),
    COL_CODE: ("物资编码", "编码", "物资代码", "物资编号", "目录编码", "分类编码"),
    COL_NAME: ("物资名称", "名称", "品名", "物资"),
    COL_UNIT: ("单位", "计量单位"),
    COL_QUANTITY: ("数量", "库存数量", "现有数量", "实有数量", "盘点数量", "库存"),
    COL_BATCH: ("批次", "批号", "批次号"),
    COL_EXPIRY: ("有效期至", "有效期", "到期日期", "保质期至", "有效日期", "失效日期"),
    COL_MIN: ("最低库存", "储备定额", "最低储备", "最低库存量", "最低储备量"),
}
STOCK_ZH: dict[str, str] = {k: v[0] for k, v in STOCK_HEADERS.items()}
STOCK_TABLE = TableSpec(
    {spelling: col for col, spellings in STOCK_HEADERS.items() for spelling in (col, *spellings)},
    required=((COL_DEPOT, COL_DEPOT_CODE), COL_CODE, COL_QUANTITY),
    missing_header="找不到表头：库存需要“储备库”（或“储备库编号”）“物资编码”“数量”列"
    "（可选“物资名称”“单位”“批次”“有效期至”“最低库存”）",
)
# Units of measure offices write for supplies (量词 and SI units).
_UNIT_WORDS = (
    "个 件 套 顶 床 张 条 双 副 台 部 辆 艘 架 只 支 把 块 卷 捆 箱 盒 包 袋 桶 瓶 罐 听 组 具 根 "
    "片 盏 对 册 本 份 批 吨 t 千克 公斤 kg 克 g 升 l 毫升 ml 立方米 m3 m³ 米 m 千米 km 平方米 "
    "m2 ㎡ 延米 件套 人份 盘"
)
KNOWN_UNITS = frozenset(_UNIT_WORDS.split())
_SEVEN_DIGITS = re.compile(r"\d{7}")


def _item_code(text: str) -> str | None:
    raw = "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "").replace(".", "")
    return raw if _SEVEN_DIGITS.fullmatch(raw) else None


def _quantity(text: str, unit: str, what: str) -> float | str:
    """A quantity, or the Chinese reason it is not one."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if unit and raw.endswith(unit):
        raw = raw[: -len(unit)].strip()
    if not raw:
        return f"{what}：必填"
    try:
        value = parse_number(raw)
    except RuleViolation:
        return f"{what}：不是数字：{text}"
    if value < 0:
        return f"{what}：不能为负数：{text}"
    if value >= 1e12:
        return f"{what}：数值过大：{text}"
    return round(value, 2)


@dataclass
class _StockPlan:
    catalog: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    movements: list[dict[str, Any]] = field(default_factory=list)
    expiry: list[tuple[uuid.UUID, date | None]] = field(default_factory=list)
    minimum_new: list[dict[str, Any]] = field(default_factory=list)
    minimum_set: list[tuple[uuid.UUID, float]] = field(default_factory=list)


def _plan_stock(s: Session, table: Table, source: Path) -> tuple[list[PreviewRow], _StockPlan]:
    depots_by_name: dict[str, list[uuid.UUID]] = {}
    depots_by_code: dict[str, uuid.UUID] = {}
    depot_name: dict[uuid.UUID, str] = {}
    for did, name, code in s.execute(
        select(SupplyDepot.id, SupplyDepot.name, SupplyDepot.code).where(
            SupplyDepot.retired_at.is_(None)
        )
    ):
        depots_by_name.setdefault(fold_key(name), []).append(did)
        depot_name[did] = name
        if code:
            depots_by_code[fold_key(code)] = did
    catalog: dict[str, list[tuple[uuid.UUID, str, str]]] = {}
    for cid, code, name, unit in s.execute(
        select(
            SupplyCatalogItem.id,
            SupplyCatalogItem.code,
            SupplyCatalogItem.name,
            SupplyCatalogItem.unit,
        ).where(SupplyCatalogItem.retired_at.is_(None))
    ):
        catalog.setdefault(code, []).append((cid, name, unit))
    lines: dict[tuple[uuid.UUID, uuid.UUID, str, date | None], uuid.UUID] = {}
    for line in s.execute(
        select(
            StockItem.id,
            StockItem.depot_id,
            StockItem.catalog_item_id,
            StockItem.batch,
            StockItem.expiry_date,
        ).where(StockItem.catalog_item_id.is_not(None))
    ):
        assert line.catalog_item_id is not None
        key = (line.depot_id, line.catalog_item_id, fold_key(line.batch or ""), line.expiry_date)
        lines[key] = line.id
    on_hand: dict[uuid.UUID, float] = {
        iid: float(total or 0)
        for iid, total in s.execute(
            select(StockMovement.item_id, func.sum(StockMovement.delta)).group_by(
                StockMovement.item_id
            )
        )
    }
    minimums: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, float]] = {
        (d, c): (mid, float(q))
        for mid, d, c, q in s.execute(
            select(
                DepotMinimum.id,
                DepotMinimum.depot_id,
                DepotMinimum.catalog_item_id,
                DepotMinimum.min_quantity,
            )
        )
    }
    plan = _StockPlan()
    new_codes: dict[str, tuple[uuid.UUID, str, str, int]] = {}  # code -> id, name, unit, row
    seen_lines: dict[tuple[uuid.UUID, uuid.UUID, str, date | None], int] = {}
    seen_min: dict[tuple[uuid.UUID, uuid.UUID], tuple[float, int]] = {}
    note = f"盘点导入：{source.name}"[:256]
    out: list[PreviewRow] = []
    for trow in table.rows:
        issues = [RowIssue(p.row, p.message, p.letter) for p in trow.problems]

        def bad(
            message: str,
            column: str | None = None,
            _trow: TableRow = trow,
            _issues: list[RowIssue] = issues,
        ) -> None:
            _issues.append(RowIssue(_trow.number, message, _trow.letter(column) if column else ""))

        # The depot.
        depot_id: uuid.UUID | None = None
        depot_code = trow.text(COL_DEPOT_CODE)
        depot_text = trow.text(COL_DEPOT, nfkc=False)
        if depot_code:
            depot_id = depots_by_code.get(fold_key(depot_code))
            if depot_id is None:
                bad(f"未知储备库编号：{depot_code}", COL_DEPOT_CODE)
        elif depot_text:
            found = depots_by_name.get(fold_key(depot_text), [])
            if len(found) == 1:
                depot_id = found[0]
            elif found:
                bad(f"有 {len(found)} 个储备库名为“{depot_text}”，请填写储备库编号", COL_DEPOT)
            else:
                bad(f"未知储备库：{depot_text}", COL_DEPOT)
        else:
            bad("储备库：必填", COL_DEPOT if table.has(COL_DEPOT) else COL_DEPOT_CODE)
        # The catalogue entry.
        code_text = trow.text(COL_CODE)
        name = trow.text(COL_NAME, nfkc=False)
        unit = trow.text(COL_UNIT, nfkc=False)
        code = _item_code(code_text)
        item: tuple[uuid.UUID, str, str] | None = None
        if not code_text:
            bad("物资编码：必填", COL_CODE)
        elif code is None:
            bad(f"物资编码应为 7 位数字（GB/T 38565-2020，如 1010203）：{code_text}", COL_CODE)
        elif code in catalog:
            entries = catalog[code]
            named = [e for e in entries if name and fold_key(e[1]) == fold_key(name)]
            item = (named or entries)[0]
            if unit and fold_key(unit) != fold_key(item[2]):
                bad(f"单位“{unit}”与物资目录中 {code} {item[1]} 的单位“{item[2]}”不符", COL_UNIT)
        elif code in new_codes:
            cid, first_name, first_unit, first_row = new_codes[code]
            if (name and fold_key(name) != fold_key(first_name)) or (
                unit and fold_key(unit) != fold_key(first_unit)
            ):
                bad(
                    f"物资编码 {code} 在第 {first_row} 行是“{first_name}（{first_unit}）”，"
                    "两行不一致",
                    COL_CODE,
                )
            item = (cid, first_name, first_unit)
        elif not name or not unit:
            bad(f"物资编码不在目录中：{code}（填写物资名称和单位可将其加入物资目录）", COL_CODE)
        elif fold_key(unit) not in KNOWN_UNITS and unit not in KNOWN_UNITS:
            bad(f"无法识别的计量单位：{unit}", COL_UNIT)
        elif len(name) > 128 or len(unit) > 16:
            bad("物资名称不能超过 128 个字，单位不能超过 16 个字", COL_NAME)
        else:
            cid = uuid.uuid4()
            new_codes[code] = (cid, name, unit, trow.number)
            plan.catalog.append({"id": cid, "code": code, "name": name, "unit": unit})
            item = (cid, name, unit)
        # Quantity, batch, expiry, minimum.
        quantity = _quantity(trow.text(COL_QUANTITY), item[2] if item else unit, "数量")
        if isinstance(quantity, str):
            bad(quantity, COL_QUANTITY)
        batch = trow.text(COL_BATCH, nfkc=False)
        if len(batch) > 64:
            bad("批次：不能超过 64 个字", COL_BATCH)
        expiry: date | None = None
        raw_expiry = trow.value(COL_EXPIRY)
        if cell_text(raw_expiry):
            expiry = cell_date(raw_expiry)
            if expiry is None:
                try:
                    expiry = parse_date(cell_text(raw_expiry))
                except RuleViolation as exc:
                    bad(f"有效期至：{problem_text(exc)}", COL_EXPIRY)
        minimum: float | None = None
        if cell_text(trow.value(COL_MIN)):
            got = _quantity(trow.text(COL_MIN), item[2] if item else unit, "最低库存")
            if isinstance(got, str):
                bad(got, COL_MIN)
            else:
                minimum = got
        depot_label = depot_name[depot_id] if depot_id else (depot_text or depot_code)
        label = f"{depot_label} · {item[1] if item else (name or code_text)}"
        if batch:
            label += f" · {batch}"
        if depot_id is not None and item is not None:
            key = (depot_id, item[0], fold_key(batch), expiry)
            first = seen_lines.setdefault(key, trow.number)
            if first != trow.number:
                bad(f"与第 {first} 行是同一储备库、物资、批次和有效期", COL_CODE)
            if minimum is not None:
                prev = seen_min.setdefault((depot_id, item[0]), (minimum, trow.number))
                if prev[0] != minimum:
                    bad(f"最低库存与第 {prev[1]} 行不同（同一储备库的同一物资）", COL_MIN)
        if any(i.error for i in issues) or depot_id is None or item is None:
            out.append(PreviewRow(trow.number, RowAction.REJECTED, label, tuple(issues)))
            continue
        assert isinstance(quantity, float)
        changed: list[str] = []
        line_id = lines.get((depot_id, item[0], fold_key(batch), expiry))
        if line_id is None:
            line_id = uuid.uuid4()
            plan.items.append(
                {
                    "id": line_id,
                    "depot_id": depot_id,
                    "catalog_item_id": item[0],
                    "category_code": code,
                    "name": item[1],
                    "unit": item[2],
                    "batch": batch or None,
                    "expiry_date": expiry,
                    "min_quantity": 0,
                }
            )
            action = RowAction.NEW
            if quantity:
                plan.movements.append(_movement(line_id, StockMovementKind.RECEIPT, quantity, note))
        else:
            action = RowAction.UNCHANGED
            delta = round(quantity - on_hand.get(line_id, 0.0), 2)
            if delta:
                plan.movements.append(_movement(line_id, StockMovementKind.ADJUSTMENT, delta, note))
                changed.append("quantity")
        if minimum is not None:
            held = minimums.get((depot_id, item[0]))
            if held is None:
                minimums[(depot_id, item[0])] = (uuid.uuid4(), minimum)
                plan.minimum_new.append(
                    {
                        "id": minimums[(depot_id, item[0])][0],
                        "depot_id": depot_id,
                        "catalog_item_id": item[0],
                        "min_quantity": minimum,
                    }
                )
                changed.append("min_quantity")
            elif not _same(held[1], minimum):
                plan.minimum_set.append((held[0], minimum))
                minimums[(depot_id, item[0])] = (held[0], minimum)
                changed.append("min_quantity")
        if changed and action is RowAction.UNCHANGED:
            action = RowAction.UPDATE
        out.append(PreviewRow(trow.number, action, label, tuple(issues), line_id, tuple(changed)))
    return out, plan


def _movement(
    item_id: uuid.UUID, kind: StockMovementKind, delta: float, note: str
) -> dict[str, Any]:
    return {"item_id": item_id, "kind": kind.value, "delta": delta, "note": note}


def _write_stock(uow: UnitOfWork, db: Database, plan: _StockPlan) -> None:
    if plan.catalog:
        uow.bulk_insert(SupplyCatalogItem, plan.catalog)
    if plan.items:
        uow.bulk_insert(StockItem, plan.items)
    if plan.movements:
        now = db.clock()
        for m in plan.movements:
            m.setdefault("at", now)
            m.setdefault("actor", uow.actor)
        uow.bulk_insert(StockMovement, plan.movements)
    if plan.minimum_new:
        uow.bulk_insert(DepotMinimum, plan.minimum_new)
    if plan.minimum_set:
        loaded = {
            m.id: m
            for m in uow.session.scalars(
                select(DepotMinimum).where(DepotMinimum.id.in_([i for i, _ in plan.minimum_set]))
            )
        }
        for mid, value in plan.minimum_set:
            loaded[mid].min_quantity = value


# -- the public functions ------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown register {kind!r}; one of {', '.join(KINDS)}")


def _build(
    s: Session, kind: str, table: Table, path: Path, match: Match, gcj02: bool
) -> RegisterPreview:
    if kind == "stock":
        rows, stock_plan = _plan_stock(s, table, path)
        plan: Any = stock_plan
        used: Match = match
    else:
        spec = REGISTERS[kind]
        used = match if table.has("code") else "name_township"
        rows, plan = _plan_register(s, spec, table, used, gcj02)
    columns = tuple(dict.fromkeys(c for c in table.header if c))
    return RegisterPreview(
        kind, path, used, gcj02, tuple(rows), (), columns, table.blank_rows, table.notes, plan
    )


def _table_spec(kind: str) -> TableSpec:
    return STOCK_TABLE if kind == "stock" else register_table_spec(REGISTERS[kind])


def preview_register(
    db: Database,
    kind: str,
    path: Path | str,
    *,
    match: Match = "code",
    gcj02: bool = False,
) -> RegisterPreview:
    """What importing ``path`` into ``kind`` (shelters, depots, teams, hazards,
    stock) would do, row by row, without writing anything.

    ``match``: ``"code"`` (编号; rows without one, or a file without the
    column, by name and township) or ``"name_township"``. ``gcj02``: the file's
    coordinates are GCJ-02 and are converted to WGS-84 (ignored for stock).
    A file that cannot be read is a preview with ``file_errors``, never an
    exception. Raises ValueError for an unknown ``kind``.
    """
    _check_kind(kind)
    path = Path(path)
    table = _read(path, _table_spec(kind))
    if isinstance(table, RowIssue):
        return RegisterPreview(kind, path, match, gcj02, file_errors=(table,))
    with db.read_session() as s:
        return _build(s, kind, table, path, match, gcj02)


def import_register(
    db: Database,
    kind: str,
    path: Path | str,
    *,
    match: Match = "code",
    gcj02: bool = False,
    actor: str,
    site: str,
    dry_run: bool = False,
) -> ImportResult:
    """Import ``path`` into register ``kind`` (or stock) all or nothing.

    The file is read and checked as :func:`preview_register` does, inside the
    write transaction, so the rows are matched against the database as it is
    when writing. When any row is rejected (or the file is), nothing is
    written and the result carries the errors (``written`` False); errors are
    returned, not raised. Otherwise one unit of work inserts the new rows
    (bulk), updates the matched ones (version up, change_log with before and
    after) and, for stock, writes one movement per changed line. A file with
    nothing new or changed writes nothing. ``dry_run`` checks only.

    ``actor``/``site`` sign the change log when no person is signed in.
    Raises :class:`~app.services.access.NotPermitted` when the operator may
    not edit the registers (Action.EDIT_RESOURCES) or record stock
    (Action.RECORD_MOVEMENT); database problems as the unit of work raises them.
    """
    _check_kind(kind)
    path = Path(path)
    table = _read(path, _table_spec(kind))
    if isinstance(table, RowIssue):
        return ImportResult(RegisterPreview(kind, path, match, gcj02, file_errors=(table,)), False)
    if dry_run:
        with db.read_session() as s:
            return ImportResult(_build(s, kind, table, path, match, gcj02), False)
    require(db, Action.RECORD_MOVEMENT if kind == "stock" else Action.EDIT_RESOURCES)
    with UnitOfWork(db, actor=actor, site=site) as uow:
        preview = _build(uow.session, kind, table, path, match, gcj02)
        if not preview.can_import:
            return ImportResult(preview, False)
        writer: Callable[[], None]
        if kind == "stock":
            writer = lambda: _write_stock(uow, db, preview._plan)  # noqa: E731
        else:
            writer = lambda: _write_register(uow, kind, preview._plan)  # noqa: E731
        writer()
        return ImportResult(preview, True, uow.commit())


def error_lines(preview: RegisterPreview, *, limit: int | None = None) -> list[str]:
    """The errors and then the warnings as lines ("第 7 行 C 列：…" / "提醒 第 8 行 …")."""
    lines = [f"错误 {e}" for e in preview.errors] + [f"提醒 {w}" for w in preview.warnings]
    return lines if limit is None else lines[:limit]
