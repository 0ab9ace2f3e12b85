"""The one write path: a unit of work that appends to change_log in the same transaction.

Usage::

    with UnitOfWork(db, actor="zhang", site="center") as uow:
        uow.session.add(Incident(...))
        changes = uow.commit()

Tracked rows (models with ``__change_entity__``) that are inserted, updated
or deleted are noted at each flush; at commit the unit of work writes one
change_log row per changed entity. On PostgreSQL a transaction-level advisory
lock serialises the appends so that sequence order is commit order (a reader
that has seen sequence N can never later find a committed N-1), and a NOTIFY
carrying the last sequence wakes the other seats when the transaction commits.

A session that is not inside a unit of work refuses to flush tracked changes.

Each change_log row is signed by the operator of the running context
(:func:`~app.domain.identity.current_operator`: person, role, seat), carries
the fields before and after (``detail``, JSON; secrets shown as ``******``)
and is sealed into the hash chain of :mod:`app.domain.audit`: the last entry's
hash is read under the same lock that orders the appends, so the chain
follows commit order on both backends.
"""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, event, func, insert, inspect, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.data.engine import Database
from app.data.errors import ConflictError, DatabaseProblem, ProblemKind, classify
from app.data.models import ChangeLog
from app.domain import hlc
from app.domain.access import format_roles
from app.domain.audit import GENESIS, SealedFields, seal
from app.domain.enums import ChangeOp
from app.domain.identity import Identity, current_operator

M = TypeVar("M")

NOTIFY_CHANNEL = "xcc_changes"
_ADVISORY_LOCK_KEY = 0x5843435F  # "XCC_": serialises change_log appends
# The migration that gave change_log its signature, detail and hash columns. A
# database still at an older revision (only while an older release fills it,
# before the upgrade) gets rows without them; the upgrade seals them.
AUDIT_SINCE = "0008"
# The migration that gave change_log its synchronisation columns (hlc ...).
SYNC_SINCE = "0010"
_WORKSTATION_MAX = 64  # change_log.workstation


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    seq: int
    entity_type: str
    entity_id: uuid.UUID
    op: ChangeOp


@dataclass(frozen=True)
class ChangeSet:
    """What one committed unit of work changed."""

    records: tuple[ChangeRecord, ...] = field(default_factory=tuple)

    def __iter__(self) -> Iterator[ChangeRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last_seq(self) -> int | None:
        return self.records[-1].seq if self.records else None

    def entity_types(self) -> frozenset[str]:
        return frozenset(r.entity_type for r in self.records)

    def ids(self, entity_type: str) -> list[uuid.UUID]:
        return [r.entity_id for r in self.records if r.entity_type == entity_type]


class UnitOfWorkRequired(RuntimeError):
    """A tracked row was written outside a unit of work."""


def _entity_name(obj: Any) -> str | None:
    return getattr(type(obj), "__change_entity__", None)


SECRET_SHOWN = "******"
# Bookkeeping columns every versioned row has: not worth a line in the history.
_QUIET_COLUMNS = frozenset({"id", "version", "created_at", "updated_at"})
Fields = dict[str, list[Any]]  # column -> [before, after]


def _jsonable(value: Any) -> Any:
    """A column value as the history shows it (JSON)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _shown(model: type[Any], column: str, value: Any) -> Any:
    if value is not None and column in getattr(model, "__secret_columns__", ()):
        return SECRET_SHOWN
    return _jsonable(value)


def _row_fields(model: type[Any], values: Mapping[str, Any], *, after: bool) -> Fields:
    """Before/after pairs for a whole row appearing (``after``) or going."""
    out: Fields = {}
    for key, value in values.items():
        if key in _QUIET_COLUMNS or value is None:
            continue
        shown = _shown(model, key, value)
        out[key] = [None, shown] if after else [shown, None]
    return out


def _object_fields(obj: Any, op: ChangeOp) -> Fields:
    """The fields an ORM flush is about to write, with their values before."""
    model = type(obj)
    state = inspect(obj)
    out: Fields = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in _QUIET_COLUMNS:
            continue
        history = state.attrs[key].history
        if op is ChangeOp.UPDATE:
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            out[key] = [_shown(model, key, before), _shown(model, key, after)]
        else:
            value = state.dict.get(key)
            if value is None:
                continue
            shown = _shown(model, key, value)
            out[key] = [None, shown] if op is ChangeOp.INSERT else [shown, None]
    return out


def _merge_fields(pending: dict[tuple[str, uuid.UUID], Fields], key: Any, new: Fields) -> None:
    old = pending.get(key)
    if old is None:  # the usual case: the row's first change in this unit of work
        pending[key] = new
        return
    for column, (before, after) in new.items():
        if column in old:
            old[column][1] = after  # the first "before" stays, the last "after" wins
        else:
            old[column] = [before, after]


@event.listens_for(Session, "before_flush")
def _collect_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    pending: dict[tuple[str, uuid.UUID], ChangeOp] | None = session.info.get("xcc_pending")
    tracked = (
        [(obj, ChangeOp.INSERT) for obj in session.new if _entity_name(obj)]
        + [
            (obj, ChangeOp.UPDATE)
            for obj in session.dirty
            if _entity_name(obj) and session.is_modified(obj, include_collections=False)
        ]
        + [(obj, ChangeOp.DELETE) for obj in session.deleted if _entity_name(obj)]
    )
    if not tracked:
        return
    if pending is None:
        raise UnitOfWorkRequired(
            "tracked rows can only be written inside a UnitOfWork: "
            + ", ".join(sorted({_entity_name(o) or "" for o, _ in tracked}))
        )
    details: dict[tuple[str, uuid.UUID], Fields] = session.info.setdefault("xcc_detail", {})
    for obj, op in tracked:
        if getattr(obj, "id", None) is None:
            obj.id = uuid.uuid4()
        key = (_entity_name(obj) or "", obj.id)
        _note(pending, key, op)
        _merge_fields(details, key, _object_fields(obj, op))


def _note(
    pending: dict[tuple[str, uuid.UUID], ChangeOp], key: tuple[str, uuid.UUID], op: ChangeOp
) -> None:
    previous = pending.get(key)
    if previous is ChangeOp.INSERT and op is ChangeOp.UPDATE:
        return  # still an insert, seen by others for the first time
    if previous is ChangeOp.INSERT and op is ChangeOp.DELETE:
        del pending[key]  # never existed for anyone else
        return
    pending[key] = op


class UnitOfWork:
    """One user action's write: a transaction plus its change_log rows."""

    def __init__(self, db: Database, *, actor: str, site: str) -> None:
        """``actor`` and ``site`` sign the change_log rows when no operator is
        signed in (the program itself); otherwise the operator signs them."""
        self._db = db
        self.operator: Identity | None = current_operator()
        self.actor = self.operator.user if self.operator else actor
        self.site = self.operator.site if self.operator else site
        self._session: Session | None = None
        self._committed = False
        self._events: list[tuple[str, uuid.UUID, ChangeOp, dict[str, Any], Identity | None]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._db.write_session()
        self._session.info["xcc_pending"] = {}
        self._session.info["xcc_detail"] = {}
        self._committed = False
        self._events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self._committed:
                session.rollback()
        finally:
            session.close()
            self._session = None

    def get_current(self, model: type[M], entity_id: uuid.UUID, expected_version: int) -> M:
        """Load a record to change it, refusing if it changed since ``expected_version``.

        The version check is repeated by the UPDATE itself (version_id_col), which
        catches a writer that slips in between this read and the commit.
        """
        obj = self.session.get(model, entity_id)
        name = getattr(model, "__change_entity__", model.__name__)
        if obj is None:
            raise ConflictError(str(name), str(entity_id), "deleted by someone else")
        current = getattr(obj, "version", None)
        if current != expected_version:
            raise ConflictError(
                str(name), str(entity_id), f"version {current}, expected {expected_version}"
            )
        return obj

    def bulk_insert(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """Insert many rows of a tracked model in one statement (imports, set-up).

        Each row gets a UUID here if it has none; change_log gets one row each.
        """
        name: str | None = getattr(model, "__change_entity__", None)
        if name is None:
            raise ValueError(f"{model.__name__} is not a tracked model")
        for row in rows:
            row.setdefault("id", uuid.uuid4())
        if rows:
            self.session.execute(insert(model), rows)
        pending: dict[tuple[str, uuid.UUID], ChangeOp] = self.session.info["xcc_pending"]
        details: dict[tuple[str, uuid.UUID], Fields] = self.session.info["xcc_detail"]
        for row in rows:
            pending[(name, row["id"])] = ChangeOp.INSERT
            _merge_fields(details, (name, row["id"]), _row_fields(model, row, after=True))

    def bulk_delete(self, model: type[Any], where: ColumnElement[bool]) -> list[uuid.UUID]:
        """Delete the rows of a tracked model that match ``where`` in one statement
        (database triggers still apply); change_log gets one row each. Returns their ids."""
        return self._bulk(model, delete(model.__table__).where(where), ChangeOp.DELETE, where)

    def bulk_update(
        self, model: type[Any], where: ColumnElement[bool], values: dict[str, Any]
    ) -> list[uuid.UUID]:
        """Set ``values`` on the rows of a tracked model that match ``where`` in one
        statement; a versioned row's version goes up as an ORM update would take it
        (``updated_at`` from its onupdate default). change_log gets one row each."""
        table = model.__table__
        if "version" in table.c and "version" not in values:
            values = {**values, "version": table.c.version + 1}
        return self._bulk(
            model, update(table).where(where).values(values), ChangeOp.UPDATE, where, values
        )

    def _bulk(
        self,
        model: type[Any],
        statement: Any,
        op: ChangeOp,
        where: ColumnElement[bool],
        values: dict[str, Any] | None = None,
    ) -> list[uuid.UUID]:
        # Core statements: objects this session already loaded are not refreshed.
        name: str | None = getattr(model, "__change_entity__", None)
        if name is None:
            raise ValueError(f"{model.__name__} is not a tracked model")
        self.session.flush()  # pending ORM changes first, in the order they were made
        table = model.__table__
        # The rows as they are before the statement, for the history.
        literal = {k: v for k, v in (values or {}).items() if not isinstance(v, ColumnElement)}
        wanted = (
            [table.c[k] for k in literal if k != "id"]
            if op is ChangeOp.UPDATE
            else [c for c in table.c if c.key != "id"]
        )
        before: dict[Any, dict[str, Any]] = {
            row.id: dict(row._mapping)
            for row in self.session.execute(select(table.c.id, *wanted).where(where))
        }
        ids = list(self.session.execute(statement.returning(table.c.id)).scalars())
        pending: dict[tuple[str, uuid.UUID], ChangeOp] = self.session.info["xcc_pending"]
        details: dict[tuple[str, uuid.UUID], Fields] = self.session.info["xcc_detail"]
        for entity_id in ids:
            _note(pending, (name, entity_id), op)
            old = before.get(entity_id, {})
            if op is ChangeOp.DELETE:
                fields = _row_fields(model, old, after=False)
            else:
                fields = {
                    k: [_shown(model, k, old.get(k)), _shown(model, k, v)]
                    for k, v in literal.items()
                    if k not in _QUIET_COLUMNS and old.get(k) != v
                }
            _merge_fields(details, (name, entity_id), fields)
        return ids

    def record_event(
        self,
        entity_type: str,
        entity_id: uuid.UUID,
        op: ChangeOp,
        detail: dict[str, Any],
        *,
        by: Identity | None = None,
    ) -> None:
        """Append a change_log entry that no row change makes (a sign-in, a
        refused write …), signed by ``by`` (default: the operator), at commit."""
        self._events.append((entity_type, entity_id, op, detail, by))

    def commit(self) -> ChangeSet:
        session = self.session
        try:
            self._check_schema(session)
            session.flush()
            pending: dict[tuple[str, uuid.UUID], ChangeOp] = session.info["xcc_pending"]
            records = self._append_change_log(session, pending) if pending or self._events else ()
            session.commit()
        except StaleDataError as exc:
            session.rollback()
            raise ConflictError("record", "", str(exc)) from exc
        except DatabaseProblem:
            session.rollback()
            raise
        except Exception as exc:
            session.rollback()
            problem = classify(exc)
            # A broken rule (unique, not null) stays the driver's IntegrityError:
            # the service that wrote may know it as a race it can explain.
            if problem is not None and problem.kind is not ProblemKind.CONSTRAINT:
                raise problem from exc
            raise
        self._committed = True
        session.info["xcc_pending"] = {}
        session.info["xcc_detail"] = {}
        self._events = []
        return ChangeSet(tuple(records))

    def _check_schema(self, session: Session) -> None:
        """Refuse to write into a schema a newer program has moved on (another seat
        upgraded the shared database while this one was running)."""
        expected = self._db.schema_revision
        if expected is None:
            return
        found = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if found != expected:
            raise DatabaseProblem(ProblemKind.NEWER_SCHEMA, f"{found} (this program: {expected})")

    def _append_plain(
        self, session: Session, pending: dict[tuple[str, uuid.UUID], ChangeOp], postgres: bool
    ) -> tuple[ChangeRecord, ...]:
        """change_log rows as a schema before :data:`AUDIT_SINCE` holds them (no
        signature, detail or hash): the writes of the release that made it."""
        keys = list(pending.items())
        rows = [
            {
                "entity_type": entity_type,
                "entity_id": entity_id,
                "op": op.value,
                "actor": self.actor,
                "at": self._db.clock(),
                "origin_site": self.site[:64],
            }
            for (entity_type, entity_id), op in keys
        ]
        if not rows:
            return ()
        stmt = insert(ChangeLog).returning(ChangeLog.seq, sort_by_parameter_order=True)
        seqs = session.execute(stmt, rows).scalars().all()
        if postgres:
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": str(seqs[-1])},
            )
        return tuple(
            ChangeRecord(seq, etype, eid, op)
            for seq, ((etype, eid), op) in zip(seqs, keys, strict=True)
        )

    def _signature(self, by: Identity | None) -> dict[str, Any]:
        who = by or self.operator
        if who is None:
            return {"actor": self.actor, "actor_id": None, "role": "", "workstation": ""}
        return {
            "actor": who.user,
            "actor_id": who.staff_id,
            "role": format_roles(who.roles),
            # A computer's name may be a long FQDN; the column holds 64 characters.
            "workstation": who.workstation[:_WORKSTATION_MAX],
        }

    def _append_change_log(
        self, session: Session, pending: dict[tuple[str, uuid.UUID], ChangeOp]
    ) -> tuple[ChangeRecord, ...]:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        revision = self._db.schema_revision
        if revision is not None and revision < AUDIT_SINCE:
            return self._append_plain(session, pending, postgres)
        # Under the lock (SQLite: the write transaction began IMMEDIATE), so no
        # other writer can append between this read and the inserts below.
        previous = (
            session.scalar(select(ChangeLog.hash).order_by(ChangeLog.seq.desc()).limit(1))
            or GENESIS
        )
        now = self._db.clock()
        details: dict[tuple[str, uuid.UUID], Fields] = session.info.get("xcc_detail", {})
        entries: list[tuple[str, uuid.UUID, str, dict[str, Any] | None, Identity | None]] = [
            (entity_type, entity_id, op.value, details.get((entity_type, entity_id)), None)
            for (entity_type, entity_id), op in pending.items()
        ]
        entries += [
            (entity_type, entity_id, op, detail, by)
            for entity_type, entity_id, op, detail, by in self._events
        ]
        rows = []
        stamps: list[int | None] = (
            list(next_hlc(session, now, len(entries)))
            if revision is None or revision >= SYNC_SINCE
            else [None] * len(entries)
        )
        for (entity_type, entity_id, op_name, detail, by), stamp in zip(
            entries, stamps, strict=True
        ):
            row = {
                "entity_type": entity_type,
                "entity_id": entity_id,
                "op": op_name,
                "at": now,
                "origin_site": (by.site if by else self.site)[:64],
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True)
                if detail
                else None,
                **self._signature(by),
            }
            if stamp is not None:
                row["hlc"] = stamp  # sealed with the rest
            previous = seal(previous, SealedFields(**row))
            row["hash"] = previous
            rows.append(row)
        if postgres and rows:
            # Numbers taken first, then one batched insert: RETURNING in the order of
            # the rows would insert them one by one (no client-side sentinel), 10,000
            # rows in seconds. The advisory lock is held, so nobody takes numbers in
            # between and they follow commit order as before.
            seqs = sorted(
                session.execute(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('change_log', 'seq')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": len(rows)},
                ).scalars()
            )
            for seq, row in zip(seqs, rows, strict=True):
                row["seq"] = seq
            session.execute(insert(ChangeLog), rows)
        else:
            # One executemany with RETURNING, sequences in the order of the rows.
            stmt = insert(ChangeLog).returning(ChangeLog.seq, sort_by_parameter_order=True)
            seqs = list(session.execute(stmt, rows).scalars().all())
        records = [
            ChangeRecord(seq, row["entity_type"], row["entity_id"], ChangeOp(row["op"]))
            for seq, row in zip(seqs, rows, strict=True)
        ]
        if postgres and records:
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": str(records[-1].seq)},
            )
        return tuple(records)


def next_hlc(session: Session, now: datetime, count: int) -> list[int]:
    """``count`` hybrid-logical-clock stamps for new local changes: above every
    stamp in change_log (written here or received), at least ``now``. Call it
    under the lock that orders change_log appends."""
    last = session.scalar(select(func.max(ChangeLog.hlc)))
    return hlc.tick(last, now, count)
