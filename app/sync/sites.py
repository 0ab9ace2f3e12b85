"""This database's identity as a site, and what it knows of its peers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app.data.models import ChangeLog, SyncConflict, SyncSite
from app.services.access import ACCESS_ENTITY
from app.sync.types import SiteKind, SyncRefused


@dataclass(frozen=True)
class SiteInfo:
    code: str
    name: str
    kind: SiteKind


@dataclass(frozen=True)
class PeerStatus:
    """One peer as the 同步 dialog and ``sync status`` show it."""

    code: str
    name: str
    kind: SiteKind
    waiting: int  # our record changes the peer has not acknowledged (not sign-ins)
    unsent: int  # … of which no packet has carried yet
    acked_seq: int
    received_seq: int
    last_sent_at: datetime | None  # our clock
    last_received_at: datetime | None  # our clock
    skew_s: float | None  # the peer's clock minus ours, seconds (network syncs only)


def self_site(session: Session) -> SiteInfo:
    """This database's own site. Raises SyncRefused when it has none (a database
    before the synchronisation migration)."""
    row = session.scalar(select(SyncSite).where(SyncSite.is_self.is_(True)))
    if row is None:
        raise SyncRefused("本数据库没有站点标识，请先升级数据库。")
    return SiteInfo(row.code, row.name, SiteKind(row.kind))


def peer_row(session: Session, code: str, *, lock: bool = False) -> SyncSite:
    """The peer ``code``. Raises SyncRefused when this database does not know it."""
    stmt = select(SyncSite).where(SyncSite.code == code, SyncSite.is_self.is_(False))
    if lock:
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    if row is None:
        raise SyncRefused(
            f"本数据库不认识站点“{code}”：只能与带出它的指挥中心、或由本中心带出的前方指挥车同步。"
        )
    return row


# Entries about synchronisation itself (a packet applied, a package taken out):
# this database's own audit, never sent (each apply would answer the last).
SYNC_ENTITY = "sync"


def waiting_where(peer: str, acked_seq: int) -> list[ColumnElement[bool]]:
    """Which change_log rows go to ``peer``: after what it acknowledged, not made
    by it, not about synchronisation itself."""
    return [
        ChangeLog.seq > acked_seq,
        or_(ChangeLog.replica.is_(None), ChangeLog.replica != peer),
        ChangeLog.entity_type != SYNC_ENTITY,
    ]


def peer_statuses(session: Session) -> list[PeerStatus]:
    """Every peer with the number of changes waiting for it, the center first."""
    out = []
    for row in session.scalars(
        select(SyncSite).where(SyncSite.is_self.is_(False)).order_by(SyncSite.kind, SyncSite.name)
    ):
        # Sign-ins and refusals travel with the rest, but a change waiting to
        # go is a change of the records: the sign-in that writes the packet
        # would otherwise always leave one behind.
        records = ChangeLog.entity_type != ACCESS_ENTITY
        waiting = session.scalar(
            select(func.count())
            .select_from(ChangeLog)
            .where(*waiting_where(row.code, row.acked_seq), records)
        )
        unsent = session.scalar(
            select(func.count())
            .select_from(ChangeLog)
            .where(*waiting_where(row.code, max(row.acked_seq, row.sent_seq)), records)
        )
        out.append(
            PeerStatus(
                row.code,
                row.name,
                SiteKind(row.kind),
                int(waiting or 0),
                int(unsent or 0),
                row.acked_seq,
                row.received_seq,
                row.last_sent_at,
                row.last_received_at,
                row.skew_s,
            )
        )
    return out


def open_conflicts(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(SyncConflict).where(SyncConflict.resolved_at.is_(None))
        )
        or 0
    )
