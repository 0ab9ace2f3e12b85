"""People-facing names of stored codes, in the language the UI runs in.

The words live in ``app.domain.labels`` (one table for widgets, the map page
and the reports); this module only picks the language installed at start-up.
"""

from __future__ import annotations

from app.domain import labels as table
from app.domain.labels import Family
from app.domain.rules import shelter_state
from app.ui.i18n import current_language


def label(family: Family, code: str | None) -> str:
    return table.label(family, code, current_language())


def family_labels(family: Family) -> dict[str, str]:
    """Every code of ``family`` with its label (for combo boxes and the map page)."""
    return table.labels(family, current_language())


def risk_level(code: str) -> str:
    return label(Family.RISK_LEVEL, code)


def hazard_type(code: str) -> str:
    return label(Family.HAZARD_TYPE, code)


def shelter_type(code: str) -> str:
    return label(Family.SHELTER_TYPE, code)


def shelter_status(is_open: bool, occupancy: int, capacity: int) -> str:
    """开放 / 已满 / 关闭, derived as everywhere else (:func:`app.domain.rules.shelter_state`)."""
    return shelter_state_label(shelter_state(is_open, capacity, occupancy))


def shelter_state_label(state: str) -> str:
    """The word for a shelter state code (``ShelterDTO.state``)."""
    return label(Family.SHELTER_STATUS, state)


def depot_level(code: str) -> str:
    return label(Family.DEPOT_LEVEL, code)


def team_type(code: str) -> str:
    return label(Family.TEAM_TYPE, code)


def team_status(code: str) -> str:
    return label(Family.TEAM_STATUS, code)


def staff_role(code: str) -> str:
    if code.startswith("custom:"):
        return code.removeprefix("custom:")  # a role the office named itself
    return label(Family.STAFF_ROLE, code)


def incident_category(code: str) -> str:
    return label(Family.INCIDENT_CATEGORY, code)


def severity(code: str) -> str:
    return label(Family.SEVERITY, code)


def incident_status(code: str) -> str:
    return label(Family.INCIDENT_STATUS, code)


def incident_source(code: str) -> str:
    return label(Family.INCIDENT_SOURCE, code)


def log_kind(code: str) -> str:
    return label(Family.LOG_KIND, code)


def incident_type(code: str) -> str:
    return label(Family.INCIDENT_TYPE, code)


def report_kind(code: str) -> str:
    return label(Family.REPORT_KIND, code)


def response_level(code: str) -> str:
    return label(Family.RESPONSE_LEVEL, code)


def figure_heading(field: str) -> str:
    """A statistics figure's name, with its unit unless it counts people."""
    return table.figure_heading(field, current_language())
