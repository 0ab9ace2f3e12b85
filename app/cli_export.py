"""``main.py export duty-report DATE FILE [--db URL] [--include-demo]``: the 值班日报 to a file.

``main.py export shelters|depots|stock|teams|hazards FILE [--db URL]
[--include-retired]``: a register (or the stock on hand) to ``.xlsx`` or
``.geojson``/``.json`` (see :mod:`app.services.register_export`); the same exit
statuses, and the number of rows written is printed with the path.

DATE is ``YYYY-MM-DD`` (China time) or ``today`` / ``yesterday`` (also 今天 /
昨天): the calendar day in China on the program's clock. The report covers that
duty day, from the office's handover time to the next morning's, as the
window's 值班日报 does; demo rows stay out unless ``--include-demo`` (the
window's 包含演示数据), and then the report says so. FILE ending in ``.xlsx``
gets the spreadsheet, ``.pdf`` the document the window exports (Qt renders it
on the offscreen platform when there is no display). The file is written whole
or not at all, so a scheduled task never leaves half a file; on success its
path is printed.

Exit status: 0 written; 1 the database cannot be used (missing, not this
program's, unreachable, newer, damaged); 2 wrong arguments or the file cannot
be written. Messages are Chinese, on stderr.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from app.cli_import import EXIT_DATABASE as IMPORT_EXIT_DATABASE
from app.cli_import import _Parser, on_database
from app.data.engine import Database
from app.data.migrate import upgrade
from app.domain.clock import china_date
from app.services.duty_report import DutyReport, DutyReportService, write_xlsx
from app.services.register_io import ExportFormatError, export_format, export_register

EXIT_OK = 0
EXIT_DATABASE = 1
EXIT_USAGE = 2
# What the work returns to on_database when the file cannot be written; told
# apart from on_database's own status for a database problem, then mapped.
_WRITE_FAILED = 3

FORMATS = (".xlsx", ".pdf")
_RELATIVE_DAYS = {"today": 0, "今天": 0, "yesterday": -1, "昨天": -1}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

_OS_REASONS = {
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.ENOENT: "文件夹不存在",
    errno.ENOTDIR: "路径中有一部分不是文件夹",
    errno.EROFS: "磁盘或文件夹为只读",
    errno.ENOSPC: "磁盘已满",
    errno.EISDIR: "同名的文件夹已存在",
}


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py export", description="导出文件（值班日报、资源台账、库存）")
    sub = parser.add_subparsers(dest="what", required=True, parser_class=_Parser)
    report = sub.add_parser(
        "duty-report",
        help="导出某一值班日的值班日报（XLSX 或 PDF）",
        description="导出某一值班日（交班到次日交班）的值班日报；扩展名决定文件类型。",
    )
    report.add_argument(
        "date", help="日期：YYYY-MM-DD（北京时间）、today（今天）或 yesterday（昨天）"
    )
    report.add_argument("file", type=Path, help="要写入的文件（.xlsx 或 .pdf）")
    report.add_argument(
        "--db", help="数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"
    )
    report.add_argument(
        "--include-demo", action="store_true", help="包含演示数据（日报上会注明，不得报送）"
    )
    for kind, text in _REGISTER_HELP.items():
        reg = sub.add_parser(
            kind, help=text, description=f"{text}；扩展名决定文件类型（.xlsx、.geojson 或 .json）。"
        )
        reg.add_argument("file", type=Path, help="要写入的文件（.xlsx、.geojson 或 .json）")
        reg.add_argument(
            "--db", help="数据库 URL 或 SQLite 文件（默认：XCC_DB_URL、设置或本机 SQLite）"
        )
        if kind != "stock":
            reg.add_argument("--include-retired", action="store_true", help="包含已停用的记录")
    return parser


_REGISTER_HELP = {
    "shelters": "导出应急避难场所台账",
    "depots": "导出应急物资储备库（点）台账",
    "stock": "导出库存（每个储备库的每个批次一行，含现有数量和有效期）",
    "teams": "导出应急救援队伍台账",
    "hazards": "导出风险源和隐患点台账",
}


def parse_day(text: str, today: date) -> date:
    """``YYYY-MM-DD``, or ``today``/``yesterday`` (今天/昨天) counted from ``today``.
    Raises ValueError for anything else (also 2026-02-30)."""
    key = text.strip().lower()
    if key in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[key])
    if not _ISO_DAY.fullmatch(key):
        raise ValueError(text)
    return date.fromisoformat(key)


def _usage(text: str) -> int:
    print(text, file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str]) -> int:
    """``argv`` is what follows ``export`` on the command line, e.g.
    ``["duty-report", "yesterday", "日报.pdf"]``; returns the exit status."""
    try:
        ns = _parser().parse_args(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_USAGE
        return EXIT_USAGE if code else EXIT_OK  # --help is 0
    path: Path = ns.file
    if ns.what != "duty-report":
        return _main_register(ns, path)
    kind = path.suffix.lower()
    if kind not in FORMATS:
        return _usage(
            f"不支持的文件类型「{path.suffix or path.name}」：请用 .xlsx 或 .pdf 结尾的文件名。"
        )
    try:
        parse_day(ns.date, date(2000, 1, 1))  # the form only; the clock is read later
    except ValueError:
        return _usage(
            f"日期「{ns.date}」无法识别：请写成 YYYY-MM-DD（如 2026-11-29）、today 或 yesterday。"
        )
    if path.is_dir():
        return _usage(f"「{path}」是一个文件夹，请给出文件名（.xlsx 或 .pdf）。")
    if not path.parent.is_dir():
        return _usage(f"文件夹「{path.parent}」不存在，未写入任何文件。")
    code = on_database(
        ns.db, lambda db: _export(db, ns.date, path, kind, include_demo=ns.include_demo)
    )
    return {IMPORT_EXIT_DATABASE: EXIT_DATABASE, _WRITE_FAILED: EXIT_USAGE}.get(code, code)


def _main_register(ns: argparse.Namespace, path: Path) -> int:
    try:
        export_format(path)
    except ExportFormatError as exc:
        return _usage(str(exc))
    if path.is_dir():
        return _usage(f"「{path}」是一个文件夹，请给出文件名（.xlsx 或 .geojson）。")
    if not path.parent.is_dir():
        return _usage(f"文件夹「{path.parent}」不存在，未写入任何文件。")
    retired = bool(getattr(ns, "include_retired", False))
    code = on_database(ns.db, lambda db: _export_register(db, ns.what, path, retired))
    return {IMPORT_EXIT_DATABASE: EXIT_DATABASE, _WRITE_FAILED: EXIT_USAGE}.get(code, code)


def _export_register(db: Database, kind: str, path: Path, include_retired: bool) -> int:
    upgrade(db)
    try:
        written = export_register(db, kind, path, include_retired=include_retired)
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
        print(f"无法写入文件「{path}」：{reason}。", file=sys.stderr)
        return _WRITE_FAILED
    print(f"已导出 {written} 行：{path.resolve()}")
    return EXIT_OK


def _export(db: Database, day_text: str, path: Path, kind: str, *, include_demo: bool) -> int:
    upgrade(db)  # nothing to do unless the program is newer than the database
    now = db.clock()
    day = parse_day(day_text, china_date(now))
    report = DutyReportService(db).build(day, now, include_demo=include_demo)
    try:
        if kind == ".xlsx":
            write_xlsx(report, path)
        else:
            _write_pdf(report, path)
    except OSError as exc:
        reason = _OS_REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
        print(f"无法写入文件「{path}」：{reason}。", file=sys.stderr)
        return _WRITE_FAILED
    print(path.resolve())
    return EXIT_OK


def _write_pdf(report: DutyReport, path: Path) -> None:
    """The window's PDF, rendered by Qt without a window: offscreen when no
    display is there (a scheduled task), in Chinese."""
    from app.bootstrap import headless_unix

    if headless_unix():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.ui.i18n import install_translator
    from app.ui.roster.duty_report_document import write_report_pdf

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "xcc"])
    assert isinstance(app, QApplication)
    translators = install_translator(app, "zh_CN")
    try:
        write_report_pdf(report, path)
    finally:
        for t in translators:
            app.removeTranslator(t)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
