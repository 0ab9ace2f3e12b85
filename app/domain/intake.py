"""Incident intake (接报登记): what a report must hold before it is recorded."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.domain.enums import IncidentCategory, IncidentSource, Severity
from app.domain.rules import phone_problem

# Incident types per category (自然灾害 / 事故灾难 / 公共卫生 / 社会安全).
INCIDENT_TYPES: dict[IncidentCategory, tuple[str, ...]] = {
    IncidentCategory.NATURAL: (
        "flood",
        "rainstorm",
        "strong_convection",
        "heat",
        "frost",
        "drought",
        "earthquake",
        "geological",
    ),
    IncidentCategory.ACCIDENT: (
        "work_safety",
        "fire",
        "road_traffic",
        "hazardous_chemicals",
        "gas",
        "special_equipment",
    ),
    IncidentCategory.PUBLIC_HEALTH: ("infectious_disease", "food_poisoning", "other_health"),
    IncidentCategory.SOCIAL_SAFETY: ("mass_gathering", "public_security", "other_social"),
}

# A report may be typed a little ahead of the clock on another seat.
CLOCK_SKEW = timedelta(minutes=5)
MAX_TITLE = 200


@dataclass(frozen=True)
class IncidentDraft:
    """A report as typed.

    ``id`` is chosen when the form opens and becomes the incident's id: saving the
    same draft again (after an answer lost with the connection) finds the first
    save instead of recording the report twice.
    """

    title: str
    category: str
    incident_type: str
    severity: str
    source: str
    received_at: datetime
    is_drill: bool = False
    reporter_name: str = ""
    reporter_phone: str = ""
    lon: float | None = None
    lat: float | None = None
    township_id: str | None = None
    address: str = ""
    description: str = ""
    deaths: int = 0
    injuries: int = 0
    missing: int = 0
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def validate_draft(
    draft: IncidentDraft, now: datetime, in_county: Callable[[float, float], bool] | None
) -> dict[str, str]:
    """Field name -> error code; empty when the draft may be recorded."""
    errors: dict[str, str] = {}
    if not draft.title.strip():
        errors["title"] = "required"
    elif len(draft.title) > MAX_TITLE:
        errors["title"] = "too_long"
    try:
        category = IncidentCategory(draft.category)
    except ValueError:
        errors["category"] = "unknown"
    else:
        if draft.incident_type not in INCIDENT_TYPES[category]:
            errors["incident_type"] = "unknown"
    if draft.severity not in Severity._value2member_map_:
        errors["severity"] = "unknown"
    if draft.source not in IncidentSource._value2member_map_:
        errors["source"] = "unknown"
    if draft.received_at.tzinfo is None:
        errors["received_at"] = "no_timezone"
    elif draft.received_at > now + CLOCK_SKEW:
        errors["received_at"] = "future"
    phone = phone_problem(draft.reporter_phone)
    if phone is not None:
        errors["reporter_phone"] = phone
    for name in ("deaths", "injuries", "missing"):
        if getattr(draft, name) < 0:
            errors[name] = "negative"
    located = draft.lon is not None or draft.lat is not None
    if located:
        if draft.lon is None or draft.lat is None:
            errors["location"] = "incomplete"
        elif not (math.isfinite(draft.lon) and math.isfinite(draft.lat)):
            errors["location"] = "invalid"
        elif in_county is not None and not in_county(draft.lon, draft.lat):
            swapped = in_county(draft.lat, draft.lon)
            errors["location"] = "swapped" if swapped else "outside_county"
    elif draft.township_id is None and not draft.address.strip():
        errors["location"] = "required"
    return errors


class DraftRejected(ValueError):
    """The draft breaks the rules; ``errors`` maps field names to error codes."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in sorted(errors.items())))
        self.errors = errors
