"""The registers at county scale: nearest supplies, within a radius, evacuation, import.

    .venv/bin/python benchmarks/resources.py [--db URL]

Without ``--db`` a new SQLite file in a temporary folder; with ``--db`` an
*empty* database (it is migrated here). The fill writes 500 shelters (with
occupancy), 200 depots, a catalogue of 50 items, 10,000 stock lines (batches,
some expired) with one receipt each, and 2,000 hazard sites with plain bulk
INSERTs (set-up only: no change_log rows). Then, through the services the
dialogs use (no Qt), each the median of 20 runs from random points in the county:

- ``nearest_ms``: the nearest depots holding 200 of an item (usable quantity,
  running total until covered);
- ``radius_ms``: hazard sites within 3 km of a point, sorted by distance;
- ``evacuation_ms``: the proposal for 5,000 people;
- ``import_10k_s``: importing a 10,000-row XLSX of hazard sites (read, check,
  one unit of work with its change_log rows), once.

The last line is ``RESULT nearest_ms=<n> radius_ms=<n> evacuation_ms=<n> import_10k_s=<n>``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    ChangeLog,
    HazardSite,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
    SupplyCatalogItem,
    SupplyDepot,
    Township,
)
from app.domain.access import Role
from app.domain.clock import system_clock
from app.domain.identity import Identity, acting_as
from app.services.evacuation import EvacuationService
from app.services.proximity import ProximityService
from app.services.register_io import import_register
from app.services.stock import StockService

TOWNS = ["龙城镇", "黄口镇", "杨楼镇", "闫集镇", "新庄镇", "刘套镇", "马井镇", "青龙镇", "圣泉镇"]
HAZARD_TYPES = ["chemical", "mine", "gas", "dust", "waterlogging", "geological", "crowded"]
RISK = ["red", "orange", "yellow", "blue"]
# Inside the county (lon 116.53-117.15, lat 33.94-34.49).
LON = (116.60, 117.10)
LAT = (33.98, 34.45)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def point(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(*LON), 6), round(rng.uniform(*LAT), 6)


def _stamp(now: Any) -> dict[str, Any]:
    return {"version": 1, "created_at": now, "updated_at": now}


def fill(db: Database, rng: random.Random) -> list[uuid.UUID]:
    """The county at scale; returns the catalogue item ids."""
    now = system_clock()
    today = now.date()
    towns = [
        {"id": uuid.uuid4(), "code": f"B{i:03d}", "name": n, "kind": "town"}
        for i, n in enumerate(TOWNS)
    ]
    shelters, occupancy, depots, catalog, lines, receipts, hazards = [], [], [], [], [], [], []
    for i in range(500):
        lon, lat = point(rng)
        capacity = rng.choice([200, 500, 800, 1500, 3000])
        sid = uuid.uuid4()
        shelters.append(
            {
                "id": sid,
                "name": f"避难场所{i:03d}",
                "shelter_type": rng.choice(["indoor", "outdoor"]),
                "capacity": capacity,
                "is_open": rng.random() < 0.7,
                "township_id": rng.choice(towns)["id"],
                "lon": lon,
                "lat": lat,
                "is_demo": False,
                **_stamp(now),
            }
        )
        occupancy.append(
            {
                "id": uuid.uuid4(),
                "shelter_id": sid,
                "delta": rng.randint(1, capacity // 2),
                "at": now,
                "actor": "bench",
            }
        )
    for i in range(50):
        catalog.append(
            {
                "id": uuid.uuid4(),
                "code": f"{1 + i % 3}{1 + i // 3:02d}0101",
                "name": f"物资{i:02d}",
                "unit": "件",
                "ration_per_day": False,
                "is_demo": False,
                **_stamp(now),
            }
        )
    for i in range(200):
        lon, lat = point(rng)
        depots.append(
            {
                "id": uuid.uuid4(),
                "name": f"储备库{i:03d}",
                "level": rng.choice(["county", "township", "agreement"]),
                "township_id": rng.choice(towns)["id"],
                "lon": lon,
                "lat": lat,
                "is_demo": False,
                **_stamp(now),
            }
        )
    for i in range(10_000):
        depot = depots[i % 200]
        entry = catalog[(i // 200 + i) % 50]
        line = uuid.uuid4()
        lines.append(
            {
                "id": line,
                "depot_id": depot["id"],
                "catalog_item_id": entry["id"],
                "category_code": entry["code"],
                "name": entry["name"],
                "unit": entry["unit"],
                "batch": f"B{i:05d}",
                "min_quantity": 0,
                "expiry_date": today + timedelta(days=rng.randint(-60, 900)),
                "is_demo": False,
                **_stamp(now),
            }
        )
        receipts.append(
            {
                "id": uuid.uuid4(),
                "item_id": line,
                "kind": "receipt",
                "delta": float(rng.randint(5, 120)),
                "at": now,
                "actor": "bench",
            }
        )
    for i in range(2000):
        lon, lat = point(rng)
        hazards.append(
            {
                "id": uuid.uuid4(),
                "name": f"风险源{i:04d}",
                "hazard_type": rng.choice(HAZARD_TYPES),
                "risk_level": rng.choice(RISK),
                "township_id": rng.choice(towns)["id"],
                "lon": lon,
                "lat": lat,
                "is_demo": False,
                **_stamp(now),
            }
        )
    with db.engine.begin() as conn:
        conn.execute(insert(Township), [{**t, **_stamp(now), "is_demo": False} for t in towns])
        conn.execute(insert(Shelter), shelters)
        conn.execute(insert(ShelterOccupancyMovement), occupancy)
        conn.execute(insert(SupplyCatalogItem), catalog)
        conn.execute(insert(SupplyDepot), depots)
        conn.execute(insert(StockItem), lines)
        conn.execute(insert(StockMovement), receipts)
        conn.execute(insert(HazardSite), hazards)
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return [c["id"] for c in catalog]


def hazard_workbook(path: Path, rows: int, rng: random.Random) -> None:
    """A county hazard register as offices send it: a title row, then the table."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["萧县风险源和隐患点台账（基准）"])
    ws.append(
        ["编号", "名称", "类型", "风险等级", "乡镇", "地址", "经度", "纬度", "责任单位", "联系电话"]
    )
    kinds = ["危险化学品企业", "非煤矿山", "燃气", "粉尘涉爆", "易涝点", "地质灾害隐患点"]
    levels = ["红", "橙", "黄", "蓝"]
    for i in range(rows):
        lon, lat = point(rng)
        ws.append(
            [
                f"FX{i:05d}",
                f"导入风险源{i:05d}",
                rng.choice(kinds),
                rng.choice(levels),
                rng.choice(TOWNS),
                f"某路{i}号",
                lon,
                lat,
                "某单位",
                "0557-5021234",
            ]
        )
    wb.save(path)


def median_ms(fn: Callable[[], Any], runs: int = 20) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="xcc-bench-")
    url = args.db or f"sqlite+pysqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    db = Database(make_url(url))
    rng = random.Random(20261129)
    admin = Identity(user="基准", site="bench", roles=frozenset({Role.ADMIN}))
    try:
        upgrade(db)
        with db.read_session() as s:
            if s.scalar(select(func.count()).select_from(ChangeLog)):
                raise SystemExit("the database must be empty (its change log is not)")
        t = time.perf_counter()
        catalog = fill(db, rng)
        log(f"fill: {time.perf_counter() - t:.1f} s ({db.backend})")
        today = db.clock().date()
        points = [point(rng) for _ in range(21)]
        results = measure(db, catalog, points, today, admin, Path(tmp.name), rng)
        print(
            "RESULT "
            + " ".join(
                f"{k}={v:.0f}" if k.endswith("_ms") else f"{k}={v:.1f}" for k, v in results.items()
            )
        )
    finally:
        db.dispose()
        tmp.cleanup()
    return 0


def measure(
    db: Database,
    catalog: list[uuid.UUID],
    points: list[tuple[float, float]],
    today: Any,
    admin: Identity,
    folder: Path,
    rng: random.Random,
) -> dict[str, float]:
    stock, proximity, evacuation = StockService(db), ProximityService(db), EvacuationService(db)
    it = iter(points)
    item = iter(rng.choice(catalog) for _ in range(1000))

    def nearest() -> Any:
        lon, lat = next(it, points[0])
        found = stock.nearest(next(item), lon, lat, 200, today)
        assert found, "no depot holds the item"
        return found

    result: dict[str, float] = {"nearest_ms": median_ms(nearest)}
    it = iter(points)
    result["radius_ms"] = median_ms(
        lambda: proximity.within("hazards", 3.0, point=next(it, points[0]))
    )
    it = iter(points)
    result["evacuation_ms"] = median_ms(lambda: evacuation.propose(5000, point=next(it, points[0])))
    book = folder / "hazards-10k.xlsx"
    hazard_workbook(book, 10_000, rng)
    with acting_as(admin):
        t = time.perf_counter()
        done = import_register(db, "hazards", book, actor="基准", site="bench")
        result["import_10k_s"] = time.perf_counter() - t
    if not done.written:
        raise SystemExit(f"the import was refused: {done.errors[:3]}")
    with db.read_session() as s:
        count = s.scalar(select(func.count()).select_from(HazardSite))
    log(f"hazard sites after the import: {count:,}")
    return result


if __name__ == "__main__":
    raise SystemExit(main())
