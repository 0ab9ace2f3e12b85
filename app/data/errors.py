"""Database errors split into the environment's fault and bugs.

The environment's faults (locked, read-only, unreachable, corrupt, newer
schema) become :class:`DatabaseProblem` with a ``kind`` that the UI turns into
a message for people; anything else is a bug and propagates as it is.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum

import psycopg
from sqlalchemy import exc as sa_exc


class ProblemKind(StrEnum):
    NEWER_SCHEMA = "newer_schema"
    LOCKED = "locked"
    READ_ONLY = "read_only"
    UNREACHABLE = "unreachable"
    AUTH = "auth"
    CORRUPT = "corrupt"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    DISK_FULL = "disk_full"
    MIGRATION = "migration"
    BUSY = "busy"  # a serialization failure or deadlock: safe to try again


class DatabaseProblem(Exception):
    """A database condition the user can act on. ``kind`` selects the message."""

    def __init__(self, kind: ProblemKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail


class ConflictError(DatabaseProblem):
    """A write based on a stale copy: someone else changed the record first."""

    def __init__(self, entity_type: str, entity_id: str, detail: str = "") -> None:
        super().__init__(ProblemKind.CONFLICT, detail or f"{entity_type} {entity_id}")
        self.entity_type = entity_type
        self.entity_id = entity_id


_SQLITE_PATTERNS: tuple[tuple[str, ProblemKind], ...] = (
    ("database is locked", ProblemKind.LOCKED),
    ("database table is locked", ProblemKind.LOCKED),
    ("readonly database", ProblemKind.READ_ONLY),
    ("read-only", ProblemKind.READ_ONLY),
    ("file is not a database", ProblemKind.CORRUPT),
    ("malformed", ProblemKind.CORRUPT),
    ("unable to open database", ProblemKind.NOT_FOUND),
    ("disk is full", ProblemKind.DISK_FULL),
    ("disk i/o error", ProblemKind.CORRUPT),
)

_PG_PATTERNS: tuple[tuple[str, ProblemKind], ...] = (
    ("could not serialize access", ProblemKind.BUSY),
    ("deadlock detected", ProblemKind.BUSY),
    ("password authentication failed", ProblemKind.AUTH),
    ("no password supplied", ProblemKind.AUTH),
    ("role", ProblemKind.AUTH),
    ("does not exist", ProblemKind.NOT_FOUND),
    ("read-only transaction", ProblemKind.READ_ONLY),
    ("connection refused", ProblemKind.UNREACHABLE),
    ("could not connect", ProblemKind.UNREACHABLE),
    ("connection failed", ProblemKind.UNREACHABLE),
    ("timeout", ProblemKind.UNREACHABLE),
    ("server closed the connection", ProblemKind.UNREACHABLE),
    ("terminating connection", ProblemKind.UNREACHABLE),
    ("consuming input failed", ProblemKind.UNREACHABLE),
    ("the connection is closed", ProblemKind.UNREACHABLE),
    ("no space left", ProblemKind.DISK_FULL),
)


def classify(exc: BaseException) -> DatabaseProblem | None:
    """Map a driver error to a :class:`DatabaseProblem`, or None for a bug."""
    if isinstance(exc, DatabaseProblem):
        return exc
    if isinstance(exc, sa_exc.TimeoutError):
        # No pooled connection came free: every one is stuck on the server.
        return DatabaseProblem(ProblemKind.UNREACHABLE, str(exc))
    # The change listener's own connections raise the driver's errors unwrapped.
    if not isinstance(exc, sa_exc.DBAPIError | psycopg.Error | sqlite3.Error):
        return None
    text = str(getattr(exc, "orig", exc) or exc).lower()
    module = type(getattr(exc, "orig", exc)).__module__
    patterns = _SQLITE_PATTERNS if "sqlite" in module else _PG_PATTERNS
    for needle, kind in patterns:
        if needle in text:
            return DatabaseProblem(kind, str(getattr(exc, "orig", exc)).strip())
    operational = sa_exc.OperationalError | psycopg.OperationalError | sqlite3.OperationalError
    if getattr(exc, "connection_invalidated", False) or isinstance(exc, operational):
        kind = ProblemKind.UNREACHABLE if "psycopg" in module else ProblemKind.CORRUPT
        return DatabaseProblem(kind, str(getattr(exc, "orig", exc)).strip())
    return None
