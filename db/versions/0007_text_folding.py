"""Search compares folded text, and stored text is clean (app/domain/text.py).

The text policy: ``clean_text`` is what is stored (control characters removed,
U+000B, U+2028 … made ``\\n``); ``fold_text`` is how search compares (NFKC, so
that ``Ｇ３１０`` is ``G310``, and lower case). This migration makes the
database follow it:

- ``xcc_clean(text)`` and ``xcc_fold(text)``, equal to ``clean_text`` and
  ``fold_text``. PostgreSQL: SQL functions (IMMUTABLE, PARALLEL SAFE) built
  from ``regexp_replace``, ``normalize(…, NFKC)`` and ``lower`` under the ICU root
  collation ``und-x-icu`` (full Unicode lower-casing as Python's ``str.lower``,
  final sigma included; a server without ICU lower-cases by the database's
  locale, which differs from Python for U+0130 and final sigma). SQLite: the
  program registers the Python functions on every connection
  (``app.data.engine``); the search triggers below call ``xcc_fold``, so a tool
  that writes incidents or log entries into the file must register it too.
- Text already stored that ``clean_text`` would change is cleaned, in every
  text column of every table (append-only tables too: their triggers are off
  for that update only); rows that are clean are not rewritten.
- The search structures of 0003/0005/0006 hold folded text. SQLite: the
  triggers put ``xcc_fold(…)`` into ``xcc_incident_doc.doc``, the log bodies'
  ``xcc_log_fts.body`` and the bigram tables, all built again for the rows
  already there. The folded log bodies now live in ``xcc_log_doc`` (a stable
  rowid, an index on the incident), the external content of ``xcc_log_fts``:
  the search checks an incident's entries against a common term by reading
  their folded text through that index (folding them on the fly in Python
  would cost microseconds per entry), and deleting an incident finds its
  entries' search rows by index instead of reading them all.
  PostgreSQL: ``incident`` and ``incident_log_entry`` get a stored generated
  column ``xcc_folded``, the folded text the search reads (an incident's title,
  description and address as ``xcc_incident_text`` joins them; a log entry's
  body), and the trigram and bigram indexes of 0005 (same names) are on it.
  Folding is computed once per write: as an index expression it would be
  computed again for every row an index scan rechecks and every entry the
  search reads (microseconds each; on a million log entries the list's
  searches took half as long again, twice as long for terms looked up
  afresh). The models do not map these columns (named ``xcc_*``).
  The search folds its terms the same way (``app.services.incident_search``).

The downgrade puts the search structures of 0006 back (over the stored text,
which stays clean) and drops the PostgreSQL functions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The text policy of app/domain/text.py as it was when this migration was
# written (a migration does not follow later changes of the program; a unit
# test compares these with the policy). CR LF becomes LF before these apply.
LINE_BREAKS = "\r\v\f\x85\u2028\u2029"  # each becomes "\n"
# Removed. NUL and lone surrogates are left out: PostgreSQL cannot hold them, and
# on SQLite xcc_clean is the Python function itself.
NOT_TEXT = "".join(
    chr(c)
    for c in (*range(0x01, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF)
    if chr(c) not in LINE_BREAKS
)
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"  # removed by folding
ICU_ROOT = "und-x-icu"


def _pg_class(chars: str) -> str:
    """A PostgreSQL regular expression (a string literal) matching any of ``chars``."""
    return "'[" + "".join(f"\\u{ord(ch):04x}" for ch in chars) + "]'"


# CR LF, or any one line break: "\n". Regular expressions, not translate(), which
# compares each character with every one of its list (several times slower on a
# million log entries).
_PG_LINE_BREAKS = (
    "regexp_replace({x}, '\\u000d\\u000a?|"
    + _pg_class(LINE_BREAKS.replace("\r", ""))[1:-1]
    + "', E'\\n', 'g')"
)


def _pg_functions(collation: str | None) -> list[str]:
    """``xcc_clean`` and ``xcc_fold`` (the latter removes the invisible characters
    in the same pass as the control characters; both are removals, so the order
    does not matter)."""
    lower = f'lower({{x}} COLLATE "{collation}") COLLATE "default"' if collation else "lower({x})"
    breaks = _PG_LINE_BREAKS.format(x="t")
    clean = f"regexp_replace({breaks}, {_pg_class(NOT_TEXT)}, '', 'g')"
    bare = f"regexp_replace({breaks}, {_pg_class(NOT_TEXT + INVISIBLE)}, '', 'g')"
    folded = lower.format(x=f"normalize({bare}, NFKC)")
    return [
        f"""
CREATE FUNCTION {name}(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT {body}
$$
"""
        for name, body in (("xcc_clean", clean), ("xcc_fold", folded))
    ]


# PostgreSQL: each searched table's folded text, as a stored generated column.
FOLDED_COLUMN = "xcc_folded"
_PG_FOLDED = {
    "incident": (
        "xcc_fold(coalesce(title, '') || ' ' || coalesce(description, '') || ' ' "
        "|| coalesce(address, ''))"
    ),
    "incident_log_entry": "xcc_fold(body)",
}
# The search indexes: name, table, what they index with 0007, and before it (0003, 0005).
_PG_INDEXES = (
    (
        "xcc_incident_text_trgm",
        "incident",
        f"{FOLDED_COLUMN} gin_trgm_ops",
        "xcc_incident_text(title, description, address) gin_trgm_ops",
    ),
    (
        "xcc_incident_text_grams",
        "incident",
        f"xcc_grams({FOLDED_COLUMN})",
        "xcc_grams(xcc_incident_text(title, description, address))",
    ),
    (
        "xcc_incident_log_entry_body_trgm",
        "incident_log_entry",
        f"{FOLDED_COLUMN} gin_trgm_ops",
        "body gin_trgm_ops",
    ),
    (
        "xcc_incident_log_entry_body_grams",
        "incident_log_entry",
        f"xcc_grams({FOLDED_COLUMN})",
        "xcc_grams(body)",
    ),
)

# SQLite's search structures (0003, 0005, 0006) in full, built with or without folding.
_SQLITE_BIGRAMS = (
    "(SELECT coalesce(group_concat(substr({x}, j.key + 1, 2), ' '), '') FROM json_each("
    "'[' || rtrim(replace(hex(zeroblob(length({x}))), '00', '0,'), ',') || ']') AS j)"
)
_SQLITE_DOC = (
    "coalesce({p}.title, '') || ' ' || coalesce({p}.description, '') || ' ' "
    "|| coalesce({p}.address, '')"
)
_GRAMS_TOKENIZER = "tokenize='unicode61 remove_diacritics 0', prefix='1'"
_SQLITE_TRIGGERS = (
    "xcc_incident_doc_ai",
    "xcc_incident_doc_au",
    "xcc_incident_doc_ad",
    "xcc_log_fts_ai",
    "xcc_log_fts_incident_ad",
)
# Dropped and made again, in this order (the FTS tables before their content).
_SQLITE_TABLES = (
    "xcc_incident_grams",
    "xcc_log_grams",
    "xcc_incident_fts",
    "xcc_log_fts",
    "xcc_incident_doc",
    "xcc_log_doc",
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        icu = bind.execute(
            sa.text("SELECT 1 FROM pg_collation WHERE collname = :c"), {"c": ICU_ROOT}
        ).scalar()
        for statement in _pg_functions(ICU_ROOT if icu else None):
            op.execute(statement)
        # Dropped before the text is cleaned, so that cleaning does not keep them up.
        for name, _table, _folded, _stored in _PG_INDEXES:
            op.execute(f"DROP INDEX {name}")
        _clean_stored_text(bind)
        for table, expression in _PG_FOLDED.items():
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN {FOLDED_COLUMN} text "
                f"GENERATED ALWAYS AS ({expression}) STORED"
            )
        for name, table, folded, _stored in _PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({folded})")
        op.execute(f"ANALYZE {', '.join(_PG_FOLDED)}")  # statistics of the new column
        return
    _drop_sqlite_search()
    _clean_stored_text(bind)
    _build_sqlite_search(folded=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _table, _folded, _stored in _PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        for table in _PG_FOLDED:
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {FOLDED_COLUMN}")
        for name, table, _folded, stored in _PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({stored})")
        op.execute("DROP FUNCTION IF EXISTS xcc_fold(text)")
        op.execute("DROP FUNCTION IF EXISTS xcc_clean(text)")
        return
    _drop_sqlite_search()
    _build_sqlite_search(folded=False)


# -- cleaning the text already stored ------------------------------------------


def _text_columns(bind: sa.Connection) -> dict[str, list[str]]:
    """Every table's text columns (not UUIDs, which SQLite keeps as CHAR(32));
    the search structures (xcc_*) are built again from these."""
    inspector = sa.inspect(bind)
    out: dict[str, list[str]] = {}
    for table in inspector.get_table_names():
        if table.startswith("xcc_") or table == "alembic_version":
            continue
        columns = [
            c["name"]
            for c in inspector.get_columns(table)
            if isinstance(c["type"], sa.String) and not isinstance(c["type"], sa.CHAR)
        ]
        if columns:
            out[table] = columns
    return out


def _clean_stored_text(bind: sa.Connection) -> None:
    """Clean the rows that hold text ``clean_text`` would change, and only those."""
    preparer = bind.dialect.identifier_preparer
    for table, columns in _text_columns(bind).items():
        quoted = [preparer.quote(c) for c in columns]
        dirty = " OR ".join(f"{c} <> xcc_clean({c})" for c in quoted)
        name = preparer.quote(table)
        if not bind.execute(
            sa.text(f"SELECT EXISTS (SELECT 1 FROM {name} WHERE {dirty})")
        ).scalar():
            continue
        assignments = ", ".join(f"{c} = xcc_clean({c})" for c in quoted)
        # The append-only tables refuse every UPDATE: their triggers step aside.
        with _TriggersOff(bind, table):
            op.execute(f"UPDATE {name} SET {assignments} WHERE {dirty}")


class _TriggersOff:
    """The table's own triggers are off inside the block (PostgreSQL: disabled;
    SQLite: dropped, then made again from their stored SQL)."""

    def __init__(self, bind: sa.Connection, table: str) -> None:
        self._bind, self._table = bind, table
        self._saved: list[tuple[str, str]] = []

    def __enter__(self) -> None:
        if self._bind.dialect.name == "postgresql":
            # (name, how it was enabled: O as usual, A always, R on replicas only)
            self._saved = [
                (name, mode)
                for name, mode in self._bind.execute(
                    sa.text(
                        "SELECT tgname, tgenabled FROM pg_trigger "
                        "WHERE tgrelid = CAST(:t AS regclass) "
                        "AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname"
                    ),
                    {"t": self._table},
                )
            ]
            for name, _sql in self._saved:
                op.execute(f'ALTER TABLE "{self._table}" DISABLE TRIGGER "{name}"')
            return
        self._saved = [
            (name, sql)
            for name, sql in self._bind.execute(
                sa.text(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = :t ORDER BY name"
                ),
                {"t": self._table},
            )
        ]
        for name, _sql in self._saved:
            op.execute(f'DROP TRIGGER "{name}"')

    def __exit__(self, *exc: object) -> None:
        for name, saved in self._saved:
            if self._bind.dialect.name == "postgresql":
                how = {"A": "ALWAYS ", "R": "REPLICA "}.get(saved, "")
                op.execute(f'ALTER TABLE "{self._table}" ENABLE {how}TRIGGER "{name}"')
            else:
                self._bind.exec_driver_sql(saved)  # as stored, not parsed for parameters


# -- SQLite's search structures ---------------------------------------------------


def _drop_sqlite_search() -> None:
    for trigger in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in _SQLITE_TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")


def _build_sqlite_search(folded: bool) -> None:
    """The tables and triggers of 0003, 0005 and 0006 (``folded``: as 0007 makes
    them), filled from the rows there."""
    fold = "xcc_fold" if folded else ""
    op.execute(
        "CREATE TABLE xcc_incident_doc ("
        "rowid INTEGER PRIMARY KEY, incident_id CHAR(32) NOT NULL UNIQUE, doc TEXT NOT NULL)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE xcc_incident_fts USING fts5("
        "doc, content='xcc_incident_doc', content_rowid='rowid', tokenize='trigram')"
    )
    for table in ("xcc_incident_grams", "xcc_log_grams"):
        op.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5(grams, content='', {_GRAMS_TOKENIZER})"
        )
    doc_grams = _SQLITE_BIGRAMS.format(x="d.doc")
    add_doc = (
        f"INSERT INTO xcc_incident_doc (incident_id, doc) "
        f"VALUES (new.id, {fold}({_SQLITE_DOC.format(p='new')})); "
        "INSERT INTO xcc_incident_fts (rowid, doc) "
        "SELECT rowid, doc FROM xcc_incident_doc WHERE incident_id = new.id; "
        "INSERT INTO xcc_incident_grams (rowid, grams) "
        f"SELECT d.rowid, {doc_grams} FROM xcc_incident_doc AS d WHERE d.incident_id = new.id; "
    )
    # A contentless table forgets a row when given the values it indexed.
    drop_doc = (
        "INSERT INTO xcc_incident_fts (xcc_incident_fts, rowid, doc) "
        "SELECT 'delete', rowid, doc FROM xcc_incident_doc WHERE incident_id = old.id; "
        "INSERT INTO xcc_incident_grams (xcc_incident_grams, rowid, grams) "
        f"SELECT 'delete', d.rowid, {doc_grams} FROM xcc_incident_doc AS d "
        "WHERE d.incident_id = old.id; "
        "DELETE FROM xcc_incident_doc WHERE incident_id = old.id; "
    )
    op.execute(f"CREATE TRIGGER xcc_incident_doc_ai AFTER INSERT ON incident BEGIN {add_doc}END")
    # Only when the searched text changes (status changes leave the index alone).
    op.execute(
        "CREATE TRIGGER xcc_incident_doc_au AFTER UPDATE OF id, title, description, address "
        f"ON incident BEGIN {drop_doc}{add_doc}END"
    )
    op.execute(f"CREATE TRIGGER xcc_incident_doc_ad AFTER DELETE ON incident BEGIN {drop_doc}END")
    op.execute(
        "INSERT INTO xcc_incident_doc (incident_id, doc) "
        f"SELECT id, {fold}({_SQLITE_DOC.format(p='incident')}) FROM incident"
    )
    op.execute("INSERT INTO xcc_incident_fts (xcc_incident_fts) VALUES ('rebuild')")
    op.execute(
        "INSERT INTO xcc_incident_grams (rowid, grams) "
        f"SELECT d.rowid, {doc_grams} FROM xcc_incident_doc AS d"
    )
    if folded:
        _build_sqlite_log_search()
    else:
        _build_sqlite_log_search_0006()


def _build_sqlite_log_search() -> None:
    """Log entries (0007): their folded bodies in ``xcc_log_doc``, keyed by a stable
    rowid and indexed by incident, the external content of the trigram table
    ``xcc_log_fts`` (so the search reads an incident's folded entries by index,
    and an incident's entries go by index when it is deleted)."""
    op.execute(
        "CREATE TABLE xcc_log_doc ("
        "rowid INTEGER PRIMARY KEY, incident_id CHAR(32) NOT NULL, body TEXT NOT NULL)"
    )
    op.execute("CREATE INDEX xcc_log_doc_incident ON xcc_log_doc (incident_id)")
    op.execute(
        "CREATE VIRTUAL TABLE xcc_log_fts USING fts5(incident_id UNINDEXED, body, "
        "content='xcc_log_doc', content_rowid='rowid', tokenize='trigram')"
    )
    log_grams = _SQLITE_BIGRAMS.format(x="d.body")
    # Each insert keeps the rowid of the xcc_log_doc row, which last_insert_rowid()
    # gives inside the trigger.
    op.execute(
        "CREATE TRIGGER xcc_log_fts_ai AFTER INSERT ON incident_log_entry BEGIN "
        "INSERT INTO xcc_log_doc (incident_id, body) VALUES (new.incident_id, xcc_fold(new.body)); "
        "INSERT INTO xcc_log_fts (rowid, incident_id, body) "
        "SELECT rowid, incident_id, body FROM xcc_log_doc WHERE rowid = last_insert_rowid(); "
        "INSERT INTO xcc_log_grams (rowid, grams) "
        f"SELECT d.rowid, {log_grams} FROM xcc_log_doc AS d WHERE d.rowid = last_insert_rowid(); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER xcc_log_fts_incident_ad AFTER DELETE ON incident BEGIN "
        "INSERT INTO xcc_log_fts (xcc_log_fts, rowid, incident_id, body) "
        "SELECT 'delete', rowid, incident_id, body FROM xcc_log_doc WHERE incident_id = old.id; "
        "INSERT INTO xcc_log_grams (xcc_log_grams, rowid, grams) "
        f"SELECT 'delete', d.rowid, {log_grams} FROM xcc_log_doc AS d "
        "WHERE d.incident_id = old.id; "
        "DELETE FROM xcc_log_doc WHERE incident_id = old.id; "
        "END"
    )
    op.execute(
        "INSERT INTO xcc_log_doc (incident_id, body) "
        "SELECT incident_id, xcc_fold(body) FROM incident_log_entry ORDER BY rowid"
    )
    op.execute("INSERT INTO xcc_log_fts (xcc_log_fts) VALUES ('rebuild')")
    op.execute(
        f"INSERT INTO xcc_log_grams (rowid, grams) SELECT d.rowid, {log_grams} FROM xcc_log_doc AS d"
    )


def _build_sqlite_log_search_0006() -> None:
    """Log entries as 0003, 0005 and 0006 kept them: ``xcc_log_fts`` with its own
    copy of the bodies as stored."""
    op.execute(
        "CREATE VIRTUAL TABLE xcc_log_fts USING fts5("
        "incident_id UNINDEXED, body, tokenize='trigram')"
    )
    log_grams = _SQLITE_BIGRAMS.format(x="f.body")
    op.execute(
        "CREATE TRIGGER xcc_log_fts_ai AFTER INSERT ON incident_log_entry BEGIN "
        "INSERT INTO xcc_log_fts (incident_id, body) VALUES (new.incident_id, new.body); "
        "INSERT INTO xcc_log_grams (rowid, grams) "
        f"VALUES (last_insert_rowid(), {_SQLITE_BIGRAMS.format(x='new.body')}); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER xcc_log_fts_incident_ad AFTER DELETE ON incident BEGIN "
        "INSERT INTO xcc_log_grams (xcc_log_grams, rowid, grams) "
        f"SELECT 'delete', f.rowid, {log_grams} FROM xcc_log_fts AS f "
        "WHERE f.incident_id = old.id; "
        "DELETE FROM xcc_log_fts WHERE incident_id = old.id; "
        "END"
    )
    op.execute(
        "INSERT INTO xcc_log_fts (incident_id, body) SELECT incident_id, body FROM incident_log_entry"
    )
    op.execute(
        f"INSERT INTO xcc_log_grams (rowid, grams) SELECT f.rowid, {log_grams} FROM xcc_log_fts AS f"
    )
