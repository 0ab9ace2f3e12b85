"""Shared fixtures: real SQLite files, a real PostgreSQL database per test, Qt offscreen."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

# Before anything imports Qt: no screen, Chromium as root, no user files touched.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
# The suite runs in parallel (pytest-xdist, see addopts in pyproject.toml): each
# worker process imports this file and has its own scratch folder, template files
# and PostgreSQL databases, named after the worker ("gw0", "gw1"; "main" without
# xdist) and made unique by a random part, since other runs may share the server.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_SCRATCH = Path(tempfile.mkdtemp(prefix=f"xcc-tests-{WORKER}-"))
os.environ["XCC_DATA_DIR"] = str(_SCRATCH / "data")
os.environ["XCC_CONFIG_DIR"] = str(_SCRATCH / "config")
os.environ.pop("XCC_DB_URL", None)
# A PostgreSQL lock wait of a test (or of a child process it starts) ends with an
# error after two minutes instead of holding the run: no test waits that long.
os.environ["PGOPTIONS"] = " ".join(
    part for part in (os.environ.get("PGOPTIONS", ""), "-c lock_timeout=120s") if part
)

import psycopg  # noqa: E402
import pytest  # noqa: E402
import time_machine  # noqa: E402
from sqlalchemy.engine import URL, make_url  # noqa: E402

from app.data.engine import Database  # noqa: E402
from app.data.migrate import upgrade  # noqa: E402
from app.domain.clock import CHINA_TZ, system_clock  # noqa: E402
from app.domain.identity import set_operator  # noqa: E402
from app.ui.map.scheme import register_schemes  # noqa: E402
from app.ui.map.tiles import register_tiles_scheme  # noqa: E402

register_schemes()
register_tiles_scheme()

PG_ADMIN_URL = os.environ.get(
    "XCC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ACTOR = "tester"
SITE = "test-site"


# Awkward moments (China time) at which every test marked ``dates`` also runs.
# The clock ticks on from there (tick=True), so waits and timeouts still work.
FROZEN_TIMES: dict[str, datetime] = {
    "sunday-evening": datetime(2026, 11, 29, 19, 40, tzinfo=CHINA_TZ),  # a Sunday
    "before-shift-change": datetime(2027, 3, 1, 8, 29, tzinfo=CHINA_TZ),  # Monday 08:29
    "after-shift-change": datetime(2027, 3, 1, 8, 31, tzinfo=CHINA_TZ),  # Monday 08:31
    "after-midnight": datetime(2027, 3, 1, 0, 30, tzinfo=CHINA_TZ),  # still 28 Feb in UTC
    "year-end": datetime(2026, 12, 31, 23, 50, tzinfo=CHINA_TZ),
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=CHINA_TZ),
}
# XCC_TEST_AT freezes the whole run at one moment (ISO 8601 with offset, or a name above).
_RUN_AT = os.environ.get("XCC_TEST_AT", "")


def _moment(text: str) -> datetime:
    if text in FROZEN_TIMES:
        return FROZEN_TIMES[text]
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TZ)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dates: depends on the date and time; also runs with the clock frozen at each of "
        "FROZEN_TIMES (tests/conftest.py)",
    )
    config.addinivalue_line(
        "markers", "real_clock: a dates test that only runs on the real clock (child processes)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    if _RUN_AT or definition.get_closest_marker("dates") is None:
        return
    if definition.get_closest_marker("real_clock") is not None:
        return  # e.g. a child process, which a frozen clock does not reach
    metafunc.parametrize("frozen_at", ["real", *FROZEN_TIMES], indirect=True)


@pytest.fixture(scope="session", autouse=True)
def _run_at() -> Iterator[None]:
    """With XCC_TEST_AT set, the whole run sees that moment (and time goes on from it)."""
    if not _RUN_AT:
        yield
        return
    with time_machine.travel(_moment(_RUN_AT), tick=True):
        yield


@pytest.fixture(autouse=True)
def _nobody_signed_in() -> Iterator[None]:
    """Each test starts with no operator (the program writes) and leaves none
    behind: a session or sign-in of one test must not sign the next one's writes."""
    set_operator(None)
    yield
    set_operator(None)


@pytest.fixture(autouse=True)
def frozen_at(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The moment a ``dates`` test runs at: "real", or a name of FROZEN_TIMES.

    A test module's ``NOW`` constant (read when the module was imported)
    follows the frozen moment too.
    """
    name: str = getattr(request, "param", "real")
    if name == "real":
        yield name
        return
    moment = FROZEN_TIMES[name]
    module_now = getattr(request.module, "NOW", None)
    if isinstance(module_now, datetime):
        monkeypatch.setattr(request.module, "NOW", moment.astimezone(module_now.tzinfo))
    with time_machine.travel(moment, tick=True):
        yield name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Frozen moments run on SQLite only: the date logic is the program's, not the
    server's; the real-time run covers both backends."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        params = getattr(item, "callspec", None)
        values = params.params if params is not None else {}
        frozen = values.get("frozen_at", "real") != "real"
        on_postgres = "postgresql" in (values.get("any_url"), values.get("backend"))
        (dropped if frozen and on_postgres else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Runs in each worker and in the xdist controller: each drops only what its
    own process made (the controller runs no tests and made no templates)."""
    _drop_templates()
    shutil.rmtree(_SCRATCH, ignore_errors=True)


def _pg_conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def pg_url() -> Iterator[URL]:
    """A PostgreSQL database of the test's own, created and dropped around it."""
    admin = make_url(PG_ADMIN_URL)
    name = f"xcc_test_{WORKER}_{uuid.uuid4().hex[:12]}"
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


# Migrated empty databases, made once per run (per worker); each test starts from a copy
# (a file copy, or CREATE DATABASE ... TEMPLATE), which is several times faster
# than running every migration again. The migrations themselves are tested on
# empty databases in tests/data/test_migrations.py and test_upgrade_path.py.
_MIGRATED: dict[str, str] = {}


def _migrated_template(backend: str) -> str:
    """A migrated, empty database to copy: a SQLite file path or a PostgreSQL name."""
    if backend in _MIGRATED:
        return _MIGRATED[backend]
    if backend == "sqlite":
        path = _SCRATCH / "migrated-template.sqlite3"
        db = Database(make_url(f"sqlite+pysqlite:///{path}"))
        try:
            upgrade(db)
            with db.engine.connect() as conn:  # everything in the main file, no WAL left
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        _MIGRATED[backend] = str(path)
    else:
        admin = make_url(PG_ADMIN_URL)
        name = f"xcc_template_{WORKER}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_pg_conninfo(admin), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        db = Database(admin.set(database=name))
        try:
            upgrade(db)
        finally:
            db.dispose()  # a template must have no connections when it is copied
        _MIGRATED[backend] = name
    return _MIGRATED[backend]


def _drop_templates() -> None:
    name = _MIGRATED.pop("postgresql", None)
    if name is None:
        return
    admin = make_url(PG_ADMIN_URL)
    with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def migrated_db(any_url: URL) -> Iterator[Database]:
    """A database at the newest schema, empty: a copy of one migrated for the run."""
    if any_url.get_backend_name() == "sqlite":
        assert any_url.database is not None
        shutil.copyfile(_migrated_template("sqlite"), any_url.database)
    else:
        template = _migrated_template("postgresql")
        admin = make_url(PG_ADMIN_URL)
        with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{any_url.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{any_url.database}" TEMPLATE "{template}"')
    db = Database(any_url)
    upgrade(db)  # at the head already: only checks and records the revision
    yield db
    db.dispose()


@pytest.fixture
def sqlite_db(sqlite_url: URL) -> Iterator[Database]:
    assert sqlite_url.database is not None
    shutil.copyfile(_migrated_template("sqlite"), sqlite_url.database)
    db = Database(sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


_DEMO_TEMPLATES: dict[str, Path] = {}


@pytest.fixture
def demo_template(frozen_at: str) -> Path:
    """A migrated SQLite file with the demo data, built around the test's "now"
    (one per frozen moment, made once); tests take copies of it."""
    from app.services.demo import ensure_reference_data, load_demo

    if frozen_at in _DEMO_TEMPLATES:
        return _DEMO_TEMPLATES[frozen_at]
    path = _SCRATCH / f"demo-template-{frozen_at}.sqlite3"
    db = Database(make_url(f"sqlite+pysqlite:///{path}"))
    upgrade(db)
    ensure_reference_data(db, actor=ACTOR, site=SITE)
    load_demo(db, actor=ACTOR, site=SITE, now=system_clock())
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    _DEMO_TEMPLATES[frozen_at] = path
    return path


@pytest.fixture
def demo_sqlite_url(demo_template: Path, tmp_path: Path) -> URL:
    target = tmp_path / "demo.sqlite3"
    shutil.copyfile(demo_template, target)
    return make_url(f"sqlite+pysqlite:///{target}")
