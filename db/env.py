"""Alembic environment. The program runs migrations itself at start-up
(app.data.migrate); this file also serves the ``alembic`` command line."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from sqlalchemy import Connection, TypeDecorator

from app.data.engine import create_db_engine
from app.data.models import Base

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Migrations spell column types in plain SQLAlchemy, never importing models:
    the models' own types (UTCDateTime, CleanString, CleanText) as the type they
    store, e.g. ``sa.String(length=64)``."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def _include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Search structures made by raw SQL (FTS5 tables, trigram indexes, PostgreSQL's
    folded-text columns) are named xcc_*; the models do not describe them."""
    return not (name or "").startswith("xcc_")


def _run(connection: Connection) -> None:
    context.configure(
        include_object=_include_object,
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("set sqlalchemy.url (alembic -x) or use the program")
    engine = create_db_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) mode is not supported")
run_migrations_online()
