"""A packet's apply killed half-way leaves the database as it was; applying it again completes.

A child process applies a packet of thousands of changes and is killed with
SIGKILL while it is inside the apply's transaction, after its first inserts
(it signals when it got there and then waits to be killed). The database
(the center: SQLite, or PostgreSQL, which rolls back the dead client's
transaction) must hold exactly what it held before, and the same packet,
applied again, must bring every change.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.data.engine import Database
from app.data.models import ChangeLog, Incident, IncidentLogEntry, ShelterOccupancyMovement
from app.data.uow import UnitOfWork
from app.sync.service import SyncService
from tests.helpers.processes import read_line
from tests.sync.conftest import START, dump, fresh_center, seed, vehicle_from

ROOT = Path(__file__).resolve().parents[2]
MOVEMENTS = 3000
LOG_ENTRIES = 3000

# The child: apply the packet; once the records are written (the apply reports
# 70 % after writing them, before the change log and the commit) say so and
# wait to be killed.
CHILD = """
import sys, time
from pathlib import Path
from sqlalchemy.engine import make_url
from app.data.engine import Database
from app.sync.service import SyncService

db = Database(make_url(sys.argv[1]))

def progress(done, total):
    if total and done >= 0.7 * total:
        print("inside", flush=True)
        while True:
            time.sleep(1)

SyncService(db).apply_packet_file(Path(sys.argv[2]), progress=progress)
print("done", flush=True)
"""


def change_count(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(ChangeLog)) or 0)


def big_packet(center: Database, folder: Path) -> tuple[Path, Database, int]:
    """A vehicle's packet of thousands of changes for ``center``: its path, the
    vehicle and the number of changes."""
    ids = seed(center)
    vehicle = vehicle_from(center, folder, "一号车")
    incident = uuid.uuid4()
    clock = vehicle.clock
    with UnitOfWork(vehicle, actor="前方", site="车载") as uow:
        uow.session.add(
            Incident(
                id=incident,
                title="黄口镇堤坝管涌",
                category="natural",
                incident_type="flood",
                severity="III",
                status="handling",
                received_at=START,
                source="phone",
            )
        )
        uow.session.flush()
        uow.bulk_insert(
            ShelterOccupancyMovement,
            [
                {
                    "shelter_id": ids["s1" if i % 2 else "s2"],
                    "delta": -1 if i // 2 % 2 else 1,  # people in and out, never over capacity
                    "at": clock(),
                    "actor": "前方",
                }
                for i in range(MOVEMENTS)
            ],
        )
        uow.bulk_insert(
            IncidentLogEntry,
            [
                {
                    "incident_id": incident,
                    "kind": "note",
                    "body": f"第 {i} 条现场记录",
                    "at": clock(),
                    "actor": "前方",
                    "created_at": clock(),
                }
                for i in range(LOG_ENTRIES)
            ],
        )
        changes = len(uow.commit())
    path = folder / "big.xccsync"
    written = SyncService(vehicle).write_packet(path)
    assert written.changes == changes == 1 + MOVEMENTS + LOG_ENTRIES
    return path, vehicle, changes


def kill_inside_apply(url: str, packet: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(packet)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        line = read_line(child.stdout, 120, "inside").strip()
        assert line == "inside", f"the child did not reach the apply: {line!r} {child.stderr}"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_apply_killed_midway_changes_nothing_and_completes_on_retry(
    backend: str, tmp_path: Path
) -> None:
    center, drop = fresh_center(backend, tmp_path)
    vehicle: Database | None = None
    try:
        packet, vehicle, changes = big_packet(center, tmp_path)
        before, entries = dump(center), change_count(center)
        url = center.engine.url.render_as_string(hide_password=False)
        center.dispose()  # the child is the only one at work

        kill_inside_apply(url, packet)

        assert dump(center) == before
        assert change_count(center) == entries
        if backend == "sqlite":
            with center.engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"

        result = SyncService(center).apply_packet_file(packet)
        assert (result.new_changes, result.known_changes) == (changes, 0)
        assert result.inserted == changes
        assert change_count(center) == entries + changes + 1  # and the note of the apply
        after, field = dump(center), dump(vehicle)
        for table in ("shelter_occupancy_movement", "incident_log_entry", "incident"):
            assert after[table] == field[table]
        assert SyncService(center).apply_packet_file(packet).already_applied
    finally:
        if vehicle is not None:
            vehicle.dispose()
        drop()
