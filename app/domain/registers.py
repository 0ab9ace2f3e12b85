"""The county's resource registers (台账): what each holds, how a value is read and checked.

One description per register (shelters, supply depots, rescue teams, hazard
sites) serves the edit form, the import and the export, so a field is named,
read and checked the same way everywhere:

- :class:`FieldSpec`: the column, its kind, its Chinese and English name, the
  header spellings Chinese offices use for it (``aliases``), limits;
- :func:`parse_field`: text as typed or found in a cell -> the stored value,
  or a :class:`RuleViolation` whose :func:`problem_text` is a Chinese message;
- :func:`record_problems`: the rules across fields (capacity from area, a
  contract that ends before it starts, ...).

Shelter fields follow the classification of GB/T 44013-2024 (应急避难场所
分级及分类: by duration 紧急/短期/长期, indoor/outdoor) and the area figures
of GB 21734 (有效避难面积, 人均有效避难面积). No Qt and no database here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Final

from app.domain.coords import parse_angle
from app.domain.labels import Family, codes, label, labels
from app.domain.rules import PHONE_MAX, RuleViolation, phone_problem
from app.domain.text import fold_key


class FieldKind(StrEnum):
    TEXT = "text"  # one line
    LONG_TEXT = "long_text"  # several lines
    INT = "int"  # a count (people, members)
    NUMBER = "number"  # a measure (m², metres)
    DATE = "date"
    CHOICE = "choice"  # one code of ``family``
    MULTI = "multi"  # any number of codes of ``family``, stored comma-separated
    PHONE = "phone"
    TOWNSHIP = "township"  # a township by name (resolved by the service)
    LON = "lon"  # decimal degrees or DMS
    LAT = "lat"


@dataclass(frozen=True)
class FieldSpec:
    """One field of a register.

    ``name`` is the model's column (``township`` for the township, resolved to
    ``township_id`` by the service). ``zh``/``en`` name it; ``aliases`` are
    further header spellings (``zh`` is always accepted). ``max_length`` for
    text, ``minimum``/``maximum`` for numbers (``unit`` says which: m², m).
    ``importable`` is False for what only the program sets.
    """

    name: str
    kind: FieldKind
    zh: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    family: Family | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    importable: bool = True

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header spelling of this field: the Chinese name first."""
        return (self.zh, self.en, self.name, *self.aliases)


@dataclass(frozen=True)
class RegisterSpec:
    """A register: ``kind`` as the command line names it (``shelters``), the
    change-log ``entity``, its Chinese and English titles, and its fields."""

    kind: str
    entity: str
    zh: str
    en: str
    fields: tuple[FieldSpec, ...]
    _by_name: dict[str, FieldSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    def field(self, name: str) -> FieldSpec:
        """The field called ``name``; KeyError when there is none."""
        return self._by_name[name]

    def aliases(self) -> dict[str, str]:
        """Header spelling -> field name, for :class:`app.services.tabular.TableSpec`."""
        out: dict[str, str] = {}
        for f in self.fields:
            if f.importable:
                for spelling in f.headers:
                    out.setdefault(spelling, f.name)
        return out


# -- the shared fields ------------------------------------------------------------------

_CODE = FieldSpec(
    "code", FieldKind.TEXT, "编号", "Number", aliases=("代码", "登记编号"), max_length=32
)
_TOWNSHIP = FieldSpec(
    "township",
    FieldKind.TOWNSHIP,
    "乡镇",
    "Township",
    aliases=("所在乡镇（街道）", "乡镇（街道）", "所在乡镇", "所属乡镇", "乡镇街道", "镇（街道）"),
)
_ADDRESS = FieldSpec(
    "address",
    FieldKind.TEXT,
    "地址",
    "Address",
    aliases=("详细地址", "所在地址", "位置", "地点", "具体位置"),
    max_length=256,
)
_LON = FieldSpec(
    "lon",
    FieldKind.LON,
    "经度",
    "Longitude",
    aliases=("东经", "lng", "long", "longitude", "x", "经度（e）", "经度(度)"),
)
_LAT = FieldSpec(
    "lat", FieldKind.LAT, "纬度", "Latitude", aliases=("北纬", "latitude", "y", "纬度（n）")
)
_PHONE_ALIASES = ("电话", "联系方式", "手机", "手机号码", "联系手机", "负责人电话", "值班电话")


def _name(*aliases: str) -> FieldSpec:
    return FieldSpec("name", FieldKind.TEXT, "名称", "Name", True, aliases, max_length=128)


SHELTERS: Final = RegisterSpec(
    "shelters",
    "shelter",
    "应急避难场所",
    "Shelters",
    (
        _CODE,
        _name("场所名称", "避难场所名称", "应急避难场所名称", "避难场所"),
        FieldSpec(
            "shelter_type",
            FieldKind.CHOICE,
            "场所类型",
            "Indoor or outdoor",
            True,
            ("类型", "室内/室外", "室内或室外", "场所性质"),
            Family.SHELTER_TYPE,
        ),
        FieldSpec(
            "duration_kind",
            FieldKind.CHOICE,
            "避难期类型",
            "Kind by duration",
            aliases=("场所类别", "避难场所类别", "类别", "按避难时长分类"),
            family=Family.SHELTER_DURATION,
        ),
        FieldSpec(
            "level",
            FieldKind.CHOICE,
            "场所级别",
            "Level",
            aliases=("级别", "层级", "管理级别"),
            family=Family.SHELTER_LEVEL,
        ),
        _TOWNSHIP,
        _ADDRESS,
        _LON,
        _LAT,
        FieldSpec(
            "effective_area_m2",
            FieldKind.NUMBER,
            "有效避难面积",
            "Effective area",
            aliases=("有效面积", "有效避难面积（平方米）", "有效避难面积（㎡）", "避难面积"),
            minimum=0,
            maximum=1e8,
            unit="m²",
        ),
        FieldSpec(
            "area_per_person_m2",
            FieldKind.NUMBER,
            "人均有效面积",
            "Area per person",
            aliases=("人均有效避难面积", "人均面积", "人均面积（平方米）"),
            minimum=0,
            maximum=1000,
            unit="m²",
        ),
        FieldSpec(
            "capacity",
            FieldKind.INT,
            "容纳人数",
            "Capacity",
            aliases=("可容纳人数", "容量", "可容纳避难人数", "避难人数", "设计容纳人数"),
            minimum=0,
            maximum=10_000_000,
        ),
        FieldSpec(
            "service_radius_m",
            FieldKind.NUMBER,
            "服务半径",
            "Service radius",
            aliases=("服务半径（米）", "服务半径（m）"),
            minimum=0,
            maximum=100_000,
            unit="m",
        ),
        FieldSpec(
            "facilities",
            FieldKind.LONG_TEXT,
            "设施",
            "Facilities",
            aliases=("配套设施", "主要设施", "应急设施"),
            max_length=2000,
        ),
        FieldSpec(
            "manager",
            FieldKind.TEXT,
            "负责人",
            "Manager",
            aliases=("管理人", "管理责任人", "联系人"),
            max_length=64,
        ),
        FieldSpec("phone", FieldKind.PHONE, "联系电话", "Phone", aliases=_PHONE_ALIASES),
        FieldSpec(
            "last_inspected_on",
            FieldKind.DATE,
            "最近检查日期",
            "Last inspected",
            aliases=("检查日期", "最近一次检查", "上次检查日期"),
        ),
    ),
)

DEPOTS: Final = RegisterSpec(
    "depots",
    "supply_depot",
    "应急物资储备库（点）",
    "Supply depots",
    (
        _CODE,
        _name("储备库名称", "储备点名称", "仓库名称", "储备库（点）名称"),
        FieldSpec(
            "level",
            FieldKind.CHOICE,
            "储备类型",
            "Level",
            True,
            ("级别", "类型", "储备库级别", "储备级别"),
            Family.DEPOT_LEVEL,
        ),
        _TOWNSHIP,
        _ADDRESS,
        _LON,
        _LAT,
        FieldSpec(
            "manager",
            FieldKind.TEXT,
            "负责人",
            "Manager",
            aliases=("管理人", "联系人", "库管员"),
            max_length=64,
        ),
        FieldSpec("phone", FieldKind.PHONE, "联系电话", "Phone", aliases=_PHONE_ALIASES),
        FieldSpec(
            "company",
            FieldKind.TEXT,
            "协议企业",
            "Company",
            aliases=("企业名称", "储备企业", "协议单位"),
            max_length=128,
        ),
        FieldSpec(
            "contract_start",
            FieldKind.DATE,
            "协议起始日期",
            "Contract from",
            aliases=("协议开始", "合同开始日期", "协议起始"),
        ),
        FieldSpec(
            "contract_end",
            FieldKind.DATE,
            "协议截止日期",
            "Contract to",
            aliases=("协议截止", "合同截止日期", "协议到期日期", "到期日期"),
        ),
    ),
)

TEAMS: Final = RegisterSpec(
    "teams",
    "rescue_team",
    "应急救援队伍",
    "Rescue teams",
    (
        _CODE,
        _name("队伍名称", "救援队伍名称", "队伍"),
        FieldSpec(
            "team_type",
            FieldKind.CHOICE,
            "队伍类型",
            "Team type",
            True,
            ("类型", "队伍性质", "队伍类别"),
            Family.TEAM_TYPE,
        ),
        FieldSpec(
            "specialties",
            FieldKind.MULTI,
            "专长",
            "Specialties",
            aliases=("救援专长", "擅长领域", "专业类别", "主要能力"),
            family=Family.TEAM_SPECIALTY,
        ),
        FieldSpec(
            "members",
            FieldKind.INT,
            "队员人数",
            "Members",
            aliases=("人数", "总人数", "在编人数", "队伍人数"),
            minimum=0,
            maximum=100_000,
        ),
        FieldSpec(
            "available",
            FieldKind.INT,
            "可出动人数",
            "Members available",
            aliases=("可调用人数", "在岗人数"),
            minimum=0,
            maximum=100_000,
        ),
        FieldSpec(
            "volunteers",
            FieldKind.INT,
            "志愿者人数",
            "Volunteers",
            aliases=("志愿者",),
            minimum=0,
            maximum=100_000,
        ),
        FieldSpec(
            "equipment",
            FieldKind.LONG_TEXT,
            "装备",
            "Equipment",
            aliases=("主要装备", "装备情况", "装备器材"),
            max_length=2000,
        ),
        FieldSpec(
            "base_address",
            FieldKind.TEXT,
            "驻地",
            "Base",
            aliases=("驻地地址", "地址", "详细地址"),
            max_length=256,
        ),
        _TOWNSHIP,
        _LON,
        _LAT,
        FieldSpec(
            "contact_name",
            FieldKind.TEXT,
            "联系人",
            "Contact",
            aliases=("负责人", "队长"),
            max_length=64,
        ),
        FieldSpec("contact_phone", FieldKind.PHONE, "联系电话", "Phone", aliases=_PHONE_ALIASES),
    ),
)

HAZARDS: Final = RegisterSpec(
    "hazards",
    "hazard_site",
    "风险源和隐患点",
    "Hazard sites",
    (
        FieldSpec(
            "code",
            FieldKind.TEXT,
            "编号",
            "Number",
            aliases=("代码", "隐患编号", "风险源编号", "登记编号"),
            max_length=32,
        ),
        _name("风险源名称", "隐患点名称", "隐患名称", "企业名称", "单位名称"),
        FieldSpec(
            "hazard_type",
            FieldKind.CHOICE,
            "类型",
            "Type",
            True,
            ("风险类型", "隐患类型", "风险源类型", "类别"),
            Family.HAZARD_TYPE,
        ),
        FieldSpec(
            "risk_level",
            FieldKind.CHOICE,
            "风险等级",
            "Risk level",
            True,
            ("等级", "级别", "风险级别"),
            Family.RISK_LEVEL,
        ),
        _TOWNSHIP,
        _ADDRESS,
        _LON,
        _LAT,
        FieldSpec(
            "responsible_unit",
            FieldKind.TEXT,
            "责任单位",
            "Responsible unit",
            aliases=("监管单位", "主体责任单位", "责任主体"),
            max_length=128,
        ),
        FieldSpec(
            "contact_name",
            FieldKind.TEXT,
            "责任人",
            "Contact",
            aliases=("联系人", "负责人"),
            max_length=64,
        ),
        FieldSpec("contact_phone", FieldKind.PHONE, "联系电话", "Phone", aliases=_PHONE_ALIASES),
        FieldSpec(
            "monitoring_status",
            FieldKind.TEXT,
            "监测情况",
            "Monitoring",
            aliases=("监测状态", "监控状态", "监测监控情况"),
            max_length=64,
        ),
        FieldSpec(
            "rectification_state",
            FieldKind.CHOICE,
            "整改状态",
            "Rectification",
            aliases=("整改情况", "整改进度"),
            family=Family.RECTIFICATION,
        ),
        FieldSpec(
            "rectification_deadline",
            FieldKind.DATE,
            "整改期限",
            "Rectification deadline",
            aliases=("整改时限", "整改截止日期", "整改完成时限"),
        ),
        FieldSpec(
            "rectified_on",
            FieldKind.DATE,
            "整改完成日期",
            "Rectified on",
            aliases=("完成日期", "整改完成时间"),
        ),
        FieldSpec(
            "supervision",
            FieldKind.CHOICE,
            "督办",
            "Supervision",
            aliases=("督办级别", "挂牌督办"),
            family=Family.SUPERVISION,
        ),
    ),
)

REGISTERS: Final[dict[str, RegisterSpec]] = {
    spec.kind: spec for spec in (SHELTERS, DEPOTS, TEAMS, HAZARDS)
}


# -- reading a value ----------------------------------------------------------------------

_THOUSANDS = re.compile(r"(?<=\d)[,，](?=\d{3}(?:\D|$))")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_UNIT_SUFFIX = re.compile(r"\s*(平方米|㎡|m²|m2|米|m|人|名|个)$", re.IGNORECASE)
_SPLIT = re.compile(r"[,，、;；/\s]+")


def _choices(family: Family) -> dict[str, str]:
    """Folded spelling -> code: the code, both labels, and the Chinese label's short forms."""
    out: dict[str, str] = {}
    for code in codes(family):
        out[fold_key(code)] = code
        for language in ("zh_CN", "en"):
            text = label(family, code, language)
            out.setdefault(fold_key(text), code)
            # "重大风险（红）" -> "重大风险", "红"; "紧急避难场所" -> "紧急"
            for part in re.split(r"[（）()]", text):
                if part.strip():
                    out.setdefault(fold_key(part), code)
    for code, text in labels(family, "zh_CN").items():
        for part in [text, *re.split(r"[（）()]", text)]:
            for suffix in ("避难场所", "储备库", "储备点", "级", "督办", "风险"):
                if part.endswith(suffix) and len(part) > len(suffix):
                    out.setdefault(fold_key(part[: -len(suffix)]), code)
    return out


def choice_code(family: Family, text: str) -> str:
    """The code of ``family`` that ``text`` names (code, label or short label).

    Raises :class:`RuleViolation` ``field.unknown_choice`` (detail: the text).
    """
    found = _choices(family).get(fold_key(text))
    if found is None:
        raise RuleViolation("field.unknown_choice", text)
    return found


def parse_number(text: str) -> float:
    """A number as written in a register: ``1,200``, ``１２００``, ``3500平方米``, ``2.5万``.

    Raises :class:`RuleViolation` ``field.not_a_number`` (detail: the text).
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    raw = _THOUSANDS.sub("", raw).replace(" ", "")
    factor = 1.0
    if raw.endswith("万") or raw.endswith("万人"):
        factor, raw = 10_000.0, raw.split("万")[0]
    raw = _UNIT_SUFFIX.sub("", raw)
    if not _NUMBER.fullmatch(raw):
        raise RuleViolation("field.not_a_number", text)
    value = float(raw) * factor
    if not math.isfinite(value):
        raise RuleViolation("field.not_a_number", text)
    return value


def parse_date(text: str) -> date:
    """``2026-05-01``, ``2026/5/1``, ``2026.5.1``, ``2026年5月1日``.

    Raises :class:`RuleViolation` ``field.not_a_date`` (detail: the text).
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    m = _DATE.fullmatch(raw)
    if m is None:
        raise RuleViolation("field.not_a_date", text)
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise RuleViolation("field.not_a_date", text) from None


def parse_field(spec: FieldSpec, text: str) -> Any:
    """``text`` (as typed, or a cell's text) as the value stored for ``spec``.

    Empty text is ``None`` (``field.required`` when the field is required).
    Returns str (TEXT, LONG_TEXT, PHONE, TOWNSHIP: the name, checked by the
    service), int (INT), float (NUMBER; LON/LAT in decimal degrees), date
    (DATE), a code (CHOICE), a comma-separated list of codes (MULTI).
    Raises :class:`RuleViolation`: ``field.required``, ``field.too_long``
    (detail: the limit), ``field.not_a_number``, ``field.not_whole``,
    ``field.negative``, ``field.too_large`` (detail: the limit),
    ``field.not_a_date``, ``field.unknown_choice``, ``phone.invalid``,
    ``phone.too_long``, ``coord.*`` (see :func:`parse_angle`).
    """
    raw = (text or "").strip()
    if not raw:
        if spec.required:
            raise RuleViolation("field.required", spec.zh)
        return None
    kind = spec.kind
    if kind in (FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.TOWNSHIP):
        if spec.max_length is not None and len(raw) > spec.max_length:
            raise RuleViolation("field.too_long", str(spec.max_length))
        return raw
    if kind is FieldKind.PHONE:
        problem = phone_problem(raw)
        if problem is not None:
            raise RuleViolation(problem, str(PHONE_MAX))
        return raw
    if kind in (FieldKind.INT, FieldKind.NUMBER):
        value = parse_number(raw)
        if kind is FieldKind.INT and value != int(value):
            raise RuleViolation("field.not_whole", text)
        if spec.minimum is not None and value < spec.minimum:
            raise RuleViolation("field.negative", text)
        if spec.maximum is not None and value > spec.maximum:
            raise RuleViolation("field.too_large", _plain(spec.maximum))
        return int(value) if kind is FieldKind.INT else value
    if kind is FieldKind.DATE:
        return parse_date(raw)
    if kind is FieldKind.CHOICE:
        assert spec.family is not None
        return choice_code(spec.family, raw)
    if kind is FieldKind.MULTI:
        assert spec.family is not None
        found: list[str] = []
        for part in _SPLIT.split(raw):
            if part:
                code = choice_code(spec.family, part)
                if code not in found:
                    found.append(code)
        return ",".join(found) or None
    if kind is FieldKind.LON:
        return parse_angle(raw, "lon")
    if kind is FieldKind.LAT:
        return parse_angle(raw, "lat")
    raise AssertionError(kind)  # pragma: no cover


def _plain(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def format_field(spec: FieldSpec, value: Any, language: str = "zh_CN") -> str:
    """A stored value as people read it (the inverse of :func:`parse_field` for display)."""
    if value is None or value == "":
        return ""
    if spec.kind is FieldKind.CHOICE and spec.family is not None:
        return label(spec.family, str(value), language)
    if spec.kind is FieldKind.MULTI and spec.family is not None:
        family = spec.family
        return "、".join(label(family, c, language) for c in str(value).split(",") if c)
    if spec.kind is FieldKind.DATE and isinstance(value, date):
        return value.isoformat()
    if spec.kind is FieldKind.NUMBER and isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return str(value)


# -- rules across fields ---------------------------------------------------------------------


def capacity_from_area(effective_area_m2: float, area_per_person_m2: float) -> int:
    """Capacity (people) = effective area / area per person, rounded down (GB 21734).

    Raises :class:`RuleViolation` ``shelter.area_per_person`` when the area per
    person is not positive.
    """
    if not area_per_person_m2 or area_per_person_m2 <= 0:
        raise RuleViolation("shelter.area_per_person", str(area_per_person_m2))
    return math.floor(effective_area_m2 / area_per_person_m2 + 1e-9)


def record_problems(spec: RegisterSpec, values: Mapping[str, Any]) -> dict[str, RuleViolation]:
    """Rules across the fields of one record, by the field to show them at.

    ``values`` holds parsed values by field name (missing = None). Codes:
    ``shelter.capacity_above_area`` (capacity more than the area allows;
    detail: that number), ``field.before_start`` (a contract or
    rectification that ends before it starts), ``coord.half`` (a longitude
    without a latitude or the reverse), ``hazard.done_without_date``.
    """
    problems: dict[str, RuleViolation] = {}
    lon, lat = values.get("lon"), values.get("lat")
    if (lon is None) != (lat is None):
        problems["lat" if lat is None else "lon"] = RuleViolation("coord.half", "")
    if spec is SHELTERS:
        area, per, capacity = (
            values.get("effective_area_m2"),
            values.get("area_per_person_m2"),
            values.get("capacity"),
        )
        if area is not None and per and capacity is not None:
            most = capacity_from_area(area, per)
            if capacity > most:
                problems["capacity"] = RuleViolation("shelter.capacity_above_area", str(most))
    if spec is DEPOTS:
        start, end = values.get("contract_start"), values.get("contract_end")
        if start is not None and end is not None and end < start:
            problems["contract_end"] = RuleViolation("field.before_start", start.isoformat())
    if (
        spec is HAZARDS
        and values.get("rectification_state") == "done"
        and values.get("rectified_on") is None
    ):
        problems["rectified_on"] = RuleViolation("hazard.done_without_date", "")
    return problems


# -- messages ---------------------------------------------------------------------------------

_TEXTS: Final[dict[str, str]] = {
    "field.required": "必填",
    "field.too_long": "不能超过 {detail} 个字",
    "field.not_a_number": "不是数字：{detail}",
    "field.not_whole": "应为整数：{detail}",
    "field.negative": "不能为负数：{detail}",
    "field.too_large": "不能超过 {detail}",
    "field.not_a_date": "日期无法识别：{detail}（应为 2026-05-01 或 2026年5月1日）",
    "field.unknown_choice": "无法识别的选项：{detail}",
    "field.before_start": "早于开始日期 {detail}",
    "field.duplicate_in_file": "与第 {detail} 行重复",
    "field.duplicate_code": "编号已被“{detail}”使用",
    "field.unknown_township": "未知乡镇：{detail}",
    "phone.invalid": "电话号码只能包含数字、空格、“-”、“+”、括号和分机号",
    "phone.too_long": "电话号码不能超过 {detail} 个字符",
    "coord.empty": "缺少坐标",
    "coord.unreadable": (
        "坐标无法识别：{detail}（以度为单位，如 116.95、34.19，或度分秒 116°57′30″）"
    ),
    "coord.wrong_axis": "方向不对：{detail}（经度用东经/E，纬度用北纬/N）",
    "coord.out_of_range": "超出范围：{detail}（经度 -180~180，纬度 -90~90）",
    "coord.half": "经度和纬度要同时填写",
    "shelter.capacity_above_area": "按有效面积和人均面积最多容纳 {detail} 人",
    "shelter.area_per_person": "人均有效面积应大于 0",
    "hazard.done_without_date": "已整改时请填写整改完成日期",
}


def problem_text(problem: RuleViolation) -> str:
    """The Chinese message of a rule code raised here ("" detail allowed)."""
    code = getattr(problem, "code", "")
    detail = getattr(problem, "detail", "") or ""
    text = _TEXTS.get(code)
    if text is None:
        return f"{code}：{detail}" if detail else code
    return text.format(detail=detail)
