"""The county's resource registers: keys, retirement, classification, catalogue, batches.

- ``shelter``, ``supply_depot``, ``rescue_team``, ``hazard_site`` gain ``code``
  (the register's own number), ``retired_at`` and ``retired_reason``: a
  retired row leaves the map and the lists and is never deleted.
- ``shelter`` gains the GB/T 44013-2024 classification (``duration_kind``,
  ``level``), effective area, area per person, service radius, last
  inspection, and when it was last opened and closed.
- ``supply_depot`` gains the company and contract period of 协议储备.
- ``supply_catalog_item``: the county's supply catalogue, coded after
  GB/T 38565-2020. Existing stock lines get an entry each (their own code
  when it has seven digits, else 1999999, "other" in class 1, for the county
  to correct).
- ``depot_minimum``: minimum levels per depot and catalogue item, taken from
  the old per-line ``stock_item.min_quantity`` (the largest of a depot's lines).
- ``stock_item`` becomes a batch line (catalogue entry, batch, expiry); the
  unique (depot, category, name) goes, since one item may have many batches.
- ``stock_movement.transfer_id`` pairs the two halves of a transfer.
- ``rescue_team`` gains specialties, members available, the incident it was
  dispatched to and since when; status ``deployed`` becomes ``dispatched``.
- ``hazard_site`` gains the rectification state, the day it was done and
  the supervision (督办).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 19:40:00.000000

"""

import re
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.domain.clock import system_clock

# revision identifiers, used by Alembic.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REGISTERS = ("shelter", "supply_depot", "rescue_team", "hazard_site")
_OTHER_CODE = "1999999"
_SEVEN_DIGITS = re.compile(r"\d{7}")
# The models' naming convention as of this revision (unique constraints).
_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    for table in _REGISTERS:
        op.add_column(table, sa.Column("code", sa.String(length=32), nullable=True))
        op.add_column(table, sa.Column("retired_at", _tz(), nullable=True))
        op.add_column(table, sa.Column("retired_reason", sa.String(length=256), nullable=True))
        op.create_index(f"ix_{table}_code", table, ["code"])

    for name, type_ in (
        ("duration_kind", sa.String(length=16)),
        ("level", sa.String(length=16)),
        ("effective_area_m2", sa.Float()),
        ("area_per_person_m2", sa.Float()),
        ("service_radius_m", sa.Float()),
        ("last_inspected_on", sa.Date()),
        ("opened_at", _tz()),
        ("closed_at", _tz()),
    ):
        op.add_column("shelter", sa.Column(name, type_, nullable=True))

    op.add_column("supply_depot", sa.Column("company", sa.String(length=128), nullable=True))
    op.add_column("supply_depot", sa.Column("contract_start", sa.Date(), nullable=True))
    op.add_column("supply_depot", sa.Column("contract_end", sa.Date(), nullable=True))

    for name, type_ in (
        ("rectification_state", sa.String(length=16)),
        ("rectified_on", sa.Date()),
        ("supervision", sa.String(length=16)),
    ):
        op.add_column("hazard_site", sa.Column(name, type_, nullable=True))

    op.create_table(
        "supply_catalog_item",
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("key_need", sa.String(length=16), nullable=True),
        sa.Column("ration", sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=True),
        sa.Column("ration_per_day", sa.Boolean(), nullable=False),
        sa.Column("retired_at", _tz(), nullable=True),
        sa.Column("is_demo", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supply_catalog_item")),
        sa.UniqueConstraint("code", "name", name=op.f("uq_supply_catalog_item_code")),
    )
    with op.batch_alter_table("supply_catalog_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supply_catalog_item_code"), ["code"], unique=False)

    op.create_table(
        "depot_minimum",
        sa.Column("depot_id", sa.Uuid(), nullable=False),
        sa.Column("catalog_item_id", sa.Uuid(), nullable=False),
        sa.Column(
            "min_quantity", sa.Numeric(precision=14, scale=2, asdecimal=False), nullable=False
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalog_item_id"],
            ["supply_catalog_item.id"],
            name=op.f("fk_depot_minimum_catalog_item_id_supply_catalog_item"),
        ),
        sa.ForeignKeyConstraint(
            ["depot_id"], ["supply_depot.id"], name=op.f("fk_depot_minimum_depot_id_supply_depot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depot_minimum")),
        sa.UniqueConstraint("depot_id", "catalog_item_id", name=op.f("uq_depot_minimum_depot_id")),
    )
    with op.batch_alter_table("depot_minimum", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_depot_minimum_depot_id"), ["depot_id"], unique=False)

    # The naming convention names the unique constraint when SQLite reflects it
    # without its name (a file whose table was rebuilt by an earlier tool).
    with op.batch_alter_table("stock_item", schema=None, naming_convention=_NAMES) as batch_op:
        batch_op.drop_constraint("uq_stock_item_depot_id", type_="unique")
        batch_op.add_column(sa.Column("catalog_item_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_stock_item_catalog_item_id"), ["catalog_item_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_stock_item_catalog_item_id_supply_catalog_item"),
            "supply_catalog_item",
            ["catalog_item_id"],
            ["id"],
        )

    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transfer_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_stock_movement_transfer_id"), ["transfer_id"], unique=False
        )

    with op.batch_alter_table("rescue_team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("specialties", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("available", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("incident_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("status_since", _tz(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_rescue_team_incident_id_incident"), "incident", ["incident_id"], ["id"]
        )

    _fill()


def _fill() -> None:
    """Catalogue entries and minimum levels for the stock lines already there."""
    bind = op.get_bind()
    now = system_clock()
    bind.execute(sa.text("UPDATE rescue_team SET status = 'dispatched' WHERE status = 'deployed'"))
    stock_item = sa.table(
        "stock_item",
        sa.column("id", sa.Uuid()),
        sa.column("depot_id", sa.Uuid()),
        sa.column("catalog_item_id", sa.Uuid()),
        sa.column("category_code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("unit", sa.String()),
        sa.column("min_quantity", sa.Numeric(14, 2, asdecimal=False)),
        sa.column("is_demo", sa.Boolean()),
    )
    c = stock_item.c
    lines = bind.execute(
        sa.select(
            c.id, c.depot_id, c.category_code, c.name, c.unit, c.min_quantity, c.is_demo
        ).order_by(c.category_code, c.name)
    ).all()
    catalog = sa.table(
        "supply_catalog_item",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("name", sa.String()),
        sa.column("unit", sa.String()),
        sa.column("ration_per_day", sa.Boolean()),
        sa.column("is_demo", sa.Boolean()),
        sa.column("version", sa.Integer()),
        sa.column("created_at", _tz()),
        sa.column("updated_at", _tz()),
    )
    minimum = sa.table(
        "depot_minimum",
        sa.column("id", sa.Uuid()),
        sa.column("depot_id", sa.Uuid()),
        sa.column("catalog_item_id", sa.Uuid()),
        sa.column("min_quantity", sa.Numeric(14, 2, asdecimal=False)),
        sa.column("version", sa.Integer()),
        sa.column("created_at", _tz()),
        sa.column("updated_at", _tz()),
    )
    entries: dict[tuple[str, str], uuid.UUID] = {}
    new_entries: list[dict[str, object]] = []
    line_entry: list[tuple[uuid.UUID, uuid.UUID, str]] = []
    minimums: dict[tuple[uuid.UUID, uuid.UUID], float] = {}
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    for line in lines:
        code = line.category_code if _SEVEN_DIGITS.fullmatch(line.category_code or "") else None
        code = code or _OTHER_CODE
        key = (code, line.name)
        if key not in entries:
            entries[key] = uuid.uuid4()
            new_entries.append(
                {
                    "id": entries[key],
                    "code": code,
                    "name": line.name,
                    "unit": line.unit,
                    "ration_per_day": False,
                    "is_demo": bool(line.is_demo),
                    **stamp,
                }
            )
        entry = entries[key]
        line_entry.append((line.id, entry, code))
        if line.min_quantity:
            pair = (line.depot_id, entry)
            minimums[pair] = max(minimums.get(pair, 0.0), float(line.min_quantity))
    if new_entries:
        bind.execute(catalog.insert(), new_entries)
    for line_id, entry, code in line_entry:
        bind.execute(
            stock_item.update()
            .where(c.id == line_id)
            .values(catalog_item_id=entry, category_code=code)
        )
    if minimums:
        bind.execute(
            minimum.insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "depot_id": d,
                    "catalog_item_id": e,
                    "min_quantity": q,
                    **stamp,
                }
                for (d, e), q in minimums.items()
            ],
        )


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE rescue_team SET status = 'deployed' "
            "WHERE status IN ('dispatched', 'on_scene', 'returning')"
        )
    )
    with op.batch_alter_table("rescue_team", schema=None) as batch_op:
        batch_op.drop_constraint("fk_rescue_team_incident_id_incident", type_="foreignkey")
        for name in ("status_since", "incident_id", "available", "specialties"):
            batch_op.drop_column(name)
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movement_transfer_id")
        batch_op.drop_column("transfer_id")
    with op.batch_alter_table("stock_item", schema=None) as batch_op:
        batch_op.drop_constraint(
            "fk_stock_item_catalog_item_id_supply_catalog_item", type_="foreignkey"
        )
        batch_op.drop_index("ix_stock_item_catalog_item_id")
        batch_op.drop_column("batch")
        batch_op.drop_column("catalog_item_id")
        batch_op.create_unique_constraint(
            "uq_stock_item_depot_id", ["depot_id", "category_code", "name"]
        )
    op.drop_table("depot_minimum")
    op.drop_table("supply_catalog_item")
    for name in ("supervision", "rectified_on", "rectification_state"):
        op.drop_column("hazard_site", name)
    for name in ("contract_end", "contract_start", "company"):
        op.drop_column("supply_depot", name)
    for name in (
        "closed_at",
        "opened_at",
        "last_inspected_on",
        "service_radius_m",
        "area_per_person_m2",
        "effective_area_m2",
        "level",
        "duration_kind",
    ):
        op.drop_column("shelter", name)
    for table in _REGISTERS:
        op.drop_index(f"ix_{table}_code", table_name=table)
        for name in ("retired_reason", "retired_at", "code"):
            op.drop_column(table, name)
