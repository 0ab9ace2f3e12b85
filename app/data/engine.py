"""Engine factory and the :class:`Database` handle the rest of the program uses."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from app.domain.clock import Clock, system_clock
from app.domain.text import clean_text, fold_text

DEFAULT_BUSY_TIMEOUT_MS = 5000
# libpq settings that turn a dead server or network into an error instead of a
# hang: connecting gives up after 5 s; an idle connection is probed after 10 s
# (3 probes, 3 s apart); and on Linux a connection whose sent data stays
# unacknowledged for 15 s fails (tcp_user_timeout).
PG_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,
}
DB_FILE_NAME = "xcc.sqlite3"


def default_sqlite_url(data_dir: Path) -> URL:
    return make_url(f"sqlite+pysqlite:///{data_dir / DB_FILE_NAME}")


def normalise_url(raw: str) -> URL:
    """Accept ``postgresql://`` and a bare file path as well as full URLs."""
    raw = raw.strip()
    if "://" not in raw:
        return make_url(f"sqlite+pysqlite:///{Path(raw).expanduser().resolve()}")
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+pysqlite")
    return url


def _sql_text_function(policy: Callable[[str], str]) -> Callable[[Any], Any]:
    """A text policy function as SQLite calls it: NULL stays NULL, a number or a
    blob is taken as its text (as SQLite's own ``lower`` does)."""

    def apply(value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return policy(value if isinstance(value, str) else str(value))

    return apply


# SQL functions of the text policy (app/domain/text.py), the same on both backends:
# on PostgreSQL migration 0007 defines them in SQL. The search triggers of SQLite
# call xcc_fold, so every connection that writes incidents or log entries needs it.
SQLITE_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "xcc_clean": _sql_text_function(clean_text),
    "xcc_fold": _sql_text_function(fold_text),
}


def install_sqlite_functions(dbapi_conn: sqlite3.Connection) -> None:
    """Register ``xcc_clean(text)`` and ``xcc_fold(text)`` (deterministic, so also
    usable in indexes and triggers) on a pysqlite connection."""
    for name, function in SQLITE_FUNCTIONS.items():
        dbapi_conn.create_function(name, 1, function, deterministic=True)


def _install_sqlite_behaviour(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, foreign keys, busy timeout, memory-mapped reads, the text policy's SQL
    functions; writes start with BEGIN IMMEDIATE.

    pysqlite's own transaction handling is switched off so that SQLAlchemy
    emits BEGIN itself (this also makes DDL transactional for migrations).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        install_sqlite_functions(dbapi_conn)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cur.execute("PRAGMA foreign_keys = ON")
            mode = cur.execute("PRAGMA journal_mode").fetchone()
            if mode and str(mode[0]).lower() not in ("wal", "memory"):
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
            # Read the file through a memory map (up to 1 GiB): the list's walks
            # and the search tables read many pages, and each read through the
            # small page cache is a system call. The OS shares the mapped pages
            # between connections; writes still go through the WAL.
            cur.execute("PRAGMA mmap_size = 1073741824")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get("xcc_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def create_db_engine(url: URL | str, *, busy_timeout_ms: int | None = None) -> Engine:
    url = normalise_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        timeout = busy_timeout_ms or int(
            os.environ.get("XCC_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS)
        )
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": timeout / 1000},
            poolclass=NullPool if database in ("", ":memory:") else None,
            # Error messages never carry the values written (password hashes, texts).
            hide_parameters=True,
        )
        _install_sqlite_behaviour(engine, timeout)
        return engine
    connect_args: dict[str, Any] = {**PG_CONNECT_ARGS, "application_name": "xcc"}
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=4,
        max_overflow=4,
        pool_timeout=10,  # every connection stuck: say so (classify -> UNREACHABLE)
        connect_args=connect_args,
        hide_parameters=True,
    )


@dataclass(frozen=True)
class DatabaseInfo:
    backend: str  # "sqlite" or "postgresql"
    display: str  # file path or host:port/dbname, never a password


class Database:
    """One database: an engine and the two kinds of sessions made on it."""

    def __init__(
        self,
        url: URL | str | Path,
        *,
        busy_timeout_ms: int | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.url = url if isinstance(url, URL) else normalise_url(str(url))
        # Every time this program writes (change_log, created_at, defaults of
        # services called without ``now``) comes from this clock.
        self.clock = clock
        self.engine = create_db_engine(self.url, busy_timeout_ms=busy_timeout_ms)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False)
        # The schema version this program migrated to (set by migrate.upgrade);
        # a unit of work refuses to write when the database has moved past it.
        self.schema_revision: str | None = None
        self._write = sessionmaker(
            bind=self.engine.execution_options(xcc_write=True, xcc_clock=clock),
            expire_on_commit=False,
        )

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def info(self) -> DatabaseInfo:
        if self.is_sqlite:
            return DatabaseInfo("sqlite", self.url.database or ":memory:")
        host = self.url.host or "localhost"
        port = self.url.port or 5432
        return DatabaseInfo("postgresql", f"{host}:{port}/{self.url.database or ''}")

    def read_session(self) -> Session:
        return self._read()

    def write_session(self) -> Session:
        return self._write()

    def dispose(self) -> None:
        self.engine.dispose()
