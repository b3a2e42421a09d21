"""Read an uploaded .xlsx into typed cells, reporting every cell that cannot be read (blocking code:
callers run it in a worker thread)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from app.errors import PayloadTooLarge, UnsupportedMediaType
from app.spreadsheets.columns import LIST_SEPARATORS, Column

MAX_ROWS = 20_000
# A zip's members may expand far beyond its size; refuse before openpyxl inflates them.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
WHOLE_ROW = "（整行）"
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗"}
_GROUPED_DIGITS = re.compile(r"^-?\d{1,3}(,\d{3})+$|^-?\d+$")


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    column: str | None
    msg: str


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
    pass


def _check_container(data: bytes) -> None:
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnsupportedMediaType(
            "This is an old-format .xls workbook; open it in Excel or WPS and save it as .xlsx."
        )
    if data[:4] != b"PK\x03\x04":
        raise UnsupportedMediaType(
            "The file is not an .xlsx workbook; save the sheet as .xlsx and upload it."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise UnsupportedMediaType("The file is not a readable .xlsx workbook (a damaged zip).") from exc
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise UnsupportedMediaType("The file is a zip but not an .xlsx workbook.")
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        raise PayloadTooLarge(
            f"The workbook expands to more than {MAX_UNCOMPRESSED_BYTES // 2**20} MB; "
            "split it into smaller files."
        )


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        raise CellError("expected text, found a date")
    return str(value).strip()


def _integer(value: Any, *, grouped: bool) -> int:
    if isinstance(value, bool):
        raise CellError("expected a whole number, found TRUE/FALSE")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"expected a whole number, found {value}")
        return int(value)
    if isinstance(value, datetime | date):
        raise CellError("expected a whole number, found a date")
    text = str(value).strip().replace("，", ",")
    if _GROUPED_DIGITS.match(text) and (grouped or "," not in text):
        return int(text.replace(",", ""))
    raise CellError(f"expected a whole number, found {text!r}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(f"expected 是 or 否, found {text!r}")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        raise CellError(
            f"the date {value.strip()!r} is text; format the cell as a date (设置单元格格式 → 日期)"
        )
    raise CellError(f"expected a date cell, found {value!r}")


def read_cell(column: Column, value: Any, *, formula: bool = False) -> Any:
    """The cell's value as the column's kind; CellError says what is wrong."""
    if formula or isinstance(value, ArrayFormula | DataTableFormula):
        raise CellError("a formula; paste the values instead (选择性粘贴 → 数值)")
    if column.kind == "int":
        return _integer(value, grouped=False)
    if column.kind == "money":
        return _integer(value, grouped=True)
    if column.kind == "bool":
        return _boolean(value)
    if column.kind == "date":
        return _date(value)
    text = _text(value)
    if column.kind == "codes":
        return [part.strip() for part in re.split(f"[{re.escape(LIST_SEPARATORS)}]", text) if part.strip()]
    return text


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_sheet(data: bytes, columns: tuple[Column, ...]) -> Sheet:
    """The first worksheet's rows, keyed by column; problems for the header, merged and unreadable cells."""
    _check_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken package
        raise UnsupportedMediaType(f"The .xlsx workbook cannot be read ({type(exc).__name__}).") from exc
    sheet = workbook.worksheets[0]
    problems: list[Problem] = []
    by_header = {c.header: c for c in columns}
    header_cells = next(sheet.iter_rows(min_row=1, max_row=1), ())
    positions: dict[int, Column] = {}
    for cell in header_cells:
        if _empty(cell.value):
            continue
        header = str(cell.value).strip()
        column = by_header.get(header)
        letter = get_column_letter(cell.column)
        if column is None:
            problems.append(
                Problem(1, header, letter, "unknown column; the headers are: " + "、".join(by_header))
            )
        elif column in positions.values():
            problems.append(Problem(1, header, letter, "this column appears twice"))
        else:
            positions[cell.column] = column
    for column in columns:
        if column.required and column not in positions.values():
            problems.append(Problem(1, column.header, None, "a required column is missing"))
    for merged in sheet.merged_cells.ranges:
        column = positions.get(merged.min_col)
        problems.append(
            Problem(
                merged.min_row,
                column.header if column else WHOLE_ROW,
                get_column_letter(merged.min_col),
                f"merged cells {merged.coord}; unmerge them and give each cell its own value",
            )
        )
    letters = {column: get_column_letter(index) for index, column in positions.items()}
    if problems and any(p.row == 1 for p in problems):
        return Sheet(rows=[], problems=problems, letters=letters)
    rows: list[SheetRow] = []
    for cells in sheet.iter_rows(min_row=2):
        if all(_empty(c.value) for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise PayloadTooLarge(f"At most {MAX_ROWS:,} rows can be imported at once; split the file.")
        row = SheetRow(number=cells[0].row)
        for cell in cells:
            column = positions.get(cell.column)
            if column is None or not column.importable or _empty(cell.value):
                continue
            try:
                row.values[column] = read_cell(column, cell.value, formula=cell.data_type == "f")
            except CellError as exc:
                problems.append(Problem(row.number, column.header, get_column_letter(cell.column), str(exc)))
        rows.append(row)
    return Sheet(rows=rows, problems=problems, letters=letters)
