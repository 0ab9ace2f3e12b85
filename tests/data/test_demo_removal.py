"""Removing the demo data from a database that has since been used for real work,
on SQLite and PostgreSQL: every demo row goes, real work stays, all or nothing,
and the append-only tables let only demo rows go."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.migrate import upgrade
from app.data.models import (
    TRACKED_MODELS,
    Base,
    ChangeLog,
    DutyAssignment,
    DutyShift,
    DutySwap,
    Handover,
    HandoverAck,
    HandoverItem,
    Incident,
    IncidentLogEntry,
    IncidentStatistics,
    Shelter,
    ShelterOccupancyMovement,
    Staff,
    StockItem,
    StockMovement,
    SupplyDepot,
    Township,
    User,
    Village,
)
from app.data.uow import UnitOfWork
from app.domain.access import Role
from app.domain.enums import ChangeOp, LogEntryKind
from app.domain.intake import IncidentDraft
from app.live.feed import latest_seq
from app.services.access import AccessService
from app.services.demo import (
    DEMO_PASSWORD,
    DemoRemovalRefused,
    ensure_reference_data,
    load_demo,
    remove_demo,
)
from app.services.disaster_stats import DisasterStats, Figures
from app.services.handover import HandoverService
from app.services.incident_workflow import IncidentWorkflow
from app.services.incidents import IncidentService
from app.services.overview import OverviewService

pytestmark = pytest.mark.dates  # runs at every frozen moment too

NOW = datetime.now(UTC).replace(microsecond=0)
ACTOR, SITE = "值班员甲", "center"


@dataclass
class World:
    """Real work recorded on a database that holds the demo data set."""

    incident: uuid.UUID  # a real incident in a demo township and village
    entries: int  # its log entries
    person: uuid.UUID  # a real person living in a demo township
    on_duty: uuid.UUID  # the demo shift at NOW, the real person is on it
    handed: tuple[uuid.UUID, uuid.UUID]  # demo shifts a real handover names
    swapped: uuid.UUID  # a demo swap on another demo shift
    real_shift: uuid.UUID  # a real shift with the real person and a demo person
    real_shift_version: int
    handover: uuid.UUID
    movement: uuid.UUID  # a real stock movement issued for a demo incident
    item: uuid.UUID  # its real stock item
    user: uuid.UUID  # an account linked to a demo person


def _one(db: Database, stmt: Any) -> Any:
    with db.read_session() as s:
        found = s.scalars(stmt).first()
    assert found is not None
    return found


def _key(db: Database, value: uuid.UUID) -> Any:
    """A UUID as a raw statement takes it (CHAR(32) on SQLite)."""
    return value if db.engine.dialect.name == "postgresql" else value.hex


@pytest.fixture
def db(migrated_db: Database) -> Database:
    ensure_reference_data(migrated_db, actor="t", site="s")
    load_demo(migrated_db, actor="t", site="s", now=NOW)
    return migrated_db


@pytest.fixture
def world(db: Database) -> World:
    town = _one(db, select(Township).where(Township.is_demo.is_(True), Township.name == "龙城镇"))
    village = _one(db, select(Village).where(Village.township_id == town.id))
    incident = IncidentService(db).record(
        IncidentDraft(
            title="真实事件：龙城镇某小区火情",
            category="accident",
            incident_type="fire",
            severity="IV",
            source="phone",
            received_at=NOW - timedelta(hours=1),
            township_id=str(town.id),
            address="龙城镇某小区",
        ),
        actor=ACTOR,
        site=SITE,
        now=NOW,
    )
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        row = uow.session.get(Incident, incident)
        assert row is not None
        row.village_id = village.id
        uow.commit()
    IncidentWorkflow(db).append(
        incident, LogEntryKind.NOTE, "消防已到场", actor=ACTOR, site=SITE, at=NOW
    )

    shifts = list(
        _all(db, select(DutyShift).where(DutyShift.is_demo).order_by(DutyShift.starts_at))
    )
    on_duty = next(sh for sh in shifts if sh.starts_at <= NOW < sh.ends_at)
    first, second = shifts[0], shifts[1]
    other = next(sh for sh in shifts if sh.id not in {on_duty.id, first.id, second.id})
    demo_staff = list(_all(db, select(Staff).where(Staff.is_demo).order_by(Staff.name)))
    demo_incident = _one(
        db,
        select(Incident).where(
            Incident.is_demo, Incident.category == "natural", Incident.is_drill.is_(False)
        ),
    )
    person, real_shift, depot, item = (uuid.uuid4() for _ in range(4))
    user, swapped, movement, shelter_move = (uuid.uuid4() for _ in range(4))
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        s = uow.session
        s.add(Staff(id=person, name="真实值班员", role="officer", township_id=town.id))
        s.add(
            DutyShift(
                id=real_shift,
                label="真实班次",
                starts_at=NOW + timedelta(days=30),
                ends_at=NOW + timedelta(days=31),
            )
        )
        s.add(SupplyDepot(id=depot, name="县物资储备库（真实）", level="county"))
        s.flush()
        s.add_all(
            [
                DutyAssignment(shift_id=on_duty.id, staff_id=person, role="officer"),
                DutyAssignment(shift_id=real_shift, staff_id=person, role="officer"),
                DutyAssignment(shift_id=real_shift, staff_id=demo_staff[0].id, role="leader"),
                StockItem(id=item, depot_id=depot, category_code="tent", name="帐篷", unit="顶"),
                User(
                    id=user,
                    username="zhang",
                    display_name="张",
                    staff_id=demo_staff[0].id,
                    role="officer",
                ),
            ]
        )
        s.flush()
        people = list(
            s.scalars(select(DutyAssignment.staff_id).where(DutyAssignment.shift_id == other.id))
        )
        s.add_all(
            [
                StockMovement(item_id=item, kind="receipt", delta=100, actor=ACTOR),
                StockMovement(
                    id=movement,
                    item_id=item,
                    kind="issue",
                    delta=-20,
                    incident_id=demo_incident.id,
                    actor=ACTOR,
                ),
                DutySwap(
                    id=swapped,
                    shift_id=other.id,
                    from_staff_id=people[0],
                    to_staff_id=people[1],
                    agreed_by="带班领导",
                    recorded_by=ACTOR,
                ),
                ShelterOccupancyMovement(
                    id=shelter_move,
                    shelter_id=_one(db, select(Shelter.id).where(Shelter.is_demo)),
                    delta=0,
                    actor=ACTOR,
                ),
            ]
        )
        uow.commit()
    DisasterStats(db).record(
        demo_incident.id,
        Figures(affected_population=10),
        actor=ACTOR,
        site=SITE,
        at=max(demo_incident.received_at, NOW - timedelta(minutes=5)),
    )
    handovers = HandoverService(db)
    handover = handovers.record(
        first.id,
        second.id,
        "交班",
        [("跟进演示事件", demo_incident.id), ("跟进真实事件", incident), ("自由事项", None)],
        actor=ACTOR,
        site=SITE,
        at=NOW,
    )
    about_demo = next(i for i in handover.items if i.incident_id == demo_incident.id)
    handovers.close_item(about_demo.id, actor=ACTOR, site=SITE, at=NOW)
    handovers.acknowledge(handover.id, actor="值班员乙", site=SITE, at=NOW)
    with db.read_session() as s:
        entries = s.scalar(select(func.count()).where(IncidentLogEntry.incident_id == incident))
        version = s.scalar(select(DutyShift.version).where(DutyShift.id == real_shift))
    return World(
        incident=incident,
        entries=int(entries or 0),
        person=person,
        on_duty=on_duty.id,
        handed=(first.id, second.id),
        swapped=swapped,
        real_shift=real_shift,
        real_shift_version=int(version or 0),
        handover=handover.id,
        movement=movement,
        item=item,
        user=user,
    )


def _all(db: Database, stmt: Any) -> list[Any]:
    with db.read_session() as s:
        return list(s.scalars(stmt))


def _rows(db: Database) -> dict[str, set[uuid.UUID]]:
    """Every tracked row's id, by change_log entity name."""
    with db.read_session() as s:
        return {
            str(m.__change_entity__): set(s.scalars(select(m.id)))  # type: ignore[attr-defined]
            for m in TRACKED_MODELS
        }


def _demo_left(db: Database) -> dict[str, int]:
    with db.read_session() as s:
        counts = {
            t.name: int(s.scalar(select(func.count()).where(t.c.is_demo.is_(True))) or 0)
            for t in Base.metadata.sorted_tables
            if "is_demo" in t.c
        }
    return {name: n for name, n in counts.items() if n}


def test_every_demo_row_goes_and_real_work_stays(db: Database, world: World) -> None:
    before = _rows(db)
    with db.read_session() as s:
        incident_version = s.scalar(select(Incident.version).where(Incident.id == world.incident))
        stock = s.scalar(
            select(func.sum(StockMovement.delta)).where(StockMovement.item_id == world.item)
        )
        removed_log = set(
            s.scalars(
                select(IncidentLogEntry.id)
                .join(Incident, Incident.id == IncidentLogEntry.incident_id)
                .where(Incident.is_demo)
            )
        )
    assert OverviewService(db).status().has_demo
    seq = latest_seq(db)

    changes = remove_demo(db, actor="管理员", site="center")

    after = _rows(db)
    assert _demo_left(db) == {}
    assert not OverviewService(db).status().has_demo
    assert all(after[t] <= before[t] for t in before), "nothing new"
    removed = {(t, i) for t in before for i in before[t] - after[t]}
    # One change_log delete per removed row, in this one transaction, by this actor.
    deleted = {(r.entity_type, r.entity_id) for r in changes if r.op is ChangeOp.DELETE}
    assert deleted == removed
    assert sum(1 for r in changes if r.op is ChangeOp.DELETE) == len(removed)
    assert removed_log <= {i for t, i in removed if t == "incident_log_entry"}
    with db.read_session() as s:
        logged = s.execute(
            select(ChangeLog.entity_type, ChangeLog.entity_id, ChangeLog.op, ChangeLog.actor).where(
                ChangeLog.seq > seq
            )
        ).all()
    assert len(logged) == len(changes)
    assert {(t, i) for t, i, op, _ in logged if op == "delete"} == removed
    assert {a for *_, a in logged} == {"管理员"}
    # The real rows changed, and nothing else.
    updated = {(r.entity_type, r.entity_id) for r in changes if r.op is ChangeOp.UPDATE}
    assert updated == {
        ("incident", world.incident),
        ("staff", world.person),
        ("duty_shift", world.on_duty),
        ("duty_shift", world.handed[0]),
        ("duty_shift", world.handed[1]),
        ("duty_shift", world.real_shift),
        ("stock_movement", world.movement),
        ("user", world.user),
    }

    with db.read_session() as s:
        incident = s.get(Incident, world.incident)
        assert incident is not None and not incident.is_demo
        assert (incident.township_id, incident.village_id) == (None, None)
        assert incident.address == "龙城镇某小区" and incident.version == incident_version + 1
        assert (
            s.scalar(select(func.count()).where(IncidentLogEntry.incident_id == world.incident))
            == world.entries
        )
        person = s.get(Staff, world.person)
        assert person is not None and person.township_id is None

        def people(shift_id: uuid.UUID) -> set[uuid.UUID]:
            return set(
                s.scalars(
                    select(DutyAssignment.staff_id).where(DutyAssignment.shift_id == shift_id)
                )
            )

        # The demo shift a real person is on, and those a handover names, stay as
        # real shifts with their real people only.
        for shift_id in (world.on_duty, *world.handed):
            shift = s.get(DutyShift, shift_id)
            assert shift is not None and not shift.is_demo
        assert people(world.on_duty) == {world.person}
        assert people(world.handed[0]) == people(world.handed[1]) == set()
        assert s.scalar(select(func.count()).select_from(DutyShift)) == 4
        assert s.get(DutySwap, world.swapped) is None
        # The demo person is off the real shift, whose version went up.
        assert people(world.real_shift) == {world.person}
        real_shift = s.get(DutyShift, world.real_shift)
        assert real_shift is not None and real_shift.version == world.real_shift_version + 1
        # The handover stays whole but for the item about the demo incident.
        assert s.get(Handover, world.handover) is not None
        assert s.scalar(select(func.count()).where(HandoverAck.handover_id == world.handover)) == 1
        texts = set(s.scalars(select(HandoverItem.text)))
        assert texts == {"跟进真实事件", "自由事项"}
        # The stock issued for the demo incident stays issued.
        movement = s.get(StockMovement, world.movement)
        assert movement is not None and movement.incident_id is None
        assert (
            s.scalar(
                select(func.sum(StockMovement.delta)).where(StockMovement.item_id == world.item)
            )
            == stock
        )
        user = s.get(User, world.user)
        assert user is not None and user.staff_id is None
        assert s.scalar(select(func.count()).select_from(IncidentStatistics)) == 0
        assert s.scalar(select(func.count()).select_from(ShelterOccupancyMovement)) == 0

    # The real log is still append-only.
    for sql in (
        "DELETE FROM incident_log_entry WHERE incident_id = :id",
        "UPDATE incident_log_entry SET body = 'x' WHERE incident_id = :id",
    ):
        with pytest.raises(sa_exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql), {"id": _key(db, world.incident)})
    # Nothing left to remove.
    assert len(remove_demo(db, actor="管理员", site="center")) == 0


def test_search_forgets_the_demo_log(db: Database, world: World) -> None:
    if not db.is_sqlite:
        pytest.skip("the search tables are SQLite's; PostgreSQL indexes the rows themselves")
    with db.read_session() as s:
        demo_bodies = list(
            s.scalars(
                select(IncidentLogEntry.body)
                .join(Incident, Incident.id == IncidentLogEntry.incident_id)
                .where(Incident.is_demo)
            )
        )
        real_bodies = list(
            s.scalars(
                select(IncidentLogEntry.body)
                .join(Incident, Incident.id == IncidentLogEntry.incident_id)
                .where(Incident.is_demo.is_(False))
            )
        )

    def pairs(body: str) -> set[str]:
        return {
            body[k : k + 2]
            for k in range(len(body) - 1)
            if all("\u4e00" <= c <= "\u9fff" for c in body[k : k + 2])
        }

    only_demo = sorted(
        set().union(*map(pairs, demo_bodies)) - set().union(*map(pairs, real_bodies))
    )
    assert only_demo

    def matches(pair: str) -> int:
        with db.engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM xcc_log_grams WHERE xcc_log_grams MATCH :q"),
                    {"q": f'"{pair}"'},
                ).scalar_one()
            )

    assert matches(only_demo[0]) > 0
    remove_demo(db, actor="管理员", site="center")
    assert matches(only_demo[0]) == 0
    with db.engine.connect() as conn:
        indexed = conn.execute(text("SELECT count(*) FROM xcc_log_fts")).scalar_one()
        entries = conn.execute(text("SELECT count(*) FROM incident_log_entry")).scalar_one()
    assert indexed == entries == world.entries


def test_removal_is_all_or_nothing(
    db: Database, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _rows(db)
    seq = latest_seq(db)
    real_delete = UnitOfWork.bulk_delete

    def fail_at_townships(self: UnitOfWork, model: type[Any], where: Any) -> list[uuid.UUID]:
        if model is Township:
            raise RuntimeError("power cut")
        return real_delete(self, model, where)

    monkeypatch.setattr(UnitOfWork, "bulk_delete", fail_at_townships)
    with pytest.raises(RuntimeError, match="power cut"):
        remove_demo(db, actor="管理员", site="center")
    assert _rows(db) == before
    assert latest_seq(db) == seq
    assert OverviewService(db).status().has_demo
    with db.read_session() as s:
        incident = s.get(Incident, world.incident)
        assert incident is not None and incident.township_id is not None
        shift = s.get(DutyShift, world.on_duty)
        assert shift is not None and shift.is_demo


def test_real_rows_that_need_demo_rows_are_listed_and_nothing_goes(db: Database) -> None:
    town = _one(db, select(Township).where(Township.is_demo, Township.name == "黄口镇"))
    depot = _one(db, select(SupplyDepot).where(SupplyDepot.is_demo).order_by(SupplyDepot.name))
    village, item = uuid.uuid4(), uuid.uuid4()
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add(Village(id=village, township_id=town.id, name="真实村", kind="village"))
        uow.session.add(
            StockItem(id=item, depot_id=depot.id, category_code="tent", name="真实帐篷", unit="顶")
        )
        uow.commit()
    before, seq = _rows(db), latest_seq(db)
    with pytest.raises(DemoRemovalRefused) as info:
        remove_demo(db, actor="管理员", site="center")
    found = {
        (d.entity_type, d.entity_id, d.demo_entity_type, d.demo_id) for d in info.value.dependents
    }
    assert found == {
        ("village", village, "township", town.id),
        ("stock_item", item, "supply_depot", depot.id),
    }
    assert "真实村" in str(info.value) and "黄口镇" in str(info.value)
    assert _rows(db) == before and latest_seq(db) == seq


def test_append_only_tables_let_only_demo_rows_go(db: Database, world: World) -> None:
    """The triggers themselves, whoever connects."""
    with db.read_session() as s:
        corrected = select(IncidentLogEntry.corrects_id).where(
            IncidentLogEntry.corrects_id.is_not(None)
        )
        demo_entry = s.scalars(
            select(IncidentLogEntry.id)
            .join(Incident, Incident.id == IncidentLogEntry.incident_id)
            .where(Incident.is_demo, IncidentLogEntry.id.not_in(corrected))
        ).first()
        real_entry = s.scalars(
            select(IncidentLogEntry.id).where(IncidentLogEntry.incident_id == world.incident)
        ).first()
        demo_stats = s.scalars(select(IncidentStatistics.id)).first()
        items = {i.text: i.id for i in s.scalars(select(HandoverItem))}
        demo_shift = s.scalars(
            select(DutyShift.id).where(
                DutyShift.is_demo, DutyShift.id.not_in([world.on_duty, *world.handed])
            )
        ).first()
        ack = s.scalars(select(HandoverAck.id)).first()
    assert demo_entry and real_entry and demo_stats and demo_shift and ack
    refused = [
        ("UPDATE incident_log_entry SET body = 'x' WHERE id = :id", demo_entry),
        ("DELETE FROM incident_log_entry WHERE id = :id", real_entry),
        ("DELETE FROM handover_item WHERE id = :id", items["跟进真实事件"]),
        ("DELETE FROM handover_item WHERE id = :id", items["自由事项"]),
        ("UPDATE incident_statistics SET deaths = 1 WHERE id = :id", demo_stats),
        ("DELETE FROM handover WHERE id = :id", world.handover),
        ("DELETE FROM handover_ack WHERE id = :id", ack),
        ("UPDATE incident SET is_demo = true WHERE id = :id", world.incident),
        ("UPDATE staff SET is_demo = true WHERE id = :id", world.person),
        ("UPDATE duty_shift SET is_demo = true WHERE id = :id", world.real_shift),
        ("DELETE FROM change_log WHERE seq = :id", 1),
    ]
    for sql, value in refused:
        key = value if isinstance(value, int) else _key(db, value)
        with (
            pytest.raises(sa_exc.DBAPIError, match=r"append-only|cannot become demo"),
            db.engine.begin() as conn,
        ):
            conn.execute(text(sql), {"id": key})
    allowed = [
        ("DELETE FROM incident_log_entry WHERE id = :id", demo_entry),
        ("DELETE FROM incident_statistics WHERE id = :id", demo_stats),
        ("DELETE FROM handover_item_closure WHERE item_id = :id", items["跟进演示事件"]),
        ("DELETE FROM handover_item WHERE id = :id", items["跟进演示事件"]),
        ("DELETE FROM duty_swap WHERE id = :id", world.swapped),
        # A demo shift real people are on may become real.
        ("UPDATE duty_shift SET is_demo = false WHERE id = :id", demo_shift),
    ]
    for sql, value in allowed:
        with db.engine.begin() as conn:
            assert conn.execute(text(sql), {"id": _key(db, value)}).rowcount == 1, sql


def test_headless_command(
    sqlite_url: URL, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli_demo import main

    db = Database(sqlite_url)
    try:
        upgrade(db)
        load_demo(db, actor="t", site="s", now=NOW)
        first = AccessService(db).ensure_administrator()
        assert first is not None
        monkeypatch.setenv("XCC_PASSWORD", first.password)
        where = ["--db", str(sqlite_url.database)]
        # The one-time password must be changed in the program before use.
        assert main(["remove", "--user", first.name, *where]) == 77
        assert "修改初始密码" in capsys.readouterr().err
        AccessService(db).set_password(first.staff_id, "Admin-2026")
        monkeypatch.setenv("XCC_PASSWORD", "Admin-2026")
        # Nobody signed: nothing removed. A demo officer: not allowed, recorded.
        assert main(["remove", *where]) == 77
        monkeypatch.setenv("XCC_PASSWORD", DEMO_PASSWORD)
        officer = next(
            c for c in AccessService(db).choices(NOW) if c.roles == frozenset({Role.OFFICER})
        )
        assert main(["remove", "--user", officer.name, *where]) == 77
        assert "无权删除演示数据" in capsys.readouterr().err
        assert OverviewService(db).status().has_demo
        monkeypatch.setenv("XCC_PASSWORD", "Admin-2026")
        assert main(["remove", "--user", first.name, *where]) == 0
        assert "已移除" in capsys.readouterr().out
        assert not OverviewService(db).status().has_demo
        assert main(["remove", "--user", first.name, *where]) == 0
        assert "没有演示数据" in capsys.readouterr().out

        load_demo(db, actor="t", site="s", now=NOW)
        town = _one(db, select(Township.id).where(Township.is_demo))
        with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
            uow.session.add(Village(township_id=town, name="真实村", kind="village"))
            uow.commit()
        assert main(["remove", "--user", first.name, *where]) == 1
        assert "真实村" in capsys.readouterr().out
        assert OverviewService(db).status().has_demo
        assert main(["remove", "--nonsense"]) == 64
    finally:
        db.dispose()


def test_a_swap_between_real_people_keeps_its_demo_shift(db: Database) -> None:
    shift = _one(db, select(DutyShift).where(DutyShift.is_demo).order_by(DutyShift.starts_at))
    a, b, swap = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with UnitOfWork(db, actor=ACTOR, site=SITE) as uow:
        uow.session.add_all(
            [Staff(id=a, name="甲", role="officer"), Staff(id=b, name="乙", role="officer")]
        )
        uow.session.flush()
        uow.session.add(
            DutySwap(
                id=swap,
                shift_id=shift.id,
                from_staff_id=a,
                to_staff_id=b,
                agreed_by="带班领导",
                recorded_by=ACTOR,
            )
        )
        uow.commit()
    remove_demo(db, actor="管理员", site="center")
    with db.read_session() as s:
        kept = s.get(DutyShift, shift.id)
        assert kept is not None and not kept.is_demo
        assert s.get(DutySwap, swap) is not None
        assert s.scalar(select(func.count()).where(DutyAssignment.shift_id == shift.id)) == 0
        assert s.scalar(select(func.count()).select_from(DutyShift)) == 1
