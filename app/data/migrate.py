"""Schema migrations, applied automatically at start-up.

The whole upgrade runs in one transaction (PostgreSQL and SQLite both have
transactional DDL), so a failure leaves the database as it was: never half
migrated. An existing SQLite file is also copied aside before it is upgraded.
A database whose revision this program does not know was made by a newer
program: it is refused, not touched.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind, classify
from app.paths import migrations_dir


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str
    created: bool  # the database had no schema before
    backup: Path | None


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def current_revision(db: Database) -> str | None:
    try:
        with db.engine.connect() as conn:
            return _current(conn)
    except Exception as exc:
        problem = classify(exc)
        if problem is not None:
            raise problem from exc
        raise


def schema_is_newer(revision: str | None) -> bool:
    return revision is not None and revision not in known_revisions()


def _backup_sqlite(db: Database, revision: str) -> Path | None:
    path = Path(db.url.database or "")
    if not path.is_file():
        return None
    stamp = db.clock().strftime("%Y%m%d%H%M%S")
    target = path.with_name(f"{path.name}.{revision}.{stamp}.bak")
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


@contextmanager
def _sqlite_rebuilds_allowed(conn: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while the migration rebuilds tables, on again after.

    A batch migration rebuilds a table (copy, drop, rename); with foreign keys
    on, dropping a table other tables point at fails. SQLite's own procedure
    for such changes (https://www.sqlite.org/lang_altertable.html, "other kinds
    of table schema changes") turns them off outside the transaction and runs
    ``PRAGMA foreign_key_check`` before committing (:func:`_check_references`).
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")  # no transaction is open yet: takes effect
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_references(conn: Connection) -> None:
    """Refuse to commit a migration that left a reference dangling (SQLite)."""
    if conn.dialect.name != "sqlite":
        return
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise DatabaseProblem(ProblemKind.MIGRATION, f"dangling references: {broken[:5]}")


def upgrade(db: Database) -> MigrationResult:
    """Bring the schema to this program's head, or raise DatabaseProblem."""
    head = head_revision()
    try:
        with db.engine.connect() as conn:
            before = _current(conn)
            has_tables = bool(inspect(conn).get_table_names())
            conn.rollback()
    except Exception as exc:
        problem = classify(exc)
        if problem is not None:
            raise problem from exc
        raise
    if schema_is_newer(before):
        raise DatabaseProblem(ProblemKind.NEWER_SCHEMA, f"{before} (this program: {head})")
    if before == head:
        db.schema_revision = head
        return MigrationResult(before, head, created=False, backup=None)
    if before is None and has_tables:
        raise DatabaseProblem(ProblemKind.MIGRATION, "tables present but no schema version")
    backup = _backup_sqlite(db, before) if db.is_sqlite and before is not None else None
    cfg = alembic_config()
    try:
        with db.engine.execution_options(xcc_write=True).connect() as conn:
            cfg.attributes["connection"] = conn
            with _sqlite_rebuilds_allowed(conn), conn.begin():
                command.upgrade(cfg, "head")
                _check_references(conn)
    except DatabaseProblem:
        raise
    except Exception as exc:
        problem = classify(exc)
        # Existing rows that break a new rule: the upgrade failed, not a user's change.
        if problem is not None and problem.kind is not ProblemKind.CONSTRAINT:
            raise problem from exc
        raise DatabaseProblem(ProblemKind.MIGRATION, str(exc)) from exc
    db.schema_revision = head
    return MigrationResult(before, head, created=before is None, backup=backup)


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to ``revision`` (for tests and for going back a release).

    Runs in one transaction, tables rebuilt on SQLite as in :func:`upgrade`.
    Raises what Alembic or the driver raises; nothing is changed then.
    """
    cfg = alembic_config()
    with db.engine.execution_options(xcc_write=True).connect() as conn:
        cfg.attributes["connection"] = conn
        with _sqlite_rebuilds_allowed(conn), conn.begin():
            command.downgrade(cfg, revision)
            _check_references(conn)
    db.schema_revision = revision
