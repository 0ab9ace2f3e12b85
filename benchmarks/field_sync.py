"""A week in the field merged back: packet sizes the county's vehicles bring home.

    .venv/bin/python benchmarks/field_sync.py [--backend sqlite|postgresql] [--pg-url URL]

The center is a new SQLite file (``--backend sqlite``, the default) or a new
PostgreSQL database made on the server of ``--pg-url`` and dropped at the end;
the vehicle is a field package (SQLite) taken out from it. The county is
filled first (200 shelters, 20 depots with 200 stock lines, 100 incidents),
then each side records a week of work of its own, about 50,000 changes each
(``--changes``): incidents, incident log entries, occupancy and stock
movements in bulk (``UnitOfWork.bulk_insert``, in batches) and edits of the
registers in a few hundred units of work, some of them the same fields of the
same records on both sides (conflicts). Then, timed:

- ``packet_write_s``: writing the vehicle's packet file;
- ``packet_apply_s``: applying it at the center;
- ``ack_apply_s``: applying the center's answer (its own week and the
  acknowledgment) at the vehicle; the time to write it is printed too;
- ``incremental_ms``: a network sync (``SyncService.sync_network``: push,
  pull, confirm) after 100 new changes on the vehicle, median of 5.

Targets: each packet step at most 10 s, the incremental sync at most 1,000 ms.
The last line is ``RESULT packet_write_s=<n> packet_apply_s=<n> ack_apply_s=<n>
incremental_ms=<n> conflicts=<n>``.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    ChangeLog,
    Incident,
    IncidentLogEntry,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
    SupplyDepot,
    SyncConflict,
    Township,
)
from app.data.uow import UnitOfWork
from app.sync.service import SyncService

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BATCH = 2000
EDIT_UNITS = 300


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class StepClock:
    """A site's clock: starts at ``start`` and moves 1 ms each reading, so every
    run writes the same history whatever the wall clock says."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def write(db: Database, who: str, fn: Callable[[UnitOfWork], None]) -> int:
    with UnitOfWork(db, actor=who, site=who) as uow:
        fn(uow)
        return len(uow.commit())


def fill(db: Database, rng: random.Random) -> dict[str, list[uuid.UUID]]:
    """The county both sides start from (with its change_log, as the program writes it)."""
    town = uuid.uuid4()
    ids: dict[str, list[uuid.UUID]] = {
        "shelter": [uuid.uuid4() for _ in range(200)],
        "depot": [uuid.uuid4() for _ in range(20)],
        "item": [uuid.uuid4() for _ in range(200)],
        "incident": [uuid.uuid4() for _ in range(100)],
    }
    now = db.clock()

    def add(uow: UnitOfWork) -> None:
        uow.bulk_insert(
            Township, [{"id": town, "code": "341322100", "name": "龙城镇", "kind": "town"}]
        )
        uow.bulk_insert(
            Shelter,
            [
                {
                    "id": sid,
                    "name": f"避难场所{i:03d}",
                    "shelter_type": "indoor",
                    "capacity": 100_000,
                    "township_id": town,
                    "is_open": True,
                }
                for i, sid in enumerate(ids["shelter"])
            ],
        )
        uow.bulk_insert(
            SupplyDepot,
            [
                {"id": d, "name": f"储备库{i:02d}", "level": "county", "township_id": town}
                for i, d in enumerate(ids["depot"])
            ],
        )
        uow.bulk_insert(
            StockItem,
            [
                {
                    "id": it,
                    "depot_id": ids["depot"][i % 20],
                    "category_code": "1010101",
                    "name": f"物资{i:03d}",
                    "unit": "件",
                }
                for i, it in enumerate(ids["item"])
            ],
        )
        uow.bulk_insert(
            StockMovement,
            [
                {"item_id": it, "kind": "receipt", "delta": 1_000_000.0, "at": now, "actor": "库管"}
                for it in ids["item"]
            ],
        )
        uow.bulk_insert(
            Incident, [incident_row(i, now, rng) | {"id": x} for i, x in enumerate(ids["incident"])]
        )

    write(db, "center", add)
    return ids


def incident_row(i: int, at: datetime, rng: random.Random) -> dict[str, Any]:
    return {
        "title": f"接报事件{i:05d}",
        "category": "natural",
        "incident_type": "flood",
        "severity": rng.choice(["I", "II", "III", "IV"]),
        "status": "received",
        "received_at": at,
        "source": "phone",
    }


def week(
    db: Database, who: str, ids: dict[str, list[uuid.UUID]], total: int, rng: random.Random
) -> int:
    """About ``total`` changes of a week's work at one site; returns how many."""
    clock = db.clock
    edits_per_unit = 13
    bulk = max(0, total - EDIT_UNITS * edits_per_unit)
    n_incidents = bulk // 25
    n_log = bulk * 2 // 5
    n_occ = (bulk - n_incidents - n_log) // 2
    n_stock = bulk - n_incidents - n_log - n_occ
    incidents = [uuid.uuid4() for _ in range(n_incidents)]
    made = 0

    def batches(model: type[Any], rows: list[dict[str, Any]]) -> None:
        nonlocal made
        for start in range(0, len(rows), BATCH * 5):
            part = rows[start : start + BATCH * 5]

            def insert(uow: UnitOfWork, part: list[dict[str, Any]] = part) -> None:
                uow.bulk_insert(model, part)

            made += write(db, who, insert)

    batches(Incident, [incident_row(i, clock(), rng) | {"id": x} for i, x in enumerate(incidents)])
    everything = ids["incident"] + incidents
    batches(
        IncidentLogEntry,
        [
            {
                "incident_id": rng.choice(everything),
                "kind": "note",
                "body": f"{who}现场记录：第 {i} 条，转移群众 {rng.randint(1, 80)} 人",
                "at": clock(),
                "actor": who,
            }
            for i in range(n_log)
        ],
    )
    batches(
        ShelterOccupancyMovement,
        [
            {
                "shelter_id": rng.choice(ids["shelter"]),
                "delta": rng.choice([-3, 5, 12]),
                "at": clock(),
                "actor": who,
            }
            for _ in range(n_occ)
        ],
    )
    batches(
        StockMovement,
        [
            {
                "item_id": rng.choice(ids["item"]),
                "kind": "issue",
                "delta": -float(rng.randint(1, 9)),
                "at": clock(),
                "actor": who,
            }
            for _ in range(n_stock)
        ],
    )
    # Register edits: the first 20 shelters' managers are edited on both sides.
    for unit in range(EDIT_UNITS):

        def edit(uow: UnitOfWork, unit: int = unit) -> None:
            s = uow.session
            for k in range(5):
                shelter = s.get_one(Shelter, ids["shelter"][(unit * 5 + k) % 200])
                shelter.manager = f"{who}值守{unit}-{k}"
                shelter.phone = f"0557-50{unit:03d}{k}"
            for k in range(4):
                incident = s.get_one(Incident, ids["incident"][(unit * 4 + k) % 100])
                incident.severity = rng.choice(["I", "II", "III", "IV"])
                incident.status = rng.choice(["verified", "handling"])
            for k in range(4):
                depot = s.get_one(SupplyDepot, ids["depot"][(unit * 4 + k) % 20])
                depot.manager = f"{who}库管{unit}"

        made += write(db, who, edit)
    return made


def pg_database(admin: URL) -> tuple[URL, Callable[[], None]]:
    name = f"xcc_bench_sync_{uuid.uuid4().hex[:10]}"
    info = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(info, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(info, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.set(database=name), drop


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=PG_URL, help="a PostgreSQL server (admin URL)")
    parser.add_argument("--changes", type=int, default=50_000, help="changes on each side")
    parser.add_argument(
        "--profile", type=Path, help="write cProfile statistics of the packet steps to this folder"
    )
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="xcc-bench-sync-")
    folder = Path(tmp.name)
    drop: Callable[[], None] = lambda: None  # noqa: E731
    if args.backend == "sqlite":
        url = make_url(f"sqlite+pysqlite:///{folder / 'center.sqlite3'}")
    else:
        url, drop = pg_database(make_url(args.pg_url))
    start = datetime(2026, 11, 29, 11, 40, tzinfo=UTC)
    rng = random.Random(20261129)
    center = Database(url, clock=StepClock(start))
    vehicle: Database | None = None
    try:
        upgrade(center)
        t, ids = _timed(lambda: fill(center, rng))
        log(f"fill: {t:.1f} s ({center.backend})")
        package = folder / "vehicle.xccfield"
        t, _ = _timed(lambda: SyncService(center).export_field_package(package, "一号车"))
        log(f"field package: {t:.1f} s")
        vehicle = Database(
            make_url(f"sqlite+pysqlite:///{package}"), clock=StepClock(start - timedelta(hours=3))
        )
        upgrade(vehicle)
        field_db = vehicle
        t, made_v = _timed(lambda: week(field_db, "前方", ids, args.changes, rng))
        log(f"vehicle's week: {made_v:,} changes in {t:.1f} s")
        t, made_c = _timed(lambda: week(center, "中心", ids, args.changes, rng))
        log(f"center's week: {made_c:,} changes in {t:.1f} s")
        result = measure(center, vehicle, url, folder, args.profile)
        print(
            "RESULT "
            + " ".join(
                f"{k}={v:.0f}" if k in ("incremental_ms", "conflicts") else f"{k}={v:.2f}"
                for k, v in result.items()
            )
        )
    finally:
        if vehicle is not None:
            vehicle.dispose()
        center.dispose()
        drop()
        tmp.cleanup()
    return 0


def measure(
    center: Database, vehicle: Database, url: URL, folder: Path, profile: Path | None = None
) -> dict[str, float]:
    field, hq = SyncService(vehicle), SyncService(center)

    def timed(fn: Callable[[], Any], name: str = "") -> tuple[float, Any]:
        if profile is None or not name:
            return _timed(fn)
        profiler = cProfile.Profile()
        t = time.perf_counter()
        out = profiler.runcall(fn)
        spent = time.perf_counter() - t
        profile.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(profile / f"{name}.prof")
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
        return spent, out

    out = folder / "vehicle.xccsync"
    write_s, written = timed(lambda: field.write_packet(out), "packet_write")
    log(f"vehicle packet: {written.changes:,} changes, {written.records:,} records, "
        f"{written.bytes / 1e6:.1f} MB in {write_s:.2f} s")  # fmt: skip
    apply_s, applied = timed(lambda: hq.apply_packet_file(out), "packet_apply")
    log(f"applied at the center: {applied.new_changes:,} new, {applied.conflicts} conflicts "
        f"in {apply_s:.2f} s")  # fmt: skip
    back = folder / "center.xccsync"
    code = field.site().code
    ack_write_s, answer = timed(lambda: hq.write_packet(back, code))
    log(f"center's answer: {answer.changes:,} changes, {answer.bytes / 1e6:.1f} MB "
        f"written in {ack_write_s:.2f} s")  # fmt: skip
    ack_s, acked = timed(lambda: field.apply_packet_file(back), "ack_apply")
    log(f"applied at the vehicle: {acked.new_changes:,} new in {ack_s:.2f} s")
    target = url.render_as_string(hide_password=False)
    field.sync_network(target)  # everything acknowledged both ways first
    shelters = [uuid.UUID(str(x)) for x in _ids(vehicle, Shelter)[:100]]
    times = []
    for run in range(6):

        def hundred(uow: UnitOfWork, run: int = run) -> None:
            for k, sid in enumerate(shelters):
                uow.session.get_one(Shelter, sid).phone = f"0557-6{run}{k:04d}"

        write(vehicle, "前方", hundred)
        t, done = timed(lambda: field.sync_network(target))
        assert done.pushed.new_changes == 100, done.pushed
        times.append(t * 1000)
    with center.read_session() as s:
        conflicts = int(s.scalar(select(func.count()).select_from(SyncConflict)) or 0)
        entries = int(s.scalar(select(func.count()).select_from(ChangeLog)) or 0)
    log(f"center: {entries:,} change-log entries; incremental runs (ms): "
        + ", ".join(f"{x:.0f}" for x in times))  # fmt: skip
    return {
        "packet_write_s": write_s,
        "packet_apply_s": apply_s,
        "ack_apply_s": ack_s,
        "incremental_ms": statistics.median(times[1:]),
        "conflicts": conflicts,
    }


def _ids(db: Database, model: type[Any]) -> list[Any]:
    with db.read_session() as s:
        return list(s.scalars(select(model.id).order_by(model.id)))


if __name__ == "__main__":
    raise SystemExit(main())
