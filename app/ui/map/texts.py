"""The map page's words, in the language the UI runs in.

``map.js`` holds no words of its own: ``MapPanel`` sends ``page_texts`` with
``window.xcc.setTexts`` as soon as the page is ready, before any data, so the
popups, tooltips, layer names and legend follow the language setting and use
the same labels of stored codes as the widgets and the reports
(``app.domain.labels``). The page sets every string as text, never as HTML.

Templates take ``%1``, ``%2``.. like Qt's own strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from app.domain.labels import Family
from app.ui import labels
from app.ui.i18n import current_language

CONTEXT = "MapPage"

# The code families the page shows (keys of ``labels`` in the message).
PAGE_FAMILIES: tuple[Family, ...] = (
    Family.RISK_LEVEL,
    Family.HAZARD_TYPE,
    Family.SHELTER_TYPE,
    Family.SHELTER_STATUS,
    Family.DEPOT_LEVEL,
    Family.TEAM_TYPE,
    Family.TEAM_STATUS,
    Family.INCIDENT_CATEGORY,
    Family.SEVERITY,
    Family.INCIDENT_STATUS,
)

# QT_TRANSLATE_NOOP marks the texts for lupdate (its stub is typed as returning object).
_STRINGS: dict[str, object] = {
    "title": QT_TRANSLATE_NOOP("MapPage", "Emergency map"),
    # Tooltips and popups.
    "pair": QT_TRANSLATE_NOOP("MapPage", "%1 · %2"),
    "drill": QT_TRANSLATE_NOOP("MapPage", " (drill)"),
    "drillPrefix": QT_TRANSLATE_NOOP("MapPage", "[Drill] "),
    "newest": QT_TRANSLATE_NOOP("MapPage", "newest"),
    "shelterClosed": QT_TRANSLATE_NOOP("MapPage", "%1 · room for %2"),
    "shelterOpen": QT_TRANSLATE_NOOP("MapPage", "%1 · %2 / %3 sheltered"),
    "shelterKind": QT_TRANSLATE_NOOP("MapPage", "%1 shelter"),
    "depotAttention": QT_TRANSLATE_NOOP("MapPage", "%1 supply item(s) need attention"),
    "depotItems": QT_TRANSLATE_NOOP("MapPage", "%1 kind(s) of supplies"),
    "depotItemsAttention": QT_TRANSLATE_NOOP(
        "MapPage", "%1 kind(s) of supplies, %2 need attention"
    ),
    "teamMembers": QT_TRANSLATE_NOOP("MapPage", "%1 · %2 members"),
    "riskLine": QT_TRANSLATE_NOOP("MapPage", "Risk level: %1"),
    "statusLine": QT_TRANSLATE_NOOP("MapPage", "Status: %1"),
    "receivedLine": QT_TRANSLATE_NOOP("MapPage", "Received: %1"),
    "townshipLine": QT_TRANSLATE_NOOP("MapPage", "Township: %1"),
    # Controls.
    "coordinates": QT_TRANSLATE_NOOP("MapPage", "Longitude %1  Latitude %2"),
    "legend": QT_TRANSLATE_NOOP("MapPage", "Legend"),
    "legendHide": QT_TRANSLATE_NOOP("MapPage", "Hide"),
    "legendShow": QT_TRANSLATE_NOOP("MapPage", "Show"),
    "legendHazardColour": QT_TRANSLATE_NOOP("MapPage", "Hazards (colour: risk level)"),
    "legendHazardShape": QT_TRANSLATE_NOOP("MapPage", "Hazards (shape: type)"),
    "legendShelterOpen": QT_TRANSLATE_NOOP("MapPage", "Open (dark part: share occupied)"),
    "legendDepot": QT_TRANSLATE_NOOP("MapPage", "Depot or reserve point"),
    "legendDepotAttention": QT_TRANSLATE_NOOP("MapPage", "Red ring: supplies short or expired"),
    "legendIncidents": QT_TRANSLATE_NOOP("MapPage", "Incidents (colour: severity)"),
    "legendDrill": QT_TRANSLATE_NOOP("MapPage", "Drill (dashed, faded)"),
    "legendNewest": QT_TRANSLATE_NOOP("MapPage", "Dark pulsing ring: newest report"),
    "legendOther": QT_TRANSLATE_NOOP("MapPage", "Other"),
    "legendCounty": QT_TRANSLATE_NOOP("MapPage", "County boundary"),
    "legendTownshipSeat": QT_TRANSLATE_NOOP("MapPage", "Township seat"),
    "legendSelected": QT_TRANSLATE_NOOP("MapPage", "Blue ring: selected"),
}


def page_texts(layer_titles: Mapping[str, str]) -> dict[str, Any]:
    """The message for ``window.xcc.setTexts``: ``lang`` (for the page's ``lang``
    attribute), ``labels`` (family -> code -> label), ``layers`` (layer -> title)
    and ``text`` (the page's own strings and templates)."""
    return {
        "lang": "en" if current_language() == "en" else "zh-CN",
        "labels": {family.value: labels.family_labels(family) for family in PAGE_FAMILIES},
        "layers": dict(layer_titles),
        "text": {key: QCoreApplication.translate(CONTEXT, str(s)) for key, s in _STRINGS.items()},
    }
