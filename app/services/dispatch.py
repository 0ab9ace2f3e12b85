"""调派救援队伍: which team can leave now, its dispatch to an incident, its status after.

A team's status follows one path (:data:`TRANSITIONS`): 待命 → 已出动 only by
:meth:`DispatchService.dispatch` (which names the incident), then 到达现场,
返回途中, and back to 待命 or 休整. Each change is one unit of work that locks the
team row (so two seats cannot dispatch the same team), sets the status and the
time it started (``status_since``, by the database's clock) and, while the team
is on an incident, writes the change into that incident's log in the same
transaction. Every seat sees the new status through the change log.

Back to 待命 or 休整 the team is no longer on the incident (``incident_id``
cleared): the incident's log has the entry of its return, and a resting team
may be dispatched again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import Incident, IncidentLogEntry, RescueTeam, Township
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.enums import LogEntryKind, TeamSpecialty, TeamStatus
from app.domain.geo import distance_m
from app.domain.labels import Family, label
from app.domain.rules import OPEN_STATUSES, RuleViolation
from app.services.access import require

NOTE_MAX = 256

# Where a team may go from each status (dispatch itself is the only way out of 待命).
TRANSITIONS: dict[TeamStatus, frozenset[TeamStatus]] = {
    TeamStatus.STANDBY: frozenset(),
    TeamStatus.DISPATCHED: frozenset({TeamStatus.ON_SCENE, TeamStatus.RETURNING}),
    TeamStatus.ON_SCENE: frozenset({TeamStatus.RETURNING}),
    TeamStatus.RETURNING: frozenset({TeamStatus.STANDBY, TeamStatus.RESTING}),
    TeamStatus.RESTING: frozenset({TeamStatus.STANDBY}),
}
DISPATCHABLE = frozenset({TeamStatus.STANDBY, TeamStatus.RESTING})
# After these the team is no longer on an incident.
_OFF_INCIDENT = frozenset({TeamStatus.STANDBY, TeamStatus.RESTING})


@dataclass(frozen=True, slots=True)
class TeamState:
    """A team's dispatch state as it is now."""

    id: uuid.UUID
    name: str
    status: str  # TeamStatus code
    incident_id: uuid.UUID | None
    incident_title: str | None
    status_since: datetime | None
    members: int
    available: int | None
    retired: bool
    version: int

    @property
    def next_statuses(self) -> tuple[TeamStatus, ...]:
        """The statuses :meth:`DispatchService.set_status` accepts from here, in path order."""
        allowed = (
            TRANSITIONS.get(TeamStatus(self.status), frozenset()) if _known(self.status) else ()
        )
        return tuple(s for s in TeamStatus if s in allowed)


@dataclass(frozen=True, slots=True)
class TeamCandidate:
    """A team that can leave now, with its distance (km, great-circle) from the incident."""

    id: uuid.UUID
    version: int
    name: str
    team_type: str  # TeamType code
    specialties: tuple[str, ...]  # TeamSpecialty codes
    members: int
    available: int  # members who can go now (all members when not recorded)
    township: str | None
    distance_km: float | None  # None when the team or the incident has no position
    contact_name: str | None
    contact_phone: str | None
    equipment: str | None


_TEXTS = {
    "team.unknown": "该队伍已不存在。",
    "team.retired": "该队伍已停用，不能调派。",
    "team.busy": "该队伍不在待命或休整状态（已出动、在现场或返回途中），不能再次调派。",
    "team.changed": "该队伍的状态刚被其他席位更改，请查看最新状态后再操作。",
    "team.transition": "不能从当前状态改为所选状态。",
    "team.status": "未知的队伍状态。",
    "dispatch.members": "出动人数须为正整数，且不超过可出动人数。",
    "dispatch.dispatch_only": "改为“已出动”请使用“调派”，并选择事件。",
    "incident.unknown": "该事件已不存在。",
    "incident.closed": "该事件已结束，不能再调派队伍。",
    "note.too_long": f"备注过长（不超过 {NOTE_MAX} 字）。",
    "specialty.unknown": "未知的专业能力。",
}


class TeamRefused(RuleViolation):
    """The team cannot be dispatched now (``team.busy``): named, with its status code."""

    def __init__(self, code: str, name: str, status: str) -> None:
        super().__init__(code, status)
        self.name = name
        self.status = status


def taken_text(name: str, status: str) -> str:
    """The team is no longer free to go (another seat sent it, or it changed status)."""
    return f"{name} 已被调派（状态：{label(Family.TEAM_STATUS, status)}），请另选队伍。"


def off_list_text(name: str) -> str:
    """The team is free but not among the teams listed (the specialty chosen)."""
    return f"{name} 不在当前列表中（请检查专业筛选），请另选队伍。"


def problem_text(exc: RuleViolation) -> str:
    """A refusal of this module in Chinese, for the form (the team named when it is one)."""
    if isinstance(exc, TeamRefused):
        status = label(Family.TEAM_STATUS, exc.status)
        return f"{exc.name} 已被调派（状态：{status}），不能再次调派，请另选队伍。"
    return _TEXTS.get(exc.code, f"不符合规则（{exc.code}）。")


def _known(status: str) -> bool:
    return status in TeamStatus._value2member_map_


def _specialties(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def _note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation("note.too_long", f"{len(note)} > {NOTE_MAX}")
    return note


class DispatchService:
    """Team dispatch and status (one read session or one unit of work per call)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    # -- reads ----------------------------------------------------------------
    def team(self, team_id: uuid.UUID) -> TeamState:
        """The team's state now; RuleViolation ``team.unknown``."""
        with self._db.read_session() as s:
            team = s.get(RescueTeam, team_id)
            if team is None:
                raise RuleViolation("team.unknown", str(team_id))
            return _state(s, team)

    def candidates(
        self, incident_id: uuid.UUID, specialty: str | None = None
    ) -> list[TeamCandidate]:
        """Teams able to leave now for the incident: 待命 (standby), not retired, with
        ``specialty`` (a TeamSpecialty code) when given; nearest first by
        great-circle distance from the incident (teams without a position, or
        all when the incident has none, after them by name).

        RuleViolation ``incident.unknown``, ``specialty.unknown``.
        """
        if specialty is not None and specialty not in TeamSpecialty._value2member_map_:
            raise RuleViolation("specialty.unknown", specialty)
        with self._db.read_session() as s:
            incident = s.execute(
                select(Incident.lon, Incident.lat).where(Incident.id == incident_id)
            ).first()
            if incident is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            rows = s.execute(
                select(
                    RescueTeam.id,
                    RescueTeam.version,
                    RescueTeam.name,
                    RescueTeam.team_type,
                    RescueTeam.specialties,
                    RescueTeam.members,
                    RescueTeam.available,
                    RescueTeam.lon,
                    RescueTeam.lat,
                    RescueTeam.contact_name,
                    RescueTeam.contact_phone,
                    RescueTeam.equipment,
                    Township.name.label("township"),
                )
                .outerjoin(Township, Township.id == RescueTeam.township_id)
                .where(
                    RescueTeam.status == TeamStatus.STANDBY.value,
                    RescueTeam.retired_at.is_(None),
                )
            ).all()
        out: list[TeamCandidate] = []
        for r in rows:
            specialties = _specialties(r.specialties)
            if specialty is not None and specialty not in specialties:
                continue
            km = None
            if None not in (incident.lon, incident.lat, r.lon, r.lat):
                km = round(distance_m(incident.lon, incident.lat, r.lon, r.lat) / 1000.0, 1)
            out.append(
                TeamCandidate(
                    id=r.id,
                    version=r.version,
                    name=r.name,
                    team_type=r.team_type,
                    specialties=specialties,
                    members=r.members or 0,
                    available=r.available if r.available is not None else (r.members or 0),
                    township=r.township,
                    distance_km=km,
                    contact_name=r.contact_name,
                    contact_phone=r.contact_phone,
                    equipment=r.equipment,
                )
            )
        out.sort(key=lambda c: (c.distance_km is None, c.distance_km or 0.0, c.name))
        return out

    # -- writes ---------------------------------------------------------------
    def dispatch(
        self,
        team_id: uuid.UUID,
        incident_id: uuid.UUID,
        *,
        members: int | None = None,
        note: str = "",
        actor: str,
        site: str,
    ) -> TeamState:
        """Send the team to the incident: status 已出动, since now (database clock).

        ``members`` going (1..available; None: every available member, or
        every member when availability is not recorded). The incident's log
        gets ``调派 顺河路消防救援站（32 人）`` (and the note) in the same
        transaction. Returns the team's new state.

        Refused (RuleViolation): ``team.unknown``, ``team.retired``,
        ``team.busy`` (not 待命 or 休整), ``dispatch.members``,
        ``incident.unknown``, ``incident.closed``, ``note.too_long``.
        Needs :attr:`Action.DISPATCH_TEAM` (NotPermitted otherwise).
        """
        require(self._db, Action.DISPATCH_TEAM)
        note = _note(note)
        if members is not None and (
            isinstance(members, bool) or not isinstance(members, int) or members <= 0
        ):
            raise RuleViolation("dispatch.members", repr(members))
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            team = _locked(s, team_id)
            if team.retired_at is not None:
                raise RuleViolation("team.retired", team.name)
            if team.status not in DISPATCHABLE:
                raise TeamRefused("team.busy", team.name, team.status)
            incident = s.get(Incident, incident_id)
            if incident is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            if incident.status not in OPEN_STATUSES:
                raise RuleViolation("incident.closed", str(incident_id))
            able = team.available if team.available is not None else team.members
            going = able if members is None else members
            if going <= 0 or going > able:
                raise RuleViolation("dispatch.members", f"{going} of {able}")
            now = self._db.clock()
            team.status = TeamStatus.DISPATCHED.value
            team.incident_id = incident_id
            team.status_since = now
            body = f"调派 {team.name}（{going} 人）"
            if note:
                body += f"：{note}"
            _log(s, incident_id, body, now, actor)
            s.flush()
            state = _state(s, team, incident.title)
            uow.commit()
        return state

    def set_status(
        self,
        team_id: uuid.UUID,
        version_or_expected_status: int | TeamStatus,
        status: TeamStatus,
        *,
        note: str = "",
        actor: str,
        site: str,
    ) -> TeamState:
        """Move the team along its path (:data:`TRANSITIONS`): 已出动 → 到达现场 /
        返回途中, 到达现场 → 返回途中, 返回途中 → 待命 / 休整, 休整 → 待命.

        ``version_or_expected_status`` is what the caller last saw: the team's
        version (int) or its status; if the team has changed since,
        ``team.changed``. While the team is on an incident the change goes
        into that incident's log (``顺河路消防救援站 到达现场``) in the same
        transaction. Back to 待命 or 休整 the incident is cleared. ``status_since``
        becomes now (database clock). Returns the team's new state.

        Refused (RuleViolation): ``team.unknown``, ``team.retired``,
        ``team.status`` (unknown code), ``dispatch.dispatch_only`` (to 已出动:
        use :meth:`dispatch`), ``team.changed``, ``team.transition``,
        ``note.too_long``. Needs :attr:`Action.DISPATCH_TEAM`.
        """
        require(self._db, Action.DISPATCH_TEAM)
        note = _note(note)
        if not _known(str(status)):
            raise RuleViolation("team.status", str(status))
        status = TeamStatus(status)
        if status is TeamStatus.DISPATCHED:
            raise RuleViolation("dispatch.dispatch_only")
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            team = _locked(s, team_id)
            if team.retired_at is not None:
                raise RuleViolation("team.retired", team.name)
            expected = version_or_expected_status
            if isinstance(expected, int) and not isinstance(expected, bool):
                if team.version != expected:
                    raise RuleViolation("team.changed", f"version {team.version} != {expected}")
            elif team.status != str(expected):
                raise RuleViolation("team.changed", f"{team.status} != {expected}")
            current = TeamStatus(team.status) if _known(team.status) else None
            if current is None or status not in TRANSITIONS[current]:
                raise RuleViolation("team.transition", f"{team.status} -> {status.value}")
            now = self._db.clock()
            incident_id = team.incident_id
            if incident_id is not None:
                body = f"{team.name} {label(Family.TEAM_STATUS, status.value)}"
                if note:
                    body += f"：{note}"
                _log(s, incident_id, body, now, actor)
            team.status = status.value
            team.status_since = now
            if status in _OFF_INCIDENT:
                team.incident_id = None
            s.flush()
            state = _state(s, team)
            uow.commit()
        return state


def _locked(s: Session, team_id: uuid.UUID) -> RescueTeam:
    team = s.execute(
        select(RescueTeam).where(RescueTeam.id == team_id).with_for_update()
    ).scalar_one_or_none()
    if team is None:
        raise RuleViolation("team.unknown", str(team_id))
    return team


def _log(s: Session, incident_id: uuid.UUID, body: str, at: datetime, actor: str) -> None:
    s.add(
        IncidentLogEntry(
            id=uuid.uuid4(),
            incident_id=incident_id,
            kind=LogEntryKind.DISPATCH.value,
            body=body,
            at=at,
            actor=actor,
        )
    )


def _state(s: Session, team: RescueTeam, incident_title: Any = None) -> TeamState:
    if team.incident_id is not None and incident_title is None:
        incident_title = s.scalar(select(Incident.title).where(Incident.id == team.incident_id))
    return TeamState(
        id=team.id,
        name=team.name,
        status=team.status,
        incident_id=team.incident_id,
        incident_title=incident_title if team.incident_id is not None else None,
        status_since=team.status_since,
        members=team.members or 0,
        available=team.available,
        retired=team.retired_at is not None,
        version=team.version,
    )
