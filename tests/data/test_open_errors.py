"""A database the program cannot use gives a problem kind, never a half-done file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind
from app.data.migrate import upgrade


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
