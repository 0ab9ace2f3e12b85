"""One clock: nothing but app.domain.clock reads the wall clock; China time is defined once."""

from __future__ import annotations

import ast
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import time_machine

from app.domain.clock import CHINA_TZ, china_date, china_midnight, system_clock

ROOT = Path(__file__).resolve().parents[2]
CLOCK_MODULE = ROOT / "app" / "domain" / "clock.py"

# Calls that read the wall clock (the monotonic timers that measure durations do not).
_WALL_CLOCK = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "localtime"),
    ("QDateTime", "currentDateTime"),
    ("QDateTime", "currentDateTimeUtc"),
    ("QDateTime", "currentSecsSinceEpoch"),
    ("QDate", "currentDate"),
    ("QTime", "currentTime"),
}


def _wall_clock_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in _WALL_CLOCK:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}.{node.func.attr}")
    return found


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    sources = [*(ROOT / "app").rglob("*.py"), ROOT / "main.py", *(ROOT / "db").rglob("*.py")]
    offenders = [hit for p in sources if p != CLOCK_MODULE for hit in _wall_clock_calls(p)]
    assert offenders == []


def test_china_time_is_defined_once() -> None:
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        if path == CLOCK_MODULE:
            continue
        text = path.read_text(encoding="utf-8")
        if 'ZoneInfo("Asia/Shanghai")' in text or "timezone(timedelta(hours=8)" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_after_midnight_china_is_the_next_day_of_utc() -> None:
    moment = datetime(2027, 2, 28, 16, 30, tzinfo=UTC)  # 00:30 on 1 March in China
    assert moment.date() == date(2027, 2, 28)
    assert china_date(moment) == date(2027, 3, 1)
    assert china_midnight(date(2027, 3, 1)).astimezone(UTC) == datetime(
        2027, 2, 28, 16, 0, tzinfo=UTC
    )


def test_the_system_clock_is_the_one_tests_freeze() -> None:
    moment = datetime(2028, 2, 29, 12, 0, tzinfo=CHINA_TZ)
    with time_machine.travel(moment, tick=False):
        assert system_clock() == moment
        assert system_clock().tzinfo is UTC


def test_china_time_without_a_system_time_zone_database(tmp_path: Path) -> None:
    """As on a bare Windows machine: no system zoneinfo, only the pinned tzdata package."""
    script = (
        "import zoneinfo; zoneinfo.reset_tzpath([]);"
        "from datetime import UTC, datetime;"
        "from app.domain.clock import CHINA_TZ;"
        "print(type(CHINA_TZ).__name__, datetime(2026, 12, 31, 16, 0, tzinfo=UTC)"
        ".astimezone(CHINA_TZ).isoformat())"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"PYTHONTZPATH": "", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout.split()
    assert out == ["ZoneInfo", "2027-01-01T00:00:00+08:00"]
