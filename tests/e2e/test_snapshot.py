"""The whole program, as users and reviewers run it: `main.py snapshot`."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from sqlalchemy.engine import URL

ROOT = Path(__file__).resolve().parents[2]


def _run(
    args: list[str], tmp_path: Path, wrap: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        QTWEBENGINE_DISABLE_SANDBOX="1",
        XCC_DATA_DIR=str(tmp_path / "data"),
        XCC_CONFIG_DIR=str(tmp_path / "config"),
    )
    env.pop("XCC_DB_URL", None)
    cmd = [*(wrap or []), sys.executable, str(ROOT / "main.py"), *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def _colours(path: Path) -> int:
    image = QImage(str(path)).scaled(160, 90)
    return len({image.pixel(x, y) for x in range(image.width()) for y in range(image.height())})


def _assert_picture(path: Path, size: tuple[int, int]) -> None:
    image = QImage(str(path))
    assert not image.isNull()
    assert (image.width(), image.height()) == size
    assert _colours(path) > 40, "the picture looks empty"


def test_snapshot_of_a_new_default_database(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    result = _run(["snapshot", "--out", str(out), "--size", "1280x800"], tmp_path)
    assert result.returncode == 0, result.stderr
    _assert_picture(out, (1280, 800))
    db_file = tmp_path / "data" / "xcc.sqlite3"
    assert db_file.is_file(), "the default database lives in the user's data directory"
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT count(*) FROM hazard_site WHERE is_demo").fetchone()[0] > 0
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # A picture leaves the seat's window layout alone (it is taken at any size).
    settings = (tmp_path / "config").rglob("*.ini")
    assert not any("window/state" in f.read_text() or "[window]" in f.read_text() for f in settings)


@pytest.mark.postgres
def test_snapshot_on_postgresql(tmp_path: Path, pg_url: URL) -> None:
    out = tmp_path / "pg.png"
    url = pg_url.render_as_string(hide_password=False)
    result = _run(["snapshot", "--out", str(out), "--size", "1600x900", "--db", url], tmp_path)
    assert result.returncode == 0, result.stderr
    _assert_picture(out, (1600, 900))


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_snapshot_without_any_network(tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here")
    out = tmp_path / "offline.png"
    result = _run(
        ["snapshot", "--out", str(out), "--size", "1280x800"], tmp_path, wrap=["unshare", "-n"]
    )
    assert result.returncode == 0, result.stderr
    _assert_picture(out, (1280, 800))


def test_corrupt_database_gets_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 1000)
    result = _run(["snapshot", "--out", str(tmp_path / "x.png"), "--db", str(bad)], tmp_path)
    assert result.returncode == 2
    assert "不是可用的数据库" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_newer_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_from_the_future')")
    result = _run(["snapshot", "--out", str(tmp_path / "x.png"), "--db", str(db)], tmp_path)
    assert result.returncode == 2
    assert "更新版本" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_server(tmp_path: Path) -> None:
    url = "postgresql+psycopg://postgres@127.0.0.1:1/xcc"
    result = _run(["snapshot", "--out", str(tmp_path / "x.png"), "--db", url], tmp_path)
    assert result.returncode == 2
    assert "无法连接" in result.stderr
    assert "Traceback" not in result.stderr


def test_snapshot_with_an_offline_basemap(tmp_path: Path) -> None:
    from tests.data.test_mbtiles import county_metadata, county_tiles, write_mbtiles

    tiles = tmp_path / "county.mbtiles"
    write_mbtiles(tiles, county_tiles(), county_metadata())
    out = tmp_path / "tiles.png"
    result = _run(["snapshot", "--out", str(out), "--tiles", str(tiles)], tmp_path)
    assert result.returncode == 0, result.stderr
    _assert_picture(out, (1920, 1080))


def test_a_broken_basemap_still_gives_a_map(tmp_path: Path) -> None:
    tiles = tmp_path / "broken.mbtiles"
    tiles.write_text("not a map", encoding="utf-8")
    out = tmp_path / "broken.png"
    result = _run(["snapshot", "--out", str(out), "--tiles", str(tiles)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "broken.mbtiles" in result.stderr and "MBTiles" in result.stderr
    _assert_picture(out, (1920, 1080))
