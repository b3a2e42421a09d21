import uuid
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Path, Request, Response, UploadFile, status
from fastapi.responses import FileResponse, RedirectResponse

from app.attachments import service
from app.attachments.schemas import AttachmentList, AttachmentOut
from app.attachments.storage import Storage
from app.deps import CurrentPrincipal, OptionalPrincipal, SessionDep, SettingsDep, viewer_of
from app.errors import NotFound
from app.kernel import AttachmentPurpose
from app.kit.pagination import PageParamsDep
from app.kit.problems import problems

router = APIRouter(tags=["attachments"])

# parent type -> (path segment, the path parameter's name, how the docs call it)
PARENTS = {
    "demand": ("demands", "demand_id", "a demand (drawings, the 技改方案)"),
    "product": ("products", "product_id", "a product (photos, spec sheets)"),
    "quote": ("quotes", "quote_id", "a quote (its documents)"),
    "organization": ("organizations", "organization_id", "an organization (qualification certificates)"),
    "conversation": ("conversations", "conversation_id", "a conversation (to send in a message)"),
}
RULES = (
    "Types are judged from the bytes (JPEG, PNG, WebP, PDF, XLSX, DOCX; 415 for anything else, and for a "
    "name whose extension says another type); `MAX_ATTACHMENT_BYTES` (20 MB) → 413. Images are re-encoded "
    "without EXIF or GPS data and get a 320-pixel WebP thumbnail; Office files that would unpack into far "
    "more than they weigh (zip bombs), hold macros or paths, are refused (422). A name with a path in it "
    "is 422. Nothing is stored unless all of that passes."
)


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def _add_parent_routes(parent_type: str, segment: str, id_name: str, what: str) -> None:
    ParentId = Annotated[uuid.UUID, Path(alias=id_name)]

    @router.post(
        f"/{segment}/{{{id_name}}}/attachments",
        status_code=status.HTTP_201_CREATED,
        operation_id=f"upload_{parent_type}_attachment",
        responses=problems(400, 401, 403, 404, 409, 413, 415, 422),
        summary=f"Attach a file to {what}",
        description=(
            f"The organization that owns the {parent_type} (a draft's files are any member's work; once "
            f"published or submitted, a manager's). Multipart: `file`, and an optional `purpose`. {RULES} "
            f"At most `ATTACHMENTS_PER_PARENT` files (409 beyond)."
        ),
    )
    async def upload(
        parent_id: ParentId,
        request: Request,
        principal: CurrentPrincipal,
        session: SessionDep,
        settings: SettingsDep,
        file: Annotated[UploadFile, File(description="The file.")],
        purpose: Annotated[AttachmentPurpose, Form()] = AttachmentPurpose.OTHER,
    ) -> AttachmentOut:
        row = await service.upload(
            session,
            _storage(request),
            settings,
            parent_type=parent_type,
            parent_id=parent_id,
            file=file,
            purpose=purpose,
            principal=principal,
        )
        return service.to_out(row)

    @router.get(
        f"/{segment}/{{{id_name}}}/attachments",
        operation_id=f"list_{parent_type}_attachments",
        responses=problems(401, 404, 422),
        summary=f"The files attached to {what}",
        description=(
            f"Whoever may see the {parent_type} sees its files (a draft's only its owner and admins), oldest "
            "first, paged with `cursor`."
        ),
    )
    async def list_attachments(
        parent_id: ParentId, session: SessionDep, principal: OptionalPrincipal, page: PageParamsDep
    ) -> AttachmentList:
        items, cursor = await service.page(session, parent_type, parent_id, page, viewer=viewer_of(principal))
        return AttachmentList(items=items, next_cursor=cursor)


for _type, (_segment, _id_name, _what) in PARENTS.items():
    _add_parent_routes(_type, _segment, _id_name, _what)


async def _serve(request: Request, key: str, *, content_type: str, filename: str, etag: str) -> Response:
    storage = _storage(request)
    path = storage.local_path(key)
    if path is not None:
        if not path.is_file():
            raise NotFound("The file's bytes are missing from storage.", zh="附件内容在存储中缺失。")
        return FileResponse(
            path,
            media_type=content_type,
            filename=filename,
            headers={"ETag": f'"{etag}"', "Cache-Control": "private, max-age=0, must-revalidate"},
        )
    url = await storage.signed_url(key)
    assert url is not None
    return RedirectResponse(
        url, status_code=status.HTTP_307_TEMPORARY_REDIRECT, headers={"Cache-Control": "no-store"}
    )


@router.get(
    "/attachments/{attachment_id}",
    operation_id="download_attachment",
    responses={
        200: {
            "description": "The bytes, with the type judged at upload as `Content-Type`.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
        307: {"description": "A short-lived pre-signed URL of the object store holding the bytes."},
        **problems(401, 404, 422),
    },
    response_class=Response,
    summary="Download a file (the bytes, or a redirect to a pre-signed URL)",
)
async def download_attachment(
    attachment_id: uuid.UUID, request: Request, session: SessionDep, principal: OptionalPrincipal
) -> Response:
    """Whoever may see the parent: the bytes, with the type judged at upload, `Content-Disposition`
    naming the file, an `ETag` of its SHA-256, and byte ranges; with an S3 store, a 307 to a URL signed
    for 5 minutes. 404 for a file the caller may not see."""
    row = await service.get_visible(session, attachment_id, viewer_of(principal))
    return await _serve(
        request, row.storage_key, content_type=row.content_type, filename=row.filename, etag=row.sha256
    )


@router.get(
    "/attachments/{attachment_id}/thumbnail",
    operation_id="download_attachment_thumbnail",
    responses={
        200: {
            "description": "A WebP (`Content-Type: image/webp`) of at most 320×320 pixels.",
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        },
        307: {"description": "A short-lived pre-signed URL of the object store holding it."},
        **problems(401, 404, 422),
    },
    response_class=Response,
    summary="An image's thumbnail",
)
async def download_thumbnail(
    attachment_id: uuid.UUID, request: Request, session: SessionDep, principal: OptionalPrincipal
) -> Response:
    """As the file itself; 404 for a file that is not an image."""
    row = await service.get_visible(session, attachment_id, viewer_of(principal))
    if row.thumbnail_key is None:
        raise NotFound("This file has no thumbnail (it is not an image).", zh="该附件不是图片，没有缩略图。")
    name = row.filename.rsplit(".", 1)[0] + ".thumb.webp"
    return await _serve(
        request, row.thumbnail_key, content_type="image/webp", filename=name, etag=f"{row.sha256}-t"
    )


@router.delete(
    "/attachments/{attachment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_attachment",
    responses=problems(401, 403, 404, 422),
    summary="Delete a file (its parent's owner)",
)
async def delete_attachment(
    attachment_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    background: BackgroundTasks,
) -> Response:
    """The organization that uploaded it, with the role its parent needs for edits (a published demand's
    files are a manager's). The bytes go once the deletion has committed. Answers 204."""
    keys = await service.delete(session, attachment_id, principal=principal)
    storage = _storage(request)

    async def remove() -> None:
        for key in keys:  # deleting what is gone already is no error, locally or in S3
            await storage.delete(key)

    background.add_task(remove)
    return Response(status_code=status.HTTP_204_NO_CONTENT, background=background)
