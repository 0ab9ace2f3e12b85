"""The incident workflow on SQLite and PostgreSQL: status flow, append-only log, reports."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import ChangeLog, Incident, IncidentLogEntry
from app.domain.deadlines import DeadlineState, ReportingRules, ReportKind
from app.domain.enums import IncidentStatus, LogEntryKind
from app.domain.intake import IncidentDraft
from app.domain.rules import RuleViolation
from app.live.feed import latest_seq
from app.services.incident_workflow import (
    IncidentWorkflow,
    parse_report_body,
    parse_status_body,
    report_next_steps,
)
from app.services.incidents import IncidentService

pytestmark = pytest.mark.dates  # runs at every frozen moment too

NOW = datetime.now(UTC).replace(microsecond=0)
RULES = ReportingRules()
S = IncidentStatus


def _record(
    db: Database, *, hours_ago: float = 3, severity: str = "IV", drill: bool = False
) -> uuid.UUID:
    draft = IncidentDraft(
        title="龙城镇某村房屋倒塌",
        category="natural",
        incident_type="rainstorm",
        severity=severity,
        source="phone",
        received_at=NOW - timedelta(hours=hours_ago),
        address="龙城镇某村",
        is_drill=drill,
    )
    return IncidentService(db).record(draft, actor="值班员甲", site="center", now=NOW)


def _version(db: Database, incident_id: uuid.UUID) -> int:
    with db.read_session() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None
        return incident.version


def _log_count(db: Database) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(IncidentLogEntry)) or 0


def _advance(
    flow: IncidentWorkflow, db: Database, incident_id: uuid.UUID, *targets: IncidentStatus
) -> None:
    for n, target in enumerate(targets):
        extra: dict[str, str] = (
            {"response_level": "3", "plan": "萧县防汛抗旱应急预案"}
            if target is S.RESPONDING
            else {}
        )
        flow.transition(
            incident_id,
            target,
            _version(db, incident_id),
            actor="值班员乙",
            site="center",
            at=NOW - timedelta(minutes=60 - n),
            **extra,  # type: ignore[arg-type]
        )


def test_full_flow_with_who_and_when(migrated_db: Database) -> None:
    db = migrated_db
    incident_id = _record(db)
    flow = IncidentWorkflow(db)
    steps: list[tuple[IncidentStatus, dict[str, str]]] = [
        (S.VERIFIED, {"note": "村干部现场核实"}),
        (S.REPORTED, {}),
        (S.RESPONDING, {"response_level": "二级", "plan": "萧县防汛抗旱应急预案"}),
        (S.HANDLING, {}),
        (S.CLOSED, {"note": "险情排除"}),
    ]
    version = _version(db, incident_id)
    for n, (target, extra) in enumerate(steps):
        before = latest_seq(db)
        dto = flow.transition(
            incident_id,
            target,
            version,
            actor=f"带班领导{n}",
            site="center",
            at=NOW - timedelta(minutes=50 - 10 * n),
            **extra,  # type: ignore[arg-type]
        )
        assert dto.status == target.value and dto.version == version + 1
        version = dto.version
        with db.read_session() as s:
            changed = s.execute(
                select(ChangeLog.entity_type, ChangeLog.actor).where(ChangeLog.seq > before)
            ).all()
        assert sorted(changed) == [
            ("incident", f"带班领导{n}"),
            ("incident_log_entry", f"带班领导{n}"),
        ]
    log = IncidentService(db).log(incident_id)
    statuses = [(parse_status_body(e.body), e.actor, e.at) for e in log if e.kind == "status"]
    assert [b.status for b, _, _ in statuses] == [S.RECEIVED] + [t for t, _ in steps]
    responding = statuses[3][0]
    assert (responding.response_level, responding.plan) == ("2", "萧县防汛抗旱应急预案")
    assert statuses[1][0].note == "村干部现场核实"
    assert [a for _, a, _ in statuses[1:]] == [f"带班领导{n}" for n in range(5)]
    assert statuses[-1][2] == NOW - timedelta(minutes=10)
    assert json.loads(log[-1].body)["status"] == "closed"  # readable JSON body
    with db.read_session() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.closed_at == NOW - timedelta(minutes=10)


@pytest.mark.parametrize(
    ("done", "target"),
    [
        ((), S.HANDLING),  # received -> handling skips verification
        ((), S.RESPONDING),
        ((S.VERIFIED,), S.RESPONDING),
        ((S.VERIFIED, S.CLOSED), S.HANDLING),  # closed -> anything
        ((S.VERIFIED, S.CLOSED), S.RECEIVED),
        ((S.VERIFIED, S.CLOSED), S.CLOSED),
    ],
)
def test_refused_transitions_write_nothing(
    migrated_db: Database, done: tuple[IncidentStatus, ...], target: IncidentStatus
) -> None:
    db = migrated_db
    incident_id = _record(db)
    flow = IncidentWorkflow(db)
    _advance(flow, db, incident_id, *done)
    before, entries, version = latest_seq(db), _log_count(db), _version(db, incident_id)
    extra = {"response_level": "1", "plan": "总体应急预案"} if target is S.RESPONDING else {}
    with pytest.raises(RuleViolation) as info:
        flow.transition(
            incident_id,
            target,
            version,
            actor="a",
            site="s",
            at=NOW,
            **extra,  # type: ignore[arg-type]
        )
    assert info.value.code == "incident.transition"
    current = done[-1].value if done else "received"
    assert info.value.detail == f"{current} -> {target.value}"
    assert (latest_seq(db), _log_count(db), _version(db, incident_id)) == (before, entries, version)


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({}, "incident.response_level_required"),
        ({"plan": "总体应急预案"}, "incident.response_level_required"),
        ({"response_level": "五级", "plan": "总体应急预案"}, "incident.response_level_unknown"),
        ({"response_level": "IV"}, "incident.plan_required"),
        ({"response_level": "4", "plan": "  "}, "incident.plan_required"),
    ],
)
def test_entering_response_needs_level_and_plan(
    sqlite_db: Database, extra: dict[str, str], code: str
) -> None:
    db = sqlite_db
    incident_id = _record(db)
    flow = IncidentWorkflow(db)
    _advance(flow, db, incident_id, S.VERIFIED, S.REPORTED)
    before = latest_seq(db)
    with pytest.raises(RuleViolation) as info:
        flow.transition(
            incident_id,
            S.RESPONDING,
            _version(db, incident_id),
            actor="a",
            site="s",
            at=NOW,
            **extra,  # type: ignore[arg-type]
        )
    assert info.value.code == code
    assert latest_seq(db) == before


def test_level_only_when_entering_response(sqlite_db: Database) -> None:
    incident_id = _record(sqlite_db)
    with pytest.raises(RuleViolation) as info:
        IncidentWorkflow(sqlite_db).transition(
            incident_id, S.VERIFIED, 1, actor="a", site="s", at=NOW, response_level="2"
        )
    assert info.value.code == "incident.response_level_unexpected"


@pytest.mark.parametrize(
    ("offset", "naive", "code"),
    [
        (timedelta(minutes=6), False, "time.future"),
        (-timedelta(hours=4), False, "time.before_received"),
        (timedelta(0), True, "time.naive"),
    ],
)
def test_bad_times_are_refused(
    migrated_db: Database, offset: timedelta, naive: bool, code: str
) -> None:
    at = NOW + offset
    at = at.replace(tzinfo=None) if naive else at
    db = migrated_db
    incident_id = _record(db, hours_ago=3)
    flow = IncidentWorkflow(db)
    before = latest_seq(db)
    with pytest.raises(RuleViolation) as info:
        flow.transition(incident_id, S.VERIFIED, 1, actor="a", site="s", at=at, now=NOW)
    assert info.value.code == code
    with pytest.raises(RuleViolation) as info:
        flow.append(incident_id, LogEntryKind.NOTE, "x", actor="a", site="s", at=at, now=NOW)
    assert info.value.code == code
    assert latest_seq(db) == before
    # Up to five minutes ahead (another seat's clock) is accepted.
    flow.append(
        incident_id,
        LogEntryKind.NOTE,
        "x",
        actor="a",
        site="s",
        at=NOW + timedelta(minutes=5),
        now=NOW,
    )


def test_stale_version_is_a_conflict(migrated_db: Database) -> None:
    db = migrated_db
    incident_id = _record(db)
    flow = IncidentWorkflow(db)
    flow.transition(incident_id, S.VERIFIED, 1, actor="甲", site="seat-1", at=NOW)
    before = latest_seq(db)
    with pytest.raises(ConflictError):  # seat 2 still holds version 1
        flow.transition(incident_id, S.CLOSED, 1, actor="乙", site="seat-2", at=NOW)
    assert latest_seq(db) == before
    assert IncidentService(db).by_ids([incident_id])[0].status == "verified"


def test_append_and_correction_leave_the_original_untouched(migrated_db: Database) -> None:
    db = migrated_db
    incident_id = _record(db)
    other_id = _record(db)
    flow = IncidentWorkflow(db)
    original = flow.append(
        incident_id,
        LogEntryKind.INSTRUCTION,
        "县长批示：全力搜救",
        actor="值班员甲",
        site="center",
        at=NOW - timedelta(minutes=30),
    )
    correction = flow.append(
        incident_id,
        LogEntryKind.INSTRUCTION,
        "更正：县委书记批示：全力搜救，确保安全",
        actor="值班员甲",
        site="center",
        at=NOW - timedelta(minutes=20),
        corrects_id=original.id,
    )
    log = {e.id: e for e in IncidentService(db).log(incident_id)}
    assert log[original.id] == original  # unchanged
    assert log[correction.id].corrects_id == original.id
    assert log[correction.id].kind == "instruction"

    before = latest_seq(db)
    for corrects in (uuid.uuid4(), original.id):
        target = incident_id if corrects != original.id else other_id  # another incident's entry
        with pytest.raises(RuleViolation) as info:
            flow.append(
                target, LogEntryKind.NOTE, "更正", actor="a", site="s", at=NOW, corrects_id=corrects
            )
        assert info.value.code == "log.corrects_unknown"
    with pytest.raises(RuleViolation) as info:
        flow.append(incident_id, LogEntryKind.NOTE, "   ", actor="a", site="s", at=NOW)
    assert info.value.code == "log.body_required"
    for reserved in (LogEntryKind.STATUS, LogEntryKind.REPORT):
        with pytest.raises(RuleViolation) as info:
            flow.append(incident_id, reserved, "closed", actor="a", site="s", at=NOW)
        assert info.value.code == "log.kind_reserved"
    with pytest.raises(RuleViolation) as info:
        flow.append(uuid.uuid4(), LogEntryKind.NOTE, "x", actor="a", site="s", at=NOW)
    assert info.value.code == "incident.unknown"
    assert latest_seq(db) == before


def test_service_has_no_way_to_change_or_remove_entries() -> None:
    public = {n for n in dir(IncidentWorkflow) if not n.startswith("_")}
    assert public == {
        "transition",
        "append",
        "record_report",
        "deadlines",
        "overdue",
        "incident",
        "reporting_state",
    }


def test_database_refuses_update_and_delete_of_log_entries(migrated_db: Database) -> None:
    db = migrated_db
    incident_id = _record(db)
    entry = IncidentWorkflow(db).append(
        incident_id, LogEntryKind.NOTE, "原始记录", actor="a", site="s", at=NOW
    )
    statements = [
        ("UPDATE incident_log_entry SET body = 'changed' WHERE id = :id"),
        ("DELETE FROM incident_log_entry WHERE id = :id"),
    ]
    key = entry.id if db.engine.dialect.name == "postgresql" else entry.id.hex
    for sql in statements:
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql), {"id": key})
    [kept] = [e for e in IncidentService(db).log(incident_id) if e.id == entry.id]
    assert kept.body == "原始记录"


def test_deadlines_from_recorded_reports(migrated_db: Database) -> None:
    db = migrated_db
    incident_id = _record(db, hours_ago=3, severity="IV")  # 初报 due 2 h after receipt
    flow = IncidentWorkflow(db)
    [initial, *_] = flow.deadlines(incident_id, RULES, NOW)
    assert initial.kind is ReportKind.INITIAL and initial.state(NOW) is DeadlineState.OVERDUE
    entry = flow.record_report(
        incident_id,
        ReportKind.INITIAL,
        NOW - timedelta(minutes=70),
        actor="值班员甲",
        site="center",
        body="向市应急管理局电话初报",
    )
    assert entry.kind == "report"
    assert parse_report_body(entry.body) == (ReportKind.INITIAL, "向市应急管理局电话初报")
    [initial, *_] = flow.deadlines(incident_id, RULES, NOW)
    assert initial.done_at == NOW - timedelta(minutes=70) and not initial.late
    with pytest.raises(RuleViolation) as info:
        flow.record_report(incident_id, ReportKind.FOLLOW_UP, NOW, actor="a", site="s", body=" ")
    assert info.value.code == "log.body_required"
    with pytest.raises(RuleViolation) as info:
        flow.deadlines(uuid.uuid4(), RULES, NOW)
    assert info.value.code == "incident.unknown"


def test_overdue_list(migrated_db: Database) -> None:
    db = migrated_db
    flow = IncidentWorkflow(db)
    late = _record(db, hours_ago=3, severity="IV")  # 初报 overdue
    reported = _record(db, hours_ago=3, severity="IV")
    flow.record_report(
        reported, ReportKind.INITIAL, NOW - timedelta(hours=2), actor="a", site="s", body="初报"
    )
    drill = _record(db, hours_ago=1, severity="I", drill=True)  # 30 min: overdue too
    closed = _record(db, hours_ago=3, severity="IV")
    flow.record_report(
        closed, ReportKind.INITIAL, NOW - timedelta(hours=2), actor="a", site="s", body="初报"
    )
    _advance(flow, db, closed, S.VERIFIED, S.CLOSED)

    found = flow.overdue(RULES, NOW)
    assert {(dto.id, d.kind) for dto, d in found} == {
        (late, ReportKind.INITIAL),
        (drill, ReportKind.INITIAL),
    }
    assert [dto.is_drill for dto, _ in found if dto.id == drill] == [True]
    assert found == sorted(found, key=lambda p: p[1].due_at)

    # Four days on: the closed one owes its 核报, the open ones their 续报 too.
    later = NOW + timedelta(days=4)
    owed = {(dto.id, d.kind) for dto, d in flow.overdue(RULES, later)}
    assert (closed, ReportKind.FINAL) in owed
    assert (reported, ReportKind.FOLLOW_UP) in owed
    assert not any(i == closed and k is ReportKind.FOLLOW_UP for i, k in owed)
    flow.record_report(closed, ReportKind.FINAL, NOW, actor="a", site="s", body="核报")
    assert not any(
        i == closed for i, _ in {(dto.id, d.kind) for dto, d in flow.overdue(RULES, later)}
    )

    # Warnings on request: a deadline due within ten minutes.
    soon = _record(db, hours_ago=0.4, severity="I")  # 初报 due in 6 minutes
    assert all(dto.id != soon for dto, _ in flow.overdue(RULES, NOW))
    warned = flow.overdue(RULES, NOW, include_warnings=True)
    assert [d.state(NOW) for dto, d in warned if dto.id == soon] == [DeadlineState.WARNING]


def test_the_report_owed_next_follows_the_incident(migrated_db: Database) -> None:
    wf = IncidentWorkflow(migrated_db)
    iid = _record(migrated_db, drill=True)
    state = wf.reporting_state(iid)
    assert state.is_drill and not state.initial_made
    assert state.next_kind is ReportKind.INITIAL
    wf.record_report(iid, ReportKind.INITIAL, NOW, actor="甲", site="s", body="已电话初报", now=NOW)
    state = wf.reporting_state(iid)
    assert state.initial_made and state.next_kind is ReportKind.FOLLOW_UP
    wf.transition(iid, S.CLOSED, _version(migrated_db, iid), actor="甲", site="s", at=NOW, now=NOW)
    assert wf.reporting_state(iid).next_kind is ReportKind.FINAL
    assert wf.incident(iid).status == "closed"
    with pytest.raises(RuleViolation):
        wf.reporting_state(uuid.uuid4())


def test_next_steps_are_kept_with_the_report(migrated_db: Database) -> None:
    wf = IncidentWorkflow(migrated_db)
    iid = _record(migrated_db)
    entry = wf.record_report(
        iid,
        ReportKind.INITIAL,
        NOW,
        actor="甲",
        site="s",
        body="关于……的初报\n四、下一步工作\n继续排涝",
        next_steps=" 继续排涝 ",
        now=NOW,
    )
    assert parse_report_body(entry.body) == (
        ReportKind.INITIAL,
        "关于……的初报\n四、下一步工作\n继续排涝",
    )
    assert report_next_steps(entry.body) == "继续排涝"
    # Without next steps the body is as before; final reports are still found by prefix.
    final = wf.record_report(iid, ReportKind.FINAL, NOW, actor="甲", site="s", body="核报", now=NOW)
    assert json.loads(final.body) == {"report": "final", "text": "核报"}
    assert report_next_steps(final.body) == ""


def test_a_level_stored_in_another_spelling_reads_as_its_code() -> None:
    for stored in ("III", "Ⅲ级", "Ⅲ级响应", "三级", "3"):
        body = json.dumps({"status": "responding", "response_level": stored, "plan": "预案"})
        assert parse_status_body(body).response_level == "3"
    odd = json.dumps({"status": "responding", "response_level": "特级"})
    assert parse_status_body(odd).response_level == "特级"  # shown as it is
