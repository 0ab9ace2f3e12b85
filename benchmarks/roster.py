"""Duty roster: the 7-day coverage check and the data behind a month view.

Builds 200 staff (20 leaders, 180 duty officers) and one year of day and night
shifts (12 h each, a leader and three officers: 730 shifts, 2,920 assignments)
around now with ``bulk_insert``, then measures, median of 20 each:

- coverage_check_ms: load the shifts of the next 7 days
  (``RosterService.shifts_between``) and run ``roster_checks.check_roster``
  (staffing, double booking, rest, gaps in [now, now + 7 d));
- month_view_ms: the month page of the roster calendar: ``RosterService.month``
  for the current month, then building the grid model
  (``RosterGridModel.set_period``) and painting the 7-column grid in a
  1400x900 ``QTableView`` offscreen (``grab``).

    .venv/bin/python benchmarks/roster.py [--db URL] [--runs 20]

Without ``--db`` it uses a fresh SQLite file in a temporary directory; with a
PostgreSQL URL the database should be empty (or one made for the benchmark).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.data.engine import Database, normalise_url
from app.data.migrate import upgrade
from app.data.models import DutyAssignment, DutyShift, Staff
from app.data.uow import UnitOfWork
from app.domain.clock import system_clock
from app.domain.enums import StaffRole
from app.domain.roster_checks import check_roster
from app.services.demo import CHINA_TZ, SHIFT_HANDOVER
from app.services.roster import RosterService

LEADERS = 20
OFFICERS = 180
OFFICERS_PER_SHIFT = 3
DAYS = 365


def build(db: Database, now: datetime) -> tuple[int, int]:
    leaders = [uuid.uuid4() for _ in range(LEADERS)]
    officers = [uuid.uuid4() for _ in range(OFFICERS)]
    staff: list[dict[str, Any]] = [
        {"id": sid, "name": f"领导{k:03d}", "role": StaffRole.LEADER.value, "active": True}
        for k, sid in enumerate(leaders)
    ] + [
        {"id": sid, "name": f"值班员{k:03d}", "role": StaffRole.OFFICER.value, "active": True}
        for k, sid in enumerate(officers)
    ]
    first_day = now.astimezone(CHINA_TZ).date() - timedelta(days=DAYS // 2)
    shifts: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    for n in range(DAYS * 2):
        day = first_day + timedelta(days=n // 2)
        start = datetime.combine(day, SHIFT_HANDOVER, tzinfo=CHINA_TZ) + timedelta(
            hours=12 * (n % 2)
        )
        shift_id = uuid.uuid4()
        shifts.append(
            {
                "id": shift_id,
                "label": f"{day.month}月{day.day}日 {'夜班' if n % 2 else '白班'}",
                "starts_at": start,
                "ends_at": start + timedelta(hours=12),
            }
        )
        crew = [(leaders[n % LEADERS], StaffRole.LEADER.value)] + [
            (officers[(OFFICERS_PER_SHIFT * n + j) % OFFICERS], StaffRole.OFFICER.value)
            for j in range(OFFICERS_PER_SHIFT)
        ]
        assignments.extend({"shift_id": shift_id, "staff_id": s, "role": r} for s, r in crew)
    with UnitOfWork(db, actor="bench", site="bench") as uow:
        uow.bulk_insert(Staff, staff)
        uow.bulk_insert(DutyShift, shifts)
        uow.bulk_insert(DutyAssignment, assignments)
        uow.commit()
    return len(shifts), len(assignments)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: first query compiles statements, fills caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="xcc-bench-roster-") as tmp:
        url = normalise_url(args.db or str(Path(tmp) / "roster.sqlite3"))
        db = Database(url)
        try:
            upgrade(db)
            now = system_clock()
            started = time.perf_counter()
            n_shifts, n_assignments = build(db, now)
            print(
                f"built {LEADERS + OFFICERS} staff, {n_shifts} shifts, {n_assignments} "
                f"assignments in {(time.perf_counter() - started) * 1000:.0f} ms "
                f"({db.backend})"
            )
            service = RosterService(db)

            def coverage() -> object:
                shifts = service.shifts_between(now, now + timedelta(days=7))
                problems = check_roster(shifts, now=now)
                assert not problems, problems[:3]
                return problems

            local = now.astimezone(CHINA_TZ)

            from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

            from app.ui.roster.calendar import MONTH, RosterGridModel

            app = QApplication.instance() or QApplication([])
            view = QTableView()
            model = RosterGridModel(view)
            view.setModel(model)
            view.setWordWrap(True)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            view.resize(1400, 900)
            today = local.date()

            def month() -> object:
                period = service.month(local.year, local.month)
                assert len(period.shifts) >= 56
                model.set_period(period, MONTH, today)
                image = view.grab()
                assert not image.isNull()
                app.processEvents()
                return image

            coverage_ms = median_ms(coverage, args.runs)
            month_ms = median_ms(month, args.runs)
        finally:
            db.dispose()
    print(
        f"coverage check (load 7 days + roster_checks), median of {args.runs}: {coverage_ms:.1f} ms"
    )
    print(
        f"month view (RosterService.month + grid model + painting 1400x900 offscreen), "
        f"median of {args.runs}: {month_ms:.1f} ms"
    )
    print(f"RESULT month_view_ms={month_ms:.1f} coverage_check_ms={coverage_ms:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
