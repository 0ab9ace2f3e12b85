"""A database made by the previous release upgrades in place, data kept."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import func, select, text

from app.data import migrate
from app.data.engine import Database
from app.data.models import DutyShift, HazardSite, Incident
from app.services.demo import ensure_reference_data, load_demo


def test_0001_database_with_data_upgrades_to_head(migrated_db: Database) -> None:
    # Go back to the first release's schema, fill it, and upgrade again.
    cfg = migrate.alembic_config()
    with migrated_db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    with migrated_db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    migrated_db.schema_revision = "0001"  # as the previous release would run
    ensure_reference_data(migrated_db, actor="t", site="s")
    load_demo(migrated_db, actor="t", site="s", now=datetime.now(UTC))
    with migrated_db.read_session() as s:
        before = [
            s.scalar(select(func.count()).select_from(m)) for m in (HazardSite, Incident, DutyShift)
        ]
    result = migrate.upgrade(migrated_db)
    assert (result.before, result.after) == ("0001", migrate.head_revision())
    if migrated_db.is_sqlite:
        assert result.backup is not None and result.backup.is_file()
    with migrated_db.read_session() as s:
        after = [
            s.scalar(select(func.count()).select_from(m)) for m in (HazardSite, Incident, DutyShift)
        ]
    assert after == before
