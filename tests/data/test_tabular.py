"""The tabular reader on real files: workbooks written by openpyxl (some rewritten
inside the zip as other writers leave them) and CSV bytes in every encoding
offices save."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.services.tabular import (
    TableError,
    TableSpec,
    cell_date,
    cell_number,
    cell_text,
    cell_time,
    column_letter,
    read_table,
    sniff_delimiter,
)

Row = Sequence[object]

# A register that is not a roster: the reader knows nothing about either.
SPEC = TableSpec(
    {
        "名称": "name",
        "场所名称": "name",
        "容量": "capacity",
        "电话": "phone",
        "联系电话": "phone",
        "日期": "date",
        "负责人": "keeper",
    },
    required=("name", ("capacity", "phone")),
)
HEADER = ["名称", "容量", "联系电话", "日期"]
ROWS: list[Row] = [
    HEADER,
    ["城关避难场所", "300", "13800000000", "2026-12-01"],
    ["测试员䶮的仓库", "50", "0557-1234567", "2026/12/2"],
]


def write_xlsx(path: Path, rows: Sequence[Row], merges: Sequence[str] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def csv_bytes(rows: Sequence[Row], encoding: str, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def texts(path: Path, spec: TableSpec = SPEC) -> list[list[str]]:
    table = read_table(path, spec)
    return [[cell_text(c) for c in row.cells] for row in table.rows]


# -- encodings and separators ---------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("gb18030", ","),  # 䶮 is not in GBK
        ("utf-16", "\t"),  # Excel's "Unicode text": UTF-16 with BOM, tab separated
        ("utf-8", ";"),
        ("gb18030", "\t"),
    ],
)
def test_csv_in_every_encoding_and_separator(tmp_path: Path, encoding: str, delimiter: str) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes(ROWS, encoding, delimiter))
    table = read_table(path, SPEC)
    assert table.header == ("name", "capacity", "phone", "date")
    assert [r.text("name") for r in table.rows] == ["城关避难场所", "测试员䶮的仓库"]
    assert [r.number for r in table.rows] == [2, 3]
    assert table.rows[1].text("phone") == "0557-1234567"


def test_gbk_reads_the_same_through_the_gb18030_fallback(tmp_path: Path) -> None:
    rows = [HEADER, ["萧县应急物资储备库", "1", "13800000000", ""]]
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_bytes(rows, "gbk"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    assert texts(path) == [["萧县应急物资储备库", "1", "13800000000", ""]]


def test_gb18030_name_outside_gbk(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes(ROWS, "gb18030"))
    with pytest.raises(UnicodeEncodeError):
        "䶮".encode("gbk")
    assert read_table(path, SPEC).rows[1].text("name") == "测试员䶮的仓库"


def test_separator_rule() -> None:
    assert sniff_delimiter("名称,容量\n甲,1\n") == ","
    assert sniff_delimiter("名称\t容量\n甲，乙\t1\n丙,丁\t2\n") == "\t"
    assert sniff_delimiter("名称;容量\n甲;1\n") == ";"
    # Full-width commas inside cells of a comma file do not make them the separator.
    assert sniff_delimiter('名称,容量\n"甲，乙",1\n丙，丁,2\n') == ","
    # ... but they are the separator when nothing else splits the lines.
    assert sniff_delimiter("名称，容量\n甲，1\n") == "，"
    assert sniff_delimiter("名称\n甲\n") == ","


def test_full_width_comma_file_and_excel_sep_line(tmp_path: Path) -> None:
    path = tmp_path / "fw.csv"
    path.write_text("名称，容量\n城关，300\n", encoding="utf-8")
    assert texts(path) == [["城关", "300"]]
    sep = tmp_path / "sep.csv"
    sep.write_text("sep=;\n名称;容量\n城关;300,5\n", encoding="utf-8")
    table = read_table(sep, SPEC)
    assert table.header_row == 1  # Excel hides the sep= line
    assert table.rows[0].text("capacity") == "300,5"


# -- where the table is ----------------------------------------------------------------


def test_title_notes_blank_rows_and_marked_headers(tmp_path: Path) -> None:
    rows: list[Row] = [
        ["萧县应急避难场所登记表"],
        ["填表说明：带 * 的为必填项"],
        [],
        ["*场所名称（必填）", " 容 量 ：", "联系电话【选填】", "备注"],
        ["城关避难场所", "300", "", ""],
        [],
        ["", "  ", None, None],
        ["龙城避难场所", "200", "", "新建"],
    ]
    table = read_table(write_xlsx(tmp_path / "t.xlsx", rows), SPEC)
    assert table.header_row == 4
    assert table.header == ("name", "capacity", "phone", None)
    assert table.header_text[0] == "*场所名称（必填）"
    assert [r.number for r in table.rows] == [5, 8]
    assert table.blank_rows == 2
    assert table.rows[1].where("capacity") == "第 8 行 B 列"
    assert table.rows[1].where() == "第 8 行"
    assert table.letter("phone") == "C"


def test_no_header_names_what_is_wanted(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("姓名,单位\n张三,应急局\n", encoding="utf-8")
    with pytest.raises(TableError) as caught:
        read_table(path, SPEC)
    assert str(caught.value) == "找不到表头：前 10 行中没有一行包含 “name”、“capacity”或“phone” 列"
    custom = TableSpec(SPEC.aliases, SPEC.required, missing_header="找不到表头：需要“名称”列")
    with pytest.raises(TableError, match="需要“名称”列"):
        read_table(path, custom)


def test_a_header_below_the_search_window_is_not_found(tmp_path: Path) -> None:
    rows: list[Row] = [[f"说明 {i}"] for i in range(10)] + [HEADER, ["城关", 1, "", ""]]
    path = write_xlsx(tmp_path / "deep.xlsx", rows)
    with pytest.raises(TableError, match="找不到表头"):
        read_table(path, SPEC)
    deeper = TableSpec(SPEC.aliases, SPEC.required, header_rows=11)
    assert read_table(path, deeper).header_row == 11


def test_row_shape_problems_name_the_position(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text("名称,容量,电话\n城关,1\n龙城,2,,多余\n", encoding="utf-8")
    table = read_table(path, SPEC)
    assert [str(p) for r in table.rows for p in r.problems] == [
        "第 2 行：本行只有 2 列，表头有 3 列",
        "第 3 行 D 列：本行有 4 列，多于表头的 3 列",
    ]


# -- XLSX as other writers leave it -----------------------------------------------------


def test_merged_cells_fill_every_cell_of_their_range(tmp_path: Path) -> None:
    rows: list[Row] = [
        ["萧县应急避难场所登记表", None, None, None],  # a merged title row
        ["名称", "负责人", "联系电话", None],  # 联系电话 merged over C:D
        ["城关一号", "张三", "13800000000", "0557-1234567"],
        ["城关二号", None, "13900000000", None],
        ["城关三号", None, None, None],
        ["龙城一号", "李四", "13700000000", None],
        ["注：以上场所每月检查一次", None, None, None],  # a note across the table
        ["龙城二号", "王五", None, None],
    ]
    merges = ["A1:D1", "C2:D2", "B3:B5", "C6:D6", "C4:D5", "A7:D7"]
    table = read_table(write_xlsx(tmp_path / "m.xlsx", rows, merges), SPEC)
    assert table.header_row == 2
    assert table.header == ("name", "keeper", "phone", "phone")
    got = [[cell_text(c) for c in r.cells] for r in table.rows]
    assert got == [
        ["城关一号", "张三", "13800000000", "0557-1234567"],
        ["城关二号", "张三", "13900000000", "13900000000"],  # vertical + block
        ["城关三号", "张三", "13900000000", "13900000000"],
        ["龙城一号", "李四", "13700000000", "13700000000"],  # horizontal
        ["龙城二号", "王五", "", ""],
    ]
    assert [r.number for r in table.rows] == [3, 4, 5, 6, 8]
    assert table.notes == ((7, "注：以上场所每月检查一次"),)
    assert [p for p, _v in table.rows[0].values("phone")] == [3, 4]


def test_rows_covered_only_by_a_merge_are_blank(tmp_path: Path) -> None:
    rows: list[Row] = [["名称", "负责人", "容量"], ["城关", "张三", 1], [], []]
    table = read_table(write_xlsx(tmp_path / "b.xlsx", rows, ["B2:B4"]), SPEC)
    assert [r.number for r in table.rows] == [2]
    assert table.blank_rows == 2


def _rewrite_sheet(path: Path, change: str, to: str) -> None:
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    assert re.search(change, xml), xml[:300]
    parts["xl/worksheets/sheet1.xml"] = re.sub(change, to, xml).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def test_a_wrong_stored_dimension_does_not_cut_the_sheet(tmp_path: Path) -> None:
    rows: list[Row] = [HEADER] + [[f"场所{i}", i, "", ""] for i in range(1, 31)]
    path = write_xlsx(tmp_path / "dim.xlsx", rows)
    _rewrite_sheet(path, r'<dimension ref="[^"]*"', '<dimension ref="A1:B3"')
    table = read_table(path, SPEC)
    assert len(table.rows) == 30
    assert table.rows[-1].text("name") == "场所30" and table.rows[-1].number == 31
    assert table.header == ("name", "capacity", "phone", "date")


def test_first_visible_sheet_or_a_named_one(tmp_path: Path) -> None:
    wb = Workbook()
    hidden = wb.active
    assert hidden is not None
    hidden.title = "说明"
    hidden.append(["这一页是隐藏的说明"])
    hidden.sheet_state = "hidden"
    first = wb.create_sheet("十二月")
    for row in ROWS:
        first.append(list(row))
    second = wb.create_sheet("一月")
    second.append(HEADER)
    second.append(["一月的场所", 5, "", ""])
    path = tmp_path / "sheets.xlsx"
    wb.save(path)
    table = read_table(path, SPEC)
    assert table.sheet == "十二月" and len(table.rows) == 2
    named = TableSpec(SPEC.aliases, SPEC.required, sheet="一月")
    assert read_table(path, named).rows[0].text("name") == "一月的场所"
    missing = TableSpec(SPEC.aliases, SPEC.required, sheet="二月")
    with pytest.raises(TableError, match="没有名为“二月”的工作表（有：说明、十二月、一月）"):
        read_table(path, missing)


# -- cell values ----------------------------------------------------------------------


def test_numbers_phones_dates_and_times_from_a_workbook(tmp_path: Path) -> None:
    rows: list[Row] = [
        HEADER,
        ["数字电话", 300, 13800000000, 46357],
        ["科学计数", 300.0, 1.38e10, datetime(2026, 12, 1)],
        ["文本数字", "３００", "１３８００００００００", "２０２６－１２－０１"],
        ["日期文本", "1,200", "", "2026年12月1日"],
    ]
    table = read_table(write_xlsx(tmp_path / "v.xlsx", rows), SPEC)
    phones = [r.text("phone") for r in table.rows]
    assert phones == ["13800000000", "13800000000", "13800000000", ""]
    assert table.rows[1].value("capacity") == 300 and isinstance(
        table.rows[1].value("capacity"), int
    )
    assert [cell_number(r.value("capacity")) for r in table.rows] == [300, 300, 300, 1200]
    assert {cell_date(r.value("date")) for r in table.rows} == {date(2026, 12, 1)}


def test_control_characters_are_cleaned(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_bytes("名称,容量\r\n城关\x01避难场所\x7f,1\r\n".encode())
    table = read_table(path, SPEC)
    assert table.rows[0].value("name") == "城关避难场所"


def test_cell_helpers() -> None:
    assert cell_text(13800000000.0) == "13800000000"
    assert cell_text(12.5) == "12.5"
    assert cell_text(0.1 + 0.2) == "0.3"
    assert cell_text("  Ｇ３１０\u3000") == "G310"
    assert cell_text("  Ｇ３１０\u3000", nfkc=False) == "Ｇ３１０"
    assert cell_text(datetime(2026, 12, 1, 8, 30)) == "2026-12-01 08:30"
    assert cell_text(datetime(2026, 12, 1)) == "2026-12-01"
    assert cell_text(time(20, 30)) == "20:30"
    assert cell_text(None) == "" and cell_text(True) == "TRUE"
    assert cell_number("1.38E+10") == 13800000000
    assert cell_number("１２.５") == 12.5
    assert cell_number("十二") is None and cell_number("") is None and cell_number(True) is None
    assert cell_date(46357) == date(2026, 12, 1)
    assert cell_date(46357.75) == date(2026, 12, 1)  # a date-time day number
    assert cell_date("46357") == date(2026, 12, 1)  # a day number stored as text
    assert cell_date(12) is None  # not a plausible day number
    assert cell_date("20261201") == date(2026, 12, 1)
    assert cell_date("2026-02-30") is None
    assert cell_time("８：３０") == time(8, 30)
    assert cell_time("8时30分") == time(8, 30)
    assert cell_time(0.75) == time(18, 0)
    assert column_letter(1) == "A" and column_letter(26) == "Z" and column_letter(28) == "AB"


# -- files that are not tables ------------------------------------------------------------


def _docx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200, "不支持旧版 Excel（.xls）"),
        ("broken.xlsx", b"PK\x03\x04" + b"\x14\x00" * 40, "无法读取 Excel 文件：文件已损坏"),
        ("letter.xlsx", _docx_bytes(), "这是 Word 文档，不是表格"),
        ("scan.pdf", b"%PDF-1.7\n...", "这是 PDF 文件"),
        ("photo.png", b"\x89PNG\r\n\x1a\n", "不支持图片"),
        ("odd.csv", b"\x80\x81\xff\xfe" * 8, "无法识别文件编码"),
        ("bin.csv", b"\x01\x00\x02\x00" * 8, "无法识别的文件格式"),
        ("script.py", b"import os\nprint(1, 2)\n", "不支持这种文件（.py）"),
    ],
)
def test_what_cannot_be_read_is_refused_in_chinese(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableError) as caught:
        read_table(path, SPEC)
    assert message in str(caught.value)
    assert "另存为" in str(caught.value) or "编码" in str(caught.value)


def test_a_truncated_workbook_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "cut.xlsx", ROWS)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TableError, match="无法读取 Excel 文件"):
        read_table(path, SPEC)
    # Zip fine, XML inside not: still a Chinese message, no traceback.
    path = write_xlsx(tmp_path / "bad-xml.xlsx", ROWS)
    _rewrite_sheet(path, r"<sheetData>", "<sheetData><row r=")
    with pytest.raises(TableError, match="无法读取 Excel 文件：文件已损坏"):
        read_table(path, SPEC)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="文件不存在"):
        read_table(tmp_path / "none.xlsx", SPEC)
    with pytest.raises(TableError, match="文件夹"):
        read_table(tmp_path, SPEC)


def test_utf16_big_endian_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "be.txt"
    text = "\t".join(HEADER) + "\r\n城关\t1\t\t\r\n"
    path.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    assert texts(path) == [["城关", "1", "", ""]]
