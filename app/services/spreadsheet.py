"""The one writer of the spreadsheets (XLSX) and CSV files this program exports.

Exports are opened in Excel by people outside the office, so every file is
written the same way:

* Text is literal. openpyxl takes a string beginning with "=" for a live
  formula (``=HYPERLINK(...)`` pasted into an incident title would be a link
  in the exported report), and a control character XML 1.0 cannot hold raises
  ``IllegalCharacterError`` (U+000B, the line break Word's Shift+Enter makes,
  blocked the whole day's report). :func:`set_value` writes every XLSX cell.
* CSV cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return get a leading apostrophe (:func:`csv_cell`, as the OWASP "CSV
  Injection" page recommends), and the file is UTF-8 with a byte order mark so
  that Excel reads Chinese as Chinese (:func:`write_csv`).
* Columns are as wide as their text (:func:`fit_columns`; a CJK character is
  two Excel width units), up to a cap beyond which the text wraps; multi-line
  cells wrap; header rows look alike (:func:`write_header`).
* A file appears whole or not at all (:func:`replacing`): a scheduled export
  never leaves half a file behind, and a failed one keeps the old file.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import math
import os
import secrets
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

# Vertical tab and form feed are line breaks as people meant them.
_AS_LINE_BREAK = str.maketrans({"\v": "\n", "\f": "\n"})

# Characters a spreadsheet program reads as the start of a formula (OWASP, CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_ENCODING = "utf-8-sig"  # UTF-8 with BOM: Excel guesses the ANSI code page without it

# Column widths in Excel units (the width of one "0" of the default 11-point font).
DEFAULT_MIN_WIDTH = 6.0
DEFAULT_MAX_WIDTH = 60.0
DEFAULT_PADDING = 2.0
_BASE_POINTS = 11.0  # the default font size the width unit is measured in
_LINE_HEIGHT = 15.0 / _BASE_POINTS  # points of row height per point of font size

_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
BODY_ALIGNMENT = Alignment(vertical="top")


# -- text ------------------------------------------------------------------------


def cell_text(text: str) -> str:
    """``text`` as a cell can hold it: U+000B and U+000C become line breaks, the
    other control characters XML 1.0 forbids (U+0000–U+0008, U+000E–U+001F) go."""
    return str(ILLEGAL_CHARACTERS_RE.sub("", text.translate(_AS_LINE_BREAK)))


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    # Wide and fullwidth (CJK, fullwidth punctuation) take two units; so do the
    # ambiguous ones (…, —, ①, ℃), which a Chinese font draws full width.
    return 2 if unicodedata.east_asian_width(ch) in "WFA" else 1


def display_width(value: Any) -> float:
    """How many Excel width units ``value`` needs on one line, in the default
    11-point font: the widest line of a multi-line text, each wide or fullwidth
    character (``unicodedata.east_asian_width`` W, F or A) counted twice.

    A date is as wide as ``yyyy-mm-dd``, a date and time as ``yyyy-mm-dd hh:mm``;
    ``None`` is 0. An openpyxl cell is measured by its value.
    """
    value = getattr(value, "value", value)
    if value is None:
        return 0.0
    if isinstance(value, datetime):
        return 16.0
    if isinstance(value, date):
        return 10.0
    if isinstance(value, time):
        return 5.0
    text = cell_text(value) if isinstance(value, str) else str(value)
    return float(max(sum(_char_width(ch) for ch in line) for line in text.split("\n")))


def _is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in cell_text(value)


# -- cells -----------------------------------------------------------------------


def _with_wrap(cell: Any) -> None:
    if not cell.alignment.wrap_text:
        alignment = copy(cell.alignment)
        alignment.wrap_text = True
        cell.alignment = alignment


def set_value(cell: Any, value: Any) -> Any:
    """Put ``value`` in an openpyxl cell (also a write-only cell); a string is
    always literal text, never a formula (so ``"-5"`` stays the text "-5"), with
    the characters :func:`cell_text` changes; a text of several lines wraps.
    Returns the cell."""
    if isinstance(value, str):
        text = cell_text(value)
        cell.value = text
        cell.data_type = "s"  # openpyxl took a leading "=" for a formula
        if "\n" in text:
            _with_wrap(cell)  # without it Excel shows the lines run together
    else:
        cell.value = value
    return cell


def write_cell(ws: Any, row: int, column: int, value: Any) -> Any:
    """``ws.cell(row, column)`` holding ``value`` as :func:`set_value` puts it."""
    return set_value(ws.cell(row=row, column=column), value)


def style_header(cell: Any) -> Any:
    """Give a cell (also a write-only cell) the look of a table's header: bold, on
    light blue, a thin grey border. Returns the cell."""
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.border = BORDER
    return cell


def write_header(ws: Any, row: int, headers: Sequence[str], first_column: int = 1) -> list[Any]:
    """Write a table's header row at ``row`` (1-based), styled by :func:`style_header`."""
    return [
        style_header(write_cell(ws, row, col, text))
        for col, text in enumerate(headers, start=first_column)
    ]


def write_row(ws: Any, row: int, values: Sequence[Any], first_column: int = 1) -> list[Any]:
    """Write a table's body row at ``row``: literal text, top-aligned, thin border."""
    cells = []
    for col, value in enumerate(values, start=first_column):
        cell = ws.cell(row=row, column=col)
        cell.alignment = BODY_ALIGNMENT
        cell.border = BORDER
        cells.append(set_value(cell, value))
    return cells


def row_cells(ws: Any, values: Sequence[Any], *, header: bool = False) -> list[Any]:
    """One row for ``ws.append`` on a write-only sheet: each value a cell holding
    it as :func:`set_value` does (``header``: styled by :func:`style_header`). A
    value that is already a cell (a date with its number format) is kept."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell

    cells = []
    for value in values:
        if isinstance(value, Cell):
            cells.append(value)
            continue
        cell = set_value(WriteOnlyCell(ws), value)
        cells.append(style_header(cell) if header else cell)
    return cells


# -- column widths ---------------------------------------------------------------


def _clamp(width: float, min_width: float, max_width: float) -> float:
    return float(min(max(width, min_width), max_width))


def column_widths(
    rows: Iterable[Sequence[Any]],
    *,
    min_width: float = DEFAULT_MIN_WIDTH,
    max_width: float = DEFAULT_MAX_WIDTH,
    padding: float = DEFAULT_PADDING,
) -> list[float]:
    """The width each column of ``rows`` needs (Excel units): its widest value by
    :func:`display_width` plus ``padding``, kept between ``min_width`` and
    ``max_width``. For a write-only sheet, whose widths must be set before its
    first row: ``set_column_widths(ws, column_widths(rows))``."""
    widest: list[float] = []
    for row in rows:
        for n, value in enumerate(row):
            if n == len(widest):
                widest.append(0.0)
            widest[n] = max(widest[n], display_width(value))
    return [_clamp(w + padding, min_width, max_width) for w in widest]


def set_column_widths(ws: Any, widths: Sequence[float], first_column: int = 1) -> None:
    """Set the widths (Excel units) of consecutive columns from ``first_column``."""
    for col, width in enumerate(widths, start=first_column):
        ws.column_dimensions[get_column_letter(col)].width = width


def _font_scale(cell: Any) -> float:
    size = getattr(cell.font, "sz", None)
    return float(size) / _BASE_POINTS if size else 1.0


def fit_columns(
    ws: Any,
    *,
    min_width: float = DEFAULT_MIN_WIDTH,
    max_width: float = DEFAULT_MAX_WIDTH,
    padding: float = DEFAULT_PADDING,
) -> dict[str, float]:
    """Size the columns of a finished sheet (not a write-only one) to their text.

    Each column gets the width of its widest cell (:func:`display_width`, scaled
    by the cell's font size, plus ``padding``), between ``min_width`` and
    ``max_width``; a cell of several lines, or wider than its column, wraps
    (Excel sizes those rows when it opens the file). A cell merged across
    columns does not widen them: it wraps when the merged columns are too
    narrow for it, and its row is made tall enough for the lines, since Excel
    does not size the rows of merged cells. Returns the widths set, by letter.
    """
    merged = list(ws.merged_cells.ranges)
    covered = {(row, col) for r in merged for row, col in r.cells}
    widest: dict[int, float] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in covered:
                continue
            width = display_width(cell.value) * _font_scale(cell)
            widest[cell.column] = max(widest.get(cell.column, 0.0), width)
    widths = {
        get_column_letter(col): _clamp(w + padding, min_width, max_width)
        for col, w in widest.items()
    }
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in covered:
                continue
            needed = display_width(cell.value) * _font_scale(cell) + padding
            if _is_multiline(cell.value) or needed > widths[cell.column_letter]:
                _with_wrap(cell)
    for r in merged:
        _fit_merged(ws, r)
    return widths


def _column_width(ws: Any, col: int) -> float:
    width = ws.column_dimensions[get_column_letter(col)].width
    return float(width) if width else 8.43  # Excel's default column


def _fit_merged(ws: Any, cells: Any) -> None:
    cell = ws.cell(row=cells.min_row, column=cells.min_col)
    if cell.value is None or cells.min_row != cells.max_row:
        return
    room = sum(_column_width(ws, c) for c in range(cells.min_col, cells.max_col + 1))
    scale = _font_scale(cell)
    text = cell_text(cell.value) if isinstance(cell.value, str) else str(cell.value)
    lines = sum(
        max(1, math.ceil((display_width(line) * scale + DEFAULT_PADDING) / room))
        for line in text.split("\n")
    )
    if lines <= 1:
        return
    _with_wrap(cell)
    height = lines * _LINE_HEIGHT * scale * _BASE_POINTS
    current = ws.row_dimensions[cells.min_row].height
    if current is None or current < height:
        ws.row_dimensions[cells.min_row].height = height


# -- files -----------------------------------------------------------------------


@contextlib.contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """Write a file whole or not at all: yields a new temporary file in the same
    folder as ``path``; when the block ends without an exception the temporary
    file replaces ``path`` (``os.replace``: one step, also over an old file),
    otherwise it is removed and ``path`` is left as it was.

    The temporary file is made with the usual permissions (as the umask
    allows), so the result is readable as any file the user saves. Raises
    OSError when the folder cannot be written (missing, no permission, full).
    """
    target = Path(path)
    folder = target.parent
    for _ in range(100):
        temp = folder / f".{target.name}.{secrets.token_hex(4)}.part"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        break
    else:
        raise OSError(errno.EEXIST, "no free temporary name", str(folder))
    try:
        yield temp
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def save_workbook(wb: Any, path: Path | str) -> None:
    """Save an openpyxl workbook to ``path`` through :func:`replacing`."""
    with replacing(path) as temp:
        wb.save(str(temp))


def csv_cell(value: Any) -> str:
    """``value`` as a CSV cell Excel shows as typed and never evaluates.

    A text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a leading apostrophe (OWASP, "CSV Injection"): ``"-5"`` becomes
    ``"'-5"``. Numbers are written as numbers (a negative one stays a number),
    ``True``/``False`` as 是/否, a date as ``yyyy-mm-dd``, a date and time as
    ``yyyy-mm-dd hh:mm``, ``None`` as an empty cell; anything else as its ``str``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(
    path: Path | str, rows: Iterable[Sequence[Any]], *, header: Sequence[str] | None = None
) -> int:
    """Write ``rows`` (after ``header``) as a CSV file Excel opens correctly: UTF-8
    with a byte order mark, comma-separated, CRLF line ends, every cell through
    :func:`csv_cell`; written whole or not at all (:func:`replacing`). Returns the
    number of rows written, header not counted. Raises OSError."""
    count = 0
    with replacing(path) as temp, temp.open("w", encoding=CSV_ENCODING, newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        if header is not None:
            writer.writerow([csv_cell(h) for h in header])
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
            count += 1
    return count
