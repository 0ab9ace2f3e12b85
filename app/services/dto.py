"""What services hand to the UI: frozen dataclasses, never ORM objects.

Enum-valued fields hold the stored code (``app.domain.enums``); the UI turns
them into labels (``app.domain.labels``) in its language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain.rules import shelter_nearly_full, shelter_state


@dataclass(frozen=True, slots=True)
class TownshipDTO:
    id: uuid.UUID
    code: str
    name: str
    kind: str
    lon: float | None
    lat: float | None
    is_demo: bool


@dataclass(frozen=True, slots=True)
class HazardDTO:
    id: uuid.UUID
    name: str
    hazard_type: str
    risk_level: str
    township: str | None
    lon: float | None
    lat: float | None
    address: str | None
    responsible_unit: str | None
    contact_name: str | None
    contact_phone: str | None
    monitoring_status: str | None
    rectification_deadline: date | None
    is_demo: bool
    version: int
    # The register's own number (编号), and retirement (None: in service).
    code: str | None = None
    retired_at: datetime | None = None
    retired_reason: str | None = None
    # What looks wrong with the position (PositionFlag codes): kept, but shown.
    flags: tuple[str, ...] = ()
    rectification_state: str | None = None
    rectified_on: date | None = None
    supervision: str | None = None


@dataclass(frozen=True, slots=True)
class ShelterDTO:
    id: uuid.UUID
    name: str
    shelter_type: str
    capacity: int
    occupancy: int
    is_open: bool
    township: str | None
    lon: float | None
    lat: float | None
    address: str | None
    facilities: str | None
    manager: str | None
    phone: str | None
    is_demo: bool
    version: int
    # The register's own number (编号), and retirement (None: in service).
    code: str | None = None
    retired_at: datetime | None = None
    retired_reason: str | None = None
    # What looks wrong with the position (PositionFlag codes): kept, but shown.
    flags: tuple[str, ...] = ()
    duration_kind: str | None = None
    level: str | None = None
    effective_area_m2: float | None = None
    area_per_person_m2: float | None = None
    service_radius_m: float | None = None  # metres
    last_inspected_on: date | None = None
    opened_at: datetime | None = None  # UTC, the last opening
    closed_at: datetime | None = None  # UTC, the last closing

    @property
    def state(self) -> str:
        """open / full / closed (:func:`app.domain.rules.shelter_state`)."""
        return shelter_state(self.is_open, self.capacity, self.occupancy)

    @property
    def nearly_full(self) -> bool:
        return shelter_nearly_full(self.is_open, self.capacity, self.occupancy)


@dataclass(frozen=True, slots=True)
class DepotDTO:
    id: uuid.UUID
    name: str
    level: str
    township: str | None
    lon: float | None
    lat: float | None
    address: str | None
    manager: str | None
    phone: str | None
    item_count: int
    # Items below their minimum or past their expiry date.
    attention_count: int
    is_demo: bool
    version: int
    # The register's own number (编号), and retirement (None: in service).
    code: str | None = None
    retired_at: datetime | None = None
    retired_reason: str | None = None
    # What looks wrong with the position (PositionFlag codes): kept, but shown.
    flags: tuple[str, ...] = ()
    company: str | None = None
    contract_start: date | None = None
    contract_end: date | None = None


@dataclass(frozen=True, slots=True)
class TeamDTO:
    id: uuid.UUID
    name: str
    team_type: str
    members: int
    volunteers: int
    status: str
    township: str | None
    lon: float | None
    lat: float | None
    base_address: str | None
    equipment: str | None
    contact_name: str | None
    contact_phone: str | None
    is_demo: bool
    version: int
    # The register's own number (编号), and retirement (None: in service).
    code: str | None = None
    retired_at: datetime | None = None
    retired_reason: str | None = None
    # What looks wrong with the position (PositionFlag codes): kept, but shown.
    flags: tuple[str, ...] = ()
    specialties: str | None = None  # TeamSpecialty codes, comma-separated
    available: int | None = None
    incident_id: uuid.UUID | None = None
    status_since: datetime | None = None  # UTC


@dataclass(frozen=True, slots=True)
class StaffDTO:
    id: uuid.UUID
    name: str
    unit: str | None
    phone: str | None
    role: str
    township: str | None
    post: str | None
    active: bool


@dataclass(frozen=True, slots=True)
class AssignmentDTO:
    staff_id: uuid.UUID
    name: str
    role: str
    phone: str | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class ShiftDTO:
    id: uuid.UUID
    label: str
    starts_at: datetime
    ends_at: datetime
    assignments: tuple[AssignmentDTO, ...]
    # Roles still missing for minimum staffing, e.g. {"officer": 1}.
    shortfall: dict[str, int] = field(default_factory=dict)
    # The copy's version: changing the people starts from it (0 was never stored).
    version: int = 0

    @property
    def leaders(self) -> tuple[AssignmentDTO, ...]:
        return tuple(a for a in self.assignments if a.role == "leader")

    @property
    def officers(self) -> tuple[AssignmentDTO, ...]:
        return tuple(a for a in self.assignments if a.role == "officer")


@dataclass(frozen=True, slots=True)
class IncidentDTO:
    id: uuid.UUID
    title: str
    category: str
    incident_type: str
    severity: str
    status: str
    is_drill: bool
    received_at: datetime
    source: str
    township: str | None
    address: str | None
    lon: float | None
    lat: float | None
    description: str | None
    deaths: int
    injuries: int
    missing: int
    log_count: int
    is_demo: bool
    version: int


@dataclass(frozen=True, slots=True)
class LogEntryDTO:
    id: uuid.UUID
    incident_id: uuid.UUID
    kind: str
    body: str
    at: datetime
    actor: str
    corrects_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class MapData:
    """Everything the map shows. ``county`` and township boundaries are GeoJSON geometries."""

    county: dict[str, Any] | None
    townships: tuple[TownshipDTO, ...]
    hazards: tuple[HazardDTO, ...]
    shelters: tuple[ShelterDTO, ...]
    depots: tuple[DepotDTO, ...]
    teams: tuple[TeamDTO, ...]
    incidents: tuple[IncidentDTO, ...]


@dataclass(frozen=True, slots=True)
class StatusDTO:
    """What the status bar shows about the database contents."""

    demo_tables: int  # how many tables hold demo rows
    last_seq: int
    schema_revision: str | None

    @property
    def has_demo(self) -> bool:
        return self.demo_tables > 0


@dataclass(frozen=True, slots=True)
class MapChanges:
    """What changed on the map since the data it shows: rows to add or replace
    (matched by id within their layer) and (layer, id) pairs to take away.

    Layer names: "hazards", "shelters", "depots", "teams", "incidents". Closed
    incidents leave the map: they come as removals.
    """

    hazards: tuple[HazardDTO, ...] = ()
    shelters: tuple[ShelterDTO, ...] = ()
    depots: tuple[DepotDTO, ...] = ()
    teams: tuple[TeamDTO, ...] = ()
    incidents: tuple[IncidentDTO, ...] = ()
    removed: tuple[tuple[str, str], ...] = ()
    # The change_log sequence these changes bring the map up to.
    up_to_seq: int = 0

    def is_empty(self) -> bool:
        return not (
            self.hazards
            or self.shelters
            or self.depots
            or self.teams
            or self.incidents
            or self.removed
        )


@dataclass(frozen=True, slots=True)
class ShelterEdit:
    """What the shelter form can change; ``version`` is the copy the user edited."""

    shelter_id: uuid.UUID
    version: int
    is_open: bool
    capacity: int
    manager: str
    phone: str
    facilities: str


@dataclass(frozen=True, slots=True)
class LastChange:
    """Who last changed a record, and when (from change_log)."""

    actor: str
    at: datetime
    origin_site: str
