"""The live map at county scale: ready time, commit-to-paint latency, 100,000 points.

    .venv/bin/python benchmarks/map_live.py [--db URL] [--changes 100] [--interval-ms 150]

1. Fills a new database with 10,000 hazard sites, 1,000 shelters and 1,000
   depots inside the county, opens the real main window offscreen and measures
   the time from ``show()`` until the map has drawn its data (``ready_ms``).
2. Another process commits ``--changes`` updates to hazard sites at a steady
   pace and notes the wall-clock time of each commit; this process notes when
   the map reports the diff carrying that change as painted (the page confirms
   after the next animation frame). Latency = painted - committed.
3. Adds hazards up to 100,000 and opens a new window: ``ready_100k_ms``; then
   zooms and pans the map and reports how long the page takes to repaint.

Default database: a temporary SQLite file. With ``--db`` give an empty
PostgreSQL database (it is filled, not cleaned).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from app.data.engine import Database  # noqa: E402
from app.data.geography import county_multipolygon  # noqa: E402
from app.data.migrate import upgrade  # noqa: E402
from app.data.models import HazardSite, Shelter, SupplyDepot  # noqa: E402
from app.data.uow import UnitOfWork  # noqa: E402
from app.domain.geo import bbox_of, multipolygon_contains  # noqa: E402
from app.services.demo import ensure_reference_data  # noqa: E402

WRITER = """
import sys, time, random
from sqlalchemy import select
from app.data.engine import Database
from app.data.models import HazardSite
from app.data.uow import UnitOfWork
db = Database(sys.argv[1]); n = int(sys.argv[2]); pause = float(sys.argv[3])
with db.read_session() as s:
    ids = list(s.scalars(select(HazardSite.id).limit(5000)))
rng = random.Random(7)
levels = ["red", "orange", "yellow", "blue"]
time.sleep(0.5)
for k in range(n):
    with UnitOfWork(db, actor="bench", site="writer") as uow:
        site = uow.session.get(HazardSite, rng.choice(ids))
        site.risk_level = levels[(levels.index(site.risk_level) + 1) % 4]
        seq = uow.commit().last_seq
    print(seq, time.time(), flush=True)
    time.sleep(pause)
"""


def points(n: int, rng: random.Random) -> list[tuple[float, float]]:
    county = county_multipolygon()
    box = bbox_of(county)
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lon = rng.uniform(box.min_lon, box.max_lon)
        lat = rng.uniform(box.min_lat, box.max_lat)
        if multipolygon_contains(county, lon, lat):
            out.append((round(lon, 6), round(lat, 6)))
    return out


def fill(db: Database, hazards: int, shelters: int, depots: int, rng: random.Random) -> None:
    types = ["chemical", "mine", "gas", "dust", "waterlogging", "geological", "crowded"]
    levels = ["red", "orange", "yellow", "blue"]
    with UnitOfWork(db, actor="bench", site="bench") as uow:
        uow.bulk_insert(
            HazardSite,
            [
                {
                    "name": f"隐患点{k:06d}",
                    "hazard_type": types[k % 7],
                    "risk_level": levels[k % 4],
                    "lon": lon,
                    "lat": lat,
                }
                for k, (lon, lat) in enumerate(points(hazards, rng))
            ],
        )
        uow.bulk_insert(
            Shelter,
            [
                {
                    "name": f"避难场所{k:04d}",
                    "shelter_type": "indoor" if k % 2 else "outdoor",
                    "capacity": 500 + k,
                    "is_open": k % 3 == 0,
                    "lon": lon,
                    "lat": lat,
                }
                for k, (lon, lat) in enumerate(points(shelters, rng))
            ],
        )
        uow.bulk_insert(
            SupplyDepot,
            [
                {"name": f"储备点{k:04d}", "level": "township", "lon": lon, "lat": lat}
                for k, (lon, lat) in enumerate(points(depots, rng))
            ],
        )
        uow.commit()


class Session:
    """The real main window on the benchmark database."""

    def __init__(self, db: Database) -> None:
        from PySide6.QtCore import QSettings

        from app.domain.identity import Identity
        from app.ui.main_window import MainWindow
        from app.ui.session import AppSession
        from app.ui.tasks import TaskRunner

        self.runner = TaskRunner()
        self.settings_dir = Path(tempfile.mkdtemp(prefix="xcc-bench-settings-"))
        settings = QSettings(str(self.settings_dir / "s.ini"), QSettings.Format.IniFormat)
        self.session = AppSession(db, Identity("bench", "bench"), self.runner)
        self.live = self.session.live
        self.window = MainWindow(self.session, settings)
        self.window.resize(1920, 1080)
        self.gen_seq: dict[int, int] = {}
        self.painted: list[tuple[float, int]] = []
        panel = self.window.map_panel
        original = panel.apply_changes

        def spy(changes: Any) -> int:
            generation = int(original(changes))
            self.gen_seq[generation] = changes.up_to_seq
            return generation

        panel.apply_changes = spy  # type: ignore[method-assign]
        panel.changes_applied.connect(self._on_changes_applied)

    def _on_changes_applied(self, generation: int) -> None:
        if generation in self.gen_seq:
            self.painted.append((time.time(), self.gen_seq[generation]))

    def open(self, timeout: float = 120) -> float:
        """Show the window; ms until the map has drawn its data."""
        loaded: list[float] = []
        self.window.map_panel.loaded.connect(lambda: loaded.append(time.perf_counter()))
        start = time.perf_counter()
        self.window.show()
        self.window.refresh_all()
        spin_until(lambda: bool(loaded), timeout)
        return (loaded[0] - start) * 1000

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()
        spin(0.2)
        shutil.rmtree(self.settings_dir, ignore_errors=True)


def spin(seconds: float) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.002)


def spin_until(predicate: Any, timeout: float) -> None:
    from PySide6.QtWidgets import QApplication

    end = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > end:
            raise SystemExit("timed out")
        QApplication.processEvents()
        time.sleep(0.002)


def page_roundtrip_ms(session: Session, script: str) -> float:
    """Run a script that changes the view, then wait for the next painted frame."""
    page = session.window.map_panel.page
    assert page is not None
    done: list[float] = []
    start = time.perf_counter()
    page.runJavaScript(
        script + "; new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        ".then(() => 1)",
        0,
        lambda _r: done.append(time.perf_counter()),
    )
    spin_until(lambda: bool(done), 30)
    return (done[0] - start) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL (default: temporary SQLite)")
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--interval-ms", type=int, default=150)
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.ui.map.scheme import register_schemes

    register_schemes()
    app = QApplication([sys.argv[0]])
    rng = random.Random(1)
    workdir = Path(tempfile.mkdtemp(prefix="xcc-bench-map-"))
    url = args.db or f"sqlite+pysqlite:///{workdir / 'bench.sqlite3'}"
    db = Database(url)
    try:
        upgrade(db)
        ensure_reference_data(db, actor="bench", site="bench")
        started = time.perf_counter()
        fill(db, 10_000, 1_000, 1_000, rng)
        print(
            f"filled 10,000 hazards, 1,000 shelters, 1,000 depots in "
            f"{time.perf_counter() - started:.1f} s"
        )

        session = Session(db)
        ready_ms = session.open()
        print(f"map ready after show: {ready_ms:.0f} ms")

        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(args.changes), str(args.interval_ms / 1000)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        spin_until(lambda: writer.poll() is not None, 600)
        assert writer.stdout is not None
        commits = [(int(a), float(b)) for a, b in (line.split() for line in writer.stdout)]
        last_seq = commits[-1][0]
        spin_until(lambda: any(seq >= last_seq for _, seq in session.painted), 30)
        latencies = []
        for seq, committed in commits:
            painted = min(t for t, s in session.painted if s >= seq)
            latencies.append((painted - committed) * 1000)
        p50, p95 = statistics.median(latencies), percentile(latencies, 95)
        print(
            f"commit (other process) -> painted over {len(latencies)} changes: "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms"
        )
        session.close()

        started = time.perf_counter()
        fill(db, 90_000, 0, 0, rng)
        print(f"added 90,000 hazards in {time.perf_counter() - started:.1f} s")
        big = Session(db)
        ready_100k = big.open()
        print(f"map ready with 100,000 hazards: {ready_100k:.0f} ms")
        zooms = [
            page_roundtrip_ms(big, f"window.xcc.map.setZoom(window.xcc.map.getZoom() {d})")
            for d in ("+ 1", "+ 1", "- 1", "- 1", "+ 2")
        ]
        pans = [
            page_roundtrip_ms(big, f"window.xcc.map.panBy([{dx}, {dy}], {{animate: false}})")
            for dx, dy in ((300, 200), (-300, 0), (0, -200), (250, 250), (-250, -250))
        ]
        print(
            f"100,000 points: zoom repaint median {statistics.median(zooms):.0f} ms "
            f"(max {max(zooms):.0f}), pan repaint median {statistics.median(pans):.0f} ms "
            f"(max {max(pans):.0f})"
        )
        big.close()
    finally:
        db.dispose()
        app.processEvents()
        shutil.rmtree(workdir, ignore_errors=True)
    print(
        f"RESULT ready_ms={ready_ms:.0f} update_p50_ms={p50:.0f} "
        f"update_p95_ms={p95:.0f} ready_100k_ms={ready_100k:.0f}"
    )


if __name__ == "__main__":
    main()
