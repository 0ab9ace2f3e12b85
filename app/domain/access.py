"""Who may do what: roles held by people, and the writes each role may make.

Emergency-operations systems give rights to positions, not to machine
accounts: a person signs in, and the role they hold in the office decides what
they may record. A person may hold several roles; their rights are the union.

=============  ==========  ==========================================================
role           中文         may
=============  ==========  ==========================================================
viewer         观察员       read everything, write nothing (the command wall, observers)
officer        值班员       record incidents, log and report them, disaster statistics,
                           occupancy and stock movements, dispatch rescue teams,
                           hand over and take over, take data out to a field
                           vehicle and synchronise it, decide sync conflicts
leader         带班领导     what an officer may, and start a response, close an
                           incident, edit the roster and the resource registers
commander      指挥长       what a leader may, and set the office's reporting rules
admin          系统管理员   everything, and manage people, accounts and roles
=============  ==========  ==========================================================

The table is the rule; services ask :func:`may` before each write and refuse
(and record the refusal) when the answer is no.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"  # 观察员
    OFFICER = "officer"  # 值班员
    LEADER = "leader"  # 带班领导
    COMMANDER = "commander"  # 指挥长
    ADMIN = "admin"  # 系统管理员


class Action(StrEnum):
    """A kind of write, as the permission table knows it."""

    RECORD_INCIDENT = "record_incident"  # 接报登记, 编辑事件, 事件日志
    REPORT_INCIDENT = "report_incident"  # 初报 / 续报 / 核报
    ADVANCE_INCIDENT = "advance_incident"  # 核实, 上报, 处置
    START_RESPONSE = "start_response"  # 启动响应, 调整响应级别
    CLOSE_INCIDENT = "close_incident"  # 结束
    RECORD_STATISTICS = "record_statistics"  # 灾情统计
    RECORD_MOVEMENT = "record_movement"  # 避难场所入住 / 物资出入库 / 转移安置
    DISPATCH_TEAM = "dispatch_team"  # 调派救援队伍, 队伍状态
    HANDOVER = "handover"  # 交接班, 接班确认, 交办事项办结
    EDIT_ROSTER = "edit_roster"  # 排班, 换班, 导入值班表
    EDIT_RESOURCES = "edit_resources"  # 避难场所、物资储备、救援队伍、风险源台账
    EDIT_RULES = "edit_rules"  # 报告时限, 排班规则
    EDIT_STAFF = "edit_staff"  # 人员与AB岗
    MANAGE_ACCOUNTS = "manage_accounts"  # 他人的密码与 PIN, 角色授予
    MANAGE_DEMO = "manage_demo"  # 删除演示数据
    SYNC = "sync"  # 带出到前方指挥车, 同步, 处理同步冲突


_OFFICER = frozenset(
    {
        Action.RECORD_INCIDENT,
        Action.REPORT_INCIDENT,
        Action.ADVANCE_INCIDENT,
        Action.RECORD_STATISTICS,
        Action.RECORD_MOVEMENT,
        Action.DISPATCH_TEAM,
        Action.HANDOVER,
        Action.SYNC,
    }
)
_LEADER = _OFFICER | {
    Action.START_RESPONSE,
    Action.CLOSE_INCIDENT,
    Action.EDIT_ROSTER,
    Action.EDIT_RESOURCES,
}
_COMMANDER = _LEADER | {Action.EDIT_RULES}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset(),
    Role.OFFICER: _OFFICER,
    Role.LEADER: frozenset(_LEADER),
    Role.COMMANDER: frozenset(_COMMANDER),
    Role.ADMIN: frozenset(Action),
}

# Strongest first: the role named when a record is signed.
ROLE_ORDER: tuple[Role, ...] = (
    Role.ADMIN,
    Role.COMMANDER,
    Role.LEADER,
    Role.OFFICER,
    Role.VIEWER,
)


def may(roles: frozenset[Role] | set[Role], action: Action) -> bool:
    """Whether a person holding ``roles`` may make a write of kind ``action``."""
    return any(action in ROLE_ACTIONS[role] for role in roles)


def actions_of(roles: frozenset[Role] | set[Role]) -> frozenset[Action]:
    """Every kind of write the holder of ``roles`` may make."""
    out: set[Action] = set()
    for role in roles:
        out |= ROLE_ACTIONS[role]
    return frozenset(out)


def main_role(roles: frozenset[Role] | set[Role]) -> Role | None:
    """The strongest of ``roles`` (None when there is none)."""
    return next((r for r in ROLE_ORDER if r in roles), None)


def parse_roles(text: str) -> frozenset[Role]:
    """Roles from their stored form, comma-separated (``"officer,leader"``);
    unknown names are ignored (a newer program may know more roles)."""
    known = {r.value: r for r in Role}
    return frozenset(known[p] for p in (s.strip() for s in text.split(",")) if p in known)


def format_roles(roles: frozenset[Role] | set[Role]) -> str:
    """The stored form of ``roles``: strongest first, comma-separated."""
    return ",".join(r.value for r in ROLE_ORDER if r in roles)
