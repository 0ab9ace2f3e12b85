"""A database the program cannot use gives a problem kind, never a half-done file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind
from app.data.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]


def _open(url: URL | str, **kw: int) -> ProblemKind:
    db = Database(url, **kw)
    try:
        with pytest.raises(DatabaseProblem) as info:
            upgrade(db)
        return info.value.kind
    finally:
        db.dispose()


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    payload = b"this is a spreadsheet, not a database\n" * 200
    path.write_bytes(payload)
    assert _open(str(path)) is ProblemKind.CORRUPT
    assert path.read_bytes() == payload  # untouched


def test_locked_file_that_needs_migrating(sqlite_url: URL) -> None:
    holder = sqlite3.connect(sqlite_url.database or "", isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode=WAL")
        holder.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write
        assert _open(sqlite_url, busy_timeout_ms=200) is ProblemKind.LOCKED
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    db = Database(sqlite_url)
    try:
        upgrade(db)  # and once the other program is done, it opens normally
    finally:
        db.dispose()


def test_read_only_new_database(tmp_path: Path) -> None:
    path = tmp_path / "ro.sqlite3"
    sqlite3.connect(path).close()  # an empty file opened read-only
    url = make_url(f"sqlite+pysqlite:///file:{path}?mode=ro&uri=true")
    assert _open(url) is ProblemKind.READ_ONLY


def test_unreachable_server() -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/xcc"
    assert _open(url) is ProblemKind.UNREACHABLE


@pytest.mark.postgres
def test_missing_postgres_database(pg_url: URL) -> None:
    url = pg_url.set(database=pg_url.database + "_absent")  # type: ignore[operator]
    assert _open(url) is ProblemKind.NOT_FOUND


@pytest.mark.parametrize(
    "command",
    [
        ["audit", "verify"],
        ["demo", "remove"],
        ["import", "roster", "{csv}", "--dry-run"],
        ["import", "shelters", "{csv}", "--dry-run"],
        ["export", "shelters", "{out}"],
        ["sync", "status"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_headless_command_never_makes_a_database_of_a_wrong_path(
    command: list[str], tmp_path: Path
) -> None:
    """A mistyped path, or a file without the program's data, is said as such with
    a failing exit status; the file is neither created nor set up (``audit
    verify`` used to report such a new, empty database as an intact chain)."""
    missing = tmp_path / "值班库（拼错）.sqlite3"
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()  # a file, no tables
    csv = tmp_path / "r.csv"
    csv.write_text("编号,名称\n", encoding="utf-8")
    args = [a.format(csv=csv, out=tmp_path / "out.xlsx") for a in command]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XCC_USER": "某人", "XCC_PASSWORD": "x"}
    for path, said in ((missing, "不存在"), (empty, "尚未初始化")):
        done = subprocess.run(
            [sys.executable, "main.py", *args, "--db", str(path)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode != 0, done.stdout + done.stderr
        assert said in done.stderr, done.stdout + done.stderr
        assert "审计链完整" not in done.stdout
    assert not missing.exists()
    with sqlite3.connect(empty) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    assert not (tmp_path / "out.xlsx").exists()
