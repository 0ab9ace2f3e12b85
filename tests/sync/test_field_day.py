"""A day at the scene on the vehicle's own database, with the program's services,
merged back to the center by file: every kind of work arrives once, with who
did it and where."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    ChangeLog,
    DutyShift,
    Handover,
    HandoverItem,
    Incident,
    IncidentLogEntry,
    RescueTeam,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
)
from app.domain.deadlines import ReportKind
from app.domain.enums import LogEntryKind
from app.domain.intake import IncidentDraft
from app.services.dispatch import DispatchService
from app.services.handover import HandoverService
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.services.movements import MovementService
from app.services.stock import StockService
from app.sync.service import SyncService
from tests.sync.conftest import dump

ACTOR, SITE = "前方值班员", "vehicle-laptop"


@pytest.fixture
def center(demo_sqlite_url: URL) -> Iterator[Database]:
    db = Database(demo_sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


def count(db: Database, model: type) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_day_on_the_vehicle_reaches_the_center_whole(center: Database, tmp_path: Path) -> None:
    package = tmp_path / "前方指挥车2号.xccfield"
    SyncService(center).export_field_package(package, "前方指挥车2号")
    vehicle = Database(make_url(f"sqlite+pysqlite:///{package}"))
    upgrade(vehicle)
    now = vehicle.clock()
    with vehicle.read_session() as s:
        shelter = s.scalars(select(Shelter).where(Shelter.retired_at.is_(None))).first()
        team = s.scalars(select(RescueTeam).where(RescueTeam.status == "standby")).first()
        line = s.scalars(
            select(StockItem).where(
                StockItem.expiry_date.is_(None)
                | (StockItem.expiry_date > now.date() + timedelta(days=30))
            )
        ).first()
        shifts = s.scalars(select(DutyShift).order_by(DutyShift.starts_at)).all()
    assert shelter and team and line and len(shifts) >= 2
    before = {m: count(center, m) for m in (Incident, IncidentLogEntry, Handover)}

    # 接报登记, a log entry, 初报; 30 people into a shelter; stock out; a team sent; 交接班.
    incident = IncidentService(vehicle).record(
        IncidentDraft(
            title="现场：龙城镇某村房屋倒塌",
            category="natural",
            incident_type="geological",
            severity="IV",
            source="phone",
            received_at=now - timedelta(minutes=10),
            address="龙城镇某村",
        ),
        actor=ACTOR,
        site=SITE,
        now=now,
    )
    workflow = IncidentWorkflow(vehicle)
    workflow.append(incident, LogEntryKind.NOTE, "现场已设置警戒", actor=ACTOR, site=SITE, at=now)
    workflow.record_report(
        incident, ReportKind.INITIAL, now, actor=ACTOR, site=SITE, body="已电话报告"
    )
    MovementService(vehicle).record_occupancy(
        shelter.id, 30, actor=ACTOR, site=SITE, note="转移群众"
    )
    StockService(vehicle).issue(line.id, 1, actor=ACTOR, site=SITE, note="现场发放")
    DispatchService(vehicle).dispatch(team.id, incident, actor=ACTOR, site=SITE)
    HandoverService(vehicle).record(
        shifts[-2].id,
        shifts[-1].id,
        "现场情况稳定",
        [("继续关注余震", incident)],
        actor=ACTOR,
        site=SITE,
        at=now,
    )

    packet = tmp_path / "back.xccsync"
    SyncService(vehicle).write_packet(packet)
    result = SyncService(center).apply_packet_file(packet)
    assert result.conflicts == 0

    for model in (Incident, Handover):
        assert count(center, model) == before[model] + 1
    assert count(center, IncidentLogEntry) > before[IncidentLogEntry] + 2  # note, 初报, 调派
    for model in (ShelterOccupancyMovement, StockMovement, HandoverItem, IncidentLogEntry):
        assert count(center, model) == count(vehicle, model)
    answer = tmp_path / "answer.xccsync"
    SyncService(center).write_packet(answer)
    SyncService(vehicle).apply_packet_file(answer)
    assert dump(center) == dump(vehicle)
    with center.read_session() as s:
        sites = set(s.scalars(select(ChangeLog.origin_site).where(ChangeLog.replica.is_not(None))))
        assert SITE in sites  # the seat that did it, kept with the vehicle's changes
        moved = s.get(RescueTeam, team.id)
        assert moved is not None and moved.incident_id == incident
    vehicle.dispose()
