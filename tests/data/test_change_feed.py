"""The change feed delivers every committed change once, in order, also across processes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import Township
from app.data.uow import ChangeRecord, UnitOfWork
from app.live.feed import LISTENER_APP_NAME, ChangeListener, latest_seq, read_changes

ROOT = Path(__file__).resolve().parents[2]


class Collector:
    def __init__(self) -> None:
        self.records: list[ChangeRecord] = []
        self.states: list[bool] = []
        self.lock = threading.Lock()

    def on_changes(self, batch: list[ChangeRecord]) -> None:
        with self.lock:
            self.records.extend(batch)

    def on_state(self, ok: bool, _exc: BaseException | None) -> None:
        with self.lock:
            self.states.append(ok)

    def wait_for(self, n: int, timeout: float = 5.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                if len(self.records) >= n:
                    return
            time.sleep(0.01)
        raise AssertionError(f"got {len(self.records)} changes, expected {n}")


def _add_township(db: Database, code: str) -> int:
    with UnitOfWork(db, actor="t", site="s") as uow:
        uow.session.add(Township(code=code, name=f"镇{code}", kind="town"))
        seq = uow.commit().last_seq
    assert seq is not None
    return seq


@pytest.fixture
def listened(migrated_db: Database) -> tuple[Database, Collector, ChangeListener]:
    collector = Collector()
    listener = ChangeListener(
        migrated_db, latest_seq(migrated_db), collector.on_changes, collector.on_state
    )
    listener.start()
    yield migrated_db, collector, listener
    listener.stop()


def test_changes_arrive_in_order_exactly_once(
    listened: tuple[Database, Collector, ChangeListener],
) -> None:
    db, collector, _listener = listened
    writer = Database(db.url)  # another engine, as another seat would have
    try:
        started = time.monotonic()
        seqs = [_add_township(writer, str(i)) for i in range(20)]
        collector.wait_for(20)
        assert time.monotonic() - started < 2.0
    finally:
        writer.dispose()
    assert [r.seq for r in collector.records] == seqs
    assert all(r.entity_type == "township" for r in collector.records)


def test_changes_from_another_process(listened: tuple[Database, Collector, ChangeListener]) -> None:
    db, collector, _listener = listened
    url = db.url.render_as_string(hide_password=False)
    script = (
        "import sys; from app.data.engine import Database; from app.data.uow import UnitOfWork;"
        "from app.data.models import Township; db = Database(sys.argv[1]);\n"
        "for i in range(5):\n"
        "    with UnitOfWork(db, actor='p', site='other') as u:\n"
        "        u.session.add(Township(code=f'p{i}', name=f'p{i}', kind='town')); u.commit()\n"
    )
    subprocess.run([sys.executable, "-c", script, url], cwd=ROOT, check=True, timeout=60)
    collector.wait_for(5)
    assert len(collector.records) == 5


def test_catch_up_reads_only_what_is_newer(migrated_db: Database) -> None:
    first = _add_township(migrated_db, "a")
    second = _add_township(migrated_db, "b")
    assert [r.seq for r in read_changes(migrated_db, first)] == [second]
    assert read_changes(migrated_db, second) == []


@pytest.mark.postgres
def test_postgres_listener_recovers_and_catches_up(pg_url: URL) -> None:
    db = Database(pg_url)
    upgrade(db)
    collector = Collector()
    listener = ChangeListener(db, 0, collector.on_changes, collector.on_state)
    listener.start()
    try:
        _add_township(db, "before")
        collector.wait_for(1)
        admin = pg_url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            killed = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = %s",  # not other tests' listeners
                (LISTENER_APP_NAME, pg_url.database),
            ).fetchall()
        assert killed, "the listener's connection was found"
        _add_township(db, "during")  # NOTIFY for this one may be lost
        _add_township(db, "after")
        collector.wait_for(3, timeout=10)
        assert False in collector.states and collector.states[-1] is True
    finally:
        listener.stop()
        db.dispose()
    assert len({r.seq for r in collector.records}) == len(collector.records) == 3
