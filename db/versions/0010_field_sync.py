"""Field vehicles: synchronisation on the change log.

- ``change_log`` gains ``replica`` and ``origin_seq`` (where a change made
  elsewhere was made, and its seq there; unique together, so a change is
  stored once however often it arrives), ``hlc`` (hybrid logical clock) and
  ``received_at`` (when it arrived here).
- ``sync_site``: this database's identity as a site and its peers, with the
  sequences each side has acknowledged. Every database starts as the
  command center; a field package is given its own vehicle identity.
- ``sync_conflict``: changes that lost a merge, for the duty officer.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 22:45:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.domain.clock import system_clock

# revision identifiers, used by Alembic.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CENTER_CODE = "center"
CENTER_NAME = "县应急指挥中心"


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("change_log", sa.Column("replica", sa.String(length=32), nullable=True))
    op.add_column("change_log", sa.Column("origin_seq", sa.BigInteger(), nullable=True))
    op.add_column("change_log", sa.Column("hlc", sa.BigInteger(), nullable=True))
    op.add_column("change_log", sa.Column("received_at", _tz(), nullable=True))
    op.create_index("ix_change_log_hlc", "change_log", ["hlc"])
    op.create_index("uq_change_log_origin", "change_log", ["replica", "origin_seq"], unique=True)
    site = op.create_table(
        "sync_site",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("is_self", sa.Boolean(), nullable=False),
        sa.Column("upstream_url", sa.String(length=256), nullable=True),
        sa.Column("acked_seq", sa.BigInteger(), nullable=False),
        sa.Column("received_seq", sa.BigInteger(), nullable=False),
        sa.Column("sent_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_sent_at", _tz(), nullable=True),
        sa.Column("last_received_at", _tz(), nullable=True),
        sa.Column("skew_s", sa.Float(), nullable=True),
        sa.Column("secret", sa.String(length=64), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sync_site")),
    )
    op.bulk_insert(
        site,
        [
            {
                "code": CENTER_CODE,
                "name": CENTER_NAME,
                "kind": "center",
                "is_self": True,
                "upstream_url": None,
                "acked_seq": 0,
                "received_seq": 0,
                "sent_seq": 0,
                "created_at": system_clock(),
            }
        ],
    )
    op.create_table(
        "sync_conflict",
        sa.Column("entity_type", sa.String(length=48), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("kept_value", sa.Text(), nullable=True),
        sa.Column("kept_replica", sa.String(length=32), nullable=True),
        sa.Column("kept_actor", sa.String(length=64), nullable=True),
        sa.Column("kept_at", _tz(), nullable=True),
        sa.Column("lost_value", sa.Text(), nullable=True),
        sa.Column("lost_replica", sa.String(length=32), nullable=True),
        sa.Column("lost_actor", sa.String(length=64), nullable=True),
        sa.Column("lost_at", _tz(), nullable=True),
        sa.Column("detected_at", _tz(), nullable=False),
        sa.Column("detected_by", sa.String(length=32), nullable=False),
        sa.Column("resolved_at", _tz(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    op.create_index(
        op.f("ix_sync_conflict_entity_id"), "sync_conflict", ["entity_id"], unique=False
    )
    op.create_index(
        op.f("ix_sync_conflict_resolved_at"), "sync_conflict", ["resolved_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_conflict_resolved_at"), table_name="sync_conflict")
    op.drop_index(op.f("ix_sync_conflict_entity_id"), table_name="sync_conflict")
    op.drop_table("sync_conflict")
    op.drop_table("sync_site")
    op.drop_index("uq_change_log_origin", table_name="change_log")
    op.drop_index("ix_change_log_hlc", table_name="change_log")
    # ALTER TABLE ... DROP COLUMN on both (SQLite since 3.35): a batch rebuild
    # would lose change_log's AUTOINCREMENT.
    for column in ("received_at", "hlc", "origin_seq", "replica"):
        op.execute(f"ALTER TABLE change_log DROP COLUMN {column}")
