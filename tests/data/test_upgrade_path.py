"""A database made by the previous release upgrades in place, data kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text

from app.data import migrate
from app.data.engine import Database
from app.data.models import DutyShift, HazardSite, Incident, IncidentLogEntry
from app.domain.intake import IncidentDraft
from app.services.demo import ensure_reference_data, load_demo, remove_demo
from app.services.incidents import IncidentService
from app.services.overview import OverviewService


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


def _downgrade(db: Database, revision: str) -> None:
    cfg = migrate.alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    db.schema_revision = revision  # as the release of that revision would run


def test_0005_database_with_data_upgrades_and_its_demo_can_go(migrated_db: Database) -> None:
    """0006 lets the demo data go from a database filled by the previous release,
    and the real log stays append-only."""
    db = migrated_db
    _downgrade(db, "0005")
    now = datetime.now(UTC)
    ensure_reference_data(db, actor="t", site="s")
    load_demo(db, actor="t", site="s", now=now)
    real = IncidentService(db).record(
        IncidentDraft(
            title="真实事件",
            category="accident",
            incident_type="fire",
            severity="IV",
            source="phone",
            received_at=now - timedelta(minutes=5),
            address="龙城镇某路",
        ),
        actor="t",
        site="s",
        now=now,
    )
    key = real if not db.is_sqlite else real.hex
    # The previous release's triggers refuse every delete, demo or not.
    with pytest.raises(sa_exc.DBAPIError, match="append-only"):
        remove_demo(db, actor="t", site="s")
    result = migrate.upgrade(db)
    assert (result.before, result.after) == ("0005", migrate.head_revision())
    remove_demo(db, actor="t", site="s")
    assert not OverviewService(db).status().has_demo
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
        assert s.scalar(select(func.count()).select_from(IncidentLogEntry)) == 1
    with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM incident_log_entry WHERE incident_id = :id"), {"id": key})


def test_0006_downgrades_to_the_strict_triggers(migrated_db: Database) -> None:
    db = migrated_db
    ensure_reference_data(db, actor="t", site="s")
    load_demo(db, actor="t", site="s", now=datetime.now(UTC))
    _downgrade(db, "0005")
    with db.read_session() as s:
        entry = s.scalars(
            select(IncidentLogEntry.id).where(
                IncidentLogEntry.id.not_in(
                    select(IncidentLogEntry.corrects_id).where(
                        IncidentLogEntry.corrects_id.is_not(None)
                    )
                )
            )
        ).first()
    assert entry is not None
    key = entry if not db.is_sqlite else entry.hex
    with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM incident_log_entry WHERE id = :id"), {"id": key})
    with db.engine.begin() as conn:  # a demo incident may be marked real and back again
        conn.execute(text("UPDATE incident SET is_demo = false"))
        conn.execute(text("UPDATE incident SET is_demo = true"))
    assert migrate.upgrade(db).after == migrate.head_revision()
