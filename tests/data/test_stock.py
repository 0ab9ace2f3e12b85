"""Depots and stock on SQLite and PostgreSQL: movements, transfers, allocations, the
catalogue, rotation, shortfalls, nearest depots, days of supply, two seats at once."""

from __future__ import annotations

import threading
import uuid
from datetime import date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import (
    ChangeLog,
    Incident,
    IncidentLogEntry,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
    SupplyDepot,
)
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ, china_date
from app.domain.rules import RuleViolation
from app.domain.supplies import Rotation
from app.services.stock import StockService, stock_problem_text
from tests.helpers.processes import join_all

ACTOR, SITE = "tester", "seat-1"
W = {"actor": ACTOR, "site": SITE}
COUNTY_SEAT = (116.95, 34.19)


def _depot(db: Database, name: str, lon: float, lat: float) -> uuid.UUID:
    with UnitOfWork(db, **W) as uow:
        depot = SupplyDepot(
            name=name,
            level="township",
            lon=lon,
            lat=lat,
        )
        uow.session.add(depot)
        uow.commit()
    return depot.id


def _incident(db: Database, *, closed: bool = False) -> uuid.UUID:
    with UnitOfWork(db, **W) as uow:
        incident = Incident(
            title="暴雨内涝",
            category="natural",
            incident_type="flood",
            severity="IV",
            status="closed" if closed else "handling",
            received_at=db.clock() - timedelta(hours=2),
            source="phone",
            lon=116.96,
            lat=34.18,
        )
        uow.session.add(incident)
        uow.commit()
    return incident.id


@pytest.fixture
def stock(migrated_db: Database) -> StockService:
    return StockService(migrated_db)


@pytest.fixture
def tent(stock: StockService) -> uuid.UUID:
    return stock.add_catalog_item("1 01 02 01", "帐篷", "顶", key_need="tent", ration=0.25, **W).id


def _on_hand(db: Database, line_id: uuid.UUID) -> float:
    with db.read_session() as s:
        total = s.scalar(
            select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                StockMovement.item_id == line_id
            )
        )
    return round(float(total or 0), 2)


def test_each_movement_kind_has_its_sign(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    a = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    b = _depot(migrated_db, "黄口镇储备点", 116.67, 34.38)
    incident = _incident(migrated_db)
    line = stock.receive(a, tent, 500, batch="B1", unit="顶", note="年度采购", **W)
    assert stock.receive(a, tent, 100, batch="B1", **W) == line  # the same batch line
    assert stock.issue(line, 50, note="发放", **W) == 550
    assert stock.write_off(line, 10.5, "雨淋破损", **W) == 539.5
    assert stock.allocate(line, incident, 39.5, **W) == 500
    target = stock.transfer(line, b, 200, **W)
    moves = sorted((m.kind, m.delta) for m in stock.movements(line_id=line))
    assert moves == [
        ("allocation", -39.5),
        ("issue", -50),
        ("receipt", 100),
        ("receipt", 500),
        ("transfer_out", -200),
        ("write_off", -10.5),
    ]
    [incoming] = stock.movements(line_id=target)
    assert incoming.kind == "transfer_in" and incoming.delta == 200
    assert _on_hand(migrated_db, line) == 300 and _on_hand(migrated_db, target) == 200
    assert [x.quantity for x in stock.lines(b, date(2026, 7, 1))] == [200]
    assert stock.lines(b, date(2026, 7, 1))[0].batch == "B1"


def test_transfer_pairs_both_halves_and_a_refused_one_writes_nothing(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    a = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    b = _depot(migrated_db, "黄口镇储备点", 116.67, 34.38)
    expiry = date(2027, 6, 30)
    line = stock.receive(a, tent, 80, batch="2026-07", expiry_date=expiry, **W)
    target = stock.transfer(line, b, 30, **W)
    with migrated_db.read_session() as s:
        halves = s.execute(
            select(StockMovement.transfer_id, StockMovement.delta).where(
                StockMovement.transfer_id.is_not(None)
            )
        ).all()
        moved = s.get(StockItem, target)
        assert moved is not None and (moved.batch, moved.expiry_date) == ("2026-07", expiry)
    assert len({t for t, _ in halves}) == 1 and sorted(d for _, d in halves) == [-30, 30]

    with migrated_db.read_session() as s:
        before = (
            s.scalar(select(func.count()).select_from(StockMovement)),
            s.scalar(select(func.max(ChangeLog.seq))),
        )
    with pytest.raises(RuleViolation) as refused:
        stock.transfer(line, b, 50.01, **W)
    assert refused.value.code == "stock.negative"
    assert stock_problem_text(refused.value) == "库存不足：此批次现有 50，不能超出库存"
    with migrated_db.read_session() as s:
        after = (
            s.scalar(select(func.count()).select_from(StockMovement)),
            s.scalar(select(func.max(ChangeLog.seq))),
        )
    assert after == before
    assert _on_hand(migrated_db, line) == 50 and _on_hand(migrated_db, target) == 30
    with pytest.raises(RuleViolation, match=r"stock\.same_depot"):
        stock.transfer(line, a, 1, **W)


def test_allocation_writes_the_incident_log_in_the_same_transaction(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    depot = _depot(migrated_db, "县应急物资储备库", 116.97, 34.175)
    incident = _incident(migrated_db)
    line = stock.receive(depot, tent, 300, batch="B7", **W)
    assert stock.allocate(line, incident, 200, note="送县城体育场", **W) == 100
    with migrated_db.read_session() as s:
        [entry] = s.scalars(
            select(IncidentLogEntry).where(IncidentLogEntry.incident_id == incident)
        ).all()
        moved = s.scalars(select(StockMovement).where(StockMovement.kind == "allocation")).one()
    assert entry.body == "调拨 帐篷 200 顶（县应急物资储备库，批次 B7）。送县城体育场"
    assert entry.kind == "dispatch" and entry.actor == ACTOR
    assert moved.incident_id == incident and moved.delta == -200

    closed = _incident(migrated_db, closed=True)
    with pytest.raises(RuleViolation, match=r"stock\.incident_closed"):
        stock.allocate(line, closed, 1, **W)
    with pytest.raises(RuleViolation, match=r"stock\.negative"):
        stock.allocate(line, incident, 101, **W)
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(IncidentLogEntry)) == 1


def test_bad_quantities_units_and_codes_are_refused(sqlite_db: Database) -> None:
    """Checked before the database is asked: one backend is enough."""
    stock = StockService(sqlite_db)
    tent = stock.add_catalog_item("1 01 02 01", "帐篷", "顶", **W).id
    depot = _depot(sqlite_db, "县级储备库", 116.97, 34.175)
    for bad in (-5, 0, float("nan"), float("inf"), True):
        with pytest.raises(RuleViolation) as refused:
            stock.receive(depot, tent, bad, **W)
        assert refused.value.code == "stock.quantity"
        assert "数量" in stock_problem_text(refused.value)
    with pytest.raises(RuleViolation) as refused:
        stock.receive(depot, tent, 5, unit="个", **W)
    assert stock_problem_text(refused.value) == "单位与物资目录不符：此物资的单位是“顶”"
    line = stock.receive(depot, tent, 5, **W)
    with pytest.raises(RuleViolation, match=r"stock\.unit"):
        stock.issue(line, 1, unit="箱", **W)
    for code in ("101020", "1 01 02 0301", "4010203", "1 00 02 03", "1O10203"):
        with pytest.raises(RuleViolation) as bad:
            stock.add_catalog_item(code, "折叠床", "张", **W)
        assert bad.value.code == "supply.code"
        assert "物资编码" in stock_problem_text(bad.value)
    assert [c.name for c in stock.catalogue()] == ["帐篷"]
    with pytest.raises(RuleViolation, match=r"catalog\.duplicate"):
        stock.add_catalog_item("1010201", "帐篷", "顶", **W)


def test_catalogue_edit_and_retire(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    depot = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    line = stock.receive(depot, tent, 5, **W)
    [entry] = stock.catalogue()
    changed = stock.update_catalog_item(
        entry.id,
        entry.version,
        code="1-01-02-02",
        name="单帐篷",
        unit="顶",
        key_need="tent",
        ration=0.2,
        **W,
    )
    assert changed.code == "1010202" and changed.version == entry.version + 1
    assert stock.lines(depot, date(2026, 7, 1))[0].name == "单帐篷"
    assert stock.lines(depot, date(2026, 7, 1))[0].id == line
    with pytest.raises(RuleViolation, match=r"catalog\.unit_in_use"):
        stock.update_catalog_item(
            entry.id, changed.version, code="1010202", name="单帐篷", unit="套", **W
        )
    retired = stock.retire_catalog_item(entry.id, changed.version, **W)
    assert retired.retired and stock.catalogue() == []
    assert [c.id for c in stock.catalogue(include_retired=True)] == [entry.id]
    with pytest.raises(RuleViolation, match=r"catalog\.retired"):
        stock.receive(depot, tent, 1, **W)


def test_rotation_buckets_follow_china_dates(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    """31 December 23:59 China time: expiring today is not yet expired; 00:01 it is."""
    depot = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    stock.receive(depot, tent, 10, batch="today", expiry_date=date(2026, 12, 31), **W)
    stock.receive(depot, tent, 10, batch="d30", expiry_date=date(2027, 1, 31), **W)
    stock.receive(depot, tent, 10, batch="d60", expiry_date=date(2027, 3, 1), **W)
    stock.receive(depot, tent, 10, batch="late", expiry_date=date(2027, 12, 1), **W)
    empty = stock.receive(depot, tent, 10, batch="gone", expiry_date=date(2026, 12, 1), **W)
    stock.write_off(empty, 10, "过期销毁", **W)
    for moment, expired in MOMENTS:
        _check_rotation(stock, tent, moment, expired)


MOMENTS = [
    (datetime(2026, 12, 31, 23, 59, tzinfo=CHINA_TZ), False),
    (datetime(2027, 1, 1, 0, 1, tzinfo=CHINA_TZ), True),
]


def _check_rotation(stock: StockService, tent: uuid.UUID, moment: datetime, expired: bool) -> None:
    with time_machine.travel(moment, tick=False):
        today = china_date(datetime.now(CHINA_TZ))
        buckets = {r.batch: r.bucket for r in stock.reminders(today)}
        usable = stock.nearest(tent, *COUNTY_SEAT, need=1000, today=today)[0].usable
    assert buckets["today"] is (Rotation.EXPIRED if expired else Rotation.WITHIN_30)
    assert buckets["d30"] is (Rotation.WITHIN_30 if expired else Rotation.WITHIN_90)
    assert buckets["d60"] is Rotation.WITHIN_90
    assert "late" not in buckets and "gone" not in buckets  # nothing left to rotate
    assert usable == (30 if expired else 40)


def test_shortfalls_and_depot_summary(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    water = stock.add_catalog_item("1020101", "饮用水", "箱", **W).id
    a = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    b = _depot(migrated_db, "黄口镇储备点", 116.67, 34.38)
    today = date(2026, 7, 15)
    stock.receive(a, tent, 300, **W)
    stock.receive(a, tent, 100, batch="old", expiry_date=date(2026, 7, 1), **W)
    stock.receive(a, water, 50, **W)
    stock.set_minimum(a, tent, 350, **W)
    stock.set_minimum(a, water, 40, **W)
    stock.set_minimum(b, water, 20, **W)
    gaps = [(g.depot_name, g.name, g.minimum, g.usable, g.missing) for g in stock.shortfalls(today)]
    assert gaps == [("黄口镇储备点", "饮用水", 20, 0, 20), ("县级储备库", "帐篷", 350, 300, 50)]
    summary = stock.depot_summary(today)
    assert (summary[a].lines, summary[a].below_minimum, summary[a].expired) == (3, 1, 1)
    assert (summary[b].lines, summary[b].below_minimum, summary[b].expired) == (0, 1, 0)
    assert set(stock.depot_summary(today, [b])) == {b}
    marked = {(x.name, x.batch): x.below_minimum for x in stock.lines(a, today)}
    assert marked == {("帐篷", None): True, ("帐篷", "old"): True, ("饮用水", None): False}
    stock.set_minimum(a, tent, 0, **W)  # no minimum any more
    assert [g.name for g in stock.shortfalls(today)] == ["饮用水"]


def test_nearest_in_order_with_running_total_until_covered(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    today = date(2026, 7, 15)
    near = _depot(migrated_db, "近", 116.96, 34.19)  # ~1 km
    middle = _depot(migrated_db, "中", 117.00, 34.19)  # ~4.6 km
    far = _depot(migrated_db, "远", 116.70, 34.38)  # ~32 km
    farther = _depot(migrated_db, "更远", 116.60, 34.00)
    retired = _depot(migrated_db, "停用", 116.951, 34.19)
    stock.receive(near, tent, 30, **W)
    stock.receive(near, tent, 500, batch="old", expiry_date=date(2026, 7, 14), **W)
    used = stock.receive(middle, tent, 100, **W)
    stock.issue(used, 60, **W)
    stock.receive(far, tent, 200, **W)
    stock.receive(farther, tent, 1000, **W)
    stock.receive(retired, tent, 1000, **W)
    with UnitOfWork(migrated_db, **W) as uow:
        gone = uow.session.get(SupplyDepot, retired)
        assert gone is not None
        gone.retired_at = migrated_db.clock()
        uow.commit()
    found = stock.nearest(tent, *COUNTY_SEAT, need=100, today=today)
    assert [(d.name, d.usable, d.running_total, d.covers) for d in found] == [
        ("近", 30, 30, False),
        ("中", 40, 70, False),
        ("远", 200, 270, True),
    ]
    assert found[0].distance_km == pytest.approx(0.92, abs=0.05)
    assert [
        d.name for d in stock.nearest(tent, *COUNTY_SEAT, need=10_000, today=today, limit=2)
    ] == ["近", "中"]
    incident = _incident(migrated_db)
    assert stock.nearest_to_incident(tent, incident, 20, today)[0].name == "近"
    with pytest.raises(RuleViolation, match=r"stock\.need"):
        stock.nearest(tent, *COUNTY_SEAT, need=-1, today=today)


def test_days_of_supply_for_people_in_open_shelters(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    water = stock.add_catalog_item(
        "1020101", "饮用水", "升", key_need="water", ration=3, ration_per_day=True, **W
    ).id
    depot = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    stock.receive(depot, water, 1500, **W)
    stock.receive(depot, water, 900, batch="old", expiry_date=date(2026, 1, 1), **W)
    stock.receive(depot, tent, 20, **W)
    with UnitOfWork(migrated_db, **W) as uow:
        open_ = Shelter(name="体育场", shelter_type="outdoor", capacity=500, is_open=True)
        closed = Shelter(name="学校", shelter_type="indoor", capacity=500, is_open=False)
        uow.session.add_all([open_, closed])
        uow.session.flush()
        uow.session.add_all(
            [
                ShelterOccupancyMovement(shelter_id=open_.id, delta=120, actor=ACTOR),
                ShelterOccupancyMovement(shelter_id=open_.id, delta=-20, actor=ACTOR),
                ShelterOccupancyMovement(shelter_id=closed.id, delta=50, actor=ACTOR),
            ]
        )
        uow.commit()
    rows = {r.key_need: r for r in stock.days_of_supply(date(2026, 7, 15))}
    assert rows["water"].people == 100 and rows["water"].usable == 1500
    assert rows["water"].days == pytest.approx(5.0)
    assert rows["tent"].days == 0.0 and rows["tent"].needed == 25  # 20 tents for 100 people
    assert rows["food"].catalog_item_id is None and rows["food"].days is None


def test_two_seats_moving_one_line_give_exact_totals(
    migrated_db: Database, stock: StockService, tent: uuid.UUID
) -> None:
    a = _depot(migrated_db, "县级储备库", 116.97, 34.175)
    b = _depot(migrated_db, "黄口镇储备点", 116.67, 34.38)
    line = stock.receive(a, tent, 100, **W)
    seats = [StockService(migrated_db), StockService(migrated_db)]
    start = threading.Barrier(2, timeout=60)
    done: list[int] = [0, 0]
    refused: list[int] = [0, 0]

    def seat(n: int) -> None:
        start.wait()
        for i in range(30):
            try:
                if i % 2:
                    seats[n].issue(line, 2, **W)
                else:
                    seats[n].transfer(line, b, 2, **W)
                done[n] += 1
            except RuleViolation:
                refused[n] += 1

    workers = [threading.Thread(target=seat, args=(n,)) for n in range(2)]
    for w in workers:
        w.start()
    join_all(workers, 120)
    assert sum(done) == 50 and sum(refused) == 10  # 100 / 2, the rest refused
    assert _on_hand(migrated_db, line) == 0
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.sum(StockMovement.delta))) == 100 - sum(done) * 2 + (
            s.scalar(select(func.count()).where(StockMovement.kind == "transfer_in")) * 2
        )
