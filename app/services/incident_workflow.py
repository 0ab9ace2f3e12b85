"""The incident workflow at the duty desk: status changes, the log, reports upward.

接报 -> 核实 -> 上报 -> 响应 -> 处置 -> 结束 (``app.domain.rules.INCIDENT_TRANSITIONS``).
Every change is one ``UnitOfWork``; the incident log is append-only (the
database refuses UPDATE and DELETE of ``incident_log_entry``), so this service
has no API to change or remove an entry: a mistake is fixed by a correction
entry that points at the entry it corrects.

Log entry bodies written here:

- ``status`` entries: JSON ``{"status": "<target>", "response_level": "2",
  "plan": "...", "note": "..."}`` (level, plan and note only when given). The
  first entry written at intake holds the bare status code (``"received"``);
  :func:`parse_status_body` reads both.
- ``report`` entries (初报/续报/核报): JSON ``{"report": "<kind>", "text": "...",
  "next_steps": "..."}`` (``next_steps``, the 下一步工作 the officer typed, only
  when given) with ``report`` always the first key, so the database can find
  final reports by prefix. :func:`parse_report_body` and
  :func:`report_next_steps` read them.

Who and when are the entry's ``actor`` and ``at`` columns. JSON is written
with ``ensure_ascii=False`` so the Chinese text stays readable in the database.

Response levels Ⅰ级..Ⅳ级 (Ⅰ级 the highest; written ``Ⅰ级响应``, see
``app.domain.labels``) are stored as ``"1"``..``"4"``; ``"I"``..``"IV"``,
``"Ⅰ"``..``"Ⅳ"``, ``"Ⅰ级"``..``"Ⅳ级"``, ``"Ⅰ级响应"``.. and ``"一级"``..``"四级"``
are accepted on input.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import classify
from app.data.models import Incident, IncidentLogEntry
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.deadlines import (
    Deadline,
    DeadlineState,
    IncidentFacts,
    Report,
    ReportingRules,
    ReportKind,
    deadlines,
    next_report_kind,
)
from app.domain.enums import IncidentStatus, LogEntryKind, Severity
from app.domain.intake import CLOCK_SKEW
from app.domain.rules import OPEN_STATUSES, RuleViolation, check_transition
from app.services.access import require
from app.services.dto import IncidentDTO, LogEntryDTO
from app.services.incidents import IncidentService

# Kinds anyone may append; status and report entries have their own methods.
APPENDABLE_KINDS = frozenset(
    {
        LogEntryKind.NOTE,
        LogEntryKind.CALL,
        LogEntryKind.INSTRUCTION,
        LogEntryKind.DISPATCH,
        LogEntryKind.STATISTICS,
        LogEntryKind.ATTACHMENT,
    }
)

RESPONSE_LEVELS: dict[str, str] = {
    **{code: code for code in ("1", "2", "3", "4")},
    **{roman: str(n) for n, roman in enumerate(("I", "II", "III", "IV"), start=1)},
    **{name: str(n) for n, name in enumerate(("一级", "二级", "三级", "四级"), start=1)},
    **{
        form.format(roman): str(n)
        for n, roman in enumerate(("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"), start=1)
        for form in ("{}", "{}级", "{}级响应")
    },
}
MAX_PLAN = 200
# The right each step of the flow needs (others: ADVANCE_INCIDENT).
_TRANSITION_ACTION = {
    IncidentStatus.RESPONDING: Action.START_RESPONSE,
    IncidentStatus.CLOSED: Action.CLOSE_INCIDENT,
}


@dataclass(frozen=True, slots=True)
class StatusBody:
    status: IncidentStatus
    response_level: str | None = None
    plan: str | None = None
    note: str = ""


def status_body(
    target: IncidentStatus, response_level: str | None, plan: str | None, note: str
) -> str:
    data: dict[str, str] = {"status": target.value}
    if response_level is not None:
        data["response_level"] = response_level
    if plan is not None:
        data["plan"] = plan
    if note:
        data["note"] = note
    return json.dumps(data, ensure_ascii=False)


def parse_status_body(body: str) -> StatusBody:
    """The body of a ``status`` entry: JSON, or the bare code written at intake.

    The level comes back as its code (``"3"``) whichever accepted spelling was
    stored, so that it is written with its one label everywhere; an unknown
    spelling is kept as it is.
    """
    if body in IncidentStatus._value2member_map_:
        return StatusBody(IncidentStatus(body))
    data = json.loads(body)
    level = data.get("response_level")
    if level is not None:
        level = str(level)
        with contextlib.suppress(RuleViolation):  # an unknown spelling stays visible
            level = normalize_response_level(level)
    return StatusBody(
        IncidentStatus(data["status"]),
        level,
        data.get("plan"),
        data.get("note", ""),
    )


def report_body(kind: ReportKind, text: str, next_steps: str = "") -> str:
    data = {"report": kind.value, "text": text}
    if next_steps:
        data["next_steps"] = next_steps
    return json.dumps(data, ensure_ascii=False)


def _report_prefix(kind: ReportKind) -> str:
    return report_body(kind, "")[: -len(', "text": ""}')]


def parse_report_body(body: str) -> tuple[ReportKind, str] | None:
    """(kind, text) of a ``report`` entry; None for a body that is not one."""
    try:
        data = json.loads(body)
        return ReportKind(data["report"]), str(data.get("text", ""))
    except (ValueError, KeyError, TypeError):
        return None


def report_next_steps(body: str) -> str:
    """The 下一步工作 recorded with a ``report`` entry ("" when none was given)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    return str(data.get("next_steps", "")) if isinstance(data, dict) else ""


@dataclass(frozen=True, slots=True)
class ReportingState:
    """What an incident has reported upward so far: enough to offer the next
    report and to question an unlikely one."""

    status: IncidentStatus
    is_drill: bool
    made: frozenset[ReportKind]

    @property
    def initial_made(self) -> bool:
        return ReportKind.INITIAL in self.made

    @property
    def next_kind(self) -> ReportKind:
        return next_report_kind(self.status is IncidentStatus.CLOSED, self.made)


def normalize_response_level(level: str) -> str:
    """``"1"``..``"4"`` from any of the accepted spellings (module docstring)."""
    code = RESPONSE_LEVELS.get(level.strip().upper()) or RESPONSE_LEVELS.get(level.strip())
    if code is None:
        raise RuleViolation("incident.response_level_unknown", level)
    return code


class IncidentWorkflow:
    def __init__(self, db: Database, incidents: IncidentService | None = None) -> None:
        self._db = db
        self._incidents = incidents or IncidentService(db)

    # ---- writes ---------------------------------------------------------------

    def transition(
        self,
        incident_id: uuid.UUID,
        target: IncidentStatus,
        expected_version: int,
        *,
        actor: str,
        site: str,
        at: datetime,
        note: str = "",
        response_level: str | None = None,
        plan: str | None = None,
        now: datetime | None = None,
    ) -> IncidentDTO:
        """Move the incident to ``target`` and log who did it and when.

        Raises RuleViolation (nothing written): ``incident.transition`` for a
        step the flow does not allow, ``incident.response_level_required`` /
        ``incident.response_level_unknown`` / ``incident.plan_required`` when
        entering 响应 without a valid level and plan,
        ``incident.response_level_unexpected`` when giving them for another
        step, ``time.naive`` / ``time.future`` / ``time.before_received`` for a
        bad ``at``. ConflictError when ``expected_version`` is stale.
        ``now`` defaults to the clock.
        """
        target = IncidentStatus(target)
        require(self._db, _TRANSITION_ACTION.get(target, Action.ADVANCE_INCIDENT))
        level, plan_name = _check_response(target, response_level, plan)
        with self._writing(actor, site) as uow:
            incident = uow.get_current(Incident, incident_id, expected_version)
            check_transition(IncidentStatus(incident.status), target)
            _check_time(at, incident.received_at, now or self._db.clock())
            incident.status = target.value
            if target is IncidentStatus.CLOSED:
                incident.closed_at = at
            uow.session.add(
                IncidentLogEntry(
                    incident_id=incident.id,
                    kind=LogEntryKind.STATUS.value,
                    body=status_body(target, level, plan_name, note.strip()),
                    at=at,
                    actor=actor,
                )
            )
            uow.commit()
        return self._incident(incident_id)

    def append(
        self,
        incident_id: uuid.UUID,
        kind: LogEntryKind,
        body: str,
        *,
        actor: str,
        site: str,
        at: datetime,
        corrects_id: uuid.UUID | None = None,
        now: datetime | None = None,
    ) -> LogEntryDTO:
        """Append an entry (note, call, 领导批示, dispatch, statistics, attachment).

        A correction names the entry it corrects (``corrects_id``), which must
        belong to the same incident; the original stays as it was.
        Raises RuleViolation: ``log.kind_reserved`` (status and report entries
        have their own methods), ``log.body_required``, ``log.corrects_unknown``,
        ``incident.unknown`` and the ``time.*`` codes.
        """
        kind = LogEntryKind(kind)
        if kind not in APPENDABLE_KINDS:
            raise RuleViolation("log.kind_reserved", kind.value)
        require(self._db, Action.RECORD_INCIDENT)
        return self._add_entry(incident_id, kind, body, actor, site, at, corrects_id, now)

    def record_report(
        self,
        incident_id: uuid.UUID,
        kind: ReportKind,
        at: datetime,
        *,
        actor: str,
        site: str,
        body: str,
        next_steps: str = "",
        now: datetime | None = None,
    ) -> LogEntryDTO:
        """Record a report made upward (初报 / 续报 / 核报) as a ``report`` entry.

        ``at`` is when the report was made; it is what the deadlines count.
        ``next_steps`` is the 下一步工作 the officer wrote for it, kept with the
        entry. Same refusals as :meth:`append`.
        """
        kind = ReportKind(kind)
        require(self._db, Action.REPORT_INCIDENT)
        if not body.strip():
            raise RuleViolation("log.body_required")
        return self._add_entry(
            incident_id,
            LogEntryKind.REPORT,
            report_body(kind, body.strip(), next_steps.strip()),
            actor,
            site,
            at,
            None,
            now,
        )

    # ---- reads ----------------------------------------------------------------

    def incident(self, incident_id: uuid.UUID) -> IncidentDTO:
        """The incident as it is now. RuleViolation ``incident.unknown`` if gone."""
        found = self._incidents.by_ids([incident_id])
        if not found:
            raise RuleViolation("incident.unknown", str(incident_id))
        return found[0]

    def reporting_state(self, incident_id: uuid.UUID) -> ReportingState:
        """Status, drill flag and the kinds of report already made upward."""
        with self._reading() as s:
            incident = s.get(Incident, incident_id)
            if incident is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            reports = _reports(s, [incident_id]).get(incident_id, [])
            return ReportingState(
                IncidentStatus(incident.status),
                incident.is_drill,
                frozenset(r.kind for r in reports),
            )

    def deadlines(
        self, incident_id: uuid.UUID, rules: ReportingRules, now: datetime
    ) -> list[Deadline]:
        """The reports the incident owes or owed, from the reports recorded."""
        with self._reading() as s:
            incident = s.get(Incident, incident_id)
            if incident is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            facts = _facts(incident)
            reports = _reports(s, [incident_id]).get(incident_id, [])
        return deadlines(facts, reports, rules, now)

    def overdue(
        self,
        rules: ReportingRules,
        now: datetime,
        *,
        include_warnings: bool = False,
        include_demo: bool = False,
    ) -> list[tuple[IncidentDTO, Deadline]]:
        """Deadlines missed as of ``now`` (and, with ``include_warnings``, those
        about to be), soonest due first, over every open incident and every
        closed one that has no 核报 yet. Drills are included (their ``is_drill``
        is on the DTO): they owe the same reports. Demo incidents owe nothing
        unless ``include_demo``."""
        wanted = {DeadlineState.OVERDUE} | ({DeadlineState.WARNING} if include_warnings else set())
        with self._reading() as s:
            has_final = (
                select(IncidentLogEntry.incident_id)
                .where(
                    IncidentLogEntry.kind == LogEntryKind.REPORT.value,
                    IncidentLogEntry.body.startswith(
                        _report_prefix(ReportKind.FINAL), autoescape=True
                    ),
                )
                .distinct()
            )
            candidates = s.scalars(
                select(Incident).where(
                    Incident.status.in_([st.value for st in OPEN_STATUSES])
                    | (
                        (Incident.status == IncidentStatus.CLOSED.value)
                        & Incident.id.not_in(has_final)
                    ),
                    *([] if include_demo else [Incident.is_demo.is_(False)]),
                )
            ).all()
            facts = {i.id: _facts(i) for i in candidates}
            reports = _reports(s, list(facts))
        found: list[tuple[uuid.UUID, Deadline]] = []
        for incident_id, fact in facts.items():
            for d in deadlines(fact, reports.get(incident_id, []), rules, now):
                if d.state(now) in wanted:
                    found.append((incident_id, d))
        if not found:
            return []
        dtos = {dto.id: dto for dto in self._incidents.by_ids({i for i, _ in found})}
        found.sort(key=lambda pair: (pair[1].due_at, str(pair[0])))
        return [(dtos[i], d) for i, d in found if i in dtos]

    # ---- helpers --------------------------------------------------------------

    def _add_entry(
        self,
        incident_id: uuid.UUID,
        kind: LogEntryKind,
        body: str,
        actor: str,
        site: str,
        at: datetime,
        corrects_id: uuid.UUID | None,
        now: datetime | None,
    ) -> LogEntryDTO:
        if not body.strip():
            raise RuleViolation("log.body_required")
        with self._writing(actor, site) as uow:
            incident = uow.session.get(Incident, incident_id)
            if incident is None:
                raise RuleViolation("incident.unknown", str(incident_id))
            _check_time(at, incident.received_at, now or self._db.clock())
            if corrects_id is not None:
                original = uow.session.get(IncidentLogEntry, corrects_id)
                if original is None or original.incident_id != incident_id:
                    raise RuleViolation("log.corrects_unknown", str(corrects_id))
            entry_id = uuid.uuid4()
            uow.session.add(
                IncidentLogEntry(
                    id=entry_id,
                    incident_id=incident_id,
                    kind=kind.value,
                    body=body.strip(),
                    at=at,
                    actor=actor,
                    corrects_id=corrects_id,
                )
            )
            uow.commit()
        return LogEntryDTO(entry_id, incident_id, kind.value, body.strip(), at, actor, corrects_id)

    def _incident(self, incident_id: uuid.UUID) -> IncidentDTO:
        [dto] = self._incidents.by_ids([incident_id])
        return dto

    def _writing(self, actor: str, site: str) -> _Classified:
        return _Classified(UnitOfWork(self._db, actor=actor, site=site))

    def _reading(self) -> Session:
        return self._db.read_session()


class _Classified:
    """A unit of work whose driver errors come out as DatabaseProblem (like commit's)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __enter__(self) -> UnitOfWork:
        return self._uow.__enter__()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self._uow.__exit__(exc_type, exc, tb)
        if isinstance(exc, sa_exc.SQLAlchemyError):
            problem = classify(exc)
            if problem is not None:
                raise problem from exc


def _check_response(
    target: IncidentStatus, response_level: str | None, plan: str | None
) -> tuple[str | None, str | None]:
    if target is not IncidentStatus.RESPONDING:
        if response_level is not None or plan is not None:
            raise RuleViolation("incident.response_level_unexpected", target.value)
        return None, None
    if response_level is None or not response_level.strip():
        raise RuleViolation("incident.response_level_required")
    level = normalize_response_level(response_level)
    plan_name = (plan or "").strip()
    if not plan_name:
        raise RuleViolation("incident.plan_required")
    if len(plan_name) > MAX_PLAN:
        raise RuleViolation("incident.plan_too_long")
    return level, plan_name


def _check_time(at: datetime, received_at: datetime, now: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise RuleViolation("time.naive", "a time without a timezone")
    if at > now + CLOCK_SKEW:
        raise RuleViolation("time.future", at.isoformat())
    if at < received_at:
        raise RuleViolation("time.before_received", at.isoformat())


def _facts(incident: Incident) -> IncidentFacts:
    closed = incident.status == IncidentStatus.CLOSED.value
    return IncidentFacts(
        severity=Severity(incident.severity),
        received_at=incident.received_at,
        # A closed incident without closed_at (should not happen): its last change.
        closed_at=(incident.closed_at or incident.updated_at) if closed else None,
        is_drill=incident.is_drill,
    )


def _reports(s: Session, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[Report]]:
    found: dict[uuid.UUID, list[Report]] = {}
    id_list = list(ids)
    for k in range(0, len(id_list), 500):
        rows = s.execute(
            select(IncidentLogEntry.incident_id, IncidentLogEntry.body, IncidentLogEntry.at).where(
                IncidentLogEntry.kind == LogEntryKind.REPORT.value,
                IncidentLogEntry.incident_id.in_(id_list[k : k + 500]),
            )
        ).all()
        for incident_id, body, at in rows:
            parsed = parse_report_body(body)
            if parsed is not None:
                found.setdefault(incident_id, []).append(Report(parsed[0], at))
    return found
