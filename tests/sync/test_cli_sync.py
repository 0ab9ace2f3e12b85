"""``main.py field export``, ``main.py sync packet write|apply``, ``main.py sync status``:
real processes on real SQLite files, exit codes a script can act on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import Shelter
from app.domain.access import Role
from app.services.access import AccessService
from app.services.demo import DEMO_PASSWORD
from app.sync.types import ExitCode

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, db: Path | URL, user: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONIOENCODING="utf-8", XCC_PASSWORD=DEMO_PASSWORD)
    signer = ["--user", user] if user else []
    where = db.render_as_string(False) if isinstance(db, URL) else str(db)
    return subprocess.run(
        [sys.executable, "main.py", *args, *signer, "--db", where],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=180,
    )


@pytest.fixture
def demo_db(demo_sqlite_url: URL) -> Iterator[Database]:
    db = Database(demo_sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


def test_take_out_work_and_merge_back_by_file(
    demo_sqlite_url: URL, demo_db: Database, tmp_path: Path
) -> None:
    officer = next(
        c for c in AccessService(demo_db).choices(demo_db.clock()) if Role.OFFICER in c.roles
    ).name
    field = tmp_path / "前方指挥车1号.xccfield"
    out = run(
        "field", "export", str(field), "--name", "前方指挥车1号", db=demo_sqlite_url, user=officer
    )
    assert out.returncode == ExitCode.OK, out.stdout + out.stderr
    assert "前方指挥车1号" in out.stdout and field.is_file()

    status = run("sync", "status", db=field)
    assert status.returncode == ExitCode.OK, status.stdout + status.stderr
    assert "本站点：前方指挥车1号（前方指挥车" in status.stdout

    # Work on the vehicle, then the status says a change waits.
    vehicle = Database(make_url(f"sqlite+pysqlite:///{field}"))
    with vehicle.engine.begin() as conn:
        shelter_id = conn.execute(select(Shelter.id).limit(1)).scalar()
    from tests.sync.conftest import write

    upgrade(vehicle)
    write(vehicle, lambda s: setattr(s.get(Shelter, shelter_id), "manager", "前方登记员"))
    vehicle.dispose()
    waiting = run("sync", "status", db=field)
    assert waiting.returncode == ExitCode.WAITING and "待发送 1 条" in waiting.stdout

    packet = tmp_path / "to-center.xccsync"
    wrote = run("sync", "packet", "write", str(packet), db=field, user=officer)
    assert wrote.returncode == ExitCode.OK, wrote.stdout + wrote.stderr
    applied = run("sync", "packet", "apply", str(packet), db=demo_sqlite_url, user=officer)
    assert applied.returncode == ExitCode.OK, applied.stdout + applied.stderr
    # The shelter's edit, and the sign-in that wrote the packet (audit travels too).
    assert "来自 前方指挥车1号" in applied.stdout and "修改 1" in applied.stdout
    again = run("sync", "packet", "apply", str(packet), db=demo_sqlite_url, user=officer)
    assert again.returncode == ExitCode.ALREADY and "已导入过" in again.stdout
    with demo_db.read_session() as s:
        assert s.get(Shelter, shelter_id).manager == "前方登记员"

    truncated = tmp_path / "cut.xccsync"
    truncated.write_bytes(packet.read_bytes()[:200])
    refused = run("sync", "packet", "apply", str(truncated), db=demo_sqlite_url, user=officer)
    assert refused.returncode == ExitCode.REFUSED and "不完整或已损坏" in refused.stderr

    nobody = run("sync", "packet", "apply", str(packet), db=demo_sqlite_url)
    assert nobody.returncode == ExitCode.DENIED

    # Never over an existing file (it may be a vehicle's working database).
    again = run("field", "export", str(field), "--name", "二号车", db=demo_sqlite_url, user=officer)
    assert again.returncode == 2 and "已存在" in again.stderr
    # At the center, a packet needs to know which vehicle it is for only when
    # there are several: here there is one.
    other = tmp_path / "二号车.xccfield"
    assert (
        run(
            "field", "export", str(other), "--name", "二号车", db=demo_sqlite_url, user=officer
        ).returncode
        == 0
    )
    unnamed = run(
        "sync", "packet", "write", str(tmp_path / "x.xccsync"), db=demo_sqlite_url, user=officer
    )
    assert unnamed.returncode == 2 and "--to" in unnamed.stderr
    named = run(
        "sync",
        "packet",
        "write",
        str(tmp_path / "x.xccsync"),
        "--to",
        "二号车",
        db=demo_sqlite_url,
        user=officer,
    )
    assert named.returncode == ExitCode.OK, named.stderr


def test_exit_codes_a_script_can_act_on(
    demo_sqlite_url: URL, demo_db: Database, tmp_path: Path
) -> None:
    officer = next(
        c for c in AccessService(demo_db).choices(demo_db.clock()) if Role.OFFICER in c.roles
    ).name
    field = tmp_path / "车.xccfield"
    assert (
        run(
            "field", "export", str(field), "--name", "车", db=demo_sqlite_url, user=officer
        ).returncode
        == 0
    )
    missing = run("sync", "status", db=tmp_path / "nowhere.sqlite3")
    assert missing.returncode == 1 and not (tmp_path / "nowhere.sqlite3").exists()
    wrong_name = run("sync", "packet", "write", str(tmp_path / "x.txt"), db=field, user=officer)
    assert wrong_name.returncode == 2 and ".xccsync" in wrong_name.stderr
    bad = run("sync", "network", "--center", "127.0.0.1:5432", db=field, user=officer)
    assert bad.returncode == 2 and "格式不对" in bad.stderr
    down = run(
        "sync",
        "network",
        "--center",
        "postgresql+psycopg://postgres@127.0.0.1:1/xcc?connect_timeout=2",
        db=field,
        user=officer,
    )
    assert down.returncode == ExitCode.TRY_AGAIN and "连不上服务器" in down.stderr
