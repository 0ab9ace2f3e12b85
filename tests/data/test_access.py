"""Sign-in, roles per person and the refusal of writes a role may not make,
through the real services on SQLite and on PostgreSQL."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import (
    Base,
    ChangeLog,
    Credential,
    Incident,
    RescueTeam,
    RoleGrant,
    Shelter,
    Staff,
    SyncConflict,
)
from app.data.uow import UnitOfWork
from app.domain.access import ROLE_ACTIONS, Action, Role, format_roles
from app.domain.clock import CHINA_TZ, system_clock
from app.domain.deadlines import ReportKind
from app.domain.enums import IncidentStatus, LogEntryKind
from app.domain.identity import Identity, acting_as, current_operator
from app.domain.intake import IncidentDraft
from app.services.access import (
    ACCESS_ENTITY,
    ADMIN_NAME,
    LOCKOUT,
    MAX_FAILURES,
    AccessService,
    NotPermitted,
    SecretRejected,
    SignInRefused,
    hash_secret,
    password_problem,
    pin_problem,
)
from app.services.demo import remove_demo
from app.services.disaster_stats import DisasterStats, Figures
from app.services.dispatch import DispatchService
from app.services.dto import ShelterEdit
from app.services.handover import HandoverService
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.services.movements import MovementService
from app.services.office import OfficeSettings
from app.services.registers import RegisterService
from app.services.resources import ShelterEditor
from app.services.roster import RosterService
from app.services.staff import StaffDraft, StaffService
from app.sync.service import SyncService
from app.sync.types import Resolution

PASSWORD = "Duty-2026x"
PIN = "2580"
SITE = "center"
SEAT = "席位2"
OS_ACCOUNT = "os-account"  # what a caller passes as ``actor``: never the signature


# -- helpers --------------------------------------------------------------------------
@functools.cache
def _hash(secret: str) -> str:
    """One argon2id hash per secret for the whole run (hashing is slow on purpose)."""
    return hash_secret(secret)


def _person(
    db: Database,
    name: str,
    roles: set[Role] | frozenset[Role] = frozenset(),
    *,
    password: str | None = None,
    pin: str | None = None,
    active: bool = True,
) -> uuid.UUID:
    """A person in the staff register, set up by the program (no operator)."""
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        person = Staff(name=name, role="officer", active=active)
        uow.session.add(person)
        uow.commit()
    if password is not None:
        with UnitOfWork(db, actor="setup", site=SITE) as uow:
            uow.session.add(
                Credential(
                    staff_id=person.id,
                    password_hash=_hash(password),
                    pin_hash=_hash(pin) if pin is not None else None,
                    must_change=False,
                    failed_attempts=0,
                )
            )
            uow.commit()
    access = AccessService(db)
    for role in sorted(roles):
        access.grant(person.id, role, "测试需要")
    return person.id


def _identity(db: Database, staff_id: uuid.UUID) -> Identity:
    with db.read_session() as s:
        person = s.get(Staff, staff_id)
        assert person is not None
        name = person.name
    return Identity(name, SITE, SEAT, staff_id, AccessService(db).roles_of(staff_id))


def _last_seq(db: Database) -> int:
    with db.read_session() as s:
        return s.scalar(select(ChangeLog.seq).order_by(ChangeLog.seq.desc()).limit(1)) or 0


def _entries_after(db: Database, seq: int) -> list[ChangeLog]:
    with db.read_session() as s:
        return list(s.scalars(select(ChangeLog).where(ChangeLog.seq > seq).order_by(ChangeLog.seq)))


def _access_entries(db: Database, staff_id: uuid.UUID) -> list[tuple[str, dict[str, Any]]]:
    with db.read_session() as s:
        rows = s.execute(
            select(ChangeLog.op, ChangeLog.detail)
            .where(ChangeLog.entity_type == ACCESS_ENTITY, ChangeLog.entity_id == staff_id)
            .order_by(ChangeLog.seq)
        ).all()
    return [(op, json.loads(detail) if detail else {}) for op, detail in rows]


def _snapshot(db: Database) -> dict[str, list[str]]:
    """Every row of every table but change_log: any write at all changes it."""
    out: dict[str, list[str]] = {}
    with db.read_session() as s:
        for table in Base.metadata.sorted_tables:
            if table.name != "change_log":
                out[table.name] = sorted(repr(tuple(r)) for r in s.execute(select(table)))
    return out


@pytest.fixture
def clocked(migrated_db: Database) -> Iterator[tuple[Database, list[datetime]]]:
    """The same database seen through a clock the test moves."""
    moment = [system_clock()]
    db = Database(migrated_db.url, clock=lambda: moment[0])
    db.schema_revision = migrated_db.schema_revision
    yield db, moment
    db.dispose()


# -- secret rules -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1!", "至少 8 位"),
        ("abcdefgh", "至少两种"),
        ("12345678", "至少两种"),
        ("!!!!####", "至少两种"),
        ("abcd1234", None),
        ("abcdefg!", None),
        ("值班密码值班密码1", None),
    ],
)
def test_password_rules(password: str, problem: str | None) -> None:
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("pin", "problem"),
    [
        ("258", "4 至 8 位"),
        ("123456789", "4 至 8 位"),
        ("25a0", "4 至 8 位"),
        ("２５８０", "4 至 8 位"),  # full-width digits are not typed on a keypad
        ("1111", "过于简单"),
        ("1234", "过于简单"),
        ("98765", "过于简单"),
        ("2580", None),
        ("13572468", None),
    ],
)
def test_pin_rules(pin: str, problem: str | None) -> None:
    found = pin_problem(pin)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


# -- signing in -------------------------------------------------------------------------
def test_sign_in_with_password_and_with_pin(migrated_db: Database) -> None:
    db = migrated_db
    sid = _person(db, "王芳", {Role.OFFICER}, password=PASSWORD, pin=PIN)
    access = AccessService(db)
    me = access.sign_in(sid, PASSWORD, site=SITE, workstation=SEAT)
    assert me == Identity("王芳", SITE, SEAT, sid, frozenset({Role.OFFICER}))
    assert current_operator() is None  # signing in does not make anyone the operator
    assert access.sign_in(sid, PIN, site=SITE, workstation=SEAT) == me  # digits: the PIN
    assert access.sign_in(sid, PIN, site=SITE, workstation=SEAT, pin=True) == me
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, PIN, site=SITE, workstation=SEAT, pin=False)  # not the password
    assert refused.value.reason == "wrong"
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, PASSWORD, site=SITE, workstation=SEAT, pin=True)  # not the PIN
    assert refused.value.reason == "wrong"
    assert _access_entries(db, sid) == [
        ("sign_in", {"with": "password"}),
        ("sign_in", {"with": "pin"}),
        ("sign_in", {"with": "pin"}),
        ("denied", {"reason": "wrong", "failures": 1}),
        ("denied", {"reason": "wrong", "failures": 2}),
    ]
    with db.read_session() as s:
        signed = s.scalars(
            select(ChangeLog).where(ChangeLog.entity_type == ACCESS_ENTITY).order_by(ChangeLog.seq)
        ).first()
        assert signed is not None
        assert (signed.actor, signed.actor_id, signed.role, signed.workstation) == (
            "王芳",
            sid,
            "officer",
            SEAT,
        )
        assert signed.origin_site == SITE


def test_pin_needs_one_and_password_then_counts(migrated_db: Database) -> None:
    db = migrated_db
    sid = _person(db, "李明", {Role.VIEWER}, password=PASSWORD)
    access = AccessService(db)
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, "2580", site=SITE, workstation=SEAT, pin=True)
    assert refused.value.reason == "no_pin"
    assert refused.value.message() == "此人员尚未设置 PIN，请用密码登录"
    # Without a PIN, digits are tried as the password.
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, "2580", site=SITE, workstation=SEAT)
    assert refused.value.reason == "wrong"


def test_wrong_secrets_count_down_then_lock_and_the_lock_expires(
    clocked: tuple[Database, list[datetime]],
) -> None:
    db, moment = clocked
    sid = _person(db, "张伟", {Role.LEADER}, password=PASSWORD)
    access = AccessService(db)
    for left in range(MAX_FAILURES - 1, 0, -1):
        with pytest.raises(SignInRefused) as refused:
            access.sign_in(sid, "Wrong-pass1", site=SITE, workstation=SEAT)
        assert (refused.value.reason, refused.value.left) == ("wrong", left)
        assert refused.value.message() == f"密码或 PIN 不正确，还可尝试 {left} 次"
    locked_at = moment[0]
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, "Wrong-pass1", site=SITE, workstation=SEAT)
    opens = locked_at + LOCKOUT
    assert (refused.value.reason, refused.value.until) == ("locked", opens)
    assert refused.value.message() == (
        f"连续输错次数过多，账号已暂时锁定（{opens.astimezone(CHINA_TZ):%H:%M} 后可再试）"
    )
    # The right password does not open it before the time.
    moment[0] = locked_at + LOCKOUT - timedelta(seconds=1)
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, PASSWORD, site=SITE, workstation=SEAT)
    assert refused.value.reason == "locked"
    moment[0] = locked_at + LOCKOUT + timedelta(seconds=1)
    assert access.sign_in(sid, PASSWORD, site=SITE, workstation=SEAT).staff_id == sid
    with db.read_session() as s:
        cred = s.scalar(select(Credential).where(Credential.staff_id == sid))
        assert cred is not None
        assert (cred.failed_attempts, cred.locked_until) == (0, None)
    ops = [op for op, _ in _access_entries(db, sid)]
    assert ops == ["denied"] * MAX_FAILURES + ["denied", "sign_in"]
    assert _access_entries(db, sid)[MAX_FAILURES] == ("denied", {"reason": "locked"})


def test_after_the_lock_expires_the_count_starts_again(
    clocked: tuple[Database, list[datetime]],
) -> None:
    db, moment = clocked
    sid = _person(db, "赵敏", {Role.OFFICER}, password=PASSWORD)
    access = AccessService(db)
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            access.sign_in(sid, "Wrong-pass1", site=SITE, workstation=SEAT)
    moment[0] += LOCKOUT + timedelta(seconds=1)
    # One mistake after the lock has run out is one mistake, not a new lock.
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(sid, "Wrong-pass1", site=SITE, workstation=SEAT)
    assert (refused.value.reason, refused.value.left) == ("wrong", MAX_FAILURES - 1)
    assert access.sign_in(sid, PASSWORD, site=SITE, workstation=SEAT).staff_id == sid


def test_inactive_unknown_and_roleless_people_are_refused(migrated_db: Database) -> None:
    db = migrated_db
    access = AccessService(db)
    gone = _person(db, "离职人员", {Role.OFFICER}, password=PASSWORD, active=False)
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(gone, PASSWORD, site=SITE, workstation=SEAT)
    assert refused.value.reason == "inactive"
    assert refused.value.message() == "此人员已停用"
    assert _access_entries(db, gone) == [("denied", {"reason": "inactive"})]

    no_account = _person(db, "无账号")
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(no_account, PASSWORD, site=SITE, workstation=SEAT)
    assert refused.value.reason == "unknown"
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(uuid.uuid4(), PASSWORD, site=SITE, workstation=SEAT)
    assert refused.value.reason == "unknown"

    roleless = _person(db, "无角色", password=PASSWORD)
    with pytest.raises(SignInRefused) as refused:  # a wrong password says only that
        access.sign_in(roleless, "Wrong-pass1", site=SITE, workstation=SEAT)
    assert refused.value.reason == "wrong"
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(roleless, PASSWORD, site=SITE, workstation=SEAT)
    assert refused.value.reason == "no_role"
    assert refused.value.message() == "此人员没有任何角色，请系统管理员授予角色"
    # Roles are read at each sign-in: one revoked is gone at the next.
    revoked = _person(db, "撤销角色", {Role.OFFICER}, password=PASSWORD)
    assert access.sign_in(revoked, PASSWORD, site=SITE, workstation=SEAT).roles == {Role.OFFICER}
    access.revoke(revoked, Role.OFFICER, "调离值班岗位")
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(revoked, PASSWORD, site=SITE, workstation=SEAT)
    assert refused.value.reason == "no_role"
    # A sign-in list shows only active people with an account.
    names = {c.name for c in access.choices(system_clock())}
    assert names == {"无角色", "撤销角色"}


def test_first_administrator_once_must_change_password(migrated_db: Database) -> None:
    db = migrated_db
    access = AccessService(db)
    first = access.ensure_administrator()
    assert first is not None
    assert first.name == ADMIN_NAME
    assert password_problem(first.password) is None
    assert len(first.password) == 12
    assert access.ensure_administrator() is None  # once
    with db.read_session() as s:
        assert s.scalar(select(Staff.name).where(Staff.id == first.staff_id)) == ADMIN_NAME
        grant = s.scalars(select(RoleGrant).where(RoleGrant.staff_id == first.staff_id)).one()
        assert (grant.role, grant.granted_by, grant.revoked_at) == ("admin", "系统", None)
        details = s.scalars(select(ChangeLog.detail).where(ChangeLog.entity_type == "credential"))
        assert first.password not in "".join(d or "" for d in details)

    admin = access.sign_in(first.staff_id, first.password, site=SITE, workstation=SEAT)
    assert admin.roles == {Role.ADMIN}
    assert access.must_change_password(first.staff_id)
    with pytest.raises(SecretRejected, match="原密码不正确"):
        access.change_own_password(admin, "Not-the-one1", "Better-pass2")
    with pytest.raises(SecretRejected, match="不能与原密码相同"):
        access.change_own_password(admin, first.password, first.password)
    with pytest.raises(SecretRejected, match="至少 8 位"):
        access.change_own_password(admin, first.password, "ab1")
    with pytest.raises(SecretRejected, match="至少两种"):
        access.change_own_password(admin, first.password, "abcdefghij")
    assert access.must_change_password(first.staff_id)
    access.change_own_password(admin, first.password, "Better-pass2")
    assert not access.must_change_password(first.staff_id)
    with pytest.raises(SignInRefused):
        access.sign_in(first.staff_id, first.password, site=SITE, workstation=SEAT)
    assert access.sign_in(first.staff_id, "Better-pass2", site=SITE, workstation=SEAT) == admin

    # Once the only administrator has left, the next start makes a new one.
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        person = uow.session.get(Staff, first.staff_id)
        assert person is not None
        person.active = False
        uow.commit()
    second = access.ensure_administrator()
    assert second is not None and second.staff_id != first.staff_id


def test_people_change_their_own_secrets_but_not_others(migrated_db: Database) -> None:
    db = migrated_db
    access = AccessService(db)
    mine = _person(db, "值班员甲", {Role.OFFICER}, password=PASSWORD)
    other = _person(db, "值班员乙", {Role.OFFICER}, password=PASSWORD)
    me = _identity(db, mine)
    with acting_as(me):
        access.set_pin(mine, "1357")
        with pytest.raises(SecretRejected, match="过于简单"):
            access.set_pin(mine, "0000")
        with pytest.raises(NotPermitted):
            access.set_password(other, "Taken-over1")
        with pytest.raises(NotPermitted):
            access.set_pin(other, "1357")
    assert access.sign_in(mine, "1357", site=SITE, workstation=SEAT).staff_id == mine
    with pytest.raises(SignInRefused) as refused:
        access.sign_in(other, "Taken-over1", site=SITE, workstation=SEAT)
    assert refused.value.reason == "wrong"
    assert [op for op, _ in _access_entries(db, mine)].count("refused") == 2


# -- roles --------------------------------------------------------------------------------
def test_grants_record_who_and_why_and_revocations_are_kept(
    clocked: tuple[Database, list[datetime]],
) -> None:
    db, moment = clocked
    access = AccessService(db)
    admin_id = _person(db, "管理员甲", {Role.ADMIN})
    target = _person(db, "带班领导乙", {Role.OFFICER})
    admin = _identity(db, admin_id)
    granted_at = moment[0]
    with acting_as(admin):
        access.grant(target, Role.LEADER, "  轮值带班  ")
        access.grant(target, Role.LEADER, "再次授予")  # held already: nothing happens
        with pytest.raises(SecretRejected, match="理由"):
            access.grant(target, Role.COMMANDER, "  ")
    assert access.roles_of(target) == {Role.OFFICER, Role.LEADER}
    leader = [g for g in access.grants(target) if g.role is Role.LEADER]
    assert len(leader) == 1
    row = leader[0]
    assert (row.person, row.reason, row.granted_by, row.granted_at) == (
        "带班领导乙",
        "轮值带班",
        "管理员甲",
        granted_at,
    )
    assert row.active
    with db.read_session() as s:
        stored = s.get(RoleGrant, row.id)
        assert stored is not None and stored.granted_by_id == admin_id
        logged = s.scalars(
            select(ChangeLog).where(
                ChangeLog.entity_type == "role_grant", ChangeLog.entity_id == row.id
            )
        ).one()
        assert (logged.op, logged.actor, logged.actor_id, logged.role) == (
            "insert",
            "管理员甲",
            admin_id,
            "admin",
        )
        assert json.loads(logged.detail or "{}")["role"] == [None, "leader"]

    moment[0] += timedelta(hours=1)
    with acting_as(admin):
        access.revoke(target, Role.LEADER, "轮值结束")
    assert access.roles_of(target) == {Role.OFFICER}
    kept = [g for g in access.grants(target) if g.role is Role.LEADER]
    assert len(kept) == 1 and not kept[0].active
    assert (kept[0].revoked_by, kept[0].revoked_at, kept[0].revoke_reason) == (
        "管理员甲",
        moment[0],
        "轮值结束",
    )
    assert (kept[0].granted_by, kept[0].reason) == ("管理员甲", "轮值带班")
    with db.read_session() as s:
        stored = s.get(RoleGrant, row.id)
        assert stored is not None and stored.revoked_by_id == admin_id
    # Granted again later: a new grant, the revoked one stays as it was.
    with acting_as(admin):
        access.grant(target, Role.LEADER, "再次轮值")
    assert len([g for g in access.grants(target) if g.role is Role.LEADER]) == 2


def test_an_administrator_cannot_revoke_their_own_admin_role(migrated_db: Database) -> None:
    db = migrated_db
    access = AccessService(db)
    first = _person(db, "管理员甲", {Role.ADMIN, Role.LEADER})
    second = _person(db, "管理员乙", {Role.ADMIN})
    me = _identity(db, first)
    with acting_as(me):
        with pytest.raises(SecretRejected, match="不能撤销自己的系统管理员角色"):
            access.revoke(first, Role.ADMIN, "交接")
        access.revoke(first, Role.LEADER, "不再带班")  # another own role may go
    assert access.roles_of(first) == {Role.ADMIN}
    with acting_as(_identity(db, second)):
        access.revoke(first, Role.ADMIN, "调离")
    assert access.roles_of(first) == frozenset()
    # Still signed in with the roles of this morning: the revocation holds at
    # the next write all the same, and the refusal names the roles held now.
    assert me.roles == {Role.ADMIN, Role.LEADER}
    with acting_as(me), pytest.raises(NotPermitted) as refused:
        access.grant(second, Role.LEADER, "x")
    assert refused.value.operator.roles == frozenset()
    assert "无角色" in refused.value.message()
    assert _access_entries(db, first)[-1] == ("refused", {"action": "manage_accounts", "roles": ""})
    assert access.roles_of(second) == {Role.ADMIN}


# -- refused writes, per role ----------------------------------------------------------------
@dataclass(frozen=True)
class Write:
    """One kind of write through a real service: ``prepare`` (as the program)
    makes what it needs, ``run`` makes it as the operator of the context."""

    action: Action
    name: str
    prepare: Callable[[Database], dict[str, Any]]
    run: Callable[[Database, dict[str, Any]], object]


def _incident(
    db: Database, status: IncidentStatus, *, category: str = "accident", demo: bool = False
) -> dict[str, Any]:
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        incident = Incident(
            title="龙城镇某村民房起火",
            category=category,
            incident_type="rainstorm" if category == "natural" else "fire",
            severity="IV",
            status=status.value,
            received_at=db.clock() - timedelta(hours=2),
            source="phone",
            is_demo=demo,
        )
        uow.session.add(incident)
        uow.commit()
    return {"id": incident.id, "version": incident.version}


def _shelter(db: Database) -> dict[str, Any]:
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        shelter = Shelter(name="县体育馆", shelter_type="indoor", capacity=100, is_open=True)
        uow.session.add(shelter)
        uow.commit()
    return {"id": shelter.id, "version": shelter.version}


def _team_and_incident(db: Database) -> dict[str, Any]:
    incident = _incident(db, IncidentStatus.HANDLING)
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        team = RescueTeam(name="县蓝天救援队", team_type="volunteer", members=20, status="standby")
        uow.session.add(team)
        uow.commit()
    return {"team": team.id, "incident": incident["id"]}


def _sync_conflict(db: Database) -> dict[str, Any]:
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        conflict = SyncConflict(
            entity_type="shelter",
            entity_id=uuid.uuid4(),
            field="capacity",
            kind="field",
            kept_value="300",
            lost_value="500",
            detected_at=db.clock(),
            detected_by="center",
        )
        uow.session.add(conflict)
        uow.commit()
    return {"id": conflict.id}


def _transition(target: IncidentStatus, **kw: Any) -> Callable[[Database, dict[str, Any]], object]:
    def run(db: Database, c: dict[str, Any]) -> object:
        return IncidentWorkflow(db).transition(
            c["id"], target, c["version"], actor=OS_ACCOUNT, site=SITE, at=db.clock(), **kw
        )

    return run


WRITES = [
    Write(
        Action.RECORD_INCIDENT,
        "IncidentService.record",
        lambda db: {},
        lambda db, c: IncidentService(db).record(
            IncidentDraft(
                title="黄口镇某路交通事故",
                category="accident",
                incident_type="road_traffic",
                severity="IV",
                source="phone",
                received_at=db.clock() - timedelta(minutes=5),
                address="黄口镇某路",
            ),
            actor=OS_ACCOUNT,
            site=SITE,
            now=db.clock(),
        ),
    ),
    Write(
        Action.RECORD_INCIDENT,
        "IncidentWorkflow.append",
        lambda db: _incident(db, IncidentStatus.HANDLING),
        lambda db, c: IncidentWorkflow(db).append(
            c["id"], LogEntryKind.NOTE, "现场已设置警戒", actor=OS_ACCOUNT, site=SITE, at=db.clock()
        ),
    ),
    Write(
        Action.REPORT_INCIDENT,
        "IncidentWorkflow.record_report",
        lambda db: _incident(db, IncidentStatus.VERIFIED),
        lambda db, c: IncidentWorkflow(db).record_report(
            c["id"],
            ReportKind.INITIAL,
            db.clock(),
            actor=OS_ACCOUNT,
            site=SITE,
            body="已电话报告市应急局",
        ),
    ),
    Write(
        Action.ADVANCE_INCIDENT,
        "IncidentWorkflow.transition(核实)",
        lambda db: _incident(db, IncidentStatus.RECEIVED),
        _transition(IncidentStatus.VERIFIED),
    ),
    Write(
        Action.START_RESPONSE,
        "IncidentWorkflow.transition(响应)",
        lambda db: _incident(db, IncidentStatus.REPORTED),
        _transition(IncidentStatus.RESPONDING, response_level="IV", plan="县级防汛应急预案"),
    ),
    Write(
        Action.CLOSE_INCIDENT,
        "IncidentWorkflow.transition(结束)",
        lambda db: _incident(db, IncidentStatus.HANDLING),
        _transition(IncidentStatus.CLOSED),
    ),
    Write(
        Action.RECORD_STATISTICS,
        "DisasterStats.record",
        lambda db: _incident(db, IncidentStatus.HANDLING, category="natural"),
        lambda db, c: DisasterStats(db).record(
            c["id"], Figures(affected_population=120), actor=OS_ACCOUNT, site=SITE, at=db.clock()
        ),
    ),
    Write(
        Action.RECORD_MOVEMENT,
        "MovementService.record_occupancy",
        _shelter,
        lambda db, c: MovementService(db).record_occupancy(
            c["id"], 12, actor=OS_ACCOUNT, site=SITE
        ),
    ),
    Write(
        Action.DISPATCH_TEAM,
        "DispatchService.dispatch",
        _team_and_incident,
        lambda db, c: DispatchService(db).dispatch(
            c["team"], c["incident"], members=12, actor=OS_ACCOUNT, site=SITE
        ),
    ),
    Write(
        Action.EDIT_RESOURCES,
        "RegisterService.create(hazards)",
        lambda db: {},
        lambda db, c: RegisterService(db).create(
            "hazards",
            {"name": "某加油站", "hazard_type": "gas", "risk_level": "yellow"},
            actor=OS_ACCOUNT,
            site=SITE,
        ),
    ),
    Write(
        Action.HANDOVER,
        "HandoverService.record",
        lambda db: {},
        lambda db, c: HandoverService(db).record(
            None, None, "夜间平稳", [], actor=OS_ACCOUNT, site=SITE, at=db.clock()
        ),
    ),
    Write(
        Action.EDIT_ROSTER,
        "RosterService.define_shift",
        lambda db: {},
        lambda db, c: RosterService(db).define_shift(
            db.clock() + timedelta(days=1),
            db.clock() + timedelta(days=2),
            "明日值班",
            actor=OS_ACCOUNT,
            site=SITE,
        ),
    ),
    Write(
        Action.EDIT_RESOURCES,
        "ShelterEditor.update",
        _shelter,
        lambda db, c: ShelterEditor(db).update(
            ShelterEdit(c["id"], c["version"], True, 150, "张主任", "13800000000", "饮水"),
            actor=OS_ACCOUNT,
            site=SITE,
        ),
    ),
    Write(
        Action.EDIT_RULES,
        "OfficeSettings.set_reporting_rules",
        lambda db: {"saved": OfficeSettings(db).reporting_rules()},
        lambda db, c: OfficeSettings(db).set_reporting_rules(
            replace(
                c["saved"].rules, warn_before=c["saved"].rules.warn_before + timedelta(minutes=1)
            ),
            c["saved"].version,
            actor=OS_ACCOUNT,
            site=SITE,
        ),
    ),
    Write(
        Action.EDIT_STAFF,
        "StaffService.create",
        lambda db: {},
        lambda db, c: StaffService(db).create(
            StaffDraft(name="新来的值班员", role="officer"), actor=OS_ACCOUNT, site=SITE
        ),
    ),
    Write(
        Action.MANAGE_ACCOUNTS,
        "AccessService.grant",
        lambda db: {"id": _person(db, "待授权人员")},
        lambda db, c: AccessService(db).grant(c["id"], Role.VIEWER, "观摩演练"),
    ),
    Write(
        Action.MANAGE_ACCOUNTS,
        "AccessService.set_password(of another)",
        lambda db: {"id": _person(db, "待设密码人员")},
        lambda db, c: AccessService(db).set_password(c["id"], "Initial-pw1", must_change=True),
    ),
    Write(
        Action.MANAGE_DEMO,
        "remove_demo",
        lambda db: _incident(db, IncidentStatus.RECEIVED, demo=True),
        lambda db, c: remove_demo(db, actor=OS_ACCOUNT, site=SITE),
    ),
    Write(
        Action.SYNC,
        "SyncService.resolve",
        lambda db: _sync_conflict(db),
        lambda db, c: SyncService(db).resolve(c["id"], Resolution.NOTED, expected_version=1),
    ),
]


def test_every_kind_of_write_is_tried() -> None:
    assert {w.action for w in WRITES} == set(Action)


def test_each_role_makes_exactly_the_writes_the_table_allows(migrated_db: Database) -> None:
    db = migrated_db
    wrong: list[str] = []
    for role in Role:
        person = _person(db, f"人员-{role.value}", {role})
        me = _identity(db, person)
        assert me.roles == {role}
        for write in WRITES:
            context = write.prepare(db)
            before, seq = _snapshot(db), _last_seq(db)
            allowed = write.action in ROLE_ACTIONS[role]
            with acting_as(me):
                try:
                    write.run(db, context)
                    refused: NotPermitted | None = None
                except NotPermitted as exc:
                    refused = exc
            entries = _entries_after(db, seq)
            case = f"{role.value} {write.name}"
            if allowed:
                if refused is not None:
                    wrong.append(f"{case}: refused, the table allows it")
                    continue
                if _snapshot(db) == before or not entries:
                    wrong.append(f"{case}: allowed but nothing written")
                signatures = {(e.actor, e.actor_id, e.role, e.workstation) for e in entries}
                if signatures != {(me.user, person, role.value, SEAT)}:
                    wrong.append(f"{case}: signed {signatures}")
                continue
            if refused is None:
                wrong.append(f"{case}: made, the table refuses it")
                continue
            assert refused.action is write.action
            assert me.user in refused.message()
            if _snapshot(db) != before:
                wrong.append(f"{case}: refused but something was written")
            facts = [
                (
                    e.entity_type,
                    e.entity_id,
                    e.op,
                    e.actor,
                    e.actor_id,
                    json.loads(e.detail or "{}"),
                )
                for e in entries
            ]
            expected = (
                ACCESS_ENTITY,
                person,
                "refused",
                me.user,
                person,
                {"action": write.action.value, "roles": format_roles(me.roles)},
            )
            if facts != [expected]:
                wrong.append(f"{case}: change log {facts}")
    assert wrong == []


def test_roles_add_up(migrated_db: Database) -> None:
    db = migrated_db
    person = _person(db, "观察员兼值班员", {Role.VIEWER, Role.OFFICER})
    me = _identity(db, person)
    shift = next(w for w in WRITES if w.action is Action.EDIT_ROSTER)  # neither role may
    with acting_as(me):
        IncidentService(db).record(
            IncidentDraft(
                title="杨楼镇内涝",
                category="natural",
                incident_type="rainstorm",
                severity="IV",
                source="phone",
                received_at=db.clock() - timedelta(minutes=1),
                address="杨楼镇",
            ),
            actor=OS_ACCOUNT,
            site=SITE,
            now=db.clock(),
        )
        with pytest.raises(NotPermitted):
            shift.run(db, {})
    entry = _entries_after(db, 0)[-1]
    assert json.loads(entry.detail or "{}") == {"action": "edit_roster", "roles": "officer,viewer"}
