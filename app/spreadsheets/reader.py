"""Read an uploaded .xlsx into typed cells, reporting every cell that cannot be read (blocking code:
callers run it in a worker thread)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from xml.parsers import expat

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from app.errors import PayloadTooLarge, UnsupportedMediaType
from app.i18n import Language
from app.spreadsheets.columns import LIST_SEPARATORS, Column

MAX_ROWS = 20_000
# How far down a sheet may reach (blank rows included) and how many columns are looked at: a tiny file can
# declare a cell at XFD1048576, and walking to it would take minutes.
MAX_SHEET_ROWS = 50_000
MAX_COLUMNS = 100
# A zip's members may expand far beyond its size; refuse before openpyxl inflates them.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# Each merged range is one problem in the report; a sheet with more is refused whole.
MAX_MERGED_RANGES = 1_000
WHOLE_ROW = "（整行）"
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗"}
_MERGED_RANGE = re.compile(r"[A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}[0-9]{1,7}")
_XML_CHUNK_BYTES = 1 << 16
_GROUPED_DIGITS = re.compile(r"^-?\d{1,3}(,\d{3})+$|^-?\d+$")


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    column: str | None
    msg: str
    # The same message in Chinese; a report picks one of the two when it is built for a response.
    msg_zh: str

    def text(self, language: Language) -> str:
        return self.msg_zh if language == "zh" else self.msg


@dataclass
class SheetRow:
    number: int
    values: dict[Column, Any] = field(default_factory=dict)


@dataclass
class Sheet:
    rows: list[SheetRow]
    problems: list[Problem]
    letters: dict[Column, str] = field(default_factory=dict)


class CellError(ValueError):
    """A cell that cannot be read: `str(error)` in English, `zh` the same in Chinese."""

    def __init__(self, msg: str, zh: str) -> None:
        super().__init__(msg)
        self.zh = zh


def _check_container(data: bytes) -> None:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnsupportedMediaType(
            "This is an old-format .xls workbook; open it in Excel or WPS and save it as .xlsx.",
            zh="这是旧格式的 .xls 工作簿，请用 Excel 或 WPS 打开并另存为 .xlsx。",
        )
    if data[:4] != b"PK\x03\x04":
        raise UnsupportedMediaType(
            "The file is not an .xlsx workbook; save the sheet as .xlsx and upload it.",
            zh="该文件不是 .xlsx 工作簿，请把表格另存为 .xlsx 后上传。",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnsupportedMediaType(
            "The file is not a readable .xlsx workbook (a damaged zip).",
            zh="该文件不是可读取的 .xlsx 工作簿（zip 文件已损坏）。",
        ) from exc
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise UnsupportedMediaType(
            "The file is a zip but not an .xlsx workbook.", zh="该文件是 zip 压缩包，但不是 .xlsx 工作簿。"
        )
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise PayloadTooLarge(
            f"The workbook expands to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB; "
            "split it into smaller files.",
            zh=f"该工作簿解压后超过 {MAX_UNCOMPRESSED_BYTES // 2**20} MB，请拆分成较小的文件。",
        )


def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise CellError("expected text, found TRUE/FALSE", "应为文本，实际是逻辑值 TRUE/FALSE")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        raise CellError("expected text, found a date or time", "应为文本，实际是日期或时间")
    return str(value).strip()


def _integer(value: Any, *, grouped: bool) -> int:
    if isinstance(value, bool):
        raise CellError("expected a whole number, found TRUE/FALSE", "应为整数，实际是逻辑值 TRUE/FALSE")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"expected a whole number, found {value}", f"应为整数，实际是 {value}")
        return int(value)
    if isinstance(value, datetime | date | time):
        raise CellError("expected a whole number, found a date or time", "应为整数，实际是日期或时间")
    text = str(value).strip().replace("，", ",")
    if _GROUPED_DIGITS.match(text) and (grouped or "," not in text):
        return int(text.replace(",", ""))
    raise CellError(f"expected a whole number, found {text[:40]!r}", f"应为整数，实际是“{text[:40]}”")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"expected 是 or 否, found {text[:40]!r}", f"应为“是”或“否”，实际是“{text[:40]}”")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        raise CellError(
            f"the date {value.strip()[:40]!r} is text; format the cell as a date (设置单元格格式 → 日期)",
            f"日期“{value.strip()[:40]}”是文本，请把单元格设为日期格式（设置单元格格式 → 日期）",
        )
    raise CellError(
        f"expected a date cell, found {str(value)[:40]!r}", f"应为日期单元格，实际是“{str(value)[:40]}”"
    )


def read_cell(column: Column, value: Any, *, data_type: str = "s") -> Any:
    """The cell's value as the column's kind; CellError says what is wrong."""
    if data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
        raise CellError(
            "a formula; paste the values instead (选择性粘贴 → 数值)",
            "这是公式，请改为粘贴数值（选择性粘贴 → 数值）",
        )
    if data_type == "e":
        raise CellError(
            f"an error value {value}; put the value itself in the cell",
            f"这是错误值 {value}，请在单元格中填写值本身",
        )
    if column.kind == "int":
        return _integer(value, grouped=False)
    if column.kind == "money":
        return _integer(value, grouped=True)
    if column.kind == "bool":
        return _boolean(value)
    if column.kind == "date":
        return _date(value)
    text = _text(value)
    if column.kind == "codes" and column.codes is None:
        return split_list(text)
    # A list of catalog entries stays one string: names may contain 、, so the importer splits it
    # against the catalog (see importer.split_codes).
    return text


def split_list(text: str, separators: str = LIST_SEPARATORS) -> list[str]:
    return [part.strip() for part in re.split(f"[{re.escape(separators)}]", text) if part.strip()]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header(value: Any) -> str:
    """Header text with half-width brackets and spaces forgiven: 预算下限(元) is 预算下限（元）."""
    return re.sub(r"\s+", "", str(value)).replace("(", "（").replace(")", "）")


class _MergedRanges:
    """Collects `<mergeCell ref="…">` from a sheet part fed to expat piece by piece: one pass, no tree kept
    and no pattern that can backtrack, so the work follows the part's size whatever its bytes are."""

    def __init__(self) -> None:
        self.found: dict[str, None] = {}  # insertion-ordered and without repeats
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        # No sheet part has a DTD; refusing one keeps entity expansion out of the importer altogether.
        self.parser.StartDoctypeDeclHandler = self._doctype

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if name.rpartition(" ")[2] != "mergeCell":
            return
        ref = attributes.get("ref", "")
        if len(ref) > 21 or not _MERGED_RANGE.fullmatch(ref):
            return
        self.found[ref] = None
        if len(self.found) > MAX_MERGED_RANGES:
            raise PayloadTooLarge(
                f"The sheet has more than {MAX_MERGED_RANGES:,} merged ranges; select the whole sheet, "
                "unmerge the cells (取消合并单元格) and give each cell its own value.",
                zh=f"工作表中的合并单元格超过 {MAX_MERGED_RANGES:,} 处，请全选工作表，取消合并单元格，"
                "并给每个单元格分别填写值。",
            )

    def _doctype(self, *_: Any) -> None:
        raise UnsupportedMediaType(
            "The worksheet declares a DTD, which .xlsx workbooks never do; save it again from Excel or WPS.",
            zh="该工作表包含 DTD 声明（正常的 .xlsx 工作簿不会有），请用 Excel 或 WPS 重新保存。",
        )

    def feed(self, data: bytes, *, last: bool = False) -> None:
        try:
            self.parser.Parse(data, last)
        except expat.ExpatError as exc:
            raise UnsupportedMediaType(
                f"The worksheet's XML is malformed (line {exc.lineno}, column {exc.offset}); "
                "save the workbook again from Excel or WPS.",
                zh=f"该工作表的 XML 格式有误（第 {exc.lineno} 行第 {exc.offset} 列），"
                "请用 Excel 或 WPS 重新保存该工作簿。",
            ) from exc


def _merged_ranges(workbook: Any, sheet: Any) -> list[str]:
    """Merged ranges, read from the sheet's XML (openpyxl's streaming reader does not report them) by a
    streaming XML parser, at most MAX_UNCOMPRESSED_BYTES of it."""
    merged = _MergedRanges()
    read = 0
    with workbook._archive.open(sheet._worksheet_path) as source:
        while chunk := source.read(_XML_CHUNK_BYTES):
            read += len(chunk)
            if read > MAX_UNCOMPRESSED_BYTES:
                raise PayloadTooLarge(
                    f"The worksheet expands to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB; "
                    "split it into smaller files.",
                    zh=f"该工作表解压后超过 {MAX_UNCOMPRESSED_BYTES // 2**20} MB，请拆分成较小的文件。",
                )
            merged.feed(chunk)
    merged.feed(b"", last=True)
    return list(merged.found)


def _visible_worksheet(workbook: Any) -> Any:
    sheets = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
    if not sheets:
        raise UnsupportedMediaType(
            "The workbook has no visible worksheet to read; put the list on the first sheet.",
            zh="该工作簿没有可读取的可见工作表，请把清单放在第一个工作表上。",
        )
    return sheets[0]


def read_sheet(data: bytes, columns: tuple[Column, ...]) -> Sheet:
    """The first visible worksheet's rows, keyed by column; problems for the header, merged and unreadable
    cells. Streams the sheet (openpyxl's read-only mode): memory follows the rows read, not the sheet's
    extent, and a sheet reaching past MAX_SHEET_ROWS or MAX_COLUMNS is refused as it is met."""
    _check_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise UnsupportedMediaType(
            f"The .xlsx workbook cannot be read ({type(exc).__name__}).",
            zh=f"无法读取该 .xlsx 工作簿（{type(exc).__name__}）。",
        ) from exc
    try:
        return _read(workbook, _visible_worksheet(workbook), columns)
    except (PayloadTooLarge, UnsupportedMediaType):
        raise
    except Exception as exc:  # a malformed sheet part, met while streaming
        raise UnsupportedMediaType(
            f"The worksheet cannot be read ({type(exc).__name__}).",
            zh=f"无法读取该工作表（{type(exc).__name__}）。",
        ) from exc
    finally:
        workbook.close()


def _read(workbook: Any, sheet: Any, columns: tuple[Column, ...]) -> Sheet:
    """The header first, then merged ranges, then the data rows. A problem in the header row stops there:
    rows read against the wrong columns would only add misleading problems."""
    problems: list[Problem] = []
    positions = _header_positions(sheet, columns, problems)
    letters = {column: get_column_letter(index) for index, column in positions.items()}
    problems += _merged_problems(workbook, sheet, letters)
    if any(p.row == 1 for p in problems):
        return Sheet(rows=[], problems=problems, letters=letters)
    rows = _data_rows(sheet, positions, problems)
    return Sheet(rows=rows, problems=problems, letters=letters)


def _header_positions(sheet: Any, columns: tuple[Column, ...], problems: list[Problem]) -> dict[int, Column]:
    """Which column each header cell is (by 1-based position); unknown, repeated and missing required
    headers are appended to `problems`."""
    by_header = {c.header: c for c in columns}
    # One row, however wide (at most 16,384 cells): a header past MAX_COLUMNS is refused, not ignored.
    header_cells = next(sheet.iter_rows(min_row=1, max_row=1), ())
    positions: dict[int, Column] = {}
    for index, cell in enumerate(header_cells, start=1):
        if _empty(cell.value):
            continue
        letter = get_column_letter(index)
        if index > MAX_COLUMNS:
            raise PayloadTooLarge(
                f"The sheet has headers beyond column {MAX_COLUMNS}; keep only the list's columns.",
                zh=f"第 {MAX_COLUMNS} 列之后还有表头，请只保留清单的列。",
            )
        header = _header(cell.value)
        column = by_header.get(header)
        if column is None:
            known = "、".join(by_header)
            problems.append(
                Problem(
                    1,
                    header[:60],
                    letter,
                    "unknown column; the headers are: " + known,
                    "未知的列；可用的表头为：" + known,
                )
            )
        elif column in positions.values():
            problems.append(Problem(1, header, letter, "this column appears twice", "该列出现了两次"))
        else:
            positions[index] = column
    for column in columns:
        if column.required and column not in positions.values():
            problems.append(Problem(1, column.header, None, "a required column is missing", "缺少必填的列"))
    return positions


def _merged_problems(workbook: Any, sheet: Any, letters: dict[Column, str]) -> list[Problem]:
    """One problem per merged range: only its first cell holds a value, so the others would read empty."""
    problems: list[Problem] = []
    for merged in _merged_ranges(workbook, sheet):
        first = merged.split(":")[0]
        letter = first.rstrip("0123456789")
        row_number = int(first[len(letter) :])
        column = next((c for c, at in letters.items() if at == letter), None)
        problems.append(
            Problem(
                row_number,
                column.header if column else WHOLE_ROW,
                letter,
                f"merged cells {merged}; unmerge them and give each cell its own value",
                f"合并单元格 {merged}，请取消合并，并给每个单元格分别填写值",
            )
        )
    return problems


def _data_rows(sheet: Any, positions: dict[int, Column], problems: list[Problem]) -> list[SheetRow]:
    """The non-empty rows under the header, streamed and refused as soon as they pass the limits;
    unreadable cells are appended to `problems`."""
    last = max(positions, default=1)
    rows: list[SheetRow] = []
    for number, cells in enumerate(sheet.iter_rows(min_row=2, max_col=last), start=2):
        if number > MAX_SHEET_ROWS:
            raise PayloadTooLarge(
                f"The sheet goes on past row {MAX_SHEET_ROWS:,}; delete the rows below your data "
                f"(at most {MAX_ROWS:,} rows can be imported at once).",
                zh=f"工作表超过了第 {MAX_SHEET_ROWS:,} 行，请删除数据下方的多余行"
                f"（一次最多导入 {MAX_ROWS:,} 行）。",
            )
        if all(_empty(c.value) for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise PayloadTooLarge(
                f"At most {MAX_ROWS:,} rows can be imported at once; split the file.",
                zh=f"一次最多导入 {MAX_ROWS:,} 行，请拆分文件。",
            )
        rows.append(_data_row(number, cells, positions, problems))
    return rows


def _data_row(number: int, cells: Any, positions: dict[int, Column], problems: list[Problem]) -> SheetRow:
    row = SheetRow(number=number)
    for index, cell in enumerate(cells, start=1):
        column = positions.get(index)
        if column is None or not column.importable or _empty(cell.value):
            continue
        try:
            row.values[column] = read_cell(column, cell.value, data_type=cell.data_type)
        except CellError as exc:
            problems.append(Problem(number, column.header, get_column_letter(index), str(exc), exc.zh))
    return row
