"""What a site sends a peer: the changes it has not acknowledged, with the records' values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import TRACKED_MODELS, ChangeLog
from app.sync.codec import row_to_json
from app.sync.packet import FORMAT, Packet, PacketHeader, Progress
from app.sync.sites import peer_row, self_site, waiting_where

CHUNK = 500
TABLES: dict[str, Table] = {
    str(m.__change_entity__): cast(Table, m.__table__) for m in TRACKED_MODELS
}


def chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_ENTRY_COLUMNS = (
    ChangeLog.seq,
    ChangeLog.replica,
    ChangeLog.origin_seq,
    ChangeLog.hlc,
    ChangeLog.entity_type,
    ChangeLog.entity_id,
    ChangeLog.op,
    ChangeLog.actor,
    ChangeLog.actor_id,
    ChangeLog.role,
    ChangeLog.workstation,
    ChangeLog.origin_site,
    ChangeLog.at,
    ChangeLog.detail,
)


def entry_to_json(entry: Any, self_code: str) -> dict[str, Any]:
    """A change_log row as it travels: its origin is named (``replica``,
    ``origin_seq``) whether it was made here or received."""
    return {
        "seq": entry.seq,
        "replica": entry.replica or self_code,
        "origin_seq": entry.origin_seq if entry.origin_seq is not None else entry.seq,
        "hlc": entry.hlc or 0,
        "entity_type": entry.entity_type,
        "entity_id": str(entry.entity_id),
        "op": entry.op,
        "actor": entry.actor,
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "role": entry.role,
        "workstation": entry.workstation,
        "origin_site": entry.origin_site,
        "at": entry.at.isoformat(),
        "detail": entry.detail,
    }


def current_rows(
    session: Session, keys: Iterable[tuple[str, uuid.UUID]]
) -> dict[tuple[str, uuid.UUID], dict[str, Any]]:
    """The current rows of tracked records, by (entity type, id); a missing one is gone."""
    by_type: dict[str, list[uuid.UUID]] = {}
    for entity_type, entity_id in keys:
        if entity_type in TABLES:
            by_type.setdefault(entity_type, []).append(entity_id)
    out: dict[tuple[str, uuid.UUID], dict[str, Any]] = {}
    for entity_type, ids in by_type.items():
        table = TABLES[entity_type]
        for part in chunks(ids):
            for row in session.execute(select(table).where(table.c.id.in_(part))):
                out[(entity_type, row.id)] = dict(row._mapping)
    return out


def schema_of(session: Session) -> str:
    """The database's schema revision (alembic_version)."""
    return str(session.execute(text("SELECT version_num FROM alembic_version")).scalar() or "")


def collect(db: Database, peer: str, *, now: datetime, progress: Progress | None = None) -> Packet:
    """The packet for ``peer``: every change not acknowledged by it and not made
    by it, in seq order, with the current rows of the records they touch, read
    in one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on
    SQLite). Raises SyncRefused when ``peer`` is unknown."""
    engine = db.engine
    if not db.is_sqlite:
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with Session(bind=engine) as session, session.begin():
        me = self_site(session)
        target = peer_row(session, peer)
        entries = session.execute(
            select(*_ENTRY_COLUMNS)
            .where(*waiting_where(peer, target.acked_seq))
            .order_by(ChangeLog.seq)
        ).all()
        if progress:
            progress(0, len(entries))
        payload = [entry_to_json(e, me.code) for e in entries]
        keys = list(dict.fromkeys((e.entity_type, e.entity_id) for e in entries))
        rows_now = current_rows(session, keys)
        rows = []
        for entity_type, entity_id in keys:
            if entity_type not in TABLES:
                continue
            current = rows_now.get((entity_type, entity_id))
            rows.append(
                {
                    "t": entity_type,
                    "id": str(entity_id),
                    "row": row_to_json(TABLES[entity_type], current) if current else None,
                }
            )
        last_hlc = session.scalar(select(func.max(ChangeLog.hlc))) or 0
        schema = schema_of(session)
        header = PacketHeader(
            format=FORMAT,
            schema=schema,
            sender=me.code,
            sender_name=me.name,
            sender_kind=me.kind.value,
            recipient=target.code,
            recipient_name=target.name,
            since=target.acked_seq,
            last_seq=entries[-1].seq if entries else target.acked_seq,
            ack=target.received_seq,
            created_at=now.isoformat(),
            hlc=int(last_hlc),
        )
        if progress:
            progress(len(entries), len(entries))
        return Packet(header, payload, rows)
