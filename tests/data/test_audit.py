"""The audit trail: every write signed by the person at the seat, each field
before and after, no secret in it, and a hash chain that shows any entry
altered or removed outside the program, on SQLite and on PostgreSQL."""

from __future__ import annotations

import contextvars
import getpass
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL

from app.cli_audit import main as audit_main
from app.data import migrate
from app.data.engine import Database
from app.data.models import ChangeLog, Credential, IncidentLogEntry, RoleGrant, Staff, Township
from app.data.uow import SECRET_SHOWN, UnitOfWork
from app.domain.access import Role
from app.domain.audit import GENESIS, SealedFields, seal
from app.domain.identity import Identity, acting_as, set_operator
from app.domain.intake import IncidentDraft
from app.services.access import (
    AccessService,
    NotPermitted,
    SecretRejected,
    SignInRefused,
)
from app.services.audit import AuditQuery, AuditService
from app.services.incidents import IncidentService
from tests.helpers.processes import join_all

ROOT = Path(__file__).resolve().parents[2]
SITE = "center"
OS_ACCOUNT = getpass.getuser()  # what a careless caller would pass as ``actor``
SECRET_PASSWORD = "Xq7-Zebra-Lantern"  # appears nowhere else
SECRET_PIN = "86420135"


# -- helpers --------------------------------------------------------------------------
def _person(db: Database, name: str, roles: set[Role]) -> Identity:
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        person = Staff(name=name, role="leader")
        uow.session.add(person)
        uow.commit()
    for role in sorted(roles):
        AccessService(db).grant(person.id, role, "测试需要")
    return Identity(name, "vehicle-1", "指挥车终端", person.id, frozenset(roles))


def _rows(db: Database, after: int = 0) -> list[ChangeLog]:
    with db.read_session() as s:
        return list(
            s.scalars(select(ChangeLog).where(ChangeLog.seq > after).order_by(ChangeLog.seq))
        )


def _last_seq(db: Database) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.max(ChangeLog.seq))) or 0


def _towns(db: Database, n: int, prefix: str = "t") -> list[dict[str, Any]]:
    """``n`` townships in one unit of work (``n`` change-log entries)."""
    rows = [{"code": f"{prefix}{k}", "name": f"镇{prefix}{k}", "kind": "town"} for k in range(n)]
    with UnitOfWork(db, actor="setup", site=SITE) as uow:
        uow.bulk_insert(Township, rows)
        uow.commit()
    return rows


def _fill(db: Database) -> list[int]:
    """A few thousand entries of several writers; returns their sequence numbers."""
    _towns(db, 2500)
    leader = _person(db, "带班领导", {Role.LEADER})
    with acting_as(leader):
        for k in range(10):
            with UnitOfWork(db, actor=OS_ACCOUNT, site=SITE) as uow:
                town = uow.session.scalars(select(Township).where(Township.code == f"t{k}")).one()
                town.name = f"改名{k}"
                uow.commit()
    return [r.seq for r in _rows(db)]


def _fields(row: ChangeLog, **changed: Any) -> SealedFields:
    """What ``row``'s hash covers, with ``changed`` fields replaced."""
    values = {
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "op": row.op,
        "actor": row.actor,
        "actor_id": row.actor_id,
        "role": row.role or "",
        "at": row.at,
        "origin_site": row.origin_site,
        "workstation": row.workstation or "",
        "detail": row.detail,
        "replica": row.replica,
        "origin_seq": row.origin_seq,
        "hlc": row.hlc,
        "received_at": row.received_at,
    }
    return SealedFields(**{**values, **changed})


def _tamper(db: Database, sql: str, **params: Any) -> None:
    """Change change_log as someone with the database's owner rights would,
    outside the program: the append-only triggers out of the way first."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS change_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS change_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE change_log DISABLE TRIGGER change_log_append_only")
        assert conn.execute(text(sql), params).rowcount == 1


# -- signatures and details --------------------------------------------------------------
def test_every_write_is_signed_by_the_person_at_the_seat(migrated_db: Database) -> None:
    db = migrated_db
    leader = _person(db, "张带班", {Role.LEADER, Role.OFFICER})
    before = _last_seq(db)
    draft = IncidentDraft(
        title="龙城镇民房起火",
        category="accident",
        incident_type="fire",
        severity="IV",
        source="phone",
        received_at=db.clock() - timedelta(minutes=3),
        address="龙城镇",
    )
    with acting_as(leader):
        incident = IncidentService(db).record(
            draft, actor=OS_ACCOUNT, site="os-site", now=db.clock()
        )
        # Work handed to another thread with the context (as the task runner
        # does) is signed by the person who started it, whoever sits down next.
        work = contextvars.copy_context()
    set_operator(Identity("接班人员", SITE, "席位9", uuid.uuid4(), frozenset({Role.ADMIN})))
    with ThreadPoolExecutor(1) as pool:
        pool.submit(work.run, _towns, db, 2, "bg").result()
    set_operator(None)
    entries = _rows(db, before)
    assert {e.entity_type for e in entries} == {"incident", "incident_log_entry", "township"}
    assert len(entries) == 4
    signatures = {(e.actor, e.actor_id, e.role, e.workstation, e.origin_site) for e in entries}
    assert signatures == {("张带班", leader.staff_id, "leader,officer", "指挥车终端", "vehicle-1")}
    assert all(e.actor != OS_ACCOUNT for e in _rows(db))
    history = AuditService(db).history("incident", incident)
    assert ("incident", "insert") in {(h.entity_type, h.op) for h in history}
    assert {(h.actor, h.actor_id, h.seat) for h in history} == {
        ("张带班", leader.staff_id, "vehicle-1 / 指挥车终端")
    }
    # A computer named by a long FQDN: its name is cut to what the column holds.
    far = replace(leader, workstation="指挥车终端-" + "x" * 70 + ".county.example.internal")
    with acting_as(far):
        _towns(db, 1, "far")
    assert _rows(db)[-1].workstation == far.workstation[:64]
    assert AuditService(db).verify().ok
    # Nobody signed in: the program itself signs (no person, no role).
    _towns(db, 1, "program")
    program = _rows(db)[-1]
    assert (program.actor, program.actor_id, program.role, program.workstation) == (
        "setup",
        None,
        "",
        "",
    )
    people = AuditService(db).people()
    assert ("张带班" in {name for _, name in people}) and (leader.staff_id, "张带班") in people
    mine = AuditService(db).entries(AuditQuery(actor_id=leader.staff_id), limit=None)
    assert {e.entity_type for e in mine} == {"incident", "incident_log_entry", "township"}


def test_detail_holds_each_field_before_and_after(migrated_db: Database) -> None:
    db = migrated_db
    clerk = _person(db, "录入员", {Role.ADMIN})
    with acting_as(clerk):
        with UnitOfWork(db, actor=OS_ACCOUNT, site=SITE) as uow:  # ORM insert
            town = Township(code="341322101", name="黄口镇", kind="town")
            uow.session.add(town)
            uow.commit()
        with UnitOfWork(db, actor=OS_ACCOUNT, site=SITE) as uow:  # bulk insert
            uow.bulk_insert(
                Township,
                [
                    {"code": "b1", "name": "杨楼镇", "kind": "town"},
                    {"code": "b2", "name": "闫集镇", "kind": "town", "lon": 116.5},
                ],
            )
            uow.commit()
        with UnitOfWork(db, actor=OS_ACCOUNT, site=SITE) as uow:  # ORM update
            uow.get_current(Township, town.id, 1).name = "黄口镇（新）"
            uow.commit()
        with UnitOfWork(db, actor=OS_ACCOUNT, site=SITE) as uow:  # bulk update
            updated = uow.bulk_update(
                Township, Township.code.in_(["b1", "b2"]), {"kind": "street", "lat": 34.1}
            )
            uow.commit()
        with UnitOfWork(db, actor=OS_ACCOUNT, site=SITE) as uow:  # bulk delete
            deleted = uow.bulk_delete(Township, Township.code == "b2")
            uow.commit()
    assert len(updated) == 2 and len(deleted) == 1
    audit = AuditService(db)

    def details(entity_id: uuid.UUID) -> list[tuple[str, dict[str, list[Any]]]]:
        return [
            (e.op, {c.name: [c.before, c.after] for c in e.changes})
            for e in audit.history("township", entity_id)
        ]

    assert details(town.id) == [
        ("insert", {"code": [None, "341322101"], "name": [None, "黄口镇"], "kind": [None, "town"]}),
        ("update", {"name": ["黄口镇", "黄口镇（新）"]}),
    ]
    with db.read_session() as s:
        b1, b2 = (s.scalar(select(Township.id).where(Township.code == c)) for c in ("b1", "b2"))
    assert b2 is None and b1 is not None
    assert details(b1) == [
        ("insert", {"code": [None, "b1"], "name": [None, "杨楼镇"], "kind": [None, "town"]}),
        ("update", {"kind": ["town", "street"], "lat": [None, 34.1]}),
    ]
    gone = deleted[0]
    assert details(gone) == [
        (
            "insert",
            {
                "code": [None, "b2"],
                "name": [None, "闫集镇"],
                "kind": [None, "town"],
                "lon": [None, 116.5],
            },
        ),
        ("update", {"kind": ["town", "street"], "lat": [None, 34.1]}),
        (
            "delete",
            {
                "code": ["b2", None],
                "name": ["闫集镇", None],
                "kind": ["street", None],
                "lon": [116.5, None],
                "lat": [34.1, None],
                "is_demo": [False, None],
            },
        ),
    ]
    # Stored as the flat {column: [before, after]} JSON the reviewer's export reads.
    last = _rows(db)[-1]
    assert json.loads(last.detail or "")["name"] == ["闫集镇", None]
    assert all(e.actor == "录入员" for e in audit.history("township", b1))


# -- secrets ------------------------------------------------------------------------
def test_secrets_never_appear_in_the_log_the_logs_or_the_file(
    sqlite_db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    db = sqlite_db
    caplog.set_level(logging.DEBUG)
    access = AccessService(db)
    first = access.ensure_administrator()
    assert first is not None
    admin = access.sign_in(first.staff_id, first.password, site=SITE, workstation="w")
    officer = _person(db, "值班员丙", {Role.OFFICER})
    officer_id = officer.staff_id
    assert officer_id is not None
    said: list[str] = []
    with acting_as(admin):
        access.change_own_password(admin, first.password, SECRET_PASSWORD)
        access.set_password(officer_id, SECRET_PASSWORD, must_change=True)
        access.set_pin(officer_id, SECRET_PIN)
    for attempt in (
        lambda: access.sign_in(officer_id, SECRET_PASSWORD + "x", site=SITE, workstation="w"),
        lambda: access.change_own_password(admin, SECRET_PASSWORD, SECRET_PASSWORD),
        lambda: access.change_own_password(admin, SECRET_PASSWORD + "!", SECRET_PIN),
    ):
        with pytest.raises((SignInRefused, SecretRejected)) as refused:
            attempt()
        said.append(str(refused.value))
    with acting_as(officer), pytest.raises(NotPermitted) as not_permitted:
        access.set_password(first.staff_id, SECRET_PASSWORD)
    said.append(not_permitted.value.message())
    assert access.sign_in(officer_id, SECRET_PIN, site=SITE, workstation="w")

    secrets = (first.password, SECRET_PASSWORD, SECRET_PIN)
    with db.read_session() as s:
        hashes = [
            h
            for row in s.execute(select(Credential.password_hash, Credential.pin_hash))
            for h in row
            if h
        ]
        logged = s.execute(
            select(ChangeLog.op, ChangeLog.detail).where(ChangeLog.entity_type == "credential")
        ).all()
        everything = " ".join(d or "" for d in s.scalars(select(ChangeLog.detail)))
    assert len(hashes) == 3 and all(h.startswith("$argon2id$") for h in hashes)
    # The history says a secret changed, never what it is.
    shown = [json.loads(d or "{}") for _, d in logged]
    assert {"insert", "update"} <= {op for op, _ in logged}
    assert any(d.get("password_hash") == [SECRET_SHOWN, SECRET_SHOWN] for d in shown)
    assert any(d.get("password_hash") == [None, SECRET_SHOWN] for d in shown)
    assert any(d.get("pin_hash") == [None, SECRET_SHOWN] for d in shown)
    for secret in (*secrets, *hashes, "$argon2"):
        assert secret not in everything
        assert secret not in caplog.text
        assert not any(secret in message for message in said)
    # Nor anywhere in the file (and its write-ahead log) in plain text; the
    # hashes are, which shows the search reads where the rows are.
    path = Path(str(db.url.database))
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert hashes[0].encode() in raw
    for secret in secrets:
        assert secret.encode() not in raw


# -- the chain ----------------------------------------------------------------------
def test_chain_holds_over_thousands_of_writes(migrated_db: Database) -> None:
    db = migrated_db
    seqs = _fill(db)
    assert len(seqs) > 2500
    result = AuditService(db).verify(batch=1000)  # several batches
    assert result.ok and result.broken is None
    assert result.checked == len(seqs)
    rows = _rows(db)
    assert result.last_hash == rows[-1].hash
    # Each hash follows from the one before and the entry's own fields.
    previous = GENESIS
    for row in rows[:50]:
        previous = seal(previous, _fields(row))
        assert row.hash == previous
    assert all(row.hlc is not None for row in rows)  # sealed too (written since 0010)
    assert AuditService(db).verify() == result  # the batch size changes nothing


def test_an_entry_altered_outside_the_program_breaks_the_chain_there(migrated_db: Database) -> None:
    db = migrated_db
    seqs = _fill(db)
    middle = seqs[len(seqs) // 2]
    good = AuditService(db).verify()
    _tamper(db, "UPDATE change_log SET actor = '某人' WHERE seq = :seq", seq=middle)
    result = AuditService(db).verify()
    assert not result.ok and result.broken is not None
    assert result.broken.seq == middle
    assert result.checked == seqs.index(middle) + 1
    stored = {r.seq: r.hash for r in _rows(db)}
    assert result.broken.found == stored[middle]
    assert result.broken.expected != stored[middle]
    assert result.last_hash == stored[seqs[seqs.index(middle) - 1]]
    assert good.ok and good.checked == len(seqs)


def test_an_entry_resealed_after_altering_breaks_the_chain_at_the_next(
    migrated_db: Database,
) -> None:
    """Whoever alters an entry and recomputes its own hash still breaks the next link."""
    db = migrated_db
    seqs = _fill(db)
    k = len(seqs) // 3
    rows = _rows(db)
    target, previous = rows[k], rows[k - 1].hash or GENESIS
    forged = seal(previous, _fields(target, actor="某人"))
    _tamper(
        db,
        "UPDATE change_log SET actor = '某人', hash = :h WHERE seq = :seq",
        h=forged,
        seq=target.seq,
    )
    result = AuditService(db).verify()
    assert result.broken is not None and result.broken.seq == seqs[k + 1]


def test_an_entry_deleted_outside_the_program_breaks_the_chain(migrated_db: Database) -> None:
    db = migrated_db
    seqs = _fill(db)
    k = len(seqs) // 2
    _tamper(db, "DELETE FROM change_log WHERE seq = :seq", seq=seqs[k])
    result = AuditService(db).verify()
    assert result.broken is not None
    assert result.broken.seq == seqs[k + 1]  # the entry that sealed the one removed
    assert result.checked == k + 1


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", b"\x00\xff"), ("role", 7), ("at", "昨天"), ("entity_id", "x"), ("detail", 1.5)],
)
def test_an_entry_made_unreadable_is_reported_where_it_is(
    sqlite_db: Database, column: str, value: Any
) -> None:
    """SQLite keeps whatever is written: a value of another type altogether is
    a broken link like any other, not a failure of the check."""
    db = sqlite_db
    _towns(db, 9)
    _tamper(db, f"UPDATE change_log SET {column} = :v WHERE seq = 5", v=value)
    result = AuditService(db).verify()
    assert result.broken is not None and result.broken.seq == 5
    assert result.checked == 5


def test_the_program_cannot_update_or_delete_the_log(migrated_db: Database) -> None:
    db = migrated_db
    _towns(db, 3)
    for sql in (
        "UPDATE change_log SET actor = 'x'",
        "UPDATE change_log SET hash = NULL WHERE seq = 2",
        "DELETE FROM change_log WHERE seq = 3",
        "DELETE FROM change_log",
    ):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    if not db.is_sqlite:
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("TRUNCATE change_log"))
    result = AuditService(db).verify()
    assert result.ok and result.checked == 3


def test_two_writers_at_once_keep_one_chain(migrated_db: Database) -> None:
    db = migrated_db
    writes = 40
    start = threading.Barrier(2, timeout=60)
    problems: list[Exception] = []

    def writer(name: str) -> None:
        seat = Database(db.url)
        seat.schema_revision = db.schema_revision
        person = Identity(name, SITE, name, None, frozenset({Role.ADMIN}))
        try:
            start.wait()
            with acting_as(person):
                for k in range(writes):
                    with UnitOfWork(seat, actor=name, site=SITE) as uow:
                        uow.bulk_insert(
                            Township,
                            [
                                {"code": f"{name}{k}-{j}", "name": name, "kind": "town"}
                                for j in (1, 2)
                            ],
                        )
                        uow.commit()
                    time.sleep(0.002)  # as people do: the other seat gets its turn
        except Exception as exc:  # noqa: BLE001 - reported below, in the test's thread
            problems.append(exc)
        finally:
            seat.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("seat-a", "seat-b")]
    for t in threads:
        t.start()
    join_all(threads, 120)
    assert problems == []
    rows = _rows(db)
    assert len(rows) == 2 * writes * 2
    # The two seats' commits did interleave, and the chain still holds.
    switches = sum(1 for a, b in itertools.pairwise(rows) if a.actor != b.actor)
    assert switches > 1
    result = AuditService(db).verify()
    assert result.ok and result.checked == len(rows)


# -- the upgrade --------------------------------------------------------------------
def _downgrade(db: Database, revision: str) -> None:
    migrate.downgrade(db, revision)  # and runs as the release of that revision would


def test_a_0007_database_upgrades_seals_its_history_and_grants_roles(
    migrated_db: Database,
) -> None:
    db = migrated_db
    _downgrade(db, "0007")
    people = {
        "张带班": ("leader", True),
        "李值班": ("officer", True),
        "王离职": ("leader", False),
        "赵司机": ("driver", True),
    }
    with UnitOfWork(db, actor="old-release", site=SITE) as uow:
        uow.bulk_insert(
            Staff,
            [{"name": n, "role": r, "active": a} for n, (r, a) in people.items()],
        )
        uow.commit()
    _towns(db, 300)
    now = db.clock()
    IncidentService(db).record(
        IncidentDraft(
            title="杨楼镇内涝",
            category="natural",
            incident_type="rainstorm",
            severity="IV",
            source="phone",
            received_at=now - timedelta(minutes=10),
            address="杨楼镇",
        ),
        actor="old-release",
        site=SITE,
        now=now,
    )
    # An entry of a release that stored text as given (before the text policy).
    at = datetime(2026, 7, 1, 0, 0, 0, 123456, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO change_log (entity_type, entity_id, op, actor, at, origin_site) "
                "VALUES ('township', :id, 'update', :actor, :at, 'vehicle\x0b1')"
            ),
            {
                "id": uuid.uuid4().hex if db.is_sqlite else uuid.uuid4(),
                "actor": "王\x1f芳",
                "at": at.strftime("%Y-%m-%d %H:%M:%S.%f") if db.is_sqlite else at,
            },
        )
    old = _last_seq(db)
    assert old > 300

    result = migrate.upgrade(db)
    assert (result.before, result.after) == ("0007", migrate.head_revision())
    audit = AuditService(db)
    verified = audit.verify()
    assert verified.ok
    rows = _rows(db)
    assert verified.checked == len(rows) == old + 2  # and one grant entry per role given
    assert all(r.hash for r in rows)
    access = AccessService(db)
    with db.read_session() as s:
        ids = {n: s.scalars(select(Staff.id).where(Staff.name == n)).one() for n in people}
        grants = s.scalars(select(RoleGrant)).all()
    assert access.roles_of(ids["张带班"]) == {Role.LEADER}
    assert access.roles_of(ids["李值班"]) == {Role.OFFICER}
    assert access.roles_of(ids["王离职"]) == frozenset()
    assert access.roles_of(ids["赵司机"]) == frozenset()
    assert {(g.granted_by, g.revoked_at) for g in grants} == {("系统", None)}
    granted = [r for r in rows if r.seq > old]
    assert {(r.entity_type, r.op, r.actor, r.actor_id) for r in granted} == {
        ("role_grant", "insert", "系统", None)
    }
    assert {r.entity_id for r in granted} == {g.id for g in grants}
    # The program goes on from there, and the chain with it.
    first = access.ensure_administrator()
    assert first is not None
    again = audit.verify()
    assert again.ok and again.checked > verified.checked


# -- the command line ---------------------------------------------------------------
def test_audit_verify_command(migrated_db: Database, capsys: pytest.CaptureFixture[str]) -> None:
    db = migrated_db
    seqs = _fill(db)
    where = str(db.url.database) if db.is_sqlite else db.url.render_as_string(hide_password=False)
    assert audit_main(["verify", "--db", where]) == 0
    out = capsys.readouterr().out
    last = AuditService(db).verify().last_hash
    assert f"已校验 {len(seqs)} 条记录" in out and last in out
    middle = seqs[len(seqs) // 2]
    _tamper(db, "UPDATE change_log SET op = 'delete' WHERE seq = :seq", seq=middle)
    assert audit_main(["verify", "--db", where]) == 1
    out = capsys.readouterr().out
    assert f"第 {middle} 号记录" in out
    assert audit_main(["check", "--db", where]) == 64


def test_main_py_audit_verify(sqlite_url: URL) -> None:
    db = Database(sqlite_url)
    try:
        migrate.upgrade(db)
        _towns(db, 20)
    finally:
        db.dispose()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "main.py", "audit", "verify", "--db", str(sqlite_url.database)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "已校验 20 条记录" in done.stdout


def test_history_says_the_first_status_of_an_incident_in_words(tmp_path: Path) -> None:
    """An incident's first log entry stores the bare status code; the history
    shows 接报, not ``received``."""
    from app.services.audit import AuditService
    from app.services.demo import ensure_reference_data
    from app.services.incidents import IncidentService

    db = Database(f"sqlite+pysqlite:///{tmp_path / 'h.sqlite3'}")
    try:
        migrate.upgrade(db)
        ensure_reference_data(db, actor="t", site="s")
        now = db.clock()
        draft = IncidentDraft(
            title="试用：暴雨内涝",
            category="natural",
            incident_type="rainstorm",
            severity="IV",
            source="phone",
            received_at=now,
            address="萧县龙城镇",
        )
        incident_id = IncidentService(db).record(draft, actor="t", site="s", now=now)
        with db.read_session() as s:
            entry_id = s.scalar(
                select(IncidentLogEntry.id).where(IncidentLogEntry.incident_id == incident_id)
            )
        assert entry_id is not None
        (entry,) = AuditService(db).history("incident_log_entry", entry_id)
        assert "接报" in entry.summary() and "received" not in entry.summary()
    finally:
        db.dispose()


@pytest.mark.parametrize(
    ("entity", "field", "code", "words"),
    [
        ("shelter", "duration_kind", "short_term", "短期避难场所"),
        ("shelter", "level", "township", "乡镇级"),
        ("shelter", "coord_source", "demo", "演示数据"),
        ("hazard_site", "coord_source", "gcj02-converted", "导入（由GCJ-02换算）"),
        ("hazard_site", "supervision", "county", "县级督办"),
        ("stock_movement", "kind", "issue", "出库"),
    ],
)
def test_history_says_register_codes_in_words(
    entity: str, field: str, code: str, words: str
) -> None:
    from app.services.audit import value_text

    assert value_text(entity, field, code) == words


def test_a_report_in_the_history_names_its_next_steps() -> None:
    from app.domain.deadlines import ReportKind
    from app.services.audit import value_text
    from app.services.incident_workflow import report_body

    body = report_body(ReportKind.INITIAL, "永堌镇某村1人轻伤。", "继续巡堤")
    assert value_text("incident_log_entry", "body", body) == (
        "初报，永堌镇某村1人轻伤，下一步工作：继续巡堤"
    )
