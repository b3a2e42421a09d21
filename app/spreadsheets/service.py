"""Spreadsheet import and export of the demand and supply lists (一表三单), for admins."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import AppError
from app.spreadsheets import exporter, importer, repository
from app.spreadsheets.columns import (
    COLUMNS,
    DEMAND_STATUS_NAMES,
    PRODUCT_STATUS_NAMES,
    PROVIDER_TYPE_NAMES,
    SHEET_TITLES,
    VETTING_STATUS_NAMES,
)
from app.spreadsheets.exporter import beijing
from app.spreadsheets.reader import read_sheet
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


def _yes(value: bool | None) -> str:
    return "是" if value else "否"


def _joined(values: list[str]) -> str:
    return "、".join(values)


async def export_list(session: AsyncSession, list_name: str) -> tuple[bytes, str]:
    """The whole list as .xlsx bytes, and a file name for it."""
    started = time.perf_counter()
    entries = await repository.catalog_entries(session)
    names = {kind: dict(pairs) for kind, pairs in entries.items()}

    def industry(code: str) -> str:
        return f"{code} {names['industry'].get(code, '')}".strip()

    rows: list[list[Any]] = []
    if list_name == "demands":
        for demand, organization_name, uscc in await repository.demands_for_export(session):
            rows.append(
                [
                    str(demand.id),
                    organization_name,
                    uscc,
                    demand.title,
                    demand.description,
                    names["task_type"].get(demand.task_type, demand.task_type),
                    industry(demand.industry_code),
                    names["region"].get(demand.region_code, demand.region_code),
                    _joined([names["category"].get(c, c) for c in demand.category_codes]),
                    demand.quantity,
                    demand.budget_min_cny,
                    demand.budget_max_cny,
                    demand.expected_start,
                    demand.old_equipment_age_years,
                    demand.old_equipment_energy_grade,
                    _yes(demand.old_equipment_below_baseline),
                    demand.required_energy_grade,
                    _yes(demand.needs_equipment),
                    _yes(demand.needs_design),
                    _yes(demand.needs_engineering),
                    demand.financing_amount_cny,
                    demand.financing_term_months,
                    _yes(demand.share_with_banks),
                    DEMAND_STATUS_NAMES.get(demand.status, demand.status),
                    beijing(demand.published_at),
                    demand.contracted_amount_cny,
                    beijing(demand.contracted_at),
                ]
            )
    elif list_name == "products":
        for product, organization_name, vetting, uscc in await repository.products_for_export(session):
            rows.append(
                [
                    str(product.id),
                    organization_name,
                    VETTING_STATUS_NAMES.get(vetting, vetting),
                    uscc,
                    product.name,
                    product.model,
                    names["category"].get(product.category_code, product.category_code),
                    _joined([industry(c) for c in product.industry_codes]),
                    product.description,
                    product.price_min_cny,
                    product.price_max_cny,
                    product.energy_grade,
                    _yes(product.made_in_sichuan),
                    _joined([names["region"].get(c, c) for c in product.service_region_codes]),
                    product.lead_time_days,
                    _joined(product.certifications),
                    PRODUCT_STATUS_NAMES.get(product.status, product.status),
                    _yes(product.made_in_sichuan_verified),
                    beijing(product.listed_at),
                ]
            )
    else:
        for provider in await repository.providers_for_export(session):
            rows.append(
                [
                    str(provider.id),
                    provider.name,
                    provider.uscc,
                    _joined([PROVIDER_TYPE_NAMES.get(t, t) for t in provider.provider_types]),
                    names["region"].get(provider.region_code or "", provider.region_code),
                    _joined([names["region"].get(c, c) for c in provider.service_region_codes]),
                    _joined([industry(c) for c in provider.industry_codes]),
                    _joined(provider.services),
                    _joined(
                        [
                            " ".join(str(v) for v in q.values() if v not in (None, ""))
                            for q in provider.qualifications
                        ]
                    ),
                    provider.contact_name,
                    provider.contact_phone,
                    provider.website,
                    VETTING_STATUS_NAMES.get(provider.vetting_status, provider.vetting_status),
                    beijing(provider.vetted_at),
                ]
            )
    content = await anyio.to_thread.run_sync(
        exporter.workbook_bytes, SHEET_TITLES[list_name], COLUMNS[list_name], rows
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
    return content, f"{SHEET_TITLES[list_name]}-{datetime.now(exporter.CHINA):%Y%m%d}.xlsx"


async def import_list(
    session: AsyncSession,
    list_name: str,
    content: bytes,
    *,
    file_name: str,
    dry_run: bool,
    admin_user_id: uuid.UUID,
) -> ImportReport:
    """Check every row; store them all (demands as drafts, products as listed) or none of them."""
    started = time.perf_counter()
    import_id = uuid.uuid4().hex[:12]
    columns = COLUMNS[list_name]

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

    sheet = await anyio.to_thread.run_sync(read_sheet, content, columns)
    progress("read", len(sheet.rows), len(sheet.rows))
    usccs = [str(v) for row in sheet.rows for c, v in row.values.items() if c.path == ("uscc",)]
    organizations = await repository.organizations_by_uscc(session, usccs)
    lookups = importer.Lookups(
        codes={
            kind: importer.code_index(pairs)
            for kind, pairs in (await repository.catalog_entries(session)).items()
        },
        organizations=organizations,
        existing=await repository.existing_keys(session, list_name, (o.id for o in organizations.values())),
    )
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
    rejected = len({p.row for p in problems if p.row > 1})
    report = ImportReport(
        list=list_name,
        dry_run=dry_run,
        rows=len(sheet.rows),
        accepted=len(accepted),
        rejected=rejected,
        errors=[
            ImportProblem(row=p.row, field=p.field, column=p.column, msg=p.msg)
            for p in problems[:MAX_LISTED_PROBLEMS]
        ],
        errors_truncated=len(problems) > MAX_LISTED_PROBLEMS,
        imported=0,
    )
    if problems:
        if dry_run:
            return report
        raise ImportRejected(
            f"{len(problems)} problem(s) in {max(rejected, 1)} row(s); fix them and upload the file again. "
            "Nothing was imported.",
            **report.model_dump(mode="json"),
        )
    if not sheet.rows:
        raise ImportRejected("The sheet has no data rows under its header.", **report.model_dump(mode="json"))
    if dry_run:
        return report
    # Parents first: a product's review row refers to it.
    for position in range(max(len(a.built) for a in accepted)):
        session.add_all([a.built[position] for a in accepted if len(a.built) > position])
        await session.flush()
        progress("write", position + 1, max(len(a.built) for a in accepted))
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
