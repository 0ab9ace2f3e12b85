"""People-facing labels of stored codes: the one table, in English and Chinese.

Widgets (``app.ui.labels``), the map page and every report read their labels
here, so a code is written the same way everywhere. Each family maps a code to
(English, Simplified Chinese). The Chinese follows official usage: severity
levels with the Roman numerals Ⅰ..Ⅳ (U+2160..U+2163) as in the national master
plan for public emergencies, e.g. ``Ⅰ级（特别重大）``, response levels ``Ⅰ级响应``.

Reports are the county's own Chinese documents, so the default language is
Chinese; the UI passes the language it runs in. No Qt here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final, Literal

from app.domain.deadlines import ReportKind
from app.domain.enums import (
    DepotLevel,
    HazardType,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    LogEntryKind,
    RiskLevel,
    Severity,
    ShelterType,
    StaffRole,
    TeamStatus,
    TeamType,
)

Language = Literal["zh_CN", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("zh_CN", "en")
DEFAULT_LANGUAGE: Final[Language] = "zh_CN"


class Family(StrEnum):
    """A set of codes that share one kind of label (also the key the map page uses)."""

    RISK_LEVEL = "risk_level"
    HAZARD_TYPE = "hazard_type"
    SHELTER_TYPE = "shelter_type"
    SHELTER_STATUS = "shelter_status"
    DEPOT_LEVEL = "depot_level"
    TEAM_TYPE = "team_type"
    TEAM_STATUS = "team_status"
    STAFF_ROLE = "staff_role"
    INCIDENT_CATEGORY = "incident_category"
    INCIDENT_TYPE = "incident_type"
    SEVERITY = "severity"
    INCIDENT_STATUS = "incident_status"
    INCIDENT_SOURCE = "incident_source"
    LOG_KIND = "log_kind"
    REPORT_KIND = "report_kind"
    RESPONSE_LEVEL = "response_level"
    FIGURE = "figure"  # a figure of 自然灾害情况统计 (field name of the statistics)
    FIGURE_UNIT = "figure_unit"  # its unit, keyed by the same field name


# Shelter states are not stored as one code (``is_open`` plus occupancy against
# capacity) but are shown as one.
SHELTER_OPEN = "open"
SHELTER_FULL = "full"
SHELTER_CLOSED = "closed"

# Response levels as stored in the incident log (``"1"`` the highest).
RESPONSE_LEVEL_CODES: Final[tuple[str, ...]] = ("1", "2", "3", "4")

_TABLE: Final[Mapping[Family, Mapping[str, tuple[str, str]]]] = {
    Family.RISK_LEVEL: {
        RiskLevel.RED: ("Major risk (red)", "重大风险（红）"),
        RiskLevel.ORANGE: ("Serious risk (orange)", "较大风险（橙）"),
        RiskLevel.YELLOW: ("General risk (yellow)", "一般风险（黄）"),
        RiskLevel.BLUE: ("Low risk (blue)", "低风险（蓝）"),
    },
    Family.HAZARD_TYPE: {
        HazardType.CHEMICAL: ("Hazardous chemicals company", "危险化学品企业"),
        HazardType.MINE: ("Non-coal mine", "非煤矿山"),
        HazardType.GAS: ("Gas", "燃气"),
        HazardType.DUST: ("Dust explosion", "粉尘涉爆"),
        HazardType.WATERLOGGING: ("Waterlogging point", "易涝点"),
        HazardType.GEOLOGICAL: ("Geological hazard point", "地质灾害隐患点"),
        HazardType.CROWDED: ("Crowded place", "人员密集场所"),
    },
    Family.SHELTER_TYPE: {
        ShelterType.INDOOR: ("Indoor", "室内"),
        ShelterType.OUTDOOR: ("Outdoor", "室外"),
    },
    Family.SHELTER_STATUS: {
        SHELTER_OPEN: ("Open", "开放"),
        SHELTER_FULL: ("Full", "已满"),
        SHELTER_CLOSED: ("Closed", "关闭"),
    },
    Family.DEPOT_LEVEL: {
        DepotLevel.COUNTY: ("County reserve", "县级储备库"),
        DepotLevel.TOWNSHIP: ("Township reserve point", "乡镇储备点"),
        DepotLevel.AGREEMENT: ("Agreement reserve", "协议储备"),
    },
    Family.TEAM_TYPE: {
        TeamType.FIRE: ("Fire and rescue", "消防救援"),
        TeamType.VOLUNTEER: ("Volunteer rescue", "社会救援力量"),
        TeamType.PROFESSIONAL: ("Professional team", "专业救援队"),
        TeamType.TOWNSHIP: ("Township team", "乡镇应急队"),
    },
    Family.TEAM_STATUS: {
        TeamStatus.STANDBY: ("Standby", "待命"),
        TeamStatus.DEPLOYED: ("Deployed", "出动"),
        TeamStatus.RESTING: ("Resting", "休整"),
    },
    Family.STAFF_ROLE: {
        StaffRole.LEADER: ("Leader on duty", "带班领导"),
        StaffRole.OFFICER: ("Duty officer", "值班员"),
        StaffRole.INFO_OFFICER: ("Disaster information officer", "灾害信息员"),
        StaffRole.OTHER: ("Other", "其他"),
    },
    Family.INCIDENT_CATEGORY: {
        IncidentCategory.NATURAL: ("Natural disaster", "自然灾害"),
        IncidentCategory.ACCIDENT: ("Accident", "事故灾难"),
        IncidentCategory.PUBLIC_HEALTH: ("Public health", "公共卫生事件"),
        IncidentCategory.SOCIAL_SAFETY: ("Social safety", "社会安全事件"),
    },
    # The codes of app.domain.intake.INCIDENT_TYPES.
    Family.INCIDENT_TYPE: {
        "flood": ("Flood", "洪涝"),
        "rainstorm": ("Rainstorm", "暴雨"),
        "strong_convection": ("Strong convection", "强对流"),
        "heat": ("Heat", "高温"),
        "frost": ("Frost", "低温霜冻"),  # as the county plan words it
        "drought": ("Drought", "干旱"),
        "earthquake": ("Earthquake", "地震"),
        "geological": ("Geological disaster", "地质灾害"),
        "work_safety": ("Work safety accident", "生产安全事故"),
        "fire": ("Fire", "火灾"),
        "road_traffic": ("Road traffic accident", "道路交通事故"),
        "hazardous_chemicals": ("Hazardous chemicals accident", "危险化学品事故"),
        "gas": ("Gas accident", "燃气事故"),
        "special_equipment": ("Special equipment accident", "特种设备事故"),
        "infectious_disease": ("Infectious disease", "传染病疫情"),
        "food_poisoning": ("Food poisoning", "食物中毒"),
        "other_health": ("Other public health event", "其他公共卫生事件"),
        "mass_gathering": ("Mass gathering", "群体性事件"),
        "public_security": ("Public security event", "治安事件"),
        "other_social": ("Other social safety event", "其他社会安全事件"),
    },
    Family.SEVERITY: {
        Severity.I: ("Level I (extraordinary)", "Ⅰ级（特别重大）"),
        Severity.II: ("Level II (major)", "Ⅱ级（重大）"),
        Severity.III: ("Level III (serious)", "Ⅲ级（较大）"),
        Severity.IV: ("Level IV (general)", "Ⅳ级（一般）"),
    },
    Family.INCIDENT_STATUS: {
        IncidentStatus.RECEIVED: ("Received", "接报"),
        IncidentStatus.VERIFIED: ("Verified", "核实"),
        IncidentStatus.REPORTED: ("Reported", "上报"),
        IncidentStatus.RESPONDING: ("Responding", "响应"),
        IncidentStatus.HANDLING: ("Handling", "处置"),
        IncidentStatus.CLOSED: ("Closed", "结束"),
    },
    Family.INCIDENT_SOURCE: {
        IncidentSource.PHONE: ("Phone", "电话"),
        IncidentSource.HOTLINE_12345: ("12345 transfer", "12345转办"),
        IncidentSource.POLICE_110: ("110 transfer", "110转警"),
        IncidentSource.FIRE_119: ("119 transfer", "119转警"),
        IncidentSource.TOWNSHIP: ("Township report", "乡镇报送"),
        IncidentSource.SENSOR: ("Sensor alarm", "监测报警"),
        IncidentSource.OTHER: ("Other", "其他"),
    },
    Family.LOG_KIND: {
        LogEntryKind.NOTE: ("Note", "备注"),
        LogEntryKind.CALL: ("Phone call", "电话记录"),
        LogEntryKind.INSTRUCTION: ("Leader's instruction", "领导批示"),
        LogEntryKind.DISPATCH: ("Dispatch", "调度派遣"),
        LogEntryKind.STATISTICS: ("Statistics", "统计更新"),
        LogEntryKind.ATTACHMENT: ("Attachment", "附件"),
        LogEntryKind.STATUS: ("Status change", "状态变更"),
        LogEntryKind.REPORT: ("Report upward", "上报"),
    },
    Family.REPORT_KIND: {
        ReportKind.INITIAL: ("First report", "初报"),
        ReportKind.FOLLOW_UP: ("Follow-up report", "续报"),
        ReportKind.FINAL: ("Final report", "核报"),
    },
    Family.RESPONSE_LEVEL: {
        "1": ("Level I response", "Ⅰ级响应"),
        "2": ("Level II response", "Ⅱ级响应"),
        "3": ("Level III response", "Ⅲ级响应"),
        "4": ("Level IV response", "Ⅳ级响应"),
    },
    Family.FIGURE: {
        "affected_population": ("People affected", "受灾人口"),
        "deaths": ("Dead", "因灾死亡"),
        "missing": ("Missing", "因灾失踪"),
        "relocated": ("Emergency relocated", "紧急转移安置"),
        "need_assistance": ("Need emergency living assistance", "需紧急生活救助"),
        "houses_collapsed": ("Houses collapsed", "倒塌房屋"),
        "houses_severely_damaged": ("Houses severely damaged", "严重损坏房屋"),
        "houses_generally_damaged": ("Houses generally damaged", "一般损坏房屋"),
        "crops_affected_ha": ("Crops affected", "农作物受灾面积"),
        "crops_damaged_ha": ("Crops damaged", "农作物成灾面积"),
        "crops_lost_ha": ("Crops lost", "农作物绝收面积"),
        "direct_loss_10k_yuan": ("Direct economic loss", "直接经济损失"),
    },
    Family.FIGURE_UNIT: {
        "affected_population": ("people", "人"),
        "deaths": ("people", "人"),
        "missing": ("people", "人"),
        "relocated": ("people", "人"),
        "need_assistance": ("people", "人"),
        "houses_collapsed": ("rooms", "间"),
        "houses_severely_damaged": ("rooms", "间"),
        "houses_generally_damaged": ("rooms", "间"),
        "crops_affected_ha": ("ha", "公顷"),
        "crops_damaged_ha": ("ha", "公顷"),
        "crops_lost_ha": ("ha", "公顷"),
        "direct_loss_10k_yuan": ("10,000 yuan", "万元"),
    },
}

# The enums of app.domain whose every value must have a label.
ENUM_FAMILIES: Final[Mapping[type[StrEnum], Family]] = {
    RiskLevel: Family.RISK_LEVEL,
    HazardType: Family.HAZARD_TYPE,
    ShelterType: Family.SHELTER_TYPE,
    DepotLevel: Family.DEPOT_LEVEL,
    TeamType: Family.TEAM_TYPE,
    TeamStatus: Family.TEAM_STATUS,
    StaffRole: Family.STAFF_ROLE,
    IncidentCategory: Family.INCIDENT_CATEGORY,
    Severity: Family.SEVERITY,
    IncidentStatus: Family.INCIDENT_STATUS,
    IncidentSource: Family.INCIDENT_SOURCE,
    LogEntryKind: Family.LOG_KIND,
    ReportKind: Family.REPORT_KIND,
}


def _index(language: str) -> int:
    if language == "en":
        return 0
    if language == "zh_CN":
        return 1
    raise ValueError(f"no labels in language {language!r}")


def label(family: Family, code: str | None, language: str = DEFAULT_LANGUAGE) -> str:
    """The label of ``code`` in ``language``; an unknown code is shown as it is
    (data from a newer program or typed in by hand must stay visible)."""
    if code is None:
        return ""
    entry = _TABLE[family].get(code)
    return entry[_index(language)] if entry is not None else code


def labels(family: Family, language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """Every code of ``family`` with its label, in the table's order."""
    i = _index(language)
    return {str(code): pair[i] for code, pair in _TABLE[family].items()}


def codes(family: Family) -> tuple[str, ...]:
    """The codes of ``family`` in the table's order."""
    return tuple(str(code) for code in _TABLE[family])


def figure_heading(field: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A statistics figure's name with its unit for a column or form: ``倒塌房屋（间）``.
    Head counts go without the unit (``受灾人口``): people are counted in people."""
    name = label(Family.FIGURE, field, language)
    unit_en, unit_zh = _TABLE[Family.FIGURE_UNIT].get(field, ("", ""))
    if not unit_en or unit_en == "people":
        return name
    return f"{name} ({unit_en})" if language == "en" else f"{name}（{unit_zh}）"
