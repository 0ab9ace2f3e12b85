"""Services on the demo database: intake validation, map changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.models import HazardSite, Incident, Shelter, ShelterOccupancyMovement
from app.data.uow import UnitOfWork
from app.domain.intake import DraftRejected, IncidentDraft
from app.domain.rules import RuleViolation
from app.live.feed import latest_seq, read_changes
from app.services.dto import ShelterEdit
from app.services.incidents import IncidentService
from app.services.movements import MovementService
from app.services.overview import OverviewService
from app.services.places import PlaceService
from app.services.resources import ResourceService, ShelterEditor

NOW = datetime.now(UTC)
SEAT = (116.945, 34.185)


@pytest.fixture
def demo_db(demo_sqlite_url: URL) -> Iterator[Database]:
    db = Database(demo_sqlite_url)
    yield db
    db.dispose()


def _draft(**changes: object) -> IncidentDraft:
    base: dict[str, object] = dict(
        title="某村民房屋倒塌",
        category="natural",
        incident_type="rainstorm",
        severity="IV",
        source="phone",
        received_at=NOW - timedelta(minutes=3),
        lon=SEAT[0],
        lat=SEAT[1],
        reporter_name="王某",
        reporter_phone="13900000000",
    )
    base.update(changes)
    return IncidentDraft(**base)  # type: ignore[arg-type]


def test_recording_a_report_writes_incident_and_first_log_entry(demo_db: Database) -> None:
    service = IncidentService(demo_db)
    before = latest_seq(demo_db)
    incident_id = service.record(_draft(), actor="值班员甲", site="seat-1", now=NOW)
    log = service.log(incident_id)
    assert [(e.kind, e.body, e.actor) for e in log] == [("status", "received", "值班员甲")]
    created = [r for r in read_changes(demo_db, before)]
    assert {r.entity_type for r in created} == {"incident", "incident_log_entry"}
    with demo_db.read_session() as s:
        incident = s.get(Incident, incident_id)
        assert incident is not None and incident.township_id is not None  # nearest township


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"title": "  "}, "title", "required"),
        ({"received_at": NOW + timedelta(hours=2)}, "received_at", "future"),
        ({"deaths": -1}, "deaths", "negative"),
        ({"lon": 120.5, "lat": 30.2}, "location", "outside_county"),
        ({"lon": SEAT[1], "lat": SEAT[0]}, "location", "swapped"),
        ({"lon": None, "lat": None}, "location", "required"),
        ({"incident_type": "fire"}, "incident_type", "unknown"),
        ({"reporter_phone": "139abc0000"}, "reporter_phone", "phone.invalid"),
        ({"reporter_phone": "1" * 33}, "reporter_phone", "phone.too_long"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(
    demo_db: Database, changes: dict[str, object], field: str, code: str
) -> None:
    before = latest_seq(demo_db)
    with pytest.raises(DraftRejected) as info:
        IncidentService(demo_db).record(_draft(**changes), actor="a", site="s", now=NOW)
    assert info.value.errors[field] == code
    assert latest_seq(demo_db) == before


def test_township_near_the_county_seat(demo_db: Database) -> None:
    township = PlaceService(demo_db).township_near(*SEAT)
    assert township is not None and township.name == "龙城镇"


def test_map_changes_follow_the_change_log(demo_db: Database) -> None:
    overview = OverviewService(demo_db)
    start = latest_seq(demo_db)
    with UnitOfWork(demo_db, actor="a", site="s") as uow:
        hazard = uow.session.scalars(
            select(HazardSite).where(HazardSite.risk_level != "red").limit(1)
        ).one()
        hazard.risk_level = "red"
        shelter = uow.session.scalars(select(Shelter).limit(1)).one()
        uow.session.add(
            ShelterOccupancyMovement(shelter_id=shelter.id, delta=25, actor="a", note="转移安置")
        )
        open_incident = uow.session.scalars(
            select(Incident).where(Incident.status == "handling").limit(1)
        ).one()
        open_incident.status = "closed"
        hazard_id, shelter_id, incident_id = hazard.id, shelter.id, open_incident.id
        uow.commit()
    changes = overview.map_changes(read_changes(demo_db, start), NOW.date())
    assert changes is not None
    assert [h.id for h in changes.hazards] == [hazard_id]
    assert changes.hazards[0].risk_level == "red"
    assert [s.id for s in changes.shelters] == [shelter_id]
    assert ("incidents", str(incident_id)) in changes.removed
    assert changes.up_to_seq == latest_seq(demo_db)


def test_a_deleted_feature_is_a_removal(demo_db: Database) -> None:
    overview = OverviewService(demo_db)
    with UnitOfWork(demo_db, actor="a", site="s") as uow:
        site = HazardSite(
            id=uuid.uuid4(), name="临时", hazard_type="gas", risk_level="blue", lon=116.9, lat=34.2
        )
        uow.session.add(site)
        uow.commit()
    start = latest_seq(demo_db)
    with UnitOfWork(demo_db, actor="a", site="s") as uow:
        uow.session.delete(uow.session.get(HazardSite, site.id))
        uow.commit()
    changes = overview.map_changes(read_changes(demo_db, start), NOW.date())
    assert changes is not None and changes.removed == (("hazards", str(site.id)),)


def _shelter_edit(demo_db: Database, name: str = "县城体育场") -> ShelterEdit:
    shelter = next(s for s in ResourceService(demo_db).shelters() if s.name == name)
    return ShelterEdit(
        shelter_id=shelter.id,
        version=shelter.version,
        is_open=shelter.is_open,
        capacity=shelter.capacity,
        manager=shelter.manager or "",
        phone=shelter.phone or "",
        facilities=shelter.facilities or "",
    )


@pytest.mark.parametrize(
    ("changes", "code", "detail"),
    [
        ({"capacity": -5}, "shelter.capacity_negative", "-5"),
        ({"capacity": 214}, "shelter.capacity_below_occupancy", "215"),
        ({"phone": "139abc0000"}, "phone.invalid", "139abc0000"),
        ({"manager": "管" * 65}, "shelter.manager_too_long", "64"),
    ],
)
def test_shelter_edits_that_break_the_rules_are_refused(
    demo_db: Database, changes: dict[str, object], code: str, detail: str
) -> None:
    edit = replace(_shelter_edit(demo_db), **changes)  # type: ignore[arg-type]
    before = latest_seq(demo_db)
    with pytest.raises(RuleViolation) as info:
        ShelterEditor(demo_db).update(edit, actor="a", site="s")
    assert (info.value.code, info.value.detail) == (code, detail)
    assert latest_seq(demo_db) == before


def test_shelter_capacity_follows_the_people_who_moved_in(demo_db: Database) -> None:
    """Occupancy is the sum of movements, read when the edit is saved."""
    edit = _shelter_edit(demo_db)
    MovementService(demo_db).record_occupancy(edit.shelter_id, 40, actor="b", site="s2")
    with pytest.raises(RuleViolation) as info:
        ShelterEditor(demo_db).update(replace(edit, capacity=250), actor="a", site="s")
    assert (info.value.code, info.value.detail) == ("shelter.capacity_below_occupancy", "255")
    saved = ShelterEditor(demo_db).update(
        replace(edit, capacity=255, phone="+86 (0557) 502-1234 转 801"), actor="a", site="s"
    )
    assert (saved.capacity, saved.occupancy, saved.phone) == (
        255,
        255,
        "+86 (0557) 502-1234 转 801",
    )


def test_a_shelter_already_over_capacity_can_still_be_edited(demo_db: Database) -> None:
    """Only lowering the capacity below the people inside is refused, not other edits."""
    edit = _shelter_edit(demo_db)
    with UnitOfWork(demo_db, actor="a", site="s") as uow:
        uow.session.add(ShelterOccupancyMovement(shelter_id=edit.shelter_id, delta=8000, actor="a"))
        uow.commit()
    saved = ShelterEditor(demo_db).update(replace(edit, manager="王五"), actor="a", site="s")
    assert (saved.manager, saved.capacity, saved.occupancy) == ("王五", 8000, 8215)
