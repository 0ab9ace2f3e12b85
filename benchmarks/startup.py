"""Cold start until every panel has its data, and peak memory of all processes.

Runs `main.py snapshot` (offscreen) five times on a fresh copy of a demo
database. The program prints "panels loaded" once every panel (map included)
has its data: the time from launching the process to that line is the cold
start (interpreter start, imports, migrations check, queries, map page). Peak
memory is the sum of the maximum resident sizes of the program and its
QtWebEngine helper processes (sampled every 20 ms).

    .venv/bin/python benchmarks/startup.py [--runs 5] [--db URL]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_tree_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


def run_once(workdir: Path, db: str | None) -> tuple[float, float]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QTWEBENGINE_DISABLE_SANDBOX="1",
        XCC_DATA_DIR=str(workdir / "data"),
        XCC_CONFIG_DIR=str(workdir / "config"),
    )
    args = [sys.executable, str(ROOT / "main.py"), "snapshot", "--out", str(workdir / "s.png")]
    if db:
        args += ["--db", db]
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    loaded_at: list[float] = []

    def watch() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "panels loaded" and not loaded_at:
                loaded_at.append(time.perf_counter())

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _rss_tree_kb(proc.pid))
        time.sleep(0.02)
    reader.join(5)
    if proc.returncode != 0 or not loaded_at:
        raise SystemExit(f"snapshot failed: {proc.stderr.read() if proc.stderr else ''}")
    return (loaded_at[0] - start) * 1000, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", help="database URL (default: a demo SQLite file)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="xcc-bench-"))
    try:
        # First run creates, migrates and fills the demo database; not measured.
        template = base / "template"
        run_once(template, args.db)
        times, peaks = [], []
        for i in range(args.runs):
            work = base / f"run{i}"
            if (template / "data").exists():  # SQLite: a fresh copy of the file
                shutil.copytree(template / "data", work / "data")
            ms, mb = run_once(work, args.db)
            times.append(ms)
            peaks.append(mb)
            print(f"run {i + 1}: cold start {ms:.0f} ms, peak RSS {mb:.0f} MB")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"median cold start {statistics.median(times):.0f} ms over {len(times)} runs")
    print(f"RESULT cold_start_ms={statistics.median(times):.0f} peak_rss_mb={max(peaks):.0f}")


if __name__ == "__main__":
    main()
