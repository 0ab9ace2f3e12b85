"""People-facing names of stored codes, through Qt's translation system."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


# Labels are marked with QT_TRANSLATE_NOOP so that lupdate finds them, and
# translated when looked up, in the language installed at that moment.


def risk_level(code: str) -> str:
    return _t(
        {
            "red": QT_TRANSLATE_NOOP("Labels", "Major (red)"),
            "orange": QT_TRANSLATE_NOOP("Labels", "Serious (orange)"),
            "yellow": QT_TRANSLATE_NOOP("Labels", "General (yellow)"),
            "blue": QT_TRANSLATE_NOOP("Labels", "Low (blue)"),
        }.get(code, code)
    )


def hazard_type(code: str) -> str:
    return _t(
        {
            "chemical": QT_TRANSLATE_NOOP("Labels", "Hazardous chemicals"),
            "mine": QT_TRANSLATE_NOOP("Labels", "Non-coal mine"),
            "gas": QT_TRANSLATE_NOOP("Labels", "Gas"),
            "dust": QT_TRANSLATE_NOOP("Labels", "Dust explosion"),
            "waterlogging": QT_TRANSLATE_NOOP("Labels", "Waterlogging point"),
            "geological": QT_TRANSLATE_NOOP("Labels", "Geological hazard"),
            "crowded": QT_TRANSLATE_NOOP("Labels", "Crowded place"),
        }.get(code, code)
    )


def shelter_type(code: str) -> str:
    return _t(
        {
            "indoor": QT_TRANSLATE_NOOP("Labels", "Indoor"),
            "outdoor": QT_TRANSLATE_NOOP("Labels", "Outdoor"),
        }.get(code, code)
    )


def depot_level(code: str) -> str:
    return _t(
        {
            "county": QT_TRANSLATE_NOOP("Labels", "County reserve"),
            "township": QT_TRANSLATE_NOOP("Labels", "Township reserve point"),
            "agreement": QT_TRANSLATE_NOOP("Labels", "Agreement reserve"),
        }.get(code, code)
    )


def team_type(code: str) -> str:
    return _t(
        {
            "fire": QT_TRANSLATE_NOOP("Labels", "Fire and rescue"),
            "volunteer": QT_TRANSLATE_NOOP("Labels", "Volunteer rescue"),
            "professional": QT_TRANSLATE_NOOP("Labels", "Professional team"),
            "township": QT_TRANSLATE_NOOP("Labels", "Township team"),
        }.get(code, code)
    )


def team_status(code: str) -> str:
    return _t(
        {
            "standby": QT_TRANSLATE_NOOP("Labels", "Standby"),
            "deployed": QT_TRANSLATE_NOOP("Labels", "Deployed"),
            "resting": QT_TRANSLATE_NOOP("Labels", "Resting"),
        }.get(code, code)
    )


def staff_role(code: str) -> str:
    if code.startswith("custom:"):
        return code.removeprefix("custom:")  # a role the office named itself
    return _t(
        {
            "leader": QT_TRANSLATE_NOOP("Labels", "Leader on duty"),
            "officer": QT_TRANSLATE_NOOP("Labels", "Duty officer"),
            "info_officer": QT_TRANSLATE_NOOP("Labels", "Disaster information officer"),
            "other": QT_TRANSLATE_NOOP("Labels", "Other"),
        }.get(code, code)
    )


def incident_category(code: str) -> str:
    return _t(
        {
            "natural": QT_TRANSLATE_NOOP("Labels", "Natural disaster"),
            "accident": QT_TRANSLATE_NOOP("Labels", "Accident"),
            "public_health": QT_TRANSLATE_NOOP("Labels", "Public health"),
            "social_safety": QT_TRANSLATE_NOOP("Labels", "Social safety"),
        }.get(code, code)
    )


def severity(code: str) -> str:
    return _t(
        {
            "I": QT_TRANSLATE_NOOP("Labels", "I Extraordinary"),
            "II": QT_TRANSLATE_NOOP("Labels", "II Major"),
            "III": QT_TRANSLATE_NOOP("Labels", "III Serious"),
            "IV": QT_TRANSLATE_NOOP("Labels", "IV General"),
        }.get(code, code)
    )


def incident_status(code: str) -> str:
    return _t(
        {
            "received": QT_TRANSLATE_NOOP("Labels", "Received"),
            "verified": QT_TRANSLATE_NOOP("Labels", "Verified"),
            "reported": QT_TRANSLATE_NOOP("Labels", "Reported"),
            "responding": QT_TRANSLATE_NOOP("Labels", "Responding"),
            "handling": QT_TRANSLATE_NOOP("Labels", "Handling"),
            "closed": QT_TRANSLATE_NOOP("Labels", "Closed"),
        }.get(code, code)
    )


def incident_source(code: str) -> str:
    return _t(
        {
            "phone": QT_TRANSLATE_NOOP("Labels", "Phone"),
            "12345": QT_TRANSLATE_NOOP("Labels", "12345 transfer"),
            "110": QT_TRANSLATE_NOOP("Labels", "110 transfer"),
            "119": QT_TRANSLATE_NOOP("Labels", "119 transfer"),
            "township": QT_TRANSLATE_NOOP("Labels", "Township report"),
            "sensor": QT_TRANSLATE_NOOP("Labels", "Sensor alarm"),
            "other": QT_TRANSLATE_NOOP("Labels", "Other"),
        }.get(code, code)
    )


def log_kind(code: str) -> str:
    return _t(
        {
            "note": QT_TRANSLATE_NOOP("Labels", "Note"),
            "call": QT_TRANSLATE_NOOP("Labels", "Phone call"),
            "instruction": QT_TRANSLATE_NOOP("Labels", "Leader's instruction"),
            "dispatch": QT_TRANSLATE_NOOP("Labels", "Dispatch"),
            "statistics": QT_TRANSLATE_NOOP("Labels", "Statistics"),
            "attachment": QT_TRANSLATE_NOOP("Labels", "Attachment"),
            "status": QT_TRANSLATE_NOOP("Labels", "Status change"),
            "report": QT_TRANSLATE_NOOP("Labels", "Report upward"),
        }.get(code, code)
    )


def incident_type(code: str) -> str:
    return _t(
        {
            "flood": QT_TRANSLATE_NOOP("Labels", "Flood"),
            "rainstorm": QT_TRANSLATE_NOOP("Labels", "Rainstorm"),
            "strong_convection": QT_TRANSLATE_NOOP("Labels", "Strong convection"),
            "heat": QT_TRANSLATE_NOOP("Labels", "Heat"),
            "frost": QT_TRANSLATE_NOOP("Labels", "Frost"),
            "drought": QT_TRANSLATE_NOOP("Labels", "Drought"),
            "earthquake": QT_TRANSLATE_NOOP("Labels", "Earthquake"),
            "geological": QT_TRANSLATE_NOOP("Labels", "Geological disaster"),
            "work_safety": QT_TRANSLATE_NOOP("Labels", "Work safety accident"),
            "fire": QT_TRANSLATE_NOOP("Labels", "Fire"),
            "road_traffic": QT_TRANSLATE_NOOP("Labels", "Road traffic accident"),
            "hazardous_chemicals": QT_TRANSLATE_NOOP("Labels", "Hazardous chemicals accident"),
            "gas": QT_TRANSLATE_NOOP("Labels", "Gas accident"),
            "special_equipment": QT_TRANSLATE_NOOP("Labels", "Special equipment accident"),
            "infectious_disease": QT_TRANSLATE_NOOP("Labels", "Infectious disease"),
            "food_poisoning": QT_TRANSLATE_NOOP("Labels", "Food poisoning"),
            "other_health": QT_TRANSLATE_NOOP("Labels", "Other public health event"),
            "mass_gathering": QT_TRANSLATE_NOOP("Labels", "Mass gathering"),
            "public_security": QT_TRANSLATE_NOOP("Labels", "Public security event"),
            "other_social": QT_TRANSLATE_NOOP("Labels", "Other social safety event"),
        }.get(code, code)
    )


def report_kind(code: str) -> str:
    return _t(
        {
            "initial": QT_TRANSLATE_NOOP("Labels", "First report"),
            "follow_up": QT_TRANSLATE_NOOP("Labels", "Follow-up report"),
            "final": QT_TRANSLATE_NOOP("Labels", "Final report"),
        }.get(code, code)
    )
