"""``main.py export duty-report DATE FILE``: the 值班日报 archived from a scheduled task.

The command runs as its own process on a real database file with a roster,
incidents and a handover of one duty day, 29 November 2026. ``today`` and
``yesterday`` are read on the program's clock, which the child process runs
frozen at a chosen moment (time-machine, as the test suite freezes its own).
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import URL, make_url

from app.cli_export import main as export_main
from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import DutyAssignment, DutyShift, Incident, Staff
from app.data.uow import UnitOfWork
from app.domain.clock import CHINA_TZ
from app.services.duty_report import DEMO_NOTE, report_title
from app.services.handover import HandoverService

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 29)
HANDOVER = datetime(2026, 11, 29, 8, 30, tzinfo=CHINA_TZ)  # the duty day begins
FORMULA_TITLE = '=HYPERLINK("http://example.invalid","点击查看")'
MARKUP_TITLE = "<b>x</b> 龙城镇民房起火"
SUMMARY = "夜间平稳\u000b已疏散群众20人"  # Word's Shift+Enter line break
# Runs main.py with the wall clock frozen at argv[1] (and ticking from there).
FROZEN_MAIN = (
    "import runpy, sys, time_machine\n"
    "from datetime import datetime\n"
    "time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=True).start()\n"
    "sys.argv = ['main.py', *sys.argv[2:]]\n"
    "runpy.run_path('main.py', run_name='__main__')\n"
)


def _fill(url: URL) -> None:
    """A migrated database holding the duty day of DAY and a little around it."""
    db = Database(url)
    try:
        upgrade(db)
        with UnitOfWork(db, actor="setup", site="s") as uow:
            leader = Staff(name="张三", phone="13800000001", role="leader")
            officer = Staff(name="李四", role="officer")
            shift = DutyShift(
                label="11月29日 值班", starts_at=HANDOVER, ends_at=HANDOVER + timedelta(days=1)
            )
            uow.session.add_all([leader, officer, shift])
            uow.session.flush()
            uow.session.add_all(
                [
                    DutyAssignment(shift_id=shift.id, staff_id=leader.id, role="leader"),
                    DutyAssignment(shift_id=shift.id, staff_id=officer.id, role="officer"),
                ]
            )

            def incident(title: str, hours: float, *, demo: bool = False) -> Incident:
                return Incident(
                    title=title,
                    category="accident",
                    incident_type="fire",
                    severity="IV",
                    status="handling",
                    received_at=HANDOVER + timedelta(hours=hours),
                    source="phone",
                    is_demo=demo,
                )

            uow.session.add_all(
                [
                    incident(FORMULA_TITLE, 1.5),
                    incident(MARKUP_TITLE, 14.5),
                    incident("凌晨仓库冒烟", 22.5),  # 07:00 next morning: still this duty day
                    incident("前一值班日的事件", -0.5),  # 08:00: the night before
                    incident("演示：城东积水", 3.5, demo=True),
                ]
            )
            uow.commit()
        HandoverService(db).record(
            None,
            None,
            SUMMARY,
            [("跟进仓库冒烟", None)],
            actor="李四",
            site="s",
            at=HANDOVER + timedelta(hours=23, minutes=50),
        )
    finally:
        db.dispose()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "xcc.sqlite3"
    _fill(make_url(f"sqlite+pysqlite:///{path}"))
    return path


def run_export(
    *args: str, at: datetime | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``main.py export duty-report ARGS`` as its own process, its clock frozen at ``at``."""
    entry = ["-c", FROZEN_MAIN, at.isoformat()] if at is not None else ["main.py"]
    return subprocess.run(
        [sys.executable, *entry, "export", "duty-report", *args],
        cwd=ROOT,
        env=dict(env if env is not None else os.environ, PYTHONIOENCODING="utf-8"),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def _values(path: Path) -> dict[str, Any]:
    ws = load_workbook(path).active
    assert ws is not None
    return {str(c.value): c for row in ws.iter_rows() for c in row if c.value is not None}


def test_the_xlsx_of_a_day_holds_its_duty_day_as_typed(db_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "日报" / "2026-11-29.xlsx"
    out.parent.mkdir()
    done = run_export("2026-11-29", str(out), "--db", str(db_file))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out.resolve())
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left
    cells = _values(out)
    assert load_workbook(out).active["A1"].value == report_title(DAY)
    formula = cells[FORMULA_TITLE]
    assert formula.data_type == "s"  # the title as typed, not a live link
    assert MARKUP_TITLE in cells and "凌晨仓库冒烟" in cells
    assert "前一值班日的事件" not in cells  # before the handover: the day before's
    summary = cells["夜间平稳\n已疏散群众20人"]  # Word's line break is a line break
    assert summary.alignment.wrap_text
    assert "张三（13800000001）" in cells and "李四" in cells
    assert "演示：城东积水" not in cells and DEMO_NOTE not in cells

    with_demo = tmp_path / "with-demo.xlsx"
    done = run_export("2026-11-29", str(with_demo), "--db", str(db_file), "--include-demo")
    assert done.returncode == 0, done.stderr
    cells = _values(with_demo)
    assert "演示：城东积水" in cells and DEMO_NOTE in cells


def test_yesterday_is_counted_on_the_programs_clock(db_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "yesterday.xlsx"
    out.write_bytes(b"an older archive")  # replaced whole
    at = datetime(2026, 11, 30, 12, 0, tzinfo=CHINA_TZ)
    done = run_export("yesterday", str(out), "--db", str(db_file), at=at)
    assert done.returncode == 0, done.stderr
    cells = _values(out)
    assert report_title(DAY) in cells
    assert "生成时间：2026-11-30 12:00" in cells
    assert FORMULA_TITLE in cells


def _flat(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def test_the_pdf_is_the_windows_document_without_a_display(
    db_file: Path, tmp_path: Path, qapp: Any
) -> None:
    from PySide6.QtPdf import QPdfDocument

    out = tmp_path / "日报.pdf"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"}
    }
    at = datetime(2026, 11, 29, 20, 0, tzinfo=CHINA_TZ)
    done = run_export("today", str(out), "--db", str(db_file), at=at, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out.resolve())
    assert out.read_bytes().startswith(b"%PDF")
    pdf = QPdfDocument()
    try:
        assert pdf.load(str(out)) == QPdfDocument.Error.None_
        assert pdf.pageCount() >= 1
        text = "".join(pdf.getAllText(n).text() for n in range(pdf.pageCount()))
    finally:
        pdf.close()
    # The embedded font maps some characters to radicals (日 as the Kangxi radical
    # ⽇, 龙 as ⻰): compare as NFKC, without spaces, on words NFKC brings back.
    flat = _flat(text)
    assert _flat(report_title(DAY)) in flat  # the day's title, in Chinese
    assert "<b>x</b>" in flat  # markup in a title prints as typed
    assert _flat("夜间平稳\n已疏散群众20人") in flat
    assert _flat("演示：城东积水") not in flat


@pytest.mark.postgres
def test_the_xlsx_from_postgresql(pg_url: URL, tmp_path: Path) -> None:
    _fill(pg_url)
    out = tmp_path / "pg.xlsx"
    done = run_export("2026-11-29", str(out), "--db", pg_url.render_as_string(False))
    assert done.returncode == 0, done.stderr
    cells = _values(out)
    assert report_title(DAY) in cells and cells[FORMULA_TITLE].data_type == "s"


# -- what goes wrong, said in Chinese -------------------------------------------------


def test_a_wrong_extension_is_refused_with_status_2(db_file: Path, tmp_path: Path) -> None:
    done = run_export("2026-11-29", str(tmp_path / "日报.docx"), "--db", str(db_file))
    assert done.returncode == 2
    assert "不支持的文件类型" in done.stderr and ".xlsx" in done.stderr
    assert list(tmp_path.iterdir()) == [db_file]


def _can_create_in(folder: Path) -> bool:
    probe = folder / f".probe-{uuid.uuid4().hex}"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


def _locked_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if _can_create_in(folder):  # root writes anywhere: a folder nobody may write to
        folder = Path("/sys")
        if not folder.is_dir() or _can_create_in(folder):
            pytest.skip("no folder this user cannot write to")
    return folder


@pytest.mark.parametrize(
    ("date_text", "name", "said"),
    [
        ("2026-02-30", "x.xlsx", "日期「2026-02-30」无法识别"),
        ("tomorrow", "x.pdf", "日期「tomorrow」无法识别"),
        ("29.11.2026", "x.xlsx", "YYYY-MM-DD"),
        ("2026-11-29", "x.csv", "不支持的文件类型"),
        ("2026-11-29", "missing/x.xlsx", "不存在"),
    ],
)
def test_bad_arguments_give_status_2(
    db_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    date_text: str,
    name: str,
    said: str,
) -> None:
    status = export_main(["duty-report", date_text, str(tmp_path / name), "--db", str(db_file)])
    assert status == 2
    assert said in capsys.readouterr().err


def test_a_folder_that_cannot_be_written_gives_status_2(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = _locked_folder(tmp_path) / "日报.xlsx"
    try:
        status = export_main(["duty-report", "2026-11-29", str(target), "--db", str(db_file)])
        assert status == 2
        assert "无法写入文件" in capsys.readouterr().err
        assert not target.exists()
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert export_main(["duty-report", "2026-11-29", str(tmp_path)]) == 2  # a folder, no name
    assert export_main(["duty-report", "2026-11-29"]) == 2  # no file at all


def test_a_database_that_cannot_be_used_gives_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.xlsx"
    missing = tmp_path / "no-such.sqlite3"
    assert export_main(["duty-report", "2026-11-29", str(out), "--db", str(missing)]) == 1
    assert "不存在" in capsys.readouterr().err
    assert not missing.exists()  # not made into an empty database

    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    assert export_main(["duty-report", "2026-11-29", str(out), "--db", str(empty)]) == 1
    assert "没有本程序的数据" in capsys.readouterr().err

    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    assert export_main(["duty-report", "2026-11-29", str(out), "--db", str(broken)]) == 1
    assert "数据库" in capsys.readouterr().err

    unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/xcc"
    assert export_main(["duty-report", "2026-11-29", str(out), "--db", unreachable]) == 1
    assert "无法连接数据库服务器" in capsys.readouterr().err
    assert not out.exists()
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())


def test_an_unreachable_database_from_main_py_is_status_1(tmp_path: Path) -> None:
    db = f"postgresql+psycopg://postgres@127.0.0.1:1/xcc_{uuid.uuid4().hex[:6]}"
    done = run_export("2026-11-29", str(tmp_path / "x.pdf"), "--db", db)
    assert done.returncode == 1, done.stderr
    assert "无法连接数据库服务器" in done.stderr and "Traceback" not in done.stderr
