"""Demo data stays out of real work: 值班日报, 灾情统计, 超时未报 and report texts leave
demo rows out unless asked for them (SQLite and PostgreSQL, and at awkward moments)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.data.engine import Database
from app.data.models import DutyAssignment, DutyShift, Incident, Staff
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ
from app.domain.deadlines import ReportingRules, ReportKind
from app.domain.intake import IncidentDraft
from app.domain.rules import ShiftPattern
from app.services.demo import ensure_reference_data, load_demo
from app.services.disaster_stats import DisasterStats, Figures, china_day_start
from app.services.duty_report import DEMO_NOTE as DUTY_DEMO_NOTE
from app.services.duty_report import DutyReportService, write_xlsx
from app.services.handover import HandoverService
from app.services.incident_report import DEMO_NOTE, IncidentReportService, render_text
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService

pytestmark = pytest.mark.dates  # runs at every frozen moment too

NOW = datetime.now(UTC).replace(microsecond=0)
ACTOR, SITE = "值班员甲", "center"


@pytest.fixture
def db(migrated_db: Database) -> Database:
    ensure_reference_data(migrated_db, actor="t", site="s")
    load_demo(migrated_db, actor="t", site="s", now=NOW)
    return migrated_db


def _real_incident(db: Database, *, hours_ago: float, title: str = "真实内涝") -> uuid.UUID:
    draft = IncidentDraft(
        title=title,
        category="natural",
        incident_type="rainstorm",
        severity="IV",
        source="phone",
        received_at=NOW - timedelta(hours=hours_ago),
        address="龙城镇某村",
    )
    return IncidentService(db).record(draft, actor=ACTOR, site=SITE, now=NOW)


def _demo_incident(db: Database, **where: object) -> Incident:
    with db.read_session() as s:
        found = s.scalars(
            select(Incident)
            .filter_by(is_demo=True, **where)
            .order_by(Incident.received_at.desc(), Incident.id)
        ).first()
    assert found is not None
    return found


def _duty_day(moment: datetime) -> date:
    return ShiftPattern().duty_day(moment, CHINA_TZ)


def test_duty_report_leaves_demo_out_unless_asked(db: Database) -> None:
    demo = _demo_incident(db)
    day = _duty_day(demo.received_at)
    real = _real_incident(db, hours_ago=(NOW - demo.received_at).total_seconds() / 3600)
    with db.read_session() as s:
        shift = s.scalars(
            select(DutyShift).where(
                DutyShift.starts_at <= demo.received_at, DutyShift.ends_at > demo.received_at
            )
        ).one()
        demo_people = set(
            s.scalars(select(DutyAssignment.staff_id).where(DutyAssignment.shift_id == shift.id))
        )
    # A real person on the demo shift of that day, and a real handover item about
    # each incident (the handover itself is real work).
    person = uuid.uuid4()
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(Staff(id=person, name="真实值班员", role="officer", is_demo=False))
        uow.session.flush()
        uow.session.add(DutyAssignment(shift_id=shift.id, staff_id=person, role="officer"))
        uow.commit()
    HandoverService(db).record(
        None,
        None,
        "交班",
        [("跟进演示事件", demo.id), ("跟进真实事件", real), ("自由事项", None)],
        actor=ACTOR,
        site=SITE,
        at=NOW,
    )
    service = DutyReportService(db)
    made = NOW + timedelta(seconds=1)

    report = service.build(day, made)
    assert not report.include_demo
    titles = {i.title for i in report.incidents}
    assert "真实内涝" in titles and demo.title not in titles
    assert report.counts.incidents == len(report.incidents)
    assert [sh.id for sh in report.shifts] == [shift.id]  # the one a real person is on
    assert [a.staff_id for a in report.shifts[0].assignments] == [person]
    assert report.shifts[0].shortfall == {"leader": 1, "officer": 1}
    assert sorted(i.text for i in report.open_items) == ["自由事项", "跟进真实事件"]
    assert report.counts.open_items == 2
    with db.read_session() as s:
        open_real = len(
            s.scalars(
                select(Incident.id).where(Incident.status != "closed", Incident.is_demo.is_(False))
            ).all()
        )
    assert report.counts.open_incidents_all == open_real

    full = service.build(day, made, include_demo=True)
    assert full.include_demo
    assert {"真实内涝", demo.title} <= {i.title for i in full.incidents}
    assert shift.id in {sh.id for sh in full.shifts} and len(full.shifts) >= 1
    on_shift = next(sh for sh in full.shifts if sh.id == shift.id)
    assert {a.staff_id for a in on_shift.assignments} == demo_people | {person}
    assert len(full.open_items) == 3
    assert full.counts.open_incidents_all > report.counts.open_incidents_all
    # The handover counts in both; its item about the demo incident only with demo.
    today = _duty_day(NOW)
    assert [len(h.items) for h in service.build(today, made).handovers] == [2]
    assert [len(h.items) for h in service.build(today, made, include_demo=True).handovers] == [3]


def test_duty_report_spreadsheet_says_when_demo_is_in(db: Database, tmp_path: Path) -> None:
    service = DutyReportService(db)
    day = _duty_day(NOW)
    values = {}
    for include in (False, True):
        path = tmp_path / f"{include}.xlsx"
        write_xlsx(service.build(day, NOW, include_demo=include), path)
        ws = load_workbook(path).active
        assert ws is not None
        values[include] = {str(c.value) for row in ws.iter_rows() for c in row if c.value}
    assert DUTY_DEMO_NOTE in values[True] and DUTY_DEMO_NOTE not in values[False]


def test_statistics_leave_demo_out_unless_asked(db: Database) -> None:
    stats = DisasterStats(db)
    demo = _demo_incident(db, category="natural", is_drill=False)
    real = _real_incident(db, hours_ago=2)
    for incident, received in ((demo.id, demo.received_at), (real, NOW - timedelta(hours=2))):
        stats.record(
            incident,
            Figures(affected_population=100, need_assistance=10),
            actor=ACTOR,
            site=SITE,
            at=max(received, NOW - timedelta(minutes=30)),
        )
    start = china_day_start(NOW.astimezone(CHINA_TZ).date() - timedelta(days=10))
    end = china_day_start(NOW.astimezone(CHINA_TZ).date() + timedelta(days=1))
    for by in ("day", "type", "township"):
        real_only = stats.aggregate(start, end, by)  # type: ignore[arg-type]
        everything = stats.aggregate(start, end, by, include_demo=True)  # type: ignore[arg-type]
        assert sum(r.incidents for r in real_only) == 1
        assert sum(r.figures.affected_population for r in real_only) == 100
        assert sum(r.incidents for r in everything) >= 2
        assert sum(r.figures.affected_population for r in everything) == 200
    times = stats.assistance_times(start, end, now=NOW)
    assert [t.incident_id for t in times] == [real]
    with_demo = stats.assistance_times(start, end, now=NOW, include_demo=True)
    assert {t.incident_id for t in with_demo} == {real, demo.id}


def test_overdue_leaves_demo_out_unless_asked(db: Database) -> None:
    flow = IncidentWorkflow(db)
    late = _real_incident(db, hours_ago=3)  # its 初报 is overdue
    rules = ReportingRules()
    real_only = {dto.id for dto, _ in flow.overdue(rules, NOW)}
    assert real_only == {late}
    everything = flow.overdue(rules, NOW, include_demo=True)
    demo = {dto.id for dto, _ in everything if dto.is_demo}
    assert demo, "the demo data set has overdue reports"
    assert {dto.id for dto, _ in everything} == real_only | demo
    warned = {dto.id for dto, _ in flow.overdue(rules, NOW, include_warnings=True)}
    assert late in warned and not warned & demo


def test_a_report_on_a_demo_incident_says_so_at_its_head(db: Database) -> None:
    demo = _demo_incident(db)
    real = _real_incident(db, hours_ago=1)
    service = IncidentReportService(db)
    for kind in ReportKind:
        report = service.build(demo.id, kind, NOW)
        assert report.is_demo
        lines = render_text(report).splitlines()
        assert lines[1] == DEMO_NOTE and "演示数据" in DEMO_NOTE
    report = service.build(real, ReportKind.INITIAL, NOW)
    assert not report.is_demo
    assert DEMO_NOTE not in render_text(report)
