"""Choosing the database and reading the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app import config
from app.bootstrap import parse_args
from app.data.engine import normalise_url
from app.data.errors import ProblemKind, classify


def test_db_url_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XCC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("XCC_DB_URL", raising=False)
    assert config.resolve_db_url(None).database == str(tmp_path / "xcc.sqlite3")
    monkeypatch.setenv("XCC_DB_URL", "postgresql://u@db.example:5433/xcc")
    env = config.resolve_db_url(None)
    assert (env.drivername, env.host, env.port) == ("postgresql+psycopg", "db.example", 5433)
    assert config.resolve_db_url("/data/other.sqlite3").database == "/data/other.sqlite3"


def test_bare_path_becomes_sqlite_url(tmp_path: Path) -> None:
    url = normalise_url(str(tmp_path / "a.sqlite3"))
    assert url.drivername == "sqlite+pysqlite"


def test_snapshot_arguments() -> None:
    opts = parse_args(["snapshot", "--out", "x.png", "--size", "1280x720", "--db", "a.db"])
    assert (opts.command, opts.size, opts.db, str(opts.out)) == (
        "snapshot",
        (1280, 720),
        "a.db",
        "x.png",
    )
    assert parse_args([]).command == "run"
    assert parse_args(["--no-demo"]).demo is False


def test_options_before_the_subcommand_are_kept() -> None:
    # main.py --db FILE --demo snapshot --out x.png: the picture is of FILE, with demo data.
    opts = parse_args(["--db", "field.sqlite3", "--demo", "snapshot", "--out", "x.png"])
    assert (opts.command, opts.db, opts.demo) == ("snapshot", "field.sqlite3", True)
    opts = parse_args(["--lang", "en", "--no-demo", "run"])
    assert (opts.language, opts.demo) == ("en", False)


def test_bad_size_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["snapshot", "--out", "x.png", "--size", "huge"])
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


def test_driver_errors_are_classified() -> None:
    import sqlite3

    driver = sqlite3.OperationalError("database is locked")
    driver.sqlite_errorcode = sqlite3.SQLITE_BUSY  # as sqlite3 sets it on a real one
    locked = OperationalError("BEGIN", {}, driver)
    problem = classify(locked)
    assert problem is not None and problem.kind is ProblemKind.LOCKED
    assert classify(ValueError("a bug")) is None


def test_offscreen_only_on_a_unix_without_display() -> None:
    from app.bootstrap import headless_unix

    assert headless_unix({}, "linux")
    assert not headless_unix({"DISPLAY": ":0"}, "linux")
    assert not headless_unix({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    # Windows and macOS set neither variable and still have a screen.
    assert not headless_unix({}, "win32")
    assert not headless_unix({}, "darwin")
