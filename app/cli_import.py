"""``main.py import roster FILE [--db URL] [--dry-run] [--add-unknown]``: a roster
spreadsheet into the database; ``main.py import shelters|depots|stock|teams|hazards
FILE [--dry-run] [--match code|name] [--gcj02]``: a register or a stock-take
(see :mod:`app.services.register_import`), all or nothing, signed like the roster.

People the file names who are not in 人员与AB岗 are errors, unless
``--add-unknown``: then they are added (with the phone found in the file and the
role of the column they are in) in the same transaction as the shifts, and
listed. Writing is signed by ``--user`` (password from XCC_PASSWORD or a
prompt; see :mod:`app.cli_sign_in`), who must be allowed to edit the roster
(and the staff list, with ``--add-unknown``). Exit status: 0 every row is fine
(and written, unless --dry-run); 1 the file or some row was rejected (nothing
written); 2 the database cannot be used; 64 wrong arguments; 77 not signed in
or not allowed. No Qt here: this runs on a server without a screen too.
"""

from __future__ import annotations

import argparse
import configparser
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.exc import ArgumentError, DBAPIError

from app import config
from app.cli_sign_in import EXIT_DENIED, USER_HELP, sign_in
from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind, classify
from app.data.migrate import current_revision, upgrade
from app.domain.labels import Family, label
from app.domain.roster_checks import Overlap, ShortRest, Understaffed
from app.services.access import NotPermitted
from app.services.register_io import (
    Match,
    RegisterPreview,
    error_lines,
    import_register,
    preview_register,
)
from app.services.roster_import import (
    NewPerson,
    RosterImportRejected,
    RosterPreview,
    iter_error_lines,
    preview_roster,
)

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_DATABASE = 2
EXIT_USAGE = 64

_PROBLEM_TEXT: dict[ProblemKind, str] = {
    ProblemKind.NEWER_SCHEMA: (
        "数据库 {where} 由更新版本的程序创建，请安装新版本；本程序不会修改它。"
    ),
    ProblemKind.LOCKED: "数据库 {where} 被其他程序锁定，请关闭其他程序或稍后再试。",
    ProblemKind.READ_ONLY: "数据库 {where} 为只读，请检查文件权限或磁盘。",
    ProblemKind.UNREACHABLE: "无法连接数据库服务器 {where}，请检查网络和服务器是否运行。",
    ProblemKind.AUTH: "数据库服务器 {where} 拒绝登录，请检查用户名和密码。",
    ProblemKind.CORRUPT: "文件 {where} 不是可用的数据库（已损坏或不是数据库）。",
    ProblemKind.NOT_FOUND: "数据库 {where} 不存在或无法打开。",
    ProblemKind.CONFLICT: "数据库 {where} 中的记录已被他人修改，请重新导入。",
    ProblemKind.DISK_FULL: "数据库 {where} 所在磁盘已满。",
    ProblemKind.BUSY: "数据库 {where} 正忙于其他席位的修改，未保存任何内容，请重试。",
    ProblemKind.MIGRATION: "数据库 {where} 无法升级，已保持原样。",
    ProblemKind.CONSTRAINT: "数据库 {where} 拒绝了这次写入（违反数据规则），未写入任何内容。",
    ProblemKind.PERMISSION: "没有写入数据库 {where} 的权限，请联系管理员。",
    ProblemKind.IO_ERROR: "无法读写数据库 {where} 所在的磁盘或文件，请检查磁盘。",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: 参数错误: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py import", description="导入数据（值班表、资源台账、库存）")
    sub = parser.add_subparsers(dest="what", required=True, parser_class=_Parser)
    roster = sub.add_parser(
        "roster", help="导入值班表（XLSX 或 CSV：UTF-8 / UTF-16 / GBK / GB18030）"
    )
    roster.add_argument("file", type=Path, help="值班表文件")
    roster.add_argument(
        "--db", help="数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"
    )
    roster.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    roster.add_argument("--user", help=USER_HELP)
    roster.add_argument(
        "--add-unknown",
        action="store_true",
        help="把人员与AB岗中没有的人员一并添加（否则这些行作为错误）",
    )
    for kind, text in _REGISTER_HELP.items():
        reg = sub.add_parser(kind, help=text)
        reg.add_argument("file", type=Path, help="XLSX 或 CSV 文件")
        reg.add_argument(
            "--db", help="数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"
        )
        reg.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        reg.add_argument("--user", help=USER_HELP)
        if kind != "stock":
            reg.add_argument(
                "--match",
                choices=("code", "name"),
                default="code",
                help="按编号（code，默认；无编号时按名称和乡镇）或按名称和乡镇（name）匹配已有记录",
            )
            reg.add_argument(
                "--gcj02",
                action="store_true",
                help="文件中的坐标是 GCJ-02（高德、腾讯地图），转换为 WGS-84",
            )
    return parser


_REGISTER_HELP = {
    "shelters": "导入应急避难场所台账",
    "depots": "导入应急物资储备库（点）台账",
    "stock": "导入库存盘点表（数量即盘点后的库存）",
    "teams": "导入应急救援队伍台账",
    "hazards": "导入风险源和隐患点台账",
}


def saved_db_url() -> str | None:
    """The database chosen under 设置 → 数据库连接 (QSettings INI, key db/url), read
    without Qt. Best effort: an unreadable settings file counts as no choice."""
    ini = configparser.ConfigParser(interpolation=None)
    try:
        ini.read(config.settings_path(), encoding="utf-8")
        value = ini.get("db", "url", fallback="").strip()
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value or None


def _where(db: Database) -> str:
    url = db.engine.url
    return str(url.database) if url.get_backend_name() == "sqlite" else url.render_as_string()


def _warning_text(w: Understaffed | Overlap | ShortRest) -> str:
    if isinstance(w, Understaffed):
        missing = "、".join(f"{label(Family.STAFF_ROLE, r, 'zh_CN')}{n}人" for r, n in w.missing)
        return f"第 {w.shift.id} 行 {w.shift.label}: 人员不足，缺{missing}"
    if isinstance(w, Overlap):
        return (
            f"第 {w.first.id} 行与第 {w.second.id} 行: {w.person.name} 同时在两个班次"
            f"（{w.first.label} / {w.second.label}）"
        )
    hours = w.rest.total_seconds() / 3600
    return (
        f"第 {w.previous.id} 行与第 {w.following.id} 行: {w.person.name} "
        f"两班之间只休息 {hours:g} 小时"
    )


def _person_text(p: NewPerson) -> str:
    role = label(Family.STAFF_ROLE, p.role, "zh_CN")
    phone = f"，电话 {p.phone}" if p.phone else "，无电话"
    rows = "、".join(str(r) for r in p.rows)
    return f"{p.name}（{role}{phone}；第 {rows} 行）"


def _report(preview: RosterPreview, *, add_unknown: bool) -> None:
    shifts = preview.to_write(add_unknown=add_unknown)
    bad_rows = {e.row for e in preview.blocking(add_unknown=add_unknown)}
    print(f"文件: {preview.source}")
    print(f"可导入的班次: {len(shifts)}，有错误的行: {len(bad_rows)}")
    if preview.skipped_empty:
        print(f"跳过空行: {preview.skipped_empty}")
    for row, text in preview.notes:
        print(f"  跳过说明行 第 {row} 行: {text}")
    for sh in shifts:
        start = sh.starts_at.strftime("%Y-%m-%d %H:%M")
        end = sh.ends_at.strftime("%Y-%m-%d %H:%M")
        leaders = "、".join(p.name for p in sh.leaders) or "—"
        officers = "、".join(p.name for p in sh.officers) or "—"
        print(f"  第 {sh.row} 行 正确: {sh.label} {start} 至 {end} 带班 {leaders} 值班 {officers}")
    for line in iter_error_lines(preview, add_unknown=add_unknown):
        print(f"  错误 {line}")
    if preview.new_people:
        head = "将添加到人员与AB岗" if add_unknown else "人员与AB岗中没有"
        print(f"{head}的人员: {len(preview.new_people)}")
        for p in preview.new_people:
            print(f"  新人员 {_person_text(p)}")
        if not add_unknown:
            print("  （加 --add-unknown 可将这些人员一并添加）")
    for w in preview.warnings:
        print(f"  提醒 {_warning_text(w)}")


def main(argv: Sequence[str]) -> int:
    """``argv`` is what follows ``import`` on the command line, e.g. ``["roster", "x.xlsx"]``."""
    try:
        ns = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if ns.what != "roster":
        match: Match = "name_township" if getattr(ns, "match", "code") == "name" else "code"
        gcj02 = bool(getattr(ns, "gcj02", False))
        return on_database(
            ns.db,
            lambda db: _run_register(
                db, ns.what, ns.file, dry_run=ns.dry_run, user=ns.user, match=match, gcj02=gcj02
            ),
        )
    return on_database(
        ns.db,
        lambda db: _run(db, ns.file, dry_run=ns.dry_run, add_unknown=ns.add_unknown, user=ns.user),
    )


def _report_register(preview: RegisterPreview) -> None:
    print(f"文件: {preview.source}")
    if preview.kind != "stock":
        how = "编号" if preview.match == "code" else "名称和乡镇"
        print(f"匹配已有记录：按{how}" + ("；坐标按 GCJ-02 转换为 WGS-84" if preview.gcj02 else ""))
    print(preview.summary())
    if preview.blank_rows:
        print(f"跳过空行: {preview.blank_rows}")
    for row, text in preview.notes:
        print(f"  跳过说明行 第 {row} 行: {text}")
    for line in error_lines(preview):
        print(f"  {line}")


def _run_register(
    db: Database,
    kind: str,
    path: Path,
    *,
    dry_run: bool,
    user: str | None,
    match: Match,
    gcj02: bool,
) -> int:
    upgrade(db)
    identity = None if dry_run else sign_in(db, user)
    if identity is None and not dry_run:
        return EXIT_DENIED
    if dry_run:
        preview = preview_register(db, kind, path, match=match, gcj02=gcj02)
        _report_register(preview)
        if not preview.can_import:
            print("有错误，未写入任何内容。")
            return EXIT_REJECTED
        print("检查通过（--dry-run，未写入）。")
        return EXIT_OK
    assert identity is not None
    try:
        result = import_register(
            db, kind, path, match=match, gcj02=gcj02, actor=identity.user, site=identity.site
        )
    except NotPermitted as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_DENIED
    _report_register(result.preview)
    if not result.written:
        print("有错误，未写入任何内容。")
        return EXIT_REJECTED
    print(f"已导入：{result.preview.summary()}（{len(result.changes)} 条记录变更）。")
    return EXIT_OK


def missing_sqlite_file(db_arg: str | None) -> Path | None:
    """The SQLite file the database setting names when it does not exist (opening
    it would create an empty database); None otherwise."""
    try:
        url = config.resolve_db_url(db_arg, None if db_arg else saved_db_url())
    except (ArgumentError, ValueError):
        return None  # on_database says what is wrong with it
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    path = Path(database)
    return None if path.is_file() else path


def on_database(db_arg: str | None, work: Callable[[Database], int]) -> int:
    """Open the database ``--db`` names (else XCC_DB_URL, the saved choice, the
    SQLite file), run ``work(db)`` and return its exit status; a database that
    cannot be used is said in Chinese on stderr with status 2. A SQLite file that
    does not exist is not created, and a database without this program's data is
    not set up: a headless command works on a database the program made (a
    mistyped path must not become a new, empty database). A bug propagates."""
    missing = missing_sqlite_file(db_arg)
    if missing is not None:
        print(f"数据库文件「{missing}」不存在，请检查 --db。", file=sys.stderr)
        return EXIT_DATABASE
    try:
        db = Database(config.resolve_db_url(db_arg, None if db_arg else saved_db_url()))
    except (ArgumentError, ValueError) as exc:
        print(f"数据库地址无法使用: {db_arg or ''} ({exc})", file=sys.stderr)
        return EXIT_DATABASE
    try:
        if current_revision(db) is None:
            print(f"数据库「{db.info.display}」中没有本程序的数据（尚未初始化）。", file=sys.stderr)
            return EXIT_DATABASE
        return work(db)
    except (DatabaseProblem, DBAPIError) as exc:
        problem = classify(exc)
        if problem is None:
            raise
        text = _PROBLEM_TEXT.get(problem.kind, "数据库 {where} 无法使用。")
        print(text.format(where=_where(db)), file=sys.stderr)
        if problem.detail:
            print(f"（{problem.detail}）", file=sys.stderr)
        return EXIT_DATABASE
    finally:
        db.dispose()


def _run(db: Database, path: Path, *, dry_run: bool, add_unknown: bool, user: str | None) -> int:
    upgrade(db)
    identity = None if dry_run else sign_in(db, user)
    if identity is None and not dry_run:
        return EXIT_DENIED
    preview = preview_roster(db, path)
    _report(preview, add_unknown=add_unknown)
    if preview.blocking(add_unknown=add_unknown):
        print("有错误，未写入任何内容。")
        return EXIT_REJECTED
    if dry_run:
        print("检查通过（--dry-run，未写入）。")
        return EXIT_OK
    assert identity is not None
    try:
        changes = preview.apply(actor=identity.user, site=identity.site, add_unknown=add_unknown)
    except NotPermitted as exc:
        print(exc.message(), file=sys.stderr)
        return EXIT_DENIED
    except RosterImportRejected as exc:
        for e in exc.errors:
            print(f"  错误 {e}")
        print("有错误，未写入任何内容。")
        return EXIT_REJECTED
    written = len(preview.to_write(add_unknown=add_unknown))
    print(f"已写入 {written} 个班次（{len(changes)} 条记录）。")
    if add_unknown and preview.new_people:
        print(f"已添加到人员与AB岗: {len(preview.new_people)} 人")
        for p in preview.new_people:
            print(f"  已添加 {_person_text(p)}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
