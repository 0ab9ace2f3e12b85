"""One reader for every spreadsheet import: a file as offices send it -> a table.

Offices keep their registers (rosters, shelters, depots and stock, rescue
teams, hazards) in workbooks made by Excel, WPS and other programs, and in CSV
files saved in whatever encoding the program chose. :func:`read_table` reads
them all the same way and knows nothing about what the columns mean; the
caller gives the header spellings it accepts (:class:`TableSpec`).

Formats
    * XLSX (also XLSM) with python-calamine (the Rust calamine reader: a
      10,000-row register in about 0.2 s, where openpyxl takes 5 s), which
      gives the last computed value of a formula: the first visible sheet or a
      named one, from cell A1 so row numbers are Excel's. Every cell is read, so
      a sheet whose stored ``<dimension>`` is wrong (some writers get it
      wrong) is read fully, and merged cells are known: every cell of a merged
      range (vertical, horizontal or a block) holds the top-left value.
    * CSV and tab-separated text: UTF-8, UTF-8 with BOM, UTF-16 with BOM
      (Excel's "Unicode text"), else GB18030, which decodes every GBK file the
      same way and also the characters GBK lacks (e.g. 䶮). No charset
      detector: the BOM, UTF-8's strict syntax and GB18030 cover what these
      programs write. The separator is whichever of comma, tab and semicolon
      splits the first records into a steady number of fields; a full-width
      comma only when none of them splits anything. An Excel ``sep=;`` first
      line is honoured.
    * ``.xls`` / WPS ``.et`` (the old binary format, also any password-protected
      workbook), ODS, XLSB, PDF, Word and images are refused with a Chinese
      message saying what to save the file as; a damaged file is refused the
      same way, never with a traceback.

The table
    The header row is the first row, among the first ``header_rows``, that names
    every column the caller requires, so title rows and notes above it are
    fine. A header may take two rows, as registers often have it: a group cell
    merged across columns ("坐标") above the columns it groups ("经度", "纬度"),
    with the other headers merged down both rows ("名称"). The second row
    belongs to the header when each of its own cells lies under such a group;
    a column is named by its lower cell, else by the two cells joined
    ("联系人" + "电话" -> "联系人电话"), else by the group cell. Header cells
    are compared by :func:`~app.domain.text.fold_key`
    (full-width, spaces, case) and may carry a trailing colon, a ``*`` or a mark
    in brackets such as "（必填）". Blank rows are skipped and counted; a row
    that is a single merged cell across the table (a note, a heading) is
    skipped and kept in :attr:`Table.notes`. Each data row keeps its number as
    the spreadsheet program shows it and every cell by column letter, so
    messages can say "第 5 行 C 列".

Cell values
    Text is passed through :func:`~app.domain.text.clean_text` (control
    characters). From XLSX, an int-valued float becomes an int (a phone number
    stored as a number, even shown as 1.38E+10, is 13800000000), dates and
    times are ``date`` / ``datetime`` / ``time`` as the reader gives them. Callers parse
    with :func:`cell_text` (NFKC: full-width digits and punctuation become
    ASCII), :func:`cell_number`, :func:`cell_date` (also Excel day numbers and
    dates typed as text) and :func:`cell_time`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

from app.domain.text import clean_text, fold_key

Value = str | int | float | bool | date | datetime | time | timedelta | None
"""A cell as read: text (cleaned), a number, a date or time, or None (empty)."""

DEFAULT_HEADER_ROWS = 10

# Excel day numbers between 1954 and 2173 count as dates when a date is expected
# (a date cell that lost its format, or a CSV written from one).
EXCEL_DAYS = range(20000, 100000)
_EXCEL_EPOCH = date(1899, 12, 30)  # day 0, after Excel's 1900 leap-year bug

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, encrypted .xlsx
_ZIP = b"PK\x03\x04"
# Text files read as CSV (Excel's "Unicode text" is .txt; no extension: as sent).
_TEXT_TABLES = frozenset({".csv", ".txt", ".tsv", ".tab", ""})
_NOT_TABLES = {
    ".pdf": "PDF 文件",
    ".doc": "Word 文档",
    ".docx": "Word 文档",
    ".wps": "WPS 文字文档",
    ".ods": "OpenDocument 表格（.ods）",
    ".xlsb": "Excel 二进制工作簿（.xlsb）",
    ".numbers": "Numbers 表格",
    ".png": "图片",
    ".jpg": "图片",
    ".jpeg": "图片",
    ".gif": "图片",
    ".bmp": "图片",
    ".zip": "压缩包",
    ".rar": "压缩包",
    ".7z": "压缩包",
}
SAVE_AS = "请在 Excel 或 WPS 中另存为 .xlsx 工作簿或 CSV 文件"

_DELIMITERS = (",", "\t", ";")
_FULLWIDTH_COMMA = "，"
_SNIFF_RECORDS = 20
_SEP_LINE = re.compile(r"^\ufeff?sep=(.)\r?\n", re.IGNORECASE)

# Header marks people add to a column name: "*日期", "日期：", "日期（必填）", "日期【选填】".
_HEADER_MARKS = re.compile(r"^\*+|(?:[*:]+|\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】)+$")

_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:\s+0{1,2}:00(?::00)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_TEXT = re.compile(r"^(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(\d{1,2})?\s*秒?)?$")
_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$")


class TableError(ValueError):
    """The file cannot be read as a table; ``str(exc)`` is a Chinese message for
    the person who made the file, naming the row and column where it can."""


# -- positions ------------------------------------------------------------------------


def column_letter(column: int) -> str:
    """The letters of a 1-based column as Excel shows them: 1 -> "A", 28 -> "AB"."""
    if column < 1:
        raise ValueError(f"column out of range: {column}")
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def position_text(row: int, column: int | str | None = None) -> str:
    """ "第 5 行 C 列" (a column number or letters), or "第 5 行" without a column."""
    if column is None or column == "":
        return f"第 {row} 行"
    letters = column_letter(column) if isinstance(column, int) else column
    return f"第 {row} 行 {letters} 列"


# -- cell values ------------------------------------------------------------------------


def cell_text(value: Value, *, nfkc: bool = True) -> str:
    """A cell as text, stripped; ``""`` for an empty cell.

    With ``nfkc`` (for parsing and matching) full-width digits, letters and
    punctuation become ASCII (``"８：３０"`` -> ``"8:30"``); without it the text is
    kept as typed (for storing). Numbers read as Excel shows them: an int-valued
    float without ``.0`` (``1.38e10`` -> ``"13800000000"``), at most 15
    significant digits; a date ``"2026-12-01"``, a date-time ``"2026-12-01 08:30"``,
    a time ``"08:30"`` (seconds only when not zero); booleans ``TRUE``/``FALSE``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        text = clean_text(value)
        return (unicodedata.normalize("NFKC", text) if nfkc else text).strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_clock(value.time())}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return _clock(value)
    seconds = round(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}"


def _clock(t: time) -> str:
    return t.strftime("%H:%M:%S" if t.second else "%H:%M")


def is_blank(value: Value) -> bool:
    """Whether a cell shows nothing (None, or only spaces and control characters)."""
    return value is None or (isinstance(value, str) and not cell_text(value))


def cell_number(value: Value) -> int | float | None:
    """A number from a cell, or None: a number cell (an int-valued float as an
    int), or text such as ``"12"``, ``"１２"``, ``"1,234"``, ``"12.5"``, ``"1.38E+10"``.
    Booleans and dates are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if not isinstance(value, str):
        return None
    text = cell_text(value).replace(" ", "")
    if not text or not _NUMBER_TEXT.match(text) or not any(c.isdigit() for c in text):
        return None
    number = float(text.replace(",", ""))
    if "." not in text and "e" not in text.lower():
        return int(text.replace(",", ""))
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def excel_day(serial: int | float) -> date:
    """The date of an Excel day number (1900 date system; 46357 -> 2026-12-01);
    a fraction (the time of day) is dropped."""
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def cell_date(value: Value) -> date | None:
    """A date from a cell as offices write it, or None if it is not one.

    Accepts a date or date-time cell, an Excel day number in :data:`EXCEL_DAYS`
    (as a number or as text), and text such as 2026-12-01, 2026/12/1, 2026.12.1,
    2026年12月1日, 20261201, also with full-width digits and a midnight time.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return excel_day(value) if int(value) in EXCEL_DAYS else None
    if not isinstance(value, str):
        return None
    text = cell_text(value)
    if text.isascii() and text.isdigit() and len(text) == 5 and int(text) in EXCEL_DAYS:
        return excel_day(int(text))
    m = _DATE_TEXT.match(text) or _COMPACT_DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def cell_time(value: Value) -> time | None:
    """A time of day from a cell, or None: a time or date-time cell, a day
    fraction (0.5 -> 12:00), or text such as 8:30, 08:30:00, ８：３０, 8时30分, 8点,
    "2026-12-01 08:30" (its time part); 24:00 is midnight."""
    if isinstance(value, datetime):
        return value.time().replace(microsecond=0)
    if isinstance(value, time):
        return value.replace(microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:
        seconds = round(value * 86400)
        return time(seconds // 3600 % 24, seconds % 3600 // 60, seconds % 60)
    if not isinstance(value, str):
        return None
    text = cell_text(value)
    if " " in text:
        text = text.rsplit(" ", 1)[1]
    m = _TIME_TEXT.match(text)
    if not m:
        return None
    hour, minute, second = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if hour == 24 and minute == 0 and second == 0:
        return time(0, 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


# -- what the caller asks for -------------------------------------------------------------


def header_key(text: str) -> str:
    """A header cell as it is compared: :func:`fold_key`, then without a leading
    ``*`` and a trailing colon, ``*`` or bracketed mark ("（必填）", "【选填】")."""
    return _HEADER_MARKS.sub("", fold_key(text))


@dataclass(frozen=True)
class TableSpec:
    """The columns an import understands.

    ``aliases`` maps each accepted header spelling to its canonical column name
    (the canonical names themselves are not implied: list them too).
    ``required`` lists what a header row must name: a canonical column, or a
    tuple of columns of which at least one is needed. ``missing_header`` is
    the message when none of the first ``header_rows`` rows is such a header.
    ``sheet`` names the worksheet to read (default: the first visible one).
    """

    aliases: Mapping[str, str]
    required: tuple[str | tuple[str, ...], ...]
    missing_header: str = ""
    header_rows: int = DEFAULT_HEADER_ROWS
    sheet: str | None = None
    _keys: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys: dict[str, str] = {}
        for spelling, canonical in self.aliases.items():
            keys.setdefault(fold_key(spelling), canonical)
        for spelling, canonical in self.aliases.items():
            keys.setdefault(header_key(spelling), canonical)
        object.__setattr__(self, "_keys", keys)

    def canonical(self, value: Value) -> str | None:
        """The canonical column a header cell names, or None."""
        text = cell_text(value)
        if not text:
            return None
        return self._keys.get(fold_key(text)) or self._keys.get(header_key(text))

    def is_header(self, found: Iterable[str | None]) -> bool:
        names = set(found)
        return all(
            (need in names) if isinstance(need, str) else any(n in names for n in need)
            for need in self.required
        )

    def missing_text(self) -> str:
        if self.missing_header:
            return self.missing_header
        wanted = "、".join(
            f"“{need}”" if isinstance(need, str) else "或".join(f"“{n}”" for n in need)
            for need in self.required
        )
        return f"找不到表头：前 {self.header_rows} 行中没有一行包含 {wanted} 列"


# -- the result ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CellProblem:
    """Something wrong with the shape of a row (too few or too many cells)."""

    row: int
    column: int | None  # 1-based; None: the row as a whole
    message: str

    @property
    def letter(self) -> str:
        return column_letter(self.column) if self.column else ""

    def __str__(self) -> str:
        return f"{position_text(self.row, self.column)}：{self.message}"


@dataclass(frozen=True, slots=True)
class TableRow:
    """One data row: ``number`` as the spreadsheet program shows it (1-based),
    ``cells`` every cell from column A (merged ranges filled in), ``header`` the
    canonical column of each position (None: a column the import ignores)."""

    number: int
    cells: tuple[Value, ...]
    header: tuple[str | None, ...] = field(repr=False)
    problems: tuple[CellProblem, ...] = ()

    def columns_of(self, column: str) -> list[int]:
        """The 1-based positions whose header names ``column`` (a header merged
        across two columns names both)."""
        return [j + 1 for j, name in enumerate(self.header) if name == column]

    def at(self, position: int) -> Value:
        """The cell at a 1-based column position (None beyond the row's end)."""
        return self.cells[position - 1] if 0 < position <= len(self.cells) else None

    def value(self, column: str) -> Value:
        """The cell of the first column named ``column`` (None if absent or empty)."""
        positions = self.columns_of(column)
        return self.at(positions[0]) if positions else None

    def values(self, column: str) -> list[tuple[int, Value]]:
        """(position, cell) of every column named ``column``."""
        return [(j, self.at(j)) for j in self.columns_of(column)]

    def text(self, column: str, *, nfkc: bool = True) -> str:
        """:func:`cell_text` of :meth:`value`."""
        return cell_text(self.value(column), nfkc=nfkc)

    def letter(self, column: str) -> str:
        """The letters of the first column named ``column`` ("" if absent)."""
        positions = self.columns_of(column)
        return column_letter(positions[0]) if positions else ""

    def where(self, column: str | None = None) -> str:
        """ "第 5 行 C 列" for ``column`` (canonical name), "第 5 行" without one."""
        return position_text(self.number, self.letter(column) if column else None)


@dataclass(frozen=True)
class Table:
    """A file read by :func:`read_table`."""

    source: Path
    sheet: str | None  # the worksheet read (None for CSV)
    header_row: int  # 1-based; the first of two header rows when there are two
    header: tuple[str | None, ...]  # canonical column per position
    header_text: tuple[str, ...]  # the header cells as written
    rows: tuple[TableRow, ...]
    blank_rows: int = 0  # blank rows after the header, skipped
    notes: tuple[tuple[int, str], ...] = ()  # (row, text) of one-cell note rows, skipped
    header_depth: int = 1  # 2 when a group row sits above the column names

    @property
    def first_data_row(self) -> int:
        """The 1-based row just below the header."""
        return self.header_row + self.header_depth

    def has(self, column: str) -> bool:
        return column in self.header

    def letter(self, column: str) -> str:
        """The letters of the first column named ``column`` ("" if absent)."""
        return column_letter(self.header.index(column) + 1) if column in self.header else ""


# -- reading ------------------------------------------------------------------------------


@dataclass
class _Sheet:
    name: str | None
    rows: list[list[Value]]
    # Cells filled from a merged range's top-left cell: (row index, column index), 0-based.
    filled: set[tuple[int, int]]
    # Horizontal merged ranges per row index: (first, last) column index, 0-based.
    spans: dict[int, list[tuple[int, int]]]
    # CSV: a line with fewer fields than the header is a problem (its cells are
    # shifted); XLSX: trailing empty cells may be left off.
    strict_width: bool


def read_table(path: Path | str, spec: TableSpec) -> Table:
    """Read ``path`` (XLSX or CSV, see the module) into a :class:`Table`.

    Raises :class:`TableError` with a Chinese message when the file is missing,
    unreadable, of a format not supported, damaged, or has no header row among
    its first ``spec.header_rows`` rows. Problems of single rows do not raise:
    they are in each :attr:`TableRow.problems` ("本行只有 3 列，表头有 4 列" for a
    short CSV line, "本行有 6 列，多于表头的 4 列" at the first cell right of the
    header).
    """
    path = Path(path)
    sheet = _read_sheet(path, spec.sheet)
    found = _find_header(sheet, spec)
    if found is None:
        raise TableError(spec.missing_text())
    header_at, depth = found
    header_cells = sheet.rows[header_at]
    width = max((j + 1 for j, c in enumerate(header_cells) if not is_blank(c)), default=0)
    if depth == 2:
        lower_cells = sheet.rows[header_at + 1]
        width = max(
            width, max((j + 1 for j, c in enumerate(lower_cells) if not is_blank(c)), default=0)
        )
        header, header_text = _two_row_header(sheet, spec, header_at, width)
    else:
        header = tuple(spec.canonical(c) for c in header_cells[:width])
        header_text = tuple(cell_text(c, nfkc=False) for c in header_cells[:width])
    rows: list[TableRow] = []
    blank = 0
    notes: list[tuple[int, str]] = []
    for i in range(header_at + depth, len(sheet.rows)):
        cells = sheet.rows[i]
        own = [j for j, c in enumerate(cells) if not is_blank(c) and (i, j) not in sheet.filled]
        if not own:
            blank += 1
            continue
        if _is_note(sheet, i, width, own):
            notes.append((i + 1, cell_text(cells[own[0]], nfkc=False)))
            continue
        rows.append(
            TableRow(i + 1, tuple(cells), header, tuple(_shape(sheet, i, cells, own, width)))
        )
    return Table(
        path,
        sheet.name,
        header_at + 1,
        header,
        header_text,
        tuple(rows),
        blank,
        tuple(notes),
        depth,
    )


def _find_header(sheet: _Sheet, spec: TableSpec) -> tuple[int, int] | None:
    """(row index, 1 or 2 rows) of the header, or None."""
    for i, row in enumerate(sheet.rows[: spec.header_rows]):
        if _is_sub_header(sheet, i):
            width = max(len(row), len(sheet.rows[i + 1]))
            names, _texts = _two_row_header(sheet, spec, i, width)
            upper = {spec.canonical(c) for c in row}
            # The lower row must name something of its own, else it is data.
            if spec.is_header(names) and set(names) - upper:
                return i, 2
        if spec.is_header(spec.canonical(c) for c in row):
            return i, 1
    return None


def _group_spans(sheet: _Sheet, i: int) -> list[tuple[int, int]]:
    """Cells of row ``i`` merged across columns that do not also cover row ``i + 1``
    (group cells such as "坐标" over "经度" and "纬度")."""
    return [
        (first, last)
        for first, last in sheet.spans.get(i, [])
        if (i + 1, first) not in sheet.filled and last > first
    ]


def _is_sub_header(sheet: _Sheet, i: int) -> bool:
    """Whether row ``i + 1`` names the columns under group cells of row ``i``: it
    has own cells, and each lies under a group cell of row ``i``."""
    if i + 1 >= len(sheet.rows):
        return False
    groups = _group_spans(sheet, i)
    upper = sheet.rows[i]
    starts = [j for j, c in enumerate(upper) if not is_blank(c) and (i, j) not in sheet.filled]
    if not groups or len(starts) < 2:  # one cell across the table is a title
        return False
    lower = sheet.rows[i + 1]
    own = [j for j, c in enumerate(lower) if not is_blank(c) and (i + 1, j) not in sheet.filled]
    return bool(own) and all(any(a <= j <= b for a, b in groups) for j in own)


def _two_row_header(
    sheet: _Sheet, spec: TableSpec, i: int, width: int
) -> tuple[tuple[str | None, ...], tuple[str, ...]]:
    upper, lower = sheet.rows[i], sheet.rows[i + 1]
    names: list[str | None] = []
    texts: list[str] = []
    for j in range(width):
        top = upper[j] if j < len(upper) else None
        below = lower[j] if j < len(lower) and (i + 1, j) not in sheet.filled else None
        if is_blank(below):
            names.append(spec.canonical(top))
            texts.append(cell_text(top, nfkc=False))
            continue
        joined = cell_text(top, nfkc=False) + cell_text(below, nfkc=False)
        names.append(spec.canonical(below) or spec.canonical(joined) or spec.canonical(top))
        texts.append(cell_text(below, nfkc=False))
    return tuple(names), tuple(texts)


def _is_note(sheet: _Sheet, i: int, width: int, own: list[int]) -> bool:
    """One merged cell across the whole table: a note or a heading, not data."""
    return len(own) == 1 and any(
        first == own[0] and first == 0 and last >= width - 1 and width > 1
        for first, last in sheet.spans.get(i, [])
    )


def _shape(
    sheet: _Sheet, i: int, cells: Sequence[Value], own: list[int], width: int
) -> list[CellProblem]:
    problems: list[CellProblem] = []
    if sheet.strict_width and len(cells) < width:
        problems.append(CellProblem(i + 1, None, f"本行只有 {len(cells)} 列，表头有 {width} 列"))
        return problems
    extra = [j for j in own if j >= width]
    if extra:
        problems.append(
            CellProblem(i + 1, min(extra) + 1, f"本行有 {max(extra) + 1} 列，多于表头的 {width} 列")
        )
    return problems


def _read_sheet(path: Path, sheet_name: str | None) -> _Sheet:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise TableError(f"文件不存在: {path}") from exc
    except IsADirectoryError as exc:
        raise TableError(f"这是一个文件夹，不是文件: {path}") from exc
    except OSError as exc:
        raise TableError(f"无法读取文件: {path} ({exc.strerror})") from exc
    if data.startswith(_OLE):
        raise TableError(
            f"不支持旧版 Excel（.xls）、WPS（.et）或加了密码的工作簿，{SAVE_AS}（不加密码）"
        )
    if data.startswith(_ZIP):
        return _xlsx_sheet(path, data, sheet_name)
    if data.startswith(b"%PDF"):
        raise TableError(f"这是 PDF 文件，不是表格，{SAVE_AS}")
    kind = _NOT_TABLES.get(path.suffix.lower())
    if kind is not None:
        raise TableError(f"不支持{kind}，{SAVE_AS}")
    if path.suffix.lower() not in _TEXT_TABLES:
        raise TableError(f"不支持这种文件（{path.suffix}），{SAVE_AS}")
    return _csv_sheet(data)


# -- CSV ----------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """The text of a CSV file: by its BOM (UTF-8, UTF-16), else UTF-8 if the bytes
    are valid UTF-8, else GB18030 (which reads every GBK file as GBK does).

    Chinese text in GBK is practically never valid UTF-8, so a GBK file is not
    read as UTF-8 mojibake. Raises :class:`TableError` if neither fits.
    """
    if data.startswith(codecs.BOM_UTF8):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    elif b"\x00" in data:
        raise TableError(f"无法识别的文件格式（不是文本或 Excel 文件），{SAVE_AS}")
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
    raise TableError("无法识别文件编码，请另存为 UTF-8 编码的 CSV，或 .xlsx 工作簿")


def _records(text: str, delimiter: str) -> list[list[str]]:
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise TableError(f"CSV 文件格式有误: {exc}") from exc


def _steady_fields(text: str, delimiter: str) -> int:
    """How many of the first non-blank records have the most common field count
    (0 if the delimiter splits none of them)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        counts = [
            len(r) for r in islice((r for r in reader if any(c.strip() for c in r)), _SNIFF_RECORDS)
        ]
    except csv.Error:
        return 0
    split = Counter(n for n in counts if n > 1)
    return split.most_common(1)[0][1] if split else 0


def sniff_delimiter(text: str) -> str:
    """The field separator of CSV ``text``: comma, tab or semicolon, whichever
    gives most of the first records one steady field count (ties in that order);
    a full-width comma only if none of those splits any record; else comma."""
    scores = {d: _steady_fields(text, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: scores[d])  # first of equals wins
    if scores[best]:
        return best
    return _FULLWIDTH_COMMA if _steady_fields(text, _FULLWIDTH_COMMA) else ","


def _csv_sheet(data: bytes) -> _Sheet:
    text = decode_text(data)
    m = _SEP_LINE.match(text)
    delimiter = m.group(1) if m else sniff_delimiter(text)
    if m:
        text = text[m.end() :]
    rows: list[list[Value]] = [[clean_text(c) for c in r] for r in _records(text, delimiter)]
    return _Sheet(None, rows, set(), {}, strict_width=True)


# -- XLSX -----------------------------------------------------------------------------------


def _xlsx_kind(data: bytes) -> None:
    """Refuse a zip that is not an Excel workbook, saying what it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TableError(f"无法读取 Excel 文件：文件已损坏或不完整，{SAVE_AS}") from exc
    if "xl/workbook.xml" in names:
        return
    if "xl/workbook.bin" in names:
        raise TableError(f"不支持 Excel 二进制工作簿（.xlsb），{SAVE_AS}")
    if "content.xml" in names:
        raise TableError(f"不支持 OpenDocument 表格（.ods），{SAVE_AS}")
    if any(n.startswith("word/") for n in names):
        raise TableError(f"这是 Word 文档，不是表格，{SAVE_AS}")
    raise TableError(f"无法读取 Excel 文件：这个压缩文件不是 Excel 工作簿，{SAVE_AS}")


def _xlsx_value(value: object) -> Value:
    if isinstance(value, str):
        return clean_text(value) or None  # an empty cell reads as ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, bool | int | float | date | time | timedelta) or value is None:
        return value
    return clean_text(str(value))


def _xlsx_sheet(path: Path, data: bytes, sheet_name: str | None) -> _Sheet:
    _xlsx_kind(data)
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # zip, XML and reader errors alike: a damaged file
        raise TableError(f"无法读取 Excel 文件：文件已损坏，{SAVE_AS}") from exc
    try:
        sheets = [m for m in wb.sheets_metadata if str(m.typ).endswith("WorkSheet")]
        if sheet_name is not None:
            found = next((m for m in sheets if m.name == sheet_name), None)
            if found is None:
                names = "、".join(m.name for m in sheets)
                raise TableError(f"工作簿中没有名为“{sheet_name}”的工作表（有：{names}）")
        else:
            found = next((m for m in sheets if m.visible == SheetVisibleEnum.Visible), None)
            if found is None:
                raise TableError("工作簿中没有可见的工作表")
        try:
            ws = wb.get_sheet_by_name(found.name)
            # From A1, so that row and column numbers are the ones Excel shows.
            raw = ws.to_python(skip_empty_area=False)
            merged = ws.merged_cell_ranges or []
        except Exception as exc:
            raise TableError(f"无法读取 Excel 文件：文件已损坏，{SAVE_AS}") from exc
        rows = [[_xlsx_value(v) for v in r] for r in raw]
        filled: set[tuple[int, int]] = set()
        spans: dict[int, list[tuple[int, int]]] = {}
        for (top, left), (bottom, right) in merged:
            value = rows[top][left] if top < len(rows) and left < len(rows[top]) else None
            for i in range(top, bottom + 1):
                while len(rows) <= i:
                    rows.append([])
                row = rows[i]
                if len(row) <= right:
                    row.extend([None] * (right + 1 - len(row)))
                for j in range(left, right + 1):
                    if (i, j) != (top, left):
                        row[j] = value
                        filled.add((i, j))
                if right > left:
                    spans.setdefault(i, []).append((left, right))
        return _Sheet(found.name, rows, filled, spans, strict_width=False)
    finally:
        close = getattr(wb, "close", None)
        if close is not None:
            close()
