"""Shelter occupancy and stock on hand: signed movements whose sum is the value.

Several seats record people arriving at a shelter or supplies leaving a depot
at the same time, so a movement is never "set the value to N": it is a signed
row, and the value is the sum of the rows. What needs care is the rule check
(no negative occupancy, not above capacity, no negative stock): reading the sum
and inserting the movement must be one atomic step, or two seats could both
see room for the last place and both take it.

- **PostgreSQL**: the unit of work first locks the shelter (or stock item) row
  with ``SELECT ... FOR UPDATE``; every writer of movements for that row queues
  on the lock, and the sum is read *after* the lock is granted (READ COMMITTED
  takes a new snapshot per statement, so it includes everything the previous
  holder committed). The lock is taken before the unit of work's change_log
  advisory lock, the same order every unit of work uses (row locks while
  flushing, the advisory lock at commit), so the two cannot deadlock.
- **SQLite**: the unit of work starts with ``BEGIN IMMEDIATE``, which takes the
  database's single write lock before the first read; writers are serialised
  by SQLite itself (``FOR UPDATE`` is not rendered there).

Transient failures are retried: a PostgreSQL serialization failure or deadlock
(SQLSTATE 40001 / 40P01) or SQLite's "database is locked" after the busy
timeout. The database has rolled the failed transaction back in each of these
cases, so the whole unit of work (lock, sum, check, insert, change_log) runs
again as a new transaction, up to :data:`RETRIES` more times with a short,
jittered backoff; nothing is applied twice. A movement keeps the same primary
key on every attempt, so even a commit that did succeed could not be inserted
a second time. Other errors (a lost connection, for which we cannot know
whether the commit happened) are not retried. After the last attempt the error
goes out classified like every other unit of work's
(:class:`~app.data.errors.DatabaseProblem`, e.g. ``LOCKED``).

On SQLite each attempt first waits out the busy timeout (5 s by default), so a
file held by another program for good is reported after about 4 x 5 s; in the
ordinary case (several seats writing short transactions) the busy timeout
alone absorbs the waiting and no retry happens at all. The caller runs these
methods off the GUI thread, as every database call.
"""

from __future__ import annotations

import logging
import math
import random
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import classify
from app.data.models import (
    Incident,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.enums import StockMovementKind
from app.domain.intake import CLOCK_SKEW
from app.domain.rules import RuleViolation
from app.services.access import require

log = logging.getLogger(__name__)

T = TypeVar("T")

# A transient failure is retried this many times (so at most RETRIES + 1 attempts).
RETRIES = 3
# Base pause before retry n (seconds); each is jittered by x0.5 .. x1.5 so that
# seats that collided do not collide again in step.
BACKOFF_S = (0.02, 0.08, 0.25)

# PostgreSQL SQLSTATEs after which the transaction was rolled back and may simply run again.
_PG_TRANSIENT = frozenset({"40001", "40P01"})  # serialization_failure, deadlock_detected
_SQLITE_BUSY = 5  # primary result code; extended codes (BUSY_SNAPSHOT, ...) share the low byte

NOTE_MAX = 256
# Numeric(14, 2): quantities are kept to the hundredth, below 10^12.
STOCK_MAX = 1e12
_ADDS = frozenset(
    {StockMovementKind.RECEIPT, StockMovementKind.ROTATION, StockMovementKind.TRANSFER_IN}
)
_SUBTRACTS = frozenset(
    {
        StockMovementKind.ISSUE,
        StockMovementKind.ALLOCATION,
        StockMovementKind.TRANSFER_OUT,
        StockMovementKind.WRITE_OFF,
    }
)


def is_transient(exc: BaseException) -> bool:
    """True for a failure after which the transaction was rolled back and may run again.

    Looks through the exception, SQLAlchemy's wrapped driver error (``orig``)
    and the chain of causes (the unit of work re-raises driver errors as
    :class:`~app.data.errors.DatabaseProblem` ``from`` the original).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (current, getattr(current, "orig", None)):
            if candidate is None:
                continue
            if getattr(candidate, "sqlstate", None) in _PG_TRANSIENT:
                return True
            if isinstance(candidate, sqlite3.OperationalError):
                code = getattr(candidate, "sqlite_errorcode", None)
                if isinstance(code, int) and code & 0xFF == _SQLITE_BUSY:
                    return True
        current = current.__cause__ or current.__context__
    return False


def stock_delta(kind: StockMovementKind, quantity: float) -> float:
    """The signed change of a stock movement, to the hundredth.

    Receipts, rotations and the incoming half of a transfer add; issues,
    allocations, write-offs and the outgoing half of a transfer subtract
    (``quantity`` is given positive); an adjustment carries its own sign.
    """
    if isinstance(quantity, bool) or not math.isfinite(quantity):
        raise RuleViolation("stock.quantity", repr(quantity))
    amount = round(float(quantity), 2)
    if abs(amount) >= STOCK_MAX:
        raise RuleViolation("stock.quantity", f"{quantity} is too large")
    kind = StockMovementKind(kind)
    if kind is StockMovementKind.ADJUSTMENT:
        if amount == 0:
            raise RuleViolation("stock.quantity", "an adjustment of zero")
        return amount
    if amount <= 0:
        raise RuleViolation("stock.quantity", f"{quantity} must be positive for {kind.value}")
    if kind in _ADDS:
        return amount
    if kind in _SUBTRACTS:
        return -amount
    raise RuleViolation("stock.kind", kind.value)  # pragma: no cover - every kind is above


def _note(note: str) -> str | None:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise RuleViolation("movement.note_too_long", f"{len(note)} > {NOTE_MAX}")
    return note or None


class MovementService:
    """Records occupancy and stock movements, refusing those that break the rules.

    Each ``record_*`` call is one unit of work (one transaction, one change_log
    row for the movement), retried on transient failures (see the module).
    ``retries`` counts the retries this instance made, for diagnostics.
    """

    def __init__(self, db: Database, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._db = db
        self._sleep = sleep
        self.retries = 0

    # -- reads ----------------------------------------------------------------
    def occupancy(self, shelter_id: uuid.UUID) -> int:
        """People in the shelter now (0 for a shelter without movements)."""
        with self._db.read_session() as s:
            return self._occupancy(s, shelter_id)

    def stock(self, item_id: uuid.UUID) -> float:
        """Quantity of the item on hand now, to the hundredth."""
        with self._db.read_session() as s:
            return self._stock(s, item_id)

    @staticmethod
    def _occupancy(session: Session, shelter_id: uuid.UUID) -> int:
        total = session.scalar(
            select(func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0)).where(
                ShelterOccupancyMovement.shelter_id == shelter_id
            )
        )
        return int(total or 0)

    @staticmethod
    def _stock(session: Session, item_id: uuid.UUID) -> float:
        total = session.scalar(
            select(func.coalesce(func.sum(StockMovement.delta), 0)).where(
                StockMovement.item_id == item_id
            )
        )
        return round(float(total or 0), 2)

    # -- writes ---------------------------------------------------------------
    def record_occupancy(
        self,
        shelter_id: uuid.UUID,
        delta: int,
        *,
        actor: str,
        site: str,
        note: str = "",
        at: datetime | None = None,
    ) -> int:
        """People in (``delta`` > 0) or out (< 0) of a shelter; returns the new occupancy.

        ``at`` is when they came or left (a record typed after the fact);
        without it, now by the database's clock.

        Refused with :class:`RuleViolation`: ``occupancy.delta`` (zero or not an
        integer), ``time.naive`` / ``time.future`` (``at`` without a time zone, or
        later than now beyond the clock skew between seats), ``shelter.unknown``,
        ``shelter.closed`` (people in, shelter closed), ``occupancy.over_capacity``
        (people in beyond the capacity), ``occupancy.negative`` (more people out
        than are in). People may always leave a closed shelter or one whose
        capacity was lowered below its occupancy, as long as the occupancy stays
        at 0 or above. The rules hold for the total now, whatever ``at`` says.
        """
        require(self._db, Action.RECORD_MOVEMENT)
        if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
            raise RuleViolation("occupancy.delta", repr(delta))
        row = {
            "id": uuid.uuid4(),  # the same on every attempt: never inserted twice
            "shelter_id": shelter_id,
            "delta": delta,
            "actor": actor,
            "note": _note(note),
            "at": self._movement_time(at),
        }

        def attempt(uow: UnitOfWork) -> int:
            session = uow.session
            shelter = session.execute(
                select(Shelter.capacity, Shelter.is_open)
                .where(Shelter.id == shelter_id)
                .with_for_update()
            ).first()
            if shelter is None:
                raise RuleViolation("shelter.unknown", str(shelter_id))
            if delta > 0 and not shelter.is_open:
                raise RuleViolation("shelter.closed", str(shelter_id))
            current = self._occupancy(session, shelter_id)
            new = current + delta
            if new < 0:
                raise RuleViolation("occupancy.negative", f"{current} {delta:+d}")
            if delta > 0 and new > shelter.capacity:
                raise RuleViolation(
                    "occupancy.over_capacity", f"{current} {delta:+d} > {shelter.capacity}"
                )
            uow.bulk_insert(ShelterOccupancyMovement, [dict(row)])
            uow.commit()
            return new

        return self._run(attempt, actor=actor, site=site)

    def record_stock(
        self,
        item_id: uuid.UUID,
        kind: StockMovementKind,
        quantity: float,
        *,
        actor: str,
        site: str,
        incident_id: uuid.UUID | None = None,
        note: str = "",
    ) -> float:
        """A stock movement of one item; returns the new quantity on hand.

        ``quantity`` is positive; the sign comes from ``kind`` (see
        :func:`stock_delta`), except for an adjustment, which may be either.
        Refused with :class:`RuleViolation`: ``stock.quantity``,
        ``stock.unknown_item``, ``stock.unknown_incident``, ``stock.negative``
        (more out than is on hand).
        """
        require(self._db, Action.RECORD_MOVEMENT)
        delta = stock_delta(kind, quantity)
        row = {
            "id": uuid.uuid4(),  # the same on every attempt: never inserted twice
            "item_id": item_id,
            "kind": StockMovementKind(kind).value,
            "delta": delta,
            "incident_id": incident_id,
            "actor": actor,
            "note": _note(note),
        }

        def attempt(uow: UnitOfWork) -> float:
            session = uow.session
            found = session.execute(
                select(StockItem.id).where(StockItem.id == item_id).with_for_update()
            ).first()
            if found is None:
                raise RuleViolation("stock.unknown_item", str(item_id))
            if incident_id is not None and (
                session.scalar(select(Incident.id).where(Incident.id == incident_id)) is None
            ):
                raise RuleViolation("stock.unknown_incident", str(incident_id))
            current = self._stock(session, item_id)
            new = round(current + delta, 2)
            if new < 0:
                raise RuleViolation("stock.negative", f"{current} {delta:+}")
            uow.bulk_insert(StockMovement, [dict(row)])
            uow.commit()
            return new

        return self._run(attempt, actor=actor, site=site)

    def _movement_time(self, at: datetime | None) -> datetime:
        now = self._db.clock()
        if at is None:
            return now
        if at.tzinfo is None or at.utcoffset() is None:
            raise RuleViolation("time.naive", "a time without a timezone")
        if at > now + CLOCK_SKEW:
            raise RuleViolation("time.future", at.isoformat())
        return at

    # -- the retry loop ---------------------------------------------------------
    def _run(self, attempt: Callable[[UnitOfWork], T], *, actor: str, site: str) -> T:
        """Run ``attempt`` in a fresh unit of work; again on a transient failure.

        A failed attempt's transaction is rolled back (by the database, and by
        the unit of work when it leaves its ``with`` block) before the next one.
        ``attempt`` must commit; it locks what it checks (see the module) and
        may raise :class:`RuleViolation`, which is never retried. Other
        services that move stock (:class:`~app.services.stock.StockService`)
        run their units of work through here; each public caller asks
        ``require`` first.
        """
        for number in range(RETRIES + 1):
            try:
                with UnitOfWork(self._db, actor=actor, site=site) as uow:
                    return attempt(uow)
            except RuleViolation:
                raise
            except Exception as exc:
                if number >= RETRIES or not is_transient(exc):
                    problem = classify(exc)
                    if problem is None or problem is exc:
                        raise
                    raise problem from exc
                pause = BACKOFF_S[min(number, len(BACKOFF_S) - 1)] * random.uniform(0.5, 1.5)
                log.info(
                    "transient database failure, retry %d in %.3f s: %s", number + 1, pause, exc
                )
                self.retries += 1
                self._sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover
