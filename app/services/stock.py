"""Depots and stock: batch lines, movements, the catalogue, minimum levels, and what they tell.

A stock line (:class:`~app.data.models.StockItem`) is one batch of one
catalogue entry in one depot, with its expiry date (a China-time date); its
quantity on hand is the sum of its signed movements. Every movement goes
through the retry loop of :class:`~app.services.movements.MovementService`:
the line is locked (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on
SQLite), the sum read after the lock, the rule checked, the movement written,
all in one unit of work retried on transient failures, so two seats moving
the same stock at once give exact totals and never a negative one.

Reads: :meth:`StockService.lines`, :meth:`~StockService.depot_summary`,
:meth:`~StockService.movements`, :meth:`~StockService.catalogue`,
:meth:`~StockService.reminders` (rotation), :meth:`~StockService.shortfalls`
(below the minimum, 储备定额), :meth:`~StockService.nearest` (nearest N of an
item), :meth:`~StockService.days_of_supply` (for the people in shelters now).

"Usable" quantity is the quantity on hand of lines not yet expired on
``today`` (a batch is usable through its expiry day); allocations to incidents
have already left the line, so on hand is unallocated.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.data.engine import Database
from app.data.models import (
    DepotMinimum,
    Incident,
    IncidentLogEntry,
    Shelter,
    ShelterOccupancyMovement,
    StockItem,
    StockMovement,
    SupplyCatalogItem,
    SupplyDepot,
)
from app.data.uow import UnitOfWork
from app.domain.access import Action
from app.domain.clock import china_date
from app.domain.enums import IncidentStatus, KeyNeed, LogEntryKind, StockMovementKind
from app.domain.geo import distance_m
from app.domain.labels import Family, label
from app.domain.rules import RuleViolation
from app.domain.supplies import (
    NAME_MAX,
    UNIT_MAX,
    Rotation,
    code_problem_text,
    days_of_supply,
    normalize_code,
    rotation,
    usable,
)
from app.services.access import require
from app.services.movements import NOTE_MAX, MovementService, stock_delta

BATCH_MAX = 64
NEAREST_LIMIT_MAX = 200


# -- what the reads return ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StockLineDTO:
    """One batch line of a depot, as it is on ``today``."""

    id: uuid.UUID
    depot_id: uuid.UUID
    depot_name: str
    catalog_item_id: uuid.UUID | None
    code: str  # seven digits (GB/T 38565-2020) or, for an old line, what it was typed as
    name: str
    unit: str
    batch: str | None
    expiry_date: date | None  # China-time date; usable through that day
    quantity: float  # on hand, to the hundredth
    rotation: Rotation | None  # expired / within 30 / within 90 days, or None
    minimum: float | None  # the depot's minimum of this catalogue entry (储备定额)
    item_usable: float  # usable of this catalogue entry in this depot, all batches
    below_minimum: bool  # item_usable < minimum
    is_demo: bool
    version: int


@dataclass(frozen=True, slots=True)
class DepotStockSummary:
    """A depot's stock at a glance, for the depot list."""

    depot_id: uuid.UUID
    lines: int  # lines with something on hand
    below_minimum: int  # catalogue entries whose usable quantity is below the minimum
    expired: int  # lines past their expiry date with something on hand


@dataclass(frozen=True, slots=True)
class StockMovementDTO:
    id: uuid.UUID
    item_id: uuid.UUID
    kind: str  # StockMovementKind
    kind_label: str
    delta: float  # signed, in the line's unit
    at: datetime
    actor: str
    note: str | None
    incident_id: uuid.UUID | None
    transfer_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class DepotChoice:
    id: uuid.UUID
    name: str
    level: str  # DepotLevel


@dataclass(frozen=True, slots=True)
class CatalogEntryDTO:
    id: uuid.UUID
    code: str  # seven digits
    name: str
    unit: str
    key_need: str | None  # KeyNeed
    ration: float | None  # per person, in ``unit`` (per day when ration_per_day)
    ration_per_day: bool
    retired: bool
    is_demo: bool
    version: int


@dataclass(frozen=True, slots=True)
class Reminder:
    """A batch to rotate (收储轮换): expired, or expiring within 30 or 90 days."""

    bucket: Rotation
    days_left: int  # negative when expired
    line_id: uuid.UUID
    depot_id: uuid.UUID
    depot_name: str
    code: str
    name: str
    unit: str
    batch: str | None
    expiry_date: date
    quantity: float


@dataclass(frozen=True, slots=True)
class Shortfall:
    """A depot holding less usable of an entry than its minimum (储备缺口)."""

    depot_id: uuid.UUID
    depot_name: str
    catalog_item_id: uuid.UUID
    code: str
    name: str
    unit: str
    minimum: float
    usable: float
    missing: float  # minimum - usable, > 0


@dataclass(frozen=True, slots=True)
class NearestDepot:
    """A depot in the answer to "nearest N of item X", nearest first."""

    depot_id: uuid.UUID
    name: str
    level: str  # DepotLevel
    lon: float
    lat: float
    distance_km: float  # great circle from the point
    usable: float  # unexpired, on hand, of the item here
    running_total: float  # usable of this depot and every nearer one
    covers: bool  # the running total reaches the need here


@dataclass(frozen=True, slots=True)
class SupplyDays:
    """Days of supply of one key item for the people in open shelters now."""

    key_need: str  # KeyNeed
    key_label: str
    catalog_item_id: uuid.UUID | None  # None: no catalogue entry is marked for this need
    name: str
    unit: str
    people: int
    usable: float  # county-wide, unexpired, in service depots
    ration: float | None
    ration_per_day: bool
    days: float | None  # per-day ration: days; once: inf (everyone covered) or 0; None unknown
    needed: float | None  # per day, or once, for the people now


# -- the service ------------------------------------------------------------------
class StockService:
    """Stock of the county's depots (see the module); one session or unit of work per call."""

    def __init__(self, db: Database, *, movements: MovementService | None = None) -> None:
        self._db = db
        self._movements = movements or MovementService(db)

    # ---- reads -----------------------------------------------------------------
    def lines(self, depot_id: uuid.UUID, today: date) -> list[StockLineDTO]:
        """The depot's batch lines on ``today`` (China-time date), by code, name and expiry.

        Lines with nothing on hand are listed too (a batch just used up).
        """
        with self._db.read_session() as s:
            on_hand = _on_hand_by_line()
            rows = s.execute(
                select(
                    StockItem,
                    SupplyDepot.name,
                    func.coalesce(on_hand.c.quantity, 0),
                )
                .join(SupplyDepot, SupplyDepot.id == StockItem.depot_id)
                .outerjoin(on_hand, on_hand.c.item_id == StockItem.id)
                .where(StockItem.depot_id == depot_id)
            ).all()
            minimums = dict(
                s.execute(
                    select(DepotMinimum.catalog_item_id, DepotMinimum.min_quantity).where(
                        DepotMinimum.depot_id == depot_id
                    )
                ).all()
            )
        usable_by_item: dict[uuid.UUID | None, float] = defaultdict(float)
        for item, _depot, quantity in rows:
            if usable(item.expiry_date, today):
                usable_by_item[item.catalog_item_id] += float(quantity)
        out: list[StockLineDTO] = []
        for item, depot_name, quantity in rows:
            minimum = minimums.get(item.catalog_item_id) if item.catalog_item_id else None
            item_usable = round(usable_by_item[item.catalog_item_id], 2)
            out.append(
                StockLineDTO(
                    id=item.id,
                    depot_id=item.depot_id,
                    depot_name=depot_name,
                    catalog_item_id=item.catalog_item_id,
                    code=item.category_code,
                    name=item.name,
                    unit=item.unit,
                    batch=item.batch,
                    expiry_date=item.expiry_date,
                    quantity=round(float(quantity), 2),
                    rotation=rotation(item.expiry_date, today),
                    minimum=None if minimum is None else float(minimum),
                    item_usable=item_usable,
                    below_minimum=minimum is not None and item_usable < float(minimum),
                    is_demo=item.is_demo,
                    version=item.version,
                )
            )
        out.sort(key=lambda x: (x.code, x.name, x.expiry_date or date.max, x.batch or ""))
        return out

    def line(self, line_id: uuid.UUID, today: date) -> StockLineDTO | None:
        """One line as :meth:`lines` shows it, or None if there is no such line."""
        with self._db.read_session() as s:
            depot_id = s.scalar(select(StockItem.depot_id).where(StockItem.id == line_id))
        if depot_id is None:
            return None
        return next((x for x in self.lines(depot_id, today) if x.id == line_id), None)

    def depot_summary(
        self, today: date, depot_ids: Iterable[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, DepotStockSummary]:
        """Per depot: lines with stock, entries below their minimum, expired lines with stock.

        Two aggregate queries whatever the number of depots; ``depot_ids``
        limits the answer (None: every depot that has lines or minimums).
        """
        wanted = None if depot_ids is None else list(depot_ids)
        on_hand = _on_hand_by_line()
        qty = func.coalesce(on_hand.c.quantity, 0)
        expired = and_(StockItem.expiry_date.is_not(None), StockItem.expiry_date < today)
        lines_q = (
            select(
                StockItem.depot_id,
                func.sum(case((qty > 0, 1), else_=0)),
                func.sum(case((and_(qty > 0, expired), 1), else_=0)),
            )
            .outerjoin(on_hand, on_hand.c.item_id == StockItem.id)
            .group_by(StockItem.depot_id)
        )
        usable_q = _usable_by_depot_item(today)
        below_q = (
            select(DepotMinimum.depot_id, func.count())
            .outerjoin(
                usable_q,
                and_(
                    usable_q.c.depot_id == DepotMinimum.depot_id,
                    usable_q.c.catalog_item_id == DepotMinimum.catalog_item_id,
                ),
            )
            .where(func.coalesce(usable_q.c.usable, 0) < DepotMinimum.min_quantity)
            .group_by(DepotMinimum.depot_id)
        )
        if wanted is not None:
            lines_q = lines_q.where(StockItem.depot_id.in_(wanted))
            below_q = below_q.where(DepotMinimum.depot_id.in_(wanted))
        with self._db.read_session() as s:
            counts = {d: (int(n or 0), int(e or 0)) for d, n, e in s.execute(lines_q)}
            below = {d: int(n) for d, n in s.execute(below_q)}
        ids = set(wanted) if wanted is not None else set(counts) | set(below)
        return {
            d: DepotStockSummary(
                d, counts.get(d, (0, 0))[0], below.get(d, 0), counts.get(d, (0, 0))[1]
            )
            for d in ids
        }

    def movements(
        self,
        *,
        line_id: uuid.UUID | None = None,
        depot_id: uuid.UUID | None = None,
        limit: int = 200,
    ) -> list[StockMovementDTO]:
        """Movements of a line or of every line of a depot, newest first (at most ``limit``)."""
        if (line_id is None) == (depot_id is None):
            raise ValueError("give either line_id or depot_id")
        q = select(StockMovement).order_by(StockMovement.at.desc(), StockMovement.id)
        if line_id is not None:
            q = q.where(StockMovement.item_id == line_id)
        else:
            q = q.join(StockItem, StockItem.id == StockMovement.item_id).where(
                StockItem.depot_id == depot_id
            )
        with self._db.read_session() as s:
            rows = s.scalars(q.limit(max(1, limit))).all()
            return [
                StockMovementDTO(
                    id=m.id,
                    item_id=m.item_id,
                    kind=m.kind,
                    kind_label=_kind_label(m.kind),
                    delta=round(float(m.delta), 2),
                    at=m.at,
                    actor=m.actor,
                    note=m.note,
                    incident_id=m.incident_id,
                    transfer_id=m.transfer_id,
                )
                for m in rows
            ]

    def depots(self) -> list[DepotChoice]:
        """Depots in service, by level and name (for choosing a transfer's destination)."""
        with self._db.read_session() as s:
            rows = s.execute(
                select(SupplyDepot.id, SupplyDepot.name, SupplyDepot.level)
                .where(SupplyDepot.retired_at.is_(None))
                .order_by(SupplyDepot.level, SupplyDepot.name)
            ).all()
        return [DepotChoice(i, n, lv) for i, n, lv in rows]

    def catalogue(self, include_retired: bool = False) -> list[CatalogEntryDTO]:
        """The supply catalogue by code and name (retired entries only when asked)."""
        q = select(SupplyCatalogItem).order_by(SupplyCatalogItem.code, SupplyCatalogItem.name)
        if not include_retired:
            q = q.where(SupplyCatalogItem.retired_at.is_(None))
        with self._db.read_session() as s:
            return [_entry(c) for c in s.scalars(q)]

    def reminders(self, today: date) -> list[Reminder]:
        """Lines with stock, expired or expiring within 90 days of ``today`` (China-time date).

        Soonest first; lines of retired depots left out.
        """
        horizon = date.fromordinal(today.toordinal() + 90)
        on_hand = _on_hand_by_line()
        q = (
            select(StockItem, SupplyDepot.name, on_hand.c.quantity)
            .join(on_hand, on_hand.c.item_id == StockItem.id)
            .join(SupplyDepot, SupplyDepot.id == StockItem.depot_id)
            .where(
                StockItem.expiry_date.is_not(None),
                StockItem.expiry_date <= horizon,
                on_hand.c.quantity > 0,
                SupplyDepot.retired_at.is_(None),
            )
        )
        out: list[Reminder] = []
        with self._db.read_session() as s:
            for item, depot_name, quantity in s.execute(q):
                bucket = rotation(item.expiry_date, today)
                if bucket is None or item.expiry_date is None:
                    continue
                out.append(
                    Reminder(
                        bucket=bucket,
                        days_left=(item.expiry_date - today).days,
                        line_id=item.id,
                        depot_id=item.depot_id,
                        depot_name=depot_name,
                        code=item.category_code,
                        name=item.name,
                        unit=item.unit,
                        batch=item.batch,
                        expiry_date=item.expiry_date,
                        quantity=round(float(quantity), 2),
                    )
                )
        out.sort(key=lambda r: (r.expiry_date, r.depot_name, r.code, r.name))
        return out

    def shortfalls(self, today: date) -> list[Shortfall]:
        """Depot x entry pairs whose usable quantity on ``today`` is below the minimum.

        Largest share missing first; retired depots and entries left out.
        """
        usable_q = _usable_by_depot_item(today)
        have = func.coalesce(usable_q.c.usable, 0)
        q = (
            select(
                DepotMinimum.depot_id,
                SupplyDepot.name,
                SupplyCatalogItem,
                DepotMinimum.min_quantity,
                have,
            )
            .join(SupplyDepot, SupplyDepot.id == DepotMinimum.depot_id)
            .join(SupplyCatalogItem, SupplyCatalogItem.id == DepotMinimum.catalog_item_id)
            .outerjoin(
                usable_q,
                and_(
                    usable_q.c.depot_id == DepotMinimum.depot_id,
                    usable_q.c.catalog_item_id == DepotMinimum.catalog_item_id,
                ),
            )
            .where(
                have < DepotMinimum.min_quantity,
                SupplyDepot.retired_at.is_(None),
                SupplyCatalogItem.retired_at.is_(None),
            )
        )
        out: list[Shortfall] = []
        with self._db.read_session() as s:
            for depot_id, depot_name, entry, minimum, got in s.execute(q):
                minimum, got = float(minimum), round(float(got), 2)
                out.append(
                    Shortfall(
                        depot_id=depot_id,
                        depot_name=depot_name,
                        catalog_item_id=entry.id,
                        code=entry.code,
                        name=entry.name,
                        unit=entry.unit,
                        minimum=minimum,
                        usable=got,
                        missing=round(minimum - got, 2),
                    )
                )
        out.sort(key=lambda x: (-(x.missing / x.minimum if x.minimum else 0), x.depot_name, x.code))
        return out

    def nearest(
        self,
        catalog_item_id: uuid.UUID,
        lon: float,
        lat: float,
        need: float,
        today: date,
        limit: int = 10,
    ) -> list[NearestDepot]:
        """Depots holding usable ``catalog_item_id``, nearest to (``lon``, ``lat``) first.

        ``lon``/``lat`` in WGS-84 degrees; distances are great-circle, in km.
        Usable: on hand (allocations have left) in lines not expired on
        ``today`` (China-time date). The list stops at the depot whose running
        total reaches ``need`` (that depot included, ``covers`` True), or after
        ``limit`` depots. Depots retired or without a position are left out.
        One aggregate query, then a sort in Python. ``RuleViolation``
        ``stock.need`` for a need that is not a positive finite number,
        ``stock.point`` for a point that is not a coordinate.
        """
        if isinstance(need, bool) or not math.isfinite(need) or need <= 0:
            raise RuleViolation("stock.need", repr(need))
        if not (math.isfinite(lon) and math.isfinite(lat) and -90 <= lat <= 90):
            raise RuleViolation("stock.point", f"{lon},{lat}")
        limit = max(1, min(int(limit), NEAREST_LIMIT_MAX))
        total = func.sum(StockMovement.delta)
        q = (
            select(
                SupplyDepot.id,
                SupplyDepot.name,
                SupplyDepot.level,
                SupplyDepot.lon,
                SupplyDepot.lat,
                total,
            )
            .select_from(StockItem)
            .join(StockMovement, StockMovement.item_id == StockItem.id)
            .join(SupplyDepot, SupplyDepot.id == StockItem.depot_id)
            .where(
                StockItem.catalog_item_id == catalog_item_id,
                _unexpired(today),
                SupplyDepot.retired_at.is_(None),
                SupplyDepot.lon.is_not(None),
                SupplyDepot.lat.is_not(None),
            )
            .group_by(
                SupplyDepot.id,
                SupplyDepot.name,
                SupplyDepot.level,
                SupplyDepot.lon,
                SupplyDepot.lat,
            )
            .having(total > 0)
        )
        with self._db.read_session() as s:
            rows: list[Any] = list(s.execute(q).all())  # lon/lat not None: filtered above
        placed = sorted(
            (
                (distance_m(lon, lat, float(r[3]), float(r[4])), r[1], r[0], r[2], r[3], r[4], r[5])
                for r in rows
            ),
            key=lambda x: (x[0], x[1]),
        )
        out: list[NearestDepot] = []
        running = 0.0
        for metres, name, depot_id, level, d_lon, d_lat, total_got in placed:
            got = round(float(total_got), 2)
            running = round(running + got, 2)
            covers = running >= need
            out.append(
                NearestDepot(
                    depot_id,
                    name,
                    level,
                    float(d_lon),
                    float(d_lat),
                    metres / 1000,
                    got,
                    running,
                    covers,
                )
            )
            if covers or len(out) >= limit:
                break
        return out

    def nearest_to_incident(
        self,
        catalog_item_id: uuid.UUID,
        incident_id: uuid.UUID,
        need: float,
        today: date,
        limit: int = 10,
    ) -> list[NearestDepot]:
        """:meth:`nearest` from the incident's position.

        ``RuleViolation`` ``incident.unknown``, ``incident.no_position``.
        """
        with self._db.read_session() as s:
            row = s.execute(
                select(Incident.lon, Incident.lat).where(Incident.id == incident_id)
            ).first()
        if row is None:
            raise RuleViolation("incident.unknown", str(incident_id))
        if row.lon is None or row.lat is None:
            raise RuleViolation("incident.no_position", str(incident_id))
        return self.nearest(catalog_item_id, row.lon, row.lat, need, today, limit)

    def days_of_supply(self, today: date) -> list[SupplyDays]:
        """For each key need (water, food, quilts, tents): how long usable stock lasts.

        People: the sum of occupancy movements of open shelters in service.
        Stock: usable (unexpired on ``today``) county-wide, in depots in
        service, per catalogue entry marked with the need; the ration per
        person comes from that entry (the county sets it; demo values are not
        official). A need without any entry gives one row with no entry.
        """
        with self._db.read_session() as s:
            people = int(
                s.scalar(
                    select(func.coalesce(func.sum(ShelterOccupancyMovement.delta), 0))
                    .join(Shelter, Shelter.id == ShelterOccupancyMovement.shelter_id)
                    .where(Shelter.is_open.is_(True), Shelter.retired_at.is_(None))
                )
                or 0
            )
            entries = s.scalars(
                select(SupplyCatalogItem)
                .where(
                    SupplyCatalogItem.key_need.is_not(None),
                    SupplyCatalogItem.retired_at.is_(None),
                )
                .order_by(SupplyCatalogItem.code)
            ).all()
            stock = dict(
                s.execute(
                    select(StockItem.catalog_item_id, func.sum(StockMovement.delta))
                    .join(StockMovement, StockMovement.item_id == StockItem.id)
                    .join(SupplyDepot, SupplyDepot.id == StockItem.depot_id)
                    .where(
                        StockItem.catalog_item_id.in_([e.id for e in entries]),
                        _unexpired(today),
                        SupplyDepot.retired_at.is_(None),
                    )
                    .group_by(StockItem.catalog_item_id)
                ).all()
            )
        out: list[SupplyDays] = []
        for need in KeyNeed:
            mine = [e for e in entries if e.key_need == need.value]
            if not mine:
                out.append(
                    SupplyDays(
                        need.value,
                        label(Family.KEY_NEED, need),
                        None,
                        "",
                        "",
                        people,
                        0.0,
                        None,
                        False,
                        None,
                        None,
                    )
                )
            for e in mine:
                got = max(0.0, round(float(stock.get(e.id) or 0), 2))
                ration = None if e.ration is None else float(e.ration)
                needed = None if ration is None else round(people * ration, 2)
                out.append(
                    SupplyDays(
                        key_need=need.value,
                        key_label=label(Family.KEY_NEED, need),
                        catalog_item_id=e.id,
                        name=e.name,
                        unit=e.unit,
                        people=people,
                        usable=got,
                        ration=ration,
                        ration_per_day=e.ration_per_day,
                        days=days_of_supply(got, people, ration, e.ration_per_day),
                        needed=needed,
                    )
                )
        return out

    # ---- stock movements ----------------------------------------------------------
    def receive(
        self,
        depot_id: uuid.UUID,
        catalog_item_id: uuid.UUID,
        quantity: float,
        *,
        batch: str | None = None,
        expiry_date: date | None = None,
        note: str = "",
        unit: str | None = None,
        actor: str,
        site: str,
    ) -> uuid.UUID:
        """入库: ``quantity`` (positive, in the entry's unit) into the depot; returns the line id.

        The line of (depot, entry, batch, expiry) is created when there is none.
        ``unit``, when given, must be the entry's unit. Refused
        (:class:`RuleViolation`): ``stock.quantity``, ``stock.unit``,
        ``stock.unknown_depot``, ``stock.depot_retired``, ``catalog.unknown``,
        ``catalog.retired``, ``stock.batch_too_long``, ``movement.note_too_long``;
        :class:`~app.services.access.NotPermitted` without RECORD_MOVEMENT.
        """
        require(self._db, Action.RECORD_MOVEMENT)
        delta = stock_delta(StockMovementKind.RECEIPT, quantity)
        batch_text = _batch(batch)
        movement_id, new_line = uuid.uuid4(), uuid.uuid4()

        def attempt(uow: UnitOfWork) -> uuid.UUID:
            session = uow.session
            _lock_depot(session, depot_id)
            entry = _entry_row(session, catalog_item_id)
            _check_unit(unit, entry.unit)
            line_id = _find_line(session, depot_id, catalog_item_id, batch_text, expiry_date)
            if line_id is None:
                line_id = new_line
                uow.bulk_insert(
                    StockItem,
                    [
                        {
                            "id": line_id,
                            "depot_id": depot_id,
                            "catalog_item_id": catalog_item_id,
                            "category_code": entry.code,
                            "name": entry.name,
                            "unit": entry.unit,
                            "batch": batch_text,
                            "expiry_date": expiry_date,
                            "min_quantity": 0,
                        }
                    ],
                )
            _insert_movement(
                uow, movement_id, line_id, StockMovementKind.RECEIPT, delta, actor=actor, note=note
            )
            uow.commit()
            return line_id

        return self._movements._run(attempt, actor=actor, site=site)

    def issue(
        self,
        line_id: uuid.UUID,
        quantity: float,
        *,
        note: str = "",
        unit: str | None = None,
        actor: str,
        site: str,
    ) -> float:
        """出库 from a line; returns its new quantity on hand.

        Refused: ``stock.quantity``, ``stock.unit``, ``stock.unknown_item``,
        ``stock.negative`` (more than on hand; detail: on hand), and as :meth:`receive`.
        """
        return self._take(StockMovementKind.ISSUE, line_id, quantity, note, unit, actor, site)

    def write_off(
        self,
        line_id: uuid.UUID,
        quantity: float,
        reason: str,
        *,
        unit: str | None = None,
        actor: str,
        site: str,
    ) -> float:
        """报损 (expired, damaged) from a line, with a reason; returns the new quantity on hand.

        Refused as :meth:`issue`, and ``stock.reason_required`` without a reason.
        """
        if not reason.strip():
            raise RuleViolation("stock.reason_required")
        return self._take(StockMovementKind.WRITE_OFF, line_id, quantity, reason, unit, actor, site)

    def allocate(
        self,
        line_id: uuid.UUID,
        incident_id: uuid.UUID,
        quantity: float,
        *,
        note: str = "",
        unit: str | None = None,
        actor: str,
        site: str,
    ) -> float:
        """调拨 to an incident: an ALLOCATION movement linked to it and, in the same
        transaction, a ``dispatch`` entry in its log ("调拨 帐篷 200 顶（县级应急物资
        储备库，批次 …）"). Returns the line's new quantity on hand.

        Refused as :meth:`issue`, and ``stock.unknown_incident``,
        ``stock.incident_closed`` (a closed incident), ``stock.expired`` (an
        expired batch cannot go to people).
        """
        require(self._db, Action.RECORD_MOVEMENT)
        delta = stock_delta(StockMovementKind.ALLOCATION, quantity)
        note_text = _note(note)
        movement_id, entry_id = uuid.uuid4(), uuid.uuid4()

        def attempt(uow: UnitOfWork) -> float:
            session = uow.session
            line = _lock_line(session, line_id)
            _check_unit(unit, line.unit)
            incident = session.execute(
                select(Incident.status, Incident.received_at).where(Incident.id == incident_id)
            ).first()
            if incident is None:
                raise RuleViolation("stock.unknown_incident", str(incident_id))
            if incident.status == IncidentStatus.CLOSED:
                raise RuleViolation("stock.incident_closed", str(incident_id))
            now = self._db.clock()
            if not usable(line.expiry_date, china_date(now)):
                raise RuleViolation("stock.expired", str(line.expiry_date))
            new = _checked(session, line_id, delta)
            depot = session.scalar(select(SupplyDepot.name).where(SupplyDepot.id == line.depot_id))
            _insert_movement(
                uow,
                movement_id,
                line_id,
                StockMovementKind.ALLOCATION,
                delta,
                actor=actor,
                note=note,
                incident_id=incident_id,
            )
            body = allocation_text(line.name, -delta, line.unit, depot or "", line.batch, note_text)
            uow.bulk_insert(
                IncidentLogEntry,
                [
                    {
                        "id": entry_id,
                        "incident_id": incident_id,
                        "kind": LogEntryKind.DISPATCH.value,
                        "body": body,
                        "at": max(now, incident.received_at),
                        "actor": actor,
                        "created_at": now,
                    }
                ],
            )
            uow.commit()
            return new

        return self._movements._run(attempt, actor=actor, site=site)

    def transfer(
        self,
        line_id: uuid.UUID,
        to_depot_id: uuid.UUID,
        quantity: float,
        *,
        note: str = "",
        unit: str | None = None,
        actor: str,
        site: str,
    ) -> uuid.UUID:
        """调拨到其他库: one TRANSFER_OUT from the line and one TRANSFER_IN to the
        destination depot's line of the same entry, batch and expiry (created if
        needed), with the same ``transfer_id``, in one transaction. Returns the
        destination line id.

        Refused as :meth:`issue` (nothing written on either side), and
        ``stock.same_depot``, ``stock.unknown_depot``, ``stock.depot_retired``.
        """
        require(self._db, Action.RECORD_MOVEMENT)
        delta = stock_delta(StockMovementKind.TRANSFER_OUT, quantity)
        _note(note)
        transfer_id, out_id, in_id, new_line = (uuid.uuid4() for _ in range(4))

        def attempt(uow: UnitOfWork) -> uuid.UUID:
            session = uow.session
            line = _lock_line(session, line_id)
            _check_unit(unit, line.unit)
            if line.depot_id == to_depot_id:
                raise RuleViolation("stock.same_depot", str(to_depot_id))
            _lock_depot(session, to_depot_id)
            _checked(session, line_id, delta)
            target = None
            if line.catalog_item_id is not None:
                target = _find_line(
                    session, to_depot_id, line.catalog_item_id, line.batch, line.expiry_date
                )
            if target is None:
                target = new_line
                uow.bulk_insert(
                    StockItem,
                    [
                        {
                            "id": target,
                            "depot_id": to_depot_id,
                            "catalog_item_id": line.catalog_item_id,
                            "category_code": line.category_code,
                            "name": line.name,
                            "unit": line.unit,
                            "batch": line.batch,
                            "expiry_date": line.expiry_date,
                            "min_quantity": 0,
                        }
                    ],
                )
            _insert_movement(
                uow,
                out_id,
                line_id,
                StockMovementKind.TRANSFER_OUT,
                delta,
                actor=actor,
                note=note,
                transfer_id=transfer_id,
            )
            _insert_movement(
                uow,
                in_id,
                target,
                StockMovementKind.TRANSFER_IN,
                -delta,
                actor=actor,
                note=note,
                transfer_id=transfer_id,
            )
            uow.commit()
            return target

        return self._movements._run(attempt, actor=actor, site=site)

    def _take(
        self,
        kind: StockMovementKind,
        line_id: uuid.UUID,
        quantity: float,
        note: str,
        unit: str | None,
        actor: str,
        site: str,
    ) -> float:
        require(self._db, Action.RECORD_MOVEMENT)
        delta = stock_delta(kind, quantity)
        _note(note)
        movement_id = uuid.uuid4()

        def attempt(uow: UnitOfWork) -> float:
            line = _lock_line(uow.session, line_id)
            _check_unit(unit, line.unit)
            new = _checked(uow.session, line_id, delta)
            _insert_movement(uow, movement_id, line_id, kind, delta, actor=actor, note=note)
            uow.commit()
            return new

        return self._movements._run(attempt, actor=actor, site=site)

    # ---- the catalogue and minimum levels --------------------------------------------
    def add_catalog_item(
        self,
        code: str,
        name: str,
        unit: str,
        *,
        key_need: str | None = None,
        ration: float | None = None,
        ration_per_day: bool = False,
        actor: str,
        site: str,
    ) -> CatalogEntryDTO:
        """A new catalogue entry (code as typed: ``"1 01 02 03"`` is stored ``"1010203"``).

        Refused (:class:`RuleViolation`): ``supply.code`` (see
        :func:`~app.domain.supplies.normalize_code`), ``catalog.name``,
        ``catalog.unit``, ``catalog.key_need``, ``catalog.ration``,
        ``catalog.duplicate`` (same code and name in service);
        :class:`~app.services.access.NotPermitted` without EDIT_RESOURCES.
        """
        require(self._db, Action.EDIT_RESOURCES)
        values = _catalog_values(code, name, unit, key_need, ration, ration_per_day)
        entry_id = uuid.uuid4()
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            _check_duplicate(uow.session, values["code"], values["name"], None)
            entry = SupplyCatalogItem(id=entry_id, **values)
            uow.session.add(entry)
            uow.session.flush()
            dto = _entry(entry)
            uow.commit()
        return dto

    def update_catalog_item(
        self,
        entry_id: uuid.UUID,
        version: int,
        *,
        code: str,
        name: str,
        unit: str,
        key_need: str | None = None,
        ration: float | None = None,
        ration_per_day: bool = False,
        actor: str,
        site: str,
    ) -> CatalogEntryDTO:
        """Change an entry read at ``version``; the copies on its stock lines follow.

        Refused as :meth:`add_catalog_item`, and ``catalog.unit_in_use`` (a new
        unit while stock lines of the entry exist: the quantities would change
        meaning); a change by someone else since ``version`` raises
        :class:`~app.data.errors.ConflictError`.
        """
        require(self._db, Action.EDIT_RESOURCES)
        values = _catalog_values(code, name, unit, key_need, ration, ration_per_day)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            entry = uow.get_current(SupplyCatalogItem, entry_id, version)
            _check_duplicate(uow.session, values["code"], values["name"], entry_id)
            if values["unit"] != entry.unit and uow.session.scalar(
                select(StockItem.id).where(StockItem.catalog_item_id == entry_id).limit(1)
            ):
                raise RuleViolation("catalog.unit_in_use", entry.unit)
            copies_change = (values["code"], values["name"]) != (entry.code, entry.name)
            for key, value in values.items():
                setattr(entry, key, value)
            uow.session.flush()
            if copies_change:
                uow.bulk_update(
                    StockItem,
                    StockItem.catalog_item_id == entry_id,
                    {"category_code": values["code"], "name": values["name"]},
                )
            dto = _entry(entry)
            uow.commit()
        return dto

    def retire_catalog_item(
        self, entry_id: uuid.UUID, version: int, *, actor: str, site: str
    ) -> CatalogEntryDTO:
        """Take an entry out of service (kept for the lines and movements that point at it).

        :class:`~app.data.errors.ConflictError` if it changed since ``version``.
        """
        require(self._db, Action.EDIT_RESOURCES)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            entry = uow.get_current(SupplyCatalogItem, entry_id, version)
            if entry.retired_at is None:
                entry.retired_at = self._db.clock()
            uow.session.flush()
            dto = _entry(entry)
            uow.commit()
        return dto

    def set_minimum(
        self,
        depot_id: uuid.UUID,
        catalog_item_id: uuid.UUID,
        min_quantity: float,
        *,
        actor: str,
        site: str,
    ) -> float:
        """The depot's minimum (储备定额) of an entry, in its unit; 0 removes the minimum.

        Refused: ``stock.minimum`` (negative, not finite or too large),
        ``stock.unknown_depot``, ``catalog.unknown``; NotPermitted without EDIT_RESOURCES.
        """
        require(self._db, Action.EDIT_RESOURCES)
        if (
            isinstance(min_quantity, bool)
            or not math.isfinite(min_quantity)
            or min_quantity < 0
            or min_quantity >= 1e12
        ):
            raise RuleViolation("stock.minimum", repr(min_quantity))
        amount = round(float(min_quantity), 2)
        with UnitOfWork(self._db, actor=actor, site=site) as uow:
            s = uow.session
            if s.get(SupplyDepot, depot_id) is None:
                raise RuleViolation("stock.unknown_depot", str(depot_id))
            if s.get(SupplyCatalogItem, catalog_item_id) is None:
                raise RuleViolation("catalog.unknown", str(catalog_item_id))
            row = s.scalars(
                select(DepotMinimum).where(
                    DepotMinimum.depot_id == depot_id,
                    DepotMinimum.catalog_item_id == catalog_item_id,
                )
            ).first()
            if amount == 0:
                if row is not None:
                    s.delete(row)
            elif row is None:
                s.add(
                    DepotMinimum(
                        depot_id=depot_id, catalog_item_id=catalog_item_id, min_quantity=amount
                    )
                )
            else:
                row.min_quantity = amount
            uow.commit()
        return amount


# -- the words of an allocation --------------------------------------------------------
def allocation_text(
    name: str, quantity: float, unit: str, depot: str, batch: str | None, note: str | None
) -> str:
    """The incident-log line of an allocation: "调拨 帐篷 200 顶（县级储备库，批次 B1）。note"."""
    where = depot + (f"，批次 {batch}" if batch else "")
    text = f"调拨 {name} {format_quantity(quantity)} {unit}（{where}）"
    return f"{text}。{note}" if note else text


def format_quantity(value: float) -> str:
    """200.0 -> "200", 12.5 -> "12.5" (to the hundredth)."""
    text = f"{round(value, 2):.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


# -- helpers ------------------------------------------------------------------------------
def _on_hand_by_line() -> Any:
    return (
        select(
            StockMovement.item_id.label("item_id"), func.sum(StockMovement.delta).label("quantity")
        )
        .group_by(StockMovement.item_id)
        .subquery()
    )


def _unexpired(today: date) -> ColumnElement[bool]:
    return or_(StockItem.expiry_date.is_(None), StockItem.expiry_date >= today)


def _usable_by_depot_item(today: date) -> Any:
    return (
        select(
            StockItem.depot_id.label("depot_id"),
            StockItem.catalog_item_id.label("catalog_item_id"),
            func.sum(StockMovement.delta).label("usable"),
        )
        .join(StockMovement, StockMovement.item_id == StockItem.id)
        .where(_unexpired(today), StockItem.catalog_item_id.is_not(None))
        .group_by(StockItem.depot_id, StockItem.catalog_item_id)
        .subquery()
    )


def _kind_label(kind: str) -> str:
    try:
        return label(Family.STOCK_MOVEMENT, StockMovementKind(kind))
    except ValueError:
        return kind


def _entry(c: SupplyCatalogItem) -> CatalogEntryDTO:
    return CatalogEntryDTO(
        id=c.id,
        code=c.code,
        name=c.name,
        unit=c.unit,
        key_need=c.key_need,
        ration=None if c.ration is None else float(c.ration),
        ration_per_day=bool(c.ration_per_day),
        retired=c.retired_at is not None,
        is_demo=c.is_demo,
        version=c.version,
    )


def _note(note: str) -> str | None:
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise RuleViolation("movement.note_too_long", f"{len(text)} > {NOTE_MAX}")
    return text or None


def _batch(batch: str | None) -> str | None:
    text = (batch or "").strip()
    if len(text) > BATCH_MAX:
        raise RuleViolation("stock.batch_too_long", str(BATCH_MAX))
    return text or None


def _check_unit(given: str | None, unit: str) -> None:
    if given is not None and given.strip() != unit:
        raise RuleViolation("stock.unit", unit)


def _lock_depot(session: Session, depot_id: uuid.UUID) -> None:
    row = session.execute(
        select(SupplyDepot.retired_at).where(SupplyDepot.id == depot_id).with_for_update()
    ).first()
    if row is None:
        raise RuleViolation("stock.unknown_depot", str(depot_id))
    if row.retired_at is not None:
        raise RuleViolation("stock.depot_retired", str(depot_id))


def _lock_line(session: Session, line_id: uuid.UUID) -> Any:
    line = session.execute(
        select(
            StockItem.depot_id,
            StockItem.catalog_item_id,
            StockItem.category_code,
            StockItem.name,
            StockItem.unit,
            StockItem.batch,
            StockItem.expiry_date,
        )
        .where(StockItem.id == line_id)
        .with_for_update()
    ).first()
    if line is None:
        raise RuleViolation("stock.unknown_item", str(line_id))
    return line


def _entry_row(session: Session, catalog_item_id: uuid.UUID) -> Any:
    entry = session.execute(
        select(
            SupplyCatalogItem.code,
            SupplyCatalogItem.name,
            SupplyCatalogItem.unit,
            SupplyCatalogItem.retired_at,
        ).where(SupplyCatalogItem.id == catalog_item_id)
    ).first()
    if entry is None:
        raise RuleViolation("catalog.unknown", str(catalog_item_id))
    if entry.retired_at is not None:
        raise RuleViolation("catalog.retired", entry.name)
    return entry


def _find_line(
    session: Session,
    depot_id: uuid.UUID,
    catalog_item_id: uuid.UUID,
    batch: str | None,
    expiry: date | None,
) -> uuid.UUID | None:
    found: uuid.UUID | None = session.scalar(
        select(StockItem.id)
        .where(
            StockItem.depot_id == depot_id,
            StockItem.catalog_item_id == catalog_item_id,
            StockItem.batch.is_(None) if batch is None else StockItem.batch == batch,
            StockItem.expiry_date.is_(None) if expiry is None else StockItem.expiry_date == expiry,
        )
        .order_by(StockItem.created_at)
        .limit(1)
    )
    return found


def _checked(session: Session, line_id: uuid.UUID, delta: float) -> float:
    """The line's quantity after ``delta``, read under the lock; refused below zero."""
    current = MovementService._stock(session, line_id)
    new = round(current + delta, 2)
    if new < 0:
        raise RuleViolation("stock.negative", format_quantity(current))
    return new


def _insert_movement(
    uow: UnitOfWork,
    movement_id: uuid.UUID,
    line_id: uuid.UUID,
    kind: StockMovementKind,
    delta: float,
    *,
    actor: str,
    note: str,
    incident_id: uuid.UUID | None = None,
    transfer_id: uuid.UUID | None = None,
) -> None:
    uow.bulk_insert(
        StockMovement,
        [
            {
                "id": movement_id,
                "item_id": line_id,
                "kind": kind.value,
                "delta": delta,
                "incident_id": incident_id,
                "transfer_id": transfer_id,
                "actor": actor,
                "note": _note(note),
            }
        ],
    )


def _catalog_values(
    code: str,
    name: str,
    unit: str,
    key_need: str | None,
    ration: float | None,
    ration_per_day: bool,
) -> dict[str, Any]:
    clean_code = normalize_code(code)
    clean_name = name.strip()
    if not clean_name or len(clean_name) > NAME_MAX:
        raise RuleViolation("catalog.name", clean_name)
    clean_unit = unit.strip()
    if not clean_unit or len(clean_unit) > UNIT_MAX or any(c.isdigit() for c in clean_unit):
        raise RuleViolation("catalog.unit", clean_unit)
    need = None
    if key_need:
        try:
            need = KeyNeed(key_need).value
        except ValueError as exc:
            raise RuleViolation("catalog.key_need", key_need) from exc
    if ration is not None and (
        isinstance(ration, bool) or not math.isfinite(ration) or ration <= 0 or ration >= 1e8
    ):
        raise RuleViolation("catalog.ration", repr(ration))
    return {
        "code": clean_code,
        "name": clean_name,
        "unit": clean_unit,
        "key_need": need,
        "ration": ration,
        "ration_per_day": bool(ration_per_day),
    }


def _check_duplicate(session: Session, code: str, name: str, other_than: uuid.UUID | None) -> None:
    q = select(SupplyCatalogItem.id).where(
        SupplyCatalogItem.code == code, SupplyCatalogItem.name == name
    )
    if other_than is not None:
        q = q.where(SupplyCatalogItem.id != other_than)
    if session.scalar(q.limit(1)) is not None:
        raise RuleViolation("catalog.duplicate", f"{code} {name}")


# -- refusals in words ----------------------------------------------------------------------
_TEXTS: dict[str, str] = {
    "stock.quantity": "数量应为大于 0 的数字（精确到 0.01）",
    "stock.unit": "单位与物资目录不符：此物资的单位是“{detail}”",
    "stock.negative": "库存不足：此批次现有 {detail}，不能超出库存",
    "stock.unknown_item": "此库存批次已不存在",
    "stock.unknown_depot": "储备库不存在",
    "stock.depot_retired": "储备库已停用",
    "stock.same_depot": "调入库不能与调出库相同",
    "stock.unknown_incident": "事件不存在",
    "stock.incident_closed": "事件已结束，不能再调拨物资",
    "stock.expired": "此批次已过期（有效期至 {detail}），不能调拨给事件，请报损",
    "stock.reason_required": "请填写报损原因",
    "stock.batch_too_long": "批次号过长（最多 {detail} 字）",
    "stock.minimum": "储备定额应为不小于 0 的数字",
    "stock.need": "需求数量应为大于 0 的数字",
    "stock.point": "位置坐标无效",
    "movement.note_too_long": "备注过长",
    "catalog.unknown": "物资目录中没有此物资",
    "catalog.retired": "物资“{detail}”已停用",
    "catalog.name": "请填写物资名称（最多 128 字）",
    "catalog.unit": "请填写计量单位（如 顶、件、箱；最多 16 字，不含数字）",
    "catalog.key_need": "重点保障类别无效",
    "catalog.ration": "人均定量应为大于 0 的数字",
    "catalog.duplicate": "物资目录中已有相同编码和名称的物资（{detail}）",
    "catalog.unit_in_use": "已有库存按“{detail}”计量，不能更改单位",
    "incident.unknown": "事件不存在",
    "incident.no_position": "事件没有位置，请改用地图上的点",
}


def stock_problem_text(problem: RuleViolation) -> str:
    """A refusal of this service (or of a catalogue code) in Chinese."""
    if problem.code == "supply.code":
        return code_problem_text(problem)
    text = _TEXTS.get(problem.code)
    if text is None:
        return f"不符合规则（{problem.code}）"
    return text.format(detail=problem.detail)
