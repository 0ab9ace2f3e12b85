"""Demo data can be removed: the append-only tables let the rows of demo data go.

The append-only triggers of 0001 and 0002 refuse every UPDATE and DELETE. A
county that started on a database with the demo data set must be able to
remove it (``app.services.demo.remove_demo``), and that includes the log
entries and statistics of the demo incidents. So DELETE is let through when,
and only when, the row belongs to demo data:

- ``incident_log_entry``, ``incident_statistics``, ``handover_item``: the row's
  incident is a demo incident;
- ``handover_item_closure``: the closed item's incident is a demo incident;
- ``duty_swap``: its shift or either of its two people is demo.

UPDATE stays refused everywhere; ``change_log``, ``handover`` and
``handover_ack`` stay fully append-only (a handover is the duty desk's record
and is never removed).

A real row must not become demo, or it could be emptied through the door above:
an UPDATE that turns ``is_demo`` on for an incident, shift or person is
refused. (Demo rows are only ever inserted as demo; turning the flag off, for
a demo shift that real people are on, stays allowed.)

SQLite: the log entries' search rows (``xcc_log_fts``, ``xcc_log_grams`` of 0003
and 0005) are kept by insert triggers only, as log entries were never removed;
a trigger now forgets an incident's rows when the incident is deleted (its
entries, which reference it, are gone by then).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Table -> the condition (on ``old``) under which a row may be deleted, per backend.
_SQLITE_DEMO_ROW = {
    "incident_log_entry": (
        "EXISTS (SELECT 1 FROM incident WHERE id = old.incident_id AND is_demo = 1)"
    ),
    "incident_statistics": (
        "EXISTS (SELECT 1 FROM incident WHERE id = old.incident_id AND is_demo = 1)"
    ),
    "handover_item": "EXISTS (SELECT 1 FROM incident WHERE id = old.incident_id AND is_demo = 1)",
    "handover_item_closure": (
        "EXISTS (SELECT 1 FROM handover_item AS h JOIN incident AS i ON i.id = h.incident_id "
        "WHERE h.id = old.item_id AND i.is_demo = 1)"
    ),
    "duty_swap": (
        "(EXISTS (SELECT 1 FROM duty_shift WHERE id = old.shift_id AND is_demo = 1) "
        "OR EXISTS (SELECT 1 FROM staff WHERE id IN (old.from_staff_id, old.to_staff_id) "
        "AND is_demo = 1))"
    ),
}
_PG_DEMO_ROW = {
    "incident_log_entry": "EXISTS (SELECT 1 FROM incident WHERE id = OLD.incident_id AND is_demo)",
    "incident_statistics": "EXISTS (SELECT 1 FROM incident WHERE id = OLD.incident_id AND is_demo)",
    "handover_item": "EXISTS (SELECT 1 FROM incident WHERE id = OLD.incident_id AND is_demo)",
    "handover_item_closure": (
        "EXISTS (SELECT 1 FROM handover_item AS h JOIN incident AS i ON i.id = h.incident_id "
        "WHERE h.id = OLD.item_id AND i.is_demo)"
    ),
    "duty_swap": (
        "EXISTS (SELECT 1 FROM duty_shift WHERE id = OLD.shift_id AND is_demo) "
        "OR EXISTS (SELECT 1 FROM staff WHERE id IN (OLD.from_staff_id, OLD.to_staff_id) "
        "AND is_demo)"
    ),
}
# Rows whose demo flag opens the door above.
_STAYS_REAL = ("incident", "duty_shift", "staff")

# The bigrams of {x} exactly as 0005 indexed them (a contentless FTS5 table
# forgets a row only when given the values it indexed).
_SQLITE_BIGRAMS = (
    "(SELECT coalesce(group_concat(substr({x}, j.key + 1, 2), ' '), '') FROM json_each("
    "'[' || rtrim(replace(hex(zeroblob(length({x}))), '00', '0,'), ',') || ']') AS j)"
)


def _pg_function() -> str:
    # One branch per table: PL/pgSQL plans a branch only when it runs, so OLD
    # is only asked for the columns its table has.
    branches = "".join(
        f"""
        {"IF" if n == 0 else "ELSIF"} TG_TABLE_NAME = '{table}' THEN
            IF {condition} THEN
                RETURN OLD;
            END IF;"""
        for n, (table, condition) in enumerate(_PG_DEMO_ROW.items())
    )
    return f"""
    CREATE FUNCTION xcc_refuse_change_unless_demo() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN{branches}
            END IF;
        END IF;
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END
    $$ LANGUAGE plpgsql
    """


_PG_STAYS_REAL_FUNCTION = """
CREATE FUNCTION xcc_refuse_becoming_demo() RETURNS trigger AS $$
BEGIN
    IF NOT OLD.is_demo AND NEW.is_demo THEN
        RAISE EXCEPTION '%: a real row cannot become demo', TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_function())
        op.execute(_PG_STAYS_REAL_FUNCTION)
        for table in _PG_DEMO_ROW:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION xcc_refuse_change_unless_demo()"
            )
        for table in _STAYS_REAL:
            op.execute(
                f"CREATE TRIGGER {table}_stays_real BEFORE UPDATE OF is_demo ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION xcc_refuse_becoming_demo()"
            )
        return
    for table, condition in _SQLITE_DEMO_ROW.items():
        op.execute(f"DROP TRIGGER {table}_no_delete")
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT {condition} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )
    for table in _STAYS_REAL:
        op.execute(
            f"CREATE TRIGGER {table}_stays_real BEFORE UPDATE OF is_demo ON {table} "
            "WHEN old.is_demo = 0 AND new.is_demo = 1 "
            f"BEGIN SELECT RAISE(ABORT, '{table}: a real row cannot become demo'); END"
        )
    grams = _SQLITE_BIGRAMS.format(x="f.body")
    op.execute(
        "CREATE TRIGGER xcc_log_fts_incident_ad AFTER DELETE ON incident BEGIN "
        "INSERT INTO xcc_log_grams (xcc_log_grams, rowid, grams) "
        f"SELECT 'delete', f.rowid, {grams} FROM xcc_log_fts AS f WHERE f.incident_id = old.id; "
        "DELETE FROM xcc_log_fts WHERE incident_id = old.id; "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in _STAYS_REAL:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_stays_real ON {table}")
        for table in _PG_DEMO_ROW:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION xcc_refuse_change()"
            )
        op.execute("DROP FUNCTION IF EXISTS xcc_refuse_becoming_demo()")
        op.execute("DROP FUNCTION IF EXISTS xcc_refuse_change_unless_demo()")
        return
    op.execute("DROP TRIGGER IF EXISTS xcc_log_fts_incident_ad")
    for table in _STAYS_REAL:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_stays_real")
    for table in _SQLITE_DEMO_ROW:
        op.execute(f"DROP TRIGGER {table}_no_delete")
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )
