"""Text written into XLSX cells exactly as people typed it.

Two things openpyxl does with a plain string that no duty officer wants:
a string beginning with "=" becomes a live formula (``=HYPERLINK(...)`` pasted
into an incident title would be a link in the exported report), and a control
character that XML 1.0 cannot hold raises ``IllegalCharacterError`` (U+000B,
the line break Word's Shift+Enter makes, blocks the whole day's report).
Every XLSX this program writes goes through :func:`set_value`.
"""

from __future__ import annotations

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Vertical tab and form feed are line breaks as people meant them.
_AS_LINE_BREAK = str.maketrans({"\v": "\n", "\f": "\n"})


def cell_text(text: str) -> str:
    """``text`` as a cell can hold it: U+000B and U+000C become line breaks, the
    other control characters XML 1.0 forbids (U+0000–U+0008, U+000E–U+001F) go."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text.translate(_AS_LINE_BREAK)))


def set_value(cell: Any, value: Any) -> Any:
    """Put ``value`` in an openpyxl cell (also a write-only cell); a string is
    always literal text, never a formula. Returns the cell."""
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"  # openpyxl took a leading "=" for a formula
    else:
        cell.value = value
    return cell


def write_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """``ws.cell(row, column)`` holding ``value`` as :func:`set_value` puts it."""
    return set_value(ws.cell(row=row, column=column), value)
