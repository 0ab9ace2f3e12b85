"""调派救援队伍: candidates nearest first, dispatch with its log entry, the status path."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import IncidentLogEntry, RescueTeam
from app.data.uow import UnitOfWork
from app.domain.enums import IncidentStatus, LogEntryKind, TeamStatus
from app.domain.rules import RuleViolation
from app.services.dispatch import DispatchService, problem_text
from tests.data.test_evacuation import (
    ACTOR,
    KM_LAT,
    SEAT_LAT,
    SEAT_LON,
    SITE,
    add_incident,
    add_township,
    ops_db,
    ops_module_db,
)

__all__ = ["ops_db", "ops_module_db"]  # the module's database fixtures


def add_team(
    db: Database,
    name: str,
    km_north: float | None,
    *,
    members: int = 32,
    available: int | None = None,
    status: TeamStatus = TeamStatus.STANDBY,
    specialties: str = "firefighting,building_collapse",
    retired: bool = False,
    township_id: uuid.UUID | None = None,
) -> uuid.UUID:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        team = RescueTeam(
            name=name,
            team_type="fire",
            members=members,
            available=available,
            status=status.value,
            specialties=specialties,
            lon=None if km_north is None else SEAT_LON,
            lat=None if km_north is None else SEAT_LAT + km_north * KM_LAT,
            township_id=township_id,
            retired_at=db.clock() if retired else None,
        )
        uow.session.add(team)
        uow.commit()
    return team.id


def _log(db: Database, incident_id: uuid.UUID) -> list[str]:
    with db.read_session() as s:
        return list(
            s.scalars(
                select(IncidentLogEntry.body)
                .where(IncidentLogEntry.incident_id == incident_id)
                .order_by(IncidentLogEntry.at, IncidentLogEntry.created_at)
            )
        )


def test_candidates_can_leave_now_nearest_first(ops_db: Database) -> None:
    town = add_township(ops_db, "圣泉镇")
    incident = add_incident(ops_db)
    far = add_team(ops_db, "开发区消防救援站", 6, township_id=town)
    near = add_team(ops_db, "顺河路消防救援站", 2, available=20)
    blue = add_team(ops_db, "蓝天救援队", 4, specialties="water_rescue,mountain_search")
    unplaced = add_team(ops_db, "无位置队", None)
    add_team(ops_db, "已出动队", 1, status=TeamStatus.DISPATCHED)
    add_team(ops_db, "休整队", 1, status=TeamStatus.RESTING)
    add_team(ops_db, "已停用队", 1, retired=True)

    found = DispatchService(ops_db).candidates(incident)

    assert [c.id for c in found] == [near, blue, far, unplaced]
    assert [c.distance_km for c in found] == [2.0, 4.0, 6.0, None]
    assert found[0].available == 20 and found[0].members == 32
    assert found[1].specialties == ("water_rescue", "mountain_search")
    assert found[2].township == "圣泉镇"
    water = DispatchService(ops_db).candidates(incident, "water_rescue")
    assert [c.id for c in water] == [blue]


def test_dispatch_sets_status_and_writes_the_log(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    team = add_team(ops_db, "顺河路消防救援站", 2, members=40, available=32)

    state = DispatchService(ops_db).dispatch(
        team, incident, members=None, note="携带冲锋舟", actor=ACTOR, site=SITE
    )

    assert state.status == TeamStatus.DISPATCHED.value
    assert state.incident_id == incident and state.incident_title == "龙城镇内涝"
    with ops_db.read_session() as s:
        row = s.get(RescueTeam, team)
        assert row is not None
        assert (row.status, row.incident_id) == ("dispatched", incident)
        assert row.status_since is not None
        kinds = s.scalars(
            select(IncidentLogEntry.kind).where(IncidentLogEntry.incident_id == incident)
        ).all()
    assert _log(ops_db, incident) == ["调派 顺河路消防救援站（32 人）：携带冲锋舟"]
    assert kinds == [LogEntryKind.DISPATCH.value]


def test_dispatch_refusals(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    service = DispatchService(ops_db)
    busy = add_team(ops_db, "已出动队", 1, status=TeamStatus.ON_SCENE)
    retired = add_team(ops_db, "已停用队", 1, retired=True)
    small = add_team(ops_db, "乡镇队", 1, members=10, available=5)
    closed = add_incident(ops_db, status=IncidentStatus.CLOSED)
    cases = [
        (busy, incident, None, "team.busy"),
        (retired, incident, None, "team.retired"),
        (small, incident, 6, "dispatch.members"),
        (small, incident, 0, "dispatch.members"),
        (small, closed, None, "incident.closed"),
    ]
    for team, target, members, code in cases:
        with pytest.raises(RuleViolation) as refused:
            service.dispatch(team, target, members=members, actor=ACTOR, site=SITE)
        assert refused.value.code == code
        assert "不符合规则" not in problem_text(refused.value)  # each refusal has its words
    assert _log(ops_db, incident) == [] and _log(ops_db, closed) == []
    # The same team cannot be sent twice (the second seat sees it dispatched).
    service.dispatch(small, incident, members=5, actor=ACTOR, site=SITE)
    with pytest.raises(RuleViolation) as again:
        service.dispatch(small, incident, members=5, actor=ACTOR, site="seat-2")
    assert again.value.code == "team.busy"
    assert (
        problem_text(again.value) == "乡镇队 已被调派（状态：已出动），不能再次调派，请另选队伍。"
    )


def test_the_status_path_and_its_log(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    team = add_team(ops_db, "顺河路消防救援站", 2)
    service = DispatchService(ops_db)
    with pytest.raises(RuleViolation) as only_dispatch:
        service.set_status(team, TeamStatus.STANDBY, TeamStatus.DISPATCHED, actor=ACTOR, site=SITE)
    assert only_dispatch.value.code == "dispatch.dispatch_only"
    state = service.dispatch(team, incident, members=32, actor=ACTOR, site=SITE)
    assert state.next_statuses == (TeamStatus.ON_SCENE, TeamStatus.RETURNING)

    with pytest.raises(RuleViolation) as skipped:
        service.set_status(team, state.version, TeamStatus.STANDBY, actor=ACTOR, site=SITE)
    assert skipped.value.code == "team.transition"
    with pytest.raises(RuleViolation) as stale:
        service.set_status(team, state.version - 1, TeamStatus.ON_SCENE, actor=ACTOR, site=SITE)
    assert stale.value.code == "team.changed"

    state = service.set_status(team, state.version, TeamStatus.ON_SCENE, actor=ACTOR, site=SITE)
    state = service.set_status(
        team, TeamStatus.ON_SCENE, TeamStatus.RETURNING, note="险情排除", actor=ACTOR, site=SITE
    )
    assert state.incident_id == incident
    state = service.set_status(team, state.version, TeamStatus.STANDBY, actor=ACTOR, site=SITE)

    assert state.status == "standby" and state.incident_id is None
    assert service.team(team).incident_id is None
    assert _log(ops_db, incident) == [
        "调派 顺河路消防救援站（32 人）",
        "顺河路消防救援站 到达现场",
        "顺河路消防救援站 返回途中：险情排除",
        "顺河路消防救援站 待命",
    ]
    # Back on standby it is a candidate again.
    assert [c.id for c in service.candidates(incident)] == [team]


def test_resting_then_standby(ops_db: Database) -> None:
    incident = add_incident(ops_db)
    team = add_team(ops_db, "蓝天救援队", 3)
    service = DispatchService(ops_db)
    service.dispatch(team, incident, members=10, actor=ACTOR, site=SITE)
    service.set_status(team, TeamStatus.DISPATCHED, TeamStatus.RETURNING, actor=ACTOR, site=SITE)
    state = service.set_status(
        team, TeamStatus.RETURNING, TeamStatus.RESTING, actor=ACTOR, site=SITE
    )
    assert state.incident_id is None and state.next_statuses == (TeamStatus.STANDBY,)
    with pytest.raises(RuleViolation) as refused:
        service.set_status(team, TeamStatus.RESTING, TeamStatus.ON_SCENE, actor=ACTOR, site=SITE)
    assert refused.value.code == "team.transition"
    service.set_status(team, TeamStatus.RESTING, TeamStatus.STANDBY, actor=ACTOR, site=SITE)
    # Resting is off the incident: only dispatch, return and rest are in its log.
    assert len(_log(ops_db, incident)) == 3
