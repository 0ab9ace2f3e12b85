"""The synchronisation's properties under random work, random order and damaged packets.

A Hypothesis state machine: a command center and two field vehicles taken out
from it (their clocks off by up to ±12 hours) do every kind of write the sync
carries (new shelters and incidents, edits of register fields, occupancy and
stock movements, incident log entries, retirements, deletions of duty
assignments and occupancy movements) while packets travel in random order, by
network (in memory) and by file, applied twice, applied late (an older packet
after a newer one), lost and sent again, and cut short (refused, nothing
changed). At the end everyone synchronises until nothing new arrives, and:

- every site holds the same records;
- every change-log entry made anywhere is held exactly once at every site;
- two sites that changed the same field without seeing each other's change
  either wrote the same value or the other value is listed in ``sync_conflict``;
  a retirement and a concurrent edit, and a deletion and a concurrent edit,
  are listed as conflicts too.

The center is SQLite in one parametrisation and PostgreSQL in the other;
vehicles are always SQLite files. The default run is short; for a longer one::

    XCC_SYNC_EXAMPLES=500 XCC_SYNC_STEPS=50 QT_QPA_PLATFORM=offscreen \\
        .venv/bin/python -m pytest -q -n 0 --timeout=0 tests/sync/test_sync_properties.py

(``XCC_SYNC_EXAMPLES`` applies to the SQLite center; the PostgreSQL center runs a
third of it, at least 4.) A failing run reports the sequence of steps as found;
each step costs tens of milliseconds of real database work, so shrinking it to
the shortest one takes minutes and is left to ``XCC_SYNC_SHRINK=1`` (with
``--timeout=0``: the suite otherwise ends a test after 300 s).
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.data.engine import Database
from app.data.models import (
    ChangeLog,
    DutyAssignment,
    DutyShift,
    Incident,
    IncidentLogEntry,
    Shelter,
    ShelterOccupancyMovement,
    Staff,
    StockItem,
    StockMovement,
    SupplyDepot,
    SyncConflict,
)
from app.data.uow import UnitOfWork
from app.sync.codec import encode
from app.sync.collect import TABLES, collect
from app.sync.merge import apply_packet
from app.sync.packet import Packet
from app.sync.service import SyncService
from app.sync.sites import SYNC_ENTITY
from app.sync.types import ConflictKind, PacketDamaged
from tests.sync.conftest import START, dump, fresh_center, seed, vehicle_from

EXAMPLES = int(os.environ.get("XCC_SYNC_EXAMPLES", "15"))
STEPS = int(os.environ.get("XCC_SYNC_STEPS", "20"))
PHASES = (
    tuple(Phase)
    if os.environ.get("XCC_SYNC_SHRINK")
    else (
        Phase.explicit,
        Phase.reuse,
        Phase.generate,
    )
)

CENTER, V1, V2 = 0, 1, 2
SITES = st.sampled_from([CENTER, V1, V2])
LINKS = [(V1, CENTER), (V2, CENTER), (CENTER, V1), (CENTER, V2)]
SKEW = st.integers(min_value=-12 * 3600, max_value=12 * 3600).map(lambda s: timedelta(seconds=s))

# Fields a duty officer edits, with few values each, so that two sites often
# write the same value (merged) and often different ones (a conflict).
EDITS: dict[str, dict[str, list[Any]]] = {
    "shelter": {
        "capacity": [200, 300, 400],
        "manager": ["张三", "李四", None],
        "phone": ["0557-5011234", "0557-5029876"],
    },
    "incident": {
        "title": ["龙城镇内涝", "黄口镇民房倒塌"],
        "severity": ["I", "II", "III", "IV"],
        "status": ["received", "verified", "handling"],
    },
    "supply_depot": {"manager": ["王五", "赵六"], "phone": ["0557-5030001", "0557-5030002"]},
    "stock_item": {"min_quantity": [0.0, 10.0, 25.0], "batch": ["B1", "B2"]},
    "duty_assignment": {"role": ["leader", "officer"]},
}
MODELS: dict[str, type[Any]] = {
    "shelter": Shelter,
    "incident": Incident,
    "supply_depot": SupplyDepot,
    "stock_item": StockItem,
    "duty_assignment": DutyAssignment,
    "shelter_occupancy_movement": ShelterOccupancyMovement,
}
REGISTERS = ["shelter", "supply_depot"]
REASONS = ["设施损毁", "合并到新址"]

Key = tuple[str, int]  # a change's origin: (site code, seq there)


@dataclass(frozen=True)
class Write:
    """One change made at a site, as the machine remembers it."""

    kind: str  # edit / retire / delete
    entity_type: str
    entity_id: uuid.UUID
    field: str | None
    value: Any
    origin: str  # the site's code
    seq: int
    held: frozenset[Key]  # the changes the site held when it made this one

    @property
    def key(self) -> Key:
        return (self.origin, self.seq)


def concurrent(a: Write, b: Write) -> bool:
    return a.origin != b.origin and b.key not in a.held and a.key not in b.held


def as_json(entity_type: str, field: str, value: Any) -> str | None:
    """A value as ``sync_conflict`` holds it."""
    if value is None:
        return None
    return json.dumps(
        encode(TABLES[entity_type].c[field], value), ensure_ascii=False, sort_keys=True
    )


def held_keys(db: Database, code: str) -> list[Key]:
    """Every change-log entry at ``db`` (not about synchronisation itself), by origin."""
    with db.read_session() as s:
        rows = s.execute(
            select(ChangeLog.replica, ChangeLog.origin_seq, ChangeLog.seq).where(
                ChangeLog.entity_type != SYNC_ENTITY
            )
        ).all()
    return [(r.replica or code, r.origin_seq if r.origin_seq is not None else r.seq) for r in rows]


def log_count(db: Database) -> int:
    with db.read_session() as s:
        return int(s.scalar(select(func.count()).select_from(ChangeLog)) or 0)


class Site:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.code = SyncService(db).site().code


class FieldSync(RuleBasedStateMachine):
    """A center and two vehicles working and synchronising in random order."""

    # Set by the test function: the backend of the center and a scratch folder.
    backend: ClassVar[str] = "sqlite"
    folder: ClassVar[Path] = Path()

    def __init__(self) -> None:
        super().__init__()
        self.sites: list[Site] = []
        self.dispose: list[Callable[[], None]] = []
        self.writes: list[Write] = []
        self.sent: list[tuple[int, int, Packet | Path]] = []  # kept to apply late
        self.ids: dict[str, uuid.UUID] = {}
        self.staff: dict[int, list[uuid.UUID]] = {}
        self.files = 0
        self.taken_out: set[Key] = set()

    # -- set-up -------------------------------------------------------------
    @initialize(skew1=SKEW, skew2=SKEW)
    def take_out(self, skew1: timedelta, skew2: timedelta) -> None:
        center, drop = fresh_center(self.backend, self.folder)
        self.dispose.append(drop)
        self.ids = seed(center)
        staff = {i: [uuid.uuid4() for _ in range(3)] for i in (CENTER, V1, V2)}
        self.staff = staff

        def more(s: Any) -> None:
            depot = SupplyDepot(name="县级储备库", level="county", township_id=self.ids["town"])
            s.add(depot)
            s.flush()
            item = StockItem(depot_id=depot.id, category_code="1010101", name="矿泉水", unit="箱")
            s.add(item)
            s.flush()
            s.add(StockMovement(item_id=item.id, kind="receipt", delta=100.0, actor="库管"))
            shift = DutyShift(label="白班", starts_at=START, ends_at=START + timedelta(hours=12))
            s.add(shift)
            incident = Incident(
                title="龙城镇内涝",
                category="natural",
                incident_type="flood",
                severity="IV",
                status="received",
                received_at=START,
                source="phone",
            )
            s.add(incident)
            for site, people in staff.items():
                for n, person in enumerate(people):
                    s.add(Staff(id=person, name=f"值班员{site}{n}", role="officer"))
            s.flush()
            self.ids.update(depot=depot.id, item=item.id, shift=shift.id)

        with UnitOfWork(center, actor="tester", site="test-site") as uow:
            more(uow.session)
            uow.commit()
        self.sites = [Site(center)]
        for name, skew in (("一号车", skew1), ("二号车", skew2)):
            vehicle = vehicle_from(center, self.folder, name, skew)
            self.dispose.append(vehicle.dispose)
            self.sites.append(Site(vehicle))
        # The package carries the records, not the center's history before it.
        self.taken_out = set(held_keys(center, self.sites[CENTER].code))

    def teardown(self) -> None:
        for drop in reversed(self.dispose):
            drop()

    # -- helpers --------------------------------------------------------------
    def _write(self, site: int, fn: Callable[[Any], None]) -> dict[tuple[str, uuid.UUID], int]:
        """Run ``fn`` in a unit of work at ``site``; the seq of each record it changed."""
        with UnitOfWork(self.sites[site].db, actor=f"op{site}", site=f"seat{site}") as uow:
            fn(uow.session)
            changes = uow.commit()
        return {(r.entity_type, r.entity_id): r.seq for r in changes}

    def _ids(self, site: int, entity_type: str, where: Any = None) -> list[uuid.UUID]:
        model = MODELS[entity_type]
        stmt = select(model.id)
        if where is not None:
            stmt = stmt.where(where)
        with self.sites[site].db.read_session() as s:
            return sorted(s.scalars(stmt), key=str)

    def _note(
        self,
        kind: str,
        site: int,
        entity_type: str,
        entity_id: uuid.UUID,
        values: dict[str | None, Any],
        seqs: dict[tuple[str, uuid.UUID], int],
        held: list[Key],
    ) -> None:
        seq = seqs.get((entity_type, entity_id))
        if seq is None:  # the same value again: nothing written
            return
        for field, value in values.items():
            self.writes.append(
                Write(
                    kind,
                    entity_type,
                    entity_id,
                    field,
                    value,
                    self.sites[site].code,
                    seq,
                    frozenset(held),
                )
            )

    def _clock(self, site: int) -> datetime:
        return self.sites[site].db.clock()

    # -- work -------------------------------------------------------------------
    @rule(site=SITES, capacity=st.sampled_from([150, 300]))
    def add_shelter(self, site: int, capacity: int) -> None:
        self._write(
            site,
            lambda s: s.add(
                Shelter(
                    name=f"临时安置点{site}",
                    shelter_type="indoor",
                    capacity=capacity,
                    township_id=self.ids["town"],
                )
            ),
        )

    @rule(site=SITES, severity=st.sampled_from(["III", "IV"]))
    def add_incident(self, site: int, severity: str) -> None:
        received = self._clock(site)
        self._write(
            site,
            lambda s: s.add(
                Incident(
                    title=f"接报{site}",
                    category="natural",
                    incident_type="flood",
                    severity=severity,
                    status="received",
                    received_at=received,
                    source="phone",
                )
            ),
        )

    @rule(site=SITES, entity_type=st.sampled_from(sorted(EDITS)), data=st.data())
    def edit(self, site: int, entity_type: str, data: st.DataObject) -> None:
        ids = self._ids(site, entity_type)
        if not ids:
            return
        entity_id = data.draw(st.sampled_from(ids), label="record")
        field = data.draw(st.sampled_from(sorted(EDITS[entity_type])), label="field")
        value = data.draw(st.sampled_from(EDITS[entity_type][field]), label="value")
        held = held_keys(self.sites[site].db, self.sites[site].code)

        def change(s: Any) -> None:
            setattr(s.get(MODELS[entity_type], entity_id), field, value)

        seqs = self._write(site, change)
        self._note("edit", site, entity_type, entity_id, {field: value}, seqs, held)

    @rule(site=SITES, entity_type=st.sampled_from(REGISTERS), data=st.data())
    def retire(self, site: int, entity_type: str, data: st.DataObject) -> None:
        model = MODELS[entity_type]
        ids = self._ids(site, entity_type, model.retired_at.is_(None))
        if not ids:
            return
        entity_id = data.draw(st.sampled_from(ids), label="record")
        reason = data.draw(st.sampled_from(REASONS), label="reason")
        held = held_keys(self.sites[site].db, self.sites[site].code)
        when = self._clock(site)

        def change(s: Any) -> None:
            row = s.get(model, entity_id)
            row.retired_at, row.retired_reason = when, reason

        seqs = self._write(site, change)
        values: dict[str | None, Any] = {"retired_at": when, "retired_reason": reason}
        self._note("retire", site, entity_type, entity_id, values, seqs, held)

    @rule(site=SITES, data=st.data(), delta=st.sampled_from([-40, -5, 5, 30, 160]))
    def occupancy(self, site: int, data: st.DataObject, delta: int) -> None:
        shelters = self._ids(site, "shelter")
        shelter = data.draw(st.sampled_from(shelters), label="shelter")
        self._write(
            site,
            lambda s: s.add(
                ShelterOccupancyMovement(shelter_id=shelter, delta=delta, actor=f"op{site}")
            ),
        )

    @rule(site=SITES, delta=st.sampled_from([-80.0, -20.0, 20.0, 50.0]))
    def stock(self, site: int, delta: float) -> None:
        kind = "receipt" if delta > 0 else "issue"
        self._write(
            site,
            lambda s: s.add(
                StockMovement(item_id=self.ids["item"], kind=kind, delta=delta, actor=f"op{site}")
            ),
        )

    @rule(site=SITES, data=st.data(), body=st.sampled_from(["已派出救援队", "转移群众 40 人"]))
    def log_entry(self, site: int, data: st.DataObject, body: str) -> None:
        incident = data.draw(st.sampled_from(self._ids(site, "incident")), label="incident")
        at = self._clock(site)
        self._write(
            site,
            lambda s: s.add(
                IncidentLogEntry(
                    incident_id=incident, kind="note", body=body, at=at, actor=f"op{site}"
                )
            ),
        )

    @rule(site=SITES, data=st.data(), role=st.sampled_from(["leader", "officer"]))
    def assign(self, site: int, data: st.DataObject, role: str) -> None:
        # Each site puts its own people on duty: two sites putting the same
        # person on the same shift at once is a duplicate by design.
        taken = {a for a in self._staff_on_duty(site) if a in self.staff[site]}
        free = [p for p in self.staff[site] if p not in taken]
        if not free:
            return
        person = data.draw(st.sampled_from(free), label="person")
        self._write(
            site,
            lambda s: s.add(DutyAssignment(shift_id=self.ids["shift"], staff_id=person, role=role)),
        )

    def _staff_on_duty(self, site: int) -> set[uuid.UUID]:
        with self.sites[site].db.read_session() as s:
            return set(s.scalars(select(DutyAssignment.staff_id)))

    @rule(
        site=SITES,
        entity_type=st.sampled_from(["duty_assignment", "shelter_occupancy_movement"]),
        data=st.data(),
    )
    def delete(self, site: int, entity_type: str, data: st.DataObject) -> None:
        ids = self._ids(site, entity_type)
        if not ids:
            return
        entity_id = data.draw(st.sampled_from(ids), label="record")
        held = held_keys(self.sites[site].db, self.sites[site].code)
        seqs = self._write(site, lambda s: s.delete(s.get(MODELS[entity_type], entity_id)))
        self._note("delete", site, entity_type, entity_id, {None: None}, seqs, held)

    # -- synchronisation -----------------------------------------------------------
    def _collect(self, src: int, dst: int, by_file: bool) -> Packet | Path:
        if by_file:
            self.files += 1
            path = self.folder / f"p{self.files}-{uuid.uuid4().hex[:6]}.xccsync"
            SyncService(self.sites[src].db).write_packet(path, self.sites[dst].code)
            return path
        return collect(self.sites[src].db, self.sites[dst].code, now=self._clock(src))

    def _apply(self, dst: int, packet: Packet | Path) -> int:
        db = self.sites[dst].db
        if isinstance(packet, Path):
            return SyncService(db).apply_packet_file(packet).new_changes
        result = apply_packet(
            db, packet, actor=f"op{dst}", site=f"seat{dst}", now=self._clock(dst), network=True
        )
        return result.new_changes

    @rule(link=st.sampled_from(LINKS), by_file=st.booleans(), twice=st.booleans())
    def send(self, link: tuple[int, int], by_file: bool, twice: bool) -> None:
        src, dst = link
        packet = self._collect(src, dst, by_file)
        self.sent.append((src, dst, packet))
        self._apply(dst, packet)
        if twice:  # the same packet again (a copy applied twice, a retry)
            before, entries = dump(self.sites[dst].db), log_count(self.sites[dst].db)
            assert self._apply(dst, packet) == 0
            assert dump(self.sites[dst].db) == before
            # Only this database's own note of the apply is added.
            assert log_count(self.sites[dst].db) == entries + 1

    @rule(link=st.sampled_from(LINKS), by_file=st.booleans())
    def lose(self, link: tuple[int, int], by_file: bool) -> None:
        """A packet made and not delivered (yet): the next one carries it again."""
        src, dst = link
        self.sent.append((src, dst, self._collect(src, dst, by_file)))

    @precondition(lambda self: bool(self.sent))
    @rule(data=st.data())
    def deliver_late(self, data: st.DataObject) -> None:
        """An older packet, perhaps after newer ones were applied."""
        _src, dst, packet = data.draw(st.sampled_from(self.sent), label="packet")
        db = self.sites[dst].db
        before = dump(db)
        if self._apply(dst, packet) == 0:
            assert dump(db) == before

    @rule(link=st.sampled_from(LINKS), cut=st.floats(min_value=0.0, max_value=0.99))
    def truncated(self, link: tuple[int, int], cut: float) -> None:
        src, dst = link
        path = self._collect(src, dst, by_file=True)
        assert isinstance(path, Path)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * cut)])
        db = self.sites[dst].db
        before, entries = dump(db), log_count(db)
        with pytest.raises(PacketDamaged):
            SyncService(db).apply_packet_file(path)
        assert dump(db) == before
        assert log_count(db) == entries

    # -- the end ----------------------------------------------------------------------
    def sync_until_quiet(self) -> None:
        for _ in range(6):
            new = 0
            for src, dst in LINKS:
                packet = self._collect(src, dst, by_file=False)
                new += self._apply(dst, packet)
            if new == 0:
                return
        raise AssertionError("the sites still exchange new changes after 6 rounds")

    @invariant()
    def nothing_held_twice(self) -> None:
        for site in self.sites:
            keys = Counter(held_keys(site.db, site.code))
            assert [k for k, n in keys.items() if n > 1] == []

    def check_converged(self) -> None:
        self.sync_until_quiet()
        dumps = [dump(site.db) for site in self.sites]
        for name in dumps[0]:
            assert dumps[1][name] == dumps[0][name], f"{name}: vehicle 1 differs from the center"
            assert dumps[2][name] == dumps[0][name], f"{name}: vehicle 2 differs from the center"
        everywhere = [Counter(held_keys(site.db, site.code)) for site in self.sites]
        made = set().union(*everywhere) - self.taken_out
        for site, keys in zip(self.sites, everywhere, strict=True):
            missing = made - set(keys)
            assert not missing, f"{site.code} lacks {sorted(missing)[:5]}"
            assert all(n == 1 for n in keys.values())
        self.check_conflicts()

    def check_conflicts(self) -> None:
        db = self.sites[CENTER].db
        with db.read_session() as s:
            conflicts = s.scalars(select(SyncConflict)).all()
            listed: dict[tuple[uuid.UUID, str | None, str], list[SyncConflict]] = {}
            for c in conflicts:
                listed.setdefault((c.entity_id, c.field, c.kind), []).append(c)
            alive = {
                (entity_type, entity_id)
                for entity_type, entity_id in {(w.entity_type, w.entity_id) for w in self.writes}
                if s.get(MODELS[entity_type], entity_id) is not None
            }
            final = {
                (w.entity_type, w.entity_id, str(w.field)): getattr(
                    s.get(MODELS[w.entity_type], w.entity_id), w.field
                )
                for w in self.writes
                if w.field and (w.entity_type, w.entity_id) in alive
            }
        edits = [w for w in self.writes if w.kind != "delete"]
        for a in edits:
            rivals = [b for b in edits if _same_field(a, b) and concurrent(a, b)]
            if not rivals or (a.entity_type, a.entity_id) not in alive:
                continue
            for b in rivals:
                if not (self._last_before(a, b) and self._last_before(b, a)):
                    continue
                if _equal(a.value, b.value):
                    continue  # merged: the same value on both sides
                value = final[(a.entity_type, a.entity_id, str(a.field))]
                if _equal(a.value, value):
                    continue  # a's value stands; b's is checked in its turn
                # Compared as JSON values: a quantity may come back from the
                # database as 10 where it was written as 10.0.
                shown = as_json(a.entity_type, str(a.field), a.value)
                wanted = json.loads(shown) if shown is not None else None
                found = [
                    c
                    for c in listed.get((a.entity_id, a.field, ConflictKind.FIELD.value), [])
                    if wanted
                    in (
                        json.loads(c.kept_value) if c.kept_value else None,
                        json.loads(c.lost_value) if c.lost_value else None,
                    )
                ]
                assert found, (
                    f"{a.entity_type}.{a.field}: {a.value!r} written at {a.origin} and "
                    f"{b.value!r} at {b.origin} without seeing each other; {value!r} stands "
                    f"and {a.value!r} is not listed in sync_conflict"
                )
        retired = [w for w in self.writes if w.kind == "retire" and w.field == "retired_at"]
        for r in retired:
            for e in edits:
                if e.kind == "edit" and _same_record(r, e) and concurrent(r, e):
                    assert (r.entity_id, "retired_at", ConflictKind.RETIRED.value) in listed, (
                        f"{r.entity_type} retired at {r.origin} and {e.field} edited at "
                        f"{e.origin} without seeing each other: no conflict listed"
                    )
        for d in (w for w in self.writes if w.kind == "delete"):
            for e in edits:
                if _same_record(d, e) and concurrent(d, e):
                    assert (d.entity_id, None, ConflictKind.DELETED.value) in listed, (
                        f"{d.entity_type} deleted at {d.origin} and {e.field} edited at "
                        f"{e.origin} without seeing each other: no conflict listed"
                    )

    def _last_before(self, a: Write, b: Write) -> bool:
        """Whether ``a`` is its site's last write of the field before the site saw ``b``."""
        return not any(
            w.origin == a.origin and _same_field(w, a) and w.seq > a.seq and b.key not in w.held
            for w in self.writes
        )


def _same_record(a: Write, b: Write) -> bool:
    return (a.entity_type, a.entity_id) == (b.entity_type, b.entity_id)


def _same_field(a: Write, b: Write) -> bool:
    return _same_record(a, b) and a.field == b.field and a.field is not None


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return bool(a == b)


class FieldSyncChecked(FieldSync):
    """The machine, checked at the end of each run (the final step)."""

    def teardown(self) -> None:
        try:
            if self.sites:
                self.check_converged()
        finally:
            super().teardown()


@pytest.mark.parametrize(
    ("backend", "examples"),
    [
        ("sqlite", EXAMPLES),
        pytest.param("postgresql", max(4, EXAMPLES // 3), marks=pytest.mark.postgres),
    ],
)
def test_sites_converge_under_random_work_and_delivery(
    backend: str, examples: int, tmp_path: Path
) -> None:
    FieldSyncChecked.backend = backend
    FieldSyncChecked.folder = tmp_path
    run_state_machine_as_test(
        FieldSyncChecked,
        settings=settings(
            max_examples=examples,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            phases=PHASES,
        ),
    )
