"""The field package: a field vehicle's own database, taken out from the center.

A SQLite file, migrated to this program's schema, holding every record of the
center's database as it stood at one moment (one snapshot: REPEATABLE READ on
PostgreSQL), with its own site identity (a vehicle code and name) and the
center as its only peer. The history (change_log) stays at the center; the
package starts with one entry that carries the center's clock forward, so
the vehicle's hybrid logical clock never runs behind what it took out.

The center notes the vehicle as a peer that holds everything up to the
snapshot's seq, so its first packet for the vehicle holds only what came after.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import Base, ChangeLog, SyncSite
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.audit import GENESIS, SealedFields, seal
from app.domain.enums import ChangeOp
from app.domain.identity import PROGRAM_USER
from app.services.access import require
from app.sync.collect import chunks
from app.sync.packet import Progress
from app.sync.sites import SYNC_ENTITY, self_site
from app.sync.types import SiteKind, SyncRefused

_NOT_COPIED = frozenset({"change_log", "sync_site", "alembic_version"})
_NS = uuid.UUID("0c3e7a52-9b1f-4d8e-a6c2-51f7e0d4b9a3")


@dataclass(frozen=True)
class FieldPackage:
    path: Path
    code: str  # the vehicle's site code
    name: str
    rows: int  # records copied
    center_seq: int  # the center's last change in the package


def new_vehicle_code() -> str:
    return f"field-{uuid.uuid4().hex[:8]}"


def _public_url(db: Database) -> str | None:
    """The center's database URL as the vehicle keeps it: never a password."""
    if db.is_sqlite:
        return None
    return make_url(db.url).set(password=None).render_as_string(hide_password=False)


def check_target(path: Path) -> None:
    """Refuse a place a field package cannot go: an existing file (never
    replaced: it may be a vehicle's working database) or a folder that does not
    exist. Looks at the disk. Raises SyncRefused."""
    if path.exists():
        raise SyncRefused(
            f"文件已存在：{path}。请换一个文件名：已有的文件不会被覆盖"
            "（它可能是一辆前方指挥车正在使用的数据）。"
        )
    if not path.parent.is_dir():
        raise SyncRefused(f"文件夹不存在：{path.parent}。")


def export_field_package(
    db: Database,
    path: Path,
    *,
    name: str,
    actor: str,
    site: str,
    now: datetime,
    progress: Progress | None = None,
) -> FieldPackage:
    """Write the field package for a vehicle called ``name`` to ``path`` (a new
    SQLite file, written whole under a temporary name and renamed). The vehicle
    and the center share a new random key that signs their packets.

    Raises SyncRefused (``db`` is itself a field vehicle; ``name`` empty, over
    64 characters or already a vehicle's name; ``path`` exists — it may be a
    vehicle's working database, so it is never replaced; its folder does not
    exist), NotPermitted, OSError, DatabaseProblem.
    """
    name = " ".join(name.split())
    if not name:
        raise SyncRefused("请填写前方指挥车的名称。")
    if len(name) > 64:
        raise SyncRefused("前方指挥车的名称最多 64 个字。")
    check_target(path)
    require(db, Action.SYNC)
    with Session(bind=db.engine) as probe:
        if self_site(probe).kind is not SiteKind.CENTER:
            raise SyncRefused("这是前方指挥车的数据：只有指挥中心可以带出前方数据包。")
        same = probe.scalar(select(SyncSite.code).where(SyncSite.name == name))
        if same is not None:
            raise SyncRefused(
                f"已有名为“{name}”的前方指挥车（站点代码 {same}）。"
                "请用另一个名称，以免两辆车的数据包混淆。"
            )
    code = new_vehicle_code()
    key = secrets.token_hex(32)
    tmp = path.with_name(f".{path.name}.part")
    tmp.unlink(missing_ok=True)
    target = Database(tmp, clock=db.clock)
    try:
        upgrade(target)
        copied, center, center_seq, center_hlc = _copy(db, target, progress)
        _make_vehicle(target, code, name, center, center_seq, center_hlc, _public_url(db), now, key)
        target.dispose()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        target.dispose()
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)
    with UnitOfWork(db, actor=actor, site=site) as uow:
        uow.session.add(
            SyncSite(
                code=code,
                name=name,
                kind=SiteKind.FIELD.value,
                is_self=False,
                acked_seq=center_seq,
                received_seq=0,
                sent_seq=center_seq,
                secret=key,
                last_sent_at=now,
            )
        )
        uow.record_event(
            SYNC_ENTITY,
            uuid.uuid5(_NS, code),
            ChangeOp.SYNC,
            {"field_package": code, "name": name, "center_seq": center_seq, "rows": copied},
        )
        uow.commit()
    return FieldPackage(path, code, name, copied, center_seq)


def _copy(
    db: Database, target: Database, progress: Progress | None
) -> tuple[int, tuple[str, str], int, int]:
    engine = db.engine
    if not db.is_sqlite:
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    tables: list[Table] = [t for t in Base.metadata.sorted_tables if t.name not in _NOT_COPIED]
    copied = 0
    with Session(bind=engine) as source, source.begin():
        me = self_site(source)
        center_seq = int(source.scalar(select(func.max(ChangeLog.seq))) or 0)
        center_hlc = int(source.scalar(select(func.max(ChangeLog.hlc))) or 0)
        totals = {
            t.name: int(source.scalar(select(func.count()).select_from(t)) or 0) for t in tables
        }
        total = sum(totals.values())
        if progress:
            progress(0, total)
        with target.engine.begin() as out:
            for table in tables:
                if not totals[table.name]:
                    continue
                rows = [dict(r._mapping) for r in source.execute(select(table))]
                for part in chunks(rows, 2000):
                    out.execute(insert(table), part)
                copied += len(rows)
                if progress:
                    progress(copied, total)
    return copied, (me.code, me.name), center_seq, center_hlc


def _make_vehicle(
    target: Database,
    code: str,
    name: str,
    center: tuple[str, str],
    center_seq: int,
    center_hlc: int,
    upstream_url: str | None,
    now: datetime,
    key: str,
) -> None:
    sites = cast(Table, SyncSite.__table__)
    with target.engine.begin() as out:
        out.execute(
            update(sites)
            .where(sites.c.is_self.is_(True))
            .values(code=code, name=name, kind=SiteKind.FIELD.value, upstream_url=upstream_url)
        )
        out.execute(
            insert(sites),
            [
                {
                    "code": center[0],
                    "name": center[1],
                    "kind": SiteKind.CENTER.value,
                    "is_self": False,
                    "acked_seq": 0,
                    "received_seq": center_seq,
                    "sent_seq": 0,
                    "last_received_at": now,
                    "created_at": now,
                    "secret": key,
                }
            ],
        )
        detail = json.dumps(
            {"field_package_from": center[0], "center_seq": center_seq},
            ensure_ascii=False,
            sort_keys=True,
        )
        fields = SealedFields(
            entity_type=SYNC_ENTITY,
            entity_id=uuid.uuid5(_NS, code),
            op=ChangeOp.SYNC.value,
            actor=PROGRAM_USER,
            actor_id=None,
            role="",
            at=now,
            origin_site=code,
            workstation="",
            detail=detail,
            hlc=center_hlc,
        )
        out.execute(
            insert(cast(Table, ChangeLog.__table__)),
            [{**asdict(fields), "hash": seal(GENESIS, fields)}],
        )
