"""Incident list search and ordering: full-text (trigram) search structures.

SQLite: ``xcc_incident_doc`` (one row per incident: title, description and
address joined; INTEGER PRIMARY KEY so its rowid is stable under VACUUM) is the
external content of the FTS5 table ``xcc_incident_fts``; log entry bodies go to
``xcc_log_fts``, which stores its own copy with the incident id (log entries are
append-only, so rows are only ever added). Triggers keep both current.

PostgreSQL: pg_trgm GIN indexes on the searched columns, used by ILIKE.

Every object made here is named ``xcc_*``: the models do not describe them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The text of an incident that the search looks at; a trailing space keeps
# NULL parts from swallowing the others.
_SQLITE_DOC = "coalesce({p}.title, '') || ' ' || coalesce({p}.description, '') || ' ' || coalesce({p}.address, '')"

_PG_TRGM_INDEXES = (
    ("xcc_incident_title_trgm", "incident", "title"),
    ("xcc_incident_description_trgm", "incident", "description"),
    ("xcc_incident_address_trgm", "incident", "address"),
    ("xcc_incident_log_entry_body_trgm", "incident_log_entry", "body"),
)


def upgrade() -> None:
    # Keyset paging of the list: newest first, id breaks ties.
    op.execute("CREATE INDEX xcc_incident_received_id ON incident (received_at, id)")
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def _upgrade_postgresql() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in _PG_TRGM_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops)")


def _upgrade_sqlite() -> None:
    new_doc = _SQLITE_DOC.format(p="new")
    op.execute(
        "CREATE TABLE xcc_incident_doc ("
        "rowid INTEGER PRIMARY KEY, incident_id CHAR(32) NOT NULL UNIQUE, doc TEXT NOT NULL)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE xcc_incident_fts USING fts5("
        "doc, content='xcc_incident_doc', content_rowid='rowid', tokenize='trigram')"
    )
    op.execute(
        "CREATE VIRTUAL TABLE xcc_log_fts USING fts5("
        "incident_id UNINDEXED, body, tokenize='trigram')"
    )
    op.execute(
        "CREATE TRIGGER xcc_incident_doc_ai AFTER INSERT ON incident BEGIN "
        f"INSERT INTO xcc_incident_doc (incident_id, doc) VALUES (new.id, {new_doc}); "
        "INSERT INTO xcc_incident_fts (rowid, doc) "
        "SELECT rowid, doc FROM xcc_incident_doc WHERE incident_id = new.id; "
        "END"
    )
    # Only when the searched text changes (status changes leave the index alone).
    op.execute(
        "CREATE TRIGGER xcc_incident_doc_au AFTER UPDATE OF id, title, description, address "
        "ON incident BEGIN "
        "INSERT INTO xcc_incident_fts (xcc_incident_fts, rowid, doc) "
        "SELECT 'delete', rowid, doc FROM xcc_incident_doc WHERE incident_id = old.id; "
        "DELETE FROM xcc_incident_doc WHERE incident_id = old.id; "
        f"INSERT INTO xcc_incident_doc (incident_id, doc) VALUES (new.id, {new_doc}); "
        "INSERT INTO xcc_incident_fts (rowid, doc) "
        "SELECT rowid, doc FROM xcc_incident_doc WHERE incident_id = new.id; "
        "END"
    )
    op.execute(
        "CREATE TRIGGER xcc_incident_doc_ad AFTER DELETE ON incident BEGIN "
        "INSERT INTO xcc_incident_fts (xcc_incident_fts, rowid, doc) "
        "SELECT 'delete', rowid, doc FROM xcc_incident_doc WHERE incident_id = old.id; "
        "DELETE FROM xcc_incident_doc WHERE incident_id = old.id; "
        "END"
    )
    op.execute(
        "CREATE TRIGGER xcc_log_fts_ai AFTER INSERT ON incident_log_entry BEGIN "
        "INSERT INTO xcc_log_fts (incident_id, body) VALUES (new.incident_id, new.body); "
        "END"
    )
    # Backfill what is already there.
    op.execute(
        "INSERT INTO xcc_incident_doc (incident_id, doc) "
        f"SELECT id, {_SQLITE_DOC.format(p='incident')} FROM incident"
    )
    op.execute("INSERT INTO xcc_incident_fts (xcc_incident_fts) VALUES ('rebuild')")
    op.execute(
        "INSERT INTO xcc_log_fts (incident_id, body) "
        "SELECT incident_id, body FROM incident_log_entry"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS xcc_incident_received_id")
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _column in _PG_TRGM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        # The extension stays: other objects of the database may use it.
        return
    for trigger in (
        "xcc_incident_doc_ai",
        "xcc_incident_doc_au",
        "xcc_incident_doc_ad",
        "xcc_log_fts_ai",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("xcc_log_fts", "xcc_incident_fts", "xcc_incident_doc"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
