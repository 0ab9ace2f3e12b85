"""Migrations build the schema the models describe, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from app.data import migrate
from app.data.engine import Database
from app.data.errors import DatabaseProblem, ProblemKind
from app.data.migrate import head_revision, upgrade
from app.data.models import Base

ROOT = Path(__file__).resolve().parents[2]


def _schema(db: Database) -> dict[str, Any]:
    """Tables, columns and nullability, keys and indexes, backend-neutral.

    Column types differ by backend by design (UUID vs CHAR(32)); compare_metadata
    checks them against the models on each backend.
    """
    insp = inspect(db.engine)
    out: dict[str, Any] = {}
    for table in sorted(t for t in insp.get_table_names() if not t.startswith("xcc_")):
        # The search's own columns (xcc_*, PostgreSQL's folded text) are not the models'.
        cols = {
            c["name"]: c["nullable"]
            for c in insp.get_columns(table)
            if not c["name"].startswith("xcc_")
        }
        fks = sorted(
            (tuple(fk["constrained_columns"]), fk["referred_table"])
            for fk in insp.get_foreign_keys(table)
        )
        pk = tuple(insp.get_pk_constraint(table)["constrained_columns"])
        uniques = sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table))
        # PostgreSQL also lists the index behind each unique constraint.
        indexes = sorted(
            (tuple(i["column_names"]), bool(i["unique"]))
            for i in insp.get_indexes(table)
            if not (i["unique"] and tuple(i["column_names"]) in uniques)
            and not str(i["name"]).startswith("xcc_")
        )
        out[table] = {
            "columns": cols,
            "pk": pk,
            "fks": fks,
            "uniques": uniques,
            "indexes": indexes,
        }
    return out


def _ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Search structures (FTS tables, trigram indexes, folded-text columns) live
    outside the models: xcc_*."""
    return not (name or "").startswith("xcc_")


def test_upgrade_from_empty_matches_models(migrated_db: Database) -> None:
    with migrated_db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []
    assert migrate.current_revision(migrated_db) == head_revision()


def test_upgrade_twice_is_a_no_op(migrated_db: Database) -> None:
    result = upgrade(migrated_db)
    assert result.before == result.after == head_revision()
    assert not result.created


@pytest.mark.postgres
def test_schema_is_the_same_on_sqlite_and_postgresql(sqlite_url: URL, pg_url: URL) -> None:
    lite, pg = Database(sqlite_url), Database(pg_url)
    try:
        upgrade(lite)
        upgrade(pg)
        a, b = _schema(lite), _schema(pg)
    finally:
        lite.dispose()
        pg.dispose()
    assert a.keys() == b.keys()
    for table in a:
        assert a[table] == b[table], table


def test_change_log_is_append_only(migrated_db: Database) -> None:
    from app.data.models import Township
    from app.data.uow import UnitOfWork

    with UnitOfWork(migrated_db, actor="a", site="s") as uow:
        uow.session.add(Township(code="341322001", name="龙城镇", kind="town"))
        uow.commit()
    for statement in ("UPDATE change_log SET actor = 'x'", "DELETE FROM change_log"):
        with migrated_db.engine.connect() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text(statement))
    with migrated_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM change_log")).scalar() == 1


def test_newer_schema_is_refused_and_left_alone(migrated_db: Database) -> None:
    with migrated_db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d_future'"))
    with pytest.raises(DatabaseProblem) as info:
        upgrade(migrated_db)
    assert info.value.kind is ProblemKind.NEWER_SCHEMA
    with migrated_db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "f00d_future"
        )


def test_failed_migration_leaves_nothing_behind(
    any_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_upgrade = migrate.command.upgrade

    def upgrade_then_fail(cfg: Any, rev: str) -> None:
        real_upgrade(cfg, rev)
        raise RuntimeError("disk pulled out mid-migration")

    monkeypatch.setattr(migrate.command, "upgrade", upgrade_then_fail)
    db = Database(any_url)
    try:
        with pytest.raises(DatabaseProblem) as info:
            upgrade(db)
        assert info.value.kind is ProblemKind.MIGRATION
        assert inspect(db.engine).get_table_names() == []
    finally:
        db.dispose()


def test_existing_sqlite_file_is_backed_up_before_upgrade(
    sqlite_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(sqlite_url)
    try:
        upgrade(db)
        # Pretend the file is one revision behind: the backup must happen first.
        known = migrate.known_revisions()
        monkeypatch.setattr(migrate, "head_revision", lambda: "9999_next")
        monkeypatch.setattr(migrate, "known_revisions", lambda: {*known, "9999_next"})
        monkeypatch.setattr(migrate.command, "upgrade", lambda cfg, rev: None)
        result = upgrade(db)
    finally:
        db.dispose()
    assert result.backup is not None and result.backup.is_file()
    assert result.backup.parent == Path(sqlite_url.database or "").parent


def test_an_older_program_refuses_to_write_after_another_seat_upgraded(
    migrated_db: Database,
) -> None:
    from app.data.models import Township
    from app.data.uow import UnitOfWork

    with migrated_db.engine.begin() as conn:  # a newer program upgraded the shared database
        conn.execute(text("UPDATE alembic_version SET version_num = '0002_newer'"))
    with (
        UnitOfWork(migrated_db, actor="old", site="s") as uow,
        pytest.raises(DatabaseProblem) as info,
    ):
        uow.session.add(Township(code="9", name="萧县", kind="town"))
        uow.commit()
    assert info.value.kind is ProblemKind.NEWER_SCHEMA
    with migrated_db.read_session() as s:
        assert s.scalar(text("SELECT count(*) FROM township")) == 0


def test_autogenerate_spells_the_models_types_in_plain_sqlalchemy(tmp_path: Path) -> None:
    """A migration generated from the models (db/env.py) names the types they store
    (``sa.String(length=64)``, ``sa.Text()``, ``sa.DateTime(timezone=True)``), never
    the models' own column types: migrations do not import the program."""
    scripts = tmp_path / "db"
    (scripts / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copy(ROOT / "db" / name, scripts / name)
    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    db = Database(make_url(f"sqlite+pysqlite:///{tmp_path / 'empty.sqlite3'}"))
    try:
        with db.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message="everything", autogenerate=True, rev_id="0001")
    finally:
        db.dispose()
    (generated,) = (scripts / "versions").glob("0001_*.py")
    source = generated.read_text(encoding="utf-8")
    compile(source, str(generated), "exec")
    assert "sa.Column('title', sa.String(length=200), nullable=False)" in source
    assert "sa.Column('body', sa.Text(), nullable=False)" in source
    assert "sa.Column('received_at', sa.DateTime(timezone=True), nullable=False)" in source
    for name in ("CleanString", "CleanText", "UTCDateTime", "app."):
        assert name not in source
