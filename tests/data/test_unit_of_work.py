"""Every write goes through the unit of work and lands in change_log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.models import ChangeLog, HazardSite, Township
from app.data.uow import UnitOfWork, UnitOfWorkRequired


def _log(db: Database) -> list[tuple[int, str, str, str, str]]:
    with db.read_session() as s:
        rows = s.execute(
            select(
                ChangeLog.seq,
                ChangeLog.entity_type,
                ChangeLog.op,
                ChangeLog.actor,
                ChangeLog.origin_site,
            ).order_by(ChangeLog.seq)
        )
        return list(rows)


def test_insert_update_delete_are_logged_in_order(migrated_db: Database) -> None:
    with UnitOfWork(migrated_db, actor="li", site="center") as uow:
        town = Township(code="341322101", name="黄口镇", kind="town")
        uow.session.add(town)
        hazard = HazardSite(
            name="易涝点一",
            hazard_type="waterlogging",
            risk_level="yellow",
            township_id=None,
            lon=116.9,
            lat=34.2,
        )
        uow.session.add(hazard)
        first = uow.commit()
    assert len(first) == 2
    assert {r.entity_type for r in first} == {"township", "hazard_site"}

    with UnitOfWork(migrated_db, actor="wang", site="vehicle-1") as uow:
        h = uow.session.get(HazardSite, hazard.id)
        assert h is not None
        h.risk_level = "red"
        second = uow.commit()
    with UnitOfWork(migrated_db, actor="wang", site="vehicle-1") as uow:
        h = uow.session.get(HazardSite, hazard.id)
        uow.session.delete(h)
        third = uow.commit()

    log = _log(migrated_db)
    assert [row[2] for row in log] == ["insert", "insert", "update", "delete"]
    seqs = [row[0] for row in log]
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert second.last_seq is not None and third.last_seq is not None
    assert second.last_seq < third.last_seq
    assert log[-1][3:] == ("wang", "vehicle-1")


def test_version_increments_on_update(migrated_db: Database) -> None:
    with UnitOfWork(migrated_db, actor="a", site="s") as uow:
        town = Township(code="1", name="杨楼镇", kind="town")
        uow.session.add(town)
        uow.commit()
    assert town.version == 1
    with UnitOfWork(migrated_db, actor="a", site="s") as uow:
        t = uow.session.get(Township, town.id)
        assert t is not None
        t.name = "杨楼镇(改)"
        uow.commit()
        assert t.version == 2


def test_stale_copy_gets_a_conflict_not_an_overwrite(migrated_db: Database) -> None:
    with UnitOfWork(migrated_db, actor="a", site="s") as uow:
        town = Township(code="2", name="闫集镇", kind="town")
        uow.session.add(town)
        uow.commit()
    stale_version = town.version  # what a form opened now would hold
    with UnitOfWork(migrated_db, actor="a", site="s") as uow:
        uow.get_current(Township, town.id, stale_version).name = "A"
        uow.commit()
    with UnitOfWork(migrated_db, actor="b", site="s") as uow, pytest.raises(ConflictError):
        uow.get_current(Township, town.id, stale_version).name = "B"
    with migrated_db.read_session() as s:
        assert s.get(Township, town.id).name == "A"  # type: ignore[union-attr]


@pytest.mark.postgres
def test_concurrent_writers_race_is_caught_by_version(pg_url: object) -> None:
    db = Database(pg_url)  # type: ignore[arg-type]
    try:
        from app.data.migrate import upgrade

        upgrade(db)
        with UnitOfWork(db, actor="a", site="s") as uow:
            town = Township(code="5", name="马井镇", kind="town")
            uow.session.add(town)
            uow.commit()
        with (
            UnitOfWork(db, actor="a", site="s") as first,
            UnitOfWork(db, actor="b", site="s") as second,
        ):
            mine = first.get_current(Township, town.id, 1)
            theirs = second.get_current(Township, town.id, 1)
            mine.name = "A"
            first.commit()
            theirs.name = "B"
            with pytest.raises(ConflictError):
                second.commit()
        with db.read_session() as s:
            assert s.get(Township, town.id).name == "A"  # type: ignore[union-attr]
    finally:
        db.dispose()


def test_rollback_writes_no_change_log(migrated_db: Database) -> None:
    with UnitOfWork(migrated_db, actor="a", site="s") as uow:
        uow.session.add(Township(code="3", name="新庄镇", kind="town"))
        uow.session.flush()
        # leaving without commit rolls back
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == 0
        assert s.scalar(select(func.count()).select_from(Township)) == 0


def test_writes_outside_a_unit_of_work_are_refused(migrated_db: Database) -> None:
    with migrated_db.read_session() as s:
        s.add(Township(code="4", name="刘套镇", kind="town"))
        with pytest.raises(UnitOfWorkRequired):
            s.flush()
        s.rollback()


def test_bulk_insert_logs_every_row(migrated_db: Database) -> None:
    rows = [{"code": f"b{i}", "name": f"镇{i}", "kind": "town"} for i in range(250)]
    with UnitOfWork(migrated_db, actor="import", site="s") as uow:
        uow.bulk_insert(Township, rows)
        changes = uow.commit()
    assert len(changes) == 250
    with migrated_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Township)) == 250
        logged = set(s.scalars(select(ChangeLog.entity_id)))
    assert logged == {row["id"] for row in rows}


def test_bulk_update_and_delete_log_every_row(migrated_db: Database) -> None:
    rows = [{"code": f"b{i}", "name": f"镇{i}", "kind": "town"} for i in range(4)]
    with UnitOfWork(migrated_db, actor="setup", site="s") as uow:
        uow.bulk_insert(Township, rows)
        uow.commit()
    ids = [row["id"] for row in rows]
    with UnitOfWork(migrated_db, actor="tidy", site="s") as uow:
        renamed = uow.bulk_update(Township, Township.id.in_(ids[:2]), {"kind": "township"})
        gone = uow.bulk_delete(Township, Township.id.in_(ids[2:]))
        # Made and removed in the same unit of work: nobody else ever saw it.
        brief = Township(code="tmp", name="临时", kind="town")
        uow.session.add(brief)
        uow.session.flush()
        assert uow.bulk_delete(Township, Township.id == brief.id) == [brief.id]
        changes = uow.commit()
    assert sorted(renamed, key=str) == sorted(ids[:2], key=str)
    assert sorted(gone, key=str) == sorted(ids[2:], key=str)
    assert {(r.entity_id, r.op.value) for r in changes} == {
        *((i, "update") for i in ids[:2]),
        *((i, "delete") for i in ids[2:]),
    }
    with migrated_db.read_session() as s:
        kept = {t.id: (t.kind, t.version) for t in s.scalars(select(Township))}
    assert kept == {i: ("township", 2) for i in ids[:2]}
