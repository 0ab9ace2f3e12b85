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
    STANDBY = "standby"
    DEPLOYED = "deployed"
    RESTING = "resting"


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

    @property
    def is_row_change(self) -> bool:
        return self in (ChangeOp.INSERT, ChangeOp.UPDATE, ChangeOp.DELETE)
