"""A PostgreSQL connection cut in the middle of a session: nothing lost, nothing doubled.

The program talks to the database through a TCP proxy on loopback
(``tests/helpers/tcp_proxy.py``); the tests cut and restore it, or lose one
answer on its way back, and write "from another seat" over a direct
connection meanwhile.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind
from app.data.migrate import upgrade
from app.data.models import ChangeLog, Incident, IncidentLogEntry, Township
from app.data.uow import ChangeRecord, UnitOfWork
from app.domain.intake import IncidentDraft
from app.live.feed import LISTENER_APP_NAME, ChangeListener, latest_seq
from app.services.incidents import IncidentService, _add_incident
from tests.helpers.tcp_proxy import LOOPBACK_HOSTS, TcpProxy

pytestmark = pytest.mark.postgres

NOW = datetime.now(UTC)
# The listener waits this long for a NOTIFY before it looks anyway (feed.PG_WAIT_S).
POLL_FALLBACK_S = 0.5
# A refused connection must be reported quickly, not after a timeout.
FAIL_FAST_S = 3.0


class Collector:
    """What a ChangeListener reports, with the time each report arrived."""

    def __init__(self) -> None:
        self.records: list[ChangeRecord] = []
        self.arrived: dict[int, float] = {}  # seq -> time.monotonic() of delivery
        self.states: list[tuple[bool, float]] = []
        self._cond = threading.Condition()

    def on_changes(self, batch: list[ChangeRecord]) -> None:
        now = time.monotonic()
        with self._cond:
            self.records.extend(batch)
            for record in batch:
                self.arrived[record.seq] = now
            self._cond.notify_all()

    def on_state(self, ok: bool, _exc: BaseException | None) -> None:
        with self._cond:
            self.states.append((ok, time.monotonic()))
            self._cond.notify_all()

    def wait_state(self, ok: bool, timeout: float) -> float:
        """The time the listener last reported ``ok``; waits for it."""
        with self._cond:
            done = self._cond.wait_for(
                lambda: bool(self.states) and self.states[-1][0] is ok, timeout
            )
            assert done, f"listener state is {self.states}, expected {ok}"
            return self.states[-1][1]

    def wait_seq(self, seq: int, timeout: float) -> float:
        with self._cond:
            assert self._cond.wait_for(lambda: seq in self.arrived, timeout), (
                f"seq {seq} not delivered; got {[r.seq for r in self.records]}"
            )
            return self.arrived[seq]


def _add_township(db: Database, code: str) -> int:
    with UnitOfWork(db, actor="seat-2", site="seat-2") as uow:
        uow.session.add(Township(code=code, name=f"镇{code}", kind="town"))
        seq = uow.commit().last_seq
    assert seq is not None
    return seq


def _draft(title: str = "某村民房屋倒塌") -> IncidentDraft:
    return IncidentDraft(
        title=title,
        category="natural",
        incident_type="rainstorm",
        severity="IV",
        source="phone",
        received_at=NOW - timedelta(minutes=3),
        address="某村",
    )


def _incident_rows(db: Database, incident_id: uuid.UUID) -> tuple[int, int, int]:
    """(incidents, log entries, change_log rows) for one incident."""
    with db.read_session() as s:
        incidents = s.scalar(select(func.count()).where(Incident.id == incident_id))
        entries = s.scalar(select(func.count()).where(IncidentLogEntry.incident_id == incident_id))
        changes = s.scalar(
            select(func.count()).where(
                ChangeLog.entity_type == "incident", ChangeLog.entity_id == incident_id
            )
        )
    return int(incidents or 0), int(entries or 0), int(changes or 0)


@pytest.fixture
def direct(pg_url: URL) -> Iterator[Database]:
    """The database as another seat sees it: no proxy in between."""
    db = Database(pg_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def proxy(pg_url: URL) -> Iterator[TcpProxy]:
    host = pg_url.host or "127.0.0.1"
    if host not in LOOPBACK_HOSTS:
        pytest.skip(f"the fault proxy forwards to loopback only; the test server is on {host}")
    with TcpProxy(pg_url.port or 5432, host, lifetime_s=120) as p:
        yield p


@pytest.fixture
def proxied(pg_url: URL, proxy: TcpProxy, direct: Database) -> Iterator[Database]:
    """The database as this seat sees it: through the proxy."""
    db = Database(pg_url.set(host="127.0.0.1", port=proxy.port))
    yield db
    db.dispose()


def test_listener_reports_the_cut_listens_again_and_catches_up(
    direct: Database, proxied: Database, proxy: TcpProxy
) -> None:
    collector = Collector()
    listener = ChangeListener(proxied, latest_seq(direct), collector.on_changes, collector.on_state)
    listener.start()
    try:
        collector.wait_state(True, timeout=5)
        before = _notify_latencies(direct, collector, "a")

        cut_at = time.monotonic()
        proxy.cut()
        lost_at = collector.wait_state(False, timeout=FAIL_FAST_S)
        missed = [_add_township(direct, f"cut{i}") for i in range(5)]
        refused_before = proxy.refused
        time.sleep(1.0)  # long enough for the listener to retry through the cut proxy
        assert proxy.refused > refused_before, "the listener tried again while cut"

        restored_at = time.monotonic()
        proxy.restore()
        back_at = collector.wait_state(True, timeout=10)
        caught_up_at = collector.wait_seq(missed[-1], timeout=10)
        _wait_for_listeners(direct, 1)  # the new one; the cut one is gone
        after = _notify_latencies(direct, collector, "b")
    finally:
        listener.stop()

    seqs = [r.seq for r in collector.records]
    assert seqs == sorted(set(seqs)), "every change once, in order"
    assert seqs[len(before) : len(before) + len(missed)] == missed
    assert [ok for ok, _t in collector.states] == [True, False, True]
    # Delivered at once: NOTIFY works again after the reconnect, no 0.5 s polling.
    assert max(before) < POLL_FALLBACK_S / 2, before
    assert max(after) < POLL_FALLBACK_S / 2, after
    print(
        f"\nlost reported {lost_at - cut_at:.3f}s after the cut; reconnected "
        f"{back_at - restored_at:.3f}s and caught up {caught_up_at - restored_at:.3f}s after "
        f"the restore; NOTIFY latency before {_ms(before)}, after {_ms(after)}"
    )


def _notify_latencies(db: Database, collector: Collector, prefix: str) -> list[float]:
    """Commit one change at a time right after the last delivery; how long until delivered.

    The listener has just started waiting then, so without a NOTIFY each would
    take the whole poll fallback (0.5 s).
    """
    latencies = []
    for i in range(5):
        committed = time.monotonic()
        seq = _add_township(db, f"{prefix}{i}")
        latencies.append(collector.wait_seq(seq, timeout=5) - committed)
    return latencies


def _wait_for_listeners(db: Database, expected: int, timeout: float = 3.0) -> None:
    """Until ``expected`` listener connections are open on the database."""
    end = time.monotonic() + timeout
    count = -1
    with psycopg.connect(_conninfo(db), autocommit=True) as conn:
        while time.monotonic() < end:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = %s AND datname = %s",
                (LISTENER_APP_NAME, db.url.database),
            ).fetchone()
            count = row[0] if row else -1
            if count == expected:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} listener connections, expected {expected}")


def _ms(values: list[float]) -> str:
    return "/".join(f"{v * 1000:.0f}" for v in values) + " ms"


def _conninfo(db: Database) -> str:
    return db.url.set(drivername="postgresql").render_as_string(hide_password=False)


def test_recording_while_cut_is_refused_quickly_and_can_be_saved_later(
    direct: Database, proxied: Database, proxy: TcpProxy
) -> None:
    warm = IncidentService(proxied)
    warm.record(_draft("连接正常时"), actor="a", site="s", now=NOW)  # pooled connections exist
    draft = _draft("断线时登记")
    proxy.cut()
    for service in (warm, IncidentService(proxied)):  # the second reads the county first
        started = time.monotonic()
        with pytest.raises(DatabaseProblem) as info:
            service.record(draft, actor="a", site="s", now=NOW)
        assert time.monotonic() - started < FAIL_FAST_S
        assert info.value.kind is ProblemKind.UNREACHABLE
    assert _incident_rows(direct, draft.id) == (0, 0, 0)

    proxy.restore()
    assert warm.record(draft, actor="a", site="s", now=NOW) == draft.id
    assert _incident_rows(direct, draft.id) == (1, 1, 1)


def test_a_save_whose_answer_was_lost_is_not_recorded_twice(
    direct: Database, proxied: Database, proxy: TcpProxy
) -> None:
    service = IncidentService(proxied)
    draft = _draft()
    proxy.lose_reply_after(b"COMMIT")
    with pytest.raises(DatabaseProblem) as info:
        service.record(draft, actor="a", site="s", now=NOW)
    assert info.value.kind is ProblemKind.UNREACHABLE
    assert proxy.reply_lost.is_set()
    assert _incident_rows(direct, draft.id) == (1, 1, 1), "the first save did commit"

    assert service.record(draft, actor="a", site="s", now=NOW) == draft.id
    assert _incident_rows(direct, draft.id) == (1, 1, 1)


def test_saving_the_same_draft_twice_records_it_once(direct: Database) -> None:
    service = IncidentService(direct)
    draft = _draft()
    start = latest_seq(direct)
    assert service.record(draft, actor="a", site="s", now=NOW) == draft.id
    after_first = latest_seq(direct)
    assert service.record(draft, actor="a", site="s", now=NOW) == draft.id
    assert latest_seq(direct) == after_first > start, "the second save wrote nothing"
    assert _incident_rows(direct, draft.id) == (1, 1, 1)


def test_a_save_racing_an_earlier_save_of_the_same_draft_finds_it(
    direct: Database, proxied: Database
) -> None:
    """The first save's transaction is still open when the second one inserts."""
    draft = _draft()
    result: list[uuid.UUID | BaseException] = []

    def second_save() -> None:
        try:
            result.append(IncidentService(proxied).record(draft, actor="b", site="s", now=NOW))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            result.append(exc)

    with UnitOfWork(direct, actor="a", site="s") as first:
        _add_incident(first, draft, None, "a")  # inserted, not yet committed
        thread = threading.Thread(target=second_save, daemon=True)
        thread.start()
        _wait_for_lock_wait(direct)
        first.commit()
    thread.join(10)
    assert result == [draft.id]
    assert _incident_rows(direct, draft.id) == (1, 1, 1)


def _wait_for_lock_wait(db: Database, timeout: float = 5.0) -> None:
    """Until a backend of this database waits for a row lock (the second insert)."""
    end = time.monotonic() + timeout
    with psycopg.connect(_conninfo(db), autocommit=True) as conn:
        while time.monotonic() < end:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND wait_event_type = 'Lock'",
                (db.url.database,),
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the second save never waited for the first one")
