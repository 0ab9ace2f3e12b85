"""The audit trail on a big change log: checking the hash chain, and one sign-in.

    .venv/bin/python benchmarks/audit.py [--db URL] [--rows 1000000]

Without ``--db`` a new SQLite file in a temporary folder; with ``--db`` an
*empty* database (it is migrated here). The fill writes ``--rows`` change-log
entries that form a valid chain: a realistic mix of row changes (with their
before/after detail), sign-ins and refusals by a few dozen people at several
seats over a year, each sealed with :func:`app.domain.audit.seal` and inserted
in large batches straight through the driver (set-up only: the unit of work
would take hours for a million commits; not measured). Then:

- ``verify_1m_s``: ``AuditService(db).verify()`` over the whole log, once
  (what ``main.py audit verify`` does);
- ``sign_in_ms``: ``AccessService.sign_in`` with the right password (argon2id
  check, the credential read, the ``sign_in`` entry appended to the chain),
  median of 5.

Progress goes to stderr; the last line on stdout is
``RESULT verify_1m_s=<seconds> sign_in_ms=<ms> rows=<n>``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import ChangeLog, Credential, Staff
from app.data.uow import UnitOfWork
from app.domain.access import Role
from app.domain.audit import GENESIS, SealedFields, seal
from app.services.access import AccessService, hash_secret
from app.services.audit import AuditService

BATCH = 50_000
PASSWORD = "Bench-2026x"
START = datetime(2025, 12, 1, tzinfo=UTC)
PEOPLE = [
    "王芳", "李明", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周杰", "吴敏",
    "徐强", "孙燕", "马超", "朱琳", "胡军", "郭涛", "何平", "高峰", "林娜", "罗斌",
]  # fmt: skip
SEATS = [("center", "席位1"), ("center", "席位2"), ("center", "席位3"), ("vehicle-1", "指挥车")]
ROLES = ["officer", "leader,officer", "commander,leader", "admin", "viewer"]
ENTITIES = [
    "incident", "incident_log_entry", "shelter_occupancy_movement", "stock_movement",
    "duty_assignment", "handover", "staff", "township", "incident_statistics",
]  # fmt: skip
WORDS = ["龙城镇民房起火", "黄口镇内涝", "救援队已到达现场", "群众已转移至安置点", "道路已封闭绕行"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def entries(n: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    """``n`` change-log entries in time order (unsealed)."""
    people = [(name, uuid.uuid4()) for name in PEOPLE]
    step = timedelta(days=365) / max(n, 1)
    for k in range(n):
        name, person = people[rng.randrange(len(people))]
        site, seat = SEATS[rng.randrange(len(SEATS))]
        roll = rng.random()
        if roll < 0.03:
            entity, op = "access", "sign_in"
            detail: dict[str, Any] | None = {"with": "pin" if roll < 0.01 else "password"}
            entity_id = person
        elif roll < 0.035:
            entity, op = "access", "refused"
            detail = {"action": "edit_rules", "roles": "officer"}
            entity_id = person
        else:
            entity = ENTITIES[rng.randrange(len(ENTITIES))]
            op = "insert" if roll < 0.7 else "update" if roll < 0.97 else "delete"
            text = WORDS[rng.randrange(len(WORDS))]
            detail = (
                {"body": [None, f"{text}（{k}）"], "kind": [None, "note"], "actor": [None, name]}
                if op == "insert"
                else {
                    "status": ["handling", "closed"],
                    "closed_at": [None, f"2026-{k % 12 + 1:02d}"],
                }
                if op == "update"
                else {"name": [text, None]}
            )
            entity_id = uuid.uuid4()
        program = rng.random() < 0.01
        yield {
            "entity_type": entity,
            "entity_id": entity_id,
            "op": op,
            "actor": "系统" if program else name,
            "actor_id": None if program else person,
            "role": "" if program else ROLES[rng.randrange(len(ROLES))],
            "at": START + step * k,
            "origin_site": site,
            "workstation": "" if program else seat,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        }


def fill(db: Database, n: int, rng: random.Random) -> None:
    """``n`` sealed entries, inserted through the driver in batches of BATCH."""
    columns = (
        "entity_type", "entity_id", "op", "actor", "actor_id", "role", "at",
        "origin_site", "workstation", "detail", "hash",
    )  # fmt: skip
    previous = GENESIS
    batch: list[tuple[Any, ...]] = []
    done = 0
    t = time.perf_counter()
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        for row in entries(n, rng):
            previous = seal(previous, SealedFields(**row))
            batch.append(_stored(db, row, previous))
            if len(batch) == BATCH:
                _write(db, cur, columns, batch)
                raw.commit()
                done += len(batch)
                batch = []
                log(f"  fill: {done:,} / {n:,} ({time.perf_counter() - t:.0f} s)")
        if batch:
            _write(db, cur, columns, batch)
            raw.commit()
        cur.close()
    finally:
        raw.close()


def _stored(db: Database, row: dict[str, Any], hash_: str) -> tuple[Any, ...]:
    """A row as the program's column types store it on this backend."""
    if db.is_sqlite:
        return (
            row["entity_type"],
            row["entity_id"].hex,
            row["op"],
            row["actor"],
            row["actor_id"].hex if row["actor_id"] else None,
            row["role"],
            row["at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
            row["origin_site"],
            row["workstation"],
            row["detail"],
            hash_,
        )
    return (*(row[k] for k in row), hash_)


def _write(db: Database, cur: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    if db.is_sqlite:
        cur.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" for _ in columns)
        cur.executemany(f"INSERT INTO change_log ({names}) VALUES ({marks})", rows)
        return
    with cur.copy(f"COPY change_log ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def person_with_password(db: Database) -> uuid.UUID:
    """Someone who can sign in: an officer with a password (set up by the program)."""
    with UnitOfWork(db, actor="bench", site="bench") as uow:
        person = Staff(name="基准测试员", role="officer")
        uow.session.add(person)
        uow.session.flush()
        uow.session.add(
            Credential(
                staff_id=person.id,
                password_hash=hash_secret(PASSWORD),
                must_change=False,
                failed_attempts=0,
            )
        )
        uow.commit()
    AccessService(db).grant(person.id, Role.OFFICER, "基准测试")
    return person.id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="xcc-bench-")
    url = args.db or f"sqlite+pysqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    db = Database(make_url(url))
    try:
        upgrade(db)
        with db.read_session() as s:
            if s.scalar(select(func.count()).select_from(ChangeLog)):
                raise SystemExit("the database must be empty (its change log is not)")
        t = time.perf_counter()
        fill(db, args.rows, random.Random(20261129))
        staff_id = person_with_password(db)  # three more entries, through the program
        if not db.is_sqlite:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE change_log")
        log(f"fill: {args.rows:,} entries in {time.perf_counter() - t:.1f} s ({db.backend})")

        audit = AuditService(db)
        t = time.perf_counter()
        result = audit.verify()
        verify_s = time.perf_counter() - t
        if not result.ok:
            raise SystemExit(f"the chain does not hold: {result.broken}")
        log(f"verify: {result.checked:,} entries in {verify_s:.2f} s")

        access = AccessService(db)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            access.sign_in(staff_id, PASSWORD, site="bench", workstation="bench")
            times.append((time.perf_counter() - t) * 1000)
        log(f"sign-in: {[round(x) for x in times]} ms")
        after = audit.verify()
        if not after.ok or after.checked != result.checked + 5:
            raise SystemExit(f"the sign-ins did not extend the chain: {after}")
        print(
            f"RESULT verify_1m_s={verify_s:.1f} sign_in_ms={statistics.median(times):.0f} "
            f"rows={result.checked}"
        )
    finally:
        db.dispose()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
