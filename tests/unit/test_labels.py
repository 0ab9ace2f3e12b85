"""The one table of labels: every code has its words in both languages."""

from __future__ import annotations

import inspect
import re
from enum import StrEnum

import pytest

from app.domain import enums
from app.domain import labels as table
from app.domain.deadlines import ReportKind
from app.domain.intake import INCIDENT_TYPES
from app.domain.labels import ENUM_FAMILIES, LANGUAGES, RESPONSE_LEVEL_CODES, Family, label
from app.services.disaster_stats import FIGURE_FIELDS
from app.services.incident_workflow import RESPONSE_LEVELS, normalize_response_level

# Stored codes that people never read as words.
UNLABELLED = {enums.TownshipKind, enums.ChangeOp}
CJK = re.compile(r"[\u4e00-\u9fff]")


def _domain_enums() -> set[type[StrEnum]]:
    found = {
        obj
        for _, obj in inspect.getmembers(enums, inspect.isclass)
        if issubclass(obj, StrEnum) and obj is not StrEnum and obj.__module__ == enums.__name__
    }
    return found | {ReportKind}


def test_every_enum_has_a_family_or_is_known_to_need_none() -> None:
    assert _domain_enums() - UNLABELLED == set(ENUM_FAMILIES)


@pytest.mark.parametrize("enum", sorted(ENUM_FAMILIES, key=lambda e: e.__name__))
def test_every_code_of_a_labelled_enum_has_both_labels(enum: type[StrEnum]) -> None:
    family = ENUM_FAMILIES[enum]
    assert set(table.codes(family)) == {m.value for m in enum}
    for member in enum:
        english = label(family, member.value, "en")
        chinese = label(family, member.value, "zh_CN")
        assert english.strip() and english.isascii(), (member, english)
        assert CJK.search(chinese), (member, chinese)


def test_families_without_an_enum_match_their_codes() -> None:
    assert set(table.codes(Family.INCIDENT_TYPE)) == {
        code for codes in INCIDENT_TYPES.values() for code in codes
    }
    assert table.codes(Family.RESPONSE_LEVEL) == RESPONSE_LEVEL_CODES
    assert set(RESPONSE_LEVELS.values()) == set(RESPONSE_LEVEL_CODES)
    assert table.codes(Family.FIGURE) == FIGURE_FIELDS == table.codes(Family.FIGURE_UNIT)
    assert set(table.codes(Family.SHELTER_STATUS)) == {
        table.SHELTER_OPEN,
        table.SHELTER_FULL,
        table.SHELTER_CLOSED,
    }


@pytest.mark.parametrize("family", list(Family))
def test_every_family_is_complete_in_both_languages(family: Family) -> None:
    english = table.labels(family, "en")
    chinese = table.labels(family, "zh_CN")
    assert english.keys() == chinese.keys() and english
    assert all(text.strip() for text in [*english.values(), *chinese.values()])
    assert set(LANGUAGES) == {"zh_CN", "en"}


def test_levels_are_written_with_roman_numerals() -> None:
    assert table.labels(Family.SEVERITY) == {
        "I": "Ⅰ级（特别重大）",
        "II": "Ⅱ级（重大）",
        "III": "Ⅲ级（较大）",
        "IV": "Ⅳ级（一般）",
    }
    assert [label(Family.RESPONSE_LEVEL, c) for c in RESPONSE_LEVEL_CODES] == [
        "Ⅰ级响应",
        "Ⅱ级响应",
        "Ⅲ级响应",
        "Ⅳ级响应",
    ]
    assert label(Family.SEVERITY, "I").startswith("\u2160")  # ROMAN NUMERAL ONE, not "I"


def test_written_response_levels_are_read_back() -> None:
    for code in RESPONSE_LEVEL_CODES:
        assert normalize_response_level(label(Family.RESPONSE_LEVEL, code)) == code
        assert normalize_response_level(label(Family.RESPONSE_LEVEL, code)[:2]) == code  # Ⅰ级


def test_unknown_codes_stay_visible_and_languages_are_checked() -> None:
    assert label(Family.SEVERITY, "V") == "V"
    assert label(Family.SEVERITY, None) == ""
    assert label(Family.SEVERITY, "I", "en") == "Level I (extraordinary)"
    with pytest.raises(ValueError):
        label(Family.SEVERITY, "I", "fr")


def test_figure_headings_carry_units_except_head_counts() -> None:
    assert table.figure_heading("affected_population") == "受灾人口"
    assert table.figure_heading("houses_collapsed") == "倒塌房屋（间）"
    assert table.figure_heading("crops_lost_ha", "en") == "Crops lost (ha)"
    assert table.figure_heading("direct_loss_10k_yuan") == "直接经济损失（万元）"
