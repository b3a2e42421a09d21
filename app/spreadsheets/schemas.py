"""What an import reports: every bad cell, by spreadsheet row and column header."""

from __future__ import annotations

import builtins
from typing import Literal

from pydantic import BaseModel, Field

ImportableList = Literal["demands", "products"]
# What a report may be of: the admin imports, and an enterprise's inventory (设备台账).
ReportedList = Literal["demands", "products", "equipment"]
ExportableList = Literal["demands", "products", "providers"]


class ImportProblem(BaseModel):
    row: int = Field(description="The spreadsheet row (the header is row 1).")
    field: str = Field(description="The column's header, or （整行） for the row as a whole.")
    column: str | None = Field(description="The column letter, when the column is in the file.")
    msg: str


class ImportReport(BaseModel):
    list: ReportedList
    dry_run: bool
    rows: int = Field(description="Non-empty data rows read.")
    accepted: int = Field(description="Rows with no problem (imported, unless this is a dry run).")
    rejected: int = Field(description="Rows with at least one problem.")
    errors: builtins.list[ImportProblem]
    errors_truncated: bool = Field(default=False, description="More problems than are listed here.")
    imported: int = Field(description="Rows written: all of them, or none when anything was rejected.")
