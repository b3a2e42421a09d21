"""Spreadsheet import and export of the demand and supply lists (一表三单), for admins."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError
from app.i18n import DEFAULT_LANGUAGE, Language
from app.kernel import CHINA
from app.spreadsheets import exporter, importer, repository
from app.spreadsheets.columns import (
    COLUMNS,
    DEMAND_STATUS_NAMES,
    PRODUCT_STATUS_NAMES,
    PROVIDER_TYPE_NAMES,
    SHEET_TITLES,
    VETTING_STATUS_NAMES,
    CodeList,
)
from app.spreadsheets.exporter import beijing
from app.spreadsheets.reader import Problem, Sheet, read_sheet
from app.spreadsheets.schemas import ImportProblem, ImportReport

log = logging.getLogger(__name__)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A report lists at most this many problems: enough to fix a sheet, small enough for a phone.
MAX_LISTED_PROBLEMS = 2000


class ImportRejected(AppError):
    """422 with the whole report: nothing was imported because some rows have problems."""

    status = 422
    slug = "import-rejected"
    title = "The spreadsheet has problems; nothing was imported"
    title_zh = "表格有问题，未导入任何数据"


def _yes(value: bool | None) -> str:
    return "是" if value else "否"


def _joined(values: list[str]) -> str:
    return "、".join(values)


Names = dict[CodeList, dict[str, str]]
Fetch = Callable[[AsyncSession], Awaitable[Sequence[Any]]]
Cells = Callable[[Any, Names], list[Any]]


def _industry(code: str, names: Names) -> str:
    return f"{code} {names['industry'].get(code, '')}".strip()


def _demand_cells(d: Any, names: Names) -> list[Any]:
    old = d.old_equipment_age_years is not None
    return [
        str(d.id),
        d.organization_name,
        d.uscc,
        d.title,
        d.description,
        names["task_type"].get(d.task_type, d.task_type),
        _industry(d.industry_code, names),
        names["region"].get(d.region_code, d.region_code),
        _joined([names["category"].get(c, c) for c in d.category_codes]),
        d.quantity,
        d.budget_min_cny,
        d.budget_max_cny,
        d.expected_start,
        d.old_equipment_age_years,
        d.old_equipment_energy_grade,
        _yes(d.old_equipment_below_baseline) if old else None,
        d.required_energy_grade,
        _yes(d.needs_equipment),
        _yes(d.needs_design),
        _yes(d.needs_engineering),
        d.financing_amount_cny,
        d.financing_term_months,
        _yes(d.share_with_banks),
        DEMAND_STATUS_NAMES.get(d.status, d.status),
        beijing(d.published_at),
        d.contracted_amount_cny,
        beijing(d.contracted_at),
    ]


def _product_cells(p: Any, names: Names) -> list[Any]:
    return [
        str(p.id),
        p.organization_name,
        VETTING_STATUS_NAMES.get(p.vetting_status, p.vetting_status),
        p.uscc,
        p.name,
        p.model,
        names["category"].get(p.category_code, p.category_code),
        _joined([_industry(c, names) for c in p.industry_codes]),
        p.description,
        p.price_min_cny,
        p.price_max_cny,
        p.energy_grade,
        _yes(p.made_in_sichuan),
        _joined([names["region"].get(c, c) for c in p.service_region_codes]),
        p.lead_time_days,
        _joined(p.certifications),
        PRODUCT_STATUS_NAMES.get(p.status, p.status),
        _yes(p.made_in_sichuan_verified),
        beijing(p.listed_at),
    ]


def _provider_cells(o: Any, names: Names) -> list[Any]:
    qualifications = [" ".join(str(v) for v in q.values() if v not in (None, "")) for q in o.qualifications]
    return [
        str(o.id),
        o.name,
        o.uscc,
        _joined([PROVIDER_TYPE_NAMES.get(t, t) for t in o.provider_types]),
        names["region"].get(o.region_code or "", o.region_code),
        _joined([names["region"].get(c, c) for c in o.service_region_codes]),
        _joined([_industry(c, names) for c in o.industry_codes]),
        _joined(o.services),
        _joined(qualifications),
        o.contact_name,
        o.contact_phone,
        o.website,
        VETTING_STATUS_NAMES.get(o.vetting_status, o.vetting_status),
        beijing(o.vetted_at),
    ]


_EXPORTS: dict[
    str, tuple[Callable[[AsyncSession], Awaitable[Sequence[Any]]], Callable[[Any, Names], list[Any]]]
] = {
    "demands": (repository.demands_for_export, _demand_cells),
    "products": (repository.products_for_export, _product_cells),
    "providers": (repository.providers_for_export, _provider_cells),
}


async def export_list(session: AsyncSession, list_name: str) -> tuple[bytes, str]:
    """The whole list as .xlsx bytes, and a file name for it. Rows are read as plain tuples; turning them
    into cells and writing the workbook happen in a worker thread, off the event loop."""
    started = time.perf_counter()
    names = {kind: dict(pairs) for kind, pairs in (await repository.catalog_entries(session)).items()}
    fetch, cells = _EXPORTS[list_name]
    rows = await fetch(session)
    content = await anyio.to_thread.run_sync(
        lambda: exporter.workbook_bytes(
            SHEET_TITLES[list_name], COLUMNS[list_name], (cells(row, names) for row in rows)
        )
    )
    log.info(
        "spreadsheet.exported",
        extra={
            "list": list_name,
            "rows": len(rows),
            "bytes": len(content),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return content, f"{SHEET_TITLES[list_name]}-{datetime.now(CHINA):%Y%m%d}.xlsx"


Progress = Callable[[str, int, int], None]


def _progress_log(import_id: str, list_name: str, started: float) -> Progress:
    """A long import logs each phase's progress under one id, so a slow upload can be followed live."""

    def progress(phase: str, done: int, total: int) -> None:
        log.info(
            "spreadsheet.import.progress",
            extra={
                "import_id": import_id,
                "list": list_name,
                "phase": phase,
                "done": done,
                "total": total,
                "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )

    return progress


async def _lookups(session: AsyncSession, list_name: str, sheet: Sheet) -> importer.Lookups:
    """Everything the rows are checked against, read once up front so validation runs off the event loop
    without touching the database: catalog codes, the sheet's organizations, what they already have."""
    usccs = [str(v) for row in sheet.rows for c, v in row.values.items() if c.path == ("uscc",)]
    organizations = await repository.organizations_by_uscc(session, usccs)
    return importer.Lookups(
        codes={
            kind: importer.code_index(kind, pairs)
            for kind, pairs in (await repository.catalog_entries(session)).items()
        },
        organizations=organizations,
        existing=await repository.existing_keys(session, list_name, (o.id for o in organizations.values())),
    )


def report_of(
    list_name: str,
    sheet: Sheet,
    accepted: int,
    problems: list[Problem],
    *,
    dry_run: bool,
    language: Language,
) -> ImportReport:
    """The report before anything is stored; its problems capped so the response stays readable."""
    return ImportReport(
        list=list_name,
        dry_run=dry_run,
        rows=len(sheet.rows),
        accepted=accepted,
        rejected=_rejected_rows(problems),
        errors=[
            ImportProblem(row=p.row, field=p.field, column=p.column, msg=p.text(language))
            for p in problems[:MAX_LISTED_PROBLEMS]
        ],
        errors_truncated=len(problems) > MAX_LISTED_PROBLEMS,
        imported=0,
    )


def _rejected_rows(problems: list[Problem]) -> int:
    # Row 1 is the header: a problem there (a missing column) rejects no data row by itself.
    return len({p.row for p in problems if p.row > 1})


def refuse_if_unimportable(report: ImportReport, problems: list[Problem], sheet: Sheet) -> None:
    """All or nothing: any problem, or an empty sheet, refuses the whole file with the full report."""
    if problems:
        rejected = max(_rejected_rows(problems), 1)
        raise ImportRejected(
            f"{len(problems)} problem(s) in {rejected} row(s); fix them and upload the file again. "
            "Nothing was imported.",
            zh=f"{rejected} 行共有 {len(problems)} 处问题，请修改后重新上传文件。未导入任何数据。",
            **report.model_dump(mode="json"),
        )
    if not sheet.rows:
        raise ImportRejected(
            "The sheet has no data rows under its header.",
            zh="工作表的表头下面没有数据行。",
            **report.model_dump(mode="json"),
        )


async def _store(session: AsyncSession, accepted: list[importer.Accepted], progress: Progress) -> None:
    """Parents first: a product's review row refers to it, so each position is flushed before the next."""
    depth = max(len(a.built) for a in accepted)
    for position in range(depth):
        session.add_all([a.built[position] for a in accepted if len(a.built) > position])
        await session.flush()
        progress("write", position + 1, depth)


async def import_list(
    session: AsyncSession,
    list_name: str,
    content: bytes,
    *,
    file_name: str,
    dry_run: bool,
    admin_user_id: uuid.UUID,
    language: Language = DEFAULT_LANGUAGE,
) -> ImportReport:
    """Check every row; store them all (demands as drafts, products as listed) or none of them.

    Reading and validating the workbook are CPU work and run in a worker thread. A dry run returns the
    report even when there are problems; a real one raises `ImportRejected` with it. The report's messages
    are in `language` (the problem's title and detail follow the request's)."""
    started = time.perf_counter()
    import_id = uuid.uuid4().hex[:12]
    columns = COLUMNS[list_name]
    progress = _progress_log(import_id, list_name, started)
    sheet = await anyio.to_thread.run_sync(read_sheet, content, columns)
    progress("read", len(sheet.rows), len(sheet.rows))
    lookups = await _lookups(session, list_name, sheet)
    accepted, problems = await anyio.to_thread.run_sync(
        lambda: importer.validate(
            sheet,
            columns,
            lookups,
            list_name=list_name,
            admin_user_id=admin_user_id,
            note=f"表格导入：{file_name}"[:500],
            progress=lambda done, total: progress("validate", done, total),
        )
    )
    progress("validate", len(sheet.rows), len(sheet.rows))
    report = report_of(list_name, sheet, len(accepted), problems, dry_run=dry_run, language=language)
    if dry_run and problems:
        return report
    refuse_if_unimportable(report, problems, sheet)
    if dry_run:
        return report
    await _store(session, accepted, progress)
    log.info(
        "spreadsheet.imported",
        extra={
            "import_id": import_id,
            "list": list_name,
            "rows": len(accepted),
            "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        },
    )
    return report.model_copy(update={"imported": len(accepted)})
