"""Field vehicles and synchronisation, without a window.

``main.py field export FILE --name NAME [--db URL] [--user NAME]``
    At the command center: write the field package for a vehicle called NAME
    (a SQLite file that the vehicle's laptop opens with ``main.py --db FILE``).

``main.py sync packet write FILE [--to SITE] [--db URL] [--user NAME]``
    Write the change packet for SITE (default: a vehicle's center; at the
    center, the one vehicle there is, else ``--to`` is needed): every change
    it has not acknowledged, and the acknowledgment of what we hold of its.

``main.py sync packet apply FILE [--db URL] [--user NAME]``
    Apply a change packet in one transaction, or nothing of it.

``main.py sync network [--center URL] [--db URL] [--user NAME]``
    At a vehicle: push, pull and confirm over the network with the center's
    database (default: the one the package came from).

``main.py sync status [--db URL]``
    This site, each peer's waiting changes and last syncs, open conflicts.

Writing commands are signed by ``--user`` (password from XCC_PASSWORD or a
prompt; see :mod:`app.cli_sign_in`), who must be allowed to synchronise.

Exit status (:class:`app.sync.types.ExitCode`): 0 done (status: nothing
waiting); 3 the packet held nothing new (applied before); 4 status: changes
waiting or conflicts to decide; 1 the database cannot be used; 2 wrong
arguments (also a center address that is not one) or a file that cannot be
read or written (an existing file is never replaced, except an earlier packet
of this site); 65 refused (damaged or unsigned packet, other version, other
site, a gap); 75 the center cannot be reached now (try again: nothing is
lost); 77 not signed in or not allowed.
Messages are Chinese; errors on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from app.cli_export import _OS_REASONS
from app.cli_import import EXIT_DATABASE as OPEN_FAILED
from app.cli_import import _Parser, on_database
from app.cli_sign_in import USER_HELP, sign_in
from app.data.engine import Database
from app.data.migrate import upgrade
from app.domain.clock import china_time
from app.services.access import NotPermitted
from app.sync.packet import SUFFIX
from app.sync.service import SyncService, SyncStatus
from app.sync.types import (
    SITE_KIND_LABELS,
    BadAddress,
    CenterUnavailable,
    ExitCode,
    SyncRefused,
)

EXIT_DATABASE = 1
EXIT_USAGE = 2
# What the work returns for wrong arguments, told apart from on_database's own
# status for a database that cannot be used (2 there), then mapped.
_USAGE = 1002
_DB_HELP = "数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"


def _parser(group: str) -> argparse.ArgumentParser:
    if group == "field":
        parser = _Parser(prog="main.py field", description="前方指挥车数据包")
        sub = parser.add_subparsers(dest="what", required=True, parser_class=_Parser)
        export = sub.add_parser("export", help="从指挥中心带出前方数据包")
        export.add_argument("file", type=Path, help="要写入的前方数据包文件")
        export.add_argument("--name", required=True, help="前方指挥车名称，如“前方指挥车1号”")
        export.add_argument("--db", help=_DB_HELP)
        export.add_argument("--user", help=USER_HELP)
        return parser
    parser = _Parser(prog="main.py sync", description="与指挥中心或前方指挥车同步")
    sub = parser.add_subparsers(dest="what", required=True, parser_class=_Parser)
    packet = sub.add_parser("packet", help="写出或导入同步数据包")
    packet.add_argument("action", choices=("write", "apply"), help="write 写出；apply 导入")
    packet.add_argument("file", type=Path, help="同步数据包文件（.xccsync）")
    packet.add_argument("--to", help="写出给哪个站点（站点代码；前方指挥车默认发给指挥中心）")
    packet.add_argument("--db", help=_DB_HELP)
    packet.add_argument("--user", help=USER_HELP)
    network = sub.add_parser("network", help="前方指挥车经网络与指挥中心同步")
    network.add_argument("--center", help="指挥中心数据库 URL（默认：带出时记录的地址）")
    network.add_argument("--db", help=_DB_HELP)
    network.add_argument("--user", help=USER_HELP)
    status = sub.add_parser("status", help="同步状态：待发送、待确认、冲突")
    status.add_argument("--db", help=_DB_HELP)
    return parser


def main(group: str, argv: Sequence[str]) -> int:
    """``group`` is ``field`` or ``sync``; ``argv`` what follows it. Returns the exit status."""
    try:
        ns = _parser(group).parse_args(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_USAGE
        return EXIT_USAGE if code else ExitCode.OK
    code = on_database(ns.db, lambda db: _run(db, group, ns))
    return {OPEN_FAILED: EXIT_DATABASE, _USAGE: EXIT_USAGE}.get(code, code)


def _run(db: Database, group: str, ns: argparse.Namespace) -> int:
    upgrade(db)  # on_database has checked that it is the program's
    service = SyncService(db)
    if group == "sync" and ns.what == "status":
        return _status(service.status())
    if group == "field" and not " ".join(ns.name.split()):
        print("请用 --name 填写前方指挥车的名称。", file=sys.stderr)
        return _USAGE
    if group == "sync" and ns.what == "packet" and ns.to is None and ns.action == "write":
        try:
            service.default_peer()
        except SyncRefused as exc:
            print(str(exc), file=sys.stderr)
            return _USAGE
    if sign_in(db, ns.user) is None:
        return ExitCode.DENIED
    try:
        if group == "field":
            return _field_export(service, ns.file, ns.name)
        if ns.what == "network":
            return _network(service, ns.center)
        if ns.action == "write":
            return _write(service, ns.file, ns.to)
        return _apply(service, ns.file)
    except NotPermitted as exc:
        print(exc.message(), file=sys.stderr)
        return ExitCode.DENIED
    except BadAddress as exc:
        print(str(exc), file=sys.stderr)
        return _USAGE
    except CenterUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.TRY_AGAIN
    except SyncRefused as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.REFUSED
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
        print(f"无法读写文件「{getattr(ns, 'file', '')}」：{reason}。", file=sys.stderr)
        return _USAGE


def _field_export(service: SyncService, path: Path, name: str) -> int:
    if path.exists():
        print(f"文件「{path}」已存在，不会覆盖：请换一个文件名。", file=sys.stderr)
        return _USAGE
    if not path.parent.is_dir():
        print(f"文件夹「{path.parent}」不存在，未写入任何文件。", file=sys.stderr)
        return _USAGE
    done = service.export_field_package(path, name)
    print(f"已带出前方数据包：{done.path.resolve()}")
    print(f"前方指挥车：{done.name}（站点代码 {done.code}），{done.rows} 条记录。")
    print(f"在前方指挥车的电脑上运行：main.py --db {done.path.name}")
    return ExitCode.OK


def _write(service: SyncService, path: Path, to: str | None) -> int:
    if path.suffix.lower() != SUFFIX:
        print(f"同步数据包的文件名应以 {SUFFIX} 结尾：{path.name}。", file=sys.stderr)
        return _USAGE
    if path.is_dir() or not path.parent.is_dir():
        print(f"无法写入「{path}」：文件夹不存在或这是一个文件夹。", file=sys.stderr)
        return _USAGE
    written = service.write_packet(path, to)
    print(
        f"已写出同步数据包：{written.path.resolve()}（发给 {written.recipient}，"
        f"{written.changes} 条变更，{written.records} 条记录，{written.bytes} 字节）"
    )
    return ExitCode.OK


def _apply(service: SyncService, path: Path) -> int:
    if path.is_dir():
        print(f"「{path}」是一个文件夹，不是同步数据包。", file=sys.stderr)
        return _USAGE
    if not path.is_file():
        print(f"文件「{path}」不存在。", file=sys.stderr)
        return _USAGE
    result = service.apply_packet_file(path)
    if result.already_applied:
        print(f"此数据包已导入过，没有新内容（{result.known_changes} 条变更本站点已有）。")
        return ExitCode.ALREADY
    print(
        f"已导入来自 {result.sender_name}（{result.sender}）的 {result.record_changes} 条变更"
        f"（新增 {result.inserted}、修改 {result.updated}、删除 {result.deleted} 条记录；"
        f"已有 {result.known_changes} 条）。"
    )
    open_now = service.status().open_conflicts
    if result.conflicts or open_now:
        print(
            f"本次发现 {result.conflicts} 条新冲突，待处理的冲突共 {open_now} 条："
            "请在 文件 → 同步… → 查看冲突记录 中处理。"
        )
    return ExitCode.OK


def _network(service: SyncService, center: str | None) -> int:
    result = service.sync_network(center)
    conflicts = result.pushed.conflicts + result.pulled.conflicts
    print(
        f"已发送 {result.pushed.record_changes} 条变更，"
        f"已收到 {result.pulled.record_changes} 条变更；"
        f"冲突 {conflicts} 条。"
    )
    if conflicts:
        print("请在 文件 → 同步… → 查看冲突记录 中处理冲突。")
    if abs(result.skew_s) >= 60:
        print(f"注意：指挥中心时钟与本机相差约 {_duration(result.skew_s)}。")
    return ExitCode.OK


def _when(moment: datetime | None) -> str:
    return china_time(moment).strftime("%Y-%m-%d %H:%M") if moment else "从未"


def _duration(seconds: float) -> str:
    s = abs(int(seconds))
    sign = "快" if seconds > 0 else "慢"
    if s >= 3600:
        return f"{s / 3600:.1f} 小时（对方{sign}）"
    return f"{s // 60} 分钟（对方{sign}）"


def _status(status: SyncStatus) -> int:
    site = status.site
    print(f"本站点：{site.name}（{SITE_KIND_LABELS[site.kind]}，代码 {site.code}）")
    if not status.peers:
        print("还没有同步对象。")
    for peer in status.peers:
        sent, got = _when(peer.last_sent_at), _when(peer.last_received_at)
        print(
            f"  {peer.name}（{SITE_KIND_LABELS[peer.kind]}，{peer.code}）："
            f"待发送 {peer.unsent} 条，待对方确认 {peer.waiting - peer.unsent} 条；"
            f"上次发出 {sent}，上次收到 {got}"
        )
        if peer.skew_s is not None and abs(peer.skew_s) >= 60:
            print(f"    对方时钟与本机相差约 {_duration(peer.skew_s)}")
    print(f"待处理冲突：{status.open_conflicts} 条")
    waiting = status.waiting or status.open_conflicts
    return ExitCode.WAITING if waiting else ExitCode.OK
