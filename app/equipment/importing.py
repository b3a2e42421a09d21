"""A 设备台账 from an `.xlsx` workbook: the spreadsheet reader the admin imports use, each row checked by
the same rules as `POST /organizations/{id}/equipment`, all rows or none."""

from __future__ import annotations

from typing import Any

import anyio
from pydantic import ValidationError

from app.catalog.labels import ENUMS
from app.equipment.schemas import EquipmentIn
from app.i18n import validation_message
from app.spreadsheets.columns import Column
from app.spreadsheets.importer import CodeIndex, code_index
from app.spreadsheets.reader import WHOLE_ROW, CellError, Problem, Sheet, read_sheet

COLUMNS: tuple[Column, ...] = (
    Column("设备类别", ("category_code",), "code", "category", required=True, width=24),
    Column("型号", ("model",), required=True),
    Column("生产厂家", ("maker",), required=True, width=24),
    Column("投运年份", ("in_service_year",), "int", required=True, width=10),
    Column("数量", ("count",), "int", width=8),
    Column("能效等级", ("energy_grade",), "int", width=10),
    Column("原值（元）", ("original_value_cny",), "money"),
    Column("低于能效基准", ("below_energy_baseline",), "bool", width=14),
    Column("淘汰目录", ("elimination_catalogue",), width=30),
    Column("淘汰目录条目", ("elimination_entry",), width=24),
    Column("备注", ("note",), width=30),
)
# A catalogue cell may name it by code or by its Chinese name.
CATALOGUES = {
    **{code: code for code in ENUMS["EliminationCatalogue"]},
    **{zh: code for code, (zh, _en) in ENUMS["EliminationCatalogue"].items()},
}


def _key(data: EquipmentIn) -> tuple[str, str, str, int]:
    return existing_key(data.category_code, data.model, data.maker, data.in_service_year)


def _check(
    sheet: Sheet, categories: CodeIndex, existing: set[tuple[str, str, str, int]]
) -> tuple[list[EquipmentIn], list[Problem]]:
    problems = list(sheet.problems)
    accepted: list[EquipmentIn] = []
    first_row: dict[tuple[str, str, str, int], int] = {}
    by_field = {c.path[-1]: c for c in COLUMNS if c.path}

    def problem(number: int, column: Column | None, msg: str, zh: str) -> Problem:
        if column is None:
            return Problem(number, WHOLE_ROW, None, msg, zh)
        return Problem(number, column.header, sheet.letters.get(column), msg, zh)

    for row in sheet.rows:
        found: list[Problem] = []
        payload: dict[str, Any] = {}
        for column, value in row.values.items():
            assert column.path is not None
            field = column.path[-1]
            try:
                if column.codes == "category":
                    value = categories.resolve(str(value))
                elif field == "elimination_catalogue":
                    if str(value) not in CATALOGUES:
                        raise CellError(
                            f"unknown elimination catalogue {str(value)[:60]!r}",
                            f"未知的淘汰目录“{str(value)[:60]}”",
                        )
                    value = CATALOGUES[str(value)]
            except CellError as exc:
                found.append(problem(row.number, column, str(exc), exc.zh))
                continue
            payload[field] = value
        try:
            data = EquipmentIn.model_validate(payload)
        except ValidationError as exc:
            reported = {p.field for p in found}
            for err in exc.errors():
                where = next((by_field[p] for p in err["loc"] if isinstance(p, str) and p in by_field), None)
                if where is None and "in_service_year" in err["msg"]:
                    where = by_field["in_service_year"]
                if where is not None and where.header in reported:
                    continue
                if err["type"] == "missing":
                    msg, zh = "required", "必填"
                else:
                    msg, zh = err["msg"].removeprefix("Value error, "), validation_message(dict(err), "zh")
                found.append(problem(row.number, where, msg, zh))
            problems += found
            continue
        if data.elimination_entry and data.elimination_catalogue is None:
            found.append(
                problem(
                    row.number,
                    by_field["elimination_catalogue"],
                    "an elimination entry needs the catalogue it is in",
                    "填写淘汰目录条目时须同时注明所属的淘汰目录",
                )
            )
        key = _key(data)
        if key in existing:
            found.append(
                problem(
                    row.number,
                    None,
                    "this equipment (category, model, maker, year) is already in the inventory: "
                    "change its count",
                    "台账中已有同类别、型号、厂家、投运年份的设备，请修改其数量",
                )
            )
        elif key in first_row:
            found.append(
                problem(row.number, None, f"duplicates row {first_row[key]}", f"与第 {first_row[key]} 行重复")
            )
        else:
            first_row[key] = row.number
        if found:
            problems += found
        else:
            accepted.append(data)
    return accepted, problems


async def check_workbook(
    content: bytes,
    categories: list[tuple[str, str]],
    aliases: list[tuple[str, str]],
    existing: set[tuple[str, str, str, int]],
) -> tuple[Sheet, list[EquipmentIn], list[Problem]]:
    """Read and check off the event loop (CPU work). A category cell may give the code, the name or an
    alias (反应釜 for 反应器（釜）); an alias two categories share asks for the code."""
    index = code_index("category", categories)
    for code, alias in aliases:
        meant = index.by_token.setdefault(alias, [])
        if code not in meant:
            meant.append(code)

    def run() -> tuple[Sheet, list[EquipmentIn], list[Problem]]:
        sheet = read_sheet(content, COLUMNS)
        accepted, problems = _check(sheet, index, existing)
        return sheet, accepted, problems

    return await anyio.to_thread.run_sync(run)


def existing_key(category_code: str, model: str, maker: str, year: int) -> tuple[str, str, str, int]:
    return (category_code, model.casefold(), maker.casefold(), year)
