"""``main.py audit verify [--db URL]``: check the audit trail's hash chain.

Walks every change-log entry in order and recomputes its hash from the one
before (:mod:`app.domain.audit`). Exit status: 0 the chain holds (prints how
many entries and the last hash, which an office may note down to pin the
history so far); 1 an entry was altered, removed or reordered (prints the
first broken one); 2 the database cannot be used (a SQLite file that does not
exist, or a database without this program's data: never created and reported
as an empty, intact chain); 64 wrong arguments. Reading needs no sign-in. No
Qt here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli_import import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, _Parser, on_database
from app.data.engine import Database
from app.data.migrate import upgrade
from app.services.audit import AuditService


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py audit", description="审计日志")
    sub = parser.add_subparsers(dest="what", required=True, parser_class=_Parser)
    verify = sub.add_parser("verify", help="校验审计链（每条记录的哈希）")
    verify.add_argument(
        "--db", help="数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"
    )
    return parser


def main(argv: Sequence[str]) -> int:
    """``argv`` is what follows ``audit`` on the command line, e.g. ``["verify"]``."""
    try:
        ns = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return on_database(ns.db, _verify)


def _verify(db: Database) -> int:
    upgrade(db)
    service = AuditService(db)
    result = service.verify()
    if result.ok:
        print(f"已校验 {result.checked} 条记录，审计链完整。")
        print(f"最后一条的哈希：{result.last_hash}")
        return EXIT_OK
    broken = result.broken
    assert broken is not None
    print(f"审计链在第 {broken.seq} 号记录处断开：该记录或其前一条已被改动、删除或调换。")
    print(f"  存储的哈希：{broken.found or '（空）'}")
    print(f"  应有的哈希：{broken.expected}")
    print(f"此前的 {result.checked - 1} 条记录完好。")
    return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
