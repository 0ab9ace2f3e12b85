"""Sites for the synchronisation tests: a center (SQLite or PostgreSQL) and field
vehicles (SQLite files made by the field package), each with its own clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import Base, Shelter, Township
from app.data.uow import UnitOfWork
from app.sync.service import SyncService

START = datetime(2026, 11, 29, 11, 40, tzinfo=UTC)  # Sunday 19:40 China time


class SiteClock:
    """A clock a test moves by hand; ``skew`` puts it off the true time."""

    def __init__(self, start: datetime = START, skew: timedelta = timedelta()) -> None:
        self.true = start
        self.skew = skew

    def __call__(self) -> datetime:
        self.true += timedelta(milliseconds=7)  # every reading a little later
        return self.true + self.skew


def write(db: Database, fn: Callable[[Any], None]) -> None:
    with UnitOfWork(db, actor="tester", site="test-site") as uow:
        fn(uow.session)
        uow.commit()


def seed(db: Database) -> dict[str, uuid.UUID]:
    """A township and two shelters."""
    ids = {"town": uuid.uuid4(), "s1": uuid.uuid4(), "s2": uuid.uuid4()}

    def add(s: Any) -> None:
        s.add(Township(id=ids["town"], code="341322100", name="龙城镇", kind="town"))
        s.flush()
        for key, name in (("s1", "龙城中学"), ("s2", "体育馆")):
            s.add(
                Shelter(
                    id=ids[key],
                    name=name,
                    shelter_type="school",
                    capacity=300,
                    township_id=ids["town"],
                    lon=116.9,
                    lat=34.2,
                )
            )

    write(db, add)
    return ids


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every synchronised table's rows (without bookkeeping columns), sorted."""
    skip = {"version", "created_at", "updated_at"}
    out: dict[str, list[tuple[Any, ...]]] = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in ("change_log", "sync_site", "alembic_version"):
                continue
            cols = [c for c in table.c if c.name not in skip]
            if table.name == "sync_conflict":
                cols = [c for c in cols if c.name not in ("detected_at", "detected_by")]
            rows = conn.execute(select(*cols)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.fixture
def center(any_url: Any, migrated_db: Database) -> Iterator[Database]:
    db = Database(any_url, clock=SiteClock())
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def take_out(center: Database, tmp_path: Path) -> Iterator[Callable[..., Database]]:
    """Take a field package out of the center: the vehicle's database."""
    opened: list[Database] = []

    def make(name: str = "前方指挥车1号", skew: timedelta = timedelta()) -> Database:
        path = tmp_path / f"field-{len(opened)}.xccfield"
        SyncService(center).export_field_package(path, name)
        clock = SiteClock(skew=skew)
        db = Database(make_url(f"sqlite+pysqlite:///{path}"), clock=clock)
        upgrade(db)
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.dispose()


def fresh_center(backend: str, folder: Path) -> tuple[Database, Callable[[], None]]:
    """A new, migrated center database (a copy of the run's migrated template)
    with its own SiteClock, and the function that disposes of it: for tests
    that make many centers in one test function (state machines)."""
    import shutil

    import psycopg

    from tests.conftest import PG_ADMIN_URL, _migrated_template, _pg_conninfo

    if backend == "sqlite":
        path = folder / f"center-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(_migrated_template("sqlite"), path)
        db = Database(make_url(f"sqlite+pysqlite:///{path}"), clock=SiteClock())
        upgrade(db)
        return db, db.dispose
    admin = make_url(PG_ADMIN_URL)
    name = f"xcc_test_sync_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_conninfo(admin), autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_migrated_template("postgresql")}"')
    db = Database(admin.set(database=name), clock=SiteClock())
    upgrade(db)

    def drop() -> None:
        db.dispose()
        with psycopg.connect(_pg_conninfo(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return db, drop


def vehicle_from(
    center_db: Database, folder: Path, name: str, skew: timedelta = timedelta()
) -> Database:
    """Take a field package out of ``center_db`` into ``folder``: the vehicle's
    database, with its own clock ``skew`` off the true time."""
    path = folder / f"field-{uuid.uuid4().hex[:8]}.xccfield"
    SyncService(center_db).export_field_package(path, name)
    db = Database(make_url(f"sqlite+pysqlite:///{path}"), clock=SiteClock(skew=skew))
    upgrade(db)
    return db
