"""Search for one- and two-character terms without reading every row.

The trigram structures of 0003 cannot look up a term shorter than three
characters, and most Chinese words, village names and hazards (涝, 塌陷, 官桥)
are that short; without an index such a term is a scan of every log entry.

SQLite: two more FTS5 tables hold the *bigrams* of the same text (every pair
of adjacent characters, the last character alone), one token per bigram with
the ``unicode61`` tokenizer: a two-character term is one token; a one-character
term is a prefix query (``"涝"*``), served by a one-character prefix index. A
bigram that holds a separator (space, punctuation) falls apart into shorter
tokens, so a two-character token exists only where those two characters are
adjacent: the lookup is exact. ``xcc_incident_grams`` is keyed by the rowid of
``xcc_incident_doc`` and ``xcc_log_grams`` by the rowid of ``xcc_log_fts``;
both are contentless (they only answer "which rows"). The bigram text is built
in SQL (``json_each`` over a run of the text's length), so every writer keeps
the tables current, not only this program.

PostgreSQL: ``xcc_grams(text)`` gives the characters and the bigrams of the
lower-cased text as an array; GIN indexes on it answer ``@> ARRAY[term]``.
``xcc_incident_text(title, description, address)`` joins an incident's own
text, and one trigram index and one bigram index on it replace 0003's three
per-column trigram indexes (one index scan per term instead of three).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The bigrams of {x}, separated by spaces: one row per character from
# json_each over "[0,0,…]" as long as the text, then substr(x, k, 2).
_SQLITE_BIGRAMS = (
    "(SELECT coalesce(group_concat(substr({x}, j.key + 1, 2), ' '), '') FROM json_each("
    "'[' || rtrim(replace(hex(zeroblob(length({x}))), '00', '0,'), ',') || ']') AS j)"
)
_SQLITE_DOC = (
    "coalesce({p}.title, '') || ' ' || coalesce({p}.description, '') || ' ' "
    "|| coalesce({p}.address, '')"
)
_GRAMS_TOKENIZER = "tokenize='unicode61 remove_diacritics 0', prefix='1'"

# Characters and bigrams of the lower-cased text. The bigrams at even and at
# odd offsets are cut apart with \x01, which no search term can hold.
_PG_GRAMS_FUNCTION = r"""
CREATE FUNCTION xcc_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
SELECT string_to_array(lower(t), NULL) || string_to_array(
    regexp_replace(lower(t), '(..)', E'\\1\x01', 'g') || E'\x01'
    || regexp_replace(substr(lower(t), 2), '(..)', E'\\1\x01', 'g'),
    E'\x01')
$$
"""
# An incident's own text as one value, so that one index (not three) answers
# "title, description or address"; a space between the parts, which no term holds.
_PG_TEXT_FUNCTION = """
CREATE FUNCTION xcc_incident_text(title text, description text, address text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(address, '')
$$
"""
_PG_INCIDENT_TEXT = "xcc_incident_text(title, description, address)"
_PG_INDEXES = (
    ("xcc_incident_text_trgm", "incident", f"{_PG_INCIDENT_TEXT} gin_trgm_ops"),
    ("xcc_incident_text_grams", "incident", f"xcc_grams({_PG_INCIDENT_TEXT})"),
    ("xcc_incident_log_entry_body_grams", "incident_log_entry", "xcc_grams(body)"),
)
# Migration 0003's per-column trigram indexes, which the one above replaces.
_PG_0003_INDEXES = (
    ("xcc_incident_title_trgm", "title"),
    ("xcc_incident_description_trgm", "description"),
    ("xcc_incident_address_trgm", "address"),
)

_SQLITE_TRIGGERS = (
    "xcc_incident_doc_ai",
    "xcc_incident_doc_au",
    "xcc_incident_doc_ad",
    "xcc_log_fts_ai",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_GRAMS_FUNCTION)
        op.execute(_PG_TEXT_FUNCTION)
        for name, table, expression in _PG_INDEXES:
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression})")
        for name, _column in _PG_0003_INDEXES:
            op.execute(f"DROP INDEX {name}")
        return
    op.execute(
        f"CREATE VIRTUAL TABLE xcc_incident_grams USING fts5(grams, content='', {_GRAMS_TOKENIZER})"
    )
    op.execute(
        f"CREATE VIRTUAL TABLE xcc_log_grams USING fts5(grams, content='', {_GRAMS_TOKENIZER})"
    )
    for trigger in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger}")
    _create_sqlite_triggers(with_grams=True)
    op.execute(
        "INSERT INTO xcc_incident_grams (rowid, grams) "
        f"SELECT d.rowid, {_SQLITE_BIGRAMS.format(x='d.doc')} FROM xcc_incident_doc AS d"
    )
    op.execute(
        "INSERT INTO xcc_log_grams (rowid, grams) "
        f"SELECT f.rowid, {_SQLITE_BIGRAMS.format(x='f.body')} FROM xcc_log_fts AS f"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, column in _PG_0003_INDEXES:
            op.execute(f"CREATE INDEX {name} ON incident USING gin ({column} gin_trgm_ops)")
        for name, _table, _expression in _PG_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute("DROP FUNCTION IF EXISTS xcc_incident_text(text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS xcc_grams(text)")
        return
    for trigger in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    _create_sqlite_triggers(with_grams=False)
    op.execute("DROP TABLE IF EXISTS xcc_log_grams")
    op.execute("DROP TABLE IF EXISTS xcc_incident_grams")


def _create_sqlite_triggers(with_grams: bool) -> None:
    """The triggers of 0003, and with ``with_grams`` the bigram tables' upkeep too."""
    new_doc = _SQLITE_DOC.format(p="new")
    doc_grams = _SQLITE_BIGRAMS.format(x="d.doc")
    add_doc = (
        f"INSERT INTO xcc_incident_doc (incident_id, doc) VALUES (new.id, {new_doc}); "
        "INSERT INTO xcc_incident_fts (rowid, doc) "
        "SELECT rowid, doc FROM xcc_incident_doc WHERE incident_id = new.id; "
    )
    drop_doc = (
        "INSERT INTO xcc_incident_fts (xcc_incident_fts, rowid, doc) "
        "SELECT 'delete', rowid, doc FROM xcc_incident_doc WHERE incident_id = old.id; "
    )
    if with_grams:
        add_doc += (
            "INSERT INTO xcc_incident_grams (rowid, grams) "
            f"SELECT d.rowid, {doc_grams} FROM xcc_incident_doc AS d WHERE d.incident_id = new.id; "
        )
        # A contentless table forgets a row when given the values it indexed.
        drop_doc += (
            "INSERT INTO xcc_incident_grams (xcc_incident_grams, rowid, grams) "
            f"SELECT 'delete', d.rowid, {doc_grams} FROM xcc_incident_doc AS d "
            "WHERE d.incident_id = old.id; "
        )
    drop_doc += "DELETE FROM xcc_incident_doc WHERE incident_id = old.id; "
    op.execute(f"CREATE TRIGGER xcc_incident_doc_ai AFTER INSERT ON incident BEGIN {add_doc}END")
    # Only when the searched text changes (status changes leave the index alone).
    op.execute(
        "CREATE TRIGGER xcc_incident_doc_au AFTER UPDATE OF id, title, description, address "
        f"ON incident BEGIN {drop_doc}{add_doc}END"
    )
    op.execute(f"CREATE TRIGGER xcc_incident_doc_ad AFTER DELETE ON incident BEGIN {drop_doc}END")
    add_log = "INSERT INTO xcc_log_fts (incident_id, body) VALUES (new.incident_id, new.body); "
    if with_grams:
        # last_insert_rowid() is, inside the trigger, the row just added to xcc_log_fts.
        add_log += (
            "INSERT INTO xcc_log_grams (rowid, grams) "
            f"VALUES (last_insert_rowid(), {_SQLITE_BIGRAMS.format(x='new.body')}); "
        )
    op.execute(
        f"CREATE TRIGGER xcc_log_fts_ai AFTER INSERT ON incident_log_entry BEGIN {add_log}END"
    )
