"""Live updates end to end: a commit in one process -> the other process's table model holds it.

    .venv/bin/python benchmarks/live_latency.py [--db URL] [--changes 200] [--interval-ms 50]
                                                [--kind hazard|occupancy]

Two processes on the same database:

- **B** (this process) opens the database with ``open_database`` (a new SQLite
  file with the demo data, or with ``--db`` an *empty* PostgreSQL database that
  it migrates and fills with the demo data), runs the real main window
  offscreen (``MainWindow`` with ``LiveUpdates``, map and all) and waits until
  every panel has loaded.
- **A** (this script again, ``--role writer``) commits ``--changes`` changes at
  a steady pace, one unit of work each, and prints ``k seq wallclock_commit``
  for each (``time.time()`` right after the commit returned).

  ``--kind hazard`` (default): change k sets the ``monitoring_status`` of a demo
  hazard site (round robin over all of them) to the unique token ``bench-<k>``.
  ``--kind occupancy``: change k is ``MovementService.record_occupancy(+1)`` on
  an open demo shelter (round robin); the shelter's occupancy after it
  identifies it. Its commit time is taken when ``record_occupancy`` returns,
  i.e. after the connection went back to the pool: a few ms late, so this kind
  understates the latency slightly (a change can even appear "early").

B notes, on the GUI thread, every value the hazards (or shelters) table model
of the resource panel (``window.resource_panel.hazards`` / ``.shelters``, a
``DtoTableModel``) takes on, from its ``dataChanged`` / ``rowsInserted`` /
``modelReset`` signals, with the wall-clock time; and every sequence the
change feed delivers (``LiveUpdates.changes_arrived``). Afterwards:

- latency of change k = first time B's model held it - commit time in A
  ("held": the token is the hazard's status; or the shelter's occupancy has
  reached the value after k);
- ``lost`` = changes the model never held within 5 s after A finished;
- ``duplicated`` = sequences the feed delivered more than once, plus model
  states applied again after they had been replaced (a token that comes back,
  an occupancy that goes down although A only adds).

Both processes read the same clock (``time.time()`` on one machine). B waits in
a Qt event loop (not a sleep loop), so a queued signal is handled as soon as it
arrives. The last line is ``RESULT p50_ms=<n> p95_ms=<n> lost=<n> duplicated=<n>``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.data.engine import Database  # noqa: E402
from app.data.models import HazardSite, Shelter, ShelterOccupancyMovement  # noqa: E402
from app.domain.clock import system_clock  # noqa: E402

GRACE_S = 5.0  # how long B waits for the last changes after A has finished
TOKEN_PREFIX = "bench-"


# -- process A ------------------------------------------------------------------
def open_shelters(db: Database, changes: int) -> list[tuple[uuid.UUID, int]]:
    """Open shelters with room for their share of the changes, and their occupancy now."""
    with db.read_session() as s:
        occupancy = dict(
            s.execute(
                select(
                    ShelterOccupancyMovement.shelter_id, func.sum(ShelterOccupancyMovement.delta)
                ).group_by(ShelterOccupancyMovement.shelter_id)
            ).all()
        )
        rows = s.execute(
            select(Shelter.id, Shelter.capacity)
            .where(Shelter.is_open.is_(True))
            .order_by(Shelter.name)
        ).all()
    candidates = [(sid, cap, int(occupancy.get(sid, 0))) for sid, cap in rows]
    for n in range(len(candidates), 0, -1):
        share = -(-changes // n)
        usable = [(sid, occ) for sid, cap, occ in candidates if cap - occ >= share]
        if len(usable) >= n:
            return usable[:n]
    raise SystemExit("no open shelter with room for the changes")


def writer(url: str, kind: str, changes: int, interval: float) -> None:
    from app.data.uow import UnitOfWork
    from app.services.movements import MovementService

    db = Database(url)
    with db.read_session() as s:
        hazards = list(s.scalars(select(HazardSite.id).order_by(HazardSite.name)))
    shelters = open_shelters(db, changes) if kind == "occupancy" else []
    movements = MovementService(db)
    print("ready", flush=True)
    start = time.monotonic() + 0.2
    for k in range(changes):
        # A steady pace: the k-th commit starts at start + k * interval.
        time.sleep(max(0.0, start + k * interval - time.monotonic()))
        if kind == "hazard":
            with UnitOfWork(db, actor="bench-writer", site="bench-a") as uow:
                site = uow.session.get(HazardSite, hazards[k % len(hazards)])
                assert site is not None
                site.monitoring_status = f"{TOKEN_PREFIX}{k}"
                seq = uow.commit().last_seq
            committed = time.time()
            print(k, seq, f"{committed:.6f}", site.id, flush=True)
        else:
            shelter_id, _ = shelters[k % len(shelters)]
            value = movements.record_occupancy(shelter_id, 1, actor="bench-writer", site="bench-a")
            committed = time.time()
            print(k, "-", f"{committed:.6f}", shelter_id, value, flush=True)
    db.dispose()


# -- process B ------------------------------------------------------------------
class Viewer:
    """The real main window, with spies on its table model and on the change feed."""

    def __init__(self, db: Database, kind: str) -> None:
        from PySide6.QtCore import QSettings

        from app.domain.identity import Identity
        from app.ui.main_window import MainWindow
        from app.ui.session import AppSession
        from app.ui.tasks import TaskRunner

        self.kind = kind
        self.runner = TaskRunner()
        self.settings_dir = Path(tempfile.mkdtemp(prefix="xcc-bench-live-settings-"))
        settings = QSettings(str(self.settings_dir / "s.ini"), QSettings.Format.IniFormat)
        self.session = AppSession(db, Identity("bench-viewer", "bench-b"), self.runner)
        self.live = self.session.live
        self.window = MainWindow(self.session, settings)
        self.window.resize(1920, 1080)
        panel = self.window.resource_panel
        self.model = panel.hazards if kind == "hazard" else panel.shelters
        self.last: dict[uuid.UUID, Any] = {}
        # (wall-clock time, entity id, value): every value the model took on, in order.
        self.timeline: list[tuple[float, uuid.UUID, Any]] = []
        self.seq_count: Counter[int] = Counter()
        self.seq_arrived: dict[int, float] = {}
        self.batches = 0

    def _value(self, row: Any) -> Any:
        return row.monitoring_status if self.kind == "hazard" else row.occupancy

    def _note_rows(self, first: int, last: int) -> None:
        now = time.time()
        for r in range(first, last + 1):
            row = self.model.row_at(r)
            value = self._value(row)
            if self.last.get(row.id, object()) != value:
                self.last[row.id] = value
                self.timeline.append((now, row.id, value))

    def _on_data_changed(self, top_left: Any, bottom_right: Any, _roles: Any = None) -> None:
        self._note_rows(top_left.row(), bottom_right.row())

    def _on_rows_inserted(self, _parent: Any, first: int, last: int) -> None:
        self._note_rows(first, last)

    def _on_model_reset(self) -> None:
        self._note_rows(0, self.model.rowCount() - 1)

    def _on_changes_arrived(self, records: list[Any]) -> None:
        now = time.time()
        self.batches += 1
        for record in records:
            self.seq_count[record.seq] += 1
            self.seq_arrived.setdefault(record.seq, now)

    def open(self, timeout: float = 180) -> float:
        """Show the window; seconds until every panel and the map have loaded."""
        started = time.perf_counter()
        self.window.show()
        self.window.refresh_all()
        if not run_until(lambda: self.window.is_loaded and self.live.running, timeout):
            raise SystemExit("the window did not load")
        took = time.perf_counter() - started
        for r in range(self.model.rowCount()):
            row = self.model.row_at(r)
            self.last[row.id] = self._value(row)
        self.model.dataChanged.connect(self._on_data_changed)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.modelReset.connect(self._on_model_reset)
        self.live.changes_arrived.connect(self._on_changes_arrived)
        return took

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()
        run_until(lambda: False, 0.3)
        shutil.rmtree(self.settings_dir, ignore_errors=True)


def run_until(predicate: Callable[[], bool], timeout: float, poll_ms: int = 5) -> bool:
    """Run the Qt event loop until ``predicate()`` holds or ``timeout`` passes."""
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout

    def check() -> None:
        if predicate() or time.monotonic() > deadline:
            loop.quit()

    timer = QTimer()
    timer.setInterval(poll_ms)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return predicate()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Commits:
    """Process A's lines, read on a thread so that its pipe never fills."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[list[str]] = []
        self.ready = threading.Event()
        self._proc = proc
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if line.strip() == "ready":
                self.ready.set()
            elif line.strip():
                self.lines.append(line.split())
        self.ready.set()

    def join(self) -> None:
        self._thread.join(10)


def first_held(viewer: Viewer, commits: list[list[str]]) -> tuple[dict[int, float], int]:
    """When the model first held each change; and how many states came back again."""
    per_entity: dict[uuid.UUID, list[tuple[float, Any]]] = defaultdict(list)
    for at, entity_id, value in viewer.timeline:
        per_entity[entity_id].append((at, value))
    held: dict[int, float] = {}
    again = 0
    if viewer.kind == "hazard":
        for timeline in per_entity.values():
            seen = Counter(v for _, v in timeline if str(v).startswith(TOKEN_PREFIX))
            again += sum(n - 1 for n in seen.values())
        for k, _seq, _at, entity, *_ in commits:
            token = f"{TOKEN_PREFIX}{k}"
            times = [at for at, value in per_entity.get(uuid.UUID(entity), []) if value == token]
            if times:
                held[int(k)] = times[0]
    else:
        for timeline in per_entity.values():
            again += sum(1 for (_, a), (_, b) in itertools.pairwise(timeline) if b < a)
        for k, _seq, _at, entity, value in commits:
            times = [at for at, v in per_entity.get(uuid.UUID(entity), []) if v >= int(value)]
            if times:
                held[int(k)] = times[0]
    return held, again


def viewer_main(args: argparse.Namespace) -> None:
    from PySide6.QtWidgets import QApplication

    from app.services.startup import open_database
    from app.ui.map.scheme import register_schemes

    register_schemes()
    app = QApplication([sys.argv[0]])
    workdir = Path(tempfile.mkdtemp(prefix="xcc-bench-live-"))
    url = args.db or f"sqlite+pysqlite:///{workdir / 'bench.sqlite3'}"
    started = time.perf_counter()
    opened = open_database(make_url(url), actor="bench", site="bench", now=system_clock())
    db = opened.db
    with db.read_session() as s:
        hazards = int(s.scalar(select(func.count()).select_from(HazardSite)) or 0)
    if not hazards:
        raise SystemExit("the database has no hazard sites: give an empty database")
    print(
        f"database {db.info.backend} {db.info.display}: demo data "
        f"{'loaded' if opened.demo_loaded else 'already there'} "
        f"({hazards} hazard sites) in {time.perf_counter() - started:.1f} s"
    )
    viewer: Viewer | None = None
    writer_proc: subprocess.Popen[str] | None = None
    try:
        viewer = Viewer(db, args.kind)
        loaded_s = viewer.open()
        counts = viewer.window.map_panel.feature_counts
        print(f"window loaded (map drawn: {counts}; panels; live feed) after {loaded_s:.1f} s")
        writer_proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--role=writer",
                f"--db={db.url.render_as_string(hide_password=False)}",
                f"--kind={args.kind}",
                f"--changes={args.changes}",
                f"--interval-ms={args.interval_ms}",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        commits = Commits(writer_proc)
        proc = writer_proc
        run_until(lambda: proc.poll() is not None, args.changes * args.interval_ms / 1000 + 120)
        commits.join()
        if proc.returncode != 0:
            raise SystemExit(f"the writer failed with status {proc.returncode}")
        lines = commits.lines
        end = time.monotonic() + GRACE_S
        v = viewer
        run_until(lambda: len(first_held(v, lines)[0]) == len(lines), end - time.monotonic())
        held, again = first_held(viewer, lines)
    finally:
        if writer_proc is not None and writer_proc.poll() is None:
            writer_proc.kill()
            writer_proc.wait()
        if viewer is not None:
            viewer.close()
        db.dispose()
        app.processEvents()
        shutil.rmtree(workdir, ignore_errors=True)

    committed = {int(line[0]): float(line[2]) for line in lines}
    latencies = [(held[k] - committed[k]) * 1000 for k in sorted(held)]
    lost = len(committed) - len(held)
    seq_dups = sum(n - 1 for n in viewer.seq_count.values() if n > 1)
    duplicated = seq_dups + again
    span = max(committed.values()) - min(committed.values())
    print(
        f"process A committed {len(committed)} {args.kind} changes over {span:.1f} s "
        f"(one every {args.interval_ms} ms)"
    )
    print(
        f"process B: the change feed delivered {sum(viewer.seq_count.values())} records "
        f"in {viewer.batches} batches; the "
        f"{'hazards' if args.kind == 'hazard' else 'shelters'} model took on "
        f"{len(viewer.timeline)} new values"
    )
    if args.kind == "hazard":
        feed = [
            (viewer.seq_arrived[int(line[1])] - float(line[2])) * 1000
            for line in lines
            if int(line[1]) in viewer.seq_arrived
        ]
        if feed:
            print(
                f"commit -> change feed signal on B's GUI thread: "
                f"p50 {statistics.median(feed):.0f} ms, p95 {percentile(feed, 95):.0f} ms"
            )
    p50 = statistics.median(latencies) if latencies else float("nan")
    p95 = percentile(latencies, 95) if latencies else float("nan")
    if latencies:
        print(
            f"commit in A -> B's table model holds it: min {min(latencies):.0f} ms, "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms"
        )
    print(
        f"lost (never held within {GRACE_S:.0f} s after the end): {lost}; duplicated: {duplicated} "
        f"(sequences delivered twice {seq_dups}, states applied again {again})"
    )
    print(f"RESULT p50_ms={p50:.0f} p95_ms={p95:.0f} lost={lost} duplicated={duplicated}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an empty database URL (default: a new SQLite file)")
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--interval-ms", type=int, default=50)
    parser.add_argument("--kind", choices=("hazard", "occupancy"), default="hazard")
    parser.add_argument("--role", choices=("viewer", "writer"), default="viewer", help="internal")
    args = parser.parse_args()
    if args.role == "writer":
        writer(args.db, args.kind, args.changes, args.interval_ms / 1000)
    else:
        viewer_main(args)


if __name__ == "__main__":
    main()
