"""Applying a packet: changes made elsewhere stored as received, records merged field by field.

Rules (the same at every site, so every site ends in the same state):

- A change-log entry is stored once, keyed by its origin (``replica``,
  ``origin_seq``); an entry already held is skipped, so applying a packet
  again changes nothing.
- Records that only grow (log entries, movements, handover items …) are
  inserted; they never conflict.
- A field changed only by the sender since it last heard from us takes the
  sender's value, whatever the clocks say (the sender saw ours first).
- A field changed on both sides since (concurrent changes) keeps the write
  with the larger (hybrid logical clock, site code): last writer wins, the
  same answer everywhere. The other value goes to ``sync_conflict``.
- A deletion wins over a concurrent change; the change is kept as a conflict.
  A retirement (停用) and a concurrent edit both stay, and are a conflict.
- A record this database cannot take (the same number made on both sides, a
  rule it breaks) is kept as a conflict with its values instead of failing
  the packet.
- Stock lines driven below zero and shelters below zero or over capacity by
  the merged movements are conflicts too.

The whole packet is applied in one transaction or not at all.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, cast

import psycopg
from sqlalchemy import (
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import (
    TRACKED_MODELS,
    Base,
    ChangeLog,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
    SyncConflict,
    SyncSite,
)
from app.data.uow import _ADVISORY_LOCK_KEY, UnitOfWork
from app.domain import hlc
from app.domain.access import Action
from app.domain.audit import GENESIS, SealedFields, seal
from app.domain.enums import ChangeOp
from app.services.access import require
from app.sync.codec import encode, row_from_json
from app.sync.collect import TABLES, chunks, current_rows, schema_of
from app.sync.packet import FORMAT, Packet, Progress, verify
from app.sync.sites import SYNC_ENTITY, peer_row, self_site
from app.sync.types import (
    ApplyResult,
    ConflictKind,
    PacketDamaged,
    SchemaMismatch,
    SiteKind,
    SyncRefused,
)

_QUIET = frozenset({"id", "version", "created_at", "updated_at"})
_RETIRE = frozenset({"retired_at", "retired_reason"})
_NS = uuid.UUID("6f1d2c1e-55a4-4c36-9a7b-8d0f3c1b2e70")  # conflict ids
_SORTED = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
# What the models declare of their synchronisation (app.data.models.Base).
_QUIET_FIELDS: dict[str, frozenset[str]] = {
    str(m.__change_entity__): m.__sync_quiet__ for m in TRACKED_MODELS if m.__sync_quiet__
}
_CENTER_ONLY = frozenset(str(m.__change_entity__) for m in TRACKED_MODELS if m.__sync_center_only__)
# Up to this many records in a packet, the changes made here since the sender's
# acknowledgment are looked up record by record; beyond, in one pass.
_FEW_RECORDS = 2000
# Tables other rows refer to: a duplicate there cannot simply give way.
_REFERENCED = {fk.column.table.name for t in Base.metadata.sorted_tables for fk in t.foreign_keys}
# Unique keys besides the id, by table (constraints and unique indexes).
_UNIQUE_KEYS: dict[str, list[tuple[str, ...]]] = {
    t.name: [
        *(
            tuple(col.name for col in c.columns)
            for c in t.constraints
            if isinstance(c, UniqueConstraint)
        ),
        *(tuple(col.name for col in i.columns) for i in t.indexes if i.unique),
        *((c.name,) for c in t.c if c.unique),
    ]
    for t in Base.metadata.sorted_tables
}


@dataclass
class _Entry:
    """A change-log entry (incoming or local) as the merge sees it. The fields it
    touched are read from its detail only when a merge needs them (most records
    in a packet are new here and need no field-by-field look)."""

    key: tuple[int, str]  # (hlc, site code): the last-writer-wins order
    op: str
    detail: str | None
    actor: str
    at: datetime | str  # aware, or ISO 8601 as it travelled

    @cached_property
    def fields(self) -> frozenset[str]:
        return _touched(self.detail)

    @property
    def when(self) -> datetime:
        return self.at if isinstance(self.at, datetime) else datetime.fromisoformat(self.at)


def _touched(detail: str | None) -> frozenset[str]:
    if not detail:
        return frozenset()
    try:
        value = json.loads(detail)
    except ValueError:
        return frozenset()
    return frozenset(value) if isinstance(value, dict) else frozenset()


@dataclass
class _Conflict:
    kind: ConflictKind
    entity_type: str
    entity_id: uuid.UUID
    field: str | None
    kept: Any
    kept_by: _Entry | None
    lost: Any
    lost_by: _Entry | None
    ident: str  # what makes it the same conflict at every site

    def row(self, detected_by: str, now: datetime) -> dict[str, Any]:
        def side(entry: _Entry | None) -> tuple[str | None, str | None, datetime | None]:
            return (entry.key[1], entry.actor, entry.when) if entry else (None, None, None)

        kept_replica, kept_actor, kept_at = side(self.kept_by)
        lost_replica, lost_actor, lost_at = side(self.lost_by)
        return {
            "id": uuid.uuid5(_NS, self.ident),
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "field": self.field,
            "kind": self.kind.value,
            "kept_value": _json(self.kept),
            "kept_replica": kept_replica,
            "kept_actor": kept_actor,
            "kept_at": kept_at,
            "lost_value": _json(self.lost),
            "lost_replica": lost_replica,
            "lost_actor": lost_actor,
            "lost_at": lost_at,
            "detected_at": now,
            "detected_by": detected_by,
        }


def insert_many(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column values, all with the same keys, values as
    the columns take them) in the session's transaction.

    On PostgreSQL through COPY: psycopg's executemany sends one statement per
    row, and 50,000 rows took seconds; COPY streams them (triggers and
    constraints apply as for INSERT). Text was cleaned by the text policy where
    the row was first written, so it goes as it is. On SQLite through the
    driver's executemany.
    """
    if not rows:
        return
    if s.get_bind().dialect.name != "postgresql":
        for part in chunks(rows, 2000):
            s.execute(insert(table), part)
        return
    columns = [c.name for c in table.c if c.name in rows[0]]
    names = ", ".join(f'"{c}"' for c in columns)
    raw = cast(psycopg.Connection[Any], s.connection().connection.dbapi_connection)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row.get(c) for c in columns])


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _values(table: Table, row: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {f: encode(table.c[f], row.get(f)) for f in sorted(fields) if f in table.c}


class _Merge:
    def __init__(
        self,
        session: Session,
        packet: Packet,
        me: str,
        now: datetime,
        *,
        from_field: bool = False,
    ) -> None:
        self.s = session
        self.packet = packet
        self.h = packet.header
        self.me = me
        self.now = now
        self.inserts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.updates: list[tuple[str, uuid.UUID, dict[str, Any]]] = []
        self.deletes: list[tuple[str, uuid.UUID]] = []
        self.conflicts: dict[str, _Conflict] = {}
        # Roles and accounts come from the center only: a field vehicle's
        # program never changes them, so such a change from one is refused.
        self.from_field = from_field
        self.inserted = self.updated = self.deleted = 0

    # -- what is new ------------------------------------------------------
    def new_entries(self) -> tuple[list[dict[str, Any]], int]:
        """The packet's entries this database does not hold yet, and how many it does."""
        by_replica: dict[str, list[int]] = defaultdict(list)
        for e in self.packet.entries:
            by_replica[e["replica"]].append(int(e["origin_seq"]))
        held: set[tuple[str, int]] = set()
        for replica, seqs in by_replica.items():
            if replica == self.me:  # our own changes, relayed back: held by definition
                held.update((replica, s) for s in seqs)
                continue
            for part in chunks(seqs):
                held.update(
                    (replica, int(s or 0))
                    for s in self.s.scalars(
                        select(ChangeLog.origin_seq).where(
                            ChangeLog.replica == replica, ChangeLog.origin_seq.in_(part)
                        )
                    )
                )
        fresh = [e for e in self.packet.entries if (e["replica"], int(e["origin_seq"])) not in held]
        return fresh, len(self.packet.entries) - len(fresh)

    def local_since(
        self, keys: list[tuple[str, uuid.UUID]]
    ) -> dict[tuple[str, uuid.UUID], list[_Entry]]:
        """Per record, the changes held here that the sender had not seen when it
        wrote the packet: after the seq it acknowledged, and not its own."""
        out: dict[tuple[str, uuid.UUID], list[_Entry]] = defaultdict(list)
        wanted = set(keys)
        columns = (
            ChangeLog.entity_type,
            ChangeLog.entity_id,
            ChangeLog.op,
            ChangeLog.detail,
            ChangeLog.hlc,
            ChangeLog.replica,
            ChangeLog.actor,
            ChangeLog.at,
        )
        after = ChangeLog.seq > self.h.ack
        if len(keys) <= _FEW_RECORDS:
            # Few records: look each up by (type, id) on the change log's index.
            by_type: dict[str, list[uuid.UUID]] = defaultdict(list)
            for entity_type, entity_id in keys:
                by_type[entity_type].append(entity_id)
            queries = [
                select(*columns).where(
                    after, ChangeLog.entity_type == t, ChangeLog.entity_id.in_(part)
                )
                for t, ids in by_type.items()
                for part in chunks(ids)
            ]
        else:  # many: one pass over what came after the acknowledgment
            queries = [select(*columns).where(after)]
        for query in queries:
            for e in self.s.execute(query):
                key = (e.entity_type, e.entity_id)
                if key not in wanted or e.replica == self.h.sender:
                    continue
                out[key].append(
                    _Entry((e.hlc or 0, e.replica or self.me), e.op, e.detail, e.actor, e.at)
                )
        return out

    # -- deciding ---------------------------------------------------------
    def decide(self, fresh: list[dict[str, Any]]) -> None:
        by_text: dict[tuple[str, str], list[_Entry]] = defaultdict(list)
        for e in fresh:
            if e["entity_type"] not in TABLES:
                continue
            by_text[(e["entity_type"], e["entity_id"])].append(
                _Entry(
                    (int(e["hlc"] or 0), e["replica"]), e["op"], e["detail"], e["actor"], e["at"]
                )
            )
        if not by_text:
            return
        incoming = {(t, uuid.UUID(i)): entries for (t, i), entries in by_text.items()}
        snapshots: dict[tuple[str, uuid.UUID], dict[str, Any] | None] = {}
        for r in self.packet.rows:
            if (r["t"], r["id"]) in by_text:
                snapshots[(r["t"], uuid.UUID(r["id"]))] = (
                    row_from_json(TABLES[r["t"]], r["row"]) if r["row"] else None
                )
        keys = list(incoming)
        local_rows = current_rows(self.s, keys)
        local = self.local_since(keys)
        for key in keys:
            if key not in snapshots:
                raise PacketDamaged("数据包不完整或已损坏（缺少记录内容），未导入任何内容。")
            self._decide_one(
                key, incoming[key], snapshots[key], local_rows.get(key), local.get(key, [])
            )

    def _decide_one(
        self,
        key: tuple[str, uuid.UUID],
        inc: list[_Entry],
        snap: dict[str, Any] | None,
        row: dict[str, Any] | None,
        ours: list[_Entry],
    ) -> None:
        entity_type, entity_id = key
        if self.from_field and entity_type in _CENTER_ONLY:
            self._add(
                ConflictKind.REFUSED,
                key,
                None,
                None,
                None,
                _values(TABLES[entity_type], snap, snap) if snap else None,
                max(inc, key=lambda e: e.key),
                f"refused|{entity_type}|{entity_id}|{max(e.key for e in inc)}",
            )
            return
        if row is None and not ours and snap is not None:  # new here: the usual case
            self.inserts[entity_type].append(snap)
            return
        table = TABLES[entity_type]
        quiet_fields = _QUIET_FIELDS.get(entity_type, frozenset())
        quiet = "*" in quiet_fields  # the whole record merges silently
        t_in = frozenset().union(*(e.fields for e in inc)) & frozenset(table.c.keys()) - _QUIET
        t_ours = frozenset().union(*(e.fields for e in ours)) & frozenset(table.c.keys()) - _QUIET
        ours_edit = [e for e in ours if e.op != ChangeOp.DELETE.value]
        ours_deleted = [e for e in ours if e.op == ChangeOp.DELETE.value]
        last_in = max(inc, key=lambda e: e.key)
        if snap is None:  # gone at the sender
            if row is None:
                return
            if ours_edit and t_ours and not quiet:
                last_ours = max(ours_edit, key=lambda e: e.key)
                self._add(
                    ConflictKind.DELETED,
                    key,
                    None,
                    None,
                    last_in,
                    _values(table, row, t_ours),
                    last_ours,
                    f"deleted|{entity_type}|{entity_id}",
                )
            self.deletes.append(key)
            return
        if row is None:
            if ours_deleted:
                if not quiet:
                    self._add(
                        ConflictKind.DELETED,
                        key,
                        None,
                        None,
                        max(ours_deleted, key=lambda e: e.key),
                        _values(table, snap, t_in or snap.keys()),
                        last_in,
                        f"deleted|{entity_type}|{entity_id}",
                    )
                return
            self.inserts[entity_type].append(snap)
            return
        changes: dict[str, Any] = {}
        for f in sorted(t_in):
            new, old = snap.get(f), row.get(f)
            if new == old:
                continue
            if f not in t_ours:  # only the sender changed it since it heard from us
                changes[f] = new
                continue
            mine = max((e for e in ours if f in e.fields), key=lambda e: e.key)
            theirs = max((e for e in inc if f in e.fields), key=lambda e: e.key)
            theirs_win = hlc.wins(theirs.key, mine.key)
            if theirs_win:
                changes[f] = new
            if quiet or f in quiet_fields:
                continue  # last writer wins, nothing for the officer to decide
            kept, lost = (new, old) if theirs_win else (old, new)
            self._add(
                ConflictKind.FIELD,
                key,
                f,
                encode(table.c[f], kept),
                theirs if theirs_win else mine,
                encode(table.c[f], lost),
                mine if theirs_win else theirs,
                f"field|{entity_type}|{entity_id}|{f}|{sorted([mine.key, theirs.key])}",
            )
        if "retired_at" in table.c and not quiet:
            retired_in = "retired_at" in t_in and snap.get("retired_at") is not None
            retired_ours = "retired_at" in t_ours and row.get("retired_at") is not None
            edits_in, edits_ours = t_in - _RETIRE, t_ours - _RETIRE
            if (retired_in and edits_ours) or (retired_ours and edits_in):
                retiring, editing = (
                    (last_in, ours_edit)
                    if retired_in
                    else (max(ours_edit, key=lambda e: e.key), inc)
                )
                edited = edits_ours if retired_in else edits_in
                merged = {**row, **changes}
                last_edit = max(editing, key=lambda e: e.key)
                self._add(
                    ConflictKind.RETIRED,
                    key,
                    "retired_at",
                    encode(table.c.retired_at, merged.get("retired_at")),
                    retiring,
                    _values(table, merged, edited),
                    last_edit,
                    f"retired|{entity_type}|{entity_id}|{sorted([retiring.key, last_edit.key])}",
                )
        if changes:
            self.updates.append((entity_type, entity_id, changes))

    def _add(
        self,
        kind: ConflictKind,
        key: tuple[str, uuid.UUID],
        field: str | None,
        kept: Any,
        kept_by: _Entry | None,
        lost: Any,
        lost_by: _Entry | None,
        ident: str,
    ) -> None:
        self.conflicts.setdefault(
            ident, _Conflict(kind, key[0], key[1], field, kept, kept_by, lost, lost_by, ident)
        )

    # -- writing ----------------------------------------------------------
    def write_rows(self) -> None:
        for name in sorted(self.inserts, key=lambda t: _SORTED[TABLES[t].name]):
            self._insert(name, self.inserts[name])
        grouped: dict[tuple[str, frozenset[str]], list[tuple[uuid.UUID, dict[str, Any]]]] = (
            defaultdict(list)
        )
        for entity_type, entity_id, changes in self.updates:
            grouped[(entity_type, frozenset(changes))].append((entity_id, changes))
        for (entity_type, fields), rows in sorted(
            grouped.items(), key=lambda kv: (_SORTED[TABLES[kv[0][0]].name], sorted(kv[0][1]))
        ):
            self._update(entity_type, sorted(fields), rows)
        for entity_type, entity_id in sorted(
            self.deletes, key=lambda k: -_SORTED[TABLES[k[0]].name]
        ):
            table = TABLES[entity_type]
            self._guarded(
                entity_type,
                entity_id,
                lambda t=table, i=entity_id: self.s.execute(delete(t).where(t.c.id == i)),
                None,
            )
            self.deleted += 1

    def _guarded(
        self, entity_type: str, entity_id: uuid.UUID, action: Any, values: dict[str, Any] | None
    ) -> bool:
        """Run one write in a savepoint; a broken rule becomes a conflict."""
        try:
            with self.s.begin_nested():
                action()
            return True
        except IntegrityError as exc:
            message = str(exc.orig).lower()
            kind = (
                ConflictKind.DUPLICATE
                if "unique" in message or "duplicate" in message
                else ConflictKind.REFUSED
            )
            self._add(
                kind,
                (entity_type, entity_id),
                None,
                None,
                None,
                values,
                None,
                f"{kind.value}|{entity_type}|{entity_id}",
            )
            return False

    def _insert(self, entity_type: str, rows: list[dict[str, Any]]) -> None:
        table = TABLES[entity_type]
        try:
            with self.s.begin_nested():
                insert_many(self.s, table, rows)
            self.inserted += len(rows)
            return
        except (IntegrityError, psycopg.IntegrityError):
            pass  # some row breaks a rule: one by one below
        for row in rows:  # one by one, to keep what can be kept
            if self._same_key_elsewhere(entity_type, row):
                continue
            ok = self._guarded(
                entity_type,
                row["id"],
                lambda r=row: self.s.execute(insert(table), [r]),
                {c: encode(table.c[c], v) for c, v in row.items()},
            )
            self.inserted += ok

    def _same_key_elsewhere(self, entity_type: str, row: dict[str, Any]) -> bool:
        """A record nothing refers to (an assignment, an acknowledgment, a
        closure, a setting …) made on both sides under the same unique key:
        the one with the smaller id stays at every site, the other is listed.
        Returns whether ``row`` was dealt with so."""
        table = TABLES[entity_type]
        if table.name in _REFERENCED:
            return False
        for columns in _UNIQUE_KEYS.get(table.name, ()):
            if any(row.get(c) is None for c in columns):
                continue
            local = self.s.execute(
                select(table).where(
                    *(table.c[c] == row[c] for c in columns), table.c.id != row["id"]
                )
            ).first()
            if local is None:
                continue
            mine = dict(local._mapping)
            theirs_stay = str(row["id"]) < str(mine["id"])
            kept, lost = (row, mine) if theirs_stay else (mine, row)
            if theirs_stay:
                self.s.execute(delete(table).where(table.c.id == mine["id"]))
                self.s.execute(insert(table), [row])
                self.inserted += 1
            self._add(
                ConflictKind.DUPLICATE,
                (entity_type, kept["id"]),
                None,
                {c: encode(table.c[c], v) for c, v in kept.items()},
                None,
                {c: encode(table.c[c], v) for c, v in lost.items()},
                None,
                f"duplicate|{entity_type}|{min(str(row['id']), str(mine['id']))}"
                f"|{max(str(row['id']), str(mine['id']))}",
            )
            return True
        return False

    def _update(
        self, entity_type: str, fields: list[str], rows: list[tuple[uuid.UUID, dict[str, Any]]]
    ) -> None:
        table = TABLES[entity_type]
        values: dict[str, Any] = {f: bindparam(f"v_{f}", type_=table.c[f].type) for f in fields}
        if "version" in table.c:
            values["version"] = table.c.version + 1
        stmt = update(table).where(table.c.id == bindparam("b_id")).values(values)
        params = [{"b_id": i, **{f"v_{f}": ch[f] for f in fields}} for i, ch in rows]
        try:
            with self.s.begin_nested():
                for part in chunks(params, 2000):
                    self.s.execute(stmt, part)
            self.updated += len(rows)
            return
        except IntegrityError:
            pass
        for param, (entity_id, changes) in zip(params, rows, strict=True):
            ok = self._guarded(
                entity_type,
                entity_id,
                lambda p=param: self.s.execute(stmt, [p]),
                {f: encode(table.c[f], v) for f, v in changes.items()},
            )
            self.updated += ok

    def check_quantities(self) -> None:
        """Stock lines below zero and shelters below zero or over capacity after
        the merged movements, for the lines and shelters this packet moved."""
        items = {r["item_id"] for r in self.inserts.get(str(StockMovement.__change_entity__), [])}
        for part in chunks(sorted(items)):
            for item_id, total, count, name in self.s.execute(
                select(
                    StockMovement.item_id,
                    func.sum(StockMovement.delta),
                    func.count(),
                    StockItem.name,
                )
                .join(StockItem, StockItem.id == StockMovement.item_id)
                .where(StockMovement.item_id.in_(part))
                .group_by(StockMovement.item_id, StockItem.name)
                .having(func.sum(StockMovement.delta) < 0)
            ):
                self._add(
                    ConflictKind.NEGATIVE_STOCK,
                    ("stock_item", item_id),
                    None,
                    {"quantity": float(total), "name": name},
                    None,
                    None,
                    None,
                    f"negative|{item_id}|{count}",
                )
        shelters = {
            r["shelter_id"]
            for r in self.inserts.get(str(ShelterOccupancyMovement.__change_entity__), [])
        }
        for part in chunks(sorted(shelters)):
            for shelter_id, total, count, capacity, name in self.s.execute(
                select(
                    ShelterOccupancyMovement.shelter_id,
                    func.sum(ShelterOccupancyMovement.delta),
                    func.count(),
                    Shelter.capacity,
                    Shelter.name,
                )
                .join(Shelter, Shelter.id == ShelterOccupancyMovement.shelter_id)
                .where(ShelterOccupancyMovement.shelter_id.in_(part))
                .group_by(ShelterOccupancyMovement.shelter_id, Shelter.capacity, Shelter.name)
            ):
                if 0 <= total <= capacity:
                    continue
                self._add(
                    ConflictKind.OVER_CAPACITY,
                    ("shelter", shelter_id),
                    None,
                    {"occupancy": int(total), "capacity": capacity, "name": name},
                    None,
                    None,
                    None,
                    f"capacity|{shelter_id}|{count}",
                )

    def store_entries(self, fresh: list[dict[str, Any]]) -> None:
        """The new entries, as received: origin kept, sealed into our hash chain."""
        previous = (
            self.s.scalar(select(ChangeLog.hash).order_by(ChangeLog.seq.desc()).limit(1)) or GENESIS
        )
        rows = []
        for e in fresh:
            row = {
                "entity_type": e["entity_type"],
                "entity_id": uuid.UUID(e["entity_id"]),
                "op": e["op"],
                "actor": e["actor"],
                "actor_id": uuid.UUID(e["actor_id"]) if e["actor_id"] else None,
                "role": e["role"] or "",
                "at": datetime.fromisoformat(e["at"]),
                "origin_site": e["origin_site"],
                "workstation": e["workstation"] or "",
                "detail": e["detail"],
                "replica": e["replica"],
                "origin_seq": int(e["origin_seq"]),
                "hlc": int(e["hlc"] or 0),
                "received_at": self.now,
            }
            previous = seal(previous, SealedFields(**row))
            row["hash"] = previous
            rows.append(row)
        insert_many(self.s, cast(Table, ChangeLog.__table__), rows)


def apply_packet(
    db: Database,
    packet: Packet,
    *,
    actor: str,
    site: str,
    now: datetime,
    network: bool = False,
    signed: bool = False,
    progress: Progress | None = None,
) -> ApplyResult:
    """Apply ``packet`` to ``db`` in one transaction (see the module's rules).

    ``now`` is this database's clock (aware, UTC): it stamps ``received_at``
    and, for a packet that comes over the network (``network``), gives the
    sender's clock skew. ``signed``: the packet came from a file and must carry
    the signature of the pair's key (:func:`app.sync.packet.verify`).

    Raises PacketDamaged (also: a bad signature), SchemaMismatch or SyncRefused
    (wrong recipient, unknown sender, a gap before the packet), NotPermitted;
    nothing is applied then. Applying the same packet again returns a result
    with ``already_applied``.
    """
    h = packet.header
    if h.format != FORMAT:
        raise PacketDamaged("数据包格式不符，未导入任何内容。")
    require(db, Action.SYNC)
    with UnitOfWork(db, actor=actor, site=site) as uow:
        s = uow.session
        if not db.is_sqlite:
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
        me = self_site(s)
        mine = schema_of(s)
        if h.schema != mine:
            raise SchemaMismatch(
                f"数据包来自数据库版本 {h.schema} 的程序，本站点的数据库版本为 {mine}："
                "两边须先升级到同一版本的程序。未导入任何内容。"
            )
        if h.recipient != me.code:
            raise SyncRefused(
                f"此数据包是发给“{h.recipient_name}”（{h.recipient}）的，"
                f"本站点是“{me.name}”（{me.code}）。未导入任何内容。"
            )
        peer = peer_row(s, h.sender, lock=True)
        if signed and not verify(packet, peer.secret):
            raise PacketDamaged(
                f"数据包的签名不符：它不是由“{peer.name}”生成的，或生成后被改动过。"
                "未导入任何内容。请让对方重新生成数据包。"
            )
        if h.since > peer.received_seq:
            raise SyncRefused(
                f"数据包从“{peer.name}”的第 {h.since + 1} 条变更开始，本站点只收到第 "
                f"{peer.received_seq} 条：中间缺少变更。"
                "请对方重新生成数据包（会包含全部未确认的变更）。"
                "未导入任何内容。"
            )
        merge = _Merge(s, packet, me.code, now, from_field=peer.kind == SiteKind.FIELD.value)
        fresh, known = merge.new_entries()
        total = len(fresh)

        def step(share: float) -> None:  # the stages' rough shares of the time
            if progress:
                progress(int(total * share), total)

        step(0.05)
        merge.decide(fresh)
        step(0.35)
        merge.write_rows()
        step(0.7)
        merge.check_quantities()
        merge.store_entries(fresh)
        step(0.9)
        _store_conflicts(s, merge, me.code, now)
        _note_peer(peer, h.last_seq, h.ack, now, h.created_at if network else None)
        uow.record_event(
            SYNC_ENTITY,
            uuid.uuid5(_NS, f"site|{h.sender}"),
            ChangeOp.SYNC,
            {
                "received_from": h.sender,
                "new": len(fresh),
                "known": known,
                "conflicts": len(merge.conflicts),
                "last_seq": h.last_seq,
            },
        )
        uow.commit()
    step(1.0)
    return ApplyResult(
        h.sender,
        h.sender_name,
        len(fresh),
        sum(1 for e in fresh if e["entity_type"] in TABLES),
        known,
        merge.inserted,
        merge.updated,
        merge.deleted,
        len(merge.conflicts),
        max(peer.received_seq, h.last_seq),
    )


def _store_conflicts(s: Session, merge: _Merge, me: str, now: datetime) -> None:
    if not merge.conflicts:
        return
    rows = [c.row(me, now) for c in merge.conflicts.values()]
    held = set(
        s.scalars(select(SyncConflict.id).where(SyncConflict.id.in_([r["id"] for r in rows])))
    )
    for r in rows:
        if r["id"] not in held:
            s.add(SyncConflict(**r))


def _note_peer(
    peer: SyncSite, last_seq: int, ack: int, now: datetime, sender_clock: str | None
) -> None:
    peer.received_seq = max(peer.received_seq, last_seq)
    peer.acked_seq = max(peer.acked_seq, ack)
    peer.last_received_at = now
    if sender_clock:
        peer.skew_s = (datetime.fromisoformat(sender_clock) - now).total_seconds()
