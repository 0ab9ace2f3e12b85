"""SQLAlchemy 2.0 models. The same migrations build them on SQLite and PostgreSQL.

Conventions:
- UUID primary keys (native ``uuid`` on PostgreSQL, ``CHAR(32)`` on SQLite), so
  rows made on a field vehicle never collide with the center's.
- Times are stored as UTC and come back timezone-aware.
- Mutable records carry ``version`` (optimistic concurrency: a stale writer
  gets a conflict instead of overwriting silently).
- Quantities that several seats change at once (shelter occupancy, stock) are
  signed movements; the current value is their sum.
- ``is_demo`` marks rows that the demo loader made.
- Every text column is :class:`CleanString` or :class:`CleanText`: what is
  written is cleaned by the text policy (``app.domain.text.clean_text``), so
  the same text is stored on both backends.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from app.domain.clock import Clock, system_clock
from app.domain.text import clean_text

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def column_now(context: Any) -> datetime:
    """Default for time columns: the database's clock (``Database.clock``), in UTC.

    Write sessions carry that clock in their execution options; a statement
    without it (migrations, tools) falls back to the system clock.
    """
    options = getattr(context, "execution_options", None) or {}
    clock: Clock = options.get("xcc_clock", system_clock)
    return clock()


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class CleanString(TypeDecorator[str]):
    """``String(length)`` whose values are stored as :func:`~app.domain.text.clean_text`
    gives them: control characters removed, line-break look-alikes (U+000B from
    Word's Shift+Enter, U+2028 …) made ``\\n``.

    Applied to every bound value of the column, so ORM writes, the unit of
    work's bulk inserts and updates, Core statements and comparisons with a
    literal all see the cleaned text. A NUL never reaches the database (SQLite
    would store it and cut the text short for search; PostgreSQL refuses it).
    Values that are not ``str`` pass unchanged. Read back as stored.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if isinstance(value, str):
            return clean_text(value)
        return value


class CleanText(CleanString):
    """``Text`` cleaned like :class:`CleanString`."""

    impl = Text
    cache_ok = True


# An auto-incrementing 64-bit key; SQLite only auto-increments INTEGER PRIMARY KEY.
SequenceKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        uuid.UUID: Uuid(),
        str: CleanString(),
    }

    # Name used in change_log.entity_type; None for tables that are not tracked.
    __change_entity__: ClassVar[str | None] = None
    # Synchronisation (app.sync.merge): columns whose concurrent changes merge by
    # last writer wins without a conflict for the officer ("*": every column),
    # and whether only the command center changes the table.
    __sync_quiet__: ClassVar[frozenset[str]] = frozenset()
    __sync_center_only__: ClassVar[bool] = False


class IdMixin:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)


class VersionedMixin:
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(default=column_now)
    updated_at: Mapped[datetime] = mapped_column(default=column_now, onupdate=column_now)

    @declared_attr.directive
    def __mapper_args__(self) -> dict[str, Any]:
        return {"version_id_col": self.__table__.c.version}  # type: ignore[attr-defined]


class LocatedMixin:
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    # Where the coordinate came from: gps, map, gcj02-converted, demo ...
    coord_source: Mapped[str | None] = mapped_column(CleanString(24))


class RegisterMixin:
    """A row of one of the county's registers (台账): its own key, and retirement.

    ``code`` is the register's own number (编号) as the office keeps it, unique
    among the rows still in service. A retired row (``retired_at`` set) leaves
    the map and the lists but is never deleted: incidents, movements and the
    change log still point at it.
    """

    code: Mapped[str | None] = mapped_column(CleanString(32), index=True)
    retired_at: Mapped[datetime | None] = mapped_column()
    retired_reason: Mapped[str | None] = mapped_column(CleanString(256))


class Township(IdMixin, VersionedMixin, Base):
    __tablename__ = "township"
    __change_entity__ = "township"

    code: Mapped[str] = mapped_column(CleanString(16), unique=True)
    name: Mapped[str] = mapped_column(CleanString(64))
    kind: Mapped[str] = mapped_column(CleanString(16))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    # GeoJSON geometry (WGS-84) when the boundary is known.
    boundary_geojson: Mapped[str | None] = mapped_column(CleanText())
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Village(IdMixin, VersionedMixin, LocatedMixin, Base):
    __tablename__ = "village"
    __change_entity__ = "village"

    township_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("township.id"), index=True)
    name: Mapped[str] = mapped_column(CleanString(64))
    kind: Mapped[str] = mapped_column(CleanString(16))  # village / community
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("township_id", "name"),)


class Region(IdMixin, Base):
    """Named geometries: the county boundary and, when known, others."""

    __tablename__ = "region"
    __change_entity__ = "region"

    code: Mapped[str] = mapped_column(CleanString(16), unique=True)
    name: Mapped[str] = mapped_column(CleanString(64))
    level: Mapped[str] = mapped_column(CleanString(16))  # county / township
    geojson: Mapped[str] = mapped_column(CleanText())
    source: Mapped[str] = mapped_column(CleanString(128))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class HazardSite(IdMixin, VersionedMixin, LocatedMixin, RegisterMixin, Base):
    __tablename__ = "hazard_site"
    __change_entity__ = "hazard_site"

    name: Mapped[str] = mapped_column(CleanString(128))
    hazard_type: Mapped[str] = mapped_column(CleanString(24))
    risk_level: Mapped[str] = mapped_column(CleanString(8))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("township.id"), index=True)
    address: Mapped[str | None] = mapped_column(CleanString(256))
    responsible_unit: Mapped[str | None] = mapped_column(CleanString(128))
    contact_name: Mapped[str | None] = mapped_column(CleanString(64))
    contact_phone: Mapped[str | None] = mapped_column(CleanString(32))
    monitoring_status: Mapped[str | None] = mapped_column(CleanString(64))
    rectification_deadline: Mapped[date | None] = mapped_column(Date)
    # RectificationState; done with the day it was done.
    rectification_state: Mapped[str | None] = mapped_column(CleanString(16))
    rectified_on: Mapped[date | None] = mapped_column(Date)
    supervision: Mapped[str | None] = mapped_column(CleanString(16))  # Supervision (督办)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Shelter(IdMixin, VersionedMixin, LocatedMixin, RegisterMixin, Base):
    __tablename__ = "shelter"
    __change_entity__ = "shelter"

    name: Mapped[str] = mapped_column(CleanString(128))
    shelter_type: Mapped[str] = mapped_column(CleanString(16))
    capacity: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    facilities: Mapped[str | None] = mapped_column(CleanText())
    manager: Mapped[str | None] = mapped_column(CleanString(64))
    phone: Mapped[str | None] = mapped_column(CleanString(32))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("township.id"), index=True)
    address: Mapped[str | None] = mapped_column(CleanString(256))
    # GB/T 44013-2024 classification: ShelterDuration and ShelterLevel codes.
    duration_kind: Mapped[str | None] = mapped_column(CleanString(16))
    level: Mapped[str | None] = mapped_column(CleanString(16))
    effective_area_m2: Mapped[float | None] = mapped_column(Float)  # 有效避难面积, m²
    area_per_person_m2: Mapped[float | None] = mapped_column(Float)  # 人均有效面积, m²
    service_radius_m: Mapped[float | None] = mapped_column(Float)  # 服务半径, metres
    last_inspected_on: Mapped[date | None] = mapped_column(Date)
    opened_at: Mapped[datetime | None] = mapped_column()  # last opening (启用)
    closed_at: Mapped[datetime | None] = mapped_column()  # last closing (关闭)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_nonneg"),)


class ShelterOccupancyMovement(IdMixin, Base):
    """People in (+) or out (-) of a shelter; occupancy is the sum."""

    __tablename__ = "shelter_occupancy_movement"
    __change_entity__ = "shelter_occupancy_movement"

    shelter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shelter.id"), index=True)
    delta: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=column_now)
    actor: Mapped[str] = mapped_column(CleanString(64))
    note: Mapped[str | None] = mapped_column(CleanString(256))


class SupplyDepot(IdMixin, VersionedMixin, LocatedMixin, RegisterMixin, Base):
    __tablename__ = "supply_depot"
    __change_entity__ = "supply_depot"

    name: Mapped[str] = mapped_column(CleanString(128))
    level: Mapped[str] = mapped_column(CleanString(16))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("township.id"), index=True)
    address: Mapped[str | None] = mapped_column(CleanString(256))
    manager: Mapped[str | None] = mapped_column(CleanString(64))
    phone: Mapped[str | None] = mapped_column(CleanString(32))
    # 协议储备: the company holding the reserve and the contract period.
    company: Mapped[str | None] = mapped_column(CleanString(128))
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class SupplyCatalogItem(IdMixin, VersionedMixin, Base):
    """An entry of the county's supply catalogue (物资目录), coded after GB/T 38565-2020.

    ``code`` has seven digits, four levels ``X XX XX XX``: the class (1 基本生活保障物资,
    2 应急装备及配套物资, 3 工程材料与机械加工设备), then sub-class, group and
    item, 01..99 each, 99 meaning "other" (收容类目) at every level.
    ``key_need`` marks water, food, quilts and tents (KeyNeed) for the days of
    supply; ``ration`` is what one person needs of it, per day when
    ``ration_per_day``, else once (a quilt each, a tent for several).
    """

    __tablename__ = "supply_catalog_item"
    __change_entity__ = "supply_catalog_item"

    code: Mapped[str] = mapped_column(CleanString(7), index=True)
    name: Mapped[str] = mapped_column(CleanString(128))
    unit: Mapped[str] = mapped_column(CleanString(16))
    key_need: Mapped[str | None] = mapped_column(CleanString(16))
    ration: Mapped[float | None] = mapped_column(Numeric(14, 4, asdecimal=False))
    ration_per_day: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column()
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (UniqueConstraint("code", "name"),)


class DepotMinimum(IdMixin, VersionedMixin, Base):
    """The minimum a depot keeps of a catalogue item (储备定额); below it is a shortfall."""

    __tablename__ = "depot_minimum"
    __change_entity__ = "depot_minimum"

    depot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supply_depot.id"), index=True)
    catalog_item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supply_catalog_item.id"))
    min_quantity: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False), default=0)

    __table_args__ = (UniqueConstraint("depot_id", "catalog_item_id"),)


class StockItem(IdMixin, VersionedMixin, Base):
    __tablename__ = "stock_item"
    __change_entity__ = "stock_item"

    depot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supply_depot.id"), index=True)
    category_code: Mapped[str] = mapped_column(CleanString(32))
    name: Mapped[str] = mapped_column(CleanString(128))
    unit: Mapped[str] = mapped_column(CleanString(16))
    min_quantity: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False), default=0)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    # The catalogue entry this line is of, and its batch (批次): one line per
    # depot, item, batch and expiry date. category_code/name/unit copy the entry.
    catalog_item_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("supply_catalog_item.id"), index=True
    )
    batch: Mapped[str | None] = mapped_column(CleanString(64))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class StockMovement(IdMixin, Base):
    """Signed stock change of one item; the quantity on hand is the sum."""

    __tablename__ = "stock_movement"
    __change_entity__ = "stock_movement"

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("stock_item.id"), index=True)
    kind: Mapped[str] = mapped_column(CleanString(16))
    delta: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False))
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"), index=True)
    # Both halves of a transfer between depots carry the same transfer_id.
    transfer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    at: Mapped[datetime] = mapped_column(default=column_now)
    actor: Mapped[str] = mapped_column(CleanString(64))
    note: Mapped[str | None] = mapped_column(CleanString(256))


class RescueTeam(IdMixin, VersionedMixin, LocatedMixin, RegisterMixin, Base):
    __tablename__ = "rescue_team"
    __change_entity__ = "rescue_team"

    name: Mapped[str] = mapped_column(CleanString(128))
    team_type: Mapped[str] = mapped_column(CleanString(16))
    members: Mapped[int] = mapped_column(Integer, default=0)
    volunteers: Mapped[int] = mapped_column(Integer, default=0)
    equipment: Mapped[str | None] = mapped_column(CleanText())
    base_address: Mapped[str | None] = mapped_column(CleanString(256))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("township.id"), index=True)
    status: Mapped[str] = mapped_column(CleanString(16))
    contact_name: Mapped[str | None] = mapped_column(CleanString(64))
    contact_phone: Mapped[str | None] = mapped_column(CleanString(32))
    specialties: Mapped[str | None] = mapped_column(CleanString(256))  # TeamSpecialty codes, ","
    available: Mapped[int | None] = mapped_column(Integer)  # members available now
    # The incident the team was last dispatched to (while not standby), and since when.
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"))
    status_since: Mapped[datetime | None] = mapped_column()
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Staff(IdMixin, VersionedMixin, Base):
    __tablename__ = "staff"
    __change_entity__ = "staff"

    name: Mapped[str] = mapped_column(CleanString(64))
    unit: Mapped[str | None] = mapped_column(CleanString(128))
    phone: Mapped[str | None] = mapped_column(CleanString(32))
    role: Mapped[str] = mapped_column(CleanString(16))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("township.id"))
    village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("village.id"))
    post: Mapped[str | None] = mapped_column(CleanString(1))  # A / B post of an AB岗
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class DutyShift(IdMixin, VersionedMixin, Base):
    __tablename__ = "duty_shift"
    __change_entity__ = "duty_shift"

    label: Mapped[str] = mapped_column(CleanString(32))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime] = mapped_column(index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # An index, not a table constraint: SQLite adds it without rebuilding the table.
        Index("uq_duty_shift_times", "starts_at", "ends_at", unique=True),
    )


class DutyAssignment(IdMixin, Base):
    __tablename__ = "duty_assignment"
    __change_entity__ = "duty_assignment"

    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("duty_shift.id"), index=True)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[str] = mapped_column(CleanString(16))
    created_at: Mapped[datetime] = mapped_column(default=column_now)

    __table_args__ = (UniqueConstraint("shift_id", "staff_id"),)


class Incident(IdMixin, VersionedMixin, LocatedMixin, Base):
    __tablename__ = "incident"
    __change_entity__ = "incident"

    title: Mapped[str] = mapped_column(CleanString(200))
    category: Mapped[str] = mapped_column(CleanString(16))
    incident_type: Mapped[str] = mapped_column(CleanString(32))
    severity: Mapped[str] = mapped_column(CleanString(4))
    status: Mapped[str] = mapped_column(CleanString(16), index=True)
    is_drill: Mapped[bool] = mapped_column(Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(index=True)
    occurred_at: Mapped[datetime | None] = mapped_column()
    source: Mapped[str] = mapped_column(CleanString(16))
    reporter_name: Mapped[str | None] = mapped_column(CleanString(64))
    reporter_phone: Mapped[str | None] = mapped_column(CleanString(32))
    township_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("township.id"), index=True)
    village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("village.id"))
    address: Mapped[str | None] = mapped_column(CleanString(256))
    description: Mapped[str | None] = mapped_column(CleanText())
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injuries: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column()
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("deaths >= 0 AND injuries >= 0 AND missing >= 0", name="counts_nonneg"),
    )


class IncidentLogEntry(IdMixin, Base):
    """Append-only timeline of an incident. A correction points at what it corrects."""

    __tablename__ = "incident_log_entry"
    __change_entity__ = "incident_log_entry"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    kind: Mapped[str] = mapped_column(CleanString(16))
    body: Mapped[str] = mapped_column(CleanText())
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(CleanString(64))
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident_log_entry.id"))
    created_at: Mapped[datetime] = mapped_column(default=column_now)


class DutySwap(IdMixin, Base):
    """One person's duty on a shift taken over by another, with who agreed (append-only)."""

    __tablename__ = "duty_swap"
    __change_entity__ = "duty_swap"

    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("duty_shift.id"), index=True)
    from_staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    to_staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"))
    agreed_by: Mapped[str] = mapped_column(CleanString(64))
    reason: Mapped[str | None] = mapped_column(CleanString(256))
    recorded_by: Mapped[str] = mapped_column(CleanString(64))
    recorded_at: Mapped[datetime] = mapped_column(default=column_now)


class Handover(IdMixin, Base):
    """交接班: the outgoing shift hands over to the incoming one (append-only)."""

    __tablename__ = "handover"
    __change_entity__ = "handover"

    outgoing_shift_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("duty_shift.id"), index=True
    )
    incoming_shift_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("duty_shift.id"), index=True
    )
    handed_over_by: Mapped[str] = mapped_column(CleanString(64))
    handed_over_at: Mapped[datetime] = mapped_column(index=True)
    summary: Mapped[str | None] = mapped_column(CleanText())
    created_at: Mapped[datetime] = mapped_column(default=column_now)


class HandoverItem(IdMixin, Base):
    """An open item raised at a handover; open until a closure row exists."""

    __tablename__ = "handover_item"
    __change_entity__ = "handover_item"

    handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handover.id"), index=True)
    text: Mapped[str] = mapped_column(CleanText())
    incident_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("incident.id"), index=True)
    created_by: Mapped[str] = mapped_column(CleanString(64))
    created_at: Mapped[datetime] = mapped_column(default=column_now)


class HandoverItemClosure(IdMixin, Base):
    __tablename__ = "handover_item_closure"
    __change_entity__ = "handover_item_closure"

    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handover_item.id"), unique=True)
    closed_by: Mapped[str] = mapped_column(CleanString(64))
    closed_at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(CleanString(256))


class HandoverAck(IdMixin, Base):
    """The incoming shift acknowledges a handover."""

    __tablename__ = "handover_ack"
    __change_entity__ = "handover_ack"

    handover_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("handover.id"), unique=True)
    acknowledged_by: Mapped[str] = mapped_column(CleanString(64))
    acknowledged_at: Mapped[datetime] = mapped_column()
    note: Mapped[str | None] = mapped_column(CleanString(256))


class IncidentStatistics(IdMixin, Base):
    """A statistics report of a natural disaster (自然灾害情况统计), append-only; the
    latest one holds the current figures."""

    __tablename__ = "incident_statistics"
    __change_entity__ = "incident_statistics"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(CleanString(64))
    affected_population: Mapped[int] = mapped_column(Integer, default=0)  # 受灾人口
    deaths: Mapped[int] = mapped_column(Integer, default=0)  # 因灾死亡
    missing: Mapped[int] = mapped_column(Integer, default=0)  # 因灾失踪
    relocated: Mapped[int] = mapped_column(Integer, default=0)  # 紧急转移安置
    need_assistance: Mapped[int] = mapped_column(Integer, default=0)  # 需紧急生活救助
    houses_collapsed: Mapped[int] = mapped_column(Integer, default=0)  # 倒塌房屋
    houses_severely_damaged: Mapped[int] = mapped_column(Integer, default=0)  # 严重损坏
    houses_generally_damaged: Mapped[int] = mapped_column(Integer, default=0)  # 一般损坏
    crops_affected_ha: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False), default=0)
    crops_damaged_ha: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False), default=0)
    crops_lost_ha: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False), default=0)
    direct_loss_10k_yuan: Mapped[float] = mapped_column(
        Numeric(16, 2, asdecimal=False), default=0
    )  # 直接经济损失 (万元)
    # Basic living assistance reached the people who need it (the plan: within 10 h).
    assistance_delivered: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint(
            "affected_population >= 0 AND deaths >= 0 AND missing >= 0 AND relocated >= 0 "
            "AND need_assistance >= 0 AND houses_collapsed >= 0 "
            "AND houses_severely_damaged >= 0 AND houses_generally_damaged >= 0 "
            "AND crops_affected_ha >= 0 AND crops_damaged_ha >= 0 AND crops_lost_ha >= 0 "
            "AND direct_loss_10k_yuan >= 0",
            name="figures_nonneg",
        ),
    )


class OfficeSetting(IdMixin, VersionedMixin, Base):
    """Rules the office sets for every seat (e.g. the roster policy), as JSON."""

    __tablename__ = "office_setting"
    __change_entity__ = "office_setting"

    key: Mapped[str] = mapped_column(CleanString(64), unique=True)
    value: Mapped[str] = mapped_column(CleanText())
    updated_by: Mapped[str] = mapped_column(CleanString(64))


class User(IdMixin, VersionedMixin, Base):
    __tablename__ = "app_user"
    __change_entity__ = "user"
    __sync_center_only__ = True  # accounts are made at the center

    username: Mapped[str] = mapped_column(CleanString(64), unique=True)
    display_name: Mapped[str] = mapped_column(CleanString(64))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff.id"))
    role: Mapped[str] = mapped_column(CleanString(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Credential(IdMixin, VersionedMixin, Base):
    """A person's sign-in secrets, as argon2id hashes only, and failed attempts."""

    __tablename__ = "credential"
    __change_entity__ = "credential"
    # Shown as "******" in the change log's before/after values.
    __secret_columns__ = ("password_hash", "pin_hash")
    # Counts of the program's own doings at each site: not for the officer to decide.
    __sync_quiet__ = frozenset({"failed_attempts", "locked_until"})

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), unique=True)
    password_hash: Mapped[str] = mapped_column(CleanString(255))
    pin_hash: Mapped[str | None] = mapped_column(CleanString(255))
    must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()


class RoleGrant(IdMixin, Base):
    """A role granted to a person: by whom and why; revoked rows are kept."""

    __tablename__ = "role_grant"
    __change_entity__ = "role_grant"
    __sync_center_only__ = True  # roles are granted and revoked at the center

    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[str] = mapped_column(CleanString(16))
    reason: Mapped[str] = mapped_column(CleanText())
    granted_by: Mapped[str] = mapped_column(CleanString(64))
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column()
    granted_at: Mapped[datetime] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(CleanString(64))
    revoked_by_id: Mapped[uuid.UUID | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoke_reason: Mapped[str | None] = mapped_column(CleanText())


class ChangeLog(Base):
    """Append-only record of every write: live updates, audit trail, sync."""

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(SequenceKey, primary_key=True, autoincrement=True)
    entity_type: Mapped[str] = mapped_column(CleanString(48))
    entity_id: Mapped[uuid.UUID] = mapped_column()
    op: Mapped[str] = mapped_column(CleanString(8))
    actor: Mapped[str] = mapped_column(CleanString(64))
    at: Mapped[datetime] = mapped_column()
    origin_site: Mapped[str] = mapped_column(CleanString(64))
    # The person (None: the program itself), the roles held, the computer.
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    role: Mapped[str | None] = mapped_column(CleanString(64))
    workstation: Mapped[str | None] = mapped_column(CleanString(64))
    # Row changes: {column: [before, after]}; events: what happened. JSON.
    detail: Mapped[str | None] = mapped_column(CleanText())
    # SHA-256 chained to the previous entry (app.domain.audit).
    hash: Mapped[str | None] = mapped_column(CleanString(64))
    # Synchronisation (app.sync). ``replica``: the database the change was made
    # in (None: this one) and ``origin_seq`` its seq there (None: this row's
    # seq); ``hlc``: hybrid logical clock (app.domain.hlc) of the change;
    # ``received_at``: when a change made elsewhere arrived here (our clock,
    # UTC), ``at`` staying the time on the device that made it.
    replica: Mapped[str | None] = mapped_column(CleanString(32))
    origin_seq: Mapped[int | None] = mapped_column(BigInteger)
    hlc: Mapped[int | None] = mapped_column(BigInteger)
    received_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_change_log_entity", "entity_type", "entity_id"),
        Index("ix_change_log_actor_id", "actor_id"),
        Index("ix_change_log_at", "at"),
        Index("ix_change_log_hlc", "hlc"),
        # A change made elsewhere is stored once: applying it again is a no-op.
        Index("uq_change_log_origin", "replica", "origin_seq", unique=True),
        {"sqlite_autoincrement": True},
    )


class SyncSite(Base):
    """This database's own identity as a site (``is_self``) and what it knows of
    the sites it synchronises with: the command center and field vehicles.

    For a peer: ``acked_seq`` is the last of *our* change_log seqs the peer
    has confirmed it holds; ``received_seq`` the last of *its* seqs applied
    here. Local bookkeeping: not in change_log, never synchronised.
    """

    __tablename__ = "sync_site"

    code: Mapped[str] = mapped_column(CleanString(32), primary_key=True)
    name: Mapped[str] = mapped_column(CleanString(64))
    kind: Mapped[str] = mapped_column(CleanString(8))  # SiteKind: center / field
    is_self: Mapped[bool] = mapped_column(Boolean, default=False)
    # For the self row of a field vehicle: the center's database URL (no password).
    upstream_url: Mapped[str | None] = mapped_column(CleanString(256))
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    received_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # The last of our seqs that went out in a packet (acknowledged or not yet).
    sent_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column()  # our clock
    last_received_at: Mapped[datetime | None] = mapped_column()  # our clock
    # The peer's clock minus ours at the last sync over the network, seconds.
    skew_s: Mapped[float | None] = mapped_column(Float)
    # The key both sides of a pair sign their packets with (HMAC-SHA256, hex),
    # made when the field package is taken out. Never shown, never sent.
    secret: Mapped[str | None] = mapped_column(CleanString(64))
    created_at: Mapped[datetime] = mapped_column(default=column_now)


class SyncConflict(IdMixin, VersionedMixin, Base):
    """A change that lost a merge, kept for the duty officer to decide.

    ``kind`` is a ConflictKind. ``kept_*`` is the write every site now holds,
    ``lost_*`` the other one; values as JSON. Synchronised like any record,
    with an id derived from what conflicted, so that two sites finding the
    same conflict hold one row.
    """

    __tablename__ = "sync_conflict"
    __change_entity__ = "sync_conflict"
    __sync_quiet__ = frozenset({"*"})  # a conflict about a conflict helps nobody

    entity_type: Mapped[str] = mapped_column(CleanString(48))
    entity_id: Mapped[uuid.UUID] = mapped_column(index=True)
    field: Mapped[str | None] = mapped_column(CleanString(64))
    kind: Mapped[str] = mapped_column(CleanString(16))
    kept_value: Mapped[str | None] = mapped_column(CleanText())
    kept_replica: Mapped[str | None] = mapped_column(CleanString(32))
    kept_actor: Mapped[str | None] = mapped_column(CleanString(64))
    kept_at: Mapped[datetime | None] = mapped_column()
    lost_value: Mapped[str | None] = mapped_column(CleanText())
    lost_replica: Mapped[str | None] = mapped_column(CleanString(32))
    lost_actor: Mapped[str | None] = mapped_column(CleanString(64))
    lost_at: Mapped[datetime | None] = mapped_column()
    detected_at: Mapped[datetime] = mapped_column()
    detected_by: Mapped[str] = mapped_column(CleanString(32))
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by: Mapped[str | None] = mapped_column(CleanString(64))
    resolution: Mapped[str | None] = mapped_column(CleanString(16))  # kept / took_lost
    note: Mapped[str | None] = mapped_column(CleanText())


TRACKED_MODELS: tuple[type[Base], ...] = tuple(
    mapper.class_
    for mapper in Base.registry.mappers
    if getattr(mapper.class_, "__change_entity__", None)
)
