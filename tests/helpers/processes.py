"""Waiting on child processes and threads without waiting forever.

A test that waits without a limit turns one stuck child or lock into a run
that never ends; these waits fail the test instead, saying what they waited for.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import IO


def read_line(stream: IO[str], timeout: float, what: str = "a line") -> str:
    """The next line of a child's ``stream`` (a text pipe), within ``timeout`` seconds.

    Raises AssertionError when the line does not come in time (the caller then
    kills the child, which ends the reading thread).
    """
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert line, f"the child did not print {what} within {timeout:g} s"
    return line[0]


def join_all(threads: list[threading.Thread], timeout: float) -> None:
    """Join ``threads`` within ``timeout`` seconds in all; AssertionError if one still runs."""
    for thread in threads:
        thread.join(timeout)
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"threads still running after {timeout:g} s: {stuck}"


def run_python(script: str, *args: str, timeout: float = 120) -> str:
    """Run ``script`` in another Python process (from the project's root, as another
    seat would) and return what it printed; CalledProcessError if it fails."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=Path(__file__).resolve().parents[2],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
    ).stdout
