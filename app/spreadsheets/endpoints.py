"""Spreadsheet export and import of the lists, for admins (一表三单 kept in Excel or WPS)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Query, Response, UploadFile

from app.deps import AdminPrincipal, SessionDep
from app.spreadsheets import service
from app.spreadsheets.schemas import ExportableList, ImportableList, ImportReport

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get(
    "/exports/{list_name}",
    operation_id="export_list",
    summary="The demand list, the supply list or the provider directory as an .xlsx spreadsheet",
    response_class=Response,
    responses={200: {"content": {service.XLSX_MEDIA_TYPE: {}}, "description": "The spreadsheet."}},
)
async def export_list(list_name: ExportableList, principal: AdminPrincipal, session: SessionDep) -> Response:
    content, file_name = await service.export_list(session, list_name)
    disposition = f"attachment; filename=\"{list_name}.xlsx\"; filename*=UTF-8''{quote(file_name)}"
    return Response(content, media_type=service.XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})


@router.post(
    "/imports/{list_name}",
    operation_id="import_list",
    summary="Import demands (as drafts) or products (as listed) from an .xlsx spreadsheet, all or nothing",
    description=(
        "The first sheet's first row holds the headers (those of the export; export-only columns are "
        "ignored). Every row is checked by the same rules as the API; `dry_run=true` only reports. "
        "Any problem rejects the whole file with a 422 carrying the same report: nothing is imported. "
        "Demands come in as drafts for their enterprise to review and publish (sharing with banks needs "
        "the enterprise's own consent); products come in listed, the import being the admin's review."
    ),
    response_model=ImportReport,
    responses={
        201: {"model": ImportReport, "description": "Every row imported."},
        413: {"description": "The file, or the workbook inside it, is too large, or has too many rows."},
        415: {"description": "Not an .xlsx workbook."},
    },
)
async def import_list(
    list_name: ImportableList,
    file: Annotated[UploadFile, File(description="The .xlsx workbook.")],
    principal: AdminPrincipal,
    session: SessionDep,
    response: Response,
    dry_run: Annotated[bool, Query(description="Check and report; import nothing.")] = False,
) -> ImportReport:
    content = await file.read()
    report = await service.import_list(
        session,
        list_name,
        content,
        file_name=file.filename or "upload.xlsx",
        dry_run=dry_run,
        admin_user_id=principal.user.id,
    )
    response.status_code = 200 if dry_run else 201
    return report
