"""Spreadsheet export and import of the lists, for admins (一表三单 kept in Excel or WPS)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from app.deps import AdminPrincipal, SessionDep
from app.errors import PROBLEM_MEDIA_TYPE, InvalidInput, request_language
from app.kit.problems import problems, register_component
from app.spreadsheets import service
from app.spreadsheets.schemas import ExportableList, ImportableList, ImportReport

router = APIRouter(prefix="/admin", tags=["admin"])


XLSX_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "The .xlsx workbook."}
                },
            }
        }
    },
}


def import_problems() -> dict[int | str, dict[str, Any]]:
    """The route's problems; its 422 is either a request error or the import's own report."""
    responses = problems(401, 403, 413, 415, 422)
    report = ImportReport.model_json_schema(ref_template="#/components/schemas/{model}")
    report.pop("$defs", None)
    rejected = register_component(
        "ImportRejectedProblem",
        {
            "title": "ImportRejectedProblem",
            "description": "The import's 422: a problem carrying the whole report; nothing was imported.",
            "type": "object",
            "required": ["type", "title", "status", "detail", *report["required"]],
            "properties": {
                "type": {"type": "string", "format": "uri"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                **report["properties"],
            },
        },
    )
    media = responses[422]["content"][PROBLEM_MEDIA_TYPE]
    media["schema"] = {"anyOf": [media["schema"], {"$ref": rejected}]}
    return responses


async def read_workbook(request: Request) -> tuple[bytes, str]:
    """The uploaded workbook's bytes and file name, from the multipart field `file` (422 otherwise)."""
    try:
        form = await request.form(max_files=1, max_fields=10)
    except (MultiPartException, AssertionError) as exc:
        raise InvalidInput(
            ["body"],
            f"send the workbook as multipart/form-data in the field 'file' ({exc})",
            zh=f"请以 multipart/form-data 格式在 'file' 字段中上传工作簿（{exc}）",
        ) from exc
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput(
            ["body", "file"],
            "send the .xlsx workbook in the multipart field 'file'",
            zh="请在 multipart 的 'file' 字段中上传 .xlsx 工作簿",
        )
    return await upload.read(), upload.filename or "upload.xlsx"


@router.get(
    "/exports/{list_name}",
    operation_id="export_list",
    summary="The demand list, the supply list or the provider directory as an .xlsx spreadsheet",
    response_class=Response,
    responses={
        200: {"content": {service.XLSX_MEDIA_TYPE: {}}, "description": "The spreadsheet."},
        **problems(401, 403, 422),
    },
)
async def export_list(list_name: ExportableList, principal: AdminPrincipal, session: SessionDep) -> Response:
    """Admins only: the demand list, the supply list or the provider directory as an .xlsx download
    with Chinese headers; the demand and product exports have the columns the import reads."""
    content, file_name = await service.export_list(session, list_name)
    disposition = f"attachment; filename=\"{list_name}.xlsx\"; filename*=UTF-8''{quote(file_name)}"
    return Response(content, media_type=service.XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})


@router.post(
    "/imports/{list_name}",
    operation_id="import_list",
    summary="Import demands (as drafts) or products (as listed) from an .xlsx spreadsheet, all or nothing",
    description=(
        "The first visible sheet's first row holds the headers (those of the export; export-only columns "
        "are ignored). Every row is checked by the same rules as the API; `dry_run=true` only reports. "
        "Any problem rejects the whole file with a 422 carrying the same report: nothing is imported. "
        "Demands come in as drafts for their enterprise to review and publish (sharing with banks needs "
        "the enterprise's own consent); products come in listed, the import being the admin's review."
    ),
    response_model=ImportReport,
    status_code=201,
    responses={200: {"model": ImportReport, "description": "The dry run's report."}, **import_problems()},
    openapi_extra={"requestBody": XLSX_BODY},
)
async def import_list(
    list_name: ImportableList,
    principal: AdminPrincipal,
    session: SessionDep,
    request: Request,
    response: Response,
    dry_run: Annotated[bool, Query(description="Check and report; import nothing.")] = False,
) -> ImportReport:
    # The body is read here, after the admin check: nobody else gets to upload 10 MB.
    """Admins only: imports demands (as drafts) or products (as listed) from an uploaded .xlsx, all or
    nothing; `dry_run=true` only reports. Any problem rejects the whole file with a 422 carrying the
    report."""
    content, file_name = await read_workbook(request)
    report = await service.import_list(
        session,
        list_name,
        content,
        file_name=file_name,
        dry_run=dry_run,
        admin_user_id=principal.user.id,
        language=request_language(request),
    )
    response.status_code = 200 if dry_run else 201
    return report
