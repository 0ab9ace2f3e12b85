"""The change feed: what other seats (and this one) committed, in sequence order.

``change_log`` is the truth. A listener remembers the last sequence it has
delivered and reads what is newer; a *waker* only decides when to look:

- SQLite: ``PRAGMA data_version`` on a dedicated connection changes whenever
  another connection commits to the file (other processes included), so a
  poll every few tens of milliseconds costs next to nothing.
- PostgreSQL: ``LISTEN xcc_changes``; the unit of work NOTIFYs on commit. A
  notification lost while disconnected does no harm: after reconnecting the
  listener LISTENs again and catches up from its last sequence.

The listener runs on a plain thread and reports through callbacks; the UI
layer turns those into Qt signals. Nothing here imports Qt.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol

from sqlalchemy import select

from app.data.engine import PG_CONNECT_ARGS, Database
from app.data.errors import classify
from app.data.models import ChangeLog
from app.data.uow import NOTIFY_CHANNEL, ChangeRecord
from app.domain.enums import ChangeOp

log = logging.getLogger(__name__)

SQLITE_POLL_S = 0.025
PG_WAIT_S = 0.5
RETRY_S = (0.5, 1.0, 2.0, 5.0)
BATCH = 5000
LISTENER_APP_NAME = "xcc-listener"

ChangesCallback = Callable[[list[ChangeRecord]], None]
StateCallback = Callable[[bool, BaseException | None], None]


def read_changes(db: Database, after_seq: int, limit: int = BATCH) -> list[ChangeRecord]:
    """change_log rows with a sequence greater than ``after_seq``, oldest first."""
    with db.read_session() as s:
        rows = s.execute(
            select(ChangeLog.seq, ChangeLog.entity_type, ChangeLog.entity_id, ChangeLog.op)
            .where(ChangeLog.seq > after_seq)
            .order_by(ChangeLog.seq)
            .limit(limit)
        ).all()
    return [ChangeRecord(seq, etype, eid, ChangeOp(op)) for seq, etype, eid, op in rows]


def latest_seq(db: Database) -> int:
    with db.read_session() as s:
        rows = s.execute(select(ChangeLog.seq).order_by(ChangeLog.seq.desc()).limit(1)).all()
    return int(rows[0][0]) if rows else 0


class Waker(Protocol):
    """Blocks until something may have changed (or a timeout); raises on a lost link."""

    def wait(self, stop: threading.Event) -> None: ...

    def close(self) -> None: ...


class SqliteWaker:
    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, uri=path.startswith("file:")
        )
        self._version = self._data_version()

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def wait(self, stop: threading.Event) -> None:
        while not stop.is_set():
            version = self._data_version()
            if version != self._version:
                self._version = version
                return
            stop.wait(SQLITE_POLL_S)

    def close(self) -> None:
        self._conn.close()


class PostgresWaker:
    def __init__(self, db: Database) -> None:
        import psycopg

        url = db.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        self._conn = psycopg.connect(
            conninfo, autocommit=True, application_name=LISTENER_APP_NAME, **PG_CONNECT_ARGS
        )
        self._conn.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def wait(self, stop: threading.Event) -> None:
        # Any notification (or the timeout) means "look": the payload is only a hint.
        for _ in self._conn.notifies(timeout=PG_WAIT_S, stop_after=1):
            break
        # An idle wait does not notice a dead server by itself; a cheap query does.
        self._conn.execute("SELECT 1")

    def close(self) -> None:
        self._conn.close()


def make_waker(db: Database) -> Waker:
    if db.is_sqlite:
        return SqliteWaker(db.url.database or "")
    return PostgresWaker(db)


class ChangeListener:
    """Delivers every change_log row after ``start_seq`` exactly once, in order.

    ``on_changes`` and ``on_state`` are called on the listener's own thread.
    ``on_state(False, exc)`` reports a lost database; ``on_state(True, None)``
    its return (after which the catch-up delivers what was missed).
    """

    def __init__(
        self,
        db: Database,
        start_seq: int,
        on_changes: ChangesCallback,
        on_state: StateCallback | None = None,
        waker_factory: Callable[[Database], Waker] = make_waker,
    ) -> None:
        self._db = db
        self._last = start_seq
        self._on_changes = on_changes
        self._on_state = on_state or (lambda ok, exc: None)
        self._waker_factory = waker_factory
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._connected: bool | None = None

    @property
    def last_seq(self) -> int:
        return self._last

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="xcc-change-listener", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _set_state(self, ok: bool, exc: BaseException | None = None) -> None:
        if ok != self._connected:
            self._connected = ok
            self._on_state(ok, exc)

    def _catch_up(self) -> None:
        while not self._stop.is_set():
            batch = read_changes(self._db, self._last)
            if not batch:
                return
            self._last = batch[-1].seq
            self._on_changes(batch)
            if len(batch) < BATCH:
                return

    @contextmanager
    def _waker(self) -> Iterator[Waker]:
        waker = self._waker_factory(self._db)
        try:
            yield waker
        finally:
            try:
                waker.close()
            except Exception:
                log.debug("closing the waker failed", exc_info=True)

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                with self._waker() as waker:
                    self._catch_up()  # whatever happened while we were away
                    self._set_state(True)
                    attempt = 0
                    while not self._stop.is_set():
                        waker.wait(self._stop)
                        self._catch_up()
            except Exception as exc:
                if classify(exc) is None:
                    log.exception("change listener failed")
                self._set_state(False, exc)
                delay = RETRY_S[min(attempt, len(RETRY_S) - 1)]
                attempt += 1
                self._stop.wait(delay)
