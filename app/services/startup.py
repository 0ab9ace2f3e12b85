"""Opening a database at start-up: connect, migrate, reference and demo data."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind
from app.data.geography import GeographyUnavailable
from app.data.migrate import MigrationResult, current_revision, schema_is_newer, upgrade
from app.services.demo import DemoAlreadyLoaded, ensure_reference_data, load_demo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedDatabase:
    db: Database
    migration: MigrationResult
    demo_loaded: bool


def open_database(
    url: URL,
    *,
    actor: str,
    site: str,
    now: datetime,
    demo: bool | None = None,
) -> OpenedDatabase:
    """Open and migrate; load demo data into a new database (or when ``demo`` is True).

    ``demo=False`` never loads it. Raises DatabaseProblem for the environment's faults;
    the database is disposed of again on failure.
    """
    db = Database(url)
    try:
        migration = upgrade(db)
        try:
            ensure_reference_data(db, actor=actor, site=site)
        except GeographyUnavailable:
            # The map still works without the county outline; say so in the log.
            log.warning("county boundary dataset unavailable", exc_info=True)
        want_demo = migration.created if demo is None else demo
        loaded = False
        if want_demo:
            try:
                load_demo(db, actor=actor, site=site, now=now)
                loaded = True
            except DemoAlreadyLoaded:
                loaded = False
    except BaseException:
        db.dispose()
        raise
    return OpenedDatabase(db, migration, loaded)


def probe_database(url: URL) -> str | None:
    """Connect once and read the schema version (None: an empty database).

    Raises DatabaseProblem when the database cannot be used. Touches nothing.
    """
    db = Database(url)
    try:
        revision = current_revision(db)
        if schema_is_newer(revision):
            raise DatabaseProblem(ProblemKind.NEWER_SCHEMA, str(revision))
        return revision
    finally:
        db.dispose()
