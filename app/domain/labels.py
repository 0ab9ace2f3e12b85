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

from app.domain.access import Action, Role
from app.domain.deadlines import ReportKind
from app.domain.enums import (
    DepotLevel,
    HazardType,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    KeyNeed,
    LogEntryKind,
    RectificationState,
    RiskLevel,
    Severity,
    ShelterDuration,
    ShelterLevel,
    ShelterType,
    StaffRole,
    StockMovementKind,
    Supervision,
    TeamSpecialty,
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
    SHELTER_DURATION = "shelter_duration"
    SHELTER_LEVEL = "shelter_level"
    TEAM_SPECIALTY = "team_specialty"
    RECTIFICATION = "rectification"
    SUPERVISION = "supervision"
    STOCK_MOVEMENT = "stock_movement"
    KEY_NEED = "key_need"
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
    ACCESS_ROLE = "access_role"  # a role held at sign-in (app.domain.access.Role)
    ACTION = "action"  # a kind of write the roles allow (app.domain.access.Action)
    AUDIT_OP = "audit_op"  # what a change-log entry records
    ENTITY = "entity"  # the kind of record a change-log entry concerns
    SYNC_CONFLICT = "sync_conflict"  # what a merge listed (app.sync.types.ConflictKind)
    SYNC_RESOLUTION = "sync_resolution"  # how it was decided (app.sync.types.Resolution)
    FIELD = "field"  # a column of a record, as its history names it


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
        TeamStatus.DISPATCHED: ("Dispatched", "已出动"),
        TeamStatus.ON_SCENE: ("On scene", "到达现场"),
        TeamStatus.RETURNING: ("Returning", "返回途中"),
        TeamStatus.RESTING: ("Resting", "休整"),
    },
    Family.SHELTER_DURATION: {
        ShelterDuration.EMERGENCY: ("Emergency", "紧急避难场所"),
        ShelterDuration.SHORT_TERM: ("Short-term", "短期避难场所"),
        ShelterDuration.LONG_TERM: ("Long-term", "长期避难场所"),
    },
    Family.SHELTER_LEVEL: {
        ShelterLevel.COUNTY: ("County", "县级"),
        ShelterLevel.TOWNSHIP: ("Township", "乡镇级"),
        ShelterLevel.VILLAGE: ("Village", "村（社区）级"),
    },
    Family.TEAM_SPECIALTY: {
        TeamSpecialty.BUILDING_COLLAPSE: ("Building collapse", "建筑物倒塌搜救"),
        TeamSpecialty.WATER_RESCUE: ("Water rescue", "水域救援"),
        TeamSpecialty.MOUNTAIN_SEARCH: ("Mountain search", "山地搜救"),
        TeamSpecialty.MEDICAL: ("Medical", "医疗救护"),
        TeamSpecialty.FIREFIGHTING: ("Firefighting", "灭火"),
        TeamSpecialty.HAZMAT: ("Hazardous materials", "危化品处置"),
        TeamSpecialty.FLOOD_CONTROL: ("Flood control", "防汛排涝"),
        TeamSpecialty.ROAD_CLEARING: ("Road clearing", "道路抢通"),
        TeamSpecialty.POWER: ("Power repair", "电力抢修"),
        TeamSpecialty.COMMUNICATIONS: ("Communications", "通信保障"),
    },
    Family.RECTIFICATION: {
        RectificationState.NONE: ("None needed", "无需整改"),
        RectificationState.PENDING: ("Ordered", "待整改"),
        RectificationState.IN_PROGRESS: ("In progress", "整改中"),
        RectificationState.DONE: ("Done", "已整改"),
    },
    Family.SUPERVISION: {
        Supervision.NONE: ("Not supervised", "未督办"),
        Supervision.COUNTY: ("County supervision", "县级督办"),
        Supervision.CITY: ("City supervision", "市级督办"),
        Supervision.PROVINCE: ("Provincial supervision", "省级督办"),
    },
    Family.STOCK_MOVEMENT: {
        StockMovementKind.RECEIPT: ("Received", "入库"),
        StockMovementKind.ISSUE: ("Issued", "出库"),
        StockMovementKind.ALLOCATION: ("Allocated to an incident", "调拨（事件）"),
        StockMovementKind.ROTATION: ("Rotation", "收储轮换"),
        StockMovementKind.ADJUSTMENT: ("Stock-take adjustment", "盘点调整"),
        StockMovementKind.TRANSFER_OUT: ("Transferred out", "调出"),
        StockMovementKind.TRANSFER_IN: ("Transferred in", "调入"),
        StockMovementKind.WRITE_OFF: ("Written off", "报损"),
    },
    Family.KEY_NEED: {
        KeyNeed.WATER: ("Drinking water", "饮用水"),
        KeyNeed.FOOD: ("Food", "食品"),
        KeyNeed.QUILT: ("Quilts", "棉被"),
        KeyNeed.TENT: ("Tents", "帐篷"),
    },
    Family.STAFF_ROLE: {
        StaffRole.LEADER: ("Leader on duty", "带班领导"),
        StaffRole.OFFICER: ("Duty officer", "值班员"),
        StaffRole.INFO_OFFICER: ("Disaster information officer", "灾害信息员"),
        StaffRole.OTHER: ("Other", "其他"),
    },
    Family.ACCESS_ROLE: {
        Role.VIEWER: ("Viewer", "观察员"),
        Role.OFFICER: ("Duty officer", "值班员"),
        Role.LEADER: ("Leader on duty", "带班领导"),
        Role.COMMANDER: ("Commander", "指挥长"),
        Role.ADMIN: ("Administrator", "系统管理员"),
    },
    Family.ACTION: {
        Action.RECORD_INCIDENT: ("record and edit incidents", "登记和编辑事件"),
        Action.REPORT_INCIDENT: ("report incidents upward", "上报事件（初报、续报、核报）"),
        Action.ADVANCE_INCIDENT: ("advance incidents", "推进事件处置流程"),
        Action.START_RESPONSE: ("start or change a response", "启动或调整应急响应"),
        Action.CLOSE_INCIDENT: ("close incidents", "结束事件"),
        Action.RECORD_STATISTICS: ("record disaster statistics", "填报灾情统计"),
        Action.RECORD_MOVEMENT: ("record occupancy and stock", "登记入住和物资出入库"),
        Action.DISPATCH_TEAM: ("dispatch rescue teams", "调派救援队伍"),
        Action.HANDOVER: ("hand over and take over", "交接班"),
        Action.EDIT_ROSTER: ("edit the roster", "编排值班表"),
        Action.EDIT_RESOURCES: ("edit the resource registers", "编辑资源台账"),
        Action.EDIT_RULES: ("set the office's rules", "设置报告时限和排班规则"),
        Action.EDIT_STAFF: ("edit staff and posts", "编辑人员与AB岗"),
        Action.MANAGE_ACCOUNTS: ("manage accounts and roles", "管理账号、密码和角色"),
        Action.MANAGE_DEMO: ("remove demo data", "删除演示数据"),
        Action.SYNC: ("take data out to field vehicles and synchronise", "带出前方数据和同步"),
    },
    Family.AUDIT_OP: {
        "insert": ("created", "新增"),
        "update": ("changed", "修改"),
        "delete": ("deleted", "删除"),
        "sign_in": ("signed in", "登录"),
        "sign_out": ("signed out", "退出"),
        "denied": ("sign-in failed", "登录失败"),
        "refused": ("write refused", "越权被拒"),
        "lock": ("seat locked", "锁定席位"),
        "unlock": ("seat unlocked", "解锁席位"),
        "sync": ("synchronised", "同步"),
    },
    Family.ENTITY: {
        "incident": ("Incident", "事件"),
        "incident_log_entry": ("Incident log", "事件日志"),
        "incident_statistics": ("Disaster statistics", "灾情统计"),
        "staff": ("Person", "人员"),
        "duty_shift": ("Shift", "班次"),
        "duty_assignment": ("Duty assignment", "排班"),
        "duty_swap": ("Shift swap", "换班"),
        "handover": ("Handover", "交接班"),
        "handover_item": ("Handover item", "交办事项"),
        "handover_item_closure": ("Item closed", "事项办结"),
        "handover_ack": ("Takeover", "接班确认"),
        "shelter": ("Shelter", "避难场所"),
        "shelter_occupancy_movement": ("Shelter occupancy", "避难场所入住"),
        "supply_depot": ("Supply depot", "物资储备库"),
        "stock_item": ("Stock item", "储备物资"),
        "stock_movement": ("Stock movement", "物资出入库"),
        "supply_catalog_item": ("Catalogue item", "物资目录"),
        "depot_minimum": ("Minimum stock", "储备定额"),
        "rescue_team": ("Rescue team", "救援队伍"),
        "hazard_site": ("Hazard", "风险源"),
        "region": ("Region", "区域"),
        "township": ("Township", "乡镇"),
        "village": ("Village", "村（社区）"),
        "office_setting": ("Office setting", "办公设置"),
        "credential": ("Account", "账号"),
        "role_grant": ("Role grant", "角色授予"),
        "access": ("Sign-in", "登录"),
        "user": ("User", "用户"),
        "sync": ("Synchronisation", "同步"),
        "sync_site": ("Sync site", "同步站点"),
        "sync_conflict": ("Sync conflict", "同步冲突"),
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
    # A record's columns (and the facts of sign-in events) as the audit trail names
    # them. ``kind.column`` names a column of one kind of record where the plain
    # name would mislead (a shelter's name is not a person's name). In the order
    # a history lists them.
    Family.FIELD: {
        "title": ("Title", "标题"),
        "name": ("Name", "姓名"),
        "shelter.name": ("Name", "名称"),
        "supply_depot.name": ("Name", "名称"),
        "rescue_team.name": ("Name", "名称"),
        "hazard_site.name": ("Name", "名称"),
        "stock_item.name": ("Name", "名称"),
        "township.name": ("Name", "名称"),
        "village.name": ("Name", "名称"),
        "region.name": ("Name", "名称"),
        "label": ("Shift name", "班次名称"),
        "status": ("Status", "状态"),
        "severity": ("Severity", "等级"),
        "category": ("Category", "类别"),
        "incident_type": ("Incident type", "事件类型"),
        "is_drill": ("Drill", "演练"),
        "received_at": ("Received at", "接报时间"),
        "occurred_at": ("Occurred at", "发生时间"),
        "source": ("Source", "来源"),
        "reporter_name": ("Reported by", "报告人"),
        "reporter_phone": ("Reporter's phone", "报告人电话"),
        "description": ("Description", "描述"),
        "deaths": ("Dead", "死亡"),
        "injuries": ("Injured", "受伤"),
        "missing": ("Missing", "失踪"),
        "closed_at": ("Closed at", "结束时间"),
        "kind": ("Kind", "类型"),
        "incident_log_entry.kind": ("Entry kind", "日志类型"),
        "body": ("Text", "内容"),
        "corrects_id": ("Corrects entry", "更正的日志"),
        "incident_id": ("Incident", "事件"),
        "unit": ("Unit", "单位"),
        "phone": ("Phone", "电话"),
        "role": ("Role", "角色"),
        "post": ("AB post", "AB岗"),
        "active": ("Active", "在岗"),
        "township_id": ("Township", "乡镇"),
        "village_id": ("Village", "村（社区）"),
        "address": ("Address", "地址"),
        "lon": ("Longitude", "经度"),
        "lat": ("Latitude", "纬度"),
        "coord_source": ("Coordinates from", "坐标来源"),
        "shelter_type": ("Shelter type", "场所类型"),
        "capacity": ("Capacity", "容量"),
        "is_open": ("Open", "开放"),
        "facilities": ("Facilities", "设施"),
        "manager": ("Manager", "负责人"),
        "shelter_id": ("Shelter", "避难场所"),
        "delta": ("Change", "数量变化"),
        "level": ("Level", "级别"),
        "depot_id": ("Depot", "储备库"),
        "item_id": ("Item", "物资"),
        "handover_item_closure.item_id": ("Item", "交办事项"),
        "category_code": ("Supply category", "物资类别"),
        "min_quantity": ("Minimum stock", "最低库存"),
        "expiry_date": ("Expires", "有效期至"),
        "team_type": ("Team type", "队伍类型"),
        "members": ("Members", "队员人数"),
        "volunteers": ("Volunteers", "志愿者人数"),
        "equipment": ("Equipment", "装备"),
        "base_address": ("Base", "驻地"),
        "contact_name": ("Contact", "联系人"),
        "contact_phone": ("Contact phone", "联系电话"),
        "hazard_type": ("Hazard type", "风险源类型"),
        "risk_level": ("Risk level", "风险等级"),
        "responsible_unit": ("Responsible unit", "责任单位"),
        "monitoring_status": ("Monitoring", "监测状态"),
        "rectification_deadline": ("Rectify by", "整改期限"),
        "starts_at": ("Starts", "开始时间"),
        "ends_at": ("Ends", "结束时间"),
        "shift_id": ("Shift", "班次"),
        "staff_id": ("Person", "人员"),
        "from_staff_id": ("Handed from", "换出人员"),
        "to_staff_id": ("Taken by", "换入人员"),
        "agreed_by": ("Agreed by", "同意人"),
        "recorded_by": ("Recorded by", "登记人"),
        "recorded_at": ("Recorded at", "登记时间"),
        "outgoing_shift_id": ("Outgoing shift", "交班班次"),
        "incoming_shift_id": ("Incoming shift", "接班班次"),
        "handed_over_by": ("Handed over by", "交班人"),
        "handed_over_at": ("Handed over at", "交班时间"),
        "summary": ("Summary", "交班摘要"),
        "handover_id": ("Handover", "交接班"),
        "text": ("Item", "事项"),
        "created_by": ("Raised by", "提出人"),
        "closed_by": ("Closed by", "办结人"),
        "acknowledged_by": ("Taken over by", "接班人"),
        "acknowledged_at": ("Taken over at", "接班时间"),
        "note": ("Note", "备注"),
        "at": ("Time", "时间"),
        "actor": ("Recorded by", "记录人"),
        "assistance_delivered": ("Living assistance delivered", "基本生活救助到位"),
        "key": ("Setting", "设置项"),
        "value": ("Value", "设置值"),
        "updated_by": ("Changed by", "修改人"),
        "username": ("User name", "用户名"),
        "display_name": ("Display name", "显示名称"),
        "password_hash": ("Password", "密码"),
        "pin_hash": ("PIN", "PIN"),
        "must_change": ("Must change password", "首次登录须改密码"),
        "failed_attempts": ("Failed attempts", "连续失败次数"),
        "locked_until": ("Locked until", "锁定至"),
        "reason": ("Reason", "理由"),
        "access.reason": ("Reason", "原因"),
        "granted_by": ("Granted by", "授予人"),
        "granted_by_id": ("Granted by (id)", "授予人编号"),
        "granted_at": ("Granted at", "授予时间"),
        "revoked_by": ("Revoked by", "撤销人"),
        "revoked_by_id": ("Revoked by (id)", "撤销人编号"),
        "revoked_at": ("Revoked at", "撤销时间"),
        "revoke_reason": ("Reason for revoking", "撤销理由"),
        "action": ("Right", "权限"),
        "roles": ("Roles", "角色"),
        "with": ("With", "方式"),
        "failures": ("Failed attempts", "连续失败次数"),
        "code": ("Code", "代码"),
        "geojson": ("Area", "范围"),
        "boundary_geojson": ("Boundary", "边界"),
        "is_demo": ("Demo data", "演示数据"),
        "retired_at": ("Retired at", "停用时间"),
        "retired_reason": ("Reason for retiring", "停用原因"),
        "shelter.code": ("Register number", "编号"),
        "supply_depot.code": ("Register number", "编号"),
        "rescue_team.code": ("Register number", "编号"),
        "hazard_site.code": ("Register number", "编号"),
        "supply_catalog_item.code": ("Catalogue code", "物资编码"),
        "supply_catalog_item.name": ("Name", "名称"),
        "duration_kind": ("Kind by duration", "避难期类型"),
        "shelter.level": ("Level", "场所级别"),
        "effective_area_m2": ("Effective area (m²)", "有效避难面积（平方米）"),
        "area_per_person_m2": ("Area per person (m²)", "人均有效面积（平方米）"),
        "service_radius_m": ("Service radius (m)", "服务半径（米）"),
        "last_inspected_on": ("Last inspected", "最近检查日期"),
        "opened_at": ("Opened at", "启用时间"),
        "company": ("Company", "协议企业"),
        "contract_start": ("Contract from", "协议起始"),
        "contract_end": ("Contract to", "协议截止"),
        "catalog_item_id": ("Catalogue item", "目录物资"),
        "batch": ("Batch", "批次"),
        "transfer_id": ("Transfer", "调拨单"),
        "key_need": ("Key need", "重点保障物资"),
        "ration": ("Ration per person", "人均定额"),
        "ration_per_day": ("Ration per day", "按日计"),
        "specialties": ("Specialties", "专长"),
        "available": ("Members available", "可出动人数"),
        "rescue_team.incident_id": ("Dispatched to", "出动事件"),
        "status_since": ("Status since", "状态时间"),
        "rectification_state": ("Rectification", "整改状态"),
        "rectified_on": ("Rectified on", "整改完成日期"),
        "supervision": ("Supervision", "督办"),
        # The facts of a take-out and of an applied packet or push (app.sync).
        "sync.name": ("Field vehicle", "前方指挥车"),
        "sync.field_package": ("Field package", "前方数据包"),
        "sync.field_package_from": ("Taken out from", "带出自"),
        "sync.center_seq": ("Center's last change No.", "中心最后变更序号"),
        "sync.rows": ("Records", "记录数"),
        "sync.received_from": ("Received from", "来自"),
        "sync.new": ("New changes", "新变更"),
        "sync.known": ("Already held", "已有变更"),
        "sync.conflicts": ("Conflicts", "冲突"),
        "sync.last_seq": ("Sender's last change No.", "对方最后变更序号"),
        # A conflict a merge listed (sync_conflict).
        "sync_conflict.entity_type": ("Record type", "记录类型"),
        "sync_conflict.entity_id": ("Record", "记录"),
        "sync_conflict.field": ("Field", "字段"),
        "sync_conflict.kind": ("Conflict", "冲突类型"),
        "kept_value": ("Value kept", "现值"),
        "kept_replica": ("Kept from site", "现值来自"),
        "kept_actor": ("Kept value by", "现值修改人"),
        "kept_at": ("Kept value at", "现值修改时间"),
        "lost_value": ("Other value", "另一值"),
        "lost_replica": ("Other value from site", "另一值来自"),
        "lost_actor": ("Other value by", "另一值修改人"),
        "lost_at": ("Other value at", "另一值修改时间"),
        "detected_at": ("Found at", "发现时间"),
        "detected_by": ("Found at site", "发现站点"),
        "resolution": ("Decision", "处理结果"),
        "resolved_by": ("Decided by", "处理人"),
    },
    Family.SYNC_CONFLICT: {
        "field": ("both sides changed the same field", "两边都修改了同一项"),
        "deleted": ("deleted on one side, changed on the other", "一边删除、另一边修改"),
        "retired": ("retired on one side, changed on the other", "一边停用、另一边修改"),
        "duplicate": ("made on both sides", "两边各自新建了同一记录"),
        "refused": ("a change that could not be taken", "无法写入的变更"),
        "negative": ("stock below zero after the merge", "合并后库存为负"),
        "capacity": ("shelter occupancy out of range after the merge", "合并后避难场所人数异常"),
    },
    Family.SYNC_RESOLUTION: {
        "kept": ("kept the value", "保留现值"),
        "took_lost": ("took the other value", "改用另一值"),
        "noted": ("noted and dealt with", "已知悉处理"),
    },
}

# The enums of app.domain whose every value must have a label.
ENUM_FAMILIES: Final[Mapping[type[StrEnum], Family]] = {
    RiskLevel: Family.RISK_LEVEL,
    HazardType: Family.HAZARD_TYPE,
    ShelterType: Family.SHELTER_TYPE,
    ShelterDuration: Family.SHELTER_DURATION,
    ShelterLevel: Family.SHELTER_LEVEL,
    TeamSpecialty: Family.TEAM_SPECIALTY,
    RectificationState: Family.RECTIFICATION,
    Supervision: Family.SUPERVISION,
    StockMovementKind: Family.STOCK_MOVEMENT,
    KeyNeed: Family.KEY_NEED,
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
