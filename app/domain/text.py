"""The text policy: what text is kept, and how it is compared.

People paste into this program from Word, WPS, WeChat and web pages, and type
with Chinese input methods that give full-width letters and digits
(``Ｇ３１０``). Two rules follow, used everywhere text enters or is searched:

:func:`clean_text`
    What is stored. Text is kept as typed, except for characters that are
    never meant as text: control characters other than tab and line breaks
    (NUL would end the text on one backend and be refused on the other), and
    the line-break look-alikes (U+000B from Word's Shift+Enter, U+000C,
    U+0085, U+2028, U+2029), which become ``\\n``. Both database backends store
    the same result.

:func:`fold_text`
    How text is compared by search and filters: Unicode NFKC (full-width and
    half-width forms become one: ``Ｇ３１０`` and ``G310``), letter case
    folded, and invisible format characters (zero-width space, BOM) dropped.
    The PostgreSQL function ``xcc_fold`` and the SQLite function of the same
    name compute the same thing, so the search indexes are built from it.

Neither function alters Chinese characters: NFKC maps CJK compatibility
ideographs to their unified forms, and nothing else in the Han blocks.
"""

from __future__ import annotations

import re
import unicodedata

# Line breaks that people meant as line breaks.
_LINE_BREAKS = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
# Never text: C0 controls except tab and line feed, DEL, C1 controls, lone
# surrogates (not encodable), and the noncharacters U+FFFE, U+FFFF.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Anything either of the two above would change (one scan for the usual clean text).
_DIRTY = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u2028\u2029]")
# Invisible format characters that break a match without being seen:
# zero-width space / (non-)joiner, LRM/RLM, word joiner, BOM, soft hyphen.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
_INVISIBLE = re.compile(f"[{INVISIBLE}]")


def clean_text(text: str) -> str:
    """``text`` as it is stored: line-break look-alikes (CR LF, CR, U+000B,
    U+000C, U+0085, U+2028, U+2029) become ``\\n``; other control characters
    (U+0000–U+0008, U+000E–U+001F, U+007F–U+009F), lone surrogates and
    U+FFFE/U+FFFF are removed; everything else is kept as typed (tabs too)."""
    if _DIRTY.search(text) is None:
        return text
    return _NOT_TEXT.sub("", _LINE_BREAKS.sub("\n", text))


def has_unwanted(text: str) -> bool:
    """Whether :func:`clean_text` would change ``text``."""
    return clean_text(text) != text


def fold_text(text: str) -> str:
    """``text`` as search compares it: cleaned, invisible format characters
    dropped, NFKC-normalised (full-width → half-width ASCII, ideographic space →
    space, circled digits → digits), lower-cased. Same as SQL ``xcc_fold``."""
    return unicodedata.normalize("NFKC", _INVISIBLE.sub("", clean_text(text))).lower()


def fold_key(text: str) -> str:
    """``text`` folded and without any whitespace: how a person's name or a
    header cell is matched ("王 芳", "王芳", "王　芳" are one name)."""
    return "".join(fold_text(text).split())
