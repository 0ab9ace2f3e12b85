"""Database errors split into the environment's fault and bugs.

The environment's faults (locked, read-only, unreachable, corrupt, newer
schema, a write that breaks a rule of the schema) become
:class:`DatabaseProblem` with a ``kind`` that the UI turns into a message for
people; anything else is a bug and propagates as it is.

The kind comes from the codes the database reports, never from the words of
its message (those are localised and name user tables and columns): the
SQLSTATE of PostgreSQL errors and SQLite's result code. The one exception is a
PostgreSQL connection that fails while being set up: libpq does not pass the
server's SQLSTATE on then (psycopg issue #1188), so the few start-up refusals
that need their own advice are recognised by the server's message.
"""

from __future__ import annotations

import re
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
    CONSTRAINT = "constraint"  # a write refused by a rule: not null, unique, foreign key, check
    PERMISSION = "permission"  # the login or the file lacks the rights for the action
    IO_ERROR = "io_error"  # the disk or file could not be read or written


# Kinds after which the program has no usable database at all, as opposed to
# one action refused by a database that is still there.
_CONNECTION_KINDS = frozenset({ProblemKind.UNREACHABLE, ProblemKind.AUTH, ProblemKind.NOT_FOUND})


class DatabaseProblem(Exception):
    """A database condition the user can act on. ``kind`` selects the message;
    ``detail`` is the driver's own text, for the log."""

    def __init__(self, kind: ProblemKind, detail: str = "") -> None:
        super().__init__(f"{kind.value}: {detail}" if detail else kind.value)
        self.kind = kind
        self.detail = detail

    @property
    def is_connection(self) -> bool:
        """True when the database cannot be used at all (server gone, login
        refused, database missing); False when it refused one action (a lock,
        a rule, read-only, a full disk) and the connection is still fine."""
        return self.kind in _CONNECTION_KINDS


class ConflictError(DatabaseProblem):
    """A write based on a stale copy: someone else changed the record first."""

    def __init__(self, entity_type: str, entity_id: str, detail: str = "") -> None:
        super().__init__(ProblemKind.CONFLICT, detail or f"{entity_type} {entity_id}")
        self.entity_type = entity_type
        self.entity_id = entity_id


# ---- PostgreSQL: SQLSTATE (https://www.postgresql.org/docs/current/errcodes-appendix.html)

_PG_CODES: dict[str, ProblemKind] = {
    "25006": ProblemKind.READ_ONLY,  # read_only_sql_transaction
    "25P03": ProblemKind.UNREACHABLE,  # idle_in_transaction_session_timeout: session ended
    "25P04": ProblemKind.UNREACHABLE,  # transaction_timeout: session ended
    "40002": ProblemKind.CONSTRAINT,  # transaction_integrity_constraint_violation
    "42501": ProblemKind.PERMISSION,  # insufficient_privilege (also the append-only triggers)
    "53100": ProblemKind.DISK_FULL,  # disk_full
    # Waited too long for another session's lock or work: nothing was done, try again.
    "55P03": ProblemKind.BUSY,  # lock_not_available (lock_timeout, NOWAIT)
    "57014": ProblemKind.BUSY,  # query_canceled (statement_timeout)
    "57P04": ProblemKind.NOT_FOUND,  # database_dropped
    "XX001": ProblemKind.CORRUPT,  # data_corrupted
    "XX002": ProblemKind.CORRUPT,  # index_corrupted
}

# By SQLSTATE class (the first two characters), for codes not listed above.
_PG_CLASSES: dict[str, ProblemKind] = {
    "08": ProblemKind.UNREACHABLE,  # connection exception
    "23": ProblemKind.CONSTRAINT,  # integrity constraint violation
    "28": ProblemKind.AUTH,  # invalid authorization specification
    "3D": ProblemKind.NOT_FOUND,  # invalid catalog name: no such database
    "40": ProblemKind.BUSY,  # transaction rollback: serialization failure, deadlock
    # Insufficient resources other than a full disk (out of memory, too many
    # connections): the server cannot serve this seat now.
    "53": ProblemKind.UNREACHABLE,
    # Operator intervention: admin or crash shutdown, cannot connect now.
    "57": ProblemKind.UNREACHABLE,
    "58": ProblemKind.IO_ERROR,  # system error: I/O error, missing file on the server
}

# A connection refused during start-up carries no SQLSTATE (see the module
# docstring). These are the server's messages (lc_messages in English) for the
# refusals that need other advice than "check the network".
_PG_STARTUP_REFUSALS: tuple[tuple[re.Pattern[str], ProblemKind], ...] = (
    # password (28P01; also for a role that does not exist), ident, peer, ...
    (re.compile(r'FATAL:\s+\S+ authentication failed for user "'), ProblemKind.AUTH),
    (re.compile(r'FATAL:\s+role ".*" does not exist'), ProblemKind.AUTH),
    (re.compile(r'FATAL:\s+role ".*" is not permitted to log in'), ProblemKind.AUTH),
    (re.compile(r"FATAL:\s+no pg_hba\.conf entry for host"), ProblemKind.AUTH),
    (re.compile(r'FATAL:\s+database ".*" does not exist'), ProblemKind.NOT_FOUND),
    (re.compile(r'FATAL:\s+permission denied for database "'), ProblemKind.PERMISSION),
)


def _classify_pg(err: psycopg.Error) -> ProblemKind | None:
    code = err.sqlstate
    if code:
        return _PG_CODES.get(code) or _PG_CLASSES.get(code[:2])
    if not isinstance(err, psycopg.OperationalError):
        return None  # e.g. a cursor used after close: a bug
    # No SQLSTATE: the server never answered this request, or refused the
    # connection while it was being set up.
    pgconn = err.pgconn
    if pgconn is not None and pgconn.needs_password:
        # The server asked for a password and none was given (libpq's
        # "fe_sendauth: no password supplied"; PQconnectionNeedsPassword).
        return ProblemKind.AUTH
    text = str(err)
    for pattern, kind in _PG_STARTUP_REFUSALS:
        if pattern.search(text):
            return kind
    # Refused, timed out, name not resolved, server closed the connection.
    return ProblemKind.UNREACHABLE


# ---- SQLite: primary result codes (https://www.sqlite.org/rescode.html)

_SQLITE_CODES: dict[int, ProblemKind] = {
    3: ProblemKind.PERMISSION,  # SQLITE_PERM
    5: ProblemKind.LOCKED,  # SQLITE_BUSY: another connection holds the lock
    6: ProblemKind.LOCKED,  # SQLITE_LOCKED
    8: ProblemKind.READ_ONLY,  # SQLITE_READONLY
    10: ProblemKind.IO_ERROR,  # SQLITE_IOERR
    11: ProblemKind.CORRUPT,  # SQLITE_CORRUPT
    13: ProblemKind.DISK_FULL,  # SQLITE_FULL
    14: ProblemKind.NOT_FOUND,  # SQLITE_CANTOPEN
    15: ProblemKind.LOCKED,  # SQLITE_PROTOCOL: a lock race between connections
    19: ProblemKind.CONSTRAINT,  # SQLITE_CONSTRAINT (not null, unique, foreign key, check, trigger)
    22: ProblemKind.IO_ERROR,  # SQLITE_NOLFS: file too large for the file system
    23: ProblemKind.PERMISSION,  # SQLITE_AUTH
    26: ProblemKind.CORRUPT,  # SQLITE_NOTADB
    # SQLITE_ERROR (1: syntax, no such table or column) and the API misuse codes
    # are bugs; so is an error the sqlite3 module raised itself (no code).
}


# Extended codes whose advice differs from their primary code's.
_SQLITE_EXTENDED: dict[int, ProblemKind] = {
    # SQLITE_READONLY_DBMOVED: the file was moved or deleted while open (a
    # network share or USB disk gone), not a read-only file.
    1032: ProblemKind.NOT_FOUND,
}


def _classify_sqlite(err: sqlite3.Error) -> ProblemKind | None:
    code = getattr(err, "sqlite_errorcode", None)
    if not isinstance(code, int):
        return None
    # An extended code carries its primary code in the low byte.
    return _SQLITE_EXTENDED.get(code) or _SQLITE_CODES.get(code & 0xFF)


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
    err = exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc
    kind: ProblemKind | None = None
    if isinstance(err, psycopg.Error):
        kind = _classify_pg(err)
    elif isinstance(err, sqlite3.Error):
        kind = _classify_sqlite(err)
    if kind is None and getattr(exc, "connection_invalidated", False):
        # SQLAlchemy found the connection dead (and dropped it from the pool).
        kind = ProblemKind.UNREACHABLE
    if kind is None:
        return None
    return DatabaseProblem(kind, str(err).strip())
