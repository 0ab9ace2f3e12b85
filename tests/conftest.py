"""Shared fixtures: real SQLite files, a real PostgreSQL database per test, Qt offscreen."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

# Before anything imports Qt: no screen, Chromium as root, no user files touched.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
_SCRATCH = Path(tempfile.mkdtemp(prefix="xcc-tests-"))
os.environ["XCC_DATA_DIR"] = str(_SCRATCH / "data")
os.environ["XCC_CONFIG_DIR"] = str(_SCRATCH / "config")
os.environ.pop("XCC_DB_URL", None)

import psycopg  # noqa: E402
import pytest  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from app.data.engine import Database  # noqa: E402
from app.data.migrate import upgrade  # noqa: E402
from app.ui.map.scheme import register_schemes  # noqa: E402
from app.ui.map.tiles import register_tiles_scheme  # noqa: E402

register_schemes()
register_tiles_scheme()

PG_ADMIN_URL = os.environ.get(
    "XCC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ACTOR = "tester"
SITE = "test-site"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_SCRATCH, ignore_errors=True)


def _pg_conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[URL]:
    """A PostgreSQL database of the test's own, created and dropped around it."""
    admin = make_url(PG_ADMIN_URL)
    name = f"xcc_test_{uuid.uuid4().hex[:12]}"
    try:
        conn = psycopg.connect(_pg_conninfo(admin), autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {admin.host}:{admin.port} is needed for this test: {exc}")
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name)
    finally:
        with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> URL:
    return make_url(f"sqlite+pysqlite:///{tmp_path / 'xcc.sqlite3'}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> URL:
    """Each test that takes this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return make_url(f"sqlite+pysqlite:///{tmp_path / 'xcc.sqlite3'}")
    return request.getfixturevalue("pg_url")  # type: ignore[no-any-return]


@pytest.fixture
def migrated_db(any_url: URL) -> Iterator[Database]:
    db = Database(any_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: URL) -> Iterator[Database]:
    db = Database(sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def demo_template() -> Path:
    """One migrated SQLite file with the demo data; tests take copies of it."""
    from app.services.demo import ensure_reference_data, load_demo

    path = _SCRATCH / "demo-template.sqlite3"
    db = Database(make_url(f"sqlite+pysqlite:///{path}"))
    upgrade(db)
    ensure_reference_data(db, actor=ACTOR, site=SITE)
    load_demo(db, actor=ACTOR, site=SITE, now=datetime.now(UTC))
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture
def demo_sqlite_url(demo_template: Path, tmp_path: Path) -> URL:
    target = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, target)
    return make_url(f"sqlite+pysqlite:///{target}")
