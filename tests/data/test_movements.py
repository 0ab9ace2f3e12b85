"""Shelter occupancy and stock movements: the rules, the sums, and exact totals under load.

The concurrency tests start four processes that write to one shelter (or one
stock item) at the same moment, on a SQLite file and on PostgreSQL, and check
that every movement was counted exactly once and every rule check held.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind
from app.data.migrate import upgrade
from app.data.models import (
    ChangeLog,
    Incident,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
    SupplyDepot,
)
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ
from app.domain.enums import StockMovementKind
from app.domain.rules import RuleViolation
from app.services.movements import MovementService, is_transient, stock_delta
from tests.helpers.processes import read_line

ROOT = Path(__file__).resolve().parents[2]
ACTOR, SITE = "tester", "seat-1"

PROCESSES = 4
PER_PROCESS = 500


# -- helpers ------------------------------------------------------------------
def _shelter(db: Database, capacity: int = 100, is_open: bool = True) -> uuid.UUID:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        shelter = Shelter(
            name="县体育馆", shelter_type="indoor", capacity=capacity, is_open=is_open
        )
        uow.session.add(shelter)
        uow.commit()
    return shelter.id


def _stock_item(db: Database) -> uuid.UUID:
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        depot = SupplyDepot(name="县级储备库", level="county")
        uow.session.add(depot)
        uow.session.flush()
        item = StockItem(depot_id=depot.id, category_code="tent", name="帐篷", unit="顶")
        uow.session.add(item)
        uow.commit()
    return item.id


def _logged(db: Database, entity_type: str) -> int:
    with db.read_session() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(ChangeLog)
                .where(ChangeLog.entity_type == entity_type, ChangeLog.op == "insert")
            )
            or 0
        )


def _rows(db: Database, model: Any) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


# -- occupancy rules ------------------------------------------------------------
def test_occupancy_is_the_sum_of_movements(migrated_db: Database) -> None:
    service = MovementService(migrated_db)
    shelter = _shelter(migrated_db, capacity=10)
    assert service.occupancy(shelter) == 0
    assert service.record_occupancy(shelter, 5, actor=ACTOR, site=SITE, note="第一批") == 5
    assert service.record_occupancy(shelter, 3, actor=ACTOR, site=SITE) == 8
    assert service.record_occupancy(shelter, -2, actor=ACTOR, site=SITE) == 6
    assert service.record_occupancy(shelter, 4, actor=ACTOR, site=SITE) == 10  # exactly full
    assert service.occupancy(shelter) == 10
    assert _rows(migrated_db, ShelterOccupancyMovement) == 4
    assert _logged(migrated_db, "shelter_occupancy_movement") == 4
    with migrated_db.read_session() as s:
        actors = set(
            s.execute(
                select(ChangeLog.actor, ChangeLog.origin_site).where(
                    ChangeLog.entity_type == "shelter_occupancy_movement"
                )
            ).all()
        )
        notes = set(s.scalars(select(ShelterOccupancyMovement.note)))
    assert actors == {(ACTOR, SITE)}
    assert notes == {"第一批", None}


@pytest.mark.parametrize(
    ("start", "delta", "capacity", "is_open", "code"),
    [
        (3, -4, 10, True, "occupancy.negative"),
        (0, -1, 10, True, "occupancy.negative"),
        (8, 3, 10, True, "occupancy.over_capacity"),
        (0, 11, 10, True, "occupancy.over_capacity"),
        (0, 1, 10, False, "shelter.closed"),
        (3, 0, 10, True, "occupancy.delta"),
    ],
)
def test_occupancy_refusals_write_nothing(
    migrated_db: Database, start: int, delta: int, capacity: int, is_open: bool, code: str
) -> None:
    service = MovementService(migrated_db)
    shelter = _shelter(migrated_db, capacity=capacity)
    if start:
        service.record_occupancy(shelter, start, actor=ACTOR, site=SITE)
    if not is_open:
        with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
            row = uow.get_current(Shelter, shelter, 1)
            row.is_open = False
            uow.commit()
    before = _logged(migrated_db, "shelter_occupancy_movement")
    with pytest.raises(RuleViolation) as caught:
        service.record_occupancy(shelter, delta, actor=ACTOR, site=SITE)
    assert caught.value.code == code
    assert service.occupancy(shelter) == start
    assert _logged(migrated_db, "shelter_occupancy_movement") == before


def test_people_may_leave_a_closed_or_overfull_shelter(migrated_db: Database) -> None:
    service = MovementService(migrated_db)
    shelter = _shelter(migrated_db, capacity=10)
    service.record_occupancy(shelter, 8, actor=ACTOR, site=SITE)
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        row = uow.get_current(Shelter, shelter, 1)
        row.is_open = False
        row.capacity = 5  # lowered below the people already inside
        uow.commit()
    assert service.record_occupancy(shelter, -1, actor=ACTOR, site=SITE) == 7
    with pytest.raises(RuleViolation) as caught:
        service.record_occupancy(shelter, -8, actor=ACTOR, site=SITE)
    assert caught.value.code == "occupancy.negative"
    assert service.record_occupancy(shelter, -7, actor=ACTOR, site=SITE) == 0


def test_unknown_shelter_and_long_note_are_refused(migrated_db: Database) -> None:
    service = MovementService(migrated_db)
    with pytest.raises(RuleViolation) as caught:
        service.record_occupancy(uuid.uuid4(), 1, actor=ACTOR, site=SITE)
    assert caught.value.code == "shelter.unknown"
    shelter = _shelter(migrated_db)
    with pytest.raises(RuleViolation) as caught:
        service.record_occupancy(shelter, 1, actor=ACTOR, site=SITE, note="x" * 300)
    assert caught.value.code == "movement.note_too_long"
    assert _rows(migrated_db, ShelterOccupancyMovement) == 0


def test_occupancy_movement_keeps_when_it_happened(migrated_db: Database) -> None:
    """A check-in typed after the fact keeps the time people arrived; without one,
    the database's clock."""
    service = MovementService(migrated_db)
    shelter = _shelter(migrated_db, capacity=10)
    now = migrated_db.clock()
    arrived = (now - timedelta(hours=2)).astimezone(CHINA_TZ).replace(microsecond=0)
    service.record_occupancy(shelter, 4, actor=ACTOR, site=SITE, note="早到", at=arrived)
    service.record_occupancy(shelter, -1, actor=ACTOR, site=SITE, note="刚走")
    with migrated_db.read_session() as s:
        rows = s.execute(select(ShelterOccupancyMovement.note, ShelterOccupancyMovement.at))
        times = {note: at for note, at in rows}
    assert times["早到"] == arrived
    assert abs(times["刚走"] - now) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("offset", "naive", "code"),
    [
        (timedelta(minutes=30), False, "time.future"),
        (timedelta(0), True, "time.naive"),
    ],
)
def test_occupancy_time_in_the_future_or_without_zone_is_refused(
    migrated_db: Database, offset: timedelta, naive: bool, code: str
) -> None:
    service = MovementService(migrated_db)
    shelter = _shelter(migrated_db, capacity=10)
    at = migrated_db.clock() + offset
    if naive:
        at = at.replace(tzinfo=None)
    with pytest.raises(RuleViolation) as caught:
        service.record_occupancy(shelter, 1, actor=ACTOR, site=SITE, at=at)
    assert caught.value.code == code
    assert _rows(migrated_db, ShelterOccupancyMovement) == 0
    # A seat whose clock runs a minute or two ahead is not refused.
    ahead = migrated_db.clock() + timedelta(minutes=2)
    assert service.record_occupancy(shelter, 1, actor=ACTOR, site=SITE, at=ahead) == 1


# -- stock rules ------------------------------------------------------------------
def test_stock_sign_comes_from_the_kind(migrated_db: Database) -> None:
    service = MovementService(migrated_db)
    item = _stock_item(migrated_db)
    k = StockMovementKind
    assert service.record_stock(item, k.RECEIPT, 10.5, actor=ACTOR, site=SITE) == 10.5
    assert service.record_stock(item, k.ISSUE, 3.25, actor=ACTOR, site=SITE) == 7.25
    assert service.record_stock(item, k.ALLOCATION, 2, actor=ACTOR, site=SITE) == 5.25
    assert service.record_stock(item, k.ROTATION, 1, actor=ACTOR, site=SITE) == 6.25
    assert service.record_stock(item, k.ADJUSTMENT, -0.25, actor=ACTOR, site=SITE) == 6.0
    assert service.record_stock(item, k.ADJUSTMENT, 1, actor=ACTOR, site=SITE) == 7.0
    # Hundredths add up exactly (no 0.1 + 0.2 drift).
    for _ in range(3):
        service.record_stock(item, k.RECEIPT, 0.1, actor=ACTOR, site=SITE)
    assert service.stock(item) == 7.3
    assert service.record_stock(item, "issue", 7.3, actor=ACTOR, site=SITE) == 0.0  # type: ignore[arg-type]
    assert _logged(migrated_db, "stock_movement") == 10
    with migrated_db.read_session() as s:
        kinds = Counter(s.scalars(select(StockMovement.kind)))
    assert kinds == {"receipt": 4, "issue": 2, "allocation": 1, "rotation": 1, "adjustment": 2}


def test_stock_refusals_write_nothing(migrated_db: Database) -> None:
    service = MovementService(migrated_db)
    item = _stock_item(migrated_db)
    k = StockMovementKind
    service.record_stock(item, k.RECEIPT, 5, actor=ACTOR, site=SITE)
    before = _logged(migrated_db, "stock_movement")
    cases: list[tuple[StockMovementKind, float, str]] = [
        (k.ISSUE, 5.01, "stock.negative"),
        (k.ALLOCATION, 6, "stock.negative"),
        (k.ADJUSTMENT, -5.5, "stock.negative"),
        (k.ISSUE, 0, "stock.quantity"),
        (k.RECEIPT, -1, "stock.quantity"),
        (k.ADJUSTMENT, 0.001, "stock.quantity"),  # rounds to nothing
        (k.RECEIPT, float("nan"), "stock.quantity"),
        (k.RECEIPT, float("inf"), "stock.quantity"),
        (k.RECEIPT, 1e13, "stock.quantity"),
    ]
    for kind, quantity, code in cases:
        with pytest.raises(RuleViolation) as caught:
            service.record_stock(item, kind, quantity, actor=ACTOR, site=SITE)
        assert caught.value.code == code, (kind, quantity)
    with pytest.raises(RuleViolation) as caught:
        service.record_stock(uuid.uuid4(), k.RECEIPT, 1, actor=ACTOR, site=SITE)
    assert caught.value.code == "stock.unknown_item"
    with pytest.raises(RuleViolation) as caught:
        service.record_stock(item, k.ISSUE, 1, actor=ACTOR, site=SITE, incident_id=uuid.uuid4())
    assert caught.value.code == "stock.unknown_incident"
    assert service.stock(item) == 5
    assert _logged(migrated_db, "stock_movement") == before
    # Exactly everything may go.
    assert service.record_stock(item, k.ISSUE, 5, actor=ACTOR, site=SITE) == 0


def test_stock_issue_for_an_incident(migrated_db: Database) -> None:
    from datetime import UTC, datetime

    service = MovementService(migrated_db)
    item = _stock_item(migrated_db)
    with UnitOfWork(migrated_db, actor=ACTOR, site=SITE) as uow:
        incident = Incident(
            title="龙城镇内涝",
            category="natural",
            incident_type="flood",
            severity="IV",
            status="received",
            received_at=datetime.now(UTC),
            source="phone",
        )
        uow.session.add(incident)
        uow.commit()
    service.record_stock(item, StockMovementKind.RECEIPT, 20, actor=ACTOR, site=SITE)
    left = service.record_stock(
        item, StockMovementKind.ISSUE, 12, actor=ACTOR, site=SITE, incident_id=incident.id
    )
    assert left == 8
    with migrated_db.read_session() as s:
        linked = s.scalars(
            select(StockMovement.delta).where(StockMovement.incident_id == incident.id)
        ).all()
    assert list(linked) == [-12]


def test_stock_delta() -> None:
    assert stock_delta(StockMovementKind.RECEIPT, 2.344) == 2.34
    assert stock_delta(StockMovementKind.ROTATION, 2.346) == 2.35
    assert stock_delta(StockMovementKind.ISSUE, 2) == -2
    assert stock_delta(StockMovementKind.ADJUSTMENT, -2) == -2
    with pytest.raises(RuleViolation):
        stock_delta(StockMovementKind.ISSUE, True)


# -- transient failures -------------------------------------------------------------
def test_sqlite_lock_past_the_busy_timeout_is_retried(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    db = Database(f"sqlite+pysqlite:///{path}", busy_timeout_ms=100)
    try:
        upgrade(db)
        shelter = _shelter(db)
        import sqlite3

        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        pauses: list[float] = []

        def release_after_first_failure(seconds: float) -> None:
            pauses.append(seconds)
            if len(pauses) == 1:
                holder.execute("ROLLBACK")

        service = MovementService(db, sleep=release_after_first_failure)
        assert service.record_occupancy(shelter, 2, actor=ACTOR, site=SITE) == 2
        assert service.retries == 1 and len(pauses) == 1 and 0 < pauses[0] < 0.1

        # Held for good: after the retries the caller hears "locked", and nothing is written.
        holder.execute("BEGIN IMMEDIATE")
        pauses.clear()
        stuck = MovementService(db, sleep=pauses.append)
        with pytest.raises(DatabaseProblem) as caught:
            stuck.record_occupancy(shelter, 1, actor=ACTOR, site=SITE)
        assert caught.value.kind is ProblemKind.LOCKED
        assert is_transient(caught.value)
        assert stuck.retries == 3 and len(pauses) == 3
        holder.execute("ROLLBACK")
        holder.close()
        assert stuck.occupancy(shelter) == 2
        assert _rows(db, ShelterOccupancyMovement) == 1
        assert _logged(db, "shelter_occupancy_movement") == 1
    finally:
        db.dispose()


@pytest.mark.postgres
def test_postgres_deadlock_is_retried_once(pg_url: URL) -> None:
    """Another writer takes the change_log lock, then wants our shelter: a real deadlock.

    Our transaction holds the shelter row and waits for the change_log lock at
    commit; the other holds that lock and waits for the shelter. PostgreSQL
    aborts ours (its deadlock timeout runs out first); the retry succeeds once
    the other has committed, and the movement is counted once.
    """
    from app.data.uow import _ADVISORY_LOCK_KEY

    db = Database(pg_url)
    try:
        upgrade(db)
        shelter = _shelter(db)
        service = MovementService(db)
        conninfo = pg_url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo) as other:
            other.execute("SET deadlock_timeout = '20s'")  # so that ours detects the cycle
            other.execute("SELECT pg_advisory_xact_lock(%s)", (_ADVISORY_LOCK_KEY,))
            result: list[int | BaseException] = []

            def record() -> None:
                try:
                    result.append(service.record_occupancy(shelter, 1, actor=ACTOR, site=SITE))
                except BaseException as exc:  # noqa: BLE001 - reported by the assert below
                    result.append(exc)

            worker = threading.Thread(target=record)
            worker.start()
            deadline = time.monotonic() + 10
            while not other.execute(  # wait until ours queues on the change_log lock
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()[0]:  # type: ignore[index]
                assert time.monotonic() < deadline
                time.sleep(0.02)
            other.execute("SELECT id FROM shelter WHERE id = %s FOR UPDATE", (shelter,))
            other.commit()
            worker.join(20)
        assert result == [1]
        assert service.retries == 1
        assert service.occupancy(shelter) == 1
        assert _logged(db, "shelter_occupancy_movement") == 1
    finally:
        db.dispose()


def test_only_transient_errors_are_retried(migrated_db: Database) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    serialization = OperationalError("SELECT 1", {}, psycopg.errors.SerializationFailure("x"))
    deadlock = OperationalError("SELECT 1", {}, psycopg.errors.DeadlockDetected("x"))
    unique = IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("x"))
    assert is_transient(serialization) and is_transient(deadlock)
    assert not is_transient(unique)
    assert not is_transient(RuntimeError("database is locked"))

    service = MovementService(migrated_db, sleep=lambda _s: None)
    failures = [serialization, deadlock]
    attempts: list[int] = []

    def flaky(_uow: UnitOfWork) -> int:
        attempts.append(1)
        if failures:
            raise failures.pop(0)
        return 42

    assert service._run(flaky, actor=ACTOR, site=SITE) == 42
    assert len(attempts) == 3 and service.retries == 2

    def broken(_uow: UnitOfWork) -> int:
        attempts.append(1)
        raise unique

    attempts.clear()
    with pytest.raises(DatabaseProblem) as refused:
        service._run(broken, actor=ACTOR, site=SITE)
    assert refused.value.kind is ProblemKind.CONSTRAINT
    assert isinstance(refused.value.__cause__, IntegrityError)
    assert len(attempts) == 1


# -- exact totals under concurrency ---------------------------------------------------
WORKER = r"""
import json, sys, time, uuid
from collections import Counter
from app.data.engine import Database
from app.domain.enums import StockMovementKind
from app.domain.rules import RuleViolation
from app.services.movements import MovementService

url, what, name = sys.argv[1], sys.argv[2], sys.argv[5]
target, n = uuid.UUID(sys.argv[3]), int(sys.argv[4])
db = Database(url)
service = MovementService(db)
service.occupancy(target) if what == "occupancy" else service.stock(target)  # connect first
print("ready", flush=True)
sys.stdin.readline()  # everyone starts together
values, refused, errors = [], Counter(), []
first = time.time()
for _ in range(n):
    try:
        if what == "occupancy":
            values.append(service.record_occupancy(target, 1, actor=name, site="load"))
        else:
            values.append(
                service.record_stock(target, StockMovementKind.ISSUE, 1, actor=name, site="load")
            )
    except RuleViolation as exc:
        refused[exc.code] += 1
    except Exception as exc:
        errors.append(repr(exc))
last = time.time()
db.dispose()
print(json.dumps({"values": values, "refused": refused, "errors": errors,
                  "first": first, "last": last, "retries": service.retries}), flush=True)
"""


def _run_workers(db: Database, what: str, target: uuid.UUID) -> list[dict[str, Any]]:
    url = db.url.render_as_string(hide_password=False)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, what, str(target), str(PER_PROCESS), f"p{i}"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = read_line(proc.stdout, 120, "ready")
            assert line.strip() == "ready", proc.communicate(timeout=30)[1]
        for proc in procs:  # the go signal, as close together as possible
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)
    reports = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "database is locked" not in err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    # The processes really ran at the same time.
    assert max(r["first"] for r in reports) < min(r["last"] for r in reports)
    for r in reports:
        assert r["errors"] == [], r["errors"]
    took = max(r["last"] for r in reports) - min(r["first"] for r in reports)
    print(
        f"\n{db.backend} {what}: {PROCESSES}x{PER_PROCESS} in {took:.2f} s, "
        f"retries {[r['retries'] for r in reports]}"
    )
    return reports


def test_occupancy_exact_under_concurrency(migrated_db: Database) -> None:
    shelter = _shelter(migrated_db, capacity=100_000)
    reports = _run_workers(migrated_db, "occupancy", shelter)
    total = PROCESSES * PER_PROCESS
    values = [v for r in reports for v in r["values"]]
    # Every call saw a different occupancy: the check and the insert were one step each time.
    assert sorted(values) == list(range(1, total + 1))
    assert all(r["refused"] == {} for r in reports)
    assert MovementService(migrated_db).occupancy(shelter) == total
    assert _rows(migrated_db, ShelterOccupancyMovement) == total
    assert _logged(migrated_db, "shelter_occupancy_movement") == total


def test_stock_floor_holds_under_concurrency(migrated_db: Database) -> None:
    """2000 issues of 1 against 1500 on hand: exactly 1500 go out, 500 are refused."""
    item = _stock_item(migrated_db)
    on_hand = 1500
    MovementService(migrated_db).record_stock(
        item, StockMovementKind.RECEIPT, on_hand, actor=ACTOR, site=SITE
    )
    reports = _run_workers(migrated_db, "stock", item)
    values = [v for r in reports for v in r["values"]]
    assert sorted(values) == [float(v) for v in range(on_hand)]
    refused = sum((Counter(r["refused"]) for r in reports), Counter())
    assert refused == {"stock.negative": PROCESSES * PER_PROCESS - on_hand}
    assert MovementService(migrated_db).stock(item) == 0
    assert _rows(migrated_db, StockMovement) == on_hand + 1
    assert _logged(migrated_db, "stock_movement") == on_hand + 1
