"""The supply catalogue's codes, rotation reminders and days of supply.

Catalogue codes follow GB/T 38565-2020 (应急物资分类及编码): seven digits in
four levels ``X XX XX XX``: the class (1 基本生活保障物资, 2 应急装备及配套物资,
3 工程材料与机械加工设备), then sub-class, group and item, ``01``..``99`` each,
``99`` meaning "other" (收容类目) at every level. People type them with spaces,
dashes or full-width digits; they are stored as the seven digits.

Rotation (收储轮换) reminders put a batch in a bucket by its expiry date, a
China-time calendar date: a batch is usable through its expiry day and expired
from the next day on. No Qt and no database here.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.rules import RuleViolation

CODE_DIGITS = 7
# The top classes of GB/T 38565-2020, by their first digit.
TOP_CLASSES: dict[str, str] = {
    "1": "基本生活保障物资",
    "2": "应急装备及配套物资",
    "3": "工程材料与机械加工设备",
}
OTHER = "99"  # 其他 (收容类目) at every level below the class
# Separators people put between the levels: spaces (also full-width), dashes, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑–—－.·]+")

# Rotation windows (days before the expiry date), after the county's practice
# of reminding a quarter and a month ahead.
SOON_DAYS = 30
LATER_DAYS = 90

NAME_MAX = 128
UNIT_MAX = 16


class Rotation(StrEnum):
    """Where a batch stands against its expiry date (China-time date)."""

    EXPIRED = "expired"  # 已过期: the expiry date is before today
    WITHIN_30 = "within_30"  # 30 天内到期 (today up to 30 days ahead)
    WITHIN_90 = "within_90"  # 90 天内到期 (31 to 90 days ahead)


ROTATION_LABELS: dict[Rotation, str] = {
    Rotation.EXPIRED: "已过期",
    Rotation.WITHIN_30: "30 天内到期",
    Rotation.WITHIN_90: "90 天内到期",
}


def normalize_code(text: str) -> str:
    """A catalogue code as typed -> its seven digits (``"1 01 02 03"`` -> ``"1010203"``).

    Accepts spaces, dashes, dots and full-width digits between the levels.
    Raises :class:`RuleViolation` ``supply.code`` with ``detail`` one of
    ``empty``, ``not_digits``, ``length``, ``class`` (first digit not 1-3),
    ``level`` (a later level ``00``); :func:`code_problem_text` says it in Chinese.
    Source: GB/T 38565-2020, four-level code ``X XX XX XX``.
    """
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not folded:
        raise RuleViolation("supply.code", "empty")
    digits = _SEPARATORS.sub("", folded)
    if not digits.isascii() or not digits.isdigit():
        raise RuleViolation("supply.code", "not_digits")
    if len(digits) != CODE_DIGITS:
        raise RuleViolation("supply.code", "length")
    if digits[0] not in TOP_CLASSES:
        raise RuleViolation("supply.code", "class")
    if any(level == "00" for level in code_levels(digits)[1:]):
        raise RuleViolation("supply.code", "level")
    return digits


def code_levels(code: str) -> tuple[str, str, str, str]:
    """The four levels of a seven-digit code: ``"1010203"`` -> ``("1", "01", "02", "03")``.

    Does not validate (see :func:`normalize_code`); ``ValueError`` if not seven characters.
    """
    if len(code) != CODE_DIGITS:
        raise ValueError(f"not a seven-digit code: {code!r}")
    return code[0], code[1:3], code[3:5], code[5:7]


def format_code(code: str) -> str:
    """Seven digits as people read them: ``"1010203"`` -> ``"1 01 02 03"`` (else unchanged)."""
    if len(code) != CODE_DIGITS or not code.isdigit():
        return code
    return " ".join(code_levels(code))


def top_class_name(code: str) -> str:
    """The name of the code's top class (``"基本生活保障物资"`` ...), or "" if unknown."""
    return TOP_CLASSES.get(code[:1], "")


def is_other(code: str) -> bool:
    """True when any level below the class is 99 (其他)."""
    return len(code) == CODE_DIGITS and OTHER in code_levels(code)[1:]


_CODE_TEXTS = {
    "empty": "请填写物资编码（7 位数字，如 1 01 02 03）",
    "not_digits": "物资编码只能是数字（可用空格或短横分隔，如 1 01 02 03）",
    "length": "物资编码应为 7 位数字（X XX XX XX），如 1 01 02 03",
    "class": "物资编码第 1 位应为大类 1（基本生活保障物资）、2（应急装备及配套物资）"
    "或 3（工程材料与机械加工设备）",
    "level": "物资编码第 2-7 位每级为 01-99（99 表示其他），不能为 00",
}


def code_problem_text(problem: RuleViolation) -> str:
    """The Chinese message for a ``supply.code`` refusal of :func:`normalize_code`."""
    return _CODE_TEXTS.get(problem.detail, _CODE_TEXTS["length"])


def rotation(expiry: date | None, today: date) -> Rotation | None:
    """The rotation bucket of a batch expiring on ``expiry`` (China-time date), or None.

    Expired when ``expiry < today`` (usable through its expiry day);
    :attr:`Rotation.WITHIN_30` when it expires today or within :data:`SOON_DAYS`
    days; :attr:`Rotation.WITHIN_90` within :data:`LATER_DAYS`; None when later
    or without an expiry date.
    """
    if expiry is None:
        return None
    left = (expiry - today).days
    if left < 0:
        return Rotation.EXPIRED
    if left <= SOON_DAYS:
        return Rotation.WITHIN_30
    if left <= LATER_DAYS:
        return Rotation.WITHIN_90
    return None


def usable(expiry: date | None, today: date) -> bool:
    """True when a batch may still be handed out on ``today`` (not expired)."""
    return expiry is None or expiry >= today


def days_of_supply(
    quantity: float, people: int, ration: float | None, per_day: bool
) -> float | None:
    """How many days ``quantity`` lasts ``people`` at ``ration`` per person.

    ``ration`` is in the catalogue unit per person (per day when ``per_day``,
    e.g. 3 升/人/日 of water; else once, e.g. 1 床 of quilt per person, 0.25 顶
    of tent). For a once-only ration the result is ``math.inf`` when everyone
    is covered and ``0.0`` when not: a quilt does not run out by the day.
    Returns None when there is nothing to compute (no people, no ration).
    """
    if people <= 0 or ration is None or ration <= 0:
        return None
    quantity = max(0.0, float(quantity))
    if per_day:
        return quantity / (people * ration)
    return math.inf if quantity >= people * ration else 0.0


def coverage(quantity: float, people: int, ration: float | None) -> float | None:
    """The share of ``people`` that ``quantity`` covers at ``ration`` each (0..1+), or None."""
    if people <= 0 or ration is None or ration <= 0:
        return None
    return max(0.0, float(quantity)) / (people * ration)


@dataclass(frozen=True, slots=True)
class QuantityProblem:
    """Why a typed quantity is refused: ``empty``, ``not_a_number``, ``not_positive``,
    ``too_large``, ``unit`` (another unit typed after the number)."""

    code: str


QUANTITY_TEXTS = {
    "empty": "请填写数量",
    "not_a_number": "数量应为数字，如 200 或 12.5",
    "not_positive": "数量应大于 0",
    "too_large": "数量过大",
    "unit": "单位与物资目录不符",
}


def parse_quantity(text: str, unit: str = "") -> float | QuantityProblem:
    """A positive quantity typed in a form (full-width digits allowed, the unit may follow).

    Returns the number rounded to the hundredth, or a :class:`QuantityProblem`.
    ``"200 顶"`` with ``unit`` ``"顶"`` is 200; another unit after the number is
    ``unit`` (unknown units are refused rather than guessed).
    """
    folded = unicodedata.normalize("NFKC", text or "").strip().replace(",", "")
    if not folded:
        return QuantityProblem("empty")
    match = re.fullmatch(r"([+-]?\d+(?:\.\d+)?)\s*(\S*)", folded)
    if match is None:
        return QuantityProblem("not_a_number")
    number, typed_unit = match.groups()
    if any(c.isdigit() for c in typed_unit):
        return QuantityProblem("not_a_number")
    if typed_unit and typed_unit != unit:
        return QuantityProblem("unit")
    value = float(number)
    if not math.isfinite(value):
        return QuantityProblem("not_a_number")
    value = round(value, 2)
    if value <= 0:
        return QuantityProblem("not_positive")
    if value >= 1e12:
        return QuantityProblem("too_large")
    return value
