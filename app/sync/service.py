"""What the program calls to synchronise: status, field packages, packets, network, conflicts."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind, classify
from app.data.migrate import current_revision, head_revision
from app.data.models import TRACKED_MODELS, SyncConflict, SyncSite
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.identity import PROGRAM_USER, current_operator
from app.services.access import NotPermitted, require
from app.sync.codec import decode
from app.sync.collect import TABLES, collect
from app.sync.field_package import FieldPackage, export_field_package
from app.sync.merge import apply_packet
from app.sync.packet import Packet, Progress, read_file, read_header, write_file
from app.sync.sites import PeerStatus, SiteInfo, open_conflicts, peer_statuses, self_site
from app.sync.types import (
    ApplyResult,
    BadAddress,
    CenterUnavailable,
    ConflictKind,
    Resolution,
    SchemaMismatch,
    SiteKind,
    SyncRefused,
)


@dataclass(frozen=True)
class SyncStatus:
    site: SiteInfo
    peers: list[PeerStatus]
    open_conflicts: int
    upstream_url: str | None  # a field vehicle's center database (no password)

    @property
    def waiting(self) -> int:
        """The most changes any one peer has not acknowledged yet."""
        return max((p.waiting for p in self.peers), default=0)

    @property
    def unsent(self) -> int:
        """The most changes no packet to one peer has carried yet."""
        return max((p.unsent for p in self.peers), default=0)

    def peer(self, code: str) -> PeerStatus | None:
        return next((p for p in self.peers if p.code == code), None)


@dataclass(frozen=True)
class PacketWritten:
    path: Path
    recipient: str
    changes: int
    records: int
    bytes: int


@dataclass(frozen=True)
class NetworkResult:
    pushed: ApplyResult  # our changes, applied at the center
    pulled: ApplyResult  # the center's changes, applied here
    skew_s: float  # the center's clock minus ours, seconds


@dataclass(frozen=True)
class ConflictView:
    """A conflict as the duty officer sees it."""

    id: uuid.UUID
    version: int
    kind: ConflictKind
    entity_type: str
    entity_id: uuid.UUID
    field: str | None
    kept_value: Any
    kept_replica: str | None
    kept_actor: str | None
    kept_at: datetime | None
    lost_value: Any
    lost_replica: str | None
    lost_actor: str | None
    lost_at: datetime | None
    detected_at: datetime
    detected_by: str
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None
    note: str | None

    @property
    def can_take_lost(self) -> bool:
        """Whether 改用另一值 can write the other value back (a single field)."""
        return self.kind is ConflictKind.FIELD and self.field is not None


def _loads(value: str | None) -> Any:
    return json.loads(value) if value else None


class SyncService:
    """Synchronisation of ``db`` with its peers; every write asks for Action.SYNC."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _signer(self) -> tuple[str, str]:
        who = current_operator()
        return (who.user, who.site) if who else (PROGRAM_USER, "program")

    # -- status -------------------------------------------------------------
    def status(self) -> SyncStatus:
        with self._db.read_session() as s:
            me = self_site(s)
            url = s.scalar(select(SyncSite.upstream_url).where(SyncSite.is_self.is_(True)))
            return SyncStatus(me, peer_statuses(s), open_conflicts(s), url)

    def site(self) -> SiteInfo:
        with self._db.read_session() as s:
            return self_site(s)

    # -- field packages -------------------------------------------------------
    def export_field_package(
        self, path: Path, name: str, *, progress: Progress | None = None
    ) -> FieldPackage:
        """See :func:`app.sync.field_package.export_field_package`."""
        actor, site = self._signer()
        require(self._db, Action.SYNC)
        return export_field_package(
            self._db,
            path,
            name=name,
            actor=actor,
            site=site,
            now=self._db.clock(),
            progress=progress,
        )

    # -- packets ----------------------------------------------------------------
    def default_peer(self) -> str:
        """The peer a packet goes to when none is named: a vehicle's center.
        Raises SyncRefused at a center (name the vehicle)."""
        with self._db.read_session() as s:
            me = self_site(s)
            peers = list(s.scalars(select(SyncSite).where(SyncSite.is_self.is_(False))))
        if me.kind is SiteKind.FIELD:
            center = [p for p in peers if p.kind == SiteKind.CENTER.value]
            if center:
                return center[0].code
        if len(peers) == 1:
            return peers[0].code
        if not peers:
            raise SyncRefused("本站点还没有同步对象：请先从指挥中心带出前方数据包。")
        raise SyncRefused(
            "请指明数据包发给哪一辆前方指挥车（命令行用 --to 名称或站点代码）："
            + "、".join(f"{p.name}（{p.code}）" for p in peers)
        )

    def write_packet(
        self, path: Path, peer: str | None = None, *, progress: Progress | None = None
    ) -> PacketWritten:
        """Write the packet for ``peer`` (default :meth:`default_peer`) to ``path``:
        every change it has not acknowledged and the acknowledgment of what we
        hold of its changes. Raises SyncRefused, NotPermitted, OSError."""
        require(self._db, Action.SYNC)
        code = self.peer_code(peer) if peer else self.default_peer()
        if not path.parent.is_dir():
            raise SyncRefused(f"文件夹不存在：{path.parent}。")
        self._check_replaceable(path)
        packet = collect(self._db, code, now=self._db.clock(), progress=progress)
        with self._db.read_session() as s:
            key = s.scalar(select(SyncSite.secret).where(SyncSite.code == code))
        size = write_file(packet, path, key)
        actor, site = self._signer()
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            row = uow.session.get(SyncSite, code)
            if row is not None:
                row.last_sent_at = self._db.clock()
                row.sent_seq = max(row.sent_seq, packet.header.last_seq)
            uow.commit()
        return PacketWritten(path, code, len(packet.entries), len(packet.rows), size)

    def _check_replaceable(self, path: Path) -> None:
        """A packet may replace only an earlier packet of this site (which the new
        one supersedes: it holds every change not acknowledged); never another
        file, least of all a database."""
        if not path.exists():
            return
        if path.is_dir():
            raise SyncRefused(f"“{path}”是一个文件夹，请给出数据包的文件名。")
        me = self.site()
        try:
            sender = read_header(path).sender
        except (SyncRefused, OSError):
            sender = None
        if sender != me.code:
            raise SyncRefused(
                f"文件已存在：{path}。它不是本站点写出的同步数据包，不会被覆盖：请换一个文件名。"
            )

    def apply_packet_file(self, path: Path, *, progress: Progress | None = None) -> ApplyResult:
        """Apply the packet at ``path`` in one transaction. Raises PacketDamaged,
        SchemaMismatch, SyncRefused, NotPermitted, OSError; nothing is applied then."""
        require(self._db, Action.SYNC)
        if path.is_dir():
            raise SyncRefused(f"“{path}”是一个文件夹，不是同步数据包。")
        if not path.is_file():
            raise SyncRefused(f"文件不存在：{path}。")
        packet = read_file(path)
        return self._apply(self._db, packet, now=self._db.clock(), signed=True, progress=progress)

    def _apply(
        self,
        db: Database,
        packet: Packet,
        *,
        now: datetime,
        network: bool = False,
        signed: bool = False,
        progress: Progress | None = None,
    ) -> ApplyResult:
        actor, site = self._signer()
        return apply_packet(
            db,
            packet,
            actor=actor,
            site=site,
            now=now,
            network=network,
            signed=signed,
            progress=progress,
        )

    def peer_code(self, peer: str) -> str:
        """The site code of ``peer``, given as its code or its name. Raises
        SyncRefused when no peer or more than one has it."""
        wanted = " ".join(peer.split())
        with self._db.read_session() as s:
            rows = s.execute(
                select(SyncSite.code, SyncSite.name).where(SyncSite.is_self.is_(False))
            ).all()
        if any(code == wanted for code, _ in rows):
            return wanted
        named = [code for code, name in rows if name == wanted]
        if len(named) == 1:
            return named[0]
        known = "、".join(f"{name}（{code}）" for code, name in rows) or "无"
        raise SyncRefused(f"没有名称或代码为“{wanted}”的同步对象。本站点的同步对象：{known}。")

    # -- network ------------------------------------------------------------------
    def sync_network(
        self, url: str | None = None, *, progress: Progress | None = None
    ) -> NetworkResult:
        """Push our unacknowledged changes to the center's database at ``url``
        (default: the one the package came from), pull its changes, then confirm
        what we received. Each step is one transaction on one side and
        idempotent, so an interrupted sync is completed by the next one.

        Raises SyncRefused (no center, not reachable, not our center),
        SchemaMismatch, NotPermitted.
        """
        require(self._db, Action.SYNC)
        status = self.status()
        if status.site.kind is not SiteKind.FIELD:
            raise SyncRefused("网络同步由前方指挥车发起：指挥中心请等待前方指挥车连接。")
        target = url or status.upstream_url
        if not target:
            raise SyncRefused(
                "不知道指挥中心数据库的地址：请在同步窗口填写（命令行用 --center 指明）。"
            )
        center = _center_database(target, self._db)
        where = center.info.display
        done: list[str] = []  # the steps finished (each one transaction)
        try:
            center_code = self.default_peer()
            self._check_center(center, center_code, status.site)
            done.append("connected")

            def center_now() -> datetime:
                if center.is_sqlite:  # a file on this computer: the same clock
                    return self._db.clock()
                with center.engine.connect() as conn:
                    moment = conn.execute(text("SELECT clock_timestamp()")).scalar()
                assert isinstance(moment, datetime)
                return moment

            def stage(offset: int) -> Progress | None:
                if progress is None:
                    return None
                return lambda done, total: progress(offset + done, offset + total)

            out = collect(self._db, center_code, now=self._db.clock())
            pushed = self._apply(center, out, now=center_now(), network=True, progress=stage(0))
            _note_sent(self._db, center_code, out.header.last_seq, self._db.clock())
            done.append("发出")
            back = collect(center, status.site.code, now=center_now())
            pulled = self._apply(
                self._db, back, now=self._db.clock(), network=True, progress=stage(len(out.entries))
            )
            _note_sent(center, status.site.code, back.header.last_seq, center_now())
            done.append("收到")
            confirm = collect(self._db, center_code, now=self._db.clock())
            self._apply(center, confirm, now=center_now(), network=True)
            _note_sent(self._db, center_code, confirm.header.last_seq, self._db.clock())
            skew = pulled_skew(self._db, center_code)
            return NetworkResult(pushed, pulled, skew)
        except NotPermitted as exc:
            raise SyncRefused(
                f"指挥中心数据库（{where}）不允许“{exc.operator.user}”同步：{exc.message()}"
            ) from exc
        except DatabaseProblem as exc:
            raise CenterUnavailable(_network_problem(where, exc, done)) from exc
        except Exception as exc:
            problem = classify(exc)
            if problem is not None:
                raise CenterUnavailable(_network_problem(where, problem, done)) from exc
            raise
        finally:
            center.dispose()

    def _check_center(self, center: Database, center_code: str, me: SiteInfo) -> None:
        """Refuse a database of another version, or one that is not the center
        this vehicle came from (another center, another vehicle, an empty one)."""
        head = head_revision()
        found = current_revision(center)
        if found is None:
            raise SyncRefused(
                f"“{center.info.display}”中没有本程序的数据：这不是指挥中心数据库，请检查地址。"
            )
        if found != head:
            raise SchemaMismatch(
                f"指挥中心的数据库版本为 {found}，本程序为 {head}："
                "两边须先升级到同一版本的程序。未同步任何内容。"
            )
        center.schema_revision = head
        with center.read_session() as s:
            theirs = self_site(s)
            knows_us = s.scalar(
                select(SyncSite.code).where(SyncSite.code == me.code, SyncSite.is_self.is_(False))
            )
        if theirs.code != center_code or knows_us is None:
            raise SyncRefused(
                f"“{center.info.display}”不是带出本车（{me.name}）的指挥中心数据库"
                f"（它是“{theirs.name}”）：请检查地址。未同步任何内容。"
            )

    # -- conflicts ----------------------------------------------------------------
    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictView]:
        """Conflicts, the newest first; open ones only unless ``include_resolved``."""
        with self._db.read_session() as s:
            stmt = select(SyncConflict).order_by(SyncConflict.detected_at.desc(), SyncConflict.id)
            if not include_resolved:
                stmt = stmt.where(SyncConflict.resolved_at.is_(None))
            return [_view(c) for c in s.scalars(stmt)]

    def resolve(
        self,
        conflict_id: uuid.UUID,
        resolution: Resolution,
        *,
        expected_version: int,
        note: str | None = None,
    ) -> None:
        """Decide a conflict: keep the value every site holds, take the other
        one (a field conflict: written to the record as a new change, which
        travels like any other), or note it as dealt with. Raises ConflictError
        (someone decided it meanwhile, or the record changed), SyncRefused,
        NotPermitted."""
        require(self._db, Action.SYNC)
        actor, site = self._signer()
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            conflict = uow.get_current(SyncConflict, conflict_id, expected_version)
            if conflict.resolved_at is not None:
                raise SyncRefused("这条冲突已经处理过了。")
            if resolution is Resolution.TOOK_LOST:
                _take_lost(s, conflict)
            conflict.resolved_at = self._db.clock()
            conflict.resolved_by = actor
            conflict.resolution = resolution.value
            conflict.note = note or None
            uow.commit()


def _take_lost(s: Session, conflict: SyncConflict) -> None:
    if conflict.kind != ConflictKind.FIELD.value or not conflict.field:
        raise SyncRefused("这类冲突不能直接改用另一值，请到相应记录中修改。")
    cls = next((m for m in TRACKED_MODELS if m.__change_entity__ == conflict.entity_type), None)
    if cls is None:
        raise SyncRefused("冲突所在的记录类型已不存在。")
    record = s.get(cls, conflict.entity_id)
    if record is None:
        raise SyncRefused("冲突所在的记录已被删除。")
    column = TABLES[conflict.entity_type].c[conflict.field]
    setattr(record, conflict.field, decode(column, _loads(conflict.lost_value)))


_NETWORK_PROBLEMS = {
    ProblemKind.UNREACHABLE: (
        "连不上服务器：请检查网络、地址和端口，以及指挥中心的数据库服务是否在运行"
    ),
    ProblemKind.AUTH: "服务器拒绝登录：请检查用户名和密码（密码可用 PGPASSWORD 或 ~/.pgpass 提供）",
    ProblemKind.NOT_FOUND: "服务器上没有这个数据库：请检查地址中的数据库名",
    ProblemKind.PERMISSION: "这个账号没有读写该数据库的权限",
    ProblemKind.BUSY: "指挥中心数据库正忙，未同步任何内容，请稍后再试",
    ProblemKind.LOCKED: "指挥中心数据库被锁定，未同步任何内容，请稍后再试",
}


def _network_problem(where: str, problem: DatabaseProblem, done: list[str]) -> str:
    if done and problem.kind is ProblemKind.UNREACHABLE:
        reason = "与指挥中心数据库的连接中断了"
    else:
        reason = _NETWORK_PROBLEMS.get(problem.kind, "数据库无法使用")
    steps = [d for d in done if d != "connected"]
    if steps:
        kept = "已完成的步骤（" + "、".join(steps) + "）已保存，其余未写入；下次同步会接着完成。"
    else:
        kept = "两边都没有写入任何内容，可以稍后再试。"
    return f"无法与指挥中心数据库（{where}）同步：{reason}。{kept}"


def _center_database(address: str, db: Database) -> Database:
    """The center's database at ``address``: a PostgreSQL URL (or, for a center
    on this computer, a SQLite URL of an existing file). Raises BadAddress."""
    hint = "应为 postgresql+psycopg://用户@服务器:端口/数据库"
    given = address.strip()
    if "://" not in given:
        raise BadAddress(f"指挥中心数据库地址的格式不对：{given}。{hint}。")
    try:
        url = make_url(given)
    except (ArgumentError, ValueError) as exc:
        raise BadAddress(f"指挥中心数据库地址的格式不对：{given}。{hint}。") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or not Path(url.database).is_file():
            raise BadAddress(f"指挥中心数据库文件不存在：{url.database or given}。")
    elif backend != "postgresql":
        raise BadAddress(f"指挥中心数据库地址的格式不对：{given}。{hint}。")
    try:
        return Database(url, clock=db.clock)
    except (ArgumentError, ValueError) as exc:
        raise BadAddress(f"指挥中心数据库地址无法使用：{given}。{hint}。") from exc


def _note_sent(db: Database, peer: str, last_seq: int, now: datetime) -> None:
    """A packet went to ``peer`` (over the network): when, and up to which seq."""
    with db.write_session() as s, s.begin():
        row = s.get(SyncSite, peer)
        if row is not None:
            row.last_sent_at = now
            row.sent_seq = max(row.sent_seq, last_seq)


def pulled_skew(db: Database, peer: str) -> float:
    with db.read_session() as s:
        value = s.scalar(select(SyncSite.skew_s).where(SyncSite.code == peer))
    return float(value or 0.0)


def _view(c: SyncConflict) -> ConflictView:
    return ConflictView(
        c.id,
        c.version,
        ConflictKind(c.kind),
        c.entity_type,
        c.entity_id,
        c.field,
        _loads(c.kept_value),
        c.kept_replica,
        c.kept_actor,
        c.kept_at,
        _loads(c.lost_value),
        c.lost_replica,
        c.lost_actor,
        c.lost_at,
        c.detected_at,
        c.detected_by,
        c.resolved_at,
        c.resolved_by,
        c.resolution,
        c.note,
    )
