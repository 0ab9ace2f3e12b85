"""Each kind of database problem, from a real error of a real database, on both backends.

The kind must come from the code the database reports (SQLSTATE, SQLite's
result code), so a NOT NULL violation on a column named ``role`` is a broken
rule, not a refused login, and a syntax error is a bug, not a damaged file.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind, classify

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=5"


def _failure(action: Callable[[], object]) -> BaseException:
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - the error is what the test looks at
        return exc
    raise AssertionError("the database did not refuse")


def _kind(exc: BaseException) -> ProblemKind | None:
    """The kind classify gives; the driver's own error must give the same."""
    problem = classify(exc)
    kind = None if problem is None else problem.kind
    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        raw = classify(exc.orig)
        assert (None if raw is None else raw.kind) is kind, "wrapped and raw differ"
    if problem is not None:
        assert problem.detail, "the driver's message is kept for the log"
    return kind


def _run(db: Database, *statements: str, write: bool = False) -> None:
    engine = db.engine.execution_options(xcc_write=True) if write else db.engine
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def _is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _pg_conninfo(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def db(any_url: URL) -> Iterator[Database]:
    """A database with a few plain tables (no migrations: only the errors matter)."""
    database = Database(any_url)
    _run(
        database,
        "CREATE TABLE staff_x (role text NOT NULL)",
        "CREATE TABLE parent_x (id integer PRIMARY KEY, n integer CHECK (n >= 0))",
        "CREATE TABLE child_x (parent_id integer REFERENCES parent_x (id))",
        "INSERT INTO parent_x (id, n) VALUES (1, 1)",
    )
    yield database
    database.dispose()


# ---- bugs: no problem kind, they propagate -------------------------------------------


@pytest.mark.parametrize(
    "statement",
    ["SELEC 1", "SELECT * FROM no_such_table", "SELECT no_such_column FROM parent_x"],
    ids=["syntax", "undefined_table", "undefined_column"],
)
def test_sql_mistakes_are_bugs(db: Database, statement: str) -> None:
    exc = _failure(lambda: _run(db, statement))
    assert _kind(exc) is None, exc


# ---- a write that breaks a rule ------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO staff_x (role) VALUES (NULL)",
        "INSERT INTO parent_x (id, n) VALUES (1, 2)",
        "INSERT INTO child_x (parent_id) VALUES (99)",
        "UPDATE parent_x SET n = -1",
    ],
    ids=["not_null_on_role", "unique", "foreign_key", "check"],
)
def test_broken_rule_is_constraint_not_login(db: Database, statement: str) -> None:
    exc = _failure(lambda: _run(db, statement, write=True))
    assert _kind(exc) is ProblemKind.CONSTRAINT, exc
    problem = classify(exc)
    assert problem is not None and not problem.is_connection


# ---- another connection holds the lock -----------------------------------------------


def test_lock_held_by_another_connection(db: Database, any_url: URL) -> None:
    if _is_sqlite(any_url):
        holder = sqlite3.connect(any_url.database or "", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another program in the middle of a write
        waiting = Database(any_url, busy_timeout_ms=100)
        try:
            exc = _failure(lambda: _run(waiting, "INSERT INTO staff_x VALUES ('a')", write=True))
        finally:
            waiting.dispose()
            holder.execute("ROLLBACK")
            holder.close()
        assert isinstance(exc, sa_exc.DBAPIError)
        assert exc.orig.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # type: ignore[union-attr]
        assert _kind(exc) is ProblemKind.LOCKED
        return
    with psycopg.connect(_pg_conninfo(any_url)) as seat:
        seat.execute("SELECT * FROM parent_x WHERE id = 1 FOR UPDATE")  # another seat's row lock
        exc = _failure(
            lambda: _run(
                db, "SET LOCAL lock_timeout = '100ms'", "UPDATE parent_x SET n = 2 WHERE id = 1"
            )
        )
        nowait = _failure(lambda: _run(db, "SELECT * FROM parent_x WHERE id = 1 FOR UPDATE NOWAIT"))
        seat.rollback()
    for e in (exc, nowait):
        assert getattr(e, "orig", None).sqlstate == "55P03"  # type: ignore[union-attr]
        # Nothing was done and trying again is safe: the seat-to-seat message.
        assert _kind(e) is ProblemKind.BUSY


@pytest.mark.postgres
def test_serialization_failure_is_busy(pg_url: URL) -> None:
    db = Database(pg_url)
    try:
        _run(db, "CREATE TABLE counter_x (id integer PRIMARY KEY, n integer)")
        _run(db, "INSERT INTO counter_x VALUES (1, 0)")
        with psycopg.connect(_pg_conninfo(pg_url)) as first, db.engine.connect() as second:
            first.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            first.execute("SELECT n FROM counter_x").fetchall()
            second.exec_driver_sql("UPDATE counter_x SET n = n + 1")
            second.commit()
            exc = _failure(lambda: first.execute("UPDATE counter_x SET n = n + 1"))
            first.rollback()
    finally:
        db.dispose()
    assert getattr(exc, "sqlstate", None) == "40001"
    assert _kind(exc) is ProblemKind.BUSY


# ---- read-only -----------------------------------------------------------------------


def test_read_only(db: Database, any_url: URL) -> None:
    if _is_sqlite(any_url):
        db.dispose()  # the file is complete and closed before it is opened read-only
        path = any_url.database or ""
        ro = Database(make_url(f"sqlite+pysqlite:///file:{path}?mode=ro&uri=true"))
        try:
            opened_ro = _failure(lambda: _run(ro, "INSERT INTO staff_x VALUES ('a')"))
        finally:
            ro.dispose()
        query_only = _failure(
            lambda: _run(db, "PRAGMA query_only = 1", "INSERT INTO staff_x VALUES ('a')")
        )
        failures = [opened_ro, query_only]
    else:
        in_transaction = _failure(
            lambda: _run(db, "SET TRANSACTION READ ONLY", "INSERT INTO staff_x VALUES ('a')")
        )
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(
                f'ALTER DATABASE "{any_url.database}" SET default_transaction_read_only = on'
            )
        replica_like = Database(any_url)  # new connections take the database's setting
        try:
            by_database = _failure(lambda: _run(replica_like, "INSERT INTO staff_x VALUES ('a')"))
        finally:
            replica_like.dispose()
        failures = [in_transaction, by_database]
    for exc in failures:
        assert _kind(exc) is ProblemKind.READ_ONLY, exc


# ---- disk full -----------------------------------------------------------------------


def test_disk_full(db: Database, any_url: URL) -> None:
    if _is_sqlite(any_url):

        def fill() -> None:
            with db.engine.begin() as conn:
                pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
                conn.exec_driver_sql(f"PRAGMA max_page_count = {int(pages or 0) + 2}")
                for _ in range(50):
                    conn.exec_driver_sql("INSERT INTO staff_x VALUES (hex(randomblob(4000)))")

        exc = _failure(fill)
        assert exc.orig.sqlite_errorcode == sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    else:
        # A server whose disk is full cannot be made in a test without mounting a
        # small file system for a tablespace; this is the error such a server
        # sends (53100), as psycopg builds it from the SQLSTATE.
        driver = psycopg.errors.lookup("53100")(
            'could not extend file "base/16384/16385": No space left on device'
        )
        exc = sa_exc.OperationalError("INSERT INTO staff_x VALUES ('a')", {}, driver)
    assert _kind(exc) is ProblemKind.DISK_FULL


# ---- a damaged file ------------------------------------------------------------------


def test_corrupt(any_url: URL, tmp_path: Path) -> None:
    if not _is_sqlite(any_url):
        pytest.skip("a PostgreSQL server's files are not the program's to open")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    scrambled = tmp_path / "scrambled.sqlite3"
    conn = sqlite3.connect(scrambled)
    conn.execute("CREATE TABLE t (a blob)")
    conn.executemany("INSERT INTO t VALUES (randomblob(3000))", [()] * 200)
    conn.commit()
    conn.close()
    data = bytearray(scrambled.read_bytes())
    data[4096 * 3 : 4096 * 6] = os.urandom(4096 * 3)  # three pages overwritten
    scrambled.write_bytes(bytes(data))
    for path, code in ((garbage, 26), (scrambled, sqlite3.SQLITE_CORRUPT)):
        damaged = Database(make_url(f"sqlite+pysqlite:///{path}"))
        try:
            exc = _failure(lambda: _run(damaged, "SELECT sum(length(a)) FROM t"))  # noqa: B023
        finally:
            damaged.dispose()
        assert exc.orig.sqlite_errorcode & 0xFF == code  # type: ignore[attr-defined]
        assert _kind(exc) is ProblemKind.CORRUPT


# ---- the disk or file cannot be read or written --------------------------------------

_IO_SCRIPT = r"""
import resource, signal, sys
from app.data.engine import Database
from app.data.errors import classify

db = Database(sys.argv[1])
with db.engine.begin() as conn:
    conn.exec_driver_sql("CREATE TABLE t (a blob)")
# Writes past 64 KiB fail with EFBIG, as a failing disk fails them.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    with db.engine.begin() as conn:
        for _ in range(100):
            conn.exec_driver_sql("INSERT INTO t VALUES (randomblob(4000))")
except Exception as exc:
    problem = classify(exc)
    print(exc.orig.sqlite_errorname, problem.kind.value if problem else None)
"""


def test_io_error(any_url: URL) -> None:
    if not _is_sqlite(any_url):
        pytest.skip("a PostgreSQL server's I/O errors (58030) cannot be provoked from a client")
    # A child process, so the file size limit stays out of the test run.
    done = subprocess.run(
        [sys.executable, "-c", _IO_SCRIPT, str(any_url)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    name, kind = done.stdout.split()
    assert name.startswith("SQLITE_IOERR"), done.stdout
    assert kind == ProblemKind.IO_ERROR.value


# ---- not allowed ---------------------------------------------------------------------


def test_permission(db: Database, any_url: URL) -> None:
    if _is_sqlite(any_url):

        def denied() -> None:
            with db.engine.connect() as conn:
                raw = conn.connection.driver_connection
                assert isinstance(raw, sqlite3.Connection)
                raw.set_authorizer(lambda *_args: sqlite3.SQLITE_DENY)
                try:
                    conn.exec_driver_sql("SELECT * FROM parent_x")
                finally:
                    raw.set_authorizer(None)

        exc = _failure(denied)
        assert exc.orig.sqlite_errorcode == 23  # type: ignore[attr-defined] # SQLITE_AUTH
        assert _kind(exc) is ProblemKind.PERMISSION
        return
    role = f"xcc_test_nobody_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE ROLE "{role}" NOLOGIN')
    try:
        exc = _failure(lambda: _run(db, f'SET LOCAL ROLE "{role}"', "SELECT * FROM parent_x"))
        assert getattr(exc, "orig", None).sqlstate == "42501"  # type: ignore[union-attr]
        assert _kind(exc) is ProblemKind.PERMISSION
        as_role = Database(any_url.set(username=role))
        no_login = _failure(lambda: as_role.engine.connect())
        as_role.dispose()
        assert _kind(no_login) is ProblemKind.AUTH  # 'role ... is not permitted to log in'
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP ROLE "{role}"')


# ---- the database is not there -------------------------------------------------------


def test_not_found(any_url: URL, tmp_path: Path) -> None:
    if _is_sqlite(any_url):
        missing = Database(
            make_url(f"sqlite+pysqlite:///file:{tmp_path / 'absent.sqlite3'}?mode=rw&uri=true")
        )
        try:
            exc = _failure(lambda: _run(missing, "SELECT 1"))
        finally:
            missing.dispose()
        assert exc.orig.sqlite_errorcode == sqlite3.SQLITE_CANTOPEN  # type: ignore[attr-defined]
    else:
        absent = Database(any_url.set(database=f"{any_url.database}_absent"))
        exc = _failure(lambda: absent.engine.connect())
        absent.dispose()
    assert _kind(exc) is ProblemKind.NOT_FOUND
    problem = classify(exc)
    assert problem is not None and problem.is_connection


def test_sqlite_file_removed_while_open(tmp_path: Path) -> None:
    """A USB disk or network share gone: the file went away, it is not read-only."""
    folder = tmp_path / "share"
    folder.mkdir()
    conn = sqlite3.connect(folder / "xcc.sqlite3", isolation_level=None)
    conn.execute("CREATE TABLE t (a)")
    shutil.rmtree(folder)
    exc = _failure(lambda: conn.execute("INSERT INTO t VALUES (1)"))
    conn.close()
    assert getattr(exc, "sqlite_errorname", None) == "SQLITE_READONLY_DBMOVED"
    assert _kind(exc) is ProblemKind.NOT_FOUND


# ---- login refused -------------------------------------------------------------------


def test_login_refused(any_url: URL) -> None:
    if _is_sqlite(any_url):
        pytest.skip("SQLite has no login")
    stranger = Database(any_url.set(username=f"xcc_no_such_role_{uuid.uuid4().hex[:6]}"))
    try:
        exc = _failure(lambda: stranger.engine.connect())
    finally:
        stranger.dispose()
    assert _kind(exc) is ProblemKind.AUTH
    problem = classify(exc)
    assert problem is not None and problem.is_connection


class _PasswordServer:
    """Asks for a password the way a server with ``md5``/``scram-sha-256`` in
    pg_hba.conf does, then refuses it with 28P01, as PostgreSQL sends it.

    The test server trusts every local login, so it never asks; this speaks just
    enough of the protocol for libpq and psycopg to fail as they do then.
    """

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._sock.accept()
        with conn:
            while True:
                (size,) = struct.unpack("!I", _read(conn, 4))
                (code,) = struct.unpack("!I", _read(conn, size - 4)[:4])
                if code not in (80877103, 80877104):  # SSLRequest, GSSENCRequest
                    break  # the startup packet
                conn.sendall(b"N")
            conn.sendall(b"R" + struct.pack("!II", 8, 3))  # AuthenticationCleartextPassword
            if not conn.recv(1):
                return  # libpq had no password to send
            (size,) = struct.unpack("!I", _read(conn, 4))
            _read(conn, size - 4)
            fields = b'SFATAL\0VFATAL\0C28P01\0Mpassword authentication failed for user "x"\0\0'
            conn.sendall(b"E" + struct.pack("!I", 4 + len(fields)) + fields)

    def close(self) -> None:
        self._thread.join(10)
        self._sock.close()


def _read(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


@pytest.mark.parametrize("password", [None, "wrong"], ids=["no_password", "wrong_password"])
def test_password_refused_during_connect(password: str | None) -> None:
    server = _PasswordServer()
    url = URL.create(
        "postgresql+psycopg", "x", password, "127.0.0.1", server.port, "xcc"
    ).update_query_dict({"sslmode": "disable"})
    db = Database(url)
    try:
        exc = _failure(lambda: db.engine.connect())
    finally:
        db.dispose()
        server.close()
    orig = getattr(exc, "orig", None)
    assert isinstance(orig, psycopg.OperationalError)
    assert orig.sqlstate is None, "libpq passes no SQLSTATE for a refused connection"
    assert _kind(exc) is ProblemKind.AUTH


# ---- the server cannot be reached ----------------------------------------------------


def test_unreachable(any_url: URL) -> None:
    if _is_sqlite(any_url):
        pytest.skip("a SQLite file has no server")
    nowhere = Database(any_url.set(host="127.0.0.1", port=1))
    try:
        exc = _failure(lambda: nowhere.engine.connect())
    finally:
        nowhere.dispose()
    assert _kind(exc) is ProblemKind.UNREACHABLE
    problem = classify(exc)
    assert problem is not None and problem.is_connection


@pytest.mark.postgres
def test_session_ended_by_the_server(pg_url: URL) -> None:
    db = Database(pg_url)
    try:
        with db.engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            conn.rollback()
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
            exc = _failure(lambda: conn.exec_driver_sql("SELECT 1"))
    finally:
        db.dispose()
    assert getattr(exc, "orig", None).sqlstate == "57P01"  # type: ignore[union-attr]
    assert _kind(exc) is ProblemKind.UNREACHABLE


def test_pool_timeout_is_unreachable() -> None:
    assert _kind(sa_exc.TimeoutError("QueuePool limit reached")) is ProblemKind.UNREACHABLE


def test_problems_pass_through_and_other_errors_are_bugs() -> None:
    problem = DatabaseProblem(ProblemKind.NEWER_SCHEMA, "0009")
    assert classify(problem) is problem
    assert classify(ValueError("role")) is None


@pytest.mark.parametrize("kind", list(ProblemKind))
def test_connection_kinds(kind: ProblemKind) -> None:
    connection = {ProblemKind.UNREACHABLE, ProblemKind.AUTH, ProblemKind.NOT_FOUND}
    assert DatabaseProblem(kind).is_connection is (kind in connection)
