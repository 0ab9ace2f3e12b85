"""People sign in, hold roles, and the change log says who, where, what and seals it.

- ``credential``: a person's argon2id password hash, optional PIN hash,
  must-change flag and failure count / lock time (one row per person).
- ``role_grant``: roles granted to people, with who granted them and why;
  a revocation keeps the row (who revoked, when, why).
- ``change_log`` gains ``actor_id`` (the person), ``role`` (roles held when
  signing), ``workstation``, ``detail`` (fields before and after, JSON) and
  ``hash`` (the chain of :mod:`app.domain.audit`). Existing entries are sealed
  here, in sequence order, so the chain covers the whole history.
- Roles for the people already there: a 带班领导 in the staff list gets the
  leader role, a 值班员 the officer role (granted by 系统, with that reason,
  and entered in the change log). Nobody has a password yet: the first start
  creates an administrator with a one-time password.

The append-only triggers of ``change_log`` stay; sealing the old entries
lifts them for the length of this migration only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 18:00:00.000000

"""

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.domain.audit import GENESIS, SealedFields, seal
from app.domain.clock import system_clock

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_GRANTED_BY = "系统"
_REASON = "按人员名单中的岗位授予（升级时）"
_ROLE_OF_STAFF = {"leader": "leader", "officer": "officer"}
_BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "credential",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("pin_hash", sa.String(length=255), nullable=True),
        sa.Column("must_change", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_credential_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential")),
        sa.UniqueConstraint("staff_id", name=op.f("uq_credential_staff_id")),
    )
    op.create_table(
        "role_grant",
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=64), nullable=False),
        sa.Column("granted_by_id", sa.Uuid(), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_by", sa.String(length=64), nullable=True),
        sa.Column("revoked_by_id", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_role_grant_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
    )
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_grant_staff_id"), ["staff_id"], unique=False)
    for column in (
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("role", sa.String(length=64), nullable=True),
        sa.Column("workstation", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
    ):
        op.add_column("change_log", column)  # nullable: no table rebuild on SQLite
    op.create_index("ix_change_log_actor_id", "change_log", ["actor_id"])
    op.create_index("ix_change_log_at", "change_log", ["at"])

    bind = op.get_bind()
    with _append_only_lifted(bind):
        last = _seal_existing(bind)
    _grant_staff_roles(bind, last)


class _append_only_lifted:  # noqa: N801 - used as a statement
    """The append-only triggers of change_log, off for the block (this migration's
    own transaction: no other writer sees the table unguarded)."""

    def __init__(self, bind: sa.Connection) -> None:
        self.bind = bind
        self.pg = bind.dialect.name == "postgresql"

    def __enter__(self) -> None:
        if self.pg:
            op.execute("ALTER TABLE change_log DISABLE TRIGGER change_log_append_only")
        else:
            op.execute("DROP TRIGGER IF EXISTS change_log_no_update")

    def __exit__(self, *exc: object) -> None:
        if self.pg:
            op.execute("ALTER TABLE change_log ENABLE TRIGGER change_log_append_only")
        else:
            op.execute(
                "CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log "
                "BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END"
            )


def _aware(value: datetime | str) -> datetime:
    if isinstance(value, str):  # SQLite through a plain connection
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _uuid(value: uuid.UUID | str) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _seal_existing(bind: sa.Connection) -> str:
    """Seal every entry in sequence order; returns the last hash."""
    log = sa.table(
        "change_log",
        sa.column("seq", sa.BigInteger()),
        sa.column("entity_type", sa.String()),
        sa.column("entity_id", sa.Uuid()),
        sa.column("op", sa.String()),
        sa.column("actor", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("origin_site", sa.String()),
        sa.column("hash", sa.String()),
    )
    previous = GENESIS
    after = 0
    while True:
        rows = bind.execute(
            sa.select(
                log.c.seq,
                log.c.entity_type,
                log.c.entity_id,
                log.c.op,
                log.c.actor,
                log.c.at,
                log.c.origin_site,
            )
            .where(log.c.seq > after)
            .order_by(log.c.seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            return previous
        updates = []
        for r in rows:
            previous = seal(
                previous,
                SealedFields(
                    r.entity_type,
                    _uuid(r.entity_id),
                    r.op,
                    r.actor,
                    None,
                    "",
                    _aware(r.at),
                    r.origin_site,
                    "",
                    None,
                ),
            )
            updates.append({"s": r.seq, "h": previous})
        bind.execute(
            sa.update(log).where(log.c.seq == sa.bindparam("s")).values(hash=sa.bindparam("h")),
            updates,
        )
        after = rows[-1].seq


def _grant_staff_roles(bind: sa.Connection, previous: str) -> None:
    staff = sa.table(
        "staff",
        sa.column("id", sa.Uuid()),
        sa.column("role", sa.String()),
        sa.column("active", sa.Boolean()),
    )
    grants = sa.table(
        "role_grant",
        sa.column("id", sa.Uuid()),
        sa.column("staff_id", sa.Uuid()),
        sa.column("role", sa.String()),
        sa.column("reason", sa.Text()),
        sa.column("granted_by", sa.String()),
        sa.column("granted_at", sa.DateTime(timezone=True)),
    )
    log = sa.table(
        "change_log",
        sa.column("entity_type", sa.String()),
        sa.column("entity_id", sa.Uuid()),
        sa.column("op", sa.String()),
        sa.column("actor", sa.String()),
        sa.column("actor_id", sa.Uuid()),
        sa.column("role", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("origin_site", sa.String()),
        sa.column("workstation", sa.String()),
        sa.column("detail", sa.Text()),
        sa.column("hash", sa.String()),
    )
    people = bind.execute(
        sa.select(staff.c.id, staff.c.role).where(
            staff.c.active.is_(True), staff.c.role.in_(sorted(_ROLE_OF_STAFF))
        )
    ).all()
    if not people:
        return
    now = system_clock()
    grant_rows = []
    log_rows = []
    for person in people:
        grant = {
            "id": uuid.uuid4(),
            "staff_id": _uuid(person.id),
            "role": _ROLE_OF_STAFF[person.role],
            "reason": _REASON,
            "granted_by": _GRANTED_BY,
            "granted_at": now,
        }
        grant_rows.append(grant)
        detail = json.dumps(
            {k: [None, str(v)] for k, v in grant.items() if k in ("role", "reason", "staff_id")},
            ensure_ascii=False,
            sort_keys=True,
        )
        entry = {
            "entity_type": "role_grant",
            "entity_id": grant["id"],
            "op": "insert",
            "actor": _GRANTED_BY,
            "actor_id": None,
            "role": "",
            "at": now,
            "origin_site": "migration",
            "workstation": "",
            "detail": detail,
        }
        previous = seal(previous, SealedFields(**entry))
        log_rows.append({**entry, "hash": previous})
    bind.execute(sa.insert(grants), grant_rows)
    bind.execute(sa.insert(log), log_rows)


def downgrade() -> None:
    op.drop_index("ix_change_log_at", table_name="change_log")
    op.drop_index("ix_change_log_actor_id", table_name="change_log")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for column in ("hash", "detail", "workstation", "role", "actor_id"):
            op.drop_column("change_log", column)
    else:
        # SQLite drops a column by itself (3.35+); the triggers name no such column.
        for column in ("hash", "detail", "workstation", "role", "actor_id"):
            op.execute(f"ALTER TABLE change_log DROP COLUMN {column}")
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_grant_staff_id"))
    op.drop_table("role_grant")
    op.drop_table("credential")
