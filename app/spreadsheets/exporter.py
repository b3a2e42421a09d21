"""Write a list as an .xlsx workbook: Chinese headers, names beside codes, Beijing times (blocking
code: callers run it in a worker thread)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app.kernel import CHINA
from app.spreadsheets.columns import Column

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")


def beijing(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: write the Beijing wall-clock time."""
    return None if moment is None else moment.astimezone(CHINA).replace(tzinfo=None)


def workbook_bytes(title: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells: list[Any] = []
        for column, value in zip(columns, row, strict=True):
            if isinstance(value, datetime) or column.kind == "date":
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
                cells.append(cell)
            elif isinstance(value, str):
                # Control characters cannot be stored in .xlsx; user text that begins with = would be
                # stored as a formula by openpyxl, and must stay text, never run in Excel.
                text = ILLEGAL_CHARACTERS_RE.sub("", value)
                if text.startswith("="):
                    cell = WriteOnlyCell(sheet, value=text)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(text)
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
