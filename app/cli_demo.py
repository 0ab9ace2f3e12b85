"""``main.py demo remove [--db URL]``: take the demo data out of a database.

Signed by ``--user`` (password from XCC_PASSWORD or a prompt), who must be
allowed to remove demo data (系统管理员). Exit status: 0 removed (or there was
none); 1 refused, because real rows need demo rows (listed; nothing written);
2 the database cannot be used; 64 wrong arguments; 77 not signed in or not
allowed. No Qt here: this runs on a server without a screen too.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence

from app.cli_import import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, _Parser, on_database
from app.cli_sign_in import EXIT_DENIED, USER_HELP, sign_in
from app.data.engine import Database
from app.data.migrate import upgrade
from app.domain.enums import ChangeOp
from app.services.access import NotPermitted
from app.services.demo import DemoRemovalRefused, remove_demo


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py demo", description="演示数据")
    sub = parser.add_subparsers(dest="what", required=True, parser_class=_Parser)
    remove = sub.add_parser("remove", help="移除全部演示数据（真实记录保留）")
    remove.add_argument(
        "--db", help="数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"
    )
    remove.add_argument("--user", help=USER_HELP)
    return parser


def main(argv: Sequence[str]) -> int:
    """``argv`` is what follows ``demo`` on the command line, e.g. ``["remove"]``."""
    try:
        ns = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return on_database(ns.db, lambda db: _remove(db, ns.user))


def _remove(db: Database, user: str | None) -> int:
    upgrade(db)
    identity = sign_in(db, user)
    if identity is None:
        return EXIT_DENIED
    try:
        changes = remove_demo(db, actor=identity.user, site=identity.site)
    except NotPermitted as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_DENIED
    except DemoRemovalRefused as exc:
        print("以下真实记录依赖演示数据，无法保留，未移除任何内容：")
        for d in exc.dependents:
            print(f"  {d.entity_type}「{d.name}」依赖演示 {d.demo_entity_type}「{d.demo_name}」")
        return EXIT_REJECTED
    if not changes:
        print("数据库中没有演示数据。")
        return EXIT_OK
    for op, heading in (
        (ChangeOp.DELETE, "已移除"),
        (ChangeOp.UPDATE, "已解除与演示数据关联的真实记录"),
    ):
        counts = Counter(r.entity_type for r in changes if r.op is op)
        if counts:
            parts = "，".join(f"{entity} {n}" for entity, n in sorted(counts.items()))
            print(f"{heading} {sum(counts.values())} 行（{parts}）。")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
