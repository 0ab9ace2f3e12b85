"""Vocabulary of the domain, stored in the database by value.

Values are short ASCII codes so that the database does not depend on the
display language; labels for people live in ``app.domain.labels``.
"""

from __future__ import annotations

from enum import StrEnum


class RiskLevel(StrEnum):
    """Risk level of a hazard site: 红 (重大) / 橙 (较大) / 黄 (一般) / 蓝 (低)."""

    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"
    BLUE = "blue"

    @property
    def rank(self) -> int:
        """1 is the most serious."""
        return list(RiskLevel).index(self) + 1


class HazardType(StrEnum):
    CHEMICAL = "chemical"  # 危险化学品企业
    MINE = "mine"  # 非煤矿山
    GAS = "gas"  # 燃气
    DUST = "dust"  # 粉尘涉爆
    WATERLOGGING = "waterlogging"  # 易涝点
    GEOLOGICAL = "geological"  # 地质灾害隐患点
    CROWDED = "crowded"  # 人员密集场所


class ShelterType(StrEnum):
    INDOOR = "indoor"
    OUTDOOR = "outdoor"


class ShelterDuration(StrEnum):
    """How long a shelter can keep people (GB/T 44013-2024: 紧急 / 短期 / 长期)."""

    EMERGENCY = "emergency"  # 紧急避难场所 (hours to a day)
    SHORT_TERM = "short_term"  # 短期避难场所 (up to about two weeks)
    LONG_TERM = "long_term"  # 长期避难场所 (beyond two weeks)


class ShelterLevel(StrEnum):
    """Who runs a shelter: 县级 / 乡镇级 / 村（社区）级."""

    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


class DepotLevel(StrEnum):
    COUNTY = "county"  # 县级储备库
    TOWNSHIP = "township"  # 乡镇储备点
    AGREEMENT = "agreement"  # 协议储备


class TeamType(StrEnum):
    FIRE = "fire"  # 消防救援
    VOLUNTEER = "volunteer"  # 社会救援力量
    PROFESSIONAL = "professional"  # 专业救援队
    TOWNSHIP = "township"  # 乡镇应急队


class TeamStatus(StrEnum):
    STANDBY = "standby"  # 待命
    DISPATCHED = "dispatched"  # 已出动 (on the way)
    ON_SCENE = "on_scene"  # 到达现场
    RETURNING = "returning"  # 返回途中
    RESTING = "resting"  # 休整


class TeamSpecialty(StrEnum):
    """What a rescue team can do (its 专长); a team has any number of them."""

    BUILDING_COLLAPSE = "building_collapse"  # 建筑物倒塌搜救
    WATER_RESCUE = "water_rescue"  # 水上（水域）救援
    MOUNTAIN_SEARCH = "mountain_search"  # 山地搜救
    MEDICAL = "medical"  # 医疗救护
    FIREFIGHTING = "firefighting"  # 灭火
    HAZMAT = "hazmat"  # 危化品处置
    FLOOD_CONTROL = "flood_control"  # 防汛抢险（排涝）
    ROAD_CLEARING = "road_clearing"  # 道路抢通
    POWER = "power"  # 电力抢修
    COMMUNICATIONS = "communications"  # 通信保障


class RectificationState(StrEnum):
    """整改 of a hazard site: none needed, ordered and waiting, under way, done."""

    NONE = "none"  # 无需整改
    PENDING = "pending"  # 待整改
    IN_PROGRESS = "in_progress"  # 整改中
    DONE = "done"  # 已整改


class Supervision(StrEnum):
    """督办: who supervises the rectification of a hazard site."""

    NONE = "none"  # 未督办
    COUNTY = "county"  # 县级督办
    CITY = "city"  # 市级督办
    PROVINCE = "province"  # 省级督办


class TownshipKind(StrEnum):
    TOWN = "town"  # 镇
    TOWNSHIP = "township"  # 乡
    SUBDISTRICT = "subdistrict"  # 街道


class StaffRole(StrEnum):
    LEADER = "leader"  # 带班领导
    OFFICER = "officer"  # 值班员
    INFO_OFFICER = "info_officer"  # 灾害信息员
    OTHER = "other"


class IncidentCategory(StrEnum):
    NATURAL = "natural"  # 自然灾害
    ACCIDENT = "accident"  # 事故灾难
    PUBLIC_HEALTH = "public_health"  # 公共卫生事件
    SOCIAL_SAFETY = "social_safety"  # 社会安全事件


class Severity(StrEnum):
    """Incident severity. I is the most serious (特别重大)."""

    I = "I"  # noqa: E741 - the customary name of the level
    II = "II"
    III = "III"
    IV = "IV"


class IncidentStatus(StrEnum):
    RECEIVED = "received"  # 接报
    VERIFIED = "verified"  # 核实
    REPORTED = "reported"  # 上报
    RESPONDING = "responding"  # 响应
    HANDLING = "handling"  # 处置
    CLOSED = "closed"  # 结束


class IncidentSource(StrEnum):
    PHONE = "phone"
    HOTLINE_12345 = "12345"
    POLICE_110 = "110"
    FIRE_119 = "119"
    TOWNSHIP = "township"
    SENSOR = "sensor"
    OTHER = "other"


class LogEntryKind(StrEnum):
    NOTE = "note"
    CALL = "call"
    INSTRUCTION = "instruction"  # 领导批示
    DISPATCH = "dispatch"
    STATISTICS = "statistics"
    ATTACHMENT = "attachment"
    STATUS = "status"  # a workflow transition
    REPORT = "report"  # 上报 (初报/续报/核报)


class StockMovementKind(StrEnum):
    RECEIPT = "receipt"  # 入库
    ISSUE = "issue"  # 出库
    ALLOCATION = "allocation"  # 调拨
    ROTATION = "rotation"  # 收储轮换
    ADJUSTMENT = "adjustment"  # 盘点调整
    TRANSFER_OUT = "transfer_out"  # 调出 (one half of a transfer between depots)
    TRANSFER_IN = "transfer_in"  # 调入 (the other half, same transfer_id)
    WRITE_OFF = "write_off"  # 报损 (expired, damaged)


class KeyNeed(StrEnum):
    """The supplies whose days of supply for sheltered people are watched."""

    WATER = "water"  # 饮用水
    FOOD = "food"  # 食品
    QUILT = "quilt"  # 棉被
    TENT = "tent"  # 帐篷


class ChangeOp(StrEnum):
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    # Entries that no row change makes (entity "access"): at most 8 characters.
    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    DENIED = "denied"  # a failed sign-in
    REFUSED = "refused"  # a write the operator's roles do not allow
    LOCK = "lock"
    UNLOCK = "unlock"
    SYNC = "sync"  # a field package taken out, a change packet applied (entity "sync")

    @property
    def is_row_change(self) -> bool:
        return self in (ChangeOp.INSERT, ChangeOp.UPDATE, ChangeOp.DELETE)
