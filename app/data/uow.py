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
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, delete, event, insert, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.data.engine import Database
from app.data.errors import ConflictError, DatabaseProblem, ProblemKind, classify
from app.data.models import ChangeLog
from app.domain.enums import ChangeOp

M = TypeVar("M")

NOTIFY_CHANNEL = "xcc_changes"
_ADVISORY_LOCK_KEY = 0x5843435F  # "XCC_": serialises change_log appends


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
    for obj, op in tracked:
        if getattr(obj, "id", None) is None:
            obj.id = uuid.uuid4()
        _note(pending, (_entity_name(obj) or "", obj.id), op)


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
        self._db = db
        self.actor = actor
        self.site = site
        self._session: Session | None = None
        self._committed = False

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._db.write_session()
        self._session.info["xcc_pending"] = {}
        self._committed = False
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
        for row in rows:
            pending[(name, row["id"])] = ChangeOp.INSERT

    def bulk_delete(self, model: type[Any], where: ColumnElement[bool]) -> list[uuid.UUID]:
        """Delete the rows of a tracked model that match ``where`` in one statement
        (database triggers still apply); change_log gets one row each. Returns their ids."""
        return self._bulk(model, delete(model.__table__).where(where), ChangeOp.DELETE)

    def bulk_update(
        self, model: type[Any], where: ColumnElement[bool], values: dict[str, Any]
    ) -> list[uuid.UUID]:
        """Set ``values`` on the rows of a tracked model that match ``where`` in one
        statement; a versioned row's version goes up as an ORM update would take it
        (``updated_at`` from its onupdate default). change_log gets one row each."""
        table = model.__table__
        if "version" in table.c and "version" not in values:
            values = {**values, "version": table.c.version + 1}
        return self._bulk(model, update(table).where(where).values(values), ChangeOp.UPDATE)

    def _bulk(self, model: type[Any], statement: Any, op: ChangeOp) -> list[uuid.UUID]:
        # Core statements: objects this session already loaded are not refreshed.
        name: str | None = getattr(model, "__change_entity__", None)
        if name is None:
            raise ValueError(f"{model.__name__} is not a tracked model")
        self.session.flush()  # pending ORM changes first, in the order they were made
        ids = list(self.session.execute(statement.returning(model.__table__.c.id)).scalars())
        pending: dict[tuple[str, uuid.UUID], ChangeOp] = self.session.info["xcc_pending"]
        for entity_id in ids:
            _note(pending, (name, entity_id), op)
        return ids

    def commit(self) -> ChangeSet:
        session = self.session
        try:
            self._check_schema(session)
            session.flush()
            pending: dict[tuple[str, uuid.UUID], ChangeOp] = session.info["xcc_pending"]
            records = self._append_change_log(session, pending) if pending else ()
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

    def _append_change_log(
        self, session: Session, pending: dict[tuple[str, uuid.UUID], ChangeOp]
    ) -> tuple[ChangeRecord, ...]:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        now = self._db.clock()
        keys = list(pending.items())
        rows = [
            {
                "entity_type": entity_type,
                "entity_id": entity_id,
                "op": op.value,
                "actor": self.actor,
                "at": now,
                "origin_site": self.site,
            }
            for (entity_type, entity_id), op in keys
        ]
        # One executemany with RETURNING, sequences in the order of the rows.
        stmt = insert(ChangeLog).returning(ChangeLog.seq, sort_by_parameter_order=True)
        seqs = session.execute(stmt, rows).scalars().all()
        records = [
            ChangeRecord(seq, entity_type, entity_id, op)
            for seq, ((entity_type, entity_id), op) in zip(seqs, keys, strict=True)
        ]
        if postgres and records:
            session.execute(
                text("SELECT pg_notify(:channel, :payload)"),
                {"channel": NOTIFY_CHANNEL, "payload": str(records[-1].seq)},
            )
        return tuple(records)
