"""The text policy: what is stored (clean_text) and how search compares (fold_text)."""

from __future__ import annotations

import importlib.util
import unicodedata
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.text import INVISIBLE, clean_text, fold_key, fold_text, has_unwanted

ROOT = Path(__file__).resolve().parents[2]

# Characters the policy treats specially, mixed into generated text so that the
# properties meet them often: controls, line-break look-alikes, invisible format
# characters, full-width and compatibility forms, case pairs with special rules.
SPECIAL = (
    "\x00\x01\x08\t\n\x0b\x0c\r\x0e\x1f\x7f\x80\x85\x9f\u2028\u2029\ufffe\uffff"
    + INVISIBLE
    + "Ｇ３１０ａＺ\u3000（）：，。、①ﬁ㎡Å\u212bİΣσςẞß\u0301\u0307e"
)
POLICY_TEXT = st.text(st.one_of(st.characters(), st.sampled_from(SPECIAL)), max_size=40)
QUICK = settings(database=None, max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("塌方\x00后方路段", "塌方后方路段"),  # NUL: removed, the text after it kept
        ("第一行\x0b第二行", "第一行\n第二行"),  # Word's Shift+Enter
        ("a\r\nb\rc\x0cd\x85e\u2028f\u2029g", "a\nb\nc\nd\ne\nf\ng"),
        ("a\x01b\x1fc\x7fd\x9fe", "abcde"),
        ("表格\t列", "表格\t列"),  # tabs and line feeds are text
        ("Ｇ３１０国道　（续报）", "Ｇ３１０国道　（续报）"),  # stored as typed
        ("零宽\u200b空格", "零宽\u200b空格"),  # invisible, but only search drops it
    ],
)
def test_clean_text_keeps_what_was_typed_and_drops_what_is_never_text(
    raw: str, stored: str
) -> None:
    assert clean_text(raw) == stored
    assert has_unwanted(raw) == (raw != stored)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("Ｇ３１０国道塌方", "g310国道塌方"),  # full-width letters and digits
        ("ｇ３１０", "g310"),
        ("G310", "g310"),
        ("Ｗａｒｅｈｏｕｓｅ　Ｆｉｒｅ", "warehouse fire"),  # U+3000 is a space
        ("（续报）：伤亡，１人", "(续报):伤亡,1人"),  # full-width punctuation
        ("①号闸门", "1号闸门"),
        ("G\u200b310\ufeff", "g310"),  # invisible characters
        ("塌方\x00后方", "塌方后方"),
        ("官桥村、丁里村。", "官桥村、丁里村。"),  # Chinese text and its stops unchanged
    ],
)
def test_fold_text_makes_full_and_half_width_and_case_one(typed: str, folded: str) -> None:
    assert fold_text(typed) == folded


def test_fold_key_ignores_white_space() -> None:
    assert fold_key("王 芳") == fold_key("王芳") == fold_key("王\u3000芳") == "王芳"
    assert fold_key("Ｌｉ Ｍｉｎｇ") == "liming"


@QUICK
@given(POLICY_TEXT)
def test_clean_is_idempotent_and_leaves_only_text(text: str) -> None:
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert not has_unwanted(cleaned)
    assert all(ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in cleaned), (
        cleaned
    )
    assert not set(cleaned) & set("\r\x0b\x0c\x85\u2028\u2029\ufffe\uffff")
    assert len(cleaned) <= len(text)


@QUICK
@given(POLICY_TEXT)
def test_fold_is_idempotent_and_ignores_what_clean_removes(text: str) -> None:
    folded = fold_text(text)
    assert fold_text(folded) == folded
    assert fold_text(clean_text(text)) == folded
    assert folded == folded.lower()
    assert not set(folded) & set(INVISIBLE)


@QUICK
@given(POLICY_TEXT, POLICY_TEXT)
def test_fold_finds_a_full_width_word_in_any_text(before: str, after: str) -> None:
    """What search relies on: a word typed full-width or half-width, in any case,
    is found in the folded text that holds the other form."""
    stored = f"{before} Ｇ３１０国道 {after}"
    for typed in ("G310国道", "g310国道", "Ｇ３１０国道", "ｇ３１０国道"):
        assert fold_text(typed) in fold_text(stored)


@QUICK
@given(st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=30))
def test_chinese_characters_are_never_altered(text: str) -> None:
    assert clean_text(text) == text
    assert fold_text(text) == text


def _migration_0007() -> ModuleType:
    path = ROOT / "db" / "versions" / "0007_text_folding.py"
    spec = importlib.util.spec_from_file_location("migration_0007", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sql_functions_of_migration_0007_spell_the_same_policy() -> None:
    """The migration spells the character sets out (it must not change when the
    program does); they are the ones the policy changes, every code point checked.
    NUL and lone surrogates are left out there: PostgreSQL cannot hold them."""
    migration = _migration_0007()
    changed = {
        chr(c)
        for c in range(1, 0x110000)
        if not 0xD800 <= c <= 0xDFFF and clean_text(chr(c)) != chr(c)
    }
    assert {ch for ch in changed if clean_text(ch) == "\n"} == set(migration.LINE_BREAKS)
    assert {ch for ch in changed if clean_text(ch) == ""} == set(migration.NOT_TEXT)
    assert migration.INVISIBLE == INVISIBLE
