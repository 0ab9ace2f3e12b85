"""Coordinates as people type them: decimal degrees or degrees-minutes-seconds.

Registers and forms hold longitude and latitude in many spellings: ``116.95``,
``116°57'30"``, ``116°57′30.5″E``, ``东经116度57分30秒``, ``E 116 57 30``,
``34:11:24``, full-width digits and punctuation. :func:`parse_angle` reads
them all into decimal degrees (WGS-84 is what the application stores; see
:mod:`app.domain.geo` for GCJ-02). :func:`position_flags` says what looks
wrong with a position without refusing it: latitude and longitude swapped, or
a point outside the county.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Final, Literal

from app.domain.geo import BBox
from app.domain.rules import RuleViolation

Axis = Literal["lon", "lat"]

# 萧县 (adcode 341322), bbox of the county boundary (lon 116.528-117.150,
# lat 33.937-34.489) with about 2 km of margin.
COUNTY_BBOX: Final = BBox(116.50, 33.91, 117.18, 34.51)

_LIMIT: Final[dict[str, float]] = {"lon": 180.0, "lat": 90.0}
_HEMISPHERES: Final[dict[str, tuple[str, int]]] = {
    "e": ("lon", 1),
    "w": ("lon", -1),
    "n": ("lat", 1),
    "s": ("lat", -1),
    "东经": ("lon", 1),
    "西经": ("lon", -1),
    "北纬": ("lat", 1),
    "南纬": ("lat", -1),
    "东": ("lon", 1),
    "西": ("lon", -1),
    "北": ("lat", 1),
    "南": ("lat", -1),
}
_WORD = r"(东经|西经|北纬|南纬|[东西南北nsew])"
_HEMISPHERE = re.compile(rf"^{_WORD}|{_WORD}$")
# Marks after degrees, minutes and seconds (after NFKC: ′ ″ stay, ° stays).
_MARKS = re.compile(r"[°º˚度'′’‘分\"″”“秒:：]+")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Plain decimal degrees, as most registers hold them: read without the rest.
_DECIMAL = re.compile(r"-?\d{1,3}(?:\.\d+)?")


class PositionFlag(StrEnum):
    """What looks wrong with a position that is still kept."""

    SWAPPED = "swapped"  # 经纬度可能填反
    OUTSIDE_COUNTY = "outside_county"  # 不在县域范围内


FLAG_TEXT: Final[dict[PositionFlag, str]] = {
    PositionFlag.SWAPPED: "经纬度可能填反",
    PositionFlag.OUTSIDE_COUNTY: "坐标不在萧县范围内",
}


def parse_angle(text: str, axis: Axis) -> float:
    """``text`` as decimal degrees of ``axis`` (``"lon"`` or ``"lat"``).

    Accepts decimal degrees with an optional sign, and degrees-minutes-seconds
    or degrees-minutes separated by °/度, ′/'/分, ″/"/秒, colons or spaces,
    each with an optional hemisphere (E/W/N/S or 东经/西经/北纬/南纬) before or
    after. Minutes and seconds must be below 60. Result rounded to 1e-7° (~1 cm).

    Raises :class:`RuleViolation`: ``coord.empty``, ``coord.unreadable``
    (detail: the text), ``coord.wrong_axis`` (a latitude's N/S given for a
    longitude, or the reverse), ``coord.out_of_range`` (beyond ±180 / ±90).
    """
    if _DECIMAL.fullmatch(text or ""):
        value = round(float(text), 7)
        if abs(value) > _LIMIT[axis]:
            raise RuleViolation("coord.out_of_range", text)
        return value
    raw = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not raw:
        raise RuleViolation("coord.empty", "")
    sign = 1
    hemisphere = _HEMISPHERE.search(raw)
    if hemisphere:
        word = hemisphere.group(1) or hemisphere.group(2)
        hemi_axis, sign = _HEMISPHERES[word]
        if hemi_axis != axis:
            raise RuleViolation("coord.wrong_axis", text)
        raw = (raw[: hemisphere.start()] + raw[hemisphere.end() :]).strip()
    if raw[:1] in "+-":
        if raw[0] == "-":
            sign = -sign
        raw = raw[1:].strip()
    parts = [p for p in _MARKS.sub(" ", raw).split() if p]
    if not 1 <= len(parts) <= 3 or not all(_NUMBER.match(p) for p in parts):
        raise RuleViolation("coord.unreadable", text)
    numbers = [float(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]) or any("." in p for p in parts[:-1]):
        raise RuleViolation("coord.unreadable", text)
    value = numbers[0] + sum(n / 60**i for i, n in enumerate(numbers[1:], start=1))
    value = round(sign * value, 7)
    if abs(value) > _LIMIT[axis]:
        raise RuleViolation("coord.out_of_range", text)
    return float(value)


def format_dms(value: float, axis: Axis) -> str:
    """``value`` (decimal degrees) as ``116°57′30.0″E``: the form people check against."""
    hemisphere = ("E" if value >= 0 else "W") if axis == "lon" else ("N" if value >= 0 else "S")
    total = round(abs(value) * 3600, 1)
    degrees, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{int(degrees)}°{int(minutes):02d}′{seconds:04.1f}″{hemisphere}"


def position_flags(lon: float, lat: float, bbox: BBox = COUNTY_BBOX) -> list[PositionFlag]:
    """What looks wrong with (lon, lat), in WGS-84 degrees; empty when nothing does.

    ``SWAPPED`` when the point is outside ``bbox`` but (lat, lon) is inside it;
    ``OUTSIDE_COUNTY`` whenever the point is outside ``bbox`` (by default the
    county with ~2 km margin). Such positions are kept and shown flagged.
    """
    if bbox.contains(lon, lat):
        return []
    if bbox.contains(lat, lon):
        return [PositionFlag.SWAPPED, PositionFlag.OUTSIDE_COUNTY]
    return [PositionFlag.OUTSIDE_COUNTY]
