"""Catalogue codes (GB/T 38565-2020), rotation buckets, days of supply, typed quantities."""

from __future__ import annotations

import math
from datetime import date

import pytest

from app.domain.rules import RuleViolation
from app.domain.supplies import (
    QuantityProblem,
    Rotation,
    code_levels,
    code_problem_text,
    days_of_supply,
    format_code,
    is_other,
    normalize_code,
    parse_quantity,
    rotation,
    top_class_name,
    usable,
)


@pytest.mark.parametrize(
    "typed",
    ["1 01 02 03", "1-01-02-03", "1010203", " １０１０２０３ ", "1.01.02.03", "1　01　02　03"],
)
def test_codes_as_typed_become_seven_digits(typed: str) -> None:
    assert normalize_code(typed) == "1010203"


@pytest.mark.parametrize(
    ("typed", "detail", "words"),
    [
        ("", "empty", "请填写"),
        ("1 01 02", "length", "7 位"),
        ("1 01 02 033", "length", "7 位"),
        ("1 0A 02 03", "not_digits", "只能是数字"),
        ("4 01 02 03", "class", "大类"),
        ("0 01 02 03", "class", "大类"),
        ("2 00 02 03", "level", "00"),
        ("2 01 02 00", "level", "00"),
    ],
)
def test_bad_codes_are_refused_in_chinese(typed: str, detail: str, words: str) -> None:
    with pytest.raises(RuleViolation) as refused:
        normalize_code(typed)
    assert (refused.value.code, refused.value.detail) == ("supply.code", detail)
    assert words in code_problem_text(refused.value)


def test_levels_classes_and_other() -> None:
    assert code_levels("3990199") == ("3", "99", "01", "99")
    assert format_code("2010203") == "2 01 02 03" and format_code("tent") == "tent"
    assert top_class_name("1010203") == "基本生活保障物资"
    assert top_class_name("2010203") == "应急装备及配套物资"
    assert top_class_name("3010203") == "工程材料与机械加工设备"
    assert is_other("1019901") and not is_other("1010203")


def test_rotation_buckets_around_the_expiry_day() -> None:
    today = date(2026, 12, 31)
    assert rotation(date(2026, 12, 31), today) is Rotation.WITHIN_30  # usable through the day
    assert usable(date(2026, 12, 31), today) and not usable(date(2026, 12, 30), today)
    assert rotation(date(2026, 12, 30), today) is Rotation.EXPIRED
    assert rotation(date(2027, 1, 30), today) is Rotation.WITHIN_30
    assert rotation(date(2027, 1, 31), today) is Rotation.WITHIN_90
    assert rotation(date(2027, 3, 31), today) is Rotation.WITHIN_90
    assert rotation(date(2027, 4, 1), today) is None
    assert rotation(None, today) is None
    assert rotation(date(2028, 2, 29), date(2028, 3, 1)) is Rotation.EXPIRED


def test_days_of_supply() -> None:
    assert days_of_supply(1500, 100, 3, per_day=True) == 5.0
    assert days_of_supply(0, 100, 3, per_day=True) == 0.0
    assert days_of_supply(100, 100, 1, per_day=False) == math.inf
    assert days_of_supply(99, 100, 1, per_day=False) == 0.0
    assert days_of_supply(500, 0, 3, per_day=True) is None
    assert days_of_supply(500, 10, None, per_day=True) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("200", 200.0),
        ("12.345", 12.35),
        ("２００ 顶", 200.0),
        ("1,200", 1200.0),
        ("", QuantityProblem("empty")),
        ("abc", QuantityProblem("not_a_number")),
        ("-5", QuantityProblem("not_positive")),
        ("0", QuantityProblem("not_positive")),
        ("200 箱", QuantityProblem("unit")),
        ("1e15", QuantityProblem("not_a_number")),
    ],
)
def test_typed_quantities(typed: str, expected: float | QuantityProblem) -> None:
    assert parse_quantity(typed, "顶") == expected
