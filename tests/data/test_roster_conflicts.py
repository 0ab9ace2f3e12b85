"""No lost update on the duty roster: two seats changing the same shift's people.

Each seat is its own Database on the same file or server, as two desks would be.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from app.data.engine import Database
from app.data.errors import ConflictError
from app.data.migrate import upgrade
from app.data.models import ChangeLog, Staff
from app.data.uow import ChangeSet, UnitOfWork
from app.domain.enums import StaffRole
from app.services.dto import ShiftDTO
from app.services.roster import RosterService, StaleShift, rebase_people

CST = ZoneInfo("Asia/Shanghai")
DAY = date(2030, 3, 4)
OFFICERS = ("值班员甲", "值班员乙", "值班员丙", "值班员丁")


def _setup(db: Database) -> tuple[uuid.UUID, dict[str, uuid.UUID]]:
    """A day shift with a leader on it, and four officers to put on it."""
    ids = {name: uuid.uuid4() for name in ("领导甲", *OFFICERS)}
    with UnitOfWork(db, actor="setup", site="setup") as uow:
        for name, staff_id in ids.items():
            role = StaffRole.LEADER if name.startswith("领导") else StaffRole.OFFICER
            uow.session.add(Staff(id=staff_id, name=name, role=role.value, active=True))
        uow.commit()
    svc = RosterService(db)
    starts = datetime.combine(DAY, clock_time(8, 30), tzinfo=CST)
    shift = svc.define_shift(starts, starts + timedelta(days=1), "3月4日 值班", actor="s", site="s")
    svc.assign(shift, ids["领导甲"], "leader", actor="setup", site="setup")
    return shift, ids


def _people(shift: ShiftDTO) -> dict[uuid.UUID, str]:
    return {p.staff_id: p.role for p in shift.assignments}


def _names(svc: RosterService, shift_id: uuid.UUID) -> set[str]:
    shift = svc.shift(shift_id)
    assert shift is not None
    return {p.name for p in shift.assignments}


def _logged(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(ChangeLog)) or 0)


@pytest.fixture
def seats(migrated_db: Database) -> Iterator[tuple[RosterService, RosterService]]:
    second = Database(migrated_db.url)
    second.schema_revision = migrated_db.schema_revision
    yield RosterService(migrated_db), RosterService(second)
    second.dispose()


def test_stale_seat_is_refused_and_its_retry_keeps_both(
    seats: tuple[RosterService, RosterService],
) -> None:
    one, two = seats
    shift_id, ids = _setup(one.database)
    a, b = ids["值班员甲"], ids["值班员乙"]
    seen_one, seen_two = one.shift(shift_id), two.shift(shift_id)
    assert seen_one is not None and seen_two is not None
    assert seen_one.version == seen_two.version > 0

    # Both open the assign dialog on the same copy; each ticks an officer.
    one.set_assignments(
        shift_id,
        {**_people(seen_one), a: "officer"},
        actor="张三",
        site="seat-1",
        expected_version=seen_one.version,
    )
    chosen = {**_people(seen_two), b: "officer"}
    before = _logged(one.database)
    with pytest.raises(StaleShift) as caught:
        two.set_assignments(
            shift_id, chosen, actor="李四", site="seat-2", expected_version=seen_two.version
        )
    assert isinstance(caught.value, ConflictError)
    assert _logged(one.database) == before, "the refused save wrote nothing"
    assert _names(one, shift_id) == {"领导甲", "值班员甲"}, "seat 1's officer is still there"

    # The refusal says who changed the shift, when, and how it is now.
    current, who = caught.value.current, caught.value.last_change
    assert current is not None and who is not None
    assert (who.actor, who.origin_site) == ("张三", "seat-1")
    assert abs(who.at - datetime.now(CST)) < timedelta(minutes=5)
    assert current.version == seen_two.version + 1
    assert a in _people(current)

    # Applying seat 2's edit (add B) on top of the fresh copy keeps seat 1's A.
    wanted = rebase_people(_people(seen_two), chosen, _people(current))
    assert wanted == {ids["领导甲"]: "leader", a: "officer", b: "officer"}
    two.set_assignments(
        shift_id, wanted, actor="李四", site="seat-2", expected_version=current.version
    )
    assert _names(one, shift_id) == {"领导甲", "值班员甲", "值班员乙"}
    assert two.last_change(shift_id) is not None
    assert two.last_change(shift_id).actor == "李四"  # type: ignore[union-attr]


def test_rebase_keeps_the_users_edits_and_everyone_elses() -> None:
    lead, a, b, c = (uuid.uuid4() for _ in range(4))
    seen = {lead: "leader", c: "officer"}
    # The user removed C and added B; meanwhile someone added A.
    chosen = {lead: "leader", b: "officer"}
    current = {lead: "leader", a: "officer", c: "officer"}
    assert rebase_people(seen, chosen, current) == {lead: "leader", a: "officer", b: "officer"}
    # Someone removed what the user left alone: it stays removed.
    assert rebase_people(seen, seen, {lead: "leader"}) == {lead: "leader"}
    # Both made the same change: no double entry, no resurrection.
    assert rebase_people(seen, {lead: "leader"}, {lead: "leader"}) == {lead: "leader"}


def _each_change(
    svc: RosterService, shift_id: uuid.UUID, ids: dict[str, uuid.UUID]
) -> list[tuple[str, Callable[[int], ChangeSet]]]:
    w: dict[str, Any] = {"actor": "t", "site": "t"}
    return [
        (
            "assign",
            lambda v: svc.assign(shift_id, ids["值班员甲"], "officer", **w, expected_version=v),
        ),
        (
            "swap",
            lambda v: svc.swap(
                shift_id, ids["值班员甲"], ids["值班员乙"], "领导甲", None, **w, expected_version=v
            ),
        ),
        (
            "set_assignments",
            lambda v: svc.set_assignments(
                shift_id,
                {ids["领导甲"]: "leader", ids["值班员乙"]: "officer", ids["值班员丙"]: "officer"},
                **w,
                expected_version=v,
            ),
        ),
        ("unassign", lambda v: svc.unassign(shift_id, ids["值班员丙"], **w, expected_version=v)),
    ]


def test_every_change_of_people_checks_and_bumps_the_version(
    seats: tuple[RosterService, RosterService],
) -> None:
    one, two = seats
    shift_id, ids = _setup(one.database)
    for name, change in _each_change(one, shift_id, ids):
        shift = one.shift(shift_id)
        assert shift is not None
        before_people, before_log = _people(shift), _logged(one.database)
        with pytest.raises(StaleShift):
            change(shift.version - 1)
        after = one.shift(shift_id)
        assert after is not None
        assert (after.version, _people(after), _logged(one.database)) == (
            shift.version,
            before_people,
            before_log,
        ), f"{name}: a stale copy changed something"
        changes = change(shift.version)
        assert "duty_shift" in changes.entity_types(), name
        after = one.shift(shift_id)
        assert after is not None and after.version == shift.version + 1, name
    # The other seat's copy is now stale for a drop as well.
    with pytest.raises(StaleShift):
        two.assign(shift_id, ids["值班员丁"], "officer", actor="t", site="t", expected_version=1)


def test_saving_the_same_people_writes_nothing(
    seats: tuple[RosterService, RosterService],
) -> None:
    one, _two = seats
    shift_id, _ids = _setup(one.database)
    shift = one.shift(shift_id)
    assert shift is not None
    before = _logged(one.database)
    changes = one.set_assignments(
        shift_id, _people(shift), actor="t", site="t", expected_version=shift.version
    )
    assert len(changes) == 0 and _logged(one.database) == before
    again = one.shift(shift_id)
    assert again is not None and again.version == shift.version


def test_seats_racing_on_one_shift_never_both_win(
    seats: tuple[RosterService, RosterService],
) -> None:
    """Rounds of two threads, each its own transaction from the same version."""
    one = seats[0]
    shift_id, ids = _setup(one.database)
    for _round in range(5):
        shift = one.shift(shift_id)
        assert shift is not None
        free = [ids[o] for o in OFFICERS if ids[o] not in _people(shift)]
        wanted = [{ids["领导甲"]: "leader", person: "officer"} for person in free[:2]]
        barrier = threading.Barrier(2)
        results: list[object] = [None, None]

        def run(
            i: int,
            svc: RosterService,
            version: int = shift.version,
            wanted: list[dict[uuid.UUID, str]] = wanted,
            barrier: threading.Barrier = barrier,
            results: list[object] = results,
        ) -> None:
            barrier.wait(10)
            try:
                svc.set_assignments(
                    shift_id, wanted[i], actor=f"seat-{i}", site="t", expected_version=version
                )
                results[i] = "ok"
            except BaseException as exc:  # noqa: BLE001 - checked below
                results[i] = exc

        threads = [threading.Thread(target=run, args=(i, svc)) for i, svc in enumerate(seats)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(type(r).__name__ for r in results) == ["StaleShift", "str"], results
        winner = results.index("ok")
        after = one.shift(shift_id)
        assert after is not None and after.version == shift.version + 1
        assert _people(after) == wanted[winner]


@pytest.mark.postgres
def test_postgres_second_writer_waits_then_is_refused(
    pg_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seat 2 starts while seat 1's transaction is open on the same version: it waits
    for the shift row, then finds the new version and is refused; seat 1 wins."""
    first, second = Database(pg_url), Database(pg_url)
    try:
        upgrade(first)
        second.schema_revision = first.schema_revision
        one, two = RosterService(first), RosterService(second)
        shift_id, ids = _setup(first)
        seen = one.shift(shift_id)
        assert seen is not None
        inside, go = threading.Event(), threading.Event()
        add = one._add

        def slow_add(*args: Any) -> None:
            add(*args)
            inside.set()  # seat 1 holds the shift row, its transaction still open
            assert go.wait(20)

        monkeypatch.setattr(one, "_add", slow_add)
        results: dict[str, object] = {}

        def run(name: str, svc: RosterService, person: uuid.UUID) -> None:
            try:
                svc.set_assignments(
                    shift_id,
                    {**_people(seen), person: "officer"},
                    actor=name,
                    site=name,
                    expected_version=seen.version,
                )
                results[name] = "ok"
            except BaseException as exc:  # noqa: BLE001 - checked below
                results[name] = exc

        t1 = threading.Thread(target=run, args=("seat-1", one, ids["值班员甲"]))
        t1.start()
        assert inside.wait(20)
        t2 = threading.Thread(target=run, args=("seat-2", two, ids["值班员乙"]))
        t2.start()
        conninfo = pg_url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True) as watch:
            deadline = time.monotonic() + 20
            while not watch.execute(  # a lock wait in this database, not another test's
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE NOT l.granted AND a.datname = current_database()"
            ).fetchone()[0]:  # type: ignore[index]
                assert time.monotonic() < deadline, "seat 2 never waited for the shift row"
                time.sleep(0.02)
        go.set()
        t1.join(30)
        t2.join(30)
        assert results["seat-1"] == "ok"
        refused = results["seat-2"]
        assert isinstance(refused, StaleShift), refused
        assert refused.last_change is not None and refused.last_change.actor == "seat-1"
        assert _names(one, shift_id) == {"领导甲", "值班员甲"}
        after = one.shift(shift_id)
        assert after is not None and after.version == seen.version + 1
    finally:
        first.dispose()
        second.dispose()
