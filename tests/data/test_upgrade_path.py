"""A database made by the previous release upgrades in place, data kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, inspect, select, text

from app.data import migrate
from app.data.engine import Database
from app.data.models import Base, DutyShift, HazardSite, Incident, IncidentLogEntry, Staff
from app.data.uow import UnitOfWork
from app.domain.intake import IncidentDraft
from app.services.demo import ensure_reference_data, load_demo, remove_demo
from app.services.incident_search import IncidentQuery, IncidentSearch
from app.services.incidents import IncidentService
from app.services.overview import OverviewService


def _load_demo_as_old_release(db: Database, tmp: Any, now: datetime) -> None:
    """The demo data as a previous release stored it: today's rows, only the
    tables and columns the database's older schema has."""
    source = Database(f"sqlite:///{tmp / 'head.sqlite'}")
    try:
        migrate.upgrade(source)
        ensure_reference_data(source, actor="t", site="s")
        load_demo(source, actor="t", site="s", now=now)
        old = inspect(db.engine)
        tables = set(old.get_table_names())
        with source.engine.connect() as src, db.engine.begin() as dst:
            for table in Base.metadata.sorted_tables:
                if table.name not in tables or table.name == "change_log":
                    continue  # (the log's sequence would not follow copied numbers)
                have = {c["name"] for c in old.get_columns(table.name)}
                columns = [c for c in table.columns if c.name in have]
                rows = [dict(r._mapping) for r in src.execute(select(*columns))]
                if rows:
                    dst.execute(table.insert(), rows)
    finally:
        source.dispose()


def test_0001_database_with_data_upgrades_to_head(migrated_db: Database, tmp_path: Any) -> None:
    # Go back to the first release's schema, fill it, and upgrade again.
    migrate.downgrade(migrated_db, "0001")
    with migrated_db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
    migrated_db.schema_revision = "0001"  # as the previous release would run
    _load_demo_as_old_release(migrated_db, tmp_path, datetime.now(UTC))
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
    migrate.downgrade(db, revision)  # and runs as the release of that revision would


def test_0005_database_with_data_upgrades_and_its_demo_can_go(
    migrated_db: Database, tmp_path: Any
) -> None:
    """0006 lets the demo data go from a database filled by the previous release,
    and the real log stays append-only."""
    db = migrated_db
    _downgrade(db, "0005")
    now = datetime.now(UTC)
    _load_demo_as_old_release(db, tmp_path, now)
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


def test_0006_database_with_pasted_text_is_cleaned_and_found_after_the_upgrade(
    migrated_db: Database,
) -> None:
    """The previous release stored text as given: full-width titles, U+000B from
    Word, a NUL (SQLite only; PostgreSQL refused it). After the upgrade that text
    is clean, every width and case finds it, text after the NUL is found, rows
    that were clean are left alone and the log is still append-only."""
    db = migrated_db
    _downgrade(db, "0006")
    nul = "\x00" if db.is_sqlite else ""
    at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    incidents = [
        {
            "id": uuid.uuid4(),
            "title": title,
            "category": "accident",
            "incident_type": "traffic",
            "severity": "IV",
            "status": "received",
            "received_at": at + timedelta(minutes=n),
            "source": "phone",
        }
        for n, title in enumerate(["Ｇ３１０国道塌方", "G310国道追尾", "无关事件"])
    ]
    staff = [{"id": uuid.uuid4(), "name": name, "role": "duty"} for name in ("王芳", "李明")]
    with UnitOfWork(db, actor="t", site="s") as uow:
        uow.bulk_insert(Incident, incidents)
        uow.bulk_insert(Staff, staff)
        uow.commit()

    def key(value: uuid.UUID) -> Any:
        return value.hex if db.is_sqlite else value

    # What the previous release wrote (plain SQL: nothing cleans it).
    first = key(incidents[0]["id"])
    with db.engine.begin() as conn:
        conn.execute(
            text("UPDATE incident SET description = :d WHERE id = :id"),
            {"d": f"塌方{nul}后方路段\x0b第二行\x01", "id": first},
        )
        conn.execute(
            text("UPDATE staff SET name = :n WHERE id = :id"),
            {"n": "王\x1f芳", "id": key(staff[0]["id"])},
        )
        conn.execute(
            text(
                "INSERT INTO incident_log_entry "
                "(id, incident_id, kind, body, at, actor, created_at) "
                "VALUES (:id, :incident, 'note', :body, :at, 't', :at)"
            ),
            {
                "id": key(uuid.uuid4()),
                "incident": first,
                "body": f"现场{nul}有人被困\u2028已救出",
                "at": at.strftime("%Y-%m-%d %H:%M:%S.%f") if db.is_sqlite else at,
            },
        )
    clean_row_version = _row_version(db, "staff", key(staff[1]["id"]))
    log_triggers = _triggers(db, "incident_log_entry")

    assert migrate.upgrade(db).after == migrate.head_revision()

    with db.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT description FROM incident WHERE id = :id"), {"id": first}
        )
        assert stored.scalar() == "塌方后方路段\n第二行"
        assert conn.execute(text("SELECT body FROM incident_log_entry")).scalar() == (
            "现场有人被困\n已救出"
        )
        names = conn.execute(text("SELECT name FROM staff")).scalars().all()
        assert sorted(names) == sorted(["王芳", "李明"])
    assert _row_version(db, "staff", key(staff[1]["id"])) == clean_row_version
    assert _triggers(db, "incident_log_entry") == log_triggers
    with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE incident_log_entry SET body = 'x'"))

    search = IncidentSearch(db)

    def titles(typed: str) -> set[str]:
        return {r.title for r in search.page(IncidentQuery(text=typed))[0]}

    for typed in ("G310", "Ｇ３１０", "g310", "ｇ３", "Ｇ"):
        assert titles(typed) == {"Ｇ３１０国道塌方", "G310国道追尾"}, typed
    for typed in ("后方路段", "第二行", "有人被困", "被困", "已救出"):
        assert titles(typed) == {"Ｇ３１０国道塌方"}, typed
    # New writes keep the folded search structures current.
    with UnitOfWork(db, actor="t", site="s") as uow:
        uow.bulk_insert(IncidentLogEntry, [_entry(incidents[2]["id"], "ＸＹＺ路段\x00封闭", at)])
        uow.commit()
    assert titles("xyz路段封闭") == {"无关事件"}


def _entry(incident_id: uuid.UUID, body: str, at: datetime) -> dict[str, Any]:
    return {"incident_id": incident_id, "kind": "note", "body": body, "at": at, "actor": "t"}


def _row_version(db: Database, table: str, key: Any) -> Any:
    """Something that changes whenever a row is rewritten: PostgreSQL's xmin (the
    transaction that wrote it); SQLite has none, so there only the text is checked."""
    if db.is_sqlite:
        return None
    with db.engine.connect() as conn:
        sql = f"SELECT xmin::text FROM {table} WHERE id = :id"
        return conn.execute(text(sql), {"id": key}).scalar()


def _triggers(db: Database, table: str) -> list[tuple[str, str]]:
    """A table's own triggers (not the search's, xcc_*) and whether they are on."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"
        else:
            sql = (
                "SELECT tgname, tgenabled::text FROM pg_trigger "
                "WHERE tgrelid = CAST(:t AS regclass) AND NOT tgisinternal"
            )
        rows = conn.execute(text(sql), {"t": table})
        return sorted((str(a), str(b)) for a, b in rows if not str(a).startswith("xcc_"))


def test_0007_downgrades_to_the_search_of_0006_and_up_again(migrated_db: Database) -> None:
    db = migrated_db
    at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    incident = {
        "id": uuid.uuid4(),
        "title": "Ｇ３１０国道塌方",
        "category": "accident",
        "incident_type": "traffic",
        "severity": "IV",
        "status": "received",
        "received_at": at,
        "source": "phone",
    }
    with UnitOfWork(db, actor="t", site="s") as uow:
        uow.bulk_insert(Incident, [incident])
        uow.bulk_insert(IncidentLogEntry, [_entry(incident["id"], "ＡＢ路段封闭", at)])
        uow.commit()
    _downgrade(db, "0006")
    with db.engine.connect() as conn:
        if db.is_sqlite:  # the search tables of 0006, over the text as stored
            assert "xcc_log_doc" not in inspect(conn).get_table_names()
            doc = conn.execute(text("SELECT doc FROM xcc_incident_doc")).scalar()
            assert doc == "Ｇ３１０国道塌方  "
            assert conn.execute(text("SELECT body FROM xcc_log_fts")).scalar() == "ＡＢ路段封闭"
        else:  # the indexes of 0005 over the text as stored, no functions of 0007
            columns = {c["name"] for c in inspect(conn).get_columns("incident_log_entry")}
            assert "xcc_folded" not in columns
            functions = "SELECT count(*) FROM pg_proc WHERE proname IN ('xcc_fold', 'xcc_clean')"
            assert conn.execute(text(functions)).scalar() == 0
            rows = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes"))
            definitions = {str(name): str(definition) for name, definition in rows}
            assert "(body gin_trgm_ops)" in definitions["xcc_incident_log_entry_body_trgm"]
            assert "(xcc_incident_text(" in definitions["xcc_incident_text_trgm"]
    assert migrate.upgrade(db).after == migrate.head_revision()
    search = IncidentSearch(db)
    assert [r.title for r in search.page(IncidentQuery(text="g310 ab路段"))[0]] == [
        "Ｇ３１０国道塌方"
    ]
